//! CLI tests of `keyplan analyze`: the success path, the JSON contract, and every error it promises.

use crate::common::{key_hexes, repo_root, Workdir};
use keyplan::model::PartitionCount;
use keyplan::partitioner::{Partitioner, Placement};
use keyplan::report::AnalysisReport;
use predicates::prelude::*;

const EVENTS: &str = "id,customer\n1,alice\n2,bob\n3,alice\n4,carol\n5,alice\n6,bob\n";

/// Runs `analyze --format json` and parses the report, without its provenance (which names the
/// inputs), so that reports of the same sample read from different inputs compare equal.
fn json(wd: &Workdir, args: &[&str]) -> AnalysisReport {
    AnalysisReport {
        provenance: None,
        ..json_with_provenance(wd, args)
    }
}

fn json_with_provenance(wd: &Workdir, args: &[&str]) -> AnalysisReport {
    let out = wd
        .keyplan()
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid keyplan.analysis/v1 JSON")
}

/// The Java client's partition for a key, independently of analyze.
fn java(key: &str, n: u32) -> usize {
    match Partitioner::Java.partition_of(key.as_bytes(), PartitionCount::new(n.into()).unwrap()) {
        Placement::Partition(p) => p as usize,
        other => unreachable!("the Java client hashes every non-null key, got {other:?}"),
    }
}

#[test]
fn table_is_the_default() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    wd.keyplan()
        .args([
            "analyze",
            "e.csv",
            "--key",
            "customer",
            "--partitions",
            "2,4",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("6 events, 3 distinct keys"))
        .stdout(predicate::str::contains("partitioner"))
        .stdout(predicate::str::contains("alice"));
}

#[test]
fn json_contract() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    let r = json(
        &wd,
        &["e.csv", "--key", "customer", "--partitions", "3,1..2"],
    );
    assert_eq!(r.schema, "keyplan.analysis/v1");
    assert_eq!(r.events, 6);
    assert_eq!(r.distinct_keys, 3);
    assert_eq!(r.top_keys[0].key, "alice");
    assert_eq!(r.top_keys[0].events, 3);
    assert!((r.top_keys[0].share - 0.5).abs() < 1e-12);
    let counts: Vec<u32> = r.scenarios.iter().map(|s| s.partitions).collect();
    assert_eq!(counts, vec![1, 2, 3], "sorted ascending");
    for s in &r.scenarios {
        assert_eq!(s.partitioner, "java");
        assert_eq!(s.partition_events.len(), s.partitions as usize);
        assert_eq!(s.partition_events.iter().sum::<u64>(), 6);
        let mut expected = vec![0u64; s.partitions as usize];
        for (key, w) in [("alice", 3), ("bob", 2), ("carol", 1)] {
            expected[java(key, s.partitions)] += w;
        }
        assert_eq!(s.partition_events, expected);
        let max = *expected.iter().max().unwrap() as f64;
        let skew = max / (6.0 / f64::from(s.partitions));
        assert!((s.metrics.skew - skew).abs() < 1e-12);
        assert!((s.metrics.max_share - max / 6.0).abs() < 1e-12);
        assert!((s.metrics.effective_parallelism - 6.0 / max).abs() < 1e-12);
        let floor = (0.5 * f64::from(s.partitions)).max(1.0);
        assert!((s.metrics.hot_key_floor - floor).abs() < 1e-12);
    }
}

#[test]
fn counts_file_equals_event_file() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    wd.write(
        "c.csv",
        "customer,n\nalice,3\nbob,1\ncarol,1\nbob,1\nzed,0\n",
    );
    let events = json(&wd, &["e.csv", "--key", "customer", "-p", "1..8"]);
    let counts = json(
        &wd,
        &[
            "c.csv",
            "--key",
            "customer",
            "--count-col",
            "n",
            "-p",
            "1..8",
        ],
    );
    assert_eq!(events, counts);
}

