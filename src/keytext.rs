//! Key bytes as text: exact where possible, escaped where not. Every layer that shows a key (error
//! messages in ingest, tables and reports) uses these, so a key reads the same everywhere.

use std::fmt::Write;

/// The key as text: the exact string when it is valid UTF-8, otherwise valid runs kept and each
/// invalid byte written as `\xNN`.
pub fn key_text(key: &[u8]) -> String {
    let mut out = String::with_capacity(key.len());
    for chunk in key.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A key text made safe for one terminal or table cell: control characters are escaped, an empty key
/// is shown as `""`, and very long keys are shortened.
pub fn printable(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    if text.is_empty() {
        return "\"\"".to_string();
    }
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        assert_eq!(key_text(b"abc"), "abc");
        assert_eq!(key_text(b"a\xffb"), "a\\xffb");
        assert_eq!(key_text("é".as_bytes()), "é");
        assert_eq!(hex(b"\x00\xff"), "00ff");
        assert_eq!(printable(""), "\"\"");
        assert_eq!(printable("a\tb"), "a\\tb");
    }
}
