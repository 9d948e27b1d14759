//! Measurements of reverb impulse responses, in f64, shared by the unit tests, the host tests
//! and the bench.
//!
//! - **RT60 per octave band**: ISO 3382-1:2009 — band-pass the impulse response (here a
//!   4th-order Butterworth high-pass at `fc/√2` and low-pass at `fc·√2`), Schroeder's backward
//!   integral of its square (Schroeder, "New method of measuring reverberation time",
//!   JASA 37, 1965) gives the energy decay curve; T30 is the least-squares slope between −5
//!   and −35 dB, extrapolated to 60 dB.
//! - **Normalized echo density**: Abel & Huang, "A simple, robust measure of reverberation echo
//!   density", AES 121st Convention, 2006: in a sliding window `w` (here Hann, 20 ms, summing
//!   to 1), the weighted fraction of samples whose magnitude exceeds the window's standard
//!   deviation, divided by `erfc(1/√2) = 0.3173` (that fraction for Gaussian noise). 0 = a
//!   lone echo, 1 = Gaussian (fully dense).
//! - **Inter-channel correlation**: the normalised cross-correlation at lag 0.
//! - **Late-tail coloration** (metallic ringing): the Welch-averaged power spectrum (Welch,
//!   "The use of fast Fourier transform for the estimation of power spectra", IEEE Trans.
//!   Audio Electroacoustics 15(2), 1967: Hann segments of ≈170 ms, 50 % overlap) of 0.5–1.5 s
//!   of the tail, each segment's periodogram normalised to unit power first so the decay does
//!   not weight the early segments; its deviation in dB from its own 1/3-octave-smoothed
//!   envelope, and the spread = the standard deviation of that deviation over the bins from
//!   200 Hz to 10 kHz. A reverb without modes reads the estimator's own spread (exponentially
//!   decaying white noise: ≈1.4 dB, see the test); isolated modes (a ringing tail) read more.

/// `erfc(1/√2)`: the fraction of a Gaussian beyond one standard deviation.
pub const ERFC_INV_SQRT2: f64 = 0.317_310_507_862_914;

/// Direct-form biquad in f64 (RBJ cookbook coefficients).
#[derive(Clone, Copy, Debug)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    z: [f64; 2],
}

impl Biquad {
    fn new(kind_high: bool, fc: f64, q: f64, fs: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * fc / fs;
        let (s, c) = w.sin_cos();
        let alpha = s / (2.0 * q);
        let a0 = 1.0 + alpha;
        let b = if kind_high {
            [(1.0 + c) / 2.0, -(1.0 + c), (1.0 + c) / 2.0]
        } else {
            [(1.0 - c) / 2.0, 1.0 - c, (1.0 - c) / 2.0]
        };
        Biquad {
            b: [b[0] / a0, b[1] / a0, b[2] / a0],
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
            z: [0.0; 2],
        }
    }

