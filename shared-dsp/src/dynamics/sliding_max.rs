//! Sliding-window maximum, O(1) per sample, branch-free, real-time safe.
//!
//! The van Herk / Gil–Werman scheme (van Herk, "A fast algorithm for local
//! minimum and maximum filters on rectangular and octagonal kernels",
//! Pattern Recognition Letters 13(7), 1992; Gil & Werman, IEEE PAMI 15(5),
//! 1993) in its streaming form: the input is cut into blocks of the window
//! length `w`. The maximum of the last `w` samples, which span the end of the
//! previous block and the start of the current one, is
//! `max(suffix_max_prev[i + 1], prefix_max_cur[i])`. The prefix max is a
//! running max; the previous block's suffix maxima are computed once when the
//! block completes (w comparisons per w samples). Unlike the monotonic deque
//! there is no data-dependent branch, so noise costs the same as a sine.
//! Storage is allocated up front for the largest window.

/// Maximum over the last `window` samples (of values ≥ 0; an empty history reads 0).
#[derive(Debug, Clone)]
pub struct SlidingMax {
    /// The current block's inputs.
    block: Vec<f32>,
    /// `suffix[j]` = max of the previous block's inputs `j..w`; `suffix[w]` = 0.
    suffix: Vec<f32>,
    prefix: f32,
    index: usize,
    window: usize,
}

impl SlidingMax {
    /// A window of 1 sample with room for windows up to `max_window`.
    pub fn new(max_window: usize) -> Self {
        let cap = max_window.max(1);
        Self {
            block: vec![0.0; cap],
            suffix: vec![0.0; cap + 1],
            prefix: 0.0,
            index: 0,
            window: 1,
        }
    }

    /// Largest window this instance can hold.
    pub fn capacity(&self) -> usize {
        self.block.len()
    }

    /// Sets the window length (clamped to `1..=capacity`). A change restarts
    /// the blocks with the current maximum held for one window (O(window)),
    /// so a held peak is never dropped early.
    pub fn set_window(&mut self, window: usize) {
        let window = window.clamp(1, self.capacity());
        if window != self.window {
            let held = self.current();
            self.window = window;
            self.suffix[..window].fill(held);
            self.suffix[window] = 0.0;
            self.index = 0;
            self.prefix = 0.0;
        }
    }

    /// Window length in samples.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Empties the window.
    pub fn reset(&mut self) {
        self.suffix.fill(0.0);
        self.index = 0;
        self.prefix = 0.0;
    }

    /// Adds a sample (≥ 0) and returns the maximum over the last `window` samples.
    #[inline(always)]
    pub fn push(&mut self, x: f32) -> f32 {
        let i = self.index;
        self.block[i] = x;
        self.prefix = self.prefix.max(x);
        let out = self.prefix.max(self.suffix[i + 1]);
        self.index = i + 1;
        if self.index == self.window {
            self.finish_block();
        }
        out
    }

    /// Replaces every value of `buf` (all ≥ 0) by the window maximum ending
    /// at it; same result as [`push`](Self::push) per sample, with the running
    /// state kept in registers.
    pub fn process_block(&mut self, buf: &mut [f32]) {
        let mut prefix = self.prefix;
        let mut i = self.index;
        for x in buf.iter_mut() {
            let v = *x;
            self.block[i] = v;
            prefix = prefix.max(v);
            *x = prefix.max(self.suffix[i + 1]);
            i += 1;
            if i == self.window {
                self.finish_block();
                i = 0;
                prefix = 0.0;
            }
        }
        self.prefix = prefix;
        self.index = i;
    }

    #[cold]
    fn finish_block(&mut self) {
        let w = self.window;
        let mut m = 0.0f32;
        for j in (0..w).rev() {
            m = m.max(self.block[j]);
            self.suffix[j] = m;
        }
        self.suffix[w] = 0.0;
        self.index = 0;
        self.prefix = 0.0;
    }

    /// The maximum over the last `window` samples.
    pub fn current(&self) -> f32 {
        if self.index == 0 {
            self.suffix[0]
        } else {
            self.prefix.max(self.suffix[self.index])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::XorShift32;

    #[test]
    fn block_processing_matches_push() {
        let mut rng = XorShift32(9);
        let x: Vec<f32> = (0..3000).map(|_| rng.next_bipolar().abs()).collect();
        let mut a = SlidingMax::new(64);
        let mut b = SlidingMax::new(64);
        a.set_window(37);
        b.set_window(37);
        let want: Vec<f32> = x.iter().map(|&v| a.push(v)).collect();
        let mut got = x.clone();
        for chunk in got.chunks_mut(50) {
            b.process_block(chunk);
        }
        assert_eq!(got, want);
    }

    #[test]
    fn matches_brute_force() {
        let mut rng = XorShift32(7);
        let x: Vec<f32> = (0..5000).map(|_| rng.next_bipolar().abs()).collect();
        for window in [1usize, 2, 3, 17, 64, 100] {
            let mut m = SlidingMax::new(128);
            m.set_window(window);
            for (n, &v) in x.iter().enumerate() {
                let got = m.push(v);
                let lo = (n + 1).saturating_sub(window);
                let want = x[lo..=n].iter().cloned().fold(0.0, f32::max);
                assert_eq!(got, want, "window {window} n {n}");
            }
        }
    }
}
