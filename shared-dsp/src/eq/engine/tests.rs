use super::*;
use crate::eq::{BandType, EqBand, Placement};

const RATE: f32 = 48_000.0;

fn bell(freq_hz: f32, gain_db: f32, q: f32) -> EqBand {
    EqBand {
        kind: BandType::Bell,
        freq_hz,
        gain_db,
        q,
        ..EqBand::default()
    }
}

fn one_band(band: EqBand, placement: Placement) -> [BandTarget; MAX_BANDS] {
    let mut bands = [None; MAX_BANDS];
    bands[0] = Some((band, placement));
    bands
}

/// Runs `left`/`right` through `engine` in blocks of `block`.
fn run(
    engine: &mut EqEngine,
    bands: &[BandTarget; MAX_BANDS],
    left: &mut [f32],
    right: &mut [f32],
    block: usize,
) {
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.process(l, r, bands);
    }
}

#[test]
fn latency_is_that_of_the_mode_switched_to() {
    let bands = [None; MAX_BANDS];
    let mut engine = EqEngine::new();
    engine.prepare(RATE, 512, &bands);
    assert_eq!(engine.latency_samples(), 0);
    assert!(!engine.set_mode(EqMode::ZeroLatency), "no change");
    assert!(engine.set_mode(EqMode::LinearPhase));
    // Kernel centre + one partition at 48 kHz: 8192 + 512, reported as the switch starts.
    assert_eq!(engine.latency_samples(), 8704);
    assert!(engine.set_mode(EqMode::ZeroLatency));
    assert_eq!(engine.latency_samples(), 0);
    // Settings made before `prepare` hold after it.
    let mut engine = EqEngine::new();
    engine.set_mode(EqMode::LinearPhase);
    engine.prepare(RATE, 512, &bands);
    assert_eq!(engine.latency_samples(), 8704);
    assert_eq!(
        engine.tail_samples(),
        2 * 8192 + 512,
        "flat: the kernel only"
    );
}

#[test]
fn solo_stays_in_time_with_linear_phase() {
    // A soloed 1 kHz bell in linear-phase mode: an impulse must come out of the solo path at
    // the reported latency (8704 samples at 48 kHz), as the mix does, not at once.
    let bands = one_band(bell(1000.0, 12.0, 1.0), Placement::Stereo);
    for mode in [EqMode::ZeroLatency, EqMode::LinearPhase] {
        let mut engine = EqEngine::new();
        engine.set_mode(mode);
        engine.prepare(RATE, 512, &bands);
        let latency = engine.latency_samples() as usize;
        engine.set_solo(Some(0));
        let n = 48_000;
        let start = 12_000; // the solo fade (20 ms) is long over
        let mut left = vec![0.0f32; n];
        left[start] = 1.0;
        let mut right = left.clone();
        run(&mut engine, &bands, &mut left, &mut right, SUB_BLOCK);
        let peak = (0..n)
            .max_by(|&a, &b| left[a].abs().total_cmp(&left[b].abs()))
            .unwrap();
        // The solo region is a minimum-phase band pass at 1 kHz: its peak comes within a
        // millisecond of its input.
        assert!(
            peak >= start + latency && peak < start + latency + 48,
            "{mode:?}: peak at {peak}, expected {start} + latency {latency}"
        );
    }
}

#[test]
fn solo_of_a_band_not_heard_is_the_mix() {
    let bands = one_band(bell(1000.0, 12.0, 1.0), Placement::Stereo);
    let (mut a, mut b) = (EqEngine::new(), EqEngine::new());
    a.prepare(RATE, 256, &bands);
    b.prepare(RATE, 256, &bands);
    b.set_solo(Some(5));
    let x: Vec<f32> = (0..4096).map(|i| (i as f32 * 0.05).sin()).collect();
    let (mut al, mut ar, mut bl, mut br) = (x.clone(), x.clone(), x.clone(), x.clone());
    run(&mut a, &bands, &mut al, &mut ar, 256);
    run(&mut b, &bands, &mut bl, &mut br, 256);
    assert_eq!((al, ar), (bl, br));
}

#[test]
fn mode_crossfade_sums_to_unity() {
    // No bands: zero latency passes DC through, linear phase delays it. Once both carry the
    // DC, every sample of the switch (warm-up, raised-cosine fade, and back) stays at 1.
    let bands = [None; MAX_BANDS];
    let mut engine = EqEngine::new();
    engine.prepare(RATE, 512, &bands);
    let (mut l, mut r) = (vec![1.0f32; 4096], vec![1.0f32; 4096]);
    run(&mut engine, &bands, &mut l, &mut r, 512);
    assert!(l.iter().all(|&x| x == 1.0));
    engine.set_mode(EqMode::LinearPhase);
    let switch = engine.tail_samples() as usize;
    assert!(switch > 8704 + 2400, "warm-up and fade pending: {switch}");
    let n = switch + 4096;
    let (mut l, mut r) = (vec![1.0f32; n], vec![1.0f32; n]);
    run(&mut engine, &bands, &mut l, &mut r, 512);
    let worst = l
        .iter()
        .chain(&r)
        .map(|x| (x - 1.0).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-6, "to linear phase: off by {worst}");
    assert_eq!(engine.tail_samples(), 2 * 8192 + 512, "the switch is over");
    engine.set_mode(EqMode::ZeroLatency);
    let (mut l, mut r) = (vec![1.0f32; n], vec![1.0f32; n]);
    run(&mut engine, &bands, &mut l, &mut r, 512);
    let worst = l
        .iter()
        .chain(&r)
        .map(|x| (x - 1.0).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-6, "back to zero latency: off by {worst}");
    assert_eq!(engine.tail_samples(), 0);
}

