//! [`PresetSession`]: what one plugin instance remembers about presets — the A/B slots and
//! which preset each holds (saved with the plugin's state) and the undo history (kept while the
//! plugin lives, across editor openings).
//!
//! A plugin keeps it as a persistent field:
//!
//! ```text
//! #[persist = "presets"]
//! pub presets: Arc<gel_presets::PresetSession>,
//! ```
//!
//! The active slot is the plugin's live parameters (the host saves those anyway); the session
//! stores the other slot's values. Every method runs on the GUI thread (or the host's main
//! thread when it saves or loads state); the audio thread never touches the session.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::ParamSetter;
use serde::{Deserialize, Serialize};

use crate::format::Preset;
use crate::history::{FrameInput, History, Step};
use crate::schema::{Schema, Values};

/// One of the two settings slots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    #[default]
    A,
    B,
}

impl Slot {
    pub fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::A => 0,
            Self::B => 1,
        }
    }

    pub fn letter(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
        }
    }
}

/// Where a loaded preset came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    #[default]
    Factory,
    User,
    /// Loaded from a file outside the user folder (import without saving).
    File,
}

/// The preset a slot started from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresetRef {
    pub name: String,
    pub category: String,
    pub origin: Origin,
}

/// One slot as saved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SlotData {
    /// The preset loaded into this slot (`None`: the plugin's defaults).
    #[serde(default)]
    pub preset: Option<PresetRef>,
    /// The values that preset set, by parameter id (normalised), to tell whether the slot has
    /// been changed since (the `*` after the name).
    #[serde(default)]
    pub baseline: Option<BTreeMap<String, f32>>,
    /// The slot's values by parameter id (normalised); only kept for the inactive slot, the
    /// active one is the live parameters.
    #[serde(default)]
    pub values: Option<BTreeMap<String, f32>>,
}

/// The saved part of a [`PresetSession`]: `{"active":"A","slots":[{...},{...}]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionData {
    #[serde(default)]
    pub active: Slot,
    #[serde(default)]
    pub slots: [SlotData; 2],
}

impl SessionData {
    pub fn active_slot(&self) -> &SlotData {
        &self.slots[self.active.index()]
    }

    pub fn inactive_slot(&self) -> &SlotData {
        &self.slots[self.active.other().index()]
    }

    fn active_slot_mut(&mut self) -> &mut SlotData {
        &mut self.slots[self.active.index()]
    }

    fn inactive_slot_mut(&mut self) -> &mut SlotData {
        &mut self.slots[self.active.other().index()]
    }
}

#[derive(Default)]
struct Inner {
    data: SessionData,
    history: History<SessionData>,
}

/// A/B slots, preset names and undo history of one plugin instance. See the module docs.
#[derive(Default)]
pub struct PresetSession {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for PresetSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresetSession")
            .field("data", &self.lock().data)
            .finish()
    }
}

