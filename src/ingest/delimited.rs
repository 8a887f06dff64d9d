//! CSV and TSV with a header row: one event per row, or one key per row with a count column.
//!
//! Keys are the key columns' bytes after CSV unquoting: no trimming, no UTF-8 requirement. Two paths
//! read the rows, with the same result to the byte and the same line in every error:
//! - the fast path (`fast_block`): blocks of whole lines parsed in parallel by splitting at the
//!   delimiter and at line ends, for inputs without a quote character (nearly every machine export);
//! - the sequential path (`read_quoted`): `csv-core`'s RFC 4180 state machine, taken from the first
//!   block that holds a `"` on, since a quoted field may contain a newline and then blocks could not be
//!   cut at newlines.
//!
//! Both follow `csv-core`'s rules: `\n`, `\r\n` and a lone `\r` end a record, empty lines are skipped.
//! Line numbers count `\n`, or `\r` in a file whose header ends with a lone `\r` (old Mac line
//! ends, as spreadsheet programs still export them), see `LineEnds`. Unlike `csv-core`, a quoted field that is still open at the end of
//! the input is an error at the line and column where it opened (csv-core would return the rest of
//! the input as one field), and no line or record is held past
//! [`MAX_LINE_BYTES`].

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use memchr::{memchr, memchr2};

use crate::error::{Error, Location, Result};
use crate::ingest::blocks::{
    line_too_long, read_failure, shift_line, BlockStats, Engine, Finish, MAX_LINE_BYTES,
};
use crate::ingest::counter::{EventSink, KeyRow, KeyTag};
use crate::ingest::encoding::MAX_KEY_BYTES;
use crate::ingest::progress::Progress;
use crate::ingest::row::{overflow, Columns, Fields, KeyOnly, RowSpec};
use crate::ingest::scan::Hits3;
use crate::ingest::source::Source;
use crate::ingest::{IngestOptions, InputFormat, ReadStats};

/// Delimiters tried when sniffing, in order of preference on ties.
const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// The quote character of RFC 4180 (and `csv-core`'s default).
const QUOTE: u8 = b'"';

/// Reads one delimited input into `sink`.
pub(crate) fn read<S: EventSink>(
    mut source: Source,
    options: &IngestOptions,
    format: InputFormat,
    progress: &Progress,
    sink: &mut S,
) -> Result<ReadStats> {
    let name = source.name.clone();
    let gzip = source.gzip;
    let head = read_head(&name, &mut source)?;
    let delimiter = match (options.delimiter, format, &head) {
        (Some(d), _, _) => d,
        (None, InputFormat::Tsv, _) => b'\t',
        (None, _, Head::Line { line, .. } | Head::Sequential { bytes: line, .. }) => {
            detect_delimiter(&name, line)
        }
        (None, _, Head::Empty) => b',',
    };
    let (head, header_lines) = match head {
        Head::Empty => {
            return Err(Error::Empty {
                path: name,
                reason: "the input is empty; expected a header row naming the columns".into(),
            })
        }
        Head::Sequential { bytes, lines } => {
            let input = BufReader::new(Cursor::new(bytes).chain(source.reader));
            let stats = read_quoted(
                &name,
                gzip,
                input,
                delimiter,
                (lines.before, lines.ends),
                None,
                options,
                format,
                sink,
            )?;
            return finish(&name, stats);
        }
        Head::Line { line, lines } => (line, lines),
    };
    let ends = header_lines.ends;
    let header_lines = header_lines.before;
    let engine = Engine {
        name: &name,
        gzip,
        threads: options.thread_count(),
        progress,
        line_offset: header_lines,
        divert: has_quote,
        block_size: options.block_size(),
        cr_ends_lines: true,
    };
    let columns = Columns::from_fields(head.split(|&b| b == delimiter));
    let spec = RowSpec::new(&name, columns, options, format)?;
    let notes = spec.notes();
    let parse = |block: &[u8], sink: &mut S| fast_block(block, delimiter, ends, &spec, sink);
    let map = source.map_rest();
    let finish_at = match &map {
        Some((map, from)) => engine.run_mapped(map.bytes(), *from, source.reader, sink, parse)?,
        None => engine.run(Vec::new(), source.reader, sink, parse)?,
    };
    let stats = match finish_at {
        Finish::Done(t) => ReadStats {
            rows: t.rows,
            notes,
            ..ReadStats::default()
        },
        Finish::Diverted {
            totals,
            pending,
            rest,
            resume,
        } => {
            let input: Box<dyn BufRead> = match (&map, resume) {
                (Some((map, _)), Some(at)) => Box::new(Cursor::new(&map.bytes()[at..])),
                _ => Box::new(BufReader::new(Cursor::new(pending).chain(rest))),
            };
            let more = read_quoted(
                &name,
                gzip,
                input,
                delimiter,
                (totals.lines, ends),
                Some(spec),
                options,
                format,
                sink,
            )?;
            ReadStats {
                rows: totals.rows + more.rows,
                notes,
                ..ReadStats::default()
            }
        }
    };
    finish(&name, stats)
}

