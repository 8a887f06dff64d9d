//! Key strategies applied after counting: hot-key splitting keeps the sub-keys of only the `K`
//! heaviest keys, and round-robin salting (no `by=`) divides each key's events over its sub-keys.
//!
//! Salting `by=OTHER` needs nothing here: ingest already wrote `key#bucket` for every event
//! (docs/strategies.md). What this module does, in one pass over the distinct keys:
//! - `split-hot(F, top=K, ways=D, by=O)`: ingest counted `(key, bucket)` cells; the `K` heaviest base
//!   keys (by their total events, ties by key bytes) keep their cells as sub-keys `key#b`, every other
//!   key's cells fold back into the plain key;
//! - round-robin (`salt(F, N)`, `split-hot(F, top=K, ways=D)`): a split key with `w` events is sent
//!   to sub-keys in turn, starting at bucket 0, so bucket `b` of `D` gets `floor(w / D) + (b < w mod
//!   D)` events whatever the input order. Its bytes are divided the same way (the sample does not say
//!   which payloads went to which turn). An entity with one event is on sub-key 0; an entity with
//!   more events is taken to be on every sub-key of its key (round-robin keeps no order within a
//!   key, so its events may land on any of them: the worst case), its events divided alike.
//!
//! Facet cells (entities, windows, observed partitions) follow their keys to the new key indices.

use std::collections::HashMap;

use crate::model::scenario::{push_bucket, split_bucket};
use crate::model::{Facets, KeyDistribution, KeyList, KeyStrategy, PairCounts};

/// What a strategy did to the keys, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitSummary {
    /// Base keys spread over more than one sub-key.
    pub split_keys: u64,
    /// Events of those keys.
    pub split_events: u64,
    /// The most sub-keys one key is spread over (`N` or `D`).
    pub ways: u32,
    /// False when the keys were not counted exactly (bounded-memory mode): the counts are unknown.
    pub counted: bool,
}

/// Where each counted key went: one new key, or a run of round-robin sub-keys.
enum Target {
    One(u32),
    Spread(Vec<u32>),
}

/// Whether [`apply`] leaves the key weights as counted: the key as read, and salting with `by=`
/// (done at ingest). Splitting, and salting without `by=`, re-weight the keys.
pub fn keeps_weights(strategy: &KeyStrategy) -> bool {
    matches!(
        strategy,
        KeyStrategy::AsRead { .. } | KeyStrategy::Salt { by: Some(_), .. }
    )
}

