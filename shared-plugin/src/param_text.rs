//! The texts a host shows for Gel's parameters and the texts it accepts back: one formatter and
//! one parser per kind of quantity, so all five plugins read and accept the same words.
//!
//! Display rules (one per kind, the same in every plugin):
//! - **Log-scaled quantities** (Hz, times, ratios) show three significant digits, never finer
//!   than the parameter's step: `55.5 Hz`, `440 Hz`, `1.25 kHz`, `12.5 kHz`; `0.05 ms`,
//!   `37.5 ms`, `250 ms`, `1.50 s`; `4.00:1`, `12.5:1`, `∞:1`. Three digits resolve 0.5 % or
//!   better, finer than a knob pixel on these ranges.
//! - **Linear quantities** (dB, %) show the decimals of their step: `-20.0 dB`, `+1.50 dB`,
//!   `40.0 %`. Gains that can boost carry a sign (`+1.50 dB`); `-inf dB` below any level.
//! - **Switches** show their two labels (`On`/`Off`, `Linked`/`Independent`).
//!
//! Parsers ignore case and spaces, take the unit or leave it off (a bare number is in the
//! parameter's own unit), and accept the Unicode minus `−`: `"1.5k"`, `"1.5 KHZ"`, `"250"`,
//! `"1.5s"`, `"50 us"`, `"-6 dB"`, `"-inf"`, `"4:1"`, `"∞"`, `"yes"`.

/// Significant digits shown for log-scaled quantities.
pub const SIGNIFICANT_DIGITS: usize = 3;

/// Decimals that show a step of `step` (`0.01` → 2, `0.1` → 1, `1` → 0); no step (0) → 6.
pub fn decimals_for_step(step: f32) -> usize {
    if step.is_nan() || step <= 0.0 {
        return 6;
    }
    // The smallest d with step·10^d an integer, to 1e-3 (0.01 in f32 is 0.0099999998).
    (0..6)
        .find(|&d| {
            let scaled = step as f64 * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-3 * scaled.max(1.0)
        })
        .unwrap_or(6)
}

/// `|value|` with [`SIGNIFICANT_DIGITS`] significant digits but at most `max_decimals`
/// decimals, without sign; zero is `0`.
fn significant(value: f32, max_decimals: usize) -> String {
    let v = (value as f64).abs();
    if v == 0.0 || !v.is_finite() {
        return "0".to_string();
    }
    // The leading digit's place: 10^lead ≤ v < 10^(lead+1).
    let lead = v.log10().floor() as i32;
    let wanted = SIGNIFICANT_DIGITS as i32 - 1 - lead;
    let decimals = wanted.clamp(0, max_decimals as i32) as usize;
    let text = format!("{v:.decimals$}");
    // Rounding can carry into a new leading digit (9.996 → "10.00"): then one decimal fewer,
    // so the text shows three digits and reads back to itself. (Not when the step already
    // limits the decimals: 0.0099999998 → "0.01" with two.)
    let shown: f64 = text.parse().unwrap_or(v);
    if decimals > 0 && decimals as i32 == wanted && shown.log10().floor() as i32 > lead {
        format!("{v:.prec$}", prec = decimals - 1)
    } else {
        text
    }
}

fn sign(value: f32) -> &'static str {
    if value < 0.0 {
        "-"
    } else {
        ""
    }
}

/// Lower case, no white space, Unicode minus as `-`.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '−' { '-' } else { c })
        .collect::<String>()
        .to_lowercase()
}

/// A finite number (`"+3.5"`, `"-6"`, `".5"`); `inf` and `nan` are not numbers here.
fn number(text: &str) -> Option<f32> {
    text.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// `text` without the first of `suffixes` it ends with.
fn strip_any<'a>(text: &'a str, suffixes: &[&str]) -> &'a str {
    suffixes
        .iter()
        .find_map(|s| text.strip_suffix(s))
        .unwrap_or(text)
}

/// A number with or without any unit after it (`"+3.5 dB"`, `"-6"`, `"12%"`, `"1.50 x"`): for
/// plugin-specific quantities whose unit never scales the number.
pub fn parse_number_with_unit(text: &str) -> Option<f32> {
    let t = normalize(text);
    number(t.trim_end_matches(|c: char| c.is_alphabetic() || c == '%' || c == '×'))
}

// ---- frequency ------------------------------------------------------------------------------

