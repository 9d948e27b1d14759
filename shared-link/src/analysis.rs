//! The publisher's analysis of one signal (an instance's output or input): a smoothed power
//! spectrum on the shared log-frequency grid, and the stereo placement.
//!
//! **Spectrum.** Welch's method (P. D. Welch, "The use of fast Fourier transform for the
//! estimation of power spectra", IEEE Trans. Audio Electroacoust. 15(2), 1967) on the windows
//! the tap captures: periodic Hann frames of `N` samples (`N` = the power of two nearest above
//! 85 ms: 4096 at 44.1/48 kHz, 8192 at 88.2 kHz and above), one captured in every
//! `DECIMATION` = 8 (`tap.rs`; the statistics are in the crate docs). Frame `m` gives, per FFT
//! bin `k`, the mean-square power the bin represents, `P_k = c_k·|X_k|² / (N·Σw²)` with
//! `c_k = 2` (one side) except `c = 1` at DC and Nyquist; over all bins it sums to the frame's
//! mean square (Parseval with the window's power `Σw²`, Harris 1978).
//!
//! *Frequency smoothing*: bin `i` of [`Spectrum`](crate::Spectrum) is the power in the
//! 1/6-octave band `[f_i·2^(−1/12), f_i·2^(1/12)]` around its centre [`bin_freq_hz`]
//! (`crate::bin_freq_hz`): `B_i = Σ_k o_ik·P_k`, where `o_ik` is the fraction of bin `k`'s cell
//! `[(k−½)·fs/N, (k+½)·fs/N]` inside the band (bands are about 1.7 grid steps wide, so
//! neighbouring bins overlap). It reads `10·log10(2·B_i)` dB: a full-scale sine inside the band
//! reads 0 dB, noise of mean square `σ²` spread evenly over `W` Hz reads
//! `10·log10(2·σ²·w_i/W)` where `w_i` is the band's overlap with the noise. Below about 300 Hz
//! (48 kHz) a band is narrower than the Hann main lobe (±2 bins of 11.7 Hz), so a tone there
//! spreads over several bins and reads low; noise still reads its true band power.
//!
//! *Time smoothing*: each band power is an exponential average over frames with time constant
//! [`TIME_CONSTANT_S`] (1 s): `B ← B + α·(B_frame − B)`, `α = 1 − exp(−Δ / (τ·fs))` with `Δ`
//! the samples between this frame's end and the previous one's, so the average follows audio
//! time, independent of the publisher's timing and of frames it missed. The first frame
//! initialises it. Levels are clamped at [`SPECTRUM_FLOOR_DB`](crate::SPECTRUM_FLOOR_DB).
//!
//! **Placement.** Mean squares `E_LL`, `E_RR` and the mean product `E_LR` over each captured
//! window (unweighted), exponentially averaged with the same τ and `α`. Balance
//! `(E_RR − E_LL) / (E_LL + E_RR)`: −1 only left, +1 only right. Width `1 − ρ` with the
//! normalised correlation `ρ = E_LR / √(E_LL·E_RR)`: 0 mono (also a mono source panned
//! anywhere, including hard to one side, where `ρ` is taken as 1), 1 uncorrelated, 2 out of
//! phase. Silence reads balance 0, width 0.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::{bin_freq_hz, SPECTRUM_BINS, SPECTRUM_FLOOR_DB};

/// Time constant of the spectrum and placement averages (seconds).
pub const TIME_CONSTANT_S: f32 = 1.0;
/// Full width of the frequency smoothing band (octaves).
pub const SMOOTHING_OCTAVES: f32 = 1.0 / 6.0;

/// FFT length for a sample rate: the power of two at or above 85 ms, 1024…8192 (half the
/// tap's ring, which keeps two windows).
pub(crate) fn fft_size_for(sample_rate: f32) -> usize {
    ((valid_rate(sample_rate).max(8000.0) * 0.085) as usize)
        .next_power_of_two()
        .clamp(1024, crate::tap::RING_LEN / 2)
}

/// The rate itself, or 48 kHz for a nonsensical one.
fn valid_rate(sample_rate: f32) -> f32 {
    if sample_rate.is_finite() && sample_rate > 1000.0 {
        sample_rate
    } else {
        48_000.0
    }
}

