//! Gel EQ: a 16-band equalizer with zero-latency and linear-phase modes.
//!
//! Glue only: parameters ([`params`]), the process loop below calling gel-dsp, the seam to the
//! editor ([`shared`]) and the editor ([`editor`]). Per block, in sub-blocks of at most
//! [`SUB_BLOCK`] samples while a band moves:
//!
//! 1. non-finite input becomes silence and every filter restarts clean ([`gel_dsp::blocks::guard`]);
//! 2. band targets: frequency, gain and Q glide (nice-plug smoothers, [`params::BAND_SMOOTHING_MS`])
//!    and are handed to the [`EqSectionBank`] once per sub-block, which ramps its coefficients
//!    across the sub-block — so a sweep over the whole range in one second is a chain of
//!    64-sample ramps, not steps. Frequencies are clamped to [`max_freq_hz`] (just under
//!    Nyquist at low rates);
//! 3. the analyzer hears the input ([`EqEditorShared::feed_pre`]);
//! 4. zero latency: the bank (minimum-phase fitted sections). Linear phase: [`LinearPhaseEq`]
//!    (FFT convolution, fixed latency reported to the host). A mode change is a
//!    [`PathCrossfade`]: the new engine first runs silently until it is warm (linear phase: its
//!    whole kernel and one partition; zero latency: [`ZERO_LATENCY_WARMUP_MS`]), then a 50 ms
//!    raised-cosine crossfade. The new latency is reported when the switch starts;
//! 5. solo (editor state): the soloed band's region replaces the output, faded in and out
//!    over [`RAMP_MS`] (see [`solo_region`]);
//! 6. output gain × polarity × auto gain, each ramped (auto gain from the band curves,
//!    [`gel_dsp::eq::auto_gain`], glides over [`AUTO_GAIN_RAMP_MS`]);
//! 7. the analyzer hears the output ([`EqEditorShared::feed_post`]).
//!
//! Tail: the slowest pole of the active bands' sections (−120 dB), plus the linear-phase
//! engine's latency and kernel in that mode. Once the input has been silent that long the
//! plugin outputs silence without running the DSP.

use std::num::NonZeroU32;
use std::sync::Arc;

use gel_dsp::blocks::delay_line::DelayLine;
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::blocks::guard;
use gel_dsp::blocks::path_crossfade::{Path, PathCrossfade};
use gel_dsp::blocks::smoothing::LinearRamp;
use gel_dsp::eq::auto_gain::EqAutoGain;
use gel_dsp::eq::{BandType, CutSlope, EqBand, EqSectionBank, LinearPhaseEq, Placement};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;
pub mod shared;

use params::{EqParams, ModeParam, BANDS, MAX_FREQ_HZ, MIN_FREQ_HZ};
use shared::EqEditorShared;

/// Longest stretch processed with one set of band targets while bands move (samples).
pub const SUB_BLOCK: usize = 64;
/// Glide time of output gain, polarity and solo (ms).
pub const RAMP_MS: f32 = 20.0;
/// Glide time of the auto-gain compensation (ms): slow enough not to follow every wiggle of
/// a band, fast enough to keep up with a hand on the graph.
pub const AUTO_GAIN_RAMP_MS: f32 = 200.0;
/// Mode crossfade length (ms).
pub const MODE_FADE_MS: f32 = 50.0;
/// Zero-latency bank warm-up before it is heard after linear phase (ms): its filters settle
/// on the running signal instead of starting from rest under the listener's ear.
pub const ZERO_LATENCY_WARMUP_MS: f32 = 50.0;
/// Samples whose magnitude stays below this count as silence (−200 dBFS).
const SILENCE_THRESHOLD: f32 = 1e-10;
/// Ring-out level the tail is computed for: −120 dB.
const TAIL_DECAY_LN: f64 = -13.815_510_557_964_274;
/// Longest tail reported for the zero-latency filters (a Q 40 bell at 10 Hz rings ~17 s).
const MAX_RING_SECONDS: f64 = 30.0;

