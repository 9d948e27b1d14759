//! Gel EQ's editor with dynamic bands, photographed while music-like audio plays: each dynamic
//! band's static curve (dashed) and live curve, the range shaded, the live gain above its node
//! and the dynamic controls of the selected band. Writes `eq-dynamic.png` (see
//! `live_screenshot::screenshot_path`); skipped without an X server. Linux only.
#![cfg(target_os = "linux")]

use gel_host_tests::{load, set_by_text as set, signals, Format};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;

/// Pink noise (Paul Kellet's refined filter: −3 dB/oct within ±0.05 dB from 9.2 Hz to Nyquist at
/// 44.1 kHz) plus a bass line of harmonics, roughly the spectrum of a mix.
fn mix_like(len: usize) -> Vec<f32> {
    let white = signals::noise(31, 1.0, len);
    let mut b = [0.0f32; 7];
    let mut out = Vec::with_capacity(len);
    for (n, &w) in white.iter().enumerate() {
        b[0] = 0.99886 * b[0] + w * 0.0555179;
        b[1] = 0.99332 * b[1] + w * 0.0750759;
        b[2] = 0.96900 * b[2] + w * 0.153852;
        b[3] = 0.86650 * b[3] + w * 0.3104856;
        b[4] = 0.55000 * b[4] + w * 0.5329522;
        b[5] = -0.7616 * b[5] - w * 0.0168980;
        let pink = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
        b[6] = w * 0.115926;
        let t = n as f64 / SR;
        let bass: f64 = [(55.0, 0.12), (110.0, 0.08), (165.0, 0.04), (220.0, 0.03)]
            .iter()
            .map(|&(f, a)| a * (std::f64::consts::TAU * f * t).sin())
            .sum();
        out.push(pink * 0.05 + bass as f32);
    }
    out
}

#[test]
fn editor_screenshot_with_dynamic_bands() {
    let mut p = load(Format::Clap, "Gel EQ");
    let bands: [&[(&str, &str)]; 4] = [
        &[
            ("Type", "Bell"),
            ("Frequency", "110"),
            ("Gain", "-9"),
            ("Q", "2"),
            ("Dynamic", "On"),
            ("Threshold", "-30"),
            ("Ratio", "4"),
            ("Attack", "10 ms"),
            ("Release", "150 ms"),
        ],
        &[
            ("Type", "Low Cut"),
            ("Frequency", "30"),
            ("Slope", "24 dB/oct"),
            ("Q", "0.71"),
        ],
        &[
            ("Type", "Bell"),
            ("Frequency", "2500"),
            ("Gain", "2"),
            ("Q", "1"),
        ],
        &[
            ("Type", "Bell"),
            ("Frequency", "6500"),
            ("Gain", "-8"),
            ("Q", "2.5"),
            ("Dynamic", "On"),
            ("Threshold", "-50"),
            ("Ratio", "4"),
            ("Attack", "2 ms"),
            ("Release", "80 ms"),
        ],
    ];
    for (i, settings) in bands.iter().enumerate() {
        let n = i + 1;
        set(p.as_mut(), &format!("Band {n} Used"), "On");
        set(p.as_mut(), &format!("Band {n} On"), "On");
        for (what, text) in settings.iter() {
            set(p.as_mut(), &format!("Band {n} {what}"), text);
        }
    }
    p.activate(SR, BLOCK as u32);
    let len = 2 * SR as usize;
    let left = mix_like(len);
    let right = left.clone();
    let drawn = gel_host_tests::live_screenshot::screenshot_with_signal(
        p.as_mut(),
        &[left, right],
        BLOCK,
        "eq-dynamic.png",
    )
    .expect("editor screenshot");
    if drawn {
        println!(
            "wrote {}",
            gel_host_tests::live_screenshot::screenshot_path("eq-dynamic.png").display()
        );
    }
}