/// The band `[lo, hi]` (Hz) of grid bin `i`.
pub fn band_edges_hz(i: usize) -> (f32, f32) {
    let f = bin_freq_hz(i);
    let half = (SMOOTHING_OCTAVES / 2.0).exp2();
    (f / half, f * half)
}

pub(crate) struct SignalAnalysis {
    sample_rate: f32,
    size: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    /// `1 / (N·Σw²)`.
    norm: f32,
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    bin_power: Vec<f32>,
    /// For grid bin `i`: `weights[ranges[i].0..ranges[i].1]` = (FFT bin, overlap fraction).
    ranges: Vec<(usize, usize)>,
    weights: Vec<(usize, f32)>,
    /// Stream position (end) of the last analysed window.
    last_end: Option<u64>,
    /// Exponentially averaged band powers (linear, mean square); `None` before the first frame.
    bands: Option<[f64; SPECTRUM_BINS]>,
    frame_bands: [f64; SPECTRUM_BINS],
    /// (E_LL, E_RR, E_LR), averaged.
    energies: Option<[f64; 3]>,
}

impl SignalAnalysis {
    pub fn new(sample_rate: f32) -> Self {
        let sample_rate = valid_rate(sample_rate);
        let size = fft_size_for(sample_rate);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        // Periodic Hann (Harris 1978, eq. 27a).
        let window: Vec<f32> = (0..size)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * n as f64 / size as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        let window_power: f64 = window.iter().map(|&w| (w as f64) * (w as f64)).sum();
        let spectrum = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        let bins = spectrum.len();
        let (ranges, weights) = band_weights(sample_rate, size, bins);
        Self {
            sample_rate,
            size,
            frame: vec![0.0; size],
            norm: (1.0 / (size as f64 * window_power)) as f32,
            window,
            fft,
            spectrum,
            scratch,
            bin_power: vec![0.0; bins],
            ranges,
            weights,
            last_end: None,
            bands: None,
            frame_bands: [0.0; SPECTRUM_BINS],
            energies: None,
        }
    }

    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// The window length `N` the tap must capture.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Analyse one captured window (`N` samples per channel) that ended at stream position
    /// `end`: its energies and its spectrum enter the averages with
    /// `α = 1 − exp(−(end − previous end) / (τ·fs))`, so the averages follow audio time
    /// whatever the capture schedule and whatever windows were lost.
    pub fn analyse_window(&mut self, end: u64, l: &[f32], r: &[f32]) {
        if l.len() < self.size || r.len() < self.size {
            return;
        }
        let (l, r) = (&l[..self.size], &r[..self.size]);
        let alpha = match self.last_end {
            Some(prev) if end > prev => {
                1.0 - (-((end - prev) as f64) / (TIME_CONSTANT_S as f64 * self.sample_rate as f64))
                    .exp()
            }
            Some(_) => return,
            None => 1.0,
        };
        self.last_end = Some(end);
        self.update_energies(l, r, alpha);
        self.analyse_frame(l, r, alpha);
    }

    fn update_energies(&mut self, l: &[f32], r: &[f32], alpha: f64) {
        let n = l.len();
        let (mut ll, mut rr, mut lr) = (0.0f64, 0.0f64, 0.0f64);
        for (&a, &b) in l.iter().zip(r) {
            let (a, b) = (finite(a) as f64, finite(b) as f64);
            ll += a * a;
            rr += b * b;
            lr += a * b;
        }
        let block = [ll / n as f64, rr / n as f64, lr / n as f64];
        let e = self.energies.get_or_insert(block);
        for (e, b) in e.iter_mut().zip(block) {
            *e += alpha * (b - *e);
        }
    }

