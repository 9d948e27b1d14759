//! Dynamic bands against the math: the gain computer's curve, the envelope's time constants,
//! the detector's level and selectivity, the exactness of the moving design, and the engine's
//! settled gain at `f0`.

use super::*;
use crate::eq::engine::{BandTarget, SUB_BLOCK};
use crate::eq::{AnalogPrototype, EqEngine, SectionDesigner, SvfMix};
use crate::test_util::{log_freqs, XorShift32};

const FS: f32 = 48_000.0;

fn computer(direction: Direction, knee_db: f32) -> GainComputer {
    GainComputer {
        threshold_db: -30.0,
        ratio: 4.0,
        knee_db,
        direction,
        range_db: 12.0,
    }
}

#[test]
fn gain_computer_follows_the_static_curve() {
    let c = computer(Direction::Above, 0.0);
    // Hard knee: 0 below, (L − T)(1 − 1/R) above, clamped at the range.
    assert_eq!(c.move_db(-50.0), 0.0);
    assert_eq!(c.move_db(-30.0), 0.0);
    assert!((c.move_db(-22.0) - 6.0).abs() < 1e-5, "8 dB over × 3/4");
    assert_eq!(c.move_db(-10.0), 12.0, "20 dB over × 3/4 = 15, range 12");
    // Below: mirrored around the threshold.
    let b = computer(Direction::Below, 0.0);
    assert_eq!(b.move_db(-20.0), 0.0);
    assert!((b.move_db(-38.0) - 6.0).abs() < 1e-5);
    assert_eq!(b.move_db(-400.0), 12.0, "silence: the full range");
    // Soft knee (Giannoulis et al. eq. 4): continuous, (W/8)(1 − 1/R) at the threshold, the
    // hard curve outside ±W/2.
    let k = computer(Direction::Above, 6.0);
    assert!((k.move_db(-30.0) - 6.0 / 8.0 * 0.75).abs() < 1e-5);
    assert_eq!(k.move_db(-33.01), 0.0);
    assert!((k.move_db(-26.0) - 4.0 * 0.75).abs() < 1e-5);
    let mut prev = 0.0;
    for i in 0..=600 {
        let level = -40.0 + i as f32 * 0.05;
        let m = k.move_db(level);
        assert!(
            m >= prev - 1e-6 && m - prev < 0.05,
            "monotonic and continuous at {level}"
        );
        prev = m;
    }
    // Ratio 1: no move; ratio ∞ (large): the whole range as soon as past the knee.
    assert_eq!(GainComputer { ratio: 1.0, ..c }.move_db(0.0), 0.0);
    assert!((GainComputer { ratio: 1e9, ..c }.move_db(-29.0) - 1.0).abs() < 1e-4);
    // The power shortcut agrees with the dB curve.
    for level in [-60.0f32, -34.0, -31.0, -29.0, -20.0, 0.0] {
        let p = 10f32.powf(level / 10.0);
        for c in [k, computer(Direction::Below, 6.0)] {
            let q = c.quiet_power();
            assert!((c.move_for_power(p, q) - c.move_db(level)).abs() < 1e-4);
        }
    }
}

#[test]
fn fast_log2_is_log2() {
    let mut worst = 0.0f32;
    let mut x = 1e-20f32;
    while x < 1e6 {
        let e = (gain::fast_log2(x) - x.log2()).abs();
        worst = worst.max(e);
        x *= 1.013;
    }
    // 1e-5 octaves of power = 3e-5 dB (f32 rounding of results up to ±66).
    assert!(worst < 1e-5, "{worst}");
}

/// Samples until `env` (from 0, target `step`) first reaches 63.2 % of `step`.
fn time_to_63(env: &mut GainEnvelope, from: f32, to: f32) -> usize {
    env.reset(from);
    let goal = from + (1.0 - (-1.0f32).exp()) * (to - from);
    (1..1_000_000)
        .find(|_| {
            let v = env.next(to);
            if to > from {
                v >= goal
            } else {
                v <= goal
            }
        })
        .unwrap()
}

#[test]
fn envelope_time_constants_are_the_settings() {
    for (attack, release) in [(1.0f32, 50.0f32), (10.0, 150.0), (30.0, 1000.0)] {
        let mut env = GainEnvelope::new();
        env.prepare(FS);
        env.set_times(attack, release);
        let a = time_to_63(&mut env, 0.0, 10.0) as f32 / FS * 1000.0;
        let r = time_to_63(&mut env, 10.0, 0.0) as f32 / FS * 1000.0;
        // One-pole: 63 % after exactly τ (to the sample).
        assert!(
            (a - attack).abs() <= 1000.0 / FS + 1e-3,
            "attack {a} ms vs {attack}"
        );
        assert!(
            (r - release).abs() <= 1000.0 / FS + 1e-3,
            "release {r} ms vs {release}"
        );
    }
}

