//! Honest statistics for one scenario: how sure the sample lets us be, and how much of the skew is
//! hashing luck.
//!
//! - **Confidence interval** for `max_share` (and so for `skew = max_share * n`): the sample is treated
//!   as a random draw of events, so partition counts are multinomial. The hottest partition's share gets
//!   a Clopper-Pearson interval with a Bonferroni correction over the `n` partitions (the hottest one is
//!   picked after looking at all of them): confidence `1 - alpha / n` for that partition, which keeps the
//!   family-wise level at `1 - alpha`. Assumption worth stating: events of one key are not independent
//!   draws in real traffic (a key's events arrive together), so with few, heavy keys the true uncertainty
//!   is larger than this interval.
//! - **Random expectation**: the same key weights placed uniformly at random over `n` partitions, by
//!   seeded Monte Carlo. If the real hash's skew is above the random p95, this key set is unlucky under
//!   this hash; if it is near the random mean, the skew is what any hash would give.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

/// Family-wise error rate of the reported intervals (95% confidence).
pub const ALPHA: f64 = 0.05;

/// A sample is "too small to tell" when the skew interval's half-width exceeds this fraction of the
/// observed skew: the data cannot then separate, say, a skew of 1.3 from one of 1.6.
pub const MAX_RELATIVE_HALF_WIDTH: f64 = 0.10;

/// Monte Carlo trials for the random-placement expectation, and the size of each further batch: the
/// run continues in batches until the p95's standard error is below [`P95_RELATIVE_SE`] of it.
pub const DEFAULT_TRIALS: u32 = 200;

/// The Monte Carlo stops once the standard error of the random p95 is below this fraction of it: the
/// p95 of 200 trials moved 1.8-4.7% between seeds on skewed key sets, too much to call a scenario
/// `worse` near the boundary.
pub const P95_RELATIVE_SE: f64 = 0.005;

/// The most trials the adaptive Monte Carlo runs per partition count, as a multiple of `--trials`:
/// it stops there even when the p95 is still noisier than [`P95_RELATIVE_SE`], and reports the error.
pub const MAX_TRIALS_FACTOR: u32 = 10;

/// The most trials one random expectation runs for a `--trials` setting.
pub fn max_trials(trials: u32) -> u32 {
    trials.saturating_mul(MAX_TRIALS_FACTOR)
}

/// The heaviest keys placed one by one in each Monte Carlo trial; lighter keys are summed per partition
/// by a normal approximation (their count makes the central limit theorem apply).
pub const EXACT_KEYS: usize = 2_000;

/// Default `--seed`: results are reproducible unless the user asks for another draw.
pub const DEFAULT_SEED: u64 = 0x006b_6579_706c_616e; // "keyplan" in ASCII

/// Settings of the statistical analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsSettings {
    /// Monte Carlo trials (0 disables the random expectation).
    pub trials: u32,
    /// Seed of every random draw.
    pub seed: u64,
    /// How the confidence interval of `max_share` is computed.
    pub interval: IntervalMethod,
}

impl Default for StatsSettings {
    fn default() -> Self {
        StatsSettings {
            trials: DEFAULT_TRIALS,
            seed: DEFAULT_SEED,
            interval: IntervalMethod::KeyClustered,
        }
    }
}

/// How the confidence interval of the hottest partition's share is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// Keys are the sampling units (a cluster-robust, bootstrap-over-keys variance): right when a
    /// key's events arrive together (bursts) or the weight column is not an event count. The
    /// default.
    #[default]
    KeyClustered,
    /// Events are independent draws (multinomial counts, Clopper-Pearson): too narrow when events
    /// come in bursts; conservative (about 99.8% for a nominal 95%) when they really are independent.
    Multinomial,
}

impl IntervalMethod {
    /// The name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            IntervalMethod::KeyClustered => "key-clustered",
            IntervalMethod::Multinomial => "multinomial",
        }
    }
}

/// Per-partition sums of squared key weights: what a key-clustered interval needs besides the loads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyClusters {
    /// `sum over keys k on partition i of w_k^2`, per partition.
    pub squares: Vec<f64>,
    /// `sum of w_k^2` over keys the client spreads evenly (each contributes `w_k / n` everywhere).
    pub spread_squares: f64,
}

