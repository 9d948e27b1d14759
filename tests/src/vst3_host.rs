//! VST3 host (placeholder until the VST3 backend lands; another helper is writing the real one).
use crate::*;
use std::path::Path;

pub struct Vst3Plugin;

impl Vst3Plugin {
    pub fn load(path: &Path) -> Self {
        panic!(
            "VST3 host not implemented yet (tests/src/vst3_host.rs is a placeholder); cannot load {}",
            path.display()
        )
    }
}

impl PluginHost for Vst3Plugin {
    fn format(&self) -> Format {
        Format::Vst3
    }
    fn descriptor(&self) -> Descriptor {
        unreachable!()
    }
    fn main_channels(&self) -> (usize, usize) {
        unreachable!()
    }
    fn params(&mut self) -> Vec<ParamInfo> {
        unreachable!()
    }
    fn param_value(&mut self, _id: u32) -> f64 {
        unreachable!()
    }
    fn value_to_text(&mut self, _id: u32, _normalized: f64) -> Option<String> {
        unreachable!()
    }
    fn text_to_value(&mut self, _id: u32, _text: &str) -> Option<f64> {
        unreachable!()
    }
    fn set_param(&mut self, _id: u32, _normalized: f64) {
        unreachable!()
    }
    fn activate(&mut self, _sample_rate: f64, _max_block: u32) {
        unreachable!()
    }
    fn deactivate(&mut self) {
        unreachable!()
    }
    fn process(
        &mut self,
        _inputs: &[&[f32]],
        _outputs: &mut [&mut [f32]],
        _events: &[ParamEvent],
    ) -> ProcessOutcome {
        unreachable!()
    }
    fn latency(&mut self) -> u32 {
        unreachable!()
    }
    fn tail(&mut self) -> u32 {
        unreachable!()
    }
    fn save_state(&mut self) -> Vec<u8> {
        unreachable!()
    }
    fn load_state(&mut self, _data: &[u8]) -> bool {
        unreachable!()
    }
    fn open_editor(&mut self, _parent_window: u32) -> Result<(u32, u32), String> {
        unreachable!()
    }
    fn close_editor(&mut self) {
        unreachable!()
    }
}
