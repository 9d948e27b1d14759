//! The last stage: output gain × polarity × auto gain, each a linear ramp (fixed-time
//! smoothing, Pirkle, *Designing Audio Effect Plugins in C++*, 2nd ed., ch. 6; see
//! [`LinearRamp`]) so neither automation nor a band move that shifts the auto gain steps.

use crate::blocks::gain::db_to_gain;
use crate::blocks::smoothing::LinearRamp;
use crate::eq::auto_gain::EqAutoGain;

use super::settings::BandTarget;

/// Glide time of output gain and polarity (ms).
pub const RAMP_MS: f32 = 20.0;

/// Glide time of the auto-gain compensation (ms): slow enough not to follow every wiggle of a
/// band, fast enough to keep up with a hand on the graph.
pub const AUTO_GAIN_RAMP_MS: f32 = 200.0;

/// Output gain, polarity and auto gain (see the module docs).
#[derive(Debug, Clone)]
pub(super) struct OutputGain {
    /// Output gain × polarity (a negative gain inverts).
    output: LinearRamp,
    auto_gain: EqAutoGain,
    /// The Auto Gain switch as last set.
    auto_gain_on: bool,
    auto_gain_ramp: LinearRamp,
}

impl OutputGain {
    pub(super) fn new() -> Self {
        let mut output = LinearRamp::new();
        output.reset(1.0);
        let mut auto_gain_ramp = LinearRamp::new();
        auto_gain_ramp.reset(1.0);
        Self {
            output,
            auto_gain: EqAutoGain::new(),
            auto_gain_on: false,
            auto_gain_ramp,
        }
    }

    pub(super) fn prepare(&mut self, sample_rate: f32, max_block: usize) {
        self.output.prepare(sample_rate, max_block);
        self.output.set_ramp_time_ms(RAMP_MS);
        self.auto_gain_ramp.prepare(sample_rate, max_block);
        self.auto_gain_ramp.set_ramp_time_ms(AUTO_GAIN_RAMP_MS);
    }

    /// Ramps to the linear output gain `gain` (negative = polarity inverted).
    pub(super) fn set_gain(&mut self, gain: f32) {
        self.output.set_target(gain);
    }

    pub(super) fn auto_gain_on(&self) -> bool {
        self.auto_gain_on
    }

    /// Sets the Auto Gain switch and ramps to the compensation of `bands` (unity when off).
    pub(super) fn set_auto_gain(&mut self, on: bool, bands: &[BandTarget]) {
        self.auto_gain_on = on;
        let db = if on {
            self.auto_gain
                .compensation_db(bands.iter().filter_map(|b| *b))
        } else {
            0.0
        };
        self.auto_gain_ramp.set_target(db_to_gain(db));
    }

    /// Both ramps jump to their targets.
    pub(super) fn snap(&mut self) {
        let (output, auto) = (self.output.target(), self.auto_gain_ramp.target());
        self.output.reset(output);
        self.auto_gain_ramp.reset(auto);
    }

    /// Applies the gain in place.
    pub(super) fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.output.is_ramping() || self.auto_gain_ramp.is_ramping() {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let g = self.output.next() * self.auto_gain_ramp.next();
                *l *= g;
                *r *= g;
            }
        } else {
            let g = self.output.current() * self.auto_gain_ramp.current();
            if g != 1.0 {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    *l *= g;
                    *r *= g;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::{BandType, EqBand, Placement};

    /// The gains applied to a DC input of 1 over `n` samples.
    fn gains(out: &mut OutputGain, n: usize) -> Vec<f32> {
        let (mut l, mut r) = (vec![1.0f32; n], vec![1.0f32; n]);
        out.process(&mut l, &mut r);
        assert_eq!(l, r);
        l
    }

    #[test]
    fn gain_ramp_has_no_step() {
        let mut out = OutputGain::new();
        out.prepare(48_000.0, 512);
        assert!(
            gains(&mut out, 64).iter().all(|&g| g == 1.0),
            "unity at rest"
        );
        // +1 → −1 (polarity flip): a straight line over 20 ms = 960 samples, no sample jumps
        // by more than one step, and it lands exactly.
        out.set_gain(-1.0);
        let g = gains(&mut out, 2000);
        let step = 2.0 / 960.0;
        let mut prev = 1.0f32;
        for (i, &x) in g.iter().enumerate() {
            assert!(
                (x - prev).abs() <= step * 1.0001,
                "step {} at {i}",
                x - prev
            );
            prev = x;
        }
        assert_eq!(g[959], -1.0);
        assert!(g[960..].iter().all(|&x| x == -1.0));
    }

    #[test]
    fn auto_gain_glides_to_the_compensation() {
        let mut out = OutputGain::new();
        out.prepare(48_000.0, 512);
        let boost = EqBand {
            kind: BandType::LowShelf,
            freq_hz: 1000.0,
            gain_db: 12.0,
            ..EqBand::default()
        };
        let bands = [Some((boost, Placement::Stereo))];
        out.set_auto_gain(true, &bands);
        let target = db_to_gain(EqAutoGain::new().compensation_db([(boost, Placement::Stereo)]));
        assert!(target < 0.5, "a +12 dB shelf over half the range: {target}");
        // 200 ms = 9600 samples, steps of (target − 1)/9600 at most.
        let g = gains(&mut out, 12_000);
        let step = (1.0 - target) / 9600.0;
        for w in g.windows(2) {
            assert!((w[1] - w[0]).abs() <= step * 1.001);
        }
        assert!(
            (1.0 - g[0]).abs() <= step * 1.001,
            "first sample steps from unity"
        );
        assert_eq!(g[9599], target);
        out.set_auto_gain(false, &bands);
        out.snap();
        assert!(gains(&mut out, 8).iter().all(|&g| g == 1.0));
    }
}
