//! Moving (boxcar) average over a window of the last `W` samples.
//!
//! Used for the RMS detector (the mean of `x²` over the RMS window: for a
//! steady periodic signal whose period divides the window it is exactly the
//! signal's mean square, unlike a one-pole "RMS" that ripples) and for the
//! lookahead ramp. The running sum is kept in f64 and recomputed exactly
//! once per window, so rounding cannot accumulate (O(1) amortised).

/// Mean of the last `window` pushed values.
#[derive(Debug, Clone)]
pub struct MovingAverage {
    ring: Vec<f32>,
    mask: usize,
    pos: usize,
    window: usize,
    inv_window: f64,
    sum: f64,
    until_recompute: usize,
}

impl MovingAverage {
    /// Window 1, room for windows up to `max_window`.
    pub fn new(max_window: usize) -> Self {
        let cap = max_window.max(1).next_power_of_two();
        Self {
            ring: vec![0.0; cap],
            mask: cap - 1,
            pos: 0,
            window: 1,
            inv_window: 1.0,
            sum: 0.0,
            until_recompute: 1,
        }
    }

    /// Largest window.
    pub fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Sets the window (clamped to `1..=capacity`); O(window) when it changes.
    pub fn set_window(&mut self, window: usize) {
        let window = window.clamp(1, self.capacity());
        if window != self.window {
            self.window = window;
            self.inv_window = 1.0 / window as f64;
            self.recompute();
        }
    }

    /// Window length in samples.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Clears the history to zeros.
    pub fn reset(&mut self) {
        self.ring.fill(0.0);
        self.sum = 0.0;
        self.until_recompute = self.window;
    }

    fn recompute(&mut self) {
        let mut s = 0.0f64;
        for k in 0..self.window {
            s += self.ring[self.pos.wrapping_sub(1 + k) & self.mask] as f64;
        }
        self.sum = s;
        self.until_recompute = self.window;
    }

    /// Replaces every value of `buf` by the mean over the window ending at it
    /// (same result as [`push`](Self::push) per sample).
    #[inline(always)]
    pub fn process_block(&mut self, buf: &mut [f32]) {
        // Running state in locals (registers); the exact re-sum stays in `push`'s helper.
        let (mask, window, inv) = (self.mask, self.window, self.inv_window);
        let mut pos = self.pos;
        let mut sum = self.sum;
        let mut until = self.until_recompute;
        for x in buf.iter_mut() {
            let v = *x;
            let old = self.ring[pos.wrapping_sub(window) & mask];
            self.ring[pos] = v;
            pos = (pos + 1) & mask;
            until -= 1;
            if until == 0 {
                self.pos = pos;
                self.recompute();
                sum = self.sum;
                until = self.until_recompute;
            } else {
                sum += v as f64 - old as f64;
            }
            *x = (sum * inv) as f32;
        }
        self.pos = pos;
        self.sum = sum;
        self.until_recompute = until;
    }

    /// Adds a value and returns the mean over the window.
    #[inline(always)]
    pub fn push(&mut self, x: f32) -> f32 {
        let old = self.ring[self.pos.wrapping_sub(self.window) & self.mask];
        self.ring[self.pos & self.mask] = x;
        self.pos = (self.pos + 1) & self.mask;
        self.until_recompute -= 1;
        if self.until_recompute == 0 {
            self.recompute();
        } else {
            self.sum += x as f64 - old as f64;
        }
        (self.sum * self.inv_window) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::XorShift32;

    #[test]
    fn block_processing_matches_push() {
        let mut rng = XorShift32(4);
        let x: Vec<f32> = (0..3000).map(|_| rng.next_bipolar()).collect();
        let (mut a, mut b) = (MovingAverage::new(64), MovingAverage::new(64));
        a.set_window(45);
        b.set_window(45);
        let want: Vec<f32> = x.iter().map(|&v| a.push(v)).collect();
        let mut got = x.clone();
        for chunk in got.chunks_mut(70) {
            b.process_block(chunk);
        }
        assert_eq!(got, want);
    }

    #[test]
    fn matches_brute_force_mean() {
        let mut rng = XorShift32(3);
        let x: Vec<f32> = (0..4000).map(|_| rng.next_bipolar()).collect();
        for window in [1usize, 5, 64, 100] {
            let mut m = MovingAverage::new(128);
            m.set_window(window);
            for (n, &v) in x.iter().enumerate() {
                let got = m.push(v) as f64;
                let lo = (n + 1).saturating_sub(window);
                let want: f64 = x[lo..=n].iter().map(|&v| v as f64).sum::<f64>() / window as f64;
                assert!(
                    (got - want).abs() < 1e-6,
                    "window {window} n {n}: {got} vs {want}"
                );
            }
        }
    }
}
