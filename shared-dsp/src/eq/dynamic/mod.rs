//! Dynamic bands: a bell, shelf or tilt band whose gain moves with the level in its own range
//! (or in an external sidechain), the way FabFilter Pro-Q's dynamic mode, TDR Nova or Waves F6
//! work.
//!
//! ## Semantics (Pro-Q's)
//! The band's **static gain `G` is the gain it moves towards**; `|G|` is the range. At rest the
//! band is flat (0 dB); as the detector passes the threshold in the band's [`Direction`]
//! (above: compress / upward-expand, below: expand / gate) the gain moves towards `G` by
//! `min(o_k·(1 − 1/R), |G|)` dB, `o_k` the soft-knee distance past the threshold (see
//! [`gain`]). A de-esser is a bell at 6–8 kHz with `G = −8 dB`, direction above; a kick's
//! attack lift a bell with `G = +6 dB`, direction above; a noise-floor dip below the threshold
//! a band with `G < 0`, direction below (which rests at `G` in silence).
//!
//! ## Signal path per band
//! 1. [`detector`]: a 6th-order band-pass around `f0` with the band's Q on the band's own input
//!    — the EQ's input (every dynamic band hears the unprocessed signal, so bands do not chase
//!    each other) — or on the external sidechain, in the band's placement domain: a Stereo band
//!    takes the louder of L and R (linked: both channels move together), Left/Right one
//!    channel, Mid `(L+R)/2`, Side `(L−R)/2`;
//! 2. [`gain`]: gain computer and attack/release envelope per sample;
//!
//!    the engine runs the bands four at a time ([`DynamicBands::run_bands`]): their detectors
//!    as the lanes of one [`DetectorGroup`], their gain computers and envelopes as the lanes of
//!    one [`GainLanes`] — the same arithmetic as one band alone ([`DynamicBand::process`]), the
//!    same results (test `grouped_detectors_equal_the_per_band_path`);
//! 3. the engine hands the band at its current gain to the section bank once per sub-block
//!    ([`crate::eq::engine::SUB_BLOCK`] samples, 1.3 ms at 48 kHz); the bank ramps the
//!    coefficients across the sub-block, so the move is smooth (no zipper, no click);
//! 4. the band stays exact while it moves: the closed-form design when it follows the analog
//!    prototype within [`design::FAST_TOLERANCE_DB`] over the band's range
//!    ([`design::fast_is_exact`], asked once per change of the static settings), else the
//!    full fit ([`design::moving_design`] is the same choice per gain). A move smaller than
//!    [`GAIN_QUANTUM_DB`] is not re-designed.
//!
//! ## Linear-phase mode
//! Dynamic bands act statically there (at their static gain `G`): the linear-phase curve is an
//! FIR kernel built in the background over many blocks, it cannot follow a gain that moves
//! every 1.3 ms, and a kernel that moved would smear the gain change over its whole length
//! (the move would start before the sound that causes it).

pub mod design;
pub mod detector;
pub mod gain;

#[cfg(test)]
mod tests;

pub use design::{fast_is_exact, moving_design, FAST_TOLERANCE_DB};
pub use detector::{BandDetector, DetectorGroup, GROUP_BANDS, GROUP_LANES};
pub use gain::{Direction, GainComputer, GainEnvelope, GainLanes, GAIN_LANES};

use crate::eq::engine::BandTarget;
use crate::eq::{BandType, DigitalBand, EqBand, EqSectionBank, Placement, MAX_BANDS};

/// A dynamic band is re-designed only when its gain moved by more than this (dB) since it was
/// last handed to the bank: the response then differs from the prototype at the current gain
/// by at most this much more than the design error.
pub const GAIN_QUANTUM_DB: f32 = 0.02;

/// Default soft-knee width (dB).
pub const DEFAULT_KNEE_DB: f32 = 6.0;

/// What a dynamic band's detector listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetectorSource {
    /// The band's own range of the EQ's input.
    #[default]
    Band,
    /// The band's range of the external sidechain (silence when none is connected).
    Sidechain,
}

/// A band's dynamic settings (see the module docs for the semantics).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DynamicSettings {
    /// Threshold (dBFS peak of the detector signal).
    pub threshold_db: f32,
    /// Ratio `≥ 1`.
    pub ratio: f32,
    /// Soft-knee width (dB).
    pub knee_db: f32,
    /// Attack time constant (ms): the move reaches 63 % of a step after this long.
    pub attack_ms: f32,
    /// Release time constant (ms).
    pub release_ms: f32,
    /// Triggering side of the threshold.
    pub direction: Direction,
    /// Detector input.
    pub source: DetectorSource,
}

