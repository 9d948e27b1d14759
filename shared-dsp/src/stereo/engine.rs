//! Gel Panner's whole signal path: the mono-maker ([`MonoMaker`]), crossfaded in and out so
//! its switch never clicks, then polarity, swap, width, pan and output gain as one ramped 2×2
//! matrix ([`placement_matrix`], [`RampedMatrix2`]).
//!
//! ```text
//! y   = x + m·(MonoMaker(x) − x)          m: 0 = mono-maker off, 1 = in (ramped, 20 ms)
//! out = P·y                               P: placement matrix (ramped, 20 ms)
//! ```
//!
//! The crossover frequency glides geometrically, at most 1/16 octave per
//! [`CROSSOVER_UPDATE_INTERVAL`] samples (the TPT filters stay stable and quiet under
//! coefficient steps; 32 samples is under 1 ms at 44.1 kHz). Bypassed (m = 0, not ramping) the
//! mono-maker costs nothing, and an identity matrix leaves the signal bit-exact.

use crate::blocks::smoothing::{LinearRamp, RampedMatrix2};
use crate::stereo::mono_maker::MonoMaker;
use crate::stereo::stereo_placement::{placement_matrix, PlacementSettings};

/// Time for every control to glide to a new value: long enough that a switch (swap, polarity,
/// mode) is a short crossfade rather than a click, short enough to feel immediate.
pub const RAMP_MS: f32 = 20.0;

/// The mono-maker's crossover frequency is recomputed at most this often (samples).
pub const CROSSOVER_UPDATE_INTERVAL: usize = 32;

/// Everything the engine is told per block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PannerSettings {
    /// Polarity, swap, width, pan, law, output gain and the mono-input flag.
    pub placement: PlacementSettings,
    /// Mono-maker on (ignored for a mono input, which has no side signal).
    pub mono_maker: bool,
    /// Mono-maker crossover (Hz).
    pub mono_frequency_hz: f32,
}

impl Default for PannerSettings {
    fn default() -> Self {
        Self {
            placement: PlacementSettings::default(),
            mono_maker: false,
            mono_frequency_hz: 120.0,
        }
    }
}

impl PannerSettings {
    fn mono_maker_target(&self) -> f32 {
        if self.mono_maker && !self.placement.mono_input {
            1.0
        } else {
            0.0
        }
    }
}

/// The panner engine (see the module docs).
#[derive(Debug, Clone)]
pub struct PannerEngine {
    sample_rate: f32,
    matrix: RampedMatrix2,
    mono_maker: MonoMaker,
    /// `m` of the module docs.
    mono_maker_mix: LinearRamp,
    /// Where the crossover is now, and where it glides to.
    crossover_hz: f32,
    crossover_target_hz: f32,
    /// The mono-maker's own output while it is crossfaded with the dry signal.
    scratch: [[f32; CROSSOVER_UPDATE_INTERVAL]; 2],
}

impl Default for PannerEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl PannerEngine {
    /// Identity placement, mono-maker off, 48 kHz.
    pub fn new() -> Self {
        // The input guard (blocks::guard::sanitize) picks its kernel from the process-wide SIMD
        // level, which reads GEL_FORCE_SCALAR on first use. That read allocates on Windows (the
        // name is converted to UTF-16), so it must happen here, off the audio thread: every
        // other engine already reads the level when it is created.
        let _ = crate::simd::Simd::current();
        let mut e = Self {
            sample_rate: 48_000.0,
            matrix: RampedMatrix2::new(),
            mono_maker: MonoMaker::new(),
            mono_maker_mix: LinearRamp::new(),
            crossover_hz: 120.0,
            crossover_target_hz: 120.0,
            scratch: [[0.0; CROSSOVER_UPDATE_INTERVAL]; 2],
        };
        e.matrix.set_ramp_time_ms(RAMP_MS);
        e.mono_maker_mix.set_ramp_time_ms(RAMP_MS);
        e
    }

