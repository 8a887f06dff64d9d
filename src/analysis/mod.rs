//! Analysis: from a [`KeyDistribution`] to per-scenario partition loads and metrics.
//!
//! A scenario is one partitioner at one partition count. Keys are hashed once per hash family
//! ([`KeyHashes`]), in parallel; each scenario then only maps hashes to partitions and adds weights.

pub mod sketch;
pub mod skew;
pub mod stats;
pub mod stream;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::model::{KeyDistribution, PartitionCount};
use crate::partitioner::{HashFamily, Partitioner, Placement};

pub use skew::{load_metrics, LoadMetrics};
pub use stats::{ScenarioStats, StatsSettings};

/// The hash of every distinct key, per hash family, in the distribution's key order.
#[derive(Debug, Default)]
pub struct KeyHashes {
    by_family: BTreeMap<HashFamily, Vec<u128>>,
}

impl KeyHashes {
    /// Hashes every key of `dist` once for each family the partitioners use.
    pub fn compute(dist: &KeyDistribution, partitioners: &[Partitioner]) -> KeyHashes {
        let mut by_family = BTreeMap::new();
        for p in partitioners {
            let family = p.family();
            by_family.entry(family).or_insert_with(|| {
                dist.keys()
                    .par_iter()
                    .with_min_len(4096)
                    .map(|k| family.hash(k))
                    .collect()
            });
        }
        KeyHashes { by_family }
    }

    /// The hashes for one family. Panics if that family was not computed, which is a programming
    /// error: [`compute`](Self::compute) covers every partitioner it was given.
    pub fn get(&self, family: HashFamily) -> &[u128] {
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
    /// Metrics derived from `loads`.
    pub metrics: LoadMetrics,
    /// Confidence interval and random-placement expectation.
    pub stats: ScenarioStats,
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

/// Per-partition loads of one scenario while keys are being placed.
///
/// Keys the client places at random (e.g. the empty key under librdkafka's default) are spread evenly,
/// which is what sticky or round-robin placement converges to: `w / n` events on every partition and
/// the remainder one each on the lowest indices, so loads stay whole and still sum to the total. Their
/// weight is kept aside until [`finish`](Self::finish), so accumulators can be merged first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadAccumulator {
    loads: Vec<u64>,
    random: u64,
}

impl LoadAccumulator {
    /// Empty loads for `n` partitions.
    pub fn new(n: PartitionCount) -> LoadAccumulator {
        LoadAccumulator {
            loads: vec![0; n.as_usize()],
            random: 0,
        }
    }

    /// Adds `weight` events placed at `placement`.
    pub fn add(&mut self, placement: Placement, weight: u64) {
        match placement {
            Placement::Partition(p) => self.loads[p as usize] += weight,
            Placement::Random => self.random += weight,
        }
    }

    /// Adds another accumulator for the same partition count.
    pub fn merge(&mut self, other: &LoadAccumulator) {
        debug_assert_eq!(self.loads.len(), other.loads.len());
        for (a, b) in self.loads.iter_mut().zip(&other.loads) {
            *a += b;
        }
        self.random += other.random;
    }

    /// The final per-partition loads, with randomly placed events spread evenly.
    pub fn finish(mut self) -> Vec<u64> {
        let n = self.loads.len() as u64;
        if self.random > 0 {
            let share = self.random / n;
            let rest = (self.random % n) as usize;
            for (i, load) in self.loads.iter_mut().enumerate() {
                *load += share + u64::from(i < rest);
            }
        }
        self.loads
    }
}

/// Per-partition event loads of `dist` under `partitioner` with `n` partitions (see
/// [`LoadAccumulator`] for keys placed at random).
pub fn partition_loads(
    dist: &KeyDistribution,
    hashes: &[u128],
    partitioner: Partitioner,
    n: PartitionCount,
) -> Vec<u64> {
    let mut loads = LoadAccumulator::new(n);
    for ((key, &weight), &hash) in dist.keys().iter().zip(dist.weights()).zip(hashes) {
        loads.add(partitioner.place(key, hash, n), weight);
    }
    loads.finish()
}

impl Scenario {
    /// A scenario with its metrics computed from `loads`; `top_key_share` is the heaviest key's share.
    pub fn new(
        partitioner: Partitioner,
        partitions: PartitionCount,
        loads: Vec<u64>,
        top_key_share: f64,
        stats: ScenarioStats,
    ) -> Scenario {
        let metrics = load_metrics(&loads, top_key_share);
        Scenario {
            partitioner,
            partitions,
            loads,
            metrics,
            stats,
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
    let hashes = KeyHashes::compute(dist, partitioners);
    let top_share = dist.top_share();
    let random: Vec<Option<stats::RandomSkew>> = counts
        .par_iter()
        .map(|n| stats::random_skew(dist.weights(), n.get(), settings.trials, settings.seed))
        .collect();
    let pairs: Vec<(Partitioner, usize)> = partitioners
        .iter()
        .flat_map(|&p| (0..counts.len()).map(move |i| (p, i)))
        .collect();
    let scenarios = pairs
        .into_par_iter()
        .map(|(p, i)| {
            let n = counts[i];
            let loads = partition_loads(dist, hashes.get(p.family()), p, n);
            let stats = stats::scenario_stats(&loads, dist.total(), random[i]);
            Scenario::new(p, n, loads, top_share, stats)
        })
        .collect();
    Analysis {
        events: dist.total(),
        distinct_keys: dist.distinct(),
        scenarios,
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
        let mut b = LoadAccumulator::new(n);
        b.add(Placement::Random, 3);
        a.merge(&b);
        assert_eq!(a.finish(), vec![2, 2, 6, 1]);
    }
}
