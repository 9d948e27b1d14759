//! A scrolling history of levels (e.g. a compressor's input, output and gain reduction over
//! the last few seconds): the lock-free [`HistoryRing`] the audio thread writes, the
//! [`HistoryWriter`] that turns blocks of any length into frames at a fixed rate, and the
//! [`LevelHistory`] widget that draws a snapshot.
//!
//! Audio side, per block (no allocation, no lock):
//!
//! ```text
//! writer.push_block(&ring, num_samples, [input_peak_db, output_peak_db, reduction_db]);
//! ```
//!
//! GUI side, per frame: `ring.snapshot(&mut frames)` then
//! `ui.add(LevelHistory::new(&frames, &LANES))`.

use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

use egui::{Align2, Color32, Pos2, Rect, Response, Sense, Shape, Stroke, Ui, Vec2, Widget};

use crate::theme;

/// Lock-free single-producer / multi-reader ring of frames of `N` values (`f32`), oldest
/// overwritten first.
///
/// The same sequence-lock protocol as gel-dsp's `ScopeBuffer`, per frame: the producer stores
/// `claimed = i + 1`, fences (release), writes frame `i`'s slot, then stores `written = i + 1`
/// (release). A reader loads `written` (acquire), copies the slots, fences (acquire) and
/// re-reads `claimed`; a copied frame `j` is kept only if `j + capacity >= claimed`, i.e. no
/// overwrite of its slot had started, so a reader never sees half of one frame and half of
/// another. [`clear`](HistoryRing::clear) moves a floor below which frames are not shown.
/// Only one thread may push or clear at a time.
#[derive(Debug)]
pub struct HistoryRing<const N: usize> {
    slots: Box<[[AtomicU32; N]]>,
    /// Frames whose write has started / completed (monotonic; a u64 never wraps in practice).
    claimed: AtomicU64,
    written: AtomicU64,
    /// Frames before this index were cleared.
    floor: AtomicU64,
}

impl<const N: usize> HistoryRing<N> {
    /// A ring keeping the latest `capacity` frames (at least 1). Allocates.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: (0..capacity.max(1))
                .map(|_| std::array::from_fn(|_| AtomicU32::new(0)))
                .collect(),
            claimed: AtomicU64::new(0),
            written: AtomicU64::new(0),
            floor: AtomicU64::new(0),
        }
    }

    /// Number of frames kept.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Total frames pushed so far.
    pub fn frames_written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// Producer: appends one frame. Real-time safe; one producer thread at a time.
    pub fn push(&self, frame: [f32; N]) {
        let cap = self.slots.len() as u64;
        let w = self.written.load(Ordering::Relaxed);
        self.claimed.store(w + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        for (slot, value) in self.slots[(w % cap) as usize].iter().zip(frame) {
            slot.store(value.to_bits(), Ordering::Relaxed);
        }
        self.written.store(w + 1, Ordering::Release);
    }

    /// Producer: forgets every frame (e.g. when the editor opens on stale history).
    pub fn clear(&self) {
        let w = self.written.load(Ordering::Relaxed);
        self.floor.store(w, Ordering::Release);
    }

    /// Consumer: replaces `out` with up to `capacity` latest frames, oldest first. Frames the
    /// producer may have overwritten during the copy are dropped, and so are the slots
    /// [`clear`](Self::clear) hid. May allocate (GUI side).
    pub fn snapshot(&self, out: &mut Vec<[f32; N]>) {
        out.clear();
        let cap = self.slots.len() as u64;
        let w = self.written.load(Ordering::Acquire);
        let floor = self.floor.load(Ordering::Acquire).min(w);
        let n = cap.min(w - floor);
        let start = w - n;
        out.reserve(n as usize);
        for i in start..w {
            let slot = &self.slots[(i % cap) as usize];
            out.push(std::array::from_fn(|k| {
                f32::from_bits(slot[k].load(Ordering::Relaxed))
            }));
        }
        fence(Ordering::Acquire);
        let claimed = self.claimed.load(Ordering::Relaxed);
        // Frame i is intact only if the producer had not started frame i + cap.
        let first_valid = claimed.saturating_sub(cap).max(start);
        out.drain(..((first_valid - start).min(n) as usize));
    }

    /// Consumer: the newest frame, if one is intact.
    pub fn latest(&self) -> Option<[f32; N]> {
        let cap = self.slots.len() as u64;
        let w = self.written.load(Ordering::Acquire);
        let i = w.checked_sub(1)?;
        if i < self.floor.load(Ordering::Acquire) {
            return None;
        }
        let slot = &self.slots[(i % cap) as usize];
        let frame = std::array::from_fn(|k| f32::from_bits(slot[k].load(Ordering::Relaxed)));
        fence(Ordering::Acquire);
        (i + cap >= self.claimed.load(Ordering::Relaxed)).then_some(frame)
    }
}

