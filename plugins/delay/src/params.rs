//! Gel Delay's parameters. The string ids (`#[id = ...]`) are permanent: hosts store automation
//! and presets by them (and nice-plug derives the CLAP/VST3 ids from them).

use std::sync::Arc;

use gel_dsp::delay::echo::EchoMode;
use gel_dsp::delay::tempo::{NoteFeel, NoteValue};
use gel_dsp::delay::time_change::TimeChangeMode;
use gel_ui::param_text::{on_off, parse_number_with_unit as parse_number, parse_on_off};
use nice_plug::prelude::*;

/// Synced note value as a host shows it (a bar is a whole note, 4/4).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteParam {
    #[id = "1/64"]
    #[name = "1/64"]
    SixtyFourth,
    #[id = "1/32"]
    #[name = "1/32"]
    ThirtySecond,
    #[id = "1/16"]
    #[name = "1/16"]
    Sixteenth,
    #[id = "1/8"]
    #[name = "1/8"]
    Eighth,
    #[id = "1/4"]
    #[name = "1/4"]
    Quarter,
    #[id = "1/2"]
    #[name = "1/2"]
    Half,
    #[id = "1-bar"]
    #[name = "1 bar"]
    Bar,
    #[id = "2-bars"]
    #[name = "2 bars"]
    TwoBars,
    #[id = "4-bars"]
    #[name = "4 bars"]
    FourBars,
}

impl From<NoteParam> for NoteValue {
    fn from(n: NoteParam) -> Self {
        match n {
            NoteParam::SixtyFourth => NoteValue::SixtyFourth,
            NoteParam::ThirtySecond => NoteValue::ThirtySecond,
            NoteParam::Sixteenth => NoteValue::Sixteenth,
            NoteParam::Eighth => NoteValue::Eighth,
            NoteParam::Quarter => NoteValue::Quarter,
            NoteParam::Half => NoteValue::Half,
            NoteParam::Bar => NoteValue::Bar,
            NoteParam::TwoBars => NoteValue::TwoBars,
            NoteParam::FourBars => NoteValue::FourBars,
        }
    }
}

/// Straight, dotted or triplet.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteTypeParam {
    #[id = "straight"]
    #[name = "Straight"]
    Straight,
    #[id = "dotted"]
    #[name = "Dotted"]
    Dotted,
    #[id = "triplet"]
    #[name = "Triplet"]
    Triplet,
}

impl From<NoteTypeParam> for NoteFeel {
    fn from(n: NoteTypeParam) -> Self {
        match n {
            NoteTypeParam::Straight => NoteFeel::Straight,
            NoteTypeParam::Dotted => NoteFeel::Dotted,
            NoteTypeParam::Triplet => NoteFeel::Triplet,
        }
    }
}

/// Stereo routing.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
    #[id = "ping-pong"]
    #[name = "Ping-Pong"]
    PingPong,
    #[id = "mono"]
    #[name = "Mono"]
    Mono,
}

impl From<ModeParam> for EchoMode {
    fn from(m: ModeParam) -> Self {
        match m {
            ModeParam::Stereo => EchoMode::Stereo,
            ModeParam::PingPong => EchoMode::PingPong,
            ModeParam::Mono => EchoMode::Mono,
        }
    }
}

/// How time changes sound.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeChangeParam {
    #[id = "tape"]
    #[name = "Tape"]
    Tape,
    #[id = "fade"]
    #[name = "Fade"]
    Fade,
}

impl From<TimeChangeParam> for TimeChangeMode {
    fn from(m: TimeChangeParam) -> Self {
        match m {
            TimeChangeParam::Tape => TimeChangeMode::Tape,
            TimeChangeParam::Fade => TimeChangeMode::Fade,
        }
    }
}

#[derive(Params)]
pub struct DelayParams {
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-state"]
    pub editor_state: Arc<gel_plugin::GelEditorState>,
    /// A/B slots and preset names (issue 13), saved with the project.
    #[persist = "presets"]
    pub presets: Arc<gel_presets::PresetSession>,

