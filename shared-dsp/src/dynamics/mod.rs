//! Gel Compressor's engine: a stereo feed-forward compressor with peak/RMS
//! detection, stereo link, mid/side, lookahead, external sidechain with
//! filters and listen, parallel mix and makeup.
//!
//! Signal flow per sample (one "lane" per channel, or a single lane shared by
//! both channels at 100 % stereo link):
//!
//! ```text
//! key (main or sidechain) → SC high-pass → SC low-pass → [mid/side] →
//!   level detector (peak: sliding max | RMS: moving mean square) → dB →
//!   gain computer (gain_computer.rs, Giannoulis et al. 2012 eq. 4) →
//!   [lookahead: sliding max + ramp] → attack/release in dB (ballistics.rs) →
//!   gain = 10^(−GR/20) → applied to the (lookahead-delayed) audio with
//!   makeup, dry/wet mix and output gain
//! ```
//!
//! **Exact static curve.** A peak follower that decays between the peaks
//! of a sine settles below the sine's peak (LSP and Calf read 0.87 dB low at
//! 10/100 ms). Gel's peak detector is the maximum of `|x|` over a hold window
//! (monotonic-deque sliding max, sliding_max.rs) of a quarter of the release
//! time (at most 20 ms), so any steady signal whose half period fits in the
//! window is read at its true (sampled) peak; the attack/release smoothing
//! then happens on the gain reduction in dB, which for a steady level is
//! constant. The RMS detector is the boxcar mean of `x²` over the RMS window,
//! exact for periodic signals whose period divides the window.
//!
//! **Time constants** (ballistics.rs): the gain reduction in dB reaches 63 %
//! (1 − 1/e) of its final value `attack` after a level step up, and recovers
//! 63 % `release` after a step down (the release pole is shortened by the hold
//! time so the hold does not lengthen the 63 % time).
//!
//! **Lookahead** `L` samples: the audio (and the dry path of the mix) is
//! delayed by `L`; the target reduction goes through a sliding max over
//! `L + 1` samples before the attack/release smoother, and the result is
//! floored by the boxcar mean of that sliding max over `L + 1` samples. That
//! ramp reaches any reduction the delayed audio needs by the time the audio
//! arrives (each of the `L + 1` maxima it averages covers the arriving
//! sample), so a level step is never under-compressed, whatever the attack.
//!
//! **Stereo link** λ: each lane's level in dB is `own + λ·(max − own)`;
//! at λ = 1 a single lane reads `max(|l|, |r|)` (or the larger mean square).
//! **Mid/side**: the key is converted to `M = (L+R)/2, S = (L−R)/2`; the
//! two lanes' gains `gM, gS` are applied as the matrix
//! `L' = ½(gM+gS)·L + ½(gM−gS)·R`, `R' = ½(gM−gS)·L + ½(gM+gS)·R`, which is
//! the identity when both gains are 1.
//!
//! **Cost.** Everything runs on chunks of 128 samples, one stage at a time:
//! the held peak changes rarely, so the curve (log2 via blocks/fast_math.rs)
//! is evaluated once per change; the Clean smoother is computed in closed
//! form over each run of equal targets (ballistics.rs), the sliding maxima
//! scan four samples per step (sliding_max.rs), and gains, `exp2` and meters
//! are plain element-wise loops, compiled for AVX2 where the CPU has it
//! ([`Compressor::set_simd`]; the same bits on every path).
//!
//! Below `T − W/2` with no makeup, 100 % mix and 0 dB output the gain is
//! exactly 1.0 (blocks/fast_math.rs' `exp2(0) = 1`), so the output is bit-identical
//! to the input.

mod ballistics;
mod gain_computer;
mod moving_average;
mod settings;
mod sliding_max;
#[cfg(test)]
mod tests;

use crate::blocks::fast_math::reduction_to_gain_block;
pub use crate::blocks::fast_math::{amp_to_db, exp2, log2, power_to_db, reduction_to_gain};
pub use ballistics::{one_pole_coefficient, Ballistics, BallisticsCoefficients, BallisticsMode};
pub use gain_computer::{auto_makeup_db, ratio_to_slope, GainComputer, AUTO_MAKEUP_REFERENCE_DB};
pub use moving_average::MovingAverage;
pub use settings::{
    ChannelMode, CompressorReadings, CompressorSettings, CompressorStyle, Detection,
};
use sliding_max::max_nonneg;
pub use sliding_max::SlidingMax;

use crate::blocks::delay_line::DelayLine;
use crate::blocks::filter::{Svf, SvfCoefficients, BUTTERWORTH_K};
use crate::blocks::gain::{db_to_gain, gain_to_db, MINUS_INFINITY_DB};
use crate::blocks::guard;
use crate::blocks::path_crossfade::{Path, PathCrossfade};
use crate::blocks::smoothing::LinearRamp;
use crate::simd::Simd;
use crate::DenormalGuard;

