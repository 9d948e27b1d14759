//! Gel Delay's promises, measured through the real binaries: echoes on the exact sample,
//! synced times at several tempi, ping-pong sides, a loop that holds at 100 % and stays
//! below full scale at 120 %, click-free time sweeps in both time-change modes, a loop that
//! non-finite input clears, and the editor picture. (The generic checks are in `delay.rs`.)

use gel_host_tests::signals;
use gel_host_tests::{load, param_by_text, run_events, set_by_text as set, Format, PluginHost};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;
/// Test signals start here, after four silent blocks: while input and loop are silent the
/// plugin jumps its times to the current settings and tempo (no glide from the defaults).
const START: usize = 4 * BLOCK;

fn delay(format: Format) -> Box<dyn PluginHost> {
    load(format, "Gel Delay")
}

fn param_id(plugin: &mut dyn PluginHost, name: &str) -> u32 {
    plugin
        .params()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parameter {name:?}"))
        .id
}

fn set_all(plugin: &mut dyn PluginHost, settings: &[(&str, &str)]) {
    for (name, text) in settings {
        set(plugin, name, text);
    }
}

/// Echoes only, no loop filters: what comes out is exactly what the line holds.
const PURE: &[(&str, &str)] = &[
    ("Wet Only", "On"),
    ("Low Cut", "Off"),
    ("High Cut", "Off"),
    ("Feedback", "0"),
];

/// Run stereo input through (already activated) in blocks of BLOCK with `events` at absolute
/// sample times; returns (left, right).
fn run(plugin: &mut dyn PluginHost, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    plugin.activate(SR, BLOCK as u32);
    run_events(plugin, left, right, &[], BLOCK)
}

fn both_formats(check: impl Fn(Format)) {
    for format in [Format::Clap, Format::Vst3] {
        check(format);
    }
}

/// (sum, centroid) of `x[from..to]`: the centroid of an interpolated impulse is its delay.
fn centroid(x: &[f32], from: usize, to: usize) -> (f64, f64) {
    let (mut sum, mut moment) = (0.0f64, 0.0f64);
    for (i, v) in x[from..to].iter().enumerate() {
        sum += f64::from(*v);
        moment += (from + i) as f64 * f64::from(*v);
    }
    (sum, moment / sum)
}

/// An impulse of 0.5 comes out on exactly sample `START + D` (D = time · 48 kHz) with exactly
/// its value, in both channels, and nothing else comes out.
#[test]
fn impulse_arrives_at_the_set_time() {
    both_formats(|format| {
        for (text, samples) in [
            ("1 ms", 48),
            ("10 ms", 480),
            ("250 ms", 12_000),
            ("375 ms", 18_000),
            ("1.5 s", 72_000),
            ("4 s", 192_000),
        ] {
            let mut p = delay(format);
            set_all(p.as_mut(), PURE);
            set(p.as_mut(), "Time", text);
            let len = START + samples + BLOCK;
            let x: Vec<f32> = signals::impulse(len, START)
                .iter()
                .map(|v| v * 0.5)
                .collect();
            let (l, r) = run(p.as_mut(), &x, &x);
            for (name, out) in [("left", &l), ("right", &r)] {
                let at = START + samples;
                assert_eq!(out[at], 0.5, "{format:?} {text} {name}: value at {at}");
                let stray = out
                    .iter()
                    .enumerate()
                    .filter(|(i, v)| *i != at && **v != 0.0)
                    .map(|(i, _)| i)
                    .next();
                assert_eq!(stray, None, "{format:?} {text} {name}: stray output");
            }
            println!("{format:?} {text}: impulse at +{samples} samples exactly");
        }
    });
}

