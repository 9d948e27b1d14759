//! The plugins' whole signal paths, as each plugin calls them per block:
//! `cargo bench -p gel-dsp --bench engines`. Every benchmark processes 1000 stereo frames per
//! iteration at 48 kHz (so µs per iteration read as ns per stereo frame), input a fixed
//! pseudo-random signal at −12 dBFS, settings set once (the engines keep them per block).
//!
//! * `delay_*`: Gel Delay's [`DelayEngine`] at the bench peers' settings (375 ms, feedback
//!   40 %, mix 30 %, both loop filters), and the same with ducking on.
//! * `panner_*`: Gel Panner's [`PannerEngine`], 30 % right at width 80 %, mono-maker off and
//!   at 120 Hz.
//! * `reverb_hall`: Gel Reverb's whole engine, Hall at its defaults.
//! * `reverb_plate`: the same, Plate.
//! * `reverb_diffuser`: its input diffuser alone (Hall's stages, diffusion 80 %), in 64-sample
//!   chunks as the engine runs it.
//! * `dry_wet_mix`: the shared output stage alone (mix 30 %, width 80 %, ducking gains).

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use gel_dsp::blocks::mix::{DryWetMix, MixSettings};
use gel_dsp::delay::echo::EchoSettings;
use gel_dsp::delay::engine::{DelayEngine, DelaySettings};
use gel_dsp::reverb::{Reverb, ReverbSettings};
use gel_dsp::stereo::engine::{PannerEngine, PannerSettings};
use gel_dsp::stereo::stereo_placement::PlacementSettings;

const N: usize = 1000;
const RATE: f32 = 48_000.0;

mod common;

fn main() {
    divan::main();
}

fn noise(seed: u32) -> Vec<f32> {
    common::noise(seed, N)
}

/// Runs `process` on a fresh copy of the noise every iteration (the engines work in place).
fn bench_in_place(b: Bencher, mut process: impl FnMut(&mut [f32], &mut [f32])) {
    let (l0, r0) = (noise(1), noise(2));
    let (mut l, mut r) = (l0.clone(), r0.clone());
    b.counter(ItemsCount::new(N)).bench_local(|| {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        process(black_box(&mut l), black_box(&mut r));
    });
}

fn delay(b: Bencher, duck_amount: f32) {
    let settings = DelaySettings {
        echo: EchoSettings {
            delay_samples: [18_000.0, 18_000.0],
            feedback: 0.4,
            low_cut_on: true,
            low_cut_hz: 100.0,
            high_cut_on: true,
            high_cut_hz: 5000.0,
            ..EchoSettings::default()
        },
        duck_amount,
        duck_release_ms: 250.0,
        output: MixSettings::default(),
    };
    let mut engine = DelayEngine::new();
    engine.prepare(RATE, N);
    engine.snap(&settings);
    bench_in_place(b, |l, r| {
        engine.set(&settings);
        engine.process(l, r);
    });
}

#[divan::bench]
fn delay_peer_settings(b: Bencher) {
    delay(b, 0.0);
}

#[divan::bench]
fn delay_ducking(b: Bencher) {
    delay(b, 0.5);
}

fn panner(b: Bencher, mono_maker: bool) {
    let settings = PannerSettings {
        placement: PlacementSettings {
            pan: 0.3,
            width: 0.8,
            ..PlacementSettings::default()
        },
        mono_maker,
        mono_frequency_hz: 120.0,
    };
    let mut engine = PannerEngine::new();
    engine.prepare(RATE, N);
    engine.snap(&settings);
    bench_in_place(b, |l, r| {
        engine.set(&settings);
        engine.process(l, r);
    });
}

#[divan::bench]
fn panner_pan_width(b: Bencher) {
    panner(b, false);
}

#[divan::bench]
fn panner_mono_maker(b: Bencher) {
    panner(b, true);
}

#[divan::bench]
fn reverb_hall(b: Bencher) {
    let settings = ReverbSettings::default();
    let mut reverb = Reverb::new();
    reverb.set_settings(&settings);
    reverb.prepare(RATE, N);
    bench_in_place(b, |l, r| {
        reverb.set_settings(&settings);
        reverb.process(l, r);
    });
}

#[divan::bench]
fn reverb_plate(b: Bencher) {
    let settings = ReverbSettings {
        algorithm: gel_dsp::reverb::Algorithm::Plate,
        ..ReverbSettings::default()
    };
    let mut reverb = Reverb::new();
    reverb.set_settings(&settings);
    reverb.prepare(RATE, N);
    bench_in_place(b, |l, r| {
        reverb.set_settings(&settings);
        reverb.process(l, r);
    });
}

#[divan::bench]
fn reverb_diffuser(b: Bencher) {
    use gel_dsp::reverb::diffuser::Diffuser;
    let p = gel_dsp::reverb::Algorithm::Hall.preset();
    let mut d = Diffuser::new();
    d.prepare(RATE, 64, 20.0);
    d.set_delays_ms(&p.diffuser_left_ms, &p.diffuser_right_ms);
    let mut gains = p.diffuser_gains;
    for g in &mut gains {
        *g *= 0.8;
    }
    d.set_gains(&gains);
    d.reset();
    bench_in_place(b, |l, r| {
        for (a, b) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
            d.process(a, b);
        }
    });
}

#[divan::bench]
fn dry_wet_mix(b: Bencher) {
    let settings = MixSettings {
        width: 0.8,
        ..MixSettings::default()
    };
    let mut mix = DryWetMix::new();
    mix.prepare(RATE, N);
    mix.snap(&settings);
    let (wl0, wr0) = (noise(3), noise(4));
    let (mut wl, mut wr) = (wl0.clone(), wr0.clone());
    let duck = vec![0.7f32; N];
    bench_in_place(b, |l, r| {
        wl.copy_from_slice(&wl0);
        wr.copy_from_slice(&wr0);
        mix.process(l, r, &mut wl, &mut wr, Some(&duck));
    });
}
