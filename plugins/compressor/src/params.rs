//! Gel Compressor's parameters. The string ids (`#[id = ...]`) are permanent: hosts store
//! automation and presets by them (and nice-plug derives the CLAP/VST3 ids from them).
//!
//! [`CompressorParams::settings`] turns the values into gel-dsp's [`CompressorSettings`].

use std::sync::Arc;

use gel_dsp::dynamics::{ChannelMode, CompressorSettings, CompressorStyle, Detection};
use gel_plugin::param::{
    db_param, gain_db_param, hz_param, linear, on_off, output_gain, percent_param, ratio_param,
    skewed, time_ms_param,
};
use nice_plug::prelude::*;

/// The compressor's character as a host shows it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StyleParam {
    #[id = "clean"]
    #[name = "Clean"]
    Clean,
    #[id = "glue"]
    #[name = "Glue"]
    Glue,
    #[id = "opto"]
    #[name = "Opto"]
    Opto,
}

impl From<StyleParam> for CompressorStyle {
    fn from(s: StyleParam) -> Self {
        match s {
            StyleParam::Clean => CompressorStyle::Clean,
            StyleParam::Glue => CompressorStyle::Glue,
            StyleParam::Opto => CompressorStyle::Opto,
        }
    }
}

/// Level detector.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectionParam {
    #[id = "peak"]
    #[name = "Peak"]
    Peak,
    #[id = "rms"]
    #[name = "RMS"]
    Rms,
}

impl From<DetectionParam> for Detection {
    fn from(d: DetectionParam) -> Self {
        match d {
            DetectionParam::Peak => Detection::Peak,
            DetectionParam::Rms => Detection::Rms,
        }
    }
}

/// Left/right or mid/side compression.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelModeParam {
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
    #[id = "mid-side"]
    #[name = "Mid-Side"]
    MidSide,
}

impl From<ChannelModeParam> for ChannelMode {
    fn from(m: ChannelModeParam) -> Self {
        match m {
            ChannelModeParam::Stereo => ChannelMode::Stereo,
            ChannelModeParam::MidSide => ChannelMode::MidSide,
        }
    }
}

/// What the detector listens to: the main input or the "Sidechain" aux input.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SidechainParam {
    #[id = "internal"]
    #[name = "Internal"]
    Internal,
    #[id = "external"]
    #[name = "External"]
    External,
}

#[derive(Params)]
pub struct CompressorParams {
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-state"]
    pub editor_state: Arc<gel_plugin::GelEditorState>,
    /// A/B slots and preset names (issue 13), saved with the project.
    #[persist = "presets"]
    pub presets: Arc<gel_presets::PresetSession>,

    #[id = "threshold"]
    pub threshold: FloatParam,
    #[id = "ratio"]
    pub ratio: FloatParam,
    #[id = "knee"]
    pub knee: FloatParam,
    #[id = "attack"]
    pub attack: FloatParam,
    #[id = "release"]
    pub release: FloatParam,
    #[id = "auto_release"]
    pub auto_release: BoolParam,
    #[id = "range"]
    pub range: FloatParam,
    #[id = "makeup"]
    pub makeup: FloatParam,
    #[id = "auto_makeup"]
    pub auto_makeup: BoolParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "output_gain"]
    pub output_gain: FloatParam,
    #[id = "style"]
    pub style: EnumParam<StyleParam>,
    #[id = "detection"]
    pub detection: EnumParam<DetectionParam>,
    #[id = "rms_window"]
    pub rms_window: FloatParam,
    #[id = "stereo_link"]
    pub stereo_link: FloatParam,
    #[id = "channel_mode"]
    pub channel_mode: EnumParam<ChannelModeParam>,
    #[id = "lookahead"]
    pub lookahead: FloatParam,
    #[id = "sidechain"]
    pub sidechain: EnumParam<SidechainParam>,
    #[id = "sc_hp_on"]
    pub sc_hp_on: BoolParam,
    #[id = "sc_hp_freq"]
    pub sc_hp_freq: FloatParam,
    #[id = "sc_lp_on"]
    pub sc_lp_on: BoolParam,
    #[id = "sc_lp_freq"]
    pub sc_lp_freq: FloatParam,
    #[id = "sc_listen"]
    pub sc_listen: BoolParam,
}