/// Samples processed per internal pass (scratch buffers are this long, so
/// any host block length works).
const CHUNK: usize = 128;
/// Longest lookahead (ms).
pub const MAX_LOOKAHEAD_MS: f32 = 20.0;
/// Longest peak hold (ms); the hold is a quarter of the release time.
pub const MAX_HOLD_MS: f32 = 20.0;
/// Longest RMS window (ms).
pub const MAX_RMS_WINDOW_MS: f32 = 100.0;
/// SC Listen's crossfade length (ms).
pub const LISTEN_FADE_MS: f32 = 20.0;
/// Fraction of the release time used as the peak detector's hold window.
pub const HOLD_FRACTION_OF_RELEASE: f32 = 0.25;

/// Detector and smoother state of one lane (a channel, mid or side).
#[derive(Debug, Clone)]
struct Lane {
    peak_hold: SlidingMax,
    mean_square: MovingAverage,
    lookahead_max: SlidingMax,
    lookahead_ramp: MovingAverage,
    ballistics: Ballistics,
    /// Last held peak and what it maps to: its level in dB (unlinked) or the
    /// target reduction (linked); recomputed only when the peak changes.
    held_peak: f32,
    held_peak_db: f32,
}

impl Lane {
    fn new(max_hold: usize, max_rms: usize, max_lookahead: usize) -> Self {
        Self {
            peak_hold: SlidingMax::new(max_hold),
            mean_square: MovingAverage::new(max_rms),
            lookahead_max: SlidingMax::new(max_lookahead + 1),
            lookahead_ramp: MovingAverage::new(max_lookahead + 1),
            ballistics: Ballistics::default(),
            held_peak: f32::NAN,
            held_peak_db: 0.0,
        }
    }

    fn reset(&mut self) {
        self.peak_hold.reset();
        self.mean_square.reset();
        self.lookahead_max.reset();
        self.lookahead_ramp.reset();
        self.ballistics.reset();
        // NaN never equals a level: the first sample recomputes the cache.
        self.held_peak = f32::NAN;
        self.held_peak_db = 0.0;
    }
}

/// Gel Compressor's engine (see the module docs).
#[derive(Debug, Clone)]
pub struct Compressor {
    settings: CompressorSettings,
    sample_rate: f32,
    gain_computer: GainComputer,
    coefficients: BallisticsCoefficients,
    lanes: [Lane; 2],
    linked: bool,
    hold_samples: usize,
    rms_samples: usize,
    lookahead_samples: usize,
    max_lookahead_samples: usize,
    /// The audio's lookahead delay.
    delay: DelayLine,
    highpass: [Svf; 2],
    lowpass: [Svf; 2],
    highpass_hz: Option<f32>,
    lowpass_hz: Option<f32>,
    mix: LinearRamp,
    makeup: LinearRamp,
    output: LinearRamp,
    /// Threshold (dB), slope `1 − 1/R`, knee (dB) and range (dB), each moving
    /// in a linear ramp so a curve change never steps the target reduction.
    curve: [LinearRamp; 4],
    /// Per-sample curve values of the chunk while a curve ramp runs.
    curve_values: [[f32; CHUNK]; 4],
    curve_moving: bool,
    /// SC Listen's switch: path A = compressed audio, B = detector signal.
    listen: PathCrossfade,
    /// The detector signal, delayed like the audio, while Listen is (fading) on.
    listen_key: [[f32; CHUNK]; 2],
    listen_delay: DelayLine,
    key: [[f32; CHUNK]; 2],
    reduction: [[f32; CHUNK]; 2],
    ramp: [f32; CHUNK],
    wet: [f32; CHUNK],
    dry: [f32; CHUNK],
    readings: CompressorReadings,
    /// Consecutive samples of all-zero input (main and key).
    silent_run: usize,
    /// True while [`sleep`](Compressor::sleep) has cleared the state and nothing ran since.
    asleep: bool,
    /// Scalar, SSE2 or AVX2 block loops (same results, see [`crate::simd`]).
    simd: Simd,
}

impl Default for Compressor {
    fn default() -> Self {
        Self::new()
    }
}

fn ms_to_samples(ms: f32, sample_rate: f32) -> usize {
    let n = (ms.max(0.0) * 0.001 * sample_rate).round();
    if n.is_finite() {
        n as usize
    } else {
        0
    }
}

/// Largest `|x|`. Eight running maxima (`f32` compares, no NaN rule: the
/// input is sanitised), so the loop is two `maxps` per eight samples instead
/// of a serial chain.
fn peak_abs(x: &[f32]) -> f32 {
    largest(x, f32::abs)
}

