//! Pan laws (mono source → stereo) and balance (stereo source).
//!
//! Pan law definitions follow the usual console conventions (Dannenberg,
//! "Panning laws", CMU ICM notes; Pulkki & Karjalainen, *Communication
//! Acoustics*, §18; Izhaki, *Mixing Audio*, ch. 13 "Panning"): the name is the
//! level of each side with the source panned to the centre.
//!
//! With `p ∈ [−1, 1]` (−1 = hard left):
//!
//! | law | left | right | centre |
//! | --- | --- | --- | --- |
//! | `Minus6Db` (linear) | `(1−p)/2` | `(1+p)/2` | −6.02 dB |
//! | `Minus3Db` (constant power, sine/cosine), θ = (p+1)·π/4 | `cos θ` | `sin θ` | −3.01 dB |
//! | `Minus4_5Db` (geometric mean of the two above) | `√(l_lin·l_cp)` | `√(r_lin·r_cp)` | −4.52 dB |
//! | `ZeroDb` (near side unity, far side linear) | `min(1, 1−p)` | `min(1, 1+p)` | 0 dB |
//!
//! Hard pan gives exactly 0.0 on the far side and exactly 1.0 on the near
//! side for every law (the cosine law is special-cased: `cos(π/2)` is not 0
//! in floating point).

/// Level of each side when a mono source is panned to the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PanLaw {
    /// Centre at unity: the near side stays at 1, the far side falls linearly.
    ZeroDb,
    /// Constant power (sine/cosine law), centre −3.01 dB.
    #[default]
    Minus3Db,
    /// Compromise law, geometric mean of −3 dB and −6 dB; centre −4.52 dB.
    Minus4_5Db,
    /// Linear (constant amplitude) law, centre −6.02 dB.
    Minus6Db,
}

impl PanLaw {
    /// All laws, e.g. for a parameter list.
    pub const ALL: [PanLaw; 4] = [
        PanLaw::ZeroDb,
        PanLaw::Minus3Db,
        PanLaw::Minus4_5Db,
        PanLaw::Minus6Db,
    ];

    /// Nominal centre level in dB (the law's name).
    pub fn centre_db(self) -> f32 {
        match self {
            PanLaw::ZeroDb => 0.0,
            PanLaw::Minus3Db => -3.0,
            PanLaw::Minus4_5Db => -4.5,
            PanLaw::Minus6Db => -6.0,
        }
    }
}

/// Clamps the pan position to [−1, 1]; NaN becomes centre.
#[inline]
fn clamp_pan(pan: f32) -> f32 {
    if pan.is_nan() {
        0.0
    } else {
        pan.clamp(-1.0, 1.0)
    }
}

/// Sine/cosine law with exact end points: (cos θ, sin θ), θ = (p+1)·π/4.
#[inline]
fn constant_power(p: f32) -> (f32, f32) {
    if p <= -1.0 {
        (1.0, 0.0)
    } else if p >= 1.0 {
        (0.0, 1.0)
    } else if p == 0.0 {
        (
            std::f32::consts::FRAC_1_SQRT_2,
            std::f32::consts::FRAC_1_SQRT_2,
        )
    } else {
        let theta = (p + 1.0) * std::f32::consts::FRAC_PI_4;
        let (s, c) = theta.sin_cos();
        (c, s)
    }
}

/// Gains `(left, right)` for a MONO source at `pan` (−1 hard left … +1 hard
/// right, clamped) under `law`.
pub fn pan_gains(law: PanLaw, pan: f32) -> (f32, f32) {
    let p = clamp_pan(pan);
    match law {
        PanLaw::ZeroDb => ((1.0 - p).min(1.0), (1.0 + p).min(1.0)),
        PanLaw::Minus6Db => ((1.0 - p) * 0.5, (1.0 + p) * 0.5),
        PanLaw::Minus3Db => constant_power(p),
        PanLaw::Minus4_5Db => {
            let (cl, cr) = constant_power(p);
            (((1.0 - p) * 0.5 * cl).sqrt(), ((1.0 + p) * 0.5 * cr).sqrt())
        }
    }
}