impl Default for DynamicSettings {
    fn default() -> Self {
        Self {
            threshold_db: -30.0,
            ratio: 4.0,
            knee_db: DEFAULT_KNEE_DB,
            attack_ms: 10.0,
            release_ms: 150.0,
            direction: Direction::Above,
            source: DetectorSource::Band,
        }
    }
}

/// Whether a band of this type can be dynamic (the types with a gain).
pub fn can_be_dynamic(kind: BandType) -> bool {
    matches!(
        kind,
        BandType::Bell | BandType::LowShelf | BandType::HighShelf | BandType::TiltShelf
    )
}

/// One band's detector, gain computer and envelope.
#[derive(Debug, Clone, Copy)]
pub struct DynamicBand {
    detector: BandDetector,
    computer: GainComputer,
    quiet: f32,
    envelope: GainEnvelope,
    /// Sign of the static gain: the direction of the move.
    sign: f32,
    source: DetectorSource,
}

impl Default for DynamicBand {
    fn default() -> Self {
        Self::new()
    }
}

impl DynamicBand {
    /// At rest, default settings.
    pub fn new() -> Self {
        let computer = GainComputer {
            threshold_db: 0.0,
            ratio: 1.0,
            knee_db: 0.0,
            direction: Direction::Above,
            range_db: 0.0,
        };
        Self {
            detector: BandDetector::new(),
            computer,
            quiet: computer.quiet_power(),
            envelope: GainEnvelope::new(),
            sign: 1.0,
            source: DetectorSource::Band,
        }
    }

    /// Sets the sample rate and resets.
    pub fn prepare(&mut self, sample_rate: f32) {
        self.detector.prepare(sample_rate);
        self.envelope.prepare(sample_rate);
        self.reset();
    }

    /// Clears the detector; the gain jumps to where silence puts it (flat for `Above`, the
    /// static gain for `Below`).
    pub fn reset(&mut self) {
        self.detector.reset();
        self.envelope.reset(self.computer.move_db(-400.0));
    }

    /// Takes the band's static settings and its dynamic settings (cheap when unchanged).
    pub fn configure(&mut self, band: &EqBand, settings: &DynamicSettings) {
        self.detector.tune(band.freq_hz, band.q);
        let computer = GainComputer {
            threshold_db: settings.threshold_db,
            ratio: settings.ratio,
            knee_db: settings.knee_db,
            direction: settings.direction,
            range_db: band.gain_db.abs(),
        };
        if computer != self.computer {
            self.computer = computer;
            self.quiet = computer.quiet_power();
        }
        self.sign = if band.gain_db < 0.0 { -1.0 } else { 1.0 };
        self.envelope
            .set_times(settings.attack_ms, settings.release_ms);
        self.source = settings.source;
    }

    /// The detector's input.
    pub fn source(&self) -> DetectorSource {
        self.source
    }

    /// The band's current gain (dB, signed like the static gain).
    pub fn gain_db(&self) -> f32 {
        self.sign * self.envelope.value()
    }

    /// The current move (dB, ≥ 0, at most the range).
    pub fn move_db(&self) -> f32 {
        self.envelope.value()
    }

    /// The gain computer.
    pub fn computer(&self) -> &GainComputer {
        &self.computer
    }

    /// Runs the detector and the envelope over `key` (the detector's input, already chosen
    /// and projected onto the band's placement, see [`project`]); `lanes` = 1 or 2 (linked:
    /// the louder lane drives). With `listen`, the band-passed detector signal is written
    /// there per lane. Returns the gain (dB) at the end.
    pub fn process(
        &mut self,
        key: (&[f32], &[f32]),
        lanes: usize,
        mut listen: Option<(&mut [f32], &mut [f32])>,
    ) -> f32 {
        let (a, b) = key;
        let n = a.len().min(b.len());
        if self.computer.range_db <= 0.0 {
            self.envelope.reset(0.0);
            if let Some((l, r)) = listen {
                l[..n].fill(0.0);
                r[..n].fill(0.0);
            }
            return 0.0;
        }
        for i in 0..n {
            let (ya, pa) = self.detector.tick(0, a[i]);
            let (yb, pb) = if lanes == 2 {
                self.detector.tick(1, b[i])
            } else {
                (ya, pa)
            };
            let target = self.computer.move_for_power(pa.max(pb), self.quiet);
            self.envelope.next(target);
            if let Some((l, r)) = listen.as_mut() {
                l[i] = ya;
                r[i] = yb;
            }
        }
        self.gain_db()
    }
}

