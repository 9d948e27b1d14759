//! Helpers shared by the unit tests: a deterministic PRNG and spectral
//! measurement by impulse response + DFT (computed in f64).

/// xorshift32 (Marsaglia, "Xorshift RNGs", J. Stat. Software 8(14), 2003).
pub struct XorShift32(pub u32);

impl XorShift32 {
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Uniform in [-1, 1).
    pub fn next_bipolar(&mut self) -> f32 {
        ((self.next_u32() >> 8) as f32 / (1u32 << 23) as f32) - 1.0
    }
}

/// Magnitude in dB of the DFT of `h` at frequency `f` (Hz):
/// `|Σ h[n]·e^{-jωn}|`, ω = 2πf/fs.
pub fn dft_db(h: &[f32], f: f64, fs: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f / fs;
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, &x) in h.iter().enumerate() {
        let ph = w * n as f64;
        re += x as f64 * ph.cos();
        im -= x as f64 * ph.sin();
    }
    10.0 * (re * re + im * im).log10()
}

/// Logarithmically spaced frequencies from `lo` to `hi` inclusive.
pub fn log_freqs(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
        .collect()
}
