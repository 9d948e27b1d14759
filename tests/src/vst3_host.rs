//! A small VST3 host over the `vst3` crate's bindings and libloading, enough to drive Gel's
//! bundled `.vst3` binaries behind [`PluginHost`].
//!
//! The flow follows what a DAW does: open the module and call its platform's entry point
//! (`ModuleEntry` on Linux, `InitDll` on Windows, `bundleEntry` on macOS), fetch the
//! factory with `GetPluginFactory`, create the audio class's `IComponent`, `initialize` it with a
//! minimal `IHostApplication`, and find its `IAudioProcessor` and `IEditController` (nice-plug's
//! component is its own controller; a separate controller class is created and connected when a
//! plugin has one). Parameter changes inside `process` travel through this host's own
//! `IParameterChanges`/`IParamValueQueue` COM objects, state through an in-memory `IBStream`, and
//! the editor is attached to an X11 window through `IPlugView` with a minimal `IPlugFrame`.
//!
//! Every audio bus is activated at load, the aux (sidechain) busses too (VST3 busses start
//! inactive, as in a DAW before a sidechain is routed), and every process call carries a buffer for
//! each bus: bus 0 is main, the others are fed from [`PluginHost::process_with_aux`] or with
//! silence. nice-plug 0.4 reads `inputs[1..]` for its aux busses without checking `numInputs`.
//!
//! Strictness ([`crate::strict`]): the component handler is installed before anything is set up
//! or activated; `restartComponent` must come from the UI thread (the loading thread); the
//! latency is read right after `setActive(true)`, and one that moves while active without a
//! `restartComponent(kLatencyChanged)` fails the test. No process call is made outside
//! `setProcessing(true)`. nice-plug on Linux decides "UI thread" by thread id, so in this
//! single-threaded host it calls `restartComponent` inline from `process`; that is not flagged
//! (the thread is the UI thread), while the same call from a plugin-owned thread is.
//!
//! Caveats:
//! - The host does not offer `Steinberg::Linux::IRunLoop` through its `IPlugFrame`. nice-plug does
//!   not need it: without it, it runs GUI tasks on its own event-loop thread.
//! - Loaded modules are never unloaded (no `ModuleExit`/`dlclose`): the plugin's own threads and
//!   thread-local destructors may still run code from the library after an instance is gone.
//!   Each module is opened (and `ModuleEntry` called) once per process and shared by instances.
//! - nice-plug ignores `IEditController::setParamNormalized` while processing, so
//!   [`PluginHost::set_param`] on an active instance also sends a zero-frame `process` call (the
//!   VST3 parameter flush) carrying the change, and the new value holds at once.
//! - `IPlugFrame::resizeView` is accepted and remembered, but the X11 parent is not resized and
//!   `IPlugView::onSize` is not called.
//! - [`PluginHost::close_editor`] waits (up to 5 s) for the threads `attached` started to exit;
//!   see `wait_for_threads`.

// The bindings' enum constants are u32 on Linux and i32 on Windows (C enums are int there), so
// each cast below is a no-op on one of the two and needed on the other.
#![allow(clippy::unnecessary_cast)]

use crate::strict::{Contract, Lifecycle, Role};
use crate::{
    fill_stale_aux, AuxAbsence, Descriptor, Format, ParamEvent, ParamInfo, PluginHost,
    ProcessOutcome,
};

use std::collections::HashMap;
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use vst3::Steinberg::Vst::ChannelContext::{IInfoListener, IInfoListenerTrait};
use vst3::Steinberg::Vst::IAttributeList_::AttrID;
use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, BusDirections_, ChannelContext, IAttributeList,
    IAttributeListTrait, IAudioProcessor, IAudioProcessorTrait, IComponent, IComponentHandler,
    IComponentHandlerTrait, IComponentTrait, IConnectionPoint, IConnectionPointTrait,
    IEditController, IEditControllerTrait, IHostApplication, IHostApplicationTrait,
    IParamValueQueue, IParamValueQueueTrait, IParameterChanges, IParameterChangesTrait,
    MediaTypes_, ParamID, ParamValue, ParameterInfo, ParameterInfo_::ParameterFlags_,
    ProcessContext, ProcessData, ProcessModes_, ProcessSetup, RestartFlags_, SpeakerArr,
    SpeakerArrangement, String128, SymbolicSampleSizes_, TChar,
};
use vst3::Steinberg::{
    int32, int64, kInvalidArgument, kPlatformTypeX11EmbedWindowID, kResultFalse, kResultOk,
    tresult, FUnknown, IBStream, IBStreamTrait,
    IBStream_::{IStreamSeekMode, IStreamSeekMode_},
    IPlugFrame, IPlugFrameTrait, IPlugView, IPlugViewTrait, IPluginBaseTrait, IPluginFactory,
    IPluginFactory2, IPluginFactory2Trait, IPluginFactory3, IPluginFactory3Trait,
    IPluginFactoryTrait, PClassInfo, PClassInfo2, PClassInfoW, PFactoryInfo, ViewRect, TUID,
};
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// The VST3 category string of audio processor classes (`kVstAudioEffectClass`).
const AUDIO_EFFECT_CLASS: &str = "Audio Module Class";

/// How long [`PluginHost::close_editor`] waits for the editor's threads to finish.
const EDITOR_THREADS_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------------
// Module loading
// ---------------------------------------------------------------------------------------------

/// One opened module. It is kept open for the rest of the process (see the module docs).
struct Module {
    library: libloading::Library,
}

type GetPluginFactoryFn = unsafe extern "system" fn() -> *mut c_void;

/// The module binary inside the `.vst3` bundle folder `bundle`, where the VST3 bundle layout puts
/// it for this platform and architecture.
fn module_path(bundle: &Path) -> PathBuf {
    let stem = bundle
        .file_stem()
        .unwrap_or_else(|| panic!("bad bundle path {}", bundle.display()))
        .to_string_lossy();
    let contents = bundle.join("Contents");
    if cfg!(target_os = "windows") {
        let arch = match std::env::consts::ARCH {
            "aarch64" => "arm64",
            arch => arch,
        };
        contents
            .join(format!("{arch}-win"))
            .join(format!("{stem}.vst3"))
    } else if cfg!(target_os = "macos") {
        contents.join("MacOS").join(&*stem)
    } else {
        contents
            .join(format!("{}-linux", std::env::consts::ARCH))
            .join(format!("{stem}.so"))
    }
}

/// Open the module and call the Linux entry point, `ModuleEntry`, with the `dlopen` handle.
#[cfg(all(unix, not(target_os = "macos")))]
fn open_library(path: &Path) -> libloading::Library {
    type ModuleEntryFn = unsafe extern "C" fn(*mut c_void) -> bool;
    // SAFETY: loading a plugin runs its initialisers; that is what we are here for.
    let library = unsafe {
        libloading::os::unix::Library::open(
            Some(path),
            libloading::os::unix::RTLD_LAZY | libloading::os::unix::RTLD_LOCAL,
        )
    }
    .unwrap_or_else(|e| panic!("cannot dlopen {}: {e}", path.display()));
    let handle = library.into_raw();
    // SAFETY: `handle` came from `into_raw` just above.
    let library = unsafe { libloading::os::unix::Library::from_raw(handle) };

    // SAFETY: the symbol has the signature the VST3 SDK's linuxmain.cpp gives it.
    unsafe {
        if let Ok(entry) = library.get::<ModuleEntryFn>(b"ModuleEntry\0") {
            assert!(
                entry(handle),
                "ModuleEntry of {} returned false",
                path.display()
            );
        }
    }
    library.into()
}

