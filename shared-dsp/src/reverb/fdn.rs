//! Feedback delay network late reverb: 8 delay lines, an orthogonal (Hadamard) feedback matrix,
//! frequency-dependent absorption per line after Jot, and slow modulation of the line lengths.
//!
//! ## Structure
//! Jot & Chaigne, "Digital delay networks for designing artificial reverberators", AES 90th
//! Convention, preprint 3030 (1991); Jot, "An analysis/synthesis approach to real-time
//! artificial reverberation", ICASSP 1992. Each line `i` of length `dᵢ` samples is followed by
//! an absorption filter `hᵢ`, then all lines are mixed by a lossless matrix `A` and fed back:
//!
//! ```text
//! yᵢ[n] = hᵢ * lineᵢ[n − dᵢ]          (line output after absorption)
//! lineᵢ[n] = Σⱼ Aᵢⱼ·yⱼ[n] + bᵢ·x[n]    (write)
//! ```
//!
//! `A = H₈/√8`, the 8×8 Sylvester–Hadamard matrix, is orthogonal (lossless, every line feeds
//! every other with equal weight: maximal echo-density growth; Jot 1992 §3), computed with the
//! fast Walsh–Hadamard butterflies (24 additions).
//!
//! ## Absorption (Jot 1992)
//! With a lossless matrix every mode decays at the rate set by the absorption filters alone if
//! each filter attenuates in proportion to its line's length. A decay of 60 dB in `T60(ω)`
//! seconds means `−60·dᵢ/(fs·T60(ω))` dB per pass through line `i`:
//!
//! ```text
//! |hᵢ(e^{jω})| = 10^(−3·dᵢ / (fs·T60(ω)))
//! ```
//!
//! `T60(ω)` is three-band: `T60·low_mult` below the low crossover, `T60` in the middle,
//! `T60·high_mult` above the high crossover. Each `hᵢ` is a broadband gain `gᵢ` (the middle
//! band) times a first-order low shelf and a first-order high shelf, whose DC and Nyquist
//! gains are the exact ratios `Gᴸᵢ = 10^(−3dᵢ/(fs·T60·low_mult))/gᵢ` and
//! `Gᴴᵢ = 10^(−3dᵢ/(fs·T60·high_mult))/gᵢ`, with their geometric-mean gain placed at the
//! crossover (analog shelf `(s + G·a)/(s + a)` has `|H| = √G` at `ω = a·√G`; bilinear with
//! prewarping, Zavalishin's TPT one-pole). With both multipliers at 1 the filters are exactly
//! flat and every band decays in exactly `T60`.
//!
//! The line lengths are read with 4-point Catmull-Rom (cubic Hermite) interpolation, so
//! modulating them (or gliding them when the size changes) neither clicks nor adds the
//! frequency-dependent loss of linear interpolation (−0.02 dB per pass at 4 kHz at worst,
//! against −0.3 dB for linear interpolation) that would shorten the high-band decay. The
//! effective length of a modulated line is its mean length, which is what the gains use.
//!
//! ## Processing order
//! The network runs in chunks of [`CHUNK`] samples. Every line is longer than a chunk (at
//! every preset and size), so nothing written during a chunk is read in it: each chunk first
//! computes the read positions (the LFOs from a table of `k·ω` rotations), then reads each
//! line's chunk along time (four contiguous slices while the whole-sample part of the
//! position stays put, which at ≤ 1 ms depth and ≤ 20 Hz it does for all but a few chunks per
//! second), then runs the absorption, matrix and writes per sample with the eight lines in
//! one vector (AVX2 intrinsics where the CPU has them). Lines shorter than a chunk fall back
//! to reading sample by sample; both orders compute the same network.
//!
//! ## Freeze
//! Freezing moves every decay rate to zero (`gᵢ = Gᴸᵢ = Gᴴᵢ = 1`): the loop is the orthogonal
//! matrix and the lines, lossless up to rounding (the matrix scale is rounded down, so it can
//! only lose energy), and it never grows.

// Index loops over the fixed-size per-line/per-stage arrays are the form the compiler
// vectorises; iterator chains over four or five arrays at once would hide that.
#![allow(clippy::needless_range_loop)]

use crate::simd::Simd;
use std::f32::consts::PI;

/// 4-point Catmull-Rom between `x0` (t = 0) and `x1` (t = 1).
#[inline(always)]
fn catmull_rom(xm1: f32, x0: f32, x1: f32, x2: f32, t: f32) -> f32 {
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * t + c2) * t + c1) * t + x0
}

/// Number of delay lines.
pub const LINES: usize = 8;

/// `1/√8`, rounded down so the feedback matrix cannot gain energy through rounding.
const HADAMARD_SCALE: f32 = 0.353_553_37;

/// ln(10)·3: `10^(−3x) = e^(−LN10_3·x)`.
const LN10_3: f32 = 6.907_755_4;

/// Per-sample log-gain of a 60 dB decay in `t60` seconds at `sample_rate`.
#[inline]
fn decay_rate(t60: f32, sample_rate: f32) -> f32 {
    LN10_3 / (sample_rate * t60.max(1e-3))
}

/// The decay and tone of the late reverb.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecaySettings {
    /// Mid-band RT60 in seconds.
    pub t60: f32,
    /// Low-band RT60 = `t60·low_mult`.
    pub low_mult: f32,
    /// Low crossover (Hz).
    pub low_crossover: f32,
    /// High-band RT60 = `t60·high_mult`.
    pub high_mult: f32,
    /// High crossover (Hz).
    pub high_crossover: f32,
    /// 0 = normal decay, 1 = frozen (lossless). In between, every decay rate is scaled by
    /// `1 − freeze`.
    pub freeze: f32,
}

impl Default for DecaySettings {
    fn default() -> Self {
        Self {
            t60: 2.0,
            low_mult: 1.0,
            low_crossover: 300.0,
            high_mult: 1.0,
            high_crossover: 4000.0,
            freeze: 0.0,
        }
    }
}

