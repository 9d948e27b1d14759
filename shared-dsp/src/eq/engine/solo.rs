//! Solo: the soloed band's region of the spectrum replaces the output, faded in and out over
//! [`RAMP_MS`] and delayed by the mode's latency so it stays in time
//! with the (latency-compensated) mix.
//!
//! The region ([`solo_region`]) is a filter on the input, projected onto the band's placement
//! ([`project`]); it runs on its own one-band [`EqSectionBank`], so soloing never disturbs the
//! EQ itself and un-soloing is a plain crossfade back.

use crate::blocks::delay_line::DelayLine;
use crate::blocks::smoothing::LinearRamp;
use crate::eq::{BandType, CutSlope, EqBand, EqSectionBank, Placement};

use super::output::RAMP_MS;
use super::settings::BandTarget;
use super::stereo::project;

/// What a soloed band lets through: the region of the spectrum it works on, as a filter.
///
/// * Bell, notch, band pass: a band pass at the band's frequency with the band's Q;
/// * low shelf, low cut: a 12 dB/oct low pass at the frequency (what the band lifts, lowers
///   or removes lies below it);
/// * high shelf, high cut: a 12 dB/oct high pass at the frequency;
/// * tilt shelf: a wide band pass (Q 0.3) around its pivot.
pub fn solo_region(band: &EqBand) -> EqBand {
    let (kind, q) = match band.kind {
        BandType::Bell | BandType::Notch | BandType::BandPass => (BandType::BandPass, band.q),
        BandType::LowShelf | BandType::LowCut => {
            (BandType::HighCut, std::f32::consts::FRAC_1_SQRT_2)
        }
        BandType::HighShelf | BandType::HighCut => {
            (BandType::LowCut, std::f32::consts::FRAC_1_SQRT_2)
        }
        BandType::TiltShelf => (BandType::BandPass, 0.3),
    };
    EqBand {
        kind,
        freq_hz: band.freq_hz,
        gain_db: 0.0,
        q,
        slope: CutSlope::Db12,
    }
}

/// The solo path (see the module docs).
#[derive(Debug, Clone)]
pub(super) struct Solo {
    bank: EqSectionBank,
    /// 0 = the EQ heard, 1 = the solo region heard.
    mix: LinearRamp,
    placement: Placement,
    delay: DelayLine,
    left: Vec<f32>,
    right: Vec<f32>,
}

