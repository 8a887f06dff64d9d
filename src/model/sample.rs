//! The sample as analysis sees it: distinct keys with their events (and bytes), heaviest first.
//!
//! A [`KeyDistribution`] is the whole sample reduced to its distinct keys and their event counts. Every
//! later stage works on distinct keys only, so a 20-million-event sample with 50,000 distinct keys costs
//! 50,000 hashes per hash function.

use std::collections::BTreeMap;

use rayon::prelude::*;

/// Distinct keys in one buffer: every key's bytes back to back, and where each ends. A million keys
/// are two allocations instead of a million (the per-key boxes cost allocator time, fresh pages and
/// cache misses when analysis walks the keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyList {
    bytes: Vec<u8>,
    /// `ends[i]` is the end of key `i` in `bytes`; key `i` starts where key `i - 1` ends.
    ends: Vec<usize>,
}

impl KeyList {
    /// An empty list with room for `keys` keys of `bytes` bytes in all.
    pub fn with_capacity(keys: usize, bytes: usize) -> KeyList {
        KeyList {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(keys),
        }
    }

    /// Appends a key.
    pub fn push(&mut self, key: &[u8]) {
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len());
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the list holds no key.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Key `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.bytes[start..end])
    }

    /// The keys in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + DoubleEndedIterator + Clone + '_ {
        (0..self.len()).map(move |i| &self[i])
    }

    /// The keys in order, as a parallel iterator.
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = &[u8]> + '_ {
        (0..self.len()).into_par_iter().map(move |i| &self[i])
    }
}

impl std::ops::Index<usize> for KeyList {
    type Output = [u8];

    /// Key `i`. Panics when `i` is out of range, like a slice.
    fn index(&self, i: usize) -> &[u8] {
        let end = self.ends[i];
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..end]
    }
}

impl<'a> FromIterator<&'a [u8]> for KeyList {
    fn from_iter<I: IntoIterator<Item = &'a [u8]>>(iter: I) -> KeyList {
        let mut list = KeyList::default();
        for key in iter {
            list.push(key);
        }
        list
    }
}

/// A sample reduced to its distinct keys and event counts.
///
/// Invariants: `keys` and `weights` (and `bytes`, when known) have the same length; every weight is at
/// least 1; entries are sorted by weight descending, then by key bytes ascending; `total` is the sum of
/// the weights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDistribution {
    keys: KeyList,
    weights: Vec<u64>,
    total: u64,
    bytes: Option<Vec<u64>>,
    time_range: Option<(i64, i64)>,
}

impl KeyDistribution {
    /// Builds a distribution from `(key, weight)` pairs; repeated keys are summed and zero-weight keys
    /// dropped. For tests, benches and small in-memory samples: readers use the ingest counter.
    ///
    /// Panics when the weights sum past `u64::MAX`.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], u64)>) -> KeyDistribution {
        let mut sums: BTreeMap<&[u8], u64> = BTreeMap::new();
        for (key, weight) in pairs {
            *sums.entry(key).or_default() += weight;
        }
        let mut entries: Vec<(&[u8], u64)> = sums.into_iter().filter(|&(_, w)| w > 0).collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let total = entries
            .iter()
            .try_fold(0u64, |t, &(_, w)| t.checked_add(w))
            .expect("weights sum within u64");
        KeyDistribution {
            keys: entries.iter().map(|&(k, _)| k).collect(),
            weights: entries.iter().map(|&(_, w)| w).collect(),
            total,
            bytes: None,
            time_range: None,
        }
    }

    /// A distribution from columns already in the invariant's order (heaviest first, ties by key
    /// bytes, every weight at least 1, `total` their sum); the ingest counter builds it this way.
    pub fn from_sorted_columns(
        keys: KeyList,
        weights: Vec<u64>,
        total: u64,
        bytes: Option<Vec<u64>>,
        time_range: Option<(i64, i64)>,
    ) -> KeyDistribution {
        debug_assert_eq!(keys.len(), weights.len());
        debug_assert_eq!(bytes.as_ref().map_or(keys.len(), Vec::len), keys.len());
        debug_assert!(weights.windows(2).all(|w| w[0] >= w[1]));
        KeyDistribution {
            keys,
            weights,
            total,
            bytes,
            time_range,
        }
    }

    /// The distinct keys, heaviest first.
    pub fn keys(&self) -> &KeyList {
        &self.keys
    }

    /// The event count of each key in [`keys`](Self::keys).
    pub fn weights(&self) -> &[u64] {
        &self.weights
    }

    /// The total number of events.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Payload bytes per key in [`keys`](Self::keys) order, when every input row carried a size.
    pub fn bytes(&self) -> Option<&[u64]> {
        self.bytes.as_deref()
    }

    /// Total payload bytes, when sizes are known.
    pub fn total_bytes(&self) -> Option<u64> {
        // Per-key byte totals were summed without overflow in the counter, so this cannot overflow.
        self.bytes.as_ref().map(|b| b.iter().sum())
    }

    /// Earliest and latest event time (ms since the Unix epoch), when a time column was read.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        self.time_range
    }

    /// The number of distinct keys.
    pub fn distinct(&self) -> usize {
        self.keys.len()
    }

    /// Whether the sample holds no events.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The share of all events carried by the heaviest key (0 for an empty sample).
    pub fn top_share(&self) -> f64 {
        match self.weights.first() {
            Some(&w) if self.total > 0 => w as f64 / self.total as f64,
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_is_sorted_and_summed() {
        let d = KeyDistribution::from_pairs([
            (&b"b"[..], 2),
            (&b"a"[..], 2),
            (&b"c"[..], 5),
            (&b"a"[..], 1),
            (&b"z"[..], 0),
        ]);
        assert_eq!(d.total(), 10);
        assert_eq!(d.distinct(), 3);
        assert_eq!(&d.keys()[0], b"c");
        assert_eq!(&d.keys()[1], b"a");
        assert_eq!(d.weights(), &[5, 3, 2]);
        assert!((d.top_share() - 0.5).abs() < 1e-12);
    }
}
