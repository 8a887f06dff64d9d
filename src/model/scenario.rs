//! Scenarios: one key strategy under one partitioner at one partition count.
//!
//! A run evaluates the grid strategies x partitioners x counts. A strategy is the key as read, or a
//! what-if built from a field: salting (`salt(FIELD, N, by=OTHER)`) and hot-key splitting
//! (`split-hot(FIELD, top=K, ways=D)`). The key bytes each produces are specified in
//! docs/strategies.md; the grid stays the same shape whatever the strategy, so reports and checks
//! index scenarios the same way.

use crate::partitioner::{PartitionCount, Partitioner};

/// What joins a salted or split key's field bytes and its decimal bucket: `acme` -> `acme#3`
/// (docs/strategies.md).
pub const BUCKET_SEPARATOR: u8 = b'#';

/// The most buckets (`N` of `salt`, `D` of `split-hot`) a strategy may ask for: more sub-keys than
/// the largest partition count cannot spread a key any further.
pub const MAX_BUCKETS: u32 = 100_000;

/// How the producer turns an event into its partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStrategy {
    /// The key exactly as the input gives it (`--key`, with any template and encoding applied).
    AsRead {
        /// The strategy's name in reports (the `--key` expression, or a plan's strategy name).
        name: String,
    },
    /// `salt(FIELD, N[, by=OTHER])`: every key becomes `FIELD#b` with `b` in `0..N`: a hash of OTHER
    /// (so OTHER's events stay together), or per-key round-robin in input order without `by`.
    Salt {
        /// The strategy's name in reports.
        name: String,
        /// The column whose bytes are the base key.
        field: String,
        /// How many buckets every key is spread over.
        buckets: u32,
        /// The column whose bytes choose the bucket; `None` is round-robin.
        by: Option<String>,
    },
    /// `split-hot(FIELD, top=K, ways=D[, by=OTHER])`: the `K` heaviest FIELD values become `FIELD#b`
    /// with `b` in `0..D` (chosen as in [`KeyStrategy::Salt`]); every other key stays as it is.
    SplitHot {
        /// The strategy's name in reports.
        name: String,
        /// The column whose bytes are the base key.
        field: String,
        /// How many of the heaviest keys are split.
        top: u32,
        /// How many sub-keys each of them is spread over.
        ways: u32,
        /// The column whose bytes choose the sub-key; `None` is round-robin.
        by: Option<String>,
    },
}

/// Why a `salt(...)` or `split-hot(...)` key does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    /// Not of the form `function(arguments)`.
    #[error(
        "key '{0}' is not a strategy: expected salt(FIELD, N[, by=OTHER]) or \
         split-hot(FIELD, top=K, ways=D[, by=OTHER])"
    )]
    Syntax(String),
    /// A function other than `salt` or `split-hot`.
    #[error("key '{text}': unknown strategy '{function}' (the strategies are salt and split-hot)")]
    UnknownFunction {
        /// The whole key text.
        text: String,
        /// The function name given.
        function: String,
    },
    /// A missing, repeated, unknown or malformed argument.
    #[error("key '{text}': {problem}")]
    Argument {
        /// The whole key text.
        text: String,
        /// What is wrong, and the expected form.
        problem: String,
    },
}

impl KeyStrategy {
    /// The key as read, named `name`.
    pub fn as_read(name: impl Into<String>) -> KeyStrategy {
        KeyStrategy::AsRead { name: name.into() }
    }