/// `0.60 Hz`, `55.5 Hz`, `440 Hz`, `1.25 kHz`, `12.5 kHz`: three significant digits, at most
/// `max_decimals` decimals of a Hz.
pub fn format_hz(hz: f32, max_decimals: usize) -> String {
    let in_hz = significant(hz, max_decimals);
    // The unit follows the number as shown: 999.7 Hz shows as "1000" → 1.00 kHz.
    if in_hz.parse::<f32>().unwrap_or(0.0) < 1000.0 {
        format!("{}{in_hz} Hz", sign(hz))
    } else {
        format!(
            "{}{} kHz",
            sign(hz),
            significant(hz / 1000.0, max_decimals + 3)
        )
    }
}

/// Accepts `440`, `440 Hz`, `1.5 kHz`, `1.5k`, `2KHZ` (a bare number is Hz).
pub fn parse_hz(text: &str) -> Option<f32> {
    let t = normalize(text);
    let t = strip_any(&t, &["hz"]);
    match t.strip_suffix('k') {
        Some(khz) => number(khz).map(|v| v * 1000.0),
        None => number(t),
    }
}

// ---- time -----------------------------------------------------------------------------------

/// `0.05 ms`, `2.50 ms`, `37.5 ms`, `250 ms`, `1.50 s`, `12.5 s`: three significant digits, at
/// most `max_decimals` decimals of a millisecond; seconds from one second up.
pub fn format_time_ms(ms: f32, max_decimals: usize) -> String {
    let in_ms = significant(ms, max_decimals);
    if in_ms.parse::<f32>().unwrap_or(0.0) < 1000.0 {
        format!("{}{in_ms} ms", sign(ms))
    } else {
        format!(
            "{}{} s",
            sign(ms),
            significant(ms / 1000.0, max_decimals + 3)
        )
    }
}

/// A time in ms from `text` whose bare number is `bare_ms` milliseconds.
fn parse_time(text: &str, bare_ms: f32) -> Option<f32> {
    let t = normalize(text);
    let scaled = |suffixes: &[&str], ms: f32| {
        suffixes
            .iter()
            .find_map(|s| t.strip_suffix(s))
            .map(|n| (n, ms))
    };
    let (n, ms) = scaled(&["ms", "msec"], 1.0)
        .or_else(|| scaled(&["us", "µs", "μs"], 0.001))
        .or_else(|| scaled(&["s", "sec"], 1000.0))
        .unwrap_or((t.as_str(), bare_ms));
    number(n).map(|v| v * ms)
}

/// Accepts `30`, `30 ms`, `30MS`, `1.5 s`, `1.5s`, `50 us`, `50 µs` (a bare number is ms).
pub fn parse_time_ms(text: &str) -> Option<f32> {
    parse_time(text, 1.0)
}

/// [`parse_time_ms`] for a parameter kept in seconds: a bare number is seconds, the result is
/// seconds (`"2.5"` → 2.5, `"250 ms"` → 0.25).
pub fn parse_time_s(text: &str) -> Option<f32> {
    parse_time(text, 1000.0).map(|ms| ms / 1000.0)
}

// ---- level ----------------------------------------------------------------------------------

/// `-20.0 dB`, `+1.50 dB` (`signed`: a plus on boosts), `-inf dB` for −∞ (or NaN), with
/// `decimals` decimals.
pub fn format_db(db: f32, decimals: usize, signed: bool) -> String {
    if db.is_nan() || db == f32::NEG_INFINITY {
        return "-inf dB".to_string();
    }
    // Round first so a value that shows as zero shows without a sign ("0.0", not "-0.0").
    let text = format!("{db:.decimals$}");
    let zero = text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.');
    match (zero, signed && db > 0.0) {
        (true, _) => format!("{} dB", text.trim_start_matches('-')),
        (false, true) => format!("+{text} dB"),
        (false, false) => format!("{text} dB"),
    }
}

/// Accepts `-6`, `-6 dB`, `+3.5dB`, `−6 dB`, and `-inf` / `-∞` / `-infinity` (−∞; a parameter
/// clamps it to its minimum).
pub fn parse_db(text: &str) -> Option<f32> {
    let t = normalize(text);
    let t = strip_any(&t, &["db"]);
    match t {
        "-inf" | "-∞" | "-infinity" => Some(f32::NEG_INFINITY),
        _ => number(t),
    }
}

