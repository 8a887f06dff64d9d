//! Producer-client partitioners, bit-exact.
//!
//! Every mapping here reproduces a real client's key -> partition choice, as specified in
//! docs/partitioners.md and checked against the real clients' outputs in
//! tests/vectors (tests/cli/vectors.rs).
//!
//! A partitioner is split in two so that analysis can hash each distinct key once per hash function and
//! then evaluate any number of partitioners and partition counts cheaply:
//! - [`HashFamily::hash`] computes the key's hash (widened to `u128` so MD5 fits);
//! - [`Partitioner::place`] turns that hash into a partition for a given count, applying the client's
//!   sign rule ([`sign`]), its rule for empty keys, and (Kinesis) its rule for which keys it accepts.
//!
//! So `java`, `librdkafka-murmur2` and `redpanda-client` share one murmur2 pass, and `sarama`,
//! `sarama-reference`, `kafka-go-hash` and `librdkafka-fnv1a` share one FNV-1a pass.
//!
//! One file per hash family; the sign rules live in [`sign`] and are shared, never copied. Each
//! partitioner's behaviour is one [`Behaviour`] constant, so the listing `keyplan partitioners`
//! prints is the same data [`Partitioner::place`] runs on.

pub mod count;
pub mod crc32;
pub mod fnv1a;
pub mod java_string;
pub mod kafkajs_legacy;
pub mod kinesis;
pub mod murmur2;
pub mod sign;

pub use count::{CountError, PartitionCount, MAX_PARTITIONS};
use sign::SignRule;

/// A hash function some client uses. Analysis hashes every distinct key once per family in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashFamily {
    /// Kafka's murmur2 (seed `0x9747b28c`), [`murmur2::murmur2`].
    Murmur2,
    /// CRC-32 (IEEE / zlib), [`crc32::crc32`].
    Crc32,
    /// FNV-1a 32-bit, [`fnv1a::fnv1a`].
    Fnv1a,
    /// KafkaJS's buggy legacy murmur2, [`kafkajs_legacy::legacy_murmur2`].
    KafkajsLegacyMurmur2,
    /// Java `String.hashCode` of the key decoded as UTF-8, [`java_string::java_string_hash`].
    JavaStringHash,
    /// MD5 as a big-endian `u128`, [`kinesis::md5_u128`].
    Md5,
}

impl HashFamily {
    /// Every family, in declaration order.
    pub const ALL: &'static [HashFamily] = &[
        HashFamily::Murmur2,
        HashFamily::Crc32,
        HashFamily::Fnv1a,
        HashFamily::KafkajsLegacyMurmur2,
        HashFamily::JavaStringHash,
        HashFamily::Md5,
    ];

    /// The key's hash, zero-extended to 128 bits (32-bit hashes as their raw `u32` bits).
    pub fn hash(self, key: &[u8]) -> u128 {
        match self {
            HashFamily::Murmur2 => u128::from(murmur2::murmur2(key)),
            HashFamily::Crc32 => u128::from(crc32::crc32(key)),
            HashFamily::Fnv1a => u128::from(fnv1a::fnv1a(key)),
            HashFamily::KafkajsLegacyMurmur2 => {
                u128::from(kafkajs_legacy::legacy_murmur2(key) as u32)
            }
            HashFamily::JavaStringHash => u128::from(java_string::java_string_hash(key)),
            HashFamily::Md5 => kinesis::md5_u128(key),
        }
    }

    /// A short name for listings.
    pub fn name(self) -> &'static str {
        match self {
            HashFamily::Murmur2 => "murmur2",
            HashFamily::Crc32 => "crc32",
            HashFamily::Fnv1a => "fnv1a",
            HashFamily::KafkajsLegacyMurmur2 => "kafkajs-legacy-murmur2",
            HashFamily::JavaStringHash => "java-string-hashcode",
            HashFamily::Md5 => "md5",
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
    /// The client refuses the key (Kinesis: not 1..=256 code points of UTF-8), so it lands nowhere.
    Invalid,
}

impl std::fmt::Display for Placement {
    /// The partition number, or the words `random` / `invalid` (as `keyplan which` prints them).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Placement::Partition(p) => write!(f, "{p}"),
            Placement::Random => f.write_str("random"),
            Placement::Invalid => f.write_str("invalid"),
        }
    }
}

