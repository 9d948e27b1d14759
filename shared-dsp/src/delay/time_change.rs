//! What a delay does when its time changes under sound: glide like tape, or crossfade.
//!
//! * **Tape** ([`TapeGlide`]): the read head moves continuously to the new time, so the
//!   pitch bends while it travels, as when the capstan speed of a tape echo changes. The
//!   delay time follows the target through two cascaded one-pole smoothers (a critically
//!   damped 2nd-order glide) with time constant [`GLIDE_TIME_CONSTANT_S`] each; its rate
//!   of change is limited to [`MAX_GLIDE_RATE`] samples of delay per sample and may grow
//!   from rest to that limit no faster than in [`GLIDE_ACCEL_TIME_S`], so the pitch bends
//!   without steps however far the time jumps. A read head whose delay changes at
//!   rate `r` plays at speed `1 − r` (Smith, *Physical Audio Signal Processing*, "Doppler
//!   effect" / variable delay lines), so the pitch stays within `1 ± 0.5`: at most an
//!   octave down while the delay grows, a fifth up while it shrinks, never reversed.
//! * **Fade** ([`HeadCrossfade`]): a second read head is placed at the new time and the
//!   output crossfades from the old head to the new one over [`FADE_MS`] with a smoothstep
//!   `3t² − 2t³` (zero slope at both ends). Pitch never changes. A target that moves again
//!   during a fade is taken up when that fade ends, so a sweep becomes a chain of fades.
//!
//! The one-pole coefficient `a = 1 − e^(−1/(τ·fs))` is computed once in `prepare`.

/// Time constant of each of the two glide stages.
pub const GLIDE_TIME_CONSTANT_S: f64 = 0.06;
/// Largest change of the delay per sample while gliding (a pitch factor of `1 ± 0.5`).
pub const MAX_GLIDE_RATE: f64 = 0.5;
/// Shortest time the glide rate takes from 0 to [`MAX_GLIDE_RATE`].
pub const GLIDE_ACCEL_TIME_S: f64 = 0.05;
/// Crossfade length of the fade mode.
pub const FADE_MS: f32 = 50.0;
/// A glide this close to its target (samples) snaps onto it, so a settled delay is exact.
pub const SNAP_SAMPLES: f64 = 1e-4;

/// How a time change sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeChangeMode {
    /// The read head glides; pitch bends.
    Tape,
    /// Two read heads crossfade; pitch is untouched.
    Fade,
}

/// Rate-limited 2nd-order glide of a delay time in samples (see the module docs).
#[derive(Debug, Clone)]
pub struct TapeGlide {
    coefficient: f64,
    max_accel: f64,
    rate: f64,
    stage: f64,
    value: f64,
    target: f64,
}

impl Default for TapeGlide {
    fn default() -> Self {
        Self::new()
    }
}

impl TapeGlide {
    /// At 0 samples, 48 kHz coefficients.
    pub fn new() -> Self {
        let mut g = Self {
            coefficient: 0.0,
            max_accel: 0.0,
            rate: 0.0,
            stage: 0.0,
            value: 0.0,
            target: 0.0,
        };
        g.prepare(48_000.0, 0);
        g
    }

    /// Computes the smoothing coefficient for `sample_rate`.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.coefficient = 1.0 - (-1.0 / (GLIDE_TIME_CONSTANT_S * sample_rate as f64)).exp();
        self.max_accel = MAX_GLIDE_RATE / (GLIDE_ACCEL_TIME_S * sample_rate as f64);
    }

    /// Jumps to `delay` (no glide).
    pub fn reset(&mut self, delay: f64) {
        self.stage = delay;
        self.value = delay;
        self.target = delay;
        self.rate = 0.0;
    }

    /// Sets where the glide goes.
    pub fn set_target(&mut self, delay: f64) {
        if delay.is_finite() {
            self.target = delay;
        }
    }

    /// The glide's destination.
    pub fn target(&self) -> f64 {
        self.target
    }

    /// Current delay.
    #[inline]
    pub fn value(&self) -> f64 {
        self.value
    }

    /// True while the delay is still moving.
    #[inline]
    pub fn is_moving(&self) -> bool {
        self.value != self.target || self.stage != self.target
    }

    /// Advances one sample; returns the new delay.
    #[inline]
    #[allow(clippy::should_implement_trait)] // an endless glide, not an Iterator
    pub fn next(&mut self) -> f64 {
        if !self.is_moving() {
            return self.value;
        }
        let a = self.coefficient;
        self.stage += a * (self.target - self.stage);
        let wanted = a * (self.stage - self.value);
        // Speeding up is acceleration-limited; slowing down follows the smoother.
        let step = if wanted.abs() > self.rate.abs() || wanted * self.rate < 0.0 {
            self.rate + (wanted - self.rate).clamp(-self.max_accel, self.max_accel)
        } else {
            wanted
        }
        .clamp(-MAX_GLIDE_RATE, MAX_GLIDE_RATE);
        self.rate = step;
        self.value += step;
        if (self.value - self.target).abs() < SNAP_SAMPLES
            && (self.stage - self.target).abs() < SNAP_SAMPLES
        {
            self.value = self.target;
            self.stage = self.target;
            self.rate = 0.0;
        }
        self.value
    }
}

/// Two read heads per lane crossfaded when the target time changes (see the module docs).
#[derive(Debug, Clone)]
pub struct HeadCrossfade {
    len: u32,
    inv_len: f32,
    pos: u32,
    fading: bool,
    from: [f64; 2],
    to: [f64; 2],
    target: [f64; 2],
}