/// Detector level (dB) of a sine at `f` of amplitude `amp` after it settled (max and min of
/// the power over the last 50 ms).
fn detector_level(f0: f32, q: f32, f: f32, amp: f32) -> (f32, f32) {
    let mut d = BandDetector::new();
    d.prepare(FS);
    d.tune(f0, q);
    let n = (FS * 0.5) as usize;
    let (mut lo, mut hi) = (f32::MAX, 0.0f32);
    for i in 0..n {
        let x = amp * (std::f32::consts::TAU * f * i as f32 / FS).sin();
        let (_, p) = d.tick(0, x);
        if i > n - (FS * 0.05) as usize {
            lo = lo.min(p);
            hi = hi.max(p);
        }
    }
    (10.0 * lo.log10(), 10.0 * hi.log10())
}

#[test]
fn detector_reads_the_peak_level_at_f0_without_ripple() {
    for f0 in [60.0f32, 1000.0, 8000.0, 16_000.0] {
        for q in [0.5f32, 1.0, 4.0] {
            let (lo, hi) = detector_level(f0, q, f0, 0.1);
            // A sine of amplitude 0.1 is −20 dBFS peak; quadrature: no ripple.
            assert!(
                (lo + 20.0).abs() < 0.05 && (hi + 20.0).abs() < 0.05,
                "{f0} Q{q}: {lo} {hi}"
            );
        }
    }
}

#[test]
fn detector_is_selective() {
    // One octave off at Q ≥ 2, two octaves at Q 1: the louder of the last stage's quadrature
    // pair — two stages' attenuation times the partner's (analog: 13.3 dB at Q 1 one octave
    // off, 28.1 dB at Q 2, 45 dB at Q 4; 29 dB at Q 1 two octaves off) — and the louder end of
    // the ripple never far above the band-pass itself.
    for (q, octaves, at_least) in [
        (1.0f32, 1.0f32, 12.0f32),
        (1.0, 2.0, 27.0),
        (2.0, 1.0, 26.0),
        (4.0, 1.0, 40.0),
    ] {
        for f0 in [200.0f32, 1000.0, 4000.0] {
            let m = 2f32.powf(octaves);
            for f in [f0 * m, f0 / m] {
                let (_, hi) = detector_level(f0, q, f, 1.0);
                let analog = 10.0 * BandDetector::magnitude(f0, q, f).powi(2).log10();
                assert!(-hi >= at_least, "Q {q}, {f0} Hz band, {f} Hz: {hi} dB");
                assert!(hi < analog + 8.0, "ripple peak {hi} vs analog {analog}");
            }
        }
    }
}

