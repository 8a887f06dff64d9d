//! Producer-client partitioners, bit-exact.
//!
//! A partitioner is split in two so that analysis can hash each distinct key once per hash function and
//! then evaluate any number of partition counts cheaply:
//! - [`HashFamily::hash`] computes the key's hash (widened to `u128` so MD5 fits);
//! - [`Partitioner::place`] turns that hash into a partition for a given count, applying the client's
//!   sign rule and its rule for empty keys.
//!
//! One file per hash family; the sign rules live in [`sign`] and are shared, never copied.

pub mod murmur2;
pub mod sign;

use crate::model::PartitionCount;

/// A hash function some client uses. Analysis hashes every distinct key once per family in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashFamily {
    /// Kafka's murmur2 (seed `0x9747b28c`).
    Murmur2,
}

impl HashFamily {
    /// The key's hash, zero-extended to 128 bits.
    pub fn hash(self, key: &[u8]) -> u128 {
        match self {
            HashFamily::Murmur2 => u128::from(murmur2::murmur2(key)),
        }
    }
}

/// Where a client puts one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Always this partition.
    Partition(u32),
    /// A partition chosen at random (sticky or round-robin): no per-key ordering, load spread evenly.
    Random,
}

/// A producer client's key -> partition mapping, named as on the command line (`--partitioner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Partitioner {
    /// Kafka Java producer default: `(murmur2(key) & 0x7fffffff) % n`.
    #[value(name = "java")]
    Java,
}

impl Partitioner {
    /// Every partitioner, in the order `keyplan partitioners` lists them.
    pub const ALL: &'static [Partitioner] = &[Partitioner::Java];

    /// The id users pass to `--partitioner`.
    pub fn id(self) -> &'static str {
        match self {
            Partitioner::Java => "java",
        }
    }

    /// The clients that use this mapping by default.
    pub fn clients(self) -> &'static str {
        match self {
            Partitioner::Java => {
                "Kafka Java producer (all versions), Kafka Streams, kafka-python, franz-go, \
                 KafkaJS >= 2 DefaultPartitioner"
            }
        }
    }

    /// The hash function this partitioner applies to keys.
    pub fn family(self) -> HashFamily {
        match self {
            Partitioner::Java => HashFamily::Murmur2,
        }
    }

    /// The partition of a key whose hash under [`family`](Self::family) is `hash`.
    pub fn place(self, key: &[u8], hash: u128, n: PartitionCount) -> Placement {
        let _ = key; // the Java client hashes the empty key like any other
        match self {
            Partitioner::Java => Placement::Partition(sign::mask(hash as u32, n.get())),
        }
    }

    /// Hashes and places one key: the convenience form of [`place`](Self::place).
    pub fn partition_of(self, key: &[u8], n: PartitionCount) -> Placement {
        self.place(key, self.family().hash(key), n)
    }
}

impl std::fmt::Display for Partitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
