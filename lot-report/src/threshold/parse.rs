//! The threshold grammar (in the [`threshold`](crate::threshold) docs):
//! [`Threshold::parse`].

use std::time::Duration;

use crate::threshold::expr::{
    METRICS, Metric, OPERATORS, Operator, Statistic, Status, Threshold, ThresholdError, Unit,
    scope_may_name,
};

struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn error(&self, at: usize, message: impl Into<String>) -> ThresholdError {
        ThresholdError {
            expression: self.text.to_owned(),
            at,
            message: message.into(),
        }
    }

    /// A word of letters, digits, `_`, `.` and `µ`.
    fn word(&mut self) -> (usize, &'a str) {
        self.skip_space();
        let start = self.at;
        let len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == 'µ'))
            .unwrap_or(self.rest().len());
        self.at += len;
        (start, &self.text[start..self.at])
    }
}

/// The productions of the grammar, each reading its part of the
/// expression at the cursor.
impl Cursor<'_> {
    /// `metric`.
    fn metric(&mut self) -> Result<Metric, ThresholdError> {
        let (at, word) = self.word();
        if word.is_empty() {
            return Err(self.error(at, "expected a metric"));
        }
        let Some(&(_, metric)) = METRICS.iter().find(|(n, _)| *n == word) else {
            let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
            return Err(self.error(
                at,
                format!(
                    "unknown metric `{word}`; expected one of: {}",
                    names.join(", ")
                ),
            ));
        };
        Ok(metric)
    }

    /// `[ "[" name "]" ]`.
    fn scope(&mut self, metric: Metric) -> Result<Option<String>, ThresholdError> {
        self.skip_space();
        let mut scope = None;
        if self.rest().starts_with('[') {
            let open = self.at;
            let Some(close) = self.rest().find(']') else {
                return Err(self.error(open, "`[` without a closing `]`"));
            };
            let name = self.rest()[1..close].trim();
            if name.is_empty() {
                return Err(self.error(
                    open,
                    format!(
                        "empty name in `[]`; expected the name of {}",
                        scope_may_name(metric)
                    ),
                ));
            }
            scope = Some(name.to_owned());
            self.at += close + 1;
        }
        Ok(scope)
    }

    /// `[ statistic ]`: required for durations, refused for the others.
    fn statistic(&mut self, metric: Metric) -> Result<Option<Statistic>, ThresholdError> {
        self.skip_space();
        let mut statistic = None;
        let before = self.at;
        let (at, word) = self.word();
        if !word.is_empty() {
            let stat = match word {
                "min" => Statistic::Min,
                "mean" | "avg" => Statistic::Mean,
                "max" => Statistic::Max,
                p if p.starts_with('p') => match percentile(&p[1..]) {
                    Some(v) => Statistic::Percentile(v),
                    None => {
                        return Err(self.error(
                            at,
                            format!("invalid percentile `{p}`; expected p followed by 0 to 100, such as p95 or p99.9"),
                        ));
                    }
                },
                other => {
                    return Err(self.error(
                        at,
                        format!("unexpected `{other}`; expected a statistic (min, mean, max, p95, ...) or an operator"),
                    ));
                }
            };
            if metric.unit() != Unit::Micros {
                let durations: Vec<&str> = METRICS
                    .iter()
                    .filter(|(_, m)| m.unit() == Unit::Micros)
                    .map(|(n, _)| *n)
                    .collect();
                return Err(self.error(
                    at,
                    format!(
                        "`{}` takes no statistic; statistics apply to durations: {}",
                        metric.name(),
                        durations.join(", ")
                    ),
                ));
            }
            statistic = Some(stat);
        } else {
            self.at = before;
        }
        if metric.unit() == Unit::Micros && statistic.is_none() {
            self.skip_space();
            return Err(self.error(
                self.at,
                format!(
                    "`{}` needs a statistic before the operator, such as p99 or max",
                    metric.name()
                ),
            ));
        }
        Ok(statistic)
    }

    /// `status`, for `http_status`: a class (`5xx`) or a code (`404`).
    fn status(&mut self) -> Result<Status, ThresholdError> {
        let (at, word) = self.word();
        if word.is_empty() {
            return Err(self.error(
                at,
                "`http_status` needs a status class or code before the operator, such as 5xx or 404",
            ));
        }
        status(word).ok_or_else(|| {
            self.error(
                at,
                format!(
                    "invalid status `{word}`; expected a class from 1xx to 5xx or a code from 100 to 999"
                ),
            )
        })
    }

    /// `operator`.
    fn operator(&mut self) -> Result<Operator, ThresholdError> {
        self.skip_space();
        let op_at = self.at;
        let operator = OPERATORS
            .iter()
            .copied()
            .find(|(s, _)| self.rest().starts_with(s));
        let Some((symbol, operator)) = operator else {
            return Err(self.error(op_at, "expected an operator: <, <=, >, >=, == or !="));
        };
        self.at += symbol.len();
        Ok(operator)
    }

    /// `value`, in the base units of `metric`, with that unit.
    fn value(&mut self, metric: Metric) -> Result<(f64, Unit), ThresholdError> {
        self.skip_space();
        let value_at = self.at;
        let raw_end = self
            .rest()
            .find(char::is_whitespace)
            .unwrap_or(self.rest().len());
        let raw = &self.rest()[..raw_end];
        self.at += raw_end;
        if raw.is_empty() {
            return Err(self.error(value_at, "expected a value after the operator"));
        }
        let (number, unit) = split_number(raw);
        let Ok(number) = number.parse::<f64>() else {
            return Err(self.error(value_at, format!("expected a number, found `{raw}`")));
        };
        if metric == Metric::HttpStatus {
            return match unit {
                "%" => Ok((number / 100.0, Unit::Fraction)),
                "" => Ok((number, Unit::Number)),
                _ => Err(self.error(
                    value_at + raw.len() - unit.len(),
                    format!(
                        "unexpected unit `{unit}`; `http_status` is a count, or with % a fraction of the requests"
                    ),
                )),
            };
        }
        let value = match metric.unit() {
            Unit::Micros => micros(
                crate::duration::parse(raw).map_err(|e| self.error(value_at, e.to_string()))?,
            ),
            Unit::Fraction => match unit {
                "%" => number / 100.0,
                "" if number <= 1.0 => number,
                "" => {
                    return Err(self.error(
                        value_at,
                        format!("`{raw}` is not a fraction; write a percentage such as {raw}% or a number from 0 to 1"),
                    ));
                }
                _ => {
                    return Err(self.error(
                        value_at + raw.len() - unit.len(),
                        format!("unexpected unit `{unit}`; `{}` is a fraction: use % or a number from 0 to 1", metric.name()),
                    ));
                }
            },
            Unit::Number => {
                if !unit.is_empty() {
                    return Err(self.error(
                        value_at + raw.len() - unit.len(),
                        format!(
                            "unexpected unit `{unit}`; `{}` is a plain number",
                            metric.name()
                        ),
                    ));
                }
                number
            }
        };
        Ok((value, metric.unit()))
    }

    /// `[ abort ]`: the delay before the threshold may stop the run.
    fn abort(&mut self) -> Result<Option<Duration>, ThresholdError> {
        let (at, word) = self.word();
        let mut abort = None;
        match word {
            "" => {}
            "abort" => {
                let mut delay = Duration::ZERO;
                let (at, word) = self.word();
                match word {
                    "" => {}
                    "after" => {
                        self.skip_space();
                        let d_at = self.at;
                        let (_, d) = self.word();
                        let Ok(parsed) = crate::duration::parse(d) else {
                            return Err(self
                                .error(d_at, "expected a delay such as 10s after `abort after`"));
                        };
                        delay = parsed;
                    }
                    other => {
                        return Err(self.error(
                            at,
                            format!("unexpected `{other}`; expected `after` or the end"),
                        ));
                    }
                }
                abort = Some(delay);
            }
            other => {
                return Err(self.error(
                    at,
                    format!("unexpected `{other}`; expected `abort` or the end"),
                ));
            }
        }
        Ok(abort)
    }

    /// The end of the expression.
    fn end(&mut self) -> Result<(), ThresholdError> {
        self.skip_space();
        if !self.rest().is_empty() {
            return Err(self.error(self.at, format!("unexpected `{}` at the end", self.rest())));
        }
        Ok(())
    }
}

