//! Tests of the EQ against the analog math (accuracy tables, processed
//! sines, modulation, numerical residual).

use super::*;

const Q_SET: [f32; 4] = [0.3, 0.7, 3.0, 10.0];
const F0_SET: [f32; 5] = [1000.0, 4000.0, 8000.0, 12_000.0, 16_000.0];

fn band(kind: BandType, f: f32, g: f32, q: f32) -> EqBand {
    EqBand {
        kind,
        freq_hz: f,
        gain_db: g,
        q,
        slope: CutSlope::Db12,
    }
}

/// Dense check grid: 800 log points 20 Hz–20 kHz plus f0 ± fractions of
/// its bandwidth.
fn check_freqs(f0: f64, q: f64) -> Vec<f64> {
    let mut v: Vec<f64> = (0..800)
        .map(|i| 20.0 * 1000f64.powf(i as f64 / 799.0))
        .collect();
    for m in -20..=20 {
        let f = f0 * (m as f64 * 0.05 / q.max(0.3)).exp();
        if (20.0..=20_000.0).contains(&f) {
            v.push(f);
        }
    }
    v
}

/// Max |digital − analog| (dB) over 20 Hz–20 kHz, digital from the
/// coefficients.
fn max_dev(b: &EqBand, fs: f64) -> f64 {
    let d = DigitalBand::design(&SectionDesigner::new(fs), b);
    let proto = AnalogPrototype::new(b);
    check_freqs(b.freq_hz as f64, b.q as f64)
        .into_iter()
        .map(|f| (d.magnitude_db(f, fs) - proto.magnitude_db(f)).abs())
        .fold(0.0, f64::max)
}

/// Worst deviation over a set of settings.
fn worst(kinds: &[BandType], fs: f64, gains: &[f32], qs: &[f32], f0s: &[f32]) -> (f64, EqBand) {
    let mut w = (0.0, EqBand::default());
    for &kind in kinds {
        for &g in gains {
            for &q in qs {
                for &f0 in f0s {
                    let b = band(kind, f0, g, q);
                    let e = max_dev(&b, fs);
                    if e > w.0 {
                        w = (e, b);
                    }
                }
            }
        }
    }
    w
}

const BELL_SHELF: [BandType; 4] = [
    BandType::Bell,
    BandType::LowShelf,
    BandType::HighShelf,
    BandType::TiltShelf,
];

#[test]
fn bells_follow_analog_up_to_16k() {
    // Issue 4 target: ≤ 0.25 dB for ±12 dB, Q 0.3–10, f0 ≤ 16 kHz;
    // ≤ 1 dB up to ±24 dB and Q 0.1. Measured (bells near Nyquist become
    // two jointly fitted sections, see `design`): ±12 dB 0.151 dB at
    // 44.1 kHz (f0 8 kHz, Q 0.3), 0.144 dB at 48 kHz; ±24 dB 0.138 / 0.125
    // dB. One section only, before: 0.256 / 0.189 dB and 0.401 / 0.334 dB.
    // Both asserted at 0.25 dB.
    for fs in [44_100.0, 48_000.0] {
        let (e, b) = worst(
            &[BandType::Bell],
            fs,
            &[-12.0, -6.0, 6.0, 12.0],
            &Q_SET,
            &F0_SET,
        );
        println!("bell ±12 @ {fs}: {e:.3} dB ({b:?})");
        assert!(e < 0.25, "{fs}: {e} {b:?}");
        let (e, b) = worst(
            &[BandType::Bell],
            fs,
            &[-24.0, 24.0],
            &[0.1, 0.3, 0.7, 3.0, 10.0],
            &F0_SET,
        );
        println!("bell ±24 @ {fs}: {e:.3} dB ({b:?})");
        assert!(e < 0.25, "{fs}: {e} {b:?}");
    }
}

