//! Collecting facets while input streams in: (key, entity) pairs, per-key window counts and per-key
//! observed partitions, besides the exact per-key counts of [`KeyCounter`].
//!
//! Cells are keyed by the key's bytes while reading (workers see keys in any order) and turned into
//! indices into the final [`KeyDistribution`] at the end, so analysis hashes each distinct key once and
//! reuses the hash for every cell. Memory grows with distinct cells; past
//! [`FacetsSpec::max_cells`](crate::model::FacetsSpec) the collector stops keeping cells and
//! [`FacetCounter::finish`] fails with [`FacetError::TooManyCells`] instead of exhausting memory.

use std::collections::HashMap;

use crate::ingest::counter::{Event, EventSink, KeyCounter, Overflow};
use crate::model::facets::window_start;
use crate::model::{
    FacetError, Facets, FacetsSpec, KeyDistribution, ObservedPartitions, PairCounts, WeightSummary,
    WindowCounts,
};

type Cells<T> = HashMap<(Box<[u8]>, T), u64, foldhash::fast::FixedState>;

/// Key bytes -> index into the distribution; foldhash, since SipHash cost a fifth of a `--time-col`
/// run (one lookup per cell).
type KeyIndex<'a> = HashMap<&'a [u8], u32, foldhash::fast::FixedState>;

/// (key, entity) cells under one composite byte string each ([`pair_cell`]): one allocation per
/// cell, and a cell already seen is found from a reused buffer without allocating.
type PairCells = HashMap<Box<[u8]>, u64, foldhash::fast::FixedState>;

/// Writes the cell of `(key, entity)` into `out`: the key's length (LEB128), the key, the entity.
fn pair_cell(key: &[u8], entity: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut n = key.len();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(key);
    out.extend_from_slice(entity);
}

