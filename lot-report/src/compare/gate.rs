//! `--fail-if` gates: limits on the change between two runs, in the
//! threshold grammar extended with deltas (see the [module docs](super)).

use std::fmt;

use serde::Serialize;

use crate::threshold::{Operator, Statistic, percentile};

/// What a gate measures the change of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMetric {
    /// End minus intended start; needs a statistic.
    Latency,
    /// End minus actual start; needs a statistic.
    ServiceTime,
    /// Actual minus intended start; needs a statistic.
    ScheduleLag,
    /// Failed over completed iterations.
    ErrorRate,
    /// Dropped over scheduled arrivals.
    DropRate,
    /// Iterations launched per second of scheduling.
    Rps,
}

const METRICS: &[(&str, GateMetric)] = &[
    ("latency", GateMetric::Latency),
    ("service_time", GateMetric::ServiceTime),
    ("schedule_lag", GateMetric::ScheduleLag),
    ("error_rate", GateMetric::ErrorRate),
    ("drop_rate", GateMetric::DropRate),
    ("rps", GateMetric::Rps),
];

impl GateMetric {
    /// The metric's name in expressions.
    pub fn name(self) -> &'static str {
        METRICS
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .expect("every metric is listed")
    }

    /// Whether the metric is a duration distribution.
    pub fn is_duration(self) -> bool {
        matches!(
            self,
            GateMetric::Latency | GateMetric::ServiceTime | GateMetric::ScheduleLag
        )
    }
}

/// The change a gate allows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Delta {
    /// A relative change, as a fraction: `+10%` is `Relative(0.1)`.
    Relative(f64),
    /// An absolute change of a duration, in microseconds: `+20ms`.
    Micros(f64),
    /// An absolute change of a rate, as a fraction: `+0.5pp` is `Points(0.005)`.
    Points(f64),
    /// An absolute change of `rps`, per second: `-5`.
    Number(f64),
}

impl Delta {
    /// The bound in the unit its change is measured in.
    pub fn value(self) -> f64 {
        match self {
            Delta::Relative(v) | Delta::Micros(v) | Delta::Points(v) | Delta::Number(v) => v,
        }
    }
}

/// A parsed `--fail-if` gate. Build one with [`Gate::parse`].
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    expression: String,
    metric: GateMetric,
    scope: Option<String>,
    statistic: Option<Statistic>,
    operator: Operator,
    delta: Delta,
    significant: bool,
}

/// Why a gate could not be parsed: the expression, where, and what was
/// expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateError {
    expression: String,
    message: String,
}

impl fmt::Display for GateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid gate `{}`: {}", self.expression, self.message)
    }
}

impl std::error::Error for GateError {}

impl Gate {
    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }
    /// What it measures the change of.
    pub fn metric(&self) -> GateMetric {
        self.metric
    }
    /// The scenario or step named in `[...]`, if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
    /// The statistic of a duration metric.
    pub fn statistic(&self) -> Option<Statistic> {
        self.statistic
    }
    /// The comparison of the change with the delta.
    pub fn operator(&self) -> Operator {
        self.operator
    }
    /// The change the gate allows.
    pub fn delta(&self) -> Delta {
        self.delta
    }
    /// Whether the gate fails only on a significant change.
    pub fn needs_significance(&self) -> bool {
        self.significant
    }

    /// Parses a gate:
    /// `metric [ "[" name "]" ] [ statistic ] operator delta [ "significant" ]`.
    pub fn parse(expression: &str) -> Result<Gate, GateError> {
        let text = expression.trim();
        let fail = |message: String| GateError {
            expression: text.to_owned(),
            message,
        };
        let end = text
            .find(|c: char| c == '[' || c.is_whitespace())
            .unwrap_or(text.len());
        let name = &text[..end];
        let metric = METRICS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let valid: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
                fail(format!(
                    "unknown metric `{name}`; expected one of: {}",
                    valid.join(", ")
                ))
            })?;
        let mut rest = &text[end..];
        let mut scope = None;
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| fail("`[` without its `]`".to_owned()))?;
            let name = inner[..close].trim();
            if name.is_empty() {
                return Err(fail("an empty scope `[]`".to_owned()));
            }
            scope = Some(name.to_owned());
            rest = &inner[close + 1..];
        }
        let mut words = rest.split_whitespace().peekable();
        let statistic = if metric.is_duration() {
            let word = words.next().unwrap_or("");
            Some(match word {
                "min" => Statistic::Min,
                "max" => Statistic::Max,
                p if p.starts_with('p') && percentile(&p[1..]).is_some() => {
                    Statistic::Percentile(percentile(&p[1..]).unwrap_or(50.0))
                }
                other => {
                    return Err(fail(format!(
                        "`{}` needs a statistic (min, max, p50, p95, p99.9, ...), not `{other}`",
                        metric.name()
                    )));
                }
            })
        } else {
            None
        };
        let op = words.next().unwrap_or("");
        let Some(operator) = Operator::from_symbol(op).filter(|o| o.orders()) else {
            return Err(fail(format!(
                "expected an operator (>, >=, <, <=), not `{op}`"
            )));
        };
        let delta = parse_delta(metric, words.next().unwrap_or("")).map_err(fail)?;
        let significant = match words.next() {
            None => false,
            Some("significant") => true,
            Some(other) => {
                return Err(fail(format!(
                    "unexpected `{other}`; expected `significant` or the end"
                )));
            }
        };
        if let Some(extra) = words.next() {
            return Err(fail(format!("unexpected `{extra}` after the gate")));
        }
        Ok(Gate {
            expression: text.to_owned(),
            metric,
            scope,
            statistic,
            operator,
            delta,
            significant,
        })
    }

    /// Whether a change fails the gate: `operator` holds between the change
    /// (relative, or absolute in the delta's unit) and the delta, and, for
    /// a `significant` gate, the change is significant.
    pub fn fails(&self, change: f64, significant: bool) -> bool {
        self.operator.holds(change, self.delta.value()) && (significant || !self.significant)
    }
}

