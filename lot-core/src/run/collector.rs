//! The collector: turns the shards' records into intervals and the summary.
//!
//! Once per interval it drains every shard (see [`Recorder::drain`]), reads the
//! scheduler's counters, and builds an [`Interval`]; at the end it builds the
//! [`Summary`]. It runs on a task of its own, off the hot path.
//!
//! [`Recorder::drain`]: crate::record::recorder::Recorder::drain

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use lot_report::stats::{SIGNIFICANT_DIGITS, new_histogram};
use lot_report::{
    CheckSummary, CounterValue, GaugeValue, HdrEncoding, HistogramSummary, HttpInterval, Interval,
    IntervalHistograms, IntervalLatency, IntervalSeries, Limits, Metrics, Plan, RequestSummary,
    SCHEMA_VERSION, ScenarioInterval, ScenarioSummary, Stats, StatusCount, StepInterval,
    StepSummary, StopReason, Summary, TimingSummary, Totals, ValueStats,
};

use crate::record::http::{HttpTable, NO_STEP};
use crate::record::names;
use crate::record::recorder::{Drained, ErrorTable, ScenarioShard};
use crate::record::shared::Shared;
use crate::schedule::Schedule;

/// The rate a scenario's plan asks for.
#[derive(Debug)]
pub(crate) enum Target {
    /// A share of an arrival-rate load's schedule, which starts `start_after`
    /// into the run.
    Rate {
        schedule: Arc<Schedule>,
        start_after: Duration,
        share: f64,
    },
    /// A closed-model scenario: no rate is asked for.
    None,
}

impl Target {
    /// Whether the scenario is driven by an arrival rate.
    fn is_rate(&self) -> bool {
        matches!(self, Target::Rate { .. })
    }

    /// Arrivals due from the start of the run to `t`.
    fn count_at(&self, t: Duration) -> f64 {
        match self {
            Target::Rate {
                schedule,
                start_after,
                share,
            } => match t.checked_sub(*start_after) {
                Some(into_load) => schedule.count_at(into_load) * share,
                None => 0.0,
            },
            Target::None => 0.0,
        }
    }

    /// The rate asked for over `[t0, t1)`.
    fn rate(&self, t0: Duration, t1: Duration) -> f64 {
        let dt = t1.saturating_sub(t0).as_secs_f64();
        if dt > 0.0 {
            (self.count_at(t1) - self.count_at(t0)) / dt
        } else {
            0.0
        }
    }
}

/// What a collector needs to describe the run.
#[derive(Debug)]
pub(crate) struct RunInfo {
    pub(crate) names: Vec<String>,
    pub(crate) targets: Vec<Target>,
    pub(crate) plan: Plan,
    pub(crate) limits: Limits,
    pub(crate) started_at_unix_ms: u64,
    pub(crate) start: Instant,
    /// Whether a reporter wants each interval's histograms.
    pub(crate) histograms: bool,
}

pub(crate) struct Collector {
    info: Arc<RunInfo>,
    shared: Arc<Shared>,
    /// Everything so far.
    totals: Drained,
    /// The current interval.
    window: Drained,
    spare: Drained,
    overall: Histogram<u64>,
    last: Vec<(u64, u64)>,
    last_offset: Duration,
    /// Ticks so far: the next live interval's index.
    ticks: u64,
    /// What the summary keeps of them: at most `MAX_INTERVALS`.
    intervals: IntervalSeries,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn interval_latency(h: &Histogram<u64>) -> IntervalLatency {
    if h.is_empty() {
        return IntervalLatency::default();
    }
    IntervalLatency {
        count: h.len(),
        p50_us: h.value_at_quantile(0.5),
        p90_us: h.value_at_quantile(0.9),
        p99_us: h.value_at_quantile(0.99),
        max_us: h.max(),
    }
}

/// A copy of `h` for a live reporter, sized to the values it holds: an
/// empty histogram with lot's precision whose counts reach `h`'s highest
/// value, not the hour every lot histogram can hold, so that each interval's
/// copies cost a few KiB where a full copy costs 184 KiB. Its values,
/// buckets and percentiles are `h`'s; it grows if more is added to it.
fn trimmed(h: &Histogram<u64>) -> Histogram<u64> {
    let mut copy = trimmed_to(h.max());
    copy.add(h).expect("the copy grows to take any value");
    copy
}

/// An empty histogram with lot's bounds but counts up to `high` (at least
/// 2), which grows as values beyond it are added.
fn trimmed_to(high: u64) -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, high.max(2), SIGNIFICANT_DIGITS)
        .expect("1 <= low, high >= 2 * low, 3 significant digits");
    h.auto(true);
    h
}

