//! [`EqSectionBank`]: up to 16 bands, each a cascade of fitted sections
//! (see [`super::design`]) run as two-lane `f64` TPT SVFs (see
//! [`super::section`]).
//!
//! * **Lanes**: every section processes a `[f64; 2]` frame — left/right, or
//!   mid/side for bands placed on Mid or Side. A band on one lane only gives
//!   the other lane an exact bypass mix (`y = x`), so both lanes run the same
//!   straight-line code (two `f64` = one SSE2 register).
//! * **Order**: bands placed Stereo/Left/Right run first, in index order, in
//!   the L/R domain; then, only if some band is placed Mid/Side, the frame is
//!   converted to `M = (L+R)/2, S = (L−R)/2`, those bands run in index order,
//!   and `L = M+S, R = M−S`. (Stereo bands commute with the M/S matrix;
//!   Left/Right and Mid/Side bands do not, so this order is the definition.)
//! * **Changes**: [`set_band`](EqSectionBank::set_band) designs the new
//!   sections at once (call it per block while a parameter moves);
//!   `process` then ramps every moved section's SVF coefficients linearly
//!   across the block. A newly enabled band fades in from a bypass with the
//!   target's `g, k`, a disabled band fades out and stops; a change of type
//!   or slope fades sections that appear in / disappear out.
//! * **Cost**: a band that is off, or whose sections are all exact bypasses
//!   (e.g. a 0 dB bell), is skipped. Static sections run as DF2T through the
//!   wavefront kernel of [`super::cascade`]; in the steady case (nothing
//!   ramps, no Mid/Side band, at most 12 sections, AVX2) that kernel reads
//!   and writes the `f32` channels itself, widening each frame as it enters
//!   ([`run_cascade_f32`]), otherwise the block goes through an interleaved
//!   `f64` work buffer (AVX2 conversions where the CPU has them). Both give
//!   the same samples.

use super::cascade::{run_cascade, run_cascade_f32, Df2t, Kernel, GROUP_SECTIONS};
use super::design::SectionDesigner;
use super::section::{LaneMix, SvfSection};
use super::svf_mix::{Lanes, SvfMix};
use super::{DigitalBand, EqBand, MAX_DIGITAL_SECTIONS};

/// Number of bands.
pub const MAX_BANDS: usize = 16;

/// Which channels a band processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Placement {
    /// Both channels.
    #[default]
    Stereo,
    /// Left only.
    Left,
    /// Right only.
    Right,
    /// Mid `(L+R)/2` only.
    Mid,
    /// Side `(L−R)/2` only.
    Side,
}

impl Placement {
    fn in_ms(self) -> bool {
        matches!(self, Placement::Mid | Placement::Side)
    }

    /// Which lanes carry the filter (lane 0 = L or M, lane 1 = R or S).
    fn lanes(self) -> [bool; 2] {
        match self {
            Placement::Stereo => [true, true],
            Placement::Left | Placement::Mid => [true, false],
            Placement::Right | Placement::Side => [false, true],
        }
    }
}

#[derive(Debug, Clone)]
struct BandSlot {
    on: bool,
    band: EqBand,
    placement: Placement,
    /// Sections currently run (≥ the design's count while extra ones fade).
    running: usize,
    design: DigitalBand,
    /// `design` is the full fit (not the closed form of a moving band).
    refined: bool,
    /// Samples processed since the settings last changed.
    quiet: usize,
    sections: [SvfSection; MAX_DIGITAL_SECTIONS],
}

impl BandSlot {
    fn new() -> Self {
        Self {
            on: false,
            band: EqBand::default(),
            placement: Placement::Stereo,
            running: 0,
            design: DigitalBand::design(&SectionDesigner::new(48_000.0), &EqBand::default()),
            refined: true,
            quiet: 0,
            sections: [SvfSection::new(); MAX_DIGITAL_SECTIONS],
        }
    }

    fn is_active(&self) -> bool {
        self.sections[..self.running].iter().any(|s| s.is_active())
    }