    /// Ramp lengths and filter coefficients for `sample_rate`; clears the filters.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.matrix.prepare(sample_rate, max_block);
        self.matrix.set_ramp_time_ms(RAMP_MS);
        self.mono_maker_mix.prepare(sample_rate, max_block);
        self.mono_maker_mix.set_ramp_time_ms(RAMP_MS);
        self.mono_maker.prepare(sample_rate, max_block);
    }

    /// Clears the filter state (e.g. after a non-finite input); settings and glides stay.
    pub fn reset(&mut self) {
        self.mono_maker.reset();
    }

    /// New settings; everything glides there.
    pub fn set(&mut self, s: &PannerSettings) {
        self.matrix.set_target(placement_matrix(&s.placement));
        let mix_target = s.mono_maker_target();
        if self.mono_maker_mix.target() != mix_target {
            if self.mono_maker_mix.current() == 0.0 {
                // Coming in from bypass: start the filters from rest.
                self.mono_maker.reset();
            }
            self.mono_maker_mix.set_target(mix_target);
        }
        self.crossover_target_hz = s.mono_frequency_hz;
    }

    /// New settings, jumped to without any glide (after a reset, or while nothing sounds).
    pub fn snap(&mut self, s: &PannerSettings) {
        self.matrix.reset(placement_matrix(&s.placement));
        self.mono_maker_mix.reset(s.mono_maker_target());
        self.crossover_hz = s.mono_frequency_hz;
        self.crossover_target_hz = s.mono_frequency_hz;
        self.mono_maker.set_frequency(s.mono_frequency_hz);
    }

    fn mono_maker_running(&self) -> bool {
        self.mono_maker_mix.current() > 0.0 || self.mono_maker_mix.is_ramping()
    }

    /// Processes one block in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        if self.mono_maker_running() {
            self.process_mono_maker(left, right);
        }
        self.matrix.process(left, right);
    }

    /// A block of silent input once the tail has rung out: silence out, the filters cleared and
    /// every glide at its target (there is nothing to glide on).
    pub fn sleep(&mut self, s: &PannerSettings, left: &mut [f32], right: &mut [f32]) {
        left.fill(0.0);
        right.fill(0.0);
        self.mono_maker.reset();
        self.snap(s);
    }

    /// How long the output can ring after the input stops: the mono-maker's filters (120 dB),
    /// 0 while it is bypassed (the matrix has no memory).
    pub fn tail_samples(&self) -> u64 {
        if self.mono_maker_running() {
            MonoMaker::tail_samples(self.crossover_hz, self.sample_rate) as u64
        } else {
            0
        }
    }

    /// Mono-maker on `left`/`right` in place, crossfaded with the dry signal by
    /// `mono_maker_mix`.
    fn process_mono_maker(&mut self, left: &mut [f32], right: &mut [f32]) {
        let fully_in = !self.mono_maker_mix.is_ramping() && self.mono_maker_mix.current() >= 1.0;
        for (l, r) in left
            .chunks_mut(CROSSOVER_UPDATE_INTERVAL)
            .zip(right.chunks_mut(CROSSOVER_UPDATE_INTERVAL))
        {
            self.glide_crossover();
            if fully_in {
                self.mono_maker.process(l, r);
                continue;
            }
            let n = l.len();
            let [wet_l, wet_r] = &mut self.scratch;
            let (wet_l, wet_r) = (&mut wet_l[..n], &mut wet_r[..n]);
            wet_l.copy_from_slice(l);
            wet_r.copy_from_slice(r);
            self.mono_maker.process(wet_l, wet_r);
            for i in 0..n {
                let mix = self.mono_maker_mix.next();
                l[i] += mix * (wet_l[i] - l[i]);
                r[i] += mix * (wet_r[i] - r[i]);
            }
        }
    }

    /// One step of the crossover glide: equal steps in octaves, at most 1/16 octave.
    fn glide_crossover(&mut self) {
        let target = self.crossover_target_hz;
        if self.crossover_hz == target {
            return;
        }
        let step_ratio =
            (target / self.crossover_hz).clamp(0.5f32.powf(1.0 / 16.0), 2.0f32.powf(1.0 / 16.0));
        let next = self.crossover_hz * step_ratio;
        self.crossover_hz = if (next - target).abs() < 0.01 {
            target
        } else {
            next
        };
        self.mono_maker.set_frequency(self.crossover_hz);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::smoothing::Matrix2;
    use crate::stereo::pan::PanLaw;
    use crate::stereo::stereo_placement::PanMode;

    const FS: f32 = 48_000.0;

    fn engine(s: &PannerSettings) -> PannerEngine {
        let mut e = PannerEngine::new();
        e.prepare(FS, 512);
        e.snap(s);
        e
    }

    /// `n` samples of noise at ±0.25 from the unit tests' shared generator.
    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut rng = crate::test_util::XorShift32(seed);
        (0..n).map(|_| 0.25 * rng.next_bipolar()).collect()
    }

    #[test]
    fn default_settings_are_bit_exact_and_have_no_tail() {
        let mut e = engine(&PannerSettings::default());
        let (mut l, mut r) = (noise(300, 1), noise(300, 2));
        let (l0, r0) = (l.clone(), r.clone());
        e.process(&mut l, &mut r);
        assert_eq!((l, r), (l0, r0));
        assert_eq!(e.tail_samples(), 0);
    }

    #[test]
    fn settled_output_is_the_placement_matrix() {
        let s = PannerSettings {
            placement: PlacementSettings {
                mode: PanMode::StereoPan,
                law: PanLaw::Minus3Db,
                pan: 0.4,
                width: 0.7,
                invert_right: true,
                output_gain: 0.8,
                ..PlacementSettings::default()
            },
            ..PannerSettings::default()
        };
        let m: Matrix2 = placement_matrix(&s.placement);
        let mut e = engine(&s);
        let (mut l, mut r) = (noise(64, 3), noise(64, 4));
        let (l0, r0) = (l.clone(), r.clone());
        e.process(&mut l, &mut r);
        for i in 0..64 {
            let (a, b) = m.apply(l0[i], r0[i]);
            assert!((l[i] - a).abs() < 1e-6 && (r[i] - b).abs() < 1e-6, "{i}");
        }
    }

    #[test]
    fn mono_maker_removes_the_side_below_the_crossover_and_reports_its_tail() {
        let s = PannerSettings {
            mono_maker: true,
            mono_frequency_hz: 200.0,
            ..PannerSettings::default()
        };
        let mut e = engine(&s);
        assert_eq!(
            e.tail_samples(),
            MonoMaker::tail_samples(200.0, FS) as u64,
            "the crossover rings"
        );
        // 30 Hz in antiphase is all side: far below 200 Hz, LR4 takes it down ≥ 50 dB.
        let n = 48_000;
        let sine: Vec<f32> = (0..n)
            .map(|i| 0.5 * (std::f32::consts::TAU * 30.0 * i as f32 / FS).sin())
            .collect();
        let (mut l, mut r) = (sine.clone(), sine.iter().map(|x| -x).collect::<Vec<_>>());
        e.process(&mut l, &mut r);
        let peak = l[n / 2..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(20.0 * (peak / 0.5).log10() < -50.0, "side left: {peak}");
        // A mono input has no side: the mono-maker stays out.
        let mut mono = s;
        mono.placement.mono_input = true;
        assert_eq!(engine(&mono).tail_samples(), 0);
    }

    #[test]
    fn switching_the_mono_maker_crossfades_linearly_over_the_ramp() {
        let off = PannerSettings::default();
        let on = PannerSettings {
            mono_maker: true,
            ..off
        };
        let mut e = engine(&off);
        e.set(&on);
        let ramp = (RAMP_MS * 0.001 * FS) as usize;
        let (x_l, x_r) = (noise(2 * ramp, 5), noise(2 * ramp, 6));
        let (mut l, mut r) = (x_l.clone(), x_r.clone());
        e.process(&mut l, &mut r);
        // y = x + m·(MonoMaker(x) − x), m rising by 1/ramp per sample from rest.
        let mut reference = MonoMaker::new();
        reference.prepare(FS, 512);
        reference.set_frequency(on.mono_frequency_hz);
        let (mut m_l, mut m_r) = (x_l.clone(), x_r.clone());
        reference.process(&mut m_l, &mut m_r);
        for i in 0..2 * ramp {
            let m = ((i + 1) as f32 / ramp as f32).min(1.0);
            let want_l = x_l[i] + m * (m_l[i] - x_l[i]);
            let want_r = x_r[i] + m * (m_r[i] - x_r[i]);
            assert!((l[i] - want_l).abs() < 1e-5, "{i}: {} vs {want_l}", l[i]);
            assert!((r[i] - want_r).abs() < 1e-5, "{i}");
        }
    }

    #[test]
    fn crossover_glides_in_sixteenth_octaves() {
        let s = PannerSettings {
            mono_maker: true,
            mono_frequency_hz: 100.0,
            ..PannerSettings::default()
        };
        let mut e = engine(&s);
        e.set(&PannerSettings {
            mono_frequency_hz: 400.0,
            ..s
        });
        let (mut l, mut r) = (vec![0.0f32; 32], vec![0.0f32; 32]);
        e.process(&mut l, &mut r);
        assert!((e.crossover_hz - 100.0 * 2.0f32.powf(1.0 / 16.0)).abs() < 1e-3);
        // Two octaves = 32 steps of 32 samples.
        let (mut l, mut r) = (vec![0.0f32; 31 * 32], vec![0.0f32; 31 * 32]);
        e.process(&mut l, &mut r);
        assert_eq!(e.crossover_hz, 400.0);
    }
}
