//! Gel Compressor's editor. Top: input meter | transfer curve with the current level |
//! scrolling history of input, output and gain reduction | gain-reduction meter | output
//! meter. Below: the controls in four groups. Built from gel-ui; this file lays the pieces
//! out and reads the display atomics (never a lock).

use std::sync::Arc;

use gel_dsp::dynamics::{auto_makeup_db, Compressor, CompressorSettings, GainComputer};
use gel_ui::egui::Vec2;
use gel_ui::level_history::{Lane, LaneStyle, LevelHistory};
use gel_ui::preset_browser::PresetBrowser;
use gel_ui::transfer_curve::TransferCurve;
use gel_ui::{
    create_editor, section, small_label, theme, EnumSelector, GainReductionMeter, GelEditor, Knob,
    LevelMeterView, ParamToggle,
};

use crate::params::CompressorParams;
use crate::{CompressorDisplay, HISTORY_LANES, HISTORY_SECONDS};

pub type CompressorEditor = GelEditor;

const DISPLAY_HEIGHT: f32 = 250.0;
const BIG: f32 = 62.0;
const KNOB: f32 = 48.0;
const SMALL: f32 = 42.0;
/// Full scale of the gain-reduction meter.
const GR_METER_DB: f32 = 30.0;

/// How the history draws its three lanes (same order as [`crate::HISTORY_LANES`]).
const LANES: [Lane; HISTORY_LANES] = [
    Lane {
        label: "In",
        color: theme::TEXT_DIM,
        style: LaneStyle::Area,
    },
    Lane {
        label: "Out",
        color: theme::ACCENT,
        style: LaneStyle::Line,
    },
    Lane {
        label: "GR",
        color: theme::GAIN_REDUCTION,
        style: LaneStyle::Reduction,
    },
];

/// The makeup gain the engine applies for `settings` (manual plus automatic), in dB.
pub fn total_makeup_db(settings: &CompressorSettings) -> f32 {
    let automatic = if settings.auto_makeup {
        auto_makeup_db(&GainComputer::new(
            settings.threshold_db,
            settings.ratio,
            settings.knee_db,
            settings.range_db,
        ))
    } else {
        0.0
    };
    settings.makeup_db + automatic
}

/// The displayed curve: the engine's static curve plus makeup (not the output gain, which is
/// a trim after the compressor).
pub fn curve_with_makeup_db(settings: &CompressorSettings, input_db: f32) -> f32 {
    Compressor::static_curve_db(settings, input_db) + total_makeup_db(settings)
}

/// Where the current-level dot sits: at the measured input level, and the output level the
/// engine's actual gain reduction gives it plus makeup, so the dot is on the curve for a
/// steady level and leaves it while attack and release are still moving.
pub fn dot_output_db(settings: &CompressorSettings, input_db: f32, reduction_db: f32) -> f32 {
    input_db - reduction_db + total_makeup_db(settings)
}

