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
/// tick). The SVF's own update is a chain of five dependent operations per sample; this one is
/// three (one multiply, two adds), which is what bounds a recursive filter's speed. Same
/// states, same transfer function, so it can take over from (and hand back to) an [`Svf`]
/// between any two samples.
#[derive(Clone, Copy, Debug)]
struct SvfStateSpace {
    /// `ic1' = a11·ic1 + a12·ic2 + b1·x`
    a11: f32,
    a12: f32,
    b1: f32,
    /// `ic2' = a21·ic1 + a22·ic2 + b2·x`
    a21: f32,
    a22: f32,
    b2: f32,
    /// `y = c1·ic1 + c2·ic2 + d·x`
    c1: f32,
    c2: f32,
    d: f32,
}

impl SvfStateSpace {
    /// From `ic1' = 2·v1 − ic1`, `ic2' = 2·v2 − ic2` with `v1 = a1·ic1 + a2·(x − ic2)`,
    /// `v2 = ic2 + a2·ic1 + a3·(x − ic2)`; low = v2, high = x − k·v1 − v2.
    fn new(c: &SvfCoefficients, highpass: bool) -> Self {
        let (a1, a2, a3, k) = (c.a1, c.a2, c.a3, c.k);
        let (c1, c2, d) = if highpass {
            (-k * a1 - a2, k * a2 - 1.0 + a3, 1.0 - k * a2 - a3)
        } else {
            (a2, 1.0 - a3, a3)
        };
        Self {
            a11: 2.0 * a1 - 1.0,
            a12: -2.0 * a2,
            b1: 2.0 * a2,
            a21: 2.0 * a2,
            a22: 1.0 - 2.0 * a3,
            b2: 2.0 * a3,
            c1,
            c2,
            d,
        }
    }
}

/// Per-lane coefficients of [`SvfStateSpace`] for the four skewed lanes.
struct SkewedCoefficients {
    a11: [f32; 4],
    a12: [f32; 4],
    b1: [f32; 4],
    a21: [f32; 4],
    a22: [f32; 4],
    b2: [f32; 4],
    c1: [f32; 4],
    c2: [f32; 4],
    d: [f32; 4],
}

/// Samples 1.. of [`highpass_then_lowpass_stereo`]: lanes 0, 1 high-pass sample i, lanes 2, 3
/// low-pass sample i − 1 (their input is the high-pass output of the previous step). Writes the
/// low-pass outputs to `left/right[i − 1]` and returns the high-pass outputs of the last sample.
/// SSE is part of x86_64 itself, so this needs no run-time detection.
#[cfg(target_arch = "x86_64")]
fn skewed_lanes(
    k: &SkewedCoefficients,
    ic1: &mut [f32; 4],
    ic2: &mut [f32; 4],
    hp_prev: [f32; 2],
    left: &mut [f32],
    right: &mut [f32],
) -> [f32; 2] {
    use std::arch::x86_64::*;
    let n = left.len().min(right.len());
    // SAFETY: SSE/SSE2 are baseline on x86_64; loads and stores go through arrays and
    // bounds-checked slice indexing.
    unsafe {
        let load = |a: &[f32; 4]| _mm_loadu_ps(a.as_ptr());
        let (a11, a12, b1) = (load(&k.a11), load(&k.a12), load(&k.b1));
        let (a21, a22, b2) = (load(&k.a21), load(&k.a22), load(&k.b2));
        let (c1, c2, d) = (load(&k.c1), load(&k.c2), load(&k.d));
        let mut s1 = load(ic1);
        let mut s2 = load(ic2);
        // y holds the previous step's outputs; lanes 0, 1 are the high-pass outputs.
        let mut y = _mm_setr_ps(hp_prev[0], hp_prev[1], 0.0, 0.0);
        for i in 1..n {
            // x = [left[i], right[i], y0, y1]
            let lr = _mm_unpacklo_ps(_mm_set_ss(left[i]), _mm_set_ss(right[i]));
            let x = _mm_movelh_ps(lr, y);
            y = _mm_add_ps(
                _mm_add_ps(_mm_mul_ps(c1, s1), _mm_mul_ps(c2, s2)),
                _mm_mul_ps(d, x),
            );
            let next1 = _mm_add_ps(
                _mm_add_ps(_mm_mul_ps(a11, s1), _mm_mul_ps(a12, s2)),
                _mm_mul_ps(b1, x),
            );
            s2 = _mm_add_ps(
                _mm_add_ps(_mm_mul_ps(a21, s1), _mm_mul_ps(a22, s2)),
                _mm_mul_ps(b2, x),
            );
            s1 = next1;
            let mut out = [0.0f32; 4];
            _mm_storeu_ps(out.as_mut_ptr(), y);
            left[i - 1] = out[2];
            right[i - 1] = out[3];
        }
        _mm_storeu_ps(ic1.as_mut_ptr(), s1);
        _mm_storeu_ps(ic2.as_mut_ptr(), s2);
        let mut out = [0.0f32; 4];
        _mm_storeu_ps(out.as_mut_ptr(), y);
        [out[0], out[1]]
    }
}

