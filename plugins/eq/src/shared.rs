//! The seam between Gel EQ's audio thread and its editor: the analyzer's sample feeds (before
//! and after the EQ), the sample rate, the soloed band, and each dynamic band's current gain. Everything here is atomics; the
//! audio thread only copies samples (and only while the editor is open and shows that trace).

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, OnceLock};

use atomic_float::AtomicF32;
use gel_dsp::analysis::spectrum::SampleFifo;
use gel_plugin::GelEditorState;

use crate::params::BANDS;

/// Samples each feed can hold: about 0.68 s at 48 kHz, 85 ms at 384 kHz — several editor
/// frames at any rate, so a frame that comes late drops nothing.
pub const FEED_CAPACITY: usize = 1 << 15;

/// Shared between the plugin (audio thread) and the editor (GUI thread) through an `Arc`.
pub struct EqEditorShared {
    sample_rate: AtomicF32,
    /// Index of the soloed band, or −1.
    solo: AtomicI32,
    /// The input (before the EQ), mono sum.
    pub pre: SampleFifo,
    /// The output (after the EQ and output gain), mono sum.
    pub post: SampleFifo,
    /// The editor's persistent state, whose `is_open` flag gates the feeds. Set once when the
    /// editor is created; reading a `OnceLock` is a single atomic load.
    editor_state: OnceLock<Arc<GelEditorState>>,
    /// Each band's current dynamic gain (dB), NaN while the band is not dynamic.
    dynamic_gain: [AtomicF32; BANDS],
}

impl Default for EqEditorShared {
    fn default() -> Self {
        Self::new()
    }
}

impl EqEditorShared {
    /// Allocates the analyzer buffers. Both feeds start disabled; the editor enables the ones it
    /// shows.
    pub fn new() -> Self {
        Self {
            sample_rate: AtomicF32::new(48_000.0),
            solo: AtomicI32::new(-1),
            pre: SampleFifo::new(FEED_CAPACITY),
            post: SampleFifo::new(FEED_CAPACITY),
            editor_state: OnceLock::new(),
            dynamic_gain: std::array::from_fn(|_| AtomicF32::new(f32::NAN)),
        }
    }

    /// Called from the plugin's `initialize`/`activate`.
    pub fn set_sample_rate(&self, sample_rate: f32) {
        self.sample_rate.store(sample_rate, Ordering::Relaxed);
    }

    /// The sample rate the feeds run at.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate.load(Ordering::Relaxed)
    }

    /// Audio thread: the signal before the EQ (pass the same slice twice for mono). Lock-free,
    /// no allocation; a no-op (two atomic loads) while the editor is closed or hides the trace.
    pub fn feed_pre(&self, left: &[f32], right: &[f32]) {
        if self.editor_open() {
            self.pre.push_stereo(left, right);
        }
    }

    /// Audio thread: the signal after the EQ. Same rules as [`Self::feed_pre`].
    pub fn feed_post(&self, left: &[f32], right: &[f32]) {
        if self.editor_open() {
            self.post.push_stereo(left, right);
        }
    }

    /// The band (0-based) the editor solos, if any. Solo only holds while the editor is open,
    /// so closing the window never leaves the mix soloed.
    pub fn solo_band(&self) -> Option<usize> {
        if !self.editor_open() {
            return None;
        }
        usize::try_from(self.solo.load(Ordering::Relaxed)).ok()
    }

    /// Editor: solo a band (0-based) or clear solo.
    pub fn set_solo_band(&self, band: Option<usize>) {
        let value = band.and_then(|b| i32::try_from(b).ok()).unwrap_or(-1);
        self.solo.store(value, Ordering::Relaxed);
    }

    /// The soloed band as the editor set it (regardless of whether the editor is open).
    pub fn requested_solo(&self) -> Option<usize> {
        usize::try_from(self.solo.load(Ordering::Relaxed)).ok()
    }

    /// Audio thread: band `index`'s current dynamic gain (dB), `None` when it is not dynamic.
    pub fn set_dynamic_gain(&self, index: usize, gain_db: Option<f32>) {
        if let Some(a) = self.dynamic_gain.get(index) {
            a.store(gain_db.unwrap_or(f32::NAN), Ordering::Relaxed);
        }
    }

    /// Editor: band `index`'s current dynamic gain (dB), `None` when it is not dynamic.
    pub fn dynamic_gain(&self, index: usize) -> Option<f32> {
        let g = self.dynamic_gain.get(index)?.load(Ordering::Relaxed);
        (!g.is_nan()).then_some(g)
    }

    /// Whether the editor window is open.
    pub fn editor_open(&self) -> bool {
        self.editor_state.get().is_some_and(|s| s.is_open())
    }

    /// Editor: connect the editor's persistent state so the feeds know when it is open. Only
    /// the first call counts (the state object lives as long as the plugin's params).
    pub fn attach_editor_state(&self, state: Arc<GelEditorState>) {
        let _ = self.editor_state.set(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_and_solo_are_inert_without_an_open_editor() {
        let shared = EqEditorShared::new();
        shared.pre.set_enabled(true);
        shared.post.set_enabled(true);
        shared.set_solo_band(Some(3));
        shared.feed_pre(&[1.0; 64], &[1.0; 64]);
        shared.feed_post(&[1.0; 64], &[1.0; 64]);
        assert_eq!(shared.pre.available(), 0, "no editor attached");
        assert_eq!(shared.solo_band(), None);

        let state = GelEditorState::default_size(800.0, 500.0);
        shared.attach_editor_state(state.clone());
        shared.feed_pre(&[1.0; 64], &[1.0; 64]);
        assert_eq!(shared.pre.available(), 0, "attached but closed");
        assert_eq!(shared.solo_band(), None);
        assert_eq!(shared.requested_solo(), Some(3));
    }
}
