//! Bounded-memory analysis: event sinks whose memory does not grow with the number of distinct keys.
//!
//! [`StreamingSink`] places every event as it arrives, so the per-partition loads of every scenario
//! (partitioner x partition count) are exact, while the key-level statistics come from fixed-size
//! sketches: the heaviest keys from [`SpaceSaving`] (counts are upper bounds with a known maximum error)
//! and the number of distinct keys from [`HyperLogLog`].
//!
//! [`AdaptiveSink`] is what `analyze` uses: it counts keys exactly with a [`KeyCounter`] and gives a
//! [`StreamingSink`] result instead when the sample has more distinct keys than the plan's limit N
//! (`--max-keys`, default [`DEFAULT_MAX_KEYS`]). The keys counted before the switch enter the streaming
//! sink with their exact counts, so nothing seen before it is lost or approximated in the loads.
//!
//! # One decision for the whole run
//!
//! The parallel block engine ([`crate::ingest::blocks`]) gives each worker a fork, and forks never
//! switch on their own. Instead the engine stops at *checkpoints* B (before blocks 0, 1, 2, 4, 8, 16,
//! 32, then every 32nd block) where every block before B is done and none after has started, and asks
//! the run's sink ([`EventSink::checkpoint`]): if the keys held by it and all forks may exceed N, the
//! forks' exact counts are merged into it, and if the blocks before B hold more than N distinct keys,
//! the run is bounded from block B on. Each later block is then counted exactly on its own, its keys
//! placed and hashed by its worker ([`EventSink::seal`]), and added to the run's sink in block order.
//! Without a switch at a checkpoint, [`AdaptiveSink::finish`] switches when the whole sample has more
//! than N distinct keys.
//!
//! Why the output is the same for any number of threads:
//! - exact counts are sums, the same whatever worker counted which block;
//! - so the answer is exact exactly when the sample has at most N distinct keys, and otherwise the
//!   switch comes at the first checkpoint whose earlier blocks hold more than N distinct keys: block
//!   boundaries depend on the bytes and the block size only, and checkpoints on block indices only;
//! - the counts before the switch enter the Space-Saving summary in a canonical order (heaviest first,
//!   ties by key bytes), and each later block after all earlier ones, its keys in the order of a fresh
//!   fixed-seed table filled with the block's rows: the summary's input sequence is a function of the
//!   input;
//! - loads and the HyperLogLog registers are sums and maxima, which do not depend on order at all.
//!
//! Memory, for one run: at a checkpoint that does not switch, the keys held by all tables together
//! are at most N. Between checkpoints every worker adds at most the distinct keys of its blocks, so
//! the exact phase holds at most N keys plus the keys of the blocks since the last checkpoint (at most
//! the blocks read so far before block 32, at most 32 blocks = 128 MiB of input after). Once bounded:
//! the N counters of the summary plus, per worker, the exact table of the block it is counting (a key
//! per row of a 4 MiB block at most) and at most one sealed block waiting for its turn. The switch
//! itself briefly holds the exact counts and the summary being built from them.

use std::sync::Arc;

use crate::analysis::sketch::{key_hash, Counter, HyperLogLog, SpaceSaving};
use crate::analysis::{stats, Analysis, LoadAccumulator, Scenario};
use crate::ingest::counter::{
    add_keys_one_by_one, Event, EventSink, KeyCounter, KeyRow, KeyTag, Overflow,
};
use crate::model::PartitionCount;
use crate::partitioner::{HashFamily, Partitioner};

/// The default distinct-key limit before `analyze` switches to bounded memory. An exact count costs
/// roughly 100 bytes per distinct key (hash-map entry, boxed key, hashes for the analysis), so 5 million
/// keys stay around 0.5 GB: comfortable on a laptop, and more distinct keys than most topics' samples.
pub const DEFAULT_MAX_KEYS: u64 = 5_000_000;

/// What a streaming analysis evaluates and how much memory its key summary may use. Shared (by `Arc`)
/// between the forks of a sink.
#[derive(Debug)]
pub struct StreamPlan {
    partitioners: Vec<Partitioner>,
    counts: Vec<PartitionCount>,
    /// The distinct-key limit of exact counting, which is also the Space-Saving capacity.
    max_keys: u64,
    /// Each hash family in use with the indices (into `partitioners`) of the partitioners using it, so
    /// every event is hashed once per family.
    families: Vec<(HashFamily, Vec<usize>)>,
}

