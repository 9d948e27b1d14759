//! Fast, accurate `log2` / `exp2` (and the dB conversions built on them) for per-sample use in
//! level detectors and gain computers: branch-free, so a loop over a block of samples
//! vectorises, and within a few ulp of the exact functions.
//!
//! Both are the single-precision algorithms of the Cephes Math Library (S. L. Moshier,
//! `log2f.c` and `exp2f.c`, 1984–1992; the method is in Moshier, *Methods and Programs for
//! Mathematical Functions*, Ellis Horwood, 1989, and the range reductions in Cody & Waite,
//! *Software Manual for the Elementary Functions*, 1980), with the branches of the originals
//! turned into selects:
//!
//! * [`log2`]: `x = 2^e·m` from the IEEE-754 bits with `m ∈ [√½, √2)`, `z = m − 1`, then
//!   `ln(1 + z) = z − z²/2 + z³·P(z)` with Cephes' degree-8 minimax polynomial `P` (logf.c /
//!   log2f.c), and `log2(m) = ln(1 + z)·log2(e)`, where the multiplication by
//!   `log2(e) = 1 + 0.44269504…` is split as in log2f.c so its rounding error stays small.
//!   Cephes quotes a peak relative error of 7.6e-8 for `ln(1 + z)` on this range. Measured here
//!   against `f64::log2` (test `log2_error_bound`): absolute error at most `1e-7 +
//!   |log2(x)|·2⁻²³` (the second term is the rounding of the result itself; 6e-8 measured
//!   for `x ∈ [½, 2]`). In dB ([`amp_to_db`]): at most `4e-7 + 2e-7·|dB|`, so 4e-6 dB at
//!   ±20 dB and 1.5e-4 dB at −758 dB, the smallest level it reads.
//! * [`exp2`]: `x = i + f` with `i = round(x)`, `f ∈ [−½, ½]`, `2^f = 1 + f·P(f)` with Cephes'
//!   degree-5 polynomial `P` (exp2f.c, peak relative error 1.7e-7 quoted), then `2^i` is
//!   written into the exponent bits. Measured relative error (test `exp2_error_bound`):
//!   below 1.5e-7 (9.4e-8 measured), i.e. 1.3e-6 dB. [`db_to_amp`] adds the rounding of
//!   `dB·log2(10)/20`: its result is within `1e-6 + 6e-8·|dB|` dB of exact. `exp2(0)` is exactly 1 (`f = 0` makes the polynomial
//!   term vanish), so a gain reduction of exactly 0 dB is a gain of exactly 1.
//!
//! The rounding in `exp2` adds and subtracts the magic number `1.5·2²³` (the float adder
//! rounds to an integer; the integer is then read straight from the sum's low mantissa bits)
//! instead of calling `floor`/`round` and converting with `as i32`, which are a library call on
//! baseline x86-64 and a saturating (scalar) conversion: with neither, the block loops below
//! vectorise.
//!
//! Inputs: [`log2`] takes finite `x > 0`; zero, negatives, NaN and subnormals read as
//! `f32::MIN_POSITIVE` (−126), `+∞` as `f32::MAX`. [`exp2`] clamps `x` to `[−126, 127]`.

/// `20·log10(2)`: dB per octave of amplitude.
pub const DB_PER_LOG2: f32 = 6.020_6;
/// `1/DB_PER_LOG2`: octaves of amplitude per dB.
pub const LOG2_PER_DB: f32 = 1.0 / DB_PER_LOG2;

/// Cephes logf.c / log2f.c `P`, highest degree first: `ln(1+z) ≈ z − z²/2 + z³·P(z)`.
const LOG_P: [f32; 9] = [
    7.037_683_6e-2,
    -1.151_461e-1,
    1.167_699_9e-1,
    -1.242_014_1e-1,
    1.424_932_3e-1,
    -1.666_805_8e-1,
    2.000_071_5e-1,
    -2.499_999_4e-1,
    3.333_333e-1,
];
/// `log2(e) − 1` (Cephes `LOG2EA`).
const LOG2EA: f32 = 0.442_695_04;

/// Cephes exp2f.c `P`, highest degree first: `2^f ≈ 1 + f·P(f)`, `|f| ≤ ½`.
const EXP2_P: [f32; 6] = [
    1.535_336_2e-4,
    1.339_887_4e-3,
    9.618_437e-3,
    5.550_332_5e-2,
    2.402_264_8e-1,
    6.931_472e-1,
];