/// A signed delta for `metric`: `+10%`, `-5%`, `+20ms`, `+0.5pp`, `+3`.
fn parse_delta(metric: GateMetric, word: &str) -> Result<Delta, String> {
    let sign = match word.chars().next() {
        Some('+') => 1.0,
        Some('-') => -1.0,
        _ => {
            return Err(format!(
                "expected a signed change such as +10%, +20ms or +0.5pp, not `{word}`"
            ));
        }
    };
    let body = &word[1..];
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (digits, unit) = body.split_at(end);
    let number: f64 = digits
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| format!("`{word}` does not start with a number after its sign"))?;
    let value = sign * number;
    match (unit, metric) {
        ("%", _) => Ok(Delta::Relative(value / 100.0)),
        ("pp", GateMetric::ErrorRate | GateMetric::DropRate) => Ok(Delta::Points(value / 100.0)),
        ("", GateMetric::Rps) => Ok(Delta::Number(value)),
        (_, m) if m.is_duration() => {
            let d = crate::duration::parse(body).map_err(|e| e.to_string())?;
            Ok(Delta::Micros(sign * d.as_nanos() as f64 / 1e3))
        }
        (_, GateMetric::ErrorRate | GateMetric::DropRate) => Err(format!(
            "a rate changes by percentage points (+0.5pp) or relatively (+10%), not `{word}`"
        )),
        _ => Err(format!(
            "`rps` changes by a number per second (-5) or relatively (-10%), not `{word}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_gates() {
        let g = Gate::parse("latency p99 > +10%").unwrap();
        assert_eq!(g.metric(), GateMetric::Latency);
        assert_eq!(g.statistic(), Some(Statistic::Percentile(99.0)));
        assert_eq!(g.delta(), Delta::Relative(0.1));
        assert!(!g.needs_significance());
        let g = Gate::parse("latency[checkout] p95 > +20ms significant").unwrap();
        assert_eq!(g.scope(), Some("checkout"));
        assert_eq!(g.delta(), Delta::Micros(20_000.0));
        assert!(g.needs_significance());
        let g = Gate::parse("error_rate > +0.5pp").unwrap();
        assert_eq!(g.delta(), Delta::Points(0.005));
        let g = Gate::parse("rps < -5%").unwrap();
        assert_eq!(
            (g.operator(), g.delta()),
            (Operator::Lt, Delta::Relative(-0.05))
        );
        let g = Gate::parse("service_time[a b] p99.9 >= +1.5ms").unwrap();
        assert_eq!(g.scope(), Some("a b"));
        assert_eq!(g.statistic(), Some(Statistic::Percentile(99.9)));
        assert_eq!(g.delta(), Delta::Micros(1500.0));
    }

    #[test]
    fn errors_name_the_expression_and_what_was_expected() {
        let e = |s: &str| Gate::parse(s).unwrap_err().to_string();
        assert_eq!(
            e("latncy p99 > +1%"),
            "invalid gate `latncy p99 > +1%`: unknown metric `latncy`; expected one of: latency, service_time, schedule_lag, error_rate, drop_rate, rps"
        );
        assert_eq!(
            e("latency > +1%"),
            "invalid gate `latency > +1%`: `latency` needs a statistic (min, max, p50, p95, p99.9, ...), not `>`"
        );
        assert_eq!(
            e("latency p99 > 10%"),
            "invalid gate `latency p99 > 10%`: expected a signed change such as +10%, +20ms or +0.5pp, not `10%`"
        );
        assert_eq!(
            e("error_rate > +1ms"),
            "invalid gate `error_rate > +1ms`: a rate changes by percentage points (+0.5pp) or relatively (+10%), not `+1ms`"
        );
        assert!(e("latency p99 > +20").contains("invalid duration `20`"));
        assert!(e("latency p99 > +1% maybe").contains("unexpected `maybe`"));
        assert!(e("latency[x p99 > +1%").contains("without its `]`"));
        assert!(e("latency p99 == +1%").contains("expected an operator"));
    }

    #[test]
    fn a_gate_fails_on_a_change_past_its_delta() {
        let g = Gate::parse("latency p99 > +10%").unwrap();
        assert!(g.fails(0.2, false));
        assert!(!g.fails(0.05, true));
        let g = Gate::parse("latency p99 > +10% significant").unwrap();
        assert!(!g.fails(0.2, false));
        assert!(g.fails(0.2, true));
    }
}
