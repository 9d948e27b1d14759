//! A small CLAP host over clack-host 0.2, enough to drive Gel's `.clap` bundles from tests.
//!
//! The test thread plays both the main and the audio thread, and the host is strict about it
//! ([`crate::strict`]): it offers `thread-check` (main thread outside audio calls, audio thread
//! inside process, start/stop processing and the active flush), tracks the lifecycle, and fails
//! the test on any host call the CLAP headers forbid in that state or on that thread. It keeps
//! the contract itself too: no `params.flush` while processing (a change set then goes with the
//! next block) and the latency is read only while active, right after `activate`. Parameter values cross the
//! [`PluginHost`] boundary normalised to 0..1; nice-plug exposes continuous parameters as 0..1
//! CLAP values but stepped ones as 0..step_count, so this host converts with each parameter's
//! `min_value`/`max_value`.
//!
//! Every audio port the plugin declares gets a buffer in every process call (CLAP asks the host to
//! feed all ports of the active configuration, and nice-plug 0.4 reads each aux port it declared
//! without checking the count the host passed). Port 0 is the main port; the others are aux
//! (sidechain) ports, fed from [`PluginHost::process_with_aux`] or with silence.

use std::collections::HashMap;
use std::ffi::CString;
use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use clack_extensions::audio_ports::{
    AudioPortInfoBuffer, AudioPortRescanFlags, HostAudioPorts, HostAudioPortsImpl, PluginAudioPorts,
};
use clack_extensions::gui::{
    GuiApiType, GuiConfiguration, GuiSize, HostGui, HostGuiImpl, PluginGui, Window,
};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::tail::{HostTail, HostTailImpl, PluginTail, TailLength};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_extensions::track_info::{
    HostTrackInfo, HostTrackInfoImpl, PluginTrackInfo, TrackInfo, TrackInfoWriter,
};
use clack_host::events::event_types::{
    ParamModEvent, ParamValueEvent, TransportEvent, TransportFlags,
};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::prelude::*;
use clack_host::utils::{BeatTime, SecondsTime};

use crate::strict::{Contract, Lifecycle, Role};
use crate::{
    fill_stale_aux, AuxAbsence, Descriptor, Format, ParamEvent, ParamInfo, PluginHost,
    ProcessOutcome,
};

/// Flags the plugin raises from any thread; the test thread polls them. `contract` checks every
/// host call against the CLAP headers (see [`crate::strict`]).
pub struct Shared {
    callback_requested: AtomicBool,
    restart_requested: AtomicBool,
    flush_requested: AtomicBool,
    gui_closed: AtomicBool,
    /// `latency.changed()` was called inside the `activate` call now running (or just run).
    latency_changed_in_activate: AtomicBool,
    /// clack calls `initializing` once `create_plugin` has returned: host callbacks before that
    /// come from inside `create_plugin`.
    created: AtomicBool,
    /// The name of the track the plugin sits on (`track-info`), `None`: the host has no track
    /// info to give. Leaked: clack's writer wants the name to outlive the host borrow, and a
    /// test sets a handful of names.
    track_name: Mutex<Option<&'static str>>,
    /// How many times the plugin called `track_info.get`.
    track_info_gets: AtomicU32,
    pub contract: Arc<Contract>,
}

impl Shared {
    fn new(contract: Arc<Contract>) -> Shared {
        Shared {
            callback_requested: AtomicBool::new(false),
            restart_requested: AtomicBool::new(false),
            flush_requested: AtomicBool::new(false),
            gui_closed: AtomicBool::new(false),
            latency_changed_in_activate: AtomicBool::new(false),
            created: AtomicBool::new(false),
            track_name: Mutex::new(None),
            track_info_gets: AtomicU32::new(0),
            contract,
        }
    }
}

impl Shared {
    /// plugin-factory.h: "The plugin is not allowed to use the host callbacks in the create
    /// method."
    fn require_created(&self, call: &str) {
        if !self.created.load(Ordering::SeqCst) {
            self.contract.violation(
                call,
                "plugin-factory.h: the plugin is not allowed to use the host callbacks in the \
                 create method",
            );
        }
    }
}

