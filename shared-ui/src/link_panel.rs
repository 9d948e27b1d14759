//! Gel Link in the editors: the list of the other Gel instances of this DAW session, their
//! spectra overlaid on Gel EQ's graph, the collision view, and (for Gel Panner) where each
//! linked track sits in the stereo field.
//!
//! - [`TrackLabel`]: the name this instance shares — the host's track name (CLAP `track-info`,
//!   VST3 channel context, delivered through [`GelEditor::on_track_name`]) or, when the host
//!   gives none, the label the user types into the panel.
//! - [`EqLinkPanel`]: Gel EQ's side column (status, label field, instance list with overlay
//!   checkboxes and the collision partner, worst-collision readout), the overlay traces and
//!   collision shades for [`EqGraph`](crate::eq_graph::EqGraph), and the click on a collision
//!   that asks the editor for a bell band ([`BellRequest`]).
//! - [`PannerLinkPanel`]: Gel Panner's list with a stereo-field map (balance across, width up)
//!   with one marker per linked track.
//!
//! GUI thread only: the registry is read with [`LinkHandle::instances`] a few times per second
//! (the instances publish a few times per second), never from the audio thread. Collision math
//! is gel-dsp's ([`gel_dsp::analysis::collision`]).
//!
//! [`GelEditor::on_track_name`]: crate::GelEditor::on_track_name

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use egui::{
    Align2, Color32, CornerRadius, Pos2, Rect, RichText, Sense, Shape, Stroke, TextEdit, Ui, Vec2,
};
use gel_dsp::analysis::collision::{
    bell_for_range, find_collisions, range_edges_hz, CollisionRange, CollisionSettings,
};
use gel_link::{
    band_edges_hz, bin_freq_hz, InstanceView, LinkHandle, LinkStatus, PluginKind, SPECTRUM_BINS,
};

use crate::eq_graph::{format_freq, GraphShade};
use crate::spectrum_view::{SpectrumTrace, TraceStyle};
use crate::theme;

/// How often the panels re-read the registry.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Gain of the bell a click on a collision creates (dB): a gentle cut to start from.
pub const COLLISION_CUT_DB: f32 = -4.0;
/// Width of Gel EQ's link column (points).
pub const EQ_COLUMN_WIDTH: f32 = 236.0;
/// Most rows the EQ's instance list shows before it scrolls.
const LIST_ROWS: usize = 7;

// ---------------------------------------------------------------------------------------------
// The shared label
// ---------------------------------------------------------------------------------------------

/// The name this instance shows in every other instance's list: the host's track name when it
/// gives one, else the user's label, else gel-link's default ("Gel EQ #3"). Shared between the
/// editor object (which hears the host's name on the main thread) and the panel (GUI thread).
pub struct TrackLabel {
    handle: Arc<LinkHandle>,
    names: Mutex<Names>,
}

#[derive(Default)]
struct Names {
    host: String,
    user: String,
}

impl TrackLabel {
    /// A label for `handle`'s instance, with no name yet.
    pub fn new(handle: Arc<LinkHandle>) -> Arc<Self> {
        Arc::new(Self {
            handle,
            names: Mutex::new(Names::default()),
        })
    }

    /// `editor` hands the host's track name to this label (see [`GelEditor::on_track_name`]).
    ///
    /// [`GelEditor::on_track_name`]: crate::GelEditor::on_track_name
    pub fn follow_host(self: &Arc<Self>, editor: crate::GelEditor) -> crate::GelEditor {
        let label = self.clone();
        editor.on_track_name(move |name| label.set_host_name(name))
    }

    /// The registry handle.
    pub fn handle(&self) -> &Arc<LinkHandle> {
        &self.handle
    }

    /// The host reported the track's name (empty: it has none). Main thread.
    pub fn set_host_name(&self, name: &str) {
        self.update(|n| n.host = name.trim().to_owned());
    }

    /// The user typed a label (used while the host gives no name). GUI thread.
    pub fn set_user_label(&self, label: &str) {
        self.update(|n| n.user = label.trim().to_owned());
    }

    /// The host's track name, if it gave one.
    pub fn host_name(&self) -> Option<String> {
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        (!names.host.is_empty()).then(|| names.host.clone())
    }

    /// The user's label (may be empty).
    pub fn user_label(&self) -> String {
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        names.user.clone()
    }

    /// What is shared: the host's name, else the user's label, else empty (gel-link's default).
    pub fn effective(&self) -> String {
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        effective_label(&names.host, &names.user).to_owned()
    }

    fn update(&self, f: impl FnOnce(&mut Names)) {
        let label = {
            let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut names);
            effective_label(&names.host, &names.user).to_owned()
        };
        self.handle.set_label(&label);
    }
}

