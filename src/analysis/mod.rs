//! Analysis: from a [`KeyDistribution`] to per-scenario partition loads and metrics.
//!
//! A scenario is one partitioner at one partition count. Keys are hashed once per hash family
//! ([`KeyHashes`]), in parallel; each scenario then only maps hashes to partitions and adds weights.

pub mod capacity;
pub mod concentration;
pub mod consumers;
pub mod detect;
mod draws;
mod keystream;
pub mod ordering;
pub mod placeholder;
pub mod remap;
pub mod sketch;
pub mod skew;
pub mod stats;
pub mod strategy;
pub mod stream;
mod sweep;
pub mod time;
mod wide_random;

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::model::{KeyDistribution, PartitionCount, WeightSummary};
use crate::partitioner::{HashFamily, Partitioner, Placement, Treatment};

pub use skew::{load_metrics, LoadMetrics};
pub use stats::{ScenarioStats, StatsSettings};

/// The hash of every distinct key, per hash family, in the distribution's key order.
#[derive(Debug, Clone, Default)]
pub struct KeyHashes {
    by_family: BTreeMap<HashFamily, HashColumn>,
}

/// One family's hashes of every key, in key order, stored at the family's width: 32 bits per key for
/// the 32-bit families (a quarter of the memory, and of what placement reads), 128 for MD5.
#[derive(Debug, Clone)]
pub enum HashColumn {
    /// A 32-bit family's hashes.
    Narrow(Vec<u32>),
    /// MD5's 128-bit hashes.
    Wide(Vec<u128>),
}

impl HashColumn {
    /// The hashes of `keys` under `family`, computed in parallel.
    fn compute(keys: &crate::model::KeyList, family: HashFamily) -> HashColumn {
        let hashes = keys.par_iter().with_min_len(4096).map(|k| family.hash(k));
        match family {
            HashFamily::Md5 => HashColumn::Wide(hashes.collect()),
            // These hashes are a u32 zero-extended, so keeping the low 32 bits is exact.
            HashFamily::Murmur2
            | HashFamily::Crc32
            | HashFamily::Fnv1a
            | HashFamily::KafkajsLegacyMurmur2
            | HashFamily::JavaStringHash => HashColumn::Narrow(
                hashes
                    .map(|h| u32::try_from(h).expect("a 32-bit family's hash fits 32 bits"))
                    .collect(),
            ),
        }
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        match self {
            HashColumn::Narrow(h) => h.len(),
            HashColumn::Wide(h) => h.len(),
        }
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Key `i`'s hash, widened to the `u128` [`Partitioner::place`] takes.
    #[inline]
    pub fn get(&self, i: usize) -> u128 {
        match self {
            HashColumn::Narrow(h) => u128::from(h[i]),
            HashColumn::Wide(h) => h[i],
        }
    }

    /// Every key's hash in key order, widened to `u128`.
    pub fn iter(&self) -> impl Iterator<Item = u128> + '_ {
        let (narrow, wide) = match self {
            HashColumn::Narrow(h) => (&h[..], &[][..]),
            HashColumn::Wide(h) => (&[][..], &h[..]),
        };
        narrow
            .iter()
            .map(|&h| u128::from(h))
            .chain(wide.iter().copied())
    }
}

impl KeyHashes {
    /// Hashes every key of `dist` once for each family the partitioners use.
    pub fn compute(dist: &KeyDistribution, partitioners: &[Partitioner]) -> KeyHashes {
        let mut by_family = BTreeMap::new();
        for p in partitioners {
            let family = p.family();
            by_family
                .entry(family)
                .or_insert_with(|| HashColumn::compute(dist.keys(), family));
        }
        KeyHashes { by_family }
    }

    /// The families hashed, in order: one pass over the keys each, however many partitioners share it.
    pub fn families(&self) -> impl Iterator<Item = HashFamily> + '_ {
        self.by_family.keys().copied()
    }

    /// The hashes for one family. Panics if that family was not computed, which is a programming
    /// error: [`compute`](Self::compute) covers every partitioner it was given.
    pub fn get(&self, family: HashFamily) -> &HashColumn {
        &self.by_family[&family]
    }
}

