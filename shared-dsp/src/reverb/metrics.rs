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
}
