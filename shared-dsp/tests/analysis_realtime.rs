//! The audio thread's side of every editor feed is real-time safe: the analyzer FIFO (enabled,
//! disabled, or full) and the snapshot ring with its users (meters, vectorscope, history)
//! never allocate and never wait for the reader. Own test binary because it installs a
//! counting global allocator.

use std::time::{Duration, Instant};

use std::sync::Arc;

use gel_dsp::analysis::correlation::ScopeBuffer;
use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::analysis::spectrum::SampleFifo;
use gel_dsp::analysis::{HistoryWriter, SnapshotRing};

mod common;
use common::allocations_in;

#[test]
fn pushing_never_allocates_or_waits() {
    let fifo = SampleFifo::new(4096);
    let left = vec![0.25f32; 512];
    let right = vec![-0.25f32; 512];

    // Disabled (editor closed): nothing stored, nothing allocated.
    let n = allocations_in(|| {
        for _ in 0..100 {
            assert_eq!(fifo.push_stereo(&left, &right), 0);
        }
    });
    assert_eq!(n, 0);

    // Enabled, and kept full because nobody reads: 1000 blocks return immediately.
    fifo.set_enabled(true);
    let start = Instant::now();
    let mut stored = 0;
    let n = allocations_in(|| {
        for _ in 0..1000 {
            stored += fifo.push_stereo(&left, &right);
            stored += fifo.push_mono(&left);
        }
    });
    assert_eq!(n, 0, "push allocated");
    assert_eq!(stored, fifo.capacity(), "a full FIFO drops the rest");
    // Generous bound: 1000 non-blocking pushes of a full FIFO take microseconds; a push that
    // waited for the (absent) consumer would never return.
    assert!(start.elapsed() < Duration::from_secs(5));

    // The consumer side does not allocate either.
    let mut out = vec![0.0f32; 1024];
    let n = allocations_in(|| {
        while fifo.pop_into(&mut out) > 0 {}
        fifo.discard_all();
    });
    assert_eq!(n, 0);
}

#[test]
fn snapshot_ring_writers_never_allocate() {
    let ring = SnapshotRing::<3>::new(400);
    let mut history = HistoryWriter::<3>::default();
    history.prepare(48_000.0, 10.0);
    let readings = Arc::new(MeterReadings::default());
    let mut meter = LevelMeter::new(readings.clone());
    meter.prepare(48_000.0, 512);
    let scope = ScopeBuffer::new();
    let block = vec![0.5f32; 512];

    // Many times round every ring, so the wrap is on the measured path too.
    let n = allocations_in(|| {
        for i in 0..2000 {
            ring.push([i as f32; 3]);
            history.push_block(&ring, block.len(), [-6.0, -3.0, 2.0]);
            meter.process(&[&block, &block]);
            scope.push_block(&block, &block);
        }
        ring.clear();
        scope.clear();
        meter.reset();
    });
    assert_eq!(n, 0, "a producer allocated");
    // The readers' newest-frame paths do not allocate either (the meters read them per frame).
    let n = allocations_in(|| {
        assert!(ring.latest().is_none());
        assert_eq!(readings.peak_db(0), readings.snapshot().peak_db[0]);
    });
    assert_eq!(n, 0);
}