/// The key-clustered interval of the largest share: each partition's share `s_i = L_i / T` gets the
/// cluster-robust (delta-method, first-order bootstrap-over-keys) variance
/// `V_i = [A_i - 2 s_i C_i + s_i^2 Q] / T^2`, with `A_i` the sum of squared contributions of keys to
/// partition i, `C_i` the sum of `contribution x weight`, and `Q` the sum of squared weights; the
/// intervals `s_i -+ z sqrt(V_i)` at `z = Phi^-1(1 - alpha / 2n)` (Bonferroni) hold together, so
/// `[max_i low_i, max_i high_i]` covers the largest share.
pub fn clustered_interval(
    loads: &[u64],
    total: u64,
    clusters: &KeyClusters,
    alpha: f64,
) -> (f64, f64) {
    if total == 0 {
        return (f64::NAN, f64::NAN);
    }
    let n = loads.len().max(1) as f64;
    let t = total as f64;
    let spread_a = clusters.spread_squares / (n * n);
    let spread_c = clusters.spread_squares / n;
    let q: f64 = clusters.squares.iter().sum::<f64>() + clusters.spread_squares;
    let z = Normal::new(0.0, 1.0)
        .expect("the standard normal exists")
        .inverse_cdf(1.0 - alpha / (2.0 * n));
    let (mut low, mut high) = (0.0f64, 0.0f64);
    for (&l, &sq) in loads.iter().zip(&clusters.squares) {
        let s = l as f64 / t;
        let (a, c) = (sq + spread_a, sq + spread_c);
        let var = ((a - 2.0 * s * c + s * s * q) / (t * t)).max(0.0);
        let half = z * var.sqrt();
        low = low.max(s - half);
        high = high.max(s + half);
    }
    // The largest of n shares summing to 1 is at least 1/n.
    (low.max(1.0 / n), high.min(1.0))
}

/// Interval and random-placement statistics of one scenario. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioStats {
    /// 95% family-wise confidence interval of `max_share`, `[low, high]`.
    #[serde(deserialize_with = "nan_pair_if_null")]
    pub max_share_ci: [f64; 2],
    /// The same interval scaled to skew (`max_share * n`).
    #[serde(deserialize_with = "nan_pair_if_null")]
    pub skew_ci: [f64; 2],
    /// True when the skew interval is wider than +-10% of the observed skew: the sample cannot support a
    /// precise conclusion, collect more events.
    pub sample_too_small: bool,
    /// Mean skew when the same key weights are placed uniformly at random (`null` when disabled).
    pub expected_skew_random: Option<f64>,
    /// 95th percentile of that random skew.
    pub expected_skew_random_p95: Option<f64>,
    /// Standard error of `expected_skew_random_p95` (from the order statistics around it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_skew_random_p95_se: Option<f64>,
    /// Monte Carlo trials run for the random expectation (until the p95's standard error fell below
    /// 0.5% of it, or the cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_trials: Option<u32>,
    /// True when the observed skew is above the random p95 by more than twice its standard error: this
    /// hash is unlucky for this key set at this partition count, and a neighbouring count may do
    /// markedly better.
    pub worse_than_random: Option<bool>,
}

/// Computes the statistics of a scenario with loads `loads` and total `total`, with the multinomial
/// interval. `random` is the precomputed random expectation for this partition count.
pub fn scenario_stats(loads: &[u64], total: u64, random: Option<RandomSkew>) -> ScenarioStats {
    scenario_stats_with(loads, total, None, random)
}

/// As [`scenario_stats`], with the key-clustered interval when `clusters` is given.
pub fn scenario_stats_with(
    loads: &[u64],
    total: u64,
    clusters: Option<&KeyClusters>,
    random: Option<RandomSkew>,
) -> ScenarioStats {
    let n = loads.len().max(1) as f64;
    let max = loads.iter().copied().max().unwrap_or(0);
    let (low, high) = match clusters {
        Some(c) => clustered_interval(loads, total, c, ALPHA),
        None => clopper_pearson(max, total, ALPHA / n),
    };
    let skew = if total == 0 {
        1.0
    } else {
        max as f64 * n / total as f64
    };
    let half_width = (high - low) * n / 2.0;
    ScenarioStats {
        max_share_ci: [low, high],
        skew_ci: [low * n, high * n],
        sample_too_small: half_width > MAX_RELATIVE_HALF_WIDTH * skew,
        expected_skew_random: random.map(|r| r.mean),
        expected_skew_random_p95: random.map(|r| r.p95),
        expected_skew_random_p95_se: random.map(|r| r.p95_se),
        random_trials: random.map(|r| r.trials),
        worse_than_random: random.map(|r| skew > r.p95 + 2.0 * r.p95_se),
    }
}

