//! The echo engine of a stereo feedback delay: two delay lines (lanes), time changes
//! (tape glide or head crossfade), loop filters, saturation, wow/flutter, freeze and the
//! stereo routing of the stereo, ping-pong and mono modes.
//!
//! Signal flow per sample and lane `c` (`y` = what the read head plays, `x` = input):
//!
//! ```text
//! y_c   = line_c(t − D_c(t) − mod(t))                  (Hermite, see delay_line)
//! out_c = L(y_c)                                         (the wet signal)
//! y'_c  = LP(HP(y_c))                                    (TPT SVFs, Butterworth, switchable)
//! u     = (g + f·(1 − g))·M_route·y'                    (g = feedback, f = freeze 0..1)
//! v     = L((1 − f)·M_in·x + S_d(u))                    (S_d: loop saturator with drive,
//! w     = v + f·(u − v)                                   L: write limiter, see saturator)
//! line_c(t) ← w_c
//! ```
//!
//! The loop filters sit in the feedback path: the first echo is the input as it was, each
//! repeat is filtered once more. `M_in`/`M_route` are the mode's 2×2 routing matrices: stereo `I`/`I`; ping-pong feeds
//! `(L+R)/2` into the left line only and crosses the feedback (`SWAP`), so echoes alternate
//! left, right, left…; mono feeds `(L+R)/2` into both lines with straight feedback. Mode
//! switches ramp the matrices over [`SWITCH_MS`], freeze ramps `f` (which also ramps the
//! loop filters out and bypasses the saturator: the loop holds exactly at `f = 1`), and
//! feedback and drive ramp over 20 ms, so no control clicks. Only the recirculated part is
//! saturated: the first echo is the input, untouched up to −1 dBFS; once the input stops
//! every written sample is below the saturator's ceiling (−1 dBFS), even at 120 % feedback,
//! and the write limiter keeps anything written below full scale. The same limiter on the
//! wet output catches the interpolator's overshoot between samples (at most 1.25× for a
//! fractional delay), so the echoes never reach full scale.
//!
//! ## Block processing
//! The loop is computed in chunks of at most [`CHUNK`] samples and never longer than the
//! shortest delay minus the interpolator's look-ahead (allowing for a glide shortening
//! it), so every sample a chunk reads was written before the chunk starts. Each stage then
//! runs over the whole chunk: the heads read straight into the output buffers, as slice
//! copies (integer delay) or with one set of Hermite weights (fixed fractional delay)
//! unless the time glides or is modulated; the routing, feedback and saturator passes are
//! branch-free loops over both lanes; only the recursive filters are sample-serial (both
//! lanes interleaved). Filter coefficients are recomputed once per chunk and only while a
//! cutoff moves (their two-step form is cached, see [`ChainCoefficientCache`]). When
//! nothing ramps, the loop is not frozen and the routing is stereo, scale, saturator, write
//! limiter and the silence scan are one pass that writes straight into the line (the same
//! arithmetic). The saturator and both limiters are exactly the identity below their knees
//! (`|S(x)| = |x|`, sign restored by `copysign`), so a chunk whose peaks keep them there —
//! bounded with IEEE rounding's monotonicity, one test per chunk and lane — skips their
//! divisions: the same samples for a fraction of the cost. On x86_64
//! with AVX the whole block loop is compiled for AVX (element-wise, so the same results;
//! the kernel choice comes from [`crate::simd`]).
//!
//! ## Silence
//! The engine tracks how long everything it wrote stayed below [`QUIET_LEVEL`]
//! (−160 dBFS). Once that covers the longest reachable delay, nothing audible can come
//! out any more ([`EchoEngine::is_quiet`]). [`EchoEngine::tail_samples`] estimates the
//! ring-out from the feedback gain: the filters' magnitude responses are ≤ 1 and the
//! saturator never amplifies, so each pass through the loop scales the energy by at most
//! `g`, and `⌈ln(QUIET_LEVEL)/ln g⌉` passes bring a full-scale echo to −160 dB.

use crate::blocks::delay_line::{DelayLine, MIN_DELAY};
use crate::blocks::filter::{ChainCoefficientCache, Svf, SvfCoefficients};
use crate::blocks::smoothing::{LinearRamp, Matrix2, RampedMatrix2};
use crate::delay::modulation::{WowFlutter, FLUTTER_MAX_MS, WOW_MAX_MS};
use crate::delay::saturator;
use crate::delay::time_change::{HeadCrossfade, TapeGlide, TimeChangeMode, MAX_GLIDE_RATE};
use crate::simd::Simd;

/// Longest chunk the loop computes at once.
pub const CHUNK: usize = 256;
/// Longest delay time (seconds) the engine offers.
pub const MAX_DELAY_SECONDS: f64 = 4.0;
/// Ramp time of mode switches, freeze and the loop filters' on/off switches.
pub const SWITCH_MS: f32 = 50.0;
/// Ramp time of feedback and drive.
pub const RAMP_MS: f32 = 20.0;
/// Level below which the loop counts as silent (−160 dBFS).
pub const QUIET_LEVEL: f32 = 1e-8;
/// Q of the loop filters (Butterworth, 12 dB/oct).
pub const FILTER_Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Line length: the longest delay plus the full modulation excursion plus 1 ms.
const LINE_SECONDS: f64 = MAX_DELAY_SECONDS + (WOW_MAX_MS + FLUTTER_MAX_MS) as f64 * 1e-3 + 1e-3;
/// Per chunk a moving cutoff changes by at most this factor (a quarter octave per 5.3 ms at 48 kHz).
const CUTOFF_STEP: f32 = 1.189_207_1; // 2^(1/4)

/// Stereo routing of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoMode {
    /// Left echoes left, right echoes right.
    Stereo,
    /// The input's mono sum starts on the left; each repeat changes side.
    PingPong,
    /// The input's mono sum, the same echoes on both sides.
    Mono,
}

