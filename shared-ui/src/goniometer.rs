//! [`Goniometer`] (vectorscope): stereo samples drawn as points with mid (M) pointing up, side
//! across, so a left-only signal lies on the upper-left diagonal and a right-only one on the
//! upper-right diagonal.

use egui::epaint::Mesh;
use egui::{Align2, Pos2, Rect, Response, Sense, Shape, Stroke, Ui, Vec2, Widget};

use crate::theme;

/// Mid/side of a left/right sample pair: `M = (L + R) / 2`, `S = (L − R) / 2`.
pub fn lr_to_ms(left: f32, right: f32) -> (f32, f32) {
    ((left + right) * 0.5, (left - right) * 0.5)
}

/// Position of a (mid, side) pair in the scope's unit square, in maths orientation (x right,
/// y up): M is vertical, +S (more left than right) points left. The result is the L/R plane
/// rotated by 45°: `L` lies on the upper-left diagonal, `R` on the upper-right one.
pub fn ms_to_unit(mid: f32, side: f32) -> (f32, f32) {
    (-side, mid)
}

/// Scale a unit-square point so it stays inside radius `limit` (keeps overs on screen).
pub fn limit_radius(x: f32, y: f32, limit: f32) -> (f32, f32) {
    let r = (x * x + y * y).sqrt();
    if r > limit && r > 0.0 {
        let k = limit / r;
        (x * k, y * k)
    } else {
        (x, y)
    }
}

/// A vectorscope of (mid, side) pairs, oldest first: older points fade out.
#[must_use = "add it with `ui.add(goniometer)`"]
pub struct Goniometer<'a> {
    points: &'a [(f32, f32)],
    size: f32,
    gain: f32,
    dot: f32,
}

impl<'a> Goniometer<'a> {
    /// A scope showing `points`, each `(mid, side)` with `M = (L+R)/2`, `S = (L−R)/2`
    /// (see [`lr_to_ms`]); ordered oldest to newest.
    pub fn new(points: &'a [(f32, f32)]) -> Self {
        Self {
            points,
            size: 160.0,
            gain: 1.0,
            dot: 1.5,
        }
    }

    /// Side length in points (default 160).
    pub fn size(mut self, size: f32) -> Self {
        self.size = size.max(60.0);
        self
    }

    /// Display gain: 1.0 puts a full-scale mono signal (M = 1) at the rim; use 2–4 for quiet
    /// material.
    pub fn gain(mut self, gain: f32) -> Self {
        self.gain = gain.max(0.01);
        self
    }

    /// Dot size in points (default 1.5).
    pub fn dot_size(mut self, dot: f32) -> Self {
        self.dot = dot.clamp(0.5, 6.0);
        self
    }
}

impl Widget for Goniometer<'_> {
    fn ui(self, ui: &mut Ui) -> Response {
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(self.size), Sense::hover());
        if !ui.is_rect_visible(rect) {
            return response;
        }
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 3.0, theme::DISPLAY);

        let center = rect.center();
        let radius = self.size * 0.5 - 14.0;
        let to_screen = |x: f32, y: f32| Pos2::new(center.x + x * radius, center.y - y * radius);
        let grid = Stroke::new(1.0, theme::GRID);
        let d = std::f32::consts::FRAC_1_SQRT_2;

        painter.circle_stroke(center, radius, grid);
        painter.line_segment([to_screen(0.0, -1.0), to_screen(0.0, 1.0)], grid);
        painter.line_segment([to_screen(-1.0, 0.0), to_screen(1.0, 0.0)], grid);
        painter.line_segment([to_screen(-d, d), to_screen(d, -d)], grid);
        painter.line_segment([to_screen(d, d), to_screen(-d, -d)], grid);

        let font = theme::small_font();
        let label = |pos: Pos2, align: Align2, text: &str| {
            painter.text(pos, align, text, font.clone(), theme::TEXT_DIM);
        };
        label(
            to_screen(0.0, 1.0) - Vec2::new(0.0, 2.0),
            Align2::CENTER_BOTTOM,
            "M",
        );
        label(
            to_screen(-d, d) - Vec2::new(2.0, 2.0),
            Align2::RIGHT_BOTTOM,
            "L",
        );
        label(
            to_screen(d, d) + Vec2::new(2.0, -2.0),
            Align2::LEFT_BOTTOM,
            "R",
        );
        label(
            to_screen(-1.0, 0.0) - Vec2::new(2.0, 0.0),
            Align2::RIGHT_CENTER,
            "+S",
        );
        label(
            to_screen(1.0, 0.0) + Vec2::new(2.0, 0.0),
            Align2::LEFT_CENTER,
            "-S",
        );

        let n = self.points.len();
        if n > 0 {
            let mut mesh = Mesh::default();
            let half = Vec2::splat(self.dot * 0.5);
            for (i, &(mid, side)) in self.points.iter().enumerate() {
                if !mid.is_finite() || !side.is_finite() {
                    continue;
                }
                let (x, y) = ms_to_unit(mid * self.gain, side * self.gain);
                let (x, y) = limit_radius(x, y, 1.05);
                // Oldest points are faint, newest bright.
                let age = (i + 1) as f32 / n as f32;
                let color = theme::ACCENT.gamma_multiply(0.12 + 0.78 * age);
                let p = to_screen(x, y);
                mesh.add_colored_rect(Rect::from_center_size(p, half * 2.0), color);
            }
            painter.add(Shape::mesh(mesh));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn angle_deg(x: f32, y: f32) -> f32 {
        y.atan2(x).to_degrees()
    }

    #[test]
    fn left_only_lands_on_left_diagonal() {
        let (m, s) = lr_to_ms(0.8, 0.0);
        let (x, y) = ms_to_unit(m, s);
        assert!(
            (angle_deg(x, y) - 135.0).abs() < 1e-3,
            "upper-left diagonal"
        );
    }

    #[test]
    fn right_only_lands_on_right_diagonal() {
        let (m, s) = lr_to_ms(0.0, 0.8);
        let (x, y) = ms_to_unit(m, s);
        assert!(
            (angle_deg(x, y) - 45.0).abs() < 1e-3,
            "upper-right diagonal"
        );
    }

    #[test]
    fn mono_is_vertical_and_antiphase_horizontal() {
        let (x, y) = ms_to_unit(lr_to_ms(0.5, 0.5).0, lr_to_ms(0.5, 0.5).1);
        assert!(x.abs() < 1e-6 && (y - 0.5).abs() < 1e-6);
        let (m, s) = lr_to_ms(0.5, -0.5);
        let (x, y) = ms_to_unit(m, s);
        assert!(
            y.abs() < 1e-6 && (x + 0.5).abs() < 1e-6,
            "+S is on the left"
        );
    }

    #[test]
    fn radius_is_limited() {
        let (x, y) = limit_radius(3.0, 4.0, 1.0);
        assert!(((x * x + y * y).sqrt() - 1.0).abs() < 1e-6);
        assert_eq!(limit_radius(0.3, 0.4, 1.0), (0.3, 0.4));
    }
}
