//! Writing results: to standard output, or atomically to a file (temp file in the same directory, then
//! rename) or a directory ([`AtomicDir`]: temp directory beside it, then swapped into place), so a
//! report on disk is either complete or absent, never half-written.
//!
//! Hostile directories and environments are expected (issue #13):
//! - the temporary file is created exclusively (`O_CREAT | O_EXCL`, which never follows a symlink)
//!   under an unpredictable name, so nobody can make a run write through a planted link;
//! - only regular files (and new files) are replaced by rename; devices, FIFOs, sockets and the
//!   standard streams (`-`, `/dev/stdout`, ...) are written in place, so `-o /dev/null` as root
//!   leaves the device alone;
//! - a replaced file keeps its permission bits (and, where the process may, its owner);
//! - SIGINT, SIGTERM and SIGHUP remove the live temporary files before the process dies of the
//!   signal (see [`cleanup`]), so an interrupted run leaves the target absent or complete.
//!
//! A symlink at the target itself is replaced by the new file, not followed: a link planted in a
//! shared directory cannot redirect the write either.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Temporary names are tried this many times before giving up: with 64 random bits a clash is
/// only ever a planted file, and a few retries step past any number of those the attacker can guess.
const CREATE_ATTEMPTS: usize = 16;

/// The target's file name is cut to this many bytes in the temporary name, so the name plus the
/// random suffix stays under the 255-byte limit of common filesystems.
const MAX_NAME_IN_TMP: usize = 160;

/// Checks, before any long work, that `path` can be written: its directory exists and is a
/// directory, and the path itself is not a directory.
pub fn check_writable(path: &Path) -> Result<()> {
    if standard_stream(path).is_some() {
        return Ok(());
    }
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Error::io(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "is a directory"),
        ));
    }
    let dir = parent_dir(path);
    match fs::metadata(&dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::io(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "its parent is not a directory"),
        )),
        Err(e) => Err(Error::io(
            path,
            io::Error::new(
                e.kind(),
                format!("cannot write here: {} ({e})", dir.display()),
            ),
        )),
    }
}

/// Writes `bytes` to `path` atomically (in place for devices, FIFOs and standard streams).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    file.commit()
}

/// A standard stream named as an output path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// `-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1` (and the same for 2) name a standard stream.
/// They are written through the process's own descriptor: renaming onto them would replace a
/// link in `/dev`, and reopening them would truncate a file the shell opened for appending.
fn standard_stream(path: &Path) -> Option<Stream> {
    match path.to_str()? {
        "-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(Stream::Stdout),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(Stream::Stderr),
        _ => None,
    }
}

/// Where an [`AtomicFile`]'s bytes go.
enum Target {
    /// A temporary sibling, renamed onto the path by `commit`.
    Temp {
        tmp: PathBuf,
        file: io::BufWriter<fs::File>,
        /// The slot of `tmp` in the signal-cleanup registry.
        registered: Option<usize>,
    },
    /// Written in place: a device, a FIFO, a socket or a standard stream.
    Direct(Box<dyn Write + Send>),
}

/// A file written through a temporary sibling and renamed into place by [`commit`](Self::commit), for
/// outputs too large to build in memory first. Dropped without `commit`, it removes the temporary file
/// and leaves `path` untouched. Paths that are not regular files are written directly instead (see
/// the module documentation).
pub struct AtomicFile {
    path: PathBuf,
    target: Option<Target>,
}

impl fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.target {
            Some(Target::Temp { tmp, .. }) => format!("temp {}", tmp.display()),
            Some(Target::Direct(_)) => "direct".into(),
            None => "done".into(),
        };
        f.debug_struct("AtomicFile")
            .field("path", &self.path)
            .field("target", &kind)
            .finish()
    }
}

