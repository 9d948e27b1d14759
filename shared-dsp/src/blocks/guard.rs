//! Non-finite sample guard, output clamp and silence detection.
//!
//! Defined behaviour (IEEE 754 NaN/Inf propagate through every recursive
//! filter forever, so they must be stopped at the door):
//!
//! * plugin input that is NaN or ±Inf becomes silence (0.0) for that sample;
//! * [`sanitize`] reports it so the plugin can `reset()` its DSP state (a
//!   non-finite value may already sit inside a filter from an earlier block);
//! * [`clamp_output`] is the last line of defence: output is always finite and
//!   within ±limit.

/// Replaces every NaN/±Inf sample with 0.0. Returns true if any was found.
///
/// The scan is a branch-free OR-reduction the compiler vectorises; the
/// rewrite pass only runs when something was found.
pub fn sanitize(channels: &mut [&mut [f32]]) -> bool {
    let mut found = false;
    for ch in channels.iter_mut() {
        if has_non_finite(ch) {
            found = true;
            for x in ch.iter_mut() {
                if !x.is_finite() {
                    *x = 0.0;
                }
            }
        }
    }
    found
}

/// True if any sample is NaN or ±Inf.
#[inline]
pub fn has_non_finite(x: &[f32]) -> bool {
    x.iter().fold(false, |acc, v| acc | !v.is_finite())
}

/// Clamps every sample to `[-limit, limit]` and replaces non-finite samples
/// with 0.0 (a NaN has no meaningful clamp). Returns true if any non-finite
/// sample was found. `limit` is taken as `|limit|`.
pub fn clamp_output(channels: &mut [&mut [f32]], limit: f32) -> bool {
    let limit = limit.abs();
    let mut found = false;
    for ch in channels.iter_mut() {
        found |= has_non_finite(ch);
        for x in ch.iter_mut() {
            *x = if x.is_finite() {
                x.clamp(-limit, limit)
            } else {
                0.0
            };
        }
    }
    found
}

/// True if every sample of every channel has `|x| <= threshold`
/// (a NaN sample is never silent).
pub fn is_silent(channels: &[&[f32]], threshold: f32) -> bool {
    channels
        .iter()
        .all(|ch| ch.iter().fold(true, |acc, x| acc & (x.abs() <= threshold)))
}

/// Stateful wrapper over [`sanitize`] that counts how often input had to be
/// sanitised (e.g. for a diagnostics display).
#[derive(Debug, Default, Clone)]
pub struct NonFiniteGuard {
    events: u64,
}

impl NonFiniteGuard {
    /// A guard with a zero event count.
    pub fn new() -> Self {
        Self::default()
    }

    /// No coefficients; present for the common block life cycle.
    pub fn prepare(&mut self, _sample_rate: f32, _max_block: usize) {}

    /// Clears the event count.
    pub fn reset(&mut self) {
        self.events = 0;
    }

    /// [`sanitize`]s the block; returns true (and counts an event) if any
    /// non-finite sample was replaced — the caller should then reset its
    /// DSP state.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) -> bool {
        let found = sanitize(channels);
        self.events += found as u64;
        found
    }

    /// Number of blocks in which non-finite input was found since `reset`.
    pub fn events(&self) -> u64 {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_replaces_only_non_finite() {
        let mut a = [1.0, f32::NAN, -2.0, f32::INFINITY];
        let mut b = [f32::NEG_INFINITY, 0.5, 1e-40, -0.0];
        assert!(sanitize(&mut [&mut a, &mut b]));
        assert_eq!(a, [1.0, 0.0, -2.0, 0.0]);
        assert_eq!(b[0], 0.0);
        assert_eq!(b[1], 0.5);
        assert_eq!(b[2], 1e-40);
        let mut c = [0.1, 0.2];
        assert!(!sanitize(&mut [&mut c]));
        assert_eq!(c, [0.1, 0.2]);
    }

    #[test]
    fn clamp_output_is_finite_and_bounded() {
        let mut a = [3.0, -3.0, f32::NAN, f32::INFINITY, 0.5];
        assert!(clamp_output(&mut [&mut a], 2.0));
        assert_eq!(a, [2.0, -2.0, 0.0, 0.0, 0.5]);
        let mut b = [0.1];
        assert!(!clamp_output(&mut [&mut b], -1.0));
        assert_eq!(b, [0.1]);
    }

    #[test]
    fn silence() {
        assert!(is_silent(&[&[0.0, 1e-7, -1e-7], &[]], 1e-6));
        assert!(!is_silent(&[&[0.0], &[1e-3]], 1e-6));
        assert!(!is_silent(&[&[f32::NAN]], 1.0));
        assert!(is_silent(&[], 0.0));
    }

    #[test]
    fn guard_counts_events() {
        let mut g = NonFiniteGuard::new();
        let mut a = [f32::NAN];
        assert!(g.process(&mut [&mut a]));
        assert!(!g.process(&mut [&mut a]));
        assert_eq!(g.events(), 1);
        g.reset();
        assert_eq!(g.events(), 0);
    }
}
