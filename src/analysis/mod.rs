//! Analysis: from a [`KeyDistribution`] to per-scenario partition loads and metrics.
//!
//! A scenario is one partitioner at one partition count. Keys are hashed once per hash family
//! ([`KeyHashes`]), in parallel; each scenario then only maps hashes to partitions and adds weights.

pub mod skew;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::model::{KeyDistribution, PartitionCount};
use crate::partitioner::{HashFamily, Partitioner, Placement};

pub use skew::{load_metrics, LoadMetrics};

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
    /// Payload bytes per partition index, when the sample has sizes.
    pub byte_loads: Option<Vec<u64>>,
    /// Metrics derived from `byte_loads` (the hot-key floor uses the heaviest key's event share).
    pub byte_metrics: Option<LoadMetrics>,
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

/// Per-partition event loads of `dist` under `partitioner` with `n` partitions.
///
/// Keys the client places at random (e.g. the empty key under librdkafka's default) are spread evenly,
/// which is what sticky or round-robin placement converges to: `w / n` events on every partition and
/// the remainder one each on the lowest indices, so loads stay whole and still sum to the total.
pub fn partition_loads(
    dist: &KeyDistribution,
    hashes: &[u128],
    partitioner: Partitioner,
    n: PartitionCount,
) -> Vec<u64> {
    partition_sums(dist, dist.weights(), hashes, partitioner, n)
}

/// Per-partition payload bytes of `dist`, when it has sizes; placed like [`partition_loads`].
pub fn partition_bytes(
    dist: &KeyDistribution,
    hashes: &[u128],
    partitioner: Partitioner,
    n: PartitionCount,
) -> Option<Vec<u64>> {
    dist.bytes()
        .map(|bytes| partition_sums(dist, bytes, hashes, partitioner, n))
}

/// Sums one per-key value (`values`, in key order) per partition.
fn partition_sums(
    dist: &KeyDistribution,
    values: &[u64],
    hashes: &[u128],
    partitioner: Partitioner,
    n: PartitionCount,
) -> Vec<u64> {
    let mut loads = vec![0u64; n.as_usize()];
    let mut random = 0u64;
    for ((key, &weight), &hash) in dist.keys().iter().zip(values).zip(hashes) {
        match partitioner.place(key, hash, n) {
            Placement::Partition(p) => loads[p as usize] += weight,
            Placement::Random => random += weight,
        }
    }
    if random > 0 {
        let share = random / u64::from(n.get());
        let rest = (random % u64::from(n.get())) as usize;
        for (i, load) in loads.iter_mut().enumerate() {
            *load += share + u64::from(i < rest);
        }
    }
    loads
}

/// Evaluates every partitioner at every partition count.
pub fn analyze(
    dist: &KeyDistribution,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
) -> Analysis {
    let hashes = KeyHashes::compute(dist, partitioners);
    let top_share = dist.top_share();
    let pairs: Vec<(Partitioner, PartitionCount)> = partitioners
        .iter()
        .flat_map(|&p| counts.iter().map(move |&n| (p, n)))
        .collect();
    let scenarios = pairs
        .into_par_iter()
        .map(|(p, n)| {
            let hashes = hashes.get(p.family());
            let loads = partition_loads(dist, hashes, p, n);
            let metrics = load_metrics(&loads, top_share);
            let byte_loads = partition_bytes(dist, hashes, p, n);
            let byte_metrics = byte_loads.as_ref().map(|b| load_metrics(b, top_share));
            Scenario {
                partitioner: p,
                partitions: n,
                loads,
                metrics,
                byte_loads,
                byte_metrics,
            }
        })
        .collect();
    Analysis {
        events: dist.total(),
        distinct_keys: dist.distinct(),
        scenarios,
    }
}
