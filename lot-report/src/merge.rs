//! Merging the results of a distributed run's shards into one.
//!
//! Each of N processes run with `LOT_SEGMENT=I/N` writes the results of its
//! share of the plan, carrying its [`Segment`](crate::Segment). [`merge`] adds them up:
//! counts are sums; every latency, service time, schedule lag, step and
//! timing distribution is merged from its HDR histogram, so the merged
//! percentiles are exactly those of one histogram of all the samples.
//! Thresholds are evaluated again on the merged results.
//!
//! The interval series are aligned by start offset (every shard starts at
//! the same `LOT_START_AT` instant, so their ticks mostly coincide): a merged
//! interval starts wherever any shard's does, and a shard without an interval
//! there (a skipped tick, an earlier end) contributes no new counts but its
//! cumulative counts, in-flight iterations and users so far, so the merged
//! cumulative series never dips. Counts are sums and rates are per second of
//! the merged interval; maximum latency is the maximum, and p50/p90/p99 are
//! the count-weighted means of the shards' (intervals carry no histogram, so
//! these are estimates; the run's own percentiles are exact). Gauges are the
//! sum of the shards' last values.
//!
//! A threshold marked `abort` that stopped any shard fails the merged run.
//!
//! Merging refuses, with a message naming the file: results of another
//! schema version, results that are not shards, shards of different plans,
//! thresholds or shard counts, shards that did not start at the same instant
//! (different runs), the same shard twice, and (unless partial merges are
//! allowed) an incomplete set, naming the missing shards.

use std::collections::BTreeMap;
use std::fmt;

use hdrhistogram::Histogram;

use crate::model::{
    CheckSummary, CounterValue, ErrorCount, GaugeValue, HistogramSummary, Interval,
    IntervalLatency, Merged, Metrics, SCHEMA_VERSION, ScenarioInterval, ScenarioSummary,
    StepInterval, StepSummary, StopReason, Summary, TimingSummary, Totals,
};
use crate::stats::{Stats, ValueStats};
use crate::threshold::Threshold;

/// Why shards could not be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

fn refuse(message: impl Into<String>) -> MergeError {
    MergeError(message.into())
}

