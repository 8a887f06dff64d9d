//! Settings: what the user asked for, validated before any input is read.
//!
//! Flags (and a plan file, [`plan`]) become these typed values; the pipeline ([`crate::engine`]) runs on
//! them and never sees raw text. Parsers here return typed errors ([`ListError`], [`DelimiterError`]); the CLI layer turns
//! them into usage messages.

pub mod plan;

use crate::partitioner::{CountError, PartitionCount, MAX_PARTITIONS};

/// Why a field delimiter does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a single ASCII character (use e.g. ',', ';', '|' or 'tab')")]
pub struct DelimiterError {
    /// The text given.
    pub text: String,
}

/// Parses a field delimiter: one ASCII character, or the words `tab` / `\t`.
pub fn parse_delimiter(text: &str) -> Result<u8, DelimiterError> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && !matches!(text, "\"" | "\n" | "\r") => {
            Ok(text.as_bytes()[0])
        }
        _ => Err(DelimiterError {
            text: text.to_string(),
        }),
    }
}

/// Why a partition-count list does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// `6,,12`: an empty item.
    #[error("empty item in partition list '{0}' (expected e.g. 6,12,24 or 8..64:8)")]
    EmptyItem(String),
    /// `1..5:0`.
    #[error("range '{0}' has a step of 0")]
    ZeroStep(String),
    /// `12..6`.
    #[error("range '{0}' is empty: its start is greater than its end")]
    EmptyRange(String),
    /// `-3`.
    #[error("partition count '{text}' in '{item}' is negative; counts are 1..={MAX_PARTITIONS}")]
    Negative {
        /// The number as written.
        text: String,
        /// The list item it is in.
        item: String,
    },
    /// `x`.
    #[error("'{text}' in '{item}' is not a whole number (expected e.g. 6,12,24 or 8..64:8)")]
    NotANumber {
        /// The text as written.
        text: String,
        /// The list item it is in.
        item: String,
    },
    /// `0` or `200000`.
    #[error(transparent)]
    Count(#[from] CountError),
}

/// Parses a partition-count list: `6,12,24`, inclusive ranges `8..64` (or `8..=64`), ranges with a step
/// `8..64:8` (also written `8..64/8` or `8..64..8`), and any mix of them separated by commas.
///
/// The result is sorted and free of duplicates, so reports always list counts in ascending order.
pub fn parse_partition_list(text: &str) -> Result<Vec<PartitionCount>, ListError> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(ListError::EmptyItem(text.to_string()));
        }
        if let Some((start, rest)) = item.split_once("..") {
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            let (end, step) = match rest
                .split_once(':')
                .or_else(|| rest.split_once('/'))
                .or_else(|| rest.split_once(".."))
            {
                Some((end, step)) => (end, parse_number(step, item)?),
                None => (rest, 1),
            };
            let (start, end) = (parse_number(start, item)?, parse_number(end, item)?);
            if step == 0 {
                return Err(ListError::ZeroStep(item.to_string()));
            }
            if start > end {
                return Err(ListError::EmptyRange(item.to_string()));
            }
            let last = PartitionCount::new(end)?;
            let mut n = start;
            while n <= u64::from(last.get()) {
                out.push(PartitionCount::new(n)?);
                n += step;
            }
        } else {
            out.push(PartitionCount::new(parse_number(item, item)?)?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn parse_number(text: &str, item: &str) -> Result<u64, ListError> {
    let text = text.trim();
    text.parse::<u64>().map_err(|_| {
        let (text, item) = (text.to_string(), item.to_string());
        if text.starts_with('-') {
            ListError::Negative { text, item }
        } else {
            ListError::NotANumber { text, item }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(text: &str) -> Vec<u32> {
        parse_partition_list(text)
            .unwrap()
            .into_iter()
            .map(PartitionCount::get)
            .collect()
    }

    #[test]
    fn partition_lists() {
        assert_eq!(counts("6,12,24"), vec![6, 12, 24]);
        assert_eq!(counts("24, 6,12,6"), vec![6, 12, 24]);
        assert_eq!(counts("8..12"), vec![8, 9, 10, 11, 12]);
        assert_eq!(counts("8..=10"), vec![8, 9, 10]);
        assert_eq!(counts("8..32:8"), vec![8, 16, 24, 32]);
        assert_eq!(counts("8..30/8"), vec![8, 16, 24]);
        assert_eq!(counts("8..32..8,3"), vec![3, 8, 16, 24, 32]);
        assert_eq!(counts("100000"), vec![100_000]);
    }

    #[test]
    fn bad_partition_lists() {
        for bad in [
            "0", "100001", "-3", "a", "6,,12", "", "12..6", "1..5:0", "5..", "1..5:x",
        ] {
            assert!(parse_partition_list(bad).is_err(), "{bad:?} should fail");
        }
        assert!(parse_partition_list("0")
            .unwrap_err()
            .to_string()
            .contains("at least 1"));
        assert!(parse_partition_list("200000")
            .unwrap_err()
            .to_string()
            .contains("out of range"));
    }
}
