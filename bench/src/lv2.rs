//! A minimal offline LV2 host over lilv's C API, loaded at run time (`liblilv-0.so.0`), so the
//! bench builds without lilv's headers and can still say clearly why peers are missing.
//!
//! It mirrors `../shared/bench/lv2run.c`: urid map/unmap, options (sample rate, min/max/nominal
//! block length), the buf-size features, and a *synchronous* worker (work runs inside the
//! plugin's `run`, on the calling thread, so its cost is counted — LSP and Dragonfly need it).
//! A plugin with one audio input runs as one instance per channel ("2 mono instances").

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::{Mutex, OnceLock};

use libloading::Library;

use crate::cpu::thread_cpu_ns;
use crate::Processor;

type World = c_void;
type Node = c_void;
type Plugin = c_void;
type Plugins = c_void;
type Port = c_void;

#[repr(C)]
struct Lv2Feature {
    uri: *const c_char,
    data: *mut c_void,
}

#[repr(C)]
struct Lv2Descriptor {
    uri: *const c_char,
    instantiate: *const c_void,
    connect_port: unsafe extern "C" fn(*mut c_void, u32, *mut c_void),
    activate: Option<unsafe extern "C" fn(*mut c_void)>,
    run: unsafe extern "C" fn(*mut c_void, u32),
    deactivate: Option<unsafe extern "C" fn(*mut c_void)>,
    cleanup: *const c_void,
    extension_data: Option<unsafe extern "C" fn(*const c_char) -> *const c_void>,
}

/// `struct LilvInstanceImpl` (public in lilv.h: its instance functions are inline).
#[repr(C)]
struct LilvInstance {
    descriptor: *const Lv2Descriptor,
    handle: *mut c_void,
    pimpl: *mut c_void,
}

#[repr(C)]
struct UridMap {
    handle: *mut c_void,
    map: unsafe extern "C" fn(*mut c_void, *const c_char) -> u32,
}

#[repr(C)]
struct UridUnmap {
    handle: *mut c_void,
    unmap: unsafe extern "C" fn(*mut c_void, u32) -> *const c_char,
}

#[repr(C)]
struct OptionsOption {
    context: u32,
    subject: u32,
    key: u32,
    size: u32,
    type_: u32,
    value: *const c_void,
}

type RespondFn = unsafe extern "C" fn(*mut c_void, u32, *const c_void) -> u32;

#[repr(C)]
struct WorkerSchedule {
    handle: *mut c_void,
    schedule_work: unsafe extern "C" fn(*mut c_void, u32, *const c_void) -> u32,
}

#[repr(C)]
struct WorkerInterface {
    work: Option<
        unsafe extern "C" fn(*mut c_void, RespondFn, *mut c_void, u32, *const c_void) -> u32,
    >,
    work_response: Option<unsafe extern "C" fn(*mut c_void, u32, *const c_void) -> u32>,
    end_run: Option<unsafe extern "C" fn(*mut c_void) -> u32>,
}

struct WorkerCtx {
    handle: *mut c_void,
    iface: *const WorkerInterface,
}

unsafe extern "C" fn worker_respond(h: *mut c_void, size: u32, data: *const c_void) -> u32 {
    let ctx = &*(h as *const WorkerCtx);
    if !ctx.iface.is_null() {
        if let Some(resp) = (*ctx.iface).work_response {
            return resp(ctx.handle, size, data);
        }
    }
    0
}

unsafe extern "C" fn worker_schedule(h: *mut c_void, size: u32, data: *const c_void) -> u32 {
    let ctx = &*(h as *const WorkerCtx);
    if !ctx.iface.is_null() {
        if let Some(work) = (*ctx.iface).work {
            return work(ctx.handle, worker_respond, h, size, data);
        }
    }
    0
}

/// URI → URID, and URID − 1 → URI.
type UriTable = (HashMap<String, u32>, Vec<CString>);

fn uri_table() -> &'static Mutex<UriTable> {
    static TABLE: OnceLock<Mutex<UriTable>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new((HashMap::new(), Vec::new())))
}

