//! `--quality`: what Gel promises to measure better, for the plugins that exist.
//!
//! - Panner: channel gains across the pan range for every law against the law's formula.
//! - Every Gel plugin: the largest sample-to-sample jump while each parameter is swept min→max
//!   over 1 s on a sine (click detector), and CPU on silence right after loud input against CPU
//!   on the loud input (denormal check; peers too).
//! - Every Gel plugin: CPU on denormal input against CPU on normal input (`denormal.rs`).
//! - EQ (`quality/eq.rs`): bell magnitude against the analog prototype near Nyquist.
//! - Compressor (`quality/comp.rs`): static curve error, attack/release time constants.
//! - Reverb (below): RT60 per octave band, echo density, tail correlation, late-tail
//!   coloration; echo density of every Gel algorithm at sizes 0/50/100 % and 44.1/48/96 kHz.
//! - Delay (`quality/delay.rs`): impulse timing, tempo sync, delay-time sweep clicks.
//!
//! Gel and the peers go through the same measures where the measure applies; a Gel plugin not
//! built (or not taking the bench settings yet) is named and its peers are still measured.

mod comp;
mod delay;
mod eq;

use std::f64::consts::PI;
use std::fmt::Write as _;

use gel_host_tests::ParamEvent;
use plotters::prelude::*;

use crate::categories::Category;
use crate::chart::{init_font, FONT};
use crate::gel::GelPlugin;
use crate::signal::{db, rms, sine};
use crate::{
    bundle_path, load_gel_setup, lv2, machine_info, median, prepare_peers, Args, Processor, BLOCK,
    RATE,
};

pub fn run(args: &Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| format!("{}: {e}", args.out_dir.display()))?;
    let mut md = String::new();
    let _ = writeln!(md, "# Gel quality measures\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench --quality{}` on {}. Gel runs as its real release `.clap` \
bundle; peers as their Debian LV2 binaries. Sample rate {RATE} Hz, block {BLOCK}.\n",
        if args.short { " --short" } else { "" },
        machine_info()
    );
    let mut notes = Vec::new();
    let (world, peers) = prepare_peers(args, &mut notes);
    for n in &notes {
        println!("note: {n}");
    }
    for cat in &args.plugins {
        let exists = bundle_path(args, cat).exists() && !cat.setups.is_empty();
        let _ = writeln!(md, "## {}\n", cat.title);
        println!("== {} ==", cat.title);
        // A bundle still being written may not take the bench settings yet: measure the peers
        // and say why Gel is missing rather than failing the run.
        let setup_error = if exists {
            cat.setups
                .iter()
                .find_map(|s| load_gel_setup(args, cat, s).err())
        } else {
            None
        };
        let built = exists && setup_error.is_none();
        if !exists {
            say(&mut md, &format!("{} not built yet.", cat.gel_bundle));
        } else if let Some(e) = setup_error {
            say(
                &mut md,
                &format!(
                    "{} is built but cannot be set up for the bench: {e}",
                    cat.gel_bundle
                ),
            );
        }
        match cat.key {
            "panner" => panner_measures(args, cat, built, &mut md)?,
            "eq" => eq::measures(args, cat, built, world.as_ref(), &peers, &mut md)?,
            "compressor" => comp::measures(args, cat, built, world.as_ref(), &peers, &mut md)?,
            "reverb" => reverb_measures(args, cat, built, world.as_ref(), &peers, &mut md)?,
            "delay" => delay::measures(args, cat, built, world.as_ref(), &peers, &mut md)?,
            _ => {}
        }
        if built {
            click_detector(args, cat, &mut md)?;
        }
        let cat_peers: Vec<_> = peers
            .iter()
            .filter(|p| p.category == cat.list_category)
            .collect();
        denormal_check(args, cat, built, world.as_ref(), &cat_peers, &mut md)?;
    }
    let (denormal_input, _) = crate::denormal::section(args)?;
    md.push_str(&denormal_input);
    if !notes.is_empty() {
        let _ = writeln!(md, "## Notes from this run\n");
        for n in &notes {
            let _ = writeln!(md, "- {n}");
        }
    }
    let path = args.out_dir.join("quality.md");
    std::fs::write(&path, md).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn say(md: &mut String, line: &str) {
    println!("{line}");
    let _ = writeln!(md, "{line}\n");
}

