//! Gel Reverb's engine: pre-delay → input diffuser → early reflections + FDN late reverb →
//! wet low/high cut → width → ducking → dry/wet mix → output gain.
//!
//! The four algorithms (Room, Hall, Plate, Chamber) are presets of the same engine: different
//! line lengths for the [`fdn`] tank, different early-reflection patterns
//! ([`early_reflections`]; Plate has no room reflections, only one tap at 0 ms: the diffused
//! input itself, so it sounds at once, as a plate does), different modulation amounts. All
//! share one dense [`diffuser`] (eight short Schroeder allpasses, see `DIFFUSER_LEFT_MS`): every
//! reflection and every first pass through the tank is a noise-like burst, so every algorithm
//! reads echo density 0.9 within 20 ms of the first arrival (Plate within 10 ms) and 1.0
//! within 40 ms (Abel & Huang's measure, in the `metrics` module). The
//! decay the user sets is the RT60 of every algorithm (Jot's absorption makes it exact for any
//! line set; see [`fdn`]).
//!
//! Width, ducking, mix and output gain are the output stage delay and reverb share
//! ([`DryWetMix`]). Nothing clicks under automation: gains ramp per sample ([`LinearRamp`],
//! [`DryWetMix`]); size glides the
//! line lengths and reflection taps; decay, multipliers and crossovers glide the absorption
//! filters per 32-sample chunk; the pre-delay crossfades between two read taps; an algorithm
//! change starts a second tank with the new preset and fades the old one out over
//! [`ALGORITHM_FADE_MS`] (the only time two tanks run). Freeze ramps the input to silence and
//! the decay rates to zero over 100 ms.

pub mod diffuser;
pub mod early_reflections;
pub mod fdn;
#[cfg(any(test, feature = "metrics"))]
pub mod metrics;

use crate::blocks::ducker::Ducker;
use crate::blocks::filter::{highpass_then_lowpass_stereo, Svf};
use crate::blocks::mix::{DryWetMix, MixSettings};
use crate::blocks::smoothing::LinearRamp;
use crate::reverb::diffuser::{Diffuser, STAGES};
use crate::reverb::early_reflections::EarlyReflections;
use crate::reverb::fdn::{DecaySettings, Fdn, LINES};
use crate::simd::Simd;

/// Largest chunk the engine works in (stack scratch buffers).
pub const MAX_CHUNK: usize = 64;
/// Crossfade time when the algorithm changes.
pub const ALGORITHM_FADE_MS: f32 = 150.0;
/// Crossfade time between two pre-delay taps.
pub const PREDELAY_FADE_MS: f32 = 30.0;
/// Longest pre-delay (ms).
pub const MAX_PREDELAY_MS: f32 = 1000.0;
/// Size scale range: size 0 → ×0.5, 0.5 → ×1, 1 → ×2.
pub const SIZE_SCALE_RANGE: (f32, f32) = (0.5, 2.0);
/// Modulation depth at 100 % (ms).
pub const MAX_MOD_DEPTH_MS: f32 = 1.0;
/// Gain ramp time.
const RAMP_MS: f32 = 20.0;

/// The algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// Small room: short lines, early reflections within ≈30 ms.
    Room,
    /// Concert hall: long lines, reflections up to ≈75 ms.
    #[default]
    Hall,
    /// Plate: no room reflections (only the 0 ms onset tap), short dense lines.
    Plate,
    /// Chamber: between room and hall, bright and dense.
    Chamber,
}

impl Algorithm {
    /// All algorithms, in parameter order.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Room,
        Algorithm::Hall,
        Algorithm::Plate,
        Algorithm::Chamber,
    ];

    /// The preset data.
    pub fn preset(self) -> &'static Preset {
        match self {
            Algorithm::Room => &ROOM,
            Algorithm::Hall => &HALL,
            Algorithm::Plate => &PLATE,
            Algorithm::Chamber => &CHAMBER,
        }
    }
}

/// What distinguishes the algorithms.
#[derive(Debug, Clone)]
pub struct Preset {
    /// FDN line lengths (ms at size 50 %).
    pub lines_ms: [f32; LINES],
    /// Diffuser stage delays (ms), left and right.
    pub diffuser_left_ms: [f32; STAGES],
    /// Diffuser stage delays (ms), right.
    pub diffuser_right_ms: [f32; STAGES],
    /// Allpass gains at diffusion 100 %.
    pub diffuser_gains: [f32; STAGES],
    /// Early reflections: (first, last) tap time in ms at size 50 %, 0 taps for none.
    pub er_span_ms: (f32, f32),
    /// Number of reflection taps per channel.
    pub er_taps: usize,
    /// Seed of the reflection pattern.
    pub er_seed: u32,
    /// Multiplier of the modulation depth.
    pub mod_scale: f32,
}

