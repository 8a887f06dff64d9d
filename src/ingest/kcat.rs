//! kcat `-J` output: one JSON envelope per line, such as
//! `{"topic":"orders","partition":3,"offset":42,"tstype":"create","ts":1714564800000,"broker":1,
//! "key":"acme:17","payload":"{...}"}`.
//!
//! Each envelope is one event: its key (the JSON string's UTF-8 bytes, then `--key-encoding`), its
//! observed partition, its timestamp (when `tstype` is not `none`) and its payload size in bytes. A
//! `null` key is left out of the sample and counted: producers do not place such records by key (the
//! Java client spreads them with its sticky partitioner), so no partition count changes their spread.

use std::borrow::Cow;

use memchr::memchr_iter;
use serde::{Deserialize, Deserializer};

use crate::error::{Error, Location, Result};
use crate::ingest::blocks::BlockStats;
use crate::ingest::counter::{Event, EventSink};
use crate::ingest::encoding::{check_key_len, encode, KeyEncoding};
use crate::ingest::row::{check_partition_limit, overflow};
use crate::ingest::time::check_range;

/// The fields of an envelope that keyplan uses; others (`topic`, `offset`, `broker`, `headers`) are
/// ignored.
#[derive(Deserialize)]
struct Envelope<'a> {
    /// Outer `None`: no `key` field at all (not a kcat envelope); inner `None`: a null key.
    #[serde(default, borrow, deserialize_with = "present")]
    key: Option<Option<Cow<'a, str>>>,
    #[serde(default, borrow)]
    payload: Option<Cow<'a, str>>,
    #[serde(default)]
    partition: Option<i64>,
    #[serde(default)]
    ts: Option<i64>,
    #[serde(default, borrow)]
    tstype: Option<Cow<'a, str>>,
}

/// Marks a field as present even when its value is `null`.
fn present<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Parses one block of whole lines of envelopes. Blank lines are skipped.
pub(crate) fn kcat_block<S: EventSink>(
    block: &[u8],
    name: &str,
    encoding: KeyEncoding,
    limit: Option<u32>,
    sink: &mut S,
) -> Result<BlockStats> {
    let mut stats = BlockStats::default();
    let mut handle = |text: &[u8], line: u64| -> Result<()> {
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        if envelope(text, name, line, encoding, limit, sink)? {
            stats.rows += 1;
        } else {
            stats.skipped += 1;
        }
        Ok(())
    };
    let mut start = 0;
    let mut line = 1u64;
    for end in memchr_iter(b'\n', block) {
        handle(&block[start..end], line)?;
        line += 1;
        start = end + 1;
    }
    if start < block.len() {
        handle(&block[start..], line)?;
    }
    stats.lines = line - 1;
    Ok(stats)
}

