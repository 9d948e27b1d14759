//! Digital realisation of an analog section: a biquad whose magnitude is
//! fitted to the analog prototype over the audible band, so the response
//! does not cramp near Nyquist. Zero latency, minimum phase.
//!
//! ## Method
//! The magnitude-squared of any real biquad is a ratio of two quadratics in
//! `t = sin²(ω/2)` (M. Vicanek, "Matched Second Order Digital Filters",
//! 2016, §2, with `φ1 = t`, `φ0 = 1 − t`, `φ2 = 4φ0φ1`):
//!
//! ```text
//! |H(e^jω)|² = N(t)/D(t),  N(t) = B0·φ0 + B1·φ1 + B2·φ2   (same for D with A0..A2)
//! B0 = (b0+b1+b2)², B1 = (b0−b1+b2)², B2 = −4·b0·b2
//! ```
//!
//! 1. **Matched start** (Vicanek §3): the poles are the analog poles mapped by
//!    impulse invariance, `z = e^{pT}` (`a1 = −2e^{−ζω0T}cos(ω0T√(1−ζ²))`,
//!    `a2 = e^{−2ζω0T}`). Instead of matching the numerator at DC, f0 and
//!    Nyquist, its coefficients are fitted by **linear least squares on the
//!    relative error of |H|²**, `N(tᵢ)/(Tᵢ·D(tᵢ)) − 1`, on a grid of ~50
//!    points: 36 from 20 Hz to 20 kHz in equal steps of `ln f + f/5 kHz`
//!    (log spacing at low frequencies, about 1.2 kHz apart towards 20 kHz,
//!    where the digital curve has to bend away from the analog one), ten
//!    around each resonance of the section's poles and zeros (spaced by its
//!    bandwidth, so a Q = 40 bell is seen) and three between 20 kHz and
//!    Nyquist at a tenth of the weight (keeps the curve sane above the
//!    band). Lawson's iteratively re-weighted LS (C. L. Lawson, thesis, UCLA
//!    1961; weights ← weights·|error|) moves the LS solution towards the
//!    minimax one.
//! 2. **Free poles** if that leaves more than 0.01 dB: Sanathanan–Koerner
//!    iteration (IEEE Trans. AC 8(1), 1963) — the numerator *and* the
//!    denominator `D(t) = 1 + d1·t + d2·t²` are fitted together by the linear
//!    problem `min Σ wᵢ·[(N(tᵢ) − Tᵢ·D(tᵢ))/(Tᵢ·D_prev(tᵢ))]²`, re-solved with
//!    the previous D, again with Lawson weights. A candidate is kept only if
//!    `D > 0` on `[0, 1]` (then its spectral factor is strictly stable) and
//!    its grid error beats the best so far.
//! 3. **Spectral factorisation** (Vicanek eq. 23–25) turns `(B0, B1, B2)` into
//!    a minimum-phase `b0 + b1·z⁻¹ + b2·z⁻²`:
//!    `W = (√B0 + √B1)/2`, `b0 = (W + √(W² + B2))/2`, `b1 = (√B0 − √B1)/2`,
//!    `b2 = −B2/(4·b0)`. `B0, B1 ≥ 0` and `W² + B2 ≥ 0` (i.e. `N ≥ 0` on
//!    `[0, 1]`) are enforced by clamping.
//! 4. **Two sections** for a bell, shelf or tilt band whose single fit leaves
//!    more than [`PAIR_THRESHOLD_DB`](super::PAIR_THRESHOLD_DB) on the grid
//!    (near Nyquist, resonant shelves): one biquad cannot bend from the analog
//!    curve at 20 kHz to the zero slope every digital response has at Nyquist.
//!    `|H|²` of a cascade of two biquads is `N1·N2/(D1·D2)`, a ratio of two
//!    **quartics** in `t` (|B|² of an order-n FIR is a polynomial of degree n
//!    in `cos ω`, hence in `t = (1 − cos ω)/2`; Oppenheim & Schafer,
//!    *Discrete-Time Signal Processing*, ch. 5, the magnitude-squared
//!    function). Both are fitted **jointly** by the same Sanathanan–Koerner
//!    problem with quartic `N` and `D = 1 + d1·t + … + d4·t⁴`, started from
//!    the single fit's poles doubled (`D_prev = |A|⁴`), which alone already
//!    gives most of the gain; the Lawson weights here grow with
//!    `weight·|error|`, so the points above 20 kHz count a tenth in the
//!    minimax. Each polynomial `p(t) = p0·Π(1 − ρₖt)` is split over its roots
//!    (`ρₖ` = roots of the reversed monic quartic, by the Durand–Kerner
//!    iteration: E. Durand, *Solutions numériques des équations algébriques*,
//!    1960; I. O. Kerner, Numer. Math. 8, 1966) into two real quadratics —
//!    conjugate roots together — each positive on `[0, 1]` and factored as in
//!    step 3. A real root inside `(0, 1]` (a sign change: a zero on the unit
//!    circle) is not realisable; the LS puts such roots only as a nearly
//!    cancelling pole–zero doublet between grid points, which is dropped from
//!    both (the band is then a second- plus a first-order section). The second
//!    ("correction") section is the numerator/denominator factor pair that
//!    varies least on the grid, centred on 0 dB; the main section, close to
//!    the single fit, takes the rest (it is the one the band's moving,
//!    one-section form ramps into). The candidate with the least grid error of
//!    the realised cascade is kept; the band keeps one section if that is not
//!    better.
//!
//! The other band types (cuts, notch, band pass) get instead, when their
//! cascade deviates by more than
//! [`CORRECTION_THRESHOLD_DB`](super::CORRECTION_THRESHOLD_DB), the
//! sequential correction of [`SectionDesigner::design_correction`] (one more
//! biquad fitted to the remaining error of the cascade).
//!
//! Pinned zeros keep the structure of the prototype: the DC zero(s) of low
//! cuts and band pass (numerator basis `t`, `t²` resp. `t²` only) and the
//! notch zeros on the unit circle at exactly `ω0 = 2πf0/fs`
//! (`N = g·(t − sin²(ω0/2))²`).
//!
//! Everything runs on fixed-size stack arrays (no allocation); the cost is a
//! few small QR least-squares solves: ≈5 µs for a section the matched start
//! already fits, ≈40 µs when the poles are refitted (near Nyquist); the
//! two-section fit adds ≈25–70 µs (its first iteration usually gets below the
//! 0.03 dB where it stops), ≈125 µs for the slowest bell/shelf design (was
//! ≈70 µs with one section; release build, minimum of repeated runs on a busy
//! 2-core machine). A 96 dB/oct cut (eight sections and a correction) stays
//! the slowest design of all, ≈420 µs there.

// Small fixed-size numeric kernels: indexed loops read like the maths.
#![allow(clippy::needless_range_loop)]

