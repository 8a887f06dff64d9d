//! CLI tests of hostile input (issue #13): malformed fields that once panicked, silently corrupted the
//! sample or lost precision, and inputs built to exhaust memory. Each must exit 2 with a message that
//! names where the problem is, or be read exactly.

use crate::common::Workdir;
use keyplan::report::AnalysisReport;
use predicates::prelude::*;

/// Runs `keyplan ARGS` (in `dir`) with optional standard input; expects exit 2 and `needle`.
fn fails_with(dir: &Workdir, args: &[&str], stdin: Option<&[u8]>, needle: &str) {
    let mut cmd = dir.run(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains(needle));
}

/// Runs `keyplan analyze ARGS --format json` in `dir` and parses the report.
fn analyze_json(dir: &Workdir, args: &[&str]) -> AnalysisReport {
    let out = dir
        .run(&[&["analyze"], args, &["--format", "json"]].concat())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("analyze --format json parses")
}

#[test]
fn multibyte_characters_in_times_are_errors_not_panics() {
    let dir = Workdir::new();
    dir.write("t.csv", b"k,t\na,2024-05-01T12:00:0\xc3\xa90Z\n");
    fails_with(
        &dir,
        &[
            "analyze",
            "t.csv",
            "--key",
            "k",
            "--time-col",
            "t",
            "-p",
            "4",
        ],
        None,
        "t.csv:2:2 (column 't'): time '2024-05-01T12:00:0\u{e9}0Z' is neither",
    );
}

#[test]
fn out_of_range_times_are_errors() {
    let dir = Workdir::new();
    for (value, line) in [("1e26", 3), ("-1e30", 3), ("1e400", 3)] {
        dir.write("t.csv", format!("k,t\na,1714564800\nb,{value}\n"));
        fails_with(
            &dir,
            &[
                "analyze",
                "t.csv",
                "--key",
                "k",
                "--time-col",
                "t",
                "-p",
                "4",
            ],
            None,
            &format!("t.csv:{line}:2 (column 't'): time '{value}' is out of range"),
        );
    }
    dir.write(
        "k.jsonl",
        "{\"key\":\"a\",\"ts\":1}\n{\"key\":\"b\",\"ts\":9223372036854775807}\n",
    );
    fails_with(
        &dir,
        &["analyze", "k.jsonl", "-p", "4"],
        None,
        "k.jsonl:2: time 9223372036854775807 ms is out of range",
    );
}

#[test]
fn whole_numbers_written_as_decimals_are_exact() {
    let dir = Workdir::new();
    dir.write(
        "c.csv",
        "key,count,bytes\na,9007199254740993.0,9007199254740993.000\nb,1e3,2\n",
    );
    let r = analyze_json(&dir, &["c.csv", "--input-format", "counts", "-p", "4"]);
    assert_eq!(r.events, 9_007_199_254_740_993 + 1000);
    dir.write("s.csv", "k,s\na,9007199254740993.0\n");
    let r = analyze_json(&dir, &["s.csv", "--key", "k", "--size-col", "s", "-p", "4"]);
    assert_eq!(r.total_bytes, Some(9_007_199_254_740_993));
    dir.write("f.csv", "k,c\na,9007199254740993.5\n");
    fails_with(
        &dir,
        &[
            "analyze",
            "f.csv",
            "--key",
            "k",
            "--count-col",
            "c",
            "-p",
            "4",
        ],
        None,
        "f.csv:2:2 (column 'c'): count '9007199254740993.5' is not a whole number",
    );
}

