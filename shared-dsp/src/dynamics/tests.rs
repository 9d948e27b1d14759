//! Tests of the compressor against the checks (numbers a reader can
//! recompute from the gain-computer formula in gain_computer.rs).

use super::*;
use crate::test_util::XorShift32;
use std::f64::consts::PI;

const FS: f32 = 48_000.0;

fn settings() -> CompressorSettings {
    CompressorSettings {
        range_db: 100.0,
        ..CompressorSettings::default()
    }
}

fn compressor(s: &CompressorSettings) -> Compressor {
    let mut c = Compressor::new();
    c.prepare(FS, 512);
    c.set_settings(s);
    c.reset();
    c
}

/// `amp·sin(2π·f·n/fs + phase)` for n in `range`.
fn sine(amp: f32, freq: f64, phase: f64, range: std::ops::Range<usize>) -> Vec<f32> {
    range
        .map(|n| (amp as f64 * (2.0 * PI * freq * n as f64 / FS as f64 + phase).sin()) as f32)
        .collect()
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// Processes a mono signal (same on both channels) in blocks of `block`; returns the left output.
fn run(c: &mut Compressor, x: &[f32], block: usize) -> Vec<f32> {
    let mut l = x.to_vec();
    let mut r = x.to_vec();
    for (bl, br) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        c.process(bl, br, None);
    }
    l
}

/// Gain reduction (dB) after every sample, processing one sample per block.
fn reduction_trace(c: &mut Compressor, x: &[f32]) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len());
    for &v in x {
        let (mut l, mut r) = ([v], [v]);
        c.process(&mut l, &mut r, None);
        out.push(c.readings().gain_reduction_db[0]);
    }
    out
}

/// Worst |settled output level − static curve| over −60..0 dBFS for a 1 kHz sine.
fn static_curve_error(detection: Detection, knee_db: f32, phase: f64) -> f64 {
    let s = CompressorSettings {
        detection,
        knee_db,
        ..settings()
    };
    let mut worst = 0.0f64;
    for step in 0..=60 {
        let level_db = -60.0 + step as f32; // the sine's peak (peak mode) or RMS (RMS mode)
        let amp = match detection {
            Detection::Peak => db_to_gain(level_db),
            Detection::Rms => db_to_gain(level_db) * std::f32::consts::SQRT_2,
        };
        let mut c = compressor(&s);
        let x = sine(amp, 1000.0, phase, 0..48_000);
        let y = run(&mut c, &x, 512);
        // Last 100 ms = 100 whole periods.
        let (xt, yt) = (&x[43_200..], &y[43_200..]);
        let measured = match detection {
            Detection::Peak => {
                // True peak of the input times the gain at its largest sample.
                let (i, _) = xt.iter().enumerate().fold((0, 0.0f32), |b, (i, v)| {
                    if v.abs() > b.1 {
                        (i, v.abs())
                    } else {
                        b
                    }
                });
                db(amp as f64) + db((yt[i] / xt[i]) as f64)
            }
            Detection::Rms => {
                let ms: f64 = yt.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / yt.len() as f64;
                10.0 * ms.log10()
            }
        };
        let ideal = Compressor::static_curve_db(&s, level_db) as f64;
        worst = worst.max((measured - ideal).abs());
    }
    worst
}

#[test]
fn static_curve_peak_within_0_1_db() {
    for knee in [0.0, 6.0] {
        for phase in [0.0, 0.3] {
            let e = static_curve_error(Detection::Peak, knee, phase);
            println!("peak, knee {knee} dB, phase {phase}: worst error {e:.4} dB");
            assert!(e < 0.1, "peak knee {knee} phase {phase}: {e} dB");
        }
    }
}

#[test]
fn static_curve_rms_within_0_1_db() {
    for knee in [0.0, 6.0] {
        let e = static_curve_error(Detection::Rms, knee, 0.1);
        println!("rms, knee {knee} dB: worst error {e:.4} dB");
        assert!(e < 0.1, "rms knee {knee}: {e} dB");
    }
}