/// Portable version of the x86_64 kernel above: the same arithmetic lane by lane.
#[cfg(not(target_arch = "x86_64"))]
fn skewed_lanes(
    k: &SkewedCoefficients,
    ic1: &mut [f32; 4],
    ic2: &mut [f32; 4],
    mut hp_prev: [f32; 2],
    left: &mut [f32],
    right: &mut [f32],
) -> [f32; 2] {
    let n = left.len().min(right.len());
    for i in 1..n {
        let x = [left[i], right[i], hp_prev[0], hp_prev[1]];
        let mut y = [0.0f32; 4];
        for lane in 0..4 {
            y[lane] = k.c1[lane] * ic1[lane] + k.c2[lane] * ic2[lane] + k.d[lane] * x[lane];
            let next1 = k.a11[lane] * ic1[lane] + k.a12[lane] * ic2[lane] + k.b1[lane] * x[lane];
            ic2[lane] = k.a21[lane] * ic1[lane] + k.a22[lane] * ic2[lane] + k.b2[lane] * x[lane];
            ic1[lane] = next1;
        }
        left[i - 1] = y[2];
        right[i - 1] = y[3];
        hp_prev = [y[0], y[1]];
    }
    hp_prev
}

/// A high-pass followed by a low-pass on both channels of a stereo signal, in place: the same
/// filters as `lowpass[c].process_low(highpass[c].process_high(x))` per sample (equal up to
/// float rounding), computed as four lanes of one SIMD step in the state-space form of
/// [`SvfStateSpace`], with the low-passes running one sample behind the high-passes
/// ("cascaded sections skewed by a sample"), so no lane waits for another within a step. The
/// filters' own states and coefficients are read and written back, so this mixes freely with
/// their per-sample methods (e.g. while one of them is being switched in).
pub fn highpass_then_lowpass_stereo(
    highpass: &mut [Svf; 2],
    lowpass: &mut [Svf; 2],
    left: &mut [f32],
    right: &mut [f32],
) {
    let n = left.len().min(right.len());
    if n == 0 {
        return;
    }
    // Prologue: the high-passes alone take sample 0.
    let mut hp_prev = [
        highpass[0].process_high(left[0]),
        highpass[1].process_high(right[0]),
    ];
    let lanes = [
        SvfStateSpace::new(&highpass[0].c, true),
        SvfStateSpace::new(&highpass[1].c, true),
        SvfStateSpace::new(&lowpass[0].c, false),
        SvfStateSpace::new(&lowpass[1].c, false),
    ];
    let coefficient = |f: fn(&SvfStateSpace) -> f32| lanes.map(|l| f(&l));
    let (a11, a12, b1) = (
        coefficient(|l| l.a11),
        coefficient(|l| l.a12),
        coefficient(|l| l.b1),
    );
    let (a21, a22, b2) = (
        coefficient(|l| l.a21),
        coefficient(|l| l.a22),
        coefficient(|l| l.b2),
    );
    let (c1, c2, d) = (
        coefficient(|l| l.c1),
        coefficient(|l| l.c2),
        coefficient(|l| l.d),
    );
    let filters = [&highpass[0], &highpass[1], &lowpass[0], &lowpass[1]];
    let mut ic1 = filters.map(|f| f.ic1);
    let mut ic2 = filters.map(|f| f.ic2);
    let coefficients = SkewedCoefficients {
        a11,
        a12,
        b1,
        a21,
        a22,
        b2,
        c1,
        c2,
        d,
    };
    hp_prev = skewed_lanes(&coefficients, &mut ic1, &mut ic2, hp_prev, left, right);
    for (lane, filter) in highpass.iter_mut().chain(lowpass.iter_mut()).enumerate() {
        filter.ic1 = ic1[lane];
        filter.ic2 = ic2[lane];
    }
    // Epilogue: the low-passes take the last sample.
    left[n - 1] = lowpass[0].process_low(hp_prev[0]);
    right[n - 1] = lowpass[1].process_low(hp_prev[1]);
}

#[cfg(test)]
mod skewed_chain_tests {
    use super::*;

    /// The skewed four-lane state-space chain gives the samples of the plain per-sample SVF
    /// chain, across block boundaries and with different coefficients per filter. Tolerance
    /// 1e-6 absolute on signals of ±0.5: the two forms round differently, a wrong coefficient
    /// or a lane off by a sample is off by orders of magnitude more.
    #[test]
    fn matches_the_per_sample_chain() {
        let fs = 48_000.0;
        let mut plain = ([Svf::new(), Svf::new()], [Svf::new(), Svf::new()]);
        plain.0[0].set(100.0, 0.707, fs);
        plain.0[1].set(180.0, 0.9, fs);
        plain.1[0].set(8000.0, 0.707, fs);
        plain.1[1].set(5000.0, 1.3, fs);
        let mut fused = plain.clone();
        let mut seed = 1u32;
        let mut noise = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as f32 / u32::MAX as f32 - 0.5
        };
        for block in [1usize, 2, 17, 64, 512, 48_000] {
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
            highpass_then_lowpass_stereo(&mut fused.0, &mut fused.1, &mut l, &mut r);
            for (i, (e, got)) in expected.iter().zip(l.iter().zip(&r)).enumerate() {
                assert!(
                    (e.0 - got.0).abs() < 1e-6 && (e.1 - got.1).abs() < 1e-6,
                    "block {block}, sample {i}: {e:?} vs ({}, {})",
                    got.0,
                    got.1
                );
            }
        }
    }
}
