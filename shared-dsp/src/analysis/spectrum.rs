//! Spectrum analyzer for editors: a lock-free sample FIFO the audio thread copies into, and the
//! GUI-side analysis (windowed FFT, fractional-octave smoothing, spectral tilt, ballistics, peak
//! hold) on a log-frequency display grid.
//!
//! Split so the audio thread does nothing but copy:
//!
//! * [`SampleFifo`]: single-producer / single-consumer ring of `f32` built on atomics. The audio
//!   thread pushes (mono sum of the block), the editor pops. No locks, no allocation after
//!   `new`; pushing while disabled is one atomic load; a full FIFO drops the newest samples
//!   instead of waiting (the picture may stutter, the audio never does).
//! * [`SpectrumAnalyzer`]: owned by the editor, pulls from the FIFO once per frame and runs at
//!   most one FFT per frame.
//!
//! Sources:
//! * Hann window, coherent gain and scalloping loss: F. J. Harris, "On the use of windows for
//!   harmonic analysis with the discrete Fourier transform", Proc. IEEE 66(1), 1978 — a sine of
//!   amplitude `A` at a bin centre gives `|X[k]| = A·Σw/2`, so `2|X[k]|/Σw` reads its amplitude
//!   (0 dBFS for a full-scale sine), and between bins it reads at most 1.42 dB low.
//! * Fractional-octave smoothing: P. D. Hatziantoniou and J. N. Mourjopoulos, "Generalized
//!   fractional-octave smoothing of audio and acoustic responses", JAES 48(4), 2000 — power
//!   averaged over a window whose width is a fixed fraction of an octave around each frequency.
//!   Here the window is a Hann in log-frequency of full width `2·b` octaves (its half-amplitude
//!   width is `b`), so a sine's smoothed peak stays at the sine's frequency.
//! * Spectral tilt of 4.5 dB/oct about 1 kHz: the slope FabFilter Pro-Q and others use so that
//!   the long-term spectrum of typical music (falling about 4.5 dB/oct) reads flat. Pink noise
//!   (−3 dB/oct per bin) then rises 1.5 dB/oct.
//! * Ballistics: one-pole smoothing of the dB values with separate attack and release time
//!   constants (as in level meters, IEC 60268-10 style integration applied per frequency).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

// ---------------------------------------------------------------------------------------------
// FIFO
// ---------------------------------------------------------------------------------------------

/// Single-producer / single-consumer ring of `f32` samples, lock-free and wait-free.
///
/// The producer (audio thread) calls [`push_mono`](Self::push_mono) /
/// [`push_stereo`](Self::push_stereo); the consumer (editor) calls [`pop_into`](Self::pop_into)
/// and [`discard_all`](Self::discard_all). Indices count samples ever written / read (they wrap
/// at `usize::MAX`, far beyond any session); each slot stores an `f32`'s bits in an `AtomicU32`,
/// so the type is safe to share without `unsafe`. Release/acquire on the indices orders the
/// slot writes before the consumer's reads.
#[derive(Debug)]
pub struct SampleFifo {
    slots: Box<[AtomicU32]>,
    mask: usize,
    /// Samples ever written; only the producer stores it.
    write: AtomicUsize,
    /// Samples ever read; only the consumer stores it.
    read: AtomicUsize,
    enabled: AtomicBool,
}

