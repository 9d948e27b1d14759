//! Stereo correlation meter and a lock-free vectorscope (goniometer) feed.
//!
//! ## Correlation
//! Pearson's correlation coefficient of the left and right signals (zero-mean
//! audio, so no mean is subtracted),
//!
//! ```text
//! r = E[L·R] / √(E[L²]·E[R²])
//! ```
//!
//! with each expectation an exponential moving average
//! `E[n] = E[n−1] + α·(v − E[n−1])`, `α = 1 − e^(−1/(τ·fs))`, τ = 300 ms,
//! advanced a chunk at a time exactly as the RMS in [`crate::analysis::meter`]
//! (the integration time commonly used for phase/correlation meters, as for
//! the RMS meter in [`crate::analysis::meter`]; cf. Dickreiter et al., *Handbuch der
//! Tonstudiotechnik*, "Korrelationsgradmesser"). `r` is +1 for identical
//! channels, −1 for polarity-inverted ones, ≈ 0 for unrelated ones.
//!
//! **Silence**: when the geometric mean power `√(E[L²]·E[R²])` is below
//! [`SILENCE_POWER`] (−90 dBFS), `r` is undefined (0/0) and reads 0.
//!
//! ## Vectorscope feed
//! [`ScopeBuffer`] keeps recent `(mid, side)` points in a [`SnapshotRing`], the
//! transport every editor display reads.

use crate::analysis::meter::CHUNK;
use crate::analysis::snapshot_ring::SnapshotRing;
use atomic_float::AtomicF32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Correlation averaging time constant τ.
pub const CORRELATION_TIME_CONSTANT_SECONDS: f32 = 0.3;
/// Mean-square level (−90 dBFS = 10^(−90/10)) below which the correlation
/// reads 0.
pub const SILENCE_POWER: f32 = 1e-9;

/// Running correlation of L and R; publishes `r ∈ [−1, 1]` once per block.
#[derive(Debug)]
pub struct CorrelationMeter {
    out: Arc<AtomicF32>,
    /// `keep[k]` = `(1 − α)^k`: the averages advance a chunk of k samples at a time.
    keep: [f32; CHUNK + 1],
    e_lr: f32,
    e_ll: f32,
    e_rr: f32,
}

impl CorrelationMeter {
    /// A meter publishing to `out` (Relaxed stores). Defaults to 48 kHz.
    pub fn new(out: Arc<AtomicF32>) -> Self {
        let mut m = Self {
            out,
            keep: [0.0; CHUNK + 1],
            e_lr: 0.0,
            e_ll: 0.0,
            e_rr: 0.0,
        };
        m.prepare(48_000.0, 0);
        m
    }

    /// Computes the averaging coefficient for `sample_rate` and resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        // 1 − α = e^(−1/(τ·fs)).
        let keep = (-1.0 / (CORRELATION_TIME_CONSTANT_SECONDS as f64 * sample_rate as f64)).exp();
        for k in 0..=CHUNK {
            self.keep[k] = keep.powi(k as i32) as f32;
        }
        self.reset();
    }

    /// Clears the averages and publishes 0.
    pub fn reset(&mut self) {
        self.e_lr = 0.0;
        self.e_ll = 0.0;
        self.e_rr = 0.0;
        self.out.store(0.0, Ordering::Relaxed);
    }

    /// Updates the averages with one block (the common length) and
    /// publishes the correlation.
    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let (mut lr, mut ll, mut rr) = (self.e_lr, self.e_ll, self.e_rr);
        let n = left.len().min(right.len());
        for (l_chunk, r_chunk) in left[..n].chunks(CHUNK).zip(right[..n].chunks(CHUNK)) {
            let k = l_chunk.len();
            let (mut sum_lr, mut sum_ll, mut sum_rr) = (0.0f32, 0.0f32, 0.0f32);
            for (&l, &r) in l_chunk.iter().zip(r_chunk) {
                // Non-finite input would poison the averages forever: count it as silence.
                // Branch-free (NaN fails the comparison, ±Inf exceeds MAX), so it vectorises.
                let ok = l.abs() <= f32::MAX && r.abs() <= f32::MAX;
                let (l, r) = if ok { (l, r) } else { (0.0, 0.0) };
                sum_lr += l * r;
                sum_ll += l * l;
                sum_rr += r * r;
            }
            // The exact one-pole response to the chunk's means (see crate::analysis::meter's docs).
            let (keep, mean) = (self.keep[k], 1.0 / k as f32);
            lr = lr * keep + (1.0 - keep) * sum_lr * mean;
            ll = ll * keep + (1.0 - keep) * sum_ll * mean;
            rr = rr * keep + (1.0 - keep) * sum_rr * mean;
        }
        // Keep decaying averages out of the subnormal range (once per block).
        let floor = SILENCE_POWER * 1e-12;
        if ll < floor {
            ll = 0.0;
        }
        if rr < floor {
            rr = 0.0;
        }
        if lr.abs() < floor {
            lr = 0.0;
        }
        (self.e_lr, self.e_ll, self.e_rr) = (lr, ll, rr);
        self.out.store(self.correlation(), Ordering::Relaxed);
    }

    /// The current correlation (also what was last published).
    pub fn correlation(&self) -> f32 {
        let norm = (self.e_ll * self.e_rr).sqrt();
        if norm < SILENCE_POWER {
            0.0
        } else {
            (self.e_lr / norm).clamp(-1.0, 1.0)
        }
    }
}

