//! FNV-1a, 32-bit: the hash of sarama's default `NewHashPartitioner`, kafka-go's `Hash` and
//! `ReferenceHash` balancers, and librdkafka's `fnv1a` / `fnv1a_random` partitioners.
//!
//! Reference: docs/partitioners.md, "The hash functions" (offset basis `0x811C9DC5`, prime
//! `0x01000193`, per byte `h ^= b; h *= prime`). The clients differ only in the sign rule they
//! apply afterwards ([`super::sign`]).

/// FNV-1a 32-bit offset basis.
const OFFSET_BASIS: u32 = 0x811c_9dc5;
/// FNV-1a 32-bit prime.
const PRIME: u32 = 0x0100_0193;

/// The 32-bit FNV-1a hash of `key`, bytes taken unsigned.
pub fn fnv1a(key: &[u8]) -> u32 {
    key.iter()
        .fold(OFFSET_BASIS, |h, &b| (h ^ u32::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partitioner::sign;

    /// The `i32::MIN` edge case named in the spec.
    #[test]
    fn int_min_key() {
        assert_eq!(fnv1a(b"1468509572224"), 0x8000_0000);
    }

    /// librdkafka's fnv1a unit test values are given after its sign fix (`if h < 0 { h = -h }`),
    /// i.e. `neg` with an n large enough not to wrap.
    #[test]
    fn librdkafka_unit_values() {
        let cases: [(&str, u32); 11] = [
            ("kafka", 0xd33c4e1),
            ("giberish123456789", 0x77a58295),
            ("1234", 0x23bdd03),
            ("234", 0x2dea3cd2),
            ("34", 0x740fa83e),
            ("4", 0x310ca263),
            ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x65cbd69c),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x6e49c79a),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0x69eed356),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x6abcc023),
            ("", 0x7ee3623b),
        ];
        for (key, expected) in cases {
            assert_eq!(
                (fnv1a(key.as_bytes()) as i32).unsigned_abs(),
                expected,
                "fnv1a({key:?})"
            );
            assert_eq!(sign::neg(fnv1a(key.as_bytes()), u32::MAX), expected);
        }
    }
}
