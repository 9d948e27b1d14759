//! Mid/side projection for solo: what a band placement touches, as a stereo signal.
//!
//! Sum/difference stereo (Blumlein's M/S, the convention of [`crate::eq::bank`]):
//! `M = (L+R)/2`, `S = (L−R)/2`, and back `L = M+S`, `R = M−S`. Projecting onto Mid keeps
//! `(M, M)`, onto Side `(S, −S)`; the two projections add up to the input, so soloing the mid
//! and the side of one signal hears all of it.

use crate::eq::Placement;

/// Projects a stereo signal in place onto what `placement` touches (the rest is muted):
/// Stereo keeps both channels, Left/Right one of them, Mid `(M, M)`, Side `(S, −S)`.
pub fn project(placement: Placement, left: &mut [f32], right: &mut [f32]) {
    match placement {
        Placement::Stereo => {}
        Placement::Left => right.fill(0.0),
        Placement::Right => left.fill(0.0),
        Placement::Mid => {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let m = 0.5 * (*l + *r);
                (*l, *r) = (m, m);
            }
        }
        Placement::Side => {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let s = 0.5 * (*l - *r);
                (*l, *r) = (s, -s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: Placement, l: [f32; 2], r: [f32; 2]) -> ([f32; 2], [f32; 2]) {
        let (mut l, mut r) = (l, r);
        project(p, &mut l, &mut r);
        (l, r)
    }

    #[test]
    fn projections_keep_what_a_placement_touches() {
        let (l, r) = ([1.0f32, 0.5], [0.25f32, -0.5]);
        assert_eq!(run(Placement::Stereo, l, r), ([1.0, 0.5], [0.25, -0.5]));
        assert_eq!(run(Placement::Left, l, r), ([1.0, 0.5], [0.0, 0.0]));
        assert_eq!(run(Placement::Right, l, r), ([0.0, 0.0], [0.25, -0.5]));
        // M = (L+R)/2 on both channels; S = (L−R)/2 as (S, −S).
        assert_eq!(run(Placement::Mid, l, r), ([0.625, 0.0], [0.625, 0.0]));
        assert_eq!(run(Placement::Side, l, r), ([0.375, 0.5], [-0.375, -0.5]));
    }

    #[test]
    fn mid_plus_side_is_the_input_and_each_is_idempotent() {
        // Round trip: L = M + S, R = M − S, for arbitrary values (exact in binary floating
        // point for these dyadic samples, within an ulp otherwise).
        let mut s = 0x1234_5678u32;
        let mut rand = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s as f32 / u32::MAX as f32 * 2.0 - 1.0
        };
        for _ in 0..1000 {
            let (l, r) = ([rand(), rand()], [rand(), rand()]);
            let (ml, mr) = run(Placement::Mid, l, r);
            let (sl, sr) = run(Placement::Side, l, r);
            for i in 0..2 {
                assert!((ml[i] + sl[i] - l[i]).abs() <= 2.0 * f32::EPSILON);
                assert!((mr[i] + sr[i] - r[i]).abs() <= 2.0 * f32::EPSILON);
            }
            // A projection of a projection is itself: M of (M, M) is M, S of (S, −S) is S.
            assert_eq!(run(Placement::Mid, ml, mr), (ml, mr));
            assert_eq!(run(Placement::Side, sl, sr), (sl, sr));
            // Left and Right split the input exactly.
            let (ll, lr) = run(Placement::Left, l, r);
            let (rl, rr) = run(Placement::Right, l, r);
            assert_eq!(
                (
                    [ll[0] + rl[0], ll[1] + rl[1]],
                    [lr[0] + rr[0], lr[1] + rr[1]]
                ),
                (l, r)
            );
        }
    }
}
