//! Exact counting while input streams in: the [`Event`] rows readers produce, the [`EventSink`] they
//! write to, and the [`KeyCounter`] that reduces them to distinct keys (a [`KeyDistribution`]).

use crate::ingest::keytable::KeyTable;
pub use crate::ingest::keytable::KeyTag;

/// The sample's total event (or byte) count would pass `u64::MAX`: the one error a sink can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the total event or byte count overflows 64 bits (already {total} events)")]
pub struct Overflow {
    /// The total events before the row or merge that overflowed.
    pub total: u64,
}
use crate::model::{KeyDistribution, WeightSummary};

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
    /// The ordering entity's value (the `--order-by` columns), when asked for; empty is no entity.
    pub entity: Option<&'a [u8]>,
    /// The key's tag when a sink's [`EventSink::prefetch`] already computed it for exactly these
    /// key bytes, so that the key is hashed once; [`KeyTag::NONE`] otherwise.
    pub tag: KeyTag,
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
            entity: None,
            tag: KeyTag::NONE,
        }
    }
}

/// Where readers put events: the exact [`KeyCounter`], or a bounded-memory aggregator.
///
/// Sinks are forked per worker thread and merged back, so parallel ingest gives the same result as a
/// sequential one.
pub trait EventSink: Send + Sized {
    /// Takes one row. Returns `Err` with the running total when the total event count would overflow.
    fn add_event(&mut self, event: Event<'_>) -> Result<(), Overflow>;
    /// An empty sink with the same configuration, for another worker.
    fn fork(&self) -> Self;
    /// Adds everything `other` has seen. Returns `Err` with the running total on overflow.
    fn merge(&mut self, other: Self) -> Result<(), Overflow>;
    /// A hint that `key` will be added soon: readers call it for a batch of rows before adding them,
    /// so a sink backed by a large table can start loading the memory those rows will touch. Returns
    /// the key's [`KeyTag`] when computing it was part of the hint, for [`add_key`](Self::add_key)
    /// to reuse: each key is hashed once from reading to counting. The default does nothing and
    /// returns [`KeyTag::NONE`].
    fn prefetch(&self, key: &[u8]) -> KeyTag {
        let _ = key;
        KeyTag::NONE
    }
    /// Takes one row that is only a key and a weight (no size, time, partition or entity), with the
    /// tag [`prefetch`](Self::prefetch) returned for it: the same as `add_event(Event::new(key,
    /// weight))`, which is the default.
    #[inline]
    fn add_key(&mut self, key: &[u8], weight: u64, tag: KeyTag) -> Result<(), Overflow> {
        let _ = tag;
        self.add_event(Event::new(key, weight))
    }
    /// Takes key-only rows of `block` in order, each with its tag: the same as
    /// [`add_key`](Self::add_key) on each, which is the default. On overflow, returns the index of
    /// the row that overflowed with the running total before it (rows before it may or may not have
    /// been added: the sink is not used after an error).
    #[inline]
    fn add_keys(&mut self, block: &[u8], rows: &[KeyRow]) -> Result<(), (usize, Overflow)> {
        add_keys_one_by_one(self, block, rows)
    }
    /// [`add_keys`](Self::add_keys) for rows whose weights are all 1 (rows without a count
    /// column), which lets a counter add their total at once. The default is `add_keys`.
    #[inline]
    fn add_unit_keys(&mut self, block: &[u8], rows: &[KeyRow]) -> Result<(), (usize, Overflow)> {
        self.add_keys(block, rows)
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
    fn checkpoint(&mut self, forks: &mut [&mut Self]) -> Result<bool, Overflow> {
        let _ = forks;
        Ok(false)
    }
    /// Prepares one block's fork for the in-order merge after a checkpoint returned true: the work
    /// that does not depend on order, done by the worker in parallel. The default does nothing.
    fn seal(&mut self) {}
}

/// A key-only row of a block waiting to be added: its key's span in the block, its weight and the
/// tag its prefetch computed.
#[derive(Debug, Clone, Copy)]
pub struct KeyRow {
    /// The key's tag ([`EventSink::prefetch`]).
    pub tag: KeyTag,
    /// The key's start and end in the block.
    pub key: (usize, usize),
    /// Its events.
    pub weight: u64,
}

impl KeyRow {
    /// A placeholder row (an empty key of no events).
    pub const EMPTY: KeyRow = KeyRow {
        tag: KeyTag::NONE,
        key: (0, 0),
        weight: 0,
    };
}

/// [`EventSink::add_keys`] as [`EventSink::add_key`] on each row.
#[inline]
pub fn add_keys_one_by_one<S: EventSink>(
    sink: &mut S,
    block: &[u8],
    rows: &[KeyRow],
) -> Result<(), (usize, Overflow)> {
    for (i, r) in rows.iter().enumerate() {
        sink.add_key(&block[r.key.0..r.key.1], r.weight, r.tag)
            .map_err(|e| (i, e))?;
    }
    Ok(())
}

impl EventSink for KeyCounter {
    fn add_event(&mut self, event: Event<'_>) -> Result<(), Overflow> {
        KeyCounter::add_event(self, event)
    }

    #[inline]
    fn prefetch(&self, key: &[u8]) -> KeyTag {
        self.counts.prefetch(key)
    }

    #[inline]
    fn add_key(&mut self, key: &[u8], weight: u64, tag: KeyTag) -> Result<(), Overflow> {
        KeyCounter::add_key(self, key, weight, tag)
    }

    /// The totals in one pass over the weights, then the keys in one loop of table lookups.
    #[inline]
    fn add_keys(&mut self, block: &[u8], rows: &[KeyRow]) -> Result<(), (usize, Overflow)> {
        let mut total = self.total;
        for (i, r) in rows.iter().enumerate() {
            total = total.checked_add(r.weight).ok_or((i, Overflow { total }))?;
        }
        self.total = total;
        self.rows += rows.len() as u64;
        self.counts.add_keys(block, rows);
        Ok(())
    }

    /// The rows' total is their number: checked once, not per row.
    #[inline]
    fn add_unit_keys(&mut self, block: &[u8], rows: &[KeyRow]) -> Result<(), (usize, Overflow)> {
        debug_assert!(rows.iter().all(|r| r.weight == 1));
        let n = rows.len() as u64;
        match self.total.checked_add(n) {
            Some(total) => {
                self.total = total;
                self.rows += n;
                self.counts.add_keys(block, rows);
                Ok(())
            }
            // Find the row that overflows.
            None => EventSink::add_keys(self, block, rows),
        }
    }

    fn fork(&self) -> Self {
        KeyCounter::new()
    }

    fn merge(&mut self, other: Self) -> Result<(), Overflow> {
        KeyCounter::merge(self, other)
    }
}

/// Accumulates event counts (and byte totals) per distinct key while input streams in. Memory grows
/// with the number of distinct keys, never with the number of events.
///
/// The table is [`crate::ingest::keytable::KeyTable`], built for this job (see there for why). A lookup of a
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
    pub fn add(&mut self, key: &[u8], weight: u64) -> Result<(), Overflow> {
        self.add_event(Event::new(key, weight))
    }

    /// Adds one row: its events, its bytes and its time. Returns `Err` with the running event total
    /// when the event or byte total would overflow a `u64`.
    #[inline]
    pub fn add_event(&mut self, event: Event<'_>) -> Result<(), Overflow> {
        let total = self.total;
        self.total = total.checked_add(event.weight).ok_or(Overflow { total })?;
        let bytes = event.bytes.unwrap_or(0);
        self.total_bytes = self
            .total_bytes
            .checked_add(bytes)
            .ok_or(Overflow { total })?;
        self.rows += 1;
        self.sized_rows += u64::from(event.bytes.is_some());
        if let Some(t) = event.time_ms {
            self.time_range = Some(widen(self.time_range, (t, t)));
        }
        // Per-key sums cannot overflow: the totals above were checked.
        self.counts.add(event.tag, event.key, event.weight, bytes);
        Ok(())
    }

    /// Adds `weight` events of `key` from a row with nothing else, reusing the `tag` the table's
    /// prefetch computed ([`KeyTag::NONE`]: hashed here). The same as `add(key, weight)`.
    #[inline]
    pub fn add_key(&mut self, key: &[u8], weight: u64, tag: KeyTag) -> Result<(), Overflow> {
        let total = self.total;
        self.total = total.checked_add(weight).ok_or(Overflow { total })?;
        self.rows += 1;
        self.counts.add(tag, key, weight, 0);
        Ok(())
    }

    /// Merges another counter into this one (used to combine per-input or per-thread counters).
    pub fn merge(&mut self, other: KeyCounter) -> Result<(), Overflow> {
        let total = self.total;
        self.total = total.checked_add(other.total).ok_or(Overflow { total })?;
        self.total_bytes = self
            .total_bytes
            .checked_add(other.total_bytes)
            .ok_or(Overflow { total })?;
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

    /// A summary of the weights of the keys [`finish`](Self::finish) will return, keeping the
    /// `heaviest`.
    pub fn weight_summary(&self, heaviest: usize) -> WeightSummary {
        self.counts.weight_summary(heaviest)
    }

    /// Freezes the counts into a [`KeyDistribution`]. Keys with zero events are dropped.
    pub fn finish(self) -> KeyDistribution {
        let bytes_known = self.rows > 0 && self.sized_rows == self.rows;
        // Heaviest first, ties by key bytes: a total order, so output never depends on hash-map order.
        // Zero-weight keys (count-0 rows) are dropped.
        let columns = self.counts.into_sorted_columns();
        let bytes = bytes_known.then(|| match columns.bytes {
            // Every row had a size, and all of them were 0.
            none if none.is_empty() => vec![0; columns.events.len()],
            bytes => bytes,
        });
        KeyDistribution::from_sorted_columns(
            columns.keys,
            columns.events,
            self.total,
            bytes,
            self.time_range,
        )
    }
}

/// The smallest range covering both.
fn widen(range: Option<(i64, i64)>, (lo, hi): (i64, i64)) -> (i64, i64) {
    match range {
        Some((a, b)) => (a.min(lo), b.max(hi)),
        None => (lo, hi),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
