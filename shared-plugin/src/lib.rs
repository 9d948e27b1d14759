//! `gel-plugin`: what every Gel plugin does the same way and that needs no GUI toolkit.
//!
//! - [`vendor`]: vendor, contact, the stereo-or-mono layouts, and the
//!   [`plugin_constants!`] / [`clap_constants!`] macros for the repeated trait items.
//! - [`editor_state`]: the editor's persistent size/zoom and open flag ([`GelEditorState`]),
//!   and [`EditorWatch`], the audio thread's once-per-block look at that flag.
//! - [`silence`]: [`SilenceTracker`], the silent-input count, the rung-out test and the tail
//!   status reported to the host.
//! - [`stereo_block`]: the top of `process` — mono fan-out, non-finite sanitising, left/right
//!   split.
//! - [`param`]: parameter builders (Hz, ms/s, %, dB, ratio, switches) and [`param_text`], the
//!   one formatter and parser per kind of quantity they use.
//!
//! Layering: plugins depend on gel-plugin, gel-ui may depend on gel-plugin, gel-plugin never on
//! gel-ui (or egui). It depends on nice-plug (the types it builds) and gel-dsp (the guards).

pub mod editor_state;
pub mod param;
pub mod param_text;
pub mod silence;
pub mod stereo_block;
pub mod vendor;

pub use editor_state::{EditorVisibility, EditorWatch, GelEditorState, GelEditorStateData};
pub use silence::{SilenceTracker, SILENCE_THRESHOLD};
pub use stereo_block::StereoBlock;
pub use vendor::{is_mono_input, EMAIL, STEREO_OR_MONO_IN, VENDOR};

/// Paths the exported macros use, so a plugin needs no import for them to expand.
#[doc(hidden)]
pub mod __private {
    pub use nice_plug::prelude::AudioIOLayout;
}
