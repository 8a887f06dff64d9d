//! Seeded synthetic event samples (`keyplan synth`) for what-if studies, tests and benchmarks.
//!
//! A [`SynthSpec`] describes a key-popularity model ([`KeyModel`]: Zipf, uniform or hot-tenant), how many
//! events and distinct keys, and which CSV columns to write. [`generate`] writes the CSV.
//!
//! Determinism: events are generated in fixed-size chunks of [`CHUNK_EVENTS`]; chunk `c` draws its keys
//! from `ChaCha8Rng::seed_from_u64(seed)` on stream `2c` and its payload sizes on stream `2c + 1`. The
//! output therefore depends only on the spec (not on the thread count), and the key column is the same
//! whichever other columns are requested. Chunks are generated in parallel and written in order.
//!
//! Keys are `PREFIX` followed by the key's rank, zero-padded to [`MIN_KEY_DIGITS`] digits (more when the
//! key universe needs them): with the default prefix `key-`, key `key-00000000` is the most popular one
//! under Zipf and the hot tenants are `key-00000000 ..` under hot-tenant. A 12-byte key plus a newline
//! makes 20 million one-column events about 260 MB.

use std::io::Write;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Events per generation chunk. Fixed (never derived from the thread count) so output is reproducible;
/// 64 Ki events is ~1 MB of CSV, large enough to amortise the per-chunk RNG setup.
pub const CHUNK_EVENTS: u64 = 1 << 16;

/// Chunks generated in parallel before they are written: bounds memory to ~32 MB of pending CSV.
const CHUNKS_PER_BATCH: u64 = 32;

/// Minimum number of digits in a key's rank. 8 digits with the 4-byte default prefix gives 12-byte keys,
/// the size of typical customer or account ids.
pub const MIN_KEY_DIGITS: usize = 8;

/// The largest key universe for Zipf: its alias table costs 12 bytes per key (1.2 GB at this limit).
pub const MAX_ZIPF_KEYS: u64 = 100_000_000;

/// The largest `--mean-bytes`: far above any real payload (Kafka's own limit is in megabytes), and
/// small enough that the size range `mean / 2 ..= mean * 3 / 2` cannot overflow.
pub const MAX_MEAN_BYTES: u64 = 1 << 50;

/// Epoch milliseconds of the first event's `ts` (2026-01-01T00:00:00Z), fixed so output is reproducible.
pub const DEFAULT_START_MS: i64 = 1_767_225_600_000;

/// How key popularity is distributed over the key universe `0..keys`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyModel {
    /// Key of rank `r` (0-based) has probability proportional to `1 / (r + 1)^exponent`.
    Zipf {
        /// The Zipf exponent `s >= 0` (0 is uniform; web and tenant traffic is typically 0.8..1.2).
        exponent: f64,
    },
    /// Every key equally likely.
    Uniform,
    /// `hot_keys` tenants (ranks `0..hot_keys`) share `hot_share` of the events evenly; the other keys
    /// share the rest evenly.
    HotTenant {
        /// Number of hot tenants (at least 1, at most the key count).
        hot_keys: u64,
        /// Share of all events on the hot tenants, in `(0, 1]`.
        hot_share: f64,
    },
}

/// A column of the generated CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Column {
    /// The message key (header name from `--key-name`).
    Key,
    /// A unique, increasing id per event (`1, 2, 3, ...`): an entity whose order is per event.
    #[value(name = "order_id")]
    OrderId,
    /// Event time in epoch milliseconds, at a steady `--rate` from a fixed start.
    Ts,
    /// Payload size in bytes, uniform in `[mean/2, 3*mean/2]` (`--mean-bytes`).
    Bytes,
    /// An ordering entity that belongs to the event's key: the key text, `/`, and one of
    /// `--entities-per-key` numbers chosen by a hash of the seed and the event index (so each key
    /// has at most that many entities and (key, entity) pairs stay bounded).
    Entity,
}

impl Column {
    /// The header name of a non-key column.
    fn header(self) -> &'static str {
        match self {
            Column::Key => "key",
            Column::OrderId => "order_id",
            Column::Ts => "ts",
            Column::Bytes => "bytes",
            Column::Entity => "entity",
        }
    }
}

