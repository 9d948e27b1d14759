//! Non-finite sample guard, output clamp and silence detection.
//!
//! Defined behaviour (IEEE 754 NaN/Inf propagate through every recursive
//! filter forever, so they must be stopped at the door):
//!
//! * plugin input that is NaN or ±Inf becomes silence (0.0) for that sample;
//! * [`sanitize`] reports it so the plugin can `reset()` its DSP state (a
//!   non-finite value may already sit inside a filter from an earlier block);
//! * denormal (subnormal, below 2^-126 ≈ 1.2e-38, −758 dBFS) input becomes 0.0
//!   too, silently: a fading track or another plugin's tail hands the host's
//!   denormals on, and each one would cost 10–100× per operation on x86
//!   without flush-to-zero (see [`super::denormal`]); the plugins run with it,
//!   this keeps the DSP fast where it is not;
//! * [`clamp_output`] is the last line of defence: output is always finite and
//!   within ±limit.

/// The exponent field of an `f32`: all zeros for ±0 and subnormals, all ones
/// for ±Inf and NaN (IEEE 754-2008 §3.4).
const EXPONENT_BITS: u32 = 0x7f80_0000;
const SIGN_BIT: u32 = 0x8000_0000;

/// Replaces every NaN/±Inf sample with 0.0 and every subnormal with a zero of
/// its sign. Returns true
/// if a non-finite sample was found (a subnormal needs no reset: it is
/// inaudible, far below any filter's precision).
///
/// The test looks at the exponent bits only, so a subnormal never enters an
/// arithmetic unit here (which would be the very slowdown this avoids). One
/// branch-free pass the compiler vectorises (mask, select, store, OR-reduce)
/// costs the same whether or not anything is replaced, so denormal input is
/// no slower than normal input here. On x86_64 with AVX2 the same pass runs eight
/// lanes wide (integer operations only: the same samples; [`crate::simd`] chooses).
/// The SIMD level must have been read once off the audio thread before the first call
/// (creating any gel-dsp engine does): its first read looks up an environment variable,
/// which allocates on Windows.
pub fn sanitize(channels: &mut [&mut [f32]]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::Simd::current().has_avx2_fma() {
        // SAFETY: a `Simd` with AVX2 exists only on CPUs that have it.
        return unsafe { sanitize_avx2(channels) };
    }
    sanitize_lanes(channels)
}

/// [`sanitize`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn sanitize_avx2(channels: &mut [&mut [f32]]) -> bool {
    sanitize_lanes(channels)
}

/// The pass of [`sanitize`].
#[inline(always)]
fn sanitize_lanes(channels: &mut [&mut [f32]]) -> bool {
    let mut non_finite = 0u32;
    for ch in channels.iter_mut() {
        for x in ch.iter_mut() {
            let bits = x.to_bits();
            let exponent = bits & EXPONENT_BITS;
            non_finite |= (exponent == EXPONENT_BITS) as u32;
            // Exponent 0 is ±0 or a subnormal: a zero of the same sign (as flush-to-zero does;
            // ±0 stays bit-exact).
            let cleaned = if exponent == EXPONENT_BITS {
                0
            } else if exponent == 0 {
                bits & SIGN_BIT
            } else {
                bits
            };
            *x = f32::from_bits(cleaned);
        }
    }
    non_finite != 0
}

/// True if any sample is NaN or ±Inf.
#[inline]
pub fn has_non_finite(x: &[f32]) -> bool {
    x.iter().fold(false, |acc, v| acc | !v.is_finite())
}

/// Clamps every sample to `[-limit, limit]` and replaces non-finite samples
/// with 0.0 (a NaN has no meaningful clamp). Returns true if any non-finite
/// sample was found. `limit` is taken as `|limit|`.
pub fn clamp_output(channels: &mut [&mut [f32]], limit: f32) -> bool {
    let limit = limit.abs();
    let mut found = false;
    for ch in channels.iter_mut() {
        found |= has_non_finite(ch);
        for x in ch.iter_mut() {
            *x = if x.is_finite() {
                x.clamp(-limit, limit)
            } else {
                0.0
            };
        }
    }
    found
}

/// True if every sample of every channel has `|x| <= threshold`
/// (a NaN sample is never silent).
pub fn is_silent(channels: &[&[f32]], threshold: f32) -> bool {
    channels
        .iter()
        .all(|ch| ch.iter().fold(true, |acc, x| acc & (x.abs() <= threshold)))
}

/// Stateful wrapper over [`sanitize`] that counts how often input had to be
/// sanitised (e.g. for a diagnostics display).
#[derive(Debug, Default, Clone)]
pub struct NonFiniteGuard {
    events: u64,
}

impl NonFiniteGuard {
    /// A guard with a zero event count.
    pub fn new() -> Self {
        Self::default()
    }

    /// No coefficients; present for the common block life cycle.
    pub fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    /// Clears the event count.
    pub fn reset(&mut self) {
        self.events = 0;
    }