/// One partitioner at one partition count, with its loads and metrics.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The client mapping.
    pub partitioner: Partitioner,
    /// The partition count.
    pub partitions: PartitionCount,
    /// Events per partition index.
    pub loads: Vec<u64>,
    /// Events the client refuses (Kinesis keys it would reject); not in `loads` nor the metrics.
    pub rejected_events: u64,
    /// Distinct keys the client refuses.
    pub rejected_keys: u64,
    /// Events the client spreads evenly instead of hashing (in `loads`).
    pub spread_events: u64,
    /// Metrics derived from `loads`.
    pub metrics: LoadMetrics,
    /// Confidence interval and random-placement expectation.
    pub stats: ScenarioStats,
    /// Payload bytes per partition index, when the sample has sizes.
    pub byte_loads: Option<Vec<u64>>,
    /// Metrics derived from `byte_loads` (the hot-key floor uses the heaviest key's event share).
    pub byte_metrics: Option<LoadMetrics>,
    /// The heaviest keys on the hottest partition, heaviest first (at most [`HOT_KEYS`]): what makes
    /// that partition hot. In bounded mode, only keys of the heavy-hitter summary can be listed.
    pub hot_keys: Vec<HotKey>,
    /// Entities split and events at risk, when the run has an ordering entity (`--order-by`).
    pub ordering: Option<ordering::OrderingCost>,
}

/// How many of the hottest partition's keys a scenario lists.
pub const HOT_KEYS: usize = 5;

/// One key on a scenario's hottest partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotKey {
    /// The key's rank in the whole sample (1 = heaviest), for redacted labels.
    pub rank: usize,
    /// The key's bytes.
    pub key: Box<[u8]>,
    /// Its events (an upper bound in bounded mode).
    pub events: u64,
}

/// The heaviest keys (at most `limit`) that `partitioner` puts on partition `hottest` of `n`, from
/// keys given heaviest first with their hash under the partitioner's family. Keys placed at random
/// or refused are on no single partition and never listed.
pub fn hot_keys<'a>(
    keys: impl IntoIterator<Item = (&'a [u8], u64, u128)>,
    partitioner: Partitioner,
    n: PartitionCount,
    hottest: u32,
    limit: usize,
) -> Vec<HotKey> {
    let mut out = Vec::new();
    for (rank, (key, events, hash)) in keys.into_iter().enumerate() {
        if out.len() == limit {
            break;
        }
        if partitioner.place(key, hash, n) == Placement::Partition(hottest) {
            out.push(HotKey {
                rank: rank + 1,
                key: key.into(),
                events,
            });
        }
    }
    out
}

/// The result of analysing a sample over candidate partitioners and counts.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Total events in the sample.
    pub events: u64,
    /// Distinct keys in the sample.
    pub distinct_keys: usize,
    /// Scenarios, ordered by partitioner (as requested) then by partition count.
    pub scenarios: Vec<Scenario>,
}

/// Where a scenario's events went: per-partition loads, and what the client refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionLoads {
    /// Events per partition index.
    pub loads: Vec<u64>,
    /// Events whose key the client refuses ([`Placement::Invalid`], e.g. a Kinesis key that is not
    /// 1..=256 code points of UTF-8). They are on no partition, so they are not in `loads`.
    pub rejected_events: u64,
    /// Keys the client refuses: distinct keys in exact mode; rows in bounded mode, where keys are not
    /// kept (an upper bound there).
    pub rejected_keys: u64,
    /// Events the client spreads over every partition instead of hashing (the empty key under
    /// librdkafka's default); they are in `loads`, evenly.
    pub spread_events: u64,
}

/// Per-partition loads of one scenario while keys are being placed.
///
/// Keys the client places at random (e.g. the empty key under librdkafka's default) are spread evenly,
/// which is what sticky or round-robin placement converges to: `w / n` events on every partition and
/// the remainder one each on the lowest indices, so loads stay whole and still sum to the accepted
/// total. Their weight is kept aside until [`finish`](Self::finish), so accumulators can be merged
/// first. Keys the client refuses are counted apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadAccumulator {
    placed: PartitionLoads,
    random: u64,
}

impl LoadAccumulator {
    /// Empty loads for `n` partitions.
    pub fn new(n: PartitionCount) -> LoadAccumulator {
        LoadAccumulator {
            placed: PartitionLoads {
                loads: vec![0; n.as_usize()],
                ..PartitionLoads::default()
            },
            random: 0,
        }
    }

    /// Adds `weight` events of one key (or row) placed at `placement`.
    pub fn add(&mut self, placement: Placement, weight: u64) {
        match placement {
            Placement::Partition(p) => self.placed.loads[p as usize] += weight,
            Placement::Random => self.random += weight,
            Placement::Invalid => {
                self.placed.rejected_events += weight;
                self.placed.rejected_keys += 1;
            }
        }
    }

