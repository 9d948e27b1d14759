//! Measurement for the editors: level and correlation meters, the spectrum analyzer.
//!
//! | module | what |
//! | --- | --- |
//! | [`meter`] | peak (PPM-style) and RMS level meter publishing to the GUI |
//! | [`correlation`] | stereo correlation meter, vectorscope point ring |
//! | [`spectrum`] | lock-free sample FIFO and GUI-side FFT analyzer (smoothing, tilt, peak hold) |

pub mod correlation;
pub mod meter;
pub mod spectrum;
