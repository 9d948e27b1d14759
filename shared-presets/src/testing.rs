//! Test fixtures for code built on presets (this crate's tests and gel-ui's browser tests): a
//! small parameter set with one parameter of each kind, and a `GuiContext` stand-in that applies
//! changes at once (as nice-plug's VST3 wrapper does) and records the gestures it saw.

use std::sync::{Arc, Mutex};

use nice_plug::context::gui::GuiContextInner;
use nice_plug::context::PluginApi;
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::PluginState;
use nice_plug::prelude::*;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    #[id = "sine"]
    Sine,
    #[id = "square"]
    Square,
    #[id = "saw"]
    #[name = "Saw Tooth"]
    Saw,
}

#[derive(Params)]
pub struct TestParams {
    #[id = "gain"]
    pub gain: FloatParam,
    #[id = "freq"]
    pub freq: FloatParam,
    #[id = "voices"]
    pub voices: IntParam,
    #[id = "on"]
    pub on: BoolParam,
    #[id = "shape"]
    pub shape: EnumParam<Shape>,
}

impl Default for TestParams {
    fn default() -> Self {
        Self {
            gain: FloatParam::new(
                "Gain",
                0.0,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            ),
            freq: FloatParam::new(
                "Freq",
                1000.0,
                FloatRange::Skewed {
                    min: 20.0,
                    max: 20_000.0,
                    factor: FloatRange::skew_factor(-2.0),
                },
            ),
            voices: IntParam::new("Voices", 1, IntRange::Linear { min: 1, max: 8 }),
            on: BoolParam::new("On", true),
            shape: EnumParam::new("Shape", Shape::Sine),
        }
    }
}

/// One call the stand-in host received.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Call {
    Begin(ParamPtr),
    Set(ParamPtr, f32),
    End(ParamPtr),
}

/// Applies every set at once and logs the calls.
#[derive(Default)]
pub struct InstantContext {
    pub calls: Mutex<Vec<Call>>,
}

impl GuiContextInner for InstantContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        self.calls.lock().unwrap().push(Call::Begin(param));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        self.calls
            .lock()
            .unwrap()
            .push(Call::Set(param, normalized));
        // SAFETY: the tests keep the parameters alive while they set them.
        unsafe { param._internal_set_normalized_value(normalized) };
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        self.calls.lock().unwrap().push(Call::End(param));
    }

    fn get_state(&self) -> PluginState {
        panic!("presets never read the whole plugin state")
    }

    fn set_state(&self, _state: PluginState) {
        panic!("presets never replace the whole plugin state")
    }

    fn request_restart(&self) {}
}

/// A stand-in context (make the setter with `ParamSetter::new(&*ctx)`).
pub fn instant_context() -> Arc<InstantContext> {
    Arc::new(InstantContext::default())
}