    /// Adds another accumulator for the same partition count.
    pub fn merge(&mut self, other: &LoadAccumulator) {
        debug_assert_eq!(self.placed.loads.len(), other.placed.loads.len());
        for (a, b) in self.placed.loads.iter_mut().zip(&other.placed.loads) {
            *a += b;
        }
        self.random += other.random;
        self.placed.rejected_events += other.placed.rejected_events;
        self.placed.rejected_keys += other.placed.rejected_keys;
    }

    /// The final loads, with randomly placed events spread evenly.
    pub fn finish(mut self) -> PartitionLoads {
        self.placed.spread_events = self.random;
        let n = self.placed.loads.len() as u64;
        if self.random > 0 {
            let share = self.random / n;
            let rest = (self.random % n) as usize;
            for (i, load) in self.placed.loads.iter_mut().enumerate() {
                *load += share + u64::from(i < rest);
            }
        }
        self.placed
    }
}

/// Per-partition event loads of `dist` under `partitioner` with `n` partitions, with the events the
/// client refuses counted apart (see [`LoadAccumulator`]).
pub fn place_all(
    dist: &KeyDistribution,
    hashes: &HashColumn,
    partitioner: Partitioner,
    n: PartitionCount,
) -> PartitionLoads {
    let mut acc = LoadAccumulator::new(n);
    for ((key, &w), hash) in dist.keys().iter().zip(dist.weights()).zip(hashes.iter()) {
        acc.add(partitioner.place(key, hash, n), w);
    }
    acc.finish()
}

/// Per-partition loads (as [`place_all`]), the per-partition sums of squared key weights that the
/// key-clustered interval needs, and the per-partition payload bytes when the sample has sizes
/// (placed like the events), in one pass over the keys.
fn place_with_squares(
    dist: &KeyDistribution,
    hashes: &HashColumn,
    partitioner: Partitioner,
    n: PartitionCount,
) -> sweep::Placed {
    let mut acc = LoadAccumulator::new(n);
    let mut byte_acc = dist.bytes().map(|_| LoadAccumulator::new(n));
    let mut clusters = stats::KeyClusters {
        squares: vec![0.0; n.as_usize()],
        spread_squares: 0.0,
    };
    for (k, ((key, &w), hash)) in dist
        .keys()
        .iter()
        .zip(dist.weights())
        .zip(hashes.iter())
        .enumerate()
    {
        let placement = partitioner.place(key, hash, n);
        let sq = stats::square(w);
        match placement {
            Placement::Partition(i) => clusters.squares[i as usize] += sq,
            Placement::Random => clusters.spread_squares += sq,
            Placement::Invalid => {}
        }
        acc.add(placement, w);
        if let (Some(bytes), Some(byte_acc)) = (dist.bytes(), byte_acc.as_mut()) {
            byte_acc.add(placement, bytes[k]);
        }
    }
    (acc.finish(), clusters, byte_acc.map(|b| b.finish().loads))
}

impl Scenario {
    /// A scenario with its metrics computed from `loads`; `top_key_share` is the heaviest key's share.
    pub fn new(
        partitioner: Partitioner,
        partitions: PartitionCount,
        placed: PartitionLoads,
        byte_loads: Option<Vec<u64>>,
        top_key_share: f64,
        stats: ScenarioStats,
    ) -> Scenario {
        let accepted: u64 = placed.loads.iter().sum();
        // Without a hashed event there is no placement to judge: ratios are undefined (null), not
        // those of perfect balance.
        let hashed = accepted > placed.spread_events;
        let (metrics, stats) = if hashed {
            (load_metrics(&placed.loads, top_key_share), stats)
        } else {
            (
                skew::undefined_metrics(&placed.loads),
                stats::undefined_stats(),
            )
        };
        // The hot-key floor of the byte metrics uses the heaviest key's event share.
        let byte_metrics = byte_loads
            .as_ref()
            .filter(|_| hashed)
            .map(|b| load_metrics(b, top_key_share));
        Scenario {
            partitioner,
            partitions,
            loads: placed.loads,
            rejected_events: placed.rejected_events,
            rejected_keys: placed.rejected_keys,
            spread_events: placed.spread_events,
            metrics,
            stats,
            byte_loads,
            byte_metrics,
            hot_keys: Vec::new(),
            ordering: None,
        }
    }
}

