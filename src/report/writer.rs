//! One writer per output format, behind one trait. Every command's [`Report`] goes through them, so a
//! format looks the same whichever command produced it.

use super::{Format, Report};

/// Renders a report in one format.
pub trait Writer {
    /// The report's bytes in this writer's format.
    fn write(&self, report: &Report) -> Vec<u8>;
}

/// Aligned tables and short notes for a terminal.
#[derive(Debug, Clone, Copy)]
pub struct TextWriter {
    /// Show every column, however wide; otherwise tables fit [`TEXT_WIDTH`] columns.
    pub wide: bool,
}

/// The width text tables are fitted to unless `--wide`: a terminal of 120 columns.
pub const TEXT_WIDTH: usize = 120;

/// The full typed report as pretty JSON (the schema is named in its `schema` field).
#[derive(Debug, Clone, Copy)]
pub struct JsonWriter;

/// The report's main table as RFC 4180 CSV with a header row.
#[derive(Debug, Clone, Copy)]
pub struct CsvWriter;

/// The document as GitHub-flavoured Markdown.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownWriter;

impl Writer for TextWriter {
    fn write(&self, report: &Report) -> Vec<u8> {
        let width = (!self.wide).then_some(TEXT_WIDTH);
        report.document().to_text(width).into_bytes()
    }
}

impl Writer for JsonWriter {
    fn write(&self, report: &Report) -> Vec<u8> {
        let mut bytes = match report {
            Report::Analysis(r) => serde_json::to_vec_pretty(r),
            Report::Which(r) => serde_json::to_vec_pretty(r),
            Report::Partitioners(r) => serde_json::to_vec_pretty(r),
            Report::Plan(r) => serde_json::to_vec_pretty(r),
            Report::Check(r) => serde_json::to_vec_pretty(r),
            Report::Detect(r) => serde_json::to_vec_pretty(r),
            Report::Remap(r) => serde_json::to_vec_pretty(r),
            Report::Clients(r) => serde_json::to_vec_pretty(r),
        }
        .expect("reports hold only serializable values");
        bytes.push(b'\n');
        bytes
    }
}

impl Writer for CsvWriter {
    fn write(&self, report: &Report) -> Vec<u8> {
        report.csv()
    }
}

impl Writer for MarkdownWriter {
    fn write(&self, report: &Report) -> Vec<u8> {
        report.document().to_markdown().into_bytes()
    }
}

/// The document as one self-contained HTML page.
#[derive(Debug, Clone, Copy)]
pub struct HtmlWriter;

impl Writer for HtmlWriter {
    fn write(&self, report: &Report) -> Vec<u8> {
        report.document().to_html().into_bytes()
    }
}

/// The writer for `format`; `wide` keeps every column of text tables.
pub fn writer(format: Format, wide: bool) -> Box<dyn Writer> {
    match format {
        Format::Table => Box::new(TextWriter { wide }),
        Format::Json => Box::new(JsonWriter),
        Format::Csv => Box::new(CsvWriter),
        Format::Markdown => Box::new(MarkdownWriter),
        Format::Html => Box::new(HtmlWriter),
    }
}
