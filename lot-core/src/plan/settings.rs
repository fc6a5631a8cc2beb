//! Settings that override the code: environment variables, and command-line
//! flags for binaries that opt in with [`Executor::from_args`].
//!
//! Precedence: the code's settings, then the environment, then the command
//! line. Every setting has a variable and a flag; [`SETTINGS`] lists them,
//! and `--help` (see [`help`]) prints them from that list. Durations are a
//! number and a unit, in the one grammar thresholds use too
//! ([`lot_report::duration`]). An invalid value is a configuration error
//! naming it (exit status 78), reported before any load is sent.
//!
//! [`Executor::from_args`]: crate::Executor::from_args

use std::time::Duration;

use std::net::SocketAddr;

use lot_report::{OutputError, Segment};

use crate::error::Error;
use crate::plan::outputs::Output;
use crate::schedule::Stage;

/// One setting that overrides the code: its environment variable, its
/// command-line flag, and what it does.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// The environment variable, such as `LOT_OUT`.
    pub var: &'static str,
    /// The command-line flag, such as `--out`.
    pub flag: &'static str,
    /// What the flag's value looks like, such as `FORMAT=PATH`; `None` for a
    /// switch, which takes no value on the command line (its variable takes
    /// `1` or `0`).
    pub value: Option<&'static str>,
    /// For a setting that may be given several times, the separator of
    /// its items, in the variable or in one flag's value (the flag may
    /// also be repeated).
    pub list: Option<char>,
    /// What it does, for `--help`.
    pub help: &'static str,
    /// What a valid value is, for error messages.
    pub expected: &'static str,
    /// Applies a value given by `origin` (the variable or the flag): for a
    /// list, every item of it.
    apply: fn(&mut Overrides, &str, &'static str) -> Result<(), Invalid>,
}

/// Why a value was refused.
enum Invalid {
    /// Not of the setting's form (its `expected`).
    Form,
    /// An output list that does not parse, with lot-report's own message.
    Output(OutputError),
}

