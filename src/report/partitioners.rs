//! The report of `keyplan partitioners`: every partitioner id with its hash, sign rule, empty- and
//! null-key behaviour and the clients that use it.
//!
//! The rows are generated from the same [`Behaviour`](crate::partitioner::Behaviour) constants the
//! mapping runs on (docs/partitioners.md, table "Clients"), so the listing cannot drift from the code.

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::table::{Align, Table};
use super::Provenance;
use crate::partitioner::{EmptyKey, NullKey, Partitioner};

/// Schema id of `partitioners --format json`.
pub const PARTITIONERS_SCHEMA: &str = "keyplan.partitioners/v1";

/// One partitioner as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionerRow {
    /// The id for `--partitioner`.
    pub id: String,
    /// The hash function.
    pub hash: String,
    /// How the hash becomes a partition index.
    pub sign: String,
    /// What the client does with an empty, non-null key.
    pub empty_key: String,
    /// What the client does with a null key (no key).
    pub null_key: String,
    /// The clients that use this mapping by default, or how to select it.
    pub clients: String,
}

/// The result of `keyplan partitioners --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionersReport {
    /// Always [`PARTITIONERS_SCHEMA`].
    pub schema: String,
    /// Every partitioner, in listing order.
    pub partitioners: Vec<PartitionerRow>,
    /// How the report was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl PartitionersReport {
    /// The listing of every partitioner.
    pub fn new(provenance: Provenance) -> PartitionersReport {
        PartitionersReport {
            schema: PARTITIONERS_SCHEMA.to_string(),
            partitioners: rows(),
            provenance: Some(provenance),
        }
    }

    /// The listing as one table.
    pub fn document(&self) -> Document {
        let mut doc = Document::new("Partitioners");
        doc.push(Block::Table {
            heading: None,
            table: self.table(),
        });
        doc
    }

    /// One row per partitioner, the same columns in every format.
    pub fn table(&self) -> Table {
        table(&self.partitioners)
    }
}

/// The listing rows, one per partitioner.
pub fn rows() -> Vec<PartitionerRow> {
    Partitioner::ALL
        .iter()
        .map(|&p| {
            let b = p.behaviour();
            PartitionerRow {
                id: p.id().to_string(),
                hash: b.family.name().to_string(),
                sign: b.mapping.describe().to_string(),
                empty_key: match b.empty_key {
                    EmptyKey::Hashed => "hashed".to_string(),
                    EmptyKey::Spread(how) => how.to_string(),
                    EmptyKey::Rejected => "rejected".to_string(),
                },
                null_key: match b.null_key {
                    NullKey::AsEmpty => "as the empty key".to_string(),
                    NullKey::Spread(how) => how.to_string(),
                    NullKey::Rejected => "rejected".to_string(),
                },
                clients: b.clients.to_string(),
            }
        })
        .collect()
}

fn table(rows: &[PartitionerRow]) -> Table {
    let mut t = Table::new(&[
        ("id", Align::Left),
        ("hash", Align::Left),
        ("sign", Align::Left),
        ("empty key", Align::Left),
        ("null key", Align::Left),
        ("used by", Align::Left),
    ]);
    for r in rows {
        t.push(vec![
            r.id.clone(),
            r.hash.clone(),
            r.sign.clone(),
            r.empty_key.clone(),
            r.null_key.clone(),
            r.clients.clone(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_id_once() {
        let ids: Vec<String> = rows().into_iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), Partitioner::ALL.len());
        for p in Partitioner::ALL {
            assert_eq!(ids.iter().filter(|id| *id == p.id()).count(), 1);
        }
    }
}