/// The absorption filter of one line, designed as in the module docs. Returns
/// `(g, low_shelf_gain, low_pole_g, high_shelf_gain, high_pole_g)` where the `*_pole_g` are
/// TPT one-pole gains `G = t/(1+t)`, `t = tan(π·fc/fs)`.
pub fn absorption_design(
    delay_samples: f32,
    d: &DecaySettings,
    sample_rate: f32,
) -> (f32, f32, f32, f32, f32) {
    let keep = (1.0 - d.freeze).clamp(0.0, 1.0);
    let k_mid = decay_rate(d.t60, sample_rate) * keep;
    let k_low = decay_rate(d.t60 * d.low_mult.max(1e-3), sample_rate) * keep;
    let k_high = decay_rate(d.t60 * d.high_mult.max(1e-3), sample_rate) * keep;
    let mut g = (-k_mid * delay_samples).exp();
    let gl = (-(k_low - k_mid) * delay_samples).exp();
    let gh = (-(k_high - k_mid) * delay_samples).exp();
    // Each shelf's magnitude lies between 1 and its G, so g·max(1,Gᴸ)·max(1,Gᴴ) bounds the
    // loop gain; keep it ≤ 1 (only binds when both multipliers are well above 1).
    let bound = g * gl.max(1.0) * gh.max(1.0);
    if bound > 1.0 {
        g /= bound;
    }
    let nyquist_guard = 0.49 * sample_rate;
    let fl = (d.low_crossover / gl.sqrt()).clamp(1.0, nyquist_guard);
    let fh = (d.high_crossover * gh.sqrt()).clamp(1.0, nyquist_guard);
    let tl = (PI * fl / sample_rate).tan();
    let th = (PI * fh / sample_rate).tan();
    (g, gl, tl / (1.0 + tl), gh, th / (1.0 + th))
}

/// In-place fast Walsh–Hadamard transform of 8 values, scaled to be orthogonal.
#[inline(always)]
pub fn hadamard8(x: &mut [f32; LINES]) {
    // Three butterfly stages (distance 4, 2, 1), each written as "add the partner, or subtract
    // from it" over all eight values, so every stage is one shuffle, an add, a subtract and a
    // blend in vector code.
    let mut y = *x;
    for dist in [4usize, 2, 1] {
        let v = y;
        for j in 0..LINES {
            let partner = v[j ^ dist];
            y[j] = if j & dist == 0 {
                v[j] + partner
            } else {
                partner - v[j]
            };
        }
    }
    for j in 0..LINES {
        x[j] = y[j] * HADAMARD_SCALE;
    }
}

/// The left and right outputs are two rows of H₈ applied to the line outputs (row `i` of the
/// Sylvester–Hadamard matrix has the sign `(−1)^popcount(i & j)` in column `j`): orthogonal to
/// each other, so the two outputs of uncorrelated, equal-energy lines are uncorrelated. Rows 1
/// (`+ − + − + − + −`) and 2 (`+ + − − + + − −`), which the feedback matrix computes anyway.
const OUT_LEFT_ROW: usize = 1;
const OUT_RIGHT_ROW: usize = 2;
/// `_mm_permute_ps` immediates that move those rows to lane 0.
#[cfg(target_arch = "x86_64")]
const OUT_LEFT_ROW_IMM: i32 = OUT_LEFT_ROW as i32;
#[cfg(target_arch = "x86_64")]
const OUT_RIGHT_ROW_IMM: i32 = OUT_RIGHT_ROW as i32;
/// Input distribution: the left input feeds the even lines, the right input the odd ones,
/// with alternating signs.
const IN_LEFT: [f32; LINES] = [1.0, 0.0, -1.0, 0.0, 1.0, 0.0, -1.0, 0.0];
const IN_RIGHT: [f32; LINES] = [0.0, 1.0, 0.0, -1.0, 0.0, 1.0, 0.0, -1.0];

/// Relative LFO rates of the lines (spread so they never align).
const MOD_RATE_SPREAD: [f32; LINES] = [1.0, 1.13, 0.87, 1.27, 0.79, 1.19, 0.93, 1.07];

/// The absorption shelves' coefficients of all lines.
#[derive(Clone, Copy)]
struct Shelves {
    low_gain_m1: [f32; LINES],
    low_pole: [f32; LINES],
    high_gain_m1: [f32; LINES],
    high_pole: [f32; LINES],
}

impl Shelves {
    /// Absorption of one sample of every line in place: gain (gliding by `g_inc` per
    /// sample), low shelf, high shelf (TPT one-poles with states `ls`, `hs`).
    #[inline(always)]
    fn absorb(
        &self,
        y: &mut [f32; LINES],
        g: &mut [f32; LINES],
        g_inc: &[f32; LINES],
        ls: &mut [f32; LINES],
        hs: &mut [f32; LINES],
    ) {
        for j in 0..LINES {
            g[j] += g_inc[j];
            let a = y[j] * g[j];
            let v = (a - ls[j]) * self.low_pole[j];
            let low = v + ls[j];
            ls[j] = low + v;
            let b = a + self.low_gain_m1[j] * low;
            let v2 = (b - hs[j]) * self.high_pole[j];
            let low2 = v2 + hs[j];
            hs[j] = low2 + v2;
            y[j] = b + self.high_gain_m1[j] * (b - low2);
        }
    }
}

/// Samples between coefficient updates while something glides.
pub const CHUNK: usize = 32;

