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
use statrs::distribution::{Beta, ContinuousCDF};

/// Family-wise error rate of the reported intervals (95% confidence).
pub const ALPHA: f64 = 0.05;

/// A sample is "too small to tell" when the skew interval's half-width exceeds this fraction of the
/// observed skew: the data cannot then separate, say, a skew of 1.3 from one of 1.6.
pub const MAX_RELATIVE_HALF_WIDTH: f64 = 0.10;

/// Monte Carlo trials for the random-placement expectation: enough for a stable p95 (the p95 of 200
/// draws has a standard error of about 1.5 percentile points).
pub const DEFAULT_TRIALS: u32 = 200;

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
}

impl Default for StatsSettings {
    fn default() -> Self {
        StatsSettings {
            trials: DEFAULT_TRIALS,
            seed: DEFAULT_SEED,
        }
    }
}

/// Interval and random-placement statistics of one scenario. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioStats {
    /// 95% family-wise confidence interval of `max_share`, `[low, high]`.
    pub max_share_ci: [f64; 2],
    /// The same interval scaled to skew (`max_share * n`).
    pub skew_ci: [f64; 2],
    /// True when the skew interval is wider than +-10% of the observed skew: the sample cannot support a
    /// precise conclusion, collect more events.
    pub sample_too_small: bool,
    /// Mean skew when the same key weights are placed uniformly at random (`null` when disabled).
    pub expected_skew_random: Option<f64>,
    /// 95th percentile of that random skew.
    pub expected_skew_random_p95: Option<f64>,
    /// True when the observed skew is above the random p95: this hash is unlucky for this key set at this
    /// partition count, and a neighbouring count may do markedly better.
    pub worse_than_random: Option<bool>,
}

/// Computes the statistics of a scenario with loads `loads` and total `total`. `random` is the precomputed random expectation for this partition count.
pub fn scenario_stats(loads: &[u64], total: u64, random: Option<RandomSkew>) -> ScenarioStats {
    let n = loads.len().max(1) as f64;
    let max = loads.iter().copied().max().unwrap_or(0);
    let (low, high) = clopper_pearson(max, total, ALPHA / n);
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
        worse_than_random: random.map(|r| skew > r.p95),
    }
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
}

/// Monte Carlo estimate of the skew when the keys with `weights` (heaviest first) are placed uniformly
/// at random on `n` partitions. Deterministic for a given `seed`, whatever the thread count.
pub fn random_skew(weights: &[u64], n: u32, trials: u32, seed: u64) -> Option<RandomSkew> {
    let total: u64 = weights.iter().sum();
    if trials == 0 || total == 0 {
        return None;
    }
    if n == 1 {
        return Some(RandomSkew {
            mean: 1.0,
            p95: 1.0,
        });
    }
    let nf = f64::from(n);
    let exact = &weights[..weights.len().min(EXACT_KEYS)];
    let tail = &weights[exact.len()..];
    let tail_total: f64 = tail.iter().map(|&w| w as f64).sum();
    let tail_sq: f64 = tail.iter().map(|&w| (w as f64) * (w as f64)).sum();
    // Each tail key lands on a given partition with probability 1/n: the partition's tail load has
    // mean tail_total/n and variance sum(w^2) (1/n)(1 - 1/n).
    let tail_mean = tail_total / nf;
    let tail_sd = (tail_sq * (1.0 / nf) * (1.0 - 1.0 / nf)).sqrt();
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut loads = vec![0f64; n as usize];
    let mut skews: Vec<f64> = (0..trials)
        .map(|_| {
            loads.fill(tail_mean);
            if tail_sd > 0.0 {
                for load in loads.iter_mut() {
                    *load = (*load + tail_sd * standard_normal(&mut rng)).max(0.0);
                }
            }
            for &w in exact {
                loads[rng.gen_range(0..n as usize)] += w as f64;
            }
            let max = loads.iter().copied().fold(0.0, f64::max);
            max * nf / total as f64
        })
        .collect();
    skews.sort_by(f64::total_cmp);
    let mean = skews.iter().sum::<f64>() / skews.len() as f64;
    let p95 = skews[((skews.len() as f64 * 0.95).ceil() as usize).clamp(1, skews.len()) - 1];
    Some(RandomSkew { mean, p95 })
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
        let a = random_skew(&weights, 12, 100, 7).unwrap();
        assert_eq!(Some(a), random_skew(&weights, 12, 100, 7));
        assert!(a.mean >= 1.0 && a.p95 >= a.mean && a.p95 < 1.5, "{a:?}");
        // One dominant key: random placement cannot beat the hot-key floor.
        let hot = random_skew(&[1000, 1, 1], 10, 50, 1).unwrap();
        assert!(hot.mean > 9.0);
        assert_eq!(random_skew(&[5], 1, 10, 1).unwrap().mean, 1.0);
        assert!(random_skew(&[5], 4, 0, 1).is_none());
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
        let approx = random_skew(&sorted, 64, 400, 3).unwrap();
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
