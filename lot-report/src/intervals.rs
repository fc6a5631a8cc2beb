//! The interval series a run keeps for its summary and documents: bounded
//! however long the run goes on.
//!
//! Reporters see every interval as it closes (the live line, the exporter,
//! the dashboard). What the run keeps for its [`Summary`](crate::Summary)
//! is an [`IntervalSeries`]: one interval per tick until it holds
//! [`MAX_INTERVALS`], then the ticks of each window of two ticks (counted
//! from the run's start) folded into one, and every interval after that
//! covering such a window, the windows doubling again each time the series
//! fills. An hour of 1 s ticks is kept whole (3,600 intervals); a day of
//! them is 2,701: 2,699 of 32 s, the one being filled when the run ended,
//! and the last tick. Memory and the size of a document so follow the
//! number of scenarios and steps, not the length of the run.
//!
//! Windows are of time, not of ticks: a stall that lengthens one tick and
//! skips the ones it covered makes that tick's window longer (it takes in
//! the rest of the window it ended in) and moves no later interval, so the
//! shards of one test keep series that start together and merge in step.
//!
//! A folded interval adds up its parts: counts, `started` and HTTP counts
//! are sums, so the series still adds up to the run's totals; gauges
//! (`cumulative`, `in_flight`, `users`) are those at its end; rates
//! (`target_rps`, `achieved_rps`) are over its whole length; `max_us` is
//! the largest. Its percentiles (`p50_us`, `p90_us`, `p99_us`) are the
//! count-weighted means of its parts', an estimate, as they are for the
//! intervals of merged shards (the run's own percentiles, from its whole
//! histograms, are exact). The run's last interval, usually a sliver of a
//! tick, is never folded: it stays the series' last.

use crate::model::{Interval, IntervalLatency, ScenarioInterval, StepInterval};

/// Most intervals a run's series holds (see the [module docs](self)).
pub const MAX_INTERVALS: usize = 4096;

/// Kept intervals at which the windows double and fold: two fewer than
/// [`MAX_INTERVALS`], for the interval being filled and the run's last.
const FOLD_AT: usize = MAX_INTERVALS - 2;

/// A run's intervals, folded in time as it grows (see the
/// [module docs](self)): each kept interval covers the ticks of one window
/// of [`stride`](IntervalSeries::stride) ticks (of more, where a stall
/// carried a tick past its window's end).
#[derive(Clone, Debug)]
pub struct IntervalSeries {
    kept: Vec<Interval>,
    /// Ticks per window: a power of two.
    stride: u64,
    /// The length of a tick, in µs (at least 1).
    tick_us: u64,
    /// The interval being filled: the ticks so far of the latest window.
    filling: Option<Interval>,
}

impl IntervalSeries {
    /// An empty series of a run whose ticks are `tick_us` µs long
    /// ([`Limits::interval_us`](crate::Limits::interval_us)).
    pub fn new(tick_us: u64) -> IntervalSeries {
        IntervalSeries {
            kept: Vec::new(),
            stride: 1,
            tick_us: tick_us.max(1),
            filling: None,
        }
    }

    /// Takes in the run's next tick (not its last: see
    /// [`finish`](IntervalSeries::finish)). What a live interval carries
    /// for reporters (histograms, the run so far) is left out.
    pub fn push(&mut self, tick: Interval) {
        let tick = bare(tick);
        let window = self.window_us();
        match &mut self.filling {
            Some(open) if same_window(open, &tick, window) => absorb(open, &tick),
            _ => {
                if let Some(done) = self.filling.replace(tick) {
                    self.kept.push(done);
                    while self.kept.len() >= FOLD_AT {
                        self.fold();
                    }
                }
            }
        }
    }

    /// Ticks per window from now on: 1 until the series first fills, then
    /// 2, 4, ...
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// The series, ending with the run's `last` tick on its own; intervals
    /// numbered from 0 in order.
    pub fn finish(mut self, last: Option<Interval>) -> Vec<Interval> {
        self.kept.extend(self.filling.take());
        self.kept.extend(last.map(bare));
        for (index, interval) in self.kept.iter_mut().enumerate() {
            interval.index = index as u64;
        }
        self.kept
    }

    fn window_us(&self) -> u64 {
        self.stride.saturating_mul(self.tick_us)
    }

