//! [`SilenceTracker`]: how long the input has been silent, whether the plugin's tail has rung
//! out (so it may output silence without running its DSP), and the [`ProcessStatus`] that
//! tells the host how much tail is left.
//!
//! Per block, on the audio thread:
//!
//! ```text
//! let silent = self.silence.observe(&[left, right]);
//! if silent && self.silence.rung_out(tail, num_samples) {
//!     left.fill(0.0); right.fill(0.0);      // and reset the engine once
//!     return ProcessStatus::Normal;
//! }
//! ... run the engine ...
//! self.silence.tail_status(tail)
//! ```

use gel_dsp::blocks::guard;
use nice_plug::prelude::ProcessStatus;

/// Samples whose magnitude stays at or below this count as silence (−200 dBFS): far below any
/// converter's noise floor, above the denormal range, so a decaying filter's last ripples do not
/// keep a plugin awake.
pub const SILENCE_THRESHOLD: f32 = 1e-10;

/// Consecutive silent input samples, counted block by block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SilenceTracker {
    silent_samples: u64,
}

impl SilenceTracker {
    /// A tracker that has seen no silence.
    pub const fn new() -> Self {
        Self { silent_samples: 0 }
    }

    /// True if every sample of every channel is within ±[`SILENCE_THRESHOLD`] (a NaN is never
    /// silent).
    pub fn is_silent(channels: &[&[f32]]) -> bool {
        guard::is_silent(channels, SILENCE_THRESHOLD)
    }

    /// Counts this block (all channels the same length): adds its length when it is silent,
    /// restarts the count when it is not. Returns whether it was silent.
    pub fn observe(&mut self, channels: &[&[f32]]) -> bool {
        let silent = Self::is_silent(channels);
        self.observe_verdict(silent, channels.first().map_or(0, |c| c.len()));
        silent
    }

    /// [`observe`](Self::observe) for a verdict the plugin reached itself (e.g. the input and
    /// an external key both silent, or silent and not frozen).
    pub fn observe_verdict(&mut self, silent: bool, block_len: usize) {
        self.silent_samples = if silent {
            self.silent_samples.saturating_add(block_len as u64)
        } else {
            0
        };
    }

    /// Consecutive silent samples up to the end of the last observed block.
    pub fn silent_samples(&self) -> u64 {
        self.silent_samples
    }

    /// Forget the silence seen so far (the plugin was reset).
    pub fn reset(&mut self) {
        self.silent_samples = 0;
    }

    /// True when the silence began at least `tail` samples before the last observed block of
    /// `block_len` samples: everything the plugin could still output from earlier input (its
    /// tail, or its latency) has already been output, so this block's output is silence.
    pub fn rung_out(&self, tail: u64, block_len: usize) -> bool {
        self.silent_samples >= tail.saturating_add(block_len as u64)
    }

    /// Samples of a `tail`-sample tail still to ring after the last observed block.
    pub fn tail_left(&self, tail: u64) -> u64 {
        tail.saturating_sub(self.silent_samples)
    }

    /// What to tell the host after a block the DSP ran: `Normal` when the plugin has no tail
    /// (the host may stop calling once input and output are quiet), else `Tail` with what is
    /// left to ring, at least 1 (the DSP still ran this block, so the tail is not over) and at
    /// most `u32::MAX − 1` (`u32::MAX` means "infinite" to a VST3 host).
    pub fn tail_status(&self, tail: u64) -> ProcessStatus {
        if tail == 0 {
            ProcessStatus::Normal
        } else {
            let left = self.tail_left(tail).clamp(1, u64::from(u32::MAX - 1));
            ProcessStatus::Tail(left as u32)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_tail(status: ProcessStatus) -> Option<u32> {
        match status {
            ProcessStatus::Tail(n) => Some(n),
            ProcessStatus::Normal => None,
            _ => panic!("unexpected status"),
        }
    }

    #[test]
    fn counts_consecutive_silent_samples() {
        let mut t = SilenceTracker::new();
        let quiet = [1e-11f32; 64];
        let loud = [0.5f32; 64];
        assert!(t.observe(&[&quiet, &quiet]));
        assert!(t.observe(&[&quiet, &quiet]));
        assert_eq!(t.silent_samples(), 128);
        assert!(
            !t.observe(&[&quiet, &loud]),
            "one loud channel is not silence"
        );
        assert_eq!(t.silent_samples(), 0);
        t.observe_verdict(true, 32);
        assert_eq!(t.silent_samples(), 32);
        t.reset();
        assert_eq!(t.silent_samples(), 0);
    }

    #[test]
    fn threshold_is_minus_200_dbfs_and_nan_is_loud() {
        assert!(SilenceTracker::is_silent(&[&[1e-10, -1e-10]]));
        assert!(!SilenceTracker::is_silent(&[&[1.1e-10]]));
        assert!(!SilenceTracker::is_silent(&[&[f32::NAN]]));
        assert_eq!(20.0 * SILENCE_THRESHOLD.log10(), -200.0);
    }

    #[test]
    fn rung_out_once_the_tail_lies_before_the_block() {
        let mut t = SilenceTracker::new();
        let tail = 100;
        // Blocks of 64: after the second block 128 samples are silent, which covers a 100-sample
        // tail but not tail + this block (164).
        t.observe_verdict(true, 64);
        assert!(!t.rung_out(tail, 64));
        t.observe_verdict(true, 64);
        assert!(!t.rung_out(tail, 64));
        t.observe_verdict(true, 64);
        assert!(t.rung_out(tail, 64), "192 ≥ 100 + 64");
        assert!(SilenceTracker::new().rung_out(0, 0));
    }

    #[test]
    fn tail_status_counts_down_and_never_claims_the_end_while_running() {
        let mut t = SilenceTracker::new();
        assert_eq!(status_tail(t.tail_status(0)), None, "no tail: Normal");
        assert_eq!(status_tail(t.tail_status(1000)), Some(1000));
        t.observe_verdict(true, 300);
        assert_eq!(status_tail(t.tail_status(1000)), Some(700));
        t.observe_verdict(true, 900);
        assert_eq!(t.tail_left(1000), 0);
        assert_eq!(status_tail(t.tail_status(1000)), Some(1));
        assert_eq!(
            status_tail(SilenceTracker::new().tail_status(u64::MAX)),
            Some(u32::MAX - 1),
            "u32::MAX would read as an infinite tail"
        );
    }
}