    /// Makes `design` the band's target: moved sections ramp to it, new
    /// ones fade in from a bypass, surplus ones fade out.
    fn retarget(&mut self, design: DigitalBand, was_on: bool, placement_changed: bool) {
        self.design = design;
        let lanes = self.placement.lanes();
        let n = self.design.sections().len();
        for i in 0..n {
            let mix = SvfMix::from_biquad(&self.design.sections()[i]);
            let target = LaneMix {
                lane: [
                    if lanes[0] { mix } else { mix.bypass_like() },
                    if lanes[1] { mix } else { mix.bypass_like() },
                ],
            };
            if i >= self.running || !was_on {
                self.sections[i].start_from_bypass(target);
            } else {
                self.sections[i].set_target(target);
            }
        }
        for s in self.sections[n..self.running.max(n)].iter_mut() {
            s.fade_out();
        }
        self.running = self.running.max(n);
        if placement_changed && was_on {
            // Moving between the L/R and M/S domains cannot ramp one state
            // into the other: restart from a bypass.
            for s in self.sections[..self.running].iter_mut() {
                let t = *s.target();
                s.start_from_bypass(t);
            }
        }
    }
}

/// Shortest coefficient ramp (s): with host blocks shorter than this a
/// change still glides over this long (64 samples at 48 kHz).
pub const MIN_RAMP_SECONDS: f64 = 64.0 / 48_000.0;

/// A moved band gets its full fit once its settings have not changed for
/// this long (s); until then it runs the closed-form design.
pub const SETTLE_SECONDS: f64 = 0.05;

/// At most one full fit per this many seconds of audio across the bank
/// (bounds the CPU of settling bands: ≤ one design, 3–170 µs, per 5.3 ms at
/// 48 kHz).
pub const REFINE_INTERVAL_SECONDS: f64 = 256.0 / 48_000.0;

/// Most static sections gathered before they run (the kernel splits them
/// into equal wavefront groups).
const PENDING_SECTIONS: usize = 24;

/// Static sections waiting to run through the wavefront kernel, in cascade
/// order, with the (band, section) they came from.
#[derive(Debug, Clone)]
struct PendingRun {
    secs: [Df2t; PENDING_SECTIONS],
    from: [(usize, usize); PENDING_SECTIONS],
    len: usize,
}

impl PendingRun {
    fn new() -> Self {
        Self {
            secs: [Df2t::IDENTITY; PENDING_SECTIONS],
            from: [(0, 0); PENDING_SECTIONS],
            len: 0,
        }
    }

    /// Runs the pending sections over `buf` and hands their states back.
    fn flush(&mut self, kernel: Kernel, bands: &mut [BandSlot], buf: &mut [Lanes]) {
        if self.len == 0 {
            return;
        }
        run_cascade(kernel, &mut self.secs[..self.len], buf);
        for (d, &(b, s)) in self.secs[..self.len].iter().zip(&self.from[..self.len]) {
            bands[b].sections[s].set_df2t_state(d);
        }
        self.len = 0;
    }
}

/// Up to [`MAX_BANDS`] EQ bands on a stereo signal (see the module docs).
#[derive(Debug, Clone)]
pub struct EqSectionBank {
    designer: SectionDesigner,
    sample_rate: f64,
    bands: Vec<BandSlot>,
    work: Vec<Lanes>,
    kernel: Kernel,
    /// Scratch of `process` (kept here: filling it per call costs more
    /// than a small block's samples).
    pending: Box<PendingRun>,
    /// Samples since the last full fit made in `process`.
    since_refine: usize,
    /// Band the search for a band to refine starts at (round robin).
    refine_cursor: usize,
    /// [`SETTLE_SECONDS`] and [`REFINE_INTERVAL_SECONDS`] in samples.
    settle_samples: usize,
    refine_interval: usize,
}

impl Default for EqSectionBank {
    fn default() -> Self {
        Self::new()
    }
}

impl EqSectionBank {
    /// All bands off, 48 kHz, 512-sample blocks until `prepare`.
    pub fn new() -> Self {
        let mut b = Self {
            designer: SectionDesigner::new(48_000.0),
            sample_rate: 48_000.0,
            bands: vec![BandSlot::new(); MAX_BANDS],
            work: Vec::new(),
            kernel: Kernel::detect(),
            pending: Box::new(PendingRun::new()),
            since_refine: 0,
            refine_cursor: 0,
            settle_samples: 0,
            refine_interval: 0,
        };
        b.prepare(48_000.0, 512);
        b
    }

