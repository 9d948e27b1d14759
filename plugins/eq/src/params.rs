//! Gel EQ's parameters. The string ids are permanent: hosts store automation and presets by
//! them (and nice-plug derives the CLAP/VST3 ids from them). Per band `n = 1..16`:
//! `b{n}_used`, `b{n}_on`, `b{n}_type`, `b{n}_freq`, `b{n}_gain`, `b{n}_q`, `b{n}_slope`,
//! `b{n}_place`, and the dynamic band's `b{n}_dyn`, `b{n}_dyn_thresh`, `b{n}_dyn_ratio`,
//! `b{n}_dyn_knee`, `b{n}_dyn_attack`, `b{n}_dyn_release`, `b{n}_dyn_dir`, `b{n}_dyn_src`,
//! `b{n}_dyn_listen`; globals `output_gain`, `phase_invert`, `auto_gain`, `mode`.
//!
//! Dynamic bands (see [`gel_dsp::eq::dynamic`]): the band's gain is where it moves to, its
//! magnitude the range; state saved before they existed loads them off (static).
//!
//! A band is heard only while it is *used* (the editor adds and removes bands by that hidden
//! switch) and *on*. A new instance has every band unused: flat.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::Arc;

use gel_dsp::eq::dynamic::{
    can_be_dynamic, DetectorSource, Direction, DynamicSettings, DEFAULT_KNEE_DB,
};
use gel_dsp::eq::{BandType, CutSlope, EqBand, Placement, MAX_BANDS};
use gel_plugin::param::{
    db_param, gain_db_param, hz_param, on_off, output_gain, ratio_param, skewed, time_ms_param,
};
use gel_plugin::param_text::parse_number_with_unit;
use nice_plug::prelude::*;

/// Number of bands.
pub const BANDS: usize = MAX_BANDS;

/// Frequency range of a band (Hz).
pub const MIN_FREQ_HZ: f32 = 10.0;
pub const MAX_FREQ_HZ: f32 = 30_000.0;
/// Gain range of a band (dB).
pub const MAX_GAIN_DB: f32 = 30.0;
/// Q range of a band.
pub const MIN_Q: f32 = 0.1;
pub const MAX_Q: f32 = 40.0;

/// Time for frequency, gain and Q to glide to a new value (ms). Short enough to follow a hand
/// on the graph, long enough that a jump from 10 Hz to 30 kHz is a sweep, not a step.
pub const BAND_SMOOTHING_MS: f32 = 20.0;

/// Editor size in logical pixels at 100 % zoom.
pub const EDITOR_SIZE: (u32, u32) = (1240, 560);

/// The shape of a band as a host shows it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandTypeParam {
    #[id = "bell"]
    #[name = "Bell"]
    Bell,
    #[id = "low-shelf"]
    #[name = "Low Shelf"]
    LowShelf,
    #[id = "high-shelf"]
    #[name = "High Shelf"]
    HighShelf,
    #[id = "low-cut"]
    #[name = "Low Cut"]
    LowCut,
    #[id = "high-cut"]
    #[name = "High Cut"]
    HighCut,
    #[id = "notch"]
    #[name = "Notch"]
    Notch,
    #[id = "band-pass"]
    #[name = "Band Pass"]
    BandPass,
    #[id = "tilt-shelf"]
    #[name = "Tilt Shelf"]
    TiltShelf,
}

impl From<BandTypeParam> for BandType {
    fn from(t: BandTypeParam) -> Self {
        match t {
            BandTypeParam::Bell => BandType::Bell,
            BandTypeParam::LowShelf => BandType::LowShelf,
            BandTypeParam::HighShelf => BandType::HighShelf,
            BandTypeParam::LowCut => BandType::LowCut,
            BandTypeParam::HighCut => BandType::HighCut,
            BandTypeParam::Notch => BandType::Notch,
            BandTypeParam::BandPass => BandType::BandPass,
            BandTypeParam::TiltShelf => BandType::TiltShelf,
        }
    }
}

/// Slope of the cuts in dB/oct.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlopeParam {
    #[id = "6"]
    #[name = "6 dB/oct"]
    Db6,
    #[id = "12"]
    #[name = "12 dB/oct"]
    Db12,
    #[id = "18"]
    #[name = "18 dB/oct"]
    Db18,
    #[id = "24"]
    #[name = "24 dB/oct"]
    Db24,
    #[id = "36"]
    #[name = "36 dB/oct"]
    Db36,
    #[id = "48"]
    #[name = "48 dB/oct"]
    Db48,
    #[id = "72"]
    #[name = "72 dB/oct"]
    Db72,
    #[id = "96"]
    #[name = "96 dB/oct"]
    Db96,
}

