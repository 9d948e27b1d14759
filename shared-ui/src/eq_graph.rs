//! [`EqGraph`]: the interactive EQ display — log frequency axis (10 Hz–30 kHz, labelled in Hz),
//! gain axis in dB with a ±6/12/30 dB range, analyzer traces underneath, each band's response
//! and their sum on top, and a draggable node per band.
//!
//! The curves are the bands' *analog* prototypes (`gel_dsp::eq::analog_magnitude_db`), the ideal
//! the DSP is fitted to, so the picture does not depend on the sample rate.
//!
//! The widget owns no parameters: it reports [`GraphEvent`]s (add, select, drag, wheel, solo,
//! delete, context menu) and the plugin's editor turns them into gesture-wrapped parameter
//! changes. Mouse:
//! - double-click empty space: add a band there ([`band_type_for_new_node`] picks the type);
//! - drag a node: frequency and gain (Shift: 10× finer);
//! - wheel over a node: Q;
//! - right-click a node: the editor's context menu (type, slope, placement…);
//! - Alt-click a node: solo it (again: unsolo);
//! - Delete / Backspace: remove the selected band.

use egui::ecolor::Hsva;
use egui::{
    Align2, Color32, CornerRadius, Painter, Pos2, Rect, Response, Sense, Shape, Stroke, Ui, Vec2,
};
use gel_dsp::eq::{AnalogPrototype, BandType, EqBand};

use crate::freq_axis::{FreqAxis, EQ_FREQ_AXIS};
use crate::knob::wheel_notches;
use crate::spectrum_view::{fill_to_baseline, paint_trace, LevelScale, SpectrumTrace};
use crate::theme;

/// Radius of a band node (points).
pub const NODE_RADIUS: f32 = 7.0;
/// The pointer grabs a node within this distance of its centre (points).
pub const NODE_GRAB_RADIUS: f32 = 11.0;
/// Below this frequency a new node becomes a low cut.
pub const NEW_LOW_CUT_BELOW_HZ: f32 = 30.0;
/// Above this frequency a new node becomes a high cut.
pub const NEW_HIGH_CUT_ABOVE_HZ: f32 = 15_000.0;
/// How many times finer a drag is with Shift held.
pub const FINE_DRAG_FACTOR: f32 = 10.0;
/// Curves are evaluated every this many points horizontally.
const CURVE_STEP_PX: f32 = 2.0;

/// Vertical range of the gain axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GainRange {
    /// ±6 dB.
    Db6,
    /// ±12 dB.
    #[default]
    Db12,
    /// ±30 dB.
    Db30,
}

impl GainRange {
    /// All ranges, smallest first.
    pub const ALL: [GainRange; 3] = [GainRange::Db6, GainRange::Db12, GainRange::Db30];

    /// Half the range in dB (the top edge).
    pub fn db(self) -> f32 {
        match self {
            GainRange::Db6 => 6.0,
            GainRange::Db12 => 12.0,
            GainRange::Db30 => 30.0,
        }
    }

    /// Button label.
    pub fn label(self) -> &'static str {
        match self {
            GainRange::Db6 => "±6 dB",
            GainRange::Db12 => "±12 dB",
            GainRange::Db30 => "±30 dB",
        }
    }

    /// Spacing of labelled grid lines (dB).
    pub fn grid_step_db(self) -> f32 {
        match self {
            GainRange::Db6 => 2.0,
            GainRange::Db12 => 3.0,
            GainRange::Db30 => 10.0,
        }
    }
}

/// Linear mapping of `−range..=+range` dB onto a vertical span (0 dB in the middle).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainAxis {
    /// Half range (dB): the top edge shows `+range_db`, the bottom `−range_db`.
    pub range_db: f32,
}

impl GainAxis {
    /// Screen y of `db` in `rect` (unclamped: curves may leave the display).
    pub fn y_of(&self, rect: Rect, db: f32) -> f32 {
        rect.center().y - db / self.range_db * rect.height() * 0.5
    }

    /// Gain at screen y in `rect` (unclamped).
    pub fn db_at(&self, rect: Rect, y: f32) -> f32 {
        (rect.center().y - y) / (rect.height() * 0.5) * self.range_db
    }
}

/// Both axes over one rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphMapping {
    /// The plotting area.
    pub rect: Rect,
    /// Horizontal axis.
    pub freq: FreqAxis,
    /// Vertical axis.
    pub gain: GainAxis,
}

impl GraphMapping {
    /// Gel EQ's axes (10 Hz–30 kHz) over `rect` with the given gain range.
    pub fn new(rect: Rect, range: GainRange) -> Self {
        Self {
            rect,
            freq: EQ_FREQ_AXIS,
            gain: GainAxis {
                range_db: range.db(),
            },
        }
    }

    /// Screen position of (`hz`, `db`).
    pub fn pos_of(&self, hz: f32, db: f32) -> Pos2 {
        Pos2::new(self.freq.x_of(self.rect, hz), self.gain.y_of(self.rect, db))
    }

    /// (Hz, dB) at a screen position, unclamped.
    pub fn value_at(&self, pos: Pos2) -> (f32, f32) {
        (
            self.freq.freq_at(self.rect, pos.x),
            self.gain.db_at(self.rect, pos.y),
        )
    }
}

/// Whether the band type has a gain the node's height shows.
pub fn has_gain(kind: BandType) -> bool {
    matches!(
        kind,
        BandType::Bell | BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf
    )
}

/// Whether the band type has a slope choice.
pub fn has_slope(kind: BandType) -> bool {
    matches!(kind, BandType::LowCut | BandType::HighCut)
}

/// Height of a band's node (dB): its gain for types with gain, 0 dB otherwise.
pub fn node_db(band: &EqBand) -> f32 {
    if has_gain(band.kind) {
        band.gain_db
    } else {
        0.0
    }
}

/// The type a node added by double-click at `freq_hz` gets: a low cut at the bottom of the
/// range, a high cut at the top, a bell elsewhere.
pub fn band_type_for_new_node(freq_hz: f32) -> BandType {
    if freq_hz < NEW_LOW_CUT_BELOW_HZ {
        BandType::LowCut
    } else if freq_hz > NEW_HIGH_CUT_ABOVE_HZ {
        BandType::HighCut
    } else {
        BandType::Bell
    }
}

