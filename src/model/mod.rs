//! The typed data that flows between layers: partition counts, key strategies, scenarios, and the
//! sample that ingest produces and analysis consumes.
//!
//! Nothing here reads input or renders output; the types only carry data and their invariants.

pub mod facets;
pub mod sample;
pub mod scenario;
pub mod weights;

pub use crate::partitioner::{PartitionCount, MAX_PARTITIONS};
pub use facets::{FacetError, Facets, FacetsSpec, ObservedPartitions, PairCounts, WindowCounts};
pub use sample::{KeyDistribution, KeyList};
pub use scenario::{KeyStrategy, ScenarioId};
pub use weights::WeightSummary;
