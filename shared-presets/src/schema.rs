//! A plugin's parameters as presets see them, read from nice-plug's `param_map`: ids, kinds,
//! ranges and choice names, the live values, and the one way a preset reaches the plugin
//! ([`Schema::apply`], through the host).
//!
//! [`Values`] are normalised 0..1 values in the schema's parameter order. A/B slots and undo
//! steps keep `Values` rather than plain values, so restoring one is exact to the bit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use nice_plug::params::internals::ParamPtr;
use nice_plug::params::Params;
use nice_plug::prelude::ParamSetter;

use crate::format::{Preset, PresetValue};

/// What kind of value a parameter holds, with its plain range.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamKind {
    /// A continuous value between `min` and `max` (plain units).
    Float { min: f32, max: f32 },
    /// A whole number between `min` and `max`.
    Int { min: i32, max: i32 },
    /// A switch.
    Bool,
    /// One of these choices, by the names the plugin shows.
    Choice { names: Vec<String> },
}

/// One parameter.
#[derive(Clone, Debug)]
pub struct ParamSpec {
    /// The permanent string id (`#[id = ...]`).
    pub id: String,
    /// The name hosts show.
    pub name: String,
    pub kind: ParamKind,
    /// The default, normalised.
    pub default: f32,
    ptr: ParamPtr,
}

/// Normalised values of every parameter, in [`Schema`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct Values(pub Vec<f32>);

/// Two normalised values closer than this are the same setting. A parameter stores
/// `normalize(plain(x))` rather than `x`, which can differ from `x` in the last bit; that must
/// not count as a change (or a preset would never read as unmodified).
pub const SAME_VALUE: f32 = 1e-6;

impl Values {
    /// Whether every value is within [`SAME_VALUE`] of `other`'s.
    pub fn matches(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| (a - b).abs() <= SAME_VALUE)
    }
}

/// A preset turned into values for this plugin, with what was skipped or corrected on the way.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub values: Values,
    /// One line per skipped or corrected entry (unknown id, wrong kind, out of range); empty
    /// for a preset written for exactly this parameter set.
    pub notes: Vec<String>,
}

/// The parameters of one plugin instance. Holds the parameters object alive, so the pointers
/// nice-plug hands out stay valid as long as the schema exists.
pub struct Schema {
    plugin: String,
    specs: Vec<ParamSpec>,
    index: HashMap<String, usize>,
    // Keeps the objects behind `ParamSpec::ptr` alive (the reason `Schema` is not `Clone`-free).
    _owner: Arc<dyn Params>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("plugin", &self.plugin)
            .field("params", &self.specs.len())
            .finish()
    }
}

impl Schema {
    /// The schema of `params` for the plugin whose slug is `plugin` (`eq`, `delay`, ...).
    pub fn new(plugin: &str, params: Arc<dyn Params>) -> Self {
        let mut specs = Vec::new();
        for (id, ptr, _group) in params.param_map() {
            // SAFETY: `ptr` points into `params`, which `_owner` keeps alive.
            let spec = unsafe { spec_of(id, ptr) };
            specs.push(spec);
        }
        let index = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Self {
            plugin: plugin.to_owned(),
            specs,
            index,
            _owner: params,
        }
    }

