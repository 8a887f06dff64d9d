//! `keyplan analyze`: how a key sample spreads over candidate partition counts.

use std::path::PathBuf;

use super::args::{self, IntervalArg, PartitionList};
use crate::analysis::capacity::{self, Targets};
use crate::analysis::stats::{self, StatsSettings, TrialBudget};
use crate::analysis::time::LagTarget;
use crate::budget;
use crate::engine::{self, RunSettings, DEFAULT_MAX_KEYS};
use crate::error::{Error, Exit, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::{IngestOptions, InputFormat};
use crate::model::FacetsSpec;
use crate::output;
use crate::partitioner::Partitioner;
use crate::report::bundle::{self, Bundle};
use crate::report::{AnalysisReport, Format, Provenance, Report};
use crate::settings::DEFAULT_WINDOW_MS;

/// Compare candidate partition counts for a sample of message keys.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  keyplan analyze samples/flights/flights.csv.gz --key tailnum --partitions 6,12,24,48
  keyplan analyze counts.csv --key customer_id --count-col events --partitions 8..64:8 --format json
  keyplan analyze orders.csv --key tenant_id,order_id --key-template '{tenant_id}:{order_id}' -p 24
  keyplan analyze events.tsv.gz --key user --size-col bytes --time-col ts --partitions 12,24
  kcat -C -t orders -J -e | keyplan analyze - --input-format kcat-json --partitions 12
  kcat -C -t orders -f '%k\\n' -e | keyplan analyze - --input-format lines --partitions 12
  keyplan analyze orders.csv --key 'salt(customer, 8, by=order_id)' --order-by order_id -p 12,24
  keyplan analyze orders.csv --key 'split-hot(customer, top=3, ways=4)' --order-by order_id -p 24
  keyplan analyze events.csv --key user -p 12,24 --format html -o review.html
  keyplan analyze events.csv --key user -p 12,24 --format html --out review/

--format html writes one self-contained page (styles and charts inline, no network). --out DIR
(with --format html or markdown) writes the report bundle instead: report.md, report.html,
report.json (keyplan.analysis/v1), scenarios.csv, partitions.csv, top-keys.csv and charts/, written
to a temporary directory beside DIR and swapped into place. DIR must be missing, empty, or a
previous keyplan report directory.")]
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
    /// A what-if strategy instead: `salt(FIELD, N, by=OTHER)` (key `FIELD#b`, b = murmur2 of OTHER,
    /// positive, mod N; without by=, round-robin per key) or `split-hot(FIELD, top=K, ways=D[,
    /// by=OTHER])` (only the K heaviest FIELD values get sub-keys); docs/strategies.md has the bytes.
    #[arg(long, value_name = "COLUMN[,COLUMN...]")]
    pub key: Option<String>,

    /// The ordering entity: the column(s) whose events must stay in order (several columns form one
    /// composite entity; an event with any of them empty has no entity). Adds per scenario the
    /// entities split over several partitions and their events (`events_at_risk`), and says whether
    /// the key is the entity, coarser (safe) or finer (splits). Counts exactly.
    #[arg(long, value_name = "COLUMN[,COLUMN...]", value_delimiter = ',')]
    pub order_by: Vec<String>,

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
        value_parser = args::partition_list,
        allow_hyphen_values = true
    )]
    pub partitions: PartitionList,

    /// Producer client partitioner(s), comma-separated; `keyplan partitioners` lists them. Each
    /// distinct key is hashed once per hash family, however many partitioners share it.
    #[arg(long, value_name = "ID", value_delimiter = ',', default_value = "java",
          value_parser = args::partitioner())]
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

    /// Window of the per-window figures (needs --time-col; default 1m): a whole number and a unit,
    /// `500ms`, `1s`, `5m`, `1h`, `1d`. Windows start at multiples of their length since the Unix
    /// epoch. Adds per scenario the busiest window of each partition and the burst factor, and with
    /// --peak-rate/--consumer-rate a lag simulation (README, "Time windows, lag and replay").
    #[arg(long, value_name = "LENGTH", requires = "time_col", value_parser = args::window)]
    pub window: Option<i64>,

    /// Worker threads for reading (0 = one per core; at most 256).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Field delimiter (one ASCII character, or `tab`); detected from the extension and the header
    /// line when absent.
    #[arg(long, value_name = "CHAR", value_parser = args::delimiter)]
    pub delimiter: Option<u8>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Show every column of the table, however wide (by default the table fits 120 columns and says
    /// which columns it left out).
    #[arg(long)]
    pub wide: bool,

    /// How many of the heaviest keys to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Replace key names in the output by their rank (`<key #1>`), for reports that leave the team.
    #[arg(long)]
    pub redact_keys: bool,

    /// Seed of the Monte Carlo random-placement expectation; the same seed gives the same bytes.
    #[arg(long, value_name = "N", default_value_t = stats::DEFAULT_SEED)]
    pub seed: u64,

    /// How the confidence interval of the hottest partition's share is computed (README,
    /// "Statistics").
    #[arg(long, value_enum, value_name = "METHOD", default_value_t = IntervalArg::KeyClustered)]
    pub interval: IntervalArg,

    /// Monte Carlo trials for the random-placement expectation (default 200; 0 turns it off; at
    /// most 1000000): each count runs them, then batches of 200 until its p95 is known to 0.5%, or
    /// 10x. Without this flag a sweep over more than 16 counts shares 16 counts' worth of trials,
    /// every count placing the same random draws (at least 73 trials per count;
    /// `random_trials_limit` in JSON); given, every count runs in full on its own draws.
    #[arg(long, value_name = "N")]
    pub trials: Option<u32>,

    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH", conflicts_with = "out")]
    pub output: Option<PathBuf>,

    /// Write the report bundle (report.md, report.html, report.json, CSV tables, charts/) to this
    /// directory; needs --format html or markdown. A previous report there is replaced as a whole.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Peak events per second the topic must take (all partitions together). With --consumer-rate,
    /// adds capacity columns: hot-partition utilization, at the horizon, headroom, runway.
    #[arg(long, value_name = "EVENTS_PER_SEC", requires = "consumer_rate")]
    pub peak_rate: Option<f64>,

    /// Events per second one consumer processes from one partition.
    #[arg(long, value_name = "EVENTS_PER_SEC", requires = "peak_rate")]
    pub consumer_rate: Option<f64>,

    /// Compound growth per month (0.04 = 4%), for the utilization at the horizon and the runway.
    #[arg(
        long,
        value_name = "RATE",
        default_value_t = 0.0,
        allow_hyphen_values = true
    )]
    pub growth: f64,

    /// Months ahead for the utilization at the horizon.
    #[arg(long, value_name = "MONTHS", default_value_t = 0.0)]
    pub horizon: f64,

    /// Hours of data the topic retains: adds the time to replay them at consumer capacity, which the
    /// hottest partition decides (needs --peak-rate and --consumer-rate).
    #[arg(long, value_name = "HOURS", requires = "peak_rate")]
    pub retention_hours: Option<f64>,

    /// Highest acceptable consumer utilization, for the runway (0.7 = 70%).
    #[arg(long, value_name = "SHARE", default_value_t = capacity::DEFAULT_MAX_UTILIZATION)]
    pub max_utilization: f64,

    /// Count at most N distinct keys exactly. Past N, analysis switches to bounded memory: partition
    /// loads and their metrics stay exact, distinct keys become a HyperLogLog estimate and top keys
    /// come from an N-counter Space-Saving summary with a stated maximum error (the report says
    /// "approximate" and why).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_KEYS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_keys: u64,
}

