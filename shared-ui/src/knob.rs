//! The rotary [`Knob`]: Gel's main control for continuous parameters.
//!
//! Workflow (FabFilter/TDR style):
//! - drag up/down to change, hold Shift for fine control (10× slower);
//! - double-click, or Ctrl/Cmd+click, resets to the default;
//! - click the value text to type a value (Enter applies, Escape cancels);
//! - the mouse wheel steps (Shift for finer steps);
//! - every change is wrapped in a begin/end gesture so hosts record automation.

use std::f32::consts::PI;

use egui::{Align2, Pos2, Response, Sense, Shape, Stroke, Ui, Vec2, Widget};
use nice_plug::prelude::{BoolParam, Enum, EnumParam, FloatParam, IntParam, Param, ParamSetter};

use crate::param_edit::ParamEdit;
use crate::theme;
use crate::value_entry::value_entry;

/// Angle (radians, clockwise from 12 o'clock) of the knob's minimum.
pub const MIN_ANGLE: f32 = -0.75 * PI;
/// Angle (radians, clockwise from 12 o'clock) of the knob's maximum.
pub const MAX_ANGLE: f32 = 0.75 * PI;
/// Vertical drag distance, in points, that sweeps the whole range at normal speed.
pub const DRAG_PIXELS_PER_RANGE: f32 = 200.0;
/// How many times slower a drag is while Shift is held.
pub const FINE_FACTOR: f32 = 10.0;
/// Normalised change per mouse-wheel notch for continuous parameters.
pub const WHEEL_STEP: f32 = 0.02;

/// Map a normalised value (0..1) to the knob angle, clockwise from 12 o'clock.
pub fn normalized_to_angle(normalized: f32) -> f32 {
    MIN_ANGLE + normalized.clamp(0.0, 1.0) * (MAX_ANGLE - MIN_ANGLE)
}

/// Inverse of [`normalized_to_angle`], clamped to 0..1.
pub fn angle_to_normalized(angle: f32) -> f32 {
    ((angle - MIN_ANGLE) / (MAX_ANGLE - MIN_ANGLE)).clamp(0.0, 1.0)
}

/// Point on a circle of `radius` around `center` at `angle` (clockwise from 12 o'clock, screen
/// coordinates with y pointing down).
pub fn angle_to_point(center: Pos2, radius: f32, angle: f32) -> Pos2 {
    center + Vec2::new(angle.sin() * radius, -angle.cos() * radius)
}

/// New normalised value after dragging `dy` points (positive = down) from `start`.
/// Dragging up increases; `fine` makes it [`FINE_FACTOR`] times slower.
pub fn drag_to_normalized(start: f32, dy: f32, fine: bool) -> f32 {
    let per_range = if fine {
        DRAG_PIXELS_PER_RANGE * FINE_FACTOR
    } else {
        DRAG_PIXELS_PER_RANGE
    };
    (start - dy / per_range).clamp(0.0, 1.0)
}

/// New normalised value after `notches` wheel notches (positive = up = increase).
/// Stepped parameters move by whole steps; continuous ones by [`WHEEL_STEP`] (a tenth with `fine`).
pub fn wheel_to_normalized(
    current: f32,
    notches: f32,
    step_count: Option<usize>,
    fine: bool,
) -> f32 {
    let step = match step_count {
        Some(n) if n > 0 => 1.0 / n as f32,
        _ if fine => WHEEL_STEP / FINE_FACTOR,
        _ => WHEEL_STEP,
    };
    (current + notches * step).clamp(0.0, 1.0)
}

/// Parameters a [`Knob`] can show. Implemented for all nice-plug parameter types; it tells the
/// knob where a bipolar range has its zero, so the value arc starts there.
pub trait KnobParam: Param {
    /// Normalised position of the plain value 0 when the range spans negative and positive
    /// values (e.g. pan −100..+100 or gain −24..+24 dB); `None` otherwise.
    fn zero_normalized(&self) -> Option<f32> {
        None
    }
}

impl KnobParam for FloatParam {
    fn zero_normalized(&self) -> Option<f32> {
        let (lo, hi) = (self.preview_plain(0.0), self.preview_plain(1.0));
        (lo.min(hi) < 0.0 && lo.max(hi) > 0.0).then(|| self.preview_normalized(0.0))
    }
}

