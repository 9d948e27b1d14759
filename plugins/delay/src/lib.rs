//! Gel Delay: tempo-synced stereo echoes that stay clean when you turn the knobs.
//!
//! Glue only: parameters ([`params`]), the process loop below calling gel-dsp, and the editor
//! ([`editor`]) built from gel-ui. Signal flow per block:
//!
//! 1. non-finite input becomes silence and clears the loop ([`gel_dsp::blocks::guard`]),
//! 2. the echo engine ([`gel_dsp::delay::echo`]): delay lines with tape or fade time changes, loop
//!    filters, saturator, wow/flutter, freeze and the stereo/ping-pong/mono routing; the
//!    times come from the Time knobs or from note values at the host's tempo
//!    ([`gel_dsp::delay::tempo`], 120 BPM when the host sends none),
//! 3. ducking of the wet signal by the input's envelope ([`gel_dsp::blocks::ducker`]),
//! 4. width, wet level and output gain as one ramped 2×2 matrix on the wet signal, plus the
//!    ramped dry level ([`gel_dsp::blocks::smoothing`]),
//! 5. meters for the editor.
//!
//! While the input is silent and the loop has rung out, the plugin outputs silence without
//! running the DSP and tells the host it may sleep.

use std::num::NonZeroU32;
use std::sync::Arc;

use gel_dsp::analysis::meter::{LevelMeter, MeterReadings};
use gel_dsp::blocks::denormal::DenormalGuard;
use gel_dsp::blocks::ducker::Ducker;
use gel_dsp::blocks::gain::{db_to_gain, gain_to_db};
use gel_dsp::blocks::guard;
use gel_dsp::blocks::smoothing::{LinearRamp, Matrix2, RampedMatrix2};
use gel_dsp::delay::echo::{EchoEngine, EchoSettings};
use gel_dsp::delay::tempo::{note_samples, sanitize_bpm};
use nice_plug::prelude::*;

pub mod editor;
pub mod params;

use params::{DelayParams, ModeParam};

/// Time for the output controls (mix, width, output, wet-only) to glide to a new value.
const RAMP_MS: f32 = 20.0;

/// Samples whose magnitude stays below this count as silence (−200 dBFS).
const SILENCE_THRESHOLD: f32 = 1e-10;

/// A delay within this many samples of an integer is that integer (times typed in ms at
/// common rates, e.g. 250 ms at 48 kHz, land on whole samples despite f32 rounding).
const INTEGER_SNAP: f64 = 1e-3;

/// What the editor reads: written on the audio thread, read on the GUI thread, all atomics.
pub struct DelayDisplay {
    pub input_meter: Arc<MeterReadings>,
    pub output_meter: Arc<MeterReadings>,
    /// Ducking gain reduction in dB (≥ 0), the largest of the last block.
    pub duck_db: Arc<AtomicF32>,
    /// The delay times the heads are at, in ms.
    pub left_ms: Arc<AtomicF32>,
    pub right_ms: Arc<AtomicF32>,
    /// The tempo the synced times use.
    pub bpm: Arc<AtomicF32>,
}

impl Default for DelayDisplay {
    fn default() -> Self {
        Self {
            input_meter: Arc::new(MeterReadings::default()),
            output_meter: Arc::new(MeterReadings::default()),
            duck_db: Arc::new(AtomicF32::new(0.0)),
            left_ms: Arc::new(AtomicF32::new(375.0)),
            right_ms: Arc::new(AtomicF32::new(375.0)),
            bpm: Arc::new(AtomicF32::new(120.0)),
        }
    }
}

pub struct GelDelay {
    params: Arc<DelayParams>,
    display: Arc<DelayDisplay>,

    sample_rate: f32,
    mono_input: bool,

    engine: EchoEngine,
    ducker: Ducker,
    /// Width × wet level × output gain on the wet signal.
    wet_matrix: RampedMatrix2,
    /// Dry level × output gain.
    dry_gain: LinearRamp,
    wet_left: Vec<f32>,
    wet_right: Vec<f32>,
    duck_gain: Vec<f32>,

