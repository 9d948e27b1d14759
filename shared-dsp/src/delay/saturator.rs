//! Loop saturator: a cheap soft clipper that keeps a feedback loop bounded.
//!
//! The curve is linear up to a knee `T`, then follows the rational soft clip
//! `u/(1 + u)` (the "x/(1+|x|)" sigmoid, e.g. Zölzer, *DAFX* 2nd ed., §4.3.1
//! "Overdrive, distortion and fuzz", the symmetrical soft clipper family) scaled so
//! it leaves the knee with slope 1 and approaches the ceiling `C`:
//!
//! ```text
//! a = |x|
//! S(x) = x                                        for a ≤ T
//! S(x) = sign(x)·(T + e·K/(K + e)),  e = a − T,  K = C − T   for a > T
//!      = sign(x)·(C − K²/(K + e))     (the form computed: monotonic in floating point)
//! ```
//!
//! Properties (checked in the tests): `S(0) = 0`, `S'(0) = 1` (small echoes pass
//! untouched, so 100 % feedback holds its level), `S` is continuous with a continuous
//! slope at the knee (`d/de[e·K/(K+e)] = K²/(K+e)² = 1` at `e = 0`), odd, monotonic and
//! `|S(x)| < C` for every finite `x`. With drive `d ≥ 1` the saturator is `S(d·x)/d`:
//! still unity slope at 0, the knee moves down to `T/d` and the ceiling to `C/d`.
//!
//! Cost: one `abs`, `min`/`max`, one division and a `copysign` per sample, branch free
//! so a block loop vectorises. In a loop `w = S(x + g·y)` the written signal can never
//! exceed `C`, whatever the feedback gain `g` (even above 1); in a loop
//! `w = x + S(g·y)` (saturating the recirculated part only, so the first echo is clean)
//! it is bounded by `C` as soon as the input stops.

/// Knee: below this level (−6 dBFS) the saturator is exactly linear.
pub const KNEE: f32 = 0.5;
/// Ceiling the output approaches (−1 dBFS).
pub const CEILING: f32 = 0.891_250_9;

/// Knee of the write limiter [`limit`] (−1 dBFS).
pub const LIMIT_KNEE: f32 = CEILING;
/// Ceiling of the write limiter (−0.09 dBFS): below full scale.
pub const LIMIT_CEILING: f32 = 0.99;

/// The curve of the module docs for any `knee < ceiling`.
#[inline(always)]
pub fn soft_clip_with(x: f32, knee: f32, ceiling: f32) -> f32 {
    let k = ceiling - knee;
    let a = x.abs();
    let soft = ceiling - k * k / (a - knee + k);
    let y = if a > knee { soft } else { a };
    y.copysign(x)
}

/// Soft clip with the default knee and ceiling (see the module docs).
#[inline(always)]
pub fn soft_clip(x: f32) -> f32 {
    soft_clip_with(x, KNEE, CEILING)
}

/// The same curve with knee −1 dBFS and ceiling [`LIMIT_CEILING`]: a safety limiter for
/// what a delay writes into its line (input plus saturated feedback), transparent below
/// −1 dBFS, never reaching full scale.
#[inline(always)]
pub fn limit(x: f32) -> f32 {
    soft_clip_with(x, LIMIT_KNEE, LIMIT_CEILING)
}

/// Drive as a linear pre-gain from dB (clamped to 0 dB and above).
pub fn drive_gain(drive_db: f32) -> f32 {
    crate::blocks::gain::db_to_gain(drive_db.max(0.0))
}

/// `S(d·x)/d` over a block: `drive` ≥ 1 is the linear pre-gain, `inv_drive` its inverse.
pub fn process_block(x: &mut [f32], drive: f32, inv_drive: f32) {
    if drive == 1.0 {
        for v in x.iter_mut() {
            *v = soft_clip(*v);
        }
    } else {
        for v in x.iter_mut() {
            *v = soft_clip(*v * drive) * inv_drive;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_below_the_knee() {
        for i in -500..=500 {
            let x = i as f32 * 0.001;
            assert_eq!(soft_clip(x), x);
        }
    }

    #[test]
    fn unity_slope_at_zero_and_smooth_knee() {
        let h = 1e-3f32;
        assert!(((soft_clip(h) - soft_clip(-h)) / (2.0 * h) - 1.0).abs() < 1e-6);
        // Slope just above the knee is 1 (continuous first derivative).
        let a = KNEE + 1e-3;
        let slope = (soft_clip(a + 1e-4) - soft_clip(a)) / 1e-4;
        assert!((slope - 1.0).abs() < 0.01, "{slope}");
    }

    #[test]
    fn odd_monotonic_and_bounded() {
        let mut prev = soft_clip(-1e6);
        for i in -100_000..=100_000 {
            let x = i as f32 * 1e-3 * (1.0 + (i as f32).abs() * 1e-3);
            let y = soft_clip(x);
            assert_eq!(soft_clip(-x), -y);
            assert!(y >= prev, "not monotonic at {x}");
            assert!(y.abs() < CEILING, "{x} -> {y}");
            prev = y;
        }
        assert!(soft_clip(f32::MAX).abs() <= CEILING);
    }

    #[test]
    fn limiter_is_transparent_below_its_knee_and_below_full_scale() {
        for i in -891..=891 {
            let x = i as f32 * 1e-3;
            assert_eq!(limit(x), x);
        }
        for x in [0.95f32, 1.0, 2.0, 1e3, 1e30] {
            assert!(limit(x) <= LIMIT_CEILING && limit(x) > LIMIT_KNEE && limit(x) < 1.0);
            assert_eq!(limit(-x), -limit(x));
        }
    }

    #[test]
    fn closed_form_above_the_knee() {
        // e = 1: T + K/(K+1).
        let k = CEILING - KNEE;
        let want = KNEE + k / (k + 1.0);
        assert!((soft_clip(KNEE + 1.0) - want).abs() < 1e-7);
    }

    #[test]
    fn drive_moves_knee_and_ceiling() {
        let d = drive_gain(12.0);
        let mut x = [0.01f32, KNEE / d * 0.99, 10.0];
        process_block(&mut x, d, 1.0 / d);
        assert!((x[0] - 0.01).abs() < 1e-7);
        assert!((x[1] - KNEE / d * 0.99).abs() < 1e-6);
        assert!(x[2] < CEILING / d);
    }

    #[test]
    fn feedback_above_unity_stays_below_ceiling() {
        // w = S(x + 1.2·w_prev) with a loud burst then silence: never exceeds the ceiling.
        let mut w = 0.0f32;
        for n in 0..10_000 {
            let x = if n < 100 { 1.0 } else { 0.0 };
            w = soft_clip(x + 1.2 * w);
            assert!(w.abs() < CEILING);
        }
        // Self-oscillation settles at the fixed point S(1.2 w) = w, above the knee.
        assert!(w > KNEE && w < CEILING, "{w}");
    }
}
