//! One delimited row to one [`Event`]: the column layout resolved from a header, and the parsing of
//! key, count, size and time fields.
//!
//! Both CSV paths (the parallel fast path and the quote-aware sequential one) hand their rows to
//! `RowSpec::apply`, so they cannot disagree about what a row means or how an error is worded.

use crate::error::{Error, Location, Result};
use crate::ingest::counter::{Event, EventSink, Overflow};
use crate::ingest::encoding::{self, KeyEncoding};
use crate::ingest::field::FieldError;
use crate::ingest::keyexpr::{KeyExpr, ResolvedKey};
use crate::ingest::number::Decimal;
use crate::ingest::time::parse_time;
use crate::ingest::{IngestOptions, InputFormat};
use crate::model::scenario::{bucket_of, push_bucket};

/// Count column used by `--input-format counts` when `--count-col` is not given.
pub const DEFAULT_COUNT_COL: &str = "count";
/// Bytes column used by `--input-format counts` when present and `--bytes-col` is not given.
pub const DEFAULT_BYTES_COL: &str = "bytes";
/// Key column used by `--input-format counts` when `--key` is not given.
pub const DEFAULT_KEY_COL: &str = "key";

/// The most columns a header may have: 65,536, four times the widest sheet Excel opens (16,384).
/// Every column name is held, so without a cap an 8 MiB header of commas would cost hundreds of MB.
pub const MAX_COLUMNS: usize = 1 << 16;

/// The header's column names, for lookups and messages.
#[derive(Debug, Clone)]
pub(crate) struct Columns(Vec<String>);

impl Columns {
    /// Names from raw header fields. A UTF-8 byte-order mark (Excel exports) is not part of the first
    /// column's name. At most [`MAX_COLUMNS`] + 1 are kept ([`RowSpec::new`] rejects more).
    pub(crate) fn from_fields<'a>(fields: impl Iterator<Item = &'a [u8]>) -> Columns {
        let names = fields
            .take(MAX_COLUMNS + 1)
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

    /// The index of `column`, or an error listing every column and the flag to fix. A column named
    /// twice is an error too: which of the two is meant cannot be guessed.
    pub(crate) fn find(&self, path: &str, column: &str, hint: &str) -> Result<usize> {
        self.position(path, column)?
            .ok_or_else(|| Error::UnknownColumn {
                path: path.to_string(),
                column: column.to_string(),
                available: self.0.join(", "),
                hint: self.split_hint().unwrap_or_else(|| hint.to_string()),
            })
    }

    /// When the header came out as a single field holding a usual delimiter, the delimiter was wrong:
    /// say so and name the likely one.
    fn split_hint(&self) -> Option<String> {
        let [only] = self.0.as_slice() else {
            return None;
        };
        let (_, name) = [(',', "','"), (';', "';'"), ('\t', "tab"), ('|', "'|'")]
            .into_iter()
            .find(|(c, _)| only.contains(*c))?;
        Some(format!(
            "the header was read as one single field, and it holds {name}: the delimiter is \
             probably {name}; pass --delimiter {name}"
        ))
    }

    /// The index of the first column named `name`.
    fn position_of(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|c| c == name)
    }

    /// The first column whose name says it holds a count of events per row (`count`, `events`, `n`,
    /// `cnt`, `weight`, ...), for warning when it is not used as the weight.
    pub(crate) fn weight_like(&self) -> Option<&str> {
        const NAMES: &[&str] = &[
            "count",
            "counts",
            "cnt",
            "n",
            "events",
            "event_count",
            "num_events",
            "weight",
            "weights",
            "freq",
            "frequency",
            "occurrences",
            "messages",
            "records",
            "flights",
            "total",
        ];
        self.0
            .iter()
            .find(|c| NAMES.iter().any(|n| n.eq_ignore_ascii_case(c.trim())))
            .map(String::as_str)
    }

    /// The index of `column` if the header has it, or an error naming both positions when it has
    /// it twice.
    fn position(&self, path: &str, column: &str) -> Result<Option<usize>> {
        let mut found = self.0.iter().enumerate().filter(|(_, c)| *c == column);
        let first = found.next().map(|(i, _)| i);
        if let (Some(first), Some((second, _))) = (first, found.next()) {
            return Err(Error::input(
                Location::file(path),
                format!(
                    "the header names column '{column}' twice (columns {} and {}), so which one \
                     to read is ambiguous; rename one of them",
                    first + 1,
                    second + 1
                ),
            ));
        }
        Ok(first)
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
    partition: Option<usize>,
    partition_limit: Option<u32>,
    /// The `--order-by` columns, in order.
    entity: Vec<usize>,
    /// The column choosing the salt bucket, and the bucket count.
    bucket_by: Option<(usize, u32)>,
}

