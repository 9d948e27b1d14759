//! How long the zero-latency sections ring after the input stops.
//!
//! A section's impulse response decays as `r^n` for its pole radius `r` (the envelope of a
//! resonance of a linear recursive filter, e.g. Oppenheim & Schafer, *Discrete-Time Signal
//! Processing*, §5.3): it has fallen by the factor `ε` after `n = ln(ε)/ln(r)` samples. The
//! bank rings as long as its slowest pole.

use crate::eq::{EqSectionBank, MAX_BANDS};

/// `ln(10⁻⁶)`: the ring-out level the tail is computed for, −120 dB.
pub const TAIL_DECAY_LN: f64 = -13.815_510_557_964_274;

/// Longest tail reported for the zero-latency filters (s): a Q 40 bell at 10 Hz rings ~17 s.
pub const MAX_RING_SECONDS: f64 = 30.0;

/// Samples a pole of radius `r` takes to decay by the factor `e^decay_ln` (`decay_ln < 0`):
/// `decay_ln / ln(r)`. Zero for `r = 0` (no memory), infinite for `r ≥ 1` (never decays).
pub fn decay_samples(r: f64, decay_ln: f64) -> f64 {
    if r >= 1.0 {
        f64::INFINITY
    } else if r > 0.0 {
        decay_ln / r.ln()
    } else {
        0.0
    }
}

/// Samples until the slowest pole of `bank`'s active sections has decayed by 120 dB, at most
/// [`MAX_RING_SECONDS`].
pub fn ring_samples(bank: &EqSectionBank, sample_rate: f32) -> u64 {
    let worst = (0..MAX_BANDS)
        .filter_map(|i| bank.band_design(i))
        .flat_map(|design| design.sections())
        .map(|s| decay_samples(s.pole_radius(), TAIL_DECAY_LN))
        .fold(0.0f64, f64::max);
    let cap = MAX_RING_SECONDS * f64::from(sample_rate);
    worst.min(cap).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::{BandType, EqBand, Placement};

    #[test]
    fn decay_is_ln_threshold_over_ln_radius() {
        assert_eq!(TAIL_DECAY_LN, 1e-6f64.ln());
        // r = 0.5 halves per sample: 10⁻⁶ after log2(10⁶) = 19.93 samples.
        assert!((decay_samples(0.5, TAIL_DECAY_LN) - 1e6f64.log2()).abs() < 1e-12);
        // And the envelope really is down 120 dB after that many samples.
        for r in [0.9, 0.999, 0.999_99] {
            let n = decay_samples(r, TAIL_DECAY_LN);
            assert!((r.powf(n) / 1e-6 - 1.0).abs() < 1e-9, "r = {r}");
        }
        assert_eq!(decay_samples(0.0, TAIL_DECAY_LN), 0.0);
        assert_eq!(decay_samples(1.0, TAIL_DECAY_LN), f64::INFINITY);
    }

    #[test]
    fn bank_rings_as_long_as_its_slowest_pole() {
        let mut bank = EqSectionBank::new();
        bank.prepare(48_000.0, 64);
        assert_eq!(ring_samples(&bank, 48_000.0), 0, "no band, no ring");
        let bell = |freq_hz, q| EqBand {
            kind: BandType::Bell,
            freq_hz,
            gain_db: 12.0,
            q,
            ..EqBand::default()
        };
        bank.set_band(0, bell(1000.0, 1.0), Placement::Stereo);
        bank.snap_band(0);
        let wide = ring_samples(&bank, 48_000.0);
        let r = bank.band_design(0).unwrap().sections()[0].pole_radius();
        assert_eq!(wide, (TAIL_DECAY_LN / r.ln()).ceil() as u64);
        // A narrow bell has poles nearer the unit circle: it rings longer, and wins.
        bank.set_band(1, bell(100.0, 20.0), Placement::Mid);
        bank.snap_band(1);
        let narrow = ring_samples(&bank, 48_000.0);
        let r = bank.band_design(1).unwrap().sections()[0].pole_radius();
        assert_eq!(narrow, (TAIL_DECAY_LN / r.ln()).ceil() as u64);
        assert!(narrow > 10 * wide, "{narrow} vs {wide}");
        // The cap: a 10 Hz Q 40 bell at 48 kHz stays under 30 s, its ring is not cut short.
        bank.set_band(2, bell(10.0, 40.0), Placement::Stereo);
        bank.snap_band(2);
        let slowest = ring_samples(&bank, 48_000.0);
        assert!(slowest > narrow && slowest <= 30 * 48_000, "{slowest}");
        assert_eq!(ring_samples(&bank, 100.0), 3000, "capped at 30 s");
    }
}
