//! Parameter builders: one per kind of quantity, each setting the range, step, and the texts
//! of [`crate::param_text`] (the unit is part of the text, because Hz/kHz and ms/s switch).
//! A plugin picks the range and skew (they are part of its saved state and automation, so they
//! are spelled out at the call site); the builder makes the texts agree with the step.
//!
//! Smoothing is not set here: Gel's engines smooth their own targets, and the one plugin that
//! reads nice-plug smoothers (the EQ's bands) chains `.with_smoother(..)` on the result.

use std::sync::Arc;

use nice_plug::prelude::{BoolParam, FloatParam, FloatRange};

use crate::param_text::{
    decimals_for_step, format_db, format_hz, format_percent, format_ratio, format_time_ms,
    parse_db, parse_hz, parse_percent, parse_ratio, parse_switch, parse_time_ms, parse_time_s,
};

/// `min..=max` skewed by nice-plug's `FloatRange::skew_factor(skew)` (negative: more of the
/// knob for the low end; about −2 is close to logarithmic for a 100:1 range).
pub fn skewed(min: f32, max: f32, skew: f32) -> FloatRange {
    FloatRange::Skewed {
        min,
        max,
        factor: FloatRange::skew_factor(skew),
    }
}

/// `min..=max`, linear.
pub fn linear(min: f32, max: f32) -> FloatRange {
    FloatRange::Linear { min, max }
}

/// A frequency in Hz: `440 Hz`, `1.25 kHz`. `step` `None` is continuous (texts then show
/// three significant digits whatever the size).
pub fn hz_param(name: &str, default: f32, range: FloatRange, step: Option<f32>) -> FloatParam {
    let decimals = decimals_for_step(step.unwrap_or(0.0));
    let param = FloatParam::new(name, default, range)
        .with_value_to_string(Arc::new(move |hz| format_hz(hz, decimals)))
        .with_string_to_value(Arc::new(parse_hz));
    match step {
        Some(step) => param.with_step_size(step),
        None => param,
    }
}

/// A time kept in milliseconds: `2.50 ms`, `250 ms`, `1.50 s`; accepts µs, ms and s.
pub fn time_ms_param(name: &str, default: f32, range: FloatRange, step: f32) -> FloatParam {
    let decimals = decimals_for_step(step);
    FloatParam::new(name, default, range)
        .with_step_size(step)
        .with_value_to_string(Arc::new(move |ms| format_time_ms(ms, decimals)))
        .with_string_to_value(Arc::new(parse_time_ms))
}

/// A time kept in seconds (`step` in seconds), shown and parsed as [`time_ms_param`]'s texts:
/// `450 ms`, `2.00 s`; a bare number is seconds.
pub fn time_s_param(name: &str, default: f32, range: FloatRange, step: f32) -> FloatParam {
    // Decimals of a millisecond that show a step given in seconds.
    let decimals = decimals_for_step(step * 1000.0);
    FloatParam::new(name, default, range)
        .with_step_size(step)
        .with_value_to_string(Arc::new(move |s| format_time_ms(s * 1000.0, decimals)))
        .with_string_to_value(Arc::new(parse_time_s))
}

/// A percentage `0..=max` in 0.1 % steps: `40.0 %`.
pub fn percent_param(name: &str, default: f32, max: f32) -> FloatParam {
    const STEP: f32 = 0.1;
    let decimals = decimals_for_step(STEP);
    FloatParam::new(name, default, linear(0.0, max))
        .with_step_size(STEP)
        .with_value_to_string(Arc::new(move |p| format_percent(p, decimals)))
        .with_string_to_value(Arc::new(parse_percent))
}

/// A level or amount in dB, linear: `-20.0 dB`, `6.0 dB` (threshold, knee, drive).
pub fn db_param(name: &str, default: f32, min: f32, max: f32, step: f32) -> FloatParam {
    db(name, default, min, max, step, false)
}

