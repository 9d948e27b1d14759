//! Peak and RMS level meter with standard ballistics, publishing to the GUI.
//!
//! * **Peak** (PPM-style): instant attack, release of 20 dB in 1.7 s, the
//!   return time specified for digital peak meters by IEC 60268-18 ("Peak
//!   programme level meters — Digital audio peak level meter", return time
//!   20 dB in 1.7 s). A fall that is linear in dB is an exponential decay of
//!   the linear envelope: `env[n] = max(|x[n]|, c·env[n−1])` with
//!   `c = 10^(−(20/20)/(1.7·fs)) = 10^(−1/(1.7·fs))`.
//! * **Peak hold**: the highest peak is held for [`DEFAULT_HOLD_MS`], then the
//!   hold value follows the falling peak envelope.
//! * **RMS**: exponential averaging of `x²` with a time constant τ = 300 ms,
//!   the integration time of the VU/"RMS" meter in IEC 60268-17; one-pole
//!   form `p[n] = p[n−1] + α·(x² − p[n−1])`, `α = 1 − e^(−1/(τ·fs))`
//!   (Zölzer, *DAFX*, 2nd ed., §4.2.2 "RMS measurement"). A step of power P
//!   therefore reaches `P·(1 − 1/e)` after exactly τ.
//!
//! The envelopes are advanced per chunk of at most [`CHUNK`] samples rather than
//! per sample, so the inner loop is a vectorisable max/sum of squares: the
//! peak becomes `max(chunk_peak, c^k·env)` (exact when the chunk's peak is its
//! last sample; otherwise high by at most `k` samples of release, 0.009 dB at
//! 44.1 kHz for k = 32) and the power `p·(1−α)^k + (1 − (1−α)^k)·mean(x²)`,
//! the exact one-pole response to the chunk's mean square (the error against
//! the per-sample recursion is second order in k/(τ·fs) < 0.003).
//!
//! Readings are published as dBFS in [`MeterReadings`], one frame per
//! [`LevelMeter::process`] call through a [`SnapshotRing`] (the audio→GUI
//! transport), so the editor always reads peak, RMS and hold of one and the same
//! block.

use crate::analysis::snapshot_ring::SnapshotRing;
use crate::blocks::gain::{gain_to_db, power_to_db, MINUS_INFINITY_DB};
use std::sync::Arc;

/// Number of channels a [`LevelMeter`] tracks.
pub const METER_CHANNELS: usize = 2;
/// Peak release: 20 dB …
pub const PEAK_FALL_DB: f32 = 20.0;
/// … in 1.7 s (IEC 60268-18).
pub const PEAK_FALL_SECONDS: f32 = 1.7;
/// RMS averaging time constant τ (IEC 60268-17 integration time).
pub const RMS_TIME_CONSTANT_SECONDS: f32 = 0.3;
/// Default peak-hold time.
pub const DEFAULT_HOLD_MS: f32 = 2000.0;

/// Samples per envelope update (see the module docs).
pub const CHUNK: usize = 32;

/// Envelopes below this (≈ −200 dB) are set to zero once per block so the
/// decaying state never reaches subnormal numbers.
const ENV_FLOOR: f32 = 1e-10;

/// One block's readings of both channels, in dBFS ([`MINUS_INFINITY_DB`] = silence).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterSnapshot {
    /// Peak level per channel (0 = left, 1 = right).
    pub peak_db: [f32; METER_CHANNELS],
    /// RMS level per channel (a full-scale sine reads −3.01 dB).
    pub rms_db: [f32; METER_CHANNELS],
    /// Peak-hold level per channel.
    pub hold_db: [f32; METER_CHANNELS],
}

impl MeterSnapshot {
    /// Every reading at [`MINUS_INFINITY_DB`].
    pub const SILENT: Self = Self {
        peak_db: [MINUS_INFINITY_DB; METER_CHANNELS],
        rms_db: [MINUS_INFINITY_DB; METER_CHANNELS],
        hold_db: [MINUS_INFINITY_DB; METER_CHANNELS],
    };

    fn to_frame(self) -> [f32; FRAME] {
        let [p0, p1] = self.peak_db;
        let [r0, r1] = self.rms_db;
        let [h0, h1] = self.hold_db;
        [p0, p1, r0, r1, h0, h1]
    }