fn map_str(uri: &str) -> u32 {
    let mut t = uri_table().lock().unwrap();
    if let Some(&id) = t.0.get(uri) {
        return id;
    }
    t.1.push(CString::new(uri).unwrap());
    let id = t.1.len() as u32;
    t.0.insert(uri.to_string(), id);
    id
}

unsafe extern "C" fn map_uri(_h: *mut c_void, uri: *const c_char) -> u32 {
    if uri.is_null() {
        return 0;
    }
    map_str(&CStr::from_ptr(uri).to_string_lossy())
}

unsafe extern "C" fn unmap_uri(_h: *mut c_void, id: u32) -> *const c_char {
    let t = uri_table().lock().unwrap();
    t.1.get((id as usize).wrapping_sub(1))
        .map(|c| c.as_ptr())
        .unwrap_or(std::ptr::null())
}

macro_rules! lilv_api {
    ($($name:ident : fn($($arg:ty),*) $(-> $ret:ty)?;)*) => {
        #[allow(non_snake_case)]
        struct Api {
            _lib: Library,
            $($name: unsafe extern "C" fn($($arg),*) $(-> $ret)?,)*
        }
        impl Api {
            fn load() -> Result<Api, String> {
                // SAFETY: loading lilv runs no foreign code beyond its initialisers.
                let lib = unsafe { Library::new("liblilv-0.so.0") }
                    .map_err(|e| format!("cannot load liblilv-0.so.0 ({e})"))?;
                // SAFETY: the signatures match lilv.h (lilv 0.24).
                unsafe {
                    $(let $name = *lib
                        .get::<unsafe extern "C" fn($($arg),*) $(-> $ret)?>(
                            concat!(stringify!($name), "\0").as_bytes())
                        .map_err(|e| format!("lilv: {e}"))?;)*
                    Ok(Api { _lib: lib, $($name,)* })
                }
            }
        }
    };
}

lilv_api! {
    lilv_world_new: fn() -> *mut World;
    lilv_world_load_all: fn(*mut World);
    lilv_world_get_all_plugins: fn(*mut World) -> *const Plugins;
    lilv_new_uri: fn(*mut World, *const c_char) -> *mut Node;
    lilv_new_string: fn(*mut World, *const c_char) -> *mut Node;
    lilv_node_free: fn(*mut Node);
    lilv_plugins_get_by_uri: fn(*const Plugins, *const Node) -> *const Plugin;
    lilv_plugin_get_num_ports: fn(*const Plugin) -> u32;
    lilv_plugin_get_port_ranges_float: fn(*const Plugin, *mut f32, *mut f32, *mut f32);
    lilv_plugin_get_port_by_index: fn(*const Plugin, u32) -> *const Port;
    lilv_plugin_get_port_by_symbol: fn(*const Plugin, *const Node) -> *const Port;
    lilv_port_is_a: fn(*const Plugin, *const Port, *const Node) -> bool;
    lilv_port_has_property: fn(*const Plugin, *const Port, *const Node) -> bool;
    lilv_port_get_index: fn(*const Plugin, *const Port) -> u32;
    lilv_plugin_instantiate: fn(*const Plugin, f64, *const *const Lv2Feature) -> *mut LilvInstance;
    lilv_instance_free: fn(*mut LilvInstance);
}

/// The lilv world: every LV2 bundle on the system, loaded once.
pub struct Lv2World {
    api: Api,
    world: *mut World,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PortKind {
    AudioIn,
    AudioOut,
    ControlIn,
    ControlOut,
    AtomIn,
    AtomOut,
    Cv,
    Optional,
}

impl Lv2World {
    pub fn load() -> Result<Lv2World, String> {
        let api = Api::load()?;
        // SAFETY: plain lilv calls.
        let world = unsafe { (api.lilv_world_new)() };
        unsafe { (api.lilv_world_load_all)(world) };
        Ok(Lv2World { api, world })
    }

    fn uri(&self, s: &str) -> *mut Node {
        let c = CString::new(s).unwrap();
        unsafe { (self.api.lilv_new_uri)(self.world, c.as_ptr()) }
    }

