//! CLI tests for `keyplan synth` and the bounded-memory mode of `keyplan analyze`.

use std::path::Path;

use crate::common::{keyplan, Workdir};
use keyplan::report::AnalysisReport;
use predicates::prelude::*;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("read output")
}

#[test]
fn synth_zipf_is_reproducible_and_atomic() {
    let w = Workdir::new();
    let args = |out: &Path| {
        let mut c = keyplan();
        c.args(["synth", "zipf", "--events", "5000", "--keys", "300"])
            .args(["--exponent", "1.1", "--seed", "9", "--output"])
            .arg(out);
        c
    };
    args(&w.join("a.csv")).assert().success().stdout("");
    args(&w.join("b.csv")).assert().success();
    let a = read(&w.join("a.csv"));
    assert_eq!(a, read(&w.join("b.csv")));
    assert!(a.starts_with("key\nkey-"));
    assert_eq!(a.lines().count(), 5001);
    assert_eq!(w.files(), vec!["a.csv", "b.csv"], "no temp files left");

    // Standard output gives the same bytes.
    let stdout = keyplan()
        .args(["synth", "zipf", "--events", "5000", "--keys", "300"])
        .args(["--exponent", "1.1", "--seed", "9"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(String::from_utf8(stdout).unwrap(), a);
}

#[test]
fn synth_hot_tenant_with_columns_feeds_analyze() {
    let w = Workdir::new();
    let sample = w.join("orders.csv");
    keyplan()
        .args(["synth", "hot-tenant", "--events", "20000", "--keys", "500"])
        .args([
            "--hot-keys",
            "1",
            "--hot-share",
            "0.5",
            "--key-name",
            "tenant_id",
        ])
        .args(["--columns", "key,order_id,ts,bytes", "-o"])
        .arg(&sample)
        .assert()
        .success();
    assert!(read(&sample).starts_with("tenant_id,order_id,ts,bytes\n"));
    let out = keyplan()
        .arg("analyze")
        .arg(&sample)
        .args(["--key", "tenant_id", "-p", "6", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: AnalysisReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.events, 20_000);
    assert_eq!(report.top_keys[0].key, "key-00000000");
    assert!((report.top_key_share - 0.5).abs() < 0.03);
}

#[test]
fn synth_rejects_bad_flags() {
    let w = Workdir::new();
    keyplan()
        .args(["synth", "hot-tenant", "--keys", "5", "--hot-keys", "9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--hot-keys 9 is out of range"));
    keyplan()
        .args(["synth", "uniform", "--columns", "ts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'key' exactly once"));
    keyplan()
        .args(["synth", "zipf", "--exponent", "-2"])
        .assert()
        .code(2);
    keyplan()
        .args(["synth", "uniform", "--output"])
        .arg(w.join("missing/dir/x.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write here"));
}

/// A sample of `keys` distinct keys, one event each, plus `hot_events` events of the key `hot`,
/// interleaved so the hot key arrives after the switch to bounded memory too.
fn many_keys_sample(keys: usize, hot_events: usize) -> String {
    let mut text = String::from("id,key\n");
    for i in 0..keys.max(hot_events) {
        if i < keys {
            text.push_str(&format!("{i},customer-{i}\n"));
        }
        if i < hot_events {
            text.push_str(&format!("{i},hot\n"));
        }
    }
    text
}

fn analyze_json(input: &Path, extra: &[&str]) -> AnalysisReport {
    let out = keyplan()
        .arg("analyze")
        .arg(input)
        .args(["--key", "key", "-p", "1,7,12,64", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report parses")
}

#[test]
fn bounded_mode_keeps_loads_exact() {
    let w = Workdir::new();
    let input = w.write("many.csv", many_keys_sample(3000, 500));
    // Bounded mode keeps no per-key weights, so its interval is the multinomial one.
    let exact = analyze_json(&input, &["--interval", "multinomial"]);
    let bounded = analyze_json(&input, &["--max-keys", "10", "--top", "3"]);
    assert_eq!(bounded.interval.as_ref().unwrap().method, "multinomial");

    assert!(exact.approximate.is_none());
    assert_eq!(exact.distinct_keys, 3001);
    assert_eq!(bounded.events, exact.events);
    assert_eq!(bounded.scenarios.len(), exact.scenarios.len());
    for (b, e) in bounded.scenarios.iter().zip(&exact.scenarios) {
        assert_eq!(b.partition_events, e.partition_events, "loads are exact");
        assert_eq!(b.metrics, e.metrics, "metrics are exact");
        assert_eq!(
            b.stats.skew_ci, e.stats.skew_ci,
            "intervals come from loads"
        );
        // The random-placement expectation needs every key's weight: not kept in bounded mode.
        assert!(b.stats.expected_skew_random.is_none());
    }

    let a = bounded.approximate.as_ref().expect("approximate section");
    assert_eq!(a.mode, "bounded");
    assert!(
        a.reason.contains("more than 10 distinct keys"),
        "{}",
        a.reason
    );
    assert_eq!((a.max_keys, a.top_keys_capacity), (10, 10));
    assert_eq!(a.distinct_keys_estimate, bounded.distinct_keys);
    let rse_bound = 4.0 * a.distinct_keys_rse * 3001.0;
    assert!((bounded.distinct_keys as f64 - 3001.0).abs() <= rse_bound);
    assert!(a.top_keys_max_error * 10 <= bounded.events);

    let hot = &bounded.top_keys[0];
    assert_eq!(hot.key, "hot");
    let error = hot.max_error.expect("bounded counts carry their error");
    assert!(hot.events >= 500 && hot.events - error <= 500);
    assert!(bounded.top_key_share >= exact.top_key_share);
    assert_eq!(bounded.top_keys.len(), 3);
}

#[test]
fn bounded_mode_is_labelled_in_text_and_markdown() {
    let w = Workdir::new();
    let input = w.write("many.csv", many_keys_sample(50, 20));
    for (format, label) in [
        ("table", "top keys (approximate)"),
        ("markdown", "## Top keys (approximate)"),
    ] {
        keyplan()
            .arg("analyze")
            .arg(&input)
            .args([
                "--key",
                "key",
                "-p",
                "4",
                "--max-keys",
                "5",
                "--format",
                format,
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "Bounded-memory mode: the sample has more than 5",
            ))
            .stdout(predicate::str::contains("distinct keys (approximate"))
            .stdout(predicate::str::contains(label));
    }
    keyplan()
        .arg("analyze")
        .arg(&input)
        .args(["--key", "key", "-p", "4", "--max-keys", "100"])
        .assert()
        .success()
        .stdout(predicate::str::contains("approximate").not());
    keyplan()
        .arg("analyze")
        .arg(&input)
        .args(["--key", "key", "-p", "4", "--max-keys", "0"])
        .assert()
        .code(2);
}

/// `analyze --format json` output for `args`, with the engine's blocks cut to `block_size` bytes.
fn analyze_bytes(input: &Path, block_size: &str, args: &[&str]) -> Vec<u8> {
    let out = keyplan()
        .env("KEYPLAN_BLOCK_SIZE", block_size)
        .arg("analyze")
        .arg(input)
        .args(["--key", "key", "-p", "6,12", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn bounded_mode_gives_the_same_bytes_for_any_thread_count() {
    let w = Workdir::new();
    // 60,000 zipf events over 5,000 keys in ~4 KiB blocks: about 150 blocks, so the switch to
    // bounded memory and the in-order merges after it run through every worker.
    let input = w.join("zipf.csv");
    keyplan()
        .args(["synth", "zipf", "--events", "60000", "--keys", "5000"])
        .args(["--exponent", "1.1", "--seed", "5", "--output"])
        .arg(&input)
        .assert()
        .success();
    for max_keys in ["1000", "100000"] {
        let args = ["--max-keys", max_keys];
        let one = analyze_bytes(&input, "4096", &[&args[..], &["--threads", "1"]].concat());
        for threads in ["2", "3"] {
            let many = analyze_bytes(
                &input,
                "4096",
                &[&args[..], &["--threads", threads]].concat(),
            );
            assert!(
                one == many,
                "--max-keys {max_keys}: --threads {threads} differs from --threads 1"
            );
        }
        let report: AnalysisReport = serde_json::from_slice(&one).unwrap();
        assert_eq!(report.approximate.is_some(), max_keys == "1000");
    }
}

/// Legal but huge requests (issue #13) fail at once with exit 2 and say what would fit, instead of
/// aborting after allocating gigabytes or running for ever.
#[test]
fn huge_requests_are_refused_before_the_run() {
    let dir = Workdir::new();
    dir.write("in.csv", "key\na\nb\n");
    let cases: [(&[&str], &str); 4] = [
        (&["-p", "1..100000"], "per-partition loads"),
        (&["-p", "12", "--threads", "100000"], "at most 256"),
        (&["-p", "12", "--trials", "4294967295"], "at most 1000000"),
        (&["-p", "1..10000", "--trials", "1000"], "Monte Carlo steps"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["analyze", "in.csv", "--key", "key"];
        args.extend_from_slice(extra);
        dir.run(&args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
    dir.run(&[
        "synth",
        "uniform",
        "--events",
        "18000000000000000000",
        "-o",
        "big.csv",
    ])
    .assert()
    .code(2)
    .stderr(predicates::str::contains("free"));
    dir.run(&[
        "synth",
        "uniform",
        "--columns",
        "key,bytes",
        "--mean-bytes",
        "18446744073709551615",
    ])
    .assert()
    .code(2)
    .stderr(predicates::str::contains("--mean-bytes"));
    assert_eq!(dir.files(), ["in.csv"]);
}

/// In bounded mode the top list is ranked by upper bound; each key says whether it certainly belongs
/// (its lower bound beats every unlisted key's upper bound), and those that do are truly heavier than
/// every key left out.
#[test]
fn bounded_top_keys_say_which_are_certain() {
    let w = Workdir::new();
    let input = w.write("many.csv", many_keys_sample(3000, 500));
    let exact = analyze_json(&input, &["--top", "3000"]);
    let bounded = analyze_json(&input, &["--max-keys", "50", "--top", "5"]);
    let truth: std::collections::HashMap<&str, u64> = exact
        .top_keys
        .iter()
        .map(|k| (k.key.as_str(), k.events))
        .collect();
    assert!(bounded.top_keys.iter().all(|k| k.certain.is_some()));
    let certain: Vec<_> = bounded
        .top_keys
        .iter()
        .filter(|k| k.certain == Some(true))
        .collect();
    assert!(
        !certain.is_empty(),
        "the hot key is certain: {:?}",
        bounded.top_keys
    );
    let listed: Vec<&str> = bounded.top_keys.iter().map(|k| k.key.as_str()).collect();
    let heaviest_unlisted = exact
        .top_keys
        .iter()
        .filter(|k| !listed.contains(&k.key.as_str()))
        .map(|k| k.events)
        .max()
        .unwrap_or(0);
    for k in certain {
        assert!(truth[k.key.as_str()] >= heaviest_unlisted, "{k:?}");
    }
    assert!(exact.top_keys.iter().all(|k| k.certain.is_none()));
}
