//! Gel EQ benchmarks: `cargo bench -p gel-dsp --bench eq`.
//!
//! * `peer_row_*`: the peer EQ row (HP 40 Hz 12 dB/oct, low shelf 100 Hz +3 dB, bells
//!   250 Hz −3 dB, 800 Hz +4 dB, 2500 Hz −2 dB, 6000 Hz +3 dB (Q 1), high shelf 10 kHz +2 dB,
//!   LP 18 kHz) at 48 kHz on 1000 stereo frames per iteration: the time per iteration in µs is
//!   ns per stereo frame; × 2.88 M frames = seconds per 60 s of stereo 48 kHz audio.
//! * `design_*`: designing one band (what `set_band` costs when a parameter moves), µs per call.

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use gel_dsp::eq::{
    BandType, CutSlope, DigitalBand, EqBand, EqSectionBank, Kernel, Placement, SectionDesigner,
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

fn mk(kind: BandType, freq_hz: f32, gain_db: f32, q: f32, slope: CutSlope) -> EqBand {
    EqBand {
        kind,
        freq_hz,
        gain_db,
        q,
        slope,
    }
}

fn peer_row() -> [EqBand; 8] {
    use BandType::*;
    let s = CutSlope::Db12;
    [
        mk(LowCut, 40.0, 0.0, 0.707, s),
        mk(LowShelf, 100.0, 3.0, 0.707, s),
        mk(Bell, 250.0, -3.0, 1.0, s),
        mk(Bell, 800.0, 4.0, 1.0, s),
        mk(Bell, 2500.0, -2.0, 1.0, s),
        mk(Bell, 6000.0, 3.0, 1.0, s),
        mk(HighShelf, 10_000.0, 2.0, 0.707, s),
        mk(HighCut, 18_000.0, 0.0, 0.707, s),
    ]
}

fn peer_bank(kernel: Kernel) -> EqSectionBank {
    let mut bank = EqSectionBank::new();
    bank.prepare(RATE, N);
    bank.set_kernel(kernel);
    for (i, band) in peer_row().iter().enumerate() {
        bank.set_band(i, *band, Placement::Stereo);
        bank.snap_band(i);
    }
    bank
}

/// Static peer row, fastest kernel of this CPU.
#[divan::bench]
fn peer_row_static(b: Bencher) {
    let mut bank = peer_bank(Kernel::detect());
    let (mut l, mut r) = (noise(9), noise(10));
    b.counter(ItemsCount::new(N))
        .bench_local(|| bank.process(black_box(&mut l), black_box(&mut r)));
}

/// Static peer row, portable scalar kernel (the fallback).
#[divan::bench]
fn peer_row_static_scalar(b: Bencher) {
    let mut bank = peer_bank(Kernel::Scalar);
    let (mut l, mut r) = (noise(9), noise(10));
    b.counter(ItemsCount::new(N))
        .bench_local(|| bank.process(black_box(&mut l), black_box(&mut r)));
}

/// Static peer row in blocks of `block` frames (1000 frames per iteration).
#[divan::bench(args = [16, 64, 256])]
fn peer_row_static_blocks(b: Bencher, block: usize) {
    let mut bank = peer_bank(Kernel::detect());
    let (mut l, mut r) = (noise(9), noise(10));
    b.counter(ItemsCount::new(N)).bench_local(|| {
        for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
            bank.process(black_box(cl), black_box(cr));
        }
    });
}

/// Peer row with every band's frequency automated: `set_band` for all 8 bands before every
/// 64-frame block (design + ramp included), 1000 frames per iteration.
#[divan::bench]
fn peer_row_all_automated_64(b: Bencher) {
    let mut bank = peer_bank(Kernel::detect());
    let row = peer_row();
    let (mut l, mut r) = (noise(9), noise(10));
    let mut k = 0u32;
    b.counter(ItemsCount::new(N)).bench_local(|| {
        for (cl, cr) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
            k = k.wrapping_add(1);
            let m = 1.0 + 0.05 * ((k % 16) as f32 / 16.0);
            for (i, band) in row.iter().enumerate() {
                let band = EqBand {
                    freq_hz: (band.freq_hz * m).min(20_000.0),
                    ..*band
                };
                bank.set_band(i, band, Placement::Stereo);
            }
            bank.process(black_box(cl), black_box(cr));
        }
    });
}