/// A header with no row under it is an error: there is nothing to analyze.
pub(crate) fn finish(name: &str, stats: ReadStats) -> Result<ReadStats> {
    if stats.rows == 0 {
        return Err(Error::Empty {
            path: name.to_string(),
            reason: "the header has no rows under it".into(),
        });
    }
    Ok(stats)
}

/// The divert check of the fast path: a block with a quote needs the quote-aware parser.
fn has_quote(block: &[u8]) -> bool {
    memchr(QUOTE, block).is_some()
}

/// The start of a delimited input, as far as the header.
enum Head {
    /// Nothing but empty lines, or nothing at all.
    Empty,
    /// A header line the fast path can split (without its line end, which is still unread, unless
    /// `lines` says it was taken), after `lines.before` lines of empty lines.
    Line { line: Vec<u8>, lines: HeadLines },
    /// A header that needs the quote-aware parser (it holds a quote, so it may go on past its first
    /// line end): these bytes, then the rest of the input, are read sequentially, after
    /// `lines.before` lines.
    Sequential { bytes: Vec<u8>, lines: HeadLines },
}

/// The lines before what is still to be read, and how the input's lines end.
struct HeadLines {
    before: u64,
    ends: LineEnds,
}

/// The byte that ends a line for line numbers. Records end at `\n`, `\r\n` or a lone `\r`
/// alike; lines are counted at `\n`, except in an input whose header ends with a lone `\r` (old
/// Mac line ends, which spreadsheet programs still write as "Macintosh CSV"): there at `\r`, so
/// that a message about its third row names line 4, not line 1. Decided once per input, so the
/// fast and the sequential path count alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineEnds(u8);

impl LineEnds {
    /// Lines end at `\n` (and `\r\n`).
    pub(crate) const LF: LineEnds = LineEnds(b'\n');
    /// Lines end at a lone `\r`.
    pub(crate) const CR: LineEnds = LineEnds(b'\r');

    /// The line ends of an input whose first line ends with `end`, followed by `next`.
    pub(crate) fn of(end: u8, next: Option<u8>) -> LineEnds {
        if end == b'\r' && next != Some(b'\n') {
            LineEnds::CR
        } else {
            LineEnds::LF
        }
    }

    /// Whether byte `b` ends a line.
    #[inline]
    pub(crate) fn ends_line(self, b: u8) -> bool {
        b == self.0
    }

    /// The lines `bytes` end.
    pub(crate) fn count(self, bytes: &[u8]) -> u64 {
        memchr::memchr_iter(self.0, bytes).count() as u64
    }
}