/// Every setting, in the order `--help` lists them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        var: "LOT_STAGES",
        flag: "--stage",
        value: Some("FROM:TO:DURATION"),
        list: Some(','),
        help: "replace the stages of the run's load (only when it has one load), such as 0:100:30s",
        expected: "FROM:TO:DURATION with rates >= 0, such as 0:100:30s",
        apply: |o, v, _| {
            for item in items(v, ',') {
                let stage = parse_stage(item).map_err(|()| Invalid::Form)?;
                o.stages.get_or_insert_with(Vec::new).push(stage);
            }
            Ok(())
        },
    },
    Setting {
        var: "LOT_OUT",
        flag: "--out",
        value: Some("FORMAT=PATH"),
        list: Some(','),
        help: "write an output: FORMAT one of json, csv, html, md, text; PATH - is standard output; or prometheus=URL, remote write (lot's `prometheus` feature)",
        expected: "FORMAT=PATH",
        // Parsed whole, so its errors can say which entry is wrong.
        apply: |o, v, _| {
            let specs = Output::parse_list(v).map_err(Invalid::Output)?;
            o.outputs.get_or_insert_with(Vec::new).extend(specs);
            Ok(())
        },
    },
    Setting {
        var: "LOT_DASHBOARD",
        flag: "--dashboard",
        value: Some("ADDR"),
        list: None,
        help: "serve the live dashboard on ADDR, such as 127.0.0.1:5665 (lot's `dashboard` feature; no authentication)",
        expected: "IP:PORT (such as 127.0.0.1:5665), localhost:PORT, or a port",
        apply: |o, v, _| {
            let port = |p: &str| p.parse::<u16>().is_ok();
            let valid = v.parse::<SocketAddr>().is_ok()
                || port(v)
                || v.strip_prefix("localhost:").is_some_and(port);
            if !valid {
                return Err(Invalid::Form);
            }
            o.dashboard = Some(v.to_owned());
            Ok(())
        },
    },
    Setting {
        var: "LOT_THRESHOLDS",
        flag: "--threshold",
        value: Some("EXPR"),
        list: Some(';'),
        help: "replace the thresholds, such as 'latency p99 < 250ms'",
        expected: "a threshold expression",
        apply: |o, v, origin| {
            let thresholds = o.thresholds.get_or_insert_with(Vec::new);
            thresholds.extend(items(v, ';').map(str::to_owned));
            o.thresholds_from = Some(origin);
            Ok(())
        },
    },
    Setting {
        var: "LOT_QUIET",
        flag: "--quiet",
        value: None,
        list: None,
        help: "no live progress; the summary still prints",
        expected: "1, true, yes, 0, false or no",
        apply: |o, v, _| {
            o.quiet = Some(match v {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => return Err(Invalid::Form),
            });
            Ok(())
        },
    },
    Setting {
        var: "LOT_MAX_IN_FLIGHT",
        flag: "--max-in-flight",
        value: Some("N"),
        list: None,
        help: "bound on the iterations in flight of each arrival-rate load",
        expected: "a whole number of iterations >= 1",
        apply: |o, v, _| {
            o.max_in_flight = Some(parse_bound(v).map_err(|()| Invalid::Form)?);
            Ok(())
        },
    },
    Setting {
        var: "LOT_TIMEOUT",
        flag: "--timeout",
        value: Some("DURATION"),
        list: None,
        help: "per-iteration timeout, such as 30s",
        expected: "a duration > 0 such as 250ms, 10s, 2m or 1h",
        apply: |o, v, _| {
            o.timeout = Some(parse_positive_duration(v).map_err(|()| Invalid::Form)?);
            Ok(())
        },
    },
    Setting {
        var: "LOT_SEGMENT",
        flag: "--segment",
        value: Some("I/N"),
        list: None,
        help: "run only shard I (from 0) of N of a distributed run; every shard runs the same binary (or LOT_SEGMENT_COUNT=N with a Kubernetes Indexed Job's JOB_COMPLETION_INDEX=I)",
        expected: "I/N: shard I (from 0) of N, such as 0/4",
        apply: |o, v, _| {
            o.segment = Some(parse_segment(v).map_err(|()| Invalid::Form)?);
            Ok(())
        },
    },
    Setting {
        var: "LOT_START_AT",
        flag: "--start-at",
        value: Some("TIME"),
        list: None,
        help: "start at this wall-clock instant, the same for every shard: Unix seconds or RFC 3339, such as 2026-01-01T00:00:00Z",
        expected: "Unix seconds (1767225600) or an RFC 3339 time (2026-01-01T00:00:00Z)",
        apply: |o, v, _| {
            o.start_at_ms = Some(parse_start_at(v).map_err(|()| Invalid::Form)?);
            Ok(())
        },
    },
];

/// The variable that, with Kubernetes' `JOB_COMPLETION_INDEX`, stands for
/// `LOT_SEGMENT` in an Indexed Job.
const SEGMENT_COUNT_VAR: &str = "LOT_SEGMENT_COUNT";