/// The 8-line FDN (see the module docs).
#[derive(Debug, Clone)]
pub struct Fdn {
    sample_rate: f32,
    buf: Vec<f32>,
    len: usize,
    mask: usize,
    write: usize,
    /// Nominal line lengths in samples at scale 1.
    nominal: [f32; LINES],
    /// Current and target size scale.
    scale: f32,
    scale_target: f32,
    /// Largest per-sample change of a line length (sets the glide's pitch shift).
    max_slope: f32,
    delay: [f32; LINES],
    delay_inc: [f32; LINES],
    // modulation
    osc_c: [f32; LINES],
    osc_s: [f32; LINES],
    /// `cos(k·ωᵢ)`, `sin(k·ωᵢ)` for k = 0..=CHUNK: the oscillators `k` samples on.
    rot_cos: [[f32; CHUNK + 1]; LINES],
    rot_sin: [[f32; CHUNK + 1]; LINES],
    mod_rate: f32,
    depth: f32,
    depth_target: f32,
    max_depth: f32,
    // absorption
    decay: DecaySettings,
    decay_target: DecaySettings,
    designed_scale: f32,
    designed: DecaySettings,
    g: [f32; LINES],
    /// Per-sample increment of `g` over the current chunk (gains glide linearly, never jump).
    g_inc: [f32; LINES],
    low_gain_m1: [f32; LINES],
    low_pole: [f32; LINES],
    high_gain_m1: [f32; LINES],
    high_pole: [f32; LINES],
    low_state: [f32; LINES],
    high_state: [f32; LINES],
    /// Injection gain.
    input_gain: f32,
    /// Samples left in the current chunk.
    chunk_left: usize,
    /// Kernel choice (see [`crate::simd`]), fixed at creation.
    simd: Simd,
}

impl Default for Fdn {
    fn default() -> Self {
        Self::new()
    }
}

