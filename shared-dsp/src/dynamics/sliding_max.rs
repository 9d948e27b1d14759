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

use crate::simd::Simd;

/// `a > b ? a : b`: one `maxss`. The inputs are finite (the callers sanitise
/// them), so `f32::max`'s NaN handling, three more instructions on the
/// serial prefix chain, buys nothing.
#[inline(always)]
pub(crate) fn max_nonneg(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// Running maximum in place, `x[k] ← max(carry, x[0], …, x[k])`; returns the
/// last value (`carry` for an empty slice). Values ≥ 0.
///
/// The scalar loop is one `maxss` per sample on the serial chain (4 cycles of
/// latency on Intel cores). With SSE2 four samples at a time are scanned in
/// the register, Hillis & Steele style (two shifted maxima; "Data parallel
/// algorithms", CACM 29(12), 1986: zeros shift in, the identity for values
/// ≥ 0), and only the carry from group to group is serial: about a quarter of
/// the chain. Maxima round nothing, so both paths give the same bits.
#[inline(always)]
fn prefix_max(simd: Simd, x: &mut [f32], carry: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if simd.has_sse2() {
        return sse2::prefix_max(x, carry);
    }
    let _ = simd;
    let mut m = carry;
    for v in x {
        m = max_nonneg(m, *v);
        *v = m;
    }
    m
}

/// Suffix maxima: `out[j] = max(x[j], …, x[last])`, values ≥ 0; `out` is as
/// long as `x`. The mirror image of [`prefix_max`] (same scan from the end).
#[inline(always)]
fn suffix_max(simd: Simd, x: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if simd.has_sse2() {
        sse2::suffix_max(x, out);
        return;
    }
    let _ = simd;
    let mut m = 0.0f32;
    for (o, &v) in out.iter_mut().zip(x).rev() {
        m = max_nonneg(m, v);
        *o = m;
    }
}

/// The SSE2 scans. SSE2 is part of x86-64 itself (every x86-64 CPU runs it), which is what
/// makes the `unsafe` intrinsic calls below sound; the loads and stores are unaligned, on
/// slices of exactly four `f32`.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::max_nonneg;
    use std::arch::x86_64::*;

    /// `[a, b, c, d]` → `[a, max(a,b), max(a..c), max(a..d)]` (lane 0 first).
    #[inline(always)]
    fn scan_up(v: __m128) -> __m128 {
        // SAFETY: SSE2 (x86-64 baseline).
        unsafe {
            let v = _mm_max_ps(
                v,
                _mm_castsi128_ps(_mm_slli_si128::<4>(_mm_castps_si128(v))),
            );
            _mm_max_ps(
                v,
                _mm_castsi128_ps(_mm_slli_si128::<8>(_mm_castps_si128(v))),
            )
        }
    }

    /// `[a, b, c, d]` → `[max(a..d), max(b..d), max(c,d), d]`.
    #[inline(always)]
    fn scan_down(v: __m128) -> __m128 {
        // SAFETY: SSE2 (x86-64 baseline).
        unsafe {
            let v = _mm_max_ps(
                v,
                _mm_castsi128_ps(_mm_srli_si128::<4>(_mm_castps_si128(v))),
            );
            _mm_max_ps(
                v,
                _mm_castsi128_ps(_mm_srli_si128::<8>(_mm_castps_si128(v))),
            )
        }
    }

    #[inline(always)]
    pub(super) fn prefix_max(x: &mut [f32], carry: f32) -> f32 {
        // SAFETY: SSE2 (x86-64 baseline); every load and store covers one four-f32 group.
        unsafe {
            let mut c = _mm_set1_ps(carry);
            let mut groups = x.chunks_exact_mut(4);
            for g in &mut groups {
                let v = _mm_max_ps(scan_up(_mm_loadu_ps(g.as_ptr())), c);
                _mm_storeu_ps(g.as_mut_ptr(), v);
                c = _mm_shuffle_ps::<0xff>(v, v);
            }
            let mut m = _mm_cvtss_f32(c);
            for v in groups.into_remainder() {
                m = max_nonneg(m, *v);
                *v = m;
            }
            m
        }
    }

    #[inline(always)]
    pub(super) fn suffix_max(x: &[f32], out: &mut [f32]) {
        let n = x.len().min(out.len());
        let whole = n - n % 4;
        // The last n % 4 samples first (scalar), then groups of four downwards.
        let mut m = 0.0f32;
        for j in (whole..n).rev() {
            m = max_nonneg(m, x[j]);
            out[j] = m;
        }
        // SAFETY: SSE2 (x86-64 baseline); every load and store covers one four-f32 group.
        unsafe {
            let mut c = _mm_set1_ps(m);
            for (g, o) in x[..whole]
                .chunks_exact(4)
                .zip(out[..whole].chunks_exact_mut(4))
                .rev()
            {
                let v = _mm_max_ps(scan_down(_mm_loadu_ps(g.as_ptr())), c);
                _mm_storeu_ps(o.as_mut_ptr(), v);
                c = _mm_shuffle_ps::<0x00>(v, v);
            }
        }
    }
}

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
    /// Scalar or SSE2 scans (same results).
    simd: Simd,
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
            simd: Simd::current(),
        }
    }

    /// Runs the scalar or the SSE2 scans (the same results; for tests and benches).
    pub fn set_simd(&mut self, simd: Simd) {
        self.simd = simd;
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
        self.prefix = max_nonneg(self.prefix, x);
        let out = max_nonneg(self.prefix, self.suffix[i + 1]);
        self.index = i + 1;
        if self.index == self.window {
            self.finish_block();
        }
        out
    }

    /// Replaces every value of `buf` (all ≥ 0) by the window maximum ending
    /// at it; same result as [`push`](Self::push) per sample. Works span by
    /// span up to each block end: one copy into the block, the prefix scan,
    /// one element-wise maximum with the suffixes; no per-sample bookkeeping.
    #[inline(always)]
    pub fn process_block(&mut self, buf: &mut [f32]) {
        let mut rest = buf;
        while !rest.is_empty() {
            let i = self.index;
            let m = (self.window - i).min(rest.len());
            let (span, tail) = rest.split_at_mut(m);
            self.block[i..i + m].copy_from_slice(span);
            self.prefix = prefix_max(self.simd, span, self.prefix);
            for (x, &s) in span.iter_mut().zip(&self.suffix[i + 1..i + 1 + m]) {
                *x = max_nonneg(*x, s);
            }
            self.index = i + m;
            if self.index == self.window {
                self.finish_block();
            }
            rest = tail;
        }
    }

    #[inline(always)]
    fn finish_block(&mut self) {
        let w = self.window;
        suffix_max(self.simd, &self.block[..w], &mut self.suffix[..w]);
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

    #[test]
    fn scalar_and_simd_scans_agree() {
        let mut rng = XorShift32(21);
        let x: Vec<f32> = (0..20_000).map(|_| rng.next_bipolar().abs()).collect();
        for window in [1usize, 2, 3, 5, 8, 37, 960] {
            let mut want = x.clone();
            let mut scalar = SlidingMax::new(1024);
            scalar.set_simd(Simd::scalar());
            scalar.set_window(window);
            for chunk in want.chunks_mut(128) {
                scalar.process_block(chunk);
            }
            for simd in Simd::supported() {
                let mut m = SlidingMax::new(1024);
                m.set_simd(simd);
                m.set_window(window);
                let mut got = x.clone();
                for chunk in got.chunks_mut(77) {
                    m.process_block(chunk);
                }
                assert!(got == want, "window {window}, {simd:?}");
            }
        }
    }
}