/// The `--help` text, made from [`SETTINGS`].
pub fn help() -> String {
    let mut text = String::from(
        "Options of this lot load test (they override the LOT_* environment variables,\n\
         which override the settings in the code):\n\n",
    );
    let rows: Vec<(String, &Setting)> = SETTINGS
        .iter()
        .map(|s| {
            let flag = match s.value {
                Some(value) => format!("{} {value}", s.flag),
                None => s.flag.to_owned(),
            };
            (flag, s)
        })
        .collect();
    let width = rows.iter().map(|(f, _)| f.len()).max().unwrap_or(0).max(10) + 3;
    for (flag, s) in &rows {
        let mut help = s.help.to_owned();
        if s.list.is_some() {
            help.push_str("; repeatable");
        }
        help.push_str(&format!(" [{}]", s.var));
        let lines = wrap(&help, 78 - 4 - width);
        for (i, line) in lines.iter().enumerate() {
            let left = if i == 0 { flag.as_str() } else { "" };
            text.push_str(&format!("    {left:width$}{line}\n"));
        }
    }
    text.push_str(&format!("    {:width$}print this help\n", "-h, --help"));
    text.push_str(
        "\nExit status: 0 passed; 74 an output could not be written; 78 invalid\n\
         configuration (nothing was sent); 99 a threshold failed.\n",
    );
    text
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// Overrides from one source (the environment or the command line).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Overrides {
    pub(crate) stages: Option<Vec<Stage>>,
    pub(crate) outputs: Option<Vec<Output>>,
    /// The live dashboard's address.
    pub(crate) dashboard: Option<String>,
    pub(crate) thresholds: Option<Vec<String>>,
    /// Where `thresholds` came from, for messages.
    pub(crate) thresholds_from: Option<&'static str>,
    pub(crate) quiet: Option<bool>,
    pub(crate) max_in_flight: Option<usize>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) segment: Option<Segment>,
    /// Milliseconds since the Unix epoch.
    pub(crate) start_at_ms: Option<u64>,
}

impl Overrides {
    /// `later` wins wherever it sets something.
    pub(crate) fn then(self, later: Overrides) -> Overrides {
        Overrides {
            stages: later.stages.or(self.stages),
            outputs: later.outputs.or(self.outputs),
            dashboard: later.dashboard.or(self.dashboard),
            thresholds_from: if later.thresholds.is_some() {
                later.thresholds_from
            } else {
                self.thresholds_from
            },
            thresholds: later.thresholds.or(self.thresholds),
            quiet: later.quiet.or(self.quiet),
            max_in_flight: later.max_in_flight.or(self.max_in_flight),
            timeout: later.timeout.or(self.timeout),
            segment: later.segment.or(self.segment),
            start_at_ms: later.start_at_ms.or(self.start_at_ms),
        }
    }

    /// Reads the `LOT_*` variables of [`SETTINGS`] through `lookup`.
    pub(crate) fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Overrides, Error> {
        let get = |var: &str| lookup(var).filter(|v| !v.trim().is_empty());
        let mut o = Overrides::default();
        for setting in SETTINGS {
            let Some(text) = get(setting.var) else {
                continue;
            };
            (setting.apply)(&mut o, text.trim(), setting.var).map_err(|e| match e {
                Invalid::Form => Error::env(setting.var, &text, setting.expected),
                Invalid::Output(e) => Error::output_from(setting.var)(e),
            })?;
        }
        if o.segment.is_none() {
            if let Some(count) = get(SEGMENT_COUNT_VAR) {
                o.segment = Some(segment_of_indexed_job(&count, get("JOB_COMPLETION_INDEX"))?);
            }
        }
        Ok(o)
    }

    /// Parses command-line flags (without the program name), the flags of
    /// [`SETTINGS`] and `--help`. `Ok(None)` means `--help` was asked for.
    pub(crate) fn from_args<I, S>(args: I) -> Result<Option<Overrides>, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut o = Overrides::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            if flag == "-h" || flag == "--help" {
                return Ok(None);
            }
            let Some(setting) = SETTINGS.iter().find(|s| s.flag == flag) else {
                return Err(unknown_argument(&arg));
            };
            let value = match (setting.value, inline) {
                (Some(_), Some(v)) => v,
                (Some(_), None) => args
                    .next()
                    .ok_or_else(|| Error::flag(&flag, "", "a value after the flag"))?,
                (None, None) => "1".to_owned(),
                (None, Some(_)) => return Err(Error::flag(&flag, &arg, "no value")),
            };
            (setting.apply)(&mut o, &value, setting.flag).map_err(|e| match e {
                Invalid::Form => Error::flag(&flag, &value, setting.expected),
                Invalid::Output(e) => Error::output_from(setting.flag)(e),
            })?;
        }
        Ok(Some(o))
    }
}

