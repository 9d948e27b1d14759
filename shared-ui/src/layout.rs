//! Layout helpers: titled [`section`]s, [`labelled_row`]s, [`small_label`]s and the editor's
//! [`header_bar`].

use egui::{
    Align, Align2, CornerRadius, Frame, InnerResponse, Layout, Margin, Pos2, RichText, Sense,
    Stroke, Ui, Vec2,
};

use crate::theme;
use gel_plugin::editor_state::{clamp_zoom, ZOOM_STEPS};

/// Width of the label column in [`labelled_row`].
pub const ROW_LABEL_WIDTH: f32 = 84.0;

/// A small dim caption (readouts and hints beside controls).
pub fn small_label(ui: &mut Ui, text: &str) {
    ui.label(
        RichText::new(text)
            .font(theme::small_font())
            .color(theme::TEXT_DIM),
    );
}

/// A titled panel grouping related controls: panel fill, rounded corners, small dim title.
pub fn section<R>(
    ui: &mut Ui,
    title: &str,
    add_contents: impl FnOnce(&mut Ui) -> R,
) -> InnerResponse<R> {
    Frame::new()
        .fill(theme::PANEL)
        .stroke(Stroke::new(1.0, theme::GRID))
        .corner_radius(CornerRadius::same(theme::spacing::SECTION_RADIUS))
        .inner_margin(Margin::same(theme::spacing::SECTION_MARGIN))
        .show(ui, |ui| {
            ui.label(
                RichText::new(title.to_uppercase())
                    .font(theme::small_font())
                    .color(theme::TEXT_DIM)
                    .extra_letter_spacing(1.2),
            );
            ui.add_space(4.0);
            add_contents(ui)
        })
}

/// A row with a fixed-width dim label on the left and the contents on the right.
pub fn labelled_row<R>(
    ui: &mut Ui,
    label: &str,
    add_contents: impl FnOnce(&mut Ui) -> R,
) -> InnerResponse<R> {
    ui.horizontal(|ui| {
        let height = ui.spacing().interact_size.y;
        let (rect, _) = ui.allocate_exact_size(Vec2::new(ROW_LABEL_WIDTH, height), Sense::hover());
        ui.painter().text(
            Pos2::new(rect.left(), rect.center().y),
            Align2::LEFT_CENTER,
            label,
            theme::body_font(),
            theme::TEXT_DIM,
        );
        add_contents(ui)
    })
}

/// Text for a zoom factor, e.g. "125 %".
pub fn zoom_label(zoom: f32) -> String {
    format!("{:.0} %", zoom * 100.0)
}

/// A compact zoom chooser (75 %–200 %). Returns `true` when `zoom` was changed.
pub fn zoom_control(ui: &mut Ui, zoom: &mut f32) -> bool {
    let before = *zoom;
    egui::ComboBox::from_id_salt("gel-zoom")
        .width(64.0)
        .selected_text(zoom_label(*zoom))
        .show_ui(ui, |ui| {
            for step in ZOOM_STEPS {
                ui.selectable_value(zoom, step, zoom_label(step));
            }
        })
        .response
        .on_hover_text("Editor size");
    *zoom = clamp_zoom(*zoom);
    *zoom != before
}

/// The header bar: Gel mark and plugin name on the left, zoom control on the right.
/// Returns `true` when the zoom was changed.
pub fn header_bar(ui: &mut Ui, title: &str, zoom: &mut f32) -> bool {
    let mut changed = false;
    ui.allocate_ui_with_layout(
        Vec2::new(ui.available_width(), theme::spacing::HEADER_HEIGHT - 12.0),
        Layout::left_to_right(Align::Center),
        |ui| {
            let (gel, name) = match title.strip_prefix("Gel ") {
                Some(name) => ("GEL", name),
                None => ("", title),
            };
            if !gel.is_empty() {
                ui.label(
                    RichText::new(gel)
                        .font(theme::title_font())
                        .color(theme::ACCENT)
                        .strong(),
                );
            }
            ui.label(
                RichText::new(name)
                    .font(theme::title_font())
                    .color(theme::TEXT),
            );
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                changed = zoom_control(ui, zoom);
            });
        },
    );
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_labels() {
        assert_eq!(zoom_label(1.0), "100 %");
        assert_eq!(zoom_label(0.75), "75 %");
        assert_eq!(zoom_label(2.0), "200 %");
    }
}
