//! The report of `keyplan analyze`: per-scenario loads, metrics and statistics, and the heavy keys.
//!
//! All numbers come from the engine's [`Outcome`]; this module only arranges them. The JSON field
//! names are the public contract (`schema` = [`ANALYSIS_SCHEMA`]): extend, never rename.

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::keys::{self, KeyLabel};
use super::table::{Align, Table};
use super::{group_digits, percent, plural, Provenance};
use crate::analysis::capacity::{self, ByteLoad, Capacity, Targets};
use crate::analysis::concentration;
use crate::analysis::ordering::{KeyVsEntity, OrderingCost};
use crate::analysis::placeholder::is_placeholder;
use crate::analysis::stats::IntervalMethod;
use crate::analysis::strategy::SplitSummary;
use crate::analysis::time::TimeProfile;
use crate::analysis::{LoadMetrics, Scenario, ScenarioStats};
use crate::engine::{Exactness, OrderingOutcome, Outcome};
use crate::model::KeyStrategy;
use crate::partitioner::Partitioner;

/// Schema id of `analyze --format json`.
pub const ANALYSIS_SCHEMA: &str = "keyplan.analysis/v1";

/// One heavy key of the sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopKey {
    /// The key as text: exact when it is valid UTF-8, otherwise with `\xNN` escapes for invalid bytes;
    /// `<key #R>` when keys are redacted.
    pub key: String,
    /// The key's exact bytes in lower-case hex (absent when keys are redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
    /// Events carried by the key. In bounded-memory mode, an upper bound (see `max_error`).
    pub events: u64,
    /// `events / total events`.
    pub share: f64,
    /// Bounded-memory mode only: `events` overestimates the key's true count by at most this, so the
    /// key has at least `events - max_error` events. Absent when counts are exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_error: Option<u64>,
    /// Bounded-memory mode only: true when the key is certainly among the listed heaviest keys (its
    /// lower bound, `events - max_error`, is at least the upper bound of every key not listed). The
    /// list is ranked by upper bound, so a key marked false may be outranked by one left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certain: Option<bool>,
    /// True when the key is a placeholder spelling (`NA`, `null`, empty, `-`, `0`, ...): usually
    /// missing data or an absent key, not an entity. Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
}

/// The confidence interval a report uses, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalNote {
    /// `key-clustered` or `multinomial`.
    pub method: String,
    /// Why this interval, and what it assumes.
    pub reason: String,
}

impl IntervalNote {
    fn new(method: IntervalMethod, bounded: bool) -> IntervalNote {
        let reason = match (method, bounded) {
            (_, true) => "bounded-memory mode keeps no per-key weights, so the interval treats events \
                as independent draws (multinomial, Clopper-Pearson with Bonferroni over partitions); \
                it is too narrow when a key's events come in bursts",
            (IntervalMethod::KeyClustered, false) => "keys are the sampling units (a cluster-robust, \
                bootstrap-over-keys variance with Bonferroni over partitions): it stays valid when a \
                key's events arrive in bursts, as in real traffic, and when the weight column is not \
                an event count",
            (IntervalMethod::Multinomial, false) => "asked for with --interval multinomial: events are \
                independent draws (Clopper-Pearson with Bonferroni over partitions); conservative for \
                truly independent events, too narrow when a key's events come in bursts",
        };
        IntervalNote {
            method: if bounded {
                "multinomial"
            } else {
                method.name()
            }
            .to_string(),
            reason: reason.to_string(),
        }
    }
}

/// One of the heaviest keys on a scenario's hottest partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HotPartitionKey {
    /// The key as text (see [`TopKey::key`]); `<key #R>` when keys are redacted, R its rank in the
    /// whole sample.
    pub key: String,
    /// The key's exact bytes in lower-case hex (absent when keys are redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
    /// Events of the key (an upper bound in bounded-memory mode).
    pub events: u64,
    /// `events / events on the hottest partition`: how much of that partition the key makes.
    pub share_of_partition: f64,
    /// True for placeholder spellings (see [`TopKey::placeholder`]). Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
}

impl TopKey {
    pub(crate) fn new(key: &[u8], rank: usize, events: u64, total: u64, redact: bool) -> TopKey {
        let label = KeyLabel::new(key, rank, redact);
        TopKey {
            key: label.text,
            key_hex: label.hex,
            events,
            share: events as f64 / total.max(1) as f64,
            max_error: None,
            certain: None,
            placeholder: is_placeholder(key),
        }
    }
}

/// The heaviest keys on `scenario`'s hottest partition as reports list them; `redact` hides key names.
pub(crate) fn hot_partition_keys(scenario: &Scenario, redact: bool) -> Vec<HotPartitionKey> {
    scenario
        .hot_keys
        .iter()
        .map(|k| {
            let label = KeyLabel::new(&k.key, k.rank, redact);
            HotPartitionKey {
                key: label.text,
                key_hex: label.hex,
                events: k.events,
                share_of_partition: k.events as f64
                    / scenario.metrics.max_partition_events.max(1) as f64,
                placeholder: is_placeholder(&k.key),
            }
        })
        .collect()
}