impl<'a> SharedHandler<'a> for Shared {
    fn initializing(&self, _instance: InitializingPluginHandle<'a>) {
        self.created.store(true, Ordering::SeqCst);
    }
    // [thread-safe]: any thread and state once created. The host restarts when the test asks
    // it to (`ClapPlugin::restart_if_requested`), as a DAW does at a moment of its choosing.
    fn request_restart(&self) {
        self.require_created("request_restart");
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {
        self.require_created("request_process");
    }
    // [thread-safe]: answered by running `on_main_thread` on the main thread at the next
    // `idle` (or after the host's next call, unless main-thread work is deferred).
    fn request_callback(&self) {
        self.require_created("request_callback");
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        self.require_created("log.log");
        eprintln!("[clap plugin {severity}] {message}");
        if severity == LogSeverity::HostMisbehaving {
            // The plugin says this host broke the contract: the host is wrong, fail too.
            self.contract.violation(
                "log(HOST_MISBEHAVING)",
                &format!("the plugin says: {message}"),
            );
        }
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        self.contract.forbid_audio_thread(
            "params.request_flush",
            "params.h: this must not be called on the [audio-thread]",
        );
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

impl HostThreadCheckImpl for Shared {
    fn is_main_thread(&self) -> bool {
        self.contract.role() == Role::Main
    }
    fn is_audio_thread(&self) -> bool {
        self.contract.role() == Role::Audio
    }
}

impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        // The test parent window follows the editor's own size; accept.
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {
        self.gui_closed.store(true, Ordering::SeqCst);
    }
}

/// Main-thread host callbacks. They only check the call against the headers: the tests re-read
/// everything they need.
pub struct MainThread<'a> {
    shared: &'a Shared,
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}

impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, flags: ParamRescanFlags) {
        let contract = &self.shared.contract;
        contract.require_main_thread("params.rescan", "params.h: [main-thread]");
        if flags.contains(ParamRescanFlags::ALL) && contract.lifecycle() != Lifecycle::Inactive {
            contract.violation(
                "params.rescan(CLAP_PARAM_RESCAN_ALL)",
                "params.h: it can only be used while the plugin is deactivated",
            );
        }
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {
        self.shared
            .contract
            .require_main_thread("params.clear", "params.h: [main-thread]");
    }
}

impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {
        self.shared
            .contract
            .require_main_thread("state.mark_dirty", "state.h: [main-thread]");
    }
}

impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {
        let contract = &self.shared.contract;
        contract.require_main_thread(
            "latency.changed",
            "latency.h: [main-thread & being-activated]",
        );
        if contract.lifecycle() == Lifecycle::Activating {
            self.shared
                .latency_changed_in_activate
                .store(true, Ordering::SeqCst);
        } else {
            contract.violation(
                "latency.changed",
                "latency.h: the latency is only allowed to change during plugin->activate; \
                 if the plugin is activated, call host->request_restart()",
            );
        }
    }
}

impl HostTrackInfoImpl for MainThread<'_> {
    fn get<'a>(&'a self, writer: &mut TrackInfoWriter<'_, 'a>) {
        let shared = self.shared;
        shared.require_created("track_info.get");
        shared
            .contract
            .require_main_thread("track_info.get", "track-info.h: [main-thread]");
        shared.track_info_gets.fetch_add(1, Ordering::SeqCst);
        let name = *shared.track_name.lock().unwrap();
        if let Some(name) = name {
            // Not set (the plugin's call returns false) when the host has no track info.
            writer.set(&TrackInfo::new().with_name(Some(name.as_bytes())));
        }
    }
}

impl HostAudioPortsImpl for MainThread<'_> {
    fn is_rescan_flag_supported(&self, _flag: AudioPortRescanFlags) -> bool {
        self.shared.contract.require_main_thread(
            "audio_ports.is_rescan_flag_supported",
            "audio-ports.h: [main-thread]",
        );
        false
    }
    fn rescan(&self, _flags: AudioPortRescanFlags) {
        let contract = &self.shared.contract;
        contract.require_main_thread("audio_ports.rescan", "audio-ports.h: [main-thread]");
        // This host supports no rescan flag.
        contract.violation(
            "audio_ports.rescan",
            "audio-ports.h: it is illegal to ask the host to rescan with a flag that is not supported",
        );
    }
}

pub struct AudioThread<'a> {
    shared: &'a Shared,
}

impl<'a> AudioProcessorHandler<'a> for AudioThread<'a> {}

impl HostTailImpl for AudioThread<'_> {
    fn changed(&mut self) {
        self.shared
            .contract
            .require_audio_thread("tail.changed", "tail.h: [audio-thread]");
    }
}

pub struct GelClapHost;

impl HostHandlers for GelClapHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = AudioThread<'a>;

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostLatency>()
            .register::<HostTail>()
            .register::<HostAudioPorts>()
            .register::<HostGui>()
            .register::<HostThreadCheck>()
            .register::<HostTrackInfo>();
    }
}

#[derive(Clone, Copy)]
struct ParamRange {
    min: f64,
    max: f64,
}

impl ParamRange {
    fn to_clap(self, normalized: f64) -> f64 {
        self.min + normalized * (self.max - self.min)
    }
    fn to_normalized(self, clap: f64) -> f64 {
        if self.max > self.min {
            (clap - self.min) / (self.max - self.min)
        } else {
            0.0
        }
    }
}

