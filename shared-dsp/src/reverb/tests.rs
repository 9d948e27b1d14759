//! Tests of the whole reverb engine against its promises, measured at 48 kHz with the
//! measurements of [`crate::reverb::metrics`].

use super::*;
use crate::blocks::denormal::DenormalGuard;
use crate::reverb::metrics::{correlation, rms_db, rt60_band, time_to_density};

const FS: f32 = 48_000.0;
const BANDS: [f64; 5] = [250.0, 500.0, 1000.0, 2000.0, 4000.0];

fn wet(settings: ReverbSettings) -> ReverbSettings {
    ReverbSettings {
        mix: 1.0,
        predelay_ms: 0.0,
        ..settings
    }
}

fn reverb(settings: ReverbSettings) -> Reverb {
    let mut r = Reverb::new();
    r.settings = settings;
    r.prepare(FS, 512);
    r
}

/// Impulse (both channels) response of `len` samples.
fn impulse_response(settings: ReverbSettings, len: usize) -> (Vec<f32>, Vec<f32>) {
    let _ftz = DenormalGuard::new();
    let mut r = reverb(settings);
    let mut l = vec![0.0f32; len];
    let mut rr = vec![0.0f32; len];
    l[0] = 1.0;
    rr[0] = 1.0;
    for start in (0..len).step_by(512) {
        let end = (start + 512).min(len);
        r.process(&mut l[start..end], &mut rr[start..end]);
    }
    (l, rr)
}

#[test]
fn rt60_per_octave_matches_the_setting() {
    for decay in [0.5f32, 1.0, 4.0, 10.0] {
        let s = wet(ReverbSettings {
            decay_s: decay,
            ..ReverbSettings::default()
        });
        let (l, _) = impulse_response(s, ((0.9 * decay + 0.3) * FS) as usize);
        for band in BANDS {
            let t = rt60_band(&l, band, FS as f64).unwrap();
            let err = t / decay as f64 - 1.0;
            println!(
                "decay {decay} s, {band} Hz: {t:.3} s ({:+.1} %)",
                err * 100.0
            );
            assert!(
                err.abs() < 0.10,
                "decay {decay} s, {band} Hz: RT60 {t:.3} s"
            );
        }
    }
}

#[test]
fn every_algorithm_and_size_keeps_the_rt60() {
    for algorithm in Algorithm::ALL {
        for size in [0.0f32, 1.0] {
            let s = wet(ReverbSettings {
                algorithm,
                size,
                decay_s: 1.5,
                ..ReverbSettings::default()
            });
            let (l, _) = impulse_response(s, (1.7 * FS) as usize);
            for band in [250.0, 1000.0, 4000.0] {
                let t = rt60_band(&l, band, FS as f64).unwrap();
                println!("{algorithm:?} size {size}: {band} Hz {t:.3} s");
                assert!(
                    (t / 1.5 - 1.0).abs() < 0.10,
                    "{algorithm:?} {size} {band}: {t}"
                );
            }
        }
    }
}

#[test]
fn multipliers_scale_the_band_decays() {
    let s = wet(ReverbSettings {
        decay_s: 1.0,
        low_mult: 2.0,
        low_crossover_hz: 1000.0,
        high_mult: 0.5,
        high_crossover_hz: 2000.0,
        ..ReverbSettings::default()
    });
    let (l, _) = impulse_response(s, (2.2 * FS) as usize);
    let low = rt60_band(&l, 250.0, FS as f64).unwrap();
    let high = rt60_band(&l, 8000.0, FS as f64).unwrap();
    println!("low {low:.3} s, high {high:.3} s");
    assert!((low / 2.0 - 1.0).abs() < 0.15, "low band {low}");
    assert!((high / 0.5 - 1.0).abs() < 0.15, "high band {high}");
}

/// Impulse (both channels) response of `len` samples at `fs`.
fn impulse_response_at(settings: ReverbSettings, fs: f32, len: usize) -> (Vec<f32>, Vec<f32>) {
    let _ftz = DenormalGuard::new();
    let mut r = Reverb::new();
    r.settings = settings;
    r.prepare(fs, 512);
    let mut l = vec![0.0f32; len];
    let mut rr = vec![0.0f32; len];
    l[0] = 1.0;
    rr[0] = 1.0;
    for start in (0..len).step_by(512) {
        let end = (start + 512).min(len);
        r.process(&mut l[start..end], &mut rr[start..end]);
    }
    (l, rr)
}