impl AtomicFile {
    /// The target path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the temporary file next to `path` (or opens `path` itself when it is a device, a FIFO,
    /// a socket or a standard stream).
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let io_err = |e| Error::io(path, e);
        let direct = |w: Box<dyn Write + Send>| AtomicFile {
            path: path.to_path_buf(),
            target: Some(Target::Direct(w)),
        };
        match standard_stream(path) {
            Some(Stream::Stdout) => {
                return Ok(direct(Box::new(io::BufWriter::with_capacity(
                    1 << 20,
                    io::stdout(),
                ))))
            }
            Some(Stream::Stderr) => return Ok(direct(Box::new(io::stderr()))),
            None => {}
        }
        // The link itself, not what it points to: a symlink is replaced, never followed.
        let existing = match fs::symlink_metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(e)),
        };
        if let Some(m) = &existing {
            if m.is_dir() {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a directory",
                )));
            }
            if !m.is_file() && !m.file_type().is_symlink() {
                // A device, FIFO or socket: write in place, without truncating (a FIFO's reader
                // or a device has nothing to truncate, and O_TRUNC on some devices means more).
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(io_err)?;
                return Ok(direct(Box::new(io::BufWriter::with_capacity(
                    1 << 20,
                    file,
                ))));
            }
        }
        let keep = existing.filter(fs::Metadata::is_file);
        let (tmp, file, registered) = create_temp(path, keep.as_ref()).map_err(io_err)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            target: Some(Target::Temp {
                tmp,
                file: io::BufWriter::with_capacity(1 << 20, file),
                registered,
            }),
        })
    }

    /// Flushes, syncs and renames the file into place (or flushes a direct output).
    pub fn commit(mut self) -> Result<()> {
        let path = self.path.clone();
        match self.target.take() {
            None => Ok(()),
            Some(Target::Direct(mut w)) => w.flush().map_err(|e| Error::io(&path, e)),
            Some(Target::Temp {
                tmp,
                file,
                registered,
            }) => {
                let result = file
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)
                    .and_then(|f| f.sync_all())
                    .and_then(|()| fs::rename(&tmp, &path));
                if result.is_err() {
                    let _ = fs::remove_file(&tmp);
                }
                // After the rename (or the removal): a signal in between finds nothing to unlink.
                cleanup::deregister(registered);
                result.map_err(|e| Error::io(&path, e))
            }
        }
    }
}

/// Creates a new temporary file next to `path`, exclusively, under a random name, registered for
/// removal on SIGINT/SIGTERM/SIGHUP. When `existing` (the regular file being replaced) is given, the
/// temporary file gets its permission bits (before any byte is written) and, where allowed, its owner.
fn create_temp(
    path: &Path,
    existing: Option<&fs::Metadata>,
) -> io::Result<(PathBuf, fs::File, Option<usize>)> {
    let dir = parent_dir(path);
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    if name.len() > MAX_NAME_IN_TMP {
        let mut cut = MAX_NAME_IN_TMP;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    cleanup::install();
    let mut last_error = None;
    for _ in 0..CREATE_ATTEMPTS {
        let tmp = dir.join(format!(
            ".{name}.{:016x}.keyplan-tmp",
            rand::random::<u64>()
        ));
        // Registered before it exists, so that no instant has the file on disk but unregistered.
        let registered = cleanup::register(&tmp);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if existing.is_some() {
            // Readable by the owner only until the target's own bits are copied over.
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        }
        match options.open(&tmp) {
            Ok(file) => {
                if let Some(meta) = existing {
                    if let Err(e) = copy_owner_and_mode(&file, meta) {
                        drop(file);
                        let _ = fs::remove_file(&tmp);
                        cleanup::deregister(registered);
                        return Err(e);
                    }
                }
                return Ok((tmp, file, registered));
            }
            Err(e) => {
                cleanup::deregister(registered);
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
                last_error = Some(e);
            }
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::other("could not create a temporary file")))
}

/// Gives `file` the owner (best effort: only root may give a file away) and permission bits of
/// `meta`.
fn copy_owner_and_mode(file: &fs::File, meta: &fs::Metadata) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        // Owner first: changing the owner clears set-id bits. Failure is normal for non-root.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
        file.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
    }
    #[cfg(not(unix))]
    {
        file.set_permissions(meta.permissions())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl AtomicFile {
    fn writer(&mut self) -> io::Result<&mut dyn Write> {
        match &mut self.target {
            Some(Target::Temp { file, .. }) => Ok(file),
            Some(Target::Direct(w)) => Ok(w),
            None => Err(io::Error::other("output already committed")),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Still holding the target means `commit` did not run: discard the partial output.
        if let Some(Target::Temp {
            tmp,
            file,
            registered,
        }) = self.target.take()
        {
            // Dropping the BufWriter flushes it; the bytes are about to be deleted anyway, so close
            // the raw file without writing them.
            let (file, _) = file.into_parts();
            drop(file);
            let _ = fs::remove_file(&tmp);
            cleanup::deregister(registered);
        }
    }
}

/// A directory written through a temporary sibling and swapped into place by
/// [`commit`](Self::commit), for outputs of several files (the report bundle of `plan --out DIR`).
///
/// The files go to `.NAME.RANDOM.keyplan-tmp` beside `DIR` (created exclusively, so never a planted
/// one), each synced; `commit` then swaps it with an existing `DIR` in one step (`renameat2` with
/// `RENAME_EXCHANGE` on Linux; elsewhere, or on a filesystem without it, two renames with the old
/// directory moved back if the second fails) and removes the previous contents. Until that swap
/// `DIR` holds the previous output untouched: a failed or interrupted run (dropped without `commit`,
/// or stopped by SIGINT, SIGTERM or SIGHUP, see [`cleanup`]) leaves it as it was and removes its
/// temporary directory.
///
/// Which directories may be replaced is the caller's decision: this type replaces whatever
/// directory is at `DIR`. A symbolic link at `DIR`, or a file that is not a directory, is refused.
pub struct AtomicDir {
    path: PathBuf,
    tmp: Option<PathBuf>,
    /// Signal-cleanup slots of the temporary directory, its subdirectories and files.
    registered: Vec<Option<usize>>,
}

impl fmt::Debug for AtomicDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtomicDir")
            .field("path", &self.path)
            .field("tmp", &self.tmp)
            .finish()
    }
}

