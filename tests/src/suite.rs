//! The conformance suite: every check runs against any [`PluginHost`], once per format.
//!
//! Each plugin gets the whole suite with one line in `tests/tests/<plugin>.rs`:
//!
//! ```text
//! gel_host_tests::conformance_suite!(panner, "Gel Panner", gel_host_tests::suite::Expectations {
//!     clap_id: "org.gel-audio.panner",
//!     ..gel_host_tests::suite::Expectations::DEFAULT
//! });
//! ```
//!
//! which expands to one `#[test]` per check and format, named `<prefix>_<format>_<check>` (e.g.
//! `panner_clap_params_round_trip`), so a failure names exactly what broke. The `gui` check opens
//! the editor in an X11 window, so it exists on Linux only; every other check runs on Windows too
//! (`cargo xtask test --target x86_64-pc-windows-gnu`).
//!
//! Every threshold is stated next to the check with the reason for it.

use std::io::Write as _;
use std::path::PathBuf;

use crate::signals::{self, XorShift};
#[cfg(target_os = "linux")]
use crate::x11_parent::{self, X11Parent};
use crate::{Format, ParamEvent, ParamInfo, PluginHost, ProcessOutcome};

/// What a plugin promises; the suite checks the binaries keep those promises.
#[derive(Clone, Copy, Debug)]
pub struct Expectations {
    /// CLAP id (reverse DNS).
    pub clap_id: &'static str,
    pub vendor: &'static str,
    /// Must equal the plugin crate's version (pass `"0.1.0"` or `env!("CARGO_PKG_VERSION")` of
    /// the plugin crate).
    pub version: &'static str,
    /// CLAP features the descriptor must contain (it may contain more).
    pub clap_features: &'static [&'static str],
    /// VST3 subcategories the class must contain (it may contain more).
    pub vst3_subcategories: &'static [&'static str],
    /// The plugin claims sample-accurate automation: a parameter event at sample n changes the
    /// output at n (within `ramp_start_slack` samples), not at the block start.
    pub sample_accurate: bool,
    /// Name (as the host sees it) of a continuous parameter with an audible effect at default
    /// settings, e.g. "Output". Used by the sample-accurate automation check.
    pub automation_param: &'static str,
    /// Plugins with long internal state (reverbs, long delays): after pathological input the
    /// recovery check only asks for finite, non-silent output instead of matching a fresh
    /// instance within 1e-4.
    pub long_state: bool,
}

impl Expectations {
    pub const DEFAULT: Expectations = Expectations {
        clap_id: "",
        vendor: "Gel",
        version: "0.1.0",
        clap_features: &["audio-effect"],
        vst3_subcategories: &["Fx"],
        sample_accurate: true,
        automation_param: "Output",
        long_state: false,
    };
}

/// Generate one `#[test]` per check and format. See the module docs.
#[macro_export]
macro_rules! conformance_suite {
    ($prefix:ident, $bundle:expr, $expect:expr $(,)?) => {
        $crate::conformance_suite!(@format $prefix, clap, $crate::Format::Clap, $bundle, $expect);
        $crate::conformance_suite!(@format $prefix, vst3, $crate::Format::Vst3, $bundle, $expect);
    };
    (@format $prefix:ident, $fmt:ident, $format:expr, $bundle:expr, $expect:expr) => {
        $crate::conformance_suite!(@tests $prefix, $fmt, $format, $bundle, $expect;
            descriptor,
            params_names_and_text,
            params_round_trip,
            params_defaults,
            process_rates_and_blocks,
            process_silence,
            process_tail_and_sleep,
            process_bad_input,
            automation_sample_accurate,
            automation_sweep,
            state_round_trip,
            state_garbage,
            state_fixture,
            latency
        );
        // Editors embed in an X11 window the host makes: Linux only.
        #[cfg(target_os = "linux")]
        $crate::conformance_suite!(@tests $prefix, $fmt, $format, $bundle, $expect; gui);
    };
    (@tests $prefix:ident, $fmt:ident, $format:expr, $bundle:expr, $expect:expr; $($check:ident),+) => {
        $crate::__pastey::paste! {
            $(
                #[test]
                fn [<$prefix _ $fmt _ $check>]() {
                    $crate::suite::Ctx::new(
                        $format,
                        $bundle,
                        $expect,
                        concat!(stringify!($prefix), "_", stringify!($fmt), "_", stringify!($check)),
                    )
                    .$check();
                }
            )+
        }
    };
}

/// GUI tests share one X server and GL stack; run them one at a time.
#[cfg(target_os = "linux")]
static GUI_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One check's context: which bundle, which format, what to expect.
pub struct Ctx {
    pub format: Format,
    pub bundle: &'static str,
    pub expect: Expectations,
    pub test_name: &'static str,
}