impl EchoMode {
    /// `M_in` of the module docs.
    pub fn input_matrix(self) -> Matrix2 {
        match self {
            EchoMode::Stereo => Matrix2::IDENTITY,
            EchoMode::PingPong => Matrix2::new(0.5, 0.5, 0.0, 0.0),
            EchoMode::Mono => Matrix2::new(0.5, 0.5, 0.5, 0.5),
        }
    }

    /// `M_route` of the module docs.
    pub fn route_matrix(self) -> Matrix2 {
        match self {
            EchoMode::PingPong => Matrix2::SWAP,
            EchoMode::Stereo | EchoMode::Mono => Matrix2::IDENTITY,
        }
    }
}

/// Everything the engine is told per block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EchoSettings {
    /// Delay per lane in samples (clamped to what the line holds).
    pub delay_samples: [f64; 2],
    /// How time changes sound.
    pub time_change: TimeChangeMode,
    /// Routing.
    pub mode: EchoMode,
    /// Loop gain, 0..1.2 (above 1 the saturator bounds the self-oscillation).
    pub feedback: f32,
    /// Loop high-pass on/off and cutoff (Hz).
    pub low_cut_on: bool,
    /// High-pass cutoff.
    pub low_cut_hz: f32,
    /// Loop low-pass on/off.
    pub high_cut_on: bool,
    /// Low-pass cutoff.
    pub high_cut_hz: f32,
    /// Saturator drive in dB (≥ 0).
    pub drive_db: f32,
    /// Wow depth 0..1 and rate.
    pub wow_depth: f32,
    /// Wow rate (Hz).
    pub wow_rate_hz: f32,
    /// Flutter depth 0..1.
    pub flutter_depth: f32,
    /// Flutter rate (Hz).
    pub flutter_rate_hz: f32,
    /// Hold the loop, mute new input.
    pub freeze: bool,
}

