//! User presets: one file per preset in the user's data folder,
//!
//! - Linux and other Unix: `$XDG_DATA_HOME/gel/presets/<plugin>/`, falling back to
//!   `~/.local/share/gel/presets/<plugin>/`;
//! - Windows: `%APPDATA%\Gel\presets\<plugin>\`;
//! - `$GEL_PRESETS_DIR/<plugin>/` when that variable is set (tests use it).
//!
//! The folder is created at the first save. A missing folder lists as empty; a read-only or
//! full one gives a [`StoreError`] message. Files are written to a temporary name and renamed,
//! so a crash or full disk mid-save never leaves half a preset under the real name. All of it
//! runs on the GUI thread, never on the audio thread.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::format::{Preset, EXTENSION};

/// Longest accepted preset name, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// A user preset as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPreset {
    pub name: String,
    pub category: String,
    pub path: PathBuf,
}

/// What [`UserStore::list`] found.
#[derive(Debug, Default)]
pub struct Listing {
    /// Readable presets, sorted by category then name.
    pub presets: Vec<UserPreset>,
    /// Files (or the folder) that could not be read, each with its message.
    pub problems: Vec<StoreError>,
}

/// One plugin's user preset folder.
#[derive(Clone, Debug)]
pub struct UserStore {
    plugin: String,
    dir: PathBuf,
}

impl UserStore {
    /// The store for `plugin` (slug) in the platform's data folder (see the module docs).
    /// `None` when no data folder can be found (no `HOME`/`APPDATA`).
    pub fn for_plugin(plugin: &str) -> Option<Self> {
        Some(Self::at(presets_root()?.join(plugin), plugin))
    }

    /// A store in `dir` (tests, or a custom location).
    pub fn at(dir: impl Into<PathBuf>, plugin: &str) -> Self {
        Self {
            plugin: plugin.to_owned(),
            dir: dir.into(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every readable preset in the folder, plus a message per unreadable file.
    pub fn list(&self) -> Listing {
        let mut listing = Listing::default();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            // No folder yet: nothing saved yet, not a problem.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return listing,
            Err(e) => {
                listing.problems.push(StoreError::from_io(&self.dir, e));
                return listing;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
                continue;
            }
            match self.read(&path) {
                Ok(preset) => listing.presets.push(UserPreset {
                    name: preset.name,
                    category: preset.category,
                    path,
                }),
                Err(problem) => listing.problems.push(problem),
            }
        }
        listing.presets.sort_by(|a, b| {
            (a.category.to_lowercase(), a.name.to_lowercase())
                .cmp(&(b.category.to_lowercase(), b.name.to_lowercase()))
        });
        listing
    }

    /// Read and parse one preset file (for this plugin).
    pub fn read(&self, path: &Path) -> Result<Preset, StoreError> {
        let bytes = fs::read(path).map_err(|e| StoreError::from_io(path, e))?;
        let text = String::from_utf8_lossy(&bytes);
        Preset::parse(&text, &self.plugin).map_err(|error| StoreError::Preset {
            path: path.to_path_buf(),
            error,
        })
    }

    /// The user preset called `name` (case-insensitive), if any.
    pub fn find(&self, name: &str) -> Option<UserPreset> {
        self.list()
            .presets
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
    }

    /// Save `preset` under its name. With `overwrite` false an existing preset of that name is
    /// an error ([`StoreError::Exists`]); with it true that preset is replaced (Save).
    pub fn save(&self, preset: &Preset, overwrite: bool) -> Result<PathBuf, StoreError> {
        let name = check_name(&preset.name)?;
        let path = match self.find(&name) {
            Some(_) if !overwrite => return Err(StoreError::Exists { name }),
            Some(existing) => existing.path,
            None => self.free_path(&name),
        };
        fs::create_dir_all(&self.dir).map_err(|e| StoreError::from_io(&self.dir, e))?;
        let mut preset = preset.clone();
        preset.name = name;
        preset.plugin = self.plugin.clone();
        write_atomically(&path, &preset.to_toml())?;
        Ok(path)
    }

    /// Rename a user preset (the file and the name inside it).
    pub fn rename(&self, from: &str, to: &str) -> Result<PathBuf, StoreError> {
        let old = self.find(from).ok_or_else(|| StoreError::NoSuchPreset {
            name: from.to_owned(),
        })?;
        let new_name = check_name(to)?;
        if let Some(other) = self.find(&new_name) {
            if other.path != old.path {
                return Err(StoreError::Exists { name: new_name });
            }
        }
        let mut preset = self.read(&old.path)?;
        preset.name = new_name.clone();
        let new_path = match self.free_path(&new_name) {
            // Only the letter case changed: keep the file.
            p if p
                .to_string_lossy()
                .eq_ignore_ascii_case(&old.path.to_string_lossy()) =>
            {
                old.path.clone()
            }
            p => p,
        };
        write_atomically(&new_path, &preset.to_toml())?;
        if new_path != old.path {
            fs::remove_file(&old.path).map_err(|e| StoreError::from_io(&old.path, e))?;
        }
        Ok(new_path)
    }

    /// Delete a user preset.
    pub fn delete(&self, name: &str) -> Result<(), StoreError> {
        let preset = self.find(name).ok_or_else(|| StoreError::NoSuchPreset {
            name: name.to_owned(),
        })?;
        fs::remove_file(&preset.path).map_err(|e| StoreError::from_io(&preset.path, e))
    }

    /// Copy the preset file at `source` into the folder (checked first: a bad file is refused
    /// and nothing is written). A name already taken gets " 2", " 3", ... Returns the preset as
    /// stored.
    pub fn import(&self, source: &Path) -> Result<Preset, StoreError> {
        let mut preset = self.read(source)?;
        let base = check_name(&preset.name)?;
        let mut name = base.clone();
        let mut n = 2;
        while self.find(&name).is_some() {
            name = format!("{base} {n}");
            n += 1;
        }
        preset.name = name;
        self.save(&preset, false)?;
        Ok(preset)
    }

    /// `<dir>/<file name from name>.toml`, numbered when a file of that name holds another
    /// preset (two names can map to one file name, e.g. "a/b" and "a_b").
    fn free_path(&self, name: &str) -> PathBuf {
        let stem = file_stem(name);
        let mut path = self.dir.join(format!("{stem}.{EXTENSION}"));
        let mut n = 2;
        while path.exists() {
            path = self.dir.join(format!("{stem} ({n}).{EXTENSION}"));
            n += 1;
        }
        path
    }
}

/// Write `preset` to the file `destination` (anywhere: export), replacing it.
pub fn export(preset: &Preset, destination: &Path) -> Result<(), StoreError> {
    write_atomically(destination, &preset.to_toml())
}

/// The root that holds one folder per plugin.
pub fn presets_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GEL_PRESETS_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    platform_root()
}

#[cfg(windows)]
fn platform_root() -> Option<PathBuf> {
    let appdata = std::env::var_os("APPDATA").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(appdata).join("Gel").join("presets"))
}

