//! EQ: how closely single ±12 dB bells and shelves follow the analog prototype up to 20 kHz.
//!
//! Reference: the analog RBJ prototypes (R. Bristow-Johnson, "Cookbook formulae for audio EQ
//! biquad filter coefficients", the s-domain prototypes at the top of the note), `s = jf/f0`,
//! `u = f/f0`, `A = 10^(G/40)`:
//! - peaking `H(s) = (s² + (A/Q)·s + 1) / (s² + s/(A·Q) + 1)`, so
//!   `|H|² = ((1 − u²)² + (A·u/Q)²) / ((1 − u²)² + (u/(A·Q))²)`;
//! - low shelf `H(s) = A·(s² + (√A/Q)·s + A) / (A·s² + (√A/Q)·s + 1)`, so
//!   `|H|² = A²·((A − u²)² + A·u²/Q²) / ((1 − A·u²)² + A·u²/Q²)`;
//! - high shelf `H(s) = A·(A·s² + (√A/Q)·s + 1) / (s² + (√A/Q)·s + A)`, so
//!   `|H|² = A²·((1 − A·u²)² + A·u²/Q²) / ((A − u²)² + A·u²/Q²)`.
//!
//! They are written out here on purpose rather than taken from gel-dsp: the yardstick must not
//! share code with the plugin it measures (a unit test below checks the two agree).
//!
//! Peers are calibrated first (their width and, for shelves, frequency conventions differ; see
//! `calibrate`), then measured with that setting at every f0 and rate.
//!
//! Measure: the plugin's impulse response (65 536 samples after 0.5 s of silence, so parameter
//! smoothing has settled), its magnitude by realfft, compared bin by bin from 20 Hz to 20 kHz
//! (0.67–0.73 Hz bins). "Deviation" is the largest |measured − prototype| in dB.
//!
//! Width conventions differ between plugins (Q, bandwidth in octaves, LSP's own Q scaling), so
//! each peer's width control is calibrated first: the value whose 1 kHz bell at 48 kHz (far from
//! Nyquist, where no design cramps) follows the prototype of the wanted Q best, searched over
//! the control's whole range. That value is then used at every f0 and rate, so what is left at
//! high f0 is the design's own error. Gel EQ is not calibrated: its Q is the prototype's Q.

use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use realfft::RealFftPlanner;

use super::{peer_by_name, run_blocks, say};
use crate::categories::{Category, Peer};
use crate::chart::{init_font, FONT, GEL};
use crate::gel::GelPlugin;
use crate::{bundle_path, lv2, Args, Processor, BLOCK};

const GAINS_DB: [f64; 2] = [12.0, -12.0];
const F0S: [f64; 5] = [1000.0, 4000.0, 8000.0, 12000.0, 16000.0];
const QS: [f64; 2] = [0.7, 3.0];
const RATES: [f64; 2] = [44_100.0, 48_000.0];
const FFT_LEN: usize = 65_536;
const WARM_UP_S: f64 = 0.5;
const IMPULSE: f32 = 0.25;

/// LV2 controls for a band of `Shape` at (f0, width control value, gain dB); None if the plugin
/// has no such band or cannot set that f0.
type BandControls<'a> = dyn Fn(Shape, f64, f64, f64) -> Option<Vec<(String, f32)>> + 'a;

/// One plugin (or plugin mode) measured for every case.
enum Subject<'a> {
    Gel,
    Peer {
        label: String,
        peer: &'a Peer,
        /// Controls for a bell at (f0, width control value, gain dB); None if the plugin cannot
        /// set that f0.
        controls: Box<BandControls<'a>>,
        /// Range of the width control (searched on a log scale when calibrating).
        width_range: (f64, f64),
    },
}

