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
    #[inline]
    pub fn move_db(&self, level_db: f32) -> f32 {
        let o = match self.direction {
            Direction::Above => level_db - self.threshold_db,
            Direction::Below => self.threshold_db - level_db,
        };
        let w = self.knee_db.max(0.0);
        // Every branch computed, then chosen (selects, no jumps: this runs per sample per
        // band, on a level that crosses the knee at random). The knee's quadratic is only
        // chosen with w > 0 (else 2o < −0 or 2o > 0), so its division by zero is never used.
        // (o + W/2)²/(2W) as (o + W/2)²·(0.5/W): the reciprocal is what GainLanes holds
        // per band (the same bits).
        let knee = if w > 0.0 {
            (o + 0.5 * w) * (o + 0.5 * w) * (0.5 / w)
        } else {
            o.max(0.0)
        };
        let ok = if 2.0 * o < -w {
            0.0
        } else if 2.0 * o <= w {
            knee
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

    /// The move for a squared level (linear power): zero where it is idle (on the quiet side of
    /// `quiet`, [`quiet_power`](Self::quiet_power)).
    #[inline]
    pub fn move_for_power(&self, power: f32, quiet: f32) -> f32 {
        let idle = match self.direction {
            Direction::Above => power <= quiet,
            Direction::Below => power >= quiet,
        };
        // 10·log10(p) = 10·log10(2)·log2(p), floored at −200 dB so silence stays finite;
        // computed either way and chosen (no jump on the threshold crossing).
        let level_db = DB_PER_OCTAVE_OF_POWER * fast_log2(power.max(1e-20));
        let m = self.move_db(level_db);
        if idle || self.range_db <= 0.0 {
            0.0
        } else {
            m
        }
    }
}

/// `10·log10(2)`: dB per doubling of a power.
const DB_PER_OCTAVE_OF_POWER: f32 = 3.010_3;

/// `log2(x)` for finite `x > 0` without a library call (it runs per sample per dynamic band):
/// gel-dsp's shared [`crate::blocks::fast_math::log2`] (Cephes; its error bound is tested
/// there, and here by `fast_log2_is_log2`).
#[inline]
pub fn fast_log2(x: f32) -> f32 {
    // One log2 for every engine: gel-dsp's shared Cephes form (blocks::fast_math).
    crate::blocks::fast_math::log2(x)
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
        let v = target + a * (self.value - target);
        // Arrived: no endless approach through denormal distances (a select, not a jump).
        self.value = if (v - target).abs() < 1e-9 { target } else { v };
        self.value as f32
    }

    /// The current move (dB).
    pub fn value(&self) -> f32 {
        self.value as f32
    }
}

/// Bands a [`GainLanes`] runs side by side (those of a [`super::DetectorGroup`]).
pub const GAIN_LANES: usize = super::detector::GROUP_BANDS;

/// Up to [`GAIN_LANES`] gain computers and envelopes side by side: per sample the same
/// arithmetic as [`GainComputer::move_for_power`] then [`GainEnvelope::next`] (the same
/// results), on lane arrays with every choice a select, so the bands' serial envelope
/// recursions overlap and the compiler can use vector instructions. Filled from the bands
/// before a sub-block ([`set`](Self::set)), read back after it ([`value`](Self::value)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainLanes {
    threshold: [f32; GAIN_LANES],
    /// +1 for [`Direction::Above`], −1 for [`Direction::Below`]: `o = sign·(L − T)`.
    sign: [f32; GAIN_LANES],
    above: [bool; GAIN_LANES],
    knee: [f32; GAIN_LANES],
    /// `0.5/W`, 0 without a knee.
    half_inv_knee: [f32; GAIN_LANES],
    slope: [f32; GAIN_LANES],
    range: [f32; GAIN_LANES],
    quiet: [f32; GAIN_LANES],
    attack: [f64; GAIN_LANES],
    release: [f64; GAIN_LANES],
    value: [f64; GAIN_LANES],
}

impl Default for GainLanes {
    fn default() -> Self {
        Self::new()
    }
}

impl GainLanes {
    /// Every lane without range (it stays at 0 dB).
    pub fn new() -> Self {
        Self {
            threshold: [0.0; GAIN_LANES],
            sign: [1.0; GAIN_LANES],
            above: [true; GAIN_LANES],
            knee: [0.0; GAIN_LANES],
            half_inv_knee: [0.0; GAIN_LANES],
            slope: [0.0; GAIN_LANES],
            range: [0.0; GAIN_LANES],
            quiet: [1.0; GAIN_LANES],
            attack: [0.0; GAIN_LANES],
            release: [0.0; GAIN_LANES],
            value: [0.0; GAIN_LANES],
        }
    }

