//! Phase-coherent bass mono-izer ("mono maker") in mid/side.
//!
//! ```text
//! mid  = (l + r)/2            side  = (l − r)/2
//! mid' = AP2(mid)             side' = LR4_HP(side)
//! l'   = mid' + side'         r'    = mid' − side'
//! ```
//!
//! The side signal loses everything below `fc` through a Linkwitz-Riley
//! 24 dB/oct highpass. The mid signal goes through the 2nd-order allpass
//! (Q = 1/√2) that has exactly the phase of the LR4 `low + high` sum
//! (Linkwitz 1976; see [`crate::blocks::filter`]), so above `fc` mid and side keep
//! their relative phase — the stereo image is untouched up there — and a mono
//! input keeps a flat magnitude everywhere (an allpass).

use crate::blocks::filter::{
    lr4_tail_samples, AllpassSecondOrder, LinkwitzRiley4Crossover, SvfCoefficients,
};

/// Lowest frequency accepted by [`MonoMaker::set_frequency`].
pub const MIN_FREQUENCY_HZ: f32 = 10.0;

/// Bass mono-izer; see the module docs.
#[derive(Debug, Clone)]
pub struct MonoMaker {
    sample_rate: f32,
    frequency: f32,
    mid_allpass: AllpassSecondOrder,
    side_split: LinkwitzRiley4Crossover,
}

impl Default for MonoMaker {
    fn default() -> Self {
        Self::new()
    }
}

impl MonoMaker {
    /// 120 Hz at 48 kHz; call `prepare` and `set_frequency`.
    pub fn new() -> Self {
        let mut m = Self {
            sample_rate: 48_000.0,
            frequency: 120.0,
            mid_allpass: AllpassSecondOrder::new(),
            side_split: LinkwitzRiley4Crossover::new(),
        };
        m.update();
        m
    }

