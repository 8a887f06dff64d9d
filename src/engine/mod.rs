//! The pipeline as a library: settings -> sample -> distribution -> scenarios -> analysis.
//!
//! Every command that analyses a sample calls [`run`] with validated [`RunSettings`] (built from flags,
//! or later from a plan file) and hands the [`Outcome`] to a report. The engine owns the choices that
//! commands must not repeat:
//! - exact or bounded counting (`max_keys`): exact while the sample has at most that many distinct
//!   keys, bounded-memory sketches past it ([`crate::analysis::stream`]);
//! - hashing each distinct key once per hash family, then placing it for every scenario;
//! - the statistics settings (seed, trials), so the same settings give the same bytes.
//!
//! The outcome says how exact it is ([`Exactness`]) and keeps what later stages need (the distinct keys
//! in exact mode), so report writers only format.

use crate::analysis::ordering::{EntityIndex, EntitySummary};
use crate::analysis::stats::IntervalMethod;
use crate::analysis::strategy::{self, SplitSummary};
use crate::analysis::stream::{AdaptiveSink, Collected, StreamPlan};
use rayon::prelude::*;

use crate::analysis::time::{self, LagTarget, TimeProfile};
use crate::analysis::{self, Analysis, EarlyRandom, KeyHashes, StatsSettings};
use crate::error::{Error, Result};
use crate::ingest::facets::FacetCounter;
use crate::ingest::keyexpr::KeyExpr;
use crate::ingest::{self, IngestOptions, ReadStats};
use crate::model::{
    Facets, FacetsSpec, KeyDistribution, KeyStrategy, PartitionCount, WeightSummary,
};
use crate::partitioner::Partitioner;

pub use crate::analysis::stream::DEFAULT_MAX_KEYS;

/// Everything a run needs, validated before any input is read.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Inputs as the user named them (`-` is standard input); together one sample.
    pub inputs: Vec<String>,
    /// How to read them.
    pub ingest: IngestOptions,
    /// Key strategies: a run evaluates the first (plans run one engine run per strategy). A
    /// salting or splitting strategy replaces `ingest.key` by its field.
    pub strategies: Vec<KeyStrategy>,
    /// Partitioners, without repeats, in the order reports list them.
    pub partitioners: Vec<Partitioner>,
    /// Candidate partition counts, ascending, without repeats.
    pub counts: Vec<PartitionCount>,
    /// Seed and trials of the random-placement expectation.
    pub stats: StatsSettings,
    /// The distinct-key limit of exact counting.
    pub max_keys: u64,
    /// How many heavy keys the outcome keeps (bounded mode keeps only these).
    pub top: usize,
    /// What the sample must carry besides per-key events and bytes (entities, windows, observed
    /// partitions). Asking for any facet counts exactly, within the facets' own cell bound.
    pub facets: FacetsSpec,
}

/// How exact an outcome is.
#[derive(Debug, Clone, PartialEq)]
pub enum Exactness {
    /// Every number is exact for the sample.
    Exact,
    /// The sample had more distinct keys than `max_keys`: loads and their metrics are exact, distinct
    /// keys and heavy-key counts are estimates with the stated error bounds.
    Bounded(Bounds),
}

/// The error bounds of a bounded-memory outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// The distinct-key limit that was exceeded.
    pub max_keys: u64,
    /// Relative standard error of the distinct-key estimate.
    pub distinct_keys_rse: f64,
    /// The largest overestimate of any heavy key's count (and the most events a key missing from the
    /// list can have).
    pub top_keys_max_error: u64,
    /// Counters in the heavy-hitter summary.
    pub top_keys_capacity: u64,
}

/// One heavy key of the sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeavyKey {
    /// The key's exact bytes.
    pub key: Box<[u8]>,
    /// Its events (an upper bound in bounded mode).
    pub events: u64,
    /// How much `events` may overestimate (bounded mode only).
    pub max_error: Option<u64>,
    /// Bounded mode only: whether the key is certainly among the heaviest listed, because its lower
    /// bound (`events - max_error`) is at least the upper bound of every key not listed.
    pub certain: Option<bool>,
}