    #[id = "time"]
    pub time: FloatParam,
    #[id = "time-r"]
    pub time_right: FloatParam,
    #[id = "link"]
    pub link: BoolParam,
    #[id = "offset"]
    pub offset: FloatParam,
    #[id = "sync"]
    pub sync: BoolParam,
    #[id = "note"]
    pub note: EnumParam<NoteParam>,
    #[id = "note-type"]
    pub note_type: EnumParam<NoteTypeParam>,
    #[id = "note-r"]
    pub note_right: EnumParam<NoteParam>,
    #[id = "note-type-r"]
    pub note_type_right: EnumParam<NoteTypeParam>,
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
    #[id = "time-change"]
    pub time_change: EnumParam<TimeChangeParam>,
    #[id = "feedback"]
    pub feedback: FloatParam,
    #[id = "low-cut-on"]
    pub low_cut_on: BoolParam,
    #[id = "low-cut"]
    pub low_cut: FloatParam,
    #[id = "high-cut-on"]
    pub high_cut_on: BoolParam,
    #[id = "high-cut"]
    pub high_cut: FloatParam,
    #[id = "drive"]
    pub drive: FloatParam,
    #[id = "wow"]
    pub wow: FloatParam,
    #[id = "wow-rate"]
    pub wow_rate: FloatParam,
    #[id = "flutter"]
    pub flutter: FloatParam,
    #[id = "flutter-rate"]
    pub flutter_rate: FloatParam,
    #[id = "duck"]
    pub duck: FloatParam,
    #[id = "duck-release"]
    pub duck_release: FloatParam,
    #[id = "freeze"]
    pub freeze: BoolParam,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "wet-only"]
    pub wet_only: BoolParam,
    #[id = "output"]
    pub output_gain: FloatParam,
}

/// Editor size in logical pixels at 100 % zoom.
pub const EDITOR_SIZE: (u32, u32) = (1240, 430);

/// `0.8` → `0.80 ms`, `375` → `375.0 ms`, `1250` → `1.250 s`.
pub fn format_time_ms(ms: f32) -> String {
    if ms < 100.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.3} s", ms / 1000.0)
    }
}

/// Accepts `375`, `375 ms`, `375ms`, `1.25 s`, `1.25s` (a bare number is milliseconds).
pub fn parse_time_ms(text: &str) -> Option<f32> {
    let t = text.trim().to_ascii_lowercase();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f32 = number.trim().parse().ok()?;
    (v.is_finite()).then_some(v * scale)
}

fn time_param(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: 1.0,
            max: 4000.0,
            // Close to logarithmic: 100 ms sits near a third of the way, 1 s near two thirds.
            factor: FloatRange::skew_factor(-2.2),
        },
    )
    .with_step_size(0.01)
    .with_value_to_string(Arc::new(format_time_ms))
    .with_string_to_value(Arc::new(parse_time_ms))
}

fn percent(name: &str, default: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max })
        .with_unit(" %")
        .with_step_size(0.1)
        .with_value_to_string(formatters::v2s_f32_rounded(1))
        .with_string_to_value(Arc::new(parse_number))
}

fn hz(name: &str, default: f32, min: f32, max: f32, digits: usize) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_step_size(if digits == 0 { 1.0 } else { 0.01 })
    .with_value_to_string(formatters::v2s_f32_hz_then_khz(digits))
    .with_string_to_value(formatters::s2v_f32_hz_then_khz())
}

fn rate(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-1.0),
        },
    )
    .with_unit(" Hz")
    .with_step_size(0.01)
    .with_value_to_string(formatters::v2s_f32_rounded(2))
    .with_string_to_value(Arc::new(parse_number))
}

