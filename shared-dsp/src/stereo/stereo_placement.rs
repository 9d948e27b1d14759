//! Where a stereo (or mono) signal sits: the panner's whole linear stage as one 2×2 matrix.
//!
//! Polarity, channel swap, width (mid/side) and pan are all linear and memoryless, so their
//! product is a single 2×2 gain matrix (see any linear-algebra text; mid/side width as in Michael
//! Gerzon, "Stereo shuffling: new approach, old technique", Studio Sound 1986). The panner
//! computes that matrix once per (sub-)block from the parameters and lets
//! [`RampedMatrix2`](crate::blocks::smoothing::RampedMatrix2) glide to it, which makes every control,
//! switches included, click-free while the per-sample cost stays at four multiplies.
//!
//! Signal order, first to last: polarity → swap → width → pan → output gain.

use crate::blocks::mix::width_matrix;
use crate::blocks::smoothing::Matrix2;
use crate::stereo::pan::{balance_gains, pan_gains, PanLaw};

/// How the pan control acts on a stereo input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanMode {
    /// Attenuates the far channel, never moves signal across: the stereo "balance" knob.
    Balance,
    /// Moves the whole image: as the control turns right the left channel travels across to the
    /// right, both channels are cross-fed through the pan law.
    StereoPan,
    /// Left and right inputs are each placed on their own, like two mono sources.
    Dual,
}

/// Everything that decides the matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacementSettings {
    /// How pan acts on a stereo input.
    pub mode: PanMode,
    /// Pan law for mono sources (and the far-side curve of balance).
    pub law: PanLaw,
    /// −1 (hard left) ..= +1 (hard right); used by Balance and StereoPan, and for mono input.
    pub pan: f32,
    /// Position of the left input in Dual mode, −1 ..= +1.
    pub pan_left: f32,
    /// Position of the right input in Dual mode, −1 ..= +1.
    pub pan_right: f32,
    /// 0 = mono, 1 = unchanged, 2 = side doubled.
    pub width: f32,
    /// Exchange left and right (after polarity).
    pub swap: bool,
    /// Invert the polarity of the left input.
    pub invert_left: bool,
    /// Invert the polarity of the right input.
    pub invert_right: bool,
    /// Linear output gain.
    pub output_gain: f32,
    /// The input is one channel (copied to both): only pan, law and gain apply.
    pub mono_input: bool,
}

impl Default for PlacementSettings {
    fn default() -> Self {
        Self {
            mode: PanMode::Balance,
            law: PanLaw::Minus3Db,
            pan: 0.0,
            pan_left: -1.0,
            pan_right: 1.0,
            width: 1.0,
            swap: false,
            invert_left: false,
            invert_right: false,
            output_gain: 1.0,
            mono_input: false,
        }
    }
}

/// The matrix that maps an input channel to its place: column = where that input goes.
/// `out_l = ll·in_l + rl·in_r`, `out_r = lr·in_l + rr·in_r`.
fn place_inputs(law: PanLaw, left_position: f32, right_position: f32) -> Matrix2 {
    let (left_to_l, left_to_r) = pan_gains(law, left_position);
    let (right_to_l, right_to_r) = pan_gains(law, right_position);
    Matrix2 {
        ll: left_to_l,
        rl: right_to_l,
        lr: left_to_r,
        rr: right_to_r,
    }
}

/// The pan stage for a stereo input.
fn pan_matrix(settings: &PlacementSettings) -> Matrix2 {
    let pan = settings.pan.clamp(-1.0, 1.0);
    match settings.mode {
        PanMode::Balance => {
            let (left, right) = balance_gains(settings.law, pan);
            Matrix2 {
                ll: left,
                rl: 0.0,
                lr: 0.0,
                rr: right,
            }
        }
        PanMode::StereoPan => {
            // Turning right moves the left input from hard left towards hard right while the right
            // input stays put (and the mirror image turning left): at ±100 % both sit on one side.
            let left_position = (-1.0 + 2.0 * pan.max(0.0)).clamp(-1.0, 1.0);
            let right_position = (1.0 + 2.0 * pan.min(0.0)).clamp(-1.0, 1.0);
            place_inputs(settings.law, left_position, right_position)
        }
        PanMode::Dual => place_inputs(
            settings.law,
            settings.pan_left.clamp(-1.0, 1.0),
            settings.pan_right.clamp(-1.0, 1.0),
        ),
    }
}

