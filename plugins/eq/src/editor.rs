//! Gel EQ's editor: a toolbar (analyzer, gain range, processing mode), the graph (analyzer
//! traces, each band's curve, the sum, draggable nodes) and, below it, the selected band's
//! controls next to the output controls. Built from gel-ui ([`EqGraph`], knobs, selectors,
//! toggles); this file maps graph events to gesture-wrapped parameter changes and runs the
//! GUI side of the analyzer (`gel_dsp::analysis::spectrum`) once per frame.
//!
//! `Plugin::Editor` is [`EqEditor`] (= `gel_ui::GelEditor`): nice-plug's `Editor` has an
//! associated handle type, so the contract's `Box<dyn Editor>` is this concrete type instead.

use std::sync::Arc;
use std::time::Instant;

use gel_dsp::analysis::spectrum::{log_grid, AnalyzerSettings, SpectrumAnalyzer};
use gel_dsp::eq::BandType;
use gel_ui::egui::Align;
use gel_ui::egui::{self, RichText, Ui, Vec2};
use gel_ui::eq_graph::{
    band_colour, format_freq, has_gain, has_slope, DynamicView, EqGraph, GainRange, GraphBand,
    GraphEvent,
};
use gel_ui::knob::wheel_to_normalized;
use gel_ui::link_panel::{BellRequest, EqLinkPanel, TrackLabel, EQ_COLUMN_WIDTH};
use gel_ui::param_edit::ParamEdit;
use gel_ui::preset_browser::PresetBrowser;
use gel_ui::selector::{index_to_normalized, normalized_to_index};
use gel_ui::spectrum_view::{SpectrumTrace, POST_STYLE, PRE_STYLE};
use gel_ui::{
    create_editor, section, small_label, theme, EnumSelector, GelEditor, Knob, ParamToggle,
};
use nice_plug::prelude::{Param, ParamSetter};

use crate::params::{BandParams, BandTypeParam, EqParams, ModeParam, PlacementParam};
use crate::shared::EqEditorShared;

pub type EqEditor = GelEditor;

/// Height of the graph (points); the rest of the window holds the toolbar and the strip.
const GRAPH_HEIGHT: f32 = 292.0;
/// Display points of the analyzer (log-spaced, 10 Hz–30 kHz).
const ANALYZER_POINTS: usize = 480;
/// A frame gap longer than this means the editor was closed: drop stale samples.
const REOPEN_GAP_S: f32 = 0.5;
const KNOB: f32 = 44.0;
/// Diameter of the dynamic band's knobs.
const DYN_KNOB: f32 = 30.0;

/// Which analyzer traces are shown (and so which feeds the audio thread fills).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AnalyzerMode {
    Off,
    Pre,
    Post,
    PrePost,
}

impl AnalyzerMode {
    const ALL: [AnalyzerMode; 4] = [
        AnalyzerMode::Off,
        AnalyzerMode::Pre,
        AnalyzerMode::Post,
        AnalyzerMode::PrePost,
    ];

    fn label(self) -> &'static str {
        match self {
            AnalyzerMode::Off => "Off",
            AnalyzerMode::Pre => "Pre",
            AnalyzerMode::Post => "Post",
            AnalyzerMode::PrePost => "Pre+Post",
        }
    }

    fn pre(self) -> bool {
        matches!(self, AnalyzerMode::Pre | AnalyzerMode::PrePost)
    }

    fn post(self) -> bool {
        matches!(self, AnalyzerMode::Post | AnalyzerMode::PrePost)
    }
}

/// The GUI side of the two analyzers.
struct Analyzers {
    pre: SpectrumAnalyzer,
    post: SpectrumAnalyzer,
    last_frame: Option<Instant>,
}

impl Analyzers {
    fn new(sample_rate: f32) -> Self {
        let make = || {
            SpectrumAnalyzer::new(
                sample_rate,
                log_grid(10.0, 30_000.0, ANALYZER_POINTS),
                AnalyzerSettings::default(),
            )
        };
        Self {
            pre: make(),
            post: make(),
            last_frame: None,
        }
    }

