//! Host-style fuzzing: random parameter changes delivered every way a real host delivers them,
//! under the strict hosts.
//!
//! One run loads a plugin, then takes random steps with a seeded generator (the same seed gives
//! the same run, so a failure names the seed that reproduces it):
//! - process a block of random length with 0–4 parameter events at random sample offsets
//!   (several per block, sample accurate) and, in CLAP, 0–2 monophonic modulation events
//!   (`CLAP_EVENT_PARAM_MOD`) with random amounts;
//! - set a parameter while processing (the host sends it with the next block);
//! - stop processing, flush changes (active, not processing: audio thread), start again;
//! - deactivate, flush changes (inactive: main thread), activate again with a new sample rate
//!   and block size;
//! - give the main thread its turn (`idle`), which the host otherwise defers, as a DAW's busy
//!   main thread does: the plugin's `on_main_thread` may run after the audio side moved on,
//!   even after a deactivation;
//! - honour a restart the plugin asked for (deactivate + activate), as a DAW does.
//!
//! Every output sample must be finite, and the strict host fails the run on any contract
//! violation (latency reported outside activate among them).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::{load, Format, ParamEvent, ParamInfo};

/// splitmix64: small, fast, and the same sequence everywhere for a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Sample rates and block sizes the runs switch between.
const RATES: [f64; 4] = [44_100.0, 48_000.0, 88_200.0, 96_000.0];
const BLOCKS: [u32; 5] = [32, 64, 256, 512, 1024];

/// A random normalised value for `param`: often an end of the range (where trouble hides),
/// otherwise uniform, on a step for stepped parameters.
fn random_value(rng: &mut Rng, param: &ParamInfo) -> f64 {
    let v = match rng.below(5) {
        0 => 0.0,
        1 => 1.0,
        _ => rng.unit(),
    };
    if param.step_count > 0 {
        (v * param.step_count as f64).round() / param.step_count as f64
    } else {
        v
    }
}

/// One run of `steps` random steps on a fresh `bundle` instance in `format`. Panics, naming the
/// seed and the last steps, on non-finite output or a contract violation.
pub fn fuzz(format: Format, bundle: &str, seed: u64, steps: usize) {
    fuzz_from(format, bundle, &[], seed, steps);
}

/// [`fuzz`] starting from `setup` (parameter name, text) set after loading, e.g. to fuzz
/// around a feature a random walk rarely switches on.
pub fn fuzz_from(format: Format, bundle: &str, setup: &[(&str, &str)], seed: u64, steps: usize) {
    let mut trace: Vec<String> = Vec::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        run(format, bundle, setup, seed, steps, &mut trace)
    }));
    if let Err(panic) = result {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let last = trace.len().saturating_sub(12);
        panic!(
            "{bundle} {format:?}, seed {seed} (rerun: GEL_FUZZ_SEED={seed}): {message}\nlast steps:\n  {}",
            trace[last..].join("\n  ")
        );
    }
}

