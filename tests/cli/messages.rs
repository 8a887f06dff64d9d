//! Error messages quote input bytes: they must reach the terminal escaped and of a readable size.

use crate::common::Workdir;

/// Runs keyplan in `dir` with `args`, expects exit 2, and returns its stderr.
fn failing_stderr(dir: &Workdir, args: &[&str]) -> Vec<u8> {
    let out = dir.run(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    out.stderr
}

fn has_control(bytes: &[u8]) -> bool {
    // The message's own final newline is the only control byte allowed.
    bytes[..bytes.len().saturating_sub(1)]
        .iter()
        .any(|&b| b < 0x20 && b != b'\n' || b == 0x7f)
}

#[test]
fn escape_sequences_in_column_names_are_escaped() {
    let dir = Workdir::new();
    dir.write("in.csv", "\x1b]0;pwned\x07id,\x1b[2Jname\nа,b\n");
    let err = failing_stderr(&dir, &["analyze", "in.csv", "--key", "tenant", "-p", "2"]);
    assert!(!has_control(&err), "{}", String::from_utf8_lossy(&err));
    let text = String::from_utf8_lossy(&err);
    assert!(text.contains("\\u{1b}[2Jname"), "{text}");
}

#[test]
fn escape_sequences_in_field_values_are_escaped() {
    let dir = Workdir::new();
    dir.write("in.csv", "key,n\na,\x1b[31mred\r\n");
    let err = failing_stderr(
        &dir,
        &[
            "analyze",
            "in.csv",
            "--key",
            "key",
            "--count-col",
            "n",
            "-p",
            "2",
        ],
    );
    assert!(!has_control(&err), "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_huge_header_gives_a_short_message() {
    let dir = Workdir::new();
    let mut header = "x".repeat(1 << 20);
    for i in 0..1000 {
        header.push_str(&format!(",c{i}"));
    }
    dir.write("in.csv", format!("{header}\n1\n"));
    let err = failing_stderr(&dir, &["analyze", "in.csv", "--key", "tenant", "-p", "2"]);
    let text = String::from_utf8_lossy(&err);
    assert!(err.len() < 10_000, "{} bytes of message", err.len());
    assert!(text.contains("more bytes)"), "{text}");
    assert!(text.contains("... and 971 more"), "{text}");
}

/// clap's own errors quote the rejected argument: escape sequences in it reach the terminal escaped.
#[test]
fn escape_sequences_in_rejected_arguments_are_escaped() {
    let wd = Workdir::new();
    let out = wd
        .keyplan()
        .args([
            "analyze",
            "x.csv",
            "-p",
            "3",
            "--partitioner",
            "x\u{1b}[31my",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !out.stderr.contains(&0x1b),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("keyplan: error: "));
}
