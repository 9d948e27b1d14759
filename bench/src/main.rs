//! gel-bench: `cargo xtask bench [--plugin NAME] [--runs N] [--quality] [--short]`.
//!
//! Runs the same generated input through Gel's real `.clap` bundles and through the LV2 peers of
//! each category in one process, timing only the plugin's process/run calls with the thread CPU
//! clock on both sides, and writes docs/bench.md + docs/bench.png (or, with `--quality`,
//! docs/quality.md + plots; with `--denormal`, only quality.md's denormal-input section). See
//! README.md in this crate's folder for the method.

mod categories;
mod chart;
mod cpu;
mod denormal;
mod gel;
mod lv2;
mod quality;
mod signal;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use categories::{Category, Peer, CATEGORIES};

pub const RATE: f64 = 48_000.0;
pub const BLOCK: usize = 512;
const FULL_SECONDS: f64 = 60.0;
const SHORT_SECONDS: f64 = 2.0;

/// Anything the bench can time: a Gel plugin or an LV2 peer (or the no-plugin copy baseline).
pub trait Processor {
    fn label(&self) -> String;
    /// Process one stereo block; returns the thread CPU ns spent inside the plugin's own call.
    fn process(&mut self, input: [&[f32]; 2], output: [&mut [f32]; 2]) -> u64;
}

/// Baseline with no plugin at all: the copy a pass-through does, timed the same way.
struct CopyBaseline;

impl Processor for CopyBaseline {
    fn label(&self) -> String {
        "copy in -> out (no plugin)".into()
    }
    fn process(&mut self, input: [&[f32]; 2], output: [&mut [f32]; 2]) -> u64 {
        let start = cpu::thread_cpu_ns();
        let [l, r] = output;
        l.copy_from_slice(input[0]);
        r.copy_from_slice(input[1]);
        std::hint::black_box((&l, &r));
        cpu::thread_cpu_ns() - start
    }
}

pub struct Args {
    pub plugins: Vec<&'static Category>,
    pub runs: usize,
    pub quality: bool,
    /// Only the denormal-input measurement of the Gel plugins (`denormal.rs`).
    pub denormal: bool,
    pub short: bool,
    pub bundle_dir: PathBuf,
    pub out_dir: PathBuf,
    pub install: bool,
}

const USAGE: &str =
    "usage: gel-bench [--plugin NAME]... [--runs N] [--quality | --denormal] [--short]
                 [--bundle-dir DIR] [--out-dir DIR] [--no-install]
  --plugin NAME   panner | eq | compressor | reverb | delay | all (default: all)
  --runs N        median of N runs (default 5)
  --quality       quality measures instead of CPU: docs/quality.md + PNG plots
  --denormal      only Gel's CPU on denormal input vs normal input (no peers): rewrites that
                  section of docs/quality.md
  --short         2 s input instead of 60 s (CI smoke run); writes to target/bench-short/
  --bundle-dir    where the Gel .clap bundles are (default target/bundled)
  --out-dir       where bench.md / quality.md and the PNGs go (default docs)
  --no-install    do not apt-get install missing peer packages (skip them instead)";