fn db_to_lin(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

fn c(symbol: &str, v: f64) -> (String, f32) {
    (symbol.to_string(), v as f32)
}

fn subjects(peers: &[Peer], gel_built: bool) -> Vec<Subject<'_>> {
    let mut s = Vec::new();
    if gel_built {
        s.push(Subject::Gel);
    }
    if let Some(p) = peer_by_name(peers, "lsp_para_eq_x16_stereo_IIR") {
        // The BWC and LRX modes are other bell families (2–15 dB from this prototype even at
        // 1 kHz at any width), so only the RLC and direct-design modes are compared.
        for (mode, name) in [(0, "RLC (BT)"), (1, "RLC (MT)"), (6, "APO (DR)")] {
            s.push(Subject::Peer {
                label: format!("LSP Para EQ, {name}"),
                peer: p,
                controls: Box::new(move |shape, f, w, g| {
                    // Filter types: 1 Bell, 3 Hi-shelf, 5 Lo-shelf (the plugin's TTL).
                    let kind = match shape {
                        Shape::Bell => 1.0,
                        Shape::HighShelf => 3.0,
                        Shape::LowShelf => 5.0,
                    };
                    Some(vec![
                        c("mode", 0.0),
                        c("ft_0", kind),
                        c("fm_0", mode as f64),
                        c("s_0", 0.0),
                        c("f_0", f),
                        (String::from("g_0"), db_to_lin(g)),
                        c("q_0", w),
                    ])
                }),
                width_range: (0.05, 50.0),
            });
        }
    }
    if let Some(p) = peer_by_name(peers, "x42_fil4_stereo") {
        // Section 4 is the one that reaches 20 kHz; the others stay at 0 dB (exactly flat).
        s.push(Subject::Peer {
            label: "x42 fil4".into(),
            peer: p,
            controls: Box::new(|shape, f, w, g| {
                Some(match shape {
                    Shape::Bell => vec![c("sec4", 1.0), c("freq4", f), c("gain4", g), c("q4", w)],
                    Shape::LowShelf => {
                        vec![c("LSsec", 1.0), c("LSfreq", f), c("LSgain", g), c("LSq", w)]
                    }
                    Shape::HighShelf => {
                        vec![c("HSsec", 1.0), c("HSfreq", f), c("HSgain", g), c("HSq", w)]
                    }
                })
            }),
            width_range: (0.0625, 4.0),
        });
    }
    if let Some(p) = peer_by_name(peers, "calf_eq8") {
        s.push(Subject::Peer {
            label: "Calf Equalizer 8 band".into(),
            peer: p,
            controls: Box::new(|shape, f, w, g| {
                let band = match shape {
                    Shape::Bell => "p1",
                    Shape::LowShelf => "ls",
                    Shape::HighShelf => "hs",
                };
                let mut v = vec![
                    c("hp_active", 0.0),
                    c("lp_active", 0.0),
                    c("ls_active", 0.0),
                    c("hs_active", 0.0),
                    c("p1_active", 0.0),
                ];
                v.retain(|(sym, _)| !sym.starts_with(band));
                v.extend([
                    c(&format!("{band}_active"), 1.0),
                    c(&format!("{band}_freq"), f),
                    (format!("{band}_level"), db_to_lin(g)),
                    c(&format!("{band}_q"), w),
                ]);
                Some(v)
            }),
            width_range: (0.1, 100.0),
        });
    }
    if let Some(p) = peer_by_name(peers, "zam_eq2_x2mono") {
        s.push(Subject::Peer {
            label: "ZamEQ2".into(),
            peer: p,
            // Its frequency controls end at 14 kHz; its shelves have no width control (the
            // width value is ignored for them).
            controls: Box::new(|shape, f, w, g| {
                (f <= 14_000.0).then(|| match shape {
                    Shape::Bell => vec![c("boost1", g), c("f1", f), c("bw1", w)],
                    Shape::LowShelf => vec![c("boostl", g), c("fl", f)],
                    Shape::HighShelf => vec![c("boosth", g), c("fh", f)],
                })
            }),
            width_range: (0.1, 6.0),
        });
    }
    s
}

/// The frequency and rate where a peer's width control is calibrated: far enough below
/// Nyquist that no design cramps there.
const CAL_F0: f64 = 1000.0;
const CAL_RATE: f64 = 48_000.0;