impl From<SlopeParam> for CutSlope {
    fn from(s: SlopeParam) -> Self {
        match s {
            SlopeParam::Db6 => CutSlope::Db6,
            SlopeParam::Db12 => CutSlope::Db12,
            SlopeParam::Db18 => CutSlope::Db18,
            SlopeParam::Db24 => CutSlope::Db24,
            SlopeParam::Db36 => CutSlope::Db36,
            SlopeParam::Db48 => CutSlope::Db48,
            SlopeParam::Db72 => CutSlope::Db72,
            SlopeParam::Db96 => CutSlope::Db96,
        }
    }
}

/// Which channels a band works on.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementParam {
    #[id = "stereo"]
    #[name = "Stereo"]
    Stereo,
    #[id = "left"]
    #[name = "Left"]
    Left,
    #[id = "right"]
    #[name = "Right"]
    Right,
    #[id = "mid"]
    #[name = "Mid"]
    Mid,
    #[id = "side"]
    #[name = "Side"]
    Side,
}

impl From<PlacementParam> for Placement {
    fn from(p: PlacementParam) -> Self {
        match p {
            PlacementParam::Stereo => Placement::Stereo,
            PlacementParam::Left => Placement::Left,
            PlacementParam::Right => Placement::Right,
            PlacementParam::Mid => Placement::Mid,
            PlacementParam::Side => Placement::Side,
        }
    }
}

/// Which side of the threshold moves a dynamic band.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectionParam {
    #[id = "above"]
    #[name = "Above"]
    Above,
    #[id = "below"]
    #[name = "Below"]
    Below,
}

impl From<DirectionParam> for Direction {
    fn from(d: DirectionParam) -> Self {
        match d {
            DirectionParam::Above => Direction::Above,
            DirectionParam::Below => Direction::Below,
        }
    }
}

/// What a dynamic band's detector listens to.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceParam {
    #[id = "band"]
    #[name = "Band"]
    Band,
    #[id = "sidechain"]
    #[name = "Sidechain"]
    Sidechain,
}

impl From<SourceParam> for DetectorSource {
    fn from(s: SourceParam) -> Self {
        match s {
            SourceParam::Band => DetectorSource::Band,
            SourceParam::Sidechain => DetectorSource::Sidechain,
        }
    }
}

/// The ratio knob's top end, which means ∞:1 (the band jumps to its full range past the knee).
pub const RATIO_INFINITE: f32 = 100.0;

/// Threshold range of a dynamic band (dBFS).
pub const MIN_THRESHOLD_DB: f32 = -80.0;

/// Zero latency (minimum-phase sections) or linear phase (FIR, reports its latency).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeParam {
    #[id = "zero-latency"]
    #[name = "Zero Latency"]
    ZeroLatency,
    #[id = "linear-phase"]
    #[name = "Linear Phase"]
    LinearPhase,
}

/// One band's parameters. The ids here are suffixes: [`Bands`] prefixes them with `b{n}_`.
#[derive(Params)]
pub struct BandParams {
    /// Whether the band exists (the editor adds and removes bands by it). Hidden from the
    /// host's generic UI and automation: users automate `on`, not the band's existence.
    #[id = "used"]
    pub used: BoolParam,
    #[id = "on"]
    pub on: BoolParam,
    #[id = "type"]
    pub kind: EnumParam<BandTypeParam>,
    #[id = "freq"]
    pub freq: FloatParam,
    #[id = "gain"]
    pub gain: FloatParam,
    #[id = "q"]
    pub q: FloatParam,
    #[id = "slope"]
    pub slope: EnumParam<SlopeParam>,
    #[id = "place"]
    pub placement: EnumParam<PlacementParam>,
    /// Dynamic band on/off (bell, shelves and tilt only; other types ignore it).
    #[id = "dyn"]
    pub dynamic: BoolParam,
    #[id = "dyn_thresh"]
    pub threshold: FloatParam,
    #[id = "dyn_ratio"]
    pub ratio: FloatParam,
    #[id = "dyn_knee"]
    pub knee: FloatParam,
    #[id = "dyn_attack"]
    pub attack: FloatParam,
    #[id = "dyn_release"]
    pub release: FloatParam,
    #[id = "dyn_dir"]
    pub direction: EnumParam<DirectionParam>,
    #[id = "dyn_src"]
    pub source: EnumParam<SourceParam>,
    /// Hear the band's detector signal instead of the output.
    #[id = "dyn_listen"]
    pub listen: BoolParam,
}

/// `0.71`, `12.5` (two significant decimals below 10).
pub fn format_q(q: f32) -> String {
    if q < 10.0 {
        format!("{q:.2}")
    } else {
        format!("{q:.1}")
    }
}