impl Default for EchoSettings {
    fn default() -> Self {
        Self {
            delay_samples: [18_000.0; 2],
            time_change: TimeChangeMode::Tape,
            mode: EchoMode::Stereo,
            feedback: 0.4,
            low_cut_on: false,
            low_cut_hz: 100.0,
            high_cut_on: false,
            high_cut_hz: 8000.0,
            drive_db: 0.0,
            wow_depth: 0.0,
            wow_rate_hz: 0.6,
            flutter_depth: 0.0,
            flutter_rate_hz: 7.0,
            freeze: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterKind {
    HighPass,
    LowPass,
}

/// One switchable loop filter for both lanes with a gliding cutoff.
#[derive(Debug, Clone)]
struct LoopFilter {
    kind: FilterKind,
    sample_rate: f32,
    svf: [Svf; 2],
    mix: LinearRamp,
    hz: f32,
    target_hz: f32,
}

impl LoopFilter {
    fn new(kind: FilterKind, hz: f32) -> Self {
        let mut f = Self {
            kind,
            sample_rate: 48_000.0,
            svf: [Svf::new(), Svf::new()],
            mix: LinearRamp::new(),
            hz,
            target_hz: hz,
        };
        f.mix.set_ramp_time_ms(SWITCH_MS);
        f.update();
        f
    }

    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.mix.prepare(sample_rate, max_block);
        self.update();
        self.reset();
    }

    fn reset(&mut self) {
        self.svf[0].reset();
        self.svf[1].reset();
    }

    fn update(&mut self) {
        let c = SvfCoefficients::new(self.hz, FILTER_Q, self.sample_rate);
        self.svf[0].set_coefficients(c);
        self.svf[1].set_coefficients(c);
    }

    fn set(&mut self, on: bool, hz: f32) {
        if hz.is_finite() && hz > 0.0 {
            self.target_hz = hz;
        }
        let mix = if on { 1.0 } else { 0.0 };
        if self.mix.target() != mix {
            if self.mix.current() == 0.0 {
                // Coming in from bypass: start from rest.
                self.reset();
            }
            self.mix.set_target(mix);
        }
    }

    fn snap(&mut self) {
        self.mix.reset(self.mix.target());
        if self.hz != self.target_hz {
            self.hz = self.target_hz;
            self.update();
        }
    }

    /// Moves the cutoff one step towards its target (once per chunk).
    fn glide(&mut self) {
        if self.hz != self.target_hz {
            let ratio = (self.target_hz / self.hz).clamp(1.0 / CUTOFF_STEP, CUTOFF_STEP);
            let next = self.hz * ratio;
            self.hz = if (next / self.target_hz - 1.0).abs() < 1e-4 {
                self.target_hz
            } else {
                next
            };
            self.update();
        }
    }

    /// Fully in and not ramping.
    fn is_full(&self) -> bool {
        !self.mix.is_ramping() && self.mix.current() == 1.0
    }

    /// Fully out (bypassed) and not ramping.
    fn is_off(&self) -> bool {
        !self.mix.is_ramping() && self.mix.current() == 0.0
    }

    #[inline(always)]
    fn tick(kind: FilterKind, svf: &mut Svf, x: f32) -> f32 {
        match kind {
            FilterKind::HighPass => svf.process_high(x),
            FilterKind::LowPass => svf.process_low(x),
        }
    }

    fn apply(&mut self, y: &mut [[f32; CHUNK]; 2], len: usize) {
        let ramping = self.mix.is_ramping();
        if !ramping && self.mix.current() == 0.0 {
            return;
        }
        let [a, b] = y;
        let [s0, s1] = &mut self.svf;
        let kind = self.kind;
        if !ramping {
            match kind {
                FilterKind::HighPass => {
                    for (l, r) in a[..len].iter_mut().zip(&mut b[..len]) {
                        *l = s0.process_high(*l);
                        *r = s1.process_high(*r);
                    }
                }
                FilterKind::LowPass => {
                    for (l, r) in a[..len].iter_mut().zip(&mut b[..len]) {
                        *l = s0.process_low(*l);
                        *r = s1.process_low(*r);
                    }
                }
            }
        } else {
            for (l, r) in a[..len].iter_mut().zip(&mut b[..len]) {
                let m = self.mix.next();
                let fl = Self::tick(kind, s0, *l);
                let fr = Self::tick(kind, s1, *r);
                *l += m * (fl - *l);
                *r += m * (fr - *r);
            }
        }
    }
}

/// Reads one head for a chunk: static (slice/Hermite weights) or per sample with `offset`.
#[inline(always)]
fn read_head(
    line: &DelayLine,
    lane: usize,
    base: usize,
    delay: f64,
    offset: Option<&[f32]>,
    out: &mut [f32],
) {
    match offset {
        None => line.read_fixed(lane, base, delay, out),
        Some(m) => {
            for (i, (o, m)) in out.iter_mut().zip(m).enumerate() {
                *o = line.read_at(lane, base + i, delay + *m as f64);
            }
        }
    }
}

/// The stereo echo engine; see the module docs.
#[derive(Debug, Clone)]
pub struct EchoEngine {
    sample_rate: f32,
    line: DelayLine,
    glide: [TapeGlide; 2],
    fade: HeadCrossfade,
    active_mode: TimeChangeMode,
    requested_mode: TimeChangeMode,
    targets: [f64; 2],
    input_matrix: RampedMatrix2,
    route_matrix: RampedMatrix2,
    feedback: LinearRamp,
    freeze: LinearRamp,
    drive: LinearRamp,
    low_cut: LoopFilter,
    high_cut: LoopFilter,
    modulation: WowFlutter,
    quiet_samples: u64,
    other: [[f32; CHUNK]; 2],
    xin: [[f32; CHUNK]; 2],
    fb: [[f32; CHUNK]; 2],
    offset: [f32; CHUNK],
    /// The loop filters' two-step coefficients, derived again only when a cutoff moves.
    chain_cache: ChainCoefficientCache,
    /// Kernel choice (see [`crate::simd`]), fixed at creation.
    simd: Simd,
    /// Tests turn the fused pass off to check it against the stage-by-stage path.
    #[cfg(test)]
    fused_pass: bool,
}

impl Default for EchoEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl EchoEngine {
    /// An engine for up to [`MAX_DELAY_SECONDS`]; allocates in [`prepare`](Self::prepare).
    pub fn new() -> Self {
        let mut e = Self {
            sample_rate: 48_000.0,
            line: DelayLine::new(LINE_SECONDS),
            glide: [TapeGlide::new(), TapeGlide::new()],
            fade: HeadCrossfade::new(),
            active_mode: TimeChangeMode::Tape,
            requested_mode: TimeChangeMode::Tape,
            targets: [MIN_DELAY; 2],
            input_matrix: RampedMatrix2::new(),
            route_matrix: RampedMatrix2::new(),
            feedback: LinearRamp::new(),
            freeze: LinearRamp::new(),
            drive: LinearRamp::new(),
            low_cut: LoopFilter::new(FilterKind::HighPass, 100.0),
            high_cut: LoopFilter::new(FilterKind::LowPass, 8000.0),
            modulation: WowFlutter::new(),
            quiet_samples: 0,
            other: [[0.0; CHUNK]; 2],
            xin: [[0.0; CHUNK]; 2],
            fb: [[0.0; CHUNK]; 2],
            offset: [0.0; CHUNK],
            chain_cache: ChainCoefficientCache::new(),
            simd: Simd::current(),
            #[cfg(test)]
            fused_pass: true,
        };
        e.input_matrix.set_ramp_time_ms(SWITCH_MS);
        e.route_matrix.set_ramp_time_ms(SWITCH_MS);
        e.freeze.set_ramp_time_ms(SWITCH_MS);
        e.feedback.set_ramp_time_ms(RAMP_MS);
        e.drive.set_ramp_time_ms(RAMP_MS);
        e.drive.reset(1.0);
        e
    }

    /// Allocates the line for `sample_rate` and prepares every part; clears the state.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        self.line.prepare(sample_rate, max_block);
        for g in &mut self.glide {
            g.prepare(sample_rate, max_block);
        }
        self.fade.prepare(sample_rate, max_block);
        self.input_matrix.prepare(sample_rate, max_block);
        self.route_matrix.prepare(sample_rate, max_block);
        self.feedback.prepare(sample_rate, max_block);
        self.freeze.prepare(sample_rate, max_block);
        self.drive.prepare(sample_rate, max_block);
        self.low_cut.prepare(sample_rate, max_block);
        self.high_cut.prepare(sample_rate, max_block);
        self.modulation.prepare(sample_rate, max_block);
        self.reset();
    }

    /// Runs the kernels of `simd` from now on (default [`Simd::current`]); e.g.
    /// `Simd::scalar()` to run the portable path.
    pub fn set_simd(&mut self, simd: Simd) {
        self.simd = simd;
    }

    /// Clears the signal state (the line and the filters); settings and head positions stay.
    pub fn reset(&mut self) {
        self.line.reset();
        self.low_cut.reset();
        self.high_cut.reset();
        self.quiet_samples = u64::MAX / 2;
    }

    /// Longest delay the line holds (samples), before modulation.
    pub fn max_delay_samples(&self) -> f64 {
        (MAX_DELAY_SECONDS * self.sample_rate as f64).min(self.line.max_delay_samples())
    }

    /// Takes new settings; everything moves there smoothly.
    pub fn set(&mut self, s: &EchoSettings) {
        let max = self.max_delay_samples();
        for (c, d) in s.delay_samples.iter().enumerate() {
            let d = if d.is_finite() { *d } else { MIN_DELAY };
            self.targets[c] = d.clamp(MIN_DELAY, max);
            self.glide[c].set_target(self.targets[c]);
        }
        self.fade.set_target(self.targets);
        self.requested_mode = s.time_change;
        self.input_matrix.set_target(s.mode.input_matrix());
        self.route_matrix.set_target(s.mode.route_matrix());
        self.feedback.set_target(s.feedback.clamp(0.0, 1.2));
        self.freeze.set_target(if s.freeze { 1.0 } else { 0.0 });
        self.drive.set_target(saturator::drive_gain(s.drive_db));
        self.low_cut.set(s.low_cut_on && !s.freeze, s.low_cut_hz);
        self.high_cut.set(s.high_cut_on && !s.freeze, s.high_cut_hz);
        self.modulation.set(
            s.wow_depth,
            s.wow_rate_hz,
            s.flutter_depth,
            s.flutter_rate_hz,
        );
    }

    /// Takes new settings and jumps there: no glide, ramp or fade (after a reset, or while
    /// nothing sounds).
    pub fn snap(&mut self, s: &EchoSettings) {
        self.set(s);
        self.active_mode = self.requested_mode;
        for c in 0..2 {
            self.glide[c].reset(self.targets[c]);
        }
        self.fade.reset(self.targets);
        self.input_matrix.reset(self.input_matrix.target());
        self.route_matrix.reset(self.route_matrix.target());
        self.feedback.reset(self.feedback.target());
        self.freeze.reset(self.freeze.target());
        self.drive.reset(self.drive.target());
        self.low_cut.snap();
        self.high_cut.snap();
        self.modulation.snap();
    }

    /// The delays the heads are at now (the sounding head in fade mode), in samples.
    pub fn current_delays(&self) -> [f64; 2] {
        match self.active_mode {
            TimeChangeMode::Tape => [self.glide[0].value(), self.glide[1].value()],
            TimeChangeMode::Fade => self.fade.current(),
        }
    }

    /// The farthest back any read can reach from now on (samples).
    pub fn reach_samples(&self) -> f64 {
        let mut d = self.targets[0].max(self.targets[1]);
        for c in 0..2 {
            d = d
                .max(self.glide[c].value())
                .max(self.fade.from()[c])
                .max(self.fade.current()[c]);
        }
        d + self.modulation.max_offset_samples() as f64 + 4.0
    }

    /// True once everything the heads can still read is below [`QUIET_LEVEL`].
    pub fn is_quiet(&self) -> bool {
        self.quiet_samples as f64 > self.reach_samples()
    }

    /// Frozen or ramping into/out of freeze.
    pub fn is_frozen(&self) -> bool {
        self.freeze.current() > 0.0 || self.freeze.is_ramping()
    }

    /// Ring-out estimate in samples (see the module docs); `None` = endless (freeze, or
    /// feedback at or above 100 %).
    pub fn tail_samples(&self) -> Option<u64> {
        let g = self.feedback.current().max(self.feedback.target());
        if self.is_frozen() || g >= 1.0 {
            return None;
        }
        let passes = if g <= 1e-6 {
            1.0
        } else {
            (QUIET_LEVEL.ln() / g.ln()).ceil() as f64 + 1.0
        };
        Some((self.reach_samples() * passes) as u64 + self.fade.len_samples() as u64)
    }

    fn chunk_limit(&self) -> usize {
        let (mut d_min, mut rate) = (f64::MAX, 0.0);
        match self.active_mode {
            TimeChangeMode::Tape => {
                for g in &self.glide {
                    d_min = d_min.min(g.value());
                    if g.is_moving() {
                        rate = MAX_GLIDE_RATE;
                    }
                }
            }
            TimeChangeMode::Fade => {
                for c in 0..2 {
                    d_min = d_min.min(self.fade.current()[c]);
                    if self.fade.is_fading() {
                        d_min = d_min.min(self.fade.from()[c]);
                    }
                }
            }
        }
        if self.modulation.is_active() {
            // Depth ramps and LFO slopes shorten the delay by well under 0.25 sample/sample.
            rate += 0.25;
        }
        (((d_min - 3.0) / (1.0 + rate)).floor().max(1.0) as usize).min(CHUNK)
    }

    fn begin_chunk(&mut self) {
        if self.requested_mode != self.active_mode && !self.fade.is_fading() {
            match self.requested_mode {
                TimeChangeMode::Fade => {
                    self.fade
                        .reset([self.glide[0].value(), self.glide[1].value()]);
                    self.fade.set_target(self.targets);
                }
                TimeChangeMode::Tape => {
                    let at = self.fade.current();
                    for ((g, at), target) in self.glide.iter_mut().zip(at).zip(self.targets) {
                        g.reset(at);
                        g.set_target(target);
                    }
                }
            }
            self.active_mode = self.requested_mode;
        }
        if self.active_mode == TimeChangeMode::Fade {
            self.fade.update();
        }
        self.low_cut.glide();
        self.high_cut.glide();
    }

    /// Runs the loop over one block: `input` in, the wet signal (what the heads play) out.
    /// All four slices have the same length.
    pub fn process(&mut self, in_l: &[f32], in_r: &[f32], out_l: &mut [f32], out_r: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if self.simd.has_avx() {
            // SAFETY: a `Simd` with AVX exists only on CPUs that have it.
            unsafe { self.process_avx(in_l, in_r, out_l, out_r) };
            return;
        }
        self.process_blocks(in_l, in_r, out_l, out_r);
    }

    /// [`process`](Self::process) compiled for AVX: the block loops (saturator, limiter,
    /// reads) run eight lanes wide. Element-wise arithmetic only (no fused multiply-add), so
    /// the results are the same as without AVX.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn process_avx(
        &mut self,
        in_l: &[f32],
        in_r: &[f32],
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        self.process_blocks(in_l, in_r, out_l, out_r);
    }

