//! [`EqEngine`]: Gel EQ's whole signal path, from the plugin's band targets to the output.
//!
//! Per block, in sub-blocks of at most [`SUB_BLOCK`] samples while a band glides:
//!
//! 1. band targets from [`BandTargets`] (the caller's smoothed parameters) are handed to the
//!    [`EqSectionBank`](crate::eq::EqSectionBank) once per sub-block ([`settings`]), which
//!    ramps its coefficients across the sub-block — a sweep over the whole range in one second is a chain of 64-sample
//!    ramps, not steps. Frequencies are kept under Nyquist ([`max_band_freq_hz`]);
//! 2. zero latency: the bank (minimum-phase fitted sections); linear phase:
//!    [`LinearPhaseEq`](crate::eq::LinearPhaseEq) (FFT convolution, fixed latency). A mode
//!    change warms the new engine up, then crossfades ([`mode`]);
//! 3. solo: the soloed band's region replaces the output, faded, delayed by the latency
//!    ([`solo`], projected onto the band's placement by [`stereo`]);
//! 4. output gain × polarity × auto gain, each ramped ([`output`]).
//!
//! Settings other than the bands ([`EqEngine::set_mode`], [`EqEngine::set_output_gain`],
//! [`EqEngine::set_auto_gain`], [`EqEngine::set_solo`]) may be called every block: each
//! compares with what it has and does nothing when unchanged. Coefficients are only
//! recomputed when a band target moved, never per sample.
//!
//! Tail ([`EqEngine::tail_samples`]): the slowest pole of the active sections ([`tail`]), plus
//! the linear-phase engine's latency and kernel while it runs, plus a switch in progress.

pub mod mode;
pub mod output;
pub mod settings;
pub mod solo;
pub mod stereo;
pub mod tail;

pub use mode::{MODE_FADE_MS, ZERO_LATENCY_WARMUP_MS};
pub use output::{AUTO_GAIN_RAMP_MS, RAMP_MS};
pub use settings::{max_band_freq_hz, BandTarget, BandTargets, EqMode, SUB_BLOCK};
pub use solo::solo_region;

use crate::eq::dynamic::{can_be_dynamic, DynamicBands, DynamicSettings, GROUP_BANDS};
use crate::eq::MAX_BANDS;
use mode::ModeSwitch;
use output::OutputGain;
use settings::BandSchedule;
use solo::Solo;

/// Gel EQ's signal path (see the module docs). Life cycle: [`prepare`](Self::prepare) (not
/// real-time safe), then [`reset`](Self::reset), [`process`](Self::process) and
/// [`process_silence`](Self::process_silence) on the audio thread.
#[derive(Debug)]
pub struct EqEngine {
    sample_rate: f32,
    mode: EqMode,
    paths: ModeSwitch,
    schedule: BandSchedule,
    /// The band the caller solos (0-based), heard only while that band is.
    solo_band: Option<usize>,
    solo: Solo,
    output: OutputGain,
    /// Dynamic bands (zero-latency mode only; see [`crate::eq::dynamic`]).
    dynamics: DynamicBands,
    /// Ring of the zero-latency sections in samples (−120 dB).
    ring_samples: u64,
    /// Whether the last call was [`process_silence`](Self::process_silence).
    asleep: bool,
}

