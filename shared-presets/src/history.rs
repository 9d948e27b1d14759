//! The editor's undo/redo history, built by watching the parameters rather than by wrapping
//! every control: whatever changed the values (a knob, the EQ graph, typed text), one finished
//! gesture becomes one step, so no widget needs to know about undo.
//!
//! Each editor frame calls [`History::observe`] with the live values and what the user did.
//! A change is committed as a step once the pointer is up and input has paused for
//! [`SETTLE_FRAMES`] (a drag, or a burst of wheel ticks, is one step). A change with no user
//! input in the last [`TOUCH_FRAMES`] came from the host (automation, the host's own undo, a
//! state load): the history takes it as the new base without making it a step, so undo never
//! fights automation. Preset loads, A/B switches and undo/redo themselves are recorded
//! explicitly ([`History::record`]) and then wait until the host has delivered the new values.
//!
//! Everything here runs on the GUI thread; the audio thread never sees it.

use std::collections::VecDeque;

use crate::schema::Values;

/// Steps kept; the oldest is dropped beyond this (the issue asks for at least 100).
pub const HISTORY_STEPS: usize = 128;

/// Quiet frames (≈33 ms each at the editors' repaint rate) after the last input before a
/// change counts as finished: a wheel burst or typed value settles into one step.
pub const SETTLE_FRAMES: u32 = 3;

/// A change arriving more than this many frames after the user's last input came from the host.
pub const TOUCH_FRAMES: u32 = 15;

/// How long an explicit step (preset load, A/B, undo) waits for the host to deliver its values
/// before taking whatever arrived as the new base.
pub const PENDING_FRAMES: u32 = 60;

/// What the user did in the editor during one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameInput {
    /// A pointer button is held: a drag or click is not finished.
    pub pointer_down: bool,
    /// The user pressed, released, scrolled or typed this frame.
    pub user_input: bool,
}

/// One restorable state: the parameter values and whatever else a step restores with them
/// (`D`: the A/B slots and preset names).
#[derive(Clone, Debug, PartialEq)]
pub struct Step<D> {
    pub values: Values,
    pub data: D,
}

/// Undo and redo stacks over [`Step`]s.
#[derive(Debug)]
pub struct History<D> {
    undo: VecDeque<Step<D>>,
    redo: Vec<Step<D>>,
    /// The values the last step left (the base a new change is compared with).
    committed: Option<Values>,
    /// An explicit step whose values the host has not delivered yet, and frames left to wait.
    pending: Option<(Values, u32)>,
    frames_since_input: u32,
    capacity: usize,
}

impl<D: Clone> Default for History<D> {
    fn default() -> Self {
        Self::new(HISTORY_STEPS)
    }
}

impl<D: Clone> History<D> {
    pub fn new(capacity: usize) -> Self {
        Self {
            undo: VecDeque::with_capacity(capacity + 2),
            redo: Vec::new(),
            committed: None,
            pending: None,
            frames_since_input: u32::MAX,
            capacity: capacity.max(1),
        }
    }

    /// Forget everything (a new state was loaded by the host).
    pub fn clear(&mut self) {
        *self = Self::new(self.capacity);
    }

    pub fn undo_steps(&self) -> usize {
        self.undo.len()
    }

    pub fn redo_steps(&self) -> usize {
        self.redo.len()
    }

    /// Watch one frame. `data` is the current non-parameter state, stored with a step made
    /// here (gestures do not change it, so it is the state before the gesture too).
    pub fn observe(&mut self, current: &Values, input: FrameInput, data: &D) {
        self.frames_since_input = if input.user_input || input.pointer_down {
            0
        } else {
            self.frames_since_input.saturating_add(1)
        };
        if let Some((target, frames_left)) = &mut self.pending {
            if current.matches(target) || *frames_left == 0 {
                self.pending = None;
                self.committed = Some(current.clone());
            } else {
                *frames_left -= 1;
            }
            return;
        }
        let Some(committed) = &self.committed else {
            self.committed = Some(current.clone());
            return;
        };
        if current.matches(committed) {
            return;
        }
        if input.pointer_down || self.frames_since_input < SETTLE_FRAMES {
            return;
        }
        if self.frames_since_input <= TOUCH_FRAMES {
            let before = committed.clone();
            self.push_undo(Step {
                values: before,
                data: data.clone(),
            });
            self.redo.clear();
        }
        self.committed = Some(current.clone());
    }

