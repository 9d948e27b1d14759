//! Gel Latency Violator: a test-only plugin that breaks the CLAP latency contract on purpose.
//!
//! It does what nice-plug 0.4.2's CLAP wrapper did before `vendor/nice-plug` fixed it: whenever
//! its latency changes it calls `host->latency->changed()` at once, wherever it is. The CLAP
//! latency extension allows that call only on the main thread during `plugin->activate`; while
//! active a plugin must `request_restart()` and report the new latency in the next activate. So:
//! - a `params.flush` while deactivated calls `changed()` outside `activate`;
//! - a parameter event in `process` calls it from the audio thread, and the latency moves while
//!   active with no restart request; it also calls `params.rescan(CLAP_PARAM_RESCAN_ALL)` there,
//!   which params.h allows only on the main thread while deactivated.
//!
//! A second plugin in the same factory, "Gel Latency Violator (eager)", also calls
//! `host->request_callback()` from inside `create_plugin`, where plugin-factory.h forbids host
//! callbacks. The strict CLAP host must record all of these (tests/tests/strict_host.rs). The plugin has one
//! stepped parameter, "Latency" (0..[`MAX_LATENCY`] samples), and passes stereo audio through
//! unchanged (it does not delay anything: only the report matters here).
//!
//! The CLAP side is written by hand against clap-sys so no wrapper can correct it. The VST3 side
//! is a nice-plug pass-through with the same name, only there because `cargo xtask test` copies
//! both bundles of every test plugin (xtask's `TEST_ONLY_PLUGINS`); `bundle --all` and `install`
//! never ship it.

use std::ffi::{c_char, c_void, CStr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use clap_sys::audio_buffer::clap_audio_buffer;
use clap_sys::entry::clap_plugin_entry;
use clap_sys::events::{
    clap_event_header, clap_event_param_value, clap_input_events, clap_output_events,
    CLAP_CORE_EVENT_SPACE_ID, CLAP_EVENT_PARAM_VALUE,
};
use clap_sys::ext::audio_ports::{
    clap_audio_port_info, clap_plugin_audio_ports, CLAP_AUDIO_PORT_IS_MAIN, CLAP_EXT_AUDIO_PORTS,
    CLAP_PORT_STEREO,
};
use clap_sys::ext::latency::{clap_host_latency, clap_plugin_latency, CLAP_EXT_LATENCY};
use clap_sys::ext::params::{
    clap_host_params, clap_param_info, clap_plugin_params, CLAP_EXT_PARAMS,
    CLAP_PARAM_IS_AUTOMATABLE, CLAP_PARAM_IS_STEPPED, CLAP_PARAM_RESCAN_ALL,
};
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::host::clap_host;
use clap_sys::id::{clap_id, CLAP_INVALID_ID};
use clap_sys::plugin::{clap_plugin, clap_plugin_descriptor};
use clap_sys::process::{clap_process, clap_process_status, CLAP_PROCESS_CONTINUE};
use clap_sys::version::CLAP_VERSION;

/// The CLAP id of the one parameter, "Latency" (plain value = samples).
pub const LATENCY_PARAM_ID: u32 = 0;
/// Largest latency the parameter sets, in samples.
pub const MAX_LATENCY: u32 = 1000;

const PLUGIN_ID: &CStr = c"org.gel-audio.latency-violator";
/// The plugin that also calls the host from inside `create_plugin`.
pub const EAGER_PLUGIN_ID: &CStr = c"org.gel-audio.latency-violator.eager";

/// One instance: the `clap_plugin` the host holds points back here through `plugin_data`.
#[repr(C)]
struct Violator {
    plugin: clap_plugin,
    host: *const clap_host,
    /// The host's latency extension, queried in `init` (null when the host has none).
    host_latency: *const clap_host_latency,
    /// The host's params extension, queried in `init` (null when the host has none).
    host_params: *const clap_host_params,
    latency: AtomicU32,
}

impl Violator {
    /// # Safety
    /// `plugin` is a pointer this library handed out and has not destroyed.
    unsafe fn from(plugin: *const clap_plugin) -> &'static Violator {
        unsafe { &*((*plugin).plugin_data as *const Violator) }
    }

    /// The violation: report a new latency to the host at once, from whatever thread and state
    /// the change arrives in.
    fn set_latency(&self, samples: u32) {
        let old = self.latency.swap(samples, Ordering::SeqCst);
        if old != samples && !self.host_latency.is_null() {
            // SAFETY: the host's extension pointer stays valid for the instance's life.
            unsafe {
                if let Some(changed) = (*self.host_latency).changed {
                    changed(self.host);
                }
            }
        }
    }

    /// The second violation, from `process`: tell the host every parameter changed.
    fn rescan_all_params(&self) {
        if self.host_params.is_null() {
            return;
        }
        // SAFETY: the host's extension pointer stays valid for the instance's life.
        unsafe {
            if let Some(rescan) = (*self.host_params).rescan {
                rescan(self.host, CLAP_PARAM_RESCAN_ALL);
            }
        }
    }

    /// Apply every "Latency" value event in `events`; returns whether one arrived.
    ///
    /// # Safety
    /// `events` is a valid host event list.
    unsafe fn read_events(&self, events: *const clap_input_events) -> bool {
        if events.is_null() {
            return false;
        }
        let events = unsafe { &*events };
        let (Some(size), Some(get)) = (events.size, events.get) else {
            return false;
        };
        let mut any = false;
        for index in 0..unsafe { size(events) } {
            let header: *const clap_event_header = unsafe { get(events, index) };
            if header.is_null() {
                continue;
            }
            let h = unsafe { &*header };
            if h.space_id == CLAP_CORE_EVENT_SPACE_ID && h.type_ == CLAP_EVENT_PARAM_VALUE {
                let event = unsafe { &*(header as *const clap_event_param_value) };
                if event.param_id == LATENCY_PARAM_ID {
                    self.set_latency(event.value.clamp(0.0, MAX_LATENCY as f64) as u32);
                    any = true;
                }
            }
        }
        any
    }
}

