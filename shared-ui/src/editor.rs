//! [`GelEditor`]: the frame every Gel editor runs in — theme, header bar with the plugin
//! name and zoom, a central panel for the plugin's controls, and size/zoom persistence through
//! [`GelEditorState`].
//!
//! A plugin only supplies a closure drawing its controls:
//!
//! ```text
//! type Editor = gel_ui::GelEditor;
//! fn editor(&mut self, _: AsyncExecutor<Self>) -> Option<Self::Editor> {
//!     let params = self.params.clone();
//!     gel_ui::create_editor(params.editor_state.clone(), "Gel Panner", move |ui, setter| {
//!         ui.add(gel_ui::Knob::new(&params.pan, setter));
//!     })
//! }
//! ```

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use egui::{CentralPanel, Frame, Margin, Panel, Stroke};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, Size};
use nice_plug::editor::{Editor, HostMethods, ParentWindowHandle, ResizeHint, SpawnedEditor};
use nice_plug::prelude::{ParamSetter, TrackInfo};
use nice_plug_egui::baseview::WindowSize;
use nice_plug_egui::{
    create_egui_editor, EguiEditorHandle, EguiEditorState, EguiNiceSettings, NiceEguiApp,
    RepaintNotifier,
};

use crate::layout::header_bar;
use crate::theme;
use gel_plugin::editor_state::{clamp_zoom, GelEditorState};

/// The plugin's drawing code: called every frame with the central panel's `Ui` and a
/// [`ParamSetter`] for gesture-wrapped parameter changes.
pub type UiFn = Box<dyn FnMut(&mut egui::Ui, &ParamSetter) + Send>;

/// Meters redraw at this interval while the editor is open (≈30 fps).
pub const DEFAULT_REPAINT_INTERVAL: Duration = Duration::from_millis(33);

/// A nice-plug [`Editor`] built from nice-plug-egui that adds Gel's frame and keeps the window
/// size and zoom in a persistent [`GelEditorState`].
///
/// Each time the host opens the editor a fresh egui editor is made from the *current*
/// `GelEditorState`, so a size/zoom restored from a preset or project is honoured even though
/// nice-plug creates the editor object before it loads the state.
pub struct GelEditor {
    state: Arc<GelEditorState>,
    title: String,
    ui_fn: Arc<Mutex<UiFn>>,
    resize_hint: ResizeHint,
    repaint_interval: Option<Duration>,
    live: Mutex<Option<Arc<EguiEditorState>>>,
    on_track_name: Option<TrackNameFn>,
}

/// Receives the name of the track the plugin sits on, on the main thread (see
/// [`GelEditor::on_track_name`]).
pub type TrackNameFn = Box<dyn Fn(&str) + Send + Sync>;

/// Build a Gel editor: `title` is shown in the header and as the window title; `ui` draws the
/// plugin's controls. Always returns `Some` (the `Option` matches `Plugin::editor`).
pub fn create_editor(
    state: Arc<GelEditorState>,
    title: &str,
    ui: impl FnMut(&mut egui::Ui, &ParamSetter) + Send + 'static,
) -> Option<GelEditor> {
    Some(GelEditor::new(state, title, ui))
}

impl GelEditor {
    /// See [`create_editor`].
    pub fn new(
        state: Arc<GelEditorState>,
        title: &str,
        ui: impl FnMut(&mut egui::Ui, &ParamSetter) + Send + 'static,
    ) -> Self {
        Self {
            state,
            title: title.to_owned(),
            ui_fn: Arc::new(Mutex::new(Box::new(ui))),
            resize_hint: ResizeHint::NON_RESIZABLE,
            repaint_interval: Some(DEFAULT_REPAINT_INTERVAL),
            live: Mutex::new(None),
            on_track_name: None,
        }
    }

    /// Call `f` with the track's name whenever the host reports it: CLAP `track-info` (asked
    /// when the plugin is initialised and on each `changed()`) and VST3
    /// `IInfoListener::setChannelContextInfos`. nice-plug hands both to the editor object
    /// (`Editor::track_info_updated`, main thread), which exists for the plugin's whole life,
    /// window open or not; an empty name means the host has none.
    pub fn on_track_name(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_track_name = Some(Box::new(f));
        self
    }

    /// Let the host resize the window (the zoom control always works). The content must then
    /// lay itself out for any size; the new size is remembered in the [`GelEditorState`].
    pub fn with_resize_hint(mut self, hint: ResizeHint) -> Self {
        self.resize_hint = hint;
        self
    }

    /// How often to redraw without input (for meters). `None` redraws only on input and
    /// parameter changes. Default: [`DEFAULT_REPAINT_INTERVAL`].
    pub fn with_repaint_interval(mut self, interval: Option<Duration>) -> Self {
        self.repaint_interval = interval;
        self
    }

