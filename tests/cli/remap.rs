//! CLI tests of `keyplan remap` and `keyplan clients`: every figure recomputed independently with
//! `Partitioner::partition_of` on a small sample, the identities (N == M moves nothing, identical
//! mappings never differ), and the errors.

use std::collections::BTreeMap;

use crate::common::Workdir;
use keyplan::model::PartitionCount;
use keyplan::partitioner::{Partitioner, Placement};
use keyplan::report::{ClientsReport, RemapReport};

/// A small weighted sample: key `k{i}` has `1 + i % 7` events of 10 bytes each.
fn sample(wd: &Workdir) -> BTreeMap<String, u64> {
    let mut csv = String::from("key,size\n");
    let mut events = BTreeMap::new();
    for i in 0..300u64 {
        let key = format!("k{i}");
        for _ in 0..1 + i % 7 {
            csv.push_str(&format!("{key},10\n"));
        }
        events.insert(key, 1 + i % 7);
    }
    wd.write("events.csv", csv);
    events
}

fn count(n: u64) -> PartitionCount {
    PartitionCount::new(n).unwrap()
}

fn json<T: serde::de::DeserializeOwned>(wd: &Workdir, args: &[&str]) -> T {
    let out = wd
        .keyplan()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON report")
}

fn remap(wd: &Workdir, from: &str, to: &str, extra: &[&str]) -> RemapReport {
    let mut args = vec![
        "remap",
        "events.csv",
        "--key",
        "key",
        "--size-col",
        "size",
        "--from",
        from,
        "--to",
        to,
    ];
    args.extend_from_slice(extra);
    json(wd, &args)
}

#[test]
fn remap_figures_match_an_independent_count() {
    let wd = Workdir::new();
    let events = sample(&wd);
    for (n, m) in [(6, 12), (12, 8), (5, 7)] {
        let r = remap(&wd, &n.to_string(), &m.to_string(), &["--top", "5"]);
        assert_eq!(r.schema, "keyplan.remap/v1");
        let (mut keys_moved, mut events_moved) = (0, 0);
        for (k, &w) in &events {
            let a = Partitioner::Java.partition_of(k.as_bytes(), count(n));
            let b = Partitioner::Java.partition_of(k.as_bytes(), count(m));
            if a != b {
                keys_moved += 1;
                events_moved += w;
            }
        }
        let total: u64 = events.values().sum();
        assert_eq!(r.keys, 300);
        assert_eq!(r.events, total);
        assert_eq!(r.keys_moved, keys_moved);
        assert_eq!(r.events_moved, events_moved);
        assert_eq!(r.bytes_moved, Some(events_moved * 10));
        assert!((r.events_moved_share - events_moved as f64 / total as f64).abs() < 1e-12);
        assert!((r.keys_moved_share - keys_moved as f64 / 300.0).abs() < 1e-12);
        assert_eq!(r.moved_keys.len(), 5);
        // Heaviest first, and each listed key really moves between the listed partitions.
        assert!(r.moved_keys.windows(2).all(|w| w[0].events >= w[1].events));
        for k in &r.moved_keys {
            let at = |c| match Partitioner::Java.partition_of(k.key.as_bytes(), count(c)) {
                Placement::Partition(p) => Some(p),
                _ => None,
            };
            assert_eq!((k.from, k.to), (at(n), at(m)));
            assert_ne!(k.from, k.to);
        }
        let best = r.guidance.best_counts.as_ref().unwrap();
        assert_eq!(best.len(), 3);
        assert!(best.iter().all(|c| c.partitions > n as u32));
        assert_eq!(r.guidance.to_is_multiple, m % n == 0);
    }
}

/// Where the Java client puts `key` at `n` partitions.
fn java(key: &str, n: u64) -> Placement {
    Partitioner::Java.partition_of(key.as_bytes(), count(n))
}

/// A strategy key reaches `remap` and `clients` as it reaches `analyze`: the keys placed are the
/// strategy's derived keys, recomputed here from their definition (docs/strategies.md).
#[test]
fn strategy_keys_are_remapped_and_compared() {
    let wd = Workdir::new();
    let events = sample(&wd);
    // Every row's size is "10", so `by=size` gives every key the same bucket: murmur2 of the
    // bytes, positive, mod 4, which is where the Java client puts them at 4 partitions.
    let Placement::Partition(bucket) = java("10", 4) else {
        panic!("java hashes every key")
    };
    let salted: BTreeMap<String, u64> = events
        .iter()
        .map(|(k, &w)| (format!("{k}#{bucket}"), w))
        .collect();
    let key = "salt(key, 4, by=size)";
    let r: RemapReport = json(
        &wd,
        &[
            "remap",
            "events.csv",
            "--key",
            key,
            "--from",
            "6",
            "--to",
            "12",
        ],
    );
    let moved: Vec<(&String, &u64)> = salted
        .iter()
        .filter(|(k, _)| java(k, 6) != java(k, 12))
        .collect();
    assert_eq!(r.keys, 300);
    assert_eq!(r.keys_moved, moved.len() as u64);
    assert_eq!(r.events_moved, moved.iter().map(|(_, &w)| w).sum::<u64>());
    assert!(!r.moved_keys.is_empty());
    assert!(r.moved_keys.iter().all(|k| salted.contains_key(&k.key)));
    let c: ClientsReport = json(
        &wd,
        &[
            "clients",
            "events.csv",
            "--key",
            key,
            "-p",
            "12",
            "--partitioners",
            "java,librdkafka",
        ],
    );
    let differ = salted
        .keys()
        .filter(|k| java(k, 12) != Partitioner::Librdkafka.partition_of(k.as_bytes(), count(12)))
        .count();
    assert_eq!(c.pairs[0].keys_differ, differ as u64);
}