/// Largest `f(x)` over `x`, for `f(x) ≥ 0` (0 for an empty slice).
#[inline(always)]
fn largest(x: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0.0f32; 8];
    let groups = x.chunks_exact(8);
    let tail = groups.remainder();
    for g in groups {
        for (a, &v) in acc.iter_mut().zip(g) {
            *a = max_nonneg(*a, f(v));
        }
    }
    tail.iter().map(|&v| f(v)).chain(acc).fold(0.0, max_nonneg)
}

impl Compressor {
    /// A compressor prepared for 48 kHz with default settings.
    pub fn new() -> Self {
        let mut c = Self {
            settings: CompressorSettings::default(),
            sample_rate: 48_000.0,
            gain_computer: GainComputer::default(),
            coefficients: BallisticsCoefficients::default(),
            lanes: [Lane::new(1, 1, 0), Lane::new(1, 1, 0)],
            linked: true,
            hold_samples: 1,
            rms_samples: 1,
            lookahead_samples: 0,
            max_lookahead_samples: 0,
            delay: DelayLine::new(0.0),
            highpass: [Svf::new(), Svf::new()],
            lowpass: [Svf::new(), Svf::new()],
            highpass_hz: None,
            lowpass_hz: None,
            mix: LinearRamp::new(),
            makeup: LinearRamp::new(),
            output: LinearRamp::new(),
            curve: std::array::from_fn(|_| LinearRamp::new()),
            curve_values: [[0.0; CHUNK]; 4],
            curve_moving: false,
            listen: PathCrossfade::new(),
            listen_key: [[0.0; CHUNK]; 2],
            listen_delay: DelayLine::new(0.0),
            key: [[0.0; CHUNK]; 2],
            reduction: [[0.0; CHUNK]; 2],
            ramp: [0.0; CHUNK],
            wet: [0.0; CHUNK],
            dry: [0.0; CHUNK],
            readings: CompressorReadings::default(),
            silent_run: 0,
            asleep: false,
            simd: Simd::current(),
        };
        c.prepare(48_000.0, 512);
        c
    }