    /// Pull the feeds and advance the displays by the time since the last frame. Returns
    /// `true` on the first frame after the window opened.
    fn update(&mut self, shared: &EqEditorShared, mode: AnalyzerMode) -> bool {
        shared.pre.set_enabled(mode.pre());
        shared.post.set_enabled(mode.post());
        if shared.sample_rate() != self.pre.sample_rate() {
            *self = Self::new(shared.sample_rate());
        }
        let now = Instant::now();
        let dt = self
            .last_frame
            .map_or(f32::INFINITY, |t| (now - t).as_secs_f32());
        self.last_frame = Some(now);
        if dt > REOPEN_GAP_S {
            // First frame after the window (re)opened: what waits in the FIFOs is old.
            shared.pre.discard_all();
            shared.post.discard_all();
            self.pre.reset();
            self.post.reset();
            return true;
        }
        for (analyzer, fifo, on) in [
            (&mut self.pre, &shared.pre, mode.pre()),
            (&mut self.post, &shared.post, mode.post()),
        ] {
            if on {
                analyzer.pull(fifo);
                analyzer.update(dt);
            } else {
                fifo.discard_all();
            }
        }
        false
    }
}

/// Everything the editor remembers between frames.
struct EditorUi {
    params: Arc<EqParams>,
    shared: Arc<EqEditorShared>,
    selected: Option<usize>,
    /// The band the open context menu is about (`None`: the graph's own menu).
    menu_band: Option<usize>,
    /// The band being dragged, and whether its gain is part of the gesture.
    dragging: Option<(usize, bool)>,
    range: GainRange,
    analyzer_mode: AnalyzerMode,
    analyzers: Analyzers,
    /// Shift held this frame (finer wheel steps).
    fine: bool,
    /// Gel Link: other tracks' spectra, collisions, this track's label.
    link: EqLinkPanel,
}

pub fn create(
    params: Arc<EqParams>,
    shared: Arc<EqEditorShared>,
    link: Arc<TrackLabel>,
) -> Option<EqEditor> {
    shared.attach_editor_state(params.editor_state.clone());
    let mut state = EditorUi {
        analyzers: Analyzers::new(shared.sample_rate()),
        params: params.clone(),
        shared,
        selected: None,
        menu_band: None,
        dragging: None,
        range: GainRange::default(),
        analyzer_mode: AnalyzerMode::PrePost,
        fine: false,
        link: EqLinkPanel::new(link.clone(), AnalyzerSettings::default().tilt_db_per_octave),
    };
    let mut presets = PresetBrowser::new("eq", params.clone(), params.presets.clone());
    create_editor(params.editor_state.clone(), "Gel EQ", move |ui, setter| {
        presets.show(ui, setter);
        state.ui(ui, setter);
    })
    .map(|editor| link.follow_host(editor))
}