impl PresetSession {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data (every method
        // finishes its writes before it can panic), so keep going.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the saved part.
    pub fn data(&self) -> SessionData {
        self.lock().data.clone()
    }

    pub fn active(&self) -> Slot {
        self.lock().data.active
    }

    /// The preset the active slot started from (`None`: defaults).
    pub fn current_preset(&self) -> Option<PresetRef> {
        self.lock().data.active_slot().preset.clone()
    }

    /// Whether the live values differ from what the active slot's preset (or the defaults)
    /// set.
    pub fn is_modified(&self, schema: &Schema, current: &Values) -> bool {
        let inner = self.lock();
        match &inner.data.active_slot().baseline {
            Some(baseline) => !schema.from_map(baseline).matches(current),
            None => !schema.defaults().matches(current),
        }
    }

    /// One editor frame: let the history see the live values (see [`History::observe`]).
    pub fn observe(&self, current: &Values, input: FrameInput) {
        let mut inner = self.lock();
        let Inner { data, history } = &mut *inner;
        history.observe(current, input, data);
    }

    pub fn can_undo(&self) -> bool {
        self.lock().history.undo_steps() > 0
    }

    pub fn can_redo(&self) -> bool {
        self.lock().history.redo_steps() > 0
    }

    /// Load `preset` into the active slot, through the host, as one undo step. Returns the
    /// notes about skipped or corrected values (see [`Schema::resolve`]).
    pub fn load(
        &self,
        schema: &Schema,
        setter: &ParamSetter,
        preset: &Preset,
        origin: Origin,
    ) -> Vec<String> {
        let resolved = schema.resolve(preset);
        let reference = PresetRef {
            name: preset.name.clone(),
            category: preset.category.clone(),
            origin,
        };
        let baseline = schema.to_map(&resolved.values);
        self.change(schema, setter, &resolved.values, |data| {
            let slot = data.active_slot_mut();
            slot.preset = Some(reference);
            slot.baseline = Some(baseline);
        });
        resolved.notes
    }

    /// Every parameter back to its default in the active slot, as one undo step.
    pub fn load_defaults(&self, schema: &Schema, setter: &ParamSetter) {
        self.change(schema, setter, &schema.defaults(), |data| {
            let slot = data.active_slot_mut();
            slot.preset = None;
            slot.baseline = None;
        });
    }

    /// Switch to the other slot (its values go to the host), as one undo step. A slot never
    /// filled starts as a copy of the current settings.
    pub fn switch(&self, schema: &Schema, setter: &ParamSetter) {
        let current = schema.current();
        let target = {
            let inner = self.lock();
            match &inner.data.inactive_slot().values {
                Some(map) => schema.from_map(map),
                None => current.clone(),
            }
        };
        let current_map = schema.to_map(&current);
        self.change(schema, setter, &target, |data| {
            if data.inactive_slot().values.is_none() {
                // First visit: the new slot starts as a copy, preset name included.
                let copy = data.active_slot().clone();
                *data.inactive_slot_mut() = copy;
            }
            data.active_slot_mut().values = Some(current_map);
            data.active = data.active.other();
            data.active_slot_mut().values = None;
        });
    }

    /// Copy the active slot into the inactive one (the sound does not change).
    pub fn copy_to_inactive(&self, schema: &Schema) {
        let current = schema.to_map(&schema.current());
        let mut inner = self.lock();
        let mut copy = inner.data.active_slot().clone();
        copy.values = Some(current);
        *inner.data.inactive_slot_mut() = copy;
    }

    /// Copy the inactive slot into the active one (through the host, one undo step).
    pub fn copy_from_inactive(&self, schema: &Schema, setter: &ParamSetter) {
        let source = self.lock().data.inactive_slot().clone();
        let target = match &source.values {
            Some(map) => schema.from_map(map),
            None => return, // never filled: it is a copy of this slot already
        };
        self.change(schema, setter, &target, |data| {
            let slot = data.active_slot_mut();
            slot.preset = source.preset.clone();
            slot.baseline = source.baseline.clone();
        });
    }

    /// Record that the live values were saved as `reference` (they become its baseline).
    pub fn mark_saved(&self, schema: &Schema, reference: PresetRef) {
        let baseline = schema.to_map(&schema.current());
        let mut inner = self.lock();
        let slot = inner.data.active_slot_mut();
        slot.preset = Some(reference);
        slot.baseline = Some(baseline);
    }

    /// Rename the active slot's preset label (after a rename in the user folder).
    pub fn rename_current(&self, from: &str, to: &str) {
        let mut inner = self.lock();
        for slot in &mut inner.data.slots {
            if let Some(preset) = &mut slot.preset {
                if preset.origin == Origin::User && preset.name == from {
                    preset.name = to.to_owned();
                }
            }
        }
    }

    /// Undo one step; returns whether there was one.
    pub fn undo(&self, schema: &Schema, setter: &ParamSetter) -> bool {
        self.travel(schema, setter, true)
    }

    /// Redo one step; returns whether there was one.
    pub fn redo(&self, schema: &Schema, setter: &ParamSetter) -> bool {
        self.travel(schema, setter, false)
    }

    fn travel(&self, schema: &Schema, setter: &ParamSetter, back: bool) -> bool {
        let current = schema.current();
        let target = {
            let mut inner = self.lock();
            let Inner { data, history } = &mut *inner;
            let now = Step {
                values: current,
                data: data.clone(),
            };
            let target = if back {
                history.undo(now)
            } else {
                history.redo(now)
            };
            let Some(target) = target else {
                return false;
            };
            *data = target.data;
            target.values
        };
        schema.apply(setter, &target);
        true
    }

    /// The common path of load / switch / copy: record the step, update the data, send the
    /// values.
    fn change(
        &self,
        schema: &Schema,
        setter: &ParamSetter,
        target: &Values,
        update: impl FnOnce(&mut SessionData),
    ) {
        let current = schema.current();
        {
            let mut inner = self.lock();
            let Inner { data, history } = &mut *inner;
            history.record(
                Step {
                    values: current,
                    data: data.clone(),
                },
                target,
            );
            update(data);
        }
        schema.apply(setter, target);
    }
}

impl<'a> PersistentField<'a, SessionData> for PresetSession {
    fn set(&self, new_value: SessionData) {
        let mut inner = self.lock();
        inner.data = new_value;
        // A state from the host (project load, host preset) starts a new history.
        inner.history.clear();
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SessionData) -> R,
    {
        f(&self.lock().data)
    }
}

impl<'a> PersistentField<'a, SessionData> for std::sync::Arc<PresetSession> {
    fn set(&self, new_value: SessionData) {
        PersistentField::set(self.as_ref(), new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&SessionData) -> R,
    {
        self.as_ref().map(f)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nice_plug::params::persist::{deserialize_field, serialize_field};

    use super::*;
    use crate::history::FrameInput;
    use crate::schema::tests::schema;
    use crate::testing::{instant_context, Shape, TestParams};
    use nice_plug::prelude::Param;

    const IDLE: FrameInput = FrameInput {
        pointer_down: false,
        user_input: false,
    };

    fn preset(gain: f32, shape: &str) -> Preset {
        let text = format!(
            "format = 1\nplugin = \"test\"\nname = \"G{gain}\"\ncategory = \"Cat\"\n\
             [params]\ngain = {gain:?}\nshape = \"{shape}\"\n[end]\n"
        );
        Preset::parse(&text, "test").unwrap()
    }

    /// Frames with nobody touching the editor, so explicit steps settle.
    fn idle(session: &PresetSession, schema: &Schema) {
        for _ in 0..3 {
            session.observe(&schema.current(), IDLE);
        }
    }

    /// The user drags `param` to `value` (instant host) and lets go.
    fn user_sets(session: &PresetSession, schema: &Schema, set: impl Fn()) {
        let drag = FrameInput {
            pointer_down: true,
            user_input: true,
        };
        session.observe(&schema.current(), drag);
        set();
        session.observe(&schema.current(), drag);
        for _ in 0..crate::history::SETTLE_FRAMES + 2 {
            session.observe(&schema.current(), IDLE);
        }
    }

    fn setup() -> (Arc<TestParams>, Schema, PresetSession) {
        let (params, schema) = schema();
        let session = PresetSession::default();
        session.observe(&schema.current(), IDLE);
        (params, schema, session)
    }

    #[test]
    fn load_marks_modified_and_undoes() {
        let (params, schema, session) = setup();
        let ctx = instant_context();
        let setter = ParamSetter::new(&*ctx);
        assert!(!session.is_modified(&schema, &schema.current()));
        let notes = session.load(&schema, &setter, &preset(-6.0, "Square"), Origin::Factory);
        assert!(notes.is_empty());
        idle(&session, &schema);
        assert_eq!(params.gain.value(), -6.0);
        assert_eq!(session.current_preset().unwrap().name, "G-6");
        assert!(!session.is_modified(&schema, &schema.current()));
        user_sets(&session, &schema, || unsafe {
            params.freq.as_ptr()._internal_set_normalized_value(0.9);
        });
        assert!(session.is_modified(&schema, &schema.current()));

        assert!(session.undo(&schema, &setter));
        idle(&session, &schema);
        assert!(!session.is_modified(&schema, &schema.current()));
        assert!(session.undo(&schema, &setter));
        idle(&session, &schema);
        assert_eq!(schema.current(), schema.defaults());
        assert_eq!(session.current_preset(), None, "the name is undone too");
        assert!(!session.undo(&schema, &setter));
        assert!(session.redo(&schema, &setter));
        assert!(session.redo(&schema, &setter));
        idle(&session, &schema);
        session.load_defaults(&schema, &setter);
        idle(&session, &schema);
        assert_eq!(schema.current(), schema.defaults());
        assert_eq!(session.current_preset(), None);
        assert!(!session.is_modified(&schema, &schema.current()));
        assert!(session.undo(&schema, &setter));
        assert!(session.undo(&schema, &setter));
        assert!(session.undo(&schema, &setter));
        idle(&session, &schema);
        assert_eq!(schema.current(), schema.defaults());
        assert!(session.redo(&schema, &setter));
        assert!(session.redo(&schema, &setter));
        idle(&session, &schema);
        assert_eq!(params.shape.value(), Shape::Square);
        assert!(session.is_modified(&schema, &schema.current()));
    }

    #[test]
    fn a_b_switch_copy_and_undo() {
        let (params, schema, session) = setup();
        let ctx = instant_context();
        let setter = ParamSetter::new(&*ctx);
        session.load(&schema, &setter, &preset(3.0, "Sine"), Origin::Factory);
        idle(&session, &schema);
        let a = schema.current();

        session.switch(&schema, &setter);
        idle(&session, &schema);
        assert_eq!(session.active(), Slot::B);
        assert_eq!(schema.current(), a, "a new slot starts as a copy");
        session.load(&schema, &setter, &preset(-12.0, "Saw Tooth"), Origin::User);
        idle(&session, &schema);
        let b = schema.current();
        assert_ne!(a, b);

        session.switch(&schema, &setter);
        idle(&session, &schema);
        assert_eq!((session.active(), schema.current()), (Slot::A, a.clone()));
        assert_eq!(session.current_preset().unwrap().name, "G3");
        session.switch(&schema, &setter);
        idle(&session, &schema);
        assert_eq!((session.active(), schema.current()), (Slot::B, b.clone()));
        assert_eq!(params.gain.value(), -12.0);

        // Undo the switch: back on A with A's exact values, B's values kept.
        assert!(session.undo(&schema, &setter));
        idle(&session, &schema);
        assert_eq!((session.active(), schema.current()), (Slot::A, a.clone()));
        assert_eq!(
            schema.from_map(session.data().inactive_slot().values.as_ref().unwrap()),
            b
        );

        // Copy A -> B, then B shows A's settings.
        session.copy_to_inactive(&schema);
        session.switch(&schema, &setter);
        idle(&session, &schema);
        assert_eq!((session.active(), schema.current()), (Slot::B, a.clone()));
        // Change B, then copy A back over it (B <- A is "copy from inactive").
        user_sets(&session, &schema, || unsafe {
            params.gain.as_ptr()._internal_set_normalized_value(0.0);
        });
        session.copy_from_inactive(&schema, &setter);
        idle(&session, &schema);
        assert_eq!(schema.current(), a);
    }

    #[test]
    fn slots_persist_and_a_loaded_state_clears_history() {
        let (_params, schema, session) = setup();
        let ctx = instant_context();
        let setter = ParamSetter::new(&*ctx);
        session.load(&schema, &setter, &preset(5.0, "Square"), Origin::User);
        idle(&session, &schema);
        session.switch(&schema, &setter);
        idle(&session, &schema);
        let json = PersistentField::map(&session, serialize_field).unwrap();
        assert!(json.contains("\"active\":\"B\""), "{json}");

        let restored = PresetSession::default();
        let data: SessionData = deserialize_field(&json).unwrap();
        PersistentField::set(&restored, data);
        assert_eq!(restored.data(), session.data());
        assert!(!restored.can_undo());

        // Older states without the field, or with parts missing, load as defaults.
        let partial: SessionData = deserialize_field("{\"active\":\"B\"}").unwrap();
        assert_eq!(partial.active, Slot::B);
        assert_eq!(partial.slots, <[SlotData; 2]>::default());
    }
}
