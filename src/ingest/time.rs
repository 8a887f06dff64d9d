//! Event times: epoch numbers (seconds, milliseconds, microseconds or nanoseconds, told apart by
//! magnitude) and RFC 3339 date-times, all turned into milliseconds since the Unix epoch, within
//! the years 0000..=9999 ([`MIN_TIME_MS`], [`MAX_TIME_MS`]).

use crate::ingest::number::Decimal;

/// Epoch numbers with an absolute value below this are seconds. 1e11 seconds is the year 5138, while
/// 1e11 milliseconds is 1973-03-03: no real event sample is older than that, so a millisecond timestamp
/// of any event since 1973 is at least this large and any second timestamp before 5138 is below it.
pub const SECONDS_BELOW: f64 = 1e11;
/// Below this (and at least [`SECONDS_BELOW`]): milliseconds (1e14 ms is the year 5138).
pub const MILLIS_BELOW: f64 = 1e14;
/// Below this: microseconds; at or above: nanoseconds (same reasoning, a factor 1000 apart).
pub const MICROS_BELOW: f64 = 1e17;

/// The earliest accepted time, 0000-01-01T00:00:00Z, in milliseconds since the Unix epoch. RFC 3339
/// years have four digits, so 0000..=9999 is the range it can spell; epoch numbers are held to the
/// same range, so an absurd value (`1e26`, `-1e30`) is an error instead of a clamped extreme.
pub const MIN_TIME_MS: i64 = -62_167_219_200_000;
/// The latest accepted time, 9999-12-31T23:59:59.999Z, in milliseconds since the Unix epoch.
pub const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Parses one time field into milliseconds since the Unix epoch.
///
/// Accepted: an integer or decimal epoch number whose unit is told by magnitude (see the constants),
/// or an RFC 3339 date-time such as `2024-05-01T12:00:00Z`, `2024-05-01 12:00:00.250+02:00`. Epoch
/// numbers are read exactly (no rounding through `f64`) and floored to the millisecond. Times outside
/// [`MIN_TIME_MS`]..=[`MAX_TIME_MS`] are errors.
pub fn parse_time(field: &[u8]) -> Result<i64, String> {
    let text = std::str::from_utf8(field)
        .map_err(|_| "the time is not valid UTF-8 text".to_string())?
        .trim();
    if text.is_empty() {
        return Err(
            "the time is empty; expected epoch seconds or milliseconds, or an RFC 3339 date-time"
                .into(),
        );
    }
    let ms = match Decimal::parse(text) {
        Some(number) => epoch_to_ms(&number),
        None => Some(parse_rfc3339(text).ok_or_else(|| {
            format!(
                "time '{}' is neither an epoch number nor an RFC 3339 date-time \
                 (e.g. 1714564800, 1714564800000 or 2024-05-01T12:00:00Z)",
                shorten(text)
            )
        })?),
    };
    match ms {
        Some(ms) if (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms) => Ok(ms),
        _ => Err(format!(
            "time '{}' is out of range: keyplan accepts times from 0000-01-01T00:00:00Z to \
             9999-12-31T23:59:59.999Z",
            shorten(text)
        )),
    }
}

/// Checks that a time already in milliseconds (kcat's `ts`) is in the accepted range.
pub fn check_range(ms: i64) -> Result<i64, String> {
    if (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms) {
        Ok(ms)
    } else {
        Err(format!(
            "time {ms} ms is out of range: keyplan accepts times from 0000-01-01T00:00:00Z \
             ({MIN_TIME_MS}) to 9999-12-31T23:59:59.999Z ({MAX_TIME_MS})"
        ))
    }
}

