//! Auto gain for an EQ: the output gain that keeps a typical programme at the level it had
//! before the EQ, derived from the band curves (not from the signal, so it never pumps and
//! depends only on the settings).
//!
//! ## Model
//! The reference programme is **pink** (equal power per octave) from 20 Hz to 20 kHz: the
//! long-term spectrum of music is close to 1/f (R. F. Voss & J. Clarke, "'1/f noise' in
//! music and speech", Nature 258, 1975), which is why pink noise is the usual programme
//! simulation signal. On a log-spaced grid of [`GRID_POINTS`] frequencies `fᵢ`, pink power
//! is the same in every cell, so the EQ's power gain on that programme is the plain mean
//!
//! ```text
//! P = (1/N) Σᵢ g(fᵢ),   compensation = −10·log10(P) dB
//! ```
//!
//! `g(f)` combines the two domains the bank runs in (see [`crate::eq::bank`]): the L/R bands
//! give each channel `|H_L|²`, `|H_R|²` (Stereo bands in both), averaged over the two equally
//! loud channels; the Mid/Side bands give `|H_M|²`, `|H_S|²`, weighted by the share of the
//! power a typical mix has in mid and side ([`MID_SHARE`]; side about 6 dB below mid). The two
//! domains run in series, so `g = g_LR · g_MS`. The band curves are the analog prototypes
//! ([`AnalogPrototype::mag2`]), which the digital sections follow within a fraction of a dB.
//!
//! The result is clamped to ±[`MAX_COMPENSATION_DB`]; the caller smooths it (a slow ramp) so
//! the compensation glides while bands move.

use crate::eq::{AnalogPrototype, EqBand, Placement};

/// Grid points from 20 Hz to 20 kHz (about 6 per octave).
pub const GRID_POINTS: usize = 64;
/// Lowest grid frequency (Hz).
pub const GRID_LOW_HZ: f64 = 20.0;
/// Highest grid frequency (Hz).
pub const GRID_HIGH_HZ: f64 = 20_000.0;
/// Share of a typical stereo mix's power in the mid channel (side ≈ 6 dB below mid:
/// 1/(1 + 10^(−6/10)) ≈ 0.8).
pub const MID_SHARE: f64 = 0.8;
/// Largest correction either way (dB).
pub const MAX_COMPENSATION_DB: f64 = 30.0;

/// Computes the auto-gain compensation of a set of bands (see the module docs).
#[derive(Debug, Clone)]
pub struct EqAutoGain {
    freqs: [f64; GRID_POINTS],
}

impl Default for EqAutoGain {
    fn default() -> Self {
        Self::new()
    }
}

impl EqAutoGain {
    /// The log-spaced grid.
    pub fn new() -> Self {
        let ratio = GRID_HIGH_HZ / GRID_LOW_HZ;
        let freqs =
            std::array::from_fn(|i| GRID_LOW_HZ * ratio.powf(i as f64 / (GRID_POINTS - 1) as f64));
        Self { freqs }
    }

    /// Mean power gain `P` of the bands on the pink reference (1 = level unchanged).
    /// Real-time safe (no allocation); cost ≈ grid points × sections.
    pub fn power_gain(&self, bands: impl IntoIterator<Item = (EqBand, Placement)>) -> f64 {
        // Per grid point: [L, R, M, S] power gains.
        let mut g = [[1.0f64; 4]; GRID_POINTS];
        for (band, placement) in bands {
            let proto = AnalogPrototype::new(&band);
            let lanes: &[usize] = match placement {
                Placement::Stereo => &[0, 1],
                Placement::Left => &[0],
                Placement::Right => &[1],
                Placement::Mid => &[2],
                Placement::Side => &[3],
            };
            for (gi, &f) in g.iter_mut().zip(self.freqs.iter()) {
                let m = proto.mag2(f);
                for &l in lanes {
                    gi[l] *= m;
                }
            }
        }
        let sum: f64 = g
            .iter()
            .map(|[l, r, m, s]| 0.5 * (l + r) * (MID_SHARE * m + (1.0 - MID_SHARE) * s))
            .sum();
        sum / GRID_POINTS as f64
    }

