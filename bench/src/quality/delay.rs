//! Delay: where an impulse comes out against the set time, tempo-synced times, and clicks while
//! the delay time is swept — Gel Delay and the delay peers, measured the way Gel's host tests
//! (tests/tests/delay_behaviour.rs) check Gel: an impulse's centroid gives its delay (an
//! interpolated impulse is spread over a few samples), and the click measure is the largest
//! second difference of the output during a sweep against the same plugin held still
//! (`gel_host_tests::signals::max_second_diff`, the conformance suite's detector).

use std::fmt::Write as _;

use gel_host_tests::signals;
use gel_host_tests::ParamEvent;

use super::{peer_by_name, run_blocks, say};
use crate::categories::{Category, Peer};
use crate::gel::GelPlugin;
use crate::{bundle_path, lv2, Args, Processor, BLOCK, RATE};

/// Set times (ms) for the impulse test; whole samples at 48 kHz.
const TIMES_MS: [f64; 4] = [10.0, 250.0, 375.0, 1000.0];
const TEMPI: [f64; 3] = [90.0, 120.0, 137.0];
/// Silent lead-in before the impulse (the plugins settle their times on silence).
const START: usize = 4 * BLOCK;
const IMPULSE: f32 = 0.5;
/// Block (and control-update period) of the sweep: Gel gets an automation event and an LV2
/// peer a new control value every this many samples.
const SWEEP_BLOCK: usize = 64;
const SWEEP_FROM_MS: f64 = 10.0;
const SWEEP_TO_MS: f64 = 1000.0;

/// Gel Delay with echoes only (no loop filters, no feedback): what comes out is the line.
const GEL_PURE: &[(&str, &str)] = &[
    ("Sync", "Off"),
    ("Link L/R", "Linked"),
    ("Mode", "Stereo"),
    ("Wet Only", "On"),
    ("Low Cut", "Off"),
    ("High Cut", "Off"),
    ("Feedback", "0"),
    ("Drive", "0"),
    ("Wow", "0"),
    ("Flutter", "0"),
    ("Ducking", "0"),
];

/// A peer's wet-only, no-feedback controls with its time control set to `ms`, the time
/// control's symbol, and its tempo-synced quarter note at `bpm` (None: no tempo control).
struct PeerDelay {
    name: &'static str,
    label: &'static str,
    at_ms: fn(f64) -> String,
    time_symbol: &'static str,
    quarter_at: Option<fn(f64) -> String>,
    note: &'static str,
}

const PEERS: &[PeerDelay] = &[
    PeerDelay {
        name: "lsp_slap_delay_stereo",
        label: "LSP Slap Delay (tap 0)",
        at_ms: |ms| format!("dry:0,wet:1,pred:0,dm0:1,dt0:{ms},pl0:-100,pr0:100,dg0:1"),
        time_symbol: "dt0",
        // Notes mode: a fraction of a bar (df0, in bars; ds0 its step) at its Tempo control.
        quarter_at: Some(|bpm| {
            format!(
                "dry:0,wet:1,pred:0,dm0:3,df0:0.25,ds0:4,tempo:{bpm},sync:0,pl0:-100,pr0:100,dg0:1"
            )
        }),
        note: "tempo from its Tempo control (host sync off); taps up to 1 s",
    },
    PeerDelay {
        name: "lsp_comp_delay_stereo",
        label: "LSP Compensation Delay (time mode)",
        at_ms: |ms| format!("mode:2,time:{ms},ramp:1,dry:0,wet:1"),
        time_symbol: "time",
        quarter_at: None,
        note: "no tempo; Ramping on for the sweep; up to 1 s",
    },
    PeerDelay {
        name: "calf_vintage_delay",
        label: "Calf Vintage Delay (plain medium)",
        // In ms mode the time is still Time L/R ÷ Subdivide beats of `ms` (defaults 3/4!):
        // 4/4 makes it `ms` itself.
        at_ms: |ms| {
            format!("timing:1,ms:{ms},subdiv:4,time_l:4,time_r:4,feedback:0,amount:1,dry:0,medium:0,mix_mode:0,width:1,fragmentation:0")
        },
        time_symbol: "ms",
        // BPM mode: time = Time L/R sixteenths when Subdivide = 4 (4 × 1/16 = a quarter).
        quarter_at: Some(|bpm| {
            format!("timing:0,bpm:{bpm},subdiv:4,time_l:4,time_r:4,feedback:0,amount:1,dry:0,medium:0,mix_mode:0,width:1,fragmentation:0")
        }),
        note: "tempo from its BPM control (Subdivide 4, Time 4); 10 ms–2 s",
    },
    PeerDelay {
        name: "zam_delay_x2mono",
        label: "ZamDelay (2 mono instances)",
        at_ms: |ms| format!("time:{ms},feedb:0,drywet:1,lpf:20000,sync:0,inv:0,gain:0"),
        time_symbol: "time",
        quarter_at: None,
        note: "its sync follows the host's LV2 time position, which this host does not send",
    },
];

