//! Stereo delay line: a power-of-two ring buffer per lane with integer, fixed-fraction and
//! per-sample fractional reads.
//!
//! ## Storage
//! Each lane is a ring of `2^k` samples (index arithmetic is a bit mask, Smith, *Physical
//! Audio Signal Processing*, "Delay lines", §"Circular buffer"), allocated in
//! [`DelayLine::prepare`] for the longest delay asked for in [`DelayLine::new`] plus
//! [`INTERPOLATION_MARGIN`] samples.
//!
//! ## Reading
//! A delay of `D` samples means `y[t] = x[t − D]`. With `n = ⌈D⌉` and `f = n − D ∈ [0, 1)` the
//! read position is `p + f` with `p = t − n`, interpolated from `x[p−1], x[p], x[p+1], x[p+2]`
//! by the 4-point, 3rd-order Hermite (Catmull–Rom) polynomial in Niemitalo's "x-form"
//! (O. Niemitalo, *Polynomial Interpolators for High-Quality Resampling of Oversampled
//! Audio*, 2001, §"4-point, 3rd-order Hermite"):
//!
//! ```text
//! c0 = x0
//! c1 = (x1 − x−1)/2
//! c2 = x−1 − 5/2·x0 + 2·x1 − x2/2
//! c3 = (x2 − x−1)/2 + 3/2·(x0 − x1)
//! y  = ((c3·f + c2)·f + c1)·f + c0
//! ```
//!
//! At `f = 0` this is exactly `x0`, so an integer delay puts an impulse on the exact sample.
//! The weights sum to 1 and reproduce straight lines, so the centroid of a delayed impulse
//! is exactly `D`. The newest sample read is `x[t − n + 2]`: a read in a block whose samples
//! are not written yet needs `n ≥ 3 + (its offset in the block)` — [`MIN_DELAY`] and the
//! block-splitting of the caller guarantee it.

/// Samples kept beyond the longest delay for the interpolator's neighbours.
pub const INTERPOLATION_MARGIN: usize = 8;
/// Shortest delay (samples) any read accepts.
pub const MIN_DELAY: f64 = 4.0;

/// Hermite weights `[w−1, w0, w1, w2]` for fraction `f` (the x-form above applied to unit
/// vectors), so `y = Σ w_k·x_k`.
#[inline]
pub fn hermite_weights(f: f32) -> [f32; 4] {
    let f2 = f * f;
    let f3 = f2 * f;
    [
        -0.5 * f + f2 - 0.5 * f3,
        1.0 - 2.5 * f2 + 1.5 * f3,
        0.5 * f + 2.0 * f2 - 1.5 * f3,
        -0.5 * f2 + 0.5 * f3,
    ]
}

/// The x-form Hermite interpolation of `xm1, x0, x1, x2` at fraction `f` (see the module docs).
#[inline(always)]
pub fn hermite(xm1: f32, x0: f32, x1: f32, x2: f32, f: f32) -> f32 {
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * f + c2) * f + c1) * f + x0
}

/// Splits a delay in samples into the integer `n = ⌈D⌉` and the fraction `f = n − D`.
#[inline(always)]
pub fn split_delay(delay: f64) -> (usize, f32) {
    let n = delay.ceil();
    (n as usize, (n - delay) as f32)
}

/// Two-lane (stereo) ring buffer; see the module docs.
#[derive(Debug, Clone)]
pub struct DelayLine {
    max_delay_seconds: f64,
    lanes: [Vec<f32>; 2],
    mask: usize,
    /// Index the next sample is written to.
    write: usize,
}

impl DelayLine {
    /// A line that will hold `max_delay_seconds` at whatever rate [`prepare`](Self::prepare)
    /// gets. Allocates nothing until then.
    pub fn new(max_delay_seconds: f64) -> Self {
        Self {
            max_delay_seconds: max_delay_seconds.max(0.0),
            lanes: [Vec::new(), Vec::new()],
            mask: 0,
            write: 0,
        }
    }

