//! [`PresetBrowser`]: presets, A/B and undo in the header of every Gel editor.
//!
//! One row, drawn over the empty middle of the header bar (the editor frame owns the header; the
//! browser belongs to the plugin, so it places itself there as an overlay rather than asking
//! the frame for a slot):
//!
//! `◀ ▶ [Preset name *] Save … | A B A»B B»A | ↶ ↷`
//!
//! - the name button opens the list: a search field, then the factory presets by category and
//!   the user's by category (or the matches, while searching), and "Default settings";
//! - `*` marks a preset changed since it was loaded or saved;
//! - `…` holds Save As, Rename, Delete, Import and Export (a file path is typed in: hosts give
//!   plugins no file dialog);
//! - A/B switches between two complete settings, the arrows copy one slot over the other;
//! - undo/redo (also Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y while the editor has focus).
//!
//! Presets reach the plugin through the host, one begin/set/end gesture per parameter
//! ([`gel_presets::Schema::apply`]), so the host records them and the plugin's smoothers glide.
//! Problems (a refused file, a read-only folder) show as a message under the header. All file
//! access happens here, on the GUI thread.
//!
//! ```text
//! let mut browser = PresetBrowser::new("panner", params.clone(), params.presets.clone());
//! create_editor(state, "Gel Panner", move |ui, setter| {
//!     browser.show(ui, setter);
//!     ...
//! })
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use egui::containers::menu::{MenuButton, MenuConfig};
use egui::{
    Area, Button, Color32, CornerRadius, Event, Frame, Id, Key, KeyboardShortcut, Modifiers, Order,
    Pos2, Rect, Response, RichText, Sense, Stroke, TextEdit, Ui, Vec2,
};
use gel_presets::store::{self, UserStore};
use gel_presets::{FrameInput, Library, Origin, Preset, PresetRef, PresetSession, Schema, Values};
use nice_plug::params::Params;
use nice_plug::prelude::ParamSetter;

use crate::theme;

/// Width of the browser row; it is centred in the header (every Gel editor is at least 960
/// points wide, leaving room for the title on the left and the zoom on the right).
pub const BAR_WIDTH: f32 = 560.0;
/// Height of the row's controls.
const ROW_HEIGHT: f32 = 22.0;
/// Width of the preset name button.
const NAME_WIDTH: f32 = 210.0;
/// Seconds an information message stays; errors stay until dismissed or replaced.
const INFO_SECONDS: f64 = 5.0;

/// What a click in the browser asks for; performed after drawing.
#[derive(Clone, Debug, PartialEq)]
enum Action {
    Load(usize),
    Step(isize),
    Defaults,
    Save,
    SaveAs { name: String, category: String },
    Overwrite { name: String, category: String },
    Rename(String),
    Delete,
    Import(String),
    Export(String),
    Switch,
    CopyToInactive,
    CopyFromInactive,
    Undo,
    Redo,
    Refresh,
}

/// A small form under the header.
#[derive(Clone, Debug, PartialEq)]
enum Dialog {
    SaveAs { name: String, category: String },
    ConfirmOverwrite { name: String, category: String },
    Rename { name: String },
    ConfirmDelete,
    Import { path: String },
    Export { path: String },
}

#[derive(Clone, Debug)]
struct Message {
    text: String,
    error: bool,
    /// egui time after which an information message disappears.
    until: f64,
}

/// The preset browser of one editor. Create it once when the editor is built and call
/// [`PresetBrowser::show`] every frame.
pub struct PresetBrowser {
    schema: Schema,
    session: Arc<PresetSession>,
    store: Option<UserStore>,
    library: Library,
    current: Values,
    search: String,
    dialog: Option<Dialog>,
    message: Option<Message>,
}

impl PresetBrowser {
    /// A browser for the plugin `plugin` (its slug: `eq`, `panner`, ...) over `params`, keeping
    /// A/B and undo in `session` (the plugin's persistent `presets` field). User presets live
    /// in [`UserStore::for_plugin`].
    pub fn new(plugin: &str, params: Arc<dyn Params>, session: Arc<PresetSession>) -> Self {
        Self::with_store(plugin, params, session, UserStore::for_plugin(plugin))
    }

    /// [`PresetBrowser::new`] with an explicit user folder (`None`: factory presets only).
    pub fn with_store(
        plugin: &str,
        params: Arc<dyn Params>,
        session: Arc<PresetSession>,
        store: Option<UserStore>,
    ) -> Self {
        let schema = Schema::new(plugin, params);
        let current = schema.current();
        // The list is read when the editor opens (see `show`), not here: nice-plug builds the
        // editor object when the plugin is created, long before anyone looks at it.
        Self {
            schema,
            session,
            store,
            library: Library::default(),
            current,
            search: String::new(),
            dialog: None,
            message: None,
        }
    }

    /// The preset list as last loaded.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The message shown under the header, if any.
    pub fn message(&self) -> Option<&str> {
        self.message.as_ref().map(|m| m.text.as_str())
    }