    /// The plugin's slug, as preset files name it.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    pub fn specs(&self) -> &[ParamSpec] {
        &self.specs
    }

    /// Position of the parameter `id`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Every parameter at its default.
    pub fn defaults(&self) -> Values {
        Values(self.specs.iter().map(|s| s.default).collect())
    }

    /// The live (unmodulated) values into `out`, reusing its storage.
    pub fn read_into(&self, out: &mut Values) {
        out.0.clear();
        // SAFETY: the pointers are valid while `_owner` lives.
        out.0.extend(
            self.specs
                .iter()
                .map(|s| unsafe { s.ptr.unmodulated_normalized_value() }),
        );
    }

    /// The live (unmodulated) values.
    pub fn current(&self) -> Values {
        let mut values = Values(Vec::with_capacity(self.specs.len()));
        self.read_into(&mut values);
        values
    }

    /// Turn a preset into values: unknown ids are skipped, parameters the preset does not
    /// mention keep their defaults, out-of-range numbers are clamped, and every such case is
    /// noted. Only the values are returned; nothing is applied.
    pub fn resolve(&self, preset: &Preset) -> Resolved {
        let mut values = self.defaults();
        let mut notes = Vec::new();
        for (id, value) in &preset.params {
            let Some(i) = self.position(id) else {
                notes.push(format!("unknown parameter `{id}` skipped"));
                continue;
            };
            match self.normalize(&self.specs[i], value) {
                Ok((normalized, note)) => {
                    values.0[i] = normalized;
                    notes.extend(note);
                }
                Err(note) => notes.push(note),
            }
        }
        Resolved { values, notes }
    }

    /// A preset holding `values` (plain, readable), parameters in the plugin's order.
    pub fn to_preset(&self, values: &Values, name: &str, category: &str) -> Preset {
        let params = self
            .specs
            .iter()
            .zip(&values.0)
            .map(|(spec, &normalized)| (spec.id.clone(), self.plain(spec, normalized)))
            .collect();
        Preset {
            plugin: self.plugin.clone(),
            name: name.to_owned(),
            category: category.to_owned(),
            description: String::new(),
            params,
        }
    }

    /// Send every parameter whose live value differs from `target` to the host: begin, set and
    /// end per parameter, as if the user had moved each control, so the host records (and can
    /// undo) the change and the plugin's smoothers glide to it. Latency-changing parameters
    /// take the same path; the host restarts the plugin for them. GUI thread only. Returns how
    /// many parameters were sent.
    pub fn apply(&self, setter: &ParamSetter, target: &Values) -> usize {
        let mut sent = 0;
        for (spec, &value) in self.specs.iter().zip(&target.0) {
            // SAFETY: valid while `_owner` lives.
            let now = unsafe { spec.ptr.unmodulated_normalized_value() };
            if now == value {
                continue;
            }
            // SAFETY: as above; each arm names the parameter type the pointer was made from.
            unsafe {
                match spec.ptr {
                    ParamPtr::FloatParam(p) => gesture(setter, &*p, value),
                    ParamPtr::IntParam(p) => gesture(setter, &*p, value),
                    ParamPtr::BoolParam(p) => gesture(setter, &*p, value),
                    ParamPtr::EnumParam(p) => gesture(setter, &*p, value),
                }
            }
            sent += 1;
        }
        sent
    }

    /// Values by id, for saving in the plugin state (order-independent, survives new
    /// parameters being added).
    pub fn to_map(&self, values: &Values) -> BTreeMap<String, f32> {
        self.specs
            .iter()
            .zip(&values.0)
            .map(|(s, &v)| (s.id.clone(), v))
            .collect()
    }

    /// The inverse of [`Schema::to_map`]: ids the map lacks take their defaults, unknown ones
    /// are ignored, values are clamped to 0..1.
    pub fn from_map(&self, map: &BTreeMap<String, f32>) -> Values {
        Values(
            self.specs
                .iter()
                .map(|s| match map.get(&s.id) {
                    Some(v) if v.is_finite() => v.clamp(0.0, 1.0),
                    _ => s.default,
                })
                .collect(),
        )
    }

    /// The plain value of `normalized` for `spec`, as a file writes it.
    fn plain(&self, spec: &ParamSpec, normalized: f32) -> PresetValue {
        // SAFETY: valid while `_owner` lives.
        let plain = unsafe { spec.ptr.preview_plain(normalized) };
        match &spec.kind {
            ParamKind::Float { .. } => PresetValue::Number(round_to_digits(plain, 6)),
            ParamKind::Int { .. } => PresetValue::Number(f64::from(plain.round())),
            ParamKind::Bool => PresetValue::Bool(normalized >= 0.5),
            ParamKind::Choice { names } => {
                PresetValue::Text(names[(plain.round() as usize).min(names.len() - 1)].clone())
            }
        }
    }

    /// `value` as `spec`'s normalised value, with a note when it had to be corrected, or a
    /// note alone when it cannot be used.
    fn normalize(
        &self,
        spec: &ParamSpec,
        value: &PresetValue,
    ) -> Result<(f32, Option<String>), String> {
        let id = &spec.id;
        // SAFETY (every `ptr` call below): valid while `_owner` lives.
        match (&spec.kind, value) {
            (ParamKind::Float { min, max }, PresetValue::Number(x)) => {
                let plain = *x as f32;
                let clamped = plain.clamp(*min, *max);
                let note = (clamped != plain)
                    .then(|| format!("`{id}` = {x} is outside {min}..{max}; set to {clamped}"));
                Ok((unsafe { spec.ptr.preview_normalized(clamped) }, note))
            }
            (ParamKind::Int { min, max }, PresetValue::Number(x)) => {
                let whole = x.round().clamp(f64::from(*min), f64::from(*max));
                let note = (whole != *x)
                    .then(|| format!("`{id}` = {x} is not a whole number in {min}..{max}"));
                Ok((unsafe { spec.ptr.preview_normalized(whole as f32) }, note))
            }
            (ParamKind::Bool, PresetValue::Bool(on)) => Ok((if *on { 1.0 } else { 0.0 }, None)),
            (ParamKind::Choice { names }, PresetValue::Text(text)) => names
                .iter()
                .position(|n| n.trim().eq_ignore_ascii_case(text.trim()))
                .map(|i| (unsafe { spec.ptr.preview_normalized(i as f32) }, None))
                .ok_or_else(|| {
                    format!(
                        "`{id}` = \"{text}\" is not one of {}; kept the default",
                        names.join(", ")
                    )
                }),
            (kind, value) => Err(format!(
                "`{id}` expects {}, the preset has {}; kept the default",
                kind_text(kind),
                value_text(value)
            )),
        }
    }
}