#[test]
fn shelves_follow_analog_up_to_16k() {
    // Low, high and tilt shelves, same targets as the bells. Measured
    // (44.1 / 48 kHz): Q ≤ 0.7 ±12 dB 0.082 / 0.135 dB, ±24 dB 0.139 /
    // 0.126 dB; resonant (Q 3–10) ±12 dB 0.147 / 0.147 dB, ±24 dB 0.118 /
    // 0.145 dB. One section only, before: Q ≤ 0.7 0.118 / 0.178 and 0.197 /
    // 0.281 dB; resonant 1.32 / 0.89 dB and 1.64 / 0.84 dB (f0 8–16 kHz).
    // All asserted at 0.25 dB.
    let kinds = &BELL_SHELF[1..];
    for fs in [44_100.0, 48_000.0] {
        for (name, gains, qs) in [
            (
                "Q≤0.7 ±12",
                &[-12.0f32, -6.0, 6.0, 12.0][..],
                &[0.3f32, 0.7][..],
            ),
            ("Q≤0.7 ±24", &[-24.0, 24.0][..], &[0.1, 0.3, 0.7][..]),
            (
                "Q 3–10 ±12",
                &[-12.0, -6.0, 6.0, 12.0][..],
                &[3.0, 10.0][..],
            ),
            ("Q 3–10 ±24", &[-24.0, 24.0][..], &[3.0, 10.0][..]),
        ] {
            let (e, b) = worst(kinds, fs, gains, qs, &F0_SET);
            println!("shelf {name} @ {fs}: {e:.3} dB ({b:?})");
            assert!(e < 0.25, "{fs}: {e} {b:?}");
        }
    }
}

#[test]
fn two_sections_only_where_needed() {
    // A bell or shelf keeps one section unless one cannot follow the
    // analog curve: mid-band settings and every band at 96 kHz stay single.
    for kind in BELL_SHELF {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for f0 in [100.0f32, 1000.0, 3000.0] {
                for q in [0.7f32, 3.0] {
                    let d = DigitalBand::design(&SectionDesigner::new(fs), &band(kind, f0, 6.0, q));
                    assert_eq!(d.sections().len(), 1, "{kind:?} {f0} q {q} @ {fs}");
                }
            }
        }
        let d = DigitalBand::design(
            &SectionDesigner::new(96_000.0),
            &band(kind, 12_000.0, 12.0, 0.7),
        );
        assert_eq!(d.sections().len(), 1, "{kind:?} 12 kHz @ 96 kHz");
    }
    // A resonant shelf near Nyquist needs two.
    let b = band(BandType::TiltShelf, 8000.0, -12.0, 10.0);
    let d = DigitalBand::design(&SectionDesigner::new(44_100.0), &b);
    assert_eq!(d.sections().len(), 2);
}

