//! Gel Delay: tempo-synced stereo echoes that stay clean when you turn the knobs.
//!
//! Glue only: parameters ([`params`]), the process call below, and the editor ([`editor`])
//! built from gel-ui. The whole signal path is gel-dsp's [`DelayEngine`]: the echo loop (delay
//! lines with tape or fade time changes, loop filters, saturator, wow/flutter, freeze and the
//! stereo/ping-pong/mono routing), ducking by the input, equal-power dry/wet mix, width and
//! output gain, every change glided. Per block:
//!
//! 1. the host buffer becomes a stereo block (mono fan-out; non-finite input becomes silence
//!    and clears the loop; [`gel_plugin::stereo_block`]),
//! 2. the parameters become [`DelaySettings`], the times from the Time knobs or from note
//!    values at the host's tempo ([`gel_dsp::delay::tempo`], 120 BPM when the host sends none),
//! 3. the engine processes in place, or, while the input is silent and the loop has rung out,
//!    outputs silence without running ([`gel_plugin::SilenceTracker`]); the tail (the echoes
//!    still ringing) goes to the host, endless (KeepAlive) while frozen or at ≥ 100 % feedback,
//! 4. meters, head times and ducking depth for the editor.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::blocks::mix::MixSettings;
use gel_dsp::delay::echo::EchoSettings;
use gel_dsp::delay::engine::{DelayEngine, DelaySettings};
use gel_dsp::delay::tempo::{note_samples, sanitize_bpm};
use gel_plugin::{stereo_block, EditorWatch, SilenceTracker};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::{DelayParams, ModeParam};

/// A delay within this many samples of an integer is that integer (times typed in ms at
/// common rates, e.g. 250 ms at 48 kHz, land on whole samples despite f32 rounding).
const INTEGER_SNAP: f64 = 1e-3;

/// What the editor reads: written on the audio thread, read on the GUI thread, all atomics.
pub struct DelayDisplay {
    pub input_meter: Arc<MeterReadings>,
    pub output_meter: Arc<MeterReadings>,
    /// Ducking gain reduction in dB (≥ 0), the largest of the last block.
    pub duck_db: Arc<AtomicF32>,
    /// The delay times the heads are at, in ms.
    pub left_ms: Arc<AtomicF32>,
    pub right_ms: Arc<AtomicF32>,
    /// The tempo the synced times use.
    pub bpm: Arc<AtomicF32>,
}

impl Default for DelayDisplay {
    fn default() -> Self {
        Self {
            input_meter: Arc::new(MeterReadings::default()),
            output_meter: Arc::new(MeterReadings::default()),
            duck_db: Arc::new(AtomicF32::new(0.0)),
            left_ms: Arc::new(AtomicF32::new(375.0)),
            right_ms: Arc::new(AtomicF32::new(375.0)),
            bpm: Arc::new(AtomicF32::new(120.0)),
        }
    }
}

pub struct GelDelay {
    params: Arc<DelayParams>,
    /// Gel Link (gel-link): this track's spectrum and placement for the other Gel instances.
    /// Held for its lifetime (drop frees the registry slot); editors read it.
    #[allow(dead_code)]
    link: Arc<gel_link::LinkHandle>,
    link_tap: gel_link::LinkTap,
    display: Arc<DelayDisplay>,
    sample_rate: f32,
    mono_input: bool,
    engine: DelayEngine,
    input_meter: LevelMeter,
    output_meter: LevelMeter,
    silence: SilenceTracker,
    /// Meters run only while the editor is open.
    editor_watch: EditorWatch,
}

impl Default for GelDelay {
    fn default() -> Self {
        let link = Arc::new(gel_link::LinkHandle::new(gel_link::PluginKind::Delay));
        let display = Arc::new(DelayDisplay::default());
        Self {
            params: Arc::new(DelayParams::default()),
            link_tap: link.tap(),
            link,
            sample_rate: 48_000.0,
            mono_input: false,
            engine: DelayEngine::new(),
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            display,
            silence: SilenceTracker::new(),
            editor_watch: EditorWatch::default(),
        }
    }
}

