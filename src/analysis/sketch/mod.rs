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

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Seed of [`key_hash`]. Any fixed value works; it must never change between releases so that
/// estimates are reproducible.
const HASH_SEED: u64 = 0x6b65_7970_6c61_6e00; // "keyplan\0"

/// The 64-bit hash both sketches use (XXH3 with a fixed seed), computed once per event and shared.
pub fn key_hash(key: &[u8]) -> u64 {
    xxh3_64_with_seed(key, HASH_SEED)
}
