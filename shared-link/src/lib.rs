//! Gel Link: every Gel instance publishes its spectrum, its stereo placement, its plugin kind
//! and a label, so that Gel EQ and Gel Panner can show the other tracks of the same DAW session.
//!
//! # Pieces
//!
//! * **Audio thread** — [`LinkTap::push_output`] / [`LinkTap::push_input`] copy only the
//!   samples the publisher will analyse — one analysis window in every 8.6 — into a
//!   single-producer ring (relaxed atomic stores, one release store; no allocation, lock,
//!   system call or wait); every other block costs a counter update. See `tap.rs` and "Cost and
//!   statistics" below.
//! * **Publisher** — one background thread per plugin library and process, started by the
//!   first [`LinkHandle`] and joined when the last one drops. About ten times per second it
//!   drains every instance's rings, analyses them (`analysis.rs`: Welch spectrum, 1/6-octave
//!   bands, 1 s exponential average; balance and width from L/R energies and correlation) and
//!   writes the instance's slot and heartbeat.
//! * **Registry** — a named shared memory segment (`layout.rs`, `segment.rs`): a header (magic,
//!   layout version, slot count, slot size) and [`SLOT_COUNT`] slots of 896 bytes, each claimed
//!   by compare-and-swap of its owner id and guarded by a sequence lock. POSIX `shm_open` +
//!   `mmap` with mode 0600 under the name `/gel-link-<uid>` on unix; a named file mapping
//!   `Local\gel-link-<user>` on Windows.
//! * **Readers** — [`LinkHandle::instances`] (GUI thread) copies every live slot of the same
//!   session.
//!
//! # Sessions
//!
//! Instances group by DAW session (`session.rs`): the key names the DAW process — this process,
//! or its parent when this process is a known plugin bridge or sandbox (Bitwig's plugin host,
//! REAPER's `reaper_host`, yabridge, Carla's bridges, FL Studio's `ilbridge`), walking up
//! through nested bridges. Plugins hosted in the DAW's process and plugins in its sandboxes see
//! each other. **Two DAWs at once** are two sessions: each Gel EQ lists only the tracks of its
//! own DAW; the other DAW's instances still occupy slots of the same 128 (one segment per
//! user). A second user on the same machine has a separate segment and sees nothing of the
//! first.
//!
//! # Bad conditions
//!
//! * An instance that crashes or is removed stops its heartbeat: after [`STALE_AFTER_MS`] (2 s)
//!   readers skip it and a new instance may reclaim its slot. A removed instance frees its slot
//!   at once.
//! * Full registry (more than [`SLOT_COUNT`] live instances): the newcomer is
//!   [`LinkStatus::NotShared`] with a message, still sees the others, and retries every publish
//!   tick, so it joins when a slot frees up.
//! * A segment of another layout (older or newer Gel): detected by the header, ignored, status
//!   "not shared" naming both versions.
//! * No shared memory (no `/dev/shm`, permissions, another user's object under our name, a
//!   segment accessible by others): "not shared" with the reason; the instance still analyses
//!   itself, so its own entry in [`LinkHandle::instances`] stays live.
//! * `GEL_LINK_DISABLE=1`: no sharing, no publisher thread, taps do nothing.
//! * `GEL_LINK_NAMESPACE=<s>` (read once per process): a private segment name, for tests.
//! * `GEL_LINK_SESSION=<n>`: force the session key (tests; hosts Gel does not know).
//!
//! # Smoothing
//!
//! See the `analysis` module: 1/6-octave power bands around each of the [`SPECTRUM_BINS`]
//! log-spaced centres ([`bin_freq_hz`]), `10·log10(2·P)` so a full-scale sine reads 0 dB;
//! exponential average over Hann frames with time constant [`TIME_CONSTANT_S`] (1 s).
//!
//! # Cost and statistics
//!
//! The tap captures one Hann window of `N` samples (4096 at 48 kHz, 85 ms) in every period of
//! `P ≈ 8.62·N` samples (35301, 735 ms at 48 kHz; why not 8·N: `tap.rs`): 11.6 % of the
//! audio, the input's windows half a period after the output's. Outside a window a push costs two atomic loads, a comparison and one
//! atomic store per block; inside, one 64-bit atomic store per stereo frame. On the
//! development machine the bench measures ≈ 0.17 ns per stereo frame for both taps together
//! (+9 % on Gel Panner, the lightest plugin), against ≈ 0.85 ns (+49 %) when every sample was
//! copied; README, "Gel Link", has the figures.
//!
//! The price is statistical: the 1 s average now rests on `τ·fs/P` = 1.36 windows per τ (at
//! any rate: `N` scales with the rate) instead of 23 half-overlapping ones. For a stationary
//! Gaussian signal, one window's power in a band of width `B` spread over `M = B·N/fs` FFT bins
//! has a relative variance of `1.94/M` per channel (`1 + 2·(2/3)² + 2·(1/6)²`: the Hann
//! window's correlation between neighbouring bins, Harris 1978); the exponential average
//! multiplies it by `α/(2−α)` (0.35, with `α = 1 − exp(−P/(τ·fs)) = 0.52`; the average is
//! worth 2.8 independent windows). The standard deviation of a reading is therefore about
//! `4.34·√(α/(2−α) · 1.94/(c·M))` dB with `c` = 2 for uncorrelated left and right, 1 for mono:
//! for stereo noise 0.8 dB in the band at 1 kHz (`M` = 9.9), 0.4 dB at 4 kHz, 0.23 dB at
//! 12 kHz; below about 300 Hz a band holds fewer than three bins and readings of noise wander
//! by 2 dB or more (they did by about 0.5 dB when every sample was analysed). The mean is
//! unbiased: averaged over several seconds — as a display or the host tests do — readings are
//! within a few tenths of a dB of the band power. Tones and steady spectra are unaffected. The
//! unit test `white_noise_reads_its_band_power_with_the_documented_spread` checks both the mean
//! and this spread.

