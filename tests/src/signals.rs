//! Test signals and measurements.

use std::f64::consts::TAU;

/// A sine at `freq` Hz with peak amplitude `amp`, `len` samples at `sample_rate`.
pub fn sine(freq: f64, amp: f32, sample_rate: f64, len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| (amp as f64 * (TAU * freq * n as f64 / sample_rate).sin()) as f32)
        .collect()
}

/// A small deterministic PRNG (xorshift64*), so every run feeds the same "random" data.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }
}

/// Uniform white noise in [-amp, amp], deterministic for a given seed.
pub fn noise(seed: u64, amp: f32, len: usize) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    (0..len)
        .map(|_| ((rng.next_f64() * 2.0 - 1.0) as f32) * amp)
        .collect()
}

/// A unit impulse at `at`.
pub fn impulse(len: usize, at: usize) -> Vec<f32> {
    let mut v = vec![0.0; len];
    if at < len {
        v[at] = 1.0;
    }
    v
}

pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// dBFS of a linear amplitude; -inf for 0.
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.abs().log10()
}

pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

pub fn peak_db(x: &[f32]) -> f64 {
    gain_to_db(f64::from(peak(x)))
}

pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

pub fn all_finite(x: &[f32]) -> bool {
    x.iter().all(|v| v.is_finite())
}

/// "Silent" for the conformance suite: exactly zero, or every sample below -150 dBFS (a level
/// no converter reproduces; leaves room for denormal-ish residue of filters).
pub const SILENCE_DB: f64 = -150.0;

pub fn is_silent(x: &[f32]) -> bool {
    x.iter()
        .all(|v| *v == 0.0 || gain_to_db(f64::from(*v)) < SILENCE_DB)
}

/// Largest first difference max |x[n] - x[n-1]| (0 for fewer than 2 samples).
pub fn max_jump(x: &[f32]) -> f64 {
    x.windows(2)
        .map(|w| (f64::from(w[1]) - f64::from(w[0])).abs())
        .fold(0.0, f64::max)
}

/// Largest second difference max |x[n] - 2x[n-1] + x[n-2]|. For a sine of amplitude A and
/// angular step w this is A·w² (tiny: 440 Hz at 48 kHz, -12 dBFS → 0.25·0.0576² ≈ 8e-4), while a
/// step of height h in the signal shows up as h. So it separates clicks from signal slope far
/// better than the first difference, whose sine baseline A·w ≈ 0.014 is large.
pub fn max_second_diff(x: &[f32]) -> f64 {
    x.windows(3)
        .map(|w| (f64::from(w[2]) - 2.0 * f64::from(w[1]) + f64::from(w[0])).abs())
        .fold(0.0, f64::max)
}

/// Click detector: the largest second difference of `x` divided by that of the reference
/// output (the same plugin on the same input without modulation). Values near 1 mean "as
/// smooth as the reference". Returns the ratio and the sample index of the worst spot.
pub fn click_ratio(x: &[f32], reference: &[f32]) -> (f64, usize) {
    let mut worst = 0.0;
    let mut at = 0;
    for (i, w) in x.windows(3).enumerate() {
        let d = (f64::from(w[2]) - 2.0 * f64::from(w[1]) + f64::from(w[0])).abs();
        if d > worst {
            worst = d;
            at = i + 2;
        }
    }
    let base = max_second_diff(reference).max(1e-9);
    (worst / base, at)
}

/// Index of the first sample whose |value| is the largest (None for an all-zero signal).
pub fn argmax_abs(x: &[f32]) -> Option<usize> {
    let mut best = 0.0f32;
    let mut at = None;
    for (i, v) in x.iter().enumerate() {
        if v.abs() > best {
            best = v.abs();
            at = Some(i);
        }
    }
    at
}

/// Index of the first sample with |value| above `threshold`.
pub fn first_above(x: &[f32], threshold: f32) -> Option<usize> {
    x.iter().position(|v| v.abs() > threshold)
}

/// Index of the first sample where `a` and `b` differ bit for bit.
pub fn first_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_difference_separates_sine_from_step() {
        let mut s = sine(440.0, 0.25, 48_000.0, 4800);
        let base = max_second_diff(&s);
        assert!(base < 1e-3, "{base}");
        for v in &mut s[2400..] {
            *v += 0.01; // a -40 dB step
        }
        let (ratio, at) = click_ratio(&s, &sine(440.0, 0.25, 48_000.0, 4800));
        assert!(ratio > 10.0, "{ratio}");
        assert!((2400..=2401).contains(&at), "{at}");
    }

    #[test]
    fn noise_is_deterministic() {
        assert_eq!(noise(7, 1.0, 64), noise(7, 1.0, 64));
        assert!(noise(7, 1.0, 64).iter().all(|v| v.abs() <= 1.0));
    }
}
