//! `keyplan partitioners`: every partitioner id with its hash, sign rule, empty- and null-key
//! behaviour and the clients that use it, so users can find the id of their producer.
//!
//! The rows come from the same [`Behaviour`](crate::partitioner::Behaviour) constants the mapping
//! runs on ([`crate::report::partitioners`]; the rules are those of docs/partitioners.md, "The
//! clients"), so the listing cannot drift from the code.

use std::path::PathBuf;

use crate::error::{Exit, Result};
use crate::output;
use crate::report::{ListFormat, PartitionersReport, Provenance, Report};

/// List the partitioner ids, and which producer clients use each by default.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Use an id with `--partitioner ID` in analyze and which, e.g.
  keyplan which --partitioner librdkafka --partitions 12 my-key"
)]
pub struct PartitionersArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Write the listing to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Runs `partitioners`.
pub fn run(args: PartitionersArgs) -> Result<Exit> {
    let report = Report::Partitioners(PartitionersReport::new(Provenance::new(Vec::new(), 0)));
    output::emit_bytes(args.output.as_deref(), &report.render(args.format.into()))?;
    Ok(Exit::Ok)
}