    #[inline(always)]
    fn process_blocks(&mut self, in_l: &[f32], in_r: &[f32], out_l: &mut [f32], out_r: &mut [f32]) {
        let n = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
        let mut start = 0;
        while start < n {
            self.begin_chunk();
            let len = self.chunk_limit().min(n - start);
            let end = start + len;
            let (out_l, out_r) = (&mut out_l[start..end], &mut out_r[start..end]);
            self.process_chunk(&in_l[start..end], &in_r[start..end], [out_l, out_r]);
            limit_in_place(out_l);
            limit_in_place(out_r);
            start = end;
        }
    }

    /// The heads' samples for the chunk into `y` (both `len` long).
    #[inline(always)]
    fn read(&mut self, len: usize, y: [&mut [f32]; 2]) {
        let base = self.line.write_index();
        let modulated = self.modulation.is_active();
        if modulated {
            self.modulation.fill(&mut self.offset[..len]);
        }
        let offset = modulated.then_some(&self.offset[..len]);
        match self.active_mode {
            TimeChangeMode::Tape => {
                for (c, out) in y.into_iter().enumerate() {
                    let g = &mut self.glide[c];
                    if !g.is_moving() {
                        read_head(&self.line, c, base, g.value(), offset, out);
                    } else {
                        for (i, o) in out.iter_mut().enumerate() {
                            let m = offset.map_or(0.0, |m| m[i] as f64);
                            *o = self.line.read_at(c, base + i, g.next() + m);
                        }
                    }
                }
            }
            TimeChangeMode::Fade => {
                let (to, from) = (self.fade.current(), self.fade.from());
                let fading = self.fade.is_fading();
                for c in 0..2 {
                    read_head(&self.line, c, base, to[c], offset, &mut *y[c]);
                    if fading {
                        read_head(
                            &self.line,
                            c,
                            base,
                            from[c],
                            offset,
                            &mut self.other[c][..len],
                        );
                    }
                }
                if fading {
                    let [yl, yr] = y;
                    let [ol, or] = &self.other;
                    for ((l, r), (old_l, old_r)) in
                        yl.iter_mut().zip(yr.iter_mut()).zip(ol.iter().zip(or))
                    {
                        let g = self.fade.next_gain();
                        *l = old_l + g * (*l - old_l);
                        *r = old_r + g * (*r - old_r);
                    }
                }
            }
        }
    }

