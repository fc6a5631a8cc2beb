//! Evaluating thresholds on a [`Summary`].

use crate::model::{CheckSummary, StepSummary, Summary, ThresholdResult};
use crate::requests::{MAX_STATUS_CODES, RequestSummary};
use crate::stats::Stats;
use crate::threshold::expr::{Metric, Statistic, Status, Threshold, Unit};
use crate::units::fmt_us;

impl Threshold {
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
        match self.unit {
            Unit::Micros => fmt_us(v.round().max(0.0) as u64),
            Unit::Fraction => format!("{:.3}%", v * 100.0),
            Unit::Number if self.metric == Metric::Rps => format!("{v:.2}/s"),
            Unit::Number => format!("{v}"),
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

    fn measure(&self, s: &Summary) -> Result<f64, String> {
        if self.metric.is_http() {
            return self.measure_http(s);
        }
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
            _ => unreachable!("HTTP metrics are measured by measure_http"),
        }
    }

    /// The requests the scope names: every request without a scope; a
    /// scenario's requests; or else those made inside a step of that name;
    /// or else those of that name (in every scenario). An error when none
    /// ended.
    fn requests<'a>(&self, s: &'a Summary) -> Result<Vec<&'a RequestSummary>, String> {
        let all = || s.scenarios.iter().flat_map(|sc| &sc.requests);
        let (chosen, where_): (Vec<&RequestSummary>, String) = match self.scope.as_deref() {
            None => (all().collect(), String::new()),
            Some(name) => {
                if let Some(sc) = s.scenarios.iter().find(|sc| sc.name == name) {
                    (
                        sc.requests.iter().collect(),
                        format!(" in scenario `{name}`"),
                    )
                } else if s
                    .scenarios
                    .iter()
                    .any(|sc| sc.steps.iter().any(|st| st.name == name))
                    || all().any(|r| r.step.as_deref() == Some(name))
                {
                    (
                        all().filter(|r| r.step.as_deref() == Some(name)).collect(),
                        format!(" in step `{name}`"),
                    )
                } else {
                    let named: Vec<&RequestSummary> = all().filter(|r| r.name == name).collect();
                    if named.is_empty() {
                        return Err(format!(
                            "no scenario, step or request named `{name}` in the results"
                        ));
                    }
                    (named, format!(" named `{name}`"))
                }
            }
        };
        if chosen.iter().all(|r| r.count == 0) {
            return Err(format!("no HTTP requests were recorded{where_}"));
        }
        Ok(chosen)
    }

    fn measure_http(&self, s: &Summary) -> Result<f64, String> {
        let requests = self.requests(s)?;
        // In floating point: counts read from a file may add up past u64.
        let total =
            |f: fn(&RequestSummary) -> u64| -> f64 { requests.iter().map(|r| f(r) as f64).sum() };
        let count = total(|r| r.count);
        let phase = |f: fn(&RequestSummary) -> &Stats| -> Result<f64, String> {
            match requests.as_slice() {
                [one] => self.stat(f(one)),
                many => self.stat(&merged(many.iter().map(|r| f(r)))?),
            }
        };
        match self.metric {
            Metric::HttpConnect => phase(|r| &r.connect),
            Metric::HttpTls => phase(|r| &r.tls),
            Metric::HttpSend => phase(|r| &r.send),
            Metric::HttpWait => phase(|r| &r.wait),
            Metric::HttpReceive => phase(|r| &r.receive),
            Metric::HttpDuration => phase(|r| &r.duration),
            Metric::HttpStatus => {
                let status = self.status.expect("http_status always has a status");
                let unknown = total(|r| r.status_other);
                if unknown > 0.0 {
                    return Err(format!(
                        "{unknown} responses had codes past the table of {MAX_STATUS_CODES}, so how many are {status} is not known"
                    ));
                }
                let n: f64 = requests
                    .iter()
                    .map(|r| match status {
                        Status::Class(c) => r.status_class(c) as f64,
                        Status::Code(c) => r.status_code(c) as f64,
                    })
                    .sum();
                Ok(match self.unit {
                    Unit::Fraction => n / count,
                    _ => n,
                })
            }
            Metric::HttpFailed => Ok(total(|r| r.failed) / count),
            Metric::HttpReused => Ok(total(|r| r.reused) / count),
            Metric::HttpRequests => Ok(count),
            Metric::HttpBytesSent => Ok(total(|r| r.bytes_sent)),
            Metric::HttpBytesReceived => Ok(total(|r| r.bytes_received)),
            _ => unreachable!("only HTTP metrics are measured here"),
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
    // Read for a figure, never written: not worth deflating.
    Ok(Stats::encoded(&total, crate::HdrEncoding::Plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_that_stopped_the_run_fails_whatever_it_measures_at_the_end() {
        let mut s: Summary =
            serde_json::from_str(include_str!("../../tests/it/data/quickstart.json"))
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
}
