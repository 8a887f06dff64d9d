//! Key encodings: how a text field becomes the bytes the producer's key serializer wrote.
//!
//! A Kafka key is hashed as serialized bytes. A `StringSerializer` writes UTF-8, but a
//! `LongSerializer` writes 8 big-endian bytes, so the decimal text `42` must become
//! `00 00 00 00 00 00 00 2a` before hashing or every partition is wrong.

use std::borrow::Cow;

use base64::Engine as _;

use crate::ingest::field::FieldError;

/// The longest key keyplan accepts, in bytes (after `--key-encoding`): 1 MiB.
///
/// Kafka's producer refuses a record larger than `max.request.size` (default 1 MiB, 1048576 bytes)
/// and the broker one larger than `message.max.bytes` (default 1048588), and the key is part of the
/// record, so a longer key cannot be produced without raising both limits: it is far more likely a
/// wrong `--key` column, a lost quote or a file without line ends than a real key.
pub const MAX_KEY_BYTES: usize = 1 << 20;

/// Checks that an encoded key is at most [`MAX_KEY_BYTES`] long. The error has no location: callers
/// add path, line and column.
pub fn check_key_len(key: &[u8]) -> Result<(), FieldError> {
    if key.len() <= MAX_KEY_BYTES {
        return Ok(());
    }
    Err(FieldError::KeyTooLong(key.len()))
}

/// How to turn a key field into serialized key bytes (`--key-encoding`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum KeyEncoding {
    /// The field's bytes as they are (Kafka `StringSerializer`, `ByteArraySerializer` of text).
    #[default]
    Utf8,
    /// Hex digits decoded to bytes (`0a1b`; upper or lower case, optional `0x` prefix).
    Hex,
    /// Standard base64 (RFC 4648, padding optional) decoded to bytes.
    Base64,
    /// A decimal integer written as 4 big-endian bytes (Kafka `IntegerSerializer`).
    Int32,
    /// A decimal integer written as 8 big-endian bytes (Kafka `LongSerializer`).
    Int64,
}

impl KeyEncoding {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            KeyEncoding::Utf8 => "utf8",
            KeyEncoding::Hex => "hex",
            KeyEncoding::Base64 => "base64",
            KeyEncoding::Int32 => "int32",
            KeyEncoding::Int64 => "int64",
        }
    }
}

/// Encodes one key field. `Utf8` borrows the field unchanged; the others decode it.
///
/// Errors say what is wrong with the field, without location: callers add path, line and column.
#[inline]
pub fn encode(field: &[u8], encoding: KeyEncoding) -> Result<Cow<'_, [u8]>, FieldError> {
    match encoding {
        KeyEncoding::Utf8 => Ok(Cow::Borrowed(field)),
        KeyEncoding::Hex => decode_hex(field).map(Cow::Owned),
        KeyEncoding::Base64 => {
            let text = trim_ascii(field);
            let engine = if text.ends_with(b"=") {
                &base64::engine::general_purpose::STANDARD
            } else {
                &base64::engine::general_purpose::STANDARD_NO_PAD
            };
            engine
                .decode(text)
                .map(Cow::Owned)
                .map_err(|e| FieldError::NotBase64 {
                    shown: shown(field),
                    reason: e.to_string(),
                })
        }
        KeyEncoding::Int32 => {
            let v: i32 = parse_int(field, "int32")?;
            Ok(Cow::Owned(v.to_be_bytes().to_vec()))
        }
        KeyEncoding::Int64 => {
            let v: i64 = parse_int(field, "int64")?;
            Ok(Cow::Owned(v.to_be_bytes().to_vec()))
        }
    }
}

fn trim_ascii(field: &[u8]) -> &[u8] {
    let start = field.iter().position(|b| !b.is_ascii_whitespace());
    let end = field.iter().rposition(|b| !b.is_ascii_whitespace());
    match (start, end) {
        (Some(s), Some(e)) => &field[s..=e],
        _ => &[],
    }
}

fn decode_hex(field: &[u8]) -> Result<Vec<u8>, FieldError> {
    let text = trim_ascii(field);
    let text = text
        .strip_prefix(b"0x")
        .or_else(|| text.strip_prefix(b"0X"))
        .unwrap_or(text);
    if !text.len().is_multiple_of(2) {
        return Err(FieldError::OddHex(shown(field)));
    }
    text.chunks_exact(2)
        .map(|pair| {
            let digit = |b: u8| (b as char).to_digit(16);
            match (digit(pair[0]), digit(pair[1])) {
                (Some(h), Some(l)) => Ok((h * 16 + l) as u8),
                _ => Err(FieldError::NotHex(shown(field))),
            }
        })
        .collect()
}

fn parse_int<T: std::str::FromStr>(field: &[u8], kind: &'static str) -> Result<T, FieldError> {
    std::str::from_utf8(field)
        .ok()
        .and_then(|s| s.trim().parse::<T>().ok())
        .ok_or_else(|| FieldError::NotDecimal {
            shown: shown(field),
            kind,
        })
}

/// The field quoted for a message, shortened when long.
fn shown(field: &[u8]) -> String {
    let text = crate::keytext::key_text(&field[..field.len().min(40)]);
    if field.len() > 40 {
        format!("'{text}...'")
    } else {
        format!("'{text}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(&*encode(b"ab", KeyEncoding::Utf8).unwrap(), b"ab");
        assert_eq!(&*encode(b"0aFF", KeyEncoding::Hex).unwrap(), &[0x0a, 0xff]);
        assert_eq!(&*encode(b"0x00", KeyEncoding::Hex).unwrap(), &[0]);
        assert_eq!(&*encode(b"", KeyEncoding::Hex).unwrap(), b"");
        assert_eq!(&*encode(b"aGk=", KeyEncoding::Base64).unwrap(), b"hi");
        assert_eq!(&*encode(b"aGk", KeyEncoding::Base64).unwrap(), b"hi");
        assert_eq!(&*encode(b"1", KeyEncoding::Int32).unwrap(), &[0, 0, 0, 1]);
        assert_eq!(&*encode(b"-1", KeyEncoding::Int64).unwrap(), &[0xff; 8]);
        assert_eq!(
            &*encode(b"42", KeyEncoding::Int64).unwrap(),
            &[0, 0, 0, 0, 0, 0, 0, 42]
        );
    }

    #[test]
    fn key_length_cap() {
        assert_eq!(check_key_len(&vec![b'a'; MAX_KEY_BYTES]), Ok(()));
        let err = check_key_len(&vec![b'a'; MAX_KEY_BYTES + 1])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1048577 bytes, longer than the 1 MiB"),
            "{err}"
        );
    }

    #[test]
    fn bad_fields() {
        assert!(encode(b"abc", KeyEncoding::Hex).is_err());
        assert!(encode(b"zz", KeyEncoding::Hex).is_err());
        assert!(encode(b"!!", KeyEncoding::Base64).is_err());
        assert!(encode(b"2147483648", KeyEncoding::Int32).is_err());
        assert!(encode(b"1.5", KeyEncoding::Int64).is_err());
        assert!(encode(b"\xff", KeyEncoding::Int64).is_err());
    }
}