/// The key concentration curve of an exact outcome (empty in bounded mode, which keeps no per-key
/// counts): see [`crate::analysis::concentration`].
pub(crate) fn key_concentration(outcome: &Outcome) -> Vec<[f64; 2]> {
    outcome.distribution.as_ref().map_or_else(Vec::new, |d| {
        concentration::concentration_curve(d.weights(), concentration::CONCENTRATION_POINTS)
    })
}

/// How a bounded-memory report is approximate (`analyze --max-keys`). Absent from exact reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Approximation {
    /// Always `bounded`.
    pub mode: String,
    /// Why the analysis left exact counting.
    pub reason: String,
    /// The distinct-key limit of exact counting (`--max-keys`).
    pub max_keys: u64,
    /// HyperLogLog estimate of the distinct keys (also in `distinct_keys`).
    pub distinct_keys_estimate: u64,
    /// Relative standard error of that estimate (`1.04 / sqrt(registers)`).
    pub distinct_keys_rse: f64,
    /// Every `top_keys[].events` overestimates its key by at most this, and any key the heavy-hitter
    /// summary does not hold has at most this many events. `top_key_share` and `hot_key_floor` are
    /// therefore upper bounds.
    pub top_keys_max_error: u64,
    /// Counters in the heavy-hitter (Space-Saving) summary.
    pub top_keys_capacity: u64,
}

/// One ordering entity under one scenario (`--order-by`; README, "Ordering").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderingReport {
    /// The entity's columns, comma-separated (`order_id`, `tenant,order_id`).
    pub entity: String,
    /// Distinct entities (events with an empty value have none).
    pub entities: u64,
    /// Entities whose events land on more than one partition in this scenario.
    pub entities_split: u64,
    /// Events of the split entities: their order is no longer guaranteed.
    pub events_at_risk: u64,
    /// `events_at_risk / events`.
    pub events_at_risk_share: f64,
    /// Events whose entity value is empty: not an entity, never split.
    pub events_without_entity: u64,
    /// `same` (one key per entity and one entity per key), `coarser` (every entity carries one
    /// key: never split) or `finer` (some entity carries several keys: splits when they land apart).
    pub key_vs_entity: KeyVsEntity,
    /// Keys that hold more than one entity.
    pub keys_with_several_entities: u64,
    /// Entities whose events carry more than one key.
    pub entities_with_several_keys: u64,
    /// Events of those entities.
    pub events_of_entities_with_several_keys: u64,
}

impl OrderingReport {
    /// The entry of one scenario's cost, with the run's entity summary.
    pub fn new(o: &OrderingOutcome, cost: OrderingCost, events: u64) -> OrderingReport {
        let s = &o.summary;
        OrderingReport {
            entity: o.entity.clone(),
            entities: s.entities,
            entities_split: cost.entities_split,
            events_at_risk: cost.events_at_risk,
            events_at_risk_share: cost.events_at_risk as f64 / events.max(1) as f64,
            events_without_entity: s.events_without_entity,
            key_vs_entity: s.key_vs_entity,
            keys_with_several_entities: s.keys_with_several_entities,
            entities_with_several_keys: s.entities_with_several_keys,
            events_of_entities_with_several_keys: s.events_of_entities_with_several_keys,
        }
    }

    /// One line on how the key relates to the entity, with the counts behind it.
    pub fn relation_text(&self) -> String {
        let what = match self.key_vs_entity {
            KeyVsEntity::Same => "the key is the ordering entity (one key per entity): never split",
            KeyVsEntity::Coarser => {
                "the key is coarser than the ordering entity (every entity's events carry one \
                 key): safe at every partition count"
            }
            KeyVsEntity::Finer => {
                "the key is finer than the ordering entity (some entity's events carry several \
                 keys): those entities split when their keys land on different partitions"
            }
        };
        format!(
            "ordering by {}: {} entities; {what} ({} keys hold several entities, {} entities with \
             {} events carry several keys); {} events have no entity",
            self.entity,
            group_digits(self.entities),
            group_digits(self.keys_with_several_entities),
            group_digits(self.entities_with_several_keys),
            group_digits(self.events_of_entities_with_several_keys),
            group_digits(self.events_without_entity)
        )
    }
}

/// What a salting or splitting key strategy did (absent for the key as read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyReport {
    /// The strategy as written (`salt(customer, 8, by=order_id)`).
    pub key: String,
    /// `salt` or `split-hot`.
    pub kind: String,
    /// How each event's sub-key is chosen: `murmur2(by=COLUMN)` or `round-robin`.
    pub bucket: String,
    /// Base keys spread over more than one sub-key (null when the sample was too large to count
    /// keys exactly).
    pub split_keys: Option<u64>,
    /// Events of those keys (null likewise).
    pub split_events: Option<u64>,
    /// The most sub-keys one key is spread over.
    pub ways: u32,
    /// The consumer-side cost: a split key's aggregates need a merge over up to `ways` partitions.
    pub consumer_cost: String,
}