/// Sample rate for the checks that do not sweep rates.
const SR: f64 = 48_000.0;
/// Block size for the checks that do not sweep block sizes.
const BLOCK: usize = 512;

/// Deterministic stereo-ish test input: channel c is noise with its own seed plus a sine, at
/// about -12 dBFS peak, so channels differ (a panner that swaps or sums channels shows it).
pub fn test_input(channels: usize, len: usize, seed: u64) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            let n = signals::noise(seed + c as u64 * 7919, 0.125, len);
            let s = signals::sine(220.0 * (c + 1) as f64, 0.125, SR, len);
            n.iter().zip(&s).map(|(a, b)| a + b).collect()
        })
        .collect()
}

/// Process `input` (one Vec per input channel) through an active plugin in blocks whose sizes
/// come from `next_block`, delivering `events` (absolute sample time) in the block they fall in.
/// Returns the outputs and the status of every block.
pub fn render(
    plugin: &mut dyn PluginHost,
    input: &[Vec<f32>],
    len: usize,
    mut next_block: impl FnMut() -> usize,
    events: &[(usize, u32, f64)],
) -> (Vec<Vec<f32>>, Vec<ProcessOutcome>) {
    let (_, n_out) = plugin.main_channels();
    let mut out = vec![vec![0.0f32; len]; n_out];
    let mut statuses = Vec::new();
    let mut pos = 0;
    while pos < len {
        let n = next_block().clamp(1, len - pos);
        let block_events: Vec<ParamEvent> = events
            .iter()
            .filter(|(t, _, _)| *t >= pos && *t < pos + n)
            .map(|&(t, id, value)| ParamEvent {
                time: (t - pos) as u32,
                param_id: id,
                value,
            })
            .collect();
        let ins: Vec<&[f32]> = input.iter().map(|c| &c[pos..pos + n]).collect();
        let mut outs: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[pos..pos + n]).collect();
        statuses.push(plugin.process(&ins, &mut outs, &block_events));
        pos += n;
    }
    (out, statuses)
}

fn fixed(n: usize) -> impl FnMut() -> usize {
    move || n
}

/// A value for `p` that differs from its default: continuous params move by 0.3 (enough to
/// change any display), stepped ones go to the next step.
pub fn non_default(p: &ParamInfo) -> f64 {
    if p.step_count > 0 {
        let steps = f64::from(p.step_count);
        let cur = (p.default_normalized * steps).round();
        let next = if cur + 1.0 <= steps {
            cur + 1.0
        } else {
            cur - 1.0
        };
        next / steps
    } else if p.default_normalized + 0.3 <= 1.0 {
        p.default_normalized + 0.3
    } else {
        p.default_normalized - 0.3
    }
}

fn kebab(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Clap => "clap",
        Format::Vst3 => "vst3",
    }
}

fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_path_buf()
}

impl Ctx {
    pub fn new(
        format: Format,
        bundle: &'static str,
        expect: Expectations,
        test_name: &'static str,
    ) -> Ctx {
        // Straight to fd 2, not through the test harness capture: if the plugin aborts the
        // process (e.g. an allocation inside process with `assert_process_allocs`), the last
        // "start" lines say which checks were running.
        let _ = writeln!(std::io::stderr(), "[gel-host-tests] start {test_name}");
        Ctx {
            format,
            bundle,
            expect,
            test_name,
        }
    }

    fn load(&self) -> Box<dyn PluginHost> {
        crate::load(self.format, self.bundle)
    }

    fn automatable(plugin: &mut dyn PluginHost) -> Vec<ParamInfo> {
        plugin
            .params()
            .into_iter()
            .filter(|p| p.automatable)
            .collect()
    }

    // ---------------------------------------------------------------- descriptor

    pub fn descriptor(&self) {
        let plugin = self.load();
        let d = plugin.descriptor();
        assert_eq!(d.name, self.bundle, "plugin name");
        assert_eq!(d.vendor, self.expect.vendor, "vendor");
        assert_eq!(
            d.version, self.expect.version,
            "version must equal the crate version"
        );
        let wanted = match self.format {
            Format::Clap => {
                assert_eq!(d.id, self.expect.clap_id, "CLAP id");
                self.expect.clap_features
            }
            Format::Vst3 => {
                assert!(
                    d.id.len() == 32 && d.id.chars().all(|c| c.is_ascii_hexdigit()),
                    "VST3 class id should be 32 hex digits, got {:?}",
                    d.id
                );
                self.expect.vst3_subcategories
            }
        };
        for f in wanted {
            assert!(
                d.features.iter().any(|have| have == f),
                "missing feature/subcategory {f:?}; have {:?}",
                d.features
            );
        }
    }