/// Max deviation of a cut in its pass and transition band (analog response
/// above −24 dB); deeper in the stop band a fraction of a dB at −50 dB and
/// below is not heard (e.g. 0.27 dB at 20 kHz for a 1 kHz 12 dB/oct high cut,
/// 44.1 kHz).
fn cut_dev(b: &EqBand, fs: f64) -> f64 {
    let d = DigitalBand::design(&SectionDesigner::new(fs), b);
    let proto = AnalogPrototype::new(b);
    check_freqs(b.freq_hz as f64, b.q as f64)
        .into_iter()
        .filter(|&f| proto.magnitude_db(f) > -24.0)
        .map(|f| (d.magnitude_db(f, fs) - proto.magnitude_db(f)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn cuts_follow_analog() {
    for fs in [44_100.0, 48_000.0] {
        for kind in [BandType::LowCut, BandType::HighCut] {
            for slope in CutSlope::ALL {
                for q in [0.707f32, 2.0] {
                    for f0 in [40.0f32, 1000.0, 8000.0, 18_000.0] {
                        let mut b = band(kind, f0, 0.0, q);
                        b.slope = slope;
                        let e = cut_dev(&b, fs);
                        // Measured: up to 1 kHz ≤ 0.28 dB (72 dB/oct: the
                        // small errors of 6 sections add up); resonant or
                        // steep cuts near Nyquist up to 1.8 dB (report
                        // table). Bounded at 0.5 / 2 dB so a regression shows;
                        // neither is the 0.25 dB bell target.
                        let tol = if f0 <= 1000.0 { 0.5 } else { 2.0 };
                        assert!(e < tol, "{kind:?} {slope:?} q {q} f0 {f0} @ {fs}: {e}");
                    }
                }
            }
        }
    }
    // The analog slope itself: n·6 dB per octave far from f0.
    let mut b = band(BandType::LowCut, 1000.0, 0.0, 0.707);
    b.slope = CutSlope::Db96;
    let d = DigitalBand::design(&SectionDesigner::new(48_000.0), &b);
    let oct = d.magnitude_db(250.0, 48_000.0) - d.magnitude_db(125.0, 48_000.0);
    assert!((oct - 96.0).abs() < 0.5, "{oct}");
}

#[test]
fn notch_and_band_pass_follow_analog() {
    for fs in [44_100.0, 48_000.0] {
        for f0 in F0_SET {
            for q in [0.7f32, 3.0, 10.0] {
                let b = band(BandType::Notch, f0, 0.0, q);
                let d = DigitalBand::design(&SectionDesigner::new(fs), &b);
                // Exact zero at f0.
                assert!(d.magnitude_db(f0 as f64, fs) < -100.0);
                let proto = AnalogPrototype::new(&b);
                for f in check_freqs(f0 as f64, q as f64) {
                    let a = proto.magnitude_db(f);
                    if a > -20.0 {
                        let e = (d.magnitude_db(f, fs) - a).abs();
                        assert!(e < 0.5, "notch {f0} q {q} f {f} @ {fs}: {e}");
                    }
                }
                let b = band(BandType::BandPass, f0, 0.0, q);
                let e = cut_dev(&b, fs);
                assert!(e < 1.0, "band pass {f0} q {q} @ {fs}: {e}");
            }
        }
    }
}

#[test]
fn sections_are_stable_everywhere() {
    // Every type over the whole parameter range: poles strictly inside.
    for fs in [44_100.0, 48_000.0, 96_000.0, 192_000.0] {
        let designer = SectionDesigner::new(fs);
        for kind in BELL_SHELF.iter().copied().chain([
            BandType::LowCut,
            BandType::HighCut,
            BandType::Notch,
            BandType::BandPass,
        ]) {
            for f0 in [10.0f32, 100.0, 3000.0, 15_000.0, 21_000.0, 30_000.0] {
                for q in [0.1f32, 1.0, 40.0] {
                    for g in [-30.0f32, 30.0] {
                        let mut b = band(kind, f0, g, q);
                        b.slope = CutSlope::Db96;
                        let d = DigitalBand::design(&designer, &b);
                        for s in d.sections() {
                            assert!(s.pole_radius() < 1.0, "{b:?} @ {fs}: {s:?}");
                            assert!(s.b.iter().all(|x| x.is_finite()));
                        }
                    }
                }
            }
        }
    }
}

fn sine(f: f64, fs: f64, amp: f64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (2.0 * std::f64::consts::PI * f * i as f64 / fs).sin()) as f32)
        .collect()
}

/// Amplitude (dB re `amp`) of the component at `f` in `y[from..]`
/// (least-squares fit of sin and cos over whole samples).
fn tone_db(y: &[f32], from: usize, f: f64, fs: f64, amp: f64) -> f64 {
    let (mut ss, mut cc, mut sc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &v) in y.iter().enumerate().skip(from) {
        let ph = 2.0 * std::f64::consts::PI * f * i as f64 / fs;
        let (sn, cs) = ph.sin_cos();
        ss += sn * sn;
        cc += cs * cs;
        sc += sn * cs;
        ys += v as f64 * sn;
        yc += v as f64 * cs;
    }
    let det = ss * cc - sc * sc;
    let a = (ys * cc - yc * sc) / det;
    let b = (yc * ss - ys * sc) / det;
    20.0 * ((a * a + b * b).sqrt() / amp).log10()
}

fn run_bank(bank: &mut EqSectionBank, x: &[f32], block: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut l, mut r) = (x.to_vec(), x.to_vec());
    for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
        bank.process(cl, cr);
    }
    (l, r)
}

