//! CSV tables for spreadsheets, with typed cells so that text can be neutralised and numbers cannot.
//!
//! A spreadsheet runs a cell as a formula when its text starts with `=`, `+`, `-` or `@` (and some
//! also after a leading tab or carriage return), so a key such as `=HYPERLINK("http://x")` would
//! become a live link, or worse, when a reviewer opens the file (OWASP, "CSV Injection"). The rule
//! of the report bundle's CSV files: a **text** cell that starts with one of `= + - @ TAB CR` is
//! written with a `'` in front (the apostrophe spreadsheets themselves use to mark text); **numeric**
//! cells are written as they are, so `-0.25` stays a number. Cells are then quoted per RFC 4180.

/// One cell of a [`CsvTable`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text from the input or the plan (keys, names): neutralised when it could start a formula.
    Text(String),
    /// A number, or empty for a missing value: written as it is.
    Number(String),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A numeric cell from anything that prints as a number.
    pub fn num(v: impl ToString) -> Cell {
        Cell::Number(v.to_string())
    }

    /// A float, empty when it is missing or undefined (NaN).
    pub fn float(v: Option<f64>) -> Cell {
        Cell::Number(
            v.filter(|v| !v.is_nan())
                .map_or(String::new(), |v| v.to_string()),
        )
    }

    /// `true` / `false`.
    pub fn flag(v: bool) -> Cell {
        Cell::Number(v.to_string())
    }
}

/// The characters that make a spreadsheet read the rest of a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` made safe to open in a spreadsheet: prefixed with `'` when it starts a formula.
pub fn neutralise(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// A CSV table: a header and rows of typed cells.
#[derive(Debug, Clone, Default)]
pub struct CsvTable {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl CsvTable {
    /// A table with these column names.
    pub fn new(header: &[&str]) -> CsvTable {
        CsvTable {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
    }

    /// RFC 4180 CSV (LF line ends) with text cells neutralised.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(&self.header)
            .expect("writing to memory cannot fail");
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => neutralise(t),
                    Cell::Number(n) => n.clone(),
                })
                .collect();
            w.write_record(&cells)
                .expect("writing to memory cannot fail");
        }
        w.into_inner().expect("writing to memory cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        let mut t = CsvTable::new(&["key", "headroom"]);
        for k in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-1",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "ok",
        ] {
            t.push(vec![Cell::text(k), Cell::float(Some(-0.25))]);
        }
        let text = String::from_utf8(t.to_bytes()).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
        for row in &rows[..6] {
            assert!(row[0].starts_with('\''), "{:?}", &row[0]);
            assert_eq!(&row[1], "-0.25");
        }
        assert_eq!(&rows[6][0], "ok");
        assert_eq!(&rows[0][0], "'=HYPERLINK(\"http://x\")");
    }
}
