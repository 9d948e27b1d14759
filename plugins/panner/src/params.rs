//! Gel Panner's parameters. The string ids (`#[id = ...]`) are permanent: hosts store automation
//! and presets by them (and nice-plug derives the CLAP/VST3 ids from them).

use std::sync::Arc;

use gel_dsp::stereo::pan::PanLaw;
use gel_dsp::stereo::stereo_placement::PanMode;
use gel_plugin::param::{hz_param, on_off, output_gain, percent_param, skewed, switch_param};
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
pub const EDITOR_SIZE: (u32, u32) = (1220, 420);

impl Default for PannerParams {
    fn default() -> Self {
        Self {
            editor_state: gel_plugin::GelEditorState::for_size(EDITOR_SIZE),
            presets: Arc::default(),
            mode: EnumParam::new("Mode", PanModeParam::Balance),
            pan: pan_param("Pan", 0.0),
            pan_left: pan_param("Left Pan", -100.0),
            pan_right: pan_param("Right Pan", 100.0),
            law: EnumParam::new("Pan Law", PanLawParam::Minus3Db),
            width: percent_param("Width", 100.0, 200.0),
            mono_maker: on_off("Mono Maker", false),
            // Roughly logarithmic: 100 Hz sits near the middle of the knob.
            mono_frequency: hz_param("Mono Below", 120.0, skewed(20.0, 500.0, -1.5), Some(1.0)),
            swap: switch_param("Swap L/R", false, "Off", "Swapped"),
            invert_left: switch_param("Invert Left", false, "Normal", "Inverted"),
            invert_right: switch_param("Invert Right", false, "Normal", "Inverted"),
            output_gain: output_gain("Output"),
        }
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
