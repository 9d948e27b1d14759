//! Gel Compressor: clean, glue and opto compression with an external sidechain, lookahead and
//! a display you can read.
//!
//! Glue only: parameters ([`params`]), the process call below to gel-dsp's compressor
//! ([`gel_dsp::dynamics::Compressor`]: detector, sidechain filters, gain computer with knee
//! and range, attack/release smoothing per style, lookahead, makeup, mix, output) and the
//! editor ([`editor`]) built from gel-ui. Per block (nice-plug splits blocks at parameter
//! events, so settings are sample accurate):
//!
//! 1. the host buffer becomes a stereo block (mono fan-out; non-finite input, main or
//!    sidechain, becomes silence and clears the engine; [`gel_plugin::stereo_block`]),
//! 2. the parameters become [`gel_dsp::dynamics::CompressorSettings`] (the engine glides gain
//!    and threshold changes); a lookahead change is reported to the host as the new latency,
//! 3. the engine compresses in place, keyed by the main input or, with Sidechain = External,
//!    by the "Sidechain" aux input,
//! 4. while the editor is open: level meters, and one frame of input peak, output peak and
//!    gain reduction per 10 ms into a lock-free ring the editor draws as history.
//!
//! Once the input (and an external key) has been silent for longer than the lookahead and the
//! gain reduction has settled, the engine outputs silence without running
//! ([`gel_plugin::SilenceTracker`], [`Compressor::sleep`]).

use std::num::NonZeroU32;
use std::sync::Arc;

use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::analysis::{HistoryWriter, SnapshotRing};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::guard;
use gel_dsp::dynamics::Compressor;
use gel_plugin::{stereo_block, EditorWatch, SilenceTracker};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::CompressorParams;

/// One history frame per this many ms …
pub const HISTORY_INTERVAL_MS: f32 = 10.0;
/// … for this many seconds.
pub const HISTORY_SECONDS: f32 = 4.0;
/// History lanes: input peak (dBFS), output peak (dBFS), gain reduction (dB, ≥ 0).
pub const HISTORY_LANES: usize = 3;

/// Main stereo in/out (or mono in, stereo out) plus a stereo aux input the detector can listen
/// to instead of the main input.
pub const LAYOUTS: &[AudioIOLayout] = &[
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: &[new_nonzero_u32(2)],
        names: PortNames {
            aux_inputs: &["Sidechain"],
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    },
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(1),
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: &[new_nonzero_u32(2)],
        names: PortNames {
            aux_inputs: &["Sidechain"],
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    },
];

/// What the editor reads: written on the audio thread, read on the GUI thread, all atomics.
pub struct CompressorDisplay {
    pub input_meter: Arc<MeterReadings>,
    pub output_meter: Arc<MeterReadings>,
    /// Per 10 ms: [input peak dBFS, output peak dBFS, gain reduction dB] (the largest of each
    /// in the interval, over both channels).
    pub history: SnapshotRing<HISTORY_LANES>,
}

impl Default for CompressorDisplay {
    fn default() -> Self {
        Self {
            input_meter: Arc::new(MeterReadings::default()),
            output_meter: Arc::new(MeterReadings::default()),
            history: SnapshotRing::new((HISTORY_SECONDS * 1000.0 / HISTORY_INTERVAL_MS) as usize),
        }
    }
}

pub struct GelCompressor {
    params: Arc<CompressorParams>,
    /// Gel Link (gel-link): this track's spectrum and placement for the other Gel instances.
    /// Held for its lifetime (drop frees the registry slot); editors read it.
    #[allow(dead_code)]
    link: Arc<gel_link::LinkHandle>,
    link_tap: gel_link::LinkTap,
    display: Arc<CompressorDisplay>,
    sample_rate: f32,
    mono_input: bool,
    compressor: Compressor,
    /// The latency last reported to the host.
    latency: u32,
    input_meter: LevelMeter,
    output_meter: LevelMeter,
    history: HistoryWriter<HISTORY_LANES>,
    /// Silent input (and key) samples, to know when the lookahead line has emptied.
    silence: SilenceTracker,
    /// Meters and history run only while the editor is open.
    editor_watch: EditorWatch,
    /// Zeros, one block long: the key of an external sidechain the host left unconnected.
    silent_key: Vec<f32>,
}

impl Default for GelCompressor {
    fn default() -> Self {
        let link = Arc::new(gel_link::LinkHandle::new(gel_link::PluginKind::Compressor));
        let display = Arc::new(CompressorDisplay::default());
        Self {
            params: Arc::new(CompressorParams::default()),
            link_tap: link.tap(),
            link,
            sample_rate: 48_000.0,
            mono_input: false,
            compressor: Compressor::new(),
            latency: 0,
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            history: HistoryWriter::default(),
            display,
            silence: SilenceTracker::new(),
            editor_watch: EditorWatch::default(),
            silent_key: Vec::new(),
        }
    }
}