/// Index of the node nearest `pointer` within `radius`, if any. `nodes[i]` is `None` for
/// unused bands. On a tie the later (drawn on top) node wins.
pub fn hit_test(nodes: &[Option<Pos2>], pointer: Pos2, radius: f32) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, node) in nodes.iter().enumerate() {
        let Some(p) = node else { continue };
        let d = p.distance(pointer);
        if d <= radius && best.is_none_or(|(_, bd)| d <= bd) {
            best = Some((i, d));
        }
    }
    best.map(|(i, _)| i)
}

/// Response (dB) of one band at each frequency, from its analog prototype.
pub fn band_curve_db(band: &EqBand, freqs: &[f32], out: &mut [f32]) {
    let proto = AnalogPrototype::new(band);
    for (o, &f) in out.iter_mut().zip(freqs) {
        *o = proto.magnitude_db(f as f64) as f32;
    }
}

/// The EQ's total response (dB) at each frequency: the sum of the bands' dB responses (the
/// bands are in series, so their magnitudes multiply).
pub fn sum_curve_db(bands: &[EqBand], freqs: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    let mut one = vec![0.0; out.len()];
    for band in bands {
        band_curve_db(band, freqs, &mut one);
        for (o, b) in out.iter_mut().zip(&one) {
            *o += b;
        }
    }
}

/// A distinct colour per band index (hues spaced by the golden angle, so neighbours differ).
pub fn band_colour(index: usize) -> Color32 {
    let hue = (0.52 + index as f32 * 0.381_966) % 1.0;
    Hsva::new(hue, 0.55, 0.95, 1.0).into()
}

/// What the graph shows of one band.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphBand {
    /// The band's settings.
    pub band: EqBand,
    /// Switched on (off bands show a hollow node and no curve).
    pub enabled: bool,
    /// A short tag under the node for non-stereo placement ("L", "R", "M", "S").
    pub tag: Option<&'static str>,
    /// Set for a dynamic band: what it is doing now.
    pub dynamic: Option<DynamicView>,
}

/// What the graph shows of a dynamic band: its live gain (the band's own gain is the static
/// curve, where it moves to) and its threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DynamicView {
    /// The band's gain now (dB); `None` while the audio side has not reported one.
    pub live_gain_db: Option<f32>,
    /// Threshold (dBFS), shown while it is dragged.
    pub threshold_db: f32,
}

/// What the user did this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GraphEvent {
    /// Select a band (click or drag start on its node).
    Select(usize),
    /// Click on empty space.
    Deselect,
    /// Double-click on empty space: add a band of `kind` there.
    Add {
        /// Frequency under the pointer (Hz, within the axis).
        freq_hz: f32,
        /// Gain under the pointer (dB, within the range).
        gain_db: f32,
        /// Type chosen by position.
        kind: BandType,
    },
    /// A node drag began (start a parameter gesture).
    DragStart(usize),
    /// The dragged node moved.
    Drag {
        /// Band index.
        band: usize,
        /// New frequency (Hz, clamped to the axis).
        freq_hz: f32,
        /// New gain (dB, clamped to the range); only meaningful for types with gain.
        gain_db: f32,
    },
    /// The drag ended (end the gesture).
    DragEnd(usize),
    /// Mouse wheel over a node: change its Q by `notches` (positive = up = narrower).
    Wheel {
        /// Band index.
        band: usize,
        /// Wheel notches this frame.
        notches: f32,
    },
    /// Alt-click on a node.
    ToggleSolo(usize),
    /// Right-click: on a node, or on empty space (`None`).
    ContextMenu(Option<usize>),
    /// Delete / Backspace with a band selected.
    Delete(usize),
    /// Click on the label strip at the top of a [`GraphShade`] (index in the order added).
    ShadeClicked(usize),
    /// Ctrl-drag (Cmd on macOS) on a dynamic band's node began: start a threshold gesture.
    ThresholdStart(usize),
    /// The threshold drag moved: the new threshold (dBFS; up = higher).
    Threshold {
        /// Band index.
        band: usize,
        /// New threshold (dBFS, clamped to −80 … 0).
        threshold_db: f32,
    },
    /// The threshold drag ended.
    ThresholdEnd(usize),
}

/// A frequency range shaded behind the curves, e.g. Gel Link's collisions. The strip at its top
/// shows `label` and is clickable ([`GraphEvent::ShadeClicked`]).
#[derive(Debug, Clone, PartialEq)]
pub struct GraphShade {
    /// Lower edge (Hz).
    pub lo_hz: f32,
    /// Upper edge (Hz).
    pub hi_hz: f32,
    /// Fill of the range; its label strip is drawn in the same colour, more opaque.
    pub colour: Color32,
    /// Text in the label strip (hover text and click target even when empty).
    pub label: String,
}

/// Height of a shade's clickable label strip at the top of the plot (points).
pub const SHADE_STRIP_HEIGHT: f32 = 16.0;

/// The label strip of `shade` in `map`'s plot (clamped to the plot).
pub fn shade_strip(map: &GraphMapping, shade: &GraphShade) -> Rect {
    let plot = map.rect;
    let x0 = map.freq.x_of(plot, map.freq.clamp(shade.lo_hz));
    let x1 = map.freq.x_of(plot, map.freq.clamp(shade.hi_hz));
    Rect::from_min_max(
        Pos2::new(x0.min(x1), plot.top()),
        Pos2::new(
            x0.max(x1).max(x0.min(x1) + 2.0),
            plot.top() + SHADE_STRIP_HEIGHT,
        ),
    )
}

/// Threshold change (dB) per point of vertical Ctrl-drag.
pub const THRESHOLD_DB_PER_POINT: f32 = 0.25;

/// State of a threshold drag kept in egui memory.
#[derive(Debug, Clone, Copy)]
struct ThresholdDrag {
    band: usize,
    start_db: f32,
    start_y: f32,
}

