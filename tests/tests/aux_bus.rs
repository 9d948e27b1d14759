//! The test hosts' auxiliary (sidechain) inputs, checked through the real binaries of the
//! test-only plugin "Gel Aux Probe" (tests/aux-probe), whose output is
//! `main_in + 2 × aux_in` per channel. Multiplying by 2 and adding are single IEEE operations, so
//! the host's output must equal the same expression computed here bit for bit: any lost, stale,
//! shifted, swapped or misrouted sample shows.
//!
//! Then Gel Compressor keyed by a sidechain the host leaves unconnected, both ways a DAW does it
//! ([`AuxAbsence`]): the output must equal that with a silent key, with no log line. The plugins
//! log into one file per test process (nice-plug's `NICE_LOG`, set before the first load).

use std::path::PathBuf;
use std::sync::OnceLock;

use gel_host_tests::signals;
use gel_host_tests::{set_by_text, AuxAbsence, Format, PluginHost};

const PROBE: &str = "Gel Aux Probe";
const SR: f64 = 48_000.0;
const MAX_BLOCK: usize = 512;
/// The probe's `AUX_GAIN`.
const AUX_GAIN: f32 = 2.0;

/// Two channels of noise at -6 dBFS, different per seed and channel.
fn stereo_noise(seed: u64, len: usize) -> [Vec<f32>; 2] {
    [
        signals::noise(seed, 0.5, len),
        signals::noise(seed + 1, 0.5, len),
    ]
}

/// Where the plugins of this test process log: set as `NICE_LOG` once, before any plugin is
/// loaded (nice-plug reads it when a library sets up its logger).
fn log_file() -> &'static PathBuf {
    static LOG: OnceLock<PathBuf> = OnceLock::new();
    LOG.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("gel-aux-bus-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        // SAFETY (of the environment write): it happens inside the OnceLock initialiser, before
        // any test of this process has loaded a plugin, which is what reads it.
        std::env::set_var("NICE_LOG", &path);
        path
    })
}

/// [`gel_host_tests::load`], logging to [`log_file`].
fn load(format: Format, name: &str) -> Box<dyn PluginHost> {
    log_file();
    gel_host_tests::load(format, name)
}

/// Warnings and errors the plugins of this process have logged so far (nice-plug's debug
/// assertions log as warnings).
fn logged_warnings() -> Vec<String> {
    std::fs::read_to_string(log_file())
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
        .map(str::to_string)
        .collect()
}

fn probe(format: Format) -> Box<dyn PluginHost> {
    let mut plugin = load(format, PROBE);
    plugin.activate(SR, MAX_BLOCK as u32);
    plugin
}

/// Run `main` and `aux` through the plugin in blocks of the given lengths (cycled), feeding only
/// the first `aux_channels` aux channels, and return the output.
fn run_with_aux(
    plugin: &mut dyn PluginHost,
    main: &[Vec<f32>; 2],
    aux: &[Vec<f32>; 2],
    aux_channels: usize,
    block_lengths: &[usize],
) -> [Vec<f32>; 2] {
    let len = main[0].len();
    let mut out = [vec![0.0; len], vec![0.0; len]];
    let mut start = 0;
    for &block in block_lengths.iter().cycle() {
        if start == len {
            break;
        }
        let end = (start + block).min(len);
        let inputs: Vec<&[f32]> = main.iter().map(|c| &c[start..end]).collect();
        let aux_in: Vec<&[f32]> = aux
            .iter()
            .take(aux_channels)
            .map(|c| &c[start..end])
            .collect();
        let [left, right] = &mut out;
        let mut outputs: Vec<&mut [f32]> = vec![&mut left[start..end], &mut right[start..end]];
        plugin.process_with_aux(&inputs, &aux_in, &mut outputs, &[]);
        start = end;
    }
    out
}

fn assert_bit_exact(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len());
    if let Some(i) = signals::first_difference(actual, expected) {
        panic!(
            "{what}: sample {i} is {} but should be {} ({} samples compared)",
            actual[i],
            expected[i],
            actual.len()
        );
    }
}

fn layout(format: Format) {
    let plugin = load(format, PROBE);
    assert_eq!(plugin.main_channels(), (2, 2));
    assert_eq!(
        plugin.aux_input_channels(),
        vec![2],
        "one stereo sidechain input"
    );
}

fn main_plus_twice_aux(format: Format) {
    let mut plugin = probe(format);
    let len = 4 * MAX_BLOCK + 123;
    let main = stereo_noise(1, len);
    let aux = stereo_noise(11, len);
    // Full, single-sample, odd and partial blocks.
    let out = run_with_aux(
        plugin.as_mut(),
        &main,
        &aux,
        2,
        &[MAX_BLOCK, 1, 37, 256, 100],
    );
    for c in 0..2 {
        let expected: Vec<f32> = main[c]
            .iter()
            .zip(&aux[c])
            .map(|(m, a)| m + AUX_GAIN * a)
            .collect();
        assert_bit_exact(&out[c], &expected, &format!("channel {c}"));
    }
}

fn process_without_aux_is_main(format: Format) {
    let mut plugin = probe(format);
    let len = MAX_BLOCK;
    // A loud sidechain first, so a host that left it in its buffers would show it below.
    let loud = stereo_noise(21, len);
    run_with_aux(plugin.as_mut(), &loud, &loud, 2, &[MAX_BLOCK]);

    let main = stereo_noise(31, len);
    let [mut left, mut right] = [vec![0.0; len], vec![0.0; len]];
    let inputs: Vec<&[f32]> = main.iter().map(Vec::as_slice).collect();
    plugin.process(&inputs, &mut [&mut left, &mut right], &[]);
    assert_bit_exact(&left, &main[0], "left without aux");
    assert_bit_exact(&right, &main[1], "right without aux");
}