impl Solo {
    pub(super) fn new() -> Self {
        Self {
            bank: EqSectionBank::new(),
            mix: LinearRamp::new(),
            placement: Placement::Stereo,
            delay: DelayLine::new(0.0),
            left: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Allocates for blocks up to `max_block` and delays up to `max_delay` samples.
    pub(super) fn prepare(&mut self, sample_rate: f32, max_block: usize, max_delay: usize) {
        self.bank.prepare(sample_rate, max_block);
        self.mix.prepare(sample_rate, max_block);
        self.mix.set_ramp_time_ms(RAMP_MS);
        self.left = vec![0.0; max_block];
        self.right = vec![0.0; max_block];
        self.delay = DelayLine::new((max_delay + max_block) as f64 / f64::from(sample_rate));
        self.delay.prepare(sample_rate, max_block);
    }

    /// Silent, no fade, filter and delay cleared.
    pub(super) fn reset(&mut self) {
        self.mix.reset(0.0);
        self.bank.reset();
        self.delay.reset();
    }

    /// Clears the filter (after non-finite input).
    pub(super) fn reset_filter(&mut self) {
        self.bank.reset();
    }

    /// Whether the solo path is heard (or fading) this block.
    fn running(&self) -> bool {
        self.mix.is_ramping() || self.mix.current() > 0.0
    }

    /// Sets what is soloed (`None`: nothing, fade out) and keeps a copy of the input
    /// `left`/`right` for [`Self::mix_into`] while the solo path is heard.
    pub(super) fn begin(&mut self, soloed: BandTarget, left: &[f32], right: &[f32]) {
        if let Some((band, placement)) = soloed {
            self.bank.set_band(0, solo_region(&band), Placement::Stereo);
            self.placement = placement;
            self.mix.set_target(1.0);
        } else {
            self.mix.set_target(0.0);
        }
        if self.running() {
            let n = left.len();
            self.left[..n].copy_from_slice(left);
            self.right[..n].copy_from_slice(right);
        }
    }

    /// Filters the input kept by [`Self::begin`], delays it by `delay` samples and crossfades
    /// `left`/`right` (the EQ's output) towards it.
    pub(super) fn mix_into(&mut self, delay: usize, left: &mut [f32], right: &mut [f32]) {
        if !self.running() {
            return;
        }
        let n = left.len();
        let (s_left, s_right) = (&mut self.left[..n], &mut self.right[..n]);
        project(self.placement, s_left, s_right);
        self.bank.process(s_left, s_right);
        self.delay.delay_in_place(delay, s_left, s_right);
        for i in 0..n {
            let w = self.mix.next();
            left[i] += w * (s_left[i] - left[i]);
            right[i] += w * (s_right[i] - right[i]);
        }
        if !self.mix.is_ramping() && self.mix.current() <= 0.0 {
            // Faded out: starts from rest next time.
            self.bank.reset();
            self.delay.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(kind: BandType) -> EqBand {
        EqBand {
            kind,
            freq_hz: 500.0,
            gain_db: 6.0,
            q: 3.0,
            slope: CutSlope::Db48,
        }
    }

    #[test]
    fn solo_regions() {
        let bell = solo_region(&band(BandType::Bell));
        assert_eq!(
            (bell.kind, bell.freq_hz, bell.q, bell.gain_db),
            (BandType::BandPass, 500.0, 3.0, 0.0)
        );
        assert_eq!(solo_region(&band(BandType::LowCut)).kind, BandType::HighCut);
        assert_eq!(
            solo_region(&band(BandType::LowShelf)).kind,
            BandType::HighCut
        );
        assert_eq!(solo_region(&band(BandType::HighCut)).kind, BandType::LowCut);
        assert_eq!(
            solo_region(&band(BandType::HighShelf)).kind,
            BandType::LowCut
        );
        assert_eq!(solo_region(&band(BandType::TiltShelf)).q, 0.3);
        assert_eq!(solo_region(&band(BandType::HighCut)).slope, CutSlope::Db12);
    }

    #[test]
    fn soloed_band_output_is_the_band_pass() {
        // Once the fade is over, the solo output is exactly a one-band bank running the
        // region's band pass on the projected input (here: the side of a noise signal).
        let (rate, n) = (48_000.0, 256);
        let mut solo = Solo::new();
        solo.prepare(rate, n, 0);
        solo.reset();
        let bell = band(BandType::Bell);
        let mut reference = EqSectionBank::new();
        reference.prepare(rate, n);
        reference.set_band(0, solo_region(&bell), Placement::Stereo);
        reference.snap_band(0);
        let mut s = 1u32;
        let mut noise = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s as f32 / u32::MAX as f32 - 0.5
        };
        let mut worst = 0.0f32;
        for block in 0..40 {
            let l: Vec<f32> = (0..n).map(|_| noise()).collect();
            let r: Vec<f32> = (0..n).map(|_| noise()).collect();
            // The EQ's own output is irrelevant once the solo has faded in: use garbage.
            let (mut out_l, mut out_r) = (vec![7.0f32; n], vec![-7.0f32; n]);
            solo.begin(Some((bell, Placement::Side)), &l, &r);
            solo.mix_into(0, &mut out_l, &mut out_r);
            let (mut ref_l, mut ref_r) = (l.clone(), r.clone());
            project(Placement::Side, &mut ref_l, &mut ref_r);
            reference.process(&mut ref_l, &mut ref_r);
            if block * n >= 6000 {
                for i in 0..n {
                    worst = worst
                        .max((out_l[i] - ref_l[i]).abs())
                        .max((out_r[i] - ref_r[i]).abs());
                }
            }
        }
        // The solo bank fades the band in and runs the closed-form design until its full fit
        // (50 ms), the reference starts snapped on the full fit: after 6000 samples both run
        // the same coefficients and the start-up has rung out (the band pass decays with
        // τ ≈ 2 ms); what is left is rounding (the signal is ±0.5).
        assert!(worst < 1e-4, "solo differs from the band pass by {worst}");
    }

    #[test]
    fn solo_is_delayed_and_fades_out_to_the_mix() {
        let (rate, n) = (48_000.0, 64);
        let mut solo = Solo::new();
        solo.prepare(rate, n, 1000);
        solo.reset();
        let region = EqBand {
            kind: BandType::Bell,
            freq_hz: 1000.0,
            q: 0.5,
            ..EqBand::default()
        };
        let mut outputs = Vec::new();
        for _ in 0..((2 * 960) / n + 40) {
            let (l, r) = (vec![0.0f32; n], vec![0.0f32; n]);
            let (mut out_l, mut out_r) = (vec![1.0f32; n], vec![1.0f32; n]);
            solo.begin(Some((region, Placement::Stereo)), &l, &r);
            solo.mix_into(1000, &mut out_l, &mut out_r);
            outputs.extend_from_slice(&out_l);
        }
        // Silent input soloed: the mix (1.0) fades to silence along a straight line.
        assert_eq!(outputs[0], 1.0 - 1.0 / 960.0);
        assert_eq!(outputs[959], 0.0);
        for _ in 0..20 {
            let (l, r) = (vec![0.0f32; n], vec![0.0f32; n]);
            let (mut out_l, mut out_r) = (vec![1.0f32; n], vec![1.0f32; n]);
            solo.begin(None, &l, &r);
            solo.mix_into(1000, &mut out_l, &mut out_r);
            outputs.extend_from_slice(&out_l);
        }
        assert_eq!(*outputs.last().unwrap(), 1.0, "back to the mix");
        assert!(!solo.running());
    }
}
