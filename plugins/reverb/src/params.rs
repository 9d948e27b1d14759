//! Gel Reverb's parameters. The string ids (`#[id = ...]`) are permanent: hosts store
//! automation and presets by them (and nice-plug derives the CLAP/VST3 ids from them).

use std::sync::Arc;

use gel_dsp::reverb::Algorithm;
use gel_plugin::param::{
    hz_param, on_off, output_gain, percent_param, skewed, time_ms_param, time_s_param,
};
use gel_plugin::param_text::parse_number_with_unit;
use nice_plug::prelude::*;

/// The algorithm as a host shows it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmParam {
    #[id = "room"]
    #[name = "Room"]
    Room,
    #[id = "hall"]
    #[name = "Hall"]
    Hall,
    #[id = "plate"]
    #[name = "Plate"]
    Plate,
    #[id = "chamber"]
    #[name = "Chamber"]
    Chamber,
}

impl From<AlgorithmParam> for Algorithm {
    fn from(a: AlgorithmParam) -> Self {
        match a {
            AlgorithmParam::Room => Algorithm::Room,
            AlgorithmParam::Hall => Algorithm::Hall,
            AlgorithmParam::Plate => Algorithm::Plate,
            AlgorithmParam::Chamber => Algorithm::Chamber,
        }
    }
}

/// Tempo-synced pre-delay note values.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteParam {
    #[id = "1/64"]
    #[name = "1/64"]
    SixtyFourth,
    #[id = "1/32"]
    #[name = "1/32"]
    ThirtySecond,
    #[id = "1/16t"]
    #[name = "1/16 T"]
    SixteenthTriplet,
    #[id = "1/16"]
    #[name = "1/16"]
    Sixteenth,
    #[id = "1/16d"]
    #[name = "1/16 D"]
    SixteenthDotted,
    #[id = "1/8t"]
    #[name = "1/8 T"]
    EighthTriplet,
    #[id = "1/8"]
    #[name = "1/8"]
    Eighth,
    #[id = "1/8d"]
    #[name = "1/8 D"]
    EighthDotted,
    #[id = "1/4"]
    #[name = "1/4"]
    Quarter,
}

impl NoteParam {
    /// Length in beats (quarter notes).
    pub fn beats(self) -> f32 {
        match self {
            NoteParam::SixtyFourth => 1.0 / 16.0,
            NoteParam::ThirtySecond => 1.0 / 8.0,
            NoteParam::SixteenthTriplet => 1.0 / 6.0,
            NoteParam::Sixteenth => 0.25,
            NoteParam::SixteenthDotted => 0.375,
            NoteParam::EighthTriplet => 1.0 / 3.0,
            NoteParam::Eighth => 0.5,
            NoteParam::EighthDotted => 0.75,
            NoteParam::Quarter => 1.0,
        }
    }
}

#[derive(Params)]
pub struct ReverbParams {
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-state"]
    pub editor_state: Arc<gel_plugin::GelEditorState>,
    /// A/B slots and preset names (issue 13), saved with the project.
    #[persist = "presets"]
    pub presets: Arc<gel_presets::PresetSession>,

    #[id = "algorithm"]
    pub algorithm: EnumParam<AlgorithmParam>,
    #[id = "decay"]
    pub decay: FloatParam,
    #[id = "size"]
    pub size: FloatParam,
    #[id = "diffusion"]
    pub diffusion: FloatParam,
    #[id = "predelay"]
    pub predelay: FloatParam,
    #[id = "predelay-sync"]
    pub predelay_sync: BoolParam,
    #[id = "predelay-note"]
    pub predelay_note: EnumParam<NoteParam>,
    #[id = "early-late"]
    pub early_late: FloatParam,
    #[id = "low-mult"]
    pub low_mult: FloatParam,
    #[id = "low-xover"]
    pub low_crossover: FloatParam,
    #[id = "high-mult"]
    pub high_mult: FloatParam,
    #[id = "high-xover"]
    pub high_crossover: FloatParam,
    #[id = "mod-depth"]
    pub mod_depth: FloatParam,
    #[id = "mod-rate"]
    pub mod_rate: FloatParam,
    #[id = "width"]
    pub width: FloatParam,
    #[id = "low-cut"]
    pub low_cut: FloatParam,
    #[id = "high-cut"]
    pub high_cut: FloatParam,
    #[id = "mix"]
    pub mix: FloatParam,
    #[id = "wet-only"]
    pub wet_only: BoolParam,
    #[id = "freeze"]
    pub freeze: BoolParam,
    #[id = "duck"]
    pub duck: FloatParam,
    #[id = "duck-release"]
    pub duck_release: FloatParam,
    #[id = "output"]
    pub output_gain: FloatParam,
}