/// Skips empty lines, then reads the first line up to (not including) its line end: `\n` or `\r`,
/// as csv-core ends records. At most [`MAX_LINE_BYTES`] are held.
fn read_head(name: &str, source: &mut Source) -> Result<Head> {
    let gzip = source.gzip;
    let reader = &mut source.reader;
    // Empty lines before the header, counted both ways until the header's line end tells which.
    let (mut lf, mut cr) = (0u64, 0u64);
    let lines = |lf: u64, cr: u64| lf.max(cr);
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| read_failure(name, gzip, lines(lf, cr) + 1, e))?;
        if buf.is_empty() {
            return Ok(Head::Empty);
        }
        let skip = buf
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        lf += LineEnds::LF.count(&buf[..skip]);
        cr += LineEnds::CR.count(&buf[..skip]);
        let all = skip == buf.len();
        reader.consume(skip);
        if !all {
            break;
        }
    }
    let mut head = Vec::new();
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| read_failure(name, gzip, lines(lf, cr) + 1, e))?;
        if buf.is_empty() {
            break;
        }
        let end = memchr2(b'\n', b'\r', buf);
        let take = end.unwrap_or(buf.len());
        if head.len() + take > MAX_LINE_BYTES {
            return Err(line_too_long(name, lines(lf, cr) + 1));
        }
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if end.is_some() {
            break;
        }
    }
    // The header's line end and the byte after it. When the reader holds only the `\r`, it is
    // taken, so that the next byte can be seen: the sequential path gets it back in front of the
    // rest, and for the fast path the header's line is counted here instead of in the first block.
    let ends;
    let mut taken_cr = false;
    {
        let buf = reader
            .fill_buf()
            .map_err(|e| read_failure(name, gzip, lines(lf, cr) + 1, e))?;
        match buf {
            [b'\r'] => {
                reader.consume(1);
                taken_cr = true;
                let next = reader
                    .fill_buf()
                    .map_err(|e| read_failure(name, gzip, lines(lf, cr) + 1, e))?;
                ends = LineEnds::of(b'\r', next.first().copied());
            }
            [end, rest @ ..] => ends = LineEnds::of(*end, rest.first().copied()),
            [] => ends = LineEnds::LF,
        }
    }
    let before = if ends == LineEnds::CR { cr } else { lf };
    Ok(if memchr(QUOTE, &head).is_some() {
        if taken_cr {
            head.push(b'\r');
        }
        Head::Sequential {
            bytes: head,
            lines: HeadLines { before, ends },
        }
    } else {
        // A taken `\r` ended the header's line when lines end at `\r`; before a `\n`, that `\n`
        // (still unread) ends it.
        let header = u64::from(taken_cr && ends == LineEnds::CR);
        Head::Line {
            line: head,
            lines: HeadLines {
                before: before + header,
                ends,
            },
        }
    })
}

/// The fields of one fast-path row: spans of the block.
struct Spans<'a> {
    block: &'a [u8],
    spans: &'a [(usize, usize)],
    /// Fields past the header's width that were counted but not kept (the row is an error anyway,
    /// and keeping a span per delimiter of an 8 MiB line of commas would cost 128 MiB).
    extra: usize,
}

impl Fields for Spans<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.spans.len() + self.extra
    }

    #[inline]
    fn get(&self, i: usize) -> &[u8] {
        let (start, end) = self.spans[i];
        &self.block[start..end]
    }
}

/// Rows parsed before any is added: their keys are prefetched first, so the sink's cache misses for a
/// batch overlap (see [`crate::ingest::keytable`]). Measured on the benchmark file (before rows were
/// added in batches): 8 and 16 rows read it slower (0.36 and 0.30 s against 0.28 s), 64 and 128
/// no faster. Measured again once the prefetch covered two lines per key (back to back, user time,
/// medians of 15): 32 rows 452-467 ms, 64 rows 441-444 ms; 96 and 128 no better than 64.
pub(crate) const BATCH: usize = 64;

/// Rows of a block waiting to be added: each row's line, the end of its spans, its fields past
/// the header's width (counted, not kept) and its key's tag from the prefetch.
struct Batch {
    spans: Vec<(usize, usize)>,
    rows: Vec<(u64, usize, usize, KeyTag)>,
    /// Fields of the current row past the header's width plus one.
    extra: usize,
}

impl Batch {
    /// Ends a row at `line`: its key is prefetched now and the row added at the next flush, so every
    /// row's prefetch has about [`BATCH`] rows of work to complete before the row needs it.
    #[inline]
    fn end_row<S: EventSink>(
        &mut self,
        line: u64,
        record_start: usize,
        block: &[u8],
        spec: &RowSpec,
        sink: &S,
    ) {
        let mut tag = KeyTag::NONE;
        if let Some(k) = spec.raw_key_column() {
            if self.spans.len() - record_start == spec.width() {
                let (a, b) = self.spans[record_start + k];
                tag = sink.prefetch(&block[a..b]);
            }
        }
        self.rows
            .push((line, self.spans.len(), std::mem::take(&mut self.extra), tag));
    }