#[test]
fn unterminated_quotes_are_errors_at_their_line() {
    let dir = Workdir::new();
    let key = ["--key", "k", "-p", "4"];
    // The only column, the last column, a middle column, TSV, counts, and a quoted header.
    let cases: [(&str, &[u8], &[&str], &str); 6] = [
        ("only.csv", b"k\na\nb\n\"c\nd\ne\n", &key, "only.csv:4:1 (column 'k'): a quoted field opens here and its closing quote never comes"),
        ("last.csv", b"x,k\n1,a\n2,\"b\n3,c\n", &key, "last.csv:3:2 (column 'k'): a quoted field opens here"),
        ("mid.csv", b"k,x,y\na,\"1,2\n", &key, "mid.csv:2:2 (column 'x'): a quoted field opens here"),
        ("t.tsv", b"k\tx\na\t1\n\"b\t2\n", &key, "t.tsv:3:1 (column 'k'): a quoted field opens here"),
        ("c.csv", b"key,count\na,1\nb,\"2\n", &["--input-format", "counts", "-p", "4"], "c.csv:3:2 (column 'count'): a quoted field opens here"),
        ("h.csv", b"\n\"k\na\n", &key, "h.csv:2: a quoted field opens here"),
    ];
    for (name, bytes, flags, needle) in cases {
        dir.write(name, bytes);
        fails_with(&dir, &[&["analyze", name], flags].concat(), None, needle);
    }
    // Closed quotes, doubled quotes and quotes inside unquoted fields are fine.
    dir.write("ok.csv", "k\n\"a\nb\"\n\"x\"\"y\"\nc\"d\n");
    let r = analyze_json(&dir, &["ok.csv", "--key", "k", "-p", "4"]);
    assert_eq!((r.events, r.distinct_keys), (3, 3));
}

#[test]
fn duplicate_used_columns_are_errors() {
    let dir = Workdir::new();
    dir.write("d.csv", "k,c,k\na,1,b\n");
    fails_with(
        &dir,
        &["analyze", "d.csv", "--key", "k", "-p", "4"],
        None,
        "d.csv: the header names column 'k' twice (columns 1 and 3)",
    );
    fails_with(
        &dir,
        &[
            "analyze",
            "d.csv",
            "--key",
            "c",
            "--time-col",
            "k",
            "-p",
            "4",
        ],
        None,
        "column 'k' twice (columns 1 and 3)",
    );
    let r = analyze_json(&dir, &["d.csv", "--key", "c", "-p", "4"]);
    assert_eq!(r.events, 1);
}