/// Evaluates every partitioner at every partition count, with default statistics settings.
pub fn analyze(
    dist: &KeyDistribution,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
) -> Analysis {
    analyze_with(dist, partitioners, counts, StatsSettings::default())
}

/// Evaluates every partitioner at every partition count.
///
/// The random-placement expectation depends only on the key weights and the partition count, so it is
/// computed once per count and shared by every partitioner.
pub fn analyze_with(
    dist: &KeyDistribution,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
    settings: StatsSettings,
) -> Analysis {
    analyze_full(dist, partitioners, counts, settings, None)
}

/// Evaluates every partitioner at every partition count, and with `entities` (the (key, entity)
/// cells grouped by entity) each scenario's ordering cost, from the same per-key hashes.
pub fn analyze_full(
    dist: &KeyDistribution,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
    settings: StatsSettings,
    entities: Option<&ordering::EntityIndex>,
) -> Analysis {
    let hashes = KeyHashes::compute(dist, partitioners);
    analyze_hashed(
        dist,
        &hashes,
        partitioners,
        counts,
        settings,
        entities,
        None,
    )
}

/// The random-placement expectation of the clients that hash every key, at every count of a run,
/// computed from the key weights alone ([`EarlyRandom::compute`]): a run can compute it while it
/// still sorts its keys, and hand it to [`analyze_hashed`].
#[derive(Debug, Clone)]
pub struct EarlyRandom {
    counts: Vec<PartitionCount>,
    settings: StatsSettings,
    skews: Vec<Option<stats::RandomSkew>>,
}

impl EarlyRandom {
    /// The heaviest weights a summary must keep.
    pub const HEAVIEST: usize = stats::EXACT_KEYS;

    /// The expectation for the keys `summary` summarizes (every key the distribution will hold, with
    /// [`EarlyRandom::HEAVIEST`] kept) at `counts`: the same values [`analyze_hashed`] computes
    /// from the sorted distribution. `None` when they could differ in their last bits
    /// ([`stats::RandomPlacement::summarized`]).
    pub fn compute(
        summary: &WeightSummary,
        counts: &[PartitionCount],
        settings: StatsSettings,
    ) -> Option<EarlyRandom> {
        let keys = stats::RandomPlacement::summarized(summary, 0)?;
        Some(EarlyRandom {
            counts: counts.to_vec(),
            settings,
            skews: random_expectation(&keys, counts, settings),
        })
    }
}

/// The random-placement expectation of `keys` at every count of `counts`, in order.
fn random_expectation(
    keys: &stats::RandomPlacement,
    counts: &[PartitionCount],
    settings: StatsSettings,
) -> Vec<Option<stats::RandomSkew>> {
    // A wide sweep shares one trial budget over its counts (README, "Statistics").
    match stats::wide_trial_limit(counts.len(), settings.trials, settings.budget) {
        // A wide sweep's counts share their trials (`wide_random`).
        Some(limit) => {
            let counts: Vec<u32> = counts.iter().map(|n| n.get()).collect();
            keys.skews_shared(&counts, settings.trials, settings.seed, limit)
        }
        None => counts
            .par_iter()
            .with_max_len(1)
            .map(|n| keys.skew(n.get(), settings.trials, settings.seed))
            .collect(),
    }
}