/// The full placement matrix for these settings.
pub fn placement_matrix(settings: &PlacementSettings) -> Matrix2 {
    if settings.mono_input {
        // One channel in (the host's mono input sits in the left slot): place it with the law.
        let (to_left, to_right) = pan_gains(settings.law, settings.pan.clamp(-1.0, 1.0));
        let polarity = if settings.invert_left { -1.0 } else { 1.0 };
        let gain = settings.output_gain * polarity;
        return Matrix2 {
            ll: to_left * gain,
            rl: 0.0,
            lr: to_right * gain,
            rr: 0.0,
        };
    }

    let polarity = Matrix2 {
        ll: if settings.invert_left { -1.0 } else { 1.0 },
        rl: 0.0,
        lr: 0.0,
        rr: if settings.invert_right { -1.0 } else { 1.0 },
    };
    let swap = if settings.swap {
        Matrix2 {
            ll: 0.0,
            rl: 1.0,
            lr: 1.0,
            rr: 0.0,
        }
    } else {
        Matrix2::IDENTITY
    };
    // Applied right to left: polarity first, output gain last.
    pan_matrix(settings)
        .mul(&width_matrix(settings.width))
        .mul(&swap)
        .mul(&polarity)
        .scale(settings.output_gain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &Matrix2, l: f32, r: f32) -> (f32, f32) {
        (m.ll * l + m.rl * r, m.lr * l + m.rr * r)
    }

    #[test]
    fn defaults_are_exactly_the_identity() {
        assert_eq!(
            placement_matrix(&PlacementSettings::default()),
            Matrix2::IDENTITY
        );
    }

    #[test]
    fn mono_input_at_centre_sits_at_minus_3_db_each_side() {
        let m = placement_matrix(&PlacementSettings {
            mono_input: true,
            ..Default::default()
        });
        let expected = std::f32::consts::FRAC_1_SQRT_2; // −3.0103 dB
        assert!((m.ll - expected).abs() < 1e-6 && (m.lr - expected).abs() < 1e-6);
    }

    #[test]
    fn width_zero_makes_both_outputs_identical() {
        let m = placement_matrix(&PlacementSettings {
            width: 0.0,
            ..Default::default()
        });
        let (l, r) = apply(&m, 0.3, -0.7);
        assert_eq!(l, r);
        assert!((l - (-0.2)).abs() < 1e-6);
    }

    #[test]
    fn width_two_doubles_the_side_signal() {
        let m = placement_matrix(&PlacementSettings {
            width: 2.0,
            ..Default::default()
        });
        // mid 0.5, side 0.1 → side 0.2: l = 0.7, r = 0.3.
        let (l, r) = apply(&m, 0.6, 0.4);
        assert!((l - 0.7).abs() < 1e-6 && (r - 0.3).abs() < 1e-6);
    }

    #[test]
    fn swap_and_polarity_act_on_the_inputs() {
        let m = placement_matrix(&PlacementSettings {
            swap: true,
            invert_left: true,
            ..Default::default()
        });
        // Left input inverted, then swapped: out_l = right input, out_r = −left input.
        assert_eq!(apply(&m, 0.25, 0.5), (0.5, -0.25));
    }

    #[test]
    fn stereo_pan_hard_right_puts_both_inputs_right() {
        let m = placement_matrix(&PlacementSettings {
            mode: PanMode::StereoPan,
            pan: 1.0,
            ..Default::default()
        });
        let (l, r) = apply(&m, 0.5, 0.25);
        assert_eq!(l, 0.0);
        assert!((r - 0.75).abs() < 1e-6);
    }

    #[test]
    fn stereo_pan_half_right_puts_left_input_in_the_centre() {
        let m = placement_matrix(&PlacementSettings {
            mode: PanMode::StereoPan,
            pan: 0.5,
            ..Default::default()
        });
        let half_power = std::f32::consts::FRAC_1_SQRT_2;
        assert!((m.ll - half_power).abs() < 1e-6 && (m.lr - half_power).abs() < 1e-6);
        assert_eq!((m.rl, m.rr), (0.0, 1.0));
    }

    #[test]
    fn balance_hard_left_silences_the_right_channel() {
        let m = placement_matrix(&PlacementSettings {
            pan: -1.0,
            ..Default::default()
        });
        assert_eq!(apply(&m, 0.5, 0.5), (0.5, 0.0));
    }

    #[test]
    fn dual_places_each_input_on_its_own() {
        let m = placement_matrix(&PlacementSettings {
            mode: PanMode::Dual,
            pan_left: 1.0,
            pan_right: -1.0,
            law: PanLaw::Minus6Db,
            ..Default::default()
        });
        // Hard-swapped positions: the left input comes out right and vice versa.
        assert_eq!(apply(&m, 0.5, 0.25), (0.25, 0.5));
    }
}
