//! Reports: one serializable value per command, rendered by one writer per format.
//!
//! All numbers are derived before rendering ([`AnalysisReport::new`]); writers only format. The JSON
//! field names are the public contract (`schema` = [`ANALYSIS_SCHEMA`]): extend, never rename.

pub mod keys;
pub mod table;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, LoadMetrics};
use crate::model::KeyDistribution;
use keys::KeyLabel;
use table::{Align, Table};

/// Schema id of `analyze --format json`.
pub const ANALYSIS_SCHEMA: &str = "keyplan.analysis/v1";

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned comparison table for a terminal.
    Table,
    /// The full report as JSON (`keyplan.analysis/v1`).
    Json,
    /// The comparison table as CSV, one row per scenario.
    Csv,
    /// The comparison table and top keys as Markdown.
    Markdown,
}

/// One heavy key of the sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopKey {
    /// The key as text: exact when it is valid UTF-8, otherwise with `\xNN` escapes for invalid bytes;
    /// `<key #R>` when keys are redacted.
    pub key: String,
    /// The key's exact bytes in lower-case hex (absent when keys are redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
    /// Events carried by the key.
    pub events: u64,
    /// `events / total events`.
    pub share: f64,
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
    /// Load metrics (formulas in the README and `analysis::skew`).
    #[serde(flatten)]
    pub metrics: LoadMetrics,
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
}

impl AnalysisReport {
    /// Builds the report; `top` is how many heavy keys to list, `redact` hides key names.
    pub fn new(
        analysis: &Analysis,
        dist: &KeyDistribution,
        top: usize,
        redact: bool,
    ) -> AnalysisReport {
        let total = dist.total().max(1) as f64;
        let top_keys = dist
            .keys()
            .iter()
            .zip(dist.weights())
            .take(top)
            .enumerate()
            .map(|(rank, (key, &events))| {
                let label = KeyLabel::new(key, rank + 1, redact);
                TopKey {
                    key: label.text,
                    key_hex: label.hex,
                    events,
                    share: events as f64 / total,
                }
            })
            .collect();
        let scenarios = analysis
            .scenarios
            .iter()
            .map(|s| ScenarioReport {
                partitioner: s.partitioner.id().to_string(),
                partitions: s.partitions.get(),
                partition_events: s.loads.clone(),
                metrics: s.metrics.clone(),
                partition_bytes: s.byte_loads.clone(),
                max_bytes_share: s.byte_metrics.as_ref().map(|m| m.max_share),
                bytes_skew: s.byte_metrics.as_ref().map(|m| m.skew),
            })
            .collect();
        AnalysisReport {
            schema: ANALYSIS_SCHEMA.to_string(),
            events: analysis.events,
            distinct_keys: analysis.distinct_keys as u64,
            top_key_share: dist.top_share(),
            total_bytes: dist.total_bytes(),
            first_event_ms: dist.time_range().map(|r| r.0),
            last_event_ms: dist.time_range().map(|r| r.1),
            top_keys,
            scenarios,
        }
    }

    /// Renders the report in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("report serializes");
                s.push('\n');
                s
            }
            Format::Csv => self.scenario_table().to_csv(),
            Format::Table => self.render_text(),
            Format::Markdown => self.render_markdown(),
        }
    }

    fn summary(&self) -> String {
        let mut text = format!(
            "{} events, {} distinct keys; the top key carries {} of events",
            group_digits(self.events),
            group_digits(self.distinct_keys),
            percent(self.top_key_share)
        );
        if let Some(bytes) = self.total_bytes {
            text.push_str(&format!("; {} payload bytes", group_digits(bytes)));
        }
        if let (Some(first), Some(last)) = (self.first_event_ms, self.last_event_ms) {
            let span = (last as f64 - first as f64) / 1000.0;
            text.push_str(&format!("; events span {span:.3} s"));
        }
        text
    }

    fn render_text(&self) -> String {
        let mut out = format!("{}\n\n", self.summary());
        out.push_str(&self.scenario_table().to_text());
        if !self.top_keys.is_empty() {
            out.push_str("\ntop keys\n");
            out.push_str(&self.top_key_table().to_text());
        }
        out
    }

    fn render_markdown(&self) -> String {
        let mut out = format!("# Key distribution analysis\n\n{}.\n\n", self.summary());
        out.push_str("## Partition counts\n\n");
        out.push_str(&self.scenario_table().to_markdown());
        if !self.top_keys.is_empty() {
            out.push_str("\n## Top keys\n\n");
            out.push_str(&self.top_key_table().to_markdown());
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
        let mut t = Table::new(&[
            ("rank", Align::Right),
            ("key", Align::Left),
            ("events", Align::Right),
            ("share", Align::Right),
        ]);
        for (i, k) in self.top_keys.iter().enumerate() {
            t.push(vec![
                (i + 1).to_string(),
                keys::printable(&k.key),
                k.events.to_string(),
                percent(k.share),
            ]);
        }
        t
    }
}

/// `0.1234` -> `12.34%`.
fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

/// `1234567` -> `1,234,567`.
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
    }
}
