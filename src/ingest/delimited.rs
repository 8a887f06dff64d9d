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
//! Both follow `csv-core`'s rules: `\n`, `\r\n` and a lone `\r` end a record, empty lines are skipped,
//! and line numbers count `\n`.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use memchr::{memchr, memchr2, memchr3_iter};

use crate::error::{Error, Result};
use crate::ingest::blocks::{read_failure, BlockStats, Engine, Finish};
use crate::ingest::counter::EventSink;
use crate::ingest::progress::Progress;
use crate::ingest::row::{Columns, Fields, RowSpec};
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
    let delimiter = match (options.delimiter, format) {
        (Some(d), _) => d,
        (None, InputFormat::Tsv) => b'\t',
        (None, _) => detect_delimiter(&name, &mut source)?,
    };
    let gzip = source.gzip;
    let (head, header_lines) = match read_head(&name, &mut source)? {
        Head::Empty => {
            return Err(Error::Empty {
                path: name,
                reason: "the input is empty; expected a header row naming the columns".into(),
            })
        }
        Head::Sequential(bytes) => {
            let input = BufReader::new(Cursor::new(bytes).chain(source.reader));
            let stats = read_quoted(
                &name, gzip, input, delimiter, 0, None, options, format, sink,
            )?;
            return finish(&name, stats);
        }
        Head::Line { line, lines } => (line, lines),
    };
    let engine = Engine {
        name: &name,
        gzip,
        threads: options.thread_count(),
        progress,
        line_offset: header_lines,
        divert: has_quote,
        block_size: options.block_size(),
    };
    let columns = Columns::from_fields(head.split(|&b| b == delimiter));
    let spec = RowSpec::new(&name, columns, options, format)?;
    let finish_at = engine.run(Vec::new(), source.reader, sink, |block, sink| {
        fast_block(block, delimiter, &spec, sink)
    })?;
    let stats = match finish_at {
        Finish::Done(t) => ReadStats {
            rows: t.rows,
            skipped: 0,
        },
        Finish::Diverted {
            totals,
            pending,
            rest,
        } => {
            let input = BufReader::new(Cursor::new(pending).chain(rest));
            let more = read_quoted(
                &name,
                gzip,
                input,
                delimiter,
                totals.lines,
                Some(spec),
                options,
                format,
                sink,
            )?;
            ReadStats {
                rows: totals.rows + more.rows,
                skipped: 0,
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
    /// A header line the fast path can split (without its line end), after `lines` newlines.
    Line { line: Vec<u8>, lines: u64 },
    /// A header that needs the quote-aware parser (it holds a quote, or a lone `\r` that csv-core
    /// treats as a line end): these bytes, then the rest of the input, are read sequentially.
    Sequential(Vec<u8>),
}

/// Reads up to and including the first line that is not empty.
fn read_head(name: &str, source: &mut Source) -> Result<Head> {
    let mut head = Vec::new();
    let mut lines = 0;
    loop {
        let start = head.len();
        let n = source
            .reader
            .read_until(b'\n', &mut head)
            .map_err(|e| read_failure(name, source.gzip, lines + 1, e))?;
        if n == 0 {
            return Ok(Head::Empty);
        }
        let line = &head[start..];
        if line.iter().all(|&b| b == b'\n' || b == b'\r') {
            lines += 1;
            continue;
        }
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if memchr2(QUOTE, b'\r', body).is_some() {
            return Ok(Head::Sequential(head));
        }
        let line = body.to_vec();
        lines += u64::from(head.ends_with(b"\n"));
        return Ok(Head::Line { line, lines });
    }
}

/// The fields of one fast-path row: spans of the block.
struct Spans<'a> {
    block: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl Fields for Spans<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.spans.len()
    }

    #[inline]
    fn get(&self, i: usize) -> &[u8] {
        let (start, end) = self.spans[i];
        &self.block[start..end]
    }
}

/// Rows parsed before any is added: their keys are prefetched first, so the sink's cache misses for a
/// batch overlap (see [`crate::ingest::keytable`]). 16 rows keep the spans in L1 and cover memory latency.
pub(crate) const BATCH: usize = 32;

