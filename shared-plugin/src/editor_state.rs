//! The editor's persistent state and the audio side's view of it.
//!
//! [`GelEditorState`] holds the editor's size and zoom, saved with the plugin's state, and the
//! flag saying whether the editor window is open. It lives here, not in gel-ui, because the
//! audio thread reads that flag (through [`EditorWatch`]) and a plugin's parameters persist the
//! state; neither needs a GUI toolkit.
//!
//! nice-plug-egui's `EguiEditorState` is not a persistent field, so Gel keeps its own. Put it in
//! the plugin's `Params` struct:
//!
//! ```text
//! #[persist = "editor-state"]
//! pub editor_state: Arc<GelEditorState>,
//! ```
//!
//! and create it with `GelEditorState::default_size(width, height)`. It is saved as JSON
//! `{"width":..,"height":..,"zoom":..}` (see [`GelEditorStateData`]); the open flag is not saved.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use atomic_float::AtomicF32;
use nice_plug::params::persist::PersistentField;
use serde::{Deserialize, Serialize};

/// Smallest user zoom.
pub const MIN_ZOOM: f32 = 0.75;
/// Largest user zoom.
pub const MAX_ZOOM: f32 = 2.0;
/// Zoom choices offered in the header.
pub const ZOOM_STEPS: [f32; 6] = [0.75, 1.0, 1.25, 1.5, 1.75, 2.0];
/// Smallest accepted editor side, in logical points (guards against corrupt states).
pub const MIN_SIDE: f32 = 100.0;
/// Largest accepted editor side, in logical points.
pub const MAX_SIDE: f32 = 4000.0;

/// Clamp a zoom factor into [`MIN_ZOOM`]..=[`MAX_ZOOM`]; non-finite values become 1.0.
pub fn clamp_zoom(zoom: f32) -> f32 {
    if zoom.is_finite() {
        zoom.clamp(MIN_ZOOM, MAX_ZOOM)
    } else {
        1.0
    }
}

fn clamp_side(side: f32, fallback: f32) -> f32 {
    if side.is_finite() {
        side.clamp(MIN_SIDE, MAX_SIDE)
    } else {
        fallback
    }
}

/// The serialised form of [`GelEditorState`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GelEditorStateData {
    /// Content width in logical points at zoom 1 (the window is `width * zoom` wide).
    pub width: f32,
    /// Content height in logical points at zoom 1.
    pub height: f32,
    /// User zoom factor.
    #[serde(default = "one")]
    pub zoom: f32,
}

fn one() -> f32 {
    1.0
}

/// Editor size and zoom shared between the plugin (which saves it) and the editor (which
/// updates it when the window is resized or zoomed). Interior-mutable and lock-free.
#[derive(Debug)]
pub struct GelEditorState {
    width: AtomicF32,
    height: AtomicF32,
    zoom: AtomicF32,
    open: AtomicBool,
    /// The size the plugin asked for: a restored state is never smaller (the editors are not
    /// resizable, so a size saved by an older version whose layout was smaller would cut off
    /// what was added since).
    min_width: f32,
    min_height: f32,
}

impl GelEditorState {
    /// A state for an editor whose content is `width × height` logical points at 100 % zoom.
    pub fn default_size(width: f32, height: f32) -> Arc<Self> {
        Arc::new(Self::new(width, height, 1.0))
    }

    /// [`default_size`](Self::default_size) from a plugin's `EDITOR_SIZE` (logical pixels).
    pub fn for_size((width, height): (u32, u32)) -> Arc<Self> {
        Self::default_size(width as f32, height as f32)
    }

    /// A state with an explicit zoom (clamped).
    pub fn new(width: f32, height: f32, zoom: f32) -> Self {
        let (width, height) = (clamp_side(width, 600.0), clamp_side(height, 400.0));
        Self {
            width: AtomicF32::new(width),
            height: AtomicF32::new(height),
            zoom: AtomicF32::new(clamp_zoom(zoom)),
            open: AtomicBool::new(false),
            min_width: width,
            min_height: height,
        }
    }

    /// Content size (width, height) in logical points at zoom 1.
    pub fn size(&self) -> (f32, f32) {
        (
            self.width.load(Ordering::Relaxed),
            self.height.load(Ordering::Relaxed),
        )
    }

    /// Window size (width, height) in logical points: content size × zoom.
    pub fn scaled_size(&self) -> (f32, f32) {
        let (w, h) = self.size();
        let z = self.zoom();
        (w * z, h * z)
    }

    /// Set the content size (clamped to sane bounds).
    pub fn set_size(&self, width: f32, height: f32) {
        let (w, h) = self.size();
        self.width.store(clamp_side(width, w), Ordering::Relaxed);
        self.height.store(clamp_side(height, h), Ordering::Relaxed);
    }

    /// Current user zoom.
    pub fn zoom(&self) -> f32 {
        self.zoom.load(Ordering::Relaxed)
    }

    /// Set the user zoom (clamped to 75 %–200 %).
    pub fn set_zoom(&self, zoom: f32) {
        self.zoom.store(clamp_zoom(zoom), Ordering::Relaxed);
    }

    /// Whether the editor window is open (useful to skip GUI-only analysis work).
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// Called by the editor frame (gel-ui's `GelEditor`) when its window opens and closes.
    pub fn set_open(&self, open: bool) {
        self.open.store(open, Ordering::Release);
    }

    /// Snapshot for serialisation.
    pub fn data(&self) -> GelEditorStateData {
        let (width, height) = self.size();
        GelEditorStateData {
            width,
            height,
            zoom: self.zoom(),
        }
    }