impl Default for EqEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl EqEngine {
    /// Zero latency, no band, unity gain, no solo; call [`prepare`](Self::prepare) before use.
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            mode: EqMode::ZeroLatency,
            paths: ModeSwitch::new(),
            schedule: BandSchedule::new(),
            solo_band: None,
            solo: Solo::new(),
            output: OutputGain::new(),
            dynamics: DynamicBands::new(),
            ring_samples: 0,
            asleep: false,
        }
    }

    /// Allocates every part for `sample_rate` and blocks up to `max_block` samples, then
    /// [`reset`](Self::reset)s to `bands` and the settings made so far.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize, bands: &impl BandTargets) {
        self.sample_rate = sample_rate;
        let max_block = max_block.max(1);
        self.paths.prepare(sample_rate, max_block);
        self.schedule.prepare(sample_rate);
        let max_latency = self.paths.latency_of(EqMode::LinearPhase.path()) as usize;
        self.solo.prepare(sample_rate, max_block, max_latency);
        self.output.prepare(sample_rate, max_block);
        self.dynamics.prepare(sample_rate, max_block);
        self.reset(bands);
    }

    /// Everything jumps to the settings: `bands` designed without ramps (full fit), signal
    /// state cleared, the mode steady, gains at their targets, solo silent. Real-time safe
    /// (but costs the full fit of every band and a linear-phase kernel build).
    pub fn reset(&mut self, bands: &impl BandTargets) {
        self.update_dynamic_mask();
        self.schedule.snap(bands, &mut self.paths.bank);
        self.dynamics.reset();
        for i in 0..MAX_BANDS {
            self.dynamics.forget(i);
            if let (true, Some((band, placement))) =
                (self.schedule.dynamic[i], self.schedule.applied()[i])
            {
                // At rest: where silence puts the band.
                let gain = self.rest_gain(i, &band);
                self.dynamics
                    .hand_over(i, (band, placement), gain, &mut self.paths.bank);
                self.paths.bank.snap_band(i);
            }
        }
        self.on_bands_changed();
        self.paths.reset_filters();
        self.paths.linear.snap();
        self.paths.snap(self.mode.path());
        self.output.snap();
        self.solo.reset();
        self.asleep = false;
    }

    /// Clears every filter's state after non-finite input (settings, ramps and the mode
    /// switch stay where they are).
    pub fn reset_filters(&mut self) {
        self.paths.reset_filters();
        self.solo.reset_filter();
    }

    /// Sets the processing mode: a change starts the switch (warm-up, then crossfade). Returns
    /// true when the reported latency ([`latency_samples`](Self::latency_samples)) changed.
    pub fn set_mode(&mut self, mode: EqMode) -> bool {
        if mode == self.mode {
            return false;
        }
        self.mode = mode;
        // Dynamic bands act statically in linear phase: handed to the bank at their static
        // gain before the linear-phase engine reads it.
        self.update_dynamic_mask();
        let before = self.latency_samples();
        self.paths.set_target(mode.path());
        self.latency_samples() != before
    }

    /// The mode set last (the one switched to).
    pub fn mode(&self) -> EqMode {
        self.mode
    }

    /// Output gain, linear (negative inverts the polarity); ramps over [`RAMP_MS`].
    pub fn set_output_gain(&mut self, gain: f32) {
        self.output.set_gain(gain);
    }

    /// Auto gain on or off: the output follows the band curves' compensation
    /// ([`crate::eq::auto_gain`]), ramped over [`AUTO_GAIN_RAMP_MS`].
    pub fn set_auto_gain(&mut self, on: bool) {
        if on != self.output.auto_gain_on() {
            self.output.set_auto_gain(on, self.schedule.applied());
        }
    }

    /// Solos band `band` (0-based), or nothing.
    pub fn set_solo(&mut self, band: Option<usize>) {
        self.solo_band = band;
    }

    /// Latency reported to the host, in samples: that of the mode being switched to (the
    /// host compensates for the target at once; the crossfade covers the change).
    pub fn latency_samples(&self) -> u32 {
        self.paths.latency_of(self.paths.target())
    }

    /// Samples after the last non-silent input during which the output can still be
    /// non-silent.
    pub fn tail_samples(&self) -> u64 {
        self.ring_samples + self.paths.extra_tail()
    }

    /// Processes a stereo block in place (any length up to `max_block`), reading the band
    /// targets from `bands` once per sub-block. Real-time safe.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32], bands: &impl BandTargets) {
        self.process_keyed(left, right, None, bands);
    }

    /// [`process`](Self::process) with the external sidechain `key` (`None`: not connected,
    /// heard as silence by bands keyed by it), at least as long as the block.
    pub fn process_keyed(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        key: Option<(&[f32], &[f32])>,
        bands: &impl BandTargets,
    ) {
        self.asleep = false;
        let n = left.len().min(right.len());
        let key = key.filter(|(l, r)| l.len().min(r.len()) >= n);
        let dynamic = self.schedule.dynamic.iter().any(|&d| d);
        let mut start = 0;
        while start < n {
            let len = if dynamic || bands.gliding() {
                SUB_BLOCK.min(n - start)
            } else {
                n - start
            };
            self.update_bands(len, bands);
            let end = start + len;
            let listening = if dynamic {
                let key = key.map(|(l, r)| (&l[start..end], &r[start..end]));
                self.run_dynamics((&left[start..end], &right[start..end]), key)
            } else {
                None
            };
            self.process_chunk(&mut left[start..end], &mut right[start..end], listening);
            start = end;
        }
    }

    /// Band `index`'s dynamic settings (`None`: static). May be called every block.
    pub fn set_dynamic(&mut self, index: usize, settings: Option<DynamicSettings>) {
        if self.dynamics.set(index, settings) {
            self.update_dynamic_mask();
        }
    }

    /// The band whose detector signal replaces the output (dynamic bands in zero-latency mode
    /// only), or none.
    pub fn set_listen(&mut self, band: Option<usize>) {
        self.dynamics.set_listen(band);
    }

    /// Band `index`'s current gain (dB) if it is dynamic and running, for meters: the static
    /// gain plus this is not meaningful — it *is* the band's gain now.
    pub fn dynamic_gain_db(&self, index: usize) -> Option<f32> {
        let (band, _) = self.schedule.applied().get(index).copied().flatten()?;
        (self.schedule.dynamic.get(index) == Some(&true) && can_be_dynamic(band.kind))
            .then(|| self.dynamics.band(index).gain_db())
    }

    /// The zero-latency section bank (read only: e.g. a band's design as it runs now).
    pub fn bank(&self) -> &crate::eq::EqSectionBank {
        &self.paths.bank
    }

    /// Which bands the engine moves itself: dynamic settings, in zero-latency mode. A band
    /// leaving the set is handed to the bank again at its static settings.
    fn update_dynamic_mask(&mut self) {
        let zero_latency = self.mode == EqMode::ZeroLatency;
        for i in 0..MAX_BANDS {
            let on = zero_latency && self.dynamics.settings(i).is_some();
            if on != self.schedule.dynamic[i] {
                self.schedule.dynamic[i] = on;
                self.dynamics.forget(i);
                self.dynamics.band_mut(i).reset();
                if let (false, Some((band, placement))) = (on, self.schedule.applied()[i]) {
                    // Static again: the bank ramps to the static band.
                    self.paths.bank.set_band(i, band, placement);
                }
            }
        }
    }

    /// Where silence puts band `index`'s gain (dB).
    fn rest_gain(&mut self, index: usize, band: &crate::eq::EqBand) -> f32 {
        if !can_be_dynamic(band.kind) {
            return band.gain_db;
        }
        let Some(settings) = self.dynamics.settings(index) else {
            return band.gain_db;
        };
        let b = self.dynamics.band_mut(index);
        b.configure(band, &settings);
        b.reset();
        b.gain_db()
    }

    /// Runs every dynamic band's detector over this sub-block and hands the moved bands to the
    /// bank. Returns the listened band's placement when its detector signal is to be heard.
    fn run_dynamics(
        &mut self,
        main: (&[f32], &[f32]),
        key: Option<(&[f32], &[f32])>,
    ) -> Option<crate::eq::Placement> {
        let mut designed = false;
        let mut listening = None;
        // The detectors of up to GROUP_BANDS bands run side by side (see DetectorGroup).
        let mut members = [(
            0,
            crate::eq::EqBand::default(),
            crate::eq::Placement::Stereo,
        ); MAX_BANDS];
        let mut count = 0;
        let mut gains = [0.0f32; MAX_BANDS];
        for (i, gain) in gains.iter_mut().enumerate() {
            if !self.schedule.dynamic[i] {
                continue;
            }
            let Some((band, placement)) = self.schedule.applied()[i] else {
                self.dynamics.forget(i);
                continue;
            };
            if can_be_dynamic(band.kind) {
                if self.dynamics.listen() == Some(i) {
                    listening = Some(placement);
                }
                members[count] = (i, band, placement);
                count += 1;
            } else {
                *gain = band.gain_db;
            }
        }
        for group in members[..count].chunks(GROUP_BANDS) {
            self.dynamics.run_bands(group, main, key, &mut gains);
        }
        for (i, &gain) in gains.iter().enumerate() {
            if !self.schedule.dynamic[i] {
                continue;
            }
            let Some((band, placement)) = self.schedule.applied()[i] else {
                continue;
            };
            designed |= self
                .dynamics
                .hand_over(i, (band, placement), gain, &mut self.paths.bank);
        }
        if designed {
            self.ring_samples = tail::ring_samples(&self.paths.bank, self.sample_rate);
        }
        listening
    }

    /// A block of `samples` silent input after the tail has rung out: the output is silence
    /// and the DSP does not run. The first such block resets the engine; later ones keep the
    /// settings current without ramps, so the next sound starts on them.
    pub fn process_silence(&mut self, samples: usize, bands: &impl BandTargets) {
        if !self.asleep {
            self.reset(bands);
            self.asleep = true;
            return;
        }
        if self.update_bands(samples, bands) {
            // No audio to glide on: jump.
            (0..MAX_BANDS).for_each(|i| self.paths.bank.snap_band(i));
            self.paths.linear.snap();
        }
        self.paths.snap(self.mode.path());
        self.output.snap();
    }

    /// Hands due band targets to the engines; returns true if any band changed.
    fn update_bands(&mut self, samples: usize, bands: &impl BandTargets) -> bool {
        let changed = self.schedule.update(samples, bands, &mut self.paths.bank);
        if changed {
            self.on_bands_changed();
        }
        changed
    }

    /// Re-derives what depends on the band set: the linear-phase kernel request, the auto-gain
    /// target and the tail.
    fn on_bands_changed(&mut self) {
        self.paths.linear.update_from(&self.paths.bank);
        let on = self.output.auto_gain_on();
        self.output.set_auto_gain(on, self.schedule.applied());
        self.ring_samples = tail::ring_samples(&self.paths.bank, self.sample_rate);
    }

    /// One stretch with fixed band targets (the bank ramps to them across it); with
    /// `listening`, the listened band's detector signal replaces the output before the output
    /// gain.
    fn process_chunk(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        listening: Option<crate::eq::Placement>,
    ) {
        let soloed = self
            .solo_band
            .and_then(|i| self.schedule.applied().get(i).copied().flatten());
        // Solo needs the input as it was.
        self.solo.begin(soloed, left, right);
        self.paths.process(left, right);
        // In time with the path heard: the linear-phase latency once that is the target.
        self.solo
            .mix_into(self.latency_samples() as usize, left, right);
        if let Some(placement) = listening {
            let n = left.len();
            left.copy_from_slice(&self.dynamics.listen_left[..n]);
            right.copy_from_slice(&self.dynamics.listen_right[..n]);
            crate::eq::dynamic::unproject(placement, left, right);
        }
        self.output.process(left, right);
    }
}

#[cfg(test)]
mod tests;
