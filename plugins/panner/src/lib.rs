//! Gel Panner: place an instrument in the stereo field, set its width, keep its bass mono.
//!
//! Glue only: parameters ([`params`]), the process call below, and the editor ([`editor`])
//! built from gel-ui. The whole signal path is gel-dsp's [`PannerEngine`]: the mono-maker
//! (side signal removed below its crossover, crossfaded in and out so the switch never clicks),
//! then polarity, swap, width, pan and output gain as one ramped 2×2 matrix. Per block:
//!
//! 1. the host buffer becomes a stereo block (mono fan-out; non-finite input becomes silence
//!    and resets the filters; [`gel_plugin::stereo_block`]),
//! 2. the parameters become [`PannerSettings`] and the engine processes in place, or, once the
//!    input is silent and the mono-maker has rung out, outputs silence without running
//!    ([`gel_plugin::SilenceTracker`]); the tail (the crossover's ring-out) goes to the host,
//! 3. meters, correlation and the goniometer feed for the editor while it is open.

use std::sync::Arc;

use gel_dsp::analysis::correlation::{CorrelationMeter, ScopeBuffer};
use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::stereo::engine::{PannerEngine, PannerSettings};
use gel_dsp::stereo::stereo_placement::PlacementSettings;
use gel_plugin::{stereo_block, EditorWatch, SilenceTracker};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::PannerParams;

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
    /// Gel Link (gel-link): this track's spectrum and placement for the other Gel instances.
    /// Held for its lifetime (drop frees the registry slot); editors read it.
    #[allow(dead_code)]
    link: Arc<gel_link::LinkHandle>,
    link_tap: gel_link::LinkTap,
    display: Arc<PannerDisplay>,
    sample_rate: f32,
    mono_input: bool,
    engine: PannerEngine,
    input_meter: LevelMeter,
    output_meter: LevelMeter,
    correlation: CorrelationMeter,
    silence: SilenceTracker,
    /// Meters run only while the editor is open.
    editor_watch: EditorWatch,
}

impl Default for GelPanner {
    fn default() -> Self {
        let link = Arc::new(gel_link::LinkHandle::new(gel_link::PluginKind::Panner));
        let display = Arc::new(PannerDisplay::default());
        Self {
            params: Arc::new(PannerParams::default()),
            link_tap: link.tap(),
            link,
            sample_rate: 48_000.0,
            mono_input: false,
            engine: PannerEngine::new(),
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            correlation: CorrelationMeter::new(display.correlation.clone()),
            display,
            silence: SilenceTracker::new(),
            editor_watch: EditorWatch::default(),
        }
    }
}

impl GelPanner {
    /// The parameters as the engine's settings.
    fn settings(&self) -> PannerSettings {
        let p = &self.params;
        PannerSettings {
            placement: PlacementSettings {
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
            },
            mono_maker: p.mono_maker.value(),
            mono_frequency_hz: p.mono_frequency.value(),
        }
    }
}

impl Plugin for GelPanner {
    gel_plugin::plugin_constants!(name: "Gel Panner", slug: "panner");
    type Editor = editor::PannerEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let label = gel_ui::link_panel::TrackLabel::new(self.link.clone());
        editor::create(self.params.clone(), self.display.clone(), label)
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
        self.engine.prepare(self.sample_rate, max_block);
        self.input_meter.prepare(self.sample_rate, max_block);
        self.output_meter.prepare(self.sample_rate, max_block);
        self.correlation.prepare(self.sample_rate, max_block);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
        self.engine.snap(&self.settings());
        self.input_meter.reset();
        self.output_meter.reset();
        self.correlation.reset();
        self.silence.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _denormals = DenormalGuard::new();
        let Some(block) = stereo_block::begin(buffer.as_slice(), self.mono_input) else {
            return ProcessStatus::Normal;
        };
        if block.had_non_finite {
            // That sample became silence; the filters restart clean.
            self.engine.reset();
        }
        let (left, right) = (block.left, block.right);
        self.link_tap.push_input(left, right);
        let settings = self.settings();

        // Meters, correlation and goniometer only run while someone looks at them.
        let editor = self.editor_watch.poll(&self.params.editor_state);
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
            self.correlation.reset();
        }
        if editor.open {
            self.input_meter.process(&[left, right]);
        }

        // Silence in: once the tail has rung out, silence out without running the DSP.
        let silent = self.silence.observe(&[left, right]);
        let asleep = silent
            && self
                .silence
                .rung_out(self.engine.tail_samples(), left.len());
        if asleep {
            self.engine.sleep(&settings, left, right);
        } else {
            self.engine.set(&settings);
            self.engine.process(left, right);
        }
        if editor.open {
            self.output_meter.process(&[left, right]);
            self.correlation.process(left, right);
            if !asleep {
                self.display.scope.push_block(left, right);
            }
        }
        self.link_tap.push_output(left, right);
        if asleep {
            ProcessStatus::Normal
        } else {
            self.silence.tail_status(self.engine.tail_samples())
        }
    }
}

impl ClapPlugin for GelPanner {
    gel_plugin::clap_constants!(
        slug: "panner",
        description: "Pan, balance, width and mono-maker for mixing",
    );
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
