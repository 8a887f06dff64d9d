//! `keyplan remap` (what moves when a topic goes from N to M partitions) and `keyplan clients` (where
//! producer clients disagree at one count).
//!
//! Both read the sample like `analyze` (the input flags are the same), count it exactly through
//! [`engine::run`], hash each distinct key once per hash family and compare two placements of every key
//! ([`crate::analysis::remap`]).

use std::path::PathBuf;

use super::args;
use crate::analysis::remap;
use crate::analysis::{KeyHashes, StatsSettings};
use crate::engine::{self, Outcome, RunSettings};
use crate::error::{Error, Exit, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::{IngestOptions, InputFormat};
use crate::model::{FacetsSpec, PartitionCount};
use crate::output;
use crate::partitioner::Partitioner;
use crate::report::{ClientsReport, Format, Provenance, RemapReport, Report};

/// The input and output flags `remap` and `clients` share with `analyze`.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Input files, plain or gzip (detected by content); `-` reads standard input. Several inputs
    /// form one sample.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Input format (as for `analyze`).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,

    /// Header name of the key column, or several comma-separated columns joined with ':'; or a
    /// what-if strategy, `salt(FIELD, N[, by=OTHER])` or `split-hot(FIELD, top=K, ways=D[,
    /// by=OTHER])`, as for `analyze` (docs/strategies.md).
    #[arg(long, value_name = "COLUMN[,COLUMN...]")]
    pub key: Option<String>,

    /// How the producer builds a compound key from columns, e.g. '{tenant_id}:{order_id}'.
    #[arg(long, value_name = "TEMPLATE")]
    pub key_template: Option<String>,

    /// How the (composed) key text becomes the bytes the producer's serializer writes.
    #[arg(long, value_enum, value_name = "ENCODING", default_value_t = KeyEncoding::Utf8)]
    pub key_encoding: KeyEncoding,

    /// Header name of a weight column: each row is a distinct key with that many events.
    #[arg(long, value_name = "COLUMN")]
    pub count_col: Option<String>,

    /// Header name of a column with the total payload bytes of each row.
    #[arg(long, value_name = "COLUMN", conflicts_with = "size_col")]
    pub bytes_col: Option<String>,

    /// Header name of a column with the payload bytes of each event; enables `bytes_moved`.
    #[arg(long, value_name = "COLUMN")]
    pub size_col: Option<String>,

    /// Field delimiter (one ASCII character, or `tab`).
    #[arg(long, value_name = "CHAR", value_parser = args::delimiter)]
    pub delimiter: Option<u8>,

    /// Worker threads for reading (0 = one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// How many of the heaviest changing keys to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Replace key names in the output by their rank (`<key #1>`).
    #[arg(long)]
    pub redact_keys: bool,

    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// What moves when a topic goes from `--from` to `--to` partitions.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  keyplan remap samples/flights/flights.csv.gz --key tailnum --from 12 --to 24")]
pub struct RemapArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The current partition count.
    #[arg(long, value_name = "N", value_parser = args::partition_count)]
    pub from: PartitionCount,

    /// The new partition count.
    #[arg(long, value_name = "M", value_parser = args::partition_count)]
    pub to: PartitionCount,

    /// The producer client partitioner; `keyplan partitioners` lists them.
    #[arg(long, value_name = "ID", default_value = "java", value_parser = args::partitioner())]
    pub partitioner: Partitioner,
}

/// Where producer clients disagree over one partition count.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  keyplan clients samples/flights/flights.csv.gz --key tailnum --partitions 12 \\
    --partitioners java,librdkafka,sarama")]
pub struct ClientsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The partition count.
    #[arg(long, short = 'p', value_name = "N", value_parser = args::partition_count)]
    pub partitions: PartitionCount,

    /// At least two partitioner ids, comma-separated; every pair is compared, in this order.
    #[arg(long, value_name = "ID,ID[,ID...]", value_delimiter = ',', required = true,
          value_parser = args::partitioner())]
    pub partitioners: Vec<Partitioner>,
}

