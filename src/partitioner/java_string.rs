//! Java `String.hashCode`: the hash of Pulsar's Java producer (`HashingScheme.JavaStringHash`, the
//! default, with the `RoundRobinPartition` router).
//!
//! Reference: docs/partitioners.md ("Java `String.hashCode` (Pulsar)"). Pulsar hashes
//! the message key as a Java `String`: keyplan reads the key bytes as the UTF-8 the producer's
//! `String` was written as, decodes them the way `new String(bytes, UTF_8)` does (malformed input
//! becomes U+FFFD, with Java's own rules for how many bytes one U+FFFD replaces), and hashes the
//! UTF-16 code units: `h = 31 * h + unit`, wrapping 32-bit.
//!
//! Java's replacement rules are those of the JDK's UTF-8 decoder (`sun.nio.cs.UTF_8` and, since JDK
//! 17, `String.decodeUTF8_UTF16`); they differ from Rust's `String::from_utf8_lossy` for encoded
//! surrogates (`ED A0 80` is one U+FFFD in Java, three in Rust) and for some truncated sequences,
//! so this module implements them rather than borrowing Rust's.

/// U+FFFD, what Java's decoder writes for malformed input.
const REPLACEMENT: u16 = 0xfffd;

/// `b` is not a UTF-8 continuation byte (`10xxxxxx`).
fn not_continuation(b: u8) -> bool {
    b & 0xc0 != 0x80
}

/// JDK `isMalformed3`: an overlong `E0` form or a missing continuation.
fn malformed3(b1: u8, b2: u8, b3: u8) -> bool {
    (b1 == 0xe0 && b2 & 0xe0 == 0x80) || not_continuation(b2) || not_continuation(b3)
}

/// JDK `isMalformed3_2`: the first two bytes of a 3-byte sequence already cannot be valid.
fn malformed3_2(b1: u8, b2: u8) -> bool {
    (b1 == 0xe0 && b2 & 0xe0 == 0x80) || not_continuation(b2)
}

/// JDK `isMalformed4_2`: the first two bytes of a 4-byte sequence already cannot be valid.
fn malformed4_2(b1: u8, b2: u8) -> bool {
    (b1 == 0xf0 && !(0x90..=0xbf).contains(&b2))
        || (b1 == 0xf4 && b2 & 0xf0 != 0x80)
        || not_continuation(b2)
}

/// JDK `malformedN(…, 3)`: how many bytes one U+FFFD replaces for a malformed 3-byte sequence.
fn malformed3_len(b1: u8, b2: u8) -> usize {
    if (b1 == 0xe0 && b2 & 0xe0 == 0x80) || not_continuation(b2) {
        1
    } else {
        2
    }
}

/// JDK `malformedN(…, 4)`: how many bytes one U+FFFD replaces for a malformed 4-byte sequence.
fn malformed4_len(b1: u8, b2: u8, b3: u8) -> usize {
    if b1 > 0xf4 || malformed4_2(b1, b2) {
        1
    } else if not_continuation(b3) {
        2
    } else {
        3
    }
}

