//! Which DAW session an instance belongs to.
//!
//! The session key names the DAW process: this process, or — when this process is a known
//! plugin bridge / sandbox host that the DAW starts as a child — its parent (repeated while the
//! parent is a bridge too, at most four levels). Instances with the same key see each other.
//!
//! * Linux: the names come from `/proc/<pid>/exe` (falling back to `/proc/<pid>/comm`), the
//!   parent from `/proc/<pid>/stat`; the key mixes the DAW's pid with its start time (field 22
//!   of `stat`), so two DAWs in different pid namespaces, or a pid reused after a crash, never
//!   share a key.
//! * Windows: a Toolhelp snapshot gives each process's executable name and parent pid; the key
//!   is the DAW's pid.
//! * macOS and other unix: this process's own name decides, the parent is `getppid()`.
//!
//! Override (tests, or a host we do not know): `GEL_LINK_SESSION=<number>` sets the key.

/// Executable names (lower-case, only letters and digits kept, prefix match) of processes that
/// DAWs start to run plugins in: Bitwig's plugin host (`BitwigPluginHost-X64-SSE41`,
/// `BitwigPluginHost64.exe`), REAPER's bridge/firewall host (`reaper_host64`, `reaper_host32`,
/// `reaper_host_x86_64`), yabridge's Wine host (`yabridge-host.exe`, `yabridge-host-32.exe`),
/// Carla's bridges (`carla-bridge-native`, …) and FL Studio's bridge (`ilbridge.exe`).
pub(crate) const BRIDGE_PREFIXES: &[&str] = &[
    "bitwigpluginhost",
    "reaperhost",
    "yabridgehost",
    "carlabridge",
    "ilbridge",
];

/// Deepest chain of bridges followed (a bridge inside a bridge inside…).
const MAX_BRIDGE_DEPTH: usize = 4;

/// Whether an executable name (a path, with or without `.exe`) is a known plugin bridge.
pub(crate) fn is_bridge(exe: &str) -> bool {
    let file = exe.rsplit(['/', '\\']).next().unwrap_or(exe);
    let normal: String = file
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    BRIDGE_PREFIXES.iter().any(|p| normal.starts_with(p))
}

/// One process as the session logic needs it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ProcessInfo {
    pub pid: u32,
    pub exe: String,
    pub parent: Option<u32>,
    /// Start time (any unit, stable for the process's life), when the OS gives one.
    pub start: u64,
}

/// The session's process: walk from `own` up through bridges, using `lookup` for parents.
pub(crate) fn session_process(
    own: ProcessInfo,
    lookup: impl Fn(u32) -> Option<ProcessInfo>,
) -> ProcessInfo {
    let mut current = own;
    for _ in 0..MAX_BRIDGE_DEPTH {
        if !is_bridge(&current.exe) {
            break;
        }
        match current.parent.and_then(&lookup) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    current
}

/// The key of a session process: pid and start time mixed (splitmix64 finaliser), never 0.
pub(crate) fn key_of(p: &ProcessInfo) -> u64 {
    let mut z = (p.pid as u64) ^ p.start.rotate_left(32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    z.max(1)
}

/// This process's session key (computed once per process by the caller).
pub(crate) fn current_key() -> u64 {
    if let Some(key) = std::env::var("GEL_LINK_SESSION")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        return key.max(1);
    }
    key_of(&session_process(own_process(), lookup))
}

/// The session process's pid and executable, for the status line.
pub(crate) fn describe() -> String {
    let p = session_process(own_process(), lookup);
    let file = p
        .exe
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&p.exe)
        .to_string();
    format!("{file} (pid {})", p.pid)
}

#[cfg(target_os = "linux")]
fn lookup(pid: u32) -> Option<ProcessInfo> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid … starttime(22) …": comm may hold spaces and parentheses, so
    // split after the last ')'.
    let close = stat.rfind(')')?;
    let comm = stat[stat.find('(')? + 1..close].to_string();
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let parent = fields.get(1).and_then(|s| s.parse::<u32>().ok());
    let start = fields
        .get(19)
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or(comm);
    Some(ProcessInfo {
        pid,
        exe,
        parent: parent.filter(|&p| p != 0),
        start,
    })
}

#[cfg(target_os = "linux")]
fn own_process() -> ProcessInfo {
    let pid = std::process::id();
    lookup(pid).unwrap_or_else(|| ProcessInfo {
        pid,
        exe: exe_of_self(),
        parent: None,
        start: 0,
    })
}

#[cfg(all(unix, not(target_os = "linux")))]
fn lookup(pid: u32) -> Option<ProcessInfo> {
    // No portable way to name another process here: the parent is the session.
    Some(ProcessInfo {
        pid,
        exe: String::new(),
        parent: None,
        start: 0,
    })
}

#[cfg(all(unix, not(target_os = "linux")))]
fn own_process() -> ProcessInfo {
    // SAFETY: getppid has no preconditions.
    let parent = unsafe { libc::getppid() } as u32;
    ProcessInfo {
        pid: std::process::id(),
        exe: exe_of_self(),
        parent: Some(parent).filter(|&p| p != 0),
        start: 0,
    }
}