impl StrategyReport {
    /// The report of `strategy` and what it did, `None` for the key as read.
    pub fn new(key: &str, strategy: &KeyStrategy, split: SplitSummary) -> Option<StrategyReport> {
        let (kind, by) = match strategy {
            KeyStrategy::AsRead { .. } => return None,
            KeyStrategy::Salt { by, .. } => ("salt", by),
            KeyStrategy::SplitHot { by, .. } => ("split-hot", by),
        };
        Some(StrategyReport {
            key: key.to_string(),
            kind: kind.to_string(),
            bucket: by
                .as_ref()
                .map_or("round-robin".to_string(), |b| format!("murmur2(by={b})")),
            split_keys: split.counted.then_some(split.split_keys),
            split_events: split.counted.then_some(split.split_events),
            ways: ways(strategy),
            consumer_cost: consumer_cost(split, ways(strategy)),
        })
    }
}

/// The bucket count of a salting or splitting strategy (0 for the key as read).
fn ways(strategy: &KeyStrategy) -> u32 {
    match strategy {
        KeyStrategy::AsRead { .. } => 0,
        KeyStrategy::Salt { buckets, .. } => *buckets,
        KeyStrategy::SplitHot { ways, .. } => *ways,
    }
}

/// The consumer-side cost of a split, in words.
pub fn consumer_cost(split: SplitSummary, ways: u32) -> String {
    let which = if split.counted {
        format!(
            "{} keys ({} events) are",
            group_digits(split.split_keys),
            group_digits(split.split_events)
        )
    } else {
        "keys (not counted: the sample had too many distinct keys) are".to_string()
    };
    format!(
        "{which} spread over up to {ways} sub-keys each: a consumer that aggregates per key must \
         merge the partial aggregates of up to {ways} partitions (a second keyed stage, or a merge \
         on read), and per-key order holds only within a sub-key"
    )
}

/// One partitioner at one partition count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioReport {
    /// Partitioner id (`--partitioner`).
    pub partitioner: String,
    /// Partition count.
    pub partitions: u32,
    /// Events per partition index `0..partitions`.
    pub partition_events: Vec<u64>,
    /// Events whose key this client refuses (Kinesis: not 1..=256 code points of UTF-8). They are on
    /// no partition and not in the metrics; 0 for clients that accept every key.
    #[serde(default)]
    pub rejected_events: u64,
    /// Distinct keys this client refuses.
    #[serde(default)]
    pub rejected_keys: u64,
    /// Load metrics (formulas in the README and `analysis::skew`).
    #[serde(flatten)]
    pub metrics: LoadMetrics,
    /// Confidence interval and random-placement expectation (README, "Statistics").
    #[serde(flatten)]
    pub stats: ScenarioStats,
    /// Payload bytes per partition index (only when the input has sizes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_bytes: Option<Vec<u64>>,
    /// Share of all payload bytes on the partition with the most bytes (only with sizes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes_share: Option<f64>,
    /// Peak-to-mean ratio of the per-partition bytes (only with sizes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_skew: Option<f64>,
    /// The heaviest keys on the hottest partition (`hottest_partition`), heaviest first: what makes
    /// it hot. Keys a client places at random are on no single partition and never listed.
    #[serde(default)]
    pub hot_partition_keys: Vec<HotPartitionKey>,
    /// Capacity figures, only with `--peak-rate` and `--consumer-rate` (README, "Planning
    /// capacity"); absent otherwise, so the JSON without those flags is unchanged.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// Per-window figures, only with `--time-col` (README, "Time windows, lag and replay").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeProfile>,
    /// Per ordering entity (`--order-by`): entities split and events at risk (README,
    /// "Ordering"). Absent without `--order-by`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ordering: Vec<OrderingReport>,
}

/// The result of `keyplan analyze`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisReport {
    /// Always [`ANALYSIS_SCHEMA`].
    pub schema: String,
    /// Total events (the sum of weights).
    pub events: u64,
    /// Distinct keys.
    pub distinct_keys: u64,
    /// Share of events on the heaviest key.
    pub top_key_share: f64,
    /// Total payload bytes (only when the input has sizes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_bytes: Option<u64>,
    /// Earliest event time, in milliseconds since the Unix epoch (only with a time column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_event_ms: Option<i64>,
    /// Latest event time, in milliseconds since the Unix epoch (only with a time column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event_ms: Option<i64>,
    /// The heaviest keys, heaviest first (ties by key bytes).
    pub top_keys: Vec<TopKey>,
    /// One entry per partitioner and partition count.
    pub scenarios: Vec<ScenarioReport>,
    /// Present when the sample had too many distinct keys to count exactly: which numbers are
    /// approximate and how much. Partition loads and their metrics stay exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate: Option<Approximation>,
    /// Warnings about the input that change how to read the numbers (e.g. a count-like column that
    /// was not used as the weight), each naming the flag that changes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_notes: Vec<String>,
    /// Which confidence interval the scenarios' `max_share_ci` and `skew_ci` are, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntervalNote>,
    /// How the report was made: keyplan version, inputs, settings that change results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Key concentration curve, `[share of keys, share of events]` with the heaviest keys first, at
    /// most 201 points (README, "Charts"; `analysis::concentration`). Absent in bounded-memory mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_concentration: Vec<[f64; 2]>,
    /// The capacity targets of `--peak-rate`/`--consumer-rate` (set with the scenarios' capacity
    /// figures); absent without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Targets>,
    /// The salting or splitting strategy of `--key` and what it did; absent for a plain key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Box<StrategyReport>>,
}

