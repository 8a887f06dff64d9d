//! Argument parsers shared by the subcommands: the clap side of types that lower layers define
//! without knowing about clap (partitioner ids, partition counts and lists, delimiters).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use crate::partitioner::{PartitionCount, Partitioner};
use crate::settings::parse_partition_list;

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
/// values, so `--help` lists them and a typo gets clap's "did you mean".
pub fn partitioner() -> impl TypedValueParser<Value = Partitioner> {
    PossibleValuesParser::new(
        Partitioner::ALL
            .iter()
            .map(|p| PossibleValue::new(p.id()).help(p.summary())),
    )
    .map(|id| Partitioner::from_id(&id).expect("clap accepts only listed ids"))
}

/// Parses `--delimiter`: one ASCII character, or the words `tab` / `\t`.
pub fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!(
            "'{text}' is not a single ASCII character (use e.g. ',', ';', '|' or 'tab')"
        )),
    }
}