    /// An explicit step: the state goes from `before` to `after` (whose values are being sent
    /// to the host now). A user change not yet settled becomes a step of its own first.
    pub fn record(&mut self, before: Step<D>, after: &Values) {
        self.flush_unsettled(&before);
        self.push_undo(before);
        self.redo.clear();
        self.expect(after);
    }

    /// Step back from `current`: returns the state to restore (send its values to the host),
    /// or `None` with nothing to undo.
    pub fn undo(&mut self, current: Step<D>) -> Option<Step<D>> {
        let current = self.settled(current);
        self.flush_unsettled(&current);
        let target = self.undo.pop_back()?;
        self.redo.push(current);
        self.expect(&target.values);
        Some(target)
    }

    /// Step forward again; `None` when there is nothing to redo or a new change since the last
    /// undo made the redo steps obsolete.
    pub fn redo(&mut self, current: Step<D>) -> Option<Step<D>> {
        let current = self.settled(current);
        if self.flush_unsettled(&current) {
            self.redo.clear();
        }
        let target = self.redo.pop()?;
        self.push_undo(current);
        self.expect(&target.values);
        Some(target)
    }

    /// `current` with the values of an explicit step still on its way to the host (pressing
    /// undo twice quickly steps from where the first undo is going, not from halfway there).
    fn settled(&self, mut current: Step<D>) -> Step<D> {
        if let Some((target, _)) = &self.pending {
            current.values = target.clone();
        }
        current
    }

    /// If the live values moved away from the last step (a change still settling), make that
    /// change a step now. Returns whether it did.
    fn flush_unsettled(&mut self, current: &Step<D>) -> bool {
        if self.pending.is_some() {
            return false;
        }
        let unsettled = match &self.committed {
            Some(committed) if !committed.matches(&current.values) => committed.clone(),
            _ => return false,
        };
        self.push_undo(Step {
            values: unsettled,
            data: current.data.clone(),
        });
        self.committed = Some(current.values.clone());
        true
    }

    fn expect(&mut self, values: &Values) {
        self.committed = Some(values.clone());
        self.pending = Some((values.clone(), PENDING_FRAMES));
    }

