//! The named shared memory segment: POSIX `shm_open` + `mmap` on unix, a named file mapping
//! (`CreateFileMappingW` + `MapViewOfFile`) on Windows, plain heap memory for in-process tests.
//!
//! Opening never panics: every failure is a human-readable reason that ends up in
//! [`LinkStatus::NotShared`](crate::LinkStatus::NotShared).

use crate::layout::{Header, Slot, HEADER_SIZE, SEGMENT_SIZE, SLOT_COUNT, SLOT_SIZE};

/// A mapped segment. The mapping stays valid until drop; the named object itself is never
/// removed (another process may open it a moment later), it is a 115 KB object per user.
pub(crate) struct Segment {
    base: *mut u8,
    backing: Backing,
    name: String,
}

// SAFETY: the segment is only accessed through atomics (`Header`, `Slot`), and the mapping is
// owned by this value until drop.
unsafe impl Send for Segment {}
unsafe impl Sync for Segment {}

enum Backing {
    /// Heap memory standing in for shared memory (unit tests).
    #[allow(dead_code)]
    Heap(Box<[Slot]>),
    #[cfg(unix)]
    Posix { len: usize },
    #[cfg(windows)]
    Windows {
        handle: windows_sys::Win32::Foundation::HANDLE,
    },
}

impl Segment {
    /// A private in-memory segment with the real layout (tests).
    #[cfg(test)]
    pub fn open_in_memory_for_tests() -> Self {
        // One extra slot-sized element holds the header (HEADER_SIZE ≤ SLOT_SIZE).
        let mut mem: Box<[Slot]> = (0..SLOT_COUNT + 1).map(|_| Slot::default()).collect();
        let base = mem.as_mut_ptr() as *mut u8;
        // SAFETY: base points at SLOT_SIZE·(SLOT_COUNT+1) ≥ SEGMENT_SIZE zeroed bytes, aligned
        // to 64.
        let header = unsafe { &*(base as *const Header) };
        header.initialise();
        Self {
            base,
            backing: Backing::Heap(mem),
            name: "in-memory".into(),
        }
    }

    /// The segment's name as the OS knows it (for messages).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn header(&self) -> &Header {
        // SAFETY: base is valid for SEGMENT_SIZE bytes, 64-byte aligned (page or Slot aligned).
        unsafe { &*(self.base as *const Header) }
    }

    pub fn slot(&self, index: usize) -> &Slot {
        assert!(index < SLOT_COUNT);
        // SAFETY: as above; slot `index` lies within SEGMENT_SIZE and is 64-byte aligned
        // (HEADER_SIZE and SLOT_SIZE are multiples of 64).
        unsafe { &*(self.base.add(HEADER_SIZE + index * SLOT_SIZE) as *const Slot) }
    }

    /// Open (or create) the segment called `name` (without the platform prefix).
    pub fn open(name: &str) -> Result<Self, String> {
        #[cfg(unix)]
        {
            posix::open(name)
        }
        #[cfg(windows)]
        {
            windows::open(name)
        }
        #[cfg(not(any(unix, windows)))]
        {
            let _ = name;
            Err("shared memory is not supported on this platform".into())
        }
    }

    /// After mapping: make sure the header is initialised (the creator writes it; if it died
    /// before doing so, whoever comes next does, the values are the same) and matches.
    fn finish_open(self, created: bool) -> Result<Self, String> {
        let header = self.header();
        if created {
            header.initialise();
        } else {
            // The creator writes the header right after mapping; give it a moment.
            let start = std::time::Instant::now();
            while header.magic.load(std::sync::atomic::Ordering::Acquire) == 0
                && start.elapsed() < std::time::Duration::from_millis(200)
            {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            let untouched = header.magic.load(std::sync::atomic::Ordering::Acquire) == 0
                && header.version.load(std::sync::atomic::Ordering::Relaxed) == 0;
            if untouched {
                header.initialise();
            }
        }
        header.check()?;
        Ok(self)
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        match &self.backing {
            Backing::Heap(_) => {}
            #[cfg(unix)]
            Backing::Posix { len } => {
                // SAFETY: base/len are exactly what mmap returned.
                unsafe {
                    libc::munmap(self.base as *mut libc::c_void, *len);
                }
            }
            #[cfg(windows)]
            Backing::Windows { handle } => {
                use windows_sys::Win32::Foundation::CloseHandle;
                use windows_sys::Win32::System::Memory::{
                    UnmapViewOfFile, MEMORY_MAPPED_VIEW_ADDRESS,
                };
                // SAFETY: base is the view MapViewOfFile returned, handle the mapping.
                unsafe {
                    UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS {
                        Value: self.base as *mut core::ffi::c_void,
                    });
                    CloseHandle(*handle);
                }
            }
        }
    }
}