/// The host's name wins over the user's label; both empty gives "" (the registry's default).
pub fn effective_label<'a>(host: &'a str, user: &'a str) -> &'a str {
    if !host.is_empty() {
        host
    } else {
        user
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// Short tag of a plugin kind for the lists.
pub fn kind_tag(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Eq => "EQ",
        PluginKind::Compressor => "CMP",
        PluginKind::Panner => "PAN",
        PluginKind::Reverb => "VRB",
        PluginKind::Delay => "DLY",
    }
}

/// Colours of the other tracks, in list order; distinct from the EQ's band colours (which are
/// pastel hues at 55 % saturation) by being fully saturated and a little darker.
const TRACK_COLOURS: [Color32; 8] = [
    Color32::from_rgb(0xff, 0x8a, 0x3d), // orange
    Color32::from_rgb(0xb4, 0x7c, 0xff), // violet
    Color32::from_rgb(0x4d, 0xd6, 0x6e), // green
    Color32::from_rgb(0xff, 0x5c, 0x8a), // pink
    Color32::from_rgb(0x3d, 0xa5, 0xff), // blue
    Color32::from_rgb(0xf2, 0xd2, 0x3c), // yellow
    Color32::from_rgb(0x3c, 0xe0, 0xd0), // turquoise
    Color32::from_rgb(0xff, 0xb8, 0xf0), // light pink
];

/// The colour of the `index`-th other track.
pub fn track_colour(index: usize) -> Color32 {
    TRACK_COLOURS[index % TRACK_COLOURS.len()]
}

/// Remembers which colour each instance got, so a track keeps its colour while others come and
/// go (a new track takes the lowest colour no live track uses).
#[derive(Default)]
struct ColourBook {
    assigned: Vec<(u64, usize)>,
}

impl ColourBook {
    fn update(&mut self, live: &[InstanceView]) {
        self.assigned
            .retain(|(id, _)| live.iter().any(|v| v.id == *id && !v.is_self));
        for v in live.iter().filter(|v| !v.is_self) {
            if self.assigned.iter().all(|(id, _)| *id != v.id) {
                let free = (0..)
                    .find(|c| self.assigned.iter().all(|(_, used)| used != c))
                    .unwrap_or(0);
                self.assigned.push((v.id, free));
            }
        }
    }

    fn colour(&self, id: u64) -> Color32 {
        self.assigned
            .iter()
            .find(|(i, _)| *i == id)
            .map_or(theme::TEXT_DIM, |(_, c)| track_colour(*c))
    }
}

/// The registry read at most every [`POLL_INTERVAL`]: the live instances, self first, then the
/// others in the registry's order.
struct Poller {
    instances: Vec<InstanceView>,
    last: Option<Instant>,
    colours: ColourBook,
}

impl Poller {
    fn new() -> Self {
        Self {
            instances: Vec::new(),
            last: None,
            colours: ColourBook::default(),
        }
    }

    /// Re-read when due; returns true when it did.
    fn poll(&mut self, handle: &LinkHandle) -> bool {
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < POLL_INTERVAL) {
            return false;
        }
        self.last = Some(now);
        handle.instances(&mut self.instances);
        // Self first, then the others in a stable order.
        self.instances.sort_by_key(|v| (!v.is_self, v.id));
        self.colours.update(&self.instances);
        true
    }

    fn me(&self) -> Option<&InstanceView> {
        self.instances.iter().find(|v| v.is_self)
    }

    fn others(&self) -> impl Iterator<Item = &InstanceView> {
        self.instances.iter().filter(|v| !v.is_self)
    }

    fn find(&self, id: u64) -> Option<&InstanceView> {
        self.instances.iter().find(|v| v.id == id)
    }
}

/// The status line: "Linked · 3 other tracks" or "Link off: <reason>".
fn status_line(ui: &mut Ui, status: &LinkStatus, others: usize) {
    match status {
        LinkStatus::Shared => {
            let text = match others {
                0 => "Linked · no other Gel tracks yet".to_owned(),
                1 => "Linked · 1 other track".to_owned(),
                n => format!("Linked · {n} other tracks"),
            };
            ui.label(
                RichText::new(text)
                    .font(theme::small_font())
                    .color(theme::ACCENT),
            );
        }
        LinkStatus::NotShared(reason) => {
            ui.label(
                RichText::new(format!("Link off: {reason}"))
                    .font(theme::small_font())
                    .color(theme::METER_YELLOW),
            )
            .on_hover_text(reason.as_str());
        }
    }
}

/// The name row: the host's track name, or a text field for the user's label.
fn label_row(ui: &mut Ui, label: &TrackLabel, edit: &mut Option<String>) {
    if let Some(host) = label.host_name() {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("Track")
                    .font(theme::small_font())
                    .color(theme::TEXT_DIM),
            );
            ui.label(RichText::new(host).color(theme::TEXT).strong())
                .on_hover_text("The name the host gives this track");
        });
        *edit = None;
        return;
    }
    let text = edit.get_or_insert_with(|| label.user_label());
    ui.horizontal(|ui| {
        ui.label(
            RichText::new("Label")
                .font(theme::small_font())
                .color(theme::TEXT_DIM),
        );
        let response = ui.add(
            TextEdit::singleline(text)
                .hint_text("name this track")
                .desired_width(ui.available_width()),
        );
        if response.changed() {
            label.set_user_label(text);
        }
        response.on_hover_text(
            "The host gives no track name: this label is what other Gel instances show",
        );
    });
}