unsafe extern "C" fn init(plugin: *const clap_plugin) -> bool {
    let this = unsafe { &mut *((*plugin).plugin_data as *mut Violator) };
    let host = unsafe { &*this.host };
    if let Some(get_extension) = host.get_extension {
        this.host_latency =
            unsafe { get_extension(this.host, CLAP_EXT_LATENCY.as_ptr()) } as *const _;
        this.host_params =
            unsafe { get_extension(this.host, CLAP_EXT_PARAMS.as_ptr()) } as *const _;
    }
    true
}

unsafe extern "C" fn destroy(plugin: *const clap_plugin) {
    drop(unsafe { Box::from_raw((*plugin).plugin_data as *mut Violator) });
}

unsafe extern "C" fn activate(_: *const clap_plugin, _: f64, _: u32, _: u32) -> bool {
    true
}

unsafe extern "C" fn deactivate(_: *const clap_plugin) {}

unsafe extern "C" fn start_processing(_: *const clap_plugin) -> bool {
    true
}

unsafe extern "C" fn stop_processing(_: *const clap_plugin) {}

unsafe extern "C" fn reset(_: *const clap_plugin) {}

/// Copy each input channel to the output channel of the same index.
///
/// # Safety
/// The buffers are the host's for this call.
unsafe fn pass_through(input: &clap_audio_buffer, output: &clap_audio_buffer, frames: usize) {
    if input.data32.is_null() || output.data32.is_null() {
        return;
    }
    for c in 0..input.channel_count.min(output.channel_count) as usize {
        let (src, dst) = unsafe { (*input.data32.add(c), *output.data32.add(c)) };
        if !src.is_null() && !dst.is_null() && !std::ptr::eq(src, dst) {
            unsafe { std::ptr::copy_nonoverlapping(src, dst, frames) };
        }
    }
}

unsafe extern "C" fn process(
    plugin: *const clap_plugin,
    process: *const clap_process,
) -> clap_process_status {
    let this = unsafe { Violator::from(plugin) };
    let process = unsafe { &*process };
    if unsafe { this.read_events(process.in_events) } {
        this.rescan_all_params();
    }
    if process.audio_inputs_count > 0 && process.audio_outputs_count > 0 {
        unsafe {
            pass_through(
                &*process.audio_inputs,
                &*process.audio_outputs,
                process.frames_count as usize,
            )
        };
    }
    CLAP_PROCESS_CONTINUE
}

unsafe extern "C" fn get_extension(_: *const clap_plugin, id: *const c_char) -> *const c_void {
    let id = unsafe { CStr::from_ptr(id) };
    if id == CLAP_EXT_LATENCY {
        &LATENCY as *const _ as *const c_void
    } else if id == CLAP_EXT_PARAMS {
        &PARAMS as *const _ as *const c_void
    } else if id == CLAP_EXT_AUDIO_PORTS {
        &AUDIO_PORTS as *const _ as *const c_void
    } else {
        std::ptr::null()
    }
}

unsafe extern "C" fn on_main_thread(_: *const clap_plugin) {}

unsafe extern "C" fn latency_get(plugin: *const clap_plugin) -> u32 {
    unsafe { Violator::from(plugin) }
        .latency
        .load(Ordering::SeqCst)
}

