//! Whether the shards given are one complete run.

use std::collections::BTreeMap;

use crate::merge::error::{MergeError, refuse};
use crate::model::{Merged, SCHEMA_VERSION, Summary};

/// Checks that `shards` are shards of one run, each once, and all of them
/// unless `allow_partial`; returns which shards they are.
pub(super) fn check_shards(
    shards: &[(String, Summary)],
    allow_partial: bool,
) -> Result<Merged, MergeError> {
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
        same_run(label, s, first_label, first)?;
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
    Ok(Merged {
        count,
        shards: seen.keys().copied().collect(),
    })
}

/// Checks that shard `s` (`label`) ran the same plan, thresholds and start
/// instant as the first shard.
fn same_run(
    label: &str,
    s: &Summary,
    first_label: &str,
    first: &Summary,
) -> Result<(), MergeError> {
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
    Ok(())
}
