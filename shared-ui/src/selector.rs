//! [`EnumSelector`]: choose one value of a stepped parameter (`EnumParam`, small `IntParam`)
//! from a row of segmented buttons, or from a combo box when there are many choices.

use egui::{Align2, CornerRadius, Rect, Response, Sense, Stroke, Ui, Vec2, Widget};
use nice_plug::prelude::{Param, ParamSetter};

use crate::param_edit::ParamEdit;
use crate::theme;

/// Above this many choices the selector draws a combo box instead of segments.
pub const MAX_SEGMENTS: usize = 6;

/// Normalised value of choice `index` for a parameter with `step_count` steps.
pub fn index_to_normalized(index: usize, step_count: usize) -> f32 {
    if step_count == 0 {
        0.0
    } else {
        (index.min(step_count)) as f32 / step_count as f32
    }
}

/// Index of the choice nearest to `normalized` for a parameter with `step_count` steps.
pub fn normalized_to_index(normalized: f32, step_count: usize) -> usize {
    (normalized.clamp(0.0, 1.0) * step_count as f32).round() as usize
}

/// How to present the choices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Auto,
    Segments,
    Combo,
}

/// A selector bound to a stepped parameter. Each choice's text is the parameter's own
/// value-to-string. Selecting a choice is one begin/set/end gesture.
#[must_use = "add it with `ui.add(selector)`"]
pub struct EnumSelector<'a, P: Param> {
    edit: ParamEdit<'a, P>,
    style: Style,
    segment_width: Option<f32>,
}

impl<'a, P: Param> EnumSelector<'a, P> {
    /// A selector for `param`: segments for up to [`MAX_SEGMENTS`] choices, else a combo box.
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self {
            edit: ParamEdit::new(param, setter),
            style: Style::Auto,
            segment_width: None,
        }
    }

    /// Always draw a row of segmented buttons.
    pub fn segments(mut self) -> Self {
        self.style = Style::Segments;
        self
    }

    /// Always draw a combo box.
    pub fn combo(mut self) -> Self {
        self.style = Style::Combo;
        self
    }

    /// Fixed width of each segment (default: fits the longest label).
    pub fn segment_width(mut self, width: f32) -> Self {
        self.segment_width = Some(width);
        self
    }

    fn labels(&self, steps: usize) -> Vec<String> {
        (0..=steps)
            .map(|i| {
                self.edit
                    .param
                    .normalized_value_to_string(index_to_normalized(i, steps), true)
            })
            .collect()
    }

    fn select(&self, index: usize, steps: usize, response: &mut Response) {
        let current = normalized_to_index(self.edit.param.unmodulated_normalized_value(), steps);
        if index != current {
            self.edit.set_once(index_to_normalized(index, steps));
            response.mark_changed();
        }
    }

    fn segments_ui(&self, ui: &mut Ui, labels: &[String], steps: usize) -> Response {
        let font = theme::body_font();
        let widest = labels
            .iter()
            .map(|l| {
                ui.painter()
                    .layout_no_wrap(l.clone(), font.clone(), theme::TEXT)
                    .size()
                    .x
            })
            .fold(0.0_f32, f32::max);
        let seg_w = self.segment_width.unwrap_or(widest + 16.0).max(28.0);
        let height = 22.0;
        let size = Vec2::new(seg_w * labels.len() as f32, height);
        let (rect, mut response) = ui.allocate_exact_size(size, Sense::click());
        let current = normalized_to_index(self.edit.param.unmodulated_normalized_value(), steps);
        let hover_index = response
            .hover_pos()
            .map(|p| (((p.x - rect.left()) / seg_w) as usize).min(labels.len() - 1));

        if let (true, Some(index)) = (response.clicked(), hover_index) {
            self.select(index, steps, &mut response);
        }

        if ui.is_rect_visible(rect) {
            let painter = ui.painter();
            let radius = CornerRadius::same(theme::spacing::CONTROL_RADIUS);
            painter.rect(
                rect,
                radius,
                theme::RAISED,
                Stroke::new(1.0, theme::OUTLINE),
                egui::StrokeKind::Inside,
            );
            for (i, label) in labels.iter().enumerate() {
                let seg = Rect::from_min_size(
                    rect.min + Vec2::new(seg_w * i as f32, 0.0),
                    Vec2::new(seg_w, height),
                );
                let selected = i == current;
                if selected {
                    painter.rect(
                        seg.shrink(1.0),
                        radius,
                        theme::ACCENT_DIM,
                        Stroke::new(1.0, theme::ACCENT),
                        egui::StrokeKind::Inside,
                    );
                } else if hover_index == Some(i) {
                    painter.rect_filled(seg.shrink(1.0), radius, theme::RAISED_HOVER);
                }
                if i > 0 && !selected && i != current + 1 {
                    painter.vline(
                        seg.left(),
                        seg.y_range().shrink(5.0),
                        Stroke::new(1.0, theme::OUTLINE),
                    );
                }
                let color = if selected {
                    theme::TEXT
                } else {
                    theme::TEXT_DIM
                };
                painter.text(
                    seg.center(),
                    Align2::CENTER_CENTER,
                    label,
                    font.clone(),
                    color,
                );
            }
        }
        response.on_hover_text(self.edit.param.name().to_owned())
    }

    fn combo_ui(&self, ui: &mut Ui, labels: &[String], steps: usize) -> Response {
        let current = normalized_to_index(self.edit.param.unmodulated_normalized_value(), steps);
        let mut chosen = None;
        let mut combo = egui::ComboBox::from_id_salt(self.edit.param.name())
            .selected_text(labels.get(current).cloned().unwrap_or_default());
        if let Some(w) = self.segment_width {
            combo = combo.width(w);
        }
        let mut response = combo
            .show_ui(ui, |ui| {
                for (i, label) in labels.iter().enumerate() {
                    if ui.selectable_label(i == current, label).clicked() {
                        chosen = Some(i);
                    }
                }
            })
            .response;
        if let Some(index) = chosen {
            self.select(index, steps, &mut response);
        }
        response
    }
}

impl<P: Param> Widget for EnumSelector<'_, P> {
    fn ui(self, ui: &mut Ui) -> Response {
        let Some(steps) = self.edit.param.step_count() else {
            // Continuous parameter: nothing to choose from, show the value.
            return ui.label(self.edit.value_text());
        };
        let labels = self.labels(steps);
        let combo = match self.style {
            Style::Combo => true,
            Style::Segments => false,
            Style::Auto => labels.len() > MAX_SEGMENTS,
        };
        if combo {
            self.combo_ui(ui, &labels, steps)
        } else {
            self.segments_ui(ui, &labels, steps)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_mapping_round_trips() {
        for steps in 1..8 {
            for i in 0..=steps {
                assert_eq!(normalized_to_index(index_to_normalized(i, steps), steps), i);
            }
        }
        assert_eq!(index_to_normalized(0, 0), 0.0);
    }
}