impl AtomicDir {
    /// Checks `path` and creates the temporary directory beside it (and `path`'s missing parents).
    pub fn create(path: &Path) -> Result<AtomicDir> {
        let io_err = |e| Error::io(path, e);
        let existing = match fs::symlink_metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(e)),
        };
        if let Some(m) = &existing {
            if m.file_type().is_symlink() {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "is a symbolic link; name the directory itself",
                )));
            }
            if !m.is_dir() {
                return Err(io_err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "exists and is not a directory",
                )));
            }
        }
        let parent = parent_dir(path);
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = path
            .file_name()
            .map(|n| short_name(&n.to_string_lossy()))
            .unwrap_or_else(|| "output".into());
        cleanup::install();
        let mut last_error = None;
        for _ in 0..CREATE_ATTEMPTS {
            let tmp = parent.join(format!(
                ".{name}.{:016x}.keyplan-tmp",
                rand::random::<u64>()
            ));
            let registered = cleanup::register(&tmp);
            // create_dir fails on anything already there, a planted link included.
            match fs::create_dir(&tmp) {
                Ok(()) => {
                    #[cfg(unix)]
                    if let Some(m) = &existing {
                        use std::os::unix::fs::PermissionsExt;
                        let mode = fs::Permissions::from_mode(m.permissions().mode() & 0o7777);
                        if let Err(e) = fs::set_permissions(&tmp, mode) {
                            let _ = fs::remove_dir(&tmp);
                            cleanup::deregister(registered);
                            return Err(io_err(e));
                        }
                    }
                    return Ok(AtomicDir {
                        path: path.to_path_buf(),
                        tmp: Some(tmp),
                        registered: vec![registered],
                    });
                }
                Err(e) => {
                    cleanup::deregister(registered);
                    if e.kind() != io::ErrorKind::AlreadyExists {
                        return Err(io_err(e));
                    }
                    last_error = Some(e);
                }
            }
        }
        Err(io_err(last_error.unwrap_or_else(|| {
            io::Error::other("could not create a temporary directory")
        })))
    }

    /// The target directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `relative` (a `/`-separated path of plain names, e.g. `charts/load.svg`)
    /// inside the temporary directory, creating its subdirectories.
    pub fn write(&mut self, relative: &str, bytes: &[u8]) -> Result<()> {
        let target = self.path.join(relative);
        let io_err = |e| Error::io(&target, e);
        let tmp = self
            .tmp
            .clone()
            .ok_or_else(|| io_err(io::Error::other("output already committed")))?;
        let parts: Vec<&str> = relative.split('/').collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\\'))
        {
            return Err(io_err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a plain relative path",
            )));
        }
        let mut dir = tmp;
        for part in &parts[..parts.len() - 1] {
            dir.push(part);
            if !dir.is_dir() {
                self.registered.push(cleanup::register(&dir));
                fs::create_dir(&dir).map_err(io_err)?;
            }
        }
        let file_path = dir.join(parts[parts.len() - 1]);
        self.registered.push(cleanup::register(&file_path));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file_path)
            .map_err(io_err)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(io_err)
    }

    /// Swaps the written directory into place and removes the previous one.
    pub fn commit(mut self) -> Result<()> {
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        let path = self.path.clone();
        let result = swap_into_place(&tmp, &path);
        // Whatever is left at the temporary name now is the previous output (or, after a failure,
        // the new one): removed either way.
        let _ = fs::remove_dir_all(&tmp);
        for slot in self.registered.drain(..) {
            cleanup::deregister(slot);
        }
        result.map_err(|e| Error::io(&path, e))
    }
}

