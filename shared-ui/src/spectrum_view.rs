//! Drawing a spectrum analyzer trace (levels on a log-frequency grid, e.g. from
//! `gel_dsp::analysis::spectrum::SpectrumAnalyzer`) into a display: a translucent filled area, its outline,
//! and optionally a thin peak-hold line. Drawing only; the analysis lives in gel-dsp.

use egui::{Color32, Mesh, Painter, Pos2, Rect, Shape, Stroke};

use crate::freq_axis::FreqAxis;
use crate::theme;

/// Vertical scale of an analyzer display: `min_db` at the bottom, `max_db` at the top.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelScale {
    /// Level at the bottom edge (dB).
    pub min_db: f32,
    /// Level at the top edge (dB).
    pub max_db: f32,
}

/// Default analyzer scale: −90 dB to +6 dB (with a 4.5 dB/oct tilt, full-scale content above
/// 1 kHz reads above 0 dB).
pub const DEFAULT_LEVEL_SCALE: LevelScale = LevelScale {
    min_db: -90.0,
    max_db: 6.0,
};

impl LevelScale {
    /// Screen y of `db` in `rect`, clamped to the rect.
    pub fn y_of(&self, rect: Rect, db: f32) -> f32 {
        let unit = ((db - self.min_db) / (self.max_db - self.min_db)).clamp(0.0, 1.0);
        rect.bottom() - unit * rect.height()
    }

    /// Level (dB) at screen y in `rect` (unclamped).
    pub fn db_at(&self, rect: Rect, y: f32) -> f32 {
        self.min_db + (rect.bottom() - y) / rect.height() * (self.max_db - self.min_db)
    }
}

/// Colours of one trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceStyle {
    /// Area under the curve.
    pub fill: Color32,
    /// The curve.
    pub line: Color32,
    /// Peak-hold line; `None` hides it.
    pub peak: Option<Color32>,
}

/// The input (pre-EQ) trace: a neutral grey.
pub const PRE_STYLE: TraceStyle = TraceStyle {
    // TEXT_DIM at 12 % opacity (premultiplied).
    fill: Color32::from_rgba_premultiplied(0x10, 0x11, 0x13, 0x1f),
    line: Color32::from_rgb(0x4c, 0x52, 0x5c),
    peak: None,
};

/// The output (post-EQ) trace: the dimmed accent, with peak hold.
pub const POST_STYLE: TraceStyle = TraceStyle {
    // ACCENT at 14 % opacity (premultiplied).
    fill: Color32::from_rgba_premultiplied(0x0b, 0x1b, 0x1c, 0x24),
    line: Color32::from_rgb(0x3a, 0x93, 0x96),
    peak: Some(theme::ACCENT_DIM),
};

/// One analyzer trace: `levels_db[i]` (and `peaks_db[i]`) at `freqs[i]`.
#[derive(Debug, Clone, Copy)]
pub struct SpectrumTrace<'a> {
    /// Display frequencies (Hz), ascending.
    pub freqs: &'a [f32],
    /// Levels (dB) at those frequencies.
    pub levels_db: &'a [f32],
    /// Peak-hold levels (dB), if shown.
    pub peaks_db: Option<&'a [f32]>,
    /// Colours.
    pub style: TraceStyle,
    /// Points at or above this frequency are not drawn (Nyquist).
    pub max_hz: f32,
}

/// Screen points of `values` at `freqs`, for the frequencies inside the axis and below `max_hz`.
pub fn trace_points(
    rect: Rect,
    axis: &FreqAxis,
    scale: &LevelScale,
    freqs: &[f32],
    values: &[f32],
    max_hz: f32,
) -> Vec<Pos2> {
    freqs
        .iter()
        .zip(values)
        .filter(|(&f, _)| f >= axis.min_hz && f <= axis.max_hz && f < max_hz)
        .map(|(&f, &db)| Pos2::new(axis.x_of(rect, f), scale.y_of(rect, db)))
        .collect()
}

/// Paint `trace` into `rect` (clipped by `painter`).
pub fn paint_trace(
    painter: &Painter,
    rect: Rect,
    axis: &FreqAxis,
    scale: &LevelScale,
    trace: &SpectrumTrace,
) {
    let points = trace_points(
        rect,
        axis,
        scale,
        trace.freqs,
        trace.levels_db,
        trace.max_hz,
    );
    if points.len() < 2 {
        return;
    }
    painter.add(fill_to_baseline(&points, rect.bottom(), trace.style.fill));
    painter.add(Shape::line(points, Stroke::new(1.0, trace.style.line)));
    if let (Some(peaks), Some(colour)) = (trace.peaks_db, trace.style.peak) {
        let points = trace_points(rect, axis, scale, trace.freqs, peaks, trace.max_hz);
        painter.add(Shape::line(points, Stroke::new(1.0, colour)));
    }
}

/// A filled area between a polyline (x ascending) and the horizontal line `baseline_y`, as a
/// triangle strip (the curve need not be convex and may cross the baseline).
pub fn fill_to_baseline(points: &[Pos2], baseline_y: f32, colour: Color32) -> Shape {
    let mut mesh = Mesh::default();
    mesh.reserve_vertices(points.len() * 2);
    mesh.reserve_triangles(points.len().saturating_sub(1) * 2);
    for (i, p) in points.iter().enumerate() {
        mesh.colored_vertex(*p, colour);
        mesh.colored_vertex(Pos2::new(p.x, baseline_y), colour);
        if i > 0 {
            let v = (i * 2) as u32;
            mesh.add_triangle(v - 2, v - 1, v);
            mesh.add_triangle(v - 1, v + 1, v);
        }
    }
    Shape::mesh(mesh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_scale_round_trips_and_clamps() {
        let rect = Rect::from_min_size(Pos2::new(0.0, 10.0), egui::vec2(100.0, 200.0));
        let scale = DEFAULT_LEVEL_SCALE;
        assert_eq!(scale.y_of(rect, 6.0), 10.0);
        assert_eq!(scale.y_of(rect, -90.0), 210.0);
        assert_eq!(
            scale.y_of(rect, -200.0),
            210.0,
            "below the floor sits on the bottom"
        );
        for db in [-80.0f32, -42.0, 0.0, 5.0] {
            let y = scale.y_of(rect, db);
            assert!((scale.db_at(rect, y) - db).abs() < 1e-3);
        }
    }

    #[test]
    fn points_above_nyquist_are_dropped() {
        let rect = Rect::from_min_size(Pos2::ZERO, egui::vec2(300.0, 100.0));
        let axis = crate::freq_axis::EQ_FREQ_AXIS;
        let freqs = [100.0, 1_000.0, 20_000.0, 25_000.0];
        let levels = [-10.0; 4];
        let pts = trace_points(rect, &axis, &DEFAULT_LEVEL_SCALE, &freqs, &levels, 24_000.0);
        assert_eq!(pts.len(), 3);
        assert!(pts.windows(2).all(|w| w[0].x < w[1].x));
    }

    #[test]
    fn fill_mesh_has_two_triangles_per_segment() {
        let pts = [
            Pos2::new(0.0, 5.0),
            Pos2::new(1.0, 3.0),
            Pos2::new(2.0, 8.0),
        ];
        match fill_to_baseline(&pts, 10.0, Color32::WHITE) {
            Shape::Mesh(mesh) => {
                assert_eq!(mesh.vertices.len(), 6);
                assert_eq!(mesh.indices.len(), 12);
            }
            _ => panic!("expected a mesh"),
        }
    }
}