    /// The name shown in the browser: the preset's (or "Default settings"), with ` *` when the
    /// settings were changed since.
    pub fn display_name(&self) -> String {
        let name = self
            .session
            .current_preset()
            .map(|p| p.name)
            .unwrap_or_else(|| "Default settings".to_owned());
        if self.session.is_modified(&self.schema, &self.current) {
            format!("{name} *")
        } else {
            name
        }
    }

    /// Draw the browser in the header and handle its clicks and shortcuts. Call once per frame
    /// from the plugin's editor closure.
    pub fn show(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let ctx = ui.ctx().clone();
        // Each opening of the editor is a new egui context: list the presets again then, so
        // files added or removed while it was closed show up.
        let listed = Id::unique("gel-preset-browser-listed");
        if !ctx.data(|d| d.get_temp::<bool>(listed).unwrap_or(false)) {
            self.reload();
            self.report_listing_problems();
            ctx.data_mut(|d| d.insert_temp(listed, true));
        }
        self.schema.read_into(&mut self.current);
        self.session.observe(&self.current, frame_input(&ctx));

        let mut action = self.shortcut(&ctx);
        let area = ctx.content_rect();
        let left = (area.center().x - BAR_WIDTH / 2.0).max(area.left() + 150.0);
        let top = area.top() + (theme::spacing::HEADER_HEIGHT - ROW_HEIGHT) / 2.0;
        let bar = Area::new(Id::unique("gel-preset-browser"))
            .order(Order::Middle)
            .fixed_pos(Pos2::new(left, top))
            .show(&ctx, |ui| {
                ui.set_height(ROW_HEIGHT);
                ui.horizontal_centered(|ui| self.row(ui)).inner
            });
        action = action.or(bar.inner);

        let below = Pos2::new(left, area.top() + theme::spacing::HEADER_HEIGHT + 4.0);
        if let Some(dialog_action) = self.dialog_ui(&ctx, below) {
            action = Some(dialog_action);
        }
        self.message_ui(&ctx, below);

        if let Some(action) = action {
            self.perform(action, setter, &ctx);
        }
    }

    /// Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y, unless a text field is being typed in.
    fn shortcut(&self, ctx: &egui::Context) -> Option<Action> {
        if ctx.egui_wants_keyboard_input() {
            return None;
        }
        ctx.input_mut(|i| {
            // Most specific first: Ctrl+Z also matches Ctrl+Shift+Z logically.
            let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
            let redo_y = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
            let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
            if i.consume_shortcut(&redo) || i.consume_shortcut(&redo_y) {
                Some(Action::Redo)
            } else if i.consume_shortcut(&undo) {
                Some(Action::Undo)
            } else {
                None
            }
        })
    }

    /// The row of controls; returns the clicked action.
    fn row(&mut self, ui: &mut Ui) -> Option<Action> {
        let mut action = None;
        ui.spacing_mut().item_spacing.x = 4.0;
        if icon_button(ui, Icon::Previous, true)
            .on_hover_text("Previous preset")
            .clicked()
        {
            action = Some(Action::Step(-1));
        }
        if icon_button(ui, Icon::Next, true)
            .on_hover_text("Next preset")
            .clicked()
        {
            action = Some(Action::Step(1));
        }
        action = action.or(self.preset_menu(ui));
        if ui
            .add(small_button("Save"))
            .on_hover_text("Save the current settings as a user preset")
            .clicked()
        {
            action = Some(Action::Save);
        }
        action = action.or(self.file_menu(ui));

        separator(ui);
        let active = self.session.active();
        for slot in [gel_presets::Slot::A, gel_presets::Slot::B] {
            let selected = active == slot;
            let response = ui
                .add(slot_button(slot.letter(), selected))
                .on_hover_text(format!("Settings slot {}", slot.letter()));
            if response.clicked() && !selected {
                action = Some(Action::Switch);
            }
        }
        // "A » B" copies A into B whichever slot is showing. (The default fonts have no arrow
        // glyphs; » is Latin-1.)
        let (to_b, to_a) = match active {
            gel_presets::Slot::A => (Action::CopyToInactive, Action::CopyFromInactive),
            gel_presets::Slot::B => (Action::CopyFromInactive, Action::CopyToInactive),
        };
        if ui
            .add(small_button("A » B"))
            .on_hover_text("Copy slot A's settings into slot B")
            .clicked()
        {
            action = Some(to_b);
        }
        if ui
            .add(small_button("B » A"))
            .on_hover_text("Copy slot B's settings into slot A")
            .clicked()
        {
            action = Some(to_a);
        }

        separator(ui);
        if icon_button(ui, Icon::Undo, self.session.can_undo())
            .on_hover_text("Undo (Ctrl+Z)")
            .clicked()
        {
            action = Some(Action::Undo);
        }
        if icon_button(ui, Icon::Redo, self.session.can_redo())
            .on_hover_text("Redo (Ctrl+Shift+Z)")
            .clicked()
        {
            action = Some(Action::Redo);
        }
        action
    }

