//! Gel Delay's whole signal path: the echo loop ([`EchoEngine`]), ducking of the echoes by
//! the input ([`Ducker`]) and the output stage ([`DryWetMix`]: equal-power dry/wet mix,
//! width, output gain).
//!
//! ```text
//! wet = EchoEngine(x)                        (lines, time change, loop filters, saturator …)
//! g   = Ducker(x)                            (1 / (1 + amount·16·env), smoothed)
//! out = dry·x + W·(g·wet)                    (DryWetMix; dry, W include mix, width, output)
//! ```
//!
//! The plugin fills one [`DelaySettings`] per block (delay times already in samples) and
//! calls [`DelayEngine::set`] then [`process`](DelayEngine::process), or
//! [`sleep`](DelayEngine::sleep) while its input is silent and the loop
//! [is quiet](DelayEngine::is_quiet). Every setting glides (see the parts), so the
//! per-block call never clicks. The block is processed in slices of at most the prepared
//! `max_block`, so a host that sends a longer block than it announced is still served.

use crate::blocks::ducker::Ducker;
use crate::blocks::gain::gain_to_db;
use crate::blocks::mix::{DryWetMix, MixSettings};
use crate::delay::echo::{EchoEngine, EchoSettings};

/// Everything the engine is told per block.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DelaySettings {
    /// The echo loop.
    pub echo: EchoSettings,
    /// Ducking amount 0..1 (0 = off).
    pub duck_amount: f32,
    /// Ducking release (ms).
    pub duck_release_ms: f32,
    /// Mix, wet only, width and output gain.
    pub output: MixSettings,
}

/// The delay engine (see the module docs).
#[derive(Debug, Clone)]
pub struct DelayEngine {
    echo: EchoEngine,
    ducker: Ducker,
    mix: DryWetMix,
    wet: [Vec<f32>; 2],
    duck_gain: Vec<f32>,
    /// Smallest ducking gain of the last block (1 = no ducking).
    duck_min: f32,
    /// True while [`sleep`](Self::sleep) has cleared the loop and nothing ran since.
    asleep: bool,
}

impl Default for DelayEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl DelayEngine {
    /// An engine at default settings; allocates in [`prepare`](Self::prepare).
    pub fn new() -> Self {
        Self {
            echo: EchoEngine::new(),
            ducker: Ducker::new(),
            mix: DryWetMix::new(),
            wet: [Vec::new(), Vec::new()],
            duck_gain: Vec::new(),
            duck_min: 1.0,
            asleep: false,
        }
    }

