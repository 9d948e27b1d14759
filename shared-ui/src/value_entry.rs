//! A parameter's value as text that turns into a text field when clicked: type a value, Enter
//! applies it (parsed by the parameter itself), Escape or clicking elsewhere cancels.

use egui::text_selection::CCursorRange;
use egui::{Align2, Id, Key, Response, Sense, TextEdit, Ui, Vec2};
use nice_plug::prelude::Param;

use crate::param_edit::ParamEdit;
use crate::theme;

/// Text being typed, kept in egui's temporary memory under the widget's id.
#[derive(Clone, Default)]
struct Entry {
    text: String,
    focused_once: bool,
}

/// Show the value text (or the entry field) in a box of `size`.
///
/// `highlight` draws the text in the accent colour (used while the owning control is dragged).
/// Returns the response of the text box; `changed()` is set when a typed value was applied.
pub fn value_entry<P: Param>(
    ui: &mut Ui,
    id: Id,
    edit: &ParamEdit<'_, P>,
    size: Vec2,
    highlight: bool,
) -> Response {
    let entry_id = id.with("gel-value-entry");
    let editing: Option<Entry> = ui.data(|d| d.get_temp(entry_id));

    match editing {
        Some(mut entry) => {
            let field = TextEdit::singleline(&mut entry.text)
                .id(entry_id.with("field"))
                .font(theme::body_font())
                .align(Align2::CENTER_CENTER)
                .desired_width(size.x)
                .margin(Vec2::new(2.0, 1.0));
            let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
            let mut response = ui.put(rect, field);
            if !entry.focused_once {
                // Focus the field with its text selected, so typing replaces the value.
                response.request_focus();
                let field_id = entry_id.with("field");
                let mut state = TextEdit::load_state(ui.ctx(), field_id).unwrap_or_default();
                state
                    .cursor
                    .set_char_range(Some(CCursorRange::select_all_str(&entry.text)));
                TextEdit::store_state(ui.ctx(), field_id, state);
                entry.focused_once = true;
            }
            let (enter, escape) =
                ui.input(|i| (i.key_pressed(Key::Enter), i.key_pressed(Key::Escape)));
            let finished = response.lost_focus() || escape || (enter && !response.has_focus());
            if finished {
                if enter && !escape && edit.set_from_string(&entry.text) {
                    response.mark_changed();
                }
                ui.data_mut(|d| d.remove::<Entry>(entry_id));
            } else {
                ui.data_mut(|d| d.insert_temp(entry_id, entry));
            }
            response
        }
        None => {
            let (rect, response) = ui.allocate_exact_size(size, Sense::click());
            let response = response.on_hover_cursor(egui::CursorIcon::Text);
            if ui.is_rect_visible(rect) {
                let color = if highlight || response.hovered() {
                    theme::ACCENT_BRIGHT
                } else {
                    theme::TEXT
                };
                let painter = ui.painter_at(rect.expand(2.0));
                painter.text(
                    rect.center(),
                    Align2::CENTER_CENTER,
                    edit.value_text(),
                    theme::body_font(),
                    color,
                );
            }
            if response.clicked() {
                let entry = Entry {
                    text: edit.value_text(),
                    focused_once: false,
                };
                ui.data_mut(|d| d.insert_temp(entry_id, entry));
                ui.ctx().request_repaint();
            }
            response
        }
    }
}
