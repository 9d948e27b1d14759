//! What can go wrong with a preset, worded for the person who sees it in the editor.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why a preset file was refused. A refused file changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PresetError {
    /// The file is not valid preset text (bad TOML, a missing or mistyped field).
    Corrupt {
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        detail: String,
    },
    /// The file stops before its `[end]` marker: it was cut off while being written or copied.
    Truncated,
    /// A preset of another plugin (`plugin = ...` names a different one).
    ForeignPlugin { found: String, expected: String },
    /// Written by a newer Gel whose format this version does not know.
    NewerFormat { found: i64, supported: u32 },
}

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Corrupt {
                line: Some(line),
                detail,
            } => write!(f, "not a valid preset file (line {line}: {detail})"),
            Self::Corrupt { line: None, detail } => {
                write!(f, "not a valid preset file ({detail})")
            }
            Self::Truncated => write!(
                f,
                "the preset file is incomplete (it ends before its [end] marker; it was cut off)"
            ),
            Self::ForeignPlugin { found, expected } => write!(
                f,
                "this preset is for Gel {}, not Gel {}",
                display_plugin(found),
                display_plugin(expected)
            ),
            Self::NewerFormat { found, supported } => write!(
                f,
                "this preset was saved by a newer Gel (format {found}; this version reads up to \
                 format {supported}): update Gel to load it"
            ),
        }
    }
}

impl std::error::Error for PresetError {}

/// `eq` → `EQ`, `compressor` → `Compressor`: how a plugin id reads in a message.
fn display_plugin(id: &str) -> String {
    if id.len() <= 2 {
        return id.to_ascii_uppercase();
    }
    let mut chars = id.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "(unnamed plugin)".to_owned(),
    }
}

/// Why a user-preset operation failed. Every variant is a message for the editor, never a
/// panic.
#[derive(Debug)]
pub enum StoreError {
    /// The file was read but refused.
    Preset { path: PathBuf, error: PresetError },
    /// The preset folder (or file) is not writable.
    ReadOnly { path: PathBuf },
    /// The disk (or quota) is full.
    Full { path: PathBuf },
    /// The folder or file does not exist (and could not be created).
    Missing { path: PathBuf },
    /// A preset of that name exists already.
    Exists { name: String },
    /// No user preset has that name.
    NoSuchPreset { name: String },
    /// The name is empty or cannot be a file name.
    InvalidName { name: String, reason: &'static str },
    /// Any other I/O failure.
    Io { path: PathBuf, error: io::Error },
}

impl StoreError {
    /// Map an I/O error on `path` to the message the user needs.
    pub fn from_io(path: &Path, error: io::Error) -> Self {
        let path = path.to_path_buf();
        match error.kind() {
            io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
                Self::ReadOnly { path }
            }
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Self::Full { path },
            io::ErrorKind::NotFound => Self::Missing { path },
            _ => Self::Io { path, error },
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Preset { path, error } => write!(f, "{}: {error}", file_name(path)),
            Self::ReadOnly { path } => write!(
                f,
                "cannot write to {}: it is read-only (check its permissions)",
                path.display()
            ),
            Self::Full { path } => write!(
                f,
                "cannot write {}: the disk is full (free some space and save again)",
                path.display()
            ),
            Self::Missing { path } => write!(f, "{} does not exist", path.display()),
            Self::Exists { name } => write!(f, "a user preset called \"{name}\" exists already"),
            Self::NoSuchPreset { name } => write!(f, "there is no user preset \"{name}\""),
            Self::InvalidName { name, reason } => {
                write!(f, "\"{name}\" cannot be a preset name: {reason}")
            }
            Self::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for StoreError {}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_problem() {
        let foreign = PresetError::ForeignPlugin {
            found: "reverb".into(),
            expected: "eq".into(),
        };
        assert_eq!(
            foreign.to_string(),
            "this preset is for Gel Reverb, not Gel EQ"
        );
        let newer = PresetError::NewerFormat {
            found: 3,
            supported: 1,
        };
        assert!(newer.to_string().contains("newer Gel"), "{newer}");
        assert!(PresetError::Truncated.to_string().contains("cut off"));
        let corrupt = PresetError::Corrupt {
            line: Some(4),
            detail: "expected a value".into(),
        };
        assert!(corrupt.to_string().contains("line 4"), "{corrupt}");
    }

    #[test]
    fn io_errors_map_to_user_messages() {
        let path = Path::new("/presets/eq");
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(matches!(
            StoreError::from_io(path, denied),
            StoreError::ReadOnly { .. }
        ));
        let full = io::Error::from(io::ErrorKind::StorageFull);
        let full = StoreError::from_io(path, full);
        assert!(matches!(full, StoreError::Full { .. }));
        assert!(full.to_string().contains("disk is full"), "{full}");
        let missing = io::Error::from(io::ErrorKind::NotFound);
        assert!(matches!(
            StoreError::from_io(path, missing),
            StoreError::Missing { .. }
        ));
    }
}
