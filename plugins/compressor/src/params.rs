//! Gel Compressor's parameters. The string ids (`#[id = ...]`) are permanent: hosts store
//! automation and presets by them (and nice-plug derives the CLAP/VST3 ids from them).
//!
//! [`CompressorParams::settings`] turns the values into gel-dsp's [`CompressorSettings`].

use std::sync::Arc;

use gel_dsp::dynamics::{ChannelMode, CompressorSettings, CompressorStyle, Detection};
use gel_ui::param_text::{on_off, parse_number_with_unit as parse_number};
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

/// `4.0:1`, `12.5:1`, and `∞:1` at the top of the range.
pub fn format_ratio(ratio: f32) -> String {
    if ratio >= RATIO_INFINITE {
        "∞:1".to_string()
    } else {
        format!("{ratio:.1}:1")
    }
}

/// Accepts `4`, `4:1`, `4.0 : 1`, `inf`, `∞`, `∞:1`, `infinity`.
pub fn parse_ratio(text: &str) -> Option<f32> {
    let t = text.trim().to_ascii_lowercase();
    let number = t
        .strip_suffix(":1")
        .or_else(|| t.strip_suffix(": 1"))
        .unwrap_or(&t)
        .trim();
    match number {
        "inf" | "∞" | "infinity" => Some(RATIO_INFINITE),
        _ => number
            .parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| v.min(RATIO_INFINITE)),
    }
}

/// The ratio the engine gets: the knob's top end is ∞.
pub fn ratio_value(knob: f32) -> f32 {
    if knob >= RATIO_INFINITE {
        f32::INFINITY
    } else {
        knob.max(1.0)
    }
}

/// `0.05 ms`, `2.50 ms`, `30.0 ms`, `250 ms`, `1.50 s`.
pub fn format_time_ms(ms: f32) -> String {
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Accepts `30`, `30 ms`, `30ms`, `1.5 s`, `1.5s`, `50 us` (a bare number is milliseconds).
pub fn parse_time_ms(text: &str) -> Option<f32> {
    let t = text.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix("us").or_else(|| t.strip_suffix("µs")) {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f32 = number.trim().parse().ok()?;
    v.is_finite().then_some(v * scale)
}

fn time_param(name: &str, default: f32, min: f32, max: f32, skew: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(skew),
        },
    )
    .with_step_size(0.01)
    .with_value_to_string(Arc::new(format_time_ms))
    .with_string_to_value(Arc::new(parse_time_ms))
}

fn decibels(name: &str, default: f32, min: f32, max: f32, signed: bool) -> FloatParam {
    let param = FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_unit(" dB")
        .with_step_size(0.1)
        .with_string_to_value(Arc::new(parse_number));
    if signed {
        param.with_value_to_string(Arc::new(|db| format!("{db:+.1}")))
    } else {
        param.with_value_to_string(formatters::v2s_f32_rounded(1))
    }
}

fn percent(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: 0.0,
            max: 100.0,
        },
    )
    .with_unit(" %")
    .with_step_size(0.1)
    .with_value_to_string(formatters::v2s_f32_rounded(1))
    .with_string_to_value(Arc::new(parse_number))
}

fn hz(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_step_size(1.0)
    .with_value_to_string(formatters::v2s_f32_hz_then_khz(0))
    .with_string_to_value(formatters::s2v_f32_hz_then_khz())
}