/// What a client does with a key, independent of the partition count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Treatment {
    /// The key is hashed to one partition.
    Hashed,
    /// The client spreads the key's messages over every partition (sticky or round-robin).
    Spread,
    /// The client refuses the key.
    Refused,
}

/// How a hash becomes a partition index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    /// The low 32 bits of the hash under a sign rule, modulo the partition count.
    Modulo(SignRule),
    /// Kinesis: the even hash-key range of a fresh stream holding the 128-bit hash
    /// ([`kinesis::shard`]).
    ShardRange,
}

impl Mapping {
    /// The rule as `keyplan partitioners` prints it.
    pub fn describe(self) -> &'static str {
        match self {
            Mapping::Modulo(rule) => rule.formula(),
            Mapping::ShardRange => "shard range: hash in [i*floor(2^128/n), ...]",
        }
    }
}

/// What a client does with an empty, non-null key (`b""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmptyKey {
    /// Hashes it like any other key.
    Hashed,
    /// Picks a partition at random; the text says how (sticky, round-robin).
    Spread(&'static str),
    /// Refuses it.
    Rejected,
}

/// What a client does with a null key (absent key; keyplan's inputs never hold one, but the listing
/// and the tests against the clients' null-key vectors need it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullKey {
    /// Treats it exactly like the empty key.
    AsEmpty,
    /// Picks a partition at random; the text says how (sticky, round-robin).
    Spread(&'static str),
    /// Refuses it.
    Rejected,
}

/// A restriction on the keys a client accepts.
#[derive(Debug, Clone, Copy)]
pub struct KeyRule {
    /// Whether the client accepts the key.
    pub check: fn(&[u8]) -> bool,
    /// The rule in words, for messages about refused keys.
    pub rule: &'static str,
}

/// Everything that defines one client's mapping (spec table "Clients").
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// The hash function.
    pub family: HashFamily,
    /// How the hash becomes an index.
    pub mapping: Mapping,
    /// The empty-key rule.
    pub empty_key: EmptyKey,
    /// The null-key rule.
    pub null_key: NullKey,
    /// Which keys the client accepts at all (`None`: every byte string).
    pub accepts: Option<KeyRule>,
    /// The clients that use this mapping by default (or, for opt-in settings, how to select it).
    pub clients: &'static str,
}

const STICKY: &str = "random (sticky)";
const ROUND_ROBIN: &str = "random (round-robin)";

const JAVA: Behaviour = Behaviour {
    family: HashFamily::Murmur2,
    mapping: Mapping::Modulo(SignRule::Mask),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::Spread(STICKY),
    accepts: None,
    clients:
        "Kafka Java producer (all versions, BuiltInPartitioner), Kafka Streams, kafka-python, \
              franz-go, KafkaJS >= 2 DefaultPartitioner, confluent-kafka-javascript (KafkaJS API)",
};

const LIBRDKAFKA: Behaviour = Behaviour {
    family: HashFamily::Crc32,
    mapping: Mapping::Modulo(SignRule::Unsigned),
    empty_key: EmptyKey::Spread(STICKY),
    null_key: NullKey::Spread(STICKY),
    accepts: None,
    clients: "librdkafka default partitioner=consistent_random: confluent-kafka-python, \
              confluent-kafka-go, confluent-kafka-dotnet, node-rdkafka, rust-rdkafka, kcat",
};

const LIBRDKAFKA_CONSISTENT: Behaviour = Behaviour {
    family: HashFamily::Crc32,
    mapping: Mapping::Modulo(SignRule::Unsigned),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::AsEmpty,
    accepts: None,
    clients: "librdkafka partitioner=consistent (opt-in)",
};

const LIBRDKAFKA_MURMUR2: Behaviour = Behaviour {
    family: HashFamily::Murmur2,
    mapping: Mapping::Modulo(SignRule::Mask),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::AsEmpty,
    accepts: None,
    clients: "librdkafka partitioner=murmur2 (opt-in, Java-compatible for keyed messages)",
};

const LIBRDKAFKA_MURMUR2_RANDOM: Behaviour = Behaviour {
    null_key: NullKey::Spread(STICKY),
    clients: "librdkafka partitioner=murmur2_random (opt-in, the Java producer's equivalent)",
    ..LIBRDKAFKA_MURMUR2
};