impl StreamPlan {
    /// A plan for `partitioners` x `counts` with a distinct-key limit of `max_keys` (at least 1).
    pub fn new(
        partitioners: &[Partitioner],
        counts: &[PartitionCount],
        max_keys: u64,
    ) -> StreamPlan {
        let mut families: Vec<(HashFamily, Vec<usize>)> = Vec::new();
        for (i, p) in partitioners.iter().enumerate() {
            match families.iter_mut().find(|(f, _)| *f == p.family()) {
                Some((_, users)) => users.push(i),
                None => families.push((p.family(), vec![i])),
            }
        }
        StreamPlan {
            partitioners: partitioners.to_vec(),
            counts: counts.to_vec(),
            max_keys: max_keys.max(1),
            families,
        }
    }

    /// The distinct-key limit.
    pub fn max_keys(&self) -> u64 {
        self.max_keys
    }

    fn capacity(&self) -> usize {
        usize::try_from(self.max_keys).unwrap_or(usize::MAX)
    }
}

/// Exact per-scenario loads plus heavy-hitter and distinct-key sketches, in memory bounded by the
/// plan's `max_keys` counters plus one load per partition per scenario.
#[derive(Debug)]
pub struct StreamingSink {
    plan: Arc<StreamPlan>,
    /// One accumulator per scenario, partitioner-major: `loads[p * counts.len() + c]`.
    loads: Vec<LoadAccumulator>,
    heavy: SpaceSaving,
    distinct: HyperLogLog,
    total: u64,
}

impl StreamingSink {
    /// An empty sink for `plan`.
    pub fn new(plan: Arc<StreamPlan>) -> StreamingSink {
        let loads = plan
            .partitioners
            .iter()
            .flat_map(|_| plan.counts.iter().map(|&n| LoadAccumulator::new(n)))
            .collect();
        StreamingSink {
            heavy: SpaceSaving::new(plan.capacity()),
            distinct: HyperLogLog::new(),
            loads,
            total: 0,
            plan,
        }
    }

    /// A sink holding exactly what `counter` counted.
    ///
    /// Keys enter the heavy-hitter summary heaviest first, ties by key bytes: an order that depends
    /// on the counts alone, never on how the counter was built (merge order, thread count), so the
    /// same counts always give the same summary. The heaviest `max_keys` keys are then held exactly.
    pub fn from_counter(
        plan: Arc<StreamPlan>,
        counter: KeyCounter,
    ) -> Result<StreamingSink, Overflow> {
        let mut sink = StreamingSink::new(plan);
        let dist = counter.finish();
        for (key, &weight) in dist.keys().iter().zip(dist.weights()) {
            sink.add_event(Event::new(key, weight))?;
        }
        Ok(sink)
    }

    /// Adds `weight` events of `key` to the loads and the distinct-key estimate, but not to the
    /// heavy-hitter summary; returns the key's [`key_hash`] for that. The total is the caller's.
    fn place(&mut self, key: &[u8], weight: u64) -> u64 {
        let per_partitioner = self.plan.counts.len();
        for (family, users) in &self.plan.families {
            let hash = family.hash(key);
            for &p in users {
                let partitioner = self.plan.partitioners[p];
                let loads = &mut self.loads[p * per_partitioner..(p + 1) * per_partitioner];
                for (acc, &n) in loads.iter_mut().zip(&self.plan.counts) {
                    acc.add(partitioner.place(key, hash, n), weight);
                }
            }
        }
        let hash = key_hash(key);
        self.distinct.insert_hash(hash);
        hash
    }

