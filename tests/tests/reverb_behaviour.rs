//! Gel Reverb's promises, measured through the real binaries: RT60 per octave band (T30 from a
//! Schroeder integral) against the setting and the low multiplier, echo density (Abel & Huang),
//! tail correlation at width 100 % and mono at 0 %, freeze holding its level, decay below
//! −120 dB without limit cycles, no clicks when size, decay or algorithm change under a sine,
//! and the editor screenshot for the README. (The generic checks are in `reverb.rs`.)
//!
//! The test bundles are debug builds, so the signals are as short as each measure allows.

use gel_dsp::reverb::metrics::{correlation, rms_db, rt60_band, time_to_density};
use gel_host_tests::signals;
use gel_host_tests::{load, set_by_text as set, Format, PluginHost};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;

fn reverb(format: Format) -> Box<dyn PluginHost> {
    load(format, "Gel Reverb")
}

/// Wet only, no pre-delay, flat multipliers: the reverb as measured.
fn measurement_setup(plugin: &mut dyn PluginHost, settings: &[(&str, &str)]) {
    set(plugin, "Mix", "100");
    set(plugin, "Pre-Delay", "0");
    set(plugin, "Low Mult", "1.00");
    set(plugin, "High Mult", "1.00");
    for (name, text) in settings {
        set(plugin, name, text);
    }
}

/// Run stereo input through in blocks of BLOCK (activating first); returns (left, right).
fn run(plugin: &mut dyn PluginHost, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    plugin.activate(SR, BLOCK as u32);
    let mut out = (vec![0.0; left.len()], vec![0.0; left.len()]);
    for start in (0..left.len()).step_by(BLOCK) {
        let end = (start + BLOCK).min(left.len());
        let mut outs: Vec<&mut [f32]> = vec![&mut out.0[start..end], &mut out.1[start..end]];
        plugin.process(&[&left[start..end], &right[start..end]], &mut outs, &[]);
    }
    out
}

/// Impulse (both channels) response of `seconds`.
fn impulse_response(
    format: Format,
    settings: &[(&str, &str)],
    seconds: f64,
) -> (Vec<f32>, Vec<f32>) {
    let mut p = reverb(format);
    measurement_setup(p.as_mut(), settings);
    let x = signals::impulse((seconds * SR) as usize, 0);
    run(p.as_mut(), &x, &x)
}

#[test]
fn rt60_per_octave_band_matches_the_decay() {
    for (format, decay) in [
        (Format::Clap, 1.0),
        (Format::Clap, 4.0),
        (Format::Vst3, 1.0),
    ] {
        let text = format!("{decay:.2} s");
        let (l, r) = impulse_response(
            format,
            &[("Algorithm", "Hall"), ("Decay", &text)],
            0.9 * decay + 0.3,
        );
        for band in [250.0, 500.0, 1000.0, 2000.0, 4000.0] {
            for (ch, x) in [("left", &l), ("right", &r)] {
                let t = rt60_band(x, band, SR).expect("decays 35 dB");
                println!("{format:?} Hall {decay} s, {band} Hz {ch}: RT60 {t:.3} s");
                assert!(
                    (t / decay - 1.0).abs() < 0.10,
                    "{format:?} decay {decay} s, {band} Hz {ch}: RT60 {t:.3} s"
                );
            }
        }
    }
}

#[test]
fn low_multiplier_doubles_the_low_band_decay() {
    let (l, _) = impulse_response(
        Format::Clap,
        &[
            ("Algorithm", "Hall"),
            ("Decay", "1.00 s"),
            ("Low Mult", "2.00"),
            ("Low Crossover", "1000 Hz"),
        ],
        2.2,
    );
    let low = rt60_band(&l, 250.0, SR).unwrap();
    let high = rt60_band(&l, 4000.0, SR).unwrap();
    println!("low mult 2: 250 Hz {low:.3} s, 4 kHz {high:.3} s");
    assert!(
        (low / 2.0 - 1.0).abs() < 0.15,
        "250 Hz: {low:.3} s, expected 2 s ± 15 %"
    );
    assert!(
        (high - 1.0).abs() < 0.10,
        "4 kHz: {high:.3} s, expected 1 s ± 10 %"
    );
}