/// Largest deviation (dB) of `design` from the prototype of `band`, 20 Hz–20 kHz dense.
fn dense_error(design: &crate::eq::DigitalBand, band: &EqBand, fs: f64) -> f64 {
    let proto = AnalogPrototype::new(band);
    log_freqs(20.0, 20_000.0f64.min(0.46 * fs), 400)
        .into_iter()
        .map(|f| (design.magnitude_db(f, fs) - proto.magnitude_db(f)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn moving_design_is_the_prototype_at_every_gain() {
    // ±12 dB, f0 up to 16 kHz, the types a dynamic band can have: within 0.25 dB (the static
    // bands' tolerance) at every gain a band passes through.
    let mut worst = 0.0f64;
    let mut fast = 0usize;
    let mut total = 0usize;
    for fs in [44_100.0f64, 48_000.0, 96_000.0] {
        let designer = SectionDesigner::new(fs);
        for kind in [
            BandType::Bell,
            BandType::LowShelf,
            BandType::HighShelf,
            BandType::TiltShelf,
        ] {
            for f0 in [30.0f32, 200.0, 1000.0, 4000.0, 8000.0, 12_000.0, 16_000.0] {
                for q in [0.5f32, 1.0, 3.0] {
                    for g in [-12.0f32, -6.5, -2.0, -0.3, 0.3, 3.0, 7.5, 12.0] {
                        let band = EqBand {
                            kind,
                            freq_hz: f0,
                            gain_db: g,
                            q,
                            ..EqBand::default()
                        };
                        let (d, full) = moving_design(&designer, &band, fs);
                        let e = dense_error(&d, &band, fs);
                        assert!(e < 0.25, "{kind:?} {f0} Hz Q {q} {g} dB @ {fs}: {e} dB");
                        worst = worst.max(e);
                        total += 1;
                        fast += usize::from(!full);
                    }
                }
            }
        }
    }
    println!("moving design: worst {worst:.3} dB; closed form used in {fast} of {total}");
}

#[test]
fn a_ramp_between_close_gains_stays_on_the_prototype() {
    const STEP: f32 = 1.5;
    // The bank ramps the SVF mix coefficients linearly across a sub-block. Between designs
    // STEP dB apart, every point of the ramp is the prototype at the interpolated gain (in dB)
    // within 0.25 dB. A 12 dB move at 10 ms attack steps by ≤ 1.5 dB per 64 samples at 48 kHz
    // (12·(1 − e^(−1.33/10))); faster attacks step further (see the report in the README).
    let fs = 48_000.0;
    let designer = SectionDesigner::new(fs);
    let mut worst = 0.0f64;
    for kind in [BandType::Bell, BandType::HighShelf, BandType::LowShelf] {
        for f0 in [100.0f32, 1000.0, 6000.0, 14_000.0] {
            for q in [0.7f32, 2.0] {
                let mut g = 0.0f32;
                while g > -12.0 {
                    let (g0, g1) = (g, g - STEP);
                    let band = |gain_db| EqBand {
                        kind,
                        freq_hz: f0,
                        gain_db,
                        q,
                        ..EqBand::default()
                    };
                    let (d0, _) = moving_design(&designer, &band(g0), fs);
                    let (d1, _) = moving_design(&designer, &band(g1), fs);
                    g = g1;
                    if d0.sections().len() != d1.sections().len() || d0.sections().len() != 1 {
                        continue;
                    }
                    let (m0, m1) = (
                        SvfMix::from_biquad(&d0.sections()[0]),
                        SvfMix::from_biquad(&d1.sections()[0]),
                    );
                    for t in [0.25, 0.5, 0.75] {
                        let lerp = |a: f64, b: f64| a + t * (b - a);
                        let m = SvfMix {
                            g: lerp(m0.g, m1.g),
                            k: lerp(m0.k, m1.k),
                            c0: lerp(m0.c0, m1.c0),
                            c1: lerp(m0.c1, m1.c1),
                            c2: lerp(m0.c2, m1.c2),
                        };
                        let bq = m.to_biquad();
                        let at = band(g0 + t as f32 * (g1 - g0));
                        let proto = AnalogPrototype::new(&at);
                        let e = log_freqs(20.0, 20_000.0, 200)
                            .into_iter()
                            .map(|f| (bq.magnitude_db(f, fs) - proto.magnitude_db(f)).abs())
                            .fold(0.0, f64::max);
                        worst = worst.max(e);
                        assert!(e < 0.25, "{kind:?} {f0} Q{q} {g0}→{g1} at {t}: {e}");
                    }
                }
            }
        }
    }
    println!("mid-ramp worst {worst:.3} dB");
}

fn bell_targets(f0: f32, gain_db: f32, q: f32) -> [BandTarget; MAX_BANDS] {
    let mut t = [None; MAX_BANDS];
    t[0] = Some((
        EqBand {
            kind: BandType::Bell,
            freq_hz: f0,
            gain_db,
            q,
            ..EqBand::default()
        },
        Placement::Stereo,
    ));
    t
}

/// Amplitude (dB) of the component at `f` in `x` (single-bin DFT over whole periods).
fn tone_db(x: &[f32], f: f32) -> f32 {
    let period = FS / f;
    let n = ((x.len() as f32 / period).floor() * period) as usize;
    let x = &x[x.len() - n..];
    let (mut c, mut s) = (0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        let ph = std::f64::consts::TAU * f64::from(f) * i as f64 / f64::from(FS);
        c += f64::from(v) * ph.cos();
        s += f64::from(v) * ph.sin();
    }
    (20.0 * (2.0 * (c * c + s * s).sqrt() / n as f64).log10()) as f32
}

fn sine(f: f32, amp: f32, n: usize, offset: usize) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (std::f32::consts::TAU * f * (i + offset) as f32 / FS).sin())
        .collect()
}

#[test]
fn engine_settles_on_the_gain_computer_at_f0() {
    let settings = DynamicSettings {
        threshold_db: -40.0,
        ratio: 3.0,
        knee_db: 6.0,
        attack_ms: 5.0,
        release_ms: 50.0,
        ..DynamicSettings::default()
    };
    let targets = bell_targets(1000.0, -15.0, 1.0);
    let mut engine = EqEngine::new();
    engine.set_dynamic(0, Some(settings));
    engine.prepare(FS, 512, &targets);
    let c = GainComputer {
        threshold_db: -40.0,
        ratio: 3.0,
        knee_db: 6.0,
        direction: Direction::Above,
        range_db: 15.0,
    };
    let mut offset = 0;
    for level in (-60..=0).step_by(5) {
        let amp = 10f32.powf(level as f32 / 20.0);
        let n = (FS * 0.3) as usize;
        let mut l = sine(1000.0, amp, n, offset);
        let mut r = l.clone();
        offset += n;
        for (a, b) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
            engine.process(a, b, &targets);
        }
        let gain = tone_db(&l[n / 2..], 1000.0) - level as f32;
        let expected = -c.move_db(level as f32);
        assert!(
            (gain - expected).abs() < 0.25,
            "{level} dBFS: gain {gain} dB, curve {expected} dB"
        );
        assert!((engine.dynamic_gain_db(0).unwrap() - expected).abs() < 0.05);
    }
}

