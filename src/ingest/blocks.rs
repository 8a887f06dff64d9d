//! The parallel block engine behind every line-oriented reader.
//!
//! One input is read in blocks of about [`BLOCK_SIZE`] bytes that end at a newline, so every block
//! holds whole lines. Workers (one per core) take turns pulling the next block under a lock, which keeps
//! reading (and gzip decompression) sequential, then parse their block without any lock into their own
//! forked [`EventSink`]; the forks are merged at the end. Memory is a few blocks per worker plus the
//! sinks, whatever the input size.
//!
//! Line numbers stay exact: each block reports errors with block-relative lines, and the engine adds
//! the number of lines of all earlier blocks. When several blocks fail, the earliest in the file wins,
//! exactly as a sequential reader would report it.
//!
//! A reader can *divert*: when a block fails a check (a CSV block with a quote, where a quoted newline
//! would make block boundaries wrong), the engine stops handing out blocks and returns that block and
//! the unread rest of the input, for a sequential reader to finish.

use std::io::{self, Read};
use std::sync::{Condvar, Mutex};

use memchr::{memrchr, memrchr2};

use crate::error::{Error, Location, Result};
use crate::ingest::counter::EventSink;
use crate::ingest::progress::Progress;

/// Target block size: large enough that locking and merging are noise, small enough that a few blocks
/// per worker keep memory flat (4 MiB; a 250 MB input is ~60 blocks).
pub const BLOCK_SIZE: usize = 4 << 20;

/// The longest line (or CSV row) any reader accepts, in bytes: 8 MiB.
///
/// Lines are held whole in memory, so without a cap a line that never ends (`/dev/zero`, a gzip bomb
/// of one line, a CSV with a stray quote) would be read until memory runs out. Kafka's defaults bound
/// a whole record (key, value and headers) at 1 MiB (producer `max.request.size`, broker
/// `message.max.bytes`); a kcat `-J` envelope of such a record is at most about 6 MiB even when every
/// payload byte is escaped as `\u00XX`, so 8 MiB passes every envelope of a default-sized record while
/// keeping the engine's memory to a few times this per worker.
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// The error for a line (or row) longer than [`MAX_LINE_BYTES`], at `line`.
pub(crate) fn line_too_long(name: &str, line: u64) -> Error {
    Error::input(
        Location::line(name, line),
        format!(
            "this line is longer than {} MiB, the most keyplan reads as one line (keys are at \
             most {} MiB); is this a text file with line ends?",
            MAX_LINE_BYTES >> 20,
            crate::ingest::encoding::MAX_KEY_BYTES >> 20
        ),
    )
}

/// What one block held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BlockStats {
    /// Newlines in the block (lines it ended).
    pub lines: u64,
    /// Rows (records) it turned into events.
    pub rows: u64,
    /// Rows it left out on purpose (kcat records with a null key).
    pub skipped: u64,
}

/// The totals of a finished input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Totals {
    /// Lines consumed, counting any lines before the engine started.
    pub lines: u64,
    /// Rows turned into events.
    pub rows: u64,
    /// Rows left out on purpose.
    pub skipped: u64,
}

/// Where the engine stopped.
pub(crate) enum Finish<R> {
    /// The whole input was read.
    Done(Totals),
    /// A block failed the divert check: `pending` (starting at a line boundary, after `totals.lines`
    /// lines) and then `rest` are still to be read.
    Diverted {
        /// Everything before the diverted block.
        totals: Totals,
        /// The diverted block and any bytes read after it.
        pending: Vec<u8>,
        /// The unread input.
        rest: R,
    },
}

/// What the engine needs besides the input and the block parser.
pub(crate) struct Engine<'a> {
    /// The input's name, for messages.
    pub name: &'a str,
    /// Whether the input is gzip-compressed (read errors then mean a truncated or corrupt stream).
    pub gzip: bool,
    /// Worker threads.
    pub threads: usize,
    /// Progress display.
    pub progress: &'a Progress,
    /// Lines already consumed before `start` (e.g. a header).
    pub line_offset: u64,
    /// A block for which this returns true is handed to the caller instead of a worker.
    pub divert: fn(&[u8]) -> bool,
    /// Target block size in bytes ([`BLOCK_SIZE`] unless a test wants many tiny blocks).
    pub block_size: usize,
    /// Whether a lone `\r` ends a line too (CSV, as csv-core reads it), so that blocks of a file with
    /// old Mac line ends can be cut; otherwise only `\n` does (keys of `lines` input may end in `\r`).
    pub cr_ends_lines: bool,
}

