//! Gel's look: palette, type sizes, spacing, and [`apply`] which installs them into egui.
//!
//! The palette is a calm, dark blue-grey with one teal accent. Everything that draws in
//! `gel-ui` takes its colours from here, so a plugin never hard-codes a colour.

use egui::{
    Color32, CornerRadius, FontFamily, FontId, Margin, Stroke, Style, TextStyle, Theme, Vec2,
    Visuals,
};

/// Window background (behind everything).
pub const BACKGROUND: Color32 = Color32::from_rgb(0x17, 0x19, 0x1d);
/// Panel / section fill, one step up from the background.
pub const PANEL: Color32 = Color32::from_rgb(0x1f, 0x22, 0x28);
/// Raised surfaces: knob bodies, buttons, tracks.
pub const RAISED: Color32 = Color32::from_rgb(0x2b, 0x2f, 0x37);
/// Raised surfaces while hovered.
pub const RAISED_HOVER: Color32 = Color32::from_rgb(0x35, 0x3a, 0x44);
/// Hairlines between areas and outlines of raised surfaces.
pub const OUTLINE: Color32 = Color32::from_rgb(0x3a, 0x3f, 0x4a);
/// Main text.
pub const TEXT: Color32 = Color32::from_rgb(0xdc, 0xe1, 0xe8);
/// Secondary text: labels, scale numbers, units.
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x8a, 0x92, 0x9e);
/// The single accent: value arcs, active toggles, selection.
pub const ACCENT: Color32 = Color32::from_rgb(0x4f, 0xc3, 0xc7);
/// The accent while hovered or dragged.
pub const ACCENT_BRIGHT: Color32 = Color32::from_rgb(0x7d, 0xe0, 0xe2);
/// A dimmed accent for secondary indications (e.g. modulation).
pub const ACCENT_DIM: Color32 = Color32::from_rgb(0x2c, 0x6e, 0x71);
/// Level meters: normal zone.
pub const METER_GREEN: Color32 = Color32::from_rgb(0x5c, 0xc9, 0x6b);
/// Level meters: caution zone (close to 0 dBFS).
pub const METER_YELLOW: Color32 = Color32::from_rgb(0xe6, 0xc2, 0x4c);
/// Level meters: over 0 dBFS; also negative correlation.
pub const METER_RED: Color32 = Color32::from_rgb(0xe5, 0x5b, 0x4f);
/// Gain-reduction displays.
pub const GAIN_REDUCTION: Color32 = Color32::from_rgb(0xe0, 0x8a, 0x3c);
/// Grid lines and scale ticks in displays.
pub const GRID: Color32 = Color32::from_rgb(0x33, 0x38, 0x42);
/// Background of displays (meters, scopes): darker than the panel.
pub const DISPLAY: Color32 = Color32::from_rgb(0x11, 0x13, 0x16);

/// Type sizes in points.
pub mod size {
    /// Small labels: parameter names, scale numbers.
    pub const SMALL: f32 = 11.0;
    /// Body text: values, buttons.
    pub const BODY: f32 = 12.5;
    /// Section titles.
    pub const HEADING: f32 = 13.0;
    /// The plugin name in the header bar.
    pub const TITLE: f32 = 16.0;
}

/// Spacing in points.
pub mod spacing {
    /// Gap between neighbouring items.
    pub const ITEM: f32 = 8.0;
    /// Inner margin of sections.
    pub const SECTION_MARGIN: i8 = 10;
    /// Gap between sections.
    pub const SECTION_GAP: f32 = 10.0;
    /// Corner radius of sections.
    pub const SECTION_RADIUS: u8 = 6;
    /// Corner radius of buttons and small controls.
    pub const CONTROL_RADIUS: u8 = 4;
    /// Height of the header bar.
    pub const HEADER_HEIGHT: f32 = 36.0;
}

/// Font for small labels (parameter names, scale numbers).
pub fn small_font() -> FontId {
    FontId::new(size::SMALL, FontFamily::Proportional)
}

/// Font for values and body text.
pub fn body_font() -> FontId {
    FontId::new(size::BODY, FontFamily::Proportional)
}

/// Font for numbers that must not jitter (meters readouts).
pub fn mono_font() -> FontId {
    FontId::new(size::SMALL, FontFamily::Monospace)
}

/// Font for the plugin name.
pub fn title_font() -> FontId {
    FontId::new(size::TITLE, FontFamily::Proportional)
}