    /// Ends a field of the current row (which starts at `record_start` in `spans`). Past the
    /// header's width plus one, fields are only counted.
    #[inline]
    fn push_field(&mut self, span: (usize, usize), record_start: usize, width: usize) {
        if self.spans.len() - record_start <= width {
            self.spans.push(span);
        } else {
            self.extra += 1;
        }
    }

    fn flush<S: EventSink>(
        &mut self,
        block: &[u8],
        spec: &RowSpec,
        scratch: &mut Vec<u8>,
        sink: &mut S,
    ) -> Result<()> {
        let mut start = 0;
        for &(line, end, extra, tag) in &self.rows {
            let fields = Spans {
                block,
                spans: &self.spans[start..end],
                extra,
            };
            spec.apply(&fields, line, tag, scratch, sink)?;
            start = end;
        }
        self.spans.clear();
        self.rows.clear();
        Ok(())
    }
}

/// Parses one block of whole lines that holds no quote character.
pub(crate) fn fast_block<S: EventSink>(
    block: &[u8],
    delimiter: u8,
    ends: LineEnds,
    spec: &RowSpec,
    sink: &mut S,
) -> Result<BlockStats> {
    match spec.key_only() {
        Some(shape) if shape.width == 1 => one_column_block(block, delimiter, ends, spec, sink),
        Some(shape) => key_only_block(block, delimiter, ends, spec, shape, sink),
        None => any_block(block, delimiter, ends, spec, sink),
    }
}

/// Rows of [`key_only_block`] prefetched but not yet added: a fixed array and a count (a `Vec`
/// behind `&mut self` was reloaded and stored on every row). A row's line is not kept: the rare
/// message that names it counts the line ends before the row.
struct Queue {
    rows: [KeyRow; BATCH],
    len: usize,
    /// Rows added so far.
    added: u64,
    /// The block's line ends, for a message's line.
    ends: LineEnds,
    /// Whether every row's weight is 1 (no count column): added with
    /// [`EventSink::add_unit_keys`].
    unit: bool,
}

impl Queue {
    fn new(unit: bool, ends: LineEnds) -> Queue {
        Queue {
            rows: [KeyRow::EMPTY; BATCH],
            len: 0,
            added: 0,
            ends,
            unit,
        }
    }

    /// Queues `key` of `block`, prefetched now, and adds the batch once it is full.
    #[inline(always)]
    fn push<S: EventSink>(
        &mut self,
        (block, path): (&[u8], &str),
        key: (usize, usize),
        weight: u64,
        sink: &mut S,
    ) -> Result<()> {
        let tag = sink.prefetch(&block[key.0..key.1]);
        self.rows[self.len] = KeyRow { tag, key, weight };
        self.len += 1;
        if self.len == BATCH {
            self.flush(block, path, sink)?;
        }
        Ok(())
    }

    /// Adds the queued rows to `sink`.
    #[inline(never)]
    fn flush<S: EventSink>(&mut self, block: &[u8], path: &str, sink: &mut S) -> Result<()> {
        let n = std::mem::take(&mut self.len);
        self.added += n as u64;
        let rows = &self.rows[..n];
        match self.unit {
            true => sink.add_unit_keys(block, rows),
            false => sink.add_keys(block, rows),
        }
        .map_err(|(i, total)| {
            // No line end lies between a row's start and its key.
            let line = 1 + self.ends.count(&block[..rows[i].key.0]);
            overflow(path, line, total)
        })
    }
}

