//! The start of every Gel plugin's `process`: the host's buffer as a left and a right slice,
//! mono input fanned out to both, non-finite samples made silence.
//!
//! ```text
//! let Some(block) = stereo_block::begin(buffer.as_slice(), self.mono_input) else {
//!     return ProcessStatus::Normal;
//! };
//! if block.had_non_finite { self.engine.reset(); }
//! let (left, right) = (block.left, block.right);
//! ```

use gel_dsp::blocks::guard;

/// One block's stereo signal, in place in the host's buffer.
#[derive(Debug)]
pub struct StereoBlock<'a> {
    pub left: &'a mut [f32],
    pub right: &'a mut [f32],
    /// A NaN or infinity arrived and became silence ([`gel_dsp::blocks::guard::sanitize`]): the caller
    /// resets whatever state the bad sample may already have reached.
    pub had_non_finite: bool,
}

impl StereoBlock<'_> {
    /// Samples in the block.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// True for an empty block (never returned by [`begin`]).
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }
}

/// Prepares the main buffer's channels for stereo processing:
///
/// 1. with `mono_input` (the host picked the mono-in/stereo-out layout), the input sits in the
///    left slot and the right slot starts as silence: the left is copied to the right;
/// 2. non-finite samples become silence ([`gel_dsp::blocks::guard::sanitize`]);
/// 3. the first two channels are split into `left` and `right`.
///
/// `None` when there are fewer than two channels or no samples: the plugin has nothing to do
/// (and must not touch the buffer). Real-time safe.
pub fn begin<'a>(channels: &'a mut [&mut [f32]], mono_input: bool) -> Option<StereoBlock<'a>> {
    if channels.len() < 2 || channels[0].is_empty() {
        return None;
    }
    if mono_input {
        let (left, right) = channels.split_at_mut(1);
        right[0].copy_from_slice(left[0]);
    }
    let had_non_finite = guard::sanitize(channels);
    let (left_slot, right_slot) = channels.split_at_mut(1);
    Some(StereoBlock {
        left: &mut *left_slot[0],
        right: &mut *right_slot[0],
        had_non_finite,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stereo_is_split_in_place() {
        let (mut l, mut r) = ([1.0f32, 2.0], [3.0f32, 4.0]);
        let mut channels: [&mut [f32]; 2] = [&mut l, &mut r];
        let block = begin(&mut channels, false).unwrap();
        assert_eq!(block.len(), 2);
        assert!(!block.had_non_finite);
        block.left[0] = 10.0;
        block.right[1] = 40.0;
        assert_eq!((l, r), ([10.0, 2.0], [3.0, 40.0]));
    }

    #[test]
    fn mono_input_is_fanned_out_to_the_right() {
        let (mut l, mut r) = ([0.25f32, -0.5], [0.0f32, 0.0]);
        let mut channels: [&mut [f32]; 2] = [&mut l, &mut r];
        let block = begin(&mut channels, true).unwrap();
        assert_eq!(block.right, &[0.25, -0.5]);
        assert_eq!(block.left, &[0.25, -0.5]);
    }

    #[test]
    fn non_finite_samples_become_silence_and_are_reported() {
        let (mut l, mut r) = ([f32::NAN, 1.0], [2.0f32, f32::INFINITY]);
        let mut channels: [&mut [f32]; 2] = [&mut l, &mut r];
        let block = begin(&mut channels, false).unwrap();
        assert!(block.had_non_finite);
        assert_eq!(block.left, &[0.0, 1.0]);
        assert_eq!(block.right, &[2.0, 0.0]);

        // Fanned out first, so a bad mono sample is cleaned on both sides.
        let (mut l, mut r) = ([f32::NEG_INFINITY], [7.0f32]);
        let mut channels: [&mut [f32]; 2] = [&mut l, &mut r];
        let block = begin(&mut channels, true).unwrap();
        assert!(block.had_non_finite);
        assert_eq!((block.left[0], block.right[0]), (0.0, 0.0));
    }

    #[test]
    fn nothing_to_do_without_two_channels_or_samples() {
        let mut l = [1.0f32];
        let mut one: [&mut [f32]; 1] = [&mut l];
        assert!(begin(&mut one, false).is_none());
        let (mut l, mut r): ([f32; 0], [f32; 0]) = ([], []);
        let mut empty: [&mut [f32]; 2] = [&mut l, &mut r];
        assert!(begin(&mut empty, true).is_none());
    }
}