    /// The name button and its list.
    fn preset_menu(&mut self, ui: &mut Ui) -> Option<Action> {
        let name = self.display_name();
        let button = Button::new(RichText::new(name).color(theme::TEXT))
            .min_size(Vec2::new(NAME_WIDTH, ROW_HEIGHT))
            .truncate();
        let config =
            MenuConfig::new().close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
        let mut action = None;
        let (response, _) = MenuButton::from_button(button).config(config).ui(ui, |ui| {
            ui.set_min_width(NAME_WIDTH + 40.0);
            let search = ui.add(
                TextEdit::singleline(&mut self.search)
                    .hint_text("Search presets")
                    .desired_width(NAME_WIDTH + 30.0),
            );
            if !search.has_focus()
                && self.search.is_empty()
                && !ui.ctx().egui_wants_keyboard_input()
            {
                search.request_focus();
            }
            ui.separator();
            let chosen = if self.search.trim().is_empty() {
                self.category_menus(ui)
            } else {
                self.search_results(ui)
            };
            if chosen.is_some() {
                action = chosen;
                self.search.clear();
                ui.close();
            }
        });
        response.on_hover_text("Choose a preset");
        action
    }

    fn category_menus(&self, ui: &mut Ui) -> Option<Action> {
        let mut action = None;
        if ui.button("Default settings").clicked() {
            action = Some(Action::Defaults);
        }
        let current = self.session.current_preset();
        for (origin, title) in [(Origin::Factory, "Factory"), (Origin::User, "User")] {
            let categories = self.library.categories(origin);
            ui.label(
                RichText::new(title.to_uppercase())
                    .font(theme::small_font())
                    .color(theme::TEXT_DIM),
            );
            if categories.is_empty() {
                ui.label(
                    RichText::new("(none saved yet)")
                        .font(theme::small_font())
                        .color(theme::TEXT_DIM),
                );
            }
            for category in categories {
                ui.menu_button(category, |ui| {
                    for (index, entry) in self.library.entries().iter().enumerate() {
                        if entry.origin != origin || entry.category != category {
                            continue;
                        }
                        let selected = current.as_ref().is_some_and(|c| entry.is(c));
                        let mut item = ui.selectable_label(selected, &entry.name);
                        if !entry.description.is_empty() {
                            item = item.on_hover_text(&entry.description);
                        }
                        if item.clicked() {
                            action = Some(Action::Load(index));
                        }
                    }
                });
            }
        }
        action
    }

    fn search_results(&self, ui: &mut Ui) -> Option<Action> {
        let matches = self.library.search(&self.search);
        if matches.is_empty() {
            ui.label(RichText::new("No preset matches").color(theme::TEXT_DIM));
        }
        let mut action = None;
        for index in matches {
            let entry = &self.library.entries()[index];
            let origin = match entry.origin {
                Origin::User => "user",
                _ => "factory",
            };
            let text = format!("{}  ·  {} ({origin})", entry.name, entry.category);
            let mut item = ui.button(text);
            if !entry.description.is_empty() {
                item = item.on_hover_text(&entry.description);
            }
            if item.clicked() {
                action = Some(Action::Load(index));
            }
        }
        action
    }

    /// The `…` menu.
    fn file_menu(&mut self, ui: &mut Ui) -> Option<Action> {
        let current = self.session.current_preset();
        let user = current
            .as_ref()
            .filter(|p| p.origin == Origin::User)
            .cloned();
        let mut dialog = None;
        let mut action = None;
        ui.menu_button("…", |ui| {
            if ui.button("Save As…").clicked() {
                let (name, category) = suggested_name(current.as_ref());
                dialog = Some(Dialog::SaveAs { name, category });
                ui.close();
            }
            let rename = ui.add_enabled(user.is_some(), Button::new("Rename…"));
            if rename.clicked() {
                let name = user.as_ref().map(|p| p.name.clone()).unwrap_or_default();
                dialog = Some(Dialog::Rename { name });
                ui.close();
            }
            let delete = ui.add_enabled(user.is_some(), Button::new("Delete"));
            if delete.clicked() {
                dialog = Some(Dialog::ConfirmDelete);
                ui.close();
            }
            ui.separator();
            if ui.button("Import…").clicked() {
                dialog = Some(Dialog::Import {
                    path: home_dir().join("preset.toml").display().to_string(),
                });
                ui.close();
            }
            if ui.button("Export…").clicked() {
                let (name, _) = suggested_name(current.as_ref());
                let file = format!("{}.toml", gel_presets::check::slug(&name));
                dialog = Some(Dialog::Export {
                    path: home_dir().join(file).display().to_string(),
                });
                ui.close();
            }
            ui.separator();
            if ui.button("Rescan user presets").clicked() {
                action = Some(Action::Refresh);
                ui.close();
            }
            if let Some(store) = &self.store {
                ui.label(
                    RichText::new(store.dir().display().to_string())
                        .font(theme::small_font())
                        .color(theme::TEXT_DIM),
                );
            }
        });
        if dialog.is_some() {
            self.dialog = dialog;
        }
        action
    }