impl GelDelay {
    /// Delay per side in samples at `bpm`.
    fn delay_targets(&self, bpm: f64) -> [f64; 2] {
        let p = &self.params;
        let sr = f64::from(self.sample_rate);
        let ms = |v: f32| f64::from(v) * sr / 1000.0;
        let sync = p.sync.value();
        let left = if sync {
            note_samples(p.note.value().into(), p.note_type.value().into(), bpm, sr)
        } else {
            ms(p.time.value())
        };
        let right = if p.mode.value() == ModeParam::Mono {
            left
        } else {
            let base = if p.link.value() {
                left
            } else if sync {
                note_samples(
                    p.note_right.value().into(),
                    p.note_type_right.value().into(),
                    bpm,
                    sr,
                )
            } else {
                ms(p.time_right.value())
            };
            base + ms(p.offset.value())
        };
        [left, right].map(|d| {
            if (d - d.round()).abs() < INTEGER_SNAP {
                d.round()
            } else {
                d
            }
        })
    }

    /// The parameters as the engine's settings, the tempo-synced times at `bpm`.
    fn settings(&self, bpm: f64) -> DelaySettings {
        let p = &self.params;
        DelaySettings {
            echo: EchoSettings {
                delay_samples: self.delay_targets(bpm),
                time_change: p.time_change.value().into(),
                mode: p.mode.value().into(),
                feedback: p.feedback.value() / 100.0,
                low_cut_on: p.low_cut_on.value(),
                low_cut_hz: p.low_cut.value(),
                high_cut_on: p.high_cut_on.value(),
                high_cut_hz: p.high_cut.value(),
                drive_db: p.drive.value(),
                wow_depth: p.wow.value() / 100.0,
                wow_rate_hz: p.wow_rate.value(),
                flutter_depth: p.flutter.value() / 100.0,
                flutter_rate_hz: p.flutter_rate.value(),
                freeze: p.freeze.value(),
            },
            duck_amount: p.duck.value() / 100.0,
            duck_release_ms: p.duck_release.value(),
            output: MixSettings {
                mix: p.mix.value() / 100.0,
                wet_only: p.wet_only.value(),
                width: p.width.value() / 100.0,
                output_gain: db_to_gain(p.output_gain.value()),
            },
        }
    }

    /// Head times, tempo and ducking depth for the editor.
    fn publish(&self, bpm: f64) {
        let d = self.engine.current_delays();
        let to_ms = |s: f64| (s * 1000.0 / f64::from(self.sample_rate)) as f32;
        self.display.left_ms.store(to_ms(d[0]), Relaxed);
        self.display.right_ms.store(to_ms(d[1]), Relaxed);
        self.display.bpm.store(bpm as f32, Relaxed);
        self.display
            .duck_db
            .store(self.engine.duck_reduction_db(), Relaxed);
    }
}

impl Plugin for GelDelay {
    gel_plugin::plugin_constants!(name: "Gel Delay", slug: "delay");
    type Editor = editor::DelayEditor;

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
        self.engine.prepare(self.sample_rate, max_block);
        self.input_meter.prepare(self.sample_rate, max_block);
        self.output_meter.prepare(self.sample_rate, max_block);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
        self.input_meter.reset();
        self.output_meter.reset();
        let bpm = sanitize_bpm(Some(f64::from(self.display.bpm.load(Relaxed))));
        self.engine.snap(&self.settings(bpm));
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
            // That sample became silence; the loop restarts clean.
            self.engine.reset();
        }
        let (left, right) = (block.left, block.right);
        self.link_tap.push_input(left, right);
        let bpm = sanitize_bpm(context.transport().tempo);
        let settings = self.settings(bpm);

        // Meters only run while someone looks at them.
        let editor = self.editor_watch.poll(&self.params.editor_state);
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
        }
        if editor.open {
            self.input_meter.process(&[left, right]);
        }

        // Silence in and nothing left in the loop: silence out, without running the DSP.
        let silent = self.silence.observe(&[left, right]);
        let asleep = silent && self.engine.is_quiet();
        if asleep {
            self.engine.sleep(&settings, left, right);
        } else {
            self.engine.set(&settings);
            self.engine.process(left, right);
        }
        if editor.open {
            self.output_meter.process(&[left, right]);
        }
        self.link_tap.push_output(left, right);
        self.publish(bpm);
        match self.engine.tail_samples() {
            _ if asleep => ProcessStatus::Normal,
            None => ProcessStatus::KeepAlive,
            Some(tail) => self.silence.tail_status(tail),
        }
    }
}

impl ClapPlugin for GelDelay {
    gel_plugin::clap_constants!(
        slug: "delay",
        description: "Tempo-synced stereo delay with tape and fade time changes",
    );
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Delay,
    ];
}

impl Vst3Plugin for GelDelay {
    // Permanent: hosts find saved projects' plugins by this id.
    const VST3_CLASS_ID: [u8; 16] = *b"GelDelayPlugin01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Delay];
}

nice_export_clap!(GelDelay);
nice_export_vst3!(GelDelay);