    fn tick(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.z[0];
        self.z[0] = self.b[1] * x - self.a[0] * y + self.z[1];
        self.z[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// The impulse response band-passed to the octave around `centre` Hz (4th-order Butterworth
/// edges at `centre/√2` and `centre·√2`).
pub fn octave_band(ir: &[f32], centre: f64, fs: f64) -> Vec<f64> {
    // 4th-order Butterworth = two sections with Q = 0.5412 and 1.3066.
    let qs = [0.541_196_1, 1.306_563];
    let lo = centre / std::f64::consts::SQRT_2;
    let hi = (centre * std::f64::consts::SQRT_2).min(0.45 * fs);
    let mut filters: Vec<Biquad> = qs
        .iter()
        .map(|&q| Biquad::new(true, lo, q, fs))
        .chain(qs.iter().map(|&q| Biquad::new(false, hi, q, fs)))
        .collect();
    ir.iter()
        .map(|&x| filters.iter_mut().fold(f64::from(x), |v, f| f.tick(v)))
        .collect()
}

/// Schroeder energy decay curve in dB, 0 dB at the start.
pub fn schroeder_db(x: &[f64]) -> Vec<f64> {
    let mut acc = 0.0;
    let mut edc = vec![0.0; x.len()];
    for i in (0..x.len()).rev() {
        acc += x[i] * x[i];
        edc[i] = acc;
    }
    let total = edc.first().copied().unwrap_or(0.0).max(1e-300);
    edc.iter()
        .map(|e| 10.0 * (e.max(1e-300) / total).log10())
        .collect()
}

/// T30 (s): least-squares line through the decay curve between −5 and −35 dB, 60 dB of it.
/// `None` if the curve never reaches −35 dB.
pub fn t30(edc_db: &[f64], fs: f64) -> Option<f64> {
    let start = edc_db.iter().position(|&v| v <= -5.0)?;
    let end = edc_db.iter().position(|&v| v <= -35.0)?;
    if end <= start + 2 {
        return None;
    }
    let n = (end - start) as f64;
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for (i, &y) in edc_db[start..end].iter().enumerate() {
        let x = i as f64 / fs;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    (slope < 0.0).then(|| -60.0 / slope)
}

/// RT60 (T30) of one octave band of an impulse response.
pub fn rt60_band(ir: &[f32], centre: f64, fs: f64) -> Option<f64> {
    t30(&schroeder_db(&octave_band(ir, centre, fs)), fs)
}

/// RT60 (T30) of the whole (unfiltered) impulse response.
pub fn rt60_broadband(ir: &[f32], fs: f64) -> Option<f64> {
    let x: Vec<f64> = ir.iter().map(|&v| f64::from(v)).collect();
    t30(&schroeder_db(&x), fs)
}

/// First sample whose magnitude reaches −60 dB of the peak (the response's onset).
pub fn onset(ir: &[f32]) -> usize {
    let peak = ir.iter().fold(0.0f32, |a, v| a.max(v.abs()));
    ir.iter().position(|v| v.abs() >= peak * 1e-3).unwrap_or(0)
}

/// Normalized echo density (Abel & Huang 2006) with a Hann window of `window_ms`, evaluated
/// every `hop` samples; entry `k` is the window centred at sample `k·hop` (zero padded
/// before the start).
pub fn echo_density(ir: &[f32], fs: f64, window_ms: f64, hop: usize) -> Vec<f64> {
    let len = ((window_ms * 0.001 * fs) as usize) | 1;
    let half = len / 2;
    let w: Vec<f64> = (0..len)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (i as f64 + 0.5) / len as f64).cos())
        .collect();
    let wsum: f64 = w.iter().sum();
    let mut out = Vec::new();
    let mut centre = 0;
    while centre < ir.len() {
        let (mut e, mut weights) = (0.0, 0.0);
        for (j, wj) in w.iter().enumerate() {
            let idx = centre as isize + j as isize - half as isize;
            if idx >= 0 && (idx as usize) < ir.len() {
                let v = f64::from(ir[idx as usize]);
                e += wj * v * v;
            }
            weights += wj;
        }
        let sigma = (e / weights).sqrt();
        let mut frac = 0.0;
        for (j, wj) in w.iter().enumerate() {
            let idx = centre as isize + j as isize - half as isize;
            let v = if idx >= 0 && (idx as usize) < ir.len() {
                f64::from(ir[idx as usize])
            } else {
                0.0
            };
            if v.abs() > sigma {
                frac += wj;
            }
        }
        out.push(frac / wsum / ERFC_INV_SQRT2);
        centre += hop;
    }
    out
}

/// Time (s) from the onset until the echo density (20 ms window, 0.5 ms hop) of the sum of
/// the channels first reaches `level`.
pub fn time_to_density(ir: &[f32], fs: f64, level: f64) -> Option<f64> {
    let start = onset(ir);
    let hop = ((0.0005 * fs) as usize).max(1);
    let ned = echo_density(&ir[start..], fs, 20.0, hop);
    ned.iter()
        .position(|&v| v >= level)
        .map(|k| (k * hop) as f64 / fs)
}

/// Normalised cross-correlation at lag 0 (1 = identical, 0 = uncorrelated).
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    if aa == 0.0 || bb == 0.0 {
        return 0.0;
    }
    ab / (aa * bb).sqrt()
}

/// Late-tail coloration (see the module docs): the spread in dB of the Welch-averaged spectrum
/// of `ir[start..start + 1 s]` (`start` = 0.5 s after the onset) around its 1/3-octave-smoothed
/// envelope, over 200 Hz–10 kHz. `None` if the response is shorter than onset + 1.5 s.
pub fn tail_coloration_db(ir: &[f32], fs: f64) -> Option<f64> {
    let start = onset(ir) + (0.5 * fs) as usize;
    let end = start + fs as usize;
    if end > ir.len() {
        return None;
    }
    let power = welch_power(&ir[start..end], fs);
    let seg = (power.len() - 1) * 2;
    let bin_hz = fs / seg as f64;
    let (lo, hi) = (200.0, 10_000.0f64.min(0.45 * fs));
    let third = 2f64.powf(1.0 / 6.0);
    // Prefix sums for the 1/3-octave moving average.
    let mut prefix = vec![0.0f64; power.len() + 1];
    for (k, p) in power.iter().enumerate() {
        prefix[k + 1] = prefix[k] + p;
    }
    let mut dev = Vec::new();
    let k0 = (lo / bin_hz).ceil() as usize;
    let k1 = (hi / bin_hz).floor() as usize;
    for k in k0..=k1.min(power.len() - 1) {
        let f = k as f64 * bin_hz;
        let a = ((f / third / bin_hz).round() as usize).max(1);
        let b = ((f * third / bin_hz).round() as usize).min(power.len() - 1);
        let env = (prefix[b + 1] - prefix[a]) / (b + 1 - a) as f64;
        dev.push(10.0 * (power[k].max(1e-300) / env.max(1e-300)).log10());
    }
    let n = dev.len() as f64;
    let mean = dev.iter().sum::<f64>() / n;
    Some((dev.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// Welch power spectrum of `x` (Hann segments of the power of two nearest 170 ms, 50 %
/// overlap), each segment's periodogram scaled to unit total power before averaging.
fn welch_power(x: &[f32], fs: f64) -> Vec<f64> {
    use realfft::RealFftPlanner;
    let seg = ((0.17 * fs) as usize)
        .next_power_of_two()
        .min(x.len().next_power_of_two());
    let seg = if seg as f64 > 0.17 * fs * 1.5 {
        seg / 2
    } else {
        seg
    };
    let hop = seg / 2;
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(seg);
    let w: Vec<f64> = (0..seg)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / seg as f64).cos())
        .collect();
    let mut acc = vec![0.0f64; seg / 2 + 1];
    let mut buf = fft.make_input_vec();
    let mut spec = fft.make_output_vec();
    let mut start = 0;
    while start + seg <= x.len() {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = f64::from(x[start + i]) * w[i];
        }
        fft.process(&mut buf, &mut spec)
            .expect("sizes from the plan");
        let p: Vec<f64> = spec.iter().map(|c| c.norm_sqr()).collect();
        let total: f64 = p.iter().sum();
        if total > 0.0 {
            for (a, v) in acc.iter_mut().zip(&p) {
                *a += v / total;
            }
        }
        start += hop;
    }
    acc
}

/// Level (dB re. `reference`) of the RMS over `x`.
pub fn rms_db(x: &[f32], reference: f64) -> f64 {
    let e = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64;
    10.0 * (e.max(1e-300)).log10() - 20.0 * reference.log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::XorShift32;

    /// Exponentially decaying noise with a known RT60 measures that RT60 in every band, and
    /// its echo density is ≈1.
    #[test]
    fn measures_synthetic_decay() {
        let fs = 48_000.0;
        let t60 = 1.5;
        let mut rng = XorShift32(99);
        let k = 3.0 * std::f64::consts::LN_10 / (t60 * fs);
        let ir: Vec<f32> = (0..(2.0 * t60 * fs) as usize)
            .map(|n| {
                // Sum of four uniforms: close to Gaussian (NED ≈ 1).
                let g: f32 = (0..4).map(|_| rng.next_bipolar()).sum::<f32>() * 0.5;
                g * (-k * n as f64).exp() as f32
            })
            .collect();
        for c in [250.0, 500.0, 1000.0, 2000.0, 4000.0] {
            let t = rt60_band(&ir, c, fs).unwrap();
            assert!((t / t60 - 1.0).abs() < 0.05, "{c}: {t}");
        }
        let ned = echo_density(&ir, fs, 20.0, 480);
        for v in &ned[2..20] {
            assert!((v - 1.0).abs() < 0.2, "{v}");
        }
        // A lone impulse is as sparse as it gets.
        let mut sparse = vec![0.0f32; 4800];
        sparse[2400] = 1.0;
        assert!(echo_density(&sparse, fs, 20.0, 2400)[1] < 0.2);
        assert!(correlation(&ir, &ir) > 0.999);
    }

    /// Exponentially decaying white noise (no modes) reads the estimator's own spread, and a
    /// tail built from a few hundred isolated, slowly decaying modes (a metallic tail) reads
    /// clearly more; the figure does not depend on the decay rate.
    #[test]
    fn coloration_of_noise_and_of_modes() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            let mut floor = Vec::new();
            for (seed, t60) in [(1u32, 1.0f64), (2, 2.0), (3, 5.0)] {
                let mut rng = XorShift32(seed);
                let k = 3.0 * std::f64::consts::LN_10 / (t60 * fs);
                let noise: Vec<f32> = (0..(2.0 * fs) as usize)
                    .map(|n| rng.next_bipolar() * (-k * n as f64).exp() as f32)
                    .collect();
                floor.push(tail_coloration_db(&noise, fs).unwrap());
            }
            println!("{fs} Hz: decaying white noise {floor:.2?} dB");
            for f in &floor {
                assert!((1.0..1.8).contains(f), "{fs}: {f}");
            }
            // Modes 40 Hz apart, 2 s decay (a sparse, ringing tail).
            let k = 3.0 * std::f64::consts::LN_10 / (2.0 * fs);
            let modes: Vec<f32> = (0..(2.0 * fs) as usize)
                .map(|n| {
                    let t = n as f64 / fs;
                    let s: f64 = (1..250)
                        .map(|m| {
                            (2.0 * std::f64::consts::PI * 40.0 * m as f64 * t + m as f64).sin()
                        })
                        .sum();
                    (s * (-k * n as f64).exp() * 0.05) as f32
                })
                .collect();
            let ringing = tail_coloration_db(&modes, fs).unwrap();
            println!("{fs} Hz: modes 40 Hz apart {ringing:.2} dB");
            assert!(ringing > 2.0 * floor[1], "{fs}: {ringing}");
        }
    }
}