use super::analog::{AnalogSection, ZeroConstraint, MAX_SECTIONS};

/// Number of base grid points from 20 Hz to 20 kHz.
const N_BASE: usize = 36;
/// Above about this frequency (Hz) the base grid turns from log to linear
/// spacing.
const F_LIN: f64 = 5000.0;
/// Most grid points per fit.
const MAX_PTS: usize = 64;
/// Accept the matched-pole fit when its grid error is below this (dB).
const GOOD_ENOUGH_DB: f64 = 0.01;
/// Lawson iterations of the numerator-only fit.
const NUM_ITERS: usize = 3;
/// Sanathanan–Koerner (+ Lawson) iterations of the full fit.
const SK_ITERS: usize = 12;
/// Of which plain (unweighted) LS.
const SK_PLAIN: usize = 3;
/// Degree in `t` of `|H|²`'s numerator and denominator for two sections.
const PAIR_DEG: usize = 4;
/// Sanathanan–Koerner (+ Lawson) iterations of the two-section fit.
const PAIR_ITERS: usize = 10;
/// Of which plain LS.
const PAIR_PLAIN: usize = 3;
/// The two-section fit stops once its grid error is below this (dB).
const PAIR_GOOD_ENOUGH_DB: f64 = 0.03;
/// Most Durand–Kerner iterations per quartic.
const QUARTIC_ITERS: usize = 50;

/// A digital biquad `(b0 + b1·z⁻¹ + b2·z⁻²)/(1 + a1·z⁻¹ + a2·z⁻²)` (`a[0] = 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    /// Numerator `b0, b1, b2`.
    pub b: [f64; 3],
    /// Denominator `1, a1, a2`.
    pub a: [f64; 3],
}

impl Biquad {
    /// `H = 1`.
    pub const IDENTITY: Self = Self {
        b: [1.0, 0.0, 0.0],
        a: [1.0, 0.0, 0.0],
    };

    /// `|H(e^{jω})|²` at `ω = 2πf/fs`, evaluated from the coefficients.
    pub fn mag2(&self, f_hz: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * f_hz / sample_rate;
        let (c1, s1) = (w.cos(), w.sin());
        let (c2, s2) = ((2.0 * w).cos(), (2.0 * w).sin());
        let nr = self.b[0] + self.b[1] * c1 + self.b[2] * c2;
        let ni = self.b[1] * s1 + self.b[2] * s2;
        let dr = self.a[0] + self.a[1] * c1 + self.a[2] * c2;
        let di = self.a[1] * s1 + self.a[2] * s2;
        (nr * nr + ni * ni) / (dr * dr + di * di)
    }

    /// Magnitude in dB at `f_hz`.
    pub fn magnitude_db(&self, f_hz: f64, sample_rate: f64) -> f64 {
        10.0 * self.mag2(f_hz, sample_rate).log10()
    }

    /// Largest pole radius (< 1 for a stable section).
    pub fn pole_radius(&self) -> f64 {
        let (a1, a2) = (self.a[1], self.a[2]);
        let disc = a1 * a1 - 4.0 * a2;
        if disc < 0.0 {
            a2.abs().sqrt()
        } else {
            let r = disc.sqrt();
            ((-a1 + r) / 2.0).abs().max(((-a1 - r) / 2.0).abs())
        }
    }
}

/// `|B(e^jω)|²` in Vicanek's basis: `[B0, B1, B2]` (see the module docs).
type Mag2 = [f64; 3];

#[inline]
fn eval_mag2(m: &Mag2, t: f64) -> f64 {
    m[0] * (1.0 - t) + m[1] * t + 4.0 * m[2] * t * (1.0 - t)
}

/// Polynomial `n0 + n1·t + n2·t²` → Vicanek's `[B0, B1, B2]`.
#[inline]
fn mag2_from_poly(n0: f64, n1: f64, n2: f64) -> Mag2 {
    [n0, n0 + n1 + n2, -n2 / 4.0]
}

/// Clamps `m` to a non-negative `|B|²` and returns its minimum-phase factor.
fn factor_clamped(m: &mut Mag2) -> [f64; 3] {
    m[0] = m[0].max(0.0);
    m[1] = m[1].max(0.0);
    let (r0, r1) = (m[0].sqrt(), m[1].sqrt());
    let w = 0.5 * (r0 + r1);
    m[2] = m[2].max(-w * w);
    let b0 = 0.5 * (w + (w * w + m[2]).max(0.0).sqrt());
    let b1 = 0.5 * (r0 - r1);
    let b2 = if b0 > 0.0 { -m[2] / (4.0 * b0) } else { 0.0 };
    [b0, b1, b2]
}

/// Factor of a strictly positive `|A|²` (None if it touches zero on [0, 1]).
fn factor_denominator(m: &Mag2) -> Option<[f64; 3]> {
    if !(m[0] > 0.0 && m[1] > 0.0 && m[2].is_finite()) {
        return None;
    }
    let (r0, r1) = (m[0].sqrt(), m[1].sqrt());
    let w = 0.5 * (r0 + r1);
    let disc = w * w + m[2];
    if disc.is_nan() || disc <= 0.0 {
        return None;
    }
    let a0 = 0.5 * (w + disc.sqrt());
    let a = [a0, 0.5 * (r0 - r1), -m[2] / (4.0 * a0)];
    let bq = Biquad {
        b: [1.0, 0.0, 0.0],
        a: [1.0, a[1] / a0, a[2] / a0],
    };
    (bq.pole_radius() < 1.0).then_some(a)
}

/// `|1 + a1 z⁻¹ + a2 z⁻²|²` in Vicanek's basis.
fn mag2_of(a: &[f64; 3]) -> Mag2 {
    let s = a[0] + a[1] + a[2];
    let d = a[0] - a[1] + a[2];
    [s * s, d * d, -4.0 * a[0] * a[2]]
}

/// Impulse-invariant poles of `sec` (Vicanek eq. 11–12); pole frequencies
/// above 0.9·Nyquist are clamped there (only a starting point for the fit).
fn matched_poles(sec: &AnalogSection, f0: f64, fs: f64) -> [f64; 3] {
    let scale = 2.0 * std::f64::consts::PI * f0 / fs;
    let lim = 0.9 * std::f64::consts::PI;
    match sec.pole_w_zeta() {
        Some((w, zeta)) => {
            let w = (w * scale).min(lim);
            let r = (-zeta * w).exp();
            let a1 = if zeta < 1.0 {
                -2.0 * r * (w * (1.0 - zeta * zeta).sqrt()).cos()
            } else {
                -2.0 * r * (w * (zeta * zeta - 1.0).sqrt()).cosh()
            };
            [1.0, a1, (-2.0 * zeta * w).exp()]
        }
        None if sec.den[1] != 0.0 => {
            let w = (sec.den[0] / sec.den[1] * scale).min(lim);
            [1.0, -(-w).exp(), 0.0]
        }
        None => [1.0, 0.0, 0.0],
    }
}

