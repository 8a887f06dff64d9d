//! Property tests of the analysis invariants: loads sum to the total, every index is in range, and
//! skew is at least 1.

use keyplan::analysis::analyze;
use keyplan::model::{KeyDistribution, PartitionCount};
use keyplan::partitioner::{Partitioner, Placement};
use proptest::prelude::*;

fn sample() -> impl Strategy<Value = Vec<(Vec<u8>, u64)>> {
    prop::collection::vec(
        (prop::collection::vec(any::<u8>(), 0..24), 1u64..1_000_000),
        1..60,
    )
}

proptest! {
    #[test]
    fn loads_sum_to_total_and_skew_is_at_least_one(
        pairs in sample(),
        counts in prop::collection::btree_set(1u32..300, 1..5),
    ) {
        let dist = KeyDistribution::from_pairs(pairs.iter().map(|(k, w)| (k.as_slice(), *w)));
        let counts: Vec<PartitionCount> =
            counts.into_iter().map(|n| PartitionCount::new(n.into()).unwrap()).collect();
        let result = analyze(&dist, Partitioner::ALL, &counts);
        prop_assert_eq!(result.events, pairs.iter().map(|(_, w)| w).sum::<u64>());
        for s in &result.scenarios {
            prop_assert_eq!(s.loads.len(), s.partitions.as_usize());
            // Every event is on a partition, or counted as refused (Kinesis keys it would reject).
            prop_assert_eq!(s.loads.iter().sum::<u64>() + s.rejected_events, result.events);
            if s.metrics.skew.is_nan() {
                // Undefined exactly when the client hashes no event of the sample.
                prop_assert_eq!(s.loads.iter().sum::<u64>(), s.spread_events);
                continue;
            }
            prop_assert!(s.loads.iter().sum::<u64>() > s.spread_events);
            prop_assert!(s.metrics.skew >= 1.0 - 1e-12);
            prop_assert!(s.metrics.skew <= f64::from(s.partitions.get()) + 1e-9);
            if s.partitioner == Partitioner::Java {
                // The hottest partition holds at least the top key (no key is placed at random).
                prop_assert!(s.metrics.skew >= s.metrics.hot_key_floor - 1e-9);
            }
            prop_assert!((0.0..=1.0).contains(&s.metrics.gini));
            prop_assert!(s.metrics.max_share <= 1.0);
            prop_assert!(s.metrics.max_share > 0.0 || s.rejected_events == result.events);
        }
    }

    #[test]
    fn every_index_is_below_n(key in prop::collection::vec(any::<u8>(), 0..2000), n in 1u32..=100_000) {
        let n = PartitionCount::new(n.into()).unwrap();
        for &p in Partitioner::ALL {
            if let Placement::Partition(i) = p.partition_of(&key, n) {
                prop_assert!(i < n.get(), "{} put a key on {} of {}", p, i, n);
            }
        }
    }
}
