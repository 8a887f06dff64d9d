//! Ingest: readers that turn input files into events for an [`EventSink`].
//!
//! Formats (`--input-format`): CSV/TSV with a header ([`delimited`]), one key per line ([`lines`]),
//! `key,count[,bytes]` aggregates (CSV with a count column), and kcat `-J` JSON envelopes ([`kcat`]).
//! Each input is a path or `-` for standard input, plain or gzip ([`source`]). Every reader streams
//! through the parallel block engine ([`blocks`]) into forked sinks, so memory is bounded by the number
//! of distinct keys and both cores work. Several inputs form one sample.

pub mod blocks;
pub mod counter;
pub mod delimited;
pub mod encoding;
pub mod facets;
pub mod field;
pub mod gzip;
pub mod kcat;
pub mod keyexpr;
pub mod keytable;
pub mod lines;
pub mod mapped;
pub mod number;
pub mod progress;
pub mod row;
pub(crate) mod scan;
pub mod source;
pub mod time;
pub(crate) mod zeroed;

use std::path::Path;

use crate::error::{Error, Result};
use crate::ingest::counter::{EventSink, KeyCounter};
use crate::model::KeyDistribution;
use blocks::{Engine, Finish};
use encoding::KeyEncoding;
use keyexpr::KeyExpr;
use progress::Progress;

pub use source::Source;

/// Input formats (`--input-format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum InputFormat {
    /// By extension (`.csv`, `.tsv`/`.tab`, `.jsonl`/`.ndjson`/`.json`, `.txt`/`.keys`/`.lines`, each
    /// optionally `.gz`), else by content: a first line starting with `{` is kcat JSON, anything else
    /// CSV with a detected delimiter.
    #[default]
    Auto,
    /// CSV with a header row (delimiter detected unless `--delimiter`).
    Csv,
    /// Tab-separated with a header row.
    Tsv,
    /// One key per line, no header.
    Lines,
    /// A `key,count[,bytes]` aggregate with a header: columns `key`, `count` and (if present) `bytes`
    /// unless `--key`, `--count-col`, `--bytes-col` name others.
    Counts,
    /// kcat `-J` JSON envelopes, one per line.
    #[value(name = "kcat-json")]
    KcatJson,
}

impl InputFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Csv => "csv",
            InputFormat::Tsv => "tsv",
            InputFormat::Lines => "lines",
            InputFormat::Counts => "counts",
            InputFormat::KcatJson => "kcat-json",
        }
    }
}

/// What to read from each input, resolved from the command line before any input is opened.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// The input format, or `Auto` to decide per input.
    pub format: InputFormat,
    /// The key column(s) and how they are joined (header formats).
    pub key: Option<KeyExpr>,
    /// How the composed key field becomes key bytes.
    pub key_encoding: KeyEncoding,
    /// The header name of a weight column: each row then stands for that many events of its key.
    pub count_col: Option<String>,
    /// The header name of a column with the total payload bytes of a row (aggregates).
    pub bytes_col: Option<String>,
    /// The header name of a column with the payload bytes of each event.
    pub size_col: Option<String>,
    /// The header name of an event-time column (epoch seconds/millis or RFC 3339).
    pub time_col: Option<String>,
    /// The header name of a column with the partition each row was observed on (`detect`).
    pub partition_col: Option<String>,
    /// When set, an observed partition at or above this count is an input error naming its line
    /// (`detect --partitions N`: the topic cannot have such a partition).
    pub partition_limit: Option<u32>,
    /// A fixed field delimiter; `None` detects it per input.
    pub delimiter: Option<u8>,
    /// Worker threads; 0 uses every core.
    pub threads: usize,
    /// Show progress on standard error when it is a terminal.
    pub progress: bool,
    /// Block size of the parallel engine; 0 uses [`blocks::BLOCK_SIZE`]. Tests set tiny blocks to
    /// exercise block boundaries.
    pub block_size: usize,
    /// The ordering entity's columns (`--order-by`): each event carries their values as its
    /// [`Event::entity`](counter::Event); several columns form one composite entity
    /// ([`row::encode_entity`]). Empty: no entity.
    pub order_by: Vec<String>,
    /// Salting at ingest (`salt(FIELD, N, by=OTHER)`, `split-hot(..., by=OTHER)`): the column whose
    /// bytes choose the bucket, and the bucket count. Every key becomes `key#bucket`
    /// ([`crate::model::scenario::push_bucket`]).
    pub bucket_by: Option<(String, u32)>,
}

impl IngestOptions {
    /// Options for a single key column, everything else default.
    pub fn for_key(column: &str) -> IngestOptions {
        IngestOptions {
            key: Some(KeyExpr::column(column)),
            ..IngestOptions::default()
        }
    }

    /// The engine's block size.
    pub fn block_size(&self) -> usize {
        match self.block_size {
            0 => blocks::default_block_size(),
            n => n,
        }
    }

    /// The number of worker threads to use.
    pub fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The header-only flags that were given, for formats that have no header.
    fn header_flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if self.key.is_some() {
            flags.push("--key/--key-template");
        }
        for (set, flag) in [
            (self.count_col.is_some(), "--count-col"),
            (self.bytes_col.is_some(), "--bytes-col"),
            (self.size_col.is_some(), "--size-col"),
            (self.time_col.is_some(), "--time-col"),
            (self.partition_col.is_some(), "--partition-col"),
            (!self.order_by.is_empty(), "--order-by"),
            (self.bucket_by.is_some(), "a by= strategy"),
            (self.delimiter.is_some(), "--delimiter"),
        ] {
            if set {
                flags.push(flag);
            }
        }
        flags
    }
}

