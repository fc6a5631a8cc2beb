//! Thresholds: pass/fail criteria evaluated on a run's results, k6-style.
//!
//! # Grammar
//!
//! ```text
//! threshold  = metric [ "[" name "]" ] [ statistic ] operator value [ abort ]
//! metric     = "latency" | "service_time" | "schedule_lag"     durations; need a statistic
//!            | "error_rate" | "drop_rate" | "checks"             fractions
//!            | "rps"                                             achieved iterations per second
//!            | "scheduled" | "ok" | "failed" | "dropped" | "interrupted"   counts
//! name       = any text without "]": a scenario, step or check name
//! statistic  = "min" | "mean" | "avg" | "max" | "p" number       p50, p95, p99, p99.9, p999, ...
//! operator   = "<" | "<=" | ">" | ">=" | "==" | "!="
//! value      = duration                                          for durations
//!            | number [ "%" ]                                    for fractions (bare number: 0 to 1)
//!            | number                                            for rps and counts
//! duration   = number unit                                       unit: ns, us, µs, ms, s, m, h
//! abort      = "abort" [ "after" duration ]                      stop the run when it fails
//! ```
//!
//! Durations are read by [`duration::parse`](crate::duration::parse), as
//! settings are: a number without a unit is an error (`latency p99 < 250`
//! fails with ``invalid duration `250`: expected a number and a unit (ns,
//! us, ms, s, m, h), such as 250ms``), never taken for milliseconds.
//!
//! | metric | measures | scope `[name]` |
//! |---|---|---|
//! | `latency`, `service_time`, `schedule_lag` | the statistic of the duration, over every scenario | a scenario, or else a step (its duration, over every scenario that has a step of that name) |
//! | `error_rate` | `failed / (ok + failed)` | a scenario, or else a step (over every scenario) |
//! | `drop_rate` | `dropped / scheduled` | a scenario |
//! | `checks` | passed / evaluated, over every check | a scenario (all its checks), or else a check (in every scenario) |
//! | `rps` | iterations launched per second of scheduling | a scenario |
//! | `scheduled` … `interrupted` | the outcome count | a scenario |
//!
//! These are accepted as written: `latency p99 < 250ms`,
//! `latency[checkout] p95 < 300ms`, `error_rate < 1%`, `dropped == 0`,
//! `service_time p50 <= 20ms`, `checks >= 99.5%`, `rps >= 95`,
//! `error_rate < 5% abort after 10s`.
//!
//! A threshold whose scope names nothing in the results fails, saying so:
//! a gate that cannot measure must not pass.

use std::fmt;
use std::time::Duration;

/// Re-exported from the [results schema](crate::model), where it lives.
pub use crate::model::ThresholdResult;
use crate::model::{CheckSummary, StepSummary, Summary};
use crate::stats::Stats;
use crate::units::fmt_us;

/// What a threshold measures ([`Threshold::metric`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Metric {
    /// End minus intended start.
    Latency,
    /// End minus actual start.
    ServiceTime,
    /// Actual minus intended start.
    ScheduleLag,
    /// Failed over completed iterations.
    ErrorRate,
    /// Dropped over scheduled arrivals.
    DropRate,
    /// Passed over evaluated checks.
    Checks,
    /// Iterations launched per second of scheduling.
    Rps,
    /// Arrivals scheduled.
    Scheduled,
    /// Iterations ok.
    Ok,
    /// Iterations failed.
    Failed,
    /// Arrivals dropped.
    Dropped,
    /// Iterations interrupted.
    Interrupted,
}

const METRICS: &[(&str, Metric)] = &[
    ("latency", Metric::Latency),
    ("service_time", Metric::ServiceTime),
    ("schedule_lag", Metric::ScheduleLag),
    ("error_rate", Metric::ErrorRate),
    ("drop_rate", Metric::DropRate),
    ("checks", Metric::Checks),
    ("rps", Metric::Rps),
    ("scheduled", Metric::Scheduled),
    ("ok", Metric::Ok),
    ("failed", Metric::Failed),
    ("dropped", Metric::Dropped),
    ("interrupted", Metric::Interrupted),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Duration,
    Fraction,
    Number,
}

impl Metric {
    fn kind(self) -> Kind {
        match self {
            Metric::Latency | Metric::ServiceTime | Metric::ScheduleLag => Kind::Duration,
            Metric::ErrorRate | Metric::DropRate | Metric::Checks => Kind::Fraction,
            _ => Kind::Number,
        }
    }