#[cfg(unix)]
pub(crate) mod posix {
    use super::*;
    use std::ffi::CString;
    use std::io;

    /// POSIX names are `/name`; the caller's name already carries the uid.
    pub fn os_name(name: &str) -> String {
        format!("/{name}")
    }

    pub fn open(name: &str) -> Result<Segment, String> {
        let os_name = os_name(name);
        let c_name = CString::new(os_name.clone())
            .map_err(|_| format!("invalid shared memory name {os_name:?}"))?;
        // SAFETY: plain libc calls on a valid C string; every result is checked.
        unsafe {
            // Exclusive create first, so exactly one process initialises the header. 0600:
            // only this user may read or write (umask can only remove bits).
            let mut created = true;
            let mut fd = libc::shm_open(
                c_name.as_ptr(),
                libc::O_RDWR | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                0o600 as libc::mode_t,
            );
            if fd < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) {
                created = false;
                fd = libc::shm_open(c_name.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC, 0);
            }
            if fd < 0 {
                return Err(format!(
                    "cannot create the shared memory segment {os_name}: {}",
                    io::Error::last_os_error()
                ));
            }
            let result = map(fd, &os_name, created);
            libc::close(fd);
            if result.is_err() && created {
                // Do not leave a half-made segment behind for the next process.
                libc::shm_unlink(c_name.as_ptr());
            }
            result.and_then(|segment| segment.finish_open(created))
        }
    }

    /// Check ownership and permissions, size a new segment, map it.
    unsafe fn map(fd: libc::c_int, os_name: &str, created: bool) -> Result<Segment, String> {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(fd, &mut st) != 0 {
            return Err(format!(
                "cannot inspect the shared memory segment {os_name}: {}",
                io::Error::last_os_error()
            ));
        }
        if st.st_uid != libc::geteuid() {
            return Err(format!(
                "the shared memory segment {os_name} belongs to another user (uid {}); \
                 ignored",
                st.st_uid
            ));
        }
        if st.st_mode & 0o077 != 0 {
            return Err(format!(
                "the shared memory segment {os_name} is accessible to other users (mode {:o}); \
                 ignored",
                st.st_mode & 0o777
            ));
        }
        if created {
            if libc::ftruncate(fd, SEGMENT_SIZE as libc::off_t) != 0 {
                return Err(format!(
                    "cannot size the shared memory segment {os_name}: {}",
                    io::Error::last_os_error()
                ));
            }
        } else {
            // The creator may be between shm_open and ftruncate: wait a little for the size.
            let start = std::time::Instant::now();
            while st.st_size == 0 && start.elapsed() < std::time::Duration::from_millis(200) {
                std::thread::sleep(std::time::Duration::from_millis(2));
                libc::fstat(fd, &mut st);
            }
            if (st.st_size as usize) < SEGMENT_SIZE {
                // Another layout (or a broken segment): read its header if there is one, so
                // the message says which version made it.
                if st.st_size as usize >= HEADER_SIZE {
                    let p = libc::mmap(
                        std::ptr::null_mut(),
                        HEADER_SIZE,
                        libc::PROT_READ,
                        libc::MAP_SHARED,
                        fd,
                        0,
                    );
                    if p != libc::MAP_FAILED {
                        let message = (*(p as *const Header)).check().err();
                        libc::munmap(p, HEADER_SIZE);
                        if let Some(message) = message {
                            return Err(message);
                        }
                    }
                }
                return Err(format!(
                    "the shared memory segment {os_name} has {} bytes, not {SEGMENT_SIZE}: made \
                     by another Gel version; ignored",
                    st.st_size
                ));
            }
        }
        let p = libc::mmap(
            std::ptr::null_mut(),
            SEGMENT_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(format!(
                "cannot map the shared memory segment {os_name}: {}",
                io::Error::last_os_error()
            ));
        }
        Ok(Segment {
            base: p as *mut u8,
            backing: Backing::Posix { len: SEGMENT_SIZE },
            name: os_name.to_string(),
        })
    }

    /// Remove a named segment (tests clean up their private namespaces with it).
    #[cfg(test)]
    pub fn unlink(name: &str) {
        if let Ok(c) = CString::new(os_name(name)) {
            // SAFETY: valid C string.
            unsafe {
                libc::shm_unlink(c.as_ptr());
            }
        }
    }
}