/// Issue 17: every algorithm at sizes 0, 50 and 100 % reaches echo density 0.9 within 20 ms
/// (Plate: 10 ms) and 1.0 within 40 ms of the first arrival, both channels.
#[test]
fn every_algorithm_is_dense_within_20_and_40_ms() {
    for algorithm in ["Room", "Hall", "Plate", "Chamber"] {
        for size in ["0", "50", "100"] {
            let (l, r) = impulse_response(
                Format::Clap,
                &[("Algorithm", algorithm), ("Size", size)],
                0.25,
            );
            let goal90 = if algorithm == "Plate" { 0.010 } else { 0.020 };
            for (ch, x) in [("left", &l), ("right", &r)] {
                let t90 = time_to_density(x, SR, 0.9).unwrap_or(f64::INFINITY);
                let t100 = time_to_density(x, SR, 1.0).unwrap_or(f64::INFINITY);
                println!(
                    "{algorithm} size {size} {ch}: echo density 0.9 at {:.1} ms, 1.0 at {:.1} ms",
                    t90 * 1e3,
                    t100 * 1e3
                );
                assert!(
                    t90 <= goal90,
                    "{algorithm} {size} {ch}: 0.9 at {:.1} ms",
                    t90 * 1e3
                );
                assert!(
                    t100 <= 0.040,
                    "{algorithm} {size} {ch}: 1.0 at {:.1} ms",
                    t100 * 1e3
                );
            }
        }
    }
}

#[test]
fn tail_is_decorrelated_at_full_width_and_mono_at_zero() {
    for format in [Format::Clap, Format::Vst3] {
        let (l, r) = impulse_response(format, &[("Algorithm", "Hall")], 1.0);
        let tail = (0.2 * SR) as usize;
        let c = correlation(&l[tail..], &r[tail..]);
        println!("{format:?}: tail correlation at width 100 %: {c:.3}");
        assert!(c.abs() <= 0.1, "{format:?}: correlation {c:.3}");
        let (l, r) = impulse_response(format, &[("Algorithm", "Hall"), ("Width", "0")], 0.5);
        assert_eq!(
            signals::first_difference(&l, &r),
            None,
            "{format:?}: width 0 is not mono"
        );
    }
}

