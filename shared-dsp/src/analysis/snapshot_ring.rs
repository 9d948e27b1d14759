//! The audio→GUI transport: [`SnapshotRing`], a lock-free ring of fixed-size frames the audio
//! thread writes and the editor reads, used by the level meters (the latest frame), the
//! vectorscope (the latest points) and the compressor's level history (the latest seconds).
//!
//! ## Protocol
//! A sequence lock per frame (Boehm, "Can seqlocks get along with programming language memory
//! models?", MSPC 2012, the fence-based reader of §5). The producer, for frame `i`, stores
//! `claimed = i + 1`, issues a release fence, writes the slot `i mod capacity` (relaxed), then
//! stores `written = i + 1` (release). A reader loads `written` (acquire), copies slots
//! (relaxed), issues an acquire fence and loads `claimed`: if any copied value came from a
//! write that started after the reader's copy began, the fence pairing makes that write's
//! `claimed` visible, so a copied frame `j` is kept only if `j + capacity >= claimed` (no
//! overwrite of its slot had started). A reader therefore never returns half of one frame and
//! half of another, and never waits: the producer never waits either.
//!
//! Frames are `[f32; N]` stored as `AtomicU32` bit patterns: relaxed atomics make the racing
//! copy defined behaviour, the sequence check makes it coherent.

use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

/// Lock-free single-producer / multi-reader ring of frames of `N` values, oldest overwritten
/// first. See the module docs for the protocol.
///
/// Only one thread may [`push`](Self::push) at a time (the audio thread);
/// [`clear`](Self::clear) and the readers may run on any thread. Pushing never allocates,
/// locks or waits.
#[derive(Debug)]
pub struct SnapshotRing<const N: usize> {
    slots: Box<[[AtomicU32; N]]>,
    /// Frames whose write has started / completed (monotonic; a u64 never wraps in practice:
    /// 2^64 frames at one per sample and 192 kHz is three million years).
    claimed: AtomicU64,
    written: AtomicU64,
    /// Frames before this index were cleared: readers do not return them.
    floor: AtomicU64,
}