#[cfg(windows)]
pub(crate) mod windows {
    use super::*;
    use windows_sys::Win32::Foundation::{
        CloseHandle, GetLastError, ERROR_ALREADY_EXISTS, INVALID_HANDLE_VALUE,
    };
    use windows_sys::Win32::System::Memory::{
        CreateFileMappingW, MapViewOfFile, VirtualQuery, FILE_MAP_ALL_ACCESS,
        MEMORY_BASIC_INFORMATION, PAGE_READWRITE,
    };

    /// `Local\` puts the object in the caller's logon session namespace; the default security
    /// descriptor (no explicit one passed) grants access to the creating user, SYSTEM and
    /// administrators only.
    pub fn os_name(name: &str) -> String {
        format!("Local\\{name}")
    }

    pub fn open(name: &str) -> Result<Segment, String> {
        let os_name = os_name(name);
        let wide: Vec<u16> = os_name.encode_utf16().chain(std::iter::once(0)).collect();
        // SAFETY: Win32 calls with a valid NUL-terminated name; every result is checked.
        unsafe {
            let handle = CreateFileMappingW(
                INVALID_HANDLE_VALUE,
                std::ptr::null(),
                PAGE_READWRITE,
                0,
                SEGMENT_SIZE as u32,
                wide.as_ptr(),
            );
            if handle.is_null() {
                return Err(format!(
                    "cannot create the shared memory segment {os_name}: {}",
                    std::io::Error::last_os_error()
                ));
            }
            let created = GetLastError() != ERROR_ALREADY_EXISTS;
            // Size 0 maps the whole section, which for another layout may be smaller.
            let view = MapViewOfFile(handle, FILE_MAP_ALL_ACCESS, 0, 0, 0);
            if view.Value.is_null() {
                let e = std::io::Error::last_os_error();
                CloseHandle(handle);
                return Err(format!(
                    "cannot map the shared memory segment {os_name}: {e}"
                ));
            }
            let segment = Segment {
                base: view.Value as *mut u8,
                backing: Backing::Windows { handle },
                name: os_name.clone(),
            };
            let mut info: MEMORY_BASIC_INFORMATION = std::mem::zeroed();
            let got = VirtualQuery(
                view.Value,
                &mut info,
                std::mem::size_of::<MEMORY_BASIC_INFORMATION>(),
            );
            if got == 0 || info.RegionSize < SEGMENT_SIZE {
                if got != 0 && info.RegionSize >= HEADER_SIZE {
                    segment.header().check()?;
                }
                return Err(format!(
                    "the shared memory segment {os_name} is smaller than {SEGMENT_SIZE} bytes: \
                     made by another Gel version; ignored"
                ));
            }
            segment.finish_open(created)
        }
    }
}

