//! Argument parsers shared by the subcommands: the clap side of types that lower layers define
//! without knowing about clap (partitioner ids, partition counts and lists, delimiters), and the
//! reading of `--key` shared by the commands that take a key.

use clap::builder::{PossibleValue, TypedValueParser};

use crate::analysis::stats::IntervalMethod;
use crate::error::{Error, Result};
use crate::ingest::encoding::KeyEncoding;
use crate::ingest::keyexpr::KeyExpr;
use crate::ingest::InputFormat;
use crate::model::KeyStrategy;
use crate::partitioner::{PartitionCount, Partitioner};
use crate::report::Provenance;
use crate::settings::{parse_delimiter, parse_partition_list};

/// `--key` and `--key-template` as the engine takes them: the key expression to read, and the
/// strategy that derives the analysed keys from what is read. A plain key (or none, for inputs
/// without columns) is read by the expression and analysed as read; `salt(...)` and
/// `split-hot(...)` read their own columns, so the expression is `None` then.
pub fn key_settings(
    key: Option<&str>,
    template: Option<&str>,
) -> Result<(Option<KeyExpr>, KeyStrategy)> {
    let name = key.unwrap_or_default();
    let usage = |e: &dyn std::fmt::Display| Error::Usage(e.to_string());
    match KeyStrategy::parse(name, name).map_err(|e| usage(&e))? {
        Some(_) if template.is_some() => Err(Error::Usage(
            "--key-template applies to plain keys, not to salt(...) or split-hot(...)".into(),
        )),
        Some(strategy) => Ok((None, strategy)),
        None => Ok((
            KeyExpr::parse(key, template).map_err(|e| usage(&e))?,
            KeyStrategy::as_read(name),
        )),
    }
}

/// A validated, sorted, duplicate-free list of partition counts (`--partitions`).
#[derive(Debug, Clone)]
pub struct PartitionList(pub Vec<PartitionCount>);

/// Parses `--partitions LIST` (see [`parse_partition_list`]).
pub fn partition_list(text: &str) -> Result<PartitionList, String> {
    parse_partition_list(text)
        .map(PartitionList)
        .map_err(|e| e.to_string())
}

/// Parses one partition count (`which --partitions N`).
pub fn partition_count(text: &str) -> Result<PartitionCount, String> {
    let n: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number"))?;
    PartitionCount::new(n).map_err(|e| e.to_string())
}

/// The `--partitioner` parser: the ids of [`Partitioner::ALL`] with their descriptions as possible
/// values (so `--help` lists them); an unknown id is answered with the closest id, by client name
/// (`confluent` -> `librdkafka`) or by spelling.
pub fn partitioner() -> PartitionerParser {
    PartitionerParser
}

/// See [`partitioner`].
#[derive(Debug, Clone, Copy)]
pub struct PartitionerParser;

/// Names users reach for, and the id that reproduces that client's default.
const CLIENT_NAMES: &[(&str, &str)] = &[
    ("confluent", "librdkafka"),
    ("confluent-kafka", "librdkafka"),
    ("rdkafka", "librdkafka"),
    ("rust-rdkafka", "librdkafka"),
    ("node-rdkafka", "librdkafka"),
    ("kcat", "librdkafka"),
    ("kafkacat", "librdkafka"),
    ("crc32", "librdkafka-consistent"),
    ("consistent", "librdkafka-consistent"),
    ("consistent_random", "librdkafka"),
    ("kafka", "java"),
    ("kafka-java", "java"),
    ("apache", "java"),
    ("default", "java"),
    ("murmur2", "java"),
    ("kafka-python", "java"),
    ("kafkajs", "java"),
    ("franz-go", "java"),
    ("kafka-streams", "java"),
    ("fnv1a", "sarama"),
    ("go", "sarama"),
    ("kafka-go", "kafka-go-hash"),
    ("segmentio", "kafka-go-hash"),
    ("aws", "kinesis"),
    ("pulsar", "pulsar-java"),
    ("redpanda", "redpanda-client"),
];

