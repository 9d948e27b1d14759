//! Gel Delay's parameters. The string ids (`#[id = ...]`) are permanent: hosts store automation
//! and presets by them (and nice-plug derives the CLAP/VST3 ids from them).

use std::sync::Arc;

use gel_dsp::delay::echo::EchoMode;
use gel_dsp::delay::tempo::{NoteFeel, NoteValue};
use gel_dsp::delay::time_change::TimeChangeMode;
use gel_plugin::param::{
    db_param, hz_param, linear, on_off, output_gain, percent_param, skewed, switch_param,
    time_ms_param,
};
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

/// The left and right delay times: 1 ms – 4 s, 0.01 ms steps.
fn time_param(name: &str, default: f32) -> FloatParam {
    // Close to logarithmic: 100 ms sits near a third of the way, 1 s near two thirds.
    time_ms_param(name, default, skewed(1.0, 4000.0, -2.2), 0.01)
}

/// The wow and flutter rates.
fn rate(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    hz_param(name, default, skewed(min, max, -1.0), Some(0.01))
}

impl Default for DelayParams {
    fn default() -> Self {
        Self {
            editor_state: gel_plugin::GelEditorState::for_size(EDITOR_SIZE),
            presets: Arc::default(),
            time: time_param("Time", 375.0),
            time_right: time_param("Right Time", 375.0),
            link: switch_param("Link L/R", true, "Independent", "Linked"),
            offset: time_ms_param("Stereo Offset", 0.0, linear(-100.0, 100.0), 0.01),
            sync: on_off("Sync", false),
            note: EnumParam::new("Note", NoteParam::Quarter),
            note_type: EnumParam::new("Note Type", NoteTypeParam::Straight),
            note_right: EnumParam::new("Right Note", NoteParam::Quarter),
            note_type_right: EnumParam::new("Right Note Type", NoteTypeParam::Straight),
            mode: EnumParam::new("Mode", ModeParam::Stereo),
            time_change: EnumParam::new("Time Change", TimeChangeParam::Tape),
            feedback: percent_param("Feedback", 40.0, 120.0),
            low_cut_on: on_off("Low Cut", true),
            low_cut: hz_param("Low Cut Freq", 100.0, skewed(20.0, 2000.0, -2.0), Some(1.0)),
            high_cut_on: on_off("High Cut", true),
            high_cut: hz_param(
                "High Cut Freq",
                8000.0,
                skewed(1000.0, 20_000.0, -2.0),
                Some(0.01),
            ),
            drive: db_param("Drive", 0.0, 0.0, 24.0, 0.1),
            wow: percent_param("Wow", 0.0, 100.0),
            wow_rate: rate("Wow Rate", 0.6, 0.1, 4.0),
            flutter: percent_param("Flutter", 0.0, 100.0),
            flutter_rate: rate("Flutter Rate", 7.0, 2.0, 20.0),
            duck: percent_param("Ducking", 0.0, 100.0),
            duck_release: time_ms_param("Duck Release", 250.0, skewed(20.0, 2000.0, -1.5), 1.0),
            freeze: on_off("Freeze", false),
            width: percent_param("Width", 100.0, 200.0),
            mix: percent_param("Mix", 30.0, 100.0),
            wet_only: on_off("Wet Only", false),
            output_gain: output_gain("Output"),
        }
    }
}
