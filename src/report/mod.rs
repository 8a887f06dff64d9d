//! Reports: one [`Report`] value per run, rendered by one [`Writer`] per format.
//!
//! Each command's result is a typed, serializable report ([`AnalysisReport`], [`WhichReport`],
//! [`PartitionersReport`], [`PlanReport`], [`CheckReport`], [`DetectReport`], [`RemapReport`],
//! [`ClientsReport`]) holding every number already derived; writers only format. The JSON field
//! names are the public contract (each report's `schema`): extend, never rename. Every report records
//! its [`Provenance`] and nothing time-dependent, so the same input and flags give the same bytes.

pub mod analysis;
pub mod bundle;
pub mod charts;
pub mod csvsafe;
pub mod detect;
pub mod document;
pub mod html;
pub mod keys;
pub mod partitioners;
pub mod plan;
pub mod remap;
pub mod review;
pub mod table;
pub mod which;
pub mod writer;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use analysis::{AnalysisReport, Approximation, ScenarioReport, TopKey, ANALYSIS_SCHEMA};
pub use bundle::Bundle;
pub use detect::{DetectReport, DETECT_SCHEMA};
pub use document::{Block, Document};
pub use partitioners::{PartitionerRow, PartitionersReport, PARTITIONERS_SCHEMA};
pub use plan::{CheckReport, PlanReport, CHECK_SCHEMA, PLAN_SCHEMA};
pub use remap::{ClientsReport, RemapReport, CLIENTS_SCHEMA, REMAP_SCHEMA};
pub use which::{WhichKey, WhichReport, WHICH_SCHEMA};
pub use writer::{writer, Writer};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal.
    Table,
    /// The full report as JSON (the schema is named in its `schema` field).
    Json,
    /// The main table as CSV, one row per scenario (or key, or partitioner).
    Csv,
    /// The tables and notes as Markdown.
    Markdown,
    /// One self-contained HTML page (inline stylesheet, no network, no script).
    Html,
}

/// Output formats of the listing commands (`which`, `partitioners`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for a terminal.
    #[default]
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// JSON (the schema is named in the document's `schema` field).
    Json,
}

impl From<ListFormat> for Format {
    fn from(f: ListFormat) -> Format {
        match f {
            ListFormat::Table => Format::Table,
            ListFormat::Csv => Format::Csv,
            ListFormat::Json => Format::Json,
        }
    }
}

/// How a report was made: enough to reproduce it, and nothing that changes between identical runs
/// (no time, no host, no absolute path).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The keyplan version that wrote the report.
    pub keyplan_version: String,
    /// The inputs as the user named them (`-` is standard input).
    pub inputs: Vec<String>,
    /// Rows (records) read from the inputs.
    pub rows_read: u64,
    /// The settings that change results, by flag name, as given or defaulted.
    pub settings: BTreeMap<String, String>,
    /// Seed of the Monte Carlo random-placement expectation, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Monte Carlo trials, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u32>,
    /// The most trials each count ran in a wide sweep (`analysis::stats::wide_trial_limit`), when
    /// one applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials_limit: Option<u32>,
}

impl Provenance {
    /// Provenance of this keyplan version for `inputs`, with no settings yet.
    pub fn new(inputs: Vec<String>, rows_read: u64) -> Provenance {
        Provenance {
            keyplan_version: env!("CARGO_PKG_VERSION").to_string(),
            inputs,
            rows_read,
            ..Provenance::default()
        }
    }

    /// Records one setting.
    pub fn set(&mut self, name: &str, value: impl ToString) {
        self.settings.insert(name.to_string(), value.to_string());
    }
}

/// The result of one command, ready for any writer.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// `keyplan analyze`.
    Analysis(Box<AnalysisReport>),
    /// `keyplan which`.
    Which(WhichReport),
    /// `keyplan partitioners`.
    Partitioners(PartitionersReport),
    /// `keyplan plan`.
    Plan(Box<PlanReport>),
    /// `keyplan check`.
    Check(Box<CheckReport>),
    /// `keyplan detect`.
    Detect(Box<DetectReport>),
    /// `keyplan remap`.
    Remap(Box<RemapReport>),
    /// `keyplan clients`.
    Clients(Box<ClientsReport>),
}

impl Report {
    /// The report as a document, for the text and Markdown writers.
    pub fn document(&self) -> Document {
        match self {
            Report::Analysis(r) => r.document(),
            Report::Which(r) => r.document(),
            Report::Partitioners(r) => r.document(),
            Report::Plan(r) => r.document(),
            Report::Check(r) => r.document(),
            Report::Detect(r) => r.document(),
            Report::Remap(r) => r.document(),
            Report::Clients(r) => r.document(),
        }
    }

    /// The report's main table as CSV.
    pub fn csv(&self) -> Vec<u8> {
        match self {
            Report::Analysis(r) => r.scenario_csv().into_bytes(),
            Report::Which(r) => r.csv(),
            Report::Partitioners(r) => r.table().to_csv().into_bytes(),
            Report::Plan(r) => r.scenario_table().to_csv().into_bytes(),
            Report::Check(r) => r.breach_table().to_csv().into_bytes(),
            Report::Detect(r) => r.table().to_csv().into_bytes(),
            Report::Remap(r) => r.keys_table().to_csv().into_bytes(),
            Report::Clients(r) => r.pair_table().to_csv().into_bytes(),
        }
    }

    /// The report rendered in `format`, text tables fitted to a 120-column terminal.
    pub fn render(&self, format: Format) -> Vec<u8> {
        writer(format, false).write(self)
    }

    /// The report rendered in `format`; `wide` keeps every column of text tables.
    pub fn render_wide(&self, format: Format, wide: bool) -> Vec<u8> {
        writer(format, wide).write(self)
    }
}

/// `1 distinct key`, `2 distinct keys`: the count with digits grouped and the noun in the right number.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), if n == 1 { one } else { many })
}

/// `0.1234` -> `12.34%`.
pub(crate) fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

/// `1234567` -> `1,234,567`.
pub(crate) fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