fn parse_args() -> Result<Args, String> {
    let mut plugins = Vec::new();
    let mut runs = 5;
    let mut quality = false;
    let mut denormal = false;
    let mut short = false;
    let mut bundle_dir = PathBuf::from("target/bundled");
    let mut out_dir = None;
    let mut install = true;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--plugin" | "-p" => {
                let v = value("--plugin")?;
                if v == "all" {
                    plugins.extend(CATEGORIES.iter());
                } else {
                    plugins.push(categories::find(&v).ok_or_else(|| {
                        format!("unknown plugin '{v}' (panner, eq, compressor, reverb, delay, all)")
                    })?);
                }
            }
            "--runs" => {
                runs = value("--runs")?
                    .parse()
                    .map_err(|_| "--runs needs a number".to_string())?;
                if runs == 0 {
                    return Err("--runs must be at least 1".into());
                }
            }
            "--quality" => quality = true,
            "--denormal" => denormal = true,
            "--short" => short = true,
            "--no-install" => install = false,
            "--bundle-dir" => bundle_dir = PathBuf::from(value("--bundle-dir")?),
            "--out-dir" => out_dir = Some(PathBuf::from(value("--out-dir")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    if plugins.is_empty() {
        plugins.extend(CATEGORIES.iter());
    }
    plugins.dedup_by_key(|c| c.key);
    let out_dir = out_dir.unwrap_or_else(|| {
        if short {
            PathBuf::from("target/bench-short")
        } else {
            PathBuf::from("docs")
        }
    });
    Ok(Args {
        plugins,
        runs,
        quality,
        denormal,
        short,
        bundle_dir,
        out_dir,
        install,
    })
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The peers of the selected categories plus the pass-through baseline.
fn wanted_peers(args: &Args) -> Vec<Peer> {
    categories::peers()
        .into_iter()
        .filter(|p| {
            p.category == "baseline" || args.plugins.iter().any(|c| c.list_category == p.category)
        })
        .collect()
}

/// Load lilv, install missing peer packages with apt when we can, and report every peer that
/// stays missing. Returns the world (None = no LV2 at all) and the peers that can run.
pub fn prepare_peers(args: &Args, notes: &mut Vec<String>) -> (Option<lv2::Lv2World>, Vec<Peer>) {
    let peers = wanted_peers(args);
    let mut world = match lv2::Lv2World::load() {
        Ok(w) => Some(w),
        Err(e) => {
            if args.install && apt_install(&["liblilv-0-0"], notes) {
                lv2::Lv2World::load().ok()
            } else {
                notes.push(format!(
                    "all LV2 peers skipped: {e} (apt-get install liblilv-0-0)"
                ));
                None
            }
        }
    };
    let Some(w) = world.as_ref() else {
        return (None, Vec::new());
    };
    let mut missing: Vec<&'static str> = peers
        .iter()
        .filter(|p| !w.has_plugin(&p.uri))
        .map(|p| p.package())
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        if args.install && apt_install(&missing, notes) {
            world = lv2::Lv2World::load().ok();
        } else if !args.install {
            notes.push(format!(
                "not installing {} (--no-install)",
                missing.join(" ")
            ));
        }
    }
    let Some(w) = world.as_ref() else {
        return (None, Vec::new());
    };
    let mut ok = Vec::new();
    for p in peers {
        if w.has_plugin(&p.uri) {
            ok.push(p);
        } else {
            notes.push(format!(
                "skipped {}: LV2 plugin {} not installed (Debian package {})",
                p.display(),
                p.uri,
                p.package()
            ));
        }
    }
    (world, ok)
}

/// `apt-get install -y PKGS` when we are root; says what happened either way.
fn apt_install(packages: &[&str], notes: &mut Vec<String>) -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        notes.push(format!(
            "missing packages {} and not root: run `sudo apt-get install {}`",
            packages.join(" "),
            packages.join(" ")
        ));
        return false;
    }
    eprintln!("installing missing peer packages: {}", packages.join(" "));
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    let status = match status {
        Ok(s) if s.success() => Ok(()),
        _ => {
            // The package lists may be missing on a fresh machine: update once and retry.
            let _ = Command::new("apt-get").args(["update", "-qq"]).status();
            match Command::new("apt-get")
                .args(["install", "-y", "-qq", "--no-install-recommends"])
                .args(packages)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
            {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(format!("apt-get exited with {s}")),
                Err(e) => Err(format!("apt-get: {e}")),
            }
        }
    };
    match status {
        Ok(()) => {
            notes.push(format!("installed {} with apt-get", packages.join(" ")));
            true
        }
        Err(e) => {
            notes.push(format!("could not install {}: {e}", packages.join(" ")));
            false
        }
    }
}

pub fn bundle_path(args: &Args, category: &Category) -> PathBuf {
    args.bundle_dir
        .join(format!("{}.clap", category.gel_bundle))
}

/// One timed row of the table.
pub struct Row {
    pub category: String,
    pub label: String,
    pub kind: RowKind,
    /// DSP seconds of each run.
    pub runs: Vec<f64>,
    /// For peers: index of the Gel row compared against it.
    pub compare_with: Option<usize>,
    pub settings: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Baseline,
    Gel,
    Peer,
}