/// `40.0 %` with `decimals` decimals.
pub fn format_percent(percent: f32, decimals: usize) -> String {
    let text = format!("{percent:.decimals$}");
    // No "-0.0 %".
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{} %", text.trim_start_matches('-'))
    } else {
        format!("{text} %")
    }
}

/// Accepts `40`, `40%`, `40.0 %`.
pub fn parse_percent(text: &str) -> Option<f32> {
    let t = normalize(text);
    number(strip_any(&t, &["%", "pct"]))
}

// ---- ratio ----------------------------------------------------------------------------------

/// `1.50:1`, `4.00:1`, `12.5:1` (three significant digits, at most `max_decimals`), and `∞:1`
/// from `infinite_at` up (the top of a ratio knob that means a limiter).
pub fn format_ratio(ratio: f32, infinite_at: f32, max_decimals: usize) -> String {
    if ratio >= infinite_at {
        "∞:1".to_string()
    } else {
        format!("{}:1", significant(ratio, max_decimals))
    }
}

/// Accepts `4`, `4:1`, `4.0 : 1`, and `inf`, `∞`, `∞:1`, `infinity` (→ `infinite_at`);
/// numbers above `infinite_at` are `infinite_at`.
pub fn parse_ratio(text: &str, infinite_at: f32) -> Option<f32> {
    let t = normalize(text);
    let t = strip_any(&t, &[":1"]);
    match t {
        "inf" | "∞" | "infinity" => Some(infinite_at),
        _ => number(t).map(|v| v.min(infinite_at)),
    }
}

// ---- switches -------------------------------------------------------------------------------

