//! `keyplan analyze`: how a key sample spreads over candidate partition counts.

use std::path::PathBuf;

use crate::analysis;
use crate::error::{Error, Exit, Result};
use crate::ingest::{self, IngestOptions};
use crate::model::{parse_partition_list, PartitionCount};
use crate::output;
use crate::partitioner::Partitioner;
use crate::report::{AnalysisReport, Format};

/// Compare candidate partition counts for a sample of message keys.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan analyze samples/flights/flights.csv.gz --key tailnum --partitions 6,12,24,48
  keyplan analyze counts.csv --key customer_id --count-col events --partitions 8..64:8 --format json
  kcat -C -t orders -f '%k\\n' -e | keyplan analyze - --key key --partitions 12")]
pub struct AnalyzeArgs {
    /// Input files: CSV or TSV with a header row, plain or gzip; `-` reads standard input. Several
    /// inputs form one sample.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Header name of the key column. The key is the field's raw bytes: no trimming, any encoding.
    #[arg(long, value_name = "COLUMN")]
    pub key: String,

    /// Candidate partition counts: `6,12,24`, an inclusive range `8..64`, or a range with a step
    /// `8..64:8`. Each count must be in 1..=100000.
    #[arg(long, short = 'p', value_name = "LIST", value_parser = parse_partition_arg)]
    pub partitions: PartitionList,

    /// Producer client partitioner(s), comma-separated; `keyplan partitioners` lists them. Each
    /// distinct key is hashed once per hash family, however many partitioners share it.
    #[arg(long, value_name = "ID", value_delimiter = ',', default_value = "java")]
    pub partitioner: Vec<Partitioner>,

    /// Header name of a weight column: each row is a distinct key with that many events (a key,count
    /// aggregate). Without it, each row is one event.
    #[arg(long, value_name = "COLUMN")]
    pub count_col: Option<String>,

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

    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
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
        _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "\n" => {
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
    let options = IngestOptions {
        key: args.key.clone(),
        count_col: args.count_col.clone(),
        delimiter: args.delimiter,
    };
    let dist = ingest::read_inputs(&args.inputs, &options)?;
    let result = analysis::analyze(&dist, &partitioners, &args.partitions.0);
    let report = AnalysisReport::new(&result, &dist, args.top, args.redact_keys);
    output::emit(args.output.as_deref(), &report.render(args.format))?;
    Ok(Exit::Ok)
}