#[test]
fn engine_band_moves_with_the_sidechain_not_the_main_input() {
    let settings = DynamicSettings {
        threshold_db: -40.0,
        ratio: 100.0,
        source: DetectorSource::Sidechain,
        ..DynamicSettings::default()
    };
    let targets = bell_targets(1000.0, -10.0, 1.0);
    let mut engine = EqEngine::new();
    engine.set_dynamic(0, Some(settings));
    engine.prepare(FS, 512, &targets);
    let n = (FS * 0.5) as usize;
    let loud = sine(1000.0, 0.5, n, 0);
    let quiet = vec![0.0f32; n];
    // Loud main input, silent sidechain: no move.
    let (mut l, mut r) = (loud.clone(), loud.clone());
    engine.process_keyed(&mut l, &mut r, Some((&quiet, &quiet)), &targets);
    assert!(engine.dynamic_gain_db(0).unwrap().abs() < 0.01);
    assert!((tone_db(&l[n / 2..], 1000.0) - tone_db(&loud, 1000.0)).abs() < 0.05);
    // No sidechain connected: silence, still no move.
    let (mut l, mut r) = (loud.clone(), loud.clone());
    engine.process_keyed(&mut l, &mut r, None, &targets);
    assert!(engine.dynamic_gain_db(0).unwrap().abs() < 0.01);
    // Loud sidechain (on a quiet main): the full range.
    let key = sine(1000.0, 0.5, n, 0);
    let small = sine(1000.0, 0.01, n, 0);
    let (mut l, mut r) = (small.clone(), small.clone());
    engine.process_keyed(&mut l, &mut r, Some((&key, &key)), &targets);
    let g = tone_db(&l[n / 2..], 1000.0) - tone_db(&small, 1000.0);
    assert!((g + 10.0).abs() < 0.1, "moved by {g} dB");
}

#[test]
fn engine_design_is_exact_while_it_moves() {
    // Noise bursts at f0 drive a high-frequency bell (where the closed form is not enough)
    // up and down; after every sub-block the design the bank ramps to is the prototype at the
    // band's current gain within 0.25 dB.
    let settings = DynamicSettings {
        threshold_db: -30.0,
        ratio: 8.0,
        attack_ms: 2.0,
        release_ms: 20.0,
        ..DynamicSettings::default()
    };
    for (f0, q) in [
        (1000.0f32, 2.0f32),
        (4000.0, 0.7),
        (8000.0, 1.0),
        (12_000.0, 2.0),
        (16_000.0, 0.5),
    ] {
        let targets = bell_targets(f0, 12.0, q);
        let mut engine = EqEngine::new();
        engine.set_dynamic(0, Some(settings));
        engine.prepare(FS, 512, &targets);
        let mut rng = XorShift32(7);
        let mut moved = 0;
        for block in 0..400 {
            let amp = if (block / 25) % 2 == 0 { 0.5 } else { 0.001 };
            let mut l: Vec<f32> = (0..SUB_BLOCK).map(|_| amp * rng.next_bipolar()).collect();
            let mut r = l.clone();
            engine.process(&mut l, &mut r, &targets);
            let gain = engine.dynamic_gain_db(0).unwrap();
            let (band, _) = engine.bank().band(0).unwrap();
            assert!((band.gain_db - gain).abs() <= GAIN_QUANTUM_DB + 1e-6);
            if gain.abs() > 0.5 && gain < 11.5 {
                moved += 1;
            }
            let design = engine.bank().band_design(0).unwrap();
            let e = dense_error(design, &band, f64::from(FS));
            assert!(e < 0.25, "{f0} Hz at {} dB: {e} dB", band.gain_db);
        }
        assert!(moved > 20, "the band moved ({moved} sub-blocks in between)");
    }
}

