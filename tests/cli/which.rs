//! CLI tests for `keyplan which`, `keyplan partitioners` and the `--partitioner` flag of `analyze`:
//! exit codes, messages, the keys-file rules and the JSON documents (parsed back into their types).

use crate::common::Workdir;
use keyplan::model::PartitionCount;
use keyplan::partitioner::{Partitioner, Placement};
use keyplan::report::AnalysisReport;
use keyplan::report::PartitionersReport;
use keyplan::report::WhichReport;
use predicates::prelude::*;

fn n(count: u32) -> PartitionCount {
    PartitionCount::new(u64::from(count)).unwrap()
}

/// The CSV rows of `which --format csv` output, as byte records (keys need not be UTF-8).
fn csv_rows(stdout: &[u8]) -> Vec<(Vec<u8>, String)> {
    let mut reader = csv::Reader::from_reader(stdout);
    assert_eq!(reader.byte_headers().unwrap(), vec!["key", "partition"]);
    reader
        .byte_records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_vec(), String::from_utf8(r[1].to_vec()).unwrap())
        })
        .collect()
}

#[test]
fn unknown_partitioner_exits_2_and_lists_the_ids() {
    let w = Workdir::new();
    w.write("k.csv", b"key\na\n");
    let every_id = |stderr: &str| Partitioner::ALL.iter().all(|p| stderr.contains(p.id()));
    for args in [
        &["which", "--partitioner", "javaa", "-p", "3", "a"][..],
        &[
            "analyze",
            "k.csv",
            "--key",
            "key",
            "-p",
            "3",
            "--partitioner",
            "java,nope",
        ],
    ] {
        let out = w.run(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("invalid value"), "{stderr}");
        assert!(every_id(&stderr), "{args:?} should list every id: {stderr}");
    }
}