/// Least squares `min ‖A·x − rhs‖` by Householder QR. `rows[i]` holds the
/// `n` columns followed by the right-hand side at index `n`.
fn lstsq<const C: usize>(rows: &mut [[f64; C]; MAX_PTS], m: usize, n: usize) -> Option<[f64; C]> {
    let mut diag = [0.0f64; C];
    for j in 0..n {
        let mut norm2 = 0.0;
        for r in rows.iter().take(m).skip(j) {
            norm2 += r[j] * r[j];
        }
        let norm = norm2.sqrt();
        if norm.is_nan() || norm <= 1e-300 {
            return None;
        }
        let ajj = rows[j][j];
        let alpha = if ajj > 0.0 { -norm } else { norm };
        rows[j][j] = ajj - alpha; // v0; v_i = rows[i][j] for i > j
        let vnorm2 = norm2 - ajj * ajj + rows[j][j] * rows[j][j];
        if vnorm2 > 0.0 {
            for k in j + 1..=n {
                let mut s = 0.0;
                for r in rows.iter().take(m).skip(j) {
                    s += r[j] * r[k];
                }
                let f = 2.0 * s / vnorm2;
                for r in rows.iter_mut().take(m).skip(j) {
                    r[k] -= f * r[j];
                }
            }
        }
        diag[j] = alpha;
    }
    let mut x = [0.0f64; C];
    for j in (0..n).rev() {
        let mut s = rows[j][n];
        for k in j + 1..n {
            s -= rows[j][k] * x[k];
        }
        x[j] = s / diag[j];
        if !x[j].is_finite() {
            return None;
        }
    }
    Some(x)
}

/// Fit grid of one section.
struct Grid {
    f: [f64; MAX_PTS],
    t: [f64; MAX_PTS],
    target: [f64; MAX_PTS],
    weight: [f64; MAX_PTS],
    level: [f64; MAX_PTS],
    in_band: [bool; MAX_PTS],
    len: usize,
}

impl Grid {
    fn push(&mut self, f: f64, t: f64, w: f64) {
        if self.len < MAX_PTS {
            self.f[self.len] = f;
            self.t[self.len] = t;
            self.weight[self.len] = w;
            self.in_band[self.len] = f <= 20_000.5;
            self.len += 1;
        }
    }

    /// Points around the resonances of the poles and of the zeros of
    /// `sec`: centre = the natural frequency, spacing = the bandwidth 1/(2Q).
    fn add_centres(&mut self, d: &SectionDesigner, sec: &AnalogSection, f0: f64) {
        let fs = d.fs;
        let mut centres = [(f0, 0.5); 2];
        if let Some((w, zeta)) = sec.pole_w_zeta() {
            centres[0] = (w * f0, (0.5 / zeta).max(0.5));
        }
        let [n0, n1, n2] = sec.num;
        if n2 != 0.0 && n0 * n2 > 0.0 {
            let qz = if n1 != 0.0 {
                (n0 * n2).sqrt() / n1.abs()
            } else {
                50.0
            };
            centres[1] = ((n0 / n2).sqrt() * f0, qz.max(0.5));
        }
        for (fc, q) in centres {
            let delta = 0.5 / q;
            for m in [0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 4.0, -4.0] {
                let f = fc * (m * delta).exp();
                if f > 1.0 && f < 0.499 * fs {
                    self.push(f, sin2_half(f, fs), 1.0);
                }
            }
        }
        if (f0 - centres[0].0).abs() > 1e-6 * f0 && f0 > 1.0 && f0 < 0.499 * fs {
            self.push(f0, sin2_half(f0, fs), 1.0);
        }
    }

    /// Sets the targets `|H(j·f/f0)|²`, dropping points where it vanishes.
    fn fill_targets(&mut self, mag2: impl Fn(f64) -> f64, f0: f64) {
        let mut keep = 0;
        for i in 0..self.len {
            let target = mag2(self.f[i] / f0);
            if target > 1e-24 && target.is_finite() {
                self.f[keep] = self.f[i];
                self.t[keep] = self.t[i];
                self.weight[keep] = self.weight[i];
                self.in_band[keep] = self.in_band[i];
                self.target[keep] = target;
                self.level[keep] = target;
                keep += 1;
            }
        }
        self.len = keep;
    }
}

/// Designs digital sections for one sample rate. Holds the precomputed base
/// grid; [`design`](Self::design) allocates nothing.
#[derive(Debug, Clone)]
pub struct SectionDesigner {
    fs: f64,
    base_f: [f64; N_BASE],
    base_t: [f64; N_BASE],
}

