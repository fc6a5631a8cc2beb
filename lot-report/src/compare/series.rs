//! What `compare` uses of a run's intervals, condensed as they are read.
//!
//! Of the intervals, `compare` uses per group (the run, each scenario, each
//! step) five series of one value per interval that had one, for its guard
//! (see [`stats::guard`](super::stats::guard)): latency p50, p90 and p99,
//! the error rate and the drop rate; and, for the HTML charts, latency p50
//! and p99 of every interval. [`RunSeries`] keeps just these, fed one
//! interval at a time ([`read_summary_with`](crate::read::read_summary_with)
//! reads a document so), so its memory follows the groups and not the
//! length of the run:
//!
//! - A series keeps its values exactly up to [`EXACT`] of them (over an
//!   hour of 1 s intervals). Past that it folds them into a histogram of two
//!   significant digits, whose quartiles are within 1 % of the exact ones
//!   (latencies are whole microseconds, rates parts per billion, exact
//!   below 256 of them).
//! - The charts' points are thinned as they come: once a group holds
//!   2 × [`MAX_POINTS`] of them it keeps every other one, so the points kept
//!   are every n-th interval's, n a power of two.
//!
//! A group so holds at most about 5 × 4096 × 8 bytes of values (or five
//! 17 KiB histograms) and 4,000 points of 24 bytes: under 260 KiB, however
//! long the run.

use std::collections::HashMap;

use hdrhistogram::Histogram;

use crate::model::{Interval, IntervalLatency, Summary, Totals};
use crate::read::IntervalSink;

/// The most values a series keeps exactly.
pub const EXACT: usize = 4096;

/// The most points of a chart over time; longer runs are thinned by taking
/// every n-th interval.
pub const MAX_POINTS: usize = 2000;

/// The largest value a folded series tells apart; larger ones count as it.
const FOLDED_MAX: u64 = 1 << 40;

/// One statistic's value per interval that had one (see the
/// [module](self) for how it is kept).
#[derive(Clone, Debug)]
pub struct Series {
    exact: Vec<f64>,
    sorted: bool,
    folded: Option<Histogram<u32>>,
    /// What a value is multiplied by to fold it into whole units: 1 for
    /// microseconds, 1e9 for rates.
    scale: f64,
    len: usize,
}

impl Series {
    fn new(scale: f64) -> Series {
        Series {
            exact: Vec::new(),
            sorted: true,
            folded: None,
            scale,
            len: 0,
        }
    }

    /// A series of the values given, of a statistic in whole units.
    pub fn of(values: &[f64]) -> Series {
        let mut s = Series::new(1.0);
        for &v in values {
            s.push(v);
        }
        s
    }

    fn push(&mut self, value: f64) {
        self.len += 1;
        if let Some(h) = &mut self.folded {
            h.saturating_record(units(value, self.scale));
            return;
        }
        self.exact.push(value);
        self.sorted = false;
        if self.exact.len() > EXACT {
            let mut h = Histogram::new_with_bounds(1, FOLDED_MAX, 2)
                .expect("constant bounds are valid: 1 <= low, high >= 2 * low, 2 digits");
            for &v in &self.exact {
                h.saturating_record(units(v, self.scale));
            }
            self.exact = Vec::new();
            self.folded = Some(h);
        }
    }

    /// How many values the series has.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the series has no values.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The lower quartile, the median and the upper quartile, by the
    /// nearest rank: the values of 0-based ranks `round((len − 1) · q)`.
    /// Zeros when the series is empty.
    pub fn quartiles(&mut self) -> (f64, f64, f64) {
        if self.len == 0 {
            return (0.0, 0.0, 0.0);
        }
        let rank = |q: f64| ((self.len - 1) as f64 * q).round() as u64;
        let ranks = [rank(0.25), rank(0.5), rank(0.75)];
        let [a, b, c] = match &self.folded {
            None => {
                if !self.sorted {
                    self.exact.sort_by(f64::total_cmp);
                    self.sorted = true;
                }
                ranks.map(|r| self.exact[r as usize])
            }
            Some(h) => ranks.map(|r| at_rank(h, r) as f64 / self.scale),
        };
        (a, b, c)
    }
}

/// `value` in whole units of `1 / scale`, within the folded range.
fn units(value: f64, scale: f64) -> u64 {
    // `as` saturates, and NaN (no document holds one) becomes 0.
    ((value * scale).round() as u64).min(FOLDED_MAX)
}