impl KnobParam for IntParam {
    fn zero_normalized(&self) -> Option<f32> {
        let (lo, hi) = (self.preview_plain(0.0), self.preview_plain(1.0));
        (lo.min(hi) < 0 && lo.max(hi) > 0).then(|| self.preview_normalized(0))
    }
}

impl KnobParam for BoolParam {}

impl<T: Enum + PartialEq + 'static> KnobParam for EnumParam<T> {}

/// Where the value arc starts.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Origin {
    /// Detect from the parameter ([`KnobParam::zero_normalized`]), else the minimum.
    Auto,
    /// Always from this normalised position.
    At(f32),
}

/// A rotary knob bound to a nice-plug parameter: name above, knob, value text below.
#[must_use = "add it with `ui.add(knob)`"]
pub struct Knob<'a, P: KnobParam> {
    edit: ParamEdit<'a, P>,
    diameter: f32,
    origin: Origin,
    label: Option<String>,
    show_label: bool,
}

impl<'a, P: KnobParam> Knob<'a, P> {
    /// A knob for `param` at the default diameter (52 points).
    pub fn new(param: &'a P, setter: &'a ParamSetter<'a>) -> Self {
        Self {
            edit: ParamEdit::new(param, setter),
            diameter: 52.0,
            origin: Origin::Auto,
            label: None,
            show_label: true,
        }
    }

    /// The knob's diameter in points (clamped to 20..=200).
    pub fn diameter(mut self, diameter: f32) -> Self {
        self.diameter = diameter.clamp(20.0, 200.0);
        self
    }

    /// Draw the value arc from the centre (12 o'clock), whatever the range.
    pub fn bipolar(mut self) -> Self {
        self.origin = Origin::At(0.5);
        self
    }

    /// Draw the value arc from the minimum, even for ranges that cross zero.
    pub fn unipolar(mut self) -> Self {
        self.origin = Origin::At(0.0);
        self
    }

    /// Show `label` above the knob instead of the parameter's name.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Do not draw the name above the knob (e.g. when a row label already names it).
    pub fn without_label(mut self) -> Self {
        self.show_label = false;
        self
    }

    /// Normalised position the value arc starts from.
    pub fn arc_origin(&self) -> f32 {
        match self.origin {
            Origin::At(n) => n,
            Origin::Auto => self.edit.param.zero_normalized().unwrap_or(0.0),
        }
    }

    fn handle_input(&self, ui: &Ui, response: &mut Response) {
        let edit = &self.edit;
        let drag_id = response.id.with("gel-knob-drag");
        let fine = ui.input(|i| i.modifiers.shift);

        if response.drag_started() {
            edit.begin();
            let start = edit.param.unmodulated_normalized_value();
            ui.data_mut(|d| d.insert_temp(drag_id, start));
        }
        if response.dragged() {
            // The unsnapped value lives in memory so stepped parameters still move smoothly
            // and switching Shift mid-drag does not jump.
            let current = ui
                .data(|d| d.get_temp::<f32>(drag_id))
                .unwrap_or_else(|| edit.param.unmodulated_normalized_value());
            let next = drag_to_normalized(current, response.drag_delta().y, fine);
            ui.data_mut(|d| d.insert_temp(drag_id, next));
            edit.set_normalized(next);
            response.mark_changed();
        }
        if response.drag_stopped() {
            edit.end();
            ui.data_mut(|d| d.remove::<f32>(drag_id));
        }

        let reset_click = response.clicked() && ui.input(|i| i.modifiers.command);
        if response.double_clicked() || reset_click {
            edit.reset();
            response.mark_changed();
        }

        if response.hovered() && !response.dragged() {
            let notches = wheel_notches(ui);
            if notches != 0.0 {
                let next = wheel_to_normalized(
                    edit.param.unmodulated_normalized_value(),
                    notches,
                    edit.param.step_count(),
                    fine,
                );
                edit.set_once(next);
                response.mark_changed();
            }
        }
    }