#[test]
fn processed_sines_match_design_and_analog() {
    for (fs, kind, f0, g, q, f) in [
        (
            48_000.0,
            BandType::Bell,
            16_000.0f32,
            12.0f32,
            0.7f32,
            16_000.0,
        ),
        (48_000.0, BandType::Bell, 16_000.0, 12.0, 0.7, 19_000.0),
        (
            44_100.0,
            BandType::HighShelf,
            10_000.0,
            -12.0,
            0.7,
            15_000.0,
        ),
        (44_100.0, BandType::Bell, 1000.0, -24.0, 3.0, 1000.0),
        (48_000.0, BandType::HighCut, 18_000.0, 0.0, 0.707, 12_000.0),
        // Two sections (a resonant shelf near Nyquist).
        (44_100.0, BandType::TiltShelf, 8000.0, -12.0, 10.0, 7500.0),
        (48_000.0, BandType::LowShelf, 16_000.0, 12.0, 10.0, 18_000.0),
    ] {
        let mut bank = EqSectionBank::new();
        bank.prepare(fs as f32, 256);
        let mut b = band(kind, f0, g, q);
        b.slope = CutSlope::Db48;
        bank.set_band(0, b, Placement::Stereo);
        bank.snap_band(0);
        let x = sine(f, fs, 0.25, fs as usize / 2);
        let (l, r) = run_bank(&mut bank, &x, 256);
        let got = tone_db(&l, fs as usize / 4, f, fs, 0.25);
        assert_eq!(l, r);
        let d = bank.band_design(0).unwrap();
        if q == 10.0 {
            assert_eq!(d.sections().len(), 2, "{kind:?} {f0} @ {fs}");
        }
        let design = d.magnitude_db(f, fs);
        let analog = analog_magnitude_db(&b, f);
        println!(
            "{kind:?} {f0} @ {fs}, tone {f}: {got:.4} dB, design {design:.4}, analog {analog:.4}"
        );
        assert!((got - design).abs() < 0.01, "{got} vs {design}");
        assert!((got - analog).abs() < 0.25, "{got} vs {analog}");
    }
}

#[test]
fn two_section_band_settles_and_moves_in_the_bank() {
    // While the band moves it runs the closed form (one section); once it
    // has stood still, `process` swaps in the joint two-section fit (the
    // second section fades in); when it moves again the second one fades
    // out. Each time the output follows the band's current design.
    let fs = 44_100.0;
    let block = 64;
    let f = 12_000.0;
    let x = sine(f, fs, 0.25, fs as usize / 2);
    let mut bank = EqSectionBank::new();
    bank.prepare(fs as f32, block);
    let b = band(BandType::TiltShelf, 8000.0, -12.0, 10.0);
    bank.set_band(0, b, Placement::Stereo);
    assert_eq!(bank.band_design(0).unwrap().sections().len(), 1);
    let (l, r) = run_bank(&mut bank, &x, block);
    assert_eq!(l, r);
    let d = *bank.band_design(0).unwrap();
    assert_eq!(d.sections().len(), 2);
    let got = tone_db(&l, x.len() / 2, f, fs, 0.25);
    let analog = analog_magnitude_db(&b, f);
    println!(
        "settled: {got:.4} dB, design {:.4}, analog {analog:.4}",
        d.magnitude_db(f, fs)
    );
    assert!((got - d.magnitude_db(f, fs)).abs() < 0.01, "{got}");
    assert!((got - analog).abs() < 0.25, "{got} vs {analog}");
    // Moves: one section again.
    bank.set_band(
        0,
        band(BandType::TiltShelf, 9000.0, -12.0, 10.0),
        Placement::Stereo,
    );
    let d = *bank.band_design(0).unwrap();
    assert_eq!(d.sections().len(), 1);
    let (l, _) = run_bank(&mut bank, &x[..1024], block);
    assert!(l.iter().all(|v| v.is_finite()));
    let got = tone_db(&l, 512, f, fs, 0.25);
    println!("moving: {got:.4} dB, design {:.4}", d.magnitude_db(f, fs));
    assert!((got - d.magnitude_db(f, fs)).abs() < 0.01, "{got}");
}

/// Largest |second difference| of `y[from..]`.
fn max_d2(y: &[f32], from: usize) -> f64 {
    y.windows(3)
        .skip(from)
        .map(|w| (w[2] as f64 - 2.0 * w[1] as f64 + w[0] as f64).abs())
        .fold(0.0, f64::max)
}

