//! `keyplan detect`: observed (key, partition) pairs computed by a real partitioner are attributed to
//! it (or to an identical mapping), two clients on one topic are reported as mixed, CSV with
//! `--partition-col` reads the same, and impossible partitions are errors naming their line.

use keyplan::partitioner::{PartitionCount, Partitioner, Placement};
use serde_json::Value;

use crate::common::Workdir;

const N: u64 = 12;

/// The partition `p` computes for `key` at [`N`].
fn place(p: Partitioner, key: &str) -> u32 {
    match p.partition_of(key.as_bytes(), PartitionCount::new(N).unwrap()) {
        Placement::Partition(q) => q,
        other => panic!("{key} is not hashed by {}: {other:?}", p.id()),
    }
}

/// `key-0` .. `key-199`, each placed by `client(i)`.
fn pairs(client: impl Fn(usize) -> Partitioner) -> Vec<(String, u32)> {
    (0..200)
        .map(|i| {
            let key = format!("key-{i}");
            let q = place(client(i), &key);
            (key, q)
        })
        .collect()
}

/// kcat `-J` envelopes, two events per pair.
fn kcat(pairs: &[(String, u32)]) -> String {
    let mut out = String::new();
    for (i, (key, p)) in pairs.iter().enumerate() {
        for offset in 0..2 {
            out.push_str(&format!(
                "{{\"topic\":\"t\",\"partition\":{p},\"offset\":{},\"key\":\"{key}\",\"payload\":\"x\"}}\n",
                2 * i + offset
            ));
        }
    }
    out
}

fn detect_json(w: &Workdir, args: &[&str]) -> Value {
    let out = w
        .run(
            &[
                &["detect"],
                args,
                &["--partitions", "12", "--format", "json"],
            ]
            .concat(),
        )
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn match_of(report: &Value, id: &str) -> f64 {
    report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["partitioner"] == id)
        .unwrap()["match"]
        .as_f64()
        .unwrap()
}

#[test]
fn detect_librdkafka_from_kcat() {
    let w = Workdir::new();
    w.write("dump.json", kcat(&pairs(|_| Partitioner::Librdkafka)));
    let r = detect_json(&w, &["dump.json"]);
    assert_eq!(r["schema"], "keyplan.detect/v1");
    assert_eq!(r["events"], 400);
    assert_eq!(r["keys"], 200);
    let tied: Vec<&str> = r["best_tied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(tied.contains(&"librdkafka"), "{tied:?}");
    assert!(tied.contains(&r["best"].as_str().unwrap()));
    assert_eq!(match_of(&r, "librdkafka"), 1.0);
    assert_eq!(r["candidates"][0]["match"], 1.0);
    assert_eq!(r["mixed"], false);
    assert!(r["mixed_pair"].is_null());
    assert_eq!(r["unexplained_keys"].as_array().unwrap().len(), 0);
    // A wrong client matches about 1/N.
    assert!(match_of(&r, "sarama") < 0.3);
}

#[test]
fn detect_ties_are_reported_honestly() {
    let w = Workdir::new();
    w.write("dump.json", kcat(&pairs(|_| Partitioner::Java)));
    let r = detect_json(&w, &["dump.json"]);
    assert_eq!(r["best"], "java");
    assert_eq!(match_of(&r, "java"), 1.0);
    assert_eq!(match_of(&r, "librdkafka-murmur2"), 1.0);
    let tied = r["best_tied"].as_array().unwrap();
    assert!(tied.iter().any(|v| v == "librdkafka-murmur2"));
}

#[test]
fn detect_mixed_sarama_and_java() {
    let w = Workdir::new();
    let client = |i: usize| {
        if i.is_multiple_of(2) {
            Partitioner::Sarama
        } else {
            Partitioner::Java
        }
    };
    w.write("dump.json", kcat(&pairs(client)));
    let r = detect_json(&w, &["dump.json"]);
    assert_eq!(r["mixed"], true);
    // sarama's FNV-1a is also librdkafka-fnv1a's mapping, so that pair ties and comes first in
    // `keyplan partitioners` order; the tie list names java + sarama.
    assert_eq!(
        r["mixed_pair"],
        serde_json::json!(["java", "librdkafka-fnv1a"])
    );
    let tied = r["mixed_pairs_tied"].as_array().unwrap();
    assert!(
        tied.contains(&serde_json::json!(["java", "sarama"])),
        "{tied:?}"
    );
    assert_eq!(r["mixed_match"], 1.0);
    assert!(match_of(&r, "java") < 0.99);
    // The text verdict names the pair.
    w.run(&["detect", "dump.json", "-p", "12"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "java and librdkafka-fnv1a together explain",
        ))
        .stdout(predicates::str::contains("java + sarama"));
}

#[test]
fn detect_csv_with_partition_col() {
    let w = Workdir::new();
    let mut csv = String::from("id,part,events\n");
    for (key, p) in pairs(|_| Partitioner::Librdkafka) {
        csv.push_str(&format!("{key},{p},2\n"));
    }
    w.write("placed.csv", csv);
    let r = detect_json(
        &w,
        &[
            "placed.csv",
            "--key",
            "id",
            "--partition-col",
            "part",
            "--count-col",
            "events",
        ],
    );
    assert_eq!(r["events"], 400);
    assert_eq!(match_of(&r, "librdkafka"), 1.0);
    assert_eq!(r["mixed"], false);
    // The same answer as from kcat envelopes.
    w.write("dump.json", kcat(&pairs(|_| Partitioner::Librdkafka)));
    let k = detect_json(&w, &["dump.json"]);
    assert_eq!(r["candidates"], k["candidates"]);
    assert_eq!(r["best"], k["best"]);
}

/// `detect` of a CSV with its key in `key` and its partitions in column `p`, at 12 partitions.
fn detect_csv(w: &Workdir, file: &str, key: &str) -> assert_cmd::Command {
    w.run(&[
        "detect",
        file,
        "--key",
        key,
        "--partition-col",
        "p",
        "-p",
        "12",
    ])
}

#[test]
fn detect_refuses_a_partition_past_the_count() {
    let w = Workdir::new();
    w.write(
        "dump.json",
        "{\"key\":\"a\",\"partition\":3}\n{\"key\":\"b\",\"partition\":17}\n",
    );
    w.run(&["detect", "dump.json", "-p", "12"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "dump.json:2: observed partition 17 but --partitions is 12",
        ));
    w.write("p.csv", "k,p\na,1\nb,12\n");
    detect_csv(&w, "p.csv", "k")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("p.csv:3:2"))
        .stderr(predicates::str::contains("observed partition 12"));
    w.write("bad.csv", "k,p\na,x\n");
    detect_csv(&w, "bad.csv", "k")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("bad.csv:2:2"));
}