impl EditorUi {
    fn ui(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let params = self.params.clone();
        self.forget_removed_bands(&params);
        let opened = self.analyzers.update(&self.shared, self.analyzer_mode);
        if opened && self.selected.is_none() {
            // Open on the first band so its controls are at hand.
            self.selected = params.bands.iter().position(|b| b.used.value());
        }

        self.toolbar(ui, setter, &params);
        ui.add_space(6.0);
        self.link.update(self.analyzers.post.bin_width_hz());
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(ui.available_width() - EQ_COLUMN_WIDTH - 8.0);
                self.graph(ui, setter, &params);
            });
            if let Some(bell) = self.link.column(ui) {
                self.add_collision_bell(setter, &params, bell);
            }
        });
        ui.add_space(8.0);
        ui.horizontal_top(|ui| {
            self.band_strip(ui, setter, &params);
            output_section(ui, setter, &params);
        });
    }

    /// Selection and solo never point at a band that is gone or off (preset load, undo).
    fn forget_removed_bands(&mut self, params: &EqParams) {
        let used = |i: usize| params.bands[i].used.value();
        if self.selected.is_some_and(|i| !used(i)) {
            self.selected = None;
        }
        if let Some(i) = self.shared.requested_solo() {
            if !params.bands[i].is_active() {
                self.shared.set_solo_band(None);
            }
        }
    }

    fn toolbar(&mut self, ui: &mut Ui, setter: &ParamSetter, params: &EqParams) {
        ui.horizontal(|ui| {
            small_label(ui, "ANALYZER");
            for mode in AnalyzerMode::ALL {
                if ui
                    .selectable_label(self.analyzer_mode == mode, mode.label())
                    .clicked()
                {
                    self.analyzer_mode = mode;
                }
            }
            ui.add_space(16.0);
            small_label(ui, "RANGE");
            for range in GainRange::ALL {
                if ui
                    .selectable_label(self.range == range, range.label())
                    .on_hover_text("Gain range of the graph")
                    .clicked()
                {
                    self.range = range;
                }
            }
            ui.add_space(16.0);
            if let Some(solo) = self.shared.requested_solo() {
                let text =
                    RichText::new(format!("Solo: band {}  ✕", solo + 1)).color(theme::METER_YELLOW);
                if ui
                    .button(text)
                    .on_hover_text("Stop soloing (Alt-click the node again)")
                    .clicked()
                {
                    self.shared.set_solo_band(None);
                }
            }
            ui.with_layout(egui::Layout::right_to_left(Align::Center), |ui| {
                ui.add(EnumSelector::new(&params.mode, setter).segments());
                small_label(ui, "PROCESSING");
            });
        });
    }

    fn graph(&mut self, ui: &mut Ui, setter: &ParamSetter, params: &EqParams) {
        let bands: Vec<Option<GraphBand>> = params
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                b.used.value().then(|| GraphBand {
                    band: b.band(),
                    enabled: b.on.value(),
                    tag: placement_tag(b.placement.value()),
                    dynamic: b.is_dynamic().then(|| DynamicView {
                        live_gain_db: self.shared.dynamic_gain(i),
                        threshold_db: b.threshold.value(),
                    }),
                })
            })
            .collect();
        let nyquist = self.shared.sample_rate() * 0.5;
        let width = ui.available_width();
        let mut graph = EqGraph::new(&bands, self.range)
            .selected(self.selected)
            .solo(self.shared.requested_solo())
            .size(Vec2::new(width, GRAPH_HEIGHT));
        if self.analyzer_mode.pre() {
            graph = graph.trace(SpectrumTrace {
                freqs: self.analyzers.pre.frequencies(),
                levels_db: self.analyzers.pre.levels_db(),
                peaks_db: None,
                style: PRE_STYLE,
                max_hz: nyquist,
            });
        }
        if self.analyzer_mode.post() {
            graph = graph.trace(SpectrumTrace {
                freqs: self.analyzers.post.frequencies(),
                levels_db: self.analyzers.post.levels_db(),
                peaks_db: Some(self.analyzers.post.peaks_db()),
                style: POST_STYLE,
                max_hz: nyquist,
            });
        }
        for trace in self.link.traces() {
            graph = graph.trace(trace);
        }
        for shade in self.link.shades() {
            graph = graph.shade(shade);
        }
        let (response, events) = graph.show(ui);
        self.fine = ui.input(|i| i.modifiers.shift);
        for event in events {
            self.apply(event, setter, params);
        }
        response.context_menu(|ui| match self.menu_band {
            Some(band) if params.bands[band].used.value() => {
                self.band_menu(ui, setter, params, band)
            }
            _ => self.graph_menu(ui),
        });
    }

    fn apply(&mut self, event: GraphEvent, setter: &ParamSetter, params: &EqParams) {
        match event {
            GraphEvent::Select(band) => self.selected = Some(band),
            GraphEvent::Deselect => self.selected = None,
            GraphEvent::Add {
                freq_hz,
                gain_db,
                kind,
            } => {
                if let Some(band) = add_band(setter, params, freq_hz, gain_db, kind) {
                    self.selected = Some(band);
                }
            }
            GraphEvent::DragStart(band) => {
                let bp = &params.bands[band];
                let with_gain = has_gain(bp.kind.value().into());
                setter.begin_set_parameter(&bp.freq);
                if with_gain {
                    setter.begin_set_parameter(&bp.gain);
                }
                self.dragging = Some((band, with_gain));
            }
            GraphEvent::Drag {
                band,
                freq_hz,
                gain_db,
            } => {
                if let Some((dragged, with_gain)) = self.dragging {
                    if dragged == band {
                        let bp = &params.bands[band];
                        setter.set_parameter(&bp.freq, freq_hz);
                        if with_gain {
                            setter.set_parameter(&bp.gain, gain_db);
                        }
                    }
                }
            }
            GraphEvent::DragEnd(_) => {
                if let Some((band, with_gain)) = self.dragging.take() {
                    let bp = &params.bands[band];
                    setter.end_set_parameter(&bp.freq);
                    if with_gain {
                        setter.end_set_parameter(&bp.gain);
                    }
                }
            }
            GraphEvent::Wheel { band, notches } => {
                let q = &params.bands[band].q;
                let next =
                    wheel_to_normalized(q.unmodulated_normalized_value(), notches, None, self.fine);
                ParamEdit::new(q, setter).set_once(next);
            }
            GraphEvent::ThresholdStart(band) => {
                setter.begin_set_parameter(&params.bands[band].threshold)
            }
            GraphEvent::Threshold { band, threshold_db } => {
                setter.set_parameter(&params.bands[band].threshold, threshold_db)
            }
            GraphEvent::ThresholdEnd(band) => {
                setter.end_set_parameter(&params.bands[band].threshold)
            }
            GraphEvent::ToggleSolo(band) => self.toggle_solo(band),
            GraphEvent::ContextMenu(band) => self.menu_band = band,
            GraphEvent::Delete(band) => self.remove_band(setter, params, band),
            GraphEvent::ShadeClicked(shade) => {
                if let Some(bell) = self.link.shade_clicked(shade) {
                    self.add_collision_bell(setter, params, bell);
                }
            }
        }
    }

    /// Gel Link: a bell cut over a collision (first free band), selected.
    fn add_collision_bell(&mut self, setter: &ParamSetter, params: &EqParams, bell: BellRequest) {
        if let Some(band) = add_band(setter, params, bell.freq_hz, bell.gain_db, BandType::Bell) {
            set_once(setter, &params.bands[band].q, bell.q);
            self.selected = Some(band);
        }
    }

    fn toggle_solo(&mut self, band: usize) {
        let solo = if self.shared.requested_solo() == Some(band) {
            None
        } else {
            Some(band)
        };
        self.shared.set_solo_band(solo);
    }

    fn remove_band(&mut self, setter: &ParamSetter, params: &EqParams, band: usize) {
        set_once(setter, &params.bands[band].used, false);
        if self.shared.requested_solo() == Some(band) {
            self.shared.set_solo_band(None);
        }
        if self.selected == Some(band) {
            self.selected = None;
        }
    }

    /// Right-click on a node: type, slope, placement, on, solo, remove.
    fn band_menu(&mut self, ui: &mut Ui, setter: &ParamSetter, params: &EqParams, band: usize) {
        let bp = &params.bands[band];
        ui.label(
            RichText::new(format!("Band {}", band + 1))
                .color(band_colour(band))
                .strong(),
        );
        ui.separator();
        enum_menu(ui, "Type", &bp.kind, setter);
        if has_slope(bp.kind.value().into()) {
            enum_menu(ui, "Slope", &bp.slope, setter);
        }
        enum_menu(ui, "Placement", &bp.placement, setter);
        if bp.is_dynamic() {
            enum_menu(ui, "Direction", &bp.direction, setter);
            enum_menu(ui, "Detector", &bp.source, setter);
            let listen = bp.listen.value();
            if ui
                .button(if listen {
                    "Stop listening"
                } else {
                    "Listen to detector"
                })
                .clicked()
            {
                set_once(setter, &bp.listen, !listen);
                ui.close();
            }
        }
        ui.separator();
        let on = bp.on.value();
        if ui.button(if on { "Turn off" } else { "Turn on" }).clicked() {
            set_once(setter, &bp.on, !on);
            ui.close();
        }
        let soloed = self.shared.requested_solo() == Some(band);
        if ui.button(if soloed { "Unsolo" } else { "Solo" }).clicked() {
            self.toggle_solo(band);
            ui.close();
        }
        if ui.button("Remove").clicked() {
            self.remove_band(setter, params, band);
            ui.close();
        }
    }

    /// Right-click on empty space: display options.
    fn graph_menu(&mut self, ui: &mut Ui) {
        ui.label(RichText::new("Analyzer").color(theme::TEXT_DIM));
        for mode in AnalyzerMode::ALL {
            if ui
                .selectable_label(self.analyzer_mode == mode, mode.label())
                .clicked()
            {
                self.analyzer_mode = mode;
                ui.close();
            }
        }
        if ui.button("Reset peaks").clicked() {
            self.analyzers.post.reset_peaks();
            ui.close();
        }
        ui.separator();
        ui.label(RichText::new("Range").color(theme::TEXT_DIM));
        for range in GainRange::ALL {
            if ui
                .selectable_label(self.range == range, range.label())
                .clicked()
            {
                self.range = range;
                ui.close();
            }
        }
    }

    /// The selected band's controls (or a hint and the list of bands).
    fn band_strip(&mut self, ui: &mut Ui, setter: &ParamSetter, params: &EqParams) {
        let width = (ui.available_width() - 230.0).max(300.0);
        ui.vertical(|ui| {
            ui.set_width(width);
            let title = match self.selected {
                Some(band) => format!("Band {}", band + 1),
                None => "Bands".to_owned(),
            };
            section(ui, &title, |ui| {
                ui.set_min_width(width - 22.0);
                self.band_chips(ui, params);
                ui.add_space(4.0);
                let Some(band) = self.selected else {
                    ui.add_space(20.0);
                    ui.label(
                        RichText::new(
                            "Double-click the graph to add a band · drag a node for frequency \
                             and gain · wheel for Q · right-click for type, slope and placement \
                             · Alt-click to solo · Delete to remove",
                        )
                        .color(theme::TEXT_DIM),
                    );
                    ui.add_space(30.0);
                    return;
                };
                let bp = &params.bands[band];
                let kind: BandType = bp.kind.value().into();
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.add_space(14.0);
                        ui.add(ParamToggle::new(&bp.on, setter).label("On"));
                        ui.add_space(4.0);
                        let soloed = self.shared.requested_solo() == Some(band);
                        if ui
                            .selectable_label(soloed, "Solo")
                            .on_hover_text("Hear only what this band touches (Alt-click its node)")
                            .clicked()
                        {
                            self.toggle_solo(band);
                        }
                    });
                    ui.vertical(|ui| {
                        ui.add_space(14.0);
                        ui.add(
                            EnumSelector::new(&bp.kind, setter)
                                .combo()
                                .segment_width(96.0),
                        );
                        ui.add_space(4.0);
                        ui.add(
                            EnumSelector::new(&bp.placement, setter)
                                .combo()
                                .segment_width(96.0),
                        );
                    });
                    ui.add(Knob::new(&bp.freq, setter).diameter(KNOB).label("Freq"));
                    ui.add_enabled_ui(has_gain(kind), |ui| {
                        ui.add(Knob::new(&bp.gain, setter).diameter(KNOB).label("Gain"));
                    });
                    ui.add(Knob::new(&bp.q, setter).diameter(KNOB).label("Q"));
                    ui.vertical(|ui| {
                        ui.add_space(14.0);
                        // Gain types have no slope: their column holds the dynamic switch
                        // (the dynamic controls need the room).
                        if has_slope(kind) || !has_gain(kind) {
                            ui.add_enabled_ui(has_slope(kind), |ui| {
                                ui.add(
                                    EnumSelector::new(&bp.slope, setter)
                                        .combo()
                                        .segment_width(96.0),
                                );
                            });
                        } else {
                            ui.add(ParamToggle::new(&bp.dynamic, setter).label("Dynamic"))
                                .on_hover_text(
                                    "The band's gain becomes where it moves to: it rests flat \
                                     and moves towards its gain while its range passes the \
                                     threshold (Ctrl-drag the node)",
                                );
                        }
                        ui.add_space(4.0);
                        if ui
                            .button("Remove")
                            .on_hover_text("Remove this band (Delete)")
                            .clicked()
                        {
                            self.remove_band(setter, params, band);
                        }
                    });
                    if has_gain(kind) && bp.is_dynamic() {
                        ui.separator();
                        self.dynamic_controls(ui, setter, params, band);
                    }
                });
            });
        });
    }

    /// A dynamic band's knobs: threshold, ratio, attack, release (direction, detector and listen
    /// are in the band's right-click menu; the live gain is above its node).
    fn dynamic_controls(
        &mut self,
        ui: &mut Ui,
        setter: &ParamSetter,
        params: &EqParams,
        band: usize,
    ) {
        let bp = &params.bands[band];
        if !bp.is_dynamic() {
            return;
        }
        if params.mode.value() == ModeParam::LinearPhase {
            ui.label(
                RichText::new(
                    "Linear phase: dynamic bands hold their gain\n(Zero Latency moves them)",
                )
                .color(theme::TEXT_DIM),
            );
            return;
        }
        for (param, label) in [
            (&bp.threshold, "Thresh"),
            (&bp.ratio, "Ratio"),
            (&bp.attack, "Attack"),
            (&bp.release, "Release"),
        ] {
            ui.add(Knob::new(param, setter).diameter(DYN_KNOB).label(label));
        }
    }

    /// One small coloured button per used band, to select it.
    fn band_chips(&mut self, ui: &mut Ui, params: &EqParams) {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            let mut any = false;
            for (i, bp) in params.bands.iter().enumerate() {
                if !bp.used.value() {
                    continue;
                }
                any = true;
                let selected = self.selected == Some(i);
                let colour = if bp.on.value() {
                    band_colour(i)
                } else {
                    theme::TEXT_DIM
                };
                let text = RichText::new(format!("{}", i + 1)).color(colour).strong();
                let hint = format!(
                    "Band {}: {} at {}",
                    i + 1,
                    bp.kind,
                    format_freq(bp.freq.value())
                );
                if ui
                    .selectable_label(selected, text)
                    .on_hover_text(hint)
                    .clicked()
                {
                    self.selected = Some(i);
                }
            }
            if !any {
                ui.label(RichText::new("No bands yet").color(theme::TEXT_DIM));
            }
        });
    }
}

