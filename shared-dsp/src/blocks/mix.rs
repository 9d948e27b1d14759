//! The output stage of a send-style effect (delay, reverb): the dry signal and the effect's
//! wet signal mixed by an equal-power law, the wet signal's width set in mid/side, an
//! optional per-sample ducking gain on the wet signal, and an output gain on both.
//!
//! ```text
//! out = dry·out_gain·x + W·(wet·out_gain)·(g·w)      g: ducking gain (1 without ducking)
//! dry = cos(mix·π/2), wet = sin(mix·π/2)              (equal power; wet only: dry 0, wet 1)
//! W   = ½·| 1+width  1−width |                          (mid/side: mid kept, side × width)
//!         | 1−width  1+width |
//! ```
//!
//! Equal power: `dry² + wet² = 1`, so uncorrelated dry and wet signals keep their summed
//! power at every mix position (the constant-power crossfade of Blumlein's pan pot; e.g.
//! Pirkle, *Designing Audio Effect Plugins in C++*, 2nd ed., §14 "wet/dry mix"). The width
//! matrix is `L' = M + width·S`, `R' = M − width·S` with `M = (L+R)/2`, `S = (L−R)/2`.
//!
//! The dry gain and the wet matrix ramp linearly over [`RAMP_MS`] ([`LinearRamp`],
//! [`RampedMatrix2`]), so no control clicks; when neither ramps, the whole stage is one pass
//! per sample with constant coefficients.

use crate::blocks::smoothing::{LinearRamp, Matrix2, RampedMatrix2};

/// Time for mix, width and output gain to glide to a new value.
pub const RAMP_MS: f32 = 20.0;

/// Dry and wet gains of the equal-power mix law (`cos`, `sin` of `mix·π/2`, `mix` 0..1);
/// with `wet_only` (for sends) dry 0 and wet 1. The ends are exact: mix 0 is dry only, mix 1
/// wet only (`cos(π/2)` is not exactly 0 in `f32`).
pub fn mix_gains(mix: f32, wet_only: bool) -> (f32, f32) {
    if wet_only {
        return (0.0, 1.0);
    }
    let a = mix.clamp(0.0, 1.0) * std::f32::consts::FRAC_PI_2;
    let (dry, wet) = (a.cos(), a.sin());
    (
        if mix >= 1.0 { 0.0 } else { dry },
        if mix <= 0.0 { 0.0 } else { wet },
    )
}

/// The mid/side width matrix `W` of the module docs (`width` 0 = mono, 1 = unchanged,
/// 2 = side doubled; clamped to 0..2).
pub fn width_matrix(width: f32) -> Matrix2 {
    let w = width.clamp(0.0, 2.0);
    let (same, cross) = (0.5 * (1.0 + w), 0.5 * (1.0 - w));
    Matrix2::new(same, cross, cross, same)
}

/// What the output stage is told per block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixSettings {
    /// Dry/wet 0..1 (equal power).
    pub mix: f32,
    /// No dry signal, wet at full level (for sends).
    pub wet_only: bool,
    /// Wet width 0..2 (1 = as the effect made it).
    pub width: f32,
    /// Output gain (linear).
    pub output_gain: f32,
}

impl Default for MixSettings {
    fn default() -> Self {
        Self {
            mix: 0.3,
            wet_only: false,
            width: 1.0,
            output_gain: 1.0,
        }
    }
}

impl MixSettings {
    /// (dry gain, wet matrix), both including the output gain.
    pub fn targets(&self) -> (f32, Matrix2) {
        let (dry, wet) = mix_gains(self.mix, self.wet_only);
        let out = self.output_gain.max(0.0);
        (dry * out, width_matrix(self.width).scale(wet * out))
    }
}

/// The ramped output stage (see the module docs).
#[derive(Debug, Clone)]
pub struct DryWetMix {
    /// Dry level × output gain.
    dry: LinearRamp,
    /// Width × wet level × output gain.
    wet: RampedMatrix2,
}

impl Default for DryWetMix {
    fn default() -> Self {
        Self::new()
    }
}

impl DryWetMix {
    /// Dry 0, wet unity, [`RAMP_MS`] ramps at 48 kHz.
    pub fn new() -> Self {
        let mut m = Self {
            dry: LinearRamp::new(),
            wet: RampedMatrix2::new(),
        };
        m.dry.set_ramp_time_ms(RAMP_MS);
        m.wet.set_ramp_time_ms(RAMP_MS);
        m
    }