    fn plugin(&self, uri: &str) -> *const Plugin {
        let node = self.uri(uri);
        let p = unsafe {
            (self.api.lilv_plugins_get_by_uri)(
                (self.api.lilv_world_get_all_plugins)(self.world),
                node,
            )
        };
        unsafe { (self.api.lilv_node_free)(node) };
        p
    }

    pub fn has_plugin(&self, uri: &str) -> bool {
        !self.plugin(uri).is_null()
    }

    /// Instantiate `uri` with `params` (`symbol:value`), activated, for stereo in/out blocks of
    /// exactly `block` frames.
    pub fn instantiate(
        &self,
        label: &str,
        uri: &str,
        params: &[(String, f32)],
        sample_rate: f64,
        block: usize,
    ) -> Result<Lv2Plugin, String> {
        let api = &self.api;
        let plug = self.plugin(uri);
        if plug.is_null() {
            return Err(format!("no LV2 plugin {uri}"));
        }
        let nodes: Vec<*mut Node> = [
            "http://lv2plug.in/ns/lv2core#AudioPort",
            "http://lv2plug.in/ns/lv2core#ControlPort",
            "http://lv2plug.in/ns/lv2core#InputPort",
            "http://lv2plug.in/ns/ext/atom#AtomPort",
            "http://lv2plug.in/ns/lv2core#CVPort",
            "http://lv2plug.in/ns/lv2core#connectionOptional",
        ]
        .iter()
        .map(|u| self.uri(u))
        .collect();
        let (n_audio, n_control, n_input, n_atom, n_cv, n_optional) =
            (nodes[0], nodes[1], nodes[2], nodes[3], nodes[4], nodes[5]);

        let np = unsafe { (api.lilv_plugin_get_num_ports)(plug) } as usize;
        let mut mins = vec![0f32; np];
        let mut maxs = vec![0f32; np];
        let mut defs = vec![0f32; np];
        unsafe {
            (api.lilv_plugin_get_port_ranges_float)(
                plug,
                mins.as_mut_ptr(),
                maxs.as_mut_ptr(),
                defs.as_mut_ptr(),
            )
        };
        let mut kinds = Vec::with_capacity(np);
        for p in 0..np {
            let port = unsafe { (api.lilv_plugin_get_port_by_index)(plug, p as u32) };
            let is = |n| unsafe { (api.lilv_port_is_a)(plug, port, n) };
            let input = is(n_input);
            let kind = if is(n_audio) {
                if input {
                    PortKind::AudioIn
                } else {
                    PortKind::AudioOut
                }
            } else if is(n_cv) {
                PortKind::Cv
            } else if is(n_control) {
                if input {
                    PortKind::ControlIn
                } else {
                    PortKind::ControlOut
                }
            } else if is(n_atom) {
                if input {
                    PortKind::AtomIn
                } else {
                    PortKind::AtomOut
                }
            } else if unsafe { (api.lilv_port_has_property)(plug, port, n_optional) } {
                PortKind::Optional
            } else {
                return Err(format!("{uri}: port {p} has an unsupported type"));
            };
            kinds.push(kind);
        }
        let mut controls: Vec<f32> = (0..np)
            .map(|p| {
                if defs[p].is_nan() {
                    if mins[p].is_nan() {
                        0.0
                    } else {
                        mins[p]
                    }
                } else {
                    defs[p]
                }
            })
            .collect();
        let mut control_index = HashMap::new();
        for (symbol, value) in params {
            let c = CString::new(symbol.as_str()).unwrap();
            let node = unsafe { (api.lilv_new_string)(self.world, c.as_ptr()) };
            let port = unsafe { (api.lilv_plugin_get_port_by_symbol)(plug, node) };
            unsafe { (api.lilv_node_free)(node) };
            if port.is_null() {
                return Err(format!("{uri}: no port with symbol '{symbol}'"));
            }
            let index = unsafe { (api.lilv_port_get_index)(plug, port) } as usize;
            controls[index] = *value;
            control_index.insert(symbol.clone(), index);
        }
        for n in nodes {
            unsafe { (api.lilv_node_free)(n) };
        }

        let audio_in: Vec<usize> = (0..np).filter(|&p| kinds[p] == PortKind::AudioIn).collect();
        let audio_out: Vec<usize> = (0..np)
            .filter(|&p| kinds[p] == PortKind::AudioOut)
            .collect();
        if audio_out.is_empty() {
            return Err(format!("{uri}: no audio outputs"));
        }
        let instances_n = if audio_in.len() == 1 { 2 } else { 1 };

        let mut shared = Box::new(Lv2Shared::new(sample_rate as f32, block));
        shared.wire();
        // The control values must outlive the instances (the plugin reads them in every run):
        // they live in the boxed shared data from here on.
        shared.controls = controls;
        let mut instances = Vec::new();
        for _ in 0..instances_n {
            let mut worker = Box::new(WorkerCtx {
                handle: std::ptr::null_mut(),
                iface: std::ptr::null(),
            });
            let mut schedule = Box::new(WorkerSchedule {
                handle: &mut *worker as *mut WorkerCtx as *mut c_void,
                schedule_work: worker_schedule,
            });
            let f_sched = Box::new(Lv2Feature {
                uri: c"http://lv2plug.in/ns/ext/worker#schedule".as_ptr(),
                data: &mut *schedule as *mut WorkerSchedule as *mut c_void,
            });
            let mut features: Vec<*const Lv2Feature> = shared
                .features
                .iter()
                .map(|f| f as *const Lv2Feature)
                .collect();
            if block.is_power_of_two() {
                features.push(&shared.pow2 as *const Lv2Feature);
            }
            features.push(&*f_sched as *const Lv2Feature);
            features.push(std::ptr::null());
            let inst =
                unsafe { (api.lilv_plugin_instantiate)(plug, sample_rate, features.as_ptr()) };
            if inst.is_null() {
                return Err(format!("{uri}: instantiate failed"));
            }
            let desc = unsafe { &*(*inst).descriptor };
            let handle = unsafe { (*inst).handle };
            worker.handle = handle;
            if let Some(ext) = desc.extension_data {
                worker.iface = unsafe { ext(c"http://lv2plug.in/ns/ext/worker#interface".as_ptr()) }
                    as *const WorkerInterface;
            }
            let mut inst = Instance {
                raw: inst,
                audio: vec![vec![0.0f32; block]; np],
                atoms: vec![Vec::new(); np],
                control_out: vec![0.0f32; np],
                _worker: worker,
                _schedule: schedule,
                _f_sched: f_sched,
            };
            for (p, kind) in kinds.iter().enumerate() {
                let ptr: *mut c_void = match kind {
                    PortKind::AudioIn | PortKind::AudioOut | PortKind::Cv => {
                        inst.audio[p].as_mut_ptr() as *mut c_void
                    }
                    PortKind::ControlIn => &mut shared.controls[p] as *mut f32 as *mut c_void,
                    PortKind::ControlOut => &mut inst.control_out[p] as *mut f32 as *mut c_void,
                    PortKind::AtomIn | PortKind::AtomOut => {
                        inst.atoms[p] = vec![0u64; ATOM_CAP / 8];
                        inst.atoms[p].as_mut_ptr() as *mut c_void
                    }
                    PortKind::Optional => std::ptr::null_mut(),
                };
                unsafe { (desc.connect_port)(handle, p as u32, ptr) };
            }
            if let Some(activate) = desc.activate {
                unsafe { activate(handle) };
            }
            instances.push(inst);
        }
        let t_seq = map_str("http://lv2plug.in/ns/ext/atom#Sequence");
        let t_chunk = map_str("http://lv2plug.in/ns/ext/atom#Chunk");
        Ok(Lv2Plugin {
            instance_free: api.lilv_instance_free,
            label: label.to_string(),
            shared,
            control_index,
            instances,
            kinds,
            audio_in,
            audio_out,
            t_seq,
            t_chunk,
            block,
        })
    }
}

const ATOM_CAP: usize = 65536;

/// Feature data every instance shares; boxed so the pointers handed to plugins stay valid.
struct Lv2Shared {
    map: UridMap,
    unmap: UridUnmap,
    block_len: i32,
    rate: f32,
    options: Vec<OptionsOption>,
    features: Vec<Lv2Feature>,
    pow2: Lv2Feature,
    controls: Vec<f32>,
}

impl Lv2Shared {
    fn new(rate: f32, block: usize) -> Lv2Shared {
        Lv2Shared {
            map: UridMap {
                handle: std::ptr::null_mut(),
                map: map_uri,
            },
            unmap: UridUnmap {
                handle: std::ptr::null_mut(),
                unmap: unmap_uri,
            },
            block_len: block as i32,
            rate,
            options: Vec::new(),
            features: Vec::new(),
            pow2: Lv2Feature {
                uri: c"http://lv2plug.in/ns/ext/buf-size#powerOf2BlockLength".as_ptr(),
                data: std::ptr::null_mut(),
            },
            controls: Vec::new(),
        }
    }

