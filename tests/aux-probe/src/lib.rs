//! Gel Aux Probe: a test-only plugin for the host tests' auxiliary (sidechain) input support.
//!
//! It has the layout the Gel Compressor uses (main stereo in/out plus one stereo aux input named
//! "Sidechain") and the simplest process that shows both inputs arrive intact and in the right
//! place: `main_out[c] = main_in[c] + 2 × aux_in[c]`. The factor 2 is exact in floating point, so a
//! host test can compare bit for bit, and it tells main and aux apart (a swapped or duplicated bus
//! gives a different result).
//!
//! Built only by `cargo xtask test` (xtask's `TEST_ONLY_PLUGINS`); `bundle --all` and `install`
//! never ship it.

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::prelude::*;

/// How much of the aux input is added to the main input.
pub const AUX_GAIN: f32 = 2.0;

/// No parameters: the probe only moves audio.
#[derive(Params, Default)]
pub struct ProbeParams {}

#[derive(Default)]
pub struct GelAuxProbe {
    params: Arc<ProbeParams>,
}

impl Plugin for GelAuxProbe {
    const NAME: &'static str = "Gel Aux Probe";
    const VENDOR: &'static str = "Gel";
    const URL: &'static str = "https://gel-audio.org";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: &[new_nonzero_u32(2)],
        names: PortNames {
            aux_inputs: &["Sidechain"],
            ..PortNames::const_default()
        },
        ..AudioIOLayout::const_default()
    }];

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // nice-plug hands the main input in place in `buffer`.
        let Some(sidechain) = aux.inputs.first_mut() else {
            return ProcessStatus::Normal;
        };
        for (main, side) in buffer
            .as_slice()
            .iter_mut()
            .zip(sidechain.as_slice_immutable())
        {
            for (m, s) in main.iter_mut().zip(side.iter()) {
                *m += AUX_GAIN * *s;
            }
        }
        ProcessStatus::Normal
    }
}

impl ClapPlugin for GelAuxProbe {
    const CLAP_ID: &'static str = "org.gel-audio.aux-probe";
    const CLAP_DESCRIPTION: Option<&'static str> = Some("Test-only: main + 2 x sidechain");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Utility,
    ];
}

impl Vst3Plugin for GelAuxProbe {
    const VST3_CLASS_ID: [u8; 16] = *b"GelAuxProbeTest1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Tools];
}

nice_export_clap!(GelAuxProbe);
nice_export_vst3!(GelAuxProbe);
