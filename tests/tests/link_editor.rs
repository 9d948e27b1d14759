//! Gel Link in the editors, photographed with real instances: in this one test-host process a
//! Gel EQ on the "Bass" track, a Gel Compressor on "Kick" and a Gel Panner on "Vocal" (track
//! names through CLAP `track-info` and VST3 `IInfoListener`), each fed noise limited to its own
//! band, publish to a private gel-link segment while the EQ's (then the Panner's) editor draws.
//! The EQ shows the other two tracks overlaid and the bass–kick collision shaded; the Panner
//! shows where each track sits. Writes `link-eq.png` and `link-panner.png` (see
//! `live_screenshot::screenshot_path`); skipped without an X server. Linux only.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use gel_dsp::Svf;
use gel_host_tests::clap_host::ClapPlugin;
use gel_host_tests::live_screenshot::screenshot_path;
use gel_host_tests::x11_parent::{self, X11Parent};
use gel_host_tests::{bundle_dir, load, set_by_text, signals, Format, PluginHost};
use gel_link::{InstanceView, LinkHandle, PluginKind};

const SR: f64 = 48_000.0;
const BLOCK: usize = 512;
/// Blocks per pacing step: about real time (4 × 512 samples every 40 ms ≈ 1.07× real time), so
/// the publisher's 100 ms ticks find every sample.
const BLOCKS_PER_STEP: usize = 4;
const STEP_WALL: Duration = Duration::from_millis(40);

fn private_namespace() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var(
            "GEL_LINK_NAMESPACE",
            format!("linkeditor-{}", std::process::id()),
        );
        // Segments of earlier runs of this test whose process is gone.
        #[cfg(target_os = "linux")]
        for entry in std::fs::read_dir("/dev/shm")
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .split("-linkeditor-")
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid {
                if name.starts_with("gel-link-")
                    && !std::path::Path::new(&format!("/proc/{pid}")).exists()
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    });
}

/// White noise through 4th-order high and low passes at `lo` and `hi` Hz (two cascaded
/// Butterworth-Q state-variable sections each side), scaled to `rms_db`; `right_of` mixes the
/// left channel into the right (1 = mono) with independent noise for the rest.
fn band_noise(lo: f32, hi: f32, rms_db: f64, mono: f32, seed: u64) -> [Vec<f32>; 2] {
    let len = 3 * SR as usize;
    let filter = |x: Vec<f32>| -> Vec<f32> {
        let mut stages: Vec<(Svf, bool)> = Vec::new();
        for _ in 0..2 {
            let mut hp = Svf::new();
            hp.set(lo, std::f32::consts::FRAC_1_SQRT_2, SR as f32);
            stages.push((hp, true));
            let mut lp = Svf::new();
            lp.set(hi, std::f32::consts::FRAC_1_SQRT_2, SR as f32);
            stages.push((lp, false));
        }
        let mut out: Vec<f32> = x
            .into_iter()
            .map(|mut s| {
                for (f, high) in stages.iter_mut() {
                    s = if *high {
                        f.process_high(s)
                    } else {
                        f.process_low(s)
                    };
                }
                s
            })
            .collect();
        let gain = signals::db_to_gain(rms_db) / signals::rms(&out);
        out.iter_mut().for_each(|s| *s *= gain as f32);
        out
    };
    let left = filter(signals::noise(seed, 1.0, len));
    let other = filter(signals::noise(seed + 1, 1.0, len));
    let right = left
        .iter()
        .zip(&other)
        .map(|(l, o)| mono * l + (1.0 - mono) * o)
        .collect();
    [left, right]
}

/// One track of the session: a plugin and its input, played in a loop.
struct Track {
    plugin: Box<dyn PluginHost>,
    input: [Vec<f32>; 2],
    pos: usize,
    out: [Vec<f32>; 2],
}

impl Track {
    fn new(mut plugin: Box<dyn PluginHost>, input: [Vec<f32>; 2]) -> Self {
        plugin.activate(SR, BLOCK as u32);
        Self {
            plugin,
            input,
            pos: 0,
            out: [vec![0.0; BLOCK], vec![0.0; BLOCK]],
        }
    }

    fn block(&mut self) {
        let len = self.input[0].len();
        if self.pos + BLOCK > len {
            self.pos = 0;
        }
        let range = self.pos..self.pos + BLOCK;
        self.pos += BLOCK;
        let [l, r] = &self.input;
        let [ol, or] = &mut self.out;
        self.plugin.process(
            &[&l[range.clone()], &r[range]],
            &mut [&mut ol[..], &mut or[..]],
            &[],
        );
    }
}