impl SampleFifo {
    /// A FIFO holding at least `capacity` samples (rounded up to a power of two, at least 2).
    /// Starts disabled. All allocation happens here.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2).next_power_of_two();
        Self {
            slots: (0..capacity).map(|_| AtomicU32::new(0)).collect(),
            mask: capacity - 1,
            write: AtomicUsize::new(0),
            read: AtomicUsize::new(0),
            enabled: AtomicBool::new(false),
        }
    }

    /// How many samples fit.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Turn the producer side on or off (any thread). While off, pushes are no-ops.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Release);
    }

    /// Whether pushes are stored.
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Free slots as seen by the producer.
    fn free(&self) -> usize {
        let write = self.write.load(Ordering::Relaxed);
        let read = self.read.load(Ordering::Acquire);
        self.capacity() - write.wrapping_sub(read)
    }

    /// Producer: append samples. Returns how many were stored: all of them, fewer when the FIFO
    /// is full (the rest are dropped, never waited for), none when disabled.
    pub fn push_mono(&self, samples: &[f32]) -> usize {
        self.push_with(samples.len(), |i| samples[i])
    }

    /// Producer: append the mono sum `(left + right) / 2` of a stereo block (the shorter
    /// length of the two). Same return value as [`push_mono`](Self::push_mono).
    pub fn push_stereo(&self, left: &[f32], right: &[f32]) -> usize {
        let len = left.len().min(right.len());
        self.push_with(len, |i| 0.5 * (left[i] + right[i]))
    }

    #[inline]
    fn push_with(&self, len: usize, sample: impl Fn(usize) -> f32) -> usize {
        if len == 0 || !self.is_enabled() {
            return 0;
        }
        let count = len.min(self.free());
        let write = self.write.load(Ordering::Relaxed);
        for i in 0..count {
            let slot = &self.slots[write.wrapping_add(i) & self.mask];
            slot.store(sample(i).to_bits(), Ordering::Relaxed);
        }
        self.write
            .store(write.wrapping_add(count), Ordering::Release);
        count
    }

    /// Samples waiting for the consumer.
    pub fn available(&self) -> usize {
        let write = self.write.load(Ordering::Acquire);
        let read = self.read.load(Ordering::Relaxed);
        write.wrapping_sub(read)
    }

    /// Consumer: move up to `out.len()` samples into `out`, oldest first. Returns the count.
    pub fn pop_into(&self, out: &mut [f32]) -> usize {
        let count = self.available().min(out.len());
        let read = self.read.load(Ordering::Relaxed);
        for (i, dst) in out[..count].iter_mut().enumerate() {
            let slot = &self.slots[read.wrapping_add(i) & self.mask];
            *dst = f32::from_bits(slot.load(Ordering::Relaxed));
        }
        self.read.store(read.wrapping_add(count), Ordering::Release);
        count
    }

    /// Consumer: drop everything waiting (stale samples from before the editor was reopened).
    pub fn discard_all(&self) {
        let write = self.write.load(Ordering::Acquire);
        self.read.store(write, Ordering::Release);
    }
}

// ---------------------------------------------------------------------------------------------
// Analyzer
// ---------------------------------------------------------------------------------------------

/// Slope of the display tilt (dB per octave, rising), see the module docs.
pub const DEFAULT_TILT_DB_PER_OCTAVE: f32 = 4.5;
/// Frequency the tilt pivots around (0 dB of tilt).
pub const TILT_PIVOT_HZ: f32 = 1000.0;
/// Levels are clamped to this floor (dBFS) and silence decays towards it.
pub const FLOOR_DB: f32 = -150.0;

/// Display tilt in dB at `freq_hz`: `slope · log2(f / 1 kHz)`.
pub fn tilt_db(freq_hz: f32, slope_db_per_octave: f32) -> f32 {
    slope_db_per_octave * (freq_hz / TILT_PIVOT_HZ).log2()
}

/// `n` frequencies spaced evenly in log-frequency from `min_hz` to `max_hz` inclusive.
pub fn log_grid(min_hz: f32, max_hz: f32, n: usize) -> Vec<f32> {
    let n = n.max(2);
    let ratio = (max_hz / min_hz).ln();
    (0..n)
        .map(|i| min_hz * (ratio * i as f32 / (n - 1) as f32).exp())
        .collect()
}

/// FFT length for a sample rate: about 170 ms of signal (8192 at 44.1/48 kHz), so bins stay
/// about 6 Hz wide at every rate; a power of two between 1024 and 65536.
pub fn fft_size_for(sample_rate: f32) -> usize {
    let target = (sample_rate.max(1000.0) * 0.17) as usize;
    target.next_power_of_two().clamp(1024, 65536)
}

