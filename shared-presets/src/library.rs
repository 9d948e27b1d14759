//! The presets a browser offers: the factory presets compiled into the binary (from
//! `presets/<plugin>/<category>/<name>.toml` in the repository, see `build.rs`) followed by the
//! user's own, in one list that previous/next steps through.

use std::path::PathBuf;

use crate::error::StoreError;
use crate::format::Preset;
use crate::session::{Origin, PresetRef};
use crate::store::UserStore;

/// One factory preset file as compiled in.
#[derive(Clone, Copy, Debug)]
pub struct FactoryPreset {
    /// Plugin slug (the first folder).
    pub plugin: &'static str,
    /// The category folder (kebab-case; the display name is in the file).
    pub folder: &'static str,
    /// The file name without `.toml` (kebab-case).
    pub file: &'static str,
    pub text: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/factory_list.rs"));

/// Every factory preset file of `plugin`, in folder order.
pub fn factory_files(plugin: &str) -> impl Iterator<Item = &'static FactoryPreset> + '_ {
    FACTORY.iter().filter(move |p| p.plugin == plugin)
}

/// Where a listed preset is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Factory(&'static str),
    User(PathBuf),
}

/// One preset in the browser's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub category: String,
    pub description: String,
    pub origin: Origin,
    pub source: Source,
}

impl Entry {
    /// Whether this entry is the preset `reference` names.
    pub fn is(&self, reference: &PresetRef) -> bool {
        self.origin == reference.origin && self.name == reference.name
    }

    pub fn reference(&self) -> PresetRef {
        PresetRef {
            name: self.name.clone(),
            category: self.category.clone(),
            origin: self.origin,
        }
    }
}

/// Factory and user presets of one plugin.
#[derive(Debug, Default)]
pub struct Library {
    plugin: String,
    entries: Vec<Entry>,
    /// Messages about files that could not be listed (a bad user file, an unreadable folder).
    pub problems: Vec<String>,
}

impl Library {
    /// List the factory presets of `plugin` and, with a store, the user's.
    pub fn load(plugin: &str, store: Option<&UserStore>) -> Self {
        let mut library = Self {
            plugin: plugin.to_owned(),
            ..Self::default()
        };
        for file in factory_files(plugin) {
            match Preset::parse(file.text, plugin) {
                Ok(preset) => library.entries.push(Entry {
                    name: preset.name,
                    category: preset.category,
                    description: preset.description,
                    origin: Origin::Factory,
                    source: Source::Factory(file.text),
                }),
                // The factory test keeps this from happening in a release.
                Err(e) => library
                    .problems
                    .push(format!("factory preset {}/{}: {e}", file.folder, file.file)),
            }
        }
        if let Some(store) = store {
            let listing = store.list();
            library
                .problems
                .extend(listing.problems.iter().map(ToString::to_string));
            library
                .entries
                .extend(listing.presets.into_iter().map(|p| Entry {
                    name: p.name,
                    category: p.category,
                    description: String::new(),
                    origin: Origin::User,
                    source: Source::User(p.path),
                }));
        }
        library
    }

    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The categories of presets from `origin`, in list order, each once.
    pub fn categories(&self, origin: Origin) -> Vec<&str> {
        let mut categories: Vec<&str> = Vec::new();
        for entry in self.entries.iter().filter(|e| e.origin == origin) {
            if !categories.contains(&entry.category.as_str()) {
                categories.push(&entry.category);
            }
        }
        categories
    }

    /// Position of the preset `reference` names.
    pub fn position(&self, reference: &PresetRef) -> Option<usize> {
        self.entries.iter().position(|e| e.is(reference))
    }

    /// The entry `step` places after (or before, when negative) `current`, wrapping around;
    /// from no current preset, the first (or last).
    pub fn step(&self, current: Option<&PresetRef>, step: isize) -> Option<usize> {
        let len = self.entries.len() as isize;
        if len == 0 {
            return None;
        }
        let at = match current.and_then(|c| self.position(c)) {
            Some(i) => i as isize + step,
            None if step >= 0 => 0,
            None => len - 1,
        };
        Some(at.rem_euclid(len) as usize)
    }

    /// Entries whose name, category or description contains every word of `query`
    /// (case-insensitive).
    pub fn search(&self, query: &str) -> Vec<usize> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let haystack =
                    format!("{} {} {}", e.name, e.category, e.description).to_lowercase();
                words.iter().all(|w| haystack.contains(w))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Read the preset at `index` (a user file is read from disk now).
    pub fn read(&self, index: usize) -> Result<Preset, String> {
        let entry = self
            .entries
            .get(index)
            .ok_or_else(|| "that preset is no longer listed".to_owned())?;
        match &entry.source {
            Source::Factory(text) => Preset::parse(text, &self.plugin).map_err(|e| e.to_string()),
            Source::User(path) => {
                let store = UserStore::at(path.parent().unwrap_or(path), &self.plugin);
                store.read(path).map_err(|e: StoreError| e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::PresetValue;

    #[test]
    fn factory_files_are_compiled_in() {
        for plugin in crate::PLUGINS {
            let count = factory_files(plugin).count();
            assert!(
                count >= crate::check::MIN_FACTORY_PRESETS,
                "{plugin}: {count} factory presets"
            );
            let library = Library::load(plugin, None);
            assert!(library.problems.is_empty(), "{:?}", library.problems);
            assert_eq!(library.entries().len(), count);
        }
    }

    #[test]
    fn steps_wrap_and_search_matches_words() {
        let library = Library::load("eq", None);
        let n = library.entries().len();
        let first = library.entries()[0].reference();
        let last = library.entries()[n - 1].reference();
        assert_eq!(library.step(None, 1), Some(0));
        assert_eq!(library.step(None, -1), Some(n - 1));
        assert_eq!(library.step(Some(&first), -1), Some(n - 1));
        assert_eq!(library.step(Some(&last), 1), Some(0));
        assert_eq!(library.step(Some(&first), 1), Some(1));
        let all = library.search("");
        assert_eq!(all.len(), n);
        let name = library.entries()[n / 2].name.to_uppercase();
        assert!(library.search(&name).contains(&(n / 2)));
        assert!(library.search("no such preset anywhere").is_empty());
    }

    #[test]
    fn user_presets_follow_factory_ones() {
        let dir = std::env::temp_dir().join(format!("gel-library-{}", std::process::id()));
        let store = UserStore::at(&dir, "panner");
        let preset = Preset {
            plugin: "panner".into(),
            name: "Mine".into(),
            category: "Guitars".into(),
            description: String::new(),
            params: vec![("width".into(), PresetValue::Number(150.0))],
        };
        store.save(&preset, false).unwrap();
        std::fs::write(dir.join("junk.toml"), "nonsense").unwrap();
        let library = Library::load("panner", Some(&store));
        let last = library.entries().last().unwrap();
        assert_eq!((last.name.as_str(), last.origin), ("Mine", Origin::User));
        assert_eq!(library.categories(Origin::User), ["Guitars"]);
        assert_eq!(library.problems.len(), 1, "{:?}", library.problems);
        let read = library.read(library.entries().len() - 1).unwrap();
        assert_eq!(read.value("width"), Some(&PresetValue::Number(150.0)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
