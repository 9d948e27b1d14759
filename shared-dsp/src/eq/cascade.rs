//! Static-coefficient runtime of the EQ: a cascade of biquads in transposed
//! direct form II (DF2T), `f64`, run as a **wavefront** so that the
//! sections of the cascade are independent SIMD lanes.
//!
//! ## Why not the SVF here
//! The TPT SVF with output mixing ([`super::section`]) keeps meaningful
//! states when coefficients move, so it runs every section while it ramps.
//! With constant coefficients the same transfer function in DF2T costs five
//! multiply-adds per sample instead of ten (J. O. Smith, *Introduction to
//! Digital Filters*, "Transposed Direct-Forms"):
//!
//! ```text
//! y = b0·x + s1,   s1 ← b1·x − a1·y + s2,   s2 ← b2·x − a2·y
//! ```
//!
//! In `f64` its round-off is far below the −110 dBFS residual target even
//! for a 20 Hz bell at 192 kHz (measured in `eq::tests`). The two states are
//! converted exactly when a section switches between the forms
//! ([`Df2t::from_svf_state`], [`Df2t::to_svf_state`]).
//!
//! ## Wavefront
//! A cascade processed section by section is latency-bound: each sample of
//! a section waits for the previous one (two dependent multiply-adds).
//! Instead, at step `t` section `k` processes sample `t − k`: every section
//! works on a different sample, all of them in the same step, so the
//! dependency chains overlap. One 4-lane vector holds sections `2j` and
//! `2j + 1` for both channels, `[L₂ⱼ, R₂ⱼ, L₂ⱼ₊₁, R₂ⱼ₊₁]`; its input is the
//! previous step's output of sections `2j − 1` and `2j` (one 128-bit lane
//! permute). A block of `n` frames through `2V` sections takes `n + 2V − 1`
//! steps; the first and last `2V − 1` steps mask the sections that have no
//! sample yet / any more, so the result is exactly the sequential cascade
//! (no latency) and a group of up to [`GROUP_SECTIONS`] sections fits in the
//! 16 AVX registers. Longer cascades run group after group.
//!
//! x86-64 with AVX2 + FMA runs `__m256d` lanes; other machines (or a forced
//! scalar run, see [`crate::simd`]) run the same steps in scalar code.

use super::design::Biquad;
use super::svf_mix::{Lanes, SvfMix};
use crate::simd::Simd;

/// Most sections run by one wavefront pass (vectors of 2 sections each).
pub const GROUP_SECTIONS: usize = 12;
const GROUP_VECTORS: usize = GROUP_SECTIONS / 2;

/// One DF2T section on both lanes: coefficients (`a0 = 1`) and states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Df2t {
    /// Numerator `b0` per lane.
    pub b0: Lanes,
    /// Numerator `b1` per lane.
    pub b1: Lanes,
    /// Numerator `b2` per lane.
    pub b2: Lanes,
    /// Denominator `a1` per lane.
    pub a1: Lanes,
    /// Denominator `a2` per lane.
    pub a2: Lanes,
    /// First state per lane.
    pub s1: Lanes,
    /// Second state per lane.
    pub s2: Lanes,
}

impl Df2t {
    /// `y = x`, zero state.
    pub const IDENTITY: Self = Self {
        b0: [1.0; 2],
        b1: [0.0; 2],
        b2: [0.0; 2],
        a1: [0.0; 2],
        a2: [0.0; 2],
        s1: [0.0; 2],
        s2: [0.0; 2],
    };

    /// Coefficients of the SVF mixes `lanes` (states zero).
    pub fn from_mixes(lanes: &[SvfMix; 2]) -> Self {
        let mut d = Self::IDENTITY;
        for (l, m) in lanes.iter().enumerate() {
            if m.is_bypass() {
                // Exactly y = x (the mapped biquad would be b = a, rounded).
                continue;
            }
            let bq: Biquad = m.to_biquad();
            d.b0[l] = bq.b[0];
            d.b1[l] = bq.b[1];
            d.b2[l] = bq.b[2];
            d.a1[l] = bq.a[1];
            d.a2[l] = bq.a[2];
        }
        d
    }