    /// Allocates the lines and the scratch buffers for blocks of up to `max_block` samples at
    /// `sample_rate`; clears the state.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        let max_block = max_block.max(1);
        self.echo.prepare(sample_rate, max_block);
        self.ducker.prepare(sample_rate, max_block);
        self.mix.prepare(sample_rate, max_block);
        self.wet = [vec![0.0; max_block], vec![0.0; max_block]];
        self.duck_gain = vec![1.0; max_block];
        self.reset();
    }

    /// Clears the signal state (the loop and the ducking envelope), e.g. after a non-finite
    /// input; settings and glides stay.
    pub fn reset(&mut self) {
        self.echo.reset();
        self.ducker.reset();
        self.duck_min = 1.0;
        self.asleep = false;
    }

    /// New settings; everything glides there.
    pub fn set(&mut self, s: &DelaySettings) {
        self.echo.set(&s.echo);
        self.ducker.set_amount(s.duck_amount);
        self.ducker.set_release_ms(s.duck_release_ms);
        self.mix.set(&s.output);
    }

    /// New settings, jumped to without any glide (after a reset, or while nothing sounds).
    pub fn snap(&mut self, s: &DelaySettings) {
        self.echo.snap(&s.echo);
        self.ducker.set_release_ms(s.duck_release_ms);
        self.ducker.reset_amount(s.duck_amount);
        self.mix.snap(&s.output);
    }

    /// Processes one block in place: `left`/`right` are the input and receive the output.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.asleep = false;
        let n = left.len().min(right.len());
        let chunk = self.duck_gain.len().max(1);
        self.duck_min = 1.0;
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            let len = end - start;
            let [wet_l, wet_r] = &mut self.wet;
            let (wet_l, wet_r) = (&mut wet_l[..len], &mut wet_r[..len]);
            self.echo.process(l, r, wet_l, wet_r);
            let duck = if self.ducker.is_bypassed() {
                None
            } else {
                let gain = &mut self.duck_gain[..len];
                self.ducker.process(l, r, gain);
                self.duck_min = gain.iter().fold(self.duck_min, |m, g| m.min(*g));
                Some(&*gain)
            };
            self.mix.process(l, r, wet_l, wet_r, duck);
            start = end;
        }
    }

    /// A block of silent input while the loop [is quiet](Self::is_quiet): outputs silence
    /// without running the loop. The first such block clears what is left in the line (below
    /// −160 dBFS) to exact zeros; every one jumps to `s` (there is nothing to glide on).
    pub fn sleep(&mut self, s: &DelaySettings, left: &mut [f32], right: &mut [f32]) {
        if !self.asleep {
            self.reset();
            self.asleep = true;
        }
        self.snap(s);
        self.duck_min = 1.0;
        left.fill(0.0);
        right.fill(0.0);
    }

    /// True once nothing the read heads can still reach is above −160 dBFS
    /// ([`EchoEngine::is_quiet`]).
    pub fn is_quiet(&self) -> bool {
        self.echo.is_quiet()
    }

    /// The loop's ring-out in samples; `None` while it rings forever (freeze, feedback at or
    /// above 100 %). See [`EchoEngine::tail_samples`].
    pub fn tail_samples(&self) -> Option<u64> {
        self.echo.tail_samples()
    }

    /// The delays the heads are at now (samples).
    pub fn current_delays(&self) -> [f64; 2] {
        self.echo.current_delays()
    }

    /// The deepest ducking of the last block in dB (≥ 0; 0 when nothing ducked).
    pub fn duck_reduction_db(&self) -> f32 {
        -gain_to_db(self.duck_min).min(0.0)
    }

    /// The echo loop, e.g. to pick its SIMD kernels.
    pub fn echo_mut(&mut self) -> &mut EchoEngine {
        &mut self.echo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::ducker::SENSITIVITY;
    use crate::blocks::mix::mix_gains;

    const FS: f32 = 48_000.0;

    /// 100-sample delay, no feedback, dry/wet at `mix`.
    fn settings(mix: f32, feedback: f32) -> DelaySettings {
        DelaySettings {
            echo: EchoSettings {
                delay_samples: [100.0, 100.0],
                feedback,
                ..EchoSettings::default()
            },
            duck_amount: 0.0,
            duck_release_ms: 250.0,
            output: MixSettings {
                mix,
                ..MixSettings::default()
            },
        }
    }

    fn engine(s: &DelaySettings, max_block: usize) -> DelayEngine {
        let mut e = DelayEngine::new();
        e.prepare(FS, max_block);
        e.snap(s);
        e
    }

    fn impulse(len: usize) -> (Vec<f32>, Vec<f32>) {
        let mut l = vec![0.0f32; len];
        l[0] = 0.5;
        (l.clone(), l)
    }

    #[test]
    fn impulse_lands_on_the_delay_time_at_the_mix_law_levels() {
        let mix = 0.3;
        let s = settings(mix, 0.0);
        let mut e = engine(&s, 64);
        let (mut l, mut r) = impulse(256);
        e.process(&mut l, &mut r);
        let (dry, wet) = mix_gains(mix, false);
        assert!((l[0] - 0.5 * dry).abs() < 1e-6, "dry {}", l[0]);
        assert!((l[100] - 0.5 * wet).abs() < 1e-6, "echo {}", l[100]);
        for (i, v) in l.iter().enumerate() {
            if i != 0 && i != 100 {
                assert_eq!(*v, 0.0, "sample {i}");
            }
        }
        assert_eq!(l, r);
    }

    #[test]
    fn tail_repeats_by_the_feedback_and_rings_out() {
        let s = settings(1.0, 0.5);
        let mut e = engine(&s, 512);
        let (mut l, mut r) = impulse(1024);
        e.process(&mut l, &mut r);
        // All wet: echoes at 100, 200, 300 … each half the previous one.
        for k in 1..=9 {
            let want = 0.5 * 0.5f32.powi(k - 1);
            assert!((l[100 * k as usize] - want).abs() < 1e-6, "repeat {k}");
        }
        let tail = e.tail_samples().expect("finite feedback rings out");
        // ⌈ln(1e-8)/ln 0.5⌉ + 1 = 28 passes of (at least) the 100-sample delay.
        assert!(tail >= 2800, "{tail}");
        assert!(!e.is_quiet());
        let mut silence = vec![0.0f32; tail as usize];
        let mut s_r = silence.clone();
        e.process(&mut silence, &mut s_r);
        assert!(e.is_quiet(), "quiet once the estimated tail has passed");

        let mut frozen = s;
        frozen.echo.freeze = true;
        e.set(&frozen);
        assert_eq!(e.tail_samples(), None, "frozen: endless");
    }

    #[test]
    fn ducking_depth_follows_the_ducker_law() {
        // All wet, echoes of a steady input at −12 dBFS ducked by amount 1: the wet gain settles
        // at 1/(1 + 16·0.25) = −14 dB.
        let mut s = settings(1.0, 0.0);
        s.duck_amount = 1.0;
        let mut e = engine(&s, 480);
        let n = 48_000;
        let (mut l, mut r) = (vec![0.25f32; n], vec![0.25f32; n]);
        e.process(&mut l, &mut r);
        let want = 0.25 / (1.0 + SENSITIVITY * 0.25);
        assert!((l[n - 1] - want).abs() < 1e-4, "{} vs {want}", l[n - 1]);
        let db = 20.0 * (1.0 + SENSITIVITY * 0.25f32).log10();
        assert!((e.duck_reduction_db() - db).abs() < 0.01);
    }

    #[test]
    fn block_size_does_not_change_the_output() {
        let mut s = settings(0.6, 0.7);
        s.duck_amount = 0.5;
        s.output.width = 0.4;
        let input: Vec<f32> = (0..3000)
            .map(|i| ((i * 37 % 101) as f32 / 101.0 - 0.5) * 0.6)
            .collect();
        let run = |max_block: usize, block: usize| {
            let mut e = engine(&s, max_block);
            let (mut l, mut r) = (input.clone(), input.iter().map(|x| -x).collect::<Vec<_>>());
            for (cl, cr) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                e.process(cl, cr);
            }
            (l, r)
        };
        let whole = run(4096, 3000);
        assert_eq!(run(64, 3000), whole, "longer than max_block: sliced");
        assert_eq!(run(256, 97), whole, "odd host blocks");
    }

    #[test]
    fn sleep_outputs_silence_and_wakes_clean() {
        let s = settings(0.5, 0.3);
        let mut e = engine(&s, 64);
        let (mut l, mut r) = impulse(64);
        e.process(&mut l, &mut r);
        let (mut l, mut r) = (vec![0.3f32; 64], vec![0.3f32; 64]);
        e.sleep(&s, &mut l, &mut r);
        assert!(l.iter().chain(&r).all(|v| *v == 0.0));
        assert!(e.is_quiet(), "the line was cleared");
        // Awake again: the echo of the old impulse is gone.
        let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
        e.process(&mut l, &mut r);
        assert!(l.iter().chain(&r).all(|v| *v == 0.0));
    }
}