    /// The metric's name in expressions: `latency`, `error_rate`, ...
    pub fn name(self) -> &'static str {
        METRICS
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .expect("every metric is listed")
    }
}

/// A statistic of a duration distribution ([`Threshold::statistic`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Statistic {
    /// Smallest value.
    Min,
    /// Arithmetic mean.
    Mean,
    /// Largest value.
    Max,
    /// A percentile, from 0 to 100.
    Percentile(f64),
}

/// A comparison ([`Threshold::operator`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

/// The operators by symbol, two-character ones first so that `<=` is not
/// read as `<`.
const OPERATORS: &[(&str, Operator)] = &[
    ("<=", Operator::Le),
    (">=", Operator::Ge),
    ("==", Operator::Eq),
    ("!=", Operator::Ne),
    ("<", Operator::Lt),
    (">", Operator::Gt),
];

impl Operator {
    /// The operator as written: `<`, `<=`, ...
    pub fn symbol(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(_, o)| *o == self)
            .map(|(s, _)| *s)
            .expect("every operator is listed")
    }

    /// Whether `left OPERATOR right` holds, such as `left < right`.
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Operator::Lt => left < right,
            Operator::Le => left <= right,
            Operator::Gt => left > right,
            Operator::Ge => left >= right,
            Operator::Eq => left == right,
            Operator::Ne => left != right,
        }
    }
}

/// A parsed threshold. Build one with [`Threshold::parse`].
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    expression: String,
    metric: Metric,
    scope: Option<String>,
    statistic: Option<Statistic>,
    operator: Operator,
    /// In base units: microseconds, a fraction, or a plain number.
    value: f64,
    abort: Option<Duration>,
}

/// An invalid threshold expression, pointing at the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdError {
    expression: String,
    at: usize,
    message: String,
}

impl ThresholdError {
    /// Byte offset of the offending part in the expression.
    pub fn position(&self) -> usize {
        self.at
    }
}

impl fmt::Display for ThresholdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let column = self.expression[..self.at].chars().count();
        write!(
            f,
            "invalid threshold `{}`: {}\n  {}\n  {}^",
            self.expression,
            self.message,
            self.expression,
            " ".repeat(column)
        )
    }
}

