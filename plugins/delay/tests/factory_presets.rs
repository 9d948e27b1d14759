//! Every factory preset in `presets/delay/` against this plugin's real parameters.

use std::sync::Arc;

#[test]
fn factory_presets_match_the_parameters() {
    let params = Arc::new(gel_delay::params::DelayParams::default());
    if std::env::var_os("GEL_DUMP_SCHEMA").is_some() {
        let schema = gel_presets::Schema::new("delay", params.clone());
        let defaults = schema.to_preset(&schema.defaults(), "Defaults", "Dump");
        println!("{}", defaults.to_toml());
        for spec in schema.specs() {
            println!("# {} [{}] {:?}", spec.id, spec.name, spec.kind);
        }
    }
    let problems = gel_presets::check::factory_problems("delay", params);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