/// The value of 0-based rank `rank` in `h`: the middle of its bucket.
fn at_rank(h: &Histogram<u32>, rank: u64) -> u64 {
    let mut seen = 0u64;
    for v in h.iter_recorded() {
        seen += v.count_at_value() as u64;
        if seen > rank {
            return h.median_equivalent(v.value_iterated_to());
        }
    }
    h.median_equivalent(h.max())
}

/// A value for each of the intervals kept for a chart: every `stride`-th
/// interval's, `None` where there was no value in it. A group keeps its
/// latency p50 and p99; a run, the end of each interval (µs from its
/// start), the charts' time axis.
#[derive(Clone, Debug)]
pub(crate) struct Points<V = (u64, u64)> {
    stride: u64,
    kept: Vec<(u64, V)>,
}

impl<V> Default for Points<V> {
    fn default() -> Points<V> {
        Points {
            stride: 1,
            kept: Vec::new(),
        }
    }
}

impl<V: Copy> Points<V> {
    fn push(&mut self, interval: u64, value: V) {
        if interval % self.stride != 0 {
            return;
        }
        self.kept.push((interval, value));
        if self.kept.len() >= 2 * MAX_POINTS {
            self.stride *= 2;
            let stride = self.stride;
            self.kept.retain(|&(i, _)| i % stride == 0);
        }
    }

    /// Every interval kept is a multiple of this.
    pub(crate) fn stride(&self) -> u64 {
        self.stride
    }

    /// The intervals kept, in order, with their values.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, V)> + '_ {
        self.kept.iter().copied()
    }

    /// The value of interval `i`, if kept and there was one.
    pub(crate) fn at(&self, i: u64) -> Option<V> {
        let at = self.kept.binary_search_by_key(&i, |p| p.0).ok()?;
        Some(self.kept[at].1)
    }
}

/// What one group of a run keeps of its intervals.
#[derive(Clone, Debug)]
pub(crate) struct GroupSeries {
    /// Latency p50, p90, p99, error rate, drop rate.
    pub values: [Series; 5],
    pub points: Points,
}

impl Default for GroupSeries {
    fn default() -> GroupSeries {
        GroupSeries {
            values: [1.0, 1.0, 1.0, 1e9, 1e9].map(Series::new),
            points: Points::default(),
        }
    }
}

impl GroupSeries {
    fn push(&mut self, interval: u64, counts: &Totals, latency: &IntervalLatency) {
        if latency.count > 0 {
            self.values[0].push(latency.p50_us as f64);
            self.values[1].push(latency.p90_us as f64);
            self.values[2].push(latency.p99_us as f64);
            self.points.push(interval, (latency.p50_us, latency.p99_us));
        }
        let done = counts.ok.saturating_add(counts.failed);
        if done > 0 {
            self.values[3].push(counts.failed as f64 / done as f64);
        }
        if counts.scheduled > 0 {
            self.values[4].push(counts.dropped as f64 / counts.scheduled as f64);
        }
    }
}

/// One scenario's series and its steps'.
#[derive(Clone, Debug, Default)]
struct ScenarioSeries {
    name: String,
    group: GroupSeries,
    steps: Vec<(String, GroupSeries)>,
}

/// What `compare` keeps of a run's intervals: per group (the run, each
/// scenario and each step, found by name), its condensed series.
#[derive(Clone, Debug, Default)]
pub struct RunSeries {
    intervals: u64,
    /// Where each kept interval ends, in µs from the run's start.
    ends: Points<u64>,
    run: GroupSeries,
    scenarios: Vec<ScenarioSeries>,
    index: HashMap<String, usize>,
}

impl RunSeries {
    /// The series of a document's intervals.
    pub fn of(summary: &Summary) -> RunSeries {
        let mut series = RunSeries::default();
        for interval in &summary.intervals {
            series.interval(interval);
        }
        series
    }

    /// How many intervals the run had.
    pub(crate) fn intervals(&self) -> u64 {
        self.intervals
    }

    /// Where its intervals end, in µs from its start.
    pub(crate) fn ends(&self) -> &Points<u64> {
        &self.ends
    }

    /// The series of the run (`None`), a scenario, or a step of one; `None`
    /// when no interval had a row of it.
    pub(crate) fn group(&self, scenario: Option<&str>, step: Option<&str>) -> Option<&GroupSeries> {
        self.group_at(scenario, step).map(|(i, j)| self.get(i, j))
    }