#[test]
fn gzip_tsv_and_stdin_agree_with_plain_csv() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    wd.write_gz("e.csv.gz", EVENTS);
    wd.write("e.tsv", EVENTS.replace(',', "\t"));
    let plain = json(&wd, &["e.csv", "--key", "customer", "-p", "4"]);
    assert_eq!(
        plain,
        json(&wd, &["e.csv.gz", "--key", "customer", "-p", "4"])
    );
    assert_eq!(plain, json(&wd, &["e.tsv", "--key", "customer", "-p", "4"]));
    let out = wd
        .keyplan()
        .args([
            "analyze", "-", "--key", "customer", "-p", "4", "--format", "json",
        ])
        .write_stdin(EVENTS)
        .output()
        .unwrap();
    let stdin: AnalysisReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stdin.provenance.as_ref().unwrap().inputs, vec!["-"]);
    assert_eq!(
        plain,
        AnalysisReport {
            provenance: None,
            ..stdin
        }
    );
}

#[test]
fn several_inputs_form_one_sample() {
    let wd = Workdir::new();
    wd.write("a.csv", "customer\nalice\nbob\n");
    wd.write("b.csv", "customer\nalice\n");
    let r = json(&wd, &["a.csv", "b.csv", "--key", "customer", "-p", "2"]);
    assert_eq!(r.events, 3);
    assert_eq!(r.top_keys[0].events, 2);
}

#[test]
fn keys_are_raw_bytes() {
    let wd = Workdir::new();
    // Invalid UTF-8, a NUL byte, leading/trailing spaces and a quoted comma are all legal keys.
    let mut data = b"k,v\n\xff\xfe,1\n\"a,b\",2\n x ,3\nn\x00l,4\n,5\n".to_vec();
    data.extend_from_slice(b"\xff\xfe,6\n");
    wd.write("bin.csv", &data);
    let r = json(&wd, &["bin.csv", "--key", "k", "-p", "7"]);
    assert_eq!(r.events, 6);
    assert_eq!(r.distinct_keys, 5);
    assert_eq!(r.top_keys[0].key_hex.as_deref(), Some("fffe"));
    assert_eq!(r.top_keys[0].key, "\\xff\\xfe");
    let hexes = key_hexes(&r);
    assert!(
        hexes.contains(&"207820".to_string()),
        "spaces kept: {hexes:?}"
    );
    assert!(
        hexes.contains(&"612c62".to_string()),
        "quoted comma unquoted"
    );
    assert!(hexes.contains(&"6e006c".to_string()), "NUL kept");
    assert!(hexes.contains(&String::new()), "empty key kept");
}

#[test]
fn redaction_hides_keys() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    wd.keyplan()
        .args([
            "analyze",
            "e.csv",
            "--key",
            "customer",
            "-p",
            "2",
            "--redact-keys",
        ])
        .args(["--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("alice").not())
        .stdout(predicate::str::contains("<key #1>"));
}

#[test]
fn output_file_is_written() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    wd.keyplan()
        .args([
            "analyze", "e.csv", "--key", "customer", "-p", "2", "-o", "out.md",
        ])
        .args(["--format", "markdown"])
        .assert()
        .success()
        .stdout("");
    let md = std::fs::read_to_string(wd.path().join("out.md")).unwrap();
    assert!(md.starts_with("# Key distribution analysis"));
}

#[test]
fn bundled_samples_analyze() {
    let root = repo_root();
    let wd = Workdir::new();
    let flights = root.join("samples/flights/flights.csv.gz");
    let counts = root.join("samples/flights/tailnum_counts.csv");
    let from_events = json(
        &wd,
        &[
            flights.to_str().unwrap(),
            "--key",
            "tailnum",
            "-p",
            "6,12,24",
        ],
    );
    let from_counts = json(
        &wd,
        &[
            counts.to_str().unwrap(),
            "--key",
            "tailnum",
            "--count-col",
            "flights",
            "-p",
            "6,12,24",
        ],
    );
    assert_eq!(from_events.events, 336_776);
    assert_eq!(from_events, from_counts);
}

// ---- errors: exit 2, one clear message, never a panic ----

fn fails(wd: &Workdir, args: &[&str], needles: &[&str]) {
    let assert = wd.keyplan().arg("analyze").args(args).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
}

#[test]
fn unknown_column_lists_the_columns() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    fails(
        &wd,
        &["e.csv", "--key", "tenant", "-p", "2"],
        &[
            "column 'tenant' not found in e.csv",
            "columns: id, customer",
            "--key",
        ],
    );
    fails(
        &wd,
        &["e.csv", "--key", "customer", "--count-col", "n", "-p", "2"],
        &["column 'n' not found", "--count-col"],
    );
}