    fn analyse_frame(&mut self, l: &[f32], r: &[f32], alpha: f64) {
        self.bin_power.fill(0.0);
        // Mean of the two channels' powers: a mono signal reads its level, out-of-phase
        // content does not cancel.
        for src in [l, r] {
            for ((dst, &s), &w) in self.frame.iter_mut().zip(src.iter()).zip(&self.window) {
                *dst = finite(s) * w;
            }
            if self
                .fft
                .process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch)
                .is_err()
            {
                return;
            }
            let last = self.bin_power.len() - 1;
            for (k, (p, x)) in self.bin_power.iter_mut().zip(&self.spectrum).enumerate() {
                let one_side = if k == 0 || k == last { 1.0 } else { 2.0 };
                *p += 0.5 * one_side * x.norm_sqr() * self.norm;
            }
        }
        for (i, &(a, b)) in self.ranges.iter().enumerate() {
            self.frame_bands[i] = self.weights[a..b]
                .iter()
                .map(|&(k, w)| w as f64 * self.bin_power[k] as f64)
                .sum();
        }
        let bands = self.bands.get_or_insert(self.frame_bands);
        for (b, f) in bands.iter_mut().zip(&self.frame_bands) {
            *b += alpha * (f - *b);
        }
    }

    /// The averaged spectrum in dB ([`SPECTRUM_FLOOR_DB`] before any frame).
    pub fn spectrum_db(&self, out: &mut [f32; SPECTRUM_BINS]) {
        match &self.bands {
            None => out.fill(SPECTRUM_FLOOR_DB),
            Some(bands) => {
                for (o, &b) in out.iter_mut().zip(bands) {
                    *o = power_to_db(b);
                }
            }
        }
    }

    /// (balance, width), see the module docs.
    pub fn placement(&self) -> (f32, f32) {
        let Some([ll, rr, lr]) = self.energies else {
            return (0.0, 0.0);
        };
        placement_from(ll, rr, lr)
    }
}

/// Balance and width from mean squares and the mean product.
pub(crate) fn placement_from(ll: f64, rr: f64, lr: f64) -> (f32, f32) {
    const SILENT: f64 = 1e-12; // −120 dBFS mean square
    let total = ll + rr;
    if total < SILENT {
        return (0.0, 0.0);
    }
    let balance = ((rr - ll) / total).clamp(-1.0, 1.0);
    // One channel 60 dB below the other: a single-channel source, a point (ρ = 1).
    let rho = if ll.min(rr) < 1e-6 * ll.max(rr) {
        1.0
    } else {
        (lr / (ll * rr).sqrt()).clamp(-1.0, 1.0)
    };
    (balance as f32, (1.0 - rho) as f32)
}

/// `10·log10(2·P)`, clamped at the floor: a full-scale sine (`P = ½`) reads 0 dB.
pub(crate) fn power_to_db(p: f64) -> f32 {
    ((10.0 * (2.0 * p).max(1e-30).log10()) as f32).max(SPECTRUM_FLOOR_DB)
}

#[inline]
fn finite(x: f32) -> f32 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

/// Overlap of each FFT bin's cell with each grid band, see the module docs.
/// Per grid bin a range into the weight list; the weights as (FFT bin, overlap fraction).
type BandWeights = (Vec<(usize, usize)>, Vec<(usize, f32)>);