/// Both backends: the same object seen through two mappings, and another layout refused.
#[cfg(test)]
mod portable_tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// A segment name private to this test and process.
    pub(super) fn test_name(tag: &str) -> String {
        format!("gel-link-unit-{}-{tag}", std::process::id())
    }

    /// Remove a named segment (a Windows mapping goes with its last handle by itself).
    pub(super) fn remove(name: &str) {
        #[cfg(unix)]
        posix::unlink(name);
        #[cfg(not(unix))]
        let _ = name;
    }

    #[test]
    fn two_mappings_share_one_object() {
        let name = test_name("shared");
        remove(&name);
        let a = Segment::open(&name).expect("create");
        let b = Segment::open(&name).expect("open existing");
        // A write through one mapping is seen through the other.
        a.slot(3).owner.store(77, Ordering::Release);
        assert_eq!(b.slot(3).owner.load(Ordering::Acquire), 77);
        b.slot(127).heartbeat_ms.store(5, Ordering::Release);
        assert_eq!(a.slot(127).heartbeat_ms.load(Ordering::Acquire), 5);
        drop((a, b));
        remove(&name);
    }

    #[test]
    fn another_layout_version_is_ignored_with_a_message() {
        let name = test_name("version");
        remove(&name);
        let a = Segment::open(&name).expect("create");
        a.header().version.store(99, Ordering::Release);
        let err = Segment::open(&name).err().expect("must refuse");
        assert!(err.contains("another Gel version"), "{err}");
        assert!(err.contains("layout 99"), "{err}");
        // Same version, other slot size: also refused.
        a.header().initialise();
        a.header().slot_size.store(512, Ordering::Release);
        let err = Segment::open(&name).err().expect("must refuse");
        assert!(err.contains("512 bytes"), "{err}");
        drop(a);
        remove(&name);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::portable_tests::test_name;
    use super::*;
    use std::ffi::CString;
    use std::sync::atomic::Ordering;

    fn mode_of(name: &str) -> u32 {
        let c = CString::new(posix::os_name(name)).unwrap();
        // SAFETY: plain libc calls, checked.
        unsafe {
            let fd = libc::shm_open(c.as_ptr(), libc::O_RDONLY, 0);
            assert!(fd >= 0);
            let mut st: libc::stat = std::mem::zeroed();
            assert_eq!(libc::fstat(fd, &mut st), 0);
            libc::close(fd);
            st.st_mode as u32 & 0o777
        }
    }

    #[test]
    fn created_with_user_only_permissions() {
        let name = test_name("perm");
        posix::unlink(&name);
        // Even under a permissive umask the mode is exactly 0600.
        // SAFETY: umask has no preconditions; restored below.
        let old = unsafe { libc::umask(0) };
        let a = Segment::open(&name);
        unsafe { libc::umask(old) };
        let a = a.expect("create");
        assert_eq!(mode_of(&name), 0o600);
        drop(a);
        posix::unlink(&name);
    }

    #[test]
    fn a_smaller_segment_from_an_older_layout_is_ignored() {
        let name = test_name("small");
        posix::unlink(&name);
        let c = CString::new(posix::os_name(&name)).unwrap();
        // SAFETY: plain libc calls, checked.
        unsafe {
            let fd = libc::shm_open(c.as_ptr(), libc::O_RDWR | libc::O_CREAT, 0o600);
            assert!(fd >= 0);
            assert_eq!(libc::ftruncate(fd, 4096), 0);
            let p = libc::mmap(
                std::ptr::null_mut(),
                HEADER_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            let h = &*(p as *const Header);
            h.initialise();
            h.version.store(0, Ordering::Relaxed);
            libc::munmap(p, HEADER_SIZE);
            libc::close(fd);
        }
        let err = Segment::open(&name).err().expect("must refuse");
        assert!(err.contains("another Gel version"), "{err}");
        posix::unlink(&name);
    }

    #[test]
    fn a_segment_others_can_read_is_refused() {
        let name = test_name("mode");
        posix::unlink(&name);
        let c = CString::new(posix::os_name(&name)).unwrap();
        // SAFETY: plain libc calls, checked.
        unsafe {
            let fd = libc::shm_open(c.as_ptr(), libc::O_RDWR | libc::O_CREAT, 0o600);
            assert!(fd >= 0);
            assert_eq!(libc::fchmod(fd, 0o644), 0);
            libc::close(fd);
        }
        let err = Segment::open(&name).err().expect("must refuse");
        assert!(err.contains("accessible to other users"), "{err}");
        posix::unlink(&name);
    }

    #[test]
    fn cannot_create_gives_the_reason() {
        // Longer than NAME_MAX: shm_open fails, the reason is the OS error.
        let name = "x".repeat(300);
        let err = Segment::open(&name).err().expect("must fail");
        assert!(
            err.starts_with("cannot create the shared memory segment"),
            "{err}"
        );
    }
}