#[test]
fn missing_file_is_named() {
    let wd = Workdir::new();
    fails(
        &wd,
        &["nope.csv", "--key", "k", "-p", "2"],
        &["nope.csv", "No such file"],
    );
    std::fs::create_dir(wd.path().join("dir.csv")).unwrap();
    fails(
        &wd,
        &["dir.csv", "--key", "k", "-p", "2"],
        &["dir.csv", "directory"],
    );
}

#[test]
fn bad_partition_counts() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    for (list, needle) in [
        ("0", "at least 1"),
        ("6,0", "at least 1"),
        ("100001", "out of range"),
        ("1..200000", "out of range"),
        ("-4", "negative"),
        ("six", "not a whole number"),
        ("9..3", "empty"),
    ] {
        fails(
            &wd,
            &["e.csv", "--key", "customer", "-p", list],
            &[needle, "--partitions"],
        );
    }
}

#[test]
fn malformed_weights_name_line_and_column() {
    let wd = Workdir::new();
    for (value, needle) in [
        ("abc", "not a number"),
        ("-3", "negative"),
        ("NaN", "not a finite number"),
        ("inf", "not a finite number"),
        ("1.5", "not a whole number"),
        ("", "empty"),
        ("99999999999999999999999", "too large"),
    ] {
        wd.write("c.csv", format!("key,n\na,1\nb,{value}\n"));
        fails(
            &wd,
            &["c.csv", "--key", "key", "--count-col", "n", "-p", "2"],
            &["c.csv:3", "column 'n'", needle],
        );
    }
}

#[test]
fn overflowing_total_is_an_error() {
    let wd = Workdir::new();
    wd.write("c.csv", "key,n\na,18446744073709551615\nb,1\n");
    fails(
        &wd,
        &["c.csv", "--key", "key", "--count-col", "n", "-p", "2"],
        &["c.csv:3", "overflow"],
    );
}

/// The fast reader keeps no line per row: the message's line is counted back from the row, across
/// empty lines and `\r\n` line ends.
#[test]
fn overflowing_total_names_the_line_of_the_row() {
    let wd = Workdir::new();
    wd.write(
        "c.csv",
        "key,n\r\na,1\r\n\r\nb,2\r\n\r\n\r\nc,18446744073709551613\r\nd,1\r\n",
    );
    fails(
        &wd,
        &["c.csv", "--key", "key", "--count-col", "n", "-p", "2"],
        &["c.csv:7", "overflow"],
    );
}

#[test]
fn empty_and_ragged_inputs() {
    let wd = Workdir::new();
    wd.write("empty.csv", "");
    fails(
        &wd,
        &["empty.csv", "--key", "k", "-p", "2"],
        &["empty.csv", "empty"],
    );
    wd.write("header.csv", "k,v\n");
    fails(
        &wd,
        &["header.csv", "--key", "k", "-p", "2"],
        &["header.csv", "no rows"],
    );
    wd.write("zeros.csv", "k,n\na,0\n");
    fails(
        &wd,
        &["zeros.csv", "--key", "k", "--count-col", "n", "-p", "2"],
        &["count of 0"],
    );
    wd.write("ragged.csv", "k,v\na,1\nb,2,3\n");
    fails(
        &wd,
        &["ragged.csv", "--key", "k", "-p", "2"],
        &["ragged.csv:3", "3 fields", "2"],
    );
}

#[test]
fn truncated_gzip_is_an_error() {
    let wd = Workdir::new();
    let path = wd.write_gz("t.csv.gz", "k\n".repeat(5000));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    fails(
        &wd,
        &["t.csv.gz", "--key", "k", "-p", "2"],
        &["t.csv.gz", "truncated"],
    );
}

#[test]
fn unknown_partitioner_lists_known_ones() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    fails(
        &wd,
        &[
            "e.csv",
            "--key",
            "customer",
            "-p",
            "2",
            "--partitioner",
            "nope",
        ],
        &["nope", "java"],
    );
}

#[test]
fn missing_required_flags() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    fails(&wd, &["e.csv", "-p", "2"], &["--key"]);
    fails(&wd, &["e.csv", "--key", "customer"], &["--partitions"]);
}