impl<const N: usize> SnapshotRing<N> {
    /// A ring keeping the latest `capacity` frames (at least 1). Allocates.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: (0..capacity.max(1))
                .map(|_| std::array::from_fn(|_| AtomicU32::new(0)))
                .collect(),
            claimed: AtomicU64::new(0),
            written: AtomicU64::new(0),
            floor: AtomicU64::new(0),
        }
    }

    /// Number of frames kept.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Total frames pushed so far.
    pub fn frames_written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Producer: appends one frame. Real-time safe; one producer thread at a time.
    #[inline]
    pub fn push(&self, frame: [f32; N]) {
        let cap = self.slots.len() as u64;
        let w = self.written.load(Ordering::Relaxed);
        // Announce the overwrite before it happens, so readers can tell they raced it.
        self.claimed.store(w + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        for (slot, value) in self.slots[(w % cap) as usize].iter().zip(frame) {
            slot.store(value.to_bits(), Ordering::Relaxed);
        }
        self.written.store(w + 1, Ordering::Release);
    }

    /// Hides every frame pushed so far from readers (e.g. history gone stale while the editor
    /// was closed). Any thread; racing a push it may keep that push's frame visible, which is
    /// still a whole frame.
    pub fn clear(&self) {
        let w = self.written.load(Ordering::Acquire);
        self.floor.fetch_max(w, Ordering::AcqRel);
    }

    /// Consumer: replaces `out` with up to `capacity` latest frames, oldest first. May allocate
    /// (GUI side).
    pub fn snapshot(&self, out: &mut Vec<[f32; N]>) {
        self.snapshot_latest(self.slots.len(), out, |frame| frame);
    }

    /// Consumer: replaces `out` with up to `n` latest frames, oldest first, each mapped by
    /// `map`. Frames the producer may have overwritten during the copy are dropped, and so are
    /// frames [`clear`](Self::clear) hid, so the result can be shorter than `n`. May allocate
    /// (GUI side).
    pub fn snapshot_latest<T>(&self, n: usize, out: &mut Vec<T>, map: impl Fn([f32; N]) -> T) {
        out.clear();
        let cap = self.slots.len() as u64;
        let w = self.written.load(Ordering::Acquire);
        let floor = self.floor.load(Ordering::Acquire).min(w);
        let n = (n as u64).min(cap).min(w - floor);
        let start = w - n;
        out.reserve(n as usize);
        for i in start..w {
            out.push(map(self.read_slot(i)));
        }
        fence(Ordering::Acquire);
        let claimed = self.claimed.load(Ordering::Relaxed);
        // Frame i is intact only if the producer had not started frame i + cap.
        let first_valid = claimed.saturating_sub(cap).max(start);
        out.drain(..((first_valid - start).min(n) as usize));
    }

    /// Consumer: the newest frame, if there is one that is not cleared and was not overwritten
    /// while it was copied. Never allocates.
    pub fn latest(&self) -> Option<[f32; N]> {
        let cap = self.slots.len() as u64;
        let w = self.written.load(Ordering::Acquire);
        let i = w.checked_sub(1)?;
        if i < self.floor.load(Ordering::Acquire) {
            return None;
        }
        let frame = self.read_slot(i);
        fence(Ordering::Acquire);
        (i + cap >= self.claimed.load(Ordering::Relaxed)).then_some(frame)
    }

    #[inline]
    fn read_slot(&self, i: u64) -> [f32; N] {
        let slot = &self.slots[(i % self.slots.len() as u64) as usize];
        std::array::from_fn(|k| f32::from_bits(slot[k].load(Ordering::Relaxed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn keeps_the_latest_frames_in_order_across_the_wrap() {
        let ring = SnapshotRing::<2>::new(4);
        let mut out = Vec::new();
        ring.snapshot(&mut out);
        assert!(out.is_empty());
        assert_eq!(ring.latest(), None);
        // 2.5 times round the ring: the slots wrap twice.
        for i in 0..10u32 {
            ring.push([i as f32, -(i as f32)]);
            ring.snapshot(&mut out);
            let first = (i + 1).saturating_sub(4);
            let want: Vec<[f32; 2]> = (first..=i).map(|k| [k as f32, -(k as f32)]).collect();
            assert_eq!(out, want, "after frame {i}");
            assert_eq!(ring.latest(), Some([i as f32, -(i as f32)]));
        }
        assert_eq!(ring.frames_written(), 10);
        let mut pairs = Vec::new();
        ring.snapshot_latest(2, &mut pairs, |[a, b]| (a, b));
        assert_eq!(pairs, vec![(8.0, -8.0), (9.0, -9.0)]);
    }

    #[test]
    fn clear_hides_what_was_pushed_before() {
        let ring = SnapshotRing::<1>::new(4);
        for i in 0..3 {
            ring.push([i as f32]);
        }
        ring.clear();
        let mut out = Vec::new();
        ring.snapshot(&mut out);
        assert!(out.is_empty(), "cleared ring still shows {out:?}");
        assert_eq!(ring.latest(), None);
        ring.push([9.0]);
        ring.snapshot(&mut out);
        assert_eq!(out, vec![[9.0]]);
        assert_eq!(ring.latest(), Some([9.0]));
    }

    #[test]
    fn capacity_is_at_least_one() {
        let ring = SnapshotRing::<3>::new(0);
        assert_eq!(ring.capacity(), 1);
        ring.push([1.0, 2.0, 3.0]);
        ring.push([4.0, 5.0, 6.0]);
        assert_eq!(ring.latest(), Some([4.0, 5.0, 6.0]));
    }

    /// A writer pushes frames whose lanes all hold the frame's index; readers must never find
    /// a frame mixing two writes, nor frames out of order or repeated. A small ring and wide
    /// frames make the reader's copy race the writer's overwrite as often as possible; the
    /// writer keeps going until the reader has taken 20 000 snapshots, so they overlap.
    #[test]
    fn readers_never_see_torn_frames() {
        use std::sync::atomic::{AtomicBool, AtomicU64};
        const READS: u64 = 20_000;
        let ring = Arc::new(SnapshotRing::<16>::new(8));
        let reads = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let writer = {
            let (ring, reads, done) = (ring.clone(), reads.clone(), done.clone());
            std::thread::spawn(move || {
                let mut i = 0u32;
                while i < 100_000 || reads.load(Ordering::Relaxed) < READS {
                    i += 1;
                    ring.push([i as f32; 16]);
                }
                done.store(true, Ordering::Release);
                i
            })
        };
        let (mut out, mut latest_seen) = (Vec::new(), 0.0f32);
        while !done.load(Ordering::Acquire) {
            ring.snapshot(&mut out);
            for f in &out {
                assert!(f.iter().all(|v| *v == f[0]), "torn frame {f:?}");
            }
            for w in out.windows(2) {
                assert_eq!(w[1][0], w[0][0] + 1.0, "frames out of order: {w:?}");
            }
            if let Some(f) = ring.latest() {
                assert!(f.iter().all(|v| *v == f[0]), "torn latest frame {f:?}");
                assert!(f[0] >= latest_seen, "latest went back in time");
                latest_seen = f[0];
            }
            reads.fetch_add(1, Ordering::Relaxed);
        }
        let last = writer.join().unwrap();
        ring.snapshot(&mut out);
        assert_eq!(out.len(), 8);
        assert_eq!(out.last(), Some(&[last as f32; 16]));
    }
}