/// `1.5·2²³`: adding it rounds an `f32` of magnitude below 2²² to an integer, which then sits
/// in the low mantissa bits of the sum.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// `a > b ? a : b`: one `maxss`/`maxps` (`f32::max`'s NaN rule costs three more instructions
/// per call, and NaN cannot reach the callers here).
#[inline(always)]
fn select_max(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// `log2(x)` (see the module docs for the error bound and the accepted inputs).
#[inline(always)]
pub fn log2(x: f32) -> f32 {
    // NaN and x ≤ MIN_POSITIVE fail the comparison and become MIN_POSITIVE.
    let x = select_max(x, f32::MIN_POSITIVE);
    let x = if x < f32::MAX { x } else { f32::MAX };
    let bits = x.to_bits();
    let mut e = ((bits >> 23) as i32 - 127) as f32;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // [1, 2)
                                                                    // Centre the mantissa on 1: [√½, √2).
    let big = m > std::f32::consts::SQRT_2;
    m = if big { 0.5 * m } else { m };
    e = if big { e + 1.0 } else { e };
    let z = m - 1.0;
    let z2 = z * z;
    let mut p = LOG_P[0];
    for &c in &LOG_P[1..] {
        p = p * z + c;
    }
    let y = z * (z2 * p) - 0.5 * z2;
    // log2(1+z) = (y + z)·log2(e), summed smallest first (Cephes log2f.c).
    y * LOG2EA + z * LOG2EA + y + z + e
}

/// `2^x` (see the module docs for the error bound); `x` is clamped to `[−126, 127]`.
#[inline(always)]
pub fn exp2(x: f32) -> f32 {
    let x = if x > -126.0 { x } else { -126.0 };
    let x = if x < 127.0 { x } else { 127.0 };
    let shifted = x + ROUND_MAGIC;
    let i = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits()) as i32;
    let f = x - (shifted - ROUND_MAGIC);
    let mut p = EXP2_P[0];
    for &c in &EXP2_P[1..] {
        p = p * f + c;
    }
    let scale = f32::from_bits(((i + 127) as u32) << 23);
    (1.0 + f * p) * scale
}

/// Amplitude to dB: `20·log10(a)`.
#[inline(always)]
pub fn amp_to_db(a: f32) -> f32 {
    DB_PER_LOG2 * log2(a)
}

/// Power (mean square) to dB: `10·log10(p)`.
#[inline(always)]
pub fn power_to_db(p: f32) -> f32 {
    (0.5 * DB_PER_LOG2) * log2(p)
}

/// dB to amplitude: `10^(db/20)`.
#[inline(always)]
pub fn db_to_amp(db: f32) -> f32 {
    exp2(db * LOG2_PER_DB)
}

/// Gain for a reduction of `gr_db` dB: `10^(−gr/20)` (exactly 1 for 0 dB).
#[inline(always)]
pub fn reduction_to_gain(gr_db: f32) -> f32 {
    exp2(-gr_db * LOG2_PER_DB)
}

/// [`log2`] of every value, in place (vectorises).
#[inline(always)]
pub fn log2_block(buf: &mut [f32]) {
    for x in buf {
        *x = log2(*x);
    }
}

/// [`exp2`] of every value, in place (vectorises).
#[inline(always)]
pub fn exp2_block(buf: &mut [f32]) {
    for x in buf {
        *x = exp2(*x);
    }
}

/// [`amp_to_db`] of every value, in place (vectorises).
#[inline(always)]
pub fn amp_to_db_block(buf: &mut [f32]) {
    for x in buf {
        *x = amp_to_db(*x);
    }
}

/// [`db_to_amp`] of every value, in place (vectorises).
#[inline(always)]
pub fn db_to_amp_block(buf: &mut [f32]) {
    for x in buf {
        *x = db_to_amp(*x);
    }
}