    /// Sets the sample rate (re-designs enabled bands, no ramp), allocates
    /// the work buffer for `max_block` frames and resets.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = sample_rate as f64;
        self.designer = SectionDesigner::new(sample_rate as f64);
        self.work = vec![[0.0; 2]; max_block.max(1)];
        let fs = self.sample_rate;
        let min_ramp = (MIN_RAMP_SECONDS * fs).round() as usize;
        self.settle_samples = (SETTLE_SECONDS * fs).round() as usize;
        self.refine_interval = (REFINE_INTERVAL_SECONDS * fs).round() as usize;
        for i in 0..MAX_BANDS {
            let slot = &mut self.bands[i];
            slot.sections
                .iter_mut()
                .for_each(|s| s.set_min_ramp(min_ramp));
            if slot.on {
                slot.refined = false;
                self.snap_band(i);
            }
        }
        self.reset();
    }

    /// Clears every filter state (coefficients stay).
    pub fn reset(&mut self) {
        for b in self.bands.iter_mut() {
            b.sections.iter_mut().for_each(|s| s.reset());
        }
    }

    /// Chooses the kernel of static sections (default: [`Kernel::detect`]);
    /// e.g. to compare the SIMD kernel with the scalar one. A kernel the CPU
    /// lacks falls back to [`Kernel::Scalar`].
    pub fn set_kernel(&mut self, kernel: Kernel) {
        self.kernel = kernel.supported();
    }

    /// The kernel static sections run on.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The sample rate.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Enables band `index` with `band` on `placement` (real-time safe;
    /// out-of-range indices are ignored). Meant to be called every block
    /// (or every few dozen samples) while a parameter moves:
    ///
    /// * now: the closed-form design ([`DigitalBand::design_fast`],
    ///   < 1 µs per section); the following `process` calls ramp to it
    ///   over `max(block, MIN_RAMP_SECONDS)`;
    /// * once the settings have stood still for [`SETTLE_SECONDS`]: the
    ///   full fit ([`DigitalBand::design`]), made inside `process` (at most
    ///   one band per [`REFINE_INTERVAL_SECONDS`]) and ramped to the same
    ///   way. [`snap_band`](Self::snap_band) makes it at once.
    pub fn set_band(&mut self, index: usize, band: EqBand, placement: Placement) {
        let Some(slot) = self.bands.get_mut(index) else {
            return;
        };
        let same = slot.on && slot.band == band && slot.placement == placement;
        if same {
            return;
        }
        let was_on = slot.on;
        let placement_changed = slot.placement != placement;
        slot.on = true;
        slot.band = band;
        slot.placement = placement;
        slot.refined = false;
        slot.quiet = 0;
        let design = DigitalBand::design_fast(&self.designer, &band);
        slot.retarget(design, was_on, placement_changed);
    }

    /// [`set_band`](Self::set_band) with a design made by the caller (a dynamic band's
    /// exact moving design, see [`super::dynamic::moving_design`]); `refined` = it is the
    /// full fit (no later refinement needed).
    pub fn set_band_designed(
        &mut self,
        index: usize,
        band: EqBand,
        placement: Placement,
        design: DigitalBand,
        refined: bool,
    ) {
        let Some(slot) = self.bands.get_mut(index) else {
            return;
        };
        if slot.on && slot.band == band && slot.placement == placement {
            return;
        }
        let (was_on, placement_changed) = (slot.on, slot.placement != placement);
        (slot.on, slot.band, slot.placement) = (true, band, placement);
        (slot.refined, slot.quiet) = (refined, 0);
        slot.retarget(design, was_on, placement_changed);
    }

    /// The designer of this sample rate.
    pub fn designer(&self) -> &SectionDesigner {
        &self.designer
    }

    /// Disables band `index` (it fades out over the next block).
    pub fn disable_band(&mut self, index: usize) {
        if let Some(slot) = self.bands.get_mut(index) {
            if slot.on {
                slot.on = false;
                slot.sections[..slot.running]
                    .iter_mut()
                    .for_each(|s| s.fade_out());
            }
        }
    }

    /// Jumps band `index` to its target coefficients (no ramp; e.g. after
    /// loading a preset while stopped), making the full fit first if the
    /// band runs the closed-form design.
    pub fn snap_band(&mut self, index: usize) {
        if let Some(slot) = self.bands.get_mut(index) {
            if slot.on && !slot.refined {
                let design = DigitalBand::design(&self.designer, &slot.band);
                slot.retarget(design, true, false);
                slot.refined = true;
            }
            slot.sections.iter_mut().for_each(|s| s.snap());
            let n = if slot.on {
                slot.design.sections().len()
            } else {
                0
            };
            slot.running = n;
        }
    }

    /// The band's settings if it is on.
    pub fn band(&self, index: usize) -> Option<(EqBand, Placement)> {
        self.bands
            .get(index)
            .filter(|s| s.on)
            .map(|s| (s.band, s.placement))
    }

    /// The band's digital sections (the target, as designed: the full fit,
    /// or the closed form while the band moves) if it is on.
    pub fn band_design(&self, index: usize) -> Option<&DigitalBand> {
        self.bands.get(index).filter(|s| s.on).map(|s| &s.design)
    }

    /// Number of bands that cost CPU in the next `process`.
    pub fn active_bands(&self) -> usize {
        self.bands.iter().filter(|b| b.is_active()).count()
    }

    /// Processes a stereo block in place (the common length of both slices;
    /// longer than `max_block` is split). Real-time safe.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        let chunk = self.work.len();
        let mut start = 0;
        while start < len {
            let end = (start + chunk).min(len);
            self.process_chunk(&mut left[start..end], &mut right[start..end]);
            start = end;
        }
    }

    /// Runs the active sections of the bands in the L/R (`ms = false`) or
    /// M/S domain over `work`, in band and section order: ramping sections
    /// one by one as SVFs, runs of static ones through the wavefront DF2T
    /// kernel.
    fn process_domain(
        kernel: Kernel,
        bands: &mut [BandSlot],
        pending: &mut PendingRun,
        work: &mut [Lanes],
        ms: bool,
    ) {
        pending.len = 0;
        for bi in 0..bands.len() {
            if bands[bi].placement.in_ms() != ms || !bands[bi].is_active() {
                continue;
            }
            for si in 0..bands[bi].running {
                let sec = &mut bands[bi].sections[si];
                if !sec.is_active() {
                    continue;
                }
                if sec.is_ramping() {
                    pending.flush(kernel, bands, work);
                    bands[bi].sections[si].process(work);
                } else {
                    pending.secs[pending.len] = sec.df2t();
                    pending.from[pending.len] = (bi, si);
                    pending.len += 1;
                    if pending.len == PENDING_SECTIONS {
                        pending.flush(kernel, bands, work);
                    }
                }
            }
            let b = &mut bands[bi];
            if !b.on && !b.is_active() {
                b.running = 0;
            }
        }
        pending.flush(kernel, bands, work);
    }

    /// Gives one settled band its full fit (see [`set_band`](Self::set_band)).
    fn refine_one(&mut self) {
        if self.since_refine < self.refine_interval {
            return;
        }
        for k in 0..MAX_BANDS {
            let i = (self.refine_cursor + k) % MAX_BANDS;
            let slot = &mut self.bands[i];
            if slot.on && !slot.refined && slot.quiet >= self.settle_samples {
                let design = DigitalBand::design(&self.designer, &slot.band);
                slot.retarget(design, true, false);
                slot.refined = true;
                self.since_refine = 0;
                self.refine_cursor = (i + 1) % MAX_BANDS;
                return;
            }
        }
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        self.refine_one();
        self.since_refine = self.since_refine.saturating_add(n);
        for b in self.bands.iter_mut() {
            b.quiet = b.quiet.saturating_add(n);
        }
        let mut any = false;
        let mut any_ms = false;
        for b in self.bands.iter() {
            if b.is_active() {
                any = true;
                any_ms |= b.placement.in_ms();
            }
        }
        if !any {
            return;
        }
        if !any_ms && self.process_direct(left, right) {
            return;
        }
        let work = &mut self.work[..n];
        to_lanes(self.kernel, left, right, work);
        let pending = &mut self.pending;
        Self::process_domain(self.kernel, &mut self.bands, pending, work, false);
        if any_ms {
            for w in work.iter_mut() {
                *w = [0.5 * (w[0] + w[1]), 0.5 * (w[0] - w[1])];
            }
            Self::process_domain(self.kernel, &mut self.bands, pending, work, true);
            for w in work.iter_mut() {
                *w = [w[0] + w[1], w[0] - w[1]];
            }
        }
        from_lanes(self.kernel, work, left, right);
    }
}

