//! The HTML writer: a [`Document`] as one self-contained page.
//!
//! The page needs nothing beside itself: the stylesheet is inline, charts are `data:` URIs of their
//! SVG, and a Content-Security-Policy (`default-src 'none'`) forbids every network request and every
//! script, so even a key that slipped through escaping could not run or call out. Every text is
//! escaped with [`escape`] (`& < > " '`), in element content and attributes alike. A print
//! stylesheet keeps tables whole (headers repeated, rows unsplit, cells wrapped instead of cut) and
//! figures on one page, so printing to PDF gives a readable review.

use base64::Engine as _;

use super::document::{Block, Document, Figure};
use super::table::{Align, Table};

/// The page's stylesheet: system fonts only (nothing to download), a readable measure, tables that
/// scroll on narrow screens and wrap when printed.
const CSS: &str = "
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de; --band: #f6f8fa;
  --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7em; margin: 0 0 .6em; padding-bottom: .3em; border-bottom: 2px solid var(--ink); }
h2 { font-size: 1.3em; margin: 1.8em 0 .5em; padding-bottom: .2em; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.05em; margin: 1.4em 0 .4em; }
p, ul { margin: .5em 0; }
li { margin: .25em 0; }
.summary { font-size: 1.15em; font-weight: 600; padding: .6em .9em; background: var(--band);
  border-left: 4px solid var(--accent); }
blockquote { margin: .8em 0; padding: .4em .9em; border-left: 4px solid #b35c00; background: #fff8f0; }
.table-wrap { overflow-x: auto; margin: .5em 0 1em; }
table { border-collapse: collapse; font-size: .86em; font-variant-numeric: tabular-nums; }
th, td { padding: .3em .6em; border-bottom: 1px solid var(--rule); vertical-align: top; text-align: left; }
th { background: var(--band); border-bottom: 2px solid var(--rule); }
td.num, th.num { text-align: right; }
td.num, td.short { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fbfcfd; }
figure { margin: 1.2em 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: .92em; margin-top: .35em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  table { width: 100%; font-size: 7.5pt; }
  td.short { white-space: normal; }
  td, th { padding: .2em .3em; }
  td:not(.num):not(.short) { overflow-wrap: anywhere; }
  thead { display: table-header-group; }
  tr, figure, blockquote, .summary { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  figure img { max-height: 120mm; width: auto; margin: 0 auto; }
}
";

/// The Content-Security-Policy of every page: no fetch of any kind, no script; only the inline
/// stylesheet and `data:` images.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// `text` escaped for HTML element content and (quoted) attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

impl Document {
    /// The document as one self-contained HTML page (see the module documentation).
    pub fn to_html(&self) -> String {
        let mut body = String::new();
        let mut in_section = false;
        for block in &self.blocks {
            match block {
                Block::Summary(text) => {
                    body.push_str(&format!("<p class=\"summary\">{}.</p>\n", escape(text)));
                }
                Block::Callout(text) => {
                    body.push_str(&format!("<blockquote>{}</blockquote>\n", escape(text)));
                }
                Block::Notes(lines) => {
                    for line in lines.iter().filter(|l| !l.is_empty()) {
                        body.push_str(&format!("<p>{}</p>\n", escape(line)));
                    }
                }
                Block::Bullets(lines) => {
                    body.push_str("<ul>\n");
                    for line in lines {
                        body.push_str(&format!("<li>{}</li>\n", escape(line)));
                    }
                    body.push_str("</ul>\n");
                }
                Block::Heading(text) => {
                    in_section = true;
                    body.push_str(&format!("<h2>{}</h2>\n", escape(text)));
                }
                Block::Figure(f) => body.push_str(&figure(f)),
                Block::Table { heading, table } => {
                    if let Some(h) = heading {
                        let tag = if in_section { "h3" } else { "h2" };
                        body.push_str(&format!("<{tag}>{}</{tag}>\n", escape(h)));
                    }
                    body.push_str(&table_html(table));
                }
            }
        }
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
             <h1>{title}</h1>\n{body}</main>\n</body>\n</html>\n",
            title = escape(&self.title),
        )
    }
}

/// A chart as an `<img>` whose source is its SVG as a `data:` URI: self-contained, and an image
/// cannot run script whatever the SVG holds.
fn figure(f: &Figure) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(f.svg.as_bytes());
    format!(
        "<figure id=\"chart-{name}\">\n<img class=\"chart\" alt=\"{alt}\" \
         src=\"data:image/svg+xml;base64,{data}\">\n<figcaption>{title}</figcaption>\n</figure>\n",
        name = escape(&f.name),
        alt = escape(&f.alt),
        title = escape(&f.title),
    )
}

/// Text cells up to this many characters are kept on one line on screen; longer ones wrap.
const SHORT_CELL: usize = 24;

fn table_html(table: &Table) -> String {
    let mut out = String::from("<div class=\"table-wrap\">\n<table>\n<thead>\n<tr>");
    for (h, a) in table.headers() {
        // Column names are snake_case: let them break after each underscore.
        let name = escape(h).replace('_', "_<wbr>");
        let class = if *a == Align::Right {
            " class=\"num\""
        } else {
            ""
        };
        out.push_str(&format!("<th{class}>{name}</th>"));
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in table.rows() {
        out.push_str("<tr>");
        for (cell, (_, a)) in row.iter().zip(table.headers()) {
            let class = match a {
                Align::Right => " class=\"num\"",
                Align::Left if cell.chars().count() <= SHORT_CELL => " class=\"short\"",
                Align::Left => "",
            };
            out.push_str(&format!("<td{class}>{}</td>", escape(cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        let hostile = "\"><img src=x onerror=alert(1)><script>alert('x')</script>&";
        let mut doc = Document::new(hostile);
        doc.push(Block::Summary(hostile.into()));
        doc.push(Block::Bullets(vec![hostile.into()]));
        let mut t = Table::new(&[(hostile, Align::Left), ("n", Align::Right)]);
        t.push(vec![hostile.into(), "1".into()]);
        doc.table(hostile, t);
        doc.push(Block::Figure(Figure {
            name: "load".into(),
            title: hostile.into(),
            alt: hostile.into(),
            svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".into(),
        }));
        let html = doc.to_html();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img src=x"));
        assert!(!html.contains("onerror=alert(1)>"));
        assert!(!html.contains("http://"), "the SVG is inlined as base64");
        assert_eq!(
            html.matches("<img ").count(),
            1,
            "only the chart's own image"
        );
    }

    #[test]
    fn markdown_is_inert_too() {
        let mut doc = Document::new("t");
        doc.push(Block::Notes(vec![
            "<script>[x](javascript:1) `c` *e*".into()
        ]));
        let md = doc.to_markdown();
        assert!(
            md.contains("&lt;script&gt;\\[x\\](javascript:1) \\`c\\` \\*e\\*"),
            "{md}"
        );
    }
}
