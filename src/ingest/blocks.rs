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
//!
//! A sink whose result depends on when it passes a distinct-key limit ([`EventSink::key_limit`], the
//! adaptive sink of `analyze --max-keys`) gets *checkpoints*: before blocks 0, 1, 2, 4, 8, 16, 32 and
//! then every [`CHECKPOINT_EVERY`]th block, the worker about to take the block first makes sure that
//! the limit cannot have been passed: when the keys its sinks hold plus one per byte of the blocks in
//! progress fit, it goes on at once (the common case); otherwise it waits until every earlier block is
//! done and hands the run's sink all forks ([`EventSink::checkpoint`]). If the sink answers that it
//! switched, every later block is parsed into a fork of its own, [`sealed`](EventSink::seal) by its
//! worker, and merged into the run's sink in block order (see [`crate::analysis::stream`] for why
//! that makes the result independent of the number of workers).

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::{Condvar, Mutex, MutexGuard};

use memchr::{memchr, memchr2, memrchr, memrchr2};

use crate::error::{Error, Location, Result};
use crate::ingest::counter::{EventSink, Overflow};
use crate::ingest::mapped;
use crate::ingest::progress::Progress;

/// Target block size: large enough that locking and merging are noise, small enough that a few blocks
/// per worker keep memory flat (4 MiB; a 250 MB input is ~60 blocks).
pub const BLOCK_SIZE: usize = 4 << 20;

