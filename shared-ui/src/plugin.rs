//! What every Gel plugin declares the same way: vendor, the audio layouts, and whether its
//! editor is looking at the displays (meters run only then).

use nice_plug::prelude::AudioIOLayout;
use std::num::NonZeroU32;

use crate::state::GelEditorState;

/// The vendor name hosts show.
pub const VENDOR: &str = "Gel";
/// Contact shown by hosts that display it.
pub const EMAIL: &str = "info@gel-audio.org";

/// Stereo in/out first (the default), then mono in → stereo out.
pub const STEREO_OR_MONO_IN: &[AudioIOLayout] = &[
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    },
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(1),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    },
];

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
    pub fn poll(&mut self, state: &GelEditorState) -> EditorVisibility {
        let open = state.is_open();
        let just_opened = open && !self.was_open;
        self.was_open = open;
        EditorVisibility { open, just_opened }
    }
}
