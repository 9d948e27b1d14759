//! Gel Compressor's promises, measured through the real binaries in both formats: a steady
//! sine settles on the textbook static curve (Giannoulis, Massberg & Reiss, JAES 2012, eq. 4)
//! within 0.1 dB in peak and RMS detection; below the knee the output is the input bit for
//! bit; the lookahead latency the host is told is where an impulse comes out; an external key
//! on the "Sidechain" aux input sets the gain reduction of the main signal (and Internal
//! ignores it); non-finite input leaves nothing behind after its block; and the editor
//! picture. (The generic checks are in `compressor.rs`.)

use gel_host_tests::signals;
use gel_host_tests::{load, param_by_text, set_by_text as set, Format, PluginHost};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;
/// Half a second of steady signal: attack (10 ms) and the peak hold (25 ms) have long
/// settled; the last [`MEASURE`] samples are measured.
const SETTLE: usize = 24_000;
/// 100 periods of 1 kHz at 48 kHz.
const MEASURE: usize = 4_800;
/// How close a settled level must be to the ideal curve.
const CURVE_TOLERANCE_DB: f64 = 0.1;

fn compressor(format: Format) -> Box<dyn PluginHost> {
    load(format, "Gel Compressor")
}

fn both_formats(check: impl Fn(Format)) {
    for format in [Format::Clap, Format::Vst3] {
        check(format);
    }
}

fn set_all(plugin: &mut dyn PluginHost, settings: &[(&str, &str)]) {
    for (name, text) in settings {
        set(plugin, name, text);
    }
}

/// Static curve settings in the units of the parameter texts.
#[derive(Clone, Copy, Debug)]
struct Curve {
    threshold_db: f64,
    /// `f64::INFINITY` for ∞:1.
    ratio: f64,
    knee_db: f64,
    range_db: f64,
    /// Makeup plus output gain.
    gain_after_db: f64,
}

/// Giannoulis et al. 2012, eq. (4), with the reduction limited to the range:
/// `y = x` below `T − W/2`, `y = x + (1/R − 1)(x − T + W/2)²/(2W)` inside the knee,
/// `y = T + (x − T)/R` above it; then makeup and output gain.
fn ideal_output_db(c: &Curve, x: f64) -> f64 {
    let slope = 1.0 - 1.0 / c.ratio; // 1/∞ = 0
    let over = x - c.threshold_db;
    let reduction = if 2.0 * over < -c.knee_db {
        0.0
    } else if 2.0 * over > c.knee_db {
        slope * over
    } else {
        let d = over + c.knee_db / 2.0;
        slope * d * d / (2.0 * c.knee_db)
    };
    x - reduction.min(c.range_db) + c.gain_after_db
}

