//! Gel EQ's dynamic bands through the real binaries (both formats): the settled gain at `f0`
//! follows the gain computer from −60 to 0 dBFS, the attack and release time constants, the
//! detector's selectivity, the external sidechain, old state loading static, and host-style
//! fuzzing with dynamic bands on (see `gel_dsp::eq::dynamic` for the semantics: the band's
//! gain is where it moves to, its magnitude the range).

use gel_host_tests::{
    host_style, load, param_by_text, set_by_text as set, signals, Format, PluginHost,
};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;
const F0: f64 = 1000.0;

fn both_formats(check: impl Fn(Format)) {
    for format in [Format::Clap, Format::Vst3] {
        check(format);
    }
}

/// Gel EQ with band 1 set by `settings` (names without the "Band 1 " prefix), activated.
fn eq_with(format: Format, settings: &[(&str, &str)]) -> Box<dyn PluginHost> {
    let mut p = load(format, "Gel EQ");
    for (name, text) in [("Used", "On"), ("On", "On"), ("Dynamic", "On")]
        .iter()
        .chain(settings)
    {
        set(p.as_mut(), &format!("Band 1 {name}"), text);
    }
    p.activate(SR, BLOCK as u32);
    p
}

/// Runs `left`/`right` (and the sidechain `aux`) through `plugin` in blocks.
fn run(
    plugin: &mut dyn PluginHost,
    left: &[f32],
    right: &[f32],
    aux: Option<(&[f32], &[f32])>,
) -> (Vec<f32>, Vec<f32>) {
    let len = left.len();
    let mut out = (vec![0.0; len], vec![0.0; len]);
    let mut start = 0;
    while start < len {
        let end = (start + BLOCK).min(len);
        let inputs: [&[f32]; 2] = [&left[start..end], &right[start..end]];
        let mut outputs: Vec<&mut [f32]> = vec![&mut out.0[start..end], &mut out.1[start..end]];
        match aux {
            Some((l, r)) => {
                plugin.process_with_aux(
                    &inputs,
                    &[&l[start..end], &r[start..end]],
                    &mut outputs,
                    &[],
                );
            }
            None => {
                plugin.process(&inputs, &mut outputs, &[]);
            }
        }
        start = end;
    }
    out
}

