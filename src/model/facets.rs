//! Facets: what a sample carries besides per-key events and bytes, collected only when asked.
//!
//! - distinct (key, entity) pairs with their events, for ordering checks (an entity is split when its
//!   pairs' keys land on more than one partition);
//! - per-key events per time window, for peak rates, bursts and lag;
//! - per-key events per observed partition (kcat `-J` envelopes, or a partition column), for telling
//!   which client produced a topic.
//!
//! Each facet is a list of cells keyed by the key's index in the sample's
//! [`KeyDistribution`](crate::model::KeyDistribution), so analysis hashes each distinct key once and reuses the hash for
//! every cell. Memory grows with the distinct cells kept, never with events; [`FacetsSpec::max_cells`]
//! bounds it, and a sample that exceeds the bound fails with a message instead of exhausting memory.

/// Which facets to collect, and the memory bound on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FacetsSpec {
    /// Collect (key, entity) pairs (rows must carry an entity).
    pub entities: bool,
    /// Collect per-key counts per window of this many milliseconds (rows must carry a time).
    pub window_ms: Option<i64>,
    /// Collect per-key counts per observed partition (rows must carry one).
    pub observed_partitions: bool,
    /// The most cells (over all facets) kept in memory.
    pub max_cells: u64,
}

/// The default bound on facet cells: about 100 bytes each, so 20 million cells stay near 2 GB.
pub const DEFAULT_MAX_CELLS: u64 = 20_000_000;

impl Default for FacetsSpec {
    fn default() -> FacetsSpec {
        FacetsSpec {
            entities: false,
            window_ms: None,
            observed_partitions: false,
            max_cells: DEFAULT_MAX_CELLS,
        }
    }
}

impl FacetsSpec {
    /// Whether any facet is asked for.
    pub fn any(&self) -> bool {
        self.entities || self.window_ms.is_some() || self.observed_partitions
    }
}

/// Distinct (key, value) pairs with their events, sorted by key index, then value bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairCounts {
    /// `(key index, value bytes, events)`.
    pub cells: Vec<(u32, Box<[u8]>, u64)>,
    /// Events whose value was empty (not an entity), kept apart.
    pub empty_value_events: u64,
}

/// Per-key events per time window, sorted by key index, then window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowCounts {
    /// The window length in milliseconds; windows start at multiples of it since the Unix epoch.
    pub window_ms: i64,
    /// `(key index, window start in ms, events)`.
    pub cells: Vec<(u32, i64, u64)>,
}

/// Per-key events per observed partition, sorted by key index, then partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedPartitions {
    /// `(key index, partition, events)`.
    pub cells: Vec<(u32, u32, u64)>,
}

/// The facets a run collected (each `None` unless asked for).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// (key, entity) pairs.
    pub entities: Option<PairCounts>,
    /// Per-key window counts.
    pub windows: Option<WindowCounts>,
    /// Per-key observed partitions.
    pub observed: Option<ObservedPartitions>,
}

/// Why facets could not be collected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FacetError {
    /// More distinct cells than the bound allows.
    #[error(
        "the sample has more than {limit} distinct (key, entity / window / partition) cells; \
         aggregate it upstream (GROUP BY key, entity) or use a longer window"
    )]
    TooManyCells {
        /// The bound that was passed.
        limit: u64,
    },
}

/// The start of the window holding `time_ms`: windows are aligned to multiples of their length since
/// the Unix epoch (floor division, so times before 1970 fall in the window below).
pub fn window_start(time_ms: i64, window_ms: i64) -> i64 {
    time_ms.div_euclid(window_ms) * window_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_to_the_epoch() {
        assert_eq!(window_start(0, 1000), 0);
        assert_eq!(window_start(1999, 1000), 1000);
        assert_eq!(window_start(-1, 1000), -1000);
        assert_eq!(window_start(3_600_001, 3_600_000), 3_600_000);
    }
}
