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
  cargo xtask bench [--plugin NAME] [--runs N] [--quality | --denormal] [--short]
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
    remove_if_exists(to)?;
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
/// aborts) into target/test-bundles, then run every test of the workspace against them. The
/// release bundles in target/bundled are never written: checked at the end, the run fails if
/// they changed.
fn test(args: &[String]) -> Result<(), String> {
    if let Some(rest) = windows::strip_target(args) {
        return windows::test(&rest);
    }
    let bundled_before = fingerprint(&bundled_dir())?;
    let test_plugins: Vec<&str> = PLUGINS.iter().chain(TEST_ONLY_PLUGINS).copied().collect();
    let features: Vec<String> = test_plugins
        .iter()
        .map(|p| format!("{p}/assert_process_allocs"))
        .collect();
    let cargo_args = vec!["--features".to_string(), features.join(",")];
    let bundle_dir = build_test_bundles(&test_plugins, &cargo_args)?;

    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace"])
        .args(args)
        .env("GEL_BUNDLE_DIR", &bundle_dir)
        .status()
        .map_err(|e| format!("could not run cargo test: {e}"))?;
    check_unchanged(&bundled_dir(), &bundled_before)?;
    if status.success() {
        Ok(())
    } else {
        Err("tests failed".into())
    }
}

/// Where `cargo xtask test` bundles: nice-plug-xtask always writes to `<root>/bundled` next to
/// `<root>/<profile>/` holding the built library, so the test build gets a root of its own whose
/// `<profile>/` holds links to cargo's libraries. Only bundling happens there, no compiling.
fn test_staging_root() -> PathBuf {
    target_dir().join("test-staging")
}

/// Build `packages` with `cargo_args` (cargo's own target directory and cache), bundle them in
/// [`test_staging_root`] and move the bundles into [`test_bundle_dir`]; returns that directory,
/// absolute. Nothing under target/bundled is touched.
fn build_test_bundles(packages: &[&str], cargo_args: &[String]) -> Result<PathBuf, String> {
    let names: Vec<String> = packages.iter().map(|p| p.to_string()).collect();
    nice_plug_xtask::build(&names, cargo_args).map_err(|e| format!("{e:#}"))?;

    let staging = test_staging_root();
    let (triple, profile) = cargo_output_subdirs(cargo_args);
    let arch_dir = |root: PathBuf| match &triple {
        Some(t) => root.join(t).join(&profile),
        None => root.join(&profile),
    };
    let built = arch_dir(target_dir());
    let staged = arch_dir(staging.clone());
    remove_if_exists(&staging)?;
    std::fs::create_dir_all(&staged).map_err(|e| format!("{}: {e}", staged.display()))?;
    for package in packages {
        stage_library(&built, &staged, package)?;
        nice_plug_xtask::bundle(&staging, package, cargo_args, false)
            .map_err(|e| format!("bundling {package}: {e:#}"))?;
    }

    let test_dir = test_bundle_dir();
    std::fs::create_dir_all(&test_dir).map_err(|e| format!("{}: {e}", test_dir.display()))?;
    for package in packages {
        let name = bundle_name(package)?;
        for extension in ["clap", "vst3"] {
            let file = format!("{name}.{extension}");
            replace_by_move(&staging.join("bundled").join(&file), &test_dir.join(&file))?;
        }
    }
    remove_if_exists(&staging)?;
    std::fs::canonicalize(&test_dir).map_err(|e| format!("{}: {e}", test_dir.display()))
}

/// The cross-compilation triple (`--target T` / `--target=T`) and profile directory (`debug`,
/// `release` for `--release`, or the `--profile` name) cargo builds into, as nice-plug-xtask
/// reads them from the same arguments.
fn cargo_output_subdirs(cargo_args: &[String]) -> (Option<String>, String) {
    let mut triple = None;
    let mut profile = "debug".to_string();
    let mut it = cargo_args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--target" => triple = it.next().cloned(),
            "--release" => profile = "release".into(),
            "--profile" => profile = it.next().cloned().unwrap_or(profile),
            a => {
                if let Some(t) = a.strip_prefix("--target=") {
                    triple = Some(t.to_string());
                } else if let Some(p) = a.strip_prefix("--profile=") {
                    profile = p.to_string();
                }
            }
        }
    }
    // Cargo's `dev` profile builds into `debug/`.
    if profile == "dev" {
        profile = "debug".into();
    }
    (triple, profile)
}

