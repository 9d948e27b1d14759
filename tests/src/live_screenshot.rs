//! The README pictures: a plugin's editor photographed while audio plays through it, so meters,
//! scopes and displays show signal rather than an idle state.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::x11_parent::{self, X11Parent};
use crate::PluginHost;

/// Rounds of (two blocks of audio, 25 ms of drawing): about one second, enough for meters with
/// standard ballistics and for scopes to fill.
const ROUNDS: usize = 40;

/// How long to wait for an editor's first frames beyond the rounds above.
const DRAW_DEADLINE: Duration = Duration::from_secs(15);

/// An editor that drew shows many colours; the bare parent window is one (black).
const DRAWN_COLOURS: usize = 50;

/// Where a test's screenshot goes: `target/screenshots/<file_name>`, or the README's
/// `docs/screenshots/<file_name>` when `GEL_UPDATE_SCREENSHOTS=1` (so a test run leaves the
/// tracked pictures alone unless asked to refresh them). The folder is created.
pub fn screenshot_path(file_name: &str) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = if std::env::var_os("GEL_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        workspace.join("docs").join("screenshots")
    } else {
        workspace.join("target").join("screenshots")
    };
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir.join(file_name)
}

/// Open `plugin`'s editor (the plugin must already be activated with blocks of at least
/// `block` frames) in a host-made X11 window, play `input` (one Vec per input channel, looped)
/// through it at about real time while the editor draws, and save the window to
/// [`screenshot_path`]`(file_name)`. Returns `Ok(false)` with the reason printed when there is
/// no X server, and fails when the editor drew almost nothing.
pub fn screenshot_with_signal(
    plugin: &mut dyn PluginHost,
    input: &[Vec<f32>],
    block: usize,
    file_name: &str,
) -> Result<bool, String> {
    let mut parent = match X11Parent::open(640, 480) {
        Ok(parent) => parent,
        Err(reason) => {
            println!("skipped: {reason}");
            return Ok(false);
        }
    };
    let (width, height) = plugin.open_editor(parent.window_id())?;
    parent.resize(width as u16, height as u16)?;

    let len = input.iter().map(Vec::len).min().unwrap_or(0);
    if len < block {
        return Err(format!("input of {len} frames is shorter than one block"));
    }
    let (_, outputs) = plugin.main_channels();
    let mut out = vec![vec![0.0f32; block]; outputs];
    for round in 0..ROUNDS {
        for half in 0..2 {
            let start = ((round * 2 + half) * block) % (len - block + 1);
            let ins: Vec<&[f32]> = input.iter().map(|c| &c[start..start + block]).collect();
            let mut outs: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[..]).collect();
            plugin.process(&ins, &mut outs, &[]);
        }
        parent.pump(Duration::from_millis(25));
        plugin.idle();
    }
    // A loaded machine (software GL, parallel tests) can take longer for the first frames:
    // keep playing and drawing until the editor shows up, for at most DRAW_DEADLINE.
    let deadline = std::time::Instant::now() + DRAW_DEADLINE;
    let mut round = ROUNDS;
    let (grab_width, grab_height, rgb) = loop {
        let (w, h, rgb) = parent.grab()?;
        if x11_parent::distinct_colours(&rgb) > DRAWN_COLOURS
            || std::time::Instant::now() > deadline
        {
            break (w, h, rgb);
        }
        let start = (round * block) % (len - block + 1);
        let ins: Vec<&[f32]> = input.iter().map(|c| &c[start..start + block]).collect();
        let mut outs: Vec<&mut [f32]> = out.iter_mut().map(|c| &mut c[..]).collect();
        plugin.process(&ins, &mut outs, &[]);
        parent.pump(Duration::from_millis(50));
        plugin.idle();
        round += 1;
    };
    x11_parent::write_png(&screenshot_path(file_name), grab_width, grab_height, &rgb)?;
    plugin.close_editor();
    parent.pump(Duration::from_millis(100));
    plugin.idle();
    let colours = x11_parent::distinct_colours(&rgb);
    if colours <= DRAWN_COLOURS {
        return Err(format!(
            "the editor drew almost nothing ({colours} colours)"
        ));
    }
    Ok(true)
}