mod analysis;
mod layout;
mod segment;
mod session;
mod tap;

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

pub use analysis::{band_edges_hz, SMOOTHING_OCTAVES, TIME_CONSTANT_S};
pub use layout::SLOT_COUNT;

use layout::{Slot, SlotData, FLAG_HAS_INPUT};
use segment::Segment;
use tap::Ring;

/// Bins of every shared spectrum: log-spaced band centres from 20 Hz to 20 kHz.
pub const SPECTRUM_BINS: usize = 96;
/// The lowest level a spectrum bin reads (dB); silence and "no data yet" read this.
pub const SPECTRUM_FLOOR_DB: f32 = -120.0;
/// A heartbeat older than this (ms) makes an instance invisible and its slot reclaimable.
pub const STALE_AFTER_MS: u64 = 2000;
/// How often the publisher analyses and writes (ms).
pub const PUBLISH_INTERVAL_MS: u64 = 100;

const MIN_HZ: f32 = 20.0;
const MAX_HZ: f32 = 20_000.0;

/// Centre frequency of bin `i` (log-spaced, bin 0 = 20 Hz, last = 20 kHz).
pub fn bin_freq_hz(i: usize) -> f32 {
    let t = i.min(SPECTRUM_BINS - 1) as f32 / (SPECTRUM_BINS - 1) as f32;
    MIN_HZ * (MAX_HZ / MIN_HZ).powf(t)
}

/// What kind of Gel plugin an instance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Eq,
    Compressor,
    Panner,
    Reverb,
    Delay,
}

impl PluginKind {
    /// "Gel EQ", "Gel Compressor", …
    pub fn product_name(self) -> &'static str {
        match self {
            PluginKind::Eq => "Gel EQ",
            PluginKind::Compressor => "Gel Compressor",
            PluginKind::Panner => "Gel Panner",
            PluginKind::Reverb => "Gel Reverb",
            PluginKind::Delay => "Gel Delay",
        }
    }

    pub(crate) fn from_u32(v: u32) -> Self {
        match v {
            1 => PluginKind::Compressor,
            2 => PluginKind::Panner,
            3 => PluginKind::Reverb,
            4 => PluginKind::Delay,
            _ => PluginKind::Eq,
        }
    }
}

