//! Gel Panner's editor: input meter | goniometer and correlation | controls | output meter.
//! Built entirely from gel-ui; this file only lays the pieces out.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use gel_ui::link_panel::{PannerLinkPanel, TrackLabel};
use gel_ui::preset_browser::PresetBrowser;
use gel_ui::{
    create_editor, labelled_row, section, CorrelationMeterView, EnumSelector, GelEditor,
    Goniometer, Knob, LevelMeterView, ParamToggle,
};

use crate::params::{PanModeParam, PannerParams};
use crate::PannerDisplay;

pub type PannerEditor = GelEditor;

const METER_HEIGHT: f32 = 300.0;
const SCOPE_SIZE: f32 = 210.0;
/// Width of the Gel Link section (the other tracks' placement).
const LINK_WIDTH: f32 = 250.0;

pub fn create(
    params: Arc<PannerParams>,
    display: Arc<PannerDisplay>,
    link: Arc<TrackLabel>,
) -> Option<PannerEditor> {
    let mut scope_points = Vec::with_capacity(display.scope.capacity());
    let mut link_panel = PannerLinkPanel::new(link.clone());
    let mut presets = PresetBrowser::new("panner", params.clone(), params.presets.clone());
    create_editor(
        params.editor_state.clone(),
        "Gel Panner",
        move |ui, setter| {
            presets.show(ui, setter);
            display.scope.snapshot(&mut scope_points);
            let p = &params;
            ui.horizontal_top(|ui| {
                section(ui, "In", |ui| {
                    ui.vertical(|ui| {
                        ui.add(
                            LevelMeterView::from_source(&*display.input_meter)
                                .height(METER_HEIGHT)
                                .label("In"),
                        );
                    })
                });

                section(ui, "Image", |ui| {
                    ui.vertical(|ui| {
                        ui.add(Goniometer::new(&scope_points).size(SCOPE_SIZE));
                        ui.add_space(6.0);
                        ui.add(
                            CorrelationMeterView::new(display.correlation.load(Ordering::Relaxed))
                                .width(SCOPE_SIZE),
                        );
                        ui.add_space(8.0);
                        labelled_row(ui, "Mode", |ui| {
                            ui.add(EnumSelector::new(&p.mode, setter).segments());
                        });
                        labelled_row(ui, "Law", |ui| {
                            ui.add(EnumSelector::new(&p.law, setter).combo());
                        });
                    })
                });

                section(ui, "Place", |ui| {
                    ui.vertical(|ui| {
                        ui.set_min_width(190.0);
                        ui.horizontal(|ui| {
                            if p.mode.value() == PanModeParam::Dual {
                                ui.add(Knob::new(&p.pan_left, setter).diameter(56.0));
                                ui.add(Knob::new(&p.pan_right, setter).diameter(56.0));
                            } else {
                                ui.add(Knob::new(&p.pan, setter).diameter(72.0));
                            }
                            ui.add(Knob::new(&p.width, setter).diameter(56.0));
                        });
                        ui.add_space(6.0);
                        ui.horizontal(|ui| {
                            ui.add(Knob::new(&p.mono_frequency, setter).diameter(48.0));
                            ui.vertical(|ui| {
                                ui.add_space(14.0);
                                ui.add(ParamToggle::new(&p.mono_maker, setter).label("Mono Maker"));
                            });
                        });
                        ui.add_space(6.0);
                        ui.horizontal(|ui| {
                            ui.add(ParamToggle::new(&p.swap, setter).label("Swap L/R"));
                            ui.add(ParamToggle::new(&p.invert_left, setter).label("Ø L"));
                            ui.add(ParamToggle::new(&p.invert_right, setter).label("Ø R"));
                        });
                        ui.add_space(6.0);
                        ui.add(Knob::new(&p.output_gain, setter).diameter(48.0));
                    })
                });

                section(ui, "Out", |ui| {
                    ui.vertical(|ui| {
                        ui.add(
                            LevelMeterView::from_source(&*display.output_meter)
                                .height(METER_HEIGHT)
                                .label("Out"),
                        );
                    })
                });

                link_panel.show(ui, LINK_WIDTH);
            });
        },
    )
    .map(|editor| link.follow_host(editor))
}
