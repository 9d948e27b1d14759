//! Host-level tests over Gel's bundled binaries.
//!
//! Two small hosts load the real `.clap` and `.vst3` files that `cargo xtask bundle` writes (CLAP
//! through clack-host, VST3 through the `vst3` crate) behind one format-agnostic trait,
//! [`PluginHost`]. The conformance suite in [`suite`] is written once against that trait and runs
//! for every plugin and both formats; each plugin adds one `conformance_suite!` line in
//! `tests/tests/`.

use std::path::PathBuf;

pub mod clap_host;
pub mod host_style;
// The editor tests embed editors in X11 windows this crate makes; they exist on Linux only. The
// hosts and the rest of the suite are portable (the Windows run: `cargo xtask test --target
// x86_64-pc-windows-gnu`).
#[cfg(target_os = "linux")]
pub mod live_screenshot;
pub mod signals;
pub mod strict;
pub mod suite;
pub mod vst3_host;
#[cfg(target_os = "linux")]
pub mod x11_parent;

/// The loud square wave (±0.9, period 2) a host leaves in aux buffers it does not pass
/// ([`AuxAbsence::Omitted`]).
pub fn fill_stale_aux(buffer: &mut [f32]) {
    for (i, x) in buffer.iter_mut().enumerate() {
        *x = if i % 2 == 0 { 0.9 } else { -0.9 };
    }
}

#[doc(hidden)]
pub use pastey as __pastey;

/// The two plugin formats Gel ships.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Clap,
    Vst3,
}

/// What a plugin says about itself, as a host reads it.
#[derive(Clone, Debug)]
pub struct Descriptor {
    /// CLAP id (reverse DNS) or the VST3 class id as 32 hex digits.
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    /// CLAP features, or the VST3 subcategories split at `|`.
    pub features: Vec<String>,
}

/// One automatable parameter as the host sees it. Values are normalised 0..1 in both formats
/// (nice-plug exposes CLAP parameters normalised too).
#[derive(Clone, Debug)]
pub struct ParamInfo {
    /// CLAP param id or VST3 ParamID.
    pub id: u32,
    pub name: String,
    /// The default, normalised 0..1.
    pub default_normalized: f64,
    /// Number of discrete steps (0 = continuous), as the host is told.
    pub step_count: u32,
    pub automatable: bool,
}

/// One parameter change delivered inside a process call.
#[derive(Clone, Copy, Debug)]
pub struct ParamEvent {
    /// Sample offset inside the block.
    pub time: u32,
    pub param_id: u32,
    /// Normalised 0..1.
    pub value: f64,
}

/// What the plugin answered to one process call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessOutcome {
    /// Keep calling process.
    Continue,
    /// CLAP `CONTINUE_IF_NOT_QUIET`: the host may put the plugin to sleep once input and output
    /// are quiet.
    ContinueIfNotQuiet,
    /// CLAP `TAIL`.
    Tail,
    /// CLAP `SLEEP`.
    Sleep,
    /// VST3 has no process status beyond ok/error.
    Ok,
    Error,
}

/// How a host leaves a plugin's auxiliary (sidechain) inputs unconnected, as DAWs do before a
/// sidechain is routed. See [`PluginHost::set_aux_absence`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuxAbsence {
    /// The process call lists every port/bus, but the aux ones carry no channels: CLAP
    /// `channel_count` 0 and `data32` null; VST3 the bus deactivated (`activateBus(false)`), then
    /// passed with 0 channels and null buffers.
    Disconnected,
    /// The process call lists only the main port/bus (CLAP `audio_inputs_count`, VST3
    /// `numInputs` = 1). The host's array still holds an aux entry past that count whose buffers
    /// hold a loud square wave (what an earlier routing left there): a plugin that reads past the
    /// count hears it.
    Omitted,
}