impl AnalysisReport {
    /// Builds the report of an engine outcome; `redact` hides key names.
    pub fn new(outcome: &Outcome, redact: bool, provenance: Provenance) -> AnalysisReport {
        let analysis = &outcome.analysis;
        let top_keys = outcome
            .top_keys
            .iter()
            .enumerate()
            .map(|(rank, k)| TopKey {
                max_error: k.max_error,
                certain: k.certain,
                ..TopKey::new(&k.key, rank + 1, k.events, analysis.events, redact)
            })
            .collect();
        let approximate = match &outcome.exactness {
            Exactness::Exact => None,
            Exactness::Bounded(b) => Some(Approximation {
                mode: "bounded".to_string(),
                reason: format!(
                    "the sample has more than {} distinct keys (the --max-keys limit)",
                    b.max_keys
                ),
                max_keys: b.max_keys,
                distinct_keys_estimate: analysis.distinct_keys as u64,
                distinct_keys_rse: b.distinct_keys_rse,
                top_keys_max_error: b.top_keys_max_error,
                top_keys_capacity: b.top_keys_capacity,
            }),
        };
        let scenarios = analysis
            .scenarios
            .iter()
            .map(|s| ScenarioReport {
                partitioner: s.partitioner.id().to_string(),
                partitions: s.partitions.get(),
                partition_events: s.loads.clone(),
                rejected_events: s.rejected_events,
                rejected_keys: s.rejected_keys,
                metrics: s.metrics.clone(),
                stats: s.stats.clone(),
                partition_bytes: s.byte_loads.clone(),
                max_bytes_share: s.byte_metrics.as_ref().map(|m| m.max_share),
                bytes_skew: s.byte_metrics.as_ref().map(|m| m.skew),
                hot_partition_keys: hot_partition_keys(s, redact),
                capacity: None,
                time: None,
                ordering: match (&outcome.ordering, s.ordering) {
                    (Some(o), Some(cost)) => vec![OrderingReport::new(o, cost, analysis.events)],
                    _ => Vec::new(),
                },
            })
            .collect();
        AnalysisReport {
            schema: ANALYSIS_SCHEMA.to_string(),
            events: analysis.events,
            distinct_keys: analysis.distinct_keys as u64,
            top_key_share: outcome.top_key_share,
            total_bytes: outcome.total_bytes,
            first_event_ms: outcome.time_range.map(|r| r.0),
            last_event_ms: outcome.time_range.map(|r| r.1),
            top_keys,
            scenarios,
            input_notes: outcome.read.notes.clone(),
            interval: Some(IntervalNote::new(
                outcome.interval,
                matches!(outcome.exactness, Exactness::Bounded(_)),
            )),
            approximate,
            provenance: Some(provenance),
            key_concentration: key_concentration(outcome),
            targets: None,
            strategy: None,
        }
    }

    /// Records the key strategy of the run and what it did (`None` for a plain key).
    pub fn set_strategy(&mut self, strategy: &KeyStrategy, split: SplitSummary) {
        self.strategy = StrategyReport::new(strategy.name(), strategy, split).map(Box::new);
    }

    /// Adds the capacity figures of every scenario for `targets` (`analyze --peak-rate ...`). Byte
    /// figures use the sample's sizes when it has them, otherwise `targets.mean_event_bytes`.
    pub fn add_capacity(&mut self, targets: &Targets) {
        self.targets = Some(targets.clone());
        let mean_bytes = self
            .total_bytes
            .filter(|_| self.events > 0)
            .map(|b| b as f64 / self.events as f64);
        for s in &mut self.scenarios {
            let bytes = match (s.max_bytes_share, mean_bytes) {
                (Some(share), Some(mean)) => Some(ByteLoad {
                    max_bytes_share: share,
                    mean_event_bytes: mean,
                    measured: true,
                }),
                _ => targets.mean_event_bytes.map(|mean| ByteLoad {
                    max_bytes_share: s.metrics.max_share,
                    mean_event_bytes: mean,
                    measured: false,
                }),
            };
            s.capacity = Some(capacity::capacity(
                s.metrics.max_share,
                s.stats.max_share_ci[1],
                bytes,
                targets,
            ));
        }
    }

    /// Adds each scenario's time profile (in scenario order, see [`crate::engine::time_profiles`]).
    pub fn add_time(&mut self, profiles: Vec<Option<TimeProfile>>) {
        for (s, t) in self.scenarios.iter_mut().zip(profiles) {
            s.time = t;
        }
    }