    /// The open dialog, if any, under the header.
    fn dialog_ui(&mut self, ctx: &egui::Context, at: Pos2) -> Option<Action> {
        let dialog = self.dialog.as_mut()?;
        let mut action = None;
        let mut close = false;
        Area::new(Id::unique("gel-preset-dialog"))
            .order(Order::Foreground)
            .fixed_pos(at)
            .show(ctx, |ui| {
                panel_frame().show(ui, |ui| {
                    ui.set_width(BAR_WIDTH - 24.0);
                    let (title, fields): (&str, Vec<(&str, &mut String)>) = match dialog {
                        Dialog::SaveAs { name, category } => (
                            "Save as user preset",
                            vec![("Name", name), ("Category", category)],
                        ),
                        Dialog::ConfirmOverwrite { name, .. } => {
                            ui.label(format!(
                                "A user preset called \"{name}\" exists. Replace it?"
                            ));
                            ("", Vec::new())
                        }
                        Dialog::Rename { name } => ("Rename user preset", vec![("New name", name)]),
                        Dialog::ConfirmDelete => {
                            ui.label("Delete the current user preset? This removes its file.");
                            ("", Vec::new())
                        }
                        Dialog::Import { path } => ("Import a preset file", vec![("File", path)]),
                        Dialog::Export { path } => (
                            "Export the current settings to a file",
                            vec![("File", path)],
                        ),
                    };
                    if !title.is_empty() {
                        ui.label(RichText::new(title).color(theme::TEXT));
                    }
                    let mut submitted = false;
                    for (label, value) in fields {
                        ui.horizontal(|ui| {
                            ui.add_sized(
                                Vec2::new(64.0, ROW_HEIGHT),
                                egui::Label::new(RichText::new(label).color(theme::TEXT_DIM)),
                            );
                            let edit = ui
                                .add(TextEdit::singleline(value).desired_width(BAR_WIDTH - 120.0));
                            submitted |=
                                edit.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                        });
                    }
                    ui.horizontal(|ui| {
                        let ok_text = match dialog {
                            Dialog::ConfirmOverwrite { .. } => "Replace",
                            Dialog::ConfirmDelete => "Delete",
                            Dialog::Import { .. } => "Import",
                            Dialog::Export { .. } => "Export",
                            Dialog::Rename { .. } => "Rename",
                            Dialog::SaveAs { .. } => "Save",
                        };
                        if ui.button(ok_text).clicked() || submitted {
                            action = Some(match dialog.clone() {
                                Dialog::SaveAs { name, category } => {
                                    Action::SaveAs { name, category }
                                }
                                Dialog::ConfirmOverwrite { name, category } => {
                                    Action::Overwrite { name, category }
                                }
                                Dialog::Rename { name } => Action::Rename(name),
                                Dialog::ConfirmDelete => Action::Delete,
                                Dialog::Import { path } => Action::Import(path),
                                Dialog::Export { path } => Action::Export(path),
                            });
                            close = true;
                        }
                        if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(Key::Escape))
                        {
                            close = true;
                        }
                    });
                });
            });
        if close {
            self.dialog = None;
        }
        action
    }

    /// The current message under the header (below a dialog when one is open).
    fn message_ui(&mut self, ctx: &egui::Context, at: Pos2) {
        let now = ctx.input(|i| i.time);
        let Some(message) = &self.message else {
            return;
        };
        if !message.error && now > message.until {
            self.message = None;
            return;
        }
        let at = if self.dialog.is_some() {
            at + Vec2::new(0.0, 130.0)
        } else {
            at
        };
        let mut dismiss = false;
        Area::new(Id::unique("gel-preset-message"))
            .order(Order::Foreground)
            .fixed_pos(at)
            .show(ctx, |ui| {
                panel_frame()
                    .stroke(Stroke::new(
                        1.0,
                        if message.error {
                            theme::METER_RED
                        } else {
                            theme::ACCENT_DIM
                        },
                    ))
                    .show(ui, |ui| {
                        ui.set_max_width(BAR_WIDTH - 24.0);
                        ui.horizontal(|ui| {
                            let colour = if message.error {
                                theme::METER_RED
                            } else {
                                theme::TEXT
                            };
                            ui.add(
                                egui::Label::new(RichText::new(&message.text).color(colour)).wrap(),
                            );
                            if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                                dismiss = true;
                            }
                        });
                    });
            });
        if dismiss {
            self.message = None;
        } else if !message.error {
            ctx.request_repaint_after(std::time::Duration::from_secs_f64(INFO_SECONDS));
        }
    }

    fn perform(&mut self, action: Action, setter: &ParamSetter, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        let result: Result<Option<String>, String> = match action {
            Action::Load(index) => self.load(index, setter),
            Action::Step(step) => {
                let current = self.session.current_preset();
                match self.library.step(current.as_ref(), step) {
                    Some(index) => self.load(index, setter),
                    None => Ok(None),
                }
            }
            Action::Defaults => {
                self.session.load_defaults(&self.schema, setter);
                Ok(None)
            }
            Action::Save => self.save(),
            Action::SaveAs { name, category } => self.save_as(&name, &category, false),
            Action::Overwrite { name, category } => self.save_as(&name, &category, true),
            Action::Rename(name) => self.rename(&name),
            Action::Delete => self.delete(),
            Action::Import(path) => self.import(&path, setter),
            Action::Export(path) => self.export(&path),
            Action::Switch => {
                self.session.switch(&self.schema, setter);
                Ok(None)
            }
            Action::CopyToInactive => {
                self.session.copy_to_inactive(&self.schema);
                let other = self.session.active().other();
                Ok(Some(format!("Copied into slot {}", other.letter())))
            }
            Action::CopyFromInactive => {
                self.session.copy_from_inactive(&self.schema, setter);
                Ok(None)
            }
            Action::Undo => {
                self.session.undo(&self.schema, setter);
                Ok(None)
            }
            Action::Redo => {
                self.session.redo(&self.schema, setter);
                Ok(None)
            }
            Action::Refresh => {
                self.reload();
                self.report_listing_problems();
                return;
            }
        };
        match result {
            Ok(Some(text)) => {
                self.message = Some(Message {
                    text,
                    error: false,
                    until: now + INFO_SECONDS,
                })
            }
            Ok(None) => {}
            Err(text) => {
                self.message = Some(Message {
                    text,
                    error: true,
                    until: f64::INFINITY,
                })
            }
        }
    }

    fn load(&mut self, index: usize, setter: &ParamSetter) -> Result<Option<String>, String> {
        let preset = self.library.read(index)?;
        let origin = self.library.entries()[index].origin;
        let notes = self.session.load(&self.schema, setter, &preset, origin);
        Ok(notes_message(&preset.name, &notes))
    }

    fn save(&mut self) -> Result<Option<String>, String> {
        match self.session.current_preset() {
            Some(PresetRef {
                name,
                category,
                origin: Origin::User,
            }) => self.save_as(&name, &category, true),
            current => {
                let (name, category) = suggested_name(current.as_ref());
                self.dialog = Some(Dialog::SaveAs { name, category });
                Ok(None)
            }
        }
    }

    fn save_as(
        &mut self,
        name: &str,
        category: &str,
        overwrite: bool,
    ) -> Result<Option<String>, String> {
        let store = self.store()?;
        let category = if category.trim().is_empty() {
            gel_presets::format::DEFAULT_CATEGORY
        } else {
            category.trim()
        };
        let preset = self.schema.to_preset(&self.current, name, category);
        match store.save(&preset, overwrite) {
            Ok(_) => {}
            Err(gel_presets::StoreError::Exists { name }) => {
                self.dialog = Some(Dialog::ConfirmOverwrite {
                    name,
                    category: category.to_owned(),
                });
                return Ok(None);
            }
            Err(e) => return Err(format!("Could not save: {e}")),
        }
        let reference = PresetRef {
            name: name.trim().to_owned(),
            category: category.to_owned(),
            origin: Origin::User,
        };
        self.session.mark_saved(&self.schema, reference);
        self.reload();
        Ok(Some(format!("Saved \"{}\"", name.trim())))
    }

    fn rename(&mut self, to: &str) -> Result<Option<String>, String> {
        let store = self.store()?;
        let Some(from) = self
            .session
            .current_preset()
            .filter(|p| p.origin == Origin::User)
        else {
            return Err("Only user presets can be renamed".to_owned());
        };
        store
            .rename(&from.name, to)
            .map_err(|e| format!("Could not rename: {e}"))?;
        self.session.rename_current(&from.name, to.trim());
        self.reload();
        Ok(Some(format!("Renamed to \"{}\"", to.trim())))
    }

    fn delete(&mut self) -> Result<Option<String>, String> {
        let store = self.store()?;
        let Some(current) = self
            .session
            .current_preset()
            .filter(|p| p.origin == Origin::User)
        else {
            return Err("Only user presets can be deleted".to_owned());
        };
        store
            .delete(&current.name)
            .map_err(|e| format!("Could not delete: {e}"))?;
        self.reload();
        Ok(Some(format!("Deleted \"{}\"", current.name)))
    }

    fn import(&mut self, path: &str, setter: &ParamSetter) -> Result<Option<String>, String> {
        let path = PathBuf::from(path.trim());
        let preset: Preset = match self.store.as_ref() {
            Some(store) => store
                .import(&path)
                .map_err(|e| format!("Could not import: {e}"))?,
            // No user folder: load the file without keeping a copy.
            None => UserStore::at(".", self.schema.plugin())
                .read(&path)
                .map_err(|e| format!("Could not import: {e}"))?,
        };
        self.reload();
        let origin = if self.store.is_some() {
            Origin::User
        } else {
            Origin::File
        };
        let notes = self.session.load(&self.schema, setter, &preset, origin);
        Ok(notes_message(&preset.name, &notes).or(Some(format!("Imported \"{}\"", preset.name))))
    }

    fn export(&mut self, path: &str) -> Result<Option<String>, String> {
        let (name, category) = suggested_name(self.session.current_preset().as_ref());
        let preset = self.schema.to_preset(&self.current, &name, &category);
        let path = PathBuf::from(path.trim());
        store::export(&preset, &path).map_err(|e| format!("Could not export: {e}"))?;
        Ok(Some(format!("Exported to {}", path.display())))
    }

    fn store(&self) -> Result<UserStore, String> {
        self.store.clone().ok_or_else(|| {
            "No folder for user presets: neither HOME nor XDG_DATA_HOME (APPDATA on Windows) \
             is set"
                .to_owned()
        })
    }

    fn reload(&mut self) {
        self.library = Library::load(self.schema.plugin(), self.store.as_ref());
    }

    fn report_listing_problems(&mut self) {
        if let Some(first) = self.library.problems.first() {
            let more = self.library.problems.len() - 1;
            let text = if more > 0 {
                format!("{first} (and {more} more)")
            } else {
                first.clone()
            };
            self.message = Some(Message {
                text,
                error: true,
                until: f64::INFINITY,
            });
        }
    }
}