/// What a peer is set to for a wanted (shape, Q, gain): its width-control value, and the factor
/// its frequency control is set off by (1 for bells; shelves may define their frequency at the
/// corner instead of at the half-gain point RBJ uses).
#[derive(Clone, Copy, Debug)]
struct Calibration {
    width: f64,
    freq_factor: f64,
    /// Largest deviation left at 1 kHz, 48 kHz (dB).
    deviation_db: f64,
}

/// Frequency factors searched for shelves.
const FREQ_FACTOR_RANGE: (f64, f64) = (0.5, 2.0);

/// The setting whose 1 kHz / 48 kHz band follows the prototype of `(shape, q, gain)` best
/// (least largest deviation). Bells: a log grid over the width control's range, then finer
/// ones around the best point. Shelves: the same on width and frequency factor alternately
/// (coordinate search, three rounds).
fn calibrate(
    world: &lv2::Lv2World,
    label: &str,
    peer: &Peer,
    controls: &BandControls<'_>,
    (lo, hi): (f64, f64),
    (shape, q, gain_db): (Shape, f64, f64),
) -> Option<Calibration> {
    let target = Band::new(shape, CAL_F0, q, gain_db);
    let measure = |w: f64, k: f64, step: usize| -> Option<f64> {
        let ctl = controls(shape, CAL_F0 * k, w, gain_db)?;
        let mut p = world
            .instantiate(label, &peer.uri, &ctl, CAL_RATE, BLOCK)
            .ok()?;
        let mag = magnitude_db(&mut p, CAL_RATE);
        Some(deviation(&mag, CAL_RATE, &target, step))
    };
    // Best point of `eval` on a log grid of n + 1 points over [a, b].
    let grid = |eval: &dyn Fn(f64) -> Option<f64>, a: f64, b: f64, n: usize| {
        (0..=n)
            .map(|i| a * (b / a).powf(i as f64 / n as f64))
            .filter_map(|x| eval(x).map(|d| (x, d)))
            .fold(None, |best: Option<(f64, f64)>, x| match best {
                Some(b) if b.1 <= x.1 => Some(b),
                _ => Some(x),
            })
    };
    // Coarse, then two finer grids around the best point, within [lo, hi].
    let search = |eval: &dyn Fn(f64) -> Option<f64>, lo: f64, hi: f64| -> Option<f64> {
        let (x0, _) = grid(eval, lo, hi, 40)?;
        let step = (hi / lo).powf(1.0 / 40.0);
        let (x1, _) = grid(eval, (x0 / step).max(lo), (x0 * step).min(hi), 12)?;
        let step = step.powf(1.0 / 6.0);
        let (x2, _) = grid(eval, (x1 / step).max(lo), (x1 * step).min(hi), 8)?;
        Some(x2)
    };
    let mut k = 1.0;
    let mut w = search(&|w| measure(w, k, 8), lo, hi)?;
    if shape != Shape::Bell {
        let (k_lo, k_hi) = FREQ_FACTOR_RANGE;
        for _ in 0..3 {
            k = search(&|k| measure(w, k, 8), k_lo, k_hi)?;
            w = search(&|w| measure(w, k, 8), lo, hi)?;
        }
    }
    Some(Calibration {
        width: w,
        freq_factor: k,
        deviation_db: measure(w, k, 1)?,
    })
}

/// Gel EQ with band 1 as `band`, everything else off.
fn gel_band(args: &Args, cat: &Category, band: &Band, rate: f64) -> Result<GelPlugin, String> {
    let mut g = GelPlugin::load(&bundle_path(args, cat), "Gel EQ")?;
    g.apply(&[
        ("Processing", "Zero Latency"),
        ("Band 1 Used", "On"),
        ("Band 1 On", "On"),
        ("Band 1 Type", band.shape.gel_name()),
        ("Band 1 Frequency", &format!("{}", band.f0)),
        ("Band 1 Gain", &format!("{}", band.gain_db)),
        ("Band 1 Q", &format!("{}", band.q)),
        ("Band 1 Placement", "Stereo"),
    ])?;
    g.activate(rate, BLOCK);
    Ok(g)
}

