//! The command line: clap definitions and the top-level dispatch that turns errors into exit codes.

use clap::{Parser, Subcommand};

use crate::cmd;
use crate::error::{Error, Exit, Result};
use crate::terminal;

/// keyplan: plan Kafka partition counts and keys from a sample of real message keys.
///
/// It hashes keys exactly as the producer client would, measures skew, and shows what each candidate
/// partition count would do to your consumers.
#[derive(Debug, Parser)]
#[command(
    name = "keyplan",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compare candidate partition counts for a key sample: per-partition load, skew, hot keys.
    Analyze(cmd::analyze::AnalyzeArgs),
    /// Design review from a plan file: capacity, consumers, the naive rule and a recommendation.
    Plan(cmd::plan::PlanArgs),
    /// CI gate: check a plan's [design] against its limits (exit 1 on a breach).
    // `[design]` is the plan file's TOML table as `--help` prints it, not a rustdoc link.
    #[allow(rustdoc::broken_intra_doc_links)]
    Check(cmd::check::CheckArgs),
    /// Tell which client's partitioner wrote a topic, from observed (key, partition) pairs.
    Detect(cmd::detect::DetectArgs),
    /// Write a commented starter plan file from a sample.
    Init(cmd::init::InitArgs),
    /// Write a seeded synthetic event sample (zipf, uniform, hot-tenant) as CSV.
    Synth(cmd::synth::SynthArgs),
    /// Show the partition each key lands on under one producer client's partitioner.
    Which(cmd::which::WhichArgs),
    /// List the partitioner ids, their hash and sign rules, and the clients that use each.
    Partitioners(cmd::partitioners::PartitionersArgs),
    /// What moves when a topic goes from N to M partitions: keys, events, bytes, the heaviest movers.
    Remap(cmd::remap::RemapArgs),
    /// Where producer clients disagree: keys and events placed differently by each pair of partitioners.
    Clients(cmd::remap::ClientsArgs),
}

impl Command {
    fn run(self) -> Result<Exit> {
        match self {
            Command::Analyze(args) => cmd::analyze::run(args),
            Command::Plan(args) => cmd::plan::run(args),
            Command::Check(args) => cmd::check::run(args),
            Command::Detect(args) => cmd::detect::run(args),
            Command::Init(args) => cmd::init::run(args),
            Command::Synth(args) => cmd::synth::run(args),
            Command::Which(args) => cmd::which::run(args),
            Command::Partitioners(args) => cmd::partitioners::run(args),
            Command::Remap(args) => cmd::remap::run_remap(args),
            Command::Clients(args) => cmd::remap::run_clients(args),
        }
    }
}

/// Parses the process arguments, runs the command, and reports errors on stderr.
pub fn run() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.exit_code() == 0 => {
            // --help and --version.
            let _ = e.print();
            return Exit::Ok;
        }
        Err(e) => {
            // The same prefix as every other error: clap's rendering starts with "error: ". Each line
            // is made safe for the terminal, since clap quotes the arguments it rejects.
            let text = e.render().to_string();
            let safe: Vec<String> = text
                .lines()
                .map(|l| terminal::safe(l, terminal::MAX_MESSAGE_CHARS).into_owned())
                .collect();
            eprintln!("keyplan: {}", safe.join("\n"));
            return Exit::Error;
        }
    };
    match cli.command.run() {
        Ok(exit) => exit,
        Err(e) if e.is_broken_pipe() => Exit::Ok,
        Err(e) => {
            report_error(&e);
            Exit::Error
        }
    }
}

/// Prints `error` and its causes, one per line. Each line is made terminal-safe (see
/// [`terminal`]): messages quote input bytes.
fn report_error(error: &Error) {
    let line = |text: String| terminal::safe(&text, terminal::MAX_MESSAGE_CHARS).into_owned();
    let mut message = format!("keyplan: error: {}", line(error.to_string()));
    let mut source = std::error::Error::source(error);
    // `Io` already prints its source inline; deeper causes are still worth showing.
    if matches!(error, Error::Io { .. }) {
        source = source.and_then(std::error::Error::source);
    }
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {}", line(cause.to_string())));
        source = cause.source();
    }
    eprintln!("{message}");
}
