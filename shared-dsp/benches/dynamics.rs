//! Gel Compressor's DSP cost, comparable with the peers' figures in
//! `shared/bench` (DSP seconds for 60 s of stereo at 48 kHz, block 512):
//! `cargo bench -p gel-dsp --bench dynamics`. One iteration = 60 s of audio, so
//! divan's time per iteration reads directly as "DSP seconds per 60 s" and
//! the item throughput as stereo frames per second.
//!
//! Input like `shared/bench/make_input.sh`: pink noise (Kellet's "economy"
//! pink filter on xorshift white noise, about −18 dBFS RMS) plus 0.5 s bursts of
//! 1 kHz + 3 kHz sines every 2 s.
//!
//! On a busy machine wall-clock figures are unreliable; for the figure to put
//! beside the peers' `dsp_cpu_s`, run
//! `GEL_BENCH_CPU=1 GEL_BENCH_INPUT=/path/to/in.wav cargo bench -p gel-dsp --bench dynamics`
//! (thread CPU time of the processing loop, on the peers' own input file).

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use gel_dsp::dynamics::{Compressor, CompressorSettings};

const RATE: f32 = 48_000.0;
const FRAMES: usize = 60 * 48_000;
const BLOCK: usize = 512;

fn main() {
    if std::env::var_os("GEL_BENCH_CPU").is_some() {
        cpu_report();
    } else {
        divan::main();
    }
}

/// This thread's CPU time in ns (Linux `/proc/thread-self/schedstat`, first
/// field: time spent running). Unlike wall-clock time it does not count the
/// time the thread waits for a core, so it is comparable with the peers'
/// `dsp_cpu_s` (thread CPU time inside `run`) on a busy machine.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// `GEL_BENCH_CPU=1 cargo bench -p gel-dsp --bench dynamics`: DSP CPU seconds
/// per 60 s stereo (the block loop of `set_settings` + `process` is timed), median of 7 runs.
fn cpu_report() {
    let (l0, r0) = match std::env::var_os("GEL_BENCH_INPUT") {
        Some(path) => {
            read_float_wav(std::path::Path::new(&path)).expect("a 32-bit float stereo WAV")
        }
        None => input(),
    };
    let frames = l0.len();
    let configs: [(&str, CompressorSettings); 3] = [
        ("peer settings", CompressorSettings::default()),
        ("lookahead 5 ms + SC high-pass", lookahead_settings()),
        ("RMS, 50 % link, mid/side", rms_settings()),
    ];
    // `GEL_BENCH_CONFIG=N` runs only the N-th configuration (0-based), e.g. under `perf record`.
    let only: Option<usize> = std::env::var("GEL_BENCH_CONFIG")
        .ok()
        .and_then(|v| v.parse().ok());
    for (index, (name, settings)) in configs.into_iter().enumerate() {
        if only.is_some_and(|o| o != index) {
            continue;
        }
        let mut comp = Compressor::new();
        comp.prepare(RATE, BLOCK);
        let mut runs = Vec::new();
        for _ in 0..7 {
            let (mut l, mut r) = (l0.clone(), r0.clone());
            comp.reset();
            // One clock read per run: a read costs a few µs of CPU itself.
            let t0 = thread_cpu_ns().unwrap_or(0);
            for (bl, br) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
                comp.set_settings(&settings);
                comp.process(bl, br, None);
            }
            let cpu = thread_cpu_ns().unwrap_or(0) - t0;
            black_box((&l, &r));
            runs.push(cpu as f64 * 1e-9);
        }
        runs.sort_by(|a, b| a.total_cmp(b));
        let median = runs[runs.len() / 2];
        println!(
            "{name}: {median:.4} s per 60 s stereo (min {:.4}), {:.1} ns per frame",
            runs[0],
            median * 1e9 / frames as f64
        );
    }
}

/// Reads a stereo 32-bit float WAV (e.g. `shared/bench/make_input.sh`'s
/// `in.wav`, so Gel and the peers process the very same samples).
fn read_float_wav(path: &std::path::Path) -> Option<(Vec<f32>, Vec<f32>)> {
    let bytes = std::fs::read(path).ok()?;
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().ok()?) as usize;
        if id == b"data" {
            let data = &bytes[pos + 8..(pos + 8 + len).min(bytes.len())];
            let samples: Vec<f32> = data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            let l = samples.iter().step_by(2).copied().collect();
            let r = samples.iter().skip(1).step_by(2).copied().collect();
            return Some((l, r));
        }
        pos += 8 + len + (len & 1);
    }
    None
}

fn lookahead_settings() -> CompressorSettings {
    CompressorSettings {
        lookahead_ms: 5.0,
        sc_highpass_hz: Some(100.0),
        ..CompressorSettings::default()
    }
}

fn rms_settings() -> CompressorSettings {
    CompressorSettings {
        detection: gel_dsp::dynamics::Detection::Rms,
        stereo_link: 0.5,
        channel_mode: gel_dsp::dynamics::ChannelMode::MidSide,
        ..CompressorSettings::default()
    }
}