/// The detector input of a band on `placement` from a stereo signal, one frame: `(lane 0,
/// lane 1, lanes)` — Stereo (L, R, 2), Left (L, ·, 1), Right (R, ·, 1), Mid ((L+R)/2, ·, 1),
/// Side ((L−R)/2, ·, 1).
#[inline(always)]
pub fn project(placement: Placement, l: f32, r: f32) -> (f32, f32) {
    match placement {
        Placement::Stereo => (l, r),
        Placement::Left => (l, l),
        Placement::Right => (r, r),
        Placement::Mid => (0.5 * (l + r), 0.5 * (l + r)),
        Placement::Side => (0.5 * (l - r), 0.5 * (l - r)),
    }
}

/// Lanes the detector of a band on `placement` runs.
pub fn lanes(placement: Placement) -> usize {
    if placement == Placement::Stereo {
        2
    } else {
        1
    }
}

/// The band-passed listen signal of a band on `placement` back as stereo, in place: Stereo
/// keeps `(L, R)`, Left `(x, 0)`, Right `(0, x)`, Mid `(x, x)`, Side `(x, −x)`.
pub fn unproject(placement: Placement, left: &mut [f32], right: &mut [f32]) {
    match placement {
        Placement::Stereo => {}
        Placement::Left => right.fill(0.0),
        Placement::Right => {
            right.copy_from_slice(left);
            left.fill(0.0);
        }
        Placement::Mid => right.copy_from_slice(left),
        Placement::Side => {
            for (l, r) in left.iter().zip(right.iter_mut()) {
                *r = -*l;
            }
        }
    }
}

/// Sixteen dynamic bands plus the scratch of the detector input (see the module docs).
#[derive(Debug, Clone)]
pub struct DynamicBands {
    bands: [DynamicBand; MAX_BANDS],
    settings: [Option<DynamicSettings>; MAX_BANDS],
    /// The band the caller listens to.
    listen: Option<usize>,
    /// What each dynamic band was last handed to the bank as (its gain the moving one).
    handed: [BandTarget; MAX_BANDS],
    /// Per band: the static band [`fast_is_exact`] was last asked about, and its answer.
    fast_ok: [Option<(EqBand, bool)>; MAX_BANDS],
    sample_rate: f64,
    key_a: Vec<f32>,
    key_b: Vec<f32>,
    /// A group's detectors, its input, powers and band-passed output (frames of
    /// [`GROUP_LANES`]).
    group: DetectorGroup,
    group_key: Vec<f32>,
    group_power: Vec<f32>,
    group_out: Vec<f32>,
    /// The listened band's detector signal of the last sub-block.
    pub(crate) listen_left: Vec<f32>,
    pub(crate) listen_right: Vec<f32>,
}

impl Default for DynamicBands {
    fn default() -> Self {
        Self::new()
    }
}

impl DynamicBands {
    /// No dynamic band.
    pub fn new() -> Self {
        Self {
            bands: [DynamicBand::new(); MAX_BANDS],
            settings: [None; MAX_BANDS],
            listen: None,
            handed: [None; MAX_BANDS],
            fast_ok: [None; MAX_BANDS],
            sample_rate: 48_000.0,
            key_a: Vec::new(),
            key_b: Vec::new(),
            group: DetectorGroup::new(),
            group_key: Vec::new(),
            group_power: Vec::new(),
            group_out: Vec::new(),
            listen_left: Vec::new(),
            listen_right: Vec::new(),
        }
    }