/// How the analyzer smooths and holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyzerSettings {
    /// Tilt slope (dB/oct) added to the display, pivoting at 1 kHz. 0 = none.
    pub tilt_db_per_octave: f32,
    /// Smoothing width in octaves (1/6 by default); 0 = none (bins interpolated).
    pub smoothing_octaves: f32,
    /// Time constant (s) of rising levels.
    pub attack_s: f32,
    /// Time constant (s) of falling levels.
    pub release_s: f32,
    /// How long a peak is held before it falls (s); `f32::INFINITY` holds until reset.
    pub peak_hold_s: f32,
    /// How fast a peak falls after its hold time (dB/s).
    pub peak_fall_db_per_s: f32,
}

impl Default for AnalyzerSettings {
    fn default() -> Self {
        Self {
            tilt_db_per_octave: DEFAULT_TILT_DB_PER_OCTAVE,
            smoothing_octaves: 1.0 / 6.0,
            attack_s: 0.04,
            release_s: 0.3,
            peak_hold_s: 1.5,
            peak_fall_db_per_s: 15.0,
        }
    }
}

/// If no new samples arrive for this long, the input counts as silent (the host stopped
/// calling the plugin, or it sleeps) and the display decays to the floor.
const STALE_AFTER_S: f32 = 0.15;

/// Run an FFT once at least this many new samples arrived (a frame at 30 fps brings ~1600).
const MIN_NEW_SAMPLES: usize = 256;

/// GUI-side spectrum analyzer: history ring, Hann-windowed real FFT (realfft), smoothing and
/// tilt onto a log-frequency grid, time ballistics and peak hold. Allocates in
/// [`new`](Self::new) only.
pub struct SpectrumAnalyzer {
    sample_rate: f32,
    settings: AnalyzerSettings,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// `2 / Σw`: bin magnitude → sine amplitude.
    amplitude_scale: f32,
    history: Vec<f32>,
    history_pos: usize,
    new_samples: usize,
    since_last_sample_s: f32,
    pull_buffer: Vec<f32>,
    fft_in: Vec<f32>,
    fft_out: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
    /// Power of each bin, normalised so a full-scale sine reads 1.
    bin_power: Vec<f32>,
    grid: Vec<f32>,
    /// Smoothing weights: for grid point `i`, `weights[ranges[i].0..ranges[i].1]`.
    ranges: Vec<(usize, usize)>,
    weights: Vec<(u32, f32)>,
    tilt: Vec<f32>,
    fresh_db: Vec<f32>,
    display_db: Vec<f32>,
    peak_db: Vec<f32>,
    peak_age_s: Vec<f32>,
}

impl SpectrumAnalyzer {
    /// An analyzer for `sample_rate` showing `grid` (display frequencies, ascending).
    pub fn new(sample_rate: f32, grid: Vec<f32>, settings: AnalyzerSettings) -> Self {
        let size = fft_size_for(sample_rate);
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(size);
        // Periodic Hann (Harris 1978, eq. 27a with N samples per period).
        let window: Vec<f32> = (0..size)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * n as f64 / size as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        let window_sum: f64 = window.iter().map(|&w| w as f64).sum();
        let fft_out = fft.make_output_vec();
        let fft_scratch = fft.make_scratch_vec();
        let n_points = grid.len();
        let mut analyzer = Self {
            sample_rate,
            settings,
            fft,
            window,
            amplitude_scale: (2.0 / window_sum) as f32,
            history: vec![0.0; size],
            history_pos: 0,
            new_samples: 0,
            since_last_sample_s: f32::INFINITY,
            pull_buffer: vec![0.0; 4096],
            fft_in: vec![0.0; size],
            bin_power: vec![0.0; fft_out.len()],
            fft_out,
            fft_scratch,
            grid,
            ranges: Vec::with_capacity(n_points),
            weights: Vec::new(),
            tilt: Vec::with_capacity(n_points),
            fresh_db: vec![FLOOR_DB; n_points],
            display_db: vec![FLOOR_DB; n_points],
            peak_db: vec![FLOOR_DB; n_points],
            peak_age_s: vec![0.0; n_points],
        };
        analyzer.build_weights();
        analyzer
    }

    /// The sample rate this analyzer was made for.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// FFT length.
    pub fn fft_size(&self) -> usize {
        self.history.len()
    }