/// Statistics of a scenario without a hashed event: no interval and no comparison (NaN, `null` in
/// JSON).
pub fn undefined_stats() -> ScenarioStats {
    ScenarioStats {
        max_share_ci: [f64::NAN; 2],
        skew_ci: [f64::NAN; 2],
        sample_too_small: false,
        expected_skew_random: None,
        expected_skew_random_p95: None,
        expected_skew_random_p95_se: None,
        random_trials: None,
        worse_than_random: None,
    }
}

/// Reads an interval that JSON may hold as `[null, null]` (undefined) back as NaN.
fn nan_pair_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f64; 2], D::Error> {
    let pair = <[Option<f64>; 2]>::deserialize(d)?;
    Ok(pair.map(|v| v.unwrap_or(f64::NAN)))
}

/// Exact (Clopper-Pearson) two-sided interval for a binomial proportion `x / t` at level `1 - alpha`.
pub fn clopper_pearson(x: u64, t: u64, alpha: f64) -> (f64, f64) {
    if t == 0 {
        return (0.0, 1.0);
    }
    let (xf, tf) = (x as f64, t as f64);
    let low = if x == 0 {
        0.0
    } else {
        beta_quantile(xf, tf - xf + 1.0, alpha / 2.0)
    };
    let high = if x == t {
        1.0
    } else {
        beta_quantile(xf + 1.0, tf - xf, 1.0 - alpha / 2.0)
    };
    (low, high)
}

/// The `p` quantile of Beta(a, b) by bisection to a relative precision of 1e-10: statrs' generic
/// inverse stops at an absolute 1e-5 or so, too coarse for shares of a large sample.
fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    let dist = match Beta::new(a, b) {
        Ok(d) => d,
        Err(_) => return f64::NAN,
    };
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if dist.cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-10 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Skew under uniformly random placement of the sample's key weights.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomSkew {
    /// Mean over the trials.
    pub mean: f64,
    /// 95th percentile over the trials.
    pub p95: f64,
    /// Standard error of `p95`.
    pub p95_se: f64,
    /// Trials run.
    pub trials: u32,
}

/// Monte Carlo estimate of the skew when the keys with `weights` (heaviest first) are placed uniformly
/// at random on `n` partitions, plus `spread` events the client spreads evenly (keys it does not
/// hash). Runs `trials` trials, then batches of [`DEFAULT_TRIALS`] until the p95's standard error is
/// below [`P95_RELATIVE_SE`] of it or [`max_trials`] is reached. Deterministic for a given `seed`,
/// whatever the thread count. `None` when disabled (`trials == 0`) or when no event is hashed.
pub fn random_skew(
    weights: &[u64],
    spread: u64,
    n: u32,
    trials: u32,
    seed: u64,
) -> Option<RandomSkew> {
    let hashed: u64 = weights.iter().sum();
    let total = hashed + spread;
    if trials == 0 || hashed == 0 {
        return None;
    }
    if n == 1 {
        return Some(RandomSkew {
            mean: 1.0,
            p95: 1.0,
            p95_se: 0.0,
            trials,
        });
    }
    let nf = f64::from(n);
    let exact = &weights[..weights.len().min(EXACT_KEYS)];
    let tail = &weights[exact.len()..];
    let tail_total: f64 = tail.iter().map(|&w| w as f64).sum();
    let tail_sq: f64 = tail.iter().map(|&w| (w as f64) * (w as f64)).sum();
    // Each tail key lands on a given partition with probability 1/n: the partition's tail load has
    // mean tail_total/n and variance sum(w^2) (1/n)(1 - 1/n). Spread events add spread/n everywhere.
    let base = tail_total / nf + spread as f64 / nf;
    let tail_sd = (tail_sq * (1.0 / nf) * (1.0 - 1.0 / nf)).sqrt();
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut loads = vec![0f64; n as usize];
    let mut trial = |rng: &mut ChaCha8Rng| {
        loads.fill(base);
        if tail_sd > 0.0 {
            for load in loads.iter_mut() {
                *load = (*load + tail_sd * standard_normal(rng)).max(0.0);
            }
        }
        for &w in exact {
            loads[rng.gen_range(0..n as usize)] += w as f64;
        }
        let max = loads.iter().copied().fold(0.0, f64::max);
        max * nf / total as f64
    };
    let cap = max_trials(trials).max(trials);
    let mut skews: Vec<f64> = (0..trials).map(|_| trial(&mut rng)).collect();
    loop {
        skews.sort_by(f64::total_cmp);
        let (p95, se) = quantile_with_se(&skews, 0.95);
        let done = se <= P95_RELATIVE_SE * p95 || skews.len() >= cap as usize;
        if done {
            let mean = skews.iter().sum::<f64>() / skews.len() as f64;
            return Some(RandomSkew {
                mean,
                p95,
                p95_se: se,
                trials: skews.len() as u32,
            });
        }
        let more = DEFAULT_TRIALS.min(cap - skews.len() as u32);
        skews.extend((0..more).map(|_| trial(&mut rng)));
    }
}

