//! `cargo xtask dist`: the release archives, one per platform.
//!
//! `target/dist/gel-<version>-linux-x86_64.tar.gz` and `gel-<version>-windows-x86_64.zip`, each
//! with one top folder holding `CLAP/` and `VST3/` (the release bundles of every plugin, laid out
//! as they are copied into the system's CLAP and VST3 folders), `README.md`, `LICENSE` and
//! `presets/` (the factory presets as files: they are compiled into the plugins too, the files
//! are there to read, share or import elsewhere).
//! Entries carry the commit's time (or `$SOURCE_DATE_EPOCH`), so the same commit gives the same
//! file list, modes and times.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{bundle_name, bundled_dir, target_dir, windows, PLUGINS};

/// One file in an archive.
#[derive(Debug)]
struct Entry {
    /// Path inside the archive's top folder, `/`-separated.
    name: String,
    source: PathBuf,
    /// Plugin binaries get mode 0755 (a Linux host loads them with `dlopen`, which needs no
    /// execute bit, but file managers and `install` treat them as programs); the rest 0644.
    executable: bool,
}

/// The version every crate shares, from `[workspace.package]` in the root Cargo.toml.
fn workspace_version() -> Result<String, String> {
    let toml = std::fs::read_to_string("Cargo.toml").map_err(|e| format!("Cargo.toml: {e}"))?;
    toml.lines()
        .skip_while(|l| l.trim() != "[workspace.package]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "version").then(|| value.trim().trim_matches('"').to_string())
        })
        .ok_or_else(|| "Cargo.toml: no version in [workspace.package]".to_string())
}

/// Seconds since 1970 to stamp the entries with: `$SOURCE_DATE_EPOCH`, else the time of the
/// commit checked out, else now.
fn archive_time() -> u64 {
    if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return t;
    }
    Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        })
}

/// The calendar date and time (UTC) of `secs` since 1970, for zip's DOS timestamps (Howard
/// Hinnant's `civil_from_days`).
fn civil_time(secs: u64) -> (u16, u8, u8, u8, u8, u8) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
    (
        year,
        month,
        day,
        (rem / 3600) as u8,
        (rem / 60 % 60) as u8,
        (rem % 60) as u8,
    )
}

/// Every file below `dir`, named `prefix/<relative path>`, in a stable order.
fn files_below(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        if entry.path().is_dir() {
            files_below(&entry.path(), &name, out)?;
        } else {
            out.push((name, entry.path()));
        }
    }
    Ok(())
}

/// The archive's files: each plugin's `CLAP/<name>.clap` and `VST3/<name>.vst3/...` from
/// `bundle_dir`, then README.md, LICENSE and the factory presets (`presets/`, when that
/// folder exists) from `docs_dir`.
fn contents(bundle_dir: &Path, names: &[String], docs_dir: &Path) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for name in names {
        let clap = bundle_dir.join(format!("{name}.clap"));
        if !clap.is_file() {
            return Err(format!("{} is missing", clap.display()));
        }
        entries.push(Entry {
            name: format!("CLAP/{name}.clap"),
            source: clap,
            executable: true,
        });
        let vst3 = bundle_dir.join(format!("{name}.vst3"));
        let mut files = Vec::new();
        files_below(&vst3, &format!("VST3/{name}.vst3"), &mut files)?;
        if files.is_empty() {
            return Err(format!("{} holds no files", vst3.display()));
        }
        // The binary sits in Contents/<architecture>/ (x86_64-linux, x86_64-win, MacOS);
        // anything else (Contents/Resources, none today) is data.
        entries.extend(files.into_iter().map(|(name, source)| {
            let parts: Vec<&str> = name.split('/').collect();
            let executable = parts.len() == 5
                && (parts[3].ends_with("-linux")
                    || parts[3].ends_with("-win")
                    || parts[3] == "MacOS");
            Entry {
                name,
                source,
                executable,
            }
        }));
    }
    for doc in ["README.md", "LICENSE"] {
        entries.push(Entry {
            name: doc.into(),
            source: docs_dir.join(doc),
            executable: false,
        });
    }
    let presets = docs_dir.join("presets");
    if presets.is_dir() {
        let mut files = Vec::new();
        files_below(&presets, "presets", &mut files)?;
        files.sort();
        entries.extend(files.into_iter().map(|(name, source)| Entry {
            name,
            source,
            executable: false,
        }));
    }
    Ok(entries)
}

