//! What the engine takes from the controls: the [`EqMode`], the band targets (read through
//! [`BandTargets`] once per sub-block) and the schedule that decides when a moved band is
//! handed to the section bank (the schedule).
//!
//! Band glides stay with the caller (a plugin's parameter smoothers): the engine only asks for
//! the next target. What the schedule adds is rate control: a gliding band is re-designed at
//! most once per [`SUB_BLOCK`] samples (tiny host blocks would otherwise re-design sections
//! every sample), while a switch, a type, slope or placement change is applied at once.

use crate::blocks::path_crossfade::Path;
use crate::eq::{EqBand, EqSectionBank, Placement, MAX_BANDS};

/// Longest stretch processed with one set of band targets while bands move (samples).
pub const SUB_BLOCK: usize = 64;

/// Highest band frequency as a fraction of the sample rate: just under Nyquist (0.5), so every
/// band's design stays defined (3.84 kHz at 8 kHz, 23.04 kHz at 48 kHz).
pub const MAX_FREQ_FRACTION: f32 = 0.48;

/// Highest band frequency at `sample_rate` ([`MAX_FREQ_FRACTION`] of it).
pub fn max_band_freq_hz(sample_rate: f32) -> f32 {
    MAX_FREQ_FRACTION * sample_rate
}

/// One band as it is heard: its settings and the channels it works on. `None` = not heard.
pub type BandTarget = Option<(EqBand, Placement)>;

/// Processing mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EqMode {
    /// Minimum-phase fitted sections ([`EqSectionBank`]), no latency.
    #[default]
    ZeroLatency,
    /// The same curve as a linear-phase FIR ([`crate::eq::LinearPhaseEq`]), fixed latency.
    LinearPhase,
}

impl EqMode {
    /// Which side of the mode crossfade runs this mode.
    pub(super) fn path(self) -> Path {
        match self {
            EqMode::ZeroLatency => Path::A,
            EqMode::LinearPhase => Path::B,
        }
    }
}

/// Where the engine reads band targets from (e.g. a plugin's smoothed parameters).
pub trait BandTargets {
    /// Band `index` (0-based, below [`MAX_BANDS`]) after its glides advanced by `samples`, or
    /// `None` when it is not heard (its glides still advance).
    fn advance(&self, index: usize, samples: u32) -> BandTarget;
    /// Whether a heard band's frequency, gain or Q is still gliding: the engine then works in
    /// sub-blocks of [`SUB_BLOCK`] samples.
    fn gliding(&self) -> bool;
    /// Every glide jumps to its target (engine reset).
    fn snap(&self);
}

/// Fixed bands that never glide (tests, benches, a host without smoothing).
impl BandTargets for [BandTarget; MAX_BANDS] {
    fn advance(&self, index: usize, _samples: u32) -> BandTarget {
        self[index]
    }
    fn gliding(&self) -> bool {
        false
    }
    fn snap(&self) {}
}

/// What each band was last handed to the bank as, and how long ago a glide was last handed over.
#[derive(Debug, Clone)]
pub(super) struct BandSchedule {
    applied: [BandTarget; MAX_BANDS],
    /// Bands the engine hands to the bank itself (dynamic bands at their moving gain): the
    /// schedule only records them (and disables them when they go off).
    pub(super) dynamic: [bool; MAX_BANDS],
    since_update: usize,
    max_freq_hz: f32,
}

impl BandSchedule {
    pub(super) fn new() -> Self {
        Self {
            applied: [None; MAX_BANDS],
            dynamic: [false; MAX_BANDS],
            since_update: 0,
            max_freq_hz: max_band_freq_hz(48_000.0),
        }
    }

    pub(super) fn prepare(&mut self, sample_rate: f32) {
        self.max_freq_hz = max_band_freq_hz(sample_rate);
    }

    /// The bands as the bank has them.
    pub(super) fn applied(&self) -> &[BandTarget; MAX_BANDS] {
        &self.applied
    }

    /// Band `index` from `bands`, its frequency kept under Nyquist.
    fn target(&self, bands: &impl BandTargets, index: usize, samples: u32) -> BandTarget {
        let (mut band, placement) = bands.advance(index, samples)?;
        band.freq_hz = band.freq_hz.min(self.max_freq_hz);
        Some((band, placement))
    }