impl Engine<'_> {
    /// Reads `start` and then `reader` to the end, parsing blocks in parallel with `parse`.
    ///
    /// `parse` gets a block of whole lines (the last block may lack a final newline) and a sink; its
    /// errors carry block-relative line numbers (1 = the block's first line).
    pub(crate) fn run<R, S, P>(
        &self,
        start: Vec<u8>,
        reader: R,
        sink: &mut S,
        parse: P,
    ) -> Result<Finish<R>>
    where
        R: Read + Send,
        S: EventSink,
        P: Fn(&[u8], &mut S) -> Result<BlockStats> + Sync,
    {
        let feed = Mutex::new(Feed {
            reader,
            carry: start,
            next: 0,
            eof: false,
            stop_at: usize::MAX,
            diverted: None,
            failures: Vec::new(),
            stats: Vec::new(),
            done: false,
        });
        // Workers take blocks in strict turns (block i goes to worker i mod threads), so which rows each
        // fork sees, and the merge below, never depend on timing: order-sensitive sinks (the
        // bounded-memory Space-Saving summary) give the same bytes on every run.
        let turn = Condvar::new();
        let threads = self.threads.max(1);
        let locals: Vec<S> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|worker| {
                    let mut local = sink.fork();
                    let feed = &feed;
                    let turn = &turn;
                    let parse = &parse;
                    scope.spawn(move || {
                        let mut buf = Vec::new();
                        loop {
                            let index = {
                                let mut f = feed.lock().expect("no worker panics holding the lock");
                                while !f.done && f.next % threads != worker {
                                    f = turn.wait(f).expect("no worker panics holding the lock");
                                }
                                let next = if f.done {
                                    None
                                } else {
                                    f.next_block(&mut buf, self)
                                };
                                f.done |= next.is_none();
                                turn.notify_all();
                                match next {
                                    Some(i) => i,
                                    None => break,
                                }
                            };
                            let outcome = parse(&buf, &mut local);
                            let mut f = feed.lock().expect("no worker panics holding the lock");
                            match outcome {
                                Ok(stats) => {
                                    self.progress.add_rows(stats.rows);
                                    f.record(index, stats);
                                }
                                Err(e) => f.fail(index, e),
                            }
                        }
                        local
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("ingest worker panicked"))
                .collect()
        });
        let feed = feed.into_inner().expect("workers are done");
        if let Some((index, error)) = feed.failures.into_iter().min_by_key(|(i, _)| *i) {
            let before = self.line_offset + sum_lines(&feed.stats[..index.min(feed.stats.len())]);
            return Err(shift_line(error, before));
        }
        for local in locals {
            sink.merge(local).map_err(|total| {
                Error::input(
                    Location::file(self.name),
                    format!(
                        "the total event or byte count overflows 64 bits (already {total} events)"
                    ),
                )
            })?;
        }
        let done = |stats: &[Option<BlockStats>]| Totals {
            lines: self.line_offset + sum_lines(stats),
            rows: stats.iter().flatten().map(|s| s.rows).sum(),
            skipped: stats.iter().flatten().map(|s| s.skipped).sum(),
        };
        Ok(match feed.diverted {
            None => Finish::Done(done(&feed.stats)),
            Some((index, pending)) => Finish::Diverted {
                totals: done(&feed.stats[..index]),
                pending,
                rest: feed.reader,
            },
        })
    }
}

fn sum_lines(stats: &[Option<BlockStats>]) -> u64 {
    stats.iter().flatten().map(|s| s.lines).sum()
}

/// Adds `offset` to the line of an input error (block-relative -> file line).
fn shift_line(error: Error, offset: u64) -> Error {
    match error {
        Error::Input {
            mut location,
            message,
        } => {
            if let Some(line) = &mut location.line {
                *line += offset;
            }
            Error::Input { location, message }
        }
        other => other,
    }
}

