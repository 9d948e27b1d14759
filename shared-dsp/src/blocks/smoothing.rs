//! Linear parameter ramps.
//!
//! A value that moves in a straight line to its target over a *fixed* time
//! ("linear smoothing" / "linear ramp", cf. Pirkle, *Designing Audio Effect
//! Plugins in C++*, 2nd ed., ch. 6 "parameter smoothing"; the same scheme is
//! JUCE's `SmoothedValue<Linear>`). A fixed duration, rather than a fixed
//! slope, means every parameter change settles in the same, known time.
//!
//! Interpolation is computed as `start + (target − start)·(n/N)` rather than by
//! accumulating a step, so rounding errors do not build up and the last
//! sample of the ramp (`n = N`) is set to exactly `target`.

/// Default ramp time used by [`LinearRamp::new`] and [`RampedMatrix2::new`].
pub const DEFAULT_RAMP_MS: f32 = 20.0;

/// Default sample rate assumed before `prepare` is called.
const DEFAULT_SAMPLE_RATE: f32 = 48_000.0;

/// Ramp length in samples for `ms` at `sample_rate`: `round(ms·fs/1000)`,
/// at least 1 unless `ms <= 0` (then 0 = jump immediately).
fn ramp_len(ms: f32, sample_rate: f32) -> u32 {
    let n = (ms.max(0.0) * 0.001 * sample_rate).round();
    if n.is_finite() && n >= 0.0 {
        n.min(u32::MAX as f32) as u32
    } else {
        0
    }
}

/// A scalar that moves linearly to a new target over a fixed time.
#[derive(Debug, Clone)]
pub struct LinearRamp {
    sample_rate: f32,
    ramp_ms: f32,
    /// Ramp length in samples (0 = no ramp, jump).
    len: u32,
    /// `1/len`, precomputed so `next` does not divide.
    inv_len: f32,
    start: f32,
    target: f32,
    current: f32,
    /// Samples of the ramp already produced; the ramp is active while `pos < len_active`.
    pos: u32,
    /// Length of the ramp in progress (fixed when it starts) and its inverse.
    len_active: u32,
    inv_active: f32,
}

impl Default for LinearRamp {
    fn default() -> Self {
        Self::new()
    }
}

impl LinearRamp {
    /// A ramp at 0.0 with a [`DEFAULT_RAMP_MS`] ramp time at 48 kHz.
    pub fn new() -> Self {
        let mut r = Self {
            sample_rate: DEFAULT_SAMPLE_RATE,
            ramp_ms: DEFAULT_RAMP_MS,
            len: 0,
            inv_len: 0.0,
            start: 0.0,
            target: 0.0,
            current: 0.0,
            pos: 0,
            len_active: 0,
            inv_active: 0.0,
        };
        r.update_len();
        r
    }

