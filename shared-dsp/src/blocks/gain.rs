//! Decibel ↔ linear gain conversions.
//!
//! Source: the definitions of the decibel for amplitude and power ratios,
//! `dB = 20·log10(a)` and `dB = 10·log10(p)` (IEC 60027-3; any audio text,
//! e.g. Zölzer, *Digital Audio Signal Processing*, 2nd ed., §1.2).

/// The level treated as "minus infinity" dB.
///
/// −144 dB is just below the 144.5 dB dynamic range of 24-bit PCM
/// (`20·log10(2^-24) ≈ −144.5 dB`), so nothing a 24-bit converter can carry is
/// lost, while meters and parameters get a finite floor instead of `-inf`.
/// [`db_to_gain`] maps anything at or below it to exactly `0.0`, and
/// [`gain_to_db`] maps every gain at or below `db_to_gain(-144) ≈ 6.31e-8`
/// (and zero, negatives and NaN) to it.
pub const MINUS_INFINITY_DB: f32 = -144.0;

/// Linear gain at [`MINUS_INFINITY_DB`]: `10^(-144/20) = 10^-7.2`.
pub const MINUS_INFINITY_GAIN: f32 = 6.309_573e-8;

/// Converts decibels to a linear amplitude gain: `g = 10^(dB/20)`.
///
/// Returns exactly `0.0` for `db <= MINUS_INFINITY_DB` (and for NaN).
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    if db > MINUS_INFINITY_DB {
        // 10^(x/20) = e^(x·ln10/20)
        (db * (std::f32::consts::LN_10 / 20.0)).exp()
    } else {
        0.0
    }
}

/// Converts a linear amplitude gain to decibels: `dB = 20·log10(g)`.
///
/// Returns [`MINUS_INFINITY_DB`] for `gain <= MINUS_INFINITY_GAIN`, which
/// covers zero, negative gains and NaN.
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    if gain > MINUS_INFINITY_GAIN {
        20.0 * gain.log10()
    } else {
        MINUS_INFINITY_DB
    }
}

/// Converts a power ratio (e.g. a mean square) to decibels: `dB = 10·log10(p)`.
///
/// Returns [`MINUS_INFINITY_DB`] for `power <= MINUS_INFINITY_GAIN²`.
#[inline]
pub fn power_to_db(power: f32) -> f32 {
    if power > MINUS_INFINITY_GAIN * MINUS_INFINITY_GAIN {
        10.0 * power.log10()
    } else {
        MINUS_INFINITY_DB
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // 20·log10(2) = 6.0206 dB, 20·log10(10) = 20 dB.
        assert!((gain_to_db(2.0) - 6.0206).abs() < 1e-4);
        assert!((gain_to_db(10.0) - 20.0).abs() < 1e-5);
        assert!((db_to_gain(-20.0) - 0.1).abs() < 1e-7);
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-5);
        assert_eq!(db_to_gain(0.0), 1.0);
        assert_eq!(gain_to_db(1.0), 0.0);
        // 10·log10(0.5) = -3.0103 dB
        assert!((power_to_db(0.5) + 3.0103).abs() < 1e-4);
    }

    #[test]
    fn floor() {
        assert_eq!(db_to_gain(MINUS_INFINITY_DB), 0.0);
        assert_eq!(db_to_gain(-200.0), 0.0);
        assert_eq!(db_to_gain(f32::NAN), 0.0);
        assert_eq!(gain_to_db(0.0), MINUS_INFINITY_DB);
        assert_eq!(gain_to_db(-1.0), MINUS_INFINITY_DB);
        assert_eq!(gain_to_db(f32::NAN), MINUS_INFINITY_DB);
        assert_eq!(power_to_db(0.0), MINUS_INFINITY_DB);
        // The constant is 10^(-144/20).
        assert!((MINUS_INFINITY_GAIN - 10f32.powf(-7.2)).abs() < 1e-13);
    }

    #[test]
    fn round_trip() {
        let mut db = -140.0;
        while db < 24.0 {
            assert!((gain_to_db(db_to_gain(db)) - db).abs() < 1e-3, "{db}");
            db += 0.37;
        }
    }
}