/// Play every track at about real time for `duration`, calling `between` after each step.
fn play(tracks: &mut [Track], duration: Duration, mut between: impl FnMut(&mut [Track])) {
    let end = Instant::now() + duration;
    while Instant::now() < end {
        let step = Instant::now();
        for track in tracks.iter_mut() {
            for _ in 0..BLOCKS_PER_STEP {
                track.block();
            }
        }
        between(tracks);
        if let Some(rest) = STEP_WALL.checked_sub(step.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

/// The session: Bass (Gel EQ, CLAP, named from `init`), Kick (Gel Compressor, VST3), Vocal
/// (Gel Panner, VST3, panned right and widened).
fn session() -> Vec<Track> {
    let bass = ClapPlugin::load_on_track(&bundle_dir().join("Gel EQ.clap"), None, Some("Bass"));
    let mut bass: Box<dyn PluginHost> = Box::new(bass);
    // A low cut and a small presence dip, as on a real bass track.
    for (name, text) in [
        ("Band 1 Used", "On"),
        ("Band 1 On", "On"),
        ("Band 1 Type", "Low Cut"),
        ("Band 1 Frequency", "30"),
        ("Band 2 Used", "On"),
        ("Band 2 On", "On"),
        ("Band 2 Type", "Bell"),
        ("Band 2 Frequency", "700"),
        ("Band 2 Gain", "-3"),
        ("Band 2 Q", "1.2"),
    ] {
        set_by_text(bass.as_mut(), name, text);
    }
    let mut kick = load(Format::Vst3, "Gel Compressor");
    assert!(kick.set_track_name("Kick"));
    let mut vocal = load(Format::Vst3, "Gel Panner");
    assert!(vocal.set_track_name("Vocal"));
    set_by_text(vocal.as_mut(), "Mode", "Stereo Pan");
    set_by_text(vocal.as_mut(), "Pan", "30R");
    set_by_text(vocal.as_mut(), "Width", "140");
    vec![
        Track::new(bass, band_noise(40.0, 300.0, -18.0, 1.0, 11)),
        Track::new(kick, band_noise(50.0, 130.0, -20.0, 1.0, 21)),
        Track::new(vocal, band_noise(250.0, 4000.0, -22.0, 0.4, 31)),
    ]
}

/// Wait until the reader sees all three tracks by name with settled spectra.
fn wait_for_session(tracks: &mut [Track]) -> Vec<InstanceView> {
    let reader = LinkHandle::new(PluginKind::Delay);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    // The spectra average over 1 s: play 3 s before looking.
    play(tracks, Duration::from_secs(3), |_| {});
    loop {
        reader.instances(&mut seen);
        let named = ["Bass", "Kick", "Vocal"]
            .iter()
            .all(|n| seen.iter().any(|v| v.label == *n));
        if named || Instant::now() > deadline {
            break;
        }
        play(tracks, Duration::from_millis(200), |_| {});
    }
    seen
}

/// Open `tracks[index]`'s editor in `parent`, keep the whole session playing while it draws,
/// and save it. (One parent for every picture: Xvfb without `-noreset` resets when its last
/// client leaves, which a second connection opened right then does not survive.)
fn photograph(
    parent: &mut X11Parent,
    tracks: &mut [Track],
    index: usize,
    file: &str,
) -> Result<(), String> {
    let (width, height) = tracks[index].plugin.open_editor(parent.window_id())?;
    parent.resize(width as u16, height as u16)?;
    // Long enough for the panels' 100 ms registry polls and the analyzer's ballistics.
    play(tracks, Duration::from_secs(3), |tracks| {
        parent.pump(Duration::from_millis(5));
        tracks[index].plugin.idle();
    });
    let deadline = Instant::now() + Duration::from_secs(15);
    let (w, h, rgb) = loop {
        let (w, h, rgb) = parent.grab()?;
        if x11_parent::distinct_colours(&rgb) > 50 || Instant::now() > deadline {
            break (w, h, rgb);
        }
        play(tracks, Duration::from_millis(200), |_| {});
        parent.pump(Duration::from_millis(20));
    };
    x11_parent::write_png(&screenshot_path(file), w, h, &rgb)?;
    tracks[index].plugin.close_editor();
    parent.pump(Duration::from_millis(100));
    tracks[index].plugin.idle();
    if x11_parent::distinct_colours(&rgb) <= 50 {
        return Err("the editor drew almost nothing".into());
    }
    println!("wrote {}", screenshot_path(file).display());
    Ok(())
}

#[test]
fn eq_and_panner_editors_show_the_linked_tracks() {
    private_namespace();
    let mut tracks = session();
    let seen = wait_for_session(&mut tracks);
    for name in ["Bass", "Kick", "Vocal"] {
        assert!(
            seen.iter().any(|v| v.label == name),
            "{name} missing: {:?}",
            seen.iter().map(|v| &v.label).collect::<Vec<_>>()
        );
    }
    let mut parent = match X11Parent::open(640, 480) {
        Ok(parent) => parent,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    photograph(&mut parent, &mut tracks, 0, "link-eq.png").expect("EQ screenshot");
    photograph(&mut parent, &mut tracks, 2, "link-panner.png").expect("Panner screenshot");
}
