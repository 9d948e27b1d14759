//! The design of a dynamic band at its current gain: exact while it moves.
//!
//! The bank's closed-form design ([`DigitalBand::design_fast`], ≈ 0.8 µs per section) is the
//! analog prototype within a few hundredths of a dB at low and mid frequencies but several dB
//! off near Nyquist (measured in `eq::tests::fast_design_accuracy`); the full fit
//! ([`DigitalBand::design`]) follows it within 0.161 dB everywhere but costs 3–170 µs. A
//! dynamic band is re-designed every sub-block while it moves, so [`moving_design`] measures
//! the closed form against the prototype ([`analog_magnitude_db`]) on a check grid and keeps
//! it only when it is within [`FAST_TOLERANCE_DB`]; otherwise it makes the full fit. Either way
//! the band the bank ramps to is the prototype at the current gain within the static bands'
//! tolerance.

#[cfg(doc)]
use crate::eq::analog_magnitude_db;
use crate::eq::{AnalogPrototype, DigitalBand, EqBand, SectionDesigner};

/// Largest deviation (dB) of the closed form from the prototype on the check grid for it to be
/// used while moving (the full fit's own dense error is ≤ 0.161 dB; the grid below is dense
/// enough around `f0` that the closed form's error between its points stays within ≈ 0.05 dB
/// of the grid's, measured in the tests).
pub const FAST_TOLERANCE_DB: f64 = 0.12;

/// Check frequencies per octave from 20 Hz up to the check limit.
const GRID_PER_OCTAVE: f64 = 3.0;

/// Highest checked frequency: 20 kHz or 0.46·fs, the lower.
fn check_limit(sample_rate: f64) -> f64 {
    (0.46 * sample_rate).min(20_000.0)
}

/// Largest deviation (dB) of `design` from the analog prototype of `band` on the check grid
/// (third octaves from 20 Hz, plus `f0` and `f0·2^±¼`, `f0·2^±½`).
pub fn check_error_db(design: &DigitalBand, band: &EqBand, sample_rate: f64) -> f64 {
    let limit = check_limit(sample_rate);
    let f0 = f64::from(band.freq_hz);
    let proto = AnalogPrototype::new(band);
    let dev = |f: f64| (design.magnitude_db(f, sample_rate) - proto.magnitude_db(f)).abs();
    let mut worst = 0.0f64;
    let mut f = 20.0;
    let step = 2f64.powf(1.0 / GRID_PER_OCTAVE);
    while f <= limit {
        worst = worst.max(dev(f));
        f *= step;
    }
    for m in [-0.5f64, -0.25, 0.0, 0.25, 0.5] {
        let f = f0 * 2f64.powf(m);
        if f > 10.0 && f <= limit {
            worst = worst.max(dev(f));
        }
    }
    worst
}

/// Whether the closed form of `band` (static settings, gain `G`) can be used at every gain the
/// dynamic band passes through, `0..G`: it is within [`FAST_TOLERANCE_DB`] at `G` and at
/// `G/2` (its error grows with the gain; checked at every gain by the tests). Made once per
/// change of the static settings, so a moving band pays only the design it uses.
pub fn fast_is_exact(designer: &SectionDesigner, band: &EqBand, sample_rate: f64) -> bool {
    [1.0f32, 0.5].iter().all(|&m| {
        let b = EqBand {
            gain_db: band.gain_db * m,
            ..*band
        };
        let fast = DigitalBand::design_fast(designer, &b);
        fast.sections().is_empty() || check_error_db(&fast, &b, sample_rate) <= FAST_TOLERANCE_DB
    })
}

/// The band's design at its current gain: the closed form if it is within
/// [`FAST_TOLERANCE_DB`] of the prototype on the check grid, else the full fit. Returns the
/// design and whether it is the full fit. Real-time safe.
pub fn moving_design(
    designer: &SectionDesigner,
    band: &EqBand,
    sample_rate: f64,
) -> (DigitalBand, bool) {
    let fast = DigitalBand::design_fast(designer, band);
    if fast.sections().is_empty() || check_error_db(&fast, band, sample_rate) <= FAST_TOLERANCE_DB {
        (fast, false)
    } else {
        (DigitalBand::design(designer, band), true)
    }
}