/// Synced quarter notes: 90 BPM → 32 000 samples and 120 BPM → 24 000 samples exactly;
/// 137 BPM → 48000·60/137 = 21 021.898 samples, a fractional delay whose interpolated
/// impulse has its centroid there (within 0.01 sample) and keeps its area. The test hosts send
/// the tempo (CLAP transport, VST3 process context); without one the plugin falls back to
/// 120 BPM (1/4 = 24 000, dotted 1/8 = 18 000, triplet 1/4 = 16 000 samples).
#[test]
fn synced_delays_are_exact() {
    let with_tempo: &[(Option<f64>, &str, &str, f64)] = &[
        (Some(90.0), "1/4", "Straight", 32_000.0),
        (Some(120.0), "1/4", "Straight", 24_000.0),
        (Some(137.0), "1/4", "Straight", 48_000.0 * 60.0 / 137.0),
        (Some(137.0), "1/8", "Dotted", 48_000.0 * 60.0 / 137.0 * 0.75),
        (Some(90.0), "1/16", "Triplet", 48_000.0 * 60.0 / 90.0 / 6.0),
        (None, "1/4", "Straight", 24_000.0),
        (None, "1/8", "Dotted", 18_000.0),
        (None, "1/4", "Triplet", 16_000.0),
    ];
    for format in [Format::Clap, Format::Vst3] {
        for &(tempo, note, feel, expected) in with_tempo {
            let bpm = tempo.unwrap_or(120.0);
            let mut p = delay(format);
            set_all(p.as_mut(), PURE);
            set(p.as_mut(), "Sync", "On");
            set(p.as_mut(), "Note", note);
            set(p.as_mut(), "Note Type", feel);
            if let Some(bpm) = tempo {
                p.set_tempo(bpm);
            }
            let len = START + expected.ceil() as usize + BLOCK;
            let x: Vec<f32> = signals::impulse(len, START)
                .iter()
                .map(|v| v * 0.5)
                .collect();
            let (l, r) = run(p.as_mut(), &x, &x);
            let at = START as f64 + expected;
            for (name, out) in [("left", &l), ("right", &r)] {
                if expected.fract() == 0.0 {
                    let i = at as usize;
                    assert_eq!(out[i], 0.5, "{format:?} {bpm} BPM {note} {feel} {name}");
                    assert_eq!(signals::argmax_abs(out), Some(i));
                } else {
                    let from = at.floor() as usize - 4;
                    let (area, c) = centroid(out, from, from + 10);
                    assert!((area - 0.5).abs() < 1e-5, "{format:?} area {area}");
                    assert!(
                        (c - at).abs() < 0.01,
                        "{format:?} {bpm} BPM {note} {feel} {name}: centroid at {:.4}, \
                         expected {:.4}",
                        c - START as f64,
                        expected
                    );
                }
            }
            println!("{format:?} {bpm} BPM {note} {feel}: expected {expected:.4} samples, ok");
        }
    }
}

/// Ping-pong, left 100 ms and right 150 ms, feedback 50 %: an impulse in both channels comes
/// back left at 100 ms (the mono sum), right 150 ms later at half, left again 100 ms later
/// at a quarter…, and never on the other side at the same time.
#[test]
fn ping_pong_alternates_sides() {
    both_formats(|format| {
        let mut p = delay(format);
        set_all(p.as_mut(), PURE);
        set_all(
            p.as_mut(),
            &[
                ("Mode", "Ping-Pong"),
                ("Feedback", "50"),
                ("Link L/R", "Independent"),
                ("Time", "100 ms"),
                ("Right Time", "150 ms"),
            ],
        );
        let len = START + 30_000;
        let x: Vec<f32> = signals::impulse(len, START)
            .iter()
            .map(|v| v * 0.8)
            .collect();
        let (l, r) = run(p.as_mut(), &x, &x);
        let mut t = START;
        let mut level = 0.8f32;
        for k in 0..5 {
            let (on, off, step, side) = if k % 2 == 0 {
                (&l, &r, 4800, "left")
            } else {
                (&r, &l, 7200, "right")
            };
            t += step;
            assert_eq!(on[t], level, "{format:?} echo {k} on the {side} at {t}");
            assert_eq!(off[t], 0.0, "{format:?} echo {k}: other side not silent");
            level *= 0.5;
        }
        // Nothing between the echoes.
        let expected: Vec<usize> = [4800, 12_000, 16_800, 24_000, 28_800]
            .iter()
            .map(|d| START + d)
            .collect();
        for (i, (a, b)) in l.iter().zip(&r).enumerate() {
            if !expected.contains(&i) {
                assert!(*a == 0.0 && *b == 0.0, "{format:?} stray output at {i}");
            }
        }
    });
}

