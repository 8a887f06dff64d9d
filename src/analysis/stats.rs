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

use std::borrow::Cow;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF, Normal};

use super::draws;
use super::keystream::Keystream;
use crate::model::WeightSummary;

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

/// A run over more than this many partition counts is a wide sweep: its random-placement comparison
/// shares a budget of `WIDE` counts' worth of trials ([`wide_trial_limit`]). Sixteen keeps every
/// list a design review compares (the five-count benchmark, `-p 1..16`, a plan's candidates) on the
/// full adaptive Monte Carlo, whose cost is then a small part of the run; past it the Monte Carlo
/// grows with the count list (1.08 million trials and ~2.9e9 draws for `-p 1..1000`, 60x the run at
/// one count) while each further count adds little a reader compares.
pub const WIDE: usize = 16;

/// The fewest trials a count of a wide sweep runs: the smallest number for which both order
/// statistics behind the p95's standard error ([`quantile_with_se`], ranks `0.95 m -+ 1.96
/// sqrt(0.0475 m)`) fall inside the sample. With fewer, the upper one would be clamped to the
/// largest trial and the reported error understated.
pub const MIN_WIDE_TRIALS: u32 = 73;

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
    /// Whether a wide sweep's counts share one trial budget.
    pub budget: TrialBudget,
}

impl Default for StatsSettings {
    fn default() -> Self {
        StatsSettings {
            trials: DEFAULT_TRIALS,
            seed: DEFAULT_SEED,
            interval: IntervalMethod::KeyClustered,
            budget: TrialBudget::Shared,
        }
    }
}

/// How many Monte Carlo trials the partition counts of one run may spend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrialBudget {
    /// Up to [`WIDE`] counts, each runs the full adaptive Monte Carlo; a wider sweep shares [`WIDE`]
    /// counts' worth of trials ([`wide_trial_limit`]). The default.
    #[default]
    Shared,
    /// Every count runs the full adaptive Monte Carlo, however many counts the run has: what an
    /// explicit `--trials` asks for.
    PerCount,
}

/// The most trials the random expectation of one count may run when a run covers `counts` partition
/// counts at `trials` initial trials under `budget`; `None` when there is no limit beyond the
/// adaptive cap ([`max_trials`]).
///
/// A wide sweep (more than [`WIDE`] counts, [`TrialBudget::Shared`]) spends about what [`WIDE`]
/// counts at the cap spend, `WIDE x max_trials(trials)` trials, evenly over its counts, and at least
/// [`MIN_WIDE_TRIALS`] per count (so 1,000 counts run 73 each: 73,000 trials instead of up to 2
/// million). A count then runs `min(adaptive, limit)` trials: the adaptive Monte Carlo stops at the
/// limit, with the p95's standard error of the trials actually run. The counts of a wide sweep draw
/// their trials from common random numbers ([`RandomPlacement::skews_shared`]).
pub fn wide_trial_limit(counts: usize, trials: u32, budget: TrialBudget) -> Option<u32> {
    if budget == TrialBudget::PerCount || counts <= WIDE || trials == 0 {
        return None;
    }
    let total = u64::from(max_trials(trials)) * WIDE as u64;
    let share = u32::try_from(total / counts as u64).unwrap_or(u32::MAX);
    Some(share.max(MIN_WIDE_TRIALS))
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
    /// 0.5% of it, or the cap, or a wide sweep's `random_trials_limit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_trials: Option<u32>,
    /// The most trials a wide sweep let this count run (see `wide_trial_limit`); absent when the run
    /// is not a wide sweep or `--trials` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_trials_limit: Option<u32>,
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
        random_trials_limit: random.and_then(|r| r.limit),
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
        random_trials_limit: None,
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
    /// The wide-sweep limit the trials ran under, if any ([`wide_trial_limit`]).
    pub limit: Option<u32>,
}

/// Monte Carlo estimate of the skew when the keys with `weights` (heaviest first) are placed uniformly
/// at random on `n` partitions, plus `spread` events the client spreads evenly (keys it does not
/// hash). Runs `trials` trials, then batches of [`DEFAULT_TRIALS`] until the p95's standard error is
/// below [`P95_RELATIVE_SE`] of it or [`max_trials`] is reached. Deterministic for a given `seed`,
/// whatever the thread count. `None` when disabled (`trials == 0`) or when no event is hashed.
///
/// The one-count form of [`RandomPlacement::skew`]; a sweep over many counts prepares the weights once.
pub fn random_skew(
    weights: &[u64],
    spread: u64,
    n: u32,
    trials: u32,
    seed: u64,
) -> Option<RandomSkew> {
    RandomPlacement::new(weights, spread).skew(n, trials, seed)
}