fn input() -> (Vec<f32>, Vec<f32>) {
    let mut seed = 0x1234_5678u32;
    let mut channel = |seed_mix: u32| {
        seed ^= seed_mix;
        let (mut b0, mut b1, mut b2) = (0.0f32, 0.0f32, 0.0f32);
        (0..FRAMES)
            .map(|n| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let white = seed as f32 / u32::MAX as f32 - 0.5;
                // Paul Kellet's economy pink filter (music-dsp archive, 1999).
                b0 = 0.99765 * b0 + white * 0.099_046;
                b1 = 0.96300 * b1 + white * 0.296_516_4;
                b2 = 0.57000 * b2 + white * 1.052_691_3;
                let pink = 0.25 * (b0 + b1 + b2 + white * 0.1848);
                let t = n as f32 / RATE;
                let burst = if t % 2.0 < 0.5 {
                    0.15 * ((std::f32::consts::TAU * 1000.0 * t).sin()
                        + (std::f32::consts::TAU * 3000.0 * t).sin())
                } else {
                    0.0
                };
                pink + burst
            })
            .collect::<Vec<f32>>()
    };
    (channel(1), channel(0xdead_beef))
}

fn run(b: Bencher, settings: CompressorSettings) {
    let (l0, r0) = input();
    let mut comp = Compressor::new();
    comp.prepare(RATE, BLOCK);
    comp.set_settings(&settings);
    let (mut l, mut r) = (l0.clone(), r0.clone());
    b.counter(ItemsCount::new(FRAMES)).bench_local(|| {
        l.copy_from_slice(&l0);
        r.copy_from_slice(&r0);
        for (bl, br) in l.chunks_mut(BLOCK).zip(r.chunks_mut(BLOCK)) {
            comp.set_settings(&settings);
            comp.process(bl, br, None);
        }
        black_box((&l, &r));
    });
}

/// The peers' settings: −20 dB, 4:1, 10/100 ms, peak, soft knee 6 dB, no lookahead.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn peer_settings_60s_stereo(b: Bencher) {
    run(b, CompressorSettings::default());
}

/// Same with 5 ms lookahead and the sidechain high-pass at 100 Hz.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn lookahead_5ms_sc_highpass_60s_stereo(b: Bencher) {
    run(b, lookahead_settings());
}

/// RMS detection, 50 % stereo link, mid/side (the most expensive lane path).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn rms_unlinked_mid_side_60s_stereo(b: Bencher) {
    run(b, rms_settings());
}

/// One second of the peer-settings key as the Clean smoother sees it: the target reduction of
/// the held peak (piecewise constant), 48 000 samples.
fn held_targets() -> Vec<f32> {
    let (l, r) = input();
    let mut hold = gel_dsp::dynamics::SlidingMax::new(960);
    hold.set_window(960);
    let gc = gel_dsp::dynamics::GainComputer::default();
    let mut buf: Vec<f32> = l
        .iter()
        .zip(&r)
        .take(48_000)
        .map(|(a, b)| a.abs().max(b.abs()))
        .collect();
    hold.process_block(&mut buf);
    for v in &mut buf {
        *v = gc.reduction_db(gel_dsp::dynamics::amp_to_db(*v));
    }
    buf
}

fn clean_coefficients() -> gel_dsp::dynamics::BallisticsCoefficients {
    gel_dsp::dynamics::BallisticsCoefficients::new(
        gel_dsp::dynamics::BallisticsMode::Branching,
        0.01,
        0.1,
        0.02,
        false,
        RATE,
    )
}

/// Clean smoother, closed form over runs (`process_block`), 1 s of held-peak targets in
/// chunks of 128.
#[divan::bench(sample_count = 20)]
fn ballistics_clean_closed_form_1s(b: Bencher) {
    let targets = held_targets();
    let c = clean_coefficients();
    let mut state = gel_dsp::dynamics::Ballistics::default();
    let mut buf = targets.clone();
    b.counter(ItemsCount::new(targets.len())).bench_local(|| {
        buf.copy_from_slice(&targets);
        for chunk in buf.chunks_mut(128) {
            state.process_block(&c, chunk);
        }
        black_box(&buf);
    });
}

/// The same through the per-sample recursion (`tick`, what the Clean smoother ran before).
#[divan::bench(sample_count = 20)]
fn ballistics_clean_recursion_1s(b: Bencher) {
    let targets = held_targets();
    let c = clean_coefficients();
    let mut state = gel_dsp::dynamics::Ballistics::default();
    let mut buf = targets.clone();
    b.counter(ItemsCount::new(targets.len())).bench_local(|| {
        buf.copy_from_slice(&targets);
        for x in buf.iter_mut() {
            *x = state.tick(&c, *x);
        }
        black_box(&buf);
    });
}

/// The peak hold (20 ms sliding max), 1 s of |x| in chunks of 128, scalar and SIMD scans.
#[divan::bench(sample_count = 20, args = [false, true])]
fn sliding_max_960_1s(b: Bencher, simd: bool) {
    let (l, _) = input();
    let x: Vec<f32> = l.iter().take(48_000).map(|v| v.abs()).collect();
    let mut hold = gel_dsp::dynamics::SlidingMax::new(960);
    hold.set_window(960);
    hold.set_simd(if simd {
        gel_dsp::simd::Simd::current()
    } else {
        gel_dsp::simd::Simd::scalar()
    });
    let mut buf = x.clone();
    b.counter(ItemsCount::new(x.len())).bench_local(|| {
        buf.copy_from_slice(&x);
        for chunk in buf.chunks_mut(128) {
            hold.process_block(chunk);
        }
        black_box(&buf);
    });
}