/// Highest band frequency at `sample_rate`: 30 kHz, or 0.48 × the rate where that is lower
/// (3.84 kHz at 8 kHz, 21.2 kHz at 44.1 kHz) so every band stays below Nyquist.
pub fn max_freq_hz(sample_rate: f32) -> f32 {
    MAX_FREQ_HZ.min(0.48 * sample_rate)
}

/// What a soloed band lets through: the region of the spectrum it works on, as a filter on
/// the band's placement.
///
/// * Bell, notch, band pass: a band pass at the band's frequency with the band's Q;
/// * low shelf, low cut: a 12 dB/oct low pass at the frequency (what the band lifts, lowers
///   or removes lies below it);
/// * high shelf, high cut: a 12 dB/oct high pass at the frequency;
/// * tilt shelf: a wide band pass (Q 0.3) around its pivot.
pub fn solo_region(band: &EqBand) -> EqBand {
    let (kind, q) = match band.kind {
        BandType::Bell | BandType::Notch | BandType::BandPass => (BandType::BandPass, band.q),
        BandType::LowShelf | BandType::LowCut => {
            (BandType::HighCut, std::f32::consts::FRAC_1_SQRT_2)
        }
        BandType::HighShelf | BandType::HighCut => {
            (BandType::LowCut, std::f32::consts::FRAC_1_SQRT_2)
        }
        BandType::TiltShelf => (BandType::BandPass, 0.3),
    };
    EqBand {
        kind,
        freq_hz: band.freq_hz,
        gain_db: 0.0,
        q,
        slope: CutSlope::Db12,
    }
}

/// Projects a stereo signal onto what a placement touches (the rest is muted while soloing):
/// Left/Right keep one channel, Mid keeps `M = (L+R)/2` on both, Side keeps `S = (L−R)/2` as
/// `(S, −S)`.
fn project(placement: Placement, left: &mut [f32], right: &mut [f32]) {
    match placement {
        Placement::Stereo => {}
        Placement::Left => right.fill(0.0),
        Placement::Right => left.fill(0.0),
        Placement::Mid => {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let m = 0.5 * (*l + *r);
                (*l, *r) = (m, m);
            }
        }
        Placement::Side => {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let s = 0.5 * (*l - *r);
                (*l, *r) = (s, -s);
            }
        }
    }
}

/// Which engine a mode runs.
fn path_of(mode: ModeParam) -> Path {
    match mode {
        ModeParam::ZeroLatency => Path::A,
        ModeParam::LinearPhase => Path::B,
    }
}

pub struct GelEq {
    params: Arc<EqParams>,
    shared: Arc<EqEditorShared>,

    sample_rate: f32,
    mono_input: bool,

    /// Zero-latency engine; also the holder of the band targets the linear-phase engine reads.
    bank: EqSectionBank,
    linear: LinearPhaseEq,
    mode_switch: PathCrossfade,
    /// What each band was last set to (None = not heard).
    applied: [Option<(EqBand, Placement)>; BANDS],
    /// Samples since the band targets were last handed to the bank.
    since_update: usize,

    auto_gain: EqAutoGain,
    /// The Auto Gain switch as last seen.
    auto_gain_on: bool,
    auto_gain_ramp: LinearRamp,
    /// Output gain × polarity.
    output_ramp: LinearRamp,

    solo_bank: EqSectionBank,
    solo_mix: LinearRamp,
    solo_placement: Placement,
    /// Delays the solo path by the linear-phase latency in that mode, so what a soloed band
    /// lets through stays in time with the (latency-compensated) mix.
    solo_delay: DelayLine,

    /// Ring of the zero-latency sections in samples (−120 dB).
    ring_samples: u64,
    /// Consecutive silent input samples.
    silent_samples: u64,
    asleep: bool,

    scratch_left: Vec<f32>,
    scratch_right: Vec<f32>,
    solo_left: Vec<f32>,
    solo_right: Vec<f32>,
}

