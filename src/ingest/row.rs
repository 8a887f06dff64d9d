//! One delimited row to one [`Event`]: the column layout resolved from a header, and the parsing of
//! key, count, size and time fields.
//!
//! Both CSV paths (the parallel fast path and the quote-aware sequential one) hand their rows to
//! `RowSpec::apply`, so they cannot disagree about what a row means or how an error is worded.

use crate::error::{Error, Location, Result};
use crate::ingest::counter::{Event, EventSink};
use crate::ingest::encoding::{self, KeyEncoding};
use crate::ingest::keyexpr::{KeyExpr, ResolvedKey};
use crate::ingest::time::parse_time;
use crate::ingest::{IngestOptions, InputFormat};

/// Count column used by `--input-format counts` when `--count-col` is not given.
pub const DEFAULT_COUNT_COL: &str = "count";
/// Bytes column used by `--input-format counts` when present and `--bytes-col` is not given.
pub const DEFAULT_BYTES_COL: &str = "bytes";
/// Key column used by `--input-format counts` when `--key` is not given.
pub const DEFAULT_KEY_COL: &str = "key";

/// The header's column names, for lookups and messages.
#[derive(Debug, Clone)]
pub(crate) struct Columns(Vec<String>);

impl Columns {
    /// Names from raw header fields. A UTF-8 byte-order mark (Excel exports) is not part of the first
    /// column's name.
    pub(crate) fn from_fields<'a>(fields: impl Iterator<Item = &'a [u8]>) -> Columns {
        let names = fields
            .enumerate()
            .map(|(i, field)| {
                let field = match i {
                    0 => field.strip_prefix(b"\xef\xbb\xbf").unwrap_or(field),
                    _ => field,
                };
                String::from_utf8_lossy(field).into_owned()
            })
            .collect();
        Columns(names)
    }

    /// Names given directly (tests).
    #[cfg(test)]
    pub(crate) fn from_names(names: Vec<String>) -> Columns {
        Columns(names)
    }

    /// The index of `column`, or an error listing every column and the flag to fix.
    pub(crate) fn find(&self, path: &str, column: &str, hint: &str) -> Result<usize> {
        self.position(column).ok_or_else(|| Error::UnknownColumn {
            path: path.to_string(),
            column: column.to_string(),
            available: self.0.join(", "),
            hint: hint.to_string(),
        })
    }

    fn position(&self, column: &str) -> Option<usize> {
        self.0.iter().position(|c| c == column)
    }

    fn name(&self, index: usize) -> &str {
        &self.0[index]
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The fields of one row, however the reader split them.
pub(crate) trait Fields {
    /// Number of fields.
    fn len(&self) -> usize;
    /// Field `i` (`i < len()`), unquoted.
    fn get(&self, i: usize) -> &[u8];
}

/// What the size column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SizeKind {
    /// `--size-col`: bytes of each event (multiplied by the row's count).
    PerEvent,
    /// `--bytes-col`: bytes of all the row's events together (aggregates).
    Total,
}

/// How to turn a row into an event, resolved from the header before any row is read.
#[derive(Debug, Clone)]
pub(crate) struct RowSpec {
    path: String,
    columns: Columns,
    key: ResolvedKey,
    encoding: KeyEncoding,
    count: Option<usize>,
    size: Option<(usize, SizeKind)>,
    time: Option<usize>,
}

