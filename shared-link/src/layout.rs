//! The shared segment's binary layout: a 64-byte header, then [`SLOT_COUNT`] slots of
//! [`SLOT_SIZE`] bytes. Every field is an atomic so that two processes (or two plugin libraries
//! in one process, each with its own copy of this code) may touch the same bytes without a data
//! race; zeroed memory (what `ftruncate` and a fresh Windows section give) is a valid, empty
//! segment.
//!
//! Each slot's payload is guarded by a sequence lock (Lamport, "Concurrent reading and writing",
//! CACM 20(11), 1977; the formulation with fences follows H.-J. Boehm, "Can seqlocks get along
//! with programming language memory models?", MSPC 2012): the single writer makes the counter
//! odd, writes, makes it even; a reader reads the counter, the payload, the counter again, and
//! keeps the copy only when both counts are equal and even. Readers never block the writer.

use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

use crate::{PluginKind, SPECTRUM_BINS};

/// "GELLINK\0", little-endian: the first 8 bytes of a Gel Link segment.
pub(crate) const MAGIC: u64 = u64::from_le_bytes(*b"GELLINK\0");
/// Bumped whenever anything in this file changes meaning or size.
pub(crate) const LAYOUT_VERSION: u32 = 1;
/// Instances one segment holds (the "more than 128 instances" is the full case).
pub const SLOT_COUNT: usize = 128;
/// Label bytes (UTF-8, truncated at a character boundary).
pub(crate) const LABEL_BYTES: usize = 64;
pub(crate) const HEADER_SIZE: usize = 64;
pub(crate) const SLOT_SIZE: usize = std::mem::size_of::<Slot>();
pub(crate) const SEGMENT_SIZE: usize = HEADER_SIZE + SLOT_COUNT * SLOT_SIZE;

/// How often a reader retries a slot whose writer is busy before giving up on it for this read
/// (a writer holds the lock for about a microsecond; a writer that died mid-write leaves the
/// counter odd forever, and its heartbeat goes stale anyway).
const READ_RETRIES: usize = 10_000;

/// Flag bit: the instance pushed an input spectrum.
pub(crate) const FLAG_HAS_INPUT: u32 = 1;

#[repr(C)]
pub(crate) struct Header {
    /// [`MAGIC`], stored last (release) by whoever initialises the header.
    pub magic: AtomicU64,
    pub version: AtomicU32,
    pub slot_count: AtomicU32,
    pub slot_size: AtomicU32,
    pub header_size: AtomicU32,
    _reserved: [AtomicU32; 10],
}

const _: () = assert!(std::mem::size_of::<Header>() == HEADER_SIZE);

impl Header {
    /// Write the layout fields, then the magic. Idempotent: every writer writes the same values.
    pub fn initialise(&self) {
        self.version.store(LAYOUT_VERSION, Ordering::Relaxed);
        self.slot_count.store(SLOT_COUNT as u32, Ordering::Relaxed);
        self.slot_size.store(SLOT_SIZE as u32, Ordering::Relaxed);
        self.header_size
            .store(HEADER_SIZE as u32, Ordering::Relaxed);
        self.magic.store(MAGIC, Ordering::Release);
    }

    /// `Ok` when the header describes exactly this layout, else why not.
    pub fn check(&self) -> Result<(), String> {
        let magic = self.magic.load(Ordering::Acquire);
        if magic != MAGIC {
            return Err(format!(
                "the shared memory segment is not a Gel Link segment (magic {magic:#018x})"
            ));
        }
        let version = self.version.load(Ordering::Relaxed);
        let slots = self.slot_count.load(Ordering::Relaxed);
        let slot_size = self.slot_size.load(Ordering::Relaxed);
        let header_size = self.header_size.load(Ordering::Relaxed);
        if version != LAYOUT_VERSION
            || slots as usize != SLOT_COUNT
            || slot_size as usize != SLOT_SIZE
            || header_size as usize != HEADER_SIZE
        {
            return Err(format!(
                "the shared memory segment was made by another Gel version (layout {version}, \
                 {slots} slots of {slot_size} bytes; this Gel uses layout {LAYOUT_VERSION}, \
                 {SLOT_COUNT} slots of {SLOT_SIZE} bytes) and is ignored; close all Gel plugins \
                 of the other version to share again"
            ));
        }
        Ok(())
    }
}