    /// Sets the sample rate (the ramp time in ms is kept). `max_block` is unused.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.update_len();
    }

    /// Sets the ramp duration; takes effect at the next [`set_target`](Self::set_target).
    pub fn set_ramp_time_ms(&mut self, ms: f32) {
        self.ramp_ms = ms;
        self.update_len();
    }

    fn update_len(&mut self) {
        self.len = ramp_len(self.ramp_ms, self.sample_rate);
        self.inv_len = if self.len > 0 {
            1.0 / self.len as f32
        } else {
            0.0
        };
    }

    /// Jumps to `value` and stops any ramp.
    pub fn reset(&mut self, value: f32) {
        self.start = value;
        self.target = value;
        self.current = value;
        self.pos = 0;
        self.len_active = 0;
    }

    /// Starts a new ramp from the current value to `target`, lasting the
    /// configured ramp time. Setting the target it already has is a no-op
    /// (an ongoing ramp to it continues undisturbed); a non-finite target is
    /// ignored.
    pub fn set_target(&mut self, target: f32) {
        if target == self.target || !target.is_finite() {
            return;
        }
        if self.len == 0 {
            self.reset(target);
            return;
        }
        self.start = self.current;
        self.target = target;
        self.pos = 0;
        self.len_active = self.len;
        self.inv_active = self.inv_len;
    }

    /// Advances one sample and returns the new value. The `N`-th call after
    /// `set_target` returns exactly the target.
    #[inline]
    #[allow(clippy::should_implement_trait)] // an endless ramp, not an Iterator
    pub fn next(&mut self) -> f32 {
        if self.pos < self.len_active {
            self.pos += 1;
            if self.pos == self.len_active {
                self.current = self.target;
                self.len_active = 0;
                self.pos = 0;
            } else {
                self.current =
                    self.start + (self.target - self.start) * (self.pos as f32 * self.inv_active);
            }
        }
        self.current
    }

    /// Fills `out` with successive values (same as calling [`next`](Self::next) per sample).
    pub fn fill(&mut self, out: &mut [f32]) {
        if !self.is_ramping() {
            out.fill(self.current);
            return;
        }
        for o in out.iter_mut() {
            *o = self.next();
        }
    }

    /// Advances `n` samples at once (e.g. for a block whose per-sample values
    /// are not needed). Lands exactly on the target if the ramp ends.
    pub fn skip(&mut self, n: usize) {
        if !self.is_ramping() {
            return;
        }
        let left = (self.len_active - self.pos) as usize;
        if n >= left {
            self.reset(self.target);
        } else {
            self.pos += n as u32;
            self.current =
                self.start + (self.target - self.start) * (self.pos as f32 * self.inv_active);
        }
    }

    /// True while a ramp is in progress.
    #[inline]
    pub fn is_ramping(&self) -> bool {
        self.len_active != 0
    }

    /// The value returned by the last [`next`](Self::next) (or set by `reset`).
    #[inline]
    pub fn current(&self) -> f32 {
        self.current
    }

    /// The value the ramp is heading to.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }

    /// Ramp length in samples at the current sample rate.
    pub fn ramp_len_samples(&self) -> usize {
        self.len as usize
    }
}

/// A 2×2 stereo gain matrix.
///
/// ```text
/// | out_l |   | ll  rl | | in_l |
/// | out_r | = | lr  rr | | in_r |
/// ```
///
/// i.e. `out_l = ll·in_l + rl·in_r`, `out_r = lr·in_l + rr·in_r`; the field
/// names read "from → to" (`rl` = how much of the right input goes to the
/// left output).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Matrix2 {
    /// Left input → left output.
    pub ll: f32,
    /// Right input → left output.
    pub rl: f32,
    /// Left input → right output.
    pub lr: f32,
    /// Right input → right output.
    pub rr: f32,
}

impl Default for Matrix2 {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Matrix2 {
    /// Pass-through.
    pub const IDENTITY: Matrix2 = Matrix2 {
        ll: 1.0,
        rl: 0.0,
        lr: 0.0,
        rr: 1.0,
    };

    /// Silence.
    pub const ZERO: Matrix2 = Matrix2 {
        ll: 0.0,
        rl: 0.0,
        lr: 0.0,
        rr: 0.0,
    };

    /// Swaps left and right.
    pub const SWAP: Matrix2 = Matrix2 {
        ll: 0.0,
        rl: 1.0,
        lr: 1.0,
        rr: 0.0,
    };

    /// Builds a matrix from its four coefficients (see the type docs).
    pub const fn new(ll: f32, rl: f32, lr: f32, rr: f32) -> Self {
        Self { ll, rl, lr, rr }
    }

    /// A diagonal matrix: independent gains on left and right.
    pub const fn diagonal(l: f32, r: f32) -> Self {
        Self::new(l, 0.0, 0.0, r)
    }

    /// Matrix product `self · other`: the result applies `other` FIRST and
    /// `self` second, i.e. `self.mul(&other).apply(x) == self.apply(other.apply(x))`.
    pub fn mul(&self, other: &Matrix2) -> Matrix2 {
        // Row (ll, rl) / (lr, rr) times column (ll, lr) / (rl, rr) of `other`.
        Matrix2 {
            ll: self.ll * other.ll + self.rl * other.lr,
            rl: self.ll * other.rl + self.rl * other.rr,
            lr: self.lr * other.ll + self.rr * other.lr,
            rr: self.lr * other.rl + self.rr * other.rr,
        }
    }