/// See [`RowSpec::key_only`]: the key's column, the count's column and the row width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyOnly {
    /// The key column.
    pub key: usize,
    /// The count column, if any (else every row is one event).
    pub count: Option<usize>,
    /// The fields every row has.
    pub width: usize,
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
        if columns.len() > MAX_COLUMNS {
            return Err(Error::input(
                Location::file(path),
                format!(
                    "the header has more than {MAX_COLUMNS} columns, the most keyplan reads; is \
                     the delimiter right (--delimiter)?"
                ),
            ));
        }
        let counts = format == InputFormat::Counts;
        let key = match (&options.key, counts) {
            (Some(expr), _) => expr.clone(),
            (None, true) => KeyExpr::column(DEFAULT_KEY_COL),
            (None, false) => {
                let aggregate = match columns.weight_like() {
                    Some(c) => format!(
                        "; if each row is a key with a count, add --count-col {c} (or use \
                         --input-format counts with columns key,count)"
                    ),
                    None => "; for a key,count aggregate use --input-format counts (columns \
                             key,count) or --count-col COLUMN"
                        .to_string(),
                };
                return Err(Error::Usage(format!(
                    "{path}: name the key column with --key (columns: {}){aggregate}",
                    crate::terminal::field(&columns.0.join(", "))
                )));
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
                .position(path, DEFAULT_BYTES_COL)?
                .map(|i| (i, SizeKind::Total)),
            (None, None) => None,
        };
        let time = match &options.time_col {
            Some(col) => Some(columns.find(path, col, "use --time-col")?),
            None => None,
        };
        let partition = match &options.partition_col {
            Some(col) => Some(columns.find(path, col, "use --partition-col")?),
            None => None,
        };
        let entity = options
            .order_by
            .iter()
            .map(|c| columns.find(path, c, "use --order-by"))
            .collect::<Result<Vec<usize>>>()?;
        let bucket_by = match &options.bucket_by {
            Some((col, n)) => Some((
                columns.find(path, col, "name an existing column in the strategy's by=")?,
                *n,
            )),
            None => None,
        };
        Ok(RowSpec {
            path: path.to_string(),
            entity,
            bucket_by,
            columns,
            key,
            encoding: options.key_encoding,
            count,
            size,
            time,
            partition,
            partition_limit: options.partition_limit,
        })
    }

    /// What a reader should be told about this layout: a column that looks like a per-row count
    /// while every row is read as one event.
    pub(crate) fn notes(&self) -> Vec<String> {
        if self.count.is_some() {
            return Vec::new();
        }
        let Some(name) = self.columns.weight_like() else {
            return Vec::new();
        };
        if self.key.single_column() == self.columns.position_of(name) {
            return Vec::new();
        }
        vec![format!(
            "{}: every row counts as one event, but column '{}' looks like a count per row; if \
             each row is a key with its count, add --count-col {} (or --input-format counts)",
            crate::terminal::field(&self.path),
            crate::terminal::field(name),
            crate::terminal::field(name)
        )]
    }

    /// The field that is the key's exact bytes (one column, `utf8` encoding), which readers can hand
    /// to [`EventSink::prefetch`] before adding the row.
    pub(crate) fn raw_key_column(&self) -> Option<usize> {
        match self.encoding {
            KeyEncoding::Utf8 => self.key.single_column(),
            _ => None,
        }
    }

    /// The row shape of the key-only fast loop ([`crate::ingest::delimited`]), when this spec reads
    /// nothing but one key column's exact bytes and, optionally, a count column: then a row's event
    /// is `Event::new(key, count or 1)`, and the loop can add it without building an [`Event`].
    pub(crate) fn key_only(&self) -> Option<KeyOnly> {
        let plain = self.size.is_none()
            && self.time.is_none()
            && self.partition.is_none()
            && self.entity.is_empty()
            && self.bucket_by.is_none();
        Some(KeyOnly {
            key: self.raw_key_column().filter(|_| plain)?,
            count: self.count,
            width: self.columns.len(),
        })
    }

    /// The input's name, for messages.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Number of fields every row must have.
    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    /// The location of field `column` (`< width()`) at `line`.
    pub(crate) fn at(&self, line: u64, column: usize) -> Location {
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
        }
        .and_then(|key| encoding::check_key_len(&key).map(|()| key));
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
        let partition = match self.partition {
            None => None,
            Some(i) => Some(
                parse_partition(fields.get(i), self.partition_limit)
                    .map_err(|m| Error::input(self.at(line, i), m))?,
            ),
        };
        BUFFERS.with(|buffers| {
            let (salted, composite) = &mut *buffers.borrow_mut();
            let key: &[u8] = match self.bucket_by {
                None => &key,
                Some((i, n)) => {
                    salted.clear();
                    salted.extend_from_slice(&key);
                    push_bucket(salted, bucket_of(fields.get(i), n));
                    encoding::check_key_len(salted).map_err(|message| {
                        Error::input(self.at(line, self.key.first_column()), message)
                    })?;
                    salted
                }
            };
            let entity = match self.entity.as_slice() {
                [] => None,
                [single] => Some(fields.get(*single)),
                many => Some(encode_entity(
                    many.iter().map(|&i| fields.get(i)),
                    composite,
                )),
            };
            let event = Event {
                key,
                weight,
                bytes,
                time_ms,
                partition,
                entity,
            };
            sink.add_event(event)
                .map_err(|total| overflow(&self.path, line, total))
        })
    }
}