/// Merges shard results, each labelled (by its file name) for messages.
pub fn merge(shards: &[(String, Summary)], allow_partial: bool) -> Result<Summary, MergeError> {
    let Some((first_label, first)) = shards.first() else {
        return Err(refuse("no results to merge"));
    };
    let mut seen: BTreeMap<u64, &str> = BTreeMap::new();
    let mut count = None;
    for (label, s) in shards {
        if s.schema_version != SCHEMA_VERSION {
            return Err(refuse(format!(
                "`{label}` has schema version {}; expected {SCHEMA_VERSION}",
                s.schema_version
            )));
        }
        let Some(segment) = s.segment else {
            return Err(refuse(format!(
                "`{label}` is not a shard: it was not run with LOT_SEGMENT"
            )));
        };
        match count {
            None => count = Some(segment.count),
            Some(n) if n != segment.count => {
                return Err(refuse(format!(
                    "`{label}` is shard {} of {}, but `{first_label}` is of {n}: shards of different runs",
                    segment.index, segment.count
                )));
            }
            Some(_) => {}
        }
        if let Some(other) = seen.insert(segment.index, label) {
            return Err(refuse(format!(
                "`{other}` and `{label}` are both shard {} of {}",
                segment.index, segment.count
            )));
        }
        let names = |s: &Summary| {
            s.scenarios
                .iter()
                .map(|sc| sc.name.clone())
                .collect::<Vec<_>>()
        };
        if s.plan != first.plan || s.limits != first.limits || names(s) != names(first) {
            return Err(refuse(format!(
                "`{label}` and `{first_label}` ran different plans (stages, scenarios or limits differ)"
            )));
        }
        let expressions = |s: &Summary| {
            s.thresholds
                .iter()
                .map(|t| t.expression.clone())
                .collect::<Vec<_>>()
        };
        if expressions(s) != expressions(first) {
            return Err(refuse(format!(
                "`{label}` and `{first_label}` have different thresholds"
            )));
        }
        // Every shard of one run starts at the same LOT_START_AT instant.
        if s.started_at_unix_ms != first.started_at_unix_ms {
            return Err(refuse(format!(
                "`{label}` started at {} ms and `{first_label}` at {} ms since the Unix epoch: shards of different runs (the shards of one run share LOT_START_AT)",
                s.started_at_unix_ms, first.started_at_unix_ms
            )));
        }
    }
    let count = count.expect("there is at least one shard");
    let missing: Vec<String> = (0..count)
        .filter(|i| !seen.contains_key(i))
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() && !allow_partial {
        return Err(refuse(format!(
            "incomplete: shard{} {} of {count} missing (merge anyway with --allow-partial)",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )));
    }
    let all: Vec<&Summary> = shards.iter().map(|(_, s)| s).collect();
    let mut merged = merge_all(&all)?;
    merged.merged = Some(Merged {
        count,
        shards: seen.keys().copied().collect(),
    });
    merged.thresholds = first
        .thresholds
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut result = match Threshold::parse(&t.expression) {
                Ok(threshold) => threshold.evaluate(&merged),
                Err(_) => t.clone(),
            };
            // An abort-on-fail threshold that stopped a shard failed the run.
            let tripped = all.iter().find(|s| {
                s.stop_reason == StopReason::Threshold
                    && s.thresholds.get(i).is_some_and(|r| r.abort && !r.passed)
            });
            if let Some(shard) = tripped {
                result.passed = false;
                result.measured = format!(
                    "{} (it stopped shard {} early: {})",
                    result.measured,
                    shard.segment.map_or(0, |g| g.index),
                    shard.thresholds[i].measured
                );
            }
            result
        })
        .collect();
    Ok(merged)
}

fn histogram(stats: &Stats) -> Result<Histogram<u64>, MergeError> {
    stats
        .histogram()
        .map_err(|e| refuse(format!("a histogram cannot be read: {e}")))
}

fn merge_stats<'a>(all: impl Iterator<Item = &'a Stats>) -> Result<Stats, MergeError> {
    let mut total: Option<Histogram<u64>> = None;
    for stats in all {
        let h = histogram(stats)?;
        match &mut total {
            Some(t) => t
                .add(&h)
                .map_err(|e| refuse(format!("histograms cannot be merged: {e:?}")))?,
            None => total = Some(h),
        }
    }
    Ok(total.map_or_else(Stats::default, |h| Stats::from_histogram(&h)))
}

fn merge_values<'a>(all: impl Iterator<Item = &'a ValueStats>) -> Result<ValueStats, MergeError> {
    let mut total: Option<Histogram<u64>> = None;
    for stats in all {
        let h = stats
            .histogram()
            .map_err(|e| refuse(format!("a histogram cannot be read: {e}")))?;
        match &mut total {
            Some(t) => t
                .add(&h)
                .map_err(|e| refuse(format!("histograms cannot be merged: {e:?}")))?,
            None => total = Some(h),
        }
    }
    Ok(total.map_or_else(ValueStats::default, |h| ValueStats::from_histogram(&h)))
}

