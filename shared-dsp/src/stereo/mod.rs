//! Gel Panner's engine and blocks: where a signal sits in the stereo field.
//!
//! | module | what |
//! | --- | --- |
//! | [`engine`] | the whole plugin path: mono-maker crossfade, then the ramped placement matrix |
//! | [`pan`] | pan laws for mono sources, balance for stereo sources |
//! | [`stereo_placement`] | polarity/swap/width/pan/gain as one 2×2 matrix |
//! | [`mono_maker`] | phase-coherent bass mono-izer in mid/side |

pub mod engine;
pub mod mono_maker;
pub mod pan;
pub mod stereo_placement;