    /// One chunk of the loop; `y` receives what the heads play (before the output limiter).
    #[inline(always)]
    fn process_chunk(&mut self, in_l: &[f32], in_r: &[f32], y: [&mut [f32]; 2]) {
        let len = in_l.len();
        let [yl, yr] = y;
        self.read(len, [&mut *yl, &mut *yr]);
        let (yl, yr) = (&*yl, &*yr);

        // The common case (nothing ramps, no freeze, stereo routing) takes one fused pass from
        // the filtered read to the line: `w = L(x + S_d(g·y'))`, the same arithmetic as the
        // general path below, which runs the stages one after the other.
        let frozen = self.is_frozen();
        #[cfg(test)]
        let allowed = self.fused_pass;
        #[cfg(not(test))]
        let allowed = true;
        let fused = allowed
            && !frozen
            && !self.feedback.is_ramping()
            && !self.drive.is_ramping()
            && is_static_identity(&self.input_matrix)
            && is_static_identity(&self.route_matrix);
        let unfiltered = self.low_cut.is_off() && self.high_cut.is_off();

        // Feedback path: loop filters, then the routing matrix.
        if self.low_cut.is_full() && self.high_cut.is_full() {
            // Both filters, both channels as four SIMD lanes, the low-passes skewed behind the
            // high-passes (one dependency chain instead of four), straight from `y` to `fb`.
            let [fl, fr] = &mut self.fb;
            crate::blocks::filter::highpass_then_lowpass_stereo_cached_into(
                self.simd,
                &mut self.low_cut.svf,
                &mut self.high_cut.svf,
                &mut self.chain_cache,
                (&yl[..len], &yr[..len]),
                (&mut fl[..len], &mut fr[..len]),
            );
        } else if !(fused && unfiltered) {
            self.fb[0][..len].copy_from_slice(yl);
            self.fb[1][..len].copy_from_slice(yr);
            self.low_cut.apply(&mut self.fb, len);
            self.high_cut.apply(&mut self.fb, len);
        }

        if fused {
            let g = self.feedback.current();
            let d = self.drive.current();
            let fb = if unfiltered {
                [yl, yr]
            } else {
                [&self.fb[0][..len], &self.fb[1][..len]]
            };
            let inputs = [in_l, in_r];
            let mut peak = 0.0f32;
            for (c, (head, wrapped)) in self.line.next_segments(len).into_iter().enumerate() {
                let (x, f) = (&inputs[c][..len], &fb[c][..len]);
                let first = head.len();
                if fused_is_linear(x, f, g, d) {
                    peak = fused_write::<true>(head, &x[..first], &f[..first], g, d, peak);
                    peak = fused_write::<true>(wrapped, &x[first..], &f[first..], g, d, peak);
                } else {
                    peak = fused_write::<false>(head, &x[..first], &f[..first], g, d, peak);
                    peak = fused_write::<false>(wrapped, &x[first..], &f[first..], g, d, peak);
                }
            }
            self.line.advance(len);
            self.update_quiet(peak, len);
            return;
        }

        let [fl, fr] = &mut self.fb;
        self.route_matrix.process(&mut fl[..len], &mut fr[..len]);

        // Input routing.
        let [xl, xr] = &mut self.xin;
        xl[..len].copy_from_slice(in_l);
        xr[..len].copy_from_slice(in_r);
        self.input_matrix.process(&mut xl[..len], &mut xr[..len]);

        // Scale, saturate and add the recirculated part (the result lands in `xin`, then
        // goes into the line).
        if !frozen && !self.feedback.is_ramping() && !self.drive.is_ramping() {
            let g = self.feedback.current();
            let d = self.drive.current();
            for c in 0..2 {
                let (x, f) = (&mut self.xin[c][..len], &mut self.fb[c][..len]);
                for v in f.iter_mut() {
                    *v *= g;
                }
                saturator::process_block(f, d, 1.0 / d);
                for (x, f) in x.iter_mut().zip(f.iter()) {
                    *x = saturator::limit(*x + *f);
                }
            }
        } else {
            for i in 0..len {
                let g = self.feedback.next();
                let f = self.freeze.next();
                let d = self.drive.next();
                let inv_d = 1.0 / d;
                let g_loop = g + f * (1.0 - g);
                for c in 0..2 {
                    let u = g_loop * self.fb[c][i];
                    let s = saturator::soft_clip(u * d) * inv_d;
                    let v = saturator::limit((1.0 - f) * self.xin[c][i] + s);
                    self.xin[c][i] = v + f * (u - v);
                }
            }
        }

        let peak = peak_abs(&self.xin[1][..len], peak_abs(&self.xin[0][..len], 0.0));
        self.update_quiet(peak, len);
        let [wl, wr] = &self.xin;
        self.line.write_block(&wl[..len], &wr[..len]);
    }