/// Samples from the step until the reduction passes 63 % of the way.
fn time_constants(s: &CompressorSettings) -> (f64, f64) {
    // −30 → −10 dBFS peak: a 20 dB step (1 kHz cosine, steps on a peak).
    let mut c = compressor(s);
    let quiet = db_to_gain(-30.0);
    let loud = db_to_gain(-10.0);
    let settle = 48_000 * 3;
    let mut x = sine(quiet, 1000.0, PI / 2.0, 0..settle);
    x.extend(sine(loud, 1000.0, PI / 2.0, settle..2 * settle));
    x.extend(sine(quiet, 1000.0, PI / 2.0, 2 * settle..4 * settle));
    let gr = reduction_trace(&mut c, &x);
    let before = gr[settle - 1];
    let full = gr[2 * settle - 1];
    let f = 1.0 - (-1.0f32).exp();
    let up = gr[settle..]
        .iter()
        .position(|&g| g - before >= f * (full - before))
        .unwrap();
    let after = gr[4 * settle - 1];
    let down = gr[2 * settle..]
        .iter()
        .position(|&g| full - g >= f * (full - after))
        .unwrap();
    // position() is 0-based: the k-th sample after the step is k+1 samples in.
    (
        (up + 1) as f64 / FS as f64 * 1000.0,
        (down + 1) as f64 / FS as f64 * 1000.0,
    )
}

#[test]
fn time_constants_within_10_percent() {
    for (attack, release) in [(10.0, 100.0), (1.0, 1000.0), (50.0, 500.0), (0.5, 20.0)] {
        for knee in [0.0, 6.0] {
            let s = CompressorSettings {
                attack_ms: attack,
                release_ms: release,
                knee_db: knee,
                ..settings()
            };
            let (a, r) = time_constants(&s);
            println!("set {attack}/{release} ms, knee {knee}: measured attack {a:.3} ms, release {r:.3} ms");
            assert!(
                (a / attack as f64 - 1.0).abs() <= 0.1,
                "attack {a} vs {attack}"
            );
            assert!(
                (r / release as f64 - 1.0).abs() <= 0.1,
                "release {r} vs {release}"
            );
        }
    }
}

#[test]
fn glue_and_opto_time_constants() {
    let glue = CompressorSettings {
        style: CompressorStyle::Glue,
        ..settings()
    };
    let (a, r) = time_constants(&glue);
    println!("glue 10/100: attack {a:.3} ms, release {r:.3} ms");
    // Attack pole unchanged; the release is smoothed once more (slower).
    assert!((a / 10.0 - 1.0).abs() <= 0.1, "glue attack {a}");
    assert!(r > 100.0 && r < 130.0, "glue release {r}");
    let opto = CompressorSettings {
        style: CompressorStyle::Opto,
        ..settings()
    };
    let (a, r) = time_constants(&opto);
    println!("opto 10/100: attack {a:.3} ms, release {r:.3} ms");
    // Faster attack for a 7.5 dB jump; two-stage release.
    assert!(a < 10.0, "opto attack {a}");
}

#[test]
fn auto_release_is_program_dependent() {
    let s = CompressorSettings {
        auto_release: true,
        release_ms: 200.0,
        ..settings()
    };
    let recovery = |burst: usize| {
        let mut c = compressor(&s);
        let mut x = sine(db_to_gain(-10.0), 1000.0, PI / 2.0, 0..burst);
        x.extend(sine(
            db_to_gain(-40.0),
            1000.0,
            PI / 2.0,
            burst..burst + 96_000,
        ));
        let gr = reduction_trace(&mut c, &x);
        let peak = gr[..burst].iter().cloned().fold(0.0, f32::max);
        let t = gr[burst..]
            .iter()
            .position(|&g| g <= peak * (-1.0f32).exp())
            .unwrap();
        t as f64 / FS as f64 * 1000.0
    };
    let transient = recovery(480); // 10 ms burst
    let sustained = recovery(96_000); // 2 s
    println!("auto release: 10 ms burst recovers 63 % in {transient:.1} ms, 2 s burst in {sustained:.1} ms");
    assert!(transient * 3.0 < sustained, "{transient} vs {sustained}");
}

