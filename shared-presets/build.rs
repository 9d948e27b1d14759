//! Compiles the factory presets into the crate: lists `presets/<plugin>/<category>/<name>.toml`
//! at the workspace root and writes `factory_list.rs`, one `include_str!` per file, so the
//! plugins need no install step and the files in the repository stay the single source.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("..").join("presets");
    println!("cargo:rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    for plugin in sorted_dirs(&root) {
        println!("cargo:rerun-if-changed={}", plugin.display());
        for category in sorted_dirs(&plugin) {
            println!("cargo:rerun-if-changed={}", category.display());
            for file in sorted_entries(&category) {
                if file.extension().and_then(|e| e.to_str()) == Some("toml") {
                    println!("cargo:rerun-if-changed={}", file.display());
                    files.push((name_of(&plugin), name_of(&category), file));
                }
            }
        }
    }

    let mut out = String::from("pub static FACTORY: &[FactoryPreset] = &[\n");
    for (plugin, category, file) in &files {
        let path = file.canonicalize().expect("preset path");
        writeln!(
            out,
            "    FactoryPreset {{ plugin: {plugin:?}, folder: {category:?}, file: {:?}, text: include_str!({:?}) }},",
            file.file_stem().unwrap().to_string_lossy(),
            path.to_string_lossy(),
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(dest.join("factory_list.rs"), out).expect("write factory_list.rs");
}

fn name_of(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    entries.sort();
    entries
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    sorted_entries(dir)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect()
}
