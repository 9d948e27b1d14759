//! Gel's side: the real bundled `.clap` binary through gel-host-tests' CLAP host, timed only
//! inside the plugin's `process` call (the host's timing hook, thread CPU time).

use std::path::Path;

use gel_host_tests::clap_host::ClapPlugin;
use gel_host_tests::{ParamEvent, ParamInfo, PluginHost};

use crate::cpu::thread_cpu_ns;
use crate::Processor;

pub struct GelPlugin {
    label: String,
    host: ClapPlugin,
    pub params: Vec<ParamInfo>,
}

impl GelPlugin {
    /// Load `path` (a `.clap` file). The host panics on failure; that becomes an error here.
    pub fn load(path: &Path, label: &str) -> Result<GelPlugin, String> {
        let p = path.to_path_buf();
        let mut host = std::panic::catch_unwind(move || ClapPlugin::load(&p)).map_err(|e| {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            format!("loading {}: {msg}", path.display())
        })?;
        let params = host.params();
        Ok(GelPlugin {
            label: label.to_string(),
            host,
            params,
        })
    }

    /// The same bundle with Gel Link turned off, for the "Gel Link off" rows: a private copy of
    /// the library (its own statics, so it reads `GEL_LINK_DISABLE` for itself), loaded while
    /// the variable is set. Every other instance of the run shares as usual.
    pub fn load_link_disabled(path: &Path, label: &str) -> Result<GelPlugin, String> {
        let dir = std::env::temp_dir().join(format!("gel-bench-link-off-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let file_name = path
            .file_name()
            .ok_or_else(|| format!("{}: no file name", path.display()))?;
        let copy = dir.join(file_name);
        std::fs::copy(path, &copy)
            .map_err(|e| format!("copy {} -> {}: {e}", path.display(), copy.display()))?;
        std::env::set_var("GEL_LINK_DISABLE", "1");
        let loaded = GelPlugin::load(&copy, label);
        std::env::remove_var("GEL_LINK_DISABLE");
        // The library stays mapped; the file is not needed any more (Windows keeps it: ignored).
        let _ = std::fs::remove_dir_all(&dir);
        loaded
    }

    pub fn param(&self, name: &str) -> Result<&ParamInfo, String> {
        self.params.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
            format!(
                "{}: no parameter named '{name}' (has: {})",
                self.label,
                names.join(", ")
            )
        })
    }

    /// Normalised value of `text` for the parameter called `name`. `text` may list spellings
    /// separated by `|` (e.g. `4:1|4`); the first one the plugin accepts is used.
    pub fn normalized(&mut self, name: &str, text: &str) -> Result<(u32, f64), String> {
        let id = self.param(name)?.id;
        let v = text
            .split('|')
            .find_map(|t| self.host.text_to_value(id, t.trim()))
            .ok_or_else(|| format!("{}: '{name}' does not accept the text '{text}'", self.label))?;
        Ok((id, v))
    }

    /// Set parameters by name and text (before activation); returns what the plugin reads back.
    pub fn apply(&mut self, settings: &[(&str, &str)]) -> Result<Vec<(String, String)>, String> {
        let mut confirmed = Vec::new();
        for (name, text) in settings {
            let (id, v) = self.normalized(name, text)?;
            self.host.set_param(id, v);
            let now = self.host.param_value(id);
            let shown = self.host.value_to_text(id, now).unwrap_or_default();
            confirmed.push((name.to_string(), shown));
        }
        Ok(confirmed)
    }

    /// The normalised value the plugin holds for `id`.
    pub fn value(&mut self, id: u32) -> f64 {
        self.host.param_value(id)
    }

    pub fn text_of(&mut self, id: u32, normalized: f64) -> String {
        self.host.value_to_text(id, normalized).unwrap_or_default()
    }

    /// The host tempo the plugin sees in its transport (for tempo-synced settings).
    pub fn set_tempo(&mut self, bpm: f64) {
        self.host.set_tempo(bpm);
    }

    /// Latency the plugin reports, in samples (after activation).
    pub fn latency(&mut self) -> u32 {
        self.host.latency()
    }

    pub fn activate(&mut self, rate: f64, block: usize) {
        self.host.activate(rate, block as u32);
        self.host.set_process_clock(Some(thread_cpu_ns));
    }

    /// One block with parameter events; returns the CPU ns spent inside the plugin's process.
    pub fn process_events(
        &mut self,
        input: [&[f32]; 2],
        output: [&mut [f32]; 2],
        events: &[ParamEvent],
    ) -> u64 {
        let before = self.host.process_clock_total();
        let [l, r] = output;
        let mut outs: [&mut [f32]; 2] = [l, r];
        self.host.process(&input, &mut outs, events);
        self.host.process_clock_total() - before
    }
}

impl Processor for GelPlugin {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn process(&mut self, input: [&[f32]; 2], output: [&mut [f32]; 2]) -> u64 {
        self.process_events(input, output, &[])
    }
}