/// Worst overshoot (dB) of the output's per-period peak over the static curve after a 20 dB step.
fn step_overshoot(s: &CompressorSettings) -> f64 {
    let mut c = compressor(s);
    let latency = c.latency_samples() as usize;
    let settle = 48_000;
    let mut x = sine(db_to_gain(-30.0), 1000.0, PI / 2.0, 0..settle);
    x.extend(sine(
        db_to_gain(-10.0),
        1000.0,
        PI / 2.0,
        settle..2 * settle,
    ));
    let y = run(&mut c, &x, 64);
    let ideal = Compressor::static_curve_db(s, -10.0) as f64;
    let start = settle + latency;
    y[start..]
        .chunks(48)
        .map(|p| db(p.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64) - ideal)
        .fold(f64::MIN, f64::max)
}

#[test]
fn lookahead_prevents_overshoot() {
    for (ratio, knee) in [(4.0, 6.0), (f32::INFINITY, 0.0)] {
        for (attack, lookahead) in [(5.0, 5.0), (1.0, 5.0), (10.0, 10.0), (20.0, 20.0)] {
            let s = CompressorSettings {
                ratio,
                knee_db: knee,
                attack_ms: attack,
                lookahead_ms: lookahead,
                ..settings()
            };
            let o = step_overshoot(&s);
            println!(
                "ratio {ratio}, attack {attack} ms, lookahead {lookahead} ms: overshoot {o:.3} dB"
            );
            assert!(o <= 0.5, "overshoot {o} dB");
        }
        // Without lookahead the same step overshoots by several dB (the test can fail).
        let s = CompressorSettings {
            ratio,
            knee_db: knee,
            attack_ms: 5.0,
            ..settings()
        };
        let o = step_overshoot(&s);
        assert!(o > 3.0, "no lookahead: {o} dB");
    }
}

#[test]
fn latency_is_the_lookahead() {
    let mut c = compressor(&CompressorSettings {
        lookahead_ms: 5.0,
        ..settings()
    });
    assert_eq!(c.latency_samples(), 240);
    // A click below threshold comes out exactly 240 samples later, unchanged.
    let mut x = vec![0.0f32; 1000];
    x[10] = 0.01;
    let y = run(&mut c, &x, 100);
    assert_eq!(y[250], 0.01);
    assert_eq!(y.iter().filter(|v| **v != 0.0).count(), 1);
}

#[test]
fn below_threshold_is_bit_exact() {
    let mut rng = XorShift32(11);
    // Peak 0.05 = −26 dBFS < T − W/2 = −23 dBFS.
    let x: Vec<f32> = (0..48_000).map(|_| 0.05 * rng.next_bipolar()).collect();
    for style in [
        CompressorStyle::Clean,
        CompressorStyle::Glue,
        CompressorStyle::Opto,
    ] {
        for detection in [Detection::Peak, Detection::Rms] {
            for channel_mode in [ChannelMode::Stereo, ChannelMode::MidSide] {
                for stereo_link in [0.0, 0.5, 1.0] {
                    let s = CompressorSettings {
                        style,
                        detection,
                        channel_mode,
                        stereo_link,
                        ..settings()
                    };
                    let mut c = compressor(&s);
                    let mut l = x.clone();
                    let mut r: Vec<f32> = x.iter().rev().cloned().collect();
                    let r_in = r.clone();
                    for (bl, br) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
                        c.process(bl, br, None);
                    }
                    assert!(l == x && r == r_in, "{s:?}");
                }
            }
        }
    }
}