/// A loaded plugin instance, independent of its format. Every call happens on the test thread,
/// which plays both main and audio thread. Both hosts are strict: they follow the plugin's
/// lifecycle and fail the test on any call the CLAP headers or the VST3 SDK forbid (see
/// [`strict`]).
pub trait PluginHost {
    fn format(&self) -> Format;
    fn descriptor(&self) -> Descriptor;
    /// Number of channels of the main input and output ports in the active layout.
    fn main_channels(&self) -> (usize, usize);
    /// Channel count of each auxiliary (sidechain) input port (CLAP) or bus (VST3) the plugin
    /// exposes in the active layout, in order; empty when it has none.
    fn aux_input_channels(&self) -> Vec<usize>;

    fn params(&mut self) -> Vec<ParamInfo>;
    /// The current normalised value the plugin holds.
    fn param_value(&mut self, id: u32) -> f64;
    fn value_to_text(&mut self, id: u32, normalized: f64) -> Option<String>;
    fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64>;
    /// Set a parameter outside processing (CLAP: flush, VST3: edit controller + next process).
    fn set_param(&mut self, id: u32, normalized: f64);

    /// Activate and start processing at this rate with blocks of at most `max_block` frames.
    fn activate(&mut self, sample_rate: f64, max_block: u32);
    fn deactivate(&mut self);
    /// Process one block. `inputs[c]` and `outputs[c]` all have the same length, at most the
    /// `max_block` given to [`PluginHost::activate`]. Auxiliary inputs, if the plugin has any,
    /// hear silence (see [`PluginHost::process_with_aux`]).
    fn process(
        &mut self,
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
        events: &[ParamEvent],
    ) -> ProcessOutcome {
        self.process_with_aux(inputs, &[], outputs, events)
    }

    /// [`PluginHost::process`] with a sidechain: `aux[c]` feeds the auxiliary inputs' channels in
    /// order (channel c of the first aux port/bus, then on into the next one, as
    /// [`PluginHost::aux_input_channels`] lists them). Aux channels not given hear silence. Every
    /// slice has the block's length. Panics when `aux` has more channels than the plugin's aux
    /// inputs together: a test feeding a sidechain the plugin does not have is wrong.
    fn process_with_aux(
        &mut self,
        inputs: &[&[f32]],
        aux: &[&[f32]],
        outputs: &mut [&mut [f32]],
        events: &[ParamEvent],
    ) -> ProcessOutcome;

    /// Leave the aux inputs unconnected (`Some`) or connected (`None`, the default) in every
    /// following process call, which must then give no `aux`. Call while deactivated (VST3 only
    /// (de)activates busses then).
    fn set_aux_absence(&mut self, absence: Option<AuxAbsence>);

    fn latency(&mut self) -> u32;
    /// Tail length in samples as the plugin reports it (u32::MAX = infinite).
    fn tail(&mut self) -> u32;

    fn save_state(&mut self) -> Vec<u8>;
    /// Returns false when the plugin refused the state.
    fn load_state(&mut self, data: &[u8]) -> bool;

    /// Open the editor embedded in an X11 window, let it draw, and return its size in pixels.
    fn open_editor(&mut self, parent_window: u32) -> Result<(u32, u32), String>;
    fn close_editor(&mut self);

    /// Host tempo in BPM for every following process call (CLAP: a transport with a tempo;
    /// without a call, the host sends no transport). Hosts that cannot send a tempo ignore it,
    /// which a tempo-synced plugin sees as "no tempo from the host".
    fn set_tempo(&mut self, _bpm: f64) {}

    /// Tell the plugin the name of the track it sits on, as a DAW does when the plugin is
    /// inserted and whenever the user renames the track (CLAP `track-info`: the host's
    /// `track_info.get` answers with the name, then it calls the plugin's `changed()`; VST3:
    /// `IInfoListener::setChannelContextInfos` with the channel name). Main thread. Returns false
    /// when the plugin does not listen for track information.
    fn set_track_name(&mut self, _name: &str) -> bool {
        false
    }

    /// Give the plugin main-thread time (CLAP: run `on_main_thread` when it asked for it). Hosts
    /// call this while an editor is open and between test steps.
    fn idle(&mut self) {}