    fn push_undo(&mut self, step: Step<D>) {
        self.undo.push_back(step);
        while self.undo.len() > self.capacity {
            self.undo.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: f32) -> Values {
        Values(vec![x, 0.5])
    }

    const IDLE: FrameInput = FrameInput {
        pointer_down: false,
        user_input: false,
    };
    const DRAG: FrameInput = FrameInput {
        pointer_down: true,
        user_input: true,
    };
    const RELEASE: FrameInput = FrameInput {
        pointer_down: false,
        user_input: true,
    };

    fn step(x: f32) -> Step<()> {
        Step {
            values: v(x),
            data: (),
        }
    }

    /// A user drag from the current value through `path`, released, then settled.
    fn drag(history: &mut History<()>, path: &[f32]) {
        for &x in path {
            history.observe(&v(x), DRAG, &());
        }
        let last = *path.last().unwrap();
        history.observe(&v(last), RELEASE, &());
        for _ in 0..SETTLE_FRAMES + 1 {
            history.observe(&v(last), IDLE, &());
        }
    }

    #[test]
    fn one_drag_is_one_step() {
        let mut h = History::<()>::default();
        h.observe(&v(0.0), IDLE, &());
        drag(&mut h, &[0.1, 0.2, 0.3, 0.4]);
        assert_eq!(h.undo_steps(), 1);
        drag(&mut h, &[0.5, 0.6]);
        assert_eq!(h.undo_steps(), 2);
        let back = h.undo(step(0.6)).unwrap();
        assert_eq!(back.values, v(0.4));
        let back = h.undo(step(0.4)).unwrap();
        assert_eq!(back.values, v(0.0));
        assert!(h.undo(step(0.0)).is_none());
        assert_eq!(h.redo(step(0.0)).unwrap().values, v(0.4));
        assert_eq!(h.redo(step(0.4)).unwrap().values, v(0.6));
        assert!(h.redo(step(0.6)).is_none());
    }

    #[test]
    fn host_changes_are_not_steps() {
        let mut h = History::<()>::default();
        h.observe(&v(0.0), IDLE, &());
        for i in 0..50 {
            // Automation moving the value, nobody touching the editor.
            h.observe(&v(i as f32 / 50.0), IDLE, &());
        }
        assert_eq!(h.undo_steps(), 0);
        drag(&mut h, &[0.9]);
        assert_eq!(h.undo_steps(), 1);
        assert_eq!(
            h.undo(step(0.9)).unwrap().values,
            v(0.98),
            "base moved with the host"
        );
    }

    #[test]
    fn the_last_value_of_a_gesture_arriving_late_joins_it() {
        let mut h = History::<()>::default();
        h.observe(&v(0.0), IDLE, &());
        h.observe(&v(0.2), DRAG, &());
        h.observe(&v(0.2), RELEASE, &());
        // The host delivers the final value two frames after release (CLAP queues it).
        h.observe(&v(0.2), IDLE, &());
        h.observe(&v(0.3), IDLE, &());
        for _ in 0..30 {
            h.observe(&v(0.3), IDLE, &());
        }
        assert_eq!(h.undo_steps(), 1);
        assert_eq!(h.undo(step(0.3)).unwrap().values, v(0.0));
        assert_eq!(h.redo(step(0.0)).unwrap().values, v(0.3));
    }

    #[test]
    fn explicit_steps_wait_for_the_host() {
        let mut h = History::<u8>::default();
        h.observe(&v(0.0), IDLE, &0);
        h.record(
            Step {
                values: v(0.0),
                data: 0,
            },
            &v(1.0),
        );
        // The host delivers the preset over a few frames while the user moves the mouse.
        h.observe(&Values(vec![1.0, 0.0]), RELEASE, &1);
        h.observe(&Values(vec![1.0, 0.3]), IDLE, &1);
        h.observe(&v(1.0), IDLE, &1);
        for _ in 0..30 {
            h.observe(&v(1.0), IDLE, &1);
        }
        assert_eq!(h.undo_steps(), 1, "partial deliveries made no steps");
        let back = h
            .undo(Step {
                values: v(1.0),
                data: 1,
            })
            .unwrap();
        assert_eq!((back.values, back.data), (v(0.0), 0));
    }

    #[test]
    fn new_change_drops_redo_and_unsettled_change_is_undoable() {
        let mut h = History::<()>::default();
        h.observe(&v(0.0), IDLE, &());
        drag(&mut h, &[0.5]);
        assert!(h.undo(step(0.5)).is_some());
        // Delivered, then a new user change.
        for _ in 0..3 {
            h.observe(&v(0.0), IDLE, &());
        }
        drag(&mut h, &[0.7]);
        assert_eq!(h.redo_steps(), 0);
        // A change undone before it settled is still a step.
        h.observe(&v(0.8), RELEASE, &());
        assert_eq!(h.undo(step(0.8)).unwrap().values, v(0.7));
    }

    #[test]
    fn keeps_the_newest_steps() {
        let mut h = History::<()>::default();
        h.observe(&v(0.0), IDLE, &());
        for i in 1..=200 {
            drag(&mut h, &[i as f32 / 1000.0]);
        }
        assert_eq!(h.undo_steps(), HISTORY_STEPS);
        let mut current = 0.2;
        for _ in 0..HISTORY_STEPS {
            let back = h.undo(step(current)).unwrap();
            current = back.values.0[0];
            for _ in 0..2 {
                h.observe(&back.values, IDLE, &());
            }
        }
        assert_eq!(current, (200 - HISTORY_STEPS) as f32 / 1000.0);
        assert!(h.undo(step(current)).is_none());
    }
}
