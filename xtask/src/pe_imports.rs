//! The import check for the Windows plugin DLLs.
//!
//! A DLL cross-built with MinGW can end up importing MinGW's own runtime DLLs
//! (`libgcc_s_seh-1.dll`, `libwinpthread-1.dll`, `libstdc++-6.dll`): it then loads on the
//! build machine's Wine, where they happen to be found, and fails on a user's Windows with "the
//! specified module could not be found". Gel ships no DLLs besides the plugins, so every import
//! must be a DLL that Windows itself provides. This reads the PE import table (with goblin) and
//! fails on anything else; it also checks the file is a 64-bit DLL exporting the plugin entry
//! points, so a bundle never holds the wrong binary.

use std::path::Path;

use goblin::pe::PE;

/// DLLs that every x64 Windows Gel supports (10 and 11) has in `System32`, lower case. This is
/// an allow-list on purpose: a DLL missing from it fails the check and is added here only after
/// confirming it is part of Windows.
const SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "bcrypt.dll",
    // Rust's std imports `ProcessPrng` from it since Rust 1.78 (Windows 10 and later have it).
    "bcryptprimitives.dll",
    // COM's core (Windows 8 and later); the windows crate's COM and WinRT error helpers import it.
    "combase.dll",
    "comctl32.dll",
    "comdlg32.dll",
    "crypt32.dll",
    "d3d11.dll",
    "dwmapi.dll",
    "dxgi.dll",
    "gdi32.dll",
    "imm32.dll",
    "kernel32.dll",
    // The C runtime MinGW's x86_64-pc-windows-gnu target links against; part of Windows.
    "msvcrt.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "opengl32.dll",
    "rpcrt4.dll",
    "shcore.dll",
    "shell32.dll",
    "shlwapi.dll",
    "ucrtbase.dll",
    "user32.dll",
    "userenv.dll",
    "uxtheme.dll",
    "version.dll",
    "winmm.dll",
    "ws2_32.dll",
];

/// What a DLL imports and exports, as read from its PE headers.
#[derive(Debug)]
pub struct PeReport {
    /// Names of the imported DLLs, as written in the import table.
    pub imports: Vec<String>,
    /// Names of the exported symbols.
    pub exports: Vec<String>,
}

/// Whether Windows itself provides `dll` (case-insensitive): one of [`SYSTEM_DLLS`], or an API
/// set (`api-ms-win-*`, `ext-ms-win-*`), which the Windows loader resolves to its own DLLs.
pub fn is_system_dll(dll: &str) -> bool {
    let dll = dll.to_ascii_lowercase();
    dll.starts_with("api-ms-win-")
        || dll.starts_with("ext-ms-win-")
        || SYSTEM_DLLS.contains(&dll.as_str())
}

/// Read the import and export tables of the 64-bit DLL in `bytes`. Fails on anything else and
/// on a delay-load import table, which goblin does not read (so it could hide an import).
pub fn read(bytes: &[u8]) -> Result<PeReport, String> {
    let pe = PE::parse(bytes).map_err(|e| format!("not a PE file: {e}"))?;
    if !pe.is_lib {
        return Err("a PE executable, not a DLL".into());
    }
    if !pe.is_64 {
        return Err("a 32-bit DLL, not x64".into());
    }
    let delay_imports = pe
        .header
        .optional_header
        .and_then(|h| h.data_directories.get_delay_import_descriptor().copied())
        .is_some_and(|d| d.size > 0);
    if delay_imports {
        return Err("has delay-loaded imports, which this check cannot read".into());
    }
    Ok(PeReport {
        imports: pe.libraries.iter().map(|l| l.to_string()).collect(),
        exports: pe
            .exports
            .iter()
            .filter_map(|e| e.name.map(str::to_string))
            .collect(),
    })
}