/// Drag state kept in egui memory between frames.
#[derive(Debug, Clone, Copy)]
struct DragState {
    band: usize,
    /// Node position minus pointer position when the drag began, so the node does not jump.
    grab_offset: Vec2,
    /// Node position the drag is at (fine mode moves it slower than the pointer).
    node: Pos2,
}

/// The EQ display widget. Build it each frame, then call [`show`](Self::show).
pub struct EqGraph<'a> {
    bands: &'a [Option<GraphBand>],
    range: GainRange,
    selected: Option<usize>,
    solo: Option<usize>,
    traces: Vec<SpectrumTrace<'a>>,
    shades: Vec<GraphShade>,
    level_scale: LevelScale,
    size: Vec2,
}

impl<'a> EqGraph<'a> {
    /// A graph of `bands` (index = band number − 1; `None` = unused slot).
    pub fn new(bands: &'a [Option<GraphBand>], range: GainRange) -> Self {
        Self {
            bands,
            range,
            selected: None,
            solo: None,
            traces: Vec::new(),
            shades: Vec::new(),
            level_scale: crate::spectrum_view::DEFAULT_LEVEL_SCALE,
            size: Vec2::new(800.0, 320.0),
        }
    }

    /// Highlight the selected band.
    pub fn selected(mut self, band: Option<usize>) -> Self {
        self.selected = band;
        self
    }

    /// Mark the soloed band (others are dimmed).
    pub fn solo(mut self, band: Option<usize>) -> Self {
        self.solo = band;
        self
    }

    /// Add an analyzer trace (drawn under the curves, in the order added).
    pub fn trace(mut self, trace: SpectrumTrace<'a>) -> Self {
        self.traces.push(trace);
        self
    }

    /// Shade a frequency range behind the curves (drawn in the order added).
    pub fn shade(mut self, shade: GraphShade) -> Self {
        self.shades.push(shade);
        self
    }

    /// Vertical scale of the analyzer traces.
    pub fn level_scale(mut self, scale: LevelScale) -> Self {
        self.level_scale = scale;
        self
    }

    /// Size of the widget (points).
    pub fn size(mut self, size: Vec2) -> Self {
        self.size = size;
        self
    }

    /// Draw and handle input. Returns the response (use `response.context_menu` for the
    /// right-click menu) and the events of this frame.
    pub fn show(self, ui: &mut Ui) -> (Response, Vec<GraphEvent>) {
        let (outer, response) = ui.allocate_exact_size(self.size, Sense::click_and_drag());
        // Leave room for the dB labels on the left.
        let plot = Rect::from_min_max(outer.min + Vec2::new(34.0, 0.0), outer.max);
        let map = GraphMapping::new(plot, self.range);
        let nodes: Vec<Option<Pos2>> = self
            .bands
            .iter()
            .map(|b| {
                b.as_ref()
                    .map(|b| map.pos_of(map.freq.clamp(b.band.freq_hz), node_db(&b.band)))
            })
            .collect();
        let events = self.handle_input(ui, &response, &map, &nodes);
        if ui.is_rect_visible(outer) {
            self.paint(ui, &response, outer, &map, &nodes);
        }
        (response, events)
    }