/// Smoothed power spectrum, dB per bin (see the crate docs for the smoothing): a full-scale
/// sine inside a bin's 1/6-octave band reads 0 dB.
#[derive(Clone, Copy, Debug)]
pub struct Spectrum(pub [f32; SPECTRUM_BINS]);

impl Default for Spectrum {
    fn default() -> Self {
        Spectrum([SPECTRUM_FLOOR_DB; SPECTRUM_BINS])
    }
}

/// Where a track sits in the stereo field: balance −1 (left) … +1 (right) from the L/R energy
/// `(E_R − E_L)/(E_L + E_R)`; width `1 − ρ` from the normalised L/R correlation ρ: 0 mono (a
/// panned mono source too), 1 uncorrelated, 2 out of phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct StereoPlacement {
    pub balance: f32,
    pub width: f32,
}

/// Whether this instance is visible to others.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkStatus {
    Shared,
    /// Human-readable reason.
    NotShared(String),
}

/// One live instance as a reader sees it.
#[derive(Clone, Debug)]
pub struct InstanceView {
    pub id: u64,
    pub kind: PluginKind,
    /// Track name if the host gave one, else e.g. "Gel EQ #3".
    pub label: String,
    pub is_self: bool,
    pub output: Spectrum,
    /// Where it differs from the output (the instance pushed its input).
    pub input: Option<Spectrum>,
    pub placement: StereoPlacement,
    /// Since its last heartbeat.
    pub age_ms: u32,
}

// ---------------------------------------------------------------------------------------------
// Process-wide state
// ---------------------------------------------------------------------------------------------

struct Config {
    disabled: bool,
    segment_name: String,
    session: u64,
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let disabled = std::env::var("GEL_LINK_DISABLE")
            .map(|v| !v.is_empty() && v != "0")
            .unwrap_or(false);
        let namespace = std::env::var("GEL_LINK_NAMESPACE").unwrap_or_default();
        Config {
            disabled,
            segment_name: segment_name(&namespace),
            session: session::current_key(),
        }
    })
}

/// `gel-link-<user>[-<namespace>]`, only `[A-Za-z0-9_-]` kept.
fn segment_name(namespace: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(64)
            .collect()
    };
    let mut name = format!("gel-link-{}", clean(&user_tag()));
    let ns = clean(namespace);
    if !ns.is_empty() {
        name.push('-');
        name.push_str(&ns);
    }
    name
}

#[cfg(unix)]
fn user_tag() -> String {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }.to_string()
}

#[cfg(not(unix))]
fn user_tag() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "user".into())
}

/// The process's segment, opened once (or why not).
fn segment() -> &'static Result<Segment, String> {
    static SEGMENT: OnceLock<Result<Segment, String>> = OnceLock::new();
    SEGMENT.get_or_init(|| Segment::open(&config().segment_name))
}

/// Milliseconds since the Unix epoch (CLOCK_REALTIME): comparable between processes.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Whether a heartbeat is stale at `now` (also one far in the future: a clock jump).
fn is_stale(heartbeat: u64, now: u64) -> bool {
    heartbeat == 0
        || now.saturating_sub(heartbeat) > STALE_AFTER_MS
        || heartbeat.saturating_sub(now) > STALE_AFTER_MS
}

/// A process-unique, library-unique, non-zero id: several Gel libraries in one process each
/// have their own statics, so the pid and a counter alone would collide.
fn new_instance_id() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let here = &COUNTER as *const AtomicU64 as u64;
    let mut z = nanos ^ (std::process::id() as u64).rotate_left(40) ^ here.rotate_left(17);
    z = z.wrapping_add(count.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z.max(1)
}

