//! Track names reach Gel's plugins in both formats, and become the label other Gel instances
//! see: the CLAP host answers `track_info.get` (asked when the plugin is initialised and after
//! each `track_info.changed()`), the VST3 host calls `IInfoListener::setChannelContextInfos`
//! with the channel name. The reader is a gel-link handle in this test process, on a private
//! segment (`GEL_LINK_NAMESPACE`), as the editors read the registry. The strict hosts fail a
//! test on any call on the wrong thread (e.g. `track_info.get` off the main thread).

use std::time::{Duration, Instant};

use gel_host_tests::clap_host::ClapPlugin;
use gel_host_tests::{bundle_dir, load, Format, PluginHost};
use gel_link::{InstanceView, LinkHandle, PluginKind};

const BUNDLES: [(&str, PluginKind); 5] = [
    ("Gel EQ", PluginKind::Eq),
    ("Gel Compressor", PluginKind::Compressor),
    ("Gel Panner", PluginKind::Panner),
    ("Gel Reverb", PluginKind::Reverb),
    ("Gel Delay", PluginKind::Delay),
];

/// This process's own segment, chosen before any plugin or handle reads the variable.
fn private_namespace() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var(
            "GEL_LINK_NAMESPACE",
            format!("tracknames-{}", std::process::id()),
        );
        // Segments of earlier runs of this test whose process is gone.
        #[cfg(target_os = "linux")]
        for entry in std::fs::read_dir("/dev/shm")
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name
                .split("-tracknames-")
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            if let Some(pid) = pid {
                if name.starts_with("gel-link-")
                    && !std::path::Path::new(&format!("/proc/{pid}")).exists()
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    });
}

/// Wait (up to 3 s: the publisher writes labels about every 100 ms) until an instance of `kind`
/// labelled `label` is live, and return every live instance seen last.
fn wait_for_label(reader: &LinkHandle, kind: PluginKind, label: &str) -> Vec<InstanceView> {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut seen = Vec::new();
    loop {
        reader.instances(&mut seen);
        if seen.iter().any(|v| v.kind == kind && v.label == label) || Instant::now() > deadline {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn labels(seen: &[InstanceView]) -> Vec<(PluginKind, String)> {
    seen.iter()
        .filter(|v| !v.is_self)
        .map(|v| (v.kind, v.label.clone()))
        .collect()
}

#[test]
fn clap_track_info_names_every_plugin_from_init_and_on_change() {
    private_namespace();
    let reader = LinkHandle::new(PluginKind::Eq);
    for (bundle, kind) in BUNDLES {
        let path = bundle_dir().join(format!("{bundle}.clap"));
        // Created on a named track: the plugin asks in `init`.
        let first = format!("Clap {bundle} track");
        let mut plugin = ClapPlugin::load_on_track(&path, None, Some(&first));
        assert!(
            plugin.track_info_gets() >= 1,
            "{bundle}: track_info.get was not called when the plugin was initialised"
        );
        let seen = wait_for_label(&reader, kind, &first);
        assert!(
            seen.iter().any(|v| v.kind == kind && v.label == first),
            "{bundle}: {:?}",
            labels(&seen)
        );
        // The user renames the track: `changed()`, the plugin asks again.
        let before = plugin.track_info_gets();
        let renamed = format!("Clap {bundle} renamed ✓");
        assert!(
            plugin.set_track_name(&renamed),
            "{bundle} has no track-info"
        );
        assert!(
            plugin.track_info_gets() > before,
            "{bundle}: no get after changed()"
        );
        let seen = wait_for_label(&reader, kind, &renamed);
        assert!(
            seen.iter().any(|v| v.kind == kind && v.label == renamed),
            "{bundle}: {:?}",
            labels(&seen)
        );
        assert!(plugin.contract_violations().is_empty());
    }
}

#[test]
fn a_clap_host_without_a_name_leaves_the_default_label() {
    private_namespace();
    let reader = LinkHandle::new(PluginKind::Eq);
    let path = bundle_dir().join("Gel Panner.clap");
    let plugin = ClapPlugin::load_on_track(&path, None, None);
    assert!(plugin.track_info_gets() >= 1);
    // gel-link's default label: the product name and a number.
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        reader.instances(&mut seen);
        if seen
            .iter()
            .any(|v| v.kind == PluginKind::Panner && v.label.starts_with("Gel Panner"))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        seen.iter()
            .any(|v| v.kind == PluginKind::Panner && v.label.starts_with("Gel Panner")),
        "{:?}",
        labels(&seen)
    );
    drop(plugin);
}

#[test]
fn vst3_channel_context_names_every_plugin() {
    private_namespace();
    let reader = LinkHandle::new(PluginKind::Eq);
    for (bundle, kind) in BUNDLES {
        let mut plugin = load(Format::Vst3, bundle);
        for name in [
            format!("Vst3 {bundle} track"),
            format!("Vst3 {bundle} — Bass ü"),
        ] {
            assert!(
                plugin.set_track_name(&name),
                "{bundle}: setChannelContextInfos failed"
            );
            let seen = wait_for_label(&reader, kind, &name);
            assert!(
                seen.iter().any(|v| v.kind == kind && v.label == name),
                "{bundle}: {:?}",
                labels(&seen)
            );
        }
        assert!(plugin.contract_violations().is_empty());
    }
}
