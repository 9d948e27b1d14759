//! The factory-preset check each plugin runs against its real parameters (its
//! `tests/factory_presets.rs`): every file parses, sits in the folder its category and name
//! give, and resolves with no note (every id exists, every value is in range and of the right
//! kind). A test per plugin rather than one for all: linking two plugin crates into one test
//! binary clashes on their exported entry points.

use std::sync::Arc;

use nice_plug::params::Params;

use crate::format::Preset;
use crate::library::factory_files;
use crate::schema::Schema;

/// The fewest factory presets a plugin ships.
pub const MIN_FACTORY_PRESETS: usize = 10;

/// Everything wrong with `plugin`'s factory presets; empty when they are all fine.
pub fn factory_problems(plugin: &str, params: Arc<dyn Params>) -> Vec<String> {
    let schema = Schema::new(plugin, params);
    let mut problems = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let files: Vec<_> = factory_files(plugin).collect();
    if files.len() < MIN_FACTORY_PRESETS {
        problems.push(format!(
            "{plugin}: {} factory presets, at least {MIN_FACTORY_PRESETS} expected",
            files.len()
        ));
    }
    for file in files {
        let at = format!("presets/{plugin}/{}/{}.toml", file.folder, file.file);
        let preset = match Preset::parse(file.text, plugin) {
            Ok(preset) => preset,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        if slug(&preset.category) != file.folder {
            problems.push(format!(
                "{at}: category \"{}\" belongs in folder {}",
                preset.category,
                slug(&preset.category)
            ));
        }
        if slug(&preset.name) != file.file {
            problems.push(format!(
                "{at}: name \"{}\" belongs in file {}.toml",
                preset.name,
                slug(&preset.name)
            ));
        }
        if preset.description.trim().is_empty() {
            problems.push(format!("{at}: no description (docs/presets.md lists it)"));
        }
        if names.iter().any(|n| n.eq_ignore_ascii_case(&preset.name)) {
            problems.push(format!("{at}: a second preset called \"{}\"", preset.name));
        }
        names.push(preset.name.clone());
        problems.extend(
            schema
                .resolve(&preset)
                .notes
                .into_iter()
                .map(|note| format!("{at}: {note}")),
        );
    }
    problems
}

/// `Vocal Presence` → `vocal-presence`, `1/8 Dotted` → `1-8-dotted`: the file and folder name
/// for a display name.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Vocal Presence"), "vocal-presence");
        assert_eq!(slug("1/8 Dotted (Ping-Pong)"), "1-8-dotted-ping-pong");
        assert_eq!(slug("  Bus -- Glue "), "bus-glue");
    }

    #[test]
    fn an_unknown_plugin_has_too_few_presets() {
        let params = Arc::new(crate::testing::TestParams::default());
        let problems = factory_problems("no-such-plugin", params);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("at least 10"), "{problems:?}");
    }
}