/// A 100 ms burst of 1 kHz at −12 dBFS, then silence, at 375 ms and feedback 100 % with the
/// loop filters off: every echo over 10 s has the level of the first within 0.5 dB.
#[test]
fn full_feedback_holds_its_level_for_ten_seconds() {
    both_formats(|format| {
        let mut p = delay(format);
        set_all(p.as_mut(), PURE);
        set_all(p.as_mut(), &[("Feedback", "100"), ("Time", "375 ms")]);
        let burst_len = 4800;
        let echo = 18_000;
        let len = START + echo * 29;
        let sine = signals::sine(1000.0, 0.25, SR, burst_len);
        let mut x = vec![0.0f32; len];
        for (i, v) in sine.iter().enumerate() {
            // 5 ms raised-cosine fades.
            let fade = 240.0;
            let i_f = i as f32;
            let g = if i_f < fade {
                0.5 - 0.5 * (std::f32::consts::PI * i_f / fade).cos()
            } else if i_f > burst_len as f32 - fade {
                0.5 - 0.5 * (std::f32::consts::PI * (burst_len as f32 - i_f) / fade).cos()
            } else {
                1.0
            };
            x[START + i] = v * g;
        }
        let (l, r) = run(p.as_mut(), &x, &x);
        let level = |out: &[f32], k: usize| {
            let s = START + k * echo;
            signals::gain_to_db(signals::rms(&out[s..s + burst_len]))
        };
        let first = level(&l, 1);
        let mut worst = 0.0f64;
        let repeats = (10.0 * SR) as usize / echo + 1;
        for k in 1..=repeats {
            for out in [&l, &r] {
                worst = worst.max((level(out, k) - first).abs());
            }
        }
        println!(
            "{format:?}: first echo {first:.3} dBFS, {repeats} echoes over 10 s, largest \
             deviation {worst:.2e} dB"
        );
        assert!(worst < 0.5, "{format:?}: level moved by {worst} dB");
        assert!(first > -16.0, "{format:?}: first echo at {first} dBFS");
    });
}

/// Feedback 120 %: a 200 ms burst of full-scale noise self-oscillates but the output (echoes
/// only) never reaches full scale, and it is still ringing loudly 10 s later.
#[test]
fn feedback_above_unity_stays_below_full_scale() {
    both_formats(|format| {
        for filters in ["Off", "On"] {
            let mut p = delay(format);
            set_all(p.as_mut(), PURE);
            set_all(
                p.as_mut(),
                &[
                    ("Feedback", "120"),
                    ("Time", "250 ms"),
                    ("Low Cut", filters),
                    ("High Cut", filters),
                ],
            );
            let len = START + (10.5 * SR) as usize;
            let mut x = vec![0.0f32; len];
            let burst = signals::noise(9, 1.0, 9600);
            x[START..START + burst.len()].copy_from_slice(&burst);
            let (l, r) = run(p.as_mut(), &x, &x);
            let peak = signals::peak(&l).max(signals::peak(&r));
            let late = signals::peak(&l[len - 48_000..]);
            println!(
                "{format:?} filters {filters}: peak {:.2} dBFS, last second {:.2} dBFS",
                signals::gain_to_db(f64::from(peak)),
                signals::gain_to_db(f64::from(late))
            );
            assert!(peak < 1.0, "{format:?}: peak {peak}");
            assert!(signals::all_finite(&l) && signals::all_finite(&r));
            assert!(late > 0.25, "{format:?}: not self-oscillating ({late})");
        }
    });
}

