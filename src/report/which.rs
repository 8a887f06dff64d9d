//! The report of `keyplan which`: each key with the partition one client puts it on, in input order.

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::keys::{hex, key_text, printable};
use super::table::{Align, Table};
use super::Provenance;
use crate::partitioner::{PartitionCount, Partitioner, Placement};

/// Schema id of `which --format json`.
pub const WHICH_SCHEMA: &str = "keyplan.which/v1";

/// One key of `which --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhichKey {
    /// The key as given: exact when it is valid UTF-8, otherwise with `\xNN` for invalid bytes.
    pub key: String,
    /// The bytes hashed (after `--key-encoding`), lower-case hex.
    pub key_hex: String,
    /// The partition, or null when the placement is `random` or `invalid`.
    pub partition: Option<u32>,
    /// `fixed`, `random` (the client picks a partition per message) or `invalid` (the client
    /// refuses the key).
    pub placement: String,
    /// The key text exactly as given (argument bytes or the line), echoed by the CSV writer.
    #[serde(skip)]
    pub given: Vec<u8>,
}

impl WhichKey {
    /// A key as given (`given`), the bytes hashed (`bytes`) and where the client puts it.
    pub fn new(given: Vec<u8>, bytes: &[u8], placement: Placement) -> WhichKey {
        WhichKey {
            key: key_text(&given),
            key_hex: hex(bytes),
            partition: match placement {
                Placement::Partition(i) => Some(i),
                _ => None,
            },
            placement: match placement {
                Placement::Partition(_) => "fixed",
                Placement::Random => "random",
                Placement::Invalid => "invalid",
            }
            .to_string(),
            given,
        }
    }

    /// The partition cell: the number, `random` or `invalid`.
    fn partition_text(&self) -> String {
        match self.partition {
            Some(p) => p.to_string(),
            None => self.placement.clone(),
        }
    }
}

/// The result of `keyplan which`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhichReport {
    /// Always [`WHICH_SCHEMA`].
    pub schema: String,
    /// The partitioner id.
    pub partitioner: String,
    /// The partition count.
    pub partitions: u32,
    /// The key encoding applied to each key text.
    pub key_encoding: String,
    /// One entry per key, in input order.
    pub keys: Vec<WhichKey>,
    /// How the report was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl WhichReport {
    /// The report for `keys` placed by `partitioner` over `n` partitions.
    pub fn new(
        partitioner: Partitioner,
        n: PartitionCount,
        key_encoding: &str,
        keys: Vec<WhichKey>,
        provenance: Provenance,
    ) -> WhichReport {
        WhichReport {
            schema: WHICH_SCHEMA.to_string(),
            partitioner: partitioner.id().to_string(),
            partitions: n.get(),
            key_encoding: key_encoding.to_string(),
            keys,
            provenance: Some(provenance),
        }
    }

    /// A table of keys (shown safely) and partitions.
    pub fn document(&self) -> Document {
        let mut t = Table::new(&[("key", Align::Left), ("partition", Align::Right)]);
        for k in &self.keys {
            t.push(vec![printable(&k.key), k.partition_text()]);
        }
        let mut doc = Document::new("Key placement");
        doc.push(Block::Table {
            heading: None,
            table: t,
        });
        doc
    }

    /// `key,partition` CSV with each key echoed byte for byte as given (quoted as RFC 4180 needs).
    pub fn csv(&self) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut write = |record: [&[u8]; 2]| {
            writer
                .write_record(record)
                .expect("writing to memory cannot fail");
        };
        write([b"key", b"partition"]);
        for k in &self.keys {
            write([&k.given, k.partition_text().as_bytes()]);
        }
        writer.into_inner().expect("writing to memory cannot fail")
    }
}
