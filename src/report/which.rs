//! The report of `keyplan which`: each key with the partition one client puts it on, in input order.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::document::{Block, Document};
use super::keys::{hex, key_text, printable};
use super::table::{Align, Table};
use super::Provenance;
use crate::partitioner::{PartitionCount, Partitioner, Placement};

/// Schema id of `which --format json`.
pub const WHICH_SCHEMA: &str = "keyplan.which/v1";

/// One key of `which --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhichKey {
    /// The key as given: exact when it is valid UTF-8, otherwise with `\xNN` for invalid bytes.
    pub key: String,
    /// The bytes hashed (after `--key-encoding`), lower-case hex.
    pub key_hex: String,
    /// The partition, or null when the placement is `random` or `invalid`.
    pub partition: Option<u32>,
    /// `fixed`, `random` (the client picks a partition per message) or `invalid` (the client
    /// refuses the key).
    pub placement: String,
    /// The key text exactly as given (argument bytes or the line), echoed by the CSV writer.
    #[serde(skip)]
    pub given: Vec<u8>,
}

impl WhichKey {
    /// A key as given (`given`), the bytes hashed (`bytes`) and where the client puts it.
    pub fn new(given: Vec<u8>, bytes: &[u8], placement: Placement) -> WhichKey {
        WhichKey {
            key: key_text(&given),
            key_hex: hex(bytes),
            partition: match placement {
                Placement::Partition(i) => Some(i),
                _ => None,
            },
            placement: match placement {
                Placement::Partition(_) => "fixed",
                Placement::Random => "random",
                Placement::Invalid => "invalid",
            }
            .to_string(),
            given,
        }
    }

    /// The partition cell: the number, `random` or `invalid`.
    fn partition_text(&self) -> String {
        match self.partition {
            Some(p) => p.to_string(),
            None => self.placement.clone(),
        }
    }
}

/// The result of `keyplan which`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhichReport {
    /// Always [`WHICH_SCHEMA`].
    pub schema: String,
    /// The partitioner id.
    pub partitioner: String,
    /// The partition count.
    pub partitions: u32,
    /// The key encoding applied to each key text.
    pub key_encoding: String,
    /// One entry per key, in input order.
    pub keys: Vec<WhichKey>,
    /// How the report was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl WhichReport {
    /// The report for `keys` placed by `partitioner` over `n` partitions.
    pub fn new(
        partitioner: Partitioner,
        n: PartitionCount,
        key_encoding: &str,
        keys: Vec<WhichKey>,
        provenance: Provenance,
    ) -> WhichReport {
        WhichReport {
            schema: WHICH_SCHEMA.to_string(),
            partitioner: partitioner.id().to_string(),
            partitions: n.get(),
            key_encoding: key_encoding.to_string(),
            keys,
            provenance: Some(provenance),
        }
    }

    /// A table of keys (shown safely) and partitions.
    pub fn document(&self) -> Document {
        let mut t = Table::new(&[("key", Align::Left), ("partition", Align::Right)]);
        for k in &self.keys {
            t.push(vec![printable(&k.key), k.partition_text()]);
        }
        let mut doc = Document::new("Key placement");
        doc.push(Block::Table {
            heading: None,
            table: t,
        });
        doc
    }

    /// `key,partition` CSV with each key echoed byte for byte as given (quoted as RFC 4180 needs).
    pub fn csv(&self) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let mut write = |record: [&[u8]; 2]| {
            writer
                .write_record(record)
                .expect("writing to memory cannot fail");
        };
        write([b"key", b"partition"]);
        for k in &self.keys {
            write([&k.given, k.partition_text().as_bytes()]);
        }
        writer.into_inner().expect("writing to memory cannot fail")
    }
}

/// Writes a [`WhichReport`] key by key, in the bytes the [`Report`](super::Report) writers give for
/// the whole report, so `which` streams any number of keys in constant memory. Text tables take
/// their column widths from the first [`TABLE_WIDTH_SAMPLE`] keys (the whole table when it is no
/// longer); a longer key later only shifts its own row.
pub struct WhichStream<W: Write> {
    out: W,
    format: super::Format,
    report: WhichReport,
    /// Keys held back until the table's widths are known (text only).
    pending: Vec<WhichKey>,
    key_width: Option<usize>,
    partition_width: usize,
    written: u64,
}

/// Keys a streamed text table looks at to choose its column widths.
pub const TABLE_WIDTH_SAMPLE: usize = 10_000;

impl<W: Write> WhichStream<W> {
    /// A stream of `format` into `out` for `partitioner` over `n` partitions.
    pub fn new(
        out: W,
        format: super::Format,
        partitioner: Partitioner,
        n: PartitionCount,
        key_encoding: &str,
    ) -> std::io::Result<WhichStream<W>> {
        let report = WhichReport::new(
            partitioner,
            n,
            key_encoding,
            Vec::new(),
            Provenance::default(),
        );
        let mut stream = WhichStream {
            out,
            format,
            report,
            pending: Vec::new(),
            key_width: None,
            partition_width: 9,
            written: 0,
        };
        match format {
            super::Format::Csv => stream.out.write_all(b"key,partition\n")?,
            super::Format::Json => {
                let r = &stream.report;
                write!(
                    stream.out,
                    "{{\n  \"schema\": {},\n  \"partitioner\": {},\n  \"partitions\": {},\n  \
                     \"key_encoding\": {},\n  \"keys\": [",
                    json(&r.schema),
                    json(&r.partitioner),
                    r.partitions,
                    json(&r.key_encoding)
                )?;
            }
            // `which` takes table, csv or json (`ListFormat`); the others never reach it.
            super::Format::Table | super::Format::Markdown | super::Format::Html => {}
        }
        Ok(stream)
    }

