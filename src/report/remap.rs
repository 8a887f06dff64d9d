//! The reports of `keyplan remap` (schema [`REMAP_SCHEMA`]) and `keyplan clients` (schema
//! [`CLIENTS_SCHEMA`]): how many keys, events and bytes change partition, and the heaviest of them.

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::keys::KeyLabel;
use super::table::{Align, Table};
use super::{group_digits, percent, plural, Provenance};
use crate::analysis::remap::{self, share, Moves, Remap};
use crate::model::{KeyDistribution, PartitionCount};
use crate::partitioner::{Partitioner, Placement};

/// Schema id of `remap --format json`.
pub const REMAP_SCHEMA: &str = "keyplan.remap/v1";

/// Schema id of `clients --format json`.
pub const CLIENTS_SCHEMA: &str = "keyplan.clients/v1";

/// One key that changes partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovedKey {
    /// Rank among all keys of the sample (1 = heaviest).
    pub rank: usize,
    /// The key as text, or `<key #rank>` when redacted.
    pub key: String,
    /// The exact bytes in lower-case hex (absent when redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
    /// Its events.
    pub events: u64,
    /// Partition before (remap) or under `a` (clients); null when placed at random.
    pub from: Option<u32>,
    /// Partition after (remap) or under `b` (clients); null when placed at random.
    pub to: Option<u32>,
}

fn partition(p: Placement) -> Option<u32> {
    match p {
        Placement::Partition(i) => Some(i),
        _ => None,
    }
}

fn moved_keys(dist: &KeyDistribution, moves: &Moves, redact: bool) -> Vec<MovedKey> {
    moves
        .top
        .iter()
        .map(|&(i, a, b)| {
            let label = KeyLabel::new(&dist.keys()[i], i + 1, redact);
            MovedKey {
                rank: i + 1,
                key: label.text,
                key_hex: label.hex,
                events: dist.weights()[i],
                from: partition(a),
                to: partition(b),
            }
        })
        .collect()
}

/// A candidate count and the share of events it moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountChoice {
    /// The partition count.
    pub partitions: u32,
    /// Share of accepted events whose partition changes going from `from` to this count.
    pub events_moved_share: f64,
}

/// Guidance on the target count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemapGuidance {
    /// Whether `to` is a multiple of `from`.
    pub to_is_multiple: bool,
    /// Measured share of accepted keys that keep their partition (`1 - keys_moved_share`).
    pub keys_stay_share: f64,
    /// `from / to` when `to` is a multiple of `from` and the partitioner maps by modulo: the share of
    /// keys a uniform hash keeps in place. Null otherwise.
    pub expected_keys_stay_share: Option<f64>,
    /// The counts in `from+1 ..= 2*max(from,to)` that move the fewest events, best first (null when
    /// the search was too large to run).
    pub best_counts: Option<Vec<CountChoice>>,
}

/// The result of `keyplan remap`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemapReport {
    /// Always [`REMAP_SCHEMA`].
    pub schema: String,
    /// The partitioner id.
    pub partitioner: String,
    /// The current partition count.
    pub from: u32,
    /// The new partition count.
    pub to: u32,
    /// Distinct keys the partitioner accepts.
    pub keys: u64,
    /// Of those, keys whose partition changes (random keys included).
    pub keys_moved: u64,
    /// `keys_moved / keys`.
    pub keys_moved_share: f64,
    /// Events of accepted keys.
    pub events: u64,
    /// Events of moved keys.
    pub events_moved: u64,
    /// `events_moved / events`.
    pub events_moved_share: f64,
    /// Payload bytes of moved keys, when the sample has sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_moved: Option<u64>,
    /// Events of keys the partitioner places at random (always moved).
    pub random_events: u64,
    /// Distinct keys the partitioner refuses (left out).
    pub refused_keys: u64,
    /// Their events (left out).
    pub refused_events: u64,
    /// The heaviest keys that move, heaviest first.
    pub moved_keys: Vec<MovedKey>,
    /// Guidance on the target count.
    pub guidance: RemapGuidance,
    /// How the report was made.
    pub provenance: Provenance,
}