#[test]
fn external_sidechain_keys_the_reduction() {
    let s = settings();
    let mut c = compressor(&s);
    // Main: quiet 1 kHz (−40 dBFS); key: loud 200 Hz (−6 dBFS) for 0.5 s, then silence.
    let n = 48_000;
    let main = sine(db_to_gain(-40.0), 1000.0, 0.0, 0..n);
    let key: Vec<f32> = sine(db_to_gain(-6.0), 200.0, 0.0, 0..n)
        .into_iter()
        .enumerate()
        .map(|(i, v)| if i < n / 2 { v } else { 0.0 })
        .collect();
    let mut l = main.clone();
    let mut r = main.clone();
    let mut gr = Vec::new();
    for ((bl, br), k) in l
        .chunks_mut(480)
        .zip(r.chunks_mut(480))
        .zip(key.chunks(480))
    {
        c.process(bl, br, Some((k, k)));
        gr.push(c.readings().gain_reduction_db[0]);
    }
    let keyed_gr = gr[40];
    let ideal = -6.0 - Compressor::static_curve_db(&s, -6.0);
    assert!(
        (keyed_gr - ideal).abs() < 0.1,
        "keyed {keyed_gr} vs {ideal}"
    );
    // The output level follows: main − GR.
    let out_db = db(l[19_000..20_000].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64);
    assert!((out_db - (-40.0 - ideal as f64)).abs() < 0.1, "{out_db}");
    // Key silent for 0.5 s (5 release times): reduction gone although the main
    // input keeps playing; a loud main input with a silent key is untouched.
    // (0.5 s = 5 release time constants, less the 25 ms hold: e^−4.75 of the reduction.)
    let last = *gr.last().unwrap();
    assert!(last < ideal * (-4.5f32).exp(), "{last}");
    let mut c = compressor(&s);
    let loud = sine(db_to_gain(-3.0), 1000.0, 0.0, 0..4800);
    let (mut l, mut r) = (loud.clone(), loud.clone());
    let silence = vec![0.0f32; 4800];
    c.process(&mut l, &mut r, Some((&silence, &silence)));
    assert_eq!(l, loud);
}

#[test]
fn sidechain_filters_and_listen() {
    // 50 Hz key at −6 dBFS, high-pass at 500 Hz: ~−46 dB (12 dB/oct, 3.3 octaves) → below threshold.
    let key = sine(db_to_gain(-6.0), 50.0, 0.0, 0..48_000);
    let main = sine(db_to_gain(-6.0), 50.0, 0.0, 0..48_000);
    let keyed = |hp: Option<f32>| {
        let s = CompressorSettings {
            sc_highpass_hz: hp,
            ..settings()
        };
        let mut c = compressor(&s);
        let (mut l, mut r) = (main.clone(), main.clone());
        c.process(&mut l, &mut r, Some((&key, &key)));
        c.readings().gain_reduction_db[0]
    };
    assert!(keyed(None) > 5.0);
    assert_eq!(keyed(Some(500.0)), 0.0);
    // Listen outputs the (filtered) key.
    let s = CompressorSettings {
        sc_listen: true,
        sc_lowpass_hz: Some(100.0),
        ..settings()
    };
    let mut c = compressor(&s);
    let hf = sine(0.5, 5000.0, 0.0, 0..48_000);
    let (mut l, mut r) = (main.clone(), main.clone());
    c.process(&mut l, &mut r, Some((&hf, &hf)));
    let out = db(l[24_000..].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64);
    // 5 kHz through a 100 Hz 2-pole low-pass: ≈ −6 − 68 dB; certainly not the main input.
    assert!(out < -60.0, "{out}");
    let s = CompressorSettings {
        sc_listen: true,
        ..settings()
    };
    let mut c = compressor(&s);
    let (mut l, mut r) = (main.clone(), main.clone());
    c.process(&mut l, &mut r, Some((&hf, &hf)));
    assert!(l == hf, "listen must output exactly the key");
}

