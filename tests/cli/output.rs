//! Output safety (issue #13): what `-o` does to the files, devices and links it meets, and what an
//! interrupted run leaves behind.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::Workdir;

const CSV: &str = "key\na\nb\na\n";

/// The temporary files a run left in `dir`.
fn temp_files(dir: &Workdir) -> Vec<String> {
    dir.files()
        .into_iter()
        .filter(|n| n.contains("keyplan-tmp"))
        .collect()
}

#[test]
fn replacing_a_file_keeps_its_permissions() {
    let dir = Workdir::new();
    dir.write("in.csv", CSV);
    let out = dir.write("report.txt", "old");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    dir.run(&[
        "analyze",
        "in.csv",
        "--key",
        "key",
        "-p",
        "2",
        "-o",
        "report.txt",
    ])
    .assert()
    .success();
    let meta = std::fs::metadata(&out).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&out).unwrap().contains("3 events"));
    assert!(temp_files(&dir).is_empty());
}

#[test]
fn a_fifo_is_written_in_place_not_replaced() {
    let dir = Workdir::new();
    dir.write("in.csv", CSV);
    let fifo = dir.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // The read end, opened without blocking first, so the run's open for writing succeeds and a
    // report of a few hundred bytes fits in the pipe's buffer.
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    dir.run(&["analyze", "in.csv", "--key", "key", "-p", "2", "-o", "pipe"])
        .assert()
        .success();
    let got = {
        use std::io::Read;
        let mut got = String::new();
        let _ = (&reader).read_to_string(&mut got);
        got
    };
    assert!(got.contains("3 events"), "read from the FIFO: {got:?}");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    assert!(temp_files(&dir).is_empty());
}

#[test]
fn dash_writes_to_standard_output() {
    let dir = Workdir::new();
    dir.write("in.csv", CSV);
    // `/dev/stdout` is checked by the unit tests of the path classification only: a regressed
    // build run as root would replace the link in /dev.
    let out = dir
        .run(&["analyze", "in.csv", "--key", "key", "-p", "2", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 events"));
    assert_eq!(dir.files(), ["in.csv"]);
}

#[test]
fn a_symlink_at_the_target_is_replaced_not_followed() {
    let dir = Workdir::new();
    dir.write("in.csv", CSV);
    let victim = dir.write("victim", "precious");
    std::os::unix::fs::symlink(&victim, dir.join("report.txt")).unwrap();
    dir.run(&[
        "analyze",
        "in.csv",
        "--key",
        "key",
        "-p",
        "2",
        "-o",
        "report.txt",
    ])
    .assert()
    .success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(dir.join("report.txt")).unwrap();
    assert!(meta.is_file());
}

#[test]
fn a_directory_target_fails_before_the_run() {
    let dir = Workdir::new();
    dir.write("in.csv", CSV);
    std::fs::create_dir(dir.join("sub")).unwrap();
    dir.run(&["analyze", "in.csv", "--key", "key", "-p", "2", "-o", "sub"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is a directory"));
}

/// Starts `synth` writing a sample far too large to finish before the signal (up to 200 million
/// events, but never more than half the free space, so that `synth`'s own free-space check
/// passes on a small disk), waits for its temporary file, sends `signal` and checks that the
/// process died of it and left nothing behind.
fn interrupted_synth_leaves_nothing(signal: libc::c_int) {
    let dir = Workdir::new();
    // Each `synth uniform` row takes at least 13 bytes: `key-`, 8 digits and a newline.
    let events = (keyplan::budget::free_space(dir.path()).unwrap_or(u64::MAX) / 2 / 13)
        .clamp(1_000_000, 200_000_000);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("keyplan"))
        .current_dir(dir.path())
        .args(["synth", "uniform", "--events", &events.to_string()])
        .args(["-o", "big.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Not a timing assertion: a bound on waiting, so that a broken build fails instead of hanging.
    let deadline = Instant::now() + Duration::from_secs(120);
    while temp_files(&dir).is_empty() {
        assert!(Instant::now() < deadline, "no temporary file appeared");
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!("synth --events {events} ended early ({status}): {stderr}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: sending a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(signal), "{status:?}");
    assert_eq!(dir.files(), Vec::<String>::new(), "left behind");
}

#[test]
fn sigterm_removes_the_temporary_file() {
    interrupted_synth_leaves_nothing(libc::SIGTERM);
}

#[test]
fn sigint_removes_the_temporary_file() {
    interrupted_synth_leaves_nothing(libc::SIGINT);
}

/// `-o` naming one of the inputs (directly, through a symlink, or a hard link) is refused before
/// anything is read or written, so the sample survives.
#[test]
fn output_that_is_an_input_is_refused() {
    let wd = Workdir::new();
    wd.write("e.csv", "k\na\nb\n");
    let input = wd.join("e.csv");
    std::os::unix::fs::symlink(&input, wd.join("link.csv")).unwrap();
    std::fs::hard_link(&input, wd.join("hard.csv")).unwrap();
    for target in ["e.csv", "link.csv", "hard.csv", "./e.csv"] {
        let out = wd
            .keyplan()
            .args(["analyze", "e.csv", "--key", "k", "-p", "2", "-o", target])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{target}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("would overwrite the sample"), "{stderr}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "k\na\nb\n");
    }
    wd.write("keys.txt", "a\n");
    let out = wd
        .keyplan()
        .args([
            "which",
            "-p",
            "2",
            "--keys-file",
            "keys.txt",
            "-o",
            "keys.txt",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(wd.join("keys.txt")).unwrap(), "a\n");
}