/// (sum, centroid − `from`) of the echo around its largest sample: the delay in samples.
fn echo_position(x: &[f32]) -> Option<(f64, f64)> {
    let at = signals::argmax_abs(x)?;
    let from = at.saturating_sub(8);
    let to = (at + 9).min(x.len());
    let (mut sum, mut moment) = (0.0f64, 0.0f64);
    for (i, v) in x[from..to].iter().enumerate() {
        sum += f64::from(*v);
        moment += (from + i) as f64 * f64::from(*v);
    }
    (sum.abs() > 1e-6).then(|| (sum, moment / sum))
}

/// Delay (samples) and echo gain of an impulse through `p`, expecting about `expected`.
fn impulse_delay(p: &mut dyn Processor, expected: f64) -> Option<(f64, f64)> {
    let len = START + expected.ceil() as usize + 2 * BLOCK;
    let mut x = vec![0.0f32; len];
    x[START] = IMPULSE;
    let (l, _) = run_blocks(p, &x, &x);
    // Only what comes after the impulse's own sample (no dry path is set, but be safe).
    let tail = &l[START + 1..];
    echo_position(tail).map(|(sum, c)| (c + 1.0, sum / IMPULSE as f64))
}

fn gel_delay(args: &Args, cat: &Category, extra: &[(&str, &str)]) -> Result<GelPlugin, String> {
    let mut g = GelPlugin::load(&bundle_path(args, cat), "Gel Delay")?;
    g.apply(GEL_PURE)?;
    g.apply(extra)?;
    Ok(g)
}

fn peer_inst(
    world: &lv2::Lv2World,
    p: &Peer,
    label: &str,
    params: &str,
    block: usize,
) -> Result<lv2::Lv2Plugin, String> {
    let ctl = lv2::parse_params(params)?;
    world.instantiate(label, &p.uri, &ctl, RATE, block)
}

