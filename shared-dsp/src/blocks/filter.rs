//! Topology-preserving-transform (TPT) state-variable filter, Linkwitz-Riley
//! 4th-order crossover and 2nd-order allpass.
//!
//! ## SVF
//! Andrew Simper, "Linear Trapezoidal Integrated SVF" (Cytomic technical
//! paper, 2013), equivalently Zavalishin, *The Art of VA Filter Design*,
//! ch. 4 (rev. 2.1.2, 2020). The analog prototype
//!
//! ```text
//! LP = 1/(s²+ks+1), BP = s/(s²+ks+1), HP = s²/(s²+ks+1), k = 1/Q
//! ```
//!
//! is discretised with trapezoidal integrators (bilinear transform,
//! prewarped so `s = j` maps exactly to `fc`). Per Simper:
//!
//! ```text
//! g = tan(π·fc/fs), a1 = 1/(1 + g(g+k)), a2 = g·a1, a3 = g·a2
//! v3 = x − ic2; v1 = a1·ic1 + a2·v3; v2 = ic2 + a2·ic1 + a3·v3
//! ic1 ← 2v1 − ic1; ic2 ← 2v2 − ic2
//! low = v2, band = v1, high = x − k·v1 − v2, all = x − 2k·v1
//! ```
//!
//! The states are the integrators' trapezoidal memories, which stay
//! meaningful when `g` changes: the structure is stable and free of the
//! zipper/blow-up problems of direct-form biquads under fast modulation.
//!
//! ## Linkwitz-Riley crossover
//! Linkwitz, "Active crossover networks for noncoincident drivers",
//! JAES 24(1), 1976: an LR4 band split is two cascaded Butterworth
//! (Q = 1/√2, k = √2) sections per band. With `D = s² + √2·s + 1`,
//!
//! ```text
//! LP4 + HP4 = (1 + s⁴)/D² = (s² − √2·s + 1)(s² + √2·s + 1)/D²
//!           = (s² − √2·s + 1)/(s² + √2·s + 1)
//! ```
//!
//! a 2nd-order allpass at `fc` with Q = 1/√2 (see also Vanderkooy &
//! Lipshitz, "In-phase crossover network design", JAES 34(11), 1986). The
//! identity survives the bilinear transform (a substitution `s → f(z)`), so
//! the SVF allpass output with the same `g` and `k = √2` matches `low + high`
//! of [`LinkwitzRiley4Crossover`] to rounding error.

use crate::simd::Simd;
use std::f32::consts::SQRT_2;

/// Lowest cutoff accepted (Hz); lower requests are clamped.
pub const MIN_CUTOFF_HZ: f32 = 1.0;
/// Highest cutoff as a fraction of the sample rate (`tan` blows up at 0.5).
pub const MAX_CUTOFF_RATIO: f32 = 0.49;
/// Butterworth damping `k = 1/Q = √2`.
pub const BUTTERWORTH_K: f32 = SQRT_2;

/// Clamps `fc` to `[MIN_CUTOFF_HZ, 0.49·fs]` (NaN → `MIN_CUTOFF_HZ`).
#[inline]
pub fn clamp_cutoff(cutoff_hz: f32, sample_rate: f32) -> f32 {
    let hi = MAX_CUTOFF_RATIO * sample_rate;
    if cutoff_hz.is_nan() {
        return MIN_CUTOFF_HZ.min(hi);
    }
    cutoff_hz.max(MIN_CUTOFF_HZ).min(hi)
}

/// Precomputed SVF coefficients (Simper 2013), shareable between filters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfCoefficients {
    /// `tan(π·fc/fs)`, the prewarped integrator gain.
    pub g: f32,
    /// Damping `1/Q`.
    pub k: f32,
    /// `1/(1 + g(g+k))`.
    pub a1: f32,
    /// `g·a1`.
    pub a2: f32,
    /// `g·a2`.
    pub a3: f32,
}

impl SvfCoefficients {
    /// Coefficients for cutoff `cutoff_hz` (clamped, see [`clamp_cutoff`]),
    /// quality `q` (clamped to ≥ 0.01) at `sample_rate`.
    pub fn new(cutoff_hz: f32, q: f32, sample_rate: f32) -> Self {
        let fc = clamp_cutoff(cutoff_hz, sample_rate);
        // tan in f64: near 0.49·fs the argument is close to π/2 where f32 tan
        // loses digits; one call per coefficient update is cheap.
        let g = (std::f64::consts::PI * fc as f64 / sample_rate as f64).tan() as f32;
        let q = if q.is_nan() { 0.5 } else { q.max(0.01) };
        Self::from_g_k(g, 1.0 / q)
    }

    /// Coefficients from a prewarped gain `g` and damping `k`.
    pub fn from_g_k(g: f32, k: f32) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Self { g, k, a1, a2, a3 }
    }
}

impl Default for SvfCoefficients {
    /// 1 kHz, Butterworth, at 48 kHz.
    fn default() -> Self {
        Self::new(1000.0, std::f32::consts::FRAC_1_SQRT_2, 48_000.0)
    }
}

/// All four SVF responses for one input sample.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SvfOutputs {
    /// Lowpass `1/(s²+ks+1)`.
    pub low: f32,
    /// Bandpass `s/(s²+ks+1)` (peak gain 1/k).
    pub band: f32,
    /// Highpass `s²/(s²+ks+1)`.
    pub high: f32,
    /// Allpass `(s²−ks+1)/(s²+ks+1)` = `x − 2k·band`.
    pub all: f32,
}

/// Simper/Zavalishin TPT state-variable filter (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Svf {
    c: SvfCoefficients,
    ic1: f32,
    ic2: f32,
}

impl Svf {
    /// A 1 kHz Butterworth filter at 48 kHz; call [`set`](Self::set).
    pub fn new() -> Self {
        Self::default()
    }

    /// Clears the state; coefficients are set through [`set`](Self::set).
    pub fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {
        self.reset();
    }

    /// Sets cutoff (Hz, clamped below 0.49·fs) and Q. Keeps the state, so it
    /// may be called per block or per sample while running.
    pub fn set(&mut self, cutoff_hz: f32, q: f32, sample_rate: f32) {
        self.c = SvfCoefficients::new(cutoff_hz, q, sample_rate);
    }

    /// Uses precomputed coefficients (e.g. shared by several filters).
    #[inline]
    pub fn set_coefficients(&mut self, c: SvfCoefficients) {
        self.c = c;
    }

    /// Current coefficients.
    pub fn coefficients(&self) -> SvfCoefficients {
        self.c
    }

    /// Clears the integrator states.
    pub fn reset(&mut self) {
        self.ic1 = 0.0;
        self.ic2 = 0.0;
    }

    /// Zeroes integrator states that have decayed below
    /// [`STATE_FLOOR`](super::denormal::STATE_FLOOR) (see
    /// [`flush_state`](super::denormal::flush_state)); once per block.
    #[inline]
    pub fn flush_denormal_state(&mut self) {
        super::denormal::flush_state(&mut self.ic1);
        super::denormal::flush_state(&mut self.ic2);
    }

