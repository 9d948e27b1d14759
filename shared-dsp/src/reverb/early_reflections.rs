//! Early reflections: a stereo tapped delay line whose tap times scale with the room size.
//!
//! The classic early-reflection model of Moorer, "About this reverberation business",
//! Computer Music Journal 3(2), 1979: the first reflections of a room are a sparse set of
//! delayed, attenuated copies of the source, `y[n] = Σₖ aₖ·x[n − τₖ]`, with a different set
//! per ear. Tap times are multiplied by the size scale; they are read with linear
//! interpolation, so a size change glides the taps instead of jumping them.
//!
//! With constant tap times (the usual case) each tap is a multiply-add over a contiguous run of
//! the buffer, eight output samples at a time with all taps summed in registers (vector code);
//! only while the scale glides is each sample's tap position recomputed.

/// Most taps per channel.
pub const MAX_TAPS: usize = 16;

/// One channel's taps.
#[derive(Debug, Clone, Copy, Default)]
struct Taps {
    count: usize,
    /// Nominal delay in samples at scale 1.
    delay: [f32; MAX_TAPS],
    gain: [f32; MAX_TAPS],
}

/// Stereo early reflections (see the module docs).
#[derive(Debug, Clone)]
pub struct EarlyReflections {
    sample_rate: f32,
    buf: [Vec<f32>; 2],
    mask: usize,
    write: usize,
    taps: [Taps; 2],
    scale: f32,
    scale_target: f32,
    max_delay: f32,
}

impl Default for EarlyReflections {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlyReflections {
    /// Empty; call [`prepare`](Self::prepare).
    pub fn new() -> Self {
        Self {
            sample_rate: 48_000.0,
            buf: [Vec::new(), Vec::new()],
            mask: 0,
            write: 0,
            taps: [Taps::default(); 2],
            scale: 1.0,
            scale_target: 1.0,
            max_delay: 0.0,
        }
    }

    /// Allocates for tap delays up to `max_delay_ms` (after scaling) and blocks up to
    /// `max_block`, and resets.
    pub fn prepare(&mut self, sample_rate: f32, max_block: usize, max_delay_ms: f32) {
        self.sample_rate = sample_rate;
        self.max_delay = max_delay_ms * 0.001 * sample_rate;
        let len = (self.max_delay as usize + max_block.max(1) + 4).next_power_of_two();
        self.buf = [vec![0.0; len], vec![0.0; len]];
        self.mask = len - 1;
        self.reset();
    }

    /// Clears the buffer; the scale jumps to its target.
    pub fn reset(&mut self) {
        for b in &mut self.buf {
            b.fill(0.0);
        }
        self.write = 0;
        self.scale = self.scale_target;
    }

    /// Tap times (ms at scale 1) and gains per channel; extra taps beyond [`MAX_TAPS`] are
    /// ignored.
    pub fn set_taps(&mut self, left: &[(f32, f32)], right: &[(f32, f32)]) {
        for (taps, src) in self.taps.iter_mut().zip([left, right]) {
            taps.count = src.len().min(MAX_TAPS);
            for (k, &(ms, g)) in src.iter().take(MAX_TAPS).enumerate() {
                taps.delay[k] = (ms * self.sample_rate / 1000.0).max(1.0);
                taps.gain[k] = g;
            }
        }
    }

    /// True when there are no taps (the caller may skip the block).
    pub fn is_empty(&self) -> bool {
        self.taps[0].count == 0 && self.taps[1].count == 0
    }

    /// Size scale target; `scale_now` is where the late reverb's glide is, so both move
    /// together. Pass the same value to jump.
    pub fn set_scale(&mut self, scale_now: f32) {
        self.scale_target = scale_now;
    }