    /// Doubles the stride and folds the intervals that now share a window
    /// into one, the one being filled included.
    fn fold(&mut self) {
        self.stride = self.stride.saturating_mul(2);
        let window = self.window_us();
        let filling = self.filling.take();
        let open = filling.is_some();
        let mut all = std::mem::take(&mut self.kept);
        all.extend(filling);
        self.kept = in_windows(all, window);
        // The last is the one being filled, with what now shares its window.
        if open {
            self.filling = self.kept.pop();
        }
    }
}

/// Whether `next`, the interval after `open`, belongs with it in windows of
/// `window_us`: it starts in the window `open` started in, or in a later
/// one that `open` reaches into (a stall carried `open` past its window's
/// end, and `next` fills the rest of the window it ended in).
fn same_window(open: &Interval, next: &Interval, window_us: u64) -> bool {
    let last_us = open
        .start_us
        .saturating_add(open.duration_us.saturating_sub(1));
    last_us / window_us >= next.start_us / window_us
}

/// `intervals`, in order, with the neighbours that share a window of
/// `window_us` (at least 1; see [`same_window`]) folded into one.
fn in_windows(intervals: impl IntoIterator<Item = Interval>, window_us: u64) -> Vec<Interval> {
    let mut out: Vec<Interval> = Vec::new();
    for interval in intervals {
        match out.last_mut() {
            Some(open) if same_window(open, &interval, window_us) => absorb(open, &interval),
            _ => out.push(interval),
        }
    }
    out
}

impl IntervalLatency {
    /// Intervals' latencies taken together, `count` the iterations of all
    /// of them: the largest `max_us`, and percentiles that are the means of
    /// theirs weighted by their counts (an estimate: the exact ones would
    /// need their histograms).
    pub fn weighted<'a>(
        count: u64,
        parts: impl IntoIterator<Item = &'a IntervalLatency> + Clone,
    ) -> IntervalLatency {
        // Counts are weighed in floating point, which cannot overflow.
        let mean = |f: fn(&IntervalLatency) -> u64| -> u64 {
            if count == 0 {
                return 0;
            }
            let sum: f64 = parts
                .clone()
                .into_iter()
                .map(|l| f(l) as f64 * l.count as f64)
                .sum();
            (sum / count as f64).round() as u64
        };
        IntervalLatency {
            count,
            p50_us: mean(|l| l.p50_us),
            p90_us: mean(|l| l.p90_us),
            p99_us: mean(|l| l.p99_us),
            max_us: parts
                .clone()
                .into_iter()
                .map(|l| l.max_us)
                .max()
                .unwrap_or(0),
        }
    }
}

/// How many ticks of `tick_us` the intervals of `series` (a run's, its
/// last on its own) each cover: the median of the others' lengths in ticks,
/// rounded to a power of two, as the run's folding makes them (a tick that
/// a stall skipped lengthens one interval, not the median).
pub(crate) fn stride_of(series: &[Interval], tick_us: u64) -> u64 {
    let Some((_, rest)) = series.split_last() else {
        return 1;
    };
    if rest.is_empty() || tick_us == 0 {
        return 1;
    }
    let mut lengths: Vec<u64> = rest.iter().map(|i| i.duration_us).collect();
    let mid = lengths.len() / 2;
    let (_, &mut median, _) = lengths.select_nth_unstable(mid);
    let ticks = (median as f64 / tick_us as f64).round().max(1.0);
    // The power of two nearest to `ticks`, on a log scale.
    let exponent = ticks.log2().round().clamp(0.0, 62.0) as u32;
    1 << exponent
}

/// `series` (a run's, its last on its own) with the neighbours that share a
/// window of `window_us` ([`same_window`]) folded into one, as the run
/// folds its own; the last stays on its own.
pub(crate) fn coarsen(series: &[Interval], window_us: u64) -> Vec<Interval> {
    let Some((last, rest)) = series.split_last() else {
        return Vec::new();
    };
    let mut out = in_windows(rest.iter().cloned(), window_us.max(1));
    out.push(last.clone());
    for (index, interval) in out.iter_mut().enumerate() {
        interval.index = index as u64;
    }
    out
}

