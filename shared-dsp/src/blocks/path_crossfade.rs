//! [`PathCrossfade`]: click-free switching between two processing paths (e.g. an EQ's
//! zero-latency and linear-phase engines), with a warm-up for the path that starts cold.
//!
//! A path that was not running has empty state (an empty FIR delay line, filters at rest):
//! hearing it at once would play its start-up transient. So a switch has two phases:
//!
//! 1. **Warm-up**: the new path runs on the same input for its warm-up length (set per path,
//!    e.g. a linear-phase engine's latency + kernel) while the output is still the old path;
//! 2. **Fade**: a raised-cosine crossfade `y = a + w·(b − a)`, `w = ½ − ½·cos(πt)`, `t` going
//!    linearly 0 → 1 over the fade length. The raised cosine has zero slope at both ends, so
//!    neither the start nor the end of the fade is a corner in the gain (a linear fade's
//!    corners are audible on low tones).
//!
//! Switching back during the warm-up cancels it (the old path never stopped); switching
//! during the fade reverses it from where it is. The caller runs a path while
//! [`PathCrossfade::runs`] says so, resets it when [`PathCrossfade::set_target`] reports a
//! cold start, and calls [`PathCrossfade::mix`] with both outputs while in transition.

/// One of the two paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The first path (e.g. zero latency).
    A,
    /// The second path (e.g. linear phase).
    B,
}

/// Default fade length.
pub const DEFAULT_FADE_MS: f32 = 50.0;

/// The switch state (see the module docs).
#[derive(Debug, Clone)]
pub struct PathCrossfade {
    target: Path,
    /// Fade position: 0 = only A heard, 1 = only B heard.
    t: f32,
    /// Samples the target path still warms up before the fade moves.
    warm_left: usize,
    warmup: [usize; 2],
    fade_ms: f32,
    /// `1 / fade length in samples`.
    step: f32,
}

impl Default for PathCrossfade {
    fn default() -> Self {
        Self::new()
    }
}

impl PathCrossfade {
    /// Steady on A, no warm-up, [`DEFAULT_FADE_MS`] at 48 kHz.
    pub fn new() -> Self {
        let mut s = Self {
            target: Path::A,
            t: 0.0,
            warm_left: 0,
            warmup: [0, 0],
            fade_ms: DEFAULT_FADE_MS,
            step: 1.0,
        };
        s.prepare(48_000.0, 0);
        s
    }

