//! Fast `log2` / `exp2` for the compressor's level and gain conversions.
//!
//! Both use the classic range reduction on the IEEE-754 representation
//! (Cody & Waite, *Software Manual for the Elementary Functions*, 1980;
//! Muller, *Elementary Functions*, 3rd ed., 2016, ch. 11):
//!
//! * `log2(x)`: `x = 2^e·m`, `m ∈ [1, 2)`, then `log2(m) = (2/ln 2)·atanh(t)`
//!   with `t = (m−1)/(m+1) ∈ [0, 1/3)` and the series
//!   `atanh(t) = t + t³/3 + t⁵/5 + t⁷/7 + …`. Truncation after `t⁷` leaves
//!   at most `(1/3)⁹/9·(2/ln 2)/(1 − 1/9) ≈ 2e-5` in log2, i.e. 1.2e-4 dB
//!   (test `log2_error_bound`).
//! * `exp2(x)`: `x = i + f`, `i = round(x)`, `f ∈ [−½, ½]`,
//!   `2^f = e^{f·ln 2}` by its Taylor series to degree 6 (remainder
//!   `(ln2/2)⁷/7! ≈ 1.2e-7` relative), then `2^i` is put in the exponent bits.
//!   `exp2(0)` is exactly 1, so a gain reduction of exactly 0 dB gives a
//!   gain of exactly 1 (bit-exact pass-through below the threshold).
//!
//! The rounding in `exp2` uses the `1.5·2²³` magic-number trick instead of
//! `floor`, which is a library call on baseline x86-64; the loop over a block
//! of gains then vectorises.

use std::f32::consts::LN_2;

/// `20·log10(2)`: dB per octave of amplitude.
pub const DB_PER_LOG2: f32 = 6.020_6;
/// `1/DB_PER_LOG2`.
pub const LOG2_PER_DB: f32 = 1.0 / DB_PER_LOG2;

/// Approximate `log2(x)` for finite `x > 0` (smallest accepted: `f32::MIN_POSITIVE`).
#[inline(always)]
pub fn log2(x: f32) -> f32 {
    let x = x.max(f32::MIN_POSITIVE);
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0))));
    e as f32 + (2.0 / LN_2) * series
}

/// Approximate `2^x`; `x` is clamped to `[−126, 127]`.
#[inline(always)]
pub fn exp2(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5·2^23: adding it rounds to an integer
    let x = x.clamp(-126.0, 127.0);
    let r = (x + MAGIC) - MAGIC;
    let f = (x - r) * LN_2;
    let p = 1.0
        + f * (1.0
            + f * (1.0 / 2.0
                + f * (1.0 / 6.0 + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0))))));
    let scale = f32::from_bits(((r as i32 + 127) as u32) << 23);
    p * scale
}

/// Amplitude to dB with [`log2`]: `20·log10(a)`.
#[inline(always)]
pub fn amp_to_db(a: f32) -> f32 {
    DB_PER_LOG2 * log2(a)
}

/// Power (mean square) to dB with [`log2`]: `10·log10(p)`.
#[inline(always)]
pub fn power_to_db(p: f32) -> f32 {
    0.5 * DB_PER_LOG2 * log2(p)
}

/// Gain for a reduction of `gr_db` dB (≥ 0): `10^(−gr/20)`.
#[inline(always)]
pub fn reduction_to_gain(gr_db: f32) -> f32 {
    exp2(-gr_db * LOG2_PER_DB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_error_bound() {
        let mut worst = 0.0f64;
        let mut x = 1e-30f32;
        while x < 1e30 {
            let e = (log2(x) as f64 - (x as f64).log2()).abs();
            worst = worst.max(e);
            x *= 1.0007;
        }
        // 2e-5 series bound plus f32 rounding of the sum (|log2| up to 100).
        assert!(worst < 3e-5 + 100.0 * f32::EPSILON as f64, "worst {worst}");
        // in dB: below 2e-4 dB for amplitudes within ±1 octave of 1.
        let mut worst_db = 0.0f64;
        for i in 0..10_000 {
            let a = 0.5 + i as f32 * 1.5e-4;
            worst_db = worst_db.max((amp_to_db(a) as f64 - 20.0 * (a as f64).log10()).abs());
        }
        assert!(worst_db < 2e-4, "worst dB {worst_db}");
    }

    #[test]
    fn exp2_error_bound_and_exact_unity() {
        assert_eq!(exp2(0.0), 1.0);
        assert_eq!(exp2(-0.0), 1.0);
        assert_eq!(reduction_to_gain(0.0), 1.0);
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            let x = -120.0 + i as f32 * 0.0007;
            let rel = (exp2(x) as f64 / (x as f64).exp2() - 1.0).abs();
            worst = worst.max(rel);
        }
        assert!(worst < 1e-6, "worst relative {worst}");
    }
}
