//! Charts of a report, each drawn by one function from the one [`Report`](super::Report) value and
//! rendered twice: SVG (for Markdown and HTML) and PNG (for documents that take images).
//!
//! Interface contract for the report bundle (`plan --out DIR`, `analyze --out DIR`): the bundle asks
//! for [`plan_charts`] or [`analysis_charts`], writes each chart as `charts/NAME.svg` and
//! `charts/NAME.png`, links them from report.md and inlines the SVG in report.html. Charts read only
//! the report, so a redacted report gives redacted charts.

use super::{AnalysisReport, PlanReport};
use crate::error::Result;

/// One rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem, unique in a report: lower-case ASCII, digits and `-` (e.g. `partition-load`).
    pub name: String,
    /// The title drawn on the chart, also the heading/caption in reports.
    pub title: String,
    /// A one-sentence text alternative (HTML `alt`, Markdown image text).
    pub alt: String,
    /// The chart as a standalone SVG document (UTF-8, every text escaped).
    pub svg: String,
    /// The chart as a PNG file (at least 1200 px wide).
    pub png: Vec<u8>,
}

/// The charts of a plan review, in the order reports show them.
pub fn plan_charts(_report: &PlanReport) -> Result<Vec<Chart>> {
    Ok(Vec::new())
}

/// The charts of a one-shot `analyze` comparison, in the order reports show them.
pub fn analysis_charts(_report: &AnalysisReport) -> Result<Vec<Chart>> {
    Ok(Vec::new())
}