    /// Sets the sample rate (fade length in ms kept).
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        let n = (self.fade_ms * 0.001 * sample_rate).round().max(1.0);
        self.step = 1.0 / n;
    }

    /// Fade length; takes effect at the next `prepare`.
    pub fn set_fade_ms(&mut self, ms: f32) {
        self.fade_ms = ms.max(0.0);
    }

    /// Samples `path` must run before it may be heard.
    pub fn set_warmup(&mut self, path: Path, samples: usize) {
        self.warmup[path as usize] = samples;
    }

    /// Jumps to `path`, no transition.
    pub fn snap(&mut self, path: Path) {
        self.target = path;
        self.t = if path == Path::B { 1.0 } else { 0.0 };
        self.warm_left = 0;
    }

    /// The path being switched to (or the steady one).
    pub fn target(&self) -> Path {
        self.target
    }

    /// Weight of `path` in the output now.
    fn weight_position(&self, path: Path) -> f32 {
        match path {
            Path::A => 1.0 - self.t,
            Path::B => self.t,
        }
    }

    /// Switch to `path`. Returns true when `path` starts cold (was silent and not running):
    /// the caller resets it before running it.
    pub fn set_target(&mut self, path: Path) -> bool {
        if path == self.target {
            return false;
        }
        self.target = path;
        if self.weight_position(path) <= 0.0 {
            self.warm_left = self.warmup[path as usize];
            true
        } else {
            // Mid-fade (or cancelling a warm-up): both paths are warm, fade from here.
            self.warm_left = 0;
            false
        }
    }

    /// The steady path, or None while switching.
    pub fn steady(&self) -> Option<Path> {
        match self.target {
            Path::A if self.t <= 0.0 => Some(Path::A),
            Path::B if self.t >= 1.0 => Some(Path::B),
            _ => None,
        }
    }

    /// Whether `path` must run this block (it is heard, or is warming up to be).
    pub fn runs(&self, path: Path) -> bool {
        path == self.target || self.weight_position(path) > 0.0
    }

    /// Samples until the switch is complete (0 when steady).
    pub fn remaining(&self) -> usize {
        if self.steady().is_some() {
            return 0;
        }
        let dist = (1.0 - self.weight_position(self.target)).max(0.0);
        self.warm_left + (dist / self.step).ceil() as usize
    }

    /// Writes the output into `a` from the two paths' outputs `a` and `b` (equal lengths),
    /// advancing the switch. When steady, `a` receives the steady path.
    pub fn mix(
        &mut self,
        a_left: &mut [f32],
        a_right: &mut [f32],
        b_left: &[f32],
        b_right: &[f32],
    ) {
        let n = a_left
            .len()
            .min(a_right.len())
            .min(b_left.len())
            .min(b_right.len());
        let dir = if self.target == Path::B { 1.0 } else { -1.0 };
        for i in 0..n {
            if self.warm_left > 0 {
                self.warm_left -= 1;
            } else {
                self.t = (self.t + dir * self.step).clamp(0.0, 1.0);
            }
            if self.t <= 0.0 {
                continue;
            }
            if self.t >= 1.0 {
                a_left[i] = b_left[i];
                a_right[i] = b_right[i];
                continue;
            }
            let w = 0.5 - 0.5 * (std::f32::consts::PI * self.t).cos();
            a_left[i] += w * (b_left[i] - a_left[i]);
            a_right[i] += w * (b_right[i] - a_right[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(x: &mut PathCrossfade, a: f32, b: f32, n: usize) -> Vec<f32> {
        let mut al = vec![a; n];
        let mut ar = vec![a; n];
        x.mix(&mut al, &mut ar, &vec![b; n], &vec![b; n]);
        assert_eq!(al, ar);
        al
    }

    #[test]
    fn warm_up_then_raised_cosine() {
        let mut x = PathCrossfade::new();
        x.set_fade_ms(1.0);
        x.prepare(48_000.0, 0); // 48-sample fade
        x.set_warmup(Path::B, 100);
        assert_eq!(x.steady(), Some(Path::A));
        assert!(!x.runs(Path::B));
        assert!(x.set_target(Path::B), "B starts cold");
        assert!(x.runs(Path::A) && x.runs(Path::B));
        assert_eq!(x.remaining(), 148);
        let out = run(&mut x, 0.0, 1.0, 200);
        // Warm-up: only A (0.0) is heard.
        assert!(out[..100].iter().all(|&v| v == 0.0));
        // Fade: w(k) = ½ − ½cos(π·k/48) for the k-th fade sample.
        for k in 1..=48 {
            let want = 0.5 - 0.5 * (std::f32::consts::PI * k as f32 / 48.0).cos();
            assert!((out[99 + k] - want).abs() < 1e-5, "{k}: {}", out[99 + k]);
        }
        assert!(out[148..].iter().all(|&v| v == 1.0));
        assert_eq!(x.steady(), Some(Path::B));
        assert!(!x.runs(Path::A));
        // The largest step between samples is the raised cosine's: π/2 per fade length.
        let max_step = out
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(
            max_step <= std::f32::consts::FRAC_PI_2 / 48.0 + 1e-6,
            "{max_step}"
        );
    }

    #[test]
    fn reversing_mid_fade_and_cancelling_warm_up() {
        let mut x = PathCrossfade::new();
        x.set_fade_ms(1.0);
        x.prepare(48_000.0, 0);
        x.set_warmup(Path::B, 10);
        x.set_warmup(Path::A, 10);
        x.set_target(Path::B);
        run(&mut x, 0.0, 1.0, 5);
        // Back to A during B's warm-up: A never stopped, steady at once.
        assert!(!x.set_target(Path::A));
        assert_eq!(x.steady(), Some(Path::A));
        x.set_target(Path::B);
        let out = run(&mut x, 0.0, 1.0, 10 + 24);
        let mid = *out.last().unwrap();
        assert!((mid - 0.5).abs() < 0.01, "{mid}");
        // Reverse halfway: no warm-up (both paths run), the fade goes back from 0.5.
        assert!(!x.set_target(Path::A));
        let back = run(&mut x, 0.0, 1.0, 30);
        assert!(back[0] < mid && back[0] > mid - 0.05);
        assert!((back[23] - 0.0).abs() < 1e-6, "{}", back[23]);
        assert_eq!(x.steady(), Some(Path::A));
    }
}