/// Runs `analyze`: flags -> settings -> engine -> report -> output.
pub fn run(args: AnalyzeArgs) -> Result<Exit> {
    if let Some(path) = &args.output {
        output::check_writable(path)?;
        output::refuse_input_as_output(path, &args.inputs)?;
    }
    if let Some(dir) = &args.out {
        if !matches!(args.format, Format::Html | Format::Markdown) {
            return Err(Error::Usage(
                "--out DIR writes the report bundle: use it with --format html or markdown (or \
                 -o FILE for one file in another format)"
                    .into(),
            ));
        }
        bundle::check_out_dir(dir)?;
    }
    let settings = settings(&args)?;
    let targets = targets(&args)?;
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
    let provenance = provenance(&args, &settings, outcome.read.rows);
    let mut analysis = AnalysisReport::new(&outcome, args.redact_keys, provenance);
    if let Some(t) = &targets {
        analysis.add_capacity(t);
    }
    let lag = targets.as_ref().map(|t| LagTarget {
        peak_events_per_sec: t.peak_events_per_sec,
        consumer_events_per_sec: t.consumer_events_per_sec,
    });
    analysis.add_time(engine::time_profiles(&outcome, lag));
    analysis.set_strategy(&settings.strategies[0], outcome.split);
    engine::release_at_exit(outcome);
    if let Some(dir) = &args.out {
        Bundle::analysis(&analysis)?.write(dir)?;
        return Ok(Exit::Ok);
    }
    let bytes = if args.format == Format::Html {
        // The bundle's page: the review document with its charts inline.
        let bundle = Bundle::analysis(&analysis)?;
        bundle.file("report.html").unwrap_or_default().to_vec()
    } else {
        Report::Analysis(Box::new(analysis)).render_wide(args.format, args.wide)
    };
    output::emit_bytes(args.output.as_deref(), &bytes)?;
    Ok(Exit::Ok)
}