/// Input diffuser of every algorithm (Schroeder allpasses, see [`diffuser`]): eight short
/// stages, 0.37–4.8 ms, roughly ×1.42 apart and different per channel, gain 0.8 at diffusion
/// 100 %. Short stages with a high gain smear every arrival into a dense burst within a few
/// milliseconds whose energy is spent within ≈15 ms (the longest stage's echoes decay by
/// 20·log10(0.64) ≈ −3.9 dB per 4.6 ms at the default diffusion 80 %), so each early
/// reflection and each first pass of the tank is already noise-like: normalised echo density
/// 0.9 within 20 ms at every size (issue 17). Longer stages (Dattorro's 3.6–12.7 ms) spread the
/// energy later and start sparse: their bursts rise over 15 ms, which reads as sparse.
const DIFFUSER_LEFT_MS: [f32; STAGES] = [0.37, 0.53, 0.79, 1.13, 1.61, 2.29, 3.23, 4.57];
const DIFFUSER_RIGHT_MS: [f32; STAGES] = [0.41, 0.59, 0.83, 1.19, 1.73, 2.43, 3.41, 4.83];
const DIFFUSER_GAINS: [f32; STAGES] = [0.8; STAGES];

const ROOM: Preset = Preset {
    lines_ms: [5.3, 6.7, 8.5, 10.7, 13.3, 16.9, 21.1, 26.3],
    diffuser_left_ms: DIFFUSER_LEFT_MS,
    diffuser_right_ms: DIFFUSER_RIGHT_MS,
    diffuser_gains: DIFFUSER_GAINS,
    er_span_ms: (0.8, 20.0),
    er_taps: 16,
    er_seed: 0x5eed_0001,
    mod_scale: 0.7,
};

const HALL: Preset = Preset {
    lines_ms: [13.7, 17.9, 23.3, 30.1, 38.9, 50.3, 64.7, 79.3],
    diffuser_left_ms: DIFFUSER_LEFT_MS,
    diffuser_right_ms: DIFFUSER_RIGHT_MS,
    diffuser_gains: DIFFUSER_GAINS,
    er_span_ms: (1.0, 50.0),
    er_taps: 16,
    er_seed: 0x5eed_0002,
    mod_scale: 1.0,
};

const PLATE: Preset = Preset {
    lines_ms: [4.7, 5.9, 7.1, 8.9, 10.7, 12.7, 15.1, 17.9],
    diffuser_left_ms: DIFFUSER_LEFT_MS,
    diffuser_right_ms: DIFFUSER_RIGHT_MS,
    diffuser_gains: DIFFUSER_GAINS,
    er_span_ms: (0.0, 0.0),
    er_taps: 1,
    er_seed: 0,
    mod_scale: 0.5,
};

const CHAMBER: Preset = Preset {
    lines_ms: [15.3, 17.9, 20.8, 24.1, 28.3, 32.9, 38.1, 44.3],
    diffuser_left_ms: DIFFUSER_LEFT_MS,
    diffuser_right_ms: DIFFUSER_RIGHT_MS,
    diffuser_gains: DIFFUSER_GAINS,
    er_span_ms: (2.0, 42.0),
    er_taps: 14,
    er_seed: 0x5eed_0004,
    mod_scale: 0.8,
};

/// Longest diffuser stage over all presets (ms).
const MAX_DIFFUSER_MS: f32 = 5.0;

/// The reflection pattern of a preset: `taps` per channel between the span's ends, denser
/// towards the end, 12 dB quieter at the end than at the start, random signs (xorshift32),
/// each channel's energy normalised to 0.5.
pub fn reflection_pattern(p: &Preset, channel: u32, out: &mut [(f32, f32); 16]) -> usize {
    let n = p.er_taps.min(16);
    if n == 0 {
        return 0;
    }
    let mut state = p.er_seed ^ (0x9e37_79b9u32.wrapping_mul(channel + 1));
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state >> 8) as f32 / (1u32 << 24) as f32
    };
    let (t0, t1) = p.er_span_ms;
    let mut energy = 0.0;
    for (k, tap) in out.iter_mut().take(n).enumerate() {
        // Evenly spread slots, jittered, times growing like u^0.8 (denser later).
        let u = ((k as f32 + 0.2 + 0.6 * next()) / n as f32).powf(0.8);
        let t = t0 + (t1 - t0) * u;
        let level = 10f32.powf(-0.6 * (t - t0) / (t1 - t0).max(1e-3)) * (0.6 + 0.4 * next());
        let sign = if next() < 0.5 { -1.0 } else { 1.0 };
        *tap = (t, sign * level);
        energy += level * level;
    }
    let norm = (0.5 / energy).sqrt();
    for tap in out.iter_mut().take(n) {
        tap.1 *= norm;
    }
    n
}

