//! The audio thread's handoff: one single-producer ring per signal (output, input) that holds
//! only what the publisher analyses — one analysis window of `N` samples in every
//! [`DECIMATION`] (see the crate docs, "Cost and statistics").
//!
//! **Schedule.** Stream position `p` (samples since the ring was made) is captured when
//! `(p + shift) mod P < N`, with `P ≈ (DECIMATION + 0.618)·N` ([`period`]) and `shift = 0` for the output, `P/2` for
//! the input (so the two rings never copy in the same block when blocks are shorter than
//! `P/2 − N`; the worst block costs one copy, not two). Window `k` occupies stream positions
//! `[k·P − shift, k·P − shift + N)`; captured samples are stored contiguously, captured sample
//! `j` (counting from the first window) at ring index `j mod RING_LEN`, so the ring holds the
//! last `RING_LEN / N` (≥ 2) windows.
//!
//! **Cost per block.** Outside a window: two relaxed loads, a comparison with the start of the
//! next window and one release store of the position counter. Inside: also one relaxed 64-bit store per stereo frame (left and right
//! packed). Plain stores would let the compiler emit a vector `memcpy`, but a plain write the
//! publisher reads concurrently is a data race (undefined behaviour in Rust's memory model); a
//! micro-benchmark on the development machine found the relaxed-store loop within 2× of a
//! plain copy (both bound by the stores), so the saving is in copying less, not copying
//! differently.
//!
//! **Consistency** (a sequence lock over the whole ring, with the position counter as the
//! sequence): the reader copies a complete window, then re-reads the counter; if the producer
//! could have begun overwriting the window in the meantime (the captured count reached two
//! windows past it: one complete window and one being written), the copy is dropped. A block
//! would have to exceed `P` samples (682 ms at 48 kHz) to overwrite a window before the counter
//! shows it. No allocation, no lock, no system call, no waiting on the audio thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Ring capacity in stereo frames (128 KiB): two windows at the largest FFT size.
pub(crate) const RING_LEN: usize = 1 << 14;
const MASK: usize = RING_LEN - 1;
/// One analysis window captured in every `DECIMATION` (see the crate docs).
pub(crate) const DECIMATION: u64 = 8;

/// The capture period for windows of `n` samples: about `(DECIMATION + 0.618)·n`, odd. Not a
/// multiple of a power of two, and with the golden ratio's fractional part, so successive
/// windows spread evenly (three-distance theorem) over every phase of a signal whose period
/// is a power of two — a loop, or the host tests' periodic noise — instead of seeing the same
/// pieces of it forever.
pub(crate) fn period(n: u64) -> u64 {
    (n * DECIMATION + n * 633 / 1024) | 1
}

pub(crate) struct Ring {
    /// Stereo frames: left sample bits in the low half, right in the high half.
    frames: Box<[AtomicU64]>,
    /// Samples ever pushed (per channel), captured or not: the stream position.
    written: AtomicU64,
    /// Window length `N` (samples); the period is `DECIMATION·N`.
    window: AtomicU64,
    /// Producer only: no window begins before this stream position (the fast path).
    idle_until: AtomicU64,
    /// Offset the schedule by half a period (the input ring).
    staggered: bool,
    /// Set by the first push (the instance has this signal).
    used: AtomicBool,
}

/// Where window `k` lies: `(stream start, first captured index)`.
#[derive(Clone, Copy)]
struct Schedule {
    n: u64,
    period: u64,
    shift: u64,
}

impl Schedule {
    /// Captured samples before stream position `pos`.
    fn captured_before(&self, pos: u64) -> u64 {
        let q = pos + self.shift;
        (q / self.period) * self.n + (q % self.period).min(self.n)
    }
}

impl Ring {
    pub fn new(window: usize, staggered: bool) -> Self {
        Self {
            frames: (0..RING_LEN).map(|_| AtomicU64::new(0)).collect(),
            written: AtomicU64::new(0),
            window: AtomicU64::new(window.min(RING_LEN / 2) as u64),
            idle_until: AtomicU64::new(0),
            staggered,
            used: AtomicBool::new(false),
        }
    }