fn design_bench(b: Bencher, band: EqBand) {
    let designer = SectionDesigner::new(RATE as f64);
    let mut k = 0u32;
    b.bench_local(|| {
        // A slightly different frequency every call (no caching effects).
        k = k.wrapping_add(1);
        let band = EqBand {
            freq_hz: band.freq_hz * (1.0 + (k % 100) as f32 * 1e-4),
            ..band
        };
        black_box(DigitalBand::design(&designer, black_box(&band)))
    });
}

/// Bell +12 dB Q 0.7 / +3 dB Q 1 at f0 (µs per design).
#[divan::bench(args = [100.0, 1000.0, 6000.0, 12_000.0, 16_000.0])]
fn design_bell(b: Bencher, f0: f32) {
    design_bench(b, mk(BandType::Bell, f0, 12.0, 0.7, CutSlope::Db12));
}

/// Bell Q 10, −12 dB.
#[divan::bench(args = [1000.0, 12_000.0])]
fn design_bell_q10(b: Bencher, f0: f32) {
    design_bench(b, mk(BandType::Bell, f0, -12.0, 10.0, CutSlope::Db12));
}

/// Low shelf +6 dB Q 0.7.
#[divan::bench(args = [100.0, 10_000.0])]
fn design_low_shelf(b: Bencher, f0: f32) {
    design_bench(b, mk(BandType::LowShelf, f0, 6.0, 0.707, CutSlope::Db12));
}

/// High shelf +6 dB Q 0.7.
#[divan::bench(args = [1000.0, 10_000.0])]
fn design_high_shelf(b: Bencher, f0: f32) {
    design_bench(b, mk(BandType::HighShelf, f0, 6.0, 0.707, CutSlope::Db12));
}

/// Low cut at 40 Hz, every slope (dB/oct).
#[divan::bench(args = [12, 48, 96])]
fn design_low_cut(b: Bencher, slope: usize) {
    let s = *CutSlope::ALL
        .iter()
        .find(|s| s.db_per_octave() == slope)
        .unwrap();
    design_bench(b, mk(BandType::LowCut, 40.0, 0.0, 0.707, s));
}

/// High cut at 18 kHz (near Nyquist), slopes in dB/oct.
#[divan::bench(args = [12, 48, 96])]
fn design_high_cut_18k(b: Bencher, slope: usize) {
    let s = *CutSlope::ALL
        .iter()
        .find(|s| s.db_per_octave() == slope)
        .unwrap();
    design_bench(b, mk(BandType::HighCut, 18_000.0, 0.0, 0.707, s));
}

/// Notch and band pass at 1 kHz, Q 2.
#[divan::bench(args = [BandType::Notch, BandType::BandPass, BandType::TiltShelf])]
fn design_other(b: Bencher, kind: BandType) {
    design_bench(b, mk(kind, 1000.0, 6.0, 2.0, CutSlope::Db12));
}

/// The closed-form design `set_band` makes while a band moves (µs per call): bell 12 kHz,
/// high shelf 10 kHz, high cut 18 kHz 12 and 96 dB/oct.
#[divan::bench(args = [0, 1, 2, 3])]
fn design_fast(b: Bencher, which: usize) {
    let band = [
        mk(BandType::Bell, 12_000.0, 12.0, 0.7, CutSlope::Db12),
        mk(BandType::HighShelf, 10_000.0, 6.0, 0.707, CutSlope::Db12),
        mk(BandType::HighCut, 18_000.0, 0.0, 0.707, CutSlope::Db12),
        mk(BandType::HighCut, 18_000.0, 0.0, 0.707, CutSlope::Db96),
    ][which];
    let designer = SectionDesigner::new(RATE as f64);
    let mut k = 0u32;
    b.bench_local(|| {
        k = k.wrapping_add(1);
        let band = EqBand {
            freq_hz: band.freq_hz * (1.0 + (k % 100) as f32 * 1e-4),
            ..band
        };
        black_box(DigitalBand::design_fast(&designer, black_box(&band)))
    });
}
