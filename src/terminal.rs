//! Text from the input on its way to a terminal: error messages quote column names, field values,
//! keys and paths, and those are bytes an attacker (or a corrupt file) chose.
//!
//! [`safe`] escapes every control character (an ESC sequence could recolour, retitle or rewrite the
//! terminal; a CR could overwrite the message) and bidirectional overrides (which reorder what is
//! shown), and cuts what is too long to read: a 50 MB header line is not a message. [`field`] and
//! [`listing`] do the same for the parts of a message that quote one value or list many.

use std::borrow::Cow;
use std::fmt::Write;

/// The longest quoted value (a column name, a field) shown in a message, in characters.
pub const MAX_FIELD_CHARS: usize = 200;

/// The most entries of a listing (the columns of a header) shown in a message.
pub const MAX_LISTED: usize = 30;

/// The longest single line of an error message, in characters: far above any message keyplan writes
/// itself, so only quoted input is ever cut.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Whether `c` must not reach a terminal as is: C0 and C1 controls, DEL, and the Unicode
/// bidirectional embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with unsafe characters escaped (`\u{1b}`, `\n`, ...) and cut after `max_chars`
/// characters with a note of how many bytes were left out.
pub fn safe(text: &str, max_chars: usize) -> Cow<'_, str> {
    let long = text.len() > max_chars && text.chars().nth(max_chars).is_some();
    if !long && !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(max_chars * 2));
    for (i, (at, c)) in text.char_indices().enumerate() {
        if i == max_chars {
            let _ = write!(out, "... ({} more bytes)", text.len() - at);
            break;
        }
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One quoted value (a column name, a field), made safe and cut at [`MAX_FIELD_CHARS`].
pub fn field(text: &str) -> Cow<'_, str> {
    safe(text, MAX_FIELD_CHARS)
}

/// A comma-separated listing (`a, b, c`), each entry made safe with [`field`] and at most
/// [`MAX_LISTED`] entries shown.
pub fn listing(joined: &str) -> String {
    let mut out = String::new();
    for (shown, entry) in joined.split(", ").enumerate() {
        if shown == MAX_LISTED {
            let rest = joined.split(", ").count() - MAX_LISTED;
            let _ = write!(out, ", ... and {rest} more");
            break;
        }
        if shown > 0 {
            out.push_str(", ");
        }
        out.push_str(&field(entry));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_overrides() {
        assert_eq!(safe("a\x1b[31mb\r\n", 100), "a\\u{1b}[31mb\\r\\n");
        assert_eq!(safe("x\u{202e}y\u{9b}", 100), "x\\u{202e}y\\u{9b}");
        assert!(matches!(safe("plain é", 100), Cow::Borrowed(_)));
    }

    #[test]
    fn cuts_long_text_with_the_remaining_byte_count() {
        let text = "é".repeat(300);
        let cut = field(&text);
        assert!(cut.starts_with(&"é".repeat(MAX_FIELD_CHARS)));
        assert!(cut.ends_with("... (200 more bytes)"), "{cut}");
        assert_eq!(
            field(&"a".repeat(MAX_FIELD_CHARS)),
            "a".repeat(MAX_FIELD_CHARS)
        );
    }

    #[test]
    fn listings_are_capped() {
        let names: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let shown = listing(&names.join(", "));
        assert!(shown.starts_with("c0, c1, "));
        assert!(shown.ends_with(", c29, ... and 70 more"), "{shown}");
        assert_eq!(listing("a, b\x07"), "a, b\\u{7}");
    }
}
