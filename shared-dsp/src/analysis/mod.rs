//! Measurement for the editors: level and correlation meters, the spectrum analyzer, and the
//! one audio→GUI transport they publish through.
//!
//! | module | what |
//! | --- | --- |
//! | [`snapshot_ring`] | [`SnapshotRing`]: lock-free sequence-lock ring of frames, audio → GUI |
//! | [`meter`] | peak (PPM-style) and RMS level meter publishing to the GUI |
//! | [`correlation`] | stereo correlation meter, vectorscope point ring |
//! | [`history`] | fixed-rate frames of a scrolling level history |
//! | [`spectrum`] | lock-free sample FIFO and GUI-side FFT analyzer (smoothing, tilt, peak hold) |
//! | [`collision`] | where two tracks' spectra are both loud (Gel Link's collision view) |

pub mod collision;
pub mod correlation;
pub mod history;
pub mod meter;
pub mod snapshot_ring;
pub mod spectrum;

pub use history::HistoryWriter;
pub use snapshot_ring::SnapshotRing;
