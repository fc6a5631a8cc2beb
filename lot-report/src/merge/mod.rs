//! Merging the results of a distributed run's shards into one.
//!
//! Each of N processes run with `LOT_SEGMENT=I/N` writes the results of its
//! share of the plan, carrying its [`Segment`](crate::Segment). [`merge`] adds them up:
//! counts are sums; every latency, service time, schedule lag, step,
//! timing and HTTP request phase distribution is merged from its HDR
//! histogram, so the merged percentiles are exactly those of one histogram
//! of all the samples. HTTP requests are matched by scenario, step and
//! name; their status tables are summed by code and bounded again (the
//! codes past [`MAX_STATUS_CODES`](crate::MAX_STATUS_CODES), least frequent
//! first, are counted in `status_other`), so the merged counts still add up.
//! Thresholds are evaluated again on the merged results.
//!
//! The interval series are aligned by start offset (every shard starts at
//! the same `LOT_START_AT` instant, so their ticks mostly coincide): a merged
//! interval starts wherever any shard's does, and a shard without an interval
//! there (a skipped tick, an earlier end) contributes no new counts but its
//! cumulative counts, in-flight iterations and users so far, so the merged
//! cumulative series never dips. Counts are sums (the HTTP counts too) and
//! rates are per second of the merged interval; maximum latency is the
//! maximum, and p50/p90/p99 are the count-weighted means of the shards'
//! (intervals carry no histogram, so these are estimates; the run's own
//! percentiles are exact). Gauges are the sum of the shards' last values.
//! A long run folds its series in windows of time from its start (see
//! [`intervals`](crate::intervals)), so a shard's stall moves none of its
//! later intervals off the others'; but shards whose tick counts fall
//! either side of a fold hold intervals of
//! different lengths: the finer series are first folded to the coarsest
//! one's windows, so the merged series does not alternate long intervals
//! with short ones holding part of the load.
//!
//! The merged `aborted_by` is the shards' earliest (by `at_us`): the first
//! abort-on-fail threshold to stop any shard, which fails on the merged
//! results whatever they measure (see
//! [`evaluate_all`](crate::threshold::evaluate_all)).
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

mod error;
mod intervals;
mod requests;
mod results;
mod shards;
mod sum;

pub use error::MergeError;

use crate::model::Summary;
use error::refuse;
use results::{earliest_abort, infinite_rate, merge_all, merge_thresholds};
use shards::check_shards;
use sum::Part;

/// Merges shard results, each labelled (by its file name) for messages.
pub fn merge(shards: &[(String, Summary)], allow_partial: bool) -> Result<Summary, MergeError> {
    let merged_shards = check_shards(shards, allow_partial)?;
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
    merged.merged = Some(merged_shards);
    merged.aborted_by = earliest_abort(&all);
    merged.thresholds = merge_thresholds(&all, &merged);
    Ok(merged)
}