/// Magnitude (dB) of the impulse response at every bin `k·rate/FFT_LEN`.
fn magnitude_db(p: &mut dyn Processor, rate: f64) -> Vec<f64> {
    let warm = (WARM_UP_S * rate) as usize / BLOCK * BLOCK;
    let len = warm + FFT_LEN;
    let mut x = vec![0.0f32; len];
    x[warm] = IMPULSE;
    let (l, _) = run_blocks(p, &x, &x);
    let mut ir: Vec<f64> = l[warm..warm + FFT_LEN]
        .iter()
        .map(|&v| v as f64 / IMPULSE as f64)
        .collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(FFT_LEN);
    let mut spec = fft.make_output_vec();
    fft.process(&mut ir, &mut spec).expect("fft sizes match");
    spec.iter()
        .map(|z| 20.0 * z.norm().max(1e-12).log10())
        .collect()
}

/// Band shapes measured.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Bell,
    LowShelf,
    HighShelf,
}

impl Shape {
    const ALL: [Shape; 3] = [Shape::Bell, Shape::LowShelf, Shape::HighShelf];

    /// The band type's name in Gel EQ.
    fn gel_name(self) -> &'static str {
        match self {
            Shape::Bell => "Bell",
            Shape::LowShelf => "Low Shelf",
            Shape::HighShelf => "High Shelf",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Shape::Bell => "bells",
            Shape::LowShelf => "low shelves",
            Shape::HighShelf => "high shelves",
        }
    }
}

/// An analog prototype band.
#[derive(Clone, Copy, Debug)]
struct Band {
    shape: Shape,
    f0: f64,
    q: f64,
    gain_db: f64,
}

impl Band {
    fn new(shape: Shape, f0: f64, q: f64, gain_db: f64) -> Self {
        Self {
            shape,
            f0,
            q,
            gain_db,
        }
    }
}

/// `|H(j2πf)|` in dB of the RBJ analog prototype (formulas in the module comment).
fn analog_magnitude_db(b: &Band, f: f64) -> f64 {
    let a = 10f64.powf(b.gain_db / 40.0);
    let u = f / b.f0;
    let u2 = u * u;
    let mag2 = match b.shape {
        Shape::Bell => {
            let re = (1.0 - u2).powi(2);
            (re + (a * u / b.q).powi(2)) / (re + (u / (a * b.q)).powi(2))
        }
        Shape::LowShelf | Shape::HighShelf => {
            let mid = a * u2 / (b.q * b.q);
            let (low, high) = ((a - u2).powi(2) + mid, (1.0 - a * u2).powi(2) + mid);
            if b.shape == Shape::LowShelf {
                a * a * low / high
            } else {
                a * a * high / low
            }
        }
    };
    10.0 * mag2.log10()
}

/// Largest |measured − prototype| over 20 Hz–20 kHz (every `step`-th bin).
fn deviation(mag: &[f64], rate: f64, band: &Band, step: usize) -> f64 {
    let df = rate / FFT_LEN as f64;
    let (k0, k1) = (
        (20.0 / df).ceil() as usize,
        (20_000.0 / df).floor() as usize,
    );
    (k0..=k1)
        .step_by(step)
        .map(|k| (mag[k] - analog_magnitude_db(band, k as f64 * df)).abs())
        .fold(0.0, f64::max)
}

/// The Q whose prototype the measured curve follows best (least largest deviation), searched
/// on a log grid 1/3×–3× the set Q, then refined; returns (Q, deviation).
fn best_fit(mag: &[f64], rate: f64, band: &Band) -> (f64, f64) {
    let with_q = |q| Band { q, ..*band };
    let search = |lo: f64, hi: f64, n: usize, step: usize| {
        (0..=n)
            .map(|i| lo * (hi / lo).powf(i as f64 / n as f64))
            .map(|qq| (qq, deviation(mag, rate, &with_q(qq), step)))
            .fold(
                (band.q, f64::INFINITY),
                |a, b| if b.1 < a.1 { b } else { a },
            )
    };
    let (coarse, _) = search(band.q / 3.0, band.q * 3.0, 60, 16);
    let (fine, _) = search(coarse / 1.04, coarse * 1.04, 16, 16);
    (fine, deviation(mag, rate, &with_q(fine), 1))
}

