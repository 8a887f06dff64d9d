//! `keyplan analyze`: how a key sample spreads over candidate partition counts.

use std::path::PathBuf;

use crate::analysis::stream::{AdaptiveSink, Collected, StreamPlan, DEFAULT_MAX_KEYS};
use crate::analysis::{self, stats, StatsSettings};
use crate::budget;
use crate::error::{Error, Exit, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::keyexpr::KeyExpr;
use crate::ingest::{self, IngestOptions, InputFormat};
use crate::model::{parse_partition_list, PartitionCount};
use crate::output;
use crate::partitioner::Partitioner;
use crate::report::{AnalysisReport, Format};

/// Compare candidate partition counts for a sample of message keys.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan analyze samples/flights/flights.csv.gz --key tailnum --partitions 6,12,24,48
  keyplan analyze counts.csv --key customer_id --count-col events --partitions 8..64:8 --format json
  keyplan analyze orders.csv --key tenant_id,order_id --key-template '{tenant_id}:{order_id}' -p 24
  keyplan analyze events.tsv.gz --key user --size-col bytes --time-col ts --partitions 12,24
  kcat -C -t orders -J -e | keyplan analyze - --input-format kcat-json --partitions 12
  kcat -C -t orders -f '%k\\n' -e | keyplan analyze - --input-format lines --partitions 12")]
pub struct AnalyzeArgs {
    /// Input files, plain or gzip (detected by content); `-` reads standard input. Several inputs
    /// form one sample.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Input format. `auto` decides per input by extension, then by content (a first line starting
    /// with `{` is kcat JSON, anything else CSV).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,

    /// Header name of the key column, or several comma-separated columns joined with ':' (change the
    /// join with --key-template). The key is the fields' raw bytes: no trimming, any encoding.
    /// Required for CSV/TSV; `counts` input defaults to `key`; `lines` and `kcat-json` have no columns.
    #[arg(long, value_name = "COLUMN[,COLUMN...]")]
    pub key: Option<String>,

    /// How the producer builds a compound key from columns, e.g. '{tenant_id}:{order_id}'. `{{` and
    /// `}}` are literal braces. Without it, --key columns are joined with ':'.
    #[arg(long, value_name = "TEMPLATE")]
    pub key_template: Option<String>,

    /// How the (composed) key text becomes the bytes the producer's serializer writes.
    #[arg(long, value_enum, value_name = "ENCODING", default_value_t = KeyEncoding::Utf8)]
    pub key_encoding: KeyEncoding,

    /// Candidate partition counts: `6,12,24`, an inclusive range `8..64`, or a range with a step
    /// `8..64:8`. Each count must be in 1..=100000.
    #[arg(
        long,
        short = 'p',
        value_name = "LIST",
        value_parser = parse_partition_arg,
        allow_hyphen_values = true
    )]
    pub partitions: PartitionList,

    /// Producer client partitioner(s), comma-separated; `keyplan partitioners` lists them. Each
    /// distinct key is hashed once per hash family, however many partitioners share it.
    #[arg(long, value_name = "ID", value_delimiter = ',', default_value = "java")]
    pub partitioner: Vec<Partitioner>,

    /// Header name of a weight column: each row is a distinct key with that many events (a key,count
    /// aggregate). Without it, each row is one event.
    #[arg(long, value_name = "COLUMN")]
    pub count_col: Option<String>,

    /// Header name of a column with the total payload bytes of each row (for key,count,bytes
    /// aggregates; `counts` input uses a `bytes` column when present).
    #[arg(long, value_name = "COLUMN", conflicts_with = "size_col")]
    pub bytes_col: Option<String>,

    /// Header name of a column with the payload bytes of each event; enables byte-load metrics.
    #[arg(long, value_name = "COLUMN")]
    pub size_col: Option<String>,

    /// Header name of an event-time column: epoch seconds, milliseconds, microseconds or nanoseconds
    /// (told apart by magnitude: below 1e11 is seconds, below 1e14 milliseconds, ...) or RFC 3339
    /// (2024-05-01T12:00:00Z).
    #[arg(long, value_name = "COLUMN")]
    pub time_col: Option<String>,

    /// Worker threads for reading (0 = one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Field delimiter (one ASCII character, or `tab`); detected from the extension and the header
    /// line when absent.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// How many of the heaviest keys to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Replace key names in the output by their rank (`<key #1>`), for reports that leave the team.
    #[arg(long)]
    pub redact_keys: bool,

    /// Seed of the Monte Carlo random-placement expectation; the same seed gives the same bytes.
    #[arg(long, value_name = "N", default_value_t = stats::DEFAULT_SEED)]
    pub seed: u64,

    /// Monte Carlo trials for the random-placement expectation (0 turns it off; at most 1000000).
    #[arg(long, value_name = "N", default_value_t = stats::DEFAULT_TRIALS)]
    pub trials: u32,

    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// Count at most N distinct keys exactly. Past N, analysis switches to bounded memory: partition
    /// loads and their metrics stay exact, distinct keys become a HyperLogLog estimate and top keys
    /// come from an N-counter Space-Saving summary with a stated maximum error (the report says
    /// "approximate" and why).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_KEYS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_keys: u64,
}