impl Default for GelEq {
    fn default() -> Self {
        Self {
            params: Arc::new(EqParams::default()),
            shared: Arc::new(EqEditorShared::new()),
            sample_rate: 48_000.0,
            mono_input: false,
            bank: EqSectionBank::new(),
            linear: LinearPhaseEq::new(),
            mode_switch: PathCrossfade::new(),
            applied: [None; BANDS],
            since_update: 0,
            auto_gain: EqAutoGain::new(),
            auto_gain_on: false,
            auto_gain_ramp: LinearRamp::new(),
            output_ramp: LinearRamp::new(),
            solo_bank: EqSectionBank::new(),
            solo_mix: LinearRamp::new(),
            solo_placement: Placement::Stereo,
            solo_delay: DelayLine::new(0.0),
            ring_samples: 0,
            silent_samples: 0,
            asleep: false,
            scratch_left: Vec::new(),
            scratch_right: Vec::new(),
            solo_left: Vec::new(),
            solo_right: Vec::new(),
        }
    }
}

impl GelEq {
    fn mode_path(&self) -> Path {
        path_of(self.params.mode.value())
    }

    /// The band `i` as it should sound after advancing its smoothers by `samples`, or None
    /// when it is not heard.
    fn band_target(&self, i: usize, samples: u32) -> Option<(EqBand, Placement)> {
        let p = &self.params.bands[i];
        let freq = p.freq.smoothed.next_step(samples);
        let gain = p.gain.smoothed.next_step(samples);
        let q = p.q.smoothed.next_step(samples);
        if !p.is_active() {
            return None;
        }
        let band = EqBand {
            kind: p.kind.value().into(),
            freq_hz: freq.clamp(MIN_FREQ_HZ, max_freq_hz(self.sample_rate)),
            gain_db: gain,
            q,
            slope: p.slope.value().into(),
        };
        Some((band, p.placement.value().into()))
    }

    /// Whether any band's frequency, gain or Q is gliding.
    fn bands_gliding(&self) -> bool {
        self.params.bands.iter().any(|b| {
            b.is_active()
                && (b.freq.smoothed.is_smoothing()
                    || b.gain.smoothed.is_smoothing()
                    || b.q.smoothed.is_smoothing())
        })
    }

    /// Hands the band targets to the engines; smoothers advance by `samples`. A glide is
    /// handed over at most once per [`SUB_BLOCK`] samples (tiny host blocks would otherwise
    /// re-design the sections every sample); switches and type changes at once.
    /// Returns true if anything changed.
    fn update_bands(&mut self, samples: usize) -> bool {
        self.since_update += samples;
        let due = self.since_update >= SUB_BLOCK;
        let mut changed = false;
        for i in 0..BANDS {
            let target = self.band_target(i, samples as u32);
            let old = self.applied[i];
            let apply = match (old, target) {
                (None, None) => false,
                (Some(_), None) | (None, Some(_)) => true,
                (Some((a, pa)), Some((b, pb))) => {
                    let discrete = a.kind != b.kind || a.slope != b.slope || pa != pb;
                    (discrete || due) && (a, pa) != (b, pb)
                }
            };
            if !apply {
                continue;
            }
            match target {
                Some((band, placement)) => self.bank.set_band(i, band, placement),
                None => self.bank.disable_band(i),
            }
            self.applied[i] = target;
            changed = true;
        }
        if due || changed {
            self.since_update = 0;
        }
        if changed {
            self.on_bands_changed();
        }
        changed
    }

    /// Re-derives what depends on the band set: the linear-phase kernel request, the auto-gain
    /// target and the tail.
    fn on_bands_changed(&mut self) {
        self.linear.update_from(&self.bank);
        self.set_auto_gain_target();
        self.ring_samples = self.compute_ring();
    }

    fn set_auto_gain_target(&mut self) {
        self.auto_gain_on = self.params.auto_gain.value();
        let db = if self.auto_gain_on {
            self.auto_gain
                .compensation_db(self.applied.iter().filter_map(|b| *b))
        } else {
            0.0
        };
        self.auto_gain_ramp.set_target(db_to_gain(db));
    }

