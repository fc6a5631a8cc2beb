//! The merged results: scenarios, metrics, the run's totals and
//! distributions, the abort and the thresholds.

use crate::merge::error::MergeError;
use crate::merge::intervals::merge_intervals;
use crate::merge::requests::merge_requests;
use crate::merge::sum::{Part, by_name, merge_errors, merge_stats, merge_values, sum, sum_totals};
use crate::model::{
    Abort, CheckSummary, CounterValue, GaugeValue, HistogramSummary, Metrics, SCHEMA_VERSION,
    ScenarioSummary, StepSummary, StopReason, Summary, ThresholdResult, TimingSummary,
};
use crate::stats::Stats;
use crate::threshold::{Threshold, evaluate_all};

/// The shards' results merged, but for what `merge` adds: which shards
/// they are, the abort and the thresholds.
pub(super) fn merge_all(all: &[Part<Summary>]) -> Result<Summary, MergeError> {
    let first = all[0].1;
    // Every shard ran the same plan, so has the same scenarios in the same
    // order (checked above): the i-th of each is merged.
    let scenarios = (0..first.scenarios.len())
        .map(|i| {
            let matching: Vec<Part<ScenarioSummary>> =
                all.iter().map(|(l, s)| (*l, &s.scenarios[i])).collect();
            merge_scenario(&format!("scenarios[{i}]"), &matching)
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The most telling reason: a failed threshold, then a signal.
    let stop_reason = [StopReason::Threshold, StopReason::Signal]
        .into_iter()
        .find(|r| all.iter().any(|(_, s)| s.stop_reason == *r))
        .unwrap_or(StopReason::Completed);
    let scheduling_us = all.iter().map(|(_, s)| s.scheduling_us).max().unwrap_or(0);
    // Rates over the whole run's scheduling time, from each shard's count.
    let rate = |f: fn(&Summary) -> f64| -> f64 {
        if scheduling_us == 0 {
            return all.iter().map(|(_, s)| f(s)).sum();
        }
        all.iter()
            .map(|(_, s)| f(s) * s.scheduling_us as f64)
            .sum::<f64>()
            / scheduling_us as f64
    };
    let stats = |name: &str, f: fn(&Summary) -> &Stats| {
        merge_stats(name, all.iter().map(|(l, s)| (*l, f(s))))
    };
    Ok(Summary {
        schema_version: SCHEMA_VERSION,
        started_at_unix_ms: all
            .iter()
            .map(|(_, s)| s.started_at_unix_ms)
            .min()
            .unwrap_or(0),
        duration_us: all.iter().map(|(_, s)| s.duration_us).max().unwrap_or(0),
        stop_reason,
        plan: first.plan.clone(),
        limits: first.limits.clone(),
        target_rps: rate(|s| s.target_rps),
        achieved_rps: rate(|s| s.achieved_rps),
        totals: sum_totals(
            || "totals".to_owned(),
            all.iter().map(|(l, s)| (*l, &s.totals)),
        )?,
        latency: stats("latency", |s| &s.latency)?,
        service_time: stats("service_time", |s| &s.service_time)?,
        schedule_lag: stats("schedule_lag", |s| &s.schedule_lag)?,
        scenarios,
        errors: merge_errors(
            "errors",
            all.iter()
                .flat_map(|(l, s)| s.errors.iter().map(move |e| (*l, e))),
        )?,
        metrics: merge_metrics(all)?,
        thresholds: Vec::new(),
        aborted_by: None,
        scheduling_us,
        segment: None,
        merged: None,
        intervals: merge_intervals(all)?,
    })
}

/// The abort that stopped a shard first (by time into the run): the one
/// that stopped the run, as far as the merged results tell.
pub(super) fn earliest_abort(all: &[Part<Summary>]) -> Option<Abort> {
    all.iter()
        .filter_map(|(_, s)| s.aborted_by.as_ref())
        .min_by_key(|a| a.at_us)
        .cloned()
}

/// The thresholds (the same in every shard) evaluated again on the merged
/// results. One that does not parse (written by another version of lot)
/// keeps the first shard's result, failed if any shard's failed.
pub(super) fn merge_thresholds(all: &[Part<Summary>], merged: &Summary) -> Vec<ThresholdResult> {
    let first = all[0].1;
    let parsed: Vec<Option<Threshold>> = first
        .thresholds
        .iter()
        .map(|t| Threshold::parse(&t.expression).ok())
        .collect();
    let valid: Vec<Threshold> = parsed.iter().flatten().cloned().collect();
    let mut evaluated = evaluate_all(&valid, merged).into_iter();
    first
        .thresholds
        .iter()
        .zip(&parsed)
        .enumerate()
        .map(|(i, (t, parsed))| match parsed {
            Some(_) => evaluated
                .next()
                .expect("evaluate_all gives one result per threshold"),
            None => {
                let mut result = t.clone();
                result.passed = merged.abort_of(&t.expression).is_none()
                    && all
                        .iter()
                        .all(|(_, s)| s.thresholds.get(i).is_none_or(|r| r.passed));
                result
            }
        })
        .collect()
}

fn merge_scenario(
    field: &str,
    all: &[Part<ScenarioSummary>],
) -> Result<ScenarioSummary, MergeError> {
    let steps = by_name(
        all.iter()
            .flat_map(|(l, s)| s.steps.iter().map(move |st| (*l, st))),
        |st| st.name.as_str(),
    )
    .into_iter()
    .map(|(name, matching)| {
        let at = format!("{field}.steps[{name:?}]");
        Ok(StepSummary {
            name: name.to_owned(),
            ok: sum(
                || format!("{at}.ok"),
                matching.iter().map(|(l, st)| (*l, st.ok)),
            )?,
            failed: sum(
                || format!("{at}.failed"),
                matching.iter().map(|(l, st)| (*l, st.failed)),
            )?,
            latency: merge_stats(
                &format!("{at}.latency"),
                matching.iter().map(|(l, st)| (*l, &st.latency)),
            )?,
            errors: merge_errors(
                &format!("{at}.errors"),
                matching
                    .iter()
                    .flat_map(|(l, st)| st.errors.iter().map(move |e| (*l, e))),
            )?,
        })
    })
    .collect::<Result<_, MergeError>>()?;
    let checks = by_name(
        all.iter()
            .flat_map(|(l, s)| s.checks.iter().map(move |c| (*l, c))),
        |c| c.name.as_str(),
    )
    .into_iter()
    .map(|(name, matching)| {
        let at = format!("{field}.checks[{name:?}]");
        Ok(CheckSummary::new(
            name.to_owned(),
            sum(
                || format!("{at}.passed"),
                matching.iter().map(|(l, c)| (*l, c.passed)),
            )?,
            sum(
                || format!("{at}.failed"),
                matching.iter().map(|(l, c)| (*l, c.failed)),
            )?,
        ))
    })
    .collect::<Result<_, MergeError>>()?;
    let stats = |name: &str, f: fn(&ScenarioSummary) -> &Stats| {
        merge_stats(
            &format!("{field}.{name}"),
            all.iter().map(|(l, s)| (*l, f(s))),
        )
    };
    Ok(ScenarioSummary {
        name: all[0].1.name.clone(),
        totals: sum_totals(
            || format!("{field}.totals"),
            all.iter().map(|(l, s)| (*l, &s.totals)),
        )?,
        latency: stats("latency", |s| &s.latency)?,
        service_time: stats("service_time", |s| &s.service_time)?,
        schedule_lag: stats("schedule_lag", |s| &s.schedule_lag)?,
        errors: merge_errors(
            &format!("{field}.errors"),
            all.iter()
                .flat_map(|(l, s)| s.errors.iter().map(move |e| (*l, e))),
        )?,
        steps,
        checks,
        requests: merge_requests(field, all)?,
    })
}

/// The first rate of merged results that summed past what an `f64` holds
/// (each shard's is finite, JSON having no infinity), as a field path.
pub(super) fn infinite_rate(s: &Summary) -> Option<String> {
    if !s.target_rps.is_finite() {
        return Some("target_rps".to_owned());
    }
    if !s.achieved_rps.is_finite() {
        return Some("achieved_rps".to_owned());
    }
    for (i, interval) in s.intervals.iter().enumerate() {
        if !interval.target_rps.is_finite() {
            return Some(format!("intervals[{i}].target_rps"));
        }
        if !interval.achieved_rps.is_finite() {
            return Some(format!("intervals[{i}].achieved_rps"));
        }
        for (j, row) in interval.scenarios.iter().enumerate() {
            if !row.target_rps.is_finite() {
                return Some(format!("intervals[{i}].scenarios[{j}].target_rps"));
            }
        }
    }
    None
}

fn merge_metrics(all: &[Part<Summary>]) -> Result<Metrics, MergeError> {
    let counters = by_name(
        all.iter()
            .flat_map(|(l, s)| s.metrics.counters.iter().map(move |c| (*l, c))),
        |c| c.name.as_str(),
    )
    .into_iter()
    .map(|(name, group)| {
        Ok(CounterValue {
            name: name.to_owned(),
            value: sum(
                || format!("metrics.counters[{name:?}].value"),
                group.iter().map(|(l, c)| (*l, c.value)),
            )?,
        })
    })
    .collect::<Result<_, MergeError>>()?;
    let gauges = by_name(
        all.iter()
            .flat_map(|(l, s)| s.metrics.gauges.iter().map(move |g| (*l, g))),
        |g| g.name.as_str(),
    )
    .into_iter()
    .map(|(name, group)| GaugeValue {
        name: name.to_owned(),
        value: group.iter().map(|(_, g)| g.value).sum(),
    })
    .collect();
    let timings = by_name(
        all.iter()
            .flat_map(|(l, s)| s.metrics.timings.iter().map(move |t| (*l, t))),
        |t| t.name.as_str(),
    )
    .into_iter()
    .map(|(name, group)| {
        Ok(TimingSummary {
            name: name.to_owned(),
            stats: merge_stats(
                &format!("metrics.timings[{name:?}].stats"),
                group.iter().map(|(l, t)| (*l, &t.stats)),
            )?,
        })
    })
    .collect::<Result<_, MergeError>>()?;
    let histograms = by_name(
        all.iter()
            .flat_map(|(l, s)| s.metrics.histograms.iter().map(move |h| (*l, h))),
        |h| h.name.as_str(),
    )
    .into_iter()
    .map(|(name, group)| {
        Ok(HistogramSummary {
            name: name.to_owned(),
            stats: merge_values(
                &format!("metrics.histograms[{name:?}].stats"),
                group.iter().map(|(l, h)| (*l, &h.stats)),
            )?,
        })
    })
    .collect::<Result<_, MergeError>>()?;
    Ok(Metrics {
        counters,
        gauges,
        timings,
        histograms,
    })
}