/// What a run found.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Per-scenario loads and metrics.
    pub analysis: Analysis,
    /// The heaviest keys, heaviest first (ties by key bytes), at most `top` of them.
    pub top_keys: Vec<HeavyKey>,
    /// Share of events on the heaviest key (an upper bound in bounded mode).
    pub top_key_share: f64,
    /// Total payload bytes, when every row had a size (exact mode).
    pub total_bytes: Option<u64>,
    /// Earliest and latest event time in ms since the epoch, when a time column was read (exact mode).
    pub time_range: Option<(i64, i64)>,
    /// Rows read and records left out.
    pub read: ReadStats,
    /// How exact the numbers are.
    pub exactness: Exactness,
    /// The distinct keys with their events, in exact mode (later stages reuse them).
    pub distribution: Option<KeyDistribution>,
    /// Every distinct key's hash per hash family of the run's partitioners, in `distribution`'s order
    /// (exact mode), so later stages (time windows, remaps) never hash a key twice.
    pub hashes: Option<KeyHashes>,
    /// The facets asked for in [`RunSettings::facets`], cells keyed by index into `distribution`.
    pub facets: Facets,
    /// The confidence interval used: the one asked for in exact mode; multinomial in bounded mode,
    /// where per-key weights are not kept.
    pub interval: IntervalMethod,
    /// The ordering entity and what its (key, entity) cells say, with `--order-by`.
    pub ordering: Option<OrderingOutcome>,
    /// What a salting or splitting strategy did to the keys (all zero for the key as read).
    pub split: SplitSummary,
}

/// The ordering entity of a run and the key's relation to it; per-scenario costs are in
/// [`crate::analysis::Scenario::ordering`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderingOutcome {
    /// The `--order-by` columns, comma-separated.
    pub entity: String,
    /// Entities, events without one, and how the key relates to the entity.
    pub summary: EntitySummary,
}

/// The ingest options of `settings` with its first strategy applied: a salting or splitting
/// strategy reads its field as the key, and salts at ingest when it has `by=`.
fn strategy_ingest(settings: &RunSettings) -> IngestOptions {
    let mut ingest = settings.ingest.clone();
    if let Some(strategy) = settings.strategies.first() {
        if let Some(field) = strategy.field() {
            ingest.key = Some(KeyExpr::column(field));
        }
        ingest.bucket_by = strategy.bucket_by().map(|(c, n)| (c.to_string(), n));
    }
    ingest
}