/// A count of plain ASCII digits that fits in 64 bits; anything else (spaces, signs, decimals,
/// exponents, overflow) is `None`, for [`crate::ingest::row::parse_weight`] on the general path.
#[inline(always)]
fn plain_count(field: &[u8]) -> Option<u64> {
    if field.is_empty() || field.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &b in field {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

/// [`key_only_block`] for files of one column, the key (a list of keys with a header): every
/// non-empty line is a row, so the scan keeps nothing per field, and the fewer live values stay in
/// registers (one fifth of the ingest time on the benchmark file). A line with a delimiter or
/// a key over the length limit ends the loop as in [`key_only_block`].
fn one_column_block<S: EventSink>(
    block: &[u8],
    delimiter: u8,
    ends: LineEnds,
    spec: &RowSpec,
    sink: &mut S,
) -> Result<BlockStats> {
    let path = spec.path();
    let mut queue = Queue::new(true, ends);
    let mut line = 1u64;
    let mut start = 0usize; // of the current line
    let mut taken_all = true;
    for hit in Hits3::new(b'\n', b'\r', delimiter, block) {
        let b = block[hit];
        if b == delimiter || hit - start > MAX_KEY_BYTES {
            taken_all = false;
            break;
        }
        // A line end: `\n`, or `\r` (alone or before `\n`). Empty lines are skipped, like csv-core.
        if start != hit {
            queue.push((block, path), (start, hit), 1, sink)?;
        }
        start = hit + 1;
        line += u64::from(ends.ends_line(b));
    }
    if taken_all && start < block.len() {
        if block.len() - start > MAX_KEY_BYTES {
            taken_all = false;
        } else {
            queue.push((block, path), (start, block.len()), 1, sink)?;
        }
    }
    let stop = (!taken_all).then_some(start);
    finish_fast(&mut queue, line, stop, (block, delimiter, ends), spec, sink)
}

/// [`fast_block`] for rows of the [`KeyOnly`] shape (the key is one column's bytes, plus an optional
/// count: the common machine export). Each row's key is hashed once, when its slot is prefetched,
/// and added [`BATCH`] rows later with that hash, without building an
/// [`Event`](crate::ingest::counter::Event). The first row this loop does not take as it is (a
/// wrong field count, a key over the length limit, a count that is not plain digits) ends it: the
/// rows before are added and the rest of the block, from that row on, goes to [`any_block`], so
/// results and messages are the general path's to the byte.
fn key_only_block<S: EventSink>(
    block: &[u8],
    delimiter: u8,
    ends: LineEnds,
    spec: &RowSpec,
    shape: KeyOnly,
    sink: &mut S,
) -> Result<BlockStats> {
    let path = spec.path();
    let mut queue = Queue::new(shape.count.is_none(), ends);
    let mut key = (0usize, 0usize);
    let mut count = (0usize, 0usize);
    let mut line = 1u64;
    let mut field = 0usize; // the current field's index in its record
    let mut field_start = 0usize;
    let mut record_start = 0usize;
    let mut taken = true;
    // Ends the record whose last field is `field` at `line`: queues its row and returns true, or
    // returns false when the general path must read it.
    macro_rules! end_record {
        () => {{
            let weight = if field + 1 != shape.width || key.1 - key.0 > MAX_KEY_BYTES {
                None
            } else {
                match shape.count {
                    None => Some(1),
                    Some(_) => plain_count(&block[count.0..count.1]),
                }
            };
            match weight {
                Some(weight) => {
                    queue.push((block, path), key, weight, sink)?;
                    true
                }
                None => false,
            }
        }};
    }
    for hit in Hits3::new(b'\n', b'\r', delimiter, block) {
        let b = block[hit];
        let span = (field_start, hit);
        if field == shape.key {
            key = span;
        }
        if Some(field) == shape.count {
            count = span;
        }
        if b == delimiter {
            field += 1;
            field_start = hit + 1;
            continue;
        }
        // A line end: `\n`, or `\r` (alone or before `\n`). Empty records are skipped, like csv-core.
        let empty = field == 0 && field_start == hit;
        if !(empty || end_record!()) {
            taken = false;
            break;
        }
        field = 0;
        field_start = hit + 1;
        record_start = hit + 1;
        line += u64::from(ends.ends_line(b));
    }
    if taken && (field_start < block.len() || field > 0) {
        let span = (field_start, block.len());
        if field == shape.key {
            key = span;
        }
        if Some(field) == shape.count {
            count = span;
        }
        if !end_record!() {
            taken = false;
        }
    }
    let stop = (!taken).then_some(record_start);
    finish_fast(&mut queue, line, stop, (block, delimiter, ends), spec, sink)
}

/// The end of a fast loop over `block` (with its delimiter and line ends) that left rows in `queue`
/// and reached `line`, up to `stop` (the start of the first row it left; `None`: it took them all):
/// adds the queued rows, and has [`any_block`] read the rest, its line 1 being that row's line.
fn finish_fast<S: EventSink>(
    queue: &mut Queue,
    line: u64,
    stop: Option<usize>,
    (block, delimiter, ends): (&[u8], u8, LineEnds),
    spec: &RowSpec,
    sink: &mut S,
) -> Result<BlockStats> {
    queue.flush(block, spec.path(), sink)?;
    let taken = BlockStats {
        lines: line - 1,
        rows: queue.added,
        skipped: 0,
    };
    let Some(stop) = stop else {
        return Ok(taken);
    };
    let rest = any_block(&block[stop..], delimiter, ends, spec, sink)
        .map_err(|e| shift_line(e, taken.lines))?;
    Ok(BlockStats {
        lines: taken.lines + rest.lines,
        rows: taken.rows + rest.rows,
        skipped: 0,
    })
}

/// [`fast_block`] for any row shape: rows are parsed into field spans and handed to
/// [`RowSpec::apply`].
fn any_block<S: EventSink>(
    block: &[u8],
    delimiter: u8,
    ends: LineEnds,
    spec: &RowSpec,
    sink: &mut S,
) -> Result<BlockStats> {
    let mut batch = Batch {
        spans: Vec::with_capacity(BATCH * (spec.width() + 1)),
        rows: Vec::with_capacity(BATCH),
        extra: 0,
    };
    let width = spec.width();
    let mut scratch = Vec::new();
    let mut line = 1u64;
    let mut rows = 0u64;
    let mut field_start = 0usize;
    let mut record_start = 0usize; // index in `batch.spans` of the current record's first field
    for hit in Hits3::new(b'\n', b'\r', delimiter, block) {
        let b = block[hit];
        if b == delimiter {
            batch.push_field((field_start, hit), record_start, width);
            field_start = hit + 1;
            continue;
        }
        // A line end: `\n`, or `\r` (alone or before `\n`). Empty records are skipped, like csv-core.
        if !(batch.spans.len() == record_start && field_start == hit) {
            batch.push_field((field_start, hit), record_start, width);
            batch.end_row(line, record_start, block, spec, sink);
            rows += 1;
            if batch.rows.len() == BATCH {
                batch.flush(block, spec, &mut scratch, sink)?;
            }
            record_start = batch.spans.len();
        }
        field_start = hit + 1;
        line += u64::from(ends.ends_line(b));
    }
    if field_start < block.len() || batch.spans.len() > record_start {
        batch.push_field((field_start, block.len()), record_start, width);
        batch.end_row(line, record_start, block, spec, sink);
        rows += 1;
    }
    batch.flush(block, spec, &mut scratch, sink)?;
    Ok(BlockStats {
        lines: line - 1,
        rows,
        skipped: 0,
    })
}

/// The fields of one `csv-core` record: unquoted bytes and field end offsets.
struct CoreFields<'a> {
    out: &'a [u8],
    ends: &'a [usize],
}

impl Fields for CoreFields<'_> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.out[start..self.ends[i]]
    }
}