impl Fdn {
    /// An FDN with no memory; call [`prepare`](Self::prepare).
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            buf: Vec::new(),
            len: 0,
            mask: 0,
            write: 0,
            nominal: [1000.0; LINES],
            scale: 1.0,
            scale_target: 1.0,
            max_slope: 0.02,
            delay: [1000.0; LINES],
            delay_inc: [0.0; LINES],
            osc_c: [1.0; LINES],
            osc_s: [0.0; LINES],
            rot_cos: [[1.0; CHUNK + 1]; LINES],
            rot_sin: [[0.0; CHUNK + 1]; LINES],
            mod_rate: -1.0,
            depth: 0.0,
            depth_target: 0.0,
            max_depth: 0.0,
            decay: DecaySettings::default(),
            decay_target: DecaySettings::default(),
            designed_scale: -1.0,
            designed: DecaySettings {
                t60: -1.0,
                ..DecaySettings::default()
            },
            g: [0.0; LINES],
            g_inc: [0.0; LINES],
            low_gain_m1: [0.0; LINES],
            low_pole: [0.0; LINES],
            high_gain_m1: [0.0; LINES],
            high_pole: [0.0; LINES],
            low_state: [0.0; LINES],
            high_state: [0.0; LINES],
            input_gain: 1.0,
            chunk_left: 0,
            simd: Simd::current(),
        }
    }

    /// Runs the kernels of `simd` from now on (default [`Simd::current`]); e.g.
    /// `Simd::scalar()` to run the portable path.
    pub fn set_simd(&mut self, simd: Simd) {
        self.simd = simd;
    }

    /// Allocates lines for lengths up to `max_delay_ms` (after scaling) plus `max_depth_ms` of
    /// modulation at `sample_rate`, and resets.
    pub fn prepare(
        &mut self,
        sample_rate: f32,
        _max_block: usize,
        max_delay_ms: f32,
        max_depth_ms: f32,
    ) {
        self.sample_rate = sample_rate;
        self.max_depth = max_depth_ms * 0.001 * sample_rate;
        let need = (max_delay_ms * 0.001 * sample_rate + self.max_depth) as usize + 8;
        self.len = need.next_power_of_two();
        self.mask = self.len - 1;
        self.buf = vec![0.0; self.len * LINES];
        self.mod_rate = -1.0;
        self.designed_scale = -1.0;
        self.reset();
    }

    /// Clears the lines and filter states (no allocation); glides jump to their targets.
    pub fn reset(&mut self) {
        self.buf.fill(0.0);
        self.write = 0;
        self.low_state = [0.0; LINES];
        self.high_state = [0.0; LINES];
        self.scale = self.scale_target;
        self.depth = self.depth_target;
        self.decay = self.decay_target;
        for i in 0..LINES {
            self.osc_c[i] = (i as f32 * 0.785).cos();
            self.osc_s[i] = (i as f32 * 0.785).sin();
        }
        self.delay_inc = [0.0; LINES];
        self.update_delays_now();
        self.design();
        self.chunk_left = 0;
    }

    /// Nominal line lengths (ms at scale 1). Takes effect at once (call before `reset`, or
    /// only while the network is silent).
    pub fn set_lines_ms(&mut self, lines_ms: &[f32; LINES]) {
        for (n, ms) in self.nominal.iter_mut().zip(lines_ms) {
            *n = ms * 0.001 * self.sample_rate;
        }
        self.update_delays_now();
        self.designed_scale = -1.0;
    }

    fn update_delays_now(&mut self) {
        let max = (self.len as f32 - self.max_depth - 6.0).max(4.0);
        for i in 0..LINES {
            self.delay[i] = (self.nominal[i] * self.scale).clamp(4.0, max);
        }
    }

    /// Largest line length in ms at scale 1.
    pub fn longest_ms(&self) -> f32 {
        self.nominal.iter().fold(0.0f32, |a, &b| a.max(b)) * 1000.0 / self.sample_rate
    }

    /// Size scale target (line lengths = nominal × scale). The lengths glide there
    /// exponentially (≈150 ms) with their slope limited to `max_slope` samples per sample
    /// (a pitch shift of the tail of at most that ratio while gliding).
    pub fn set_scale(&mut self, scale: f32) {
        self.scale_target = scale.max(0.01);
    }

    /// Jumps to the scale target.
    pub fn snap_scale(&mut self) {
        self.scale = self.scale_target;
        self.update_delays_now();
        self.delay_inc = [0.0; LINES];
    }

    /// Current size scale.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Decay settings target; they glide per chunk (log-domain, ≈50 ms).
    pub fn set_decay(&mut self, d: DecaySettings) {
        self.decay_target = d;
    }

    /// Jumps to the decay target.
    pub fn snap_decay(&mut self) {
        self.decay = self.decay_target;
        self.design();
    }

    /// Modulation: depth in ms (clamped to the prepared maximum), rate in Hz.
    pub fn set_modulation(&mut self, depth_ms: f32, rate_hz: f32) {
        self.depth_target = (depth_ms * 0.001 * self.sample_rate).clamp(0.0, self.max_depth);
        if rate_hz != self.mod_rate {
            self.mod_rate = rate_hz;
            for i in 0..LINES {
                let w = 2.0 * PI * rate_hz * MOD_RATE_SPREAD[i] / self.sample_rate;
                let (rc, rs) = (w.cos(), w.sin());
                let (mut c, mut s) = (1.0f32, 0.0f32);
                for k in 0..=CHUNK {
                    self.rot_cos[i][k] = c;
                    self.rot_sin[i][k] = s;
                    (c, s) = (c * rc - s * rs, s * rc + c * rs);
                }
            }
        }
    }

    /// Gain applied to the inputs before they enter the lines.
    pub fn set_input_gain(&mut self, gain: f32) {
        self.input_gain = gain;
    }

    /// Longest RT60 (s) over the three bands of the current target (for tail reports).
    pub fn longest_t60(&self) -> f32 {
        let d = &self.decay_target;
        d.t60 * d.low_mult.max(d.high_mult).max(1.0)
    }

    fn design(&mut self) {
        for i in 0..LINES {
            let (g, gl, pl, gh, ph) =
                absorption_design(self.delay[i], &self.decay, self.sample_rate);
            self.g[i] = g;
            self.low_gain_m1[i] = gl - 1.0;
            self.low_pole[i] = pl;
            self.high_gain_m1[i] = gh - 1.0;
            self.high_pole[i] = ph;
        }
        self.designed = self.decay;
        self.designed_scale = self.scale;
    }

    /// Start of a chunk: advance the glides and redesign the filters if anything moved.
    fn begin_chunk(&mut self, n: usize) {
        // Size glide: every line glides to nominal × scale (rounded to whole samples while
        // frozen, so the frozen loop reads without interpolation loss).
        let frozen = self.decay_target.freeze >= 0.5;
        let longest = self.nominal.iter().fold(1.0f32, |a, &b| a.max(b));
        let alpha = 1.0 - (-(n as f32) / (0.15 * self.sample_rate)).exp();
        if self.scale != self.scale_target {
            let max_step = self.max_slope * n as f32 / longest;
            let diff = self.scale_target - self.scale;
            self.scale = if diff.abs() * longest < 0.01 {
                self.scale_target
            } else {
                self.scale + (diff * alpha).clamp(-max_step, max_step)
            };
        }
        let max = (self.len as f32 - self.max_depth - 6.0).max(4.0);
        for i in 0..LINES {
            let mut target = (self.nominal[i] * self.scale_target).clamp(4.0, max);
            if frozen {
                target = target.round();
            }
            let diff = target - self.delay[i];
            if diff.abs() < 0.01 {
                self.delay[i] = target;
                self.delay_inc[i] = 0.0;
            } else {
                // Same relative pace for every line (the scale's glide), at least 0.01 sample
                // per chunk so the rounding glide while frozen finishes.
                let max_step = self.max_slope * n as f32 * self.nominal[i] / longest;
                let step = (diff * alpha)
                    .abs()
                    .max(0.01_f32.min(diff.abs()))
                    .min(max_step)
                    * diff.signum();
                self.delay_inc[i] = step / n as f32;
            }
        }
        // Decay glide (log domain for times and frequencies, linear for freeze).
        let t = self.decay_target;
        let c = &mut self.decay;
        if *c != t {
            let a = 1.0 - (-(n as f32) / (0.05 * self.sample_rate)).exp();
            let glide_log = |cur: &mut f32, tgt: f32| {
                let r = (tgt / *cur).ln();
                if r.abs() < 1e-4 {
                    *cur = tgt;
                } else {
                    *cur *= (r * a).exp();
                }
            };
            glide_log(&mut c.t60, t.t60);
            glide_log(&mut c.low_mult, t.low_mult);
            glide_log(&mut c.high_mult, t.high_mult);
            glide_log(&mut c.low_crossover, t.low_crossover);
            glide_log(&mut c.high_crossover, t.high_crossover);
            // Freeze moves linearly over ≈100 ms.
            let step = n as f32 / (0.1 * self.sample_rate);
            c.freeze += (t.freeze - c.freeze).clamp(-step, step);
        }
        self.g_inc = [0.0; LINES];
        let moving = self.delay_inc.iter().any(|&v| v != 0.0);
        if self.decay != self.designed || self.scale != self.designed_scale || moving {
            let before = self.g;
            // Design for where the lines will be at the end of the chunk.
            let now = self.delay;
            for i in 0..LINES {
                self.delay[i] += self.delay_inc[i] * n as f32;
            }
            self.design();
            self.delay = now;
            for i in 0..LINES {
                self.g_inc[i] = (self.g[i] - before[i]) / n as f32;
            }
            self.g = before;
        }
    }

    /// Processes one block: adds `input_gain·(in_l, in_r)` into the network and writes the
    /// late reverb to `out_l`, `out_r` (overwritten). All slices have the same length.
    pub fn process(&mut self, in_l: &[f32], in_r: &[f32], out_l: &mut [f32], out_r: &mut [f32]) {
        let n = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
        let mut i = 0;
        while i < n {
            if self.chunk_left == 0 {
                self.begin_chunk(CHUNK);
                self.chunk_left = CHUNK;
                self.renormalise_oscillators();
            }
            let m = self.chunk_left.min(n - i);
            self.process_run(
                &in_l[i..i + m],
                &in_r[i..i + m],
                &mut out_l[i..i + m],
                &mut out_r[i..i + m],
            );
            self.chunk_left -= m;
            i += m;
        }
    }

    fn renormalise_oscillators(&mut self) {
        for i in 0..LINES {
            let r2 = self.osc_c[i] * self.osc_c[i] + self.osc_s[i] * self.osc_s[i];
            // One Newton step of 1/√r² around 1 (the drift per chunk is tiny).
            let k = 1.5 - 0.5 * r2;
            self.osc_c[i] *= k;
            self.osc_s[i] *= k;
        }
    }

    /// The per-sample loop, compiled twice: for the baseline target and, on x86-64 CPUs that
    /// have them (the run's kernel choice from [`crate::simd`]), with AVX2 so each `[f32; 8]`
    /// operation is one instruction instead of two.
    fn process_run(&mut self, in_l: &[f32], in_r: &[f32], out_l: &mut [f32], out_r: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if self.simd.has_avx2_fma() {
                // SAFETY: a `Simd` with AVX2 exists only on CPUs that have it.
                unsafe { self.process_run_avx2(in_l, in_r, out_l, out_r) };
                return;
            }
        }
        self.process_run_body::<false>(in_l, in_r, out_l, out_r);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn process_run_avx2(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        self.process_run_body::<true>(in_l, in_r, out_l, out_r);
    }

    /// `AVX2`: called from the AVX2 variant (the per-sample loop then uses AVX2 intrinsics).
    #[inline(always)]
    fn process_run_body<const AVX2: bool>(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let mask = self.mask;
        let len = self.len;
        let buf = &mut self.buf[..len * LINES];
        debug_assert!(len.is_power_of_two() && mask == len - 1);
        let m = in_l
            .len()
            .min(in_r.len())
            .min(out_l.len())
            .min(out_r.len())
            .min(CHUNK);
        let mut write = self.write;
        let delay = self.delay;
        let inc = self.delay_inc;
        let (oc, os) = (self.osc_c, self.osc_s);
        // Depth glides linearly over the run (a jump would move the read positions).
        let depth_start = self.depth;
        let depth_target = if self.decay_target.freeze >= 0.5 {
            0.0
        } else {
            self.depth_target
        };
        let depth_step =
            ((depth_target - self.depth) / in_l.len().max(1) as f32).clamp(-0.01, 0.01);

        // 1. Read positions of every line for every sample of the run: sample k reads at
        // `delay + (k+1)·inc + depth_k·sin(φ + k·ω)`, the sine from the oscillator's state at
        // the start of the run and the table of `k·ω` rotations, along time.
        let mut pos = [[0.0f32; CHUNK]; LINES];
        for j in 0..LINES {
            let (c0, s0) = (oc[j], os[j]);
            let (rc, rs) = (&self.rot_cos[j], &self.rot_sin[j]);
            for k in 0..m {
                let step = (k + 1) as f32;
                let depth = depth_start + depth_step * step;
                let sine = s0 * rc[k] + c0 * rs[k];
                pos[j][k] = delay[j] + inc[j] * step + depth * sine;
            }
        }
        let mut next_delay = delay;
        let (mut next_c, mut next_s) = (oc, os);
        for j in 0..LINES {
            next_delay[j] = delay[j] + inc[j] * m as f32;
            let (rc, rs) = (self.rot_cos[j][m], self.rot_sin[j][m]);
            next_c[j] = oc[j] * rc - os[j] * rs;
            next_s[j] = os[j] * rc + oc[j] * rs;
        }

        // 2. The interpolated line outputs. A line whose read positions all lie more than the
        // run's length in the past reads nothing this run writes, so the whole run can be read
        // up front, along time: while the modulation moves the read position by less than a
        // sample per run (it moves ~10⁻³ sample per sample), the whole-sample part is
        // constant and the four taps are four contiguous slices.
        let mut whole_min = [0i32; LINES];
        let mut whole_max = [0i32; LINES];
        for j in 0..LINES {
            let (mut lo, mut hi) = (i32::MAX, i32::MIN);
            for &d in &pos[j][..m] {
                let w = d as i32;
                lo = lo.min(w);
                hi = hi.max(w);
            }
            whole_min[j] = lo;
            whole_max[j] = hi;
        }
        let ahead = whole_min.iter().all(|&w| w > m as i32);
        let mut rd = [[0.0f32; CHUNK]; LINES];
        if ahead {
            for j in 0..LINES {
                let line = &buf[j * len..(j + 1) * len];
                let w0 = whole_min[j];
                let s = write.wrapping_sub(w0 as usize) & mask;
                if whole_max[j] == w0 && s >= 2 && s + m < len {
                    let wf = w0 as f32;
                    if m == CHUNK {
                        // Whole run (the usual case): constant trip count, no remainder.
                        let a: &[f32; CHUNK + 3] =
                            (&line[s - 2..s + CHUNK + 1]).try_into().unwrap();
                        let (p, o) = (&pos[j], &mut rd[j]);
                        for k in 0..CHUNK {
                            o[k] = catmull_rom(a[k + 3], a[k + 2], a[k + 1], a[k], p[k] - wf);
                        }
                    } else {
                        let a = &line[s - 2..s + m + 1];
                        for k in 0..m {
                            rd[j][k] =
                                catmull_rom(a[k + 3], a[k + 2], a[k + 1], a[k], pos[j][k] - wf);
                        }
                    }
                } else {
                    for k in 0..m {
                        let whole = pos[j][k] as i32;
                        let p = write.wrapping_add(k).wrapping_sub(whole as usize);
                        let t = pos[j][k] - whole as f32;
                        rd[j][k] = catmull_rom(
                            line[p.wrapping_add(1) & mask],
                            line[p & mask],
                            line[p.wrapping_sub(1) & mask],
                            line[p.wrapping_sub(2) & mask],
                            t,
                        );
                    }
                }
            }
        }

        // 3. Absorption, output taps, matrix and write, per sample.
        let mut g = self.g;
        let g_inc = self.g_inc;
        let shelves = Shelves {
            low_gain_m1: self.low_gain_m1,
            low_pole: self.low_pole,
            high_gain_m1: self.high_gain_m1,
            high_pole: self.high_pole,
        };
        let (mut ls, mut hs) = (self.low_state, self.high_state);
        let in_gain = self.input_gain;
        if ahead {
            // Nothing this run writes is read in it: collect the writes per sample (one
            // vector store) and copy them into the lines afterwards.
            let mut wr = [[0.0f32; LINES]; CHUNK];
            #[cfg(target_arch = "x86_64")]
            let done = if AVX2 {
                // SAFETY: `AVX2` is only true in `process_run_avx2`, which runs only on CPUs
                // with AVX2.
                unsafe {
                    per_sample_avx2(
                        &rd, &mut wr, m, &shelves, &mut g, &g_inc, &mut ls, &mut hs, in_l, in_r,
                        in_gain, out_l, out_r,
                    )
                };
                m
            } else {
                0
            };
            #[cfg(not(target_arch = "x86_64"))]
            let done = 0;
            for k in done..m {
                let mut y = [0.0f32; LINES];
                for j in 0..LINES {
                    y[j] = rd[j][k];
                }
                shelves.absorb(&mut y, &mut g, &g_inc, &mut ls, &mut hs);
                hadamard8(&mut y);
                out_l[k] = y[OUT_LEFT_ROW];
                out_r[k] = y[OUT_RIGHT_ROW];
                let (il, ir) = (in_l[k] * in_gain, in_r[k] * in_gain);
                for j in 0..LINES {
                    wr[k][j] = y[j] + IN_LEFT[j] * il + IN_RIGHT[j] * ir;
                }
            }
            for j in 0..LINES {
                let line = &mut buf[j * len..(j + 1) * len];
                if write + m <= len {
                    for (o, w) in line[write..write + m].iter_mut().zip(&wr[..m]) {
                        *o = w[j];
                    }
                } else {
                    for (k, w) in wr[..m].iter().enumerate() {
                        line[(write + k) & mask] = w[j];
                    }
                }
            }
            write = (write + m) & mask;
        } else {
            for k in 0..m {
                // Short lines: read sample by sample (a read may see this run's writes).
                let mut y = [0.0f32; LINES];
                for j in 0..LINES {
                    let whole = pos[j][k] as i32;
                    let p = write.wrapping_sub(whole as usize);
                    let t = pos[j][k] - whole as f32;
                    let base = j * len;
                    // SAFETY: `base + (i & mask)` < `(j + 1)·len` ≤ `buf.len()` for j < LINES
                    // (`buf` was sliced to `len·LINES` above and `mask = len − 1`).
                    unsafe {
                        y[j] = catmull_rom(
                            *buf.get_unchecked(base + (p.wrapping_add(1) & mask)),
                            *buf.get_unchecked(base + (p & mask)),
                            *buf.get_unchecked(base + (p.wrapping_sub(1) & mask)),
                            *buf.get_unchecked(base + (p.wrapping_sub(2) & mask)),
                            t,
                        );
                    }
                }
                shelves.absorb(&mut y, &mut g, &g_inc, &mut ls, &mut hs);
                hadamard8(&mut y);
                out_l[k] = y[OUT_LEFT_ROW];
                out_r[k] = y[OUT_RIGHT_ROW];
                let (il, ir) = (in_l[k] * in_gain, in_r[k] * in_gain);
                for j in 0..LINES {
                    buf[j * len + (write & mask)] = y[j] + IN_LEFT[j] * il + IN_RIGHT[j] * ir;
                }
                write = write.wrapping_add(1) & mask;
            }
        }
        self.write = write;
        self.delay = next_delay;
        self.g = g;
        self.osc_c = next_c;
        self.osc_s = next_s;
        self.depth = depth_start + depth_step * in_l.len() as f32;
        if (self.depth - depth_target).abs() < 1e-4 {
            self.depth = depth_target;
        }
        // Flush states that decayed to nothing (−300 dB).
        for j in 0..LINES {
            if ls[j].abs() < 1e-15 {
                ls[j] = 0.0;
            }
            if hs[j].abs() < 1e-15 {
                hs[j] = 0.0;
            }
        }
        self.low_state = ls;
        self.high_state = hs;
    }

    /// Samples needed for the tail to fall 120 dB (twice the longest band RT60).
    pub fn tail_samples(&self) -> usize {
        (2.0 * self.longest_t60() * self.sample_rate) as usize
    }
}