    fn handle_input(
        &self,
        ui: &Ui,
        response: &Response,
        map: &GraphMapping,
        nodes: &[Option<Pos2>],
    ) -> Vec<GraphEvent> {
        let mut events = Vec::new();
        let drag_id = response.id.with("gel-eq-graph-drag");
        let (alt, shift) = ui.input(|i| (i.modifiers.alt, i.modifiers.shift));
        let press_origin = ui.input(|i| i.pointer.press_origin());
        let hover = response.hover_pos();
        let range = self.range.db();
        let clamp_value = |pos: Pos2| {
            let (f, db) = map.value_at(pos);
            (map.freq.clamp(f), db.clamp(-range, range))
        };

        let command = ui.input(|i| i.modifiers.command);
        let threshold_id = response.id.with("gel-eq-graph-threshold");
        if response.drag_started_by(egui::PointerButton::Primary) && command && !alt {
            if let Some(origin) = press_origin {
                if let Some(band) = hit_test(nodes, origin, NODE_GRAB_RADIUS) {
                    if let Some(Some(GraphBand {
                        dynamic: Some(view),
                        ..
                    })) = self.bands.get(band)
                    {
                        let state = ThresholdDrag {
                            band,
                            start_db: view.threshold_db,
                            start_y: origin.y,
                        };
                        ui.data_mut(|d| d.insert_temp(threshold_id, state));
                        events.push(GraphEvent::Select(band));
                        events.push(GraphEvent::ThresholdStart(band));
                    }
                }
            }
        }
        let threshold_drag: Option<ThresholdDrag> = ui.data(|d| d.get_temp(threshold_id));
        if let Some(state) = threshold_drag {
            if response.dragged_by(egui::PointerButton::Primary) {
                if let Some(p) = response.interact_pointer_pos() {
                    let scale = if shift { 0.1 } else { 1.0 };
                    let db =
                        state.start_db + (state.start_y - p.y) * THRESHOLD_DB_PER_POINT * scale;
                    events.push(GraphEvent::Threshold {
                        band: state.band,
                        threshold_db: db.clamp(-80.0, 0.0),
                    });
                }
            }
            if response.drag_stopped() || !response.is_pointer_button_down_on() {
                ui.data_mut(|d| d.remove::<ThresholdDrag>(threshold_id));
                events.push(GraphEvent::ThresholdEnd(state.band));
            }
            return events;
        }
        if response.drag_started_by(egui::PointerButton::Primary) && !alt && !command {
            if let Some(origin) = press_origin {
                if let Some(band) = hit_test(nodes, origin, NODE_GRAB_RADIUS) {
                    let node = nodes[band].unwrap_or(origin);
                    let state = DragState {
                        band,
                        grab_offset: node - origin,
                        node,
                    };
                    ui.data_mut(|d| d.insert_temp(drag_id, state));
                    events.push(GraphEvent::Select(band));
                    events.push(GraphEvent::DragStart(band));
                }
            }
        }
        let drag: Option<DragState> = ui.data(|d| d.get_temp(drag_id));
        if let Some(mut state) = drag {
            if response.dragged_by(egui::PointerButton::Primary) {
                if let Some(p) = response.interact_pointer_pos() {
                    if shift {
                        // Fine: the node moves a tenth of the pointer's way; re-anchor so
                        // releasing Shift does not jump.
                        state.node += response.drag_delta() / FINE_DRAG_FACTOR;
                        state.grab_offset = state.node - p;
                    } else {
                        state.node = p + state.grab_offset;
                    }
                }
                ui.data_mut(|d| d.insert_temp(drag_id, state));
                let (freq_hz, gain_db) = clamp_value(state.node);
                events.push(GraphEvent::Drag {
                    band: state.band,
                    freq_hz,
                    gain_db,
                });
            }
            if response.drag_stopped() || !response.is_pointer_button_down_on() {
                ui.data_mut(|d| d.remove::<DragState>(drag_id));
                events.push(GraphEvent::DragEnd(state.band));
            }
        }

        if response.clicked() {
            let pos = response.interact_pointer_pos();
            let target = pos.and_then(|p| hit_test(nodes, p, NODE_GRAB_RADIUS));
            match target {
                Some(band) if alt => events.push(GraphEvent::ToggleSolo(band)),
                Some(band) => events.push(GraphEvent::Select(band)),
                None => events.push(GraphEvent::Deselect),
            }
            let shade = pos.filter(|_| target.is_none()).and_then(|p| {
                self.shades
                    .iter()
                    .rposition(|s| shade_strip(map, s).contains(p))
            });
            if let Some(shade) = shade {
                events.push(GraphEvent::ShadeClicked(shade));
            }
        }
        if response.double_clicked() {
            if let Some(p) = response.interact_pointer_pos() {
                if hit_test(nodes, p, NODE_GRAB_RADIUS).is_none() && map.rect.contains(p) {
                    let (freq_hz, gain_db) = clamp_value(p);
                    let kind = band_type_for_new_node(freq_hz);
                    let gain_db = if has_gain(kind) { gain_db } else { 0.0 };
                    events.push(GraphEvent::Add {
                        freq_hz,
                        gain_db,
                        kind,
                    });
                }
            }
        }
        if response.secondary_clicked() {
            let target = response
                .interact_pointer_pos()
                .and_then(|p| hit_test(nodes, p, NODE_GRAB_RADIUS));
            if let Some(band) = target {
                events.push(GraphEvent::Select(band));
            }
            events.push(GraphEvent::ContextMenu(target));
        }
        if let Some(p) = hover {
            let dragged = drag.map(|d| d.band);
            if let Some(band) = dragged.or_else(|| hit_test(nodes, p, NODE_GRAB_RADIUS)) {
                let notches = wheel_notches(ui);
                if notches != 0.0 {
                    events.push(GraphEvent::Wheel { band, notches });
                }
            }
        }
        if let Some(band) = self.selected {
            let typing = ui.ctx().egui_wants_keyboard_input();
            let delete = ui
                .input(|i| i.key_pressed(egui::Key::Delete) || i.key_pressed(egui::Key::Backspace));
            if delete && !typing && self.bands.get(band).is_some_and(Option::is_some) {
                events.push(GraphEvent::Delete(band));
            }
        }
        events
    }

    fn paint(
        &self,
        ui: &Ui,
        response: &Response,
        outer: Rect,
        map: &GraphMapping,
        nodes: &[Option<Pos2>],
    ) {
        let plot = map.rect;
        let painter = ui.painter_at(outer);
        painter.rect_filled(plot, CornerRadius::same(4), theme::DISPLAY);

        // Analyzer first, under everything else.
        let clipped = painter.with_clip_rect(plot);
        for trace in &self.traces {
            paint_trace(&clipped, plot, &map.freq, &self.level_scale, trace);
        }

        for shade in &self.shades {
            paint_shade(&clipped, map, shade, response.hover_pos());
        }

        map.freq.paint_grid(&clipped, plot);
        self.paint_gain_grid(&painter, map);

        // Curves.
        let n = ((plot.width() / CURVE_STEP_PX).ceil() as usize).max(2) + 1;
        let freqs: Vec<f32> = (0..n)
            .map(|i| map.freq.from_unit(i as f32 / (n - 1) as f32))
            .collect();
        let mut sum = vec![0.0f32; n];
        let mut curve = vec![0.0f32; n];
        let zero_y = map.gain.y_of(plot, 0.0);
        let mut any = false;
        for (i, band) in self.bands.iter().enumerate() {
            let Some(b) = band else { continue };
            if !b.enabled {
                continue;
            }
            any = true;
            let dimmed = self.solo.is_some_and(|s| s != i);
            let colour = band_colour(i);
            band_curve_db(&b.band, &freqs, &mut curve);
            if let Some(view) = b.dynamic {
                // The range: shaded between flat (where the band rests) and the static curve
                // (where it moves to), the static curve dashed; then the live curve as a band.
                let points = curve_points(map, &freqs, &curve);
                clipped.add(fill_to_baseline(
                    &points,
                    zero_y,
                    colour.gamma_multiply(if dimmed { 0.03 } else { 0.07 }),
                ));
                clipped.extend(Shape::dashed_line(
                    &points,
                    Stroke::new(1.0, colour.gamma_multiply(if dimmed { 0.2 } else { 0.6 })),
                    4.0,
                    3.0,
                ));
                let live = EqBand {
                    gain_db: view.live_gain_db.unwrap_or(0.0),
                    ..b.band
                };
                band_curve_db(&live, &freqs, &mut curve);
            }
            for (s, c) in sum.iter_mut().zip(&curve) {
                *s += c;
            }
            let highlight = self.selected == Some(i) || self.solo == Some(i);
            let fill_alpha = if dimmed {
                0.04
            } else if highlight {
                0.22
            } else {
                0.10
            };
            let points = curve_points(map, &freqs, &curve);
            clipped.add(fill_to_baseline(
                &points,
                zero_y,
                colour.gamma_multiply(fill_alpha),
            ));
            let line_alpha = if dimmed { 0.25 } else { 0.7 };
            clipped.add(Shape::line(
                points,
                Stroke::new(1.0, colour.gamma_multiply(line_alpha)),
            ));
        }
        if any {
            clipped.add(Shape::line(
                curve_points(map, &freqs, &sum),
                Stroke::new(2.5, theme::TEXT),
            ));
        } else {
            clipped.line_segment(
                [
                    Pos2::new(plot.left(), zero_y),
                    Pos2::new(plot.right(), zero_y),
                ],
                Stroke::new(1.5, theme::mix(theme::TEXT, theme::DISPLAY, 0.4)),
            );
            clipped.text(
                plot.center() + Vec2::new(0.0, 18.0),
                Align2::CENTER_CENTER,
                "Double-click to add a band",
                theme::body_font(),
                theme::TEXT_DIM,
            );
        }

        // Nodes.
        let hover = response.hover_pos();
        let hovered = hover.and_then(|p| hit_test(nodes, p, NODE_GRAB_RADIUS));
        for (i, band) in self.bands.iter().enumerate() {
            let (Some(b), Some(pos)) = (band, nodes[i]) else {
                continue;
            };
            self.paint_node(&painter, i, b, pos, hovered == Some(i));
        }
        if let (Some(i), Some(p)) = (hovered, hover) {
            if let Some(b) = &self.bands[i] {
                paint_readout(&painter, plot, p, i, b);
            }
        }
        painter.rect_stroke(
            plot,
            CornerRadius::same(4),
            Stroke::new(1.0, theme::OUTLINE),
            egui::StrokeKind::Inside,
        );
    }