impl RowSpec {
    /// Resolves every column the options name against `columns`.
    pub(crate) fn new(
        path: &str,
        columns: Columns,
        options: &IngestOptions,
        format: InputFormat,
    ) -> Result<RowSpec> {
        if columns.len() == 0 || (columns.len() == 1 && columns.name(0).is_empty()) {
            return Err(Error::Empty {
                path: path.to_string(),
                reason: "the header row is empty; expected the names of the columns".into(),
            });
        }
        let counts = format == InputFormat::Counts;
        let key = match (&options.key, counts) {
            (Some(expr), _) => expr.clone(),
            (None, true) => KeyExpr::column(DEFAULT_KEY_COL),
            (None, false) => {
                return Err(Error::Usage(format!(
                    "{path}: name the key column with --key (columns: {})",
                    columns.0.join(", ")
                )))
            }
        };
        let key = key.resolve(|c| columns.find(path, c, "use --key"))?;
        let count = match (&options.count_col, counts) {
            (Some(col), _) => Some(columns.find(path, col, "use --count-col")?),
            (None, true) => Some(columns.find(
                path,
                DEFAULT_COUNT_COL,
                "name the count column with --count-col",
            )?),
            (None, false) => None,
        };
        let size = match (&options.size_col, &options.bytes_col) {
            (Some(_), Some(_)) => return Err(Error::Usage(
                "--size-col (bytes per event) and --bytes-col (bytes per row) exclude each other"
                    .into(),
            )),
            (Some(col), None) => Some((
                columns.find(path, col, "use --size-col")?,
                SizeKind::PerEvent,
            )),
            (None, Some(col)) => {
                Some((columns.find(path, col, "use --bytes-col")?, SizeKind::Total))
            }
            (None, None) if counts => columns
                .position(DEFAULT_BYTES_COL)
                .map(|i| (i, SizeKind::Total)),
            (None, None) => None,
        };
        let time = match &options.time_col {
            Some(col) => Some(columns.find(path, col, "use --time-col")?),
            None => None,
        };
        Ok(RowSpec {
            path: path.to_string(),
            columns,
            key,
            encoding: options.key_encoding,
            count,
            size,
            time,
        })
    }

    /// The field that is the key's exact bytes (one column, `utf8` encoding), which readers can hand
    /// to [`EventSink::prefetch`] before adding the row.
    pub(crate) fn raw_key_column(&self) -> Option<usize> {
        match self.encoding {
            KeyEncoding::Utf8 => self.key.single_column(),
            _ => None,
        }
    }

    /// Number of fields every row must have.
    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    fn at(&self, line: u64, column: usize) -> Location {
        Location::line(&self.path, line).with_column(self.columns.name(column), column + 1)
    }

    /// Turns one row at `line` into an event and adds it to `sink`. `scratch` is reused between rows
    /// for compound keys, so steady-state rows do not allocate.
    #[inline]
    pub(crate) fn apply<F: Fields, S: EventSink>(
        &self,
        fields: &F,
        line: u64,
        scratch: &mut Vec<u8>,
        sink: &mut S,
    ) -> Result<()> {
        if fields.len() != self.columns.len() {
            return Err(Error::input(
                Location::line(&self.path, line),
                format!(
                    "this row has {} fields but the header has {}; quote fields that contain the \
                     delimiter, or pass --delimiter",
                    fields.len(),
                    self.columns.len()
                ),
            ));
        }
        let raw = self.key.compose(|i| fields.get(i), scratch);
        // The common case skips the encoder call entirely.
        let key = match self.encoding {
            KeyEncoding::Utf8 => Ok(std::borrow::Cow::Borrowed(raw)),
            other => encoding::encode(raw, other),
        };
        let key = key.map_err(|message| {
            let first = self.key.first_column();
            let mut location = self.at(line, first);
            if let Some((name, _)) = &mut location.column {
                *name = self.key.text().to_string();
            }
            Error::input(location, message)
        })?;
        let weight = match self.count {
            None => 1,
            Some(i) => {
                parse_weight(fields.get(i)).map_err(|m| Error::input(self.at(line, i), m))?
            }
        };
        let bytes = match self.size {
            None => None,
            Some((i, kind)) => {
                let size = parse_whole(fields.get(i), "size")
                    .map_err(|m| Error::input(self.at(line, i), m))?;
                Some(match kind {
                    SizeKind::Total => size,
                    SizeKind::PerEvent => size.checked_mul(weight).ok_or_else(|| {
                        Error::input(
                            self.at(line, i),
                            "size times count overflows a 64-bit byte total",
                        )
                    })?,
                })
            }
        };
        let time_ms = match self.time {
            None => None,
            Some(i) => {
                Some(parse_time(fields.get(i)).map_err(|m| Error::input(self.at(line, i), m))?)
            }
        };
        let event = Event {
            key: &key,
            weight,
            bytes,
            time_ms,
            partition: None,
            entity: None,
        };
        sink.add_event(event)
            .map_err(|total| overflow(&self.path, line, total))
    }
}