    fn paint(&self, ui: &Ui, response: &Response) {
        let rect = response.rect;
        let painter = ui.painter();
        let center = rect.center();
        let active = response.dragged() || response.hovered();

        let outer = self.diameter * 0.5 - 1.0;
        let arc_width = (self.diameter * 0.075).max(2.5);
        let arc_radius = outer - arc_width * 0.5;
        let body_radius = outer - arc_width - (self.diameter * 0.06).max(2.0);

        let param = self.edit.param;
        let value = param.unmodulated_normalized_value();
        let modulated = param.modulated_normalized_value();
        let origin = self.arc_origin();

        // Track and value arcs.
        painter.add(arc(
            center,
            arc_radius,
            MIN_ANGLE,
            MAX_ANGLE,
            Stroke::new(arc_width, theme::RAISED),
        ));
        let accent = if active {
            theme::ACCENT_BRIGHT
        } else {
            theme::ACCENT
        };
        let (a0, a1) = (normalized_to_angle(origin), normalized_to_angle(value));
        if (a1 - a0).abs() > 1e-3 {
            painter.add(arc(
                center,
                arc_radius,
                a0,
                a1,
                Stroke::new(arc_width, accent),
            ));
        } else {
            // Still show where the arc starts so a bipolar knob at centre is not blank.
            painter.circle_filled(
                angle_to_point(center, arc_radius, a0),
                arc_width * 0.5,
                accent,
            );
        }
        if (modulated - value).abs() > 1e-3 {
            painter.circle_filled(
                angle_to_point(center, arc_radius, normalized_to_angle(modulated)),
                arc_width * 0.6,
                theme::ACCENT_DIM,
            );
        }

        // Body and pointer.
        let body_fill = if active {
            theme::RAISED_HOVER
        } else {
            theme::RAISED
        };
        painter.circle(
            center,
            body_radius,
            body_fill,
            Stroke::new(1.0, theme::OUTLINE),
        );
        let angle = normalized_to_angle(value);
        painter.line_segment(
            [
                angle_to_point(center, body_radius * 0.3, angle),
                angle_to_point(center, body_radius * 0.88, angle),
            ],
            Stroke::new((self.diameter * 0.04).max(1.5), theme::TEXT),
        );
    }
}

/// A polyline arc from `a0` to `a1` (clockwise-from-top radians).
fn arc(center: Pos2, radius: f32, a0: f32, a1: f32, stroke: Stroke) -> Shape {
    let segments = (((a1 - a0).abs() * radius) / 3.0).ceil().max(2.0) as usize;
    let points = (0..=segments)
        .map(|i| {
            let t = i as f32 / segments as f32;
            angle_to_point(center, radius, a0 + (a1 - a0) * t)
        })
        .collect();
    Shape::line(points, stroke)
}

/// Wheel movement this frame in notches (positive = scroll up).
pub(crate) fn wheel_notches(ui: &Ui) -> f32 {
    ui.input(|i| {
        i.events
            .iter()
            .map(|e| match e {
                egui::Event::MouseWheel { unit, delta, .. } => {
                    let d = delta.x + delta.y;
                    match unit {
                        egui::MouseWheelUnit::Point => d / 40.0,
                        egui::MouseWheelUnit::Line => d,
                        egui::MouseWheelUnit::Page => d * 5.0,
                    }
                }
                _ => 0.0,
            })
            .sum()
    })
}

