//! A report as a document: a title and a sequence of blocks that the text and Markdown writers lay out
//! each in their own way, so the two formats cannot drift apart.

use super::table::Table;

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

    /// The document as GitHub-flavoured Markdown.
    pub fn to_markdown(&self) -> String {
        let mut chunks = vec![format!("# {}\n", self.title)];
        for block in &self.blocks {
            chunks.push(match block {
                Block::Summary(text) => format!("{text}.\n"),
                Block::Callout(text) => format!("> {text}\n"),
                Block::Notes(lines) => lines
                    .iter()
                    .map(|l| format!("{l}\n"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Block::Bullets(lines) => lines.iter().map(|l| format!("- {l}\n")).collect(),
                Block::Table { heading, table } => match heading {
                    Some(h) => format!("## {h}\n\n{}", table.to_markdown()),
                    None => table.to_markdown(),
                },
            });
        }
        chunks.join("\n")
    }
}