/// Accepts `on/off`, `1/0`, `true/false`, `yes/no` in any case.
pub fn parse_on_off(text: &str) -> Option<bool> {
    match normalize(text).as_str() {
        "on" | "1" | "true" | "yes" => Some(true),
        "off" | "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// A switch's own labels (`"Linked"` / `"Independent"`, any case and spacing) or any of
/// [`parse_on_off`]'s words.
pub fn parse_switch(text: &str, off_label: &str, on_label: &str) -> Option<bool> {
    let t = normalize(text);
    if t == normalize(on_label) {
        Some(true)
    } else if t == normalize(off_label) {
        Some(false)
    } else {
        parse_on_off(&t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_step() {
        assert_eq!(decimals_for_step(0.01), 2);
        assert_eq!(decimals_for_step(0.1), 1);
        assert_eq!(decimals_for_step(1.0), 0);
        assert_eq!(decimals_for_step(0.25), 2);
        assert_eq!(decimals_for_step(0.0), 6);
    }

    #[test]
    fn three_significant_digits_capped_by_the_step() {
        let cases = [
            (0.6, 2, "0.60"),
            (0.01, 2, "0.01"),
            (0.0123, 6, "0.0123"),
            (9.996, 2, "10.0"),
            (55.55, 6, "55.5"),
            (99.96, 6, "100"),
            (440.0, 0, "440"),
            (440.4, 6, "440"),
            (1.25, 3, "1.25"),
            (12.5, 3, "12.5"),
            (7.0, 2, "7.00"),
            (20.0, 0, "20"),
            (0.0, 2, "0"),
        ];
        for (v, cap, want) in cases {
            assert_eq!(significant(v, cap), want, "{v} (max {cap} decimals)");
        }
    }

    #[test]
    fn hz_texts() {
        assert_eq!(format_hz(440.0, 0), "440 Hz");
        assert_eq!(format_hz(55.55, 6), "55.5 Hz");
        assert_eq!(format_hz(999.7, 0), "1.00 kHz");
        assert_eq!(format_hz(8000.0, 0), "8.00 kHz");
        assert_eq!(format_hz(12_500.0, 2), "12.5 kHz");
        assert_eq!(format_hz(0.6, 2), "0.60 Hz");
        for (text, hz) in [
            ("440", 440.0),
            ("440 Hz", 440.0),
            (" 440HZ ", 440.0),
            ("1.5k", 1500.0),
            ("1.5 KHZ", 1500.0),
            ("2 kHz", 2000.0),
            ("0.6 hz", 0.6),
        ] {
            assert_eq!(parse_hz(text), Some(hz), "{text:?}");
        }
        for text in ["loud", "k", "", "inf Hz", "NaN"] {
            assert_eq!(parse_hz(text), None, "{text:?}");
        }
    }

    #[test]
    fn time_texts() {
        assert_eq!(format_time_ms(0.01, 2), "0.01 ms");
        assert_eq!(format_time_ms(2.5, 2), "2.50 ms");
        assert_eq!(format_time_ms(37.5, 2), "37.5 ms");
        assert_eq!(format_time_ms(250.0, 2), "250 ms");
        assert_eq!(format_time_ms(999.9, 2), "1.00 s");
        assert_eq!(format_time_ms(1500.0, 0), "1.50 s");
        assert_eq!(format_time_ms(12_500.0, 0), "12.5 s");
        assert_eq!(format_time_ms(-12.26, 2), "-12.3 ms");
        assert_eq!(format_time_ms(0.0, 2), "0 ms");
        for (text, ms) in [
            ("30", 30.0),
            ("30 ms", 30.0),
            ("30MS", 30.0),
            ("1.5 s", 1500.0),
            ("1.5S", 1500.0),
            ("2 sec", 2000.0),
            ("50 us", 0.05),
            ("50 µs", 0.05),
            ("−5 ms", -5.0),
        ] {
            let got = parse_time_ms(text).unwrap_or_else(|| panic!("{text:?}"));
            assert!((got - ms).abs() < 1e-6, "{text:?} → {got}");
        }
        assert_eq!(parse_time_s("2.5"), Some(2.5));
        assert_eq!(parse_time_s("250 ms"), Some(0.25));
        assert_eq!(parse_time_s("1.5 S"), Some(1.5));
        for text in ["soon", "ms", "s", "inf s"] {
            assert_eq!(parse_time_ms(text), None, "{text:?}");
        }
    }

    #[test]
    fn db_and_percent_texts() {
        assert_eq!(format_db(-20.0, 1, false), "-20.0 dB");
        assert_eq!(format_db(1.5, 2, true), "+1.50 dB");
        assert_eq!(format_db(6.0, 1, false), "6.0 dB");
        assert_eq!(format_db(-0.001, 2, true), "0.00 dB");
        assert_eq!(format_db(f32::NEG_INFINITY, 1, true), "-inf dB");
        assert_eq!(parse_db("-6 dB"), Some(-6.0));
        assert_eq!(parse_db("+3.5DB"), Some(3.5));
        assert_eq!(parse_db("−6 dB"), Some(-6.0));
        for text in ["-inf", "-INF dB", "-∞", "- infinity"] {
            assert_eq!(parse_db(text), Some(f32::NEG_INFINITY), "{text:?}");
        }
        assert_eq!(parse_db("inf"), None);
        assert_eq!(parse_db("loud"), None);
        assert_eq!(format_percent(40.0, 1), "40.0 %");
        assert_eq!(format_percent(-0.01, 1), "0.0 %");
        assert_eq!(parse_percent("40"), Some(40.0));
        assert_eq!(parse_percent(" 40.5 % "), Some(40.5));
        assert_eq!(parse_percent("lots"), None);
        assert_eq!(parse_number_with_unit("1.50 x"), Some(1.5));
        assert_eq!(parse_number_with_unit("2×"), Some(2.0));
        assert_eq!(parse_number_with_unit("-12.25 MS"), Some(-12.25));
    }

    #[test]
    fn ratio_texts() {
        assert_eq!(format_ratio(4.0, 100.0, 2), "4.00:1");
        assert_eq!(format_ratio(12.5, 100.0, 2), "12.5:1");
        assert_eq!(format_ratio(100.0, 100.0, 2), "∞:1");
        for text in ["4", "4:1", "4.0:1", " 4.0 : 1 "] {
            assert_eq!(parse_ratio(text, 100.0), Some(4.0), "{text:?}");
        }
        for text in ["inf", "INF", "∞", "∞:1", "infinity", "500"] {
            assert_eq!(parse_ratio(text, 100.0), Some(100.0), "{text:?}");
        }
        assert_eq!(parse_ratio("lots", 100.0), None);
    }

    #[test]
    fn switch_texts() {
        assert_eq!(parse_on_off(" YES "), Some(true));
        assert_eq!(parse_on_off("Off"), Some(false));
        assert_eq!(parse_on_off("maybe"), None);
        assert_eq!(parse_switch("LINKED", "Independent", "Linked"), Some(true));
        assert_eq!(
            parse_switch("independent", "Independent", "Linked"),
            Some(false)
        );
        assert_eq!(parse_switch("on", "Independent", "Linked"), Some(true));
        assert_eq!(parse_switch("swap", "Off", "Swapped"), None);
    }
}
