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
    /// Time to open a request's connection (`lot::http`).
    HttpConnect,
    /// Time of a request's TLS handshake.
    HttpTls,
    /// Time to write a request.
    HttpSend,
    /// Time from a request written to the first byte of its response.
    HttpWait,
    /// Time from the first byte of a response to its last.
    HttpReceive,
    /// A request's whole duration: send, wait and receive.
    HttpDuration,
    /// Responses of a status class or code ([`Threshold::status`]): a count,
    /// or a fraction of the requests.
    HttpStatus,
    /// Failed over ended requests.
    HttpFailed,
    /// Requests sent on a kept-alive connection over ended requests.
    HttpReused,
    /// Requests ended.
    HttpRequests,
    /// Bytes sent by requests.
    HttpBytesSent,
    /// Bytes received by requests.
    HttpBytesReceived,
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
    ("http_connect", Metric::HttpConnect),
    ("http_tls", Metric::HttpTls),
    ("http_send", Metric::HttpSend),
    ("http_wait", Metric::HttpWait),
    ("http_receive", Metric::HttpReceive),
    ("http_duration", Metric::HttpDuration),
    ("http_status", Metric::HttpStatus),
    ("http_failed", Metric::HttpFailed),
    ("http_reused", Metric::HttpReused),
    ("http_requests", Metric::HttpRequests),
    ("http_bytes_sent", Metric::HttpBytesSent),
    ("http_bytes_received", Metric::HttpBytesReceived),
];

/// The unit of what a threshold compares ([`Threshold::unit`]): of its
/// [`bound`](Threshold::bound) and of the value it measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// Microseconds (durations).
    Micros,
    /// A fraction from 0 to 1 (rates, written as percentages).
    Fraction,
    /// A plain number (counts, `rps`).
    Number,
}

impl Metric {
    /// The unit of the metric's values; `http_status` is a count unless its
    /// bound is a percentage.
    pub(super) fn unit(self) -> Unit {
        match self {
            Metric::Latency
            | Metric::ServiceTime
            | Metric::ScheduleLag
            | Metric::HttpConnect
            | Metric::HttpTls
            | Metric::HttpSend
            | Metric::HttpWait
            | Metric::HttpReceive
            | Metric::HttpDuration => Unit::Micros,
            Metric::ErrorRate
            | Metric::DropRate
            | Metric::Checks
            | Metric::HttpFailed
            | Metric::HttpReused => Unit::Fraction,
            _ => Unit::Number,
        }
    }

    /// Whether the metric measures HTTP requests (`http_*`).
    pub fn is_http(self) -> bool {
        self.name().starts_with("http_")
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

/// What the scope of a threshold on `metric` may name, in words.
pub(super) fn scope_may_name(metric: Metric) -> &'static str {
    match metric {
        m if m.is_http() => "a scenario, a step or a request",
        Metric::Latency | Metric::ServiceTime | Metric::ScheduleLag | Metric::ErrorRate => {
            "a scenario or a step"
        }
        Metric::Checks => "a scenario or a check",
        _ => "a scenario",
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

/// The responses `http_status` counts ([`Threshold::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A class, 1 to 5: `5xx` is `Class(5)`.
    Class(u8),
    /// An exact code, 100 to 999.
    Code(u16),
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Class(c) => write!(f, "{c}xx"),
            Status::Code(c) => write!(f, "{c}"),
        }
    }
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
    /// The operator written `symbol` (`<`, `<=`, `==`, ...), if any.
    pub fn from_symbol(symbol: &str) -> Option<Operator> {
        OPERATORS
            .iter()
            .find(|(s, _)| *s == symbol)
            .map(|(_, o)| *o)
    }

    /// Whether it orders (`<`, `<=`, `>`, `>=`) rather than compares for
    /// (in)equality.
    pub fn orders(self) -> bool {
        !matches!(self, Operator::Eq | Operator::Ne)
    }

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
    pub(super) status: Option<Status>,
    pub(super) operator: Operator,
    /// In base units: microseconds, a fraction, or a plain number.
    pub(super) value: f64,
    pub(super) unit: Unit,
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

    /// The responses an `http_status` threshold counts (`5xx` in
    /// `http_status 5xx == 0`); `None` for the other metrics.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The unit of the [`bound`](Threshold::bound) and of the measured
    /// value: the metric's, except for `http_status`, a count unless its
    /// bound is a percentage (`http_status 5xx < 1%`).
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// How the measured value is compared with the [`bound`](Threshold::bound).
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The value the measured one is compared with, in the base units of
    /// [`ThresholdResult::value`](crate::model::ThresholdResult::value): microseconds for durations (`250ms` is
    /// 250000), a fraction from 0 to 1 for `error_rate`, `drop_rate` and
    /// `checks`, `http_failed`, `http_reused` and `http_status` with `%`
    /// (`1%` is 0.01), a plain number for `rps` and counts (see
    /// [`Threshold::unit`]).
    pub fn bound(&self) -> f64 {
        self.value
    }

    /// Whether the scope can only name a scenario (counts, `drop_rate`,
    /// `rps`); the other metrics also accept a step, a check or a request
    /// name ([`Threshold::scope_may_name`]).
    pub fn scope_is_scenario_only(&self) -> bool {
        !(self.metric.is_http()
            || matches!(
                self.metric,
                Metric::Latency
                    | Metric::ServiceTime
                    | Metric::ScheduleLag
                    | Metric::ErrorRate
                    | Metric::Checks
            ))
    }

    /// What the scope may name, in words: `a scenario`, `a scenario or a
    /// step`, `a scenario or a check`, or `a scenario, a step or a request`.
    pub fn scope_may_name(&self) -> &'static str {
        scope_may_name(self.metric)
    }
}
