//! Analog (s-domain) prototypes of every Gel EQ band type.
//!
//! All sections are written in the normalised variable `s = jω/ω0`
//! (`u = f/f0` on the jω axis), as
//! `H(s) = (n0 + n1·s + n2·s²)/(d0 + d1·s + d2·s²)`.
//!
//! Sources: R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad
//! filter coefficients" (the analog prototypes at the top of that note) for
//! bell, shelves, notch and band pass; S. Butterworth, "On the theory of
//! filter amplifiers", Wireless Engineer 7, 1930, for the cut pole angles
//! (see also Zölzer, *DAFX*, 2nd ed., ch. 2).
//!
//! * **Bell** (RBJ peaking): `A = 10^(G/40)`,
//!   `H = (s² + (A/Q)s + 1)/(s² + s/(A·Q) + 1)`. Gain `A² = G dB` at f0, a
//!   cut is the exact inverse of the boost of the same |G| and Q, and the
//!   bandwidth between the half-gain (G/2 dB) points is set by Q alone.
//!   Measured from the peak (the −3 dB-from-peak bandwidth) the bell narrows
//!   as |G| grows — the pole Q is `A·Q` for a boost — which is the
//!   **proportional-Q** behaviour of analog consoles and FabFilter-like EQs.
//! * **Low / high shelf** (RBJ): `H_ls = A·(s² + (√A/Q)s + A)/(A·s² + (√A/Q)s + 1)`,
//!   `H_hs = A·(A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A)`: G dB on the shelf,
//!   exactly G/2 dB at f0. Shelf Q is RBJ's: `Q = 1/√2` is the steepest
//!   monotonic shelf (RBJ slope S = 1, `1/Q = √((A + 1/A)(1/S − 1) + 2)`),
//!   larger Q adds the overshoot/undershoot bumps of a resonant shelf,
//!   smaller Q a gentler transition.
//! * **Tilt shelf**: the high shelf divided by `A`:
//!   `H = (A·s² + (√A/Q)s + 1)/(s² + (√A/Q)s + A)`: −G/2 dB at DC, +G/2 dB
//!   at high frequencies, 0 dB at f0 (G is the total tilt).
//! * **Low cut / high cut**, `n = slope/6` (6…96 dB/oct → n = 1…16):
//!   Butterworth, `|H|² = u^{2n}/(1 + u^{2n})` (low cut) resp.
//!   `1/(1 + u^{2n})`; second-order sections with pole
//!   `Q_k = 1/(2·sin((2k+1)π/(2n)))`, k = 0…⌊n/2⌋−1, plus `s/(s+1)` resp.
//!   `1/(s+1)` for odd n. The band's Q sets the resonance: the section with
//!   the highest pole Q (k = 0) gets `Q_0·Q/(1/√2)`, so Q = 0.707 is plain
//!   Butterworth and higher Q adds a resonant peak near f0 (n ≥ 2; a 6 dB/oct
//!   cut has no Q).
//! * **Notch**: `(s² + 1)/(s² + s/Q + 1)`; **band pass**:
//!   `(s/Q)/(s² + s/Q + 1)` (0 dB at f0). Gain is ignored for cuts, notch
//!   and band pass.

use super::{BandType, EqBand};

/// Most second-order sections one band needs (96 dB/oct = 8 sections).
pub const MAX_SECTIONS: usize = 8;

/// Which zeros of an analog section the digital realisation keeps exactly
/// (the rest of the numerator is fitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroConstraint {
    /// No zero is pinned.
    Free,
    /// One zero at DC (`s·…`: first-order low cut, band pass).
    Dc,
    /// Two zeros at DC (`s²`: second-order low cut).
    DoubleDc,
    /// A pair of zeros on the jω axis at `u = 1` (notch).
    AtF0,
}

/// One analog section `(n0 + n1·s + n2·s²)/(d0 + d1·s + d2·s²)`, `s = jω/ω0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalogSection {
    /// Numerator coefficients of `s⁰, s¹, s²`.
    pub num: [f64; 3],
    /// Denominator coefficients of `s⁰, s¹, s²`.
    pub den: [f64; 3],
    /// Zeros the digital section must keep exactly.
    pub zeros: ZeroConstraint,
}

impl AnalogSection {
    /// Identity section (`H = 1`).
    pub const IDENTITY: Self = Self {
        num: [1.0, 0.0, 0.0],
        den: [1.0, 0.0, 0.0],
        zeros: ZeroConstraint::Free,
    };

    /// `|H(j·u)|²` at the normalised frequency `u = f/f0`.
    #[inline]
    pub fn mag2(&self, u: f64) -> f64 {
        let u2 = u * u;
        let nr = self.num[0] - self.num[2] * u2;
        let ni = self.num[1] * u;
        let dr = self.den[0] - self.den[2] * u2;
        let di = self.den[1] * u;
        (nr * nr + ni * ni) / (dr * dr + di * di)
    }

