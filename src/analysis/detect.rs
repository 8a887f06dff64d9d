//! Which producer client wrote a topic: observed (key, partition) pairs compared with every
//! partitioner's placement at the topic's partition count.
//!
//! Each distinct key is hashed once per hash family and placed by every partitioner of
//! [`Partitioner::ALL`]; each observed cell (key, partition, events) then matches a partitioner when its
//! partition is the computed one. A key the client places at random (the empty key under librdkafka)
//! matches any partition and is counted apart; a key the client refuses never matches. Several ids are
//! the same mapping on most keys (java, librdkafka-murmur2, redpanda-client): they tie, and nothing in
//! the data can tell them apart.

use std::collections::BTreeMap;

use crate::model::{KeyDistribution, ObservedPartitions};
use crate::partitioner::{HashFamily, PartitionCount, Partitioner, Placement};

/// The share of observed events one partitioner must explain for the topic to count as written by
/// that client alone. Below it, a pair that together explains [`MATCH_PAIR`] is reported as a mixed
/// topic. 0.99 leaves room for a few events moved by hand or by a partition-count change, while a
/// wrong client matches about `1/N` of events.
pub const MATCH_SINGLE: f64 = 0.99;

/// The share of observed events two partitioners together (an event matches either) must explain
/// for the topic to be reported as mixed (two clients writing the same topic).
pub const MATCH_PAIR: f64 = 0.99;

// Cells keep one bit per partitioner.
const _: () = assert!(Partitioner::ALL.len() <= 16);

/// How well one partitioner explains the observed placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The partitioner.
    pub partitioner: Partitioner,
    /// Observed events on the partition it computes (random placements included).
    pub matched_events: u64,
    /// Distinct keys all of whose observed events match.
    pub matched_keys: u64,
    /// Events of keys it places at random (they match any partition).
    pub random_events: u64,
    /// Events of keys it refuses (they never match).
    pub refused_events: u64,
}

/// A key that the chosen explanation does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexplained {
    /// Index of the key in the distribution.
    pub key: u32,
    /// The key's observed events.
    pub events: u64,
    /// Of those, the events on a partition the explanation does not compute.
    pub unexplained_events: u64,
    /// The partitions the key was observed on, with their events, by partition.
    pub observed: Vec<(u32, u64)>,
}

/// What the comparison found.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The partition count compared at.
    pub partitions: PartitionCount,
    /// Observed events (events with an observed partition).
    pub events: u64,
    /// Distinct keys with an observed partition.
    pub keys: u64,
    /// Every partitioner, by matched events (descending), then in [`Partitioner::ALL`] order.
    pub candidates: Vec<Candidate>,
    /// The first candidate: the first in [`Partitioner::ALL`] order among those with the most matches.
    pub best: Partitioner,
    /// Every partitioner with exactly as many matched events as `best` (including it).
    pub tied: Vec<Partitioner>,
    /// When no single partitioner explains [`MATCH_SINGLE`] of events but a pair explains
    /// [`MATCH_PAIR`]: the pair (in [`Partitioner::ALL`] order) and the events it explains.
    pub mixed: Option<(Partitioner, Partitioner, u64)>,
    /// When mixed, every pair that explains exactly as many events as the reported one (including
    /// it), in [`Partitioner::ALL`] order: identical mappings make pairs tie too.
    pub mixed_tied: Vec<(Partitioner, Partitioner)>,
    /// The heaviest keys the explanation (the pair when mixed, else `best`) does not fit, most
    /// unexplained events first, at most `top`.
    pub unexplained: Vec<Unexplained>,
}

impl Detection {
    /// `events` as a share of the observed events.
    pub fn share(&self, events: u64) -> f64 {
        if self.events == 0 {
            0.0
        } else {
            events as f64 / self.events as f64
        }
    }
}