/// Everything that determines a synthetic sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    /// The key-popularity model.
    pub model: KeyModel,
    /// Number of events (rows).
    pub events: u64,
    /// Number of distinct keys in the universe (not all need to occur).
    pub keys: u64,
    /// RNG seed.
    pub seed: u64,
    /// Columns in output order; contains [`Column::Key`] exactly once.
    pub columns: Vec<Column>,
    /// Header name of the key column.
    pub key_name: String,
    /// Text before each key's rank.
    pub key_prefix: String,
    /// `ts` of the first event, epoch milliseconds.
    pub start_ms: i64,
    /// Events per second for the `ts` column.
    pub rate: u64,
    /// Mean payload size for the `bytes` column.
    pub mean_bytes: u64,
    /// Entities per key for the `entity` column.
    pub entities_per_key: u64,
}

impl SynthSpec {
    /// A one-column (`key`) spec with the default seed-independent settings.
    pub fn new(model: KeyModel, events: u64, keys: u64, seed: u64) -> SynthSpec {
        SynthSpec {
            model,
            events,
            keys,
            seed,
            columns: vec![Column::Key],
            key_name: "key".to_string(),
            key_prefix: "key-".to_string(),
            start_ms: DEFAULT_START_MS,
            rate: 1000,
            mean_bytes: 512,
            entities_per_key: 4,
        }
    }

    /// Checks the spec; the message names the flag to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.keys == 0 {
            return Err("--keys must be at least 1".into());
        }
        match self.model {
            KeyModel::Zipf { exponent } => {
                if !(exponent.is_finite() && exponent >= 0.0) {
                    return Err(format!(
                        "--exponent {exponent} is invalid; use a finite number >= 0 (e.g. 1.1)"
                    ));
                }
                if self.keys > MAX_ZIPF_KEYS {
                    return Err(format!(
                        "--keys {} is too many for zipf (at most {MAX_ZIPF_KEYS}: the sampler's table \
                         takes 12 bytes per key)",
                        self.keys
                    ));
                }
            }
            KeyModel::Uniform => {}
            KeyModel::HotTenant {
                hot_keys,
                hot_share,
            } => {
                if hot_keys == 0 || hot_keys > self.keys {
                    return Err(format!(
                        "--hot-keys {hot_keys} is out of range; use 1..={} (--keys)",
                        self.keys
                    ));
                }
                if !(hot_share > 0.0 && hot_share <= 1.0) {
                    return Err(format!(
                        "--hot-share {hot_share} is out of range; use a share in (0, 1], e.g. 0.3"
                    ));
                }
            }
        }
        if self.columns.iter().filter(|&&c| c == Column::Key).count() != 1 {
            return Err("--columns must name 'key' exactly once".into());
        }
        for (i, c) in self.columns.iter().enumerate() {
            if self.columns[..i].contains(c) {
                return Err(format!("--columns names '{}' twice", c.header()));
            }
        }
        let csv_safe = |s: &str| !s.contains([',', '"', '\n', '\r']);
        if self.key_name.is_empty() || !csv_safe(&self.key_name) {
            return Err(format!(
                "--key-name '{}' must be non-empty without commas, quotes or newlines",
                self.key_name
            ));
        }
        if !csv_safe(&self.key_prefix) {
            return Err(format!(
                "--key-prefix '{}' must not contain commas, quotes or newlines",
                self.key_prefix
            ));
        }
        if self.rate == 0 {
            return Err("--rate must be at least 1 event per second".into());
        }
        if self.mean_bytes == 0 || self.mean_bytes > MAX_MEAN_BYTES {
            return Err(format!(
                "--mean-bytes {} is out of range; use 1..={MAX_MEAN_BYTES}",
                self.mean_bytes
            ));
        }
        Ok(())
    }

    /// The header line, with its newline.
    fn header(&self) -> String {
        let names: Vec<&str> = self
            .columns
            .iter()
            .map(|&c| match c {
                Column::Key => self.key_name.as_str(),
                other => other.header(),
            })
            .collect();
        format!("{}\n", names.join(","))
    }

    /// The text of the key of rank `rank`: the prefix and the zero-padded rank.
    pub fn key_text(&self, rank: u64) -> String {
        let mut out = Vec::new();
        KeyFormat::new(self).push(&mut out, rank);
        String::from_utf8(out).expect("prefix is a str and digits are ASCII")
    }
}