/// [`reduction_to_gain`] of every value, in place (vectorises).
#[inline(always)]
pub fn reduction_to_gain_block(buf: &mut [f32]) {
    for x in buf {
        *x = reduction_to_gain(*x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every finite positive normal `f32` from 1e-37 to 1e37, in steps of 0.013 %.
    fn sweep() -> impl Iterator<Item = f32> {
        std::iter::successors(Some(1e-37f32), |&x| Some(x * 1.000_13)).take_while(|&x| x < 1e37)
    }

    #[test]
    fn log2_error_bound() {
        let mut worst_excess = f64::MIN;
        for x in sweep() {
            let exact = (x as f64).log2();
            let err = (log2(x) as f64 - exact).abs();
            // The documented bound: 1e-7 + |log2 x|·2⁻²³.
            worst_excess = worst_excess.max(err - (1e-7 + exact.abs() * f32::EPSILON as f64));
            let db = 20.0 * (x as f64).log10();
            let err_db = (amp_to_db(x) as f64 - db).abs();
            worst_excess = worst_excess.max(err_db - (4e-7 + 2e-7 * db.abs()));
        }
        assert!(worst_excess <= 0.0, "bound exceeded by {worst_excess}");
        // Every mantissa around 1 (where the centring switches at √2 and √½).
        for i in 0..1_000_000 {
            let x = 0.5 + i as f32 * 1.5e-6;
            let err = (log2(x) as f64 - (x as f64).log2()).abs();
            assert!(err < 1e-7, "x {x} err {err}");
        }
        // In dB: below 4e-6 dB within ±20 dB of full scale.
        let mut worst_db = 0.0f64;
        for i in 0..400_000 {
            let a = 0.1 + i as f32 * 2.25e-5;
            worst_db = worst_db.max((amp_to_db(a) as f64 - 20.0 * (a as f64).log10()).abs());
        }
        assert!(worst_db < 4e-6, "worst dB {worst_db}");
    }

    #[test]
    fn log2_exact_at_powers_of_two_and_safe_at_the_edges() {
        for k in -126..=127 {
            assert_eq!(log2((k as f32).exp2()), k as f32, "2^{k}");
        }
        assert_eq!(log2(0.0), -126.0);
        assert_eq!(log2(-1.0), -126.0);
        assert_eq!(log2(f32::NAN), -126.0);
        assert_eq!(log2(1e-40), -126.0); // subnormal
        assert!((log2(f32::INFINITY) - 128.0).abs() < 1e-5);
    }

    #[test]
    fn exp2_error_bound_and_exact_unity() {
        assert_eq!(exp2(0.0), 1.0);
        assert_eq!(exp2(-0.0), 1.0);
        assert_eq!(reduction_to_gain(0.0), 1.0);
        let mut worst = 0.0f64;
        for i in 0..2_530_000 {
            let x = -126.0 + i as f32 * 1e-4;
            let rel = (exp2(x) as f64 / (x as f64).exp2() - 1.0).abs();
            worst = worst.max(rel);
        }
        assert!(worst < 1.5e-7, "worst relative {worst}");
        for k in -126..=127 {
            assert_eq!(exp2(k as f32), (k as f32).exp2(), "2^{k}");
        }
        // Clamped outside [−126, 127].
        assert_eq!(exp2(-1000.0), f32::MIN_POSITIVE);
        assert_eq!(exp2(1000.0), 127f32.exp2());
    }

    #[test]
    fn db_conversions_match_std() {
        for i in 0..40_000 {
            let db = -120.0 + i as f32 * 0.006;
            let bound = 1e-6 + 6e-8 * db.abs() as f64;
            let err = (20.0 * (db_to_amp(db) as f64).log10() - db as f64).abs();
            assert!(err < bound, "{db} dB: {err}");
            let gr = db.abs();
            let err = (-20.0 * (reduction_to_gain(gr) as f64).log10() - gr as f64).abs();
            assert!(err < bound, "reduction {gr} dB: {err}");
            let p = 10f64.powf(db as f64 / 10.0);
            let err = (power_to_db(p as f32) as f64 - 10.0 * p.log10()).abs();
            assert!(err < 4e-7 + 2e-7 * db.abs() as f64, "power {db} dB: {err}");
        }
    }

    #[test]
    fn block_forms_match_the_scalar_forms() {
        let xs: Vec<f32> = (0..1000).map(|i| (i as f32 - 300.0) * 0.37).collect();
        let mut b = xs.clone();
        exp2_block(&mut b);
        assert!(b.iter().zip(&xs).all(|(&y, &x)| y == exp2(x)));
        let pos: Vec<f32> = xs.iter().map(|x| x.abs() + 1e-3).collect();
        let mut b = pos.clone();
        log2_block(&mut b);
        assert!(b.iter().zip(&pos).all(|(&y, &x)| y == log2(x)));
        let mut b = pos.clone();
        amp_to_db_block(&mut b);
        assert!(b.iter().zip(&pos).all(|(&y, &x)| y == amp_to_db(x)));
        let mut b = xs.clone();
        db_to_amp_block(&mut b);
        assert!(b.iter().zip(&xs).all(|(&y, &x)| y == db_to_amp(x)));
        let mut b = pos.clone();
        reduction_to_gain_block(&mut b);
        assert!(b.iter().zip(&pos).all(|(&y, &x)| y == reduction_to_gain(x)));
    }
}