fn missing_aux_channel_is_silent(format: Format) {
    let mut plugin = probe(format);
    let len = 2 * MAX_BLOCK;
    let main = stereo_noise(41, len);
    let aux = stereo_noise(51, len);
    let out = run_with_aux(plugin.as_mut(), &main, &aux, 1, &[MAX_BLOCK]);
    let expected_left: Vec<f32> = main[0]
        .iter()
        .zip(&aux[0])
        .map(|(m, a)| m + AUX_GAIN * a)
        .collect();
    assert_bit_exact(&out[0], &expected_left, "left with aux");
    assert_bit_exact(&out[1], &main[1], "right, its aux channel not given");
}

/// A plugin without a sidechain reports none, and handing it one is a test bug the host names.
fn no_aux_on_panner(format: Format) {
    let mut plugin = load(format, "Gel Panner");
    assert_eq!(plugin.aux_input_channels(), Vec::<usize>::new());
    plugin.activate(SR, MAX_BLOCK as u32);
    let x = vec![0.0f32; 16];
    let (mut l, mut r) = (vec![0.0f32; 16], vec![0.0f32; 16]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        plugin.process_with_aux(&[&x, &x], &[&x], &mut [&mut l, &mut r], &[]);
    }));
    let message = result.expect_err("aux given to a plugin without aux inputs must panic");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        text.contains("1 aux channels given") && text.contains("have 0"),
        "unexpected panic message {text:?}"
    );
}

macro_rules! both_formats {
    ($($check:ident),+ $(,)?) => {
        pastey::paste! {
            $(
                #[test]
                fn [<aux_bus_clap_ $check>]() {
                    $check(Format::Clap);
                }
                #[test]
                fn [<aux_bus_vst3_ $check>]() {
                    $check(Format::Vst3);
                }
            )+
        }
    };
}

both_formats!(
    layout,
    main_plus_twice_aux,
    process_without_aux_is_main,
    missing_aux_channel_is_silent,
    no_aux_on_panner,
);

/// Gel Compressor keyed by its external sidechain, compressing hard so any key shows.
fn keyed_compressor(format: Format, absence: Option<AuxAbsence>) -> Box<dyn PluginHost> {
    let mut plugin = load(format, "Gel Compressor");
    set_by_text(plugin.as_mut(), "Sidechain", "External");
    set_by_text(plugin.as_mut(), "Threshold", "-40");
    plugin.set_aux_absence(absence);
    plugin.activate(SR, MAX_BLOCK as u32);
    plugin
}

/// The compressor's output for `main` in blocks shorter and equal to `MAX_BLOCK`, the sidechain
/// either silent (`None`) or left unconnected.
fn compressor_output(
    format: Format,
    absence: Option<AuxAbsence>,
    main: &[Vec<f32>; 2],
) -> [Vec<f32>; 2] {
    let mut plugin = keyed_compressor(format, absence);
    let silent = [vec![0.0; main[0].len()], vec![0.0; main[0].len()]];
    let aux_channels = if absence.is_some() { 0 } else { 2 };
    run_with_aux(
        plugin.as_mut(),
        main,
        &silent,
        aux_channels,
        &[100, MAX_BLOCK, 37, 256],
    )
}

fn unconnected_sidechain(format: Format, absence: AuxAbsence) {
    let main = stereo_noise(61, 8 * MAX_BLOCK);
    let silent_key = compressor_output(format, None, &main);
    // The test's premise: a loud key would change the output.
    let mut loud = keyed_compressor(format, None);
    let loud_out = run_with_aux(loud.as_mut(), &main, &main, 2, &[MAX_BLOCK]);
    assert!(
        signals::first_difference(&loud_out[0], &silent_key[0]).is_some(),
        "a loud key must compress"
    );

    let unconnected = compressor_output(format, Some(absence), &main);
    for c in 0..2 {
        assert_bit_exact(
            &unconnected[c],
            &silent_key[c],
            &format!("{absence:?} sidechain, channel {c}, against a silent key"),
        );
    }
}

fn unconnected_sidechain_logs_nothing(format: Format, absence: AuxAbsence) {
    let main = stereo_noise(71, 8 * MAX_BLOCK);
    compressor_output(format, Some(absence), &main);
    let warnings = logged_warnings();
    assert!(
        warnings.is_empty(),
        "{absence:?} sidechain: the plugins logged {} warnings, e.g. {:?}",
        warnings.len(),
        warnings.first()
    );
}

fn disconnected_sidechain_is_silence(format: Format) {
    unconnected_sidechain(format, AuxAbsence::Disconnected);
}

fn omitted_sidechain_is_silence(format: Format) {
    unconnected_sidechain(format, AuxAbsence::Omitted);
}

fn disconnected_sidechain_logs_nothing(format: Format) {
    unconnected_sidechain_logs_nothing(format, AuxAbsence::Disconnected);
}

fn omitted_sidechain_logs_nothing(format: Format) {
    unconnected_sidechain_logs_nothing(format, AuxAbsence::Omitted);
}

both_formats!(disconnected_sidechain_is_silence);

// nice-plug 0.4.2's wrappers read an aux entry past the count the host passed (CLAP
// `aux_input_idx > audio_inputs_count`, VST3 `> numOutputs`, both off by one) and log a debug
// assertion on every block whose aux port has no buffers; the vendored nice-plug fixes both
// (vendor/README.md, "Unconnected aux buses").
both_formats!(
    omitted_sidechain_is_silence,
    disconnected_sidechain_logs_nothing,
    omitted_sidechain_logs_nothing,
);