    /// The persistent state this editor reads and updates.
    pub fn state(&self) -> &Arc<GelEditorState> {
        &self.state
    }
}

impl Editor for GelEditor {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let (w, h) = self.state.size();
        let egui_state = EguiEditorState::from_size(
            LogicalSize::new(w as f64, h as f64),
            clamp_zoom(self.state.zoom()),
        );
        let app = GelApp {
            state: self.state.clone(),
            title: self.title.clone(),
            ui_fn: self.ui_fn.clone(),
            gui: None,
            repaint_interval: self.repaint_interval,
        };
        let settings = EguiNiceSettings::new()
            .with_tile(self.title.clone())
            .with_resize_hint(self.resize_hint);
        let editor = create_egui_editor(egui_state.clone(), RepaintNotifier::new(), settings, app)
            .ok_or("nice-plug-egui did not create an editor")?;
        let spawned = editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )?;
        *self.live.lock().unwrap_or_else(PoisonError::into_inner) = Some(egui_state);
        Ok(spawned)
    }

    fn size(&self) -> NativeSize<u32> {
        // nice-plug-egui reports the unzoomed size; the window really is `size * zoom`.
        let (w, h) = self.state.scaled_size();
        let scale = self
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|s| system_scale(s))
            .unwrap_or(1.0);
        NativeSize::from_size(Size::Logical(LogicalSize::new(w as f64, h as f64)), scale)
    }

    fn resize_hint(&self) -> ResizeHint {
        self.resize_hint
    }

    fn track_info_updated(&self, info: TrackInfo) {
        if let Some(f) = &self.on_track_name {
            f(info.name());
        }
    }
}

/// The host/system scale factor known to an egui editor state (physical ÷ logical).
fn system_scale(state: &EguiEditorState) -> f64 {
    let logical = state.logical_size();
    let physical = state.physical_size();
    if logical.width > 0.0 {
        (physical.width as f64 / logical.width as f64).max(0.25)
    } else {
        1.0
    }
}

/// The nice-plug-egui app behind [`GelEditor`]. Public only because `Plugin::Editor` types
/// must be nameable; plugins do not use it directly.
pub struct GelApp {
    state: Arc<GelEditorState>,
    title: String,
    ui_fn: Arc<Mutex<UiFn>>,
    gui: Option<GuiContext>,
    repaint_interval: Option<Duration>,
}

impl NiceEguiApp for GelApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        // Zoom is chosen in the header; keyboard zoom would fight hosts' shortcuts.
        egui_ctx.options_mut(|o| o.zoom_with_keyboard = false);
        self.gui = Some(nice_gui_ctx);
        self.state.set_open(true);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui) = self.gui.as_ref() else {
            return;
        };
        let setter = gui.param_setter();
        draw_frame(ui, &self.title, &self.ui_fn, &setter);
        if let Some(interval) = self.repaint_interval {
            ui.ctx().request_repaint_after(interval);
        }
    }

    fn resized(&mut self, new_size: WindowSize) {
        // `logical` is the content size at zoom 1 (egui-baseview divides out the zoom).
        self.state.set_size(
            new_size.logical.width as f32,
            new_size.logical.height as f32,
        );
    }

    fn zoom_factor_changed(&mut self, zoom_factor: f32) {
        self.state.set_zoom(zoom_factor);
    }

    fn editor_closed(&mut self) {
        self.state.set_open(false);
    }
}

impl Drop for GelApp {
    fn drop(&mut self) {
        // The window owns the app; it is dropped when the host closes the editor.
        self.state.set_open(false);
    }
}

/// Draw Gel's frame (header with title and zoom, then the central panel running `ui_fn`).
/// Exposed so the same frame can be rendered in tests or a standalone preview.
pub fn draw_frame(ui: &mut egui::Ui, title: &str, ui_fn: &Mutex<UiFn>, setter: &ParamSetter) {
    let ctx = ui.ctx().clone();
    let current = ctx.zoom_factor();
    let clamped = clamp_zoom(current);
    if clamped != current {
        ctx.set_zoom_factor(clamped);
    }
    let mut zoom = clamped;

    Panel::top("gel-header")
        .exact_size(theme::spacing::HEADER_HEIGHT)
        .show_separator_line(false)
        .frame(
            Frame::new()
                .fill(theme::PANEL)
                .stroke(Stroke::new(1.0, theme::GRID))
                .inner_margin(Margin::symmetric(12, 6)),
        )
        .show(ui, |ui| {
            if header_bar(ui, title, &mut zoom) {
                ctx.set_zoom_factor(clamp_zoom(zoom));
            }
        });

    CentralPanel::default_margins()
        .frame(
            Frame::new()
                .fill(theme::BACKGROUND)
                .inner_margin(Margin::same(12)),
        )
        .show(ui, |ui| {
            let mut f = ui_fn.lock().unwrap_or_else(PoisonError::into_inner);
            (f)(ui, setter);
        });
}