    /// Samples for the slowest pole of the active sections to decay by 120 dB:
    /// `ln(10⁻⁶)/ln(r)` for pole radius `r`.
    fn compute_ring(&self) -> u64 {
        let mut worst = 0.0f64;
        for i in 0..BANDS {
            if let Some(design) = self.bank.band_design(i) {
                for s in design.sections() {
                    let r = s.pole_radius();
                    if r > 0.0 && r < 1.0 {
                        worst = worst.max(TAIL_DECAY_LN / r.ln());
                    } else if r >= 1.0 {
                        worst = f64::INFINITY;
                    }
                }
            }
        }
        let cap = MAX_RING_SECONDS * f64::from(self.sample_rate);
        worst.min(cap).ceil() as u64
    }

    fn output_target(&self) -> f32 {
        let gain = db_to_gain(self.params.output_gain.value());
        if self.params.phase_invert.value() {
            -gain
        } else {
            gain
        }
    }

    fn latency_for(&self, path: Path) -> u32 {
        match path {
            Path::A => 0,
            Path::B => self.linear.latency_samples(),
        }
    }

    /// Tail in samples after the last non-silent input sample.
    fn tail_samples(&self) -> u64 {
        let linear = if self.mode_switch.runs(Path::B) {
            u64::from(self.linear.tail_samples())
        } else {
            0
        };
        self.ring_samples + linear + self.mode_switch.remaining() as u64
    }

    /// Everything jumps to the parameters: bands designed without ramps, engines cleared,
    /// the mode steady, ramps at their targets.
    fn snap_to_parameters(&mut self) {
        self.since_update = SUB_BLOCK;
        for b in self.params.bands.iter() {
            b.freq.smoothed.reset(b.freq.value());
            b.gain.smoothed.reset(b.gain.value());
            b.q.smoothed.reset(b.q.value());
        }
        for i in 0..BANDS {
            let target = self.band_target(i, 1);
            match target {
                Some((band, placement)) => self.bank.set_band(i, band, placement),
                None => self.bank.disable_band(i),
            }
            self.bank.snap_band(i);
            self.applied[i] = target;
        }
        self.on_bands_changed();
        self.bank.reset();
        self.linear.reset();
        self.linear.snap();
        self.mode_switch.snap(self.mode_path());
        let auto = self.auto_gain_ramp.target();
        self.auto_gain_ramp.reset(auto);
        self.output_ramp.reset(self.output_target());
        self.solo_mix.reset(0.0);
        self.solo_bank.reset();
        self.solo_delay.reset();
    }

    /// Allocates and prepares every engine for `sample_rate` and blocks up to `max_block`,
    /// then snaps to the parameters (what `activate` does besides telling the host).
    fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate;
        let max_block = max_block.max(1);
        self.shared.set_sample_rate(self.sample_rate);