/// Make the library cargo built for `package` (whichever of the platforms' names exists:
/// `lib<name>.so`, `lib<name>.dylib`, `<name>.dll`) appear in `staged`: a hard link where the
/// file system allows one (no 80 MB copy), a copy otherwise. Both work on every platform.
fn stage_library(built: &Path, staged: &Path, package: &str) -> Result<(), String> {
    let crate_name = package.replace('-', "_");
    let candidates = [
        format!("lib{crate_name}.so"),
        format!("lib{crate_name}.dylib"),
        format!("{crate_name}.dll"),
    ];
    let mut found = false;
    for file in candidates {
        let from = built.join(&file);
        if !from.is_file() {
            continue;
        }
        let to = staged.join(&file);
        if std::fs::hard_link(&from, &to).is_err() {
            std::fs::copy(&from, &to)
                .map_err(|e| format!("copy {} -> {}: {e}", from.display(), to.display()))?;
        }
        found = true;
    }
    if found {
        Ok(())
    } else {
        Err(format!(
            "no built library of {package} in {}",
            built.display()
        ))
    }
}

fn remove_if_exists(path: &Path) -> Result<(), String> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else if path.exists() {
        std::fs::remove_file(path)
    } else {
        return Ok(());
    };
    result.map_err(|e| format!("remove {}: {e}", path.display()))
}

/// Replace `to` with `from` (file or bundle folder), renaming when both are on one file system.
fn replace_by_move(from: &Path, to: &Path) -> Result<(), String> {
    remove_if_exists(to)?;
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    copy_recursively(from, to)?;
    remove_if_exists(from)
}

/// Path, size and modification time of every file under `dir` (empty if `dir` does not exist),
/// sorted: any write to the folder changes it.
fn fingerprint(dir: &Path) -> Result<Vec<(PathBuf, u64, Option<std::time::SystemTime>)>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        if !current.is_dir() {
            continue;
        }
        for entry in
            std::fs::read_dir(&current).map_err(|e| format!("{}: {e}", current.display()))?
        {
            let entry = entry.map_err(|e| e.to_string())?;
            let meta = entry.metadata().map_err(|e| e.to_string())?;
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                files.push((entry.path(), meta.len(), meta.modified().ok()));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Fail if `dir` no longer matches the fingerprint taken before (`cargo xtask test` must leave
/// the user's release bundles alone); names what changed.
fn check_unchanged(
    dir: &Path,
    before: &[(PathBuf, u64, Option<std::time::SystemTime>)],
) -> Result<(), String> {
    let after = fingerprint(dir)?;
    if after == before {
        return Ok(());
    }
    let changed: Vec<String> = after
        .iter()
        .filter(|f| !before.contains(f))
        .chain(before.iter().filter(|f| !after.contains(f)))
        .map(|(p, _, _)| p.display().to_string())
        .collect();
    Err(format!(
        "cargo xtask test changed {} (it must only write {}): {}",
        dir.display(),
        test_bundle_dir().display(),
        changed.join(", ")
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_subdirs_follow_cargo() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            cargo_output_subdirs(&args(&["--features", "x"])),
            (None, "debug".into())
        );
        assert_eq!(
            cargo_output_subdirs(&args(&["--release", "--target", "x86_64-pc-windows-gnu"])),
            (Some("x86_64-pc-windows-gnu".into()), "release".into())
        );
        assert_eq!(
            cargo_output_subdirs(&args(&["--target=aarch64-apple-darwin", "--profile=dev"])),
            (Some("aarch64-apple-darwin".into()), "debug".into())
        );
        assert_eq!(
            cargo_output_subdirs(&args(&["--profile", "profiling"])),
            (None, "profiling".into())
        );
    }

    #[test]
    fn fingerprint_sees_new_and_rewritten_files() {
        let dir = std::env::temp_dir().join(format!("gel-xtask-fp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            fingerprint(&dir).unwrap().is_empty(),
            "missing folder = no files"
        );
        std::fs::create_dir_all(dir.join("A.vst3/Contents")).unwrap();
        std::fs::write(dir.join("A.vst3/Contents/a.so"), b"release").unwrap();
        let before = fingerprint(&dir).unwrap();
        assert_eq!(before.len(), 1);
        check_unchanged(&dir, &before).unwrap();

        std::fs::write(dir.join("Probe.clap"), b"debug").unwrap();
        let error = check_unchanged(&dir, &before).unwrap_err();
        assert!(error.contains("Probe.clap"), "{error}");
        std::fs::remove_file(dir.join("Probe.clap")).unwrap();
        check_unchanged(&dir, &before).unwrap();

        // Same name, different content (a debug build over a release one).
        std::fs::write(dir.join("A.vst3/Contents/a.so"), b"debug build").unwrap();
        let error = check_unchanged(&dir, &before).unwrap_err();
        assert!(error.contains("a.so"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
