//! Placement of every key at many partition counts in one pass over the keys.
//!
//! Every client but Kinesis maps a key by `reduce(hash) % n` (a sign rule, then the remainder), and
//! what it does with a key besides hashing it (refuse it, spread it) does not depend on `n` once
//! `n > 1`. So the keys are prepared once per partitioner: the reduced 32-bit hash, the weight, its
//! square and the bytes of every hashed key, in key order, plus the n-independent totals of the
//! others. Then each count only takes remainders (by multiplication, [`FastMod`]) and adds; the
//! counts of a group walk the keys together, a cache-sized chunk at a time, so the keys are read
//! from memory once per group rather than once per count.
//!
//! The sums are those of the per-scenario placement, in the same order (key order within each
//! partition), so every load and every floating-point sum of squares is bit for bit the same.

use rayon::prelude::*;

use super::{stats::KeyClusters, HashColumn, LoadAccumulator, PartitionLoads};
use crate::model::{KeyDistribution, PartitionCount};
use crate::partitioner::{Mapping, Partitioner, Treatment};

/// Keys of a chunk: small enough that a chunk's columns stay in the L2 cache while every count of a
/// group reads them (4,096 keys x 24 bytes).
const CHUNK: usize = 4096;

/// Counts placed together in one pass over the keys: enough to share each read of a chunk, few
/// enough that the groups balance over the threads.
const GROUP: usize = 8;

/// One scenario's placement: event loads, the key-clustered interval's sums of squares, byte loads.
pub(crate) type Placed = (PartitionLoads, KeyClusters, Option<Vec<u64>>);

/// The keys of one partitioner, prepared for placing at any count above one.
pub(crate) struct SweepKeys {
    /// Per hashed key, in key order: the hash after the sign rule, whose remainder is the partition.
    reduced: Vec<u32>,
    weights: Vec<u64>,
    squares: Vec<f64>,
    bytes: Option<Vec<u64>>,
    /// Keys the client spreads: their events, bytes and sum of squared weights (in key order).
    spread_events: u64,
    spread_bytes: u64,
    spread_squares: f64,
    /// Keys the client refuses.
    rejected_events: u64,
    rejected_keys: u64,
}

impl SweepKeys {
    /// Prepares `dist` for `partitioner`, with the keys' `hashes` under its family; `None` when the
    /// client does not map by remainder (Kinesis' hash-key ranges).
    pub(crate) fn prepare(
        dist: &KeyDistribution,
        hashes: &HashColumn,
        partitioner: Partitioner,
    ) -> Option<SweepKeys> {
        let Mapping::Modulo(rule) = partitioner.behaviour().mapping else {
            return None;
        };
        let mut keys = SweepKeys {
            reduced: Vec::with_capacity(dist.distinct()),
            weights: Vec::with_capacity(dist.distinct()),
            squares: Vec::with_capacity(dist.distinct()),
            bytes: dist.bytes().map(|_| Vec::with_capacity(dist.distinct())),
            spread_events: 0,
            spread_bytes: 0,
            spread_squares: 0.0,
            rejected_events: 0,
            rejected_keys: 0,
        };
        let bytes = dist.bytes();
        for (k, ((key, &w), hash)) in dist
            .keys()
            .iter()
            .zip(dist.weights())
            .zip(hashes.iter())
            .enumerate()
        {
            let sq = (w as f64) * (w as f64);
            let b = bytes.map_or(0, |b| b[k]);
            match partitioner.treatment(key) {
                Treatment::Hashed => {
                    // 32-bit families: the hash is the raw u32 zero-extended, so truncation is exact.
                    keys.reduced.push(rule.reduce(hash as u32));
                    keys.weights.push(w);
                    keys.squares.push(sq);
                    if let Some(out) = keys.bytes.as_mut() {
                        out.push(b);
                    }
                }
                Treatment::Spread => {
                    keys.spread_events += w;
                    keys.spread_bytes += b;
                    keys.spread_squares += sq;
                }
                Treatment::Refused => {
                    keys.rejected_events += w;
                    keys.rejected_keys += 1;
                }
            }
        }
        Some(keys)
    }