    // ---------------------------------------------------------------- parameters

    pub fn params_names_and_text(&self) {
        let mut plugin = self.load();
        let params = plugin.params();
        assert!(!params.is_empty(), "plugin exposes no parameters");
        for p in &params {
            assert!(
                !p.name.trim().is_empty(),
                "param {} has an empty name",
                p.id
            );
            let text = plugin
                .value_to_text(p.id, p.default_normalized)
                .unwrap_or_else(|| panic!("value_to_text failed for {:?} at default", p.name));
            // A unit, a word or a number: at least one alphanumeric character (also accepts
            // "-inf dB", "On", "50 % L", "0.0 dB"); rejects "" and punctuation-only text.
            assert!(
                text.chars().any(|c| c.is_alphanumeric()),
                "param {:?}: text at default is {:?}",
                p.name,
                text
            );
        }
    }

    /// Width of the interval of normalised values around `v` that display as the same text:
    /// "one display step". Found by doubling a probe distance until the text changes.
    fn display_step(plugin: &mut dyn PluginHost, id: u32, v: f64, text: &str) -> f64 {
        let mut width = 0.0;
        for dir in [-1.0, 1.0] {
            let mut d = 1e-7;
            while d < 1.0 {
                let probe = v + dir * d;
                if !(0.0..=1.0).contains(&probe) {
                    break;
                }
                if plugin.value_to_text(id, probe).as_deref() != Some(text) {
                    break;
                }
                d *= 2.0;
            }
            // The text changed somewhere in (d/2, d]: d bounds the distance to the edge.
            if (0.0..=1.0).contains(&(v + dir * d.min(1e-7))) {
                width += d;
            }
        }
        width
    }

