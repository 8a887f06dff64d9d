//! Ordering: which entities' events a key strategy keeps on one partition, and which it splits.
//!
//! Definitions (README, "Ordering"): an entity is the value of the `--order-by` columns (an event with
//! an empty value has no entity and is counted apart). Under a scenario (partitioner, count) an entity
//! is **split** when its events land on more than one partition; `events_at_risk` is the sum of the
//! events of split entities. An event placed at random by the client (the empty key under
//! librdkafka's default) can land anywhere, so an entity with such an event and at least two events
//! in all is split; events the client refuses (Kinesis) are on no partition and do not split an
//! entity. Everything comes from the distinct (key, entity) cells, keyed by key index, so each key is
//! hashed once per hash family and placed once per scenario.
//!
//! The key's relation to the entity comes from the cells alone: **same** when every key holds one
//! entity and every entity one key; **coarser** when every entity has one key but some key holds
//! several entities (safe at every partition count); **finer** when some entity spans several keys
//! (it splits whenever those keys land apart).

use serde::{Deserialize, Serialize};

use crate::model::PairCounts;
use crate::partitioner::Placement;

/// How the key relates to the ordering entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyVsEntity {
    /// One key per entity and one entity per key.
    Same,
    /// Every entity's events carry one key (a key may hold several entities): never split.
    Coarser,
    /// Some entity's events carry several keys: split when those keys land on different partitions.
    Finer,
}

impl KeyVsEntity {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            KeyVsEntity::Same => "same",
            KeyVsEntity::Coarser => "coarser",
            KeyVsEntity::Finer => "finer",
        }
    }
}

/// What the (key, entity) cells say independently of any partitioner or count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitySummary {
    /// Distinct entities (non-empty values).
    pub entities: u64,
    /// Events that carry an entity.
    pub entity_events: u64,
    /// Events whose entity value is empty: no entity, never split.
    pub events_without_entity: u64,
    /// How the key relates to the entity.
    pub key_vs_entity: KeyVsEntity,
    /// Keys that hold more than one entity.
    pub keys_with_several_entities: u64,
    /// Entities whose events carry more than one key.
    pub entities_with_several_keys: u64,
    /// Events of those entities.
    pub events_of_entities_with_several_keys: u64,
}

/// The cells grouped by entity, ready to be placed under every scenario.
#[derive(Debug, Clone)]
pub struct EntityIndex {
    /// Key index of each cell, grouped by entity.
    keys: Vec<u32>,
    /// Events of each cell, in the same order.
    events: Vec<u64>,
    /// Where each entity's group of cells starts (plus the end).
    starts: Vec<u32>,
    /// The summary of the cells.
    pub summary: EntitySummary,
}

/// One scenario's ordering cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderingCost {
    /// Entities whose events land on more than one partition.
    pub entities_split: u64,
    /// Events of the split entities.
    pub events_at_risk: u64,
}