/// The items of list `text`, split at `separator`, trimmed, empty ones
/// left out.
fn items(text: &str, separator: char) -> impl Iterator<Item = &str> {
    text.split(separator)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The error for `arg`, which is not a flag of [`SETTINGS`].
fn unknown_argument(arg: &str) -> Error {
    if !arg.starts_with('-') {
        return Error::flag(
            "argument",
            arg,
            "a flag; this test takes no positional arguments (see --help)",
        );
    }
    let flags: Vec<&str> = SETTINGS.iter().map(|s| s.flag).collect();
    Error::flag(arg, "", format!("one of {}, --help", flags.join(", ")))
}

/// The segment of a Kubernetes Indexed Job: `LOT_SEGMENT_COUNT=count` with
/// the job's `JOB_COMPLETION_INDEX`.
fn segment_of_indexed_job(count: &str, index: Option<String>) -> Result<Segment, Error> {
    let Some(index) = index else {
        return Err(Error::env(
            SEGMENT_COUNT_VAR,
            count,
            "JOB_COMPLETION_INDEX set too (as a Kubernetes Indexed Job sets it), or LOT_SEGMENT=I/N instead",
        ));
    };
    let text = format!("{}/{}", index.trim(), count.trim());
    parse_segment(&text).map_err(|()| {
        Error::env(
            SEGMENT_COUNT_VAR,
            &format!("{count}` with JOB_COMPLETION_INDEX=`{index}"),
            "a shard count N >= 1 and an index from 0 to N - 1",
        )
    })
}

/// Parses `I/N` with `N >= 1` and `I < N`.
fn parse_segment(text: &str) -> Result<Segment, ()> {
    let (index, count) = text.trim().split_once('/').ok_or(())?;
    let index: u64 = index.trim().parse().map_err(|_| ())?;
    let count: u64 = count.trim().parse().map_err(|_| ())?;
    if count == 0 || index >= count {
        return Err(());
    }
    Ok(Segment { index, count })
}

/// Parses Unix seconds or an RFC 3339 time into milliseconds since the epoch.
fn parse_start_at(text: &str) -> Result<u64, ()> {
    let text = text.trim();
    // Unix seconds: digits, with an optional fraction.
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(text.contains('.') && fraction.is_empty())
    {
        let seconds: f64 = text.parse().map_err(|_| ())?;
        return Ok((seconds * 1000.0).round() as u64);
    }
    // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Result<i64, ()> {
        let part = text.get(range).ok_or(())?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| ())
        } else {
            Err(())
        }
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(());
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(());
    }
    let mut rest = &text[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return Err(());
        }
        let padded = format!("{:0<3}", &fraction[..end.min(3)]);
        millis = padded.parse().map_err(|_| ())?;
        rest = &fraction[end..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(()),
            };
            let (h, m) = rest[1..].split_once(':').ok_or(())?;
            if h.len() != 2
                || m.len() != 2
                || !(h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()))
            {
                return Err(());
            }
            let (h, m): (i64, i64) = (h.parse().map_err(|_| ())?, m.parse().map_err(|_| ())?);
            if h > 23 || m > 59 {
                return Err(());
            }
            sign * (h * 60 + m)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    let ms = seconds * 1000 + millis;
    u64::try_from(ms).map_err(|_| ())
}

fn parse_positive_duration(text: &str) -> Result<Duration, ()> {
    parse_duration(text).and_then(|d| if d.is_zero() { Err(()) } else { Ok(d) })
}

fn parse_bound(text: &str) -> Result<usize, ()> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(()),
    }
}

/// Parses `FROM:TO:DURATION`.
fn parse_stage(text: &str) -> Result<Stage, ()> {
    let mut parts = text.split(':');
    let (Some(from), Some(to), Some(duration), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(());
    };
    let rate = |s: &str| match s.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err(()),
    };
    Ok(Stage::new(
        rate(from)?,
        rate(to)?,
        parse_duration(duration)?,
    ))
}

