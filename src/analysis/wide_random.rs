//! The random-placement expectation of a wide sweep, every count drawn from the same trials.
//!
//! A run over more than [`WIDE`](super::stats::WIDE) counts spends a shared trial budget
//! ([`wide_trial_limit`](super::stats::wide_trial_limit)). Drawn count by count, as a narrow run draws
//! them ([`RandomPlacement::skew`]), each trial of each count would still draw its own uniform per
//! heavy key and its own normal per partition: on `-p 1..1000` that is 73,000 trials and ~0.4e9
//! draws, most of the sweep's time. Here the counts share their trials instead (common random
//! numbers). Trial `t` draws, from its own ChaCha8 stream (the run's seed, stream `t`):
//!
//! - a 64-bit uniform `u_k` per heavy key `k` (the [`EXACT_KEYS`](super::stats::EXACT_KEYS)
//!   heaviest), then
//! - a standard normal `z_j` per partition `j` up to the largest count (Box-Muller, as a narrow run
//!   draws it), when there are light keys.
//!
//! At `n` partitions, heavy key `k` is on partition `floor(u_k n / 2^64)` (uniform up to `n / 2^64`)
//! and partition `j`'s light keys weigh `max(base_n + sd_n z_j, 0)`, the normal approximation a
//! narrow run uses. Each count's trials are then exact draws of its own random placement, so its
//! mean, p95 and standard error estimate the same quantities as a narrow run's; only the draws
//! differ, and neighbouring counts are compared on the same draws, which makes their difference
//! less noisy. A count's draws come first in each stream (the heavy keys, then the normals of its
//! partitions), so its figures do not depend on the other counts of the sweep, only on the limit.
//!
//! With the heavy keys sorted by `u_k` once per trial, their partitions at any `n` are in order, so
//! a count reads the trial in one pass: a run of keys on one partition, its sum, its load. The
//! partitions without a heavy key hold only light keys; the largest of those is at most the largest
//! `z_j` over `j < n`, kept per trial as a running maximum. A count's trial costs one pass over the
//! heavy keys, whatever `n`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::stats::{
    box_muller, one_partition, uniform_half_open, uniform_open, Adaptive, RandomPlacement,
    RandomSkew,
};

/// Mixed into the seed of the shared trials, so that their streams are not a narrow run's.
const SHARED_SEED_TAG: u64 = 0x7769_6465_5f73_7765; // "wide_swe" in ASCII

/// Memory the trials of one batch may take; a batch holds at least one trial.
const BATCH_BYTES: usize = 32 << 20;

/// The most trials drawn in one batch (drawn in parallel, then read by every count).
const MAX_BATCH: usize = 64;

/// The draws of one trial.
struct SharedTrial {
    /// Per heavy key, `(u_k, w_k)`, sorted by `u_k`.
    heavy: Vec<(u64, u64)>,
    /// Per partition `j` below the largest count: `z_j` (empty without light keys).
    z: Vec<f64>,
    /// `max(z_0..=z_j)` per `j` (empty without light keys).
    running_max: Vec<f64>,
}

/// One count's place in the shared Monte Carlo.
struct CountRun {
    n: u32,
    base: f64,
    sd: f64,
    adaptive: Adaptive,
    skews: Vec<f64>,
    result: Option<RandomSkew>,
}