/// A small colour swatch with the kind tag, then the label; returns the label's response.
fn instance_row_text(v: &InstanceView) -> String {
    let label = if v.label.is_empty() {
        "(unnamed)"
    } else {
        v.label.as_str()
    };
    format!("{}  {}", kind_tag(v.kind), label)
}

// ---------------------------------------------------------------------------------------------
// Gel EQ
// ---------------------------------------------------------------------------------------------

/// How many other tracks are overlaid by default: the first ones the panel sees, so a small
/// session shows everything at once and a big one is not cluttered. Each track gets this
/// choice once; the user's checkbox wins from then on.
pub const DEFAULT_OVERLAYS: usize = 3;

/// Give each track in `others` not yet in `seen` the default overlay choice (on while fewer
/// than [`DEFAULT_OVERLAYS`] are overlaid), and remember it as seen.
pub fn default_overlays(seen: &mut Vec<u64>, overlay: &mut Vec<u64>, others: &[u64]) {
    for &id in others {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if overlay.len() < DEFAULT_OVERLAYS && !overlay.contains(&id) {
            overlay.push(id);
        }
    }
}

/// The other track that collides most with `me`: the one whose worst collision range has the
/// most shared energy ([`find_collisions`]); `None` when none collides. Ties go to the first.
pub fn auto_partner(
    me: &[f32],
    others: &[(u64, &[f32])],
    settings: &CollisionSettings,
) -> Option<u64> {
    let mut ranges = Vec::new();
    let mut best: Option<(u64, f32)> = None;
    for &(id, spectrum) in others {
        if let Some(worst) = find_collisions(me, spectrum, settings, &mut ranges) {
            let score = ranges[worst].score;
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((id, score));
            }
        }
    }
    best.map(|(id, _)| id)
}

/// What the EQ editor should do after a click on a collision: add a bell band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BellRequest {
    /// Centre (Hz): the collision's geometric centre.
    pub freq_hz: f32,
    /// Q whose half-gain points are the collision's edges ([`bell_for_range`]).
    pub q: f32,
    /// Gain (dB): [`COLLISION_CUT_DB`].
    pub gain_db: f32,
}

/// Frequencies of gel-link's bins.
fn bin_freqs() -> Vec<f32> {
    (0..SPECTRUM_BINS).map(bin_freq_hz).collect()
}

/// Ratio between neighbouring bin centres (96 bins over 20 Hz–20 kHz: 2^(log2(1000)/95), about
/// a tenth of an octave).
fn bin_step() -> f32 {
    bin_freq_hz(1) / bin_freq_hz(0)
}

/// Edges (Hz) of a collision range on gel-link's bins.
pub fn collision_edges_hz(range: &CollisionRange) -> (f32, f32) {
    range_edges_hz(range, bin_freq_hz, bin_step())
}

/// The bell a click on `range` creates.
pub fn bell_for_collision(range: &CollisionRange) -> BellRequest {
    let (lo, hi) = collision_edges_hz(range);
    let (freq_hz, q) = bell_for_range(lo, hi);
    BellRequest {
        freq_hz,
        q,
        gain_db: COLLISION_CUT_DB,
    }
}

/// "Bass vs Kick: 60–110 Hz".
pub fn collision_text(me: &str, other: &str, range: &CollisionRange) -> String {
    let (lo, hi) = collision_edges_hz(range);
    // "vs", not "↔": egui's default fonts have no arrows.
    format!("{me} vs {other}: {}", format_range(lo, hi))
}

/// "60–110 Hz", "1.8–3.6 kHz", "450 Hz–1.2 kHz".
pub fn format_range(lo: f32, hi: f32) -> String {
    fn num(hz: f32, khz: bool) -> String {
        if khz {
            let k = hz / 1000.0;
            if k < 10.0 {
                format!("{k:.1}")
            } else {
                format!("{k:.0}")
            }
        } else {
            format!("{:.0}", round_hz(hz))
        }
    }
    let (lo_k, hi_k) = (lo >= 1000.0, hi >= 1000.0);
    match (lo_k, hi_k) {
        (false, false) => format!("{}–{} Hz", num(lo, false), num(hi, false)),
        (true, true) => format!("{}–{} kHz", num(lo, true), num(hi, true)),
        _ => format!("{} Hz–{} kHz", num(lo, false), num(hi, true)),
    }
}

/// Rounds to 5 Hz from 100 Hz up, to 1 Hz below: a readout needs no more precision than the
/// bins give (a tenth of an octave apart on gel-link's 96-bin grid, ≈ 7.5 % in frequency).
fn round_hz(hz: f32) -> f32 {
    if hz >= 100.0 {
        (hz / 5.0).round() * 5.0
    } else {
        hz.round()
    }
}

