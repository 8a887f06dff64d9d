//! Ingest: readers that turn input files into one [`KeyDistribution`].
//!
//! Every reader streams its input into a shared [`KeyCounter`], so memory is bounded by the number of
//! distinct keys. Several inputs form one sample.

pub mod delimited;
pub mod encoding;
pub mod source;

use crate::error::{Error, Result};
use crate::model::{EventSink, KeyCounter, KeyDistribution};

pub use source::Source;

/// What to read from each input, resolved from the command line before any input is opened.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// The header name of the key column.
    pub key: String,
    /// The header name of a weight column: each row then stands for that many events of its key.
    pub count_col: Option<String>,
    /// A fixed field delimiter; `None` detects it per input.
    pub delimiter: Option<u8>,
}

/// Reads every input (paths, or `-` for standard input) into one distribution.
pub fn read_inputs(inputs: &[String], options: &IngestOptions) -> Result<KeyDistribution> {
    let mut counter = KeyCounter::new();
    read_into(inputs, options, &mut counter)?;
    ensure_events(inputs, counter.total())?;
    Ok(counter.finish())
}

/// Reads every input into any [`EventSink`] (e.g. the bounded-memory sink of `analyze`).
pub fn read_into<S: EventSink>(
    inputs: &[String],
    options: &IngestOptions,
    sink: &mut S,
) -> Result<()> {
    if inputs.iter().filter(|i| i.as_str() == "-").count() > 1 {
        return Err(Error::Usage(
            "standard input ('-') can be read only once".into(),
        ));
    }
    for input in inputs {
        let source = Source::open(input)?;
        delimited::read(source, options, sink)?;
    }
    Ok(())
}

/// Fails when the inputs held rows but no events (every count was 0).
pub fn ensure_events(inputs: &[String], total: u64) -> Result<()> {
    if total == 0 {
        return Err(Error::Empty {
            path: inputs.join(", "),
            reason: "every row has a count of 0".into(),
        });
    }
    Ok(())
}