/// Claim a free or stale slot of `segment` for `id`; writes the first heartbeat.
fn claim_slot(segment: &Segment, id: u64) -> Option<usize> {
    for i in 0..SLOT_COUNT {
        let slot = segment.slot(i);
        let owner = slot.owner.load(Ordering::Acquire);
        let claimable = owner == 0 || is_stale(slot.heartbeat_ms.load(Ordering::Acquire), now_ms());
        if claimable
            && slot
                .owner
                .compare_exchange(owner, id, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            slot.heartbeat_ms.store(now_ms(), Ordering::Release);
            return Some(i);
        }
    }
    None
}

fn full_message() -> String {
    format!(
        "the Gel Link registry is full ({SLOT_COUNT} Gel instances are already linked); this \
         one joins when a slot frees up"
    )
}

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

struct TapShared {
    sample_rate: AtomicU32,
    output: Ring,
    input: Ring,
}

/// What the publisher keeps per instance.
struct PublishState {
    closed: bool,
    /// Index into the shared segment.
    slot: Option<usize>,
    data: SlotData,
    label: String,
    output: Option<(analysis::SignalAnalysis, u64)>,
    input: Option<(analysis::SignalAnalysis, u64)>,
    /// One window of each channel, copied out of a ring.
    scratch: (Vec<f32>, Vec<f32>),
}

struct Instance {
    id: u64,
    tap: Option<Arc<TapShared>>,
    /// This instance's own copy of its payload (always written, also when not shared).
    local: Slot,
    slot_index: AtomicUsize,
    status: Mutex<LinkStatus>,
    state: Mutex<PublishState>,
}

const NO_SLOT: usize = usize::MAX;

impl Instance {
    fn set_status(&self, status: LinkStatus) {
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }

    /// One publisher tick: analyse what arrived, write the local copy and the shared slot.
    fn publish(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if state.closed {
            return;
        }
        let state = &mut *state;
        if let Some(tap) = &self.tap {
            let sr = f32::from_bits(tap.sample_rate.load(Ordering::Relaxed));
            analyse(&tap.output, sr, &mut state.output, &mut state.scratch);
            analyse(&tap.input, sr, &mut state.input, &mut state.scratch);
            if let Some((a, _)) = &state.output {
                a.spectrum_db(&mut state.data.output);
                let (b, w) = a.placement();
                state.data.balance = b;
                state.data.width = w;
            }
            match &state.input {
                Some((a, _)) if tap.input.used() => {
                    a.spectrum_db(&mut state.data.input);
                    state.data.flags |= FLAG_HAS_INPUT;
                }
                _ => state.data.flags &= !FLAG_HAS_INPUT,
            }
        }
        let label = state.label.clone();
        state.data.set_label(&label);
        let now = now_ms();
        self.local.write(&state.data);
        self.local.heartbeat_ms.store(now, Ordering::Release);

        let Ok(segment) = segment() else {
            return;
        };
        if state.slot.is_none() {
            match claim_slot(segment, self.id) {
                Some(i) => {
                    state.slot = Some(i);
                    self.slot_index.store(i, Ordering::Release);
                    self.set_status(LinkStatus::Shared);
                }
                None => {
                    self.set_status(LinkStatus::NotShared(full_message()));
                    return;
                }
            }
        }
        if let Some(i) = state.slot {
            let slot = segment.slot(i);
            if slot.owner.load(Ordering::Acquire) != self.id {
                // Reclaimed by someone who took our heartbeat for stale (a stalled machine):
                // claim another slot next tick.
                state.slot = None;
                self.slot_index.store(NO_SLOT, Ordering::Release);
                return;
            }
            slot.write(&state.data);
            slot.heartbeat_ms.store(now, Ordering::Release);
        }
    }

