//! Compressor: static curve against the ideal soft-knee curve, and attack/release time
//! constants from a 20 dB step, for Gel Compressor and the peers.
//!
//! Ideal static curve (Giannoulis, Massberg & Reiss, "Digital Dynamic Range Compressor Design —
//! A Tutorial and Analysis", JAES 60(6), 2012, eq. 4), input level x and output y in dB,
//! threshold T, ratio R, knee width W:
//! `y = x` for `2(x − T) < −W`; `y = x + (1/R − 1)(x − T + W/2)² / (2W)` for `|2(x − T)| ≤ W`;
//! `y = T + (x − T)/R` above. Written out here rather than taken from gel-dsp so the yardstick
//! shares no code with the plugin it measures.
//!
//! Level = the sine's peak (every plugin is set to peak detection where it has the choice).
//! Static curve: a 1 kHz sine stepped up from −60 to 0 dBFS in 2 dB steps, each held 0.5 s (50×
//! the 10 ms attack); the output level is the peak over the last 100 ms (100 periods) of each
//! step. Time constant (the definition Gel's compressor documents too): the time for the gain
//! reduction in dB to reach 63 % (1 − 1/e) of its final change after a 20 dB step of a 1 kHz sine
//! (−30 → −10 dBFS, attack) and back (−10 → −30 dBFS, release); gain is read sample by sample as
//! output/input where the input is above half its peak.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;

use super::{peer_by_name, run_blocks, say};
use crate::categories::{Category, Peer};
use crate::chart::{init_font, FONT, GEL};
use crate::gel::GelPlugin;
use crate::{bundle_path, lv2, Args, Processor, BLOCK, RATE};

const THRESHOLD_DB: f64 = -20.0;
const RATIO: f64 = 4.0;
const ATTACK_MS: f64 = 10.0;
const RELEASE_MS: f64 = 100.0;
const SINE_HZ: f64 = 1000.0;
const STEP_LOW_DB: f64 = -30.0;
const STEP_HIGH_DB: f64 = -10.0;

/// Ideal output level (dB) for input level `x` (dB), GMR 2012 eq. 4.
pub fn ideal_db(x: f64, t: f64, r: f64, w: f64) -> f64 {
    let over = x - t;
    if 2.0 * over < -w {
        x
    } else if w > 0.0 && 2.0 * over.abs() <= w {
        x + (1.0 / r - 1.0) * (over + w / 2.0).powi(2) / (2.0 * w)
    } else {
        t + over / r
    }
}

/// One plugin at its settings; `knee_db` = Some(width) if its static curve has the standard
/// threshold/ratio/knee form (None: not comparable, e.g. x42 darc's automatic makeup).
struct Subject<'a> {
    label: String,
    settings: String,
    knee_db: Option<f64>,
    make: Box<dyn Fn() -> Result<Box<dyn Processor>, String> + 'a>,
}

/// Gel Compressor at the peers' settings: Clean, peak, -20 dB, 4:1, knee 6, 10/100 ms, no
/// makeup, no lookahead.
pub const GEL_SETTINGS: &[(&str, &str)] = &[
    ("Style", "Clean"),
    ("Detection", "Peak"),
    ("Threshold", "-20"),
    ("Ratio", "4"),
    ("Knee", "6"),
    ("Attack", "10"),
    ("Release", "100"),
    ("Auto Release", "Off"),
    ("Makeup", "0"),
    ("Auto Makeup", "Off"),
    ("Mix", "100"),
    ("Output Gain", "0"),
    ("Lookahead", "0"),
    ("Stereo Link", "100"),
    ("Channel Mode", "Stereo"),
    ("Sidechain", "Internal"),
    ("SC High-Pass On", "Off"),
    ("SC Low-Pass On", "Off"),
];

