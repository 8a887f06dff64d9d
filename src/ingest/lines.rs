//! One key per line, no header: each line's bytes are a key (kcat `-f '%k\n'`, `cut`, `jq -r`).
//!
//! The line end (`\n`, or `\r\n`) is not part of the key; every other byte is, including a lone `\r`,
//! NUL and invalid UTF-8. An empty line is the empty key (kcat prints a null or empty key as an empty
//! line); a last line without a newline is a key too.

use memchr::memchr_iter;

use crate::error::{Error, Location, Result};
use crate::ingest::blocks::BlockStats;
use crate::ingest::delimited::BATCH;
use crate::ingest::encoding::{encode, KeyEncoding};
use crate::ingest::row::overflow;
use crate::model::{Event, EventSink};

/// Parses one block of whole lines.
pub(crate) fn lines_block<S: EventSink>(
    block: &[u8],
    name: &str,
    encoding: KeyEncoding,
    sink: &mut S,
) -> Result<BlockStats> {
    // Line spans are gathered in batches whose keys are prefetched before they are added (see
    // `delimited::BATCH`).
    let mut batch: Vec<(usize, usize)> = Vec::with_capacity(BATCH);
    let mut line = 1u64; // the line of the batch's first entry, once flushed
    let mut flush = |batch: &mut Vec<(usize, usize)>, line: &mut u64| -> Result<()> {
        let key_of = |&(a, b): &(usize, usize)| {
            let raw = &block[a..b];
            raw.strip_suffix(b"\r").unwrap_or(raw)
        };
        if encoding == KeyEncoding::Utf8 {
            for span in batch.iter() {
                sink.prefetch(key_of(span));
            }
        }
        for span in batch.iter() {
            let key = encode(key_of(span), encoding)
                .map_err(|m| Error::input(Location::line(name, *line), m))?;
            sink.add_event(Event::new(&key, 1))
                .map_err(|total| overflow(name, *line, total))?;
            *line += 1;
        }
        batch.clear();
        Ok(())
    };
    let mut start = 0;
    for end in memchr_iter(b'\n', block) {
        batch.push((start, end));
        start = end + 1;
        if batch.len() == BATCH {
            flush(&mut batch, &mut line)?;
        }
    }
    let newlines = line - 1 + batch.len() as u64;
    if start < block.len() {
        batch.push((start, block.len()));
    }
    let rows = newlines + u64::from(start < block.len());
    flush(&mut batch, &mut line)?;
    Ok(BlockStats {
        lines: newlines,
        rows,
        skipped: 0,
    })
}