    /// Parses a key text: `Ok(None)` for a plain key (no parenthesis), a strategy for
    /// `salt(FIELD, N[, by=OTHER])` or `split-hot(FIELD, top=K, ways=D[, by=OTHER])`, named `name`.
    pub fn parse(text: &str, name: &str) -> Result<Option<KeyStrategy>, StrategyError> {
        let t = text.trim();
        let Some(open) = t.find('(') else {
            return Ok(None);
        };
        let Some(inner) = t[open + 1..].strip_suffix(')') else {
            return Err(StrategyError::Syntax(text.to_string()));
        };
        let function = t[..open].trim();
        let bad = |problem: String| StrategyError::Argument {
            text: text.to_string(),
            problem,
        };
        let args: Vec<&str> = inner.split(',').map(str::trim).collect();
        let Some((&field, rest)) = args.split_first().filter(|(f, _)| is_column(f)) else {
            return Err(bad(
                "the first argument must be a column name (FIELD)".into()
            ));
        };
        let mut positional = Vec::new();
        let mut named: Vec<(&str, &str)> = Vec::new();
        for a in rest {
            match a.split_once('=') {
                Some((k, v)) => {
                    let (k, v) = (k.trim(), v.trim());
                    if named.iter().any(|(n, _)| *n == k) {
                        return Err(bad(format!("argument '{k}' is given twice")));
                    }
                    named.push((k, v));
                }
                None if named.is_empty() => positional.push(*a),
                None => return Err(bad(format!("'{a}' must be named (e.g. top=, ways=, by=)"))),
            }
        }
        let number = |what: &str, v: &str, max: u32| -> Result<u32, StrategyError> {
            v.parse::<u32>()
                .ok()
                .filter(|&n| (1..=max).contains(&n))
                .ok_or_else(|| {
                    bad(format!(
                        "{what} must be a whole number in 1..={max}, not '{v}'"
                    ))
                })
        };
        let by = |named: &[(&str, &str)]| -> Result<Option<String>, StrategyError> {
            match named.iter().find(|(k, _)| *k == "by") {
                None => Ok(None),
                Some((_, v)) if is_column(v) => Ok(Some(v.to_string())),
                Some((_, v)) => Err(bad(format!("by='{v}' must be one column name"))),
            }
        };
        let unknown = |named: &[(&str, &str)], allowed: &[&str]| -> Result<(), StrategyError> {
            match named.iter().find(|(k, _)| !allowed.contains(k)) {
                Some((k, _)) => Err(bad(format!(
                    "unknown argument '{k}' (allowed: {})",
                    allowed.join(", ")
                ))),
                None => Ok(()),
            }
        };
        match function {
            "salt" => {
                unknown(&named, &["by"])?;
                let [n] = positional.as_slice() else {
                    return Err(bad("expected salt(FIELD, N[, by=OTHER])".into()));
                };
                Ok(Some(KeyStrategy::Salt {
                    name: name.to_string(),
                    field: field.to_string(),
                    buckets: number("N", n, MAX_BUCKETS)?,
                    by: by(&named)?,
                }))
            }
            "split-hot" => {
                unknown(&named, &["top", "ways", "by"])?;
                if !positional.is_empty() {
                    return Err(bad(
                        "expected split-hot(FIELD, top=K, ways=D[, by=OTHER])".into()
                    ));
                }
                let get = |k: &str| {
                    named
                        .iter()
                        .find(|(n, _)| *n == k)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| {
                            bad(format!("missing {k}= (split-hot(FIELD, top=K, ways=D))"))
                        })
                };
                Ok(Some(KeyStrategy::SplitHot {
                    name: name.to_string(),
                    field: field.to_string(),
                    top: number("top", get("top")?, u32::MAX)?,
                    ways: number("ways", get("ways")?, MAX_BUCKETS)?,
                    by: by(&named)?,
                }))
            }
            other => Err(StrategyError::UnknownFunction {
                text: text.to_string(),
                function: other.to_string(),
            }),
        }
    }

    /// The name shown in reports.
    pub fn name(&self) -> &str {
        match self {
            KeyStrategy::AsRead { name }
            | KeyStrategy::Salt { name, .. }
            | KeyStrategy::SplitHot { name, .. } => name,
        }
    }

    /// The base key column of a salting or splitting strategy (`None` for the key as read).
    pub fn field(&self) -> Option<&str> {
        match self {
            KeyStrategy::AsRead { .. } => None,
            KeyStrategy::Salt { field, .. } | KeyStrategy::SplitHot { field, .. } => Some(field),
        }
    }

    /// The column that chooses the bucket at ingest, and the bucket count: set for `by=` strategies.
    pub fn bucket_by(&self) -> Option<(&str, u32)> {
        match self {
            KeyStrategy::Salt {
                by: Some(by),
                buckets,
                ..
            } => Some((by, *buckets)),
            KeyStrategy::SplitHot {
                by: Some(by), ways, ..
            } => Some((by, *ways)),
            _ => None,
        }
    }

    /// Whether the strategy changes keys after counting (folding light keys back, or splitting keys
    /// round-robin), which needs the exact distribution.
    pub fn needs_exact_counts(&self) -> bool {
        matches!(
            self,
            KeyStrategy::SplitHot { .. } | KeyStrategy::Salt { by: None, .. }
        )
    }
}

