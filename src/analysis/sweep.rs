//! Placement of every key at many partition counts in one pass over the keys.
//!
//! Every client but Kinesis maps a key by `reduce(hash) % n` (a sign rule, then the remainder), and
//! what it does with a key besides hashing it (refuse it, spread it) does not depend on `n` once
//! `n > 1`. So the keys are prepared once per partitioner: the reduced 32-bit hash, the weight and
//! the bytes of every hashed key, in key order (the weights and bytes are the distribution's own
//! columns when the client hashes every key), plus the n-independent totals of the others. Then
//! each count only takes remainders (by multiplication, [`FastMod`]) and adds; the
//! counts of a group walk the keys together, a cache-sized chunk at a time, so the keys are read
//! from memory once per group rather than once per count.
//!
//! The sums are those of the per-scenario placement, in the same order (key order within each
//! partition), so every load and every floating-point sum of squares is bit for bit the same.
//!
//! A count that divides another count of the run is not placed at all but folded from it: a key on
//! partition `h % m` is on `(h % m) % n = h % n` when `n` divides `m`, so partition `i` of `n` holds
//! what partitions `i, i + n, i + 2n, ...` of `m` hold. Loads and bytes are integers, whose sums do
//! not depend on their order; the squared weights are summed in floating point, so folding is used
//! only when the sum of every hashed key's squared weight is at most 2^53: then every partial sum,
//! in any order, is an integer that `f64` holds exactly, and the folded sums are the placed ones bit
//! for bit. On `-p 1..1000` only 501..1000 are placed; the counts up to 500 are folded.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;

use super::stats::{square, KeyClusters, EXACT_F64};
use super::{HashColumn, LoadAccumulator, PartitionLoads};
use crate::model::{KeyDistribution, PartitionCount};
use crate::partitioner::{Mapping, Partitioner, Treatment};

/// Keys of a chunk: small enough that a chunk's columns stay in the L2 cache while every count of a
/// group reads them (4,096 keys x 12 bytes, 20 with sizes).
const CHUNK: usize = 4096;

/// Counts placed together in one pass over the keys: enough to share each read of a chunk, few
/// enough that the groups balance over the threads.
const GROUP: usize = 8;

/// One scenario's placement: event loads, the key-clustered interval's sums of squares, byte loads.
pub(crate) type Placed = (PartitionLoads, KeyClusters, Option<Vec<u64>>);

/// The keys of one partitioner, prepared for placing at any count above one.
///
/// The squared weights are not kept: [`place`](Self::place) squares a chunk's weights at a time (the
/// same `f64` products). Keeping them cost a third more memory on a million keys, all of it fresh.
pub(crate) struct SweepKeys<'a> {
    /// Per hashed key, in key order: the hash after the sign rule, whose remainder is the partition.
    reduced: Vec<u32>,
    /// Per hashed key: its weight and bytes (borrowed from the distribution when every key is hashed).
    weights: Cow<'a, [u64]>,
    bytes: Option<Cow<'a, [u64]>>,
    /// Keys the client spreads: their events, bytes and sum of squared weights (in key order).
    spread_events: u64,
    spread_bytes: u64,
    spread_squares: f64,
    /// Keys the client refuses.
    rejected_events: u64,
    rejected_keys: u64,
    /// True when the hashed keys' squared weights sum to at most 2^53, so that their floating-point
    /// sums are exact in any order and counts may be folded from their multiples.
    exact_squares: bool,
}

