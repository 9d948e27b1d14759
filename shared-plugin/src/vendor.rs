//! What every Gel plugin declares the same way: vendor, contact, the stereo-or-mono audio
//! layouts, and the [`plugin_constants!`](crate::plugin_constants) /
//! [`clap_constants!`](crate::clap_constants) macros that write the repeated `Plugin` and
//! `ClapPlugin` items from a plugin's display name and slug.
//!
//! ```text
//! impl Plugin for GelPanner {
//!     gel_plugin::plugin_constants!(name: "Gel Panner", slug: "panner");
//!     type Editor = editor::PannerEditor;
//!     ...
//! }
//! impl ClapPlugin for GelPanner {
//!     gel_plugin::clap_constants!(slug: "panner", description: "Pan, balance, width ...");
//!     const CLAP_FEATURES: &'static [ClapFeature] = &[...];
//! }
//! ```
//!
//! The VST3 class id and the feature/sub-category lists stay written out in each plugin: they
//! differ per plugin, and the class id is permanent (hosts find saved projects' plugins by it).

use nice_plug::prelude::AudioIOLayout;
use std::num::NonZeroU32;

/// The vendor name hosts show.
pub const VENDOR: &str = "Gel";
/// Contact shown by hosts that display it.
pub const EMAIL: &str = "info@gel-audio.org";

/// Stereo in/out first (the default), then mono in → stereo out.
pub const STEREO_OR_MONO_IN: &[AudioIOLayout] = &[
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    },
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(1),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    },
];

/// Whether a host picked the mono-in layout (the host's mono input then sits in the left slot
/// of the stereo buffer; see [`crate::stereo_block`]).
pub fn is_mono_input(layout: &AudioIOLayout) -> bool {
    layout.main_input_channels.map(NonZeroU32::get) == Some(1)
}

/// The `Plugin` items every Gel plugin sets the same way, inside `impl Plugin for ...`:
/// `NAME`, `VENDOR`, `URL` (`https://gel-audio.org/<slug>`), `EMAIL`, `VERSION` (the calling
/// crate's), `AUDIO_IO_LAYOUTS` ([`STEREO_OR_MONO_IN`] unless `layouts:` is given),
/// `SAMPLE_ACCURATE_AUTOMATION = true`, and `SysExMessage` / `BackgroundTask` = `()`.
#[macro_export]
macro_rules! plugin_constants {
    (name: $name:literal, slug: $slug:literal $(,)?) => {
        $crate::plugin_constants!(
            name: $name,
            slug: $slug,
            layouts: $crate::vendor::STEREO_OR_MONO_IN
        );
    };
    (name: $name:literal, slug: $slug:literal, layouts: $layouts:expr $(,)?) => {
        const NAME: &'static str = $name;
        const VENDOR: &'static str = $crate::vendor::VENDOR;
        const URL: &'static str = concat!("https://gel-audio.org/", $slug);
        const EMAIL: &'static str = $crate::vendor::EMAIL;
        const VERSION: &'static str = env!("CARGO_PKG_VERSION");
        const AUDIO_IO_LAYOUTS: &'static [$crate::__private::AudioIOLayout] = $layouts;
        // nice-plug splits blocks at parameter events: every change lands on its sample.
        const SAMPLE_ACCURATE_AUTOMATION: bool = true;
        type SysExMessage = ();
        type BackgroundTask = ();
    };
}

/// The `ClapPlugin` items every Gel plugin sets the same way, inside `impl ClapPlugin for ...`:
/// `CLAP_ID` (`org.gel-audio.<slug>`, permanent), `CLAP_DESCRIPTION`, and no manual or support
/// URL. `CLAP_FEATURES` stays with the plugin.
#[macro_export]
macro_rules! clap_constants {
    (slug: $slug:literal, description: $description:literal $(,)?) => {
        const CLAP_ID: &'static str = concat!("org.gel-audio.", $slug);
        const CLAP_DESCRIPTION: Option<&'static str> = Some($description);
        const CLAP_MANUAL_URL: Option<&'static str> = None;
        const CLAP_SUPPORT_URL: Option<&'static str> = None;
    };
}

#[cfg(test)]
mod tests {
    use nice_plug::prelude::*;
    use std::sync::Arc;

    #[derive(Params, Default)]
    struct NoParams {}

    #[derive(Default)]
    struct Probe;

    impl Plugin for Probe {
        crate::plugin_constants!(name: "Gel Probe", slug: "probe");
        type Editor = ();

        fn params(&self) -> Arc<dyn Params> {
            Arc::new(NoParams::default())
        }

        fn process(
            &mut self,
            _buffer: &mut Buffer,
            _aux: &mut AuxiliaryBuffers,
            _context: &mut impl ProcessContext<Self>,
        ) -> ProcessStatus {
            ProcessStatus::Normal
        }
    }

    impl ClapPlugin for Probe {
        crate::clap_constants!(slug: "probe", description: "A test plugin");
        const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::AudioEffect];
    }

    #[derive(Default)]
    struct SidechainProbe;

    const SIDECHAIN: &[AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: std::num::NonZeroU32::new(2),
        main_output_channels: std::num::NonZeroU32::new(2),
        aux_input_ports: &[new_nonzero_u32(2)],
        ..AudioIOLayout::const_default()
    }];

    impl Plugin for SidechainProbe {
        crate::plugin_constants!(name: "Gel Key", slug: "key", layouts: SIDECHAIN);
        type Editor = ();

        fn params(&self) -> Arc<dyn Params> {
            Arc::new(NoParams::default())
        }

        fn process(
            &mut self,
            _buffer: &mut Buffer,
            _aux: &mut AuxiliaryBuffers,
            _context: &mut impl ProcessContext<Self>,
        ) -> ProcessStatus {
            ProcessStatus::Normal
        }
    }

    #[test]
    fn plugin_constants_are_gels() {
        assert_eq!(Probe::NAME, "Gel Probe");
        assert_eq!(Probe::VENDOR, "Gel");
        assert_eq!(Probe::URL, "https://gel-audio.org/probe");
        assert_eq!(Probe::EMAIL, "info@gel-audio.org");
        assert_eq!(Probe::VERSION, env!("CARGO_PKG_VERSION"));
        const { assert!(Probe::SAMPLE_ACCURATE_AUTOMATION) };
        assert_eq!(Probe::AUDIO_IO_LAYOUTS.len(), 2);
        assert!(!super::is_mono_input(&Probe::AUDIO_IO_LAYOUTS[0]));
        assert!(super::is_mono_input(&Probe::AUDIO_IO_LAYOUTS[1]));
        assert_eq!(
            Probe::AUDIO_IO_LAYOUTS[1].main_output_channels,
            std::num::NonZeroU32::new(2),
            "mono in is still stereo out"
        );
        assert_eq!(SidechainProbe::AUDIO_IO_LAYOUTS, SIDECHAIN);
        assert_eq!(SidechainProbe::URL, "https://gel-audio.org/key");
    }

    #[test]
    fn clap_constants_are_gels() {
        assert_eq!(Probe::CLAP_ID, "org.gel-audio.probe");
        assert_eq!(Probe::CLAP_DESCRIPTION, Some("A test plugin"));
        assert_eq!(Probe::CLAP_MANUAL_URL, None);
        assert_eq!(Probe::CLAP_SUPPORT_URL, None);
    }
}
