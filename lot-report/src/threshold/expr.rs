//! What a threshold is: the metric, statistic and operator it compares, and
//! the parsed [`Threshold`] with its accessors. Parsing and evaluation are
//! in the modules beside this one.

use std::fmt;
use std::time::Duration;

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

pub(super) const METRICS: &[(&str, Metric)] = &[
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

/// The kind of value a metric measures, which decides its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Duration,
    Fraction,
    Number,
}

impl Metric {
    pub(super) fn kind(self) -> Kind {
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
pub(super) const OPERATORS: &[(&str, Operator)] = &[
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
    pub(super) expression: String,
    pub(super) metric: Metric,
    pub(super) scope: Option<String>,
    pub(super) statistic: Option<Statistic>,
    pub(super) operator: Operator,
    /// In base units: microseconds, a fraction, or a plain number.
    pub(super) value: f64,
    pub(super) abort: Option<Duration>,
}

/// An invalid threshold expression, pointing at the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThresholdError {
    pub(super) expression: String,
    pub(super) at: usize,
    pub(super) message: String,
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

impl Threshold {
    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// When the threshold stops the run if it fails: `None` unless it ends
    /// with `abort`; otherwise the delay from the start before it is checked.
    pub fn abort_after(&self) -> Option<Duration> {
        self.abort
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
    /// [`ThresholdResult::value`](crate::model::ThresholdResult::value): microseconds for durations (`250ms` is
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
}