impl<'a> RandomPlacement<'a> {
    /// The random expectation at every count of `counts`, in order, each count running at most
    /// `limit` trials of the shared draws (module documentation), with the adaptive stop of a narrow
    /// run. `None` at every count when disabled (`trials == 0`) or when no event is hashed.
    /// Deterministic for a given `seed`, whatever the thread count.
    pub fn skews_shared(
        &self,
        counts: &[u32],
        trials: u32,
        seed: u64,
        limit: u32,
    ) -> Vec<Option<RandomSkew>> {
        if trials == 0 || !self.hashes_any() {
            return vec![None; counts.len()];
        }
        let mut runs: Vec<CountRun> = counts
            .iter()
            .map(|&n| {
                let (base, sd) = self.tail(n.max(1));
                CountRun {
                    n,
                    base,
                    sd,
                    adaptive: Adaptive::new(trials, Some(limit)),
                    skews: Vec::new(),
                    result: (n <= 1).then(|| one_partition(trials)),
                }
            })
            .collect();
        let largest = runs
            .iter()
            .filter(|r| r.result.is_none())
            .map(|r| r.n as usize)
            .max()
            .unwrap_or(0);
        // Light keys exist when the normal's spread is above zero at any count above one.
        let normals = largest > 1 && self.tail(2).1 > 0.0;
        let per_trial = 16 * self.exact().len() + if normals { 16 * largest } else { 0 };
        let batch = (BATCH_BYTES / per_trial.max(1)).clamp(1, MAX_BATCH);
        let base_rng = ChaCha8Rng::seed_from_u64(seed ^ SHARED_SEED_TAG);
        let total = self.total() as f64;
        let mut drawn = 0u64;
        loop {
            let wanted = runs
                .iter()
                .filter(|r| r.result.is_none())
                .map(|r| r.adaptive.target as u64)
                .max();
            let Some(wanted) = wanted else { break };
            let end = wanted.min(drawn + batch as u64);
            let shared: Vec<SharedTrial> = (drawn..end)
                .into_par_iter()
                .map(|t| self.draw(&base_rng, t, if normals { largest } else { 0 }))
                .collect();
            runs.par_iter_mut()
                .filter(|r| r.result.is_none())
                .for_each(|run| {
                    for trial in &shared {
                        run.skews
                            .push(run.max_load(trial) * f64::from(run.n) / total);
                        // At its target a count stops, or raises the target and reads on.
                        if run.skews.len() == run.adaptive.target as usize {
                            if let Ok(done) = run.adaptive.step(&mut run.skews) {
                                run.result = Some(done);
                                return;
                            }
                        }
                    }
                });
            drawn = end;
        }
        runs.into_iter().map(|r| r.result).collect()
    }

    /// The draws of trial `t`: stream `t` of the run's generator, the heavy keys' uniforms first, then
    /// `partitions` normals.
    fn draw(&self, base: &ChaCha8Rng, t: u64, partitions: usize) -> SharedTrial {
        let mut rng = base.clone();
        rng.set_stream(t);
        let exact = self.exact();
        let mut words = vec![0u64; exact.len().max(2 * partitions)];
        rng.fill(&mut words[..exact.len()]);
        let mut heavy: Vec<(u64, u64)> = words.iter().copied().zip(exact.iter().copied()).collect();
        heavy.sort_unstable();
        let (mut z, mut running_max) = (Vec::new(), Vec::new());
        if partitions > 0 {
            rng.fill(&mut words[..2 * partitions]);
            z.reserve_exact(partitions);
            running_max.reserve_exact(partitions);
            let mut max = f64::NEG_INFINITY;
            for pair in words[..2 * partitions].chunks_exact(2) {
                let v = box_muller(uniform_open(pair[0]), uniform_half_open(pair[1]));
                max = max.max(v);
                z.push(v);
                running_max.push(max);
            }
        }
        SharedTrial {
            heavy,
            z,
            running_max,
        }
    }
}

impl CountRun {
    /// The largest partition load of `trial` at this count.
    ///
    /// One pass over the heavy keys in partition order without a branch per key: each key adds to
    /// its partition's running sum (restarted where the partition changes), and every running sum
    /// is a candidate. The last of a partition's sums is its heavy load and the largest of them
    /// (weights are not negative), so the largest candidate is the largest heavy partition's load.
    fn max_load(&self, trial: &SharedTrial) -> f64 {
        let n = u64::from(self.n);
        let heavy = &trial.heavy[..];
        if trial.z.is_empty() {
            // No light keys: every partition's light load is `base`.
            let mut max_sum = 0u64;
            let (mut previous, mut sum) = (u64::MAX, 0u64);
            for &(u, w) in heavy {
                let partition = partition_of(u, n);
                sum = if partition == previous { sum + w } else { w };
                previous = partition;
                max_sum = max_sum.max(sum);
            }
            return self.base + max_sum as f64;
        }
        let z = &trial.z[..self.n as usize];
        // Partitions without a heavy key: the largest light load is at the largest z below n.
        let mut max = (self.base + self.sd * trial.running_max[self.n as usize - 1]).max(0.0);
        let (mut previous, mut sum) = (u64::MAX, 0u64);
        for &(u, w) in heavy {
            let partition = partition_of(u, n);
            sum = if partition == previous { sum + w } else { w };
            previous = partition;
            let light = (self.base + self.sd * z[partition as usize]).max(0.0);
            max = max.max(light + sum as f64);
        }
        max
    }
}