#[test]
fn gzip_on_stdin_is_detected_when_it_arrives_byte_by_byte() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"order-17\norder-18\n").unwrap();
    let gz = enc.finish().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("keyplan");
    let mut child = Command::new(bin)
        .args(["which", "-p", "12", "--format", "csv", "--keys-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // One byte, flushed on its own, then the rest: the first read sees one byte. (Whether the
    // reader wakes between the two writes is up to the scheduler; the unit test in source.rs
    // covers one-byte reads deterministically.)
    stdin.write_all(&gz[..1]).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(&gz[1..]).unwrap();
    drop(stdin);
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(child.wait().unwrap().success());
    let keys: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(keys, ["order-17", "order-18"]);
}

/// `head -c N /dev/zero`, `N` bytes of NUL with no line end.
fn zeros(n: usize) -> Vec<u8> {
    vec![0u8; n]
}

#[test]
fn endless_lines_are_errors_at_their_line() {
    let dir = Workdir::new();
    let big = 9 << 20; // past the 8 MiB line cap
    let lines: Vec<u8> = [&b"a\nb\n"[..], &zeros(big)].concat();
    fails_with(
        &dir,
        &["analyze", "-", "--input-format", "lines", "-p", "4"],
        Some(&lines),
        "-:3: this line is longer than 8 MiB",
    );
    // Gzip of the same: the cap applies to the decompressed line.
    dir.write_gz("z.txt.gz", &lines);
    fails_with(
        &dir,
        &["analyze", "z.txt.gz", "-p", "4"],
        None,
        "z.txt.gz:3: this line is longer than 8 MiB",
    );
    // CSV: in the header, in a row, and in a row of a file with CR-only line ends.
    dir.write("h.csv", zeros(big));
    fails_with(
        &dir,
        &["analyze", "h.csv", "--key", "k", "-p", "4"],
        None,
        "h.csv:1: this line is longer than 8 MiB",
    );
    dir.write("r.csv", [&b"k\na\n"[..], &zeros(big)].concat());
    fails_with(
        &dir,
        &["analyze", "r.csv", "--key", "k", "-p", "4"],
        None,
        "r.csv:3: this line is longer than 8 MiB",
    );
    // A quote that opens and never closes on a file of short lines: stopped after 8 MiB.
    let short_lines = b"x\n".repeat(big / 2);
    dir.write(
        "q.csv",
        [&b"k\na\n\"b,"[..], &short_lines, b"\"\n"].concat(),
    );
    fails_with(
        &dir,
        &["analyze", "q.csv", "--key", "k", "-p", "4"],
        None,
        "q.csv:3:1 (column 'k'): a quoted field opens here and its closing quote never comes (it runs on for more than 8 MiB)",
    );
    dir.write("k.jsonl", [&b"{\"key\":\"a\"}\n"[..], &zeros(big)].concat());
    fails_with(
        &dir,
        &["analyze", "k.jsonl", "-p", "4"],
        None,
        "k.jsonl:2: this line is longer than 8 MiB",
    );
    dir.write("keys.txt", [&b"a\n"[..], &zeros(big)].concat());
    fails_with(
        &dir,
        &["which", "-p", "4", "--keys-file", "keys.txt"],
        None,
        "keys.txt:2: this line is longer than 8 MiB",
    );
}

#[test]
fn keys_longer_than_1_mib_are_errors() {
    let dir = Workdir::new();
    let max = 1 << 20;
    let long = vec![b'k'; max + 1];
    let exact = vec![b'k'; max];
    dir.write("l.txt", [&b"a\n"[..], &long, b"\n"].concat());
    fails_with(
        &dir,
        &["analyze", "l.txt", "-p", "4"],
        None,
        "l.txt:2: the key is 1048577 bytes, longer than the 1 MiB",
    );
    dir.write("c.csv", [&b"x,k\n1,"[..], &long, b"\n"].concat());
    fails_with(
        &dir,
        &["analyze", "c.csv", "--key", "k", "-p", "4"],
        None,
        "c.csv:2:2 (column 'k'): the key is 1048577 bytes",
    );
    dir.write("t.csv", [&b"a,b\n"[..], &exact, b",x\n"].concat());
    fails_with(
        &dir,
        &["analyze", "t.csv", "--key-template", "{a}-{b}", "-p", "4"],
        None,
        "t.csv:2:1 (column 'a,b'): the key is 1048578 bytes",
    );
    dir.write("k.jsonl", [&b"{\"key\":\""[..], &long, b"\"}\n"].concat());
    fails_with(
        &dir,
        &["analyze", "k.jsonl", "-p", "4"],
        None,
        "k.jsonl:1: the key is 1048577 bytes",
    );
    dir.write("keys.txt", [&b"a\n"[..], &long, b"\n"].concat());
    fails_with(
        &dir,
        &["which", "-p", "4", "--keys-file", "keys.txt"],
        None,
        "keys.txt:2: the key is 1048577 bytes",
    );
    // Exactly 1 MiB is a key; hex text twice as long decodes to it.
    dir.write("e.txt", [&exact[..], b"\n"].concat());
    let r = analyze_json(&dir, &["e.txt", "-p", "4"]);
    assert_eq!(r.events, 1);
    let hex: Vec<u8> = exact.iter().flat_map(|_| *b"6b").collect();
    dir.write("hex.txt", [&hex[..], b"\n"].concat());
    dir.run(&[
        "which",
        "-p",
        "4",
        "--key-encoding",
        "hex",
        "--keys-file",
        "hex.txt",
    ])
    .assert()
    .success();
}

#[test]
fn cr_only_csv_is_read_in_blocks() {
    let dir = Workdir::new();
    // 12 MiB of rows ended by a lone `\r`: more than the line cap, so it must be cut at `\r`.
    let mut csv = b"k,c\r".to_vec();
    let mut expected = 0u64;
    let mut i = 0u64;
    while csv.len() < 12 << 20 {
        csv.extend_from_slice(format!("key-{},{}\r", i % 1000, i % 7).as_bytes());
        expected += i % 7;
        i += 1;
    }
    dir.write("cr.csv", &csv);
    let r = analyze_json(
        &dir,
        &["cr.csv", "--key", "k", "--count-col", "c", "-p", "4"],
    );
    assert_eq!((r.events, r.distinct_keys), (expected, 1000));
}

#[test]
fn format_and_delimiter_sniffing_survive_short_reads() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("keyplan");
    let run = |first: &[u8], rest: &[u8], args: &[&str]| -> String {
        let mut child = Command::new(&bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(first).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        stdin.write_all(rest).unwrap();
        drop(stdin);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(child.wait().unwrap().success(), "{args:?}");
        out
    };
    // A tab-separated header whose first read ends before its first tab.
    let out = run(
        b"k",
        b"\tc\na\t2\n",
        &[
            "analyze",
            "-",
            "--key",
            "k",
            "--count-col",
            "c",
            "-p",
            "2",
            "--format",
            "json",
        ],
    );
    let r: AnalysisReport = serde_json::from_str(&out).unwrap();
    assert_eq!(r.events, 2);
    // kcat JSON whose first read is only whitespace.
    let out = run(
        b"\n ",
        b"{\"key\":\"a\"}\n",
        &["analyze", "-", "-p", "2", "--format", "json"],
    );
    let r: AnalysisReport = serde_json::from_str(&out).unwrap();
    assert_eq!(r.events, 1);
}

/// A file whose lines end in a lone `\r` (old Mac line ends, "Macintosh CSV" from a spreadsheet)
/// gets the same line numbers as its `\n` and `\r\n` twins: on the fast path, through a quoted
/// field (the sequential path), after empty lines before the header, with the header's `\r` the
/// last byte of the first read (256 KiB), and from stdin.
#[test]
fn lone_cr_line_ends_are_counted_as_lines() {
    let dir = Workdir::new();
    let opts = ["--key", "key", "--count-col", "count", "-p", "3"];
    let args = |name: &'static str| [&["analyze", name][..], &opts].concat();
    for (name, ends) in [("lf.csv", "\n"), ("crlf.csv", "\r\n"), ("cr.csv", "\r")] {
        dir.write(name, ["key,count", "a,1", "b,x", ""].join(ends));
        fails_with(
            &dir,
            &args(name),
            None,
            &format!("{name}:3:2 (column 'count')"),
        );
    }
    dir.write("blank.csv", "\r\r\"key\",count\ra,1\rb,1\r\"c\rd\",x\r");
    fails_with(
        &dir,
        &args("blank.csv"),
        None,
        "blank.csv:6:2 (column 'count')",
    );
    dir.write("fast.csv", "\r\rkey,count\ra,1\rb,x\r");
    fails_with(
        &dir,
        &args("fast.csv"),
        None,
        "fast.csv:5:2 (column 'count')",
    );
    let read = 1 << 18;
    for (name, quoted) in [("edge.csv", false), ("edgeq.csv", true)] {
        let start = if quoted {
            "\"key\",count,"
        } else {
            "key,count,"
        };
        let header = format!("{start}{}", "p".repeat(read - 1 - start.len()));
        dir.write(name, [header.as_str(), "a,1,", "b,x,", ""].join("\r"));
        fails_with(
            &dir,
            &args(name),
            None,
            &format!("{name}:3:2 (column 'count')"),
        );
    }
    fails_with(
        &dir,
        &args("-"),
        Some(b"key,count\ra,1\rb,1\rc,x\r"),
        "-:4:2 (column 'count')",
    );
    // Counts are the same whatever the line ends.
    for name in ["ok-lf.csv", "ok-cr.csv"] {
        let ends = if name == "ok-cr.csv" { "\r" } else { "\n" };
        dir.write(name, ["key,count", "a,1", "b,2", "\"c\",3", ""].join(ends));
    }
    let lf = analyze_json(&dir, &[&["ok-lf.csv"][..], &opts].concat());
    let cr = analyze_json(&dir, &[&["ok-cr.csv"][..], &opts].concat());
    assert_eq!((lf.events, lf.distinct_keys), (cr.events, cr.distinct_keys));
}