    fn paint_gain_grid(&self, painter: &Painter, map: &GraphMapping) {
        let plot = map.rect;
        let step = self.range.grid_step_db();
        let range = self.range.db();
        let mut db = -range;
        while db <= range + 1e-3 {
            let y = map.gain.y_of(plot, db).round() + 0.5;
            let stroke = if db.abs() < 1e-3 {
                Stroke::new(1.0, theme::OUTLINE)
            } else {
                Stroke::new(1.0, theme::GRID)
            };
            if db.abs() < range - 1e-3 || db.abs() < 1e-3 {
                painter.line_segment(
                    [Pos2::new(plot.left(), y), Pos2::new(plot.right(), y)],
                    stroke,
                );
            }
            let label = if db.abs() < 1e-3 {
                "0 dB".to_owned()
            } else {
                format!("{db:+.0}")
            };
            let anchor = if db >= range - 1e-3 {
                Align2::RIGHT_TOP
            } else if db <= -range + 1e-3 {
                Align2::RIGHT_BOTTOM
            } else {
                Align2::RIGHT_CENTER
            };
            painter.text(
                Pos2::new(plot.left() - 4.0, y),
                anchor,
                label,
                theme::small_font(),
                theme::TEXT_DIM,
            );
            db += step;
        }
    }

    fn paint_node(&self, painter: &Painter, i: usize, b: &GraphBand, pos: Pos2, hovered: bool) {
        let colour = band_colour(i);
        let selected = self.selected == Some(i);
        let soloed = self.solo == Some(i);
        let dimmed = self.solo.is_some_and(|s| s != i);
        let radius = if hovered || selected {
            NODE_RADIUS + 1.5
        } else {
            NODE_RADIUS
        };
        if soloed {
            painter.circle_stroke(pos, radius + 4.0, Stroke::new(1.5, theme::METER_YELLOW));
        }
        let (fill, text) = if !b.enabled {
            (theme::RAISED, theme::TEXT_DIM)
        } else if dimmed {
            (colour.gamma_multiply(0.4), theme::DISPLAY)
        } else {
            (colour, theme::DISPLAY)
        };
        let ring = if selected {
            Stroke::new(2.0, theme::TEXT)
        } else if b.enabled {
            Stroke::new(1.0, theme::DISPLAY)
        } else {
            Stroke::new(1.5, colour.gamma_multiply(0.6))
        };
        painter.circle(pos, radius, fill, ring);
        painter.text(
            pos,
            Align2::CENTER_CENTER,
            format!("{}", i + 1),
            egui::FontId::proportional(10.0),
            text,
        );
        if let Some(tag) = b.tag {
            painter.text(
                pos + Vec2::new(0.0, radius + 2.0),
                Align2::CENTER_TOP,
                tag,
                theme::small_font(),
                colour,
            );
        }
        if let (Some(view), true) = (b.dynamic, b.enabled) {
            // The live move above the node, and a ring whose arc shows how much of the range
            // is in use.
            let live = view.live_gain_db.unwrap_or(0.0);
            painter.text(
                pos - Vec2::new(0.0, radius + 3.0),
                Align2::CENTER_BOTTOM,
                format!("{live:+.1} dB"),
                theme::small_font(),
                colour,
            );
            let range = b.band.gain_db.abs();
            let used = if range > 1e-3 {
                (live.abs() / range).clamp(0.0, 1.0)
            } else {
                0.0
            };
            painter.circle_stroke(
                pos,
                radius + 2.5,
                Stroke::new(1.0, colour.gamma_multiply(0.35)),
            );
            if used > 0.005 {
                let n = 24;
                let arc: Vec<Pos2> = (0..=n)
                    .map(|k| {
                        let a = -std::f32::consts::FRAC_PI_2
                            + std::f32::consts::TAU * used * k as f32 / n as f32;
                        pos + (radius + 2.5) * Vec2::new(a.cos(), a.sin())
                    })
                    .collect();
                painter.add(Shape::line(arc, Stroke::new(2.0, colour)));
            }
        }
    }
}

/// A shaded range and its label strip (brighter while hovered).
fn paint_shade(painter: &Painter, map: &GraphMapping, shade: &GraphShade, hover: Option<Pos2>) {
    let strip = shade_strip(map, shade);
    let range = Rect::from_x_y_ranges(strip.x_range(), map.rect.y_range());
    painter.rect_filled(range, CornerRadius::ZERO, shade.colour);
    let hovered = hover.is_some_and(|p| strip.contains(p));
    let opaque = shade.colour.to_opaque();
    let strip_fill = theme::mix(opaque, theme::DISPLAY, if hovered { 0.2 } else { 0.5 });
    painter.rect_filled(strip, CornerRadius::ZERO, strip_fill);
    if !shade.label.is_empty() {
        painter.text(
            strip.center(),
            Align2::CENTER_CENTER,
            &shade.label,
            theme::small_font(),
            theme::TEXT,
        );
    }
}