/// The status `word` stands for: a class `1xx` to `5xx` (or `5XX`), or a
/// code from 100 to 999.
fn status(word: &str) -> Option<Status> {
    match word.as_bytes() {
        [c @ b'1'..=b'5', x, y]
            if x.eq_ignore_ascii_case(&b'x') && y.eq_ignore_ascii_case(&b'x') =>
        {
            Some(Status::Class(c - b'0'))
        }
        [b'1'..=b'9', b'0'..=b'9', b'0'..=b'9'] => word.parse().ok().map(Status::Code),
        _ => None,
    }
}

/// The percentile `digits` (what follows `p`) stand for, from 0 to 100.
/// A percentile's digits after `p` (`99.9`, or the shorthand `999`), 0 to
/// 100; shared with the comparison gates.
pub(crate) fn percentile(digits: &str) -> Option<f64> {
    let value = if digits.len() > 2 && !digits.contains('.') {
        // Only runs of nines are shorthand: p999 = 99.9, p9999 = 99.99.
        digits
            .bytes()
            .all(|b| b == b'9')
            .then(|| format!("99.{}", &digits[2..]).parse::<f64>().ok())
            .flatten()
    } else {
        digits.parse::<f64>().ok()
    };
    value.filter(|v| (0.0..=100.0).contains(v))
}