/// Writes the sample described by `spec` (which must be valid) as CSV to `out`.
pub fn generate<W: Write>(spec: &SynthSpec, out: &mut W) -> std::io::Result<()> {
    debug_assert!(spec.validate().is_ok());
    out.write_all(spec.header().as_bytes())?;
    let sampler = Sampler::new(spec);
    let format = KeyFormat::new(spec);
    let chunks = spec.events.div_ceil(CHUNK_EVENTS);
    let mut first = 0;
    while first < chunks {
        let last = (first + CHUNKS_PER_BATCH).min(chunks);
        let buffers: Vec<Vec<u8>> = (first..last)
            .into_par_iter()
            .map(|c| chunk(spec, &sampler, &format, c))
            .collect();
        for b in &buffers {
            out.write_all(b)?;
        }
        first = last;
    }
    Ok(())
}

/// Generates chunk `c` (events `c * CHUNK_EVENTS ..`) as CSV rows.
fn chunk(spec: &SynthSpec, sampler: &Sampler, format: &KeyFormat, c: u64) -> Vec<u8> {
    let start = c * CHUNK_EVENTS;
    let end = start.saturating_add(CHUNK_EVENTS).min(spec.events);
    let mut key_rng = ChaCha8Rng::seed_from_u64(spec.seed);
    key_rng.set_stream(2 * c);
    let mut size_rng = ChaCha8Rng::seed_from_u64(spec.seed);
    size_rng.set_stream(2 * c + 1);
    let row_guess = format.width + 1 + 24 * (spec.columns.len() - 1);
    let mut buf = Vec::with_capacity((end - start) as usize * row_guess);
    for i in start..end {
        let rank = sampler.sample(&mut key_rng);
        for (n, col) in spec.columns.iter().enumerate() {
            if n > 0 {
                buf.push(b',');
            }
            match col {
                Column::Key => format.push(&mut buf, rank),
                Column::OrderId => push_u64(&mut buf, i + 1),
                Column::Ts => {
                    let offset = (u128::from(i) * 1000 / u128::from(spec.rate)) as i64;
                    push_i64(&mut buf, spec.start_ms.saturating_add(offset));
                }
                Column::Entity => {
                    format.push(&mut buf, rank);
                    buf.push(b'/');
                    let mix = splitmix64(spec.seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    push_u64(&mut buf, below(mix, spec.entities_per_key).0);
                }
                Column::Bytes => {
                    // Uniform in [mean/2, mean + mean/2] (mean +- 50%), at least 1 byte.
                    let low = spec.mean_bytes / 2;
                    let span = spec.mean_bytes + spec.mean_bytes / 2 - low + 1;
                    let size = (low + below(size_rng.next_u64(), span).0).max(1);
                    push_u64(&mut buf, size);
                }
            }
        }
        buf.push(b'\n');
    }
    buf
}

/// SplitMix64's finalizer: a fixed bijective mix of a `u64`, for per-event choices that need no RNG
/// stream (so adding a column leaves the others unchanged).
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Maps a uniform `u64` to `0..n` by multiply-shift (Lemire), returning the index and the low word of
/// the product: given the index, that low word is uniform over `[0, 2^64)` in steps of `n`, so it serves
/// as a second, independent uniform draw (the alias method's coin) without another RNG call.
fn below(x: u64, n: u64) -> (u64, u64) {
    let product = u128::from(x) * u128::from(n);
    ((product >> 64) as u64, product as u64)
}

/// A `u64` as a uniform `f64` in `[0, 1)` (53 random bits).
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Draws key ranks according to a [`KeyModel`].
#[derive(Debug)]
enum Sampler {
    Alias(AliasTable),
    Uniform { keys: u64 },
    Hot { hot: u64, rest: u64, share: f64 },
}

impl Sampler {
    fn new(spec: &SynthSpec) -> Sampler {
        match spec.model {
            KeyModel::Zipf { exponent } => Sampler::Alias(AliasTable::new(
                &(0..spec.keys)
                    .map(|r| ((r + 1) as f64).powf(-exponent))
                    .collect::<Vec<_>>(),
            )),
            KeyModel::Uniform => Sampler::Uniform { keys: spec.keys },
            KeyModel::HotTenant {
                hot_keys,
                hot_share,
            } => Sampler::Hot {
                hot: hot_keys,
                rest: spec.keys - hot_keys,
                share: hot_share,
            },
        }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        match *self {
            Sampler::Alias(ref table) => table.sample(rng.next_u64()),
            Sampler::Uniform { keys } => below(rng.next_u64(), keys).0,
            Sampler::Hot { hot, rest, share } => {
                let x = rng.next_u64();
                if rest == 0 || unit(x) < share {
                    below(rng.next_u64(), hot).0
                } else {
                    hot + below(rng.next_u64(), rest).0
                }
            }
        }
    }
}

/// Walker's alias method in Vose's numerically stable form: O(n) setup, O(1) per draw, exact up to
/// floating-point rounding of the weights ("A Linear Algorithm for Generating Random Numbers with a
/// Given Distribution", Vose 1991).
#[derive(Debug)]
struct AliasTable {
    /// Probability of keeping column `i` rather than taking its alias.
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Builds the table for non-negative `weights` with a positive sum (at most `u32::MAX` entries).
    fn new(weights: &[f64]) -> AliasTable {
        let n = weights.len();
        let sum: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / sum).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<u32>, Vec<u32>) =
            (0..n as u32).partition(|&i| prob[i as usize] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left is 1 up to rounding.
        for i in small.into_iter().chain(large) {
            prob[i as usize] = 1.0;
        }
        AliasTable { prob, alias }
    }

    fn sample(&self, x: u64) -> u64 {
        let (column, coin) = below(x, self.prob.len() as u64);
        if unit(coin) < self.prob[column as usize] {
            column
        } else {
            u64::from(self.alias[column as usize])
        }
    }
}