/// Open the module (`LoadLibraryW`) and call the Windows entry point, `InitDll`, when exported.
#[cfg(windows)]
fn open_library(path: &Path) -> libloading::Library {
    type InitDllFn = unsafe extern "system" fn() -> bool;
    // SAFETY: loading a plugin runs its initialisers; that is what we are here for.
    let library = unsafe { libloading::Library::new(path) }
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()));
    // SAFETY: the symbol has the signature the VST3 SDK's dllmain.cpp gives it.
    unsafe {
        if let Ok(entry) = library.get::<InitDllFn>(b"InitDll\0") {
            assert!(entry(), "InitDll of {} returned false", path.display());
        }
    }
    library
}

/// Open the module and call the macOS entry point, `bundleEntry`. The SDK passes it the bundle's
/// `CFBundleRef`; nice-plug ignores the argument, so this host (which only loads Gel's nice-plug
/// plugins) passes null rather than link CoreFoundation. Untested: no macOS SDK here.
#[cfg(target_os = "macos")]
fn open_library(path: &Path) -> libloading::Library {
    type BundleEntryFn = unsafe extern "C" fn(*mut c_void) -> bool;
    // SAFETY: loading a plugin runs its initialisers; that is what we are here for.
    let library = unsafe { libloading::Library::new(path) }
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()));
    // SAFETY: the symbol has the signature the VST3 SDK's macmain.cpp gives it.
    unsafe {
        if let Ok(entry) = library.get::<BundleEntryFn>(b"bundleEntry\0") {
            assert!(
                entry(std::ptr::null_mut()),
                "bundleEntry of {} returned false",
                path.display()
            );
        }
    }
    library
}

/// Open `so_path` once per process and call its entry point (see [`open_library`]).
fn open_module(so_path: &Path) -> Arc<Module> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Arc<Module>>>> = OnceLock::new();
    let key = so_path
        .canonicalize()
        .unwrap_or_else(|e| panic!("VST3 module {} not found: {e}", so_path.display()));
    let mut modules = MODULES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(module) = modules.get(&key) {
        return module.clone();
    }
    let module = Arc::new(Module {
        library: open_library(&key),
    });
    modules.insert(key, module.clone());
    module
}

// ---------------------------------------------------------------------------------------------
// Host-side COM objects
// ---------------------------------------------------------------------------------------------

/// `IHostApplication` passed to `initialize`.
struct HostApplication;

impl Class for HostApplication {
    type Interfaces = (IHostApplication,);
}

impl IHostApplicationTrait for HostApplication {
    unsafe fn getName(&self, name: *mut String128) -> tresult {
        if name.is_null() {
            return kInvalidArgument;
        }
        write_u16_str(&mut *name, "Gel test host");
        kResultOk
    }

    unsafe fn createInstance(
        &self,
        _cid: *mut TUID,
        _iid: *mut TUID,
        obj: *mut *mut c_void,
    ) -> tresult {
        // No IMessage / IAttributeList: nice-plug does not ask for them.
        if !obj.is_null() {
            *obj = std::ptr::null_mut();
        }
        kResultFalse
    }
}

/// `IComponentHandler` given to the edit controller (before the host sets up or activates
/// anything, so no latency report can find it missing). Edits from the editor are counted,
/// restart requests are accumulated and checked against the SDK: `restartComponent` "must be
/// called in the UI-Thread context" (ivsteditcontroller.h).
struct ComponentHandler {
    edits: AtomicU32,
    restart_flags: AtomicI32,
    /// Restart flags asked for since the last activation.
    pending_restart: AtomicI32,
    contract: Arc<Contract>,
}

impl Class for ComponentHandler {
    type Interfaces = (IComponentHandler,);
}

impl IComponentHandlerTrait for ComponentHandler {
    unsafe fn beginEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }

    unsafe fn performEdit(&self, _id: ParamID, _value_normalized: ParamValue) -> tresult {
        self.edits.fetch_add(1, Ordering::Relaxed);
        kResultOk
    }

    unsafe fn endEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }

    unsafe fn restartComponent(&self, flags: int32) -> tresult {
        if self.contract.role() == Role::Other {
            self.contract.violation(
                &format!("IComponentHandler::restartComponent({flags:#x})"),
                "ivsteditcontroller.h: this must be called in the UI-Thread context",
            );
        }
        self.restart_flags.fetch_or(flags, Ordering::Relaxed);
        self.pending_restart.fetch_or(flags, Ordering::SeqCst);
        kResultOk
    }
}

/// One parameter's points inside one process call.
struct ParamValueQueue {
    id: ParamID,
    /// (sample offset, normalised value), offsets ascending.
    points: Mutex<Vec<(i32, f64)>>,
}

impl Class for ParamValueQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamValueQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        self.points.lock().map(|p| p.len() as int32).unwrap_or(0)
    }

    unsafe fn getPoint(
        &self,
        index: int32,
        sample_offset: *mut int32,
        value: *mut ParamValue,
    ) -> tresult {
        let Ok(points) = self.points.lock() else {
            return kResultFalse;
        };
        match usize::try_from(index).ok().and_then(|i| points.get(i)) {
            Some(&(offset, v)) if !sample_offset.is_null() && !value.is_null() => {
                *sample_offset = offset;
                *value = v;
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addPoint(
        &self,
        sample_offset: int32,
        value: ParamValue,
        index: *mut int32,
    ) -> tresult {
        let Ok(mut points) = self.points.lock() else {
            return kResultFalse;
        };
        // Keep offsets ascending; a point at an existing offset replaces it.
        let at = points.partition_point(|&(o, _)| o < sample_offset);
        if points.get(at).is_some_and(|&(o, _)| o == sample_offset) {
            points[at].1 = value;
        } else {
            points.insert(at, (sample_offset, value));
        }
        if !index.is_null() {
            *index = at as int32;
        }
        kResultOk
    }
}

/// `IParameterChanges`, used for both the input (host → plugin) and output (plugin → host) lists.
/// Queues are handed out as borrowed pointers, valid while this object lives.
#[derive(Default)]
struct ParameterChanges {
    queues: Mutex<Vec<ComWrapper<ParamValueQueue>>>,
}

impl Class for ParameterChanges {
    type Interfaces = (IParameterChanges,);
}

impl ParameterChanges {
    fn from_events(events: &[ParamEvent]) -> Self {
        let changes = Self::default();
        for event in events {
            let queue = changes.queue_for(event.param_id);
            let mut points = queue.points.lock().unwrap();
            // Stable by time: later events at the same offset win.
            let at = points.partition_point(|&(o, _)| o <= event.time as i32);
            points.insert(at, (event.time as i32, event.value));
        }
        changes
    }

    fn queue_for(&self, id: ParamID) -> ComWrapper<ParamValueQueue> {
        let mut queues = self.queues.lock().unwrap();
        if let Some(queue) = queues.iter().find(|q| q.id == id) {
            return queue.clone();
        }
        let queue = ComWrapper::new(ParamValueQueue {
            id,
            points: Mutex::new(Vec::new()),
        });
        queues.push(queue.clone());
        queue
    }
}

impl IParameterChangesTrait for ParameterChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.lock().map(|q| q.len() as int32).unwrap_or(0)
    }

    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        let Ok(queues) = self.queues.lock() else {
            return std::ptr::null_mut();
        };
        match usize::try_from(index).ok().and_then(|i| queues.get(i)) {
            Some(queue) => queue
                .as_com_ref::<IParamValueQueue>()
                .map_or(std::ptr::null_mut(), |r| r.as_ptr()),
            None => std::ptr::null_mut(),
        }
    }

    unsafe fn addParameterData(
        &self,
        id: *const ParamID,
        index: *mut int32,
    ) -> *mut IParamValueQueue {
        if id.is_null() {
            return std::ptr::null_mut();
        }
        let queue = self.queue_for(*id);
        if !index.is_null() {
            let queues = self.queues.lock().unwrap();
            *index = queues.iter().position(|q| q.id == *id).unwrap_or(0) as int32;
        }
        // The queue lives on in `self.queues`, so the borrowed pointer stays valid.
        queue
            .as_com_ref::<IParamValueQueue>()
            .map_or(std::ptr::null_mut(), |r| r.as_ptr())
    }
}

