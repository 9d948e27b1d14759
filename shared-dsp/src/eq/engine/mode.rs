//! The two engines and the switch between them: zero latency ([`EqSectionBank`]) and linear
//! phase ([`LinearPhaseEq`]), joined by a [`PathCrossfade`].
//!
//! A mode change first runs the new engine silently until it is warm (linear phase: its whole
//! kernel plus a few partitions; zero latency: [`ZERO_LATENCY_WARMUP_MS`]), then crossfades
//! over [`MODE_FADE_MS`] (raised cosine, so the two outputs' weights sum to one throughout).
//! The engine no longer heard stops and starts from rest next time.

use crate::blocks::path_crossfade::{Path, PathCrossfade};
use crate::eq::{EqSectionBank, LinearPhaseEq};

/// Mode crossfade length (ms).
pub const MODE_FADE_MS: f32 = 50.0;

/// Zero-latency bank warm-up before it is heard after linear phase (ms): its filters settle
/// on the running signal instead of starting from rest under the listener's ear.
pub const ZERO_LATENCY_WARMUP_MS: f32 = 50.0;

/// Partitions the linear-phase engine runs beyond its kernel before it is heard: the kernel
/// build runs in the background of `process`, a few partitions at a time.
const LINEAR_WARMUP_PARTITIONS: usize = 6;

/// Both engines and the switch (see the module docs).
#[derive(Debug)]
pub(super) struct ModeSwitch {
    /// Zero-latency engine; also the holder of the band targets the linear-phase engine reads.
    pub(super) bank: EqSectionBank,
    pub(super) linear: LinearPhaseEq,
    switch: PathCrossfade,
    /// The linear-phase output while both run.
    scratch_left: Vec<f32>,
    scratch_right: Vec<f32>,
}

impl ModeSwitch {
    pub(super) fn new() -> Self {
        Self {
            bank: EqSectionBank::new(),
            linear: LinearPhaseEq::new(),
            switch: PathCrossfade::new(),
            scratch_left: Vec::new(),
            scratch_right: Vec::new(),
        }
    }

    pub(super) fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.bank.prepare(sample_rate, max_block);
        self.linear.prepare(sample_rate, max_block);
        self.switch.set_fade_ms(MODE_FADE_MS);
        self.switch.prepare(sample_rate, max_block);
        self.switch.set_warmup(
            Path::A,
            (ZERO_LATENCY_WARMUP_MS * 0.001 * sample_rate) as usize,
        );
        self.switch.set_warmup(
            Path::B,
            self.linear.tail_samples() as usize
                + LINEAR_WARMUP_PARTITIONS * self.linear.partition_len(),
        );
        self.scratch_left = vec![0.0; max_block];
        self.scratch_right = vec![0.0; max_block];
    }

    /// Latency of `path` in samples.
    pub(super) fn latency_of(&self, path: Path) -> u32 {
        match path {
            Path::A => 0,
            Path::B => self.linear.latency_samples(),
        }
    }

    /// The path being switched to (or the steady one).
    pub(super) fn target(&self) -> Path {
        self.switch.target()
    }

    /// Starts switching to `path` (the engine that starts cold is cleared first).
    pub(super) fn set_target(&mut self, path: Path) {
        if self.switch.set_target(path) {
            match path {
                Path::A => self.bank.reset(),
                Path::B => {
                    self.linear.reset();
                    self.linear.update_from(&self.bank);
                }
            }
        }
    }

    /// Steady on `path`, no transition.
    pub(super) fn snap(&mut self, path: Path) {
        self.switch.snap(path);
    }

    /// Signal state of both engines cleared (after non-finite input, or on reset).
    pub(super) fn reset_filters(&mut self) {
        self.bank.reset();
        self.linear.reset();
    }

    /// Samples the output can still depend on earlier input beyond the zero-latency sections'
    /// ring: the linear-phase engine's tail while it runs, plus what is left of a switch.
    pub(super) fn extra_tail(&self) -> u64 {
        let linear = if self.switch.runs(Path::B) {
            u64::from(self.linear.tail_samples())
        } else {
            0
        };
        linear + self.switch.remaining() as u64
    }

    /// Runs the engine heard (both while switching) in place.
    pub(super) fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        match self.switch.steady() {
            Some(Path::A) => self.bank.process(left, right),
            Some(Path::B) => self.linear.process(left, right),
            None => {
                let n = left.len();
                let (b_left, b_right) = (&mut self.scratch_left[..n], &mut self.scratch_right[..n]);
                b_left.copy_from_slice(left);
                b_right.copy_from_slice(right);
                self.linear.process(b_left, b_right);
                self.bank.process(left, right);
                self.switch.mix(left, right, b_left, b_right);
                if let Some(path) = self.switch.steady() {
                    // The path no longer heard stops; it starts from rest next time.
                    match path {
                        Path::A => self.linear.reset(),
                        Path::B => self.bank.reset(),
                    }
                }
            }
        }
    }
}