/// One loaded `.clap` plugin instance.
pub struct ClapPlugin {
    // Field order matters for drop: processor before instance before entry.
    processor: Option<PluginAudioProcessor<GelClapHost>>,
    instance: PluginInstance<GelClapHost>,
    _entry: PluginEntry,
    descriptor: Descriptor,
    channels: (usize, usize),
    /// Channel count of every audio port in the active configuration, main port first. The host
    /// hands the plugin a buffer for each one (CLAP requires it; nice-plug reads every port it
    /// declared).
    in_port_channels: Vec<usize>,
    out_port_channels: Vec<usize>,
    ranges: HashMap<u32, ParamRange>,
    params: Option<PluginParams>,
    state: Option<PluginState>,
    latency: Option<PluginLatency>,
    tail: Option<PluginTail>,
    gui: Option<PluginGui>,
    gui_created: bool,
    // Scratch buffers sized at activation so process() only copies: [port][channel][frame].
    in_bufs: Vec<Vec<Vec<f32>>>,
    out_bufs: Vec<Vec<Vec<f32>>>,
    in_ports: AudioPorts,
    out_ports: AudioPorts,
    events: EventBuffer,
    out_events: EventBuffer,
    steady_time: u64,
    /// Tempo sent as transport with every process call (None: no transport).
    tempo: Option<f64>,
    /// Optional clock read right before and after the plugin's own `process` call (for
    /// benchmarks: e.g. thread CPU time in ns); the differences add up in `process_clock_total`.
    process_clock: Option<fn() -> u64>,
    process_clock_total: u64,
    /// Rate and block size of the current (or last) activation, for restarts.
    config: Option<(f64, u32)>,
    /// Parameter values set while processing: CLAP forbids `params.flush` then, so they go to
    /// the plugin as events at the start of the next process call, as a DAW sends them.
    pending_values: Vec<ParamEvent>,
    /// Modulation amounts (CLAP plain units) queued for the next process call: (time, id, amount).
    pending_mods: Vec<(u32, u32, f64)>,
    /// The latency the host last read while the plugin was active (None: never active).
    known_latency: Option<u32>,
    /// Run `on_main_thread` and honour flush requests only in `idle()`, not after each call:
    /// a DAW's main thread answers at its own pace, possibly after the audio side moved on.
    defer_main_thread: bool,
    contract: Arc<Contract>,
    /// The aux ports left unconnected ([`PluginHost::set_aux_absence`]).
    aux_absence: Option<AuxAbsence>,
    track_info: Option<PluginTrackInfo>,
}

/// A track name that lives as long as the host (see `Shared::track_name`).
fn leak(name: &str) -> &'static str {
    Box::leak(name.to_owned().into_boxed_str())
}