/// An in-memory `IBStream`.
#[derive(Default)]
struct MemoryStream {
    /// (bytes, cursor)
    inner: Mutex<(Vec<u8>, usize)>,
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl MemoryStream {
    fn with_data(data: &[u8]) -> Self {
        Self {
            inner: Mutex::new((data.to_vec(), 0)),
        }
    }

    fn data(&self) -> Vec<u8> {
        self.inner.lock().unwrap().0.clone()
    }

    fn rewind(&self) {
        self.inner.lock().unwrap().1 = 0;
    }
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_bytes_read: *mut int32,
    ) -> tresult {
        let Ok(mut inner) = self.inner.lock() else {
            return kResultFalse;
        };
        if num_bytes < 0 || (buffer.is_null() && num_bytes > 0) {
            return kInvalidArgument;
        }
        let (data, pos) = &mut *inner;
        let start = (*pos).min(data.len());
        let n = (num_bytes as usize).min(data.len() - start);
        if n > 0 {
            std::ptr::copy_nonoverlapping(data[start..].as_ptr(), buffer as *mut u8, n);
        }
        *pos = start + n;
        if !num_bytes_read.is_null() {
            *num_bytes_read = n as int32;
        }
        kResultOk
    }

    unsafe fn write(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_bytes_written: *mut int32,
    ) -> tresult {
        let Ok(mut inner) = self.inner.lock() else {
            return kResultFalse;
        };
        if num_bytes < 0 || (buffer.is_null() && num_bytes > 0) {
            return kInvalidArgument;
        }
        let (data, pos) = &mut *inner;
        let n = num_bytes as usize;
        let end = *pos + n;
        if data.len() < end {
            data.resize(end, 0);
        }
        if n > 0 {
            let src = std::slice::from_raw_parts(buffer as *const u8, n);
            data[*pos..end].copy_from_slice(src);
        }
        *pos = end;
        if !num_bytes_written.is_null() {
            *num_bytes_written = n as int32;
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let Ok(mut inner) = self.inner.lock() else {
            return kResultFalse;
        };
        let (data, cursor) = &mut *inner;
        let base = match mode as IStreamSeekMode {
            IStreamSeekMode_::kIBSeekSet => 0,
            IStreamSeekMode_::kIBSeekCur => *cursor as i64,
            IStreamSeekMode_::kIBSeekEnd => data.len() as i64,
            _ => return kInvalidArgument,
        };
        let new_pos = base + pos;
        if new_pos < 0 {
            return kInvalidArgument;
        }
        *cursor = new_pos as usize;
        if !result.is_null() {
            *result = new_pos;
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        let Ok(inner) = self.inner.lock() else {
            return kResultFalse;
        };
        *pos = inner.1 as int64;
        kResultOk
    }
}

/// `IPlugFrame`: every resize request is accepted (and remembered); the X11 parent is not resized.
#[derive(Default)]
struct PlugFrame {
    last_resize: Mutex<Option<(u32, u32)>>,
}

impl Class for PlugFrame {
    type Interfaces = (IPlugFrame,);
}

impl IPlugFrameTrait for PlugFrame {
    unsafe fn resizeView(&self, _view: *mut IPlugView, new_size: *mut ViewRect) -> tresult {
        if new_size.is_null() {
            return kInvalidArgument;
        }
        let r = &*new_size;
        if let Ok(mut last) = self.last_resize.lock() {
            *last = Some((
                (r.right - r.left).max(0) as u32,
                (r.bottom - r.top).max(0) as u32,
            ));
        }
        kResultOk
    }
}

/// `IAttributeList` the host fills for `IInfoListener::setChannelContextInfos`
/// (ivstattributes.h; strings are UTF-16 `TChar`, `getString` takes the buffer size in bytes).
#[derive(Default)]
struct AttributeList {
    strings: Mutex<HashMap<String, Vec<TChar>>>,
    ints: Mutex<HashMap<String, i64>>,
}

impl Class for AttributeList {
    type Interfaces = (IAttributeList,);
}

/// The attribute id (a C string) as a key.
unsafe fn attr_key(id: AttrID) -> Option<String> {
    (!id.is_null()).then(|| std::ffi::CStr::from_ptr(id).to_string_lossy().into_owned())
}

impl IAttributeListTrait for AttributeList {
    unsafe fn setInt(&self, id: AttrID, value: int64) -> tresult {
        let Some(key) = attr_key(id) else {
            return kInvalidArgument;
        };
        self.ints.lock().unwrap().insert(key, value);
        kResultOk
    }

    unsafe fn getInt(&self, id: AttrID, value: *mut int64) -> tresult {
        let Some(key) = attr_key(id) else {
            return kInvalidArgument;
        };
        match self.ints.lock().unwrap().get(&key) {
            Some(&v) if !value.is_null() => {
                *value = v;
                kResultOk
            }
            _ => kResultFalse,
        }
    }

    unsafe fn setFloat(&self, _id: AttrID, _value: f64) -> tresult {
        kResultFalse
    }

    unsafe fn getFloat(&self, _id: AttrID, _value: *mut f64) -> tresult {
        kResultFalse
    }

    unsafe fn setString(&self, id: AttrID, string: *const TChar) -> tresult {
        let Some(key) = attr_key(id) else {
            return kInvalidArgument;
        };
        if string.is_null() {
            return kInvalidArgument;
        }
        let mut units = Vec::new();
        let mut p = string;
        while *p != 0 {
            units.push(*p);
            p = p.add(1);
        }
        self.strings.lock().unwrap().insert(key, units);
        kResultOk
    }

    unsafe fn getString(&self, id: AttrID, string: *mut TChar, size_in_bytes: u32) -> tresult {
        let Some(key) = attr_key(id) else {
            return kInvalidArgument;
        };
        let capacity = size_in_bytes as usize / std::mem::size_of::<TChar>();
        if string.is_null() || capacity == 0 {
            return kInvalidArgument;
        }
        let strings = self.strings.lock().unwrap();
        let Some(units) = strings.get(&key) else {
            return kResultFalse;
        };
        // Truncated to the buffer, always terminated.
        let n = units.len().min(capacity - 1);
        std::ptr::copy_nonoverlapping(units.as_ptr(), string, n);
        *string.add(n) = 0;
        kResultOk
    }

    unsafe fn setBinary(&self, _id: AttrID, _data: *const c_void, _size: u32) -> tresult {
        kResultFalse
    }

    unsafe fn getBinary(&self, _id: AttrID, _data: *mut *const c_void, _size: *mut u32) -> tresult {
        kResultFalse
    }
}

// ---------------------------------------------------------------------------------------------
// String helpers
// ---------------------------------------------------------------------------------------------

fn write_u16_str(dest: &mut [TChar], s: &str) {
    let mut n = 0;
    for unit in s.encode_utf16().take(dest.len().saturating_sub(1)) {
        dest[n] = unit;
        n += 1;
    }
    dest[n] = 0;
}

fn u16_str(src: &[TChar]) -> String {
    let len = src.iter().position(|&c| c == 0).unwrap_or(src.len());
    String::from_utf16_lossy(&src[..len])
}

fn c_str(src: &[std::ffi::c_char]) -> String {
    let bytes: Vec<u8> = src
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn tuid_hex(tuid: &TUID) -> String {
    tuid.iter().map(|&b| format!("{:02X}", b as u8)).collect()
}

fn channel_count(arr: SpeakerArrangement) -> usize {
    arr.count_ones() as usize
}

// ---------------------------------------------------------------------------------------------
// The host
// ---------------------------------------------------------------------------------------------

/// The open editor.
struct Editor {
    view: ComPtr<IPlugView>,
    _frame: ComWrapper<PlugFrame>,
    /// Threads that `attached` started on behalf of this editor (see [`editor_threads`]).
    threads: Vec<String>,
}

/// The ids of this process's threads.
#[cfg(target_os = "linux")]
fn thread_ids() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(target_os = "linux")]
fn thread_name(tid: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"))
        .ok()
        .map(|s| s.trim_end().to_owned())
}

/// The threads that appeared between `before` and now and carry this thread's name. baseview's
/// window thread is unnamed, so it inherits the name of the thread that called `attached`; other
/// tests' threads running in parallel carry their own test names.
#[cfg(target_os = "linux")]
fn editor_threads(before: &[String]) -> Vec<String> {
    let own = std::fs::read_to_string("/proc/thread-self/comm")
        .map(|s| s.trim_end().to_owned())
        .ok();
    thread_ids()
        .into_iter()
        .filter(|tid| !before.contains(tid))
        .filter(|tid| own.is_some() && thread_name(tid) == own)
        .collect()
}

/// Elsewhere threads are not tracked: the editor tests, the only callers of `open_editor`, run on
/// Linux only (they embed in X11 windows), and the crash the wait avoids is Linux's (Mesa).
#[cfg(not(target_os = "linux"))]
fn thread_ids() -> Vec<String> {
    Vec::new()
}

#[cfg(not(target_os = "linux"))]
fn editor_threads(_before: &[String]) -> Vec<String> {
    Vec::new()
}

/// Wait until the given threads have exited, up to [`EDITOR_THREADS_TIMEOUT`].
///
/// baseview's `WindowThreadHandle::drop` returns without joining its window thread when its last
/// request to that thread fails (it logs "Error while closing window"), and that thread then tears
/// down its GL context (Mesa `eglTerminate`, `dlclose` of the DRI driver) on its own. If the
/// process exits meanwhile it crashes in `__cxa_finalize`, so closing the editor waits here.
fn wait_for_threads(threads: &[String]) {
    let deadline = std::time::Instant::now() + EDITOR_THREADS_TIMEOUT;
    while threads
        .iter()
        .any(|tid| Path::new(&format!("/proc/self/task/{tid}")).exists())
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One VST3 plugin instance, hosted on the calling thread.
pub struct Vst3Plugin {
    component: ComPtr<IComponent>,
    processor: ComPtr<IAudioProcessor>,
    controller: ComPtr<IEditController>,
    /// Set when the controller is a separate object that was connected to the component.
    separate_controller: bool,
    _factory: ComPtr<IPluginFactory>,
    _host_app: ComWrapper<HostApplication>,
    handler: ComWrapper<ComponentHandler>,
    editor: Option<Editor>,

    descriptor: Descriptor,
    channels: (usize, usize),
    /// Channel count of every audio bus, main bus (index 0) first, then the aux (sidechain)
    /// buses. All are activated at load and every process call carries a buffer for each one.
    in_bus_channels: Vec<usize>,
    out_bus_channels: Vec<usize>,
    active: bool,
    sample_rate: f64,
    max_block: u32,
    /// Frames processed since activation, for the process context.
    position: i64,
    /// Tempo sent in the process context (None: the tempo is marked not valid).
    tempo: Option<f64>,
    /// Changes made with `set_param` to deliver to a separate processor at the next process call.
    pending: Vec<ParamEvent>,
    /// Zeroed channels for buses the caller gave fewer buffers than the layout has:
    /// [bus][channel][frame].
    scratch_in: Vec<Vec<Vec<f32>>>,
    scratch_out: Vec<Vec<Vec<f32>>>,
    /// The aux busses left unconnected ([`PluginHost::set_aux_absence`]).
    aux_absence: Option<AuxAbsence>,

    /// Keeps the module mapped (it is never unloaded anyway).
    _module: Arc<Module>,
    /// Between `setProcessing(true)` and `setProcessing(false)`.
    processing: bool,
    /// The latency read right after the last `setActive(true)`.
    known_latency: Option<u32>,
    contract: Arc<Contract>,
}

impl Vst3Plugin {
    /// Load the `.vst3` bundle at `path` and create its first audio processor class.
    pub fn load(path: &Path) -> Vst3Plugin {
        // The loading thread is the UI thread from now on.
        let contract = Arc::new(Contract::new());
        let so_path = module_path(path);
        let module = open_module(&so_path);

        // SAFETY: all calls below follow the VST3 API contracts; pointers handed to the plugin
        // point at live host objects or stack values that outlive the calls.
        unsafe {
            let get_factory = module
                .library
                .get::<GetPluginFactoryFn>(b"GetPluginFactory\0")
                .unwrap_or_else(|e| panic!("{}: no GetPluginFactory: {e}", so_path.display()));
            let factory = ComPtr::<IPluginFactory>::from_raw(get_factory() as *mut IPluginFactory)
                .unwrap_or_else(|| panic!("{}: GetPluginFactory returned null", so_path.display()));

            let host_app = ComWrapper::new(HostApplication);
            let host_ctx =
                host_app.as_com_ref::<IHostApplication>().unwrap().as_ptr() as *mut FUnknown;
            if let Some(f3) = factory.cast::<IPluginFactory3>() {
                f3.setHostContext(host_ctx);
            }

            let mut factory_info: PFactoryInfo = std::mem::zeroed();
            factory.getFactoryInfo(&mut factory_info);

            // Find the audio processor class.
            let count = factory.countClasses();
            let mut found = None;
            for index in 0..count {
                let mut info: PClassInfo = std::mem::zeroed();
                if factory.getClassInfo(index, &mut info) == kResultOk
                    && c_str(&info.category) == AUDIO_EFFECT_CLASS
                {
                    found = Some((index, info));
                    break;
                }
            }
            let (index, class_info) = found.unwrap_or_else(|| {
                panic!("{}: no '{AUDIO_EFFECT_CLASS}' class", so_path.display())
            });
            let cid = class_info.cid;

            let mut descriptor = Descriptor {
                id: tuid_hex(&cid),
                name: c_str(&class_info.name),
                vendor: c_str(&factory_info.vendor),
                version: String::new(),
                features: Vec::new(),
            };
            let split = |s: String| -> Vec<String> {
                s.split('|')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect()
            };
            let mut info_w: PClassInfoW = std::mem::zeroed();
            let mut info2: PClassInfo2 = std::mem::zeroed();
            if factory
                .cast::<IPluginFactory3>()
                .is_some_and(|f3| f3.getClassInfoUnicode(index, &mut info_w) == kResultOk)
            {
                descriptor.name = u16_str(&info_w.name);
                let vendor = u16_str(&info_w.vendor);
                if !vendor.is_empty() {
                    descriptor.vendor = vendor;
                }
                descriptor.version = u16_str(&info_w.version);
                descriptor.features = split(c_str(&info_w.subCategories));
            } else if factory
                .cast::<IPluginFactory2>()
                .is_some_and(|f2| f2.getClassInfo2(index, &mut info2) == kResultOk)
            {
                descriptor.name = c_str(&info2.name);
                let vendor = c_str(&info2.vendor);
                if !vendor.is_empty() {
                    descriptor.vendor = vendor;
                }
                descriptor.version = c_str(&info2.version);
                descriptor.features = split(c_str(&info2.subCategories));
            }

            // Create and initialise the component.
            let component: ComPtr<IComponent> =
                create_instance(&factory, &cid).unwrap_or_else(|| {
                    panic!("{}: createInstance(IComponent) failed", so_path.display())
                });
            assert_eq!(
                component.initialize(host_ctx),
                kResultOk,
                "{}: IComponent::initialize failed",
                so_path.display()
            );
            let processor = component.cast::<IAudioProcessor>().unwrap_or_else(|| {
                panic!("{}: component is no IAudioProcessor", so_path.display())
            });

            // The edit controller: the component itself, or a separate class.
            let (controller, separate_controller) = match component.cast::<IEditController>() {
                Some(controller) => (controller, false),
                None => {
                    let mut controller_cid: TUID = [0; 16];
                    assert_eq!(
                        component.getControllerClassId(&mut controller_cid),
                        kResultOk,
                        "{}: no IEditController and no controller class",
                        so_path.display()
                    );
                    let controller: ComPtr<IEditController> =
                        create_instance(&factory, &controller_cid).unwrap_or_else(|| {
                            panic!(
                                "{}: createInstance(IEditController) failed",
                                so_path.display()
                            )
                        });
                    assert_eq!(controller.initialize(host_ctx), kResultOk);
                    if let (Some(a), Some(b)) = (
                        component.cast::<IConnectionPoint>(),
                        controller.cast::<IConnectionPoint>(),
                    ) {
                        a.connect(b.as_ptr());
                        b.connect(a.as_ptr());
                    }
                    // Hand the component's initial state to the controller.
                    let stream = ComWrapper::new(MemoryStream::default());
                    let stream_ptr = stream.as_com_ref::<IBStream>().unwrap().as_ptr();
                    if component.getState(stream_ptr) == kResultOk {
                        stream.rewind();
                        controller.setComponentState(stream_ptr);
                    }
                    (controller, true)
                }
            };

            let handler = ComWrapper::new(ComponentHandler {
                edits: AtomicU32::new(0),
                restart_flags: AtomicI32::new(0),
                pending_restart: AtomicI32::new(0),
                contract: contract.clone(),
            });
            controller
                .setComponentHandler(handler.as_com_ref::<IComponentHandler>().unwrap().as_ptr());

            // Bus layout: ask for stereo in / stereo out on the main busses and the plugin's own
            // arrangement on the aux (sidechain) busses, then read back what it actually uses.
            let audio = MediaTypes_::kAudio as i32;
            let input = BusDirections_::kInput as i32;
            let output = BusDirections_::kOutput as i32;
            let num_in_buses = component.getBusCount(audio, input).max(0);
            let num_out_buses = component.getBusCount(audio, output).max(0);
            let mut in_arr: Vec<SpeakerArrangement> = (0..num_in_buses)
                .map(|i| {
                    let mut a = 0;
                    processor.getBusArrangement(input, i, &mut a);
                    a
                })
                .collect();
            let mut out_arr: Vec<SpeakerArrangement> = (0..num_out_buses)
                .map(|i| {
                    let mut a = 0;
                    processor.getBusArrangement(output, i, &mut a);
                    a
                })
                .collect();
            if let Some(a) = in_arr.first_mut() {
                *a = SpeakerArr::kStereo;
            }
            if let Some(a) = out_arr.first_mut() {
                *a = SpeakerArr::kStereo;
            }
            // A refusal leaves the plugin's default layout in place.
            let _ = processor.setBusArrangements(
                in_arr.as_mut_ptr(),
                num_in_buses,
                out_arr.as_mut_ptr(),
                num_out_buses,
            );
            // VST3 busses start inactive except (by convention) the main ones; activate every
            // one, aux included, the way a DAW does once a sidechain is routed. Process calls
            // then feed silence to an aux bus the test gives no signal. (nice-plug itself
            // ignores activation and reads every bus it declared.)
            let bus_channels = |direction: i32, count: i32| -> Vec<usize> {
                (0..count)
                    .map(|index| {
                        let mut a = 0;
                        processor.getBusArrangement(direction, index, &mut a);
                        component.activateBus(audio, direction, index, 1);
                        channel_count(a)
                    })
                    .collect()
            };
            let in_bus_channels = bus_channels(input, num_in_buses);
            let out_bus_channels = bus_channels(output, num_out_buses);
            let main_in = in_bus_channels.first().copied().unwrap_or(0);
            let main_out = out_bus_channels.first().copied().unwrap_or(0);

            Vst3Plugin {
                component,
                processor,
                controller,
                separate_controller,
                _factory: factory,
                _host_app: host_app,
                handler,
                editor: None,
                descriptor,
                channels: (main_in, main_out),
                in_bus_channels,
                out_bus_channels,
                active: false,
                sample_rate: 0.0,
                max_block: 0,
                position: 0,
                tempo: None,
                pending: Vec::new(),
                processing: false,
                known_latency: None,
                contract,
                scratch_in: Vec::new(),
                scratch_out: Vec::new(),
                aux_absence: None,
                _module: module,
            }
        }
    }

    /// How many `performEdit` calls the plugin (its editor) has made so far.
    pub fn edit_count(&self) -> u32 {
        self.handler.edits.load(Ordering::Relaxed)
    }

    /// Withdraw (`false`) or install again (`true`) this host's component handler, to play a
    /// host that installs it only after activating. Installing happens on the UI thread.
    pub fn set_component_handler_installed(&mut self, installed: bool) {
        let handler = if installed {
            self.handler
                .as_com_ref::<IComponentHandler>()
                .unwrap()
                .as_ptr()
        } else {
            std::ptr::null_mut()
        };
        // SAFETY: the handler outlives the controller's use of it (it is withdrawn on drop).
        unsafe {
            self.controller.setComponentHandler(handler);
        }
        self.contract.check("setComponentHandler");
    }

    /// The `restartComponent` flags the plugin has asked for so far (OR-ed together).
    pub fn restart_flags(&self) -> i32 {
        self.handler.restart_flags.load(Ordering::Relaxed)
    }

    /// The last size the editor asked for through `IPlugFrame::resizeView`.
    pub fn last_resize_request(&self) -> Option<(u32, u32)> {
        self.editor
            .as_ref()
            .and_then(|e| *e._frame.last_resize.lock().unwrap())
    }

    /// ivstaudioprocessor.h: a latency change during use must be told with
    /// `restartComponent(kLatencyChanged)`. A latency that moved since activation without one
    /// is a violation (reported once per move).
    fn check_latency(&mut self) {
        let Some(known) = self.known_latency else {
            return;
        };
        // SAFETY: plain call.
        let now = unsafe { self.processor.getLatencySamples() };
        let told = self.handler.pending_restart.load(Ordering::SeqCst)
            & RestartFlags_::kLatencyChanged
            != 0;
        if now != known && !told {
            self.contract.violation(
                &format!("latency {known} -> {now} while active"),
                "ivstaudioprocessor.h: if the latency changes during use, the plug-in has to \
                 inform the host with IComponentHandler::restartComponent(kLatencyChanged)",
            );
            self.known_latency = Some(now);
        }
    }

    /// Pointers to the zeroed scratch channels of every bus, for a call without caller buffers.
    fn scratch_pointers(scratch: &mut [Vec<Vec<f32>>]) -> Vec<Vec<*mut f32>> {
        scratch
            .iter_mut()
            .map(|bus| bus.iter_mut().map(|c| c.as_mut_ptr()).collect())
            .collect()
    }

    /// Call `process` with raw pointers: `in_buses[b]`/`out_buses[b]` hold one pointer per
    /// channel of bus b (every bus of the layout), each to at least `frames` samples.
    fn process_raw(
        &mut self,
        in_buses: &mut [Vec<*mut f32>],
        out_buses: &mut [Vec<*mut f32>],
        frames: usize,
        events: &[ParamEvent],
    ) -> tresult {
        let changes = ComWrapper::new(ParameterChanges::from_events(events));
        let out_changes = ComWrapper::new(ParameterChanges::default());
        let bus_buffers = |buses: &mut [Vec<*mut f32>]| -> Vec<AudioBusBuffers> {
            buses
                .iter_mut()
                .map(|ptrs| AudioBusBuffers {
                    numChannels: ptrs.len() as i32,
                    silenceFlags: 0,
                    __field0: AudioBusBuffers__type0 {
                        channelBuffers32: ptrs.as_mut_ptr(),
                    },
                })
                .collect()
        };
        let mut in_bus = bus_buffers(in_buses);
        let mut out_bus = bus_buffers(out_buses);
        // An unconnected sidechain (`aux_absence`): deactivated busses travel with no channels;
        // omitted ones stay in the array past `numInputs`.
        let num_inputs = match self.aux_absence {
            None => in_bus.len(),
            Some(AuxAbsence::Disconnected) => {
                for bus in in_bus.iter_mut().skip(1) {
                    bus.numChannels = 0;
                    bus.__field0.channelBuffers32 = std::ptr::null_mut();
                }
                in_bus.len()
            }
            Some(AuxAbsence::Omitted) => in_bus.len().min(1),
        };
        let bus_pointer = |b: &mut Vec<AudioBusBuffers>| {
            if b.is_empty() {
                std::ptr::null_mut()
            } else {
                b.as_mut_ptr()
            }
        };
        // SAFETY: ProcessContext is plain data.
        let mut context: ProcessContext = unsafe { std::mem::zeroed() };
        context.sampleRate = self.sample_rate;
        context.projectTimeSamples = self.position;
        context.continousTimeSamples = self.position;
        if let Some(bpm) = self.tempo {
            context.tempo = bpm;
            context.state |=
                vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::kTempoValid as u32;
        }
        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as i32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            numSamples: frames as i32,
            // Every bus, aux included: nice-plug 0.4 reads `inputs[1..]` for its aux busses
            // without checking `numInputs`.
            numInputs: num_inputs as i32,
            numOutputs: out_bus.len() as i32,
            inputs: bus_pointer(&mut in_bus),
            outputs: bus_pointer(&mut out_bus),
            inputParameterChanges: changes.as_com_ref::<IParameterChanges>().unwrap().as_ptr(),
            outputParameterChanges: out_changes
                .as_com_ref::<IParameterChanges>()
                .unwrap()
                .as_ptr(),
            inputEvents: std::ptr::null_mut(),
            outputEvents: std::ptr::null_mut(),
            processContext: &mut context,
        };
        // SAFETY: every pointer in `data` is live for the duration of the call.
        let result = self
            .contract
            .audio_call(|| unsafe { self.processor.process(&mut data) });
        self.position += frames as i64;
        result
    }
}

/// `createInstance` for interface `I` of class `cid`.
unsafe fn create_instance<I: Interface>(
    factory: &ComPtr<IPluginFactory>,
    cid: &TUID,
) -> Option<ComPtr<I>> {
    let mut obj: *mut c_void = std::ptr::null_mut();
    let iid = I::IID;
    let result = factory.createInstance(
        cid.as_ptr(),
        iid.as_ptr() as *const std::ffi::c_char,
        &mut obj,
    );
    if result != kResultOk {
        return None;
    }
    ComPtr::from_raw(obj as *mut I)
}

impl PluginHost for Vst3Plugin {
    fn format(&self) -> Format {
        Format::Vst3
    }

    fn set_tempo(&mut self, bpm: f64) {
        self.tempo = Some(bpm);
    }

    /// `IInfoListener::setChannelContextInfos` (ivstchannelcontextinfo.h; the listener extends
    /// the edit controller) with the channel name under `kChannelNameKey` and its length under
    /// `kChannelNameLengthKey`, from the UI thread as the SDK asks.
    fn set_track_name(&mut self, name: &str) -> bool {
        self.contract.require_main_thread(
            "IInfoListener::setChannelContextInfos",
            "ivstchannelcontextinfo.h: called by the host in the UI thread",
        );
        let Some(listener) = self.controller.cast::<IInfoListener>() else {
            return false;
        };
        let list = ComWrapper::new(AttributeList::default());
        let units: Vec<TChar> = name.encode_utf16().chain([0]).collect();
        let list = list.as_com_ref::<IAttributeList>().unwrap();
        // SAFETY: the list is a live COM object for the whole call; the keys are C strings.
        unsafe {
            list.setString(ChannelContext::kChannelNameKey, units.as_ptr());
            let length = (units.len() - 1) as i64;
            list.setInt(ChannelContext::kChannelNameLengthKey, length);
            listener.setChannelContextInfos(list.as_ptr()) == kResultOk
        }
    }

    fn descriptor(&self) -> Descriptor {
        self.descriptor.clone()
    }

    fn main_channels(&self) -> (usize, usize) {
        self.channels
    }

    fn aux_input_channels(&self) -> Vec<usize> {
        self.in_bus_channels.iter().skip(1).copied().collect()
    }

    fn params(&mut self) -> Vec<ParamInfo> {
        // SAFETY: `info` is a valid out-pointer.
        unsafe {
            let count = self.controller.getParameterCount();
            (0..count)
                .filter_map(|i| {
                    let mut info: ParameterInfo = std::mem::zeroed();
                    if self.controller.getParameterInfo(i, &mut info) != kResultOk {
                        return None;
                    }
                    Some(ParamInfo {
                        id: info.id,
                        name: u16_str(&info.title),
                        default_normalized: info.defaultNormalizedValue,
                        step_count: info.stepCount.max(0) as u32,
                        automatable: info.flags & ParameterFlags_::kCanAutomate != 0,
                    })
                })
                .collect()
        }
    }

    fn param_value(&mut self, id: u32) -> f64 {
        // SAFETY: plain call.
        unsafe { self.controller.getParamNormalized(id) }
    }

    fn value_to_text(&mut self, id: u32, normalized: f64) -> Option<String> {
        let mut text: String128 = [0; 128];
        // SAFETY: `text` is a valid String128.
        let result = unsafe {
            self.controller
                .getParamStringByValue(id, normalized, &mut text)
        };
        (result == kResultOk).then(|| u16_str(&text))
    }

    fn text_to_value(&mut self, id: u32, text: &str) -> Option<f64> {
        let mut wide: Vec<TChar> = text.encode_utf16().collect();
        wide.push(0);
        let mut value = 0.0;
        // SAFETY: `wide` is NUL-terminated; `value` is a valid out-pointer.
        let result = unsafe {
            self.controller
                .getParamValueByString(id, wide.as_mut_ptr(), &mut value)
        };
        (result == kResultOk).then_some(value)
    }

    fn set_param(&mut self, id: u32, normalized: f64) {
        // SAFETY: plain call.
        unsafe {
            self.controller.setParamNormalized(id, normalized);
        }
        let event = ParamEvent {
            time: 0,
            param_id: id,
            value: normalized,
        };
        if self.processing {
            // A zero-frame process call is VST3's parameter flush (nice-plug ignores
            // setParamNormalized while processing and only takes the change from process).
            let mut ins = Self::scratch_pointers(&mut self.scratch_in);
            let mut outs = Self::scratch_pointers(&mut self.scratch_out);
            self.process_raw(&mut ins, &mut outs, 0, &[event]);
        } else if self.separate_controller || self.active {
            // The processor only hears about it through the next process call (active and not
            // processing: no process call may come before setProcessing(true)).
            self.pending.retain(|e| e.param_id != id);
            self.pending.push(event);
        }
    }

    fn activate(&mut self, sample_rate: f64, max_block: u32) {
        if self.active {
            self.deactivate();
        }
        let mut setup = ProcessSetup {
            processMode: ProcessModes_::kRealtime as i32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            maxSamplesPerBlock: max_block as i32,
            sampleRate: sample_rate,
        };
        // SAFETY: plain calls with valid pointers.
        unsafe {
            assert_eq!(
                self.processor
                    .canProcessSampleSize(SymbolicSampleSizes_::kSample32 as i32),
                kResultOk,
                "plugin cannot process 32-bit floats"
            );
            assert_eq!(
                self.processor.setupProcessing(&mut setup),
                kResultOk,
                "setupProcessing failed"
            );
            self.handler.pending_restart.store(0, Ordering::SeqCst);
            self.contract.set_lifecycle(Lifecycle::Activating);
            assert_eq!(
                self.component.setActive(1),
                kResultOk,
                "setActive(true) failed"
            );
            self.contract.set_lifecycle(Lifecycle::Active);
            // A host reads the latency after activating (and after each kLatencyChanged restart).
            self.known_latency = Some(self.processor.getLatencySamples());
            // Asked for during setActive, the restart is already answered by that read.
            self.handler.pending_restart.store(0, Ordering::SeqCst);
        }
        self.active = true;
        self.sample_rate = sample_rate;
        self.max_block = max_block;
        self.position = 0;
        let scratch = |bus_channels: &[usize]| -> Vec<Vec<Vec<f32>>> {
            bus_channels
                .iter()
                .map(|&channels| vec![vec![0.0; max_block as usize]; channels])
                .collect()
        };
        self.scratch_in = scratch(&self.in_bus_channels);
        self.scratch_out = scratch(&self.out_bus_channels);
        self.start_processing();
    }

    fn deactivate(&mut self) {
        if !self.active {
            return;
        }
        self.stop_processing();
        // SAFETY: plain call.
        unsafe {
            self.component.setActive(0);
        }
        self.contract.set_lifecycle(Lifecycle::Inactive);
        self.active = false;
        self.contract.check("setActive(false)");
    }

    fn start_processing(&mut self) {
        assert!(self.active, "start_processing() before activate()");
        if !self.processing {
            // SAFETY: plain call.
            let result = self
                .contract
                .audio_call(|| unsafe { self.processor.setProcessing(1) });
            assert_eq!(result, kResultOk, "setProcessing(true) failed");
            self.processing = true;
            self.contract.set_lifecycle(Lifecycle::Processing);
        }
        self.contract.check("setProcessing(true)");
    }

    fn stop_processing(&mut self) {
        if self.processing {
            // SAFETY: plain call.
            self.contract
                .audio_call(|| unsafe { self.processor.setProcessing(0) });
            self.processing = false;
            self.contract.set_lifecycle(Lifecycle::Active);
        }
        self.contract.check("setProcessing(false)");
    }

    fn restart_if_requested(&mut self) -> bool {
        let flags = self.handler.pending_restart.load(Ordering::SeqCst);
        if !self.active || flags & RestartFlags_::kLatencyChanged == 0 {
            return false;
        }
        let (rate, block) = (self.sample_rate, self.max_block);
        self.deactivate();
        self.activate(rate, block);
        true
    }

    fn contract_violations(&mut self) -> Vec<String> {
        self.contract.violations()
    }

    fn process_with_aux(
        &mut self,
        inputs: &[&[f32]],
        aux: &[&[f32]],
        outputs: &mut [&mut [f32]],
        events: &[ParamEvent],
    ) -> ProcessOutcome {
        if !self.active {
            return ProcessOutcome::Error;
        }
        let frames = inputs
            .iter()
            .chain(aux)
            .map(|c| c.len())
            .chain(outputs.iter().map(|c| c.len()))
            .next()
            .unwrap_or(0);
        assert!(
            inputs.iter().chain(aux).all(|c| c.len() == frames)
                && outputs.iter().all(|c| c.len() == frames),
            "all channels of one process call must have the same length"
        );
        assert!(
            frames <= self.max_block as usize,
            "block of {frames} frames exceeds max_block {}",
            self.max_block
        );
        let aux_capacity: usize = self.in_bus_channels.iter().skip(1).sum();
        assert!(
            aux.len() <= aux_capacity,
            "{} aux channels given, the plugin's aux busses have {aux_capacity}",
            aux.len()
        );

        // Bus 0 reads `inputs`, the aux busses read `aux` in order; missing input channels read
        // silence, missing output channels go to scratch.
        let main_busses = self.scratch_in.len().min(1);
        let (main_scratch, aux_scratch) = self.scratch_in.split_at_mut(main_busses);
        let mut ins: Vec<Vec<*mut f32>> = Vec::with_capacity(self.in_bus_channels.len());
        for (scratch_busses, sources) in [(main_scratch, inputs), (aux_scratch, aux)] {
            let mut c = 0;
            for bus in scratch_busses.iter_mut() {
                let mut ptrs = Vec::with_capacity(bus.len());
                for buf in bus.iter_mut() {
                    match sources.get(c) {
                        Some(ch) => ptrs.push(ch.as_ptr() as *mut f32),
                        None => {
                            buf.fill(0.0);
                            ptrs.push(buf.as_mut_ptr());
                        }
                    }
                    c += 1;
                }
                ins.push(ptrs);
            }
        }
        if self.aux_absence.is_some() {
            assert!(
                aux.is_empty(),
                "aux given while the sidechain is unconnected"
            );
        }
        if self.aux_absence == Some(AuxAbsence::Omitted) {
            for buf in self.scratch_in.iter_mut().skip(main_busses).flatten() {
                fill_stale_aux(&mut buf[..frames]);
            }
        }
        let mut outs = Self::scratch_pointers(&mut self.scratch_out);
        if let Some(main_out) = outs.first_mut() {
            for (ptr, ch) in main_out.iter_mut().zip(outputs.iter_mut()) {
                *ptr = ch.as_mut_ptr();
            }
        }

        assert!(self.processing, "process() while not processing");
        let mut all_events = std::mem::take(&mut self.pending);
        all_events.extend_from_slice(events);
        let result = self.process_raw(&mut ins, &mut outs, frames, &all_events);
        self.check_latency();
        self.contract.check("process");
        match result {
            r if r == kResultOk => ProcessOutcome::Ok,
            _ => ProcessOutcome::Error,
        }
    }

    fn set_aux_absence(&mut self, absence: Option<AuxAbsence>) {
        assert!(
            !self.active,
            "set_aux_absence while active: VST3 (de)activates busses only while inactive"
        );
        let connected = absence.is_none() as u8;
        for index in 1..self.in_bus_channels.len() {
            // SAFETY: plain call on an inactive component.
            unsafe {
                self.component.activateBus(
                    MediaTypes_::kAudio as i32,
                    BusDirections_::kInput as i32,
                    index as i32,
                    connected,
                );
            }
        }
        self.aux_absence = absence;
    }

    fn latency(&mut self) -> u32 {
        // SAFETY: plain call.
        unsafe { self.processor.getLatencySamples() }
    }

    fn tail(&mut self) -> u32 {
        // SAFETY: plain call. kInfiniteTail is u32::MAX, as the trait wants.
        unsafe { self.processor.getTailSamples() }
    }

    fn save_state(&mut self) -> Vec<u8> {
        let stream = ComWrapper::new(MemoryStream::default());
        // SAFETY: the stream outlives the call.
        let result = unsafe {
            self.component
                .getState(stream.as_com_ref::<IBStream>().unwrap().as_ptr())
        };
        assert_eq!(result, kResultOk, "IComponent::getState failed");
        stream.data()
    }

    fn load_state(&mut self, data: &[u8]) -> bool {
        let stream = ComWrapper::new(MemoryStream::with_data(data));
        let ptr = stream.as_com_ref::<IBStream>().unwrap().as_ptr();
        // SAFETY: the stream outlives the calls.
        unsafe {
            if self.component.setState(ptr) != kResultOk {
                return false;
            }
            if self.separate_controller {
                stream.rewind();
                self.controller.setComponentState(ptr);
            }
        }
        true
    }

    fn open_editor(&mut self, parent_window: u32) -> Result<(u32, u32), String> {
        if self.editor.is_some() {
            return Err("editor is already open".into());
        }
        // SAFETY: the view is an owned reference; the frame outlives its use by the view (it is
        // detached in `close_editor`); the parent window id is passed by value as the spec says.
        unsafe {
            let raw = self.controller.createView(c"editor".as_ptr());
            let view = ComPtr::<IPlugView>::from_raw(raw)
                .ok_or_else(|| "createView(\"editor\") returned null".to_string())?;
            if view.isPlatformTypeSupported(kPlatformTypeX11EmbedWindowID) != kResultOk {
                return Err("X11EmbedWindowID is not supported".into());
            }
            let frame = ComWrapper::new(PlugFrame::default());
            let frame_ptr = frame.as_com_ref::<IPlugFrame>().unwrap().as_ptr();
            if view.setFrame(frame_ptr) != kResultOk {
                return Err("IPlugView::setFrame failed".into());
            }
            let before = thread_ids();
            let result = view.attached(
                parent_window as usize as *mut c_void,
                kPlatformTypeX11EmbedWindowID,
            );
            let threads = editor_threads(&before);
            if result != kResultOk {
                view.setFrame(std::ptr::null_mut());
                drop(view);
                wait_for_threads(&threads);
                return Err(format!("IPlugView::attached failed ({result})"));
            }
            self.editor = Some(Editor {
                view,
                _frame: frame,
                threads,
            });

            let view = &self.editor.as_ref().unwrap().view;
            let mut rect = ViewRect {
                left: 0,
                top: 0,
                right: 0,
                bottom: 0,
            };
            if view.getSize(&mut rect) != kResultOk {
                return Err("IPlugView::getSize failed".into());
            }
            let (w, h) = (rect.right - rect.left, rect.bottom - rect.top);
            if w <= 0 || h <= 0 {
                return Err(format!("editor reported an empty size {w}x{h}"));
            }
            Ok((w as u32, h as u32))
        }
    }

    fn close_editor(&mut self) {
        if let Some(mut editor) = self.editor.take() {
            // SAFETY: plain calls; the view reference is released when `editor` drops, after the
            // frame has been detached.
            unsafe {
                editor.view.removed();
                editor.view.setFrame(std::ptr::null_mut());
            }
            let threads = std::mem::take(&mut editor.threads);
            drop(editor);
            wait_for_threads(&threads);
        }
    }
}

impl Drop for Vst3Plugin {
    fn drop(&mut self) {
        self.close_editor();
        self.deactivate();
        // SAFETY: teardown in reverse order of setup; the ComPtrs release their references
        // when the struct's fields drop right after this.
        unsafe {
            self.controller.setComponentHandler(std::ptr::null_mut());
            if self.separate_controller {
                if let (Some(a), Some(b)) = (
                    self.component.cast::<IConnectionPoint>(),
                    self.controller.cast::<IConnectionPoint>(),
                ) {
                    a.disconnect(b.as_ptr());
                    b.disconnect(a.as_ptr());
                }
                self.controller.terminate();
            }
            self.component.terminate();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `restartComponent` from the UI (loading) thread is fine; from any other thread it is a
    /// violation of "this must be called in the UI-Thread context".
    #[test]
    fn restart_component_off_the_ui_thread_is_a_violation() {
        let contract = Arc::new(Contract::new());
        let handler = ComponentHandler {
            edits: AtomicU32::new(0),
            restart_flags: AtomicI32::new(0),
            pending_restart: AtomicI32::new(0),
            contract: contract.clone(),
        };
        let latency = RestartFlags_::kLatencyChanged;
        // SAFETY: plain calls on a local object.
        unsafe { handler.restartComponent(latency) };
        assert!(contract.violations().is_empty());
        std::thread::scope(|s| {
            s.spawn(|| unsafe { handler.restartComponent(latency) });
        });
        let violations = contract.violations();
        assert!(
            violations.len() == 1 && violations[0].contains("UI-Thread context"),
            "{violations:#?}"
        );
        assert_eq!(handler.pending_restart.load(Ordering::SeqCst), latency);
    }
}
