//! The preset file: small, human-readable TOML that a person can write by hand and a diff can
//! review (the full description is in `docs/presets.md`):
//!
//! ```toml
//! format = 1
//! plugin = "delay"
//! name = "Slapback"
//! category = "Short"
//! description = "One short echo that thickens a vocal without a tail."
//!
//! [params]
//! time_l = 110.0
//! sync = false
//! mode = "Mono"
//!
//! [end]
//! ```
//!
//! `plugin` is the plugin's slug (the last part of its CLAP id). Values are plain: numbers in the
//! parameter's unit, `true`/`false` for switches, a choice's name as text. The `[end]` line must
//! close the file, so a file cut off while being written or copied is told apart from a whole
//! one (without it a truncated `[params]` table would still parse, with parameters missing).

use crate::error::PresetError;

/// The newest preset format this version reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;

/// File name extension of a preset.
pub const EXTENSION: &str = "toml";

/// The category a preset without one is listed under.
pub const DEFAULT_CATEGORY: &str = "User";

/// A parameter's value as written in a file, before it is checked against a plugin's
/// parameters (see [`crate::schema::Schema::resolve`]).
#[derive(Clone, Debug, PartialEq)]
pub enum PresetValue {
    /// A float or integer parameter's plain value (TOML integers are accepted for floats).
    Number(f64),
    /// A switch.
    Bool(bool),
    /// A choice, by the name the plugin shows for it.
    Text(String),
}

/// One parsed preset: what the file says, not yet checked against a parameter list.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    /// Plugin slug (`eq`, `compressor`, `panner`, `reverb`, `delay`).
    pub plugin: String,
    pub name: String,
    pub category: String,
    /// One line on what the preset is for; may be empty.
    pub description: String,
    /// `(parameter id, value)`; written in the plugin's parameter order, read back sorted by id.
    pub params: Vec<(String, PresetValue)>,
}

impl Preset {
    /// Parse `text` as a preset for the plugin `plugin`. Refuses (with a message saying which
    /// way) text that is not TOML or lacks a field, a file cut off before `[end]`, another
    /// plugin's preset and a format newer than [`FORMAT_VERSION`].
    pub fn parse(text: &str, plugin: &str) -> Result<Self, PresetError> {
        let ends_properly = last_meaningful_line(text) == Some("[end]");
        let table: toml::Table = match text.parse() {
            Ok(table) => table,
            // A preset cut mid-line usually fails to parse; say what really happened. Text
            // that never looked like a preset (no `format` line) is just not one.
            Err(_) if !ends_properly && looks_like_preset(text) => {
                return Err(PresetError::Truncated)
            }
            Err(_) if !ends_properly => return Err(corrupt("this is not a Gel preset")),
            Err(error) => {
                return Err(PresetError::Corrupt {
                    line: error.span().map(|span| line_of(text, span.start)),
                    detail: error.message().trim().to_owned(),
                })
            }
        };

        // The version and the plugin come before the end check: a newer format may end
        // differently, and a foreign preset is refused as foreign whatever its shape.
        let format = match table.get("format") {
            Some(toml::Value::Integer(n)) => *n,
            Some(_) => return Err(corrupt("`format` must be a whole number")),
            None => return Err(corrupt("no `format = 1` line")),
        };
        if format > i64::from(FORMAT_VERSION) {
            return Err(PresetError::NewerFormat {
                found: format,
                supported: FORMAT_VERSION,
            });
        }
        if format < 1 {
            return Err(corrupt(&format!("unknown format {format}")));
        }
        let found_plugin = required_text(&table, "plugin")?;
        if found_plugin != plugin {
            return Err(PresetError::ForeignPlugin {
                found: found_plugin,
                expected: plugin.to_owned(),
            });
        }
        if !ends_properly {
            return Err(PresetError::Truncated);
        }
        match table.get("end") {
            Some(toml::Value::Table(end)) if end.is_empty() => {}
            _ => return Err(corrupt("`[end]` must be an empty table")),
        }

        let name = required_text(&table, "name")?;
        if name.trim().is_empty() {
            return Err(corrupt("the name is empty"));
        }
        let category = optional_text(&table, "category")?
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_CATEGORY.to_owned());
        let description = optional_text(&table, "description")?.unwrap_or_default();