const LIBRDKAFKA_FNV1A: Behaviour = Behaviour {
    family: HashFamily::Fnv1a,
    mapping: Mapping::Modulo(SignRule::Neg),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::AsEmpty,
    accepts: None,
    clients: "librdkafka partitioner=fnv1a (opt-in, sarama-compatible for keyed messages)",
};

const LIBRDKAFKA_FNV1A_RANDOM: Behaviour = Behaviour {
    null_key: NullKey::Spread(STICKY),
    clients: "librdkafka partitioner=fnv1a_random (opt-in)",
    ..LIBRDKAFKA_FNV1A
};

const SARAMA: Behaviour = Behaviour {
    family: HashFamily::Fnv1a,
    mapping: Mapping::Modulo(SignRule::Neg),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::Spread("random"),
    accepts: None,
    clients: "IBM/Shopify sarama default (NewHashPartitioner)",
};

const SARAMA_REFERENCE: Behaviour = Behaviour {
    mapping: Mapping::Modulo(SignRule::Mask),
    clients: "sarama NewReferenceHashPartitioner; kafka-go ReferenceHash balancer",
    ..SARAMA
};

const KAFKA_GO_HASH: Behaviour = Behaviour {
    null_key: NullKey::Spread(ROUND_ROBIN),
    clients: "kafka-go Hash balancer (opt-in; the Writer default, RoundRobin, ignores keys)",
    ..SARAMA
};

const KAFKAJS_LEGACY: Behaviour = Behaviour {
    family: HashFamily::KafkajsLegacyMurmur2,
    mapping: Mapping::Modulo(SignRule::Mask),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::Spread(ROUND_ROBIN),
    accepts: None,
    clients: "KafkaJS LegacyPartitioner (KafkaJS 1.x default; buggy float murmur2)",
};

const REDPANDA_CLIENT: Behaviour = Behaviour {
    family: HashFamily::Murmur2,
    mapping: Mapping::Modulo(SignRule::Unsigned),
    empty_key: EmptyKey::Spread(ROUND_ROBIN),
    null_key: NullKey::Spread(ROUND_ROBIN),
    accepts: None,
    clients: "Redpanda's built-in C++ client (murmur2 without the sign mask)",
};

const KINESIS: Behaviour = Behaviour {
    family: HashFamily::Md5,
    mapping: Mapping::ShardRange,
    empty_key: EmptyKey::Rejected,
    null_key: NullKey::Rejected,
    accepts: Some(KeyRule {
        check: kinesis::accepts,
        rule: "Kinesis partition keys must be 1..=256 Unicode code points of valid UTF-8",
    }),
    clients: "AWS Kinesis Data Streams, fresh stream (--partitions = shards; keys must be \
              1..=256 code points of UTF-8)",
};

const PULSAR_JAVA: Behaviour = Behaviour {
    family: HashFamily::JavaStringHash,
    mapping: Mapping::Modulo(SignRule::Mask),
    empty_key: EmptyKey::Hashed,
    null_key: NullKey::Spread(ROUND_ROBIN),
    accepts: None,
    clients: "Pulsar Java producer (JavaStringHash, RoundRobinPartition router; String keys)",
};

/// A producer client's key -> partition mapping, named as on the command line (`--partitioner`).
///
/// The ids and behaviours are those of docs/partitioners.md, "The clients".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Partitioner {
    /// Kafka Java producer default: `(murmur2(key) & 0x7fffffff) % n`.
    Java,
    /// librdkafka default (`consistent_random`): `crc32(key) % n`; empty and null keys at random.
    Librdkafka,
    /// librdkafka `consistent`: `crc32(key) % n`; empty and null keys on partition 0.
    LibrdkafkaConsistent,
    /// librdkafka `murmur2`: as `java`; null keys hashed as empty.
    LibrdkafkaMurmur2,
    /// librdkafka `murmur2_random`: as `java`; null keys at random.
    LibrdkafkaMurmur2Random,
    /// librdkafka `fnv1a`: `|fnv1a(key) as i32| % n`; null keys hashed as empty.
    LibrdkafkaFnv1a,
    /// librdkafka `fnv1a_random`: as `librdkafka-fnv1a`; null keys at random.
    LibrdkafkaFnv1aRandom,
    /// sarama default hash partitioner: `|fnv1a(key) as i32| % n`.
    Sarama,
    /// sarama reference hash partitioner / kafka-go ReferenceHash: `(fnv1a(key) & 0x7fffffff) % n`.
    SaramaReference,
    /// kafka-go Hash balancer: as `sarama`.
    KafkaGoHash,
    /// KafkaJS LegacyPartitioner: buggy float murmur2, masked.
    KafkajsLegacy,
    /// Redpanda C++ client: `(murmur2(key) as u32) % n`; empty keys round-robin.
    RedpandaClient,
    /// AWS Kinesis: MD5 of the key in even shard ranges (`--partitions` = shards).
    Kinesis,
    /// Pulsar Java producer: `(String.hashCode(key) & 0x7fffffff) % n`.
    PulsarJava,
}

