//! Host-visible parameter edits: every change a widget makes goes through here so it is always
//! wrapped in a begin/end gesture (hosts need that to record automation and undo correctly).

use nice_plug::prelude::{Param, ParamSetter};

/// A parameter and the setter that changes it, with gesture-aware helpers.
pub struct ParamEdit<'a, P: Param> {
    /// The parameter being edited.
    pub param: &'a P,
    /// The setter from the editor's `GuiContext`.
    pub setter: &'a ParamSetter<'a>,
}

impl<'a, P: Param> ParamEdit<'a, P> {
    /// Bundle a parameter with its setter.
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self { param, setter }
    }

    /// Start a gesture (mouse down / drag start).
    pub fn begin(&self) {
        self.setter.begin_set_parameter(self.param);
    }

    /// Set the parameter from a normalised value inside a gesture. The value is snapped to the
    /// parameter's steps; nothing is sent when the snapped value is unchanged.
    pub fn set_normalized(&self, normalized: f32) {
        let plain = self.param.preview_plain(normalized.clamp(0.0, 1.0));
        if plain != self.param.unmodulated_plain_value() {
            self.setter.set_parameter(self.param, plain);
        }
    }

    /// End a gesture.
    pub fn end(&self) {
        self.setter.end_set_parameter(self.param);
    }

    /// A complete gesture setting one value (click, wheel notch, typed value).
    pub fn set_once(&self, normalized: f32) {
        self.begin();
        self.set_normalized(normalized);
        self.end();
    }

    /// Reset to the parameter's default in one gesture.
    pub fn reset(&self) {
        self.set_once(self.param.default_normalized_value());
    }

    /// Parse `text` with the parameter's own parser and apply it in one gesture.
    /// Returns `false` (and changes nothing) when the text cannot be parsed.
    pub fn set_from_string(&self, text: &str) -> bool {
        match self.param.string_to_normalized_value(text.trim()) {
            Some(normalized) => {
                self.set_once(normalized);
                true
            }
            None => false,
        }
    }

    /// The parameter's current (unmodulated) value as text, with its unit.
    pub fn value_text(&self) -> String {
        self.param
            .normalized_value_to_string(self.param.unmodulated_normalized_value(), true)
    }
}