/// The payload of one slot, as plain values (what a writer publishes, what a reader copies).
#[derive(Clone, Debug)]
pub(crate) struct SlotData {
    /// The owning instance (equal to the slot's owner while the payload is current).
    pub id: u64,
    pub session: u64,
    pub pid: u32,
    pub kind: PluginKind,
    pub flags: u32,
    pub balance: f32,
    pub width: f32,
    pub label: [u8; LABEL_BYTES],
    pub label_len: usize,
    pub output: [f32; SPECTRUM_BINS],
    pub input: [f32; SPECTRUM_BINS],
}

impl SlotData {
    pub fn empty(id: u64, session: u64, kind: PluginKind) -> Self {
        Self {
            id,
            session,
            pid: std::process::id(),
            kind,
            flags: 0,
            balance: 0.0,
            width: 0.0,
            label: [0; LABEL_BYTES],
            label_len: 0,
            output: [crate::SPECTRUM_FLOOR_DB; SPECTRUM_BINS],
            input: [crate::SPECTRUM_FLOOR_DB; SPECTRUM_BINS],
        }
    }

    /// Store `label`, truncated to [`LABEL_BYTES`] at a character boundary.
    pub fn set_label(&mut self, label: &str) {
        let mut end = label.len().min(LABEL_BYTES);
        while !label.is_char_boundary(end) {
            end -= 1;
        }
        self.label = [0; LABEL_BYTES];
        self.label[..end].copy_from_slice(&label.as_bytes()[..end]);
        self.label_len = end;
    }

    pub fn label(&self) -> &str {
        // Another process wrote these bytes: do not trust them to be UTF-8.
        let bytes = &self.label[..self.label_len.min(LABEL_BYTES)];
        match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
        }
    }
}

/// One instance's slot in shared memory.
#[repr(C, align(64))]
pub(crate) struct Slot {
    /// Instance id of the owner, 0 = free. Claimed with compare-and-swap.
    pub owner: AtomicU64,
    /// Milliseconds since the Unix epoch (CLOCK_REALTIME, comparable across processes) of the
    /// owner's last publish.
    pub heartbeat_ms: AtomicU64,
    /// Sequence lock over everything below: odd while the owner writes.
    pub seq: AtomicU32,
    kind: AtomicU32,
    flags: AtomicU32,
    pid: AtomicU32,
    id: AtomicU64,
    session: AtomicU64,
    balance: AtomicU32,
    width: AtomicU32,
    label_len: AtomicU32,
    _pad: AtomicU32,
    label: [AtomicU32; LABEL_BYTES / 4],
    output: [AtomicU32; SPECTRUM_BINS],
    input: [AtomicU32; SPECTRUM_BINS],
}

impl Default for Slot {
    fn default() -> Self {
        // SAFETY: every field is an atomic integer (or an array of them), for which all-zero
        // bytes are a valid value.
        unsafe { std::mem::zeroed() }
    }
}

