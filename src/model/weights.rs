//! A one-pass summary of key weights in any order: the heaviest few, and exact sums over all.
//!
//! The random-placement expectation needs only the heaviest keys' weights and sums over the rest,
//! so a run can start it from its key table before the keys are sorted
//! ([`crate::analysis::stats::RandomPlacement::summarized`]).

/// The `limit` heaviest of a multiset of weights, the largest weight left out of them, and the
/// count, sum and sum of squares of all (exact, in 128 bits). Summaries of parts merge into the
/// summary of the whole, whatever the order of the weights.
///
/// The heaviest are kept as a buffer of candidates: once it holds twice the limit, the limit's
/// heaviest are selected and the lightest of them becomes a floor that later weights must pass, so
/// most weights cost one comparison (a heap costs a sift on every weight that passes its top).
#[derive(Debug, Clone)]
pub struct WeightSummary {
    limit: usize,
    /// Candidates for the heaviest: every weight kept so far above `floor`, unordered.
    heaviest: Vec<u64>,
    /// Weights at or below this are left out (0 until the candidates are first pruned).
    floor: Option<u64>,
    /// The largest weight left out (0 when none).
    rest_max: u64,
    keys: u64,
    total: u128,
    squares: u128,
}

impl WeightSummary {
    /// An empty summary that keeps the `limit` heaviest weights.
    pub fn new(limit: usize) -> WeightSummary {
        WeightSummary {
            limit,
            heaviest: Vec::new(),
            floor: None,
            rest_max: 0,
            keys: 0,
            total: 0,
            squares: 0,
        }
    }

    /// Adds one weight.
    pub fn add(&mut self, weight: u64) {
        self.keys += 1;
        self.total += u128::from(weight);
        self.squares += u128::from(weight) * u128::from(weight);
        self.keep(weight);
    }

    /// Offers `weight` to the heaviest, and keeps the largest of those left out.
    #[inline]
    fn keep(&mut self, weight: u64) {
        // At the floor, `limit` weights at least as heavy are already kept.
        if self.limit == 0 || self.floor.is_some_and(|floor| weight <= floor) {
            self.rest_max = self.rest_max.max(weight);
            return;
        }
        self.heaviest.push(weight);
        if self.heaviest.len() >= 2 * self.limit {
            self.prune();
        }
    }

    /// Keeps the `limit` heaviest candidates, and raises the floor to the lightest of them.
    fn prune(&mut self) {
        let limit = self.limit;
        if self.heaviest.len() <= limit {
            return;
        }
        self.heaviest
            .select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
        let out = self.heaviest[limit..].iter().max().copied().unwrap_or(0);
        self.rest_max = self.rest_max.max(out);
        self.heaviest.truncate(limit);
        self.floor = Some(self.heaviest[limit - 1]);
    }

    /// The summary of both parts' weights.
    pub fn merge(mut self, other: WeightSummary) -> WeightSummary {
        debug_assert_eq!(self.limit, other.limit);
        self.keys += other.keys;
        self.total += other.total;
        self.squares += other.squares;
        self.rest_max = self.rest_max.max(other.rest_max);
        for weight in other.heaviest {
            self.keep(weight);
        }
        self
    }

    /// The heaviest weights (at most the limit), heaviest first.
    pub fn heaviest(&self) -> Vec<u64> {
        let mut heaviest = self.heaviest.clone();
        heaviest.sort_unstable_by(|a, b| b.cmp(a));
        heaviest.truncate(self.limit);
        heaviest
    }

    /// The largest weight not among [`heaviest`](Self::heaviest) (0 when every weight is).
    pub fn rest_max(&self) -> u64 {
        let beyond = self.heaviest.len().checked_sub(self.limit + 1);
        match beyond {
            // Candidates past the limit: the heaviest of them may be above the weights left out.
            Some(_) => {
                let mut heaviest = self.heaviest.clone();
                heaviest.select_nth_unstable_by(self.limit, |a, b| b.cmp(a));
                self.rest_max.max(heaviest[self.limit])
            }
            None => self.rest_max,
        }
    }

    /// How many weights were added.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// The sum of every weight.
    pub fn total(&self) -> u128 {
        self.total
    }

    /// The sum of every weight's square.
    pub fn squares(&self) -> u128 {
        self.squares
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_merge_into_the_whole() {
        let weights: Vec<u64> = (0..1000u64).map(|i| (i * 7919) % 613 + 1).collect();
        let mut whole = WeightSummary::new(50);
        weights.iter().for_each(|&w| whole.add(w));
        let mut parts = weights.chunks(97).map(|c| {
            let mut s = WeightSummary::new(50);
            c.iter().for_each(|&w| s.add(w));
            s
        });
        let first = parts.next().unwrap();
        let merged = parts.fold(first, WeightSummary::merge);
        let mut sorted = weights.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        for s in [&whole, &merged] {
            assert_eq!(s.heaviest(), sorted[..50]);
            assert_eq!(s.rest_max(), sorted[50]);
            assert_eq!(s.keys(), 1000);
            assert_eq!(s.total(), weights.iter().map(|&w| u128::from(w)).sum());
            let squares: u128 = weights.iter().map(|&w| u128::from(w * w)).sum();
            assert_eq!(s.squares(), squares);
        }
        let mut few = WeightSummary::new(50);
        [3, 9, 1].iter().for_each(|&w| few.add(w));
        assert_eq!((few.heaviest(), few.rest_max()), (vec![9, 3, 1], 0));
        let mut none = WeightSummary::new(0);
        [3, 9, 1].iter().for_each(|&w| none.add(w));
        assert_eq!(
            (none.heaviest(), none.rest_max(), none.total()),
            (vec![], 9, 13)
        );
        // Ties at the floor: the kept weights are the same values whichever tie is kept.
        let mut ties = WeightSummary::new(2);
        [5, 5, 5, 5, 1, 5, 2].iter().for_each(|&w| ties.add(w));
        assert_eq!((ties.heaviest(), ties.rest_max()), (vec![5, 5], 5));
    }
}