impl<'a> SweepKeys<'a> {
    /// Prepares `dist` for `partitioner`, with the keys' `hashes` under its family; `None` when the
    /// client does not map by remainder (Kinesis' hash-key ranges).
    pub(crate) fn prepare(
        dist: &'a KeyDistribution,
        hashes: &HashColumn,
        partitioner: Partitioner,
    ) -> Option<SweepKeys<'a>> {
        let Mapping::Modulo(rule) = partitioner.behaviour().mapping else {
            return None;
        };
        let mut keys = SweepKeys {
            reduced: Vec::with_capacity(dist.distinct()),
            weights: Cow::Borrowed(dist.weights()),
            bytes: dist.bytes().map(Cow::Borrowed),
            spread_events: 0,
            spread_bytes: 0,
            spread_squares: 0.0,
            rejected_events: 0,
            rejected_keys: 0,
            exact_squares: false,
        };
        let exact_square = |w: u64| u128::from(w) * u128::from(w);
        // 32-bit families: the hash is the raw u32 zero-extended, so truncation is exact.
        if partitioner.hashes_every_key() {
            keys.reduced
                .extend(hashes.iter().map(|hash| rule.reduce(hash as u32)));
            let square_total = dist
                .weights()
                .iter()
                .fold(0u128, |t, &w| t.saturating_add(exact_square(w)));
            keys.exact_squares = square_total <= EXACT_F64;
            return Some(keys);
        }
        let (mut weights, mut kept_bytes) = (Vec::new(), dist.bytes().map(|_| Vec::new()));
        let mut square_total: u128 = 0;
        let bytes = dist.bytes();
        for (k, ((key, &w), hash)) in dist
            .keys()
            .iter()
            .zip(dist.weights())
            .zip(hashes.iter())
            .enumerate()
        {
            let sq = square(w);
            let b = bytes.map_or(0, |b| b[k]);
            match partitioner.treatment(key) {
                Treatment::Hashed => {
                    keys.reduced.push(rule.reduce(hash as u32));
                    square_total = square_total.saturating_add(exact_square(w));
                    weights.push(w);
                    if let Some(out) = kept_bytes.as_mut() {
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
        keys.weights = Cow::Owned(weights);
        keys.bytes = kept_bytes.map(Cow::Owned);
        keys.exact_squares = square_total <= EXACT_F64;
        Some(keys)
    }

    /// The placement at every count of `counts` (each above one), in order.
    pub(crate) fn place(&self, counts: &[PartitionCount]) -> Vec<Placed> {
        debug_assert!(counts.iter().all(|n| n.get() > 1));
        let mut distinct: Vec<u32> = counts.iter().map(|n| n.get()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        // Each count folded from its smallest multiple in the run, when folding is exact.
        let source = |n: u32| -> Option<u32> {
            if !self.exact_squares {
                return None;
            }
            (2..)
                .map_while(|k| n.checked_mul(k))
                .take_while(|&m| m <= *distinct.last().expect("counts are not empty"))
                .find(|m| distinct.binary_search(m).is_ok())
        };
        let roots: Vec<PartitionCount> = distinct
            .iter()
            .filter(|&&n| source(n).is_none())
            .map(|&n| PartitionCount::new(u64::from(n)).expect("counts above one"))
            .collect();
        let placed: Vec<Sums> = roots
            .par_chunks(GROUP)
            .flat_map_iter(|group| {
                let mut sums: Vec<Sums> = group.iter().map(|&n| Sums::new(n, self)).collect();
                let len = self.reduced.len();
                // The chunk's squared weights, once for the group's counts.
                let mut squares = Vec::with_capacity(CHUNK.min(len));
                let mut start = 0;
                while start < len {
                    let end = (start + CHUNK).min(len);
                    squares.clear();
                    squares.extend(self.weights[start..end].iter().map(|&w| square(w)));
                    for s in sums.iter_mut() {
                        s.add(self, start, end, &squares);
                    }
                    start = end;
                }
                sums
            })
            .collect();
        let mut by_count: BTreeMap<u32, Sums> = roots.iter().map(|n| n.get()).zip(placed).collect();
        // Largest first, so that every multiple is there before the counts it folds to.
        for &n in distinct.iter().rev() {
            if let Some(m) = source(n) {
                let folded = by_count[&m].fold(n);
                by_count.insert(n, folded);
            }
        }
        counts
            .iter()
            .map(|n| by_count[&n.get()].finish(self))
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
    fn add(&mut self, keys: &SweepKeys, start: usize, end: usize, squares: &[f64]) {
        let reduced = &keys.reduced[start..end];
        let weights = &keys.weights[start..end];
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

    /// The sums at `n`, a divisor of this count: partition `i` of `n` holds partitions `i + j n`.
    fn fold(&self, n: u32) -> Sums {
        let n = n as usize;
        Sums {
            modulus: FastMod::new(n as u32),
            loads: fold_into(&self.loads, n),
            squares: fold_into(&self.squares, n),
            bytes: self.bytes.as_deref().map(|b| fold_into(b, n)),
        }
    }

    fn finish(&self, keys: &SweepKeys) -> Placed {
        let events = LoadAccumulator {
            placed: PartitionLoads {
                loads: self.loads.clone(),
                rejected_events: keys.rejected_events,
                rejected_keys: keys.rejected_keys,
                spread_events: 0,
            },
            random: keys.spread_events,
        }
        .finish();
        let clusters = KeyClusters {
            squares: self.squares.clone(),
            spread_squares: keys.spread_squares,
        };
        let bytes = self.bytes.clone().map(|loads| {
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

/// Per-partition sums of a multiple's `from` at its divisor `n`: element `i` sums `from[i + j n]`,
/// in order of `j`.
fn fold_into<T: Copy + Default + std::ops::AddAssign>(from: &[T], n: usize) -> Vec<T> {
    let mut out = vec![T::default(); n];
    for part in from.chunks_exact(n) {
        for (o, &v) in out.iter_mut().zip(part) {
            *o += v;
        }
    }
    out
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

    /// Counts folded from their multiples give what placing each count alone gives, bit for bit,
    /// bytes included; with squared weights past 2^53 nothing is folded, and the result is again
    /// each count's own placement. librdkafka spreads the empty key, so its keys are the hashed ones
    /// only (a copy of their columns), where Java and sarama hash every key (the columns borrowed).
    #[test]
    fn folded_counts_are_placed_counts() {
        use crate::analysis::KeyHashes;
        use crate::model::KeyDistribution;
        let names: Vec<String> = std::iter::once(String::new())
            .chain((0..5_000).map(|i| format!("key-{i}")))
            .collect();
        for heavy in [3_000u64, 200_000_000] {
            let pairs = names.iter().enumerate().map(|(i, k)| {
                (
                    k.as_bytes(),
                    1 + (i as u64 * 7919) % 97 + heavy / (1 + i as u64),
                )
            });
            let dist = KeyDistribution::from_pairs(pairs);
            let bytes = (0..dist.distinct() as u64).map(|i| 100 + i % 13).collect();
            let dist = KeyDistribution::from_sorted_columns(
                dist.keys().clone(),
                dist.weights().to_vec(),
                dist.total(),
                Some(bytes),
                None,
            );
            for partitioner in [
                Partitioner::Java,
                Partitioner::Sarama,
                Partitioner::Librdkafka,
            ] {
                let hashes = KeyHashes::compute(&dist, &[partitioner]);
                let keys = SweepKeys::prepare(&dist, hashes.get(partitioner.family()), partitioner)
                    .unwrap();
                assert_eq!(keys.exact_squares, heavy < 1_000_000, "{heavy}");
                let counts: Vec<PartitionCount> = [24, 2, 3, 4, 6, 7, 8, 12, 48, 96, 5, 96, 1000]
                    .iter()
                    .map(|&n| PartitionCount::new(n).unwrap())
                    .collect();
                let together = keys.place(&counts);
                for (&n, got) in counts.iter().zip(&together) {
                    let alone = keys.place(&[n]).remove(0);
                    assert_eq!(got, &alone, "n={n} heavy={heavy}");
                    let direct = super::super::place_with_squares(
                        &dist,
                        hashes.get(partitioner.family()),
                        partitioner,
                        n,
                    );
                    assert_eq!(got, &direct, "n={n} heavy={heavy}");
                }
            }
        }
    }

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