static LATENCY: clap_plugin_latency = clap_plugin_latency {
    get: Some(latency_get),
};

unsafe extern "C" fn params_count(_: *const clap_plugin) -> u32 {
    1
}

/// Copy `text` into a fixed-size C string field, NUL-terminated.
fn write_c_string(dst: &mut [c_char], text: &str) {
    let n = text.len().min(dst.len() - 1);
    for (d, b) in dst.iter_mut().zip(&text.as_bytes()[..n]) {
        *d = *b as c_char;
    }
    dst[n] = 0;
}

unsafe extern "C" fn params_get_info(
    _: *const clap_plugin,
    index: u32,
    info: *mut clap_param_info,
) -> bool {
    if index != 0 {
        return false;
    }
    let info = unsafe { &mut *info };
    info.id = LATENCY_PARAM_ID;
    info.flags = CLAP_PARAM_IS_STEPPED | CLAP_PARAM_IS_AUTOMATABLE;
    info.cookie = std::ptr::null_mut();
    write_c_string(&mut info.name, "Latency");
    write_c_string(&mut info.module, "");
    info.min_value = 0.0;
    info.max_value = MAX_LATENCY as f64;
    info.default_value = 0.0;
    true
}

unsafe extern "C" fn params_get_value(
    plugin: *const clap_plugin,
    id: clap_id,
    value: *mut f64,
) -> bool {
    if id != LATENCY_PARAM_ID {
        return false;
    }
    unsafe { *value = latency_get(plugin) as f64 };
    true
}

unsafe extern "C" fn params_value_to_text(
    _: *const clap_plugin,
    id: clap_id,
    value: f64,
    display: *mut c_char,
    size: u32,
) -> bool {
    if id != LATENCY_PARAM_ID || size == 0 {
        return false;
    }
    let dst = unsafe { std::slice::from_raw_parts_mut(display, size as usize) };
    write_c_string(dst, &format!("{}", value.round() as u32));
    true
}

unsafe extern "C" fn params_text_to_value(
    _: *const clap_plugin,
    id: clap_id,
    display: *const c_char,
    value: *mut f64,
) -> bool {
    if id != LATENCY_PARAM_ID {
        return false;
    }
    let text = unsafe { CStr::from_ptr(display) }.to_string_lossy();
    match text.trim().parse::<f64>() {
        Ok(v) => {
            unsafe { *value = v.clamp(0.0, MAX_LATENCY as f64) };
            true
        }
        Err(_) => false,
    }
}

unsafe extern "C" fn params_flush(
    plugin: *const clap_plugin,
    in_events: *const clap_input_events,
    _out: *const clap_output_events,
) {
    unsafe { Violator::from(plugin).read_events(in_events) };
}

static PARAMS: clap_plugin_params = clap_plugin_params {
    count: Some(params_count),
    get_info: Some(params_get_info),
    get_value: Some(params_get_value),
    value_to_text: Some(params_value_to_text),
    text_to_value: Some(params_text_to_value),
    flush: Some(params_flush),
};

unsafe extern "C" fn ports_count(_: *const clap_plugin, _is_input: bool) -> u32 {
    1
}

unsafe extern "C" fn ports_get(
    _: *const clap_plugin,
    index: u32,
    is_input: bool,
    info: *mut clap_audio_port_info,
) -> bool {
    if index != 0 {
        return false;
    }
    let info = unsafe { &mut *info };
    info.id = 0;
    write_c_string(&mut info.name, if is_input { "Input" } else { "Output" });
    info.flags = CLAP_AUDIO_PORT_IS_MAIN;
    info.channel_count = 2;
    info.port_type = CLAP_PORT_STEREO.as_ptr();
    info.in_place_pair = CLAP_INVALID_ID;
    true
}

static AUDIO_PORTS: clap_plugin_audio_ports = clap_plugin_audio_ports {
    count: Some(ports_count),
    get: Some(ports_get),
};

/// The descriptor's feature list: a NULL-terminated array of C strings.
struct Features([*const c_char; 3]);
// SAFETY: pointers to static string literals, never written.
unsafe impl Sync for Features {}

static FEATURES: Features = Features([
    c"audio-effect".as_ptr(),
    c"utility".as_ptr(),
    std::ptr::null(),
]);

/// The descriptor's fields in a static need a `Sync` wrapper around the array.
struct Descriptors([clap_plugin_descriptor; 2]);
// SAFETY: pointers to static data, never written.
unsafe impl Sync for Descriptors {}

static DESCRIPTORS: Descriptors = Descriptors([DESCRIPTOR, EAGER_DESCRIPTOR]);