/// The `q` quantile of sorted `values` (the ceil(m q)-th value) and its standard error, from the
/// distribution-free 95% interval of that quantile: order statistics at ranks
/// `m q -+ 1.96 sqrt(m q (1 - q))`, whose half-width is about 1.96 standard errors.
pub fn quantile_with_se(sorted: &[f64], q: f64) -> (f64, f64) {
    let m = sorted.len();
    let at = |rank: f64| sorted[(rank.ceil() as usize).clamp(1, m) - 1];
    let mf = m as f64;
    let half = 1.96 * (mf * q * (1.0 - q)).sqrt();
    let value = at(mf * q);
    let se = (at(mf * q + half) - at(mf * q - half)) / (2.0 * 1.96);
    (value, se)
}

/// A standard normal draw (Box-Muller).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_known_values() {
        // Reference values from R: binom.test(5, 10)$conf.int, binom.test(0, 100)$conf.int.
        let (lo, hi) = clopper_pearson(5, 10, 0.05);
        assert!((lo - 0.187_086_028).abs() < 1e-6, "{lo}");
        assert!((hi - 0.812_913_972).abs() < 1e-6, "{hi}");
        let (lo, hi) = clopper_pearson(0, 100, 0.05);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.036_216_613).abs() < 1e-6, "{hi}");
        assert_eq!(clopper_pearson(7, 7, 0.05).1, 1.0);
    }

    #[test]
    fn interval_contains_estimate_and_narrows_with_size() {
        let small = scenario_stats(&[60, 40], 100, None);
        let large = scenario_stats(&[600_000, 400_000], 1_000_000, None);
        for s in [&small, &large] {
            assert!(s.max_share_ci[0] <= 0.6 && 0.6 <= s.max_share_ci[1]);
        }
        assert!(small.sample_too_small);
        assert!(!large.sample_too_small);
    }

    #[test]
    fn random_skew_is_reproducible_and_sane() {
        let weights: Vec<u64> = (1..=5000).rev().collect();
        let a = random_skew(&weights, 0, 12, 100, 7).unwrap();
        assert_eq!(Some(a), random_skew(&weights, 0, 12, 100, 7));
        assert!(a.mean >= 1.0 && a.p95 >= a.mean && a.p95 < 1.5, "{a:?}");
        // One dominant key: random placement cannot beat the hot-key floor.
        let hot = random_skew(&[1000, 1, 1], 0, 10, 50, 1).unwrap();
        assert!(hot.mean > 9.0);
        assert_eq!(random_skew(&[5], 0, 1, 10, 1).unwrap().mean, 1.0);
        assert!(random_skew(&[5], 0, 4, 0, 1).is_none());
        // Spread events dilute: a hot key among spread events cannot be compared with nothing hashed.
        assert!(random_skew(&[], 100, 4, 10, 1).is_none());
        let diluted = random_skew(&[1000, 1, 1], 1000, 10, 50, 1).unwrap();
        assert!(diluted.mean < hot.mean);
    }

    /// The Monte Carlo runs until the p95 is known to 0.5% (or the cap), and says how well it knows it.
    #[test]
    fn random_p95_is_run_to_its_precision() {
        let weights: Vec<u64> = (1..=3000u64).rev().map(|r| 100_000 / r).collect();
        let r = random_skew(&weights, 0, 48, 200, 1).unwrap();
        assert!(r.trials >= 200 && r.trials <= max_trials(200));
        assert!(
            r.p95_se <= P95_RELATIVE_SE * r.p95 || r.trials == max_trials(200),
            "{r:?}"
        );
        // Two seeds agree within a few standard errors.
        let other = random_skew(&weights, 0, 48, 200, 2).unwrap();
        assert!(
            (r.p95 - other.p95).abs() <= 4.0 * (r.p95_se + other.p95_se),
            "{r:?} {other:?}"
        );
        let sorted: Vec<f64> = (1..=1000).map(f64::from).collect();
        let (q, se) = quantile_with_se(&sorted, 0.95);
        assert_eq!(q, 950.0);
        assert!(se > 5.0 && se < 8.0, "{se}");
    }
}

/// Measured coverage of both intervals, on samples drawn from a known population: events drawn
/// independently, and in bursts of 10 and 100 events of one key (as real traffic arrives).
#[cfg(test)]
mod coverage {
    use super::*;