/// Screen points of a curve.
fn curve_points(map: &GraphMapping, freqs: &[f32], db: &[f32]) -> Vec<Pos2> {
    // Keep far-off values finite and near the display so lines stay straight when clipped.
    let limit = map.gain.range_db * 4.0;
    freqs
        .iter()
        .zip(db)
        .map(|(&f, &d)| map.pos_of(f, d.clamp(-limit, limit)))
        .collect()
}

/// Frequency as text: "85 Hz", "1.20 kHz", "12.5 kHz".
pub fn format_freq(hz: f32) -> String {
    if hz < 1000.0 {
        format!("{hz:.0} Hz")
    } else if hz < 10_000.0 {
        format!("{:.2} kHz", hz / 1000.0)
    } else {
        format!("{:.1} kHz", hz / 1000.0)
    }
}

/// The hovered node's values, in a small box near the pointer.
fn paint_readout(painter: &Painter, plot: Rect, pointer: Pos2, i: usize, b: &GraphBand) {
    let band = &b.band;
    let mut text = format!("{}  {}", i + 1, format_freq(band.freq_hz));
    if has_gain(band.kind) {
        text.push_str(&format!("  {:+.1} dB", band.gain_db));
    }
    text.push_str(&format!("  Q {:.2}", band.q));
    let galley = painter.layout_no_wrap(text, theme::small_font(), theme::TEXT);
    let size = galley.size() + Vec2::new(10.0, 6.0);
    let mut min = pointer + Vec2::new(14.0, -size.y - 10.0);
    min.x = min.x.min(plot.right() - size.x - 2.0);
    min.y = min.y.max(plot.top() + 2.0);
    let rect = Rect::from_min_size(min, size);
    painter.rect_filled(rect, CornerRadius::same(3), theme::PANEL);
    painter.rect_stroke(
        rect,
        CornerRadius::same(3),
        Stroke::new(1.0, theme::OUTLINE),
        egui::StrokeKind::Inside,
    );
    painter.galley(rect.min + Vec2::new(5.0, 3.0), galley, theme::TEXT);
}

#[cfg(test)]
mod tests {
    use super::*;
    use gel_dsp::eq::{analog_magnitude_db, CutSlope};

    fn rect() -> Rect {
        Rect::from_min_size(Pos2::new(40.0, 20.0), Vec2::new(800.0, 300.0))
    }

    fn bell(f: f32, g: f32, q: f32) -> EqBand {
        EqBand {
            kind: BandType::Bell,
            freq_hz: f,
            gain_db: g,
            q,
            slope: CutSlope::Db12,
        }
    }