    /// Total events so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The result: exact scenarios, estimated distinct keys, the `top` heaviest keys.
    pub fn finish(self, top: usize) -> BoundedAnalysis {
        let top_keys = self.heavy.top(top.max(1));
        let total = self.total;
        // The heaviest counter is an upper bound on the top key's count (see `BoundedAnalysis`).
        let top_key_share = match top_keys.first() {
            Some(c) if total > 0 => (c.count as f64 / total as f64).min(1.0),
            _ => 0.0,
        };
        let estimate = self.distinct.estimate().round() as u64;
        let plan = &self.plan;
        let scenarios = self
            .loads
            .into_iter()
            .enumerate()
            .map(|(i, acc)| {
                let p = plan.partitioners[i / plan.counts.len()];
                let n = plan.counts[i % plan.counts.len()];
                let placed = acc.finish();
                // Only the interval can be computed: the random-placement expectation needs every
                // key's weight, which bounded mode does not keep.
                let accepted = placed.loads.iter().sum();
                let stats = stats::scenario_stats(&placed.loads, accepted, None);
                Scenario::new(p, n, placed, None, top_key_share, stats)
            })
            .collect();
        BoundedAnalysis {
            analysis: Analysis {
                events: total,
                distinct_keys: usize::try_from(estimate).unwrap_or(usize::MAX),
                scenarios,
            },
            top_keys: top_keys.into_iter().take(top).collect(),
            top_key_share,
            top_keys_max_error: self.heavy.max_error(),
            top_keys_capacity: self.heavy.capacity() as u64,
            distinct_keys_rse: HyperLogLog::relative_standard_error(),
            max_keys: plan.max_keys,
        }
    }
}

impl EventSink for StreamingSink {
    fn add_event(&mut self, event: Event<'_>) -> Result<(), Overflow> {
        let weight = event.weight;
        self.total = self
            .total
            .checked_add(weight)
            .ok_or(Overflow { total: self.total })?;
        if weight == 0 {
            // Like the exact counter, a key seen only with weight 0 is not part of the sample.
            return Ok(());
        }
        let hash = self.place(event.key, weight);
        self.heavy.add_hashed(event.key, hash, weight);
        Ok(())
    }

    fn fork(&self) -> Self {
        StreamingSink::new(self.plan.clone())
    }

    fn merge(&mut self, other: Self) -> Result<(), Overflow> {
        self.total = self
            .total
            .checked_add(other.total)
            .ok_or(Overflow { total: self.total })?;
        for (a, b) in self.loads.iter_mut().zip(&other.loads) {
            a.merge(b);
        }
        // Merging an empty summary changes nothing but would rebuild this one's index and heap.
        if !other.heavy.is_empty() {
            self.heavy.merge(other.heavy);
        }
        self.distinct.merge(&other.distinct);
        Ok(())
    }
}

/// The result of a bounded-memory analysis.
///
/// Exact: `analysis.events` and every scenario's `loads`, and the metrics computed from them except
/// `hot_key_floor`. Approximate: `analysis.distinct_keys` (HyperLogLog estimate, relative standard
/// error `distinct_keys_rse`), `top_keys` (each count is an upper bound, at most its `error`, itself at
/// most `top_keys_max_error`, above the truth; a key missing from the summary has at most
/// `top_keys_max_error` events) and `top_key_share` with the `hot_key_floor` derived from it (upper
/// bounds). All of it is a function of the input and the block size, the same for any number of
/// ingest threads (see the module doc).
#[derive(Debug, Clone)]
pub struct BoundedAnalysis {
    /// Exact scenarios; `distinct_keys` is the estimate.
    pub analysis: Analysis,
    /// The heaviest keys with their Space-Saving counts and errors, heaviest first.
    pub top_keys: Vec<Counter>,
    /// Upper bound on the heaviest key's share of events.
    pub top_key_share: f64,
    /// The largest possible overestimate of a top key's count, and the most events any key missing from
    /// the summary can have.
    pub top_keys_max_error: u64,
    /// Counters in the heavy-hitter summary.
    pub top_keys_capacity: u64,
    /// Relative standard error of `analysis.distinct_keys`.
    pub distinct_keys_rse: f64,
    /// The distinct-key limit that was exceeded.
    pub max_keys: u64,
}

/// What an [`AdaptiveSink`] collected: exact counts, or a bounded-memory result.
#[derive(Debug)]
pub enum Collected {
    /// At most `max_keys` distinct keys: counted exactly.
    Exact(KeyCounter),
    /// More distinct keys than the limit: streamed.
    Bounded(Box<StreamingSink>),
}