#[test]
fn frequency_sweep_does_not_click() {
    // f0 swept 20 Hz → 20 kHz (log) in 1 s, set per 64-sample block, on a
    // 1 kHz sine. Reference: the largest second difference of the
    // *unmodulated* output over 60 static f0 along the same path.
    let fs = 48_000.0;
    let block = 64;
    for (kind, g, q, slope) in [
        (BandType::Bell, 12.0f32, 2.0f32, CutSlope::Db12),
        (BandType::Bell, -24.0, 8.0, CutSlope::Db12),
        (BandType::LowCut, 0.0, 2.0, CutSlope::Db48),
        (BandType::HighShelf, 12.0, 0.7, CutSlope::Db12),
    ] {
        let x = sine(1000.0, fs, 0.5, fs as usize);
        let mk = |f: f32| EqBand {
            kind,
            freq_hz: f,
            gain_db: g,
            q,
            slope,
        };
        let mut reference = 0.0f64;
        for i in 0..60 {
            let f = 20.0 * 1000f32.powf(i as f32 / 59.0);
            let mut bank = EqSectionBank::new();
            bank.prepare(fs as f32, block);
            bank.set_band(0, mk(f), Placement::Stereo);
            bank.snap_band(0);
            let (l, _) = run_bank(&mut bank, &x[..12_000], block);
            reference = reference.max(max_d2(&l, 6000));
        }
        let mut bank = EqSectionBank::new();
        bank.prepare(fs as f32, block);
        bank.set_band(0, mk(20.0), Placement::Stereo);
        bank.snap_band(0);
        let (mut l, mut r) = (x.clone(), x.clone());
        for (i, (cl, cr)) in l.chunks_mut(block).zip(r.chunks_mut(block)).enumerate() {
            let u = (i * block) as f32 / fs as f32;
            bank.set_band(0, mk(20.0 * 1000f32.powf(u)), Placement::Stereo);
            bank.process(cl, cr);
        }
        let modulated = max_d2(&l, 2);
        println!(
            "{kind:?} sweep: max Δ² {modulated:.5} vs static {reference:.5} (ratio {:.3})",
            modulated / reference
        );
        assert!(l.iter().all(|v| v.is_finite()));
        assert!(
            modulated < 2.0 * reference,
            "{kind:?}: {modulated} vs {reference}"
        );
    }
}

/// 64-bit direct-form-I reference of a designed band.
fn reference_f64(d: &DigitalBand, x: &[f32]) -> Vec<f64> {
    let mut y: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    for s in d.sections() {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in y.iter_mut() {
            let x0 = *v;
            let y0 = s.b[0] * x0 + s.b[1] * x1 + s.b[2] * x2 - s.a[1] * y1 - s.a[2] * y2;
            (x2, x1, y2, y1) = (x1, x0, y1, y0);
            *v = y0;
        }
    }
    y
}

/// The section kernel with `f32` state and coefficients (what an all-f32
/// implementation would do), for the measurement that justifies f64.
fn run_f32_svf(d: &DigitalBand, x: &[f32]) -> Vec<f32> {
    let mut y = x.to_vec();
    for s in d.sections() {
        let m = SvfMix::from_biquad(s);
        let (g, k) = (m.g as f32, m.k as f32);
        let a1 = 1.0 / (1.0 + g * (g + k));
        let (a2, a3) = (g * a1, g * g * a1);
        let (c0, c1, c2) = (m.c0 as f32, m.c1 as f32, m.c2 as f32);
        let (mut ic1, mut ic2) = (0.0f32, 0.0f32);
        for v in y.iter_mut() {
            let v3 = *v - ic2;
            let v1 = a1 * ic1 + a2 * v3;
            let v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2.0 * v1 - ic1;
            ic2 = 2.0 * v2 - ic2;
            *v = c0 * *v + c1 * v1 + c2 * v2;
        }
    }
    y
}

fn residual_dbfs(y: &[f32], reference: &[f64], from: usize) -> f64 {
    let e: f64 = y[from..]
        .iter()
        .zip(&reference[from..])
        .map(|(&a, &b)| (a as f64 - b).powi(2))
        .sum::<f64>()
        / (y.len() - from) as f64;
    10.0 * e.max(1e-40).log10()
}