#[test]
fn mid_side_compresses_side_only_signal_on_the_side_lane() {
    let s = CompressorSettings {
        channel_mode: ChannelMode::MidSide,
        stereo_link: 0.0,
        ..settings()
    };
    let mut c = compressor(&s);
    let x = sine(db_to_gain(-10.0), 1000.0, 0.0, 0..48_000);
    let mut l = x.clone();
    let mut r: Vec<f32> = x.iter().map(|v| -v).collect();
    c.process(&mut l, &mut r, None);
    let rd = c.readings();
    let ideal = -10.0 - Compressor::static_curve_db(&s, -10.0);
    assert_eq!(rd.gain_reduction_db[0], 0.0, "mid lane");
    assert!(
        (rd.gain_reduction_db[1] - ideal).abs() < 0.05,
        "side lane {:?}",
        rd
    );
    // Still a pure side signal, compressed by the side gain.
    for i in 40_000..48_000 {
        assert!((l[i] + r[i]).abs() < 1e-6);
    }
    let out = db(l[40_000..].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64);
    assert!((out - (-10.0 - ideal as f64)).abs() < 0.05, "{out}");
}

#[test]
fn stereo_link_0_vs_100_percent() {
    let loud = sine(db_to_gain(-10.0), 1000.0, 0.0, 0..48_000);
    let quiet = sine(db_to_gain(-40.0), 1000.0, 0.0, 0..48_000);
    let ideal = -10.0 - Compressor::static_curve_db(&settings(), -10.0) as f64;
    for (link, right_gr) in [(0.0, 0.0), (1.0, ideal), (0.5, f64::NAN)] {
        let mut c = compressor(&CompressorSettings {
            stereo_link: link,
            ..settings()
        });
        let (mut l, mut r) = (loud.clone(), quiet.clone());
        c.process(&mut l, &mut r, None);
        let gl = -db((l[47_988] / loud[47_988]) as f64);
        let gr = -db((r[47_988] / quiet[47_988]) as f64);
        assert!((gl - ideal).abs() < 0.05, "link {link}: left {gl}");
        if link == 0.0 {
            assert_eq!(r, quiet, "unlinked quiet channel untouched");
        } else if link == 1.0 {
            assert!((gr - right_gr).abs() < 0.05, "link 1: right {gr}");
        } else {
            // Half link: the right lane reads −25 dBFS (halfway in dB), below the knee → 0 dB.
            assert!(gr.abs() < 1e-5, "link 0.5: right {gr}");
        }
    }
    // Half link with a level in range: right at −14, left at −6 → right lane reads −10.
    let mut c = compressor(&CompressorSettings {
        stereo_link: 0.5,
        knee_db: 0.0,
        ..settings()
    });
    let l_in = sine(db_to_gain(-6.0), 1000.0, 0.0, 0..48_000);
    let r_in = sine(db_to_gain(-14.0), 1000.0, 0.0, 0..48_000);
    let (mut l, mut r) = (l_in.clone(), r_in.clone());
    c.process(&mut l, &mut r, None);
    let gr = -db((r[47_988] / r_in[47_988]) as f64);
    assert!((gr - 7.5).abs() < 0.05, "half link right {gr}");
}