/// Output gain, auto gain, phase invert.
fn output_section(ui: &mut Ui, setter: &ParamSetter, params: &EqParams) {
    ui.vertical(|ui| {
        section(ui, "Output", |ui| {
            ui.horizontal_top(|ui| {
                ui.add(
                    Knob::new(&params.output_gain, setter)
                        .diameter(KNOB)
                        .bipolar()
                        .label("Gain"),
                );
                ui.vertical(|ui| {
                    ui.add_space(14.0);
                    ui.add(ParamToggle::new(&params.auto_gain, setter).label("Auto Gain"));
                    ui.add_space(4.0);
                    ui.add(ParamToggle::new(&params.phase_invert, setter).label("Invert"));
                });
            });
        });
    });
}

/// Add a band at the first unused slot: type, frequency and gain from the click, Q, slope and
/// placement at their defaults, switched on; `used` last so the band appears complete.
/// Returns the slot, or `None` when all 16 are in use.
fn add_band(
    setter: &ParamSetter,
    params: &EqParams,
    freq_hz: f32,
    gain_db: f32,
    kind: BandType,
) -> Option<usize> {
    let slot = params.bands.iter().position(|b| !b.used.value())?;
    let bp: &BandParams = &params.bands[slot];
    set_once(setter, &bp.kind, type_param(kind));
    set_once(setter, &bp.freq, freq_hz);
    set_once(setter, &bp.gain, if has_gain(kind) { gain_db } else { 0.0 });
    ParamEdit::new(&bp.q, setter).reset();
    ParamEdit::new(&bp.slope, setter).reset();
    ParamEdit::new(&bp.placement, setter).reset();
    set_once(setter, &bp.on, true);
    set_once(setter, &bp.used, true);
    Some(slot)
}