/// `tick` without what only live intervals carry.
fn bare(mut tick: Interval) -> Interval {
    tick.snapshot = None;
    for s in &mut tick.scenarios {
        s.histograms = None;
    }
    tick
}

/// `a` and `b`, `b` the one that follows it, as one interval in `a`.
fn absorb(a: &mut Interval, b: &Interval) {
    let (da, db) = (a.duration_us, b.duration_us);
    a.target_rps = over_time(a.target_rps, da, b.target_rps, db);
    a.achieved_rps = over_time(a.achieved_rps, da, b.achieved_rps, db);
    // To the end of `b`, so that a folded interval ends where its last tick
    // did, exactly.
    a.duration_us = b
        .start_us
        .saturating_add(b.duration_us)
        .saturating_sub(a.start_us)
        .max(da);
    a.started = a.started.saturating_add(b.started);
    a.counts.add(&b.counts);
    a.cumulative = b.cumulative;
    a.in_flight = b.in_flight;
    a.users = b.users;
    a.latency = together(&a.latency, &b.latency);
    for (k, sb) in b.scenarios.iter().enumerate() {
        match find(&a.scenarios, k, &sb.name, |s| &s.name) {
            Some(at) => absorb_scenario(&mut a.scenarios[at], sb, da, db),
            None => a.scenarios.push(sb.clone()),
        }
    }
}

fn absorb_scenario(a: &mut ScenarioInterval, b: &ScenarioInterval, da: u64, db: u64) {
    a.counts.add(&b.counts);
    a.latency = together(&a.latency, &b.latency);
    a.target_rps = over_time(a.target_rps, da, b.target_rps, db);
    a.started = a.started.saturating_add(b.started);
    a.in_flight = b.in_flight;
    a.users = b.users;
    a.http.add(&b.http);
    for (k, sb) in b.steps.iter().enumerate() {
        match find(&a.steps, k, &sb.name, |s| &s.name) {
            Some(at) => absorb_step(&mut a.steps[at], sb),
            None => a.steps.push(sb.clone()),
        }
    }
}

fn absorb_step(a: &mut StepInterval, b: &StepInterval) {
    a.ok = a.ok.saturating_add(b.ok);
    a.failed = a.failed.saturating_add(b.failed);
    a.latency = together(&a.latency, &b.latency);
}

/// Two intervals' latencies as one's.
fn together(a: &IntervalLatency, b: &IntervalLatency) -> IntervalLatency {
    IntervalLatency::weighted(a.count.saturating_add(b.count), [a, b])
}

/// Where the row named `name` is in `rows`: at `hint` (a run's rows keep
/// their places from one interval to the next), or else wherever it is.
fn find<T>(rows: &[T], hint: usize, name: &str, name_of: fn(&T) -> &String) -> Option<usize> {
    if rows.get(hint).is_some_and(|r| name_of(r) == name) {
        return Some(hint);
    }
    rows.iter().position(|r| name_of(r) == name)
}

