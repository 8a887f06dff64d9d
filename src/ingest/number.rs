//! Exact decimal numbers: the text of a count, size or epoch time, read digit by digit instead of
//! through `f64`, so that `9007199254740993.0` is 9007199254740993 and not the nearest double.
//!
//! The grammar is the one of Rust's `f64` decimals (`12`, `+12`, `-1.5`, `.5`, `5.`, `1e3`, `1.5E-2`)
//! without `inf` and `NaN`: `[+-]? digits? (. digits?)? ([eE] [+-]? digits)?`, with at least one
//! mantissa digit.

/// Digits an `u128` always holds (its maximum has 39).
const U128_DIGITS: i64 = 38;

/// A decimal number as written: `±int.frac × 10^exp`, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal<'a> {
    /// Whether a `-` sign was written (also for zero: `-0`).
    pub negative: bool,
    /// Integer digits without leading zeros (empty for a value below 1).
    int: &'a [u8],
    /// Fraction digits without trailing zeros.
    frac: &'a [u8],
    /// The decimal exponent (`e` part), saturated far beyond any meaningful value.
    exp: i64,
}

/// The whole part of a scaled decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scaled {
    /// `floor(|value| × 10^shift)`, or `None` when it needs more than 38 digits.
    pub whole: Option<u128>,
    /// Whether nothing was cut off (the scaled value is a whole number).
    pub exact: bool,
}

impl<'a> Decimal<'a> {
    /// Parses `text` (already trimmed); `None` when it is not a decimal number.
    pub fn parse(text: &'a str) -> Option<Decimal<'a>> {
        let b = text.as_bytes();
        let (negative, b) = match b.first() {
            Some(b'-') => (true, &b[1..]),
            Some(b'+') => (false, &b[1..]),
            _ => (false, b),
        };
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let (int, rest) = b.split_at(int_len);
        let (frac, rest) = match rest.split_first() {
            Some((b'.', after)) => {
                let n = after.iter().take_while(|c| c.is_ascii_digit()).count();
                after.split_at(n)
            }
            _ => (&rest[..0], rest),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let exp = match rest.split_first() {
            None => 0,
            Some((b'e' | b'E', after)) => parse_exponent(after)?,
            Some(_) => return None,
        };
        let lead = int.iter().take_while(|&&c| c == b'0').count();
        let trail = frac.iter().rev().take_while(|&&c| c == b'0').count();
        Some(Decimal {
            negative,
            int: &int[lead..],
            frac: &frac[..frac.len() - trail],
            exp,
        })
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.is_empty()
    }

    /// The absolute value times `10^shift`, split into its whole part and whether it is exact.
    pub fn scaled(&self, shift: i64) -> Scaled {
        if self.is_zero() {
            return Scaled {
                whole: Some(0),
                exact: true,
            };
        }
        let digit = |i: usize| -> u8 {
            if i < self.int.len() {
                self.int[i] - b'0'
            } else {
                self.frac.get(i - self.int.len()).map_or(0, |d| d - b'0')
            }
        };
        let total = self.int.len() + self.frac.len();
        // Digits left of the decimal point after scaling.
        let point = (self.int.len() as i64)
            .saturating_add(self.exp)
            .saturating_add(shift);
        if point <= 0 {
            return Scaled {
                whole: Some(0),
                exact: false,
            };
        }
        // Leading digits may be zeros only when `int` is empty (a value below 1 scaled up).
        let first = (0..total).find(|&i| digit(i) != 0).unwrap_or(total) as i64;
        if point - first > U128_DIGITS {
            return Scaled {
                whole: None,
                exact: false,
            };
        }
        let point = point as usize;
        let mut whole = 0u128;
        for i in 0..point {
            whole = whole * 10 + u128::from(digit(i));
        }
        let exact = (point..total).all(|i| digit(i) == 0);
        Scaled {
            whole: Some(whole),
            exact,
        }
    }
}

/// `[+-]? digits`, saturated at a magnitude no real number reaches.
fn parse_exponent(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |acc, d| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(d - b'0'))
            .min(1 << 40)
    });
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(text: &str, shift: i64) -> (Option<u128>, bool) {
        let s = Decimal::parse(text).unwrap().scaled(shift);
        (s.whole, s.exact)
    }

    #[test]
    fn exact_whole_parts() {
        assert_eq!(
            whole("9007199254740993.0", 0),
            (Some(9_007_199_254_740_993), true)
        );
        assert_eq!(whole("1e3", 0), (Some(1000), true));
        assert_eq!(whole("1.5E1", 0), (Some(15), true));
        assert_eq!(whole("10e-1", 0), (Some(1), true));
        assert_eq!(whole("1.5", 0), (Some(1), false));
        assert_eq!(whole("0.001", 3), (Some(1), true));
        assert_eq!(whole(".5", 0), (Some(0), false));
        assert_eq!(whole("5.", 0), (Some(5), true));
        assert_eq!(whole("-0.000", 0), (Some(0), true));
        assert_eq!(whole("000123.4500", 2), (Some(12345), true));
        assert_eq!(whole("1e38", 0).0, None);
        assert_eq!(whole("1e37", 0).0, Some(10u128.pow(37)));
        assert_eq!(whole("0e999999999999999999999", 0), (Some(0), true));
        assert_eq!(whole("1e-999999999999999999999", 0), (Some(0), false));
        assert_eq!(whole("1e999999999999999999999", 0).0, None);
        assert!(Decimal::parse("-1").unwrap().negative);
    }

    #[test]
    fn not_decimals() {
        for bad in [
            "", ".", "e5", "1e", "1e+", "NaN", "inf", "1.2.3", "0x10", "1_000", "--1",
        ] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
    }
}
