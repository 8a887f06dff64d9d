//! A plain table shared by the text, Markdown, HTML and CSV writers, so every format shows the same
//! columns.

use super::document::markdown_text;

/// Column alignment in text and Markdown output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Numbers.
    Right,
}

/// A table of already-formatted cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
    /// Columns a narrow terminal may leave out, first dropped first.
    optional: Vec<usize>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[(&str, Align)]) -> Table {
        Table {
            headers: headers.iter().map(|&(h, a)| (h.to_string(), a)).collect(),
            rows: Vec::new(),
            optional: Vec::new(),
        }
    }

    /// Marks columns (by header name) that [`to_text_fit`](Self::to_text_fit) may leave out, the
    /// first named first.
    pub fn optional(mut self, names: &[&str]) -> Table {
        for name in names {
            if let Some(i) = self.headers.iter().position(|(h, _)| h == name) {
                self.optional.push(i);
            }
        }
        self
    }

    /// Aligned text no wider than `width` columns when leaving out optional columns can achieve it;
    /// returns the text and the names of the columns left out.
    pub fn to_text_fit(&self, width: usize) -> (String, Vec<String>) {
        let widths = self.widths();
        let line_width = |keep: &[bool]| -> usize {
            let cols: Vec<usize> = (0..widths.len())
                .filter(|&i| keep[i])
                .map(|i| widths[i])
                .collect();
            cols.iter().sum::<usize>() + 2 * cols.len().saturating_sub(1)
        };
        let mut keep = vec![true; widths.len()];
        let mut hidden = Vec::new();
        for &i in &self.optional {
            if line_width(&keep) <= width {
                break;
            }
            keep[i] = false;
            hidden.push(self.headers[i].0.clone());
        }
        let narrowed = Table {
            headers: self.pick(&self.headers, &keep),
            rows: self.rows.iter().map(|r| self.pick(r, &keep)).collect(),
            optional: Vec::new(),
        };
        (narrowed.to_text(), hidden)
    }

    fn pick<T: Clone>(&self, cells: &[T], keep: &[bool]) -> Vec<T> {
        cells
            .iter()
            .zip(keep)
            .filter(|(_, &k)| k)
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// The column headers and their alignment.
    pub fn headers(&self) -> &[(String, Align)] {
        &self.headers
    }

    /// The rows of cells.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Appends a row; it must have one cell per header.
    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    fn widths(&self) -> Vec<usize> {
        self.headers
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Aligned columns separated by two spaces, for terminals.
    pub fn to_text(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        let headers: Vec<String> = self.headers.iter().map(|(h, _)| h.clone()).collect();
        for row in std::iter::once(&headers).chain(&self.rows) {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .zip(&self.headers)
                .map(|((cell, &w), (_, align))| pad(cell, w, *align))
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured Markdown table; cells are escaped ([`markdown_text`]) and so is `|`.
    pub fn to_markdown(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
        out.push_str(&line(
            self.headers
                .iter()
                .zip(&widths)
                .map(|((h, a), &w)| pad(&markdown_cell(h), w, *a))
                .collect(),
        ));
        out.push_str(&line(
            self.headers
                .iter()
                .zip(&widths)
                .map(|((_, a), &w)| match a {
                    Align::Left => format!(":{}", "-".repeat(w.max(3) - 1)),
                    Align::Right => format!("{}:", "-".repeat(w.max(3) - 1)),
                })
                .collect(),
        ));
        for row in &self.rows {
            out.push_str(&line(
                row.iter()
                    .zip(&widths)
                    .zip(&self.headers)
                    .map(|((c, &w), (_, a))| pad(&markdown_cell(c), w, *a))
                    .collect(),
            ));
        }
        out
    }

    /// RFC 4180 CSV with a header row.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let write = |w: &mut csv::Writer<Vec<u8>>, cells: &[String]| {
            w.write_record(cells)
                .expect("writing to memory cannot fail");
        };
        let headers: Vec<String> = self.headers.iter().map(|(h, _)| h.clone()).collect();
        write(&mut writer, &headers);
        for row in &self.rows {
            write(&mut writer, row);
        }
        let bytes = writer.into_inner().expect("writing to memory cannot fail");
        String::from_utf8(bytes).expect("cells are strings")
    }
}

fn markdown_cell(cell: &str) -> String {
    markdown_text(cell).replace('|', "\\|")
}

fn pad(cell: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(cell.chars().count()));
    match align {
        Align::Left => format!("{cell}{fill}"),
        Align::Right => format!("{fill}{cell}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&[("name", Align::Left), ("n", Align::Right)]);
        t.push(vec!["a|b".into(), "10".into()]);
        t.push(vec!["long name".into(), "2".into()]);
        t
    }

    #[test]
    fn text_is_aligned() {
        assert_eq!(
            sample().to_text(),
            "name        n\na|b        10\nlong name   2\n"
        );
    }

    #[test]
    fn narrow_text_drops_optional_columns_in_order() {
        let mut t = Table::new(&[
            ("a", Align::Left),
            ("bbbb", Align::Left),
            ("cc", Align::Left),
        ])
        .optional(&["cc", "bbbb"]);
        t.push(vec!["1".into(), "2".into(), "3".into()]);
        assert_eq!(t.to_text_fit(100).1, Vec::<String>::new());
        let (text, hidden) = t.to_text_fit(8);
        assert_eq!(hidden, vec!["cc"]);
        assert_eq!(text, "a  bbbb\n1  2\n");
        assert_eq!(t.to_text_fit(1).1, vec!["cc", "bbbb"]);
    }

    #[test]
    fn markdown_escapes_pipes() {
        let md = sample().to_markdown();
        assert!(md.contains("a\\|b"));
        assert!(md.lines().nth(1).unwrap().starts_with("| :----"));
    }

    #[test]
    fn csv_quotes() {
        let mut t = Table::new(&[("k", Align::Left)]);
        t.push(vec!["a,b".into()]);
        assert_eq!(t.to_csv(), "k\n\"a,b\"\n");
    }
}