/// Applies `strategy` to a counted distribution and its facets. Strategies that need nothing after
/// counting return them unchanged.
pub fn apply(
    strategy: &KeyStrategy,
    dist: KeyDistribution,
    facets: Facets,
) -> (KeyDistribution, Facets, SplitSummary) {
    let (top, ways, by) = match strategy {
        KeyStrategy::AsRead { .. } => return (dist, facets, SplitSummary::default()),
        KeyStrategy::Salt {
            by: Some(_),
            buckets,
            ..
        } => {
            let summary = salted_summary(&dist, *buckets);
            return (dist, facets, summary);
        }
        KeyStrategy::Salt {
            buckets, by: None, ..
        } => (u64::MAX, *buckets, false),
        KeyStrategy::SplitHot { top, ways, by, .. } => (u64::from(*top), *ways, by.is_some()),
    };
    // Base key of every counted key, and the base keys' totals.
    let keys = dist.keys();
    let base_of = |k: &[u8]| -> Vec<u8> {
        if by {
            split_bucket(k).map_or(k, |(b, _)| b).to_vec()
        } else {
            k.to_vec()
        }
    };
    let mut totals: HashMap<Vec<u8>, u64> = HashMap::new();
    for (k, &w) in keys.iter().zip(dist.weights()) {
        *totals.entry(base_of(k)).or_default() += w;
    }
    let mut ranked: Vec<(&Vec<u8>, u64)> = totals.iter().map(|(k, &w)| (k, w)).collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let hot: HashMap<&[u8], u64> = ranked
        .iter()
        .take(usize::try_from(top).unwrap_or(usize::MAX))
        .map(|(k, w)| (k.as_slice(), *w))
        .collect();
    // Sub-keys and events per hot base key, to count the keys really spread over several.
    let mut spread: HashMap<&[u8], (u64, u64)> = HashMap::new();
    // New keys with their events and bytes; `targets[i]` says where old key `i` went.
    let bytes = dist.bytes();
    let mut new: HashMap<Vec<u8>, (u64, u64)> = HashMap::new();
    let mut routes: Vec<Vec<Vec<u8>>> = Vec::with_capacity(keys.len());
    for (i, (k, &w)) in keys.iter().zip(dist.weights()).enumerate() {
        let b = bytes.map_or(0, |b| b[i]);
        let base = base_of(k);
        let hot_key = hot.get_key_value(base.as_slice()).map(|(&h, _)| h);
        let is_hot = hot_key.is_some();
        let route = if by {
            // Hot keys keep their bucketed cell; the others fold back into the plain key.
            let target = if is_hot { k.to_vec() } else { base };
            vec![target]
        } else if is_hot {
            let used = u64::from(ways).min(w).max(1);
            (0..used)
                .map(|bucket| {
                    let mut sub = k.to_vec();
                    push_bucket(&mut sub, bucket as u32);
                    sub
                })
                .collect()
        } else {
            vec![base]
        };
        let parts = route.len() as u64;
        if let Some(h) = hot_key {
            let e = spread.entry(h).or_default();
            e.0 += parts;
            e.1 += w;
        }
        for (j, target) in route.iter().enumerate() {
            let cell = new.entry(target.clone()).or_default();
            cell.0 += share(w, parts, j as u64);
            cell.1 += share(b, parts, j as u64);
        }
        routes.push(route);
    }
    let several = spread.values().filter(|(parts, _)| *parts > 1);
    let split_summary = SplitSummary {
        split_keys: several.clone().count() as u64,
        split_events: several.map(|(_, w)| w).sum(),
        ways,
        counted: true,
    };
    drop(spread);
    let mut entries: Vec<(Vec<u8>, (u64, u64))> = new.into_iter().collect();
    entries.sort_unstable_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
    let index: HashMap<&[u8], u32> = entries
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_slice(), i as u32))
        .collect();
    let targets: Vec<Target> = routes
        .iter()
        .map(|route| match route.as_slice() {
            [one] => Target::One(index[one.as_slice()]),
            many => Target::Spread(many.iter().map(|k| index[k.as_slice()]).collect()),
        })
        .collect();
    let facets = Facets {
        entities: facets.entities.map(|p| remap_pairs(p, &targets)),
        windows: facets.windows.map(|mut w| {
            w.cells = remap_cells(w.cells, &targets);
            w
        }),
        observed: facets.observed.map(|mut o| {
            o.cells = remap_cells(o.cells, &targets);
            o
        }),
    };
    drop(index);
    let total = dist.total();
    let time_range = dist.time_range();
    let has_bytes = bytes.is_some();
    let (keys, weights, bytes): (KeyList, Vec<u64>, Vec<u64>) = entries.into_iter().fold(
        (KeyList::default(), Vec::new(), Vec::new()),
        |(mut k, mut w, mut b), (key, (events, size))| {
            k.push(&key);
            w.push(events);
            b.push(size);
            (k, w, b)
        },
    );
    let dist = KeyDistribution::from_sorted_columns(
        keys,
        weights,
        total,
        has_bytes.then_some(bytes),
        time_range,
    );
    (dist, facets, split_summary)
}

/// Part `j` of `value` divided over `parts` in turn: `floor(value / parts) + (j < value mod parts)`.
pub fn share(value: u64, parts: u64, j: u64) -> u64 {
    value / parts + u64::from(j < value % parts)
}

/// For salting `by=`: every key was salted; a base key is split when its events reached more than
/// one bucket.
fn salted_summary(dist: &KeyDistribution, buckets: u32) -> SplitSummary {
    let mut bases: HashMap<&[u8], (u32, u64)> = HashMap::new();
    for (k, &w) in dist.keys().iter().zip(dist.weights()) {
        let base = split_bucket(k).map_or(k.as_ref(), |(b, _)| b);
        let e = bases.entry(base).or_default();
        e.0 += 1;
        e.1 += w;
    }
    let split = bases.values().filter(|(n, _)| *n > 1);
    SplitSummary {
        split_keys: split.clone().count() as u64,
        split_events: split.map(|(_, w)| w).sum(),
        ways: buckets,
        counted: true,
    }
}