/// `(name id, item)` for every filled slot of a table indexed by name id.
fn filled<T>(table: &[Option<T>]) -> impl Iterator<Item = (usize, &T)> {
    table
        .iter()
        .enumerate()
        .filter_map(|(id, item)| item.as_ref().map(|item| (id, item)))
}

impl Collector {
    /// What the run's iterations share.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn new(info: Arc<RunInfo>, shared: Arc<Shared>) -> Collector {
        let n = info.names.len();
        let intervals = IntervalSeries::new(info.limits.interval_us);
        Collector {
            info,
            shared,
            totals: Drained::new(n),
            window: Drained::new(n),
            spare: Drained::new(n),
            overall: new_histogram(),
            last: vec![(0, 0); n],
            last_offset: Duration::ZERO,
            ticks: 0,
            intervals,
        }
    }

    /// Closes the interval ending `offset` into the run and returns it.
    pub(crate) fn tick(&mut self, offset: Duration, close: bool) -> Interval {
        self.window.reset();
        self.overall.reset();
        // Shards first, counters second: everything a shard holds was launched
        // before, so `launched` can only be ahead of the finished count.
        self.shared
            .recorder
            .drain(&mut self.window, &mut self.spare, close);
        let names = names::names();
        let t0 = self.last_offset;
        let dt = offset.saturating_sub(t0);
        let dt_s = dt.as_secs_f64();
        let mut interval = Interval {
            index: self.ticks,
            start_us: micros(t0),
            duration_us: micros(dt),
            ..Interval::default()
        };
        for (i, (w, total)) in self
            .window
            .scenarios
            .iter()
            .zip(self.totals.scenarios.iter_mut())
            .enumerate()
        {
            let counters = &self.shared.counters[i];
            let launched = counters.launched.load(Ordering::Acquire);
            let dropped = counters.dropped.load(Ordering::Acquire);
            let (last_launched, last_dropped) = self.last[i];
            self.last[i] = (launched, dropped);
            let counts = Totals {
                scheduled: (launched - last_launched) + (dropped - last_dropped),
                ok: w.ok,
                failed: w.failed,
                dropped: dropped - last_dropped,
                interrupted: w.interrupted,
            };
            interval.started += launched - last_launched;
            interval.counts.add(&counts);
            self.overall
                .add(&w.latency)
                .expect("histograms share their bounds");
            total.merge(w);
            // Every step seen so far gets a row, so the series has stable columns.
            let histograms = self.info.histograms.then(|| {
                Arc::new(IntervalHistograms {
                    latency: trimmed(&w.latency),
                    service_time: trimmed(&w.service_time),
                    schedule_lag: trimmed(&w.schedule_lag),
                    steps: filled(&total.steps)
                        .map(|(id, _)| match w.steps.get(id).and_then(Option::as_ref) {
                            Some(step) => trimmed(&step.latency),
                            None => trimmed_to(2),
                        })
                        .collect(),
                })
            });
            let steps = filled(&total.steps)
                .map(|(id, _)| {
                    let step = w.steps.get(id).and_then(Option::as_ref);
                    StepInterval {
                        name: names[id].to_owned(),
                        ok: step.map_or(0, |s| s.ok),
                        failed: step.map_or(0, |s| s.failed),
                        latency: step.map_or_else(IntervalLatency::default, |s| {
                            interval_latency(&s.latency)
                        }),
                    }
                })
                .collect();
            let cumulative = Totals {
                scheduled: launched + dropped,
                ok: total.ok,
                failed: total.failed,
                dropped,
                interrupted: total.interrupted,
            };
            let in_flight = cumulative.scheduled - cumulative.finished();
            let users = counters.users.load(Ordering::Acquire);
            interval.users += users;
            interval.scenarios.push(ScenarioInterval {
                name: self.info.names[i].clone(),
                counts,
                latency: interval_latency(&w.latency),
                target_rps: self.info.targets[i].rate(t0, offset),
                started: launched - last_launched,
                in_flight,
                users,
                steps,
                http: http_interval(&w.http),
                histograms,
            });
            interval.in_flight += in_flight;
            interval.cumulative.add(&cumulative);
        }
        self.totals.metrics.merge(&self.window.metrics);
        interval.latency = interval_latency(&self.overall);
        interval.target_rps = interval.scenarios.iter().map(|s| s.target_rps).sum();
        if dt_s > 0.0 {
            // Compared with the target, so counted over arrival-rate scenarios only.
            let open_started: u64 = interval
                .scenarios
                .iter()
                .zip(&self.info.targets)
                .filter(|(_, t)| t.is_rate())
                .map(|(s, _)| s.started)
                .sum();
            interval.achieved_rps = open_started as f64 / dt_s;
        }
        self.last_offset = offset;
        self.ticks += 1;
        // The run's last interval is kept by `finish`, after its counts are
        // settled.
        if !close {
            self.intervals.push(interval.clone());
        }
        interval
    }

    /// Closes the last interval and builds the summary. Iterations that never
    /// reported back (a user's task stuck in blocking code, which the run
    /// stops waiting for) are counted as interrupted.
    pub(crate) fn finish(
        mut self,
        end: Instant,
        scheduling: Duration,
        stop_reason: StopReason,
    ) -> Summary {
        let offset = end.saturating_duration_since(self.info.start);
        let mut last = self.tick(offset, true);
        for (i, total) in self.totals.scenarios.iter_mut().enumerate() {
            let (launched, _) = self.last[i];
            let missing = launched - (total.ok + total.failed + total.interrupted);
            total.interrupted += missing;
            last.counts.interrupted += missing;
            last.scenarios[i].counts.interrupted += missing;
            last.cumulative.interrupted += missing;
            last.in_flight -= missing;
        }
        let tick_us = self.info.limits.interval_us;
        let intervals =
            std::mem::replace(&mut self.intervals, IntervalSeries::new(tick_us)).finish(Some(last));
        let summary = self.summary(
            offset,
            scheduling,
            stop_reason,
            intervals,
            HdrEncoding::Deflate,
        );
        debug_assert!(summary.totals.is_balanced(), "{:?}", summary.totals);
        summary
    }

    /// The results so far, without the interval series: what abort-on-fail
    /// thresholds are checked against while the run goes on, and the live
    /// reporters' snapshot, its histograms encoded without deflate (see
    /// `lot_report::live`). Iterations still running are counted as
    /// scheduled but not yet finished.
    pub(crate) fn snapshot(&self, offset: Duration) -> Summary {
        let plain = HdrEncoding::Plain;
        self.summary(offset, offset, StopReason::Completed, Vec::new(), plain)
    }

    fn summary(
        &self,
        offset: Duration,
        scheduling: Duration,
        stop_reason: StopReason,
        intervals: Vec<Interval>,
        hdr: HdrEncoding,
    ) -> Summary {
        let names = names::names();
        let request_names = names::request_names();
        // The run's, from its scenarios': trimmed, as they are taken again
        // at every tick for the reporters that show the run so far.
        let mut latency = trimmed_to(2);
        let mut service_time = trimmed_to(2);
        let mut schedule_lag = trimmed_to(2);
        let mut errors = ErrorTable::default();
        let mut totals = Totals::default();
        let mut scenarios = Vec::with_capacity(self.totals.scenarios.len());
        for (i, t) in self.totals.scenarios.iter().enumerate() {
            let (launched, dropped) = self.last[i];
            let counts = Totals {
                scheduled: launched + dropped,
                ok: t.ok,
                failed: t.failed,
                dropped,
                interrupted: t.interrupted,
            };
            totals.add(&counts);
            for (acc, h) in [
                (&mut latency, &t.latency),
                (&mut service_time, &t.service_time),
                (&mut schedule_lag, &t.schedule_lag),
            ] {
                acc.add(h)
                    .expect("a trimmed histogram grows to take any value");
            }
            errors.merge(&t.errors);
            scenarios.push(scenario_summary(
                self.info.names[i].clone(),
                counts,
                t,
                &names,
                &request_names,
                hdr,
            ));
        }
        let sched_s = scheduling.as_secs_f64();
        let (target_rps, achieved_rps) = if sched_s > 0.0 {
            // Compared with the target, so counted over arrival-rate scenarios only.
            let launched: u64 = self
                .last
                .iter()
                .zip(&self.info.targets)
                .filter(|(_, t)| t.is_rate())
                .map(|((l, _), _)| l)
                .sum();
            let due: f64 = self
                .info
                .targets
                .iter()
                .map(|t| t.count_at(scheduling))
                .sum();
            (due / sched_s, launched as f64 / sched_s)
        } else {
            (0.0, 0.0)
        };
        let m = &self.totals.metrics;
        let metrics = Metrics {
            counters: filled(&m.counters)
                .map(|(id, &value)| CounterValue {
                    name: names[id].to_owned(),
                    value,
                })
                .collect(),
            gauges: filled(&m.gauges)
                .map(|(id, &(_, value))| GaugeValue {
                    name: names[id].to_owned(),
                    value,
                })
                .collect(),
            timings: filled(&m.timings)
                .map(|(id, h)| TimingSummary {
                    name: names[id].to_owned(),
                    stats: Stats::encoded(h, hdr),
                })
                .collect(),
            histograms: filled(&m.histograms)
                .map(|(id, h)| HistogramSummary {
                    name: names[id].to_owned(),
                    stats: ValueStats::encoded(h, hdr),
                })
                .collect(),
        };
        Summary {
            schema_version: SCHEMA_VERSION,
            started_at_unix_ms: self.info.started_at_unix_ms,
            duration_us: micros(offset),
            stop_reason,
            aborted_by: None,
            plan: self.info.plan.clone(),
            limits: self.info.limits.clone(),
            target_rps,
            achieved_rps,
            totals,
            latency: Stats::encoded(&latency, hdr),
            service_time: Stats::encoded(&service_time, hdr),
            schedule_lag: Stats::encoded(&schedule_lag, hdr),
            scenarios,
            errors: errors.to_counts(),
            metrics,
            thresholds: Vec::new(),
            scheduling_us: micros(scheduling),
            segment: None,
            merged: None,
            intervals,
        }
    }
}

