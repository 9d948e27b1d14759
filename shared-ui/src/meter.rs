//! Level displays: the vertical [`LevelMeterView`] (RMS bar + peak line per channel), the
//! [`GainReductionMeter`] and the horizontal [`CorrelationMeterView`].
//!
//! The widgets take plain numbers so they do not depend on where the readings come from; the
//! [`MeterSource`] trait lets a shared atomic readings object (e.g. gel-dsp's `MeterReadings`)
//! feed a meter directly.

use egui::{Align2, Color32, Pos2, Rect, Response, Sense, Stroke, Ui, Vec2, Widget};

use crate::theme;

/// Scale ticks drawn beside level meters, in dBFS.
pub const TICKS_DB: [f32; 5] = [0.0, -6.0, -12.0, -24.0, -48.0];
/// Default bottom of the level meter scale, in dBFS.
pub const DEFAULT_MIN_DB: f32 = -60.0;
/// Default top of the level meter scale, in dBFS (room to show overs).
pub const DEFAULT_MAX_DB: f32 = 6.0;
/// Levels from here up are drawn yellow.
pub const YELLOW_FROM_DB: f32 = -6.0;
/// Levels above this are drawn red (over full scale).
pub const RED_FROM_DB: f32 = 0.0;

/// Position of `db` on a meter spanning `min_db..max_db`, as a fraction 0 (bottom) ..1 (top).
/// Linear in dB, clamped; NaN and −∞ map to 0.
pub fn db_to_fraction(db: f32, min_db: f32, max_db: f32) -> f32 {
    if db.is_nan() || max_db <= min_db {
        return 0.0;
    }
    ((db - min_db) / (max_db - min_db)).clamp(0.0, 1.0)
}

/// Colour of the meter zone that `db` falls in.
pub fn zone_color(db: f32) -> Color32 {
    if db > RED_FROM_DB {
        theme::METER_RED
    } else if db >= YELLOW_FROM_DB {
        theme::METER_YELLOW
    } else {
        theme::METER_GREEN
    }
}

/// Format a level for a readout: one decimal, "-inf" below the scale.
pub fn format_db(db: f32, min_db: f32) -> String {
    if db.is_nan() || db <= min_db {
        "-inf".to_owned()
    } else {
        format!("{db:.1}")
    }
}

/// One channel's level in dBFS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChannelLevel {
    /// Peak level (decaying peak from the DSP side).
    pub peak_db: f32,
    /// RMS level.
    pub rms_db: f32,
}

impl ChannelLevel {
    /// Silence (−∞ dB).
    pub const SILENT: Self = Self {
        peak_db: f32::NEG_INFINITY,
        rms_db: f32::NEG_INFINITY,
    };
}

/// Anything that can report per-channel peak and RMS levels in dBFS (typically atomics written
/// by the audio thread and read by the editor).
pub trait MeterSource {
    /// Number of channels.
    fn channel_count(&self) -> usize;
    /// Peak level of channel `ch` in dBFS.
    fn peak_db(&self, ch: usize) -> f32;
    /// RMS level of channel `ch` in dBFS.
    fn rms_db(&self, ch: usize) -> f32;

    /// Snapshot all channels.
    fn levels(&self) -> Vec<ChannelLevel> {
        (0..self.channel_count())
            .map(|ch| ChannelLevel {
                peak_db: self.peak_db(ch),
                rms_db: self.rms_db(ch),
            })
            .collect()
    }
}

impl MeterSource for [ChannelLevel] {
    fn channel_count(&self) -> usize {
        self.len()
    }
    fn peak_db(&self, ch: usize) -> f32 {
        self[ch].peak_db
    }
    fn rms_db(&self, ch: usize) -> f32 {
        self[ch].rms_db
    }
}

#[cfg(feature = "gel-dsp")]
impl MeterSource for gel_dsp::analysis::meter::MeterReadings {
    fn channel_count(&self) -> usize {
        gel_dsp::analysis::meter::MeterReadings::channel_count(self)
    }
    fn peak_db(&self, ch: usize) -> f32 {
        gel_dsp::analysis::meter::MeterReadings::peak_db(self, ch)
    }
    fn rms_db(&self, ch: usize) -> f32 {
        gel_dsp::analysis::meter::MeterReadings::rms_db(self, ch)
    }
    /// One read of the shared readings, so both channels show the same block.
    fn levels(&self) -> Vec<ChannelLevel> {
        let snapshot = self.snapshot();
        (0..self.channel_count())
            .map(|ch| ChannelLevel {
                peak_db: snapshot.peak_db[ch],
                rms_db: snapshot.rms_db[ch],
            })
            .collect()
    }
}