fn subjects<'a>(
    args: &Args,
    cat: &Category,
    built: bool,
    world: Option<&'a lv2::Lv2World>,
    peers: &[Peer],
) -> Vec<Subject<'a>> {
    let mut s = Vec::new();
    if built {
        let path = bundle_path(args, cat);
        s.push(Subject {
            label: "Gel Compressor".into(),
            settings: GEL_SETTINGS
                .iter()
                .map(|(n, v)| format!("{n} {v}"))
                .collect::<Vec<_>>()
                .join(", "),
            knee_db: Some(6.0),
            make: Box::new(move || {
                let mut g = GelPlugin::load(&path, "Gel Compressor")?;
                g.apply(GEL_SETTINGS)?;
                g.activate(RATE, BLOCK);
                Ok(Box::new(g) as Box<dyn Processor>)
            }),
        });
    }
    let Some(world) = world else {
        return s;
    };
    // (plugins.list name, label, controls, knee width in dB if comparable)
    let knee_lsp = 10f64.powf(-3.0 / 20.0); // knee spans T·kn .. T/kn: 6 dB wide
    let knee_calf = 10f64.powf(6.0 / 20.0); // knee spans T/√k .. T·√k: 6 dB wide
    let list: Vec<(&str, &str, String, Option<f64>)> = vec![
        (
            "lsp_compressor_stereo",
            "LSP Compressor stereo",
            format!(
                "sct:0,scm:0,sla:0,al:0.1,cr:4,kn:{knee_lsp:.4},at:10,rt:100,mk:1,cdr:0,cwt:1"
            ),
            Some(6.0),
        ),
        (
            "calf_compressor",
            "Calf Compressor",
            format!(
                "threshold:0.1,ratio:4,attack:10,release:100,makeup:1,knee:{knee_calf:.4},detection:1,mix:1"
            ),
            Some(6.0),
        ),
        (
            "zam_compx2",
            "ZamCompX2",
            "thr:-20,rat:4,att:10,rel:100,mak:0,kn:6,slew:1,sidechain:0".into(),
            Some(6.0),
        ),
        (
            "x42_darc_stereo",
            "x42 darc",
            "threshold:-20,Ratio:0.75,attack:0.01,release:0.1,hold:0".into(),
            None,
        ),
    ];
    for (name, label, params, knee) in list {
        let Some(p) = peer_by_name(peers, name) else {
            continue;
        };
        let uri = p.uri.clone();
        let label_s = label.to_string();
        let controls = match lv2::parse_params(&params) {
            Ok(c) => c,
            Err(e) => {
                println!("compressor: {label}: {e}");
                continue;
            }
        };
        s.push(Subject {
            label: label.into(),
            settings: format!("`{params}`"),
            knee_db: knee,
            make: Box::new(move || {
                world
                    .instantiate(&label_s, &uri, &controls, RATE, BLOCK)
                    .map(|i| Box::new(i) as Box<dyn Processor>)
            }),
        });
    }
    s
}

fn sine_at(n: usize, amp: f64) -> f32 {
    (amp * (2.0 * std::f64::consts::PI * SINE_HZ * n as f64 / RATE).sin()) as f32
}

