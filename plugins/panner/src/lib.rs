//! Gel Panner: place an instrument in the stereo field, set its width, keep its bass mono.
//!
//! Glue only: parameters ([`params`]), the process loop below calling gel-dsp, and the editor
//! ([`editor`]) built from gel-ui. Signal flow per block:
//!
//! 1. non-finite input becomes silence and resets the filters ([`gel_dsp::blocks::guard`]),
//! 2. the mono-maker removes the side signal below its crossover ([`gel_dsp::stereo::mono_maker`]),
//!    crossfaded in and out so switching it never clicks,
//! 3. polarity, swap, width, pan and output gain as one ramped 2×2 matrix
//!    ([`gel_dsp::stereo::stereo_placement`], [`gel_dsp::blocks::smoothing::RampedMatrix2`]),
//! 4. meters, correlation and the goniometer feed for the editor.

use std::num::NonZeroU32;
use std::sync::Arc;

use gel_dsp::analysis::correlation::{CorrelationMeter, ScopeBuffer};
use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::blocks::guard;
use gel_dsp::blocks::smoothing::{LinearRamp, RampedMatrix2};
use gel_dsp::stereo::mono_maker::MonoMaker;
use gel_dsp::stereo::stereo_placement::{placement_matrix, PlacementSettings};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::PannerParams;

/// Time for every control to glide to a new value: long enough that a switch (swap, polarity,
/// mode) is a short crossfade rather than a click, short enough to feel immediate.
const RAMP_MS: f32 = 20.0;

/// The mono-maker's crossover frequency is recomputed at most this often (samples). The TPT SVF
/// stays stable and quiet under coefficient steps, and 32 samples is under 1 ms at 44.1 kHz.
const CROSSOVER_UPDATE_INTERVAL: usize = 32;

/// Samples whose magnitude stays below this count as silence (−200 dBFS).
const SILENCE_THRESHOLD: f32 = 1e-10;

/// What the editor reads: written on the audio thread, read on the GUI thread, all atomics.
pub struct PannerDisplay {
    pub input_meter: Arc<MeterReadings>,
    pub output_meter: Arc<MeterReadings>,
    pub correlation: Arc<AtomicF32>,
    pub scope: Arc<ScopeBuffer>,
}

impl Default for PannerDisplay {
    fn default() -> Self {
        Self {
            input_meter: Arc::new(MeterReadings::default()),
            output_meter: Arc::new(MeterReadings::default()),
            correlation: Arc::new(AtomicF32::new(0.0)),
            scope: Arc::new(ScopeBuffer::new()),
        }
    }
}

pub struct GelPanner {
    params: Arc<PannerParams>,
    display: Arc<PannerDisplay>,

    sample_rate: f32,
    mono_input: bool,

    matrix: RampedMatrix2,
    mono_maker: MonoMaker,
    /// 0 = mono-maker bypassed, 1 = fully in; ramps when the switch moves.
    mono_maker_mix: LinearRamp,
    /// The mono-maker's own output, kept apart so it can be crossfaded with the dry signal.
    mono_left: Vec<f32>,
    mono_right: Vec<f32>,
    crossover_frequency: f32,

    input_meter: LevelMeter,
    output_meter: LevelMeter,
    correlation: CorrelationMeter,

    /// Consecutive silent input samples, to report the tail and then sleep.
    silent_samples: u64,
    /// Meters run only while the editor is open.
    editor_watch: gel_plugin::EditorWatch,
}

impl Default for GelPanner {
    fn default() -> Self {
        let display = Arc::new(PannerDisplay::default());
        Self {
            params: Arc::new(PannerParams::default()),
            sample_rate: 48_000.0,
            mono_input: false,
            matrix: RampedMatrix2::new(),
            mono_maker: MonoMaker::new(),
            mono_maker_mix: LinearRamp::new(),
            mono_left: Vec::new(),
            mono_right: Vec::new(),
            crossover_frequency: 120.0,
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            correlation: CorrelationMeter::new(display.correlation.clone()),
            display,
            silent_samples: 0,
            editor_watch: gel_plugin::EditorWatch::default(),
        }
    }
}