/// Adds one envelope; returns false when its key is null (left out).
fn envelope<S: EventSink>(
    text: &[u8],
    name: &str,
    line: u64,
    encoding: KeyEncoding,
    limit: Option<u32>,
    sink: &mut S,
) -> Result<bool> {
    let at = || Location::line(name, line);
    let env: Envelope<'_> = serde_json::from_slice(text).map_err(|e| {
        Error::input(
            at(),
            format!("not a kcat -J JSON envelope ({e}); use --input-format lines or csv for other input"),
        )
    })?;
    let key = match env.key {
        None => {
            return Err(Error::input(
                at(),
                "this JSON object has no \"key\" field; kcat -J envelopes always have one",
            ))
        }
        Some(None) => return Ok(false),
        Some(Some(key)) => key,
    };
    let key = encode(key.as_bytes(), encoding)
        .and_then(|key| check_key_len(&key).map(|()| key))
        .map_err(|m| Error::input(at(), m))?;
    let time_ms = match (env.ts, env.tstype.as_deref()) {
        (_, Some("none")) | (None | Some(-1), _) => None,
        // kcat writes -1 for a record without a timestamp; Kafka timestamps are otherwise never
        // negative, and anything past the year 9999 is corrupt.
        (Some(ts), _) if ts < 0 => {
            return Err(Error::input(
                at(),
                format!("\"ts\": {ts} is negative; Kafka timestamps are -1 (none) or at least 0"),
            ))
        }
        (Some(ts), _) => Some(check_range(ts).map_err(|m| Error::input(at(), m))?),
    };
    // Kafka partitions are int32 ids from 0; kcat writes -1 (librdkafka's "unassigned") when it
    // has none. Anything else is not a partition, and dropping it silently would skew the
    // observed placement.
    let partition = match env.partition {
        None | Some(-1) => None,
        Some(p) => Some(
            u32::try_from(p)
                .ok()
                .filter(|&p| p <= i32::MAX as u32)
                .ok_or_else(|| {
                    Error::input(
                        at(),
                        format!("\"partition\": {p} is not a Kafka partition (0..=2147483647)"),
                    )
                })?,
        ),
    };
    if let Some(p) = partition {
        check_partition_limit(p, limit).map_err(|m| Error::input(at(), m))?;
    }
    let event = Event {
        key: &key,
        weight: 1,
        bytes: Some(env.payload.map_or(0, |p| p.len() as u64)),
        time_ms,
        partition,
        entity: None,
    };
    sink.add_event(event)
        .map_err(|total| overflow(name, line, total))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::counter::KeyCounter;

    #[test]
    fn envelopes() {
        let block = br#"{"topic":"t","partition":3,"offset":1,"tstype":"create","ts":1000,"broker":1,"key":"a","payload":"xyz"}

{"topic":"t","partition":1,"offset":2,"tstype":"none","ts":-1,"key":null,"payload":"p"}
{"topic":"t","partition":0,"offset":3,"tstype":"create","ts":2000,"key":"a\u00e9","payload":null}"#;
        let mut c = KeyCounter::new();
        let stats = kcat_block(block, "k.jsonl", KeyEncoding::Utf8, None, &mut c).unwrap();
        assert_eq!((stats.rows, stats.skipped, stats.lines), (2, 1, 3));
        let d = c.finish();
        assert_eq!(&d.keys()[0], b"a");
        assert_eq!(&d.keys()[1], "a\u{e9}".as_bytes());
        assert_eq!(d.bytes(), Some(&[3, 0][..]));
        assert_eq!(d.time_range(), Some((1000, 2000)));
    }

    #[test]
    fn bad_envelopes_name_the_line() {
        let mut c = KeyCounter::new();
        let err = kcat_block(
            b"{\"key\":\"a\"}\n{\"key\":\n",
            "k",
            KeyEncoding::Utf8,
            None,
            &mut c,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("k:2: not a kcat -J JSON envelope"), "{err}");
        let err = kcat_block(b"{\"topic\":\"t\"}\n", "k", KeyEncoding::Utf8, None, &mut c)
            .unwrap_err()
            .to_string();
        assert!(err.contains("k:1:") && err.contains("no \"key\""), "{err}");
    }

    /// A `ts` past the year 9999 is an error at its line, not an absurd time range (issue #13).
    #[test]
    fn absurd_timestamps_are_errors() {
        let mut c = KeyCounter::new();
        let block = b"{\"key\":\"a\",\"ts\":1}\n{\"key\":\"a\",\"ts\":9223372036854775807}\n";
        let err = kcat_block(block, "k", KeyEncoding::Utf8, None, &mut c)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("k:2: time 9223372036854775807 ms is out of range"),
            "{err}"
        );
    }

    /// Negative timestamps other than kcat's -1 and partitions outside int32 are errors, not
    /// silently dropped (issue #13).
    #[test]
    fn impossible_partitions_and_timestamps_are_errors() {
        for (line, needle) in [
            (
                &br#"{"key":"a","partition":-2}"#[..],
                "\"partition\": -2 is not",
            ),
            (
                br#"{"key":"a","partition":4294967296}"#,
                "4294967296 is not",
            ),
            (
                br#"{"key":"a","partition":2147483648}"#,
                "2147483648 is not",
            ),
            (br#"{"key":"a","ts":-5}"#, "\"ts\": -5 is negative"),
        ] {
            let mut c = KeyCounter::new();
            let err = kcat_block(line, "k", KeyEncoding::Utf8, None, &mut c)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("k:1: ") && err.contains(needle), "{err}");
        }
        let mut c = KeyCounter::new();
        let ok = br#"{"key":"a","partition":-1,"ts":-1}
{"key":"a","partition":2147483647,"ts":0}"#;
        assert_eq!(
            kcat_block(ok, "k", KeyEncoding::Utf8, None, &mut c)
                .unwrap()
                .rows,
            2
        );
        assert_eq!(c.finish().time_range(), Some((0, 0)));
    }

    /// An unterminated JSON string is an error at its own line; it never swallows later lines.
    #[test]
    fn unterminated_strings_are_errors_at_their_line() {
        let mut c = KeyCounter::new();
        let block = b"{\"key\":\"a\"}\n{\"key\":\"b}\n{\"key\":\"c\"}\n";
        let err = kcat_block(block, "k", KeyEncoding::Utf8, None, &mut c)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("k:2: not a kcat -J JSON envelope"), "{err}");
    }
}