/// Size 0..1 → scale of all lengths.
pub fn size_scale(size: f32) -> f32 {
    let (lo, hi) = SIZE_SCALE_RANGE;
    lo * (hi / lo).powf(size.clamp(0.0, 1.0))
}

/// One algorithm's diffuser, reflections and late tank.
#[derive(Debug, Clone)]
pub struct Tank {
    algorithm: Algorithm,
    diffuser: Diffuser,
    er: EarlyReflections,
    fdn: Fdn,
    late_gain: f32,
    scratch: [[f32; MAX_CHUNK]; 4],
}

impl Default for Tank {
    fn default() -> Self {
        Self::new()
    }
}

impl Tank {
    /// A Hall tank; call [`prepare`](Self::prepare).
    pub fn new() -> Self {
        Self {
            algorithm: Algorithm::Hall,
            diffuser: Diffuser::new(),
            er: EarlyReflections::new(),
            fdn: Fdn::new(),
            late_gain: 1.0,
            scratch: [[0.0; MAX_CHUNK]; 4],
        }
    }

    /// Allocates for every algorithm at any size at `sample_rate`.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        let longest_line = Algorithm::ALL
            .iter()
            .map(|a| a.preset().lines_ms[LINES - 1])
            .fold(0.0f32, f32::max);
        let longest_er = Algorithm::ALL
            .iter()
            .map(|a| a.preset().er_span_ms.1)
            .fold(0.0f32, f32::max);
        self.diffuser
            .prepare(sample_rate, MAX_CHUNK, MAX_DIFFUSER_MS);
        self.er.prepare(
            sample_rate,
            MAX_CHUNK,
            longest_er * SIZE_SCALE_RANGE.1 + 1.0,
        );
        self.fdn.prepare(
            sample_rate,
            MAX_CHUNK,
            longest_line * SIZE_SCALE_RANGE.1 + 1.0,
            MAX_MOD_DEPTH_MS,
        );
        self.set_algorithm(self.algorithm);
        self.reset();
    }

    /// Loads a preset (structure change: call [`reset`](Self::reset) before using it).
    pub fn set_algorithm(&mut self, algorithm: Algorithm) {
        self.algorithm = algorithm;
        let p = algorithm.preset();
        self.fdn.set_lines_ms(&p.lines_ms);
        self.diffuser
            .set_delays_ms(&p.diffuser_left_ms, &p.diffuser_right_ms);
        let mut l = [(0.0, 0.0); 16];
        let mut r = [(0.0, 0.0); 16];
        let nl = reflection_pattern(p, 0, &mut l);
        let nr = reflection_pattern(p, 1, &mut r);
        self.er.set_taps(&l[..nl], &r[..nr]);
        // Late energy grows with the number of passes per second: normalise by the mean line
        // length (relative to 50 ms) so the algorithms sit at similar levels.
        let mean_ms = p.lines_ms.iter().sum::<f32>() / LINES as f32;
        self.late_gain = (mean_ms / 50.0).sqrt();
        self.fdn.set_input_gain(self.late_gain);
    }

    /// Runs the tank's kernels at `simd` (see [`crate::simd`]).
    pub fn set_simd(&mut self, simd: Simd) {
        self.fdn.set_simd(simd);
    }

    /// The loaded algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Clears every memory; glides jump to their targets.
    pub fn reset(&mut self) {
        self.diffuser.reset();
        self.fdn.reset();
        self.er.set_scale(self.fdn.scale());
        self.er.reset();
    }

    /// Sets the targets the tank glides to.
    pub fn set_targets(&mut self, s: &ReverbSettings, freeze: f32) {
        let p = self.algorithm.preset();
        let mut gains = p.diffuser_gains;
        for g in &mut gains {
            *g *= s.diffusion.clamp(0.0, 1.0);
        }
        self.diffuser.set_gains(&gains);
        self.fdn.set_scale(size_scale(s.size));
        self.fdn.set_decay(DecaySettings {
            t60: s.decay_s.clamp(0.05, 100.0),
            low_mult: s.low_mult.clamp(0.1, 10.0),
            low_crossover: s.low_crossover_hz,
            high_mult: s.high_mult.clamp(0.1, 10.0),
            high_crossover: s.high_crossover_hz,
            freeze,
        });
        self.fdn.set_modulation(
            s.mod_depth.clamp(0.0, 1.0) * MAX_MOD_DEPTH_MS * p.mod_scale,
            s.mod_rate_hz.clamp(0.01, 20.0),
        );
    }

    /// Jumps every glide to its target.
    pub fn snap(&mut self) {
        self.fdn.snap_scale();
        self.fdn.snap_decay();
        self.er.set_scale(self.fdn.scale());
    }

    /// Processes at most [`MAX_CHUNK`] samples: `out = early·ER + late·FDN`, the gains moving
    /// linearly from `early.0` to `early.1` (and `late.0` to `late.1`) over the chunk. `input`
    /// `None` feeds silence.
    pub fn process(
        &mut self,
        input: Option<(&[f32], &[f32])>,
        out_l: &mut [f32],
        out_r: &mut [f32],
        early: (f32, f32),
        late: (f32, f32),
    ) {
        let n = out_l.len().min(MAX_CHUNK);
        let [dl, dr, el, er] = &mut self.scratch;
        match input {
            Some((l, r)) => {
                dl[..n].copy_from_slice(&l[..n]);
                dr[..n].copy_from_slice(&r[..n]);
            }
            None => {
                dl[..n].fill(0.0);
                dr[..n].fill(0.0);
            }
        }
        self.diffuser.process(&mut dl[..n], &mut dr[..n]);
        let step_l = (late.1 - late.0) / n as f32;
        if self.er.is_empty() {
            self.fdn
                .process(&dl[..n], &dr[..n], &mut out_l[..n], &mut out_r[..n]);
            for k in 0..n {
                let g = late.0 + step_l * (k + 1) as f32;
                out_l[k] *= g;
                out_r[k] *= g;
            }
        } else {
            self.er.set_scale(self.fdn.scale());
            self.er
                .process(&dl[..n], &dr[..n], &mut el[..n], &mut er[..n]);
            // The reflections feed the late tank (ER energy is 0.5 per channel): its first
            // passes are then smeared copies of the whole reflection pattern rather than
            // single diffused arrivals, so the tail is dense from its first pass.
            for k in 0..n {
                dl[k] = el[k] * std::f32::consts::SQRT_2;
                dr[k] = er[k] * std::f32::consts::SQRT_2;
            }
            self.fdn
                .process(&dl[..n], &dr[..n], &mut out_l[..n], &mut out_r[..n]);
            let step_e = (early.1 - early.0) / n as f32;
            for k in 0..n {
                let g = late.0 + step_l * (k + 1) as f32;
                let e = early.0 + step_e * (k + 1) as f32;
                out_l[k] = out_l[k] * g + el[k] * e;
                out_r[k] = out_r[k] * g + er[k] * e;
            }
        }
    }

    /// Samples for the tank's output to fall 120 dB after its input stops.
    pub fn tail_samples(&self, sample_rate: f32) -> usize {
        let p = self.algorithm.preset();
        let extra_ms = MAX_DIFFUSER_MS * STAGES as f32 + p.er_span_ms.1 * SIZE_SCALE_RANGE.1;
        self.fdn.tail_samples() + (extra_ms * 0.001 * sample_rate) as usize
    }
}

