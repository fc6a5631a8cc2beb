//! Durations as people write them: `250ms`, `1.5s`, `2m`.
//!
//! ```text
//! duration = number unit                 no space between them
//! number   = digits [ "." [ digits ] ] | "." digits
//! unit     = "ns" | "us" | "µs" | "ms" | "s" | "m" | "h"
//! ```
//!
//! A number without a unit is an error, never a guess at one: `250` could be
//! milliseconds as well as seconds. Decimals are exact down to the
//! nanosecond (finer digits are dropped), and a duration longer than a
//! [`Duration`] holds (2^64 seconds) is an error. Leading and trailing
//! whitespace is ignored. Thresholds (`latency p99 < 250ms`, `abort after
//! 10s`) read their durations with [`parse`], and so do lot's settings
//! (`LOT_TIMEOUT=30s`).

use std::fmt;
use std::time::Duration;

/// Nanoseconds in one of each unit.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Fraction digits read: more could not change a nanosecond, whatever the
/// unit, and 20 digits times an hour's nanoseconds stay within `u128`.
const FRACTION_DIGITS: usize = 20;

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Parses a duration such as `250ms` or `1.5s` (see the [module docs](self)).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let invalid = || DurationError {
        text: text.to_owned(),
        too_long: false,
    };
    let too_long = || DurationError {
        text: text.to_owned(),
        too_long: true,
    };
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let Some(&(_, per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(invalid());
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(invalid());
    }
    // Only digits are left, so parsing fails only past u128.
    let whole: u128 = match whole {
        "" => 0,
        digits => digits.parse().map_err(|_| too_long())?,
    };
    let fraction = &fraction[..fraction.len().min(FRACTION_DIGITS)];
    let fraction_nanos = match fraction {
        "" => 0,
        digits => {
            let value: u128 = digits.parse().map_err(|_| invalid())?;
            value * per_unit / 10u128.pow(digits.len() as u32)
        }
    };
    let nanos = whole
        .checked_mul(per_unit)
        .and_then(|n| n.checked_add(fraction_nanos))
        .ok_or_else(too_long)?;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| too_long())?;
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).expect("below a second's nanoseconds");
    Ok(Duration::new(secs, subsec))
}

/// A text that is not a duration: its `Display` names the text and the
/// form expected, such as ``invalid duration `5`: expected a number and a
/// unit (ns, us, ms, s, m, h), such as 250ms``.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    text: String,
    too_long: bool,
}

impl DurationError {
    /// Whether the text is a well-formed duration longer than a
    /// [`Duration`] holds.
    pub fn is_too_long(&self) -> bool {
        self.too_long
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.too_long {
            write!(
                f,
                "invalid duration `{}`: longer than the longest duration, {}s",
                self.text,
                u64::MAX
            )
        } else {
            write!(
                f,
                "invalid duration `{}`: expected a number and a unit (ns, us, ms, s, m, h), such as 250ms",
                self.text
            )
        }
    }
}

impl std::error::Error for DurationError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(text: &str, want: Result<Duration, &str>) {
        assert_eq!(
            parse(text).map_err(|e| e.to_string()),
            want.map_err(str::to_owned),
            "{text:?}"
        );
    }

    #[test]
    fn reads_a_number_and_a_unit() {
        for (text, want) in [
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("500ms", Duration::from_millis(500)),
            ("10s", Duration::from_secs(10)),
            ("1.5s", Duration::from_millis(1500)),
            ("2m", Duration::from_secs(120)),
            ("1h", Duration::from_secs(3600)),
            ("7ns", Duration::from_nanos(7)),
            ("0s", Duration::ZERO),
            ("0.1ms", Duration::from_micros(100)),
            ("1.ms", Duration::from_millis(1)),
            (".5s", Duration::from_millis(500)),
            ("1.25h", Duration::from_secs(4500)),
            ("0.0000000019s", Duration::from_nanos(1)),
            (" 30s ", Duration::from_secs(30)),
            ("18446744073709551615s", Duration::from_secs(u64::MAX)),
        ] {
            check(text, Ok(want));
        }
    }

    #[test]
    fn refuses_anything_else_naming_it() {
        for bad in [
            "",
            "5",
            "10",
            "s",
            ".s",
            "10 s",
            "10 parsecs",
            "-1s",
            "1e3s",
            "1.2.3s",
            "10S",
            "10sec",
            "1,5s",
        ] {
            check(
                bad,
                Err(&format!(
                    "invalid duration `{bad}`: expected a number and a unit (ns, us, ms, s, m, h), such as 250ms"
                )),
            );
            assert!(!parse(bad).unwrap_err().is_too_long());
        }
        for huge in [
            "18446744073709551616s",
            "99999999999999999999h",
            "999999999999999999999999999999999999999999ns",
        ] {
            check(
                huge,
                Err(&format!(
                    "invalid duration `{huge}`: longer than the longest duration, 18446744073709551615s"
                )),
            );
            assert!(parse(huge).unwrap_err().is_too_long());
        }
    }
}
