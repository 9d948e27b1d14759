//! Parameters every Gel plugin builds the same way, with the texts a host shows and parses:
//! on/off switches and the output gain. One definition, so all five plugins read and accept
//! the same words.

use std::sync::Arc;

use nice_plug::prelude::{BoolParam, FloatParam, FloatRange};

/// Accepts `on/off`, `1/0`, `true/false`, `yes/no` in any case.
pub fn parse_on_off(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Some(true),
        "off" | "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// A switch shown as `On` / `Off`.
pub fn on_off(name: &str, default: bool) -> BoolParam {
    BoolParam::new(name, default)
        .with_value_to_string(Arc::new(|on| if on { "On" } else { "Off" }.to_string()))
        .with_string_to_value(Arc::new(parse_on_off))
}

/// A number typed with or without its unit (`"+3.5 dB"`, `"-6"`, `"12%"`).
pub fn parse_number_with_unit(text: &str) -> Option<f32> {
    let number = text
        .trim()
        .trim_end_matches(|c: char| c.is_alphabetic() || c == ' ' || c == '%');
    number.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// The output gain: −24 … +24 dB in 0.01 dB steps, shown as `+1.50 dB`.
pub fn output_gain() -> FloatParam {
    output_gain_named("Output")
}

/// [`output_gain`] under another display name (the EQ and Compressor call it
/// "Output Gain"); same range, step and texts.
pub fn output_gain_named(name: &str) -> FloatParam {
    FloatParam::new(
        name,
        0.0,
        FloatRange::Linear {
            min: -24.0,
            max: 24.0,
        },
    )
    .with_unit(" dB")
    .with_step_size(0.01)
    .with_value_to_string(Arc::new(|db| format!("{db:+.2}")))
    .with_string_to_value(Arc::new(parse_number_with_unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::prelude::Param;

    #[test]
    fn switch_texts_round_trip() {
        let p = on_off("Test", false);
        for on in [false, true] {
            let normalized = if on { 1.0 } else { 0.0 };
            let text = p.normalized_value_to_string(normalized, false);
            assert_eq!(
                p.string_to_normalized_value(&text),
                Some(normalized),
                "{text}"
            );
        }
        assert_eq!(parse_on_off(" YES "), Some(true));
        assert_eq!(parse_on_off("maybe"), None);
    }

    #[test]
    fn output_gain_texts_round_trip() {
        let p = output_gain();
        for db in [-24.0f32, -3.25, 0.0, 12.0, 24.0] {
            let normalized = p.preview_normalized(db);
            let text = p.normalized_value_to_string(normalized, true);
            let back = p.string_to_normalized_value(&text).expect(&text);
            assert!((back - normalized).abs() < 1e-6, "{db} -> {text}");
        }
        assert_eq!(parse_number_with_unit("-6 dB"), Some(-6.0));
        assert_eq!(parse_number_with_unit("inf"), None);
    }
}
