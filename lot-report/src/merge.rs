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
//! The merged `aborted_by` is the shards' earliest (by `at_us`): the first
//! abort-on-fail threshold to stop any shard, which fails on the merged
//! results whatever they measure (see [`evaluate_all`]).
//!
//! Merging refuses, with a message naming the file: results of another
//! schema version, results that are not shards, shards of different plans,
//! thresholds or shard counts, shards that did not start at the same instant
//! (different runs), the same shard twice, and (unless partial merges are
//! allowed) an incomplete set, naming the missing shards. It also refuses
//! shards whose histograms do not check out (see [`read::check`](crate::read::check)),
//! naming the file and the field, and counts whose sum would overflow `u64`,
//! naming the files and the count: `` cannot merge `a.json` and `b.json`:
//! totals.ok overflows u64 ``.

use std::collections::BTreeMap;
use std::fmt;

use hdrhistogram::Histogram;

use crate::model::{
    Abort, CheckSummary, CounterValue, ErrorCount, GaugeValue, HistogramSummary, Interval,
    IntervalLatency, Merged, Metrics, SCHEMA_VERSION, ScenarioInterval, ScenarioSummary,
    StepInterval, StepSummary, StopReason, Summary, ThresholdResult, TimingSummary, Totals,
};
use crate::stats::{Stats, ValueStats};
use crate::threshold::{Threshold, evaluate_all};

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
        if segment.index >= segment.count {
            return Err(refuse(format!(
                "`{label}` claims to be shard {} of {}; a shard's index is below the count of shards",
                segment.index, segment.count
            )));
        }
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
    // Each shard seen is a distinct index below the count, so this cannot
    // underflow; the count comes from the files, so at most a few missing
    // shards are named, never a list as long as a crafted count.
    let missing = count - seen.len() as u64;
    if missing > 0 && !allow_partial {
        const NAMED: usize = 16;
        let mut names: Vec<String> = (0..count)
            .filter(|i| !seen.contains_key(i))
            .take(NAMED)
            .map(|i| i.to_string())
            .collect();
        if missing > NAMED as u64 {
            names.push(format!("and {} more", missing - NAMED as u64));
        }
        return Err(refuse(format!(
            "incomplete: shard{} {} of {count} missing (merge anyway with --allow-partial)",
            if missing == 1 { "" } else { "s" },
            names.join(", ")
        )));
    }
    for (label, s) in shards {
        crate::read::check(s).map_err(|e| refuse(format!("`{label}`: {e}")))?;
    }
    let all: Vec<Part<Summary>> = shards.iter().map(|(l, s)| (l.as_str(), s)).collect();
    let mut merged = merge_all(&all)?;
    if let Some(field) = infinite_rate(&merged) {
        let files: Vec<String> = shards.iter().map(|(l, _)| format!("`{l}`")).collect();
        return Err(refuse(format!(
            "cannot merge {}: {field} overflows an f64",
            files.join(" and ")
        )));
    }
    merged.merged = Some(Merged {
        count,
        shards: seen.keys().copied().collect(),
    });
    merged.aborted_by = earliest_abort(&all);
    merged.thresholds = merge_thresholds(&all, &merged);
    Ok(merged)
}

/// The abort that stopped a shard first (by time into the run): the one
/// that stopped the run, as far as the merged results tell.
fn earliest_abort(all: &[Part<Summary>]) -> Option<Abort> {
    all.iter()
        .filter_map(|(_, s)| s.aborted_by.as_ref())
        .min_by_key(|a| a.at_us)
        .cloned()
}

