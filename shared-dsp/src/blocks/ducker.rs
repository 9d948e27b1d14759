//! Ducker: the echoes get quieter while the input is loud.
//!
//! An envelope follower on the input (peak detector with separate attack and release,
//! Zölzer, *DAFX* 2nd ed., §4.2.2 "Level measurement": `env += a·(|x| − env)` with
//! `a = 1 − e^(−1/(τ·fs))`, τ = attack while `|x| > env`, release otherwise) drives a wet
//! gain
//!
//! ```text
//! g = 1 / (1 + amount · SENSITIVITY · env)
//! ```
//!
//! so with `amount` = 1 an input held at −12 dBFS (env = 0.25) ducks the echoes by
//! `20·log10(1 + 16·0.25) = 14.0 dB`, at −24 dBFS by 6.0 dB; silence leaves them at unity,
//! and the echoes return with the release time constant once the input stops. The gain
//! itself then passes a one-pole smoother ([`GAIN_SMOOTH_MS`]) so a sudden transient moves
//! it over a few milliseconds instead of one sample (no click on loud echoes). One
//! division per sample, no transcendental functions (the coefficients are recomputed
//! only when the release time changes).

use crate::blocks::smoothing::LinearRamp;

/// Envelope-to-reduction scale (see the module docs).
pub const SENSITIVITY: f32 = 16.0;
/// Attack time constant of the envelope.
pub const ATTACK_MS: f32 = 2.0;
/// Time constant of the gain smoother after the envelope.
pub const GAIN_SMOOTH_MS: f32 = 5.0;

/// One-pole coefficient `1 − e^(−1/(τ·fs))` for a time constant in ms.
pub fn one_pole_coefficient(time_ms: f32, sample_rate: f32) -> f32 {
    let samples = (time_ms.max(0.01) * 0.001 * sample_rate).max(1e-3);
    1.0 - (-1.0 / samples).exp()
}

/// Input envelope follower and wet-gain computer.
#[derive(Debug, Clone)]
pub struct Ducker {
    sample_rate: f32,
    attack: f32,
    release: f32,
    release_ms: f32,
    smooth: f32,
    env: f32,
    gain: f32,
    amount: LinearRamp,
}

impl Default for Ducker {
    fn default() -> Self {
        Self::new()
    }
}

impl Ducker {
    /// 48 kHz, 250 ms release, amount 0.
    pub fn new() -> Self {
        let mut d = Self {
            sample_rate: 48_000.0,
            attack: 0.0,
            release: 0.0,
            release_ms: 250.0,
            smooth: 0.0,
            env: 0.0,
            gain: 1.0,
            amount: LinearRamp::new(),
        };
        d.update();
        d
    }