impl EqSectionBank {
    /// The common steady case straight on the `f32` channels: every active section in the
    /// L/R domain, none ramping, at most [`GROUP_SECTIONS`] of them, and the AVX2 kernel —
    /// one wavefront pass widening each frame as it enters ([`run_cascade_f32`]), the same
    /// samples as [`process_domain`](Self::process_domain) on the `f64` work buffer. False,
    /// with nothing changed, when the case does not apply.
    fn process_direct(&mut self, left: &mut [f32], right: &mut [f32]) -> bool {
        if self.kernel != Kernel::Avx2Fma {
            return false;
        }
        let mut count = 0;
        for b in self.bands.iter().filter(|b| b.is_active()) {
            for sec in b.sections[..b.running].iter().filter(|s| s.is_active()) {
                if sec.is_ramping() {
                    return false;
                }
                count += 1;
            }
        }
        if count > GROUP_SECTIONS {
            return false;
        }
        let pending = &mut self.pending;
        pending.len = 0;
        for (bi, b) in self.bands.iter_mut().enumerate() {
            if !b.is_active() {
                continue;
            }
            for (si, sec) in b.sections[..b.running].iter_mut().enumerate() {
                if sec.is_active() {
                    pending.secs[pending.len] = sec.df2t();
                    pending.from[pending.len] = (bi, si);
                    pending.len += 1;
                }
            }
        }
        let secs = &mut pending.secs[..pending.len];
        if !run_cascade_f32(self.kernel, secs, left, right) {
            // Not reached (checked above); the buffered path would run these sections.
            pending.len = 0;
            return false;
        }
        for (d, &(b, s)) in secs.iter().zip(&pending.from[..pending.len]) {
            self.bands[b].sections[s].set_df2t_state(d);
        }
        pending.len = 0;
        // No section ramped, so no band went inactive here: nothing for `process_domain`'s
        // switch-off bookkeeping to do.
        true
    }
}

