//! A report as a document: a title and a sequence of blocks that the text, Markdown and HTML writers
//! lay out each in their own way, so the formats cannot drift apart.
//!
//! Block text is plain text, never markup: each writer escapes it for its format (Markdown escapes
//! the characters that would start HTML, links, emphasis or code; HTML escapes `& < > " '`), so a key
//! such as `<script>` is shown, never run.

use super::table::Table;

/// A chart shown in a document: the Markdown writer links `charts/NAME.svg`, the HTML writer inlines
/// the SVG, the text writer names the file.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File stem of the chart (`charts/NAME.svg`, `charts/NAME.png`).
    pub name: String,
    /// The chart's title, shown as its caption.
    pub title: String,
    /// A one-sentence text alternative.
    pub alt: String,
    /// The chart as a standalone SVG document.
    pub svg: String,
}

/// One piece of a document.
#[derive(Debug, Clone)]
pub enum Block {
    /// The one-paragraph summary that opens the report.
    Summary(String),
    /// A caveat that applies to the whole report (a quote block in Markdown).
    Callout(String),
    /// Notes, one paragraph each.
    Notes(Vec<String>),
    /// A list of short explanations (of markers used in the table above).
    Bullets(Vec<String>),
    /// A section heading: what follows belongs to it.
    Heading(String),
    /// A chart with its caption.
    Figure(Figure),
    /// A table; the heading is shown above it when present.
    Table {
        /// The table's heading (a section title in Markdown).
        heading: Option<String>,
        /// The cells.
        table: Table,
    },
}

/// A titled sequence of blocks.
#[derive(Debug, Clone)]
pub struct Document {
    /// The title (Markdown's first heading; terminals skip it).
    pub title: String,
    /// The blocks, in reading order.
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty document titled `title`.
    pub fn new(title: &str) -> Document {
        Document {
            title: title.to_string(),
            blocks: Vec::new(),
        }
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// Appends a table under `heading`.
    pub fn table(&mut self, heading: &str, table: Table) {
        self.push(Block::Table {
            heading: Some(heading.to_string()),
            table,
        });
    }

    /// The document as plain text for a terminal: no title, headings in lower case above tables,
    /// each table fitted to `width` columns by leaving out its optional columns (`None`: every column).
    pub fn to_text(&self, width: Option<usize>) -> String {
        let mut out = String::new();
        for (i, block) in self.blocks.iter().enumerate() {
            match block {
                Block::Summary(text) | Block::Callout(text) => {
                    out.push_str(text);
                    out.push('\n');
                }
                Block::Notes(lines) => {
                    if i > 0 && matches!(self.blocks[i - 1], Block::Table { .. }) {
                        out.push('\n');
                    }
                    for line in lines {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                Block::Bullets(lines) => {
                    out.push('\n');
                    for line in lines {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
                Block::Heading(text) => {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&text.to_uppercase());
                    out.push('\n');
                }
                Block::Figure(f) => {
                    out.push_str(&format!("chart: {} (charts/{}.svg)\n", f.title, f.name));
                }
                Block::Table { heading, table } => {
                    if i > 0 {
                        out.push('\n');
                    }
                    if let Some(heading) = heading {
                        out.push_str(&heading.to_lowercase());
                        out.push('\n');
                    }
                    match width {
                        None => out.push_str(&table.to_text()),
                        Some(width) => {
                            let (text, hidden) = table.to_text_fit(width);
                            out.push_str(&text);
                            if !hidden.is_empty() {
                                out.push_str(&format!(
                                    "({} hidden to fit {width} columns: {}; --wide shows them)\n",
                                    if hidden.len() == 1 {
                                        "1 column"
                                    } else {
                                        "columns"
                                    },
                                    hidden.join(", ")
                                ));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The document as GitHub-flavoured Markdown; every text is escaped ([`markdown_text`]), and
    /// figures link `charts/NAME.svg` (with the PNG beside it).
    pub fn to_markdown(&self) -> String {
        let md = markdown_text;
        let mut chunks = vec![format!("# {}\n", md(&self.title))];
        // Tables under a section heading get a third-level heading of their own.
        let mut in_section = false;
        for block in &self.blocks {
            chunks.push(match block {
                Block::Summary(text) => format!("{}.\n", md(text)),
                Block::Callout(text) => format!("> {}\n", md(text)),
                Block::Notes(lines) => lines
                    .iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| format!("{}\n", md(l)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Block::Bullets(lines) => lines.iter().map(|l| format!("- {}\n", md(l))).collect(),
                Block::Heading(text) => {
                    in_section = true;
                    format!("## {}\n", md(text))
                }
                Block::Figure(f) => format!(
                    "![{}](charts/{name}.svg)\n\n*{}* ([PNG](charts/{name}.png))\n",
                    md(&f.alt),
                    md(&f.title),
                    name = f.name
                ),
                Block::Table { heading, table } => match heading {
                    Some(h) => format!(
                        "{} {}\n\n{}",
                        if in_section { "###" } else { "##" },
                        md(h),
                        table.to_markdown()
                    ),
                    None => table.to_markdown(),
                },
            });
        }
        chunks.join("\n")
    }
}

/// Text made inert in Markdown: the characters that start HTML (`<`, `>`, `&`), links and images
/// (`[`, `]`), code spans and emphasis (`` ` ``, `*`) and the escape character itself are escaped,
/// so a key or a name shows as typed and is never interpreted (a key `<script>` stays text).
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '[' | ']' | '`' | '*' => {
                out.push('\\');
                out.push(c);
            }
            // A line break inside a text would end a table row or a list item.
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}