/// The mean over both lengths of a rate that was `x` over `dx` µs and `y`
/// over `dy`.
fn over_time(x: f64, dx: u64, y: f64, dy: u64) -> f64 {
    let total = dx as f64 + dy as f64;
    if total == 0.0 {
        return y;
    }
    (x * dx as f64 + y * dy as f64) / total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Totals;
    use crate::requests::HttpInterval;

    /// Tick `k` of a run of two scenarios, one with a step appearing at
    /// tick 3: `k + 1` ok per scenario, latencies growing with `k`.
    fn tick(k: u64) -> Interval {
        let latency = |k: u64| IntervalLatency {
            count: k + 1,
            p50_us: 100 + k,
            p90_us: 200 + k,
            p99_us: 300 + k,
            max_us: 1000 + k,
        };
        let counts = Totals {
            scheduled: k + 1,
            ok: k + 1,
            ..Totals::default()
        };
        let done = (k + 1) * (k + 2) / 2;
        let cumulative = Totals {
            scheduled: done,
            ok: done,
            ..Totals::default()
        };
        let scenario = |name: &str| ScenarioInterval {
            name: name.to_owned(),
            counts,
            latency: latency(k),
            target_rps: 10.0,
            started: k + 1,
            in_flight: k,
            users: k % 7,
            steps: (k >= 3)
                .then(|| StepInterval {
                    name: "step".to_owned(),
                    ok: 1,
                    failed: 0,
                    latency: latency(0),
                })
                .into_iter()
                .collect(),
            http: HttpInterval {
                requests: 2,
                status_2xx: 2,
                ..HttpInterval::default()
            },
            histograms: None,
        };
        Interval {
            index: k,
            start_us: k * 1_000_000,
            duration_us: 1_000_000,
            target_rps: 20.0,
            achieved_rps: 2.0 * (k + 1) as f64,
            started: 2 * (k + 1),
            counts: Totals {
                scheduled: 2 * (k + 1),
                ok: 2 * (k + 1),
                ..Totals::default()
            },
            cumulative,
            in_flight: 2 * k,
            users: 2 * (k % 7),
            latency: latency(k),
            scenarios: vec![scenario("a"), scenario("b")],
            snapshot: None,
        }
    }

    #[test]
    fn strides_are_read_from_the_lengths_of_the_intervals() {
        let series = |ticks: &[u64]| -> Vec<Interval> {
            let mut start = 0;
            let mut out: Vec<Interval> = ticks
                .iter()
                .map(|&n| {
                    let mut i = tick(0);
                    i.start_us = start;
                    i.duration_us = n * 1_000_000;
                    start += i.duration_us;
                    i
                })
                .collect();
            let mut sliver = tick(0);
            sliver.start_us = start;
            sliver.duration_us = 9_000;
            out.push(sliver);
            out
        };
        assert_eq!(stride_of(&series(&[1, 1, 1, 1]), 1_000_000), 1);
        // A tick skipped after a stall lengthens one interval only.
        assert_eq!(stride_of(&series(&[1, 1, 3, 1, 1]), 1_000_000), 1);
        // The filling interval at the end is shorter.
        assert_eq!(stride_of(&series(&[2, 2, 2, 1]), 1_000_000), 2);
        assert_eq!(stride_of(&series(&[4, 4, 4, 3]), 1_000_000), 4);
        assert_eq!(stride_of(&series(&[]), 1_000_000), 1);
        assert_eq!(stride_of(&[], 1_000_000), 1);
        // Folding to 2 s windows pairs the 1 s ticks; the last stays alone.
        let folded = coarsen(&series(&[1, 1, 1, 1, 1]), 2_000_000);
        let lengths: Vec<u64> = folded.iter().map(|i| i.duration_us).collect();
        assert_eq!(lengths, [2_000_000, 2_000_000, 1_000_000, 9_000]);
        let indices: Vec<u64> = folded.iter().map(|i| i.index).collect();
        assert_eq!(indices, [0, 1, 2, 3]);
    }

    #[test]
    fn a_short_run_is_kept_whole() {
        let mut series = IntervalSeries::new(1_000_000);
        let ticks: Vec<Interval> = (0..10).map(tick).collect();
        for t in &ticks[..9] {
            series.push(t.clone());
        }
        assert_eq!(series.finish(Some(ticks[9].clone())), ticks);
    }

    #[test]
    fn a_long_run_is_folded_and_still_adds_up() {
        let n = 3 * MAX_INTERVALS as u64 + 5;
        let mut series = IntervalSeries::new(1_000_000);
        let (mut sum, mut http, mut step_ok) = (Totals::default(), 0, 0);
        for k in 0..n {
            let t = tick(k);
            sum.add(&t.counts);
            http += t.scenarios[0].http.requests;
            step_ok += t.scenarios[0].steps.first().map_or(0, |s| s.ok);
            if k + 1 < n {
                series.push(t);
            }
        }
        assert_eq!(series.stride(), 4);
        let kept = series.finish(Some(tick(n - 1)));
        assert!(kept.len() <= MAX_INTERVALS, "{}", kept.len());
        assert!(kept.len() > MAX_INTERVALS / 4, "{}", kept.len());
        let last = Interval {
            index: kept.len() as u64 - 1,
            ..tick(n - 1)
        };
        assert_eq!(kept.last(), Some(&last), "the last tick on its own");
        let mut total = Totals::default();
        let mut end = 0;
        for (i, interval) in kept.iter().enumerate() {
            assert_eq!(interval.index, i as u64);
            assert_eq!(interval.start_us, end, "the intervals tile the run");
            end = interval.start_us + interval.duration_us;
            total.add(&interval.counts);
            assert_eq!(interval.scenarios[0].target_rps, 10.0);
            let p50 = interval.latency.p50_us;
            assert!((100..100 + n).contains(&p50), "{p50}");
        }
        assert_eq!(end, n * 1_000_000);
        assert_eq!(total, sum);
        let before_last = &kept[kept.len() - 2];
        assert_eq!(
            before_last.cumulative,
            tick(n - 2).cumulative,
            "gauges at its end"
        );
        assert_eq!(before_last.in_flight, tick(n - 2).in_flight);
        let kept_http: u64 = kept.iter().map(|i| i.scenarios[0].http.requests).sum();
        assert_eq!(kept_http, http);
        let kept_steps: u64 = kept
            .iter()
            .flat_map(|i| &i.scenarios[0].steps)
            .map(|s| s.ok)
            .sum();
        assert_eq!(kept_steps, step_ok);
        // The first interval covers ticks 0..4: its achieved rate is their
        // mean, its max their largest, its count their sum.
        let first = &kept[0];
        assert_eq!(first.duration_us, 4_000_000);
        assert!(
            (first.achieved_rps - 5.0).abs() < 1e-9,
            "{}",
            first.achieved_rps
        );
        assert_eq!(first.latency.max_us, 1003);
        assert_eq!(first.latency.count, 1 + 2 + 3 + 4);
        // p50 weighted by counts 1..4 of 100..103: (100 + 202 + 306 + 412) / 10.
        assert_eq!(first.latency.p50_us, 102);
        assert_eq!(
            first.scenarios[0].steps[0].ok, 1,
            "the step appears at tick 3"
        );
    }

    /// A stall lengthens a tick and skips those it covered: the run's
    /// intervals after it still start where an unstalled run's do, at the
    /// windows of its stride, before the series first folds and after.
    #[test]
    fn a_stall_moves_no_later_interval() {
        let n = MAX_INTERVALS as u64 + 2000;
        // A stall over ticks 2 and 3 (before the first fold), and one over
        // ticks 4096 to 4098 (after it), which ends in the middle of a
        // window of the folded series.
        let stalled = |k: u64| k == 3 || k == 4097 || k == 4098;
        let run = |stall: bool| {
            let mut series = IntervalSeries::new(1_000_000);
            let mut ok = 0;
            for k in 0..n - 1 {
                if stall && stalled(k) {
                    continue;
                }
                let mut t = tick(k);
                while stall && stalled(k + t.duration_us / 1_000_000) {
                    t.duration_us += 1_000_000;
                }
                ok += t.counts.ok;
                series.push(t);
            }
            let stride = series.stride();
            (series.finish(Some(tick(n - 1))), stride, ok)
        };
        let (plain, stride, _) = run(false);
        let (kept, stalled_stride, ok) = run(true);
        assert_eq!((stride, stalled_stride), (2, 2));
        let (_, rest) = kept.split_last().expect("a series");
        let plain_starts: Vec<u64> = plain.iter().map(|i| i.start_us).collect();
        let mut end = 0;
        for interval in rest {
            assert_eq!(interval.start_us, end, "the intervals tile the run");
            assert_eq!(interval.start_us % 2_000_000, 0, "{}", interval.start_us);
            assert!(plain_starts.binary_search(&interval.start_us).is_ok());
            end = interval.start_us + interval.duration_us;
        }
        // The second stall joined two windows; nothing else was joined.
        assert_eq!(kept.len(), plain.len() - 1);
        let kept_ok: u64 = rest.iter().map(|i| i.counts.ok).sum();
        assert_eq!(kept_ok, ok, "the series adds up");
        assert!(kept.len() <= MAX_INTERVALS, "{}", kept.len());
    }

    #[test]
    fn live_only_parts_are_left_out() {
        let mut t = tick(0);
        let h = || hdrhistogram::Histogram::<u64>::new(2).expect("valid precision");
        t.scenarios[0].histograms = Some(std::sync::Arc::new(crate::IntervalHistograms {
            latency: h(),
            service_time: h(),
            schedule_lag: h(),
            steps: Vec::new(),
        }));
        let mut series = IntervalSeries::new(1_000_000);
        series.push(t);
        assert!(series.finish(None)[0].scenarios[0].histograms.is_none());
    }
}