/// Runs the pipeline: reads every input, counts keys (exactly or within bounds) and evaluates every
/// scenario.
pub fn run(settings: &RunSettings) -> Result<Outcome> {
    let ingest = strategy_ingest(settings);
    let mut spec = settings.facets;
    spec.entities |= !ingest.order_by.is_empty();
    let strategy = settings.strategies.first();
    if spec.any() || strategy.is_some_and(KeyStrategy::needs_exact_counts) {
        let mut sink = FacetCounter::new(spec);
        let read = ingest::read_into(&settings.inputs, &ingest, &mut sink)?;
        ingest::ensure_events(&settings.inputs, sink.total(), &read)?;
        let summary =
            early_random(settings, strategy).then(|| sink.weight_summary(EarlyRandom::HEAVIEST));
        let (early, finished) = beside_monte_carlo(settings, summary, || {
            let (dist, facets) = sink.finish()?;
            let (dist, facets, split) = match strategy {
                Some(s) => strategy::apply(s, dist, facets),
                None => (dist, facets, SplitSummary::default()),
            };
            let hashes = KeyHashes::compute(&dist, &settings.partitioners);
            Ok::<_, Error>((dist, facets, split, hashes))
        });
        let (dist, facets, split, hashes) = finished?;
        let index = facets.entities.as_ref().map(EntityIndex::new);
        let mut outcome = evaluate_hashed(dist, hashes, early, settings, read, index.as_ref());
        outcome.ordering = index.map(|i| OrderingOutcome {
            entity: ingest.order_by.join(","),
            summary: i.summary,
        });
        outcome.facets = facets;
        outcome.split = split;
        return Ok(outcome);
    }
    let plan = StreamPlan::new(&settings.partitioners, &settings.counts, settings.max_keys);
    let mut sink = AdaptiveSink::new(plan);
    let read = ingest::read_into(&settings.inputs, &ingest, &mut sink)?;
    ingest::ensure_events(&settings.inputs, sink.total(), &read)?;
    Ok(match sink.finish() {
        Collected::Exact(counter) => {
            let summary = early_random(settings, strategy)
                .then(|| counter.weight_summary(EarlyRandom::HEAVIEST));
            let (early, (dist, split, hashes)) = beside_monte_carlo(settings, summary, || {
                let dist = counter.finish();
                let (dist, _, split) = match strategy {
                    Some(s) => strategy::apply(s, dist, Facets::default()),
                    None => (dist, Facets::default(), SplitSummary::default()),
                };
                let hashes = KeyHashes::compute(&dist, &settings.partitioners);
                (dist, split, hashes)
            });
            Outcome {
                split,
                ..evaluate_hashed(dist, hashes, early, settings, read, None)
            }
        }
        Collected::Bounded(streamed) => {
            // One counter more than listed: its count bounds every key left out.
            let mut result = streamed.finish(settings.top.saturating_add(1));
            let next = if result.top_keys.len() > settings.top {
                result.top_keys.pop().map_or(0, |c| c.count)
            } else {
                0
            };
            let outside = next.max(result.top_keys_max_error);
            // Only the heavy-hitter summary's keys are known: list those on each hottest partition.
            for s in &mut result.analysis.scenarios {
                if s.metrics.max_partition_events > 0 {
                    let family = s.partitioner.family();
                    let keys = result.top_keys.iter();
                    s.hot_keys = analysis::hot_keys(
                        keys.map(|c| (c.key.as_ref(), c.count, family.hash(&c.key))),
                        s.partitioner,
                        s.partitions,
                        s.metrics.hottest_partition,
                        analysis::HOT_KEYS,
                    );
                }
            }
            Outcome {
                top_keys: result
                    .top_keys
                    .iter()
                    .map(|c| HeavyKey {
                        key: c.key.clone(),
                        events: c.count,
                        max_error: Some(c.error),
                        certain: Some(c.count - c.error.min(c.count) >= outside),
                    })
                    .collect(),
                top_key_share: result.top_key_share,
                total_bytes: None,
                time_range: None,
                read,
                exactness: Exactness::Bounded(Bounds {
                    max_keys: result.max_keys,
                    distinct_keys_rse: result.distinct_keys_rse,
                    top_keys_max_error: result.top_keys_max_error,
                    top_keys_capacity: result.top_keys_capacity,
                }),
                analysis: result.analysis,
                distribution: None,
                hashes: None,
                facets: Facets::default(),
                interval: IntervalMethod::Multinomial,
                ordering: None,
                split: SplitSummary::default(),
            }
        }
    })
}

/// Whether a run computes the random expectation of the clients that hash every key before its
/// keys are sorted ([`EarlyRandom`]): it depends on the key weights alone, so it can, unless a
/// strategy changes them (or there is no Monte Carlo, or no such client).
fn early_random(settings: &RunSettings, strategy: Option<&KeyStrategy>) -> bool {
    strategy.is_none_or(strategy::keeps_weights)
        && settings.stats.trials > 0
        && settings.partitioners.iter().any(|p| p.hashes_every_key())
}

/// Runs `finish` (sorting and hashing the counted keys) while the random expectation's Monte Carlo
/// runs from `summary` (see [`early_random`]), on the core that `finish`'s serial steps leave idle.
fn beside_monte_carlo<T: Send>(
    settings: &RunSettings,
    summary: Option<WeightSummary>,
    finish: impl FnOnce() -> T + Send,
) -> (Option<EarlyRandom>, T) {
    rayon::join(
        || summary.and_then(|s| EarlyRandom::compute(&s, &settings.counts, settings.stats)),
        finish,
    )
}

/// Evaluates every scenario of `settings` on a distribution already in memory (exact mode).
pub fn from_distribution(
    dist: KeyDistribution,
    settings: &RunSettings,
    read: ReadStats,
) -> Outcome {
    evaluate(dist, settings, read, None)
}

/// [`from_distribution`] with the (key, entity) cells grouped by entity, for ordering costs. Each key
/// is hashed once per family; the outcome keeps the hashes for time windows and remaps.
fn evaluate(
    dist: KeyDistribution,
    settings: &RunSettings,
    read: ReadStats,
    entities: Option<&EntityIndex>,
) -> Outcome {
    let hashes = KeyHashes::compute(&dist, &settings.partitioners);
    evaluate_hashed(dist, hashes, None, settings, read, entities)
}