/// The plugins.list peer called `name`, if it is installed.
fn peer_by_name<'a>(
    peers: &'a [crate::categories::Peer],
    name: &str,
) -> Option<&'a crate::categories::Peer> {
    peers.iter().find(|p| p.name == name)
}

/// Run stereo input through `p` in whole blocks of [`BLOCK`] (the last one zero-padded, as the
/// LV2 peers always run full blocks); returns the outputs, as long as the input.
fn run_blocks(p: &mut dyn Processor, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let len = left.len();
    let padded = len.div_ceil(BLOCK) * BLOCK;
    let mut ol = vec![0.0f32; padded];
    let mut or = vec![0.0f32; padded];
    let mut il = vec![0.0f32; BLOCK];
    let mut ir = vec![0.0f32; BLOCK];
    for start in (0..len).step_by(BLOCK) {
        let n = BLOCK.min(len - start);
        il[..n].copy_from_slice(&left[start..start + n]);
        ir[..n].copy_from_slice(&right[start..start + n]);
        il[n..].fill(0.0);
        ir[n..].fill(0.0);
        p.process(
            [&il, &ir],
            [&mut ol[start..start + BLOCK], &mut or[start..start + BLOCK]],
        );
    }
    ol.truncate(len);
    or.truncate(len);
    (ol, or)
}