impl Default for DelayParams {
    fn default() -> Self {
        Self {
            editor_state: gel_plugin::GelEditorState::default_size(
                EDITOR_SIZE.0 as f32,
                EDITOR_SIZE.1 as f32,
            ),
            presets: Arc::default(),
            time: time_param("Time", 375.0),
            time_right: time_param("Right Time", 375.0),
            link: BoolParam::new("Link L/R", true)
                .with_value_to_string(Arc::new(|on| {
                    if on { "Linked" } else { "Independent" }.to_string()
                }))
                .with_string_to_value(Arc::new(|s| match s.trim().to_ascii_lowercase().as_str() {
                    "linked" => Some(true),
                    "independent" => Some(false),
                    other => parse_on_off(other),
                })),
            offset: FloatParam::new(
                "Stereo Offset",
                0.0,
                FloatRange::Linear {
                    min: -100.0,
                    max: 100.0,
                },
            )
            .with_unit(" ms")
            .with_step_size(0.01)
            .with_value_to_string(Arc::new(|v| format!("{v:+.2}")))
            .with_string_to_value(Arc::new(parse_number)),
            sync: on_off("Sync", false),
            note: EnumParam::new("Note", NoteParam::Quarter),
            note_type: EnumParam::new("Note Type", NoteTypeParam::Straight),
            note_right: EnumParam::new("Right Note", NoteParam::Quarter),
            note_type_right: EnumParam::new("Right Note Type", NoteTypeParam::Straight),
            mode: EnumParam::new("Mode", ModeParam::Stereo),
            time_change: EnumParam::new("Time Change", TimeChangeParam::Tape),
            feedback: percent("Feedback", 40.0, 120.0),
            low_cut_on: on_off("Low Cut", true),
            low_cut: hz("Low Cut Freq", 100.0, 20.0, 2000.0, 0),
            high_cut_on: on_off("High Cut", true),
            high_cut: hz("High Cut Freq", 8000.0, 1000.0, 20_000.0, 1),
            drive: FloatParam::new(
                "Drive",
                0.0,
                FloatRange::Linear {
                    min: 0.0,
                    max: 24.0,
                },
            )
            .with_unit(" dB")
            .with_step_size(0.1)
            .with_value_to_string(formatters::v2s_f32_rounded(1))
            .with_string_to_value(Arc::new(parse_number)),
            wow: percent("Wow", 0.0, 100.0),
            wow_rate: rate("Wow Rate", 0.6, 0.1, 4.0),
            flutter: percent("Flutter", 0.0, 100.0),
            flutter_rate: rate("Flutter Rate", 7.0, 2.0, 20.0),
            duck: percent("Ducking", 0.0, 100.0),
            duck_release: FloatParam::new(
                "Duck Release",
                250.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 2000.0,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_unit(" ms")
            .with_step_size(1.0)
            .with_value_to_string(formatters::v2s_f32_rounded(0))
            .with_string_to_value(Arc::new(parse_number)),
            freeze: on_off("Freeze", false),
            width: percent("Width", 100.0, 200.0),
            mix: percent("Mix", 30.0, 100.0),
            wet_only: on_off("Wet Only", false),
            output_gain: gel_ui::param_text::output_gain(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_text_round_trips() {
        for ms in [
            1.0f32, 2.5, 99.99, 100.0, 375.0, 999.9, 1000.0, 1250.0, 4000.0,
        ] {
            let text = format_time_ms(ms);
            let back = parse_time_ms(&text).unwrap();
            assert!((back - ms).abs() < 1e-3, "{ms} -> {text} -> {back}");
        }
        assert_eq!(parse_time_ms("375"), Some(375.0));
        assert_eq!(parse_time_ms("1.5s"), Some(1500.0));
        assert_eq!(parse_time_ms("20 MS"), Some(20.0));
        assert_eq!(parse_time_ms("soon"), None);
    }

    #[test]
    fn numbers_with_units_parse() {
        assert_eq!(parse_number("40.0 %"), Some(40.0));
        assert_eq!(parse_number("+3.5 dB"), Some(3.5));
        assert_eq!(parse_number("0.60 Hz"), Some(0.6));
        assert_eq!(parse_number("-12.25 ms"), Some(-12.25));
    }
}