fn split_number(word: &str) -> (&str, &str) {
    let end = word
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(word.len());
    (&word[..end], &word[end..])
}

/// Microseconds in `d`, the base unit of durations.
fn micros(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e3
}

impl Threshold {
    /// Parses an expression (see the [module docs](crate::threshold) for the
    /// grammar).
    pub fn parse(expression: &str) -> Result<Threshold, ThresholdError> {
        let mut c = Cursor {
            text: expression,
            at: 0,
        };
        let metric = c.metric()?;
        let scope = c.scope(metric)?;
        let (statistic, status) = match metric {
            Metric::HttpStatus => (None, Some(c.status()?)),
            _ => (c.statistic(metric)?, None),
        };
        let operator = c.operator()?;
        let (value, unit) = c.value(metric)?;
        let abort = c.abort()?;
        c.end()?;
        Ok(Threshold {
            expression: expression.trim().to_owned(),
            metric,
            scope,
            statistic,
            status,
            operator,
            value,
            unit,
            abort,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(
        expr: &str,
        metric: Metric,
        scope: Option<&str>,
        stat: Option<Statistic>,
        op: Operator,
        value: f64,
    ) {
        let t = Threshold::parse(expr).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.metric(), metric, "{expr}");
        assert_eq!(t.scope(), scope, "{expr}");
        assert_eq!(t.statistic(), stat, "{expr}");
        assert_eq!(t.operator(), op, "{expr}");
        assert!((t.bound() - value).abs() < 1e-9, "{expr}: {}", t.bound());
        assert!(expr.starts_with(t.metric().name()), "{expr}");
        assert!(expr.contains(t.operator().symbol()), "{expr}");
    }

    fn err(expr: &str, at: usize, message: &str) {
        let e = Threshold::parse(expr).unwrap_err();
        assert_eq!((e.position(), e.message.as_str()), (at, message), "{expr}");
    }

    #[test]
    fn parses_the_documented_expressions() {
        use Operator::*;
        use Statistic::*;
        ok(
            "latency p99 < 250ms",
            Metric::Latency,
            None,
            Some(Percentile(99.0)),
            Lt,
            250_000.0,
        );
        ok(
            "latency[checkout] p95 < 300ms",
            Metric::Latency,
            Some("checkout"),
            Some(Percentile(95.0)),
            Lt,
            300_000.0,
        );
        ok("error_rate < 1%", Metric::ErrorRate, None, None, Lt, 0.01);
        ok("dropped == 0", Metric::Dropped, None, None, Eq, 0.0);
        ok(
            "service_time p50 <= 20ms",
            Metric::ServiceTime,
            None,
            Some(Percentile(50.0)),
            Le,
            20_000.0,
        );
        ok("checks >= 99.5%", Metric::Checks, None, None, Ge, 0.995);
        ok("rps >= 95", Metric::Rps, None, None, Ge, 95.0);
        ok(
            "latency[add to cart] p99.9 < 1s",
            Metric::Latency,
            Some("add to cart"),
            Some(Percentile(99.9)),
            Lt,
            1e6,
        );
        ok(
            "latency p999 < 2s",
            Metric::Latency,
            None,
            Some(Percentile(99.9)),
            Lt,
            2e6,
        );
        ok(
            "schedule_lag max<5ms",
            Metric::ScheduleLag,
            None,
            Some(Max),
            Lt,
            5_000.0,
        );
        ok(
            "latency p50 <= 0.5ms",
            Metric::Latency,
            None,
            Some(Percentile(50.0)),
            Le,
            500.0,
        );
        ok(
            "latency max < 1500ns",
            Metric::Latency,
            None,
            Some(Max),
            Lt,
            1.5,
        );
        ok(
            "latency avg != 100us",
            Metric::Latency,
            None,
            Some(Mean),
            Ne,
            100.0,
        );
        ok("error_rate < 0.05", Metric::ErrorRate, None, None, Lt, 0.05);
        ok(
            "failed[api] <= 3",
            Metric::Failed,
            Some("api"),
            None,
            Le,
            3.0,
        );
        let t = Threshold::parse("error_rate < 5% abort after 10s").unwrap();
        assert_eq!(t.abort_after(), Some(Duration::from_secs(10)));
        assert_eq!(
            Threshold::parse("dropped == 0 abort")
                .unwrap()
                .abort_after(),
            Some(Duration::ZERO)
        );
        assert_eq!(
            Threshold::parse("dropped == 0").unwrap().abort_after(),
            None
        );
    }

    #[test]
    fn points_at_the_offending_part() {
        err("", 0, "expected a metric");
        err(
            "latncy p99 < 1s",
            0,
            "unknown metric `latncy`; expected one of: latency, service_time, schedule_lag, error_rate, drop_rate, checks, rps, scheduled, ok, failed, dropped, interrupted, http_connect, http_tls, http_send, http_wait, http_receive, http_duration, http_status, http_failed, http_reused, http_requests, http_bytes_sent, http_bytes_received",
        );
        err(
            "latency < 250ms",
            8,
            "`latency` needs a statistic before the operator, such as p99 or max",
        );
        err(
            "latency p101 < 1s",
            8,
            "invalid percentile `p101`; expected p followed by 0 to 100, such as p95 or p99.9",
        );
        err(
            "latency p99 =< 1s",
            12,
            "expected an operator: <, <=, >, >=, == or !=",
        );
        err(
            "dropped == 0 ms",
            13,
            "unexpected `ms`; expected `abort` or the end",
        );
        for (expr, value) in [
            ("latency p99 < 250", "250"),
            ("latency p99 < 250 ms", "250"),
            ("latency p99 < 250xs", "250xs"),
            ("latency p99 < 1e3s", "1e3s"),
        ] {
            err(
                expr,
                14,
                &format!(
                    "invalid duration `{value}`: expected a number and a unit (ns, us, ms, s, m, h), such as 250ms"
                ),
            );
        }
        err(
            "latency p99 < 99999999999999999999h",
            14,
            "invalid duration `99999999999999999999h`: longer than the longest duration, 18446744073709551615s",
        );
        err(
            "latency p990 < 1s",
            8,
            "invalid percentile `p990`; expected p followed by 0 to 100, such as p95 or p99.9",
        );
        err("latency p99 <", 13, "expected a value after the operator");
        err(
            "error_rate p99 < 1%",
            11,
            "`error_rate` takes no statistic; statistics apply to durations: latency, service_time, schedule_lag, http_connect, http_tls, http_send, http_wait, http_receive, http_duration",
        );
        err(
            "error_rate < 5",
            13,
            "`5` is not a fraction; write a percentage such as 5% or a number from 0 to 1",
        );
        err(
            "rps >= 95%",
            9,
            "unexpected unit `%`; `rps` is a plain number",
        );
        err("latency[checkout p95 < 1s", 7, "`[` without a closing `]`");
        err(
            "latency[] p95 < 1s",
            7,
            "empty name in `[]`; expected the name of a scenario or a step",
        );
        err("dropped == zero", 11, "expected a number, found `zero`");
        err(
            "dropped == 0 abort later",
            19,
            "unexpected `later`; expected `after` or the end",
        );
        for huge in [
            "18446744073709551616s",
            "99999999999999999999h",
            "1e300s",
            "10",
        ] {
            err(
                &format!("dropped == 0 abort after {huge}"),
                25,
                "expected a delay such as 10s after `abort after`",
            );
        }
    }

    #[test]
    fn parses_http_expressions() {
        use Operator::*;
        use Statistic::*;
        use Status::*;
        let p = |q| Some(Percentile(q));
        // (expression, metric, scope, statistic, status, operator, bound, unit)
        for (expr, metric, scope, stat, status, op, bound, unit) in [
            (
                "http_wait[checkout] p99 < 100ms",
                Metric::HttpWait,
                Some("checkout"),
                p(99.0),
                None,
                Lt,
                100_000.0,
                Unit::Micros,
            ),
            (
                "http_connect max < 1s",
                Metric::HttpConnect,
                None,
                Some(Max),
                None,
                Lt,
                1e6,
                Unit::Micros,
            ),
            (
                "http_tls p95 < 50ms",
                Metric::HttpTls,
                None,
                p(95.0),
                None,
                Lt,
                5e4,
                Unit::Micros,
            ),
            (
                "http_send avg < 1ms",
                Metric::HttpSend,
                None,
                Some(Mean),
                None,
                Lt,
                1e3,
                Unit::Micros,
            ),
            (
                "http_receive[GET /items/{id}] p999 <= 2s",
                Metric::HttpReceive,
                Some("GET /items/{id}"),
                p(99.9),
                None,
                Le,
                2e6,
                Unit::Micros,
            ),
            (
                "http_duration min >= 10us",
                Metric::HttpDuration,
                None,
                Some(Min),
                None,
                Ge,
                10.0,
                Unit::Micros,
            ),
            (
                "http_status[api] 5xx == 0",
                Metric::HttpStatus,
                Some("api"),
                None,
                Some(Class(5)),
                Eq,
                0.0,
                Unit::Number,
            ),
            (
                "http_status 404 < 10",
                Metric::HttpStatus,
                None,
                None,
                Some(Code(404)),
                Lt,
                10.0,
                Unit::Number,
            ),
            (
                "http_status 5xx < 1%",
                Metric::HttpStatus,
                None,
                None,
                Some(Class(5)),
                Lt,
                0.01,
                Unit::Fraction,
            ),
            (
                "http_status 2XX >= 99.5%",
                Metric::HttpStatus,
                None,
                None,
                Some(Class(2)),
                Ge,
                0.995,
                Unit::Fraction,
            ),
            (
                "http_status 999 != 0",
                Metric::HttpStatus,
                None,
                None,
                Some(Code(999)),
                Ne,
                0.0,
                Unit::Number,
            ),
            (
                "http_reused >= 99%",
                Metric::HttpReused,
                None,
                None,
                None,
                Ge,
                0.99,
                Unit::Fraction,
            ),
            (
                "http_failed < 1%",
                Metric::HttpFailed,
                None,
                None,
                None,
                Lt,
                0.01,
                Unit::Fraction,
            ),
            (
                "http_failed[checkout] < 0.05",
                Metric::HttpFailed,
                Some("checkout"),
                None,
                None,
                Lt,
                0.05,
                Unit::Fraction,
            ),
            (
                "http_requests >= 1000",
                Metric::HttpRequests,
                None,
                None,
                None,
                Ge,
                1000.0,
                Unit::Number,
            ),
            (
                "http_bytes_sent < 1000000",
                Metric::HttpBytesSent,
                None,
                None,
                None,
                Lt,
                1e6,
                Unit::Number,
            ),
            (
                "http_bytes_received > 0",
                Metric::HttpBytesReceived,
                None,
                None,
                None,
                Gt,
                0.0,
                Unit::Number,
            ),
        ] {
            let t = Threshold::parse(expr).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                (
                    t.metric(),
                    t.scope(),
                    t.statistic(),
                    t.status(),
                    t.operator(),
                    t.unit()
                ),
                (metric, scope, stat, status, op, unit),
                "{expr}"
            );
            assert!((t.bound() - bound).abs() < 1e-9, "{expr}: {}", t.bound());
            assert!(expr.starts_with(t.metric().name()), "{expr}");
            assert!(t.metric().is_http(), "{expr}");
            assert!(!t.scope_is_scenario_only(), "{expr}");
            assert_eq!(t.scope_may_name(), "a scenario, a step or a request");
        }
        assert_eq!(
            Threshold::parse("latency p99 < 1s").unwrap().unit(),
            Unit::Micros
        );
        assert_eq!(Threshold::parse("rps > 1").unwrap().status(), None);
        assert_eq!(
            Threshold::parse("checks > 1%").unwrap().scope_may_name(),
            "a scenario or a check"
        );
        assert_eq!(
            Threshold::parse("ok > 1").unwrap().scope_may_name(),
            "a scenario"
        );
        assert_eq!(Status::Class(4).to_string(), "4xx");
        assert_eq!(Status::Code(503).to_string(), "503");
    }

    #[test]
    fn http_errors_point_at_the_offending_part() {
        for (expr, at, message) in [
            (
                "http_status < 1",
                12,
                "`http_status` needs a status class or code before the operator, such as 5xx or 404",
            ),
            (
                "http_status 6xx == 0",
                12,
                "invalid status `6xx`; expected a class from 1xx to 5xx or a code from 100 to 999",
            ),
            (
                "http_status 99 == 0",
                12,
                "invalid status `99`; expected a class from 1xx to 5xx or a code from 100 to 999",
            ),
            (
                "http_status[api] p99 < 1",
                17,
                "invalid status `p99`; expected a class from 1xx to 5xx or a code from 100 to 999",
            ),
            (
                "http_status 5xx < 1ms",
                19,
                "unexpected unit `ms`; `http_status` is a count, or with % a fraction of the requests",
            ),
            (
                "http_wait < 1s",
                10,
                "`http_wait` needs a statistic before the operator, such as p99 or max",
            ),
            (
                "http_wait p99 < 100",
                16,
                "invalid duration `100`: expected a number and a unit (ns, us, ms, s, m, h), such as 250ms",
            ),
            (
                "http_failed p99 < 1%",
                12,
                "`http_failed` takes no statistic; statistics apply to durations: latency, service_time, schedule_lag, http_connect, http_tls, http_send, http_wait, http_receive, http_duration",
            ),
            (
                "http_reused > 99",
                14,
                "`99` is not a fraction; write a percentage such as 99% or a number from 0 to 1",
            ),
            (
                "http_requests > 5%",
                17,
                "unexpected unit `%`; `http_requests` is a plain number",
            ),
            (
                "http_wait[] p99 < 1s",
                9,
                "empty name in `[]`; expected the name of a scenario, a step or a request",
            ),
            (
                "http_statuses 5xx == 0",
                0,
                "unknown metric `http_statuses`; expected one of: latency, service_time, schedule_lag, error_rate, drop_rate, checks, rps, scheduled, ok, failed, dropped, interrupted, http_connect, http_tls, http_send, http_wait, http_receive, http_duration, http_status, http_failed, http_reused, http_requests, http_bytes_sent, http_bytes_received",
            ),
        ] {
            err(expr, at, message);
        }
    }

    #[test]
    fn errors_show_a_caret() {
        let e = Threshold::parse("latency p99 =< 1s").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid threshold `latency p99 =< 1s`: expected an operator: <, <=, >, >=, == or !=\n  latency p99 =< 1s\n              ^"
        );
        let e = Threshold::parse("latency p99 < 250").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid threshold `latency p99 < 250`: invalid duration `250`: expected a number and a unit (ns, us, ms, s, m, h), such as 250ms\n  latency p99 < 250\n                ^"
        );
    }
}