impl EntityIndex {
    /// Groups the cells (sorted by key index, then entity) by entity.
    pub fn new(pairs: &PairCounts) -> EntityIndex {
        let cells = &pairs.cells;
        let mut keys_with_several = 0u64;
        let mut i = 0;
        while i < cells.len() {
            let mut j = i + 1;
            while j < cells.len() && cells[j].0 == cells[i].0 {
                j += 1;
            }
            keys_with_several += u64::from(j - i > 1);
            i = j;
        }
        let mut order: Vec<u32> = (0..cells.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (&cells[a as usize], &cells[b as usize]);
            (&a.1, a.0).cmp(&(&b.1, b.0))
        });
        let mut keys = Vec::with_capacity(order.len());
        let mut events = Vec::with_capacity(order.len());
        let mut starts = Vec::new();
        let mut several = 0u64;
        let mut several_events = 0u64;
        let mut entity_events = 0u64;
        let mut group_start = 0usize;
        for (pos, &c) in order.iter().enumerate() {
            let cell = &cells[c as usize];
            if pos == 0 || cells[order[pos - 1] as usize].1 != cell.1 {
                if pos > 0 {
                    close_group(&events, group_start, pos, &mut several, &mut several_events);
                }
                starts.push(pos as u32);
                group_start = pos;
            }
            keys.push(cell.0);
            events.push(cell.2);
            entity_events += cell.2;
        }
        if !order.is_empty() {
            close_group(
                &events,
                group_start,
                order.len(),
                &mut several,
                &mut several_events,
            );
        }
        let entities = starts.len() as u64;
        starts.push(order.len() as u32);
        let key_vs_entity = if several > 0 {
            KeyVsEntity::Finer
        } else if keys_with_several > 0 {
            KeyVsEntity::Coarser
        } else {
            KeyVsEntity::Same
        };
        EntityIndex {
            keys,
            events,
            starts,
            summary: EntitySummary {
                entities,
                entity_events,
                events_without_entity: pairs.empty_value_events,
                key_vs_entity,
                keys_with_several_entities: keys_with_several,
                entities_with_several_keys: several,
                events_of_entities_with_several_keys: several_events,
            },
        }
    }

    /// The ordering cost under one scenario, with `placement[i]` where the scenario puts key `i`.
    pub fn cost(&self, placement: &[Placement]) -> OrderingCost {
        let mut cost = OrderingCost {
            entities_split: 0,
            events_at_risk: 0,
        };
        // An entity on one key is never split, unless that key is placed at random.
        for g in self.starts.windows(2) {
            let (a, b) = (g[0] as usize, g[1] as usize);
            let events: u64 = self.events[a..b].iter().sum();
            let mut first: Option<u32> = None;
            let mut split = false;
            let mut random = false;
            for &k in &self.keys[a..b] {
                match placement[k as usize] {
                    Placement::Partition(p) => match first {
                        None => first = Some(p),
                        Some(f) if f != p => split = true,
                        Some(_) => {}
                    },
                    Placement::Random => random = true,
                    Placement::Invalid => {}
                }
            }
            if split || (random && events >= 2) {
                cost.entities_split += 1;
                cost.events_at_risk += events;
            }
        }
        cost
    }
}

/// Counts a finished group of cells `[a, b)` when it spans several keys.
fn close_group(events: &[u64], a: usize, b: usize, several: &mut u64, several_events: &mut u64) {
    if b - a > 1 {
        *several += 1;
        *several_events += events[a..b].iter().sum::<u64>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(cells: &[(u32, &str, u64)], empty: u64) -> PairCounts {
        PairCounts {
            cells: cells
                .iter()
                .map(|&(k, e, n)| (k, Box::from(e.as_bytes()), n))
                .collect(),
            empty_value_events: empty,
        }
    }

    #[test]
    fn relation_from_the_cells() {
        let same = EntityIndex::new(&pairs(&[(0, "a", 2), (1, "b", 1)], 0));
        assert_eq!(same.summary.key_vs_entity, KeyVsEntity::Same);
        let coarser = EntityIndex::new(&pairs(&[(0, "a", 2), (0, "b", 1)], 0));
        assert_eq!(coarser.summary.key_vs_entity, KeyVsEntity::Coarser);
        assert_eq!(coarser.summary.keys_with_several_entities, 1);
        let finer = EntityIndex::new(&pairs(&[(0, "a", 2), (1, "a", 3), (1, "b", 1)], 4));
        assert_eq!(finer.summary.key_vs_entity, KeyVsEntity::Finer);
        assert_eq!(finer.summary.entities_with_several_keys, 1);
        assert_eq!(finer.summary.events_of_entities_with_several_keys, 5);
        assert_eq!(finer.summary.entities, 2);
        assert_eq!(finer.summary.entity_events, 6);
        assert_eq!(finer.summary.events_without_entity, 4);
    }

    #[test]
    fn split_entities_and_their_events() {
        let index = EntityIndex::new(&pairs(
            &[
                (0, "a", 2),
                (1, "a", 3),
                (1, "b", 1),
                (2, "c", 2),
                (3, "d", 1),
            ],
            0,
        ));
        use Placement::*;
        // Keys 0 and 1 apart: 'a' splits (5 events); 'c' is on a random key with 2 events.
        let cost = index.cost(&[Partition(0), Partition(1), Random, Random]);
        assert_eq!(cost.entities_split, 2);
        assert_eq!(cost.events_at_risk, 7);
        // Keys 0 and 1 together; refused keys split nothing.
        let cost = index.cost(&[Partition(1), Partition(1), Invalid, Partition(0)]);
        assert_eq!(cost.entities_split, 0);
        assert_eq!(cost.events_at_risk, 0);
    }
}
