//! Scenarios: one key strategy under one partitioner at one partition count.
//!
//! A run evaluates the grid strategies x partitioners x counts. Today every run has one strategy, the
//! key as read; what-if strategies (salting, hot-key splitting) add variants here and the grid stays
//! the same shape, so reports and checks index scenarios the same way whatever the strategy.

use crate::partitioner::{PartitionCount, Partitioner};

/// How the producer turns an event into its partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStrategy {
    /// The key exactly as the input gives it (`--key`, with any template and encoding applied).
    AsRead {
        /// The strategy's name in reports (the `--key` expression, or a plan's strategy name).
        name: String,
    },
}

impl KeyStrategy {
    /// The key as read, named `name`.
    pub fn as_read(name: impl Into<String>) -> KeyStrategy {
        KeyStrategy::AsRead { name: name.into() }
    }

    /// The name shown in reports.
    pub fn name(&self) -> &str {
        match self {
            KeyStrategy::AsRead { name } => name,
        }
    }
}

/// Where a scenario sits in the grid: the strategy's index, the partitioner and the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScenarioId {
    /// Index into the run's strategies.
    pub strategy: usize,
    /// The producer client's mapping.
    pub partitioner: Partitioner,
    /// The partition count.
    pub partitions: PartitionCount,
}

/// Every scenario of a grid, strategy-major, then partitioner (in the order given), then count
/// (ascending, as given): the order reports list them in.
pub fn grid(
    strategies: usize,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
) -> Vec<ScenarioId> {
    (0..strategies)
        .flat_map(|strategy| {
            partitioners.iter().flat_map(move |&partitioner| {
                counts.iter().map(move |&partitions| ScenarioId {
                    strategy,
                    partitioner,
                    partitions,
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_order() {
        let n = |c| PartitionCount::new(c).unwrap();
        let g = grid(2, &[Partitioner::Sarama, Partitioner::Java], &[n(3), n(6)]);
        assert_eq!(g.len(), 8);
        assert_eq!(g[0].partitioner, Partitioner::Sarama);
        assert_eq!(g[1].partitions, n(6));
        assert_eq!(g[2].partitioner, Partitioner::Java);
        assert_eq!(g[4].strategy, 1);
    }
}
