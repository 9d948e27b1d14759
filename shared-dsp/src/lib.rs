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
//! Grouped by engine; a module used by two engines lives in [`blocks`] (or
//! [`analysis`]):
//!
//! | module | what |
//! | --- | --- |
//! | [`blocks`] | shared primitives: gain, smoothing, denormal and non-finite guards, filters, delay line, ducker, path crossfade |
//! | [`analysis`] | level meter, correlation meter and vectorscope feed, spectrum FIFO and analyzer |
//! | [`eq`] | Gel EQ core: analog band prototypes, fitted zero-latency sections, 16-band bank, linear phase, auto gain |
//! | [`dynamics`] | Gel Compressor's engine: exact peak/RMS detection, soft knee, lookahead, sidechain |
//! | [`stereo`] | Gel Panner's blocks: pan laws and balance, stereo placement matrix, mono maker |
//! | [`delay`] | Gel Delay's echo engine and its time change, saturator, wow/flutter, tempo sync |
//! | [`reverb`] | Gel Reverb's engine, its diffuser, early reflections and FDN; `reverb::metrics` (RT60, echo density; feature `metrics`, for tests and the bench) |
//! | [`simd`] | which SIMD kernel the vectorised blocks run: CPU features detected once, `GEL_FORCE_SCALAR=1` forces the portable paths |

#![warn(missing_docs)]

pub mod analysis;
pub mod blocks;
pub mod delay;
pub mod dynamics;
pub mod eq;
pub mod reverb;
pub mod simd;
pub mod stereo;

#[cfg(test)]
pub(crate) mod test_util;

pub use analysis::correlation::{CorrelationMeter, ScopeBuffer};
pub use analysis::meter::{LevelMeter, MeterReadings};
pub use blocks::denormal::DenormalGuard;
pub use blocks::filter::{
    AllpassSecondOrder, LinkwitzRiley4Crossover, Svf, SvfCoefficients, SvfOutputs,
};
pub use blocks::gain::{db_to_gain, gain_to_db, power_to_db, MINUS_INFINITY_DB};
pub use blocks::guard::NonFiniteGuard;
pub use blocks::smoothing::{LinearRamp, Matrix2, RampedMatrix2};
pub use stereo::mono_maker::MonoMaker;
pub use stereo::pan::{balance_gains, pan_gains, PanLaw};