/// A shared spectrum's level at bin `i` on the scale of Gel EQ's own analyzer, so the overlays
/// line up with the EQ's traces for noise-like signals (music, mostly).
///
/// gel-link's bin is the power in a 1/6-octave band, read `10·log10(2·B)`: noise of one-sided
/// density `S` (per Hz) reads `2·S·w` with `w` the band's width. The EQ analyzer reads each FFT
/// bin as a sine amplitude, `2|X|/Σw`; for noise that is `2·S·ENBW` with the Hann window's
/// equivalent noise bandwidth `ENBW = 1.5·fs/N` (Harris 1978), and its fractional-octave
/// smoothing averages power, which keeps the density. So the analyzer's reading is gel-link's
/// minus `10·log10(w/ENBW)`; then the analyzer's display tilt (`tilt_db_per_octave` about 1 kHz)
/// is added. A pure tone reads the same in both before this conversion, so a tone's overlay
/// sits `10·log10(w/ENBW)` dB (about 11 dB at 1 kHz, 48 kHz) under the EQ's own trace of it.
pub fn display_db(
    level_db: f32,
    bin: usize,
    analyzer_enbw_hz: f32,
    tilt_db_per_octave: f32,
) -> f32 {
    let (lo, hi) = band_edges_hz(bin);
    let f = bin_freq_hz(bin);
    level_db - 10.0 * ((hi - lo) / analyzer_enbw_hz.max(1e-3)).log10()
        + tilt_db_per_octave * (f / 1000.0).log2()
}

/// Equivalent noise bandwidth of the Hann window (in bins; Harris 1978, table 1).
pub const HANN_ENBW_BINS: f32 = 1.5;

/// Overlay trace styles: line in the track's colour, a faint fill.
fn overlay_style(colour: Color32, emphasised: bool) -> TraceStyle {
    TraceStyle {
        fill: colour.gamma_multiply(if emphasised { 0.16 } else { 0.07 }),
        line: colour.gamma_multiply(if emphasised { 0.95 } else { 0.7 }),
        peak: None,
    }
}

/// Gel EQ's link column and graph decorations. Lives in the editor's state; call
/// [`update`](Self::update) once per frame before building the graph.
pub struct EqLinkPanel {
    label: Arc<TrackLabel>,
    poller: Poller,
    /// Ids overlaid on the graph.
    overlay: Vec<u64>,
    /// Ids the panel has seen (each gets the default overlay choice once).
    seen: Vec<u64>,
    /// The track the user picked to compare with; `None`: automatic.
    picked: Option<u64>,
    /// The track compared with this one in the collision view: the pick, else the track that
    /// collides most with this one ([`auto_partner`]).
    partner: Option<u64>,
    settings: CollisionSettings,
    ranges: Vec<CollisionRange>,
    worst: Option<usize>,
    freqs: Vec<f32>,
    /// Display levels of the overlaid tracks: (id, levels on `freqs`).
    overlay_levels: Vec<(u64, Vec<f32>)>,
    tilt_db_per_octave: f32,
    /// The EQ analyzer's FFT bin width (Hz), for [`display_db`].
    analyzer_bin_hz: f32,
    label_edit: Option<String>,
}

impl EqLinkPanel {
    /// A panel for the instance behind `label`. `tilt_db_per_octave` is the EQ analyzer's tilt,
    /// applied to the overlays for display (not to the collision test).
    pub fn new(label: Arc<TrackLabel>, tilt_db_per_octave: f32) -> Self {
        Self {
            label,
            poller: Poller::new(),
            overlay: Vec::new(),
            seen: Vec::new(),
            picked: None,
            partner: None,
            settings: CollisionSettings::default(),
            ranges: Vec::new(),
            worst: None,
            freqs: bin_freqs(),
            overlay_levels: Vec::new(),
            tilt_db_per_octave,
            analyzer_bin_hz: 48_000.0 / 8192.0,
            label_edit: None,
        }
    }

    /// The collision thresholds.
    pub fn settings(&self) -> CollisionSettings {
        self.settings
    }

    /// Re-read the registry when due and recompute overlays and collisions.
    /// `analyzer_bin_hz` is the width of one FFT bin of the EQ's own analyzer (its display
    /// scale; see [`display_db`]).
    pub fn update(&mut self, analyzer_bin_hz: f32) {
        self.analyzer_bin_hz = analyzer_bin_hz;
        if !self.poller.poll(self.label.handle()) {
            return;
        }
        // Forget picks of tracks that are gone; new tracks get the default overlay choice.
        let poller = &self.poller;
        let live = |id: &u64| poller.find(*id).is_some_and(|v| !v.is_self);
        self.overlay.retain(live);
        self.seen.retain(live);
        if !self.picked.as_ref().is_some_and(live) {
            self.picked = None;
        }
        let others: Vec<u64> = poller.others().map(|v| v.id).collect();
        default_overlays(&mut self.seen, &mut self.overlay, &others);
        self.recompute();
    }

    fn recompute(&mut self) {
        self.partner = self.picked.or_else(|| {
            let me = self.poller.me()?;
            let others: Vec<(u64, &[f32])> = self
                .poller
                .others()
                .map(|v| (v.id, &v.output.0[..]))
                .collect();
            auto_partner(&me.output.0, &others, &self.settings)
        });
        self.overlay_levels.clear();
        for &id in &self.overlay {
            let Some(v) = self.poller.find(id) else {
                continue;
            };
            let enbw = HANN_ENBW_BINS * self.analyzer_bin_hz;
            let levels = v
                .output
                .0
                .iter()
                .enumerate()
                .map(|(i, &db)| display_db(db, i, enbw, self.tilt_db_per_octave))
                .collect();
            self.overlay_levels.push((id, levels));
        }
        self.ranges.clear();
        self.worst = None;
        if let (Some(me), Some(other)) = (
            self.poller.me(),
            self.partner.and_then(|id| self.poller.find(id)),
        ) {
            self.worst = find_collisions(
                &me.output.0,
                &other.output.0,
                &self.settings,
                &mut self.ranges,
            );
        }
    }

