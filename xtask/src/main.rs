//! Gel's project commands: `cargo xtask bundle | install | test | bench | dist`.
//!
//! Bundling itself is nice-plug-xtask's; this adds `--all`, installing into the user's plugin
//! folders, and the one test command that builds the bundles the host tests load. Windows
//! bundles and tests (`--target x86_64-pc-windows-gnu`) are in [`windows`], the release archives
//! in [`dist`].

mod dist;
mod pe_imports;
mod windows;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every Gel plugin crate, in the order they are built and listed.
const PLUGINS: &[&str] = &[
    "gel-panner",
    "gel-delay",
    "gel-reverb",
    "gel-compressor",
    "gel-eq",
];

/// Plugins only the host tests load: `cargo xtask test` builds them with the others, but
/// `bundle --all`, `install` and `bench` never do.
const TEST_ONLY_PLUGINS: &[&str] = &["gel-aux-probe", "gel-latency-violator"];

/// Cargo's target directory: `$CARGO_TARGET_DIR` when set (nice-plug-xtask bundles there too),
/// else `target` in the workspace.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// Where nice-plug-xtask writes bundles.
fn bundled_dir() -> PathBuf {
    target_dir().join("bundled")
}

/// Where `cargo xtask test` keeps the bundles the host tests load, apart from `bundled/` so a
/// test build never replaces release bundles a user is about to install.
fn test_bundle_dir() -> PathBuf {
    target_dir().join("test-bundles")
}

const USAGE: &str = "Usage:
  cargo xtask bundle <package> [--release]      build the CLAP and VST3 bundles of one plugin
  cargo xtask bundle --all [--release]          ... of every Gel plugin
  cargo xtask install                           release bundles of every plugin into ~/.clap and ~/.vst3
  cargo xtask test [<cargo test args>]          build the test bundles, then run every test
  cargo xtask bench [--plugin NAME] [--runs N] [--quality] [--short]
                                                release bundles, then CPU (or quality) vs the peers
  cargo xtask dist                              release archives for Linux and Windows in target/dist/
Bundles land in target/bundled/.

Windows x64 (needs MinGW; the tests need Wine):
  cargo xtask bundle --all [--release] --target x86_64-pc-windows-gnu
                                                bundles in target/x86_64-pc-windows-gnu/bundled/, after
                                                checking each DLL imports only Windows' own DLLs
  cargo xtask test --target x86_64-pc-windows-gnu [<cargo test args>]
                                                Windows test bundles, then gel-host-tests under Wine";

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or_else(|| USAGE.to_string())?;
    let rest: Vec<String> = args.collect();
    nice_plug_xtask::chdir_workspace_root().map_err(|e| e.to_string())?;
    match command.as_str() {
        "bundle" => bundle(&rest),
        "install" => install(&rest),
        "test" => test(&rest),
        "bench" => bench(&rest),
        "dist" => dist::dist(&rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command '{other}'\n\n{USAGE}")),
    }
}

/// `bundle --all [args]` becomes `bundle -p a -p b ... [args]`; anything else goes to
/// nice-plug-xtask unchanged, except the Windows target, which [`windows::bundle`] builds (so
/// Linux bundles in target/bundled/ are never replaced by Windows ones of the same name).
fn bundle(args: &[String]) -> Result<(), String> {
    if let Some(rest) = windows::strip_target(args) {
        return windows::bundle(&rest);
    }
    let expanded: Vec<String> = if args.iter().any(|a| a == "--all") {
        let mut out = vec!["bundle".to_string()];
        for plugin in PLUGINS {
            out.push("-p".into());
            out.push((*plugin).into());
        }
        out.extend(args.iter().filter(|a| *a != "--all").cloned());
        out
    } else {
        std::iter::once("bundle".to_string())
            .chain(args.iter().cloned())
            .collect()
    };
    nice_plug_xtask::main_with_args("cargo xtask", expanded).map_err(|e| format!("{e:#}"))
}

fn home_dir() -> Result<PathBuf, String> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .ok_or_else(|| "HOME is not set: cannot find ~/.clap and ~/.vst3".to_string())
}

