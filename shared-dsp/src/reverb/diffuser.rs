//! Input diffuser: a cascade of Schroeder allpass filters per channel.
//!
//! Schroeder, "Natural sounding artificial reverberation", JAES 10(3), 1962: the allpass
//!
//! ```text
//! v[n] = x[n] + g·v[n − D],   y[n] = −g·v[n] + v[n − D],   H(z) = (−g + z^−D)/(1 − g·z^−D)
//! ```
//!
//! has a flat magnitude response but turns one impulse into a decaying train of echoes; a
//! cascade of a few with incommensurate delays smears an input transient into a dense burst
//! before it enters the reverb tank (as the "input diffusion" of Dattorro, "Effect design,
//! part 1: reverberator and other filters", JAES 45(9), 1997, fig. 1). `g` is the diffusion
//! amount; `g = 0` leaves a pure delay of `ΣD`.

// Index loops over the fixed-size per-line/per-stage arrays are the form the compiler
// vectorises; iterator chains over four or five arrays at once would hide that.
#![allow(clippy::needless_range_loop)]

/// Allpass stages per channel.
pub const STAGES: usize = 8;

/// One Schroeder allpass with an integer delay.
#[derive(Debug, Clone, Default)]
struct Allpass {
    buf: Vec<f32>,
    mask: usize,
    pos: usize,
    delay: usize,
}

impl Allpass {
    fn prepare(&mut self, max_delay: usize) {
        let len = (max_delay + 1).next_power_of_two();
        self.buf = vec![0.0; len];
        self.mask = len - 1;
        self.pos = 0;
        self.delay = self.delay.min(max_delay).max(1);
    }

    /// The allpass (`v = x + g·v[n − D]`, `y = v[n − D] − g·v`) over a run no longer than the
    /// delay (so the run reads nothing it writes) and at most [`SUB_BLOCK`] samples, `g[k]`
    /// being sample `k`'s gain.
    #[inline]
    fn run(&mut self, x: &mut [f32], g: &[f32]) {
        let n = x.len().min(g.len()).min(SUB_BLOCK);
        debug_assert!(n <= self.delay);
        let mask = self.mask;
        let read = self.pos.wrapping_sub(self.delay) & mask;
        let mut delayed = [0.0f32; SUB_BLOCK];
        if read + n <= self.buf.len() {
            delayed[..n].copy_from_slice(&self.buf[read..read + n]);
        } else {
            for (k, d) in delayed[..n].iter_mut().enumerate() {
                *d = self.buf[(read + k) & mask];
            }
        }
        let mut v = [0.0f32; SUB_BLOCK];
        for k in 0..n {
            v[k] = x[k] + g[k] * delayed[k];
            x[k] = delayed[k] - g[k] * v[k];
        }
        let pos = self.pos;
        if pos + n <= self.buf.len() {
            self.buf[pos..pos + n].copy_from_slice(&v[..n]);
        } else {
            for (k, v) in v[..n].iter().enumerate() {
                self.buf[(pos + k) & mask] = *v;
            }
        }
        self.pos = (pos + n) & mask;
    }
}

/// Stereo allpass diffuser: [`STAGES`] Schroeder allpasses per channel, in series.
#[derive(Debug, Clone)]
pub struct Diffuser {
    sample_rate: f32,
    max_delay_ms: f32,
    left: [Allpass; STAGES],
    right: [Allpass; STAGES],
    gains: [f32; STAGES],
    gains_target: [f32; STAGES],
}

impl Default for Diffuser {
    fn default() -> Self {
        Self::new()
    }
}