fn shorten(text: &str) -> &str {
    let mut end = text.len().min(40);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// An epoch number in milliseconds (floored), its unit told by magnitude; `None` when it is too
/// large to be any time at all.
fn epoch_to_ms(number: &Decimal<'_>) -> Option<i64> {
    // `scaled(-k).whole == 0` is exactly `|v| < 10^k`.
    let below = |k: i64| number.scaled(-k).whole == Some(0);
    let shift = if below(11) {
        3 // seconds
    } else if below(14) {
        0 // milliseconds
    } else if below(17) {
        -3 // microseconds
    } else {
        -6 // nanoseconds
    };
    let scaled = number.scaled(shift);
    let whole = i64::try_from(scaled.whole?).ok()?;
    Some(if !number.negative {
        whole
    } else if scaled.exact {
        -whole
    } else {
        -whole - 1
    })
}

/// `YYYY-MM-DD[Tt ]HH:MM:SS[.fraction](Z|z|±HH:MM)`.
fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    // Byte ranges, not `&text[r]`: a multi-byte character there is a malformed time, not a panic.
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // 60 is a leap second, which RFC 3339 allows; it is counted as the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0i64;
    if rest.first() == Some(&b'.') {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (i, &d) in rest[1..=digits].iter().take(3).enumerate() {
            millis += i64::from(d - b'0') * [100, 10, 1][i];
        }
        rest = &rest[1 + digits..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let h = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let m = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'-' {
                -(h * 60 + m)
            } else {
                h * 60 + m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_units_by_magnitude() {
        assert_eq!(parse_time(b"1714564800"), Ok(1_714_564_800_000));
        assert_eq!(parse_time(b"1714564800123"), Ok(1_714_564_800_123));
        assert_eq!(parse_time(b"1714564800123456"), Ok(1_714_564_800_123));
        assert_eq!(parse_time(b"1714564800123456789"), Ok(1_714_564_800_123));
        assert_eq!(parse_time(b" 1714564800.5 "), Ok(1_714_564_800_500));
        assert_eq!(parse_time(b"0"), Ok(0));
        assert_eq!(parse_time(b"-86400"), Ok(-86_400_000));
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_time(b"1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time(b"2024-05-01T12:00:00Z"), Ok(1_714_564_800_000));
        assert_eq!(
            parse_time(b"2024-05-01 14:00:00.25+02:00"),
            Ok(1_714_564_800_250)
        );
        assert_eq!(parse_time(b"2024-02-29t00:00:00z"), Ok(1_709_164_800_000));
        assert_eq!(parse_time(b"1969-12-31T23:59:59.999Z"), Ok(-1));
    }

    #[test]
    fn bad_times() {
        for bad in [
            &b""[..],
            b"NaN",
            b"inf",
            b"yesterday",
            b"2023-02-29T00:00:00Z",
            b"2024-13-01T00:00:00Z",
            b"2024-05-01T12:00:00",
            b"2024-05-01T12:00:00.Z",
            b"2024-05-01T25:00:00Z",
            b"\xff",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
    }

    /// A multi-byte character where the parser expects digits is an error, not a panic (issue #13).
    #[test]
    fn multibyte_characters_are_errors() {
        for bad in [
            "2024-05-01T12:00:0\u{e9}0Z",
            "\u{e9}024-05-01T12:00:00Z",
            "2024-0\u{e9}1T12:00:00Z",
            "2024-05-01T12:00:00.\u{e9}Z",
            "2024-05-01T12:00:00+0\u{e9}:00",
            "2024-05-01T12:00:00\u{1f600}",
            "\u{1f600}\u{1f600}\u{1f600}\u{1f600}\u{1f600}",
        ] {
            let err = parse_time(bad.as_bytes()).unwrap_err();
            assert!(err.contains("neither an epoch number"), "{bad}: {err}");
        }
    }

    /// Times outside the years 0000..=9999 are errors, not clamped (issue #13).
    #[test]
    fn out_of_range_times_are_errors() {
        for bad in [
            "1e26",
            "-1e30",
            "1e400",
            "1e21",
            "-99999999999999999999999",
            "-62167219201",
            "253402300800000000000",
            "0000-01-01T00:00:00+00:01",
        ] {
            let err = parse_time(bad.as_bytes()).unwrap_err();
            assert!(err.contains("out of range"), "{bad}: {err}");
        }
        assert_eq!(parse_time(b"0000-01-01T00:00:00Z"), Ok(MIN_TIME_MS));
        assert_eq!(parse_time(b"9999-12-31T23:59:59.999Z"), Ok(MAX_TIME_MS));
        assert_eq!(parse_time(b"-62167219200"), Ok(MIN_TIME_MS));
        assert_eq!(parse_time(b"253402300799999000000"), Ok(MAX_TIME_MS));
        assert_eq!(parse_time(b"99999999999"), Ok(99_999_999_999_000));
        // i64's extremes as nanoseconds are the years 1677 and 2262.
        assert_eq!(parse_time(b"9223372036854775807"), Ok(9_223_372_036_854));
        assert!(check_range(i64::MAX).is_err());
        assert_eq!(check_range(0), Ok(0));
    }

    /// Epoch decimals are read exactly and floored to the millisecond.
    #[test]
    fn epoch_decimals_are_exact() {
        // 1714564800.123 is 1714564800.1229999... as an f64, which floors to ...122 ms.
        assert_eq!(parse_time(b"1714564800.123"), Ok(1_714_564_800_123));
        assert_eq!(parse_time(b"1.7145648001e9"), Ok(1_714_564_800_100));
        assert_eq!(parse_time(b"-1.5"), Ok(-1500));
        assert_eq!(parse_time(b"-0.0001"), Ok(-1));
        assert_eq!(parse_time(b"1714564800123.9"), Ok(1_714_564_800_123));
        assert_eq!(parse_time(b"-1714564800123456789"), Ok(-1_714_564_800_124));
    }
}
