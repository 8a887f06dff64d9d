//! Bounded-memory analysis: event sinks whose memory does not grow with the number of distinct keys.
//!
//! [`StreamingSink`] places every event as it arrives, so the per-partition loads of every scenario
//! (partitioner x partition count) are exact, while the key-level statistics come from fixed-size
//! sketches: the heaviest keys from [`SpaceSaving`] (counts are upper bounds with a known maximum error)
//! and the number of distinct keys from [`HyperLogLog`].
//!
//! [`AdaptiveSink`] is what `analyze` uses: it counts keys exactly with a [`KeyCounter`] and converts
//! itself into a [`StreamingSink`] once the sample has more distinct keys than the plan's limit
//! (`--max-keys`, default [`DEFAULT_MAX_KEYS`]). The conversion feeds every counted key, with its exact
//! count, into the streaming sink, so nothing seen before the switch is lost or approximated in the loads.

use std::sync::Arc;

use crate::analysis::sketch::{key_hash, Counter, HyperLogLog, SpaceSaving};
use crate::analysis::{stats, Analysis, LoadAccumulator, Scenario};
use crate::ingest::counter::{Event, EventSink, KeyCounter};
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
    pub fn from_counter(plan: Arc<StreamPlan>, counter: KeyCounter) -> Result<StreamingSink, u64> {
        let mut sink = StreamingSink::new(plan);
        for (key, weight) in counter.into_counts() {
            sink.add_event(Event::new(&key, weight))?;
        }
        Ok(sink)
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
    fn add_event(&mut self, event: Event<'_>) -> Result<(), u64> {
        let weight = event.weight;
        self.total = self.total.checked_add(weight).ok_or(self.total)?;
        if weight == 0 {
            // Like the exact counter, a key seen only with weight 0 is not part of the sample.
            return Ok(());
        }
        let per_partitioner = self.plan.counts.len();
        for (family, users) in &self.plan.families {
            let hash = family.hash(event.key);
            for &p in users {
                let partitioner = self.plan.partitioners[p];
                let loads = &mut self.loads[p * per_partitioner..(p + 1) * per_partitioner];
                for (acc, &n) in loads.iter_mut().zip(&self.plan.counts) {
                    acc.add(partitioner.place(event.key, hash, n), weight);
                }
            }
        }
        let hash = key_hash(event.key);
        self.heavy.add_hashed(event.key, hash, weight);
        self.distinct.insert_hash(hash);
        Ok(())
    }

    fn fork(&self) -> Self {
        StreamingSink::new(self.plan.clone())
    }

    fn merge(&mut self, other: Self) -> Result<(), u64> {
        self.total = self.total.checked_add(other.total).ok_or(self.total)?;
        for (a, b) in self.loads.iter_mut().zip(&other.loads) {
            a.merge(b);
        }
        self.heavy.merge(other.heavy);
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
/// bounds).
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

/// Counts keys exactly until the sample has more than `max_keys` distinct keys, then switches to a
/// [`StreamingSink`] seeded with everything counted so far.
///
/// Each fork switches on its own, when the keys it has counted pass the limit, and a merge of exact
/// counters that together pass it switches too, so the outcome depends only on the data and on how
/// the reader splits it, never on timing. Memory is bounded by `max_keys` keys per ingest worker.
#[derive(Debug)]
pub struct AdaptiveSink {
    plan: Arc<StreamPlan>,
    state: State,
}

#[derive(Debug)]
enum State {
    Exact(KeyCounter),
    Bounded(Box<StreamingSink>),
}

impl AdaptiveSink {
    /// An empty sink that counts exactly while it can.
    pub fn new(plan: StreamPlan) -> AdaptiveSink {
        AdaptiveSink {
            plan: Arc::new(plan),
            state: State::Exact(KeyCounter::new()),
        }
    }

    /// Total events so far.
    pub fn total(&self) -> u64 {
        match &self.state {
            State::Exact(c) => c.total(),
            State::Bounded(s) => s.total(),
        }
    }

    /// What was collected.
    pub fn finish(self) -> Collected {
        match self.state {
            State::Exact(c) => Collected::Exact(c),
            State::Bounded(s) => Collected::Bounded(s),
        }
    }

    /// Switches to bounded memory when the exact counter holds more keys than the limit.
    fn check_limit(&mut self) -> Result<(), u64> {
        if let State::Exact(c) = &self.state {
            if c.distinct() as u64 > self.plan.max_keys {
                self.switch()?;
            }
        }
        Ok(())
    }

    fn switch(&mut self) -> Result<(), u64> {
        if let State::Exact(counter) =
            std::mem::replace(&mut self.state, State::Exact(KeyCounter::new()))
        {
            let sink = StreamingSink::from_counter(self.plan.clone(), counter)?;
            self.state = State::Bounded(Box::new(sink));
        }
        Ok(())
    }
}

impl EventSink for AdaptiveSink {
    fn add_event(&mut self, event: Event<'_>) -> Result<(), u64> {
        match &mut self.state {
            State::Exact(c) => {
                if event.weight > 0 {
                    c.add_event(event)?;
                    self.check_limit()?;
                }
                Ok(())
            }
            State::Bounded(s) => s.add_event(event),
        }
    }

    fn prefetch(&self, key: &[u8]) {
        if let State::Exact(c) = &self.state {
            EventSink::prefetch(c, key);
        }
    }

    fn fork(&self) -> Self {
        AdaptiveSink {
            plan: self.plan.clone(),
            state: State::Exact(KeyCounter::new()),
        }
    }

    fn merge(&mut self, other: Self) -> Result<(), u64> {
        match (&mut self.state, other.state) {
            (State::Exact(a), State::Exact(b)) => {
                a.merge(b)?;
                self.check_limit()
            }
            (State::Bounded(a), State::Bounded(b)) => a.merge(*b),
            (State::Bounded(a), State::Exact(b)) => {
                a.merge(StreamingSink::from_counter(self.plan.clone(), b)?)
            }
            (State::Exact(_), State::Bounded(b)) => {
                self.switch()?;
                match &mut self.state {
                    State::Bounded(a) => a.merge(*b),
                    State::Exact(_) => unreachable!("switch always leaves a bounded sink"),
                }
            }
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