impl SectionDesigner {
    /// Designer for `sample_rate` (Hz).
    pub fn new(sample_rate: f64) -> Self {
        let fs = if sample_rate.is_finite() && sample_rate > 1000.0 {
            sample_rate
        } else {
            48_000.0
        };
        let mut base_f = [0.0; N_BASE];
        let mut base_t = [0.0; N_BASE];
        // Equal steps of v(f) = ln f + f/F_LIN: log spacing at low
        // frequencies, ≈ linear (denser than log) towards 20 kHz, where the
        // fitted curve must bend away from the analog one.
        let v = |f: f64| f.ln() + f / F_LIN;
        let (v0, v1) = (v(20.0), v(20_000.0));
        for i in 0..N_BASE {
            let vi = v0 + (v1 - v0) * i as f64 / (N_BASE - 1) as f64;
            let (mut lo, mut hi) = (20f64.ln(), 20_000f64.ln());
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if v(mid.exp()) < vi {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let f = (0.5 * (lo + hi)).exp().min(0.499 * fs);
            base_f[i] = f;
            base_t[i] = sin2_half(f, fs);
        }
        Self { fs, base_f, base_t }
    }

    /// The sample rate designed for.
    pub fn sample_rate(&self) -> f64 {
        self.fs
    }

    /// Base grid (20 Hz–20 kHz) plus the lightly weighted points above it.
    fn grid(&self, f0: f64) -> Grid {
        let _ = f0;
        let mut g = Grid {
            f: [0.0; MAX_PTS],
            t: [0.0; MAX_PTS],
            target: [0.0; MAX_PTS],
            weight: [0.0; MAX_PTS],
            level: [0.0; MAX_PTS],
            in_band: [false; MAX_PTS],
            len: 0,
        };
        for i in 0..N_BASE {
            g.push(self.base_f[i], self.base_t[i], 1.0);
        }
        let fs = self.fs;
        for f in [21_000.0, 0.47 * fs, 0.495 * fs] {
            if f > 20_400.0 && f < 0.499 * fs {
                g.push(f, sin2_half(f, fs), 0.1);
            }
        }
        g
    }

    /// Digital biquad following `sec` (whose `ω0` is `2π·f0`), see the
    /// module docs. Real-time safe (stack only).
    pub fn design(&self, sec: &AnalogSection, f0: f64) -> Biquad {
        self.design_with_error(sec, f0).0
    }

    /// [`design`](Self::design), also returning the largest grid error (dB).
    pub fn design_with_error(&self, sec: &AnalogSection, f0: f64) -> (Biquad, f64) {
        let fs = self.fs;
        let mut grid = self.grid(f0);
        grid.add_centres(self, sec, f0);
        grid.fill_targets(|u| sec.mag2(u), f0);
        let t0 = if f0 < 0.49 * fs {
            sin2_half(f0, fs)
        } else {
            1.0
        };
        let zeros = match sec.zeros {
            ZeroConstraint::AtF0 if f0 >= 0.49 * fs => ZeroConstraint::Free,
            z => z,
        };
        self.fit(&grid, zeros, t0, matched_poles(sec, f0, fs))
    }

    /// Closed-form design for a band while it moves (no iteration, no
    /// least squares; ≈ 0.8 µs per section): two candidates, the better one on a coarse
    /// check grid (every third base point and `f0`) is kept:
    ///
    /// * the **three-point match** (Vicanek 2016, §3–4, in his basis): the
    ///   matched (impulse-invariant) poles of [`design`](Self::design)'s
    ///   start, the numerator's `|B|²` matched to the analog target `T·|A|²`
    ///   at DC, at `f0` and at Nyquist, with the same pinned zeros as the fit;
    /// * the **bilinear transform** prewarped at `f0` (at 0.45·fs for higher
    ///   `f0`), the classic digital EQ section (RBJ cookbook), which never
    ///   strays far but cramps near Nyquist.
    ///
    /// Less accurate than the fit near Nyquist (measured in
    /// `eq::tests::fast_design_accuracy`); the bank replaces it by the fit
    /// once the band stands still.
    pub fn design_fast(&self, sec: &AnalogSection, f0: f64) -> Biquad {
        let matched = self.design_matched3(sec, f0);
        let bilinear = self.design_bilinear(sec, f0);
        if self.quick_error(sec, f0, &matched) <= self.quick_error(sec, f0, &bilinear) {
            matched
        } else {
            bilinear
        }
    }

    /// Largest |ln(|H_digital|²/|H_analog|²)| on the coarse check grid,
    /// where the analog response is above −40 dB of its level.
    fn quick_error(&self, sec: &AnalogSection, f0: f64, bq: &Biquad) -> f64 {
        let (num, den) = (mag2_of(&bq.b), mag2_of(&bq.a));
        let fs = self.fs;
        let mut worst = 0.0f64;
        let mut check = |f: f64, t: f64| {
            let target = sec.mag2(f / f0);
            if target > 1e-4 {
                let d = eval_mag2(&num, t) / eval_mag2(&den, t);
                let e = (d / target).ln().abs();
                worst = worst.max(if e.is_nan() { f64::INFINITY } else { e });
            }
        };
        for i in (1..N_BASE).step_by(3) {
            check(self.base_f[i], self.base_t[i]);
        }
        if f0 < 0.49 * fs {
            check(f0, sin2_half(f0, fs));
        }
        worst
    }

    /// Bilinear transform of `sec`, `s = c·(1 − z⁻¹)/(1 + z⁻¹)` in the
    /// normalised variable, prewarped so that `fp = min(f0, 0.45·fs)` maps
    /// exactly: `c = (fp/f0)/tan(π·fp/fs)`.
    fn design_bilinear(&self, sec: &AnalogSection, f0: f64) -> Biquad {
        let fp = f0.min(0.45 * self.fs);
        let c = (fp / f0) / (std::f64::consts::PI * fp / self.fs).tan();
        let map = |p: &[f64; 3]| {
            let (p0, p1, p2) = (p[0], p[1] * c, p[2] * c * c);
            [p0 + p1 + p2, 2.0 * (p0 - p2), p0 - p1 + p2]
        };
        let (b, a) = (map(&sec.num), map(&sec.den));
        if a[0] == 0.0 || !a[0].is_finite() {
            return Biquad::IDENTITY;
        }
        Biquad {
            b: [b[0] / a[0], b[1] / a[0], b[2] / a[0]],
            a: [1.0, a[1] / a[0], a[2] / a[0]],
        }
    }

    /// The three-point match (see [`design_fast`](Self::design_fast)).
    fn design_matched3(&self, sec: &AnalogSection, f0: f64) -> Biquad {
        let fs = self.fs;
        let a = matched_poles(sec, f0, fs);
        let den = mag2_of(&a);
        let nyq = 0.5 * fs;
        let target = |f: f64| sec.mag2(f / f0);
        // Match point: f0 unless it sits at/above Nyquist.
        let fm = if f0 < 0.45 * fs { f0 } else { 0.45 * fs };
        let tm = sin2_half(fm, fs);
        let nm = target(fm) * eval_mag2(&den, tm);
        let n_dc = target(0.0) * den[0];
        let n_ny = target(nyq) * den[1];
        let zeros = match sec.zeros {
            ZeroConstraint::AtF0 if f0 >= 0.49 * fs => ZeroConstraint::Free,
            z => z,
        };
        // Numerator polynomial n0 + n1·t + n2·t² (N(0) = n0, N(1) = n0 + n1 + n2).
        let (n0, n1, n2) = match zeros {
            ZeroConstraint::Free => {
                // n0 = N(0), n0 + n1 + n2 = N(1), n0 + n1·tm + n2·tm² = N(tm).
                let (p, q) = (n_ny - n_dc, nm - n_dc);
                // n1 + n2 = p, n1·tm + n2·tm² = q → n2 = (q − p·tm)/(tm² − tm).
                let n2 = (q - p * tm) / (tm * tm - tm);
                (n_dc, p - n2, n2)
            }
            ZeroConstraint::Dc => {
                // n1·t + n2·t²: n1 + n2 = N(1), n1·tm + n2·tm² = N(tm).
                let n2 = (nm - n_ny * tm) / (tm * tm - tm);
                (0.0, n_ny - n2, n2)
            }
            ZeroConstraint::DoubleDc => (0.0, 0.0, nm / (tm * tm)),
            ZeroConstraint::AtF0 => {
                let t0 = sin2_half(f0, fs);
                let g = n_dc / (t0 * t0);
                (g * t0 * t0, -2.0 * g * t0, g)
            }
        };
        let mut num = mag2_from_poly(n0, n1, n2);
        if !num.iter().all(|v| v.is_finite()) {
            return Biquad::IDENTITY;
        }
        let b = factor_clamped(&mut num);
        // `den` is |A|² of a monic A: b is already on the same scale.
        Biquad { b, a }
    }

    /// One more biquad for a band whose `sections` (analog, at `f0`) are
    /// realised by `digital`: fitted to the remaining error
    /// `Π|H_analog|² / Π|H_digital|²` with a free numerator, starting from
    /// a constant denominator. Returns it with the band's grid error before
    /// and after, or `None` if it does not help.
    pub fn design_correction(
        &self,
        sections: &[AnalogSection],
        f0: f64,
        digital: &[Biquad],
    ) -> Option<(Biquad, f64, f64)> {
        let first = sections.first()?;
        let mut grid = self.grid(f0);
        grid.add_centres(self, first, f0);
        if digital.len() > MAX_SECTIONS {
            return None;
        }
        let mut peak = 0.0f64;
        let mut before = 0.0f64;
        let mut keep = 0;
        for i in 0..grid.len {
            let u = grid.f[i] / f0;
            let t = grid.t[i];
            let analog: f64 = sections.iter().map(|s| s.mag2(u)).product();
            let dig: f64 = digital
                .iter()
                .map(|d| eval_mag2(&mag2_of(&d.b), t) / eval_mag2(&mag2_of(&d.a), t))
                .product();
            let r = analog / dig;
            if !(r.is_finite() && r > 0.0 && analog > 1e-30) {
                continue;
            }
            peak = peak.max(analog);
            grid.t[keep] = t;
            grid.f[keep] = grid.f[i];
            grid.target[keep] = r;
            grid.weight[keep] = grid.weight[i];
            grid.in_band[keep] = grid.in_band[i];
            grid.level[keep] = analog;
            keep += 1;
        }
        grid.len = keep;
        for i in 0..grid.len {
            // Deep stop band (cuts): the dB error there is not heard.
            if grid.level[i] < peak * 1e-6 {
                grid.weight[i] *= 0.01;
                grid.in_band[i] = false;
            }
            if grid.in_band[i] {
                before = before.max((10.0 * grid.target[i].log10()).abs());
            }
        }
        let (bq, after) = self.fit(&grid, ZeroConstraint::Free, 0.0, [1.0, 0.0, 0.0]);
        (after < 0.8 * before).then_some((bq, before, after))
    }

    /// Two biquads fitted **jointly** to one analog section (see the
    /// module docs, step 4), starting from its single-section fit `single`.
    /// Returns them (main section first) with their grid error (dB), or
    /// `None` if no stable candidate was found.
    pub fn design_pair(
        &self,
        sec: &AnalogSection,
        f0: f64,
        single: &Biquad,
    ) -> Option<([Biquad; 2], f64)> {
        let mut grid = self.grid(f0);
        grid.add_centres(self, sec, f0);
        grid.fill_targets(|u| sec.mag2(u), f0);
        let m = grid.len;
        if m < 12 {
            return None;
        }
        const NC: usize = 2 * PAIR_DEG + 1;
        let mut rows = [[0.0f64; NC + 1]; MAX_PTS];
        let mut lawson = [1.0f64; MAX_PTS];
        let mut err = [0.0f64; MAX_PTS];
        let mut dcur = [0.0f64; MAX_PTS];
        let d1 = mag2_of(&single.a);
        for i in 0..m {
            dcur[i] = (eval_mag2(&d1, grid.t[i]) / d1[0]).powi(2);
        }
        let mut best: Option<([Biquad; 2], f64)> = None;
        for it in 0..PAIR_ITERS {
            for i in 0..m {
                let t = grid.t[i];
                let s = (grid.weight[i] * lawson[i]).sqrt() / dcur[i];
                let c = s / grid.target[i];
                let mut tp = 1.0;
                for j in 0..=PAIR_DEG {
                    rows[i][j] = tp * c;
                    if j > 0 {
                        rows[i][PAIR_DEG + j] = -tp * s;
                    }
                    tp *= t;
                }
                rows[i][NC] = s;
            }
            let Some(x) = lstsq(&mut rows, m, NC) else {
                break;
            };
            let mut num = [0.0f64; PAIR_DEG + 1];
            let mut den = [1.0f64; PAIR_DEG + 1];
            num.copy_from_slice(&x[..=PAIR_DEG]);
            den[1..].copy_from_slice(&x[PAIR_DEG + 1..NC]);
            // SK weights 1/|D|: an iterate whose D dips through zero
            // (a pole–zero pair near cancelling) is not realisable but the
            // iteration may go on from it.
            for i in 0..m {
                dcur[i] = poly_eval(&den, grid.t[i]).abs().max(1e-12);
            }
            if let Some(pair) = split_pair(&num, &den, &grid) {
                // Realised cascade on the grid.
                let mags = [
                    (mag2_of(&pair[0].b), mag2_of(&pair[0].a)),
                    (mag2_of(&pair[1].b), mag2_of(&pair[1].a)),
                ];
                let (mut hi, mut lo) = (1.0f64, 1.0f64);
                for i in 0..m {
                    let t = grid.t[i];
                    let mut r = 1.0 / grid.target[i];
                    for (n, d) in &mags {
                        r *= eval_mag2(n, t) / eval_mag2(d, t);
                    }
                    err[i] = 0.5 * (r - 1.0 / r);
                    if grid.in_band[i] {
                        hi = hi.max(r);
                        lo = lo.min(r);
                    }
                }
                let e = 10.0 * hi.log10().max(-(lo.log10()));
                if e.is_finite() && best.is_none_or(|(_, b)| e < b) {
                    best = Some((pair, e));
                    if e < PAIR_GOOD_ENOUGH_DB {
                        break;
                    }
                }
            } else {
                // Fall back to the fitted polynomial's error for the weights.
                for i in 0..m {
                    let r = poly_eval(&num, grid.t[i]) / (grid.target[i] * dcur[i]);
                    err[i] = 0.5 * (r - 1.0 / r);
                }
            }
            if it >= PAIR_PLAIN {
                let mut sum = 0.0;
                for i in 0..m {
                    lawson[i] *= grid.weight[i] * err[i].abs() + 1e-6;
                    sum += lawson[i];
                }
                if !(sum > 0.0 && sum.is_finite()) {
                    break;
                }
                let sc = m as f64 / sum;
                lawson.iter_mut().take(m).for_each(|l| *l *= sc);
            }
        }
        best
    }

    fn fit(&self, grid: &Grid, zeros: ZeroConstraint, t0: f64, a_init: [f64; 3]) -> (Biquad, f64) {
        let m = grid.len;
        // Numerator basis in t and its polynomial coefficients.
        let nb = match zeros {
            ZeroConstraint::Free => 3,
            ZeroConstraint::Dc => 2,
            ZeroConstraint::DoubleDc | ZeroConstraint::AtF0 => 1,
        };
        let basis = |t: f64| -> [f64; 3] {
            match zeros {
                ZeroConstraint::Free => [1.0, t, t * t],
                ZeroConstraint::Dc => [t, t * t, 0.0],
                ZeroConstraint::DoubleDc => [t * t, 0.0, 0.0],
                ZeroConstraint::AtF0 => [(t - t0) * (t - t0), 0.0, 0.0],
            }
        };
        let poly = |x: &[f64]| -> (f64, f64, f64) {
            match zeros {
                ZeroConstraint::Free => (x[0], x[1], x[2]),
                ZeroConstraint::Dc => (0.0, x[0], x[1]),
                ZeroConstraint::DoubleDc => (0.0, 0.0, x[0]),
                ZeroConstraint::AtF0 => (x[0] * t0 * t0, -2.0 * x[0] * t0, x[0]),
            }
        };
        if m < 6 {
            return (Biquad::IDENTITY, f64::INFINITY);
        }

        let mut rows = [[0.0f64; 6]; MAX_PTS];
        let mut lawson = [1.0f64; MAX_PTS];
        let mut err = [0.0f64; MAX_PTS];
        let mut dcur = [0.0f64; MAX_PTS];

        // Evaluates a candidate (clamped numerator, denominator) on the grid;
        // returns the max in-band |dB error| and fills `err`.
        let evaluate =
            |num: &Mag2, den: &Mag2, err: &mut [f64; MAX_PTS], dvals: &mut [f64; MAX_PTS]| {
                // Relative errors of |H|² per point; the worst in-band one
                // converted to dB once.
                let (mut hi, mut lo) = (1.0f64, 1.0f64);
                for i in 0..m {
                    let t = grid.t[i];
                    let d = eval_mag2(den, t);
                    dvals[i] = d;
                    let n = eval_mag2(num, t).max(1e-300);
                    let r = n / (grid.target[i] * d);
                    // ≈ ln r, symmetric in r ↔ 1/r, without a log.
                    err[i] = 0.5 * (r - 1.0 / r);
                    if grid.in_band[i] {
                        hi = hi.max(r);
                        lo = lo.min(r);
                    }
                }
                let worst = 10.0 * hi.log10().max(-(lo.log10()));
                if worst.is_nan() {
                    f64::INFINITY
                } else {
                    worst
                }
            };
        let update_lawson = |lawson: &mut [f64; MAX_PTS], err: &[f64; MAX_PTS]| {
            let mut sum = 0.0;
            for i in 0..m {
                lawson[i] *= err[i].abs() + 1e-6;
                sum += lawson[i];
            }
            if sum > 0.0 && sum.is_finite() {
                let s = m as f64 / sum;
                for l in lawson.iter_mut().take(m) {
                    *l *= s;
                }
            } else {
                lawson.iter_mut().take(m).for_each(|l| *l = 1.0);
            }
        };

        // 1. Matched poles, fitted numerator.
        let mut den = mag2_of(&a_init);
        let scale = den[0];
        den.iter_mut().for_each(|d| *d /= scale);
        for i in 0..m {
            dcur[i] = eval_mag2(&den, grid.t[i]);
        }
        let mut best = Biquad::IDENTITY;
        let mut best_err = f64::INFINITY;
        for _ in 0..NUM_ITERS {
            for i in 0..m {
                let s = (grid.weight[i] * lawson[i]).sqrt();
                let ph = basis(grid.t[i]);
                let c = s / (grid.target[i] * dcur[i]);
                for j in 0..nb {
                    rows[i][j] = ph[j] * c;
                }
                rows[i][nb] = s;
            }
            let Some(x) = lstsq(&mut rows, m, nb) else {
                break;
            };
            let (n0, n1, n2) = poly(&x);
            let mut num = mag2_from_poly(n0, n1, n2);
            let b = factor_clamped(&mut num);
            let mut dv = [0.0; MAX_PTS];
            let e = evaluate(&num, &den, &mut err, &mut dv);
            if e < best_err {
                best_err = e;
                let s = scale.sqrt();
                best = Biquad {
                    b: [b[0] * s, b[1] * s, b[2] * s],
                    a: a_init,
                };
            }
            update_lawson(&mut lawson, &err);
        }
        if best_err < GOOD_ENOUGH_DB {
            return (best, best_err);
        }

        // 2. Free poles: Sanathanan–Koerner, plain LS first (the pole
        // iteration settles), then with Lawson weights.
        let nc = nb + 2;
        lawson.iter_mut().for_each(|l| *l = 1.0);
        for it in 0..SK_ITERS {
            for i in 0..m {
                let t = grid.t[i];
                let s = (grid.weight[i] * lawson[i]).sqrt() / dcur[i];
                let ph = basis(t);
                let c = s / grid.target[i];
                for j in 0..nb {
                    rows[i][j] = ph[j] * c;
                }
                rows[i][nb] = -t * s;
                rows[i][nb + 1] = -t * t * s;
                rows[i][nc] = s;
            }
            let Some(x) = lstsq(&mut rows, m, nc) else {
                break;
            };
            let (n0, n1, n2) = poly(&x[..nb]);
            let den = mag2_from_poly(1.0, x[nb], x[nb + 1]);
            let Some(a) = factor_denominator(&den) else {
                break;
            };
            let mut num = mag2_from_poly(n0, n1, n2);
            let b = factor_clamped(&mut num);
            let mut dv = [0.0; MAX_PTS];
            let e = evaluate(&num, &den, &mut err, &mut dv);
            if !e.is_finite() {
                break;
            }
            if e < best_err {
                best_err = e;
                best = Biquad {
                    b: [b[0] / a[0], b[1] / a[0], b[2] / a[0]],
                    a: [1.0, a[1] / a[0], a[2] / a[0]],
                };
            }
            if it >= SK_PLAIN {
                update_lawson(&mut lawson, &err);
            }
            dcur = dv;
        }
        (best, best_err)
    }
}

/// `p[0] + p[1]·t + … + p[n]·tⁿ`.
#[inline]
fn poly_eval(p: &[f64], t: f64) -> f64 {
    p.iter().rev().fold(0.0, |acc, &c| acc * t + c)
}

/// Minimal complex arithmetic for the quartic's roots.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cx(f64, f64);

impl Cx {
    fn add(self, o: Cx) -> Cx {
        Cx(self.0 + o.0, self.1 + o.1)
    }
    fn sub(self, o: Cx) -> Cx {
        Cx(self.0 - o.0, self.1 - o.1)
    }
    fn mul(self, o: Cx) -> Cx {
        Cx(self.0 * o.0 - self.1 * o.1, self.0 * o.1 + self.1 * o.0)
    }
    fn div(self, o: Cx) -> Cx {
        let d = o.0 * o.0 + o.1 * o.1;
        Cx(
            (self.0 * o.0 + self.1 * o.1) / d,
            (self.1 * o.0 - self.0 * o.1) / d,
        )
    }
    fn abs(self) -> f64 {
        self.0.hypot(self.1)
    }
}

/// Roots of the monic quartic `s⁴ + c[0]·s³ + c[1]·s² + c[2]·s + c[3]`
/// by the Durand–Kerner (Weierstrass) iteration (E. Durand, *Solutions
/// numériques des équations algébriques*, 1960; I. O. Kerner, Numer. Math.
/// 8, 1966), started on a circle of the Cauchy bound's radius.
fn quartic_roots(c: &[f64; 4]) -> Option<[Cx; 4]> {
    let radius = 1.0 + c.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut z = [Cx(0.0, 0.0); 4];
    let mut w = Cx(1.0, 0.0);
    for zk in z.iter_mut() {
        *zk = Cx(w.0 * radius, w.1 * radius);
        w = w.mul(Cx(0.4, 0.9));
    }
    let p = |s: Cx| {
        let mut acc = Cx(1.0, 0.0);
        for &ck in c {
            acc = acc.mul(s).add(Cx(ck, 0.0));
        }
        acc
    };
    for _ in 0..QUARTIC_ITERS {
        let mut moved = 0.0f64;
        for k in 0..4 {
            let mut den = Cx(1.0, 0.0);
            for j in 0..4 {
                if j != k {
                    den = den.mul(z[k].sub(z[j]));
                }
            }
            if den.abs() == 0.0 {
                den = Cx(1e-300, 0.0);
            }
            let step = p(z[k]).div(den);
            z[k] = z[k].sub(step);
            moved = moved.max(step.abs() / (1.0 + z[k].abs()));
        }
        if moved < 1e-12 {
            break;
        }
    }
    z.iter()
        .all(|r| r.0.is_finite() && r.1.is_finite())
        .then_some(z)
}

/// The `ρₖ` of `p(t) = p[0]·Π(1 − ρₖ·t)` (degree 4, `p[0] ≠ 0`): the roots
/// of the reversed polynomial divided by `p[0]` (monic), `ρ = 1/t_root`.
/// Imaginary parts within round-off of zero are set to exactly zero.
fn reversed_roots(p: &[f64; PAIR_DEG + 1]) -> Option<[Cx; 4]> {
    let c = [p[1] / p[0], p[2] / p[0], p[3] / p[0], p[4] / p[0]];
    let mut rho = quartic_roots(&c)?;
    for r in rho.iter_mut() {
        if r.1.abs() <= 1e-9 * (1.0 + r.0.abs()) {
            r.1 = 0.0;
        }
    }
    Some(rho)
}

/// `ρ` is a real root of the factor `1 − ρ·t` inside `t ∈ (0, 1]`, where
/// the polynomial changes sign (a zero on the unit circle).
#[inline]
fn inside(r: Cx) -> bool {
    r.1 == 0.0 && r.0 >= 1.0
}

/// Real factors `1 + q1·t + q2·t²` (`[q1, q2]`) of `Π(1 − ρₖ·t)` over 3 or 4
/// roots: sorted by imaginary part, a conjugate pair sits at the two ends
/// and real roots in the middle, so the ends pair into one quadratic and
/// the rest into the other (a first-order factor, `q2 = 0`, for 3 roots).
fn real_factors(rho: &mut [Cx]) -> [[f64; 2]; 2] {
    rho.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n = rho.len();
    let quad = |a: Cx, b: Cx| [-a.add(b).0, a.mul(b).0];
    if n == 4 {
        [quad(rho[0], rho[3]), quad(rho[1], rho[2])]
    } else {
        [quad(rho[0], rho[2]), [-rho[1].0, 0.0]]
    }
}

/// The two sections of a fitted `|H|² = num(t)/den(t)` (degree 4 each,
/// `den[0] = 1`). Both polynomials are split into real factors over their
/// roots; a real root inside `(0, 1]` (a sign change, not realisable)
/// must have a partner in the other polynomial — a nearly cancelling
/// pole–zero doublet that the least squares put between grid points — and
/// both are dropped (the band is then a second- plus a first-order
/// section). The correction section is the numerator/denominator factor
/// pair whose ratio varies least on the grid, scaled to be centred on
/// 0 dB there; the main section takes the rest.
fn split_pair(
    num: &[f64; PAIR_DEG + 1],
    den: &[f64; PAIR_DEG + 1],
    grid: &Grid,
) -> Option<[Biquad; 2]> {
    if num[0].is_nan() || num[0] <= 0.0 {
        return None;
    }
    let mut rn = reversed_roots(num)?;
    let mut rd = reversed_roots(den)?;
    let (mut ln, mut ld) = (4, 4);
    while let Some(i) = (0..ln).find(|&i| inside(rn[i])) {
        let j = (0..ld).filter(|&j| inside(rd[j])).min_by(|&a, &b| {
            (rd[a].0 - rn[i].0)
                .abs()
                .total_cmp(&(rd[b].0 - rn[i].0).abs())
        })?;
        rn.swap(i, ln - 1);
        rd.swap(j, ld - 1);
        ln -= 1;
        ld -= 1;
    }
    if ln < 3 || (0..ld).any(|j| inside(rd[j])) {
        return None;
    }
    let nq = real_factors(&mut rn[..ln]);
    let dq = real_factors(&mut rd[..ld]);
    let mut pick = (f64::INFINITY, 0, 0, 1.0);
    for i in 0..2 {
        for j in 0..2 {
            let (mut hi, mut lo) = (0.0f64, f64::INFINITY);
            for k in 0..grid.len {
                let t = grid.t[k];
                let r =
                    (1.0 + t * (nq[i][0] + t * nq[i][1])) / (1.0 + t * (dq[j][0] + t * dq[j][1]));
                hi = hi.max(r);
                lo = lo.min(r);
            }
            let spread = hi / lo;
            if lo > 0.0 && spread < pick.0 {
                pick = (spread, i, j, 1.0 / (hi * lo).sqrt());
            }
        }
    }
    let (spread, i, j, g_corr) = pick;
    if !spread.is_finite() {
        return None;
    }
    let section = |g: f64, n: [f64; 2], d: [f64; 2]| -> Option<Biquad> {
        let mut nm = mag2_from_poly(g, g * n[0], g * n[1]);
        let b = factor_clamped(&mut nm);
        let a = factor_denominator(&mag2_from_poly(1.0, d[0], d[1]))?;
        Some(Biquad {
            b: [b[0] / a[0], b[1] / a[0], b[2] / a[0]],
            a: [1.0, a[1] / a[0], a[2] / a[0]],
        })
    };
    Some([
        section(num[0] / g_corr, nq[1 - i], dq[1 - j])?,
        section(g_corr, nq[i], dq[j])?,
    ])
}

/// `sin²(πf/fs)` = `sin²(ω/2)`.
#[inline]
fn sin2_half(f: f64, fs: f64) -> f64 {
    let s = (std::f64::consts::PI * f / fs).sin();
    s * s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vicanek_basis_round_trip() {
        // |B|² of a known polynomial, factored back: minimum phase and equal
        // up to the sign of the whole polynomial.
        for b in [
            [1.0, 0.0, 0.0],
            [1.0, 2.0, 1.0],
            [1.0, -2.0, 1.0],
            [0.5, -0.3, 0.2],
            [1.0, 0.0, -1.0],
        ] {
            let mut m = mag2_of(&b);
            let f = factor_clamped(&mut m);
            for (x, y) in f.iter().zip(b.iter()) {
                assert!((x - y).abs() < 1e-12, "{b:?} → {f:?}");
            }
            // And eval_mag2 equals |B(e^jω)|² computed directly.
            let bq = Biquad {
                b,
                a: [1.0, 0.0, 0.0],
            };
            for f_hz in [0.0, 1000.0, 10_000.0, 23_999.0] {
                let t = sin2_half(f_hz, 48_000.0);
                assert!((eval_mag2(&mag2_of(&b), t) - bq.mag2(f_hz, 48_000.0)).abs() < 1e-12);
            }
        }
        // A maximum-phase input comes back as its minimum-phase mirror:
        // zeros of 1 − 2.5z⁻¹ + z⁻² are 2 and 0.5 → 2·(1 − 0.5z⁻¹)(1 − 0.5z⁻¹)…
        // |(1−2z⁻¹)(1−0.5z⁻¹)|² = |2(1−0.5z⁻¹)²|² → factor (2, −2, 0.5).
        let mut m = mag2_of(&[1.0, -2.5, 1.0]);
        let f = factor_clamped(&mut m);
        for (x, y) in f.iter().zip([2.0, -2.0, 0.5].iter()) {
            assert!((x - y).abs() < 1e-12, "{f:?}");
        }
    }

    #[test]
    fn lstsq_solves_exact_and_overdetermined() {
        // y = 1 + 2x − 3x² sampled exactly at 10 points.
        let mut rows = [[0.0f64; 6]; MAX_PTS];
        for (i, r) in rows.iter_mut().enumerate().take(10) {
            let x = i as f64 * 0.3 - 1.0;
            *r = [1.0, x, x * x, 1.0 + 2.0 * x - 3.0 * x * x, 0.0, 0.0];
        }
        let x = lstsq(&mut rows, 10, 3).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12);
        assert!((x[2] + 3.0).abs() < 1e-12);
        // Mean of 1, 2, 3, 6 is the LS constant: 3.
        let mut rows = [[0.0f64; 6]; MAX_PTS];
        for (r, v) in rows.iter_mut().zip([1.0, 2.0, 3.0, 6.0]) {
            r[0] = 1.0;
            r[1] = v;
        }
        assert!((lstsq(&mut rows, 4, 1).unwrap()[0] - 3.0).abs() < 1e-12);
    }