/// A gain in dB that can boost, shown with its sign: `+1.50 dB`, `-3.00 dB` (output, makeup,
/// band gain).
pub fn gain_db_param(name: &str, default: f32, min: f32, max: f32, step: f32) -> FloatParam {
    db(name, default, min, max, step, true)
}

fn db(name: &str, default: f32, min: f32, max: f32, step: f32, signed: bool) -> FloatParam {
    let decimals = decimals_for_step(step);
    FloatParam::new(name, default, linear(min, max))
        .with_step_size(step)
        .with_value_to_string(Arc::new(move |db| format_db(db, decimals, signed)))
        .with_string_to_value(Arc::new(parse_db))
}

/// The output gain every Gel plugin has: −24 … +24 dB in 0.01 dB steps, `+1.50 dB`.
pub fn output_gain(name: &str) -> FloatParam {
    gain_db_param(name, 0.0, -24.0, 24.0, 0.01)
}

/// A ratio `x:1` whose values from `infinite_at` up mean ∞:1 (a limiter): `4.00:1`, `∞:1`.
pub fn ratio_param(
    name: &str,
    default: f32,
    range: FloatRange,
    step: f32,
    infinite_at: f32,
) -> FloatParam {
    let decimals = decimals_for_step(step);
    FloatParam::new(name, default, range)
        .with_step_size(step)
        .with_value_to_string(Arc::new(move |r| format_ratio(r, infinite_at, decimals)))
        .with_string_to_value(Arc::new(move |t| parse_ratio(t, infinite_at)))
}

/// A switch shown as `off_label` / `on_label` (`"Independent"` / `"Linked"`); accepts those
/// words and on/off, yes/no, true/false, 1/0.
pub fn switch_param(name: &str, default: bool, off_label: &str, on_label: &str) -> BoolParam {
    let (off, on) = (off_label.to_string(), on_label.to_string());
    let (off_parse, on_parse) = (off.clone(), on.clone());
    BoolParam::new(name, default)
        .with_value_to_string(Arc::new(move |v| if v { on.clone() } else { off.clone() }))
        .with_string_to_value(Arc::new(move |t| parse_switch(t, &off_parse, &on_parse)))
}