impl Diffuser {
    /// An empty diffuser; call [`prepare`](Self::prepare).
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            max_delay_ms: 20.0,
            left: Default::default(),
            right: Default::default(),
            gains: [0.0; STAGES],
            gains_target: [0.0; STAGES],
        }
    }

    /// Allocates for stage delays up to `max_delay_ms`, and resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize, max_delay_ms: f32) {
        self.sample_rate = sample_rate;
        self.max_delay_ms = max_delay_ms;
        let max = (max_delay_ms * 0.001 * sample_rate).ceil() as usize + 1;
        for a in self.left.iter_mut().chain(self.right.iter_mut()) {
            a.prepare(max);
        }
        self.reset();
    }

    /// Clears the delay memories; the gains jump to their targets.
    pub fn reset(&mut self) {
        for a in self.left.iter_mut().chain(self.right.iter_mut()) {
            a.buf.fill(0.0);
            a.pos = 0;
        }
        self.gains = self.gains_target;
    }

    /// Stage delays (ms) per channel. Changes the structure: call while silent or before
    /// `reset`.
    pub fn set_delays_ms(&mut self, left: &[f32; STAGES], right: &[f32; STAGES]) {
        let max = (self.max_delay_ms * 0.001 * self.sample_rate) as usize;
        for (a, ms) in self
            .left
            .iter_mut()
            .zip(left)
            .chain(self.right.iter_mut().zip(right))
        {
            a.delay = ((ms * 0.001 * self.sample_rate).round() as usize).clamp(1, max.max(1));
        }
    }

    /// Allpass gains per stage (|g| < 1); they glide per block (one-pole, ≈20 ms).
    pub fn set_gains(&mut self, gains: &[f32; STAGES]) {
        for (t, g) in self.gains_target.iter_mut().zip(gains) {
            *t = g.clamp(-0.95, 0.95);
        }
    }

    /// Diffuses `left` and `right` in place. The gains glide (≈20 ms) linearly within the
    /// block, so diffusion changes never step the output.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let a = 1.0 - (-(n as f32) / (0.02 * self.sample_rate)).exp();
        let start = self.gains;
        let mut inc = [0.0f32; STAGES];
        for i in 0..STAGES {
            let t = self.gains_target[i];
            let end = if (t - start[i]).abs() < 1e-5 {
                t
            } else {
                start[i] + (t - start[i]) * a
            };
            inc[i] = (end - start[i]) / n.max(1) as f32;
            self.gains[i] = end;
        }
        // The stages are in series: stage s needs only stage s − 1's output of the same samples.
        // So each block of up to SUB_BLOCK samples goes through the stages one after the
        // other, each stage over the whole block, in runs no longer than its own delay (a run
        // then reads only what earlier runs wrote): along time, contiguous reads and writes the
        // compiler vectorises, and long stages take the block in one run.
        let moving = inc.iter().any(|&v| v != 0.0);
        // Per-stage gain at the end of the previous sample (the glide's accumulation).
        let mut gains = start;
        let mut g_run = [[0.0f32; SUB_BLOCK]; STAGES];
        let mut done = 0;
        while done < n {
            let len = SUB_BLOCK.min(n - done);
            for s in 0..STAGES {
                if moving {
                    for g in &mut g_run[s][..len] {
                        gains[s] += inc[s];
                        *g = gains[s];
                    }
                } else {
                    g_run[s][..len].fill(gains[s]);
                }
            }
            for (stages, x) in [
                (&mut self.left, &mut left[done..done + len]),
                (&mut self.right, &mut right[done..done + len]),
            ] {
                for (a, g) in stages.iter_mut().zip(&g_run) {
                    let step = a.delay.clamp(1, SUB_BLOCK);
                    let mut k = 0;
                    while k < len {
                        let m = step.min(len - k);
                        a.run(&mut x[k..k + m], &g[k..k + m]);
                        k += m;
                    }
                }
            }
            done += len;
        }
    }
}

/// Longest run of samples one stage processes at a time.
const SUB_BLOCK: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{dft_db, log_freqs};

    #[test]
    fn cascade_is_allpass_and_smears() {
        let fs = 48_000.0;
        let mut d = Diffuser::new();
        d.prepare(fs, 512, 20.0);
        d.set_delays_ms(
            &[0.53, 0.79, 1.19, 1.73, 4.77, 3.6, 12.73, 9.31],
            &[0.59, 0.87, 1.31, 1.91, 4.5, 3.7, 12.2, 9.6],
        );
        d.set_gains(&[0.75, 0.75, 0.7, 0.7, 0.75, 0.75, 0.625, 0.625]);
        d.reset();
        let n = 1 << 16;
        let mut l = vec![0.0f32; n];
        let mut r = vec![0.0f32; n];
        l[0] = 1.0;
        r[0] = 1.0;
        d.process(&mut l, &mut r);
        for f in log_freqs(30.0, 20_000.0, 25) {
            assert!(dft_db(&l, f, fs as f64).abs() < 0.01, "{f}");
            assert!(dft_db(&r, f, fs as f64).abs() < 0.01, "{f}");
        }
        // Energy is preserved (allpass) and spread: no single echo holds most of it.
        let energy: f32 = l.iter().map(|v| v * v).sum();
        let peak = l.iter().fold(0.0f32, |a, v| a.max(v * v));
        assert!((energy - 1.0).abs() < 1e-3);
        assert!(peak < 0.2, "{peak}");
    }
}
