//! [`BandDetector`]: what a dynamic band listens to — a 6th-order band-pass around the band's
//! `f0` with the band's `Q`, and the instantaneous power of its output.
//!
//! Three identical TPT state-variable band-passes in cascade (Zavalishin, *The Art of VA Filter
//! Design* rev. 2.1.2, §4.4; Simper, "Linear Trapezoidal Integrated SVF", Cytomic 2013), each
//! normalised to 0 dB at `f0` (output `k·v1`, `k = 1/Q`), `|H| = (k·r / √((1 − r²)² +
//! k²r²))³` with `r = f/f0`. Several stages because a single 2nd-order band-pass at Q 1 is only
//! 5 dB down one octave away — a loud note there would move the band; and three because the
//! quadrature partner below rides on the last stage, whose own partner only levels off far
//! from `f0` (`→ k/2`): the partner falls with the first two stages (12 dB/oct far out).
//!
//! Level without ripple: in the trapezoidal SVF each output is the previous one through the
//! integrator `g(1 + z⁻¹)/(1 − z⁻¹)`, which at `f0` (where `g = tan(π f0/fs)`) is exactly
//! `−j`: `bp = −j·hp`, `lp = −j·bp`. So at `f0` the last stage's normalised band output
//! `b = k·v1` and `q = k·(lp − hp)/2` are a quadrature pair of equal magnitude, and
//! `p = b² + q²` is the squared amplitude of a sine at `f0` without any ripple or averaging
//! delay — the detector's level is the sine's peak level (dBFS) exactly. Off `f0`,
//! `|q/b| = (1 + r²)/(2r)` (analog; the same above and below `f0`, +1.9 dB one octave off):
//! `p` ripples at twice the frequency between `b²` and `q²` (the gain envelope smooths it);
//! noise gives its instantaneous band energy.

/// One stage's coefficients (TPT SVF, Zavalishin's `a1, a2, a3` form as in
/// [`crate::eq::section`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Coefs {
    a1: f32,
    a2: f32,
    a3: f32,
    k: f32,
}

impl Coefs {
    fn new(f0: f32, q: f32, sample_rate: f32) -> Self {
        let w = (std::f32::consts::PI * f0 / sample_rate).min(0.49 * std::f32::consts::PI);
        let g = w.tan();
        let k = 1.0 / q.max(0.05);
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        let a3 = g * a2;
        Self { a1, a2, a3, k }
    }
}

/// One lane's cascaded stages.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Lane {
    ic: [[f32; 2]; STAGES],
}

/// Band-pass stages in cascade.
const STAGES: usize = 3;

impl Lane {
    /// One sample: returns the normalised band output of the last stage and the power.
    #[inline(always)]
    fn tick(&mut self, c: &Coefs, x: f32) -> (f32, f32) {
        let mut input = x;
        let mut out = (0.0, 0.0);
        for ic in self.ic.iter_mut() {
            let v3 = input - ic[1];
            let v1 = c.a1 * ic[0] + c.a2 * v3;
            let v2 = ic[1] + c.a2 * ic[0] + c.a3 * v3;
            ic[0] = 2.0 * v1 - ic[0];
            ic[1] = 2.0 * v2 - ic[1];
            // Normalised band output and its quadrature partner k·(lp − hp)/2 (see the module
            // docs), hp = input − k·v1 − v2.
            let hp = input - c.k * v1 - v2;
            let bp = c.k * v1;
            let quad = 0.5 * c.k * (v2 - hp);
            input = bp;
            out = (bp, bp * bp + quad * quad);
        }
        out
    }
}

/// The detector band-pass on up to two lanes (see the module docs). Life cycle:
/// [`prepare`](Self::prepare), [`reset`](Self::reset), [`tune`](Self::tune) (cheap when
/// unchanged), [`tick`](Self::tick) per sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandDetector {
    sample_rate: f32,
    f0: f32,
    q: f32,
    coefs: Coefs,
    lanes: [Lane; 2],
}

impl Default for BandDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl BandDetector {
    /// 1 kHz, Q 1, 48 kHz, cleared.
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            f0: 1000.0,
            q: 1.0,
            coefs: Coefs::new(1000.0, 1.0, 48_000.0),
            lanes: [Lane::default(); 2],
        }
    }

    /// Sets the sample rate and clears the state.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.sample_rate = sample_rate;
        self.coefs = Coefs::new(self.f0, self.q, sample_rate);
        self.reset();
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.lanes = [Lane::default(); 2];
    }

    /// Centre frequency (Hz) and Q; coefficients recomputed only on a change (states kept: the
    /// band's frequency glides).
    pub fn tune(&mut self, f0: f32, q: f32) {
        if f0 != self.f0 || q != self.q {
            self.f0 = f0;
            self.q = q;
            self.coefs = Coefs::new(f0, q, self.sample_rate);
        }
    }

    /// One sample on `lane` (0 or 1): `(band-passed sample, its power)`.
    #[inline(always)]
    pub fn tick(&mut self, lane: usize, x: f32) -> (f32, f32) {
        let c = self.coefs;
        self.lanes[lane & 1].tick(&c, x)
    }

    /// Magnitude (linear) of the detector at `f_hz`: the analog prototype of the cascade (for
    /// the editor and tests), `(k·r/√((1 − r²)² + k²r²))³`, `r = f/f0`.
    pub fn magnitude(f0: f32, q: f32, f_hz: f32) -> f32 {
        let k = 1.0 / q.max(0.05);
        let r = f_hz / f0;
        let one = k * r / ((1.0 - r * r).powi(2) + k * k * r * r).sqrt();
        one.powi(STAGES as i32)
    }
}