    /// Stop processing but stay active (CLAP `stop_processing`, VST3 `setProcessing(false)`).
    /// [`PluginHost::set_param`] then reaches the plugin as a flush on the audio thread.
    fn stop_processing(&mut self);
    /// Start processing again after [`PluginHost::stop_processing`]; [`PluginHost::activate`]
    /// starts it itself.
    fn start_processing(&mut self);

    /// Add a CLAP monophonic modulation (`CLAP_EVENT_PARAM_MOD`) of `amount` (normalised units,
    /// an offset on the 0..1 value) at sample `time` of the next process call. Returns false
    /// when the format has no modulation (VST3), and nothing is sent.
    fn queue_modulation(&mut self, _time: u32, _param_id: u32, _amount: f64) -> bool {
        false
    }

    /// If the plugin asked for a restart (CLAP `request_restart`, VST3
    /// `restartComponent(kLatencyChanged)`) since the last activation, deactivate and activate
    /// again with the same rate and block size, as a DAW does. Returns whether it restarted.
    fn restart_if_requested(&mut self) -> bool {
        false
    }

    /// Let the plugin's main-thread work (CLAP `on_main_thread`, flush requests) wait for the
    /// next [`PluginHost::idle`] instead of running after each host call: a DAW's main thread
    /// answers at its own pace, sometimes after the audio side has deactivated the plugin.
    fn set_deferred_main_thread(&mut self, _deferred: bool) {}

    /// Every host-contract violation the strict host has recorded (see [`strict`]). A violation
    /// fails the test at the host's next step unless the test turned that off.
    fn contract_violations(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// The parameter called `name` and the normalised value its text `text` parses to, the way a
/// user types a value into the host. Panics with the name when either is missing.
pub fn param_by_text(plugin: &mut dyn PluginHost, name: &str, text: &str) -> (u32, f64) {
    let param = plugin
        .params()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parameter {name:?}"));
    let value = plugin
        .text_to_value(param.id, text)
        .unwrap_or_else(|| panic!("{name:?} does not parse {text:?}"));
    (param.id, value)
}

/// Set the parameter called `name` to what `text` parses to (see [`param_by_text`]).
pub fn set_by_text(plugin: &mut dyn PluginHost, name: &str, text: &str) {
    let (id, value) = param_by_text(plugin, name, text);
    plugin.set_param(id, value);
}

/// Renders stereo `left`/`right` through `plugin` in blocks of `block` frames, delivering each
/// `(sample, param_id, value)` event inside the block it falls in, at its offset there.
pub fn run_events(
    plugin: &mut dyn PluginHost,
    left: &[f32],
    right: &[f32],
    events: &[(usize, u32, f64)],
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut out = (vec![0.0; left.len()], vec![0.0; left.len()]);
    for start in (0..left.len()).step_by(block) {
        let end = (start + block).min(left.len());
        let block_events: Vec<ParamEvent> = events
            .iter()
            .filter(|(t, _, _)| *t >= start && *t < end)
            .map(|&(t, param_id, value)| ParamEvent {
                time: (t - start) as u32,
                param_id,
                value,
            })
            .collect();
        let mut outs: Vec<&mut [f32]> = vec![&mut out.0[start..end], &mut out.1[start..end]];
        plugin.process(
            &[&left[start..end], &right[start..end]],
            &mut outs,
            &block_events,
        );
    }
    out
}

/// Where the bundles are: `$GEL_BUNDLE_DIR`, or `target/bundled` in the workspace.
pub fn bundle_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("GEL_BUNDLE_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .join("target")
        .join("bundled")
}

/// Load the bundle `"{bundle_name}.clap"` or `"{bundle_name}.vst3"` and create its one plugin.
pub fn load(format: Format, bundle_name: &str) -> Box<dyn PluginHost> {
    match format {
        Format::Clap => Box::new(clap_host::ClapPlugin::load(
            &bundle_dir().join(format!("{bundle_name}.clap")),
        )),
        Format::Vst3 => Box::new(vst3_host::Vst3Plugin::load(
            &bundle_dir().join(format!("{bundle_name}.vst3")),
        )),
    }
}