    #[test]
    fn gain_axis_round_trips_and_centres_zero() {
        for range in GainRange::ALL {
            let map = GraphMapping::new(rect(), range);
            let r = range.db();
            assert!((map.gain.y_of(map.rect, 0.0) - map.rect.center().y).abs() < 1e-4);
            assert!((map.gain.y_of(map.rect, r) - map.rect.top()).abs() < 1e-3);
            assert!((map.gain.y_of(map.rect, -r) - map.rect.bottom()).abs() < 1e-3);
            for db in [-r, -r / 3.0, 0.5, r] {
                let y = map.gain.y_of(map.rect, db);
                assert!((map.gain.db_at(map.rect, y) - db).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn graph_mapping_round_trips() {
        let map = GraphMapping::new(rect(), GainRange::Db12);
        for &(f, db) in &[
            (10.0f32, -12.0f32),
            (100.0, 3.5),
            (2_500.0, -7.25),
            (30_000.0, 12.0),
        ] {
            let p = map.pos_of(f, db);
            let (f2, db2) = map.value_at(p);
            assert!((f2 / f - 1.0).abs() < 1e-4, "{f} -> {f2}");
            assert!((db2 - db).abs() < 1e-4, "{db} -> {db2}");
        }
    }

    #[test]
    fn gain_range_switch_offers_6_12_30() {
        let dbs: Vec<f32> = GainRange::ALL.iter().map(|r| r.db()).collect();
        assert_eq!(dbs, vec![6.0, 12.0, 30.0]);
        assert_eq!(GainRange::default(), GainRange::Db12);
    }

    #[test]
    fn hit_test_picks_the_nearest_node_within_the_radius() {
        let nodes = [
            Some(Pos2::new(100.0, 100.0)),
            None,
            Some(Pos2::new(108.0, 100.0)),
            Some(Pos2::new(300.0, 50.0)),
        ];
        assert_eq!(hit_test(&nodes, Pos2::new(101.0, 100.0), 10.0), Some(0));
        assert_eq!(hit_test(&nodes, Pos2::new(106.0, 101.0), 10.0), Some(2));
        assert_eq!(hit_test(&nodes, Pos2::new(300.0, 59.0), 10.0), Some(3));
        assert_eq!(hit_test(&nodes, Pos2::new(300.0, 61.0), 10.0), None);
        assert_eq!(hit_test(&nodes, Pos2::new(200.0, 100.0), 10.0), None);
        // Exactly between two nodes: the later (drawn on top) wins.
        assert_eq!(hit_test(&nodes, Pos2::new(104.0, 100.0), 10.0), Some(2));
        assert_eq!(hit_test(&[None, None], Pos2::ZERO, 10.0), None);
    }

    #[test]
    fn node_sits_on_its_gain_or_on_zero_for_cuts() {
        let map = GraphMapping::new(rect(), GainRange::Db12);
        let b = bell(1_000.0, 6.0, 1.0);
        let p = map.pos_of(b.freq_hz, node_db(&b));
        let (f, db) = map.value_at(p);
        assert!((f - 1_000.0).abs() < 0.1 && (db - 6.0).abs() < 1e-4);
        let cut = EqBand {
            kind: BandType::LowCut,
            gain_db: 9.0,
            ..b
        };
        assert_eq!(node_db(&cut), 0.0);
    }

    #[test]
    fn new_node_type_depends_on_position() {
        assert_eq!(band_type_for_new_node(20.0), BandType::LowCut);
        assert_eq!(band_type_for_new_node(30.0), BandType::Bell);
        assert_eq!(band_type_for_new_node(1_000.0), BandType::Bell);
        assert_eq!(band_type_for_new_node(15_000.0), BandType::Bell);
        assert_eq!(band_type_for_new_node(18_000.0), BandType::HighCut);
    }

    #[test]
    fn band_curve_is_the_analog_magnitude() {
        let b = bell(500.0, -4.0, 2.0);
        let freqs = [20.0, 250.0, 500.0, 1_000.0, 20_000.0];
        let mut out = [0.0; 5];
        band_curve_db(&b, &freqs, &mut out);
        for (f, o) in freqs.iter().zip(out) {
            let expected = analog_magnitude_db(&b, *f as f64) as f32;
            assert!((o - expected).abs() < 1e-5);
        }
        assert!((out[2] + 4.0).abs() < 1e-3, "a bell reads its gain at f0");
    }

    #[test]
    fn sum_curve_equals_the_sum_of_band_db() {
        let bands = [
            bell(100.0, 6.0, 0.7),
            bell(3_000.0, -9.0, 4.0),
            EqBand {
                kind: BandType::LowCut,
                freq_hz: 40.0,
                gain_db: 0.0,
                q: 0.707,
                slope: CutSlope::Db24,
            },
            EqBand {
                kind: BandType::HighShelf,
                freq_hz: 8_000.0,
                gain_db: 3.0,
                q: 0.707,
                slope: CutSlope::Db12,
            },
        ];
        let freqs: Vec<f32> = crate::freq_axis::FREQ_TICKS.iter().map(|t| t.0).collect();
        let mut sum = vec![0.0; freqs.len()];
        sum_curve_db(&bands, &freqs, &mut sum);
        for (i, &f) in freqs.iter().enumerate() {
            let expected: f64 = bands.iter().map(|b| analog_magnitude_db(b, f as f64)).sum();
            assert!(
                (sum[i] as f64 - expected).abs() < 1e-3,
                "{f} Hz: {} vs {expected}",
                sum[i]
            );
        }
        let mut empty = vec![1.0; freqs.len()];
        sum_curve_db(&[], &freqs, &mut empty);
        assert!(empty.iter().all(|&d| d == 0.0), "no bands: flat");
    }

    #[test]
    fn band_colours_differ() {
        let colours: Vec<Color32> = (0..16).map(band_colour).collect();
        for i in 0..16 {
            for j in i + 1..16 {
                assert_ne!(colours[i], colours[j]);
            }
        }
    }

    /// Drives an [`EqGraph`] in a headless egui context with synthetic input.
    struct Harness {
        ctx: egui::Context,
        time: f64,
        bands: Vec<Option<GraphBand>>,
        selected: Option<usize>,
        map: Option<GraphMapping>,
        shades: Vec<GraphShade>,
    }

    impl Harness {
        fn new(bands: Vec<Option<GraphBand>>) -> Self {
            let mut h = Self {
                ctx: egui::Context::default(),
                time: 0.0,
                bands,
                selected: None,
                map: None,
                shades: Vec::new(),
            };
            h.frame(vec![], egui::Modifiers::NONE);
            h
        }

        fn frame(
            &mut self,
            events: Vec<egui::Event>,
            modifiers: egui::Modifiers,
        ) -> Vec<GraphEvent> {
            self.time += 1.0 / 30.0;
            let mut events = events;
            events.insert(0, egui::Event::ModifiersChanged(modifiers));
            let raw = egui::RawInput {
                screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1000.0, 600.0))),
                time: Some(self.time),
                events,
                ..Default::default()
            };
            let mut out = Vec::new();
            let mut outer = Rect::NOTHING;
            let mut output = self.ctx.run_ui(raw, |ui| {
                let mut graph = EqGraph::new(&self.bands, GainRange::Db12)
                    .selected(self.selected)
                    .size(Vec2::new(800.0, 300.0));
                for shade in &self.shades {
                    graph = graph.shade(shade.clone());
                }
                let (response, events) = graph.show(ui);
                outer = response.rect;
                out = events;
            });
            // Nothing renders here: drop the font texture upload egui asks for.
            output.textures_delta.clear();
            let plot = Rect::from_min_max(outer.min + Vec2::new(34.0, 0.0), outer.max);
            self.map = Some(GraphMapping::new(plot, GainRange::Db12));
            out
        }

        fn pos(&self, hz: f32, db: f32) -> Pos2 {
            self.map.unwrap().pos_of(hz, db)
        }

        fn button(
            &mut self,
            pos: Pos2,
            button: egui::PointerButton,
            pressed: bool,
            m: egui::Modifiers,
        ) -> Vec<GraphEvent> {
            self.frame(
                vec![
                    egui::Event::PointerMoved(pos),
                    egui::Event::PointerButton {
                        pos,
                        button,
                        pressed,
                        modifiers: m,
                    },
                ],
                m,
            )
        }

        fn click(
            &mut self,
            pos: Pos2,
            button: egui::PointerButton,
            m: egui::Modifiers,
        ) -> Vec<GraphEvent> {
            let mut events = self.button(pos, button, true, m);
            events.extend(self.button(pos, button, false, m));
            events
        }
    }

    fn one_bell_at_1k() -> Vec<Option<GraphBand>> {
        let mut bands = vec![None; 4];
        bands[2] = Some(GraphBand {
            dynamic: None,
            band: bell(1_000.0, 6.0, 1.0),
            enabled: true,
            tag: None,
        });
        bands
    }

    #[test]
    fn double_click_on_empty_space_adds_a_band_there() {
        let mut h = Harness::new(one_bell_at_1k());
        let at = h.pos(200.0, -4.0);
        let mut events = h.click(at, egui::PointerButton::Primary, egui::Modifiers::NONE);
        events.extend(h.click(at, egui::PointerButton::Primary, egui::Modifiers::NONE));
        let added: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                GraphEvent::Add {
                    freq_hz,
                    gain_db,
                    kind,
                } => Some((*freq_hz, *gain_db, *kind)),
                _ => None,
            })
            .collect();
        assert_eq!(added.len(), 1, "{events:?}");
        let (f, g, kind) = added[0];
        assert!((f / 200.0 - 1.0).abs() < 0.01, "{f}");
        assert!((g + 4.0).abs() < 0.05, "{g}");
        assert_eq!(kind, BandType::Bell);