        let params_table = match table.get("params") {
            Some(toml::Value::Table(params)) => params,
            Some(_) => return Err(corrupt("`params` must be a table")),
            None => return Err(corrupt("no [params] table")),
        };
        let mut params = Vec::with_capacity(params_table.len());
        for (id, value) in params_table {
            let value = match value {
                toml::Value::Integer(n) => PresetValue::Number(*n as f64),
                toml::Value::Float(x) if x.is_finite() => PresetValue::Number(*x),
                toml::Value::Float(_) => {
                    return Err(corrupt(&format!("`{id}` is not a finite number")))
                }
                toml::Value::Boolean(b) => PresetValue::Bool(*b),
                toml::Value::String(s) => PresetValue::Text(s.clone()),
                _ => {
                    return Err(corrupt(&format!(
                        "`{id}` must be a number, true/false or a choice in quotes"
                    )))
                }
            };
            params.push((id.clone(), value));
        }

        Ok(Self {
            plugin: found_plugin,
            name,
            category,
            description,
            params,
        })
    }

    /// The file text (format [`FORMAT_VERSION`]), parameters in the order given.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        out.push_str("# Gel preset (format described in docs/presets.md)\n");
        out.push_str(&format!("format = {FORMAT_VERSION}\n"));
        out.push_str(&format!("plugin = {}\n", quote(&self.plugin)));
        out.push_str(&format!("name = {}\n", quote(&self.name)));
        out.push_str(&format!("category = {}\n", quote(&self.category)));
        if !self.description.is_empty() {
            out.push_str(&format!("description = {}\n", quote(&self.description)));
        }
        out.push_str("\n[params]\n");
        for (id, value) in &self.params {
            let value = match value {
                PresetValue::Number(x) => format_number(*x),
                PresetValue::Bool(b) => b.to_string(),
                PresetValue::Text(s) => quote(s),
            };
            out.push_str(&format!("{} = {value}\n", key(id)));
        }
        out.push_str("\n[end]\n");
        out
    }

    /// The value the file gives `id`, if any.
    pub fn value(&self, id: &str) -> Option<&PresetValue> {
        self.params.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }
}

/// A number as TOML: integers stay integers (`3`), everything else is written with enough
/// digits to read back the same `f32` (Rust's shortest round-trip form, e.g. `0.1`, `1e-5`).
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        // Plain values come from f32 parameters: print the f32's shortest exact form, so the
        // file does not carry f64 noise such as 0.10000000149011612.
        let short = x as f32;
        if f64::from(short) == x {
            format!("{short:?}")
        } else {
            format!("{x:?}")
        }
    }
}

fn quote(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A bare TOML key when the id allows it, else a quoted one.
fn key(id: &str) -> String {
    let bare = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        id.to_owned()
    } else {
        quote(id)
    }
}

fn corrupt(detail: &str) -> PresetError {
    PresetError::Corrupt {
        line: None,
        detail: detail.to_owned(),
    }
}

fn required_text(table: &toml::Table, key: &str) -> Result<String, PresetError> {
    optional_text(table, key)?.ok_or_else(|| corrupt(&format!("no `{key}` line")))
}

fn optional_text(table: &toml::Table, key: &str) -> Result<Option<String>, PresetError> {
    match table.get(key) {
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(corrupt(&format!("`{key}` must be text in quotes"))),
        None => Ok(None),
    }
}

/// Whether `text` starts the way a preset does (a `format = ...` line among its first lines).
fn looks_like_preset(text: &str) -> bool {
    text.lines()
        .take(8)
        .any(|line| line.trim_start().starts_with("format"))
}

/// The last line that is neither blank nor a comment, trimmed.
fn last_meaningful_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .rev()
        .find(|line| !line.is_empty() && !line.starts_with('#'))
}