    /// Sets the DF2T states equal to the SVF states `(ic1, ic2)` of `mix`
    /// (same coefficients): both forms then produce the same output from
    /// here on. DF2T's state is its zero-input response: `s1 = y₀`,
    /// `s2 = y₁ + a1·y₀`, with `y₀, y₁` the SVF's zero-input outputs.
    pub fn from_svf_state(&mut self, lane: usize, mix: &SvfMix, ic1: f64, ic2: f64) {
        let (r, rm) = svf_observer(mix);
        let y0 = r[0] * ic1 + r[1] * ic2;
        let y1 = rm[0] * ic1 + rm[1] * ic2;
        self.s1[lane] = y0;
        self.s2[lane] = y1 + self.a1[lane] * y0;
    }

    /// The SVF states `(ic1, ic2)` of `mix` that continue this lane's DF2T
    /// state (inverse of [`from_svf_state`](Self::from_svf_state)). A state
    /// the output cannot observe (pole–zero cancellation) maps to zero.
    pub fn to_svf_state(&self, lane: usize, mix: &SvfMix) -> (f64, f64) {
        let (r, rm) = svf_observer(mix);
        let y0 = self.s1[lane];
        let y1 = self.s2[lane] - self.a1[lane] * y0;
        let det = r[0] * rm[1] - r[1] * rm[0];
        let scale = (r[0].abs() + r[1].abs()) * (rm[0].abs() + rm[1].abs());
        if det.abs() <= 1e-14 * scale || !det.is_finite() {
            return (0.0, 0.0);
        }
        let ic1 = (y0 * rm[1] - y1 * r[1]) / det;
        let ic2 = (r[0] * y1 - rm[0] * y0) / det;
        if ic1.is_finite() && ic2.is_finite() {
            (ic1, ic2)
        } else {
            (0.0, 0.0)
        }
    }

    /// True if this section passes its input unchanged.
    pub fn is_identity(&self) -> bool {
        self.b0 == [1.0; 2]
            && self.b1 == [0.0; 2]
            && self.b2 == [0.0; 2]
            && self.a1 == [0.0; 2]
            && self.a2 == [0.0; 2]
    }
}

/// Zero-input outputs of the SVF kernel (see [`super::section`]) as linear
/// forms of its state: `y₀ = r·ic`, `y₁ = rm·ic`.
fn svf_observer(m: &SvfMix) -> ([f64; 2], [f64; 2]) {
    let a1 = 1.0 / (1.0 + m.g * (m.g + m.k));
    let a2 = m.g * a1;
    let a3 = m.g * a2;
    // x = 0: v1 = a1·ic1 − a2·ic2, v2 = a2·ic1 + (1 − a3)·ic2.
    let v1 = [a1, -a2];
    let v2 = [a2, 1.0 - a3];
    let r = [m.c1 * v1[0] + m.c2 * v2[0], m.c1 * v1[1] + m.c2 * v2[1]];
    // Next state: ic' = 2v − ic, i.e. the matrix [[2a1 − 1, −2a2], [2a2, 1 − 2a3]].
    let mat = [[2.0 * a1 - 1.0, -2.0 * a2], [2.0 * a2, 1.0 - 2.0 * a3]];
    let rm = [
        r[0] * mat[0][0] + r[1] * mat[1][0],
        r[0] * mat[0][1] + r[1] * mat[1][1],
    ];
    (r, rm)
}

/// One wavefront group: `V` vectors, lanes `[L₂ⱼ, R₂ⱼ, L₂ⱼ₊₁, R₂ⱼ₊₁]`.
#[derive(Debug, Clone, Copy)]
struct Group<const V: usize> {
    b0: [[f64; 4]; V],
    b1: [[f64; 4]; V],
    b2: [[f64; 4]; V],
    a1: [[f64; 4]; V],
    a2: [[f64; 4]; V],
    s1: [[f64; 4]; V],
    s2: [[f64; 4]; V],
}

