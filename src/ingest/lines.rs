//! One key per line, no header: each line's bytes are a key (kcat `-f '%k\n'`, `cut`, `jq -r`).
//!
//! The line end (`\n`, or `\r\n`) is not part of the key; every other byte is, including a lone `\r`,
//! NUL and invalid UTF-8. An empty line is the empty key (kcat prints a null or empty key as an empty
//! line); a last line without a newline is a key too. Keys are at most
//! [`MAX_KEY_BYTES`](crate::ingest::encoding::MAX_KEY_BYTES) long.

use memchr::memchr_iter;

use crate::error::{Error, Location, Result};
use crate::ingest::blocks::BlockStats;
use crate::ingest::counter::{EventSink, KeyTag};
use crate::ingest::delimited::BATCH;
use crate::ingest::encoding::{check_key_len, encode, KeyEncoding};
use crate::ingest::row::overflow;

/// The key a line holds: its bytes without the line end, where a line ends at `\n` and a `\r`
/// right before it (or at the end of the input) belongs to the line end. One rule for every
/// line-oriented input (`--input-format lines`, `which --keys-file`), so a CRLF file gives the same
/// keys as its LF twin; a key that really ends in `\r` is given with `--key-encoding hex`.
pub fn line_key(raw: &[u8]) -> &[u8] {
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

/// Parses one block of whole lines.
pub(crate) fn lines_block<S: EventSink>(
    block: &[u8],
    name: &str,
    encoding: KeyEncoding,
    sink: &mut S,
) -> Result<BlockStats> {
    // Keys are prefetched as their lines are found and added a batch later (see `delimited::BATCH`).
    let mut batch: Vec<(&[u8], KeyTag)> = Vec::with_capacity(BATCH);
    let mut line = 1u64; // the line of the batch's first key
    let mut start = 0;
    for end in memchr_iter(b'\n', block) {
        let raw = &block[start..end];
        let key = line_key(raw);
        let tag = match encoding {
            KeyEncoding::Utf8 => sink.prefetch(key),
            _ => KeyTag::NONE,
        };
        batch.push((key, tag));
        start = end + 1;
        if batch.len() == BATCH {
            add_keys(&mut batch, &mut line, name, encoding, sink)?;
        }
    }
    let newlines = line - 1 + batch.len() as u64;
    if start < block.len() {
        let raw = &block[start..];
        batch.push((line_key(raw), KeyTag::NONE));
    }
    let rows = newlines + u64::from(start < block.len());
    add_keys(&mut batch, &mut line, name, encoding, sink)?;
    Ok(BlockStats {
        lines: newlines,
        rows,
        skipped: 0,
    })
}

/// Adds a batch of keys, the first at `line`, and empties the batch.
fn add_keys<S: EventSink>(
    batch: &mut Vec<(&[u8], KeyTag)>,
    line: &mut u64,
    name: &str,
    encoding: KeyEncoding,
    sink: &mut S,
) -> Result<()> {
    for (raw, tag) in batch.drain(..) {
        let key = encode(raw, encoding)
            .and_then(|key| check_key_len(&key).map(|()| key))
            .map_err(|m| Error::input(Location::line(name, *line), m))?;
        sink.add_key(&key, 1, tag)
            .map_err(|total| overflow(name, *line, total))?;
        *line += 1;
    }
    Ok(())
}