impl<P: KnobParam> Widget for Knob<'_, P> {
    fn ui(self, ui: &mut Ui) -> Response {
        let width = (self.diameter + 12.0).max(64.0);
        let label_h = if self.show_label { 16.0 } else { 0.0 };
        let value_h = 20.0;
        let total = Vec2::new(width, label_h + self.diameter + value_h + 2.0);

        let (outer_rect, _) = ui.allocate_exact_size(total, Sense::hover());
        let mut child = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(outer_rect)
                .layout(egui::Layout::top_down(egui::Align::Center)),
        );
        let child = &mut child;
        child.spacing_mut().item_spacing.y = 1.0;

        let name = self
            .label
            .clone()
            .unwrap_or_else(|| self.edit.param.name().to_owned());
        if self.show_label {
            let (rect, _) = child.allocate_exact_size(Vec2::new(width, label_h), Sense::hover());
            child.painter_at(rect).text(
                rect.center(),
                Align2::CENTER_CENTER,
                &name,
                theme::small_font(),
                theme::TEXT_DIM,
            );
        }

        let (rect, mut response) =
            child.allocate_exact_size(Vec2::splat(self.diameter), Sense::click_and_drag());
        self.handle_input(child, &mut response);
        if child.is_rect_visible(rect) {
            self.paint(child, &response);
        }
        let dragging = response.dragged();

        let entry = value_entry(
            child,
            response.id,
            &self.edit,
            Vec2::new(width, value_h),
            dragging,
        );
        if entry.changed() {
            response.mark_changed();
        }

        let response = response.on_hover_cursor(egui::CursorIcon::ResizeVertical);
        if dragging {
            response
        } else {
            let value = self.edit.value_text();
            response.on_hover_text(format!(
                "{name}: {value}\nDrag up/down · Shift: fine · Double-click: reset · Click the value to type"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_mapping_ends_and_centre() {
        assert!((normalized_to_angle(0.0) - MIN_ANGLE).abs() < 1e-6);
        assert!((normalized_to_angle(1.0) - MAX_ANGLE).abs() < 1e-6);
        assert!(
            normalized_to_angle(0.5).abs() < 1e-6,
            "centre is 12 o'clock"
        );
        // Out of range values clamp.
        assert_eq!(normalized_to_angle(-1.0), MIN_ANGLE);
        assert_eq!(normalized_to_angle(2.0), MAX_ANGLE);
    }

    #[test]
    fn angle_mapping_round_trips() {
        for i in 0..=100 {
            let n = i as f32 / 100.0;
            assert!((angle_to_normalized(normalized_to_angle(n)) - n).abs() < 1e-5);
        }
    }

    #[test]
    fn angle_to_point_is_clockwise_from_top() {
        let c = Pos2::new(10.0, 10.0);
        let top = angle_to_point(c, 5.0, 0.0);
        assert!((top - Pos2::new(10.0, 5.0)).length() < 1e-5);
        let right = angle_to_point(c, 5.0, PI / 2.0);
        assert!((right - Pos2::new(15.0, 10.0)).length() < 1e-5);
        // Minimum sits lower-left, maximum lower-right.
        let min = angle_to_point(c, 5.0, MIN_ANGLE);
        let max = angle_to_point(c, 5.0, MAX_ANGLE);
        assert!(min.x < c.x && min.y > c.y);
        assert!(max.x > c.x && max.y > c.y);
    }

    #[test]
    fn drag_sensitivity_and_fine_mode() {
        // Dragging up by the full range distance goes from 0 to 1.
        assert!((drag_to_normalized(0.0, -DRAG_PIXELS_PER_RANGE, false) - 1.0).abs() < 1e-6);
        // Down decreases.
        assert!((drag_to_normalized(0.5, 20.0, false) - 0.4).abs() < 1e-6);
        // Fine mode is ten times slower.
        let coarse = 0.5 - drag_to_normalized(0.5, 20.0, false);
        let fine = 0.5 - drag_to_normalized(0.5, 20.0, true);
        assert!((coarse / fine - FINE_FACTOR).abs() < 1e-3);
        // Clamped.
        assert_eq!(drag_to_normalized(0.9, -1000.0, false), 1.0);
        assert_eq!(drag_to_normalized(0.1, 1000.0, false), 0.0);
    }

    #[test]
    fn wheel_steps() {
        assert!((wheel_to_normalized(0.5, 1.0, None, false) - 0.52).abs() < 1e-6);
        assert!((wheel_to_normalized(0.5, -1.0, None, true) - 0.498).abs() < 1e-6);
        // Stepped: one notch is one step.
        assert!((wheel_to_normalized(0.0, 1.0, Some(4), false) - 0.25).abs() < 1e-6);
        assert_eq!(wheel_to_normalized(1.0, 3.0, Some(4), false), 1.0);
    }

    #[test]
    fn bipolar_detection() {
        use nice_plug::prelude::FloatRange;
        let pan = FloatParam::new(
            "Pan",
            0.0,
            FloatRange::Linear {
                min: -100.0,
                max: 100.0,
            },
        );
        assert!((pan.zero_normalized().unwrap() - 0.5).abs() < 1e-6);
        let gain = FloatParam::new(
            "Gain",
            0.0,
            FloatRange::Linear {
                min: -60.0,
                max: 12.0,
            },
        );
        assert!((gain.zero_normalized().unwrap() - 60.0 / 72.0).abs() < 1e-5);
        let width = FloatParam::new(
            "Width",
            100.0,
            FloatRange::Linear {
                min: 0.0,
                max: 200.0,
            },
        );
        assert_eq!(width.zero_normalized(), None);
        let steps = IntParam::new(
            "Steps",
            0,
            nice_plug::prelude::IntRange::Linear { min: -3, max: 3 },
        );
        assert!((steps.zero_normalized().unwrap() - 0.5).abs() < 1e-6);
    }
}