fn cell(measured: Option<(f64, f64)>, expected: f64) -> String {
    match measured {
        Some((d, gain)) => {
            let err = d - expected;
            let err = if err.abs() < 0.005 { 0.0 } else { err };
            format!("{err:+.2} (gain {gain:.2})")
        }
        None => "no echo".into(),
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
    let installed: Vec<(&PeerDelay, &Peer)> = PEERS
        .iter()
        .filter_map(|d| peer_by_name(peers, d.name).map(|p| (d, p)))
        .collect();
    let world = world.filter(|_| !installed.is_empty());

    // ---- impulse timing -------------------------------------------------------------------
    let _ = writeln!(
        md,
        "### Impulse timing\n\nAn impulse of {IMPULSE} after {START} silent samples, each plugin \
wet only, no feedback, no filters where it has the choice. The figure is the echo's centroid \
(±8 samples around its largest sample) minus the set time × 48 kHz, in samples; in brackets the \
echo's area / the impulse (1 = unity gain).\n"
    );
    let mut head = String::from("| plugin |");
    let mut rule = String::from("|---|");
    for t in TIMES_MS {
        let _ = write!(head, " {t} ms ({} smp) |", t * RATE / 1000.0);
        rule.push_str("---:|");
    }
    let _ = writeln!(md, "{head}\n{rule}");
    if built {
        let mut line = String::from("| **Gel Delay** |");
        for t in TIMES_MS {
            let expected = t * RATE / 1000.0;
            let text = format!("{t} ms");
            let m = match gel_delay(args, cat, &[("Time", &text)]) {
                Ok(mut g) => {
                    g.activate(RATE, BLOCK);
                    impulse_delay(&mut g, expected)
                }
                Err(e) => {
                    say(md, &format!("Gel Delay: {e}"));
                    None
                }
            };
            let _ = write!(line, " {} |", cell(m, expected));
        }
        println!("delay impulse: {line}");
        let _ = writeln!(md, "{line}");
    }
    if let Some(w) = world {
        for (d, p) in &installed {
            let mut line = format!("| {} |", d.label);
            for t in TIMES_MS {
                let expected = t * RATE / 1000.0;
                let m = match peer_inst(w, p, d.label, &(d.at_ms)(t), BLOCK) {
                    Ok(mut i) => impulse_delay(&mut i, expected),
                    Err(e) => {
                        println!("delay: {}: {e}", d.label);
                        None
                    }
                };
                let _ = write!(line, " {} |", cell(m, expected));
            }
            println!("delay impulse: {line}");
            let _ = writeln!(md, "{line}");
        }
    }
    let _ = writeln!(md);

    // ---- tempo sync -----------------------------------------------------------------------
    let _ = writeln!(
        md,
        "### Tempo-synced quarter notes\n\nA quarter note at 90, 120 and 137 BPM is 32 000, \
24 000 and 21 021.898 samples at 48 kHz. Gel follows the host tempo (sent by the bench's CLAP \
host); peers are listed where they have a tempo control. Figure: measured − exact, in samples \
(echo gain in brackets).\n"
    );
    let mut head = String::from("| plugin |");
    let mut rule = String::from("|---|");
    for b in TEMPI {
        let _ = write!(head, " {b} BPM |");
        rule.push_str("---:|");
    }
    let _ = writeln!(md, "{head} tempo from |\n{rule}---|");
    if built {
        let mut line = String::from("| **Gel Delay** |");
        for bpm in TEMPI {
            let expected = RATE * 60.0 / bpm;
            let m = match gel_delay(
                args,
                cat,
                &[("Sync", "On"), ("Note", "1/4"), ("Note Type", "Straight")],
            ) {
                Ok(mut g) => {
                    g.set_tempo(bpm);
                    g.activate(RATE, BLOCK);
                    impulse_delay(&mut g, expected)
                }
                Err(e) => {
                    say(md, &format!("Gel Delay: {e}"));
                    None
                }
            };
            let _ = write!(line, " {} |", cell(m, expected));
        }
        let _ = write!(line, " host transport |");
        println!("delay sync: {line}");
        let _ = writeln!(md, "{line}");
    }
    if let Some(w) = world {
        for (d, p) in &installed {
            let mut line = format!("| {} |", d.label);
            match d.quarter_at {
                Some(f) => {
                    for bpm in TEMPI {
                        let expected = RATE * 60.0 / bpm;
                        let m = match peer_inst(w, p, d.label, &f(bpm), BLOCK) {
                            Ok(mut i) => impulse_delay(&mut i, expected),
                            Err(e) => {
                                println!("delay: {}: {e}", d.label);
                                None
                            }
                        };
                        let _ = write!(line, " {} |", cell(m, expected));
                    }
                }
                None => line.push_str(" – | – | – |"),
            }
            let _ = write!(line, " {} |", d.note);
            println!("delay sync: {line}");
            let _ = writeln!(md, "{line}");
        }
    }
    let _ = writeln!(md);

    // ---- time sweep -----------------------------------------------------------------------
    let _ = writeln!(
        md,
        "### Delay-time sweep (click measure)\n\nA 440 Hz sine at −12 dBFS (2.1 s before the \
sweep so every read position holds sine), then the time swept exponentially {SWEEP_FROM_MS} ms → \
{SWEEP_TO_MS} ms within 1 s, a new value every {SWEEP_BLOCK} samples (Gel: an automation event; \
LV2 peers: the control port, run in {SWEEP_BLOCK}-sample blocks), then 1 s held. Figure: the \
largest second difference of the output after the sweep starts, divided by the largest of the \
same plugin held at {SWEEP_FROM_MS} ms and at {SWEEP_TO_MS} ms (the host tests' click detector). \
About 1–2 = smooth (a pitch glide); tens = a click.\n"
    );
    let _ = writeln!(
        md,
        "| plugin | sweep / held | sweep max 2nd diff | held max 2nd diff |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|");
    let warm = (2.1 * RATE) as usize / SWEEP_BLOCK * SWEEP_BLOCK;
    let sweep_len = RATE as usize / SWEEP_BLOCK * SWEEP_BLOCK;
    let len = warm + 2 * sweep_len;
    let mut sine = signals::sine(440.0, signals::db_to_gain(-12.0) as f32, RATE, len);
    for (i, v) in sine[..480].iter_mut().enumerate() {
        *v *= 0.5 - 0.5 * (std::f32::consts::PI * i as f32 / 480.0).cos();
    }
    let ms_at = |t: usize| {
        SWEEP_FROM_MS
            * (SWEEP_TO_MS / SWEEP_FROM_MS).powf(t as f64 / (sweep_len - SWEEP_BLOCK) as f64)
    };
    let report = |md: &mut String, label: &str, swept: &[f32], held: f64| {
        let s = signals::max_second_diff(&swept[warm..]);
        let ratio = s / held.max(1e-12);
        println!("delay sweep: {label:<40} ratio {ratio:.2} (sweep {s:.3e}, held {held:.3e})");
        let _ = writeln!(md, "| {label} | {ratio:.2} | {s:.2e} | {held:.2e} |");
    };
    if built {
        for mode in ["Tape", "Fade"] {
            let label = format!("**Gel Delay** ({mode})");
            let base = [("Time Change", mode)];
            let mut held = 0.0f64;
            let mut ok = true;
            for t in [SWEEP_FROM_MS, SWEEP_TO_MS] {
                match gel_delay(args, cat, &base).and_then(|mut g| {
                    g.apply(&[("Time", &format!("{t} ms"))])?;
                    g.activate(RATE, SWEEP_BLOCK);
                    Ok(gel_run(&mut g, &sine, |_| Vec::new()))
                }) {
                    Ok(out) => held = held.max(signals::max_second_diff(&out[warm..])),
                    Err(e) => {
                        say(md, &format!("Gel Delay ({mode}): {e}"));
                        ok = false;
                    }
                }
            }
            if !ok {
                continue;
            }
            let swept = gel_delay(args, cat, &base).and_then(|mut g| {
                g.apply(&[("Time", &format!("{SWEEP_FROM_MS} ms"))])?;
                let values: Vec<(u32, f64)> = (0..sweep_len)
                    .step_by(SWEEP_BLOCK)
                    .map(|t| g.normalized("Time", &format!("{:.2} ms", ms_at(t))))
                    .collect::<Result<_, _>>()?;
                g.activate(RATE, SWEEP_BLOCK);
                Ok(gel_run(&mut g, &sine, |start| {
                    if start >= warm && start < warm + sweep_len {
                        let (id, v) = values[(start - warm) / SWEEP_BLOCK];
                        vec![ParamEvent {
                            time: 0,
                            param_id: id,
                            value: v,
                        }]
                    } else {
                        Vec::new()
                    }
                }))
            });
            match swept {
                Ok(out) => report(md, &label, &out, held),
                Err(e) => say(md, &format!("Gel Delay ({mode}): {e}")),
            }
        }
    }
    if let Some(w) = world {
        for (d, p) in &installed {
            let mut held = 0.0f64;
            let mut failed = None;
            for t in [SWEEP_FROM_MS, SWEEP_TO_MS] {
                match peer_inst(w, p, d.label, &(d.at_ms)(t), SWEEP_BLOCK) {
                    Ok(mut i) => {
                        let out = peer_run(&mut i, &sine, |_| None);
                        held = held.max(signals::max_second_diff(&out[warm..]));
                    }
                    Err(e) => failed = Some(e),
                }
            }
            if let Some(e) = failed {
                println!("delay sweep: {}: {e}", d.label);
                continue;
            }
            let Ok(mut i) = peer_inst(w, p, d.label, &(d.at_ms)(SWEEP_FROM_MS), SWEEP_BLOCK) else {
                continue;
            };
            let out = peer_run(&mut i, &sine, |start| {
                (start >= warm && start < warm + sweep_len)
                    .then(|| (d.time_symbol, ms_at(start - warm) as f32))
            });
            report(md, d.label, &out, held);
        }
    }
    let _ = writeln!(md);
    Ok(())
}

/// Mono sine in both channels through Gel in SWEEP_BLOCK blocks with per-block events; left out.
fn gel_run(g: &mut GelPlugin, x: &[f32], events_at: impl Fn(usize) -> Vec<ParamEvent>) -> Vec<f32> {
    let mut out = vec![0.0f32; x.len()];
    let mut scratch = vec![0.0f32; SWEEP_BLOCK];
    for start in (0..x.len()).step_by(SWEEP_BLOCK) {
        let end = (start + SWEEP_BLOCK).min(x.len());
        let n = end - start;
        let events = events_at(start);
        g.process_events(
            [&x[start..end], &x[start..end]],
            [&mut out[start..end], &mut scratch[..n]],
            &events,
        );
    }
    out
}

/// The same through an LV2 peer (instantiated with SWEEP_BLOCK), a control change per block.
fn peer_run(
    p: &mut lv2::Lv2Plugin,
    x: &[f32],
    control_at: impl Fn(usize) -> Option<(&'static str, f32)>,
) -> Vec<f32> {
    let mut out = vec![0.0f32; x.len()];
    let mut scratch = vec![0.0f32; SWEEP_BLOCK];
    let mut il = vec![0.0f32; SWEEP_BLOCK];
    for start in (0..x.len()).step_by(SWEEP_BLOCK) {
        let end = (start + SWEEP_BLOCK).min(x.len());
        let n = end - start;
        if let Some((sym, v)) = control_at(start) {
            let _ = p.set_control(sym, v);
        }
        il[..n].copy_from_slice(&x[start..end]);
        il[n..].fill(0.0);
        let mut ol = vec![0.0f32; SWEEP_BLOCK];
        p.process([&il, &il], [&mut ol, &mut scratch]);
        out[start..end].copy_from_slice(&ol[..n]);
    }
    out
}
