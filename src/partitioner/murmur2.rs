//! murmur2, Kafka flavour: the hash behind the Java client's default partitioner (and kafka-python,
//! franz-go, KafkaJS >= 2, librdkafka's `murmur2` partitioners and the Redpanda client).
//!
//! Reference: `org.apache.kafka.common.utils.Utils.murmur2` (docs/partitioners.md).

const SEED: u32 = 0x9747_b28c;
const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// Kafka's murmur2 of `key`, as the raw 32-bit value (Java's `int` reinterpreted as unsigned).
///
/// Blocks are read little-endian and bytes are unsigned, matching Java's `b[i] & 0xff`.
pub fn murmur2(key: &[u8]) -> u32 {
    // Java computes `seed ^ length` on an int: the length is truncated to 32 bits.
    let mut h = SEED ^ (key.len() as u32);
    let mut blocks = key.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        if tail.len() >= 3 {
            h ^= u32::from(tail[2]) << 16;
        }
        if tail.len() >= 2 {
            h ^= u32::from(tail[1]) << 8;
        }
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Apache Kafka `UtilsTest.testMurmur2`, as signed Java ints.
    #[test]
    fn kafka_utils_test_vectors() {
        let cases: [(&str, i32); 6] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            ("abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key.as_bytes()) as i32, expected, "murmur2({key:?})");
        }
    }

    /// sarama's murmur2 test values (unsigned) and the empty key.
    #[test]
    fn sarama_vectors() {
        for (key, expected) in [
            ("foo", 597_841_616u32),
            ("bar", 988_958_145),
            ("baz", 1_973_573_280),
            ("", 275_646_681),
            ("kafka", 3_496_464_228),
            ("sarama", 770_765_511),
        ] {
            assert_eq!(murmur2(key.as_bytes()), expected, "murmur2({key:?})");
        }
    }
}
