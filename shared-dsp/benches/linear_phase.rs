//! Gel EQ linear-phase engine cost: `cargo bench -p gel-dsp --bench linear_phase`.
//!
//! * `process_60s_*`: one iteration = 60 s of stereo audio at 48 kHz (2 880 000 frames, host
//!   blocks of 512) through the 8-band peer row (HP 40, LS 100 +3, bells 250 −3 / 800 +4 /
//!   2500 −2 / 6000 +3 Q 1, HS 10k +2, LP 18k) — divan's time per iteration is the CPU time per
//!   minute of audio; divided by 60 s it is the real-time load of one core. Variants: all
//!   bands Stereo (2 convolutions), one band moved to Side (full 2×2 matrix, 4 convolutions),
//!   flat (pure delay).
//! * `kernel_update_*`: one complete kernel build (magnitudes on the design grid, inverse FFT,
//!   window, partition FFTs), what a parameter change costs, spread by the engine over ≈ 2–3
//!   partitions.

use divan::{black_box, Bencher};
use gel_dsp::eq::{BandType, CutSlope, EqBand, EqSectionBank, LinearPhaseEq, Placement};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;
const SECONDS: usize = 60;

mod common;

fn main() {
    divan::main();
}

fn band(kind: BandType, f: f32, g: f32, q: f32) -> EqBand {
    EqBand {
        kind,
        freq_hz: f,
        gain_db: g,
        q,
        slope: CutSlope::Db12,
    }
}

fn peer_row(side_band: bool) -> EqSectionBank {
    let rows = [
        band(BandType::LowCut, 40.0, 0.0, 0.707),
        band(BandType::LowShelf, 100.0, 3.0, 0.707),
        band(BandType::Bell, 250.0, -3.0, 1.0),
        band(BandType::Bell, 800.0, 4.0, 1.0),
        band(BandType::Bell, 2500.0, -2.0, 1.0),
        band(BandType::Bell, 6000.0, 3.0, 1.0),
        band(BandType::HighShelf, 10_000.0, 2.0, 0.707),
        band(BandType::HighCut, 18_000.0, 0.0, 0.707),
    ];
    let mut bank = EqSectionBank::new();
    bank.prepare(RATE, BLOCK);
    for (i, b) in rows.into_iter().enumerate() {
        let place = if side_band && i == 5 {
            Placement::Side
        } else {
            Placement::Stereo
        };
        bank.set_band(i, b, place);
    }
    bank
}

fn noise(seed: u32) -> Vec<f32> {
    common::noise(seed, BLOCK)
}

fn run_60s(b: Bencher, bank: Option<EqSectionBank>) {
    let mut eq = LinearPhaseEq::new();
    eq.prepare(RATE, BLOCK);
    if let Some(bank) = &bank {
        eq.update_from(bank);
    }
    eq.snap();
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    let blocks = SECONDS * RATE as usize / BLOCK;
    b.bench_local(|| {
        for _ in 0..blocks {
            l.copy_from_slice(&l0);
            r.copy_from_slice(&r0);
            eq.process(black_box(&mut l), black_box(&mut r));
        }
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn process_60s_peer_row_stereo(b: Bencher) {
    run_60s(b, Some(peer_row(false)));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn process_60s_peer_row_with_side_band(b: Bencher) {
    run_60s(b, Some(peer_row(true)));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn process_60s_flat(b: Bencher) {
    run_60s(b, None);
}

fn kernel_update(b: Bencher, side_band: bool) {
    let bank_a = peer_row(side_band);
    let mut bank_b = peer_row(side_band);
    bank_b.set_band(3, band(BandType::Bell, 900.0, 4.5, 1.0), Placement::Stereo);
    let mut eq = LinearPhaseEq::new();
    eq.prepare(RATE, BLOCK);
    let mut flip = false;
    b.bench_local(|| {
        flip = !flip;
        eq.update_from(if flip { &bank_a } else { &bank_b });
        eq.snap();
    });
}

#[divan::bench]
fn kernel_update_peer_row_stereo(b: Bencher) {
    kernel_update(b, false);
}

#[divan::bench]
fn kernel_update_peer_row_with_side_band(b: Bencher) {
    kernel_update(b, true);
}