/// The per-sample part of a run whose line outputs `rd` were read up front (`rd[line][k]`):
/// absorption, matrix, output taps, and the values to write (`wr[k][line]`), with every line
/// in one AVX lane group. Exactly the arithmetic of [`Shelves::absorb`] and [`hadamard8`]
/// (the same operations in the same order on each line), so it matches the portable loop bit
/// for bit.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn per_sample_avx2(
    rd: &[[f32; CHUNK]; LINES],
    wr: &mut [[f32; LINES]; CHUNK],
    m: usize,
    shelves: &Shelves,
    g: &mut [f32; LINES],
    g_inc: &[f32; LINES],
    ls: &mut [f32; LINES],
    hs: &mut [f32; LINES],
    in_l: &[f32],
    in_r: &[f32],
    in_gain: f32,
    out_l: &mut [f32],
    out_r: &mut [f32],
) {
    use std::arch::x86_64::*;
    let m = m.min(CHUNK).min(in_l.len()).min(in_r.len());
    let m = m.min(out_l.len()).min(out_r.len());
    let load = |a: &[f32; LINES]| _mm256_loadu_ps(a.as_ptr());
    let (lgm1, lp) = (load(&shelves.low_gain_m1), load(&shelves.low_pole));
    let (hgm1, hp) = (load(&shelves.high_gain_m1), load(&shelves.high_pole));
    let (mut gv, gi) = (load(g), load(g_inc));
    let (mut lsv, mut hsv) = (load(ls), load(hs));
    let (inl, inr) = (load(&IN_LEFT), load(&IN_RIGHT));
    let scale = _mm256_set1_ps(HADAMARD_SCALE);
    // Offsets of rd[j][k] from rd[0][k], in elements.
    let stride = _mm256_setr_epi32(
        0,
        CHUNK as i32,
        2 * CHUNK as i32,
        3 * CHUNK as i32,
        4 * CHUNK as i32,
        5 * CHUNK as i32,
        6 * CHUNK as i32,
        7 * CHUNK as i32,
    );
    let base = rd.as_ptr() as *const f32;
    for k in 0..m {
        // SAFETY: k < CHUNK, so every rd[j][k] (offset j·CHUNK + k) is inside `rd`.
        let r = _mm256_i32gather_ps::<4>(base.add(k), stride);
        gv = _mm256_add_ps(gv, gi);
        let a = _mm256_mul_ps(r, gv);
        let v = _mm256_mul_ps(_mm256_sub_ps(a, lsv), lp);
        let low = _mm256_add_ps(v, lsv);
        lsv = _mm256_add_ps(low, v);
        let b = _mm256_add_ps(a, _mm256_mul_ps(lgm1, low));
        let v2 = _mm256_mul_ps(_mm256_sub_ps(b, hsv), hp);
        let low2 = _mm256_add_ps(v2, hsv);
        hsv = _mm256_add_ps(low2, v2);
        let mut y = _mm256_add_ps(b, _mm256_mul_ps(hgm1, _mm256_sub_ps(b, low2)));
        // Butterflies: lanes without the distance bit get `y + partner`, the others
        // `partner − y`.
        let t = _mm256_permute2f128_ps::<0x01>(y, y);
        y = _mm256_blend_ps::<0xf0>(_mm256_add_ps(y, t), _mm256_sub_ps(t, y));
        let t = _mm256_permute_ps::<0b01_00_11_10>(y);
        y = _mm256_blend_ps::<0b1100_1100>(_mm256_add_ps(y, t), _mm256_sub_ps(t, y));
        let t = _mm256_permute_ps::<0b10_11_00_01>(y);
        y = _mm256_blend_ps::<0b1010_1010>(_mm256_add_ps(y, t), _mm256_sub_ps(t, y));
        y = _mm256_mul_ps(y, scale);
        let lo = _mm256_castps256_ps128(y);
        out_l[k] = _mm_cvtss_f32(_mm_permute_ps::<OUT_LEFT_ROW_IMM>(lo));
        out_r[k] = _mm_cvtss_f32(_mm_permute_ps::<OUT_RIGHT_ROW_IMM>(lo));
        let il = _mm256_set1_ps(in_l[k] * in_gain);
        let ir = _mm256_set1_ps(in_r[k] * in_gain);
        let w = _mm256_add_ps(
            _mm256_add_ps(y, _mm256_mul_ps(inl, il)),
            _mm256_mul_ps(inr, ir),
        );
        _mm256_storeu_ps(wr[k].as_mut_ptr(), w);
    }
    let store = |a: &mut [f32; LINES], v: __m256| _mm256_storeu_ps(a.as_mut_ptr(), v);
    store(g, gv);
    store(ls, lsv);
    store(hs, hsv);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadamard_is_orthogonal_and_never_gains() {
        for k in 0..LINES {
            let mut e = [0.0f32; LINES];
            e[k] = 1.0;
            hadamard8(&mut e);
            let norm: f32 = e.iter().map(|v| v * v).sum();
            assert!(norm <= 1.0 && norm > 1.0 - 1e-6, "{norm}");
            for (j, v) in e.iter().enumerate() {
                let _ = j;
                assert!((v.abs() - 0.353_553_4).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn output_rows_are_orthogonal_sign_patterns() {
        let left = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        let right = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
        for j in 0..LINES {
            let mut e = [0.0f32; LINES];
            e[j] = 1.0;
            hadamard8(&mut e);
            assert!((e[OUT_LEFT_ROW] - left[j] * HADAMARD_SCALE).abs() < 1e-7);
            assert!((e[OUT_RIGHT_ROW] - right[j] * HADAMARD_SCALE).abs() < 1e-7);
        }
    }

    /// The network sample by sample, written as plainly as the module docs (f64): Catmull-Rom
    /// reads at the modulated lengths, absorption, output rows, matrix, write.
    fn reference(lines_ms: &[f32; LINES], depth_ms: f32, rate: f32, x: &[f32]) -> Vec<[f64; 2]> {
        let fs = 48_000.0f32;
        let d = DecaySettings::default();
        let delays: Vec<f64> = lines_ms.iter().map(|ms| (ms * 0.001 * fs) as f64).collect();
        let depth = (depth_ms * 0.001 * fs) as f64;
        let coef: Vec<_> = delays
            .iter()
            .map(|&dl| absorption_design(dl as f32, &d, fs))
            .collect();
        let len = 1 << 14;
        let mut lines = vec![vec![0.0f64; len]; LINES];
        let (mut ls, mut hs) = ([0.0f64; LINES], [0.0f64; LINES]);
        let mut out = Vec::new();
        for (n, &v) in x.iter().enumerate() {
            let mut y = [0.0f64; LINES];
            for j in 0..LINES {
                let w = 2.0 * std::f64::consts::PI * (rate * MOD_RATE_SPREAD[j]) as f64 / fs as f64;
                let p = delays[j] + depth * ((j as f32 * 0.785) as f64 + w * n as f64).sin();
                let whole = p.floor();
                let t = p - whole;
                let at = |k: f64| {
                    lines[j][(n as i64 - (whole + k) as i64).rem_euclid(len as i64) as usize]
                };
                let (xm1, x0, x1, x2) = (at(-1.0), at(0.0), at(1.0), at(2.0));
                let c1 = 0.5 * (x1 - xm1);
                let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
                let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
                let r = ((c3 * t + c2) * t + c1) * t + x0;
                let (g, gl, pl, gh, ph) = coef[j];
                let (g, gl, pl, gh, ph) = (g as f64, gl as f64, pl as f64, gh as f64, ph as f64);
                let a = r * g;
                let v1 = (a - ls[j]) * pl;
                let low = v1 + ls[j];
                ls[j] = low + v1;
                let b = a + (gl - 1.0) * low;
                let v2 = (b - hs[j]) * ph;
                let low2 = v2 + hs[j];
                hs[j] = low2 + v2;
                y[j] = b + (gh - 1.0) * (b - low2);
            }
            let sign = |i: usize, j: usize| {
                if (i & j).count_ones().is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                }
            };
            let s = 1.0 / 8f64.sqrt();
            let row = |i: usize| (0..LINES).map(|j| sign(i, j) * y[j]).sum::<f64>() * s;
            out.push([row(OUT_LEFT_ROW), row(OUT_RIGHT_ROW)]);
            // Both inputs carry `x`: the left feeds lines 0, 2, 4, 6, the right 1, 3, 5, 7.
            let input = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
            for i in 0..LINES {
                lines[i][n % len] = row(i) + input[i] * v as f64;
            }
        }
        out
    }

    /// Lines longer than a run are read a run at a time, shorter ones sample by sample: both
    /// must be the plain network above (with the modulation on).
    #[test]
    fn block_and_per_sample_reads_match_the_plain_network() {
        let fs = 48_000.0;
        let long = [13.7, 17.9, 23.3, 30.1, 38.9, 50.3, 64.7, 79.3];
        let short = [0.31, 0.37, 0.43, 0.53, 0.61, 0.67, 0.79, 0.9];
        for lines_ms in [long, short] {
            let mut f = Fdn::new();
            f.prepare(fs, 512, 100.0, 0.25);
            f.set_lines_ms(&lines_ms);
            f.set_modulation(0.2, 3.0);
            f.reset();
            let n = 9000;
            let mut seed = 7u32;
            let x: Vec<f32> = (0..n)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    if i < 2000 {
                        seed as f32 / u32::MAX as f32 - 0.5
                    } else {
                        0.0
                    }
                })
                .collect();
            let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
            // Odd block lengths, so runs start anywhere in a chunk.
            let mut i = 0;
            for b in [37, 5, 64, 1, 100].iter().cycle() {
                if i >= n {
                    break;
                }
                let e = (i + b).min(n);
                f.process(&x[i..e], &x[i..e], &mut l[i..e], &mut r[i..e]);
                i = e;
            }
            let want = reference(&lines_ms, 0.2, 3.0, &x);
            let peak = want.iter().fold(0.0f64, |a, v| a.max(v[0].abs()));
            let mut worst = 0.0f64;
            for k in 0..n {
                for (got, w) in [(l[k], want[k][0]), (r[k], want[k][1])] {
                    worst = worst.max((got as f64 - w).abs() / peak);
                }
            }
            // f32 read positions (a resolution of ~2·10⁻⁴ sample at 80 ms) against f64: the
            // worst difference is ~10⁻⁴ of the peak; a wrong read would be of the order of 1.
            assert!(worst < 1e-3, "{lines_ms:?}: {worst}");
        }
    }

    /// Every SIMD level against the scalar path, bit for bit: the AVX2 loop performs the
    /// operations of the portable one in the same order on each line (no fused multiply-add),
    /// and the rest of the run is element-wise code compiled for AVX2. Long lines (reads up
    /// front, the AVX2 per-sample kernel) and short ones (per-sample reads), with modulation,
    /// a size glide, a decay change and odd block lengths.
    #[test]
    fn simd_kernels_agree_with_scalar() {
        let fs = 48_000.0;
        let long = [13.7, 17.9, 23.3, 30.1, 38.9, 50.3, 64.7, 79.3];
        let short = [0.31, 0.37, 0.43, 0.53, 0.61, 0.67, 0.79, 0.9];
        let n = 12_000;
        let mut seed = 11u32;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                if i < 3000 {
                    seed as f32 / u32::MAX as f32 - 0.5
                } else {
                    0.0
                }
            })
            .collect();
        let play = |simd: Simd, lines_ms: &[f32; LINES]| {
            let mut f = Fdn::new();
            f.set_simd(simd);
            f.prepare(fs, 512, 200.0, 0.25);
            f.set_lines_ms(lines_ms);
            f.set_modulation(0.2, 3.0);
            f.reset();
            let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
            let mut i = 0;
            for (k, b) in [37, 5, 64, 1, 100, 512].iter().cycle().enumerate() {
                if i >= n {
                    break;
                }
                if k == 20 {
                    f.set_scale(1.3);
                    f.set_decay(DecaySettings {
                        t60: 0.8,
                        high_mult: 0.5,
                        ..DecaySettings::default()
                    });
                }
                let e = (i + b).min(n);
                f.process(&x[i..e], &x[i..e], &mut l[i..e], &mut r[i..e]);
                i = e;
            }
            [l, r].concat()
        };
        for simd in crate::simd::levels_to_compare("fdn") {
            for lines_ms in [long, short] {
                let scalar = play(Simd::scalar(), &lines_ms);
                assert!(scalar.iter().any(|v| v.abs() > 1e-3));
                assert!(
                    scalar == play(simd, &lines_ms),
                    "{simd:?} {lines_ms:?}: differs from scalar"
                );
            }
        }
    }

    #[test]
    fn absorption_meets_jot_at_dc_and_nyquist() {
        let fs = 48_000.0;
        let d = DecaySettings {
            t60: 2.0,
            low_mult: 2.0,
            low_crossover: 200.0,
            high_mult: 0.5,
            high_crossover: 5000.0,
            freeze: 0.0,
        };
        let delay = 2000.0;
        let (g, gl, _, gh, _) = absorption_design(delay, &d, fs);
        let want = |t60: f32| 10f32.powf(-3.0 * delay / (fs * t60));
        assert!((g - want(2.0)).abs() < 1e-6);
        assert!((g * gl - want(4.0)).abs() < 1e-6);
        assert!((g * gh - want(1.0)).abs() < 1e-6);
        let frozen = DecaySettings { freeze: 1.0, ..d };
        let (g, gl, _, gh, _) = absorption_design(delay, &frozen, fs);
        assert_eq!((g, gl, gh), (1.0, 1.0, 1.0));
    }
}