impl BandParams {
    fn new(n: usize) -> Self {
        let name = |what: &str| format!("Band {n} {what}");
        Self {
            used: on_off(&name("Used"), false).hide(),
            on: on_off(&name("On"), true),
            kind: EnumParam::new(name("Type"), BandTypeParam::Bell),
            // Close to logarithmic: 100 Hz near 0.3, 1 kHz near 0.5, 10 kHz near 0.8.
            freq: hz_param(
                &name("Frequency"),
                1000.0,
                skewed(MIN_FREQ_HZ, MAX_FREQ_HZ, -2.3),
                None,
            )
            .with_smoother(SmoothingStyle::Logarithmic(BAND_SMOOTHING_MS)),
            gain: gain_db_param(&name("Gain"), 0.0, -MAX_GAIN_DB, MAX_GAIN_DB, 0.01)
                .with_smoother(SmoothingStyle::Linear(BAND_SMOOTHING_MS)),
            q: FloatParam::new(
                name("Q"),
                1.0,
                FloatRange::Skewed {
                    min: MIN_Q,
                    max: MAX_Q,
                    // Close to logarithmic: 0.71 near 0.35, 2 near 0.5, 10 near 0.7.
                    factor: FloatRange::skew_factor(-2.0),
                },
            )
            .with_smoother(SmoothingStyle::Logarithmic(BAND_SMOOTHING_MS))
            .with_value_to_string(Arc::new(format_q))
            .with_string_to_value(Arc::new(parse_number_with_unit)),
            slope: EnumParam::new(name("Slope"), SlopeParam::Db12),
            placement: EnumParam::new(name("Placement"), PlacementParam::Stereo),
            dynamic: on_off(&name("Dynamic"), false),
            // Threshold and ratio changes reach the gain through the band's attack/release
            // envelope, so they cannot click; the smoother only keeps automation steps soft.
            threshold: db_param(&name("Threshold"), -30.0, MIN_THRESHOLD_DB, 0.0, 0.1)
                .with_smoother(SmoothingStyle::Linear(BAND_SMOOTHING_MS)),
            // 1 + 99·n⁴: 2:1 at a third of the knob, 4:1 at 0.42, ∞ at the top.
            ratio: ratio_param(
                &name("Ratio"),
                4.0,
                skewed(1.0, RATIO_INFINITE, -2.0),
                0.01,
                RATIO_INFINITE,
            )
            .with_smoother(SmoothingStyle::Linear(BAND_SMOOTHING_MS)),
            knee: db_param(&name("Knee"), DEFAULT_KNEE_DB, 0.0, 24.0, 0.1),
            // 0.5 + 299.5·n^…: 10 ms near the middle.
            attack: time_ms_param(&name("Attack"), 10.0, skewed(0.5, 300.0, -2.3), 0.01),
            release: time_ms_param(&name("Release"), 150.0, skewed(5.0, 3000.0, -2.3), 0.1),
            direction: EnumParam::new(name("Direction"), DirectionParam::Above),
            source: EnumParam::new(name("Detector"), SourceParam::Band),
            listen: on_off(&name("Listen"), false),
        }
    }

    /// Whether the band runs dynamic (its type has a gain and Dynamic is on).
    pub fn is_dynamic(&self) -> bool {
        self.dynamic.value() && can_be_dynamic(self.kind.value().into())
    }

    /// The dynamic settings at the parameters' smoothed values (advanced by `samples`), or
    /// `None` for a static band.
    pub fn dynamic_settings(&self, samples: u32) -> Option<DynamicSettings> {
        let threshold_db = self.threshold.smoothed.next_step(samples);
        let ratio = self.ratio.smoothed.next_step(samples);
        self.is_dynamic().then(|| DynamicSettings {
            threshold_db,
            ratio: if ratio >= RATIO_INFINITE {
                f32::INFINITY
            } else {
                ratio
            },
            knee_db: self.knee.value(),
            attack_ms: self.attack.value(),
            release_ms: self.release.value(),
            direction: self.direction.value().into(),
            source: self.source.value().into(),
        })
    }

    /// Whether the band is heard.
    pub fn is_active(&self) -> bool {
        self.used.value() && self.on.value()
    }

    /// The band at the parameters' current (unsmoothed) values.
    pub fn band(&self) -> EqBand {
        EqBand {
            kind: self.kind.value().into(),
            freq_hz: self.freq.value(),
            gain_db: self.gain.value(),
            q: self.q.value(),
            slope: self.slope.value().into(),
        }
    }
}

