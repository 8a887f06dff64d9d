//! Partition counts: the one number every placement rule takes besides the key.
//!
//! It lives with the partitioners because a placement is only defined for `1..=MAX_PARTITIONS`
//! partitions; every other layer borrows the type from here.

use std::fmt;
use std::num::NonZeroU32;

/// The largest partition (or shard) count keyplan accepts. Kafka itself allows more, but no real topic
/// has more partitions than this and per-partition tables beyond it are not readable.
pub const MAX_PARTITIONS: u32 = 100_000;

/// A partition count in `1..=MAX_PARTITIONS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionCount(NonZeroU32);

/// Why a number is not a partition count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    /// Zero partitions.
    #[error("a partition count must be at least 1")]
    Zero,
    /// More than [`MAX_PARTITIONS`].
    #[error("partition count {0} is out of range (1..={MAX_PARTITIONS})")]
    TooLarge(u64),
}

impl PartitionCount {
    /// Validates a raw count.
    pub fn new(n: u64) -> Result<PartitionCount, CountError> {
        if n > u64::from(MAX_PARTITIONS) {
            return Err(CountError::TooLarge(n));
        }
        // Both bounds are checked (zero by `NonZeroU32::new`), so the conversion cannot truncate.
        NonZeroU32::new(n as u32)
            .map(PartitionCount)
            .ok_or(CountError::Zero)
    }

    /// The count as a `u32` (never zero).
    pub fn get(self) -> u32 {
        self.0.get()
    }

    /// The count as a `usize`, for indexing per-partition tables.
    pub fn as_usize(self) -> usize {
        self.0.get() as usize
    }
}

impl fmt::Display for PartitionCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(PartitionCount::new(0), Err(CountError::Zero));
        assert_eq!(PartitionCount::new(1).unwrap().get(), 1);
        assert_eq!(PartitionCount::new(100_000).unwrap().get(), 100_000);
        assert_eq!(
            PartitionCount::new(100_001),
            Err(CountError::TooLarge(100_001))
        );
        assert!(PartitionCount::new(u64::MAX).is_err());
    }
}