/// A (shape, Q, gain dB) a peer is calibrated for.
type Wanted = (Shape, f64, f64);

/// One measured case.
#[derive(Clone, Copy, Debug)]
struct Case {
    rate: f64,
    band: Band,
}

/// Every case, grouped as the tables are: shape, then rate, then gain, then f0 × Q.
fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for shape in Shape::ALL {
        for rate in RATES {
            for gain in GAINS_DB {
                for f0 in F0S {
                    for q in QS {
                        v.push(Case {
                            rate,
                            band: Band::new(shape, f0, q, gain),
                        });
                    }
                }
            }
        }
    }
    v
}

struct Cell {
    dev: f64,
    best_q: f64,
    best_dev: f64,
}

#[derive(Clone)]
struct Curve {
    label: String,
    gel: bool,
    points: Vec<(f64, f64)>,
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
        "### Bell and shelf magnitude against the analog prototype\n\n\
±12 dB bells, low shelves and high shelves at f0 = 1, 4, 8, 12, 16 kHz, Q 0.7 and 3, at 44.1 and \
48 kHz. Reference: the analog RBJ prototypes (Bristow-Johnson, *Audio EQ Cookbook*, the \
s-domain forms): peaking `H(s) = (s² + (A/Q)s + 1)/(s² + s/(AQ) + 1)`, low shelf \
`H(s) = A(s² + (√A/Q)s + A)/(As² + (√A/Q)s + 1)`, high shelf \
`H(s) = A(As² + (√A/Q)s + 1)/(s² + (√A/Q)s + A)`, `A = 10^(G/40)`, `s = jf/f0`. Each plugin's \
impulse response ({FFT_LEN} samples, after {WARM_UP_S} s of silence) through realfft; the figure \
is the largest |measured − prototype| in dB over every bin from 20 Hz to 20 kHz.\n\n\
Width conventions differ (x42 fil4 and ZamEQ2 take a bandwidth, LSP's RLC modes scale Q their \
own way, some peers narrow a cut's width), so each peer is first **calibrated** for each shape, \
Q and gain: the setting whose 1 kHz band at 48 kHz follows the prototype best (searched over \
the control's whole range; table below), then used unchanged at every f0 and rate. What remains at high f0 is the design's own error (cramping near Nyquist). Gel EQ is \
not calibrated: its Q is the prototype's Q. In brackets: the Q of the prototype the measured \
curve fits best and the deviation from that one (a curve that only narrows or widens scores \
well there; one that loses its shape does not).\n\n\
LSP: the RLC modes (BT = bilinear, MT = matched-z) and APO (DR); its BWC and LRX modes are \
other bell families, 2–15 dB from this prototype even at 1 kHz. x42 fil4: section 4 (the one \
reaching 20 kHz) and its shelf sections. Calf: peak 1 and its shelves. ZamEQ2: peak 1 and its \
shelves (its frequencies end at 14 kHz: \"–\"; its shelves have no width control). Shelves are \
calibrated on the frequency control too (a factor of 0.5–2 on f0): some plugins name a shelf by \
its corner rather than by the half-gain point the RBJ prototype uses.\n"
    );
    let Some(world) = world else {
        say(md, "No LV2 host: EQ peers not measured.");
        return Ok(());
    };
    let list = subjects(peers, built);
    if list.is_empty() {
        say(md, "Neither Gel EQ nor any EQ peer is available.");
        return Ok(());
    }
    let all_cases = cases();
    // cells[subject][case]
    let mut cells: Vec<Vec<Option<Cell>>> = Vec::new();
    let mut curves: Vec<Vec<Curve>> = vec![Vec::new(); PLOTS.len()];
    let mut gel_failed = None;
    let mut calibration = Vec::new();
    for s in &list {
        let mut row = Vec::new();
        let label = match s {
            Subject::Gel => "Gel EQ".to_string(),
            Subject::Peer { label, .. } => label.clone(),
        };
        // Peers: the setting that matches each (shape, Q, gain) at 1 kHz (see `calibrate`).
        let mut settings: Vec<(Wanted, Option<Calibration>)> = Vec::new();
        if let Subject::Peer {
            label,
            peer,
            controls,
            width_range,
        } = s
        {
            for shape in Shape::ALL {
                for gain in GAINS_DB {
                    for q in QS {
                        let wanted = (shape, q, gain);
                        let cal =
                            calibrate(world, label, peer, controls.as_ref(), *width_range, wanted);
                        match cal {
                            Some(c) => {
                                println!(
                                    "eq: {label}: {} Q {q}, {gain:+} dB ↔ width control {:.3}, \
                                     frequency ×{:.3} ({:.3} dB at 1 kHz)",
                                    shape.gel_name(),
                                    c.width,
                                    c.freq_factor,
                                    c.deviation_db
                                );
                                calibration.push(format!(
                                    "| {label} | {} | {q} | {gain:+} | {:.3} | {:.3} | {:.3} |",
                                    shape.gel_name(),
                                    c.width,
                                    c.freq_factor,
                                    c.deviation_db
                                ));
                            }
                            None => println!(
                                "eq: {label}: no setting matches {} Q {q}, {gain:+} dB",
                                shape.gel_name()
                            ),
                        }
                        settings.push((wanted, cal));
                    }
                }
            }
        }
        for case in &all_cases {
            let (rate, band) = (case.rate, case.band);
            let proc_: Option<Box<dyn Processor>> = match s {
                Subject::Gel => match gel_band(args, cat, &band, rate) {
                    Ok(g) => Some(Box::new(g)),
                    Err(e) => {
                        gel_failed.get_or_insert(e);
                        None
                    }
                },
                Subject::Peer {
                    label,
                    peer,
                    controls,
                    ..
                } => match settings
                    .iter()
                    .find(|(key, _)| *key == (band.shape, band.q, band.gain_db))
                    .and_then(|(_, cal)| *cal)
                    .and_then(|cal| {
                        controls(
                            band.shape,
                            band.f0 * cal.freq_factor,
                            cal.width,
                            band.gain_db,
                        )
                    }) {
                    None => None,
                    Some(ctl) => match world.instantiate(label, &peer.uri, &ctl, rate, BLOCK) {
                        Ok(i) => Some(Box::new(i)),
                        Err(e) => {
                            println!("eq: {label}: {e}");
                            None
                        }
                    },
                },
            };
            let Some(mut p) = proc_ else {
                row.push(None);
                continue;
            };
            let mag = magnitude_db(p.as_mut(), rate);
            let dev = deviation(&mag, rate, &band, 1);
            let (best_q, best_dev) = best_fit(&mag, rate, &band);
            println!(
                "eq: {label:<32} {:<10} {:+} dB {:>5.1} kHz f0 {:>5.1} kHz Q {}: {dev:.2} dB \
                 (best Q {best_q:.2}: {best_dev:.2} dB)",
                band.shape.gel_name(),
                band.gain_db,
                rate / 1e3,
                band.f0 / 1e3,
                band.q
            );
            for (i, plot) in PLOTS.iter().enumerate() {
                if band.shape == Shape::Bell
                    && band.gain_db > 0.0
                    && plot.0 == rate
                    && plot.1 == band.f0
                    && plot.2 == band.q
                {
                    let df = rate / FFT_LEN as f64;
                    let points = (0..400)
                        .map(|j| 1000.0 * (rate / 2.0 / 1000.0).powf(j as f64 / 399.0))
                        .map(|f| (f, mag[((f / df).round() as usize).min(mag.len() - 1)]))
                        .collect();
                    curves[i].push(Curve {
                        label: label.clone(),
                        gel: matches!(s, Subject::Gel),
                        points,
                    });
                }
            }
            row.push(Some(Cell {
                dev,
                best_q,
                best_dev,
            }));
        }
        cells.push(row);
    }
    if let Some(e) = gel_failed {
        say(
            md,
            &format!("Gel EQ could not be set up for this measure: {e}"),
        );
    }
    // One table per shape, rate and gain; columns f0 × Q.
    let per_table = F0S.len() * QS.len();
    for (t, table_cases) in all_cases.chunks(per_table).enumerate() {
        let first = table_cases[0];
        let _ = writeln!(
            md,
            "**{:+} dB {}, {} kHz** — largest deviation in dB (best-fit Q: deviation)\n",
            first.band.gain_db,
            first.band.shape.plural(),
            first.rate / 1e3
        );
        let mut head = String::from("| plugin |");
        let mut rule = String::from("|---|");
        for c in table_cases {
            let _ = write!(head, " {} kHz Q {} |", c.band.f0 / 1e3, c.band.q);
            rule.push_str("---:|");
        }
        let _ = writeln!(md, "{head}\n{rule}");
        for (si, s) in list.iter().enumerate() {
            let row = &cells[si][t * per_table..(t + 1) * per_table];
            if row.iter().all(Option::is_none) {
                continue;
            }
            let label = match s {
                Subject::Gel => "**Gel EQ**".to_string(),
                Subject::Peer { label, .. } => label.clone(),
            };
            let mut line = format!("| {label} |");
            for cell in row {
                match cell {
                    Some(c) => {
                        let _ =
                            write!(line, " {:.2} ({:.2}: {:.2}) |", c.dev, c.best_q, c.best_dev);
                    }
                    None => line.push_str(" – |"),
                }
            }
            let _ = writeln!(md, "{line}");
        }
        let _ = writeln!(md);
    }
    if !calibration.is_empty() {
        let _ = writeln!(
            md,
            "Calibration (1 kHz, 48 kHz): the peer's width-control value and frequency factor used \
for each shape, Q and gain, and the deviation left there.\n\n| plugin | shape | Q | gain (dB) | \
width control | frequency × | deviation at 1 kHz (dB) |\n|---|---|---:|---:|---:|---:|---:|\n{}\n",
            calibration.join("\n")
        );
    }
    let png = args.out_dir.join("quality-eq-bells.png");
    bell_chart(&curves, &png)?;
    let _ = writeln!(
        md,
        "![+12 dB bells near Nyquist: measured vs analog prototype](quality-eq-bells.png)\n"
    );
    Ok(())
}