fn scenario_summary(
    name: String,
    totals: Totals,
    t: &ScenarioShard,
    names: &[&str],
    request_names: &[&str],
    hdr: HdrEncoding,
) -> ScenarioSummary {
    ScenarioSummary {
        name,
        totals,
        latency: Stats::encoded(&t.latency, hdr),
        service_time: Stats::encoded(&t.service_time, hdr),
        schedule_lag: Stats::encoded(&t.schedule_lag, hdr),
        errors: t.errors.to_counts(),
        steps: filled(&t.steps)
            .map(|(id, s)| StepSummary {
                name: names[id].to_owned(),
                ok: s.ok,
                failed: s.failed,
                latency: Stats::encoded(&s.latency, hdr),
                errors: s.errors.to_counts(),
            })
            .collect(),
        checks: filled(&t.checks)
            .map(|(id, &(passed, failed))| CheckSummary::new(names[id].to_owned(), passed, failed))
            .collect(),
        requests: request_summaries(&t.http, names, request_names, hdr),
    }
}

/// A scenario's HTTP requests, one summary per (step, name) entry that
/// recorded any, in order of first use.
fn request_summaries(
    table: &HttpTable,
    names: &[&str],
    request_names: &[&str],
    hdr: HdrEncoding,
) -> Vec<RequestSummary> {
    let empty = trimmed_to(2);
    table
        .entries
        .iter()
        .filter(|(_, _, s)| s.count > 0)
        .map(|(step, name, s)| {
            let mut status: Vec<StatusCount> = s
                .status
                .iter()
                .map(|&(code, count)| StatusCount { code, count })
                .collect();
            status.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
            let phase = |i: usize| Stats::encoded(s.phases[i].as_deref().unwrap_or(&empty), hdr);
            // Connect and TLS read as k6's do: zero for a request that
            // needed neither (a reused connection; no TLS on a new plain
            // one, which the client says), so their percentiles are over
            // every request that got a connection. The recorder keeps only
            // the times that happened; the zeros are added here, off the
            // hot path. A handshake that never finished (refused,
            // cancelled) adds no zero.
            let with_zeros = |i: usize, zeros: u64| {
                let mut h = trimmed_to(2);
                if let Some(recorded) = s.phases[i].as_deref() {
                    h.add(recorded)
                        .expect("a trimmed histogram grows to take any value");
                }
                h.record_n(0, zeros)
                    .expect("zero is within every histogram's range");
                Stats::encoded(&h, hdr)
            };
            RequestSummary {
                name: request_names[*name as usize].to_owned(),
                step: (*step != NO_STEP).then(|| names[*step as usize].to_owned()),
                count: s.count,
                failed: s.failed,
                reused: s.reused,
                bytes_sent: s.bytes_sent,
                bytes_received: s.bytes_received,
                status,
                status_other: s.status_other,
                connect: with_zeros(0, s.reused),
                tls: with_zeros(1, s.reused.saturating_add(s.plain)),
                send: phase(2),
                wait: phase(3),
                receive: phase(4),
                duration: phase(5),
            }
        })
        .collect()
}

/// What a scenario's HTTP requests did in one interval.
fn http_interval(table: &HttpTable) -> HttpInterval {
    let mut http = HttpInterval::default();
    for (_, _, s) in &table.entries {
        http.requests = http.requests.saturating_add(s.count);
        http.failed = http.failed.saturating_add(s.failed);
        http.bytes_sent = http.bytes_sent.saturating_add(s.bytes_sent);
        http.bytes_received = http.bytes_received.saturating_add(s.bytes_received);
        for &(code, count) in &s.status {
            let class = match code / 100 {
                1 => &mut http.status_1xx,
                2 => &mut http.status_2xx,
                3 => &mut http.status_3xx,
                4 => &mut http.status_4xx,
                5 => &mut http.status_5xx,
                _ => continue,
            };
            *class = class.saturating_add(count);
        }
    }
    http
}