impl Slot {
    /// The owner's side: publish `data` under the sequence lock. Only one thread may write a
    /// slot at a time (the owner's publisher).
    pub fn write(&self, data: &SlotData) {
        let s = self.seq.load(Ordering::Relaxed);
        // A writer that died mid-write left the count odd: step over it to the next odd count.
        let odd = if s & 1 == 0 {
            s.wrapping_add(1)
        } else {
            s.wrapping_add(2)
        };
        self.seq.store(odd, Ordering::Relaxed);
        // The odd count must be visible before any payload store (Boehm 2012, fig. 6).
        fence(Ordering::Release);
        let r = Ordering::Relaxed;
        self.kind.store(data.kind as u32, r);
        self.flags.store(data.flags, r);
        self.pid.store(data.pid, r);
        self.id.store(data.id, r);
        self.session.store(data.session, r);
        self.balance.store(data.balance.to_bits(), r);
        self.width.store(data.width.to_bits(), r);
        self.label_len.store(data.label_len as u32, r);
        for (dst, chunk) in self.label.iter().zip(data.label.chunks_exact(4)) {
            dst.store(
                u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]),
                r,
            );
        }
        for (dst, v) in self.output.iter().zip(&data.output) {
            dst.store(v.to_bits(), r);
        }
        for (dst, v) in self.input.iter().zip(&data.input) {
            dst.store(v.to_bits(), r);
        }
        self.seq.store(odd.wrapping_add(1), Ordering::Release);
    }

    /// A consistent copy of the payload, or `false` when the writer kept it busy (or left it
    /// half-written) for [`READ_RETRIES`] attempts.
    pub fn read(&self, out: &mut SlotData) -> bool {
        self.read_with(out, true)
    }

    /// `check = false` skips the sequence check: only the torn-read test uses it, to show that
    /// the check is what keeps copies whole.
    pub(crate) fn read_with(&self, out: &mut SlotData, check: bool) -> bool {
        for _ in 0..READ_RETRIES {
            let s1 = self.seq.load(Ordering::Acquire);
            if check && s1 & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            self.copy_payload(out);
            // The payload loads must complete before the second count is read.
            fence(Ordering::Acquire);
            let s2 = self.seq.load(Ordering::Relaxed);
            if !check || s1 == s2 {
                return true;
            }
            std::hint::spin_loop();
        }
        false
    }

    fn copy_payload(&self, out: &mut SlotData) {
        let r = Ordering::Relaxed;
        out.kind = PluginKind::from_u32(self.kind.load(r));
        out.flags = self.flags.load(r);
        out.pid = self.pid.load(r);
        out.id = self.id.load(r);
        out.session = self.session.load(r);
        out.balance = f32::from_bits(self.balance.load(r));
        out.width = f32::from_bits(self.width.load(r));
        out.label_len = (self.label_len.load(r) as usize).min(LABEL_BYTES);
        for (chunk, src) in out.label.chunks_exact_mut(4).zip(&self.label) {
            chunk.copy_from_slice(&src.load(r).to_le_bytes());
        }
        for (dst, src) in out.output.iter_mut().zip(&self.output) {
            *dst = f32::from_bits(src.load(r));
        }
        for (dst, src) in out.input.iter_mut().zip(&self.input) {
            *dst = f32::from_bits(src.load(r));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    #[test]
    fn slot_size_is_stable() {
        // The layout is a contract between Gel versions: changing it must bump LAYOUT_VERSION.
        assert_eq!(SLOT_SIZE, 896);
        assert_eq!(SEGMENT_SIZE, 64 + 128 * 896);
    }

    #[test]
    fn label_round_trip_truncates_at_char_boundary() {
        let mut d = SlotData::empty(1, 2, PluginKind::Eq);
        d.set_label("Bass");
        assert_eq!(d.label(), "Bass");
        let long = "é".repeat(40); // 80 bytes
        d.set_label(&long);
        assert_eq!(d.label(), "é".repeat(32));
        // Garbage from another process never panics.
        d.label[0] = 0xff;
        assert_eq!(d.label(), "");
    }

    /// A writer publishes payloads whose every value equals one counter; a reader checks that
    /// each copy it keeps is uniform. With the sequence check the copies are whole; with it
    /// switched off the same loop sees torn copies, which shows the check is what the test
    /// measures.
    fn torn_reads(check: bool, stop_at_first: bool, budget: Duration) -> (u64, u64) {
        let slot = Arc::new(Slot::default());
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let slot = slot.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut d = SlotData::empty(1, 1, PluginKind::Eq);
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n = n.wrapping_add(1);
                    let v = n as f32;
                    d.output = [v; SPECTRUM_BINS];
                    d.input = [v; SPECTRUM_BINS];
                    d.balance = v;
                    slot.write(&d);
                }
            })
        };
        let mut d = SlotData::empty(0, 0, PluginKind::Eq);
        let (mut reads, mut torn) = (0u64, 0u64);
        let start = Instant::now();
        while start.elapsed() < budget {
            if !slot.read_with(&mut d, check) {
                continue;
            }
            reads += 1;
            let v = d.balance;
            if d.output.iter().chain(&d.input).any(|&x| x != v) {
                torn += 1;
                if stop_at_first {
                    break;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
        (reads, torn)
    }

    #[test]
    fn seqlock_never_returns_a_torn_copy() {
        let (reads, torn) = torn_reads(true, false, Duration::from_millis(500));
        assert!(reads > 100, "only {reads} reads");
        assert_eq!(torn, 0, "{torn} torn copies out of {reads}");
    }

    #[test]
    fn without_the_sequence_check_copies_tear() {
        // Bounded by time, not tuned: on any machine with two threads running, an unchecked
        // copy of 193 words races the writer within milliseconds.
        let (reads, torn) = torn_reads(false, true, Duration::from_secs(10));
        assert!(torn > 0, "no torn copy in {reads} unchecked reads");
    }
}