/// Counts keys exactly while the sample has at most `max_keys` distinct keys, and otherwise gives a
/// [`StreamingSink`] result; the choice depends on the data alone (see the module doc).
///
/// The sink given to a reader is the run's *root*: it switches to bounded memory when keys added to
/// it directly (sequential readers) pass the limit, at an engine
/// [`checkpoint`](EventSink::checkpoint) whose blocks pass it, and in [`finish`](Self::finish).
/// Forks never switch on their own, and merges never switch: a fork counts one worker's (or one
/// block's) share, and whether the *sample* passed the limit is only known from all shares together.
#[derive(Debug)]
pub struct AdaptiveSink {
    plan: Arc<StreamPlan>,
    state: State,
    /// Whether this is the run's sink rather than a fork.
    root: bool,
}

#[derive(Debug)]
enum State {
    Exact(KeyCounter),
    Bounded(Box<StreamingSink>),
    /// One block's events, already placed and hashed by its worker, waiting for the in-order merge.
    Sealed(Box<Sealed>),
}

/// A sealed block: exact loads and distinct-key registers of the block (order does not matter to
/// them), and its keys for the heavy-hitter summary (order matters: merged in block order).
#[derive(Debug)]
struct Sealed {
    /// Loads, distinct-key estimate and total of the block; its heavy-hitter summary stays empty.
    part: StreamingSink,
    /// Each distinct key of the block with its [`key_hash`] and events.
    heavy: Vec<(Box<[u8]>, u64, u64)>,
}

impl AdaptiveSink {
    /// An empty sink that counts exactly while it can.
    pub fn new(plan: StreamPlan) -> AdaptiveSink {
        AdaptiveSink {
            plan: Arc::new(plan),
            state: State::Exact(KeyCounter::new()),
            root: true,
        }
    }

    /// Total events so far.
    pub fn total(&self) -> u64 {
        match &self.state {
            State::Exact(c) => c.total(),
            State::Bounded(s) => s.total(),
            State::Sealed(s) => s.part.total(),
        }
    }

    /// What was collected: exact counts when the sample has at most `max_keys` distinct keys, else
    /// the bounded-memory summaries.
    pub fn finish(mut self) -> Collected {
        // Every total was checked when its events were added, so rebuilding cannot overflow.
        const CHECKED: &str = "totals were checked as events were added";
        if !matches!(self.state, State::Exact(_)) || self.held_keys() > self.plan.max_keys {
            self.switch().expect(CHECKED);
        }
        match self.state {
            State::Exact(c) => Collected::Exact(c),
            State::Bounded(s) => Collected::Bounded(s),
            State::Sealed(_) => unreachable!("switch always leaves a bounded sink"),
        }
    }

    /// Switches a root sink to bounded memory when its exact counter holds more keys than the limit.
    fn check_limit(&mut self) -> Result<(), Overflow> {
        if let State::Exact(c) = &self.state {
            if self.root && c.distinct() as u64 > self.plan.max_keys {
                self.switch()?;
            }
        }
        Ok(())
    }

    /// Turns exact counts into a streaming sink (in the canonical order of
    /// [`StreamingSink::from_counter`]), and a sealed block into the streaming sink it stands for.
    fn switch(&mut self) -> Result<(), Overflow> {
        let empty = State::Exact(KeyCounter::new());
        self.state = match std::mem::replace(&mut self.state, empty) {
            State::Exact(counter) => State::Bounded(Box::new(StreamingSink::from_counter(
                self.plan.clone(),
                counter,
            )?)),
            State::Sealed(s) => {
                let mut sink = StreamingSink::new(self.plan.clone());
                merge_sealed(&mut sink, *s)?;
                State::Bounded(Box::new(sink))
            }
            bounded => bounded,
        };
        Ok(())
    }

    /// The streaming sink of a switched sink.
    fn streaming(&mut self) -> Result<&mut StreamingSink, Overflow> {
        self.switch()?;
        match &mut self.state {
            State::Bounded(s) => Ok(s),
            _ => unreachable!("switch always leaves a bounded sink"),
        }
    }
}