/// A vertical level meter: per channel an RMS bar coloured by zone and a peak line, a dB scale
/// on the left and a numeric peak readout below.
#[must_use = "add it with `ui.add(meter)`"]
pub struct LevelMeterView {
    levels: Vec<ChannelLevel>,
    height: f32,
    bar_width: f32,
    min_db: f32,
    max_db: f32,
    show_scale: bool,
    show_readout: bool,
    label: Option<String>,
}

impl LevelMeterView {
    /// A meter showing `levels` (one entry per channel).
    pub fn new(levels: &[ChannelLevel]) -> Self {
        Self {
            levels: levels.to_vec(),
            height: 160.0,
            bar_width: 8.0,
            min_db: DEFAULT_MIN_DB,
            max_db: DEFAULT_MAX_DB,
            show_scale: true,
            show_readout: true,
            label: None,
        }
    }

    /// A meter reading a [`MeterSource`].
    pub fn from_source<S: MeterSource + ?Sized>(source: &S) -> Self {
        Self::new(&source.levels())
    }

    /// Total height in points, including readout (default 160).
    pub fn height(mut self, height: f32) -> Self {
        self.height = height.max(60.0);
        self
    }

    /// Width of each channel's bar (default 8).
    pub fn bar_width(mut self, width: f32) -> Self {
        self.bar_width = width.max(2.0);
        self
    }

    /// dB range of the scale (default −60..+6).
    pub fn range_db(mut self, min_db: f32, max_db: f32) -> Self {
        if max_db > min_db {
            self.min_db = min_db;
            self.max_db = max_db;
        }
        self
    }

    /// Hide the dB scale (e.g. for a second meter next to one that has it).
    pub fn without_scale(mut self) -> Self {
        self.show_scale = false;
        self
    }

    /// Hide the numeric peak readout.
    pub fn without_readout(mut self) -> Self {
        self.show_readout = false;
        self
    }

    /// A short caption under the meter ("In", "Out").
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    fn y_of(&self, bars: Rect, db: f32) -> f32 {
        bars.bottom() - db_to_fraction(db, self.min_db, self.max_db) * bars.height()
    }

    /// Fill `x_range` from the bottom of `bars` up to `db`, split into the colour zones.
    fn paint_zoned_bar(
        &self,
        painter: &egui::Painter,
        bars: Rect,
        x: egui::Rangef,
        db: f32,
        alpha: f32,
    ) {
        let zones = [
            (self.min_db, YELLOW_FROM_DB, theme::METER_GREEN),
            (YELLOW_FROM_DB, RED_FROM_DB, theme::METER_YELLOW),
            (RED_FROM_DB, self.max_db, theme::METER_RED),
        ];
        for (lo, hi, color) in zones {
            if db <= lo {
                break;
            }
            let top = self.y_of(bars, db.min(hi));
            let bottom = self.y_of(bars, lo);
            if bottom - top > 0.0 {
                let r = Rect::from_x_y_ranges(x, top..=bottom);
                painter.rect_filled(r, 0.0, color.gamma_multiply(alpha));
            }
        }
    }
}