    /// Coefficients of the product of two polynomials in `t`.
    fn poly_mul(a: &[f64], b: &[f64]) -> Vec<f64> {
        let mut p = vec![0.0; a.len() + b.len() - 1];
        for (i, x) in a.iter().enumerate() {
            for (j, y) in b.iter().enumerate() {
                p[i + j] += x * y;
            }
        }
        p
    }

    #[test]
    fn quartic_splits_into_real_factors() {
        // Complex pair × two real roots, two complex pairs, four real roots
        // (all outside [0, 1]): the two factors multiply back to p.
        for (f1, f2) in [
            ([1.0, -1.2, 0.5], [1.0, -0.2, -0.15]),
            ([1.0, -1.2, 0.5], [1.0, 0.4, 2.0]),
            ([1.0, -0.5, 0.06], [1.0, 3.0, 2.0]),
        ] {
            let p: [f64; 5] = poly_mul(&f1, &f2).try_into().unwrap();
            let rho = reversed_roots(&p).unwrap();
            let mut r = rho;
            let q = real_factors(&mut r);
            let back = poly_mul(&[1.0, q[0][0], q[0][1]], &[1.0, q[1][0], q[1][1]]);
            for (x, y) in back.iter().zip(p.iter()) {
                assert!((x - y).abs() < 1e-10, "{p:?} → {q:?}");
            }
            assert!(!rho.iter().any(|&r| inside(r)));
        }
        // A root inside (0, 1] is reported as such.
        let p: [f64; 5] = poly_mul(&[1.0, -1.0 / 0.7, 0.0], &[1.0, 0.4, 2.0, 0.0])[..5]
            .try_into()
            .unwrap();
        assert_eq!(
            reversed_roots(&p)
                .unwrap()
                .iter()
                .filter(|&&r| inside(r))
                .count(),
            1
        );
    }

