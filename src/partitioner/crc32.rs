//! CRC-32 (IEEE / zlib): the hash behind librdkafka's `consistent` and `consistent_random`
//! partitioners, and so the default of every librdkafka-based client (confluent-kafka-python, -go,
//! .NET, node-rdkafka, rust-rdkafka).
//!
//! Reference: docs/partitioners.md, "The hash functions" (CRC-32: poly 0x04c11db7 reflected,
//! init and xorout 0xffffffff). `crc32fast` implements exactly that polynomial, with SIMD when the
//! CPU has it.

/// The standard CRC-32 of `key`, as librdkafka's `rd_crc32` computes it. `crc32(b"") == 0`, which is
/// why the empty key lands on partition 0 under `consistent`.
pub fn crc32(key: &[u8]) -> u32 {
    crc32fast::hash(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// librdkafka partitioner test (tests/0048-partitioner.c) and the CRC-32 check value.
    #[test]
    fn published_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b"23456"), 0xb1b4_51d7);
        assert_eq!(
            crc32(b"this is another string with more length to it perhaps"),
            0xb015_0df7
        );
        assert_eq!(crc32(b"hejsan"), 0xd077_037e);
    }
}
