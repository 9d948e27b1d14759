//! The bench input, generated here (deterministic seed) so nobody needs sox or a file: like
//! `../shared/bench/make_input.sh`, pink noise at −18.5 dBFS RMS per channel plus sine bursts
//! (1 kHz left, 3 kHz right, 0.3 peak, 0.5 s on with 10 ms half-sine fades, 1.5 s off).

use std::f64::consts::PI;

/// Fixed seed: every run, every machine, the same samples.
pub const SEED: u64 = 0x6765_6c2d_6265_6e63; // "gel-benc"
pub const NOISE_RMS_DBFS: f64 = -18.5;

/// xorshift64*: tiny, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    /// Uniform in [-1, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Pink noise by Paul Kellett's refined filter (−3 dB/octave within ±0.05 dB above 9 Hz).
fn pink(len: usize, rng: &mut Rng) -> Vec<f64> {
    let mut b = [0.0f64; 7];
    (0..len)
        .map(|_| {
            let w = rng.next_f64();
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let y = b.iter().sum::<f64>() + w * 0.5362;
            b[6] = w * 0.115926;
            y
        })
        .collect()
}

/// Sine bursts every 2 s: 0.5 s of `freq` at 0.3 peak with 10 ms half-sine fades.
fn burst(i: usize, rate: f64, freq: f64) -> f64 {
    let period = (2.0 * rate) as usize;
    let on = (0.5 * rate) as usize;
    let fade = (0.01 * rate) as usize;
    let k = i % period;
    if k >= on {
        return 0.0;
    }
    let env = if k < fade {
        (0.5 * PI * k as f64 / fade as f64).sin()
    } else if k >= on - fade {
        (0.5 * PI * (on - k) as f64 / fade as f64).sin()
    } else {
        1.0
    };
    0.3 * env * (2.0 * PI * freq * i as f64 / rate).sin()
}

/// `seconds` of stereo input at `rate`.
pub fn bench_input(seconds: f64, rate: f64) -> [Vec<f32>; 2] {
    let len = (seconds * rate).round() as usize;
    let mut rng = Rng::new(SEED);
    let target = 10f64.powf(NOISE_RMS_DBFS / 20.0);
    let make = |rng: &mut Rng, freq: f64| -> Vec<f32> {
        let noise = pink(len, rng);
        let rms = (noise.iter().map(|x| x * x).sum::<f64>() / len.max(1) as f64).sqrt();
        let gain = if rms > 0.0 { target / rms } else { 0.0 };
        noise
            .iter()
            .enumerate()
            .map(|(i, x)| (x * gain + burst(i, rate, freq)) as f32)
            .collect()
    };
    let left = make(&mut rng, 1000.0);
    let right = make(&mut rng, 3000.0);
    [left, right]
}

/// Sample `i` of a sine at `freq` with peak `amp`.
pub fn sine(i: usize, rate: f64, freq: f64, amp: f64) -> f32 {
    (amp * (2.0 * PI * freq * i as f64 / rate).sin()) as f32
}

pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

pub fn db(x: f64) -> f64 {
    20.0 * x.max(1e-12).log10()
}