/// [`BLOCK_SIZE`], unless the hidden `KEYPLAN_BLOCK_SIZE` environment variable (bytes) sets another:
/// command-line tests use it to run many blocks through the engine on a small input.
pub fn default_block_size() -> usize {
    std::env::var("KEYPLAN_BLOCK_SIZE")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(BLOCK_SIZE)
}

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
    /// lines) and then `rest` are still to be read; for a mapped input, the map from `resume` on.
    Diverted {
        /// Everything before the diverted block.
        totals: Totals,
        /// The diverted block and any bytes read after it (empty for a mapped input).
        pending: Vec<u8>,
        /// The unread input (unused for a mapped input).
        rest: R,
        /// For a mapped input: the offset in the map where the diverted block starts.
        resume: Option<usize>,
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
        self.run_input(start, reader, None, sink, parse)
    }

    /// [`run`](Self::run) over a whole input in memory (a [`crate::ingest::mapped::Map`]) from byte
    /// `from` on: blocks are ranges of `map`, parsed where they lie, and each block's pages are
    /// [released](crate::ingest::mapped::release) once parsed. `rest` is only handed back by a
    /// divert (with `resume`, where the sequential reader is to go on in `map`).
    pub(crate) fn run_mapped<R, S, P>(
        &self,
        map: &[u8],
        from: usize,
        rest: R,
        sink: &mut S,
        parse: P,
    ) -> Result<Finish<R>>
    where
        R: Read + Send,
        S: EventSink,
        P: Fn(&[u8], &mut S) -> Result<BlockStats> + Sync,
    {
        self.run_input(Vec::new(), rest, Some((map, from)), sink, parse)
    }

    fn run_input<R, S, P>(
        &self,
        start: Vec<u8>,
        reader: R,
        mapped: Option<(&[u8], usize)>,
        sink: &mut S,
        parse: P,
    ) -> Result<Finish<R>>
    where
        R: Read + Send,
        S: EventSink,
        P: Fn(&[u8], &mut S) -> Result<BlockStats> + Sync,
    {
        let threads = self.threads.max(1);
        let map = mapped.map_or(&[][..], |(map, _)| map);
        let feed = Mutex::new(Feed {
            reader,
            map,
            mapped: mapped.is_some(),
            pos: mapped.map_or(0, |(_, from)| from),
            clean: Vec::new(),
            checked_upto: 0,
            resume_at: 0,
            carry: start,
            next: 0,
            eof: false,
            stop_at: usize::MAX,
            diverted: None,
            failures: Vec::new(),
            stats: Vec::new(),
            done: false,
            finished: 0,
            held: vec![0; threads],
            in_flight: vec![0; threads],
            root_held: sink.held_keys(),
            ordered: false,
        });
        // Workers take blocks in strict turns (block i goes to worker i mod threads), so which rows each
        // fork sees, and the merge below, never depend on timing; it also keeps at most one block per
        // worker waiting for the in-order merge.
        let turn = Condvar::new();
        let limit = sink.key_limit();
        let locals: Vec<Padded<Mutex<S>>> = (0..threads)
            .map(|_| Padded(Mutex::new(sink.fork())))
            .collect();
        let root = Mutex::new(Ordered {
            sink: &mut *sink,
            next: 0,
            pending: BTreeMap::new(),
            overflow: None,
        });
        std::thread::scope(|scope| {
            for worker in 0..threads {
                let (feed, turn, parse) = (&feed, &turn, &parse);
                let (locals, root) = (&locals, &root);
                scope.spawn(move || {
                    let mut buf = Vec::new();
                    let mut range = None;
                    loop {
                        let (index, ordered) = {
                            let mut f = lock(feed);
                            while !f.done && f.next % threads != worker {
                                f = turn.wait(f).expect("no worker panics holding the lock");
                            }
                            if let Some(limit) = limit {
                                if !f.done && !f.ordered && is_checkpoint(f.next) {
                                    f = self.checkpoint(f, turn, limit, locals, root);
                                }
                            }
                            let next = if f.done {
                                None
                            } else {
                                f.next_block(&mut buf, &mut range, self)
                            };
                            f.done |= next.is_none();
                            let block: &[u8] = match range {
                                Some((a, b)) => &map[a..b],
                                None => &buf,
                            };
                            f.in_flight[worker] = block.len() as u64;
                            let ordered = f.ordered;
                            turn.notify_all();
                            match next {
                                Some(i) => (i, ordered),
                                None => break,
                            }
                        };
                        let block: &[u8] = match range {
                            Some((a, b)) => &map[a..b],
                            None => &buf,
                        };
                        // A mapped block is checked for a divert here, in parallel, not under the
                        // lock (the check is the first read of the block's memory); it is parsed
                        // only once every earlier block has passed its check.
                        if let Some((start, _)) = range {
                            let divert = (self.divert)(block);
                            let mut f = lock(feed);
                            f.checked(index, divert.then_some(start));
                            turn.notify_all();
                            while f.checked_upto < index && !f.diverted_before(index + 1) {
                                f = turn.wait(f).expect("no worker panics holding the lock");
                            }
                            if f.diverted_before(index + 1) {
                                // This block or an earlier one goes to the sequential reader.
                                f.finished += 1;
                                f.in_flight[worker] = 0;
                                f.done = true;
                                turn.notify_all();
                                continue;
                            }
                        }
                        let (outcome, held) = if ordered {
                            // After the switch: the block gets a fork of its own, placed here in
                            // parallel and added to the run's sink in block order.
                            let mut fork = lock(&locals[worker].0).fork();
                            let outcome = parse(block, &mut fork);
                            if outcome.is_ok() {
                                fork.seal();
                                lock(root).push(index, fork);
                            }
                            (outcome, 0)
                        } else {
                            let mut local = lock(&locals[worker].0);
                            let outcome = parse(block, &mut local);
                            (outcome, local.held_keys())
                        };
                        if range.is_some() {
                            mapped::release(block);
                        }
                        let mut f = lock(feed);
                        f.finished += 1;
                        f.in_flight[worker] = 0;
                        f.held[worker] = held;
                        match outcome {
                            Ok(stats) => {
                                self.progress.add_rows(stats.rows);
                                f.record(index, stats);
                            }
                            Err(e) => f.fail(index, e),
                        }
                        // A checkpoint may be waiting for this block.
                        turn.notify_all();
                    }
                });
            }
        });
        let overflow = |e: Overflow| Error::input(Location::file(self.name), e);
        let overflowed = root.into_inner().expect("workers are done").overflow;
        let feed = feed.into_inner().expect("workers are done");
        if let Some((index, error)) = feed.failures.into_iter().min_by_key(|(i, _)| *i) {
            let before = self.line_offset + sum_lines(&feed.stats[..index.min(feed.stats.len())]);
            return Err(shift_line(error, before));
        }
        if let Some(total) = overflowed {
            return Err(overflow(total));
        }
        for local in locals {
            let local = local.0.into_inner().expect("workers are done");
            sink.merge(local).map_err(overflow)?;
        }
        let done = |stats: &[Option<BlockStats>]| Totals {
            lines: self.line_offset + sum_lines(stats),
            rows: stats.iter().flatten().map(|s| s.rows).sum(),
            skipped: stats.iter().flatten().map(|s| s.skipped).sum(),
        };
        let resume = feed.mapped.then_some(feed.resume_at);
        Ok(match feed.diverted {
            None => Finish::Done(done(&feed.stats)),
            Some((index, pending)) => Finish::Diverted {
                totals: done(&feed.stats[..index]),
                pending,
                rest: feed.reader,
                resume,
            },
        })
    }
}