    /// Allocates (zeroed) `next_pow2(⌈max_delay·fs⌉ + INTERPOLATION_MARGIN)` samples per lane.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        let needed =
            (self.max_delay_seconds * sample_rate as f64).ceil() as usize + INTERPOLATION_MARGIN;
        let size = needed.next_power_of_two().max(16);
        for lane in &mut self.lanes {
            lane.clear();
            lane.resize(size, 0.0);
        }
        self.mask = size - 1;
        self.write = 0;
    }

    /// Ring size per lane (a power of two).
    pub fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// Longest delay a read may ask for (samples).
    pub fn max_delay_samples(&self) -> f64 {
        (self.capacity().saturating_sub(INTERPOLATION_MARGIN)) as f64
    }

    /// Zeroes both lanes.
    pub fn reset(&mut self) {
        for lane in &mut self.lanes {
            lane.fill(0.0);
        }
    }

    /// Index the next written sample goes to; reads for the sample `i` places later use
    /// `base = write_index() + i`.
    #[inline]
    pub fn write_index(&self) -> usize {
        self.write
    }

    /// Appends `left.len()` samples (both lanes, equal lengths) and advances.
    pub fn write_block(&mut self, left: &[f32], right: &[f32]) {
        debug_assert_eq!(left.len(), right.len());
        let n = left.len();
        let start = self.write;
        let first = n.min(self.capacity() - start);
        for (lane, src) in self.lanes.iter_mut().zip([left, right]) {
            lane[start..start + first].copy_from_slice(&src[..first]);
            lane[..n - first].copy_from_slice(&src[first..]);
        }
        self.write = (start + n) & self.mask;
    }

    /// The ring segments the next `n ≤ capacity()` samples go to, per lane `(head, wrapped)`:
    /// `head` takes the block's first samples, `wrapped` (empty unless the ring wraps) the
    /// rest. Fill them, then [`advance`](Self::advance) by `n`: the same as
    /// [`write_block`](Self::write_block) without an intermediate buffer.
    #[inline(always)]
    pub fn next_segments(&mut self, n: usize) -> [(&mut [f32], &mut [f32]); 2] {
        debug_assert!(n <= self.capacity());
        let start = self.write;
        let first = n.min(self.capacity() - start);
        self.lanes.each_mut().map(|lane| {
            let (wrapped, head) = lane.split_at_mut(start);
            (&mut head[..first], &mut wrapped[..n - first])
        })
    }

    /// Moves the write position on by `n` samples (after [`next_segments`](Self::next_segments)).
    #[inline(always)]
    pub fn advance(&mut self, n: usize) {
        self.write = (self.write + n) & self.mask;
    }

    /// Delays both channels in place by an integer `delay ≥ 0` samples: writes the block,
    /// then reads it back `delay` samples late (the line must hold `delay + left.len()`).
    pub fn delay_in_place(&mut self, delay: usize, left: &mut [f32], right: &mut [f32]) {
        let base = self.write_index();
        self.write_block(left, right);
        self.read_integer(0, base, delay, left);
        self.read_integer(1, base, delay, right);
    }

    /// `out[i] = x[base + i − delay]` for an integer `delay ≥ out.len()` (the samples read
    /// are all written already).
    #[inline(always)]
    pub fn read_integer(&self, lane: usize, base: usize, delay: usize, out: &mut [f32]) {
        let buf = &self.lanes[lane];
        let start = base.wrapping_sub(delay) & self.mask;
        let n = out.len();
        let first = n.min(self.capacity() - start);
        out[..first].copy_from_slice(&buf[start..start + first]);
        out[first..].copy_from_slice(&buf[..n - first]);
    }

    /// `out[i] = x(base + i − delay)` for a constant fractional `delay` (Hermite, weights
    /// computed once). An integer delay takes the copy path.
    #[inline(always)]
    pub fn read_fixed(&self, lane: usize, base: usize, delay: f64, out: &mut [f32]) {
        let (n, f) = split_delay(delay);
        if f == 0.0 {
            self.read_integer(lane, base, n, out);
            return;
        }
        let w = hermite_weights(f);
        let buf = &self.lanes[lane];
        let p0 = base.wrapping_sub(n) & self.mask;
        let len = out.len();
        if p0 >= 1 && p0 + len + 2 <= self.capacity() {
            // No wrap: four shifted slices, vectorisable.
            let s = &buf[p0 - 1..p0 + len + 2];
            for (i, o) in out.iter_mut().enumerate() {
                *o = w[0] * s[i] + w[1] * s[i + 1] + w[2] * s[i + 2] + w[3] * s[i + 3];
            }
        } else {
            let m = self.mask;
            for (i, o) in out.iter_mut().enumerate() {
                let p = p0 + i;
                *o = w[0] * buf[p.wrapping_sub(1) & m]
                    + w[1] * buf[p & m]
                    + w[2] * buf[(p + 1) & m]
                    + w[3] * buf[(p + 2) & m];
            }
        }
    }

    /// One interpolated sample `x(t − delay)` where `t` has ring index `base`.
    #[inline(always)]
    pub fn read_at(&self, lane: usize, base: usize, delay: f64) -> f32 {
        let (n, f) = split_delay(delay);
        let buf = &self.lanes[lane];
        let m = self.mask;
        let p = base.wrapping_sub(n);
        hermite(
            buf[p.wrapping_sub(1) & m],
            buf[p & m],
            buf[p.wrapping_add(1) & m],
            buf[p.wrapping_add(2) & m],
            f,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `x` one sample at a time and reads `delay` before each write, the way a loop
    /// uses the line.
    fn run(x: &[f32], delay: f64) -> Vec<f32> {
        let mut d = DelayLine::new(0.1);
        d.prepare(48_000.0, 1);
        let mut out = Vec::new();
        for &v in x {
            out.push(d.read_at(0, d.write_index(), delay));
            d.write_block(&[v], &[v]);
        }
        out
    }

    #[test]
    fn allocates_a_power_of_two_for_the_longest_delay() {
        let mut d = DelayLine::new(4.0);
        d.prepare(48_000.0, 512);
        assert_eq!(d.capacity(), 262_144);
        assert!(d.max_delay_samples() >= 192_000.0);
        d.prepare(44_100.0, 512);
        assert_eq!(d.capacity(), 262_144);
        d.prepare(96_000.0, 512);
        assert_eq!(d.capacity(), 524_288);
    }

    #[test]
    fn integer_delay_is_exact() {
        let mut x = vec![0.0; 200];
        x[10] = 1.0;
        let y = run(&x, 37.0);
        for (i, v) in y.iter().enumerate() {
            assert_eq!(*v, if i == 47 { 1.0 } else { 0.0 }, "sample {i}");
        }
    }

    #[test]
    fn weights_sum_to_one_and_centroid_is_the_delay() {
        for k in 0..=20 {
            let f = k as f32 / 20.0;
            let w = hermite_weights(f);
            let sum: f32 = w.iter().sum();
            assert!((sum - 1.0).abs() < 1e-6);
            // Positions −1, 0, 1, 2 relative to p; the interpolated point is p + f.
            let centroid: f32 = w
                .iter()
                .enumerate()
                .map(|(i, w)| (i as f32 - 1.0) * w)
                .sum();
            assert!((centroid - f).abs() < 1e-6, "{f}: {centroid}");
            // The weights are the x-form applied to unit vectors.
            let direct = hermite(1.0, 2.0, -3.0, 0.5, f);
            let via = w[0] - 3.0 * w[2] + 2.0 * w[1] + 0.5 * w[3];
            assert!((direct - via).abs() < 1e-5);
        }
    }

    #[test]
    fn fractional_impulse_centroid_is_the_delay() {
        let mut x = vec![0.0; 200];
        x[10] = 1.0;
        let delay = 37.3;
        let y = run(&x, delay);
        let sum: f64 = y.iter().map(|v| *v as f64).sum();
        let centroid: f64 = y
            .iter()
            .enumerate()
            .map(|(i, v)| i as f64 * *v as f64)
            .sum();
        assert!((sum - 1.0).abs() < 1e-6);
        assert!(
            (centroid / sum - (10.0 + delay)).abs() < 1e-5,
            "{}",
            centroid / sum
        );
    }

    #[test]
    fn sine_is_interpolated_accurately() {
        // 1 kHz at 48 kHz, delay 20.5 (the worst fraction): error well below −60 dB.
        let x: Vec<f32> = (0..2000)
            .map(|n| (2.0 * std::f64::consts::PI * 1000.0 * n as f64 / 48_000.0).sin() as f32)
            .collect();
        let y = run(&x, 20.5);
        let mut worst = 0.0f64;
        for (n, v) in y.iter().enumerate().skip(100) {
            let ideal = (2.0 * std::f64::consts::PI * 1000.0 * (n as f64 - 20.5) / 48_000.0).sin();
            worst = worst.max((*v as f64 - ideal).abs());
        }
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn segment_writes_match_block_writes_across_the_wrap() {
        let mut a = DelayLine::new(0.001);
        a.prepare(10_000.0, 64); // 10 + 8 samples → 32
        let mut b = a.clone();
        let mut t = 0.0f32;
        for n in [5usize, 13, 32, 1, 7, 20, 31] {
            let l: Vec<f32> = (0..n).map(|i| t + i as f32).collect();
            let r: Vec<f32> = l.iter().map(|v| -v).collect();
            t += n as f32;
            a.write_block(&l, &r);
            for (c, (head, wrapped)) in b.next_segments(n).into_iter().enumerate() {
                let src = if c == 0 { &l } else { &r };
                head.copy_from_slice(&src[..head.len()]);
                wrapped.copy_from_slice(&src[head.len()..]);
            }
            b.advance(n);
            assert_eq!(a.write_index(), b.write_index());
            assert_eq!(a.lanes, b.lanes);
        }
    }

    #[test]
    fn block_reads_match_per_sample_reads_across_the_wrap() {
        let mut d = DelayLine::new(0.0);
        d.prepare(48_000.0, 64);
        let cap = d.capacity();
        // Fill past the wrap with a ramp-plus-noise signal.
        let mut v = 0.0f32;
        for k in 0..(cap + 37) {
            v = (v * 1.3 + 0.7 + k as f32 * 1e-3).sin();
            d.write_block(&[v], &[-v]);
        }
        for delay in [5.0, 6.25, 9.75, 12.0] {
            for base_off in 0..3 {
                let base = d.write_index() + base_off;
                let mut block = [0.0f32; 3];
                d.read_fixed(1, base, delay + 3.0, &mut block);
                for (i, b) in block.iter().enumerate() {
                    let single = d.read_at(1, base + i, delay + 3.0);
                    assert!((b - single).abs() < 1e-5, "{delay} {i}");
                }
            }
        }
    }
}