/// Gains `(left, right)` for a STEREO source: balance control.
///
/// The near side stays at exactly 1.0; the far side follows the law's
/// far-side curve normalised to 1 at centre, `far(p) = g_law(p) / g_law(0)`.
/// At `pan = 0` both gains are exactly 1.0; at ±1 the far side is 0.0.
/// (For `ZeroDb` and `Minus6Db` this normalised curve is the same straight
/// line `1 − |p|`.)
pub fn balance_gains(law: PanLaw, pan: f32) -> (f32, f32) {
    let p = clamp_pan(pan);
    if p == 0.0 {
        return (1.0, 1.0);
    }
    // By symmetry of every law, the far side at |p| is the left gain at +|p|.
    let far_at = |q: f32| {
        let centre = pan_gains(law, 0.0).0;
        (pan_gains(law, q).0 / centre).min(1.0)
    };
    if p > 0.0 {
        (far_at(p), 1.0)
    } else {
        (1.0, far_at(-p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::gain::gain_to_db;

    fn positions() -> impl Iterator<Item = f32> {
        (0..=200).map(|i| i as f32 / 100.0 - 1.0)
    }

    #[test]
    fn centre_levels() {
        // 20·log10(1/2) = −6.0206, 20·log10(1/√2) = −3.0103, their mean −4.5154.
        let cases = [
            (PanLaw::ZeroDb, 0.0),
            (PanLaw::Minus3Db, -3.0103),
            (PanLaw::Minus4_5Db, (-3.0103 - 6.0206) / 2.0),
            (PanLaw::Minus6Db, -6.0206),
        ];
        for (law, want) in cases {
            let (l, r) = pan_gains(law, 0.0);
            assert_eq!(l, r);
            assert!(
                (gain_to_db(l) - want).abs() < 0.01,
                "{law:?} {}",
                gain_to_db(l)
            );
        }
    }

    #[test]
    fn constant_power_is_constant() {
        for p in positions() {
            let (l, r) = pan_gains(PanLaw::Minus3Db, p);
            assert!((l * l + r * r - 1.0).abs() < 1e-6, "{p}");
        }
    }

    #[test]
    fn linear_sums_to_one() {
        for p in positions() {
            let (l, r) = pan_gains(PanLaw::Minus6Db, p);
            assert!((l + r - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn hard_pan_is_exact() {
        for law in PanLaw::ALL {
            assert_eq!(pan_gains(law, -1.0), (1.0, 0.0), "{law:?}");
            assert_eq!(pan_gains(law, 1.0), (0.0, 1.0), "{law:?}");
            // Out of range clamps.
            assert_eq!(pan_gains(law, 3.0), (0.0, 1.0));
            assert_eq!(balance_gains(law, -1.0), (1.0, 0.0));
            assert_eq!(balance_gains(law, 1.0), (0.0, 1.0));
        }
    }

    #[test]
    fn minus_4_5_is_geometric_mean() {
        for p in positions() {
            let (a, b) = pan_gains(PanLaw::Minus6Db, p);
            let (c, d) = pan_gains(PanLaw::Minus3Db, p);
            let (l, r) = pan_gains(PanLaw::Minus4_5Db, p);
            assert!((l - (a * c).sqrt()).abs() < 1e-6 && (r - (b * d).sqrt()).abs() < 1e-6);
        }
    }

    #[test]
    fn zero_db_law() {
        assert_eq!(pan_gains(PanLaw::ZeroDb, 0.5), (0.5, 1.0));
        assert_eq!(pan_gains(PanLaw::ZeroDb, -0.25), (1.0, 0.75));
    }

    #[test]
    fn balance() {
        for law in PanLaw::ALL {
            assert_eq!(balance_gains(law, 0.0), (1.0, 1.0));
            for p in positions() {
                let (l, r) = balance_gains(law, p);
                assert!((0.0..=1.0).contains(&l) && (0.0..=1.0).contains(&r));
                if p > 0.0 {
                    assert_eq!(r, 1.0);
                    let want = pan_gains(law, p).0 / pan_gains(law, 0.0).0;
                    assert!((l - want).abs() < 1e-6);
                } else if p < 0.0 {
                    assert_eq!(l, 1.0);
                }
            }
        }
        // Constant-power balance at p = 0.5: cos(3π/8)/cos(π/4) = 0.541196.
        let (l, _) = balance_gains(PanLaw::Minus3Db, 0.5);
        assert!((l - 0.541_196).abs() < 1e-5);
    }
}
