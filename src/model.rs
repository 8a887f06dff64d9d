//! The typed data that flows between layers: partition counts, and the key distribution that ingest
//! produces and analysis consumes.
//!
//! A [`KeyDistribution`] is the whole sample reduced to its distinct keys and their event counts. Every
//! later stage works on distinct keys only, so a 20-million-event sample with 50,000 distinct keys costs
//! 50,000 hashes per hash function.

use std::fmt;

use crate::keytable::KeyTable;
use std::num::NonZeroU32;

/// The largest partition (or shard) count keyplan accepts. Kafka itself allows more, but no real topic
/// has more partitions than this and per-partition tables beyond it are not readable.
pub const MAX_PARTITIONS: u32 = 100_000;

/// A partition count in `1..=MAX_PARTITIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionCount(NonZeroU32);

impl PartitionCount {
    /// Validates a raw count.
    pub fn new(n: u64) -> Result<PartitionCount, String> {
        if n == 0 {
            return Err("a partition count must be at least 1".to_string());
        }
        if n > u64::from(MAX_PARTITIONS) {
            return Err(format!(
                "partition count {n} is out of range (1..={MAX_PARTITIONS})"
            ));
        }
        // Both bounds are checked above, so the conversion cannot fail.
        Ok(PartitionCount(
            NonZeroU32::new(n as u32).expect("checked non-zero"),
        ))
    }

    /// The count as a `u32` (never zero).
    pub fn get(self) -> u32 {
        self.0.get()
    }

    /// The count as a `usize`, for indexing per-partition tables.
    pub fn as_usize(self) -> usize {
        self.0.get() as usize
    }
}