/// Formats key ranks as prefix + fixed-width zero-padded digits without allocation.
#[derive(Debug)]
struct KeyFormat {
    prefix: Vec<u8>,
    digits: usize,
    width: usize,
}

impl KeyFormat {
    fn new(spec: &SynthSpec) -> KeyFormat {
        let largest = spec.keys.saturating_sub(1);
        let digits = (largest.checked_ilog10().unwrap_or(0) as usize + 1).max(MIN_KEY_DIGITS);
        KeyFormat {
            prefix: spec.key_prefix.as_bytes().to_vec(),
            digits,
            width: spec.key_prefix.len() + digits,
        }
    }

    fn push(&self, buf: &mut Vec<u8>, mut rank: u64) {
        buf.extend_from_slice(&self.prefix);
        let start = buf.len();
        buf.resize(start + self.digits, b'0');
        for slot in buf[start..].iter_mut().rev() {
            if rank == 0 {
                break;
            }
            *slot = b'0' + (rank % 10) as u8;
            rank /= 10;
        }
    }
}

/// Appends the decimal digits of `n`.
fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn push_i64(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_u64(buf, n.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn render(spec: &SynthSpec) -> String {
        let mut out = Vec::new();
        generate(spec, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Event counts per key rank.
    fn counts(spec: &SynthSpec) -> HashMap<u64, u64> {
        let text = render(spec);
        let prefix = spec.key_prefix.len();
        let mut counts = HashMap::new();
        for line in text.lines().skip(1) {
            let rank: u64 = line[prefix..].parse().unwrap();
            *counts.entry(rank).or_insert(0) += 1;
        }
        counts
    }

    /// Whether `observed` is within `z` binomial standard deviations of `n * p`.
    fn near(observed: u64, n: u64, p: f64, z: f64) -> bool {
        let mean = n as f64 * p;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        (observed as f64 - mean).abs() <= z * sd.max(1.0)
    }

    #[test]
    fn same_seed_same_bytes_any_thread_count() {
        let mut spec = SynthSpec::new(KeyModel::Zipf { exponent: 1.1 }, 200_000, 5_000, 7);
        spec.columns = vec![Column::Key, Column::OrderId, Column::Ts, Column::Bytes];
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| render(&spec));
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| render(&spec));
        assert_eq!(one, four);
        assert_eq!(one.lines().count(), 200_001);
        spec.seed = 8;
        assert_ne!(render(&spec), one, "another seed gives another sample");
    }

    #[test]
    fn key_column_does_not_depend_on_other_columns() {
        let spec = SynthSpec::new(KeyModel::Uniform, 70_000, 100, 1);
        let mut wide = spec.clone();
        wide.columns = vec![Column::Bytes, Column::Key];
        let keys: Vec<String> = render(&spec).lines().skip(1).map(String::from).collect();
        let wide_keys: Vec<String> = render(&wide)
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect();
        assert_eq!(keys, wide_keys);
    }

    #[test]
    fn zipf_counts_follow_theory() {
        let (n, k, s) = (400_000u64, 1_000u64, 1.1);
        let c = counts(&SynthSpec::new(KeyModel::Zipf { exponent: s }, n, k, 42));
        let norm: f64 = (1..=k).map(|r| (r as f64).powf(-s)).sum();
        for rank in [0u64, 1, 2, 9, 99, 999] {
            let p = ((rank + 1) as f64).powf(-s) / norm;
            let seen = c.get(&rank).copied().unwrap_or(0);
            assert!(
                near(seen, n, p, 5.0),
                "rank {rank}: {seen} vs {}",
                n as f64 * p
            );
        }
        assert!(c.keys().all(|&r| r < k));
    }

    #[test]
    fn alias_table_reproduces_weights_exactly() {
        let weights = [5.0, 1.0, 0.0, 3.0, 1.0];
        let t = AliasTable::new(&weights);
        let n = weights.len() as f64;
        let mut mass = [0.0; 5];
        for i in 0..weights.len() {
            mass[i] += t.prob[i] / n;
            mass[t.alias[i] as usize] += (1.0 - t.prob[i]) / n;
        }
        for (m, w) in mass.iter().zip(weights) {
            assert!((m - w / 10.0).abs() < 1e-12, "{mass:?}");
        }
    }

    #[test]
    fn uniform_and_hot_tenant_counts() {
        let n = 300_000;
        let c = counts(&SynthSpec::new(KeyModel::Uniform, n, 10, 3));
        assert_eq!(c.len(), 10);
        assert!(c.values().all(|&v| near(v, n, 0.1, 5.0)), "{c:?}");

        let model = KeyModel::HotTenant {
            hot_keys: 2,
            hot_share: 0.4,
        };
        let c = counts(&SynthSpec::new(model, n, 1_000, 3));
        assert!(
            near(c[&0], n, 0.2, 5.0) && near(c[&1], n, 0.2, 5.0),
            "{c:?}"
        );
        let cold: u64 = c.iter().filter(|(&r, _)| r >= 2).map(|(_, &v)| v).sum();
        assert!(near(cold, n, 0.6, 5.0));
        assert!(c.keys().all(|&r| r < 1_000));
    }

    #[test]
    fn columns_and_keys_are_formatted() {
        let mut spec = SynthSpec::new(KeyModel::Uniform, 3, 1, 0);
        spec.columns = vec![Column::Key, Column::OrderId, Column::Ts, Column::Bytes];
        spec.key_name = "tenant_id".into();
        spec.rate = 2;
        spec.mean_bytes = 1;
        let text = render(&spec);
        let t0 = DEFAULT_START_MS;
        assert_eq!(
            text,
            format!(
                "tenant_id,order_id,ts,bytes\nkey-00000000,1,{t0},1\nkey-00000000,2,{},1\n\
                 key-00000000,3,{},1\n",
                t0 + 500,
                t0 + 1000
            )
        );
        let mut wide = SynthSpec::new(KeyModel::Uniform, 0, 1_000_000_000, 0);
        wide.key_prefix = String::new();
        assert_eq!(wide.key_text(12), "000000012");
        assert_eq!(render(&wide), "key\n");
    }

    #[test]
    fn invalid_specs_name_the_flag() {
        let base = SynthSpec::new(KeyModel::Uniform, 10, 10, 0);
        let bad = |f: &dyn Fn(&mut SynthSpec)| {
            let mut s = base.clone();
            f(&mut s);
            s.validate().unwrap_err()
        };
        assert!(bad(&|s| s.keys = 0).contains("--keys"));
        assert!(bad(&|s| s.model = KeyModel::Zipf { exponent: -1.0 }).contains("--exponent"));
        assert!(bad(&|s| s.model = KeyModel::HotTenant {
            hot_keys: 11,
            hot_share: 0.5
        })
        .contains("--hot-keys"));
        assert!(bad(&|s| s.model = KeyModel::HotTenant {
            hot_keys: 1,
            hot_share: 1.5
        })
        .contains("--hot-share"));
        assert!(bad(&|s| s.columns = vec![Column::Ts]).contains("'key'"));
        assert!(bad(&|s| s.columns = vec![Column::Key, Column::Ts, Column::Ts]).contains("twice"));
        assert!(bad(&|s| s.key_name = "a,b".into()).contains("--key-name"));
        assert!(base.validate().is_ok());
    }
}
