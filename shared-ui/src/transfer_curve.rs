//! [`TransferCurve`]: a dynamics processor's static curve — output level against input level,
//! both in dB on the same scale — with the threshold and knee marked and a dot at the level
//! the processor is at right now.
//!
//! The widget draws whatever curve it is given (a closure from input dB to output dB), so a
//! compressor, expander or gate editor each pass their own engine's ideal curve.

use egui::{Align2, Pos2, Rect, Response, Sense, Shape, Stroke, Ui, Vec2, Widget};

use crate::theme;

/// Points per axis between grid lines, in dB.
pub const GRID_STEP_DB: f32 = 12.0;

/// A square input/output level plot. See the module docs.
#[must_use = "add it with `ui.add(curve)`"]
pub struct TransferCurve<'a> {
    curve: &'a dyn Fn(f32) -> f32,
    side: f32,
    min_db: f32,
    max_db: f32,
    threshold_db: Option<f32>,
    knee_db: f32,
    dot: Option<(f32, f32)>,
}

impl<'a> TransferCurve<'a> {
    /// A plot of `curve` (input dB → output dB).
    pub fn new(curve: &'a dyn Fn(f32) -> f32) -> Self {
        Self {
            curve,
            side: 220.0,
            min_db: -60.0,
            max_db: 0.0,
            threshold_db: None,
            knee_db: 0.0,
            dot: None,
        }
    }

    /// Width and height in points (default 220).
    pub fn side(mut self, side: f32) -> Self {
        self.side = side.max(60.0);
        self
    }

    /// dB range of both axes (default −60..0).
    pub fn range_db(mut self, min_db: f32, max_db: f32) -> Self {
        if max_db > min_db {
            self.min_db = min_db;
            self.max_db = max_db;
        }
        self
    }

    /// Mark the threshold, with the knee (its full width in dB) shaded around it.
    pub fn threshold(mut self, threshold_db: f32, knee_db: f32) -> Self {
        self.threshold_db = Some(threshold_db);
        self.knee_db = knee_db.max(0.0);
        self
    }

    /// The current (input dB, output dB); not drawn when the input is below the plot.
    pub fn dot(mut self, input_db: f32, output_db: f32) -> Self {
        self.dot = Some((input_db, output_db));
        self
    }
}

/// Position of `db` along an axis spanning `min_db..max_db`, as 0..1 (clamped, NaN → 0).
pub fn axis_fraction(db: f32, min_db: f32, max_db: f32) -> f32 {
    if db.is_nan() || max_db <= min_db {
        return 0.0;
    }
    ((db - min_db) / (max_db - min_db)).clamp(0.0, 1.0)
}

impl Widget for TransferCurve<'_> {
    fn ui(self, ui: &mut Ui) -> Response {
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(self.side), Sense::hover());
        if !ui.is_rect_visible(rect) {
            return response;
        }
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 3.0, theme::DISPLAY);
        let plot = rect.shrink(4.0);
        let (min_db, max_db) = (self.min_db, self.max_db);
        let x_of = |db: f32| plot.left() + axis_fraction(db, min_db, max_db) * plot.width();
        let y_of = |db: f32| plot.bottom() - axis_fraction(db, min_db, max_db) * plot.height();

        // Knee band and threshold line first, so the curve draws over them.
        if let Some(threshold) = self.threshold_db {
            if self.knee_db > 0.0 {
                let band = Rect::from_x_y_ranges(
                    x_of(threshold - 0.5 * self.knee_db)..=x_of(threshold + 0.5 * self.knee_db),
                    plot.y_range(),
                );
                painter.rect_filled(band, 0.0, theme::ACCENT_DIM.gamma_multiply(0.25));
            }
            painter.vline(
                x_of(threshold),
                plot.y_range(),
                Stroke::new(1.0, theme::ACCENT_DIM),
            );
        }
        let mut db = max_db - GRID_STEP_DB;
        while db > min_db {
            painter.vline(x_of(db), plot.y_range(), Stroke::new(1.0, theme::GRID));
            painter.hline(plot.x_range(), y_of(db), Stroke::new(1.0, theme::GRID));
            painter.text(
                Pos2::new(plot.left() + 2.0, y_of(db) - 1.0),
                Align2::LEFT_BOTTOM,
                format!("{}", db as i32),
                theme::small_font(),
                theme::TEXT_DIM.gamma_multiply(0.7),
            );
            db -= GRID_STEP_DB;
        }
        // Unity (no processing) for reference.
        painter.line_segment(
            [
                Pos2::new(x_of(min_db), y_of(min_db)),
                Pos2::new(x_of(max_db), y_of(max_db)),
            ],
            Stroke::new(1.0, theme::OUTLINE),
        );

        // One point per horizontal pixel.
        let steps = plot.width().max(2.0) as usize;
        let points: Vec<Pos2> = (0..=steps)
            .map(|i| {
                let input = min_db + (max_db - min_db) * i as f32 / steps as f32;
                Pos2::new(x_of(input), y_of((self.curve)(input)))
            })
            .collect();
        painter.add(Shape::line(points, Stroke::new(2.0, theme::ACCENT)));

        if let Some((input, output)) = self.dot {
            if input.is_finite() && output.is_finite() && input > min_db {
                let at = Pos2::new(x_of(input), y_of(output));
                painter.circle_filled(at, 4.5, theme::TEXT);
                painter.circle_stroke(at, 4.5, Stroke::new(1.5, theme::GAIN_REDUCTION));
            }
        }
        painter.text(
            plot.right_bottom() + Vec2::new(-2.0, -2.0),
            Align2::RIGHT_BOTTOM,
            "in / out",
            theme::small_font(),
            theme::TEXT_DIM,
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_maps_and_clamps() {
        assert_eq!(axis_fraction(-60.0, -60.0, 0.0), 0.0);
        assert_eq!(axis_fraction(0.0, -60.0, 0.0), 1.0);
        assert_eq!(axis_fraction(-15.0, -60.0, 0.0), 0.75);
        assert_eq!(axis_fraction(f32::NAN, -60.0, 0.0), 0.0);
        assert_eq!(axis_fraction(6.0, -60.0, 0.0), 1.0);
    }

    #[test]
    fn draws_in_a_headless_context() {
        let ctx = egui::Context::default();
        let curve = |x: f32| {
            if x > -20.0 {
                -20.0 + (x + 20.0) / 4.0
            } else {
                x
            }
        };
        let mut output = ctx.run_ui(Default::default(), |ui| {
            let r = ui.add(
                TransferCurve::new(&curve)
                    .side(120.0)
                    .threshold(-20.0, 6.0)
                    .dot(-10.0, -17.5),
            );
            assert_eq!(r.rect.size(), Vec2::splat(120.0));
        });
        // The font atlas upload nobody renders here.
        output.textures_delta.clear();
    }
}