    /// Overlay traces for the graph (in the tracks' colours; the collision partner emphasised).
    pub fn traces(&self) -> Vec<SpectrumTrace<'_>> {
        self.overlay_levels
            .iter()
            .map(|(id, levels)| SpectrumTrace {
                freqs: &self.freqs,
                levels_db: levels,
                peaks_db: None,
                style: overlay_style(self.poller.colours.colour(*id), self.partner == Some(*id)),
                max_hz: f32::INFINITY,
            })
            .collect()
    }

    /// Shaded collision ranges for the graph (index = the [`GraphEvent::ShadeClicked`] index;
    /// the worst one stronger and labelled).
    ///
    /// [`GraphEvent::ShadeClicked`]: crate::eq_graph::GraphEvent::ShadeClicked
    pub fn shades(&self) -> Vec<GraphShade> {
        self.ranges
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (lo_hz, hi_hz) = collision_edges_hz(r);
                let worst = self.worst == Some(i);
                GraphShade {
                    lo_hz,
                    hi_hz,
                    colour: theme::METER_RED.gamma_multiply(if worst { 0.22 } else { 0.11 }),
                    label: if worst {
                        "cut".to_owned()
                    } else {
                        String::new()
                    },
                }
            })
            .collect()
    }

    /// A shade was clicked: the bell for that collision.
    pub fn shade_clicked(&self, index: usize) -> Option<BellRequest> {
        self.ranges.get(index).map(bell_for_collision)
    }

    /// The worst collision and its readout, if any.
    pub fn worst_collision(&self) -> Option<(CollisionRange, String)> {
        let range = *self.ranges.get(self.worst?)?;
        let me = self.poller.me().map_or("This track", |v| v.label.as_str());
        let other = self
            .partner
            .and_then(|id| self.poller.find(id))
            .map_or("?", |v| v.label.as_str());
        Some((range, collision_text(me, other, &range)))
    }

    /// The side column: status, name, instance list, collision readout. Returns a bell request
    /// when the user clicked "Cut" on the worst collision.
    pub fn column(&mut self, ui: &mut Ui) -> Option<BellRequest> {
        let mut request = None;
        ui.vertical(|ui| {
            crate::section(ui, "Link", |ui| {
                ui.vertical(|ui| {
                    let inner = EQ_COLUMN_WIDTH - 2.0 * theme::spacing::SECTION_MARGIN as f32;
                    ui.set_width(inner);
                    let status = self.label.handle().status();
                    status_line(ui, &status, self.poller.others().count());
                    ui.add_space(2.0);
                    label_row(ui, &self.label, &mut self.label_edit);
                    ui.add_space(4.0);
                    if self.list(ui) {
                        self.recompute();
                    }
                    ui.add_space(6.0);
                    request = self.readout(ui);
                });
            });
        });
        request
    }

    /// The instance list. Returns true when the overlay or partner choice changed.
    fn list(&mut self, ui: &mut Ui) -> bool {
        let mut changed = false;
        let others: Vec<(u64, String, Color32)> = self
            .poller
            .others()
            .map(|v| (v.id, instance_row_text(v), self.poller.colours.colour(v.id)))
            .collect();
        if others.is_empty() {
            ui.label(
                RichText::new("Insert Gel plugins on other tracks to see them here")
                    .font(theme::small_font())
                    .color(theme::TEXT_DIM),
            );
            return false;
        }
        let row_height = ui.spacing().interact_size.y;
        egui::ScrollArea::vertical()
            .max_height(row_height * LIST_ROWS as f32 + 4.0)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for (id, text, colour) in others {
                    ui.horizontal(|ui| {
                        let mut on = self.overlay.contains(&id);
                        if colour_checkbox(ui, &mut on, colour)
                            .on_hover_text("Overlay this track's spectrum")
                            .changed()
                        {
                            if on {
                                self.overlay.push(id);
                            } else {
                                self.overlay.retain(|o| *o != id);
                            }
                            changed = true;
                        }
                        let partner = self.partner == Some(id);
                        let picked = self.picked == Some(id);
                        let hint = if picked {
                            "Compared with this track (your pick). Click: back to automatic"
                        } else if partner {
                            "Compared automatically: this track collides most with yours. \
                             Click to keep it"
                        } else {
                            "Compare with this track: shade where both are loud"
                        };
                        if ui
                            .selectable_label(partner, RichText::new(text).color(colour))
                            .on_hover_text(hint)
                            .clicked()
                        {
                            self.picked = if picked { None } else { Some(id) };
                            if !picked && !self.overlay.contains(&id) {
                                self.overlay.push(id);
                            }
                            changed = true;
                        }
                    });
                }
            });
        changed
    }

    fn readout(&mut self, ui: &mut Ui) -> Option<BellRequest> {
        let mut request = None;
        ui.label(
            RichText::new("COLLISION")
                .font(theme::small_font())
                .color(theme::TEXT_DIM),
        );
        let any_other = self.poller.others().next().is_some();
        match (self.partner, self.worst_collision()) {
            (None, _) if any_other => {
                ui.label(
                    RichText::new("No collision with the other tracks").color(theme::METER_GREEN),
                );
            }
            (None, _) => {
                ui.label(
                    RichText::new("Pick a track to compare")
                        .font(theme::small_font())
                        .color(theme::TEXT_DIM),
                );
            }
            (Some(_), None) => {
                ui.label(RichText::new("No collision").color(theme::METER_GREEN));
            }
            (Some(_), Some((range, text))) => {
                ui.label(RichText::new(text).color(theme::METER_RED).strong());
                let bell = bell_for_collision(&range);
                if ui
                    .button(format!(
                        "Cut {:.0} dB at {}",
                        bell.gain_db,
                        format_freq(bell.freq_hz)
                    ))
                    .on_hover_text(format!(
                        "Add a bell band over this range (Q {:.2}); or click a shaded range's \
                         top strip in the graph",
                        bell.q
                    ))
                    .clicked()
                {
                    request = Some(bell);
                }
            }
        }
        let s = self.settings;
        ui.label(
            RichText::new(format!(
                "both within {:.0} dB of their peak, above {:.0} dBFS",
                s.within_db, s.floor_db
            ))
            .font(theme::small_font())
            .color(theme::TEXT_DIM),
        );
        request
    }
}