    input_meter: LevelMeter,
    output_meter: LevelMeter,

    /// Consecutive silent input samples, to count the tail down.
    silent_samples: u64,
    /// True while the loop is silent and the DSP is skipped.
    asleep: bool,
    /// Meters run only while the editor is open.
    editor_watch: gel_plugin::EditorWatch,
}

impl Default for GelDelay {
    fn default() -> Self {
        let display = Arc::new(DelayDisplay::default());
        Self {
            params: Arc::new(DelayParams::default()),
            sample_rate: 48_000.0,
            mono_input: false,
            engine: EchoEngine::new(),
            ducker: Ducker::new(),
            wet_matrix: RampedMatrix2::new(),
            dry_gain: LinearRamp::new(),
            wet_left: Vec::new(),
            wet_right: Vec::new(),
            duck_gain: Vec::new(),
            input_meter: LevelMeter::new(display.input_meter.clone()),
            output_meter: LevelMeter::new(display.output_meter.clone()),
            display,
            silent_samples: 0,
            asleep: false,
            editor_watch: gel_plugin::EditorWatch::default(),
        }
    }
}

impl GelDelay {
    /// Delay per side in samples at `bpm`.
    fn delay_targets(&self, bpm: f64) -> [f64; 2] {
        let p = &self.params;
        let sr = f64::from(self.sample_rate);
        let ms = |v: f32| f64::from(v) * sr / 1000.0;
        let sync = p.sync.value();
        let left = if sync {
            note_samples(p.note.value().into(), p.note_type.value().into(), bpm, sr)
        } else {
            ms(p.time.value())
        };
        let right = if p.mode.value() == ModeParam::Mono {
            left
        } else {
            let base = if p.link.value() {
                left
            } else if sync {
                note_samples(
                    p.note_right.value().into(),
                    p.note_type_right.value().into(),
                    bpm,
                    sr,
                )
            } else {
                ms(p.time_right.value())
            };
            base + ms(p.offset.value())
        };
        [left, right].map(|d| {
            if (d - d.round()).abs() < INTEGER_SNAP {
                d.round()
            } else {
                d
            }
        })
    }

    fn echo_settings(&self, bpm: f64) -> EchoSettings {
        let p = &self.params;
        EchoSettings {
            delay_samples: self.delay_targets(bpm),
            time_change: p.time_change.value().into(),
            mode: p.mode.value().into(),
            feedback: p.feedback.value() / 100.0,
            low_cut_on: p.low_cut_on.value(),
            low_cut_hz: p.low_cut.value(),
            high_cut_on: p.high_cut_on.value(),
            high_cut_hz: p.high_cut.value(),
            drive_db: p.drive.value(),
            wow_depth: p.wow.value() / 100.0,
            wow_rate_hz: p.wow_rate.value(),
            flutter_depth: p.flutter.value() / 100.0,
            flutter_rate_hz: p.flutter_rate.value(),
            freeze: p.freeze.value(),
        }
    }

    /// (dry gain, wet matrix): equal-power mix (`dry = cos(mix·π/2)`, `wet = sin(mix·π/2)`),
    /// or dry 0 and wet unity with Wet Only; width in mid/side; output gain on both.
    fn output_targets(&self) -> (f32, Matrix2) {
        let p = &self.params;
        let out = db_to_gain(p.output_gain.value());
        let angle = p.mix.value() / 100.0 * std::f32::consts::FRAC_PI_2;
        let (dry, wet) = if p.wet_only.value() {
            (0.0, 1.0)
        } else {
            (angle.cos(), angle.sin())
        };
        let w = p.width.value() / 100.0;
        let (same, cross) = (0.5 * (1.0 + w), 0.5 * (1.0 - w));
        (
            dry * out,
            Matrix2::new(same, cross, cross, same).scale(wet * out),
        )
    }

    fn set_targets(&mut self, bpm: f64) {
        let settings = self.echo_settings(bpm);
        self.engine.set(&settings);
        self.ducker.set_amount(self.params.duck.value() / 100.0);
        self.ducker.set_release_ms(self.params.duck_release.value());
        let (dry, wet) = self.output_targets();
        self.dry_gain.set_target(dry);
        self.wet_matrix.set_target(wet);
    }