impl Engine<'_> {
    /// The checkpoint before block `f.next` (see the module doc), run by the worker about to take it.
    ///
    /// It is skipped at once when the keys held by the run's sink and the workers' forks, plus one
    /// key per byte of each block still being parsed, cannot pass `limit`. Otherwise it waits until
    /// every earlier block is done and lets the run's sink decide with all forks in hand.
    fn checkpoint<'f, 'm, R, S: EventSink>(
        &self,
        mut f: MutexGuard<'f, Feed<'m, R>>,
        turn: &Condvar,
        limit: u64,
        locals: &[Padded<Mutex<S>>],
        root: &Mutex<Ordered<'_, S>>,
    ) -> MutexGuard<'f, Feed<'m, R>> {
        // A block cannot add more distinct keys than it has rows, nor more rows than bytes.
        let bound = |f: &Feed<'_, R>| {
            f.held
                .iter()
                .chain(&f.in_flight)
                .fold(f.root_held, |sum, &n| sum.saturating_add(n))
        };
        // The checkpoint before block 0 always asks the sink: it may already be bounded (an earlier
        // input passed the limit), and then every block of this input is merged in order.
        if f.next > 0 && bound(&f) <= limit {
            return f;
        }
        while f.finished < f.next {
            f = turn.wait(f).expect("no worker panics holding the lock");
        }
        if !f.failures.is_empty() || (f.next > 0 && bound(&f) <= limit) {
            return f;
        }
        let mut root = lock(root);
        let mut guards: Vec<MutexGuard<'_, S>> = locals.iter().map(|l| lock(&l.0)).collect();
        let mut forks: Vec<&mut S> = guards.iter_mut().map(|g| &mut **g).collect();
        match root.sink.checkpoint(&mut forks) {
            Ok(ordered) => {
                f.ordered = ordered;
                root.next = f.next;
            }
            Err(total) => {
                root.overflow = Some(total);
                f.done = true;
            }
        }
        f.root_held = root.sink.held_keys();
        for (held, fork) in f.held.iter_mut().zip(&guards) {
            *held = fork.held_keys();
        }
        f
    }
}

/// Whether a checkpoint comes before block `index`: before blocks 0, 1, 2, 4, 8, 16 and 32, then
/// before every [`CHECKPOINT_EVERY`]th block. Early checkpoints are dense so that a sample with far
/// more distinct keys than the limit switches after few blocks; later ones are sparse so that the
/// waits cost little.
fn is_checkpoint(index: usize) -> bool {
    index.is_power_of_two() || index.is_multiple_of(CHECKPOINT_EVERY)
}

/// Blocks between checkpoints once past the first [`CHECKPOINT_EVERY`] (128 MiB of input).
pub const CHECKPOINT_EVERY: usize = 32;

/// A worker's fork on cache lines of its own: forks update their totals on every row, and two forks
/// sharing a line would make the cores steal it from each other (measured: 5% more CPU time).
#[repr(align(128))]
struct Padded<T>(T);

