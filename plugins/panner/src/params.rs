//! Gel Panner's parameters. The string ids (`#[id = ...]`) are permanent: hosts store automation
//! and presets by them (and nice-plug derives the CLAP/VST3 ids from them).

use std::sync::Arc;

use gel_dsp::stereo::pan::PanLaw;
use gel_dsp::stereo::stereo_placement::PanMode;
use gel_ui::param_text::{on_off, parse_on_off};
use nice_plug::prelude::*;

/// The pan mode as a host shows it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanModeParam {
    #[id = "balance"]
    #[name = "Balance"]
    Balance,
    #[id = "stereo-pan"]
    #[name = "Stereo Pan"]
    StereoPan,
    #[id = "dual"]
    #[name = "Dual"]
    Dual,
}

impl From<PanModeParam> for PanMode {
    fn from(mode: PanModeParam) -> Self {
        match mode {
            PanModeParam::Balance => PanMode::Balance,
            PanModeParam::StereoPan => PanMode::StereoPan,
            PanModeParam::Dual => PanMode::Dual,
        }
    }
}

/// The pan law as a host shows it: the level of a centred mono source.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanLawParam {
    #[id = "0db"]
    #[name = "0 dB"]
    ZeroDb,
    #[id = "-3db"]
    #[name = "-3 dB (constant power)"]
    Minus3Db,
    #[id = "-4.5db"]
    #[name = "-4.5 dB"]
    Minus4_5Db,
    #[id = "-6db"]
    #[name = "-6 dB (linear)"]
    Minus6Db,
}

impl From<PanLawParam> for PanLaw {
    fn from(law: PanLawParam) -> Self {
        match law {
            PanLawParam::ZeroDb => PanLaw::ZeroDb,
            PanLawParam::Minus3Db => PanLaw::Minus3Db,
            PanLawParam::Minus4_5Db => PanLaw::Minus4_5Db,
            PanLawParam::Minus6Db => PanLaw::Minus6Db,
        }
    }
}

/// Pan positions are −100 (hard left) ..= +100 (hard right), shown as `37L`, `C`, `37R`.
fn pan_param(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: -100.0,
            max: 100.0,
        },
    )
    .with_step_size(0.1)
    .with_value_to_string(Arc::new(format_pan))
    .with_string_to_value(Arc::new(parse_pan))
}

/// `-37.5` → `37.5L`, `0` → `C`, `100` → `100R`.
pub fn format_pan(value: f32) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "C".to_string()
    } else if rounded < 0.0 {
        format!("{}L", trim_number(-rounded))
    } else {
        format!("{}R", trim_number(rounded))
    }
}

fn trim_number(value: f32) -> String {
    let text = format!("{value:.1}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Accepts `37L`, `L37`, `37 R`, `C`, `centre`, and plain numbers (`-37` = 37L), in any case.
pub fn parse_pan(text: &str) -> Option<f32> {
    let text = text.trim().to_ascii_lowercase();
    if text == "c" || text == "center" || text == "centre" {
        return Some(0.0);
    }
    let (sign, number) = if let Some(n) = text.strip_suffix('l').or(text.strip_prefix('l')) {
        (-1.0, n)
    } else if let Some(n) = text.strip_suffix('r').or(text.strip_prefix('r')) {
        (1.0, n)
    } else {
        (1.0, text.as_str())
    };
    let value: f32 = number.trim().trim_end_matches('%').trim().parse().ok()?;
    value
        .is_finite()
        .then(|| (sign * value).clamp(-100.0, 100.0))
}

#[derive(Params)]
pub struct PannerParams {
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-state"]
    pub editor_state: Arc<gel_plugin::GelEditorState>,
    /// A/B slots and preset names (issue 13), saved with the project.
    #[persist = "presets"]
    pub presets: Arc<gel_presets::PresetSession>,

    #[id = "mode"]
    pub mode: EnumParam<PanModeParam>,
    #[id = "pan"]
    pub pan: FloatParam,
    #[id = "pan-left"]
    pub pan_left: FloatParam,
    #[id = "pan-right"]
    pub pan_right: FloatParam,
    #[id = "law"]
    pub law: EnumParam<PanLawParam>,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "mono-maker"]
    pub mono_maker: BoolParam,
    #[id = "mono-freq"]
    pub mono_frequency: FloatParam,
    #[id = "swap"]
    pub swap: BoolParam,
    #[id = "invert-left"]
    pub invert_left: BoolParam,
    #[id = "invert-right"]
    pub invert_right: BoolParam,
    #[id = "output"]
    pub output_gain: FloatParam,
}

/// Editor size in logical pixels at 100 % zoom.
pub const EDITOR_SIZE: (u32, u32) = (960, 420);

impl Default for PannerParams {
    fn default() -> Self {
        Self {
            editor_state: gel_plugin::GelEditorState::default_size(
                EDITOR_SIZE.0 as f32,
                EDITOR_SIZE.1 as f32,
            ),
            presets: Arc::default(),
            mode: EnumParam::new("Mode", PanModeParam::Balance),
            pan: pan_param("Pan", 0.0),
            pan_left: pan_param("Left Pan", -100.0),
            pan_right: pan_param("Right Pan", 100.0),
            law: EnumParam::new("Pan Law", PanLawParam::Minus3Db),
            width: FloatParam::new(
                "Width",
                100.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 200.0,
                },
            )
            .with_unit(" %")
            .with_step_size(0.1)
            .with_value_to_string(formatters::v2s_f32_rounded(1)),
            mono_maker: on_off("Mono Maker", false),
            mono_frequency: FloatParam::new(
                "Mono Below",
                120.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 500.0,
                    // Roughly logarithmic: 100 Hz sits near the middle of the knob.
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_step_size(1.0)
            .with_value_to_string(formatters::v2s_f32_hz_then_khz(0))
            .with_string_to_value(formatters::s2v_f32_hz_then_khz()),
            swap: BoolParam::new("Swap L/R", false)
                .with_value_to_string(Arc::new(|on| if on { "Swapped" } else { "Off" }.into()))
                .with_string_to_value(Arc::new(|s| {
                    let s = s.trim().to_ascii_lowercase();
                    if s == "swapped" {
                        Some(true)
                    } else {
                        parse_on_off(&s)
                    }
                })),
            invert_left: BoolParam::new("Invert Left", false)
                .with_value_to_string(Arc::new(format_polarity))
                .with_string_to_value(Arc::new(parse_polarity)),
            invert_right: BoolParam::new("Invert Right", false)
                .with_value_to_string(Arc::new(format_polarity))
                .with_string_to_value(Arc::new(parse_polarity)),
            output_gain: gel_ui::param_text::output_gain(),
        }
    }
}

fn format_polarity(inverted: bool) -> String {
    if inverted { "Inverted" } else { "Normal" }.to_string()
}

fn parse_polarity(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "inverted" | "invert" | "-" => Some(true),
        "normal" | "+" => Some(false),
        other => parse_on_off(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pan_text_round_trips() {
        for value in [-100.0, -37.5, -0.1, 0.0, 0.1, 12.0, 100.0] {
            let text = format_pan(value);
            assert_eq!(parse_pan(&text), Some(value), "{value} -> {text}");
        }
        assert_eq!(format_pan(-37.5), "37.5L");
        assert_eq!(format_pan(0.0), "C");
        assert_eq!(parse_pan("L20"), Some(-20.0));
        assert_eq!(parse_pan("-20"), Some(-20.0));
        assert_eq!(parse_pan("centre"), Some(0.0));
        assert_eq!(parse_pan("nonsense"), None);
    }
}
