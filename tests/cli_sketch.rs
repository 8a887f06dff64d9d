//! CLI tests for `keyplan synth` and the bounded-memory mode of `keyplan analyze`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use keyplan::report::AnalysisReport;
use predicates::prelude::*;

/// A temporary directory that test inputs are written into.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn keyplan() -> Command {
    Command::cargo_bin("keyplan").expect("binary builds")
}

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
    args(&w.path("a.csv")).assert().success().stdout("");
    args(&w.path("b.csv")).assert().success();
    let a = read(&w.path("a.csv"));
    assert_eq!(a, read(&w.path("b.csv")));
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
    let sample = w.path("orders.csv");
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
        .arg(w.path("missing/dir/x.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write here"));
}