/// The key weights of the random-placement expectation, prepared once for every partition count: the
/// heaviest [`EXACT_KEYS`] keys placed one by one, the sums over the lighter ones for their normal
/// approximation.
#[derive(Debug, Clone)]
pub struct RandomPlacement<'a> {
    /// Borrowed from sorted weights ([`RandomPlacement::new`]), or selected from unordered ones
    /// ([`RandomPlacement::summarized`]).
    exact: Cow<'a, [u64]>,
    tail_total: f64,
    tail_sq: f64,
    spread: u64,
    hashed: u64,
}

impl<'a> RandomPlacement<'a> {
    /// Prepares `weights` (heaviest first) and `spread` events the client spreads evenly.
    pub fn new(weights: &'a [u64], spread: u64) -> RandomPlacement<'a> {
        let exact = &weights[..weights.len().min(EXACT_KEYS)];
        let tail = &weights[exact.len()..];
        RandomPlacement {
            exact: Cow::Borrowed(exact),
            tail_total: tail_total(tail),
            tail_sq: tail_sq(tail),
            spread,
            hashed: weights.iter().sum(),
        }
    }

    /// [`RandomPlacement::new`] over the weights `summary` was made of, sorted heaviest first: so
    /// that a run can start its Monte Carlo from its key table while it still sorts the keys. The
    /// summary must keep (at least) the [`EXACT_KEYS`] heaviest.
    ///
    /// `None` when the light keys' floating-point sums could depend on their order, so that a result
    /// is bit for bit the sorted one's: every light weight below 2^26 keeps its square exact, and
    /// sums below 2^53 keep every partial sum of those integers exact, in any order.
    pub fn summarized(summary: &WeightSummary, spread: u64) -> Option<RandomPlacement<'static>> {
        let mut exact = summary.heaviest();
        let keys = usize::try_from(summary.keys()).ok()?;
        if exact.len() < keys.min(EXACT_KEYS) {
            return None;
        }
        // The heaviest light key: the first kept beyond the limit, or else the heaviest left out.
        let tail_max = exact.get(EXACT_KEYS).copied().unwrap_or(summary.rest_max());
        exact.truncate(EXACT_KEYS);
        let tail_keys = keys - exact.len();
        let exact_total: u128 = exact.iter().map(|&w| u128::from(w)).sum();
        let exact_squares: u128 = exact.iter().map(|&w| u128::from(w) * u128::from(w)).sum();
        let (total, squares) = (
            summary.total() - exact_total,
            summary.squares() - exact_squares,
        );
        if tail_max >= 1 << 26 || total >= EXACT_F64 || squares >= EXACT_F64 {
            return None;
        }
        let (tail_total, tail_sq) = if tail_keys == 0 {
            (tail_total(&[]), tail_sq(&[]))
        } else {
            (total as f64, squares as f64)
        };
        Some(RandomPlacement {
            exact: Cow::Owned(exact),
            tail_total,
            tail_sq,
            spread,
            hashed: u64::try_from(summary.total()).ok()?,
        })
    }

    /// The Monte Carlo of [`random_skew`] at `n` partitions.
    ///
    /// Each trial draws, in this order from one ChaCha8 stream seeded by `seed` and `n`: a standard
    /// normal per partition for the light keys (Box-Muller, two uniforms each), then a uniform
    /// partition per heavy key; its skew is the largest partition load. Only the largest load matters,
    /// so a trial (`Trial::max_load`) draws every uniform but evaluates the logarithm and cosine of
    /// Box-Muller, and sums the heavy keys in floating point, only for the partitions whose load could
    /// be the largest: the same draws and the same floating-point operations as evaluating every
    /// partition, at a fraction of the cost on wide partition counts.
    ///
    /// A wide sweep runs [`RandomPlacement::skews_shared`] instead.
    pub fn skew(&self, n: u32, trials: u32, seed: u64) -> Option<RandomSkew> {
        let total = self.hashed + self.spread;
        if trials == 0 || self.hashed == 0 {
            return None;
        }
        if n == 1 {
            return Some(one_partition(trials));
        }
        let mut trial = Trial::new(self, n, seed);
        let nf = f64::from(n);
        let run = |trial: &mut Trial| trial.max_load() * nf / total as f64;
        let mut adaptive = Adaptive::new(trials, None);
        let mut skews: Vec<f64> = (0..adaptive.target).map(|_| run(&mut trial)).collect();
        loop {
            match adaptive.step(&mut skews) {
                Ok(done) => return Some(done),
                Err(more) => skews.extend((0..more).map(|_| run(&mut trial))),
            }
        }
    }

