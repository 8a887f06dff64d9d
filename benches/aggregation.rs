//! Aggregation throughput: counting events into the exact key counter, and analysing the resulting
//! distribution over five partition counts (hash once per family, place, metrics, statistics), and the
//! two costs of a wide sweep: placement at 200 counts, and the random-placement Monte Carlo at 500.
//!
//! Keys follow a zipf(1.1) law over 100,000 ranks (`key-00001234`), as `keyplan synth zipf` writes them,
//! so hot keys stay in cache and the tail does not, as in real samples. The whole-binary comparison
//! against DuckDB is `benches/ingest.sh`; this isolates the in-memory stages.
//!
//! Run: `cargo bench --bench aggregation`.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use keyplan::analysis::stats::{random_skew, DEFAULT_SEED};
use keyplan::analysis::{analyze_with, StatsSettings};
use keyplan::ingest::counter::{Event, KeyCounter};
use keyplan::model::PartitionCount;
use keyplan::partitioner::Partitioner;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Events per counting iteration.
const EVENTS: usize = 1_000_000;
/// Distinct key ranks.
const RANKS: usize = 100_000;

/// Zipf(1.1) draws by inverse transform over a precomputed CDF: deterministic for the seed.
fn zipf_keys() -> Vec<Vec<u8>> {
    let weights: Vec<f64> = (1..=RANKS).map(|r| (r as f64).powf(-1.1)).collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(RANKS);
    let mut acc = 0.0;
    for w in weights {
        acc += w / total;
        cdf.push(acc);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    (0..EVENTS)
        .map(|_| {
            let u: f64 = rng.gen();
            let rank = cdf.partition_point(|&c| c < u).min(RANKS - 1);
            format!("key-{rank:08}").into_bytes()
        })
        .collect()
}

fn aggregation(c: &mut Criterion) {
    let events = zipf_keys();
    let mut group = c.benchmark_group("aggregation");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("count_1M_events", |b| {
        b.iter(|| {
            let mut counter = KeyCounter::new();
            for key in &events {
                counter
                    .add_event(Event::new(black_box(key), 1))
                    .expect("no overflow");
            }
            black_box(counter.total())
        })
    });
    group.finish();

    let mut counter = KeyCounter::new();
    for key in &events {
        counter.add_event(Event::new(key, 1)).expect("no overflow");
    }
    let dist = counter.finish();
    let counts: Vec<PartitionCount> = [6u64, 12, 24, 48, 96]
        .iter()
        .map(|&n| PartitionCount::new(n).expect("valid count"))
        .collect();
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Elements(dist.distinct() as u64));
    group.bench_function("java_librdkafka_5_counts", |b| {
        b.iter(|| {
            black_box(analyze_with(
                &dist,
                &[Partitioner::Java, Partitioner::Librdkafka],
                &counts,
                StatsSettings::default(),
            ))
        })
    });
    group.finish();

    // A wide sweep: placement of 200 counts in one pass over the keys (no Monte Carlo), and the
    // random-placement Monte Carlo alone at one wide count.
    let wide: Vec<PartitionCount> = (1..=200u64)
        .map(|n| PartitionCount::new(n).expect("valid count"))
        .collect();
    let mut group = c.benchmark_group("sweep");
    group.bench_function("java_placement_200_counts", |b| {
        b.iter(|| {
            black_box(analyze_with(
                &dist,
                &[Partitioner::Java],
                &wide,
                StatsSettings {
                    trials: 0,
                    ..StatsSettings::default()
                },
            ))
        })
    });
    group.bench_function("random_skew_500_partitions_200_trials", |b| {
        b.iter(|| {
            black_box(random_skew(
                black_box(dist.weights()),
                0,
                500,
                200,
                DEFAULT_SEED,
            ))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    targets = aggregation
}
criterion_main!(benches);