/// [`analyze_full`] on keys already hashed ([`KeyHashes::compute`] over at least `partitioners`), so a
/// caller that needs the hashes again (time windows, remaps) hashes each key once; with `early`, the
/// random expectation of the clients that hash every key as computed before (used when it was
/// computed for these counts and settings).
pub fn analyze_hashed(
    dist: &KeyDistribution,
    hashes: &KeyHashes,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
    settings: StatsSettings,
    entities: Option<&ordering::EntityIndex>,
    early: Option<EarlyRandom>,
) -> Analysis {
    // Most clients hash every key; the others spread or refuse some (the empty key, keys Kinesis
    // rejects), which must count neither as hot keys nor in the random-placement comparison.
    let mut classes: Vec<HashedKeys> = vec![HashedKeys::all(dist)];
    let class_of: Vec<usize> = partitioners
        .iter()
        .map(|&p| {
            if p.hashes_every_key() {
                return 0;
            }
            let class = HashedKeys::of(dist, p);
            match classes.iter().position(|c| *c == class) {
                Some(i) => i,
                None => {
                    classes.push(class);
                    classes.len() - 1
                }
            }
        })
        .collect();
    let used: Vec<usize> = (0..classes.len())
        .filter(|c| class_of.contains(c))
        .collect();
    let mut early = early.filter(|e| e.counts == counts && e.settings == settings);
    let random_expectations = || -> Vec<Vec<Option<stats::RandomSkew>>> {
        (0..classes.len())
            .map(|c| {
                if !used.contains(&c) {
                    return Vec::new();
                }
                // Class 0 is every key, which is what an early expectation was computed for.
                if let Some(early) = early.take().filter(|_| c == 0) {
                    return early.skews;
                }
                let class = &classes[c];
                // The key weights are prepared once for every count.
                let keys = stats::RandomPlacement::new(&class.weights, class.spread);
                random_expectation(&keys, counts, settings)
            })
            .collect()
    };
    // Counts above one of a client that maps by remainder: placed in one pass over the keys
    // (`sweep`); the others one scenario at a time.
    let sweep_placements = || -> Vec<Option<sweep::Placed>> {
        let mut swept = Vec::with_capacity(partitioners.len() * counts.len());
        for &p in partitioners {
            let keys = sweep::SweepKeys::prepare(dist, hashes.get(p.family()), p);
            let wide: Vec<PartitionCount> =
                counts.iter().copied().filter(|n| n.get() > 1).collect();
            let mut placed = match &keys {
                Some(keys) if !wide.is_empty() => keys.place(&wide).into_iter(),
                _ => Vec::new().into_iter(),
            };
            for n in counts {
                swept.push(if keys.is_some() && n.get() > 1 {
                    placed.next()
                } else {
                    None
                });
            }
        }
        swept
    };
    // Side by side: the Monte Carlo's few, uneven per-count tasks leave a core idle that the
    // placement (serial per partitioner below eight counts) fills. Neither reads the other's result.
    let (random, swept) = rayon::join(random_expectations, sweep_placements);
    // Once per class, not per scenario: on a million keys the sum is the size of a sweep's placement.
    let top_shares: Vec<f64> = classes.iter().map(HashedKeys::top_share).collect();
    let pairs: Vec<(usize, usize)> = (0..partitioners.len())
        .flat_map(|p| (0..counts.len()).map(move |i| (p, i)))
        .collect();
    let scenarios = pairs
        .into_par_iter()
        .zip(swept.into_par_iter())
        .map(|((pi, i), swept)| {
            let (p, n) = (partitioners[pi], counts[i]);
            let hashes = hashes.get(p.family());
            let (placed, clusters, byte_loads) = match swept {
                Some(placed) => placed,
                None => place_with_squares(dist, hashes, p, n),
            };
            let accepted = placed.loads.iter().sum();
            let clusters =
                (settings.interval == stats::IntervalMethod::KeyClustered).then_some(&clusters);
            let random = random[class_of[pi]][i];
            let stats = stats::scenario_stats_with(&placed.loads, accepted, clusters, random);
            let mut scenario =
                Scenario::new(p, n, placed, byte_loads, top_shares[class_of[pi]], stats);
            if scenario.metrics.max_partition_events > 0 {
                let keys = dist.keys().iter().zip(dist.weights()).zip(hashes.iter());
                scenario.hot_keys = hot_keys(
                    keys.map(|((k, &w), h)| (k, w, h)),
                    p,
                    n,
                    scenario.metrics.hottest_partition,
                    HOT_KEYS,
                );
            }
            if let Some(index) = entities {
                let placement: Vec<Placement> = dist
                    .keys()
                    .iter()
                    .zip(hashes.iter())
                    .map(|(k, h)| p.place(k, h, n))
                    .collect();
                scenario.ordering = Some(index.cost(&placement));
            }
            scenario
        })
        .collect();
    Analysis {
        events: dist.total(),
        distinct_keys: dist.distinct(),
        scenarios,
    }
}

/// The keys one client hashes, as the statistics need them: their weights (heaviest first), the events
/// it spreads evenly, and the heaviest hashed key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HashedKeys<'a> {
    /// The distribution's own column when every key is hashed.
    weights: Cow<'a, [u64]>,
    spread: u64,
}

impl<'a> HashedKeys<'a> {
    /// Every key is hashed.
    fn all(dist: &'a KeyDistribution) -> HashedKeys<'a> {
        HashedKeys {
            weights: Cow::Borrowed(dist.weights()),
            spread: 0,
        }
    }

    /// The keys `partitioner` hashes.
    fn of(dist: &KeyDistribution, partitioner: Partitioner) -> HashedKeys<'a> {
        let mut weights = Vec::new();
        let mut spread = 0;
        for (key, &w) in dist.keys().iter().zip(dist.weights()) {
            match partitioner.treatment(key) {
                Treatment::Hashed => weights.push(w),
                Treatment::Spread => spread += w,
                Treatment::Refused => {}
            }
        }
        HashedKeys {
            weights: Cow::Owned(weights),
            spread,
        }
    }

