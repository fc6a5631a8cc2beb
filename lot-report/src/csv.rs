//! The CSV output: the interval time series, one row per interval and scope.
//!
//! Each interval gives one `total` row, one `scenario` row per scenario and
//! one `step` row per step of that scenario. Columns ([`HEADER`]):
//!
//! | column | meaning |
//! |---|---|
//! | `interval` | index of the interval, from 0 |
//! | `start_s` | start of the interval, seconds since the run started |
//! | `duration_s` | length of the interval in seconds |
//! | `scope` | `total`, `scenario` or `step` |
//! | `scenario`, `step` | names (empty where they do not apply) |
//! | `target_rps` | arrival rate the plan asked for (empty for steps and for closed-model scenarios, which have no target rate) |
//! | `started` | iterations launched in the interval (empty for steps) |
//! | `ok`, `failed` | outcomes reached in the interval |
//! | `dropped`, `interrupted` | arrivals dropped / iterations interrupted in the interval (empty for steps) |
//! | `in_flight` | iterations running at the end of the interval (empty for steps) |
//! | `users` | users running at the end of the interval, for closed-model loads (empty for steps) |
//! | `latency_p50_us` … `latency_max_us` | latency of what completed in the interval, microseconds |
//! | `http_requests`, `http_failed` | HTTP requests (`lot::http`) that ended in the interval, and those that failed (empty for steps) |
//! | `http_bytes_sent`, `http_bytes_received` | their bytes (empty for steps) |
//! | `http_status_1xx` … `http_status_5xx` | their responses by status class (empty for steps) |
//!
//! Columns are only ever added at the end, so a reader that takes them by
//! position keeps working. The HTTP columns are the scenario's
//! [`HttpInterval`] counts, and on `total` rows their
//! sums over the scenarios ([`Interval::http`](crate::Interval::http));
//! divide by `duration_s` for rates.
//!
//! The CSV holds the time series only; the run's totals, percentiles and
//! threshold results are in the JSON, Markdown, HTML and text outputs.
//!
//! Quoting follows RFC 4180, and a text field that a spreadsheet would run as
//! a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! prefixed with `'`, so names and error text from the target cannot inject
//! formulas.

use std::fmt::Write as _;

use crate::model::{IntervalLatency, Summary};
use crate::requests::HttpInterval;

/// The header row.
pub const HEADER: &str = "interval,start_s,duration_s,scope,scenario,step,target_rps,started,ok,failed,dropped,interrupted,in_flight,users,latency_p50_us,latency_p90_us,latency_p99_us,latency_max_us,http_requests,http_failed,http_bytes_sent,http_bytes_received,http_status_1xx,http_status_2xx,http_status_3xx,http_status_4xx,http_status_5xx";

/// A text field, quoted and neutralised as needed.
pub fn field(text: &str) -> String {
    let neutral = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

struct Row<'a> {
    scope: &'a str,
    scenario: &'a str,
    step: &'a str,
    /// target_rps (absent for closed-model scenarios), started, dropped,
    /// interrupted, in_flight, users (all absent for steps).
    rates: Option<(Option<f64>, u64, u64, u64, u64, u64)>,
    ok: u64,
    failed: u64,
    latency: &'a IntervalLatency,
    /// Absent for steps.
    http: Option<HttpInterval>,
}

/// Renders the interval series of `summary` as CSV, header included.
pub fn render(summary: &Summary) -> String {
    let mut out = String::with_capacity(128 * (summary.intervals.len() + 1));
    out.push_str(HEADER);
    out.push_str("\r\n");
    for interval in &summary.intervals {
        let c = &interval.counts;
        let mut rows = vec![Row {
            scope: "total",
            scenario: "",
            step: "",
            rates: Some((
                Some(interval.target_rps),
                interval.started,
                c.dropped,
                c.interrupted,
                interval.in_flight,
                interval.users,
            )),
            ok: c.ok,
            failed: c.failed,
            latency: &interval.latency,
            http: Some(interval.http()),
        }];
        for sc in &interval.scenarios {
            rows.push(Row {
                scope: "scenario",
                scenario: &sc.name,
                step: "",
                rates: Some((
                    (sc.users == 0 || sc.target_rps > 0.0).then_some(sc.target_rps),
                    sc.started,
                    sc.counts.dropped,
                    sc.counts.interrupted,
                    sc.in_flight,
                    sc.users,
                )),
                ok: sc.counts.ok,
                failed: sc.counts.failed,
                latency: &sc.latency,
                http: Some(sc.http),
            });
            for st in &sc.steps {
                rows.push(Row {
                    scope: "step",
                    scenario: &sc.name,
                    step: &st.name,
                    rates: None,
                    ok: st.ok,
                    failed: st.failed,
                    latency: &st.latency,
                    http: None,
                });
            }
        }
        for row in rows {
            let (target, started, dropped, interrupted, in_flight, users) = match row.rates {
                Some((t, s, d, i, f, u)) => (
                    t.map(|t| format!("{t:.3}")).unwrap_or_default(),
                    s.to_string(),
                    d.to_string(),
                    i.to_string(),
                    f.to_string(),
                    u.to_string(),
                ),
                None => Default::default(),
            };
            let l = row.latency;
            let _ = write!(
                out,
                "{},{:.3},{:.3},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                interval.index,
                interval.start_us as f64 / 1e6,
                interval.duration_us as f64 / 1e6,
                row.scope,
                field(row.scenario),
                field(row.step),
                target,
                started,
                row.ok,
                row.failed,
                dropped,
                interrupted,
                in_flight,
                users,
                l.p50_us,
                l.p90_us,
                l.p99_us,
                l.max_us,
            );
            match &row.http {
                Some(http) => {
                    for (_, n) in http.fields() {
                        let _ = write!(out, ",{n}");
                    }
                }
                None => out.push_str(&",".repeat(HttpInterval::default().fields().len())),
            }
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_neutralised() {
        for (input, want) in [
            ("checkout", "checkout"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("", ""),
        ] {
            assert_eq!(field(input), want, "{input:?}");
        }
    }
}