    /// Restore from a snapshot (values are clamped; the size to at least the one this state
    /// was created with).
    pub fn set_data(&self, data: GelEditorStateData) {
        let width = clamp_side(data.width, self.min_width).max(self.min_width);
        let height = clamp_side(data.height, self.min_height).max(self.min_height);
        self.set_size(width, height);
        self.set_zoom(data.zoom);
    }
}

/// Whether the editor is open for this block, and whether it opened since the last one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EditorVisibility {
    pub open: bool,
    /// The displays' state is stale (it was not updated while closed): restart it.
    pub just_opened: bool,
}

/// Polled once per process call on the audio thread (one atomic load, no lock): meters,
/// correlation and scopes run only while someone looks at them.
#[derive(Debug, Default)]
pub struct EditorWatch {
    was_open: bool,
}

impl EditorWatch {
    /// This block's [`EditorVisibility`].
    pub fn poll(&mut self, state: &GelEditorState) -> EditorVisibility {
        let open = state.is_open();
        let just_opened = open && !self.was_open;
        self.was_open = open;
        EditorVisibility { open, just_opened }
    }
}

impl<'a> PersistentField<'a, GelEditorStateData> for GelEditorState {
    fn set(&self, new_value: GelEditorStateData) {
        self.set_data(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&GelEditorStateData) -> R,
    {
        f(&self.data())
    }
}

impl<'a> PersistentField<'a, GelEditorStateData> for Arc<GelEditorState> {
    fn set(&self, new_value: GelEditorStateData) {
        self.as_ref().set_data(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&GelEditorStateData) -> R,
    {
        f(&self.as_ref().data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_clamping() {
        assert_eq!(clamp_zoom(0.1), MIN_ZOOM);
        assert_eq!(clamp_zoom(5.0), MAX_ZOOM);
        assert_eq!(clamp_zoom(1.25), 1.25);
        assert_eq!(clamp_zoom(f32::NAN), 1.0);
        let state = GelEditorState::default_size(600.0, 400.0);
        state.set_zoom(3.0);
        assert_eq!(state.zoom(), MAX_ZOOM);
        assert_eq!(state.scaled_size(), (1200.0, 800.0));
    }

    #[test]
    fn a_restored_size_is_never_below_the_plugins_own() {
        // An older version saved a smaller editor; the layout now needs the new size.
        let state = GelEditorState::default_size(1220.0, 420.0);
        state.set_data(GelEditorStateData {
            width: 960.0,
            height: 500.0,
            zoom: 1.25,
        });
        assert_eq!(state.size(), (1220.0, 500.0));
        assert_eq!(state.zoom(), 1.25);
        state.set_data(GelEditorStateData {
            width: f32::NAN,
            height: 10.0,
            zoom: 1.0,
        });
        assert_eq!(state.size(), (1220.0, 420.0));
    }

    #[test]
    fn serde_round_trip() {
        let state = GelEditorState::default_size(640.0, 420.0);
        state.set_zoom(1.5);
        let json = state.map(serde_json::to_string).unwrap();
        assert_eq!(json, r#"{"width":640.0,"height":420.0,"zoom":1.5}"#);

        let other = GelEditorState::default_size(100.0, 100.0);
        let data: GelEditorStateData = serde_json::from_str(&json).unwrap();
        PersistentField::set(&other, data);
        assert_eq!(other.size(), (640.0, 420.0));
        assert_eq!(other.zoom(), 1.5);
    }

    #[test]
    fn persistent_field_through_arc_and_nice_plug_helpers() {
        // The Params derive calls these exact functions on `&self.field`.
        let state = GelEditorState::default_size(500.0, 300.0);
        let json = nice_plug::params::persist::PersistentField::map(
            &state,
            nice_plug::params::persist::serialize_field,
        )
        .unwrap();
        let parsed: GelEditorStateData =
            nice_plug::params::persist::deserialize_field(r#"{"width":800,"height":500}"#).unwrap();
        nice_plug::params::persist::PersistentField::set(&state, parsed);
        assert_eq!(state.size(), (800.0, 500.0));
        assert_eq!(state.zoom(), 1.0, "missing zoom defaults to 100 %");
        assert!(json.contains("500"));
    }

    #[test]
    fn watch_reports_the_block_the_editor_opened_in() {
        let state = GelEditorState::default_size(600.0, 400.0);
        let mut watch = EditorWatch::default();
        let closed = EditorVisibility {
            open: false,
            just_opened: false,
        };
        assert_eq!(watch.poll(&state), closed);
        state.set_open(true);
        let opened = watch.poll(&state);
        assert!(opened.open && opened.just_opened, "{opened:?}");
        let still_open = watch.poll(&state);
        assert!(still_open.open && !still_open.just_opened, "{still_open:?}");
        state.set_open(false);
        assert_eq!(watch.poll(&state), closed);
        state.set_open(true);
        assert!(
            watch.poll(&state).just_opened,
            "a reopened editor restarts its displays"
        );
    }

    #[test]
    fn the_open_flag_is_not_saved() {
        let state = GelEditorState::default_size(600.0, 400.0);
        state.set_open(true);
        let json = state.map(serde_json::to_string).unwrap();
        assert!(!json.contains("open"), "{json}");
    }

    #[test]
    fn corrupt_values_are_clamped() {
        let state = GelEditorState::default_size(600.0, 400.0);
        state.set_data(GelEditorStateData {
            width: f32::NAN,
            height: 1.0e9,
            zoom: 0.0,
        });
        assert_eq!(state.size(), (600.0, MAX_SIDE));
        assert_eq!(state.zoom(), MIN_ZOOM);
    }
}