#[test]
fn nan_does_not_poison_state() {
    let s = CompressorSettings {
        lookahead_ms: 2.0,
        ..settings()
    };
    let x = sine(0.8, 440.0, 0.0, 0..4096);
    let mut c = compressor(&s);
    run(&mut c, &x, 512);
    let mut bad = x[..512].to_vec();
    bad[100] = f32::NAN;
    bad[200] = f32::INFINITY;
    let mut bad_r = bad.clone();
    c.process(&mut bad, &mut bad_r, None);
    assert!(bad.iter().all(|v| v.is_finite()));
    let after = run(&mut c, &x, 512);
    // Same as a fresh compressor that got the sanitised block (NaN/Inf → 0).
    let mut fresh = compressor(&s);
    let mut clean = x[..512].to_vec();
    clean[100] = 0.0;
    clean[200] = 0.0;
    let mut clean_r = clean.clone();
    fresh.process(&mut clean, &mut clean_r, None);
    assert!(after == run(&mut fresh, &x, 512), "state poisoned");
    // NaN in the key only: finite output too.
    let mut key = x.clone();
    key[7] = f32::NAN;
    let (mut l, mut r) = (x.clone(), x.clone());
    c.process(&mut l, &mut r, Some((&key, &key)));
    assert!(l.iter().all(|v| v.is_finite()));
}

#[test]
fn block_size_does_not_change_the_output() {
    let mut rng = XorShift32(5);
    let x: Vec<f32> = (0..20_000)
        .map(|i| rng.next_bipolar() * if (i / 3000) % 2 == 0 { 0.9 } else { 0.05 })
        .collect();
    for s in [
        CompressorSettings {
            lookahead_ms: 3.0,
            ..settings()
        },
        CompressorSettings {
            detection: Detection::Rms,
            stereo_link: 0.3,
            channel_mode: ChannelMode::MidSide,
            ..settings()
        },
        CompressorSettings {
            style: CompressorStyle::Opto,
            auto_makeup: true,
            mix: 0.5,
            sc_highpass_hz: Some(100.0),
            ..settings()
        },
    ] {
        let mut a = compressor(&s);
        let mut b = compressor(&s);
        let mut c = compressor(&s);
        let ya = run(&mut a, &x, 1);
        let yb = run(&mut b, &x, 512);
        let yc = run(&mut c, &x, 8192);
        assert!(ya == yb && yb == yc, "{s:?}");
    }
}

#[test]
fn sleeps_after_silence_and_wakes() {
    let s = settings();
    let mut c = compressor(&s);
    run(&mut c, &sine(0.9, 1000.0, 0.0, 0..4800), 480);
    assert!(!c.is_idle());
    // Release 100 ms: 1e-5 dB is reached from 15 dB in ~14 time constants.
    run(&mut c, &vec![0.0; 96_000], 480);
    assert!(c.is_idle());
    let y = run(&mut c, &vec![0.0; 480], 480);
    assert!(y.iter().all(|v| *v == 0.0));
    // Waking gives the same output as a fresh compressor.
    let x = sine(0.9, 1000.0, 0.0, 0..4800);
    let mut fresh = compressor(&s);
    assert!(run(&mut c, &x, 480) == run(&mut fresh, &x, 480));
}

#[test]
fn sleep_clears_once_outputs_silence_and_reads_silence() {
    let s = settings();
    let mut c = compressor(&s);
    let x = sine(0.9, 1000.0, 0.0, 0..4800);
    run(&mut c, &x, 480);
    assert!(c.readings().max_gain_reduction_db[0] > 1.0);
    let (mut l, mut r) = (vec![0.5f32; 64], vec![0.5f32; 64]);
    c.sleep(&mut l, &mut r);
    assert!(l.iter().chain(&r).all(|v| *v == 0.0));
    assert!(c.is_idle(), "asleep is idle");
    let rd = c.readings();
    assert_eq!(rd.input_peak_db, [MINUS_INFINITY_DB; 2]);
    assert_eq!(rd.max_gain_reduction_db, [0.0; 2]);
    // The state was cleared: waking gives the output of a fresh compressor.
    let mut fresh = compressor(&s);
    assert!(run(&mut c, &x, 480) == run(&mut fresh, &x, 480));
    assert!(!c.is_idle(), "awake again");
}