/// Stereo pre-delay with a crossfade between two read taps when the time changes.
#[derive(Debug, Clone, Default)]
struct PreDelay {
    buf: [Vec<f32>; 2],
    mask: usize,
    write: usize,
    current: usize,
    next: usize,
    target: usize,
    fade: f32,
    fade_step: f32,
}

impl PreDelay {
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let len =
            ((MAX_PREDELAY_MS * 0.001 * sample_rate) as usize + max_block + 2).next_power_of_two();
        self.buf = [vec![0.0; len], vec![0.0; len]];
        self.mask = len - 1;
        self.fade_step = 1.0 / (PREDELAY_FADE_MS * 0.001 * sample_rate).max(1.0);
        self.reset();
    }

    fn reset(&mut self) {
        for b in &mut self.buf {
            b.fill(0.0);
        }
        self.write = 0;
        self.current = self.target;
        self.next = self.target;
        self.fade = 0.0;
    }

    fn set_samples(&mut self, samples: usize) {
        self.target = samples.min(self.mask);
    }

    fn process(&mut self, in_l: &[f32], in_r: &[f32], out_l: &mut [f32], out_r: &mut [f32]) {
        let mask = self.mask;
        let n = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
        if self.fade == 0.0 && self.next == self.target && n <= mask {
            // Settled on one tap (`current`): write the block, then read it back delayed (a
            // read never lands after its sample's write, so this equals the per-sample loop).
            debug_assert_eq!(self.current, self.next);
            let w = self.write;
            for (b, x) in self.buf.iter_mut().zip([in_l, in_r]) {
                if w + n <= b.len() {
                    b[w..w + n].copy_from_slice(&x[..n]);
                } else {
                    for (k, v) in x[..n].iter().enumerate() {
                        b[(w + k) & mask] = *v;
                    }
                }
            }
            let a = w.wrapping_sub(self.current) & mask;
            for (b, out) in self.buf.iter().zip([out_l, out_r]) {
                if a + n <= b.len() {
                    out[..n].copy_from_slice(&b[a..a + n]);
                } else {
                    for (k, o) in out[..n].iter_mut().enumerate() {
                        *o = b[(a + k) & mask];
                    }
                }
            }
            self.write = (w + n) & mask;
            return;
        }
        for k in 0..n {
            let w = self.write;
            self.buf[0][w] = in_l[k];
            self.buf[1][w] = in_r[k];
            if self.fade == 0.0 && self.next != self.target {
                self.next = self.target;
                if self.next != self.current {
                    self.fade = self.fade_step;
                }
            }
            let a = w.wrapping_sub(self.current) & mask;
            if self.fade > 0.0 {
                let b = w.wrapping_sub(self.next) & mask;
                let f = self.fade;
                out_l[k] = self.buf[0][a] + f * (self.buf[0][b] - self.buf[0][a]);
                out_r[k] = self.buf[1][a] + f * (self.buf[1][b] - self.buf[1][a]);
                self.fade += self.fade_step;
                if self.fade >= 1.0 {
                    self.fade = 0.0;
                    self.current = self.next;
                }
            } else {
                out_l[k] = self.buf[0][a];
                out_r[k] = self.buf[1][a];
            }
            self.write = (w + 1) & mask;
        }
    }
}