const EAGER_DESCRIPTOR: clap_plugin_descriptor = clap_plugin_descriptor {
    id: EAGER_PLUGIN_ID.as_ptr(),
    name: c"Gel Latency Violator (eager)".as_ptr(),
    description: c"Test-only: also calls the host inside create_plugin".as_ptr(),
    ..DESCRIPTOR
};

const DESCRIPTOR: clap_plugin_descriptor = clap_plugin_descriptor {
    clap_version: CLAP_VERSION,
    id: PLUGIN_ID.as_ptr(),
    name: c"Gel Latency Violator".as_ptr(),
    vendor: c"Gel".as_ptr(),
    url: c"https://gel-audio.org".as_ptr(),
    manual_url: c"".as_ptr(),
    support_url: c"".as_ptr(),
    version: c"0.1.0".as_ptr(),
    description: c"Test-only: reports latency changes outside activate".as_ptr(),
    features: &FEATURES.0 as *const _ as *const *const c_char,
};

unsafe extern "C" fn factory_count(_: *const clap_plugin_factory) -> u32 {
    DESCRIPTORS.0.len() as u32
}

unsafe extern "C" fn factory_descriptor(
    _: *const clap_plugin_factory,
    index: u32,
) -> *const clap_plugin_descriptor {
    DESCRIPTORS
        .0
        .get(index as usize)
        .map_or(std::ptr::null(), |d| d as *const _)
}

unsafe extern "C" fn factory_create(
    _: *const clap_plugin_factory,
    host: *const clap_host,
    id: *const c_char,
) -> *const clap_plugin {
    if host.is_null() || id.is_null() {
        return std::ptr::null();
    }
    let id = unsafe { CStr::from_ptr(id) };
    let Some(desc) = DESCRIPTORS
        .0
        .iter()
        .find(|d| unsafe { CStr::from_ptr(d.id) } == id)
    else {
        return std::ptr::null();
    };
    if id == EAGER_PLUGIN_ID {
        // The violation: a host callback before `init`.
        if let Some(request_callback) = unsafe { (*host).request_callback } {
            unsafe { request_callback(host) };
        }
    }
    let this = Box::into_raw(Box::new(Violator {
        plugin: clap_plugin {
            desc,
            plugin_data: std::ptr::null_mut(),
            init: Some(init),
            destroy: Some(destroy),
            activate: Some(activate),
            deactivate: Some(deactivate),
            start_processing: Some(start_processing),
            stop_processing: Some(stop_processing),
            reset: Some(reset),
            process: Some(process),
            get_extension: Some(get_extension),
            on_main_thread: Some(on_main_thread),
        },
        host,
        host_latency: std::ptr::null(),
        host_params: std::ptr::null(),
        latency: AtomicU32::new(0),
    }));
    // SAFETY: just allocated; `destroy` frees it.
    unsafe {
        (*this).plugin.plugin_data = this as *mut c_void;
        &(*this).plugin
    }
}

static FACTORY: clap_plugin_factory = clap_plugin_factory {
    get_plugin_count: Some(factory_count),
    get_plugin_descriptor: Some(factory_descriptor),
    create_plugin: Some(factory_create),
};

unsafe extern "C" fn entry_init(_path: *const c_char) -> bool {
    true
}

unsafe extern "C" fn entry_deinit() {}

unsafe extern "C" fn entry_get_factory(id: *const c_char) -> *const c_void {
    if !id.is_null() && unsafe { CStr::from_ptr(id) } == CLAP_PLUGIN_FACTORY_ID {
        &FACTORY as *const _ as *const c_void
    } else {
        std::ptr::null()
    }
}

/// The CLAP entry point the host looks up.
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals)]
pub static clap_entry: clap_plugin_entry = clap_plugin_entry {
    clap_version: CLAP_VERSION,
    init: Some(entry_init),
    deinit: Some(entry_deinit),
    get_factory: Some(entry_get_factory),
};

// ---- VST3: a nice-plug pass-through, so the test bundle set is complete. ----

use nice_plug::prelude::*;

/// No parameters on the VST3 side.
#[derive(Params, Default)]
pub struct NoParams {}

#[derive(Default)]
pub struct LatencyViolatorVst3 {
    params: Arc<NoParams>,
}

impl Plugin for LatencyViolatorVst3 {
    const NAME: &'static str = "Gel Latency Violator";
    const VENDOR: &'static str = "Gel";
    const URL: &'static str = "https://gel-audio.org";
    const EMAIL: &'static str = "";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
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
        _buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        ProcessStatus::Normal
    }
}

impl Vst3Plugin for LatencyViolatorVst3 {
    const VST3_CLASS_ID: [u8; 16] = *b"GelLatencyViol01";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Tools];
}

nice_export_vst3!(LatencyViolatorVst3);
