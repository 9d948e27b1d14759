//! Gel EQ: a 16-band equalizer with zero-latency and linear-phase modes.
//!
//! Glue only: parameters ([`params`]) mapped onto gel-dsp's [`EqEngine`], which owns the whole
//! signal path (band schedule, mode crossfade, solo, output and auto gain, latency, tail; see
//! [`gel_dsp::eq::engine`]); the seam to the editor ([`shared`]) and the editor ([`editor`]).
//! Per block:
//!
//! 1. mono input fanned out, non-finite input made silence and every filter restarted clean
//!    ([`gel_plugin::stereo_block`]);
//! 2. mode, output gain × polarity, auto gain and the editor's solo handed to the engine (each
//!    setter ignores an unchanged value); a mode change reports its latency at once;
//! 3. silent input after the tail has rung out: silence out without running the DSP
//!    ([`SilenceTracker`]);
//! 4. the analyzer hears the input, the engine runs — reading the band targets from the
//!    parameters' smoothers once per sub-block ([`BandTargets`] below), dynamic bands keyed by
//!    their own range of the input or by the "Sidechain" aux input (silence when the host
//!    leaves it unconnected) — and the analyzer hears the output; each dynamic band's gain
//!    goes to the editor.

use std::num::NonZeroU32;
use std::sync::Arc;

use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::gain::db_to_gain;
use gel_dsp::blocks::guard;
use gel_dsp::eq::engine::BandTarget;
use gel_dsp::eq::{BandTargets, EqBand, EqEngine, EqMode};
use gel_plugin::{stereo_block, SilenceTracker};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;
pub mod shared;

use params::{EqParams, ModeParam, BANDS, MAX_FREQ_HZ, MIN_FREQ_HZ};

/// Main stereo in/out (or mono in, stereo out) plus a stereo aux input dynamic bands can be
/// keyed by (as Gel Compressor's).
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
use shared::EqEditorShared;

impl From<ModeParam> for EqMode {
    fn from(mode: ModeParam) -> Self {
        match mode {
            ModeParam::ZeroLatency => EqMode::ZeroLatency,
            ModeParam::LinearPhase => EqMode::LinearPhase,
        }
    }
}

/// The engine reads the bands straight from the parameters: frequency, gain and Q glide in
/// nice-plug's smoothers ([`params::BAND_SMOOTHING_MS`]), stepped by the engine once per
/// sub-block.
impl BandTargets for EqParams {
    fn advance(&self, index: usize, samples: u32) -> BandTarget {
        let p = &self.bands[index];
        let freq = p.freq.smoothed.next_step(samples);
        let gain_db = p.gain.smoothed.next_step(samples);
        let q = p.q.smoothed.next_step(samples);
        let band = EqBand {
            kind: p.kind.value().into(),
            freq_hz: freq.clamp(MIN_FREQ_HZ, MAX_FREQ_HZ),
            gain_db,
            q,
            slope: p.slope.value().into(),
        };
        p.is_active().then(|| (band, p.placement.value().into()))
    }

    fn gliding(&self) -> bool {
        self.bands.iter().any(|b| {
            b.is_active()
                && (b.freq.smoothed.is_smoothing()
                    || b.gain.smoothed.is_smoothing()
                    || b.q.smoothed.is_smoothing())
        })
    }

    fn snap(&self) {
        for b in self.bands.iter() {
            b.freq.smoothed.reset(b.freq.value());
            b.gain.smoothed.reset(b.gain.value());
            b.q.smoothed.reset(b.q.value());
        }
    }
}

pub struct GelEq {
    params: Arc<EqParams>,
    /// Gel Link (gel-link): this track's spectrum and placement for the other Gel instances.
    /// Held for its lifetime (drop frees the registry slot); editors read it.
    #[allow(dead_code)]
    link: Arc<gel_link::LinkHandle>,
    link_tap: gel_link::LinkTap,
    shared: Arc<EqEditorShared>,
    mono_input: bool,
    engine: EqEngine,
    silence: SilenceTracker,
    /// Zeros, one block long: the key of a sidechain the host left unconnected.
    silent_key: Vec<f32>,
}

impl Default for GelEq {
    fn default() -> Self {
        let link = Arc::new(gel_link::LinkHandle::new(gel_link::PluginKind::Eq));
        Self {
            params: Arc::new(EqParams::default()),
            link_tap: link.tap(),
            link,
            shared: Arc::new(EqEditorShared::new()),
            mono_input: false,
            engine: EqEngine::new(),
            silence: SilenceTracker::new(),
            silent_key: Vec::new(),
        }
    }
}

impl GelEq {
    /// Hands the settings besides the bands to the engine. Returns true when the latency
    /// changed (a mode switch started).
    fn push_settings(&mut self) -> bool {
        let p = &self.params;
        let gain = db_to_gain(p.output_gain.value());
        let polarity = if p.phase_invert.value() { -1.0 } else { 1.0 };
        self.engine.set_output_gain(polarity * gain);
        self.engine.set_auto_gain(p.auto_gain.value());
        self.engine.set_solo(self.shared.solo_band());
        self.engine.set_mode(p.mode.value().into())
    }
}

impl GelEq {
    /// Hands each band's dynamic settings (threshold and ratio smoothed over `samples` ≥ 1) and
    /// the listened band to the engine.
    fn push_dynamics(&mut self, samples: u32) {
        let mut listen = None;
        for (i, b) in self.params.bands.iter().enumerate() {
            let settings = b.dynamic_settings(samples);
            if settings.is_some() && b.is_active() && b.listen.value() && listen.is_none() {
                listen = Some(i);
            }
            self.engine.set_dynamic(i, settings);
        }
        self.engine.set_listen(listen);
    }