    fn from_frame([p0, p1, r0, r1, h0, h1]: [f32; FRAME]) -> Self {
        Self {
            peak_db: [p0, p1],
            rms_db: [r0, r1],
            hold_db: [h0, h1],
        }
    }
}

/// Values per published frame: peak, RMS and hold of both channels.
const FRAME: usize = 3 * METER_CHANNELS;

/// Frames the readings ring keeps: the reader takes the newest, which the producer would have
/// to overwrite this many blocks later to tear; a retry covers even that.
const READINGS_FRAMES: usize = 4;

/// Meter values shared with the GUI: [`LevelMeter`] pushes a [`MeterSnapshot`] per block,
/// the editor reads the newest whole one.
#[derive(Debug)]
pub struct MeterReadings {
    ring: SnapshotRing<FRAME>,
}

impl Default for MeterReadings {
    fn default() -> Self {
        let readings = Self {
            ring: SnapshotRing::new(READINGS_FRAMES),
        };
        readings.clear();
        readings
    }
}

impl MeterReadings {
    /// Number of channels published (always [`METER_CHANNELS`] = 2; a mono
    /// meter mirrors channel 0 into channel 1).
    pub fn channel_count(&self) -> usize {
        METER_CHANNELS
    }

    /// The newest readings, all from one block. Never waits for the producer: if it
    /// overwrote the frame while this copied it (several blocks inside one copy) the copy is
    /// retried; after a few failed tries, silence.
    pub fn snapshot(&self) -> MeterSnapshot {
        (0..READINGS_FRAMES)
            .find_map(|_| self.ring.latest())
            .map_or(MeterSnapshot::SILENT, MeterSnapshot::from_frame)
    }

    /// Peak level of channel `ch` (0 = left, 1 = right) in dBFS.
    /// Panics if `ch >= 2`.
    pub fn peak_db(&self, ch: usize) -> f32 {
        self.snapshot().peak_db[ch]
    }

    /// RMS level of channel `ch` in dBFS (a full-scale sine reads −3.01 dB).
    pub fn rms_db(&self, ch: usize) -> f32 {
        self.snapshot().rms_db[ch]
    }

    /// Peak-hold level of channel `ch` in dBFS.
    pub fn hold_db(&self, ch: usize) -> f32 {
        self.snapshot().hold_db[ch]
    }

    /// Producer: sets every reading to [`MINUS_INFINITY_DB`].
    pub fn clear(&self) {
        self.publish(MeterSnapshot::SILENT);
    }