#[test]
fn bad_output_path_fails_before_reading() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    fails(
        &wd,
        &[
            "e.csv",
            "--key",
            "customer",
            "-p",
            "2",
            "-o",
            "no/such/dir/r.json",
        ],
        &["no/such/dir/r.json"],
    );
}

#[test]
fn same_input_same_bytes() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    let run = |seed: &str| {
        wd.keyplan()
            .args(["analyze", "e.csv", "--key", "customer", "-p", "2..5"])
            .args(["--format", "json", "--seed", seed])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run("1"), run("1"));
    let r: AnalysisReport = serde_json::from_slice(&run("1")).unwrap();
    for s in &r.scenarios {
        assert!(s.stats.skew_ci[0] <= s.metrics.skew && s.metrics.skew <= s.stats.skew_ci[1]);
        assert!(
            s.stats.sample_too_small,
            "6 events cannot support a conclusion"
        );
        assert!(s.stats.expected_skew_random.is_some());
    }
}

/// Every report says how it was made: version, inputs as given, rows, the flags that change results,
/// seed and trials; nothing that differs between two identical runs.
#[test]
fn provenance_is_recorded() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    let args = ["e.csv", "--key", "customer", "-p", "2,3", "--seed", "7"];
    let r = json_with_provenance(&wd, &args);
    let p = r.provenance.expect("analyze records its provenance");
    assert_eq!(p.keyplan_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(p.inputs, vec!["e.csv".to_string()]);
    assert_eq!(p.rows_read, 6);
    assert_eq!(p.settings["key"], "customer");
    assert_eq!(p.settings["partitions"], "2,3");
    assert_eq!(p.settings["partitioner"], "java");
    assert_eq!((p.seed, p.trials), (Some(7), Some(200)));
    let again = json_with_provenance(&wd, &args);
    assert_eq!(again.provenance, Some(p));
}