/// A checkbox drawn as a colour swatch (filled when on).
fn colour_checkbox(ui: &mut Ui, on: &mut bool, colour: Color32) -> egui::Response {
    let size = Vec2::splat(14.0);
    let (rect, mut response) = ui.allocate_exact_size(size, Sense::click());
    if response.clicked() {
        *on = !*on;
        response.mark_changed();
    }
    let painter = ui.painter();
    let r = rect.shrink(1.5);
    if *on {
        painter.rect_filled(r, CornerRadius::same(3), colour);
    } else {
        painter.rect_stroke(
            r,
            CornerRadius::same(3),
            Stroke::new(1.5, colour.gamma_multiply(0.8)),
            egui::StrokeKind::Inside,
        );
    }
    response
}

// ---------------------------------------------------------------------------------------------
// Gel Panner
// ---------------------------------------------------------------------------------------------

/// Screen position of a placement in the stereo-field map: balance −1…+1 across, width 0…2
/// upwards (1 = uncorrelated in the middle).
pub fn field_pos(rect: Rect, balance: f32, width: f32) -> Pos2 {
    let x = rect.center().x + balance.clamp(-1.0, 1.0) * rect.width() * 0.5;
    let y = rect.bottom() - (width.clamp(0.0, 2.0) / 2.0) * rect.height();
    Pos2::new(x, y)
}

/// Gel Panner's link section: status, name, a stereo-field map with one marker per track, and
/// the list with each track's balance and width.
pub struct PannerLinkPanel {
    label: Arc<TrackLabel>,
    poller: Poller,
    label_edit: Option<String>,
}

impl PannerLinkPanel {
    /// A panel for the instance behind `label`.
    pub fn new(label: Arc<TrackLabel>) -> Self {
        Self {
            label,
            poller: Poller::new(),
            label_edit: None,
        }
    }

    /// Draw the section `width` points wide.
    pub fn show(&mut self, ui: &mut Ui, width: f32) {
        self.poller.poll(self.label.handle());
        ui.vertical(|ui| {
            crate::section(ui, "Link", |ui| {
                ui.vertical(|ui| {
                    let inner = width - 2.0 * theme::spacing::SECTION_MARGIN as f32;
                    ui.set_width(inner);
                    let status = self.label.handle().status();
                    status_line(ui, &status, self.poller.others().count());
                    label_row(ui, &self.label, &mut self.label_edit);
                    ui.add_space(4.0);
                    self.map(ui, Vec2::new(inner, 150.0));
                    ui.add_space(4.0);
                    self.list(ui);
                });
            });
        });
    }

    fn map(&self, ui: &mut Ui, size: Vec2) {
        let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, CornerRadius::same(4), theme::DISPLAY);
        let plot = rect.shrink2(Vec2::new(14.0, 12.0));
        // Grid: centre line, mono floor, "uncorrelated" line.
        let grid = Stroke::new(1.0, theme::GRID);
        painter.line_segment([plot.center_top(), plot.center_bottom()], grid);
        for w in [0.0, 1.0, 2.0] {
            let y = field_pos(plot, 0.0, w).y;
            painter.line_segment(
                [Pos2::new(plot.left(), y), Pos2::new(plot.right(), y)],
                grid,
            );
        }
        let small = theme::small_font();
        painter.text(
            rect.left_bottom() + Vec2::new(3.0, -2.0),
            Align2::LEFT_BOTTOM,
            "L",
            small.clone(),
            theme::TEXT_DIM,
        );
        painter.text(
            rect.right_bottom() + Vec2::new(-3.0, -2.0),
            Align2::RIGHT_BOTTOM,
            "R",
            small.clone(),
            theme::TEXT_DIM,
        );
        painter.text(
            Pos2::new(plot.right() - 2.0, field_pos(plot, 0.0, 0.0).y - 2.0),
            Align2::RIGHT_BOTTOM,
            "mono",
            small.clone(),
            theme::TEXT_DIM,
        );
        painter.text(
            Pos2::new(plot.right() - 2.0, field_pos(plot, 0.0, 1.0).y - 2.0),
            Align2::RIGHT_BOTTOM,
            "wide",
            small.clone(),
            theme::TEXT_DIM,
        );
        painter.text(
            Pos2::new(plot.right() - 2.0, field_pos(plot, 0.0, 2.0).y + 2.0),
            Align2::RIGHT_TOP,
            "out of phase",
            small.clone(),
            theme::TEXT_DIM,
        );