/// The thresholds (the same in every shard) evaluated again on the merged
/// results. One that does not parse (written by another version of lot)
/// keeps the first shard's result, failed if any shard's failed.
fn merge_thresholds(all: &[Part<Summary>], merged: &Summary) -> Vec<ThresholdResult> {
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

/// One shard's share of something merged, with the shard's label.
type Part<'a, T> = (&'a str, &'a T);

/// The files, for a message: `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
fn files(labels: &[&str]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
    match quoted.split_last() {
        None => "the shards".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn overflow(labels: &[&str], field: &str) -> MergeError {
    refuse(format!(
        "cannot merge {}: {field} overflows u64",
        files(labels)
    ))
}

/// Labels of the parts that contributed to a sum so far, each once.
#[derive(Default)]
struct Contributors<'a>(Vec<&'a str>);

impl<'a> Contributors<'a> {
    fn add(&mut self, label: &'a str) {
        // Shards are few (one file each), so a linear search is enough.
        if !self.0.contains(&label) {
            self.0.push(label);
        }
    }
}

/// The sum of the parts' counts, or an error naming `field` (built only
/// then) and the files whose counts overflow it.
fn sum<'a>(
    field: impl Fn() -> String,
    parts: impl IntoIterator<Item = (&'a str, u64)>,
) -> Result<u64, MergeError> {
    let mut total: u64 = 0;
    let mut from = Contributors::default();
    for (label, value) in parts {
        if value == 0 {
            continue;
        }
        from.add(label);
        total = total
            .checked_add(value)
            .ok_or_else(|| overflow(&from.0, &field()))?;
    }
    Ok(total)
}

fn sum_totals<'a>(
    field: impl Fn() -> String,
    parts: impl IntoIterator<Item = Part<'a, Totals>>,
) -> Result<Totals, MergeError> {
    let mut total = Totals::default();
    let mut from = Contributors::default();
    for (label, t) in parts {
        from.add(label);
        total = total
            .checked_add(t)
            .map_err(|count| overflow(&from.0, &format!("{}.{count}", field())))?;
    }
    Ok(total)
}

/// Merges histograms, each decoded by `decode`, refusing a corrupt one (by
/// file and field) and a total count beyond `u64`.
fn merge_histograms<'a, S: 'a>(
    field: &str,
    parts: impl IntoIterator<Item = Part<'a, S>>,
    decode: impl Fn(&S) -> Result<Histogram<u64>, crate::stats::DecodeError>,
) -> Result<Option<Histogram<u64>>, MergeError> {
    let mut total: Option<Histogram<u64>> = None;
    let mut from = Contributors::default();
    for (label, stats) in parts {
        let h = decode(stats).map_err(|e| refuse(format!("`{label}`: {field}.hdr: {e}")))?;
        from.add(label);
        match &mut total {
            Some(t) => {
                // Counts saturate inside hdrhistogram; refuse instead.
                if t.len().checked_add(h.len()).is_none() {
                    return Err(overflow(&from.0, &format!("{field}.count")));
                }
                t.add(&h).map_err(|e| {
                    refuse(format!(
                        "cannot merge {}: {field} histograms cannot be added: {e}",
                        files(&from.0)
                    ))
                })?
            }
            None => total = Some(h),
        }
    }
    Ok(total)
}

fn merge_stats<'a>(
    field: &str,
    parts: impl IntoIterator<Item = Part<'a, Stats>>,
) -> Result<Stats, MergeError> {
    Ok(merge_histograms(field, parts, Stats::histogram)?
        .map_or_else(Stats::default, |h| Stats::from_histogram(&h)))
}

fn merge_values<'a>(
    field: &str,
    parts: impl IntoIterator<Item = Part<'a, ValueStats>>,
) -> Result<ValueStats, MergeError> {
    Ok(merge_histograms(field, parts, ValueStats::histogram)?
        .map_or_else(ValueStats::default, |h| ValueStats::from_histogram(&h)))
}

/// The parts grouped by name, in order of first appearance. Grouping is
/// linear (a map, not a search per name), whatever the number of names.
fn by_name<'a, T>(
    parts: impl IntoIterator<Item = Part<'a, T>>,
    name: impl Fn(&T) -> &str,
) -> Vec<(&'a str, Vec<Part<'a, T>>)>
where
    T: 'a,
{
    let mut index: BTreeMap<&'a str, usize> = BTreeMap::new();
    let mut groups: Vec<(&'a str, Vec<Part<'a, T>>)> = Vec::new();
    for (label, item) in parts {
        let key: &'a str = name(item);
        let at = *index.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push((label, item));
    }
    groups
}

fn merge_errors<'a>(
    field: &str,
    parts: impl IntoIterator<Item = Part<'a, ErrorCount>>,
) -> Result<Vec<ErrorCount>, MergeError> {
    let mut out = by_name(parts, |e| e.kind.as_str())
        .into_iter()
        .map(|(kind, group)| {
            Ok(ErrorCount {
                kind: kind.to_owned(),
                count: sum(
                    || format!("{field}[{kind:?}].count"),
                    group.iter().map(|(l, e)| (*l, e.count)),
                )?,
            })
        })
        .collect::<Result<Vec<_>, MergeError>>()?;
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
    Ok(out)
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
    })
}

fn merge_latency(
    field: &str,
    all: &[Part<IntervalLatency>],
) -> Result<IntervalLatency, MergeError> {
    let count = sum(
        || format!("{field}.count"),
        all.iter().map(|(l, lat)| (*l, lat.count)),
    )?;
    // Counts are weighed in floating point, which cannot overflow.
    let weighted = |f: fn(&IntervalLatency) -> u64| -> u64 {
        if count == 0 {
            return 0;
        }
        let sum: f64 = all.iter().map(|(_, l)| f(l) as f64 * l.count as f64).sum();
        (sum / count as f64).round() as u64
    };
    Ok(IntervalLatency {
        count,
        p50_us: weighted(|l| l.p50_us),
        p90_us: weighted(|l| l.p90_us),
        p99_us: weighted(|l| l.p99_us),
        max_us: all.iter().map(|(_, l)| l.max_us).max().unwrap_or(0),
    })
}