#[test]
fn makeup_mix_and_output_gain() {
    // Auto makeup = half the reduction at 0 dBFS: (0 − (−20))·(1 − 1/4)/2 = 7.5 dB.
    let s = CompressorSettings {
        auto_makeup: true,
        knee_db: 0.0,
        makeup_db: 1.0,
        output_db: -2.0,
        ..settings()
    };
    let c = compressor(&s);
    assert!((c.makeup_db() - 8.5).abs() < 1e-3);
    let mut c = compressor(&s);
    let x = sine(db_to_gain(-10.0), 1000.0, 0.0, 0..48_000);
    let y = run(&mut c, &x, 512);
    let out = db(y[40_000..].iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64);
    assert!((out - (-17.5 + 8.5 - 2.0)).abs() < 0.05, "{out}");
    // 50 % mix at 10 dB reduction: 0.5·(1 + 10^(−10/20)) of the input.
    let s = CompressorSettings {
        ratio: f32::INFINITY,
        knee_db: 0.0,
        threshold_db: -20.0,
        mix: 0.5,
        ..settings()
    };
    let mut c = compressor(&s);
    let y = run(&mut c, &x, 512);
    let want = 0.5 * (1.0 + db_to_gain(-10.0)) as f64;
    assert!(((y[47_988] / x[47_988]) as f64 - want).abs() < 2e-3);
}

#[test]
fn other_sample_rates_keep_the_curve() {
    for fs in [8_000.0f32, 44_100.0, 96_000.0, 384_000.0] {
        let s = settings();
        let mut c = Compressor::new();
        c.prepare(fs, 64);
        c.set_settings(&s);
        let n = fs as usize;
        let amp = db_to_gain(-8.0);
        let x: Vec<f32> = (0..n)
            .map(|i| (amp as f64 * (2.0 * PI * 250.0 * i as f64 / fs as f64).cos()) as f32)
            .collect();
        let y = run(&mut c, &x, 64);
        let ideal = Compressor::static_curve_db(&s, -8.0) as f64;
        let i = n - (fs as usize / 250);
        let out = db(amp as f64) + db((y[i] / x[i]) as f64);
        assert!((out - ideal).abs() < 0.1, "fs {fs}: {out} vs {ideal}");
    }
}

/// Largest |y[n] − y[n−1]| over `range`.
fn largest_step(y: &[f32], range: std::ops::Range<usize>) -> f32 {
    y[range.start.max(1)..range.end]
        .iter()
        .zip(&y[range.start.max(1) - 1..range.end - 1])
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
}

#[test]
fn sc_listen_fades_and_comes_back_to_the_same_output() {
    // Main 200 Hz, key 300 Hz, both 0.5 peak (−6 dBFS, compressed by the key).
    // Their own largest sample steps are 0.013 and 0.0196; a hard switch
    // between them would jump by up to 1.0.
    let main = sine(0.5, 200.0, 0.0, 0..24_000);
    let key = sine(0.5, 300.0, 0.3, 0..24_000);
    let s = CompressorSettings {
        lookahead_ms: 5.0,
        ..settings()
    };
    let mut c = compressor(&s);
    let mut reference = compressor(&s);
    let (mut l, mut r) = (main.clone(), main.clone());
    let (mut ref_l, mut ref_r) = (main.clone(), main.clone());
    let block = 480;
    for (i, start) in (0..main.len()).step_by(block).enumerate() {
        let listen = (10..30).contains(&i); // on at 100 ms, off at 300 ms
        c.set_settings(&CompressorSettings {
            sc_listen: listen,
            ..s
        });
        let end = start + block;
        c.process(
            &mut l[start..end],
            &mut r[start..end],
            Some((&key[start..end], &key[start..end])),
        );
        reference.process(
            &mut ref_l[start..end],
            &mut ref_r[start..end],
            Some((&key[start..end], &key[start..end])),
        );
    }
    let step = largest_step(&l, 4_000..20_000);
    let at = (4_001..20_000)
        .max_by(|&a, &b| (l[a] - l[a - 1]).abs().total_cmp(&(l[b] - l[b - 1]).abs()))
        .unwrap();
    println!(
        "largest step across both switches: {step:.4} at {at}: {:?}",
        &l[at - 3..at + 3]
    );
    assert!(step < 0.025, "listen switch clicks: step {step}");
    // Fully on (20 ms after the switch): exactly the key, delayed by the lookahead (240 samples).
    let on = 4_800 + 960 + 240;
    assert!(l[on..14_000] == key[on - 240..14_000 - 240]);
    // Fully off again: exactly what a compressor that never listened outputs.
    let off = 14_400 + 960;
    assert!(
        l[off..] == ref_l[off..],
        "detector state must keep running while listening"
    );
}