impl Default for CompressorParams {
    fn default() -> Self {
        let defaults = CompressorSettings::default();
        Self {
            editor_state: gel_plugin::GelEditorState::default_size(
                EDITOR_SIZE.0 as f32,
                EDITOR_SIZE.1 as f32,
            ),
            presets: Arc::default(),
            threshold: decibels("Threshold", defaults.threshold_db, -60.0, 0.0, false),
            ratio: FloatParam::new(
                "Ratio",
                defaults.ratio,
                FloatRange::Skewed {
                    min: 1.0,
                    max: RATIO_INFINITE,
                    // 1 + 99·n⁴: 2:1 at a third of the knob, 4:1 at 0.42, 8:1 at the middle.
                    factor: FloatRange::skew_factor(-2.0),
                },
            )
            .with_step_size(0.01)
            .with_value_to_string(Arc::new(format_ratio))
            .with_string_to_value(Arc::new(parse_ratio)),
            knee: decibels("Knee", defaults.knee_db, 0.0, 24.0, false),
            // 0.01 + 500·n⁸: 1 ms at 0.56, 10 ms at 0.75, 100 ms at 0.92 of the knob.
            attack: time_param("Attack", defaults.attack_ms, 0.01, 500.0, -3.0),
            // 1 + 4999·n^5.7: 100 ms at the middle, 1 s at 0.75.
            release: time_param("Release", defaults.release_ms, 1.0, 5000.0, -2.5),
            auto_release: on_off("Auto Release", defaults.auto_release),
            range: decibels(
                "Range",
                defaults.range_db.clamp(0.0, 60.0),
                0.0,
                60.0,
                false,
            ),
            makeup: decibels(
                "Makeup",
                defaults.makeup_db.clamp(0.0, 30.0),
                0.0,
                30.0,
                true,
            ),
            auto_makeup: on_off("Auto Makeup", defaults.auto_makeup),
            mix: percent("Mix", defaults.mix * 100.0),
            output_gain: gel_ui::param_text::output_gain_named("Output Gain"),
            style: EnumParam::new("Style", StyleParam::Clean),
            detection: EnumParam::new("Detection", DetectionParam::Peak),
            rms_window: time_param("RMS Window", defaults.rms_window_ms, 1.0, 100.0, -1.5),
            stereo_link: percent("Stereo Link", defaults.stereo_link * 100.0),
            channel_mode: EnumParam::new("Channel Mode", ChannelModeParam::Stereo),
            // Not automatable: it is the plugin's latency, which a host re-reads only when the
            // plugin restarts; a moving latency cannot be compensated while playing.
            lookahead: FloatParam::new(
                "Lookahead",
                defaults.lookahead_ms,
                FloatRange::Linear {
                    min: 0.0,
                    max: MAX_LOOKAHEAD_MS,
                },
            )
            .with_unit(" ms")
            .with_step_size(0.01)
            .with_value_to_string(formatters::v2s_f32_rounded(2))
            .with_string_to_value(Arc::new(parse_time_ms))
            .non_automatable(),
            sidechain: EnumParam::new("Sidechain", SidechainParam::Internal),
            sc_hp_on: on_off("SC High-Pass On", false),
            sc_hp_freq: hz("SC High-Pass", 100.0, 20.0, 2000.0),
            sc_lp_on: on_off("SC Low-Pass On", false),
            sc_lp_freq: hz("SC Low-Pass", 8000.0, 500.0, 20_000.0),
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
        assert_eq!(format_ratio(4.0), "4.0:1");
        assert_eq!(format_ratio(RATIO_INFINITE), "∞:1");
        for text in ["4", "4:1", "4.0:1", " 4.0 : 1 "] {
            assert_eq!(parse_ratio(text), Some(4.0), "{text:?}");
        }
        for text in ["inf", "INF", "∞", "∞:1", "infinity"] {
            assert_eq!(parse_ratio(text), Some(RATIO_INFINITE), "{text:?}");
        }
        assert_eq!(parse_ratio("lots"), None);
        assert_eq!(ratio_value(RATIO_INFINITE), f32::INFINITY);
        assert_eq!(ratio_value(2.5), 2.5);
        for r in [1.0f32, 1.5, 4.0, 20.0, 99.9] {
            let back = parse_ratio(&format_ratio(r)).unwrap();
            assert!((back - r).abs() < 0.051, "{r} -> {back}");
        }
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
    fn time_texts_round_trip() {
        for ms in [0.01f32, 0.5, 2.25, 10.0, 37.5, 250.0, 1500.0, 5000.0] {
            let text = format_time_ms(ms);
            let back = parse_time_ms(&text).unwrap();
            assert!(
                (back - ms).abs() <= 0.005 * ms.max(1.0),
                "{ms} -> {text} -> {back}"
            );
        }
        assert_eq!(parse_time_ms("30"), Some(30.0));
        assert_eq!(parse_time_ms("1.5s"), Some(1500.0));
        assert_eq!(parse_time_ms("50 us"), Some(0.05));
        assert_eq!(parse_time_ms("soon"), None);
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