/// Counts from reading one or more inputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Rows (records) turned into events.
    pub rows: u64,
    /// Records left out: kcat envelopes with a null key.
    pub skipped: u64,
    /// Things about the inputs a reader should be told (e.g. a count-like column that was not used
    /// as the weight), each naming the flag that changes it.
    pub notes: Vec<String>,
}

/// Reads every input (paths, or `-` for standard input) into `sink`.
pub fn read_into<S: EventSink>(
    inputs: &[String],
    options: &IngestOptions,
    sink: &mut S,
) -> Result<ReadStats> {
    if inputs.iter().filter(|i| i.as_str() == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input ('-') can be read only once".into(),
        ));
    }
    let progress = Progress::new(options.progress);
    let mut total = ReadStats::default();
    for input in inputs {
        let source = Source::open_with_threads(input, options.thread_count())?;
        let result = read_source(source, options, &progress, sink);
        progress.finish();
        let stats = result?;
        total.rows += stats.rows;
        total.skipped += stats.skipped;
        total.notes.extend(stats.notes);
    }
    Ok(total)
}

/// Reads every input into one exact distribution, and says how many records were left out.
pub fn read_sample(
    inputs: &[String],
    options: &IngestOptions,
) -> Result<(KeyDistribution, ReadStats)> {
    let mut counter = KeyCounter::new();
    let stats = read_into(inputs, options, &mut counter)?;
    ensure_events(inputs, counter.total(), &stats)?;
    Ok((counter.finish(), stats))
}

/// Fails when the inputs held rows but no events: every count was 0, or every record had a null key.
pub fn ensure_events(inputs: &[String], total: u64, stats: &ReadStats) -> Result<()> {
    if total > 0 {
        return Ok(());
    }
    let reason = if stats.skipped > 0 && stats.rows == 0 {
        "every record has a null key"
    } else {
        "every row has a count of 0"
    };
    Err(Error::Empty {
        path: inputs.join(", "),
        reason: reason.into(),
    })
}

/// Reads one opened input in its format.
pub fn read_source<S: EventSink>(
    mut source: Source,
    options: &IngestOptions,
    progress: &Progress,
    sink: &mut S,
) -> Result<ReadStats> {
    let format = match options.format {
        InputFormat::Auto => detect_format(&mut source)?,
        f => f,
    };
    match format {
        InputFormat::Csv | InputFormat::Tsv | InputFormat::Counts | InputFormat::Auto => {
            delimited::read(source, options, format, progress, sink)
        }
        InputFormat::Lines | InputFormat::KcatJson => {
            let flags = options.header_flags();
            if !flags.is_empty() {
                return Err(Error::Usage(format!(
                    "{}: {} input has no header columns, so {} cannot apply (only --key-encoding \
                     does); use --input-format csv for a file with a header",
                    source.name,
                    format.name(),
                    flags.join(", ")
                )));
            }
            let map = source.map_rest();
            let engine = Engine {
                name: &source.name,
                gzip: source.gzip,
                threads: options.thread_count(),
                progress,
                line_offset: 0,
                divert: |_| false,
                block_size: options.block_size(),
                cr_ends_lines: false,
            };
            let name = source.name.clone();
            let encoding = options.key_encoding;
            let limit = options.partition_limit;
            let lines = format == InputFormat::Lines;
            let parse = |block: &[u8], sink: &mut S| match lines {
                true => lines::lines_block(block, &name, encoding, sink),
                false => kcat::kcat_block(block, &name, encoding, limit, sink),
            };
            let finish = match &map {
                Some((map, from)) => {
                    engine.run_mapped(map.bytes(), *from, source.reader, sink, parse)?
                }
                None => engine.run(Vec::new(), source.reader, sink, parse)?,
            };
            let Finish::Done(totals) = finish else {
                unreachable!("these readers never divert")
            };
            if totals.rows == 0 && totals.skipped == 0 {
                return Err(Error::Empty {
                    path: name,
                    reason: "the input is empty".into(),
                });
            }
            Ok(ReadStats {
                rows: totals.rows,
                skipped: totals.skipped,
                notes: Vec::new(),
            })
        }
    }
}

/// Decides the format of one input: by extension, else by its first bytes.
pub fn detect_format(source: &mut Source) -> Result<InputFormat> {
    let name = source.name.as_str();
    let base = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".gzip"))
        .unwrap_or(name);
    let ext = Path::new(base)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => return Ok(InputFormat::Csv),
        Some("tsv" | "tab") => return Ok(InputFormat::Tsv),
        Some("jsonl" | "ndjson" | "json") => return Ok(InputFormat::KcatJson),
        Some("txt" | "keys" | "lines") => return Ok(InputFormat::Lines),
        _ => {}
    }
    // Look past leading whitespace for the first byte, however the reads are cut (a pipe may hand
    // over one byte at a time): the skipped bytes are kept and put back in front of the reader.
    let mut skipped = Vec::new();
    let first = loop {
        let head = std::io::BufRead::fill_buf(&mut source.reader)
            .map_err(|e| blocks::read_failure(name, source.gzip, 1, e))?;
        if let Some(&b) = head.iter().find(|b| !b.is_ascii_whitespace()) {
            break Some(b);
        }
        if head.is_empty() || skipped.len() > blocks::MAX_LINE_BYTES {
            break None;
        }
        let n = head.len();
        skipped.extend_from_slice(head);
        std::io::BufRead::consume(&mut source.reader, n);
    };
    if !skipped.is_empty() {
        let rest = std::mem::replace(&mut source.reader, Box::new(std::io::empty()));
        source.reader = Box::new(std::io::Read::chain(std::io::Cursor::new(skipped), rest));
    }
    Ok(if first == Some(b'{') {
        InputFormat::KcatJson
    } else {
        InputFormat::Csv
    })
}

#[cfg(test)]
mod tests;
