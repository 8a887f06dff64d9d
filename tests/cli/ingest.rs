//! CLI tests of `keyplan analyze` input handling: every format, gzip/stdin/plain equivalence, key
//! expressions, sizes and times, every malformed case (exit 2 naming the line) and the odd but legal
//! ones.

use std::io::Write;

use crate::common::{bgzf, key_hexes, keyplan, Workdir};
use keyplan::report::AnalysisReport;
use predicates::prelude::*;

/// The shared fixture directory, handing out paths as strings for argument lists.
struct Dir(Workdir);

impl Dir {
    fn new() -> Dir {
        Dir(Workdir::new())
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        self.0.write(name, bytes).to_string_lossy().into_owned()
    }

    fn write_gz(&self, name: &str, bytes: &[u8]) -> String {
        self.0.write_gz(name, bytes).to_string_lossy().into_owned()
    }
}

/// Runs `analyze` with JSON output and parses the report.
fn analyze_json(args: &[&str], stdin: Option<&[u8]>) -> AnalysisReport {
    let mut cmd = keyplan();
    // 4 KiB blocks (the test-only KEYPLAN_BLOCK_SIZE) instead of 4 MiB, so the samples here, a few
    // hundred KB, really span many blocks of the parallel reader.
    cmd.env("KEYPLAN_BLOCK_SIZE", TEST_BLOCK_SIZE.to_string());
    cmd.arg("analyze").args(args).args(["--format", "json"]);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    let report: AnalysisReport =
        serde_json::from_slice(&out).expect("analyze --format json parses");
    // The provenance names the inputs; the tests here compare what different inputs hold.
    AnalysisReport {
        provenance: None,
        ..report
    }
}

/// Runs `analyze` and expects exit 2 with `needle` in the message.
fn fails_with(args: &[&str], stdin: Option<&[u8]>, needle: &str) {
    let mut cmd = keyplan();
    cmd.arg("analyze").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_vec());
    }
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains(needle));
}

/// The engine's block size in these tests: small, so that inputs span many blocks.
const TEST_BLOCK_SIZE: usize = 4096;

/// A CSV with enough rows to span several blocks of the parallel reader (at [`TEST_BLOCK_SIZE`]):
/// 5,000 rows are about 40 blocks.
fn events_csv(rows: usize) -> Vec<u8> {
    let mut s = String::from("ts,tenant,order,bytes\n");
    for i in 0..rows {
        s.push_str(&format!(
            "{},tenant-{},{},{}\n",
            1_714_564_800 + i,
            (i * 7919) % 97,
            i,
            100 + i % 50
        ));
    }
    s.into_bytes()
}

#[test]
fn plain_gzip_and_stdin_give_identical_reports() {
    let dir = Dir::new();
    let csv = events_csv(5000);
    assert!(
        csv.len() > 20 * TEST_BLOCK_SIZE,
        "the input spans many blocks"
    );
    let plain = dir.write("events.csv", &csv);
    let gz = dir.write_gz("events.csv.gz", &csv);
    let noext = dir.write_gz("events.data", &csv);
    let args = |input: &str| {
        vec![
            input.to_string(),
            "--key".into(),
            "tenant".into(),
            "-p".into(),
            "6,12".into(),
        ]
    };
    let run = |input: &str, stdin: Option<&[u8]>| {
        let a = args(input);
        analyze_json(&a.iter().map(String::as_str).collect::<Vec<_>>(), stdin)
    };
    let from_plain = run(&plain, None);
    assert_eq!(from_plain.events, 5000);
    assert_eq!(from_plain.distinct_keys, 97);
    assert_eq!(from_plain, run(&gz, None));
    assert_eq!(from_plain, run(&noext, None));
    assert_eq!(from_plain, run("-", Some(&csv)));
    let zipped = std::fs::read(&gz).unwrap();
    assert_eq!(from_plain, run("-", Some(&zipped)));
    // One thread or two: same result.
    let mut one = args(&plain);
    one.extend(["--threads".into(), "1".into()]);
    assert_eq!(
        from_plain,
        analyze_json(&one.iter().map(String::as_str).collect::<Vec<_>>(), None)
    );
}