        let hover = response.hover_pos();
        let mut hovered: Option<(Pos2, String)> = None;
        // Label anchors already used: a track on the same spot as another gets its name one
        // line higher, so both stay readable.
        let mut labels: Vec<(Pos2, String, Color32)> = Vec::new();
        // Others first, self on top.
        for v in self.poller.others().chain(self.poller.me()) {
            let p = field_pos(plot, v.placement.balance, v.placement.width);
            let colour = if v.is_self {
                theme::TEXT
            } else {
                self.poller.colours.colour(v.id)
            };
            // The marker spans the track's width horizontally: a wide track is a wide bar.
            let half = (v.placement.width.clamp(0.0, 1.0) * plot.width() * 0.25).max(0.0);
            if half > 1.0 {
                painter.line_segment(
                    [p - Vec2::new(half, 0.0), p + Vec2::new(half, 0.0)],
                    Stroke::new(3.0, colour.gamma_multiply(0.45)),
                );
            }
            if v.is_self {
                painter.circle(p, 6.0, theme::DISPLAY, Stroke::new(2.0, colour));
            } else {
                painter.circle_filled(p, 5.0, colour);
            }
            labels.push((p, short(&v.label, 12), colour));
            if hover.is_some_and(|h| h.distance(p) < 8.0) {
                hovered = Some((p, placement_text(v)));
            }
        }
        // Names after every marker, right of their marker (left of it near the right edge); a
        // name that would overlap one already placed moves up a line, so tracks on the same
        // spot stay readable.
        let mut placed: Vec<Rect> = Vec::new();
        for (p, text, colour) in labels {
            let galley = painter.layout_no_wrap(text, small.clone(), colour);
            let size = galley.size();
            let x = if p.x + 9.0 + size.x < rect.right() - 2.0 {
                p.x + 9.0
            } else {
                p.x - 9.0 - size.x
            };
            let mut r = Rect::from_min_size(Pos2::new(x, p.y - size.y / 2.0), size);
            while placed.iter().any(|q| q.intersects(r)) && r.top() > rect.top() {
                r = r.translate(Vec2::new(0.0, -size.y));
            }
            placed.push(r);
            painter.galley(r.min, galley, colour);
        }
        painter.add(Shape::rect_stroke(
            rect,
            CornerRadius::same(4),
            Stroke::new(1.0, theme::OUTLINE),
            egui::StrokeKind::Inside,
        ));
        if let Some((_, text)) = hovered {
            response.on_hover_text(text);
        }
    }

    fn list(&self, ui: &mut Ui) {
        let rows: Vec<(String, String, Color32)> = self
            .poller
            .me()
            .into_iter()
            .chain(self.poller.others())
            .map(|v| {
                let colour = if v.is_self {
                    theme::TEXT
                } else {
                    self.poller.colours.colour(v.id)
                };
                (instance_row_text(v), placement_text(v), colour)
            })
            .collect();
        egui::ScrollArea::vertical()
            .max_height(ui.available_height().max(40.0))
            .auto_shrink([false, true])
            .show(ui, |ui| {
                for (name, place, colour) in rows {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(name).color(colour));
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(
                                RichText::new(place)
                                    .font(theme::small_font())
                                    .color(theme::TEXT_DIM),
                            );
                        });
                    });
                }
            });
    }
}

/// "30L · width 120 %" (balance as the panner's own pan text: L/R percent, C in the middle).
pub fn placement_text(v: &InstanceView) -> String {
    let b = v.placement.balance.clamp(-1.0, 1.0);
    let pct = (b.abs() * 100.0).round();
    let balance = if pct < 1.0 {
        "C".to_owned()
    } else if b < 0.0 {
        format!("{pct:.0}L")
    } else {
        format!("{pct:.0}R")
    };
    format!("{balance} · width {:.0} %", v.placement.width * 100.0)
}