        self.bank.prepare(self.sample_rate, max_block);
        self.solo_bank.prepare(self.sample_rate, max_block);
        self.linear.prepare(self.sample_rate, max_block);
        self.mode_switch.set_fade_ms(MODE_FADE_MS);
        self.mode_switch.prepare(self.sample_rate, max_block);
        self.mode_switch.set_warmup(
            Path::A,
            (ZERO_LATENCY_WARMUP_MS * 0.001 * self.sample_rate) as usize,
        );
        // Linear phase is valid once its whole kernel has seen the input, plus a few
        // partitions for the kernel build that runs in the background of `process`.
        self.mode_switch.set_warmup(
            Path::B,
            self.linear.tail_samples() as usize + 6 * self.linear.partition_len(),
        );
        for (ramp, ms) in [
            (&mut self.output_ramp, RAMP_MS),
            (&mut self.solo_mix, RAMP_MS),
            (&mut self.auto_gain_ramp, AUTO_GAIN_RAMP_MS),
        ] {
            ramp.prepare(self.sample_rate, max_block);
            ramp.set_ramp_time_ms(ms);
        }
        self.scratch_left = vec![0.0; max_block];
        self.scratch_right = vec![0.0; max_block];
        self.solo_left = vec![0.0; max_block];
        self.solo_right = vec![0.0; max_block];
        self.solo_delay = DelayLine::new(
            (self.linear.latency_samples() as usize + max_block) as f64 / self.sample_rate as f64,
        );
        self.solo_delay.prepare(self.sample_rate, max_block);
        self.snap_to_parameters();
    }

    /// Solo target for this block: the soloed band's region, if that band is heard.
    fn solo_target(&self) -> Option<(EqBand, Placement)> {
        let i = self.shared.solo_band()?;
        let (band, placement) = (*self.applied.get(i)?)?;
        Some((solo_region(&band), placement))
    }

    /// One stretch of audio with fixed band targets (the bank ramps to them across it).
    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        self.shared.feed_pre(left, right);

        // Solo needs the input as it was.
        let solo = self.solo_target();
        if let Some((region, placement)) = solo {
            self.solo_bank.set_band(0, region, Placement::Stereo);
            self.solo_placement = placement;
            self.solo_mix.set_target(1.0);
        } else {
            self.solo_mix.set_target(0.0);
        }
        let solo_running = self.solo_mix.is_ramping() || self.solo_mix.current() > 0.0;
        if solo_running {
            self.solo_left[..n].copy_from_slice(left);
            self.solo_right[..n].copy_from_slice(right);
        }

        match self.mode_switch.steady() {
            Some(Path::A) => self.bank.process(left, right),
            Some(Path::B) => self.linear.process(left, right),
            None => {
                let (b_left, b_right) = (&mut self.scratch_left[..n], &mut self.scratch_right[..n]);
                b_left.copy_from_slice(left);
                b_right.copy_from_slice(right);
                self.linear.process(b_left, b_right);
                self.bank.process(left, right);
                self.mode_switch.mix(left, right, b_left, b_right);
                if let Some(path) = self.mode_switch.steady() {
                    // The path no longer heard stops; it starts from rest next time.
                    match path {
                        Path::A => self.linear.reset(),
                        Path::B => self.bank.reset(),
                    }
                }
            }
        }

        if solo_running {
            // In time with the path heard: the linear-phase latency once that is the target.
            let delay = self.latency_for(self.mode_switch.target()) as usize;
            let (s_left, s_right) = (&mut self.solo_left[..n], &mut self.solo_right[..n]);
            project(self.solo_placement, s_left, s_right);
            self.solo_bank.process(s_left, s_right);
            self.solo_delay.delay_in_place(delay, s_left, s_right);
            for i in 0..n {
                let w = self.solo_mix.next();
                left[i] += w * (s_left[i] - left[i]);
                right[i] += w * (s_right[i] - right[i]);
            }
            if !self.solo_mix.is_ramping() && self.solo_mix.current() <= 0.0 {
                self.solo_bank.reset();
                self.solo_delay.reset();
            }
        }

        // Output gain × polarity × auto gain.
        if self.output_ramp.is_ramping() || self.auto_gain_ramp.is_ramping() {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let g = self.output_ramp.next() * self.auto_gain_ramp.next();
                *l *= g;
                *r *= g;
            }
        } else {
            let g = self.output_ramp.current() * self.auto_gain_ramp.current();
            if g != 1.0 {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    *l *= g;
                    *r *= g;
                }
            }
        }

        self.shared.feed_post(left, right);
    }
}