    /// Whether any active band is dynamic and keyed by the sidechain.
    fn keyed_by_sidechain(&self) -> bool {
        self.params.bands.iter().any(|b| {
            b.is_active() && b.is_dynamic() && b.source.value() == params::SourceParam::Sidechain
        })
    }
}

impl Plugin for GelEq {
    gel_plugin::plugin_constants!(name: "Gel EQ", slug: "eq", layouts: LAYOUTS);

    type Editor = editor::EqEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let label = gel_ui::link_panel::TrackLabel::new(self.link.clone());
        editor::create(self.params.clone(), self.shared.clone(), label)
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.link_tap.set_sample_rate(buffer_config.sample_rate);
        self.mono_input = gel_plugin::is_mono_input(audio_io_layout);
        self.shared.set_sample_rate(buffer_config.sample_rate);
        self.silent_key = vec![0.0; buffer_config.max_buffer_size as usize];
        self.push_dynamics(1);
        self.push_settings();
        self.engine.prepare(
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
            &*self.params,
        );
        context.set_latency_samples(self.engine.latency_samples());
        true
    }

    fn reset(&mut self) {
        self.push_dynamics(1);
        self.push_settings();
        self.engine.reset(&*self.params);
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
        self.push_dynamics(num_samples.max(1) as u32);
        let Some(block) = stereo_block::begin(buffer.as_slice(), self.mono_input) else {
            return ProcessStatus::Normal;
        };
        let mut bad_input = block.had_non_finite;
        if self.push_settings() {
            // Mode switch: the host hears about the new latency at once.
            context.set_latency_samples(self.engine.latency_samples());
        }
        // The sidechain: the aux input's first two channels (a mono aux keys both); read only
        // when a dynamic band listens to it. Unconnected: silence, never the main input.
        let mut key: Option<(&[f32], &[f32])> = None;
        if self.keyed_by_sidechain() {
            if let Some(sidechain) = aux.inputs.first_mut() {
                let channels = sidechain.as_slice();
                bad_input |= guard::sanitize(channels);
                match &*channels {
                    [l, r, ..] if l.len().min(r.len()) >= num_samples => {
                        key = Some((&l[..num_samples], &r[..num_samples]))
                    }
                    [m] if m.len() >= num_samples => {
                        key = Some((&m[..num_samples], &m[..num_samples]))
                    }
                    _ => {}
                }
            }
            let silence = &self.silent_key[..num_samples.min(self.silent_key.len())];
            key = key.or(Some((silence, silence)));
        }
        if bad_input {
            // Those samples became silence; no filter keeps the blow-up.
            self.engine.reset_filters();
        }
        let (left, right) = (block.left, block.right);
        self.link_tap.push_input(left, right);

        let samples = left.len();
        let silent = self.silence.observe(&[left, right]);
        if silent && self.silence.rung_out(self.engine.tail_samples(), samples) {
            self.engine.process_silence(samples, &*self.params);
            left.fill(0.0);
            right.fill(0.0);
            self.shared.feed_pre(left, right);
            self.shared.feed_post(left, right);
            self.link_tap.push_output(left, right);
            return ProcessStatus::Normal;
        }

        self.shared.feed_pre(left, right);
        self.engine.process_keyed(left, right, key, &*self.params);
        self.shared.feed_post(left, right);
        self.link_tap.push_output(left, right);
        for i in 0..BANDS {
            self.shared
                .set_dynamic_gain(i, self.engine.dynamic_gain_db(i));
        }
        // Always a tail, at least 1: the engine ran this block.
        let left_to_ring = self.silence.tail_left(self.engine.tail_samples());
        ProcessStatus::Tail(left_to_ring.clamp(1, u64::from(u32::MAX - 1)) as u32)
    }
}

impl ClapPlugin for GelEq {
    gel_plugin::clap_constants!(
        slug: "eq",
        description: "16-band equalizer with zero-latency and linear-phase modes",
    );
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
    use gel_dsp::eq::{BandType, Placement};

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
    fn parameters_are_the_band_targets() {
        let params = EqParams::default();
        assert_eq!(params.advance(0, 1), None, "a new instance has no band");
        for (name, text) in [
            ("Band 1 Used", "On"),
            ("Band 1 Type", "High Shelf"),
            ("Band 1 Frequency", "2 kHz"),
            ("Band 1 Gain", "-4"),
            ("Band 1 Q", "2"),
            ("Band 1 Placement", "Side"),
        ] {
            set_by_text(&params, name, text);
        }
        params.snap();
        assert!(!params.gliding());
        let (band, placement) = params.advance(0, 64).expect("band 1 is heard");
        let b = &params.bands[0];
        assert_eq!(
            (band.kind, band.freq_hz, band.gain_db, band.q, placement),
            (
                BandType::HighShelf,
                b.freq.value(),
                b.gain.value(),
                b.q.value(),
                Placement::Side
            )
        );
        assert!((band.freq_hz - 2000.0).abs() < 0.01 && (band.q - 2.0).abs() < 1e-4);
        set_by_text(&params, "Band 1 On", "Off");
        assert_eq!(params.advance(0, 1), None, "switched off");
        assert_eq!(EqMode::from(ModeParam::LinearPhase), EqMode::LinearPhase);
    }
}
