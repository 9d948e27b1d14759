//! Gel Delay's editor: input meter | time | feedback loop | character | ducking | output |
//! output meter. Built entirely from gel-ui; this file only lays the pieces out.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use gel_plugin::param_text::format_time_ms;
use gel_ui::preset_browser::PresetBrowser;
use gel_ui::{
    create_editor, section, small_label, EnumSelector, GainReductionMeter, GelEditor, Knob,
    LevelMeterView, ParamToggle,
};

use crate::params::DelayParams;
use crate::DelayDisplay;

pub type DelayEditor = GelEditor;

const METER_HEIGHT: f32 = 330.0;
const BIG: f32 = 68.0;
const MID: f32 = 52.0;
const SMALL: f32 = 44.0;

pub fn create(params: Arc<DelayParams>, display: Arc<DelayDisplay>) -> Option<DelayEditor> {
    let mut presets = PresetBrowser::new("delay", params.clone(), params.presets.clone());
    create_editor(
        params.editor_state.clone(),
        "Gel Delay",
        move |ui, setter| {
            presets.show(ui, setter);
            let p = &params;
            ui.horizontal_top(|ui| {
                section(ui, "In", |ui| {
                    ui.add(
                        LevelMeterView::from_source(&*display.input_meter)
                            .height(METER_HEIGHT)
                            .label("In"),
                    );
                });

                section(ui, "Time", |ui| {
                    ui.vertical(|ui| {
                        ui.set_width(204.0);
                        ui.horizontal(|ui| {
                            ui.add(ParamToggle::new(&p.sync, setter).label("Sync"));
                            ui.add(ParamToggle::new(&p.link, setter).label("Link L/R"));
                        });
                        ui.add_space(6.0);
                        let linked = p.link.value();
                        ui.horizontal(|ui| {
                            if p.sync.value() {
                                ui.vertical(|ui| {
                                    small_label(ui, if linked { "Note" } else { "Left note" });
                                    ui.add(EnumSelector::new(&p.note, setter).combo());
                                    ui.add(EnumSelector::new(&p.note_type, setter).segments());
                                    if !linked {
                                        small_label(ui, "Right note");
                                        ui.add(EnumSelector::new(&p.note_right, setter).combo());
                                        ui.add(
                                            EnumSelector::new(&p.note_type_right, setter)
                                                .segments(),
                                        );
                                    }
                                });
                            } else if linked {
                                ui.add(Knob::new(&p.time, setter).diameter(BIG));
                            } else {
                                ui.add(Knob::new(&p.time, setter).diameter(MID).label("Left"));
                                ui.add(
                                    Knob::new(&p.time_right, setter)
                                        .diameter(MID)
                                        .label("Right"),
                                );
                            }
                            ui.add(Knob::new(&p.offset, setter).diameter(SMALL).label("Offset"));
                        });
                        ui.add_space(2.0);
                        small_label(
                            ui,
                            &format!(
                                "L {}  ·  R {}  ·  {:.1} BPM",
                                format_time_ms(display.left_ms.load(Ordering::Relaxed), 2),
                                format_time_ms(display.right_ms.load(Ordering::Relaxed), 2),
                                display.bpm.load(Ordering::Relaxed)
                            ),
                        );
                        ui.add_space(8.0);
                        small_label(ui, "Mode");
                        ui.add(
                            EnumSelector::new(&p.mode, setter)
                                .segments()
                                .segment_width(68.0),
                        );
                        ui.add_space(4.0);
                        small_label(ui, "Time change");
                        ui.add(EnumSelector::new(&p.time_change, setter).segments());
                    });
                });

                section(ui, "Feedback", |ui| {
                    ui.vertical(|ui| {
                        ui.set_width(150.0);
                        ui.add(Knob::new(&p.feedback, setter).diameter(BIG));
                        ui.add(ParamToggle::new(&p.freeze, setter).label("Freeze"));
                        ui.add_space(10.0);
                        ui.horizontal(|ui| {
                            ui.vertical(|ui| {
                                ui.add(
                                    Knob::new(&p.low_cut, setter)
                                        .diameter(SMALL)
                                        .label("Low Cut"),
                                );
                                ui.add(ParamToggle::new(&p.low_cut_on, setter).label("HP"));
                            });
                            ui.vertical(|ui| {
                                ui.add(
                                    Knob::new(&p.high_cut, setter)
                                        .diameter(SMALL)
                                        .label("High Cut"),
                                );
                                ui.add(ParamToggle::new(&p.high_cut_on, setter).label("LP"));
                            });
                        });
                    });
                });

                section(ui, "Character", |ui| {
                    ui.vertical(|ui| {
                        ui.set_width(140.0);
                        ui.add(Knob::new(&p.drive, setter).diameter(MID));
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.wow, setter).diameter(SMALL));
                            ui.add(Knob::new(&p.wow_rate, setter).diameter(SMALL).label("Rate"));
                        });
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.flutter, setter).diameter(SMALL));
                            ui.add(
                                Knob::new(&p.flutter_rate, setter)
                                    .diameter(SMALL)
                                    .label("Rate"),
                            );
                        });
                    });
                });

                ui.vertical(|ui| {
                    ui.set_width(212.0);
                    section(ui, "Ducking", |ui| {
                        ui.horizontal_top(|ui| {
                            ui.add(Knob::new(&p.duck, setter).diameter(SMALL).label("Amount"));
                            ui.add(
                                Knob::new(&p.duck_release, setter)
                                    .diameter(SMALL)
                                    .label("Release"),
                            );
                            ui.add(
                                GainReductionMeter::new(display.duck_db.load(Ordering::Relaxed))
                                    .height(96.0),
                            );
                        });
                    });
                    section(ui, "Output", |ui| {
                        ui.vertical(|ui| {
                            ui.horizontal_top(|ui| {
                                ui.add(Knob::new(&p.mix, setter).diameter(MID));
                                ui.add(Knob::new(&p.width, setter).diameter(SMALL));
                                ui.add(Knob::new(&p.output_gain, setter).diameter(SMALL));
                            });
                            ui.add(ParamToggle::new(&p.wet_only, setter).label("Wet Only"));
                        });
                    });
                });

                section(ui, "Out", |ui| {
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