    /// Producer (one thread at a time): publishes one block's readings. Real-time safe.
    pub fn publish(&self, readings: MeterSnapshot) {
        self.ring.push(readings.to_frame());
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct ChannelState {
    /// Linear peak envelope.
    peak: f32,
    /// Mean square (power).
    power: f32,
    /// Linear held peak and the samples left before it is released.
    hold: f32,
    hold_left: u32,
}

/// Stereo (or mono) peak + RMS meter; see the module docs for the ballistics.
#[derive(Debug)]
pub struct LevelMeter {
    readings: Arc<MeterReadings>,
    state: [ChannelState; METER_CHANNELS],
    /// `peak_release[k]` = per-sample peak multiplier `10^(−1/(1.7·fs))` to the power k.
    peak_release: [f32; CHUNK + 1],
    /// `rms_keep[k]` = `(1 − α)^k` with the per-sample RMS factor `α = 1 − e^(−1/(τ·fs))`.
    rms_keep: [f32; CHUNK + 1],
    hold_ms: f32,
    hold_samples: u32,
    sample_rate: f32,
}

impl LevelMeter {
    /// A meter publishing to `readings`. Call [`prepare`](Self::prepare) before use
    /// (coefficients default to 48 kHz).
    pub fn new(readings: Arc<MeterReadings>) -> Self {
        let mut m = Self {
            readings,
            state: [ChannelState::default(); METER_CHANNELS],
            peak_release: [1.0; CHUNK + 1],
            rms_keep: [0.0; CHUNK + 1],
            hold_ms: DEFAULT_HOLD_MS,
            hold_samples: 0,
            sample_rate: 48_000.0,
        };
        m.prepare(48_000.0, 0);
        m
    }

    /// The shared readings this meter publishes to.
    pub fn readings(&self) -> &Arc<MeterReadings> {
        &self.readings
    }

    /// Computes the ballistics coefficients for `sample_rate` and resets.
    pub fn prepare(&mut self, sample_rate: f32, _max_block: usize) {
        self.sample_rate = sample_rate;
        let fs = sample_rate as f64;
        // 20 dB over 1.7·fs samples → per sample −20/(1.7·fs) dB → gain 10^(−1/(1.7·fs)).
        let release = 10f64.powf(-(PEAK_FALL_DB as f64 / 20.0) / (PEAK_FALL_SECONDS as f64 * fs));
        // 1 − α = e^(−1/(τ·fs)).
        let keep = (-1.0 / (RMS_TIME_CONSTANT_SECONDS as f64 * fs)).exp();
        for k in 0..=CHUNK {
            self.peak_release[k] = release.powi(k as i32) as f32;
            self.rms_keep[k] = keep.powi(k as i32) as f32;
        }
        self.set_hold_time_ms(self.hold_ms);
        self.reset();
    }

    /// Peak-hold time (default [`DEFAULT_HOLD_MS`]).
    pub fn set_hold_time_ms(&mut self, ms: f32) {
        self.hold_ms = ms.max(0.0);
        self.hold_samples = (self.hold_ms * 0.001 * self.sample_rate).round() as u32;
    }

    /// Clears the envelopes and the published readings.
    pub fn reset(&mut self) {
        self.state = [ChannelState::default(); METER_CHANNELS];
        self.readings.clear();
    }

    /// Meters one block. `channels` holds 1 or 2 slices (extra channels are
    /// ignored); with one channel, channel 1's readings mirror channel 0.
    pub fn process(&mut self, channels: &[&[f32]]) {
        let n = channels.len().min(METER_CHANNELS);
        for (st, x) in self.state.iter_mut().zip(channels.iter()).take(n) {
            Self::process_channel(st, x, &self.peak_release, &self.rms_keep, self.hold_samples);
        }
        if n == 0 {
            return;
        }
        // Mono: channel 1 mirrors channel 0.
        let st = |ch: usize| &self.state[ch.min(n - 1)];
        let per_channel = |f: fn(&ChannelState) -> f32| std::array::from_fn(|ch| f(st(ch)));
        self.readings.publish(MeterSnapshot {
            peak_db: per_channel(|s| gain_to_db(s.peak)),
            rms_db: per_channel(|s| power_to_db(s.power)),
            hold_db: per_channel(|s| gain_to_db(s.hold)),
        });
    }

    /// Convenience for two separate slices.
    pub fn process_stereo(&mut self, left: &[f32], right: &[f32]) {
        self.process(&[left, right]);
    }

    #[inline]
    fn process_channel(
        st: &mut ChannelState,
        x: &[f32],
        release: &[f32; CHUNK + 1],
        keep: &[f32; CHUNK + 1],
        hold_len: u32,
    ) {
        let (mut peak, mut power, mut hold, mut hold_left) =
            (st.peak, st.power, st.hold, st.hold_left);
        for chunk in x.chunks(CHUNK) {
            let k = chunk.len();
            let (mut chunk_peak, mut sum_squares) = (0.0f32, 0.0f32);
            for &s in chunk {
                // Non-finite input would poison the state forever: count it as silence
                // (NaN fails the comparison, ±Inf exceeds MAX). Branch-free, so it vectorises.
                let a = s.abs();
                let a = if a <= f32::MAX { a } else { 0.0 };
                chunk_peak = chunk_peak.max(a);
                sum_squares += a * a;
            }
            peak = (peak * release[k]).max(chunk_peak);
            power = power * keep[k] + (1.0 - keep[k]) * (sum_squares / k as f32);
            if peak >= hold {
                hold = peak;
                hold_left = hold_len;
            } else if hold_left > k as u32 {
                hold_left -= k as u32;
            } else {
                hold_left = 0;
                hold = peak;
            }
        }
        // Once per block: keep the decaying state out of the subnormal range.
        if peak < ENV_FLOOR {
            peak = 0.0;
        }
        if power < ENV_FLOOR * ENV_FLOOR {
            power = 0.0;
        }
        if hold < ENV_FLOOR {
            hold = 0.0;
        }
        *st = ChannelState {
            peak,
            power,
            hold,
            hold_left,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;

    fn meter() -> (LevelMeter, Arc<MeterReadings>) {
        let r = Arc::new(MeterReadings::default());
        let mut m = LevelMeter::new(r.clone());
        m.prepare(FS, 512);
        (m, r)
    }

    fn run_blocks(m: &mut LevelMeter, sig: &[f32]) {
        for b in sig.chunks(512) {
            m.process(&[b, b]);
        }
    }

    fn sine(freq: f32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * freq as f64 * i as f64 / FS as f64).sin() as f32)
            .collect()
    }

    #[test]
    fn sine_reads_minus_3db_rms_and_0db_peak() {
        let (mut m, r) = meter();
        // 3 s = 10 τ: the start-up transient is e^-10 ≈ 4.5e-5 of the power.
        run_blocks(&mut m, &sine(1000.0, 3 * FS as usize));
        // Mean square of a unit sine = 1/2 → 10·log10(0.5) = −3.0103 dB.
        for ch in 0..2 {
            assert!((r.rms_db(ch) + 3.0103).abs() < 0.05, "{}", r.rms_db(ch));
            assert!(r.peak_db(ch).abs() < 0.05, "{}", r.peak_db(ch));
            assert!(r.hold_db(ch).abs() < 0.05);
        }
    }

    #[test]
    fn peak_falls_20db_in_1_7s() {
        let (mut m, r) = meter();
        m.set_hold_time_ms(0.0);
        run_blocks(&mut m, &[1.0]);
        assert_eq!(r.peak_db(0), 0.0);
        run_blocks(&mut m, &vec![0.0; (1.7 * FS) as usize]);
        assert!((r.peak_db(0) + 20.0).abs() < 0.5, "{}", r.peak_db(0));
        assert!((r.hold_db(0) + 20.0).abs() < 0.5);
    }

    #[test]
    fn rms_step_reaches_1_minus_1_over_e_after_tau() {
        let (mut m, r) = meter();
        run_blocks(&mut m, &vec![1.0; (0.3 * FS) as usize]);
        // Power 1 − e^-1 = 0.63212 → 10·log10(0.63212) = −1.9920 dB.
        let want = 10.0 * (1.0 - (-1.0f32).exp()).log10();
        assert!(
            (r.rms_db(0) - want).abs() < 0.01,
            "{} vs {want}",
            r.rms_db(0)
        );
    }

    #[test]
    fn hold_holds_then_follows() {
        let (mut m, r) = meter();
        m.set_hold_time_ms(1000.0);
        run_blocks(&mut m, &[0.5]);
        // 1 s later the peak has fallen 20/1.7 = 11.76 dB, hold still at −6.02.
        run_blocks(&mut m, &vec![0.0; FS as usize - 1]);
        assert!((r.hold_db(0) - gain_to_db(0.5)).abs() < 1e-4);
        assert!((r.peak_db(0) - (gain_to_db(0.5) - 20.0 / 1.7)).abs() < 0.1);
        run_blocks(&mut m, &[0.0; 10]);
        assert_eq!(r.hold_db(0), r.peak_db(0));
    }

    #[test]
    fn mono_mirrors_and_silence_floors() {
        let (mut m, r) = meter();
        m.process(&[&[0.25; 64]]);
        assert_eq!(r.peak_db(1), r.peak_db(0));
        assert!((r.peak_db(0) - gain_to_db(0.25)).abs() < 1e-4);
        m.reset();
        m.process(&[&[0.0; 64], &[0.0; 64]]);
        assert_eq!(r.peak_db(0), MINUS_INFINITY_DB);
        assert_eq!(r.rms_db(1), MINUS_INFINITY_DB);
        // Non-finite input is ignored rather than poisoning the meter.
        m.process(&[&[f32::NAN, f32::INFINITY]]);
        assert_eq!(r.peak_db(0), MINUS_INFINITY_DB);
    }
}