#[test]
fn which_places_command_line_keys() {
    let w = Workdir::new();
    let out = w
        .run(&[
            "which",
            "--partitioner",
            "librdkafka",
            "-p",
            "12",
            "--format",
            "csv",
        ])
        .args(["kafka", "", "a,b"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = csv_rows(&out.stdout);
    let expect = |key: &[u8]| Partitioner::Librdkafka.partition_of(key, n(12)).to_string();
    assert_eq!(
        rows,
        vec![
            (b"kafka".to_vec(), expect(b"kafka")),
            (b"".to_vec(), "random".to_string()),
            (b"a,b".to_vec(), expect(b"a,b")),
        ]
    );
}

#[cfg(unix)]
#[test]
fn which_takes_raw_argument_bytes() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let w = Workdir::new();
    let key = b"caf\xe9\xff";
    let out = w
        .run(&[
            "which",
            "--partitioner",
            "sarama",
            "-p",
            "1000",
            "--format",
            "csv",
        ])
        .arg(OsStr::from_bytes(key))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rows = csv_rows(&out.stdout);
    let want = Partitioner::Sarama.partition_of(key, n(1000)).to_string();
    assert_eq!(rows, vec![(key.to_vec(), want)]);
}

#[test]
fn keys_file_line_rules() {
    let w = Workdir::new();
    // (file content, expected keys): a final "\n" ends the last line; other empty lines are keys.
    let cases: [(&[u8], Vec<&[u8]>); 5] = [
        (b"a\n\nb\n", vec![b"a", b"", b"b"]),
        (b"a\nb", vec![b"a", b"b"]),
        (b"\n", vec![b""]),
        (b"a\n\n", vec![b"a", b""]),
        (b"", vec![]),
    ];
    for (content, keys) in cases {
        w.write("keys.txt", content);
        let out = w
            .run(&[
                "which",
                "--partitioner",
                "java",
                "-p",
                "7",
                "--format",
                "csv",
            ])
            .args(["--keys-file", "keys.txt"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let got: Vec<Vec<u8>> = csv_rows(&out.stdout).into_iter().map(|r| r.0).collect();
        let want: Vec<Vec<u8>> = keys.iter().map(|k| k.to_vec()).collect();
        assert_eq!(got, want, "content {content:?}");
    }
}

/// One line rule for every line-oriented input: `\r\n` ends a line like `\n`, so a CRLF keys file
/// gives the same keys (and the same partitions) to `which --keys-file` as to `analyze
/// --input-format lines`, and as its LF twin.
#[test]
fn crlf_lines_are_the_lf_lines() {
    let w = Workdir::new();
    w.write("crlf.txt", b"a\r\nb\r\nc\r");
    w.write("lf.txt", b"a\nb\nc");
    let which = |file: &str| {
        let out = w
            .run(&[
                "which",
                "-p",
                "1000",
                "--format",
                "csv",
                "--keys-file",
                file,
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        csv_rows(&out.stdout)
    };
    let crlf = which("crlf.txt");
    assert_eq!(crlf, which("lf.txt"));
    let keys: Vec<Vec<u8>> = crlf.iter().map(|r| r.0.clone()).collect();
    assert_eq!(keys, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
    assert_eq!(
        crlf[0].1,
        Partitioner::Java.partition_of(b"a", n(1000)).to_string()
    );
    // analyze reads the same three keys from the same file.
    let out = w
        .run(&[
            "analyze",
            "crlf.txt",
            "--input-format",
            "lines",
            "-p",
            "2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: AnalysisReport = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<String> = report.top_keys.iter().map(|k| k.key.clone()).collect();
    got.sort();
    assert_eq!(got, vec!["a", "b", "c"]);
    // A key that really ends in \r is still expressible.
    w.write("keys.hex", b"610d\n");
    let out = w
        .run(&[
            "which",
            "-p",
            "1000",
            "--key-encoding",
            "hex",
            "--format=csv",
            "--keys-file",
            "keys.hex",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!(
        ",{}\n",
        Partitioner::Java.partition_of(b"a\r", n(1000))
    )));
}

#[test]
fn keys_from_stdin() {
    let w = Workdir::new();
    let out = w
        .run(&[
            "which",
            "--partitioner",
            "pulsar-java",
            "-p",
            "5",
            "--format",
            "csv",
        ])
        .args(["--keys-file", "-"])
        .write_stdin("polygenelubricants\nx\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows = csv_rows(&out.stdout);
    assert_eq!(rows[0], (b"polygenelubricants".to_vec(), "0".to_string()));
    assert_eq!(rows.len(), 2);
}

#[test]
fn bad_encodings_exit_2_naming_the_key() {
    let w = Workdir::new();
    w.write("keys.hex", b"6162\nzz\n");
    w.run(&[
        "which",
        "-p",
        "3",
        "--key-encoding",
        "hex",
        "--keys-file",
        "keys.hex",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("keys.hex:2").and(predicate::str::contains("'zz'")));
    w.run(&["which", "-p", "3", "--key-encoding", "int32", "1", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("KEY argument 2").and(predicate::str::contains("'x'")));
}

#[test]
fn which_needs_keys_and_a_valid_count() {
    let w = Workdir::new();
    w.run(&["which", "-p", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no keys"));
    w.run(&["which", "-p", "0", "a"]).assert().code(2);
    w.run(&["which", "a"]).assert().code(2);
    w.run(&["which", "-p", "3", "--keys-file", "missing.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.txt"));
}

#[test]
fn which_json_and_output_file() {
    let w = Workdir::new();
    w.run(&[
        "which",
        "--partitioner",
        "kinesis",
        "-p",
        "4",
        "--format",
        "json",
    ])
    .args(["-o", "out.json", "a", ""])
    .assert()
    .success()
    .stdout(predicate::str::is_empty());
    let text = std::fs::read_to_string(w.join("out.json")).unwrap();
    let report: WhichReport = serde_json::from_str(&text).unwrap();
    assert_eq!(report.schema, "keyplan.which/v1");
    assert_eq!(report.partitioner, "kinesis");
    assert_eq!(report.keys.len(), 2);
    let want = match Partitioner::Kinesis.partition_of(b"a", n(4)) {
        Placement::Partition(p) => p,
        other => panic!("{other:?}"),
    };
    assert_eq!(report.keys[0].partition, Some(want));
    assert_eq!(report.keys[1].placement, "invalid");
    assert_eq!(report.keys[1].partition, None);
}

#[test]
fn which_table_shows_random_and_invalid() {
    let w = Workdir::new();
    w.run(&[
        "which",
        "--partitioner",
        "redpanda-client",
        "-p",
        "100",
        "kafka",
        "",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("kafka").and(predicate::str::contains("28")))
    .stdout(predicate::str::contains("random"));
}

#[test]
fn partitioners_lists_every_id() {
    let w = Workdir::new();
    let out = w
        .run(&["partitioners", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: PartitionersReport = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = report.partitioners.iter().map(|r| r.id.as_str()).collect();
    let all: Vec<&str> = Partitioner::ALL.iter().map(|p| p.id()).collect();
    assert_eq!(ids, all);
    let table = w.run(&["partitioners"]).output().unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("confluent-kafka-python") && text.contains("sarama"));
}

#[test]
fn analyze_with_several_partitioners() {
    let w = Workdir::new();
    let long = "x".repeat(300);
    w.write(
        "events.csv",
        format!("id,key\n1,a\n2,a\n3,b\n4,\n5,{long}\n6,c\n").as_bytes(),
    );
    let out = w
        .run(&[
            "analyze",
            "events.csv",
            "--key",
            "key",
            "-p",
            "2,3",
            "--format",
            "json",
        ])
        .args(["--partitioner", "java,librdkafka,kinesis,java"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: AnalysisReport = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<(&str, u32)> = report
        .scenarios
        .iter()
        .map(|s| (s.partitioner.as_str(), s.partitions))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("java", 2),
            ("java", 3),
            ("librdkafka", 2),
            ("librdkafka", 3),
            ("kinesis", 2),
            ("kinesis", 3)
        ]
    );
    for s in &report.scenarios {
        let placed: u64 = s.partition_events.iter().sum();
        if s.partitioner == "kinesis" {
            // The empty key and the 300-character key are refused: counted, not dropped.
            assert_eq!((s.rejected_keys, s.rejected_events), (2, 2));
            assert_eq!(placed, 4);
        } else {
            assert_eq!((s.rejected_keys, placed), (0, 6));
        }
    }
    w.run(&[
        "analyze",
        "events.csv",
        "--key",
        "key",
        "-p",
        "4",
        "--partitioner",
        "kinesis",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "kinesis refuses 2 distinct keys, 2 events",
    ));
}

/// `which` streams its keys to the output; a bad key halfway leaves an existing `-o` target as it
/// was (the streamed part went to a temporary file that is removed).
#[test]
fn a_failure_midstream_leaves_the_target_intact() {
    let w = Workdir::new();
    w.write("keys.hex", b"61\n62\nzz\n63\n");
    w.write("out.csv", b"previous report\n");
    let out = w
        .run(&[
            "which",
            "-p",
            "4",
            "--key-encoding",
            "hex",
            "--keys-file",
            "keys.hex",
        ])
        .args(["--format", "csv", "-o", "out.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("keys.hex:3"));
    assert_eq!(
        std::fs::read(w.join("out.csv")).unwrap(),
        b"previous report\n"
    );
    assert_eq!(
        w.files().len(),
        2,
        "no temporary file left: {:?}",
        w.files()
    );
}