/// The error for a sample whose totals no longer fit 64 bits.
pub(crate) fn overflow(path: &str, line: u64, total: u64) -> Error {
    Error::input(
        Location::line(path, line),
        format!("the total event or byte count overflows 64 bits (already {total} events)"),
    )
}

/// Parses a weight: a non-negative whole number. Float spellings of whole numbers (`12.0`, `1e3`, as
/// some engines export counts) are accepted; fractions, negatives, NaN and infinities are not.
pub fn parse_weight(field: &[u8]) -> std::result::Result<u64, String> {
    parse_whole(field, "count")
}

/// Parses a non-negative whole number; `what` names it in messages (`count`, `size`).
pub fn parse_whole(field: &[u8], what: &str) -> std::result::Result<u64, String> {
    let text = std::str::from_utf8(field)
        .map_err(|_| format!("the {what} is not valid UTF-8 text; expected a whole number"))?;
    let trimmed = text.trim();
    if let Ok(w) = trimmed.parse::<u64>() {
        return Ok(w);
    }
    let shown = if text.len() > 40 {
        let mut end = 40;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    } else {
        text.to_string()
    };
    match trimmed.parse::<f64>() {
        Ok(f) if f.is_nan() || f.is_infinite() => Err(format!(
            "{what} '{shown}' is not a finite number; expected a non-negative whole number"
        )),
        Ok(f) if f < 0.0 || trimmed.starts_with('-') => Err(format!(
            "{what} '{shown}' is negative; expected a non-negative whole number"
        )),
        Ok(f) if f.fract() != 0.0 => Err(format!(
            "{what} '{shown}' is not a whole number; expected a non-negative whole number"
        )),
        Ok(f) if f >= 18_446_744_073_709_551_616.0 => Err(format!(
            "{what} '{shown}' is too large (the maximum is {})",
            u64::MAX
        )),
        Ok(f) => Ok(f as u64),
        Err(_) if trimmed.is_empty() => Err(format!(
            "the {what} is empty; expected a non-negative whole number"
        )),
        Err(_) => Err(format!(
            "{what} '{shown}' is not a number; expected a non-negative whole number"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_column_lists_the_header() {
        use crate::ingest::keyexpr::KeyExpr;
        let e = KeyExpr::parse(Some("x"), None).unwrap().unwrap();
        let cols = Columns::from_names(vec!["a".into(), "b".into()]);
        let err = e
            .resolve(|c| cols.find("t.csv", c, "use --key"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'x' not found") && err.contains("a, b"),
            "{err}"
        );
    }

    #[test]
    fn weights() {
        assert_eq!(parse_weight(b"12"), Ok(12));
        assert_eq!(parse_weight(b" 7 "), Ok(7));
        assert_eq!(parse_weight(b"12.0"), Ok(12));
        assert_eq!(parse_weight(b"1e3"), Ok(1000));
        assert_eq!(parse_weight(b"0"), Ok(0));
        for bad in [
            &b"-1"[..],
            b"1.5",
            b"NaN",
            b"inf",
            b"abc",
            b"",
            b"1e30",
            b"\xff",
            b"-0.0",
        ] {
            assert!(parse_weight(bad).is_err(), "{bad:?}");
        }
        assert!(parse_whole(b"x", "size").unwrap_err().contains("size 'x'"));
    }
}