/// The capacity targets of `--peak-rate` and `--consumer-rate` (clap requires both or neither).
fn targets(args: &AnalyzeArgs) -> Result<Option<Targets>> {
    let (Some(peak), Some(consumer)) = (args.peak_rate, args.consumer_rate) else {
        return Ok(None);
    };
    let t = Targets {
        peak_events_per_sec: peak,
        growth_per_month: args.growth,
        horizon_months: args.horizon,
        consumer_events_per_sec: consumer,
        max_utilization: args.max_utilization,
        partition_bytes_per_sec: None,
        mean_event_bytes: None,
        retention_hours: args.retention_hours,
    };
    t.validate().map_err(|e| {
        // Name the flag, not the plan field.
        Error::Usage(format!(
            "{} {}",
            e.field.flag().unwrap_or(e.field.name()),
            e.rule
        ))
    })?;
    Ok(Some(t))
}

/// `--trials` as given, or its default.
fn trials(args: &AnalyzeArgs) -> u32 {
    args.trials.unwrap_or(stats::DEFAULT_TRIALS)
}

/// Validates the flags into the engine's settings, before any input is read.
fn settings(args: &AnalyzeArgs) -> Result<RunSettings> {
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
        trials(args),
    )?;
    let (key, strategy) = args::key_settings(args.key.as_deref(), args.key_template.as_deref())?;
    let order_by = order_by(&args.order_by)?;
    Ok(RunSettings {
        inputs: args.inputs.clone(),
        ingest: IngestOptions {
            format: args.input_format,
            key,
            key_encoding: args.key_encoding,
            count_col: args.count_col.clone(),
            bytes_col: args.bytes_col.clone(),
            size_col: args.size_col.clone(),
            time_col: args.time_col.clone(),
            partition_col: None,
            partition_limit: None,
            delimiter: args.delimiter,
            threads: args.threads,
            progress: true,
            block_size: 0,
            order_by,
            bucket_by: None,
        },
        strategies: vec![strategy],
        partitioners,
        counts: args.partitions.0.clone(),
        stats: StatsSettings {
            trials: trials(args),
            seed: args.seed,
            interval: args.interval.into(),
            // An explicit --trials is honoured at every count, however wide the sweep.
            budget: match args.trials {
                Some(_) => TrialBudget::PerCount,
                None => TrialBudget::Shared,
            },
        },
        max_keys: args.max_keys,
        top: args.top,
        // A time column asks for per-key window counts (counted exactly, within the cell bound).
        facets: FacetsSpec {
            window_ms: args
                .time_col
                .as_ref()
                .map(|_| args.window.unwrap_or(DEFAULT_WINDOW_MS)),
            ..FacetsSpec::default()
        },
    })
}

/// Validates `--order-by`: column names, none empty, none twice.
pub fn order_by(columns: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(columns.len());
    for c in columns {
        let c = c.trim();
        if c.is_empty() {
            return Err(Error::Usage(
                "--order-by has an empty column name (expected e.g. order_id or tenant,order_id)"
                    .into(),
            ));
        }
        if out.iter().any(|o| o == c) {
            return Err(Error::Usage(format!("--order-by names column '{c}' twice")));
        }
        out.push(c.to_string());
    }
    Ok(out)
}

/// What the report records about how it was made: every flag that changes a number in it.
fn provenance(args: &AnalyzeArgs, settings: &RunSettings, rows: u64) -> Provenance {
    let mut p = args::input_provenance(
        &args.inputs,
        rows,
        args.input_format,
        &[
            ("key", &args.key),
            ("key_template", &args.key_template),
            ("count_col", &args.count_col),
            ("bytes_col", &args.bytes_col),
            ("size_col", &args.size_col),
            ("time_col", &args.time_col),
        ],
        args.delimiter,
        args.key_encoding,
    );
    let ids: Vec<&str> = settings.partitioners.iter().map(|p| p.id()).collect();
    p.set("partitioner", ids.join(","));
    let counts: Vec<String> = settings.counts.iter().map(|n| n.to_string()).collect();
    p.set("partitions", counts.join(","));
    p.set("max_keys", args.max_keys);
    p.set("top", args.top);
    p.set("redact_keys", args.redact_keys);
    p.set("interval", settings.stats.interval.name());
    if !settings.ingest.order_by.is_empty() {
        p.set("order_by", settings.ingest.order_by.join(","));
    }
    if let (Some(peak), Some(consumer)) = (args.peak_rate, args.consumer_rate) {
        p.set("peak_rate", peak);
        p.set("consumer_rate", consumer);
        p.set("growth", args.growth);
        p.set("horizon", args.horizon);
        p.set("max_utilization", args.max_utilization);
        if let Some(r) = args.retention_hours {
            p.set("retention_hours", r);
        }
    }
    if let Some(w) = settings.facets.window_ms {
        p.set("window_ms", w);
    }
    if settings.stats.trials > 0 {
        p.seed = Some(args.seed);
        p.trials = Some(settings.stats.trials);
        p.trials_limit = stats::wide_trial_limit(
            settings.counts.len(),
            settings.stats.trials,
            settings.stats.budget,
        );
    }
    p
}