    fn update_quiet(&mut self, peak: f32, len: usize) {
        self.quiet_samples = if peak < QUIET_LEVEL {
            self.quiet_samples.saturating_add(len as u64)
        } else {
            0
        };
    }
}

/// `w = L(x + S_d(g·f))` (drive `d`) into `out`; returns `max(peak, max |w|)`. With
/// `LINEAR` the caller has checked ([`fused_is_linear`]) that neither the saturator nor the
/// limiter leaves its linear range in this chunk, where both are exactly the identity, so
/// `w = x + g·f` (the same arithmetic, the same samples) without the two divisions.
#[inline(always)]
fn fused_write<const LINEAR: bool>(
    out: &mut [f32],
    x: &[f32],
    f: &[f32],
    g: f32,
    d: f32,
    peak: f32,
) -> f32 {
    if d == 1.0 {
        for ((w, x), f) in out.iter_mut().zip(x).zip(f) {
            *w = if LINEAR {
                *x + *f * g
            } else {
                saturator::limit(*x + saturator::soft_clip(*f * g))
            };
        }
    } else {
        let inv_d = 1.0 / d;
        for ((w, x), f) in out.iter_mut().zip(x).zip(f) {
            *w = if LINEAR {
                *x + (*f * g * d) * inv_d
            } else {
                saturator::limit(*x + saturator::soft_clip(*f * g * d) * inv_d)
            };
        }
    }
    peak_abs(out, peak)
}

/// True when, for every sample of the chunk, `S_d(g·f)` and the limiter `L` of
/// [`fused_write`] stay at or below their knees, where each is exactly the identity
/// (`S(x) = x` for `|x| ≤ T`: the `copysign` of `|x|` gives `x` back bit for bit). Bounds
/// from the chunk's peaks: IEEE rounding is monotonic, so `|x| ≤ P` gives
/// `|fl(x·g)| ≤ fl(P·g)` for `g ≥ 0` and `|fl(a + b)| ≤ fl(P_a + P_b)`, and the bounds below
/// follow the very operations [`fused_write`] does. A per-chunk test, no per-sample branch.
#[inline(always)]
fn fused_is_linear(x: &[f32], f: &[f32], g: f32, d: f32) -> bool {
    let (px, pf) = (peak_abs(x, 0.0), peak_abs(f, 0.0));
    let (driven, s) = if d == 1.0 {
        let u = pf * g;
        (u, u)
    } else {
        let u = pf * g * d;
        (u, u * (1.0 / d))
    };
    driven <= saturator::KNEE && px + s <= saturator::LIMIT_KNEE
}

/// `y ← L(y)` (the wet output's limiter, in place: the heads read straight into the output).
/// When the chunk's peak is at or below the limiter's knee, `L` is exactly the identity there
/// (see [`fused_is_linear`]) and nothing is left to do; the test is one per chunk.
#[inline(always)]
fn limit_in_place(y: &mut [f32]) {
    if peak_abs(y, 0.0) > saturator::LIMIT_KNEE {
        for v in y.iter_mut() {
            *v = saturator::limit(*v);
        }
    }
}

/// Not ramping and exactly the identity (its `process` leaves the samples untouched).
fn is_static_identity(m: &RampedMatrix2) -> bool {
    !m.is_ramping() && m.current() == Matrix2::IDENTITY
}