fn merge_errors<'a>(all: impl Iterator<Item = &'a ErrorCount>) -> Vec<ErrorCount> {
    let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
    for e in all {
        *counts.entry(&e.kind).or_default() += e.count;
    }
    let mut out: Vec<ErrorCount> = counts
        .into_iter()
        .map(|(kind, count)| ErrorCount {
            kind: kind.to_owned(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    out
}

fn sum_totals<'a>(all: impl Iterator<Item = &'a Totals>) -> Totals {
    let mut t = Totals::default();
    for x in all {
        t.add(x);
    }
    t
}

/// Names in order of first appearance across `lists`.
fn names_in_order<'a>(lists: impl Iterator<Item = impl Iterator<Item = &'a str>>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for list in lists {
        for name in list {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

fn merge_scenario(all: &[&ScenarioSummary]) -> Result<ScenarioSummary, MergeError> {
    let step_names = names_in_order(
        all.iter()
            .map(|s| s.steps.iter().map(|st| st.name.as_str())),
    );
    let steps = step_names
        .into_iter()
        .map(|name| {
            let matching: Vec<&StepSummary> = all
                .iter()
                .flat_map(|s| &s.steps)
                .filter(|st| st.name == name)
                .collect();
            Ok(StepSummary {
                name: name.to_owned(),
                ok: matching.iter().map(|st| st.ok).sum(),
                failed: matching.iter().map(|st| st.failed).sum(),
                latency: merge_stats(matching.iter().map(|st| &st.latency))?,
                errors: merge_errors(matching.iter().flat_map(|st| &st.errors)),
            })
        })
        .collect::<Result<_, MergeError>>()?;
    let check_names = names_in_order(all.iter().map(|s| s.checks.iter().map(|c| c.name.as_str())));
    let checks = check_names
        .into_iter()
        .map(|name| {
            let matching: Vec<&CheckSummary> = all
                .iter()
                .flat_map(|s| &s.checks)
                .filter(|c| c.name == name)
                .collect();
            CheckSummary::new(
                name.to_owned(),
                matching.iter().map(|c| c.passed).sum(),
                matching.iter().map(|c| c.failed).sum(),
            )
        })
        .collect();
    Ok(ScenarioSummary {
        name: all[0].name.clone(),
        totals: sum_totals(all.iter().map(|s| &s.totals)),
        latency: merge_stats(all.iter().map(|s| &s.latency))?,
        service_time: merge_stats(all.iter().map(|s| &s.service_time))?,
        schedule_lag: merge_stats(all.iter().map(|s| &s.schedule_lag))?,
        errors: merge_errors(all.iter().flat_map(|s| &s.errors)),
        steps,
        checks,
    })
}

fn merge_latency(all: &[&IntervalLatency]) -> IntervalLatency {
    let count: u64 = all.iter().map(|l| l.count).sum();
    let weighted = |f: fn(&IntervalLatency) -> u64| -> u64 {
        if count == 0 {
            return 0;
        }
        let sum: f64 = all.iter().map(|l| f(l) as f64 * l.count as f64).sum();
        (sum / count as f64).round() as u64
    };
    IntervalLatency {
        count,
        p50_us: weighted(|l| l.p50_us),
        p90_us: weighted(|l| l.p90_us),
        p99_us: weighted(|l| l.p99_us),
        max_us: all.iter().map(|l| l.max_us).max().unwrap_or(0),
    }
}

/// What a shard contributes to a merged interval: its own interval starting
/// there, or, where it has none (its ticks fell elsewhere, or it ended
/// earlier), its last state carried forward with no new counts.
fn carried(last: &Interval) -> Interval {
    Interval {
        start_us: last.start_us,
        duration_us: 0,
        target_rps: 0.0,
        achieved_rps: 0.0,
        started: 0,
        counts: Totals::default(),
        latency: IntervalLatency::default(),
        scenarios: last
            .scenarios
            .iter()
            .map(|s| ScenarioInterval {
                name: s.name.clone(),
                counts: Totals::default(),
                latency: IntervalLatency::default(),
                target_rps: 0.0,
                started: 0,
                steps: Vec::new(),
                ..s.clone()
            })
            .collect(),
        ..last.clone()
    }
}

fn merge_intervals(all: &[&Summary]) -> Vec<Interval> {
    // Shards start together, so their ticks mostly coincide; merge at every
    // start offset any shard has.
    let mut starts: Vec<u64> = all
        .iter()
        .flat_map(|s| s.intervals.iter().map(|i| i.start_us))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut cursor = vec![0usize; all.len()];
    let mut last: Vec<Option<&Interval>> = vec![None; all.len()];
    starts
        .into_iter()
        .enumerate()
        .map(|(index, start)| {
            let owned: Vec<Interval> = all
                .iter()
                .enumerate()
                .filter_map(|(k, s)| {
                    while s
                        .intervals
                        .get(cursor[k])
                        .is_some_and(|i| i.start_us < start)
                    {
                        last[k] = Some(&s.intervals[cursor[k]]);
                        cursor[k] += 1;
                    }
                    match s.intervals.get(cursor[k]) {
                        Some(i) if i.start_us == start => {
                            last[k] = Some(i);
                            cursor[k] += 1;
                            Some(i.clone())
                        }
                        _ => last[k].map(carried),
                    }
                })
                .collect();
            let group: Vec<&Interval> = owned.iter().collect();
            merge_group(index, start, &group)
        })
        .collect()
}

fn merge_group(index: usize, start: u64, group: &[&Interval]) -> Interval {
    let scenario_names = names_in_order(
        group
            .iter()
            .map(|i| i.scenarios.iter().map(|s| s.name.as_str())),
    );
    let scenarios = scenario_names
        .into_iter()
        .map(|name| {
            let rows: Vec<&ScenarioInterval> = group
                .iter()
                .flat_map(|i| &i.scenarios)
                .filter(|s| s.name == name)
                .collect();
            let step_names =
                names_in_order(rows.iter().map(|r| r.steps.iter().map(|s| s.name.as_str())));
            ScenarioInterval {
                name: name.to_owned(),
                counts: sum_totals(rows.iter().map(|r| &r.counts)),
                latency: merge_latency(&rows.iter().map(|r| &r.latency).collect::<Vec<_>>()),
                target_rps: rows.iter().map(|r| r.target_rps).sum(),
                started: rows.iter().map(|r| r.started).sum(),
                in_flight: rows.iter().map(|r| r.in_flight).sum(),
                users: rows.iter().map(|r| r.users).sum(),
                steps: step_names
                    .into_iter()
                    .map(|step| {
                        let steps: Vec<&StepInterval> = rows
                            .iter()
                            .flat_map(|r| &r.steps)
                            .filter(|s| s.name == step)
                            .collect();
                        StepInterval {
                            name: step.to_owned(),
                            ok: steps.iter().map(|s| s.ok).sum(),
                            failed: steps.iter().map(|s| s.failed).sum(),
                            latency: merge_latency(
                                &steps.iter().map(|s| &s.latency).collect::<Vec<_>>(),
                            ),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let duration_us = group.iter().map(|i| i.duration_us).max().unwrap_or(0);
    // Counts over the merged interval's length, whatever each shard's was.
    let per_second = |f: fn(&Interval) -> f64| -> f64 {
        if duration_us == 0 {
            return 0.0;
        }
        group
            .iter()
            .map(|i| f(i) * i.duration_us as f64)
            .sum::<f64>()
            / duration_us as f64
    };
    Interval {
        index: index as u64,
        start_us: start,
        duration_us,
        target_rps: per_second(|i| i.target_rps),
        achieved_rps: per_second(|i| i.achieved_rps),
        started: group.iter().map(|i| i.started).sum(),
        counts: sum_totals(group.iter().map(|i| &i.counts)),
        cumulative: sum_totals(group.iter().map(|i| &i.cumulative)),
        in_flight: group.iter().map(|i| i.in_flight).sum(),
        users: group.iter().map(|i| i.users).sum(),
        latency: merge_latency(&group.iter().map(|i| &i.latency).collect::<Vec<_>>()),
        scenarios,
    }
}

fn merge_metrics(all: &[&Summary]) -> Result<Metrics, MergeError> {
    let metrics: Vec<&Metrics> = all.iter().map(|s| &s.metrics).collect();
    let counters = names_in_order(
        metrics
            .iter()
            .map(|m| m.counters.iter().map(|c| c.name.as_str())),
    )
    .into_iter()
    .map(|name| CounterValue {
        name: name.to_owned(),
        value: metrics
            .iter()
            .flat_map(|m| &m.counters)
            .filter(|c| c.name == name)
            .fold(0u64, |acc, c| acc.saturating_add(c.value)),
    })
    .collect();
    let gauges = names_in_order(
        metrics
            .iter()
            .map(|m| m.gauges.iter().map(|g| g.name.as_str())),
    )
    .into_iter()
    .map(|name| GaugeValue {
        name: name.to_owned(),
        value: metrics
            .iter()
            .flat_map(|m| &m.gauges)
            .filter(|g| g.name == name)
            .map(|g| g.value)
            .sum(),
    })
    .collect();
    let timings = names_in_order(
        metrics
            .iter()
            .map(|m| m.timings.iter().map(|t| t.name.as_str())),
    )
    .into_iter()
    .map(|name| {
        Ok(TimingSummary {
            name: name.to_owned(),
            stats: merge_stats(
                metrics
                    .iter()
                    .flat_map(|m| &m.timings)
                    .filter(|t| t.name == name)
                    .map(|t| &t.stats),
            )?,
        })
    })
    .collect::<Result<_, MergeError>>()?;
    let histograms = names_in_order(
        metrics
            .iter()
            .map(|m| m.histograms.iter().map(|h| h.name.as_str())),
    )
    .into_iter()
    .map(|name| {
        Ok(HistogramSummary {
            name: name.to_owned(),
            stats: merge_values(
                metrics
                    .iter()
                    .flat_map(|m| &m.histograms)
                    .filter(|h| h.name == name)
                    .map(|h| &h.stats),
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

fn merge_all(all: &[&Summary]) -> Result<Summary, MergeError> {
    let first = all[0];
    let scenarios = first
        .scenarios
        .iter()
        .map(|sc| {
            let matching: Vec<&ScenarioSummary> = all
                .iter()
                .flat_map(|s| &s.scenarios)
                .filter(|other| other.name == sc.name)
                .collect();
            merge_scenario(&matching)
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The most telling reason: a failed threshold, then a signal.
    let stop_reason = [StopReason::Threshold, StopReason::Signal]
        .into_iter()
        .find(|r| all.iter().any(|s| s.stop_reason == *r))
        .unwrap_or(StopReason::Completed);
    let scheduling_us = all.iter().map(|s| s.scheduling_us).max().unwrap_or(0);
    // Rates over the whole run's scheduling time, from each shard's count.
    let rate = |f: fn(&Summary) -> f64| -> f64 {
        if scheduling_us == 0 {
            return all.iter().map(|s| f(s)).sum();
        }
        all.iter()
            .map(|s| f(s) * s.scheduling_us as f64)
            .sum::<f64>()
            / scheduling_us as f64
    };
    Ok(Summary {
        schema_version: SCHEMA_VERSION,
        started_at_unix_ms: all.iter().map(|s| s.started_at_unix_ms).min().unwrap_or(0),
        duration_us: all.iter().map(|s| s.duration_us).max().unwrap_or(0),
        stop_reason,
        plan: first.plan.clone(),
        limits: first.limits.clone(),
        target_rps: rate(|s| s.target_rps),
        achieved_rps: rate(|s| s.achieved_rps),
        totals: sum_totals(all.iter().map(|s| &s.totals)),
        latency: merge_stats(all.iter().map(|s| &s.latency))?,
        service_time: merge_stats(all.iter().map(|s| &s.service_time))?,
        schedule_lag: merge_stats(all.iter().map(|s| &s.schedule_lag))?,
        scenarios,
        errors: merge_errors(all.iter().flat_map(|s| &s.errors)),
        metrics: merge_metrics(all)?,
        thresholds: Vec::new(),
        scheduling_us,
        segment: None,
        merged: None,
        intervals: merge_intervals(all),
    })
}