fn cstr_bytes(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Channel count of each input (or output) audio port the plugin declares now, in port order.
/// A port the plugin fails to describe counts as 0 channels.
fn port_channels(
    instance: &mut PluginInstance<GelClapHost>,
    audio_ports: Option<PluginAudioPorts>,
    is_input: bool,
) -> Vec<usize> {
    let Some(ports) = audio_ports else {
        return Vec::new();
    };
    let handle = instance.plugin_handle();
    let mut buf = AudioPortInfoBuffer::new();
    (0..ports.count(&handle, is_input))
        .map(|index| {
            ports
                .get(&handle, index, is_input, &mut buf)
                .map_or(0, |info| info.channel_count as usize)
        })
        .collect()
}

/// clack's `AudioPorts` for these ports. Its capacity must cover every channel: clack 0.2 rebuilds
/// the per-port pointers wrongly when its pointer list grows during `with_*_buffers` with more
/// than one port.
fn audio_ports_for(port_channels: &[usize]) -> AudioPorts {
    AudioPorts::with_capacity(
        port_channels.iter().sum::<usize>().max(1),
        port_channels.len().max(1),
    )
}

impl ClapPlugin {
    /// How many times the plugin asked for the track's info (`track_info.get`).
    pub fn track_info_gets(&self) -> u32 {
        self.instance
            .access_shared_handler(|s| s.track_info_gets.load(Ordering::SeqCst))
    }

    /// Load the bundle at `path` and instantiate its first plugin. Panics with a clear message on
    /// any failure (a test cannot continue without the plugin).
    pub fn load(path: &Path) -> ClapPlugin {
        ClapPlugin::load_id(path, None)
    }

    /// Load the bundle at `path` and instantiate the plugin with CLAP id `id` (the first one
    /// when `None`).
    pub fn load_id(path: &Path, id: Option<&str>) -> ClapPlugin {
        ClapPlugin::load_on_track(path, id, None)
    }

    /// [`ClapPlugin::load_id`] on a track called `track_name`: the host answers `track_info.get`
    /// with it from the start (a plugin may ask in `init`), as a DAW inserting the plugin on a
    /// named track does.
    pub fn load_on_track(path: &Path, id: Option<&str>, track_name: Option<&str>) -> ClapPlugin {
        assert!(
            path.exists(),
            "CLAP bundle not found: {} (run `cargo xtask bundle ...` or set GEL_BUNDLE_DIR)",
            path.display()
        );
        // SAFETY: loading a foreign library runs its initialisers; that is the point of the test.
        let entry = unsafe { PluginEntry::load(path) }
            .unwrap_or_else(|e| panic!("loading CLAP entry {}: {e}", path.display()));
        // Never unload: clack caches entries per path and would `deinit` + `dlclose` the
        // library once the last instance is dropped, while another test thread may be loading it
        // again. Unloading a Rust cdylib with live thread-locals crashes (seen as SIGSEGV with
        // parallel tests), and real hosts keep plugin libraries loaded anyway. Leaking one
        // handle keeps the library mapped for the life of the test process.
        std::mem::forget(entry.clone());
        let factory = entry
            .get_plugin_factory()
            .unwrap_or_else(|| panic!("{}: no plugin factory", path.display()));
        let desc = factory
            .plugin_descriptors()
            .find(|d| id.is_none_or(|id| d.id().is_some_and(|d| d.to_bytes() == id.as_bytes())))
            .unwrap_or_else(|| panic!("{}: factory lists no plugin {id:?}", path.display()));
        let to_s = |c: Option<&std::ffi::CStr>| {
            c.map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let plugin_id: CString = desc
            .id()
            .unwrap_or_else(|| panic!("{}: descriptor without id", path.display()))
            .to_owned();
        let descriptor = Descriptor {
            id: plugin_id.to_string_lossy().into_owned(),
            name: to_s(desc.name()),
            vendor: to_s(desc.vendor()),
            version: to_s(desc.version()),
            features: desc
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        };

        let host_info = HostInfo::new(
            "gel-host-tests",
            "Gel",
            "https://example.invalid/gel",
            env!("CARGO_PKG_VERSION"),
        )
        .expect("host info");
        // The loading thread is the main thread from now on.
        let contract = Arc::new(Contract::new());
        let mut instance = PluginInstance::<GelClapHost>::new(
            |_| {
                let shared = Shared::new(contract.clone());
                *shared.track_name.lock().unwrap() = track_name.map(leak);
                shared
            },
            |shared| MainThread { shared },
            &entry,
            &plugin_id,
            &host_info,
        )
        .unwrap_or_else(|e| panic!("{}: creating plugin instance: {e}", path.display()));

        let shared = instance.plugin_shared_handle();
        let params = shared.get_extension::<PluginParams>();
        let state = shared.get_extension::<PluginState>();
        let latency = shared.get_extension::<PluginLatency>();
        let tail = shared.get_extension::<PluginTail>();
        let gui = shared.get_extension::<PluginGui>();
        let audio_ports = shared.get_extension::<PluginAudioPorts>();
        let track_info = shared.get_extension::<PluginTrackInfo>();

        // Port 0 is the main port (nice-plug puts it first when the layout has one); the
        // others are auxiliary (sidechain) ports.
        let in_port_channels = port_channels(&mut instance, audio_ports, true);
        let out_port_channels = port_channels(&mut instance, audio_ports, false);
        let channels = (
            in_port_channels.first().copied().unwrap_or(0),
            out_port_channels.first().copied().unwrap_or(0),
        );

        let mut plugin = ClapPlugin {
            processor: None,
            instance,
            _entry: entry,
            descriptor,
            channels,
            in_ports: audio_ports_for(&in_port_channels),
            out_ports: audio_ports_for(&out_port_channels),
            in_port_channels,
            out_port_channels,
            ranges: HashMap::new(),
            params,
            state,
            latency,
            tail,
            gui,
            gui_created: false,
            in_bufs: Vec::new(),
            out_bufs: Vec::new(),
            events: EventBuffer::with_capacity(256),
            out_events: EventBuffer::with_capacity(256),
            steady_time: 0,
            tempo: None,
            process_clock: None,
            process_clock_total: 0,
            config: None,
            pending_values: Vec::new(),
            pending_mods: Vec::new(),
            known_latency: None,
            defer_main_thread: false,
            contract,
            aux_absence: None,
            track_info,
        };
        plugin.params();
        plugin
    }

    /// Select the plugin's audio-ports configuration (CLAP `audio-ports-config`) whose main input
    /// has `main_input_channels` channels, e.g. 1 for a mono-in/stereo-out layout. Call before
    /// [`PluginHost::activate`]. Returns the configuration's name.
    pub fn select_main_input_channels(
        &mut self,
        main_input_channels: usize,
    ) -> Result<String, String> {
        use clack_extensions::audio_ports_config::{
            AudioPortsConfigBuffer, PluginAudioPortsConfig,
        };
        let configs = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginAudioPortsConfig>()
            .ok_or("plugin has no audio-ports-config extension")?;
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortsConfigBuffer::new();
        let found = (0..configs.count(&handle)).find_map(|index| {
            let config = configs.get(&handle, index, &mut buffer)?;
            let input = config.main_input.map_or(0, |p| p.channel_count as usize);
            let output = config.main_output.map_or(0, |p| p.channel_count as usize);
            (input == main_input_channels).then(|| {
                (
                    config.id,
                    String::from_utf8_lossy(config.name).into_owned(),
                    output,
                )
            })
        });
        let (id, name, outputs) = found
            .ok_or_else(|| format!("no configuration with {main_input_channels} input channels"))?;
        configs
            .select(&handle, id)
            .map_err(|e| format!("selecting {name:?}: {e}"))?;
        self.channels = (main_input_channels, outputs);
        // The configuration decides the aux ports too: read them again.
        let audio_ports = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginAudioPorts>();
        self.in_port_channels = port_channels(&mut self.instance, audio_ports, true);
        self.out_port_channels = port_channels(&mut self.instance, audio_ports, false);
        self.in_ports = audio_ports_for(&self.in_port_channels);
        self.out_ports = audio_ports_for(&self.out_port_channels);
        Ok(name)
    }

    /// Run the plugin's `on_main_thread` if it asked for it, honour flush requests, and check the
    /// latency contract: while active, the latency may only move together with a restart
    /// request (latency.h). Then fail the test on any violation recorded so far.
    fn service_main_thread(&mut self) {
        let requested = self
            .instance
            .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::SeqCst));
        if requested {
            self.instance.call_on_main_thread_callback();
        }
        let flush = self
            .instance
            .access_shared_handler(|s| s.flush_requested.swap(false, Ordering::SeqCst));
        // While processing the plugin gets its changes through process instead (params.h).
        if flush && !self.is_processing() {
            self.flush_events(&[]);
        }
        if let (Some(latency), Some(known)) = (self.latency, self.known_latency) {
            if self.processor.is_some() {
                let now = latency.get(&self.instance.plugin_handle());
                let restart = self.restart_requested();
                if now != known && !restart {
                    self.contract().violation(
                        &format!("latency {known} -> {now} while active"),
                        "latency.h: the latency is only allowed to change during \
                         plugin->activate; if the plugin is activated, call \
                         host->request_restart()",
                    );
                    // Report each move once.
                    self.known_latency = Some(now);
                }
            }
        }
        self.contract().check("the main thread's turn");
    }

    /// The contract this host checks the plugin against.
    fn contract(&self) -> &Contract {
        &self.contract
    }

    /// Every contract violation recorded so far.
    pub fn violations(&self) -> Vec<String> {
        self.contract().violations()
    }

    /// Whether a violation fails the test at the host's next step (the default), or only goes
    /// into [`ClapPlugin::violations`].
    pub fn set_panic_on_violation(&mut self, panic: bool) {
        self.contract().set_panic_on_violation(panic);
    }

    /// Whether the plugin asked for a restart since the last activation.
    pub fn restart_requested(&self) -> bool {
        self.instance
            .access_shared_handler(|s| s.restart_requested.load(Ordering::SeqCst))
    }

    fn is_processing(&self) -> bool {
        self.processor.as_ref().is_some_and(|p| p.is_started())
    }

    /// Read `clock` right before and after every call of the plugin's `process` (only that call:
    /// not the buffer copies or event sorting around it) and add the difference to
    /// [`ClapPlugin::process_clock_total`]. `None` turns the timing off.
    pub fn set_process_clock(&mut self, clock: Option<fn() -> u64>) {
        self.process_clock = clock;
    }

    /// Sum of the clock differences measured around `process` since the clock was set.
    pub fn process_clock_total(&self) -> u64 {
        self.process_clock_total
    }

    fn range(&self, id: u32) -> ParamRange {
        self.ranges
            .get(&id)
            .copied()
            .unwrap_or(ParamRange { min: 0.0, max: 1.0 })
    }

    /// Flush parameter events outside processing: on the main thread while inactive, on the
    /// audio thread while active and not processing (params.h). Never called while processing.
    fn flush_events(&mut self, events: &[ParamValueEvent]) {
        let Some(params) = self.params else { return };
        let mut input = EventBuffer::with_capacity(events.len());
        for e in events {
            input.push(e);
        }
        let mut output = EventBuffer::new();
        let contract = self.contract.clone();
        match self.processor.as_mut() {
            Some(PluginAudioProcessor::Stopped(processor)) => {
                let mut handle = processor.plugin_handle();
                contract.audio_call(|| {
                    params.flush_active(&mut handle, &input.as_input(), &mut output.as_output())
                });
            }
            Some(PluginAudioProcessor::Started(_)) => {
                panic!("host bug: params.flush while processing (params.h forbids it)")
            }
            None => {
                if let Some(mut handle) = self.instance.inactive_plugin_handle() {
                    params.flush(&mut handle, &input.as_input(), &mut output.as_output());
                }
            }
        }
    }
}