impl RemapReport {
    /// The report of `remap` over `dist` (keys heaviest first).
    pub fn new(
        dist: &KeyDistribution,
        r: &Remap,
        p: Partitioner,
        from: PartitionCount,
        to: PartitionCount,
        redact: bool,
        provenance: Provenance,
    ) -> RemapReport {
        let m = &r.moves;
        let multiple = to.get().is_multiple_of(from.get());
        RemapReport {
            schema: REMAP_SCHEMA.to_string(),
            partitioner: p.id().to_string(),
            from: from.get(),
            to: to.get(),
            keys: m.keys,
            keys_moved: m.keys_moved,
            keys_moved_share: m.keys_moved_share(),
            events: m.events,
            events_moved: m.events_moved,
            events_moved_share: m.events_moved_share(),
            bytes_moved: m.bytes_moved,
            random_events: m.random_events,
            refused_keys: m.refused_keys,
            refused_events: m.refused_events,
            moved_keys: moved_keys(dist, m, redact),
            guidance: RemapGuidance {
                to_is_multiple: multiple,
                keys_stay_share: share(m.keys - m.keys_moved, m.keys),
                expected_keys_stay_share: remap::expected_keys_stay_share(p, from, to),
                best_counts: r.best_counts.as_ref().map(|v| {
                    v.iter()
                        .map(|&(partitions, s)| CountChoice {
                            partitions,
                            events_moved_share: s,
                        })
                        .collect()
                }),
            },
            provenance,
        }
    }

    /// The moved keys as a table (the CSV).
    pub fn keys_table(&self) -> Table {
        keys_table(&self.moved_keys, "from", "to")
    }

    /// Summary, moved keys and guidance.
    pub fn document(&self) -> Document {
        let mut doc = Document::new(&format!(
            "Remap {} from {} to {} partitions",
            self.partitioner, self.from, self.to
        ));
        let mut summary = format!(
            "{} of {} move ({}), {} of {} events ({})",
            group_digits(self.keys_moved),
            plural(self.keys, "key", "keys"),
            percent(self.keys_moved_share),
            group_digits(self.events_moved),
            group_digits(self.events),
            percent(self.events_moved_share)
        );
        if let Some(b) = self.bytes_moved {
            summary.push_str(&format!(", {} bytes", group_digits(b)));
        }
        doc.push(Block::Summary(summary));
        doc.table("Heaviest keys that move", self.keys_table());
        let g = &self.guidance;
        let mut notes = vec![format!(
            "Keys that stay: {} measured{}.",
            percent(g.keys_stay_share),
            match g.expected_keys_stay_share {
                Some(e) => format!(" ({} expected for a multiple under modulo)", percent(e)),
                None => String::new(),
            }
        )];
        if let Some(best) = &g.best_counts {
            let list: Vec<String> = best
                .iter()
                .map(|c| {
                    format!(
                        "{} ({} of events move)",
                        c.partitions,
                        percent(c.events_moved_share)
                    )
                })
                .collect();
            notes.push(format!(
                "Counts that keep the most events in place: {}.",
                list.join(", ")
            ));
        }
        if self.random_events > 0 {
            notes.push(format!(
                "{} events of keys placed at random always move.",
                group_digits(self.random_events)
            ));
        }
        if self.refused_keys > 0 {
            notes.push(format!(
                "{} refused by the partitioner ({} events) are left out.",
                plural(self.refused_keys, "key", "keys"),
                group_digits(self.refused_events)
            ));
        }
        doc.push(Block::Notes(notes));
        doc
    }
}