    /// From `set_sample_rate` (activation, the audio thread is not running).
    pub fn set_window(&self, window: usize) {
        self.window
            .store(window.min(RING_LEN / 2) as u64, Ordering::Release);
        self.idle_until.store(0, Ordering::Relaxed);
    }

    fn schedule(&self, n: u64) -> Schedule {
        let period = period(n);
        Schedule {
            n,
            period,
            shift: if self.staggered { period / 2 } else { 0 },
        }
    }

    /// Producer (audio thread). Only one thread may push into a ring at a time.
    #[inline]
    pub fn push(&self, left: &[f32], right: &[f32]) {
        let len = left.len().min(right.len());
        if len == 0 {
            return;
        }
        let w = self.written.load(Ordering::Relaxed);
        let end_pos = w + len as u64;
        if end_pos <= self.idle_until.load(Ordering::Relaxed) {
            // Between windows (7 blocks in 8): no copy, no division.
            self.written.store(end_pos, Ordering::Release);
            return;
        }
        let s = self.schedule(self.window.load(Ordering::Relaxed).max(1));
        let mut q = w + s.shift;
        let end = q + len as u64;
        while q < end {
            let off = q % s.period;
            if off < s.n {
                let take = (s.n - off).min(end - q);
                let j = (q / s.period) * s.n + off;
                let src = (q - w - s.shift) as usize;
                let n = take as usize;
                self.store_at(j, &left[src..src + n], &right[src..src + n]);
                q += take;
            } else {
                q += (s.period - off).min(end - q);
            }
        }
        // The next window starts at the next multiple of P (q-space) unless one is under way.
        let off = end % s.period;
        let next = if off < s.n { end } else { end - off + s.period };
        self.idle_until
            .store(next.saturating_sub(s.shift), Ordering::Relaxed);
        self.written
            .store(w.wrapping_add(len as u64), Ordering::Release);
        if !self.used.load(Ordering::Relaxed) {
            self.used.store(true, Ordering::Relaxed);
        }
    }

    /// Store `left`/`right` (at most one window) from captured index `j` on.
    #[inline]
    fn store_at(&self, j: u64, left: &[f32], right: &[f32]) {
        let start = j as usize & MASK;
        let first = (RING_LEN - start).min(left.len());
        store(
            &self.frames[start..start + first],
            &left[..first],
            &right[..first],
        );
        store(
            &self.frames[..left.len() - first],
            &left[first..],
            &right[first..],
        );
    }

    pub fn used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// Consumer: every complete window that ended after `*read` and is still intact, oldest
    /// first, as `each(end position, left, right)` (`left`/`right` are scratch, resized to the
    /// window). Advances `*read`. Returns false if windows were lost (the consumer fell behind
    /// or the producer overwrote one during the copy) or the window length is not `window`.
    pub fn drain(
        &self,
        read: &mut u64,
        window: usize,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
        mut each: impl FnMut(u64, &[f32], &[f32]),
    ) -> bool {
        let w = self.written.load(Ordering::Acquire);
        let n = self.window.load(Ordering::Acquire).max(1);
        if n != window as u64 {
            *read = w;
            return false;
        }
        let s = self.schedule(n);
        let slots = RING_LEN as u64 / n;
        // Windows k with end position in (read, w]: end = k·P − shift + N.
        let k_end = (w + s.shift).saturating_sub(n) / s.period + 1; // exclusive
        let k_first = (*read + s.shift + s.period).saturating_sub(n) / s.period;
        let mut complete = true;
        let k_first = if k_end > k_first + slots {
            complete = false;
            k_end - slots
        } else {
            k_first
        };
        for k in k_first..k_end {
            let end = (k * s.period + n).checked_sub(s.shift);
            let Some(end) = end.filter(|&e| e > *read && e <= w && e >= n) else {
                continue;
            };
            left.clear();
            right.clear();
            let j = k * n;
            for i in j..j + n {
                let frame = self.frames[i as usize & MASK].load(Ordering::Relaxed);
                left.push(f32::from_bits(frame as u32));
                right.push(f32::from_bits((frame >> 32) as u32));
            }
            std::sync::atomic::fence(Ordering::Acquire);
            let w_after = self.written.load(Ordering::Relaxed);
            // Intact while at most one more window (the one being written) has started.
            if s.captured_before(w_after) <= j + RING_LEN as u64 - n {
                each(end, left, right);
            } else {
                complete = false;
            }
        }
        *read = w;
        complete
    }
}

