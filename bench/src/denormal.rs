//! Denormal input: DSP time of each Gel plugin on input made of denormal (subnormal) numbers,
//! divided by its DSP time on the normal bench input — same plugin, same settings, same run.
//!
//! A host feeds denormals whenever a track fades out or another plugin's tail decays; on x86 each
//! arithmetic operation on one can cost 10–100× (see gel-dsp's `blocks::denormal`). Gel's goal:
//! ratio ≤ 1.2 for every plugin. Two denormal inputs:
//!
//! - **denormal noise**: white noise of peak 1e-40, every sample subnormal;
//! - **fading tail**: the bench input under a fade from −600 dB to −900 dB (1e-30 → 1e-45), what
//!   the end of a long fade-out looks like: the first half tiny normal numbers whose products
//!   underflow, the second half subnormal.
//!
//! `cargo xtask bench --denormal` runs only this and rewrites its section of docs/quality.md;
//! `--quality` writes it with everything else.

use std::fmt::Write as _;

use crate::categories::Category;
use crate::gel::GelPlugin;
use crate::signal::Rng;
use crate::{bundle_path, load_gel_setup, machine_info, median, run_once, Args, Processor, RATE};

/// The Markdown heading of this section in quality.md (what `--denormal` replaces).
pub const HEADING: &str = "## Denormal input (every Gel plugin)";

/// Peak of the denormal noise: below `f32::MIN_POSITIVE` (1.18e-38), so every sample is
/// subnormal (f32's smallest subnormal is 1.4e-45).
const NOISE_PEAK: f64 = 1e-40;
/// Fading tail: gain at the start and the end, in dB.
const FADE_FROM_DB: f64 = -600.0;
const FADE_TO_DB: f64 = -900.0;
/// Gel's goal for denormal time ÷ normal time.
pub const GOAL: f64 = 1.2;

/// Stereo white noise, every sample a subnormal f32 (or zero).
pub fn denormal_noise(len: usize) -> [Vec<f32>; 2] {
    let mut rng = Rng::new(0xde_0a_11);
    let mut channel = || -> Vec<f32> {
        (0..len)
            .map(|_| (rng.next_f64() * NOISE_PEAK) as f32)
            .collect()
    };
    let left = channel();
    let right = channel();
    [left, right]
}

/// `input` faded from [`FADE_FROM_DB`] to [`FADE_TO_DB`] (linear in dB).
pub fn fading_tail(input: &[Vec<f32>; 2]) -> [Vec<f32>; 2] {
    let len = input[0].len().max(2);
    let fade = |c: &Vec<f32>| -> Vec<f32> {
        c.iter()
            .enumerate()
            .map(|(i, &x)| {
                let db = FADE_FROM_DB + (FADE_TO_DB - FADE_FROM_DB) * i as f64 / (len - 1) as f64;
                (x as f64 * 10f64.powf(db / 20.0)) as f32
            })
            .collect()
    };
    [fade(&input[0]), fade(&input[1])]
}

/// One measured plugin: median DSP seconds on each input.
struct Measured {
    label: String,
    normal: f64,
    noise: f64,
    tail: f64,
}

/// The Gel configurations measured for `cat`: its defaults (what a user gets on insert) and every
/// bench setting.
fn processors(args: &Args, cat: &Category) -> Result<Vec<Box<dyn Processor>>, String> {
    let bundle = bundle_path(args, cat);
    let mut procs: Vec<Box<dyn Processor>> = Vec::new();
    let label = format!("{} (defaults)", cat.gel_bundle);
    let mut defaults = GelPlugin::load(&bundle, &label)?;
    defaults.activate(RATE, crate::BLOCK);
    procs.push(Box::new(defaults));
    for setup in cat.setups {
        procs.push(Box::new(load_gel_setup(args, cat, setup)?));
    }
    Ok(procs)
}

