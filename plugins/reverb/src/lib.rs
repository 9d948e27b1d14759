//! Gel Reverb: rooms, halls, plates and chambers whose decay you can trust.
//!
//! Glue only: parameters ([`params`]), the process call below to gel-dsp's reverb engine
//! ([`gel_dsp::reverb`]: pre-delay, diffuser, early reflections, FDN late reverb, filters,
//! width, ducking, mix), and the editor ([`editor`]) built from gel-ui. Per block:
//!
//! 1. the host buffer becomes a stereo block (mono fan-out; non-finite input becomes silence
//!    and clears the reverb; [`gel_plugin::stereo_block`]),
//! 2. the settings (pre-delay synced to the host tempo if asked) go to the engine, which glides
//!    every change (no clicks),
//! 3. the engine processes in place; meters feed the editor while it is open,
//! 4. the tail is reported (twice the longest band RT60, for −120 dB) and, once the input has
//!    been silent that long, the engine outputs silence without running
//!    ([`gel_plugin::SilenceTracker`], [`Reverb::sleep`]). While frozen it keeps running
//!    (KeepAlive).

use std::sync::Arc;

use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::delay::tempo::sanitize_bpm;
use gel_dsp::reverb::{Reverb, ReverbSettings, MAX_PREDELAY_MS};
use gel_plugin::{stereo_block, EditorWatch, SilenceTracker};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::ReverbParams;

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
    /// Gel Link (gel-link): this track's spectrum and placement for the other Gel instances.
    /// Held for its lifetime (drop frees the registry slot); editors read it.
    #[allow(dead_code)]
    link: Arc<gel_link::LinkHandle>,
    link_tap: gel_link::LinkTap,
    display: Arc<ReverbDisplay>,
    sample_rate: f32,
    mono_input: bool,
    reverb: Reverb,
    input_meter: LevelMeter,
    output_meter: LevelMeter,
    /// Silent (and not frozen) input samples, to report the tail and then sleep.
    silence: SilenceTracker,
    /// Meters run only while the editor is open.
    editor_watch: EditorWatch,
}

impl Default for GelReverb {
    fn default() -> Self {
        let link = Arc::new(gel_link::LinkHandle::new(gel_link::PluginKind::Reverb));
        let display = Arc::new(ReverbDisplay::default());
        Self {
            params: Arc::new(ReverbParams::default()),
            link_tap: link.tap(),
            link,
            sample_rate: 48_000.0,
            mono_input: false,
            reverb: Reverb::new(),
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            display,
            silence: SilenceTracker::new(),
            editor_watch: EditorWatch::default(),
        }
    }
}

impl GelReverb {
    fn settings(&self, bpm: Option<f64>) -> ReverbSettings {
        let p = &self.params;
        let predelay_ms = if p.predelay_sync.value() {
            let beat_ms = 60_000.0 / sanitize_bpm(bpm);
            (f64::from(p.predelay_note.value().beats()) * beat_ms) as f32
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
    gel_plugin::plugin_constants!(name: "Gel Reverb", slug: "reverb");
    type Editor = editor::ReverbEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        // Gel Link: the host's track name is this instance's label in other Gel editors.
        let label = gel_ui::link_panel::TrackLabel::new(self.link.clone());
        editor::create(self.params.clone(), self.display.clone()).map(|e| label.follow_host(e))
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.link_tap.set_sample_rate(buffer_config.sample_rate);
        self.sample_rate = buffer_config.sample_rate;
        self.mono_input = gel_plugin::is_mono_input(audio_io_layout);
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
        self.silence.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _denormals = DenormalGuard::new();
        let Some(block) = stereo_block::begin(buffer.as_slice(), self.mono_input) else {
            return ProcessStatus::Normal;
        };
        if block.had_non_finite {
            self.reverb.clear();
        }
        let (left, right) = (block.left, block.right);
        self.link_tap.push_input(left, right);

        let editor = self.editor_watch.poll(&self.params.editor_state);
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
        }
        if editor.open {
            self.input_meter.process(&[left, right]);
        }

        // Frozen, the input is muted but the tank holds: never asleep.
        let settings = self.settings(context.transport().tempo);
        let frozen = settings.freeze || self.reverb.is_frozen();
        let silent = SilenceTracker::is_silent(&[left, right]) && !frozen;
        self.silence.observe_verdict(silent, left.len());
        let tail = self.reverb.tail_samples() as u64;
        let asleep = silent && self.silence.rung_out(tail, left.len());
        if asleep {
            self.reverb.sleep(&settings, left, right);
        } else {
            self.reverb.set_settings(&settings);
            self.reverb.process(left, right);
        }

        if editor.open {
            self.output_meter.process(&[left, right]);
        }
        self.link_tap.push_output(left, right);
        if asleep {
            ProcessStatus::Normal
        } else if frozen {
            ProcessStatus::KeepAlive
        } else {
            self.silence.tail_status(tail)
        }
    }
}

impl ClapPlugin for GelReverb {
    gel_plugin::clap_constants!(
        slug: "reverb",
        description: "Room, hall, plate and chamber reverb with a decay you can trust",
    );
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