impl Row {
    pub fn median(&self) -> f64 {
        median(&self.runs)
    }
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

/// Process the whole input once; DSP seconds.
pub fn run_once(p: &mut dyn Processor, input: &[Vec<f32>; 2], out: &mut [Vec<f32>; 2]) -> f64 {
    let mut ns = 0u64;
    let len = input[0].len();
    let mut pos = 0;
    let [ol, or] = out;
    let mut in_l = vec![0.0f32; BLOCK];
    let mut in_r = vec![0.0f32; BLOCK];
    while pos < len {
        let n = BLOCK.min(len - pos);
        // Fixed blocks for every plugin (the last one zero-padded), as lv2run.c does.
        in_l[..n].copy_from_slice(&input[0][pos..pos + n]);
        in_r[..n].copy_from_slice(&input[1][pos..pos + n]);
        in_l[n..].fill(0.0);
        in_r[n..].fill(0.0);
        ns += p.process([&in_l, &in_r], [&mut ol[..BLOCK], &mut or[..BLOCK]]);
        pos += n;
    }
    ns as f64 * 1e-9
}

struct Entry {
    row: Row,
    proc_: Box<dyn Processor>,
}

fn run(args: &Args) -> Result<(), String> {
    if args.denormal {
        return denormal::run(args);
    }
    if args.quality {
        return quality::run(args);
    }
    let seconds = if args.short {
        SHORT_SECONDS
    } else {
        FULL_SECONDS
    };
    let mut notes = Vec::new();
    let (world, peers) = prepare_peers(args, &mut notes);

    let mut entries: Vec<Entry> = Vec::new();
    entries.push(Entry {
        row: Row {
            category: "baseline".into(),
            label: CopyBaseline.label(),
            kind: RowKind::Baseline,
            runs: Vec::new(),
            compare_with: None,
            settings: String::new(),
        },
        proc_: Box::new(CopyBaseline),
    });
    let add_peer = |entries: &mut Vec<Entry>,
                    p: &Peer,
                    cat: &str,
                    compare: Option<usize>,
                    notes: &mut Vec<String>| {
        let Some(w) = world.as_ref() else { return };
        let params = match lv2::parse_params(&p.params) {
            Ok(v) => v,
            Err(e) => {
                notes.push(format!("skipped {}: {e}", p.display()));
                return;
            }
        };
        match w.instantiate(&p.display(), &p.uri, &params, RATE, BLOCK) {
            Ok(inst) => entries.push(Entry {
                row: Row {
                    category: cat.to_string(),
                    label: p.display(),
                    kind: if cat == "baseline" {
                        RowKind::Baseline
                    } else {
                        RowKind::Peer
                    },
                    runs: Vec::new(),
                    compare_with: compare,
                    settings: format!(
                        "`{}`",
                        if p.params.is_empty() {
                            "defaults"
                        } else {
                            &p.params
                        }
                    ),
                },
                proc_: Box::new(inst),
            }),
            Err(e) => notes.push(format!("skipped {}: {e}", p.display())),
        }
    };
    for p in peers.iter().filter(|p| p.category == "baseline") {
        add_peer(&mut entries, p, "baseline", None, &mut notes);
    }
    for cat in &args.plugins {
        let bundle = bundle_path(args, cat);
        let mut gel_rows: Vec<(usize, &categories::GelSetup)> = Vec::new();
        if !bundle.exists() {
            notes.push(format!(
                "{}: {} not built yet ({} missing); measuring its peers only",
                cat.key,
                cat.gel_bundle,
                bundle.display()
            ));
        } else if cat.setups.is_empty() {
            notes.push(format!(
                "{}: {} is built but has no bench settings in bench/src/categories.rs yet",
                cat.key, cat.gel_bundle
            ));
        }
        if bundle.exists() {
            for setup in cat.setups {
                // A plugin still being written may lack a parameter the settings name: say so
                // and measure the rest rather than failing the whole bench.
                let loaded = gel::GelPlugin::load(&bundle, setup.label)
                    .and_then(|mut g| g.apply(setup.settings).map(|c| (g, c)));
                let (mut g, confirmed) = match loaded {
                    Ok(v) => v,
                    Err(e) => {
                        notes.push(format!("skipped {}: {e}", setup.label));
                        continue;
                    }
                };
                g.activate(RATE, BLOCK);
                let settings = confirmed
                    .iter()
                    .map(|(n, v)| format!("{n} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                gel_rows.push((entries.len(), setup));
                entries.push(Entry {
                    row: Row {
                        category: cat.key.to_string(),
                        label: setup.label.to_string(),
                        kind: RowKind::Gel,
                        runs: Vec::new(),
                        compare_with: None,
                        settings,
                    },
                    proc_: Box::new(g),
                });
            }
        }
        // The first setup once more with Gel Link off: "Gel / this" of that row is the cost of
        // sharing on the audio thread (on ÷ off).
        if let Some(&(on_row, setup)) = gel_rows.first() {
            let label = format!("{} — Gel Link off", setup.label);
            let loaded = gel::GelPlugin::load_link_disabled(&bundle, &label)
                .and_then(|mut g| g.apply(setup.settings).map(|_| g));
            match loaded {
                Ok(mut g) => {
                    g.activate(RATE, BLOCK);
                    entries.push(Entry {
                        row: Row {
                            category: cat.key.to_string(),
                            label,
                            kind: RowKind::Gel,
                            runs: Vec::new(),
                            compare_with: Some(on_row),
                            settings: "as the row above, with GEL_LINK_DISABLE=1".into(),
                        },
                        proc_: Box::new(g),
                    });
                }
                Err(e) => notes.push(format!("skipped {label}: {e}")),
            }
        }
        for p in peers.iter().filter(|p| p.category == cat.list_category) {
            let compare = gel_rows
                .iter()
                .find(|(_, s)| s.peers.contains(&p.name.as_str()))
                .or(gel_rows.first())
                .map(|(i, _)| *i);
            add_peer(&mut entries, p, cat.key, compare, &mut notes);
        }
    }
    for n in &notes {
        println!("note: {n}");
    }

    let input = signal::bench_input(seconds, RATE);
    let mut out = [vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]];
    // Warm-up (not counted): caches, lazy initialisation, page faults.
    let warm = [
        input[0][..input[0].len().min(48_000)].to_vec(),
        input[1][..input[1].len().min(48_000)].to_vec(),
    ];
    let wall = std::time::Instant::now();
    for e in entries.iter_mut() {
        run_once(e.proc_.as_mut(), &warm, &mut out);
    }
    println!(
        "processing {seconds} s of stereo {RATE} Hz input, block {BLOCK}, {} run(s), {} plugins",
        args.runs,
        entries.len()
    );
    // Runs interleave the plugins so slow drift of the machine spreads over everyone.
    for r in 0..args.runs {
        for e in entries.iter_mut() {
            let s = run_once(e.proc_.as_mut(), &input, &mut out);
            e.row.runs.push(s);
        }
        println!("run {}/{} done", r + 1, args.runs);
    }
    if let Some((cpu_s, threads)) = cpu::link_publisher_cpu_seconds() {
        let sharing = entries
            .iter()
            .filter(|e| e.row.kind == RowKind::Gel && !e.row.label.ends_with("Gel Link off"))
            .count();
        let wall_s = wall.elapsed().as_secs_f64();
        notes.push(format!(
            "Gel Link publishers (background threads, not in the table): {cpu_s:.3} s CPU in \
             {threads} thread(s) over {wall_s:.1} s wall for {sharing} sharing instance(s), \
             {:.3} % of one core per instance. An upper bound: the bench feeds audio far faster \
             than real time, so every 100 ms tick finds a full ring (three complete 4096-sample \
             windows per signal) instead of the 0.15 window a real-time 48 kHz stream brings.",
            100.0 * cpu_s / wall_s / sharing.max(1) as f64
        ));
        println!("note: {}", notes.last().unwrap());
    }
    let rows: Vec<Row> = entries.into_iter().map(|e| e.row).collect();
    let table = markdown_table(&rows, seconds, args.runs);
    println!("\n{table}");
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| format!("{}: {e}", args.out_dir.display()))?;
    let png = args.out_dir.join("bench.png");
    chart::bench_chart(&rows, seconds, &png)?;
    let md = bench_markdown(args, &rows, &table, &notes, seconds);
    let md_path = args.out_dir.join("bench.md");
    std::fs::write(&md_path, md).map_err(|e| format!("{}: {e}", md_path.display()))?;
    println!("wrote {} and {}", md_path.display(), png.display());
    Ok(())
}

fn markdown_table(rows: &[Row], seconds: f64, runs: usize) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "| category | plugin | DSP s (median of {runs}) | min–max | realtime × | Gel / this |"
    );
    let _ = writeln!(t, "|---|---|---:|---:|---:|---:|");
    for r in rows {
        let m = r.median();
        let min = r.runs.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = r.runs.iter().cloned().fold(0.0, f64::max);
        let ratio = r
            .compare_with
            .map(|g| {
                format!(
                    "{:.2} ({})",
                    rows[g].median() / m,
                    short_gel(&rows[g].label)
                )
            })
            .unwrap_or_else(|| match r.kind {
                RowKind::Peer => "Gel not built yet".into(),
                _ => String::new(),
            });
        let name = if r.kind == RowKind::Gel {
            format!("**{}**", r.label)
        } else {
            r.label.clone()
        };
        let _ = writeln!(
            t,
            "| {} | {} | {:.4} | {:.4}–{:.4} | {:.0} | {} |",
            r.category,
            name,
            m,
            min,
            max,
            seconds / m,
            ratio
        );
    }
    t
}