pub fn create(
    params: Arc<CompressorParams>,
    display: Arc<CompressorDisplay>,
) -> Option<CompressorEditor> {
    let mut frames: Vec<[f32; HISTORY_LANES]> = Vec::new();
    let mut presets = PresetBrowser::new("compressor", params.clone(), params.presets.clone());
    create_editor(
        params.editor_state.clone(),
        "Gel Compressor",
        move |ui, setter| {
            presets.show(ui, setter);
            let p = &params;
            let settings = p.settings();
            display.history.snapshot(&mut frames);
            let [input_db, _output_db, reduction_db] =
                frames
                    .last()
                    .copied()
                    .unwrap_or([f32::NEG_INFINITY, f32::NEG_INFINITY, 0.0]);

            ui.horizontal_top(|ui| {
                section(ui, "In", |ui| {
                    ui.add(
                        LevelMeterView::from_source(&*display.input_meter)
                            .height(DISPLAY_HEIGHT)
                            .label("In"),
                    );
                });
                section(ui, "Curve", |ui| {
                    ui.vertical(|ui| {
                        let curve = |x: f32| curve_with_makeup_db(&settings, x);
                        let mut plot = TransferCurve::new(&curve)
                            .side(DISPLAY_HEIGHT - 16.0)
                            .threshold(settings.threshold_db, settings.knee_db);
                        if input_db.is_finite() {
                            plot = plot
                                .dot(input_db, dot_output_db(&settings, input_db, reduction_db));
                        }
                        ui.add(plot);
                        small_label(
                            ui,
                            &format!(
                                "In {}  ·  GR {:.1} dB",
                                gel_ui::meter::format_db(input_db, -96.0),
                                reduction_db
                            ),
                        );
                    });
                });
                section(ui, "History", |ui| {
                    ui.add(
                        LevelHistory::new(&frames, &LANES)
                            .size(Vec2::new(420.0, DISPLAY_HEIGHT))
                            .seconds(HISTORY_SECONDS),
                    );
                });
                section(ui, "GR", |ui| {
                    ui.add(
                        GainReductionMeter::new(reduction_db)
                            .range_db(GR_METER_DB)
                            .height(DISPLAY_HEIGHT),
                    );
                });
                section(ui, "Out", |ui| {
                    ui.add(
                        LevelMeterView::from_source(&*display.output_meter)
                            .height(DISPLAY_HEIGHT)
                            .label("Out"),
                    );
                });
            });

            ui.add_space(4.0);
            ui.horizontal_top(|ui| {
                section(ui, "Compression", |ui| {
                    ui.horizontal_top(|ui| {
                        ui.add(Knob::new(&p.threshold, setter).diameter(BIG));
                        ui.add(Knob::new(&p.ratio, setter).diameter(BIG));
                        ui.add(Knob::new(&p.knee, setter).diameter(KNOB));
                        ui.add(Knob::new(&p.range, setter).diameter(KNOB));
                    });
                });
                section(ui, "Timing", |ui| {
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            ui.add(Knob::new(&p.attack, setter).diameter(KNOB));
                        });
                        ui.vertical(|ui| {
                            ui.add(Knob::new(&p.release, setter).diameter(KNOB));
                            ui.add(ParamToggle::new(&p.auto_release, setter).label("Auto"));
                        });
                        ui.vertical(|ui| {
                            small_label(ui, "Style");
                            ui.add(EnumSelector::new(&p.style, setter).segments());
                            ui.add_space(4.0);
                            small_label(ui, "Detection");
                            ui.horizontal(|ui| {
                                ui.add(EnumSelector::new(&p.detection, setter).segments());
                            });
                        });
                        ui.add(
                            Knob::new(&p.rms_window, setter)
                                .diameter(SMALL)
                                .label("RMS Win"),
                        );
                    });
                });
                section(ui, "Output", |ui| {
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            ui.add(Knob::new(&p.makeup, setter).diameter(KNOB));
                            ui.add(ParamToggle::new(&p.auto_makeup, setter).label("Auto"));
                        });
                        ui.add(Knob::new(&p.mix, setter).diameter(KNOB));
                        ui.add(
                            Knob::new(&p.output_gain, setter)
                                .diameter(KNOB)
                                .label("Output"),
                        );
                    });
                });
            });
            ui.add_space(4.0);
            ui.horizontal_top(|ui| {
                section(ui, "Sidechain", |ui| {
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            ui.add(EnumSelector::new(&p.sidechain, setter).segments());
                            ui.add_space(4.0);
                            ui.add(EnumSelector::new(&p.channel_mode, setter).segments());
                            ui.add_space(4.0);
                            ui.add(ParamToggle::new(&p.sc_listen, setter).label("Listen"));
                        });
                        ui.vertical(|ui| {
                            ui.add(Knob::new(&p.sc_hp_freq, setter).diameter(SMALL).label("HP"));
                            ui.add(ParamToggle::new(&p.sc_hp_on, setter).label("HP"));
                        });
                        ui.vertical(|ui| {
                            ui.add(Knob::new(&p.sc_lp_freq, setter).diameter(SMALL).label("LP"));
                            ui.add(ParamToggle::new(&p.sc_lp_on, setter).label("LP"));
                        });
                        ui.add(
                            Knob::new(&p.stereo_link, setter)
                                .diameter(SMALL)
                                .label("Link"),
                        );
                        ui.add(Knob::new(&p.lookahead, setter).diameter(SMALL));
                    });
                });
            });
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_sits_on_the_curve_when_the_reduction_is_the_static_one() {
        for auto_makeup in [false, true] {
            let settings = CompressorSettings {
                makeup_db: 6.0,
                auto_makeup,
                ..CompressorSettings::default()
            };
            for input in [-40.0f32, -20.0, -10.0, 0.0] {
                let static_reduction = input - Compressor::static_curve_db(&settings, input);
                let y = dot_output_db(&settings, input, static_reduction);
                let on_curve = curve_with_makeup_db(&settings, input);
                assert!((y - on_curve).abs() < 1e-4, "{input}: {y} vs {on_curve}");
            }
        }
        // Defaults (-20 dB, 4:1): automatic makeup is half the reduction at 0 dBFS, 7.5 dB.
        let auto = CompressorSettings {
            auto_makeup: true,
            ..CompressorSettings::default()
        };
        assert!((total_makeup_db(&auto) - 7.5).abs() < 1e-4);
    }
}
