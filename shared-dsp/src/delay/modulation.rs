//! Wow and flutter: slow and fast periodic modulation of a tape delay's read position.
//!
//! Each LFO is a quadrature oscillator (a rotating unit phasor, Smith, *Physical Audio
//! Signal Processing*, "Digital sinusoid generators", §"Coupled form"):
//!
//! ```text
//! [c, s] ← [c·cosΔ − s·sinΔ, s·cosΔ + c·sinΔ],   Δ = 2π·f/fs
//! ```
//!
//! four multiplies per sample, no transcendental function (cos/sin of Δ are computed when
//! the rate changes), renormalised to unit length once per block. The delay offset is
//!
//! ```text
//! offset = wow_depth·W·(1 − c_w)/2 + flutter_depth·F·(1 − c_f)/2   (samples, ≥ 0)
//! ```
//!
//! with full-depth excursions `W` = [`WOW_MAX_MS`], `F` = [`FLUTTER_MAX_MS`]. The offset is
//! never negative, so it never shortens the delay below its set value; both depths ramp so
//! moving them is click-free. The pitch deviation of a sinusoidal delay modulation of
//! peak-to-peak excursion `E` at rate `f` is `±π·f·E`: full wow at 0.6 Hz is ±0.57 %
//! (≈10 cents), full flutter at 7 Hz ±0.44 %.

use crate::blocks::smoothing::LinearRamp;

/// Peak-to-peak delay excursion of wow at 100 % depth.
pub const WOW_MAX_MS: f32 = 3.0;
/// Peak-to-peak delay excursion of flutter at 100 % depth.
pub const FLUTTER_MAX_MS: f32 = 0.2;

/// Quadrature sine oscillator (see the module docs).
#[derive(Debug, Clone)]
pub struct QuadratureLfo {
    sample_rate: f32,
    rate_hz: f32,
    c: f32,
    s: f32,
    rot_c: f32,
    rot_s: f32,
}

impl QuadratureLfo {
    /// At phase 0 (`c = 1`), 1 Hz, 48 kHz.
    pub fn new() -> Self {
        let mut o = Self {
            sample_rate: 48_000.0,
            rate_hz: 1.0,
            c: 1.0,
            s: 0.0,
            rot_c: 1.0,
            rot_s: 0.0,
        };
        o.update();
        o
    }

    /// Stores the rate and recomputes the rotation.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.update();
    }

    /// Back to phase 0.
    pub fn reset(&mut self) {
        self.c = 1.0;
        self.s = 0.0;
    }

    /// Frequency in Hz; the phase continues (no jump).
    pub fn set_rate(&mut self, hz: f32) {
        if hz != self.rate_hz && hz.is_finite() {
            self.rate_hz = hz;
            self.update();
        }
    }

    fn update(&mut self) {
        let w = 2.0 * std::f64::consts::PI * self.rate_hz as f64 / self.sample_rate as f64;
        self.rot_c = w.cos() as f32;
        self.rot_s = w.sin() as f32;
    }

    /// Advances one sample; returns `cos φ`.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)] // an endless oscillator, not an Iterator
    pub fn next(&mut self) -> f32 {
        let c = self.c * self.rot_c - self.s * self.rot_s;
        let s = self.s * self.rot_c + self.c * self.rot_s;
        self.c = c;
        self.s = s;
        c
    }

    /// Pulls the phasor back to unit length (call once per block).
    pub fn renormalise(&mut self) {
        let r = (self.c * self.c + self.s * self.s).sqrt();
        if r > 0.0 && r.is_finite() {
            self.c /= r;
            self.s /= r;
        } else {
            self.reset();
        }
    }
}

impl Default for QuadratureLfo {
    fn default() -> Self {
        Self::new()
    }
}

/// Wow + flutter delay modulation in samples (see the module docs).
#[derive(Debug, Clone)]
pub struct WowFlutter {
    sample_rate: f32,
    wow: QuadratureLfo,
    flutter: QuadratureLfo,
    /// Depths as peak-to-peak excursion in samples.
    wow_depth: LinearRamp,
    flutter_depth: LinearRamp,
}

impl Default for WowFlutter {
    fn default() -> Self {
        Self::new()
    }
}

