//! Key concentration: the curve of the cumulative share of events against the cumulative share of
//! keys, heaviest key first (a Lorenz curve read from the top). It shows at a glance whether a few keys
//! carry most events (a curve that rises steeply) or the load is spread (a curve close to the
//! diagonal `y = x`, the equality line).
//!
//! Reports carry the curve downsampled to at most [`CONCENTRATION_POINTS`] points, so its size does not
//! grow with the number of distinct keys: point `i` of `m` is at `k = round(i * K / (m - 1))` keys of
//! `K`, `(x, y) = (k / K, W_k / W)` with `W_k` the events of the `k` heaviest keys and `W` all events.
//! With at most `m - 1` keys every key is a point. Between points the curve is drawn as straight
//! lines; as `W_k` is concave in `k`, they lie on or below the exact curve, by at most the share of the
//! keys between two points.

/// The most points a concentration curve keeps (both ends included): 201 gives a point every 0.5% of
/// the keys, finer than a chart's line can show.
pub const CONCENTRATION_POINTS: usize = 201;

/// The concentration curve of `weights` (events per key, heaviest first) with at most `max_points`
/// points (at least 2), `[share of keys, share of events]` from `[0, 0]` to `[1, 1]`. Empty when
/// there are no keys or no events.
pub fn concentration_curve(weights: &[u64], max_points: usize) -> Vec<[f64; 2]> {
    let keys = weights.len();
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if keys == 0 || total == 0 {
        return Vec::new();
    }
    let segments = (max_points.max(2) - 1).min(keys);
    let mut points = Vec::with_capacity(segments + 1);
    let mut cumulative: u128 = 0;
    let mut taken = 0usize;
    for i in 0..=segments {
        // Exact integer rounding of i * keys / segments, so the last point is exactly [1, 1].
        let k = (i * keys + segments / 2) / segments;
        cumulative += weights[taken..k]
            .iter()
            .map(|&w| u128::from(w))
            .sum::<u128>();
        taken = k;
        points.push([k as f64 / keys as f64, cumulative as f64 / total as f64]);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_keys_keep_every_key() {
        let c = concentration_curve(&[6, 3, 1], CONCENTRATION_POINTS);
        assert_eq!(c.len(), 4);
        assert_eq!(c[0], [0.0, 0.0]);
        assert_eq!(c[1], [1.0 / 3.0, 0.6]);
        assert_eq!(c[2], [2.0 / 3.0, 0.9]);
        assert_eq!(c[3], [1.0, 1.0]);
    }

    #[test]
    fn many_keys_are_downsampled_and_end_at_one() {
        let weights: Vec<u64> = (1..=10_000u64).rev().collect();
        let c = concentration_curve(&weights, CONCENTRATION_POINTS);
        assert_eq!(c.len(), CONCENTRATION_POINTS);
        assert_eq!(c[0], [0.0, 0.0]);
        assert_eq!(c[CONCENTRATION_POINTS - 1], [1.0, 1.0]);
        // Heaviest first: the curve is on or above the equality line and never falls.
        for w in c.windows(2) {
            assert!(w[1][0] > w[0][0] && w[1][1] >= w[0][1]);
        }
        assert!(c.iter().all(|p| p[1] >= p[0] - 1e-12));
        // Half the keys (the heavy half of 1..=10000) carry 1 - 5000*5001/2 / (10000*10001/2).
        let half = c[100];
        assert_eq!(half[0], 0.5);
        let expect = 1.0 - (5000.0 * 5001.0) / (10000.0 * 10001.0);
        assert!((half[1] - expect).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(concentration_curve(&[], 201).is_empty());
        assert!(concentration_curve(&[0, 0], 201).is_empty());
        assert_eq!(concentration_curve(&[5], 201), vec![[0.0, 0.0], [1.0, 1.0]]);
        // One key dominating: the curve jumps to its share at the first point.
        let c = concentration_curve(&[99, 1], 1);
        assert_eq!(c, vec![[0.0, 0.0], [1.0, 1.0]]);
    }
}