/// The folders the entries sit in, parents first, each once (`a`, `a/b`, ...), not the root.
fn folders(entries: &[Entry]) -> Vec<String> {
    let mut folders: Vec<String> = Vec::new();
    for entry in entries {
        let parts: Vec<&str> = entry.name.split('/').collect();
        for n in 1..parts.len() {
            let folder = parts[..n].join("/");
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
    }
    folders
}

fn mode(entry: &Entry) -> u32 {
    if entry.executable {
        0o755
    } else {
        0o644
    }
}

/// Write `entries` below the top folder `root` into a gzip-compressed tar at `path`.
fn write_tar_gz(path: &Path, root: &str, entries: &[Entry], mtime: u64) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(err)?;
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::best(),
    ));
    let header = |size: u64, mode: u32, kind: tar::EntryType| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(size);
        header.set_mode(mode);
        header.set_mtime(mtime);
        header
    };
    let mut dir_names = vec![root.to_string()];
    dir_names.extend(folders(entries).iter().map(|f| format!("{root}/{f}")));
    for dir in dir_names {
        let mut h = header(0, 0o755, tar::EntryType::Directory);
        tar.append_data(&mut h, format!("{dir}/"), std::io::empty())
            .map_err(err)?;
    }
    for entry in entries {
        let data =
            std::fs::read(&entry.source).map_err(|e| format!("{}: {e}", entry.source.display()))?;
        let mut h = header(data.len() as u64, mode(entry), tar::EntryType::Regular);
        tar.append_data(&mut h, format!("{root}/{}", entry.name), data.as_slice())
            .map_err(err)?;
    }
    tar.into_inner()
        .and_then(|gz| gz.finish())
        .and_then(|mut file| file.flush())
        .map_err(err)
}

/// Write `entries` below the top folder `root` into a deflate zip at `path`.
fn write_zip(path: &Path, root: &str, entries: &[Entry], mtime: u64) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let (year, month, day, hour, minute, second) = civil_time(mtime);
    let time = zip::DateTime::from_date_and_time(year, month, day, hour, minute, second)
        .map_err(|e| err(&e))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time);
    let mut zip = zip::ZipWriter::new(file);
    let mut dir_names = vec![root.to_string()];
    dir_names.extend(folders(entries).iter().map(|f| format!("{root}/{f}")));
    for dir in dir_names {
        zip.add_directory(format!("{dir}/"), options.unix_permissions(0o755))
            .map_err(|e| err(&e))?;
    }
    for entry in entries {
        let data =
            std::fs::read(&entry.source).map_err(|e| format!("{}: {e}", entry.source.display()))?;
        zip.start_file(
            format!("{root}/{}", entry.name),
            options.unix_permissions(mode(entry)),
        )
        .map_err(|e| err(&e))?;
        zip.write_all(&data).map_err(|e| err(&e))?;
    }
    zip.finish().map_err(|e| err(&e))?;
    Ok(())
}

fn print_archive(path: &Path, root: &str, entries: &[Entry]) {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    println!("{} ({:.1} MB):", path.display(), size as f64 / 1e6);
    for entry in entries {
        println!("  {root}/{}", entry.name);
    }
}

