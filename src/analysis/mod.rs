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

    /// The families hashed, in order: one pass over the keys each, however many partitioners share it.
    pub fn families(&self) -> impl Iterator<Item = HashFamily> + '_ {
        self.by_family.keys().copied()
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
    /// Events the client refuses (Kinesis keys it would reject); not in `loads` nor the metrics.
    pub rejected_events: u64,
    /// Distinct keys the client refuses.
    pub rejected_keys: u64,
    /// Metrics derived from `loads`.
    pub metrics: LoadMetrics,
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
    /// Distinct keys the client refuses.
    pub rejected_keys: u64,
}

/// Per-partition event loads of `dist` under `partitioner` with `n` partitions, with the events the
/// client refuses counted apart.
///
/// Keys the client places at random (e.g. the empty key under librdkafka's default) are spread evenly,
/// which is what sticky or round-robin placement converges to: `w / n` events on every partition and
/// the remainder one each on the lowest indices, so loads stay whole and still sum to the accepted
/// total.
pub fn place_all(
    dist: &KeyDistribution,
    hashes: &[u128],
    partitioner: Partitioner,
    n: PartitionCount,
) -> PartitionLoads {
    let mut out = PartitionLoads {
        loads: vec![0u64; n.as_usize()],
        ..PartitionLoads::default()
    };
    let mut random = 0u64;
    for ((key, &weight), &hash) in dist.keys().iter().zip(dist.weights()).zip(hashes) {
        match partitioner.place(key, hash, n) {
            Placement::Partition(p) => out.loads[p as usize] += weight,
            Placement::Random => random += weight,
            Placement::Invalid => {
                out.rejected_events += weight;
                out.rejected_keys += 1;
            }
        }
    }
    if random > 0 {
        let share = random / u64::from(n.get());
        let rest = (random % u64::from(n.get())) as usize;
        for (i, load) in out.loads.iter_mut().enumerate() {
            *load += share + u64::from(i < rest);
        }
    }
    out
}

/// Per-partition event loads of `dist` under `partitioner` with `n` partitions (see [`place_all`];
/// refused keys are left out).
pub fn partition_loads(
    dist: &KeyDistribution,
    hashes: &[u128],
    partitioner: Partitioner,
    n: PartitionCount,
) -> Vec<u64> {
    place_all(dist, hashes, partitioner, n).loads
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
            let placed = place_all(dist, hashes.get(p.family()), p, n);
            let metrics = load_metrics(&placed.loads, top_share);
            Scenario {
                partitioner: p,
                partitions: n,
                loads: placed.loads,
                rejected_events: placed.rejected_events,
                rejected_keys: placed.rejected_keys,
                metrics,
            }
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
}