    /// Ramp lengths for `sample_rate` (nothing to allocate).
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.dry.prepare(sample_rate, max_block);
        self.dry.set_ramp_time_ms(RAMP_MS);
        self.wet.prepare(sample_rate, max_block);
        self.wet.set_ramp_time_ms(RAMP_MS);
    }

    /// Ends any ramp at its target.
    pub fn reset(&mut self) {
        self.dry.reset(self.dry.target());
        self.wet.reset(self.wet.target());
    }

    /// New settings; the gains glide there over [`RAMP_MS`].
    pub fn set(&mut self, s: &MixSettings) {
        let (dry, wet) = s.targets();
        self.dry.set_target(dry);
        self.wet.set_target(wet);
    }

    /// New settings, jumped to without a ramp.
    pub fn snap(&mut self, s: &MixSettings) {
        let (dry, wet) = s.targets();
        self.dry.reset(dry);
        self.wet.reset(wet);
    }

    /// True while a gain glides.
    pub fn is_ramping(&self) -> bool {
        self.dry.is_ramping() || self.wet.is_ramping()
    }

    /// `left`/`right` hold the dry signal and receive the mix; `wet_l`/`wet_r` hold the wet
    /// signal (overwritten: scaled by `duck` and the matrix). `duck` is the per-sample ducking
    /// gain, `None` for none. All slices have the same length.
    #[inline]
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        wet_l: &mut [f32],
        wet_r: &mut [f32],
        duck: Option<&[f32]>,
    ) {
        let n = left
            .len()
            .min(right.len())
            .min(wet_l.len())
            .min(wet_r.len());
        let (left, right, wet_l, wet_r) = (
            &mut left[..n],
            &mut right[..n],
            &mut wet_l[..n],
            &mut wet_r[..n],
        );
        if let Some(gain) = duck {
            for ((l, r), g) in wet_l.iter_mut().zip(wet_r.iter_mut()).zip(gain) {
                *l *= g;
                *r *= g;
            }
        }
        if !self.is_ramping() {
            // Nothing ramps: wet matrix and dry mix in one pass (the same arithmetic as the
            // two passes below).
            let dry = self.dry.current();
            let m = self.wet.current();
            if m == Matrix2::IDENTITY {
                for ((x, y), (wl, wr)) in left
                    .iter_mut()
                    .zip(right.iter_mut())
                    .zip(wet_l.iter().zip(wet_r.iter()))
                {
                    *x = dry * *x + wl;
                    *y = dry * *y + wr;
                }
            } else {
                for ((x, y), (wl, wr)) in left
                    .iter_mut()
                    .zip(right.iter_mut())
                    .zip(wet_l.iter().zip(wet_r.iter()))
                {
                    let (a, b) = m.apply(*wl, *wr);
                    *x = dry * *x + a;
                    *y = dry * *y + b;
                }
            }
        } else if !self.dry.is_ramping() {
            self.wet.process(wet_l, wet_r);
            let dry = self.dry.current();
            for (x, w) in left.iter_mut().zip(wet_l.iter()) {
                *x = dry * *x + w;
            }
            for (x, w) in right.iter_mut().zip(wet_r.iter()) {
                *x = dry * *x + w;
            }
        } else {
            self.wet.process(wet_l, wet_r);
            for i in 0..n {
                let dry = self.dry.next();
                left[i] = dry * left[i] + wet_l[i];
                right[i] = dry * right[i] + wet_r[i];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 1000.0;

    fn settled(s: &MixSettings) -> DryWetMix {
        let mut m = DryWetMix::new();
        m.prepare(FS, 64);
        m.snap(s);
        m
    }

    #[test]
    fn mix_law_is_equal_power_with_exact_ends() {
        for k in 0..=20 {
            let mix = k as f32 / 20.0;
            let (d, w) = mix_gains(mix, false);
            assert!((d * d + w * w - 1.0).abs() < 1e-6, "{mix}: {d} {w}");
            let a = mix * std::f32::consts::FRAC_PI_2;
            assert!((d - a.cos()).abs() < 1e-6 && (w - a.sin()).abs() < 1e-6);
        }
        assert_eq!(mix_gains(0.0, false), (1.0, 0.0));
        assert_eq!(mix_gains(1.0, false), (0.0, 1.0));
        assert_eq!(mix_gains(0.5, true), (0.0, 1.0));
        // Half way: both at −3.01 dB.
        let (d, w) = mix_gains(0.5, false);
        assert!((d - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6 && (d - w).abs() < 1e-6);
    }

    #[test]
    fn width_keeps_mid_and_scales_side() {
        let (l, r) = (0.8f32, 0.2f32);
        let (mid, side) = (0.5 * (l + r), 0.5 * (l - r));
        for w in [0.0f32, 0.5, 1.0, 2.0] {
            let (a, b) = width_matrix(w).apply(l, r);
            assert!((0.5 * (a + b) - mid).abs() < 1e-6, "mid at width {w}");
            assert!((0.5 * (a - b) - w * side).abs() < 1e-6, "side at width {w}");
        }
        assert_eq!(width_matrix(1.0), Matrix2::IDENTITY);
        assert_eq!(width_matrix(5.0), width_matrix(2.0));
    }

    #[test]
    fn settled_output_is_the_formula() {
        let s = MixSettings {
            mix: 0.25,
            wet_only: false,
            width: 0.5,
            output_gain: 2.0,
        };
        let mut m = settled(&s);
        let (mut l, mut r) = (vec![0.5f32, -0.25], vec![0.1f32, 0.3]);
        let (mut wl, mut wr) = (vec![0.2f32, 0.6], vec![-0.4f32, 0.0]);
        let (x, y, a, b) = (l.clone(), r.clone(), wl.clone(), wr.clone());
        let duck = [0.5f32, 1.0];
        m.process(&mut l, &mut r, &mut wl, &mut wr, Some(&duck));
        let (dry, wet) = mix_gains(0.25, false);
        for i in 0..2 {
            let (wa, wb) = (a[i] * duck[i], b[i] * duck[i]);
            let (mid, side) = (0.5 * (wa + wb), 0.5 * (wa - wb) * 0.5);
            let want_l = 2.0 * (dry * x[i] + wet * (mid + side));
            let want_r = 2.0 * (dry * y[i] + wet * (mid - side));
            assert!((l[i] - want_l).abs() < 1e-6, "{i}: {} vs {want_l}", l[i]);
            assert!((r[i] - want_r).abs() < 1e-6, "{i}: {} vs {want_r}", r[i]);
        }
    }

    #[test]
    fn wet_only_drops_the_dry_signal() {
        let s = MixSettings {
            wet_only: true,
            ..MixSettings::default()
        };
        let mut m = settled(&s);
        let (mut l, mut r) = (vec![1.0f32; 4], vec![-1.0f32; 4]);
        let (mut wl, mut wr) = (vec![0.25f32; 4], vec![0.5f32; 4]);
        m.process(&mut l, &mut r, &mut wl, &mut wr, None);
        assert_eq!(l, vec![0.25; 4]);
        assert_eq!(r, vec![0.5; 4]);
    }

    #[test]
    fn changes_ramp_linearly_and_land_on_the_target() {
        // 20 ms at 1 kHz = 20 samples from all dry to all wet.
        let mut m = settled(&MixSettings {
            mix: 0.0,
            ..MixSettings::default()
        });
        m.set(&MixSettings {
            mix: 1.0,
            ..MixSettings::default()
        });
        assert!(m.is_ramping());
        let (mut l, mut r) = (vec![1.0f32; 30], vec![1.0f32; 30]);
        let (mut wl, mut wr) = (vec![0.0f32; 30], vec![0.0f32; 30]);
        m.process(&mut l, &mut r, &mut wl, &mut wr, None);
        for (i, v) in l.iter().enumerate() {
            let want = (1.0 - (i + 1) as f32 / 20.0).max(0.0);
            assert!((v - want).abs() < 1e-6, "{i}: {v} vs {want}");
        }
        assert!(!m.is_ramping());
        assert_eq!(r[29], 0.0);
        // The wet side ramps in over the same 20 samples.
        let (mut l, mut r) = (vec![0.0f32; 4], vec![0.0f32; 4]);
        let (mut wl, mut wr) = (vec![0.5f32; 4], vec![0.5f32; 4]);
        m.process(&mut l, &mut r, &mut wl, &mut wr, None);
        assert_eq!(l, vec![0.5; 4]);
    }
}
