//! Shared primitives: the building blocks two or more engines (or plugins) use.
//!
//! | module | what |
//! | --- | --- |
//! | [`fast_math`] | fast, accurate `log2` / `exp2` and dB conversions (Cephes), block forms that vectorise |
//! | [`gain`] | dB ↔ linear conversions |
//! | [`smoothing`] | linear parameter ramps, a ramped 2×2 stereo matrix |
//! | [`denormal`] | RAII flush-to-zero / denormals-are-zero guard |
//! | [`guard`] | NaN/Inf sanitising, output clamping, silence detection |
//! | [`filter`] | TPT state-variable filter, Linkwitz-Riley crossover, allpass |
//! | [`delay_line`] | power-of-two stereo ring buffer, Hermite fractional reads |
//! | [`ducker`] | input envelope follower ducking a wet signal (delay and reverb) |
//! | [`mix`] | equal-power dry/wet mix, mid/side width and output gain of a send-style effect |
//! | [`path_crossfade`] | click-free switch between two processing paths (warm-up + raised-cosine fade) |

pub mod delay_line;
pub mod denormal;
pub mod ducker;
pub mod fast_math;
pub mod filter;
pub mod gain;
pub mod guard;
pub mod mix;
pub mod path_crossfade;
pub mod smoothing;