/// Lanes a [`DetectorGroup`] runs side by side: four bands of two lanes each.
pub const GROUP_LANES: usize = 8;

/// Bands a [`DetectorGroup`] runs side by side.
pub const GROUP_BANDS: usize = GROUP_LANES / 2;

/// The detectors of up to [`GROUP_BANDS`] bands run side by side, lane `2·slot + j` being lane
/// `j` of the band in `slot`: the same arithmetic as [`BandDetector::tick`], operation for
/// operation (so the same results), written as loops over fixed-size lane arrays that the
/// compiler turns into vector instructions of the target's baseline (two 4-lane SSE2 vectors on
/// x86-64, NEON on aarch64) — portable code, no dispatch: the lanes are independent filters,
/// only the per-sample recursion of each lane is serial. A band's state is loaded into its
/// slot before a sub-block and stored back after it ([`load`](Self::load) /
/// [`store`](Self::store)), so the bands keep their own detectors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorGroup {
    a1: [f32; GROUP_LANES],
    a2: [f32; GROUP_LANES],
    a3: [f32; GROUP_LANES],
    k: [f32; GROUP_LANES],
    ic: [[[f32; GROUP_LANES]; 2]; STAGES],
}

impl Default for DetectorGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl DetectorGroup {
    /// Every slot at 1 kHz, Q 1, 48 kHz, cleared (an unused slot filters silence).
    pub fn new() -> Self {
        let c = Coefs::new(1000.0, 1.0, 48_000.0);
        Self {
            a1: [c.a1; GROUP_LANES],
            a2: [c.a2; GROUP_LANES],
            a3: [c.a3; GROUP_LANES],
            k: [c.k; GROUP_LANES],
            ic: [[[0.0; GROUP_LANES]; 2]; STAGES],
        }
    }

    /// Puts `detector` (coefficients and the states of its `lanes` lanes, 1 or 2) into `slot`.
    /// A one-lane band's lane 0 fills both lanes of the slot: fed the same input, they give
    /// the same power, so the louder of the two is lane 0's.
    pub fn load(&mut self, slot: usize, detector: &BandDetector, lanes: usize) {
        let c = detector.coefs;
        for j in 0..2 {
            let l = 2 * (slot % GROUP_BANDS) + j;
            let from = if lanes == 2 { j } else { 0 };
            (self.a1[l], self.a2[l], self.a3[l], self.k[l]) = (c.a1, c.a2, c.a3, c.k);
            for s in 0..STAGES {
                self.ic[s][0][l] = detector.lanes[from].ic[s][0];
                self.ic[s][1][l] = detector.lanes[from].ic[s][1];
            }
        }
    }

    /// Clears `slot` (silence in, silence out).
    pub fn clear(&mut self, slot: usize) {
        for j in 0..2 {
            let l = 2 * (slot % GROUP_BANDS) + j;
            for s in 0..STAGES {
                (self.ic[s][0][l], self.ic[s][1][l]) = (0.0, 0.0);
            }
        }
    }

    /// Copies the states of `slot` back to `detector`.
    pub fn store(&self, slot: usize, detector: &mut BandDetector) {
        for j in 0..2 {
            let l = 2 * (slot % GROUP_BANDS) + j;
            for s in 0..STAGES {
                detector.lanes[j].ic[s][0] = self.ic[s][0][l];
                detector.lanes[j].ic[s][1] = self.ic[s][1][l];
            }
        }
    }

    /// Runs every lane over `key` (frames of [`GROUP_LANES`] samples, one per lane), writing
    /// each lane's power per frame to `power` and, with `out`, its band-passed sample.
    pub fn run(&mut self, key: &[f32], power: &mut [f32], mut out: Option<&mut [f32]>) {
        const N: usize = GROUP_LANES;
        let frames = key.len().min(power.len()) / N;
        for f in 0..frames {
            let mut input = [0.0f32; N];
            input.copy_from_slice(&key[f * N..(f + 1) * N]);
            let mut p = [0.0f32; N];
            for s in 0..STAGES {
                let [ic0, ic1] = &mut self.ic[s];
                for l in 0..N {
                    // As Lane::tick.
                    let v3 = input[l] - ic1[l];
                    let v1 = self.a1[l] * ic0[l] + self.a2[l] * v3;
                    let v2 = ic1[l] + self.a2[l] * ic0[l] + self.a3[l] * v3;
                    ic0[l] = 2.0 * v1 - ic0[l];
                    ic1[l] = 2.0 * v2 - ic1[l];
                    let hp = input[l] - self.k[l] * v1 - v2;
                    let bp = self.k[l] * v1;
                    let quad = 0.5 * self.k[l] * (v2 - hp);
                    input[l] = bp;
                    p[l] = bp * bp + quad * quad;
                }
            }
            power[f * N..(f + 1) * N].copy_from_slice(&p);
            if let Some(o) = out.as_mut() {
                o[f * N..(f + 1) * N].copy_from_slice(&input);
            }
        }
    }
}
