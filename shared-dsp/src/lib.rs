//! # gel-dsp
//!
//! Gel's DSP building blocks: pure Rust, `f32` audio, no plugin-framework
//! dependency. Every stateful block follows the same life cycle:
//!
//! * `new(..)` allocates everything it will ever need,
//! * `prepare(sample_rate, max_block)` is called when the host's audio
//!   configuration changes (may recompute coefficients, never called on the
//!   audio thread while processing),
//! * `reset()` clears the signal state (no allocation),
//! * `process..(..)` is real-time safe: no allocation, locks, I/O or logging.
//!
//! Modules, one job each:
//!
//! | module | what |
//! | --- | --- |
//! | [`gain`] | dB ↔ linear conversions |
//! | [`smoothing`] | linear parameter ramps, a ramped 2×2 stereo matrix |
//! | [`denormal`] | RAII flush-to-zero / denormals-are-zero guard |
//! | [`meter`] | peak (PPM-style) and RMS level meter publishing to the GUI |
//! | [`correlation`] | stereo correlation meter, vectorscope point ring |
//! | [`guard`] | NaN/Inf sanitising, output clamping, silence detection |
//! | [`pan`] | pan laws for mono sources, balance for stereo sources |
//! | [`filter`] | TPT state-variable filter, Linkwitz-Riley crossover, allpass |
//! | [`mono_maker`] | phase-coherent bass mono-izer in mid/side |
//! | [`stereo_placement`] | polarity/swap/width/pan/gain as one 2×2 matrix |
//! | [`delay_line`] | power-of-two stereo ring buffer, Hermite fractional reads |
//! | [`time_change`] | tape glide and two-head crossfade for delay-time changes |
//! | [`saturator`] | cheap bounded soft clip for feedback loops, with drive |
//! | [`modulation`] | wow and flutter LFOs (quadrature oscillators) |
//! | [`ducker`] | input envelope follower ducking a wet signal |
//! | [`tempo`] | tempo-synced note values to seconds and samples |
//! | [`echo`] | the stereo feedback-delay engine built from the blocks above |
//! | [`diffuser`] | Schroeder allpass cascade (reverb input diffusion) |
//! | [`early_reflections`] | stereo tapped delay scaled with room size |
//! | [`fdn`] | 8-line feedback delay network with Jot absorption and modulation |
//! | [`reverb`] | Gel Reverb's engine: algorithms, pre-delay, freeze, width, mix |
//! | [`reverb_metrics`] | RT60 per octave (T30), echo density, correlation of responses |
//! | [`eq`] | Gel EQ core: analog band prototypes, fitted zero-latency sections, 16-band bank |
//! | [`eq_auto_gain`] | EQ auto gain: output trim from the band curves on a pink reference |
//! | [`path_crossfade`] | click-free switch between two processing paths (warm-up + raised-cosine fade) |
//! | [`spectrum`] | lock-free sample FIFO and GUI-side FFT analyzer (smoothing, tilt, peak hold) |
//! | [`dynamics`] | Gel Compressor's engine: exact peak/RMS detection, soft knee, lookahead, sidechain |

#![warn(missing_docs)]

pub mod correlation;
pub mod delay_line;
pub mod denormal;
pub mod diffuser;
pub mod ducker;
pub mod dynamics;
pub mod early_reflections;
pub mod echo;
pub mod eq;
pub mod eq_auto_gain;
pub mod fdn;
pub mod filter;
pub mod gain;
pub mod guard;
pub mod meter;
pub mod modulation;
pub mod mono_maker;
pub mod pan;
pub mod path_crossfade;
pub mod reverb;
pub mod reverb_metrics;
pub mod saturator;
pub mod smoothing;
pub mod spectrum;
pub mod stereo_placement;
pub mod tempo;
pub mod time_change;

#[cfg(test)]
pub(crate) mod test_util;

pub use correlation::{CorrelationMeter, ScopeBuffer};
pub use denormal::DenormalGuard;
pub use filter::{AllpassSecondOrder, LinkwitzRiley4Crossover, Svf, SvfCoefficients, SvfOutputs};
pub use gain::{db_to_gain, gain_to_db, power_to_db, MINUS_INFINITY_DB};
pub use guard::NonFiniteGuard;
pub use meter::{LevelMeter, MeterReadings};
pub use mono_maker::MonoMaker;
pub use pan::{balance_gains, pan_gains, PanLaw};
pub use smoothing::{LinearRamp, Matrix2, RampedMatrix2};