/// `max(init, max |x|)` with eight running maxima (vectorises; the same result as a serial
/// `fold` since `max` is order-independent).
#[inline(always)]
fn peak_abs(x: &[f32], init: f32) -> f32 {
    // `if a > m { a } else { m }` is one `maxps` (`f32::max` adds a NaN blend): the same
    // result, since a NaN sample compares false and leaves the running maximum, as
    // `f32::max` does, and the running maxima start finite.
    let max = |m: f32, a: f32| if a > m { a } else { m };
    let mut m = [init; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (m, v) in m.iter_mut().zip(c) {
            *m = max(*m, v.abs());
        }
    }
    let tail = chunks.remainder().iter().fold(init, |m, v| max(m, v.abs()));
    m.iter().fold(tail, |a, b| max(a, *b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn flat(delay: f64, feedback: f32) -> EchoSettings {
        EchoSettings {
            delay_samples: [delay; 2],
            feedback,
            ..EchoSettings::default()
        }
    }

    fn engine(s: &EchoSettings) -> EchoEngine {
        let mut e = EchoEngine::new();
        e.prepare(FS, 512);
        e.snap(s);
        e
    }

    /// Runs `l`/`r` through in blocks of 512; returns the wet outputs.
    fn run(e: &mut EchoEngine, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut ol, mut or) = (vec![0.0; l.len()], vec![0.0; l.len()]);
        for s in (0..l.len()).step_by(512) {
            let t = (s + 512).min(l.len());
            e.process(&l[s..t], &r[s..t], &mut ol[s..t], &mut or[s..t]);
        }
        (ol, or)
    }

    fn impulse(len: usize, at: usize, v: f32) -> Vec<f32> {
        let mut x = vec![0.0; len];
        x[at] = v;
        x
    }

    #[test]
    fn impulse_arrives_on_the_exact_sample() {
        for delay in [4.0, 5.0, 63.0, 64.0, 1000.0, 18_000.0] {
            let mut e = engine(&flat(delay, 0.0));
            let x = impulse(20_000, 100, 0.5);
            let (l, r) = run(&mut e, &x, &x);
            for (i, (a, b)) in l.iter().zip(&r).enumerate() {
                let want = if i == 100 + delay as usize { 0.5 } else { 0.0 };
                assert_eq!((*a, *b), (want, want), "delay {delay}, sample {i}");
            }
        }
    }

    /// The fused pass gives the same samples as the stage-by-stage path, bit for bit, with
    /// and without filters and drive, across time changes and mode switches (which fall
    /// back to the stage path while they ramp).
    #[test]
    fn fused_pass_matches_the_stage_path() {
        let noise: Vec<f32> = (0..60_000u32)
            .map(|n| ((n.wrapping_mul(2_654_435_761) >> 8) as f32 / (1u32 << 24) as f32) - 0.5)
            .collect();
        for (low, high, drive_db, feedback) in [
            (false, false, 0.0, 0.4),
            (true, true, 0.0, 0.4),
            (true, false, 6.0, 0.9),
            (false, true, 0.0, 1.1),
            (true, true, 12.0, 1.2),
        ] {
            let s = EchoSettings {
                low_cut_on: low,
                high_cut_on: high,
                drive_db,
                ..flat(1234.5, feedback)
            };
            let play = |e: &mut EchoEngine| {
                let (mut out_l, mut out_r) = (vec![0.0; noise.len()], vec![0.0; noise.len()]);
                for (b, start) in (0..noise.len()).step_by(500).enumerate() {
                    match b {
                        40 => e.set(&EchoSettings {
                            mode: EchoMode::PingPong,
                            ..s
                        }),
                        70 => e.set(&EchoSettings {
                            delay_samples: [700.0, 900.25],
                            ..s
                        }),
                        _ => {}
                    }
                    let end = (start + 500).min(noise.len());
                    let r: Vec<f32> = noise[start..end].iter().map(|v| -0.7 * v).collect();
                    e.process(
                        &noise[start..end],
                        &r,
                        &mut out_l[start..end],
                        &mut out_r[start..end],
                    );
                }
                (out_l, out_r)
            };
            let fused = play(&mut engine(&s));
            let mut staged = engine(&s);
            staged.fused_pass = false;
            let staged = play(&mut staged);
            assert!(fused.0.iter().any(|v| v.abs() > 0.1));
            assert_eq!(fused, staged, "{low} {high} {drive_db} {feedback}");
        }
    }

    /// Every SIMD level against the scalar path, with time changes, a mode switch and
    /// wow/flutter. The engine's own loops are element-wise (the AVX build only widens them),
    /// so without the loop filters every level must match bit for bit, and with them every
    /// level without FMA too (the filter chain's SSE2 kernel is the scalar arithmetic in the
    /// same order). With FMA the filter chain rounds differently: at most 3e-5 per unit
    /// 0.5 of level per pass (derived in `blocks::filter`'s agreement test), and each pass
    /// through a loop of gain `g < 1` (filters and saturator never amplify) scales what came
    /// before by `g`, so the difference stays below `6e-5 · peak / (1 − g)`.
    #[test]
    fn simd_kernels_agree_with_scalar() {
        let noise: Vec<f32> = (0..40_000u32)
            .map(|n| ((n.wrapping_mul(2_654_435_761) >> 8) as f32 / (1u32 << 24) as f32) - 0.5)
            .collect();
        let cases = [
            (false, false, 0.0, 0.4, 0.0),
            (false, false, 6.0, 1.1, 0.5),
            (true, true, 0.0, 0.4, 0.0),
            (true, false, 6.0, 0.9, 0.3),
            (true, true, 12.0, 0.8, 0.5),
        ];
        for simd in crate::simd::levels_to_compare("echo engine") {
            for (low, high, drive_db, feedback, wow) in cases {
                let s = EchoSettings {
                    low_cut_on: low,
                    high_cut_on: high,
                    drive_db,
                    wow_depth: wow,
                    flutter_depth: wow,
                    ..flat(1234.5, feedback)
                };
                let play = |simd: Simd| {
                    let mut e = engine(&s);
                    e.set_simd(simd);
                    let (mut out_l, mut out_r) = (vec![0.0; noise.len()], vec![0.0; noise.len()]);
                    for (b, start) in (0..noise.len()).step_by(500).enumerate() {
                        match b {
                            30 => e.set(&EchoSettings {
                                mode: EchoMode::PingPong,
                                ..s
                            }),
                            50 => e.set(&EchoSettings {
                                delay_samples: [700.0, 900.25],
                                ..s
                            }),
                            _ => {}
                        }
                        let end = (start + 500).min(noise.len());
                        let r: Vec<f32> = noise[start..end].iter().map(|v| -0.7 * v).collect();
                        e.process(
                            &noise[start..end],
                            &r,
                            &mut out_l[start..end],
                            &mut out_r[start..end],
                        );
                    }
                    [out_l, out_r].concat()
                };
                let (scalar, vector) = (play(Simd::scalar()), play(simd));
                assert!(scalar.iter().any(|v| v.abs() > 0.1));
                let case = format!("{simd:?} {low} {high} {drive_db} {feedback} {wow}");
                if simd.has_avx_fma() && (low || high) {
                    let peak = scalar.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                    let tolerance = 6e-5 * peak / (1.0 - feedback);
                    let worst = scalar
                        .iter()
                        .zip(&vector)
                        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
                    assert!(worst <= tolerance, "{case}: {worst} > {tolerance}");
                    eprintln!("{case}: largest difference from scalar {worst:e}");
                } else {
                    assert!(scalar == vector, "{case}: differs from scalar");
                }
            }
        }
    }

    #[test]
    fn unity_feedback_holds_the_level_exactly() {
        let d = 1000.0;
        let mut e = engine(&flat(d, 1.0));
        let x = impulse(20_000, 0, 0.25);
        let (l, _) = run(&mut e, &x, &x);
        for k in 1..20 {
            assert_eq!(l[k * 1000], 0.25, "repeat {k}");
        }
        assert!(e.tail_samples().is_none());
    }

    #[test]
    fn feedback_above_unity_is_bounded() {
        let mut e = engine(&EchoSettings {
            drive_db: 0.0,
            high_cut_on: true,
            ..flat(480.0, 1.2)
        });
        let x: Vec<f32> = (0..96_000)
            .map(|n| if n < 480 { (n as f32 * 0.1).sin() } else { 0.0 })
            .collect();
        let (l, _) = run(&mut e, &x, &x);
        let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak < 1.0, "{peak}");
        let after = l[1000..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(after < saturator::CEILING, "{after}");
        // And it does self-oscillate: the last second is loud.
        let late = l[48_000..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(late > saturator::KNEE, "{late}");
    }

    #[test]
    fn ping_pong_alternates() {
        let (tl, tr) = (300.0, 500.0);
        let mut e = engine(&EchoSettings {
            delay_samples: [tl, tr],
            mode: EchoMode::PingPong,
            ..flat(0.0, 0.5)
        });
        let x = impulse(4000, 0, 0.8);
        let (l, r) = run(&mut e, &x, &x);
        // Left at 300, right at 800, left at 1100, right at 1600, ...
        assert_eq!(l[300], 0.8);
        assert_eq!(r[300], 0.0);
        assert_eq!(r[800], 0.4);
        assert_eq!(l[800], 0.0);
        assert_eq!(l[1100], 0.2);
        assert_eq!(r[1600], 0.1);
        let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
        let want = 0.64 * (1.0 + 0.0625 + 0.0625f32.powi(2) + 0.0625f32.powi(3));
        assert!((energy(&l) - want).abs() < 1e-4, "{}", energy(&l));
        assert!(energy(&r) > 0.16);
    }

    #[test]
    fn freeze_holds_and_mutes_new_input() {
        let d = 2000.0;
        let s = flat(d, 0.3);
        let mut e = engine(&s);
        let x = impulse(4000, 0, 0.5);
        run(&mut e, &x, &x);
        e.set(&EchoSettings { freeze: true, ..s });
        // Let the freeze ramp finish, with loud new input that must not get in.
        let loud = vec![0.7f32; 4000];
        run(&mut e, &loud, &loud);
        let before: Vec<f32> = {
            let (l, _) = run(&mut e, &vec![0.0; 2000], &vec![0.0; 2000]);
            l
        };
        let loud = vec![0.9f32; 20_000];
        let (l, _) = run(&mut e, &loud, &loud);
        // The loop repeats exactly every 2000 samples.
        for k in 0..10 {
            for i in 0..2000 {
                assert_eq!(l[k * 2000 + i], before[i], "pass {k} sample {i}");
            }
        }
        assert!(e.tail_samples().is_none());
    }

    #[test]
    fn goes_quiet_within_the_tail_estimate() {
        let s = EchoSettings {
            low_cut_on: true,
            high_cut_on: true,
            ..flat(4800.0, 0.6)
        };
        let mut e = engine(&s);
        let noise: Vec<f32> = (0..48_000u32)
            .map(|n| ((n.wrapping_mul(2_654_435_761) >> 8) as f32 / (1u32 << 24) as f32) - 0.5)
            .collect();
        run(&mut e, &noise, &noise);
        let tail = e.tail_samples().unwrap() as usize;
        let silence = vec![0.0f32; 512];
        let mut waited = 0;
        let mut out = vec![0.0; 512];
        let mut out2 = vec![0.0; 512];
        while !e.is_quiet() {
            e.process(&silence, &silence, &mut out, &mut out2);
            waited += 512;
            assert!(waited <= tail + 512, "not quiet after the tail {tail}");
        }
        assert!(waited > 4800 * 10, "quiet too early: {waited}");
    }

    #[test]
    fn fractional_delay_centroid() {
        let delay = 21_021.897_810_218;
        let mut e = engine(&flat(delay, 0.0));
        let x = impulse(22_000, 0, 0.5);
        let (l, _) = run(&mut e, &x, &x);
        let (mut s, mut m) = (0.0f64, 0.0f64);
        for (i, v) in l.iter().enumerate() {
            s += *v as f64;
            m += i as f64 * *v as f64;
        }
        assert!((s - 0.5).abs() < 1e-6);
        assert!((m / s - delay).abs() < 0.01, "{}", m / s);
    }

    /// Largest second difference of `x[from..]`.
    fn max_d2(x: &[f32]) -> f32 {
        x.windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn time_changes_are_smooth_in_both_modes() {
        for mode in [TimeChangeMode::Tape, TimeChangeMode::Fade] {
            let s = EchoSettings {
                time_change: mode,
                ..flat(480.0, 0.0)
            };
            let mut e = engine(&s);
            let sine: Vec<f32> = (0..96_000)
                .map(|n| 0.25 * (2.0 * std::f32::consts::PI * 440.0 * n as f32 / FS).sin())
                .collect();
            let (mut ol, mut or) = (vec![0.0; 96_000], vec![0.0; 96_000]);
            for (k, start) in (0..96_000).step_by(64).enumerate() {
                // 10 ms → 2 s over the first second.
                let t = (k as f64 * 64.0 / 48_000.0).min(1.0);
                let d = 480.0 * (96_000.0f64 / 480.0).powf(t);
                e.set(&EchoSettings {
                    delay_samples: [d; 2],
                    ..s
                });
                let end = start + 64;
                e.process(
                    &sine[start..end],
                    &sine[start..end],
                    &mut ol[start..end],
                    &mut or[start..end],
                );
            }
            let reference = 0.25 * (2.0 * std::f32::consts::PI * 440.0 / FS).powi(2);
            let worst = max_d2(&ol[1000..]);
            assert!(worst < 1.2 * reference, "{mode:?}: {worst} vs {reference}");
        }
    }
}