/// Parses a duration in the grammar thresholds use too.
fn parse_duration(text: &str) -> Result<Duration, ()> {
    lot_report::duration::parse(text).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, want) in [
            ("250us", Duration::from_micros(250)),
            ("500ms", Duration::from_millis(500)),
            ("10s", Duration::from_secs(10)),
            ("1.5s", Duration::from_millis(1500)),
            ("2m", Duration::from_secs(120)),
            ("1h", Duration::from_secs(3600)),
        ] {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in ["", "10", "s", "10 parsecs", "-1s", "1e3s"] {
            assert_eq!(parse_duration(bad), Err(()), "{bad}");
        }
    }

    #[test]
    fn stages() {
        assert_eq!(
            parse_stage("0:100:30s"),
            Ok(Stage::new(0.0, 100.0, Duration::from_secs(30)))
        );
        assert_eq!(
            parse_stage("0.5:2.5:500ms"),
            Ok(Stage::new(0.5, 2.5, Duration::from_millis(500)))
        );
        for bad in [
            "0:100",
            "0:100:30s:1",
            "a:1:1s",
            "-1:1:1s",
            "1:1:1parsec",
            "inf:1:1s",
        ] {
            assert_eq!(parse_stage(bad), Err(()), "{bad}");
        }
    }

    #[test]
    fn flags() {
        let o = Overrides::from_args([
            "--stage",
            "0:10:1s",
            "--stage=10:10:2s",
            "--out",
            "json=-",
            "--threshold",
            "latency p99 < 1s",
            "--quiet",
            "--max-in-flight",
            "7",
            "--timeout=5s",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(o.stages.as_ref().unwrap().len(), 2);
        assert_eq!(o.outputs.as_ref().unwrap().len(), 1);
        assert_eq!(o.thresholds, Some(vec!["latency p99 < 1s".to_owned()]));
        assert_eq!(o.quiet, Some(true));
        assert_eq!(o.max_in_flight, Some(7));
        assert_eq!(o.timeout, Some(Duration::from_secs(5)));
        assert_eq!(Overrides::from_args(["--help"]).unwrap(), None);
        assert_eq!(
            Overrides::from_args(Vec::<String>::new()).unwrap(),
            Some(Overrides::default())
        );
    }

    #[test]
    fn bad_flags_name_the_value() {
        for (args, want) in [
            (
                vec!["--stage", "0:abc:1s"],
                "invalid --stage `0:abc:1s`: expected FROM:TO:DURATION with rates >= 0, such as 0:100:30s",
            ),
            (
                vec!["--max-in-flight", "0"],
                "invalid --max-in-flight `0`: expected a whole number of iterations >= 1",
            ),
            (
                vec!["--timeout", "soon"],
                "invalid --timeout `soon`: expected a duration > 0 such as 250ms, 10s, 2m or 1h",
            ),
            (
                vec!["--timeout", "0s"],
                "invalid --timeout `0s`: expected a duration > 0 such as 250ms, 10s, 2m or 1h",
            ),
            (
                vec!["extra"],
                "invalid argument `extra`: expected a flag; this test takes no positional arguments (see --help)",
            ),
            (
                vec!["--timeout"],
                "invalid --timeout ``: expected a value after the flag",
            ),
            (
                vec!["--verbose"],
                "invalid --verbose ``: expected one of --stage, --out, --dashboard, --threshold, --quiet, --max-in-flight, --timeout, --segment, --start-at, --help",
            ),
            (
                vec!["--dashboard", "example.com:5665"],
                "invalid --dashboard `example.com:5665`: expected IP:PORT (such as 127.0.0.1:5665), localhost:PORT, or a port",
            ),
            (
                vec!["--quiet=1"],
                "invalid --quiet `--quiet=1`: expected no value",
            ),
        ] {
            let err = Overrides::from_args(args.clone()).unwrap_err();
            assert_eq!(err.to_string(), want, "{args:?}");
        }
    }

    #[test]
    fn segments_and_start_times() {
        assert_eq!(parse_segment("0/4"), Ok(Segment { index: 0, count: 4 }));
        assert_eq!(parse_segment(" 3 / 4 "), Ok(Segment { index: 3, count: 4 }));
        for bad in ["4/4", "1/0", "-1/4", "a/4", "1", "1/2/3"] {
            assert_eq!(parse_segment(bad), Err(()), "{bad}");
        }
        for (text, ms) in [
            ("1767225600", 1_767_225_600_000),
            ("1767225600.25", 1_767_225_600_250),
            ("2026-01-01T00:00:00Z", 1_767_225_600_000),
            ("2026-01-01T01:00:00+01:00", 1_767_225_600_000),
            ("2025-12-31T19:00:00.5-05:00", 1_767_225_600_500),
            ("2000-02-29t12:00:00z", 951_825_600_000),
        ] {
            assert_eq!(parse_start_at(text), Ok(ms), "{text}");
        }
        for bad in [
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00+1:00",
            "-5",
        ] {
            assert_eq!(parse_start_at(bad), Err(()), "{bad}");
        }
    }

    #[test]
    fn environment_and_precedence() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            Overrides::from_env(move |var| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| v.to_string())
            })
        };
        let e = env(&[
            ("LOT_STAGES", "0:10:1s, 10:0:1s"),
            ("LOT_THRESHOLDS", "error_rate < 1%; dropped == 0;"),
            ("LOT_QUIET", "1"),
            ("LOT_TIMEOUT", "3s"),
            ("LOT_MAX_IN_FLIGHT", "9"),
        ])
        .unwrap();
        assert_eq!(e.stages.as_ref().unwrap().len(), 2);
        assert_eq!(e.thresholds.as_ref().unwrap().len(), 2);
        let cli = Overrides::from_args(["--timeout", "1s"]).unwrap().unwrap();
        let both = e.then(cli);
        assert_eq!(
            both.timeout,
            Some(Duration::from_secs(1)),
            "the command line wins"
        );
        assert_eq!(
            both.max_in_flight,
            Some(9),
            "the environment fills the rest"
        );
        assert_eq!(
            env(&[("LOT_STAGES", "fast")]).unwrap_err().to_string(),
            "invalid LOT_STAGES=`fast`: expected FROM:TO:DURATION with rates >= 0, such as 0:100:30s"
        );
        assert_eq!(
            env(&[("LOT_QUIET", "loud")]).unwrap_err().to_string(),
            "invalid LOT_QUIET=`loud`: expected 1, true, yes, 0, false or no"
        );
        let bad_out = env(&[("LOT_OUT", "xml=a.xml")]).unwrap_err();
        assert!(bad_out.is_output());
        assert!(
            bad_out
                .to_string()
                .starts_with("LOT_OUT: invalid output `xml=a.xml`"),
            "{bad_out}"
        );
        let from_flag = Overrides::from_args(["--out", "xml=a.xml"]).unwrap_err();
        assert!(
            from_flag.to_string().starts_with("--out: invalid output"),
            "{from_flag}"
        );
        let k8s = env(&[("LOT_SEGMENT_COUNT", "4"), ("JOB_COMPLETION_INDEX", "2")]).unwrap();
        assert_eq!(k8s.segment, Some(Segment { index: 2, count: 4 }));
        assert_eq!(
            env(&[("LOT_SEGMENT", "4/4")]).unwrap_err().to_string(),
            "invalid LOT_SEGMENT=`4/4`: expected I/N: shard I (from 0) of N, such as 0/4"
        );
        assert!(
            env(&[("LOT_SEGMENT_COUNT", "4")])
                .unwrap_err()
                .to_string()
                .contains("JOB_COMPLETION_INDEX")
        );
    }
}