/// Reads records sequentially with `csv-core`, which understands quoting. `lines.0` lines were
/// consumed before `input`, whose lines end as `lines.1` says. Without `spec`, the first record is
/// the header.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_quoted<S: EventSink>(
    name: &str,
    gzip: bool,
    mut input: impl BufRead,
    delimiter: u8,
    (lines_before, line_ends): (u64, LineEnds),
    mut spec: Option<RowSpec>,
    options: &IngestOptions,
    format: InputFormat,
    sink: &mut S,
) -> Result<ReadStats> {
    let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut out = vec![0u8; 1 << 12];
    let mut ends = vec![0usize; 64];
    let mut scratch = Vec::new();
    let mut line = lines_before + 1;
    let mut rows = 0u64;
    let mut quotes = QuoteTracker::new(delimiter, line_ends);
    loop {
        // Skip the line ends between records ourselves (csv-core would skip them too), so that the
        // record's first line is known exactly.
        loop {
            let buf = input
                .fill_buf()
                .map_err(|e| read_failure(name, gzip, line, e))?;
            if buf.is_empty() {
                break;
            }
            let skip = buf
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .count();
            line += line_ends.count(&buf[..skip]);
            let all = skip == buf.len();
            input.consume(skip);
            if !all {
                break;
            }
        }
        let record_line = line;
        let (mut n_out, mut n_ends) = (0usize, 0usize);
        let mut record_bytes = 0usize;
        quotes.start_record();
        let done = loop {
            let buf = input
                .fill_buf()
                .map_err(|e| read_failure(name, gzip, line, e))?;
            let at_end = buf.is_empty();
            let (result, n_in, o, e) =
                core.read_record(buf, &mut out[n_out..], &mut ends[n_ends..]);
            quotes.feed(&buf[..n_in], line);
            line += line_ends.count(&buf[..n_in]);
            input.consume(n_in);
            n_out += o;
            n_ends += e;
            record_bytes += n_in;
            // A record that ends with the input inside a quoted field had a quote that never
            // closed: csv-core would return the rest of the input as one field.
            let unclosed = match result {
                csv_core::ReadRecordResult::Record => at_end && quotes.in_quoted_field(),
                _ => record_bytes > MAX_LINE_BYTES && quotes.in_quoted_field(),
            };
            if unclosed {
                return Err(quotes.unclosed(name, spec.as_ref(), record_bytes > MAX_LINE_BYTES));
            }
            if record_bytes > MAX_LINE_BYTES {
                return Err(line_too_long(name, record_line));
            }
            match result {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => out.resize(out.len() * 2, 0),
                csv_core::ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                csv_core::ReadRecordResult::Record => break false,
                csv_core::ReadRecordResult::End => break true,
            }
        };
        if done {
            break;
        }
        // csv-core gives field ends relative to the whole record's output.
        let fields = CoreFields {
            out: &out[..n_out],
            ends: &ends[..n_ends],
        };
        match &spec {
            None => {
                let columns = Columns::from_fields((0..fields.len()).map(|i| fields.get(i)));
                spec = Some(RowSpec::new(name, columns, options, format)?);
            }
            Some(spec) => {
                spec.apply(&fields, record_line, KeyTag::NONE, &mut scratch, sink)?;
                rows += 1;
            }
        }
    }
    let Some(spec) = spec else {
        return Err(Error::Empty {
            path: name.to_string(),
            reason: "the input is empty; expected a header row naming the columns".into(),
        });
    };
    Ok(ReadStats {
        rows,
        notes: spec.notes(),
        ..ReadStats::default()
    })
}