#[test]
fn freeze_holds_its_level_for_30_seconds() {
    let mut p = reverb(Format::Clap);
    measurement_setup(p.as_mut(), &[("Decay", "2.00 s")]);
    p.activate(SR, BLOCK as u32);
    let freeze_id = p
        .params()
        .into_iter()
        .find(|q| q.name == "Freeze")
        .unwrap()
        .id;
    let noise = signals::noise(3, 0.25, SR as usize);
    let silence = vec![0.0f32; BLOCK];
    let (mut out_l, mut out_r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut levels = Vec::new();
    let mut window = Vec::new();
    let blocks = (31.5 * SR) as usize / BLOCK;
    for b in 0..blocks {
        let start = b * BLOCK;
        let input: &[f32] = if start + BLOCK <= noise.len() {
            &noise[start..start + BLOCK]
        } else {
            &silence
        };
        let events = if start == noise.len() / BLOCK * BLOCK {
            vec![gel_host_tests::ParamEvent {
                time: 0,
                param_id: freeze_id,
                value: 1.0,
            }]
        } else {
            vec![]
        };
        let mut outs: Vec<&mut [f32]> = vec![&mut out_l, &mut out_r];
        p.process(&[input, input], &mut outs, &events);
        window.extend_from_slice(&out_l);
        if window.len() >= SR as usize / 2 {
            levels.push(rms_db(&window, 1.0));
            window.clear();
        }
    }
    // 1 s after freezing (early reflections and diffuser gone), then every half second.
    let reference = levels[4];
    let (lo, hi) = levels[4..]
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    println!("freeze: {reference:.2} dB at 2 s, range {lo:.2} .. {hi:.2} dB over 30 s");
    assert!(
        hi - reference < 0.5,
        "frozen level grows: {hi:.2} vs {reference:.2} dB"
    );
    assert!(
        reference - lo < 1.0,
        "frozen level falls: {lo:.2} vs {reference:.2} dB"
    );
    assert_eq!(p.tail(), u32::MAX, "frozen: the tail is infinite");
}

#[test]
fn decay_falls_below_minus_120_db_without_limit_cycles() {
    let (l, _) = impulse_response(Format::Clap, &[("Decay", "0.50 s")], 2.5);
    let win = (0.05 * SR) as usize;
    let levels: Vec<f64> = l.chunks(win).map(|c| rms_db(c, 1.0)).collect();
    let peak = levels.iter().cloned().fold(f64::MIN, f64::max);
    let at = (1.3 * SR) as usize / win;
    println!("0.5 s decay: {:.1} dB re. peak at 1.3 s", levels[at] - peak);
    assert!(levels[at] < peak - 120.0);
    for k in 4..levels.len() - 1 {
        if levels[k] > -250.0 {
            assert!(
                levels[k + 1] < levels[k],
                "level stops falling at {k}: {levels:?}"
            );
        }
    }
    assert!(
        signals::is_silent(&l[l.len() - win..]),
        "the tail ends in silence"
    );
}

/// Largest second difference after the change relative to ω²·peak: 1 for a clean sine at the
/// output's peak level, far more for a click (see tests/src/suite.rs automation_sweep).
fn click_ratio(format: Format, name: &str, from: &str, to: &str) -> f64 {
    let mut p = reverb(format);
    set(p.as_mut(), "Mix", "50");
    set(p.as_mut(), name, from);
    let id = p.params().into_iter().find(|q| q.name == name).unwrap().id;
    let target = p.text_to_value(id, to).unwrap();
    p.activate(SR, BLOCK as u32);
    let len = (1.2 * SR) as usize;
    let w = 2.0 * std::f64::consts::PI * 440.0 / SR;
    let x = signals::sine(440.0, 0.25, SR, len);
    let change_at = len / 3;
    let events = [(change_at, id, target)];
    let (out, _) =
        gel_host_tests::suite::render(p.as_mut(), &[x.clone(), x], len, || BLOCK, &events);
    let mut worst: f64 = 0.0;
    for ch in &out {
        let tail = &ch[change_at - 2..];
        let peak = f64::from(signals::peak(tail));
        worst = worst.max(signals::max_second_diff(tail) / (w * w * peak));
    }
    worst
}

#[test]
fn size_decay_and_algorithm_changes_do_not_click() {
    for (name, from, to) in [
        ("Size", "50", "100"),
        ("Size", "50", "0"),
        ("Decay", "2.00 s", "20.0 s"),
        ("Decay", "2.00 s", "0.10 s"),
        ("Algorithm", "Hall", "Plate"),
        ("Algorithm", "Hall", "Room"),
        ("Freeze", "Off", "On"),
    ] {
        let ratio = click_ratio(Format::Clap, name, from, to);
        println!("{name} {from} -> {to}: {ratio:.2}");
        assert!(ratio < 1.5, "{name} {from} -> {to}: click ratio {ratio:.2}");
    }
}

/// The picture in README: the editor while a stereo signal plays through the Hall.
#[test]
#[cfg(target_os = "linux")] // the editor embeds in an X11 window
fn editor_screenshot_with_signal() {
    use gel_host_tests::x11_parent::{self, X11Parent};
    use std::time::Duration;

    let mut parent = match X11Parent::open(1150, 410) {
        Ok(parent) => parent,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let mut p = reverb(Format::Clap);
    set(p.as_mut(), "Decay", "2.40 s");
    set(p.as_mut(), "Low Mult", "1.30");
    set(p.as_mut(), "Mix", "35");
    p.activate(SR, BLOCK as u32);
    let (w, h) = p.open_editor(parent.window_id()).expect("open editor");
    parent.resize(w as u16, h as u16).expect("resize parent");
    let len = SR as usize;
    let left = signals::noise(21, 0.3, len);
    let right = signals::noise(22, 0.3, len);
    let (mut out_l, mut out_r) = (vec![0.0; BLOCK], vec![0.0; BLOCK]);
    for round in 0..40 {
        for block in 0..2 {
            let start = ((round * 2 + block) * BLOCK) % (len - BLOCK);
            let mut outs: Vec<&mut [f32]> = vec![&mut out_l, &mut out_r];
            p.process(
                &[&left[start..start + BLOCK], &right[start..start + BLOCK]],
                &mut outs,
                &[],
            );
        }
        parent.pump(Duration::from_millis(25));
        p.idle();
    }
    let (gw, gh, rgb) = parent.grab().expect("grab");
    let path = gel_host_tests::live_screenshot::screenshot_path("gel-reverb.png");
    x11_parent::write_png(&path, gw, gh, &rgb).expect("write png");
    p.close_editor();
    parent.pump(Duration::from_millis(100));
    assert!(
        x11_parent::distinct_colours(&rgb) > 50,
        "the editor drew almost nothing"
    );
}
