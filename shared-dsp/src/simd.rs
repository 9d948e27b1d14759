//! Which SIMD kernel the vectorised blocks run: the one place in Gel that asks the CPU what
//! it has.
//!
//! The CPU's features are detected once per process and cached. A block takes a [`Simd`] when
//! it is created (`Simd::current()`), keeps it, and chooses its kernel from it once per block
//! or per chunk, never per sample:
//!
//! | block | kernel | needs |
//! | --- | --- | --- |
//! | [`crate::blocks::filter::highpass_then_lowpass_stereo`] | 4-lane SSE state-space step, fused multiply-adds with FMA | SSE2 (x86-64 itself), FMA + AVX |
//! | [`crate::delay::echo::EchoEngine`] | block loops compiled for AVX (element-wise, same results) | AVX |
//! | [`crate::reverb::fdn::Fdn`] | per-sample loop on `__m256` (same operations, same results) | AVX2 (level `Avx2Fma`) |
//! | [`crate::eq::linear_phase::LinearPhaseEq`] | complex multiply-accumulate compiled for AVX (same results) | AVX |
//! | [`crate::eq::cascade`] | wavefront DF2T on `__m256d` with FMA | AVX2 + FMA |
//! | [`crate::dynamics::SlidingMax`] | in-register prefix/suffix max scans (same results) | SSE2 |
//! | [`crate::dynamics::Compressor`] | block loops compiled for AVX2 (element-wise, same results) | AVX2 (level `Avx2Fma`) |
//!
//! Every block also has a portable scalar path, the only one compiled on machines other than
//! x86-64 (aarch64 macOS and Linux): on those, [`Simd::current`] is always
//! [`SimdLevel::Scalar`]. To run that path on x86-64 as well:
//!
//! * a whole process: set the environment variable `GEL_FORCE_SCALAR=1` (read once, at the
//!   first [`Simd::current`]; `0` or empty means "not forced"), e.g.
//!   `GEL_FORCE_SCALAR=1 cargo test -p gel-dsp`;
//! * one block (tests, benches): its `set_simd(Simd::scalar())` (each vectorised block has
//!   one), or any level up to [`Simd::detected`] via [`Simd::at_most`].
//!
//! Holding a [`Simd`] is the proof that the CPU runs its level (it can only be made by this
//! module, from the detected features), which is what makes the `unsafe` calls of the
//! `#[target_feature]` kernels sound.

use std::sync::OnceLock;

/// The environment variable that forces the scalar paths for a whole process.
pub const FORCE_SCALAR_ENV: &str = "GEL_FORCE_SCALAR";

/// Instruction-set levels, each a superset of the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// Portable code only (no explicit vector instructions; what non-x86-64 machines run).
    Scalar,
    /// x86-64 baseline: SSE and SSE2 (every x86-64 CPU).
    Sse2,
    /// AVX: 8-lane `f32` / 4-lane `f64` registers.
    Avx,
    /// AVX and FMA (fused multiply-add), without AVX2 (e.g. AMD Piledriver).
    AvxFma,
    /// AVX2 and FMA (Intel since Haswell, AMD since Excavator).
    Avx2Fma,
}

impl SimdLevel {
    /// Every level, lowest first.
    pub const ALL: [SimdLevel; 5] = [
        SimdLevel::Scalar,
        SimdLevel::Sse2,
        SimdLevel::Avx,
        SimdLevel::AvxFma,
        SimdLevel::Avx2Fma,
    ];
}

/// A SIMD level this CPU runs (see the module docs). `Copy`, one byte; compare levels with
/// [`level`](Self::level) or the helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Simd {
    // Private: only `detect` and `at_most` make one, so the level is always supported.
    level: SimdLevel,
}

impl Simd {
    /// The scalar paths (always supported).
    pub const fn scalar() -> Self {
        Self {
            level: SimdLevel::Scalar,
        }
    }

