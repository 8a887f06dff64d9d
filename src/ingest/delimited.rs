//! CSV and TSV with a header row: one event per row, or one key per row with a weight column.
//!
//! Keys are the key column's bytes after CSV unquoting: no trimming, no UTF-8 requirement.

use std::io::BufRead;
use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::ingest::source::Source;
use crate::ingest::IngestOptions;
use crate::model::{Event, EventSink};

/// Delimiters tried when sniffing, in order of preference on ties.
const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Reads one delimited input into `sink`.
pub fn read<S: EventSink>(mut source: Source, options: &IngestOptions, sink: &mut S) -> Result<()> {
    let name = source.name.clone();
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => detect_delimiter(&name, &mut source)?,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .buffer_capacity(1 << 16)
        .from_reader(source.reader);

    let header = reader
        .byte_headers()
        .map_err(|e| csv_error(&name, e))?
        .clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(Error::Empty {
            path: name,
            reason: "the input is empty; expected a header row naming the columns".into(),
        });
    }
    let columns = Columns::new(&header);
    let key_index = columns.find(&name, &options.key, "use --key")?;
    let count_index = match &options.count_col {
        Some(col) => Some(columns.find(&name, col, "use --count-col")?),
        None => None,
    };

    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&name, e)),
        }
        rows += 1;
        let line = record.position().map_or(0, |p| p.line());
        let weight = match count_index {
            None => 1,
            Some(i) => parse_weight(&record[i]).map_err(|message| {
                Error::input(
                    Location::line(&name, line).with_column(columns.name(i), i + 1),
                    message,
                )
            })?,
        };
        let event = Event::new(&record[key_index], weight);
        sink.add_event(event).map_err(|total| {
            Error::input(
                Location::line(&name, line),
                format!("the total event count overflows (already {total} events)"),
            )
        })?;
    }
    if rows == 0 {
        return Err(Error::Empty {
            path: name,
            reason: "the header has no rows under it".into(),
        });
    }
    Ok(())
}

/// The header's column names, for lookups and messages.
struct Columns(Vec<String>);

impl Columns {
    fn new(header: &csv::ByteRecord) -> Columns {
        let names = header
            .iter()
            .enumerate()
            .map(|(i, field)| {
                // A UTF-8 byte-order mark (Excel exports) is not part of the first column's name.
                let field = match i {
                    0 => field.strip_prefix(b"\xef\xbb\xbf").unwrap_or(field),
                    _ => field,
                };
                String::from_utf8_lossy(field).into_owned()
            })
            .collect();
        Columns(names)
    }

    fn find(&self, path: &str, column: &str, hint: &str) -> Result<usize> {
        self.0
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| Error::UnknownColumn {
                path: path.to_string(),
                column: column.to_string(),
                available: self.0.join(", "),
                hint: hint.to_string(),
            })
    }

    fn name(&self, index: usize) -> &str {
        &self.0[index]
    }
}

/// Picks the delimiter from the file extension (`.tsv`, `.tab`), else from the first line: the
/// candidate that occurs most often outside quotes (comma on ties or when none occurs).
fn detect_delimiter(name: &str, source: &mut Source) -> Result<u8> {
    let base = name.strip_suffix(".gz").unwrap_or(name);
    let ext = Path::new(base)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if matches!(ext.as_deref(), Some("tsv" | "tab")) {
        return Ok(b'\t');
    }
    let head = source.reader.fill_buf().map_err(|e| Error::io(name, e))?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; CANDIDATE_DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = CANDIDATE_DELIMITERS.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..counts.len()).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    Ok(CANDIDATE_DELIMITERS[best])
}

/// Parses a weight: a non-negative whole number. Float spellings of whole numbers (`12.0`, `1e3`, as
/// some engines export counts) are accepted; fractions, negatives, NaN and infinities are not.
pub fn parse_weight(field: &[u8]) -> std::result::Result<u64, String> {
    let text = std::str::from_utf8(field)
        .map_err(|_| "the count is not valid UTF-8 text; expected a whole number".to_string())?;
    let trimmed = text.trim();
    if let Ok(w) = trimmed.parse::<u64>() {
        return Ok(w);
    }
    let shown = if text.len() > 40 {
        format!("{}...", &text[..text.floor_char_boundary_compat(40)])
    } else {
        text.to_string()
    };
    match trimmed.parse::<f64>() {
        Ok(f) if f.is_nan() || f.is_infinite() => Err(format!(
            "count '{shown}' is not a finite number; expected a non-negative whole number"
        )),
        Ok(f) if f < 0.0 || trimmed.starts_with('-') => Err(format!(
            "count '{shown}' is negative; expected a non-negative whole number"
        )),
        Ok(f) if f.fract() != 0.0 => Err(format!(
            "count '{shown}' is not a whole number; event counts must be integers"
        )),
        Ok(f) if f >= 18_446_744_073_709_551_616.0 => Err(format!(
            "count '{shown}' is too large (the maximum is {})",
            u64::MAX
        )),
        Ok(f) => Ok(f as u64),
        Err(_) if trimmed.is_empty() => {
            Err("the count is empty; expected a non-negative whole number".to_string())
        }
        Err(_) => Err(format!(
            "count '{shown}' is not a number; expected a non-negative whole number"
        )),
    }
}

/// `str::floor_char_boundary` is unstable; this is the same for our one use.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        index = index.min(self.len());
        while !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}

/// Turns a csv error into one that names the input and line.
fn csv_error(name: &str, error: csv::Error) -> Error {
    let line = error.position().map(|p| p.line());
    let location = match line {
        Some(line) => Location::line(name, line),
        None => Location::file(name),
    };
    match error.into_kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::input(
            location,
            format!(
                "this row has {len} fields but the header has {expected_len}; \
                 quote fields that contain the delimiter, or pass --delimiter"
            ),
        ),
        csv::ErrorKind::Io(e) => Error::input(location, format!("read failed: {e}")),
        other => Error::input(location, format!("malformed CSV: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_weight;

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
    }
}