/// The 16 bands. Implements [`Params`] by hand so the ids read `b{n}_{id}` (the derive's
/// `array` would give `{id}_{n}`) and each band is its own group in the host.
pub struct Bands(pub [BandParams; BANDS]);

impl Deref for Bands {
    type Target = [BandParams; BANDS];
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

// SAFETY: the pointers come from the bands' own `param_map`, valid as long as `self` is.
unsafe impl Params for Bands {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        let mut map = Vec::with_capacity(BANDS * 8);
        for (i, band) in self.0.iter().enumerate() {
            let n = i + 1;
            for (id, ptr, _) in band.param_map() {
                map.push((format!("b{n}_{id}"), ptr, format!("Band {n}")));
            }
        }
        map
    }

    fn serialize_fields(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }
}

#[derive(Params)]
pub struct EqParams {
    /// Editor size and zoom, saved with the project.
    #[persist = "editor-state"]
    pub editor_state: Arc<gel_plugin::GelEditorState>,
    /// A/B slots and preset names (issue 13), saved with the project.
    #[persist = "presets"]
    pub presets: Arc<gel_presets::PresetSession>,

    #[nested]
    pub bands: Bands,

    #[id = "output_gain"]
    pub output_gain: FloatParam,
    #[id = "phase_invert"]
    pub phase_invert: BoolParam,
    #[id = "auto_gain"]
    pub auto_gain: BoolParam,
    #[id = "mode"]
    pub mode: EnumParam<ModeParam>,
}

impl Default for EqParams {
    fn default() -> Self {
        Self {
            editor_state: gel_plugin::GelEditorState::for_size(EDITOR_SIZE),
            presets: Arc::default(),
            bands: Bands(std::array::from_fn(|i| BandParams::new(i + 1))),
            output_gain: output_gain("Output Gain"),
            phase_invert: on_off("Phase Invert", false),
            auto_gain: on_off("Auto Gain", false),
            mode: EnumParam::new("Processing", ModeParam::ZeroLatency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_contract() {
        let p = EqParams::default();
        let ids: Vec<String> = p.param_map().into_iter().map(|(id, _, _)| id).collect();
        for n in 1..=16 {
            for what in [
                "used",
                "on",
                "type",
                "freq",
                "gain",
                "q",
                "slope",
                "place",
                "dyn",
                "dyn_thresh",
                "dyn_ratio",
                "dyn_knee",
                "dyn_attack",
                "dyn_release",
                "dyn_dir",
                "dyn_src",
                "dyn_listen",
            ] {
                let id = format!("b{n}_{what}");
                assert!(ids.contains(&id), "missing {id}");
            }
        }
        for id in ["output_gain", "phase_invert", "auto_gain", "mode"] {
            assert!(ids.contains(&id.to_string()), "missing {id}");
        }
        assert_eq!(ids.len(), 16 * 17 + 4);
    }

    #[test]
    fn band_texts() {
        let b = BandParams::new(1);
        let hz = |v: f32| {
            b.freq
                .normalized_value_to_string(b.freq.preview_normalized(v), true)
        };
        assert_eq!(hz(440.0), "440 Hz");
        assert_eq!(hz(12_500.0), "12.5 kHz");
        assert_eq!(
            b.freq.string_to_normalized_value("1.5k"),
            Some(b.freq.preview_normalized(1500.0))
        );
        let gain = b
            .gain
            .normalized_value_to_string(b.gain.preview_normalized(1.5), true);
        assert_eq!(gain, "+1.50 dB");
        // Dynamic parameters: text ↔ value round trips.
        for (param, text) in [
            (&b.threshold, "-24.5 dB"),
            (&b.knee, "6.0 dB"),
            (&b.attack, "12.5 ms"),
            (&b.ratio, "4.00:1"),
        ] {
            let v = param.string_to_normalized_value(text).expect(text);
            assert_eq!(param.normalized_value_to_string(v, true), text);
        }
        let v = b.ratio.string_to_normalized_value("∞:1").unwrap();
        assert_eq!(b.ratio.preview_plain(v), RATIO_INFINITE);
        assert_eq!(b.source.normalized_value_to_string(1.0, true), "Sidechain");
    }

    #[test]
    fn new_bands_are_static_and_only_gain_types_go_dynamic() {
        let b = BandParams::new(1);
        assert!(!b.is_dynamic());
        assert_eq!(b.dynamic_settings(1), None);
        assert!(can_be_dynamic(BandType::TiltShelf) && !can_be_dynamic(BandType::LowCut));
    }

    #[test]
    fn new_instance_is_flat() {
        let p = EqParams::default();
        assert!(p.bands.iter().all(|b| !b.is_active()));
        assert_eq!(format_q(0.707), "0.71");
    }
}
