//! Hashing throughput per partitioner, for 16-byte and 64-byte keys.
//!
//! Each iteration hashes and places a batch of distinct keys (hash under the partitioner's family,
//! then its sign rule at 48 partitions), so the figure is keys per second for `keyplan which` and
//! for the hashing pass of `analyze`. Keys are deterministic pseudo-random printable ASCII.
//!
//! Run: `cargo bench --bench hashing` (see README, "## Partitioners", for recorded figures).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keyplan::model::PartitionCount;
use keyplan::partitioner::Partitioner;

/// Keys per batch: enough to leave the per-iteration overhead negligible.
const BATCH: usize = 1024;

/// Deterministic printable keys of `len` bytes (xorshift; no RNG crate needed for a fixed set).
fn keys(len: usize) -> Vec<Vec<u8>> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..BATCH)
        .map(|_| {
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    b'!' + (state % 94) as u8
                })
                .collect()
        })
        .collect()
}

fn hashing(c: &mut Criterion) {
    let n = PartitionCount::new(48).expect("valid count");
    for len in [16usize, 64] {
        let batch = keys(len);
        let mut group = c.benchmark_group(format!("hash_{len}B"));
        group.throughput(Throughput::Elements(BATCH as u64));
        for &p in Partitioner::ALL {
            group.bench_with_input(BenchmarkId::from_parameter(p.id()), &batch, |b, batch| {
                b.iter(|| {
                    for key in batch {
                        black_box(p.partition_of(black_box(key), n));
                    }
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Short runs: 14 partitioners x 2 sizes must finish in a few minutes on 2 shared cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = hashing
}
criterion_main!(benches);