/// [`evaluate`] with the keys already hashed (`hashes`, over every partitioner of `settings`) and,
/// with `early`, the random expectation of the clients that hash every key already computed.
fn evaluate_hashed(
    dist: KeyDistribution,
    hashes: KeyHashes,
    early: Option<EarlyRandom>,
    settings: &RunSettings,
    read: ReadStats,
    entities: Option<&EntityIndex>,
) -> Outcome {
    let analysis = analysis::analyze_hashed(
        &dist,
        &hashes,
        &settings.partitioners,
        &settings.counts,
        settings.stats,
        entities,
        early,
    );
    let top_keys = dist
        .keys()
        .iter()
        .zip(dist.weights())
        .take(settings.top)
        .map(|(key, &events)| HeavyKey {
            key: key.into(),
            events,
            max_error: None,
            certain: None,
        })
        .collect();
    Outcome {
        analysis,
        top_keys,
        top_key_share: dist.top_share(),
        total_bytes: dist.total_bytes(),
        time_range: dist.time_range(),
        read,
        exactness: Exactness::Exact,
        distribution: Some(dist),
        hashes: Some(hashes),
        facets: Facets::default(),
        interval: settings.stats.interval,
        ordering: None,
        split: SplitSummary::default(),
    }
}

/// The time profile of every scenario of `outcome` (in its order) from the run's window counts, each
/// key placed from the hash the run already computed; `None` per scenario when the run has no window
/// counts or no timed event. With `lag`, each profile has its lag simulation.
pub fn time_profiles(outcome: &Outcome, lag: Option<LagTarget>) -> Vec<Option<TimeProfile>> {
    let scenarios = &outcome.analysis.scenarios;
    let (Some(windows), Some(dist), Some(hashes)) = (
        outcome.facets.windows.as_ref(),
        outcome.distribution.as_ref(),
        outcome.hashes.as_ref(),
    ) else {
        return vec![None; scenarios.len()];
    };
    scenarios
        .par_iter()
        .map(|s| {
            let h = hashes.get(s.partitioner.family());
            time::profile(dist, h, windows, s.partitioner, s.partitions, lag)
        })
        .collect()
}

/// Ends an outcome without freeing its per-key memory, for a process that exits right after writing
/// its report: the OS takes the memory back at once, while freeing one boxed key per distinct key
/// first cost ~10 ms on a million keys. Library users should just drop the outcome.
pub fn release_at_exit(outcome: Outcome) {
    std::mem::forget(outcome);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::InputFormat;

    /// The engine carries the observed partition of kcat `-J` input and per-window counts to the
    /// outcome, keyed by the distribution's key order.
    #[test]
    fn facets_reach_the_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.json");
        let line = |key: &str, p: u32, ts: i64| {
            format!(
                r#"{{"key":"{key}","payload":"x","partition":{p},"ts":{ts},"tstype":"create"}}"#
            )
        };
        let dump = [
            line("a", 1, 1_000),
            line("a", 1, 1_500),
            line("a", 2, 61_000),
            line("b", 0, 2_000),
        ]
        .join("\n");
        std::fs::write(&path, dump).unwrap();
        let settings = RunSettings {
            inputs: vec![path.to_string_lossy().into_owned()],
            ingest: IngestOptions {
                format: InputFormat::KcatJson,
                threads: 2,
                ..IngestOptions::default()
            },
            strategies: vec![KeyStrategy::as_read("key")],
            partitioners: vec![Partitioner::Java],
            counts: vec![PartitionCount::new(3).unwrap()],
            stats: StatsSettings::default(),
            max_keys: 10,
            top: 5,
            facets: FacetsSpec {
                window_ms: Some(60_000),
                observed_partitions: true,
                ..FacetsSpec::default()
            },
        };
        let outcome = run(&settings).unwrap();
        let dist = outcome.distribution.as_ref().unwrap();
        assert_eq!(&dist.keys()[0], b"a");
        assert_eq!(
            outcome.facets.observed.unwrap().cells,
            vec![(0, 1, 2), (0, 2, 1), (1, 0, 1)]
        );
        assert_eq!(
            outcome.facets.windows.unwrap().cells,
            vec![(0, 0, 2), (0, 60_000, 1), (1, 0, 1)]
        );
        assert!(outcome.facets.entities.is_none());
    }
}