fn run(
    format: Format,
    bundle: &str,
    setup: &[(&str, &str)],
    seed: u64,
    steps: usize,
    trace: &mut Vec<String>,
) {
    let mut rng = Rng::new(seed);
    let mut plugin = load(format, bundle);
    for (name, text) in setup {
        crate::set_by_text(plugin.as_mut(), name, text);
    }
    plugin.set_deferred_main_thread(true);
    // All of them, automatable or not: a host's generic editor sends changes to the others
    // (the compressor's lookahead, say) the same ways.
    let params: Vec<ParamInfo> = plugin.params();
    assert!(!params.is_empty(), "{bundle}: no parameters");
    let (inputs, outputs) = plugin.main_channels();

    let mut rate = *rng.pick(&RATES);
    let mut max_block = *rng.pick(&BLOCKS);
    trace.push(format!("activate({rate}, {max_block})"));
    plugin.activate(rate, max_block);
    let mut processing = true;
    let mut phase = 0.0f64;

    for step in 0..steps {
        match rng.below(16) {
            // Process one block (most steps).
            0..=8 => {
                if !processing {
                    trace.push(format!("{step}: start_processing"));
                    plugin.start_processing();
                    processing = true;
                }
                let frames = 1 + rng.below(max_block as usize);
                let mut events: Vec<ParamEvent> = (0..rng.below(5))
                    .map(|_| {
                        let param = rng.pick(&params);
                        ParamEvent {
                            time: rng.below(frames) as u32,
                            param_id: param.id,
                            value: random_value(&mut rng, param),
                        }
                    })
                    .collect();
                events.sort_by_key(|e| e.time);
                let mut mods = Vec::new();
                if format == Format::Clap {
                    for _ in 0..rng.below(3) {
                        let id = rng.pick(&params).id;
                        let time = rng.below(frames) as u32;
                        let amount = rng.unit() * 2.0 - 1.0;
                        mods.push((time, id, amount));
                        plugin.queue_modulation(time, id, amount);
                    }
                }
                trace.push(format!(
                    "{step}: process {frames} frames, events {:?}, modulation {mods:?}",
                    events
                        .iter()
                        .map(|e| (e.time, e.param_id, e.value))
                        .collect::<Vec<_>>()
                ));
                // A 220 Hz sine at -6 dBFS with a little noise: every plugin has work to do.
                let step_phase = 2.0 * std::f64::consts::PI * 220.0 / rate;
                let input: Vec<f32> = (0..frames)
                    .map(|i| {
                        let s = 0.5 * (phase + step_phase * i as f64).sin();
                        (s + 0.01 * (rng.unit() - 0.5)) as f32
                    })
                    .collect();
                phase += step_phase * frames as f64;
                let ins: Vec<&[f32]> = (0..inputs).map(|_| &input[..]).collect();
                let mut out_bufs = vec![vec![0.0f32; frames]; outputs];
                let mut outs: Vec<&mut [f32]> = out_bufs.iter_mut().map(|b| &mut b[..]).collect();
                plugin.process(&ins, &mut outs, &events);
                for (c, channel) in out_bufs.iter().enumerate() {
                    if let Some(i) = channel.iter().position(|v| !v.is_finite()) {
                        panic!(
                            "step {step}: output channel {c} sample {i} is {}",
                            channel[i]
                        );
                    }
                }
            }
            // Set a parameter as the host's own UI does: while processing it goes with the next
            // block.
            9 => {
                let param = rng.pick(&params);
                let value = random_value(&mut rng, param);
                trace.push(format!("{step}: set_param({}, {value})", param.id));
                plugin.set_param(param.id, value);
            }
            // Flush while active and not processing.
            10 => {
                trace.push(format!("{step}: stop_processing"));
                plugin.stop_processing();
                processing = false;
                for _ in 0..1 + rng.below(3) {
                    let param = rng.pick(&params);
                    let value = random_value(&mut rng, param);
                    trace.push(format!("{step}: flush (active) {} = {value}", param.id));
                    plugin.set_param(param.id, value);
                }
            }
            // Deactivate, flush while inactive, activate with a new rate and block size.
            11 | 12 => {
                trace.push(format!("{step}: deactivate"));
                plugin.deactivate();
                for _ in 0..rng.below(4) {
                    let param = rng.pick(&params);
                    let value = random_value(&mut rng, param);
                    trace.push(format!("{step}: flush (inactive) {} = {value}", param.id));
                    plugin.set_param(param.id, value);
                }
                if rng.below(2) == 0 {
                    trace.push(format!("{step}: idle (inactive)"));
                    plugin.idle();
                }
                rate = *rng.pick(&RATES);
                max_block = *rng.pick(&BLOCKS);
                trace.push(format!("{step}: activate({rate}, {max_block})"));
                plugin.activate(rate, max_block);
                processing = true;
            }
            // The main thread's turn.
            13 | 14 => {
                trace.push(format!("{step}: idle"));
                plugin.idle();
            }
            // Honour a restart request, as a DAW does between blocks.
            _ => {
                if plugin.restart_if_requested() {
                    trace.push(format!("{step}: restarted on request"));
                    processing = true;
                }
            }
        }
    }
    trace.push("end: deactivate + idle".into());
    plugin.deactivate();
    plugin.idle();
    let violations = plugin.contract_violations();
    assert!(violations.is_empty(), "violations: {violations:#?}");
}

/// The seeds a test runs: `GEL_FUZZ_SEED` alone when set, otherwise `count` fixed seeds.
pub fn seeds(count: u64) -> Vec<u64> {
    match std::env::var("GEL_FUZZ_SEED") {
        Ok(seed) => vec![seed.parse().expect("GEL_FUZZ_SEED must be an integer")],
        Err(_) => (1..=count).collect(),
    }
}

/// Steps per run: `GEL_FUZZ_STEPS` or `default`.
pub fn steps(default: usize) -> usize {
    std::env::var("GEL_FUZZ_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One test per format running [`fuzz`] over the default seeds:
/// `host_style_fuzz!(eq, "Gel EQ");` gives `eq_clap` and `eq_vst3`.
#[macro_export]
macro_rules! host_style_fuzz {
    ($name:ident, $bundle:expr) => {
        $crate::__pastey::paste! {
            #[test]
            fn [<$name _clap>]() {
                for seed in $crate::host_style::seeds(4) {
                    $crate::host_style::fuzz(
                        $crate::Format::Clap,
                        $bundle,
                        seed,
                        $crate::host_style::steps(400),
                    );
                }
            }

            #[test]
            fn [<$name _vst3>]() {
                for seed in $crate::host_style::seeds(4) {
                    $crate::host_style::fuzz(
                        $crate::Format::Vst3,
                        $bundle,
                        seed,
                        $crate::host_style::steps(400),
                    );
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_repeats_for_a_seed_and_differs_between_seeds() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let c: Vec<u64> = (0..4)
            .map({
                let mut r = Rng::new(8);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| r.below(5) < 5 && (0.0..1.0).contains(&r.unit())));
    }
}