    /// Per scenario, the busiest window of each partition, the burst factor and the lag simulation.
    pub fn time_table(&self) -> Table {
        let with_lag = self
            .scenarios
            .iter()
            .any(|s| s.time.as_ref().is_some_and(|t| t.lag.is_some()));
        let mut headers = vec![
            ("partitioner", Align::Left),
            ("partitions", Align::Right),
            ("window_s", Align::Right),
            ("windows", Align::Right),
            ("peak_partition", Align::Right),
            ("peak_window_events", Align::Right),
            ("peak_events_per_s", Align::Right),
            ("burst_factor", Align::Right),
        ];
        if with_lag {
            headers.extend([
                ("max_lag_events", Align::Right),
                ("max_lag_s", Align::Right),
                ("lag_partition", Align::Right),
                ("drain_s", Align::Right),
            ]);
        }
        let mut t = Table::new(&headers);
        for s in &self.scenarios {
            let Some(tp) = &s.time else { continue };
            let mut row = vec![
                s.partitioner.clone(),
                s.partitions.to_string(),
                significant(tp.window_seconds),
                tp.windows.to_string(),
                tp.peak_partition.to_string(),
                tp.max_peak_window_events.to_string(),
                significant(tp.peak_window_events_per_sec),
                tp.burst_factor
                    .map_or_else(|| "-".to_string(), |b| format!("{b:.2}")),
            ];
            if with_lag {
                match &tp.lag {
                    Some(l) => row.extend([
                        format!("{:.0}", l.max_lag_events),
                        format!("{:.1}", l.max_lag_seconds),
                        l.partition
                            .map_or_else(|| "-".to_string(), |p| p.to_string()),
                        l.drain_seconds
                            .map_or_else(|| "never".to_string(), |d| format!("{d:.1}")),
                    ]),
                    None => row.extend(std::iter::repeat_n(String::new(), 4)),
                }
            }
            t.push(row);
        }
        t
    }

    /// The report as a document for the text and Markdown writers.
    pub fn document(&self) -> Document {
        let mut doc = Document::new("Key distribution analysis");
        doc.push(Block::Summary(self.summary()));
        if !self.input_notes.is_empty() {
            let notes = self.input_notes.iter().map(|n| format!("warning: {n}"));
            doc.push(Block::Notes(notes.collect()));
        }
        let note = self.approximation_note();
        if !note.is_empty() {
            doc.push(Block::Callout(note));
        }
        let rejections = self.rejection_notes();
        if !rejections.is_empty() {
            doc.push(Block::Notes(rejections));
        }
        if let Some(st) = &self.strategy {
            doc.push(Block::Notes(vec![format!(
                "key strategy {} ({}): {}",
                st.key, st.bucket, st.consumer_cost
            )]));
        }
        if let Some(o) = self.scenarios.iter().find_map(|s| s.ordering.first()) {
            doc.push(Block::Notes(vec![o.relation_text()]));
        }
        doc.table("Partition counts", self.scenario_table());
        let notes = self.notes();
        if !notes.is_empty() {
            doc.push(Block::Bullets(notes));
        }
        if self.scenarios.iter().any(|s| s.time.is_some()) {
            doc.table("Time windows", self.time_table());
            doc.push(Block::Bullets(self.time_notes()));
        }
        if self
            .scenarios
            .iter()
            .any(|s| !s.hot_partition_keys.is_empty())
        {
            doc.table("Hottest partition", self.hot_partition_table());
        }
        let placeholders = self.placeholder_notes();
        if !placeholders.is_empty() {
            doc.push(Block::Notes(placeholders));
        }
        if !self.top_keys.is_empty() {
            let heading = if self.approximate.is_some() {
                "Top keys (approximate)"
            } else {
                "Top keys"
            };
            doc.table(heading, self.top_key_table());
        }
        doc
    }

    fn summary(&self) -> String {
        let mut text = match &self.approximate {
            None => format!(
                "{}, {}; the top key carries {} of events",
                plural(self.events, "event", "events"),
                plural(self.distinct_keys, "distinct key", "distinct keys"),
                percent(self.top_key_share)
            ),
            Some(a) => format!(
                "{}, ~{} (approximate, +-{} standard error); the top key carries \
                 at most {} of events (approximate)",
                plural(self.events, "event", "events"),
                plural(self.distinct_keys, "distinct key", "distinct keys"),
                percent(a.distinct_keys_rse),
                percent(self.top_key_share)
            ),
        };
        if let Some(bytes) = self.total_bytes {
            text.push_str(&format!("; {} payload bytes", group_digits(bytes)));
        }
        if let (Some(first), Some(last)) = (self.first_event_ms, self.last_event_ms) {
            text.push_str(&format!("; {}", time_span(first, last, self.events)));
        }
        text
    }

    /// What the time table's columns mean.
    fn time_notes(&self) -> Vec<String> {
        let mut notes = vec![
            "peak_window_events: the most events any one partition got in one window (on \
             peak_partition); burst_factor: that window over the mean window of the same partition \
             (its events / windows, empty windows included)"
                .to_string(),
        ];
        if let Some(l) = self
            .scenarios
            .iter()
            .find_map(|s| s.time.as_ref().and_then(|t| t.lag.as_ref()))
        {
            notes.push(format!(
                "lag: every window scaled by {:.4} so the topic's busiest window ({} events/s \
                 observed) arrives at --peak-rate, then lag_w = max(0, lag_(w-1) + arrivals_w - \
                 {} per window) per partition; max_lag_s = max_lag_events / --consumer-rate; drain_s: \
                 from the end of the worst window until that partition's lag is 0 again (never: it \
                 outlives the sample at a mean rate above the consumer's)",
                l.scale,
                significant(l.observed_peak_events_per_sec),
                significant(l.consumer_events_per_window),
            ));
        }
        notes
    }

