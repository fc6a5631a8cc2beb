//! The merged HTTP requests of a scenario, and of an interval's row.

use std::collections::BTreeMap;

use crate::merge::error::{MergeError, overflow};
use crate::merge::sum::{Part, by_key, merge_stats, sum};
use crate::model::ScenarioSummary;
use crate::requests::{HttpInterval, RequestSummary, StatusCount, order_and_bound};
use crate::stats::Stats;

/// The requests of a scenario's shards, matched by (step, name) in order of
/// first appearance: counts summed, status tables merged (and bounded
/// again), histograms merged.
pub(super) fn merge_requests(
    field: &str,
    all: &[Part<ScenarioSummary>],
) -> Result<Vec<RequestSummary>, MergeError> {
    by_key(
        all.iter()
            .flat_map(|(l, s)| s.requests.iter().map(move |r| (*l, r))),
        |r| (r.step.as_deref(), r.name.as_str()),
    )
    .into_iter()
    .map(|((step, name), matching)| {
        let at = match step {
            Some(step) => format!("{field}.requests[step={step:?}, name={name:?}]"),
            None => format!("{field}.requests[name={name:?}]"),
        };
        let count = |what: &str, f: fn(&RequestSummary) -> u64| {
            sum(
                || format!("{at}.{what}"),
                matching.iter().map(|(l, r)| (*l, f(r))),
            )
        };
        let stats = |what: &str, f: fn(&RequestSummary) -> &Stats| {
            merge_stats(
                &format!("{at}.{what}"),
                matching.iter().map(|(l, r)| (*l, f(r))),
            )
        };
        let (status, status_other) = merge_status(&at, &matching)?;
        Ok(RequestSummary {
            name: name.to_owned(),
            step: step.map(str::to_owned),
            count: count("count", |r| r.count)?,
            failed: count("failed", |r| r.failed)?,
            reused: count("reused", |r| r.reused)?,
            bytes_sent: count("bytes_sent", |r| r.bytes_sent)?,
            bytes_received: count("bytes_received", |r| r.bytes_received)?,
            status,
            status_other,
            connect: stats("connect", |r| &r.connect)?,
            tls: stats("tls", |r| &r.tls)?,
            send: stats("send", |r| &r.send)?,
            wait: stats("wait", |r| &r.wait)?,
            receive: stats("receive", |r| &r.receive)?,
            duration: stats("duration", |r| &r.duration)?,
        })
    })
    .collect()
}

/// The shards' status tables merged: counts summed by code, ordered most
/// frequent first, the codes past the bound counted in `status_other` with
/// the shards' own.
fn merge_status(
    at: &str,
    matching: &[Part<RequestSummary>],
) -> Result<(Vec<StatusCount>, u64), MergeError> {
    let mut by_code: BTreeMap<u16, (u64, Vec<&str>)> = BTreeMap::new();
    for (label, r) in matching {
        for s in &r.status {
            let (n, from) = by_code.entry(s.code).or_default();
            if !from.contains(label) {
                from.push(label);
            }
            *n = n
                .checked_add(s.count)
                .ok_or_else(|| overflow(from, &format!("{at}.status[code={}]", s.code)))?;
        }
    }
    let mut table: Vec<StatusCount> = by_code
        .into_iter()
        .map(|(code, (count, _))| StatusCount { code, count })
        .collect();
    let cut = order_and_bound(&mut table);
    let other = sum(
        || format!("{at}.status_other"),
        matching.iter().map(|(l, r)| (*l, r.status_other)),
    )?;
    // The codes cut off may come from any of the shards.
    let labels: Vec<&str> = matching.iter().map(|(l, _)| *l).collect();
    let other = cut
        .iter()
        .try_fold(other, |n, s| n.checked_add(s.count))
        .ok_or_else(|| overflow(&labels, &format!("{at}.status_other")))?;
    Ok((table, other))
}

/// The HTTP counts of an interval's rows for one scenario, summed.
pub(super) fn sum_http<'a>(
    field: impl Fn() -> String,
    parts: impl IntoIterator<Item = Part<'a, HttpInterval>>,
) -> Result<HttpInterval, MergeError> {
    let mut total = HttpInterval::default();
    let mut from: Vec<&str> = Vec::new();
    for (label, h) in parts {
        if h.is_empty() {
            continue;
        }
        if !from.contains(&label) {
            from.push(label);
        }
        total = total
            .checked_add(h)
            .map_err(|count| overflow(&from, &format!("{}.{count}", field())))?;
    }
    Ok(total)
}