    /// Lane `lane` runs `computer` (its quiet power `quiet`) and `envelope`.
    pub fn set(
        &mut self,
        lane: usize,
        computer: &GainComputer,
        quiet: f32,
        envelope: &GainEnvelope,
    ) {
        let l = lane % GAIN_LANES;
        let above = computer.direction == Direction::Above;
        self.threshold[l] = computer.threshold_db;
        self.sign[l] = if above { 1.0 } else { -1.0 };
        self.above[l] = above;
        self.knee[l] = computer.knee_db.max(0.0);
        self.half_inv_knee[l] = if self.knee[l] > 0.0 {
            0.5 / self.knee[l]
        } else {
            0.0
        };
        self.slope[l] = 1.0 - 1.0 / computer.ratio.max(1.0);
        // A computer without range never moves (as move_for_power).
        self.range[l] = computer.range_db.max(0.0);
        self.quiet[l] = if computer.range_db <= 0.0 {
            if above {
                f32::INFINITY
            } else {
                f32::NEG_INFINITY
            }
        } else {
            quiet
        };
        self.attack[l] = envelope.attack;
        self.release[l] = envelope.release;
        self.value[l] = envelope.value;
    }

    /// Lane `lane`'s envelope value back into `envelope`.
    pub fn store(&self, lane: usize, envelope: &mut GainEnvelope) {
        envelope.value = self.value[lane % GAIN_LANES];
    }

    /// Lane `lane`'s current move (dB).
    pub fn value(&self, lane: usize) -> f32 {
        self.value[lane % GAIN_LANES] as f32
    }

    /// Runs every lane over `frames` frames of detector powers (`power`: frames of
    /// `2·GAIN_LANES` lanes, lanes `2l` and `2l + 1` those of gain lane `l`, the louder
    /// drives). Per lane first every sample's move (independent samples, one band's settings:
    /// a loop the compiler vectorises across samples), then the envelopes' recursions, all
    /// lanes side by side.
    pub fn run(&mut self, power: &[f32], frames: usize) {
        const CHUNK: usize = 64;
        let stride = 2 * GAIN_LANES;
        let frames = frames.min(power.len() / stride);
        let mut done = 0;
        while done < frames {
            let len = CHUNK.min(frames - done);
            let chunk = &power[done * stride..(done + len) * stride];
            let mut targets = [[0.0f32; CHUNK]; GAIN_LANES];
            for (l, t) in targets.iter_mut().enumerate() {
                let mut p = [0.0f32; CHUNK];
                for (p, frame) in p.iter_mut().zip(chunk.chunks_exact(stride)) {
                    *p = frame[2 * l].max(frame[2 * l + 1]);
                }
                // The lane's settings as locals: a loop over samples with invariant settings.
                let lane = LaneSettings {
                    threshold: self.threshold[l],
                    sign: self.sign[l],
                    above: self.above[l],
                    knee: self.knee[l],
                    half_inv_knee: self.half_inv_knee[l],
                    slope: self.slope[l],
                    range: self.range[l],
                    quiet: self.quiet[l],
                };
                for (t, &p) in t[..len].iter_mut().zip(p[..len].iter()) {
                    *t = lane.target(p);
                }
            }
            for i in 0..len {
                for (l, t) in targets.iter().enumerate() {
                    // As GainEnvelope::next.
                    let target = f64::from(t[i]);
                    let a = if target > self.value[l] {
                        self.attack[l]
                    } else {
                        self.release[l]
                    };
                    let v = target + a * (self.value[l] - target);
                    self.value[l] = if (v - target).abs() < 1e-9 { target } else { v };
                }
            }
            done += len;
        }
    }
}

/// One lane's gain computer settings (see [`GainLanes`]).
#[derive(Debug, Clone, Copy)]
struct LaneSettings {
    threshold: f32,
    sign: f32,
    above: bool,
    knee: f32,
    half_inv_knee: f32,
    slope: f32,
    range: f32,
    quiet: f32,
}

impl LaneSettings {
    /// The move the gain computer asks for at detector power `p` (as
    /// [`GainComputer::move_for_power`]: selects, no jumps).
    #[inline(always)]
    fn target(&self, p: f32) -> f32 {
        let idle = (self.above & (p <= self.quiet)) | (!self.above & (p >= self.quiet));
        let level_db = DB_PER_OCTAVE_OF_POWER * fast_log2(p.max(1e-20));
        // As GainComputer::move_db.
        let o = self.sign * (level_db - self.threshold);
        let w = self.knee;
        // With W = 0 the knee is chosen only at o = ±0, where both forms give zero.
        let knee = (o + 0.5 * w) * (o + 0.5 * w) * self.half_inv_knee;
        // The same choice as move_db's, as two selects (W ≥ 0), and the clamp as max/min
        // (f32::clamp checks its bounds: a jump that stops the loop's vectorisation).
        let ok = if 2.0 * o > w { o } else { knee };
        let ok = if 2.0 * o < -w { 0.0 } else { ok };
        let m = (ok * self.slope).max(0.0).min(self.range);
        if idle {
            0.0
        } else {
            m
        }
    }
}
