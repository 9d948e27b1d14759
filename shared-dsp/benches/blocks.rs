//! Micro-benchmarks of gel-dsp's building blocks: `cargo bench -p gel-dsp`.
//!
//! Every benchmark processes exactly 1000 samples per iteration (stereo blocks: 1000 frames), so
//! the time divan prints per iteration in µs reads directly as **ns per sample** (and the
//! throughput column as samples per second). Input is a fixed pseudo-random signal at −12 dBFS.

use std::sync::Arc;

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use gel_dsp::analysis::meter::MeterReadings;
use gel_dsp::{
    blocks::guard, CorrelationMeter, LevelMeter, LinearRamp, LinkwitzRiley4Crossover, Matrix2,
    MonoMaker, RampedMatrix2, Svf,
};

const N: usize = 1000;
const RATE: f32 = 48_000.0;

mod common;

fn main() {
    divan::main();
}

fn noise(seed: u32) -> Vec<f32> {
    common::noise(seed, N)
}

#[divan::bench]
fn linear_ramp(b: Bencher) {
    let mut ramp = LinearRamp::new();
    ramp.prepare(RATE, N);
    let mut out = vec![0.0f32; N];
    let mut up = false;
    b.counter(ItemsCount::new(N)).bench_local(|| {
        // A new target every iteration: the ramp (20 ms = 960 samples) is always moving.
        up = !up;
        ramp.set_target(if up { 1.0 } else { 0.0 });
        ramp.fill(black_box(&mut out));
    });
}

#[divan::bench]
fn ramped_matrix2_constant(b: Bencher) {
    let mut m = RampedMatrix2::new();
    m.prepare(RATE, N);
    m.reset(Matrix2::new(0.9, 0.1, 0.2, 1.1));
    let (mut l, mut r) = (noise(1), noise(2));
    b.counter(ItemsCount::new(N))
        .bench_local(|| m.process(black_box(&mut l), black_box(&mut r)));
}

#[divan::bench]
fn ramped_matrix2_ramping(b: Bencher) {
    let mut m = RampedMatrix2::new();
    m.prepare(RATE, N);
    let targets = [
        Matrix2::new(0.9, 0.1, 0.2, 1.1),
        Matrix2::new(1.0, 0.0, 0.0, 0.5),
    ];
    let (mut l, mut r) = (noise(1), noise(2));
    let mut k = 0;
    b.counter(ItemsCount::new(N)).bench_local(|| {
        k ^= 1;
        m.set_target(targets[k]);
        m.process(black_box(&mut l), black_box(&mut r));
    });
}

#[divan::bench]
fn level_meter(b: Bencher) {
    let mut meter = LevelMeter::new(Arc::new(MeterReadings::default()));
    meter.prepare(RATE, N);
    let (l, r) = (noise(1), noise(2));
    b.counter(ItemsCount::new(N))
        .bench_local(|| meter.process_stereo(black_box(&l), black_box(&r)));
}

#[divan::bench]
fn correlation_meter(b: Bencher) {
    let mut meter = CorrelationMeter::new(Arc::new(Default::default()));
    meter.prepare(RATE, N);
    let (l, r) = (noise(1), noise(2));
    b.counter(ItemsCount::new(N))
        .bench_local(|| meter.process(black_box(&l), black_box(&r)));
}

#[divan::bench]
fn svf_lowpass(b: Bencher) {
    let mut svf = Svf::new();
    svf.set(1000.0, 0.707, RATE);
    let x = noise(3);
    let mut out = vec![0.0f32; N];
    b.counter(ItemsCount::new(N)).bench_local(|| {
        for (o, &s) in out.iter_mut().zip(x.iter()) {
            *o = svf.process_low(s);
        }
        black_box(&out);
    });
}

#[divan::bench]
fn linkwitz_riley4_crossover(b: Bencher) {
    let mut xo = LinkwitzRiley4Crossover::new();
    xo.prepare(RATE, N);
    xo.set_frequency(120.0);
    let x = noise(4);
    let (mut low, mut high) = (vec![0.0f32; N], vec![0.0f32; N]);
    b.counter(ItemsCount::new(N))
        .bench_local(|| xo.process_block(black_box(&x), &mut low, &mut high));
}

#[divan::bench]
fn mono_maker(b: Bencher) {
    let mut mm = MonoMaker::new();
    mm.prepare(RATE, N);
    mm.set_frequency(120.0);
    let (l0, r0) = (noise(5), noise(6));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    b.counter(ItemsCount::new(N)).bench_local(|| {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        mm.process(black_box(&mut l), black_box(&mut r));
    });
}