    pub fn params_round_trip(&self) {
        let mut plugin = self.load();
        let mut failures = Vec::new();
        for p in plugin.params() {
            for (label, v) in [
                ("min", 0.0),
                ("default", p.default_normalized),
                ("max", 1.0),
            ] {
                let Some(text) = plugin.value_to_text(p.id, v) else {
                    failures.push(format!("{:?} {label}: value_to_text failed", p.name));
                    continue;
                };
                let Some(back) = plugin.text_to_value(p.id, &text) else {
                    failures.push(format!(
                        "{:?} {label} ({v}): text_to_value({text:?}) failed",
                        p.name
                    ));
                    continue;
                };
                // Stepped params must come back exactly (1e-9 absorbs f32<->f64 conversion of
                // an exact step index). Continuous ones within one display step: the text
                // rounds, so anything in the same display interval is a faithful round trip.
                let tol = if p.step_count > 0 {
                    1e-9
                } else {
                    Self::display_step(plugin.as_mut(), p.id, v, &text).max(1e-6)
                };
                if (back - v).abs() > tol {
                    failures.push(format!(
                        "{:?} {label}: {v} -> {text:?} -> {back} (|diff| {:.3e} > tol {tol:.3e})",
                        p.name,
                        (back - v).abs()
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "round trip failures:\n{}",
            failures.join("\n")
        );
    }

    pub fn params_defaults(&self) {
        let mut plugin = self.load();
        let mut failures = Vec::new();
        for p in plugin.params() {
            let held = plugin.param_value(p.id);
            // 1e-6: values are f32 inside nice-plug; the default and the held value come from
            // the same f32, so only the f32->f64 conversion may differ.
            if (held - p.default_normalized).abs() > 1e-6 {
                failures.push(format!(
                    "{:?}: host default {} but fresh plugin holds {}",
                    p.name, p.default_normalized, held
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    // ---------------------------------------------------------------- processing

    pub fn process_rates_and_blocks(&self) {
        let mut plugin = self.load();
        let (n_in, _) = plugin.main_channels();
        // The four common rates the issue names, plus the extremes Gel promises to handle
        // (8 kHz and 384 kHz) and the largest block (8192).
        for sr in [8_000.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0] {
            // A quarter second per configuration keeps block size 1 at 384 kHz affordable in a
            // debug build while still crossing many blocks.
            let len = (sr / 4.0) as usize;
            let input = test_input(n_in, len, 1);
            let configs: [(&str, usize); 7] = [
                ("1", 1),
                ("17", 17),
                ("64", 64),
                ("512", 512),
                ("4096", 4096),
                ("8192", 8192),
                ("random", 0),
            ];
            for (label, size) in configs {
                let max_block = if size == 0 { 4096 } else { size };
                plugin.activate(sr, max_block as u32);
                let mut rng = XorShift::new(0x5eed);
                let next = move || {
                    if size == 0 {
                        rng.range(1, 4096) as usize
                    } else {
                        size
                    }
                };
                let (out, statuses) = render(plugin.as_mut(), &input, len, next, &[]);
                plugin.deactivate();
                for (c, ch) in out.iter().enumerate() {
                    if let Some(i) = ch.iter().position(|v| !v.is_finite()) {
                        panic!(
                            "{sr} Hz, blocks {label}: channel {c} sample {i} is {}",
                            ch[i]
                        );
                    }
                }
                assert!(
                    !statuses.contains(&ProcessOutcome::Error),
                    "{sr} Hz, blocks {label}: process returned an error"
                );
                // At default settings every Gel plugin passes its input on (flat EQ, unity
                // panner, dry signal of reverb and delay...): the output of the last half must
                // be within 20 dB of the input's level, so a plugin that outputs silence (or
                // garbage gain) at some rate or block size fails here.
                let half = len / 2;
                let in_db = signals::gain_to_db(
                    input
                        .iter()
                        .map(|c| signals::rms(&c[half..]))
                        .fold(0.0, f64::max),
                );
                let out_db = signals::gain_to_db(
                    out.iter()
                        .map(|c| signals::rms(&c[half..]))
                        .fold(0.0, f64::max),
                );
                assert!(
                    (out_db - in_db).abs() < 20.0,
                    "{sr} Hz, blocks {label}: output at {out_db:.1} dB for input at {in_db:.1} dB"
                );
            }
        }
    }

    pub fn process_silence(&self) {
        let mut plugin = self.load();
        let (n_in, _) = plugin.main_channels();
        for sr in [44_100.0, 48_000.0, 96_000.0, 192_000.0] {
            plugin.activate(sr, BLOCK as u32);
            let len = sr as usize / 2;
            let input = vec![vec![0.0f32; len]; n_in];
            let (out, _) = render(plugin.as_mut(), &input, len, fixed(BLOCK), &[]);
            plugin.deactivate();
            for (c, ch) in out.iter().enumerate() {
                // Silence: exactly 0 or below -150 dBFS (signals::SILENCE_DB).
                if let Some(i) = ch
                    .iter()
                    .position(|v| !signals::is_silent(std::slice::from_ref(v)))
                {
                    panic!(
                        "{sr} Hz: silence in, but channel {c} sample {i} is {} ({:.1} dBFS)",
                        ch[i],
                        signals::gain_to_db(f64::from(ch[i]))
                    );
                }
            }
        }
    }

    pub fn process_tail_and_sleep(&self) {
        let mut plugin = self.load();
        let (n_in, n_out) = plugin.main_channels();
        plugin.activate(SR, BLOCK as u32);
        // One second of loud (-6 dBFS-ish) input.
        let loud: Vec<Vec<f32>> = (0..n_in)
            .map(|c| signals::noise(40 + c as u64, 0.5, SR as usize))
            .collect();
        let (_, _) = render(plugin.as_mut(), &loud, SR as usize, fixed(BLOCK), &[]);
        let tail = plugin.tail();
        let latency = plugin.latency();
        assert!(
            tail != u32::MAX,
            "plugin reports an infinite tail after its input stopped"
        );
        // Allowed: the tail, plus the latency (the last loud sample leaves the plugin `latency`
        // samples late), rounded up to blocks, plus 2 blocks of slack for smoothers/block
        // alignment.
        let allowed = (tail as usize + latency as usize).div_ceil(BLOCK) + 2;
        let silence = vec![vec![0.0f32; BLOCK]; n_in];
        let ins: Vec<&[f32]> = silence.iter().map(|c| c.as_slice()).collect();
        let mut buf = vec![vec![0.0f32; BLOCK]; n_out];
        let mut history = Vec::new();
        for k in 0..allowed {
            let mut outs: Vec<&mut [f32]> = buf.iter_mut().map(|c| c.as_mut_slice()).collect();
            let status = plugin.process(&ins, &mut outs, &[]);
            let silent = buf.iter().all(|c| signals::is_silent(c));
            let peak = buf
                .iter()
                .map(|c| signals::peak_db(c))
                .fold(f64::MIN, f64::max);
            history.push(format!("block {k}: {status:?}, peak {peak:.1} dBFS"));
            let may_sleep = match self.format {
                Format::Clap => matches!(
                    status,
                    ProcessOutcome::ContinueIfNotQuiet | ProcessOutcome::Sleep
                ),
                // VST3 has no process status: silence is all a host can see.
                Format::Vst3 => true,
            };
            if silent && may_sleep {
                return;
            }
        }
        panic!(
            "after loud input stopped (tail {tail}, latency {latency}), the plugin did not go \
             quiet and sleepable within {allowed} blocks of {BLOCK}:\n{}",
            history.join("\n")
        );
    }

    pub fn process_bad_input(&self) {
        let (n_in, _) = self.load().main_channels();
        let normal_before = test_input(n_in, BLOCK * 4, 11);
        let normal_after = test_input(n_in, BLOCK * 6, 12);
        let bad_values: [(&str, f32); 6] = [
            ("NaN", f32::NAN),
            ("+Inf", f32::INFINITY),
            ("-Inf", f32::NEG_INFINITY),
            ("denormal", 1e-40),
            ("+100 FS", 100.0),
            ("-100 FS", -100.0),
        ];
        // Reference: a fresh instance fed only the normal input that follows the bad blocks.
        let mut fresh = self.load();
        fresh.activate(SR, BLOCK as u32);
        let (reference, _) = render(
            fresh.as_mut(),
            &normal_after,
            normal_after[0].len(),
            fixed(BLOCK),
            &[],
        );
        drop(fresh);
        let mut failures = Vec::new();
        for (label, bad) in bad_values {
            let mut plugin = self.load();
            plugin.activate(SR, BLOCK as u32);
            render(
                plugin.as_mut(),
                &normal_before,
                BLOCK * 4,
                fixed(BLOCK),
                &[],
            );
            // Two blocks: the first mixes bad samples into noise (every 7th sample), the second
            // is all bad.
            let mut bad_in = test_input(n_in, BLOCK * 2, 13);
            for ch in &mut bad_in {
                for (i, v) in ch.iter_mut().enumerate() {
                    if i >= BLOCK || i % 7 == 0 {
                        *v = bad;
                    }
                }
            }
            let (bad_out, _) = render(plugin.as_mut(), &bad_in, BLOCK * 2, fixed(BLOCK), &[]);
            let (after, _) = render(
                plugin.as_mut(),
                &normal_after,
                normal_after[0].len(),
                fixed(BLOCK),
                &[],
            );
            if bad_out.iter().any(|c| !signals::all_finite(c)) {
                failures.push(format!("{label}: output not finite while fed {label}"));
            }
            if after.iter().any(|c| !signals::all_finite(c)) {
                failures.push(format!(
                    "{label}: output not finite after normal input returned"
                ));
                continue;
            }
            if self.expect.long_state {
                // Long-state plugins (reverbs) cannot forget in a block: ask only for finite
                // and non-silent output once normal input is back.
                if after.iter().all(|c| signals::is_silent(&c[BLOCK..])) {
                    failures.push(format!("{label}: silent after normal input returned"));
                }
            } else {
                // From the second block of normal input on, the output must match a fresh
                // instance within 1e-4 (-80 dBFS): state from the bad input must be gone within
                // one block.
                for (c, (a, r)) in after.iter().zip(&reference).enumerate() {
                    let worst = a[BLOCK..]
                        .iter()
                        .zip(&r[BLOCK..])
                        .map(|(x, y)| (x - y).abs())
                        .fold(0.0f32, f32::max);
                    if worst > 1e-4 {
                        failures.push(format!(
                            "{label}: channel {c} differs from a fresh instance by {worst:e} \
                             after one block of normal input"
                        ));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    // ---------------------------------------------------------------- automation

    pub fn automation_sample_accurate(&self) {
        if !self.expect.sample_accurate {
            println!("skipped: plugin does not claim sample-accurate automation");
            return;
        }
        const EVENT_AT: usize = 300;
        const LEN: usize = 1024;
        // The plugin's smoother may start its ramp a sample or two late (e.g. it applies the
        // new target from the next sample); more would not be sample accurate.
        const SLACK: usize = 2;
        let mut probe = self.load();
        let param = probe
            .params()
            .into_iter()
            .find(|p| p.name == self.expect.automation_param)
            .unwrap_or_else(|| {
                panic!(
                    "no parameter named {:?} (Expectations.automation_param)",
                    self.expect.automation_param
                )
            });
        assert_eq!(param.step_count, 0, "automation_param must be continuous");
        drop(probe);
        let target = non_default(&param);
        let (n_in, _) = self.load().main_channels();
        let warm = test_input(n_in, LEN * 2, 21);
        let block = test_input(n_in, LEN, 22);
        let run = |event: bool| {
            let mut p = self.load();
            p.activate(SR, LEN as u32);
            render(p.as_mut(), &warm, LEN * 2, fixed(LEN), &[]);
            let events = if event {
                vec![(EVENT_AT, param.id, target)]
            } else {
                vec![]
            };
            render(p.as_mut(), &block, LEN, fixed(LEN), &events).0
        };
        let plain = run(false);
        let moved = run(true);
        let mut first_diff = None;
        for (c, (a, b)) in plain.iter().zip(&moved).enumerate() {
            if let Some(i) = signals::first_difference(a, b) {
                assert!(
                    i >= EVENT_AT,
                    "channel {c}: output changed at sample {i}, before the event at {EVENT_AT}"
                );
                first_diff = Some(first_diff.map_or(i, |f: usize| f.min(i)));
            }
        }
        let i = first_diff.unwrap_or_else(|| {
            panic!(
                "setting {:?} to {target} at sample {EVENT_AT} did not change the output",
                param.name
            )
        });
        assert!(
            i <= EVENT_AT + SLACK,
            "first change at sample {i}, expected within [{EVENT_AT}, {}]",
            EVENT_AT + SLACK
        );
    }

    pub fn automation_sweep(&self) {
        // Detector (see signals::click_ratio): the largest second difference of the output.
        // A 440 Hz -12 dBFS sine at 48 kHz has second differences of at most A·w² ≈ 8e-4 (times
        // the plugin's gain), while any step in the output shows up at full height, so this
        // separates clicks from signal slope far better than the first difference.
        // Reference: the same plugin, not automated, with the swept parameter held at 9 values
        // across its range; its largest second difference covers the highest gain the sweep
        // reaches. Threshold 2×: a smooth sweep stays within the envelope of the held outputs
        // (curvature of a 1 s ramp is negligible), a 1 % gain step at -12 dBFS already gives
        // ~3×.
        const THRESHOLD: f64 = 2.0;
        const STEP: usize = 64; // one event per 64 samples, i.e. per sub-block
        let len = SR as usize;
        let warm_len = len / 4;
        let mut plugin = self.load();
        let (n_in, _) = plugin.main_channels();
        let sine = signals::sine(440.0, signals::db_to_gain(-12.0) as f32, SR, warm_len + len);
        let input: Vec<Vec<f32>> = vec![sine; n_in];
        let params = Self::automatable(plugin.as_mut());
        drop(plugin);
        let mut failures = Vec::new();
        for p in params {
            let mut reference = 0.0f64;
            for k in 0..=8 {
                let v = f64::from(k) / 8.0;
                let mut held = self.load();
                held.set_param(p.id, v);
                held.activate(SR, BLOCK as u32);
                // Hold the value through the warm-up too (in case set_param only takes effect
                // with processing).
                let (out, _) = render(
                    held.as_mut(),
                    &input,
                    warm_len + len,
                    fixed(BLOCK),
                    &[(0, p.id, v)],
                );
                for ch in &out {
                    reference = reference.max(signals::max_second_diff(&ch[warm_len..]));
                }
            }
            let mut swept = self.load();
            swept.set_param(p.id, 0.0);
            swept.activate(SR, BLOCK as u32);
            let mut events = vec![(0, p.id, 0.0)];
            for t in (0..len).step_by(STEP) {
                events.push((warm_len + t, p.id, t as f64 / (len - STEP) as f64));
            }
            for e in &mut events {
                e.2 = e.2.min(1.0);
            }
            let (out, _) = render(
                swept.as_mut(),
                &input,
                warm_len + len,
                fixed(BLOCK),
                &events,
            );
            let mut worst = (0.0f64, 0usize, 0usize);
            for (c, ch) in out.iter().enumerate() {
                let (d, at) = {
                    let s = &ch[warm_len..];
                    let mut best = (0.0, 0);
                    for (i, w) in s.windows(3).enumerate() {
                        let d = (f64::from(w[2]) - 2.0 * f64::from(w[1]) + f64::from(w[0])).abs();
                        if d > best.0 {
                            best = (d, i + 2);
                        }
                    }
                    best
                };
                if d > worst.0 {
                    worst = (d, at, c);
                }
                if !signals::all_finite(ch) {
                    failures.push(format!("{:?}: non-finite output during sweep", p.name));
                }
            }
            let ratio = worst.0 / reference.max(1e-9);
            if ratio > THRESHOLD {
                let at_value = worst.1 as f64 / len as f64;
                failures.push(format!(
                    "{:?}: click during sweep: max 2nd difference {:.3e} at sample {} (value \
                     ≈{at_value:.3}, channel {}) is {ratio:.1}× the unautomated max {:.3e}",
                    p.name, worst.0, worst.1, worst.2, reference
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    // ---------------------------------------------------------------- state

    /// Set every automatable parameter to a non-default value; returns (id, name, value held).
    /// Panics if a value does not stick: the plugin must hold the value it was sent, within
    /// 0.01 normalised (parameters with a step size, e.g. 1 Hz or 0.01 dB, quantise what they
    /// are sent; anything further off means the set was lost), and it must differ from the
    /// default, or the state checks could not fail.
    fn set_non_default(plugin: &mut dyn PluginHost) -> Vec<(u32, String, f64)> {
        let mut set = Vec::new();
        for p in Self::automatable(plugin) {
            let v = non_default(&p);
            plugin.set_param(p.id, v);
            let held = plugin.param_value(p.id);
            assert!(
                (held - v).abs() <= 0.01,
                "set_param({:?}, {v}) did not stick: plugin holds {held}",
                p.name
            );
            assert!(
                (held - p.default_normalized).abs() > 1e-6,
                "set_param({:?}, {v}) left it at its default {held}",
                p.name
            );
            set.push((p.id, p.name.clone(), held));
        }
        set
    }

    pub fn state_round_trip(&self) {
        let mut a = self.load();
        let (n_in, _) = a.main_channels();
        let set = Self::set_non_default(a.as_mut());
        let warm = test_input(n_in, BLOCK * 8, 31);
        let input = test_input(n_in, BLOCK * 8, 32);
        a.activate(SR, BLOCK as u32);
        render(a.as_mut(), &warm, BLOCK * 8, fixed(BLOCK), &[]);
        let state = a.save_state();
        assert!(!state.is_empty(), "saved state is empty");
        let (out_a, _) = render(a.as_mut(), &input, BLOCK * 8, fixed(BLOCK), &[]);

        let mut b = self.load();
        assert!(
            b.load_state(&state),
            "fresh instance refused the saved state"
        );
        for (id, name, _) in &set {
            let (va, vb) = (a.param_value(*id), b.param_value(*id));
            assert!(
                (va - vb).abs() < 1e-6,
                "{name:?}: saved {va}, restored {vb}"
            );
        }
        b.activate(SR, BLOCK as u32);
        // Same warm-up as `a` so smoothers have settled identically in both.
        render(b.as_mut(), &warm, BLOCK * 8, fixed(BLOCK), &[]);
        let (out_b, _) = render(b.as_mut(), &input, BLOCK * 8, fixed(BLOCK), &[]);
        for (c, (x, y)) in out_a.iter().zip(&out_b).enumerate() {
            if let Some(i) = signals::first_difference(x, y) {
                panic!(
                    "channel {c}: restored instance differs at sample {i}: {} vs {}",
                    x[i], y[i]
                );
            }
        }
    }

    pub fn state_garbage(&self) {
        let mut plugin = self.load();
        let (n_in, _) = plugin.main_channels();
        Self::set_non_default(plugin.as_mut());
        let valid = plugin.save_state();
        let params = Self::automatable(plugin.as_mut());
        let before: Vec<f64> = params.iter().map(|p| plugin.param_value(p.id)).collect();
        plugin.activate(SR, BLOCK as u32);
        let mut rng = XorShift::new(0xbad5_7a7e);
        let random: Vec<u8> = (0..256).map(|_| rng.next_u64() as u8).collect();
        // Random payload behind a plausible 8-byte little-endian length header (nice-plug's
        // CLAP state layout), so the parser itself gets garbage rather than a length error.
        let mut headed = (200u64).to_le_bytes().to_vec();
        headed.extend((0..200).map(|_| rng.next_u64() as u8));
        let cases: [(&str, Vec<u8>); 4] = [
            ("empty", Vec::new()),
            ("truncated (half)", valid[..valid.len() / 2].to_vec()),
            ("random 256 bytes", random),
            ("random payload with length header", headed),
        ];
        let input = test_input(n_in, BLOCK * 2, 41);
        let mut failures = Vec::new();
        for (label, data) in cases {
            let accepted = plugin.load_state(&data);
            let now: Vec<f64> = params.iter().map(|p| plugin.param_value(p.id)).collect();
            let changed: Vec<String> = params
                .iter()
                .zip(before.iter().zip(&now))
                .filter(|(_, (b, n))| (*b - *n).abs() > 1e-6)
                .map(|(p, (b, n))| format!("{:?} {b} -> {n}", p.name))
                .collect();
            if !changed.is_empty() {
                failures.push(format!(
                    "{label} state (load returned {accepted}) changed params: {}",
                    changed.join(", ")
                ));
            }
            let (out, _) = render(plugin.as_mut(), &input, BLOCK * 2, fixed(BLOCK), &[]);
            if out.iter().any(|c| !signals::all_finite(c)) {
                failures.push(format!("{label} state: output not finite afterwards"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    pub fn state_fixture(&self) {
        let dir = workspace_dir().join("tests").join("fixtures");
        let stem = format!(
            "{}-v{}-{}",
            kebab(self.bundle),
            self.expect.version,
            format_name(self.format)
        );
        let state_path = dir.join(format!("{stem}.state"));
        let sidecar_path = dir.join(format!("{stem}.params"));
        let mut plugin = self.load();
        if !state_path.exists() {
            let set = Self::set_non_default(plugin.as_mut());
            let state = plugin.save_state();
            std::fs::create_dir_all(&dir).expect("create tests/fixtures");
            std::fs::write(&state_path, &state).expect("write state fixture");
            // Sidecar: one line per parameter, "<id> <normalized value> <name>".
            let mut text = String::from("# param id, normalized value, name\n");
            for (id, name, _) in &set {
                text.push_str(&format!("{id} {:.9} {name}\n", plugin.param_value(*id)));
            }
            std::fs::write(&sidecar_path, text).expect("write params sidecar");
            panic!(
                "state fixture was missing; wrote {} and {} from a state with non-default \
                 values. Commit both files and re-run.",
                state_path.display(),
                sidecar_path.display()
            );
        }
        let state = std::fs::read(&state_path).expect("read state fixture");
        let sidecar = std::fs::read_to_string(&sidecar_path).unwrap_or_else(|e| {
            panic!(
                "{} exists but {}: {e}",
                state_path.display(),
                sidecar_path.display()
            )
        });
        assert!(
            plugin.load_state(&state),
            "plugin refused the committed state fixture {}",
            state_path.display()
        );
        let mut failures = Vec::new();
        for line in sidecar
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let mut parts = line.splitn(3, ' ');
            let id: u32 = parts
                .next()
                .and_then(|s| s.parse().ok())
                .expect("sidecar id");
            let want: f64 = parts
                .next()
                .and_then(|s| s.parse().ok())
                .expect("sidecar value");
            let name = parts.next().unwrap_or("");
            let have = plugin.param_value(id);
            // 1e-5: the state stores plain values; plain<->normalised in f32 can move the
            // last few bits, a real mismatch is far larger.
            if (have - want).abs() > 1e-5 {
                failures.push(format!(
                    "{name:?} (id {id}): fixture says {want}, loaded {have}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    // ---------------------------------------------------------------- latency

    pub fn latency(&self) {
        let mut plugin = self.load();
        let (n_in, _) = plugin.main_channels();
        plugin.activate(SR, BLOCK as u32);
        let reported = plugin.latency() as usize;
        let len = reported + BLOCK * 8;
        let input = vec![signals::impulse(len, 0); n_in];
        let (out, _) = render(plugin.as_mut(), &input, len, fixed(BLOCK), &[]);
        let mut best: Option<(usize, f32)> = None;
        for ch in &out {
            if let Some(i) = signals::argmax_abs(ch) {
                if best.is_none_or(|(_, v)| ch[i].abs() > v) {
                    best = Some((i, ch[i].abs()));
                }
            }
        }
        let (at, _) = best.expect("impulse in, silence out at default settings");
        assert_eq!(
            at, reported,
            "reported latency {reported} but the impulse peaks at sample {at}"
        );
    }

    // ---------------------------------------------------------------- GUI

    #[cfg(target_os = "linux")]
    pub fn gui(&self) {
        use std::time::Duration;

        let _guard = GUI_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut parent = match X11Parent::open(640, 480) {
            Ok(p) => p,
            Err(reason) => {
                println!("skipped: {reason}");
                return;
            }
        };
        let mut plugin = self.load();
        let (w, h) = plugin
            .open_editor(parent.window_id())
            .unwrap_or_else(|e| panic!("open_editor: {e}"));
        assert!(w > 0 && h > 0, "editor size {w}x{h}");
        parent
            .resize(w.min(4096) as u16, h.min(4096) as u16)
            .expect("resize parent");
        for _ in 0..20 {
            parent.pump(Duration::from_millis(50));
            plugin.idle();
        }
        // A loaded machine (software GL, other tests running) may need longer for the first
        // frame: keep pumping until the editor has drawn, for at most 15 s more.
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        let (gw, gh, rgb) = loop {
            let grabbed = parent.grab().expect("grab editor pixels");
            if x11_parent::distinct_colours(&grabbed.2) > 1 || std::time::Instant::now() > deadline
            {
                break grabbed;
            }
            parent.pump(Duration::from_millis(100));
            plugin.idle();
        };
        let path = crate::live_screenshot::screenshot_path(&format!(
            "{}-{}.png",
            kebab(self.bundle),
            format_name(self.format)
        ));
        x11_parent::write_png(&path, gw, gh, &rgb).expect("write screenshot");
        let colours = x11_parent::distinct_colours(&rgb);
        plugin.close_editor();
        parent.pump(Duration::from_millis(200));
        plugin.idle();
        drop(plugin);
        // More than one colour: the parent is plain black, so a single colour means the
        // editor never drew.
        assert!(
            colours > 1,
            "editor {w}x{h} drew nothing: screenshot {} is a single colour",
            path.display()
        );
        println!(
            "{}: screenshot {} ({gw}x{gh}, {colours} colours)",
            self.test_name,
            path.display()
        );
    }
}
