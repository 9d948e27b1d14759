//! Frequency collisions between two tracks: where both are loud at once (Gel Link's collision
//! view in Gel EQ).
//!
//! Input: two spectra on the same bins (dB per bin, e.g. gel-link's 96 log-spaced bins from
//! 20 Hz to 20 kHz), as plain slices so this module knows nothing of where they came from.
//!
//! A bin is **loud** in a spectrum when its level is within `within_db` of that spectrum's own
//! peak *and* at or above the absolute floor `floor_db`. Relative to the own peak, because a
//! quiet track that fights a loud one is still masked where its own energy is; the floor keeps
//! two nearly silent tracks (or the −100 dB noise of an idle one) from "colliding". A bin
//! **collides** when it is loud in both. This is the "both within N dB of their peak"
//! criterion of masking displays such as FabFilter Pro-Q's collision view and iZotope
//! Neutron's masking meter, reduced to a level comparison per band (no psychoacoustic
//! spreading function; see E. Zwicker and H. Fastl, *Psychoacoustics*, 3rd ed., ch. 4, for the
//! full masking model this stands in for).
//!
//! Runs of colliding bins become [`CollisionRange`]s. The **worst** range is the one with the
//! most shared energy: the sum over its bins of the power of the *lower* of the two levels,
//! `Σ 10^(min(a, b)/10)` — "min-of-both level × width" measured in power, so a range scores by
//! how much both tracks put into it, and a wide range at a given level beats a narrow one (on
//! log-spaced bins, width in bins is width in octaves).
//!
//! [`bell_for_range`] turns a range's edges into the centre and Q of a bell that covers it.
//!
//! GUI-thread code: [`find_collisions`] writes into a caller-owned `Vec` (no allocation once
//! its capacity suffices) and does no I/O.

/// Thresholds of the collision test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CollisionSettings {
    /// A bin is loud within this many dB of its spectrum's peak (positive).
    pub within_db: f32,
    /// …and at or above this absolute level (dB).
    pub floor_db: f32,
}

impl Default for CollisionSettings {
    /// 12 dB below the own peak, above −60 dBFS: wide enough to catch the body of a bass or
    /// a kick, and well above the idle noise floor of a silent track.
    fn default() -> Self {
        Self {
            within_db: 12.0,
            floor_db: -60.0,
        }
    }
}

/// A run of adjacent colliding bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CollisionRange {
    /// First colliding bin.
    pub first: usize,
    /// Last colliding bin (inclusive).
    pub last: usize,
    /// Shared energy: `Σ 10^(min(a, b)/10)` over the range's bins.
    pub score: f32,
    /// The highest `min(a, b)` in the range (dB): how loud the quieter track gets there.
    pub peak_min_db: f32,
}

impl CollisionRange {
    /// Number of bins.
    pub fn width(&self) -> usize {
        self.last - self.first + 1
    }
}

/// Peak (dB) of `spectrum`, ignoring non-finite values; `None` when nothing is finite.
pub fn peak_db(spectrum: &[f32]) -> Option<f32> {
    spectrum
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(None, |m: Option<f32>, v| Some(m.map_or(v, |m| m.max(v))))
}

/// The level a bin of `spectrum` must reach to be loud: the higher of `peak − within_db` and
/// the floor. `None` when the spectrum has no finite value.
pub fn loud_threshold_db(spectrum: &[f32], settings: &CollisionSettings) -> Option<f32> {
    peak_db(spectrum).map(|peak| (peak - settings.within_db.abs()).max(settings.floor_db))
}

/// Marks in `out[i]` whether bin `i` is loud in both `a` and `b`. The three slices must have the
/// same length.
pub fn colliding_bins(a: &[f32], b: &[f32], settings: &CollisionSettings, out: &mut [bool]) {
    assert!(
        a.len() == b.len() && a.len() == out.len(),
        "spectra differ in length"
    );
    let (Some(ta), Some(tb)) = (
        loud_threshold_db(a, settings),
        loud_threshold_db(b, settings),
    ) else {
        out.fill(false);
        return;
    };
    for ((o, &la), &lb) in out.iter_mut().zip(a).zip(b) {
        // NaN compares false: a bin without a finite level never collides.
        *o = la >= ta && lb >= tb;
    }
}