/// `s` cut to `max` characters with an ellipsis.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: usize, last: usize) -> CollisionRange {
        CollisionRange {
            first,
            last,
            score: 1.0,
            peak_min_db: -20.0,
        }
    }

    #[test]
    fn host_name_wins_over_the_user_label() {
        assert_eq!(effective_label("Bass", "my bass"), "Bass");
        assert_eq!(effective_label("", "my bass"), "my bass");
        assert_eq!(effective_label("", ""), "");
    }

    #[test]
    fn ranges_read_in_hz_or_khz() {
        assert_eq!(format_range(60.2, 110.4), "60–110 Hz");
        assert_eq!(format_range(1800.0, 3600.0), "1.8–3.6 kHz");
        assert_eq!(format_range(452.0, 1200.0), "450 Hz–1.2 kHz");
        assert_eq!(format_range(12_000.0, 18_000.0), "12–18 kHz");
    }

    #[test]
    fn a_collision_becomes_a_bell_over_its_range() {
        // Bins on gel-link's grid: the bell's half-gain points are the range's edges.
        let r = range(20, 30);
        let (lo, hi) = collision_edges_hz(&r);
        assert!(
            lo < bin_freq_hz(20) && bin_freq_hz(20) < bin_freq_hz(20) * bin_step().sqrt() * 1.001
        );
        assert!(hi > bin_freq_hz(30));
        let bell = bell_for_collision(&r);
        assert!((bell.freq_hz - (lo * hi).sqrt()).abs() < 1e-3 * bell.freq_hz);
        let ratio: f32 = hi / lo;
        assert!((bell.q - ratio.sqrt() / (ratio - 1.0)).abs() < 1e-4);
        assert_eq!(bell.gain_db, COLLISION_CUT_DB);
        let text = collision_text("Bass", "Kick", &r);
        assert!(text.starts_with("Bass vs Kick: "), "{text}");
    }

    #[test]
    fn the_field_map_puts_left_left_and_mono_at_the_bottom() {
        let rect = Rect::from_min_size(Pos2::new(0.0, 0.0), Vec2::new(200.0, 100.0));
        assert_eq!(field_pos(rect, -1.0, 0.0), Pos2::new(0.0, 100.0));
        assert_eq!(field_pos(rect, 1.0, 2.0), Pos2::new(200.0, 0.0));
        assert_eq!(field_pos(rect, 0.0, 1.0), Pos2::new(100.0, 50.0));
        // Out of range values stay on the map.
        assert_eq!(field_pos(rect, -5.0, 9.0), Pos2::new(0.0, 0.0));
    }

    #[test]
    fn overlays_read_noise_on_the_analyzer_scale() {
        // White noise of mean square σ² over 0…fs/2 has one-sided density S = 2σ²/fs. gel-link
        // reads 10·log10(2·S·w) in a band of width w; the EQ analyzer reads 10·log10(2·S·ENBW)
        // per FFT bin. Without tilt the conversion must give the analyzer's number.
        let (fs, n, sigma2) = (48_000.0f32, 8192.0f32, 0.01f32);
        let density = 2.0 * sigma2 / fs;
        let enbw = HANN_ENBW_BINS * fs / n;
        for bin in [0, 30, 60, 95] {
            let (lo, hi) = band_edges_hz(bin);
            let link_db = 10.0 * (2.0 * density * (hi - lo)).log10();
            let analyzer_db = 10.0 * (2.0 * density * enbw).log10();
            assert!((display_db(link_db, bin, enbw, 0.0) - analyzer_db).abs() < 1e-3);
        }
        // The tilt pivots at 1 kHz: one octave up adds one slope.
        let up = (0..SPECTRUM_BINS)
            .find(|&i| bin_freq_hz(i) > 1000.0)
            .unwrap();
        let f = bin_freq_hz(up);
        let tilt = display_db(0.0, up, enbw, 4.5) - display_db(0.0, up, enbw, 0.0);
        assert!((tilt - 4.5 * (f / 1000.0).log2()).abs() < 1e-4);
    }

    #[test]
    fn the_first_tracks_are_overlaid_once_and_the_users_choice_stays() {
        let (mut seen, mut overlay) = (Vec::new(), Vec::new());
        default_overlays(&mut seen, &mut overlay, &[1, 2]);
        assert_eq!(overlay, vec![1, 2]);
        // The user unchecks 1; it stays off when the registry is read again.
        overlay.retain(|&id| id != 1);
        default_overlays(&mut seen, &mut overlay, &[1, 2, 3, 4, 5]);
        assert_eq!(overlay, vec![2, 3, 4], "up to DEFAULT_OVERLAYS = 3");
        assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_automatic_partner_is_the_track_that_collides_most() {
        let band = |lo: usize, hi: usize, db: f32| -> Vec<f32> {
            (0..SPECTRUM_BINS)
                .map(|i| if (lo..=hi).contains(&i) { db } else { -110.0 })
                .collect()
        };
        let me = band(10, 30, -20.0);
        let narrow = band(28, 30, -20.0); // 3 bins in common
        let wide = band(15, 25, -25.0); // 11 bins in common, 5 dB quieter: more energy
        let apart = band(60, 80, -20.0); // none
        let s = CollisionSettings::default();
        let others = [(7, &narrow[..]), (8, &wide[..]), (9, &apart[..])];
        assert_eq!(auto_partner(&me, &others, &s), Some(8));
        assert_eq!(auto_partner(&me, &others[2..], &s), None);
        assert_eq!(auto_partner(&me, &[], &s), None);
    }

    #[test]
    fn track_colours_are_distinct() {
        for a in 0..TRACK_COLOURS.len() {
            for b in a + 1..TRACK_COLOURS.len() {
                assert_ne!(track_colour(a), track_colour(b));
            }
        }
    }
}