impl WowFlutter {
    /// Depth 0, 48 kHz.
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            wow: QuadratureLfo::new(),
            flutter: QuadratureLfo::new(),
            wow_depth: LinearRamp::new(),
            flutter_depth: LinearRamp::new(),
        }
    }

    /// Stores the rate for the LFOs and ramps.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.wow.prepare(sample_rate, max_block);
        self.flutter.prepare(sample_rate, max_block);
        self.wow_depth.prepare(sample_rate, max_block);
        self.flutter_depth.prepare(sample_rate, max_block);
        self.reset();
    }

    /// LFO phases back to 0; depths jump to their targets.
    pub fn reset(&mut self) {
        self.wow.reset();
        self.flutter.reset();
        self.wow_depth.reset(self.wow_depth.target());
        self.flutter_depth.reset(self.flutter_depth.target());
    }

    /// Depths 0..1 of full wow / flutter, and the two rates in Hz.
    pub fn set(&mut self, wow_depth: f32, wow_hz: f32, flutter_depth: f32, flutter_hz: f32) {
        let ms_to_samples = self.sample_rate * 0.001;
        self.wow_depth
            .set_target(wow_depth.clamp(0.0, 1.0) * WOW_MAX_MS * ms_to_samples);
        self.flutter_depth
            .set_target(flutter_depth.clamp(0.0, 1.0) * FLUTTER_MAX_MS * ms_to_samples);
        self.wow.set_rate(wow_hz);
        self.flutter.set_rate(flutter_hz);
    }

    /// Jumps the depths to their targets (e.g. while asleep).
    pub fn snap(&mut self) {
        self.wow_depth.reset(self.wow_depth.target());
        self.flutter_depth.reset(self.flutter_depth.target());
    }

    /// True if any modulation is sounding or ramping.
    pub fn is_active(&self) -> bool {
        self.wow_depth.current() != 0.0
            || self.wow_depth.is_ramping()
            || self.flutter_depth.current() != 0.0
            || self.flutter_depth.is_ramping()
    }

    /// Largest offset the current settings can produce (samples).
    pub fn max_offset_samples(&self) -> f32 {
        self.wow_depth.current().max(self.wow_depth.target())
            + self
                .flutter_depth
                .current()
                .max(self.flutter_depth.target())
    }

    /// Writes the delay offset (samples, ≥ 0) for each sample of `out`.
    pub fn fill(&mut self, out: &mut [f32]) {
        for o in out.iter_mut() {
            let w = 0.5 * (1.0 - self.wow.next());
            let f = 0.5 * (1.0 - self.flutter.next());
            *o = self.wow_depth.next() * w + self.flutter_depth.next() * f;
        }
        self.wow.renormalise();
        self.flutter.renormalise();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfo_frequency_and_amplitude() {
        let mut o = QuadratureLfo::new();
        o.prepare(48_000.0, 512);
        o.set_rate(5.0);
        // 10 s: 50 periods; count upward zero crossings of cos.
        let mut prev = 1.0f32;
        let mut crossings = 0;
        let mut peak = 0.0f32;
        for n in 0..480_000 {
            let c = o.next();
            if prev < 0.0 && c >= 0.0 {
                crossings += 1;
            }
            prev = c;
            peak = peak.max(c.abs());
            if n % 512 == 511 {
                o.renormalise();
            }
        }
        assert_eq!(crossings, 50);
        assert!((peak - 1.0).abs() < 1e-4, "{peak}");
    }

    #[test]
    fn offset_is_within_the_depths() {
        let fs = 48_000.0;
        let mut m = WowFlutter::new();
        m.prepare(fs, 512);
        assert!(!m.is_active());
        m.set(1.0, 0.5, 1.0, 7.0);
        let mut out = vec![0.0; 512];
        let (mut lo, mut hi) = (f32::MAX, 0.0f32);
        for _ in 0..(2 * 48_000 / 512) {
            m.fill(&mut out);
            for v in &out {
                lo = lo.min(*v);
                hi = hi.max(*v);
            }
        }
        let full = (WOW_MAX_MS + FLUTTER_MAX_MS) * fs * 0.001;
        assert!(lo >= 0.0);
        assert!(hi <= full + 1e-3 && hi > 0.95 * full, "{hi} vs {full}");
        assert!((m.max_offset_samples() - full).abs() < 1e-3);
    }

    #[test]
    fn rate_change_keeps_the_phase_continuous() {
        let mut o = QuadratureLfo::new();
        o.prepare(48_000.0, 512);
        o.set_rate(2.0);
        let mut prev = o.next();
        for n in 0..96_000 {
            if n == 30_000 {
                o.set_rate(15.0);
            }
            let c = o.next();
            // Max step of cos at 15 Hz: 2π·15/48000 ≈ 0.002.
            assert!((c - prev).abs() < 0.0025);
            prev = c;
        }
    }
}