    /// Point the options and features at this (boxed, so no longer moving) struct's fields.
    fn wire(&mut self) {
        let int = map_str("http://lv2plug.in/ns/ext/atom#Int");
        let float = map_str("http://lv2plug.in/ns/ext/atom#Float");
        let block = &self.block_len as *const i32 as *const c_void;
        let rate = &self.rate as *const f32 as *const c_void;
        let opt = |key: &str, type_: u32, value: *const c_void| OptionsOption {
            context: 0,
            subject: 0,
            key: map_str(key),
            size: 4,
            type_,
            value,
        };
        self.options = vec![
            opt(
                "http://lv2plug.in/ns/ext/buf-size#minBlockLength",
                int,
                block,
            ),
            opt(
                "http://lv2plug.in/ns/ext/buf-size#maxBlockLength",
                int,
                block,
            ),
            opt(
                "http://lv2plug.in/ns/ext/buf-size#nominalBlockLength",
                int,
                block,
            ),
            opt(
                "http://lv2plug.in/ns/ext/parameters#sampleRate",
                float,
                rate,
            ),
            OptionsOption {
                context: 0,
                subject: 0,
                key: 0,
                size: 0,
                type_: 0,
                value: std::ptr::null(),
            },
        ];
        let feature = |uri: &'static CStr, data: *mut c_void| Lv2Feature {
            uri: uri.as_ptr(),
            data,
        };
        self.features = vec![
            feature(
                c"http://lv2plug.in/ns/ext/urid#map",
                &mut self.map as *mut UridMap as *mut c_void,
            ),
            feature(
                c"http://lv2plug.in/ns/ext/urid#unmap",
                &mut self.unmap as *mut UridUnmap as *mut c_void,
            ),
            feature(
                c"http://lv2plug.in/ns/ext/options#options",
                self.options.as_mut_ptr() as *mut c_void,
            ),
            feature(
                c"http://lv2plug.in/ns/ext/buf-size#boundedBlockLength",
                std::ptr::null_mut(),
            ),
            feature(
                c"http://lv2plug.in/ns/ext/buf-size#fixedBlockLength",
                std::ptr::null_mut(),
            ),
        ];
    }
}

