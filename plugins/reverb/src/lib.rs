//! Gel Reverb: rooms, halls, plates and chambers whose decay you can trust.
//!
//! Glue only: parameters ([`params`]), the process loop below calling gel-dsp's reverb engine
//! ([`gel_dsp::reverb`]: pre-delay, diffuser, early reflections, FDN late reverb, filters,
//! width, ducking, mix), and the editor ([`editor`]) built from gel-ui. Per block:
//!
//! 1. non-finite input becomes silence and clears the reverb ([`gel_dsp::blocks::guard`]),
//! 2. the settings (pre-delay synced to the host tempo if asked) go to the engine, which glides
//!    every change (no clicks),
//! 3. the engine processes in place; meters feed the editor while it is open,
//! 4. the tail is reported (twice the longest band RT60, for −120 dB) and, once the input has
//!    been silent that long, the plugin outputs silence without running the DSP. While frozen
//!    it keeps running (KeepAlive).

use std::num::NonZeroU32;
use std::sync::Arc;

use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::blocks::guard;
use gel_dsp::reverb::{Reverb, ReverbSettings, MAX_PREDELAY_MS};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::ReverbParams;

/// Samples whose magnitude stays below this count as silence (−200 dBFS).
const SILENCE_THRESHOLD: f32 = 1e-10;
/// Tempo assumed when the host sends none.
const DEFAULT_BPM: f64 = 120.0;

/// What the editor reads: written on the audio thread, read on the GUI thread, all atomics.
pub struct ReverbDisplay {
    pub input_meter: Arc<MeterReadings>,
    pub output_meter: Arc<MeterReadings>,
}

impl Default for ReverbDisplay {
    fn default() -> Self {
        Self {
            input_meter: Arc::new(MeterReadings::default()),
            output_meter: Arc::new(MeterReadings::default()),
        }
    }
}

pub struct GelReverb {
    params: Arc<ReverbParams>,
    display: Arc<ReverbDisplay>,
    sample_rate: f32,
    mono_input: bool,
    reverb: Reverb,
    input_meter: LevelMeter,
    output_meter: LevelMeter,
    /// Consecutive silent input samples, to report the tail and then sleep.
    silent_samples: u64,
    /// True once the tail has rung out and the engine was cleared.
    asleep: bool,

    /// Meters run only while the editor is open.
    editor_watch: gel_plugin::EditorWatch,
}

impl Default for GelReverb {
    fn default() -> Self {
        let display = Arc::new(ReverbDisplay::default());
        Self {
            params: Arc::new(ReverbParams::default()),
            sample_rate: 48_000.0,
            mono_input: false,
            reverb: Reverb::new(),
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            display,
            silent_samples: 0,
            asleep: false,
            editor_watch: gel_plugin::EditorWatch::default(),
        }
    }
}

impl GelReverb {
    fn settings(&self, bpm: Option<f64>) -> ReverbSettings {
        let p = &self.params;
        let predelay_ms = if p.predelay_sync.value() {
            let bpm = bpm
                .filter(|b| b.is_finite() && *b > 1.0)
                .unwrap_or(DEFAULT_BPM);
            (f64::from(p.predelay_note.value().beats()) * 60_000.0 / bpm) as f32
        } else {
            p.predelay.value()
        }
        .clamp(0.0, MAX_PREDELAY_MS);
        ReverbSettings {
            algorithm: p.algorithm.value().into(),
            decay_s: p.decay.value(),
            size: p.size.value() / 100.0,
            diffusion: p.diffusion.value() / 100.0,
            predelay_ms,
            early_late: p.early_late.value() / 100.0,
            low_mult: p.low_mult.value(),
            low_crossover_hz: p.low_crossover.value(),
            high_mult: p.high_mult.value(),
            high_crossover_hz: p.high_crossover.value(),
            mod_depth: p.mod_depth.value() / 100.0,
            mod_rate_hz: p.mod_rate.value(),
            width: p.width.value() / 100.0,
            low_cut_hz: p.low_cut.value(),
            high_cut_hz: p.high_cut.value(),
            mix: p.mix.value() / 100.0,
            wet_only: p.wet_only.value(),
            freeze: p.freeze.value(),
            duck_amount: p.duck.value() / 100.0,
            duck_release_ms: p.duck_release.value(),
            output_gain: db_to_gain(p.output_gain.value()),
        }
    }
}

impl Plugin for GelReverb {
    const NAME: &'static str = "Gel Reverb";
    const VENDOR: &'static str = gel_plugin::VENDOR;
    const URL: &'static str = "https://gel-audio.org/reverb";
    const EMAIL: &'static str = gel_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = gel_plugin::STEREO_OR_MONO_IN;

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::ReverbEditor;

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
        self.reverb.set_settings(&self.settings(None));
        self.reverb.prepare(self.sample_rate, max_block);
        self.input_meter.prepare(self.sample_rate, max_block);
        self.output_meter.prepare(self.sample_rate, max_block);
        true
    }

    fn reset(&mut self) {
        self.reverb.set_settings(&self.settings(None));
        self.reverb.reset();
        self.input_meter.reset();
        self.output_meter.reset();
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
            let (left, right) = channels.split_at_mut(1);
            right[0].copy_from_slice(left[0]);
        }
        if guard::sanitize(channels) {
            self.reverb.clear();
        }
        let (left_slot, right_slot) = channels.split_at_mut(1);
        let (left, right) = (&mut *left_slot[0], &mut *right_slot[0]);

        let editor = self.editor_watch.poll(&self.params.editor_state);
        let editor_open = editor.open;
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
        }
        if editor_open {
            self.input_meter.process(&[left, right]);
        }

        let settings = self.settings(context.transport().tempo);
        let frozen = settings.freeze;
        let silent_input = guard::is_silent(&[left, right], SILENCE_THRESHOLD);
        self.silent_samples = if silent_input && !frozen {
            self.silent_samples + num_samples as u64
        } else {
            0
        };
        let tail = self.reverb.tail_samples() as u64;
        if silent_input && !frozen && !self.reverb.is_frozen() && self.silent_samples > tail {
            // Rung out: silence without running the DSP (cleared once, on the way in).
            if !self.asleep {
                self.reverb.set_settings(&settings);
                self.reverb.reset();
                self.asleep = true;
            }
            left.fill(0.0);
            right.fill(0.0);
            if editor_open {
                self.output_meter.process(&[left, right]);
            }
            return ProcessStatus::Normal;
        }
        self.asleep = false;
        self.reverb.set_settings(&settings);
        self.reverb.process(left, right);

        if editor_open {
            self.output_meter.process(&[left, right]);
        }
        if frozen || self.reverb.is_frozen() {
            ProcessStatus::KeepAlive
        } else {
            let left_over = tail.saturating_sub(self.silent_samples);
            ProcessStatus::Tail(left_over.min(u64::from(u32::MAX - 1)) as u32)
        }
    }
}

impl ClapPlugin for GelReverb {
    const CLAP_ID: &'static str = "org.gel-audio.reverb";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Room, hall, plate and chamber reverb with a decay you can trust");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Reverb,
    ];
}

impl Vst3Plugin for GelReverb {
    // Permanent: hosts find saved projects' plugins by this id.
    const VST3_CLASS_ID: [u8; 16] = *b"GelReverbPlugin1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Reverb];
}

nice_export_clap!(GelReverb);
nice_export_vst3!(GelReverb);