/// The first rate of merged results that summed past what an `f64` holds
/// (each shard's is finite, JSON having no infinity), as a field path.
fn infinite_rate(s: &Summary) -> Option<String> {
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

fn merge_intervals(all: &[Part<Summary>]) -> Result<Vec<Interval>, MergeError> {
    // Shards start together, so their ticks mostly coincide; merge at every
    // start offset any shard has.
    let mut starts: Vec<u64> = all
        .iter()
        .flat_map(|(_, s)| s.intervals.iter().map(|i| i.start_us))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut cursor = vec![0usize; all.len()];
    let mut last: Vec<Option<&Interval>> = vec![None; all.len()];
    starts
        .into_iter()
        .enumerate()
        .map(|(index, start)| {
            let owned: Vec<(&str, Interval)> = all
                .iter()
                .enumerate()
                .filter_map(|(k, (label, s))| {
                    while s
                        .intervals
                        .get(cursor[k])
                        .is_some_and(|i| i.start_us < start)
                    {
                        last[k] = Some(&s.intervals[cursor[k]]);
                        cursor[k] += 1;
                    }
                    let interval = match s.intervals.get(cursor[k]) {
                        Some(i) if i.start_us == start => {
                            last[k] = Some(i);
                            cursor[k] += 1;
                            Some(i.clone())
                        }
                        _ => last[k].map(carried),
                    };
                    interval.map(|i| (*label, i))
                })
                .collect();
            let group: Vec<Part<Interval>> = owned.iter().map(|(l, i)| (*l, i)).collect();
            merge_group(index, start, &group)
        })
        .collect()
}

fn merge_group(index: usize, start: u64, group: &[Part<Interval>]) -> Result<Interval, MergeError> {
    let field = format!("intervals[start_us={start}]");
    let scenarios = by_name(
        group
            .iter()
            .flat_map(|(l, i)| i.scenarios.iter().map(move |s| (*l, s))),
        |s| s.name.as_str(),
    )
    .into_iter()
    .map(|(name, rows)| {
        let at = format!("{field}.scenarios[{name:?}]");
        let count = |what: &str, f: fn(&ScenarioInterval) -> u64| {
            sum(
                || format!("{at}.{what}"),
                rows.iter().map(|(l, r)| (*l, f(r))),
            )
        };
        let steps = by_name(
            rows.iter()
                .flat_map(|(l, r)| r.steps.iter().map(move |s| (*l, s))),
            |s| s.name.as_str(),
        )
        .into_iter()
        .map(|(step, steps)| {
            let at = format!("{at}.steps[{step:?}]");
            Ok(StepInterval {
                name: step.to_owned(),
                ok: sum(|| format!("{at}.ok"), steps.iter().map(|(l, s)| (*l, s.ok)))?,
                failed: sum(
                    || format!("{at}.failed"),
                    steps.iter().map(|(l, s)| (*l, s.failed)),
                )?,
                latency: merge_latency(
                    &format!("{at}.latency"),
                    &steps
                        .iter()
                        .map(|(l, s)| (*l, &s.latency))
                        .collect::<Vec<_>>(),
                )?,
            })
        })
        .collect::<Result<_, MergeError>>()?;
        Ok(ScenarioInterval {
            name: name.to_owned(),
            counts: sum_totals(
                || format!("{at}.counts"),
                rows.iter().map(|(l, r)| (*l, &r.counts)),
            )?,
            latency: merge_latency(
                &format!("{at}.latency"),
                &rows
                    .iter()
                    .map(|(l, r)| (*l, &r.latency))
                    .collect::<Vec<_>>(),
            )?,
            target_rps: rows.iter().map(|(_, r)| r.target_rps).sum(),
            started: count("started", |r| r.started)?,
            in_flight: count("in_flight", |r| r.in_flight)?,
            users: count("users", |r| r.users)?,
            steps,
        })
    })
    .collect::<Result<_, MergeError>>()?;
    let duration_us = group.iter().map(|(_, i)| i.duration_us).max().unwrap_or(0);
    // Counts over the merged interval's length, whatever each shard's was.
    let per_second = |f: fn(&Interval) -> f64| -> f64 {
        if duration_us == 0 {
            return 0.0;
        }
        group
            .iter()
            .map(|(_, i)| f(i) * i.duration_us as f64)
            .sum::<f64>()
            / duration_us as f64
    };
    let count = |what: &str, f: fn(&Interval) -> u64| {
        sum(
            || format!("{field}.{what}"),
            group.iter().map(|(l, i)| (*l, f(i))),
        )
    };
    let totals = |what: &str, f: fn(&Interval) -> &Totals| {
        sum_totals(
            || format!("{field}.{what}"),
            group.iter().map(|(l, i)| (*l, f(i))),
        )
    };
    Ok(Interval {
        index: index as u64,
        start_us: start,
        duration_us,
        target_rps: per_second(|i| i.target_rps),
        achieved_rps: per_second(|i| i.achieved_rps),
        started: count("started", |i| i.started)?,
        counts: totals("counts", |i| &i.counts)?,
        cumulative: totals("cumulative", |i| &i.cumulative)?,
        in_flight: count("in_flight", |i| i.in_flight)?,
        users: count("users", |i| i.users)?,
        latency: merge_latency(
            &format!("{field}.latency"),
            &group
                .iter()
                .map(|(l, i)| (*l, &i.latency))
                .collect::<Vec<_>>(),
        )?,
        scenarios,
    })
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

fn merge_all(all: &[Part<Summary>]) -> Result<Summary, MergeError> {
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