/// BGZF (`bgzip`), whose members are inflated in parallel, gives the report the plain file gives:
/// members of 1,000 bytes, so that many of them fall in each block and cut lines across blocks.
#[test]
fn bgzf_gives_the_report_of_the_plain_file() {
    let dir = Dir::new();
    let csv = events_csv(5000);
    let plain = dir.write("events.csv", &csv);
    let packed = bgzf(&csv, 1000);
    let bgz = dir.write("events.csv.bgz", &packed);
    // Concatenated with a plain gzip member (`cat a.bgz b.gz`): the rest is read sequentially.
    let mut tail = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    tail.write_all(b"1,tenant-extra,1,2\n").unwrap();
    let mixed = dir.write(
        "mixed.csv.gz",
        [packed.clone(), tail.finish().unwrap()].concat(),
    );
    let args = ["--key", "tenant", "-p", "6,12"];
    let run =
        |input: &str, extra: &[&str]| analyze_json(&[&[input][..], &args, extra].concat(), None);
    let from_plain = run(&plain, &[]);
    assert_eq!(from_plain.events, 5000);
    assert_eq!(from_plain, run(&bgz, &[]));
    assert_eq!(from_plain, run(&bgz, &["--threads", "1"]));
    assert_eq!(run(&mixed, &[]).events, 5001);
    // Byte for byte on standard input, where the provenance names both `-`.
    let stdout = |stdin: &[u8]| {
        keyplan()
            .env("KEYPLAN_BLOCK_SIZE", TEST_BLOCK_SIZE.to_string())
            .args(["analyze", "-", "--format", "json"])
            .args(args)
            .write_stdin(stdin.to_vec())
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert!(stdout(&csv) == stdout(&packed));
}

/// A BGZF member whose CRC-32 is wrong, and a BGZF file cut short, exit 2 naming the file.
#[test]
fn corrupt_or_truncated_bgzf_exits_2() {
    let dir = Dir::new();
    let csv = events_csv(5000);
    let packed = bgzf(&csv, 1000);
    // The third member's CRC-32: the byte 8 before the end of that member.
    let mut ends = Vec::new();
    let mut at = 0;
    while at < packed.len() {
        let size = usize::from(u16::from_le_bytes([packed[at + 16], packed[at + 17]])) + 1;
        at += size;
        ends.push(at);
    }
    let mut corrupt = packed.clone();
    corrupt[ends[2] - 8] ^= 0xff;
    let bad = dir.write("bad.csv.gz", &corrupt);
    keyplan()
        .args(["analyze", &bad, "--key", "tenant", "-p", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"bad\.csv\.gz:\d+: .*gzip .*corrupt").unwrap());
    // Cut inside a member's deflate data, and inside a member's header. (A cut that falls exactly
    // between two members leaves a shorter valid gzip file: no reader can tell.)
    for cut in [ends[ends.len() / 2] - 100, ends[ends.len() / 2] + 5] {
        let path = dir.write("cut.csv.gz", &packed[..cut]);
        keyplan()
            .args(["analyze", &path, "--key", "tenant", "-p", "3"])
            .assert()
            .code(2)
            .stderr(
                predicate::str::is_match(
                    r"cut\.csv\.gz:\d+: the input ends early: the gzip stream is truncated",
                )
                .unwrap(),
            );
    }
}

#[test]
fn several_inputs_form_one_sample() {
    let dir = Dir::new();
    let a = dir.write("a.csv", "k\nx\ny\n");
    let b = dir.write_gz("b.csv.gz", b"k\nx\n");
    let r = analyze_json(&[&a, &b, "--key", "k", "-p", "3"], None);
    assert_eq!(r.events, 3);
    assert_eq!(r.top_keys[0].key, "x");
    assert_eq!(r.top_keys[0].events, 2);
}

#[test]
fn tsv_and_detected_delimiters() {
    let dir = Dir::new();
    let tsv = dir.write("e.tsv", "id\tkey\n1\ta,b\n2\ta,b\n3\tc\n");
    let r = analyze_json(&[&tsv, "--key", "key", "-p", "2"], None);
    assert_eq!(r.top_keys[0].key, "a,b");
    let semi = dir.write("e.txt.data", "id;key\n1;a\n2;a\n3;c\n");
    let r = analyze_json(&[&semi, "--key", "key", "-p", "2"], None);
    assert_eq!((r.events, r.top_keys[0].events), (3, 2));
    let forced = dir.write("e.dat", "key\ta\nx\ty\n");
    let r = analyze_json(
        &[&forced, "--input-format", "tsv", "--key", "a", "-p", "2"],
        None,
    );
    assert_eq!(r.top_keys[0].key, "y");
}

#[test]
fn lines_format_by_extension_and_flag() {
    let dir = Dir::new();
    let keys = dir.write("keys.txt", "a\r\nb\na\n\nc");
    let r = analyze_json(&[&keys, "-p", "4"], None);
    // a, b, a, "" (the empty key), c
    assert_eq!(r.events, 5);
    assert_eq!(r.distinct_keys, 4);
    assert_eq!(r.top_keys[0].key, "a");
    let piped = analyze_json(
        &["-", "--input-format", "lines", "-p", "4"],
        Some(b"a\r\nb\na\n\nc"),
    );
    assert_eq!(r, piped);
    fails_with(
        &[&keys, "--count-col", "n", "-p", "4"],
        None,
        "lines input has no header columns, so --count-col cannot apply",
    );
}

#[test]
fn counts_format_defaults_and_bytes() {
    let dir = Dir::new();
    let counts = dir.write("agg.csv", "key,count,bytes\na,10,1000\nb,5,50\nc,0,0\n");
    let r = analyze_json(&[&counts, "--input-format", "counts", "-p", "2"], None);
    assert_eq!((r.events, r.distinct_keys), (15, 2));
    assert_eq!(r.total_bytes, Some(1050));
    let s = &r.scenarios[0];
    let bytes = s.partition_bytes.as_ref().expect("bytes per partition");
    assert_eq!(bytes.iter().sum::<u64>(), 1050);
    assert!(s.max_bytes_share.is_some() && s.bytes_skew.is_some());
    // Named columns, and the existing --count-col on plain CSV.
    let named = dir.write("named.csv", "tailnum,flights\nN1,3\nN2,4\n");
    let r = analyze_json(
        &[
            &named,
            "--key",
            "tailnum",
            "--count-col",
            "flights",
            "-p",
            "2",
        ],
        None,
    );
    assert_eq!(r.events, 7);
    assert_eq!(r.total_bytes, None);
    fails_with(
        &[
            &named,
            "--input-format",
            "counts",
            "--key",
            "tailnum",
            "-p",
            "2",
        ],
        None,
        "column 'count' not found",
    );
}

#[test]
fn kcat_json_envelopes() {
    let env = br#"{"topic":"o","partition":2,"offset":0,"tstype":"create","ts":1714564800000,"broker":1,"key":"acme","payload":"hello"}
{"topic":"o","partition":2,"offset":1,"tstype":"create","ts":1714564801000,"broker":1,"key":"acme","payload":"hi"}
{"topic":"o","partition":0,"offset":2,"tstype":"create","ts":1714564802000,"broker":1,"key":null,"payload":"x"}
{"topic":"o","partition":1,"offset":3,"tstype":"create","ts":1714564803000,"broker":1,"key":"beta","payload":null}
"#;
    let dir = Dir::new();
    let file = dir.write("dump.jsonl", env);
    let r = analyze_json(&[&file, "-p", "3"], None);
    assert_eq!((r.events, r.distinct_keys), (3, 2));
    assert_eq!(r.total_bytes, Some(7));
    assert_eq!(r.first_event_ms, Some(1_714_564_800_000));
    assert_eq!(r.last_event_ms, Some(1_714_564_803_000));
    // Detected by content on stdin, and the null key is reported.
    keyplan()
        .args(["analyze", "-", "-p", "3", "--format", "json"])
        .write_stdin(env.to_vec())
        .assert()
        .success()
        .stderr(predicate::str::contains("1 records with a null key"));
    fails_with(
        &["-", "--input-format", "kcat-json", "-p", "3"],
        Some(b"{\"key\":\"a\"}\nnot json\n"),
        "-:2: not a kcat -J JSON envelope",
    );
}

#[test]
fn compound_keys_and_encodings() {
    let dir = Dir::new();
    let f = dir.write("o.csv", "tenant,order,n\nacme,1,7\nacme,2,8\n");
    let r = analyze_json(&[&f, "--key", "tenant,order", "-p", "2"], None);
    assert_eq!(r.top_keys[0].key, "acme:1");
    let r = analyze_json(
        &[&f, "--key-template", "{tenant}/{{{order}}}", "-p", "2"],
        None,
    );
    assert_eq!(r.top_keys[0].key, "acme/{1}");
    // The encoding applies after composition: 'order' as a Java LongSerializer key.
    let r = analyze_json(
        &[&f, "--key", "order", "--key-encoding", "int64", "-p", "2"],
        None,
    );
    assert_eq!(r.top_keys[0].key_hex.as_deref(), Some("0000000000000001"));
    fails_with(
        &[&f, "--key", "tenant", "--key-encoding", "int64", "-p", "2"],
        None,
        "o.csv:2:1 (column 'tenant'): key 'acme' is not a decimal int64",
    );
    fails_with(
        &[
            &f,
            "--key",
            "tenant",
            "--key-template",
            "{order}",
            "-p",
            "2",
        ],
        None,
        "not one of the --key columns",
    );
}

#[test]
fn sizes_and_times_are_reported() {
    let dir = Dir::new();
    let f = dir.write(
        "e.csv",
        "k,size,at\na,100,2024-05-01T12:00:00Z\nb,50,1714564860\na,10,1714564800500\n",
    );
    let r = analyze_json(
        &[
            &f,
            "--key",
            "k",
            "--size-col",
            "size",
            "--time-col",
            "at",
            "-p",
            "2,4",
        ],
        None,
    );
    assert_eq!(r.total_bytes, Some(160));
    assert_eq!(r.first_event_ms, Some(1_714_564_800_000));
    assert_eq!(r.last_event_ms, Some(1_714_564_860_000));
    for s in &r.scenarios {
        assert_eq!(s.partition_bytes.as_ref().unwrap().iter().sum::<u64>(), 160);
    }
    keyplan()
        .args(["analyze", &f, "--key", "k", "--size-col", "size", "-p", "2"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("max_bytes_share").and(predicate::str::contains("bytes_skew")),
        );
    fails_with(
        &[
            &f,
            "--key",
            "k",
            "--time-col",
            "size",
            "--size-col",
            "at",
            "-p",
            "2",
        ],
        None,
        "e.csv:2:3 (column 'at'): size '2024-05-01T12:00:00Z' is not a number",
    );
    let bad_time = dir.write("t.csv", "k,at\na,1\nb,soon\n");
    fails_with(
        &[&bad_time, "--key", "k", "--time-col", "at", "-p", "2"],
        None,
        "t.csv:3:2 (column 'at'): time 'soon' is neither",
    );
}

#[test]
fn malformed_inputs_exit_2_naming_the_line() {
    let dir = Dir::new();
    let cases: Vec<(&str, &[u8], Vec<&str>, &str)> = vec![
        (
            "ragged.csv",
            b"k,v\na,1\nb\n",
            vec!["--key", "k"],
            "ragged.csv:3: this row has 1 fields but the header has 2",
        ),
        (
            "nan.csv",
            b"k,c\na,1\nb,NaN\n",
            vec!["--key", "k", "--count-col", "c"],
            "nan.csv:3:2 (column 'c'): count 'NaN' is not a finite number",
        ),
        (
            "inf.csv",
            b"k,c\na,inf\n",
            vec!["--key", "k", "--count-col", "c"],
            "inf.csv:2:2 (column 'c'): count 'inf' is not a finite number",
        ),
        (
            "neg.csv",
            b"k,c\na,-2\n",
            vec!["--key", "k", "--count-col", "c"],
            "neg.csv:2:2 (column 'c'): count '-2' is negative",
        ),
        (
            "word.csv",
            b"k,c\r\na,1\r\na,many\r\n",
            vec!["--key", "k", "--count-col", "c"],
            "word.csv:3:2 (column 'c'): count 'many' is not a number",
        ),
        (
            "empty.csv",
            b"",
            vec!["--key", "k"],
            "empty.csv: no events to analyze (the input is empty",
        ),
        (
            "blank.csv",
            b"\n\r\n",
            vec!["--key", "k"],
            "blank.csv: no events to analyze (the input is empty",
        ),
        (
            "header.csv",
            b"k,c\n",
            vec!["--key", "k"],
            "header.csv: no events to analyze (the header has no rows under it)",
        ),
        (
            "cols.csv",
            b"id,tenant\n1,a\n",
            vec!["--key", "customer"],
            "column 'customer' not found in",
        ),
        (
            "zero.csv",
            b"k,c\na,0\n",
            vec!["--key", "k", "--count-col", "c"],
            "every row has a count of 0",
        ),
        (
            "empty.txt",
            b"",
            vec![],
            "empty.txt: no events to analyze (the input is empty)",
        ),
        (
            "nokey.csv",
            b"id,tenant\n1,a\n",
            vec![],
            "name the key column with --key (columns: id, tenant)",
        ),
    ];
    for (name, bytes, flags, needle) in cases {
        let path = dir.write(name, bytes);
        let mut args = vec![path.as_str(), "-p", "3"];
        args.extend(flags);
        fails_with(&args, None, needle);
    }
    // The column list names every column.
    let p = dir.write("list.csv", "id,tenant,ts\n1,a,2\n");
    fails_with(
        &[&p, "--key", "x", "-p", "3"],
        None,
        "(columns: id, tenant, ts); use --key",
    );
}

#[test]
fn truncated_gzip_exits_2_with_a_line() {
    let dir = Dir::new();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&events_csv(50_000)).unwrap();
    let gz = enc.finish().unwrap();
    let path = dir.write("cut.csv.gz", &gz[..gz.len() * 2 / 3]);
    keyplan()
        .args(["analyze", &path, "--key", "tenant", "-p", "3"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::is_match(
                r"cut\.csv\.gz:\d+: the input ends early: the gzip stream is truncated",
            )
            .unwrap(),
        );
}

#[test]
fn odd_but_legal_inputs_work() {
    let dir = Dir::new();
    // Invalid UTF-8, NUL bytes, and a quoted field with the delimiter and a newline inside.
    let mut csv = b"k,v\n\xff\xfe,1\na\0b,2\n\"x,\ny\",3\n\xff\xfe,4\n".to_vec();
    let big = vec![b'z'; keyplan::ingest::encoding::MAX_KEY_BYTES];
    csv.extend_from_slice(&big);
    csv.extend_from_slice(b",5\n");
    let f = dir.write("odd.csv", &csv);
    let r = analyze_json(&[&f, "--key", "k", "-p", "3"], None);
    assert_eq!((r.events, r.distinct_keys), (5, 4));
    assert_eq!(r.top_keys[0].key_hex.as_deref(), Some("fffe"));
    let hexes = key_hexes(&r);
    assert!(
        hexes.contains(&"610062".to_string()),
        "NUL byte kept: {hexes:?}"
    );
    assert!(
        hexes.contains(&"782c0a79".to_string()),
        "quoted key kept: {hexes:?}"
    );
    // A key of the maximum length (1 MiB) is one key of its full length.
    assert!(hexes.iter().any(|h| h.len() == 2 * (1 << 20)));
}

#[test]
fn crlf_and_lf_give_the_same_keys() {
    let dir = Dir::new();
    let lf = dir.write("lf.csv", "k,c\na,1\nb,2\n\"q\",3\n");
    let crlf = dir.write("crlf.csv", "k,c\r\na,1\r\nb,2\r\n\"q\",3\r\n");
    let args = |p: &str| analyze_json(&[p, "--key", "k", "--count-col", "c", "-p", "2"], None);
    assert_eq!(args(&lf), args(&crlf));
    assert_eq!(args(&crlf).top_keys[0].key, "q");
}