    #[test]
    fn split_pair_drops_a_cancelling_doublet() {
        // N and D share (almost) a real root at t = 0.7 (a zero and a pole
        // on the unit circle at the same frequency): dropped from both, the
        // rest is realised as a second- and a first-order section whose
        // product is N/D away from the doublet.
        let num: [f64; 5] = poly_mul(
            &poly_mul(&[1.0, 0.3, 0.2], &[1.0, -0.2]),
            &[1.0, -1.0 / 0.7],
        )
        .try_into()
        .unwrap();
        let den: [f64; 5] = poly_mul(
            &poly_mul(&[1.0, -0.5, 0.3], &[1.0, 0.1]),
            &[1.0, -1.0 / 0.70001],
        )
        .try_into()
        .unwrap();
        let designer = SectionDesigner::new(48_000.0);
        let grid = designer.grid(1000.0);
        let pair = split_pair(&num, &den, &grid).expect("realisable");
        assert!(pair.iter().all(|s| s.pole_radius() < 1.0));
        assert!(pair.iter().any(|s| s.a[2] == 0.0 || s.b[2] == 0.0));
        for i in 0..grid.len {
            let t = grid.t[i];
            if (t - 0.7).abs() > 0.05 {
                let want = poly_eval(&num, t) / poly_eval(&den, t);
                let got: f64 = pair
                    .iter()
                    .map(|s| eval_mag2(&mag2_of(&s.b), t) / eval_mag2(&mag2_of(&s.a), t))
                    .product();
                assert!((got / want - 1.0).abs() < 1e-3, "t {t}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn matched_poles_are_impulse_invariant() {
        // Bell, Q = 1, f0 = 1 kHz, 48 kHz: poles at ω0(−ζ ± j√(1−ζ²)), ζ = 1/2A… use
        // A = 1 (0 dB) → den s² + s + 1, ζ = 0.5: radius e^{−ζω0T}.
        let sec = AnalogSection {
            num: [1.0, 1.0, 1.0],
            den: [1.0, 1.0, 1.0],
            zeros: ZeroConstraint::Free,
        };
        let a = matched_poles(&sec, 1000.0, 48_000.0);
        let w = 2.0 * std::f64::consts::PI * 1000.0 / 48_000.0;
        let r = (-0.5 * w).exp();
        assert!((a[2] - r * r).abs() < 1e-15);
        assert!((a[1] + 2.0 * r * (w * 0.75f64.sqrt()).cos()).abs() < 1e-15);
    }
}