/// `cargo xtask dist`: release bundles for Linux and Windows, then both archives.
pub fn dist(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err(format!("dist takes no arguments\n\n{}", crate::USAGE));
    }
    let version = workspace_version()?;
    crate::bundle(&["--all".into(), "--release".into()])?;
    let windows_dir = windows::bundle_release_all()?;
    let names: Vec<String> = PLUGINS
        .iter()
        .map(|p| bundle_name(p))
        .collect::<Result<_, _>>()?;
    let out = target_dir().join("dist");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mtime = archive_time();

    let root = format!("gel-{version}-linux-x86_64");
    let entries = contents(&bundled_dir(), &names, Path::new("."))?;
    let path = out.join(format!("{root}.tar.gz"));
    write_tar_gz(&path, &root, &entries, mtime)?;
    print_archive(&path, &root, &entries);

    let root = format!("gel-{version}-windows-x86_64");
    let entries = contents(&windows_dir, &names, Path::new("."))?;
    let path = out.join(format!("{root}.zip"));
    write_zip(&path, &root, &entries, mtime)?;
    print_archive(&path, &root, &entries);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn civil_time_matches_known_dates() {
        assert_eq!(civil_time(0), (1970, 1, 1, 0, 0, 0));
        // 2000-02-29 12:34:56 UTC, a leap day in a century leap year.
        assert_eq!(civil_time(951_827_696), (2000, 2, 29, 12, 34, 56));
        // 2026-12-31 23:59:59 UTC.
        assert_eq!(civil_time(1_798_761_599), (2026, 12, 31, 23, 59, 59));
    }

    /// A fake bundle folder (one plugin, the Windows layout) and docs, then both archives read
    /// back: the same names, modes and contents in each.
    #[test]
    fn archives_hold_the_bundles_and_docs() {
        let dir = std::env::temp_dir().join(format!("gel-dist-{}", std::process::id()));
        let bundles = dir.join("bundled");
        let binary = bundles.join("Gel Test.vst3/Contents/x86_64-win");
        std::fs::create_dir_all(&binary).unwrap();
        std::fs::write(bundles.join("Gel Test.clap"), b"clap binary").unwrap();
        std::fs::write(binary.join("Gel Test.vst3"), b"vst3 binary").unwrap();
        std::fs::write(dir.join("README.md"), b"readme").unwrap();
        std::fs::write(dir.join("LICENSE"), b"licence").unwrap();
        let entries = contents(&bundles, &["Gel Test".into()], &dir).unwrap();
        let expected = [
            ("CLAP/Gel Test.clap", 0o755, "clap binary"),
            (
                "VST3/Gel Test.vst3/Contents/x86_64-win/Gel Test.vst3",
                0o755,
                "vst3 binary",
            ),
            ("README.md", 0o644, "readme"),
            ("LICENSE", 0o644, "licence"),
        ];
        let expected: Vec<(String, u32, String)> = expected
            .iter()
            .map(|(n, m, c)| (format!("root/{n}"), *m, c.to_string()))
            .collect();
        let mtime = 1_798_761_599;

        let tgz = dir.join("a.tar.gz");
        write_tar_gz(&tgz, "root", &entries, mtime).unwrap();
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(
            std::fs::File::open(&tgz).unwrap(),
        ));
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            assert_eq!(entry.header().mtime().unwrap(), mtime);
            if entry.header().entry_type().is_dir() {
                dirs.push(name);
                continue;
            }
            let mode = entry.header().mode().unwrap();
            let mut content = String::new();
            entry.read_to_string(&mut content).unwrap();
            files.push((name, mode, content));
        }
        assert_eq!(files, expected);
        assert!(dirs.contains(&"root/VST3/Gel Test.vst3/Contents/x86_64-win/".to_string()));

        let zip_path = dir.join("a.zip");
        write_zip(&zip_path, "root", &entries, mtime).unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
        let mut files = Vec::new();
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).unwrap();
            if file.is_dir() {
                continue;
            }
            let mode = file.unix_mode().unwrap() & 0o777;
            let mut content = String::new();
            file.read_to_string(&mut content).unwrap();
            files.push((file.name().to_string(), mode, content));
        }
        assert_eq!(files, expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