impl<const V: usize> Group<V> {
    /// Packs `secs` (at most `2V`; the rest is identity).
    fn pack(secs: &[Df2t]) -> Self {
        let mut g = Self {
            b0: [[1.0; 4]; V],
            b1: [[0.0; 4]; V],
            b2: [[0.0; 4]; V],
            a1: [[0.0; 4]; V],
            a2: [[0.0; 4]; V],
            s1: [[0.0; 4]; V],
            s2: [[0.0; 4]; V],
        };
        for (k, s) in secs.iter().enumerate().take(2 * V) {
            let (j, o) = (k / 2, 2 * (k % 2));
            for l in 0..2 {
                g.b0[j][o + l] = s.b0[l];
                g.b1[j][o + l] = s.b1[l];
                g.b2[j][o + l] = s.b2[l];
                g.a1[j][o + l] = s.a1[l];
                g.a2[j][o + l] = s.a2[l];
                g.s1[j][o + l] = s.s1[l];
                g.s2[j][o + l] = s.s2[l];
            }
        }
        g
    }

    /// Writes the states back into `secs`.
    fn unpack(&self, secs: &mut [Df2t]) {
        for (k, s) in secs.iter_mut().enumerate().take(2 * V) {
            let (j, o) = (k / 2, 2 * (k % 2));
            for l in 0..2 {
                s.s1[l] = self.s1[j][o + l];
                s.s2[l] = self.s2[j][o + l];
            }
        }
    }
}

/// Which kernel [`run_cascade`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Portable scalar steps.
    Scalar,
    /// `__m256d` steps (x86-64 with AVX2 and FMA).
    Avx2Fma,
}

impl Kernel {
    /// The kernel of `simd`.
    pub fn for_simd(simd: Simd) -> Self {
        if simd.has_avx2_fma() {
            Kernel::Avx2Fma
        } else {
            Kernel::Scalar
        }
    }

    /// The kernel of [`Simd::current`]: the fastest this CPU runs, unless the
    /// scalar paths are forced.
    pub fn detect() -> Self {
        Self::for_simd(Simd::current())
    }

    /// `self` if this CPU runs it, else [`Kernel::Scalar`].
    pub fn supported(self) -> Self {
        match self {
            Kernel::Avx2Fma if Simd::detected().has_avx2_fma() => Kernel::Avx2Fma,
            _ => Kernel::Scalar,
        }
    }
}

/// Runs `buf` through the cascade `secs` (in order) with `kernel` (or the
/// scalar one if the CPU lacks it), updating the states. Equals processing
/// section after section; real-time safe.
pub fn run_cascade(kernel: Kernel, secs: &mut [Df2t], buf: &mut [Lanes]) {
    if buf.is_empty() {
        return;
    }
    if secs.is_empty() {
        return;
    }
    // Once per call: what makes the `unsafe` AVX call below sound.
    let kernel = kernel.supported();
    // Equal groups: a small last group would be latency-bound.
    let groups = secs.len().div_ceil(GROUP_SECTIONS);
    let per = secs.len().div_ceil(groups);
    for chunk in secs.chunks_mut(per) {
        match chunk.len().div_ceil(2) {
            1 => run_group::<1>(kernel, chunk, buf),
            2 => run_group::<2>(kernel, chunk, buf),
            3 => run_group::<3>(kernel, chunk, buf),
            4 => run_group::<4>(kernel, chunk, buf),
            5 => run_group::<5>(kernel, chunk, buf),
            _ => run_group::<GROUP_VECTORS>(kernel, chunk, buf),
        }
    }
}

/// [`run_cascade`] straight on the `f32` channels, for a cascade of at most
/// [`GROUP_SECTIONS`] sections on the AVX2 kernel: each frame is widened to `f64` as it
/// enters the wavefront and rounded back as it leaves, instead of through an interleaved
/// `f64` buffer (two passes over the block). The same samples as widening into a buffer,
/// running [`run_cascade`] and rounding back (widening is exact, and `f64 → f32` rounds to
/// nearest either way). Returns false, touching nothing, when it does not apply (another
/// kernel, a longer cascade); the caller then takes the buffered path.
pub fn run_cascade_f32(
    kernel: Kernel,
    secs: &mut [Df2t],
    left: &mut [f32],
    right: &mut [f32],
) -> bool {
    if kernel.supported() != Kernel::Avx2Fma || secs.len() > GROUP_SECTIONS {
        return false;
    }
    let n = left.len().min(right.len());
    if n == 0 || secs.is_empty() {
        return true;
    }
    let (left, right) = (&mut left[..n], &mut right[..n]);
    match secs.len().div_ceil(2) {
        1 => run_group_f32::<1>(secs, left, right),
        2 => run_group_f32::<2>(secs, left, right),
        3 => run_group_f32::<3>(secs, left, right),
        4 => run_group_f32::<4>(secs, left, right),
        5 => run_group_f32::<5>(secs, left, right),
        _ => run_group_f32::<GROUP_VECTORS>(secs, left, right),
    }
    true
}