impl AdaptiveSink {
    /// [`EventSink::add_event`] once bounded.
    #[inline(never)]
    fn add_streamed(&mut self, event: Event<'_>) -> Result<(), Overflow> {
        self.streaming()?.add_event(event)
    }
}

/// Adds a sealed block to a streaming sink: loads and estimate by merge, keys one by one in the
/// block's order.
fn merge_sealed(sink: &mut StreamingSink, sealed: Sealed) -> Result<(), Overflow> {
    sink.merge(sealed.part)?;
    for (key, hash, events) in sealed.heavy {
        sink.heavy.add_hashed(&key, hash, events);
    }
    Ok(())
}

impl EventSink for AdaptiveSink {
    // The exact path is the hot loop of every reader: kept small so that it inlines into them
    // (measured: out of line it cost 4% more instructions on the ingest benchmark).
    #[inline]
    fn add_event(&mut self, event: Event<'_>) -> Result<(), Overflow> {
        match &mut self.state {
            State::Exact(c) => {
                if event.weight > 0 {
                    c.add_event(event)?;
                    if self.root && c.distinct() as u64 > self.plan.max_keys {
                        return self.switch();
                    }
                }
                Ok(())
            }
            _ => self.add_streamed(event),
        }
    }

    #[inline]
    fn prefetch(&self, key: &[u8]) -> KeyTag {
        match &self.state {
            State::Exact(c) => EventSink::prefetch(c, key),
            _ => KeyTag::NONE,
        }
    }

    /// Rows of a worker's exact counter (which never switches by itself) go to the counter in one
    /// batch; count-0 rows (which add no key) and the run's own sink go one by one.
    #[inline]
    fn add_keys(&mut self, block: &[u8], rows: &[KeyRow]) -> Result<(), (usize, Overflow)> {
        match &mut self.state {
            State::Exact(c) if !self.root && rows.iter().all(|r| r.weight > 0) => {
                c.add_keys(block, rows)
            }
            _ => add_keys_one_by_one(self, block, rows),
        }
    }

    /// [`add_keys`](EventSink::add_keys) of rows of weight 1 (so none is a count-0 row).
    #[inline]
    fn add_unit_keys(&mut self, block: &[u8], rows: &[KeyRow]) -> Result<(), (usize, Overflow)> {
        match &mut self.state {
            State::Exact(c) if !self.root => c.add_unit_keys(block, rows),
            _ => add_keys_one_by_one(self, block, rows),
        }
    }

    /// [`add_event`](EventSink::add_event) of a key-only row, with the exact table's tag reused.
    #[inline]
    fn add_key(&mut self, key: &[u8], weight: u64, tag: KeyTag) -> Result<(), Overflow> {
        match &mut self.state {
            State::Exact(c) => {
                if weight > 0 {
                    c.add_key(key, weight, tag)?;
                    if self.root && c.distinct() as u64 > self.plan.max_keys {
                        return self.switch();
                    }
                }
                Ok(())
            }
            _ => self.add_streamed(Event::new(key, weight)),
        }
    }

    fn fork(&self) -> Self {
        AdaptiveSink {
            plan: self.plan.clone(),
            state: State::Exact(KeyCounter::new()),
            root: false,
        }
    }

    /// Adds `other`'s events. Exact counts stay exact (even past the limit: only a checkpoint,
    /// [`finish`](AdaptiveSink::finish) or a root's own rows switch), a sealed block is added in the
    /// order merges are made, anything else makes this sink bounded.
    fn merge(&mut self, other: Self) -> Result<(), Overflow> {
        match (&mut self.state, other.state) {
            (State::Exact(a), State::Exact(b)) => a.merge(b),
            // An empty fork (a worker's, once blocks are merged in order) adds nothing.
            (State::Bounded(_), State::Exact(b)) if b.total() == 0 && b.distinct() == 0 => Ok(()),
            (_, State::Exact(b)) => {
                let b = StreamingSink::from_counter(self.plan.clone(), b)?;
                self.streaming()?.merge(b)
            }
            (_, State::Bounded(b)) => self.streaming()?.merge(*b),
            (_, State::Sealed(b)) => merge_sealed(self.streaming()?, *b),
        }
    }

