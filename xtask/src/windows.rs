//! Windows x64 from Linux: bundles cross-built with MinGW, and the host tests run under Wine.
//!
//! nice-plug-xtask's bundler always writes to `target/bundled/`, where a Windows `Gel X.clap`
//! would replace the Linux one of the same name. So this builds the DLLs with cargo itself and
//! lays the bundles out in `target/x86_64-pc-windows-gnu/bundled/` (`Gel X.clap`, the DLL renamed,
//! and `Gel X.vst3/Contents/x86_64-win/Gel X.vst3`), after [`crate::pe_imports`] has checked that
//! each DLL imports only Windows' own DLLs.
//!
//! Tests: the same host-test crate is cross-built and run with Wine as cargo's runner, in a prefix
//! of our own (`target/wine-prefix`) set up for it: Wine's null graphics driver (nice-plug's VST3
//! wrapper creates a message window at instance creation, which needs a display otherwise) and a
//! stand-in `bcryptprimitives.dll` built from `xtask/wine/bcryptprimitives.c` (Wine 8 has none;
//! every Rust 1.78+ binary imports it).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{bundle_name, pe_imports, replace_with_copy, target_dir, PLUGINS, TEST_ONLY_PLUGINS};

/// The one Windows target Gel builds for.
pub const TARGET: &str = "x86_64-pc-windows-gnu";

/// MinGW's C compiler: the linker rustc uses for [`TARGET`], and the compiler of the test-only
/// bcryptprimitives stand-in.
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Entry points every plugin DLL must export: CLAP's, and VST3's factory.
const PLUGIN_EXPORTS: &[&str] = &["clap_entry", "GetPluginFactory"];

/// `target/x86_64-pc-windows-gnu`: cargo's own folder for the target, which the Windows bundles
/// share so one `rm -rf` removes everything Windows.
fn target_root() -> PathBuf {
    target_dir().join(TARGET)
}

/// Where `cargo xtask bundle --target x86_64-pc-windows-gnu` writes the bundles.
pub fn bundled_dir() -> PathBuf {
    target_root().join("bundled")
}

/// The Wine prefix the Windows tests run in (absolute: Wine refuses a relative `WINEPREFIX`).
fn wine_prefix() -> PathBuf {
    let prefix = target_dir().join("wine-prefix");
    std::path::absolute(&prefix).unwrap_or(prefix)
}

/// If `args` ask for the Windows target (`--target x86_64-pc-windows-gnu` or `--target=...`),
/// the other arguments; else `None`.
pub fn strip_target(args: &[String]) -> Option<Vec<String>> {
    let mut rest = Vec::with_capacity(args.len());
    let mut found = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--target" {
            match iter.next() {
                Some(t) if t == TARGET => found = true,
                Some(t) => rest.extend([arg.clone(), t.clone()]),
                None => rest.push(arg.clone()),
            }
        } else if arg.strip_prefix("--target=") == Some(TARGET) {
            found = true;
        } else {
            rest.push(arg.clone());
        }
    }
    found.then_some(rest)
}

/// What `bundle` was asked to build.
#[derive(Debug, PartialEq)]
struct BundleRequest {
    packages: Vec<String>,
    /// The folder under `target/<triple>/` cargo writes the profile to.
    profile_dir: String,
    /// Everything else, passed to `cargo build` as is (e.g. `--features`).
    cargo_args: Vec<String>,
}

/// Parse `bundle`'s arguments the way nice-plug-xtask does: `<package>` first, or any number of
/// `-p <package>`, or `--all`; `--release` and `--profile NAME` pick the profile.
fn parse_bundle_args(args: &[String]) -> Result<BundleRequest, String> {
    let mut request = BundleRequest {
        packages: Vec::new(),
        profile_dir: "debug".into(),
        cargo_args: Vec::new(),
    };
    let mut iter = args.iter().peekable();
    if let Some(first) = iter.next_if(|a| !a.starts_with('-')) {
        request.packages.push(first.clone());
    }
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--all" => request
                .packages
                .extend(PLUGINS.iter().map(|p| p.to_string())),
            "-p" | "--package" => request.packages.push(
                iter.next()
                    .ok_or_else(|| format!("{arg} needs a package"))?
                    .clone(),
            ),
            "--release" => {
                request.profile_dir = "release".into();
                request.cargo_args.push(arg.clone());
            }
            "--profile" => {
                let profile = iter.next().ok_or("--profile needs a name")?;
                request.profile_dir = match profile.as_str() {
                    "dev" | "test" => "debug".into(),
                    "bench" => "release".into(),
                    other => other.into(),
                };
                request
                    .cargo_args
                    .extend([arg.clone(), profile.to_string()]);
            }
            _ => request.cargo_args.push(arg.clone()),
        }
    }
    if request.packages.is_empty() {
        return Err("bundle: name a package, -p <package> or --all".into());
    }
    Ok(request)
}

