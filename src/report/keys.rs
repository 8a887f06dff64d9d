//! How keys appear in reports: exact where possible, escaped where not, hidden when redacted.
//!
//! Production keys are often customer identifiers, so `--redact-keys` replaces every key by its rank.

pub use crate::keytext::{hex, key_text, printable};

/// A key as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLabel {
    /// Text form (see [`key_text`]), or `<key #rank>` when redacted.
    pub text: String,
    /// Lower-case hex of the exact bytes; `None` when redacted.
    pub hex: Option<String>,
}

impl KeyLabel {
    /// Labels `key`, the `rank`-th heaviest.
    pub fn new(key: &[u8], rank: usize, redact: bool) -> KeyLabel {
        if redact {
            KeyLabel {
                text: format!("<key #{rank}>"),
                hex: None,
            }
        } else {
            KeyLabel {
                text: key_text(key),
                hex: Some(hex(key)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_bytes() {
        let l = KeyLabel::new(b"secret", 3, true);
        assert_eq!(l.text, "<key #3>");
        assert!(l.hex.is_none());
    }
}