    /// Width of one FFT bin (Hz).
    pub fn bin_width_hz(&self) -> f32 {
        self.sample_rate / self.fft_size() as f32
    }

    /// Current settings.
    pub fn settings(&self) -> AnalyzerSettings {
        self.settings
    }

    /// Change settings (GUI thread; recomputes the smoothing weights when they change, which
    /// allocates).
    pub fn set_settings(&mut self, settings: AnalyzerSettings) {
        let rebuild = settings.smoothing_octaves != self.settings.smoothing_octaves
            || settings.tilt_db_per_octave != self.settings.tilt_db_per_octave;
        self.settings = settings;
        if rebuild {
            self.build_weights();
        }
    }

    /// The display frequencies.
    pub fn frequencies(&self) -> &[f32] {
        &self.grid
    }

    /// Smoothed, tilted, time-averaged level (dB) at each display frequency. Points at or
    /// above Nyquist read [`FLOOR_DB`].
    pub fn levels_db(&self) -> &[f32] {
        &self.display_db
    }

    /// Peak-hold level (dB) at each display frequency.
    pub fn peaks_db(&self) -> &[f32] {
        &self.peak_db
    }

    /// Level (dB, amplitude of a sine, no smoothing or tilt) of each FFT bin of the last
    /// analysis. Mostly for tests and readouts.
    pub fn bin_level_db(&self, bin: usize) -> f32 {
        power_to_db(self.bin_power[bin])
    }

    /// Number of FFT bins (`size/2 + 1`).
    pub fn bin_count(&self) -> usize {
        self.bin_power.len()
    }

    /// Forget peaks (click on the display).
    pub fn reset_peaks(&mut self) {
        self.peak_db.copy_from_slice(&self.display_db);
        self.peak_age_s.fill(0.0);
    }

    /// Clear everything: history, levels and peaks.
    pub fn reset(&mut self) {
        self.history.fill(0.0);
        self.history_pos = 0;
        self.new_samples = 0;
        self.since_last_sample_s = f32::INFINITY;
        self.fresh_db.fill(FLOOR_DB);
        self.display_db.fill(FLOOR_DB);
        self.peak_db.fill(FLOOR_DB);
        self.peak_age_s.fill(0.0);
    }

    /// Append samples to the analysis history (oldest first).
    pub fn write_samples(&mut self, samples: &[f32]) {
        let size = self.history.len();
        // Only the newest `size` samples matter.
        let samples = &samples[samples.len().saturating_sub(size)..];
        for &s in samples {
            self.history[self.history_pos] = if s.is_finite() { s } else { 0.0 };
            self.history_pos = (self.history_pos + 1) % size;
        }
        self.new_samples += samples.len();
    }

    /// Take everything waiting in `fifo` into the history. Returns the number of samples.
    pub fn pull(&mut self, fifo: &SampleFifo) -> usize {
        let mut total = 0;
        loop {
            let mut buffer = std::mem::take(&mut self.pull_buffer);
            let n = fifo.pop_into(&mut buffer);
            self.write_samples(&buffer[..n]);
            self.pull_buffer = buffer;
            total += n;
            if n == 0 {
                return total;
            }
        }
    }

    /// Advance the display by `dt_s` seconds: analyse if new samples arrived, then apply
    /// attack/release and peak hold. Call once per GUI frame.
    pub fn update(&mut self, dt_s: f32) {
        let dt_s = dt_s.clamp(0.0, 1.0);
        if self.new_samples >= MIN_NEW_SAMPLES {
            self.analyse();
            self.new_samples = 0;
            self.since_last_sample_s = 0.0;
        } else {
            self.since_last_sample_s += dt_s;
            if self.since_last_sample_s > STALE_AFTER_S {
                self.fresh_db.fill(FLOOR_DB);
            }
        }
        self.apply_ballistics(dt_s);
    }

