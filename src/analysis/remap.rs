//! What changes when keys are placed twice: under one partitioner at two partition counts
//! (`keyplan remap`), or under two partitioners at one count (`keyplan clients`).
//!
//! Both work on an exact [`KeyDistribution`] with every distinct key hashed once per hash family
//! ([`KeyHashes`]). A key "moves" (or "differs") when its two placements are different partitions,
//! or when either placement is [`Placement::Random`] (the client picks a partition per message, so the
//! key has no partition to keep). Keys either side refuses ([`Placement::Invalid`]) are left out of
//! the shares and counted apart.

use serde::{Deserialize, Serialize};

use super::{HashColumn, KeyHashes};
use crate::model::{KeyDistribution, PartitionCount, MAX_PARTITIONS};
use crate::partitioner::{Mapping, Partitioner, Placement};

/// How many candidate counts [`Remap::best_counts`] lists.
pub const BEST_COUNTS: usize = 3;

/// Most key placements (distinct keys x candidate counts) the count guidance may cost; past it the
/// guidance is left out rather than stall the run.
pub const GUIDANCE_WORK: u64 = 2_000_000_000;

/// Totals of one comparison of two placements of every key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moves {
    /// Distinct keys both placements accept.
    pub keys: u64,
    /// Events of those keys.
    pub events: u64,
    /// Accepted keys whose placements differ (or are random).
    pub keys_moved: u64,
    /// Their events.
    pub events_moved: u64,
    /// Their payload bytes, when the sample has sizes.
    pub bytes_moved: Option<u64>,
    /// Events of keys placed at random by either side (all in `events_moved`).
    pub random_events: u64,
    /// Distinct keys placed at random by either side (all in `keys_moved`).
    pub random_keys: u64,
    /// Distinct keys refused by either side (not in `keys`).
    pub refused_keys: u64,
    /// Their events (not in `events`).
    pub refused_events: u64,
    /// Indices into the distribution (heaviest first) of the moved keys with both placements, at most
    /// the `top` asked for.
    pub top: Vec<(usize, Placement, Placement)>,
}

impl Moves {
    /// `keys_moved / keys` (0 when no key is accepted).
    pub fn keys_moved_share(&self) -> f64 {
        share(self.keys_moved, self.keys)
    }

    /// `events_moved / events` (0 when no event is accepted).
    pub fn events_moved_share(&self) -> f64 {
        share(self.events_moved, self.events)
    }
}

/// `part / whole`, 0 for an empty whole.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Compares placement `a` with placement `b` of every key of `dist` (heaviest first), keeping the
/// `top` heaviest keys that move.
pub fn compare(
    dist: &KeyDistribution,
    top: usize,
    mut place: impl FnMut(usize) -> (Placement, Placement),
) -> Moves {
    let mut m = Moves {
        bytes_moved: dist.bytes().map(|_| 0),
        ..Moves::default()
    };
    let bytes = dist.bytes();
    for (i, &w) in dist.weights().iter().enumerate() {
        let (a, b) = place(i);
        if a == Placement::Invalid || b == Placement::Invalid {
            m.refused_keys += 1;
            m.refused_events += w;
            continue;
        }
        m.keys += 1;
        m.events += w;
        let random = a == Placement::Random || b == Placement::Random;
        if random {
            m.random_keys += 1;
            m.random_events += w;
        }
        if random || a != b {
            m.keys_moved += 1;
            m.events_moved += w;
            if let (Some(total), Some(bytes)) = (m.bytes_moved.as_mut(), bytes) {
                *total += bytes[i];
            }
            if m.top.len() < top {
                m.top.push((i, a, b));
            }
        }
    }
    m
}

/// `from / to` when `to` is a multiple of `from` and `p` maps by modulo: the share of keys a uniform
/// hash keeps in place (a key stays exactly when `h mod to` is `h mod from`, true for 1 in `to / from`
/// hashes). None otherwise.
pub fn expected_keys_stay_share(
    p: Partitioner,
    from: PartitionCount,
    to: PartitionCount,
) -> Option<f64> {
    let modulo = matches!(p.behaviour().mapping, Mapping::Modulo(_));
    (modulo && to.get().is_multiple_of(from.get())).then(|| from.get() as f64 / to.get() as f64)
}

/// Compares every key of `dist` placed by `p` (with `hashes`, its family's, in key order) over `from`
/// and over `to` partitions, keeping the `top` heaviest keys that move.
pub fn moves(
    dist: &KeyDistribution,
    hashes: &HashColumn,
    p: Partitioner,
    from: PartitionCount,
    to: PartitionCount,
    top: usize,
) -> Moves {
    let keys = dist.keys();
    compare(dist, top, |i| {
        (
            p.place(&keys[i], hashes.get(i), from),
            p.place(&keys[i], hashes.get(i), to),
        )
    })
}

/// What moves when a topic goes from its current partition count to a plan's candidate (`[candidates]
/// current_partitions`). Field names are part of the JSON contract of `keyplan plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemapFromCurrent {
    /// The current partition count.
    pub from: u32,
    /// Accepted distinct keys whose partition changes (random keys included).
    pub keys_moved: u64,
    /// `keys_moved / keys`.
    pub keys_moved_share: f64,
    /// Their events.
    pub events_moved: u64,
    /// `events_moved / events` (accepted events).
    pub events_moved_share: f64,
    /// Their payload bytes, when the sample has sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_moved: Option<u64>,
    /// `1 - keys_moved_share`.
    pub keys_stay_share: f64,
    /// `from / to` for a multiple of the current count under a modulo partitioner (see
    /// [`expected_keys_stay_share`]); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_keys_stay_share: Option<f64>,
}

