//! Gel Panner's promises, measured through the real binaries in both formats: pan-law levels,
//! hard-pan isolation, bit-exact transparency, exact mono at width 0, and a mono-maker whose
//! bands sum flat. (The generic checks are in `panner.rs` through the conformance suite.)

use gel_host_tests::signals::{self, XorShift};
use gel_host_tests::{load, set_by_text as set, Format, PluginHost};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;

fn panner(format: Format) -> Box<dyn PluginHost> {
    load(format, "Gel Panner")
}

/// Run stereo input through in blocks of BLOCK; returns (left, right).
fn run(plugin: &mut dyn PluginHost, left: &[f32], right: &[f32]) -> (Vec<f32>, Vec<f32>) {
    plugin.activate(SR, BLOCK as u32);
    let mut out = (vec![0.0; left.len()], vec![0.0; left.len()]);
    for start in (0..left.len()).step_by(BLOCK) {
        let end = (start + BLOCK).min(left.len());
        let mut outs: Vec<&mut [f32]> = vec![&mut out.0[start..end], &mut out.1[start..end]];
        plugin.process(&[&left[start..end], &right[start..end]], &mut outs, &[]);
    }
    out
}

fn rms_db(x: &[f32]) -> f64 {
    signals::gain_to_db(signals::rms(x))
}

fn both_formats(check: impl Fn(Format)) {
    for format in [Format::Clap, Format::Vst3] {
        check(format);
    }
}

/// A mono source (left input only) placed at the centre in Dual mode sits at the law's level in
/// each channel: −3.0103 dB for constant power (20·log10(cos 45°)), −6.0206 dB for linear
/// (20·log10 0.5), −4.5154 dB for their geometric mean, 0 dB for the 0 dB law.
#[test]
fn centred_mono_source_sits_at_the_pan_law_level() {
    both_formats(|format| {
        for (law, expected_db) in [
            ("0 dB", 0.0),
            ("-3 dB (constant power)", -3.0103),
            ("-4.5 dB", -4.5154),
            ("-6 dB (linear)", -6.0206),
        ] {
            let mut p = panner(format);
            set(p.as_mut(), "Mode", "Dual");
            set(p.as_mut(), "Pan Law", law);
            set(p.as_mut(), "Left Pan", "C");
            set(p.as_mut(), "Right Pan", "C");
            let len = SR as usize / 2;
            let sine = signals::sine(1000.0, 0.5, SR, len);
            let silence = vec![0.0; len];
            let (l, r) = run(p.as_mut(), &sine, &silence);
            let input_db = rms_db(&sine[len / 2..]);
            for (channel, out) in [("left", &l), ("right", &r)] {
                let level = rms_db(&out[len / 2..]) - input_db;
                assert!(
                    (level - expected_db).abs() < 0.01,
                    "{format:?} {law}: {channel} at {level:.4} dB, expected {expected_db} dB"
                );
            }
        }
    });
}

/// Hard pan leaves nothing of the source in the far channel (below −100 dB), in every mode.
#[test]
fn hard_pan_silences_the_far_channel() {
    both_formats(|format| {
        for (mode, pan_settings) in [
            ("Balance", vec![("Pan", "100L")]),
            ("Stereo Pan", vec![("Pan", "100L")]),
            ("Dual", vec![("Left Pan", "100L"), ("Right Pan", "100L")]),
        ] {
            let mut p = panner(format);
            set(p.as_mut(), "Mode", mode);
            for (name, text) in &pan_settings {
                set(p.as_mut(), name, text);
            }
            let len = SR as usize / 4;
            let left = signals::sine(440.0, 0.5, SR, len);
            let right = signals::sine(660.0, 0.5, SR, len);
            let (l, r) = run(p.as_mut(), &left, &right);
            let far = rms_db(&r[len / 2..]) - rms_db(&left[len / 2..]);
            assert!(
                far < -100.0,
                "{format:?} {mode}: far channel at {far:.1} dB"
            );
            assert!(rms_db(&l) > -20.0, "{format:?} {mode}: near channel lost");
        }
    });
}

/// At default settings (Balance, pan centre, width 100 %, 0 dB) the output is the input, bit for
/// bit, including values that rounding would disturb (tiny, huge, negative zero).
#[test]
fn defaults_are_bit_exact() {
    both_formats(|format| {
        let mut p = panner(format);
        let len = BLOCK * 16;
        let mut rng = XorShift::new(7);
        let mut left: Vec<f32> = (0..len)
            .map(|_| (rng.next_f64() * 2.0 - 1.0) as f32)
            .collect();
        let right: Vec<f32> = (0..len)
            .map(|_| (rng.next_f64() * 2.0 - 1.0) as f32 * 0.3)
            .collect();
        left[100] = 1e-30;
        left[101] = -0.0;
        left[102] = 3.5;
        let (l, r) = run(p.as_mut(), &left, &right);
        assert_eq!(
            signals::first_difference(&l, &left),
            None,
            "{format:?} left"
        );
        assert_eq!(
            signals::first_difference(&r, &right),
            None,
            "{format:?} right"
        );
    });
}

/// Width 0 % folds to mono: left and right outputs are identical, sample for sample, and equal
/// the mid signal (l+r)/2.
#[test]
fn zero_width_gives_identical_channels() {
    both_formats(|format| {
        let mut p = panner(format);
        set(p.as_mut(), "Width", "0");
        let len = SR as usize / 4;
        let left = signals::noise(1, 0.5, len);
        let right = signals::sine(300.0, 0.5, SR, len);
        let (l, r) = run(p.as_mut(), &left, &right);
        // After the 20 ms glide from the default width.
        let settled = SR as usize / 20;
        assert_eq!(
            signals::first_difference(&l[settled..], &r[settled..]),
            None
        );
        for i in settled..len {
            let mid = 0.5 * (left[i] + right[i]);
            assert!((l[i] - mid).abs() <= 1e-6, "{format:?} sample {i}");
        }
    });
}

