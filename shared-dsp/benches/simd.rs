//! The vectorised blocks outside the EQ (whose kernels `eq` and `linear_phase` measure):
//! `cargo bench -p gel-dsp --bench simd`. Every benchmark processes 1000 stereo frames per
//! iteration at 48 kHz, so the time per iteration in µs is ns per stereo frame.
//!
//! * `filter_highpass_then_lowpass`: the loop filters of Gel Delay (100 Hz high-pass, 5 kHz
//!   low-pass per channel), the skewed four-lane chain.
//! * `echo_*`: Gel Delay's echo engine, 375 ms stereo echo at 40 % feedback, with and without
//!   the loop filters (AVX-compiled block loops; with filters, also the chain above).
//! * `fdn_*`: Gel Reverb's 8-line FDN (the "hall"-sized lines, 2 s decay), with and without
//!   modulation (AVX2 per-sample loop).

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use gel_dsp::blocks::filter::highpass_then_lowpass_stereo;
use gel_dsp::delay::echo::{EchoEngine, EchoSettings};
use gel_dsp::reverb::fdn::{DecaySettings, Fdn};
use gel_dsp::simd::Simd;
use gel_dsp::Svf;

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
fn filter_highpass_then_lowpass(b: Bencher) {
    let (mut hp, mut lp) = ([Svf::new(), Svf::new()], [Svf::new(), Svf::new()]);
    for (h, l) in hp.iter_mut().zip(&mut lp) {
        h.set(100.0, std::f32::consts::FRAC_1_SQRT_2, RATE);
        l.set(5000.0, std::f32::consts::FRAC_1_SQRT_2, RATE);
    }
    let (mut l, mut r) = (noise(1), noise(2));
    let simd = Simd::current();
    b.counter(ItemsCount::new(N)).bench_local(|| {
        highpass_then_lowpass_stereo(simd, &mut hp, &mut lp, black_box(&mut l), black_box(&mut r))
    });
}

fn echo(b: Bencher, filters: bool) {
    let mut engine = EchoEngine::new();
    engine.prepare(RATE, N);
    let settings = EchoSettings {
        delay_samples: [18_000.0, 18_000.0],
        feedback: 0.4,
        low_cut_on: filters,
        low_cut_hz: 100.0,
        high_cut_on: filters,
        high_cut_hz: 5000.0,
        ..EchoSettings::default()
    };
    engine.snap(&settings);
    let (l, r) = (noise(3), noise(4));
    let (mut ol, mut or) = (vec![0.0; N], vec![0.0; N]);
    b.counter(ItemsCount::new(N)).bench_local(|| {
        engine.process(
            black_box(&l),
            black_box(&r),
            black_box(&mut ol),
            black_box(&mut or),
        )
    });
}

#[divan::bench]
fn echo_plain(b: Bencher) {
    echo(b, false);
}

#[divan::bench]
fn echo_loop_filters(b: Bencher) {
    echo(b, true);
}

fn fdn(b: Bencher, depth_ms: f32) {
    let mut fdn = Fdn::new();
    fdn.prepare(RATE, N, 200.0, 2.0);
    fdn.set_lines_ms(&[13.7, 17.9, 23.3, 30.1, 38.9, 50.3, 64.7, 79.3]);
    fdn.set_decay(DecaySettings::default());
    fdn.set_modulation(depth_ms, 0.7);
    fdn.snap_scale();
    fdn.snap_decay();
    fdn.reset();
    let (l, r) = (noise(5), noise(6));
    let (mut ol, mut or) = (vec![0.0; N], vec![0.0; N]);
    b.counter(ItemsCount::new(N)).bench_local(|| {
        fdn.process(
            black_box(&l),
            black_box(&r),
            black_box(&mut ol),
            black_box(&mut or),
        )
    });
}

#[divan::bench]
fn fdn_static(b: Bencher) {
    fdn(b, 0.0);
}

#[divan::bench]
fn fdn_modulated(b: Bencher) {
    fdn(b, 0.5);
}
