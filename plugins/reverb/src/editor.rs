//! Gel Reverb's editor: input meter | space | decay shape | character | mix | output meter.
//! Built entirely from gel-ui; this file only lays the pieces out (plus a small plot of the
//! decay time against frequency that the multipliers and crossovers set).

use std::sync::Arc;

use gel_ui::egui::{self, Color32, Pos2, Sense, Stroke, Vec2};
use gel_ui::preset_browser::PresetBrowser;
use gel_ui::{create_editor, section, EnumSelector, GelEditor, Knob, LevelMeterView, ParamToggle};

use crate::params::ReverbParams;
use crate::ReverbDisplay;

pub type ReverbEditor = GelEditor;

const METER_HEIGHT: f32 = 300.0;
const BIG: f32 = 64.0;
const KNOB: f32 = 50.0;
const SMALL: f32 = 42.0;

pub fn create(params: Arc<ReverbParams>, display: Arc<ReverbDisplay>) -> Option<ReverbEditor> {
    let mut presets = PresetBrowser::new("reverb", params.clone(), params.presets.clone());
    create_editor(
        params.editor_state.clone(),
        "Gel Reverb",
        move |ui, setter| {
            presets.show(ui, setter);
            let p = &params;
            ui.horizontal_top(|ui| {
                panel(ui, "In", |ui| {
                    ui.add(
                        LevelMeterView::from_source(&*display.input_meter)
                            .height(METER_HEIGHT)
                            .label("In"),
                    );
                });

                panel(ui, "Space", |ui| {
                    ui.vertical(|ui| {
                        ui.add(EnumSelector::new(&p.algorithm, setter).segments());
                        ui.add_space(8.0);
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.decay, setter).diameter(BIG));
                            ui.add(Knob::new(&p.size, setter).diameter(KNOB));
                            ui.add(Knob::new(&p.diffusion, setter).diameter(KNOB));
                        });
                        ui.add_space(6.0);
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.predelay, setter).diameter(SMALL));
                            ui.vertical(|ui| {
                                ui.add_space(10.0);
                                ui.add(ParamToggle::new(&p.predelay_sync, setter).label("Sync"));
                                ui.add(EnumSelector::new(&p.predelay_note, setter).combo());
                            });
                            ui.add(Knob::new(&p.early_late, setter).diameter(SMALL));
                        });
                    });
                });

                panel(ui, "Decay shape", |ui| {
                    ui.vertical(|ui| {
                        decay_plot(ui, p);
                        ui.add_space(6.0);
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.low_mult, setter).diameter(SMALL));
                            ui.add(
                                Knob::new(&p.low_crossover, setter)
                                    .diameter(SMALL)
                                    .label("Low X-over"),
                            );
                            ui.add(Knob::new(&p.high_mult, setter).diameter(SMALL));
                            ui.add(
                                Knob::new(&p.high_crossover, setter)
                                    .diameter(SMALL)
                                    .label("High X-over"),
                            );
                        });
                    });
                });

                panel(ui, "Character", |ui| {
                    ui.vertical(|ui| {
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.mod_depth, setter).diameter(SMALL));
                            ui.add(Knob::new(&p.mod_rate, setter).diameter(SMALL));
                        });
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.low_cut, setter).diameter(SMALL));
                            ui.add(Knob::new(&p.high_cut, setter).diameter(SMALL));
                        });
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.width, setter).diameter(SMALL));
                        });
                    });
                });

                panel(ui, "Mix", |ui| {
                    ui.vertical(|ui| {
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.mix, setter).diameter(SMALL));
                            ui.add(Knob::new(&p.output_gain, setter).diameter(SMALL).bipolar());
                        });
                        ui.add_space(2.0);
                        ui.horizontal(|ui| {
                            ui.add(ParamToggle::new(&p.wet_only, setter).label("Wet Only"));
                            ui.add(ParamToggle::new(&p.freeze, setter).label("Freeze"));
                        });
                        ui.add_space(2.0);
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.duck, setter).diameter(SMALL));
                            ui.add(
                                Knob::new(&p.duck_release, setter)
                                    .diameter(SMALL)
                                    .label("Release"),
                            );
                        });
                    });
                });

                panel(ui, "Out", |ui| {
                    ui.add(
                        LevelMeterView::from_source(&*display.output_meter)
                            .height(METER_HEIGHT)
                            .label("Out"),
                    );
                });
            });
        },
    )
}

/// A gel-ui section with its title above its contents (the row lays sections side by side).
fn panel(ui: &mut egui::Ui, title: &str, add_contents: impl FnOnce(&mut egui::Ui)) {
    ui.vertical(|ui| {
        section(ui, title, add_contents);
    });
}

/// Decay time against frequency (log 20 Hz–20 kHz, 0–2× the set decay): the three bands the
/// multipliers set, blended around the crossovers like the first-order shelves do.
fn decay_plot(ui: &mut egui::Ui, p: &ReverbParams) {
    let size = Vec2::new(236.0, 96.0);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, Color32::from_gray(24));
    let (lm, lx, hm, hx) = (
        p.low_mult.value(),
        p.low_crossover.value(),
        p.high_mult.value(),
        p.high_crossover.value(),
    );
    let max_mult = lm.max(hm).max(1.0) * 1.15;
    let y_of = |m: f32| rect.bottom() - 4.0 - (m / max_mult) * (rect.height() - 8.0);
    painter.line_segment(
        [
            Pos2::new(rect.left(), y_of(1.0)),
            Pos2::new(rect.right(), y_of(1.0)),
        ],
        Stroke::new(1.0, Color32::from_gray(60)),
    );
    let points: Vec<Pos2> = (0..=60)
        .map(|i| {
            let u = i as f32 / 60.0;
            let f = 20.0 * 1000f32.powf(u);
            // Log-domain blend: weight of the low band ≈ 1/(1+(f/fx)²).
            let wl = 1.0 / (1.0 + (f / lx).powi(2));
            let wh = 1.0 / (1.0 + (hx / f).powi(2));
            let m = lm.ln() * wl + hm.ln() * wh;
            Pos2::new(rect.left() + u * rect.width(), y_of(m.exp()))
        })
        .collect();
    painter.add(egui::Shape::line(
        points,
        Stroke::new(2.0, Color32::from_rgb(110, 190, 255)),
    ));
    painter.text(
        rect.left_top() + Vec2::new(6.0, 4.0),
        egui::Align2::LEFT_TOP,
        format!("RT60 vs. frequency · {}", p.decay),
        egui::FontId::proportional(11.0),
        Color32::from_gray(170),
    );
}