    /// Natural frequency (relative to f0) and damping ratio ζ of the poles,
    /// or `None` for a first-order (or constant) denominator.
    pub fn pole_w_zeta(&self) -> Option<(f64, f64)> {
        let [d0, d1, d2] = self.den;
        if d2 == 0.0 {
            return None;
        }
        let w = (d0 / d2).sqrt();
        Some((w, d1 / (2.0 * (d0 * d2).sqrt())))
    }
}

/// The analog prototype of one band: up to [`MAX_SECTIONS`] cascaded
/// sections sharing the centre/corner frequency `f0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalogPrototype {
    /// Centre / corner frequency in Hz (the `ω0` of every section).
    pub f0: f64,
    sections: [AnalogSection; MAX_SECTIONS],
    len: usize,
}

impl AnalogPrototype {
    /// The prototype of `band` (frequency clamped to ≥ 1 Hz, Q to ≥ 0.025).
    pub fn new(band: &EqBand) -> Self {
        let f0 = sanitize(band.freq_hz as f64, 1000.0).max(1.0);
        let q = sanitize(band.q as f64, std::f64::consts::FRAC_1_SQRT_2).max(0.025);
        let g = sanitize(band.gain_db as f64, 0.0).clamp(-60.0, 60.0);
        let a = 10f64.powf(g / 40.0);
        let sa = a.sqrt();
        let mut p = Self {
            f0,
            sections: [AnalogSection::IDENTITY; MAX_SECTIONS],
            len: 0,
        };
        let free = ZeroConstraint::Free;
        let gain_kind = matches!(
            band.kind,
            BandType::Bell | BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf
        );
        if gain_kind && g == 0.0 {
            // H = 1 exactly: no section at all (a flat band costs nothing).
            return p;
        }
        match band.kind {
            BandType::Bell => p.push([1.0, a / q, 1.0], [1.0, 1.0 / (a * q), 1.0], free),
            BandType::LowShelf => p.push([a * a, a * sa / q, a], [1.0, sa / q, a], free),
            BandType::HighShelf => p.push([a, a * sa / q, a * a], [a, sa / q, 1.0], free),
            BandType::TiltShelf => p.push([1.0, sa / q, a], [a, sa / q, 1.0], free),
            BandType::Notch => p.push([1.0, 0.0, 1.0], [1.0, 1.0 / q, 1.0], ZeroConstraint::AtF0),
            BandType::BandPass => {
                p.push([0.0, 1.0 / q, 0.0], [1.0, 1.0 / q, 1.0], ZeroConstraint::Dc)
            }
            BandType::LowCut | BandType::HighCut => {
                let high_cut = band.kind == BandType::HighCut;
                let n = band.slope.order();
                let pairs = n / 2;
                let resonance = q / std::f64::consts::FRAC_1_SQRT_2;
                for k in 0..pairs {
                    let mut qk = 1.0
                        / (2.0
                            * ((2 * k + 1) as f64 * std::f64::consts::PI / (2 * n) as f64).sin());
                    if k == 0 {
                        qk *= resonance;
                    }
                    let den = [1.0, 1.0 / qk, 1.0];
                    if high_cut {
                        p.push([1.0, 0.0, 0.0], den, free);
                    } else {
                        p.push([0.0, 0.0, 1.0], den, ZeroConstraint::DoubleDc);
                    }
                }
                if n % 2 == 1 {
                    if high_cut {
                        p.push([1.0, 0.0, 0.0], [1.0, 1.0, 0.0], free);
                    } else {
                        p.push([0.0, 1.0, 0.0], [1.0, 1.0, 0.0], ZeroConstraint::Dc);
                    }
                }
            }
        }
        p
    }

    fn push(&mut self, num: [f64; 3], den: [f64; 3], zeros: ZeroConstraint) {
        self.sections[self.len] = AnalogSection { num, den, zeros };
        self.len += 1;
    }

    /// The sections (1 for bells, shelves, notch, band pass; ⌈n/2⌉ for cuts).
    pub fn sections(&self) -> &[AnalogSection] {
        &self.sections[..self.len]
    }

    /// `|H(j2πf)|²` of the whole band.
    pub fn mag2(&self, f_hz: f64) -> f64 {
        let u = f_hz / self.f0;
        self.sections().iter().map(|s| s.mag2(u)).product()
    }

    /// Magnitude in dB at `f_hz` (−∞ at an exact zero).
    pub fn magnitude_db(&self, f_hz: f64) -> f64 {
        10.0 * self.mag2(f_hz).log10()
    }
}

fn sanitize(x: f64, default: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        default
    }
}

