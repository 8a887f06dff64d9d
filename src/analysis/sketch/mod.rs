//! Fixed-memory summaries of a key stream, for the bounded-memory mode of `analyze`
//! ([`crate::analysis::stream`]):
//! - [`SpaceSaving`]: the heaviest keys with guaranteed error bounds on their counts;
//! - [`HyperLogLog`]: the number of distinct keys with a known relative standard error.
//!
//! Both are mergeable, so ingest workers can each keep one and combine them at the end.

pub mod hll;
pub mod space_saving;

pub use hll::HyperLogLog;
pub use space_saving::{Counter, SpaceSaving};
