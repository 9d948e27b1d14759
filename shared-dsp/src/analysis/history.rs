//! [`HistoryWriter`]: turns blocks of any length into frames at a fixed rate for a scrolling
//! level history (e.g. a compressor's input, output and gain reduction over the last seconds),
//! written into a [`SnapshotRing`] the editor reads.
//!
//! Audio side, per block (no allocation, no lock):
//!
//! ```text
//! writer.push_block(&ring, num_samples, [input_peak_db, output_peak_db, reduction_db]);
//! ```
//!
//! GUI side, per frame: `ring.snapshot(&mut frames)`, then draw them (gel-ui's `LevelHistory`).

use crate::analysis::snapshot_ring::SnapshotRing;

/// Producer side of a history [`SnapshotRing`]: frames at a fixed interval of samples,
/// whatever the host's block size, each holding the largest value of every lane seen during
/// its interval. A block spanning several intervals pushes its values into each of them, so
/// the history's time axis stays true.
#[derive(Debug, Clone)]
pub struct HistoryWriter<const N: usize> {
    interval: usize,
    filled: usize,
    max: [f32; N],
}

impl<const N: usize> Default for HistoryWriter<N> {
    fn default() -> Self {
        Self {
            interval: 480,
            filled: 0,
            max: [f32::NEG_INFINITY; N],
        }
    }
}

impl<const N: usize> HistoryWriter<N> {
    /// One frame per `interval_ms` at `sample_rate` (at least one sample).
    pub fn prepare(&mut self, sample_rate: f32, interval_ms: f32) {
        self.interval = ((sample_rate * interval_ms * 0.001).round() as usize).max(1);
        self.reset();
    }

    /// Samples per frame.
    pub fn interval_samples(&self) -> usize {
        self.interval
    }

    /// Starts a fresh interval.
    pub fn reset(&mut self) {
        self.filled = 0;
        self.max = [f32::NEG_INFINITY; N];
    }

    /// Accounts a block of `len` samples whose lanes read `values`, pushing a frame into
    /// `ring` for every interval completed. Real-time safe.
    pub fn push_block(&mut self, ring: &SnapshotRing<N>, len: usize, values: [f32; N]) {
        for (m, v) in self.max.iter_mut().zip(values) {
            // NaN never wins (a NaN reading would otherwise stick for the interval).
            *m = m.max(v);
        }
        self.filled += len;
        while self.filled >= self.interval {
            ring.push(self.max);
            self.filled -= self.interval;
            // What is left over is the end of this block: the next interval starts with it.
            self.max = if self.filled > 0 {
                values
            } else {
                [f32::NEG_INFINITY; N]
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_frame_per_interval_with_the_lane_maxima() {
        let ring = SnapshotRing::<2>::new(64);
        let mut w = HistoryWriter::<2>::default();
        w.prepare(1000.0, 10.0); // 10 samples per frame
        assert_eq!(w.interval_samples(), 10);
        w.push_block(&ring, 4, [-10.0, 1.0]);
        w.push_block(&ring, 4, [-20.0, 3.0]);
        assert_eq!(ring.frames_written(), 0);
        w.push_block(&ring, 4, [-30.0, 2.0]); // 12 samples: one frame, 2 carried over
        let mut out = Vec::new();
        ring.snapshot(&mut out);
        assert_eq!(out, vec![[-10.0, 3.0]]);
        // A long block covers 3.5 intervals: its value fills them all.
        w.push_block(&ring, 33, [-40.0, 0.5]);
        ring.snapshot(&mut out);
        assert_eq!(
            out,
            vec![[-10.0, 3.0], [-30.0, 2.0], [-40.0, 0.5], [-40.0, 0.5]]
        );
        assert_eq!(ring.frames_written(), 4);
    }

    #[test]
    fn nan_never_sticks() {
        let ring = SnapshotRing::<1>::new(4);
        let mut w = HistoryWriter::<1>::default();
        w.prepare(1000.0, 10.0);
        w.push_block(&ring, 5, [f32::NAN]);
        w.push_block(&ring, 5, [-12.0]);
        assert_eq!(ring.latest(), Some([-12.0]));
    }
}