impl Widget for LevelMeterView {
    fn ui(self, ui: &mut Ui) -> Response {
        let channels = self.levels.len().max(1);
        let scale_w = if self.show_scale { 24.0 } else { 0.0 };
        let gap = 3.0;
        let bars_w = channels as f32 * self.bar_width + (channels - 1) as f32 * gap + 4.0;
        let readout_h = if self.show_readout { 14.0 } else { 0.0 };
        let label_h = if self.label.is_some() { 14.0 } else { 0.0 };
        let width = (scale_w + bars_w).max(if self.show_readout { 34.0 } else { 0.0 });
        let (rect, response) =
            ui.allocate_exact_size(Vec2::new(width, self.height), Sense::hover());
        if !ui.is_rect_visible(rect) {
            return response;
        }
        let painter = ui.painter_at(rect);
        let body = Rect::from_min_max(
            Pos2::new(rect.right() - bars_w, rect.top() + 4.0),
            Pos2::new(rect.right(), rect.bottom() - readout_h - label_h),
        );
        let bars = body.shrink2(Vec2::new(2.0, 2.0));
        painter.rect_filled(body, 2.0, theme::DISPLAY);

        for db in TICKS_DB {
            if db < self.min_db || db > self.max_db {
                continue;
            }
            let y = self.y_of(bars, db);
            painter.hline(body.x_range(), y, Stroke::new(1.0, theme::GRID));
            if self.show_scale {
                let text = if db == 0.0 {
                    "0".to_owned()
                } else {
                    format!("{}", db as i32)
                };
                painter.text(
                    Pos2::new(body.left() - 4.0, y),
                    Align2::RIGHT_CENTER,
                    text,
                    theme::small_font(),
                    theme::TEXT_DIM,
                );
            }
        }

        for (i, level) in self.levels.iter().enumerate() {
            let x0 = bars.left() + i as f32 * (self.bar_width + gap);
            let x = egui::Rangef::new(x0, x0 + self.bar_width);
            self.paint_zoned_bar(&painter, bars, x, level.rms_db, 0.9);
            if level.peak_db > self.min_db {
                let y = self.y_of(bars, level.peak_db);
                painter.hline(x, y, Stroke::new(2.0, zone_color(level.peak_db)));
            }
            if level.peak_db > RED_FROM_DB {
                let clip = Rect::from_x_y_ranges(x, body.top()..=body.top() + 3.0);
                painter.rect_filled(clip, 0.0, theme::METER_RED);
            }
        }

        let peak = self
            .levels
            .iter()
            .map(|l| l.peak_db)
            .fold(f32::NEG_INFINITY, f32::max);
        if self.show_readout {
            let color = if peak > RED_FROM_DB {
                theme::METER_RED
            } else {
                theme::TEXT_DIM
            };
            painter.text(
                Pos2::new(
                    body.center().x.min(rect.right() - 16.0),
                    body.bottom() + 2.0,
                ),
                Align2::CENTER_TOP,
                format_db(peak, self.min_db),
                theme::mono_font(),
                color,
            );
        }
        if let Some(label) = &self.label {
            painter.text(
                Pos2::new(body.center().x, rect.bottom()),
                Align2::CENTER_BOTTOM,
                label,
                theme::small_font(),
                theme::TEXT_DIM,
            );
        }
        response.on_hover_text(format!("Peak {} dB", format_db(peak, self.min_db)))
    }
}

/// A vertical gain-reduction meter: a bar growing down from the top (0 dB) in the
/// gain-reduction colour. Takes the reduction as a positive number of dB.
#[must_use = "add it with `ui.add(meter)`"]
pub struct GainReductionMeter {
    reduction_db: f32,
    range_db: f32,
    height: f32,
    width: f32,
}

impl GainReductionMeter {
    /// A meter showing `reduction_db` (≥ 0; e.g. 3.5 for 3.5 dB of reduction).
    pub fn new(reduction_db: f32) -> Self {
        Self {
            reduction_db: reduction_db.abs(),
            range_db: 24.0,
            height: 160.0,
            width: 10.0,
        }
    }

    /// Full-scale reduction in dB (default 24).
    pub fn range_db(mut self, range: f32) -> Self {
        self.range_db = range.max(1.0);
        self
    }

    /// Height in points (default 160).
    pub fn height(mut self, height: f32) -> Self {
        self.height = height.max(40.0);
        self
    }
}

impl Widget for GainReductionMeter {
    fn ui(self, ui: &mut Ui) -> Response {
        let (rect, response) =
            ui.allocate_exact_size(Vec2::new(self.width + 4.0, self.height), Sense::hover());
        if ui.is_rect_visible(rect) {
            let painter = ui.painter_at(rect);
            painter.rect_filled(rect, 2.0, theme::DISPLAY);
            let inner = rect.shrink(2.0);
            let frac = (self.reduction_db / self.range_db).clamp(0.0, 1.0);
            let bar =
                Rect::from_min_size(inner.min, Vec2::new(inner.width(), inner.height() * frac));
            painter.rect_filled(bar, 0.0, theme::GAIN_REDUCTION);
        }
        response.on_hover_text(format!("Gain reduction {:.1} dB", self.reduction_db))
    }
}

/// Position of a correlation value (−1..+1) along a horizontal meter, 0 (left) ..1 (right).
pub fn correlation_to_fraction(correlation: f32) -> f32 {
    if correlation.is_nan() {
        return 0.5;
    }
    ((correlation.clamp(-1.0, 1.0) + 1.0) * 0.5).clamp(0.0, 1.0)
}

/// A horizontal phase-correlation meter: −1 on the left, 0 in the centre, +1 on the right.
/// The bar grows from the centre: red when negative (phase problems), green when positive.
#[must_use = "add it with `ui.add(meter)`"]
pub struct CorrelationMeterView {
    value: f32,
    width: f32,
}

impl CorrelationMeterView {
    /// A meter showing `correlation` (−1..+1).
    pub fn new(correlation: f32) -> Self {
        Self {
            value: correlation,
            width: 160.0,
        }
    }