thread_local! {
    /// Per-thread buffers for salted keys and composite entities, so steady-state rows do not
    /// allocate.
    static BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const {
        std::cell::RefCell::new((Vec::new(), Vec::new()))
    };
}

/// The entity of a composite `--order-by a,b`: each value as its length (LEB128) and its bytes, so
/// no two different value lists encode alike. An event with any value empty has no entity (an
/// incomplete identifier names no entity): the result is then empty. One column is its raw bytes.
pub fn encode_entity<'a>(values: impl Iterator<Item = &'a [u8]>, out: &mut Vec<u8>) -> &[u8] {
    out.clear();
    for v in values {
        if v.is_empty() {
            out.clear();
            return out;
        }
        let mut n = v.len();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
        out.extend_from_slice(v);
    }
    out
}

/// Parses an observed partition: a Kafka partition id (0..=2147483647), below `limit` when given.
fn parse_partition(field: &[u8], limit: Option<u32>) -> std::result::Result<u32, String> {
    let n = parse_whole(field, "partition").map_err(|e| e.to_string())?;
    let p = u32::try_from(n)
        .ok()
        .filter(|&p| p <= i32::MAX as u32)
        .ok_or_else(|| format!("partition {n} is not a Kafka partition (0..=2147483647)"))?;
    check_partition_limit(p, limit)?;
    Ok(p)
}

/// Refuses an observed partition at or above `limit` (the topic's `--partitions`): the sample cannot
/// come from a topic of that many partitions.
pub(crate) fn check_partition_limit(p: u32, limit: Option<u32>) -> std::result::Result<(), String> {
    match limit {
        Some(n) if p >= n => Err(format!(
            "observed partition {p} but --partitions is {n}; partitions are numbered 0..{n}"
        )),
        _ => Ok(()),
    }
}

/// The error for a sample whose totals no longer fit 64 bits, at the row that overflowed.
pub(crate) fn overflow(path: &str, line: u64, e: Overflow) -> Error {
    Error::input(Location::line(path, line), e)
}

/// Parses a weight: a non-negative whole number. Float spellings of whole numbers (`12.0`, `1e3`, as
/// some engines export counts) are accepted and read exactly; fractions, negatives, NaN and infinities
/// are not.
pub fn parse_weight(field: &[u8]) -> std::result::Result<u64, FieldError> {
    parse_whole(field, "count")
}