    /// Writes the input block and produces the reflections into `out_l`, `out_r` (overwritten).
    /// The scale moves linearly from its previous value to the last [`set_scale`](Self::set_scale)
    /// over the block. Block length at most the prepared `max_block`.
    pub fn process(&mut self, in_l: &[f32], in_r: &[f32], out_l: &mut [f32], out_r: &mut [f32]) {
        let n = in_l.len();
        let mask = self.mask;
        for (b, x) in self.buf.iter_mut().zip([in_l, in_r]) {
            let w = self.write;
            if w + n <= b.len() {
                b[w..w + n].copy_from_slice(&x[..n]);
            } else {
                for (k, v) in x[..n].iter().enumerate() {
                    b[(w + k) & mask] = *v;
                }
            }
        }
        let start = self.scale;
        let end = self.scale_target;
        let max = self.max_delay;
        for (c, out) in [out_l, out_r].into_iter().enumerate() {
            let taps = self.taps[c];
            let buf = &self.buf[c];
            if start == end
                && Self::constant_taps(&taps, buf, self.write, start, max, &mut out[..n])
            {
                continue;
            }
            out[..n].fill(0.0);
            for k in 0..taps.count {
                let g = taps.gain[k];
                if start == end {
                    // Constant tap: reads a contiguous run (split at the wrap).
                    let d = (taps.delay[k] * start).clamp(1.0, max);
                    let di = d as usize;
                    let t = d - di as f32;
                    let (g0, g1) = (g * (1.0 - t), g * t);
                    let first = self.write.wrapping_sub(di) & mask;
                    let second = self.write.wrapping_sub(di + 1) & mask;
                    if first + n <= mask && second + n <= mask {
                        let a = &buf[first..first + n];
                        let b = &buf[second..second + n];
                        for ((o, x0), x1) in out[..n].iter_mut().zip(a).zip(b) {
                            *o += g0 * x0 + g1 * x1;
                        }
                    } else {
                        for (i, o) in out[..n].iter_mut().enumerate() {
                            *o += g0 * buf[(first + i) & mask] + g1 * buf[(second + i) & mask];
                        }
                    }
                } else {
                    let step = (end - start) / n as f32;
                    for (i, o) in out[..n].iter_mut().enumerate() {
                        let d = (taps.delay[k] * (start + step * (i + 1) as f32)).clamp(1.0, max);
                        let di = d as usize;
                        let t = d - di as f32;
                        let p = (self.write + i).wrapping_sub(di);
                        *o += g * ((1.0 - t) * buf[p & mask] + t * buf[p.wrapping_sub(1) & mask]);
                    }
                }
            }
        }
        self.write = (self.write + n) & mask;
        self.scale = end;
    }
}

impl EarlyReflections {
    /// Constant taps whose runs do not wrap (the usual case): all taps of eight output samples
    /// summed in registers, in tap order (the same sums as tap by tap). Returns false, having
    /// written nothing, if a run wraps.
    fn constant_taps(
        taps: &Taps,
        buf: &[f32],
        write: usize,
        scale: f32,
        max: f32,
        out: &mut [f32],
    ) -> bool {
        const GROUP: usize = 8;
        let n = out.len();
        let mask = buf.len().wrapping_sub(1);
        let mut first = [0usize; MAX_TAPS];
        let mut gains = [(0.0f32, 0.0f32); MAX_TAPS];
        let count = taps.count.min(MAX_TAPS);
        for k in 0..count {
            let d = (taps.delay[k] * scale).clamp(1.0, max);
            let di = d as usize;
            let t = d - di as f32;
            let g = taps.gain[k];
            gains[k] = (g * (1.0 - t), g * t);
            // The second point is one sample older: the run starts one index lower.
            let second = write.wrapping_sub(di + 1) & mask;
            if second + n + 1 > mask {
                return false;
            }
            first[k] = second;
        }
        let groups = n / GROUP;
        for (gi, o) in out[..groups * GROUP].chunks_exact_mut(GROUP).enumerate() {
            let mut acc = [0.0f32; GROUP];
            for k in 0..count {
                let s = first[k] + gi * GROUP;
                let x: &[f32; GROUP + 1] = buf[s..s + GROUP + 1].try_into().unwrap();
                let (g0, g1) = gains[k];
                for i in 0..GROUP {
                    acc[i] += g0 * x[i + 1] + g1 * x[i];
                }
            }
            o.copy_from_slice(&acc);
        }
        for (i, o) in out.iter_mut().enumerate().skip(groups * GROUP) {
            let mut acc = 0.0f32;
            for k in 0..count {
                let (g0, g1) = gains[k];
                acc += g0 * buf[first[k] + i + 1] + g1 * buf[first[k] + i];
            }
            *o = acc;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_land_where_set_and_scale() {
        let fs = 48_000.0;
        let mut er = EarlyReflections::new();
        er.prepare(fs, 64, 100.0);
        er.set_taps(&[(1.0, 0.5), (10.0, -0.25)], &[(2.0, 1.0)]);
        for scale in [1.0f32, 2.0] {
            er.set_scale(scale);
            er.reset();
            let n = 2048;
            let mut x = vec![0.0f32; n];
            x[0] = 1.0;
            let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
            for k in (0..n).step_by(64) {
                let (a, b) = l.split_at_mut(k);
                let _ = a;
                let (c, d) = r.split_at_mut(k);
                let _ = c;
                er.process(&x[k..k + 64], &x[k..k + 64], &mut b[..64], &mut d[..64]);
            }
            let at = |ms: f32| (ms * 48.0 * scale).round() as usize;
            assert!((l[at(1.0)] - 0.5).abs() < 1e-5);
            assert!((l[at(10.0)] + 0.25).abs() < 1e-5);
            assert!((r[at(2.0)] - 1.0).abs() < 1e-5);
            let total: f32 = l.iter().map(|v| v.abs()).sum();
            assert!((total - 0.75).abs() < 1e-5);
        }
    }
}