/// Gel's [`Visuals`]: egui's dark visuals recoloured with the palette.
pub fn visuals() -> Visuals {
    let mut v = Visuals::dark();
    v.dark_mode = true;
    v.override_text_color = None;
    v.panel_fill = BACKGROUND;
    v.window_fill = PANEL;
    v.window_stroke = Stroke::new(1.0, OUTLINE);
    v.faint_bg_color = PANEL;
    v.extreme_bg_color = DISPLAY;
    v.code_bg_color = DISPLAY;
    v.hyperlink_color = ACCENT;
    v.warn_fg_color = METER_YELLOW;
    v.error_fg_color = METER_RED;
    v.selection.bg_fill = ACCENT_DIM;
    v.selection.stroke = Stroke::new(1.0, TEXT);
    v.window_corner_radius = CornerRadius::same(spacing::SECTION_RADIUS);
    v.menu_corner_radius = CornerRadius::same(spacing::CONTROL_RADIUS);

    let radius = CornerRadius::same(spacing::CONTROL_RADIUS);
    let w = &mut v.widgets;
    w.noninteractive.bg_fill = PANEL;
    w.noninteractive.weak_bg_fill = PANEL;
    w.noninteractive.bg_stroke = Stroke::new(1.0, OUTLINE);
    w.noninteractive.fg_stroke = Stroke::new(1.0, TEXT_DIM);
    w.noninteractive.corner_radius = radius;

    w.inactive.bg_fill = RAISED;
    w.inactive.weak_bg_fill = RAISED;
    w.inactive.bg_stroke = Stroke::new(1.0, OUTLINE);
    w.inactive.fg_stroke = Stroke::new(1.0, TEXT);
    w.inactive.corner_radius = radius;

    w.hovered.bg_fill = RAISED_HOVER;
    w.hovered.weak_bg_fill = RAISED_HOVER;
    w.hovered.bg_stroke = Stroke::new(1.0, ACCENT_DIM);
    w.hovered.fg_stroke = Stroke::new(1.5, TEXT);
    w.hovered.corner_radius = radius;
    w.hovered.expansion = 0.0;

    w.active.bg_fill = ACCENT_DIM;
    w.active.weak_bg_fill = ACCENT_DIM;
    w.active.bg_stroke = Stroke::new(1.0, ACCENT);
    w.active.fg_stroke = Stroke::new(1.5, TEXT);
    w.active.corner_radius = radius;
    w.active.expansion = 0.0;

    w.open.bg_fill = RAISED;
    w.open.weak_bg_fill = RAISED;
    w.open.bg_stroke = Stroke::new(1.0, ACCENT_DIM);
    w.open.fg_stroke = Stroke::new(1.0, TEXT);
    w.open.corner_radius = radius;
    v
}

/// Gel's whole [`Style`]: [`visuals`] plus type sizes and spacing.
pub fn style() -> Style {
    let mut style = Style {
        visuals: visuals(),
        ..Style::default()
    };
    style.text_styles = [
        (TextStyle::Small, small_font()),
        (TextStyle::Body, body_font()),
        (TextStyle::Button, body_font()),
        (TextStyle::Monospace, mono_font()),
        (
            TextStyle::Heading,
            FontId::new(size::HEADING, FontFamily::Proportional),
        ),
    ]
    .into();
    let s = &mut style.spacing;
    s.item_spacing = Vec2::new(spacing::ITEM, 6.0);
    s.button_padding = Vec2::new(8.0, 3.0);
    s.interact_size = Vec2::new(36.0, 20.0);
    s.window_margin = Margin::same(spacing::SECTION_MARGIN);
    s.menu_margin = Margin::same(6);
    s.combo_width = 90.0;
    s.text_edit_width = 80.0;
    // Plugin editors are small fixed layouts: no animated fades that feel laggy.
    style.animation_time = 0.08;
    style
}

/// Install Gel's style into `ctx`, for both egui themes (the editor always looks dark).
///
/// Call once from the editor's `build`; [`crate::editor`] does this for you.
pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(Theme::Dark);
    let style = style();
    ctx.set_style_of(Theme::Dark, style.clone());
    ctx.set_style_of(Theme::Light, style);
}

/// Blend `a` toward `b` by `t` (0 = `a`, 1 = `b`), in gamma space, keeping it cheap.
pub fn mix(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let l = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    Color32::from_rgba_unmultiplied(
        l(a.r(), b.r()),
        l(a.g(), b.g()),
        l(a.b(), b.b()),
        l(a.a(), b.a()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_sets_dark_palette() {
        let ctx = egui::Context::default();
        apply(&ctx);
        let style = ctx.style_of(Theme::Dark);
        assert_eq!(style.visuals.panel_fill, BACKGROUND);
        assert!(style.visuals.dark_mode);
        assert_eq!(style.text_styles[&TextStyle::Body].size, size::BODY);
    }

    #[test]
    fn mix_endpoints() {
        assert_eq!(mix(TEXT, ACCENT, 0.0), TEXT);
        assert_eq!(mix(TEXT, ACCENT, 1.0), ACCENT);
    }
}