/// Time swept from 10 ms to 2 s (exponentially) within one second under a 440 Hz sine at
/// −12 dBFS, in tape and fade mode: the largest second difference of the output is at most
/// twice that of the output with the time held at 10 ms or at 2 s (the conformance suite's
/// click detector). A click would show as a step, tens of times larger.
#[test]
fn time_sweep_is_click_free_in_both_modes() {
    both_formats(|format| {
        // Over 2 s of sine before the sweep, so no head ever reads back to before the
        // sine began (its onset would be a kink of the input itself); 10 ms fade-in.
        let warm = (2.1 * SR) as usize;
        let len = warm + 3 * SR as usize;
        let mut sine = signals::sine(440.0, signals::db_to_gain(-12.0) as f32, SR, len);
        for (i, v) in sine[..480].iter_mut().enumerate() {
            *v *= 0.5 - 0.5 * (std::f32::consts::PI * i as f32 / 480.0).cos();
        }
        for mode in ["Tape", "Fade"] {
            let settings = [("Wet Only", "On"), ("Feedback", "0"), ("Time Change", mode)];
            let mut reference = 0.0f64;
            for held in ["10 ms", "2 s"] {
                let from = warm;
                let mut p = delay(format);
                set_all(p.as_mut(), &settings);
                set(p.as_mut(), "Time", held);
                let (l, _) = run(p.as_mut(), &sine, &sine);
                reference = reference.max(signals::max_second_diff(&l[from..]));
            }
            let mut p = delay(format);
            set_all(p.as_mut(), &settings);
            set(p.as_mut(), "Time", "10 ms");
            let time = param_id(p.as_mut(), "Time");
            let mut events = Vec::new();
            for t in (0..SR as usize).step_by(64) {
                let ms = 10.0 * (200.0f64).powf(t as f64 / (SR - 64.0));
                let (_, v) = param_by_text(p.as_mut(), "Time", &format!("{ms:.2} ms"));
                events.push((warm + t, time, v));
            }
            p.activate(SR, BLOCK as u32);
            let (l, r) = run_events(p.as_mut(), &sine, &sine, &events, BLOCK);
            let worst_l = signals::max_second_diff(&l[warm..]);
            let worst_r = signals::max_second_diff(&r[warm..]);
            let ratio = worst_l.max(worst_r) / reference;
            println!(
                "{format:?} {mode}: sweep max 2nd difference {:.3e}, held {reference:.3e}, \
                 ratio {ratio:.2}",
                worst_l.max(worst_r)
            );
            assert!(ratio < 2.0, "{format:?} {mode}: click ratio {ratio:.2}");
        }
    });
}

/// NaN in the input: the non-finite sample becomes silence and the loop is cleared, so the
/// echoes of what came before never come out.
#[test]
fn non_finite_input_clears_the_loop() {
    both_formats(|format| {
        let mut p = delay(format);
        set(p.as_mut(), "Time", "50 ms");
        let len = START + 48_000;
        let mut x = vec![0.0f32; len];
        // 20 ms of noise (echoing 50 ms later), then a lone NaN in a later, silent block.
        x[START..START + 960].copy_from_slice(&signals::noise(3, 0.5, 960));
        let nan_block = START + 3 * BLOCK;
        x[nan_block + 100] = f32::NAN;
        let (l, r) = run(p.as_mut(), &x, &x);
        assert!(
            signals::all_finite(&l) && signals::all_finite(&r),
            "{format:?}"
        );
        // Without the NaN the echo would sound from START + 2400 on.
        assert!(
            signals::is_silent(&l[nan_block..]) && signals::is_silent(&r[nan_block..]),
            "{format:?}: echoes of the input before the NaN came out"
        );
        let mut fresh = delay(format);
        set(fresh.as_mut(), "Time", "50 ms");
        x[nan_block + 100] = 0.0;
        let (echo, _) = run(fresh.as_mut(), &x, &x);
        assert!(
            signals::peak(&echo[START + 2400..]) > 0.01,
            "the echo test is void"
        );
    });
}

/// The picture in README: the editor while a drum-like signal plays through it (250 ms,
/// feedback 45 %, ducking 40 %), so meters and the ducking meter show signal. Skipped
/// without an X server.
#[test]
#[cfg(target_os = "linux")] // the editor embeds in an X11 window
fn editor_screenshot_with_signal() {
    let mut p = delay(Format::Clap);
    set_all(
        p.as_mut(),
        &[
            ("Time", "250 ms"),
            ("Feedback", "45"),
            ("Ducking", "40"),
            ("Wow", "20"),
            ("Mix", "35"),
            ("Mode", "Ping-Pong"),
        ],
    );
    p.set_tempo(120.0);
    p.activate(SR, BLOCK as u32);
    // Decaying noise hits every 500 ms.
    let len = SR as usize;
    let mut hits = signals::noise(21, 0.6, len);
    for (i, v) in hits.iter_mut().enumerate() {
        *v *= (-((i % 24_000) as f32) / 2400.0).exp();
    }
    gel_host_tests::live_screenshot::screenshot_with_signal(
        p.as_mut(),
        &[hits.clone(), hits],
        BLOCK,
        "gel-delay.png",
    )
    .expect("editor screenshot");
}