/// Analog magnitude (dB) of `band` at `f_hz` — the curve the digital
/// sections follow, for tests and the editor's graph.
pub fn analog_magnitude_db(band: &EqBand, f_hz: f64) -> f64 {
    AnalogPrototype::new(band).magnitude_db(f_hz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::CutSlope;

    fn band(kind: BandType, f: f32, g: f32, q: f32) -> EqBand {
        EqBand {
            kind,
            freq_hz: f,
            gain_db: g,
            q,
            slope: CutSlope::Db12,
        }
    }

    #[test]
    fn bell_gain_and_half_gain_bandwidth() {
        for g in [-24.0f32, -6.0, 6.0, 12.0] {
            for q in [0.3f32, 1.0, 4.0] {
                let b = band(BandType::Bell, 1000.0, g, q);
                assert!((analog_magnitude_db(&b, 1000.0) - g as f64).abs() < 1e-9);
                // RBJ: the G/2 points lie at f0·(√(1+1/(4Q²)) ± 1/(2Q)),
                // independent of the gain.
                let c = 1.0 / (2.0 * q as f64);
                let r = (1.0 + c * c).sqrt();
                for f in [1000.0 * (r + c), 1000.0 * (r - c)] {
                    let db = analog_magnitude_db(&b, f);
                    assert!((db - g as f64 / 2.0).abs() < 1e-9, "g {g} q {q}: {db}");
                }
                // Far away: 0 dB.
                assert!(analog_magnitude_db(&b, 1.0).abs() < 0.01 * g.abs() as f64);
            }
        }
        // Boost and cut are exact inverses.
        let up = band(BandType::Bell, 500.0, 9.0, 2.0);
        let down = band(BandType::Bell, 500.0, -9.0, 2.0);
        for f in [50.0, 400.0, 700.0, 9000.0] {
            assert!((analog_magnitude_db(&up, f) + analog_magnitude_db(&down, f)).abs() < 1e-9);
        }
    }

    #[test]
    fn shelves_and_tilt() {
        for g in [-12.0f32, 6.0, 24.0] {
            let ls = band(BandType::LowShelf, 200.0, g, 0.707);
            let hs = band(BandType::HighShelf, 200.0, g, 0.707);
            let tilt = band(BandType::TiltShelf, 200.0, g, 0.707);
            let g = g as f64;
            assert!((analog_magnitude_db(&ls, 0.01) - g).abs() < 1e-6);
            assert!(analog_magnitude_db(&ls, 1e7).abs() < 1e-6);
            assert!((analog_magnitude_db(&ls, 200.0) - g / 2.0).abs() < 1e-9);
            assert!(analog_magnitude_db(&hs, 0.01).abs() < 1e-6);
            assert!((analog_magnitude_db(&hs, 1e7) - g).abs() < 1e-6);
            assert!((analog_magnitude_db(&hs, 200.0) - g / 2.0).abs() < 1e-9);
            assert!((analog_magnitude_db(&tilt, 0.01) + g / 2.0).abs() < 1e-6);
            assert!((analog_magnitude_db(&tilt, 1e7) - g / 2.0).abs() < 1e-6);
            assert!(analog_magnitude_db(&tilt, 200.0).abs() < 1e-9);
            // Q = 1/√2 (S = 1): monotonic.
            let mut prev = analog_magnitude_db(&ls, 1.0);
            for i in 1..400 {
                let db = analog_magnitude_db(&ls, 1.0 * 1.03f64.powi(i));
                assert!((db - prev) * g.signum() <= 1e-12);
                prev = db;
            }
        }
    }

    #[test]
    fn cuts_are_butterworth() {
        for slope in CutSlope::ALL {
            let n = slope.order() as i32;
            for (kind, low) in [(BandType::LowCut, true), (BandType::HighCut, false)] {
                let mut b = band(kind, 1000.0, 0.0, std::f32::consts::FRAC_1_SQRT_2);
                b.slope = slope;
                for u in [0.1f64, 0.5, 0.9, 1.0, 1.3, 4.0] {
                    let w = u.powi(2 * n);
                    let want = if low { w / (1.0 + w) } else { 1.0 / (1.0 + w) };
                    let got = AnalogPrototype::new(&b).mag2(1000.0 * u);
                    assert!(((got / want).ln()).abs() < 1e-6, "{slope:?} {u}");
                }
                // −3.01 dB at f0 for every slope.
                assert!((analog_magnitude_db(&b, 1000.0) + 3.0103).abs() < 1e-3);
            }
        }
        // Resonance: Q = 2 on a 12 dB/oct cut gives |H(f0)| = Q.
        let mut b = band(BandType::HighCut, 1000.0, 0.0, 2.0);
        b.slope = CutSlope::Db12;
        assert!((analog_magnitude_db(&b, 1000.0) - 20.0 * 2f64.log10()).abs() < 1e-9);
    }

    #[test]
    fn notch_and_band_pass() {
        let n = AnalogPrototype::new(&band(BandType::Notch, 1000.0, 0.0, 2.0));
        assert_eq!(n.mag2(1000.0), 0.0);
        // −3 dB points of the notch at f0·(√(1+1/(4Q²)) ± 1/(2Q)).
        let c = 0.25f64;
        let r = (1.0 + c * c).sqrt();
        assert!((n.magnitude_db(1000.0 * (r + c)) + 3.0103).abs() < 1e-3);
        let bp = AnalogPrototype::new(&band(BandType::BandPass, 1000.0, 0.0, 2.0));
        assert!(bp.magnitude_db(1000.0).abs() < 1e-12);
        assert!((bp.magnitude_db(1000.0 * (r - c)) + 3.0103).abs() < 1e-3);
    }
}