/// Reverb: RT60 (T30, Schroeder integral) in octave bands 250 Hz–4 kHz against the set decay,
/// normalized echo density (Abel & Huang), inter-channel correlation of the tail — Gel (wet
/// only, no pre-delay, multipliers at 1 and at the default high multiplier) and every reverb
/// peer at its plugins.list settings (their dry impulse at sample 0 removed). The measures
/// are gel-dsp's `reverb::metrics`, the same code the unit and host tests use.
fn reverb_measures(
    args: &Args,
    cat: &Category,
    built: bool,
    world: Option<&lv2::Lv2World>,
    peers: &[crate::categories::Peer],
    md: &mut String,
) -> Result<(), String> {
    use gel_dsp::reverb::metrics::{
        correlation, rt60_band, rt60_broadband, tail_coloration_db, time_to_density,
    };
    const BANDS: [f64; 5] = [250.0, 500.0, 1000.0, 2000.0, 4000.0];
    let seconds = if args.short { 1.0 } else { 3.0 };
    let len = (seconds * RATE) as usize;
    let _ = writeln!(
        md,
        "### Reverb measures (impulse responses, {seconds} s)\n\nRT60 = T30 from the Schroeder \
integral of each octave band (4th-order Butterworth band edges), left channel. Echo density: \
Abel & Huang's normalized echo density (20 ms Hann window), time from the response's onset \
(first sample within 60 dB of the peak) until it first reaches 0.9 and 1.0. Correlation: \
left/right at lag 0 over 200 ms–1 s. Coloration (metallic ringing of the late tail): the \
spread (standard deviation, dB) of the Welch-averaged spectrum of 0.5–1.5 s after the onset \
(Hann segments of 8192 samples, 50 % overlap, each normalised to unit power) around its \
1/3-octave-smoothed envelope, 200 Hz–10 kHz, the larger of the two channels; \
exponentially decaying white noise (no modes) reads the estimator's own spread, the first \
row. Lower is smoother; gel-dsp's `reverb::metrics::tail_coloration_db`.\n"
    );
    let _ = writeln!(
        md,
        "| plugin | 250 Hz | 500 Hz | 1 kHz | 2 kHz | 4 kHz | broadband | density 0.9 | density 1.0 | tail correlation | coloration |"
    );
    let _ = writeln!(
        md,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    {
        // The coloration measure's floor: white noise decaying at 2 s RT60 (no modes).
        let mut seed = 0x2545_f491u32;
        let k = 3.0 * std::f64::consts::LN_10 / (2.0 * RATE);
        let noise: Vec<f32> = (0..len)
            .map(|n| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed as f32 / u32::MAX as f32 * 2.0 - 1.0) * (-k * n as f64).exp() as f32
            })
            .collect();
        let c = tail_coloration_db(&noise, RATE).map_or("–".into(), |c| format!("{c:.2} dB"));
        println!("reverb: decaying white noise (2 s RT60): coloration {c}");
        let _ = writeln!(
            md,
            "| reference: white noise decaying at 2 s RT60 | | | | | | | | | | {c} |"
        );
    }
    let mut rows: Vec<(String, Box<dyn Processor>, bool)> = Vec::new();
    if built {
        let setup = &cat.setups[0];
        for (label, extra) in [
            (
                "Gel Reverb Hall 2 s, multipliers 1",
                vec![("High Mult", "1.00")],
            ),
            ("Gel Reverb Hall 2 s, default high mult 0.6 > 4 kHz", vec![]),
            (
                "Gel Reverb Room 1 s, multipliers 1",
                vec![
                    ("Algorithm", "Room"),
                    ("Decay", "1.00 s"),
                    ("High Mult", "1.00"),
                ],
            ),
            (
                "Gel Reverb Room 2 s, multipliers 1",
                vec![("Algorithm", "Room"), ("High Mult", "1.00")],
            ),
            (
                "Gel Reverb Plate 2 s, multipliers 1",
                vec![("Algorithm", "Plate"), ("High Mult", "1.00")],
            ),
            (
                "Gel Reverb Chamber 2 s, multipliers 1",
                vec![("Algorithm", "Chamber"), ("High Mult", "1.00")],
            ),
        ] {
            let mut g = GelPlugin::load(&bundle_path(args, cat), label)?;
            g.apply(setup.settings)?;
            g.apply(&[("Mix", "100"), ("Pre-Delay", "0")])?;
            g.apply(&extra)?;
            g.activate(RATE, BLOCK);
            rows.push((label.to_string(), Box::new(g), false));
        }
    }
    if let Some(w) = world {
        for p in peers.iter().filter(|p| p.category == cat.list_category) {
            let params = lv2::parse_params(&p.params)?;
            match w.instantiate(&p.display(), &p.uri, &params, RATE, BLOCK) {
                Ok(inst) => rows.push((p.display(), Box::new(inst), true)),
                Err(e) => say(md, &format!("skipped {}: {e}", p.display())),
            }
        }
        // The bench settings of Dragonfly Plate (0.4 s) and Room (1 s) have rung out before the
        // coloration window (0.5–1.5 s): measure them again at a 2 s decay as Gel.
        for (name, decay) in [("dragonfly_plate", 2.0f32), ("dragonfly_room", 2.0)] {
            let Some(p) = peer_by_name(peers, name) else {
                continue;
            };
            let mut params = lv2::parse_params(&p.params)?;
            params.retain(|(k, _)| k != "decay");
            params.push(("decay".to_string(), decay));
            let label = format!("{} (decay {decay} s)", p.display());
            match w.instantiate(&label, &p.uri, &params, RATE, BLOCK) {
                Ok(inst) => rows.push((label, Box::new(inst), true)),
                Err(e) => say(md, &format!("skipped {label}: {e}")),
            }
        }
    }
    for (label, mut proc_, strip_dry) in rows {
        let mut l = vec![0.0f32; len + BLOCK];
        let mut r = vec![0.0f32; len + BLOCK];
        let mut inl = vec![0.0f32; BLOCK];
        let mut inr = vec![0.0f32; BLOCK];
        for start in (0..len).step_by(BLOCK) {
            inl.fill(0.0);
            inr.fill(0.0);
            if start == 0 {
                inl[0] = 1.0;
                inr[0] = 1.0;
            }
            let (ol, or) = (&mut l[start..start + BLOCK], &mut r[start..start + BLOCK]);
            proc_.process([&inl, &inr], [ol, or]);
        }
        l.truncate(len);
        r.truncate(len);
        if strip_dry {
            // The peers mix their dry signal in: the impulse itself at sample 0.
            l[0] = 0.0;
            r[0] = 0.0;
        }
        let fmt = |v: Option<f64>| v.map_or("–".to_string(), |t| format!("{t:.2} s"));
        let bands: Vec<String> = BANDS.iter().map(|&b| fmt(rt60_band(&l, b, RATE))).collect();
        let ms = |v: Option<f64>| v.map_or("never".to_string(), |t| format!("{:.1} ms", t * 1e3));
        let d90 = ms(time_to_density(&l, RATE, 0.9));
        let d100 = ms(time_to_density(&l, RATE, 1.0));
        let colour = tail_coloration_db(&l, RATE)
            .zip(tail_coloration_db(&r, RATE))
            .map_or("–".to_string(), |(a, b)| format!("{:.2} dB", a.max(b)));
        let tail_end = (RATE as usize).min(len);
        let c = correlation(
            &l[(0.2 * RATE) as usize..tail_end],
            &r[(0.2 * RATE) as usize..tail_end],
        );
        println!(
            "reverb: {label:<55} RT60 {} | broadband {} | density 0.9 {d90}, 1.0 {d100} | corr {c:+.3} | coloration {colour}",
            bands.join(" "),
            fmt(rt60_broadband(&l, RATE))
        );
        let _ = writeln!(
            md,
            "| {label} | {} | {} | {d90} | {d100} | {c:+.3} | {colour} |",
            bands.join(" | "),
            fmt(rt60_broadband(&l, RATE))
        );
    }
    let _ = writeln!(md);
    if built {
        reverb_density_survey(args, cat, md)?;
    }
    Ok(())
}

