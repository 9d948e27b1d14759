//! Flush-to-zero / denormals-are-zero guard.
//!
//! Subnormal ("denormal") floats appear in decaying recursive filters and can
//! cost 10–100× per operation on x86 (Intel® 64 and IA-32 Architectures
//! Optimization Reference Manual, §"Floating-point modes and exceptions",
//! denormals). The fix is the CPU's own mode bits, set for the duration of a
//! processing call:
//!
//! * x86/x86_64, MXCSR (Intel SDM Vol. 1 §10.2.3): bit 15 = FZ (flush
//!   subnormal *results* to zero), bit 6 = DAZ (treat subnormal *inputs* as
//!   zero).
//! * aarch64, FPCR (Arm ARM, "FPCR, Floating-point Control Register"):
//!   bit 24 = FZ (flushes subnormal inputs and outputs).
//! * elsewhere: no-op.
//!
//! The mode is per thread; the guard is therefore `!Send` and restores the
//! exact previous register value when dropped.
//!
//! Where the mode is not set (a host thread without it, an architecture the
//! guard does not cover), two cheap measures keep the DSP off denormals: input
//! samples are flushed at the door ([`super::guard::sanitize`]), and recursive
//! filters zero their states once per block when they have decayed below
//! [`STATE_FLOOR`] ([`flush_state`]), so a tail never lingers for thousands of
//! samples in the subnormal range.

use std::marker::PhantomData;

/// A feedback state below this magnitude (1e-20, −400 dBFS, 250 dB under a
/// 24-bit converter's noise floor) is zeroed at the end of a block: inaudible,
/// and still far above the subnormal range (below 2^-126 ≈ 1.2e-38) that a
/// decaying state would otherwise enter.
pub const STATE_FLOOR: f32 = 1e-20;

/// Zeroes `state` when `|state| <` [`STATE_FLOOR`] (subnormals included).
/// Compares the bit pattern as an integer (positive floats order like their
/// bits), so a subnormal never reaches a floating-point unit here. Call once
/// per block on a filter's states, not per sample.
#[inline]
pub fn flush_state(state: &mut f32) {
    if state.to_bits() & 0x7fff_ffff < STATE_FLOOR.to_bits() {
        *state = 0.0;
    }
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
mod imp {
    /// MXCSR bit 15 (FZ) | bit 6 (DAZ).
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

    pub type Mode = u32;

    /// MXCSR bits 0–5 are sticky exception *flags*, not modes; the
    /// subnormal test operations themselves set bit 1 (DE).
    #[cfg(test)]
    pub fn control_bits(mode: Mode) -> Mode {
        mode & !0x3f
    }

    // Inline asm rather than `_mm_getcsr`/`_mm_setcsr`, which are deprecated.
    pub fn get() -> Mode {
        let mut v: u32 = 0;
        // SAFETY: SSE is part of the x86_64 baseline (and of Rust's i686
        // targets); STMXCSR stores 4 bytes to a valid, aligned local.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut v as *mut u32, options(nostack, preserves_flags))
        };
        v
    }

    pub fn set(mode: Mode) {
        // SAFETY: we only ever load a value read from MXCSR, possibly with
        // FZ/DAZ added; both bits are defined on every SSE2 CPU.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &mode as *const u32, options(nostack, preserves_flags, readonly))
        };
    }

    pub fn with_flush(mode: Mode) -> Mode {
        mode | FTZ_DAZ
    }

    pub fn is_flushing(mode: Mode) -> bool {
        mode & FTZ_DAZ == FTZ_DAZ
    }
}

#[cfg(target_arch = "aarch64")]
mod imp {
    /// FPCR bit 24 (FZ).
    const FZ: u64 = 1 << 24;

    pub type Mode = u64;

    /// FPCR holds only control bits (flags live in FPSR).
    #[cfg(test)]
    pub fn control_bits(mode: Mode) -> Mode {
        mode
    }

    pub fn get() -> Mode {
        let v: u64;
        // SAFETY: reading FPCR is always permitted at EL0.
        unsafe {
            std::arch::asm!("mrs {}, fpcr", out(reg) v, options(nomem, nostack, preserves_flags))
        };
        v
    }

    pub fn set(mode: Mode) {
        // SAFETY: writes back a value read from FPCR with at most FZ added.
        unsafe {
            std::arch::asm!("msr fpcr, {}", in(reg) mode, options(nomem, nostack, preserves_flags))
        };
    }

    pub fn with_flush(mode: Mode) -> Mode {
        mode | FZ
    }

    pub fn is_flushing(mode: Mode) -> bool {
        mode & FZ != 0
    }
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
mod imp {
    pub type Mode = ();
    pub fn get() -> Mode {}
    pub fn set(_mode: Mode) {}
    pub fn with_flush(_mode: Mode) -> Mode {}
    pub fn is_flushing(_mode: Mode) -> bool {
        false
    }
}

/// RAII guard: enables flush-to-zero (and denormals-are-zero on x86) for the
/// current thread while alive, restores the previous mode on drop.
///
/// ```
/// let _ftz = gel_dsp::DenormalGuard::new();
/// // ... process audio ...
/// ```
#[must_use = "the mode is restored as soon as the guard is dropped"]
pub struct DenormalGuard {
    previous: imp::Mode,
    /// The FP mode is per thread: the guard must be dropped on the thread
    /// that created it.
    _not_send: PhantomData<*const ()>,
}

impl DenormalGuard {
    /// Enables FTZ/DAZ and remembers the previous mode. Real-time safe (two
    /// register accesses).
    pub fn new() -> Self {
        let previous = imp::get();
        imp::set(imp::with_flush(previous));
        Self {
            previous,
            _not_send: PhantomData,
        }
    }

    /// True if this thread currently flushes denormals (always false on
    /// architectures the guard does not support).
    pub fn is_flushing() -> bool {
        imp::is_flushing(imp::get())
    }
}

impl Default for DenormalGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for DenormalGuard {
    fn drop(&mut self) {
        imp::set(self.previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;

    #[test]
    fn flush_state_zeroes_only_below_the_floor() {
        let below = f32::from_bits(STATE_FLOOR.to_bits() - 1);
        for (x, flushed) in [
            (STATE_FLOOR, false),
            (-STATE_FLOOR, false),
            (0.5, false),
            (below, true),
            (-below, true),
            (1e-40, true),
            (-f32::from_bits(1), true),
            (-0.0, true),
        ] {
            let mut s = x;
            flush_state(&mut s);
            if flushed {
                assert_eq!(s.to_bits(), 0, "{x:e} becomes +0.0");
            } else {
                assert_eq!(s, x, "{x:e} is kept");
            }
        }
    }

    #[cfg(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"))]
    #[test]
    fn flushes_and_restores() {
        // The smallest positive normal is 2^-126; half of it is subnormal.
        let tiny = f32::MIN_POSITIVE / 2.0;
        assert!(tiny.is_subnormal());
        let before = imp::get();
        // Default IEEE mode keeps the subnormal.
        assert_eq!(black_box(tiny) * black_box(1.0f32), tiny);
        {
            let _g = DenormalGuard::new();
            assert!(DenormalGuard::is_flushing());
            assert_eq!(black_box(tiny) * black_box(1.0f32), 0.0);
            // Nested guard restores to the outer guard's mode.
            {
                let _g2 = DenormalGuard::new();
            }
            assert!(DenormalGuard::is_flushing());
        }
        assert_eq!(imp::control_bits(imp::get()), imp::control_bits(before));
        assert!(!DenormalGuard::is_flushing());
        assert_eq!(black_box(tiny) * black_box(1.0f32), tiny);
    }
}
