//! The compressor's controls and meter readings (the API the plugin glue
//! codes against; see the compressor contract).

/// Compressor character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompressorStyle {
    /// Feed-forward, log-domain detector.
    #[default]
    Clean,
    /// Smooth-decoupled detector (Giannoulis et al. 2012, eq. 17): same
    /// attack, slower and smoother release.
    ///
    /// Not a literal feedback loop, on purpose. A detector reading the output
    /// `y = x − g` needs the inverse curve `g = f⁻¹(y) − y`, whose slope
    /// above the knee is `R − 1`: the loop gain. Inside a one-pole smoother
    /// of coefficient `a` the loop's pole is `1 − a·R`, so a literal loop
    /// either shortens Attack and Release by the ratio (and rings, `a·R > 2`,
    /// for fast attacks at high ratios) or, compensated by `1/(1 + slope)` so
    /// the set times hold, reduces exactly to this feed-forward form wherever
    /// the curve is straight. Glue keeps what the controls promise (ratio,
    /// attack, release as set) and gives the feedback styles' audible
    /// trait, the slower, rounder release.
    Glue,
    /// Program-dependent attack and release.
    Opto,
}

/// Level detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detection {
    /// Peak level.
    #[default]
    Peak,
    /// RMS level over a window.
    Rms,
}

/// How the two channels are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelMode {
    /// Left and right.
    #[default]
    Stereo,
    /// Mid and side.
    MidSide,
}

/// All compressor controls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompressorSettings {
    /// Threshold in dBFS.
    pub threshold_db: f32,
    /// Ratio x:1, `f32::INFINITY` allowed.
    pub ratio: f32,
    /// Knee width in dB.
    pub knee_db: f32,
    /// Attack time constant in ms.
    pub attack_ms: f32,
    /// Release time constant in ms.
    pub release_ms: f32,
    /// Program-dependent release.
    pub auto_release: bool,
    /// Largest gain reduction allowed, dB (positive).
    pub range_db: f32,
    /// Makeup gain in dB.
    pub makeup_db: f32,
    /// Automatic makeup gain.
    pub auto_makeup: bool,
    /// Wet amount 0..1.
    pub mix: f32,
    /// Output gain in dB.
    pub output_db: f32,
    /// Character.
    pub style: CompressorStyle,
    /// Detector.
    pub detection: Detection,
    /// RMS window in ms.
    pub rms_window_ms: f32,
    /// Stereo link 0..1.
    pub stereo_link: f32,
    /// Stereo or mid/side.
    pub channel_mode: ChannelMode,
    /// Lookahead in ms (0..20).
    pub lookahead_ms: f32,
    /// Sidechain high-pass cutoff, `None` = off.
    pub sc_highpass_hz: Option<f32>,
    /// Sidechain low-pass cutoff, `None` = off.
    pub sc_lowpass_hz: Option<f32>,
    /// Output the detector signal.
    pub sc_listen: bool,
}

impl Default for CompressorSettings {
    fn default() -> Self {
        Self {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            auto_release: false,
            range_db: 60.0,
            makeup_db: 0.0,
            auto_makeup: false,
            mix: 1.0,
            output_db: 0.0,
            style: CompressorStyle::Clean,
            detection: Detection::Peak,
            rms_window_ms: 10.0,
            stereo_link: 1.0,
            channel_mode: ChannelMode::Stereo,
            lookahead_ms: 0.0,
            sc_highpass_hz: None,
            sc_lowpass_hz: None,
            sc_listen: false,
        }
    }
}

/// Meter values of the last processed block.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CompressorReadings {
    /// Input peak per channel, dBFS.
    pub input_peak_db: [f32; 2],
    /// Output peak per channel, dBFS.
    pub output_peak_db: [f32; 2],
    /// Gain reduction at the end of the block per channel, dB (positive).
    pub gain_reduction_db: [f32; 2],
    /// Largest gain reduction in the block per channel, dB (positive).
    pub max_gain_reduction_db: [f32; 2],
}