        // Near the left edge, a second later (not a triple click): a low cut, at 0 dB.
        h.time += 1.0;
        let at = h.pos(20.0, -6.0);
        let mut events = h.click(at, egui::PointerButton::Primary, egui::Modifiers::NONE);
        events.extend(h.click(at, egui::PointerButton::Primary, egui::Modifiers::NONE));
        assert!(
            events.iter().any(|e| matches!(
                e,
                GraphEvent::Add { kind: BandType::LowCut, gain_db, .. } if *gain_db == 0.0
            )),
            "{events:?}"
        );
    }

    #[test]
    fn dragging_a_node_reports_frequency_and_gain_in_one_gesture() {
        let mut h = Harness::new(one_bell_at_1k());
        let node = h.pos(1_000.0, 6.0);
        let target = h.pos(2_000.0, -3.0);
        let none = egui::Modifiers::NONE;
        let mut events = h.button(node, egui::PointerButton::Primary, true, none);
        for i in 1..=10 {
            let p = node + (target - node) * (i as f32 / 10.0);
            events.extend(h.frame(vec![egui::Event::PointerMoved(p)], none));
        }
        events.extend(h.button(target, egui::PointerButton::Primary, false, none));
        events.extend(h.frame(vec![], none));
        assert_eq!(
            events
                .iter()
                .filter(|e| **e == GraphEvent::DragStart(2))
                .count(),
            1,
            "{events:?}"
        );
        assert_eq!(
            events
                .iter()
                .filter(|e| **e == GraphEvent::DragEnd(2))
                .count(),
            1,
            "{events:?}"
        );
        let start = events
            .iter()
            .position(|e| *e == GraphEvent::DragStart(2))
            .unwrap();
        let end = events
            .iter()
            .position(|e| *e == GraphEvent::DragEnd(2))
            .unwrap();
        assert!(start < end);
        let last = events[..end]
            .iter()
            .rev()
            .find_map(|e| match e {
                GraphEvent::Drag {
                    band: 2,
                    freq_hz,
                    gain_db,
                } => Some((*freq_hz, *gain_db)),
                _ => None,
            })
            .expect("drag events");
        assert!((last.0 / 2_000.0 - 1.0).abs() < 0.01, "{last:?}");
        assert!((last.1 + 3.0).abs() < 0.05, "{last:?}");
        assert!(events.contains(&GraphEvent::Select(2)));
    }

    #[test]
    fn wheel_alt_click_right_click_and_delete_target_the_node() {
        let mut h = Harness::new(one_bell_at_1k());
        let node = h.pos(1_000.0, 6.0);
        let none = egui::Modifiers::NONE;
        h.frame(vec![egui::Event::PointerMoved(node)], none);
        let events = h.frame(
            vec![egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Line,
                delta: Vec2::new(0.0, 1.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
                modifiers: none,
            }],
            none,
        );
        assert!(
            events.contains(&GraphEvent::Wheel {
                band: 2,
                notches: 1.0
            }),
            "{events:?}"
        );

        let events = h.click(node, egui::PointerButton::Primary, egui::Modifiers::ALT);
        assert!(events.contains(&GraphEvent::ToggleSolo(2)), "{events:?}");

        let events = h.click(node, egui::PointerButton::Secondary, none);
        assert!(
            events.contains(&GraphEvent::ContextMenu(Some(2))),
            "{events:?}"
        );
        let empty = h.pos(100.0, -10.0);
        let events = h.click(empty, egui::PointerButton::Secondary, none);
        assert!(
            events.contains(&GraphEvent::ContextMenu(None)),
            "{events:?}"
        );

        h.selected = Some(2);
        let key = |pressed| egui::Event::Key {
            key: egui::Key::Delete,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers: none,
        };
        let events = h.frame(vec![key(true), key(false)], none);
        assert!(events.contains(&GraphEvent::Delete(2)), "{events:?}");
    }

    #[test]
    fn a_click_on_a_shade_strip_reports_that_shade() {
        let mut h = Harness::new(one_bell_at_1k());
        let shade = |lo_hz, hi_hz| GraphShade {
            lo_hz,
            hi_hz,
            colour: Color32::RED,
            label: "cut".into(),
        };
        h.shades = vec![shade(60.0, 110.0), shade(2_000.0, 4_000.0)];
        h.frame(vec![], egui::Modifiers::NONE);
        let none = egui::Modifiers::NONE;
        let top = h.map.unwrap().rect.top() + SHADE_STRIP_HEIGHT / 2.0;
        let at = |h: &Harness, hz: f32| Pos2::new(h.pos(hz, 0.0).x, top);
        let events = h.click(at(&h, 80.0), egui::PointerButton::Primary, none);
        assert!(events.contains(&GraphEvent::ShadeClicked(0)), "{events:?}");
        h.time += 1.0;
        let events = h.click(at(&h, 3_000.0), egui::PointerButton::Primary, none);
        assert!(events.contains(&GraphEvent::ShadeClicked(1)), "{events:?}");
        // Outside every range, or below the strip inside one: nothing.
        h.time += 1.0;
        let events = h.click(at(&h, 500.0), egui::PointerButton::Primary, none);
        assert!(!events
            .iter()
            .any(|e| matches!(e, GraphEvent::ShadeClicked(_))));
        h.time += 1.0;
        let below = h.pos(80.0, -6.0);
        let events = h.click(below, egui::PointerButton::Primary, none);
        assert!(!events
            .iter()
            .any(|e| matches!(e, GraphEvent::ShadeClicked(_))));
    }

    #[test]
    fn frequency_text() {
        assert_eq!(format_freq(85.0), "85 Hz");
        assert_eq!(format_freq(1_200.0), "1.20 kHz");
        assert_eq!(format_freq(12_500.0), "12.5 kHz");
    }
}