    /// Width in points (default 160).
    pub fn width(mut self, width: f32) -> Self {
        self.width = width.max(60.0);
        self
    }
}

impl Widget for CorrelationMeterView {
    fn ui(self, ui: &mut Ui) -> Response {
        let bar_h = 10.0;
        let (rect, response) =
            ui.allocate_exact_size(Vec2::new(self.width, bar_h + 14.0), Sense::hover());
        if ui.is_rect_visible(rect) {
            let painter = ui.painter_at(rect);
            let body = Rect::from_min_size(rect.min, Vec2::new(rect.width(), bar_h));
            painter.rect_filled(body, 2.0, theme::DISPLAY);
            let inner = body.shrink(2.0);
            let x_of = |c: f32| inner.left() + correlation_to_fraction(c) * inner.width();
            for c in [-0.5, 0.5] {
                painter.vline(x_of(c), inner.y_range(), Stroke::new(1.0, theme::GRID));
            }
            let (cx, vx) = (x_of(0.0), x_of(self.value));
            let color = if self.value < 0.0 {
                theme::METER_RED
            } else {
                theme::METER_GREEN
            };
            if (vx - cx).abs() > 0.5 {
                let bar = Rect::from_x_y_ranges(cx.min(vx)..=cx.max(vx), inner.y_range());
                painter.rect_filled(bar, 0.0, color.gamma_multiply(0.85));
            }
            painter.vline(vx, body.y_range(), Stroke::new(2.0, color));
            painter.vline(cx, body.y_range(), Stroke::new(1.0, theme::TEXT_DIM));
            for (c, text, align) in [
                (-1.0, "-1", Align2::LEFT_TOP),
                (0.0, "0", Align2::CENTER_TOP),
                (1.0, "+1", Align2::RIGHT_TOP),
            ] {
                painter.text(
                    Pos2::new(x_of(c), body.bottom() + 2.0),
                    align,
                    text,
                    theme::small_font(),
                    theme::TEXT_DIM,
                );
            }
        }
        response.on_hover_text(format!("Correlation {:+.2}", self.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_mapping() {
        assert_eq!(db_to_fraction(-60.0, -60.0, 6.0), 0.0);
        assert_eq!(db_to_fraction(6.0, -60.0, 6.0), 1.0);
        assert!((db_to_fraction(0.0, -60.0, 6.0) - 60.0 / 66.0).abs() < 1e-6);
        assert_eq!(db_to_fraction(f32::NEG_INFINITY, -60.0, 6.0), 0.0);
        assert_eq!(db_to_fraction(f32::NAN, -60.0, 6.0), 0.0);
        assert_eq!(db_to_fraction(20.0, -60.0, 6.0), 1.0);
        // Ticks are ordered bottom to top.
        let mut last = 1.1;
        for db in TICKS_DB {
            let f = db_to_fraction(db, DEFAULT_MIN_DB, DEFAULT_MAX_DB);
            assert!(f < last);
            last = f;
        }
    }

    #[test]
    fn zones() {
        assert_eq!(zone_color(-20.0), theme::METER_GREEN);
        assert_eq!(zone_color(-3.0), theme::METER_YELLOW);
        assert_eq!(zone_color(0.5), theme::METER_RED);
    }

    #[test]
    fn readout_format() {
        assert_eq!(format_db(-3.04, -60.0), "-3.0");
        assert_eq!(format_db(f32::NEG_INFINITY, -60.0), "-inf");
    }

    #[test]
    fn correlation_mapping() {
        assert_eq!(correlation_to_fraction(-1.0), 0.0);
        assert_eq!(correlation_to_fraction(0.0), 0.5);
        assert_eq!(correlation_to_fraction(1.0), 1.0);
        assert_eq!(correlation_to_fraction(5.0), 1.0);
        assert_eq!(correlation_to_fraction(f32::NAN), 0.5);
    }

    #[test]
    fn slice_is_a_source() {
        let levels = [
            ChannelLevel {
                peak_db: -1.0,
                rms_db: -10.0,
            },
            ChannelLevel::SILENT,
        ];
        let src: &[ChannelLevel] = &levels;
        assert_eq!(src.channel_count(), 2);
        assert_eq!(src.levels(), levels.to_vec());
    }

    #[cfg(feature = "gel-dsp")]
    #[test]
    fn gel_dsp_readings_are_a_source() {
        let readings = gel_dsp::analysis::meter::MeterReadings::default();
        let levels = MeterSource::levels(&readings);
        assert_eq!(levels.len(), 2);
        assert!(levels.iter().all(|l| l.peak_db <= DEFAULT_MIN_DB));
    }
}