impl Plugin for GelEq {
    const NAME: &'static str = "Gel EQ";
    const VENDOR: &'static str = gel_plugin::VENDOR;
    const URL: &'static str = "https://gel-audio.org/eq";
    const EMAIL: &'static str = gel_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = gel_plugin::STEREO_OR_MONO_IN;

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::EqEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.shared.clone())
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.mono_input = audio_io_layout.main_input_channels.map(NonZeroU32::get) == Some(1);
        self.prepare(
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
        );
        context.set_latency_samples(self.latency_for(self.mode_path()));
        true
    }

    fn reset(&mut self) {
        self.snap_to_parameters();
        self.silent_samples = 0;
        self.asleep = false;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _denormals = DenormalGuard::new();
        let num_samples = buffer.samples();
        let channels = buffer.as_slice();
        if channels.len() < 2 || num_samples == 0 {
            return ProcessStatus::Normal;
        }
        if self.mono_input {
            // The host's mono input sits in the left slot; the right output starts as silence.
            let (left, right) = channels.split_at_mut(1);
            right[0].copy_from_slice(left[0]);
        }
        if guard::sanitize(channels) {
            // Non-finite input: those samples became silence; no filter keeps the blow-up.
            self.bank.reset();
            self.linear.reset();
            self.solo_bank.reset();
        }
        let (left_slot, right_slot) = channels.split_at_mut(1);
        let (left, right) = (&mut *left_slot[0], &mut *right_slot[0]);

        // Mode: switching starts now; the host hears about the new latency at once.
        let wanted = self.mode_path();
        if wanted != self.mode_switch.target() {
            if self.mode_switch.set_target(wanted) {
                match wanted {
                    Path::A => self.bank.reset(),
                    Path::B => {
                        self.linear.reset();
                        self.linear.update_from(&self.bank);
                    }
                }
            }
            context.set_latency_samples(self.latency_for(wanted));
        }

        self.output_ramp.set_target(self.output_target());
        if self.params.auto_gain.value() != self.auto_gain_on {
            self.set_auto_gain_target();
        }

        let silent_input = guard::is_silent(&[left, right], SILENCE_THRESHOLD);
        self.silent_samples = if silent_input {
            self.silent_samples + num_samples as u64
        } else {
            0
        };
        if silent_input && self.silent_samples >= self.tail_samples() + num_samples as u64 {
            // Silence in and everything rung out: silence out, without running the DSP.
            if !self.asleep {
                self.asleep = true;
                self.snap_to_parameters();
            } else {
                if self.update_bands(num_samples) {
                    // No audio to glide on: jump.
                    (0..BANDS).for_each(|i| self.bank.snap_band(i));
                    self.linear.snap();
                }
                self.mode_switch.snap(self.mode_path());
                let (out, auto) = (self.output_target(), self.auto_gain_ramp.target());
                self.output_ramp.reset(out);
                self.auto_gain_ramp.reset(auto);
            }
            left.fill(0.0);
            right.fill(0.0);
            self.shared.feed_pre(left, right);
            self.shared.feed_post(left, right);
            return ProcessStatus::Normal;
        }
        self.asleep = false;

        // While bands glide, sub-blocks of SUB_BLOCK samples; else the whole block at once.
        let mut start = 0;
        while start < num_samples {
            let len = if self.bands_gliding() {
                SUB_BLOCK.min(num_samples - start)
            } else {
                num_samples - start
            };
            self.update_bands(len);
            let end = start + len;
            self.process_chunk(&mut left[start..end], &mut right[start..end]);
            start = end;
        }

        let tail = self.tail_samples();
        let left_to_ring = tail.saturating_sub(self.silent_samples).max(1);
        ProcessStatus::Tail(left_to_ring.min(u64::from(u32::MAX - 1)) as u32)
    }
}

impl ClapPlugin for GelEq {
    const CLAP_ID: &'static str = "org.gel-audio.eq";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("16-band equalizer with zero-latency and linear-phase modes");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Equalizer,
    ];
}

impl Vst3Plugin for GelEq {
    // Permanent: hosts find saved projects' plugins by this id.
    const VST3_CLASS_ID: [u8; 16] = *b"GelEqualizer0001";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Eq];
}

