//! `gel-presets`: presets for every Gel plugin, without a GUI toolkit.
//!
//! - [`format`]: the preset file (TOML, `format = 1`, `[end]` marker) and its parser, which
//!   refuses corrupt, truncated, foreign and newer files with a [`PresetError`] saying which.
//! - [`schema`]: a plugin's parameters read from nice-plug's `param_map`; turns a preset into
//!   values (unknown ids skipped, missing ones at their defaults) and sends values to the host
//!   ([`Schema::apply`]: begin/set/end per parameter).
//! - [`library`]: the factory presets compiled in from `presets/` plus the user's, in one list.
//! - [`store`]: the user preset folder (save, rename, delete, import, export).
//! - [`session`]: [`PresetSession`], the persistent A/B slots and preset names, with the
//!   [`history`] of undo steps.
//! - [`testing`]: a small parameter set and a stand-in host context for tests of code built on
//!   this crate (gel-ui's browser uses them too).
//!
//! gel-ui's preset browser draws all of this; the plugins only add the session field and the
//! browser. Nothing here runs on the audio thread: file I/O and history happen in the editor.

pub mod check;
pub mod error;
pub mod format;
pub mod history;
pub mod library;
pub mod schema;
pub mod session;
pub mod store;

pub mod testing;

pub use error::{PresetError, StoreError};
pub use format::{Preset, PresetValue, FORMAT_VERSION};
pub use history::{FrameInput, History, HISTORY_STEPS};
pub use library::{Entry, Library, Source};
pub use schema::{ParamKind, Resolved, Schema, Values};
pub use session::{Origin, PresetRef, PresetSession, SessionData, Slot, SlotData};
pub use store::UserStore;

/// The slugs of Gel's plugins, as preset files and folders name them.
pub const PLUGINS: [&str; 5] = ["eq", "compressor", "panner", "reverb", "delay"];
