//! The static compression curve (the "gain computer").
//!
//! Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor
//! Design—A Tutorial and Analysis", JAES 60(6), 2012, eq. (4): with
//! threshold `T`, ratio `R` and knee width `W` (all in dB) the output level
//! for an input level `x` is
//!
//! ```text
//! y = x                                   2(x−T) < −W
//! y = x + (1/R − 1)(x − T + W/2)² / (2W)   2|x−T| ≤ W
//! y = T + (x − T)/R                        2(x−T) >  W
//! ```
//!
//! The compressor works with the gain reduction `x − y ≥ 0`, which is then
//! limited to the Range control (the largest reduction allowed).

/// Precomputed gain-computer constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainComputer {
    threshold_db: f32,
    /// `1 − 1/R` (1 for an infinite ratio).
    slope: f32,
    half_knee: f32,
    /// `slope / (2W)` (0 for a hard knee).
    knee_scale: f32,
    range_db: f32,
}

impl Default for GainComputer {
    fn default() -> Self {
        Self::new(-20.0, 4.0, 6.0, 60.0)
    }
}

impl GainComputer {
    /// Threshold (dB), ratio (≥ 1, may be infinite), knee width (dB, ≥ 0),
    /// range (largest reduction, dB ≥ 0).
    pub fn new(threshold_db: f32, ratio: f32, knee_db: f32, range_db: f32) -> Self {
        Self::with_slope(threshold_db, ratio_to_slope(ratio), knee_db, range_db)
    }

    /// Same as [`new`](Self::new) with the ratio given as the slope
    /// `1 − 1/R` (0 = 1:1, 1 = ∞:1), the quantity a ratio change is ramped in.
    pub fn with_slope(threshold_db: f32, slope: f32, knee_db: f32, range_db: f32) -> Self {
        let slope = if slope.is_nan() {
            0.0
        } else {
            slope.clamp(0.0, 1.0)
        };
        let knee = if knee_db.is_finite() {
            knee_db.max(0.0)
        } else {
            0.0
        };
        Self {
            threshold_db,
            slope,
            half_knee: 0.5 * knee,
            knee_scale: if knee > 0.0 {
                slope / (2.0 * knee)
            } else {
                0.0
            },
            range_db: if range_db.is_nan() {
                0.0
            } else {
                range_db.max(0.0)
            },
        }
    }

    /// Gain reduction in dB (≥ 0, ≤ range) for an input level in dB.
    ///
    /// All three pieces are computed and the answer selected (no branch), so a
    /// loop over a block of levels vectorises.
    #[inline(always)]
    pub fn reduction_db(&self, level_db: f32) -> f32 {
        let over = level_db - self.threshold_db;
        let d = over + self.half_knee;
        let knee = self.knee_scale * d * d;
        let above = self.slope * over;
        let gr = if over >= self.half_knee { above } else { knee };
        let gr = if over > -self.half_knee { gr } else { 0.0 };
        if gr < self.range_db {
            gr
        } else {
            self.range_db
        }
    }

    /// Output level in dB for an input level in dB (the static curve).
    pub fn output_db(&self, level_db: f32) -> f32 {
        level_db - self.reduction_db(level_db)
    }

    /// Input level below which the reduction is exactly 0: `T − W/2`.
    pub fn knee_start_db(&self) -> f32 {
        self.threshold_db - self.half_knee
    }
}

/// `1 − 1/R` for a ratio `R` (≥ 1, may be infinite → 1; NaN → 0).
pub fn ratio_to_slope(ratio: f32) -> f32 {
    let ratio = if ratio.is_nan() { 1.0 } else { ratio.max(1.0) };
    1.0 - 1.0 / ratio
}

/// Reference input level of the automatic makeup gain.
pub const AUTO_MAKEUP_REFERENCE_DB: f32 = 0.0;

/// Automatic makeup gain (dB): half the static reduction of a 0 dBFS input.
///
/// Giannoulis et al. (§2.4) suggest making up the full reduction at 0 dB;
/// with low thresholds and high ratios that adds 40–60 dB, so Gel makes up
/// half of it: a full-scale signal still comes out quieter than it went in,
/// and a signal around the threshold comes out roughly level-matched.
pub fn auto_makeup_db(gc: &GainComputer) -> f32 {
    0.5 * gc.reduction_db(AUTO_MAKEUP_REFERENCE_DB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_giannoulis_eq4() {
        let gc = GainComputer::new(-20.0, 4.0, 6.0, 100.0);
        // below the knee: identity
        assert_eq!(gc.output_db(-30.0), -30.0);
        assert_eq!(gc.output_db(-23.0), -23.0);
        // above the knee: T + (x − T)/R
        assert!((gc.output_db(0.0) - (-20.0 + 20.0 / 4.0)).abs() < 1e-5);
        assert!((gc.output_db(-17.0) - (-20.0 + 3.0 / 4.0)).abs() < 1e-5);
        // in the knee, at the threshold: x + (1/R−1)(W/2)²/(2W) = −20 − 0.75·9/12
        assert!((gc.output_db(-20.0) - (-20.0 - 0.75 * 9.0 / 12.0)).abs() < 1e-5);
        // the knee joins both lines continuously
        for edge in [-23.0f32, -17.0] {
            let a = gc.output_db(edge - 1e-3);
            let b = gc.output_db(edge + 1e-3);
            assert!((a - b).abs() < 3e-3);
        }
        // infinite ratio, hard knee: a limiter at T
        let lim = GainComputer::new(-10.0, f32::INFINITY, 0.0, 100.0);
        assert_eq!(lim.output_db(-3.0), -10.0);
        assert_eq!(lim.output_db(-12.0), -12.0);
        // range limits the reduction
        let r = GainComputer::new(-40.0, f32::INFINITY, 0.0, 12.0);
        assert_eq!(r.reduction_db(0.0), 12.0);
    }

    #[test]
    fn auto_makeup_is_half_the_reduction_at_0dbfs() {
        let gc = GainComputer::new(-20.0, 4.0, 0.0, 100.0);
        assert!((auto_makeup_db(&gc) - 7.5).abs() < 1e-5);
    }
}