impl Default for HeadCrossfade {
    fn default() -> Self {
        Self::new()
    }
}

impl HeadCrossfade {
    /// Both heads at 0 samples, 48 kHz.
    pub fn new() -> Self {
        let mut h = Self {
            len: 1,
            inv_len: 1.0,
            pos: 0,
            fading: false,
            from: [0.0; 2],
            to: [0.0; 2],
            target: [0.0; 2],
        };
        h.prepare(48_000.0, 0);
        h
    }

    /// Fade length for `sample_rate`.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.len = ((FADE_MS * 0.001 * sample_rate).round() as u32).max(1);
        self.inv_len = 1.0 / self.len as f32;
    }

    /// Both lanes jump to `delays`; no fade.
    pub fn reset(&mut self, delays: [f64; 2]) {
        self.from = delays;
        self.to = delays;
        self.target = delays;
        self.fading = false;
        self.pos = 0;
    }

    /// Sets the target times (taken up now if no fade is running, else when it ends).
    pub fn set_target(&mut self, delays: [f64; 2]) {
        if delays.iter().all(|d| d.is_finite()) {
            self.target = delays;
        }
    }

    /// Starts a fade if the target differs from where the heads are and none is running.
    /// Call once per block (or sub-block) before reading.
    pub fn update(&mut self) {
        if !self.fading && self.target != self.to {
            self.from = self.to;
            self.to = self.target;
            self.pos = 0;
            self.fading = true;
        }
    }

    /// True while two heads are sounding.
    #[inline]
    pub fn is_fading(&self) -> bool {
        self.fading
    }

    /// Delay of the old head (only meaningful while fading).
    pub fn from(&self) -> [f64; 2] {
        self.from
    }

    /// Delay of the current (new) head.
    pub fn current(&self) -> [f64; 2] {
        self.to
    }

    /// True when the target has not been reached (fading, or a new fade pending).
    pub fn is_moving(&self) -> bool {
        self.fading || self.target != self.to
    }

    /// Gain of the new head for the next sample (`1 −` it for the old head); advances.
    #[inline]
    pub fn next_gain(&mut self) -> f32 {
        if !self.fading {
            return 1.0;
        }
        self.pos += 1;
        if self.pos >= self.len {
            self.fading = false;
            return 1.0;
        }
        let t = self.pos as f32 * self.inv_len;
        t * t * (3.0 - 2.0 * t)
    }

    /// Fade length in samples.
    pub fn len_samples(&self) -> u32 {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    #[test]
    fn glide_is_rate_limited_smooth_and_lands_exactly() {
        let mut g = TapeGlide::new();
        g.prepare(FS, 512);
        g.reset(480.0);
        g.set_target(96_000.0);
        let mut prev = g.value();
        let mut prev_rate = 0.0;
        let mut steps = 0;
        while g.is_moving() {
            let v = g.next();
            let rate = v - prev;
            assert!((0.0..=MAX_GLIDE_RATE + 1e-12).contains(&rate), "{rate}");
            // The rate (pitch) changes gradually: no step in the slope.
            assert!(
                (rate - prev_rate).abs() < 1e-3,
                "slope step {}",
                rate - prev_rate
            );
            prev = v;
            prev_rate = rate;
            steps += 1;
            assert!(steps < 20 * 48_000, "never settles");
        }
        assert_eq!(g.value(), 96_000.0);
        // At least (96000 − 480)/0.5 samples at the rate limit.
        assert!(steps as f64 >= (96_000.0 - 480.0) / MAX_GLIDE_RATE);
    }

    #[test]
    fn small_glide_follows_two_time_constants() {
        // A 10-sample change is far from the rate limit: after 10 τ it is settled.
        let mut g = TapeGlide::new();
        g.prepare(FS, 512);
        g.reset(1000.0);
        g.set_target(1010.0);
        let n = (10.0 * GLIDE_TIME_CONSTANT_S * FS as f64) as usize;
        for _ in 0..n {
            g.next();
        }
        assert!((g.value() - 1010.0).abs() < 0.01, "{}", g.value());
        // Critically damped 2nd order: no overshoot.
        let mut g = TapeGlide::new();
        g.prepare(FS, 512);
        g.reset(1000.0);
        g.set_target(1010.0);
        for _ in 0..48_000 {
            assert!(g.next() <= 1010.0);
        }
    }

    #[test]
    fn crossfade_gains_and_queueing() {
        let mut h = HeadCrossfade::new();
        h.prepare(FS, 512);
        h.reset([100.0, 200.0]);
        h.set_target([150.0, 200.0]);
        h.update();
        assert!(h.is_fading());
        assert_eq!(h.from(), [100.0, 200.0]);
        assert_eq!(h.current(), [150.0, 200.0]);
        // A new target during the fade waits.
        h.set_target([300.0, 300.0]);
        h.update();
        assert_eq!(h.current(), [150.0, 200.0]);
        let len = h.len_samples();
        assert_eq!(len, 2400);
        let mut prev = 0.0;
        for k in 1..len {
            let g = h.next_gain();
            assert!(g >= prev && g <= 1.0);
            if k == len / 2 {
                assert!((g - 0.5).abs() < 1e-3);
            }
            prev = g;
        }
        assert_eq!(h.next_gain(), 1.0);
        assert!(!h.is_fading());
        h.update();
        assert_eq!(h.current(), [300.0, 300.0]);
    }
}