/// Producer side of a [`HistoryRing`]: frames at a fixed interval of samples, whatever the
/// host's block size, each holding the largest value of every lane seen during its interval.
/// A block spanning several intervals pushes its values into each of them, so the history's
/// time axis stays true.
#[derive(Debug, Clone)]
pub struct HistoryWriter<const N: usize> {
    interval: usize,
    filled: usize,
    max: [f32; N],
}

impl<const N: usize> Default for HistoryWriter<N> {
    fn default() -> Self {
        Self {
            interval: 480,
            filled: 0,
            max: [f32::NEG_INFINITY; N],
        }
    }
}

impl<const N: usize> HistoryWriter<N> {
    /// One frame per `interval_ms` at `sample_rate` (at least one sample).
    pub fn prepare(&mut self, sample_rate: f32, interval_ms: f32) {
        self.interval = ((sample_rate * interval_ms * 0.001).round() as usize).max(1);
        self.reset();
    }

    /// Samples per frame.
    pub fn interval_samples(&self) -> usize {
        self.interval
    }

    /// Starts a fresh interval.
    pub fn reset(&mut self) {
        self.filled = 0;
        self.max = [f32::NEG_INFINITY; N];
    }

    /// Accounts a block of `len` samples whose lanes read `values`, pushing a frame into
    /// `ring` for every interval completed. Real-time safe.
    pub fn push_block(&mut self, ring: &HistoryRing<N>, len: usize, values: [f32; N]) {
        for (m, v) in self.max.iter_mut().zip(values) {
            // NaN never wins (a NaN reading would otherwise stick for the interval).
            *m = m.max(v);
        }
        self.filled += len;
        while self.filled >= self.interval {
            ring.push(self.max);
            self.filled -= self.interval;
            // What is left over is the end of this block: the next interval starts with it.
            self.max = if self.filled > 0 {
                values
            } else {
                [f32::NEG_INFINITY; N]
            };
        }
    }
}

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
    fn ring_keeps_the_latest_frames_in_order() {
        let ring = HistoryRing::<2>::new(4);
        let mut out = Vec::new();
        ring.snapshot(&mut out);
        assert!(out.is_empty());
        assert_eq!(ring.latest(), None);
        for i in 0..6 {
            ring.push([i as f32, -(i as f32)]);
        }
        ring.snapshot(&mut out);
        assert_eq!(
            out,
            vec![[2.0, -2.0], [3.0, -3.0], [4.0, -4.0], [5.0, -5.0]]
        );
        assert_eq!(ring.latest(), Some([5.0, -5.0]));
        assert_eq!(ring.frames_written(), 6);
        ring.clear();
        ring.snapshot(&mut out);
        assert!(out.is_empty(), "cleared ring still shows {out:?}");
        assert_eq!(ring.latest(), None);
        ring.push([9.0, 9.0]);
        ring.snapshot(&mut out);
        assert_eq!(out, vec![[9.0, 9.0]]);
    }

    #[test]
    fn ring_readers_never_see_torn_frames() {
        // A writer pushes frames whose lanes are all equal; a reader must never find a frame
        // mixing two writes, nor frames out of order.
        use std::sync::Arc;
        let ring = Arc::new(HistoryRing::<4>::new(8));
        let writer = {
            let ring = ring.clone();
            std::thread::spawn(move || {
                for i in 0..200_000u32 {
                    ring.push([i as f32; 4]);
                }
            })
        };
        let mut out = Vec::new();
        while !writer.is_finished() {
            ring.snapshot(&mut out);
            for f in &out {
                assert!(f.iter().all(|v| *v == f[0]), "torn frame {f:?}");
            }
            for w in out.windows(2) {
                assert_eq!(w[1][0], w[0][0] + 1.0, "frames out of order");
            }
        }
        writer.join().unwrap();
    }

    #[test]
    fn writer_pushes_one_frame_per_interval_with_the_lane_maxima() {
        let ring = HistoryRing::<2>::new(64);
        let mut w = HistoryWriter::<2>::default();
        w.prepare(1000.0, 10.0); // 10 samples per frame
        assert_eq!(w.interval_samples(), 10);
        w.push_block(&ring, 4, [-10.0, 1.0]);
        w.push_block(&ring, 4, [-20.0, 3.0]);
        assert_eq!(ring.frames_written(), 0);
        w.push_block(&ring, 4, [-30.0, 2.0]); // 12 samples: one frame, 2 carried over
        let mut out = Vec::new();
        ring.snapshot(&mut out);
        assert_eq!(out, vec![[-10.0, 3.0]]);
        // A long block covers 3.5 intervals: its value fills them all.
        w.push_block(&ring, 33, [-40.0, 0.5]);
        ring.snapshot(&mut out);
        assert_eq!(
            out,
            vec![[-10.0, 3.0], [-30.0, 2.0], [-40.0, 0.5], [-40.0, 0.5]]
        );
        assert_eq!(ring.frames_written(), 4);
    }

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