/// Measure every selected, built Gel plugin; returns the Markdown section (heading included) and
/// the worst ratio seen.
pub fn section(args: &Args) -> Result<(String, f64), String> {
    let secs = if args.short { 2.0 } else { 10.0 };
    let normal = crate::signal::bench_input(secs, RATE);
    let noise = denormal_noise(normal[0].len());
    let tail = fading_tail(&normal);
    let mut out = [vec![0.0f32; crate::BLOCK], vec![0.0f32; crate::BLOCK]];

    let mut measured = Vec::new();
    let mut notes = Vec::new();
    for cat in &args.plugins {
        if !bundle_path(args, cat).exists() {
            notes.push(format!("{} not built: not measured.", cat.gel_bundle));
            continue;
        }
        let mut procs = match processors(args, cat) {
            Ok(p) => p,
            Err(e) => {
                notes.push(format!("{}: {e}", cat.gel_bundle));
                continue;
            }
        };
        for p in procs.iter_mut() {
            // Warm-up (not counted), then the three inputs interleaved so drift of the machine
            // spreads over all of them.
            run_once(p.as_mut(), &normal, &mut out);
            let (mut n, mut d, mut t) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..args.runs {
                n.push(run_once(p.as_mut(), &normal, &mut out));
                d.push(run_once(p.as_mut(), &noise, &mut out));
                t.push(run_once(p.as_mut(), &tail, &mut out));
            }
            let m = Measured {
                label: p.label(),
                normal: median(&n),
                noise: median(&d),
                tail: median(&t),
            };
            println!(
                "denormal input: {:<72} normal {:.2} ms, denormal noise {:.2} ms ({:.2}×), fading tail {:.2} ms ({:.2}×)",
                m.label,
                m.normal * 1e3,
                m.noise * 1e3,
                m.noise / m.normal,
                m.tail * 1e3,
                m.tail / m.normal
            );
            measured.push(m);
        }
    }

    let mut md = String::new();
    let _ = writeln!(md, "{HEADING}\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench {}` on {}.\n",
        if args.quality {
            "--quality"
        } else {
            "--denormal"
        },
        machine_info()
    );
    let _ = writeln!(
        md,
        "Each Gel plugin (its defaults, then each bench setting) processes {secs} s of three \
inputs, interleaved, median of {} runs: the normal bench input; white noise of peak {NOISE_PEAK:e} \
(every sample a denormal); and the bench input faded from {FADE_FROM_DB} dB to {FADE_TO_DB} dB \
(a fade-out's last stretch: tiny normal numbers, then denormals). The ratios are DSP time on the \
denormal input ÷ DSP time on the normal input; goal ≤ {GOAL}.\n",
        args.runs
    );
    let _ = writeln!(
        md,
        "| plugin | normal (ms) | denormal noise (ms) | ÷ normal | fading tail (ms) | ÷ normal |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|");
    let mut worst: f64 = 0.0;
    for m in &measured {
        let (rn, rt) = (m.noise / m.normal, m.tail / m.normal);
        worst = worst.max(rn).max(rt);
        let _ = writeln!(
            md,
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            m.label,
            m.normal * 1e3,
            m.noise * 1e3,
            rn,
            m.tail * 1e3,
            rt
        );
    }
    let _ = writeln!(
        md,
        "\nWorst ratio: {worst:.2} ({}).\n",
        if worst <= GOAL {
            "within the goal"
        } else {
            "above the goal"
        }
    );
    for n in &notes {
        let _ = writeln!(md, "- {n}");
    }
    if !notes.is_empty() {
        let _ = writeln!(md);
    }
    Ok((md, worst))
}

/// `quality` with this section replaced by `section` (or added before the run notes, or at the
/// end, when it is not there yet).
pub fn splice(quality: &str, section: &str) -> String {
    let next_heading = |from: usize| {
        quality[from..]
            .match_indices("\n## ")
            .next()
            .map(|(i, _)| from + i + 1)
            .unwrap_or(quality.len())
    };
    if let Some(start) = quality.find(HEADING) {
        let end = next_heading(start + HEADING.len());
        format!("{}{section}{}", &quality[..start], &quality[end..])
    } else if let Some(start) = quality.find("## Notes from this run") {
        format!("{}{section}{}", &quality[..start], &quality[start..])
    } else {
        let sep = if quality.is_empty() || quality.ends_with("\n\n") {
            ""
        } else if quality.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        format!("{quality}{sep}{section}")
    }
}

/// `--denormal`: measure, print, and rewrite this section of `<out-dir>/quality.md`.
pub fn run(args: &Args) -> Result<(), String> {
    let (section, worst) = section(args)?;
    println!("\n{section}");
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| format!("{}: {e}", args.out_dir.display()))?;
    let path = args.out_dir.join("quality.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, splice(&old, &section))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "worst ratio {worst:.2}; wrote its section of {}",
        path.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denormal_noise_is_all_subnormal() {
        let [l, r] = denormal_noise(10_000);
        assert!(l.iter().chain(&r).all(|x| x.is_subnormal() || *x == 0.0));
        assert!(l.iter().filter(|x| x.is_subnormal()).count() > 9_900);
        assert_ne!(l, r);
    }

    #[test]
    fn fading_tail_crosses_into_subnormals() {
        let input = crate::signal::bench_input(1.0, RATE);
        let [l, _] = fading_tail(&input);
        let half = l.len() / 2;
        let normal_first = l[..half / 2].iter().filter(|x| x.is_normal()).count();
        let subnormal_last = l[half + half / 4..]
            .iter()
            .filter(|x| x.is_subnormal())
            .count();
        assert!(normal_first > half / 2 * 9 / 10, "{normal_first}");
        assert!(
            subnormal_last > (l.len() - half - half / 4) / 2,
            "{subnormal_last}"
        );
    }

    #[test]
    fn splice_replaces_only_its_section() {
        let doc =
            format!("# Q\n\n## Panner\n\nA\n\n{HEADING}\n\nold\n\n## Notes from this run\n\n- n\n");
        let new = format!("{HEADING}\n\nnew\n\n");
        let out = splice(&doc, &new);
        assert_eq!(
            out,
            format!("# Q\n\n## Panner\n\nA\n\n{HEADING}\n\nnew\n\n## Notes from this run\n\n- n\n")
        );
        // Missing: goes before the notes, or at the end.
        let out = splice("# Q\n\n## Notes from this run\n\n- n\n", &new);
        assert_eq!(out, format!("# Q\n\n{new}## Notes from this run\n\n- n\n"));
        assert_eq!(splice("# Q\n", &new), format!("# Q\n\n{new}"));
    }
}