/// Parses a non-negative whole number exactly (no detour through `f64`, which would round
/// `9007199254740993.0` to an even neighbour); `what` names it in messages (`count`, `size`).
pub fn parse_whole(field: &[u8], what: &'static str) -> std::result::Result<u64, FieldError> {
    let text = std::str::from_utf8(field).map_err(|_| FieldError::NumberNotUtf8 { what })?;
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
    let Some(number) = Decimal::parse(trimmed) else {
        return Err(match trimmed.parse::<f64>() {
            Ok(_) => FieldError::NotFinite { what, shown },
            Err(_) if trimmed.is_empty() => FieldError::NumberEmpty { what },
            Err(_) => FieldError::NotANumber { what, shown },
        });
    };
    if number.negative {
        return Err(FieldError::Negative { what, shown });
    }
    let scaled = number.scaled(0);
    match scaled.whole.map(u64::try_from) {
        Some(Ok(w)) if scaled.exact => Ok(w),
        Some(Ok(_)) => Err(FieldError::Fraction { what, shown }),
        _ => Err(FieldError::TooLarge { what, shown }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_columns() {
        let header = vec![b','; MAX_COLUMNS];
        let ok = Columns::from_fields(header.split(|&b| b == b','));
        assert_eq!(ok.len(), MAX_COLUMNS + 1);
        let err = RowSpec::new("w.csv", ok, &IngestOptions::for_key("k"), InputFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("w.csv: the header has more than 65536 columns"),
            "{err}"
        );
        let names = (0..MAX_COLUMNS).map(|i| if i == 0 { "k".into() } else { format!("c{i}") });
        let widest = Columns::from_names(names.collect());
        assert!(RowSpec::new(
            "w.csv",
            widest,
            &IngestOptions::for_key("k"),
            InputFormat::Csv
        )
        .is_ok());
    }

    /// A used column named twice is an error naming both positions; unused duplicates are fine.
    #[test]
    fn duplicate_used_columns_are_errors() {
        let names = |n: &[&str]| Columns::from_names(n.iter().map(|s| s.to_string()).collect());
        let spec = |n: &[&str], options: IngestOptions, format| {
            RowSpec::new("d.csv", names(n), &options, format).map(|_| ())
        };
        let expect = |result: Result<()>, needle: &str| {
            let err = result.unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        };
        let key = |k: &str| IngestOptions::for_key(k);
        expect(
            spec(&["k", "x", "k"], key("k"), InputFormat::Csv),
            "d.csv: the header names column 'k' twice (columns 1 and 3)",
        );
        let compound = IngestOptions {
            key: KeyExpr::parse(Some("a,b"), None).unwrap(),
            ..IngestOptions::default()
        };
        expect(
            spec(&["a", "b", "b"], compound, InputFormat::Csv),
            "column 'b' twice (columns 2 and 3)",
        );
        for (flag, options) in [
            (
                "c",
                IngestOptions {
                    count_col: Some("c".into()),
                    ..key("k")
                },
            ),
            (
                "s",
                IngestOptions {
                    size_col: Some("s".into()),
                    ..key("k")
                },
            ),
            (
                "b",
                IngestOptions {
                    bytes_col: Some("b".into()),
                    ..key("k")
                },
            ),
            (
                "t",
                IngestOptions {
                    time_col: Some("t".into()),
                    ..key("k")
                },
            ),
        ] {
            expect(
                spec(&["k", flag, flag], options, InputFormat::Csv),
                &format!("column '{flag}' twice (columns 2 and 3)"),
            );
        }
        expect(
            spec(
                &["key", "count", "bytes", "bytes"],
                IngestOptions::default(),
                InputFormat::Counts,
            ),
            "column 'bytes' twice (columns 3 and 4)",
        );
        // A duplicate that no option uses is harmless.
        assert!(spec(&["k", "x", "x"], key("k"), InputFormat::Csv).is_ok());
    }

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
        assert!(parse_whole(b"x", "size")
            .unwrap_err()
            .to_string()
            .contains("size 'x'"));
    }

    /// Whole numbers written as decimals are exact, not rounded through `f64` (issue #13).
    #[test]
    fn whole_number_spellings_are_exact() {
        assert_eq!(
            parse_weight(b"9007199254740993.0"),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(
            parse_whole(b"9007199254740993.000", "size"),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(parse_weight(b"18446744073709551615.0"), Ok(u64::MAX));
        assert_eq!(
            parse_weight(b"9.007199254740993e15"),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(parse_weight(b"1E3"), Ok(1000));
        assert_eq!(parse_weight(b"+4"), Ok(4));
        assert_eq!(parse_weight(b"0.0"), Ok(0));
        let err = parse_weight(b"9007199254740993.5").unwrap_err().to_string();
        assert!(err.contains("is not a whole number"), "{err}");
        let err = parse_weight(b"18446744073709551616.0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("too large"), "{err}");
        let err = parse_weight(b"1e-3").unwrap_err().to_string();
        assert!(err.contains("is not a whole number"), "{err}");
        let err = parse_weight(b"-0").unwrap_err().to_string();
        assert!(err.contains("negative"), "{err}");
        let err = parse_weight(b"NaN").unwrap_err().to_string();
        assert!(err.contains("not a finite number"), "{err}");
    }
}