/// Rows of a block waiting to be added: each row's line and the end of its spans.
struct Batch {
    spans: Vec<(usize, usize)>,
    rows: Vec<(u64, usize)>,
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
        if let Some(k) = spec.raw_key_column() {
            if self.spans.len() - record_start == spec.width() {
                let (a, b) = self.spans[record_start + k];
                sink.prefetch(&block[a..b]);
            }
        }
        self.rows.push((line, self.spans.len()));
    }

    fn flush<S: EventSink>(
        &mut self,
        block: &[u8],
        spec: &RowSpec,
        scratch: &mut Vec<u8>,
        sink: &mut S,
    ) -> Result<()> {
        let mut start = 0;
        for &(line, end) in &self.rows {
            let fields = Spans {
                block,
                spans: &self.spans[start..end],
            };
            spec.apply(&fields, line, scratch, sink)?;
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
    spec: &RowSpec,
    sink: &mut S,
) -> Result<BlockStats> {
    let mut batch = Batch {
        spans: Vec::with_capacity(BATCH * (spec.width() + 1)),
        rows: Vec::with_capacity(BATCH),
    };
    let mut scratch = Vec::new();
    let mut line = 1u64;
    let mut rows = 0u64;
    let mut field_start = 0usize;
    let mut record_start = 0usize; // index in `batch.spans` of the current record's first field
    for hit in memchr3_iter(b'\n', b'\r', delimiter, block) {
        let b = block[hit];
        if b == delimiter {
            batch.spans.push((field_start, hit));
            field_start = hit + 1;
            continue;
        }
        // A line end: `\n`, or `\r` (alone or before `\n`). Empty records are skipped, like csv-core.
        if !(batch.spans.len() == record_start && field_start == hit) {
            batch.spans.push((field_start, hit));
            batch.end_row(line, record_start, block, spec, sink);
            rows += 1;
            if batch.rows.len() == BATCH {
                batch.flush(block, spec, &mut scratch, sink)?;
            }
            record_start = batch.spans.len();
        }
        field_start = hit + 1;
        line += u64::from(b == b'\n');
    }
    if field_start < block.len() || batch.spans.len() > record_start {
        batch.spans.push((field_start, block.len()));
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

/// Reads records sequentially with `csv-core`, which understands quoting. `lines_before` newlines were
/// consumed before `input`. Without `spec`, the first record is the header.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_quoted<S: EventSink>(
    name: &str,
    gzip: bool,
    mut input: impl BufRead,
    delimiter: u8,
    lines_before: u64,
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
            line += buf[..skip].iter().filter(|&&b| b == b'\n').count() as u64;
            let all = skip == buf.len();
            input.consume(skip);
            if !all {
                break;
            }
        }
        let record_line = line;
        let (mut n_out, mut n_ends) = (0usize, 0usize);
        let done = loop {
            let buf = input
                .fill_buf()
                .map_err(|e| read_failure(name, gzip, line, e))?;
            let (result, n_in, o, e) =
                core.read_record(buf, &mut out[n_out..], &mut ends[n_ends..]);
            line += buf[..n_in].iter().filter(|&&b| b == b'\n').count() as u64;
            input.consume(n_in);
            n_out += o;
            n_ends += e;
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
                spec.apply(&fields, record_line, &mut scratch, sink)?;
                rows += 1;
            }
        }
    }
    if spec.is_none() {
        return Err(Error::Empty {
            path: name.to_string(),
            reason: "the input is empty; expected a header row naming the columns".into(),
        });
    }
    Ok(ReadStats { rows, skipped: 0 })
}

/// Picks the delimiter from the file extension (`.tsv`, `.tab`), else from the first line: the
/// candidate that occurs most often outside quotes (comma on ties or when none occurs).
fn detect_delimiter(name: &str, source: &mut Source) -> Result<u8> {
    let base = name.strip_suffix(".gz").unwrap_or(name);
    let ext = Path::new(base)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("tsv" | "tab")) {
        return Ok(b'\t');
    }
    let head = source.reader.fill_buf().map_err(|e| Error::io(name, e))?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
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
    Ok(CANDIDATE_DELIMITERS[best])
}