/// A loaded preset's skipped or corrected entries, as one message (`None`: nothing to say).
fn notes_message(name: &str, notes: &[String]) -> Option<String> {
    match notes {
        [] => None,
        [one] => Some(format!("\"{name}\": {one}")),
        [first, rest @ ..] => Some(format!("\"{name}\": {first} (and {} more)", rest.len())),
    }
}

/// Name and category a save starts from: the current preset's, or "My Preset" / "User".
fn suggested_name(current: Option<&PresetRef>) -> (String, String) {
    match current {
        Some(p) => (p.name.clone(), p.category.clone()),
        None => (
            "My Preset".to_owned(),
            gel_presets::format::DEFAULT_CATEGORY.to_owned(),
        ),
    }
}

fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// What the user did this frame, for the undo history: a held button means a gesture is under
/// way; presses, releases, wheel and keys are user input (hovering is not).
fn frame_input(ctx: &egui::Context) -> FrameInput {
    ctx.input(|i| FrameInput {
        pointer_down: i.pointer.any_down(),
        user_input: i.pointer.any_pressed()
            || i.pointer.any_released()
            || i.events.iter().any(|e| {
                matches!(
                    e,
                    Event::Key { pressed: true, .. } | Event::Text(_) | Event::MouseWheel { .. }
                )
            }),
    })
}

