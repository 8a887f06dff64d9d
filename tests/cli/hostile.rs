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