/// The sequential side of the engine: the input, the bytes after the last handed-out block, and the
/// per-block results.
struct Feed<R> {
    reader: R,
    /// Bytes read past the last newline of the previous block (the start of its next line).
    carry: Vec<u8>,
    next: usize,
    eof: bool,
    /// No block after this index is handed out (an earlier one failed).
    stop_at: usize,
    diverted: Option<(usize, Vec<u8>)>,
    failures: Vec<(usize, Error)>,
    /// Per block index, its stats once parsed.
    stats: Vec<Option<BlockStats>>,
    /// No more blocks will be handed out (end of input, a failure, or a diverted block).
    done: bool,
}

/// Bytes asked of the reader per call.
const READ_CHUNK: usize = 1 << 20;

impl<R: Read> Feed<R> {
    /// Fills `buf` with the next block of whole lines and returns its index, or `None` when there is
    /// nothing (more) to hand out.
    fn next_block(&mut self, buf: &mut Vec<u8>, engine: &Engine<'_>) -> Option<usize> {
        if self.diverted.is_some() || self.next > self.stop_at {
            return None;
        }
        buf.clear();
        std::mem::swap(buf, &mut self.carry);
        let last_line_end = |bytes: &[u8]| match engine.cr_ends_lines {
            true => memrchr2(b'\n', b'\r', bytes),
            false => memrchr(b'\n', bytes),
        };
        let mut scanned = 0; // bytes of `buf` already known to hold no line end
        loop {
            if self.eof {
                if buf.is_empty() {
                    return None;
                }
                break;
            }
            if buf.len() >= engine.block_size.max(1) {
                if let Some(i) = last_line_end(&buf[scanned..]) {
                    let cut = scanned + i + 1;
                    self.carry.extend_from_slice(&buf[cut..]);
                    buf.truncate(cut);
                    break;
                }
                // One line longer than a block (a multi-megabyte row): keep reading until it ends,
                // but not forever: the whole block is that line's start, so it is the block's line 1.
                scanned = buf.len();
                if scanned > MAX_LINE_BYTES {
                    buf.clear();
                    self.eof = true;
                    self.fail(self.next, line_too_long(engine.name, 1));
                    return None;
                }
            }
            let old = buf.len();
            let want = READ_CHUNK
                .min(engine.block_size.max(1))
                .max(engine.block_size.saturating_sub(old));
            buf.resize(old + want, 0);
            match self.reader.read(&mut buf[old..]) {
                Ok(0) => {
                    buf.truncate(old);
                    self.eof = true;
                }
                Ok(n) => {
                    buf.truncate(old + n);
                    engine.progress.add_bytes(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(old),
                Err(e) => {
                    buf.truncate(old);
                    // Whole lines read so far still form a block; the error belongs to the line after
                    // them, which is where a sequential reader would have stopped.
                    let keep = memrchr(b'\n', buf).map_or(0, |i| i + 1);
                    buf.truncate(keep);
                    self.eof = true;
                    let index = self.next + usize::from(keep > 0);
                    self.fail(index, read_failure(engine.name, engine.gzip, 1, e));
                    if keep == 0 {
                        return None;
                    }
                    break;
                }
            }
        }
        let index = self.next;
        self.next += 1;
        if (engine.divert)(buf) {
            let mut pending = std::mem::take(buf);
            pending.append(&mut self.carry);
            self.diverted = Some((index, pending));
            return None;
        }
        Some(index)
    }

    fn slot(&mut self, index: usize) -> &mut Option<BlockStats> {
        if self.stats.len() <= index {
            self.stats.resize(index + 1, None);
        }
        &mut self.stats[index]
    }

    fn record(&mut self, index: usize, stats: BlockStats) {
        *self.slot(index) = Some(stats);
    }

    fn fail(&mut self, index: usize, error: Error) {
        self.stop_at = self.stop_at.min(index);
        self.failures.push((index, error));
    }
}

/// A read error at `line`, as the user should see it: for gzip input, a truncated or corrupt stream.
pub(crate) fn read_failure(name: &str, gzip: bool, line: u64, e: io::Error) -> Error {
    let location = Location::line(name, line);
    if gzip {
        Error::input(
            location,
            format!("the input ends early: the gzip stream is truncated or corrupt ({e})"),
        )
    } else {
        Error::input(location, format!("read failed: {e}"))
    }
}