#[test]
fn low_frequency_numerical_quality() {
    // 20 Hz bell at 192 kHz and 10 Hz low cut at 96 kHz, −20 dBFS sines:
    // within 0.1 dB of the analog design, residual against a 64-bit
    // reference below −110 dBFS (RMS). The f32 version of the same kernel
    // is measured alongside.
    let amp = 0.1;
    for (fs, b, tones) in [
        (
            192_000.0,
            band(BandType::Bell, 20.0, 12.0, 0.7),
            [20.0, 40.0, 1000.0],
        ),
        (
            192_000.0,
            band(BandType::Bell, 20.0, -12.0, 3.0),
            [20.0, 25.0, 1000.0],
        ),
        (
            96_000.0,
            EqBand {
                slope: CutSlope::Db24,
                ..band(BandType::LowCut, 10.0, 0.0, 0.707)
            },
            [10.0, 20.0, 100.0],
        ),
        (
            96_000.0,
            EqBand {
                slope: CutSlope::Db96,
                ..band(BandType::LowCut, 10.0, 0.0, 0.707)
            },
            [10.0, 14.0, 1000.0],
        ),
    ] {
        for f in tones {
            let n = (fs * 2.0) as usize;
            let x = sine(f, fs, amp, n);
            let mut bank = EqSectionBank::new();
            bank.prepare(fs as f32, 512);
            bank.set_band(0, b, Placement::Stereo);
            bank.snap_band(0);
            let (l, _) = run_bank(&mut bank, &x, 512);
            let d = *bank.band_design(0).unwrap();
            let reference = reference_f64(&d, &x);
            let from = n / 2;
            let res = residual_dbfs(&l, &reference, from);
            let res32 = residual_dbfs(&run_f32_svf(&d, &x), &reference, from);
            let got = tone_db(&l, from, f, fs, amp);
            let analog = analog_magnitude_db(&b, f);
            println!(
                "{:?} {} Hz @ {fs}, tone {f}: gain {got:.4} dB (analog {analog:.4}), residual f64 {res:.1} dBFS, f32 {res32:.1} dBFS",
                b.kind, b.freq_hz
            );
            assert!((got - analog).abs() < 0.1, "{got} vs {analog}");
            assert!(res < -110.0, "{res}");
        }
    }
}

#[test]
fn side_band_leaves_mid_untouched_and_unused_bands_cost_nothing() {
    let fs = 48_000.0;
    let mut bank = EqSectionBank::new();
    bank.prepare(fs as f32, 128);
    assert_eq!(bank.active_bands(), 0);
    let l0 = sine(300.0, fs, 0.3, 4800);
    let r0 = sine(5000.0, fs, 0.2, 4800);
    let (mut l, mut r) = (l0.clone(), r0.clone());
    bank.process(&mut l, &mut r);
    assert_eq!(
        (l.clone(), r.clone()),
        (l0.clone(), r0.clone()),
        "flat bank is bit-exact"
    );
    // A 0 dB bell is skipped too.
    bank.set_band(3, band(BandType::Bell, 1000.0, 0.0, 1.0), Placement::Stereo);
    bank.snap_band(3);
    assert_eq!(bank.active_bands(), 0);
    bank.set_band(
        5,
        band(BandType::HighShelf, 2000.0, -12.0, 0.7),
        Placement::Side,
    );
    bank.snap_band(5);
    assert_eq!(bank.active_bands(), 1);
    let (mut l, mut r) = (l0.clone(), r0.clone());
    for (cl, cr) in l.chunks_mut(128).zip(r.chunks_mut(128)) {
        bank.process(cl, cr);
    }
    let mut side_changed = 0.0f64;
    for i in 0..l.len() {
        let mid_in = l0[i] as f64 + r0[i] as f64;
        let mid_out = l[i] as f64 + r[i] as f64;
        assert!((mid_in - mid_out).abs() < 1e-6, "{i}");
        side_changed = side_changed.max(((l[i] - r[i]) - (l0[i] - r0[i])).abs() as f64);
    }
    assert!(side_changed > 0.05);
    // Disabling fades out over one block, then the band costs nothing.
    bank.disable_band(5);
    bank.process(&mut l[..128], &mut r[..128]);
    assert_eq!(bank.active_bands(), 0);
}

