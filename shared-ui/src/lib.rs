//! `gel-ui`: the one place all Gel editors are built from.
//!
//! - [`theme`]: palette, type sizes, spacing, [`theme::apply`].
//! - [`knob`], [`toggle`], [`selector`]: parameter controls (gesture-wrapped for automation).
//! - [`meter`], [`goniometer`], [`level_history`]: level, gain-reduction, correlation, stereo
//!   and history displays. They only draw: the audio thread publishes through gel-dsp's
//!   `analysis` (meters, `SnapshotRing`), and parameter texts live in gel-plugin.
//! - [`layout`]: sections, labelled rows, the header bar.
//! - [`link_panel`]: Gel Link — the other tracks of the session in Gel EQ (overlays, collision
//!   view) and Gel Panner (stereo placement), and this track's shared label.
//! - [`editor`]: the editor frame with zoom; its persistent size/zoom is gel-plugin's
//!   [`GelEditorState`] (the audio thread reads its open flag, so it lives outside the GUI).
//!
//! A plugin keeps a `#[persist = "editor-state"] editor_state: Arc<GelEditorState>` in its
//! params, sets `type Editor = GelEditor;` and returns [`create_editor`] from
//! `Plugin::editor` with a closure that lays out [`Knob`]s, meters and so on.

pub mod editor;
#[cfg(feature = "gel-dsp")]
pub mod eq_graph;
pub mod freq_axis;
pub mod goniometer;
pub mod knob;
pub mod layout;
pub mod level_history;
#[cfg(feature = "gel-dsp")]
pub mod link_panel;
pub mod meter;
pub mod param_edit;
pub mod preset_browser;
pub mod selector;
pub mod spectrum_view;
pub mod theme;
pub mod toggle;
pub mod transfer_curve;
mod value_entry;

pub use editor::{create_editor, GelEditor};
pub use gel_plugin::{GelEditorState, GelEditorStateData};
pub use goniometer::Goniometer;
pub use knob::Knob;
pub use layout::{header_bar, labelled_row, section, small_label};
pub use meter::{
    ChannelLevel, CorrelationMeterView, GainReductionMeter, LevelMeterView, MeterSource,
};
pub use selector::EnumSelector;
pub use toggle::{ParamToggle, Toggle};

/// Re-exports so plugins need not depend on egui / nice-plug-egui directly for common types.
pub use egui;
pub use nice_plug_egui;