/// Locks a mutex of the engine (no thread panics while holding one: the parsers return errors).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().expect("no worker panics holding the lock")
}

/// The run's sink and, once blocks are merged in order, the blocks parsed ahead of their turn.
struct Ordered<'a, S> {
    sink: &'a mut S,
    /// The index of the next block to merge.
    next: usize,
    /// Sealed blocks waiting for an earlier one (at most one per other worker, by the strict turns).
    pending: BTreeMap<usize, S>,
    /// The overflow of a merge, when one overflowed.
    overflow: Option<Overflow>,
}

impl<S: EventSink> Ordered<'_, S> {
    /// Takes block `index` and merges every block that is now next in line.
    fn push(&mut self, index: usize, block: S) {
        self.pending.insert(index, block);
        while let Some(block) = self.pending.remove(&self.next) {
            if self.overflow.is_none() {
                if let Err(total) = self.sink.merge(block) {
                    self.overflow = Some(total);
                }
            }
            self.next += 1;
        }
    }
}

fn sum_lines(stats: &[Option<BlockStats>]) -> u64 {
    stats.iter().flatten().map(|s| s.lines).sum()
}

/// Adds `offset` to the line of an input error (block-relative -> file line).
pub(crate) fn shift_line(error: Error, offset: u64) -> Error {
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
struct Feed<'m, R> {
    reader: R,
    /// A mapped input (empty otherwise): blocks are ranges of it, from `pos` on.
    map: &'m [u8],
    mapped: bool,
    /// The offset in `map` of the next block.
    pos: usize,
    /// Mapped input: per block index, whether it passed its divert check; blocks below
    /// `checked_upto` all did.
    clean: Vec<bool>,
    checked_upto: usize,
    /// Mapped input: the offset of the diverted block, where the sequential reader resumes.
    resume_at: usize,
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
    /// Blocks whose worker is done with them (parsed, or failed).
    finished: usize,
    /// Per worker, [`EventSink::held_keys`] of its fork after its last block.
    held: Vec<u64>,
    /// Per worker, the bytes of the block it is parsing (0 when none).
    in_flight: Vec<u64>,
    /// [`EventSink::held_keys`] of the run's sink at the last checkpoint.
    root_held: u64,
    /// Blocks from here on are parsed into forks of their own and merged in block order.
    ordered: bool,
}

/// Bytes asked of the reader per call.
const READ_CHUNK: usize = 1 << 20;