#[inline]
fn store(dst: &[AtomicU64], left: &[f32], right: &[f32]) {
    for ((d, l), r) in dst.iter().zip(left).zip(right) {
        d.store(
            u64::from(l.to_bits()) | (u64::from(r.to_bits()) << 32),
            Ordering::Relaxed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(from: usize, len: usize) -> Vec<f32> {
        (from..from + len).map(|i| i as f32).collect()
    }

    /// Every window the consumer gets is exactly stream positions [end − N, end), at the
    /// documented schedule, for both staggerings and block sizes that straddle windows.
    #[test]
    fn windows_follow_the_schedule_across_the_wrap() {
        for staggered in [false, true] {
            for block in [1usize, 100, 512, 4096, 5000] {
                let n = 1024usize;
                let ring = Ring::new(n, staggered);
                let period = super::period(n as u64) as usize;
                let shift = if staggered { period / 2 } else { 0 };
                let mut read = 0;
                let (mut l, mut r) = (Vec::new(), Vec::new());
                let mut ends = Vec::new();
                let total = period * 7 + 300;
                let mut pos = 0;
                while pos < total {
                    let b = block.min(total - pos);
                    let x = ramp(pos, b);
                    let neg: Vec<f32> = x.iter().map(|v| -v).collect();
                    ring.push(&x, &neg);
                    pos += b;
                    if pos % (3 * block) < block {
                        let ok = ring.drain(&mut read, n, &mut l, &mut r, |end, l, r| {
                            let expect = ramp(end as usize - n, n);
                            assert_eq!(l, &expect[..]);
                            assert!(l.iter().zip(r).all(|(a, b)| *a == -*b));
                            ends.push(end as usize);
                        });
                        assert!(ok);
                    }
                }
                assert!(ring.drain(&mut read, n, &mut l, &mut r, |end, _, _| ends
                    .push(end as usize)));
                let expected: Vec<usize> = (0..8)
                    .map(|k| k * period + n)
                    .filter_map(|e| e.checked_sub(shift))
                    .filter(|&e| e >= n && e <= total)
                    .collect();
                assert_eq!(ends, expected, "staggered {staggered}, block {block}");
            }
        }
    }

    #[test]
    fn overrun_keeps_the_newest_intact_windows() {
        let n = 1024usize;
        let ring = Ring::new(n, false);
        let period = super::period(n as u64) as usize;
        let total = period * 40;
        for pos in (0..total).step_by(512) {
            let x = ramp(pos, 512.min(total - pos));
            ring.push(&x, &x);
        }
        let mut read = 0;
        let (mut l, mut r) = (Vec::new(), Vec::new());
        let mut ends = Vec::new();
        let ok = ring.drain(&mut read, n, &mut l, &mut r, |end, l, _| {
            assert_eq!(l, &ramp(end as usize - n, n)[..]);
            ends.push(end as usize);
        });
        assert!(!ok);
        // The ring holds RING_LEN / N windows; all but the oldest are intact (the producer may
        // already write the next).
        assert_eq!(ends.len(), RING_LEN / n - 1);
        assert_eq!(*ends.last().unwrap(), 39 * period + n);
    }

    #[test]
    fn a_changed_window_length_is_reported() {
        let ring = Ring::new(1024, false);
        ring.push(&ramp(0, 4096), &ramp(0, 4096));
        let mut read = 0;
        let (mut l, mut r) = (Vec::new(), Vec::new());
        assert!(!ring.drain(&mut read, 2048, &mut l, &mut r, |_, _, _| panic!()));
        assert_eq!(read, 4096);
    }
}