    /// Window the newest `size` samples, FFT, bin powers, smoothing and tilt into `fresh_db`.
    fn analyse(&mut self) {
        let size = self.history.len();
        let (older, newer) = self.history.split_at(self.history_pos);
        // Oldest sample first: history[pos..] then history[..pos].
        for ((dst, &s), &w) in self
            .fft_in
            .iter_mut()
            .zip(newer.iter().chain(older.iter()))
            .zip(&self.window)
        {
            *dst = s * w;
        }
        debug_assert_eq!(self.fft_in.len(), size);
        if self
            .fft
            .process_with_scratch(&mut self.fft_in, &mut self.fft_out, &mut self.fft_scratch)
            .is_err()
        {
            return;
        }
        let scale = self.amplitude_scale;
        for (p, x) in self.bin_power.iter_mut().zip(&self.fft_out) {
            let amplitude = x.norm() * scale;
            *p = amplitude * amplitude;
        }
        self.smooth_into_fresh();
    }

    /// Weighted power average per grid point, then dB and tilt.
    fn smooth_into_fresh(&mut self) {
        for (i, &(start, end)) in self.ranges.iter().enumerate() {
            if start == end {
                self.fresh_db[i] = FLOOR_DB;
                continue;
            }
            let power: f32 = self.weights[start..end]
                .iter()
                .map(|&(bin, w)| w * self.bin_power[bin as usize])
                .sum();
            self.fresh_db[i] = (power_to_db(power) + self.tilt[i]).max(FLOOR_DB);
        }
    }

    fn apply_ballistics(&mut self, dt_s: f32) {
        let s = &self.settings;
        let attack = one_pole_step(dt_s, s.attack_s);
        let release = one_pole_step(dt_s, s.release_s);
        for i in 0..self.display_db.len() {
            let fresh = self.fresh_db[i];
            let shown = &mut self.display_db[i];
            let k = if fresh > *shown { attack } else { release };
            *shown += (fresh - *shown) * k;

            let peak = &mut self.peak_db[i];
            let age = &mut self.peak_age_s[i];
            if *shown >= *peak {
                *peak = *shown;
                *age = 0.0;
            } else {
                *age += dt_s;
                if *age > s.peak_hold_s {
                    let falling_for = (*age - s.peak_hold_s).min(dt_s);
                    *peak = (*peak - s.peak_fall_db_per_s * falling_for).max(*shown);
                }
            }
        }
    }

    /// Precompute each grid point's bin weights (Hann in log-frequency of full width
    /// `2·smoothing_octaves`), falling back to linear interpolation between the two bins
    /// around the frequency where that window covers fewer than two bins; and the tilt.
    fn build_weights(&mut self) {
        let bin_hz = self.bin_width_hz();
        let nyquist = self.sample_rate / 2.0;
        let last_bin = self.bin_power.len() - 1;
        let half_width_oct = self.settings.smoothing_octaves.max(0.0);
        self.ranges.clear();
        self.weights.clear();
        self.tilt.clear();
        for &f in &self.grid {
            self.tilt.push(tilt_db(f, self.settings.tilt_db_per_octave));
            let start = self.weights.len();
            if !(f > 0.0 && f < nyquist) {
                self.ranges.push((start, start));
                continue;
            }
            let lo = f * (-half_width_oct).exp2() / bin_hz;
            let hi = (f * half_width_oct.exp2() / bin_hz).min(last_bin as f32);
            let first = lo.ceil().max(0.0) as usize;
            let last = hi.floor().max(0.0) as usize;
            let mut total = 0.0;
            if half_width_oct > 0.0 && last > first {
                for bin in first..=last {
                    let fb = (bin as f32 * bin_hz).max(f32::MIN_POSITIVE);
                    let x = (fb / f).log2() / half_width_oct; // −1..1 across the window
                    let w = 0.5 + 0.5 * (std::f32::consts::PI * x).cos();
                    if w > 0.0 {
                        self.weights.push((bin as u32, w));
                        total += w;
                    }
                }
            }
            if total <= 0.0 {
                // Narrower than a bin: interpolate the power at f.
                let pos = f / bin_hz;
                let k0 = (pos.floor() as usize).min(last_bin);
                let k1 = (k0 + 1).min(last_bin);
                let frac = pos - k0 as f32;
                self.weights.truncate(start);
                self.weights.push((k0 as u32, 1.0 - frac));
                if k1 != k0 {
                    self.weights.push((k1 as u32, frac));
                }
                total = if k1 != k0 { 1.0 } else { 1.0 - frac };
            }
            for (_, w) in &mut self.weights[start..] {
                *w /= total;
            }
            self.ranges.push((start, self.weights.len()));
        }
    }
}