    /// The placement at every count of `counts` (each above one), in order.
    pub(crate) fn place(&self, counts: &[PartitionCount]) -> Vec<Placed> {
        debug_assert!(counts.iter().all(|n| n.get() > 1));
        counts
            .par_chunks(GROUP)
            .flat_map_iter(|group| {
                let mut sums: Vec<Sums> = group.iter().map(|&n| Sums::new(n, self)).collect();
                let len = self.reduced.len();
                let mut start = 0;
                while start < len {
                    let end = (start + CHUNK).min(len);
                    for s in sums.iter_mut() {
                        s.add(self, start, end);
                    }
                    start = end;
                }
                sums.into_iter().map(|s| s.finish(self))
            })
            .collect()
    }
}

/// The running sums of one count.
struct Sums {
    modulus: FastMod,
    loads: Vec<u64>,
    squares: Vec<f64>,
    bytes: Option<Vec<u64>>,
}

impl Sums {
    fn new(n: PartitionCount, keys: &SweepKeys) -> Sums {
        Sums {
            modulus: FastMod::new(n.get()),
            loads: vec![0; n.as_usize()],
            squares: vec![0.0; n.as_usize()],
            bytes: keys.bytes.as_ref().map(|_| vec![0; n.as_usize()]),
        }
    }

    /// Adds the hashed keys `start..end`.
    fn add(&mut self, keys: &SweepKeys, start: usize, end: usize) {
        let reduced = &keys.reduced[start..end];
        let weights = &keys.weights[start..end];
        let squares = &keys.squares[start..end];
        let m = self.modulus;
        for ((&h, &w), &sq) in reduced.iter().zip(weights).zip(squares) {
            let i = m.rem(h);
            self.loads[i] += w;
            self.squares[i] += sq;
        }
        if let (Some(out), Some(bytes)) = (self.bytes.as_mut(), keys.bytes.as_ref()) {
            for (&h, &b) in reduced.iter().zip(&bytes[start..end]) {
                out[m.rem(h)] += b;
            }
        }
    }

    fn finish(self, keys: &SweepKeys) -> Placed {
        let events = LoadAccumulator {
            placed: PartitionLoads {
                loads: self.loads,
                rejected_events: keys.rejected_events,
                rejected_keys: keys.rejected_keys,
                spread_events: 0,
            },
            random: keys.spread_events,
        }
        .finish();
        let clusters = KeyClusters {
            squares: self.squares,
            spread_squares: keys.spread_squares,
        };
        let bytes = self.bytes.map(|loads| {
            LoadAccumulator {
                placed: PartitionLoads {
                    loads,
                    ..PartitionLoads::default()
                },
                random: keys.spread_bytes,
            }
            .finish()
            .loads
        });
        (events, clusters, bytes)
    }
}

/// `a % n` for 32-bit `a` by two multiplications (Lemire, Kaser and Kurz, "Faster remainder by
/// direct computation", 2019): exact for every 32-bit `a` and `n >= 1`.
#[derive(Debug, Clone, Copy)]
struct FastMod {
    n: u64,
    inverse: u64,
}

impl FastMod {
    fn new(n: u32) -> FastMod {
        debug_assert!(n > 0);
        FastMod {
            n: u64::from(n),
            inverse: (u64::MAX / u64::from(n)).wrapping_add(1),
        }
    }

    #[inline]
    fn rem(self, a: u32) -> usize {
        let low = self.inverse.wrapping_mul(u64::from(a));
        ((u128::from(low) * u128::from(self.n)) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn fast_remainder_is_exact() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let edges = [
            0u32,
            1,
            2,
            3,
            0x7fff_ffff,
            0x8000_0000,
            u32::MAX - 1,
            u32::MAX,
        ];
        for n in (1..=1100u32).chain([65_535, 65_536, 1 << 31, u32::MAX - 1, u32::MAX]) {
            let m = FastMod::new(n);
            for &a in &edges {
                assert_eq!(m.rem(a), (a % n) as usize, "{a} % {n}");
            }
            for _ in 0..200 {
                let a: u32 = rng.gen();
                assert_eq!(m.rem(a), (a % n) as usize, "{a} % {n}");
            }
        }
    }
}