fn panel_frame() -> Frame {
    Frame::new()
        .fill(theme::RAISED)
        .stroke(Stroke::new(1.0, theme::OUTLINE))
        .corner_radius(CornerRadius::same(theme::spacing::CONTROL_RADIUS))
        .inner_margin(egui::Margin::same(10))
}

fn small_button(text: &str) -> Button<'_> {
    Button::new(RichText::new(text).font(theme::small_font())).min_size(Vec2::new(0.0, ROW_HEIGHT))
}

fn slot_button(letter: &str, selected: bool) -> Button<'_> {
    let text = RichText::new(letter).strong().color(if selected {
        theme::BACKGROUND
    } else {
        theme::TEXT_DIM
    });
    Button::new(text)
        .fill(if selected {
            theme::ACCENT
        } else {
            theme::RAISED
        })
        .min_size(Vec2::new(ROW_HEIGHT, ROW_HEIGHT))
}

fn separator(ui: &mut Ui) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(9.0, ROW_HEIGHT), Sense::hover());
    ui.painter().line_segment(
        [
            Pos2::new(rect.center().x, rect.top() + 3.0),
            Pos2::new(rect.center().x, rect.bottom() - 3.0),
        ],
        Stroke::new(1.0, theme::OUTLINE),
    );
}

/// The painted icons (the default fonts lack reliable arrow glyphs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Icon {
    Previous,
    Next,
    Undo,
    Redo,
}

fn icon_button(ui: &mut Ui, icon: Icon, enabled: bool) -> Response {
    let size = Vec2::splat(ROW_HEIGHT);
    let sense = if enabled {
        Sense::click()
    } else {
        Sense::hover()
    };
    let (rect, response) = ui.allocate_exact_size(size, sense);
    let fill = if response.hovered() && enabled {
        theme::RAISED_HOVER
    } else {
        theme::RAISED
    };
    ui.painter().rect_filled(
        rect,
        CornerRadius::same(theme::spacing::CONTROL_RADIUS),
        fill,
    );
    let colour = if enabled {
        theme::TEXT
    } else {
        theme::mix(theme::TEXT_DIM, theme::RAISED, 0.5)
    };
    paint_icon(ui, rect.shrink(6.0), icon, colour);
    response
}

