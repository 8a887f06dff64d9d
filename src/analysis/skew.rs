//! Load metrics of one scenario: how unevenly events spread over the partitions.
//!
//! With `L_i` the events on partition `i`, `T = sum L_i`, `n` partitions and `mean = T / n`
//! (README.md, "Metrics"):
//! - `max_share = max L_i / T`
//! - `skew = max L_i / mean` (peak-to-mean; 1 is perfect balance, `n` is everything on one partition)
//! - `cv = stddev(L) / mean`, population standard deviation
//! - `gini = sum_i sum_j |L_i - L_j| / (2 n^2 mean)`, 0 for perfect balance, `(n-1)/n` at most
//! - `effective_parallelism = T / max L_i`: consumers' worth of throughput the hottest partition allows
//! - `hot_key_floor = max(1, top_key_share * n)`: the lowest skew any hash could reach with this sample
//! - `empty_partitions`: partitions that receive no event

use serde::{Deserialize, Serialize};

/// The load metrics of one partition-count scenario. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadMetrics {
    /// Events on the hottest partition.
    pub max_partition_events: u64,
    /// Index of the hottest partition (the lowest index on ties).
    pub hottest_partition: u32,
    /// `max L_i / T`.
    #[serde(deserialize_with = "nan_if_null")]
    pub max_share: f64,
    /// `max L_i / mean`.
    #[serde(deserialize_with = "nan_if_null")]
    pub skew: f64,
    /// Population coefficient of variation of the partition loads.
    #[serde(deserialize_with = "nan_if_null")]
    pub cv: f64,
    /// Gini coefficient of the partition loads.
    #[serde(deserialize_with = "nan_if_null")]
    pub gini: f64,
    /// `T / max L_i`.
    #[serde(deserialize_with = "nan_if_null")]
    pub effective_parallelism: f64,
    /// `max(1, top_key_share * n)`.
    #[serde(deserialize_with = "nan_if_null")]
    pub hot_key_floor: f64,
    /// Partitions with no events.
    pub empty_partitions: u32,
}

/// Computes [`LoadMetrics`] from per-partition loads. `top_key_share` is the share of the heaviest key.
///
/// Degenerate cases: with no events at all every ratio is reported as for perfect balance (skew 1,
/// effective parallelism `n`) rather than NaN, and with one partition `cv` and `gini` are 0.
pub fn load_metrics(loads: &[u64], top_key_share: f64) -> LoadMetrics {
    let n = loads.len().max(1) as f64;
    let total: u128 = loads.iter().map(|&l| u128::from(l)).sum();
    let (hottest, max) = hottest(loads);
    let empty = loads.iter().filter(|&&l| l == 0).count() as u32;
    let hot_key_floor = (top_key_share * n).max(1.0);
    if total == 0 {
        return LoadMetrics {
            max_partition_events: 0,
            hottest_partition: 0,
            max_share: 0.0,
            skew: 1.0,
            cv: 0.0,
            gini: 0.0,
            effective_parallelism: n,
            hot_key_floor,
            empty_partitions: empty,
        };
    }
    let t = total as f64;
    let mean = t / n;
    let variance = loads
        .iter()
        .map(|&l| {
            let d = l as f64 - mean;
            d * d
        })
        .sum::<f64>()
        / n;
    LoadMetrics {
        max_partition_events: max,
        hottest_partition: hottest as u32,
        max_share: max as f64 / t,
        skew: max as f64 / mean,
        cv: variance.sqrt() / mean,
        gini: gini(loads, t),
        effective_parallelism: t / max as f64,
        hot_key_floor,
        empty_partitions: empty,
    }
}

/// The hottest partition's index (the lowest on ties) and its load.
fn hottest(loads: &[u64]) -> (usize, u64) {
    loads.iter().copied().enumerate().fold(
        (0, 0),
        |best, (i, l)| if l > best.1 { (i, l) } else { best },
    )
}

/// Metrics of a scenario in which the client hashes no event (every key refused, or spread at
/// random): there is no placement to judge, so every ratio is NaN (`null` in JSON, `-` in tables).
pub fn undefined_metrics(loads: &[u64]) -> LoadMetrics {
    let (hottest, max) = hottest(loads);
    LoadMetrics {
        max_partition_events: max,
        hottest_partition: hottest as u32,
        max_share: f64::NAN,
        skew: f64::NAN,
        cv: f64::NAN,
        gini: f64::NAN,
        effective_parallelism: f64::NAN,
        hot_key_floor: f64::NAN,
        empty_partitions: loads.iter().filter(|&&l| l == 0).count() as u32,
    }
}

/// Reads a number that JSON may hold as `null` (an undefined ratio, written from NaN) back as NaN.
pub fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Gini coefficient via the sorted-rank identity `G = sum_i (2i - n - 1) x_(i) / (n * T)`, i = 1..n
/// over loads in ascending order; equal to the mean-absolute-difference definition, in O(n log n).
fn gini(loads: &[u64], total: f64) -> f64 {
    let mut sorted = loads.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x as f64)
        .sum();
    (weighted / (n * total)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_balance() {
        let m = load_metrics(&[5, 5, 5, 5], 0.05);
        assert!(close(m.skew, 1.0));
        assert!(close(m.max_share, 0.25));
        assert!(close(m.cv, 0.0));
        assert!(close(m.gini, 0.0));
        assert!(close(m.effective_parallelism, 4.0));
        assert!(close(m.hot_key_floor, 1.0));
        assert_eq!(m.empty_partitions, 0);
    }

    #[test]
    fn all_on_one_partition() {
        let m = load_metrics(&[0, 12, 0, 0], 1.0);
        assert_eq!(m.hottest_partition, 1);
        assert_eq!(m.max_partition_events, 12);
        assert!(close(m.skew, 4.0));
        assert!(close(m.max_share, 1.0));
        assert!(close(m.gini, 0.75));
        assert!(close(m.cv, 3f64.sqrt()));
        assert!(close(m.effective_parallelism, 1.0));
        assert!(close(m.hot_key_floor, 4.0));
        assert_eq!(m.empty_partitions, 3);
    }

    #[test]
    fn gini_matches_pairwise_definition() {
        let loads = [3u64, 0, 7, 1, 9];
        let t: f64 = loads.iter().sum::<u64>() as f64;
        let n = loads.len() as f64;
        let mut pair = 0.0;
        for a in loads {
            for b in loads {
                pair += (a as f64 - b as f64).abs();
            }
        }
        let expected = pair / (2.0 * n * n * (t / n));
        assert!(close(load_metrics(&loads, 0.1).gini, expected));
    }

    #[test]
    fn degenerate_cases() {
        let one = load_metrics(&[42], 0.5);
        assert!(close(one.skew, 1.0) && close(one.cv, 0.0) && close(one.gini, 0.0));
        let none = load_metrics(&[0, 0], 0.0);
        assert!(close(none.skew, 1.0) && close(none.effective_parallelism, 2.0));
    }
}