impl Partitioner {
    /// Every partitioner, in the order `keyplan partitioners` lists them.
    pub const ALL: &'static [Partitioner] = &[
        Partitioner::Java,
        Partitioner::Librdkafka,
        Partitioner::LibrdkafkaConsistent,
        Partitioner::LibrdkafkaMurmur2,
        Partitioner::LibrdkafkaMurmur2Random,
        Partitioner::LibrdkafkaFnv1a,
        Partitioner::LibrdkafkaFnv1aRandom,
        Partitioner::Sarama,
        Partitioner::SaramaReference,
        Partitioner::KafkaGoHash,
        Partitioner::KafkajsLegacy,
        Partitioner::RedpandaClient,
        Partitioner::Kinesis,
        Partitioner::PulsarJava,
    ];

    /// The id users pass to `--partitioner`.
    pub fn id(self) -> &'static str {
        match self {
            Partitioner::Java => "java",
            Partitioner::Librdkafka => "librdkafka",
            Partitioner::LibrdkafkaConsistent => "librdkafka-consistent",
            Partitioner::LibrdkafkaMurmur2 => "librdkafka-murmur2",
            Partitioner::LibrdkafkaMurmur2Random => "librdkafka-murmur2-random",
            Partitioner::LibrdkafkaFnv1a => "librdkafka-fnv1a",
            Partitioner::LibrdkafkaFnv1aRandom => "librdkafka-fnv1a-random",
            Partitioner::Sarama => "sarama",
            Partitioner::SaramaReference => "sarama-reference",
            Partitioner::KafkaGoHash => "kafka-go-hash",
            Partitioner::KafkajsLegacy => "kafkajs-legacy",
            Partitioner::RedpandaClient => "redpanda-client",
            Partitioner::Kinesis => "kinesis",
            Partitioner::PulsarJava => "pulsar-java",
        }
    }

    /// The partitioner with this id, as [`id`](Self::id) spells it.
    pub fn from_id(id: &str) -> Option<Partitioner> {
        Partitioner::ALL.iter().copied().find(|p| p.id() == id)
    }

    /// A one-line description of the mapping (for `--help`).
    pub fn summary(self) -> &'static str {
        match self {
            Partitioner::Java => "Kafka Java producer default: `(murmur2(key) & 0x7fffffff) % n`.",
            Partitioner::Librdkafka => "librdkafka default (`consistent_random`): `crc32(key) % n`; empty and null keys at random.",
            Partitioner::LibrdkafkaConsistent => "librdkafka `consistent`: `crc32(key) % n`; empty and null keys on partition 0.",
            Partitioner::LibrdkafkaMurmur2 => "librdkafka `murmur2`: as `java`; null keys hashed as empty.",
            Partitioner::LibrdkafkaMurmur2Random => "librdkafka `murmur2_random`: as `java`; null keys at random.",
            Partitioner::LibrdkafkaFnv1a => "librdkafka `fnv1a`: `|fnv1a(key) as i32| % n`; null keys hashed as empty.",
            Partitioner::LibrdkafkaFnv1aRandom => "librdkafka `fnv1a_random`: as `librdkafka-fnv1a`; null keys at random.",
            Partitioner::Sarama => "sarama default hash partitioner: `|fnv1a(key) as i32| % n`.",
            Partitioner::SaramaReference => "sarama reference hash partitioner / kafka-go ReferenceHash: `(fnv1a(key) & 0x7fffffff) % n`.",
            Partitioner::KafkaGoHash => "kafka-go Hash balancer: as `sarama`.",
            Partitioner::KafkajsLegacy => "KafkaJS LegacyPartitioner: buggy float murmur2, masked.",
            Partitioner::RedpandaClient => "Redpanda C++ client: `(murmur2(key) as u32) % n`; empty keys round-robin.",
            Partitioner::Kinesis => "AWS Kinesis: MD5 of the key in even shard ranges (`--partitions` = shards).",
            Partitioner::PulsarJava => "Pulsar Java producer: `(String.hashCode(key) & 0x7fffffff) % n`.",
        }
    }

    /// The full behaviour: hash, sign rule, empty/null-key rules, accepted keys, clients.
    pub fn behaviour(self) -> &'static Behaviour {
        match self {
            Partitioner::Java => &JAVA,
            Partitioner::Librdkafka => &LIBRDKAFKA,
            Partitioner::LibrdkafkaConsistent => &LIBRDKAFKA_CONSISTENT,
            Partitioner::LibrdkafkaMurmur2 => &LIBRDKAFKA_MURMUR2,
            Partitioner::LibrdkafkaMurmur2Random => &LIBRDKAFKA_MURMUR2_RANDOM,
            Partitioner::LibrdkafkaFnv1a => &LIBRDKAFKA_FNV1A,
            Partitioner::LibrdkafkaFnv1aRandom => &LIBRDKAFKA_FNV1A_RANDOM,
            Partitioner::Sarama => &SARAMA,
            Partitioner::SaramaReference => &SARAMA_REFERENCE,
            Partitioner::KafkaGoHash => &KAFKA_GO_HASH,
            Partitioner::KafkajsLegacy => &KAFKAJS_LEGACY,
            Partitioner::RedpandaClient => &REDPANDA_CLIENT,
            Partitioner::Kinesis => &KINESIS,
            Partitioner::PulsarJava => &PULSAR_JAVA,
        }
    }

    /// The clients that use this mapping by default.
    pub fn clients(self) -> &'static str {
        self.behaviour().clients
    }

    /// The hash function this partitioner applies to keys.
    pub fn family(self) -> HashFamily {
        self.behaviour().family
    }

    /// The partition of a key whose hash under [`family`](Self::family) is `hash`.
    ///
    /// Order of the rules: a key the client refuses is [`Placement::Invalid`] whatever `n` is (Kinesis
    /// rejects it even with one shard); otherwise one partition means partition 0; otherwise an empty
    /// key under a client that spreads empty keys is [`Placement::Random`]; otherwise the hash is mapped.
    pub fn place(self, key: &[u8], hash: u128, n: PartitionCount) -> Placement {
        let b = self.behaviour();
        if let Some(rule) = b.accepts {
            if !(rule.check)(key) {
                return Placement::Invalid;
            }
        }
        if n.get() == 1 {
            return Placement::Partition(0);
        }
        if key.is_empty() {
            match b.empty_key {
                EmptyKey::Hashed => {}
                EmptyKey::Spread(_) => return Placement::Random,
                EmptyKey::Rejected => return Placement::Invalid,
            }
        }
        Placement::Partition(match b.mapping {
            // 32-bit families: the hash is the raw u32 zero-extended, so truncation is exact.
            Mapping::Modulo(rule) => rule.apply(hash as u32, n.get()),
            Mapping::ShardRange => kinesis::shard(hash, n.get()),
        })
    }

    /// What the client does with `key` whatever the partition count: hash it, spread it (the empty key
    /// under clients that place it at random) or refuse it. Only hashed keys can make a partition hot.
    pub fn treatment(self, key: &[u8]) -> Treatment {
        let b = self.behaviour();
        if let Some(rule) = b.accepts {
            if !(rule.check)(key) {
                return Treatment::Refused;
            }
        }
        match (key.is_empty(), b.empty_key) {
            (true, EmptyKey::Spread(_)) => Treatment::Spread,
            (true, EmptyKey::Rejected) => Treatment::Refused,
            _ => Treatment::Hashed,
        }
    }

    /// Whether [`treatment`](Self::treatment) is [`Treatment::Hashed`] for every possible key.
    pub fn hashes_every_key(self) -> bool {
        let b = self.behaviour();
        b.accepts.is_none() && matches!(b.empty_key, EmptyKey::Hashed)
    }

    /// Hashes and places one key: the convenience form of [`place`](Self::place).
    pub fn partition_of(self, key: &[u8], n: PartitionCount) -> Placement {
        self.place(key, self.family().hash(key), n)
    }

    /// Where the client puts a message with a *null* key (no key at all), for comparison with the
    /// clients' null-key vectors: as the empty key, at random (partition 0 when `n` is 1), or refused.
    pub fn place_null(self, n: PartitionCount) -> Placement {
        match self.behaviour().null_key {
            NullKey::AsEmpty => self.partition_of(b"", n),
            NullKey::Spread(_) if n.get() == 1 => Placement::Partition(0),
            NullKey::Spread(_) => Placement::Random,
            NullKey::Rejected => Placement::Invalid,
        }
    }
}