impl PluginHost for ClapPlugin {
    fn format(&self) -> Format {
        Format::Clap
    }

    fn descriptor(&self) -> Descriptor {
        self.descriptor.clone()
    }

    fn main_channels(&self) -> (usize, usize) {
        self.channels
    }

    fn aux_input_channels(&self) -> Vec<usize> {
        self.in_port_channels.iter().skip(1).copied().collect()
    }

    fn params(&mut self) -> Vec<ParamInfo> {
        let Some(params) = self.params else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut out = Vec::new();
        let mut ranges = HashMap::new();
        for index in 0..params.count(&handle) {
            let mut buf = ParamInfoBuffer::new();
            let Some(info) = params.get_info(&handle, index, &mut buf) else {
                panic!("params.get_info({index}) failed");
            };
            let range = ParamRange {
                min: info.min_value,
                max: info.max_value,
            };
            ranges.insert(info.id.get(), range);
            let stepped = info.flags.contains(ParamInfoFlags::IS_STEPPED);
            let step_count = if stepped {
                (info.max_value - info.min_value).round() as u32
            } else {
                0
            };
            out.push(ParamInfo {
                id: info.id.get(),
                name: cstr_bytes(info.name),
                default_normalized: range.to_normalized(info.default_value),
                step_count,
                automatable: info.flags.contains(ParamInfoFlags::IS_AUTOMATABLE),
            });
        }
        self.ranges = ranges;
        out
    }

    fn param_value(&mut self, id: u32) -> f64 {
        let params = self.params.expect("plugin has no params extension");
        let handle = self.instance.plugin_handle();
        let v = params
            .get_value(&handle, ClapId::new(id))
            .unwrap_or_else(|| panic!("params.get_value({id}) failed"));
        self.range(id).to_normalized(v)
    }

    fn value_to_text(&mut self, id: u32, normalized: f64) -> Option<String> {
        let params = self.params?;
        let value = self.range(id).to_clap(normalized);
        let handle = self.instance.plugin_handle();
        let mut buf = [0u8; 256];
        let text = params
            .value_to_text(&handle, ClapId::new(id), value, &mut buf)
            .ok()?;
        Some(String::from_utf8_lossy(text).into_owned())
    }

    fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let params = self.params?;
        let c = CString::new(text).ok()?;
        let handle = self.instance.plugin_handle();
        let v = params.text_to_value(&handle, ClapId::new(id), &c)?;
        Some(self.range(id).to_normalized(v))
    }

    fn set_param(&mut self, id: u32, normalized: f64) {
        if self.is_processing() {
            // params.h: flush "must not be used if the plugin is processing"; a host sends the
            // change with the next block instead.
            self.pending_values.retain(|e| e.param_id != id);
            self.pending_values.push(ParamEvent {
                time: 0,
                param_id: id,
                value: normalized,
            });
            return;
        }
        let value = self.range(id).to_clap(normalized);
        let event = ParamValueEvent::new(0, ClapId::new(id), Pckn::match_all(), value);
        self.flush_events(&[event]);
        if !self.defer_main_thread {
            self.service_main_thread();
        }
        self.contract.check("params.flush");
    }

    fn activate(&mut self, sample_rate: f64, max_block: u32) {
        if self.processor.is_some() {
            self.deactivate();
        }
        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block,
        };
        self.instance.access_shared_handler(|s| {
            s.restart_requested.store(false, Ordering::SeqCst);
            s.latency_changed_in_activate.store(false, Ordering::SeqCst);
        });
        self.contract.set_lifecycle(Lifecycle::Activating);
        let stopped = self
            .instance
            .activate(|shared, _| AudioThread { shared }, config)
            .unwrap_or_else(|e| panic!("activate({sample_rate}, {max_block}): {e}"));
        self.contract.set_lifecycle(Lifecycle::Active);
        self.config = Some((sample_rate, max_block));
        self.processor = Some(stopped.into());
        // What a host does right after activate: read the latency. latency.h: it may only change
        // during activate, and the plugin must say so there with latency.changed().
        if let Some(latency) = self.latency {
            let now = latency.get(&self.instance.plugin_handle());
            let told = self
                .instance
                .access_shared_handler(|s| s.latency_changed_in_activate.load(Ordering::SeqCst));
            if let Some(known) = self.known_latency {
                if now != known && !told {
                    self.contract.violation(
                        &format!("latency {known} -> {now} at activate"),
                        "latency.h: a latency change must be reported with \
                         host_latency->changed() during plugin->activate",
                    );
                }
            }
            self.known_latency = Some(now);
        }
        let n = max_block as usize;
        let buffers = |port_channels: &[usize]| -> Vec<Vec<Vec<f32>>> {
            port_channels
                .iter()
                .map(|&channels| vec![vec![0.0; n]; channels])
                .collect()
        };
        self.in_bufs = buffers(&self.in_port_channels);
        self.out_bufs = buffers(&self.out_port_channels);
        self.steady_time = 0;
        self.start_processing();
    }

    fn deactivate(&mut self) {
        if let Some(mut processor) = self.processor.take() {
            let contract = self.contract.clone();
            contract.audio_call(|| {
                processor.ensure_processing_stopped();
            });
            self.instance.deactivate(processor.into_stopped());
            self.contract.set_lifecycle(Lifecycle::Inactive);
        }
        self.pending_values.clear();
        self.pending_mods.clear();
        if !self.defer_main_thread {
            self.service_main_thread();
        }
        self.contract.check("deactivate");
    }

    fn start_processing(&mut self) {
        let contract = self.contract.clone();
        let processor = self
            .processor
            .as_mut()
            .expect("start_processing() before activate()");
        if !processor.is_started() {
            contract
                .audio_call(|| processor.start_processing().map(|_| ()))
                .unwrap_or_else(|e| panic!("start_processing: {e}"));
            contract.set_lifecycle(Lifecycle::Processing);
        }
        if !self.defer_main_thread {
            self.service_main_thread();
        }
        self.contract.check("start_processing");
    }

    fn stop_processing(&mut self) {
        let contract = self.contract.clone();
        if let Some(processor) = self.processor.as_mut() {
            if processor.is_started() {
                contract.audio_call(|| {
                    processor.ensure_processing_stopped();
                });
                contract.set_lifecycle(Lifecycle::Active);
            }
        }
        if !self.defer_main_thread {
            self.service_main_thread();
        }
        self.contract.check("stop_processing");
    }

    fn queue_modulation(&mut self, time: u32, id: u32, amount: f64) -> bool {
        let range = self.range(id);
        self.pending_mods
            .push((time, id, amount * (range.max - range.min)));
        true
    }

    fn restart_if_requested(&mut self) -> bool {
        let Some((rate, block)) = self.config else {
            return false;
        };
        if self.processor.is_none() || !self.restart_requested() {
            return false;
        }
        self.deactivate();
        self.activate(rate, block);
        true
    }

    fn set_deferred_main_thread(&mut self, deferred: bool) {
        self.defer_main_thread = deferred;
    }

    fn contract_violations(&mut self) -> Vec<String> {
        self.violations()
    }

    fn process_with_aux(
        &mut self,
        inputs: &[&[f32]],
        aux: &[&[f32]],
        outputs: &mut [&mut [f32]],
        events: &[ParamEvent],
    ) -> ProcessOutcome {
        let frames = outputs
            .first()
            .map(|o| o.len())
            .or_else(|| inputs.first().map(|i| i.len()))
            .or_else(|| aux.first().map(|a| a.len()))
            .unwrap_or(0);
        let aux_capacity: usize = self.in_port_channels.iter().skip(1).sum();
        assert!(
            aux.len() <= aux_capacity,
            "{} aux channels given, the plugin's aux inputs have {aux_capacity}",
            aux.len()
        );
        // Port 0 hears `inputs`, the aux ports hear `aux` in order; what is not given is silence
        // (also clearing what an earlier call left there).
        let main_ports = self.in_bufs.len().min(1);
        let (main_bufs, aux_bufs) = self.in_bufs.split_at_mut(main_ports);
        for (bufs, sources) in [(main_bufs, inputs), (aux_bufs, aux)] {
            for (c, buf) in bufs.iter_mut().flatten().enumerate() {
                match sources.get(c) {
                    Some(src) => buf[..frames].copy_from_slice(&src[..frames]),
                    None => buf[..frames].fill(0.0),
                }
            }
        }
        if self.aux_absence.is_some() {
            assert!(
                aux.is_empty(),
                "aux given while the sidechain is unconnected"
            );
        }
        if self.aux_absence == Some(AuxAbsence::Omitted) {
            for buf in self.in_bufs.iter_mut().skip(main_ports).flatten() {
                fill_stale_aux(&mut buf[..frames]);
            }
        }
        for buf in self.out_bufs.iter_mut().flatten() {
            buf[..frames].fill(0.0);
        }

        self.events.clear();
        // Changes set while processing come first, then this block's events and modulation, in
        // time order (a stable sort keeps a value before a modulation at the same time).
        let pending_values = std::mem::take(&mut self.pending_values);
        let pending_mods = std::mem::take(&mut self.pending_mods);
        let mut sorted: Vec<(u32, u32, f64, bool)> = pending_values
            .iter()
            .chain(events)
            .map(|e| {
                (
                    e.time,
                    e.param_id,
                    self.range(e.param_id).to_clap(e.value),
                    false,
                )
            })
            .chain(pending_mods.iter().map(|&(t, id, a)| (t, id, a, true)))
            .collect();
        sorted.sort_by_key(|e| e.0);
        for &(time, id, value, modulation) in &sorted {
            if modulation {
                self.events.push(&ParamModEvent::new(
                    time,
                    ClapId::new(id),
                    Pckn::match_all(),
                    value,
                ));
            } else {
                self.events.push(&ParamValueEvent::new(
                    time,
                    ClapId::new(id),
                    Pckn::match_all(),
                    value,
                ));
            }
        }
        self.out_events.clear();

        let processor = self
            .processor
            .as_mut()
            .expect("process() called before activate()")
            .as_started_mut()
            .expect("process() while not processing (call start_processing())");
        let input_audio = self
            .in_ports
            .with_input_buffers(self.in_bufs.iter_mut().map(|port| {
                AudioPortBuffer {
                    latency: 0,
                    channels: AudioPortBufferType::f32_input_only(
                        port.iter_mut()
                            .map(move |b| InputChannel::variable(&mut b[..frames])),
                    ),
                }
            }));
        // An unconnected sidechain: the same port descriptions, the aux ones emptied or left past
        // the count (`aux_absence`).
        let mut raw_inputs = input_audio.as_raw_buffers().to_vec();
        let port_count = match self.aux_absence {
            None => raw_inputs.len(),
            Some(AuxAbsence::Disconnected) => {
                for port in raw_inputs.iter_mut().skip(main_ports) {
                    port.data32 = std::ptr::null_mut();
                    port.channel_count = 0;
                    port.constant_mask = 0;
                }
                raw_inputs.len()
            }
            Some(AuxAbsence::Omitted) => main_ports,
        };
        // SAFETY: the descriptions point at `self.in_bufs`, untouched until the call returns.
        let unconnected = self.aux_absence.map(|_| unsafe {
            InputAudioBuffers::from_raw_buffers(&raw_inputs[..port_count], frames as u32)
        });
        let input_audio = unconnected.unwrap_or(input_audio);
        let mut output_audio = self
            .out_ports
            .with_output_buffers(self.out_bufs.iter_mut().map(|port| AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    port.iter_mut().map(move |b| &mut b[..frames]),
                ),
            }));
        // A stopped transport at the song start carrying only the tempo.
        let transport = self.tempo.map(|tempo| TransportEvent {
            header: EventHeader::new_core(0, EventFlags::empty()),
            flags: TransportFlags::HAS_TEMPO,
            song_pos_beats: BeatTime::from_int(0),
            song_pos_seconds: SecondsTime::from_int(0),
            tempo,
            tempo_inc: 0.0,
            loop_start_beats: BeatTime::from_int(0),
            loop_end_beats: BeatTime::from_int(0),
            loop_start_seconds: SecondsTime::from_int(0),
            loop_end_seconds: SecondsTime::from_int(0),
            bar_start: BeatTime::from_int(0),
            bar_number: 0,
            time_signature_numerator: 4,
            time_signature_denominator: 4,
        });
        let was_audio = self.contract.set_audio_call(true);
        let clock_start = self.process_clock.map(|clock| clock());
        let status = processor.process(
            &input_audio,
            &mut output_audio,
            &self.events.as_input(),
            &mut self.out_events.as_output(),
            Some(self.steady_time),
            transport.as_ref(),
        );
        if let (Some(clock), Some(start)) = (self.process_clock, clock_start) {
            self.process_clock_total += clock().saturating_sub(start);
        }
        self.contract.set_audio_call(was_audio);
        self.steady_time += frames as u64;

        let main_out = self.out_bufs.first().map_or(&[][..], Vec::as_slice);
        for (c, dst) in outputs.iter_mut().enumerate() {
            match main_out.get(c) {
                Some(src) => dst[..frames].copy_from_slice(&src[..frames]),
                None => dst[..frames].fill(0.0),
            }
        }
        if !self.defer_main_thread {
            self.service_main_thread();
        }
        self.contract.check("process");

        match status {
            Ok(ProcessStatus::Continue) => ProcessOutcome::Continue,
            Ok(ProcessStatus::ContinueIfNotQuiet) => ProcessOutcome::ContinueIfNotQuiet,
            Ok(ProcessStatus::Tail) => ProcessOutcome::Tail,
            Ok(ProcessStatus::Sleep) => ProcessOutcome::Sleep,
            Err(_) => ProcessOutcome::Error,
        }
    }

    fn set_tempo(&mut self, bpm: f64) {
        self.tempo = Some(bpm);
    }

    fn set_track_name(&mut self, name: &str) -> bool {
        self.contract
            .require_main_thread("track_info.changed", "track-info.h: [main-thread]");
        self.instance
            .access_shared_handler(|s| *s.track_name.lock().unwrap() = Some(leak(name)));
        let Some(track_info) = self.track_info else {
            return false;
        };
        track_info.changed(&self.instance.plugin_handle());
        self.service_main_thread();
        self.contract.check("track_info.changed");
        true
    }

    fn set_aux_absence(&mut self, absence: Option<AuxAbsence>) {
        assert!(
            self.processor.is_none(),
            "set_aux_absence while active: a host routes a sidechain between activations"
        );
        self.aux_absence = absence;
    }

    fn latency(&mut self) -> u32 {
        let Some(latency) = self.latency else {
            return 0;
        };
        // latency.h: get is [main-thread & active]; while inactive the host knows what it read
        // at the last activation.
        if self.processor.is_none() {
            return self.known_latency.unwrap_or(0);
        }
        let handle = self.instance.plugin_handle();
        latency.get(&handle)
    }

    fn tail(&mut self) -> u32 {
        let (Some(tail), Some(processor)) = (self.tail, self.processor.as_mut()) else {
            return 0;
        };
        match tail.get(&processor.plugin_handle()) {
            TailLength::Infinite => u32::MAX,
            TailLength::Finite(n) => n,
        }
    }

    fn save_state(&mut self) -> Vec<u8> {
        let state = self.state.expect("plugin has no state extension");
        let handle = self.instance.plugin_handle();
        let mut out = Vec::new();
        state
            .save(&handle, &mut out)
            .unwrap_or_else(|e| panic!("state.save failed: {e}"));
        out
    }

    fn load_state(&mut self, data: &[u8]) -> bool {
        let Some(state) = self.state else {
            return false;
        };
        let handle = self.instance.plugin_handle();
        let mut reader = Cursor::new(data);
        let ok = state.load(&handle, &mut reader).is_ok();
        self.service_main_thread();
        ok
    }

    fn open_editor(&mut self, parent_window: u32) -> Result<(u32, u32), String> {
        let gui = self.gui.ok_or("plugin has no gui extension")?;
        let config = GuiConfiguration {
            api_type: GuiApiType::X11,
            is_floating: false,
        };
        let handle = self.instance.plugin_handle();
        if !gui.is_api_supported(&handle, config) {
            return Err("plugin does not support embedded X11 editors".into());
        }
        gui.create(&handle, config)
            .map_err(|e| format!("gui.create: {e}"))?;
        self.gui_created = true;
        // The X11 window id is a C `unsigned long`: u64 on Linux, u32 on Windows.
        #[allow(clippy::useless_conversion)]
        let parent = Window::from_x11_handle(parent_window.into());
        // SAFETY: the caller keeps the X11 parent window alive until close_editor().
        unsafe { gui.set_parent(&handle, parent) }.map_err(|e| format!("gui.set_parent: {e}"))?;
        let size = gui.get_size(&handle).ok_or("gui.get_size failed")?;
        gui.show(&handle).map_err(|e| format!("gui.show: {e}"))?;
        self.service_main_thread();
        Ok((size.width, size.height))
    }

    fn close_editor(&mut self) {
        if !self.gui_created {
            return;
        }
        if let Some(gui) = self.gui {
            let handle = self.instance.plugin_handle();
            let _ = gui.hide(&handle);
            gui.destroy(&handle);
        }
        self.gui_created = false;
        self.service_main_thread();
    }

    fn idle(&mut self) {
        self.service_main_thread();
    }
}

impl Drop for ClapPlugin {
    fn drop(&mut self) {
        self.close_editor();
        self.deactivate();
    }
}