    /// Sample rate and the longest sub-block (allocates).
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.sample_rate = f64::from(sample_rate);
        self.handed = [None; MAX_BANDS];
        self.fast_ok = [None; MAX_BANDS];
        for b in self.bands.iter_mut() {
            b.prepare(sample_rate);
        }
        for v in [
            &mut self.key_a,
            &mut self.key_b,
            &mut self.listen_left,
            &mut self.listen_right,
        ] {
            *v = vec![0.0; max_block.max(1)];
        }
        for v in [
            &mut self.group_key,
            &mut self.group_power,
            &mut self.group_out,
        ] {
            *v = vec![0.0; GROUP_LANES * max_block.max(1)];
        }
    }

    /// Resets every band's detector and envelope.
    pub fn reset(&mut self) {
        self.bands.iter_mut().for_each(|b| b.reset());
    }

    /// Forgets what band `index` was handed to the bank as (it is handed again next time).
    pub fn forget(&mut self, index: usize) {
        if let Some(h) = self.handed.get_mut(index) {
            *h = None;
        }
    }

    /// Band `index` (static settings `target`) at gain `gain_db` to `bank` if it moved by more
    /// than [`GAIN_QUANTUM_DB`] (or reached an end of its range, or its other settings
    /// changed) since it was last handed over, with the exact moving design. Returns true if
    /// the bank got a new design.
    pub fn hand_over(
        &mut self,
        index: usize,
        target: (EqBand, Placement),
        gain_db: f32,
        bank: &mut EqSectionBank,
    ) -> bool {
        let (band, placement) = target;
        let moving = EqBand { gain_db, ..band };
        let due = match self.handed[index] {
            None => true,
            Some((b, p)) => {
                let at_end = gain_db == 0.0 || gain_db == band.gain_db;
                p != placement
                    || b.kind != band.kind
                    || b.freq_hz != band.freq_hz
                    || b.q != band.q
                    || b.slope != band.slope
                    || (b.gain_db - gain_db).abs() > GAIN_QUANTUM_DB
                    || (at_end && b.gain_db != gain_db)
            }
        };
        if !due {
            return false;
        }
        let fast_ok = match self.fast_ok[index] {
            Some((b, ok)) if b == band => ok,
            _ => {
                let ok = fast_is_exact(bank.designer(), &band, self.sample_rate);
                self.fast_ok[index] = Some((band, ok));
                ok
            }
        };
        let (design, full) = if fast_ok {
            (DigitalBand::design_fast(bank.designer(), &moving), false)
        } else {
            (DigitalBand::design(bank.designer(), &moving), true)
        };
        bank.set_band_designed(index, moving, placement, design, full);
        self.handed[index] = Some((moving, placement));
        true
    }

    /// Band `index`'s dynamic settings (`None`: static). Returns true if it switched between
    /// static and dynamic.
    pub fn set(&mut self, index: usize, settings: Option<DynamicSettings>) -> bool {
        let Some(slot) = self.settings.get_mut(index) else {
            return false;
        };
        let switched = slot.is_some() != settings.is_some();
        *slot = settings;
        switched
    }

    /// Band `index`'s dynamic settings.
    pub fn settings(&self, index: usize) -> Option<DynamicSettings> {
        self.settings.get(index).copied().flatten()
    }

    /// The band listened to.
    pub fn set_listen(&mut self, band: Option<usize>) {
        self.listen = band.filter(|&i| i < MAX_BANDS);
    }

    /// The band listened to.
    pub fn listen(&self) -> Option<usize> {
        self.listen
    }

    /// Band `index`'s state.
    pub fn band(&self, index: usize) -> &DynamicBand {
        &self.bands[index % MAX_BANDS]
    }

    /// Band `index`'s state.
    pub fn band_mut(&mut self, index: usize) -> &mut DynamicBand {
        &mut self.bands[index % MAX_BANDS]
    }

    /// Runs band `index` (configured for `band` on `placement`) over one sub-block of the
    /// main input `(left, right)` or of `key` (the sidechain; `None` = silence). Returns its
    /// gain (dB) at the end of the sub-block.
    pub fn run_band(
        &mut self,
        index: usize,
        band: &EqBand,
        placement: Placement,
        main: (&[f32], &[f32]),
        key: Option<(&[f32], &[f32])>,
    ) -> f32 {
        let Some(settings) = self.settings(index) else {
            return band.gain_db;
        };
        let n = main.0.len().min(main.1.len()).min(self.key_a.len());
        let dyn_band = &mut self.bands[index];
        dyn_band.configure(band, &settings);
        let source = match settings.source {
            DetectorSource::Band => Some(main),
            // No sidechain connected: the detector hears silence, never the main input.
            DetectorSource::Sidechain => key,
        };
        let (key_a, key_b) = (&mut self.key_a[..n], &mut self.key_b[..n]);
        match source {
            Some((l, r)) => {
                for ((a, b), (&x, &y)) in key_a
                    .iter_mut()
                    .zip(key_b.iter_mut())
                    .zip(l.iter().zip(r.iter()))
                {
                    (*a, *b) = project(placement, x, y);
                }
            }
            None => {
                key_a.fill(0.0);
                key_b.fill(0.0);
            }
        }
        let listen = if self.listen == Some(index) {
            Some((&mut self.listen_left[..n], &mut self.listen_right[..n]))
        } else {
            None
        };
        dyn_band.process((key_a, key_b), lanes(placement), listen)
    }

    /// Runs the dynamic bands `members` (index, static band, placement; at most
    /// [`GROUP_BANDS`] are taken) over one sub-block of the main input `(left, right)` or of
    /// `key` (the sidechain; `None` = silence), their detectors side by side in one
    /// [`DetectorGroup`] — the same results as [`run_band`](Self::run_band) per band. Writes
    /// each band's gain (dB) at the end of the sub-block to `gains[index]`.
    pub fn run_bands(
        &mut self,
        members: &[(usize, EqBand, Placement)],
        main: (&[f32], &[f32]),
        key: Option<(&[f32], &[f32])>,
        gains: &mut [f32; MAX_BANDS],
    ) {
        let n = main
            .0
            .len()
            .min(main.1.len())
            .min(self.group_key.len() / GROUP_LANES);
        let mut used = [None; GROUP_BANDS];
        let mut listened = None;
        let mut slot = 0;
        for &(index, band, placement) in members {
            if slot == GROUP_BANDS || index >= MAX_BANDS {
                break;
            }
            let Some(settings) = self.settings(index) else {
                gains[index] = band.gain_db;
                continue;
            };
            let dyn_band = &mut self.bands[index];
            dyn_band.configure(&band, &settings);
            if dyn_band.computer.range_db <= 0.0 {
                // No range: flat, and nothing to detect (as in DynamicBand::process).
                dyn_band.envelope.reset(0.0);
                if self.listen == Some(index) {
                    self.listen_left[..n].fill(0.0);
                    self.listen_right[..n].fill(0.0);
                }
                gains[index] = 0.0;
                continue;
            }
            let source = match settings.source {
                DetectorSource::Band => Some(main),
                DetectorSource::Sidechain => key,
            };
            let lane = 2 * slot;
            let frames = self.group_key[..n * GROUP_LANES].chunks_exact_mut(GROUP_LANES);
            match source {
                Some((l, r)) => {
                    for (frame, (&x, &y)) in frames.zip(l.iter().zip(r.iter())) {
                        (frame[lane], frame[lane + 1]) = project(placement, x, y);
                    }
                }
                None => frames.for_each(|f| (f[lane], f[lane + 1]) = (0.0, 0.0)),
            }
            self.group.load(slot, &dyn_band.detector, lanes(placement));
            if self.listen == Some(index) {
                listened = Some(slot);
            }
            used[slot] = Some((index, band, placement));
            slot += 1;
        }
        if slot == 0 {
            return;
        }
        for s in slot..GROUP_BANDS {
            self.group.clear(s);
            for f in self.group_key[..n * GROUP_LANES].chunks_exact_mut(GROUP_LANES) {
                (f[2 * s], f[2 * s + 1]) = (0.0, 0.0);
            }
        }
        let out = listened.map(|_| &mut self.group_out[..n * GROUP_LANES]);
        self.group.run(
            &self.group_key[..n * GROUP_LANES],
            &mut self.group_power[..n * GROUP_LANES],
            out,
        );
        let mut gain_lanes = GainLanes::new();
        for (s, member) in used.iter().enumerate() {
            if let Some((index, _, _)) = *member {
                let b = &self.bands[index];
                gain_lanes.set(s, &b.computer, b.quiet, &b.envelope);
            }
        }
        // A one-lane band's two lanes run the same input from the same state.
        gain_lanes.run(&self.group_power, n);
        for (s, member) in used.iter().enumerate() {
            let Some((index, _, placement)) = *member else {
                continue;
            };
            let b = &mut self.bands[index];
            self.group.store(s, &mut b.detector);
            gain_lanes.store(s, &mut b.envelope);
            gains[index] = b.gain_db();
            if listened == Some(s) {
                let frames = self.group_out[..n * GROUP_LANES].chunks_exact(GROUP_LANES);
                for ((l, r), f) in self.listen_left[..n]
                    .iter_mut()
                    .zip(self.listen_right[..n].iter_mut())
                    .zip(frames)
                {
                    *l = f[2 * s];
                    *r = if lanes(placement) == 2 {
                        f[2 * s + 1]
                    } else {
                        f[2 * s]
                    };
                }
            }
        }
    }
}