impl fmt::Display for PartitionCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Parses a partition-count list: `6,12,24`, inclusive ranges `8..64` (or `8..=64`), ranges with a step
/// `8..64:8` (also written `8..64/8` or `8..64..8`), and any mix of them separated by commas.
///
/// The result is sorted and free of duplicates, so reports always list counts in ascending order.
pub fn parse_partition_list(text: &str) -> Result<Vec<PartitionCount>, String> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!(
                "empty item in partition list '{text}' (expected e.g. 6,12,24 or 8..64:8)"
            ));
        }
        if let Some((start, rest)) = item.split_once("..") {
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            let (end, step) = match rest
                .split_once(':')
                .or_else(|| rest.split_once('/'))
                .or_else(|| rest.split_once(".."))
            {
                Some((end, step)) => (end, parse_number(step, item)?),
                None => (rest, 1),
            };
            let (start, end) = (parse_number(start, item)?, parse_number(end, item)?);
            if step == 0 {
                return Err(format!("range '{item}' has a step of 0"));
            }
            if start > end {
                return Err(format!(
                    "range '{item}' is empty: its start is greater than its end"
                ));
            }
            let last = PartitionCount::new(end)?;
            let mut n = start;
            while n <= u64::from(last.get()) {
                out.push(PartitionCount::new(n)?);
                n += step;
            }
        } else {
            out.push(PartitionCount::new(parse_number(item, item)?)?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn parse_number(text: &str, item: &str) -> Result<u64, String> {
    let text = text.trim();
    text.parse::<u64>().map_err(|_| {
        if text.starts_with('-') {
            format!(
                "partition count '{text}' in '{item}' is negative; counts are 1..={MAX_PARTITIONS}"
            )
        } else {
            format!("'{text}' in '{item}' is not a whole number (expected e.g. 6,12,24 or 8..64:8)")
        }
    })
}

/// One input row: a key and the number of events it stands for, with optional size and time.
/// Readers produce these; an [`EventSink`] consumes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// The key's exact bytes, as the producer's serializer wrote them.
    pub key: &'a [u8],
    /// How many events the row stands for (1 for raw events).
    pub weight: u64,
    /// Total payload bytes of those events, when a size column is known.
    pub bytes: Option<u64>,
    /// Event time in milliseconds since the Unix epoch, when a time column is known.
    pub time_ms: Option<i64>,
    /// The partition the event was observed on (kcat `-J` envelopes carry it), kept for commands that
    /// compare observed and computed placement.
    pub partition: Option<u32>,
}

impl<'a> Event<'a> {
    /// An event of `weight` events of `key`, without size or time.
    pub fn new(key: &'a [u8], weight: u64) -> Event<'a> {
        Event {
            key,
            weight,
            bytes: None,
            time_ms: None,
            partition: None,
        }
    }
}

/// Where readers put events: the exact [`KeyCounter`], or a bounded-memory aggregator.
///
/// Sinks are forked per worker thread and merged back, so parallel ingest gives the same result as a
/// sequential one.
pub trait EventSink: Send + Sized {
    /// Takes one row. Returns `Err` with the running total when the total event count would overflow.
    fn add_event(&mut self, event: Event<'_>) -> Result<(), u64>;
    /// An empty sink with the same configuration, for another worker.
    fn fork(&self) -> Self;
    /// Adds everything `other` has seen. Returns `Err` with the running total on overflow.
    fn merge(&mut self, other: Self) -> Result<(), u64>;
    /// A hint that `key` will be added soon: readers call it for a batch of rows before adding them,
    /// so a sink backed by a large table can start loading the memory those rows will touch. The
    /// default does nothing.
    fn prefetch(&self, key: &[u8]) {
        let _ = key;
    }
    /// The distinct-key limit at which this sink changes how it counts, for a sink whose result
    /// depends on where in the input that happens ([`crate::analysis::stream::AdaptiveSink`]). For
    /// such a sink the block engine runs [`checkpoint`](Self::checkpoint)s so that the decision is
    /// taken for the whole run, never by one worker. The default, `None`, means no checkpoints.
    fn key_limit(&self) -> Option<u64> {
        None
    }
    /// An upper bound on the distinct keys this sink holds, which lets the engine skip a checkpoint
    /// without waiting when the bound already shows the limit is not passed. The default is 0.
    fn held_keys(&self) -> u64 {
        0
    }
    /// A global checkpoint: `self` is the run's sink and `forks` are every worker's fork; together
    /// they hold exactly the blocks before the checkpoint. Returns true when from now on each block is
    /// to be parsed into its own [`fork`](Self::fork), [`seal`](Self::seal)ed and merged into `self`
    /// in block order. Returns `Err` with the running total on overflow. The default does nothing.
    fn checkpoint(&mut self, forks: &mut [&mut Self]) -> Result<bool, u64> {
        let _ = forks;
        Ok(false)
    }
    /// Prepares one block's fork for the in-order merge after a checkpoint returned true: the work
    /// that does not depend on order, done by the worker in parallel. The default does nothing.
    fn seal(&mut self) {}
}

impl EventSink for KeyCounter {
    fn add_event(&mut self, event: Event<'_>) -> Result<(), u64> {
        KeyCounter::add_event(self, event)
    }

    fn prefetch(&self, key: &[u8]) {
        self.counts.prefetch(key);
    }

    fn fork(&self) -> Self {
        KeyCounter::new()
    }

    fn merge(&mut self, other: Self) -> Result<(), u64> {
        KeyCounter::merge(self, other)
    }
}

/// Accumulates event counts (and byte totals) per distinct key while input streams in. Memory grows
/// with the number of distinct keys, never with the number of events.
///
/// The table is [`crate::keytable::KeyTable`], built for this job (see there for why). A lookup of a
/// key already seen does not allocate.
#[derive(Debug, Default)]
pub struct KeyCounter {
    counts: KeyTable,
    total: u64,
    total_bytes: u64,
    /// Rows added, and how many of them carried a size: byte totals are reported only when every row
    /// had one, since a partial total would understate the load of some keys.
    rows: u64,
    sized_rows: u64,
    /// Earliest and latest event time seen, in ms since the epoch.
    time_range: Option<(i64, i64)>,
}

impl KeyCounter {
    /// An empty counter.
    pub fn new() -> KeyCounter {
        KeyCounter::default()
    }

    /// Adds `weight` events for `key`. Returns `Err` with the running total when the sum of all weights
    /// would overflow a `u64`.
    pub fn add(&mut self, key: &[u8], weight: u64) -> Result<(), u64> {
        self.add_event(Event::new(key, weight))
    }

    /// Adds one row: its events, its bytes and its time. Returns `Err` with the running event total
    /// when the event or byte total would overflow a `u64`.
    #[inline]
    pub fn add_event(&mut self, event: Event<'_>) -> Result<(), u64> {
        let total = self.total;
        self.total = total.checked_add(event.weight).ok_or(total)?;
        let bytes = event.bytes.unwrap_or(0);
        self.total_bytes = self.total_bytes.checked_add(bytes).ok_or(total)?;
        self.rows += 1;
        self.sized_rows += u64::from(event.bytes.is_some());
        if let Some(t) = event.time_ms {
            self.time_range = Some(widen(self.time_range, (t, t)));
        }
        // Per-key sums cannot overflow: the totals above were checked.
        self.counts.add(event.key, event.weight, bytes);
        Ok(())
    }

    /// Merges another counter into this one (used to combine per-input or per-thread counters).
    pub fn merge(&mut self, other: KeyCounter) -> Result<(), u64> {
        let total = self.total;
        self.total = total.checked_add(other.total).ok_or(total)?;
        self.total_bytes = self
            .total_bytes
            .checked_add(other.total_bytes)
            .ok_or(total)?;
        self.rows += other.rows;
        self.sized_rows += other.sized_rows;
        if let Some(range) = other.time_range {
            self.time_range = Some(widen(self.time_range, range));
        }
        // Fold the smaller table into the larger one: fewer inserts.
        if other.counts.len() > self.counts.len() {
            let smaller = std::mem::replace(&mut self.counts, other.counts);
            self.counts.merge(smaller);
        } else {
            self.counts.merge(other.counts);
        }
        Ok(())
    }

    /// The number of distinct keys added so far (including any added with weight 0).
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// Consumes the counter, yielding each distinct key and its count in no particular order.
    pub fn into_counts(self) -> impl Iterator<Item = (Box<[u8]>, u64)> {
        self.counts
            .into_entries()
            .map(|(key, stats)| (key, stats.events))
    }

    /// Total events added so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Freezes the counts into a [`KeyDistribution`]. Keys with zero events are dropped.
    pub fn finish(self) -> KeyDistribution {
        let bytes_known = self.rows > 0 && self.sized_rows == self.rows;
        // Heaviest first, ties by key bytes: a total order, so output never depends on hash-map order.
        // Zero-weight keys (count-0 rows) are dropped.
        let columns = self.counts.into_sorted_columns();
        let (keys, weights, bytes) = (columns.keys, columns.events, columns.bytes);
        KeyDistribution {
            keys,
            weights,
            total: self.total,
            bytes: bytes_known.then_some(bytes),
            time_range: self.time_range,
        }
    }
}

/// The smallest range covering both.
fn widen(range: Option<(i64, i64)>, (lo, hi): (i64, i64)) -> (i64, i64) {
    match range {
        Some((a, b)) => (a.min(lo), b.max(hi)),
        None => (lo, hi),
    }
}

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
    /// Builds a distribution from `(key, weight)` pairs; repeated keys are summed.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a [u8], u64)>) -> KeyDistribution {
        let mut counter = KeyCounter::new();
        for (key, weight) in pairs {
            counter
                .add(key, weight)
                .expect("test weights do not overflow");
        }
        counter.finish()
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

    fn counts(text: &str) -> Vec<u32> {
        parse_partition_list(text)
            .unwrap()
            .into_iter()
            .map(PartitionCount::get)
            .collect()
    }

    #[test]
    fn partition_lists() {
        assert_eq!(counts("6,12,24"), vec![6, 12, 24]);
        assert_eq!(counts("24, 6,12,6"), vec![6, 12, 24]);
        assert_eq!(counts("8..12"), vec![8, 9, 10, 11, 12]);
        assert_eq!(counts("8..=10"), vec![8, 9, 10]);
        assert_eq!(counts("8..32:8"), vec![8, 16, 24, 32]);
        assert_eq!(counts("8..30/8"), vec![8, 16, 24]);
        assert_eq!(counts("8..32..8,3"), vec![3, 8, 16, 24, 32]);
        assert_eq!(counts("100000"), vec![100_000]);
    }

    #[test]
    fn bad_partition_lists() {
        for bad in [
            "0", "100001", "-3", "a", "6,,12", "", "12..6", "1..5:0", "5..", "1..5:x",
        ] {
            assert!(parse_partition_list(bad).is_err(), "{bad:?} should fail");
        }
        assert!(parse_partition_list("0")
            .unwrap_err()
            .contains("at least 1"));
        assert!(parse_partition_list("200000")
            .unwrap_err()
            .contains("out of range"));
    }

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

    #[test]
    fn bytes_and_time_are_kept() {
        let mut c = KeyCounter::new();
        let ev = |key: &'static [u8], bytes, time| Event {
            bytes: Some(bytes),
            time_ms: Some(time),
            ..Event::new(key, 1)
        };
        c.add_event(ev(b"a", 10, 5)).unwrap();
        let mut other = c.fork();
        other.add_event(ev(b"a", 5, -3)).unwrap();
        other.add_event(ev(b"b", 7, 9)).unwrap();
        c.merge(other).unwrap();
        let d = c.finish();
        assert_eq!(d.weights(), &[2, 1]);
        assert_eq!(d.bytes(), Some(&[15, 7][..]));
        assert_eq!(d.total_bytes(), Some(22));
        assert_eq!(d.time_range(), Some((-3, 9)));
    }

    #[test]
    fn bytes_are_unknown_unless_every_row_has_them() {
        let mut c = KeyCounter::new();
        c.add_event(Event {
            bytes: Some(3),
            ..Event::new(b"a", 1)
        })
        .unwrap();
        c.add(b"a", 1).unwrap();
        assert_eq!(c.finish().bytes(), None);
    }

    #[test]
    fn overflow_is_reported() {
        let mut c = KeyCounter::new();
        c.add(b"a", u64::MAX).unwrap();
        assert!(c.add(b"b", 1).is_err());
    }
}
