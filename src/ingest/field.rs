//! Why one input field could not be read: the typed errors of the field parsers (numbers, times,
//! key encodings, key length), each message written once here. They carry no location: readers
//! wrap them with path, line and column ([`crate::error::Error::input`]).

use crate::ingest::encoding::MAX_KEY_BYTES;
use crate::ingest::time::{MAX_TIME_MS, MIN_TIME_MS};

/// A malformed field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A count or size that is not UTF-8.
    #[error("the {what} is not valid UTF-8 text; expected a whole number")]
    NumberNotUtf8 {
        /// `count`, `size` or `bytes`.
        what: &'static str,
    },
    /// An empty count or size.
    #[error("the {what} is empty; expected a non-negative whole number")]
    NumberEmpty {
        /// `count`, `size` or `bytes`.
        what: &'static str,
    },
    /// `NaN`, `inf`.
    #[error("{what} '{shown}' is not a finite number; expected a non-negative whole number")]
    NotFinite {
        /// `count`, `size` or `bytes`.
        what: &'static str,
        /// The field, shortened.
        shown: String,
    },
    /// Not a number at all.
    #[error("{what} '{shown}' is not a number; expected a non-negative whole number")]
    NotANumber {
        /// `count`, `size` or `bytes`.
        what: &'static str,
        /// The field, shortened.
        shown: String,
    },
    /// Below zero.
    #[error("{what} '{shown}' is negative; expected a non-negative whole number")]
    Negative {
        /// `count`, `size` or `bytes`.
        what: &'static str,
        /// The field, shortened.
        shown: String,
    },
    /// A fraction that is not zero.
    #[error("{what} '{shown}' is not a whole number; expected a non-negative whole number")]
    Fraction {
        /// `count`, `size` or `bytes`.
        what: &'static str,
        /// The field, shortened.
        shown: String,
    },
    /// More than `u64::MAX`.
    #[error("{what} '{shown}' is too large (the maximum is {})", u64::MAX)]
    TooLarge {
        /// `count`, `size` or `bytes`.
        what: &'static str,
        /// The field, shortened.
        shown: String,
    },
    /// A time that is not UTF-8.
    #[error("the time is not valid UTF-8 text")]
    TimeNotUtf8,
    /// An empty time.
    #[error("the time is empty; expected epoch seconds or milliseconds, or an RFC 3339 date-time")]
    TimeEmpty,
    /// Neither an epoch number nor RFC 3339.
    #[error(
        "time '{0}' is neither an epoch number nor an RFC 3339 date-time \
         (e.g. 1714564800, 1714564800000 or 2024-05-01T12:00:00Z)"
    )]
    TimeUnrecognized(String),
    /// Before year 0 or after year 9999.
    #[error(
        "time '{0}' is out of range: keyplan accepts times from 0000-01-01T00:00:00Z to \
         9999-12-31T23:59:59.999Z"
    )]
    TimeOutOfRange(String),
    /// A millisecond time (kcat `ts`) out of range.
    #[error(
        "time {0} ms is out of range: keyplan accepts times from 0000-01-01T00:00:00Z \
         ({MIN_TIME_MS}) to 9999-12-31T23:59:59.999Z ({MAX_TIME_MS})"
    )]
    TimeMsOutOfRange(i64),
    /// A key longer than [`MAX_KEY_BYTES`].
    #[error(
        "the key is {0} bytes, longer than the {} MiB keyplan accepts (Kafka's default \
         max.request.size of 1 MiB bounds a whole record); is --key the right column, or is a \
         quote or line end missing?",
        MAX_KEY_BYTES >> 20
    )]
    KeyTooLong(usize),
    /// `--key-encoding hex` with an odd digit count.
    #[error("key {0} has an odd number of hex digits")]
    OddHex(String),
    /// `--key-encoding hex` with a non-hex digit.
    #[error("key {0} is not valid hex")]
    NotHex(String),
    /// `--key-encoding base64` that does not decode.
    #[error("key {shown} is not valid base64: {reason}")]
    NotBase64 {
        /// The field, quoted and shortened.
        shown: String,
        /// The decoder's reason.
        reason: String,
    },
    /// `--key-encoding int32|int64` that is not a decimal of that size.
    #[error("key {shown} is not a decimal {kind} (use --key-encoding utf8 for text keys)")]
    NotDecimal {
        /// The field, quoted and shortened.
        shown: String,
        /// `int32` or `int64`.
        kind: &'static str,
    },
}
