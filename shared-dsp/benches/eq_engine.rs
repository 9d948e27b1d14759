//! Gel EQ's whole signal path ([`EqEngine`]) against its section bank alone:
//! `cargo bench -p gel-dsp --bench eq_engine`.
//!
//! One iteration = 4096 stereo frames at 48 kHz in host blocks of 512 (the plugin bench's
//! block), the 8-band peer row of `benches/eq.rs` (HP 40, LS 100 +3, bells 250 −3 / 800 +4 /
//! 2500 −2 / 6000 +3 Q 1, HS 10k +2, LP 18k). The time per iteration ÷ 4096 is ns per stereo
//! frame; × 2.88 M frames = seconds per 60 s of stereo 48 kHz audio.
//!
//! * `bank_static` vs `engine_static`: what the engine adds around the bank when nothing moves
//!   (band schedule, mode switch, solo and output checks) — should be noise;
//! * `bank_gliding` vs `engine_gliding`: every band's frequency glides (new targets every
//!   64-frame sub-block), the case where the engine's per-sub-block work runs;
//! * `engine_gain_ramping`: the output gain ramps all the time (the per-sample gain loop);
//! * `engine_linear_phase`: linear-phase mode, steady;
//! * `engine_dynamic_four`: the four bells dynamic and moving (goal: under 2× `engine_static`).

use std::cell::Cell;

use divan::{black_box, Bencher};
use gel_dsp::eq::engine::BandTarget;
use gel_dsp::eq::{
    BandTargets, BandType, CutSlope, EqBand, EqEngine, EqMode, EqSectionBank, Placement, MAX_BANDS,
};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;
const FRAMES: usize = 8 * BLOCK;
const SUB_BLOCK: usize = gel_dsp::eq::engine::SUB_BLOCK;

mod common;

fn main() {
    divan::main();
}

fn noise(seed: u32) -> Vec<f32> {
    common::noise(seed, FRAMES)
}

fn mk(kind: BandType, freq_hz: f32, gain_db: f32, q: f32) -> EqBand {
    EqBand {
        kind,
        freq_hz,
        gain_db,
        q,
        slope: CutSlope::Db12,
    }
}

fn peer_row() -> [BandTarget; MAX_BANDS] {
    use BandType::*;
    let row = [
        mk(LowCut, 40.0, 0.0, 0.707),
        mk(LowShelf, 100.0, 3.0, 0.707),
        mk(Bell, 250.0, -3.0, 1.0),
        mk(Bell, 800.0, 4.0, 1.0),
        mk(Bell, 2500.0, -2.0, 1.0),
        mk(Bell, 6000.0, 3.0, 1.0),
        mk(HighShelf, 10_000.0, 2.0, 0.707),
        mk(HighCut, 18_000.0, 0.0, 0.707),
    ];
    std::array::from_fn(|i| row.get(i).map(|b| (*b, Placement::Stereo)))
}

/// The peer row with every frequency scaled by a factor that moves on each `advance` of
/// band 0 (one step per sub-block), always gliding.
struct Gliding {
    row: [BandTarget; MAX_BANDS],
    step: Cell<u32>,
}

impl BandTargets for Gliding {
    fn advance(&self, index: usize, _samples: u32) -> BandTarget {
        if index == 0 {
            self.step.set(self.step.get().wrapping_add(1));
        }
        let m = 1.0 + 0.05 * ((self.step.get() % 16) as f32 / 16.0);
        self.row[index].map(|(b, p)| {
            let band = EqBand {
                freq_hz: (b.freq_hz * m).min(20_000.0),
                ..b
            };
            (band, p)
        })
    }
    fn gliding(&self) -> bool {
        true
    }
    fn snap(&self) {}
}

fn bank() -> EqSectionBank {
    let mut bank = EqSectionBank::new();
    bank.prepare(RATE, BLOCK);
    for (i, t) in peer_row().iter().enumerate() {
        if let Some((band, placement)) = t {
            bank.set_band(i, *band, *placement);
            bank.snap_band(i);
        }
    }
    bank
}