    /// A population of keys with Zipf-like weights, each fixed on one of `n` partitions.
    struct Population {
        cumulative: Vec<f64>,
        partition: Vec<usize>,
        true_max_share: f64,
    }

    fn population(keys: usize, n: usize, rng: &mut ChaCha8Rng) -> Population {
        let weights: Vec<f64> = (0..keys).map(|k| 1.0 / (k as f64 + 10.0)).collect();
        let total: f64 = weights.iter().sum();
        let partition: Vec<usize> = (0..keys).map(|_| rng.gen_range(0..n)).collect();
        let mut shares = vec![0.0; n];
        let mut acc = 0.0;
        let mut cumulative = Vec::with_capacity(keys);
        for (w, &p) in weights.iter().zip(&partition) {
            shares[p] += w / total;
            acc += w / total;
            cumulative.push(acc);
        }
        Population {
            cumulative,
            partition,
            true_max_share: shares.iter().copied().fold(0.0, f64::max),
        }
    }

    /// Coverage of (multinomial, key-clustered) over `reps` samples of `events` events in bursts.
    fn coverage(pop: &Population, n: usize, events: u64, burst: u64, reps: usize) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(burst);
        let (mut cp_hits, mut key_hits) = (0, 0);
        for _ in 0..reps {
            let mut counts = vec![0u64; pop.partition.len()];
            for _ in 0..events / burst {
                let u: f64 = rng.gen();
                let k = pop
                    .cumulative
                    .partition_point(|&c| c < u)
                    .min(counts.len() - 1);
                counts[k] += burst;
            }
            let mut loads = vec![0u64; n];
            let mut clusters = KeyClusters {
                squares: vec![0.0; n],
                spread_squares: 0.0,
            };
            for (k, &w) in counts.iter().enumerate() {
                loads[pop.partition[k]] += w;
                clusters.squares[pop.partition[k]] += (w as f64) * (w as f64);
            }
            let total: u64 = loads.iter().sum();
            let max = *loads.iter().max().unwrap();
            let (lo, hi) = clopper_pearson(max, total, ALPHA / n as f64);
            cp_hits += usize::from(lo <= pop.true_max_share && pop.true_max_share <= hi);
            let (lo, hi) = clustered_interval(&loads, total, &clusters, ALPHA);
            key_hits += usize::from(lo <= pop.true_max_share && pop.true_max_share <= hi);
        }
        (cp_hits as f64 / reps as f64, key_hits as f64 / reps as f64)
    }

    /// `cargo test --lib interval_coverage -- --nocapture` prints the table quoted in the README.
    #[test]
    fn interval_coverage() {
        let n = 12;
        let pop = population(2_000, n, &mut ChaCha8Rng::seed_from_u64(7));
        eprintln!("nominal 95%; 2,000 keys (Zipf), 12 partitions, 40,000 events, 200 samples each");
        eprintln!("events arrive     multinomial  key-clustered");
        let mut rows = Vec::new();
        for burst in [1, 10, 100] {
            let (cp, key) = coverage(&pop, n, 40_000, burst, 200);
            eprintln!("bursts of {burst:<3}     {:>10.3}  {:>13.3}", cp, key);
            rows.push((burst, cp, key));
        }
        for &(burst, cp, key) in &rows {
            assert!(
                key >= 0.93,
                "key-clustered must hold its level (bursts of {burst}): {key}"
            );
            if burst == 1 {
                assert!(cp >= 0.93, "multinomial holds for independent events: {cp}");
            }
            if burst == 100 {
                assert!(
                    cp < 0.8,
                    "multinomial is too narrow for bursty traffic: {cp}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tail_tests {
    use super::*;

    /// The normal approximation of the light tail agrees with placing every key one by one.
    #[test]
    fn tail_approximation_matches_exact_placement() {
        let weights: Vec<u64> = (0..20_000u64).map(|i| 1 + (i * 7919) % 50).collect();
        let mut sorted = weights.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let approx = random_skew(&sorted, 0, 64, 400, 3).unwrap();
        // Exact: every key placed individually.
        let total: u64 = sorted.iter().sum();
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        let mut skews: Vec<f64> = (0..400)
            .map(|_| {
                let mut loads = [0u64; 64];
                for &w in &sorted {
                    loads[rng.gen_range(0..64)] += w;
                }
                *loads.iter().max().unwrap() as f64 * 64.0 / total as f64
            })
            .collect();
        skews.sort_by(f64::total_cmp);
        let exact_mean = skews.iter().sum::<f64>() / 400.0;
        assert!(
            (approx.mean - exact_mean).abs() < 0.01,
            "{} vs {}",
            approx.mean,
            exact_mean
        );
    }
}