impl std::error::Error for ThresholdError {}

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
    /// Parses an expression (see the [module docs](self) for the grammar).
    pub fn parse(expression: &str) -> Result<Threshold, ThresholdError> {
        let mut c = Cursor {
            text: expression,
            at: 0,
        };
        let (at, word) = c.word();
        if word.is_empty() {
            return Err(c.error(at, "expected a metric"));
        }
        let Some(&(_, metric)) = METRICS.iter().find(|(n, _)| *n == word) else {
            let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
            return Err(c.error(
                at,
                format!(
                    "unknown metric `{word}`; expected one of: {}",
                    names.join(", ")
                ),
            ));
        };

        c.skip_space();
        let mut scope = None;
        if c.rest().starts_with('[') {
            let open = c.at;
            let Some(close) = c.rest().find(']') else {
                return Err(c.error(open, "`[` without a closing `]`"));
            };
            let name = c.rest()[1..close].trim();
            if name.is_empty() {
                return Err(c.error(
                    open,
                    "empty name in `[]`; expected a scenario, step or check name",
                ));
            }
            scope = Some(name.to_owned());
            c.at += close + 1;
        }

        // A statistic, for durations.
        c.skip_space();
        let mut statistic = None;
        let before = c.at;
        let (at, word) = c.word();
        if !word.is_empty() {
            let stat = match word {
                "min" => Some(Statistic::Min),
                "mean" | "avg" => Some(Statistic::Mean),
                "max" => Some(Statistic::Max),
                p if p.starts_with('p') => {
                    let digits = &p[1..];
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
                    match value {
                        Some(v) if (0.0..=100.0).contains(&v) => Some(Statistic::Percentile(v)),
                        _ => {
                            return Err(c.error(
                                at,
                                format!("invalid percentile `{p}`; expected p followed by 0 to 100, such as p95 or p99.9"),
                            ));
                        }
                    }
                }
                other => {
                    return Err(c.error(
                        at,
                        format!("unexpected `{other}`; expected a statistic (min, mean, max, p95, ...) or an operator"),
                    ));
                }
            };
            if metric.kind() != Kind::Duration {
                return Err(c.error(
                    at,
                    format!("`{}` takes no statistic; statistics apply to latency, service_time and schedule_lag", metric.name()),
                ));
            }
            statistic = stat;
        } else {
            c.at = before;
        }
        if metric.kind() == Kind::Duration && statistic.is_none() {
            c.skip_space();
            return Err(c.error(
                c.at,
                format!(
                    "`{}` needs a statistic before the operator, such as p99 or max",
                    metric.name()
                ),
            ));
        }

        c.skip_space();
        let op_at = c.at;
        let operator = OPERATORS
            .iter()
            .copied()
            .find(|(s, _)| c.rest().starts_with(s));
        let Some((symbol, operator)) = operator else {
            return Err(c.error(op_at, "expected an operator: <, <=, >, >=, == or !="));
        };
        c.at += symbol.len();

        c.skip_space();
        let value_at = c.at;
        let raw_end = c.rest().find(char::is_whitespace).unwrap_or(c.rest().len());
        let raw = &c.rest()[..raw_end];
        c.at += raw_end;
        if raw.is_empty() {
            return Err(c.error(value_at, "expected a value after the operator"));
        }
        let (number, unit) = split_number(raw);
        let Ok(number) = number.parse::<f64>() else {
            return Err(c.error(value_at, format!("expected a number, found `{raw}`")));
        };
        let value = match metric.kind() {
            Kind::Duration => {
                micros(crate::duration::parse(raw).map_err(|e| c.error(value_at, e.to_string()))?)
            }
            Kind::Fraction => match unit {
                "%" => number / 100.0,
                "" if number <= 1.0 => number,
                "" => {
                    return Err(c.error(
                        value_at,
                        format!("`{raw}` is not a fraction; write a percentage such as {raw}% or a number from 0 to 1"),
                    ));
                }
                _ => {
                    return Err(c.error(
                        value_at + raw.len() - unit.len(),
                        format!("unexpected unit `{unit}`; `{}` is a fraction: use % or a number from 0 to 1", metric.name()),
                    ));
                }
            },
            Kind::Number => {
                if !unit.is_empty() {
                    return Err(c.error(
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

        let (at, word) = c.word();
        let mut abort = None;
        match word {
            "" => {}
            "abort" => {
                let mut delay = Duration::ZERO;
                let (at, word) = c.word();
                match word {
                    "" => {}
                    "after" => {
                        c.skip_space();
                        let d_at = c.at;
                        let (_, d) = c.word();
                        let Ok(parsed) = crate::duration::parse(d) else {
                            return Err(
                                c.error(d_at, "expected a delay such as 10s after `abort after`")
                            );
                        };
                        delay = parsed;
                    }
                    other => {
                        return Err(c.error(
                            at,
                            format!("unexpected `{other}`; expected `after` or the end"),
                        ));
                    }
                }
                abort = Some(delay);
            }
            other => {
                return Err(c.error(
                    at,
                    format!("unexpected `{other}`; expected `abort` or the end"),
                ));
            }
        }
        c.skip_space();
        if !c.rest().is_empty() {
            return Err(c.error(c.at, format!("unexpected `{}` at the end", c.rest())));
        }
        Ok(Threshold {
            expression: expression.trim().to_owned(),
            metric,
            scope,
            statistic,
            operator,
            value,
            abort,
        })
    }

    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// When the threshold stops the run if it fails: `None` unless it ends
    /// with `abort`; otherwise the delay from the start before it is checked.
    pub fn abort_after(&self) -> Option<Duration> {
        self.abort
    }

    /// Evaluates the threshold on `summary`, alone: see [`evaluate_all`]
    /// for the results of a run, where the threshold that stopped the run
    /// fails.
    pub fn evaluate(&self, summary: &Summary) -> ThresholdResult {
        let measured = self.measure(summary);
        let (passed, value, shown) = match measured {
            Ok(v) => (
                v.is_finite() && self.operator.holds(v, self.value),
                Some(v),
                self.show(v),
            ),
            Err(why) => (false, None, why),
        };
        ThresholdResult {
            expression: self.expression.clone(),
            passed,
            value,
            measured: shown,
            abort: self.abort.is_some(),
        }
    }

    fn show(&self, v: f64) -> String {
        match self.metric.kind() {
            Kind::Duration => fmt_us(v.round().max(0.0) as u64),
            Kind::Fraction => format!("{:.3}%", v * 100.0),
            Kind::Number if self.metric == Metric::Rps => format!("{v:.2}/s"),
            Kind::Number => format!("{v}"),
        }
    }

    fn stat(&self, stats: &Stats) -> Result<f64, String> {
        if stats.count == 0 {
            return Err("no values recorded".to_owned());
        }
        Ok(
            match self.statistic.expect("durations always have a statistic") {
                Statistic::Min => stats.min_us as f64,
                Statistic::Mean => stats.mean_us as f64,
                Statistic::Max => stats.max_us as f64,
                Statistic::Percentile(p) => {
                    let known = [
                        (50.0, stats.p50_us),
                        (90.0, stats.p90_us),
                        (95.0, stats.p95_us),
                        (99.0, stats.p99_us),
                        (99.9, stats.p999_us),
                    ];
                    match known.iter().find(|(q, _)| *q == p) {
                        Some(&(_, v)) => v as f64,
                        None => stats
                            .histogram()
                            .map_err(|e| e.to_string())?
                            .value_at_quantile(p / 100.0) as f64,
                    }
                }
            },
        )
    }

    /// The scope's name, if the threshold has one.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// What the threshold measures.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// The statistic of a duration metric (`p99` in `latency p99 < 250ms`);
    /// `None` for the other metrics, which take none.
    pub fn statistic(&self) -> Option<Statistic> {
        self.statistic
    }

    /// How the measured value is compared with the [`bound`](Threshold::bound).
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The value the measured one is compared with, in the base units of
    /// [`ThresholdResult::value`]: microseconds for durations (`250ms` is
    /// 250000), a fraction from 0 to 1 for `error_rate`, `drop_rate` and
    /// `checks` (`1%` is 0.01), a plain number for `rps` and counts.
    pub fn bound(&self) -> f64 {
        self.value
    }

    /// Whether the scope can only name a scenario (counts, `drop_rate`,
    /// `rps`); the other metrics also accept a step or a check name.
    pub fn scope_is_scenario_only(&self) -> bool {
        !matches!(
            self.metric,
            Metric::Latency
                | Metric::ServiceTime
                | Metric::ScheduleLag
                | Metric::ErrorRate
                | Metric::Checks
        )
    }

    fn measure(&self, s: &Summary) -> Result<f64, String> {
        let scenario = match &self.scope {
            Some(name) => s.scenarios.iter().find(|sc| &sc.name == name),
            None => None,
        };
        // A step name may be used in several scenarios: all of them count.
        let steps: Vec<&StepSummary> = match (&self.scope, scenario) {
            (Some(name), None) => s
                .scenarios
                .iter()
                .flat_map(|sc| &sc.steps)
                .filter(|st| &st.name == name)
                .collect(),
            _ => Vec::new(),
        };
        let nothing = |what: &str| {
            Err(format!(
                "no {what} named `{}` in the results",
                self.scope.as_deref().unwrap_or_default()
            ))
        };
        let totals = match (&self.scope, scenario) {
            (None, _) => s.totals,
            (Some(_), Some(sc)) => sc.totals,
            (Some(_), None) => Default::default(),
        };
        let fraction = |num: u64, den: u64| {
            if den == 0 {
                Err("nothing to measure yet".to_owned())
            } else {
                Ok(num as f64 / den as f64)
            }
        };
        match self.metric {
            Metric::Latency | Metric::ServiceTime | Metric::ScheduleLag => {
                let pick = |latency: &'_ Stats, service: &'_ Stats, lag: &'_ Stats| -> Stats {
                    match self.metric {
                        Metric::Latency => latency.clone(),
                        Metric::ServiceTime => service.clone(),
                        _ => lag.clone(),
                    }
                };
                let stats = match (&self.scope, scenario) {
                    (None, _) => pick(&s.latency, &s.service_time, &s.schedule_lag),
                    (_, Some(sc)) => pick(&sc.latency, &sc.service_time, &sc.schedule_lag),
                    (_, None) if steps.is_empty() => return nothing("scenario or step"),
                    (_, None) if self.metric != Metric::Latency => {
                        return Err(format!(
                            "`{}` is a step: steps have latency only",
                            self.scope.as_deref().unwrap_or_default()
                        ));
                    }
                    (_, None) => merged(steps.iter().map(|st| &st.latency))?,
                };
                self.stat(&stats)
            }
            Metric::ErrorRate => match (&self.scope, scenario) {
                (Some(_), None) if steps.is_empty() => nothing("scenario or step"),
                (Some(_), None) => {
                    let failed: u64 = steps.iter().map(|st| st.failed).sum();
                    let ok: u64 = steps.iter().map(|st| st.ok).sum();
                    fraction(failed, ok + failed)
                }
                _ => fraction(totals.failed, totals.ok + totals.failed),
            },
            Metric::Checks => {
                // A scenario's name first (all its checks), else a check's
                // name (in every scenario that makes it).
                let all: Vec<&CheckSummary> =
                    s.scenarios.iter().flat_map(|sc| &sc.checks).collect();
                let chosen: Vec<&CheckSummary> = match (&self.scope, scenario) {
                    (None, _) => all,
                    (Some(_), Some(sc)) => sc.checks.iter().collect(),
                    (Some(name), None) => all.into_iter().filter(|c| &c.name == name).collect(),
                };
                if chosen.is_empty() {
                    return match &self.scope {
                        Some(_) => nothing("check or scenario with checks"),
                        None => Err("no checks were made".to_owned()),
                    };
                }
                let passed: u64 = chosen.iter().map(|c| c.passed).sum();
                let failed: u64 = chosen.iter().map(|c| c.failed).sum();
                fraction(passed, passed + failed)
            }
            _ if self.scope.is_some() && scenario.is_none() => nothing("scenario"),
            Metric::DropRate => fraction(totals.dropped, totals.scheduled),
            Metric::Rps => {
                let secs = s.scheduling_us as f64 / 1e6;
                if secs <= 0.0 {
                    return Err("no scheduling time yet".to_owned());
                }
                Ok((totals.scheduled - totals.dropped) as f64 / secs)
            }
            Metric::Scheduled => Ok(totals.scheduled as f64),
            Metric::Ok => Ok(totals.ok as f64),
            Metric::Failed => Ok(totals.failed as f64),
            Metric::Dropped => Ok(totals.dropped as f64),
            Metric::Interrupted => Ok(totals.interrupted as f64),
        }
    }
}

/// Evaluates every threshold on `summary`, in order: the results a run's
/// [`Summary::thresholds`] hold.
///
/// The threshold named by `summary.aborted_by` fails whatever it measures
/// at the end: the iterations still running when it stopped the run may
/// have brought it back within bounds, but the run did not go on. What it
/// measured when it stopped the run stays in the [`Abort`](crate::model::Abort),
/// not in the result's `measured`.
pub fn evaluate_all(thresholds: &[Threshold], summary: &Summary) -> Vec<ThresholdResult> {
    thresholds
        .iter()
        .map(|threshold| {
            let mut result = threshold.evaluate(summary);
            if summary.abort_of(&result.expression).is_some() {
                result.passed = false;
            }
            result
        })
        .collect()
}

/// The statistics of several distributions merged into one.
fn merged<'a>(all: impl Iterator<Item = &'a Stats>) -> Result<Stats, String> {
    let mut total: Option<hdrhistogram::Histogram<u64>> = None;
    for stats in all {
        let h = stats.histogram().map_err(|e| e.to_string())?;
        match &mut total {
            Some(t) => t
                .add(&h)
                .map_err(|e| format!("cannot merge histograms: {e:?}"))?,
            None => total = Some(h),
        }
    }
    let total = total.ok_or_else(|| "nothing to merge".to_owned())?;
    Ok(Stats::from_histogram(&total))
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
            "unknown metric `latncy`; expected one of: latency, service_time, schedule_lag, error_rate, drop_rate, checks, rps, scheduled, ok, failed, dropped, interrupted",
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
            "`error_rate` takes no statistic; statistics apply to latency, service_time and schedule_lag",
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
            "empty name in `[]`; expected a scenario, step or check name",
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
    fn the_threshold_that_stopped_the_run_fails_whatever_it_measures_at_the_end() {
        let mut s: Summary = serde_json::from_str(include_str!("../tests/it/data/quickstart.json"))
            .expect("the quickstart fixture is a results document");
        let thresholds = ["dropped == 0", "error_rate < 50%"].map(|e| Threshold::parse(e).unwrap());
        let alone: Vec<ThresholdResult> = thresholds.iter().map(|t| t.evaluate(&s)).collect();
        assert!(alone.iter().all(|r| r.passed), "{alone:?}");
        assert_eq!(
            evaluate_all(&thresholds, &s),
            alone,
            "nothing stopped the run"
        );
        s.aborted_by = Some(crate::model::Abort {
            expression: "dropped == 0".into(),
            at_us: 1_500_000,
            value: Some(3.0),
            measured: "3".into(),
        });
        let results = evaluate_all(&thresholds, &s);
        assert!(!results[0].passed);
        // What it measured at the end stays as measured; the abort's own
        // measure is in the abort.
        assert_eq!(results[0].measured, alone[0].measured);
        assert_eq!(results[0].value, alone[0].value);
        assert_eq!(results[1], alone[1]);
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
