//! PNG charts with plotters' bitmap backend; the font is egui's Ubuntu Light (from
//! `epaint_default_fonts`), so no system fonts are needed.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::{Row, RowKind};

pub const FONT: &str = "sans-serif";

pub fn init_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("chart: {e:?}")
}

pub const GEL: RGBColor = RGBColor(0, 150, 136);
pub const PEER: RGBColor = RGBColor(120, 120, 130);
pub const BASE: RGBColor = RGBColor(190, 190, 200);

/// Horizontal bars: DSP seconds per plugin, grouped by category, Gel highlighted.
pub fn bench_chart(rows: &[Row], seconds: f64, path: &Path) -> Result<(), String> {
    init_font();
    let row_h = 30i32;
    let mut lines: Vec<Option<&Row>> = Vec::new();
    let mut last = "";
    for r in rows {
        if r.category != last {
            lines.push(None);
            last = &r.category;
        }
        lines.push(Some(r));
    }
    // The label column is as wide as the longest label (measured in the chart's font), so a
    // long setting description never runs into its bar.
    let label_font = (FONT, 16).into_font();
    let widest = rows
        .iter()
        .filter_map(|r| label_font.box_size(&r.label).ok())
        .map(|(tw, _)| tw as i32)
        .max()
        .unwrap_or(300);
    let label_w = (24 + widest + 24).max(470);
    let w = label_w + 630;
    let h = 70 + row_h * lines.len() as i32 + 20;
    let root = BitMapBackend::new(path, (w as u32, h as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let title = format!(
        "DSP CPU seconds for {seconds} s of stereo 48 kHz audio (median; shorter is better)"
    );
    root.draw(&Text::new(
        title,
        (16, 16),
        (FONT, 22).into_font().color(&BLACK),
    ))
    .map_err(err)?;
    let bar_max = (w - label_w - 130) as f64;
    let max = rows
        .iter()
        .map(|r| r.median())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let mut y = 60;
    let mut cat = String::new();
    for line in &lines {
        match line {
            None => {
                if let Some(next) = lines
                    .iter()
                    .skip_while(|l| !std::ptr::eq(*l, line))
                    .nth(1)
                    .and_then(|l| *l)
                {
                    cat = next.category.clone();
                }
                root.draw(&Text::new(
                    cat.to_uppercase(),
                    (16, y + 8),
                    (FONT, 15).into_font().color(&RGBColor(80, 80, 80)),
                ))
                .map_err(err)?;
                root.draw(&PathElement::new(
                    vec![(16, y + 4), (w - 16, y + 4)],
                    RGBColor(220, 220, 220),
                ))
                .map_err(err)?;
            }
            Some(r) => {
                let color = match r.kind {
                    RowKind::Gel => GEL,
                    RowKind::Peer => PEER,
                    RowKind::Baseline => BASE,
                };
                let m = r.median();
                let len = ((m / max) * bar_max).max(1.0) as i32;
                root.draw(&Text::new(
                    r.label.clone(),
                    (24, y + 6),
                    label_font.color(&BLACK),
                ))
                .map_err(err)?;
                root.draw(&Rectangle::new(
                    [(label_w, y + 3), (label_w + len, y + row_h - 5)],
                    color.filled(),
                ))
                .map_err(err)?;
                root.draw(&Text::new(
                    format!("{m:.4} s  ({:.0}×)", seconds / m),
                    (label_w + len + 8, y + 6),
                    (FONT, 15).into_font().color(&BLACK),
                ))
                .map_err(err)?;
            }
        }
        y += row_h;
    }
    root.present().map_err(err)
}