#[divan::bench]
fn guard_sanitize_clean(b: Bencher) {
    // Stereo: 500 frames × 2 channels = 1000 samples, all finite (the common case).
    let mut l = noise(7)[..N / 2].to_vec();
    let mut r = noise(8)[..N / 2].to_vec();
    b.counter(ItemsCount::new(N)).bench_local(|| {
        let mut chans: [&mut [f32]; 2] = [&mut l, &mut r];
        black_box(guard::sanitize(black_box(&mut chans)));
    });
}

#[divan::bench]
fn guard_sanitize_non_finite(b: Bencher) {
    // The repair path: one NaN / Inf per channel in every block.
    let mut l = noise(7)[..N / 2].to_vec();
    let mut r = noise(8)[..N / 2].to_vec();
    b.counter(ItemsCount::new(N)).bench_local(|| {
        l[100] = f32::NAN;
        r[300] = f32::INFINITY;
        let mut chans: [&mut [f32]; 2] = [&mut l, &mut r];
        black_box(guard::sanitize(black_box(&mut chans)));
    });
}

/// The peers' EQ row (HP 40, low shelf 100, four bells, high shelf 10k, LP 18k) on 1000 stereo
/// frames: ns per stereo frame for all 8 bands.
#[divan::bench]
fn eq_bank_8_bands(b: Bencher) {
    use gel_dsp::eq::{BandType, CutSlope, EqBand, EqSectionBank, Placement};
    let mk = |kind, f, g, q, slope| EqBand {
        kind,
        freq_hz: f,
        gain_db: g,
        q,
        slope,
    };
    let bands = [
        mk(BandType::LowCut, 40.0, 0.0, 0.707, CutSlope::Db12),
        mk(BandType::LowShelf, 100.0, 3.0, 0.7, CutSlope::Db12),
        mk(BandType::Bell, 300.0, -4.0, 1.5, CutSlope::Db12),
        mk(BandType::Bell, 1200.0, 2.0, 0.8, CutSlope::Db12),
        mk(BandType::Bell, 3000.0, -3.0, 4.0, CutSlope::Db12),
        mk(BandType::Bell, 6000.0, 2.5, 1.0, CutSlope::Db12),
        mk(BandType::HighShelf, 10_000.0, 2.0, 0.7, CutSlope::Db12),
        mk(BandType::HighCut, 18_000.0, 0.0, 0.707, CutSlope::Db12),
    ];
    let mut bank = EqSectionBank::new();
    bank.prepare(RATE, N);
    for (i, band) in bands.iter().enumerate() {
        bank.set_band(i, *band, Placement::Stereo);
        bank.snap_band(i);
    }
    let (mut l, mut r) = (noise(9), noise(10));
    b.counter(ItemsCount::new(N))
        .bench_local(|| bank.process(black_box(&mut l), black_box(&mut r)));
}

/// One fitted bell (one section) on 1000 stereo frames: ns per stereo frame per section.
#[divan::bench]
fn eq_one_section(b: Bencher) {
    use gel_dsp::eq::{BandType, EqBand, EqSectionBank, Placement};
    let mut bank = EqSectionBank::new();
    bank.prepare(RATE, N);
    let band = EqBand {
        kind: BandType::Bell,
        freq_hz: 2000.0,
        gain_db: 6.0,
        q: 1.0,
        ..EqBand::default()
    };
    bank.set_band(0, band, Placement::Stereo);
    bank.snap_band(0);
    let (mut l, mut r) = (noise(11), noise(12));
    b.counter(ItemsCount::new(N))
        .bench_local(|| bank.process(black_box(&mut l), black_box(&mut r)));
}

/// Designing one band (the per-block cost while its frequency is automated), µs per call
/// (counter = 1 item).
#[divan::bench(args = [1000.0, 12_000.0])]
fn eq_design_bell(b: Bencher, f0: f32) {
    use gel_dsp::eq::{BandType, DigitalBand, EqBand, SectionDesigner};
    let designer = SectionDesigner::new(48_000.0);
    let mut k = 0u32;
    b.bench_local(|| {
        k = k.wrapping_add(1);
        let band = EqBand {
            kind: BandType::Bell,
            freq_hz: f0 * (1.0 + (k % 100) as f32 * 1e-4),
            gain_db: 12.0,
            q: 0.7,
            ..EqBand::default()
        };
        black_box(DigitalBand::design(&designer, black_box(&band)))
    });
}