/// Editor size in logical pixels at 100 % zoom.
pub const EDITOR_SIZE: (u32, u32) = (1150, 410);

/// The crossovers and wet filters, in 1 Hz steps.
fn hz(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    hz_param(name, default, skewed(min, max, -2.0), Some(1.0))
}

/// Decay multipliers 0.25×–4×, 1× at the centre of the knob.
fn multiplier(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: 0.25,
            max: 4.0,
            // 0.25 + 3.75·0.5^(1/f) = 1 → f = ln 0.5 / ln 0.2.
            factor: 0.430_677,
        },
    )
    .with_unit(" x")
    .with_step_size(0.01)
    .with_value_to_string(Arc::new(|v| format!("{v:.2}")))
    .with_string_to_value(Arc::new(parse_number_with_unit))
}

impl Default for ReverbParams {
    fn default() -> Self {
        Self {
            editor_state: gel_plugin::GelEditorState::for_size(EDITOR_SIZE),
            presets: Arc::default(),
            algorithm: EnumParam::new("Algorithm", AlgorithmParam::Hall),
            decay: time_s_param("Decay", 2.0, skewed(0.1, 30.0, -2.2), 0.01),
            size: percent_param("Size", 50.0, 100.0),
            diffusion: percent_param("Diffusion", 80.0, 100.0),
            predelay: time_ms_param("Pre-Delay", 10.0, skewed(0.0, 500.0, -1.5), 0.1),
            predelay_sync: on_off("Pre-Delay Sync", false),
            predelay_note: EnumParam::new("Pre-Delay Note", NoteParam::Sixteenth),
            early_late: percent_param("Early/Late", 50.0, 100.0),
            low_mult: multiplier("Low Mult", 1.0),
            low_crossover: hz("Low Crossover", 300.0, 50.0, 1000.0),
            high_mult: multiplier("High Mult", 0.6),
            high_crossover: hz("High Crossover", 4000.0, 1000.0, 16_000.0),
            mod_depth: percent_param("Mod Depth", 25.0, 100.0),
            mod_rate: hz_param("Mod Rate", 0.5, skewed(0.05, 5.0, -2.0), Some(0.01)),
            width: percent_param("Width", 100.0, 200.0),
            low_cut: hz("Low Cut", 20.0, 20.0, 1000.0),
            high_cut: hz("High Cut", 20_000.0, 1000.0, 20_000.0),
            mix: percent_param("Mix", 30.0, 100.0),
            wet_only: on_off("Wet Only", false),
            freeze: on_off("Freeze", false),
            duck: percent_param("Ducking", 0.0, 100.0),
            duck_release: time_ms_param("Duck Release", 250.0, skewed(10.0, 2000.0, -2.0), 1.0),
            output_gain: output_gain("Output"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_texts() {
        let p = ReverbParams::default();
        let at = |s: f32| p.decay.preview_normalized(s);
        assert_eq!(p.decay.normalized_value_to_string(at(2.0), true), "2.00 s");
        assert_eq!(p.decay.normalized_value_to_string(at(0.45), true), "450 ms");
        assert_eq!(p.decay.string_to_normalized_value("250 ms"), Some(at(0.25)));
        assert_eq!(p.decay.string_to_normalized_value("12.5"), Some(at(12.5)));
        let m = &p.low_mult;
        assert_eq!(
            m.string_to_normalized_value("1.50 x"),
            Some(m.preview_normalized(1.5))
        );
    }
}