    /// The heaviest keys, placed one by one in each trial (at most [`EXACT_KEYS`], heaviest first).
    pub(super) fn exact(&self) -> &[u64] {
        &self.exact
    }

    /// Per partition at `n`: the light keys' mean load (their sum and the spread events over `n`)
    /// and its standard deviation under uniform placement, the parameters of the normal
    /// approximation; `sd` is 0 without light keys.
    pub(super) fn tail(&self, n: u32) -> (f64, f64) {
        let nf = f64::from(n);
        // Each tail key lands on a given partition with probability 1/n: the partition's tail load has
        // mean tail_total/n and variance sum(w^2) (1/n)(1 - 1/n). Spread events add spread/n everywhere.
        let base = self.tail_total / nf + self.spread as f64 / nf;
        let sd = (self.tail_sq * (1.0 / nf) * (1.0 - 1.0 / nf)).sqrt();
        (base, sd)
    }

    /// Hashed plus spread events: the total a trial's largest load is a share of.
    pub(super) fn total(&self) -> u64 {
        self.hashed + self.spread
    }

    /// Whether any event is hashed (without one there is no random expectation).
    pub(super) fn hashes_any(&self) -> bool {
        self.hashed > 0
    }
}

/// A weight squared in floating point, as every sum of squared weights adds it.
#[inline]
pub(super) fn square(w: u64) -> f64 {
    (w as f64) * (w as f64)
}

/// The largest integer below which every integer is an `f64`: a sum of integers up to it is exact
/// whatever the order of the additions.
pub(super) const EXACT_F64: u128 = 1 << 53;

/// The light keys' total weight, as the normal approximation's mean takes it.
fn tail_total(tail: &[u64]) -> f64 {
    tail.iter().map(|&w| w as f64).sum()
}

/// The light keys' sum of squared weights, as the normal approximation's variance takes it.
fn tail_sq(tail: &[u64]) -> f64 {
    tail.iter().map(|&w| square(w)).sum()
}

/// The random expectation at one partition: exact, one partition takes everything whatever the draw.
pub(super) fn one_partition(trials: u32) -> RandomSkew {
    RandomSkew {
        mean: 1.0,
        p95: 1.0,
        p95_se: 0.0,
        trials,
        limit: None,
    }
}

/// The adaptive stop of the Monte Carlo: `trials` trials (at most the cap), then batches of
/// [`DEFAULT_TRIALS`] until the p95's standard error is below [`P95_RELATIVE_SE`] of it or the cap
/// ([`max_trials`], lowered to a wide sweep's `limit`) is reached.
#[derive(Debug, Clone, Copy)]
pub(super) struct Adaptive {
    /// The trials to run before the next [`Adaptive::step`].
    pub(super) target: u32,
    cap: u32,
    limit: Option<u32>,
}

impl Adaptive {
    pub(super) fn new(trials: u32, limit: Option<u32>) -> Adaptive {
        let cap = max_trials(trials)
            .max(trials)
            .min(limit.unwrap_or(u32::MAX));
        Adaptive {
            target: trials.min(cap),
            cap,
            limit,
        }
    }

    /// Sorts `skews` (the `target` trials run so far) and either stops with their statistics or
    /// asks for that many more trials (and raises `target` by them).
    pub(super) fn step(&mut self, skews: &mut [f64]) -> Result<RandomSkew, u32> {
        skews.sort_by(f64::total_cmp);
        let (p95, se) = quantile_with_se(skews, 0.95);
        if se <= P95_RELATIVE_SE * p95 || skews.len() >= self.cap as usize {
            let mean = skews.iter().sum::<f64>() / skews.len() as f64;
            return Ok(RandomSkew {
                mean,
                p95,
                p95_se: se,
                trials: skews.len() as u32,
                limit: self.limit,
            });
        }
        let more = DEFAULT_TRIALS.min(self.cap - skews.len() as u32);
        self.target += more;
        Err(more)
    }
}