#[test]
fn curve_moves_are_ramped_not_stepped() {
    // A steady −6 dBFS sine under a fast compressor (0.01 ms attack, 5 ms
    // release); the threshold jumps −10 → −40 dB and the ratio 2:1 → ∞:1 at
    // once. The static target moves by 2 → 34 dB of reduction; ramped over
    // 20 ms (960 samples) that is ≈0.033 dB per sample.
    let x = sine(0.5, 1000.0, 0.0, 0..9_600);
    let before = CompressorSettings {
        threshold_db: -10.0,
        ratio: 2.0,
        knee_db: 0.0,
        attack_ms: 0.01,
        release_ms: 5.0,
        ..settings()
    };
    let after = CompressorSettings {
        threshold_db: -40.0,
        ratio: f32::INFINITY,
        ..before
    };
    let mut c = compressor(&before);
    let head = reduction_trace(&mut c, &x[..4_800]);
    c.set_settings(&after);
    let tail = reduction_trace(&mut c, &x[4_800..]);
    let start = *head.last().unwrap();
    let end = *tail.last().unwrap();
    println!("reduction {start:.3} → {end:.3} dB");
    assert!((start - 2.0).abs() < 0.05 && (end - 34.0).abs() < 0.05);
    let steps: Vec<f32> = std::iter::once(start)
        .chain(tail.iter().cloned())
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .collect();
    let largest = steps.iter().fold(0.0f32, |m, v| m.max(*v));
    println!("largest reduction step: {largest:.4} dB/sample");
    assert!(
        largest < 0.1,
        "a curve move stepped the gain by {largest} dB"
    );
    // …and it arrives in the 20 ms ramp plus the attack, not later.
    assert!((tail[1_000] - 34.0).abs() < 0.05, "{}", tail[1_000]);
}

#[test]
fn scalar_and_simd_paths_give_the_same_bits() {
    let mut rng = XorShift32(77);
    let x: Vec<f32> = (0..30_000)
        .map(|i| rng.next_bipolar() * if (i / 5000) % 2 == 0 { 0.9 } else { 0.05 })
        .collect();
    let y: Vec<f32> = x.iter().map(|v| 0.5 * v + 0.01).collect();
    for s in [
        settings(),
        CompressorSettings {
            lookahead_ms: 5.0,
            sc_highpass_hz: Some(100.0),
            makeup_db: 3.0,
            ..settings()
        },
        CompressorSettings {
            detection: Detection::Rms,
            stereo_link: 0.5,
            channel_mode: ChannelMode::MidSide,
            ..settings()
        },
        CompressorSettings {
            style: CompressorStyle::Glue,
            auto_release: true,
            mix: 0.7,
            sc_lowpass_hz: Some(5000.0),
            ..settings()
        },
    ] {
        let output = |simd: Simd| {
            let mut c = compressor(&s);
            c.set_simd(simd);
            c.reset();
            let (mut l, mut r) = (x.clone(), y.clone());
            for (bl, br) in l.chunks_mut(300).zip(r.chunks_mut(300)) {
                c.process(bl, br, None);
            }
            (l, r)
        };
        let want = output(Simd::scalar());
        for simd in crate::simd::levels_to_compare("compressor") {
            assert!(output(simd) == want, "{simd:?}, {s:?}");
        }
    }
}