/// A bare column name as strategies accept it: not empty, and free of the characters that structure
/// a strategy text.
fn is_column(s: &str) -> bool {
    !s.is_empty() && !s.contains(['(', ')', '=', ','])
}

/// The bucket `by` bytes choose among `buckets`: Kafka's murmur2 made positive, modulo `buckets`
/// (`Utils.toPositive(Utils.murmur2(bytes)) % N` in Java; docs/strategies.md).
pub fn bucket_of(by: &[u8], buckets: u32) -> u32 {
    (crate::partitioner::murmur2::murmur2(by) & 0x7fff_ffff) % buckets
}

/// Appends the bucket suffix (`#` and the bucket in decimal) to `key`.
pub fn push_bucket(key: &mut Vec<u8>, bucket: u32) {
    key.push(BUCKET_SEPARATOR);
    key.extend_from_slice(bucket.to_string().as_bytes());
}

/// Splits a bucketed key into its base and bucket (at the last separator).
pub fn split_bucket(key: &[u8]) -> Option<(&[u8], u32)> {
    let at = key.iter().rposition(|&b| b == BUCKET_SEPARATOR)?;
    let digits = std::str::from_utf8(&key[at + 1..]).ok()?;
    Some((&key[..at], digits.parse().ok()?))
}

/// Where a scenario sits in the grid: the strategy's index, the partitioner and the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScenarioId {
    /// Index into the run's strategies.
    pub strategy: usize,
    /// The producer client's mapping.
    pub partitioner: Partitioner,
    /// The partition count.
    pub partitions: PartitionCount,
}

/// Every scenario of a grid, strategy-major, then partitioner (in the order given), then count
/// (ascending, as given): the order reports list them in.
pub fn grid(
    strategies: usize,
    partitioners: &[Partitioner],
    counts: &[PartitionCount],
) -> Vec<ScenarioId> {
    (0..strategies)
        .flat_map(|strategy| {
            partitioners.iter().flat_map(move |&partitioner| {
                counts.iter().map(move |&partitions| ScenarioId {
                    strategy,
                    partitioner,
                    partitions,
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_parse() {
        let parse = |t: &str| KeyStrategy::parse(t, "s");
        assert_eq!(parse("customer"), Ok(None));
        assert_eq!(
            parse(" salt( customer , 8 , by = order_id ) "),
            Ok(Some(KeyStrategy::Salt {
                name: "s".into(),
                field: "customer".into(),
                buckets: 8,
                by: Some("order_id".into()),
            }))
        );
        assert_eq!(
            parse("split-hot(c, top=3, ways=4)"),
            Ok(Some(KeyStrategy::SplitHot {
                name: "s".into(),
                field: "c".into(),
                top: 3,
                ways: 4,
                by: None,
            }))
        );
        for bad in [
            "salt(c)",
            "salt(c, 0)",
            "salt(c, x)",
            "salt(c, 8, by=)",
            "salt(c, 8, top=2)",
            "split-hot(c, 2, 3)",
            "split-hot(c, top=2)",
            "split-hot(c, top=2, ways=3, ways=4)",
            "salt(, 8)",
            "salt(c, 8",
            "hash(c)",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn buckets_round_trip() {
        let mut key = b"a#b".to_vec();
        push_bucket(&mut key, 17);
        assert_eq!(key, b"a#b#17");
        assert_eq!(split_bucket(&key), Some((&b"a#b"[..], 17)));
        // Kafka's murmur2 of "order-17", positive, mod 8 (docs/strategies.md).
        assert_eq!(bucket_of(b"order-17", 8), 1);
    }

    #[test]
    fn grid_order() {
        let n = |c| PartitionCount::new(c).unwrap();
        let g = grid(2, &[Partitioner::Sarama, Partitioner::Java], &[n(3), n(6)]);
        assert_eq!(g.len(), 8);
        assert_eq!(g[0].partitioner, Partitioner::Sarama);
        assert_eq!(g[1].partitions, n(6));
        assert_eq!(g[2].partitioner, Partitioner::Java);
        assert_eq!(g[4].strategy, 1);
    }
}