/// Display name of a plugin package as nice-plug-xtask names its bundle (bundler.toml).
fn bundle_name(package: &str) -> Result<String, String> {
    let toml = std::fs::read_to_string("bundler.toml").map_err(|e| format!("bundler.toml: {e}"))?;
    let header = format!("[{package}]");
    let mut lines = toml.lines().skip_while(|l| l.trim() != header).skip(1);
    lines
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("name")
                .map(|v| v.trim_start_matches([' ', '=']).trim().trim_matches('"'))
                .map(str::to_string)
        })
        .ok_or_else(|| format!("bundler.toml has no name for {package}"))
}

fn copy_recursively(from: &Path, to: &Path) -> Result<(), String> {
    if from.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
            let entry = entry.map_err(|e| e.to_string())?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| format!("copy {} -> {}: {e}", from.display(), to.display()))
    }
}

/// Replace `to` (file or bundle folder) with a copy of `from`.
fn replace_with_copy(from: &Path, to: &Path) -> Result<(), String> {
    if to.is_dir() {
        std::fs::remove_dir_all(to).map_err(|e| format!("remove {}: {e}", to.display()))?;
    } else if to.exists() {
        std::fs::remove_file(to).map_err(|e| format!("remove {}: {e}", to.display()))?;
    }
    copy_recursively(from, to)
}

fn install(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err(format!("install takes no arguments\n\n{USAGE}"));
    }
    bundle(&["--all".into(), "--release".into()])?;
    let home = home_dir()?;
    for package in PLUGINS {
        let name = bundle_name(package)?;
        for (extension, folder) in [("clap", ".clap"), ("vst3", ".vst3")] {
            let from = bundled_dir().join(format!("{name}.{extension}"));
            let dest_dir = home.join(folder);
            std::fs::create_dir_all(&dest_dir)
                .map_err(|e| format!("{}: {e}", dest_dir.display()))?;
            let to = dest_dir.join(format!("{name}.{extension}"));
            let replaced = to.exists();
            replace_with_copy(&from, &to)?;
            println!(
                "{} {} -> {}",
                if replaced { "replaced" } else { "installed" },
                from.display(),
                to.display()
            );
        }
    }
    Ok(())
}

/// Build debug bundles with nice-plug's `assert_process_allocs` (an allocation inside `process`
/// aborts), move them to target/test-bundles, then run every test of the workspace against them.
fn test(args: &[String]) -> Result<(), String> {
    if let Some(rest) = windows::strip_target(args) {
        return windows::test(&rest);
    }
    let test_plugins: Vec<&str> = PLUGINS.iter().chain(TEST_ONLY_PLUGINS).copied().collect();
    let features: Vec<String> = test_plugins
        .iter()
        .map(|p| format!("{p}/assert_process_allocs"))
        .collect();
    let mut bundle_args: Vec<String> = Vec::new();
    for plugin in &test_plugins {
        bundle_args.push("-p".into());
        bundle_args.push((*plugin).into());
    }
    bundle_args.extend(["--features".into(), features.join(",")]);
    bundle(&bundle_args)?;

    let test_dir = test_bundle_dir();
    std::fs::create_dir_all(&test_dir).map_err(|e| format!("{}: {e}", test_dir.display()))?;
    for package in &test_plugins {
        let name = bundle_name(package)?;
        for extension in ["clap", "vst3"] {
            let file = format!("{name}.{extension}");
            replace_with_copy(&bundled_dir().join(&file), &test_dir.join(&file))?;
        }
    }
    let bundle_dir = std::fs::canonicalize(&test_dir).map_err(|e| e.to_string())?;

    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace"])
        .args(args)
        .env("GEL_BUNDLE_DIR", &bundle_dir)
        .status()
        .map_err(|e| format!("could not run cargo test: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("tests failed".into())
    }
}

/// Build the release bundles, then run gel-bench (release) on them with the given arguments.
fn bench(args: &[String]) -> Result<(), String> {
    bundle(&["--all".into(), "--release".into()])?;
    let bundle_dir = std::fs::canonicalize(bundled_dir()).map_err(|e| e.to_string())?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["run", "--release", "--package", "gel-bench", "--"])
        .arg("--bundle-dir")
        .arg(&bundle_dir)
        .args(args)
        .status()
        .map_err(|e| format!("could not run gel-bench: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("bench failed".into())
    }
}