#[cfg(windows)]
fn snapshot() -> Vec<ProcessInfo> {
    use windows_sys::Win32::Foundation::{CloseHandle, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W,
        TH32CS_SNAPPROCESS,
    };
    let mut out = Vec::new();
    // SAFETY: Toolhelp calls with a correctly sized entry; the handle is closed.
    unsafe {
        let snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
        if snap == INVALID_HANDLE_VALUE {
            return out;
        }
        let mut entry: PROCESSENTRY32W = std::mem::zeroed();
        entry.dwSize = std::mem::size_of::<PROCESSENTRY32W>() as u32;
        let mut ok = Process32FirstW(snap, &mut entry) != 0;
        while ok {
            let len = entry
                .szExeFile
                .iter()
                .position(|&c| c == 0)
                .unwrap_or(entry.szExeFile.len());
            out.push(ProcessInfo {
                pid: entry.th32ProcessID,
                exe: String::from_utf16_lossy(&entry.szExeFile[..len]),
                parent: Some(entry.th32ParentProcessID).filter(|&p| p != 0),
                start: 0,
            });
            ok = Process32NextW(snap, &mut entry) != 0;
        }
        CloseHandle(snap);
    }
    out
}

#[cfg(windows)]
fn lookup(pid: u32) -> Option<ProcessInfo> {
    snapshot().into_iter().find(|p| p.pid == pid)
}

#[cfg(windows)]
fn own_process() -> ProcessInfo {
    let pid = std::process::id();
    lookup(pid).unwrap_or_else(|| ProcessInfo {
        pid,
        exe: exe_of_self(),
        parent: None,
        start: 0,
    })
}

#[cfg(not(any(unix, windows)))]
fn lookup(_pid: u32) -> Option<ProcessInfo> {
    None
}

#[cfg(not(any(unix, windows)))]
fn own_process() -> ProcessInfo {
    ProcessInfo {
        pid: std::process::id(),
        exe: exe_of_self(),
        parent: None,
        start: 0,
    }
}

#[allow(dead_code)]
fn exe_of_self() -> String {
    std::env::current_exe()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(pid: u32, exe: &str, parent: Option<u32>) -> ProcessInfo {
        ProcessInfo {
            pid,
            exe: exe.into(),
            parent,
            start: pid as u64 * 7,
        }
    }

    #[test]
    fn bridge_names() {
        for name in [
            "/opt/bitwig-studio/bin/BitwigPluginHost-X64-SSE41",
            "C:\\Program Files\\Bitwig Studio\\bin\\BitwigPluginHost64.exe",
            "/opt/REAPER/reaper_host64",
            "reaper_host_x86_64",
            "C:\\users\\me\\yabridge-host.exe",
            "carla-bridge-native",
            "ILBridge.exe",
        ] {
            assert!(is_bridge(name), "{name}");
        }
        for name in [
            "/usr/bin/bitwig-studio",
            "/opt/REAPER/reaper",
            "Ableton Live 12.exe",
        ] {
            assert!(!is_bridge(name), "{name}");
        }
    }

    #[test]
    fn a_daw_hosting_in_process_is_its_own_session() {
        let daw = proc(100, "/usr/bin/reaper", Some(1));
        let s = session_process(daw.clone(), |_| panic!("no lookup needed"));
        assert_eq!(s, daw);
    }

    #[test]
    fn a_bridge_belongs_to_its_parent_daw() {
        let table = [
            proc(100, "/opt/bitwig/bitwig-studio", Some(1)),
            proc(200, "/opt/bitwig/BitwigPluginHost-X64-SSE41", Some(100)),
            proc(300, "/opt/bitwig/BitwigPluginHost-X64-SSE41", Some(200)),
        ];
        let lookup = |pid: u32| table.iter().find(|p| p.pid == pid).cloned();
        assert_eq!(session_process(table[1].clone(), lookup).pid, 100);
        // Nested bridges resolve to the DAW too.
        assert_eq!(session_process(table[2].clone(), lookup).pid, 100);
        // Two sandboxes of one DAW share the key; the DAW itself has it as well.
        assert_eq!(
            key_of(&session_process(table[1].clone(), lookup)),
            key_of(&table[0])
        );
    }

    #[test]
    fn two_daws_are_two_sessions() {
        let a = proc(100, "/usr/bin/reaper", Some(1));
        let b = proc(101, "/usr/bin/reaper", Some(1));
        assert_ne!(key_of(&a), key_of(&b));
        // The same pid with another start time (pid reused, or another pid namespace).
        let mut a2 = a.clone();
        a2.start += 1;
        assert_ne!(key_of(&a), key_of(&a2));
    }

    #[test]
    fn unknown_parent_stops_the_walk() {
        let bridge = proc(200, "reaper_host64", Some(999));
        assert_eq!(session_process(bridge.clone(), |_| None).pid, 200);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_process_is_found_in_proc() {
        let me = own_process();
        assert_eq!(me.pid, std::process::id());
        assert!(me.parent.is_some());
        assert!(me.start > 0);
    }
}