    /// Processes one sample and returns every response.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> SvfOutputs {
        let (v1, v2) = self.tick(x);
        let k = self.c.k;
        SvfOutputs {
            low: v2,
            band: v1,
            high: x - k * v1 - v2,
            all: x - 2.0 * k * v1,
        }
    }

    /// Lowpass output only.
    #[inline]
    pub fn process_low(&mut self, x: f32) -> f32 {
        self.tick(x).1
    }

    /// Highpass output only.
    #[inline]
    pub fn process_high(&mut self, x: f32) -> f32 {
        let (v1, v2) = self.tick(x);
        x - self.c.k * v1 - v2
    }

    /// Bandpass output only.
    #[inline]
    pub fn process_band(&mut self, x: f32) -> f32 {
        self.tick(x).0
    }

    /// Allpass output only.
    #[inline]
    pub fn process_all(&mut self, x: f32) -> f32 {
        let v1 = self.tick(x).0;
        x - 2.0 * self.c.k * v1
    }

    /// Simper's update; returns (v1 = band, v2 = low).
    #[inline(always)]
    fn tick(&mut self, x: f32) -> (f32, f32) {
        let c = &self.c;
        let v3 = x - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        (v1, v2)
    }
}

/// Samples for the impulse response of a Butterworth section at `cutoff_hz`
/// to decay by 120 dB, counting a double pole (the LR4 cascade).
///
/// Derivation: the analog Butterworth poles are `s = ω_c(−1 ± j)/√2`
/// (decay rate σ = ω_c/√2). Under the prewarped bilinear transform used by
/// [`Svf`] (normalised `s = (1/g)(z−1)/(z+1)`) a normalised pole `p` maps to
/// `z = (1 + g·p)/(1 − g·p)`; its radius `r` gives the envelope `r^n`. A
/// repeated pole (two cascaded identical sections) has an envelope
/// `(n+1)·r^n` (the impulse response of `1/(1 − a z⁻¹)²` is `(n+1)aⁿ`), so we
/// solve `(n+1)·r^n = 10^(−120/20)` by fixed-point iteration
/// `n = (ln(n+1) − ln ε)/(−ln r)`. Rounded up; a constant factor of the
/// envelope is not modelled, so treat it as an estimate.
pub fn lr4_tail_samples(cutoff_hz: f32, sample_rate: f32) -> usize {
    let fc = clamp_cutoff(cutoff_hz, sample_rate) as f64;
    let g = (std::f64::consts::PI * fc / sample_rate as f64).tan();
    // Normalised pole p = (−1 + j)/√2; z = (1 + g·p)/(1 − g·p).
    let (pr, pi) = (
        -std::f64::consts::FRAC_1_SQRT_2,
        std::f64::consts::FRAC_1_SQRT_2,
    );
    let num = ((1.0 + g * pr).powi(2) + (g * pi).powi(2)).sqrt();
    let den = ((1.0 - g * pr).powi(2) + (g * pi).powi(2)).sqrt();
    let r = num / den;
    let neg_ln_r = -r.ln();
    if neg_ln_r <= 0.0 || !neg_ln_r.is_finite() {
        return 0;
    }
    let neg_ln_eps = 120.0 / 20.0 * std::f64::consts::LN_10;
    let mut n = neg_ln_eps / neg_ln_r;
    for _ in 0..50 {
        n = ((n + 1.0).ln() + neg_ln_eps) / neg_ln_r;
    }
    n.ceil() as usize
}

/// Linkwitz-Riley 24 dB/oct band split (two cascaded Butterworth SVF
/// sections per band; see the module docs).
///
/// The first section is shared: one SVF yields both the Butterworth LP and
/// HP of the input, each then goes through a second Butterworth section of
/// its own kind. `low + high` equals the output of an
/// [`AllpassSecondOrder`] at the same frequency.
#[derive(Debug, Clone)]
pub struct LinkwitzRiley4Crossover {
    sample_rate: f32,
    frequency: f32,
    first: Svf,
    low2: Svf,
    high2: Svf,
}

impl Default for LinkwitzRiley4Crossover {
    fn default() -> Self {
        Self::new()
    }
}

impl LinkwitzRiley4Crossover {
    /// A 1 kHz crossover at 48 kHz; call `prepare` and `set_frequency`.
    pub fn new() -> Self {
        let mut x = Self {
            sample_rate: 48_000.0,
            frequency: 1000.0,
            first: Svf::new(),
            low2: Svf::new(),
            high2: Svf::new(),
        };
        x.update();
        x
    }

    /// Stores the sample rate, recomputes coefficients and resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.update();
        self.reset();
    }

    /// Sets the crossover frequency (clamped to `[1 Hz, 0.49·fs]`). Cheap
    /// (one `tan`); the state is kept, so it may be called per block or per
    /// sample for modulation.
    pub fn set_frequency(&mut self, hz: f32) {
        self.frequency = hz;
        self.update();
    }

    /// The requested crossover frequency.
    pub fn frequency(&self) -> f32 {
        self.frequency
    }

    /// Shared coefficients (Butterworth, k = √2).
    pub fn coefficients(&self) -> SvfCoefficients {
        self.first.coefficients()
    }

    fn update(&mut self) {
        let c = SvfCoefficients::new(
            self.frequency,
            std::f32::consts::FRAC_1_SQRT_2,
            self.sample_rate,
        );
        self.set_coefficients(c);
    }

    /// Uses precomputed coefficients (should be Butterworth, k = √2).
    #[inline]
    pub fn set_coefficients(&mut self, c: SvfCoefficients) {
        self.first.set_coefficients(c);
        self.low2.set_coefficients(c);
        self.high2.set_coefficients(c);
    }

    /// Clears all filter states.
    pub fn reset(&mut self) {
        self.first.reset();
        self.low2.reset();
        self.high2.reset();
    }

    /// [`Svf::flush_denormal_state`] of every section; once per block.
    pub fn flush_denormal_state(&mut self) {
        self.first.flush_denormal_state();
        self.low2.flush_denormal_state();
        self.high2.flush_denormal_state();
    }

    /// Splits one sample into `(low, high)`; both are −6.02 dB at `fc`.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> (f32, f32) {
        let s = self.first.process_sample(x);
        (
            self.low2.process_low(s.low),
            self.high2.process_high(s.high),
        )
    }

    /// Highpass band only: skips the low band's second section, so do not
    /// mix it with [`process_sample`](Self::process_sample) on the same
    /// instance without a [`reset`](Self::reset) (the low band state would
    /// be stale).
    #[inline]
    pub fn process_high(&mut self, x: f32) -> f32 {
        let h = self.first.process_high(x);
        self.high2.process_high(h)
    }

    /// Block version of [`process_sample`](Self::process_sample); processes
    /// the common length of the three slices.
    pub fn process_block(&mut self, input: &[f32], low: &mut [f32], high: &mut [f32]) {
        for ((x, l), h) in input.iter().zip(low.iter_mut()).zip(high.iter_mut()) {
            let (a, b) = self.process_sample(*x);
            *l = a;
            *h = b;
        }
        self.flush_denormal_state();
    }

    /// See [`lr4_tail_samples`].
    pub fn tail_samples(&self) -> usize {
        lr4_tail_samples(self.frequency, self.sample_rate)
    }
}