fn engine(mode: EqMode, bands: &impl BandTargets) -> EqEngine {
    let mut engine = EqEngine::new();
    engine.set_mode(mode);
    engine.prepare(RATE, BLOCK, bands);
    engine
}

fn blocks(mut f: impl FnMut(&mut [f32], &mut [f32])) -> impl FnMut() {
    let (mut l, mut r) = (noise(9), noise(10));
    move || {
        for (cl, cr) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
            f(black_box(cl), black_box(cr));
        }
    }
}

#[divan::bench]
fn bank_static(b: Bencher) {
    let mut bank = bank();
    b.bench_local(blocks(|l, r| bank.process(l, r)));
}

#[divan::bench]
fn engine_static(b: Bencher) {
    let bands = peer_row();
    let mut engine = engine(EqMode::ZeroLatency, &bands);
    b.bench_local(blocks(|l, r| engine.process(l, r, &bands)));
}

#[divan::bench]
fn bank_gliding(b: Bencher) {
    let mut bank = bank();
    let bands = Gliding {
        row: peer_row(),
        step: Cell::new(0),
    };
    b.bench_local(blocks(|l, r| {
        for (cl, cr) in l.chunks_mut(SUB_BLOCK).zip(r.chunks_mut(SUB_BLOCK)) {
            for i in 0..MAX_BANDS {
                if let Some((band, placement)) = bands.advance(i, SUB_BLOCK as u32) {
                    bank.set_band(i, band, placement);
                }
            }
            bank.process(cl, cr);
        }
    }));
}

#[divan::bench]
fn engine_gliding(b: Bencher) {
    let bands = Gliding {
        row: peer_row(),
        step: Cell::new(0),
    };
    let mut engine = engine(EqMode::ZeroLatency, &bands);
    b.bench_local(blocks(|l, r| engine.process(l, r, &bands)));
}

#[divan::bench]
fn engine_gain_ramping(b: Bencher) {
    let bands = peer_row();
    let mut engine = engine(EqMode::ZeroLatency, &bands);
    let mut k = 0u32;
    b.bench_local(blocks(|l, r| {
        // A new target every block: the 20 ms ramp never finishes.
        k = k.wrapping_add(1);
        engine.set_output_gain(0.5 + 0.01 * (k % 32) as f32);
        engine.process(l, r, &bands);
    }));
}

#[divan::bench]
fn engine_linear_phase(b: Bencher) {
    let bands = peer_row();
    let mut engine = engine(EqMode::LinearPhase, &bands);
    b.bench_local(blocks(|l, r| engine.process(l, r, &bands)));
}

/// The peer row with its four bells dynamic (threshold −30 dBFS, ratio 4, attack 5 ms,
/// release 50 ms) on noise whose level alternates by 24 dB every 2048 frames, so the bands
/// keep moving: compare with `engine_static` (goal: under 2×).
#[divan::bench]
fn engine_dynamic_four(b: Bencher) {
    use gel_dsp::eq::dynamic::DynamicSettings;
    let bands = peer_row();
    let mut engine = engine(EqMode::ZeroLatency, &bands);
    let settings = DynamicSettings {
        threshold_db: -30.0,
        ratio: 4.0,
        attack_ms: 5.0,
        release_ms: 50.0,
        ..DynamicSettings::default()
    };
    for i in 2..6 {
        engine.set_dynamic(i, Some(settings));
    }
    let (mut l, mut r) = (noise(9), noise(10));
    for (k, (a, b)) in l.chunks_mut(2048).zip(r.chunks_mut(2048)).enumerate() {
        let g = if k % 2 == 0 { 1.0 } else { 0.063 };
        a.iter_mut().chain(b.iter_mut()).for_each(|x| *x *= g);
    }
    b.bench_local(move || {
        let (mut cl, mut cr) = (l.clone(), r.clone());
        for (a, b) in cl.chunks_mut(BLOCK).zip(cr.chunks_mut(BLOCK)) {
            engine.process(black_box(a), black_box(b), &bands);
        }
    });
}