/// Follows a record's bytes as csv-core reads them, far enough to know whether they end inside a
/// quoted field and where that field opened. It mirrors csv-core's quoting rules (RFC 4180): a quote
/// opens a quoted field only as the field's first byte, `""` inside one is a literal quote, and a
/// quote anywhere else is an ordinary byte.
struct QuoteTracker {
    delimiter: u8,
    ends: LineEnds,
    state: QuoteState,
    /// The current field's index in the record (0-based).
    field: usize,
    /// The line and field index where the current quoted field opened.
    opened: (u64, usize),
    /// No byte has been fed yet (csv-core skips a UTF-8 byte-order mark there).
    fresh: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    /// At the first byte of a field.
    FieldStart,
    /// Inside an unquoted field (or after a quoted field's closing quote): quotes are literal.
    InField,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: the field closes unless a second quote follows.
    QuoteInQuoted,
}

impl QuoteTracker {
    fn new(delimiter: u8, ends: LineEnds) -> QuoteTracker {
        QuoteTracker {
            delimiter,
            ends,
            state: QuoteState::FieldStart,
            field: 0,
            opened: (0, 0),
            fresh: true,
        }
    }

    /// A new record starts (csv-core has just ended the previous one outside any quotes).
    fn start_record(&mut self) {
        self.state = QuoteState::FieldStart;
        self.field = 0;
    }

    /// Follows `bytes`, the next bytes csv-core consumed for the current record; the first of them
    /// is on `line`.
    fn feed(&mut self, mut bytes: &[u8], mut line: u64) {
        if std::mem::take(&mut self.fresh) && bytes.starts_with(b"\xef\xbb\xbf") {
            bytes = &bytes[3..];
        }
        let (mut i, mut counted) = (0, 0);
        while i < bytes.len() {
            match self.state {
                QuoteState::FieldStart => {
                    let b = bytes[i];
                    if b == QUOTE {
                        line += self.ends.count(&bytes[counted..i]);
                        counted = i;
                        self.opened = (line, self.field);
                        self.state = QuoteState::Quoted;
                        i += 1;
                    } else if b == self.delimiter {
                        self.field += 1;
                        i += 1;
                    } else {
                        self.state = QuoteState::InField;
                    }
                }
                QuoteState::InField => match memchr(self.delimiter, &bytes[i..]) {
                    Some(j) => {
                        self.field += 1;
                        self.state = QuoteState::FieldStart;
                        i += j + 1;
                    }
                    None => return,
                },
                QuoteState::Quoted => match memchr(QUOTE, &bytes[i..]) {
                    Some(j) => {
                        self.state = QuoteState::QuoteInQuoted;
                        i += j + 1;
                    }
                    None => return,
                },
                QuoteState::QuoteInQuoted => {
                    if bytes[i] == QUOTE {
                        self.state = QuoteState::Quoted;
                        i += 1;
                    } else {
                        // The field closed; this byte is read as outside quotes.
                        self.state = QuoteState::InField;
                    }
                }
            }
        }
    }