    /// Every coefficient multiplied by `g` (an overall gain).
    pub fn scale(&self, g: f32) -> Matrix2 {
        Matrix2::new(self.ll * g, self.rl * g, self.lr * g, self.rr * g)
    }

    /// Applies the matrix to one stereo sample.
    #[inline]
    pub fn apply(&self, l: f32, r: f32) -> (f32, f32) {
        (self.ll * l + self.rl * r, self.lr * l + self.rr * r)
    }

    /// Element-wise linear interpolation `a + (b − a)·t`.
    #[inline]
    pub fn lerp(a: &Matrix2, b: &Matrix2, t: f32) -> Matrix2 {
        Matrix2 {
            ll: a.ll + (b.ll - a.ll) * t,
            rl: a.rl + (b.rl - a.rl) * t,
            lr: a.lr + (b.lr - a.lr) * t,
            rr: a.rr + (b.rr - a.rr) * t,
        }
    }

    /// True if all four coefficients are finite.
    pub fn is_finite(&self) -> bool {
        self.ll.is_finite() && self.rl.is_finite() && self.lr.is_finite() && self.rr.is_finite()
    }
}

/// A [`Matrix2`] whose four coefficients ramp linearly and together to a new
/// target over a fixed ramp time (same scheme as [`LinearRamp`]).
///
/// When the matrix is exactly [`Matrix2::IDENTITY`] and not ramping,
/// [`process`](Self::process) leaves the buffers untouched (bit-exact
/// pass-through). When the matrix is constant it runs a branch-free loop the
/// compiler auto-vectorises.
#[derive(Debug, Clone)]
pub struct RampedMatrix2 {
    sample_rate: f32,
    ramp_ms: f32,
    len: u32,
    start: Matrix2,
    target: Matrix2,
    current: Matrix2,
    pos: u32,
    len_active: u32,
}

impl Default for RampedMatrix2 {
    fn default() -> Self {
        Self::new()
    }
}

impl RampedMatrix2 {
    /// Identity matrix, [`DEFAULT_RAMP_MS`] ramp time, 48 kHz.
    pub fn new() -> Self {
        Self {
            sample_rate: DEFAULT_SAMPLE_RATE,
            ramp_ms: DEFAULT_RAMP_MS,
            len: ramp_len(DEFAULT_RAMP_MS, DEFAULT_SAMPLE_RATE),
            start: Matrix2::IDENTITY,
            target: Matrix2::IDENTITY,
            current: Matrix2::IDENTITY,
            pos: 0,
            len_active: 0,
        }
    }

    /// Sets the sample rate (ramp time in ms is kept). `max_block` is unused.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        self.len = ramp_len(self.ramp_ms, sample_rate);
    }

    /// Sets the ramp duration; takes effect at the next target.
    pub fn set_ramp_time_ms(&mut self, ms: f32) {
        self.ramp_ms = ms;
        self.len = ramp_len(ms, self.sample_rate);
    }

    /// Jumps to `m` and stops any ramp.
    pub fn reset(&mut self, m: Matrix2) {
        self.start = m;
        self.target = m;
        self.current = m;
        self.pos = 0;
        self.len_active = 0;
    }

    /// Starts a ramp from the current coefficients to `m`. Setting the target
    /// it already has is a no-op; a matrix with a non-finite coefficient is
    /// ignored.
    pub fn set_target(&mut self, m: Matrix2) {
        if m == self.target || !m.is_finite() {
            return;
        }
        if self.len == 0 {
            self.reset(m);
            return;
        }
        self.start = self.current;
        self.target = m;
        self.pos = 0;
        self.len_active = self.len;
    }

    /// True while a ramp is in progress.
    pub fn is_ramping(&self) -> bool {
        self.len_active != 0
    }

    /// Coefficients applied to the last processed sample.
    pub fn current(&self) -> Matrix2 {
        self.current
    }

    /// The matrix being ramped to.
    pub fn target(&self) -> Matrix2 {
        self.target
    }