/// Echo density of every Gel algorithm at sizes 0/50/100 % and 44.1/48/96 kHz through the
/// CLAP binary (stereo impulse, wet only, pre-delay 0, multipliers 1, the other controls at
/// their defaults): times from the first arrival to density 0.9 and 1.0, the later of the two
/// channels. Goal (issue 17): 0.9 within 20 ms (Plate 10 ms), 1.0 within 40 ms, at 44.1 and
/// 48 kHz.
fn reverb_density_survey(args: &Args, cat: &Category, md: &mut String) -> Result<(), String> {
    use gel_dsp::reverb::metrics::time_to_density;
    let _ = writeln!(
        md,
        "### Reverb echo density per algorithm, size and sample rate\n\nGel Reverb through its CLAP \
binary: stereo impulse, Mix 100 %, Pre-Delay 0, Low/High Mult 1, other controls at their \
defaults. Time from the first arrival until Abel & Huang's normalized echo density (20 ms \
window) first reaches 0.9 / 1.0, the later of the two channels. Goal: 0.9 within 20 ms (Plate: \
10 ms) and 1.0 within 40 ms at 44.1 and 48 kHz; 96 kHz is shown too (the measure counts \
samples, so the same echo pattern reads sparser at a higher rate).\n"
    );
    let rates = [44_100.0, 48_000.0, 96_000.0];
    let _ = writeln!(
        md,
        "| algorithm | size | 44.1 kHz 0.9 / 1.0 | 48 kHz 0.9 / 1.0 | 96 kHz 0.9 / 1.0 |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    for algorithm in ["Room", "Hall", "Plate", "Chamber"] {
        for size in ["0", "50", "100"] {
            let mut cells = Vec::new();
            for rate in rates {
                let label = format!("Gel Reverb {algorithm} {size} % {rate} Hz");
                let mut g = GelPlugin::load(&bundle_path(args, cat), &label)?;
                g.apply(&[
                    ("Algorithm", algorithm),
                    ("Size", size),
                    ("Mix", "100"),
                    ("Pre-Delay", "0"),
                    ("Low Mult", "1.00"),
                    ("High Mult", "1.00"),
                ])?;
                g.activate(rate, BLOCK);
                let len = (0.3 * rate) as usize;
                let blocks = len.div_ceil(BLOCK);
                let (mut l, mut r) = (vec![0.0f32; blocks * BLOCK], vec![0.0f32; blocks * BLOCK]);
                let (mut inl, mut inr) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
                for b in 0..blocks {
                    inl.fill(0.0);
                    inr.fill(0.0);
                    if b == 0 {
                        inl[0] = 1.0;
                        inr[0] = 1.0;
                    }
                    let s = b * BLOCK;
                    g.process([&inl, &inr], [&mut l[s..s + BLOCK], &mut r[s..s + BLOCK]]);
                }
                let t = |level| {
                    let a = time_to_density(&l, rate, level).unwrap_or(f64::INFINITY);
                    let b = time_to_density(&r, rate, level).unwrap_or(f64::INFINITY);
                    a.max(b)
                };
                let ms = |v: f64| {
                    if v.is_finite() {
                        format!("{:.1}", v * 1e3)
                    } else {
                        "never".into()
                    }
                };
                let (t90, t100) = (t(0.9), t(1.0));
                cells.push(format!("{} / {} ms", ms(t90), ms(t100)));
            }
            println!(
                "reverb density: {algorithm} {size} %: {}",
                cells.join(" | ")
            );
            let _ = writeln!(md, "| {algorithm} | {size} % | {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(md);
    Ok(())
}

// ---- panner ------------------------------------------------------------------------------------

/// The four laws by the text Gel Panner shows, and their formulas (gains of a mono source at
/// pan p in −1..1): 0 dB = min(1, 1∓p); −3 dB = cos/sin((p+1)π/4); −4.5 dB = the geometric
/// mean of −3 dB and −6 dB; −6 dB = (1∓p)/2.
const LAWS: [&str; 4] = [
    "0 dB",
    "-3 dB (constant power)",
    "-4.5 dB",
    "-6 dB (linear)",
];

fn law_formula(law: usize, p: f64) -> (f64, f64) {
    let theta = (p + 1.0) * PI / 4.0;
    let (c, s) = (theta.cos(), theta.sin());
    match law {
        0 => ((1.0 - p).min(1.0), (1.0 + p).min(1.0)),
        1 => (c, s),
        2 => (((1.0 - p) * 0.5 * c).sqrt(), ((1.0 + p) * 0.5 * s).sqrt()),
        _ => ((1.0 - p) * 0.5, (1.0 + p) * 0.5),
    }
}

struct LawCurve {
    name: &'static str,
    points: Vec<(f64, f64, f64)>, // pan %, measured L, measured R (linear)
    max_dev_db: f64,
    far_leak_db: f64,
}

fn panner_measures(
    args: &Args,
    cat: &Category,
    built: bool,
    md: &mut String,
) -> Result<(), String> {
    if !built {
        return Ok(());
    }
    let _ = writeln!(md, "### Pan laws\n");
    let _ = writeln!(
        md,
        "Mode = Dual, a 1 kHz sine (0.5 peak) into the left input only, Left Pan stepped from \
100L to 100R in 5 % steps; the gain of each output is its RMS over \
the last 1920 samples (40 periods) of 12 blocks against the input's, compared with the law's formula. Deviation is taken where the \
formula is above -60 dB; \"far side\" is the largest level measured where the formula is exactly \
0 (hard pan).\n"
    );
    let mut g = GelPlugin::load(&bundle_path(args, cat), "Gel Panner")?;
    g.apply(&[
        ("Mode", "Dual"),
        ("Width", "100"),
        ("Mono Maker", "Off"),
        ("Output", "0"),
    ])?;
    let pans: Vec<i32> = (-20..=20).map(|k| k * 5).collect();
    let laws: Vec<(u32, f64)> = LAWS
        .iter()
        .map(|l| g.normalized("Pan Law", l))
        .collect::<Result<_, _>>()?;
    let pan_values: Vec<(u32, f64)> = pans
        .iter()
        .map(|p| g.normalized("Left Pan", &p.to_string()))
        .collect::<Result<_, _>>()?;
    g.activate(RATE, BLOCK);
    let mut n = 0usize;
    let mut inl = vec![0.0f32; BLOCK];
    let inr = vec![0.0f32; BLOCK];
    let mut ol = vec![0.0f32; BLOCK];
    let mut or = vec![0.0f32; BLOCK];
    let in_rms = 0.5 / 2f64.sqrt();
    let mut curves = Vec::new();
    for (li, &(law_id, law_v)) in laws.iter().enumerate() {
        let mut points = Vec::new();
        let mut max_dev: f64 = 0.0;
        let mut leak: f64 = f64::NEG_INFINITY;
        for (pi, &(pan_id, pan_v)) in pan_values.iter().enumerate() {
            let mut tail_l = Vec::new();
            let mut tail_r = Vec::new();
            for b in 0..12 {
                for s in inl.iter_mut() {
                    *s = sine(n, RATE, 1000.0, 0.5);
                    n += 1;
                }
                let events = if b == 0 {
                    vec![
                        ParamEvent {
                            time: 0,
                            param_id: law_id,
                            value: law_v,
                        },
                        ParamEvent {
                            time: 0,
                            param_id: pan_id,
                            value: pan_v,
                        },
                    ]
                } else {
                    Vec::new()
                };
                g.process_events([&inl, &inr], [&mut ol, &mut or], &events);
                if b >= 8 {
                    tail_l.extend_from_slice(&ol);
                    tail_r.extend_from_slice(&or);
                }
            }
            // 1920 samples = exactly 40 periods of 1 kHz at 48 kHz: no windowing error.
            let k = tail_l.len() - 1920;
            let (ml, mr) = (rms(&tail_l[k..]) / in_rms, rms(&tail_r[k..]) / in_rms);
            let p = pans[pi] as f64 / 100.0;
            let (fl, fr) = law_formula(li, p);
            for (m, f) in [(ml, fl), (mr, fr)] {
                if f > 1e-3 {
                    max_dev = max_dev.max((db(m) - db(f)).abs());
                } else if f < 1e-9 {
                    leak = leak.max(db(m));
                }
            }
            points.push((pans[pi] as f64, ml, mr));
        }
        let line = format!(
            "Pan law {}: max deviation from the formula {:.1e} dB; far side at hard pan {}",
            LAWS[li],
            max_dev,
            if leak == f64::NEG_INFINITY {
                "n/a".to_string()
            } else if leak <= -239.0 {
                "silent".to_string()
            } else {
                format!("{leak:.1} dB")
            }
        );
        println!("{line}");
        curves.push(LawCurve {
            name: LAWS[li],
            points,
            max_dev_db: max_dev,
            far_leak_db: leak,
        });
    }
    let _ = writeln!(
        md,
        "| law | max deviation (dB) | far side at hard pan (dB) | centre level L (dB) |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    for c in &curves {
        let centre = c
            .points
            .iter()
            .find(|p| p.0 == 0.0)
            .map(|p| db(p.1))
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            md,
            "| {} | {:.1e} | {} | {:.3} |",
            c.name,
            c.max_dev_db,
            if c.far_leak_db <= -199.0 {
                "—".into()
            } else {
                format!("{:.1}", c.far_leak_db)
            },
            centre
        );
    }
    let png = args.out_dir.join("quality-panner-pan-laws.png");
    pan_law_chart(&curves, &png)?;
    let _ = writeln!(
        md,
        "\n![Pan laws: measured (dots) vs formula (lines)](quality-panner-pan-laws.png)\n"
    );
    let _ = writeln!(
        md,
        "Peers: x42 balance and Calf Stereo Tools are balance/stereo processors without selectable \
mono pan laws, so this measure is Gel's only.\n"
    );
    Ok(())
}

fn pan_law_chart(curves: &[LawCurve], path: &std::path::Path) -> Result<(), String> {
    init_font();
    let e = |e: &dyn std::fmt::Debug| format!("chart: {e:?}");
    let root = BitMapBackend::new(path, (1200, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (title, body) = root.split_vertically(50);
    title
        .draw(&Text::new(
            "Gel Panner: channel gain vs pan (mono source). Lines: law formula, dots: measured",
            (16, 14),
            (FONT, 22).into_font(),
        ))
        .map_err(|x| e(&x))?;
    let panels = body.split_evenly((2, 2));
    let blue = RGBColor(30, 90, 200);
    let red = RGBColor(210, 60, 40);
    for (c, panel) in curves.iter().zip(panels.iter()) {
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("{}  (max dev {:.1e} dB)", c.name, c.max_dev_db),
                (FONT, 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(-100f64..100f64, -30f64..2f64)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("pan (%), left to right")
            .y_desc("gain (dB)")
            .label_style((FONT, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|x| e(&x))?;
        let law = LAWS.iter().position(|l| *l == c.name).unwrap_or(0);
        let fine: Vec<f64> = (0..=400).map(|k| -100.0 + k as f64 * 0.5).collect();
        let clamp = |g: f64| db(g).max(-30.0);
        chart
            .draw_series(LineSeries::new(
                fine.iter()
                    .map(|&x| (x, clamp(law_formula(law, x / 100.0).0))),
                blue.stroke_width(2),
            ))
            .map_err(|x| e(&x))?
            .label("left (formula / measured)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], blue.stroke_width(2))
            });
        chart
            .draw_series(LineSeries::new(
                fine.iter()
                    .map(|&x| (x, clamp(law_formula(law, x / 100.0).1))),
                red.stroke_width(2),
            ))
            .map_err(|x| e(&x))?
            .label("right (formula / measured)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(2)));
        chart
            .draw_series(
                c.points
                    .iter()
                    .map(|&(x, l, _)| Circle::new((x, clamp(l)), 4, blue.filled())),
            )
            .map_err(|x| e(&x))?;
        chart
            .draw_series(
                c.points
                    .iter()
                    .map(|&(x, _, r)| Circle::new((x, clamp(r)), 4, red.filled())),
            )
            .map_err(|x| e(&x))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerMiddle)
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))
}

// ---- every Gel plugin: click detector ----------------------------------------------------------

const SWEEP_LEFT_HZ: f64 = 100.0;
const SWEEP_RIGHT_HZ: f64 = 150.0;

fn click_detector(args: &Args, cat: &Category, md: &mut String) -> Result<(), String> {
    let setup = cat.setups.last().expect("built categories have setups");
    let _ = writeln!(md, "### Click detector (parameter sweeps)\n");
    let _ = writeln!(
        md,
        "Base settings: {}. Input: {SWEEP_LEFT_HZ} Hz sine left, {SWEEP_RIGHT_HZ} Hz sine right, 0.5 \
peak. Each parameter in turn is held at its minimum for 0.3 s, swept min→max over 1 s (an \
automation event every 32 samples), then held 0.2 s; all others stay at the base settings. \
\"Largest jump\" is the largest |y[n] − y[n−1]| of either output over the sweep and hold; \"sine \
bound\" is what a clean sine at the largest output level could do (ω·peak for the faster sine). \
A ratio at or below about 1 means no click.\n",
        setup
            .settings
            .iter()
            .map(|(n, v)| format!("{n} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut g = load_gel_setup(args, cat, setup)?;
    let base: Vec<(u32, f64)> = g.params.iter().map(|p| (p.id, 0.0)).collect();
    let base: Vec<(u32, f64)> = base.iter().map(|&(id, _)| (id, g.value(id))).collect();
    let params = g.params.clone();
    let _ = writeln!(
        md,
        "| parameter | swept | largest jump | sine bound | ratio |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|");
    let mut n = 0usize;
    let omega = 2.0 * PI * SWEEP_LEFT_HZ.max(SWEEP_RIGHT_HZ) / RATE;
    let settle = (0.3 * RATE) as usize;
    let sweep = RATE as usize;
    let hold = (0.2 * RATE) as usize;
    let total = settle + sweep + hold;
    let mut inl = vec![0.0f32; BLOCK];
    let mut inr = vec![0.0f32; BLOCK];
    let mut ol = vec![0.0f32; BLOCK];
    let mut or = vec![0.0f32; BLOCK];
    let mut worst: f64 = 0.0;
    for p in &params {
        let from = g.text_of(p.id, 0.0);
        let to = g.text_of(p.id, 1.0);
        let mut pos = 0usize;
        let mut prev = (0.0f32, 0.0f32);
        let mut jump: f64 = 0.0;
        let mut peak: f64 = 0.0;
        while pos < total {
            let len = BLOCK.min(total - pos);
            for k in 0..len {
                inl[k] = sine(n + k, RATE, SWEEP_LEFT_HZ, 0.5);
                inr[k] = sine(n + k, RATE, SWEEP_RIGHT_HZ, 0.5);
            }
            n += len;
            let mut events = Vec::new();
            if pos == 0 {
                for &(id, v) in &base {
                    events.push(ParamEvent {
                        time: 0,
                        param_id: id,
                        value: if id == p.id { 0.0 } else { v },
                    });
                }
            }
            for k in (0..len).step_by(32) {
                let t = pos + k;
                if t >= settle && t < settle + sweep {
                    let v = (t - settle) as f64 / (sweep - 1) as f64;
                    events.push(ParamEvent {
                        time: k as u32,
                        param_id: p.id,
                        value: v.min(1.0),
                    });
                } else if t >= settle + sweep && t < settle + sweep + 32 {
                    events.push(ParamEvent {
                        time: k as u32,
                        param_id: p.id,
                        value: 1.0,
                    });
                }
            }
            g.process_events(
                [&inl[..len], &inr[..len]],
                [&mut ol[..len], &mut or[..len]],
                &events,
            );
            for k in 0..len {
                if pos + k >= settle {
                    jump = jump
                        .max((ol[k] - prev.0).abs() as f64)
                        .max((or[k] - prev.1).abs() as f64);
                    peak = peak.max(ol[k].abs() as f64).max(or[k].abs() as f64);
                }
                prev = (ol[k], or[k]);
            }
            pos += len;
        }
        let bound = omega * peak;
        let ratio = if bound > 0.0 { jump / bound } else { 0.0 };
        worst = worst.max(ratio);
        println!(
            "click detector: {:<14} {from} → {to}: largest jump {jump:.5}, sine bound {bound:.5}, ratio {ratio:.3}",
            p.name
        );
        let _ = writeln!(
            md,
            "| {} | {} → {} | {:.5} | {:.5} | {:.3} |",
            p.name, from, to, jump, bound, ratio
        );
    }
    let _ = writeln!(md, "\nWorst ratio: {worst:.3}.\n");
    Ok(())
}

// ---- every plugin: denormal check --------------------------------------------------------------

fn denormal_check(
    args: &Args,
    cat: &Category,
    built: bool,
    world: Option<&lv2::Lv2World>,
    peers: &[&crate::categories::Peer],
    md: &mut String,
) -> Result<(), String> {
    let secs = if args.short { 1.0 } else { 5.0 };
    let _ = writeln!(md, "### Denormal check (CPU on silence after loud input)\n");
    let _ = writeln!(
        md,
        "Each plugin processes {secs} s of the bench input, then {secs} s of digital silence, three \
times; the table gives the median DSP CPU time of each half and their ratio. A ratio well above \
1 means the plugin's filters decay into denormal numbers and get slow on silence.\n"
    );
    let _ = writeln!(
        md,
        "| plugin | loud (ms) | silence right after (ms) | silence / loud |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    let loud = crate::signal::bench_input(secs, RATE);
    let quiet = [vec![0.0f32; loud[0].len()], vec![0.0f32; loud[0].len()]];
    let mut procs: Vec<Box<dyn Processor>> = Vec::new();
    if built {
        for s in cat.setups {
            procs.push(Box::new(load_gel_setup(args, cat, s)?));
        }
    }
    if let Some(w) = world {
        for p in peers {
            let params = lv2::parse_params(&p.params)?;
            match w.instantiate(&p.display(), &p.uri, &params, RATE, BLOCK) {
                Ok(inst) => procs.push(Box::new(inst)),
                Err(e) => say(md, &format!("skipped {}: {e}", p.display())),
            }
        }
    }
    let mut out = [vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]];
    for p in procs.iter_mut() {
        let mut l = Vec::new();
        let mut q = Vec::new();
        for _ in 0..3 {
            l.push(crate::run_once(p.as_mut(), &loud, &mut out));
            q.push(crate::run_once(p.as_mut(), &quiet, &mut out));
        }
        let (l, q) = (median(&l), median(&q));
        let ratio = q / l;
        println!(
            "denormal check: {:<60} loud {:.2} ms, silence {:.2} ms, ratio {ratio:.2}",
            p.label(),
            l * 1e3,
            q * 1e3
        );
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.2} | {:.2} |",
            p.label(),
            l * 1e3,
            q * 1e3,
            ratio
        );
    }
    let _ = writeln!(md);
    Ok(())
}