    /// What the blocks run by default: [`detected`](Self::detected), or scalar when the
    /// environment variable [`FORCE_SCALAR_ENV`] is set (not `0`, not empty). Cached: the
    /// first call reads the environment (not real-time safe: call it when creating or
    /// preparing a block, which every block does), every later call is one atomic load.
    pub fn current() -> Self {
        static CURRENT: OnceLock<Simd> = OnceLock::new();
        *CURRENT.get_or_init(|| {
            if force_scalar_requested() {
                Self::scalar()
            } else {
                Self::detected()
            }
        })
    }

    /// The highest level this CPU runs, whatever the environment says (cached).
    pub fn detected() -> Self {
        static DETECTED: OnceLock<Simd> = OnceLock::new();
        *DETECTED.get_or_init(|| Self { level: detect() })
    }

    /// `level`, or the highest supported level below it if the CPU lacks it.
    pub fn at_most(level: SimdLevel) -> Self {
        Self {
            level: level.min(Self::detected().level),
        }
    }

    /// Every level this CPU runs, lowest (scalar) first.
    pub fn supported() -> impl Iterator<Item = Simd> {
        let top = Self::detected().level;
        SimdLevel::ALL
            .into_iter()
            .filter(move |&l| l <= top)
            .map(|level| Self { level })
    }

    /// The level.
    pub fn level(self) -> SimdLevel {
        self.level
    }

    /// SSE2 intrinsics may run (x86-64).
    pub fn has_sse2(self) -> bool {
        self.level >= SimdLevel::Sse2
    }

    /// AVX may run.
    pub fn has_avx(self) -> bool {
        self.level >= SimdLevel::Avx
    }

    /// AVX and FMA may run.
    pub fn has_avx_fma(self) -> bool {
        self.level >= SimdLevel::AvxFma
    }

    /// AVX2 and FMA (and AVX) may run.
    pub fn has_avx2_fma(self) -> bool {
        self.level >= SimdLevel::Avx2Fma
    }
}

impl Default for Simd {
    /// [`Simd::current`].
    fn default() -> Self {
        Self::current()
    }
}

fn force_scalar_requested() -> bool {
    std::env::var_os(FORCE_SCALAR_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    let (avx, fma) = (
        std::arch::is_x86_feature_detected!("avx"),
        std::arch::is_x86_feature_detected!("fma"),
    );
    if avx && fma && std::arch::is_x86_feature_detected!("avx2") {
        SimdLevel::Avx2Fma
    } else if avx && fma {
        SimdLevel::AvxFma
    } else if avx {
        SimdLevel::Avx
    } else {
        SimdLevel::Sse2
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Scalar
}

/// The levels a scalar-vs-SIMD agreement test compares with the scalar path: every supported
/// level above it. Prints "skipped: no AVX" when the CPU has none of the AVX levels (then
/// only the levels below AVX, if any, are compared).
#[cfg(test)]
pub(crate) fn levels_to_compare(test: &str) -> Vec<Simd> {
    if !Simd::detected().has_avx() {
        eprintln!("{test}: skipped: no AVX (only the levels below AVX are compared)");
    }
    Simd::supported()
        .filter(|s| s.level() != SimdLevel::Scalar)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_supported_and_ordered() {
        let all: Vec<Simd> = Simd::supported().collect();
        assert_eq!(all.first(), Some(&Simd::scalar()));
        assert_eq!(all.last(), Some(&Simd::detected()));
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert!(Simd::current() <= Simd::detected());
        assert_eq!(Simd::at_most(SimdLevel::Scalar), Simd::scalar());
        assert_eq!(Simd::at_most(SimdLevel::Avx2Fma), Simd::detected());
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn detection_matches_the_cpu() {
        let l = Simd::detected();
        assert!(l.has_sse2());
        assert_eq!(l.has_avx(), std::arch::is_x86_feature_detected!("avx"));
        assert_eq!(
            l.has_avx_fma(),
            std::arch::is_x86_feature_detected!("avx")
                && std::arch::is_x86_feature_detected!("fma")
        );
    }

    #[test]
    fn environment_forces_scalar() {
        // The cached value follows the variable as it was at the first call.
        let forced = force_scalar_requested();
        assert_eq!(
            Simd::current() == Simd::scalar(),
            forced || Simd::detected() == Simd::scalar()
        );
    }
}
