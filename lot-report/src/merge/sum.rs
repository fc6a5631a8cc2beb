//! The sums of counts and the merges of histograms every part of the
//! merged results is built from, each refusing an overflow by file and
//! field.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::merge::error::{MergeError, files, overflow, refuse};
use crate::model::{ErrorCount, Totals};
use crate::stats::{DecodeError, Stats, ValueStats};

/// One shard's share of something merged, with the shard's label.
pub(super) type Part<'a, T> = (&'a str, &'a T);

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
pub(super) fn sum<'a>(
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

pub(super) fn sum_totals<'a>(
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
    decode: impl Fn(&S) -> Result<Histogram<u64>, DecodeError>,
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

pub(super) fn merge_stats<'a>(
    field: &str,
    parts: impl IntoIterator<Item = Part<'a, Stats>>,
) -> Result<Stats, MergeError> {
    Ok(merge_histograms(field, parts, Stats::histogram)?
        .map_or_else(Stats::default, |h| Stats::from_histogram(&h)))
}

pub(super) fn merge_values<'a>(
    field: &str,
    parts: impl IntoIterator<Item = Part<'a, ValueStats>>,
) -> Result<ValueStats, MergeError> {
    Ok(merge_histograms(field, parts, ValueStats::histogram)?
        .map_or_else(ValueStats::default, |h| ValueStats::from_histogram(&h)))
}

/// The parts grouped by name, in order of first appearance. Grouping is
/// linear (a map, not a search per name), whatever the number of names.
pub(super) fn by_name<'a, T>(
    parts: impl IntoIterator<Item = Part<'a, T>>,
    name: impl Fn(&'a T) -> &'a str,
) -> Vec<(&'a str, Vec<Part<'a, T>>)>
where
    T: 'a,
{
    by_key(parts, name)
}

/// The parts grouped by a key, in order of first appearance, as
/// [`by_name`] does.
pub(super) fn by_key<'a, T, K: Ord + Copy>(
    parts: impl IntoIterator<Item = Part<'a, T>>,
    key: impl Fn(&'a T) -> K,
) -> Vec<(K, Vec<Part<'a, T>>)>
where
    T: 'a,
{
    let mut index: BTreeMap<K, usize> = BTreeMap::new();
    let mut groups: Vec<(K, Vec<Part<'a, T>>)> = Vec::new();
    for (label, item) in parts {
        let k = key(item);
        let at = *index.entry(k).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[at].1.push((label, item));
    }
    groups
}

pub(super) fn merge_errors<'a>(
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