    fn key_limit(&self) -> Option<u64> {
        Some(self.plan.max_keys)
    }

    fn held_keys(&self) -> u64 {
        match &self.state {
            State::Exact(c) => c.distinct() as u64,
            _ => 0,
        }
    }

    /// Adds every fork's exact counts to this one when together they may pass the limit, and
    /// switches to bounded memory when they do; the blocks after the checkpoint are then merged in
    /// order. The forks are left empty.
    fn checkpoint(&mut self, forks: &mut [&mut Self]) -> Result<bool, Overflow> {
        if let State::Exact(_) = self.state {
            let held = forks
                .iter()
                .fold(self.held_keys(), |sum, f| sum.saturating_add(f.held_keys()));
            if held <= self.plan.max_keys {
                return Ok(false);
            }
            for fork in forks.iter_mut() {
                let share = std::mem::replace(&mut **fork, self.fork());
                self.merge(share)?;
            }
            self.check_limit()?;
        }
        Ok(!matches!(self.state, State::Exact(_)))
    }

    /// Places and hashes a block's exact counts, so that only the heavy-hitter summary is left for
    /// the in-order merge. Keys are kept in the order of the block's table, which is a function of
    /// the block's rows alone (fixed-seed hash, fresh table).
    fn seal(&mut self) {
        if let State::Exact(counter) = &mut self.state {
            let counter = std::mem::take(counter);
            let mut part = StreamingSink::new(self.plan.clone());
            part.total = counter.total();
            let mut heavy = Vec::with_capacity(counter.distinct());
            for (key, events) in counter.into_counts() {
                if events > 0 {
                    let hash = part.place(&key, events);
                    heavy.push((key, hash, events));
                }
            }
            self.state = State::Sealed(Box::new(Sealed { part, heavy }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use proptest::prelude::*;

    fn counts(list: &[u32]) -> Vec<PartitionCount> {
        list.iter()
            .map(|&n| PartitionCount::new(u64::from(n)).unwrap())
            .collect()
    }

    fn keys() -> impl Strategy<Value = Vec<(Vec<u8>, u64)>> {
        prop::collection::vec((prop::collection::vec(any::<u8>(), 0..4), 0u64..50), 1..300)
    }

    /// Loads of every scenario, in plan order.
    fn loads(analysis: &Analysis) -> Vec<Vec<u64>> {
        analysis.scenarios.iter().map(|s| s.loads.clone()).collect()
    }

    fn exact(events: &[(Vec<u8>, u64)], n: &[PartitionCount]) -> Analysis {
        let mut c = KeyCounter::new();
        for (k, w) in events {
            c.add(k, *w).unwrap();
        }
        analyze(&c.finish(), &[Partitioner::Java], n)
    }

    fn bounded(sink: AdaptiveSink) -> BoundedAnalysis {
        match sink.finish() {
            Collected::Bounded(s) => s.finish(10),
            Collected::Exact(_) => panic!("expected a switch to bounded memory"),
        }
    }

    proptest! {
        #[test]
        fn bounded_loads_equal_exact_loads(
            events in keys(),
            max_keys in 1u64..6,
            list in prop::collection::vec(1u32..40, 1..4),
            split in 0usize..300,
        ) {
            let n = counts(&list);
            let n: Vec<PartitionCount> = {
                let mut n = n;
                n.sort_unstable();
                n.dedup();
                n
            };
            let plan = StreamPlan::new(&[Partitioner::Java], &n, max_keys);
            let mut sink = AdaptiveSink::new(plan);
            // Two workers, merged: the split point decides which one switches first.
            let mut other = sink.fork();
            let split = split.min(events.len());
            for (k, w) in &events[..split] {
                sink.add_event(Event::new(k, *w)).unwrap();
            }
            for (k, w) in &events[split..] {
                other.add_event(Event::new(k, *w)).unwrap();
            }
            sink.merge(other).unwrap();
            let want = exact(&events, &n);
            match sink.finish() {
                Collected::Exact(c) => {
                    prop_assert!(c.distinct() as u64 <= max_keys);
                    prop_assert_eq!(c.total(), want.events);
                }
                Collected::Bounded(s) => {
                    let got = s.finish(5);
                    prop_assert_eq!(got.analysis.events, want.events);
                    prop_assert_eq!(loads(&got.analysis), loads(&want));
                    for (g, w) in got.analysis.scenarios.iter().zip(&want.scenarios) {
                        prop_assert_eq!(g.metrics.max_share, w.metrics.max_share);
                        prop_assert_eq!(g.metrics.gini, w.metrics.gini);
                    }
                    prop_assert!(got.top_keys_max_error as u128 * u128::from(max_keys)
                        <= u128::from(want.events));
                }
            }
        }
    }

    #[test]
    fn switches_past_the_limit_and_keeps_heavy_keys() {
        let n = counts(&[3, 7]);
        let mut sink = AdaptiveSink::new(StreamPlan::new(&[Partitioner::Java], &n, 10));
        let mut events = Vec::new();
        for i in 0..200u32 {
            events.push((format!("k{i}").into_bytes(), 1));
            events.push((b"hot".to_vec(), 3));
        }
        for (k, w) in &events {
            sink.add_event(Event::new(k, *w)).unwrap();
        }
        let got = bounded(sink);
        assert_eq!(got.analysis.events, 800);
        assert_eq!(loads(&got.analysis), loads(&exact(&events, &n)));
        let top = &got.top_keys[0];
        assert_eq!(&*top.key, b"hot");
        assert!(top.count >= 600 && top.count - top.error <= 600);
        assert!(got.top_keys_max_error <= 800 / 10);
        assert!((got.analysis.distinct_keys as f64 - 201.0).abs() <= 5.0);
        assert!(got.top_key_share >= 600.0 / 800.0);
    }

    #[test]
    fn stays_exact_under_the_limit() {
        let n = counts(&[4]);
        let mut sink = AdaptiveSink::new(StreamPlan::new(&[Partitioner::Java], &n, 3));
        for k in [&b"a"[..], b"b", b"c", b"a"] {
            sink.add_event(Event::new(k, 1)).unwrap();
        }
        sink.add_event(Event::new(b"zero", 0)).unwrap();
        match sink.finish() {
            Collected::Exact(c) => assert_eq!((c.distinct(), c.total()), (3, 4)),
            Collected::Bounded(_) => panic!("3 distinct keys fit a limit of 3"),
        }
    }

    /// One lines-format input: `rows` keys drawn from `keys` distinct ones, skewed so that heavy
    /// hitters exist, from a fixed seed.
    fn lines_input(rows: usize, keys: u64, seed: u64) -> Vec<u8> {
        let mut state = seed | 1;
        let mut out = Vec::new();
        for _ in 0..rows {
            // xorshift64: a fixed, dependency-free sequence.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let r = state % keys;
            let key = if state.is_multiple_of(3) { r % 7 } else { r };
            out.extend_from_slice(format!("k{key}\n").as_bytes());
        }
        out
    }

    /// Reads `inputs` (lines format) one after another into one sink, in blocks of `block_size`.
    fn ingest(inputs: &[&[u8]], max_keys: u64, threads: usize, block_size: usize) -> Collected {
        use crate::ingest::{progress::Progress, read_source, InputFormat, Source};
        let plan = StreamPlan::new(
            &[Partitioner::Java, Partitioner::Librdkafka],
            &counts(&[6, 12]),
            max_keys,
        );
        let mut sink = AdaptiveSink::new(plan);
        let options = IngestOptions {
            format: InputFormat::Lines,
            threads,
            block_size,
            ..IngestOptions::default()
        };
        for input in inputs {
            let reader = Box::new(std::io::Cursor::new(input.to_vec()));
            let source = Source::from_reader("t", reader).unwrap();
            read_source(source, &options, &Progress::new(false), &mut sink).unwrap();
        }
        sink.finish()
    }

    /// Everything a report shows, comparable across runs.
    fn outcome(collected: Collected) -> String {
        match collected {
            Collected::Exact(c) => format!("exact {:?}", c.finish()),
            Collected::Bounded(s) => format!("bounded {:?}", s.finish(20)),
        }
    }

    use crate::ingest::IngestOptions;

    #[test]
    fn parallel_equals_sequential_over_many_blocks() {
        // ~1,200 blocks of about 64 bytes: checkpoints before blocks 1, 2, 4, ..., 32, 64, 96, ...
        let input = lines_input(12_000, 3_000, 7);
        let distinct = match ingest(&[&input], u64::MAX, 1, 1 << 20) {
            Collected::Exact(c) => c.distinct() as u64,
            Collected::Bounded(_) => panic!("no limit"),
        };
        // Exact; switching at the first checkpoint; mid-run; at the last block; just exact.
        for max_keys in [u64::MAX, 5, 900, distinct - 1, distinct] {
            let sequential = outcome(ingest(&[&input], max_keys, 1, 64));
            assert_eq!(
                sequential.starts_with("exact"),
                distinct <= max_keys,
                "exact iff the sample's distinct keys fit, max_keys {max_keys}"
            );
            for threads in [2, 3] {
                let parallel = outcome(ingest(&[&input], max_keys, threads, 64));
                assert!(
                    parallel == sequential,
                    "max_keys {max_keys}, {threads} threads differ from 1"
                );
            }
        }
    }

    #[test]
    fn bounded_loads_stay_exact_over_many_blocks_and_inputs() {
        let (a, b) = (lines_input(6_000, 2_000, 3), lines_input(6_000, 2_000, 11));
        let exact = match ingest(&[&a, &b], u64::MAX, 2, 64) {
            Collected::Exact(c) => analyze(
                &c.finish(),
                &[Partitioner::Java, Partitioner::Librdkafka],
                &counts(&[6, 12]),
            ),
            Collected::Bounded(_) => panic!("no limit"),
        };
        // 300 keys: the first input already passes the limit, so every block of the second is
        // merged in order from its first block on.
        for threads in [1, 2, 3] {
            let Collected::Bounded(s) = ingest(&[&a, &b], 300, threads, 64) else {
                panic!("more than 300 distinct keys");
            };
            let got = s.finish(10);
            assert_eq!(got.analysis.events, exact.events);
            assert_eq!(loads(&got.analysis), loads(&exact));
            assert!(got.top_keys_max_error * 300 <= exact.events);
            assert!(
                outcome(ingest(&[&a, &b], 300, threads, 64))
                    == outcome(ingest(&[&a, &b], 300, 1, 64))
            );
        }
    }

    /// Bounded mode is order-sensitive (Space-Saving), so parallel ingest must hand blocks to workers in a
    /// fixed order: the same input and thread count give the same summary on every run.
    #[test]
    fn bounded_mode_is_deterministic_with_parallel_workers() {
        use crate::ingest::progress::Progress;
        use crate::ingest::{read_source, IngestOptions, InputFormat, Source};

        let mut input = b"k\n".to_vec();
        for i in 0..20_000u64 {
            // A skewed key stream with many distinct keys: rank r appears about 20000 / (r + 1) times.
            let key = (i * 7919) % (1 + i % 1000);
            input.extend_from_slice(format!("key-{key}\n").as_bytes());
        }
        let options = IngestOptions {
            format: InputFormat::Csv,
            threads: 2,
            block_size: 257,
            ..IngestOptions::for_key("k")
        };
        let source = |bytes: &[u8]| {
            Source::from_reader("t", Box::new(std::io::Cursor::new(bytes.to_vec()))).unwrap()
        };
        let counts = [PartitionCount::new(7).unwrap()];
        let run = || {
            let mut sink = AdaptiveSink::new(StreamPlan::new(&[Partitioner::Java], &counts, 50));
            let progress = Progress::new(false);
            read_source(source(&input), &options, &progress, &mut sink).unwrap();
            match sink.finish() {
                Collected::Bounded(b) => {
                    let r = b.finish(20);
                    (
                        r.top_keys,
                        r.top_keys_max_error,
                        r.analysis.scenarios[0].loads.clone(),
                    )
                }
                Collected::Exact(_) => panic!("50 keys is far below the distinct count"),
            }
        };
        let first = run();
        for _ in 0..20 {
            assert_eq!(run(), first);
        }
    }
}