/// Default number of points kept by [`ScopeBuffer::default`].
pub const DEFAULT_SCOPE_CAPACITY: usize = 2048;

/// Lock-free single-producer / multi-reader ring of recent vectorscope points.
///
/// Each point is `(mid, side) = ((l + r)/2, (l − r)/2)`: a full-scale mono
/// signal spans `mid ∈ [−1, 1]`, side = 0; a hard-left one lies on
/// `mid = side`. The points travel in a [`SnapshotRing`] (its sequence lock
/// keeps a reader from seeing half of one point and half of another); this
/// type adds the decimation. Only one thread may call
/// [`push_block`](Self::push_block).
#[derive(Debug)]
pub struct ScopeBuffer {
    ring: SnapshotRing<2>,
    decimation: usize,
    /// Producer-only decimation phase (Relaxed; single producer).
    phase: AtomicUsize,
}

impl Default for ScopeBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl ScopeBuffer {
    /// A ring of [`DEFAULT_SCOPE_CAPACITY`] points keeping every sample
    /// (2048 points ≈ 43 ms at 48 kHz). Allocates.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_SCOPE_CAPACITY, 1)
    }

    /// A ring of `capacity` points (at least 1) keeping every
    /// `decimation`-th input sample (at least 1). Allocates.
    pub fn with_capacity(capacity: usize, decimation: usize) -> Self {
        Self {
            ring: SnapshotRing::new(capacity),
            decimation: decimation.max(1),
            phase: AtomicUsize::new(0),
        }
    }

    /// Number of points kept.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Keeps every n-th sample.
    pub fn decimation(&self) -> usize {
        self.decimation
    }

    /// Discards all points (GUI or audio side; not concurrently with
    /// `push_block`, whose decimation phase it restarts).
    pub fn clear(&self) {
        self.ring.clear();
        self.phase.store(0, Ordering::Relaxed);
    }

    /// Total points written so far.
    pub fn points_written(&self) -> u64 {
        self.ring.frames_written()
    }

    /// Producer: appends the block's (decimated) points. Real-time safe.
    /// Must only be called from one thread at a time.
    pub fn push_block(&self, left: &[f32], right: &[f32]) {
        let mut phase = self.phase.load(Ordering::Relaxed);
        for (&l, &r) in left.iter().zip(right) {
            if phase == 0 {
                self.ring.push([0.5 * (l + r), 0.5 * (l - r)]);
            }
            phase += 1;
            if phase == self.decimation {
                phase = 0;
            }
        }
        self.phase.store(phase, Ordering::Relaxed);
    }

    /// Consumer: replaces `out` with up to `capacity` latest points, oldest
    /// first. May allocate (GUI side).
    pub fn snapshot(&self, out: &mut Vec<(f32, f32)>) {
        self.snapshot_latest(self.capacity(), out);
    }

    /// Consumer: replaces `out` with up to `n` latest points, oldest first.
    /// Points the producer may have overwritten during the copy are dropped,
    /// so the result can be shorter than requested.
    pub fn snapshot_latest(&self, n: usize, out: &mut Vec<(f32, f32)>) {
        self.ring.snapshot_latest(n, out, |[mid, side]| (mid, side));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::XorShift32;

    const FS: f32 = 48_000.0;

    fn run(left: &[f32], right: &[f32]) -> f32 {
        let out = Arc::new(AtomicF32::new(0.5));
        let mut m = CorrelationMeter::new(out.clone());
        m.prepare(FS, 512);
        for (l, r) in left.chunks(512).zip(right.chunks(512)) {
            m.process(l, r);
        }
        let v = out.load(Ordering::Relaxed);
        assert_eq!(v, m.correlation());
        v
    }

    fn noise(seed: u32, n: usize) -> Vec<f32> {
        let mut rng = XorShift32(seed);
        (0..n).map(|_| rng.next_bipolar()).collect()
    }

    #[test]
    fn identical_is_plus_one_inverted_is_minus_one() {
        let x = noise(1, 48_000);
        let neg: Vec<f32> = x.iter().map(|v| -v).collect();
        assert!((run(&x, &x) - 1.0).abs() < 1e-4);
        assert!((run(&x, &neg) + 1.0).abs() < 1e-4);
        // Gain does not matter.
        let half: Vec<f32> = x.iter().map(|v| 0.5 * v).collect();
        assert!((run(&x, &half) - 1.0).abs() < 1e-4);
    }

    #[test]
    fn independent_noise_is_near_zero() {
        // ≈ 2τ·fs = 28 800 effective samples → std(r) ≈ 1/√28800 ≈ 0.006.
        let r = run(&noise(1, 96_000), &noise(0xdead_beef, 96_000));
        assert!(r.abs() < 0.05, "{r}");
    }

    #[test]
    fn quadrature_sines_are_zero() {
        // E[sin·cos] = 0 over whole periods.
        let n = 96_000;
        let w = 2.0 * std::f64::consts::PI * 1000.0 / FS as f64;
        let s: Vec<f32> = (0..n).map(|i| (w * i as f64).sin() as f32).collect();
        let c: Vec<f32> = (0..n).map(|i| (w * i as f64).cos() as f32).collect();
        assert!(run(&s, &c).abs() < 0.01);
    }

    #[test]
    fn silence_is_zero() {
        let z = vec![0.0; 4800];
        assert_eq!(run(&z, &z), 0.0);
        let x = noise(3, 4800);
        assert_eq!(run(&x, &z), 0.0);
        // Below −90 dBFS is silence too.
        let tiny: Vec<f32> = noise(4, 4800).iter().map(|v| v * 1e-5).collect();
        assert_eq!(run(&tiny, &tiny), 0.0);
    }

    #[test]
    fn scope_keeps_latest_points_in_order() {
        let s = ScopeBuffer::with_capacity(8, 1);
        let l: Vec<f32> = (0..20).map(|i| i as f32).collect();
        let r = [0.0; 20];
        s.push_block(&l[..7], &r[..7]);
        s.push_block(&l[7..], &r[7..]);
        let mut out = Vec::new();
        s.snapshot(&mut out);
        // Last 8 samples 12..19; mid = side = l/2.
        let want: Vec<(f32, f32)> = (12..20).map(|i| (i as f32 / 2.0, i as f32 / 2.0)).collect();
        assert_eq!(out, want);
        s.snapshot_latest(3, &mut out);
        assert_eq!(out, want[5..].to_vec());
    }

    #[test]
    fn scope_decimates_across_blocks() {
        let s = ScopeBuffer::with_capacity(100, 3);
        let l: Vec<f32> = (0..10).map(|i| i as f32).collect();
        s.push_block(&l[..4], &l[..4]);
        s.push_block(&l[4..], &l[4..]);
        let mut out = Vec::new();
        s.snapshot(&mut out);
        // Samples 0, 3, 6, 9; mono → side = 0.
        assert_eq!(out, vec![(0.0, 0.0), (3.0, 0.0), (6.0, 0.0), (9.0, 0.0)]);
        assert_eq!(s.points_written(), 4);
    }

    #[test]
    fn scope_concurrent_snapshots_are_ordered() {
        // The producer writes a ramp; any snapshot must be strictly
        // increasing consecutive values (no torn or stale points).
        let s = Arc::new(ScopeBuffer::with_capacity(64, 1));
        let p = s.clone();
        let producer = std::thread::spawn(move || {
            let mut v = 0.0f32;
            for _ in 0..2000 {
                let block: Vec<f32> = (0..37)
                    .map(|_| {
                        v += 1.0;
                        v
                    })
                    .collect();
                p.push_block(&block, &block);
            }
        });
        let mut out = Vec::new();
        for _ in 0..2000 {
            s.snapshot(&mut out);
            for w in out.windows(2) {
                assert_eq!(w[1].0 - w[0].0, 1.0, "{w:?}");
            }
        }
        producer.join().unwrap();
    }
}