/// One complete begin/set/end gesture to a plain value.
fn set_once<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
    setter.begin_set_parameter(param);
    setter.set_parameter(param, value);
    setter.end_set_parameter(param);
}

/// A submenu listing a stepped parameter's values (its own value-to-string), current one
/// marked; choosing one is one gesture.
fn enum_menu<P: Param>(ui: &mut Ui, title: &str, param: &P, setter: &ParamSetter) {
    let steps = param.step_count().unwrap_or(0);
    let current = normalized_to_index(param.unmodulated_normalized_value(), steps);
    ui.menu_button(title, |ui| {
        for i in 0..=steps {
            let normalized = index_to_normalized(i, steps);
            let label = param.normalized_value_to_string(normalized, true);
            if ui.selectable_label(i == current, label).clicked() {
                ParamEdit::new(param, setter).set_once(normalized);
                ui.close();
            }
        }
    });
}

fn type_param(kind: BandType) -> BandTypeParam {
    match kind {
        BandType::Bell => BandTypeParam::Bell,
        BandType::LowShelf => BandTypeParam::LowShelf,
        BandType::HighShelf => BandTypeParam::HighShelf,
        BandType::LowCut => BandTypeParam::LowCut,
        BandType::HighCut => BandTypeParam::HighCut,
        BandType::Notch => BandTypeParam::Notch,
        BandType::BandPass => BandTypeParam::BandPass,
        BandType::TiltShelf => BandTypeParam::TiltShelf,
    }
}

fn placement_tag(placement: PlacementParam) -> Option<&'static str> {
    match placement {
        PlacementParam::Stereo => None,
        PlacementParam::Left => Some("L"),
        PlacementParam::Right => Some("R"),
        PlacementParam::Mid => Some("M"),
        PlacementParam::Side => Some("S"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_param_round_trips_every_band_type() {
        for kind in [
            BandType::Bell,
            BandType::LowShelf,
            BandType::HighShelf,
            BandType::LowCut,
            BandType::HighCut,
            BandType::Notch,
            BandType::BandPass,
            BandType::TiltShelf,
        ] {
            assert_eq!(BandType::from(type_param(kind)), kind);
        }
    }

    #[test]
    fn analyzer_modes_enable_the_right_feeds() {
        assert!(!AnalyzerMode::Off.pre() && !AnalyzerMode::Off.post());
        assert!(AnalyzerMode::Pre.pre() && !AnalyzerMode::Pre.post());
        assert!(!AnalyzerMode::Post.pre() && AnalyzerMode::Post.post());
        assert!(AnalyzerMode::PrePost.pre() && AnalyzerMode::PrePost.post());
    }
}