/// Compares the observed cells (sorted by key index, as the engine returns them) with every
/// partitioner's placement at `n`. `None` when there is no observed cell.
pub fn detect(
    dist: &KeyDistribution,
    observed: &ObservedPartitions,
    n: PartitionCount,
    top: usize,
) -> Option<Detection> {
    let cells = &observed.cells;
    if cells.is_empty() {
        return None;
    }
    let all = Partitioner::ALL;
    let mut candidates: Vec<Candidate> = all
        .iter()
        .map(|&p| Candidate {
            partitioner: p,
            matched_events: 0,
            matched_keys: 0,
            random_events: 0,
            refused_events: 0,
        })
        .collect();
    let mut masks = vec![0u16; cells.len()];
    let mut events = 0u64;
    let mut keys = 0u64;
    let keys_bytes = dist.keys();
    let mut start = 0;
    while start < cells.len() {
        let k = cells[start].0;
        let mut end = start;
        while end < cells.len() && cells[end].0 == k {
            end += 1;
        }
        let key = keys_bytes[k as usize].as_ref();
        let key_events: u64 = cells[start..end].iter().map(|c| c.2).sum();
        events += key_events;
        keys += 1;
        // One hash per family, shared by every partitioner of that family.
        let mut hashes: BTreeMap<HashFamily, u128> = BTreeMap::new();
        for (j, &p) in all.iter().enumerate() {
            let hash = *hashes
                .entry(p.family())
                .or_insert_with(|| p.family().hash(key));
            let c = &mut candidates[j];
            let placement = p.place(key, hash, n);
            match placement {
                Placement::Random => c.random_events += key_events,
                Placement::Invalid => c.refused_events += key_events,
                Placement::Partition(_) => {}
            }
            let mut all_match = true;
            for (i, cell) in cells[start..end].iter().enumerate() {
                let hit = match placement {
                    Placement::Partition(q) => q == cell.1,
                    Placement::Random => true,
                    Placement::Invalid => false,
                };
                if hit {
                    c.matched_events += cell.2;
                    masks[start + i] |= 1 << j;
                } else {
                    all_match = false;
                }
            }
            if all_match {
                c.matched_keys += 1;
            }
        }
        start = end;
    }

    let best_events = candidates.iter().map(|c| c.matched_events).max()?;
    let tied: Vec<Partitioner> = candidates
        .iter()
        .filter(|c| c.matched_events == best_events)
        .map(|c| c.partitioner)
        .collect();
    let best = tied[0];
    let share = |e: u64| e as f64 / events as f64;

    // Events by the set of partitioners that match them: at most 2^16 sets, so pairs are cheap.
    let mut by_mask: BTreeMap<u16, u64> = BTreeMap::new();
    for (cell, &m) in cells.iter().zip(&masks) {
        *by_mask.entry(m).or_default() += cell.2;
    }
    let mut best_pair: Option<(usize, usize, u64)> = None;
    let mut coverage: Vec<(usize, usize, u64)> = Vec::new();
    for a in 0..all.len() {
        for b in a + 1..all.len() {
            let bits = (1u16 << a) | (1u16 << b);
            let covered: u64 = by_mask
                .iter()
                .filter(|(&m, _)| m & bits != 0)
                .map(|(_, &e)| e)
                .sum();
            coverage.push((a, b, covered));
            let better = match best_pair {
                None => true,
                Some((_, _, c)) => covered > c,
            };
            if better {
                best_pair = Some((a, b, covered));
            }
        }
    }
    let mixed = match best_pair {
        Some((a, b, covered))
            if share(best_events) < MATCH_SINGLE && share(covered) >= MATCH_PAIR =>
        {
            Some((all[a], all[b], covered))
        }
        _ => None,
    };
    let mixed_tied = match mixed {
        Some((_, _, covered)) => coverage
            .iter()
            .filter(|c| c.2 == covered)
            .map(|&(a, b, _)| (all[a], all[b]))
            .collect(),
        None => Vec::new(),
    };
    let explain: u16 = match mixed {
        Some((a, b, _)) => bit(a) | bit(b),
        None => bit(best),
    };

    let mut unexplained: Vec<Unexplained> = Vec::new();
    let mut start = 0;
    while start < cells.len() {
        let k = cells[start].0;
        let mut end = start;
        while end < cells.len() && cells[end].0 == k {
            end += 1;
        }
        let missed: u64 = (start..end)
            .filter(|&i| masks[i] & explain == 0)
            .map(|i| cells[i].2)
            .sum();
        if missed > 0 {
            unexplained.push(Unexplained {
                key: k,
                events: cells[start..end].iter().map(|c| c.2).sum(),
                unexplained_events: missed,
                observed: cells[start..end].iter().map(|c| (c.1, c.2)).collect(),
            });
        }
        start = end;
    }
    unexplained.sort_by(|x, y| {
        y.unexplained_events
            .cmp(&x.unexplained_events)
            .then(y.events.cmp(&x.events))
            .then(x.key.cmp(&y.key))
    });
    unexplained.truncate(top);

    // Stable sort: equal matches stay in ALL order.
    candidates.sort_by_key(|c| std::cmp::Reverse(c.matched_events));
    Some(Detection {
        partitions: n,
        events,
        keys,
        candidates,
        best,
        tied,
        mixed,
        mixed_tied,
        unexplained,
    })
}

/// The mask bit of `p`: its position in [`Partitioner::ALL`].
fn bit(p: Partitioner) -> u16 {
    let i = Partitioner::ALL
        .iter()
        .position(|&q| q == p)
        .expect("every partitioner is in ALL");
    1 << i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The empty key is placed at random by librdkafka (it matches any partition, counted apart),
    /// while Kinesis refuses it (it never matches).
    #[test]
    fn random_keys_match_and_refused_keys_do_not() {
        let n = PartitionCount::new(6).unwrap();
        let dist = KeyDistribution::from_pairs([(&b"k"[..], 3), (&b""[..], 1)]);
        let k = match Partitioner::Librdkafka.partition_of(b"k", n) {
            Placement::Partition(q) => q,
            other => panic!("{other:?}"),
        };
        // Index 0 is "k" (heaviest), 1 is the empty key.
        let observed = ObservedPartitions {
            cells: vec![(0, k, 3), (1, 5, 1)],
        };
        let d = detect(&dist, &observed, n, 10).unwrap();
        assert_eq!((d.events, d.keys), (4, 2));
        let of = |p: Partitioner| d.candidates.iter().find(|c| c.partitioner == p).unwrap();
        let lib = of(Partitioner::Librdkafka);
        assert_eq!((lib.matched_events, lib.random_events), (4, 1));
        assert_eq!(lib.matched_keys, 2);
        let kinesis = of(Partitioner::Kinesis);
        assert_eq!(kinesis.refused_events, 1);
        assert!(kinesis.matched_events <= 3);
        assert!(d.tied.contains(&Partitioner::Librdkafka));
        assert_eq!(d.best, d.tied[0]);
        assert!(d.mixed.is_none());
    }

    #[test]
    fn no_cells_no_detection() {
        let dist = KeyDistribution::from_pairs([(&b"k"[..], 1)]);
        let n = PartitionCount::new(2).unwrap();
        assert!(detect(&dist, &ObservedPartitions::default(), n, 10).is_none());
    }
}
