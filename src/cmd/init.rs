//! `keyplan init`: a commented starter plan from a sample, so a review starts from a file that already
//! runs. It reads the sample once (through the engine, to count events and keys), lists the columns it
//! found, writes every target with its unit and a placeholder value, and candidate counts around the
//! naive answer for those targets.

use std::io::BufRead;
use std::path::{Component, Path, PathBuf};

use crate::analysis::capacity::{self, Targets, DEFAULT_MAX_UTILIZATION};
use crate::analysis::StatsSettings;
use crate::engine::{self, RunSettings, DEFAULT_MAX_KEYS};
use crate::error::{Error, Exit, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::source::Source;
use crate::ingest::{IngestOptions, InputFormat};
use crate::model::{FacetsSpec, PartitionCount};
use crate::output;
use crate::partitioner::Partitioner;
use crate::settings::plan::{counts_around, Starter};

/// Write a commented starter plan (TOML) from a sample.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan init samples/flights/flights.csv.gz --key tailnum --time-col time_hour -o plan.toml
  keyplan init events.csv.gz --key customer_id --peak-rate 40000 --consumer-rate 2500 > plan.toml")]
pub struct InitArgs {
    /// The sample file (plain or gzip). The plan refers to it relative to the plan's directory.
    #[arg(value_name = "INPUT")]
    pub input: String,

    /// Key column, or columns joined with ','; or a salting or splitting key as on `analyze --key`,
    /// e.g. 'salt(tailnum, 4)' or 'split-hot(tailnum, top=2, ways=4)'.
    #[arg(long, value_name = "COLUMN[,COLUMN...]")]
    pub key: String,

    /// How the producer builds a compound key, e.g. '{tenant_id}:{order_id}'.
    #[arg(long, value_name = "TEMPLATE")]
    pub key_template: Option<String>,

    /// How the key text becomes the serializer's bytes.
    #[arg(long, value_enum, value_name = "ENCODING", default_value_t = KeyEncoding::Utf8)]
    pub key_encoding: KeyEncoding,

    /// Input format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,

    /// Weight column of a key,count aggregate.
    #[arg(long, value_name = "COLUMN")]
    pub count_col: Option<String>,

    /// Payload bytes per event.
    #[arg(long, value_name = "COLUMN")]
    pub size_col: Option<String>,

    /// Event-time column.
    #[arg(long, value_name = "COLUMN")]
    pub time_col: Option<String>,

    /// Placeholder for targets.peak_events_per_sec (events/s at today's peak).
    #[arg(long, value_name = "EVENTS_PER_SEC", default_value_t = 1000.0)]
    pub peak_rate: f64,

    /// Placeholder for targets.consumer_events_per_sec (events/s one consumer processes).
    #[arg(long, value_name = "EVENTS_PER_SEC", default_value_t = 250.0)]
    pub consumer_rate: f64,

    /// Placeholder for targets.growth_per_month (0.04 = 4% a month, compound).
    #[arg(
        long,
        value_name = "RATE",
        default_value_t = 0.03,
        allow_hyphen_values = true
    )]
    pub growth: f64,

    /// Placeholder for targets.horizon_months.
    #[arg(long, value_name = "MONTHS", default_value_t = 12.0)]
    pub horizon: f64,

    /// Planned consumer group sizes, e.g. 3,6,12 (default: around the naive answer).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub consumers: Vec<u32>,

    /// Write the plan here (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Runs `init`.
