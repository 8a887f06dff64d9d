//! The report of `keyplan analyze`: per-scenario loads, metrics and statistics, and the heavy keys.
//!
//! All numbers come from the engine's [`Outcome`]; this module only arranges them. The JSON field
//! names are the public contract (`schema` = [`ANALYSIS_SCHEMA`]): extend, never rename.

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::keys::{self, KeyLabel};
use super::table::{Align, Table};
use super::{group_digits, percent, Provenance};
use crate::analysis::{LoadMetrics, ScenarioStats};
use crate::engine::{Exactness, Outcome};
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
        }
    }
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
    /// How the report was made: keyplan version, inputs, settings that change results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
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
            approximate,
            provenance: Some(provenance),
        }
    }

    /// The report as a document for the text and Markdown writers.
    pub fn document(&self) -> Document {
        let mut doc = Document::new("Key distribution analysis");
        doc.push(Block::Summary(self.summary()));
        let note = self.approximation_note();
        if !note.is_empty() {
            doc.push(Block::Callout(note));
        }
        let rejections = self.rejection_notes();
        if !rejections.is_empty() {
            doc.push(Block::Notes(rejections));
        }
        doc.table("Partition counts", self.scenario_table());
        let notes = self.notes();
        if !notes.is_empty() {
            doc.push(Block::Bullets(notes));
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
                "{} events, {} distinct keys; the top key carries {} of events",
                group_digits(self.events),
                group_digits(self.distinct_keys),
                percent(self.top_key_share)
            ),
            Some(a) => format!(
                "{} events, ~{} distinct keys (approximate, +-{} standard error); the top key carries \
                 at most {} of events (approximate)",
                group_digits(self.events),
                group_digits(self.distinct_keys),
                percent(a.distinct_keys_rse),
                percent(self.top_key_share)
            ),
        };
        if let Some(bytes) = self.total_bytes {
            text.push_str(&format!("; {} payload bytes", group_digits(bytes)));
        }
        if let (Some(first), Some(last)) = (self.first_event_ms, self.last_event_ms) {
            let span = (last as f64 - first as f64) / 1000.0;
            text.push_str(&format!("; events span {span:.3} s"));
        }
        text
    }

    /// In bounded-memory mode, what is exact and what is approximate; empty otherwise.
    fn approximation_note(&self) -> String {
        match &self.approximate {
            None => String::new(),
            Some(a) => format!(
                "Bounded-memory mode: {}. Partition loads and their metrics are exact; distinct keys \
                 are a HyperLogLog estimate; top-key counts are upper bounds, each at most {} above \
                 the true count, so top_key_share and hot_key_floor are upper bounds too.",
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
                "worse: skew above the 95th percentile of random placement of the same keys; \
                 this hash is unlucky for this key set at that count"
                    .to_string(),
            );
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
                "note: {} refuses {} distinct keys, {} events ({} of events){rule}; they are left \
                 out of its loads and metrics",
                s.partitioner,
                group_digits(s.rejected_keys),
                group_digits(s.rejected_events),
                percent(s.rejected_events as f64 / self.events.max(1) as f64)
            ));
        }
        out
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
            ("cv", Align::Right),
            ("gini", Align::Right),
            ("effective_parallelism", Align::Right),
            ("hot_key_floor", Align::Right),
            ("empty_partitions", Align::Right),
        ];
        if with_bytes {
            headers.push(("max_bytes_share", Align::Right));
            headers.push(("bytes_skew", Align::Right));
        }
        let mut t = Table::new(&headers);
        for s in &self.scenarios {
            let m = &s.metrics;
            let mut row = vec![
                s.partitioner.clone(),
                s.partitions.to_string(),
                format!("{:.4}", m.max_share),
                format!("{:.3}", m.skew),
                format!(
                    "{:.3}-{:.3}{}",
                    s.stats.skew_ci[0],
                    s.stats.skew_ci[1],
                    if s.stats.sample_too_small { " *" } else { "" }
                ),
                s.stats
                    .expected_skew_random_p95
                    .map_or_else(|| "-".to_string(), |v| format!("{v:.3}")),
                match s.stats.worse_than_random {
                    Some(true) => "worse",
                    Some(false) => "typical",
                    None => "-",
                }
                .to_string(),
                format!("{:.3}", m.cv),
                format!("{:.3}", m.gini),
                format!("{:.2}", m.effective_parallelism),
                format!("{:.2}", m.hot_key_floor),
                m.empty_partitions.to_string(),
            ];
            if with_bytes {
                row.push(
                    s.max_bytes_share
                        .map_or(String::new(), |v| format!("{v:.4}")),
                );
                row.push(s.bytes_skew.map_or(String::new(), |v| format!("{v:.3}")));
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
            }
            t.push(row);
        }
        t
    }
}