/// Reads the sample exactly: every distinct key is needed to say which ones move.
fn read(input: &InputArgs, partitioners: Vec<Partitioner>, n: PartitionCount) -> Result<Outcome> {
    if let Some(path) = &input.output {
        output::check_writable(path)?;
        output::refuse_input_as_output(path, &input.inputs)?;
    }
    let (key, strategy) = args::key_settings(input.key.as_deref(), input.key_template.as_deref())?;
    let settings = RunSettings {
        inputs: input.inputs.clone(),
        ingest: IngestOptions {
            format: input.input_format,
            key,
            key_encoding: input.key_encoding,
            count_col: input.count_col.clone(),
            bytes_col: input.bytes_col.clone(),
            size_col: input.size_col.clone(),
            time_col: None,
            partition_col: None,
            partition_limit: None,
            delimiter: input.delimiter,
            threads: input.threads,
            progress: true,
            block_size: 0,
            order_by: Vec::new(),
            bucket_by: None,
        },
        strategies: vec![strategy],
        partitioners,
        counts: vec![n],
        stats: StatsSettings {
            trials: 0,
            ..StatsSettings::default()
        },
        max_keys: u64::MAX,
        top: 0,
        facets: FacetsSpec::default(),
    };
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
    if outcome.distribution.is_none() {
        return Err(Error::Usage(
            "the sample has too many distinct keys to count exactly, and which keys move needs \
             every key: use a smaller sample"
                .into(),
        ));
    }
    Ok(outcome)
}

/// The settings that change a number, shared by both commands.
fn provenance(input: &InputArgs, rows: u64) -> Provenance {
    let mut p = args::input_provenance(
        &input.inputs,
        rows,
        input.input_format,
        &[
            ("key", &input.key),
            ("key_template", &input.key_template),
            ("count_col", &input.count_col),
            ("bytes_col", &input.bytes_col),
            ("size_col", &input.size_col),
        ],
        input.delimiter,
        input.key_encoding,
    );
    p.set("top", input.top);
    p.set("redact_keys", input.redact_keys);
    p
}

fn emit(input: &InputArgs, report: Report, outcome: Outcome) -> Result<Exit> {
    engine::release_at_exit(outcome);
    output::emit_bytes(input.output.as_deref(), &report.render(input.format))?;
    Ok(Exit::Ok)
}

/// Runs `remap`: flags -> exact sample -> one comparison plus count guidance -> report.
pub fn run_remap(args: RemapArgs) -> Result<Exit> {
    let outcome = read(&args.input, vec![args.partitioner], args.from)?;
    let dist = outcome.distribution.as_ref().expect("checked by read");
    let hashes = KeyHashes::compute(dist, &[args.partitioner]);
    let r = remap::remap(
        dist,
        &hashes,
        args.partitioner,
        args.from,
        args.to,
        args.input.top,
    );
    let mut p = provenance(&args.input, outcome.read.rows);
    p.set("partitioner", args.partitioner.id());
    p.set("from", args.from);
    p.set("to", args.to);
    let report = RemapReport::new(
        dist,
        &r,
        args.partitioner,
        args.from,
        args.to,
        args.input.redact_keys,
        p,
    );
    emit(&args.input, Report::Remap(Box::new(report)), outcome)
}

/// Runs `clients`: flags -> exact sample -> every pair compared -> report.
pub fn run_clients(args: ClientsArgs) -> Result<Exit> {
    let mut ids: Vec<Partitioner> = Vec::with_capacity(args.partitioners.len());
    for &p in &args.partitioners {
        if !ids.contains(&p) {
            ids.push(p);
        }
    }
    if ids.len() < 2 {
        return Err(Error::Usage(
            "--partitioners needs at least two different ids to compare".into(),
        ));
    }
    let outcome = read(&args.input, ids.clone(), args.partitions)?;
    let dist = outcome.distribution.as_ref().expect("checked by read");
    let hashes = KeyHashes::compute(dist, &ids);
    let mut pairs = Vec::new();
    for (i, &a) in ids.iter().enumerate() {
        for &b in &ids[i + 1..] {
            let m = remap::clients(dist, &hashes, a, b, args.partitions, args.input.top);
            pairs.push((a, b, m));
        }
    }
    let mut p = provenance(&args.input, outcome.read.rows);
    let names: Vec<&str> = ids.iter().map(|p| p.id()).collect();
    p.set("partitioners", names.join(","));
    p.set("partitions", args.partitions);
    let report = ClientsReport::new(dist, args.partitions, &pairs, args.input.redact_keys, p);
    emit(&args.input, Report::Clients(Box::new(report)), outcome)
}