impl std::fmt::Display for Partitioner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(count: u32) -> PartitionCount {
        PartitionCount::new(u64::from(count)).unwrap()
    }

    #[test]
    fn ids_round_trip() {
        for &p in Partitioner::ALL {
            assert_eq!(Partitioner::from_id(p.id()), Some(p));
        }
        assert_eq!(Partitioner::from_id("confluent"), None);
    }

    /// Spec "Published test vectors" that are partitions rather than raw hashes.
    #[test]
    fn published_partitions() {
        let at = |p: Partitioner, key: &[u8], count: u32| p.partition_of(key, n(count));
        // kafka-go: "20" with 16 partitions.
        assert_eq!(
            at(Partitioner::KafkaGoHash, b"20", 16),
            Placement::Partition(1)
        );
        assert_eq!(
            at(Partitioner::SaramaReference, b"20", 16),
            Placement::Partition(15)
        );
        // Redpanda client vs Java.
        assert_eq!(
            at(Partitioner::RedpandaClient, b"kafka", 100),
            Placement::Partition(28)
        );
        assert_eq!(
            at(Partitioner::Java, b"kafka", 100),
            Placement::Partition(80)
        );
        // Pulsar: hashCode 0x80000000 masks to 0.
        assert_eq!(
            at(Partitioner::PulsarJava, b"polygenelubricants", 7),
            Placement::Partition(0)
        );
        // sarama's CRC-32 values at 100 partitions (librdkafka consistent).
        for (key, p) in [
            (&b"abc123def456"[..], 57),
            (b"SheetJS", 26),
            (b"9e8c7f4cf45857cfff7645d6", 24),
        ] {
            assert_eq!(
                at(Partitioner::Librdkafka, key, 100),
                Placement::Partition(p)
            );
        }
        // kafka-python, 1000 partitions.
        for (key, p) in [
            (&b""[..], 681),
            (b"a", 524),
            (b"ab", 434),
            (b"abc", 107),
            (b"123456789", 566),
            (b"\x00 ", 742),
        ] {
            assert_eq!(at(Partitioner::Java, key, 1000), Placement::Partition(p));
        }
    }

    #[test]
    fn empty_key_rules() {
        use Placement::*;
        let e = |p: Partitioner, count| p.partition_of(b"", n(count));
        assert_eq!(e(Partitioner::Librdkafka, 12), Random);
        assert_eq!(e(Partitioner::Librdkafka, 1), Partition(0));
        assert_eq!(e(Partitioner::LibrdkafkaConsistent, 12), Partition(0));
        assert_eq!(e(Partitioner::RedpandaClient, 12), Random);
        assert_eq!(e(Partitioner::Kinesis, 1), Invalid);
        assert_eq!(e(Partitioner::PulsarJava, 12), Partition(0));
        assert_eq!(e(Partitioner::Java, 1000), Partition(681));
        assert_eq!(
            e(Partitioner::LibrdkafkaFnv1a, 1 << 16),
            Partition(2_128_831_035 % (1 << 16))
        );
    }

    #[test]
    fn families_are_shared() {
        use std::collections::BTreeSet;
        let families: BTreeSet<_> = Partitioner::ALL.iter().map(|p| p.family()).collect();
        assert_eq!(families.len(), HashFamily::ALL.len());
        assert_eq!(
            Partitioner::Java.family(),
            Partitioner::RedpandaClient.family()
        );
    }
}