    /// Jump every glide and ramp to where the parameters are now (after a reset, and while
    /// asleep, when there is no audio to glide on).
    fn snap_to_parameters(&mut self, bpm: f64) {
        let settings = self.echo_settings(bpm);
        self.engine.snap(&settings);
        self.ducker.set_release_ms(self.params.duck_release.value());
        self.ducker.reset_amount(self.params.duck.value() / 100.0);
        let (dry, wet) = self.output_targets();
        self.dry_gain.reset(dry);
        self.wet_matrix.reset(wet);
    }

    fn publish_times(&self, bpm: f64) {
        let d = self.engine.current_delays();
        let to_ms = |s: f64| (s * 1000.0 / f64::from(self.sample_rate)) as f32;
        let relaxed = std::sync::atomic::Ordering::Relaxed;
        self.display.left_ms.store(to_ms(d[0]), relaxed);
        self.display.right_ms.store(to_ms(d[1]), relaxed);
        self.display.bpm.store(bpm as f32, relaxed);
    }
}

impl Plugin for GelDelay {
    const NAME: &'static str = "Gel Delay";
    const VENDOR: &'static str = gel_plugin::VENDOR;
    const URL: &'static str = "https://gel-audio.org/delay";
    const EMAIL: &'static str = gel_plugin::EMAIL;
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = gel_plugin::STEREO_OR_MONO_IN;

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::DelayEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.display.clone())
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.sample_rate = buffer_config.sample_rate;
        self.mono_input = audio_io_layout.main_input_channels.map(NonZeroU32::get) == Some(1);
        let max_block = buffer_config.max_buffer_size as usize;

        self.engine.prepare(self.sample_rate, max_block);
        self.ducker.prepare(self.sample_rate, max_block);
        self.wet_matrix.prepare(self.sample_rate, max_block);
        self.wet_matrix.set_ramp_time_ms(RAMP_MS);
        self.dry_gain.prepare(self.sample_rate, max_block);
        self.dry_gain.set_ramp_time_ms(RAMP_MS);
        self.wet_left = vec![0.0; max_block];
        self.wet_right = vec![0.0; max_block];
        self.duck_gain = vec![1.0; max_block];
        self.input_meter.prepare(self.sample_rate, max_block);
        self.output_meter.prepare(self.sample_rate, max_block);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
        self.ducker.reset();
        self.input_meter.reset();
        self.output_meter.reset();
        let bpm = f64::from(self.display.bpm.load(std::sync::atomic::Ordering::Relaxed));
        self.snap_to_parameters(sanitize_bpm(Some(bpm)));
        self.silent_samples = 0;
        self.asleep = false;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _denormals = DenormalGuard::new();
        let num_samples = buffer.samples();
        let channels = buffer.as_slice();
        if channels.len() < 2 || num_samples == 0 {
            return ProcessStatus::Normal;
        }
        let bpm = sanitize_bpm(context.transport().tempo);
        if self.mono_input {
            // The host's mono input sits in the left slot; the right output starts as silence.
            let (left, right) = channels.split_at_mut(1);
            right[0].copy_from_slice(left[0]);
        }

        if guard::sanitize(channels) {
            // Non-finite input: that sample became silence; the loop restarts clean.
            self.engine.reset();
            self.ducker.reset();
        }
        let (left_slot, right_slot) = channels.split_at_mut(1);
        let (left, right) = (&mut *left_slot[0], &mut *right_slot[0]);

        // Meters only run while someone looks at them.
        let editor = self.editor_watch.poll(&self.params.editor_state);
        let editor_open = editor.open;
        if editor.just_opened {
            self.input_meter.reset();
            self.output_meter.reset();
        }
        if editor_open {
            self.input_meter.process(&[left, right]);
        }

        let silent_input = guard::is_silent(&[left, right], SILENCE_THRESHOLD);
        self.silent_samples = if silent_input {
            self.silent_samples + num_samples as u64
        } else {
            0
        };
        // Silence in and nothing left in the loop: silence out, without running the DSP.
        if silent_input && self.engine.is_quiet() {
            if !self.asleep {
                // What is left in the line is below −160 dBFS: make it exactly zero.
                self.engine.reset();
                self.ducker.reset();
                self.asleep = true;
            }
            self.snap_to_parameters(bpm);
            self.publish_times(bpm);
            left.fill(0.0);
            right.fill(0.0);
            if editor_open {
                self.output_meter.process(&[left, right]);
            }
            self.display
                .duck_db
                .store(0.0, std::sync::atomic::Ordering::Relaxed);
            return ProcessStatus::Normal;
        }
        self.asleep = false;

        self.set_targets(bpm);
        let (wet_l, wet_r) = (
            &mut self.wet_left[..num_samples],
            &mut self.wet_right[..num_samples],
        );
        self.engine.process(left, right, wet_l, wet_r);

        let mut duck_min = 1.0f32;
        if !self.ducker.is_bypassed() {
            let gain = &mut self.duck_gain[..num_samples];
            self.ducker.process(left, right, gain);
            for ((l, r), g) in wet_l.iter_mut().zip(wet_r.iter_mut()).zip(gain.iter()) {
                *l *= g;
                *r *= g;
                duck_min = duck_min.min(*g);
            }
        }
        if !self.wet_matrix.is_ramping() && !self.dry_gain.is_ramping() {
            // Nothing ramps: wet matrix and dry mix in one pass (the same arithmetic as the
            // two passes below).
            let dry = self.dry_gain.current();
            let m = self.wet_matrix.current();
            if m == Matrix2::IDENTITY {
                for ((x, y), (wl, wr)) in left
                    .iter_mut()
                    .zip(right.iter_mut())
                    .zip(wet_l.iter().zip(wet_r.iter()))
                {
                    *x = dry * *x + wl;
                    *y = dry * *y + wr;
                }
            } else {
                for ((x, y), (wl, wr)) in left
                    .iter_mut()
                    .zip(right.iter_mut())
                    .zip(wet_l.iter().zip(wet_r.iter()))
                {
                    let (a, b) = m.apply(*wl, *wr);
                    *x = dry * *x + a;
                    *y = dry * *y + b;
                }
            }
        } else if !self.dry_gain.is_ramping() {
            self.wet_matrix.process(wet_l, wet_r);
            let dry = self.dry_gain.current();
            for (x, w) in left.iter_mut().zip(wet_l.iter()) {
                *x = dry * *x + w;
            }
            for (x, w) in right.iter_mut().zip(wet_r.iter()) {
                *x = dry * *x + w;
            }
        } else {
            self.wet_matrix.process(wet_l, wet_r);
            for i in 0..num_samples {
                let dry = self.dry_gain.next();
                left[i] = dry * left[i] + wet_l[i];
                right[i] = dry * right[i] + wet_r[i];
            }
        }

        if editor_open {
            self.output_meter.process(&[left, right]);
        }
        self.display.duck_db.store(
            -gain_to_db(duck_min).min(0.0),
            std::sync::atomic::Ordering::Relaxed,
        );
        self.publish_times(bpm);

        match self.engine.tail_samples() {
            None => ProcessStatus::KeepAlive,
            Some(tail) => {
                let left_to_ring = tail.saturating_sub(self.silent_samples).max(1);
                ProcessStatus::Tail(left_to_ring.min(u64::from(u32::MAX - 1)) as u32)
            }
        }
    }
}

impl ClapPlugin for GelDelay {
    const CLAP_ID: &'static str = "org.gel-audio.delay";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Tempo-synced stereo delay with tape and fade time changes");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Delay,
    ];
}

impl Vst3Plugin for GelDelay {
    // Permanent: hosts find saved projects' plugins by this id.
    const VST3_CLASS_ID: [u8; 16] = *b"GelDelayPlugin01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Delay];
}

nice_export_clap!(GelDelay);
nice_export_vst3!(GelDelay);
