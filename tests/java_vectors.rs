//! The Java client's partitioner against every row of the vectors produced by real clients
//! (../shared/vectors: murmur2_hash.csv and kafka_python.csv, joined to keys.csv on key_id).

use std::collections::HashMap;
use std::path::PathBuf;

use keyplan::model::PartitionCount;
use keyplan::partitioner::{murmur2::murmur2, Partitioner, Placement};

/// `$KEYPLAN_VECTORS`, else `../shared/vectors` beside the repository (as CI lays it out).
fn vectors_dir() -> PathBuf {
    let dir = std::env::var_os("KEYPLAN_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"));
    assert!(
        dir.join("keys.csv").is_file(),
        "client test vectors not found in {} (set KEYPLAN_VECTORS to the shared/vectors folder)",
        dir.display()
    );
    dir
}

fn rows(file: &str) -> Vec<csv::StringRecord> {
    let path = vectors_dir().join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    reader.records().map(|r| r.unwrap()).collect()
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// key_id -> exact key bytes, from the authoritative `key_hex` column.
fn keys() -> HashMap<u32, Vec<u8>> {
    rows("keys.csv")
        .iter()
        .map(|r| (r[0].parse().unwrap(), decode_hex(&r[1])))
        .collect()
}

#[test]
fn murmur2_matches_every_row() {
    let keys = keys();
    let rows = rows("murmur2_hash.csv");
    assert_eq!(rows.len(), 2604);
    for r in &rows {
        let id: u32 = r[0].parse().unwrap();
        let expected: i32 = r[1].parse().unwrap();
        assert_eq!(murmur2(&keys[&id]) as i32, expected, "key_id {id}");
    }
}

#[test]
fn java_partitioner_matches_kafka_python_on_every_row() {
    let keys = keys();
    let rows = rows("kafka_python.csv");
    assert_eq!(rows.len(), 54_684);
    for r in &rows {
        let id: u32 = r[0].parse().unwrap();
        let n = PartitionCount::new(r[1].parse().unwrap()).unwrap();
        let expected: u32 = r[2].parse().unwrap();
        assert_eq!(
            Partitioner::Java.partition_of(&keys[&id], n),
            Placement::Partition(expected),
            "key_id {id}, {n} partitions"
        );
    }
}

#[test]
fn published_kafka_python_vectors() {
    let n = PartitionCount::new(1000).unwrap();
    for (key, expected) in [
        (&b""[..], 681),
        (b"a", 524),
        (b"ab", 434),
        (b"abc", 107),
        (b"123456789", 566),
        (b"\x00 ", 742),
    ] {
        assert_eq!(
            Partitioner::Java.partition_of(key, n),
            Placement::Partition(expected),
            "{key:?}"
        );
    }
}