impl GelPanner {
    fn placement_settings(&self) -> PlacementSettings {
        let p = &self.params;
        PlacementSettings {
            mode: p.mode.value().into(),
            law: p.law.value().into(),
            pan: p.pan.value() / 100.0,
            pan_left: p.pan_left.value() / 100.0,
            pan_right: p.pan_right.value() / 100.0,
            width: p.width.value() / 100.0,
            swap: p.swap.value(),
            invert_left: p.invert_left.value(),
            invert_right: p.invert_right.value(),
            output_gain: db_to_gain(p.output_gain.value()),
            mono_input: self.mono_input,
        }
    }

    fn mono_maker_target(&self) -> f32 {
        if self.params.mono_maker.value() && !self.mono_input {
            1.0
        } else {
            0.0
        }
    }

    /// How long the output can ring after the input stops: only the mono-maker's filters ring.
    fn tail_samples(&self) -> u32 {
        if self.mono_maker_mix.current() > 0.0 || self.mono_maker_mix.is_ramping() {
            MonoMaker::tail_samples(self.crossover_frequency, self.sample_rate) as u32
        } else {
            0
        }
    }

    /// Jump every ramp to where the parameters are now (used after reset and while asleep, when
    /// there is no audio to glide on).
    fn snap_to_parameters(&mut self) {
        self.matrix
            .reset(placement_matrix(&self.placement_settings()));
        self.mono_maker_mix.reset(self.mono_maker_target());
        self.crossover_frequency = self.params.mono_frequency.value();
        self.mono_maker.set_frequency(self.crossover_frequency);
    }

    /// Mono-maker on `left`/`right` in place, crossfaded with the dry signal by
    /// `mono_maker_mix`.
    fn process_mono_maker(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frequency_target = self.params.mono_frequency.value();
        let fully_in = !self.mono_maker_mix.is_ramping() && self.mono_maker_mix.current() >= 1.0;
        let mut start = 0;
        while start < left.len() {
            let end = (start + CROSSOVER_UPDATE_INTERVAL).min(left.len());
            // Glide the crossover frequency geometrically (equal steps in octaves).
            if self.crossover_frequency != frequency_target {
                let step_ratio = (frequency_target / self.crossover_frequency)
                    .clamp(0.5f32.powf(1.0 / 16.0), 2.0f32.powf(1.0 / 16.0));
                let next = self.crossover_frequency * step_ratio;
                self.crossover_frequency = if (next - frequency_target).abs() < 0.01 {
                    frequency_target
                } else {
                    next
                };
                self.mono_maker.set_frequency(self.crossover_frequency);
            }
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            if fully_in {
                self.mono_maker.process(l, r);
            } else {
                let n = end - start;
                let (wet_l, wet_r) = (&mut self.mono_left[..n], &mut self.mono_right[..n]);
                wet_l.copy_from_slice(l);
                wet_r.copy_from_slice(r);
                self.mono_maker.process(wet_l, wet_r);
                for i in 0..n {
                    let mix = self.mono_maker_mix.next();
                    l[i] += mix * (wet_l[i] - l[i]);
                    r[i] += mix * (wet_r[i] - r[i]);
                }
            }
            start = end;
        }
    }
}