/// Moves directory `tmp` to `path`, replacing a directory there; afterwards `tmp` holds the previous
/// directory (or nothing).
fn swap_into_place(tmp: &Path, path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path).is_err() {
        return fs::rename(tmp, path);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            std::ffi::CString::new(p.as_os_str().as_bytes())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
        };
        let (from, to) = (c(tmp)?, c(path)?);
        // SAFETY: two valid NUL-terminated paths, resolved against the current directory.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
        // The filesystem cannot exchange: fall back to two renames.
    }
    let old = tmp.with_extension("keyplan-old");
    fs::rename(path, &old)?;
    if let Err(e) = fs::rename(tmp, path) {
        let _ = fs::rename(&old, path);
        return Err(e);
    }
    fs::rename(&old, tmp)
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        // Still holding the temporary directory means `commit` did not run: discard it.
        if let Some(tmp) = self.tmp.take() {
            let _ = fs::remove_dir_all(&tmp);
        }
        for slot in self.registered.drain(..) {
            cleanup::deregister(slot);
        }
    }
}

/// `name` cut to [`MAX_NAME_IN_TMP`] bytes (on a character boundary).
fn short_name(name: &str) -> String {
    let mut cut = name.len().min(MAX_NAME_IN_TMP);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    name[..cut].to_string()
}