#[test]
fn detect_refuses_a_strategy_key() {
    let w = Workdir::new();
    w.write("p.csv", "k,p\na,1\n");
    for key in ["salt(k, 4)", "split-hot(k, top=1, ways=2)"] {
        detect_csv(&w, "p.csv", key)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "salt(...) and split-hot(...) keys were never produced",
            ));
    }
}

#[test]
fn detect_without_partitions_is_an_error() {
    let w = Workdir::new();
    w.write("k.csv", "k\na\n");
    w.run(&["detect", "k.csv", "--key", "k", "-p", "12"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--partition-col"));
}

#[test]
fn detect_lists_unexplained_keys() {
    let w = Workdir::new();
    let mut placed = pairs(|_| Partitioner::Java);
    // One key moved by hand to another partition.
    placed[0].1 = (placed[0].1 + 1) % N as u32;
    w.write("dump.json", kcat(&placed));
    let r = detect_json(&w, &["dump.json"]);
    assert_eq!(r["best"], "java");
    assert_eq!(r["mixed"], false);
    let un = r["unexplained_keys"].as_array().unwrap();
    assert_eq!(un.len(), 1);
    assert_eq!(un[0]["key"], "key-0");
    assert_eq!(un[0]["unexplained_events"], 2);
}

/// `--redact-keys` hides every key of the detect report: the text is a rank, the bytes are gone.
#[test]
fn detect_redacts_keys() {
    let w = Workdir::new();
    let mut placed = pairs(|_| Partitioner::Java);
    placed[0].1 = (placed[0].1 + 1) % N as u32;
    w.write("dump.json", kcat(&placed));
    let r = detect_json(&w, &["dump.json", "--redact-keys"]);
    let un = r["unexplained_keys"].as_array().unwrap();
    assert_eq!(un.len(), 1);
    assert!(
        un[0]["key"].as_str().unwrap().starts_with("<key #"),
        "{un:?}"
    );
    assert!(un[0].get("key_hex").is_none());
    assert!(!r.to_string().contains("key-0"));
}
