//! Attack/release smoothing of the gain reduction, in dB.
//!
//! All styles smooth the *gain reduction in dB* after the gain computer —
//! Giannoulis, Massberg & Reiss (JAES 2012), §3.3 "log domain" detector
//! placement (their Fig. 7(c)) — so the time constants act on what is heard.
//!
//! **Time constant.** A one-pole `s ← s + a·(t − s)` with
//! `a = 1 − exp(−1/(τ·fs))` answers a step of its target `t` with
//! `s(n) = t·(1 − exp(−n/(τ·fs)))`: the gain reduction in dB reaches
//! 63 % (1 − 1/e) of its final value exactly `τ` after the step (attack)
//! and recovers 63 % of it `τ` after the level drops (release). That is the
//! definition of the Attack and Release settings.
//!
//! * **Clean** — the branching one-pole (Giannoulis eq. 16): attack
//!   coefficient while the target is above the state, release otherwise.
//! * **Glue** — the smooth-decoupled form (Giannoulis eq. 17): an
//!   instant-attack/release stage followed by an attack one-pole. Attack is
//!   unchanged; the release is the release curve smoothed once more by the
//!   attack pole, so it starts gently and ends later (slower, smoother
//!   release, the "glue" of bus compressors).
//! * **Opto** — program-dependent attack and release, after the behaviour
//!   of optical (T4-cell) levelers: the attack speeds up for large jumps in
//!   gain reduction (`a·(1 + Δ/12 dB)`), and the release is always the
//!   two-stage program-dependent release below.
//! * **Auto release** (any style; always on for Opto) — a dual time-constant
//!   release: the main stage releases 4× faster than the Release setting,
//!   and a slow stage follows the main stage with attack = Release and
//!   release = 4·Release; the output is the larger of the two. Short peaks
//!   barely charge the slow stage and recover fast; sustained reduction
//!   charges it and recovers slowly.

/// How the smoother behaves (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallisticsMode {
    /// Branching one-pole.
    Branching,
    /// Smooth decoupled (release stage then attack pole).
    Decoupled,
    /// Program-dependent attack.
    Opto,
}

/// One-pole coefficient for time constant `tau_s` seconds: `1 − e^{−1/(τ·fs)}`
/// (1 = instant for τ ≤ 0).
pub fn one_pole_coefficient(tau_s: f32, sample_rate: f32) -> f32 {
    let n = tau_s as f64 * sample_rate as f64;
    if n.is_nan() || n <= 0.0 {
        1.0
    } else {
        (1.0 - (-1.0 / n).exp()) as f32
    }
}

/// Gain reduction below this many dB is snapped to exactly 0 (a gain error
/// of 1.2e-6, −119 dB), so the state settles and the plugin may sleep.
pub const SNAP_DB: f32 = 1e-5;

/// Opto: attack speed-up per dB of gain-reduction jump.
const OPTO_DB_PER_SPEEDUP: f32 = 12.0;

/// Coefficients shared by the lanes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BallisticsCoefficients {
    /// Which form.
    pub mode: BallisticsMode,
    /// Attack one-pole coefficient.
    pub attack: f32,
    /// Release one-pole coefficient (main stage).
    pub release: f32,
    /// Two-stage release on.
    pub dual_release: bool,
    /// Slow stage attack coefficient.
    pub slow_attack: f32,
    /// Slow stage release coefficient.
    pub slow_release: f32,
}

impl BallisticsCoefficients {
    /// Coefficients for attack/release time constants in seconds. The
    /// release's pole uses `release_s − release_delay_s`, where the delay is
    /// the detector's hold time: the held level starts falling that late, so
    /// the reduction still recovers 63 % exactly `release_s` after the drop.
    pub fn new(
        mode: BallisticsMode,
        attack_s: f32,
        release_s: f32,
        release_delay_s: f32,
        dual_release: bool,
        sample_rate: f32,
    ) -> Self {
        let pole_release = (release_s - release_delay_s).max(release_s * 0.5);
        if dual_release {
            Self {
                mode,
                attack: one_pole_coefficient(attack_s, sample_rate),
                release: one_pole_coefficient(pole_release * 0.25, sample_rate),
                dual_release,
                slow_attack: one_pole_coefficient(release_s, sample_rate),
                slow_release: one_pole_coefficient(release_s * 4.0, sample_rate),
            }
        } else {
            Self {
                mode,
                attack: one_pole_coefficient(attack_s, sample_rate),
                release: one_pole_coefficient(pole_release, sample_rate),
                dual_release,
                slow_attack: 0.0,
                slow_release: 0.0,
            }
        }
    }
}