#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
fn run_group_f32<const V: usize>(secs: &mut [Df2t], left: &mut [f32], right: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut g = Group::<V>::pack(secs);
        // SAFETY: `run_cascade_f32`, the only caller, checked that the CPU has AVX2 and FMA
        // (`Kernel::supported`); both channels hold the same number of frames.
        unsafe {
            avx::run_io(
                &mut g,
                avx::F32Io {
                    l: left.as_mut_ptr(),
                    r: right.as_mut_ptr(),
                },
                left.len(),
            )
        };
        g.unpack(secs);
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("Kernel::Avx2Fma is x86_64 only");
}

fn run_group<const V: usize>(kernel: Kernel, secs: &mut [Df2t], buf: &mut [Lanes]) {
    let mut g = Group::<V>::pack(secs);
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `run_cascade`, the only caller, passes `Kernel::Avx2Fma`
        // only after `Kernel::supported` checked the CPU has both features.
        Kernel::Avx2Fma => unsafe { avx::run(&mut g, buf) },
        _ => scalar_run(&mut g, buf),
    }
    g.unpack(secs);
}

/// Section index of lane `l` of vector `j`.
#[inline(always)]
fn lane_section(j: usize, l: usize) -> usize {
    2 * j + l / 2
}

/// One wavefront step in scalar code; `x` = the new frame for section 0;
/// `active(k)` says whether section `k` has a sample at this step.
#[inline(always)]
fn scalar_step<const V: usize>(
    g: &mut Group<V>,
    prev: &mut [[f64; 4]; V],
    x: Lanes,
    active: impl Fn(usize) -> bool,
) {
    let mut y = [[0.0f64; 4]; V];
    for j in 0..V {
        let inp = if j == 0 {
            [x[0], x[1], prev[0][0], prev[0][1]]
        } else {
            [prev[j - 1][2], prev[j - 1][3], prev[j][0], prev[j][1]]
        };
        for l in 0..4 {
            if !active(lane_section(j, l)) {
                continue;
            }
            let v = g.b0[j][l] * inp[l] + g.s1[j][l];
            g.s1[j][l] = g.b1[j][l] * inp[l] - g.a1[j][l] * v + g.s2[j][l];
            g.s2[j][l] = g.b2[j][l] * inp[l] - g.a2[j][l] * v;
            y[j][l] = v;
        }
    }
    *prev = y;
}