    /// The heaviest hashed key's share of the events the client accepts (0 when none is hashed).
    fn top_share(&self) -> f64 {
        let accepted = self.weights.iter().sum::<u64>() + self.spread;
        match self.weights.first() {
            Some(&w) if accepted > 0 => w as f64 / accepted as f64,
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_placement_is_spread_evenly_after_merge() {
        let n = PartitionCount::new(4).unwrap();
        let mut a = LoadAccumulator::new(n);
        a.add(Placement::Partition(2), 5);
        a.add(Placement::Random, 3);
        a.add(Placement::Invalid, 7);
        let mut b = LoadAccumulator::new(n);
        b.add(Placement::Random, 3);
        a.merge(&b);
        let placed = a.finish();
        assert_eq!(placed.loads, vec![2, 2, 6, 1]);
        assert_eq!((placed.rejected_events, placed.rejected_keys), (7, 1));
    }

    /// Several partitioners in one run cost one hashing pass per hash family, not per partitioner.
    #[test]
    fn one_hash_pass_per_family() {
        let dist = KeyDistribution::from_pairs([(&b"a"[..], 3), (b"b", 1)]);
        let partitioners = [
            Partitioner::Java,
            Partitioner::LibrdkafkaMurmur2,
            Partitioner::RedpandaClient,
            Partitioner::Sarama,
            Partitioner::SaramaReference,
        ];
        let hashes = KeyHashes::compute(&dist, &partitioners);
        let families: Vec<HashFamily> = hashes.families().collect();
        assert_eq!(families, vec![HashFamily::Murmur2, HashFamily::Fnv1a]);
        for &p in &partitioners {
            assert_eq!(hashes.get(p.family()).len(), dist.distinct());
        }
        let analysis = analyze(&dist, &partitioners, &[PartitionCount::new(4).unwrap()]);
        let ids: Vec<&str> = analysis
            .scenarios
            .iter()
            .map(|s| s.partitioner.id())
            .collect();
        assert_eq!(
            ids,
            [
                "java",
                "librdkafka-murmur2",
                "redpanda-client",
                "sarama",
                "sarama-reference"
            ]
        );
    }

    /// An expectation computed early from a summary of the weights gives the analysis computed from
    /// the sorted distribution, and one computed for other counts or settings is not used.
    #[test]
    fn an_early_random_expectation_is_the_late_one() {
        let pairs: Vec<(Vec<u8>, u64)> = (0..5_000u64)
            .map(|i| (format!("k{i}").into_bytes(), 1 + 100_000 / (i + 1)))
            .collect();
        let dist = KeyDistribution::from_pairs(pairs.iter().map(|(k, w)| (&k[..], *w)));
        // The empty-key client hashes a class of its own (it spreads the empty key), so the
        // early expectation (every key) must land on the other client only.
        let partitioners = [Partitioner::Java, Partitioner::Librdkafka];
        let counts: Vec<PartitionCount> = [1, 6, 24]
            .iter()
            .map(|&n| PartitionCount::new(n).unwrap())
            .collect();
        let settings = StatsSettings::default();
        let hashes = KeyHashes::compute(&dist, &partitioners);
        let mut summary = WeightSummary::new(EarlyRandom::HEAVIEST);
        dist.weights().iter().rev().for_each(|&w| summary.add(w));
        let run = |early: Option<EarlyRandom>| {
            let a = analyze_hashed(
                &dist,
                &hashes,
                &partitioners,
                &counts,
                settings,
                None,
                early,
            );
            format!("{:?}", a.scenarios)
        };
        let early = EarlyRandom::compute(&summary, &counts, settings).expect("exact sums");
        assert_eq!(run(Some(early)), run(None));
        // Computed for other settings: ignored, so the result is still right.
        let other = StatsSettings {
            seed: 1,
            ..settings
        };
        let wrong = EarlyRandom::compute(&summary, &counts, other).unwrap();
        assert_eq!(run(Some(wrong)), run(None));
        let wrong = EarlyRandom::compute(&summary, &counts[1..], settings).unwrap();
        assert_eq!(run(Some(wrong)), run(None));
    }
}