/// The larger of two channel readings.
fn max2(v: [f32; 2]) -> f32 {
    v[0].max(v[1])
}

impl Plugin for GelCompressor {
    gel_plugin::plugin_constants!(name: "Gel Compressor", slug: "compressor", layouts: LAYOUTS);
    type Editor = editor::CompressorEditor;

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
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.link_tap.set_sample_rate(buffer_config.sample_rate);
        self.sample_rate = buffer_config.sample_rate;
        self.mono_input = gel_plugin::is_mono_input(audio_io_layout);
        let max_block = buffer_config.max_buffer_size as usize;
        self.compressor.prepare(self.sample_rate, max_block);
        self.silent_key = vec![0.0; max_block];
        self.compressor.set_settings(&self.params.settings());
        self.compressor.reset();
        // Always tell the host at activation: it may have asked before the state was loaded.
        self.latency = self.compressor.latency_samples();
        context.set_latency_samples(self.latency);
        self.input_meter.prepare(self.sample_rate, max_block);
        self.output_meter.prepare(self.sample_rate, max_block);
        self.history.prepare(self.sample_rate, HISTORY_INTERVAL_MS);
        true
    }

    fn reset(&mut self) {
        self.compressor.set_settings(&self.params.settings());
        self.compressor.reset();
        self.input_meter.reset();
        self.output_meter.reset();
        self.history.reset();
        self.silence.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _denormals = DenormalGuard::new();
        let num_samples = buffer.samples();
        let Some(block) = stereo_block::begin(buffer.as_slice(), self.mono_input) else {
            return ProcessStatus::Normal;
        };
        let mut bad_input = block.had_non_finite;
        let (left, right) = (block.left, block.right);
        self.link_tap.push_input(left, right);

        // The key: the aux input's first two channels (a mono aux keys both), or none.
        let mut key: Option<(&[f32], &[f32])> = None;
        if self.params.external_sidechain() {
            if let Some(sidechain) = aux.inputs.first_mut() {
                let key_channels = sidechain.as_slice();
                bad_input |= guard::sanitize(key_channels);
                match &*key_channels {
                    [l, r, ..] if l.len().min(r.len()) >= num_samples => {
                        key = Some((&l[..num_samples], &r[..num_samples]))
                    }
                    [m] if m.len() >= num_samples => {
                        key = Some((&m[..num_samples], &m[..num_samples]))
                    }
                    _ => {}
                }
            }
            // No usable sidechain (the host left it unconnected): the key is silence, never the
            // main input.
            let silence = &self.silent_key[..num_samples.min(self.silent_key.len())];
            key = key.or(Some((silence, silence)));
        }
        if bad_input {
            // A non-finite sample may already sit in the detector or the lookahead line.
            self.compressor.reset();
        }
        self.compressor.set_settings(&self.params.settings());
        let latency = self.compressor.latency_samples();
        if latency != self.latency {
            // A lookahead change: the host re-reads the latency (VST3 restarts the plugin).
            self.latency = latency;
            context.set_latency_samples(latency);
        }

        let editor = self.editor_watch.poll(&self.params.editor_state);
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
            self.history.reset();
            self.display.history.clear();
        }
        if editor.open {
            self.input_meter.process(&[left, right]);
        }

        // This block's output is the input `latency` samples ago: silent once the silence began
        // at least that long before the block (and the gain reduction has settled).
        let silent_key = key.is_none_or(|(l, r)| SilenceTracker::is_silent(&[l, r]));
        let silent = silent_key && SilenceTracker::is_silent(&[left, right]);
        self.silence.observe_verdict(silent, num_samples);
        if silent
            && self.silence.rung_out(u64::from(self.latency), num_samples)
            && self.compressor.is_idle()
        {
            self.compressor.sleep(left, right);
        } else {
            self.compressor.process(left, right, key);
        }

        if editor.open {
            self.output_meter.process(&[left, right]);
            let r = self.compressor.readings();
            self.history.push_block(
                &self.display.history,
                num_samples,
                [
                    max2(r.input_peak_db),
                    max2(r.output_peak_db),
                    max2(r.max_gain_reduction_db).max(0.0),
                ],
            );
        }
        self.link_tap.push_output(left, right);
        // The host may stop calling once input and output are quiet: the only tail is the
        // lookahead, which the host already knows as latency.
        ProcessStatus::Normal
    }
}

impl ClapPlugin for GelCompressor {
    gel_plugin::clap_constants!(
        slug: "compressor",
        description: "Clean, glue and opto compressor with sidechain and lookahead",
    );
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Compressor,
    ];
}

impl Vst3Plugin for GelCompressor {
    // Permanent: hosts find saved projects' plugins by this id.
    const VST3_CLASS_ID: [u8; 16] = *b"GelCompressPlug1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Dynamics];
}

nice_export_clap!(GelCompressor);
nice_export_vst3!(GelCompressor);
