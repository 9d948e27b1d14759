//! Gel Delay's engine and the blocks only it uses.
//!
//! | module | what |
//! | --- | --- |
//! | [`engine`] | the whole plugin path: echo loop, ducking, dry/wet mix, width, output |
//! | [`echo`] | the stereo feedback loop (echo engine) built from the blocks below and [`crate::blocks`] |
//! | [`time_change`] | tape glide and two-head crossfade for delay-time changes |
//! | [`saturator`] | cheap bounded soft clip for feedback loops, with drive |
//! | [`modulation`] | wow and flutter LFOs (quadrature oscillators) |
//! | [`tempo`] | tempo-synced note values to seconds and samples |

pub mod echo;
pub mod engine;
pub mod modulation;
pub mod saturator;
pub mod tempo;
pub mod time_change;