    /// Stores the sample rate, recomputes coefficients and resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.update();
        self.reset();
    }

    /// Sets the frequency below which the signal is made mono, clamped to
    /// `[MIN_FREQUENCY_HZ, 0.49·fs]`. Keeps the filter state (safe to call
    /// every block; smooth the parameter upstream for sweeps).
    pub fn set_frequency(&mut self, hz: f32) {
        let hz = if hz.is_nan() {
            MIN_FREQUENCY_HZ
        } else {
            hz.max(MIN_FREQUENCY_HZ)
        };
        if hz != self.frequency {
            self.frequency = hz;
            self.update();
        }
    }

    /// The current crossover frequency.
    pub fn frequency(&self) -> f32 {
        self.frequency
    }

    fn update(&mut self) {
        // One tan() shared by the allpass and the crossover: identical
        // coefficients are what makes their phases match.
        let c = SvfCoefficients::new(
            self.frequency,
            std::f32::consts::FRAC_1_SQRT_2,
            self.sample_rate,
        );
        self.mid_allpass.set_coefficients(c);
        self.side_split.set_coefficients(c);
    }

    /// Clears the filter states.
    pub fn reset(&mut self) {
        self.mid_allpass.reset();
        self.side_split.reset();
    }

    /// Processes a stereo block in place (the common length of both slices).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let mid = 0.5 * (*l + *r);
            let side = 0.5 * (*l - *r);
            let mid = self.mid_allpass.process_sample(mid);
            let side = self.side_split.process_high(side);
            *l = mid + side;
            *r = mid - side;
        }
        // Without flush-to-zero the crossover's ring-out would end in denormals.
        self.mid_allpass.flush_denormal_state();
        self.side_split.flush_denormal_state();
    }

    /// Samples for the impulse response to decay by 120 dB with the
    /// crossover at `frequency_hz` (clamped like [`set_frequency`](Self::set_frequency))
    /// and `sample_rate` (see [`lr4_tail_samples`] for the derivation from
    /// the pole radius; the LR4 side path, with its double poles, is the
    /// slower of the two paths).
    pub fn tail_samples(frequency_hz: f32, sample_rate: f32) -> usize {
        let hz = if frequency_hz.is_nan() {
            MIN_FREQUENCY_HZ
        } else {
            frequency_hz.max(MIN_FREQUENCY_HZ)
        };
        lr4_tail_samples(hz, sample_rate)
    }

    /// [`tail_samples`](Self::tail_samples) at this instance's frequency and
    /// prepared sample rate.
    pub fn current_tail_samples(&self) -> usize {
        Self::tail_samples(self.frequency, self.sample_rate)
    }

    /// Worst-case tail over all frequencies (at [`MIN_FREQUENCY_HZ`]).
    pub fn max_tail_samples(sample_rate: f32) -> usize {
        lr4_tail_samples(MIN_FREQUENCY_HZ, sample_rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{dft_db, log_freqs, XorShift32};

    const FS: f32 = 48_000.0;
    const N: usize = 1 << 15;

    /// Impulse responses (left, right) for an impulse (a, b) on (l, r).
    fn impulse(m: &mut MonoMaker, a: f32, b: f32) -> (Vec<f32>, Vec<f32>) {
        let mut l = vec![0.0; N];
        let mut r = vec![0.0; N];
        l[0] = a;
        r[0] = b;
        m.process(&mut l, &mut r);
        (l, r)
    }

    fn maker(fc: f32) -> MonoMaker {
        let mut m = MonoMaker::new();
        m.prepare(FS, 512);
        m.set_frequency(fc);
        m
    }

    /// The mono-maker's ring-out ends in exact zeros, not denormals, without flush-to-zero.
    #[test]
    fn tail_ends_in_zeros_without_flush_to_zero() {
        assert!(
            !crate::DenormalGuard::is_flushing(),
            "the test needs the default FP mode"
        );
        let mut m = maker(120.0);
        let mut rng = XorShift32(77);
        let mut l: Vec<f32> = (0..512).map(|_| 0.5 * rng.next_bipolar()).collect();
        let mut r: Vec<f32> = (0..512).map(|_| 0.5 * rng.next_bipolar()).collect();
        m.process(&mut l, &mut r);
        let mut zero_from = None;
        for b in 0..200 {
            let (mut l, mut r) = (vec![0.0f32; 512], vec![0.0f32; 512]);
            m.process(&mut l, &mut r);
            assert!(l.iter().chain(&r).all(|x| !x.is_subnormal()), "block {b}");
            if l.iter().chain(&r).all(|x| x.to_bits() == 0) {
                zero_from.get_or_insert(b);
            } else {
                assert!(zero_from.is_none(), "block {b}: sound again after zeros");
            }
        }
        assert!(zero_from.expect("never silent") < 40);
    }

    #[test]
    fn mono_input_is_flat() {
        let mut m = maker(150.0);
        let (l, r) = impulse(&mut m, 1.0, 1.0);
        assert_eq!(l, r);
        for f in log_freqs(20.0, 20_000.0, 60) {
            assert!(dft_db(&l, f, FS as f64).abs() < 0.01, "{f}");
        }
    }

    #[test]
    fn side_is_removed_below_and_kept_above() {
        let fc = 150.0f32;
        let mut m = maker(fc);
        // Pure side: l = 1, r = −1 → side = 1, mid = 0.
        let (l, r) = impulse(&mut m, 1.0, -1.0);
        // LR4 HP: 20·log10(w⁴/(1+w⁴)); fc/8 → −72 dB, 8·fc → −0.001 dB.
        let lo = dft_db(&l, fc as f64 / 8.0, FS as f64);
        let hi = dft_db(&l, fc as f64 * 8.0, FS as f64);
        assert!(lo < -40.0, "{lo}");
        assert!(hi.abs() < 0.1, "{hi}");
        // Side stays side: r = −l.
        for (a, b) in l.iter().zip(&r) {
            assert_eq!(*a, -*b);
        }
    }

    #[test]
    fn above_fc_the_image_is_kept() {
        // A hard-left signal well above fc comes out (almost) hard left:
        // mid and side share the allpass phase there.
        let fc = 100.0f32;
        let mut m = maker(fc);
        let (l, r) = impulse(&mut m, 1.0, 0.0);
        let f = 20.0 * fc as f64;
        assert!(dft_db(&l, f, FS as f64).abs() < 0.01);
        assert!(dft_db(&r, f, FS as f64) < -50.0);
    }

    #[test]
    fn random_blocks_stay_finite_and_reset_clears() {
        let mut m = maker(200.0);
        let mut rng = XorShift32(7);
        let mut l: Vec<f32> = (0..4096).map(|_| rng.next_bipolar()).collect();
        let mut r: Vec<f32> = (0..4096).map(|_| rng.next_bipolar()).collect();
        for chunk in 0..8 {
            m.set_frequency(50.0 + 100.0 * chunk as f32);
            m.process(
                &mut l[chunk * 512..(chunk + 1) * 512],
                &mut r[chunk * 512..(chunk + 1) * 512],
            );
        }
        assert!(l.iter().chain(&r).all(|x| x.is_finite() && x.abs() < 4.0));
        m.reset();
        let mut z = vec![0.0; 16];
        let mut z2 = vec![0.0; 16];
        m.process(&mut z, &mut z2);
        assert!(z.iter().chain(&z2).all(|&x| x == 0.0));
    }

    #[test]
    fn tail() {
        let m = maker(100.0);
        let t = m.current_tail_samples();
        assert_eq!(t, MonoMaker::tail_samples(100.0, FS));
        // σ = ω_c/√2 → 120 dB in 6·ln10·√2/(2π·100) s = 31.1 ms = 1492 samples
        // (single pole); the double-pole term adds some.
        assert!(t > 1492 && t < 3 * 1492, "{t}");
        assert!(MonoMaker::max_tail_samples(FS) > t);
    }
}