    /// Sets the sample rate and allocates for the longest hold, RMS window
    /// and lookahead (20 ms). Not real-time safe. `max_block` is not needed:
    /// blocks of any length are processed in internal chunks.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        let fs = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        self.sample_rate = fs;
        let max_hold = ms_to_samples(MAX_HOLD_MS, fs).max(1);
        let max_rms = ms_to_samples(MAX_RMS_WINDOW_MS, fs).max(1);
        self.max_lookahead_samples = ms_to_samples(MAX_LOOKAHEAD_MS, fs);
        self.lanes = [
            Lane::new(max_hold, max_rms, self.max_lookahead_samples),
            Lane::new(max_hold, max_rms, self.max_lookahead_samples),
        ];
        let simd = self.simd;
        self.set_simd(simd);
        // Each line holds the longest lookahead plus one chunk (written before it is read).
        let line_seconds = (self.max_lookahead_samples + CHUNK) as f64 / fs as f64;
        for line in [&mut self.delay, &mut self.listen_delay] {
            *line = DelayLine::new(line_seconds);
            line.prepare(fs, CHUNK);
        }
        for r in self.ramps_mut() {
            r.prepare(fs, CHUNK);
        }
        self.listen.set_fade_ms(LISTEN_FADE_MS);
        self.listen.prepare(fs, CHUNK);
        // Force every derived value to be recomputed.
        self.highpass_hz = None;
        self.lowpass_hz = None;
        let s = self.settings;
        self.apply_settings(&s, true);
        self.reset();
    }

    /// Clears the signal state (detectors, smoothers, delay, filters) and
    /// jumps the gain ramps to their targets. No allocation.
    pub fn reset(&mut self) {
        for lane in &mut self.lanes {
            lane.reset();
        }
        self.delay.reset();
        self.listen_delay.reset();
        for f in self.highpass.iter_mut().chain(self.lowpass.iter_mut()) {
            f.reset();
        }
        for r in self.ramps_mut() {
            let t = r.target();
            r.reset(t);
        }
        self.listen.snap(self.listen.target());
        self.settle_curve();
        self.readings = CompressorReadings {
            input_peak_db: [MINUS_INFINITY_DB; 2],
            output_peak_db: [MINUS_INFINITY_DB; 2],
            ..Default::default()
        };
        self.silent_run = 0;
        self.asleep = false;
    }

    /// A block the plugin need not compute: its input (and key) has been silent for longer
    /// than the lookahead and the compressor [is idle](Self::is_idle). Outputs silence; the
    /// first such block clears what is left (below −200 dBFS) to exact zeros, so the readings
    /// are those of silence until [`process`](Self::process) runs again.
    pub fn sleep(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !self.asleep {
            self.reset();
            self.asleep = true;
        }
        left.fill(0.0);
        right.fill(0.0);
    }

    /// Every gain ramp and curve ramp (for prepare/reset/skip).
    fn ramps_mut(&mut self) -> impl Iterator<Item = &mut LinearRamp> {
        [&mut self.mix, &mut self.makeup, &mut self.output]
            .into_iter()
            .chain(self.curve.iter_mut())
    }

    /// The gain computer at the curve ramps' current values (their targets
    /// once settled), and forgets the cached held-peak answers.
    fn settle_curve(&mut self) {
        let [t, slope, knee, range] = self.curve.each_ref().map(|r| r.current());
        self.gain_computer = GainComputer::with_slope(t, slope, knee, range);
        self.curve_moving = self.curve.iter().any(|r| r.is_ramping());
        for lane in &mut self.lanes {
            lane.held_peak = f32::NAN;
        }
    }

    /// Takes new settings. Real-time safe and cheap (O(1) unless the RMS
    /// window or lookahead length changes, which re-sums that window once).
    /// Makeup, output gain and mix move in 20 ms linear ramps, and so do
    /// threshold, ratio (as the slope `1 − 1/R`), knee and range: the target
    /// reduction follows a moved curve within 20 ms instead of jumping, so
    /// even a 0.01 ms attack does not turn a threshold move into a click.
    /// SC Listen fades between the compressed audio and the detector signal
    /// (raised cosine, [`LISTEN_FADE_MS`]); switching it on waits for the
    /// lookahead line of the detector signal to fill first.
    pub fn set_settings(&mut self, s: &CompressorSettings) {
        self.apply_settings(s, false);
    }

    fn apply_settings(&mut self, s: &CompressorSettings, force: bool) {
        let fs = self.sample_rate;
        let finite_or = |v: f32, d: f32| if v.is_finite() { v } else { d };
        let threshold = finite_or(s.threshold_db, -20.0).clamp(-120.0, 24.0);
        let ratio = if s.ratio.is_nan() {
            1.0
        } else {
            s.ratio.max(1.0)
        };
        let knee = finite_or(s.knee_db, 0.0).clamp(0.0, 48.0);
        let range = if s.range_db.is_nan() {
            0.0
        } else {
            s.range_db.clamp(0.0, 200.0)
        };
        let curve_targets = [threshold, ratio_to_slope(ratio), knee, range];
        for (ramp, target) in self.curve.iter_mut().zip(curve_targets) {
            if force {
                ramp.reset(target);
            } else {
                ramp.set_target(target);
            }
        }
        self.settle_curve();
        let target_curve = GainComputer::with_slope(threshold, curve_targets[1], knee, range);
        let attack_s = finite_or(s.attack_ms, 10.0).clamp(0.001, 5_000.0) * 0.001;
        let release_s = finite_or(s.release_ms, 100.0).clamp(0.1, 50_000.0) * 0.001;

        self.hold_samples = match s.detection {
            Detection::Peak => ms_to_samples(HOLD_FRACTION_OF_RELEASE * release_s * 1000.0, fs)
                .clamp(1, self.lanes[0].peak_hold.capacity()),
            Detection::Rms => 1,
        };
        let rms_ms = finite_or(s.rms_window_ms, 10.0).clamp(0.0, MAX_RMS_WINDOW_MS);
        self.rms_samples = ms_to_samples(rms_ms, fs).max(1);
        let lookahead_ms = finite_or(s.lookahead_ms, 0.0).clamp(0.0, MAX_LOOKAHEAD_MS);
        self.lookahead_samples = ms_to_samples(lookahead_ms, fs).min(self.max_lookahead_samples);
        for lane in &mut self.lanes {
            lane.peak_hold.set_window(self.hold_samples);
            lane.mean_square.set_window(self.rms_samples);
            lane.lookahead_max.set_window(self.lookahead_samples + 1);
            lane.lookahead_ramp.set_window(self.lookahead_samples + 1);
        }
        let mode = match s.style {
            CompressorStyle::Clean => BallisticsMode::Branching,
            CompressorStyle::Glue => BallisticsMode::Decoupled,
            CompressorStyle::Opto => BallisticsMode::Opto,
        };
        let hold_delay_s = (self.hold_samples - 1) as f32 / fs;
        let dual = s.auto_release || s.style == CompressorStyle::Opto;
        self.coefficients =
            BallisticsCoefficients::new(mode, attack_s, release_s, hold_delay_s, dual, fs);

        let link = finite_or(s.stereo_link, 1.0).clamp(0.0, 1.0);
        let linked = link >= 1.0;
        if self.linked && !linked {
            // The second lane starts from the shared lane's reduction.
            self.lanes[1].ballistics = self.lanes[0].ballistics;
        }
        self.linked = linked;

        let fs_hz = |v: Option<f32>| {
            v.filter(|f| f.is_finite())
                .map(|f| crate::blocks::filter::clamp_cutoff(f, fs))
        };
        let hp = fs_hz(s.sc_highpass_hz);
        if force || hp != self.highpass_hz {
            if let Some(f) = hp {
                let c = SvfCoefficients::new(f, 1.0 / BUTTERWORTH_K, fs);
                for filter in &mut self.highpass {
                    if self.highpass_hz.is_none() {
                        filter.reset();
                    }
                    filter.set_coefficients(c);
                }
            }
            self.highpass_hz = hp;
        }
        let lp = fs_hz(s.sc_lowpass_hz);
        if force || lp != self.lowpass_hz {
            if let Some(f) = lp {
                let c = SvfCoefficients::new(f, 1.0 / BUTTERWORTH_K, fs);
                for filter in &mut self.lowpass {
                    if self.lowpass_hz.is_none() {
                        filter.reset();
                    }
                    filter.set_coefficients(c);
                }
            }
            self.lowpass_hz = lp;
        }

        let auto = if s.auto_makeup {
            auto_makeup_db(&target_curve)
        } else {
            0.0
        };
        let makeup_db = finite_or(s.makeup_db, 0.0).clamp(-60.0, 60.0) + auto;
        self.makeup.set_target(db_to_gain(makeup_db));
        self.output
            .set_target(db_to_gain(finite_or(s.output_db, 0.0).clamp(-60.0, 60.0)));
        self.mix.set_target(finite_or(s.mix, 1.0).clamp(0.0, 1.0));
        self.listen.set_warmup(Path::B, self.lookahead_samples);
        let listen_path = if s.sc_listen { Path::B } else { Path::A };
        if self.listen.set_target(listen_path) && listen_path == Path::B {
            // The listen line was not written while Listen was off: it starts
            // silent and is heard only once the warm-up has filled it.
            self.listen_delay.reset();
        }
        if force {
            for r in self.ramps_mut() {
                let t = r.target();
                r.reset(t);
            }
            self.listen.snap(listen_path);
        }

        self.settings = *s;
        self.settings.stereo_link = link;
    }

    /// Lookahead latency in samples (`round(lookahead_ms·fs/1000)`).
    pub fn latency_samples(&self) -> u32 {
        self.lookahead_samples as u32
    }

    /// The settings last given to [`set_settings`](Self::set_settings).
    pub fn settings(&self) -> &CompressorSettings {
        &self.settings
    }

    /// Meter values of the last block.
    pub fn readings(&self) -> CompressorReadings {
        self.readings
    }

    /// The ideal static curve (threshold, ratio, knee, range): output level
    /// in dB for a steady input level in dB, before makeup and output gain.
    pub fn static_curve_db(settings: &CompressorSettings, input_db: f32) -> f32 {
        GainComputer::new(
            settings.threshold_db,
            settings.ratio,
            settings.knee_db,
            settings.range_db,
        )
        .output_db(input_db)
    }

    /// Total makeup gain in dB (manual + automatic) the current settings ask for.
    pub fn makeup_db(&self) -> f32 {
        gain_to_db(self.makeup.target())
    }

    /// True when the input has been silent for longer than every window
    /// (hold, RMS, lookahead) and no gain reduction is left, or while asleep.
    pub fn is_idle(&self) -> bool {
        self.asleep
            || self.silent_run > self.settled_after()
                && self.lanes.iter().all(|l| l.ballistics.is_settled())
                && !self.mix.is_ramping()
                && !self.makeup.is_ramping()
                && !self.output.is_ramping()
                && self.listen.steady().is_some()
                && !self.curve_moving
    }

    fn settled_after(&self) -> usize {
        self.hold_samples + self.rms_samples + 2 * (self.lookahead_samples + 1)
    }

    /// Processes stereo audio in place. `sidechain` is the external key
    /// (`None` = the main input is the key); a key shorter than the block is
    /// ignored (main input used). Any block length works. Non-finite input
    /// samples become 0 and reset the state.
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        sidechain: Option<(&[f32], &[f32])>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.simd.has_avx2_fma() {
            // SAFETY: a `Simd` with AVX2 exists only on CPUs that have it.
            unsafe { self.process_avx2(left, right, sidechain) };
            return;
        }
        self.process_blocks(left, right, sidechain);
    }

    /// Runs the scalar or the SIMD code (the same results; for tests and benches).
    pub fn set_simd(&mut self, simd: Simd) {
        self.simd = simd;
        for lane in &mut self.lanes {
            lane.peak_hold.set_simd(simd);
            lane.lookahead_max.set_simd(simd);
        }
    }

    /// [`process`](Self::process) compiled for AVX2: the block loops (levels, gain
    /// computer, closed-form ballistics, `exp2`, gains, meters) run eight lanes wide.
    /// Element-wise arithmetic only (no fused multiply-add), so the results are the
    /// same bits as the SSE2 and scalar code.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx,avx2")]
    unsafe fn process_avx2(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        sidechain: Option<(&[f32], &[f32])>,
    ) {
        self.process_blocks(left, right, sidechain);
    }

    #[inline(always)]
    fn process_blocks(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        sidechain: Option<(&[f32], &[f32])>,
    ) {
        let _ftz = DenormalGuard::new();
        self.asleep = false;
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        if guard::sanitize(&mut [&mut *left, &mut *right]) {
            self.reset();
        }
        let sidechain = sidechain.filter(|(a, b)| a.len() >= n && b.len() >= n);
        if let Some((a, b)) = sidechain {
            if guard::has_non_finite(&a[..n]) || guard::has_non_finite(&b[..n]) {
                // Non-finite key samples are read as 0 (see `fill_key`).
                self.reset();
            }
        }
        let mut peaks = [[0.0f32; 2]; 2];
        let mut gr_max = [0.0f32; 2];
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let key = sidechain.map(|(a, b)| (&a[start..end], &b[start..end]));
            peaks[0][0] = peaks[0][0].max(peak_abs(&left[start..end]));
            peaks[0][1] = peaks[0][1].max(peak_abs(&right[start..end]));
            let m = self.process_chunk(&mut left[start..end], &mut right[start..end], key);
            gr_max = [gr_max[0].max(m[0]), gr_max[1].max(m[1])];
            peaks[1][0] = peaks[1][0].max(peak_abs(&left[start..end]));
            peaks[1][1] = peaks[1][1].max(peak_abs(&right[start..end]));
            start = end;
        }
        let current = if self.listen.steady() == Some(Path::B) {
            [0.0; 2]
        } else if self.linked {
            [self.lanes[0].ballistics.value(); 2]
        } else {
            [
                self.lanes[0].ballistics.value(),
                self.lanes[1].ballistics.value(),
            ]
        };
        self.readings = CompressorReadings {
            input_peak_db: [gain_to_db(peaks[0][0]), gain_to_db(peaks[0][1])],
            output_peak_db: [gain_to_db(peaks[1][0]), gain_to_db(peaks[1][1])],
            gain_reduction_db: current,
            max_gain_reduction_db: gr_max,
        };
    }

    /// Copies the key (sidechain or main) into `self.key`, 0 for non-finite samples.
    #[inline(always)]
    fn fill_key(&mut self, left: &[f32], right: &[f32], key: Option<(&[f32], &[f32])>) {
        let n = left.len();
        match key {
            Some((a, b)) => {
                let [k0, k1] = &mut self.key;
                for (dst, src) in [(k0, a), (k1, b)] {
                    for (d, &s) in dst[..n].iter_mut().zip(src) {
                        *d = if s.is_finite() { s } else { 0.0 };
                    }
                }
            }
            None => {
                self.key[0][..n].copy_from_slice(left);
                self.key[1][..n].copy_from_slice(right);
            }
        }
        // Filter state in locals and both channels in one loop: the compiler
        // keeps the integrators in registers and overlaps the two lanes.
        let [k0, k1] = &mut self.key;
        if self.highpass_hz.is_some() {
            let [mut f0, mut f1] = self.highpass.clone();
            for (a, b) in k0[..n].iter_mut().zip(k1[..n].iter_mut()) {
                *a = f0.process_high(*a);
                *b = f1.process_high(*b);
            }
            self.highpass = [f0, f1];
        }
        if self.lowpass_hz.is_some() {
            let [mut f0, mut f1] = self.lowpass.clone();
            for (a, b) in k0[..n].iter_mut().zip(k1[..n].iter_mut()) {
                *a = f0.process_low(*a);
                *b = f1.process_low(*b);
            }
            self.lowpass = [f0, f1];
        }
    }

    /// Processes up to `CHUNK` samples; returns the largest reduction per lane.
    #[inline(always)]
    fn process_chunk(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<(&[f32], &[f32])>,
    ) -> [f32; 2] {
        let n = left.len();
        let silent = left.iter().chain(right.iter()).all(|&x| x == 0.0)
            && key.is_none_or(|(a, b)| a.iter().chain(b.iter()).all(|&x| x == 0.0));
        if silent && self.is_idle() {
            // Sleeping: every state is zero and the delay holds only zeros,
            // so the output is the (silent) input. Keep the counters moving.
            for r in self.ramps_mut() {
                r.skip(n);
            }
            if self.curve_moving {
                self.settle_curve();
            }
            self.silent_run = self.silent_run.saturating_add(n);
            return [0.0; 2];
        }
        self.silent_run = if silent {
            self.silent_run.saturating_add(n)
        } else {
            0
        };

        self.fill_key(left, right, key);

        // Listen (or its fade): keep the filtered key, before the mid/side
        // conversion, to be delayed like the audio and faded in at the end.
        let listening = self.listen.runs(Path::B);
        if listening {
            for (dst, src) in self.listen_key.iter_mut().zip(&self.key) {
                dst[..n].copy_from_slice(&src[..n]);
            }
        }

        if self.curve_moving {
            for (ramp, values) in self.curve.iter_mut().zip(self.curve_values.iter_mut()) {
                ramp.fill(&mut values[..n]);
            }
        }

        if self.settings.channel_mode == ChannelMode::MidSide {
            let [k0, k1] = &mut self.key;
            for (l, r) in k0[..n].iter_mut().zip(k1[..n].iter_mut()) {
                let (m, s) = (0.5 * (*l + *r), 0.5 * (*l - *r));
                *l = m;
                *r = s;
            }
        }

        if self.linked {
            self.reduction_linked(n);
        } else {
            self.reduction_unlinked(n);
        }
        if self.curve_moving {
            self.settle_curve();
        }
        let lanes = if self.linked { 1 } else { 2 };
        let mut gr_max = [0.0f32; 2];
        for (lane, max) in gr_max.iter_mut().enumerate().take(lanes) {
            let buf = &mut self.reduction[lane][..n];
            *max = largest(buf, |v| v);
            reduction_to_gain_block(buf);
        }
        if self.linked {
            gr_max[1] = gr_max[0];
        }

        // Wet and dry gains: mix·makeup·output and (1 − mix)·output.
        let ramping = self.mix.is_ramping() || self.makeup.is_ramping() || self.output.is_ramping();
        if ramping {
            for (w, d) in self.wet[..n].iter_mut().zip(self.dry[..n].iter_mut()) {
                let (mix, makeup, out) = (self.mix.next(), self.makeup.next(), self.output.next());
                *w = mix * makeup * out;
                *d = (1.0 - mix) * out;
            }
        } else {
            let (mix, makeup, out) = (
                self.mix.current(),
                self.makeup.current(),
                self.output.current(),
            );
            self.wet[..n].fill(mix * makeup * out);
            self.dry[..n].fill((1.0 - mix) * out);
        }

        self.delay_audio(left, right);

        let (wet, dry) = (&self.wet[..n], &self.dry[..n]);
        let g0 = &self.reduction[0][..n];
        let g1 = if self.linked {
            g0
        } else {
            &self.reduction[1][..n]
        };
        match self.settings.channel_mode {
            ChannelMode::Stereo => {
                for i in 0..n {
                    left[i] *= g0[i] * wet[i] + dry[i];
                    right[i] *= g1[i] * wet[i] + dry[i];
                }
            }
            ChannelMode::MidSide => {
                for i in 0..n {
                    let mid = g0[i] * wet[i] + dry[i];
                    let side = g1[i] * wet[i] + dry[i];
                    let (a, b) = (0.5 * (mid + side), 0.5 * (mid - side));
                    let (l, r) = (left[i], right[i]);
                    left[i] = a * l + b * r;
                    right[i] = b * l + a * r;
                }
            }
        }
        if listening {
            let [k0, k1] = &mut self.listen_key;
            let (k0, k1) = (&mut k0[..n], &mut k1[..n]);
            if self.lookahead_samples > 0 {
                self.listen_delay
                    .delay_in_place(self.lookahead_samples, k0, k1);
            }
            self.listen.mix(left, right, k0, k1);
            if self.listen.steady() == Some(Path::B) {
                return [0.0; 2];
            }
        }
        gr_max
    }

    /// Delays the audio by the lookahead (in place).
    #[inline(always)]
    fn delay_audio(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.lookahead_samples > 0 {
            self.delay
                .delay_in_place(self.lookahead_samples, left, right);
        }
    }

    /// Smoothed reduction (dB) of the single shared lane into `reduction[0]`.
    #[inline(always)]
    fn reduction_linked(&mut self, n: usize) {
        let gc = self.gain_computer;
        let moving = self.curve_moving.then_some(&self.curve_values);
        let [k0, k1] = &self.key;
        let [lane, other] = &mut self.lanes;
        let [buf, scratch] = &mut self.reduction;
        let (buf, scratch) = (&mut buf[..n], &mut scratch[..n]);
        match self.settings.detection {
            Detection::Peak => {
                for ((b, &a), &c) in buf.iter_mut().zip(&k0[..n]).zip(&k1[..n]) {
                    *b = max_nonneg(a.abs(), c.abs());
                }
                lane.peak_hold.process_block(buf);
                if let Some(curve) = moving {
                    for (i, b) in buf.iter_mut().enumerate() {
                        *b = curve_at(curve, i).reduction_db(amp_to_db(*b));
                    }
                } else {
                    // The held peak changes rarely: reuse the curve's answer.
                    let (mut last, mut last_target) = (lane.held_peak, lane.held_peak_db);
                    for b in buf.iter_mut() {
                        if *b != last {
                            last = *b;
                            last_target = gc.reduction_db(amp_to_db(last));
                        }
                        *b = last_target;
                    }
                    (lane.held_peak, lane.held_peak_db) = (last, last_target);
                }
            }
            Detection::Rms => {
                for ((b, s), (&a, &c)) in buf
                    .iter_mut()
                    .zip(scratch.iter_mut())
                    .zip(k0[..n].iter().zip(&k1[..n]))
                {
                    *b = a * a;
                    *s = c * c;
                }
                lane.mean_square.process_block(buf);
                other.mean_square.process_block(scratch);
                if let Some(curve) = moving {
                    for (i, (b, &s)) in buf.iter_mut().zip(scratch.iter()).enumerate() {
                        *b = curve_at(curve, i).reduction_db(power_to_db(b.max(s).max(0.0)));
                    }
                } else {
                    for (b, &s) in buf.iter_mut().zip(scratch.iter()) {
                        *b = gc.reduction_db(power_to_db(b.max(s).max(0.0)));
                    }
                }
            }
        }
        Self::smooth_lane(
            lane,
            &self.coefficients,
            self.lookahead_samples > 0,
            buf,
            &mut self.ramp[..n],
        );
    }

    /// Attack/release (and lookahead) on one lane's target reductions, in place.
    #[inline(always)]
    fn smooth_lane(
        lane: &mut Lane,
        c: &BallisticsCoefficients,
        lookahead: bool,
        buf: &mut [f32],
        ramp: &mut [f32],
    ) {
        if lookahead {
            lane.lookahead_max.process_block(buf);
            ramp.copy_from_slice(buf);
            lane.lookahead_ramp.process_block(ramp);
            lane.ballistics.process_block(c, buf);
            for (b, &r) in buf.iter_mut().zip(ramp.iter()) {
                let g = b.max(r);
                *b = if g < ballistics::SNAP_DB { 0.0 } else { g };
            }
        } else {
            lane.ballistics.process_block(c, buf);
        }
    }

    /// Smoothed reduction (dB) per lane with partial stereo link.
    #[inline(always)]
    fn reduction_unlinked(&mut self, n: usize) {
        let gc = self.gain_computer;
        let link = self.settings.stereo_link;
        let detection = self.settings.detection;
        for (lane, (key, buf)) in self
            .lanes
            .iter_mut()
            .zip(self.key.iter().zip(self.reduction.iter_mut()))
        {
            let (key, buf) = (&key[..n], &mut buf[..n]);
            match detection {
                Detection::Peak => {
                    for (b, &k) in buf.iter_mut().zip(key) {
                        *b = k.abs();
                    }
                    lane.peak_hold.process_block(buf);
                    let (mut last, mut last_db) = (lane.held_peak, lane.held_peak_db);
                    for b in buf.iter_mut() {
                        if *b != last {
                            last = *b;
                            last_db = amp_to_db(last);
                        }
                        *b = last_db;
                    }
                    (lane.held_peak, lane.held_peak_db) = (last, last_db);
                }
                Detection::Rms => {
                    for (b, &k) in buf.iter_mut().zip(key) {
                        *b = k * k;
                    }
                    lane.mean_square.process_block(buf);
                    for b in buf.iter_mut() {
                        *b = power_to_db(b.max(0.0));
                    }
                }
            }
        }
        // Levels in dB → linked levels → target reductions.
        let [b0, b1] = &mut self.reduction;
        let moving = self.curve_moving.then_some(&self.curve_values);
        for (i, (x0, x1)) in b0[..n].iter_mut().zip(b1[..n].iter_mut()).enumerate() {
            let gc = moving.map_or(gc, |curve| curve_at(curve, i));
            let loudest = x0.max(*x1);
            *x0 = gc.reduction_db(*x0 + link * (loudest - *x0));
            *x1 = gc.reduction_db(*x1 + link * (loudest - *x1));
        }
        let lookahead = self.lookahead_samples > 0;
        for (lane, buf) in self.lanes.iter_mut().zip(self.reduction.iter_mut()) {
            Self::smooth_lane(
                lane,
                &self.coefficients,
                lookahead,
                &mut buf[..n],
                &mut self.ramp[..n],
            );
        }
    }
}

/// The gain computer at sample `i` of a chunk while the curve ramps run.
#[inline(always)]
fn curve_at(values: &[[f32; CHUNK]; 4], i: usize) -> GainComputer {
    GainComputer::with_slope(values[0][i], values[1][i], values[2][i], values[3][i])
}
