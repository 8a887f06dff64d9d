//! `keyplan synth`: write a seeded synthetic event sample (CSV) for what-if studies, tests and
//! benchmarks. The generators live in [`crate::synth`].

use std::io::Write;
use std::path::PathBuf;

use crate::error::{Error, Exit, Result};
use crate::output::{self, AtomicFile};
use crate::synth::{self, Column, KeyModel, SynthSpec};

/// The default `--seed`, fixed so that two runs without `--seed` write the same file.
pub const DEFAULT_SEED: u64 = 42;

/// Write a seeded synthetic event sample as CSV.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Keys are PREFIX + the key's rank, zero-padded to at least 8 digits \
(`key-00000000` is the most popular key under zipf; the hot tenants are the lowest ranks under \
hot-tenant). The same flags and seed always give the same bytes, on any number of threads.

Examples:
  keyplan synth zipf --events 20000000 --keys 1000000 --exponent 1.1 --seed 42 --output zipf.csv
  keyplan synth uniform --events 100000 --keys 5000 | keyplan analyze - --key key -p 6,12,24
  keyplan synth hot-tenant --events 1000000 --keys 20000 --hot-keys 3 --hot-share 0.4 \\
      --key-name tenant_id --columns key,order_id,ts,bytes --output orders.csv"
)]
pub struct SynthArgs {
    #[command(subcommand)]
    model: ModelArgs,
}

#[derive(Debug, clap::Subcommand)]
enum ModelArgs {
    /// Zipf popularity: the key of rank r (0-based) is drawn with probability ~ 1/(r+1)^exponent.
    Zipf {
        /// The Zipf exponent (>= 0; 0 is uniform, ~1 is typical of user and tenant traffic).
        #[arg(long, value_name = "S", default_value_t = 1.0)]
        exponent: f64,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Every key equally likely.
    Uniform {
        #[command(flatten)]
        common: CommonArgs,
    },
    /// A few hot tenants carry a fixed share of the events; the other keys share the rest evenly.
    HotTenant {
        /// Number of hot tenants (the ranks 0..N).
        #[arg(long, value_name = "N", default_value_t = 1)]
        hot_keys: u64,
        /// Share of all events on the hot tenants together, in (0, 1].
        #[arg(long, value_name = "SHARE", default_value_t = 0.3)]
        hot_share: f64,
        #[command(flatten)]
        common: CommonArgs,
    },
}

/// Flags every model shares.
#[derive(Debug, clap::Args)]
struct CommonArgs {
    /// Number of events (rows) to write.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    events: u64,

    /// Number of distinct keys in the universe (rare ones may not occur).
    #[arg(long, value_name = "K", default_value_t = 10_000)]
    keys: u64,

    /// RNG seed; the same seed and flags always give the same file.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SEED)]
    seed: u64,

    /// Columns to write, in order, comma-separated; `key` is required.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "key"
    )]
    columns: Vec<Column>,

    /// Header name of the key column.
    #[arg(long, value_name = "NAME", default_value = "key")]
    key_name: String,

    /// Text before each key's zero-padded rank.
    #[arg(long, value_name = "TEXT", default_value = "key-")]
    key_prefix: String,

    /// Events per second for the `ts` column (which starts at 2026-01-01T00:00:00Z).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    rate: u64,

    /// Mean payload size for the `bytes` column.
    #[arg(long, value_name = "BYTES", default_value_t = 512)]
    mean_bytes: u64,

    /// Entities per key for the `entity` column (`KEY/0` .. `KEY/(E-1)`, chosen per event by a
    /// seeded hash): an ordering entity that belongs to one key, for `analyze --order-by entity`.
    #[arg(long, value_name = "E", default_value_t = 4,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    entities_per_key: u64,

    /// Write to this file (atomically: complete or absent) instead of standard output.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
}

impl ModelArgs {
    /// The validated spec and the output path.
    fn into_spec(self) -> Result<(SynthSpec, Option<PathBuf>)> {
        let (model, c) = match self {
            ModelArgs::Zipf { exponent, common } => (KeyModel::Zipf { exponent }, common),
            ModelArgs::Uniform { common } => (KeyModel::Uniform, common),
            ModelArgs::HotTenant {
                hot_keys,
                hot_share,
                common,
            } => (
                KeyModel::HotTenant {
                    hot_keys,
                    hot_share,
                },
                common,
            ),
        };
        let spec = SynthSpec {
            columns: c.columns,
            key_name: c.key_name,
            key_prefix: c.key_prefix,
            rate: c.rate,
            mean_bytes: c.mean_bytes,
            entities_per_key: c.entities_per_key,
            ..SynthSpec::new(model, c.events, c.keys, c.seed)
        };
        spec.validate().map_err(Error::Usage)?;
        Ok((spec, c.output))
    }
}

/// Runs `synth`.
pub fn run(args: SynthArgs) -> Result<Exit> {
    let (spec, path) = args.model.into_spec()?;
    match path {
        Some(path) => {
            output::check_writable(&path)?;
            crate::budget::synth_output(&spec, &path)?;
            let mut file = AtomicFile::create(&path)?;
            synth::generate(&spec, &mut file).map_err(|e| Error::io(&path, e))?;
            file.commit()?;
        }
        None => {
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout);
            synth::generate(&spec, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| Error::io("<stdout>", e))?;
        }
    }
    Ok(Exit::Ok)
}
