//! Gel EQ's linear-phase engine is real-time safe: `update_from` and `process` never allocate —
//! with a flat EQ, a full 2×2 (mid/side) kernel, kernel rebuilds and crossfades in flight,
//! NaN input, every block size. Own test binary because it installs a counting global allocator.

use gel_dsp::eq::{BandType, CutSlope, EqBand, EqSectionBank, LinearPhaseEq, Placement, MAX_BANDS};

mod common;
use common::allocations_in;

#[test]
fn linear_phase_process_and_update_do_not_allocate() {
    let sr = 48_000.0;
    let mut bank = EqSectionBank::new();
    bank.prepare(sr, 8192);
    let mut eq = LinearPhaseEq::new();
    eq.prepare(sr, 8192);
    let places = [
        Placement::Stereo,
        Placement::Left,
        Placement::Right,
        Placement::Mid,
        Placement::Side,
    ];
    let mut l = vec![0.0f32; 8192];
    let mut r = vec![0.0f32; 8192];
    let mut t = 0usize;
    let mut total = 0usize;
    for (round, block) in [1usize, 7, 64, 512, 8192, 3, 1000]
        .into_iter()
        .cycle()
        .take(60)
        .enumerate()
    {
        // Bands change every few rounds (kernel builds and fades in flight); round 0–2 flat.
        if round % 3 == 0 && round > 0 {
            let i = round % MAX_BANDS;
            let band = EqBand {
                kind: BandType::Bell,
                freq_hz: 100.0 * (1 + i) as f32,
                gain_db: if round % 2 == 0 { 6.0 } else { -4.0 },
                q: 1.0,
                slope: CutSlope::Db12,
            };
            bank.set_band(i, band, places[round % 5]);
        }
        for (n, (a, b)) in l[..block].iter_mut().zip(r[..block].iter_mut()).enumerate() {
            let x = ((t + n) as f32 * 0.01).sin() * 0.3;
            *a = if (t + n) % 5000 == 17 { f32::NAN } else { x };
            *b = -x;
        }
        t += block;
        total += allocations_in(|| {
            eq.update_from(&bank);
            eq.process(&mut l[..block], &mut r[..block]);
        });
        assert!(l[..block].iter().chain(&r[..block]).all(|v| v.is_finite()));
    }
    assert!(t > 10 * eq.partition_len());
    assert_eq!(total, 0, "allocations in update_from/process");
    // reset and snap are real-time safe too (no allocation).
    assert_eq!(allocations_in(|| eq.reset()), 0);
}