struct Instance {
    raw: *mut LilvInstance,
    audio: Vec<Vec<f32>>,
    atoms: Vec<Vec<u64>>,
    control_out: Vec<f32>,
    _worker: Box<WorkerCtx>,
    _schedule: Box<WorkerSchedule>,
    _f_sched: Box<Lv2Feature>,
}

/// One peer plugin, ready to process stereo blocks.
pub struct Lv2Plugin {
    label: String,
    /// lilv's `lilv_instance_free` (the world, and so the library, outlives every plugin).
    instance_free: unsafe extern "C" fn(*mut LilvInstance),
    // Drop order: instances first (they point into `_shared`).
    instances: Vec<Instance>,
    shared: Box<Lv2Shared>,
    /// Port index of every control given at instantiation, by symbol (for `set_control`).
    control_index: HashMap<String, usize>,
    kinds: Vec<PortKind>,
    audio_in: Vec<usize>,
    audio_out: Vec<usize>,
    t_seq: u32,
    t_chunk: u32,
    block: usize,
}

impl Drop for Lv2Plugin {
    fn drop(&mut self) {
        for inst in &self.instances {
            // SAFETY: the instance is alive until lilv_instance_free, called once here through
            // the world's library, which the caller keeps loaded (the world outlives every
            // plugin in main). Freeing matters: the EQ calibration instantiates thousands.
            unsafe {
                let desc = &*(*inst.raw).descriptor;
                if let Some(deactivate) = desc.deactivate {
                    deactivate((*inst.raw).handle);
                }
                (self.instance_free)(inst.raw);
            }
        }
    }
}

