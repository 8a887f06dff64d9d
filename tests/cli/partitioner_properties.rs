//! Property tests of the partitioners (docs/partitioners.md): every placement is in range,
//! the sign rules agree where they must, `random` and `invalid` appear exactly where the spec says,
//! Kinesis shards match their ranges, and analysis never loses an event.

use keyplan::analysis::{place_all, KeyHashes};
use keyplan::model::{KeyDistribution, PartitionCount, MAX_PARTITIONS};
use keyplan::partitioner::java_string::{java_string_hash, java_utf16};
use keyplan::partitioner::sign::{mask, neg, unsigned};
use keyplan::partitioner::{kinesis, EmptyKey, Partitioner, Placement};
use proptest::prelude::*;

fn any_partitioner() -> impl Strategy<Value = Partitioner> {
    proptest::sample::select(Partitioner::ALL)
}

/// Keys from empty to past Kinesis' 256-code-point limit: raw bytes, or text with multi-byte chars.
fn any_key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..1100),
        ".{0,300}".prop_map(String::into_bytes),
        Just(Vec::new()),
    ]
}

fn any_count() -> impl Strategy<Value = PartitionCount> {
    prop_oneof![1u64..=64, 1u64..=u64::from(MAX_PARTITIONS)]
        .prop_map(|n| PartitionCount::new(n).unwrap())
}

proptest! {
    #[test]
    fn placements_are_in_range(p in any_partitioner(), key in any_key(), n in any_count()) {
        if let Placement::Partition(i) = p.partition_of(&key, n) {
            prop_assert!(i < n.get());
        }
    }

    #[test]
    fn one_partition_means_partition_zero(p in any_partitioner(), key in any_key()) {
        let one = PartitionCount::new(1).unwrap();
        let placement = p.partition_of(&key, one);
        prop_assert!(placement == Placement::Partition(0) || placement == Placement::Invalid);
    }

    #[test]
    fn sign_rules_agree_on_non_negative_hashes(h in 0u32..=0x7fff_ffff, n in 1u32..=u32::MAX) {
        prop_assert_eq!(mask(h, n), neg(h, n));
        prop_assert_eq!(mask(h, n), unsigned(h, n));
    }

    #[test]
    fn sign_rules_stay_in_range(h in any::<u32>(), n in 1u32..=u32::MAX) {
        prop_assert!(mask(h, n) < n && neg(h, n) < n && unsigned(h, n) < n);
    }

    /// `random` only for an empty key, with more than one partition, under a client whose spec row
    /// says it spreads empty keys; `invalid` only for keys the client refuses.
    #[test]
    fn random_and_invalid_only_where_the_spec_says(
        p in any_partitioner(), key in any_key(), n in any_count()
    ) {
        let b = p.behaviour();
        let refused = b.accepts.is_some_and(|rule| !(rule.check)(&key));
        let spreads_empty = matches!(b.empty_key, EmptyKey::Spread(_));
        let placement = p.partition_of(&key, n);
        prop_assert_eq!(placement == Placement::Invalid, refused);
        prop_assert_eq!(
            placement == Placement::Random,
            !refused && key.is_empty() && spreads_empty && n.get() > 1
        );
    }

    #[test]
    fn kinesis_shard_is_the_range_holding_the_hash(h in any::<u128>(), n in 1u32..=2000) {
        let ranges = kinesis::shard_ranges(n);
        let i = kinesis::shard(h, n) as usize;
        prop_assert!(ranges[i].0 <= h && h <= ranges[i].1);
        prop_assert_eq!(ranges.len(), n as usize);
        prop_assert_eq!(ranges[0].0, 0);
        prop_assert_eq!(ranges[ranges.len() - 1].1, u128::MAX);
        for pair in ranges.windows(2) {
            prop_assert_eq!(pair[0].1 + 1, pair[1].0);
        }
    }

    #[test]
    fn java_string_hash_of_valid_utf8_is_over_utf16(text in ".{0,64}") {
        let units: Vec<u16> = text.encode_utf16().collect();
        prop_assert_eq!(java_utf16(text.as_bytes()), units.clone());
        let h = units.iter().fold(0u32, |h, &u| h.wrapping_mul(31).wrapping_add(u32::from(u)));
        prop_assert_eq!(java_string_hash(text.as_bytes()), h);
    }

    /// Java's decoder never yields more UTF-16 units than input bytes, and never panics.
    #[test]
    fn java_decoding_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert!(java_utf16(&bytes).len() <= bytes.len());
    }

    /// Placed, spread and refused events add up to the sample's total, for every partitioner.
    #[test]
    fn analysis_loses_no_event(
        p in any_partitioner(),
        keys in proptest::collection::vec((any_key(), 1u64..1000), 1..40),
        n in 1u64..=50,
    ) {
        let dist = KeyDistribution::from_pairs(keys.iter().map(|(k, w)| (k.as_slice(), *w)));
        let hashes = KeyHashes::compute(&dist, &[p]);
        let placed = place_all(&dist, hashes.get(p.family()), p, PartitionCount::new(n).unwrap());
        let on_partitions: u64 = placed.loads.iter().sum();
        prop_assert_eq!(on_partitions + placed.rejected_events, dist.total());
        prop_assert_eq!(placed.loads.len() as u64, n);
    }

    /// The spec's equivalences for non-empty keys: the Java-compatible murmur2 ids, the sarama-style
    /// FNV-1a ids, and librdkafka's two CRC-32 settings each place every such key alike.
    #[test]
    fn equivalent_clients_agree_on_keyed_messages(key in any_key(), n in any_count()) {
        prop_assume!(!key.is_empty());
        use Partitioner::*;
        for group in [
            &[Java, LibrdkafkaMurmur2, LibrdkafkaMurmur2Random][..],
            &[Sarama, KafkaGoHash, LibrdkafkaFnv1a, LibrdkafkaFnv1aRandom],
            &[Librdkafka, LibrdkafkaConsistent],
        ] {
            let first = group[0].partition_of(&key, n);
            for p in &group[1..] {
                prop_assert_eq!(p.partition_of(&key, n), first, "{} vs {}", p, group[0]);
            }
        }
    }
}
