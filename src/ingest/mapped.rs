//! Plain input files read through a memory map: the block engine parses ranges of the map instead
//! of copying every byte out of the kernel's page cache.
//!
//! Why: on the 20M-event benchmark (260 MB) the `read` copies were a twentieth of the CPU time, and
//! they ran under the engine's read lock. A map costs a page fault per 64 KiB (the kernel maps pages
//! around the faulting one that are already cached) and no copy.
//!
//! Memory: pages of a file map count in the resident set once touched, so each block's pages are
//! given back ([`release`]) as soon as its worker is done with it; resident input stays at a few
//! blocks, as with reads.
//!
//! A file that shrinks while it is mapped (a log rotated with `copytruncate`) makes the next access
//! past its new end raise `SIGBUS`. keyplan then prints which file changed and exits with code 2
//! instead of dying from the signal ([`Map::new`] installs the handler).
//!
//! Only regular files on Linux are mapped; anything else (pipes, standard input, gzip, other
//! systems, a file the kernel will not map) is read as before.

use std::fs::File;

/// A read-only, private map of a whole file.
#[derive(Debug)]
pub struct Map {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the map is read-only and never changes (a private mapping of a file keyplan does not write),
// so it can be read from any thread.
unsafe impl Send for Map {}
unsafe impl Sync for Map {}

impl Map {
    /// Maps `file` (named `name` in the message a truncation prints), or `None` when it is not a
    /// regular file, is empty, or cannot be mapped: the caller then reads it.
    #[cfg(target_os = "linux")]
    pub fn new(file: &File, name: &str) -> Option<Map> {
        use std::os::unix::io::AsRawFd;
        let meta = file.metadata().ok()?;
        let len = usize::try_from(meta.len()).ok()?;
        if !meta.is_file() || len == 0 {
            return None;
        }
        sigbus::watch(name);
        // SAFETY: a fresh private read-only mapping of a file descriptor we own; the result is checked.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: advice on the mapping just made; it never changes its contents.
        unsafe { libc::madvise(ptr, len, libc::MADV_SEQUENTIAL) };
        Some(Map {
            ptr: ptr as *const u8,
            len,
        })
    }

    /// Maps nothing: memory maps are used on Linux only.
    #[cfg(not(target_os = "linux"))]
    pub fn new(file: &File, name: &str) -> Option<Map> {
        let _ = (file, name);
        None
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        // SAFETY: unmaps exactly the mapping `new` made; no slice of it outlives `self`.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

/// Gives back the resident pages that lie wholly inside `bytes`, a part of a [`Map`] that has been
/// read: they stop counting in the resident set, and a later read (there is none in the engine)
/// would fault them in again, unchanged, from the page cache. A no-op elsewhere than Linux.
pub fn release(bytes: &[u8]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = bytes.as_ptr() as usize;
        let first = (start + PAGE - 1) & !(PAGE - 1);
        let end = (start + bytes.len()) & !(PAGE - 1);
        if end > first {
            // SAFETY: the range lies inside a private, read-only file mapping that is never written,
            // so dropping its pages cannot change what any reference to them reads.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_DONTNEED);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = bytes;
}

#[cfg(target_os = "linux")]
mod sigbus {
    //! The `SIGBUS` handler of mapped inputs: a message and exit code 2.

    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
    use std::sync::Once;

    /// The message of the file mapped last, leaked (a few per run at most) so that the handler can
    /// read it at any time.
    static MESSAGE: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
    static MESSAGE_LEN: AtomicUsize = AtomicUsize::new(0);
    static INSTALL: Once = Once::new();

    /// Sets the message for `name` and installs the handler (once per process).
    pub(super) fn watch(name: &str) {
        let text = format!(
            "keyplan: error: {}: the file changed size while it was being read (it is read \
             through a memory map); copy a file that is still being written, then analyze \
             the copy\n",
            crate::terminal::field(name)
        );
        let text: &'static [u8] = Box::leak(text.into_bytes().into_boxed_slice());
        MESSAGE_LEN.store(0, Ordering::SeqCst);
        MESSAGE.store(text.as_ptr() as *mut u8, Ordering::SeqCst);
        MESSAGE_LEN.store(text.len(), Ordering::SeqCst);
        INSTALL.call_once(|| {
            // SAFETY: installs a handler that only calls async-signal-safe functions (write, _exit).
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigbus as *const () as usize;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        });
    }

    extern "C" fn on_sigbus(_: libc::c_int) {
        let len = MESSAGE_LEN.load(Ordering::SeqCst);
        let ptr = MESSAGE.load(Ordering::SeqCst);
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the message is leaked, so it lives on.
        unsafe {
            if !ptr.is_null() && len > 0 {
                libc::write(2, ptr as *const libc::c_void, len);
            }
            libc::_exit(2);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_a_file_and_not_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        let mut f = File::create(&path).unwrap();
        let text: Vec<u8> = (0..100_000u32)
            .flat_map(|i| format!("k{i}\n").into_bytes())
            .collect();
        f.write_all(&text).unwrap();
        drop(f);
        let map = Map::new(&File::open(&path).unwrap(), "a.csv").unwrap();
        assert!(map.bytes() == &text[..]);
        release(&map.bytes()[1000..500_000]);
        // Released pages read back unchanged.
        assert!(map.bytes() == &text[..]);
        let empty = dir.path().join("e.csv");
        File::create(&empty).unwrap();
        assert!(Map::new(&File::open(&empty).unwrap(), "e.csv").is_none());
    }

    /// Set (to a directory) in the child process of the test below.
    const CHILD: &str = "KEYPLAN_TEST_SIGBUS_DIR";

    /// A file cut short while it is mapped: reading past its new end prints which file changed and
    /// exits with code 2. The handler ends the process, so the cut and the read run in a child: this
    /// test binary again, running only this test, with [`CHILD`] set.
    #[test]
    fn a_file_cut_short_while_mapped_exits_with_2() {
        if let Some(dir) = std::env::var_os(CHILD) {
            let path = std::path::Path::new(&dir).join("cut.csv");
            std::fs::write(&path, vec![b'k'; 1 << 20]).unwrap();
            let map = Map::new(&File::open(&path).unwrap(), "cut.csv").unwrap();
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(0)
                .unwrap();
            let last = std::hint::black_box(map.bytes())[(1 << 20) - 1];
            panic!("read {last} past the end of a cut file without SIGBUS");
        }
        let dir = tempfile::tempdir().unwrap();
        let module = module_path!().split_once("::").unwrap().1;
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "--nocapture", "--test-threads=1"])
            .arg(format!(
                "{module}::a_file_cut_short_while_mapped_exits_with_2"
            ))
            .env(CHILD, dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
        assert!(
            stderr.contains(
                "keyplan: error: cut.csv: the file changed size while it was being read (it is \
                 read through a memory map); copy a file that is still being written, then \
                 analyze the copy"
            ),
            "stderr: {stderr}"
        );
    }
}