/// A switch shown as `On` / `Off`.
pub fn on_off(name: &str, default: bool) -> BoolParam {
    switch_param(name, default, "Off", "On")
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::prelude::Param;

    /// Normalised points spread over the whole knob, both ends included: the skew decides
    /// where they land in plain values, so skewed ranges are sampled along their scale.
    fn knob_points() -> impl Iterator<Item = f32> {
        (0..=200).map(|i| i as f32 / 200.0)
    }

    /// Over the whole range: the text of a value reads back to a value with the same text
    /// (texts are stable), and that value is within the text's last digit of the original.
    fn assert_round_trips(p: &FloatParam) {
        for n in knob_points() {
            let plain = p.preview_plain(n);
            let text = p.normalized_value_to_string(n, true);
            let back = p
                .string_to_normalized_value(&text)
                .unwrap_or_else(|| panic!("{}: {plain} -> {text:?} does not parse", p.name()));
            let back_plain = p.preview_plain(back);
            assert_eq!(
                p.normalized_value_to_string(back, true),
                text,
                "{}: {plain} -> {text:?} -> {back_plain}",
                p.name()
            );
            // Three significant digits (or the step's decimals): within 0.5 % + half a step.
            let tolerance = 0.005 * plain.abs().max(back_plain.abs()) + 0.0051;
            assert!(
                (back_plain - plain).abs() <= tolerance,
                "{}: {plain} -> {text:?} -> {back_plain}",
                p.name()
            );
        }
    }

    #[test]
    fn every_builder_round_trips_over_its_whole_range() {
        let params = [
            hz_param("SC High-Pass", 100.0, skewed(20.0, 2000.0, -2.0), Some(1.0)),
            hz_param(
                "High Cut",
                8000.0,
                skewed(1000.0, 20_000.0, -2.0),
                Some(0.01),
            ),
            hz_param("Band Frequency", 1000.0, skewed(10.0, 30_000.0, -2.3), None),
            hz_param("Mod Rate", 0.5, skewed(0.05, 5.0, -2.0), Some(0.01)),
            time_ms_param("Attack", 10.0, skewed(0.01, 500.0, -3.0), 0.01),
            time_ms_param("Release", 100.0, skewed(1.0, 5000.0, -2.5), 0.01),
            time_ms_param("Duck Release", 250.0, skewed(20.0, 2000.0, -1.5), 1.0),
            time_ms_param("Stereo Offset", 0.0, linear(-100.0, 100.0), 0.01),
            time_ms_param("Pre-Delay", 10.0, skewed(0.0, 500.0, -1.5), 0.1),
            time_s_param("Decay", 2.0, skewed(0.1, 30.0, -2.2), 0.01),
            percent_param("Mix", 30.0, 100.0),
            percent_param("Feedback", 40.0, 120.0),
            db_param("Threshold", -20.0, -60.0, 0.0, 0.1),
            gain_db_param("Makeup", 0.0, 0.0, 30.0, 0.1),
            output_gain("Output"),
            ratio_param("Ratio", 4.0, skewed(1.0, 100.0, -2.0), 0.01, 100.0),
        ];
        for p in &params {
            assert_round_trips(p);
        }
    }

    #[test]
    fn texts_carry_their_units() {
        let hz = hz_param("F", 440.0, skewed(20.0, 20_000.0, -2.0), Some(1.0));
        assert_eq!(
            hz.normalized_value_to_string(hz.preview_normalized(440.0), true),
            "440 Hz"
        );
        assert_eq!(hz.normalized_value_to_string(1.0, true), "20.0 kHz");
        assert_eq!(
            hz.string_to_normalized_value("1.5k"),
            Some(hz.preview_normalized(1500.0))
        );
        let t = time_s_param("Decay", 2.0, skewed(0.1, 30.0, -2.2), 0.01);
        assert_eq!(
            t.normalized_value_to_string(t.preview_normalized(2.0), true),
            "2.00 s"
        );
        assert_eq!(t.normalized_value_to_string(0.0, true), "100 ms");
        assert_eq!(
            t.string_to_normalized_value("450ms"),
            Some(t.preview_normalized(0.45))
        );
        let g = output_gain("Output");
        assert_eq!(
            g.normalized_value_to_string(g.preview_normalized(1.5), true),
            "+1.50 dB"
        );
        assert_eq!(g.string_to_normalized_value("-inf"), Some(0.0));
        let r = ratio_param("Ratio", 4.0, skewed(1.0, 100.0, -2.0), 0.01, 100.0);
        assert_eq!(r.normalized_value_to_string(1.0, true), "∞:1");
        assert_eq!(r.string_to_normalized_value("∞"), Some(1.0));
        let p = percent_param("Mix", 30.0, 100.0);
        assert_eq!(p.normalized_value_to_string(0.3, true), "30.0 %");
    }

    #[test]
    fn switches_round_trip() {
        for p in [
            on_off("Freeze", false),
            switch_param("Link", true, "Independent", "Linked"),
        ] {
            for normalized in [0.0, 1.0] {
                let text = p.normalized_value_to_string(normalized, true);
                assert_eq!(
                    p.string_to_normalized_value(&text),
                    Some(normalized),
                    "{text}"
                );
                let shouted = text.to_uppercase();
                assert_eq!(
                    p.string_to_normalized_value(&shouted),
                    Some(normalized),
                    "{shouted}"
                );
            }
            assert_eq!(p.string_to_normalized_value("yes"), Some(1.0));
            assert_eq!(p.string_to_normalized_value("maybe"), None);
        }
    }
}