/// A validated, sorted, duplicate-free list of partition counts.
#[derive(Debug, Clone)]
pub struct PartitionList(pub Vec<PartitionCount>);

fn parse_partition_arg(text: &str) -> std::result::Result<PartitionList, String> {
    parse_partition_list(text).map(PartitionList)
}

/// Parses `--delimiter`: one ASCII character, or the words `tab` / `\t`.
pub fn parse_delimiter(text: &str) -> std::result::Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!(
            "'{text}' is not a single ASCII character (use e.g. ',', ';', '|' or 'tab')"
        )),
    }
}

/// Runs `analyze`.
pub fn run(args: AnalyzeArgs) -> Result<Exit> {
    if let Some(path) = &args.output {
        output::check_writable(path)?;
    }
    // Drop repeated ids, keeping the order the user gave (scenarios are reported in that order).
    let mut partitioners: Vec<Partitioner> = Vec::with_capacity(args.partitioner.len());
    for &p in &args.partitioner {
        if !partitioners.contains(&p) {
            partitioners.push(p);
        }
    }
    if partitioners.is_empty() {
        return Err(Error::Usage("--partitioner needs at least one id".into()));
    }
    budget::analyze_flags(
        partitioners.len(),
        &args.partitions.0,
        args.threads,
        args.trials,
    )?;
    let key =
        KeyExpr::parse(args.key.as_deref(), args.key_template.as_deref()).map_err(Error::Usage)?;
    let options = IngestOptions {
        format: args.input_format,
        key,
        key_encoding: args.key_encoding,
        count_col: args.count_col.clone(),
        bytes_col: args.bytes_col.clone(),
        size_col: args.size_col.clone(),
        time_col: args.time_col.clone(),
        delimiter: args.delimiter,
        threads: args.threads,
        progress: true,
        block_size: 0,
    };
    let settings = StatsSettings {
        trials: args.trials,
        seed: args.seed,
    };
    let plan = StreamPlan::new(&partitioners, &args.partitions.0, args.max_keys);
    let mut sink = AdaptiveSink::new(plan);
    let stats = ingest::read_into(&args.inputs, &options, &mut sink)?;
    ingest::ensure_events(&args.inputs, sink.total(), stats)?;
    if stats.skipped > 0 {
        eprintln!(
            "keyplan: note: {} records with a null key were left out (producers spread them over \
             partitions without hashing)",
            stats.skipped
        );
    }
    let report = match sink.finish() {
        Collected::Exact(counter) => {
            let dist = counter.finish();
            let result = analysis::analyze_with(&dist, &partitioners, &args.partitions.0, settings);
            let report = AnalysisReport::new(&result, &dist, args.top, args.redact_keys);
            // The process ends right after the report is written, and the OS takes the memory back
            // at once; freeing a boxed key per distinct key first cost ~10 ms on a million keys.
            std::mem::forget(dist);
            report
        }
        Collected::Bounded(streamed) => {
            AnalysisReport::bounded(&streamed.finish(args.top), args.top, args.redact_keys)
        }
    };
    output::emit(args.output.as_deref(), &report.render(args.format))?;
    Ok(Exit::Ok)
}