/// Times (s) from the first arrival to echo density 0.9 and 1.0 (the later channel's), at
/// `fs`, wet only, no pre-delay, multipliers 1 (issue 17's conditions).
fn density_times(algorithm: Algorithm, size: f32, fs: f32) -> (f64, f64) {
    let s = wet(ReverbSettings {
        algorithm,
        size,
        ..ReverbSettings::default()
    });
    let (l, r) = impulse_response_at(s, fs, (0.3 * fs) as usize);
    let fs = fs as f64;
    let t = |x: &[f32], level| time_to_density(x, fs, level).unwrap_or(1.0);
    (t(&l, 0.9).max(t(&r, 0.9)), t(&l, 1.0).max(t(&r, 1.0)))
}

/// Every algorithm at sizes 0, 50 and 100 % is dense from the start: echo density 0.9 within
/// 20 ms (Plate: 10 ms) and 1.0 within 40 ms of the first arrival, at 44.1 and 48 kHz (96 kHz
/// is printed: the measure counts samples, so it reads sparser there).
#[test]
fn every_algorithm_is_dense_early() {
    let mut failures = Vec::new();
    for fs in [44_100.0f32, 48_000.0, 96_000.0] {
        for algorithm in Algorithm::ALL {
            for size in [0.0f32, 0.5, 1.0] {
                let (t90, t100) = density_times(algorithm, size, fs);
                let goal90 = if algorithm == Algorithm::Plate {
                    0.010
                } else {
                    0.020
                };
                let ok = t90 <= goal90 && t100 <= 0.040;
                println!(
                    "{fs} Hz {algorithm:?} size {size}: 0.9 at {:.1} ms, 1.0 at {:.1} ms{}",
                    t90 * 1e3,
                    t100 * 1e3,
                    if ok { "" } else { "  <- over the goal" }
                );
                if !ok && fs < 90_000.0 {
                    failures.push(format!("{fs} {algorithm:?} {size}: {t90:.4} {t100:.4}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn tail_is_decorrelated_at_full_width_and_mono_at_zero() {
    for algorithm in Algorithm::ALL {
        let s = wet(ReverbSettings {
            algorithm,
            ..ReverbSettings::default()
        });
        let (l, r) = impulse_response(s, FS as usize);
        let c = correlation(&l[(0.2 * FS) as usize..], &r[(0.2 * FS) as usize..]);
        println!("{algorithm:?}: tail correlation {c:.3}");
        assert!(c.abs() < 0.1, "{algorithm:?}: {c}");
    }
    let s = wet(ReverbSettings {
        width: 0.0,
        ..ReverbSettings::default()
    });
    let (l, r) = impulse_response(s, (0.5 * FS) as usize);
    assert!(l.iter().zip(&r).all(|(a, b)| a == b));
}

#[test]
fn freeze_holds_and_never_grows() {
    let _ftz = DenormalGuard::new();
    let s = wet(ReverbSettings {
        decay_s: 2.0,
        ..ReverbSettings::default()
    });
    let mut r = reverb(s);
    let block = 512;
    let mut rng = crate::test_util::XorShift32(7);
    // 1 s of noise, then freeze with silence in for 30 s.
    let mut level = Vec::new();
    let seconds = 31.5;
    let total = (seconds * FS) as usize / block;
    let mut frozen = r.settings;
    frozen.freeze = true;
    let mut window = Vec::with_capacity(FS as usize);
    for b in 0..total {
        let t = (b * block) as f32 / FS;
        let mut l = vec![0.0f32; block];
        let mut rr = vec![0.0f32; block];
        if t < 1.0 {
            for (a, c) in l.iter_mut().zip(rr.iter_mut()) {
                *a = 0.25 * rng.next_bipolar();
                *c = 0.25 * rng.next_bipolar();
            }
        } else {
            r.set_settings(&frozen);
        }
        r.process(&mut l, &mut rr);
        window.extend_from_slice(&l);
        if window.len() >= FS as usize / 2 {
            level.push(rms_db(&window, 1.0));
            window.clear();
        }
    }
    // Once the early reflections and diffuser have died away (1 s after freezing), every half
    // second stays within 1 dB of that level for 30 s.
    let reference = level[4];
    for (k, v) in level.iter().enumerate().skip(4) {
        println!("{:.1} s: {v:.2} dB", k as f32 * 0.5);
        assert!(
            (v - reference).abs() < 1.0,
            "at {} s: {v} vs {reference}",
            k as f32 * 0.5
        );
        assert!(*v < reference + 0.2, "grows: {v} vs {reference}");
    }
}

#[test]
fn decays_below_minus_120_db_without_limit_cycles() {
    let s = wet(ReverbSettings {
        decay_s: 0.5,
        ..ReverbSettings::default()
    });
    let len = (2.0 * FS) as usize;
    let (l, _) = impulse_response(s, len);
    let win = (0.05 * FS) as usize;
    let levels: Vec<f64> = l.chunks(win).map(|c| rms_db(c, 1.0)).collect();
    let peak = levels.iter().cloned().fold(f64::MIN, f64::max);
    // 0.5 s RT60 = 120 dB per second: well below −120 dB re. the peak after 1.3 s, and the
    // level keeps falling (a limit cycle would hold it at a floor) until it is exactly 0.
    let at = (1.3 * FS) as usize / win;
    assert!(levels[at] < peak - 120.0, "{} vs {peak}", levels[at]);
    for k in 4..levels.len() - 1 {
        if levels[k] > -250.0 {
            assert!(levels[k + 1] < levels[k], "level rises at {k}: {levels:?}");
        }
    }
    assert!(l[len - win..].iter().all(|v| v.abs() < 1e-12));
}

/// Click detector: the largest second difference of the output after `after` is applied at
/// 0.5 s under a 440 Hz sine, relative to ω²·peak (what a clean sine at the output's peak level
/// can do). About 1 for a smooth output, far above 1 for a click.
fn click_ratio(before: ReverbSettings, after: ReverbSettings) -> f64 {
    let _ftz = DenormalGuard::new();
    let len = (1.5 * FS) as usize;
    let w = 2.0 * std::f64::consts::PI * 440.0 / FS as f64;
    let sine: Vec<f32> = (0..len)
        .map(|n| (0.25 * (w * n as f64).sin()) as f32)
        .collect();
    let mut r = reverb(before);
    let (mut l, mut rr) = (sine.clone(), sine.clone());
    for start in (0..len).step_by(256) {
        if start >= len / 3 {
            r.set_settings(&after);
        }
        let end = (start + 256).min(len);
        r.process(&mut l[start..end], &mut rr[start..end]);
    }
    let mut worst: f64 = 0.0;
    for ch in [&l, &rr] {
        let tail = &ch[len / 3 - 2..];
        let peak = tail.iter().fold(0.0f32, |a, v| a.max(v.abs())) as f64;
        let d2 = tail
            .windows(3)
            .map(|x| (f64::from(x[2]) - 2.0 * f64::from(x[1]) + f64::from(x[0])).abs())
            .fold(0.0, f64::max);
        worst = worst.max(d2 / (w * w * peak));
    }
    worst
}

#[test]
fn size_decay_and_algorithm_changes_do_not_click() {
    let base = ReverbSettings {
        mix: 0.5,
        ..ReverbSettings::default()
    };
    let cases = [
        ("size", ReverbSettings { size: 1.0, ..base }),
        ("size down", ReverbSettings { size: 0.0, ..base }),
        (
            "decay",
            ReverbSettings {
                decay_s: 20.0,
                ..base
            },
        ),
        (
            "decay down",
            ReverbSettings {
                decay_s: 0.1,
                ..base
            },
        ),
        (
            "algorithm",
            ReverbSettings {
                algorithm: Algorithm::Plate,
                ..base
            },
        ),
        (
            "room",
            ReverbSettings {
                algorithm: Algorithm::Room,
                ..base
            },
        ),
        (
            "freeze",
            ReverbSettings {
                freeze: true,
                ..base
            },
        ),
        (
            "predelay",
            ReverbSettings {
                predelay_ms: 300.0,
                ..base
            },
        ),
        (
            "diffusion",
            ReverbSettings {
                diffusion: 0.0,
                ..base
            },
        ),
        (
            "mod",
            ReverbSettings {
                mod_depth: 1.0,
                mod_rate_hz: 5.0,
                ..base
            },
        ),
    ];
    for (name, after) in cases {
        let ratio = click_ratio(base, after);
        println!("{name}: {ratio:.2}");
        assert!(ratio < 1.5, "{name}: {ratio}");
    }
}

/// Plate has no room reflections, only its onset: one tap at 0 ms (the diffused input itself,
/// at once, as a plate sounds); Hall has a reflection pattern. Each pattern carries energy 0.5.
#[test]
fn plate_has_only_its_onset_tap_and_hall_has_reflections() {
    let mut p = [(0.0, 0.0); 16];
    assert_eq!(reflection_pattern(Algorithm::Plate.preset(), 0, &mut p), 1);
    assert_eq!(p[0].0, 0.0);
    assert!((p[0].1 * p[0].1 - 0.5).abs() < 1e-4);
    let n = reflection_pattern(Algorithm::Hall.preset(), 0, &mut p);
    assert!(n > 8);
    let e: f32 = p[..n].iter().map(|t| t.1 * t.1).sum();
    assert!((e - 0.5).abs() < 1e-4);
}

/// Late-tail coloration (metrics::tail_coloration_db: spread of the Welch spectrum of 0.5–1.5 s
/// around its 1/3-octave envelope) of every algorithm and size, 2 s decay.
#[test]
fn late_tail_coloration() {
    use crate::reverb::metrics::tail_coloration_db;
    for algorithm in Algorithm::ALL {
        for size in [0.0f32, 0.5, 1.0] {
            let s = wet(ReverbSettings {
                algorithm,
                size,
                ..ReverbSettings::default()
            });
            let (l, r) = impulse_response(s, (1.7 * FS) as usize);
            let c = tail_coloration_db(&l, FS as f64)
                .unwrap()
                .max(tail_coloration_db(&r, FS as f64).unwrap());
            println!("{algorithm:?} size {size}: coloration {c:.2} dB");
        }
    }
}

#[test]
fn sleep_outputs_silence_and_wakes_like_a_fresh_reverb() {
    let _ftz = DenormalGuard::new();
    let s = ReverbSettings::default();
    let mut r = reverb(s);
    let (mut l, mut rr) = (vec![0.0f32; 512], vec![0.0f32; 512]);
    l[0] = 1.0;
    r.process(&mut l, &mut rr);
    let (mut l, mut rr) = (vec![0.25f32; 512], vec![0.25f32; 512]);
    r.sleep(&s, &mut l, &mut rr);
    assert!(l.iter().chain(&rr).all(|v| *v == 0.0));
    // The tanks were cleared: an impulse now rings exactly as in a new reverb.
    let len = 4096;
    let (mut l, mut rr) = (vec![0.0f32; len], vec![0.0f32; len]);
    l[0] = 1.0;
    rr[0] = 1.0;
    for start in (0..len).step_by(512) {
        r.process(&mut l[start..start + 512], &mut rr[start..start + 512]);
    }
    assert!((l, rr) == impulse_response(s, len));
}

/// The whole engine at every SIMD level against its scalar paths: the FDN is bit-exact, the
/// wet filters' SIMD step equals the per-sample filters up to float rounding, so the outputs
/// agree to far below audibility (a wrong lane or a dropped sample would be of the order of
/// the signal).
#[test]
fn simd_levels_match_the_scalar_engine() {
    let _ftz = DenormalGuard::new();
    let s = ReverbSettings {
        low_cut_hz: 120.0,
        high_cut_hz: 6000.0,
        mix: 0.5,
        ..ReverbSettings::default()
    };
    let len = (0.5 * FS) as usize;
    let mut rng = crate::test_util::XorShift32(3);
    let x: Vec<f32> = (0..len).map(|_| 0.25 * rng.next_bipolar()).collect();
    let play = |simd: crate::simd::Simd| {
        let mut r = Reverb::new();
        r.set_simd(simd);
        r.settings = s;
        r.prepare(FS, 512);
        let (mut l, mut rr) = (x.clone(), x.clone());
        for (a, b) in l.chunks_mut(333).zip(rr.chunks_mut(333)) {
            r.process(a, b);
        }
        [l, rr].concat()
    };
    let scalar = play(crate::simd::Simd::scalar());
    for simd in crate::simd::levels_to_compare("reverb") {
        let got = play(simd);
        let worst = scalar
            .iter()
            .zip(&got)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("{simd:?}: largest difference {worst:e}");
        assert!(worst < 1e-4, "{simd:?}: {worst}");
    }
}