impl Plugin for GelPanner {
    const NAME: &'static str = "Gel Panner";
    const VENDOR: &'static str = gel_plugin::VENDOR;
    const URL: &'static str = "https://gel-audio.org/panner";
    const EMAIL: &'static str = gel_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = gel_plugin::STEREO_OR_MONO_IN;

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::PannerEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.display.clone())
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.sample_rate = buffer_config.sample_rate;
        self.mono_input = audio_io_layout.main_input_channels.map(NonZeroU32::get) == Some(1);
        let max_block = buffer_config.max_buffer_size as usize;

        self.matrix.prepare(self.sample_rate, max_block);
        self.matrix.set_ramp_time_ms(RAMP_MS);
        self.mono_maker_mix.prepare(self.sample_rate, max_block);
        self.mono_maker_mix.set_ramp_time_ms(RAMP_MS);
        self.mono_maker.prepare(self.sample_rate, max_block);
        self.mono_left = vec![0.0; CROSSOVER_UPDATE_INTERVAL];
        self.mono_right = vec![0.0; CROSSOVER_UPDATE_INTERVAL];
        self.input_meter.prepare(self.sample_rate, max_block);
        self.output_meter.prepare(self.sample_rate, max_block);
        self.correlation.prepare(self.sample_rate, max_block);
        true
    }

    fn reset(&mut self) {
        self.mono_maker.reset();
        self.input_meter.reset();
        self.output_meter.reset();
        self.correlation.reset();
        self.snap_to_parameters();
        self.silent_samples = 0;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
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
            // Non-finite input: that sample became silence; filters restart clean.
            self.mono_maker.reset();
        }
        let (left_slot, right_slot) = channels.split_at_mut(1);
        let (left, right) = (&mut *left_slot[0], &mut *right_slot[0]);

        // Meters, correlation and goniometer only run while someone looks at them.
        let editor = self.editor_watch.poll(&self.params.editor_state);
        let editor_open = editor.open;
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
            self.correlation.reset();
        }
        if editor_open {
            self.input_meter.process(&[left, right]);
        }

        // Silence in: once the tail has rung out, output silence without running the DSP.
        let silent_input = guard::is_silent(&[left, right], SILENCE_THRESHOLD);
        self.silent_samples = if silent_input {
            self.silent_samples + num_samples as u64
        } else {
            0
        };
        let tail = self.tail_samples();
        if silent_input && self.silent_samples > u64::from(tail) + num_samples as u64 {
            left.fill(0.0);
            right.fill(0.0);
            self.mono_maker.reset();
            self.snap_to_parameters();
            if editor_open {
                self.output_meter.process(&[left, right]);
                self.correlation.process(left, right);
            }
            return ProcessStatus::Normal;
        }

        self.matrix
            .set_target(placement_matrix(&self.placement_settings()));
        let mix_target = self.mono_maker_target();
        if self.mono_maker_mix.target() != mix_target {
            if self.mono_maker_mix.current() == 0.0 {
                // Coming in from bypass: start the filters from rest.
                self.mono_maker.reset();
            }
            self.mono_maker_mix.set_target(mix_target);
        }
        if self.mono_maker_mix.current() > 0.0 || self.mono_maker_mix.is_ramping() {
            self.process_mono_maker(left, right);
        }

        self.matrix.process(left, right);

        if editor_open {
            self.output_meter.process(&[left, right]);
            self.correlation.process(left, right);
            self.display.scope.push_block(left, right);
        }

        let tail = self.tail_samples();
        if tail == 0 {
            ProcessStatus::Normal
        } else {
            ProcessStatus::Tail(
                tail.saturating_sub(self.silent_samples.min(u64::from(tail)) as u32),
            )
        }
    }
}

impl ClapPlugin for GelPanner {
    const CLAP_ID: &'static str = "org.gel-audio.panner";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Pan, balance, width and mono-maker for mixing");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Utility,
        ClapFeature::Mixing,
    ];
}

impl Vst3Plugin for GelPanner {
    // Permanent: hosts find saved projects' plugins by this id.
    const VST3_CLASS_ID: [u8; 16] = *b"GelPannerPlugin1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Spatial,
        Vst3SubCategory::Tools,
    ];
}

nice_export_clap!(GelPanner);
nice_export_vst3!(GelPanner);