/// Cases plotted: (rate, f0, Q).
const PLOTS: [(f64, f64, f64); 4] = [
    (48_000.0, 16_000.0, 0.7),
    (48_000.0, 16_000.0, 3.0),
    (44_100.0, 12_000.0, 0.7),
    (44_100.0, 12_000.0, 3.0),
];

fn bell_chart(curves: &[Vec<Curve>], path: &Path) -> Result<(), String> {
    init_font();
    let e = |e: &dyn std::fmt::Debug| format!("chart: {e:?}");
    let root = BitMapBackend::new(path, (1400, 1000)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (title, body) = root.split_vertically(50);
    title
        .draw(&Text::new(
            "+12 dB bells: analog prototype (black, dashed) and each plugin's measured magnitude",
            (16, 14),
            (FONT, 22).into_font(),
        ))
        .map_err(|x| e(&x))?;
    let palette = [
        RGBColor(200, 60, 40),
        RGBColor(60, 90, 200),
        RGBColor(230, 150, 20),
        RGBColor(150, 60, 170),
        RGBColor(90, 160, 60),
        RGBColor(120, 120, 130),
        RGBColor(30, 170, 200),
        RGBColor(180, 120, 80),
        RGBColor(220, 90, 160),
    ];
    for ((rate, f0, q), (panel, set)) in PLOTS
        .iter()
        .zip(body.split_evenly((2, 2)).iter().zip(curves))
    {
        let nyq = rate / 2.0;
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!("f0 {} kHz, Q {q}, {} kHz", f0 / 1e3, rate / 1e3),
                (FONT, 18),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(46)
            .build_cartesian_2d((1000f64..nyq).log_scale(), -2f64..16f64)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            // A handful of labels in kHz: plotters' default log-axis labels crowd into each
            // other between 1 kHz and Nyquist.
            .x_labels(6)
            .x_label_formatter(&|f| format!("{:.0}k", f / 1000.0))
            .x_desc("Hz")
            .y_desc("dB")
            .label_style((FONT, 14))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|x| e(&x))?;
        let band = Band::new(Shape::Bell, *f0, *q, GAINS_DB[0]);
        let proto: Vec<(f64, f64)> = (0..400)
            .map(|j| 1000.0 * (nyq / 1000.0).powf(j as f64 / 399.0))
            .map(|f| (f, analog_magnitude_db(&band, f)))
            .collect();
        chart
            .draw_series(DashedLineSeries::new(proto, 8, 5, BLACK.stroke_width(2)))
            .map_err(|x| e(&x))?
            .label("analog prototype")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        for (i, cv) in set.iter().enumerate() {
            let color = if cv.gel {
                GEL
            } else {
                palette[i % palette.len()]
            };
            let width = if cv.gel { 3 } else { 1 };
            chart
                .draw_series(LineSeries::new(
                    cv.points.iter().map(|&(f, d)| (f, d.clamp(-2.0, 16.0))),
                    color.stroke_width(width),
                ))
                .map_err(|x| e(&x))?
                .label(cv.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            .draw()
            .map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gel_dsp::eq::{BandType, CutSlope, EqBand};

    #[test]
    fn prototypes_match_gel_dsp_and_the_cookbook_points() {
        for shape in Shape::ALL {
            for (f0, q, gain) in [
                (1000.0, 0.7, 12.0),
                (16_000.0, 3.0, -12.0),
                (4000.0, 0.7, -12.0),
            ] {
                let b = Band::new(shape, f0, q, gain);
                let band = EqBand {
                    kind: match shape {
                        Shape::Bell => BandType::Bell,
                        Shape::LowShelf => BandType::LowShelf,
                        Shape::HighShelf => BandType::HighShelf,
                    },
                    freq_hz: f0 as f32,
                    gain_db: gain as f32,
                    q: q as f32,
                    slope: CutSlope::Db12,
                };
                for f in [20.0, 500.0, f0, 15_000.0, 20_000.0] {
                    let ours = analog_magnitude_db(&b, f);
                    let theirs = gel_dsp::eq::analog_magnitude_db(&band, f);
                    assert!(
                        (ours - theirs).abs() < 1e-4,
                        "{shape:?} {f0} {q} {f}: {ours} vs {theirs}"
                    );
                }
                match shape {
                    Shape::Bell => {
                        // G at f0, G/2 at the cookbook's band edges f0·(√(1+1/(4Q²)) ± 1/(2Q)).
                        assert!((analog_magnitude_db(&b, f0) - gain).abs() < 1e-12);
                        let (c, r) = (1.0 / (2.0 * q), (1.0 + 1.0 / (4.0 * q * q)).sqrt());
                        for f in [f0 * (r + c), f0 * (r - c)] {
                            assert!((analog_magnitude_db(&b, f) - gain / 2.0).abs() < 1e-9);
                        }
                    }
                    Shape::LowShelf | Shape::HighShelf => {
                        // G/2 at f0; G far on the shelf side, 0 dB far on the other.
                        assert!((analog_magnitude_db(&b, f0) - gain / 2.0).abs() < 1e-9);
                        let (shelf, flat) = if shape == Shape::LowShelf {
                            (f0 * 1e-4, f0 * 1e4)
                        } else {
                            (f0 * 1e4, f0 * 1e-4)
                        };
                        assert!((analog_magnitude_db(&b, shelf) - gain).abs() < 1e-3);
                        assert!(analog_magnitude_db(&b, flat).abs() < 1e-3);
                    }
                }
            }
        }
    }
}
