//! [`ParamToggle`]: a pill button for a `BoolParam` (bypass, mono, phase invert…).

use egui::{Align2, CornerRadius, Response, Sense, Stroke, Ui, Vec2, Widget};
use nice_plug::prelude::{Param, ParamSetter};

use crate::param_edit::ParamEdit;
use crate::theme;

/// A pill-shaped on/off button bound to a boolean parameter. A click flips it in one
/// begin/set/end gesture; a small lamp and the accent fill show the "on" state.
#[must_use = "add it with `ui.add(toggle)`"]
pub struct ParamToggle<'a, P: Param<Plain = bool>> {
    edit: ParamEdit<'a, P>,
    label: Option<String>,
    min_width: f32,
}

/// Short name for [`ParamToggle`].
pub type Toggle<'a, P> = ParamToggle<'a, P>;

impl<'a, P: Param<Plain = bool>> ParamToggle<'a, P> {
    /// A toggle labelled with the parameter's name.
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self {
            edit: ParamEdit::new(param, setter),
            label: None,
            min_width: 56.0,
        }
    }

    /// Use `label` as the button text instead of the parameter's name.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Minimum width in points (default 56).
    pub fn min_width(mut self, width: f32) -> Self {
        self.min_width = width;
        self
    }
}

impl<P: Param<Plain = bool>> Widget for ParamToggle<'_, P> {
    fn ui(self, ui: &mut Ui) -> Response {
        let text = self
            .label
            .clone()
            .unwrap_or_else(|| self.edit.param.name().to_owned());
        let galley = ui
            .painter()
            .layout_no_wrap(text, theme::body_font(), theme::TEXT);
        let lamp = 6.0;
        let size = Vec2::new((galley.size().x + lamp + 28.0).max(self.min_width), 22.0);
        let (rect, mut response) = ui.allocate_exact_size(size, Sense::click());

        if response.clicked() {
            let on = self.edit.param.unmodulated_plain_value();
            self.edit.set_once(if on { 0.0 } else { 1.0 });
            response.mark_changed();
        }

        if ui.is_rect_visible(rect) {
            let on = self.edit.param.unmodulated_plain_value();
            let hovered = response.hovered();
            let (fill, stroke, text_color, lamp_color) = match (on, hovered) {
                (true, false) => (
                    theme::ACCENT_DIM,
                    theme::ACCENT,
                    theme::TEXT,
                    theme::ACCENT_BRIGHT,
                ),
                (true, true) => (
                    theme::ACCENT_DIM,
                    theme::ACCENT_BRIGHT,
                    theme::TEXT,
                    theme::ACCENT_BRIGHT,
                ),
                (false, false) => (theme::RAISED, theme::OUTLINE, theme::TEXT_DIM, theme::GRID),
                (false, true) => (
                    theme::RAISED_HOVER,
                    theme::ACCENT_DIM,
                    theme::TEXT,
                    theme::OUTLINE,
                ),
            };
            let painter = ui.painter();
            painter.rect(
                rect,
                CornerRadius::same((rect.height() * 0.5) as u8),
                fill,
                Stroke::new(1.0, stroke),
                egui::StrokeKind::Inside,
            );
            let lamp_center = egui::pos2(rect.left() + 12.0, rect.center().y);
            painter.circle_filled(lamp_center, lamp * 0.5, lamp_color);
            let text_center = egui::pos2(
                (lamp_center.x + lamp * 0.5 + rect.right() - 8.0) * 0.5,
                rect.center().y,
            );
            painter.text(
                text_center,
                Align2::CENTER_CENTER,
                self.label
                    .clone()
                    .unwrap_or_else(|| self.edit.param.name().to_owned()),
                theme::body_font(),
                text_color,
            );
        }
        let state = if self.edit.param.unmodulated_plain_value() {
            "on"
        } else {
            "off"
        };
        response.on_hover_text(format!("{}: {state}", self.edit.param.name()))
    }
}