    /// Stores the rate and recomputes the coefficients.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.amount.prepare(sample_rate, max_block);
        self.update();
        self.reset();
    }

    fn update(&mut self) {
        self.attack = one_pole_coefficient(ATTACK_MS, self.sample_rate);
        self.release = one_pole_coefficient(self.release_ms, self.sample_rate);
        self.smooth = one_pole_coefficient(GAIN_SMOOTH_MS, self.sample_rate);
    }

    /// Clears the envelope (the amount is kept).
    pub fn reset(&mut self) {
        self.env = 0.0;
        self.gain = 1.0;
        self.amount.reset(self.amount.target());
    }

    /// Release time constant in ms; recomputes only when it changes.
    pub fn set_release_ms(&mut self, ms: f32) {
        if ms != self.release_ms && ms.is_finite() {
            self.release_ms = ms;
            self.release = one_pole_coefficient(ms, self.sample_rate);
        }
    }

    /// Ducking amount 0..1 (ramped over the default ramp time).
    pub fn set_amount(&mut self, amount: f32) {
        self.amount.set_target(amount.clamp(0.0, 1.0));
    }

    /// Jumps to `amount` without a ramp.
    pub fn reset_amount(&mut self, amount: f32) {
        self.amount.reset(amount.clamp(0.0, 1.0));
    }

    /// True when the ducker changes nothing (amount 0 and not ramping): the caller may skip it.
    pub fn is_bypassed(&self) -> bool {
        self.amount.current() == 0.0 && !self.amount.is_ramping() && self.gain == 1.0
    }

    /// Current envelope (linear peak level of the input).
    pub fn envelope(&self) -> f32 {
        self.env
    }

    /// Follows the input (`left`, `right`) and writes the wet gain per sample into `gain`
    /// (the common length of the three slices). The envelope runs even while bypassed, so
    /// turning ducking up mid-phrase starts from the right level.
    pub fn process(&mut self, left: &[f32], right: &[f32], gain: &mut [f32]) {
        let (att, rel, smooth) = (self.attack, self.release, self.smooth);
        let mut env = self.env;
        let mut g_state = self.gain;
        for ((l, r), g) in left.iter().zip(right).zip(gain.iter_mut()) {
            let x = l.abs().max(r.abs());
            let a = if x > env { att } else { rel };
            env += a * (x - env);
            let amount = self.amount.next();
            let target = 1.0 / (1.0 + amount * SENSITIVITY * env);
            g_state += smooth * (target - g_state);
            *g = g_state;
        }
        // Settled at unity: snap exactly (the caller may then bypass).
        self.gain = if (1.0 - g_state).abs() < 1e-7 {
            1.0
        } else {
            g_state
        };
        // Below −200 dB the envelope is zero (no subnormals in the state).
        self.env = if env < 1e-10 { 0.0 } else { env };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    #[test]
    fn steady_state_reduction_matches_the_formula() {
        let mut d = Ducker::new();
        d.prepare(FS, 512);
        d.reset_amount(1.0);
        let level = 0.25f32;
        let x = vec![level; 48_000];
        let mut g = vec![0.0; 48_000];
        d.process(&x, &x, &mut g);
        let want = 1.0 / (1.0 + SENSITIVITY * level);
        assert!((g[47_999] - want).abs() < 1e-4, "{} vs {want}", g[47_999]);
        let db = -20.0 * want.log10();
        assert!((db - 13.98).abs() < 0.01);
    }

    #[test]
    fn release_follows_its_time_constant() {
        let mut d = Ducker::new();
        d.prepare(FS, 512);
        d.set_release_ms(100.0);
        d.reset_amount(1.0);
        let loud = vec![0.5f32; 4800];
        let mut g = vec![0.0; 4800];
        d.process(&loud, &loud, &mut g);
        let env0 = d.envelope();
        // 100 ms of silence: the envelope falls to 1/e of its value.
        let silence = vec![0.0f32; 4800];
        d.process(&silence, &silence, &mut g);
        let ratio = d.envelope() / env0;
        assert!((ratio - (-1.0f32).exp()).abs() < 1e-3, "{ratio}");
    }

    #[test]
    fn silence_and_zero_amount_leave_unity() {
        let mut d = Ducker::new();
        d.prepare(FS, 512);
        let x = vec![0.9f32; 512];
        let mut g = vec![0.0; 512];
        d.process(&x, &x, &mut g);
        assert!(g.iter().all(|v| *v == 1.0));
        assert!(d.is_bypassed());
        let mut e = Ducker::new();
        e.prepare(FS, 512);
        e.reset_amount(1.0);
        let z = vec![0.0f32; 512];
        e.process(&z, &z, &mut g);
        assert!(g.iter().all(|v| *v == 1.0));
    }

    #[test]
    fn attack_is_smooth() {
        // A step in: the gain falls gradually (no jump bigger than 1 % per sample).
        let mut d = Ducker::new();
        d.prepare(FS, 512);
        d.reset_amount(1.0);
        let x = vec![1.0f32; 2048];
        let mut g = vec![0.0; 2048];
        d.process(&x, &x, &mut g);
        let mut prev = 1.0f32;
        for v in &g {
            assert!((prev - v).abs() < 0.01);
            prev = *v;
        }
    }
}
