//! Gain computer and gain envelope of a dynamic band.
//!
//! Both follow D. Giannoulis, M. Massberg, J. D. Reiss, "Digital Dynamic Range Compressor
//! Design — A Tutorial and Analysis", JAES 60(6), 2012:
//!
//! * the **gain computer** is their soft-knee static curve (eq. 4), written for the distance
//!   `o` past the threshold in the triggering direction (`o = L − T` above, `T − L` below):
//!   `o_k = 0` for `2o < −W`, `(o + W/2)²/(2W)` for `|2o| ≤ W`, `o` for `2o > W`; the band's
//!   gain moves by `m = min(o_k·(1 − 1/R), |G|)` towards its static gain `G` (Pro-Q
//!   semantics: `G` is where the band goes, `|G|` is the range);
//! * the **envelope** is their log-domain "smooth branching" peak detector (eq. 17) placed
//!   after the gain computer: `e ← m + α(e − m)` with `α = exp(−1/(τ·fs))`, `τ` the attack
//!   time while the move grows, the release time while it shrinks. A step of `m` therefore
//!   reaches `1 − 1/e ≈ 63 %` of its final value after exactly `τ`.

/// Which side of the threshold moves the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Moves while the detector is above the threshold (compression / upward when `G > 0`).
    #[default]
    Above,
    /// Moves while the detector is below the threshold (expansion / gating when `G < 0`).
    Below,
}

/// The static curve: how far (dB, ≥ 0) the band moves towards its static gain for a detector
/// level `level_db` (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainComputer {
    /// Threshold (dBFS, peak of the detector signal).
    pub threshold_db: f32,
    /// Ratio `R ≥ 1`: the move is `(1 − 1/R)` dB per dB past the threshold.
    pub ratio: f32,
    /// Knee width `W` (dB, ≥ 0).
    pub knee_db: f32,
    /// Triggering side.
    pub direction: Direction,
    /// Most the gain moves (dB, ≥ 0): `|G|`.
    pub range_db: f32,
}

impl GainComputer {
    /// The move (dB, in `[0, range_db]`) for a detector level of `level_db` dBFS.
    pub fn move_db(&self, level_db: f32) -> f32 {
        let o = match self.direction {
            Direction::Above => level_db - self.threshold_db,
            Direction::Below => self.threshold_db - level_db,
        };
        let w = self.knee_db.max(0.0);
        let ok = if 2.0 * o < -w {
            0.0
        } else if 2.0 * o <= w {
            // Only reached with w > 0 (else 2o < −0 or 2o > 0 above), so no division by zero.
            if w > 0.0 {
                (o + 0.5 * w) * (o + 0.5 * w) / (2.0 * w)
            } else {
                o.max(0.0)
            }
        } else {
            o
        };
        let slope = 1.0 - 1.0 / self.ratio.max(1.0);
        (ok * slope).clamp(0.0, self.range_db.max(0.0))
    }

    /// Squared detector level (linear power) below which (`Above`) or above which (`Below`) the
    /// move is zero: lets the per-sample path skip the logarithm.
    pub fn quiet_power(&self) -> f32 {
        let edge = match self.direction {
            Direction::Above => self.threshold_db - 0.5 * self.knee_db.max(0.0),
            Direction::Below => self.threshold_db + 0.5 * self.knee_db.max(0.0),
        };
        10f32.powf(edge / 10.0)
    }

    /// The move for a squared level (linear power), skipping the logarithm where the move is
    /// zero.
    #[inline]
    pub fn move_for_power(&self, power: f32, quiet: f32) -> f32 {
        let idle = match self.direction {
            Direction::Above => power <= quiet,
            Direction::Below => power >= quiet,
        };
        if idle || self.range_db <= 0.0 {
            return 0.0;
        }
        // 10·log10(p) = 10·log10(2)·log2(p), floored at −200 dB so silence stays finite.
        let level_db = DB_PER_OCTAVE_OF_POWER * fast_log2(power.max(1e-20));
        self.move_db(level_db)
    }
}

/// `10·log10(2)`: dB per doubling of a power.
const DB_PER_OCTAVE_OF_POWER: f32 = 3.010_3;

/// `log2(x)` for finite `x > 0` without a library call (it runs per sample per dynamic band):
/// `x = 2^e·m`, `m ∈ [√½, √2)`, `log2(m) = (2/ln 2)·atanh(t)`, `t = (m − 1)/(m + 1)`,
/// `|t| < 0.172`, `atanh(t) = t + t³/3 + t⁵/5 + t⁷/7` (Cody & Waite, *Software Manual for the
/// Elementary Functions*, 1980): truncation error below `0.172⁹/9·2.9 ≈ 4·10⁻⁸`, so the f32
/// rounding (≈ 10⁻⁶ dB) dominates — test `fast_log2_is_log2`.
#[inline]
pub fn fast_log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let atanh = t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0))));
    e as f32 + 2.0 * std::f32::consts::LOG2_E * atanh
}

/// Attack/release smoothing of the move (see the module docs). `prepare` / `reset` / `process`
/// per sample via [`next`](Self::next).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainEnvelope {
    sample_rate: f32,
    // f64: a pole 1 − 2·10⁻⁶ (1 s at 48 kHz) rounds by 0.3 % in f32.
    attack: f64,
    release: f64,
    attack_ms: f32,
    release_ms: f32,
    value: f64,
}

impl Default for GainEnvelope {
    fn default() -> Self {
        Self::new()
    }
}

/// `α = exp(−1/(τ·fs))`; 0 (no smoothing) for `τ = 0`.
fn pole(ms: f32, sample_rate: f32) -> f64 {
    if ms <= 0.0 {
        0.0
    } else {
        (-1.0 / (f64::from(ms) * 0.001 * f64::from(sample_rate))).exp()
    }
}

impl GainEnvelope {
    /// 48 kHz, 10 ms / 100 ms, at rest.
    pub fn new() -> Self {
        let mut e = Self {
            sample_rate: 48_000.0,
            attack: 0.0,
            release: 0.0,
            attack_ms: -1.0,
            release_ms: -1.0,
            value: 0.0,
        };
        e.set_times(10.0, 100.0);
        e
    }

    /// Sets the sample rate (recomputes the poles).
    pub fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        let (a, r) = (self.attack_ms, self.release_ms);
        self.attack_ms = -1.0;
        self.set_times(a, r);
    }

    /// Jumps to `value` (dB).
    pub fn reset(&mut self, value: f32) {
        self.value = f64::from(value);
    }

    /// Attack and release time constants (ms); recomputed only when they change.
    pub fn set_times(&mut self, attack_ms: f32, release_ms: f32) {
        if attack_ms != self.attack_ms || release_ms != self.release_ms {
            self.attack_ms = attack_ms;
            self.release_ms = release_ms;
            self.attack = pole(attack_ms, self.sample_rate);
            self.release = pole(release_ms, self.sample_rate);
        }
    }

    /// One sample towards the move `target` (dB ≥ 0): attack while it grows, release while
    /// it shrinks.
    #[inline]
    pub fn next(&mut self, target: f32) -> f32 {
        let target = f64::from(target);
        let a = if target > self.value {
            self.attack
        } else {
            self.release
        };
        self.value = target + a * (self.value - target);
        if (self.value - target).abs() < 1e-9 {
            // Arrived: no endless approach through denormal distances.
            self.value = target;
        }
        self.value as f32
    }

    /// The current move (dB).
    pub fn value(&self) -> f32 {
        self.value as f32
    }
}