/// Check the plugin DLL at `path`: a 64-bit DLL that imports only Windows' own DLLs and exports
/// every symbol in `required_exports`. Returns what it read, for the caller to print.
pub fn check_plugin(path: &Path, required_exports: &[&str]) -> Result<PeReport, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let report = read(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let foreign: Vec<&str> = report
        .imports
        .iter()
        .map(String::as_str)
        .filter(|dll| !is_system_dll(dll))
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "{} imports DLLs that Windows does not provide: {} (a MinGW runtime DLL means \
             something linked it dynamically; the bundle would not load on a user's machine)",
            path.display(),
            foreign.join(", ")
        ));
    }
    let missing: Vec<&str> = required_exports
        .iter()
        .copied()
        .filter(|name| !report.exports.iter().any(|e| e == name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} does not export {}",
            path.display(),
            missing.join(", ")
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_dlls_pass_in_any_case() {
        assert!(is_system_dll("KERNEL32.dll"));
        assert!(is_system_dll("bcryptprimitives.dll"));
        assert!(is_system_dll("api-ms-win-core-synch-l1-2-0.dll"));
    }

    #[test]
    fn mingw_runtime_dlls_fail() {
        for dll in [
            "libgcc_s_seh-1.dll",
            "libwinpthread-1.dll",
            "libstdc++-6.dll",
            "zlib1.dll",
        ] {
            assert!(!is_system_dll(dll), "{dll} passed");
        }
    }

    /// The smallest PE32+ DLL goblin reads: headers and one section holding an import table
    /// naming `imports` (one function each) and an export table naming `exports`.
    fn tiny_dll(imports: &[&str], exports: &[&str]) -> Vec<u8> {
        const SECTION_RVA: u32 = 0x1000;
        const FILE_ALIGN: usize = 0x200;
        fn put(section: &mut Vec<u8>, bytes: &[u8]) -> u32 {
            section.resize(section.len().next_multiple_of(8), 0);
            let rva = SECTION_RVA + section.len() as u32;
            section.extend_from_slice(bytes);
            rva
        }
        fn patch(section: &mut [u8], at: usize, value: u32) {
            section[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        let cstr = |s: &str| [s.as_bytes(), b"\0"].concat();

        // Import descriptors (20 bytes each, the last one all zero), then what they point at.
        let import_dir_size = (imports.len() as u32 + 1) * 20;
        let mut section = vec![0u8; import_dir_size as usize];
        for (i, dll) in imports.iter().enumerate() {
            let hint_name = put(&mut section, b"\0\0f\0");
            let thunks: Vec<u8> = [u64::from(hint_name), 0]
                .iter()
                .flat_map(|t| t.to_le_bytes())
                .collect();
            let lookup = put(&mut section, &thunks);
            let address = put(&mut section, &thunks);
            let name = put(&mut section, &cstr(dll));
            patch(&mut section, i * 20, lookup);
            patch(&mut section, i * 20 + 12, name);
            patch(&mut section, i * 20 + 16, address);
        }
        let mut export_dir = (0, 0);
        if !exports.is_empty() {
            let n = exports.len() as u32;
            let names: Vec<u8> = exports
                .iter()
                .flat_map(|e| put(&mut section, &cstr(e)).to_le_bytes())
                .collect();
            let functions: Vec<u8> = (0..n).flat_map(|_| SECTION_RVA.to_le_bytes()).collect();
            let functions = put(&mut section, &functions);
            let names = put(&mut section, &names);
            let ordinals: Vec<u8> = (0..n as u16).flat_map(u16::to_le_bytes).collect();
            let ordinals = put(&mut section, &ordinals);
            let dll_name = put(&mut section, b"tiny.dll\0");
            let dir = put(&mut section, &[0; 40]);
            let at = (dir - SECTION_RVA) as usize;
            for (offset, value) in [(12, dll_name), (16, 1), (20, n), (24, n)] {
                patch(&mut section, at + offset, value);
            }
            for (offset, value) in [(28, functions), (32, names), (36, ordinals)] {
                patch(&mut section, at + offset, value);
            }
            export_dir = (dir, 40);
        }
        section.resize(section.len().next_multiple_of(FILE_ALIGN), 0);

        let mut file = vec![0u8; FILE_ALIGN];
        file[0..2].copy_from_slice(b"MZ");
        file[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        let mut headers = Vec::new();
        headers.extend_from_slice(b"PE\0\0");
        // COFF: x86-64, one section, 240-byte optional header, executable image | DLL.
        for v in [0x8664u16, 1] {
            headers.extend_from_slice(&v.to_le_bytes());
        }
        headers.extend_from_slice(&[0; 12]);
        for v in [240u16, 0x2022] {
            headers.extend_from_slice(&v.to_le_bytes());
        }
        // PE32+ optional header: standard fields, Windows fields, 16 data directories.
        headers.extend_from_slice(&0x20bu16.to_le_bytes());
        headers.extend_from_slice(&[0; 22]);
        headers.extend_from_slice(&0x1_8000_0000u64.to_le_bytes());
        for v in [0x1000u32, FILE_ALIGN as u32] {
            headers.extend_from_slice(&v.to_le_bytes());
        }
        headers.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
        let image_size = SECTION_RVA + (section.len() as u32).next_multiple_of(0x1000);
        for v in [image_size, FILE_ALIGN as u32, 0] {
            headers.extend_from_slice(&v.to_le_bytes());
        }
        for v in [2u16, 0] {
            headers.extend_from_slice(&v.to_le_bytes());
        }
        headers.extend_from_slice(&[0; 32 + 4]);
        headers.extend_from_slice(&16u32.to_le_bytes());
        let mut directories = [(0u32, 0u32); 16];
        directories[0] = export_dir;
        directories[1] = (SECTION_RVA, import_dir_size);
        for (rva, size) in directories {
            headers.extend_from_slice(&rva.to_le_bytes());
            headers.extend_from_slice(&size.to_le_bytes());
        }
        // The one section header.
        headers.extend_from_slice(b".data\0\0\0");
        for v in [
            section.len() as u32,
            SECTION_RVA,
            section.len() as u32,
            FILE_ALIGN as u32,
            0,
            0,
            0,
            0xC000_0040,
        ] {
            headers.extend_from_slice(&v.to_le_bytes());
        }
        file[0x40..0x40 + headers.len()].copy_from_slice(&headers);
        file.extend_from_slice(&section);
        file
    }

    #[test]
    fn reads_imports_and_exports() {
        let dll = tiny_dll(&["KERNEL32.dll", "libgcc_s_seh-1.dll"], &["clap_entry"]);
        let report = read(&dll).unwrap();
        assert_eq!(report.imports, ["KERNEL32.dll", "libgcc_s_seh-1.dll"]);
        assert_eq!(report.exports, ["clap_entry"]);
    }

    #[test]
    fn check_plugin_fails_on_foreign_imports_and_missing_exports() {
        let dir = std::env::temp_dir().join(format!("gel-pe-imports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let entries = ["clap_entry", "GetPluginFactory"];
        let check = |name: &str, imports: &[&str], exports: &[&str]| {
            let path = dir.join(name);
            std::fs::write(&path, tiny_dll(imports, exports)).unwrap();
            check_plugin(&path, &entries)
        };
        assert!(check("good.dll", &["kernel32.dll", "USER32.dll"], &entries).is_ok());
        let error = check(
            "runtime.dll",
            &["kernel32.dll", "libwinpthread-1.dll"],
            &entries,
        )
        .unwrap_err();
        assert!(error.contains("libwinpthread-1.dll"), "{error}");
        let error = check("no-vst3.dll", &["kernel32.dll"], &["clap_entry"]).unwrap_err();
        assert!(error.contains("GetPluginFactory"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn non_pe_bytes_fail() {
        assert!(read(b"\x7fELF not a DLL").is_err());
        assert!(read(&[]).is_err());
    }
}