/// [`RemapFromCurrent`] for `p` going from `from` to `to` partitions.
pub fn from_current(
    dist: &KeyDistribution,
    hashes: &HashColumn,
    p: Partitioner,
    from: PartitionCount,
    to: PartitionCount,
) -> RemapFromCurrent {
    let m = moves(dist, hashes, p, from, to, 0);
    RemapFromCurrent {
        from: from.get(),
        keys_moved: m.keys_moved,
        keys_moved_share: m.keys_moved_share(),
        events_moved: m.events_moved,
        events_moved_share: m.events_moved_share(),
        bytes_moved: m.bytes_moved,
        keys_stay_share: share(m.keys - m.keys_moved, m.keys),
        expected_keys_stay_share: expected_keys_stay_share(p, from, to),
    }
}

/// The result of `remap`: moving from `from` to `to` partitions under one partitioner.
#[derive(Debug, Clone, PartialEq)]
pub struct Remap {
    /// The comparison itself.
    pub moves: Moves,
    /// Candidate counts other than `from` that keep the most events in place, best first (ties by the
    /// smaller count), with their `events_moved_share`; `None` when the search would cost more than
    /// [`GUIDANCE_WORK`].
    pub best_counts: Option<Vec<(u32, f64)>>,
}

/// Compares every key of `dist` placed by `p` over `from` and over `to` partitions; then searches the
/// counts `from+1 ..= 2*max(from, to)` (capped at [`MAX_PARTITIONS`]) for the [`BEST_COUNTS`] that move
/// the fewest events.
pub fn remap(
    dist: &KeyDistribution,
    hashes: &KeyHashes,
    p: Partitioner,
    from: PartitionCount,
    to: PartitionCount,
    top: usize,
) -> Remap {
    let h = hashes.get(p.family());
    let keys = dist.keys();
    let place = |i: usize, n: PartitionCount| p.place(&keys[i], h.get(i), n);
    let moves = moves(dist, h, p, from, to, top);
    let lo = from.get() as u64 + 1;
    let hi = (2 * from.get().max(to.get()) as u64).min(MAX_PARTITIONS as u64);
    let candidates = hi.saturating_sub(lo) + 1;
    let best_counts = (candidates.saturating_mul(keys.len() as u64) <= GUIDANCE_WORK).then(|| {
        let base: Vec<Placement> = (0..keys.len()).map(|i| place(i, from)).collect();
        let mut scored: Vec<(u32, f64)> = (lo..=hi)
            .filter_map(|c| PartitionCount::new(c).ok())
            .map(|c| {
                let m = compare(dist, 0, |i| (base[i], place(i, c)));
                (c.get(), m.events_moved_share())
            })
            .collect();
        scored.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        scored.truncate(BEST_COUNTS);
        scored
    });
    Remap { moves, best_counts }
}

/// Compares two partitioners over `n` partitions, every key of `dist` hashed once per family.
pub fn clients(
    dist: &KeyDistribution,
    hashes: &KeyHashes,
    a: Partitioner,
    b: Partitioner,
    n: PartitionCount,
    top: usize,
) -> Moves {
    let (ha, hb) = (hashes.get(a.family()), hashes.get(b.family()));
    let keys = dist.keys();
    compare(dist, top, |i| {
        (
            a.place(&keys[i], ha.get(i), n),
            b.place(&keys[i], hb.get(i), n),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(n: u64) -> PartitionCount {
        PartitionCount::new(n).unwrap()
    }

    #[test]
    fn same_count_moves_nothing_but_random_keys() {
        let dist = KeyDistribution::from_pairs([(&b"a"[..], 5), (&b"b"[..], 3), (&b""[..], 2)]);
        let ps = [Partitioner::Librdkafka];
        let hashes = KeyHashes::compute(&dist, &ps);
        let r = remap(&dist, &hashes, ps[0], count(6), count(6), 10);
        assert_eq!(r.moves.keys, 3);
        assert_eq!(r.moves.keys_moved, 1);
        assert_eq!(r.moves.random_events, 2);
        assert_eq!(r.moves.events_moved, 2);
    }

    #[test]
    fn doubling_keeps_about_half() {
        let owned: Vec<Vec<u8>> = (0..2000).map(|i| format!("k{i}").into_bytes()).collect();
        let dist = KeyDistribution::from_pairs(owned.iter().map(|k| (k.as_slice(), 1)));
        let ps = [Partitioner::Java];
        let hashes = KeyHashes::compute(&dist, &ps);
        let r = remap(&dist, &hashes, ps[0], count(4), count(8), 3);
        let stay = 1.0 - r.moves.keys_moved_share();
        assert!((stay - 0.5).abs() < 0.05, "{stay}");
        assert_eq!(r.moves.top.len(), 3);
        let best = r.best_counts.unwrap();
        assert_eq!(best.len(), BEST_COUNTS);
        assert!(best.windows(2).all(|w| w[0].1 <= w[1].1));
    }
}