    /// Free the shared slot and stop publishing (drop of the handle).
    fn close(&self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.closed = true;
        if let (Some(i), Ok(segment)) = (state.slot.take(), segment()) {
            let slot = segment.slot(i);
            slot.heartbeat_ms.store(0, Ordering::Release);
            let _ = slot
                .owner
                .compare_exchange(self.id, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
        self.slot_index.store(NO_SLOT, Ordering::Release);
    }
}

/// Drain one ring's complete windows into its analysis (made or remade for the current
/// sample rate).
fn analyse(
    ring: &Ring,
    sample_rate: f32,
    analysis: &mut Option<(analysis::SignalAnalysis, u64)>,
    scratch: &mut (Vec<f32>, Vec<f32>),
) {
    if !ring.used() {
        return;
    }
    let remake = match analysis {
        Some((a, _)) => a.sample_rate() != sample_rate && sample_rate > 1000.0,
        None => true,
    };
    if remake {
        let read = analysis.as_ref().map(|(_, r)| *r).unwrap_or(0);
        *analysis = Some((analysis::SignalAnalysis::new(sample_rate), read));
    }
    if let Some((a, read)) = analysis {
        let size = a.size();
        // Lost windows (the publisher fell behind) only make the next α larger: the average
        // follows the stream position, not the count of windows.
        ring.drain(read, size, &mut scratch.0, &mut scratch.1, |end, l, r| {
            a.analyse_window(end, l, r)
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Publisher thread
// ---------------------------------------------------------------------------------------------

struct Publisher {
    instances: Vec<Arc<Instance>>,
    thread: Option<(std::thread::JoinHandle<()>, Arc<Stop>)>,
}

struct Stop {
    flag: Mutex<bool>,
    wake: Condvar,
}

fn publisher() -> &'static Mutex<Publisher> {
    static PUBLISHER: Mutex<Publisher> = Mutex::new(Publisher {
        instances: Vec::new(),
        thread: None,
    });
    &PUBLISHER
}

fn register(instance: Arc<Instance>) {
    let mut p = publisher().lock().unwrap_or_else(|e| e.into_inner());
    p.instances.push(instance);
    if p.thread.is_none() {
        let stop = Arc::new(Stop {
            flag: Mutex::new(false),
            wake: Condvar::new(),
        });
        let thread_stop = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("gel-link publisher".into())
            .spawn(move || publisher_loop(&thread_stop));
        if let Ok(handle) = spawned {
            p.thread = Some((handle, stop));
        }
    }
}

fn unregister(instance: &Arc<Instance>) {
    let thread = {
        let mut p = publisher().lock().unwrap_or_else(|e| e.into_inner());
        p.instances.retain(|i| !Arc::ptr_eq(i, instance));
        if p.instances.is_empty() {
            p.thread.take()
        } else {
            None
        }
    };
    // Join outside the lock (the thread takes it every tick). The thread must be gone before
    // the last instance is: a host may unload the library right after.
    if let Some((handle, stop)) = thread {
        *stop.flag.lock().unwrap_or_else(|e| e.into_inner()) = true;
        stop.wake.notify_all();
        let _ = handle.join();
    }
}

fn publisher_loop(stop: &Stop) {
    let mut current: Vec<Arc<Instance>> = Vec::new();
    loop {
        current.clear();
        current.extend(
            publisher()
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .instances
                .iter()
                .cloned(),
        );
        for instance in &current {
            instance.publish();
        }
        current.clear();
        let flag = stop.flag.lock().unwrap_or_else(|e| e.into_inner());
        if *flag {
            return;
        }
        let (flag, _) = stop
            .wake
            .wait_timeout(flag, Duration::from_millis(PUBLISH_INTERVAL_MS))
            .unwrap_or_else(|e| e.into_inner());
        if *flag {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public handles
// ---------------------------------------------------------------------------------------------

/// One per plugin instance; created on the main thread (Plugin::initialize or Default), Drop
/// frees its slot. Never fails: when sharing is impossible, [`status`](Self::status) says why.
pub struct LinkHandle {
    instance: Arc<Instance>,
    session: u64,
}

impl LinkHandle {
    pub fn new(kind: PluginKind) -> Self {
        let cfg = config();
        let id = new_instance_id();
        let mut data = SlotData::empty(id, cfg.session, kind);
        data.set_label("");
        let (tap, status) = if cfg.disabled {
            (
                None,
                LinkStatus::NotShared("sharing is turned off (GEL_LINK_DISABLE)".into()),
            )
        } else {
            let tap = Arc::new(TapShared {
                sample_rate: AtomicU32::new(48_000f32.to_bits()),
                output: Ring::new(analysis::fft_size_for(48_000.0), false),
                input: Ring::new(analysis::fft_size_for(48_000.0), true),
            });
            let status = match segment() {
                Ok(_) => LinkStatus::Shared,
                Err(reason) => LinkStatus::NotShared(reason.clone()),
            };
            (Some(tap), status)
        };
        let instance = Arc::new(Instance {
            id,
            tap,
            local: Slot::default(),
            slot_index: AtomicUsize::new(NO_SLOT),
            status: Mutex::new(status),
            state: Mutex::new(PublishState {
                closed: false,
                slot: None,
                data,
                label: String::new(),
                output: None,
                input: None,
                scratch: (Vec::new(), Vec::new()),
            }),
        });
        if !cfg.disabled {
            // Claim now so status() is right from the start; then the publisher keeps it.
            if let Ok(segment) = segment() {
                let mut state = instance.state.lock().unwrap_or_else(|e| e.into_inner());
                match claim_slot(segment, id) {
                    Some(i) => {
                        segment.slot(i).write(&state.data);
                        state.slot = Some(i);
                        instance.slot_index.store(i, Ordering::Release);
                    }
                    None => instance.set_status(LinkStatus::NotShared(full_message())),
                }
            }
            instance.local.write(
                &instance
                    .state
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .data,
            );
            instance
                .local
                .heartbeat_ms
                .store(now_ms(), Ordering::Release);
            register(instance.clone());
        }
        Self {
            instance,
            session: cfg.session,
        }
    }

    pub fn status(&self) -> LinkStatus {
        self.instance
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(LinkStatus::NotShared("internal error".into()))
    }

    pub fn id(&self) -> u64 {
        self.instance.id
    }

    /// Where this instance shares, for a status line or a tooltip: the segment and the DAW
    /// process that makes the session, e.g. "/gel-link-1000, session of reaper (pid 4242)".
    /// Computed on each call (reads /proc on Linux): GUI thread, not every frame.
    pub fn describe(&self) -> String {
        let session = session::describe();
        match segment() {
            Ok(segment) if !config().disabled => {
                format!("{}, session of {session}", segment.name())
            }
            _ => format!("not shared, session of {session}"),
        }
    }

    /// Main/GUI thread: the host's track name or the user's label (empty = default label).
    /// Published with the next tick.
    pub fn set_label(&self, label: &str) {
        if let Ok(mut state) = self.instance.state.lock() {
            if state.label != label {
                state.label = label.to_string();
            }
            if self.instance.tap.is_none() {
                // No publisher runs: keep the local copy current here.
                state.data.set_label(label);
                self.instance.local.write(&state.data);
            }
        }
    }

    /// The audio thread's side (cheap to clone, Send + Sync).
    pub fn tap(&self) -> LinkTap {
        LinkTap {
            shared: self.instance.tap.clone(),
        }
    }

    /// GUI thread: every live instance of this DAW session (self included, flagged, first).
    pub fn instances(&self, out: &mut Vec<InstanceView>) {
        out.clear();
        let now = now_ms();
        let own_slot = self.instance.slot_index.load(Ordering::Acquire);
        let mut data = SlotData::empty(0, 0, PluginKind::Eq);
        if self.instance.local.read(&mut data) {
            let hb = self.instance.local.heartbeat_ms.load(Ordering::Acquire);
            let index = (own_slot != NO_SLOT).then_some(own_slot);
            let mut view = view_of(&data, index, true, now.saturating_sub(hb));
            if self.instance.tap.is_none() {
                view.age_ms = 0;
            }
            out.push(view);
        }
        let Ok(segment) = segment() else {
            return;
        };
        if config().disabled {
            return;
        }
        collect_others(segment, own_slot, self.instance.id, self.session, now, out);
    }
}

/// Append every live instance of `session` in `segment` except `own_id` / `own_slot`.
fn collect_others(
    segment: &Segment,
    own_slot: usize,
    own_id: u64,
    session: u64,
    now: u64,
    out: &mut Vec<InstanceView>,
) {
    let mut data = SlotData::empty(0, 0, PluginKind::Eq);
    for i in 0..SLOT_COUNT {
        if i == own_slot {
            continue;
        }
        let slot = segment.slot(i);
        let owner = slot.owner.load(Ordering::Acquire);
        if owner == 0 || owner == own_id {
            continue;
        }
        let hb = slot.heartbeat_ms.load(Ordering::Acquire);
        if is_stale(hb, now) {
            continue;
        }
        if !slot.read(&mut data) || data.id != owner || data.session != session {
            continue;
        }
        out.push(view_of(&data, Some(i), false, now.saturating_sub(hb)));
    }
}

fn view_of(data: &SlotData, slot: Option<usize>, is_self: bool, age_ms: u64) -> InstanceView {
    let label = match data.label() {
        "" => match slot {
            Some(i) => format!("{} #{}", data.kind.product_name(), i + 1),
            None => data.kind.product_name().to_string(),
        },
        l => l.to_string(),
    };
    InstanceView {
        id: data.id,
        kind: data.kind,
        label,
        is_self,
        output: Spectrum(data.output),
        input: (data.flags & FLAG_HAS_INPUT != 0).then_some(Spectrum(data.input)),
        placement: StereoPlacement {
            balance: data.balance,
            width: data.width,
        },
        age_ms: age_ms.min(u32::MAX as u64) as u32,
    }
}

impl Drop for LinkHandle {
    fn drop(&mut self) {
        self.instance.close();
        if self.instance.tap.is_some() {
            unregister(&self.instance);
        }
    }
}

/// Audio thread: wait-free, no allocation, no syscalls.
#[derive(Clone)]
pub struct LinkTap {
    shared: Option<Arc<TapShared>>,
}

impl LinkTap {
    /// From `activate()`.
    pub fn set_sample_rate(&self, sample_rate: f32) {
        if let Some(s) = &self.shared {
            s.sample_rate
                .store(sample_rate.to_bits(), Ordering::Relaxed);
            let window = analysis::fft_size_for(sample_rate);
            s.output.set_window(window);
            s.input.set_window(window);
        }
    }

    /// The processed block (what the track sounds like after this plugin).
    #[inline]
    pub fn push_output(&self, left: &[f32], right: &[f32]) {
        if let Some(s) = &self.shared {
            s.output.push(left, right);
        }
    }

    /// The block as it came in.
    #[inline]
    pub fn push_input(&self, left: &[f32], right: &[f32]) {
        if let Some(s) = &self.shared {
            s.input.push(left, right);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Publish `data` into a freshly claimed slot of `segment` with a current heartbeat.
    fn publish_into(segment: &Segment, data: &SlotData) -> usize {
        let i = claim_slot(segment, data.id).expect("a free slot");
        segment.slot(i).write(data);
        segment
            .slot(i)
            .heartbeat_ms
            .store(now_ms(), Ordering::Release);
        i
    }

    fn others(segment: &Segment, session: u64) -> Vec<InstanceView> {
        let mut out = Vec::new();
        collect_others(segment, NO_SLOT, u64::MAX, session, now_ms(), &mut out);
        out
    }

    #[test]
    fn bin_frequencies_span_20_hz_to_20_khz() {
        assert!((bin_freq_hz(0) - 20.0).abs() < 1e-3);
        assert!((bin_freq_hz(SPECTRUM_BINS - 1) - 20_000.0).abs() < 0.1);
        for i in 1..SPECTRUM_BINS {
            let ratio = bin_freq_hz(i) / bin_freq_hz(i - 1);
            assert!((ratio - 1000f32.powf(1.0 / 95.0)).abs() < 1e-4);
        }
    }

    #[test]
    fn readers_see_live_instances_of_their_session_only() {
        let seg = Segment::open_in_memory_for_tests();
        let mut a = SlotData::empty(11, 7, PluginKind::Compressor);
        a.set_label("Bass");
        a.output[10] = -12.0;
        a.flags = FLAG_HAS_INPUT;
        let b = SlotData::empty(12, 7, PluginKind::Panner);
        let other_daw = SlotData::empty(13, 8, PluginKind::Eq);
        publish_into(&seg, &a);
        let ib = publish_into(&seg, &b);
        publish_into(&seg, &other_daw);
        let seen = others(&seg, 7);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].label, "Bass");
        assert_eq!(seen[0].kind, PluginKind::Compressor);
        assert_eq!(seen[0].output.0[10], -12.0);
        assert!(seen[0].input.is_some());
        assert_eq!(seen[1].label, format!("Gel Panner #{}", ib + 1));
        assert!(seen[1].input.is_none());
        assert_eq!(others(&seg, 8).len(), 1);
    }

    #[test]
    fn stale_heartbeat_is_invisible_and_reclaimable() {
        let seg = Segment::open_in_memory_for_tests();
        let crashed = SlotData::empty(21, 1, PluginKind::Eq);
        let i = publish_into(&seg, &crashed);
        assert_eq!(others(&seg, 1).len(), 1);
        // 2.1 s without a heartbeat: gone.
        seg.slot(i)
            .heartbeat_ms
            .store(now_ms() - STALE_AFTER_MS - 100, Ordering::Release);
        assert!(others(&seg, 1).is_empty());
        // 1.9 s: still there.
        seg.slot(i)
            .heartbeat_ms
            .store(now_ms() - STALE_AFTER_MS + 100, Ordering::Release);
        assert_eq!(others(&seg, 1).len(), 1);
        // A heartbeat from the far future (clock jumped back) counts as stale too.
        seg.slot(i)
            .heartbeat_ms
            .store(now_ms() + 10 * STALE_AFTER_MS, Ordering::Release);
        assert!(others(&seg, 1).is_empty());
        // Fill every other slot while it is live, then let it go stale: it is the only one a
        // newcomer can take.
        seg.slot(i).heartbeat_ms.store(now_ms(), Ordering::Release);
        for n in 0..SLOT_COUNT - 1 {
            publish_into(&seg, &SlotData::empty(1000 + n as u64, 1, PluginKind::Eq));
        }
        assert_eq!(claim_slot(&seg, 4999), None);
        seg.slot(i)
            .heartbeat_ms
            .store(now_ms() - STALE_AFTER_MS - 100, Ordering::Release);
        assert_eq!(claim_slot(&seg, 5000), Some(i));
        assert_eq!(seg.slot(i).owner.load(Ordering::Relaxed), 5000);
        // Its old payload (id 21) is not shown under the new owner until it writes its own.
        assert!(others(&seg, 1).iter().all(|v| v.id != 21));
    }

    #[test]
    fn full_registry_refuses_the_next_claim() {
        let seg = Segment::open_in_memory_for_tests();
        for n in 0..SLOT_COUNT {
            publish_into(&seg, &SlotData::empty(100 + n as u64, 1, PluginKind::Delay));
        }
        assert_eq!(claim_slot(&seg, 9999), None);
        assert_eq!(others(&seg, 1).len(), SLOT_COUNT);
        // One leaves: the slot is free at once.
        seg.slot(5).owner.store(0, Ordering::Release);
        assert_eq!(claim_slot(&seg, 9999), Some(5));
    }

    #[test]
    fn a_slot_changing_owner_mid_read_is_skipped() {
        let seg = Segment::open_in_memory_for_tests();
        let i = publish_into(&seg, &SlotData::empty(31, 1, PluginKind::Eq));
        // New owner claimed it but has not written its payload yet.
        seg.slot(i).owner.store(32, Ordering::Release);
        assert!(others(&seg, 1).is_empty());
    }

    #[test]
    fn segment_names_carry_the_user_and_namespace() {
        let name = segment_name("a/b c-1");
        assert!(name.starts_with("gel-link-"));
        assert!(name.contains(&user_tag()));
        assert!(name.ends_with("-abc-1"));
        assert_eq!(segment_name(""), format!("gel-link-{}", user_tag()));
    }
}
