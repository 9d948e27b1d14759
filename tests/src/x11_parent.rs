//! A bare X11 top-level window to embed plugin editors in, plus a screenshot to PNG.
//!
//! nice-plug editors only embed (no floating windows), so a host must provide a parent. The
//! window is created and mapped, and a round trip (`get_input_focus().reply()`) makes sure the
//! server knows it before the plugin's own X connection refers to it in `set_parent` (otherwise
//! the plugin can get `BadWindow`).

use std::path::Path;
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, EventMask, ImageFormat, WindowClass,
};
use x11rb::rust_connection::RustConnection;

pub struct X11Parent {
    conn: RustConnection,
    window: u32,
    root: u32,
    width: u16,
    height: u16,
}

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl X11Parent {
    /// Connect to `$DISPLAY` and open a mapped `width`×`height` window. Err with a reason when
    /// there is no display (the GUI tests then skip).
    pub fn open(width: u16, height: u16) -> Result<X11Parent, String> {
        let display = std::env::var("DISPLAY").map_err(|_| "DISPLAY is not set".to_string())?;
        if display.is_empty() {
            return Err("DISPLAY is empty".into());
        }
        let (conn, screen_num) = x11rb::connect(None)
            .map_err(|e| format!("cannot connect to X display {display:?}: {e}"))?;
        let screen = &conn.setup().roots[screen_num];
        let root = screen.root;
        let window = conn.generate_id().map_err(err("generate_id"))?;
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            window,
            root,
            0,
            0,
            width,
            height,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new()
                .background_pixel(screen.black_pixel)
                .event_mask(EventMask::EXPOSURE | EventMask::STRUCTURE_NOTIFY),
        )
        .map_err(err("create_window"))?;
        conn.map_window(window).map_err(err("map_window"))?;
        conn.flush().map_err(err("flush"))?;
        conn.get_input_focus()
            .map_err(err("get_input_focus"))?
            .reply()
            .map_err(err("get_input_focus reply"))?;
        Ok(X11Parent {
            conn,
            window,
            root,
            width,
            height,
        })
    }

    pub fn window_id(&self) -> u32 {
        self.window
    }

    /// Resize the parent (e.g. to the editor's reported size).
    pub fn resize(&mut self, width: u16, height: u16) -> Result<(), String> {
        self.conn
            .configure_window(
                self.window,
                &ConfigureWindowAux::new()
                    .width(u32::from(width))
                    .height(u32::from(height)),
            )
            .map_err(err("configure_window"))?;
        self.conn.flush().map_err(err("flush"))?;
        self.conn
            .get_input_focus()
            .map_err(err("get_input_focus"))?
            .reply()
            .map_err(err("round trip"))?;
        self.width = width;
        self.height = height;
        Ok(())
    }

    /// Wait `duration` while the plugin's own thread draws, draining our event queue.
    pub fn pump(&self, duration: Duration) {
        let end = Instant::now() + duration;
        while Instant::now() < end {
            while let Ok(Some(_event)) = self.conn.poll_for_event() {}
            let _ = self.conn.flush();
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Grab the window's pixels (as shown on screen, children included) and write an RGB PNG.
    pub fn screenshot(&self, path: &Path) -> Result<(), String> {
        let (w, h, rgb) = self.grab()?;
        write_png(path, w, h, &rgb)
    }

    /// The window's pixels as tightly packed RGB.
    pub fn grab(&self) -> Result<(u32, u32, Vec<u8>), String> {
        // Read from the root at the window's position: that is what is on screen, including the
        // plugin's child window (GL or not), like `import -window root` would.
        let pos = self
            .conn
            .translate_coordinates(self.window, self.root, 0, 0)
            .map_err(err("translate_coordinates"))?
            .reply()
            .map_err(err("translate_coordinates reply"))?;
        let (w, h) = (self.width, self.height);
        let image = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                self.root,
                pos.dst_x,
                pos.dst_y,
                w,
                h,
                !0,
            )
            .map_err(err("get_image"))?
            .reply()
            .map_err(err("get_image reply"))?;
        if image.depth != 24 && image.depth != 32 {
            return Err(format!("unsupported depth {}", image.depth));
        }
        let setup = self.conn.setup();
        let bpp = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == image.depth)
            .map(|f| f.bits_per_pixel)
            .unwrap_or(32);
        if bpp != 32 {
            return Err(format!("unsupported bits per pixel {bpp}"));
        }
        let (w, h) = (usize::from(w), usize::from(h));
        let stride = image.data.len() / h.max(1);
        let lsb = setup.image_byte_order == x11rb::protocol::xproto::ImageOrder::LSB_FIRST;
        let mut rgb = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                let p = &image.data[y * stride + x * 4..][..4];
                // 24/32-bit TrueColor: 0x00RRGGBB in the server's byte order.
                let (r, g, b) = if lsb {
                    (p[2], p[1], p[0])
                } else {
                    (p[1], p[2], p[3])
                };
                rgb.extend_from_slice(&[r, g, b]);
            }
        }
        Ok((w as u32, h as u32, rgb))
    }
}

impl Drop for X11Parent {
    fn drop(&mut self) {
        let _ = self.conn.destroy_window(self.window);
        let _ = self.conn.flush();
    }
}

/// Number of distinct RGB colours in a packed RGB image (counting stops at 4097).
pub fn distinct_colours(rgb: &[u8]) -> usize {
    let mut colours = std::collections::HashSet::new();
    for px in rgb.chunks_exact(3) {
        colours.insert((px[0], px[1], px[2]));
        if colours.len() > 4096 {
            break;
        }
    }
    colours.len()
}

/// Write packed RGB as a PNG file, creating the directory.
pub fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err("create screenshot dir"))?;
    }
    std::fs::write(path, encode_png(width, height, rgb))
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

fn crc32(chunks: &[&[u8]]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for chunk in chunks {
        for &byte in *chunk {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xedb8_8320 & mask);
            }
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// Encode 8-bit RGB as PNG (filter 0 on every row, zlib via miniz_oxide).
pub fn encode_png(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let row = width as usize * 3;
    let mut raw = Vec::with_capacity((row + 1) * height as usize);
    for y in 0..height as usize {
        raw.push(0);
        raw.extend_from_slice(&rgb[y * row..(y + 1) * row]);
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6),
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}