/// `work[i] = [left[i], right[i]]` in `f64` (exact). With the AVX2 kernel four frames per
/// step: two 128-bit interleaves and two widening conversions instead of four scalar ones.
fn to_lanes(kernel: Kernel, left: &[f32], right: &[f32], work: &mut [Lanes]) {
    let n = work.len().min(left.len()).min(right.len());
    #[cfg(target_arch = "x86_64")]
    let done = if kernel == Kernel::Avx2Fma {
        // SAFETY: the bank holds `Kernel::Avx2Fma` only after `Kernel::supported` checked
        // that the CPU has AVX2 (and FMA).
        unsafe { avx_lanes::to_lanes(&left[..n], &right[..n], &mut work[..n]) }
    } else {
        0
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done = {
        let _ = kernel;
        0
    };
    for ((w, l), r) in work[done..n]
        .iter_mut()
        .zip(&left[done..n])
        .zip(&right[done..n])
    {
        *w = [*l as f64, *r as f64];
    }
}

/// `left[i], right[i] = work[i]` rounded to `f32` (round to nearest, as `as f32`: the AVX
/// conversion is the same IEEE operation under the same MXCSR, so the same samples).
fn from_lanes(kernel: Kernel, work: &[Lanes], left: &mut [f32], right: &mut [f32]) {
    let n = work.len().min(left.len()).min(right.len());
    #[cfg(target_arch = "x86_64")]
    let done = if kernel == Kernel::Avx2Fma {
        // SAFETY: as in `to_lanes`.
        unsafe { avx_lanes::from_lanes(&work[..n], &mut left[..n], &mut right[..n]) }
    } else {
        0
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done = {
        let _ = kernel;
        0
    };
    for ((w, l), r) in work[done..n]
        .iter()
        .zip(&mut left[done..n])
        .zip(&mut right[done..n])
    {
        *l = w[0] as f32;
        *r = w[1] as f32;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx_lanes {
    use super::Lanes;
    use std::arch::x86_64::*;

    /// Frames `0..4⌊n/4⌋` of [`super::to_lanes`]; returns how many it did. All three slices
    /// have the same length `n`.
    #[target_feature(enable = "avx2")]
    pub(super) fn to_lanes(left: &[f32], right: &[f32], work: &mut [Lanes]) -> usize {
        let n = work.len() / 4 * 4;
        let w = work.as_mut_ptr() as *mut f64;
        for i in (0..n).step_by(4) {
            // SAFETY: i + 4 ≤ n ≤ each length; `Lanes` is `[f64; 2]`, so frame i starts at
            // f64 index 2i (unaligned loads and stores).
            unsafe {
                let l = _mm_loadu_ps(left.as_ptr().add(i));
                let r = _mm_loadu_ps(right.as_ptr().add(i));
                _mm256_storeu_pd(w.add(2 * i), _mm256_cvtps_pd(_mm_unpacklo_ps(l, r)));
                _mm256_storeu_pd(w.add(2 * i + 4), _mm256_cvtps_pd(_mm_unpackhi_ps(l, r)));
            }
        }
        n
    }

    /// Frames `0..4⌊n/4⌋` of [`super::from_lanes`]; returns how many it did.
    #[target_feature(enable = "avx2")]
    pub(super) fn from_lanes(work: &[Lanes], left: &mut [f32], right: &mut [f32]) -> usize {
        let n = work.len() / 4 * 4;
        let w = work.as_ptr() as *const f64;
        for i in (0..n).step_by(4) {
            // SAFETY: as in `to_lanes`.
            unsafe {
                // [l0, r0, l1, r1] and [l2, r2, l3, r3]
                let a = _mm256_cvtpd_ps(_mm256_loadu_pd(w.add(2 * i)));
                let b = _mm256_cvtpd_ps(_mm256_loadu_pd(w.add(2 * i + 4)));
                _mm_storeu_ps(
                    left.as_mut_ptr().add(i),
                    _mm_shuffle_ps::<0b10_00_10_00>(a, b),
                );
                _mm_storeu_ps(
                    right.as_mut_ptr().add(i),
                    _mm_shuffle_ps::<0b11_01_11_01>(a, b),
                );
            }
        }
        n
    }
}

#[cfg(test)]
mod lane_tests {
    use super::*;

    /// The AVX2 conversions give exactly the scalar `as f64` / `as f32` results, including
    /// odd lengths (the scalar tail), values that round when narrowed, and subnormals.
    #[test]
    fn lane_conversions_match_the_scalar_ones() {
        let kernel = Kernel::Avx2Fma.supported();
        let mut seed = 0x1234_5678u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for n in [0usize, 1, 3, 4, 5, 8, 63, 512, 515] {
            let left: Vec<f32> = (0..n).map(|_| f32::from_bits(next() >> 2)).collect();
            let right: Vec<f32> = (0..n).map(|_| -f32::from_bits(next() >> 2)).collect();
            let mut fast = vec![[0.0f64; 2]; n];
            let mut slow = vec![[0.0f64; 2]; n];
            to_lanes(kernel, &left, &right, &mut fast);
            to_lanes(Kernel::Scalar, &left, &right, &mut slow);
            let bits = |w: &[Lanes]| w.iter().map(|f| f.map(f64::to_bits)).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&slow), "to_lanes, {n} frames");
            // Narrowing: values with bits below f32 precision (so they round).
            let wide: Vec<Lanes> = (0..n)
                .map(|_| {
                    let v = |b: u32| (f32::from_bits(b >> 2) as f64) * (1.0 + 1e-9);
                    [v(next()), -v(next())]
                })
                .collect();
            let (mut fl, mut fr) = (vec![0.0f32; n], vec![0.0f32; n]);
            let (mut sl, mut sr) = (vec![0.0f32; n], vec![0.0f32; n]);
            from_lanes(kernel, &wide, &mut fl, &mut fr);
            from_lanes(Kernel::Scalar, &wide, &mut sl, &mut sr);
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fl), bits(&sl), "from_lanes left, {n} frames");
            assert_eq!(bits(&fr), bits(&sr), "from_lanes right, {n} frames");
        }
    }
}