impl Lv2Plugin {
    /// Change a control input between runs (the plugin reads it at its next `run`, as from a
    /// host's automation at block rate). Only symbols given at instantiation can be changed.
    pub fn set_control(&mut self, symbol: &str, value: f32) -> Result<(), String> {
        let index = *self.control_index.get(symbol).ok_or_else(|| {
            format!(
                "{}: control '{symbol}' was not set at instantiation",
                self.label
            )
        })?;
        self.shared.controls[index] = value;
        Ok(())
    }
}

impl Processor for Lv2Plugin {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn process(&mut self, input: [&[f32]; 2], output: [&mut [f32]; 2]) -> u64 {
        let n = input[0].len();
        debug_assert!(n <= self.block);
        let mono_instances = self.instances.len() > 1;
        for (k, inst) in self.instances.iter_mut().enumerate() {
            for (j, &p) in self.audio_in.iter().enumerate() {
                let ch = if mono_instances { k } else { j };
                let buf = &mut inst.audio[p];
                if ch < 2 {
                    buf[..n].copy_from_slice(&input[ch][..n]);
                    buf[n..].fill(0.0);
                } else {
                    buf.fill(0.0);
                }
            }
            for (p, kind) in self.kinds.iter().enumerate() {
                let atom = &mut inst.atoms[p];
                match kind {
                    // LV2_Atom_Sequence: { atom { size, type }, body { unit, pad } }
                    PortKind::AtomIn => {
                        let words = atom.as_mut_ptr() as *mut u32;
                        // SAFETY: the buffer holds ATOM_CAP bytes.
                        unsafe {
                            *words = 8;
                            *words.add(1) = self.t_seq;
                            *words.add(2) = 0;
                            *words.add(3) = 0;
                        }
                    }
                    PortKind::AtomOut => {
                        let words = atom.as_mut_ptr() as *mut u32;
                        unsafe {
                            *words = (ATOM_CAP - 8) as u32;
                            *words.add(1) = self.t_chunk;
                        }
                    }
                    _ => {}
                }
            }
        }
        // Frames are padded to the fixed block (the last block of a file, like lv2run.c).
        let start = thread_cpu_ns();
        for inst in &self.instances {
            // SAFETY: all ports are connected, the instance is active.
            unsafe {
                let desc = &*(*inst.raw).descriptor;
                (desc.run)((*inst.raw).handle, self.block as u32);
            }
        }
        let spent = thread_cpu_ns().saturating_sub(start);
        let [out_l, out_r] = output;
        let mut dsts = [out_l, out_r];
        let mut ch = 0;
        for inst in &self.instances {
            for &p in &self.audio_out {
                if let Some(dst) = dsts.get_mut(ch) {
                    dst[..n].copy_from_slice(&inst.audio[p][..n]);
                }
                ch += 1;
            }
        }
        // A plugin with one output and one instance: the same signal on both sides.
        if ch == 1 {
            let [l, r] = &mut dsts;
            r[..n].copy_from_slice(&l[..n]);
        }
        spent
    }
}

/// Parse `sym:val,sym:val` from plugins.list.
pub fn parse_params(s: &str) -> Result<Vec<(String, f32)>, String> {
    s.split(',')
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            let (sym, val) = t
                .split_once(':')
                .ok_or_else(|| format!("bad param '{t}'"))?;
            let v: f32 = val
                .trim()
                .parse()
                .map_err(|_| format!("bad value in '{t}'"))?;
            Ok((sym.trim().to_string(), v))
        })
        .collect()
}