/// Amplitude and phase-free magnitude of the `freq` component of `x` (least-squares fit over
/// whole periods of every tone in the signal).
fn amplitude_at(x: &[f32], freq: f64) -> f64 {
    let w = std::f64::consts::TAU * freq / SR;
    let (mut s, mut c) = (0.0, 0.0);
    for (n, v) in x.iter().enumerate() {
        s += f64::from(*v) * (w * n as f64).sin();
        c += f64::from(*v) * (w * n as f64).cos();
    }
    2.0 * (s * s + c * c).sqrt() / x.len() as f64
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// The gain computer written out (Giannoulis, Massberg & Reiss 2012, eq. 4, soft knee `w`):
/// how far (dB) the band moves towards its gain at a detector level `l` (dBFS), above `t`.
fn expected_move(l: f64, t: f64, ratio: f64, w: f64, range: f64) -> f64 {
    let o = l - t;
    let ok = if 2.0 * o < -w {
        0.0
    } else if 2.0 * o <= w && w > 0.0 {
        (o + w / 2.0).powi(2) / (2.0 * w)
    } else {
        o.max(0.0)
    };
    (ok * (1.0 - 1.0 / ratio)).min(range)
}

#[test]
fn static_curve_follows_the_gain_computer_from_minus_60_to_0_dbfs() {
    both_formats(|format| {
        let mut p = eq_with(
            format,
            &[
                ("Type", "Bell"),
                ("Frequency", "1 kHz"),
                ("Gain", "-20"),
                ("Q", "1"),
                ("Threshold", "-40"),
                ("Ratio", "3"),
                ("Knee", "6"),
                ("Attack", "5 ms"),
                ("Release", "50 ms"),
            ],
        );
        // One continuous sine, its level stepped every 0.3 s (300 whole periods) upwards.
        let step = (0.3 * SR) as usize;
        let levels: Vec<f64> = (0..=12).map(|i| -60.0 + 5.0 * i as f64).collect();
        let mut x = signals::sine(F0, 1.0, SR, step * levels.len());
        for (i, l) in levels.iter().enumerate() {
            let g = 10f64.powf(l / 20.0) as f32;
            x[i * step..(i + 1) * step].iter_mut().for_each(|v| *v *= g);
        }
        let (out, _) = run(p.as_mut(), &x, &x, None);
        let mut worst = 0.0f64;
        for (i, l) in levels.iter().enumerate() {
            // The last 0.1 s of each step (settled: 40 attack / 4 release times later).
            let w = (i + 1) * step - (0.1 * SR) as usize..(i + 1) * step;
            let gain = db(amplitude_at(&out[w.clone()], F0)) - db(amplitude_at(&x[w], F0));
            let expected = -expected_move(*l, -40.0, 3.0, 6.0, 20.0);
            worst = worst.max((gain - expected).abs());
            assert!(
                (gain - expected).abs() < 0.25,
                "{format:?} {l} dBFS: gain {gain:.3} dB, gain computer {expected:.3} dB"
            );
        }
        println!("{format:?}: static curve within {worst:.3} dB");
    });
}

/// Gain (dB) of the output against the input around each sample: one period of `f0` centred
/// on it (the input is a sine at `f0`).
fn gain_track(out: &[f32], x: &[f32], f0: f64) -> Vec<f64> {
    let half = (SR / f0 / 2.0) as usize;
    (half..x.len() - half)
        .map(|n| {
            let w = n - half..n + half;
            db(amplitude_at(&out[w.clone()], f0)) - db(amplitude_at(&x[w], f0))
        })
        .collect()
}

#[test]
fn attack_and_release_reach_63_percent_within_10_percent_of_their_settings() {
    both_formats(|format| {
        // The detector (three band-pass stages) delays the level by its group delay at f0,
        // 3·2Q/(2π f0): 0.95 ms at 1 kHz, 0.24 ms at 4 kHz (Q 1). The 5 ms attack is measured
        // at 4 kHz, where that delay is under 10 % of it.
        for (f0, attack_ms, release_ms) in [(1000.0, 20.0f64, 200.0f64), (4000.0, 5.0, 80.0)] {
            let mut p = eq_with(
                format,
                &[
                    ("Type", "Bell"),
                    ("Frequency", &format!("{f0} Hz")),
                    ("Gain", "-12"),
                    ("Q", "1"),
                    ("Threshold", "-40"),
                    ("Ratio", "2"),
                    ("Knee", "0"),
                    ("Attack", &format!("{attack_ms} ms")),
                    ("Release", &format!("{release_ms} ms")),
                ],
            );
            // −50 dBFS (below threshold: flat), a 20 dB step up to −30 (move 5 dB), back down.
            let (a, b, c) = (
                (1.0 * SR) as usize,
                (1.5 * SR) as usize,
                (2.0 * SR) as usize,
            );
            let mut x = signals::sine(f0, 1.0, SR, a + b + c);
            for (i, v) in x.iter_mut().enumerate() {
                let l = if (a..a + b).contains(&i) {
                    -30.0
                } else {
                    -50.0
                };
                *v *= 10f64.powf(l / 20.0) as f32;
            }
            let (out, _) = run(p.as_mut(), &x, &x, None);
            let g = gain_track(&out, &x, f0);
            let half = (SR / f0 / 2.0) as usize;
            // Track index k is sample k + half.
            let settled = g[a + b - half - 100];
            assert!(
                (settled + 5.0).abs() < 0.1,
                "{format:?}: settled move {settled}"
            );
            let t_attack = (a - half..)
                .find(|&k| g[k] <= 0.632 * settled)
                .map(|k| (k + half - a) as f64 / SR * 1000.0)
                .unwrap();
            let t_release = (a + b - half..)
                .find(|&k| g[k] >= (1.0 - 0.632) * settled)
                .map(|k| (k + half - a - b) as f64 / SR * 1000.0)
                .unwrap();
            println!(
                "{format:?}: attack {t_attack:.2} ms (set {attack_ms}), release {t_release:.2} ms (set {release_ms})"
            );
            assert!(
                (t_attack - attack_ms).abs() <= 0.1 * attack_ms,
                "{format:?}: attack {t_attack} ms"
            );
            assert!(
                (t_release - release_ms).abs() <= 0.1 * release_ms,
                "{format:?}: release {t_release} ms"
            );
        }
    });
}

/// The band's gain at `F0` (dB) measured with a −60 dBFS probe at `F0` under a loud tone at
/// `loud_hz` (−6 dBFS), after 0.5 s.
fn probe_gain(p: &mut dyn PluginHost, loud_hz: f64) -> f64 {
    let n = SR as usize;
    let loud = signals::sine(loud_hz, 0.5, SR, n);
    let probe = signals::sine(F0, 0.001, SR, n);
    let x: Vec<f32> = loud.iter().zip(&probe).map(|(a, b)| a + b).collect();
    let (out, _) = run(p, &x, &x, None);
    let w = n / 2..n;
    db(amplitude_at(&out[w.clone()], F0)) - db(amplitude_at(&probe[w], F0))
}

#[test]
fn a_loud_tone_outside_the_band_hardly_moves_it() {
    both_formats(|format| {
        // Q 2: one octave either side; Q 1: two octaves. Threshold so that the same tone at f0
        // moves the band its full 12 dB (18 dB over at ratio 4 = 13.5 dB).
        for (q, octaves) in [("2", 1.0f64), ("1", 2.0)] {
            let settings = [
                ("Type", "Bell"),
                ("Frequency", "1 kHz"),
                ("Gain", "-12"),
                ("Q", q),
                ("Threshold", "-24"),
                ("Ratio", "4"),
                ("Knee", "6"),
                ("Attack", "5 ms"),
                ("Release", "50 ms"),
            ];
            let mut p = eq_with(format, &settings);
            // The same tone at f0 moves it the whole range.
            let n = SR as usize;
            let x = signals::sine(F0, 0.5, SR, n);
            let (out, _) = run(p.as_mut(), &x, &x, None);
            let at_f0 = db(amplitude_at(&out[n / 2..], F0)) - db(amplitude_at(&x[n / 2..], F0));
            assert!(
                (at_f0 + 12.0).abs() < 0.25,
                "{format:?}: at f0 the band moves: {at_f0}"
            );
            for m in [2f64.powf(octaves), 2f64.powf(-octaves)] {
                let mut p = eq_with(format, &settings);
                let g = probe_gain(p.as_mut(), F0 * m);
                println!(
                    "{format:?} Q {q}: tone at {} Hz moves the band by {g:.3} dB",
                    F0 * m
                );
                assert!(
                    g.abs() < 1.0,
                    "{format:?} Q {q}, {} Hz: moved {g} dB",
                    F0 * m
                );
            }
        }
    });
}

#[test]
fn external_sidechain_moves_the_band_not_the_main_input() {
    both_formats(|format| {
        let settings = [
            ("Type", "Bell"),
            ("Frequency", "1 kHz"),
            ("Gain", "-10"),
            ("Q", "1"),
            ("Threshold", "-30"),
            ("Ratio", "∞:1"),
            ("Knee", "0"),
            ("Detector", "Sidechain"),
        ];
        let mut p = eq_with(format, &settings);
        assert_eq!(
            p.aux_input_channels(),
            vec![2],
            "{format:?}: one stereo sidechain"
        );
        let n = SR as usize;
        let loud = signals::sine(F0, 0.5, SR, n);
        let quiet = signals::sine(F0, 0.003, SR, n);
        let silence = vec![0.0f32; n];
        let w = n / 2..n;
        let gain = |out: &[f32], x: &[f32]| {
            db(amplitude_at(&out[w.clone()], F0)) - db(amplitude_at(&x[w.clone()], F0))
        };
        // A loud main input with a silent key: the band stays flat.
        let (out, _) = run(p.as_mut(), &loud, &loud, Some((&silence, &silence)));
        let g = gain(&out, &loud);
        assert!(
            g.abs() < 0.05,
            "{format:?}: the main input moved the band by {g} dB"
        );
        // A loud key under a quiet main input: the full range.
        let (out, _) = run(p.as_mut(), &quiet, &quiet, Some((&loud, &loud)));
        let g = gain(&out, &quiet);
        assert!((g + 10.0).abs() < 0.1, "{format:?}: keyed gain {g} dB");
        // The same band keyed by its own range: the loud main input moves it.
        set(p.as_mut(), "Band 1 Detector", "Band");
        let (out, _) = run(p.as_mut(), &loud, &loud, Some((&silence, &silence)));
        let g = gain(&out, &loud);
        assert!((g + 10.0).abs() < 0.1, "{format:?}: own-range gain {g} dB");
    });
}

#[test]
fn old_state_loads_every_band_static() {
    both_formats(|format| {
        let name = match format {
            Format::Clap => "clap",
            Format::Vst3 => "vst3",
        };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(format!("gel-eq-v0.1.0-{name}.state"));
        let state = std::fs::read(&path).expect("state fixture");
        // A new instance (as a host loading a project makes) given the old state.
        let mut p = load(format, "Gel EQ");
        assert!(p.load_state(&state));
        for n in 1..=16 {
            let (id, off) = param_by_text(p.as_mut(), &format!("Band {n} Dynamic"), "Off");
            assert_eq!(p.param_value(id), off, "{format:?}: band {n} loads dynamic");
        }
    });
}

/// Four dynamic bands — own range, sidechain, below, mid/side — then the strict-host fuzzing.
const DYNAMIC_SETUP: &[(&str, &str)] = &[
    ("Band 1 Used", "On"),
    ("Band 1 Gain", "-9"),
    ("Band 1 Dynamic", "On"),
    ("Band 1 Threshold", "-50"),
    ("Band 2 Used", "On"),
    ("Band 2 Type", "High Shelf"),
    ("Band 2 Frequency", "12 kHz"),
    ("Band 2 Gain", "6"),
    ("Band 2 Dynamic", "On"),
    ("Band 2 Detector", "Sidechain"),
    ("Band 3 Used", "On"),
    ("Band 3 Type", "Low Shelf"),
    ("Band 3 Gain", "-12"),
    ("Band 3 Dynamic", "On"),
    ("Band 3 Direction", "Below"),
    ("Band 4 Used", "On"),
    ("Band 4 Frequency", "3 kHz"),
    ("Band 4 Gain", "8"),
    ("Band 4 Placement", "Side"),
    ("Band 4 Dynamic", "On"),
    ("Band 4 Attack", "0.5 ms"),
    ("Band 4 Listen", "On"),
];

#[test]
fn host_style_fuzzing_with_dynamic_bands_clap() {
    for seed in host_style::seeds(3) {
        host_style::fuzz_from(
            Format::Clap,
            "Gel EQ",
            DYNAMIC_SETUP,
            seed,
            host_style::steps(300),
        );
    }
}

#[test]
fn host_style_fuzzing_with_dynamic_bands_vst3() {
    for seed in host_style::seeds(3) {
        host_style::fuzz_from(
            Format::Vst3,
            "Gel EQ",
            DYNAMIC_SETUP,
            seed,
            host_style::steps(300),
        );
    }
}