/// Everything the engine needs from the controls, in plain units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReverbSettings {
    /// Algorithm preset.
    pub algorithm: Algorithm,
    /// Mid-band RT60 (s).
    pub decay_s: f32,
    /// Size 0..1 (0.5 = the preset's nominal size).
    pub size: f32,
    /// Diffusion 0..1.
    pub diffusion: f32,
    /// Pre-delay (ms).
    pub predelay_ms: f32,
    /// 0 = early reflections only, 0.5 = both at full level, 1 = late only.
    pub early_late: f32,
    /// Low-band RT60 multiplier.
    pub low_mult: f32,
    /// Low crossover (Hz).
    pub low_crossover_hz: f32,
    /// High-band RT60 multiplier.
    pub high_mult: f32,
    /// High crossover (Hz).
    pub high_crossover_hz: f32,
    /// Modulation depth 0..1.
    pub mod_depth: f32,
    /// Modulation rate (Hz).
    pub mod_rate_hz: f32,
    /// Width 0..2 (1 = as generated).
    pub width: f32,
    /// Wet high-pass (Hz).
    pub low_cut_hz: f32,
    /// Wet low-pass (Hz).
    pub high_cut_hz: f32,
    /// Dry/wet 0..1 (equal power).
    pub mix: f32,
    /// Wet only: no dry signal, wet at full level (for sends).
    pub wet_only: bool,
    /// Freeze.
    pub freeze: bool,
    /// Ducking amount 0..1.
    pub duck_amount: f32,
    /// Ducking release (ms).
    pub duck_release_ms: f32,
    /// Output gain (linear).
    pub output_gain: f32,
}

impl Default for ReverbSettings {
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Hall,
            decay_s: 2.0,
            size: 0.5,
            diffusion: 0.8,
            predelay_ms: 10.0,
            early_late: 0.5,
            low_mult: 1.0,
            low_crossover_hz: 300.0,
            high_mult: 1.0,
            high_crossover_hz: 4000.0,
            mod_depth: 0.25,
            mod_rate_hz: 0.5,
            width: 1.0,
            low_cut_hz: 20.0,
            high_cut_hz: 20_000.0,
            mix: 0.3,
            wet_only: false,
            freeze: false,
            duck_amount: 0.0,
            duck_release_ms: 250.0,
            output_gain: 1.0,
        }
    }
}

