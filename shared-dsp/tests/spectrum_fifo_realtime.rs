//! The analyzer FIFO's producer side is real-time safe: pushing (enabled, disabled, or into a
//! full FIFO) never allocates and never waits for the consumer. Own test binary because it
//! installs a counting global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use gel_dsp::analysis::spectrum::SampleFifo;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

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