/// Each scenario names the heaviest keys on its hottest partition with their share of it, and heavy
/// placeholder keys (`NA`, `null`, empty, ...) are flagged in every format.
#[test]
fn hottest_partition_keys_and_placeholders() {
    let wd = Workdir::new();
    let mut csv = String::from("k\n");
    for (key, n) in [
        ("NA", 50),
        ("a", 20),
        ("b", 10),
        ("c", 5),
        ("d", 5),
        ("null", 1),
    ] {
        for _ in 0..n {
            csv.push_str(key);
            csv.push('\n');
        }
    }
    wd.write("e.csv", &csv);
    let r = json(&wd, &["e.csv", "--key", "k", "-p", "1,4"]);
    assert!(r.top_keys[0].placeholder && r.top_keys[0].key == "NA");
    assert!(!r.top_keys[1].placeholder);
    for s in &r.scenarios {
        let hot = &s.hot_partition_keys;
        assert!(!hot.is_empty());
        // Heaviest first; each share is of the hottest partition.
        for k in hot {
            let share = k.events as f64 / s.metrics.max_partition_events as f64;
            assert!((k.share_of_partition - share).abs() < 1e-12);
        }
        assert!(hot.windows(2).all(|w| w[0].events >= w[1].events));
        // NA (50 of 91 events) is always on the hottest partition.
        assert_eq!(hot[0].key, "NA");
        assert!(hot[0].placeholder);
        let total: u64 = hot.iter().map(|k| k.events).sum();
        assert!(total <= s.metrics.max_partition_events);
    }
    let one = &r.scenarios[0];
    assert_eq!(one.hot_partition_keys.len(), 5, "five keys listed at most");
    let text = wd
        .keyplan()
        .args(["analyze", "e.csv", "--key", "k", "-p", "4"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("hottest partition"), "{text}");
    assert!(
        text.contains("NA ") && text.contains("[placeholder]"),
        "{text}"
    );
    assert!(text.contains("placeholder key NA carries"), "{text}");
    let redacted = json(&wd, &["e.csv", "--key", "k", "-p", "4", "--redact-keys"]);
    let hot = &redacted.scenarios[0].hot_partition_keys;
    assert_eq!(hot[0].key, "<key #1>");
    assert!(hot.iter().all(|k| k.key_hex.is_none()));
}

/// `--format csv` loads into a spreadsheet or data frame as it is: one value per cell, interval ends
/// in two columns, flags as true/false, missing values empty.
#[test]
fn csv_has_one_value_per_cell() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    let run = |extra: &[&str]| {
        let out = wd
            .keyplan()
            .args([
                "analyze", "e.csv", "--key", "customer", "-p", "2,3", "--format", "csv",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        (headers, rows)
    };
    let (headers, rows) = run(&[]);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let low: f64 = row[col("skew_ci_low")].parse().unwrap();
        let high: f64 = row[col("skew_ci_high")].parse().unwrap();
        assert!(low <= high);
        assert!(matches!(&row[col("worse_than_random")], "true" | "false"));
        assert!(matches!(&row[col("sample_too_small")], "true" | "false"));
        for cell in row.iter() {
            assert!(
                !cell.contains(' ') && cell != "-",
                "one plain value per cell: {row:?}"
            );
        }
    }
    let (_, rows) = run(&["--trials", "0"]);
    assert_eq!(&rows[0][col("expected_skew_random")], "");
    assert_eq!(&rows[0][col("worse_than_random")], "");
}

/// Rough edges a newcomer meets: one error prefix for every error (clap's included), the closest
/// partitioner id for a client name, singular nouns, a table that fits 120 columns unless --wide,
/// and event times shown as dates with the mean rate.
#[test]
fn newcomer_rough_edges() {
    let wd = Workdir::new();
    wd.write("one.csv", "k,t\na,2024-05-01T12:00:00Z\n");
    let out = wd.keyplan().args(["analyze", "one.csv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("keyplan: error: "), "{stderr}");
    fails(
        &wd,
        &[
            "one.csv",
            "--key",
            "k",
            "-p",
            "2",
            "--partitioner",
            "confluent",
        ],
        &["keyplan: error: ", "Did you mean 'librdkafka'?"],
    );
    let text = |extra: &[&str]| {
        let out = wd
            .keyplan()
            .args([
                "analyze",
                "one.csv",
                "--key",
                "k",
                "--time-col",
                "t",
                "-p",
                "2",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let narrow = text(&[]);
    assert!(narrow.starts_with("1 event, 1 distinct key;"), "{narrow}");
    assert!(
        narrow.contains("events from 2024-05-01T12:00:00Z to 2024-05-01T12:00:00Z"),
        "{narrow}"
    );
    let table: Vec<&str> = narrow
        .lines()
        .skip_while(|l| *l != "partition counts")
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(table.len() >= 3, "{narrow}");
    assert!(table.iter().all(|l| l.chars().count() <= 120), "{narrow}");
    assert!(narrow.contains("--wide shows them"), "{narrow}");
    let wide = text(&["--wide"]);
    assert!(wide.contains(" gini "), "{wide}");
    assert!(!wide.contains("--wide shows them"), "{wide}");
}

/// Keys a client does not hash (the empty key under librdkafka's default spreads at random; Kinesis
/// refuses it) count neither in the hot-key floor nor in the random comparison; with no hashed event
/// the ratios are null, not those of perfect balance.
#[test]
fn unhashed_keys_are_not_hot_keys() {
    let wd = Workdir::new();
    wd.write("c.csv", "k,c\n\"\",50\nxyz,1\nab,1\n");
    let args = ["c.csv", "--key", "k", "--count-col", "c", "-p", "4"];
    let with = |p: &str| {
        let mut a = args.to_vec();
        a.extend(["--partitioner", p]);
        json(&wd, &a).scenarios.remove(0)
    };
    let java = with("java");
    assert!((java.metrics.hot_key_floor - 50.0 / 52.0 * 4.0).abs() < 1e-9);
    let rdk = with("librdkafka");
    // The heaviest hashed key (1 event of 52) is the floor's key: max(1, 4/52) = 1.
    assert_eq!(rdk.metrics.hot_key_floor, 1.0);
    assert!(rdk.stats.expected_skew_random.unwrap() < java.stats.expected_skew_random.unwrap());
    wd.write("only.csv", "k,c\n\"\",50\n");
    for p in ["librdkafka", "kinesis"] {
        let r = json(
            &wd,
            &[
                "only.csv",
                "--key",
                "k",
                "--count-col",
                "c",
                "-p",
                "4",
                "--partitioner",
                p,
            ],
        );
        let s = &r.scenarios[0];
        for v in [
            s.metrics.max_share,
            s.metrics.skew,
            s.metrics.cv,
            s.metrics.gini,
            s.metrics.effective_parallelism,
            s.metrics.hot_key_floor,
            s.stats.skew_ci[0],
        ] {
            assert!(v.is_nan(), "{p}: undefined metrics are null: {s:?}");
        }
        assert_eq!(s.stats.worse_than_random, None);
    }
    let out = wd
        .keyplan()
        .args([
            "analyze",
            "only.csv",
            "--key",
            "k",
            "--count-col",
            "c",
            "-p",
            "4",
        ])
        .args(["--partitioner", "kinesis", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"skew\": null"), "{text}");
}

/// A key,count file read as events says so (stderr and report), naming the flag; without --key the
/// error suggests --count-col / --input-format counts; a wrong delimiter is named as such.
#[test]
fn counts_file_read_as_events_and_wrong_delimiter() {
    let wd = Workdir::new();
    wd.write("counts.csv", "key,count\na,50\nb,3\n");
    let out = wd
        .keyplan()
        .args([
            "analyze",
            "counts.csv",
            "--key",
            "key",
            "-p",
            "2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--count-col count"), "{stderr}");
    let r: AnalysisReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r.events, 2);
    assert!(
        r.input_notes[0].contains("--count-col count"),
        "{:?}",
        r.input_notes
    );
    // Given the weight column, no warning.
    let r = json(
        &wd,
        &[
            "counts.csv",
            "--key",
            "key",
            "--count-col",
            "count",
            "-p",
            "2",
        ],
    );
    assert!(r.input_notes.is_empty());
    assert_eq!(r.events, 53);
    for header in ["k,events", "k,n", "k,CNT", "k,weight"] {
        wd.write("w.csv", format!("{header}\na,1\n"));
        let r = json(&wd, &["w.csv", "--key", "k", "-p", "2"]);
        assert_eq!(r.input_notes.len(), 1, "{header}");
    }
    fails(
        &wd,
        &["counts.csv", "-p", "2"],
        &["--count-col count", "--input-format counts"],
    );
    wd.write("semi.csv", "a,b,tailnum\n1,2,x\n");
    fails(
        &wd,
        &[
            "semi.csv",
            "--key",
            "tailnum",
            "-p",
            "2",
            "--delimiter",
            ";",
        ],
        &["read as one single field", "--delimiter ','"],
    );
}

/// A sweep over more than 16 counts shares a trial budget, says so in JSON and in the table's notes,
/// and an explicit `--trials` runs every count in full; 16 counts run in full by default.
#[test]
fn wide_sweeps_share_a_trial_budget() {
    let wd = Workdir::new();
    wd.write("e.csv", EVENTS);
    let wide = ["e.csv", "--key", "customer", "-p", "1..17"];
    let r = json_with_provenance(&wd, &wide);
    let limit = 16 * 2000 / 17;
    assert_eq!(r.provenance.as_ref().unwrap().trials_limit, Some(limit));
    for s in r.scenarios.iter().filter(|s| s.partitions > 1) {
        assert_eq!(s.stats.random_trials_limit, Some(limit), "{}", s.partitions);
        assert!(s.stats.random_trials.unwrap() <= limit);
    }
    wd.keyplan()
        .arg("analyze")
        .args(wide)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "a sweep over more than 16 partition counts runs at most {limit} Monte Carlo trials"
        )));
    for args in [
        &[
            "e.csv", "--key", "customer", "-p", "1..17", "--trials", "200",
        ][..],
        &["e.csv", "--key", "customer", "-p", "1..16"][..],
    ] {
        let r = json_with_provenance(&wd, args);
        assert_eq!(
            r.provenance.as_ref().unwrap().trials_limit,
            None,
            "{args:?}"
        );
        assert!(r
            .scenarios
            .iter()
            .all(|s| s.stats.random_trials_limit.is_none()));
        wd.keyplan()
            .arg("analyze")
            .args(args)
            .assert()
            .success()
            .stdout(predicate::str::contains("Monte Carlo trials").not());
    }
}