/// Editor size in logical pixels at 100 % zoom.
pub const EDITOR_SIZE: (u32, u32) = (1180, 640);

/// The ratio knob's top end, which means ∞:1 (a limiter). Below it the ratio is what it says;
/// 1/99 of the level above threshold still passes at 99:1, so the last step to ∞ is small.
pub const RATIO_INFINITE: f32 = 100.0;

/// Longest lookahead in ms (the engine allocates for it).
pub const MAX_LOOKAHEAD_MS: f32 = 20.0;

/// The ratio the engine gets: the knob's top end is ∞.
pub fn ratio_value(knob: f32) -> f32 {
    if knob >= RATIO_INFINITE {
        f32::INFINITY
    } else {
        knob.max(1.0)
    }
}

impl Default for CompressorParams {
    fn default() -> Self {
        let defaults = CompressorSettings::default();
        Self {
            editor_state: gel_plugin::GelEditorState::for_size(EDITOR_SIZE),
            presets: Arc::default(),
            threshold: db_param("Threshold", defaults.threshold_db, -60.0, 0.0, 0.1),
            // 1 + 99·n⁴: 2:1 at a third of the knob, 4:1 at 0.42, 8:1 at the middle.
            ratio: ratio_param(
                "Ratio",
                defaults.ratio,
                skewed(1.0, RATIO_INFINITE, -2.0),
                0.01,
                RATIO_INFINITE,
            ),
            knee: db_param("Knee", defaults.knee_db, 0.0, 24.0, 0.1),
            // 0.01 + 500·n⁸: 1 ms at 0.56, 10 ms at 0.75, 100 ms at 0.92 of the knob.
            attack: time_ms_param(
                "Attack",
                defaults.attack_ms,
                skewed(0.01, 500.0, -3.0),
                0.01,
            ),
            // 1 + 4999·n^5.7: 100 ms at the middle, 1 s at 0.75.
            release: time_ms_param(
                "Release",
                defaults.release_ms,
                skewed(1.0, 5000.0, -2.5),
                0.01,
            ),
            auto_release: on_off("Auto Release", defaults.auto_release),
            range: db_param("Range", defaults.range_db.clamp(0.0, 60.0), 0.0, 60.0, 0.1),
            makeup: gain_db_param(
                "Makeup",
                defaults.makeup_db.clamp(0.0, 30.0),
                0.0,
                30.0,
                0.1,
            ),
            auto_makeup: on_off("Auto Makeup", defaults.auto_makeup),
            mix: percent_param("Mix", defaults.mix * 100.0, 100.0),
            output_gain: output_gain("Output Gain"),
            style: EnumParam::new("Style", StyleParam::Clean),
            detection: EnumParam::new("Detection", DetectionParam::Peak),
            rms_window: time_ms_param(
                "RMS Window",
                defaults.rms_window_ms,
                skewed(1.0, 100.0, -1.5),
                0.01,
            ),
            stereo_link: percent_param("Stereo Link", defaults.stereo_link * 100.0, 100.0),
            channel_mode: EnumParam::new("Channel Mode", ChannelModeParam::Stereo),
            // Not automatable: it is the plugin's latency, which a host re-reads only when the
            // plugin restarts; a moving latency cannot be compensated while playing.
            lookahead: time_ms_param(
                "Lookahead",
                defaults.lookahead_ms,
                linear(0.0, MAX_LOOKAHEAD_MS),
                0.01,
            )
            .non_automatable(),
            sidechain: EnumParam::new("Sidechain", SidechainParam::Internal),
            sc_hp_on: on_off("SC High-Pass On", false),
            sc_hp_freq: hz_param("SC High-Pass", 100.0, skewed(20.0, 2000.0, -2.0), Some(1.0)),
            sc_lp_on: on_off("SC Low-Pass On", false),
            sc_lp_freq: hz_param(
                "SC Low-Pass",
                8000.0,
                skewed(500.0, 20_000.0, -2.0),
                Some(1.0),
            ),
            // Not automatable: a monitoring aid (hear what the detector hears), not part of the
            // mix; it switches the output to the key signal without a crossfade.
            sc_listen: on_off("SC Listen", false),
        }
    }
}

