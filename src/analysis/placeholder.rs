//! Placeholder keys: values that stand for "no key" rather than for an entity.
//!
//! Real samples often carry a heavy `NA`, `null`, `-` or empty key: a column that was missing and
//! filled by an export tool, a serializer writing `None`, a default of `0`. Such a key is a data problem
//! or an absent key, not a customer, and it usually deserves a fix upstream rather than more
//! partitions. Matching is case-insensitive on the key's bytes, after trimming ASCII whitespace.

/// The placeholder spellings, lower case.
pub const PLACEHOLDERS: &[&str] = &[
    "",
    "na",
    "n/a",
    "#n/a",
    "nan",
    "null",
    "nil",
    "none",
    "undefined",
    "unknown",
    "-",
    "--",
    "?",
    "0",
    "(null)",
    "<null>",
    "\\n",
    "empty",
    "missing",
    "default",
];

/// Whether `key` is a placeholder spelling (see the module docs).
pub fn is_placeholder(key: &[u8]) -> bool {
    let key = key.trim_ascii();
    PLACEHOLDERS
        .iter()
        .any(|p| p.as_bytes().eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for key in [
            &b""[..],
            b"NA",
            b"n/a",
            b"NULL",
            b"None",
            b" null ",
            b"-",
            b"0",
            b"undefined",
        ] {
            assert!(is_placeholder(key), "{key:?}");
        }
        for key in [&b"N725MQ"[..], b"nah", b"00", b"10", b"customer-1", b"\xff"] {
            assert!(!is_placeholder(key), "{key:?}");
        }
    }
}