    /// Writes one key.
    pub fn push(&mut self, key: WhichKey) -> std::io::Result<()> {
        match self.format {
            super::Format::Csv => {
                let single = WhichReport {
                    keys: vec![key],
                    ..self.report.clone()
                };
                let bytes = single.csv();
                // Skip the header line the whole-report writer starts with.
                let body = &bytes[b"key,partition\n".len()..];
                self.out.write_all(body)?;
            }
            super::Format::Json => {
                let text = serde_json::to_string_pretty(&key).expect("keys serialize");
                let sep = if self.written == 0 { "\n" } else { ",\n" };
                self.out.write_all(sep.as_bytes())?;
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        self.out.write_all(b"\n")?;
                    }
                    self.out.write_all(b"    ")?;
                    self.out.write_all(line.as_bytes())?;
                }
            }
            // `which` takes table, csv or json (`ListFormat`); the others never reach it.
            super::Format::Table | super::Format::Markdown | super::Format::Html => {
                if self.key_width.is_none() {
                    self.pending.push(key);
                    if self.pending.len() >= TABLE_WIDTH_SAMPLE {
                        self.flush_pending()?;
                    }
                } else {
                    self.table_row(&key)?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    fn flush_pending(&mut self) -> std::io::Result<()> {
        let widths = (
            self.pending
                .iter()
                .map(|k| printable(&k.key).chars().count())
                .chain(["key".len()])
                .max()
                .unwrap_or(3),
            self.pending
                .iter()
                .map(|k| k.partition_text().len())
                .chain(["partition".len()])
                .max()
                .unwrap_or(9),
        );
        self.key_width = Some(widths.0);
        self.partition_width = widths.1;
        let header = format!(
            "{:<kw$}  {:>pw$}",
            "key",
            "partition",
            kw = widths.0,
            pw = widths.1
        );
        self.out.write_all(header.trim_end().as_bytes())?;
        self.out.write_all(b"\n")?;
        for key in std::mem::take(&mut self.pending) {
            self.table_row(&key)?;
        }
        Ok(())
    }

    fn table_row(&mut self, key: &WhichKey) -> std::io::Result<()> {
        let kw = self.key_width.unwrap_or(3);
        let line = format!(
            "{:<kw$}  {:>pw$}",
            printable(&key.key),
            key.partition_text(),
            pw = self.partition_width
        );
        self.out.write_all(line.trim_end().as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// Keys written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Ends the report (JSON's provenance and closing brackets; a short table's rows) and returns
    /// the output.
    pub fn finish(mut self, provenance: Provenance) -> std::io::Result<W> {
        match self.format {
            super::Format::Json => {
                if self.written > 0 {
                    self.out.write_all(b"\n  ")?;
                }
                let p = serde_json::to_string_pretty(&provenance).expect("provenance serializes");
                let p = p.replace('\n', "\n  ");
                write!(self.out, "],\n  \"provenance\": {p}\n}}\n")?;
            }
            super::Format::Table | super::Format::Markdown if self.key_width.is_none() => {
                self.flush_pending()?;
            }
            _ => {}
        }
        Ok(self.out)
    }
}

/// A JSON string literal.
fn json(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Format, Report};

    fn keys(texts: &[&[u8]]) -> Vec<WhichKey> {
        let n = PartitionCount::new(7).unwrap();
        texts
            .iter()
            .map(|t| WhichKey::new(t.to_vec(), t, Partitioner::Librdkafka.partition_of(t, n)))
            .collect()
    }

    /// The stream writes exactly the bytes the whole-report writers give, in every format, so
    /// streaming changes memory, never output.
    #[test]
    fn streaming_equals_the_whole_report() {
        let n = PartitionCount::new(7).unwrap();
        let mut provenance = Provenance::new(vec!["keys.txt".into()], 0);
        provenance.set("partitions", 7);
        for texts in [
            &[][..],
            &[&b"a"[..]][..],
            &[
                &b"a,b"[..],
                b"",
                b"\xff\"",
                b"<script>",
                b"long key with spaces",
            ][..],
        ] {
            for format in [Format::Json, Format::Csv, Format::Table] {
                let mut p = provenance.clone();
                p.rows_read = texts.len() as u64;
                let whole = Report::Which(WhichReport::new(
                    Partitioner::Librdkafka,
                    n,
                    "utf8",
                    keys(texts),
                    p.clone(),
                ))
                .render(format);
                let mut stream =
                    WhichStream::new(Vec::new(), format, Partitioner::Librdkafka, n, "utf8")
                        .unwrap();
                for k in keys(texts) {
                    stream.push(k).unwrap();
                }
                let streamed = stream.finish(p).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&streamed),
                    String::from_utf8_lossy(&whole),
                    "{format:?} {texts:?}"
                );
            }
        }
    }
}
