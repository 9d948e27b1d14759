//! The strict CLAP host's strictness, tested against "Gel Latency Violator"
//! (tests/latency-violator), a test-only plugin that calls `host->latency->changed()` wherever
//! its latency changes, as nice-plug 0.4.2's wrapper did before vendor/nice-plug fixed it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use gel_host_tests::clap_host::ClapPlugin;
use gel_host_tests::{bundle_dir, ParamEvent, PluginHost};

/// The violator's "Latency" parameter (plain value = samples, 0..1000 as CLAP values).
const LATENCY_PARAM: u32 = 0;
const MAX_LATENCY: f64 = 1000.0;

fn violator() -> ClapPlugin {
    ClapPlugin::load(&bundle_dir().join("Gel Latency Violator.clap"))
}

fn process_block(p: &mut ClapPlugin, events: &[ParamEvent]) {
    let input = vec![0.25f32; 64];
    let mut out = (vec![0.0f32; 64], vec![0.0f32; 64]);
    p.process(&[&input, &input], &mut [&mut out.0, &mut out.1], events);
    // Pass-through: the violator's audio is not the point, but it must be what the host thinks.
    assert_eq!(out.0, input);
}

/// Played by the contract, the violator is clean: no false positives from the strict host.
#[test]
fn a_run_without_latency_changes_is_clean() {
    let mut p = violator();
    p.activate(48_000.0, 64);
    process_block(&mut p, &[]);
    p.stop_processing();
    p.start_processing();
    process_block(&mut p, &[]);
    p.deactivate();
    p.idle();
    assert_eq!(p.violations(), Vec::<String>::new());
}

/// `params.flush` while deactivated: the violator calls `latency.changed()` on the main thread
/// but outside `activate`.
#[test]
fn latency_changed_while_deactivated_is_a_violation() {
    let mut p = violator();
    p.set_panic_on_violation(false);
    p.set_param(LATENCY_PARAM, 256.0 / MAX_LATENCY);
    let violations = p.violations();
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0].starts_with("latency.changed (state Inactive, Main thread)")
            && violations[0].contains("only allowed to change during plugin->activate"),
        "{violations:#?}"
    );
}

/// A latency event inside `process`: `latency.changed()` from the audio thread while active,
/// and a latency that moved while active without `request_restart`.
#[test]
fn latency_changed_from_process_is_a_violation() {
    let mut p = violator();
    p.set_panic_on_violation(false);
    p.activate(48_000.0, 64);
    let event = ParamEvent {
        time: 10,
        param_id: LATENCY_PARAM,
        value: 512.0 / MAX_LATENCY,
    };
    process_block(&mut p, &[event]);
    let violations = p.violations();
    assert!(
        violations
            .iter()
            .any(|v| v.starts_with("latency.changed (state Processing, Audio thread)")),
        "{violations:#?}"
    );
    assert!(
        violations
            .iter()
            .any(|v| v.starts_with("latency 0 -> 512 while active")),
        "{violations:#?}"
    );
    // params.rescan(ALL) from process: the wrong thread, and while active.
    assert!(
        violations
            .iter()
            .any(|v| v.starts_with("params.rescan (state Processing, Audio thread)")),
        "{violations:#?}"
    );
    assert!(
        violations.iter().any(|v| v
            .starts_with("params.rescan(CLAP_PARAM_RESCAN_ALL) (state Processing")
            && v.contains("only be used while the plugin is deactivated")),
        "{violations:#?}"
    );
}

/// `request_callback` from inside `create_plugin`, before `init`.
#[test]
fn a_host_callback_from_create_plugin_is_a_violation() {
    let mut p = ClapPlugin::load_id(
        &bundle_dir().join("Gel Latency Violator.clap"),
        Some("org.gel-audio.latency-violator.eager"),
    );
    p.set_panic_on_violation(false);
    let violations = p.violations();
    assert!(
        violations.len() == 1
            && violations[0].starts_with("request_callback")
            && violations[0].contains("not allowed to use the host callbacks in the create"),
        "{violations:#?}"
    );
}

/// By default a violation fails the test at the host's next step, with the rule it broke.
#[test]
fn a_violation_fails_the_test_by_default() {
    let mut p = violator();
    let panic = catch_unwind(AssertUnwindSafe(|| {
        p.set_param(LATENCY_PARAM, 100.0 / MAX_LATENCY)
    }))
    .expect_err("the strict host must fail on latency.changed outside activate");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("broke the host contract") && message.contains("latency.changed"),
        "{message}"
    );
    // Let the instance go without failing again on the same violation.
    p.set_panic_on_violation(false);
}

/// Gel EQ in linear phase sets its latency in its first `setActive`. A host that installs its
/// component handler only after activating must still hear of it (`kLatencyChanged`) once the
/// handler is there; nice-plug 0.4.2 dropped it ("Component handler not yet set").
#[test]
fn a_latency_set_before_the_component_handler_reaches_it_later() {
    let mut p = gel_host_tests::vst3_host::Vst3Plugin::load(&bundle_dir().join("Gel EQ.vst3"));
    p.set_component_handler_installed(false);
    gel_host_tests::set_by_text(&mut p, "Processing", "Linear Phase");
    p.activate(48_000.0, 256);
    let latency_changed = vst3::Steinberg::Vst::RestartFlags_::kLatencyChanged;
    assert_eq!(p.restart_flags() & latency_changed, 0, "no handler yet");
    p.set_component_handler_installed(true);
    assert_ne!(
        p.restart_flags() & latency_changed,
        0,
        "kLatencyChanged must reach the handler once it is installed"
    );
    assert!(p.latency() > 0);
}