/// The partition of uniform `u` among `n`: `floor(u n / 2^64)`, nondecreasing in `u`.
#[inline]
fn partition_of(u: u64, n: u64) -> u64 {
    ((u128::from(u) * u128::from(n)) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zipf(keys: u64) -> Vec<u64> {
        (1..=keys).map(|r| 1 + 5_000_000 / r).collect()
    }

    /// The shared Monte Carlo as documented, computed plainly with `rand`'s own draws: per trial `t`
    /// stream `t`, `gen::<u64>()` per heavy key then a Box-Muller normal per partition up to the
    /// largest count, every partition's load summed; the adaptive stop of a narrow run under
    /// `limit`. Returns `(mean, p95, se, trials)` per count.
    fn reference(
        weights: &[u64],
        spread: u64,
        counts: &[u32],
        trials: u32,
        seed: u64,
        limit: u32,
    ) -> Vec<(f64, f64, f64, u32)> {
        use crate::analysis::stats::{
            max_trials, quantile_with_se, standard_normal, DEFAULT_TRIALS, EXACT_KEYS,
            P95_RELATIVE_SE,
        };
        let total: u64 = weights.iter().sum::<u64>() + spread;
        let exact = &weights[..weights.len().min(EXACT_KEYS)];
        let tail = &weights[exact.len()..];
        let largest = *counts.iter().max().unwrap() as usize;
        let tail_total: f64 = tail.iter().map(|&w| w as f64).sum();
        let tail_sq: f64 = tail.iter().map(|&w| (w as f64) * (w as f64)).sum();
        let draws = |t: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ SHARED_SEED_TAG);
            rng.set_stream(t);
            let u: Vec<u64> = exact.iter().map(|_| rng.gen::<u64>()).collect();
            let z: Vec<f64> = if tail_sq > 0.0 {
                (0..largest).map(|_| standard_normal(&mut rng)).collect()
            } else {
                Vec::new()
            };
            (u, z)
        };
        counts
            .iter()
            .map(|&n| {
                let nf = f64::from(n);
                let base = tail_total / nf + spread as f64 / nf;
                let sd = (tail_sq * (1.0 / nf) * (1.0 - 1.0 / nf)).sqrt();
                let trial = |t: u64| {
                    let (u, z) = draws(t);
                    let mut heavy = vec![0u64; n as usize];
                    for (&u, &w) in u.iter().zip(exact) {
                        heavy[((u128::from(u) * u128::from(n)) >> 64) as usize] += w;
                    }
                    let max = (0..n as usize)
                        .map(|j| {
                            let light = if z.is_empty() {
                                base
                            } else {
                                (base + sd * z[j]).max(0.0)
                            };
                            light + heavy[j] as f64
                        })
                        .fold(0.0, f64::max);
                    max * nf / total as f64
                };
                let cap = max_trials(trials).min(limit);
                let mut skews: Vec<f64> = (0..u64::from(trials.min(cap))).map(trial).collect();
                loop {
                    let mut sorted = skews.clone();
                    sorted.sort_by(f64::total_cmp);
                    let (p95, se) = quantile_with_se(&sorted, 0.95);
                    if se <= P95_RELATIVE_SE * p95 || skews.len() >= cap as usize {
                        let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
                        return (mean, p95, se, skews.len() as u32);
                    }
                    let more = DEFAULT_TRIALS.min(cap - skews.len() as u32);
                    let from = skews.len() as u64;
                    skews.extend((from..from + u64::from(more)).map(trial));
                }
            })
            .collect()
    }

    /// The fast evaluation (sorted heavy keys, running maximum of the normals, batches drawn in
    /// parallel) gives the plain computation's numbers bit for bit, adaptive stop included.
    #[test]
    fn shared_trials_are_the_documented_monte_carlo() {
        let cases: Vec<(Vec<u64>, u64)> = vec![
            (zipf(3_000), 0),
            (zipf(3_000), 50_000),
            (vec![900, 500, 500, 20, 7, 7, 1], 0),
            (vec![10; 2_500], 0),
        ];
        let counts = [2, 3, 12, 17, 100, 640];
        for (weights, spread) in &cases {
            let keys = RandomPlacement::new(weights, *spread);
            for limit in [73, 500] {
                let got = keys.skews_shared(&counts, 200, 11, limit);
                let want = reference(weights, *spread, &counts, 200, 11, limit);
                for ((n, got), want) in counts.iter().zip(got).zip(want) {
                    let got = got.unwrap();
                    assert_eq!(
                        (got.mean, got.p95, got.p95_se, got.trials),
                        want,
                        "n={n} limit={limit}"
                    );
                }
            }
        }
    }

    /// The shared trials estimate what a narrow run estimates: at every count the means agree within
    /// a few standard errors of their difference, on heavy-headed and flat key sets.
    #[test]
    fn shared_trials_agree_with_narrow_runs() {
        let flat: Vec<u64> = vec![10; 50_000];
        for weights in [zipf(30_000), flat, vec![900, 500, 500, 20, 7, 7, 1]] {
            let keys = RandomPlacement::new(&weights, 1_000);
            let counts = [2, 3, 7, 12, 48, 100, 999];
            let shared = keys.skews_shared(&counts, 200, 5, 400);
            for (&n, wide) in counts.iter().zip(&shared) {
                let wide = wide.unwrap();
                let narrow = keys.skew(n, 200, 5).unwrap();
                assert_eq!(wide.limit, Some(400));
                assert!(wide.trials <= 400);
                // The p95's spread is a fair scale for the mean's, too; with a handful of keys the
                // p95 is one of few values (error 0), and 1% of the mean is the scale.
                let tolerance = 4.0 * (wide.p95_se + narrow.p95_se) + 0.01 * narrow.mean;
                assert!(
                    (wide.mean - narrow.mean).abs() <= tolerance,
                    "n={n}: {wide:?} against {narrow:?}"
                );
                assert!(
                    (wide.p95 - narrow.p95).abs() <= 2.0 * tolerance,
                    "n={n}: {wide:?} against {narrow:?}"
                );
            }
        }
    }

    /// A count's figures depend on the seed and the limit, not on the other counts of the sweep nor on
    /// the thread count.
    #[test]
    fn a_count_does_not_depend_on_the_rest_of_the_sweep() {
        let weights = zipf(20_000);
        let keys = RandomPlacement::new(&weights, 0);
        let all = keys.skews_shared(&[1, 12, 100, 1000, 5], 200, 9, 150);
        let alone = keys.skews_shared(&[100], 200, 9, 150);
        assert_eq!(all[2], alone[0]);
        let few = keys.skews_shared(&[5, 12], 200, 9, 150);
        assert_eq!((all[4], all[1]), (few[0], few[1]));
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| keys.skews_shared(&[1, 12, 100, 1000, 5], 200, 9, 150));
        assert_eq!(all, one_thread);
        assert_eq!(all[0].unwrap().mean, 1.0);
        assert_ne!(all[2], keys.skews_shared(&[100], 200, 10, 150)[0]);
    }

    /// Limits and the adaptive stop: never above the limit; a limit above the adaptive stop changes
    /// nothing; nothing hashed or no trials, nothing drawn.
    #[test]
    fn limits_and_edges() {
        let weights = zipf(5_000);
        let keys = RandomPlacement::new(&weights, 0);
        for limit in [73, 200, 1882] {
            for r in keys.skews_shared(&[2, 24, 500], 200, 1, limit) {
                let r = r.unwrap();
                assert!(r.trials <= limit && r.trials >= 73.min(limit), "{r:?}");
                assert!(r.p95 >= 1.0 && r.mean >= 1.0 && r.p95_se >= 0.0, "{r:?}");
            }
        }
        assert_eq!(keys.skews_shared(&[2, 3], 0, 1, 100), vec![None, None]);
        let none = RandomPlacement::new(&[], 100);
        assert_eq!(none.skews_shared(&[2, 3], 200, 1, 100), vec![None, None]);
        // One heavy key and nothing else: the largest load is that key, at every count.
        let single = RandomPlacement::new(&[40], 0);
        for r in single.skews_shared(&[2, 17], 200, 1, 100) {
            let r = r.unwrap();
            assert_eq!((r.mean, r.p95, r.p95_se), (r.mean, r.mean, 0.0));
        }
        // Spread events only dilute: with them the largest share is smaller.
        let diluted = RandomPlacement::new(&[40], 40);
        let r = diluted.skews_shared(&[4], 200, 1, 100)[0].unwrap();
        assert_eq!(r.mean, (40.0 + 10.0) * 4.0 / 80.0);
    }
}