/// `10·log10(power)`, floored at [`FLOOR_DB`].
fn power_to_db(power: f32) -> f32 {
    if power > 0.0 {
        (10.0 * power.log10()).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

/// Fraction of the way a one-pole with time constant `tau_s` moves in `dt_s`.
fn one_pole_step(dt_s: f32, tau_s: f32) -> f32 {
    if tau_s <= 0.0 {
        1.0
    } else {
        1.0 - (-dt_s / tau_s).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

    fn sine(freq: f32, amplitude: f32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|n| amplitude * (2.0 * std::f32::consts::PI * freq * n as f32 / SR).sin())
            .collect()
    }

    fn analyzer(settings: AnalyzerSettings) -> SpectrumAnalyzer {
        SpectrumAnalyzer::new(SR, log_grid(10.0, 30_000.0, 400), settings)
    }

    fn no_ballistics() -> AnalyzerSettings {
        AnalyzerSettings {
            attack_s: 0.0,
            release_s: 0.0,
            ..AnalyzerSettings::default()
        }
    }

    #[test]
    fn fifo_round_trips_in_order() {
        let fifo = SampleFifo::new(8);
        fifo.set_enabled(true);
        assert_eq!(fifo.push_mono(&[1.0, 2.0, 3.0]), 3);
        let mut out = [0.0; 2];
        assert_eq!(fifo.pop_into(&mut out), 2);
        assert_eq!(out, [1.0, 2.0]);
        // Wrap around the end of the ring.
        assert_eq!(fifo.push_mono(&[4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]), 7);
        let mut out = [0.0; 16];
        assert_eq!(fifo.pop_into(&mut out), 8);
        assert_eq!(&out[..8], &[3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
    }

    #[test]
    fn fifo_stereo_push_stores_the_mono_sum() {
        let fifo = SampleFifo::new(4);
        fifo.set_enabled(true);
        assert_eq!(fifo.push_stereo(&[1.0, 0.5], &[0.0, -0.5]), 2);
        let mut out = [9.0; 2];
        fifo.pop_into(&mut out);
        assert_eq!(out, [0.5, 0.0]);
    }

    #[test]
    fn pushing_when_disabled_is_a_no_op() {
        let fifo = SampleFifo::new(16);
        assert!(!fifo.is_enabled(), "a new FIFO starts disabled");
        assert_eq!(fifo.push_mono(&[1.0; 8]), 0);
        assert_eq!(fifo.push_stereo(&[1.0; 8], &[1.0; 8]), 0);
        assert_eq!(fifo.available(), 0);
        fifo.set_enabled(true);
        fifo.push_mono(&[1.0; 3]);
        fifo.set_enabled(false);
        fifo.push_mono(&[2.0; 3]);
        assert_eq!(fifo.available(), 3);
    }

    #[test]
    fn a_full_fifo_drops_instead_of_waiting() {
        let fifo = SampleFifo::new(8);
        fifo.set_enabled(true);
        assert_eq!(fifo.push_mono(&[1.0; 6]), 6);
        assert_eq!(
            fifo.push_mono(&[2.0; 6]),
            2,
            "only the free slots are filled"
        );
        assert_eq!(fifo.push_mono(&[3.0; 6]), 0, "full: returns at once");
        let mut out = [0.0; 8];
        fifo.pop_into(&mut out);
        assert_eq!(out, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
        fifo.push_mono(&[4.0; 3]);
        fifo.discard_all();
        assert_eq!(fifo.available(), 0);
    }

    #[test]
    fn fifo_across_threads_keeps_every_sample_in_order() {
        let fifo = Arc::new(SampleFifo::new(1024));
        fifo.set_enabled(true);
        let total = 200_000usize;
        let producer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut next = 0usize;
                let mut block = [0.0f32; 64];
                while next < total {
                    let n = 64.min(total - next);
                    for (i, s) in block[..n].iter_mut().enumerate() {
                        *s = (next + i) as f32;
                    }
                    // Retry what was dropped so the consumer can check the order.
                    next += fifo.push_mono(&block[..n]);
                    std::hint::spin_loop();
                }
            })
        };
        let mut expected = 0usize;
        let mut out = [0.0f32; 100];
        while expected < total {
            let n = fifo.pop_into(&mut out);
            for &s in &out[..n] {
                assert_eq!(s, expected as f32);
                expected += 1;
            }
        }
        producer.join().unwrap();
    }

    #[test]
    fn tilt_adds_exactly_four_and_a_half_db_per_octave() {
        assert_eq!(tilt_db(1000.0, 4.5), 0.0);
        assert!((tilt_db(2000.0, 4.5) - 4.5).abs() < 1e-5);
        assert!((tilt_db(250.0, 4.5) + 9.0).abs() < 1e-5);
        assert!((tilt_db(16_000.0, 4.5) - 18.0).abs() < 1e-4);

        // Same noise through an analyzer with and without tilt: the difference at every
        // display frequency is 4.5 · log2(f / 1 kHz).
        let mut state = 12345u32;
        let noise: Vec<f32> = (0..16384)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        let mut tilted = analyzer(no_ballistics());
        let mut flat = analyzer(AnalyzerSettings {
            tilt_db_per_octave: 0.0,
            ..no_ballistics()
        });
        for a in [&mut tilted, &mut flat] {
            a.write_samples(&noise);
            a.update(0.03);
        }
        let mut checked = 0;
        for (i, &f) in tilted.frequencies().iter().enumerate() {
            if f >= SR / 2.0 {
                continue;
            }
            let diff = tilted.levels_db()[i] - flat.levels_db()[i];
            let expected = 4.5 * (f / 1000.0).log2();
            assert!(
                (diff - expected).abs() < 1e-3,
                "{f} Hz: tilt {diff} dB, expected {expected} dB"
            );
            checked += 1;
        }
        assert!(checked > 300);
    }

    #[test]
    fn a_sine_peaks_at_its_frequency_within_a_bin() {
        for &freq in &[50.0f32, 997.0, 3_141.0, 15_000.0] {
            let mut a = analyzer(no_ballistics());
            a.write_samples(&sine(freq, 0.5, a.fft_size()));
            a.update(0.03);
            let bin_hz = a.bin_width_hz();
            let peak_bin = (1..a.bin_count())
                .max_by(|&x, &y| a.bin_level_db(x).total_cmp(&a.bin_level_db(y)))
                .unwrap();
            let peak_hz = peak_bin as f32 * bin_hz;
            assert!(
                (peak_hz - freq).abs() <= bin_hz,
                "{freq} Hz sine peaks at {peak_hz} Hz (bin {bin_hz} Hz)"
            );
            // Amplitude 0.5 = −6.02 dB; Hann scalloping loses at most 1.42 dB between bins.
            let level = a.bin_level_db(peak_bin);
            assert!(
                (-6.02 - 1.43..=-6.02 + 0.01).contains(&level),
                "{freq} Hz: peak level {level} dB"
            );

            // On the smoothed display grid the maximum sits within one bin or one grid step
            // of f, whichever is coarser there.
            let grid = a.frequencies();
            let levels = a.levels_db();
            let peak_point = (0..grid.len())
                .max_by(|&x, &y| levels[x].total_cmp(&levels[y]))
                .unwrap();
            let grid_step_hz = freq * ((grid[1] / grid[0]) - 1.0);
            let tolerance = bin_hz.max(grid_step_hz);
            assert!(
                (grid[peak_point] - freq).abs() <= tolerance,
                "{freq} Hz: display peak at {} Hz",
                grid[peak_point]
            );
        }
    }

    #[test]
    fn a_bin_centred_full_scale_sine_reads_zero_db() {
        let mut a = analyzer(no_ballistics());
        let bin = 100;
        let freq = bin as f32 * a.bin_width_hz();
        a.write_samples(&sine(freq, 1.0, a.fft_size()));
        a.update(0.03);
        assert!(a.bin_level_db(bin).abs() < 0.01, "{}", a.bin_level_db(bin));
    }

    #[test]
    fn smoothing_keeps_a_flat_spectrum_flat() {
        let mut a = analyzer(AnalyzerSettings {
            tilt_db_per_octave: 0.0,
            ..no_ballistics()
        });
        a.bin_power.fill(0.01); // −20 dB in every bin
        a.smooth_into_fresh();
        for (i, &f) in a.frequencies().iter().enumerate() {
            if f < SR / 2.0 {
                assert!(
                    (a.fresh_db[i] + 20.0).abs() < 1e-3,
                    "{f} Hz: {}",
                    a.fresh_db[i]
                );
            } else {
                assert_eq!(a.fresh_db[i], FLOOR_DB);
            }
        }
    }

    #[test]
    fn falling_levels_follow_the_release_time_constant() {
        let settings = AnalyzerSettings {
            attack_s: 0.0,
            release_s: 0.3,
            ..AnalyzerSettings::default()
        };
        let mut a = analyzer(settings);
        let grid_point = a.frequencies().iter().position(|&f| f >= 1000.0).unwrap();
        a.fresh_db.fill(-20.0);
        a.apply_ballistics(0.01);
        assert_eq!(a.display_db[grid_point], -20.0, "zero attack time jumps up");
        a.fresh_db.fill(-80.0);
        a.apply_ballistics(0.3);
        // One time constant: 63.2 % of the way from −20 to −80 dB.
        let expected = -20.0 - 60.0 * (1.0 - (-1.0f32).exp());
        assert!((a.display_db[grid_point] - expected).abs() < 1e-3);
    }

    #[test]
    fn peaks_hold_then_fall_at_their_rate() {
        let settings = AnalyzerSettings {
            attack_s: 0.0,
            release_s: 0.0,
            peak_hold_s: 1.0,
            peak_fall_db_per_s: 10.0,
            ..AnalyzerSettings::default()
        };
        let mut a = analyzer(settings);
        a.fresh_db.fill(-10.0);
        a.apply_ballistics(0.1);
        a.fresh_db.fill(-60.0);
        for _ in 0..9 {
            a.apply_ballistics(0.1); // 0.9 s: still held
        }
        assert!(a.peaks_db().iter().all(|&p| p == -10.0));
        for _ in 0..6 {
            a.apply_ballistics(0.1); // 1.5 s: fell for 0.5 s at 10 dB/s
        }
        assert!(
            a.peaks_db().iter().all(|&p| (p + 15.0).abs() < 1e-3),
            "{}",
            a.peaks_db()[0]
        );
        a.reset_peaks();
        assert!(a.peaks_db().iter().all(|&p| p == -60.0));
    }

    #[test]
    fn silence_decays_to_the_floor_when_samples_stop() {
        let mut a = analyzer(AnalyzerSettings {
            release_s: 0.05,
            ..AnalyzerSettings::default()
        });
        let signal = sine(1000.0, 1.0, 8192);
        for _ in 0..10 {
            a.write_samples(&signal[..1600]);
            a.update(0.03);
        }
        let point = a.frequencies().iter().position(|&f| f >= 1000.0).unwrap();
        assert!(a.levels_db()[point] > -40.0);
        for _ in 0..100 {
            a.update(0.03); // 3 s with no new samples
        }
        assert!(a.levels_db()[point] < FLOOR_DB + 1.0);
    }

    #[test]
    fn fifo_feeds_the_analyzer() {
        let fifo = SampleFifo::new(1 << 15);
        fifo.set_enabled(true);
        let mut a = analyzer(no_ballistics());
        let signal = sine(1000.0, 1.0, 10_000);
        for block in signal.chunks(512) {
            fifo.push_stereo(block, block);
        }
        assert_eq!(a.pull(&fifo), 10_000);
        a.update(0.03);
        let point = a.frequencies().iter().position(|&f| f >= 1000.0).unwrap();
        assert!(a.levels_db()[point] > -30.0);
    }
}
