//! Consumer view: how a consumer group of C members splits one topic's N partitions, and the event load
//! each member then carries.
//!
//! The assignors follow docs/partitioners.md (section 5, "Consumer-group assignors"), for a single-topic
//! subscription in a fresh group. Consumers are numbered `0..C` in member-id order and partitions are
//! taken in id order; with `q = N / C` and `r = N % C`:
//! - `range` (the Java client's default): consumer `j` gets a contiguous block of `q + (j < r)`
//!   partitions;
//! - `roundrobin`, and `cooperative-sticky` in a fresh group: partition `p` goes to consumer `p mod C`.
//!
//! When `C > N`, `C - N` consumers get nothing (`idle`). Multi-topic subscriptions, where range
//! assigns each topic separately and round-robin interleaves topics, are out of scope.

use serde::{Deserialize, Serialize};

/// A consumer group partition assignor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Assignor {
    /// Contiguous blocks, the first `N % C` consumers one partition more.
    Range,
    /// Partition `p` to consumer `p mod C`.
    RoundRobin,
    /// The same as round-robin in a fresh group (no previous assignment to stick to).
    CooperativeSticky,
}

impl Assignor {
    /// Every assignor, in the order reports list them.
    pub const ALL: [Assignor; 3] = [
        Assignor::Range,
        Assignor::RoundRobin,
        Assignor::CooperativeSticky,
    ];

    /// The id used in reports (the Kafka `partition.assignment.strategy` short name).
    pub fn id(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The consumer (`0..consumers`) that gets partition `p` of `partitions`. `consumers` must be > 0.
    pub fn consumer_of(self, p: u32, partitions: u32, consumers: u32) -> u32 {
        debug_assert!(consumers > 0 && p < partitions);
        match self {
            Assignor::Range => {
                let (q, r) = (partitions / consumers, partitions % consumers);
                // The first r consumers hold q + 1 partitions each, covering 0..r*(q+1).
                let big = r * (q + 1);
                if p < big {
                    p / (q + 1)
                } else {
                    r + (p - big) / q.max(1)
                }
            }
            Assignor::RoundRobin | Assignor::CooperativeSticky => p % consumers,
        }
    }

    /// The partitions of each consumer, in partition order (`result[j]` is consumer `j`'s list).
    pub fn assign(self, partitions: u32, consumers: u32) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); consumers as usize];
        if consumers == 0 {
            return out;
        }
        for p in 0..partitions {
            out[self.consumer_of(p, partitions, consumers) as usize].push(p);
        }
        out
    }
}

/// The load of one consumer group size under one assignor. Field names are part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerLoad {
    /// Consumers in the group.
    pub consumers: u32,
    /// Assignor id: `range`, `roundrobin` or `cooperative-sticky`.
    pub assignor: String,
    /// Events each consumer (in member-id order) would process, from the sample's partition loads.
    pub consumer_events: Vec<u64>,
    /// The busiest consumer's share of all events (`0` when there are no events).
    pub max_consumer_share: f64,
    /// Consumers that get no partition (`consumers - partitions` when positive).
    pub idle: u32,
}

/// The consumer loads of a topic whose partitions carry `loads` events, for `consumers` members under
/// `assignor`. `consumers` must be at least 1.
pub fn consumer_load(loads: &[u64], consumers: u32, assignor: Assignor) -> ConsumerLoad {
    let consumers = consumers.max(1);
    let n = loads.len() as u32;
    let mut events = vec![0u64; consumers as usize];
    for (p, &load) in loads.iter().enumerate() {
        events[assignor.consumer_of(p as u32, n, consumers) as usize] += load;
    }
    let total: u64 = loads.iter().sum();
    let max = events.iter().copied().max().unwrap_or(0);
    ConsumerLoad {
        consumers,
        assignor: assignor.id().to_string(),
        consumer_events: events,
        max_consumer_share: if total == 0 {
            0.0
        } else {
            max as f64 / total as f64
        },
        idle: consumers.saturating_sub(n),
    }
}

/// Consumer loads for every planned group size and every assignor (sizes as given, then assignors in
/// [`Assignor::ALL`] order).
pub fn consumer_loads(loads: &[u64], group_sizes: &[u32]) -> Vec<ConsumerLoad> {
    group_sizes
        .iter()
        .flat_map(|&c| {
            Assignor::ALL
                .iter()
                .map(move |&a| consumer_load(loads, c, a))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_ten_partitions_three_consumers() {
        assert_eq!(
            Assignor::Range.assign(10, 3),
            vec![vec![0, 1, 2, 3], vec![4, 5, 6], vec![7, 8, 9]]
        );
        let rr = vec![vec![0, 3, 6, 9], vec![1, 4, 7], vec![2, 5, 8]];
        assert_eq!(Assignor::RoundRobin.assign(10, 3), rr);
        assert_eq!(Assignor::CooperativeSticky.assign(10, 3), rr);
    }

    #[test]
    fn range_blocks_have_the_right_sizes() {
        for n in 1..40u32 {
            for c in 1..12u32 {
                let a = Assignor::Range.assign(n, c);
                let (q, r) = (n / c, n % c);
                let mut next = 0;
                for (j, parts) in a.iter().enumerate() {
                    assert_eq!(
                        parts.len() as u32,
                        q + u32::from((j as u32) < r),
                        "n={n} c={c}"
                    );
                    // Contiguous and in order.
                    for &p in parts {
                        assert_eq!(p, next);
                        next += 1;
                    }
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn more_consumers_than_partitions_leaves_idle_ones() {
        let l = consumer_load(&[5, 7], 4, Assignor::Range);
        assert_eq!(l.consumer_events, vec![5, 7, 0, 0]);
        assert_eq!(l.idle, 2);
        let l = consumer_load(&[5, 7], 4, Assignor::RoundRobin);
        assert_eq!(l.consumer_events, vec![5, 7, 0, 0]);
        assert_eq!(l.idle, 2);
    }

    #[test]
    fn loads_follow_the_assignment() {
        let loads = [10, 1, 1, 1, 1, 1, 1, 1, 1, 2];
        let r = consumer_load(&loads, 3, Assignor::Range);
        assert_eq!(r.consumer_events, vec![13, 3, 4]);
        assert!((r.max_consumer_share - 13.0 / 20.0).abs() < 1e-12);
        let rr = consumer_load(&loads, 3, Assignor::RoundRobin);
        assert_eq!(
            rr.consumer_events,
            vec![10 + 1 + 1 + 2, 1 + 1 + 1, 1 + 1 + 1]
        );
        assert_eq!(consumer_loads(&loads, &[1, 3]).len(), 6);
        let empty = consumer_load(&[0, 0], 1, Assignor::Range);
        assert_eq!(empty.max_consumer_share, 0.0);
    }
}