fn scalar_run<const V: usize>(g: &mut Group<V>, buf: &mut [Lanes]) {
    let len = buf.len();
    let lag = 2 * V - 1;
    let mut prev = [[0.0f64; 4]; V];
    for t in 0..len + lag {
        let x = if t < len { buf[t] } else { [0.0; 2] };
        if t >= lag && t < len {
            scalar_step(g, &mut prev, x, |_| true);
        } else {
            scalar_step(g, &mut prev, x, |k| t >= k && t < len + k);
        }
        if t >= lag {
            buf[t - lag] = [prev[V - 1][2], prev[V - 1][3]];
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{Group, Lanes};
    use std::arch::x86_64::*;

    /// The group's coefficients and states in registers.
    struct Regs<const V: usize> {
        b0: [__m256d; V],
        b1: [__m256d; V],
        b2: [__m256d; V],
        a1: [__m256d; V],
        a2: [__m256d; V],
        s1: [__m256d; V],
        s2: [__m256d; V],
        prev: [__m256d; V],
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn load<const V: usize>(a: &[[f64; 4]; V]) -> [__m256d; V] {
        // SAFETY: each `[f64; 4]` is 32 readable bytes (unaligned load).
        std::array::from_fn(|j| unsafe { _mm256_loadu_pd(a[j].as_ptr()) })
    }

    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn store<const V: usize>(v: &[__m256d; V], a: &mut [[f64; 4]; V]) {
        for j in 0..V {
            // SAFETY: 32 writable bytes (unaligned store).
            unsafe { _mm256_storeu_pd(a[j].as_mut_ptr(), v[j]) };
        }
    }

    /// One step; `x` carries the new frame in its low 128 bits. With
    /// `mask`, only lanes whose mask is all-ones update their state.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn step<const V: usize>(r: &mut Regs<V>, x: __m256d, mask: Option<&[__m256d; V]>) {
        let mut y = r.prev;
        for j in 0..V {
            let inp = if j == 0 {
                _mm256_permute2f128_pd::<0x20>(x, r.prev[0])
            } else {
                _mm256_permute2f128_pd::<0x21>(r.prev[j - 1], r.prev[j])
            };
            let v = _mm256_fmadd_pd(r.b0[j], inp, r.s1[j]);
            let s1 = _mm256_fnmadd_pd(r.a1[j], v, _mm256_fmadd_pd(r.b1[j], inp, r.s2[j]));
            let s2 = _mm256_fnmadd_pd(r.a2[j], v, _mm256_mul_pd(r.b2[j], inp));
            match mask {
                Some(m) => {
                    r.s1[j] = _mm256_blendv_pd(r.s1[j], s1, m[j]);
                    r.s2[j] = _mm256_blendv_pd(r.s2[j], s2, m[j]);
                }
                None => {
                    r.s1[j] = s1;
                    r.s2[j] = s2;
                }
            }
            y[j] = v;
        }
        r.prev = y;
    }

    /// Where the frames come from and go to: [`F64Io`] (the interleaved `f64` buffer) or
    /// [`F32Io`] (the two `f32` channels, widened and rounded on the way).
    pub(super) trait Io: Copy {
        /// Frame `t` in the low 128 bits.
        ///
        /// # Safety
        /// `t` below the length the pointers were made for; AVX2 available.
        unsafe fn load(self, t: usize) -> __m256d;
        /// Writes the frame `v` at `t`.
        ///
        /// # Safety
        /// As for `load`.
        unsafe fn store(self, t: usize, v: __m128d);
    }

    /// The interleaved `f64` frames of a `[Lanes]` buffer.
    #[derive(Clone, Copy)]
    pub(super) struct F64Io(pub(super) *mut f64);

    impl Io for F64Io {
        #[inline(always)]
        unsafe fn load(self, t: usize) -> __m256d {
            _mm256_castpd128_pd256(_mm_loadu_pd(self.0.add(2 * t)))
        }
        #[inline(always)]
        unsafe fn store(self, t: usize, v: __m128d) {
            _mm_storeu_pd(self.0.add(2 * t), v)
        }
    }

    /// Two `f32` channels: widened (exactly) on load, rounded to nearest on store.
    #[derive(Clone, Copy)]
    pub(super) struct F32Io {
        pub(super) l: *mut f32,
        pub(super) r: *mut f32,
    }

    impl Io for F32Io {
        #[inline(always)]
        unsafe fn load(self, t: usize) -> __m256d {
            let lr = _mm_unpacklo_ps(_mm_load_ss(self.l.add(t)), _mm_load_ss(self.r.add(t)));
            _mm256_castpd128_pd256(_mm_cvtps_pd(lr))
        }
        #[inline(always)]
        unsafe fn store(self, t: usize, v: __m128d) {
            let lr = _mm_cvtpd_ps(v);
            _mm_store_ss(self.l.add(t), lr);
            _mm_store_ss(self.r.add(t), _mm_movehdup_ps(lr));
        }
    }

    /// See [`super::scalar_run`]; same steps on `__m256d`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn run<const V: usize>(g: &mut Group<V>, buf: &mut [Lanes]) {
        // SAFETY: the pointer covers `buf.len()` frames; this function has AVX2 and FMA.
        unsafe { run_io(g, F64Io(buf.as_mut_ptr() as *mut f64), buf.len()) }
    }

    /// [`run`] over the frames `0..len` of `io`.
    ///
    /// # Safety
    /// `io` must be valid for `len` frames (read and written; frame `t` is written only
    /// after it was read); the CPU must have AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn run_io<const V: usize, I: Io>(g: &mut Group<V>, io: I, len: usize) {
        let lag = 2 * V - 1;
        let mut r = Regs {
            b0: load(&g.b0),
            b1: load(&g.b1),
            b2: load(&g.b2),
            a1: load(&g.a1),
            a2: load(&g.a2),
            s1: load(&g.s1),
            s2: load(&g.s2),
            prev: [_mm256_setzero_pd(); V],
        };
        // Section index of each lane, as f64 for the mask compares.
        let sec: [__m256d; V] = std::array::from_fn(|j| {
            let (a, b) = ((2 * j) as f64, (2 * j + 1) as f64);
            _mm256_setr_pd(a, a, b, b)
        });
        let frame = |t: usize| -> __m256d {
            if t < len {
                // SAFETY: t < len, a frame of `io`.
                unsafe { io.load(t) }
            } else {
                _mm256_setzero_pd()
            }
        };
        let emit = |t: usize, r: &Regs<V>| {
            if t >= lag {
                // SAFETY: t − lag < len (t < len + lag); writes frame
                // t − lag, which was read at step t − lag ≤ t.
                unsafe { io.store(t - lag, _mm256_extractf128_pd::<1>(r.prev[V - 1])) }
            }
        };
        let masked = |t: usize, r: &mut Regs<V>| {
            // Section k has a sample at step t iff k ≤ t < len + k.
            let tv = _mm256_set1_pd(t as f64);
            let hi = _mm256_set1_pd(t as f64 - len as f64);
            let m: [__m256d; V] = std::array::from_fn(|j| {
                _mm256_and_pd(
                    _mm256_cmp_pd::<_CMP_LE_OQ>(sec[j], tv),
                    _mm256_cmp_pd::<_CMP_GT_OQ>(sec[j], hi),
                )
            });
            step(r, frame(t), Some(&m));
            emit(t, r);
        };
        let head_end = lag.min(len);
        for t in 0..head_end {
            masked(t, &mut r);
        }
        for t in head_end..len {
            // SAFETY: t < len (see `frame`).
            let x = unsafe { io.load(t) };
            step(&mut r, x, None);
            // SAFETY: t ≥ lag here, t − lag < len.
            unsafe { io.store(t - lag, _mm256_extractf128_pd::<1>(r.prev[V - 1])) };
        }
        for t in len.max(head_end)..len + lag {
            masked(t, &mut r);
        }
        store(&r.s1, &mut g.s1);
        store(&r.s2, &mut g.s2);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::needless_range_loop)]
    use super::*;

    fn section(seed: u64) -> Df2t {
        // Stable random-ish biquads (poles inside radius 0.99).
        let f = |k: u64| ((seed * 2654435761 + k * 40503) % 1000) as f64 / 1000.0;
        let r = 0.5 + 0.49 * f(1);
        let th = 3.0 * f(2);
        let mut d = Df2t::IDENTITY;
        for l in 0..2 {
            let rl = r - 0.1 * l as f64 * f(3);
            d.a1[l] = -2.0 * rl * th.cos();
            d.a2[l] = rl * rl;
            d.b0[l] = 0.5 + f(4);
            d.b1[l] = f(5) - 0.5;
            d.b2[l] = 0.3 * f(6);
            d.s1[l] = 0.01 * f(7);
            d.s2[l] = -0.02 * f(8);
        }
        d
    }

    /// Plain section-after-section DF2T, the definition the kernels meet.
    fn reference(secs: &mut [Df2t], buf: &mut [Lanes]) {
        for s in secs.iter_mut() {
            for x in buf.iter_mut() {
                for l in 0..2 {
                    let y = s.b0[l] * x[l] + s.s1[l];
                    s.s1[l] = s.b1[l] * x[l] - s.a1[l] * y + s.s2[l];
                    s.s2[l] = s.b2[l] * x[l] - s.a2[l] * y;
                    x[l] = y;
                }
            }
        }
    }

    #[test]
    fn kernels_equal_the_sequential_cascade() {
        // Every group size (1…19 sections: partial groups, several groups)
        // and block lengths shorter and longer than the wavefront, several
        // blocks in a row (state carried over). Scalar: the same operations
        // in the same order → equal to rounding of a different association
        // (1e-13); AVX uses FMA (one rounding fewer per step) → 1e-12.
        let mut kernels: Vec<Kernel> = Simd::supported().map(Kernel::for_simd).collect();
        kernels.dedup();
        for kernel in kernels {
            for n_secs in 1..=19 {
                for block in [1usize, 2, 3, 7, 16, 64, 257] {
                    let mut secs: Vec<Df2t> = (0..n_secs).map(|k| section(k as u64 + 1)).collect();
                    let mut want_secs = secs.clone();
                    let mut seed = 12345u32;
                    let mut worst = 0.0f64;
                    for _ in 0..4 {
                        let mut buf: Vec<Lanes> = (0..block)
                            .map(|_| {
                                seed ^= seed << 13;
                                seed ^= seed >> 17;
                                seed ^= seed << 5;
                                let v = seed as f64 / u32::MAX as f64 - 0.5;
                                [v, -0.7 * v]
                            })
                            .collect();
                        let mut want = buf.clone();
                        reference(&mut want_secs, &mut want);
                        run_cascade(kernel, &mut secs, &mut buf);
                        for (a, b) in buf.iter().zip(&want) {
                            for l in 0..2 {
                                worst = worst.max((a[l] - b[l]).abs() / (1.0 + b[l].abs()));
                            }
                        }
                    }
                    assert!(
                        worst < 1e-12,
                        "{kernel:?} {n_secs} secs, block {block}: {worst}"
                    );
                    for (a, b) in secs.iter().zip(&want_secs) {
                        for l in 0..2 {
                            assert!((a.s1[l] - b.s1[l]).abs() < 1e-12);
                            assert!((a.s2[l] - b.s2[l]).abs() < 1e-12);
                        }
                    }
                }
            }
        }
    }

    /// The AVX2 + FMA kernel against the scalar one directly, same sections, same input.
    /// They differ only in FMA rounding: each of `y`, `s1`, `s2` takes at most three products,
    /// so per step and section the two differ by at most 3 half-ulps (3 · 2⁻⁵³ relative); the
    /// test sections' poles (radius ≤ 0.99) sum a per-step error to at most Σ 0.99ⁿ = 100
    /// times itself, and 19 sections in a row add theirs: 19 · 3 · 1.1e-16 · 100 ≈ 6.3e-13
    /// relative to `1 + |y|`; tolerance 1e-12.
    #[test]
    fn simd_kernel_agrees_with_scalar() {
        for simd in crate::simd::levels_to_compare("eq cascade") {
            let kernel = Kernel::for_simd(simd);
            if kernel == Kernel::Scalar {
                continue;
            }
            for n_secs in [1usize, 5, 12, 19] {
                let mut scalar: Vec<Df2t> = (0..n_secs).map(|k| section(k as u64 + 3)).collect();
                let mut vector = scalar.clone();
                let mut worst = 0.0f64;
                for block in [3usize, 64, 1000] {
                    let mut a: Vec<Lanes> = (0..block)
                        .map(|i| {
                            let v = ((i * 7919) % 1000) as f64 / 1000.0 - 0.5;
                            [v, 0.3 - v]
                        })
                        .collect();
                    let mut b = a.clone();
                    run_cascade(Kernel::Scalar, &mut scalar, &mut a);
                    run_cascade(kernel, &mut vector, &mut b);
                    for (x, y) in a.iter().zip(&b) {
                        for l in 0..2 {
                            worst = worst.max((x[l] - y[l]).abs() / (1.0 + x[l].abs()));
                        }
                    }
                }
                assert!(worst < 1e-12, "{kernel:?}, {n_secs} sections: {worst}");
                assert!(worst > 0.0 || n_secs == 1, "FMA kernel did not run");
            }
        }
    }

    /// The direct `f32` kernel gives bit for bit what widening into a buffer, the buffered
    /// kernel and rounding back give (samples and states), for every group size it takes and
    /// blocks shorter and longer than the wavefront; it declines longer cascades and the
    /// scalar kernel without touching anything.
    #[test]
    fn f32_kernel_equals_the_buffered_path() {
        let kernel = Kernel::detect();
        for n_secs in 1..=GROUP_SECTIONS + 1 {
            let mut direct: Vec<Df2t> = (0..n_secs).map(|k| section(k as u64 + 5)).collect();
            let mut buffered = direct.clone();
            let mut seed = 777u32;
            for block in [1usize, 2, 5, 16, 64, 257, 512] {
                let mut l: Vec<f32> = (0..block)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        seed as f32 / u32::MAX as f32 - 0.5
                    })
                    .collect();
                let mut r: Vec<f32> = l.iter().map(|v| 0.3 - 0.8 * v).collect();
                let mut buf: Vec<Lanes> = l
                    .iter()
                    .zip(&r)
                    .map(|(a, b)| [*a as f64, *b as f64])
                    .collect();
                let (l0, r0) = (l.clone(), r.clone());
                let took = run_cascade_f32(kernel, &mut direct, &mut l, &mut r);
                if kernel != Kernel::Avx2Fma || n_secs > GROUP_SECTIONS {
                    assert!(!took, "{n_secs} sections");
                    assert_eq!((&l, &r), (&l0, &r0), "declined, but changed the samples");
                    continue;
                }
                assert!(took);
                run_cascade(kernel, &mut buffered, &mut buf);
                let want_l: Vec<f32> = buf.iter().map(|f| f[0] as f32).collect();
                let want_r: Vec<f32> = buf.iter().map(|f| f[1] as f32).collect();
                assert_eq!(
                    (&l, &r),
                    (&want_l, &want_r),
                    "{n_secs} sections, block {block}"
                );
                assert_eq!(direct, buffered, "states, {n_secs} sections");
                assert_ne!(l, l0, "the sections did nothing");
            }
        }
        let mut secs = vec![section(1)];
        let (mut l, mut r) = (vec![0.25f32; 8], vec![0.5f32; 8]);
        assert!(!run_cascade_f32(Kernel::Scalar, &mut secs, &mut l, &mut r));
        assert_eq!((l, r), (vec![0.25f32; 8], vec![0.5f32; 8]));
    }

    #[test]
    fn svf_state_round_trips_through_df2t() {
        // A state mapped SVF → DF2T → SVF comes back, and both forms then
        // produce the same next outputs.
        let bq = Biquad {
            b: [1.1, -1.7, 0.72],
            a: [1.0, -1.8, 0.83],
        };
        let m = SvfMix::from_biquad(&bq);
        let mut d = Df2t::from_mixes(&[m, m]);
        let (ic1, ic2) = (0.3, -0.45);
        d.from_svf_state(0, &m, ic1, ic2);
        let (b1, b2) = d.to_svf_state(0, &m);
        assert!(
            (b1 - ic1).abs() < 1e-12 && (b2 - ic2).abs() < 1e-12,
            "{b1} {b2}"
        );
        // Run both on the same input.
        let (mut c1, mut c2) = (ic1, ic2);
        let a1 = 1.0 / (1.0 + m.g * (m.g + m.k));
        let (a2, a3) = (m.g * a1, m.g * m.g * a1);
        for n in 0..50 {
            let x = ((n * 7) % 5) as f64 - 2.0;
            let v3 = x - c2;
            let v1 = a1 * c1 + a2 * v3;
            let v2 = c2 + a2 * c1 + a3 * v3;
            c1 = 2.0 * v1 - c1;
            c2 = 2.0 * v2 - c2;
            let y_svf = m.c0 * x + m.c1 * v1 + m.c2 * v2;
            let y = d.b0[0] * x + d.s1[0];
            d.s1[0] = d.b1[0] * x - d.a1[0] * y + d.s2[0];
            d.s2[0] = d.b2[0] * x - d.a2[0] * y;
            assert!((y - y_svf).abs() < 1e-11, "{n}: {y} vs {y_svf}");
        }
    }
}
