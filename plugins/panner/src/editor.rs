//! Gel Panner's editor (temporary minimal version until gel-ui lands).
use std::sync::Arc;

use egui;

use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};

use crate::params::{PannerParams, EDITOR_SIZE};
use crate::PannerDisplay;

pub type PannerEditor = EguiEditor<PannerApp>;

pub struct PannerApp {
    params: Arc<PannerParams>,
    _display: Arc<PannerDisplay>,
    setter: Option<nice_plug::context::gui::GuiContext>,
}

impl NiceEguiApp for PannerApp {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        gui: nice_plug::context::gui::GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.setter = Some(gui);
        Ok(())
    }
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        ui.heading("Gel Panner");
        ui.label(format!("Pan {}", self.params.pan));
    }
}

pub fn create(params: Arc<PannerParams>, display: Arc<PannerDisplay>) -> Option<PannerEditor> {
    create_egui_editor(
        EguiEditorState::from_size(
            nice_plug::editor::dpi::LogicalSize::new(EDITOR_SIZE.0 as f32, EDITOR_SIZE.1 as f32),
            1.0,
        ),
        RepaintNotifier::new(),
        EguiNiceSettings::new().with_tile("Gel Panner"),
        PannerApp {
            params,
            _display: display,
            setter: None,
        },
    )
}
