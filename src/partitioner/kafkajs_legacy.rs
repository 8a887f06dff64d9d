//! KafkaJS's `LegacyPartitioner` murmur2: a JavaScript port of Kafka's murmur2 with three bugs that
//! make it disagree with the Java client for most keys. keyplan reproduces the bugs exactly.
//!
//! Reference: docs/partitioners.md ("KafkaJS' legacy murmur2") and KafkaJS
//! `src/producer/partitioners/legacy/murmur2.js`. The bugs:
//! 1. the body loop runs `i < length / 4` with a *float* division, i.e. `ceil(len / 4)` times, and
//!    reads the missing bytes past the end as 0 (`undefined & 0xff`);
//! 2. the tail bytes are then XORed in again by the `switch (length % 4)` fall-through;
//! 3. `k *= M` and `h *= M` are IEEE-754 double multiplies: products above 2^53 are rounded before
//!    the next bitwise operator truncates them with ToInt32 / ToUint32, so low bits are lost.
//!
//! Also, the block is assembled with `+` rather than `|`, and `b3 << 24` is a signed 32-bit value,
//! so `k` starts as a possibly negative double in `[-2^31, 2^31)`.

const SEED: u32 = 0x9747_b28c;
const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// ECMAScript `a * M` on doubles, as JavaScript computes it when `a` holds an int32 value.
///
/// `|a| < 2^31` and `M < 2^31`, so the product fits an `f64` exponent easily; it is rounded to 53
/// significant bits like JavaScript does, and stays an integer, so converting it to `i64` is exact.
fn js_mul_m(a: f64) -> f64 {
    a * f64::from(M)
}

/// ECMAScript ToInt32 of an integral double whose magnitude is below 2^63: the value modulo 2^32,
/// reinterpreted as signed.
fn to_int32(x: f64) -> i32 {
    (x as i64) as i32
}

/// ECMAScript ToUint32 of an integral double whose magnitude is below 2^63.
fn to_uint32(x: f64) -> u32 {
    (x as i64) as u32
}

/// KafkaJS legacy murmur2 of `key`, as the JavaScript function returns it (an int32).
pub fn legacy_murmur2(key: &[u8]) -> i32 {
    let len = key.len();
    let byte = |i: usize| -> i32 { key.get(i).map_or(0, |&b| i32::from(b)) };
    // `SEED ^ length`: ToInt32 of both operands, so an int32 result.
    let mut h: f64 = f64::from((SEED ^ len as u32) as i32);
    // Bug 1: `for (i = 0; i < length / 4; i++)` with float division runs ceil(len / 4) times.
    for i in 0..len.div_ceil(4) {
        let i4 = i * 4;
        // `(b0 & 0xff) + ((b1 & 0xff) << 8) + ((b2 & 0xff) << 16) + ((b3 & 0xff) << 24)`: each shift
        // is an int32, the `+` are double additions (exact at this size).
        let mut k: f64 = f64::from(byte(i4))
            + f64::from(byte(i4 + 1) << 8)
            + f64::from(byte(i4 + 2) << 16)
            + f64::from(byte(i4 + 3).wrapping_shl(24));
        k = js_mul_m(k); // Bug 3: rounded double product.
        k = f64::from(to_int32(k) ^ (to_uint32(k) >> R) as i32);
        k = js_mul_m(k);
        h = js_mul_m(h);
        h = f64::from(to_int32(h) ^ to_int32(k));
    }
    // Bug 2: the tail is XORed in again.
    let base = len & !3;
    let tail = len % 4;
    if tail >= 3 {
        h = f64::from(to_int32(h) ^ (byte(base + 2) << 16));
    }
    if tail >= 2 {
        h = f64::from(to_int32(h) ^ (byte(base + 1) << 8));
    }
    if tail >= 1 {
        h = f64::from(to_int32(h) ^ byte(base));
        h = js_mul_m(h);
    }
    h = f64::from(to_int32(h) ^ (to_uint32(h) >> 13) as i32);
    h = js_mul_m(h);
    to_int32(h) ^ (to_uint32(h) >> 15) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// KafkaJS `LegacyPartitioner` murmur2 test values (spec "Published test vectors").
    #[test]
    fn published_values() {
        let cases: [(&str, i32); 11] = [
            ("0", 272_173_970),
            ("1", 1_311_020_360),
            ("128", 2_053_105_854),
            ("2187", -2_081_355_488),
            ("16384", 204_404_061),
            ("78125", -677_491_393),
            ("279936", -622_460_209),
            ("823543", 651_276_451),
            ("2097152", 944_683_677),
            ("4782969", -892_695_770),
            ("10000000", -1_778_616_326),
        ];
        for (key, expected) in cases {
            assert_eq!(legacy_murmur2(key.as_bytes()), expected, "legacy({key:?})");
        }
    }

    /// The legacy function is not Java's murmur2: the default KafkaJS partitioner (= Java) gives
    /// "0" -> 971027396, which the legacy one does not.
    #[test]
    fn differs_from_java() {
        assert_eq!(
            crate::partitioner::murmur2::murmur2(b"0") as i32,
            971_027_396
        );
        assert_ne!(legacy_murmur2(b"0"), 971_027_396);
    }
}
