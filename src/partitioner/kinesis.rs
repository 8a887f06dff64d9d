//! AWS Kinesis Data Streams: MD5 of the partition key, looked up in the shards' hash-key ranges.
//!
//! Reference: docs/partitioners.md, "Kinesis shard ranges", and tests/vectors/README.md.
//! A stream created with `N` shards splits `[0, 2^128 - 1]` evenly: `step = floor(2^128 / N)`, shard
//! `i` covers `[i * step, (i + 1) * step - 1]`, and the last shard also takes the remainder up to
//! `2^128 - 1`. A record goes to the shard whose inclusive range holds `MD5(key)` read as a big-endian
//! `u128`. After resharding the ranges are arbitrary; keyplan models a freshly created stream.
//!
//! Kinesis accepts only partition keys of 1 to [`MAX_KEY_CHARS`] Unicode code points; keyplan takes a
//! key's bytes as its UTF-8 encoding, so a key that is empty, not valid UTF-8 or too long is one the
//! service would reject ([`accepts`]).

use md5::{Digest, Md5};

/// The longest partition key Kinesis accepts, in Unicode code points (`PutRecord` API reference:
/// "Minimum length of 1. Maximum length of 256."; moto counts code points, see the vectors README).
pub const MAX_KEY_CHARS: usize = 256;

/// MD5 of `key`, read as an unsigned big-endian 128-bit integer (Kinesis' "hash key").
pub fn md5_u128(key: &[u8]) -> u128 {
    u128::from_be_bytes(Md5::digest(key).into())
}

/// Whether Kinesis accepts `key` as a partition key: valid UTF-8 of 1..=256 code points.
pub fn accepts(key: &[u8]) -> bool {
    match std::str::from_utf8(key) {
        // A text of at most 256 bytes has at most 256 code points: count only longer ones.
        Ok(text) => {
            !text.is_empty()
                && (text.len() <= MAX_KEY_CHARS || text.chars().count() <= MAX_KEY_CHARS)
        }
        Err(_) => false,
    }
}

/// The width of every shard's range but the last: `floor(2^128 / n)`, for `n >= 2`.
///
/// `2^128` does not fit a `u128`, so this is `floor((2^128 - 1) / n)` plus one when `n` divides
/// `2^128` (then `2^128 - 1` leaves the remainder `n - 1`).
fn step(n: u32) -> u128 {
    debug_assert!(n >= 2);
    let n = u128::from(n);
    u128::MAX / n + u128::from(u128::MAX % n == n - 1)
}

/// The shard index (0-based) holding hash key `hash` in a fresh stream of `n` shards.
pub fn shard(hash: u128, n: u32) -> u32 {
    if n <= 1 {
        return 0; // one shard covers everything; also avoids `2^128 / 1`, which overflows
    }
    // `hash / step` is below 2^128 / floor(2^128 / n) < n + 1, so it fits `u32` once capped.
    (hash / step(n)).min(u128::from(n - 1)) as u32
}

/// The inclusive `(starting_hash_key, ending_hash_key)` of every shard of a fresh stream of `n`
/// shards, as `DescribeStream` reports them.
pub fn shard_ranges(n: u32) -> Vec<(u128, u128)> {
    if n <= 1 {
        return vec![(0, u128::MAX)];
    }
    let step = step(n);
    (0..n)
        .map(|i| {
            let start = u128::from(i) * step;
            let end = if i + 1 == n {
                u128::MAX
            } else {
                start + step - 1
            };
            (start, end)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_shard_starts_from_the_spec() {
        let starts: Vec<u128> = shard_ranges(3).into_iter().map(|r| r.0).collect();
        assert_eq!(
            starts,
            vec![
                0,
                113_427_455_640_312_821_154_458_202_477_256_070_485,
                226_854_911_280_625_642_308_916_404_954_512_140_970
            ]
        );
    }

    #[test]
    fn power_of_two_counts_split_exactly() {
        assert_eq!(step(2), 1u128 << 127);
        assert_eq!(shard(u128::MAX, 2), 1);
        assert_eq!(shard((1u128 << 127) - 1, 2), 0);
        assert_eq!(shard(1u128 << 127, 2), 1);
        assert_eq!(shard(u128::MAX, 1), 0);
    }

    #[test]
    fn key_rules() {
        assert!(!accepts(b""));
        assert!(!accepts(b"\xff"));
        assert!(accepts(b"a"));
        assert!(accepts("😀".repeat(256).as_bytes()));
        assert!(!accepts("😀".repeat(257).as_bytes()));
        assert!(accepts("a".repeat(256).as_bytes()));
        assert!(!accepts("a".repeat(257).as_bytes()));
    }

    #[test]
    fn md5_is_big_endian() {
        // MD5("") = d41d8cd98f00b204e9800998ecf8427e
        assert_eq!(md5_u128(b""), 0xd41d8cd98f00b204e9800998ecf8427e);
    }
}