    /// [`sanitize`]s the block; returns true (and counts an event) if any
    /// non-finite sample was replaced — the caller should then reset its
    /// DSP state.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) -> bool {
        let found = sanitize(channels);
        self.events += found as u64;
        found
    }

    /// Number of blocks in which non-finite input was found since `reset`.
    pub fn events(&self) -> u64 {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 build of the pass gives the portable pass's samples and flag bit for bit, on
    /// every kind of value (NaN, ±Inf, subnormals of both signs, ±0, normals) at every
    /// position of blocks whose lengths leave vector tails.
    #[test]
    fn avx2_pass_matches_the_portable_one() {
        let kinds = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-40,
            -1e-42,
            0.0,
            -0.0,
            0.25,
            -3.5,
            f32::MIN_POSITIVE,
        ];
        let mut seed = 99u32;
        for len in [1usize, 7, 8, 9, 31, 512, 515] {
            for with_bad in [false, true] {
                let block: Vec<f32> = (0..2 * len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        let k = (seed % kinds.len() as u32) as usize;
                        if with_bad || kinds[k].is_finite() {
                            kinds[k]
                        } else {
                            0.5
                        }
                    })
                    .collect();
                let (mut pl, mut pr) = (block[..len].to_vec(), block[len..].to_vec());
                let portable = sanitize_lanes(&mut [&mut pl, &mut pr]);
                let (mut vl, mut vr) = (block[..len].to_vec(), block[len..].to_vec());
                let chosen = sanitize(&mut [&mut vl, &mut vr]);
                let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(portable, chosen, "flag, {len}");
                assert_eq!(bits(&pl), bits(&vl), "left, {len}");
                assert_eq!(bits(&pr), bits(&vr), "right, {len}");
                #[cfg(target_arch = "x86_64")]
                if crate::simd::Simd::detected().has_avx2_fma() {
                    let (mut al, mut ar) = (block[..len].to_vec(), block[len..].to_vec());
                    // SAFETY: checked just above that the CPU has AVX2.
                    let avx = unsafe { sanitize_avx2(&mut [&mut al, &mut ar]) };
                    assert_eq!(portable, avx, "AVX2 flag, {len}");
                    assert_eq!(bits(&pl), bits(&al), "AVX2 left, {len}");
                    assert_eq!(bits(&pr), bits(&ar), "AVX2 right, {len}");
                }
            }
        }
    }

    #[test]
    fn sanitize_replaces_non_finite_and_subnormal() {
        let mut a = [1.0, f32::NAN, -2.0, f32::INFINITY];
        let mut b = [f32::NEG_INFINITY, 0.5, 1e-40, -0.0];
        assert!(sanitize(&mut [&mut a, &mut b]));
        assert_eq!(a, [1.0, 0.0, -2.0, 0.0]);
        assert_eq!(b[0], 0.0);
        assert_eq!(b[1], 0.5);
        assert_eq!(b[2].to_bits(), 0, "a subnormal becomes +0.0");
        let mut c = [0.1, 0.2];
        assert!(!sanitize(&mut [&mut c]));
        assert_eq!(c, [0.1, 0.2]);
    }

    #[test]
    fn subnormals_become_zero_without_a_reset() {
        let smallest_normal = f32::MIN_POSITIVE;
        let largest_subnormal = f32::from_bits(smallest_normal.to_bits() - 1);
        let smallest_subnormal = f32::from_bits(1);
        assert!(largest_subnormal.is_subnormal() && smallest_subnormal.is_subnormal());
        let mut a = [
            smallest_normal,
            largest_subnormal,
            -smallest_subnormal,
            -smallest_normal,
            0.25,
            -0.0,
        ];
        assert!(
            !sanitize(&mut [&mut a]),
            "only non-finite input asks for a reset"
        );
        let bits: Vec<u32> = a.iter().map(|x| x.to_bits()).collect();
        let expected = [smallest_normal, 0.0, -0.0, -smallest_normal, 0.25, -0.0];
        assert_eq!(
            bits,
            expected.map(f32::to_bits),
            "signed zeros, normals bit-exact"
        );
        // Denormal noise, as a host hands on a fading track: all of it silence.
        let mut noise: Vec<f32> = (1..=64).map(|i| i as f32 * 1e-40).collect();
        assert!(!sanitize(&mut [&mut noise]));
        assert!(noise.iter().all(|x| x.to_bits() == 0));
    }

    #[test]
    fn clamp_output_is_finite_and_bounded() {
        let mut a = [3.0, -3.0, f32::NAN, f32::INFINITY, 0.5];
        assert!(clamp_output(&mut [&mut a], 2.0));
        assert_eq!(a, [2.0, -2.0, 0.0, 0.0, 0.5]);
        let mut b = [0.1];
        assert!(!clamp_output(&mut [&mut b], -1.0));
        assert_eq!(b, [0.1]);
    }

    #[test]
    fn silence() {
        assert!(is_silent(&[&[0.0, 1e-7, -1e-7], &[]], 1e-6));
        assert!(!is_silent(&[&[0.0], &[1e-3]], 1e-6));
        assert!(!is_silent(&[&[f32::NAN]], 1.0));
        assert!(is_silent(&[], 0.0));
    }

    #[test]
    fn guard_counts_events() {
        let mut g = NonFiniteGuard::new();
        let mut a = [f32::NAN];
        assert!(g.process(&mut [&mut a]));
        assert!(!g.process(&mut [&mut a]));
        assert_eq!(g.events(), 1);
        g.reset();
        assert_eq!(g.events(), 0);
    }
}