/// The whole reverb (see the module docs).
#[derive(Debug, Clone)]
pub struct Reverb {
    sample_rate: f32,
    settings: ReverbSettings,
    tanks: [Tank; 2],
    active: usize,
    /// Fade-out gain of the other tank (0 = silent, not running).
    fade: f32,
    fade_step: f32,
    pending_algorithm: Option<Algorithm>,
    predelay: PreDelay,
    input_gain: LinearRamp,
    freeze: f32,
    freeze_step: f32,
    early: LinearRamp,
    late: LinearRamp,
    /// Width, dry/wet mix and output gain.
    mix: DryWetMix,
    ducker: Ducker,
    low_cut: [Svf; 2],
    high_cut: [Svf; 2],
    low_cut_hz: f32,
    high_cut_hz: f32,
    scratch: [[f32; MAX_CHUNK]; 9],
    /// True while [`sleep`](Reverb::sleep) has cleared the tanks and nothing ran since.
    asleep: bool,
    /// Kernel choice of the wet filters (see [`crate::simd`]).
    simd: Simd,
}

impl Default for Reverb {
    fn default() -> Self {
        Self::new()
    }
}

impl Reverb {
    /// A reverb at default settings; call [`prepare`](Self::prepare).
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            settings: ReverbSettings::default(),
            tanks: [Tank::new(), Tank::new()],
            active: 0,
            fade: 0.0,
            fade_step: 0.0,
            pending_algorithm: None,
            predelay: PreDelay::default(),
            input_gain: LinearRamp::new(),
            freeze: 0.0,
            freeze_step: 0.0,
            early: LinearRamp::new(),
            late: LinearRamp::new(),
            mix: DryWetMix::new(),
            ducker: Ducker::new(),
            low_cut: [Svf::new(), Svf::new()],
            high_cut: [Svf::new(), Svf::new()],
            low_cut_hz: 20.0,
            high_cut_hz: 20_000.0,
            scratch: [[0.0; MAX_CHUNK]; 9],
            asleep: false,
            simd: Simd::current(),
        }
    }

    /// Runs every kernel at `simd` from now on (default [`Simd::current`]); e.g.
    /// `Simd::scalar()` for the portable paths.
    pub fn set_simd(&mut self, simd: Simd) {
        self.simd = simd;
        for t in &mut self.tanks {
            t.set_simd(simd);
        }
    }

    /// Allocates everything for `sample_rate` (all algorithms, all sizes) and resets.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        for t in &mut self.tanks {
            t.prepare(sample_rate, max_block);
        }
        self.predelay.prepare(sample_rate, MAX_CHUNK);
        for r in [&mut self.input_gain, &mut self.early, &mut self.late] {
            r.prepare(sample_rate, max_block);
            r.set_ramp_time_ms(RAMP_MS);
        }
        self.input_gain.set_ramp_time_ms(100.0);
        self.mix.prepare(sample_rate, max_block);
        self.ducker.prepare(sample_rate, max_block);
        self.fade_step = MAX_CHUNK as f32 / (ALGORITHM_FADE_MS * 0.001 * sample_rate);
        self.freeze_step = 1.0 / (0.1 * sample_rate);
        for f in self.low_cut.iter_mut().chain(self.high_cut.iter_mut()) {
            f.prepare(sample_rate, max_block);
        }
        self.reset();
    }

    /// Clears all signal memory and jumps every glide to the current settings.
    pub fn reset(&mut self) {
        let s = self.settings;
        self.active = 0;
        self.fade = 0.0;
        self.pending_algorithm = None;
        self.tanks[0].set_algorithm(s.algorithm);
        self.freeze = if s.freeze { 1.0 } else { 0.0 };
        for t in &mut self.tanks {
            t.set_targets(&s, self.freeze);
            t.snap();
        }
        self.tanks[0].reset();
        self.apply_gain_targets(true);
        self.predelay.set_samples(self.predelay_samples());
        self.predelay.reset();
        self.ducker.set_release_ms(s.duck_release_ms);
        self.ducker.reset_amount(s.duck_amount);
        self.ducker.reset();
        self.low_cut_hz = s.low_cut_hz;
        self.high_cut_hz = s.high_cut_hz;
        self.update_filters();
        for f in self.low_cut.iter_mut().chain(self.high_cut.iter_mut()) {
            f.reset();
        }
        self.asleep = false;
    }

    /// A block of silent input once the tail has rung out (not frozen): outputs silence
    /// without running. The first such block takes `s` and clears every memory (what is left
    /// is below −120 dB) with every glide at its target; later ones touch nothing (a setting
    /// changed meanwhile glides from there once the input returns).
    pub fn sleep(&mut self, s: &ReverbSettings, left: &mut [f32], right: &mut [f32]) {
        if !self.asleep {
            self.set_settings(s);
            self.reset();
            self.asleep = true;
        }
        left.fill(0.0);
        right.fill(0.0);
    }

    /// Clears the signal memory only (e.g. after non-finite input), keeping the glides.
    pub fn clear(&mut self) {
        for t in &mut self.tanks {
            t.reset();
        }
        self.fade = 0.0;
        self.predelay.reset();
        self.ducker.reset();
        for f in self.low_cut.iter_mut().chain(self.high_cut.iter_mut()) {
            f.reset();
        }
    }

    fn predelay_samples(&self) -> usize {
        (self.settings.predelay_ms.clamp(0.0, MAX_PREDELAY_MS) * 0.001 * self.sample_rate).round()
            as usize
    }

    fn apply_gain_targets(&mut self, snap: bool) {
        let s = self.settings;
        let el = s.early_late.clamp(0.0, 1.0);
        let early = (2.0 * (1.0 - el)).min(1.0);
        let late = (2.0 * el).min(1.0);
        let input = if s.freeze { 0.0 } else { 1.0 };
        let targets = [
            (&mut self.input_gain, input),
            (&mut self.early, early),
            (&mut self.late, late),
        ];
        let output = MixSettings {
            mix: s.mix,
            wet_only: s.wet_only,
            width: s.width,
            output_gain: s.output_gain,
        };
        if snap {
            self.mix.snap(&output);
        } else {
            self.mix.set(&output);
        }
        for (ramp, v) in targets {
            if snap {
                ramp.reset(v);
            } else if ramp.target() != v {
                ramp.set_target(v);
            }
        }
    }

    /// New settings; everything glides there from where it is.
    pub fn set_settings(&mut self, s: &ReverbSettings) {
        self.settings = *s;
        if s.algorithm != self.tanks[self.active].algorithm() {
            self.pending_algorithm = Some(s.algorithm);
        } else {
            self.pending_algorithm = None;
        }
        self.apply_gain_targets(false);
        self.predelay.set_samples(self.predelay_samples());
        self.ducker.set_amount(s.duck_amount);
        self.ducker.set_release_ms(s.duck_release_ms);
    }

    /// The current settings.
    pub fn settings(&self) -> &ReverbSettings {
        &self.settings
    }

    /// True while frozen (or fading into or out of freeze).
    pub fn is_frozen(&self) -> bool {
        self.settings.freeze || self.freeze > 0.0
    }

    /// Samples the output keeps sounding after the input stops (120 dB down), when not frozen.
    pub fn tail_samples(&self) -> usize {
        let t = &self.tanks[self.active];
        t.tail_samples(self.sample_rate)
            + self.predelay_samples()
            + (ALGORITHM_FADE_MS * 0.001 * self.sample_rate) as usize
    }

    fn update_filters(&mut self) {
        let sr = self.sample_rate;
        for f in &mut self.low_cut {
            f.set(self.low_cut_hz, std::f32::consts::FRAC_1_SQRT_2, sr);
        }
        for f in &mut self.high_cut {
            f.set(self.high_cut_hz, std::f32::consts::FRAC_1_SQRT_2, sr);
        }
    }

    /// Glide a frequency geometrically towards its target per chunk (≈20 ms).
    fn glide_hz(current: &mut f32, target: f32, n: usize, sample_rate: f32) -> bool {
        if *current == target {
            return false;
        }
        let r = (target / *current).ln();
        let a = 1.0 - (-(n as f32) / (0.02 * sample_rate)).exp();
        *current = if r.abs() < 1e-3 {
            target
        } else {
            *current * (r * a).exp()
        };
        true
    }

    /// Processes `left`, `right` in place (dry in, mixed out).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.asleep = false;
        let n = left.len().min(right.len());
        let mut start = 0;
        while start < n {
            let end = (start + MAX_CHUNK).min(n);
            self.process_chunk(&mut left[start..end], &mut right[start..end]);
            start = end;
        }
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let sr = self.sample_rate;
        let s = self.settings;

        // Algorithm change: start the other tank once the previous fade has finished.
        if let Some(alg) = self.pending_algorithm {
            if self.fade == 0.0 {
                let other = 1 - self.active;
                self.tanks[other].set_algorithm(alg);
                self.tanks[other].set_targets(&s, self.freeze);
                self.tanks[other].snap();
                self.tanks[other].reset();
                self.active = other;
                self.fade = 1.0;
                self.pending_algorithm = None;
            }
        }
        // Freeze moves linearly over 100 ms.
        let freeze_target = if s.freeze { 1.0 } else { 0.0 };
        let step = self.freeze_step * n as f32;
        self.freeze += (freeze_target - self.freeze).clamp(-step, step);
        let freeze = self.freeze;
        for t in &mut self.tanks {
            t.set_targets(&s, freeze);
        }
        let mut filters_moved = Self::glide_hz(&mut self.low_cut_hz, s.low_cut_hz, n, sr);
        filters_moved |= Self::glide_hz(&mut self.high_cut_hz, s.high_cut_hz, n, sr);
        if filters_moved {
            self.update_filters();
        }

        let [in_l, in_r, pre_l, pre_r, wet_l, wet_r, aux, old_l, old_r] = &mut self.scratch;
        let (in_l, in_r, pre_l, pre_r) = (
            &mut in_l[..n],
            &mut in_r[..n],
            &mut pre_l[..n],
            &mut pre_r[..n],
        );
        let (wet_l, wet_r, aux) = (&mut wet_l[..n], &mut wet_r[..n], &mut aux[..n]);
        let (old_l, old_r) = (&mut old_l[..n], &mut old_r[..n]);

        // Reverb input (muted while frozen), through the pre-delay.
        if self.input_gain.is_ramping() {
            for k in 0..n {
                let g = self.input_gain.next();
                in_l[k] = left[k] * g;
                in_r[k] = right[k] * g;
            }
        } else {
            let g = self.input_gain.current();
            for k in 0..n {
                in_l[k] = left[k] * g;
                in_r[k] = right[k] * g;
            }
        }
        self.predelay.process(in_l, in_r, pre_l, pre_r);

        let early = (self.early.current(), {
            self.early.skip(n);
            self.early.current()
        });
        let late = (self.late.current(), {
            self.late.skip(n);
            self.late.current()
        });
        let active = self.active;
        let smooth = |f: f32| f * f * (3.0 - 2.0 * f);
        if self.fade > 0.0 {
            // Crossfade: the new tank's input fades in (a running signal switched on at once
            // would click) while the old tank's input and output fade out.
            let f0 = self.fade;
            let f1 = (self.fade - self.fade_step).max(0.0);
            let step = (f1 - f0) / n as f32;
            for k in 0..n {
                let g = smooth(f0 + step * (k + 1) as f32);
                old_l[k] = pre_l[k] * g;
                old_r[k] = pre_r[k] * g;
                pre_l[k] -= old_l[k];
                pre_r[k] -= old_r[k];
            }
            self.tanks[active].process(Some((pre_l, pre_r)), wet_l, wet_r, early, late);
            // The old tank's input fades out too (cutting it would end every reflection of a
            // running signal at once); in_* are free now.
            in_l.copy_from_slice(old_l);
            in_r.copy_from_slice(old_r);
            self.tanks[1 - active].process(Some((in_l, in_r)), old_l, old_r, early, late);
            for k in 0..n {
                let g = smooth(f0 + step * (k + 1) as f32);
                wet_l[k] += g * old_l[k];
                wet_r[k] += g * old_r[k];
            }
            self.fade = f1;
        } else {
            self.tanks[active].process(Some((pre_l, pre_r)), wet_l, wet_r, early, late);
        }

        // Wet filters: the shared stereo high-pass → low-pass (both channels and both filters
        // in the lanes of one SIMD step per pair of samples; the same filters as
        // `process_low(process_high(x))` per sample).
        highpass_then_lowpass_stereo(
            self.simd,
            &mut self.low_cut,
            &mut self.high_cut,
            wet_l,
            wet_r,
        );

        // Ducking gain from the dry input.
        let duck = !self.ducker.is_bypassed();
        if duck {
            self.ducker.process(left, right, aux);
        }

        // Width, mix, output.
        self.mix
            .process(left, right, wet_l, wet_r, duck.then_some(&*aux));
    }
}

#[cfg(test)]
mod tests;