/// Run `left`/`right` (and an optional aux key) through an activated plugin in blocks.
fn run(
    plugin: &mut dyn PluginHost,
    left: &[f32],
    right: &[f32],
    aux: Option<(&[f32], &[f32])>,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let len = left.len();
    let mut out = (vec![0.0; len], vec![0.0; len]);
    let mut start = 0;
    while start < len {
        let end = (start + block).min(len);
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

/// Settled output level of a 1 kHz sine at `level_db` (peak) through `settings`:
/// (input level, output level) in dB, as peak or RMS of the last [`MEASURE`] samples.
fn settled_levels(
    format: Format,
    settings: &[(&str, &str)],
    level_db: f64,
    rms: bool,
) -> (f64, f64) {
    let mut p = compressor(format);
    set_all(p.as_mut(), settings);
    p.activate(SR, BLOCK as u32);
    let x = signals::sine(1000.0, signals::db_to_gain(level_db) as f32, SR, SETTLE);
    let (l, r) = run(p.as_mut(), &x, &x, None, BLOCK);
    let tail = SETTLE - MEASURE..SETTLE;
    let level = |s: &[f32]| {
        if rms {
            signals::gain_to_db(signals::rms(s))
        } else {
            signals::peak_db(s)
        }
    };
    let (out_l, out_r) = (level(&l[tail.clone()]), level(&r[tail.clone()]));
    assert!(
        (out_l - out_r).abs() < 1e-3,
        "{format:?}: identical channels came out at {out_l:.3} and {out_r:.3} dB"
    );
    (level(&x[tail]), out_l)
}

/// Input levels across the whole range, dense around the default knee (−23..−17 dB).
const LEVELS_DB: [f64; 16] = [
    -60.0, -48.0, -36.0, -30.0, -26.0, -23.0, -22.0, -21.0, -20.0, -19.0, -18.0, -17.0, -14.0,
    -10.0, -6.0, 0.0,
];

/// Parameter texts and the curve they should give.
fn curve_cases() -> Vec<(Vec<(&'static str, &'static str)>, Curve)> {
    vec![
        (
            vec![],
            Curve {
                threshold_db: -20.0,
                ratio: 4.0,
                knee_db: 6.0,
                range_db: 60.0,
                gain_after_db: 0.0,
            },
        ),
        (
            // Limiter with a wide knee whose reduction stops at the 18 dB range.
            vec![
                ("Threshold", "-30"),
                ("Ratio", "inf"),
                ("Knee", "12"),
                ("Range", "18"),
            ],
            Curve {
                threshold_db: -30.0,
                ratio: f64::INFINITY,
                knee_db: 12.0,
                range_db: 18.0,
                gain_after_db: 0.0,
            },
        ),
        (
            // Hard knee, 2:1, with makeup and output gain after it.
            vec![
                ("Threshold", "-12"),
                ("Ratio", "2:1"),
                ("Knee", "0"),
                ("Makeup", "6"),
                ("Output Gain", "-2.5"),
            ],
            Curve {
                threshold_db: -12.0,
                ratio: 2.0,
                knee_db: 0.0,
                range_db: 60.0,
                gain_after_db: 3.5,
            },
        ),
    ]
}

fn check_static_curve(rms: bool) {
    both_formats(|format| {
        let mut failures = Vec::new();
        let mut table = Vec::new();
        for (texts, curve) in curve_cases() {
            let mut settings = texts.clone();
            if rms {
                // 10 ms = 10 periods of 1 kHz: the boxcar mean square is exact.
                settings.extend([("Detection", "RMS"), ("RMS Window", "10 ms")]);
            }
            for level in LEVELS_DB {
                let (input_db, output_db) = settled_levels(format, &settings, level, rms);
                let ideal = ideal_output_db(&curve, input_db);
                let error = output_db - ideal;
                table.push(format!(
                    "{texts:?} in {input_db:7.2} dB -> out {output_db:7.2} (ideal {ideal:7.2}, error {error:+.3})"
                ));
                if error.abs() > CURVE_TOLERANCE_DB {
                    failures.push(table.last().unwrap().clone());
                }
            }
        }
        println!(
            "{format:?} {}:\n{}",
            if rms { "RMS" } else { "peak" },
            table.join("\n")
        );
        assert!(
            failures.is_empty(),
            "{format:?}: off the ideal curve by more than {CURVE_TOLERANCE_DB} dB:\n{}",
            failures.join("\n")
        );
    });
}

/// Peak detection: the level of a sine is its peak.
#[test]
fn steady_sine_settles_on_the_static_curve_peak() {
    check_static_curve(false);
}

/// RMS detection: the level of a sine is its RMS (peak − 3.01 dB).
#[test]
fn steady_sine_settles_on_the_static_curve_rms() {
    check_static_curve(true);
}

/// Below the knee (−23 dBFS at the defaults) nothing touches the signal: the output equals the
/// input bit for bit, for any block size.
#[test]
fn below_the_knee_is_bit_exact() {
    both_formats(|format| {
        let len = 48_000;
        // Noise peaking at −26 dBFS, different per channel, plus a −32 dBFS sine.
        let sine = signals::sine(440.0, 0.025, SR, len);
        let left: Vec<f32> = signals::noise(7, 0.025, len)
            .iter()
            .zip(&sine)
            .map(|(a, b)| a + b)
            .collect();
        let right: Vec<f32> = signals::noise(8, 0.025, len)
            .iter()
            .zip(&sine)
            .map(|(a, b)| a + b)
            .collect();
        assert!(signals::peak_db(&left) < -23.0 && signals::peak_db(&right) < -23.0);
        for block in [512, 37, 1] {
            let mut p = compressor(format);
            p.activate(SR, BLOCK as u32);
            let (l, r) = run(p.as_mut(), &left, &right, None, block);
            for (name, out, input) in [("left", &l, &left), ("right", &r, &right)] {
                if let Some(i) = signals::first_difference(out, input) {
                    panic!(
                        "{format:?} blocks of {block}: {name} sample {i} is {} but went in as {}",
                        out[i], input[i]
                    );
                }
            }
        }
    });
}

/// The latency reported for each lookahead is `round(ms · 48)` samples, and an impulse comes
/// out exactly that late: a quiet one (below the knee) unchanged, a full-scale one as the
/// loudest sample. A lookahead changed while running is reported after the next block.
#[test]
fn lookahead_latency_is_the_measured_delay() {
    both_formats(|format| {
        for (text, samples) in [
            ("0", 0usize),
            ("1 ms", 48),
            ("2.5 ms", 120),
            ("5 ms", 240),
            ("20 ms", 960),
        ] {
            for amplitude in [0.01f32, 1.0] {
                let mut p = compressor(format);
                set(p.as_mut(), "Lookahead", text);
                p.activate(SR, BLOCK as u32);
                let reported = p.latency() as usize;
                assert_eq!(
                    reported, samples,
                    "{format:?} lookahead {text}: reported latency"
                );
                let start = 2 * BLOCK;
                let len = start + samples + 4 * BLOCK;
                let x: Vec<f32> = signals::impulse(len, start)
                    .iter()
                    .map(|v| v * amplitude)
                    .collect();
                let (l, r) = run(p.as_mut(), &x, &x, None, BLOCK);
                for (name, out) in [("left", &l), ("right", &r)] {
                    let at = signals::argmax_abs(out).expect("impulse in, silence out");
                    assert_eq!(
                        at - start,
                        reported,
                        "{format:?} lookahead {text}, impulse {amplitude}: {name} peaks {} samples late",
                        at - start
                    );
                    if amplitude < 0.02 {
                        // Below the knee: the impulse itself, delayed, and nothing else.
                        let mut expected = vec![0.0f32; len];
                        expected[start + samples] = amplitude;
                        assert_eq!(
                            signals::first_difference(out, &expected),
                            None,
                            "{format:?} lookahead {text}: {name} is not the delayed impulse"
                        );
                    }
                }
            }
        }
        // Changed while active: the host hears of it after the next process call.
        let mut p = compressor(format);
        p.activate(SR, BLOCK as u32);
        assert_eq!(p.latency(), 0);
        let (id, value) = param_by_text(p.as_mut(), "Lookahead", "10 ms");
        p.set_param(id, value);
        let silence = vec![0.0f32; BLOCK];
        run(p.as_mut(), &silence, &silence, None, BLOCK);
        assert_eq!(
            p.latency(),
            480,
            "{format:?}: latency after changing the lookahead to 10 ms"
        );
    });
}

/// Sidechain = External: a loud key on the aux input (a 200 Hz sine at −6 dBFS) turns a quiet
/// main signal (1 kHz at −40 dBFS, far below the threshold) down by the curve's reduction for
/// the key's level, 10.5 dB at the defaults (−6 → −16.5 dB on −20 dB, 4:1). With Internal the
/// same key changes nothing (bit-exact), and with External and a silent key a loud main signal
/// passes untouched.
#[test]
fn external_sidechain_keys_the_main_signal() {
    both_formats(|format| {
        let defaults = Curve {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 6.0,
            range_db: 60.0,
            gain_after_db: 0.0,
        };
        let main = signals::sine(1000.0, signals::db_to_gain(-40.0) as f32, SR, SETTLE);
        let key = signals::sine(200.0, signals::db_to_gain(-6.0) as f32, SR, SETTLE);
        let key_db = signals::peak_db(&key);
        let main_db = signals::peak_db(&main);
        let expected_reduction = key_db - ideal_output_db(&defaults, key_db);
        assert!((expected_reduction - 10.5).abs() < 0.01);

        let mut p = compressor(format);
        assert_eq!(
            p.aux_input_channels(),
            vec![2],
            "{format:?}: one stereo sidechain input"
        );
        set(p.as_mut(), "Sidechain", "External");
        p.activate(SR, BLOCK as u32);
        let (l, r) = run(p.as_mut(), &main, &main, Some((&key, &key)), BLOCK);
        for (name, out) in [("left", &l), ("right", &r)] {
            let reduction = main_db - signals::peak_db(&out[SETTLE - MEASURE..]);
            println!(
                "{format:?} external key at {key_db:.2} dB: {name} reduced by {reduction:.3} dB"
            );
            assert!(
                (reduction - expected_reduction).abs() <= CURVE_TOLERANCE_DB,
                "{format:?} {name}: main reduced by {reduction:.3} dB, the curve says {expected_reduction:.3}"
            );
        }

        let mut internal = compressor(format);
        internal.activate(SR, BLOCK as u32);
        let (l, _) = run(internal.as_mut(), &main, &main, Some((&key, &key)), BLOCK);
        assert_eq!(
            signals::first_difference(&l, &main),
            None,
            "{format:?}: with Sidechain = Internal the aux key changed the output"
        );

        let loud = signals::sine(1000.0, 0.5, SR, SETTLE);
        let silent_key = vec![0.0f32; SETTLE];
        let mut keyed = compressor(format);
        set(keyed.as_mut(), "Sidechain", "External");
        keyed.activate(SR, BLOCK as u32);
        let (l, _) = run(
            keyed.as_mut(),
            &loud,
            &loud,
            Some((&silent_key, &silent_key)),
            BLOCK,
        );
        assert_eq!(
            signals::first_difference(&l, &loud),
            None,
            "{format:?}: with a silent external key the main signal was compressed"
        );
    });
}

/// Mix 50 % is parallel compression: half the dry signal plus half the compressed one. A
/// −6 dBFS sine is reduced 10.5 dB at the defaults (gain g = 0.2985), so the output peak is
/// 20·log10(0.5 + 0.5·g) = −3.75 dB relative to the input.
#[test]
fn mix_blends_dry_and_compressed() {
    both_formats(|format| {
        let (input_db, output_db) = settled_levels(format, &[("Mix", "50")], -6.0, false);
        let g = signals::db_to_gain(-10.5);
        let expected = input_db + signals::gain_to_db(0.5 + 0.5 * g);
        println!(
            "{format:?} mix 50 %: in {input_db:.2} -> out {output_db:.3} (expected {expected:.3})"
        );
        assert!(
            (output_db - expected).abs() <= CURVE_TOLERANCE_DB,
            "{format:?}: mix 50 % gave {output_db:.3} dB, expected {expected:.3}"
        );
    });
}

/// A block of NaN or ±Inf becomes silence and clears the engine, so from the next block on the
/// output equals a fresh instance's for the same input (within 1e-6, −120 dBFS).
#[test]
fn non_finite_input_is_forgotten_after_its_block() {
    both_formats(|format| {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            // Loud noise: about 10 dB of gain reduction before the bad block.
            let before = signals::noise(5, 0.5, 4 * BLOCK);
            let after: Vec<f32> = signals::noise(6, 0.4, 8 * BLOCK);
            let mut x = before.clone();
            x.extend(std::iter::repeat_n(bad, BLOCK));
            x.extend(&after);
            let mut p = compressor(format);
            p.activate(SR, BLOCK as u32);
            let (l, r) = run(p.as_mut(), &x, &x, None, BLOCK);
            assert!(
                signals::all_finite(&l) && signals::all_finite(&r),
                "{format:?} {bad}"
            );
            let mut fresh = compressor(format);
            fresh.activate(SR, BLOCK as u32);
            let (reference, _) = run(fresh.as_mut(), &after, &after, None, BLOCK);
            let worst = l[5 * BLOCK..]
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(
                worst <= 1e-6,
                "{format:?}: after a block of {bad}, the output differs from a fresh instance by {worst:e}"
            );
        }
    });
}

/// The picture in README: the editor while drum-like hits over a quieter bass tone play
/// through it (−28 dB threshold, 4:1, 5 ms attack, 150 ms release), so the curve's dot, the
/// history and the meters show compression. Skipped without an X server.
#[test]
#[cfg(target_os = "linux")] // the editor embeds in an X11 window
fn editor_screenshot_with_signal() {
    let mut p = compressor(Format::Clap);
    set_all(
        p.as_mut(),
        &[
            ("Threshold", "-28"),
            ("Ratio", "4"),
            ("Attack", "5 ms"),
            ("Release", "150 ms"),
            ("Makeup", "6"),
        ],
    );
    p.activate(SR, BLOCK as u32);
    // Decaying noise hits every 250 ms over a steady 80 Hz tone.
    let len = SR as usize;
    let tone = signals::sine(80.0, 0.08, SR, len);
    let mut hits = signals::noise(21, 0.7, len);
    for (i, v) in hits.iter_mut().enumerate() {
        *v = *v * (-((i % 12_000) as f32) / 1800.0).exp() + tone[i];
    }
    gel_host_tests::live_screenshot::screenshot_with_signal(
        p.as_mut(),
        &[hits.clone(), hits],
        BLOCK,
        "gel-compressor.png",
    )
    .expect("editor screenshot");
}