/// The UTF-16 code units of `new String(bytes, StandardCharsets.UTF_8)` in Java.
pub fn java_utf16(bytes: &[u8]) -> Vec<u16> {
    let mut out = Vec::with_capacity(bytes.len());
    let sl = bytes.len();
    let mut sp = 0;
    while sp < sl {
        let b1 = bytes[sp];
        sp += 1;
        if b1 < 0x80 {
            out.push(u16::from(b1));
        } else if (0xc2..=0xdf).contains(&b1) {
            // 2 bytes: 110xxxxx 10xxxxxx (C0 and C1 are always malformed, handled below).
            if sp < sl {
                let b2 = bytes[sp];
                if not_continuation(b2) {
                    out.push(REPLACEMENT); // b2 is decoded on its own next
                } else {
                    out.push((u16::from(b1 & 0x1f) << 6) | u16::from(b2 & 0x3f));
                    sp += 1;
                }
                continue;
            }
            out.push(REPLACEMENT);
            break;
        } else if b1 & 0xf0 == 0xe0 {
            // 3 bytes: 1110xxxx 10xxxxxx 10xxxxxx
            if sp + 1 < sl {
                let (b2, b3) = (bytes[sp], bytes[sp + 1]);
                if malformed3(b1, b2, b3) {
                    out.push(REPLACEMENT);
                    sp = sp - 1 + malformed3_len(b1, b2);
                } else {
                    let c = (u16::from(b1 & 0x0f) << 12)
                        | (u16::from(b2 & 0x3f) << 6)
                        | u16::from(b3 & 0x3f);
                    // An encoded surrogate: one U+FFFD for all three bytes.
                    out.push(if (0xd800..=0xdfff).contains(&c) {
                        REPLACEMENT
                    } else {
                        c
                    });
                    sp += 2;
                }
                continue;
            }
            // Fewer than two bytes follow: truncated at the end of the input.
            if sp < sl && malformed3_2(b1, bytes[sp]) {
                out.push(REPLACEMENT);
                continue;
            }
            out.push(REPLACEMENT);
            break;
        } else if b1 & 0xf8 == 0xf0 {
            // 4 bytes: 11110xxx 10xxxxxx 10xxxxxx 10xxxxxx, a supplementary code point.
            if sp + 2 < sl {
                let (b2, b3, b4) = (bytes[sp], bytes[sp + 1], bytes[sp + 2]);
                let cp = (u32::from(b1 & 0x07) << 18)
                    | (u32::from(b2 & 0x3f) << 12)
                    | (u32::from(b3 & 0x3f) << 6)
                    | u32::from(b4 & 0x3f);
                if not_continuation(b2)
                    || not_continuation(b3)
                    || not_continuation(b4)
                    || !(0x1_0000..=0x10_ffff).contains(&cp)
                {
                    out.push(REPLACEMENT);
                    sp = sp - 1 + malformed4_len(b1, b2, b3);
                } else {
                    let v = cp - 0x1_0000;
                    out.push(0xd800 | (v >> 10) as u16);
                    out.push(0xdc00 | (v & 0x3ff) as u16);
                    sp += 3;
                }
                continue;
            }
            // Fewer than three bytes follow: truncated at the end of the input.
            if b1 > 0xf4 || (sp < sl && malformed4_2(b1, bytes[sp])) {
                out.push(REPLACEMENT);
                continue;
            }
            sp += 1;
            out.push(REPLACEMENT);
            if sp < sl && not_continuation(bytes[sp]) {
                continue;
            }
            break;
        } else {
            // A lone continuation byte, C0/C1, or F8..FF.
            out.push(REPLACEMENT);
        }
    }
    out
}

/// Java's `String.hashCode()` of the string whose UTF-8 bytes are `key`, as a raw 32-bit value.
///
/// Valid UTF-8 (the common case) is hashed straight from `char`s without building the UTF-16 form.
pub fn java_string_hash(key: &[u8]) -> u32 {
    let step = |h: u32, unit: u16| h.wrapping_mul(31).wrapping_add(u32::from(unit));
    match std::str::from_utf8(key) {
        Ok(text) => text.encode_utf16().fold(0, step),
        Err(_) => java_utf16(key).into_iter().fold(0, step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_values() {
        // Pulsar's JavaStringHash test: hashCode 0x80000000, so partition 0 after the mask.
        assert_eq!(java_string_hash(b"polygenelubricants"), 0x8000_0000);
        assert_eq!(java_string_hash(b""), 0);
        // "Aa" and "BB" collide in Java.
        assert_eq!(java_string_hash(b"Aa"), java_string_hash(b"BB"));
        assert_eq!(java_string_hash(b"hello") as i32, 99_162_322);
    }

    #[test]
    fn valid_utf8_matches_std_utf16() {
        for s in [
            "",
            "abc",
            "é",
            "日本語",
            "😀 flags 🇫🇷",
            "\u{10ffff}\u{ffff}",
        ] {
            assert_eq!(
                java_utf16(s.as_bytes()),
                s.encode_utf16().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn java_replacement_rules() {
        let r = REPLACEMENT;
        // Encoded surrogate: one U+FFFD for three bytes (Rust's lossy decoding gives three).
        assert_eq!(java_utf16(b"\xed\xa0\x80"), vec![r]);
        // Overlong 3-byte form: one U+FFFD per byte.
        assert_eq!(java_utf16(b"\xe0\x80\x80"), vec![r, r, r]);
        // Truncated 3-byte sequence at the end: one U+FFFD.
        assert_eq!(java_utf16(b"a\xe3\x81"), vec![u16::from(b'a'), r]);
        // Truncated 4-byte sequence at the end: one U+FFFD.
        assert_eq!(java_utf16(b"\xf0\x9f\x98"), vec![r]);
        // A bad continuation is decoded on its own.
        assert_eq!(java_utf16(b"\xc3A"), vec![r, u16::from(b'A')]);
        assert_eq!(java_utf16(b"\xff\xc0\x80"), vec![r, r, r]);
        assert_eq!(java_utf16(b"\xf0\x9fA"), vec![r, u16::from(b'A')]);
    }
}