#[test]
fn mode_crossfade_is_a_raised_cosine_after_the_warm_up() {
    // A ramp input x[n] = n: zero latency outputs n, linear phase n − L. The output during the
    // switch is n − w·L, so w = (n − y)/L reads the fade weight off each sample.
    let bands = [None; MAX_BANDS];
    let mut engine = EqEngine::new();
    engine.prepare(RATE, 512, &bands);
    let total = 40_000;
    let x: Vec<f32> = (0..total).map(|i| i as f32 * 1e-4).collect();
    let (mut l, mut r) = (x.clone(), x.clone());
    run(&mut engine, &bands, &mut l[..512], &mut r[..512], 512);
    engine.set_mode(EqMode::LinearPhase);
    let warmup = (2 * 8192 + 512 + 6 * 512) as usize;
    run(&mut engine, &bands, &mut l[512..], &mut r[512..], 512);
    let latency = 8704.0 * 1e-4;
    let w = |i: usize| (x[i] - l[i]) / latency;
    let fade_start = 512 + warmup;
    for i in 512..fade_start {
        assert!(w(i).abs() < 1e-3, "still zero latency at {i}: w = {}", w(i));
    }
    for k in [600, 1200, 1800] {
        let t = (k + 1) as f32 / 2400.0;
        let expected = 0.5 - 0.5 * (std::f32::consts::PI * t).cos();
        assert!((w(fade_start + k) - expected).abs() < 2e-3, "k = {k}");
    }
    for i in fade_start + 2400..total {
        assert!(
            (w(i) - 1.0).abs() < 1e-3,
            "linear phase at {i}: w = {}",
            w(i)
        );
    }
}

#[test]
fn tail_is_the_slowest_pole_plus_the_linear_phase_kernel() {
    let bands = one_band(bell(100.0, 12.0, 10.0), Placement::Mid);
    let mut engine = EqEngine::new();
    engine.prepare(RATE, 512, &bands);
    let ring = tail::ring_samples(&engine.paths.bank, RATE);
    assert!(ring > 10_000, "a Q 10 bell at 100 Hz rings: {ring}");
    assert_eq!(engine.tail_samples(), ring);
    // Switching adds the linear-phase tail, the warm-up and the fade still to come.
    engine.set_mode(EqMode::LinearPhase);
    // (The fade length is counted from an f32 step: 2400 samples, or 2401 after rounding.)
    let switch = (2 * 8192 + 512 + 6 * 512) + 2400;
    let expected = ring + 2 * 8192 + 512 + switch;
    let tail = engine.tail_samples();
    assert!(
        tail == expected || tail == expected + 1,
        "{tail} vs {expected}"
    );
    let mut engine = EqEngine::new();
    engine.set_mode(EqMode::LinearPhase);
    engine.prepare(RATE, 512, &bands);
    assert_eq!(engine.tail_samples(), ring + 2 * 8192 + 512);
}

#[test]
fn silence_skips_the_dsp_and_wakes_on_the_new_settings() {
    let quiet = [None; MAX_BANDS];
    let boosted = one_band(bell(1000.0, 12.0, 1.0), Placement::Stereo);
    let mut engine = EqEngine::new();
    engine.prepare(RATE, 512, &quiet);
    engine.process_silence(512, &quiet);
    // A band and a gain change while asleep: applied without ramps.
    engine.set_output_gain(0.5);
    engine.process_silence(512, &boosted);
    assert_eq!(
        engine.tail_samples(),
        tail::ring_samples(&engine.paths.bank, RATE)
    );
    let mut reference = EqEngine::new();
    reference.set_output_gain(0.5);
    reference.prepare(RATE, 512, &boosted);
    let x: Vec<f32> = (0..2048).map(|i| (i as f32 * 0.13).sin()).collect();
    let (mut l, mut r, mut rl, mut rr) = (x.clone(), x.clone(), x.clone(), x.clone());
    run(&mut engine, &boosted, &mut l, &mut r, 512);
    run(&mut reference, &boosted, &mut rl, &mut rr, 512);
    assert_eq!((l, r), (rl, rr));
}

#[test]
fn process_matches_the_bank_and_the_gain() {
    // One static band: the engine is its bank followed by the output gain, bit for bit.
    let band = bell(2000.0, -6.0, 2.0);
    let bands = one_band(band, Placement::Side);
    let mut engine = EqEngine::new();
    engine.set_output_gain(-0.25);
    engine.prepare(RATE, 300, &bands);
    let mut bank = crate::eq::EqSectionBank::new();
    bank.prepare(RATE, 300);
    bank.set_band(0, band, Placement::Side);
    bank.snap_band(0);
    let x: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.37).sin()).collect();
    let y: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.11).cos()).collect();
    let (mut l, mut r) = (x.clone(), y.clone());
    run(&mut engine, &bands, &mut l, &mut r, 300);
    let (mut bl, mut br) = (x, y);
    for (cl, cr) in bl.chunks_mut(300).zip(br.chunks_mut(300)) {
        bank.process(cl, cr);
    }
    bl.iter_mut().chain(br.iter_mut()).for_each(|s| *s *= -0.25);
    assert_eq!((l, r), (bl, br));
}