/// Every collision between `a` and `b` (in ascending frequency) into `out` (cleared first);
/// returns the index in `out` of the worst one (see the module docs), or `None` when there is
/// none.
pub fn find_collisions(
    a: &[f32],
    b: &[f32],
    settings: &CollisionSettings,
    out: &mut Vec<CollisionRange>,
) -> Option<usize> {
    assert_eq!(a.len(), b.len(), "spectra differ in length");
    out.clear();
    let (Some(ta), Some(tb)) = (
        loud_threshold_db(a, settings),
        loud_threshold_db(b, settings),
    ) else {
        return None;
    };
    let mut current: Option<CollisionRange> = None;
    for (i, (&la, &lb)) in a.iter().zip(b).enumerate() {
        if la >= ta && lb >= tb {
            let low = la.min(lb);
            let power = 10f32.powf(low / 10.0);
            match current.as_mut() {
                Some(r) => {
                    r.last = i;
                    r.score += power;
                    r.peak_min_db = r.peak_min_db.max(low);
                }
                None => {
                    current = Some(CollisionRange {
                        first: i,
                        last: i,
                        score: power,
                        peak_min_db: low,
                    })
                }
            }
        } else if let Some(r) = current.take() {
            out.push(r);
        }
    }
    out.extend(current);
    out.iter()
        .enumerate()
        .fold(None, |best: Option<(usize, f32)>, (i, r)| match best {
            Some((_, s)) if s >= r.score => best,
            _ => Some((i, r.score)),
        })
        .map(|(i, _)| i)
}

/// Edges (Hz) of a range of log-spaced bins: half a bin step beyond the first and last bin
/// centres, so adjacent ranges would meet. `bin_hz(i)` gives bin `i`'s centre; `step` is the
/// ratio between neighbouring centres.
pub fn range_edges_hz(
    range: &CollisionRange,
    bin_hz: impl Fn(usize) -> f32,
    step: f32,
) -> (f32, f32) {
    let half = step.max(1.0).sqrt();
    (bin_hz(range.first) / half, bin_hz(range.last) * half)
}