fn short_gel(label: &str) -> String {
    if label.contains("mono-maker 120") {
        "mono-maker on".into()
    } else if label.contains("mono-maker off") {
        "mono-maker off".into()
    } else {
        label.to_string()
    }
}

pub fn machine_info() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let date = Command::new("date")
        .arg("-Iseconds")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{date}, {cpu}, {cores} cores, load average {load}")
}

fn bench_markdown(
    args: &Args,
    rows: &[Row],
    table: &str,
    notes: &[String],
    seconds: f64,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Gel bench: DSP CPU side by side with the peers\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench{}` on {}.\n",
        if args.short { " --short" } else { "" },
        machine_info()
    );
    let _ = writeln!(
        md,
        "Input: {seconds} s of stereo {RATE} Hz generated by the bench itself (seed {:#x}): pink \
noise at {} dBFS RMS plus 1 kHz / 3 kHz sine bursts. Block {BLOCK}. Only the thread CPU time \
spent inside each plugin's process call (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)` around \
CLAP `process` / LV2 `run`) counts, for Gel and peers alike; Gel runs as its real release \
`.clap` bundle, peers as their Debian LV2 binaries, all in the same process and run, interleaved. \
\"Gel / this\" below 1 means Gel costs less. Absolute seconds drift between runs and machines; \
compare within one run.\n",
        signal::SEED,
        signal::NOISE_RMS_DBFS
    );
    let _ = writeln!(md, "{table}");
    let _ = writeln!(md, "![DSP CPU seconds](bench.png)\n");
    if !notes.is_empty() {
        let _ = writeln!(md, "Notes from this run:\n");
        for n in notes {
            let _ = writeln!(md, "- {n}");
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md, "## Settings\n");
    for cat in &args.plugins {
        let _ = writeln!(md, "### {}\n", cat.title);
        for r in rows.iter().filter(|r| r.category == cat.key) {
            let _ = writeln!(md, "- {}: {}", r.label, r.settings);
        }
        let _ = writeln!(md, "\n{}\n", cat.mapping);
    }
    let _ = writeln!(
        md,
        "Baseline rows: the copy a pass-through does with no plugin, and x42 stereoroute (an LV2 \
pass-through) for the LV2 host's own overhead.\n"
    );
    md
}

/// Processors used by the quality section too.
pub fn load_gel_setup(
    args: &Args,
    cat: &Category,
    setup: &categories::GelSetup,
) -> Result<gel::GelPlugin, String> {
    let mut g = gel::GelPlugin::load(&bundle_path(args, cat), setup.label)?;
    g.apply(setup.settings)?;
    g.activate(RATE, BLOCK);
    Ok(g)
}