/// The id to suggest for an unknown `text`: a known client name, else the id at the smallest edit
/// distance when it is close enough to be a typo.
pub fn suggest_partitioner(text: &str) -> Option<&'static str> {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(&(_, id)) = CLIENT_NAMES.iter().find(|(name, _)| *name == lower) {
        return Some(id);
    }
    Partitioner::ALL
        .iter()
        .map(|p| (edit_distance(&lower, p.id()), p.id()))
        .filter(|&(d, id)| d <= (id.len() / 3).max(2))
        .min()
        .map(|(_, id)| id)
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl TypedValueParser for PartitionerParser {
    type Value = Partitioner;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Partitioner, clap::Error> {
        let text = value.to_string_lossy();
        if let Some(p) = Partitioner::from_id(&text) {
            return Ok(p);
        }
        let flag = arg.map_or("--partitioner".to_string(), |a| {
            format!("--{}", a.get_long().unwrap_or("partitioner"))
        });
        let hint = match suggest_partitioner(&text) {
            Some(id) => format!("Did you mean '{id}'? "),
            None => String::new(),
        };
        let ids: Vec<&str> = Partitioner::ALL.iter().map(|p| p.id()).collect();
        let message = format!(
            "invalid value '{text}' for {flag}: no such partitioner. {hint}The ids are {}; \
             `keyplan partitioners` says which clients use each.\n",
            ids.join(", ")
        );
        Err(clap::Error::raw(clap::error::ErrorKind::InvalidValue, message).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Partitioner::ALL
                .iter()
                .map(|p| PossibleValue::new(p.id()).help(p.summary())),
        ))
    }
}

/// `--interval`: how the confidence interval of the hottest partition's share is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IntervalArg {
    /// Keys are the sampling units (bootstrap over keys, cluster-robust): right when a key's events
    /// come in bursts, as in real traffic, or the weight column is not an event count.
    KeyClustered,
    /// Events are independent draws (Clopper-Pearson): too narrow for bursty traffic.
    Multinomial,
}

impl From<IntervalArg> for IntervalMethod {
    fn from(a: IntervalArg) -> IntervalMethod {
        match a {
            IntervalArg::KeyClustered => IntervalMethod::KeyClustered,
            IntervalArg::Multinomial => IntervalMethod::Multinomial,
        }
    }
}

/// The provenance every command that reads a sample records: inputs, rows, format, the named
/// columns that were given (`(flag name, value)`), delimiter and key encoding. Commands add their own
/// settings after it.
pub fn input_provenance(
    inputs: &[String],
    rows: u64,
    format: InputFormat,
    columns: &[(&str, &Option<String>)],
    delimiter: Option<u8>,
    encoding: KeyEncoding,
) -> Provenance {
    let mut p = Provenance::new(inputs.to_vec(), rows);
    p.set("input_format", format.name());
    for &(name, value) in columns {
        if let Some(v) = value {
            p.set(name, v);
        }
    }
    if let Some(d) = delimiter {
        p.set("delimiter", (d as char).escape_default());
    }
    p.set("key_encoding", encoding.name());
    p
}

/// Parses `--window` into milliseconds (see [`crate::settings::parse_window`]).
pub fn window(text: &str) -> Result<i64, String> {
    crate::settings::parse_window(text).map_err(|e| e.to_string())
}

/// Parses `--delimiter` (see [`parse_delimiter`]).
pub fn delimiter(text: &str) -> Result<u8, String> {
    parse_delimiter(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest_partitioner("confluent"), Some("librdkafka"));
        assert_eq!(suggest_partitioner("Kafka-Python"), Some("java"));
        assert_eq!(suggest_partitioner("librdkafa"), Some("librdkafka"));
        assert_eq!(suggest_partitioner("sarma"), Some("sarama"));
        assert_eq!(suggest_partitioner("zzzzzzzz"), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