/// Second-order allpass `(s² − ks + 1)/(s² + ks + 1)` from an [`Svf`]
/// (`x − 2k·band`). With the default Butterworth Q it has the same phase as
/// the `low + high` sum of a [`LinkwitzRiley4Crossover`] at the same
/// frequency, so a parallel path can be kept phase-aligned with a split one.
#[derive(Debug, Clone)]
pub struct AllpassSecondOrder {
    sample_rate: f32,
    frequency: f32,
    q: f32,
    svf: Svf,
}

impl Default for AllpassSecondOrder {
    fn default() -> Self {
        Self::new()
    }
}

impl AllpassSecondOrder {
    /// 1 kHz, Q = 1/√2, 48 kHz.
    pub fn new() -> Self {
        let mut a = Self {
            sample_rate: 48_000.0,
            frequency: 1000.0,
            q: std::f32::consts::FRAC_1_SQRT_2,
            svf: Svf::new(),
        };
        a.update();
        a
    }

    /// Stores the sample rate, recomputes coefficients and resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.update();
        self.reset();
    }

    /// Sets the centre frequency (phase −180° there), keeping the state.
    pub fn set_frequency(&mut self, hz: f32) {
        self.frequency = hz;
        self.update();
    }

    /// Sets Q (default 1/√2, matching the LR4 sum).
    pub fn set_q(&mut self, q: f32) {
        self.q = q;
        self.update();
    }

    fn update(&mut self) {
        self.svf.set(self.frequency, self.q, self.sample_rate);
    }

    /// Uses precomputed coefficients.
    #[inline]
    pub fn set_coefficients(&mut self, c: SvfCoefficients) {
        self.svf.set_coefficients(c);
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.svf.reset();
    }

    /// [`Svf::flush_denormal_state`]; once per block.
    pub fn flush_denormal_state(&mut self) {
        self.svf.flush_denormal_state();
    }

    /// Processes one sample.
    #[inline]
    pub fn process_sample(&mut self, x: f32) -> f32 {
        self.svf.process_all(x)
    }

    /// Processes a block in place.
    pub fn process_block(&mut self, buf: &mut [f32]) {
        for x in buf.iter_mut() {
            *x = self.svf.process_all(*x);
        }
        self.svf.flush_denormal_state();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{dft_db, log_freqs, XorShift32};

    const FS: f32 = 48_000.0;
    const N: usize = 1 << 15;

    fn impulse_response(mut f: impl FnMut(f32) -> f32) -> Vec<f32> {
        (0..N).map(|i| f(if i == 0 { 1.0 } else { 0.0 })).collect()
    }

    /// Blocks of 512: one of loud noise, then `blocks` of the input `quiet` gives per sample.
    fn loud_then(blocks: usize, quiet: impl Fn(usize) -> f32) -> Vec<Vec<f32>> {
        let mut rng = XorShift32(0x5eed);
        let mut out = vec![(0..512)
            .map(|_| 0.5 * rng.next_bipolar())
            .collect::<Vec<f32>>()];
        out.extend((0..blocks).map(|b| (0..512).map(|i| quiet(b * 512 + i)).collect()));
        out
    }

    /// Without flush-to-zero (a test thread's default mode), denormal input leaves the states
    /// at exactly 0 at the end of every block, and after silence the output is exactly 0
    /// instead of a long stretch of denormals.
    #[test]
    fn states_end_blocks_at_zero_without_flush_to_zero() {
        assert!(
            !crate::DenormalGuard::is_flushing(),
            "the test needs the default FP mode"
        );
        let mut crossover = LinkwitzRiley4Crossover::new();
        crossover.prepare(FS, 512);
        crossover.set_frequency(120.0);
        let mut allpass = AllpassSecondOrder::new();
        allpass.prepare(FS, 512);
        allpass.set_frequency(120.0);
        let states = |x: &LinkwitzRiley4Crossover, a: &AllpassSecondOrder| {
            [&x.first, &x.low2, &x.high2, &a.svf]
                .iter()
                .flat_map(|f| [f.ic1, f.ic2])
                .collect::<Vec<f32>>()
        };

        // Denormal noise right after loud input: the ring-out is far above the floor at first;
        // once it is below, each block ends with the states at exactly 0.
        let denormal = |i: usize| (i % 7) as f32 * 3e-40 - 9e-40;
        let (mut low, mut high) = (vec![0.0; 512], vec![0.0; 512]);
        let mut zero_blocks = 0;
        for block in loud_then(400, denormal) {
            crossover.process_block(&block, &mut low, &mut high);
            let mut buf = block.clone();
            allpass.process_block(&mut buf);
            let s = states(&crossover, &allpass);
            assert!(s.iter().all(|x| !x.is_subnormal()), "{s:?}");
            zero_blocks += s.iter().all(|x| x.to_bits() == 0) as usize;
        }
        assert!(
            zero_blocks > 300,
            "states at exactly 0 after {zero_blocks} of 400 blocks"
        );

        // Silence after loud input: the tail reaches exact zeros, never a denormal.
        crossover.reset();
        allpass.reset();
        let mut first_zero_block = None;
        for (b, block) in loud_then(400, |_| 0.0).into_iter().enumerate() {
            crossover.process_block(&block, &mut low, &mut high);
            let mut buf = block.clone();
            allpass.process_block(&mut buf);
            for y in low.iter().chain(&high).chain(&buf) {
                assert!(!y.is_subnormal(), "block {b}: a denormal output {y:e}");
            }
            if low
                .iter()
                .chain(&high)
                .chain(&buf)
                .all(|y| y.to_bits() == 0)
            {
                first_zero_block.get_or_insert(b);
            }
        }
        let first = first_zero_block.expect("the tail never reached exact zeros");
        // The LR4 at 120 Hz needs about 0.1 s to fall 400 dB: ten blocks, not hundreds.
        assert!(first < 40, "exact zeros only from block {first}");
    }

    /// Expected digital Butterworth HP² magnitude (dB) at f for cutoff fc:
    /// |HP2(jw)|² = w⁴/(1+w⁴), squared for LR4 → 10·log10((w⁴/(1+w⁴))²),
    /// with the prewarped frequency ratio w = tan(πf/fs)/tan(πfc/fs).
    fn lr4_high_db(f: f64, fc: f64) -> f64 {
        let fs = FS as f64;
        let w = (std::f64::consts::PI * f / fs).tan() / (std::f64::consts::PI * fc / fs).tan();
        let w4 = w.powi(4);
        20.0 * (w4 / (1.0 + w4)).log10()
    }

    #[test]
    fn svf_responses_match_prototype() {
        // At fc: |LP| = |HP| = 1/k = Q, |BP| = 1/k, |AP| = 1.
        let fc = 2000.0;
        for q in [0.5f32, std::f32::consts::FRAC_1_SQRT_2, 2.0] {
            let mut svf = Svf::new();
            svf.set(fc, q, FS);
            let want = 20.0 * (q as f64).log10();
            let mut s = svf.clone();
            let lp = impulse_response(|x| s.process_sample(x).low);
            let mut s = svf.clone();
            let hp = impulse_response(|x| s.process_sample(x).high);
            let mut s = svf.clone();
            let bp = impulse_response(|x| s.process_sample(x).band);
            let mut s = svf.clone();
            let ap = impulse_response(|x| s.process_sample(x).all);
            assert!((dft_db(&lp, fc as f64, FS as f64) - want).abs() < 1e-3);
            assert!((dft_db(&hp, fc as f64, FS as f64) - want).abs() < 1e-3);
            assert!((dft_db(&bp, fc as f64, FS as f64) - want).abs() < 1e-3);
            for f in log_freqs(20.0, 20_000.0, 30) {
                assert!(dft_db(&ap, f, FS as f64).abs() < 1e-3);
            }
            // DC: LP passes (0 dB); Nyquist-ish: HP passes.
            assert!(dft_db(&lp, 0.0, FS as f64).abs() < 1e-3);
        }
    }

    #[test]
    fn lr4_sum_is_flat() {
        for fc in [100.0f32, 1000.0, 5000.0] {
            let mut x = LinkwitzRiley4Crossover::new();
            x.prepare(FS, 512);
            x.set_frequency(fc);
            let h = impulse_response(|s| {
                let (l, h) = x.process_sample(s);
                l + h
            });
            for f in log_freqs(20.0, 20_000.0, 60) {
                let db = dft_db(&h, f, FS as f64);
                assert!(db.abs() < 0.01, "fc {fc} f {f}: {db}");
            }
        }
    }

    #[test]
    fn lr4_bands() {
        let fc = 1000.0;
        let mut x = LinkwitzRiley4Crossover::new();
        x.prepare(FS, 512);
        x.set_frequency(fc);
        let mut y = x.clone();
        let low = impulse_response(|s| x.process_sample(s).0);
        let high = impulse_response(|s| y.process_sample(s).1);
        // Each band is (1/√2)² = 1/2 → −6.0206 dB at fc.
        assert!((dft_db(&low, fc as f64, FS as f64) + 6.0206).abs() < 0.01);
        assert!((dft_db(&high, fc as f64, FS as f64) + 6.0206).abs() < 0.01);
        // 24 dB/oct: at fc/4 the analog value is 20·log10((1/256)/(1+1/256)) = −48.2 dB.
        let at_quarter = dft_db(&high, fc as f64 / 4.0, FS as f64);
        assert!((at_quarter + 48.0).abs() < 1.5, "{at_quarter}");
        // …and follows the exact prewarped formula everywhere.
        // (from fc/4 up: below ~−50 dB f32 rounding noise dominates)
        for f in log_freqs(250.0, 20_000.0, 40) {
            let got = dft_db(&high, f, FS as f64);
            assert!((got - lr4_high_db(f, fc as f64)).abs() < 0.01, "{f}: {got}");
        }
        // One octave further down: ≈ 24 dB more attenuation.
        let at_eighth = dft_db(&high, fc as f64 / 8.0, FS as f64);
        assert!((at_quarter - at_eighth - 24.0).abs() < 0.5);
    }

    #[test]
    fn allpass_matches_lr4_sum() {
        for fc in [80.0f32, 1000.0, 12_000.0] {
            let mut x = LinkwitzRiley4Crossover::new();
            let mut ap = AllpassSecondOrder::new();
            x.prepare(FS, 512);
            ap.prepare(FS, 512);
            x.set_frequency(fc);
            ap.set_frequency(fc);
            let mut rng = XorShift32(0x1234_5678);
            for _ in 0..48_000 {
                let s = rng.next_bipolar();
                let (l, h) = x.process_sample(s);
                let a = ap.process_sample(s);
                assert!((l + h - a).abs() < 1e-5, "fc {fc}: {} vs {a}", l + h);
            }
            let mut ap2 = ap.clone();
            ap2.reset();
            let h = impulse_response(|s| ap2.process_sample(s));
            for f in log_freqs(20.0, 20_000.0, 30) {
                assert!(dft_db(&h, f, FS as f64).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn stable_under_fast_modulation() {
        // Per-sample random jumps of cutoff between 20 Hz and 20 kHz with a
        // full-scale noise input: the TPT SVF must stay bounded. For these
        // Butterworth sections |output| stays of the order of the input.
        let mut x = LinkwitzRiley4Crossover::new();
        x.prepare(FS, 512);
        let mut rng = XorShift32(42);
        let mut peak = 0.0f32;
        for _ in 0..200_000 {
            let u = (rng.next_bipolar() + 1.0) * 0.5;
            x.set_frequency(20.0 * 1000f32.powf(u));
            let (l, h) = x.process_sample(rng.next_bipolar());
            assert!(l.is_finite() && h.is_finite());
            peak = peak.max(l.abs()).max(h.abs());
        }
        assert!(peak < 10.0, "{peak}");
    }

    #[test]
    fn cutoff_is_clamped() {
        let c = SvfCoefficients::new(40_000.0, 0.7, FS);
        // tan(π·0.49) = 31.82
        assert!((c.g - (std::f32::consts::PI * 0.49).tan()).abs() < 1e-2);
        assert!(SvfCoefficients::new(f32::NAN, 0.7, FS).g.is_finite());
        assert!(SvfCoefficients::new(-5.0, 0.7, FS).g > 0.0);
    }

    #[test]
    fn tail_estimate_bounds_the_impulse_response() {
        for fc in [30.0f32, 200.0, 2000.0] {
            let mut x = LinkwitzRiley4Crossover::new();
            x.prepare(FS, 512);
            x.set_frequency(fc);
            let tail = x.tail_samples();
            // Analog estimate without the double-pole term: 120 dB at rate
            // σ = ω_c/√2 takes 6·ln(10)·√2/(2π·fc) seconds — a lower bound.
            let analog = 6.0 * std::f64::consts::LN_10 * std::f64::consts::SQRT_2
                / (2.0 * std::f64::consts::PI * fc as f64)
                * FS as f64;
            assert!(tail as f64 > analog);
            let h: Vec<f32> = (0..tail + 4096)
                .map(|i| x.process_sample(if i == 0 { 1.0 } else { 0.0 }).1)
                .collect();
            let early = h[..64].iter().fold(0.0f32, |a, v| a.max(v.abs()));
            let late = h[tail..].iter().fold(0.0f32, |a, v| a.max(v.abs()));
            // 120 dB below the initial peak.
            assert!(late <= early * 1e-6, "fc {fc}: {late} vs {early}");
        }
    }
}

/// The TPT SVF of [`Svf::tick`] rewritten as a state-space recursion on the same two states,
/// `s[n+1] = A·s[n] + B·x[n]`, `y[n] = C·s[n] + D·x[n]` (substitute `v3 = x − ic2` into the
/// tick), then unrolled over two samples ("look-ahead" or block state-space form):
///
/// ```text
/// s[n+2] = A²·s[n] + A·B·x[n] + B·x[n+1]
/// y[n]   = C·s[n] + D·x[n]
/// y[n+1] = C·A·s[n] + C·B·x[n] + D·x[n+1]
/// ```
///
/// The SVF's own update is a chain of five dependent operations per sample; this one is three
/// (one multiply, two adds) per *two* samples, which is what bounds a recursive filter's
/// speed. Same states, same transfer function, so it can take over from (and hand back to) an
/// [`Svf`] between any two samples. The products are formed in f64 from the filter's f32
/// coefficients and rounded once.
#[derive(Clone, Copy, Debug)]
struct SvfTwoStep {
    /// `A²`
    m11: f32,
    m12: f32,
    m21: f32,
    m22: f32,
    /// `A·B`
    n1: f32,
    n2: f32,
    /// `B`
    b1: f32,
    b2: f32,
    /// `C`, `D`
    c1: f32,
    c2: f32,
    d: f32,
    /// `C·A`, `C·B`
    e1: f32,
    e2: f32,
    f: f32,
}

impl SvfTwoStep {
    /// From `ic1' = 2·v1 − ic1`, `ic2' = 2·v2 − ic2` with `v1 = a1·ic1 + a2·(x − ic2)`,
    /// `v2 = ic2 + a2·ic1 + a3·(x − ic2)`; low = v2, high = x − k·v1 − v2.
    fn new(c: &SvfCoefficients, highpass: bool) -> Self {
        let (a1, a2, a3, k) = (c.a1 as f64, c.a2 as f64, c.a3 as f64, c.k as f64);
        let (c1, c2, d) = if highpass {
            (-k * a1 - a2, k * a2 - 1.0 + a3, 1.0 - k * a2 - a3)
        } else {
            (a2, 1.0 - a3, a3)
        };
        let (a11, a12, b1) = (2.0 * a1 - 1.0, -2.0 * a2, 2.0 * a2);
        let (a21, a22, b2) = (2.0 * a2, 1.0 - 2.0 * a3, 2.0 * a3);
        Self {
            m11: (a11 * a11 + a12 * a21) as f32,
            m12: (a11 * a12 + a12 * a22) as f32,
            m21: (a21 * a11 + a22 * a21) as f32,
            m22: (a21 * a12 + a22 * a22) as f32,
            n1: (a11 * b1 + a12 * b2) as f32,
            n2: (a21 * b1 + a22 * b2) as f32,
            b1: b1 as f32,
            b2: b2 as f32,
            c1: c1 as f32,
            c2: c2 as f32,
            d: d as f32,
            e1: (c1 * a11 + c2 * a21) as f32,
            e2: (c1 * a12 + c2 * a22) as f32,
            f: (c1 * b1 + c2 * b2) as f32,
        }
    }
}

/// Per-lane coefficients of [`SvfTwoStep`] for the four skewed lanes (high-pass left, right,
/// low-pass left, right).
#[derive(Debug, Clone)]
struct SkewedCoefficients {
    m11: [f32; 4],
    m12: [f32; 4],
    m21: [f32; 4],
    m22: [f32; 4],
    n1: [f32; 4],
    n2: [f32; 4],
    b1: [f32; 4],
    b2: [f32; 4],
    c1: [f32; 4],
    c2: [f32; 4],
    d: [f32; 4],
    e1: [f32; 4],
    e2: [f32; 4],
    f: [f32; 4],
}

impl SkewedCoefficients {
    fn new(lanes: [SvfTwoStep; 4]) -> Self {
        let c = |f: fn(&SvfTwoStep) -> f32| lanes.map(|l| f(&l));
        Self {
            m11: c(|l| l.m11),
            m12: c(|l| l.m12),
            m21: c(|l| l.m21),
            m22: c(|l| l.m22),
            n1: c(|l| l.n1),
            n2: c(|l| l.n2),
            b1: c(|l| l.b1),
            b2: c(|l| l.b2),
            c1: c(|l| l.c1),
            c2: c(|l| l.c2),
            d: c(|l| l.d),
            e1: c(|l| l.e1),
            e2: c(|l| l.e2),
            f: c(|l| l.f),
        }
    }
}

/// Sample pairs 2..`pairs` of [`highpass_then_lowpass_stereo`]: per step `p`, lanes 0, 1
/// high-pass samples `2p, 2p + 1`, lanes 2, 3 low-pass samples `2p − 4, 2p − 3` (their input is
/// the high-pass output of two steps before, so no register feeds the next step's inputs: the
/// only dependency chain per step is the state update), written to `out[2p − 4..2p − 2]`. `hp`
/// holds the high-pass outputs (`[sample][channel]`) of pairs 0 and 1 (samples 0..4); returns
/// those of the last two pairs. SSE is part of x86_64 itself; with `FMA` (only from a function
/// compiled for it) the products are fused, which rounds once instead of twice.
///
/// # Safety
/// `in_*` must be readable and `out_*` writable for `2·pairs` samples; an output may be the
/// same buffer as its input (every sample is read before it is written), nothing else may
/// overlap. `FMA` only where the CPU has it.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn skewed_pairs_x86<const FMA: bool>(
    k: &SkewedCoefficients,
    ic1: &mut [f32; 4],
    ic2: &mut [f32; 4],
    hp: [[f32; 2]; 4],
    (in_l, in_r): (*const f32, *const f32),
    (out_l, out_r): (*mut f32, *mut f32),
    pairs: usize,
) -> [[f32; 2]; 4] {
    use std::arch::x86_64::*;
    // SAFETY (whole body): coefficient and state loads go through arrays, sample loads and
    // stores stay within the `2·pairs` samples the caller vouches for (unaligned 8-byte
    // accesses); the FMA intrinsics only run where the caller vouches for FMA.
    let load = |a: &[f32; 4]| _mm_loadu_ps(a.as_ptr());
    let pair =
        |p: *const f32| _mm_castsi128_ps(_mm_cvtsi64_si128(p.cast::<i64>().read_unaligned()));
    let store = |p: *mut f32, v: __m128| {
        p.cast::<i64>()
            .write_unaligned(_mm_cvtsi128_si64(_mm_castps_si128(v)))
    };
    // a·b + c
    let madd = |a: __m128, b: __m128, c: __m128| {
        if FMA {
            _mm_fmadd_ps(a, b, c)
        } else {
            _mm_add_ps(_mm_mul_ps(a, b), c)
        }
    };
    let (m11, m12, m21, m22) = (load(&k.m11), load(&k.m12), load(&k.m21), load(&k.m22));
    let (n1, n2, b1, b2) = (load(&k.n1), load(&k.n2), load(&k.b1), load(&k.b2));
    let (c1, c2, d) = (load(&k.c1), load(&k.c2), load(&k.d));
    let (e1, e2, f) = (load(&k.e1), load(&k.e2), load(&k.f));
    let mut s1 = load(ic1);
    let mut s2 = load(ic2);
    // Outputs of the last two steps (`a` the newer); lanes 0, 1 are the high-pass outputs.
    let lanes = |h: [f32; 2]| _mm_setr_ps(h[0], h[1], 0.0, 0.0);
    let (mut y0b, mut y1b) = (lanes(hp[0]), lanes(hp[1]));
    let (mut y0a, mut y1a) = (lanes(hp[2]), lanes(hp[3]));
    for p in 2..pairs {
        let i = 2 * p;
        // lr = [l(i), r(i), l(i+1), r(i+1)]
        let lr = _mm_unpacklo_ps(pair(in_l.add(i)), pair(in_r.add(i)));
        // x0 = [l(i), r(i), hp_l(i−4), hp_r(i−4)], x1 the same one sample later.
        let x0 = _mm_movelh_ps(lr, y0b);
        let x1 = _mm_shuffle_ps::<0b01_00_11_10>(lr, y1b);
        let y0 = if FMA {
            madd(c1, s1, madd(c2, s2, _mm_mul_ps(d, x0)))
        } else {
            _mm_add_ps(
                _mm_add_ps(_mm_mul_ps(c1, s1), _mm_mul_ps(c2, s2)),
                _mm_mul_ps(d, x0),
            )
        };
        let y1 = if FMA {
            madd(e1, s1, madd(e2, s2, madd(f, x0, _mm_mul_ps(d, x1))))
        } else {
            _mm_add_ps(
                _mm_add_ps(_mm_mul_ps(e1, s1), _mm_mul_ps(e2, s2)),
                _mm_add_ps(_mm_mul_ps(f, x0), _mm_mul_ps(d, x1)),
            )
        };
        let u1 = madd(n1, x0, _mm_mul_ps(b1, x1));
        let u2 = madd(n2, x0, _mm_mul_ps(b2, x1));
        let next1 = if FMA {
            madd(m11, s1, madd(m12, s2, u1))
        } else {
            _mm_add_ps(_mm_add_ps(_mm_mul_ps(m11, s1), _mm_mul_ps(m12, s2)), u1)
        };
        s2 = if FMA {
            madd(m22, s2, madd(m21, s1, u2))
        } else {
            _mm_add_ps(_mm_add_ps(_mm_mul_ps(m21, s1), _mm_mul_ps(m22, s2)), u2)
        };
        s1 = next1;
        // [lp_l(i−4), lp_l(i−3), lp_r(i−4), lp_r(i−3)]
        let lp = _mm_unpackhi_ps(y0, y1);
        store(out_l.add(i - 4), lp);
        store(out_r.add(i - 4), _mm_movehl_ps(lp, lp));
        (y0b, y1b, y0a, y1a) = (y0a, y1a, y0, y1);
    }
    _mm_storeu_ps(ic1.as_mut_ptr(), s1);
    _mm_storeu_ps(ic2.as_mut_ptr(), s2);
    let high = |v: __m128| {
        let mut a = [0.0f32; 4];
        _mm_storeu_ps(a.as_mut_ptr(), v);
        [a[0], a[1]]
    };
    [high(y0b), high(y1b), high(y0a), high(y1a)]
}

/// [`skewed_pairs_x86`] with fused multiply-adds.
///
/// # Safety
/// As for [`skewed_pairs_x86`]; the CPU must have FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,fma")]
unsafe fn skewed_pairs_fma(
    k: &SkewedCoefficients,
    ic1: &mut [f32; 4],
    ic2: &mut [f32; 4],
    hp: [[f32; 2]; 4],
    input: (*const f32, *const f32),
    output: (*mut f32, *mut f32),
    pairs: usize,
) -> [[f32; 2]; 4] {
    skewed_pairs_x86::<true>(k, ic1, ic2, hp, input, output, pairs)
}

/// Runs [`skewed_pairs_x86`] with fused multiply-adds when `simd` has FMA, without them on
/// the x86-64 baseline (SSE2), and the portable [`skewed_pairs_scalar`] otherwise (the only
/// kernel on other machines, or when forced; see [`crate::simd`]).
///
/// # Safety
/// As for [`skewed_pairs_x86`].
#[allow(clippy::too_many_arguments)]
unsafe fn skewed_pairs(
    simd: Simd,
    k: &SkewedCoefficients,
    ic1: &mut [f32; 4],
    ic2: &mut [f32; 4],
    hp: [[f32; 2]; 4],
    input: (*const f32, *const f32),
    output: (*mut f32, *mut f32),
    pairs: usize,
) -> [[f32; 2]; 4] {
    #[cfg(target_arch = "x86_64")]
    {
        if simd.has_avx_fma() {
            // SAFETY: a `Simd` with FMA and AVX exists only on CPUs that have them.
            return skewed_pairs_fma(k, ic1, ic2, hp, input, output, pairs);
        }
        if simd.has_sse2() {
            return skewed_pairs_x86::<false>(k, ic1, ic2, hp, input, output, pairs);
        }
    }
    let _ = simd;
    skewed_pairs_scalar(k, ic1, ic2, hp, input, output, pairs)
}

/// Portable version of the x86_64 kernel above: the same arithmetic lane by lane, in the same
/// order as its SSE2 (no FMA) form, so the two agree bit for bit.
///
/// # Safety
/// As for [`skewed_pairs_x86`].
unsafe fn skewed_pairs_scalar(
    k: &SkewedCoefficients,
    ic1: &mut [f32; 4],
    ic2: &mut [f32; 4],
    hp: [[f32; 2]; 4],
    (in_l, in_r): (*const f32, *const f32),
    (out_l, out_r): (*mut f32, *mut f32),
    pairs: usize,
) -> [[f32; 2]; 4] {
    let lanes = |h: [f32; 2]| [h[0], h[1], 0.0, 0.0];
    let (mut y0b, mut y1b) = (lanes(hp[0]), lanes(hp[1]));
    let (mut y0a, mut y1a) = (lanes(hp[2]), lanes(hp[3]));
    for p in 2..pairs {
        let i = 2 * p;
        let x0 = [*in_l.add(i), *in_r.add(i), y0b[0], y0b[1]];
        let x1 = [*in_l.add(i + 1), *in_r.add(i + 1), y1b[0], y1b[1]];
        let (mut y0, mut y1) = ([0.0f32; 4], [0.0f32; 4]);
        for lane in 0..4 {
            let (s1, s2) = (ic1[lane], ic2[lane]);
            y0[lane] = k.c1[lane] * s1 + k.c2[lane] * s2 + k.d[lane] * x0[lane];
            y1[lane] =
                k.e1[lane] * s1 + k.e2[lane] * s2 + (k.f[lane] * x0[lane] + k.d[lane] * x1[lane]);
            ic1[lane] = k.m11[lane] * s1
                + k.m12[lane] * s2
                + (k.n1[lane] * x0[lane] + k.b1[lane] * x1[lane]);
            ic2[lane] = k.m21[lane] * s1
                + k.m22[lane] * s2
                + (k.n2[lane] * x0[lane] + k.b2[lane] * x1[lane]);
        }
        *out_l.add(i - 4) = y0[2];
        *out_l.add(i - 3) = y1[2];
        *out_r.add(i - 4) = y0[3];
        *out_r.add(i - 3) = y1[3];
        (y0b, y1b, y0a, y1a) = (y0a, y1a, y0, y1);
    }
    let high = |v: [f32; 4]| [v[0], v[1]];
    [high(y0b), high(y1b), high(y0a), high(y1a)]
}

/// The two-step coefficients [`highpass_then_lowpass_stereo_cached_into`] derives from the four
/// filters' [`SvfCoefficients`] (a few dozen f64 operations per filter), kept between calls and
/// derived again only when a filter's coefficients change, so a caller that runs the chain in
/// short chunks does not pay for them per chunk. The samples are the same as without it.
#[derive(Debug, Clone, Default)]
pub struct ChainCoefficientCache {
    entry: Option<([SvfCoefficients; 4], SkewedCoefficients)>,
}

impl ChainCoefficientCache {
    /// An empty cache (the first call fills it).
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&mut self, filters: [&Svf; 4]) -> &SkewedCoefficients {
        let key = filters.map(|f| f.c);
        if !matches!(&self.entry, Some((k, _)) if *k == key) {
            let k = SkewedCoefficients::new([
                SvfTwoStep::new(&key[0], true),
                SvfTwoStep::new(&key[1], true),
                SvfTwoStep::new(&key[2], false),
                SvfTwoStep::new(&key[3], false),
            ]);
            self.entry = Some((key, k));
        }
        match &self.entry {
            Some((_, k)) => k,
            None => unreachable!("filled above"),
        }
    }
}

/// A high-pass followed by a low-pass on both channels of a stereo signal, in place: the same
/// filters as `lowpass[c].process_low(highpass[c].process_high(x))` per sample (equal up to
/// float rounding), computed as four lanes of one SIMD step per *pair* of samples in the
/// two-sample state-space form of `SvfTwoStep`, with the low-passes running one pair behind
/// the high-passes ("cascaded sections skewed"), so no lane waits for another within a step.
/// The filters' own states and coefficients are read and written back, so this mixes freely
/// with their per-sample methods (e.g. while one of them is being switched in). `simd` chooses
/// the kernel (see [`crate::simd`]; the caller keeps it, usually from [`Simd::current`]).
pub fn highpass_then_lowpass_stereo(
    simd: Simd,
    highpass: &mut [Svf; 2],
    lowpass: &mut [Svf; 2],
    left: &mut [f32],
    right: &mut [f32],
) {
    let n = left.len().min(right.len());
    let (l, r) = (left.as_mut_ptr(), right.as_mut_ptr());
    let cache = &mut ChainCoefficientCache::new();
    // SAFETY: both buffers hold `n` samples; each output is its own input.
    unsafe { chain_raw(simd, highpass, lowpass, cache, (l, r), (l, r), n) }
}

/// [`highpass_then_lowpass_stereo`] from `in_*` into `out_*` (saves a copy when the input must
/// be kept). Processes the common length of the four slices.
pub fn highpass_then_lowpass_stereo_into(
    simd: Simd,
    highpass: &mut [Svf; 2],
    lowpass: &mut [Svf; 2],
    (in_l, in_r): (&[f32], &[f32]),
    (out_l, out_r): (&mut [f32], &mut [f32]),
) {
    let cache = &mut ChainCoefficientCache::new();
    highpass_then_lowpass_stereo_cached_into(
        simd,
        highpass,
        lowpass,
        cache,
        (in_l, in_r),
        (out_l, out_r),
    );
}

/// [`highpass_then_lowpass_stereo_into`] with the derived coefficients kept in `cache` between
/// calls (see [`ChainCoefficientCache`]; one cache per pair of filter pairs).
pub fn highpass_then_lowpass_stereo_cached_into(
    simd: Simd,
    highpass: &mut [Svf; 2],
    lowpass: &mut [Svf; 2],
    cache: &mut ChainCoefficientCache,
    (in_l, in_r): (&[f32], &[f32]),
    (out_l, out_r): (&mut [f32], &mut [f32]),
) {
    let n = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
    // SAFETY: all four hold `n` samples; `&mut` outputs cannot overlap the `&` inputs.
    unsafe {
        chain_raw(
            simd,
            highpass,
            lowpass,
            cache,
            (in_l.as_ptr(), in_r.as_ptr()),
            (out_l.as_mut_ptr(), out_r.as_mut_ptr()),
            n,
        )
    }
}

/// # Safety
/// As for [`skewed_pairs`], for `n` samples.
unsafe fn chain_raw(
    simd: Simd,
    highpass: &mut [Svf; 2],
    lowpass: &mut [Svf; 2],
    cache: &mut ChainCoefficientCache,
    (in_l, in_r): (*const f32, *const f32),
    (out_l, out_r): (*mut f32, *mut f32),
    n: usize,
) {
    let [hl, hr] = highpass;
    let [ll, lr] = lowpass;
    let pairs = n / 2;
    let mut done = 0;
    if pairs >= 4 {
        // Prologue: the high-passes alone take the first two pairs.
        let mut hp = [[0.0f32; 2]; 4];
        for (i, h) in hp.iter_mut().enumerate() {
            *h = [hl.process_high(*in_l.add(i)), hr.process_high(*in_r.add(i))];
        }
        let filters = [&*hl, &*hr, &*ll, &*lr];
        let k = cache.get(filters);
        let mut ic1 = filters.map(|f| f.ic1);
        let mut ic2 = filters.map(|f| f.ic2);
        hp = skewed_pairs(
            simd,
            k,
            &mut ic1,
            &mut ic2,
            hp,
            (in_l, in_r),
            (out_l, out_r),
            pairs,
        );
        for (lane, filter) in [&mut *hl, &mut *hr, &mut *ll, &mut *lr]
            .into_iter()
            .enumerate()
        {
            filter.ic1 = ic1[lane];
            filter.ic2 = ic2[lane];
        }
        // Epilogue: the low-passes take the last two pairs.
        let start = 2 * pairs - 4;
        for (i, h) in hp.iter().enumerate() {
            *out_l.add(start + i) = ll.process_low(h[0]);
            *out_r.add(start + i) = lr.process_low(h[1]);
        }
        done = 2 * pairs;
    }
    // Short blocks and the odd last sample: per sample.
    for i in done..n {
        *out_l.add(i) = ll.process_low(hl.process_high(*in_l.add(i)));
        *out_r.add(i) = lr.process_low(hr.process_high(*in_r.add(i)));
    }
}

#[cfg(test)]
mod skewed_chain_tests {
    use super::*;

    fn noise_source(mut seed: u32) -> impl FnMut() -> f32 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as f32 / u32::MAX as f32 - 0.5
        }
    }

    /// Delay-style loop filters with different coefficients per channel.
    fn filters(fs: f32) -> ([Svf; 2], [Svf; 2]) {
        let mut f = ([Svf::new(), Svf::new()], [Svf::new(), Svf::new()]);
        f.0[0].set(100.0, 0.707, fs);
        f.0[1].set(180.0, 0.9, fs);
        f.1[0].set(8000.0, 0.707, fs);
        f.1[1].set(5000.0, 1.3, fs);
        f
    }

    /// The skewed four-lane state-space chain gives the samples of the plain per-sample SVF
    /// chain, across block boundaries and with different coefficients per filter, with every
    /// kernel this CPU runs. Tolerance 1e-6 absolute on signals of ±0.5: the two forms round
    /// differently, a wrong coefficient or a lane off by a sample is off by orders of
    /// magnitude more.
    #[test]
    fn matches_the_per_sample_chain() {
        for simd in Simd::supported() {
            matches_the_per_sample_chain_with(simd);
        }
    }

    fn matches_the_per_sample_chain_with(simd: Simd) {
        let fs = 48_000.0;
        let mut plain = filters(fs);
        let mut fused = plain.clone();
        let mut noise = noise_source(1);
        for (n, block) in [1usize, 2, 3, 4, 5, 8, 9, 10, 17, 64, 511, 512, 48_000, 7, 1]
            .into_iter()
            .enumerate()
        {
            let mut l: Vec<f32> = (0..block).map(|_| noise()).collect();
            let mut r: Vec<f32> = (0..block).map(|_| noise()).collect();
            let expected: Vec<(f32, f32)> = l
                .iter()
                .zip(&r)
                .map(|(&a, &b)| {
                    (
                        plain.1[0].process_low(plain.0[0].process_high(a)),
                        plain.1[1].process_low(plain.0[1].process_high(b)),
                    )
                })
                .collect();
            if n % 2 == 0 {
                highpass_then_lowpass_stereo(simd, &mut fused.0, &mut fused.1, &mut l, &mut r);
            } else {
                // Out of place, and the per-sample methods in between.
                let (mut ol, mut or) = (vec![0.0; block], vec![0.0; block]);
                highpass_then_lowpass_stereo_into(
                    simd,
                    &mut fused.0,
                    &mut fused.1,
                    (&l, &r),
                    (&mut ol, &mut or),
                );
                (l, r) = (ol, or);
                let (a, b) = (noise(), noise());
                let want = (
                    plain.1[0].process_low(plain.0[0].process_high(a)),
                    plain.1[1].process_low(plain.0[1].process_high(b)),
                );
                let got = (
                    fused.1[0].process_low(fused.0[0].process_high(a)),
                    fused.1[1].process_low(fused.0[1].process_high(b)),
                );
                assert!((want.0 - got.0).abs() < 1e-6 && (want.1 - got.1).abs() < 1e-6);
            }
            for (i, (e, got)) in expected.iter().zip(l.iter().zip(&r)).enumerate() {
                assert!(
                    (e.0 - got.0).abs() < 1e-6 && (e.1 - got.1).abs() < 1e-6,
                    "{simd:?}, block {block}, sample {i}: {e:?} vs ({}, {})",
                    got.0,
                    got.1
                );
            }
        }
    }

    /// The cached coefficients give the same samples as the ones derived per call, bit for
    /// bit, also when a filter's cutoff changes between calls (the cache must notice).
    #[test]
    fn cached_coefficients_give_the_same_samples() {
        let fs = 48_000.0;
        let simd = Simd::current();
        let mut fresh = filters(fs);
        let mut cached = fresh.clone();
        let mut cache = ChainCoefficientCache::new();
        let mut noise = noise_source(3);
        for (n, block) in [256usize, 256, 100, 256, 37, 256].into_iter().enumerate() {
            if n == 2 || n == 4 {
                let hz = 300.0 + 500.0 * n as f32;
                for f in [&mut fresh, &mut cached] {
                    f.0[1].set(hz, 0.707, fs);
                    f.1[0].set(4.0 * hz, 0.707, fs);
                }
            }
            let l: Vec<f32> = (0..block).map(|_| noise()).collect();
            let r: Vec<f32> = (0..block).map(|_| noise()).collect();
            let (mut al, mut ar) = (vec![0.0; block], vec![0.0; block]);
            let (mut bl, mut br) = (vec![0.0; block], vec![0.0; block]);
            highpass_then_lowpass_stereo_into(
                simd,
                &mut fresh.0,
                &mut fresh.1,
                (&l, &r),
                (&mut al, &mut ar),
            );
            highpass_then_lowpass_stereo_cached_into(
                simd,
                &mut cached.0,
                &mut cached.1,
                &mut cache,
                (&l, &r),
                (&mut bl, &mut br),
            );
            assert!(al.iter().any(|v| v.abs() > 0.01));
            assert_eq!((al, ar), (bl, br), "block {n}");
        }
    }

    /// Every SIMD kernel against the portable scalar one, on the same input and states. The
    /// SSE2 kernel without FMA performs the scalar kernel's operations in the same order, so
    /// it must agree bit for bit. The FMA kernel rounds each fused product once instead of
    /// twice: per step each lane output and state is a sum of at most four products, so the
    /// two differ by at most 4 half-ulps (2⁻²⁴ relative) of the terms per step, and the
    /// difference then decays through the filters' poles. The 100 Hz high-pass's poles at
    /// r ≈ 1 − 2π·100/48 000·0.707 ≈ 0.991 amplify a per-step error by at most Σ rⁿ ≈ 108, so
    /// on ±0.5 noise (states of order 1) the bound is 4 · 2⁻²⁴ · 108 ≈ 2.6e-5 absolute;
    /// tolerance 3e-5 (measured on AVX2 + FMA: 1.2e-7, one ulp at 1). A wrong lane or
    /// coefficient is off by the signal itself (≥ 1e-2).
    #[test]
    fn simd_kernels_agree_with_scalar() {
        for simd in crate::simd::levels_to_compare("filter skewed chain") {
            let fs = 48_000.0;
            let mut scalar = filters(fs);
            let mut vector = scalar.clone();
            let mut noise = noise_source(7);
            let mut worst = 0.0f32;
            for block in [64usize, 511, 4096, 48_000] {
                let l: Vec<f32> = (0..block).map(|_| noise()).collect();
                let r: Vec<f32> = (0..block).map(|_| noise()).collect();
                let (mut sl, mut sr) = (l.clone(), r.clone());
                let (mut vl, mut vr) = (l, r);
                let s = Simd::scalar();
                highpass_then_lowpass_stereo(s, &mut scalar.0, &mut scalar.1, &mut sl, &mut sr);
                highpass_then_lowpass_stereo(simd, &mut vector.0, &mut vector.1, &mut vl, &mut vr);
                for (a, b) in sl.iter().chain(&sr).zip(vl.iter().chain(&vr)) {
                    worst = worst.max((a - b).abs());
                }
            }
            if simd.has_avx_fma() {
                assert!(worst < 3e-5, "{simd:?}: {worst}");
            } else {
                assert_eq!(worst, 0.0, "{simd:?} differs from scalar");
            }
            eprintln!("{simd:?}: largest difference from scalar {worst:e}");
        }
    }
}
