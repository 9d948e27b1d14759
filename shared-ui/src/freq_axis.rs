//! [`FreqAxis`]: a logarithmic frequency axis (Hz ↔ screen x) with its labelled grid, shared by
//! the EQ graph and the spectrum analyzer so both draw on exactly the same scale.

use egui::{Align2, Painter, Pos2, Rect, Stroke};

use crate::theme;

/// Logarithmic mapping of `min_hz..=max_hz` onto a horizontal span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreqAxis {
    /// Frequency at the left edge (Hz).
    pub min_hz: f32,
    /// Frequency at the right edge (Hz).
    pub max_hz: f32,
}

/// Gel EQ's axis: 10 Hz to 30 kHz.
pub const EQ_FREQ_AXIS: FreqAxis = FreqAxis {
    min_hz: 10.0,
    max_hz: 30_000.0,
};

/// Grid frequencies and their labels (Hz; "k" = ×1000). Every decade is labelled, plus 2 and 5.
pub const FREQ_TICKS: [(f32, &str); 12] = [
    (10.0, "10"),
    (20.0, "20"),
    (50.0, "50"),
    (100.0, "100"),
    (200.0, "200"),
    (500.0, "500"),
    (1_000.0, "1k"),
    (2_000.0, "2k"),
    (5_000.0, "5k"),
    (10_000.0, "10k"),
    (20_000.0, "20k"),
    (30_000.0, "30k"),
];

impl FreqAxis {
    /// Position of `hz` as a fraction of the span: 0 at `min_hz`, 1 at `max_hz`
    /// (`log(f/min) / log(max/min)`), unclamped.
    pub fn to_unit(&self, hz: f32) -> f32 {
        (hz.max(f32::MIN_POSITIVE) / self.min_hz).ln() / (self.max_hz / self.min_hz).ln()
    }

    /// Inverse of [`to_unit`](Self::to_unit).
    pub fn from_unit(&self, unit: f32) -> f32 {
        self.min_hz * ((self.max_hz / self.min_hz).ln() * unit).exp()
    }

    /// Screen x of `hz` in `rect`.
    pub fn x_of(&self, rect: Rect, hz: f32) -> f32 {
        rect.left() + self.to_unit(hz) * rect.width()
    }

    /// Frequency at screen x in `rect`.
    pub fn freq_at(&self, rect: Rect, x: f32) -> f32 {
        self.from_unit((x - rect.left()) / rect.width())
    }

    /// Clamp a frequency into the axis range.
    pub fn clamp(&self, hz: f32) -> f32 {
        hz.clamp(self.min_hz, self.max_hz)
    }

    /// Draw vertical grid lines at [`FREQ_TICKS`] inside the axis range, labelled along the
    /// bottom edge of `rect`, with the unit "Hz" at the first label.
    pub fn paint_grid(&self, painter: &Painter, rect: Rect) {
        let stroke = Stroke::new(1.0, theme::GRID);
        for (i, &(hz, label)) in FREQ_TICKS.iter().enumerate() {
            if hz <= self.min_hz || hz >= self.max_hz {
                continue;
            }
            let x = self.x_of(rect, hz).round() + 0.5;
            painter.line_segment(
                [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                stroke,
            );
            let text = if i == 1 {
                format!("{label} Hz")
            } else {
                label.to_owned()
            };
            painter.text(
                Pos2::new(x + 3.0, rect.bottom() - 3.0),
                Align2::LEFT_BOTTOM,
                text,
                theme::small_font(),
                theme::TEXT_DIM,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_decades_map_evenly() {
        let axis = FreqAxis {
            min_hz: 10.0,
            max_hz: 10_000.0,
        };
        assert!(axis.to_unit(10.0).abs() < 1e-6);
        assert!((axis.to_unit(10_000.0) - 1.0).abs() < 1e-6);
        assert!((axis.to_unit(100.0) - 1.0 / 3.0).abs() < 1e-6);
        assert!((axis.to_unit(1_000.0) - 2.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn screen_mapping_round_trips() {
        let rect = Rect::from_min_size(Pos2::new(30.0, 5.0), egui::vec2(800.0, 300.0));
        let axis = EQ_FREQ_AXIS;
        for &hz in &[10.0f32, 31.6, 440.0, 1_000.0, 12_345.0, 30_000.0] {
            let x = axis.x_of(rect, hz);
            assert!(x >= rect.left() - 1e-3 && x <= rect.right() + 1e-3);
            let back = axis.freq_at(rect, x);
            assert!((back / hz - 1.0).abs() < 1e-4, "{hz} -> {x} -> {back}");
        }
        assert!((axis.x_of(rect, 10.0) - rect.left()).abs() < 1e-3);
        assert!((axis.x_of(rect, 30_000.0) - rect.right()).abs() < 1e-2);
    }
}