    fn group_at(
        &self,
        scenario: Option<&str>,
        step: Option<&str>,
    ) -> Option<(Option<usize>, Option<usize>)> {
        let Some(name) = scenario else {
            return Some((None, None));
        };
        let i = *self.index.get(name)?;
        match step {
            None => Some((Some(i), None)),
            Some(step) => {
                let j = self.scenarios[i]
                    .steps
                    .iter()
                    .position(|(n, _)| n == step)?;
                Some((Some(i), Some(j)))
            }
        }
    }

    fn get(&self, i: Option<usize>, j: Option<usize>) -> &GroupSeries {
        match (i, j) {
            (None, _) => &self.run,
            (Some(i), None) => &self.scenarios[i].group,
            (Some(i), Some(j)) => &self.scenarios[i].steps[j].1,
        }
    }

    /// The scenario of row `j` named `name`: the one at `j` last time when
    /// it is the same, as rows come in the same order every interval.
    fn scenario(&mut self, j: usize, name: &str) -> usize {
        if self.scenarios.get(j).is_some_and(|s| s.name == name) {
            return j;
        }
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.index.insert(name.to_owned(), self.scenarios.len());
        self.scenarios.push(ScenarioSeries {
            name: name.to_owned(),
            ..ScenarioSeries::default()
        });
        self.scenarios.len() - 1
    }
}

impl IntervalSink for RunSeries {
    fn interval(&mut self, interval: &Interval) {
        let at = self.intervals;
        self.intervals += 1;
        self.ends
            .push(at, interval.start_us.saturating_add(interval.duration_us));
        self.run.push(at, &interval.counts, &interval.latency);
        for (j, row) in interval.scenarios.iter().enumerate() {
            let i = self.scenario(j, &row.name);
            let scenario = &mut self.scenarios[i];
            scenario.group.push(at, &row.counts, &row.latency);
            for (k, step) in row.steps.iter().enumerate() {
                let steps = &mut scenario.steps;
                let k = if steps.get(k).is_some_and(|(n, _)| *n == step.name) {
                    k
                } else if let Some(k) = steps.iter().position(|(n, _)| *n == step.name) {
                    k
                } else {
                    steps.push((step.name.clone(), GroupSeries::default()));
                    steps.len() - 1
                };
                let counts = Totals {
                    ok: step.ok,
                    failed: step.failed,
                    ..Totals::default()
                };
                steps[k].1.push(at, &counts, &step.latency);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_series_read_the_nearest_rank() {
        let mut s = Series::of(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(s.quartiles(), (2.0, 3.0, 4.0));
        assert_eq!(Series::new(1.0).quartiles(), (0.0, 0.0, 0.0));
    }

    #[test]
    fn folded_series_stay_within_one_percent() {
        let values: Vec<f64> = (0..3 * EXACT)
            .map(|i| (1000 + i * 7 % 5000) as f64)
            .collect();
        let mut exact = values.clone();
        exact.sort_by(f64::total_cmp);
        let pick = |q: f64| exact[((exact.len() - 1) as f64 * q).round() as usize];
        let mut s = Series::new(1.0);
        for &v in &values {
            s.push(v);
        }
        assert!(s.folded.is_some());
        assert_eq!(s.len(), values.len());
        let (a, b, c) = s.quartiles();
        for (got, want) in [(a, pick(0.25)), (b, pick(0.5)), (c, pick(0.75))] {
            assert!((got - want).abs() <= want * 0.01, "{got} vs {want}");
        }
        let mut rates = Series::new(1e9);
        for i in 0..2 * EXACT {
            rates.push(if i % 4 == 0 { 0.25 } else { 0.0 });
        }
        let (a, b, c) = rates.quartiles();
        assert_eq!((a, b), (0.0, 0.0));
        assert!((c - 0.25).abs() < 0.0025 || c == 0.0, "{c}");
    }

    #[test]
    fn points_thin_to_every_nth_interval() {
        let mut p: Points = Points::default();
        for i in 0..10 * MAX_POINTS as u64 {
            if i % 3 != 1 {
                p.push(i, (i, 2 * i));
            }
        }
        assert!(p.kept.len() < 2 * MAX_POINTS);
        assert!(p.stride() > 1 && p.stride().is_power_of_two());
        assert!(p.kept.iter().all(|&(i, _)| i % p.stride() == 0));
        let s = p.stride();
        assert_eq!(p.at(3 * s), (3 * s % 3 != 1).then_some((3 * s, 6 * s)));
        assert_eq!(p.at(s + 1), None);
    }
}