#[cfg(not(windows))]
fn platform_root() -> Option<PathBuf> {
    // XDG: a relative $XDG_DATA_HOME is invalid and must be ignored.
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .or_else(|| {
            let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
            Some(PathBuf::from(home).join(".local").join("share"))
        })?;
    Some(data_home.join("gel").join("presets"))
}

/// A name trimmed and checked for use as a preset (and file) name.
fn check_name(name: &str) -> Result<String, StoreError> {
    let trimmed = name.trim();
    let invalid = |reason| StoreError::InvalidName {
        name: name.to_owned(),
        reason,
    };
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(invalid("it is longer than 80 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid("it contains control characters"));
    }
    Ok(trimmed.to_owned())
}

/// A file name for a preset name: characters Windows or Unix reject become `_`; leading dots
/// (hidden files) and trailing dots and spaces (Windows drops them) are removed.
fn file_stem(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    let stem = replaced
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_owned();
    if stem.is_empty() {
        "preset".to_owned()
    } else {
        stem
    }
}

/// Write through a temporary file in the same folder, then rename over `path`.
fn write_atomically(path: &Path, text: &str) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.partial"));
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        StoreError::from_io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PresetError;
    use crate::format::PresetValue;

    /// A fresh empty folder under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "gel-presets-test-{tag}-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = fs::remove_dir_all(&dir);
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn preset(name: &str) -> Preset {
        Preset {
            plugin: "reverb".into(),
            name: name.into(),
            category: "Rooms".into(),
            description: String::new(),
            params: vec![("decay".into(), PresetValue::Number(1.5))],
        }
    }

    #[test]
    fn save_list_rename_delete() {
        let tmp = TempDir::new("crud");
        let store = UserStore::at(tmp.0.join("reverb"), "reverb");
        assert!(
            store.list().presets.is_empty(),
            "a missing folder lists empty"
        );
        assert!(store.list().problems.is_empty());

        let path = store.save(&preset("My Room"), false).unwrap();
        assert_eq!(path, tmp.0.join("reverb").join("My Room.toml"));
        store.save(&preset("A/B: test?"), false).unwrap();
        let names: Vec<String> = store.list().presets.into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["A/B: test?", "My Room"]);
        assert!(tmp.0.join("reverb").join("A_B_ test_.toml").exists());

        assert!(matches!(
            store.save(&preset("my room"), false),
            Err(StoreError::Exists { .. })
        ));
        let mut changed = preset("My Room");
        changed.params[0].1 = PresetValue::Number(2.5);
        store.save(&changed, true).unwrap();
        let read = store.read(&path).unwrap();
        assert_eq!(read.value("decay"), Some(&PresetValue::Number(2.5)));

        let renamed = store.rename("My Room", "Big Room").unwrap();
        assert!(!path.exists());
        assert_eq!(store.read(&renamed).unwrap().name, "Big Room");
        assert!(matches!(
            store.rename("Big Room", "A/B: test?"),
            Err(StoreError::Exists { .. })
        ));
        assert!(matches!(
            store.rename("Nothing", "X"),
            Err(StoreError::NoSuchPreset { .. })
        ));
        store.delete("big room").unwrap();
        assert_eq!(store.list().presets.len(), 1);
        assert!(matches!(
            store.save(&preset("  "), false),
            Err(StoreError::InvalidName { .. })
        ));
        // No temporary files are left behind.
        let leftovers = fs::read_dir(store.dir())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".partial")
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn import_and_export_check_the_file() {
        let tmp = TempDir::new("import");
        let store = UserStore::at(tmp.0.join("store"), "reverb");
        fs::create_dir_all(&tmp.0).unwrap();
        let outside = tmp.0.join("shared.toml");
        export(&preset("Shared"), &outside).unwrap();
        assert_eq!(store.import(&outside).unwrap().name, "Shared");
        assert_eq!(store.import(&outside).unwrap().name, "Shared 2");
        assert_eq!(store.list().presets.len(), 2);

        let text = fs::read_to_string(&outside).unwrap();
        let cases: [(&str, String); 4] = [
            ("truncated", text[..text.len() / 2].to_owned()),
            ("foreign", text.replace("\"reverb\"", "\"delay\"")),
            ("newer", text.replace("format = 1", "format = 9")),
            ("corrupt", text.replace("decay = 1.5", "decay = ]")),
        ];
        for (label, body) in cases {
            let bad = tmp.0.join(format!("{label}.toml"));
            fs::write(&bad, body).unwrap();
            let err = store.import(&bad).unwrap_err();
            let StoreError::Preset { error, .. } = &err else {
                panic!("{label}: {err}");
            };
            let expected = match label {
                "truncated" => matches!(error, PresetError::Truncated),
                "foreign" => matches!(error, PresetError::ForeignPlugin { .. }),
                "newer" => matches!(error, PresetError::NewerFormat { .. }),
                _ => matches!(error, PresetError::Corrupt { .. }),
            };
            assert!(expected, "{label}: {err}");
            assert!(
                err.to_string().starts_with(&format!("{label}.toml: ")),
                "{err}"
            );
        }
        assert_eq!(store.list().presets.len(), 2, "nothing was imported");
        assert!(matches!(
            store.import(&tmp.0.join("absent.toml")),
            Err(StoreError::Missing { .. })
        ));

        // A bad file dropped into the folder by hand is reported, the rest still listed.
        fs::write(store.dir().join("broken.toml"), "format = 1\nplugin = ").unwrap();
        let listing = store.list();
        assert_eq!(listing.presets.len(), 2);
        assert_eq!(listing.problems.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_folder_gives_a_message() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = TempDir::new("readonly");
        let dir = tmp.0.join("eq");
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
        let store = UserStore::at(&dir, "reverb");
        // Root ignores permissions; the check only means something for other users.
        let writable = fs::write(dir.join("probe"), "x").is_ok();
        let result = store.save(&preset("Nope"), false);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        if writable {
            println!("skipped: running as root, permissions are not enforced");
            return;
        }
        let err = result.unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
        assert!(err.to_string().contains("read-only"), "{err}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn full_disk_gives_a_message() {
        // /dev/full fails every write with ENOSPC, the error a full disk gives.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let full = file.write_all(&[0; 64]).unwrap_err();
        let err = StoreError::from_io(Path::new("/presets/eq/Vocal.toml"), full);
        assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
        assert!(err.to_string().contains("disk is full"), "{err}");
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("Vocal: Air / Presence"), "Vocal_ Air _ Presence");
        assert_eq!(file_stem("..hidden."), "hidden");
        assert_eq!(file_stem("..."), "preset");
    }
}