/// 1-based line number of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Preset {
        Preset {
            plugin: "delay".into(),
            name: "Slapback \"short\"".into(),
            category: "Short".into(),
            description: "One echo.".into(),
            params: vec![
                ("time_l".into(), PresetValue::Number(110.0)),
                ("feedback".into(), PresetValue::Number(0.1f32 as f64)),
                ("sync".into(), PresetValue::Bool(false)),
                ("mode".into(), PresetValue::Text("Ping-Pong".into())),
                ("odd.id".into(), PresetValue::Number(-3.25)),
            ],
        }
    }

    #[test]
    fn round_trips_through_text() {
        let preset = sample();
        let text = preset.to_toml();
        assert!(text.contains("time_l = 110.0\n"), "{text}");
        assert!(
            text.contains("feedback = 0.1\n"),
            "f32 written short: {text}"
        );
        assert!(text.contains("\"odd.id\" = -3.25\n"), "{text}");
        assert!(text.trim_end().ends_with("[end]"));
        let back = Preset::parse(&text, "delay").unwrap();
        assert_eq!(back.name, preset.name);
        assert_eq!(back.params.len(), preset.params.len());
        for (id, value) in &preset.params {
            let got = back.value(id).unwrap_or_else(|| panic!("{id} lost"));
            match (value, got) {
                (PresetValue::Number(a), PresetValue::Number(b)) => {
                    assert_eq!(*a as f32, *b as f32, "{id}")
                }
                _ => assert_eq!(value, got, "{id}"),
            }
        }
    }

    #[test]
    fn truncated_files_are_refused() {
        let text = sample().to_toml();
        // Every cut that loses the end marker is refused as truncated, wherever it falls
        // (mid-string, mid-number, between lines).
        let end = text.find("[end]").unwrap();
        for cut in (0..end).step_by(3) {
            let err = Preset::parse(&text[..cut], "delay").unwrap_err();
            assert!(
                matches!(
                    err,
                    PresetError::Truncated | PresetError::Corrupt { line: None, .. }
                ),
                "cut at {cut}: {err:?}"
            );
        }
        let cut_in_params = &text[..text.find("mode =").unwrap()];
        assert_eq!(
            Preset::parse(cut_in_params, "delay"),
            Err(PresetError::Truncated)
        );
    }

    #[test]
    fn foreign_newer_and_corrupt_files_are_refused() {
        let text = sample().to_toml();
        assert_eq!(
            Preset::parse(&text, "reverb"),
            Err(PresetError::ForeignPlugin {
                found: "delay".into(),
                expected: "reverb".into()
            })
        );
        let newer = text.replace("format = 1", "format = 2");
        assert_eq!(
            Preset::parse(&newer, "delay"),
            Err(PresetError::NewerFormat {
                found: 2,
                supported: 1
            })
        );
        let broken = text.replace("time_l = 110.0", "time_l = = 110");
        match Preset::parse(&broken, "delay") {
            Err(PresetError::Corrupt {
                line: Some(line), ..
            }) => assert_eq!(line, 9, "line of the broken value"),
            other => panic!("{other:?}"),
        }
        let no_name = text.replace("name = ", "nome = ");
        assert!(matches!(
            Preset::parse(&no_name, "delay"),
            Err(PresetError::Corrupt { .. })
        ));
        let array = text.replace("sync = false", "sync = [1, 2]");
        assert!(matches!(
            Preset::parse(&array, "delay"),
            Err(PresetError::Corrupt { .. })
        ));
        assert_eq!(
            Preset::parse("\u{0}\u{1}binary", "delay"),
            Err(corrupt("this is not a Gel preset"))
        );
    }

    #[test]
    fn optional_fields_default() {
        let text = "format = 1\nplugin = \"eq\"\nname = \"Flat\"\n[params]\n[end]\n";
        let preset = Preset::parse(text, "eq").unwrap();
        assert_eq!(preset.category, DEFAULT_CATEGORY);
        assert!(preset.description.is_empty());
        assert!(preset.params.is_empty());
        // Comments and blank lines after the marker are fine.
        let commented = format!("{text}\n# written by hand\n\n");
        assert!(Preset::parse(&commented, "eq").is_ok());
    }

    #[test]
    fn numbers_print_exactly() {
        assert_eq!(format_number(3.0), "3.0");
        assert_eq!(format_number(-24.0), "-24.0");
        assert_eq!(format_number(f64::from(0.707f32)), "0.707");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(f64::from(1.0e-5f32)), "1e-5");
    }
}