/// Mono-maker at 120 Hz: a mono signal passes with flat magnitude (the Linkwitz–Riley bands sum
/// to an allpass) within 0.01 dB from 20 Hz to 20 kHz, while the side signal one octave and more
/// below the crossover is removed (LR4: −24 dB/oct, −6 dB at fc; at fc/4 the exact figure is
/// about −48 dB) and passes unchanged well above it.
#[test]
fn mono_maker_sums_flat_and_removes_low_side() {
    both_formats(|format| {
        let settle = SR as usize / 2;
        let measure = SR as usize / 2;
        for frequency in [20.0, 60.0, 120.0, 240.0, 1000.0, 5000.0, 20000.0] {
            let mut p = panner(format);
            set(p.as_mut(), "Mono Maker", "On");
            set(p.as_mut(), "Mono Below", "120 Hz");
            let x = signals::sine(frequency, 0.25, SR, settle + measure);
            let (l, r) = run(p.as_mut(), &x, &x);
            for (channel, out) in [("left", &l), ("right", &r)] {
                let gain = rms_db(&out[settle..]) - rms_db(&x[settle..]);
                assert!(
                    gain.abs() < 0.01,
                    "{format:?} mono {frequency} Hz {channel}: {gain:.4} dB"
                );
            }
        }
        for (frequency, bound_db, above) in [(30.0, -40.0, false), (2000.0, -0.05, true)] {
            let mut p = panner(format);
            set(p.as_mut(), "Mono Maker", "On");
            set(p.as_mut(), "Mono Below", "120 Hz");
            let x = signals::sine(frequency, 0.25, SR, settle + measure);
            let minus_x: Vec<f32> = x.iter().map(|v| -v).collect();
            let (l, _) = run(p.as_mut(), &x, &minus_x);
            let gain = rms_db(&l[settle..]) - rms_db(&x[settle..]);
            if above {
                assert!(
                    gain > bound_db,
                    "{format:?} side {frequency} Hz: {gain:.3} dB"
                );
            } else {
                assert!(
                    gain < bound_db,
                    "{format:?} side {frequency} Hz: {gain:.1} dB"
                );
            }
        }
    });
}

/// The picture in README: the editor while a stereo mix plays through it (pan 30R, width 120 %),
/// so the meters, goniometer and correlation meter show signal. Skipped without an X server.
#[test]
#[cfg(target_os = "linux")] // the editor embeds in an X11 window
fn editor_screenshot_with_signal() {
    let mut p = panner(Format::Clap);
    set(p.as_mut(), "Pan", "30R");
    set(p.as_mut(), "Width", "120");
    p.activate(SR, BLOCK as u32);
    // A wide, mostly correlated signal: a shared part plus a smaller independent part per side.
    let len = SR as usize;
    let shared = signals::noise(11, 0.3, len);
    let left_only = signals::noise(12, 0.12, len);
    let right_only = signals::noise(13, 0.12, len);
    let left: Vec<f32> = shared.iter().zip(&left_only).map(|(a, b)| a + b).collect();
    let right: Vec<f32> = shared.iter().zip(&right_only).map(|(a, b)| a + b).collect();
    gel_host_tests::live_screenshot::screenshot_with_signal(
        p.as_mut(),
        &[left, right],
        BLOCK,
        "gel-panner.png",
    )
    .expect("editor screenshot");
}

/// Mono in → stereo out (the CLAP audio-ports configuration with one input channel): the mono
/// source is placed with the pan law — −3.0103 dB in each channel at the centre with the default
/// constant-power law — and hard left leaves the right channel silent.
#[test]
fn mono_input_layout_is_panned_with_the_law() {
    use gel_host_tests::clap_host::ClapPlugin;
    for (pan, expected_left_db, expected_right_db) in [
        ("C", Some(-3.0103), Some(-3.0103)),
        ("100L", Some(0.0), None),
    ] {
        let mut p = ClapPlugin::load(&gel_host_tests::bundle_dir().join("Gel Panner.clap"));
        p.select_main_input_channels(1)
            .expect("Gel Panner offers a mono-in layout");
        assert_eq!(p.main_channels(), (1, 2));
        set(&mut p, "Pan", pan);
        p.activate(SR, BLOCK as u32);
        let len = SR as usize / 2;
        let x = signals::sine(1000.0, 0.5, SR, len);
        let mut out = (vec![0.0; len], vec![0.0; len]);
        for start in (0..len).step_by(BLOCK) {
            let end = (start + BLOCK).min(len);
            let mut outs: Vec<&mut [f32]> = vec![&mut out.0[start..end], &mut out.1[start..end]];
            p.process(&[&x[start..end]], &mut outs, &[]);
        }
        let input_db = rms_db(&x[len / 2..]);
        for (channel, signal, expected) in [
            ("left", &out.0, expected_left_db),
            ("right", &out.1, expected_right_db),
        ] {
            let level = rms_db(&signal[len / 2..]) - input_db;
            match expected {
                Some(db) => assert!(
                    (level - db).abs() < 0.01,
                    "pan {pan}: {channel} at {level:.4} dB, expected {db} dB"
                ),
                None => assert!(level < -100.0, "pan {pan}: {channel} at {level:.1} dB"),
            }
        }
    }
}