/// `x` rounded to `digits` significant digits: a file says `1000.0`, not the `1000.00024`
/// that normalising and back leaves in an `f32`. Six digits keep the value within one part in
/// a million, below what any control resolves.
fn round_to_digits(x: f32, digits: i32) -> f64 {
    let x = f64::from(x);
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn kind_text(kind: &ParamKind) -> &'static str {
    match kind {
        ParamKind::Float { .. } | ParamKind::Int { .. } => "a number",
        ParamKind::Bool => "true or false",
        ParamKind::Choice { .. } => "a choice in quotes",
    }
}

fn value_text(value: &PresetValue) -> &'static str {
    match value {
        PresetValue::Number(_) => "a number",
        PresetValue::Bool(_) => "true/false",
        PresetValue::Text(_) => "text",
    }
}

fn gesture<P: nice_plug::params::Param>(setter: &ParamSetter, param: &P, normalized: f32) {
    setter.begin_set_parameter(param);
    setter.set_parameter_normalized(param, normalized);
    setter.end_set_parameter(param);
}

/// # Safety
/// `ptr` must point to a live parameter.
unsafe fn spec_of(id: String, ptr: ParamPtr) -> ParamSpec {
    unsafe {
        let kind = match ptr {
            ParamPtr::FloatParam(_) => {
                let (a, b) = (ptr.preview_plain(0.0), ptr.preview_plain(1.0));
                ParamKind::Float {
                    min: a.min(b),
                    max: a.max(b),
                }
            }
            ParamPtr::IntParam(_) => {
                let (a, b) = (ptr.preview_plain(0.0), ptr.preview_plain(1.0));
                ParamKind::Int {
                    min: a.min(b) as i32,
                    max: a.max(b) as i32,
                }
            }
            ParamPtr::BoolParam(_) => ParamKind::Bool,
            ParamPtr::EnumParam(_) => {
                let count = ptr.step_count().unwrap_or(0) + 1;
                let names = (0..count)
                    .map(|i| {
                        let normalized = ptr.preview_normalized(i as f32);
                        ptr.normalized_value_to_string(normalized, false)
                    })
                    .collect();
                ParamKind::Choice { names }
            }
        };
        ParamSpec {
            id,
            name: ptr.name().to_owned(),
            kind,
            default: ptr.default_normalized_value(),
            ptr,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testing::{instant_context, Call, TestParams};
    use nice_plug::prelude::Param;

    pub(crate) fn schema() -> (Arc<TestParams>, Schema) {
        let params = Arc::new(TestParams::default());
        let schema = Schema::new("test", params.clone());
        (params, schema)
    }

    #[test]
    fn reads_ids_kinds_and_ranges() {
        let (_, schema) = schema();
        let ids: Vec<&str> = schema.specs().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["gain", "freq", "voices", "on", "shape"]);
        assert_eq!(
            schema.specs()[0].kind,
            ParamKind::Float {
                min: -24.0,
                max: 24.0
            }
        );
        assert_eq!(schema.specs()[2].kind, ParamKind::Int { min: 1, max: 8 });
        assert_eq!(schema.specs()[3].kind, ParamKind::Bool);
        assert_eq!(
            schema.specs()[4].kind,
            ParamKind::Choice {
                names: vec!["Sine".into(), "Square".into(), "Saw Tooth".into()]
            }
        );
        assert_eq!(schema.current(), schema.defaults());
    }

    #[test]
    fn preset_round_trips_through_plain_values() {
        let (params, schema) = schema();
        let ctx = instant_context();
        let setter = ParamSetter::new(&*ctx);
        let mut target = schema.defaults();
        target.0[0] = params.gain.preview_normalized(-6.5);
        target.0[1] = params.freq.preview_normalized(2500.0);
        target.0[2] = params.voices.preview_normalized(5);
        target.0[3] = 0.0;
        target.0[4] = params.shape.preview_normalized(crate::testing::Shape::Saw);
        let preset = schema.to_preset(&target, "Test", "Cat");
        let text = preset.to_toml();
        assert!(text.contains("shape = \"Saw Tooth\""), "{text}");
        assert!(text.contains("voices = 5.0"), "{text}");
        assert!(text.contains("on = false"), "{text}");
        let back = Preset::parse(&text, "test").unwrap();
        let resolved = schema.resolve(&back);
        assert!(resolved.notes.is_empty(), "{:?}", resolved.notes);
        for (i, (a, b)) in resolved.values.0.iter().zip(&target.0).enumerate() {
            assert!((a - b).abs() < 1e-6, "param {i}: {a} vs {b}");
        }
        assert_eq!(schema.apply(&setter, &resolved.values), 5);
        // One whole gesture per parameter, so the host records each change.
        let calls = ctx.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 15);
        for gesture in calls.chunks(3) {
            match gesture {
                [Call::Begin(a), Call::Set(b, _), Call::End(c)] => {
                    assert!(a == b && b == c, "{gesture:?}")
                }
                other => panic!("not begin/set/end: {other:?}"),
            }
        }
        assert_eq!(params.gain.value(), -6.5);
        assert_eq!(params.voices.value(), 5);
        assert!(!params.on.value());
        assert_eq!(params.shape.value(), crate::testing::Shape::Saw);
        assert_eq!(
            schema.apply(&setter, &resolved.values),
            0,
            "nothing left to send"
        );
    }

    #[test]
    fn unknown_missing_and_bad_values() {
        let (_, schema) = schema();
        let text = "format = 1\nplugin = \"test\"\nname = \"Old\"\n[params]\n\
                    gain = 40\nretired = 3\non = 1\nshape = \"Triangle\"\nvoices = 2.4\n[end]\n";
        let resolved = schema.resolve(&Preset::parse(text, "test").unwrap());
        let defaults = schema.defaults();
        assert_eq!(resolved.values.0[0], 1.0, "gain clamped to its maximum");
        assert_eq!(
            resolved.values.0[1], defaults.0[1],
            "missing freq keeps its default"
        );
        assert_eq!(
            resolved.values.0[3], defaults.0[3],
            "a number is not a switch"
        );
        assert_eq!(resolved.values.0[4], defaults.0[4], "unknown choice");
        let notes = resolved.notes.join("\n");
        for needle in [
            "`retired`",
            "`gain` = 40",
            "`on` expects",
            "Triangle",
            "`voices`",
        ] {
            assert!(notes.contains(needle), "{needle} not in\n{notes}");
        }
    }

    #[test]
    fn plain_values_are_written_short() {
        assert_eq!(round_to_digits(1000.00024, 6), 1000.0);
        assert_eq!(round_to_digits(0.59999996, 6), 0.6);
        assert_eq!(round_to_digits(-12.345678, 6), -12.3457);
        assert_eq!(round_to_digits(0.0, 6), 0.0);
        let (_, schema) = schema();
        let preset = schema.to_preset(&schema.defaults(), "D", "C");
        assert_eq!(preset.value("freq"), Some(&PresetValue::Number(1000.0)));
    }

    #[test]
    fn map_form_is_exact_and_tolerant() {
        let (params, schema) = schema();
        let mut values = schema.defaults();
        values.0[1] = params.freq.preview_normalized(1234.5);
        let mut map = schema.to_map(&values);
        assert_eq!(schema.from_map(&map), values);
        map.insert("gone".into(), 0.5);
        map.remove("gain");
        map.insert("freq".into(), f32::NAN);
        let back = schema.from_map(&map);
        assert_eq!(back.0[0], schema.defaults().0[0]);
        assert_eq!(back.0[1], schema.defaults().0[1]);
    }
}
