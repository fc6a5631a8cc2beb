//! The merged interval series, aligned by start offset.

use crate::intervals::{coarsen, stride_of};
use crate::merge::error::MergeError;
use crate::merge::requests::sum_http;
use crate::merge::sum::{Part, by_name, sum, sum_totals};
use crate::model::{Interval, IntervalLatency, ScenarioInterval, StepInterval, Summary, Totals};
use crate::requests::HttpInterval;

fn merge_latency(
    field: &str,
    all: &[Part<IntervalLatency>],
) -> Result<IntervalLatency, MergeError> {
    let count = sum(
        || format!("{field}.count"),
        all.iter().map(|(l, lat)| (*l, lat.count)),
    )?;
    Ok(IntervalLatency::weighted(
        count,
        all.iter().map(|(_, l)| *l),
    ))
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
                http: HttpInterval::default(),
                ..s.clone()
            })
            .collect(),
        ..last.clone()
    }
}

pub(super) fn merge_intervals(all: &[Part<Summary>]) -> Result<Vec<Interval>, MergeError> {
    // A shard whose run folded its series once more than another's (its
    // ticks reached a fold the other's did not) covers twice the time per
    // interval: the finer series are folded to its windows first, so that
    // the merged intervals do not interleave short and long ones.
    let window = |s: &Summary| {
        stride_of(&s.intervals, s.limits.interval_us).saturating_mul(s.limits.interval_us)
    };
    let widest = all.iter().map(|(_, s)| window(s)).max().unwrap_or(0);
    let folded: Vec<Option<Vec<Interval>>> = all
        .iter()
        .map(|(_, s)| (window(s) < widest).then(|| coarsen(&s.intervals, widest)))
        .collect();
    let series: Vec<(&str, &[Interval])> = all
        .iter()
        .zip(&folded)
        .map(|((label, s), f)| (*label, f.as_deref().unwrap_or(&s.intervals)))
        .collect();
    // Shards start together, so their ticks mostly coincide; merge at every
    // start offset any shard has.
    let mut starts: Vec<u64> = series
        .iter()
        .flat_map(|(_, intervals)| intervals.iter().map(|i| i.start_us))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut cursor = vec![0usize; series.len()];
    let mut last: Vec<Option<&Interval>> = vec![None; series.len()];
    starts
        .into_iter()
        .enumerate()
        .map(|(index, start)| {
            let owned: Vec<(&str, Interval)> = series
                .iter()
                .enumerate()
                .filter_map(|(k, (label, intervals))| {
                    while intervals.get(cursor[k]).is_some_and(|i| i.start_us < start) {
                        last[k] = Some(&intervals[cursor[k]]);
                        cursor[k] += 1;
                    }
                    let interval = match intervals.get(cursor[k]) {
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
            http: sum_http(
                || format!("{at}.http"),
                rows.iter().map(|(l, r)| (*l, &r.http)),
            )?,
            // Only a live run's intervals carry them; documents never do.
            histograms: None,
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
        snapshot: None,
    })
}
