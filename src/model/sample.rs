//! The sample as analysis sees it: distinct keys with their events (and bytes), heaviest first.
//!
//! A [`KeyDistribution`] is the whole sample reduced to its distinct keys and their event counts. Every
//! later stage works on distinct keys only, so a 20-million-event sample with 50,000 distinct keys costs
//! 50,000 hashes per hash function.

use std::collections::BTreeMap;

/// A sample reduced to its distinct keys and event counts.
///
/// Invariants: `keys` and `weights` (and `bytes`, when known) have the same length; every weight is at
/// least 1; entries are sorted by weight descending, then by key bytes ascending; `total` is the sum of
/// the weights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDistribution {
    keys: Vec<Box<[u8]>>,
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
            keys: entries.iter().map(|&(k, _)| k.into()).collect(),
            weights: entries.iter().map(|&(_, w)| w).collect(),
            total,
            bytes: None,
            time_range: None,
        }
    }

    /// A distribution from columns already in the invariant's order (heaviest first, ties by key
    /// bytes, every weight at least 1, `total` their sum); the ingest counter builds it this way.
    pub fn from_sorted_columns(
        keys: Vec<Box<[u8]>>,
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
    pub fn keys(&self) -> &[Box<[u8]>] {
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
        assert_eq!(d.keys()[0].as_ref(), b"c");
        assert_eq!(d.keys()[1].as_ref(), b"a");
        assert_eq!(d.weights(), &[5, 3, 2]);
        assert!((d.top_share() - 0.5).abs() < 1e-12);
    }
}