/// The most partitions for which [`Trial::place_heavy`] keeps four partial sums per partition.
const PARTIAL_SUMS_UP_TO: usize = 1 << 12;

/// The random stream and scratch space of one [`RandomPlacement::skew`] run: one trial after another.
///
/// A partition's load in a trial is `max(base + tail_sd * z, 0)` (the light keys, `z` a standard
/// normal; just `base` without light keys) plus, in draw order, the weight of every heavy key drawn
/// onto it. `z = sqrt(-2 ln u1) cos(2 pi u2)` is bracketed from the leading bits of `u1` and `u2`
/// ([`BoxMullerBounds`]) and the heavy keys' sum is exact in integers, which brackets every load; a
/// partition whose upper bound is below the largest lower bound cannot hold the maximum, so only the
/// others are evaluated exactly as the plain computation would.
struct Trial<'a> {
    rng: Keystream,
    n: usize,
    exact: &'a [u64],
    base: f64,
    tail_sd: f64,
    /// The stream's next 64-bit draws, fetched in one call per trial phase (`rand` reads a 64-bit value
    /// as two consecutive 32-bit words, low first, as filling an `u64` slice does).
    words: Vec<u64>,
    /// Three more partial sums of `heavy` per partition (see [`Trial::place_heavy`]); empty above
    /// [`PARTIAL_SUMS_UP_TO`] partitions.
    partial_sums: Vec<u64>,
    /// Per partition: the Box-Muller uniforms `u1`, `u2` of this trial.
    u1: Vec<f64>,
    u2: Vec<f64>,
    /// Per partition: the heavy keys' weight drawn onto it (exact).
    heavy: Vec<u64>,
    /// Per heavy key: the partition it was drawn onto.
    drawn: Vec<u32>,
    /// Per partition: whether its load is evaluated exactly, and that load.
    candidate: Vec<bool>,
    load: Vec<f64>,
    /// The heavy keys drawn onto a candidate partition, by index, in draw order.
    picked: Vec<u32>,
}

