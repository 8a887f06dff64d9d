//! `keyplan detect`: which producer client's partitioner wrote a topic, from observed (key,
//! partition) pairs (kcat `-J` envelopes, or CSV with `--partition-col`).

use std::path::PathBuf;

use super::args;
use crate::analysis::detect;
use crate::analysis::StatsSettings;
use crate::engine::{self, RunSettings, DEFAULT_MAX_KEYS};
use crate::error::{Error, Exit, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::{IngestOptions, InputFormat};
use crate::model::{FacetsSpec, KeyStrategy};
use crate::output;
use crate::partitioner::PartitionCount;
use crate::report::{DetectReport, Format, Provenance, Report};

/// Tell which client's partitioner placed the observed (key, partition) pairs of a topic.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  kcat -C -t orders -J -e | keyplan detect - --partitions 12
  keyplan detect placed.csv --key order_id --partition-col partition --partitions 12 --format json")]
pub struct DetectArgs {
    /// Input files, plain or gzip; `-` reads standard input. Several inputs form one sample.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Input format. `auto` decides per input by extension, then by content (a first line starting
    /// with `{` is kcat JSON, anything else CSV).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,

    /// Header name of the key column (CSV/TSV), or several comma-separated columns joined with ':'.
    #[arg(long, value_name = "COLUMN[,COLUMN...]")]
    pub key: Option<String>,

    /// How the producer builds a compound key from columns, e.g. '{tenant_id}:{order_id}'.
    #[arg(long, value_name = "TEMPLATE")]
    pub key_template: Option<String>,

    /// How the (composed) key text becomes the bytes the producer's serializer writes.
    #[arg(long, value_enum, value_name = "ENCODING", default_value_t = KeyEncoding::Utf8)]
    pub key_encoding: KeyEncoding,

    /// Header name of the column with the partition each row was observed on (CSV/TSV; kcat `-J`
    /// envelopes carry it).
    #[arg(long, value_name = "COLUMN")]
    pub partition_col: Option<String>,

    /// Header name of a weight column: each row is a (key, partition) pair with that many events.
    #[arg(long, value_name = "COLUMN")]
    pub count_col: Option<String>,

    /// The topic's partition count (1..=100000). An observed partition at or above it is an error.
    #[arg(long, short = 'p', value_name = "N", value_parser = args::partition_count)]
    pub partitions: PartitionCount,

    /// Field delimiter (one ASCII character, or `tab`); detected when absent.
    #[arg(long, value_name = "CHAR", value_parser = args::delimiter)]
    pub delimiter: Option<u8>,

    /// Worker threads for reading (0 = one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Show every column of text tables, however wide.
    #[arg(long)]
    pub wide: bool,

    /// How many unexplained keys to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Replace key names in the output by their rank in the sample (`<key #3>`), for reports that
    /// leave the team.
    #[arg(long)]
    pub redact_keys: bool,

    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Runs `detect`: flags -> settings -> engine (observed partitions) -> comparison -> report.
pub fn run(args: DetectArgs) -> Result<Exit> {
    if let Some(path) = &args.output {
        output::check_writable(path)?;
        output::refuse_input_as_output(path, &args.inputs)?;
    }
    let settings = settings(&args)?;
    let outcome = engine::run(&settings)?;
    for note in &outcome.read.notes {
        eprintln!("keyplan: warning: {note}");
    }
    if outcome.read.skipped > 0 {
        eprintln!(
            "keyplan: note: {} records with a null key were left out (producers spread them over \
             partitions without hashing)",
            outcome.read.skipped
        );
    }
    let no_cells = || {
        Error::Usage(
            "the input carries no observed partition: kcat -J envelopes need a \"partition\" \
             (not -1); CSV/TSV needs --partition-col COLUMN"
                .into(),
        )
    };
    let (Some(dist), Some(observed)) = (&outcome.distribution, &outcome.facets.observed) else {
        return Err(no_cells());
    };
    let detection =
        detect::detect(dist, observed, args.partitions, args.top).ok_or_else(no_cells)?;
    let report = Report::Detect(Box::new(DetectReport::new(
        &detection,
        dist,
        args.redact_keys,
        provenance(&args, outcome.read.rows),
    )));
    engine::release_at_exit(outcome);
    output::emit_bytes(
        args.output.as_deref(),
        &report.render_wide(args.format, args.wide),
    )?;
    Ok(Exit::Ok)
}

/// Validates the flags into the engine's settings: exact counting with observed partitions.
fn settings(args: &DetectArgs) -> Result<RunSettings> {
    if args.threads > 256 {
        return Err(Error::Usage("--threads is at most 256".into()));
    }
    let (key, strategy) = args::key_settings(args.key.as_deref(), args.key_template.as_deref())?;
    if !matches!(strategy, KeyStrategy::AsRead { .. }) {
        return Err(Error::Usage(
            "detect compares each client's partition of a key with the partition the sample \
             recorded for it; salt(...) and split-hot(...) keys were never produced, so none was \
             recorded: give --key the column(s) as produced"
                .into(),
        ));
    }
    Ok(RunSettings {
        inputs: args.inputs.clone(),
        ingest: IngestOptions {
            format: args.input_format,
            key,
            key_encoding: args.key_encoding,
            count_col: args.count_col.clone(),
            partition_col: args.partition_col.clone(),
            partition_limit: Some(args.partitions.get()),
            delimiter: args.delimiter,
            threads: args.threads,
            progress: true,
            ..IngestOptions::default()
        },
        strategies: vec![strategy],
        partitioners: Vec::new(),
        counts: vec![args.partitions],
        stats: StatsSettings {
            trials: 0,
            ..StatsSettings::default()
        },
        max_keys: DEFAULT_MAX_KEYS,
        top: args.top,
        facets: FacetsSpec {
            observed_partitions: true,
            ..FacetsSpec::default()
        },
    })
}

/// Every flag that changes a number in the report.
fn provenance(args: &DetectArgs, rows: u64) -> Provenance {
    let mut p = args::input_provenance(
        &args.inputs,
        rows,
        args.input_format,
        &[
            ("key", &args.key),
            ("key_template", &args.key_template),
            ("partition_col", &args.partition_col),
            ("count_col", &args.count_col),
        ],
        args.delimiter,
        args.key_encoding,
    );
    p.set("partitions", args.partitions);
    p.set("top", args.top);
    p.set("redact_keys", args.redact_keys);
    p
}
