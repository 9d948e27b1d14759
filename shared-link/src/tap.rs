//! The audio thread's handoff: one single-producer ring of recent stereo samples per signal
//! (output, input). Pushing is a loop of relaxed atomic stores — one 64-bit store per stereo
//! frame, left and right packed — and one release store of the write count: no allocation, no
//! lock, no system call, no waiting. The ring overwrites its
//! oldest samples; the publisher reads what is newest and detects (by the write count) samples
//! that were overwritten while it copied them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Samples per channel: 341 ms at 48 kHz, 85 ms at 192 kHz. The publisher drains every
/// 100 ms; at rates above ~160 kHz it loses part of each tick, which only shortens the
/// averaging.
pub(crate) const RING_LEN: usize = 1 << 14;
const MASK: usize = RING_LEN - 1;

pub(crate) struct Ring {
    /// Stereo frames: left sample bits in the low half, right in the high half.
    frames: Box<[AtomicU64]>,
    /// Samples ever written (per channel).
    written: AtomicU64,
    /// Set by the first push (the instance has this signal).
    used: AtomicBool,
}

impl Ring {
    pub fn new() -> Self {
        Self {
            frames: (0..RING_LEN).map(|_| AtomicU64::new(0)).collect(),
            written: AtomicU64::new(0),
            used: AtomicBool::new(false),
        }
    }

    /// Producer (audio thread). Only one thread may push into a ring at a time.
    #[inline]
    pub fn push(&self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        if n == 0 {
            return;
        }
        // Only the newest RING_LEN samples can be kept anyway; the skipped ones still count as
        // written, so the consumer sees the gap.
        let skip = n.saturating_sub(RING_LEN);
        let (left, right) = (&left[skip..n], &right[skip..n]);
        let w = self.written.load(Ordering::Relaxed);
        let start = w.wrapping_add(skip as u64) as usize & MASK;
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
        self.written
            .store(w.wrapping_add(n as u64), Ordering::Release);
        if !self.used.load(Ordering::Relaxed) {
            self.used.store(true, Ordering::Relaxed);
        }
    }

    pub fn used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// Consumer: append the samples written since `*read` to `left`/`right` (newest
    /// `RING_LEN` at most) and advance `*read`. Returns how many samples were appended and
    /// whether samples were lost before them (the consumer fell behind, or the producer
    /// overwrote samples during the copy; those are dropped from the front).
    pub fn drain(
        &self,
        read: &mut u64,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
    ) -> (usize, bool) {
        let w = self.written.load(Ordering::Acquire);
        let from = (*read).max(w.saturating_sub(RING_LEN as u64));
        let mut gap = from > *read;
        let (l0, r0) = (left.len(), right.len());
        for pos in from..w {
            let i = pos as usize & MASK;
            let frame = self.frames[i].load(Ordering::Relaxed);
            left.push(f32::from_bits(frame as u32));
            right.push(f32::from_bits((frame >> 32) as u32));
        }
        // Positions older than `w_after − RING_LEN` may have been overwritten meanwhile.
        std::sync::atomic::fence(Ordering::Acquire);
        let w_after = self.written.load(Ordering::Relaxed);
        let valid_from = w_after.saturating_sub(RING_LEN as u64);
        if valid_from > from {
            let drop = ((valid_from - from) as usize).min(left.len() - l0);
            left.drain(l0..l0 + drop);
            right.drain(r0..r0 + drop);
            gap = true;
        }
        *read = w;
        (left.len() - l0, gap)
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

    #[test]
    fn drains_in_order_across_the_wrap() {
        let ring = Ring::new();
        let mut read = 0;
        let (mut l, mut r) = (Vec::new(), Vec::new());
        let block: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let neg: Vec<f32> = block.iter().map(|x| -x).collect();
        let mut expected = Vec::new();
        for k in 0..40 {
            let b: Vec<f32> = block.iter().map(|x| x + (k * 1000) as f32).collect();
            let n: Vec<f32> = neg.iter().map(|x| x - (k * 1000) as f32).collect();
            ring.push(&b, &n);
            expected.extend_from_slice(&b);
            if k % 3 == 0 {
                ring.drain(&mut read, &mut l, &mut r);
            }
        }
        assert!(!ring.drain(&mut read, &mut l, &mut r).1);
        // Between drains at most 3000 samples arrive, far below RING_LEN: nothing is lost.
        assert_eq!(l, expected);
        assert!(l.iter().zip(&r).all(|(a, b)| *a == -*b));
    }

    #[test]
    fn overrun_keeps_the_newest() {
        let ring = Ring::new();
        let mut read = 0;
        let (mut l, mut r) = (Vec::new(), Vec::new());
        let big: Vec<f32> = (0..RING_LEN * 3).map(|i| i as f32).collect();
        ring.push(&big, &big);
        let (n, gap) = ring.drain(&mut read, &mut l, &mut r);
        assert_eq!(n, RING_LEN);
        assert!(gap);
        assert_eq!(l[0], (RING_LEN * 2) as f32);
        assert_eq!(*l.last().unwrap(), (RING_LEN * 3 - 1) as f32);
    }
}