nice_export_clap!(GelEq);
nice_export_vst3!(GelEq);

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets a parameter by its host-visible name from text, as a host would.
    fn set_by_text(params: &EqParams, name: &str, text: &str) {
        let ptr = params
            .param_map()
            .into_iter()
            .map(|(_, ptr, _)| ptr)
            .find(|ptr| unsafe { ptr.name() } == name)
            .unwrap_or_else(|| panic!("no parameter {name}"));
        unsafe {
            let v = ptr
                .string_to_normalized_value(text)
                .unwrap_or_else(|| panic!("{name}: {text}"));
            ptr._internal_set_normalized_value(v);
        }
    }

    #[test]
    fn solo_stays_in_time_with_linear_phase() {
        // A soloed 1 kHz bell in linear-phase mode: an impulse must come out of the solo path
        // at the reported latency (8704 samples at 48 kHz), as the mix does, not at once.
        for mode in ["Zero Latency", "Linear Phase"] {
            let mut eq = GelEq::default();
            for (name, text) in [
                ("Processing", mode),
                ("Band 1 Used", "On"),
                ("Band 1 Type", "Bell"),
                ("Band 1 Frequency", "1000"),
                ("Band 1 Gain", "12"),
                ("Band 1 Q", "1"),
            ] {
                set_by_text(&eq.params, name, text);
            }
            eq.prepare(48_000.0, 512);
            let latency = eq.latency_for(eq.mode_path()) as usize;
            eq.shared.set_solo_band(Some(0));
            let n = 48_000;
            let start = 12_000; // the solo fade (20 ms) is long over
            let mut left = vec![0.0f32; n];
            left[start] = 1.0;
            let mut right = left.clone();
            for (l, r) in left.chunks_mut(SUB_BLOCK).zip(right.chunks_mut(SUB_BLOCK)) {
                eq.process_chunk(l, r);
            }
            let peak = (0..n)
                .max_by(|&a, &b| left[a].abs().total_cmp(&left[b].abs()))
                .unwrap();
            println!(
                "{mode}: latency {latency}, solo impulse peak at +{}",
                peak - start
            );
            // The solo region is a minimum-phase band pass at 1 kHz: its peak comes within a
            // millisecond of its input.
            assert!(
                peak >= start + latency && peak < start + latency + 48,
                "{mode}: peak at {peak}, expected {} + latency {latency}",
                start
            );
        }
    }

    #[test]
    fn solo_regions() {
        let band = |kind| EqBand {
            kind,
            freq_hz: 500.0,
            gain_db: 6.0,
            q: 3.0,
            slope: CutSlope::Db48,
        };
        let bell = solo_region(&band(BandType::Bell));
        assert_eq!(
            (bell.kind, bell.freq_hz, bell.q),
            (BandType::BandPass, 500.0, 3.0)
        );
        assert_eq!(solo_region(&band(BandType::LowCut)).kind, BandType::HighCut);
        assert_eq!(
            solo_region(&band(BandType::LowShelf)).kind,
            BandType::HighCut
        );
        assert_eq!(solo_region(&band(BandType::HighCut)).kind, BandType::LowCut);
        assert_eq!(
            solo_region(&band(BandType::HighShelf)).kind,
            BandType::LowCut
        );
        assert_eq!(solo_region(&band(BandType::TiltShelf)).q, 0.3);
    }

    #[test]
    fn projections_keep_what_a_placement_touches() {
        let run = |p| {
            let (mut l, mut r) = ([1.0f32, 0.5], [0.25f32, -0.5]);
            project(p, &mut l, &mut r);
            (l, r)
        };
        assert_eq!(run(Placement::Stereo), ([1.0, 0.5], [0.25, -0.5]));
        assert_eq!(run(Placement::Left), ([1.0, 0.5], [0.0, 0.0]));
        assert_eq!(run(Placement::Right), ([0.0, 0.0], [0.25, -0.5]));
        // M = (L+R)/2 on both channels; S = (L−R)/2 as (S, −S).
        assert_eq!(run(Placement::Mid), ([0.625, 0.0], [0.625, 0.0]));
        assert_eq!(run(Placement::Side), ([0.375, 0.5], [-0.375, -0.5]));
    }

    #[test]
    fn band_frequency_stays_under_nyquist() {
        assert_eq!(max_freq_hz(8_000.0), 3_840.0);
        assert_eq!(max_freq_hz(48_000.0), 23_040.0);
        assert_eq!(max_freq_hz(96_000.0), MAX_FREQ_HZ);
    }
}