    /// In bounded-memory mode, what is exact and what is approximate; empty otherwise.
    fn approximation_note(&self) -> String {
        match &self.approximate {
            None => String::new(),
            Some(a) => format!(
                "Bounded-memory mode: {}. Partition loads and their metrics are exact; distinct keys \
                 are a HyperLogLog estimate; top-key counts are upper bounds, each at most {} above \
                 the true count, so top_key_share and hot_key_floor are upper bounds too. Top keys are \
                 ranked by their upper bound: only those marked certainly_top (lower bound at least \
                 every unlisted key's upper bound) are sure to belong in the list.",
                a.reason,
                group_digits(a.top_keys_max_error)
            ),
        }
    }

    /// Notes under the comparison table, explaining markers that appear in it.
    fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.scenarios.iter().any(|s| s.stats.sample_too_small) {
            notes.push(
                "* sample too small: the skew's 95% interval is wider than +-10%; collect more events"
                    .to_string(),
            );
        }
        if self
            .scenarios
            .iter()
            .any(|s| s.stats.worse_than_random == Some(true))
        {
            notes.push(
                "worse: skew above the 95th percentile of random placement of the same keys (by more than 2 standard errors); \
                 this hash is unlucky for this key set at that count"
                    .to_string(),
            );
        }
        if let Some(limit) = self
            .scenarios
            .iter()
            .find_map(|s| s.stats.random_trials_limit)
        {
            notes.push(format!(
                "random placement: a sweep over more than {} partition counts runs at most {limit} \
                 Monte Carlo trials per count (random_trials in JSON), so its p95 is less precise; \
                 worse allows for that standard error. --trials N runs every count in full",
                crate::analysis::stats::WIDE
            ));
        }
        notes
    }

    /// One line per partitioner that refuses keys of this sample, so they are never silently dropped.
    fn rejection_notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for s in self.scenarios.iter().filter(|s| s.rejected_keys > 0) {
            if seen.contains(&&s.partitioner) {
                continue; // the same keys are refused at every partition count
            }
            seen.push(&s.partitioner);
            // The listed ids are always valid; the rule text is only a courtesy.
            let rule = Partitioner::from_id(&s.partitioner)
                .and_then(|p| p.behaviour().accepts)
                .map(|r| format!(": {}", r.rule))
                .unwrap_or_default();
            out.push(format!(
                "note: {} refuses {}, {} ({} of events){rule}; they are left out of its loads \
                 and metrics",
                s.partitioner,
                plural(s.rejected_keys, "distinct key", "distinct keys"),
                plural(s.rejected_events, "event", "events"),
                percent(s.rejected_events as f64 / self.events.max(1) as f64)
            ));
        }
        out
    }

    /// Per scenario, the hottest partition and the keys that make it hot, with their share of it.
    pub fn hot_partition_table(&self) -> Table {
        let mut t = Table::new(&[
            ("partitioner", Align::Left),
            ("partitions", Align::Right),
            ("hottest", Align::Right),
            ("events", Align::Right),
            ("heaviest keys there (share of the partition)", Align::Left),
        ]);
        for s in &self.scenarios {
            let keys: Vec<String> = s
                .hot_partition_keys
                .iter()
                .take(3)
                .map(|k| {
                    let mark = if k.placeholder { " [placeholder]" } else { "" };
                    format!(
                        "{} {}{mark}",
                        keys::printable(&k.key),
                        percent(k.share_of_partition)
                    )
                })
                .collect();
            t.push(vec![
                s.partitioner.clone(),
                s.partitions.to_string(),
                s.metrics.hottest_partition.to_string(),
                s.metrics.max_partition_events.to_string(),
                keys.join(", "),
            ]);
        }
        t
    }

    /// One note per heavy placeholder key: it is probably missing data, not an entity.
    fn placeholder_notes(&self) -> Vec<String> {
        self.top_keys
            .iter()
            .filter(|k| k.placeholder)
            .map(|k| {
                format!(
                    "placeholder key {} carries {} of events: usually a missing or default value, not \
                     an entity; check the producer before sizing for it",
                    keys::printable(&k.key),
                    percent(k.share)
                )
            })
            .collect()
    }

    /// The comparison table for spreadsheets and data frames: one value per cell, full precision,
    /// interval ends in their own columns, flags as `true`/`false`, missing values empty.
    pub fn scenario_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut header = vec![
            "partitioner",
            "partitions",
            "events",
            "max_partition_events",
            "hottest_partition",
            "max_share",
            "max_share_ci_low",
            "max_share_ci_high",
            "skew",
            "skew_ci_low",
            "skew_ci_high",
            "sample_too_small",
            "expected_skew_random",
            "expected_skew_random_p95",
            "worse_than_random",
            "cv",
            "gini",
            "effective_parallelism",
            "hot_key_floor",
            "empty_partitions",
            "rejected_events",
            "rejected_keys",
        ];
        let with_bytes = self.total_bytes.is_some();
        if with_bytes {
            header.extend(["max_bytes_share", "bytes_skew"]);
        }
        let with_ordering = self.scenarios.iter().any(|s| !s.ordering.is_empty());
        if with_ordering {
            header.extend(["entities", "entities_split", "events_at_risk"]);
        }
        let with_time = self.scenarios.iter().any(|s| s.time.is_some());
        if with_time {
            header.extend([
                "window_seconds",
                "max_peak_window_events",
                "peak_partition",
                "burst_factor",
                "max_lag_events",
                "max_lag_seconds",
            ]);
        }
        w.write_record(&header)
            .expect("writing to memory cannot fail");
        let opt = |v: Option<f64>| {
            v.filter(|v| !v.is_nan())
                .map_or(String::new(), |v| v.to_string())
        };
        let val = |v: f64| opt(Some(v));
        for s in &self.scenarios {
            let (m, st) = (&s.metrics, &s.stats);
            let mut row = vec![
                s.partitioner.clone(),
                s.partitions.to_string(),
                s.partition_events.iter().sum::<u64>().to_string(),
                m.max_partition_events.to_string(),
                m.hottest_partition.to_string(),
                val(m.max_share),
                val(st.max_share_ci[0]),
                val(st.max_share_ci[1]),
                val(m.skew),
                val(st.skew_ci[0]),
                val(st.skew_ci[1]),
                st.sample_too_small.to_string(),
                opt(st.expected_skew_random),
                opt(st.expected_skew_random_p95),
                st.worse_than_random
                    .map_or(String::new(), |b| b.to_string()),
                val(m.cv),
                val(m.gini),
                val(m.effective_parallelism),
                val(m.hot_key_floor),
                m.empty_partitions.to_string(),
                s.rejected_events.to_string(),
                s.rejected_keys.to_string(),
            ];
            if with_bytes {
                row.push(opt(s.max_bytes_share));
                row.push(opt(s.bytes_skew));
            }
            if with_ordering {
                match s.ordering.first() {
                    Some(o) => row.extend([
                        o.entities.to_string(),
                        o.entities_split.to_string(),
                        o.events_at_risk.to_string(),
                    ]),
                    None => row.extend([String::new(), String::new(), String::new()]),
                }
            }
            if with_time {
                match &s.time {
                    Some(t) => {
                        let lag = t.lag.as_ref();
                        row.extend([
                            val(t.window_seconds),
                            t.max_peak_window_events.to_string(),
                            t.peak_partition.to_string(),
                            opt(t.burst_factor),
                            opt(lag.map(|l| l.max_lag_events)),
                            opt(lag.map(|l| l.max_lag_seconds)),
                        ]);
                    }
                    None => row.extend(vec![String::new(); 6]),
                }
            }
            w.write_record(&row).expect("writing to memory cannot fail");
        }
        String::from_utf8(w.into_inner().expect("writing to memory cannot fail"))
            .expect("cells are strings")
    }

    /// The comparison table: one row per scenario, the same columns in every format.
    pub fn scenario_table(&self) -> Table {
        let with_bytes = self.total_bytes.is_some();
        let mut headers = vec![
            ("partitioner", Align::Left),
            ("partitions", Align::Right),
            ("max_share", Align::Right),
            ("skew", Align::Right),
            ("skew_95ci", Align::Right),
            ("random_skew_p95", Align::Right),
            ("vs_random", Align::Left),
        ];
        let with_ordering = self.scenarios.iter().any(|s| !s.ordering.is_empty());
        if with_ordering {
            headers.push(("entities_split", Align::Right));
            headers.push(("events_at_risk", Align::Right));
        }
        headers.extend([
            ("cv", Align::Right),
            ("gini", Align::Right),
            ("effective_parallelism", Align::Right),
            ("hot_key_floor", Align::Right),
            ("empty_partitions", Align::Right),
        ]);
        if with_bytes {
            headers.push(("max_bytes_share", Align::Right));
            headers.push(("bytes_skew", Align::Right));
        }
        let with_capacity = self.scenarios.iter().any(|s| s.capacity.is_some());
        if with_capacity {
            headers.push(("hot_util", Align::Right));
            headers.push(("util_at_horizon", Align::Right));
            headers.push(("util_at_horizon_upper", Align::Right));
            headers.push(("headroom", Align::Right));
            headers.push(("runway_months", Align::Right));
        }
        let with_replay = self
            .scenarios
            .iter()
            .any(|s| s.capacity.as_ref().is_some_and(|c| c.replay.is_some()));
        if with_replay {
            headers.push(("replay_h", Align::Right));
        }
        // What a 120-column terminal leaves out first: the least read and most derivable columns.
        let mut t = Table::new(&headers).optional(&[
            "gini",
            "cv",
            "empty_partitions",
            "bytes_skew",
            "max_bytes_share",
            "random_skew_p95",
            "effective_parallelism",
        ]);
        for s in &self.scenarios {
            let m = &s.metrics;
            let mut row = vec![
                s.partitioner.clone(),
                s.partitions.to_string(),
                num(m.max_share, 4),
                num(m.skew, 3),
                if s.stats.skew_ci[0].is_nan() {
                    "-".to_string()
                } else {
                    format!(
                        "{:.3}-{:.3}{}",
                        s.stats.skew_ci[0],
                        s.stats.skew_ci[1],
                        if s.stats.sample_too_small { " *" } else { "" }
                    )
                },
                s.stats
                    .expected_skew_random_p95
                    .map_or_else(|| "-".to_string(), |v| format!("{v:.3}")),
                match s.stats.worse_than_random {
                    Some(true) => "worse",
                    Some(false) => "typical",
                    None => "-",
                }
                .to_string(),
            ];
            if with_ordering {
                match s.ordering.first() {
                    Some(o) => row.extend([
                        group_digits(o.entities_split),
                        percent(o.events_at_risk_share),
                    ]),
                    None => row.extend([String::new(), String::new()]),
                }
            }
            row.extend([
                num(m.cv, 3),
                num(m.gini, 3),
                num(m.effective_parallelism, 2),
                num(m.hot_key_floor, 2),
                m.empty_partitions.to_string(),
            ]);
            if with_bytes {
                row.push(
                    s.max_bytes_share
                        .map_or(String::new(), |v| format!("{v:.4}")),
                );
                row.push(s.bytes_skew.map_or(String::new(), |v| format!("{v:.3}")));
            }
            if with_capacity {
                match &s.capacity {
                    Some(c) => row.extend([
                        format!("{:.3}", c.hot_partition_utilization),
                        format!("{:.3}", c.utilization_at_horizon),
                        format!("{:.3}", c.utilization_at_horizon_upper),
                        format!("{:.3}", c.headroom),
                        c.runway_months
                            .map_or_else(|| "never".to_string(), |m| format!("{m:.1}")),
                    ]),
                    None => row.extend(std::iter::repeat_n(String::new(), 5)),
                }
            }
            if with_replay {
                row.push(
                    s.capacity
                        .as_ref()
                        .and_then(|c| c.replay.as_ref())
                        .map_or_else(String::new, |r| {
                            r.replay_hours
                                .map_or_else(|| "never".to_string(), |h| format!("{h:.2}"))
                        }),
                );
            }
            t.push(row);
        }
        t
    }

    fn top_key_table(&self) -> Table {
        let bounded = self.approximate.is_some();
        let mut headers = vec![
            ("rank", Align::Right),
            ("key", Align::Left),
            ("events", Align::Right),
            ("share", Align::Right),
        ];
        if bounded {
            headers.push(("at_least", Align::Right));
            headers.push(("certainly_top", Align::Left));
        }
        let mut t = Table::new(&headers);
        for (i, k) in self.top_keys.iter().enumerate() {
            let mut row = vec![
                (i + 1).to_string(),
                keys::printable(&k.key),
                k.events.to_string(),
                percent(k.share),
            ];
            if bounded {
                let error = k.max_error.unwrap_or(0);
                row[2] = format!("<= {}", k.events);
                row.push(k.events.saturating_sub(error).to_string());
                row.push(
                    if k.certain == Some(true) {
                        "yes"
                    } else {
                        "maybe"
                    }
                    .to_string(),
                );
            }
            t.push(row);
        }
        t
    }
}

