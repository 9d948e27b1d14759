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
//!   (e.g. a 0 dB bell), is skipped.

use super::design::SectionDesigner;
use super::section::{LaneMix, Lanes, SvfMix, SvfSection};
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
            sections: [SvfSection::new(); MAX_DIGITAL_SECTIONS],
        }
    }

    fn is_active(&self) -> bool {
        self.sections[..self.running].iter().any(|s| s.is_active())
    }

    fn process(&mut self, buf: &mut [Lanes]) {
        for s in self.sections[..self.running].iter_mut() {
            if s.is_active() {
                s.process(buf);
            }
        }
        if !self.on && !self.is_active() {
            self.running = 0;
        }
    }
}

/// Up to [`MAX_BANDS`] EQ bands on a stereo signal (see the module docs).
#[derive(Debug, Clone)]
pub struct EqSectionBank {
    designer: SectionDesigner,
    sample_rate: f64,
    bands: Vec<BandSlot>,
    work: Vec<Lanes>,
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
        for i in 0..MAX_BANDS {
            if self.bands[i].on {
                let (band, placement) = (self.bands[i].band, self.bands[i].placement);
                self.set_band(i, band, placement);
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

    /// The sample rate.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Enables band `index` with `band` on `placement`, designing its
    /// sections now (real-time safe); the next `process` ramps to them.
    /// Out-of-range indices are ignored.
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
        slot.design = DigitalBand::design(&self.designer, &band);
        let lanes = placement.lanes();
        let n = slot.design.sections().len();
        for i in 0..n {
            let mix = SvfMix::from_biquad(&slot.design.sections()[i]);
            let target = LaneMix {
                lane: [
                    if lanes[0] { mix } else { mix.bypass_like() },
                    if lanes[1] { mix } else { mix.bypass_like() },
                ],
            };
            if i >= slot.running || !was_on {
                slot.sections[i].start_from_bypass(target);
            } else {
                slot.sections[i].set_target(target);
            }
        }
        for s in slot.sections[n..slot.running.max(n)].iter_mut() {
            s.fade_out();
        }
        slot.running = slot.running.max(n);
        if placement_changed && was_on {
            // Moving between the L/R and M/S domains cannot ramp one state
            // into the other: restart from a bypass.
            for s in slot.sections[..slot.running].iter_mut() {
                let t = *s.target();
                s.start_from_bypass(t);
            }
        }
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
    /// loading a preset while stopped).
    pub fn snap_band(&mut self, index: usize) {
        if let Some(slot) = self.bands.get_mut(index) {
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

    /// The band's digital sections (the target, as designed) if it is on.
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

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
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
        let n = left.len();
        let work = &mut self.work[..n];
        for ((w, l), r) in work.iter_mut().zip(left.iter()).zip(right.iter()) {
            *w = [*l as f64, *r as f64];
        }
        for b in self.bands.iter_mut() {
            if b.is_active() && !b.placement.in_ms() {
                b.process(work);
            }
        }
        if any_ms {
            for w in work.iter_mut() {
                *w = [0.5 * (w[0] + w[1]), 0.5 * (w[0] - w[1])];
            }
            for b in self.bands.iter_mut() {
                if b.is_active() && b.placement.in_ms() {
                    b.process(work);
                }
            }
            for w in work.iter_mut() {
                *w = [w[0] + w[1], w[0] - w[1]];
            }
        }
        for ((w, l), r) in work.iter().zip(left.iter_mut()).zip(right.iter_mut()) {
            *l = w[0] as f32;
            *r = w[1] as f32;
        }
    }
}