    /// Applies the (ramping) matrix in place. Both slices should have the
    /// same length; only the common length is processed.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let mut done = 0;
        if self.is_ramping() {
            let inv = 1.0 / self.len_active as f32;
            let ramp_n = ((self.len_active - self.pos) as usize).min(n);
            for (l, r) in left[..ramp_n].iter_mut().zip(right[..ramp_n].iter_mut()) {
                self.pos += 1;
                self.current = if self.pos == self.len_active {
                    self.target
                } else {
                    Matrix2::lerp(&self.start, &self.target, self.pos as f32 * inv)
                };
                let (a, b) = self.current.apply(*l, *r);
                *l = a;
                *r = b;
            }
            if self.pos == self.len_active {
                self.reset(self.target);
            }
            done = ramp_n;
        }
        if done < n {
            apply_constant(&self.current, &mut left[done..], &mut right[done..]);
        }
    }
}

/// Constant-matrix loop; a no-op for the exact identity (bit-exact bypass).
fn apply_constant(m: &Matrix2, left: &mut [f32], right: &mut [f32]) {
    if *m == Matrix2::IDENTITY {
        return;
    }
    let Matrix2 { ll, rl, lr, rr } = *m;
    for (l, r) in left.iter_mut().zip(right.iter_mut()) {
        let (a, b) = (*l, *r);
        *l = ll * a + rl * b;
        *r = lr * a + rr * b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_linear_and_lands_on_target() {
        let mut r = LinearRamp::new();
        r.prepare(1000.0, 64); // 1 kHz → 10 ms = 10 samples
        r.set_ramp_time_ms(10.0);
        r.reset(0.0);
        r.set_target(1.0);
        assert!(r.is_ramping());
        for i in 1..=10 {
            let v = r.next();
            // n/N
            assert!((v - i as f32 / 10.0).abs() < 1e-6, "{i} {v}");
        }
        assert_eq!(r.current(), 1.0);
        assert!(!r.is_ramping());
        assert_eq!(r.next(), 1.0);
    }

    #[test]
    fn ramp_restarts_from_current_with_fixed_duration() {
        let mut r = LinearRamp::new();
        r.prepare(1000.0, 64);
        r.set_ramp_time_ms(10.0);
        r.reset(0.0);
        r.set_target(1.0);
        for _ in 0..5 {
            r.next();
        }
        assert!((r.current() - 0.5).abs() < 1e-6);
        r.set_target(-0.5);
        // From 0.5 to -0.5 in 10 samples: step -0.1.
        let v = r.next();
        assert!((v - 0.4).abs() < 1e-6);
        for _ in 0..8 {
            r.next();
        }
        assert!(r.is_ramping());
        assert_eq!(r.next(), -0.5);
        assert!(!r.is_ramping());
    }

    #[test]
    fn ramp_exact_target_for_awkward_values() {
        let mut r = LinearRamp::new();
        r.prepare(44_100.0, 64);
        r.set_ramp_time_ms(13.0); // 573.3 → 573 samples
        assert_eq!(r.ramp_len_samples(), 573);
        r.reset(0.1);
        r.set_target(0.7);
        let mut last = 0.0;
        for _ in 0..573 {
            last = r.next();
        }
        assert_eq!(last, 0.7);
        let mut buf = [0.0; 8];
        r.fill(&mut buf);
        assert!(buf.iter().all(|&x| x == 0.7));
    }

    #[test]
    fn ramp_skip_and_zero_time() {
        let mut r = LinearRamp::new();
        r.prepare(1000.0, 64);
        r.set_ramp_time_ms(10.0);
        r.reset(0.0);
        r.set_target(2.0);
        r.skip(3);
        assert!((r.current() - 0.6).abs() < 1e-6);
        r.skip(100);
        assert_eq!(r.current(), 2.0);
        assert!(!r.is_ramping());
        r.set_ramp_time_ms(0.0);
        r.set_target(5.0);
        assert!(!r.is_ramping());
        assert_eq!(r.current(), 5.0);
        r.set_target(f32::NAN);
        assert_eq!(r.target(), 5.0);
    }

    fn apply(m: &Matrix2, x: (f32, f32)) -> (f32, f32) {
        m.apply(x.0, x.1)
    }

    #[test]
    fn matrix_product_order() {
        let a = Matrix2::new(1.0, 2.0, 3.0, 4.0);
        let b = Matrix2::new(0.5, -1.0, 2.0, 0.25);
        let x = (0.3, -0.7);
        let ab = a.mul(&b);
        let want = apply(&a, apply(&b, x));
        let got = apply(&ab, x);
        assert!((got.0 - want.0).abs() < 1e-6 && (got.1 - want.1).abs() < 1e-6);
        // Hand-computed: [[1,2],[3,4]]·[[0.5,-1],[2,0.25]] = [[4.5,-0.5],[9.5,-2]].
        assert_eq!(ab, Matrix2::new(4.5, -0.5, 9.5, -2.0));
        assert_eq!(a.mul(&Matrix2::IDENTITY), a);
        assert_eq!(Matrix2::SWAP.mul(&Matrix2::SWAP), Matrix2::IDENTITY);
        assert_eq!(a.scale(2.0), Matrix2::new(2.0, 4.0, 6.0, 8.0));
    }

    #[test]
    fn identity_is_bit_exact() {
        let mut m = RampedMatrix2::new();
        m.reset(Matrix2::IDENTITY);
        let mut l: Vec<f32> = vec![1.0, -0.0, f32::MIN_POSITIVE / 4.0, f32::NAN, 0.123_456_79];
        let mut r: Vec<f32> = vec![f32::INFINITY, 0.5, -0.0, 1e-30, -3.0];
        let (l0, r0) = (l.clone(), r.clone());
        m.process(&mut l, &mut r);
        for i in 0..l.len() {
            assert_eq!(l[i].to_bits(), l0[i].to_bits());
            assert_eq!(r[i].to_bits(), r0[i].to_bits());
        }
    }

    #[test]
    fn constant_matrix_applies() {
        let mut m = RampedMatrix2::new();
        m.reset(Matrix2::new(0.5, 0.25, -1.0, 2.0));
        let mut l = vec![1.0, 2.0];
        let mut r = vec![4.0, -2.0];
        m.process(&mut l, &mut r);
        // out_l = 0.5·l + 0.25·r ; out_r = -l + 2r
        assert_eq!(l, vec![1.5, 0.5]);
        assert_eq!(r, vec![7.0, -6.0]);
    }

    #[test]
    fn matrix_ramp_lands_on_target_across_blocks() {
        let mut m = RampedMatrix2::new();
        m.prepare(1000.0, 64);
        m.set_ramp_time_ms(10.0); // 10 samples
        m.reset(Matrix2::IDENTITY);
        m.set_target(Matrix2::SWAP);
        let mut l = vec![1.0f32; 4];
        let mut r = vec![0.0f32; 4];
        m.process(&mut l, &mut r);
        // Sample i (1-based) uses t = i/10: ll = 1 - t, lr = t.
        for i in 0..4 {
            let t = (i + 1) as f32 / 10.0;
            assert!((l[i] - (1.0 - t)).abs() < 1e-6);
            assert!((r[i] - t).abs() < 1e-6);
        }
        let mut l = vec![1.0f32; 12];
        let mut r = vec![0.0f32; 12];
        m.process(&mut l, &mut r);
        // Sample 10 (index 5 of this block) is exactly the target.
        assert_eq!(l[5], 0.0);
        assert_eq!(r[5], 1.0);
        assert!(!m.is_ramping());
        assert_eq!(m.current(), Matrix2::SWAP);
        assert!(l[6..].iter().all(|&x| x == 0.0) && r[6..].iter().all(|&x| x == 1.0));
    }

    #[test]
    fn ramp_back_to_identity_becomes_bit_exact() {
        let mut m = RampedMatrix2::new();
        m.prepare(1000.0, 64);
        m.set_ramp_time_ms(5.0);
        m.reset(Matrix2::diagonal(0.5, 0.5));
        m.set_target(Matrix2::IDENTITY);
        let mut l = vec![0.3f32; 5];
        let mut r = vec![0.3f32; 5];
        m.process(&mut l, &mut r);
        assert_eq!(l[4], 0.3);
        assert!(!m.is_ramping());
        let mut l = vec![0.1f32, f32::NAN];
        let mut r = vec![-0.0f32, 7.0];
        m.process(&mut l, &mut r);
        assert_eq!(l[0], 0.1);
        assert!(l[1].is_nan());
        assert_eq!(r[0].to_bits(), (-0.0f32).to_bits());
    }
}