#[test]
fn sixteen_bands_cascade_to_the_analog_sum() {
    let fs = 48_000.0;
    let mut bank = EqSectionBank::new();
    bank.prepare(fs as f32, 256);
    let bands = [
        EqBand {
            slope: CutSlope::Db24,
            ..band(BandType::LowCut, 40.0, 0.0, 0.707)
        },
        band(BandType::LowShelf, 100.0, 3.0, 0.7),
        band(BandType::Bell, 300.0, -4.0, 1.5),
        band(BandType::Bell, 1200.0, 2.0, 0.8),
        band(BandType::Bell, 3000.0, -3.0, 4.0),
        band(BandType::Bell, 6000.0, 2.5, 1.0),
        band(BandType::HighShelf, 10_000.0, 2.0, 0.7),
        EqBand {
            slope: CutSlope::Db12,
            ..band(BandType::HighCut, 18_000.0, 0.0, 0.707)
        },
    ];
    for (i, b) in bands.iter().enumerate() {
        bank.set_band(i, *b, Placement::Stereo);
        bank.snap_band(i);
    }
    for f in [100.0, 1000.0, 3000.0, 9000.0] {
        let x = sine(f, fs, 0.25, 24_000);
        let (l, _) = run_bank(&mut bank, &x, 256);
        bank.reset();
        let got = tone_db(&l, 12_000, f, fs, 0.25);
        let analog: f64 = bands.iter().map(|b| analog_magnitude_db(b, f)).sum();
        assert!((got - analog).abs() < 0.1, "{f}: {got} vs {analog}");
    }
}

/// Max |closed-form design − analog| (dB) over 20 Hz–20 kHz.
fn max_dev_fast(b: &EqBand, fs: f64) -> f64 {
    let d = DigitalBand::design_fast(&SectionDesigner::new(fs), b);
    let proto = AnalogPrototype::new(b);
    check_freqs(b.freq_hz as f64, b.q as f64)
        .into_iter()
        .filter(|&f| proto.magnitude_db(f) > -24.0)
        .map(|f| (d.magnitude_db(f, fs) - proto.magnitude_db(f)).abs())
        .fold(0.0, f64::max)
}

/// Worst closed-form deviation over gains ±6/±12 and `qs` for `kind` at `f0`.
fn fast_worst(kind: BandType, fs: f64, f0: f32, qs: &[f32]) -> f64 {
    let mut w = 0.0f64;
    for g in [-12.0f32, -6.0, 6.0, 12.0] {
        for &q in qs {
            w = w.max(max_dev_fast(&band(kind, f0, g, q), fs));
        }
    }
    w
}

#[test]
fn fast_design_accuracy() {
    // The closed form runs only while a band moves (the bank swaps in the
    // fit once it settles). Measured table printed (see the eq report);
    // asserted only that it never blows up (finite, < 25 dB): near Nyquist
    // and at Q 10 it is several dB off — a known shortfall of the
    // moving-band design, not of the settled one.
    for fs in [44_100.0, 48_000.0] {
        for kind in BELL_SHELF {
            let mut line = format!("fast {kind:?} @ {fs}, Q 0.3–3 / Q 10:");
            for f0 in [100.0f32, 1000.0, 4000.0, 8000.0, 12_000.0, 16_000.0] {
                let e = fast_worst(kind, fs, f0, &[0.3, 0.7, 3.0]);
                let e10 = fast_worst(kind, fs, f0, &[10.0]);
                line += &format!(" {f0}: {e:.2}/{e10:.2}");
                assert!(e.is_finite() && e10.is_finite() && e10 < 25.0 && e < 25.0);
            }
            println!("{line} dB");
        }
        for kind in [BandType::LowCut, BandType::HighCut] {
            let mut line = format!("fast {kind:?} @ {fs}, 12/48/96 dB/oct:");
            for f0 in [40.0f32, 1000.0, 8000.0, 18_000.0] {
                for slope in [CutSlope::Db12, CutSlope::Db48, CutSlope::Db96] {
                    let b = EqBand {
                        slope,
                        ..band(kind, f0, 0.0, 0.707)
                    };
                    let e = max_dev_fast(&b, fs);
                    line += &format!(" {f0}/{}: {e:.2}", slope.db_per_octave());
                    assert!(e.is_finite() && e < 25.0);
                }
            }
            println!("{line} dB");
        }
    }
}