pub fn run(args: InitArgs) -> Result<Exit> {
    if args.input == "-" {
        return Err(Error::Usage(
            "init needs a sample file, not standard input: the plan refers to it by path".into(),
        ));
    }
    if let Some(path) = &args.output {
        output::check_writable(path)?;
    }
    let targets = Targets {
        peak_events_per_sec: args.peak_rate,
        growth_per_month: args.growth,
        horizon_months: args.horizon,
        consumer_events_per_sec: args.consumer_rate,
        max_utilization: DEFAULT_MAX_UTILIZATION,
        partition_bytes_per_sec: None,
        mean_event_bytes: None,
        retention_hours: None,
    };
    targets
        .validate()
        .map_err(|m| Error::Usage(format!("init: {m}")))?;
    if args.consumers.contains(&0) {
        return Err(Error::Usage("--consumers: counts must be 1 or more".into()));
    }
    // A salting or splitting key is written to the plan as given; the sample is read for its field.
    let (key, strategy) = super::args::key_settings(Some(&args.key), args.key_template.as_deref())?;
    let settings = RunSettings {
        inputs: vec![args.input.clone()],
        ingest: IngestOptions {
            format: args.input_format,
            key,
            key_encoding: args.key_encoding,
            count_col: args.count_col.clone(),
            size_col: args.size_col.clone(),
            time_col: args.time_col.clone(),
            partition_col: None,
            partition_limit: None,
            progress: true,
            ..IngestOptions::default()
        },
        strategies: vec![strategy],
        partitioners: vec![Partitioner::Java],
        counts: vec![PartitionCount::new(1).expect("1 is a valid count")],
        stats: StatsSettings {
            trials: 0,
            ..StatsSettings::default()
        },
        max_keys: DEFAULT_MAX_KEYS,
        top: 1,
        facets: FacetsSpec::default(),
    };
    let outcome = engine::run(&settings)?;
    // The even-spread answer at max_utilization: the naive rule with the utilization ceiling.
    let naive = capacity::even_spread_partitions(&targets);
    let counts = counts_around(naive);
    let design = counts
        .iter()
        .copied()
        .find(|&n| n >= naive)
        .unwrap_or(naive);
    let consumers = if args.consumers.is_empty() {
        default_consumers(design)
    } else {
        args.consumers.clone()
    };
    let mut input = vec![];
    if args.input_format != InputFormat::Auto {
        input.push((
            "input_format".to_string(),
            args.input_format.name().to_string(),
        ));
    }
    if args.key_encoding != KeyEncoding::Utf8 {
        input.push((
            "key_encoding".to_string(),
            args.key_encoding.name().to_string(),
        ));
    }
    for (name, value) in [
        ("count_col", &args.count_col),
        ("size_col", &args.size_col),
        ("time_col", &args.time_col),
    ] {
        if let Some(v) = value {
            input.push((name.to_string(), v.clone()));
        }
    }
    let starter = Starter {
        path: plan_relative(&args.input, args.output.as_deref()),
        key: args.key.clone(),
        key_template: args.key_template.clone(),
        input,
        columns: header_columns(&args.input, args.input_format),
        events: outcome.analysis.events,
        distinct_keys: outcome.analysis.distinct_keys as u64,
        top_key_share: outcome.top_key_share,
        targets,
        counts,
        consumers,
        design_partitions: design,
    };
    engine::release_at_exit(outcome);
    output::emit(args.output.as_deref(), &starter.render())?;
    Ok(Exit::Ok)
}

/// Consumer group sizes that divide the design count: it, and its half and quarter when whole.
fn default_consumers(design: u32) -> Vec<u32> {
    let mut out: Vec<u32> = [design / 4, design / 2, design]
        .into_iter()
        .filter(|&c| c > 0 && design.is_multiple_of(c))
        .collect();
    out.dedup();
    out
}

/// The sample's header columns, for a comment in the plan (empty for headerless formats or when the
/// first line cannot be read: the engine already read the file, so this is only a courtesy).
fn header_columns(input: &str, format: InputFormat) -> Vec<String> {
    if matches!(format, InputFormat::Lines | InputFormat::KcatJson) {
        return Vec::new();
    }
    let Ok(mut source) = Source::open(input) else {
        return Vec::new();
    };
    let mut line = String::new();
    if source.reader.read_line(&mut line).is_err() || line.trim_start().starts_with('{') {
        return Vec::new();
    }
    let line = line.trim_end_matches(['\n', '\r']);
    let delimiter = if line.contains('\t') { '\t' } else { ',' };
    line.split(delimiter)
        .map(|c| c.trim_matches('"').to_string())
        .collect()
}

/// `input` as the plan file at `plan` should name it: relative to the plan's directory (absolute
/// paths stay absolute; without a plan path, the plan goes to standard output and the path is kept
/// as given, relative to the working directory).
fn plan_relative(input: &str, plan: Option<&Path>) -> String {
    let Some(plan) = plan else {
        return input.to_string();
    };
    if Path::new(input).is_absolute() {
        return input.to_string();
    }
    let dir = match plan.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (Ok(target), Ok(dir)) = (std::fs::canonicalize(input), std::fs::canonicalize(&dir)) else {
        return input.to_string();
    };
    let t: Vec<Component> = target.components().collect();
    let d: Vec<Component> = dir.components().collect();
    let common = t.iter().zip(&d).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        // Only the root in common: an absolute path reads better than a climb to it.
        return target.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..d.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    rel.display().to_string()
}