impl CompressorParams {
    /// The engine settings for the current parameter values.
    pub fn settings(&self) -> CompressorSettings {
        CompressorSettings {
            threshold_db: self.threshold.value(),
            ratio: ratio_value(self.ratio.value()),
            knee_db: self.knee.value(),
            attack_ms: self.attack.value(),
            release_ms: self.release.value(),
            auto_release: self.auto_release.value(),
            range_db: self.range.value(),
            makeup_db: self.makeup.value(),
            auto_makeup: self.auto_makeup.value(),
            mix: self.mix.value() / 100.0,
            output_db: self.output_gain.value(),
            style: self.style.value().into(),
            detection: self.detection.value().into(),
            rms_window_ms: self.rms_window.value(),
            stereo_link: self.stereo_link.value() / 100.0,
            channel_mode: self.channel_mode.value().into(),
            lookahead_ms: self.lookahead.value().clamp(0.0, MAX_LOOKAHEAD_MS),
            sc_highpass_hz: self.sc_hp_on.value().then(|| self.sc_hp_freq.value()),
            sc_lowpass_hz: self.sc_lp_on.value().then(|| self.sc_lp_freq.value()),
            sc_listen: self.sc_listen.value(),
        }
    }

    /// True when the detector listens to the aux input.
    pub fn external_sidechain(&self) -> bool {
        self.sidechain.value() == SidechainParam::External
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_texts() {
        let p = CompressorParams::default();
        let text = |ratio: f32| {
            p.ratio
                .normalized_value_to_string(p.ratio.preview_normalized(ratio), true)
        };
        assert_eq!(text(4.0), "4.00:1");
        assert_eq!(text(RATIO_INFINITE), "∞:1");
        for typed in ["4", "4:1", " 4.0 : 1 "] {
            assert_eq!(
                p.ratio.string_to_normalized_value(typed),
                Some(p.ratio.preview_normalized(4.0)),
                "{typed:?}"
            );
        }
        assert_eq!(p.ratio.string_to_normalized_value("inf"), Some(1.0));
        assert_eq!(ratio_value(RATIO_INFINITE), f32::INFINITY);
        assert_eq!(ratio_value(2.5), 2.5);
    }

    #[test]
    fn ratio_knob_sits_where_the_comment_says() {
        let p = CompressorParams::default();
        let at = |n: f32| p.ratio.preview_plain(n);
        // 0.01 steps: 7.1875 shows as 7.19.
        assert!((at(0.5) - (1.0 + 99.0 / 16.0)).abs() < 0.006);
        assert!(p.ratio.preview_normalized(4.0) > 0.40 && p.ratio.preview_normalized(4.0) < 0.44);
    }

    #[test]
    fn defaults_map_to_the_engine_defaults() {
        let p = CompressorParams::default();
        let s = p.settings();
        let d = CompressorSettings::default();
        assert_eq!(s.threshold_db, d.threshold_db);
        assert_eq!(s.ratio, d.ratio);
        assert_eq!(s.knee_db, d.knee_db);
        assert!((s.attack_ms - d.attack_ms).abs() < 1e-3);
        assert!((s.release_ms - d.release_ms).abs() < 1e-3);
        assert_eq!(s.sc_highpass_hz, None);
        assert_eq!(s.sc_lowpass_hz, None);
        assert!(!p.external_sidechain());
    }
}