fn band_weights(sample_rate: f32, size: usize, bins: usize) -> BandWeights {
    let bin_hz = sample_rate as f64 / size as f64;
    let mut ranges = Vec::with_capacity(SPECTRUM_BINS);
    let mut weights = Vec::new();
    for i in 0..SPECTRUM_BINS {
        let (lo, hi) = band_edges_hz(i);
        let (lo, hi) = (lo as f64, (hi as f64).min(sample_rate as f64 / 2.0));
        let start = weights.len();
        if hi > lo {
            let first = ((lo / bin_hz) - 0.5).floor().max(0.0) as usize;
            let last = (((hi / bin_hz) + 0.5).ceil() as usize).min(bins - 1);
            for k in first..=last {
                let cell_lo = (k as f64 - 0.5) * bin_hz;
                let cell_hi = (k as f64 + 0.5) * bin_hz;
                let overlap = (cell_hi.min(hi) - cell_lo.max(lo)).max(0.0) / bin_hz;
                if overlap > 0.0 {
                    weights.push((k, overlap as f32));
                }
            }
        }
        ranges.push((start, weights.len()));
    }
    (ranges, weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tap::period;

    /// xorshift32, uniform in −1..1.
    struct Noise(u32);
    impl Noise {
        fn next(&mut self) -> f32 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            self.0 = x;
            (x as f32 / u32::MAX as f32) * 2.0 - 1.0
        }
    }

    /// Analyse `l`/`r` (stream positions `0..len`) as the tap would capture them: the
    /// windows `[k·P, k·P + N)`.
    fn feed(a: &mut SignalAnalysis, l: &[f32], r: &[f32]) {
        let (n, period) = (a.size, period(a.size as u64) as usize);
        for start in (0..l.len().saturating_sub(n - 1)).step_by(period) {
            let end = start + n;
            a.analyse_window(end as u64, &l[start..end], &r[start..end]);
        }
    }

    #[test]
    fn full_scale_sine_reads_zero_db_in_its_band() {
        let fs = 48_000.0;
        let mut a = SignalAnalysis::new(fs);
        // 1 kHz is not a grid centre; its band(s) still hold the whole main lobe.
        let f = 1000.0f32;
        let x: Vec<f32> = (0..fs as usize)
            .map(|n| (2.0 * std::f32::consts::PI * f * n as f32 / fs).sin())
            .collect();
        feed(&mut a, &x, &x);
        let mut db = [0.0; SPECTRUM_BINS];
        a.spectrum_db(&mut db);
        let nearest = (0..SPECTRUM_BINS)
            .min_by(|&i, &j| {
                let d = |k: usize| (bin_freq_hz(k) / f).log2().abs();
                d(i).total_cmp(&d(j))
            })
            .unwrap();
        assert!(
            db[nearest].abs() < 0.3,
            "{} dB at {} Hz",
            db[nearest],
            bin_freq_hz(nearest)
        );
        // An octave away there is nothing but window sidelobes.
        let far = (0..SPECTRUM_BINS)
            .find(|&i| bin_freq_hz(i) > 2.0 * f)
            .unwrap();
        assert!(db[far] < -80.0, "{} dB at {} Hz", db[far], bin_freq_hz(far));
    }

    /// Uniform noise in −1..1, independent in L and R: σ² = 1/3 spread evenly over 0…fs/2, so
    /// band i reads 10·log10(2·σ²·width_i/(fs/2)) on average. One reading per captured window
    /// over 120 s: their power average is within 0.3 dB of that above 1 kHz, and their spread
    /// (standard deviation in dB) matches the crate docs' formula
    /// `4.34·√(α/(2−α) · 1.94/(2·M))` within 25 % at 1, 4 and 12 kHz.
    #[test]
    fn white_noise_reads_its_band_power_with_the_documented_spread() {
        let fs = 48_000.0;
        let mut a = SignalAnalysis::new(fs);
        let (n, period) = (a.size, period(a.size as u64) as usize);
        let mut noise = Noise(12345);
        let windows = (120.0 * fs) as usize / period;
        let (mut l, mut r) = (vec![0.0; n], vec![0.0; n]);
        let mut sum = [0.0f64; SPECTRUM_BINS];
        let mut readings: Vec<[f32; SPECTRUM_BINS]> = Vec::new();
        for k in 0..windows {
            l.iter_mut().for_each(|x| *x = noise.next());
            r.iter_mut().for_each(|x| *x = noise.next());
            a.analyse_window((k * period + n) as u64, &l, &r);
            if k >= 5 {
                let mut db = [0.0; SPECTRUM_BINS];
                a.spectrum_db(&mut db);
                for (s, d) in sum.iter_mut().zip(&db) {
                    *s += 10f64.powf(*d as f64 / 10.0);
                }
                readings.push(db);
            }
        }
        let count = readings.len() as f64;
        for (i, s) in sum.iter().enumerate() {
            let f = bin_freq_hz(i);
            if f < 1000.0 {
                continue; // narrow bands: few degrees of freedom
            }
            let got = 10.0 * (s / count).log10();
            let (lo, hi) = band_edges_hz(i);
            let expected = 10.0 * (2.0 / 3.0 * (hi.min(fs / 2.0) - lo) / (fs / 2.0)).log10();
            assert!(
                (got as f32 - expected).abs() < 0.3,
                "{f} Hz: {got} dB, expected {expected}"
            );
        }
        let alpha = 1.0 - (-(period as f64) / (TIME_CONSTANT_S as f64 * fs as f64)).exp();
        for f in [1000.0, 4000.0, 12_000.0] {
            let i = (0..SPECTRUM_BINS).find(|&i| bin_freq_hz(i) >= f).unwrap();
            let mean = readings.iter().map(|d| d[i] as f64).sum::<f64>() / count;
            let var = readings
                .iter()
                .map(|d| (d[i] as f64 - mean).powi(2))
                .sum::<f64>()
                / count;
            let (lo, hi) = band_edges_hz(i);
            let m = (hi - lo) as f64 * n as f64 / fs as f64;
            let predicted = 4.34 * (alpha / (2.0 - alpha) * 1.94 / (2.0 * m)).sqrt();
            let sd = var.sqrt();
            assert!(
                (sd / predicted - 1.0).abs() < 0.25,
                "{f} Hz: spread {sd:.3} dB, predicted {predicted:.3} dB"
            );
        }
    }

    #[test]
    fn exponential_average_has_the_documented_time_constant() {
        // A sine that stops: a silent window Δ samples after the last tone window has the
        // band power times exp(−Δ/(τ·fs)), whatever windows lie between (lost or not).
        let fs = 48_000.0;
        let mut a = SignalAnalysis::new(fs);
        let f = bin_freq_hz(60);
        let n = a.size;
        let tone: Vec<f32> = (0..fs as usize * 2)
            .map(|k| (2.0 * std::f32::consts::PI * f * k as f32 / fs).sin())
            .collect();
        feed(&mut a, &tone, &tone);
        let last_end = a.last_end.unwrap();
        let mut before = [0.0; SPECTRUM_BINS];
        a.spectrum_db(&mut before);
        let silence = vec![0.0; n];
        let delta = 37_000u64; // 0.77 s
        a.analyse_window(last_end + delta, &silence, &silence);
        let mut after = [0.0; SPECTRUM_BINS];
        a.spectrum_db(&mut after);
        let drop = (before[60] - after[60]) as f64;
        let expected =
            10.0 * std::f64::consts::LOG10_E * delta as f64 / (TIME_CONSTANT_S * fs) as f64;
        assert!(
            (drop - expected).abs() < 0.01,
            "fell {drop} dB, expected {expected}"
        );
        // Once more by τ in two steps: the same total decay.
        let end = last_end + delta;
        let half = (TIME_CONSTANT_S * fs / 2.0) as u64;
        a.analyse_window(end + half, &silence, &silence);
        a.analyse_window(end + 2 * half, &silence, &silence);
        let mut later = [0.0; SPECTRUM_BINS];
        a.spectrum_db(&mut later);
        assert!(((after[60] - later[60]) as f64 - 4.343).abs() < 0.01);
        // A window that is not newer than the last one is ignored.
        a.analyse_window(end, &tone[..n], &tone[..n]);
        let mut again = [0.0; SPECTRUM_BINS];
        a.spectrum_db(&mut again);
        assert_eq!(again, later);
    }

    #[test]
    fn placement_definitions() {
        // Mono centre, hard left, uncorrelated, out of phase.
        assert_eq!(placement_from(1.0, 1.0, 1.0), (0.0, 0.0));
        assert_eq!(placement_from(1.0, 0.0, 0.0), (-1.0, 0.0));
        let (b, w) = placement_from(1.0, 1.0, 0.0);
        assert_eq!((b, w), (0.0, 1.0));
        assert_eq!(placement_from(1.0, 1.0, -1.0), (0.0, 2.0));
        // Panned mono 3:1 in amplitude: balance (9−1)/(9+1) towards the right, still a point.
        let (b, w) = placement_from(1.0, 9.0, 3.0);
        assert!((b - 0.8).abs() < 1e-6 && w.abs() < 1e-6);
        assert_eq!(placement_from(0.0, 0.0, 0.0), (0.0, 0.0));
    }

    #[test]
    fn stereo_placement_from_samples() {
        let fs = 48_000.0;
        let mut a = SignalAnalysis::new(fs);
        let mut noise = Noise(7);
        let l: Vec<f32> = (0..48_000).map(|_| noise.next()).collect();
        let r: Vec<f32> = l.iter().map(|x| 0.5 * x).collect();
        feed(&mut a, &l, &r);
        let (b, w) = a.placement();
        assert!((b - (0.25 - 1.0) / 1.25).abs() < 1e-3, "{b}");
        assert!(w.abs() < 1e-3, "{w}");
    }

    #[test]
    fn non_finite_samples_read_as_silence() {
        let mut a = SignalAnalysis::new(48_000.0);
        let x = vec![f32::NAN; 10_000];
        feed(&mut a, &x, &x);
        let mut db = [0.0; SPECTRUM_BINS];
        a.spectrum_db(&mut db);
        assert!(db.iter().all(|&d| d == SPECTRUM_FLOOR_DB));
    }
}