fn paint_icon(ui: &Ui, rect: Rect, icon: Icon, colour: Color32) {
    let painter = ui.painter();
    let stroke = Stroke::new(1.6, colour);
    match icon {
        Icon::Previous | Icon::Next => {
            let (tip, base) = if icon == Icon::Next {
                (rect.right(), rect.left() + 2.0)
            } else {
                (rect.left(), rect.right() - 2.0)
            };
            let points = vec![
                Pos2::new(base, rect.top()),
                Pos2::new(tip, rect.center().y),
                Pos2::new(base, rect.bottom()),
            ];
            painter.add(egui::Shape::convex_polygon(points, colour, Stroke::NONE));
        }
        Icon::Undo | Icon::Redo => {
            // A hooked arrow: a half circle over the top, its head pointing down at the left
            // end (undo) or the right end (redo).
            let mirror = if icon == Icon::Redo { -1.0 } else { 1.0 };
            let centre = rect.center() + Vec2::new(0.0, 2.5);
            let radius = rect.width() * 0.45;
            let arc: Vec<Pos2> = (0..=12)
                .map(|k| {
                    let angle = std::f32::consts::PI * k as f32 / 12.0;
                    Pos2::new(
                        centre.x + mirror * radius * angle.cos(),
                        centre.y - radius * angle.sin(),
                    )
                })
                .collect();
            let end = arc[arc.len() - 1];
            painter.add(egui::Shape::line(arc, stroke));
            let head = 3.5;
            painter.line_segment([end, end + Vec2::new(-head, -head)], stroke);
            painter.line_segment([end, end + Vec2::new(head, -head)], stroke);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gel_presets::testing::{instant_context, InstantContext, TestParams};

    use super::*;

    /// Drives a browser over the test parameters in a headless egui context, with an instant
    /// host and a user folder of its own.
    struct Harness {
        ctx: egui::Context,
        host: Arc<InstantContext>,
        params: Arc<TestParams>,
        browser: PresetBrowser,
        time: f64,
        dir: PathBuf,
    }

    impl Harness {
        fn new(tag: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("gel-ui-browser-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let params = Arc::new(TestParams::default());
            let session = Arc::new(PresetSession::default());
            let store = UserStore::at(dir.join("test"), "test");
            let browser = PresetBrowser::with_store("test", params.clone(), session, Some(store));
            Self {
                ctx: egui::Context::default(),
                host: instant_context(),
                params,
                browser,
                time: 0.0,
                dir,
            }
        }

        fn frame(&mut self, mut events: Vec<Event>, modifiers: Modifiers) {
            self.time += 1.0 / 30.0;
            events.insert(0, Event::ModifiersChanged(modifiers));
            let raw = egui::RawInput {
                screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1000.0, 600.0))),
                time: Some(self.time),
                events,
                ..Default::default()
            };
            let setter = ParamSetter::new(&*self.host);
            let browser = &mut self.browser;
            let mut output = self.ctx.run_ui(raw, |ui| browser.show(ui, &setter));
            output.textures_delta.clear();
        }

        fn idle(&mut self, frames: usize) {
            for _ in 0..frames {
                self.frame(Vec::new(), Modifiers::NONE);
            }
        }

        fn key(&mut self, key: Key, modifiers: Modifiers) {
            self.frame(
                vec![Event::Key {
                    key,
                    physical_key: None,
                    pressed: true,
                    repeat: false,
                    modifiers,
                }],
                modifiers,
            );
            self.idle(4);
        }

        fn click(&mut self, pos: Pos2) {
            for pressed in [true, false] {
                self.frame(
                    vec![
                        Event::PointerMoved(pos),
                        Event::PointerButton {
                            pos,
                            button: egui::PointerButton::Primary,
                            pressed,
                            modifiers: Modifiers::NONE,
                        },
                    ],
                    Modifiers::NONE,
                );
            }
            self.idle(4);
        }

        /// The user drags the gain to `db` with the mouse somewhere in the editor.
        fn user_sets_gain(&mut self, db: f32) {
            let pos = Pos2::new(500.0, 400.0);
            let press = |pressed| Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            };
            self.frame(vec![Event::PointerMoved(pos), press(true)], Modifiers::NONE);
            let setter = ParamSetter::new(&*self.host);
            setter.begin_set_parameter(&self.params.gain);
            setter.set_parameter(&self.params.gain, db);
            setter.end_set_parameter(&self.params.gain);
            self.frame(vec![], Modifiers::NONE);
            self.frame(vec![press(false)], Modifiers::NONE);
            self.idle(5);
        }

        fn perform(&mut self, action: Action) {
            let setter = ParamSetter::new(&*self.host);
            self.browser.perform(action, &setter, &self.ctx.clone());
            self.idle(4);
        }
    }

    impl Drop for Harness {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// Centre of the n-th control of the row (the icon buttons are square, ROW_HEIGHT wide).
    fn icon_centre(n: usize) -> Pos2 {
        let left = 500.0 - BAR_WIDTH / 2.0;
        let top = (theme::spacing::HEADER_HEIGHT - ROW_HEIGHT) / 2.0;
        Pos2::new(
            left + n as f32 * (ROW_HEIGHT + 4.0) + ROW_HEIGHT / 2.0,
            top + ROW_HEIGHT / 2.0,
        )
    }

    #[test]
    fn keyboard_undo_and_redo_restore_exact_values() {
        let mut h = Harness::new("keys");
        h.idle(2);
        for db in [3.0, -7.5, 12.25] {
            h.user_sets_gain(db);
        }
        assert_eq!(h.params.gain.value(), 12.25);
        assert!(h.browser.display_name().ends_with(" *"), "modified mark");
        h.key(Key::Z, Modifiers::COMMAND);
        assert_eq!(h.params.gain.value(), -7.5);
        h.key(Key::Z, Modifiers::COMMAND);
        h.key(Key::Z, Modifiers::COMMAND);
        assert_eq!(h.params.gain.value(), 0.0);
        assert_eq!(h.browser.display_name(), "Default settings");
        h.key(Key::Z, Modifiers::COMMAND | Modifiers::SHIFT);
        assert_eq!(h.params.gain.value(), 3.0);
        h.key(Key::Y, Modifiers::COMMAND);
        assert_eq!(h.params.gain.value(), -7.5);
        // Every change reached the plugin as whole gestures.
        let calls = h.host.calls.lock().unwrap();
        let begins = calls
            .iter()
            .filter(|c| matches!(c, gel_presets::testing::Call::Begin(_)))
            .count();
        let ends = calls
            .iter()
            .filter(|c| matches!(c, gel_presets::testing::Call::End(_)))
            .count();
        assert_eq!(begins, ends);
    }

    #[test]
    fn save_then_next_and_undo_buttons() {
        let mut h = Harness::new("buttons");
        h.idle(2);
        h.user_sets_gain(-3.0);
        h.perform(Action::SaveAs {
            name: "Quiet".into(),
            category: "Mine".into(),
        });
        assert_eq!(h.browser.message(), Some("Saved \"Quiet\""));
        assert_eq!(h.browser.display_name(), "Quiet");
        h.user_sets_gain(6.0);
        h.perform(Action::SaveAs {
            name: "Loud".into(),
            category: "Mine".into(),
        });
        h.perform(Action::Defaults);
        assert_eq!(h.params.gain.value(), 0.0);

        // Next (second icon): from defaults to the first preset in the list, "Loud".
        h.click(icon_centre(1));
        assert_eq!(h.browser.display_name(), "Loud");
        assert_eq!(h.params.gain.value(), 6.0);
        h.click(icon_centre(1));
        assert_eq!(h.browser.display_name(), "Quiet");
        assert_eq!(h.params.gain.value(), -3.0);
        h.key(Key::Z, Modifiers::COMMAND);
        assert_eq!(h.browser.display_name(), "Loud");
        assert_eq!(h.params.gain.value(), 6.0);
    }

    #[test]
    fn bad_files_give_messages_and_change_nothing() {
        let mut h = Harness::new("bad");
        h.idle(2);
        h.user_sets_gain(4.0);
        std::fs::create_dir_all(&h.dir).unwrap();
        let good = h.dir.join("good.toml");
        let preset = h
            .browser
            .schema
            .to_preset(&h.browser.current, "Shared", "X");
        store::export(&preset, &good).unwrap();
        let text = std::fs::read_to_string(&good).unwrap();
        let cases = [
            ("cut.toml", text[..text.len() - 8].to_owned(), "incomplete"),
            (
                "other.toml",
                text.replace("\"test\"", "\"eq\""),
                "not Gel Test",
            ),
            (
                "newer.toml",
                text.replace("format = 1", "format = 7"),
                "newer Gel",
            ),
            (
                "junk.toml",
                "\u{1}\u{2} not toml".to_owned(),
                "not a Gel preset",
            ),
        ];
        for (file, body, needle) in cases {
            let path = h.dir.join(file);
            std::fs::write(&path, body).unwrap();
            h.perform(Action::Import(path.display().to_string()));
            let message = h.browser.message().unwrap_or_default().to_owned();
            assert!(message.contains(needle), "{file}: {message}");
            assert_eq!(h.params.gain.value(), 4.0, "{file} changed a value");
        }
        assert_eq!(h.browser.library().entries().len(), 0);
        h.perform(Action::Import(good.display().to_string()));
        assert_eq!(h.browser.library().entries().len(), 1);

        // A user folder that cannot be created is a message, not a crash.
        let blocked = h.dir.join("blocked");
        std::fs::write(&blocked, "a file where the folder should be").unwrap();
        h.browser.store = Some(UserStore::at(blocked.join("test"), "test"));
        h.perform(Action::SaveAs {
            name: "Nowhere".into(),
            category: String::new(),
        });
        let message = h.browser.message().unwrap_or_default().to_owned();
        assert!(message.starts_with("Could not save"), "{message}");
    }
}