#[test]
fn linear_phase_mode_holds_dynamic_bands_static() {
    let targets = bell_targets(1000.0, -10.0, 1.0);
    let mut engine = EqEngine::new();
    engine.set_dynamic(0, Some(DynamicSettings::default()));
    engine.prepare(FS, 512, &targets);
    assert_eq!(
        engine.bank().band(0).unwrap().0.gain_db,
        0.0,
        "at rest: flat"
    );
    engine.set_mode(crate::eq::EqMode::LinearPhase);
    assert_eq!(engine.dynamic_gain_db(0), None);
    assert_eq!(
        engine.bank().band(0).unwrap().0.gain_db,
        -10.0,
        "static gain"
    );
}

/// The side-by-side detectors ([`DynamicBands::run_bands`], a [`DetectorGroup`]) give the
/// same gains, sample-exact, as each band on its own ([`DynamicBands::run_band`]), for every
/// placement, both sources, a band without range, and the listen signal.
#[test]
fn grouped_detectors_equal_the_per_band_path() {
    let band = |freq_hz, gain_db, q| EqBand {
        kind: BandType::Bell,
        freq_hz,
        gain_db,
        q,
        ..EqBand::default()
    };
    let members = [
        (1, band(120.0, -9.0, 1.0), Placement::Stereo),
        (3, band(900.0, 6.0, 2.0), Placement::Mid),
        (4, band(3000.0, -12.0, 0.7), Placement::Side),
        (7, band(7000.0, 0.0, 1.0), Placement::Left),
        (9, band(12_000.0, -4.0, 4.0), Placement::Right),
    ];
    let settings = |i: usize| DynamicSettings {
        threshold_db: -40.0 + 3.0 * i as f32,
        ratio: 2.0 + i as f32,
        attack_ms: 1.0 + i as f32,
        release_ms: 30.0,
        direction: if i == 3 {
            Direction::Below
        } else {
            Direction::Above
        },
        source: if i == 4 {
            DetectorSource::Sidechain
        } else {
            DetectorSource::Band
        },
        ..DynamicSettings::default()
    };
    let mut grouped = DynamicBands::new();
    grouped.prepare(FS, SUB_BLOCK);
    let mut single = grouped.clone();
    for &(i, _, _) in &members {
        grouped.set(i, Some(settings(i)));
        single.set(i, Some(settings(i)));
    }
    let mut rng = XorShift32(7);
    for block in 0..200 {
        let listen = Some(members[block % members.len()].0);
        grouped.set_listen(listen);
        single.set_listen(listen);
        let g = if (block / 20) % 2 == 0 { 1.0 } else { 0.01 };
        let mut sig = |_| g * rng.next_bipolar();
        let (l, r): (Vec<f32>, Vec<f32>) = (0..SUB_BLOCK).map(|i| (sig(i), sig(i))).unzip();
        let (kl, kr): (Vec<f32>, Vec<f32>) = (0..SUB_BLOCK).map(|i| (sig(i), sig(i))).unzip();
        let key = Some((&kl[..], &kr[..]));
        let mut gains = [f32::NAN; MAX_BANDS];
        for group in members.chunks(GROUP_BANDS) {
            grouped.run_bands(group, (&l, &r), key, &mut gains);
        }
        for &(i, b, p) in &members {
            let want = single.run_band(i, &b, p, (&l, &r), key);
            assert_eq!(gains[i], want, "band {i}, block {block}");
            if listen == Some(i) {
                assert_eq!(grouped.listen_left, single.listen_left, "band {i}");
                assert_eq!(grouped.listen_right, single.listen_right, "band {i}");
            }
        }
    }
    assert!(
        members
            .iter()
            .any(|&(i, _, _)| grouped.band(i).move_db() > 1.0),
        "the bands moved"
    );
}