fn amp(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// (label, is Gel, (input dB, measured − ideal dB) per level).
type ErrorCurve = (String, bool, Vec<(f64, f64)>);

struct Static {
    /// (input dB, measured output dB)
    points: Vec<(f64, f64)>,
}

fn static_curve(p: &mut dyn Processor, short: bool) -> Static {
    let hold = (if short { 0.25 } else { 0.5 } * RATE) as usize;
    let window = (0.1 * RATE) as usize;
    let levels: Vec<f64> = (0..=30).map(|k| -60.0 + 2.0 * k as f64).collect();
    let x: Vec<f32> = (0..levels.len() * hold)
        .map(|n| sine_at(n, amp(levels[n / hold])))
        .collect();
    let (y, _) = run_blocks(p, &x, &x);
    let points = levels
        .iter()
        .enumerate()
        .map(|(k, &l)| {
            let end = (k + 1) * hold;
            let peak = y[end - window..end]
                .iter()
                .fold(0.0f64, |m, &v| m.max(v.abs() as f64));
            (l, 20.0 * peak.max(1e-12).log10())
        })
        .collect();
    Static { points }
}

struct Times {
    attack_ms: Option<f64>,
    release_ms: Option<f64>,
    gr_db: f64,
}

/// Gain (dB) sample by sample where the input is above half its peak, held in between.
fn gain_track(x: &[f32], y: &[f32], latency: usize) -> Vec<f64> {
    let mut last = 0.0;
    (0..x.len())
        .map(|n| {
            if n >= latency {
                let (i, o) = (x[n - latency], y[n]);
                if i.abs() > 0.5 * local_amp(x, n - latency) {
                    last = 20.0 * ((o / i).abs().max(1e-12) as f64).log10();
                }
            }
            last
        })
        .collect()
}

/// The sine's amplitude around sample n (its level segments are known: −30 or −10 dBFS).
fn local_amp(x: &[f32], n: usize) -> f32 {
    let half_period = (RATE / SINE_HZ / 2.0) as usize + 1;
    let from = n.saturating_sub(half_period);
    let to = (n + half_period).min(x.len());
    x[from..to].iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn time_constants(p: &mut dyn Processor, latency: usize) -> Times {
    let seg = RATE as usize; // 1 s = 1000 whole periods: the steps fall on zero crossings
    let tail = (0.1 * RATE) as usize;
    let x: Vec<f32> = (0..3 * seg)
        .map(|n| {
            let db = if (seg..2 * seg).contains(&n) {
                STEP_HIGH_DB
            } else {
                STEP_LOW_DB
            };
            sine_at(n, amp(db))
        })
        .collect();
    let (y, _) = run_blocks(p, &x, &x);
    let g = gain_track(&x, &y, latency);
    let before = mean(&g[seg - tail..seg]);
    let high = mean(&g[2 * seg - tail..2 * seg]);
    let after = mean(&g[3 * seg - tail..3 * seg]);
    let gr = before - high;
    let ms = |n: usize| n as f64 * 1000.0 / RATE;
    let attack = (gr > 0.5)
        .then(|| {
            g[seg..2 * seg]
                .iter()
                .position(|&v| before - v >= 0.632 * gr)
                .map(ms)
        })
        .flatten();
    let recover = after - high;
    let release = (recover > 0.5)
        .then(|| {
            g[2 * seg..]
                .iter()
                .position(|&v| v - high >= 0.632 * recover)
                .map(ms)
        })
        .flatten();
    Times {
        attack_ms: attack,
        release_ms: release,
        gr_db: gr,
    }
}

pub fn measures(
    args: &Args,
    cat: &Category,
    built: bool,
    world: Option<&lv2::Lv2World>,
    peers: &[Peer],
    md: &mut String,
) -> Result<(), String> {
    let _ = writeln!(
        md,
        "### Static curve and time constants\n\n\
Every plugin at threshold {THRESHOLD_DB} dB, {RATIO}:1, knee 6 dB wide (where it has a knee \
control), attack {ATTACK_MS} ms, release {RELEASE_MS} ms, peak detection, no makeup. Ideal curve: \
Giannoulis, Massberg & Reiss (JAES 2012) eq. 4 with each plugin's knee width. **Static curve**: a \
{SINE_HZ} Hz sine stepped from −60 to 0 dBFS in 2 dB steps, each held 0.5 s; output level = peak \
over the last 100 ms of each step; error = measured − ideal, in dB (level = the sine's peak). \
**Time constants**: time for the gain reduction in dB to reach 63 % (1 − 1/e) of its final \
change after a 20 dB step ({STEP_LOW_DB} → {STEP_HIGH_DB} dBFS: attack; and back: release), \
gain read sample by sample as output/input where the input is above half its peak. Set: \
{ATTACK_MS} / {RELEASE_MS} ms.\n"
    );
    let list = subjects(args, cat, built, world, peers);
    if list.is_empty() {
        say(
            md,
            "Neither Gel Compressor nor any compressor peer is available.",
        );
        return Ok(());
    }
    let _ = writeln!(
        md,
        "| plugin | static curve: largest error (dB) | at input (dBFS) | error at −10 / 0 dBFS (dB) | GR after the step (dB) | attack τ (ms) | release τ (ms) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|");
    let mut curves: Vec<ErrorCurve> = Vec::new();
    let mut settings = Vec::new();
    for s in &list {
        let mut p = match (s.make)() {
            Ok(p) => p,
            Err(e) => {
                say(md, &format!("skipped {}: {e}", s.label));
                continue;
            }
        };
        let st = static_curve(p.as_mut(), args.short);
        let mut p = match (s.make)() {
            Ok(p) => p,
            Err(e) => {
                say(md, &format!("skipped {}: {e}", s.label));
                continue;
            }
        };
        let t = time_constants(p.as_mut(), 0);
        let fmt_ms = |v: Option<f64>| v.map_or("–".into(), |m| format!("{m:.1}"));
        let (worst, worst_at, at_m10) = match s.knee_db {
            Some(w) => {
                let errs: Vec<(f64, f64)> = st
                    .points
                    .iter()
                    .map(|&(x, y)| (x, y - ideal_db(x, THRESHOLD_DB, RATIO, w)))
                    .collect();
                let (at, e) = errs.iter().cloned().fold((0.0f64, 0.0f64), |a, b| {
                    if b.1.abs() > a.1.abs() {
                        b
                    } else {
                        a
                    }
                });
                let pick = |l: f64| {
                    errs.iter()
                        .find(|p| (p.0 - l).abs() < 1e-9)
                        .map_or(f64::NAN, |p| p.1)
                };
                curves.push((s.label.clone(), s.label.starts_with("Gel"), errs.clone()));
                (
                    format!("{e:+.2}"),
                    format!("{at:.0}"),
                    format!("{:+.2} / {:+.2}", pick(-10.0), pick(0.0)),
                )
            }
            None => (
                "n/a (own curve, auto makeup)".into(),
                "–".into(),
                "–".into(),
            ),
        };
        println!(
            "compressor: {:<24} static error {worst} dB at {worst_at} dBFS ({at_m10}), GR {:.2} dB, attack {} ms, release {} ms",
            s.label,
            t.gr_db,
            fmt_ms(t.attack_ms),
            fmt_ms(t.release_ms)
        );
        let _ = writeln!(
            md,
            "| {} | {worst} | {worst_at} | {at_m10} | {:.2} | {} | {} |",
            if s.label.starts_with("Gel") {
                format!("**{}**", s.label)
            } else {
                s.label.clone()
            },
            t.gr_db,
            fmt_ms(t.attack_ms),
            fmt_ms(t.release_ms)
        );
        settings.push(format!("- {}: {}", s.label, s.settings));
    }
    let _ = writeln!(md, "\nSettings:\n\n{}\n", settings.join("\n"));
    let _ = writeln!(
        md,
        "x42 darc has no knee or x:1 ratio control (ratio 0..1, automatic makeup for equal loudness \
at −10 dBFS), so its static curve has no ideal to compare with; its time constants are measured \
the same way (GR relative to the gain before the step).\n"
    );
    if !curves.is_empty() {
        let png = args.out_dir.join("quality-compressor-static.png");
        static_chart(&curves, &png)?;
        let _ = writeln!(
            md,
            "![Static curve error against the ideal curve](quality-compressor-static.png)\n"
        );
    }
    Ok(())
}

fn static_chart(curves: &[ErrorCurve], path: &Path) -> Result<(), String> {
    init_font();
    let e = |e: &dyn std::fmt::Debug| format!("chart: {e:?}");
    let root = BitMapBackend::new(path, (1000, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let lim = curves
        .iter()
        .flat_map(|c| c.2.iter().map(|p| p.1.abs()))
        .fold(0.5f64, f64::max)
        .min(6.0)
        * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Static curve: measured − ideal (dB), 1 kHz sine, -20 dB 4:1 knee 6 dB",
            (FONT, 20),
        )
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-60f64..0f64, -lim..lim)
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc("input level (dBFS, sine peak)")
        .y_desc("error (dB)")
        .label_style((FONT, 14))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|x| e(&x))?;
    let palette = [
        RGBColor(200, 60, 40),
        RGBColor(60, 90, 200),
        RGBColor(230, 150, 20),
        RGBColor(150, 60, 170),
    ];
    for (i, (label, gel, pts)) in curves.iter().enumerate() {
        let color = if *gel {
            GEL
        } else {
            palette[i % palette.len()]
        };
        let w = if *gel { 3 } else { 2 };
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|&(x, y)| (x, y.clamp(-lim, lim))),
                color.stroke_width(w),
            ))
            .map_err(|x| e(&x))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(w))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))
}
