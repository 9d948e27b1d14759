//! The [`LevelHistory`] widget: a scrolling plot of levels (e.g. a compressor's input, output
//! and gain reduction over the last few seconds).
//!
//! The frames come from the audio thread through gel-dsp's `SnapshotRing`, written there by
//! its `HistoryWriter` (`gel_dsp::analysis`); per GUI frame the editor takes
//! `ring.snapshot(&mut frames)` and adds `LevelHistory::new(&frames, &LANES)`.

use egui::{Align2, Color32, Pos2, Rect, Response, Sense, Shape, Stroke, Ui, Vec2, Widget};

use crate::theme;

/// How a lane of a [`LevelHistory`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneStyle {
    /// A level filled from the bottom (e.g. the input).
    Area,
    /// A level as a line (e.g. the output).
    Line,
    /// A reduction in dB (≥ 0) drawn down from the top of the plot at the same dB scale
    /// (e.g. gain reduction).
    Reduction,
}

/// One lane of a [`LevelHistory`]: its legend text, colour and style.
#[derive(Clone, Copy, Debug)]
pub struct Lane {
    pub label: &'static str,
    pub color: Color32,
    pub style: LaneStyle,
}

/// Vertical position of `db` on a plot of `min_db..max_db`, 0 (bottom) ..1 (top), clamped;
/// NaN and −∞ are the bottom.
pub fn level_fraction(db: f32, min_db: f32, max_db: f32) -> f32 {
    if db.is_nan() || max_db <= min_db {
        return 0.0;
    }
    ((db - min_db) / (max_db - min_db)).clamp(0.0, 1.0)
}

/// A scrolling level plot: time runs left to right with the newest frame at the right edge,
/// one frame per horizontal point when there are enough frames.
#[must_use = "add it with `ui.add(history)`"]
pub struct LevelHistory<'a, const N: usize> {
    frames: &'a [[f32; N]],
    lanes: &'a [Lane; N],
    size: Vec2,
    min_db: f32,
    max_db: f32,
    seconds: Option<f32>,
}

impl<'a, const N: usize> LevelHistory<'a, N> {
    /// A plot of `frames` (oldest first), lane `k` of each frame drawn as `lanes[k]`.
    pub fn new(frames: &'a [[f32; N]], lanes: &'a [Lane; N]) -> Self {
        Self {
            frames,
            lanes,
            size: Vec2::new(400.0, 160.0),
            min_db: -60.0,
            max_db: 0.0,
            seconds: None,
        }
    }

    /// Size in points (default 400 × 160).
    pub fn size(mut self, size: Vec2) -> Self {
        self.size = size.max(Vec2::new(60.0, 40.0));
        self
    }

    /// dB range of the levels (default −60..0).
    pub fn range_db(mut self, min_db: f32, max_db: f32) -> Self {
        if max_db > min_db {
            self.min_db = min_db;
            self.max_db = max_db;
        }
        self
    }

    /// The time the full width spans, for the caption (e.g. "4 s").
    pub fn seconds(mut self, seconds: f32) -> Self {
        self.seconds = Some(seconds);
        self
    }
}

impl<const N: usize> Widget for LevelHistory<'_, N> {
    fn ui(self, ui: &mut Ui) -> Response {
        let (rect, response) = ui.allocate_exact_size(self.size, Sense::hover());
        if !ui.is_rect_visible(rect) {
            return response;
        }
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 3.0, theme::DISPLAY);
        let plot = rect.shrink2(Vec2::new(2.0, 2.0));
        let (min_db, max_db) = (self.min_db, self.max_db);
        let y_of = |db: f32| plot.bottom() - level_fraction(db, min_db, max_db) * plot.height();
        // Reductions hang from the top at the same dB scale.
        let y_of_reduction = |db: f32| y_of(max_db - db.max(0.0));

        let mut grid_db = max_db - 12.0;
        while grid_db > min_db {
            let y = y_of(grid_db);
            painter.hline(plot.x_range(), y, Stroke::new(1.0, theme::GRID));
            painter.text(
                Pos2::new(plot.left() + 3.0, y - 1.0),
                Align2::LEFT_BOTTOM,
                format!("{}", grid_db as i32),
                theme::small_font(),
                theme::TEXT_DIM.gamma_multiply(0.7),
            );
            grid_db -= 12.0;
        }

        let count = self.frames.len();
        if count >= 2 {
            // Newest at the right edge; one point per frame, or fewer frames than points
            // stretch to the width the ring will fill.
            let step = plot.width() / (count.max(plot.width() as usize) - 1) as f32;
            let x_of = |i: usize| plot.right() - (count - 1 - i) as f32 * step;
            for (k, lane) in self.lanes.iter().enumerate() {
                let values = self.frames.iter().map(|f| f[k]);
                match lane.style {
                    LaneStyle::Area => {
                        // Vertical strips: a filled polygon under a jagged level is not convex.
                        for (i, db) in values.enumerate() {
                            let top = y_of(db);
                            if top < plot.bottom() {
                                let x = x_of(i);
                                let strip = Rect::from_x_y_ranges(
                                    (x - step * 0.5)..=(x + step * 0.5),
                                    top..=plot.bottom(),
                                );
                                painter.rect_filled(strip, 0.0, lane.color.gamma_multiply(0.35));
                            }
                        }
                        let points =
                            (0..count).map(|i| Pos2::new(x_of(i), y_of(self.frames[i][k])));
                        painter.add(Shape::line(
                            points.collect(),
                            Stroke::new(1.0, lane.color.gamma_multiply(0.8)),
                        ));
                    }
                    LaneStyle::Line => {
                        let points =
                            (0..count).map(|i| Pos2::new(x_of(i), y_of(self.frames[i][k])));
                        painter.add(Shape::line(points.collect(), Stroke::new(1.5, lane.color)));
                    }
                    LaneStyle::Reduction => {
                        let points = (0..count)
                            .map(|i| Pos2::new(x_of(i), y_of_reduction(self.frames[i][k])));
                        painter.add(Shape::line(points.collect(), Stroke::new(1.5, lane.color)));
                    }
                }
            }
        }

        // Legend, top right, and the time span, bottom right.
        let mut x = plot.right() - 4.0;
        for lane in self.lanes.iter().rev() {
            let galley =
                painter.layout_no_wrap(lane.label.to_owned(), theme::small_font(), lane.color);
            x -= galley.size().x;
            painter.galley(Pos2::new(x, plot.top() + 2.0), galley, lane.color);
            x -= 10.0;
        }
        if let Some(seconds) = self.seconds {
            painter.text(
                plot.right_bottom() + Vec2::new(-4.0, -2.0),
                Align2::RIGHT_BOTTOM,
                format!("{seconds:.0} s"),
                theme::small_font(),
                theme::TEXT_DIM,
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_fraction_clamps() {
        assert_eq!(level_fraction(-60.0, -60.0, 0.0), 0.0);
        assert_eq!(level_fraction(0.0, -60.0, 0.0), 1.0);
        assert_eq!(level_fraction(-30.0, -60.0, 0.0), 0.5);
        assert_eq!(level_fraction(f32::NEG_INFINITY, -60.0, 0.0), 0.0);
        assert_eq!(level_fraction(f32::NAN, -60.0, 0.0), 0.0);
        assert_eq!(level_fraction(12.0, -60.0, 0.0), 1.0);
    }
}