    /// Advances the glides by `samples` and hands what is due to `bank`. Returns true if any
    /// band changed.
    pub(super) fn update(
        &mut self,
        samples: usize,
        bands: &impl BandTargets,
        bank: &mut EqSectionBank,
    ) -> bool {
        self.since_update += samples;
        let due = self.since_update >= SUB_BLOCK;
        let mut changed = false;
        for i in 0..MAX_BANDS {
            let target = self.target(bands, i, samples as u32);
            let apply = match (self.applied[i], target) {
                (None, None) => false,
                (Some(_), None) | (None, Some(_)) => true,
                (Some((a, pa)), Some((b, pb))) => {
                    let discrete = a.kind != b.kind || a.slope != b.slope || pa != pb;
                    (discrete || due) && (a, pa) != (b, pb)
                }
            };
            if !apply {
                continue;
            }
            match target {
                Some(_) if self.dynamic[i] => {}
                Some((band, placement)) => bank.set_band(i, band, placement),
                None => bank.disable_band(i),
            }
            self.applied[i] = target;
            changed = true;
        }
        if due || changed {
            self.since_update = 0;
        }
        changed
    }

    /// Every glide jumps to its target and `bank` takes the bands without ramps (full fit).
    pub(super) fn snap(&mut self, bands: &impl BandTargets, bank: &mut EqSectionBank) {
        self.since_update = SUB_BLOCK;
        bands.snap();
        for i in 0..MAX_BANDS {
            let target = self.target(bands, i, 1);
            match target {
                Some(_) if self.dynamic[i] => {}
                Some((band, placement)) => bank.set_band(i, band, placement),
                None => bank.disable_band(i),
            }
            bank.snap_band(i);
            self.applied[i] = target;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::BandType;
    use std::cell::Cell;

    /// One bell whose frequency steps by 1 Hz per `advance` call while "gliding".
    struct Sweep {
        freq: Cell<f32>,
        gliding: Cell<bool>,
    }

    impl BandTargets for Sweep {
        fn advance(&self, index: usize, _samples: u32) -> BandTarget {
            if index != 0 {
                return None;
            }
            if self.gliding.get() {
                self.freq.set(self.freq.get() + 1.0);
            }
            let band = EqBand {
                kind: BandType::Bell,
                freq_hz: self.freq.get(),
                gain_db: 6.0,
                ..EqBand::default()
            };
            Some((band, Placement::Stereo))
        }
        fn gliding(&self) -> bool {
            self.gliding.get()
        }
        fn snap(&self) {
            self.gliding.set(false);
        }
    }

    #[test]
    fn band_frequency_stays_under_nyquist() {
        assert_eq!(max_band_freq_hz(8_000.0), 3_840.0);
        assert_eq!(max_band_freq_hz(48_000.0), 23_040.0);
        let mut schedule = BandSchedule::new();
        schedule.prepare(8_000.0);
        let mut bank = EqSectionBank::new();
        bank.prepare(8_000.0, 64);
        let sweep = Sweep {
            freq: Cell::new(20_000.0),
            gliding: Cell::new(false),
        };
        schedule.snap(&sweep, &mut bank);
        assert_eq!(schedule.applied()[0].unwrap().0.freq_hz, 3_840.0);
        assert_eq!(bank.band(0).unwrap().0.freq_hz, 3_840.0);
    }

    #[test]
    fn glides_are_handed_over_once_per_sub_block() {
        let mut schedule = BandSchedule::new();
        let mut bank = EqSectionBank::new();
        bank.prepare(48_000.0, 512);
        let sweep = Sweep {
            freq: Cell::new(1000.0),
            gliding: Cell::new(false),
        };
        schedule.snap(&sweep, &mut bank);
        sweep.gliding.set(true);
        // Blocks of 16 samples: the glide moves each time; the bank hears it at once (a snap
        // leaves the schedule due), then once 64 samples have passed.
        let handed: Vec<bool> = (0..8)
            .map(|_| schedule.update(16, &sweep, &mut bank))
            .collect();
        assert_eq!(
            handed,
            [true, false, false, false, true, false, false, false]
        );
        assert_eq!(sweep.freq.get(), 1008.0);
        assert_eq!(bank.band(0).unwrap().0.freq_hz, 1005.0, "the 5th target");
        // A discrete change (placement) goes through at once.
        struct Left;
        impl BandTargets for Left {
            fn advance(&self, index: usize, _samples: u32) -> BandTarget {
                (index == 0).then(|| (EqBand::default(), Placement::Left))
            }
            fn gliding(&self) -> bool {
                false
            }
            fn snap(&self) {}
        }
        assert!(schedule.update(1, &Left, &mut bank));
        assert_eq!(bank.band(0).unwrap().1, Placement::Left);
        assert!(!schedule.update(1, &Left, &mut bank), "nothing moved");
    }
}