impl<R: Read> Feed<'_, R> {
    /// Fills `buf` with the next block of whole lines, or for a mapped input sets `range` to it, and
    /// returns its index, or `None` when there is nothing (more) to hand out.
    fn next_block(
        &mut self,
        buf: &mut Vec<u8>,
        range: &mut Option<(usize, usize)>,
        engine: &Engine<'_>,
    ) -> Option<usize> {
        if self.diverted.is_some() || self.next > self.stop_at {
            return None;
        }
        if self.mapped {
            *range = self.next_range(engine);
            return range.map(|_| self.next - 1);
        }
        buf.clear();
        std::mem::swap(buf, &mut self.carry);
        let last_line_end = |bytes: &[u8]| match engine.cr_ends_lines {
            true => memrchr2(b'\n', b'\r', bytes),
            false => memrchr(b'\n', bytes),
        };
        let mut scanned = 0; // bytes of `buf` already known to hold no line end
                             // `buf[..filled]` is the block so far; the bytes after it are zeroed read space, grown only
                             // when a read needs more, so that no byte is zeroed twice for one block (readers such as
                             // gzip return less than asked, and re-zeroing the space on every call cost a twentieth of
                             // the gzip run).
        let mut filled = buf.len();
        loop {
            if self.eof {
                if filled == 0 {
                    buf.clear();
                    return None;
                }
                break;
            }
            if filled >= engine.block_size.max(1) {
                if let Some(i) = last_line_end(&buf[scanned..filled]) {
                    let cut = scanned + i + 1;
                    self.carry.extend_from_slice(&buf[cut..filled]);
                    filled = cut;
                    break;
                }
                // One line longer than a block (a multi-megabyte row): keep reading until it ends,
                // but not forever: the whole block is that line's start, so it is the block's line 1.
                scanned = filled;
                if scanned > MAX_LINE_BYTES {
                    buf.clear();
                    self.eof = true;
                    self.fail(self.next, line_too_long(engine.name, 1));
                    return None;
                }
            }
            let want = READ_CHUNK
                .min(engine.block_size.max(1))
                .max(engine.block_size.saturating_sub(filled));
            if buf.len() < filled + want {
                buf.resize(filled + want, 0);
            }
            match self.reader.read(&mut buf[filled..filled + want]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    filled += n;
                    engine.progress.add_bytes(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Whole lines read so far still form a block; the error belongs to the line after
                    // them, which is where a sequential reader would have stopped.
                    let keep = memrchr(b'\n', &buf[..filled]).map_or(0, |i| i + 1);
                    buf.truncate(keep);
                    self.eof = true;
                    let index = self.next + usize::from(keep > 0);
                    self.fail(index, read_failure(engine.name, engine.gzip, 1, e));
                    if keep == 0 {
                        return None;
                    }
                    filled = keep;
                    break;
                }
            }
        }
        buf.truncate(filled);
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

    /// The next block of a mapped input: from `pos` to the last line end within the block size (or,
    /// for a line longer than a block, to its end); a line longer than [`MAX_LINE_BYTES`] fails.
    /// The divert check is left to the worker ([`checked`](Self::checked)).
    fn next_range(&mut self, engine: &Engine<'_>) -> Option<(usize, usize)> {
        let (map, start) = (self.map, self.pos);
        if start >= map.len() {
            return None;
        }
        let line_end = |bytes: &[u8]| match engine.cr_ends_lines {
            true => memchr2(b'\n', b'\r', bytes),
            false => memchr(b'\n', bytes),
        };
        let last_line_end = |bytes: &[u8]| match engine.cr_ends_lines {
            true => memrchr2(b'\n', b'\r', bytes),
            false => memrchr(b'\n', bytes),
        };
        let want = start.saturating_add(engine.block_size.max(1));
        let end = if want >= map.len() {
            map.len()
        } else if let Some(i) = last_line_end(&map[start..want]) {
            start + i + 1
        } else {
            // One line longer than a block: it ends the block, unless it is too long to hold.
            let limit = map.len().min(start.saturating_add(MAX_LINE_BYTES + 1));
            match line_end(&map[want..limit]) {
                Some(i) => want + i + 1,
                None if limit == map.len() => limit,
                None => {
                    self.pos = map.len();
                    self.fail(self.next, line_too_long(engine.name, 1));
                    return None;
                }
            }
        };
        self.next += 1;
        engine.progress.add_bytes(end - start);
        // The divert check is the worker's, outside the lock (see `checked`).
        self.pos = end;
        Some((start, end))
    }

    /// Records the divert check of mapped block `index`: `Some(start)` when it failed (the block
    /// starts at `start`), after which no block is handed out and the earliest failed block is
    /// where the sequential reader resumes.
    fn checked(&mut self, index: usize, failed_at: Option<usize>) {
        match failed_at {
            Some(start) => {
                if self.diverted.as_ref().is_none_or(|(i, _)| *i > index) {
                    self.diverted = Some((index, Vec::new()));
                    self.resume_at = start;
                }
                self.done = true;
            }
            None => {
                if self.clean.len() <= index {
                    self.clean.resize(index + 1, false);
                }
                self.clean[index] = true;
                while self.clean.get(self.checked_upto) == Some(&true) {
                    self.checked_upto += 1;
                }
            }
        }
    }

    /// Whether a block before `index` was diverted.
    fn diverted_before(&self, index: usize) -> bool {
        self.diverted.as_ref().is_some_and(|(i, _)| *i < index)
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