/// Refuses an output path that is one of the inputs (the same file, also through links or another
/// spelling of the path): writing the report would destroy the sample it is computed from.
pub fn refuse_input_as_output(output: &Path, inputs: &[String]) -> Result<()> {
    let Ok(out) = fs::metadata(output) else {
        return Ok(()); // a new file cannot be an input
    };
    for input in inputs.iter().filter(|i| i.as_str() != "-") {
        if let Ok(meta) = fs::metadata(input) {
            if same_file(&out, &meta) {
                return Err(Error::Usage(format!(
                    "-o {} is the input {input}: writing the report would overwrite the sample; \
                     choose another output path",
                    output.display()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // Devices, FIFOs and terminals (`-o /dev/stdout` while reading `/dev/stdin`) are streams, not
    // samples on disk.
    a.is_file() && a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    false
}

/// Where a streamed output goes: an [`AtomicFile`] (committed by [`finish`](Self::finish), removed
/// if dropped before), or standard output.
pub enum OutStream {
    /// `-o PATH`.
    File(AtomicFile),
    /// Standard output, buffered.
    Stdout(io::BufWriter<io::StdoutLock<'static>>),
}

impl OutStream {
    /// Opens `output`, or standard output when `None`.
    pub fn open(output: Option<&Path>) -> Result<OutStream> {
        Ok(match output {
            Some(path) => OutStream::File(AtomicFile::create(path)?),
            None => OutStream::Stdout(io::BufWriter::with_capacity(1 << 16, io::stdout().lock())),
        })
    }

    /// The name for error messages.
    pub fn name(&self) -> String {
        match self {
            OutStream::File(f) => f.path().display().to_string(),
            OutStream::Stdout(_) => "<stdout>".to_string(),
        }
    }

    /// Flushes standard output, or commits the file into place.
    pub fn finish(self) -> Result<()> {
        match self {
            OutStream::File(f) => f.commit(),
            OutStream::Stdout(mut out) => out.flush().map_err(|e| Error::io("<stdout>", e)),
        }
    }
}

impl Write for OutStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            OutStream::File(f) => f.write(buf),
            OutStream::Stdout(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            OutStream::File(f) => f.write_all(buf),
            OutStream::Stdout(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutStream::File(f) => f.flush(),
            OutStream::Stdout(out) => out.flush(),
        }
    }
}

/// Writes `text` to `output`, or to standard output when `output` is `None`.
pub fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    emit_bytes(output, text.as_bytes())
}

/// Writes `bytes` to `output`, or to standard output when `output` is `None`: for outputs that echo
/// keys, which are bytes and need not be UTF-8.
pub fn emit_bytes(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(path) => write_atomic(path, bytes),
        None => {
            let mut stdout = io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::io("<stdout>", e))
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removal of live temporary files when the process is told to stop.
///
/// A signal handler may only call async-signal-safe functions: no locks, no allocation. So the
/// registry is a fixed array of atomic pointers to NUL-terminated paths, and the handler only reads
/// it, calls `unlink(2)` on each path, restores the default action and re-raises the signal, so the
/// process still dies of it (a shell reports 130 for SIGINT, 143 for SIGTERM).
///
/// A path's memory is never freed once registered (a few dozen bytes per output file): a handler
/// running on another thread may be reading it at the moment it is deregistered.
pub mod cleanup {
    use std::path::Path;
    use std::sync::atomic::{AtomicPtr, Ordering};

    /// Live temporary files and directories tracked at once (a report bundle registers each of its
    /// files); more are still removed on drop, just not on a signal.
    const SLOTS: usize = 128;

    #[allow(clippy::declare_interior_mutable_const)]
    const EMPTY: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());
    static LIVE: [AtomicPtr<libc::c_char>; SLOTS] = [EMPTY; SLOTS];

    /// The signals that stop a run and should not leave temporary files behind.
    #[cfg(unix)]
    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    /// Installs the handler once per process. A signal the process ignores (`nohup`, background jobs
    /// of a non-interactive shell) stays ignored.
    pub fn install() {
        #[cfg(unix)]
        {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                for sig in SIGNALS {
                    // SAFETY: sigaction with a zeroed struct, an empty mask and a handler that is
                    // async-signal-safe (see `on_signal`); `old` receives the previous action.
                    unsafe {
                        let mut action: libc::sigaction = std::mem::zeroed();
                        let handler: extern "C" fn(libc::c_int) = on_signal;
                        action.sa_sigaction = handler as libc::sighandler_t;
                        libc::sigemptyset(&mut action.sa_mask);
                        let mut old: libc::sigaction = std::mem::zeroed();
                        if libc::sigaction(sig, &action, &mut old) == 0
                            && old.sa_sigaction == libc::SIG_IGN
                        {
                            libc::sigaction(sig, &old, std::ptr::null_mut());
                        }
                    }
                }
            });
        }
    }

    /// Records `path` for removal on a signal; returns its slot, or `None` when the path cannot be
    /// represented (an interior NUL) or every slot is taken.
    pub fn register(path: &Path) -> Option<usize> {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
            let raw = c.into_raw();
            for (i, slot) in LIVE.iter().enumerate() {
                if slot
                    .compare_exchange(
                        std::ptr::null_mut(),
                        raw,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_ok()
                {
                    return Some(i);
                }
            }
            // SAFETY: `raw` came from `CString::into_raw` above and was published nowhere.
            drop(unsafe { std::ffi::CString::from_raw(raw) });
            None
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// Forgets the path in `slot` (see the module documentation for why its memory is kept).
    pub fn deregister(slot: Option<usize>) {
        if let Some(slot) = slot.and_then(|i| LIVE.get(i)) {
            slot.store(std::ptr::null_mut(), Ordering::Release);
        }
    }

    /// The number of registered paths (for tests).
    pub fn live() -> usize {
        LIVE.iter()
            .filter(|p| !p.load(Ordering::Acquire).is_null())
            .count()
    }

    /// Removes the registered paths whose slot `pick` accepts: files first, then the (now empty)
    /// temporary directories, innermost first. Async-signal-safe (atomic loads, `unlink`, `rmdir`)
    /// as long as `pick` is.
    #[cfg(unix)]
    fn sweep(pick: impl Fn(usize) -> bool) {
        for (i, slot) in LIVE.iter().enumerate() {
            let p = slot.load(Ordering::Acquire);
            if !p.is_null() && pick(i) {
                // SAFETY: registered pointers are NUL-terminated strings that are never freed;
                // unlink is async-signal-safe and fails harmlessly on a directory.
                unsafe {
                    libc::unlink(p);
                }
            }
        }
        // A directory registered after its parent sits in a later slot (or an earlier freed
        // one): a few passes in both directions empty any nesting a bundle has.
        for _ in 0..4 {
            for (i, slot) in LIVE.iter().enumerate().rev() {
                let p = slot.load(Ordering::Acquire);
                if !p.is_null() && pick(i) {
                    // SAFETY: as above; rmdir is async-signal-safe and fails harmlessly on files
                    // and on directories that are not empty.
                    unsafe {
                        libc::rmdir(p);
                    }
                }
            }
        }
    }

    /// What the signal handler does to `slots` only (the handler sweeps every slot), so a test can
    /// check an interrupted [`super::AtomicDir`] without stopping the test process.
    #[cfg(all(unix, test))]
    pub(super) fn sweep_slots(slots: &[Option<usize>]) {
        sweep(|i| slots.contains(&Some(i)));
    }

    #[cfg(unix)]
    extern "C" fn on_signal(sig: libc::c_int) {
        sweep(|_| true);
        // SAFETY: as above; restoring the default action and re-raising ends the process by the
        // signal once this handler returns (the signal is blocked while it runs).
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn dropped_atomic_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"partial").unwrap();
        drop(f);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn missing_directory_fails_early() {
        assert!(check_writable(Path::new("/nonexistent-dir/x.json")).is_err());
        assert!(check_writable(Path::new("x.json")).is_ok());
    }

    #[test]
    fn a_directory_is_not_an_output() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_writable(dir.path()).is_err());
        assert!(AtomicFile::create(dir.path()).is_err());
    }

    #[test]
    fn temporary_names_are_unpredictable_and_registered_while_live() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        let (a, b) = (
            AtomicFile::create(&path).unwrap(),
            AtomicFile::create(&path).unwrap(),
        );
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "two live temp files: {names:?}");
        assert_ne!(names[0], names[1]);
        assert!(cleanup::live() >= 2);
        drop((a, b));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
        // The temporary name used to be `.NAME.keyplan-tmp-PID`, opened with O_TRUNC and without
        // O_EXCL: another user could plant this link and have the run overwrite any file.
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let planted = dir
            .path()
            .join(format!(".r.json.keyplan-tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomic(&dir.path().join("r.json"), b"report").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert_eq!(fs::read(dir.path().join("r.json")).unwrap(), b"report");
    }

    #[test]
    fn standard_streams_are_recognised_by_name() {
        for p in ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            assert_eq!(standard_stream(Path::new(p)), Some(Stream::Stdout), "{p}");
        }
        assert_eq!(
            standard_stream(Path::new("/dev/stderr")),
            Some(Stream::Stderr)
        );
        assert_eq!(standard_stream(Path::new("./-x")), None);
    }

    #[test]
    fn a_directory_is_replaced_whole_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("review");
        let mut d = AtomicDir::create(&dir).unwrap();
        d.write("report.json", b"one").unwrap();
        d.write("charts/a.svg", b"<svg/>").unwrap();
        d.commit().unwrap();
        assert_eq!(fs::read(dir.join("charts/a.svg")).unwrap(), b"<svg/>");
        // A second run that fails halfway leaves the first intact and no temporary directory.
        let mut d = AtomicDir::create(&dir).unwrap();
        d.write("report.json", b"two").unwrap();
        assert!(d.write("../escape", b"x").is_err());
        drop(d);
        assert_eq!(fs::read(dir.join("report.json")).unwrap(), b"one");
        let names = |p: &Path| -> Vec<String> {
            let mut v: Vec<String> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(root.path()), vec!["review"]);
        // A committed run replaces everything, files the new run does not write included.
        let mut d = AtomicDir::create(&dir).unwrap();
        d.write("report.json", b"three").unwrap();
        d.commit().unwrap();
        assert_eq!(fs::read(dir.join("report.json")).unwrap(), b"three");
        assert_eq!(names(&dir), vec!["report.json"]);
        assert_eq!(names(root.path()), vec!["review"]);
    }

    #[test]
    fn a_signal_removes_an_unfinished_directory_and_keeps_the_previous_one() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("review");
        let mut d = AtomicDir::create(&dir).unwrap();
        d.write("report.json", b"old").unwrap();
        d.commit().unwrap();
        let mut d = AtomicDir::create(&dir).unwrap();
        d.write("report.json", b"new").unwrap();
        d.write("charts/a.svg", b"<svg/>").unwrap();
        d.write("charts/a.png", b"png").unwrap();
        // What SIGINT/SIGTERM/SIGHUP do to the live paths, before the process dies of it.
        cleanup::sweep_slots(&d.registered);
        let names: Vec<String> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["review"], "the temporary directory is gone");
        assert_eq!(fs::read(dir.join("report.json")).unwrap(), b"old");
        drop(d);
    }

    #[test]
    fn a_link_or_file_is_not_a_report_directory() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("f");
        fs::write(&file, b"x").unwrap();
        assert!(AtomicDir::create(&file).is_err());
        let link = root.path().join("l");
        std::os::unix::fs::symlink(root.path(), &link).unwrap();
        assert!(AtomicDir::create(&link).is_err());
    }

    #[test]
    fn a_long_name_still_gets_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("é".repeat(120));
        write_atomic(&path, b"x").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"x");
    }
}