    /// The compensation in dB, `−10·log10(P)`, clamped to ±[`MAX_COMPENSATION_DB`].
    pub fn compensation_db(&self, bands: impl IntoIterator<Item = (EqBand, Placement)>) -> f32 {
        let p = self.power_gain(bands);
        let db = if p > 0.0 && p.is_finite() {
            -10.0 * p.log10()
        } else {
            0.0
        };
        db.clamp(-MAX_COMPENSATION_DB, MAX_COMPENSATION_DB) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::{BandType, CutSlope};

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
    fn flat_needs_no_compensation() {
        let a = EqAutoGain::new();
        assert_eq!(a.compensation_db(std::iter::empty()), 0.0);
        // A 0 dB bell is exactly flat.
        let b = band(BandType::Bell, 1000.0, 0.0, 1.0);
        assert_eq!(a.compensation_db([(b, Placement::Stereo)]), 0.0);
    }

    #[test]
    fn broadband_gain_is_undone_exactly() {
        // A low shelf at 1 MHz is +G over the whole audio band (within 1e-6 dB).
        let a = EqAutoGain::new();
        for g in [-12.0f32, 6.0, 18.0] {
            let b = band(BandType::LowShelf, 1.0e6, g, 0.707);
            let c = a.compensation_db([(b, Placement::Stereo)]);
            assert!((c + g).abs() < 1e-3, "{g}: {c}");
            // On one channel only: half the power changes, P = (1 + 10^(G/10))/2.
            let c = a.compensation_db([(b, Placement::Left)]);
            let want = -10.0 * ((1.0 + 10f64.powf(g as f64 / 10.0)) / 2.0).log10();
            assert!((c as f64 - want).abs() < 1e-3, "{g}: {c} vs {want}");
            // Side only: the side share of the power changes.
            let c = a.compensation_db([(b, Placement::Side)]);
            let want =
                -10.0 * (MID_SHARE + (1.0 - MID_SHARE) * 10f64.powf(g as f64 / 10.0)).log10();
            assert!((c as f64 - want).abs() < 1e-3, "{g}: {c} vs {want}");
        }
    }

    #[test]
    fn bell_matches_the_pink_integral() {
        // +12 dB bell at 1 kHz, Q 1, against the continuous mean of |H|² over log f from
        // 20 Hz to 20 kHz (trapezoid rule on 20 000 points). The 64-point grid is a Riemann
        // sum of the same integral; it agrees within 0.1 dB.
        let a = EqAutoGain::new();
        let b = band(BandType::Bell, 1000.0, 12.0, 1.0);
        let proto = AnalogPrototype::new(&b);
        let n = 20_000;
        let (lo, hi) = (GRID_LOW_HZ.ln(), GRID_HIGH_HZ.ln());
        let mut acc = 0.0;
        for i in 0..=n {
            let f = (lo + (hi - lo) * i as f64 / n as f64).exp();
            let w = if i == 0 || i == n { 0.5 } else { 1.0 };
            acc += w * proto.mag2(f);
        }
        let want = -10.0 * (acc / n as f64).log10();
        let got = a.compensation_db([(b, Placement::Stereo)]) as f64;
        assert!((got - want).abs() < 0.1, "{got} vs {want}");
        // A boost needs a cut, and a few dB of it: the bell is ~2 octaves wide out of ten.
        assert!(got < -2.0 && got > -6.0, "{got}");
    }

    #[test]
    fn clamped() {
        let a = EqAutoGain::new();
        let b = band(BandType::LowShelf, 1.0e6, 30.0, 0.707);
        let bands = [(b, Placement::Stereo); 3];
        assert_eq!(a.compensation_db(bands), -MAX_COMPENSATION_DB as f32);
    }
}
