//! Coefficient form shared by both runtime forms of a section ([`super::section`] while
//! coefficients move, [`super::cascade`] while they stand still): a biquad as the output mix
//! of a TPT state-variable filter, two lanes in `f64`.
//!
//! Any strictly stable biquad `(b0 + b1z⁻¹ + b2z⁻²)/(1 + a1z⁻¹ + a2z⁻²)` is
//! the output mix `m_hp·HP + m_bp·BP + m_lp·LP` of a Simper/Zavalishin TPT
//! SVF (A. Simper, "Linear Trapezoidal Integrated SVF", Cytomic 2013 — the
//! "general biquad" mixing form; Zavalishin, *The Art of VA Filter Design*
//! rev. 2.1.2, §4): the SVF's bilinear denominator is
//! `(1 + gk + g²) + 2(g² − 1)z⁻¹ + (1 − gk + g²)z⁻²`, so
//!
//! ```text
//! g² = (1 + a1 + a2)/(1 − a1 + a2),   g·k = 2(1 − a2)/(1 − a1 + a2),   D0 = 1 + gk + g²
//! m_lp = D0(b0 + b1 + b2)/(4g²),  m_hp = D0(b0 − b1 + b2)/4,  m_bp = (m_hp + m_lp·g² − D0·b2)/g
//! ```
//!
//! (stability ⇔ `g > 0, k > 0`). With `hp = x − k·v1 − v2` the output is
//! `y = c0·x + c1·v1 + c2·v2`, `c0 = m_hp`, `c1 = m_bp − k·m_hp`,
//! `c2 = m_lp − m_hp`; `(c0, c1, c2) = (1, 0, 0)` is an exact bypass.

use super::design::Biquad;

/// Two lanes (left/right or mid/side).
pub type Lanes = [f64; 2];

/// SVF + mix coefficients of one section (one lane).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SvfMix {
    /// Prewarped integrator gain.
    pub g: f64,
    /// Damping.
    pub k: f64,
    /// Weight of the input.
    pub c0: f64,
    /// Weight of the band output `v1`.
    pub c1: f64,
    /// Weight of the low output `v2`.
    pub c2: f64,
}

impl SvfMix {
    /// Exact bypass (any valid `g, k`).
    pub const IDENTITY: Self = Self {
        g: 0.5,
        k: 1.0,
        c0: 1.0,
        c1: 0.0,
        c2: 0.0,
    };

    /// Maps a strictly stable biquad (see the module docs); an unstable or
    /// degenerate one maps to the bypass.
    pub fn from_biquad(bq: &Biquad) -> Self {
        let [b0, b1, b2] = bq.b;
        let (a1, a2) = (bq.a[1] / bq.a[0], bq.a[2] / bq.a[0]);
        let (b0, b1, b2) = (b0 / bq.a[0], b1 / bq.a[0], b2 / bq.a[0]);
        let p = 1.0 + a1 + a2;
        let q = 1.0 - a1 + a2;
        if !(p > 0.0 && q > 0.0 && a2 < 1.0) {
            return Self::IDENTITY;
        }
        let g = (p / q).sqrt();
        let k = 2.0 * (1.0 - a2) / (q * g);
        let d0 = 1.0 + g * k + g * g;
        let m_lp = d0 * (b0 + b1 + b2) / (4.0 * g * g);
        let m_hp = d0 * (b0 - b1 + b2) / 4.0;
        let m_bp = (m_hp + m_lp * g * g - d0 * b2) / g;
        let s = Self {
            g,
            k,
            c0: m_hp,
            c1: m_bp - k * m_hp,
            c2: m_lp - m_hp,
        };
        if [s.g, s.k, s.c0, s.c1, s.c2].iter().all(|v| v.is_finite()) {
            s
        } else {
            Self::IDENTITY
        }
    }

    /// Bypass with this section's `g, k` (ramping from/to it only moves the mix).
    pub fn bypass_like(&self) -> Self {
        Self {
            c0: 1.0,
            c1: 0.0,
            c2: 0.0,
            ..*self
        }
    }

    /// True if the output equals the input.
    pub fn is_bypass(&self) -> bool {
        self.c0 == 1.0 && self.c1 == 0.0 && self.c2 == 0.0
    }

    /// The equivalent biquad (inverse of [`from_biquad`](Self::from_biquad)).
    pub fn to_biquad(&self) -> Biquad {
        let (g, k) = (self.g, self.k);
        let d0 = 1.0 + g * k + g * g;
        let m_hp = self.c0;
        let m_bp = self.c1 + k * m_hp;
        let m_lp = self.c2 + m_hp;
        // m_hp(1 − z⁻¹)² + m_bp·g(1 − z⁻²) + m_lp·g²(1 + z⁻¹)², over D0.
        let b = [
            (m_hp + m_bp * g + m_lp * g * g) / d0,
            (-2.0 * m_hp + 2.0 * m_lp * g * g) / d0,
            (m_hp - m_bp * g + m_lp * g * g) / d0,
        ];
        let a = [1.0, 2.0 * (g * g - 1.0) / d0, (1.0 - g * k + g * g) / d0];
        Biquad { b, a }
    }
}