#[test]
fn remap_to_the_same_count_moves_nothing() {
    let wd = Workdir::new();
    sample(&wd);
    let r = remap(&wd, "12", "12", &[]);
    assert_eq!(
        (r.keys_moved, r.events_moved, r.bytes_moved),
        (0, 0, Some(0))
    );
    assert!(r.moved_keys.is_empty());
    assert_eq!(r.guidance.keys_stay_share, 1.0);
}

#[test]
fn remap_doubling_keeps_the_expected_share() {
    let wd = Workdir::new();
    sample(&wd);
    let r = remap(&wd, "6", "12", &[]);
    assert_eq!(r.guidance.expected_keys_stay_share, Some(0.5));
    assert!((r.guidance.keys_stay_share - 0.5).abs() < 0.1);
}

#[test]
fn remap_counts_random_and_refused_keys_apart() {
    let wd = Workdir::new();
    wd.write("keys.csv", "key\na\na\n\"\"\n\"\"\n\"\"\nb\n");
    let r: RemapReport = json(
        &wd,
        &[
            "remap",
            "keys.csv",
            "--key",
            "key",
            "--from",
            "3",
            "--to",
            "3",
            "--partitioner",
            "librdkafka",
        ],
    );
    // The empty key is placed at random by librdkafka: it always moves.
    assert_eq!(r.random_events, 3);
    assert_eq!((r.keys_moved, r.events_moved), (1, 3));
}

#[test]
fn clients_of_identical_mappings_never_differ() {
    let wd = Workdir::new();
    sample(&wd);
    let r: ClientsReport = json(
        &wd,
        &[
            "clients",
            "events.csv",
            "--key",
            "key",
            "--partitions",
            "12",
            "--partitioners",
            "java,librdkafka-murmur2,librdkafka",
        ],
    );
    assert_eq!(r.schema, "keyplan.clients/v1");
    let pairs: Vec<(&str, &str)> = r.pairs.iter().map(|p| (&*p.a, &*p.b)).collect();
    assert_eq!(
        pairs,
        [
            ("java", "librdkafka-murmur2"),
            ("java", "librdkafka"),
            ("librdkafka-murmur2", "librdkafka")
        ]
    );
    assert_eq!((r.pairs[0].keys_differ, r.pairs[0].events_differ), (0, 0));
    assert!(r.pairs[0].keys_that_differ.is_empty());
    // java vs librdkafka (crc32): recomputed independently.
    let mut differ = 0;
    for i in 0..300u64 {
        let k = format!("k{i}");
        let a = Partitioner::Java.partition_of(k.as_bytes(), count(12));
        let b = Partitioner::Librdkafka.partition_of(k.as_bytes(), count(12));
        differ += u64::from(a != b);
    }
    assert_eq!(r.pairs[1].keys_differ, differ);
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    let wd = Workdir::new();
    sample(&wd);
    let cases: [&[&str]; 4] = [
        &[
            "clients",
            "events.csv",
            "--key",
            "key",
            "-p",
            "4",
            "--partitioners",
            "java",
        ],
        &[
            "clients",
            "events.csv",
            "--key",
            "key",
            "-p",
            "4",
            "--partitioners",
            "java,java",
        ],
        &[
            "remap",
            "events.csv",
            "--key",
            "key",
            "--from",
            "0",
            "--to",
            "4",
        ],
        &[
            "remap",
            "events.csv",
            "--key",
            "nope",
            "--from",
            "2",
            "--to",
            "4",
        ],
    ];
    for args in cases {
        let out = wd.keyplan().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("keyplan: "),
            "{args:?}"
        );
    }
}

#[test]
fn every_format_renders() {
    let wd = Workdir::new();
    sample(&wd);
    for format in ["table", "csv", "markdown"] {
        for args in [
            &[
                "remap",
                "events.csv",
                "--key",
                "key",
                "--from",
                "4",
                "--to",
                "6",
            ][..],
            &[
                "clients",
                "events.csv",
                "--key",
                "key",
                "-p",
                "4",
                "--partitioners",
                "java,sarama",
            ],
        ] {
            let out = wd
                .keyplan()
                .args(args)
                .args(["--format", format])
                .output()
                .unwrap();
            assert!(out.status.success());
            assert!(!out.stdout.is_empty());
        }
    }
}