fn keys_table(keys: &[MovedKey], a: &str, b: &str) -> Table {
    let mut t = Table::new(&[
        ("rank", Align::Right),
        ("key", Align::Left),
        ("events", Align::Right),
        (a, Align::Right),
        (b, Align::Right),
    ]);
    let cell = |p: Option<u32>| p.map_or("random".to_string(), |p| p.to_string());
    for k in keys {
        t.push(vec![
            k.rank.to_string(),
            super::keys::printable(&k.key),
            k.events.to_string(),
            cell(k.from),
            cell(k.to),
        ]);
    }
    t
}

/// One pair of partitioners in `clients`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientPair {
    /// The first partitioner id.
    pub a: String,
    /// The second partitioner id.
    pub b: String,
    /// Distinct keys both accept.
    pub keys: u64,
    /// Events of those keys.
    pub events: u64,
    /// Accepted keys whose partitions differ (random placement on either side counts as differing).
    pub keys_differ: u64,
    /// Their events.
    pub events_differ: u64,
    /// `keys_differ / keys`.
    pub keys_differ_share: f64,
    /// `events_differ / events`.
    pub events_differ_share: f64,
    /// Distinct keys either side refuses (left out).
    pub refused_keys: u64,
    /// The heaviest keys that differ: `from` is the partition under `a`, `to` under `b`.
    pub keys_that_differ: Vec<MovedKey>,
}

/// The result of `keyplan clients`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientsReport {
    /// Always [`CLIENTS_SCHEMA`].
    pub schema: String,
    /// The partition count.
    pub partitions: u32,
    /// Every unordered pair, in the order the partitioners were given.
    pub pairs: Vec<ClientPair>,
    /// How the report was made.
    pub provenance: Provenance,
}

impl ClientsReport {
    /// The report of `clients` from each pair's comparison.
    pub fn new(
        dist: &KeyDistribution,
        n: PartitionCount,
        pairs: &[(Partitioner, Partitioner, Moves)],
        redact: bool,
        provenance: Provenance,
    ) -> ClientsReport {
        ClientsReport {
            schema: CLIENTS_SCHEMA.to_string(),
            partitions: n.get(),
            pairs: pairs
                .iter()
                .map(|(a, b, m)| ClientPair {
                    a: a.id().to_string(),
                    b: b.id().to_string(),
                    keys: m.keys,
                    events: m.events,
                    keys_differ: m.keys_moved,
                    events_differ: m.events_moved,
                    keys_differ_share: m.keys_moved_share(),
                    events_differ_share: m.events_moved_share(),
                    refused_keys: m.refused_keys,
                    keys_that_differ: moved_keys(dist, m, redact),
                })
                .collect(),
            provenance,
        }
    }

    /// One row per pair (the CSV).
    pub fn pair_table(&self) -> Table {
        let mut t = Table::new(&[
            ("a", Align::Left),
            ("b", Align::Left),
            ("keys_differ", Align::Right),
            ("keys_differ_share", Align::Right),
            ("events_differ", Align::Right),
            ("events_differ_share", Align::Right),
        ]);
        for p in &self.pairs {
            t.push(vec![
                p.a.clone(),
                p.b.clone(),
                p.keys_differ.to_string(),
                format!("{:.6}", p.keys_differ_share),
                p.events_differ.to_string(),
                format!("{:.6}", p.events_differ_share),
            ]);
        }
        t
    }

    /// The pair table, then each pair's heaviest differing keys.
    pub fn document(&self) -> Document {
        let mut doc = Document::new(&format!("Clients over {} partitions", self.partitions));
        doc.push(Block::Summary(format!(
            "{} compared over {} partitions",
            plural(self.pairs.len() as u64, "pair", "pairs"),
            self.partitions
        )));
        doc.table("Pairs", self.pair_table());
        for p in &self.pairs {
            if !p.keys_that_differ.is_empty() {
                doc.table(
                    &format!("Heaviest keys that differ: {} vs {}", p.a, p.b),
                    keys_table(&p.keys_that_differ, &p.a, &p.b),
                );
            }
        }
        doc
    }
}