impl<'a> Trial<'a> {
    fn new(keys: &'a RandomPlacement<'_>, n: u32, seed: u64) -> Trial<'a> {
        let (base, tail_sd) = keys.tail(n);
        let rng = Keystream::new(ChaCha8Rng::seed_from_u64(
            seed ^ u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        ));
        let n = n as usize;
        Trial {
            rng,
            n,
            exact: keys.exact(),
            base,
            tail_sd,
            words: vec![0; (2 * n).max(keys.exact.len())],
            partial_sums: if n <= PARTIAL_SUMS_UP_TO {
                vec![0; 3 * n]
            } else {
                Vec::new()
            },
            u1: vec![0.0; n],
            u2: vec![0.0; n],
            heavy: vec![0; n],
            drawn: vec![0; keys.exact.len()],
            candidate: vec![false; n],
            load: vec![0.0; n],
            picked: vec![0; keys.exact.len()],
        }
    }

    /// The largest partition load of the next trial: bit for bit what placing every light key's normal
    /// and every heavy key on its own partition, then taking the maximum, gives.
    fn max_load(&mut self) -> f64 {
        let n = self.n;
        let normals = self.tail_sd > 0.0;
        if normals {
            // Two 64-bit draws per partition: `gen_range(f64::MIN_POSITIVE..1.0)` then `gen::<f64>()`,
            // neither of which rejects (see `uniform_open`).
            let words = &mut self.words[..2 * n];
            self.rng.fill(words);
            for (j, pair) in words.chunks_exact(2).enumerate() {
                self.u1[j] = uniform_open(pair[0]);
                self.u2[j] = uniform_half_open(pair[1]);
            }
        }
        self.place_heavy();
        // Bracket every load; the largest lower bound is a floor for the maximum.
        let bounds = BoxMullerBounds::get();
        let mut floor = 0.0f64;
        for j in 0..n {
            let heavy = self.heavy[j] as f64;
            let (low, high) = if normals {
                let (zl, zh) = bounds.z(self.u1[j], self.u2[j]);
                let slack =
                    BOUND_SLACK * (self.base + self.tail_sd * zl.abs().max(zh.abs()) + heavy);
                (
                    (self.base + self.tail_sd * zl).max(0.0) + heavy - slack,
                    (self.base + self.tail_sd * zh).max(0.0) + heavy + slack,
                )
            } else {
                let slack = BOUND_SLACK * (self.base + heavy);
                (self.base + heavy - slack, self.base + heavy + slack)
            };
            floor = floor.max(low);
            // Kept for the second pass: the partition is a candidate when this reaches the floor.
            self.load[j] = high;
        }
        // Exact loads of the candidates, with the plain computation's operations in its order.
        let mut candidates = 0;
        let mut last = 0;
        for j in 0..n {
            let candidate = self.load[j] >= floor;
            self.candidate[j] = candidate;
            if candidate {
                candidates += 1;
                last = j;
                self.load[j] = if normals {
                    (self.base + self.tail_sd * box_muller(self.u1[j], self.u2[j])).max(0.0)
                } else {
                    self.base
                };
            }
        }
        let (drawn, load) = (&self.drawn[..], &mut self.load[..]);
        if candidates == 1 {
            // The common case (the largest load is nearly always clear from the bounds): the keys
            // on that partition, in draw order, summed in a register.
            let picked = draws::pick(drawn, last as u32, &mut self.picked);
            let mut sum = load[last];
            for &i in &self.picked[..picked] {
                sum += self.exact[i as usize] as f64;
            }
            load[last] = sum;
        } else {
            // The heavy keys on candidates, in draw order: gathered without a branch per key
            // (which partitions are candidates is as unpredictable as the draws), then summed.
            let candidate = &self.candidate[..];
            let mut picked = 0;
            for (i, &p) in drawn.iter().enumerate() {
                self.picked[picked] = i as u32;
                picked += usize::from(candidate[p as usize]);
            }
            for &i in &self.picked[..picked] {
                let i = i as usize;
                load[drawn[i] as usize] += self.exact[i] as f64;
            }
        }
        let mut max = 0.0f64;
        for j in 0..n {
            if self.candidate[j] {
                max = max.max(self.load[j]);
            }
        }
        max
    }

    /// Draws every heavy key's partition (`drawn`) and sums the heavy weight per partition (`heavy`).
    ///
    /// One 64-bit draw per heavy key, `gen_range(0..n)` as `rand` computes it: the high word of
    /// `v * n`, unless the low word is above `rand`'s rejection zone, which skips `v` (up to half of
    /// the draws for some `n`; 25% at 6, 12, 24, 48 and 96). The stream's values are fetched in as many
    /// rounds as rejections need, each fetching exactly the keys still unplaced, so the values used are
    /// the ones `gen_range` would read one by one; within a round the accepted partitions are
    /// gathered without a branch per draw.
    fn place_heavy(&mut self) {
        let range = self.n as u64;
        let zone = (range << range.leading_zeros()).wrapping_sub(1);
        let keys = self.exact.len();
        let mut placed = 0;
        while placed < keys {
            let words = &mut self.words[..keys - placed];
            self.rng.fill(words);
            placed += draws::accept_draws(words, range, zone, &mut self.drawn[placed..keys]);
        }
        // Four partial sums per partition, so that keys drawn onto the same partition one after
        // another do not wait for each other's store.
        let n = self.n;
        let heavy = &mut self.heavy[..];
        heavy.fill(0);
        let mut pairs = self.drawn.chunks_exact(4).zip(self.exact.chunks_exact(4));
        if self.partial_sums.len() == 3 * n {
            let partials = &mut self.partial_sums[..];
            partials.fill(0);
            let (h1, rest) = partials.split_at_mut(n);
            let (h2, h3) = rest.split_at_mut(n);
            for (p, w) in pairs.by_ref() {
                heavy[p[0] as usize] += w[0];
                h1[p[1] as usize] += w[1];
                h2[p[2] as usize] += w[2];
                h3[p[3] as usize] += w[3];
            }
            for j in 0..n {
                heavy[j] += h1[j] + h2[j] + h3[j];
            }
        } else {
            for (p, w) in pairs.by_ref() {
                for k in 0..4 {
                    heavy[p[k] as usize] += w[k];
                }
            }
        }
        let done = keys - keys % 4;
        for (&p, &w) in self.drawn[done..keys].iter().zip(&self.exact[done..]) {
            heavy[p as usize] += w;
        }
    }
}