    /// Whether the bytes so far end inside a quoted field.
    fn in_quoted_field(&self) -> bool {
        self.state == QuoteState::Quoted
    }

    /// The error for a quoted field that never closes: at the line (and column) where it opened.
    fn unclosed(&self, name: &str, spec: Option<&RowSpec>, too_long: bool) -> Error {
        let (line, field) = self.opened;
        let location = match spec {
            Some(spec) if field < spec.width() => spec.at(line, field),
            _ => Location::line(name, line),
        };
        let how = if too_long {
            format!("runs on for more than {} MiB", MAX_LINE_BYTES >> 20)
        } else {
            "runs to the end of the input".to_string()
        };
        Error::input(
            location,
            format!(
                "a quoted field opens here and its closing quote never comes (it {how}); close \
                 it, or write a quote inside a quoted field as \"\""
            ),
        )
    }
}

/// Picks the delimiter from the file extension (`.tsv`, `.tab`), else from the header line: the
/// candidate that occurs most often outside quotes (comma on ties or when none occurs).
fn detect_delimiter(name: &str, line: &[u8]) -> u8 {
    let base = name.strip_suffix(".gz").unwrap_or(name);
    let ext = Path::new(base)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("tsv" | "tab")) {
        return b'\t';
    }
    let mut counts = [0usize; CANDIDATE_DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == QUOTE {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATE_DELIMITERS.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..counts.len()).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    CANDIDATE_DELIMITERS[best]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// csv-core's quoting states, byte by byte, as a plain reference for [`QuoteTracker`]: whether
    /// the first record of `bytes` is still inside a quoted field where `bytes` end, and where that
    /// field opened. `None` when the record ends before.
    fn naive(bytes: &[u8], delimiter: u8) -> Option<(bool, (u64, usize))> {
        let (mut state, mut field, mut line, mut opened) = (QuoteState::FieldStart, 0, 1, (0, 0));
        for &b in bytes {
            let term = b == b'\n' || b == b'\r';
            state = match state {
                QuoteState::Quoted if b == QUOTE => QuoteState::QuoteInQuoted,
                QuoteState::Quoted => QuoteState::Quoted,
                QuoteState::QuoteInQuoted if b == QUOTE => QuoteState::Quoted,
                QuoteState::FieldStart if b == QUOTE => {
                    opened = (line, field);
                    QuoteState::Quoted
                }
                _ if b == delimiter => {
                    field += 1;
                    QuoteState::FieldStart
                }
                _ if term => return None,
                _ => QuoteState::InField,
            };
            line += u64::from(b == b'\n');
        }
        Some((state == QuoteState::Quoted, opened))
    }

    proptest! {
        /// The tracker, fed in arbitrary pieces, agrees with the byte-by-byte reference.
        #[test]
        fn quote_tracker_matches_reference(
            bytes in prop::collection::vec(
                prop::sample::select(b"a,\"\n\r\t".to_vec()), 0..64),
            cuts in prop::collection::vec(0usize..64, 0..6),
        ) {
            let Some(expected) = naive(&bytes, b',') else {
                return Ok(());
            };
            let mut tracker = QuoteTracker::new(b',', LineEnds::LF);
            tracker.fresh = false;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.push(bytes.len());
            cuts.sort_unstable();
            let (mut start, mut line) = (0, 1);
            for cut in cuts {
                tracker.feed(&bytes[start..cut], line);
                line += bytes[start..cut].iter().filter(|&&b| b == b'\n').count() as u64;
                start = cut;
            }
            let got = (tracker.in_quoted_field(), tracker.opened);
            if expected.0 {
                prop_assert_eq!(got, expected);
            } else {
                prop_assert!(!got.0);
            }
        }
    }
}