/// Centre frequency and Q of a bell whose half-gain points are `lo_hz` and `hi_hz`.
///
/// Gel's bell is the RBJ peaking prototype (`gel_dsp::eq::analog`): its G/2 dB points lie at
/// `f0·(√(1 + c²) ± c)` with `c = 1/(2Q)`, whose product is `f0²` — so `f0` is the geometric
/// centre `√(lo·hi)` — and whose ratio `R = hi/lo` gives `√R − 1/√R = 2c`, i.e.
/// `Q = √R/(R − 1)` (the familiar `Q = √(2^N)/(2^N − 1)` for a bandwidth of N octaves).
/// A range narrower than a hundredth of an octave is treated as that wide.
pub fn bell_for_range(lo_hz: f32, hi_hz: f32) -> (f32, f32) {
    let (lo, hi) = (lo_hz.min(hi_hz) as f64, lo_hz.max(hi_hz) as f64);
    let f0 = (lo * hi).sqrt();
    let ratio = (hi / lo).max(2f64.powf(0.01));
    let q = ratio.sqrt() / (ratio - 1.0);
    (f0 as f32, q as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BINS: usize = 96;

    /// Centre of bin `i` on a 96-bin log grid from 20 Hz to 20 kHz (gel-link's grid).
    fn bin_hz(i: usize) -> f32 {
        20.0 * 1000f32.powf(i as f32 / (BINS - 1) as f32)
    }

    fn step() -> f32 {
        1000f32.powf(1.0 / (BINS - 1) as f32)
    }

    /// Power spectrum (dB per bin) of white noise at `level_db` per bin through an ideal band
    /// pass `lo..hi` Hz, on top of a −100 dB noise floor: the shape a smoothed analyzer reads
    /// from band-limited noise, with brick-wall edges so the overlap is exact.
    fn band_noise(lo: f32, hi: f32, level_db: f32) -> Vec<f32> {
        (0..BINS)
            .map(|i| {
                let f = bin_hz(i);
                if f >= lo && f <= hi {
                    level_db
                } else {
                    -100.0
                }
            })
            .collect()
    }

    /// Power spectrum of noise through a Butterworth band pass of order `n` per side
    /// (`|H|² = 1/(1 + (lo/f)^{2n})·1/(1 + (f/hi)^{2n})`), as a real filtered noise would read.
    fn butterworth_noise(lo: f32, hi: f32, n: i32, level_db: f32) -> Vec<f32> {
        (0..BINS)
            .map(|i| {
                let f = bin_hz(i);
                let h2 = 1.0 / (1.0 + (lo / f).powi(2 * n)) / (1.0 + (f / hi).powi(2 * n));
                (level_db + 10.0 * h2.log10()).max(-100.0)
            })
            .collect()
    }

    fn bins_in(lo: f32, hi: f32) -> Vec<usize> {
        (0..BINS)
            .filter(|&i| bin_hz(i) >= lo && bin_hz(i) <= hi)
            .collect()
    }

    #[test]
    fn overlapping_bands_collide_exactly_in_the_overlap() {
        // "Bass" 40–250 Hz, "kick" 60–120 Hz, 15 dB quieter: overlap 60–120 Hz.
        let bass = band_noise(40.0, 250.0, -20.0);
        let kick = band_noise(60.0, 120.0, -35.0);
        let mut mask = vec![false; BINS];
        colliding_bins(&bass, &kick, &CollisionSettings::default(), &mut mask);
        let flagged: Vec<usize> = (0..BINS).filter(|&i| mask[i]).collect();
        assert_eq!(flagged, bins_in(60.0, 120.0));

        let mut ranges = Vec::new();
        let worst = find_collisions(&bass, &kick, &CollisionSettings::default(), &mut ranges);
        assert_eq!(ranges.len(), 1, "{ranges:?}");
        assert_eq!(worst, Some(0));
        let expected = bins_in(60.0, 120.0);
        let r = ranges[0];
        assert_eq!((r.first, r.last), (expected[0], *expected.last().unwrap()));
        // Shared energy: the quieter track's level in every bin of the overlap.
        let per_bin = 10f32.powf(-35.0 / 10.0);
        assert!((r.score - per_bin * expected.len() as f32).abs() < 1e-6 * r.score);
        assert_eq!(r.peak_min_db, -35.0);
        // Symmetric.
        let mut swapped = Vec::new();
        find_collisions(&kick, &bass, &CollisionSettings::default(), &mut swapped);
        assert_eq!(swapped, ranges);
    }

    #[test]
    fn separate_bands_do_not_collide() {
        let bass = band_noise(40.0, 150.0, -20.0);
        let vocal = band_noise(300.0, 3000.0, -20.0);
        let mut ranges = vec![CollisionRange {
            first: 0,
            last: 0,
            score: 1.0,
            peak_min_db: 0.0,
        }];
        let worst = find_collisions(&bass, &vocal, &CollisionSettings::default(), &mut ranges);
        assert_eq!(worst, None);
        assert!(ranges.is_empty(), "cleared: {ranges:?}");
        let mut mask = vec![true; BINS];
        colliding_bins(&bass, &vocal, &CollisionSettings::default(), &mut mask);
        assert!(mask.iter().all(|&m| !m));
    }

    #[test]
    fn sloped_bands_collide_where_both_skirts_stay_within_range() {
        // 4th-order skirts (24 dB/oct): the loud region of each band is its pass band widened
        // by where its skirt is still within 12 dB of the peak, |H|² ≥ 10^(−1.2):
        // f ≥ lo·(10^1.2 − 1)^(−1/8) below, f ≤ hi·(10^1.2 − 1)^(1/8) above.
        let n = 4;
        let widen = (10f32.powf(1.2) - 1.0).powf(1.0 / (2 * n) as f32);
        let a = butterworth_noise(100.0, 400.0, n, -20.0);
        let b = butterworth_noise(300.0, 2000.0, n, -30.0);
        let mut ranges = Vec::new();
        let worst = find_collisions(&a, &b, &CollisionSettings::default(), &mut ranges);
        assert_eq!(ranges.len(), 1, "{ranges:?}");
        assert_eq!(worst, Some(0));
        let expected = bins_in(300.0 / widen, 400.0 * widen);
        let r = ranges[0];
        assert_eq!((r.first, r.last), (expected[0], *expected.last().unwrap()));
        // Brick-wall edges would give exactly the overlap; skirts only widen it.
        assert!(bin_hz(r.first) < 300.0 && bin_hz(r.last) > 400.0);
    }

    #[test]
    fn the_floor_and_the_peak_distance_both_apply() {
        let a = band_noise(100.0, 1000.0, -70.0);
        let b = band_noise(100.0, 1000.0, -20.0);
        let mut ranges = Vec::new();
        // −70 dB is below the −60 dB floor: no collision though both are at their peaks.
        assert_eq!(
            find_collisions(&a, &b, &CollisionSettings::default(), &mut ranges),
            None
        );
        let low_floor = CollisionSettings {
            within_db: 12.0,
            floor_db: -80.0,
        };
        assert_eq!(find_collisions(&a, &b, &low_floor, &mut ranges), Some(0));

        // A shelf 20 dB under the peak is not loud with a 12 dB window, but is with 24 dB.
        let mut c = band_noise(100.0, 200.0, -10.0);
        for (i, v) in c.iter_mut().enumerate() {
            if bin_hz(i) > 200.0 && bin_hz(i) <= 1000.0 {
                *v = -30.0;
            }
        }
        find_collisions(&c, &b, &CollisionSettings::default(), &mut ranges);
        assert_eq!(ranges.len(), 1);
        assert_eq!(ranges[0].last, *bins_in(100.0, 200.0).last().unwrap());
        let wide = CollisionSettings {
            within_db: 24.0,
            floor_db: -60.0,
        };
        find_collisions(&c, &b, &wide, &mut ranges);
        assert_eq!(ranges.len(), 1);
        assert_eq!(ranges[0].last, *bins_in(100.0, 1000.0).last().unwrap());
    }

    #[test]
    fn the_worst_range_has_the_most_shared_energy() {
        // Two collisions: 50–80 Hz at −20/−22 dB, and 2–8 kHz (two octaves) at −20/−24 dB.
        // Both windows are 30 dB, so every band bin is loud.
        let mut a = vec![-100.0f32; BINS];
        let mut b = vec![-100.0f32; BINS];
        for i in bins_in(50.0, 80.0) {
            a[i] = -20.0;
            b[i] = -22.0;
        }
        for i in bins_in(2000.0, 8000.0) {
            a[i] = -20.0;
            b[i] = -24.0;
        }
        let settings = CollisionSettings {
            within_db: 30.0,
            floor_db: -60.0,
        };
        let mut ranges = Vec::new();
        let worst = find_collisions(&a, &b, &settings, &mut ranges).unwrap();
        assert_eq!(ranges.len(), 2);
        // Low: n_low bins at −22 dB; high: n_high at −24 dB. Which is larger follows from the
        // widths, computed here independently.
        let n_low = bins_in(50.0, 80.0).len() as f32;
        let n_high = bins_in(2000.0, 8000.0).len() as f32;
        let low = n_low * 10f32.powf(-2.2);
        let high = n_high * 10f32.powf(-2.4);
        assert!(high > low, "two octaves outweigh {n_low} bins 2 dB louder");
        assert_eq!(worst, 1);
        assert!((ranges[1].score - high).abs() < 1e-5 * high);
        // Make the low one 10 dB louder for both: it becomes the worst.
        for i in bins_in(50.0, 80.0) {
            a[i] = -10.0;
            b[i] = -12.0;
        }
        assert_eq!(find_collisions(&a, &b, &settings, &mut ranges), Some(0));
    }

    #[test]
    fn silent_or_non_finite_spectra_never_collide() {
        let nan = vec![f32::NAN; BINS];
        let b = band_noise(100.0, 1000.0, -20.0);
        let mut ranges = Vec::new();
        assert_eq!(
            find_collisions(&nan, &b, &CollisionSettings::default(), &mut ranges),
            None
        );
        let mut a = b.clone();
        a[40] = f32::NAN;
        find_collisions(&a, &b, &CollisionSettings::default(), &mut ranges);
        assert!(ranges.iter().all(|r| !(r.first..=r.last).contains(&40)));
        assert_eq!(peak_db(&[f32::NEG_INFINITY, -3.0]), Some(-3.0));
    }

    #[test]
    fn bell_covers_the_range_between_its_half_gain_points() {
        use crate::eq::{analog_magnitude_db, BandType, CutSlope, EqBand};
        for (lo, hi) in [(60.0f32, 110.0f32), (2000.0, 4000.0), (300.0, 310.0)] {
            let (f0, q) = bell_for_range(lo, hi);
            assert!((f0 - (lo * hi).sqrt()).abs() < 1e-3 * f0);
            let band = EqBand {
                kind: BandType::Bell,
                freq_hz: f0,
                gain_db: -4.0,
                q,
                slope: CutSlope::Db12,
            };
            // The half-gain points of the fitted bell are the range's edges.
            for f in [lo, hi] {
                let db = analog_magnitude_db(&band, f as f64);
                assert!((db + 2.0).abs() < 0.01, "{lo}–{hi} Hz: {db} dB at {f}");
            }
        }
        // One octave: Q = √2.
        let (_, q) = bell_for_range(100.0, 200.0);
        assert!((q - 2f32.sqrt()).abs() < 1e-5);
        // Edges of a bin range: half a step beyond the centres.
        let r = CollisionRange {
            first: 10,
            last: 20,
            score: 0.0,
            peak_min_db: 0.0,
        };
        let (lo, hi) = range_edges_hz(&r, bin_hz, step());
        assert!((lo * lo * step() / (bin_hz(10) * bin_hz(10)) - 1.0).abs() < 1e-4);
        assert!((hi * hi / (step() * bin_hz(20) * bin_hz(20)) - 1.0).abs() < 1e-4);
    }
}