/// Entity cells follow their keys; a round-robin split key takes an entity with several events to
/// every sub-key (worst case), one with a single event to sub-key 0. Cells are re-sorted and merged.
fn remap_pairs(pairs: PairCounts, targets: &[Target]) -> PairCounts {
    let mut cells: Vec<(u32, Box<[u8]>, u64)> = Vec::with_capacity(pairs.cells.len());
    for (i, entity, n) in pairs.cells {
        match &targets[i as usize] {
            Target::One(t) => cells.push((*t, entity, n)),
            Target::Spread(subs) if n <= 1 => cells.push((subs[0], entity, n)),
            Target::Spread(subs) => {
                let parts = subs.len() as u64;
                for (j, &s) in subs.iter().enumerate() {
                    cells.push((s, entity.clone(), share(n, parts, j as u64)));
                }
            }
        }
    }
    cells.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut merged: Vec<(u32, Box<[u8]>, u64)> = Vec::with_capacity(cells.len());
    for cell in cells {
        match merged.last_mut() {
            Some(last) if last.0 == cell.0 && last.1 == cell.1 => last.2 += cell.2,
            _ => merged.push(cell),
        }
    }
    PairCounts {
        cells: merged,
        empty_value_events: pairs.empty_value_events,
    }
}

/// Per-key cells (windows, observed partitions) follow their keys; a round-robin split key's
/// events in a cell are divided over its sub-keys in turn.
fn remap_cells<T: Ord + Copy>(cells: Vec<(u32, T, u64)>, targets: &[Target]) -> Vec<(u32, T, u64)> {
    let mut out: Vec<(u32, T, u64)> = Vec::with_capacity(cells.len());
    for (i, v, n) in cells {
        match &targets[i as usize] {
            Target::One(t) => out.push((*t, v, n)),
            Target::Spread(subs) => {
                let parts = subs.len() as u64;
                for (j, &s) in subs.iter().enumerate() {
                    let part = share(n, parts, j as u64);
                    if part > 0 {
                        out.push((s, v, part));
                    }
                }
            }
        }
    }
    out.sort_unstable_by_key(|c| (c.0, c.1));
    let mut merged: Vec<(u32, T, u64)> = Vec::with_capacity(out.len());
    for cell in out {
        match merged.last_mut() {
            Some(last) if last.0 == cell.0 && last.1 == cell.1 => last.2 += cell.2,
            _ => merged.push(cell),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(pairs: &[(&str, u64)]) -> KeyDistribution {
        KeyDistribution::from_pairs(pairs.iter().map(|&(k, w)| (k.as_bytes(), w)))
    }

    fn keys(d: &KeyDistribution) -> Vec<(String, u64)> {
        d.keys()
            .iter()
            .zip(d.weights())
            .map(|(k, &w)| (String::from_utf8_lossy(k).into_owned(), w))
            .collect()
    }

    #[test]
    fn split_hot_by_folds_the_light_keys_back() {
        let strategy = KeyStrategy::parse("split-hot(k, top=1, ways=4, by=o)", "s")
            .unwrap()
            .unwrap();
        let counted = dist(&[("a#0", 5), ("a#3", 4), ("b#1", 3), ("b#2", 2), ("c#0", 1)]);
        let pairs = PairCounts {
            cells: vec![
                (0, Box::from(&b"x"[..]), 5),
                (1, Box::from(&b"y"[..]), 4),
                (2, Box::from(&b"z"[..]), 3),
                (3, Box::from(&b"z"[..]), 2),
                (4, Box::from(&b"w"[..]), 1),
            ],
            empty_value_events: 0,
        };
        let facets = Facets {
            entities: Some(pairs),
            ..Facets::default()
        };
        let (d, f, split) = apply(&strategy, counted, facets);
        let b = |k: &str, w| (k.to_string(), w);
        assert_eq!(keys(&d), [b("a#0", 5), b("b", 5), b("a#3", 4), b("c", 1)]);
        assert_eq!(d.total(), 15);
        assert_eq!(
            (split.split_keys, split.split_events, split.ways),
            (1, 9, 4)
        );
        // 'z' was on b#1 and b#2: one cell on 'b' now.
        let cells = f.entities.unwrap().cells;
        assert!(cells.contains(&(1, Box::from(&b"z"[..]), 5)), "{cells:?}");
        assert_eq!(cells.len(), 4);
    }

    #[test]
    fn round_robin_divides_events_in_turn() {
        let strategy = KeyStrategy::parse("salt(k, 3)", "s").unwrap().unwrap();
        let (d, _, split) = apply(&strategy, dist(&[("a", 7), ("b", 2)]), Facets::default());
        let b = |k: &str, w| (k.to_string(), w);
        assert_eq!(
            keys(&d),
            [
                b("a#0", 3),
                b("a#1", 2),
                b("a#2", 2),
                b("b#0", 1),
                b("b#1", 1)
            ]
        );
        assert_eq!((split.split_keys, split.split_events), (2, 9));
        assert_eq!((0..3).map(|j| share(7, 3, j)).sum::<u64>(), 7);
    }
}