/// `rng.gen_range(f64::MIN_POSITIVE..1.0)` from its 64-bit draw `v`, as `rand` 0.8 computes it: 52
/// random bits as a value in `[0, 1)`, scaled by `1 - MIN_POSITIVE` (which rounds to 1) and offset by
/// `MIN_POSITIVE`. The largest result is `1 - 2^-52` (the offset vanishes in the addition), below
/// the bound, so the draw is never rejected and takes exactly one 64-bit value.
#[inline]
pub(super) fn uniform_open(v: u64) -> f64 {
    const LOW: f64 = f64::MIN_POSITIVE;
    let value1_2 = f64::from_bits((v >> 12) | (1023u64 << 52));
    let value = (value1_2 - 1.0) * (1.0 - LOW) + LOW;
    debug_assert!(value < 1.0);
    value
}

/// `rng.gen::<f64>()` from its 64-bit draw `v`, as `rand` 0.8 computes it: the top 53 bits scaled to
/// `[0, 1)`.
#[inline]
pub(super) fn uniform_half_open(v: u64) -> f64 {
    (1.0 / (1u64 << 53) as f64) * (v >> 11) as f64
}

/// Relative (and absolute, in events) slack on every bound: far above the rounding of the few
/// thousand floating-point operations behind a load (about 1e-13 relative), far below the gaps
/// between loads that decide the maximum.
const BOUND_SLACK: f64 = 1e-9;