/// `events from 2013-01-01T05:00:00Z to 2013-12-31T23:59:00Z (365.0 days), 0.0107 events/s on average`.
fn time_span(first_ms: i64, last_ms: i64, events: u64) -> String {
    let seconds = (last_ms as f64 - first_ms as f64) / 1000.0;
    let length = if seconds >= 2.0 * 86_400.0 {
        format!("{:.1} days", seconds / 86_400.0)
    } else if seconds >= 2.0 * 3_600.0 {
        format!("{:.1} hours", seconds / 3_600.0)
    } else {
        format!("{seconds:.3} s")
    };
    let rate = if seconds > 0.0 {
        format!(
            ", {} events/s on average",
            significant(events as f64 / seconds)
        )
    } else {
        String::new()
    };
    format!(
        "events from {} to {} ({length}){rate}",
        utc_text(first_ms),
        utc_text(last_ms)
    )
}

/// A rate with three significant digits, without exponent.
fn significant(x: f64) -> String {
    let digits = if x >= 100.0 {
        0
    } else {
        (2 - x.abs().log10().floor() as i32).clamp(0, 9) as usize
    };
    format!("{x:.digits$}")
}

/// Milliseconds since the Unix epoch as RFC 3339 UTC (`2024-05-01T12:00:00Z`, with `.mmm` when the
/// time has milliseconds).
pub fn utc_text(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, sec, milli) = (
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000,
    );
    let fraction = if milli > 0 {
        format!(".{milli:03}")
    } else {
        String::new()
    };
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{sec:02}{fraction}Z")
}

/// A number with `digits` decimals, or `-` when it is undefined (NaN: no hashed event).
fn num(v: f64, digits: usize) -> String {
    if v.is_nan() {
        "-".to_string()
    } else {
        format!("{v:.digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(1_714_564_800_000), "2024-05-01T12:00:00Z");
        assert_eq!(utc_text(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(utc_text(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(utc_text(1_000_123), "1970-01-01T00:16:40.123Z");
    }

    #[test]
    fn spans() {
        assert_eq!(
            time_span(0, 10_000, 5),
            "events from 1970-01-01T00:00:00Z to 1970-01-01T00:00:10Z (10.000 s), 0.500 events/s on average"
        );
        assert!(time_span(0, 0, 1).ends_with("(0.000 s)"));
        assert!(time_span(0, 864_000_000, 1).contains("(10.0 days)"));
    }
}
