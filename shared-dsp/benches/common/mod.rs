//! What every gel-dsp bench shares (each bench file is its own crate and includes this module).

/// `len` samples of white noise at ±0.25 from a xorshift32 generator (Marsaglia, "Xorshift
/// RNGs", J. Stat. Softw. 8(14), 2003: shifts 13, 17, 5), the same for the same `seed`, so
/// benches of the same block see the same input run after run.
pub fn noise(seed: u32, len: usize) -> Vec<f32> {
    let mut s = seed.max(1);
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 0.5
        })
        .collect()
}