/// Box-Muller: a standard normal from two uniforms, `u1` in `(0, 1)` and `u2` in `[0, 1)`.
pub(super) fn box_muller(u1: f64, u2: f64) -> f64 {
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Bounds of the Box-Muller factors over buckets of their uniforms: `r = sqrt(-2 ln u1)` over buckets of
/// `u1`'s exponent and leading mantissa bits, `c = cos(2 pi u2)` over `u2` in steps of 1/1024.
struct BoxMullerBounds {
    /// `(low, high)` of `r` per `u1` bucket.
    r: Vec<(f64, f64)>,
    /// `(low, high)` of `c` per `u2` bucket.
    c: Vec<(f64, f64)>,
}

/// Leading mantissa bits of `u1` in its bucket index.
const R_MANTISSA_BITS: u32 = 6;
/// The smallest binary exponent of `u1` with a bucket; smaller `u1` (probability 2^-32) are evaluated
/// exactly.
const R_MIN_EXPONENT: u64 = 1023 - 32;
/// `u2` buckets.
const C_BUCKETS: usize = 1024;

impl BoxMullerBounds {
    fn get() -> &'static BoxMullerBounds {
        static BOUNDS: std::sync::OnceLock<BoxMullerBounds> = std::sync::OnceLock::new();
        BOUNDS.get_or_init(BoxMullerBounds::new)
    }

    fn new() -> BoxMullerBounds {
        let shift = 52 - R_MANTISSA_BITS;
        let first = R_MIN_EXPONENT << R_MANTISSA_BITS;
        let buckets = (1023 - R_MIN_EXPONENT) << R_MANTISSA_BITS;
        let radius = |u: f64| (-2.0 * u.ln()).sqrt();
        // r falls as u1 grows: its largest value is at the bucket's low end.
        let r = (first..first + buckets)
            .map(|key| {
                let (lo, hi) = (
                    f64::from_bits(key << shift),
                    f64::from_bits((key + 1) << shift),
                );
                let high = radius(lo) * (1.0 + BOUND_SLACK) + BOUND_SLACK;
                let low = (radius(hi) * (1.0 - BOUND_SLACK) - BOUND_SLACK).max(0.0);
                (low, high)
            })
            .collect();
        // cos(2 pi u) is monotone between 0, 1/2 and 1, which are bucket edges: extremes at the edges.
        let cos = |u: f64| (2.0 * std::f64::consts::PI * u).cos();
        let c = (0..C_BUCKETS)
            .map(|b| {
                let a = cos(b as f64 / C_BUCKETS as f64);
                let z = cos((b + 1) as f64 / C_BUCKETS as f64);
                (a.min(z) - BOUND_SLACK, a.max(z) + BOUND_SLACK)
            })
            .collect();
        BoxMullerBounds { r, c }
    }

    /// `(low, high)` bracketing [`box_muller`]`(u1, u2)`.
    fn z(&self, u1: f64, u2: f64) -> (f64, f64) {
        let bits = u1.to_bits();
        if bits >> 52 < R_MIN_EXPONENT {
            let z = box_muller(u1, u2);
            let slack = BOUND_SLACK * (1.0 + z.abs());
            return (z - slack, z + slack);
        }
        let (rl, rh) = self.r
            [((bits >> (52 - R_MANTISSA_BITS)) - (R_MIN_EXPONENT << R_MANTISSA_BITS)) as usize];
        // u2 * 1024 is exact (a power of two), so the bucket is exact too.
        let (cl, ch) = self.c[((u2 * C_BUCKETS as f64) as usize).min(C_BUCKETS - 1)];
        let high = if ch >= 0.0 { rh * ch } else { rl * ch };
        let low = if cl >= 0.0 { rl * cl } else { rh * cl };
        (low, high)
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

/// A standard normal draw (Box-Muller), as the plain Monte Carlo in the tests draws it.
#[cfg(test)]
use rand::Rng;

#[cfg(test)]
pub(super) fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain Monte Carlo that [`random_skew`] must reproduce bit for bit: every partition evaluated.
    /// Monte Carlo estimate of the skew when the keys with `weights` (heaviest first) are placed uniformly
    /// at random on `n` partitions, plus `spread` events the client spreads evenly (keys it does not
    /// hash). Runs `trials` trials, then batches of [`DEFAULT_TRIALS`] until the p95's standard error is
    /// below [`P95_RELATIVE_SE`] of it or [`max_trials`] is reached. Deterministic for a given `seed`,
    /// whatever the thread count. `None` when disabled (`trials == 0`) or when no event is hashed.
    fn random_skew_reference(
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
                limit: None,
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
                    limit: None,
                });
            }
            let more = DEFAULT_TRIALS.min(cap - skews.len() as u32);
            skews.extend((0..more).map(|_| trial(&mut rng)));
        }
    }

    /// A placement summarized from weights in any order is bit for bit the one prepared from the
    /// sorted weights, or `None` when that could fail (light weights or sums past exact integers).
    #[test]
    fn summarized_weights_give_the_sorted_placement() {
        let summarize = |weights: &[u64]| {
            let mut summary = WeightSummary::new(EXACT_KEYS);
            // Summarized in parts, out of order, as a key table's chunks are.
            for part in weights.rchunks(777) {
                let mut s = WeightSummary::new(EXACT_KEYS);
                part.iter().for_each(|&w| s.add(w));
                summary = s.merge(summary);
            }
            summary
        };
        let bits = |p: &RandomPlacement| {
            let exact = p.exact().to_vec();
            (
                exact,
                p.tail_total.to_bits(),
                p.tail_sq.to_bits(),
                p.spread,
                p.hashed,
            )
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for keys in [0, 1, 7, EXACT_KEYS - 1, EXACT_KEYS, EXACT_KEYS + 1, 9_000] {
            // Heavy-tailed, with many ties.
            let weights: Vec<u64> = (0..keys)
                .map(|_| 1 + (1u64 << rng.gen_range(0..20)) / rng.gen_range(1..50))
                .collect();
            let mut sorted = weights.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let early = RandomPlacement::summarized(&summarize(&weights), 3).expect("exact sums");
            let late = RandomPlacement::new(&sorted, 3);
            assert_eq!(bits(&early), bits(&late), "{keys} keys");
            assert_eq!(early.skew(12, 50, 1), late.skew(12, 50, 1));
        }
        // A light key of 2^26 events squares past 2^52; sums past 2^53 round in some orders.
        let mut heavy_tail = vec![1u64 << 30; EXACT_KEYS];
        heavy_tail.push(1 << 26);
        assert!(RandomPlacement::summarized(&summarize(&heavy_tail), 0).is_none());
        heavy_tail.pop();
        heavy_tail.push((1 << 26) - 1);
        assert!(RandomPlacement::summarized(&summarize(&heavy_tail), 0).is_some());
        let many_light = vec![(1u64 << 26) - 1; EXACT_KEYS + (1 << 27)];
        assert!(RandomPlacement::summarized(&summarize(&many_light), 0).is_none());
        // A summary that kept fewer than the heaviest the placement needs is refused.
        let mut short = WeightSummary::new(10);
        (0..100).for_each(|w| short.add(w));
        assert!(RandomPlacement::summarized(&short, 0).is_none());
    }

    /// The wide-sweep budget: none up to 16 counts or with an explicit `--trials`; beyond, 16 counts
    /// at the cap shared evenly, never below the fewest trials whose p95 error is inside the sample.
    #[test]
    fn wide_sweeps_share_a_trial_budget() {
        use TrialBudget::{PerCount, Shared};
        for counts in [1, 5, 16] {
            assert_eq!(wide_trial_limit(counts, 200, Shared), None, "{counts}");
        }
        assert_eq!(wide_trial_limit(17, 200, Shared), Some(16 * 2000 / 17));
        assert_eq!(wide_trial_limit(100, 200, Shared), Some(320));
        assert_eq!(wide_trial_limit(400, 200, Shared), Some(80));
        assert_eq!(wide_trial_limit(1000, 200, Shared), Some(MIN_WIDE_TRIALS));
        assert_eq!(
            wide_trial_limit(100_000, 200, Shared),
            Some(MIN_WIDE_TRIALS)
        );
        assert_eq!(wide_trial_limit(1000, 200, PerCount), None);
        assert_eq!(wide_trial_limit(1000, 0, Shared), None);
        // A smaller --trials shrinks the budget with its cap (10x).
        assert_eq!(wide_trial_limit(20, 100, Shared), Some(800));
        // The whole sweep spends at most the budget, or the floor at every count.
        for counts in [17, 50, 438, 439, 1000, 5000] {
            let limit = wide_trial_limit(counts, 200, Shared).unwrap();
            let spent = u64::from(limit) * counts as u64;
            assert!(
                spent <= 16 * 2000 || limit == MIN_WIDE_TRIALS,
                "{counts}: {limit}"
            );
        }
        // MIN_WIDE_TRIALS is the fewest trials whose upper order statistic (rank 0.95 m + 1.96
        // sqrt(0.0475 m)) is inside the sample.
        let upper = |m: u32| {
            let mf = f64::from(m);
            (mf * 0.95 + 1.96 * (mf * 0.95 * 0.05).sqrt()).ceil() as u32
        };
        assert!(upper(MIN_WIDE_TRIALS) <= MIN_WIDE_TRIALS);
        assert!(upper(MIN_WIDE_TRIALS - 1) > MIN_WIDE_TRIALS - 1);
    }

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

    /// The bounded evaluation gives exactly the plain Monte Carlo's numbers: same draws, same
    /// floating-point operations for the partition that holds the maximum.
    #[test]
    fn random_skew_matches_plain_monte_carlo() {
        let zipf: Vec<u64> = (1..=30_000u64).map(|r| 1 + 5_000_000 / r.pow(1)).collect();
        let flat: Vec<u64> = (0..5_000u64).map(|i| 10 + i % 3).collect();
        let few: Vec<u64> = vec![900, 500, 500, 20, 7, 7, 1];
        // Equal keys and no light ones: partitions tie for the largest load, so that a trial has
        // several candidates (the other cases nearly always have one).
        let equal: Vec<u64> = vec![10; 60];
        let steep: Vec<u64> = (1..=4_000u64)
            .map(|r| 1 + 1_000_000_000 / (r * r))
            .collect();
        for (weights, spread) in [
            (&zipf, 0),
            (&zipf, 123_456),
            (&flat, 0),
            (&few, 3),
            (&equal, 0),
            (&steep, 0),
        ] {
            for n in [2, 3, 7, 12, 64, 100, 499, 1000] {
                for seed in [1, 42] {
                    let fast = random_skew(weights, spread, n, 20, seed);
                    let plain = random_skew_reference(weights, spread, n, 20, seed);
                    assert_eq!(fast, plain, "n={n} seed={seed} keys={}", weights.len());
                }
            }
        }
    }

    /// Every Box-Muller bracket holds its value, on the edges of the buckets too.
    #[test]
    fn box_muller_bounds_hold() {
        let bounds = BoxMullerBounds::get();
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let edges = [
            f64::MIN_POSITIVE,
            1e-300,
            2f64.powi(-32),
            0.5,
            0.25,
            1.0 - f64::EPSILON,
        ];
        let check = |u1: f64, u2: f64| {
            let z = box_muller(u1, u2);
            let (lo, hi) = bounds.z(u1, u2);
            assert!(lo <= z && z <= hi, "u1={u1} u2={u2}: {lo} <= {z} <= {hi}");
        };
        for &u1 in &edges {
            for u2 in [0.0, 0.25, 0.5, 0.75, 1.0 - f64::EPSILON / 2.0] {
                check(u1, u2);
            }
        }
        for _ in 0..200_000 {
            check(rng.gen_range(f64::MIN_POSITIVE..1.0), rng.gen());
        }
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