/// The key and entity of a [`pair_cell`].
fn split_pair_cell(cell: &[u8]) -> (&[u8], &[u8]) {
    let (mut n, mut shift, mut i) = (0usize, 0, 0);
    loop {
        let byte = cell[i];
        n |= usize::from(byte & 0x7f) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    cell[i..].split_at(n)
}

/// An exact key counter that also collects the facets its spec asks for.
#[derive(Debug)]
pub struct FacetCounter {
    spec: FacetsSpec,
    counter: KeyCounter,
    pairs: PairCells,
    /// Reused buffer for looking up a pair cell.
    scratch: Vec<u8>,
    empty_entity_events: u64,
    windows: Cells<i64>,
    observed: Cells<u32>,
    /// The cell bound was passed: cells stopped being kept.
    overflowed: bool,
}

impl FacetCounter {
    /// An empty collector for `spec`.
    pub fn new(spec: FacetsSpec) -> FacetCounter {
        FacetCounter {
            spec,
            counter: KeyCounter::new(),
            pairs: PairCells::default(),
            scratch: Vec::new(),
            empty_entity_events: 0,
            windows: Cells::default(),
            observed: Cells::default(),
            overflowed: false,
        }
    }

    /// Total events so far.
    pub fn total(&self) -> u64 {
        self.counter.total()
    }

    fn cells(&self) -> u64 {
        (self.pairs.len() + self.windows.len() + self.observed.len()) as u64
    }

    /// A summary of the weights of the keys [`finish`](Self::finish) will return, keeping the
    /// `heaviest`.
    pub fn weight_summary(&self, heaviest: usize) -> WeightSummary {
        self.counter.weight_summary(heaviest)
    }

    /// The distribution and the facets, with cells keyed by key index.
    pub fn finish(self) -> Result<(KeyDistribution, Facets), FacetError> {
        if self.overflowed {
            return Err(FacetError::TooManyCells {
                limit: self.spec.max_cells,
            });
        }
        let dist = self.counter.finish();
        let index: KeyIndex = dist
            .keys()
            .iter()
            .enumerate()
            .map(|(i, k)| (k, i as u32))
            .collect();
        // Cells of keys with zero events (count-0 rows) are not in the sample.
        let mut facets = Facets::default();
        if self.spec.entities {
            let mut cells: Vec<(u32, Box<[u8]>, u64)> = Vec::with_capacity(self.pairs.len());
            // Consuming the table frees each composite cell as its entity is copied out.
            for (cell, n) in self.pairs {
                let (k, e) = split_pair_cell(&cell);
                if let (Some(&i), true) = (index.get(k), n > 0) {
                    cells.push((i, Box::from(e), n));
                }
            }
            cells.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            facets.entities = Some(PairCounts {
                cells,
                empty_value_events: self.empty_entity_events,
            });
        }
        if let Some(window_ms) = self.spec.window_ms {
            facets.windows = Some(WindowCounts {
                window_ms,
                cells: sorted_cells(self.windows, &index),
            });
        }
        if self.spec.observed_partitions {
            facets.observed = Some(ObservedPartitions {
                cells: sorted_cells(self.observed, &index),
            });
        }
        Ok((dist, facets))
    }
}

fn sorted_cells<T: Ord + Copy>(cells: Cells<T>, index: &KeyIndex<'_>) -> Vec<(u32, T, u64)> {
    let mut out: Vec<(u32, T, u64)> = cells
        .into_iter()
        .filter_map(|((k, v), n)| index.get(k.as_ref()).map(|&i| (i, v, n)))
        .filter(|c| c.2 > 0)
        .collect();
    out.sort_unstable_by_key(|c| (c.0, c.1));
    out
}

/// Adds `events` to the cell `(key, value)`; a new cell is kept only when there is `room`. Returns
/// false when a new cell had to be dropped.
fn bump<T: Eq + std::hash::Hash>(
    cells: &mut Cells<T>,
    key: &[u8],
    value: T,
    events: u64,
    room: bool,
) -> bool {
    let cell = (Box::<[u8]>::from(key), value);
    if let Some(n) = cells.get_mut(&cell) {
        *n += events;
    } else if room {
        cells.insert(cell, events);
    } else {
        return false;
    }
    true
}

impl EventSink for FacetCounter {
    fn add_event(&mut self, event: Event<'_>) -> Result<(), Overflow> {
        self.counter.add_event(event)?;
        // At most three new cells per row, so the bound is passed by at most two.
        let room = self.cells() < self.spec.max_cells;
        let mut kept = true;
        if self.spec.entities {
            match event.entity {
                Some(e) if !e.is_empty() => {
                    pair_cell(event.key, e, &mut self.scratch);
                    if let Some(n) = self.pairs.get_mut(self.scratch.as_slice()) {
                        *n += event.weight;
                    } else if room {
                        self.pairs
                            .insert(Box::from(self.scratch.as_slice()), event.weight);
                    } else {
                        kept = false;
                    }
                }
                _ => self.empty_entity_events += event.weight,
            }
        }
        if let (Some(window_ms), Some(t)) = (self.spec.window_ms, event.time_ms) {
            let start = window_start(t, window_ms);
            kept &= bump(&mut self.windows, event.key, start, event.weight, room);
        }
        if let (true, Some(p)) = (self.spec.observed_partitions, event.partition) {
            kept &= bump(&mut self.observed, event.key, p, event.weight, room);
        }
        self.overflowed |= !kept;
        Ok(())
    }

    fn fork(&self) -> Self {
        FacetCounter::new(self.spec)
    }

    fn merge(&mut self, other: Self) -> Result<(), Overflow> {
        self.counter.merge(other.counter)?;
        self.empty_entity_events += other.empty_entity_events;
        self.overflowed |= other.overflowed;
        for (cell, n) in other.pairs {
            *self.pairs.entry(cell).or_default() += n;
        }
        for (cell, n) in other.windows {
            *self.windows.entry(cell).or_default() += n;
        }
        for (cell, n) in other.observed {
            *self.observed.entry(cell).or_default() += n;
        }
        self.overflowed |= self.cells() > self.spec.max_cells;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event<'a>(key: &'a [u8], entity: &'a [u8], time_ms: i64, partition: u32) -> Event<'a> {
        Event {
            entity: Some(entity),
            time_ms: Some(time_ms),
            partition: Some(partition),
            ..Event::new(key, 1)
        }
    }

    fn spec() -> FacetsSpec {
        FacetsSpec {
            entities: true,
            window_ms: Some(1000),
            observed_partitions: true,
            ..FacetsSpec::default()
        }
    }

    #[test]
    fn cells_follow_the_key_order_after_a_merge() {
        let mut a = FacetCounter::new(spec());
        a.add_event(event(b"x", b"o1", 10, 3)).unwrap();
        a.add_event(event(b"y", b"o2", 1500, 1)).unwrap();
        let mut b = a.fork();
        b.add_event(event(b"x", b"o1", 999, 3)).unwrap();
        b.add_event(event(b"x", b"o3", 2000, 4)).unwrap();
        b.add_event(event(b"y", b"", 2001, 1)).unwrap();
        a.merge(b).unwrap();
        let (dist, facets) = a.finish().unwrap();
        assert_eq!(&dist.keys()[0], b"x"); // 3 events
        let pairs = facets.entities.unwrap();
        assert_eq!(
            pairs.cells,
            vec![
                (0, Box::from(&b"o1"[..]), 2),
                (0, Box::from(&b"o3"[..]), 1),
                (1, Box::from(&b"o2"[..]), 1)
            ]
        );
        assert_eq!(pairs.empty_value_events, 1);
        assert_eq!(
            facets.windows.unwrap().cells,
            vec![(0, 0, 2), (0, 2000, 1), (1, 1000, 1), (1, 2000, 1)]
        );
        assert_eq!(
            facets.observed.unwrap().cells,
            vec![(0, 3, 2), (0, 4, 1), (1, 1, 2)]
        );
    }

    #[test]
    fn pair_cells_round_trip() {
        let mut buf = Vec::new();
        for (k, e) in [
            (&b""[..], &b"e"[..]),
            (b"key", b""),
            (&[7u8; 300][..], b"x#1"),
        ] {
            pair_cell(k, e, &mut buf);
            assert_eq!(split_pair_cell(&buf), (k, e));
        }
    }

    #[test]
    fn too_many_cells_fail_instead_of_growing() {
        let mut c = FacetCounter::new(FacetsSpec {
            max_cells: 3,
            ..spec()
        });
        for i in 0..10u8 {
            c.add_event(event(&[i], b"e", 0, 0)).unwrap();
        }
        assert!(c.cells() <= 3 + 2);
        assert_eq!(
            c.finish().unwrap_err(),
            FacetError::TooManyCells { limit: 3 }
        );
    }
}