/// Fail early, with the apt package to install, when the MinGW linker is missing.
fn require_mingw() -> Result<(), String> {
    match Command::new(MINGW_GCC).arg("--version").output() {
        Ok(output) if output.status.success() => Ok(()),
        _ => Err(format!(
            "{MINGW_GCC} not found: install MinGW (Debian/Ubuntu: apt-get install \
             gcc-mingw-w64-x86-64) and the Rust target (rustup target add {TARGET})"
        )),
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// `cargo xtask bundle ... --target x86_64-pc-windows-gnu` (arguments without the `--target`).
pub fn bundle(args: &[String]) -> Result<(), String> {
    let request = parse_bundle_args(args)?;
    build_and_bundle(&request, &bundled_dir())
}

/// Build `request`'s packages for Windows, check each DLL's imports and exports, and write
/// their bundles into `dest`.
fn build_and_bundle(request: &BundleRequest, dest: &Path) -> Result<(), String> {
    require_mingw()?;
    let status = cargo()
        .args(["build", "--target", TARGET])
        .args(request.packages.iter().flat_map(|p| ["-p", p.as_str()]))
        .args(&request.cargo_args)
        .status()
        .map_err(|e| format!("could not run cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build --target {TARGET} failed"));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    for package in &request.packages {
        let dll = target_root()
            .join(&request.profile_dir)
            .join(format!("{}.dll", package.replace('-', "_")));
        let report = pe_imports::check_plugin(&dll, PLUGIN_EXPORTS)?;
        // The import table may name one DLL in several spellings (KERNEL32.dll, kernel32.dll).
        let mut imports: Vec<String> = report
            .imports
            .iter()
            .map(|d| d.to_ascii_lowercase())
            .collect();
        imports.sort();
        imports.dedup();
        println!(
            "{}: imports only Windows DLLs ({})",
            dll.display(),
            imports.join(", ")
        );
        let name = bundle_name(package)?;
        let clap = dest.join(format!("{name}.clap"));
        replace_with_copy(&dll, &clap)?;
        let vst3 = dest.join(format!("{name}.vst3"));
        let vst3_binary = vst3
            .join("Contents")
            .join("x86_64-win")
            .join(format!("{name}.vst3"));
        if vst3.exists() {
            std::fs::remove_dir_all(&vst3).map_err(|e| format!("{}: {e}", vst3.display()))?;
        }
        std::fs::create_dir_all(vst3_binary.parent().unwrap())
            .map_err(|e| format!("{}: {e}", vst3.display()))?;
        replace_with_copy(&dll, &vst3_binary)?;
        println!("bundled {} and {}", clap.display(), vst3.display());
    }
    Ok(())
}

/// Release bundles of every plugin, for `cargo xtask dist`.
pub fn bundle_release_all() -> Result<PathBuf, String> {
    bundle(&["--all".into(), "--release".into()])?;
    Ok(bundled_dir())
}

/// A Linux path as Wine's `Z:` drive (the whole Unix file system) shows it to Windows programs.
fn wine_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// The first of these programs that runs: `$WINE`/`$WINESERVER` when set, the `wine` package's
/// wrappers on PATH, or Debian's `wine64` package, which installs its binaries only under
/// /usr/lib/wine.
fn find_program(env: &str, candidates: &[&str]) -> Result<String, String> {
    let from_env = std::env::var(env).ok();
    from_env
        .iter()
        .map(String::as_str)
        .chain(candidates.iter().copied())
        .find(|program| {
            Command::new(program)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "none of {} runs: install Wine (Debian/Ubuntu: apt-get install wine64) or set ${env}",
                candidates.join(", ")
            )
        })
}

/// Wine with the test prefix: no debug chatter, no Mono/Gecko install dialogs.
fn wine_command(program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env("WINEPREFIX", wine_prefix())
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=");
    command
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("could not run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Create the test prefix if it is missing, set its graphics driver to null, and (re)build the
/// bcryptprimitives stand-in into its system32 when the source is newer. Returns the wine
/// program to use as cargo's runner.
fn prepare_wine_prefix() -> Result<String, String> {
    let wine = find_program("WINE", &["wine", "wine64", "/usr/lib/wine/wine64"])?;
    let wineserver = find_program(
        "WINESERVER",
        &[
            "wineserver",
            "/usr/lib/wine/wineserver64",
            "/usr/lib/wine/wineserver",
        ],
    )?;
    let prefix = wine_prefix();
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    let user_reg = prefix.join("user.reg");
    if !user_reg.exists() {
        println!("creating the Wine prefix {}", prefix.display());
        let mut init = wine_command(&wine);
        init.args(["wineboot", "-i"]);
        run(init, "wineboot -i")?;
    }
    let graphics_null = std::fs::read_to_string(&user_reg).is_ok_and(|reg| {
        reg.contains("[Software\\\\Wine\\\\Drivers]") && reg.contains("\"Graphics\"=\"null\"")
    });
    if !graphics_null {
        let mut reg = wine_command(&wine);
        reg.args([
            "reg",
            "add",
            "HKCU\\Software\\Wine\\Drivers",
            "/v",
            "Graphics",
            "/d",
            "null",
            "/f",
        ]);
        run(reg, "wine reg add (null graphics driver)")?;
    }

    let source = PathBuf::from("xtask/wine/bcryptprimitives.c");
    let dll = prefix
        .join("drive_c")
        .join("windows")
        .join("system32")
        .join("bcryptprimitives.dll");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&dll).is_none() || modified(&dll) < modified(&source) {
        let mut gcc = Command::new(MINGW_GCC);
        gcc.args(["-shared", "-O2", "-s", "-o"])
            .arg(&dll)
            .arg(&source)
            .arg("-ladvapi32");
        run(gcc, "building the bcryptprimitives.dll stand-in")?;
    }
    // Registry changes reach user.reg when the prefix's wineserver exits; wait for that so the
    // tests start with the null driver in place.
    let mut wait = wine_command(&wineserver);
    wait.arg("-w");
    run(wait, "wineserver -w")?;
    Ok(wine)
}

/// `cargo xtask test --target x86_64-pc-windows-gnu [<cargo test args>]`: build the test
/// bundles for Windows (debug, `assert_process_allocs`) into
/// `target/x86_64-pc-windows-gnu/test-bundles`, then cross-build the host tests and run them under
/// Wine. Without `-p`/`--package`/`--workspace` in the arguments it runs gel-host-tests (the
/// rest of the workspace holds the Linux-only bench and the plugin crates themselves).
pub fn test(args: &[String]) -> Result<(), String> {
    let test_plugins: Vec<&str> = PLUGINS.iter().chain(TEST_ONLY_PLUGINS).copied().collect();
    let features: Vec<String> = test_plugins
        .iter()
        .map(|p| format!("{p}/assert_process_allocs"))
        .collect();
    let request = BundleRequest {
        packages: test_plugins.iter().map(|p| p.to_string()).collect(),
        profile_dir: "debug".into(),
        cargo_args: vec!["--features".into(), features.join(",")],
    };
    let test_dir = target_root().join("test-bundles");
    build_and_bundle(&request, &test_dir)?;
    let test_dir = std::fs::canonicalize(&test_dir).map_err(|e| e.to_string())?;

    let wine = prepare_wine_prefix()?;
    let names_package = args.iter().any(|a| {
        a == "-p" || a == "--package" || a == "--workspace" || a.starts_with("--package=")
    });
    let mut command = cargo();
    command.args(["test", "--target", TARGET]);
    if !names_package {
        command.args(["-p", "gel-host-tests"]);
    }
    command
        .args(args)
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", &wine)
        .env("WINEPREFIX", wine_prefix())
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env("GEL_BUNDLE_DIR", wine_path(&test_dir));
    run(command, &format!("cargo test --target {TARGET} under Wine"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn strip_target_takes_only_the_windows_target() {
        assert_eq!(
            strip_target(&strings(&["--all", "--target", TARGET, "--release"])),
            Some(strings(&["--all", "--release"]))
        );
        assert_eq!(
            strip_target(&strings(&["-p", "x", &format!("--target={TARGET}")])),
            Some(strings(&["-p", "x"]))
        );
        assert_eq!(strip_target(&strings(&["--all", "--release"])), None);
        assert_eq!(
            strip_target(&strings(&["--target", "aarch64-apple-darwin"])),
            None
        );
    }

    #[test]
    fn bundle_args_as_nice_plug_xtask_reads_them() {
        let request = parse_bundle_args(&strings(&["gel-panner", "--release"])).unwrap();
        assert_eq!(request.packages, ["gel-panner"]);
        assert_eq!(request.profile_dir, "release");
        assert_eq!(request.cargo_args, ["--release"]);

        let request = parse_bundle_args(&strings(&[
            "-p",
            "a",
            "--package",
            "b",
            "--features",
            "x/y",
        ]))
        .unwrap();
        assert_eq!(request.packages, ["a", "b"]);
        assert_eq!(request.profile_dir, "debug");
        assert_eq!(request.cargo_args, ["--features", "x/y"]);

        let request = parse_bundle_args(&strings(&["--all", "--profile", "profiling"])).unwrap();
        assert_eq!(request.packages, PLUGINS);
        assert_eq!(request.profile_dir, "profiling");

        assert!(parse_bundle_args(&strings(&["--release"])).is_err());
    }

    #[test]
    fn wine_sees_linux_paths_on_drive_z() {
        assert_eq!(
            wine_path(Path::new("/work/gel/target/test-bundles")),
            "Z:\\work\\gel\\target\\test-bundles"
        );
    }
}