impl Default for BallisticsCoefficients {
    fn default() -> Self {
        Self::new(BallisticsMode::Branching, 0.01, 0.1, 0.0, false, 48_000.0)
    }
}

/// Smoother state of one lane.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ballistics {
    /// Main (attack) stage output, dB.
    main: f32,
    /// Decoupled form's release stage, dB.
    release_stage: f32,
    /// Dual release's slow stage, dB.
    slow: f32,
}

impl Ballistics {
    /// Clears to no gain reduction.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// True when every stage is exactly 0 dB.
    pub fn is_settled(&self) -> bool {
        self.main == 0.0 && self.release_stage == 0.0 && self.slow == 0.0
    }

    /// Current gain reduction (dB).
    pub fn value(&self) -> f32 {
        self.main.max(self.slow)
    }

    /// Replaces every target (dB of reduction) in `buf` by the smoothed
    /// reduction; same as [`tick`](Self::tick) per sample, with the state in
    /// registers (the one-pole recursion is the serial critical path).
    pub fn process_block(&mut self, c: &BallisticsCoefficients, buf: &mut [f32]) {
        let mut state = *self;
        match (c.mode, c.dual_release) {
            (BallisticsMode::Branching, false) => {
                // The common case, written out so it compiles to a tight loop.
                let mut main = state.main;
                for x in buf.iter_mut() {
                    let target = *x;
                    let coef = if target > main { c.attack } else { c.release };
                    main += coef * (target - main);
                    main = if main < SNAP_DB { 0.0 } else { main };
                    *x = main;
                }
                state.main = main;
            }
            _ => {
                for x in buf.iter_mut() {
                    *x = state.tick(c, *x);
                }
            }
        }
        *self = state;
    }

    /// Advances one sample towards `target` (dB of reduction) and returns
    /// the smoothed reduction.
    #[inline(always)]
    pub fn tick(&mut self, c: &BallisticsCoefficients, target: f32) -> f32 {
        match c.mode {
            BallisticsMode::Branching => {
                let coef = if target > self.main {
                    c.attack
                } else {
                    c.release
                };
                self.main += coef * (target - self.main);
            }
            BallisticsMode::Decoupled => {
                let held = self.release_stage + c.release * (target - self.release_stage);
                self.release_stage = held.max(target);
                self.main += c.attack * (self.release_stage - self.main);
                if self.release_stage < SNAP_DB {
                    self.release_stage = 0.0;
                }
            }
            BallisticsMode::Opto => {
                let jump = target - self.main;
                let coef = if jump > 0.0 {
                    (c.attack * (1.0 + jump * (1.0 / OPTO_DB_PER_SPEEDUP))).min(1.0)
                } else {
                    c.release
                };
                self.main += coef * jump;
            }
        }
        if self.main < SNAP_DB {
            self.main = 0.0;
        }
        if c.dual_release {
            let coef = if self.main > self.slow {
                c.slow_attack
            } else {
                c.slow_release
            };
            self.slow += coef * (self.main - self.slow);
            if self.slow < SNAP_DB {
                self.slow = 0.0;
            }
            self.main.max(self.slow)
        } else {
            self.main
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples until the state passes `fraction` of the way from `from` to `to`.
    fn crossing(c: &BallisticsCoefficients, from: f32, to: f32, fraction: f32) -> usize {
        let mut b = Ballistics::default();
        for _ in 0..200_000 {
            b.tick(c, from);
        }
        let goal = from + fraction * (to - from);
        for n in 1..2_000_000 {
            let v = b.tick(c, to);
            if (to > from && v >= goal) || (to < from && v <= goal) {
                return n;
            }
        }
        usize::MAX
    }

    #[test]
    fn branching_one_pole_reaches_63_percent_at_tau() {
        let fs = 48_000.0;
        let c = BallisticsCoefficients::new(BallisticsMode::Branching, 0.01, 0.1, 0.0, false, fs);
        let f = 1.0 - (-1.0f32).exp();
        let attack = crossing(&c, 0.0, 15.0, f);
        let release = crossing(&c, 15.0, 0.0, f);
        assert!((attack as i64 - 480).abs() <= 1, "attack {attack}");
        assert!((release as i64 - 4800).abs() <= 2, "release {release}");
    }
}
