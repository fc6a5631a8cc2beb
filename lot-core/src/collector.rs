//! The collector: turns the shards' records into intervals and the summary.
//!
//! Once per interval it drains every shard (see [`Recorder::drain`]), reads the
//! scheduler's counters, and builds an [`Interval`]; at the end it builds the
//! [`Summary`]. It runs on a task of its own, off the hot path.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use lot_report::stats::new_histogram;
use lot_report::{
    Interval, IntervalLatency, Limits, Plan, SCHEMA_VERSION, ScenarioInterval, ScenarioSummary,
    Stats, StopReason, Summary, Totals,
};

use crate::recorder::{ErrorTable, Recorder, ScenarioShard};
use crate::schedule::Schedule;

/// The scheduler's counters for one scenario.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Arrivals launched as tasks.
    pub(crate) launched: AtomicU64,
    /// Arrivals dropped at the in-flight bound.
    pub(crate) dropped: AtomicU64,
    /// Iterations launched and not yet finished (the bound is checked against it).
    pub(crate) in_flight: AtomicU64,
}

/// What a collector needs to describe the run.
#[derive(Debug)]
pub(crate) struct RunInfo {
    pub(crate) names: Vec<String>,
    pub(crate) schedule: Schedule,
    pub(crate) plan: Plan,
    pub(crate) limits: Limits,
    pub(crate) started_at_unix_ms: u64,
    pub(crate) start: Instant,
}

pub(crate) struct Collector {
    info: Arc<RunInfo>,
    recorder: Arc<Recorder>,
    counters: Arc<[Counters]>,
    /// Everything so far, per scenario.
    totals: Vec<ScenarioShard>,
    /// The current interval, per scenario.
    window: Vec<ScenarioShard>,
    spare: Vec<ScenarioShard>,
    overall: Histogram<u64>,
    last: Vec<(u64, u64)>,
    last_offset: Duration,
    intervals: Vec<Interval>,
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

impl Collector {
    pub(crate) fn new(
        info: Arc<RunInfo>,
        recorder: Arc<Recorder>,
        counters: Arc<[Counters]>,
    ) -> Collector {
        let n = info.names.len();
        let fresh = || (0..n).map(|_| ScenarioShard::new()).collect::<Vec<_>>();
        Collector {
            info,
            recorder,
            counters,
            totals: fresh(),
            window: fresh(),
            spare: fresh(),
            overall: new_histogram(),
            last: vec![(0, 0); n],
            last_offset: Duration::ZERO,
            intervals: Vec::new(),
        }
    }

    /// Closes the interval ending `offset` into the run and returns it.
    pub(crate) fn tick(&mut self, offset: Duration, close: bool) -> Interval {
        for w in &mut self.window {
            w.reset();
        }
        self.overall.reset();
        // Shards first, counters second: everything a shard holds was launched
        // before, so `launched` can only be ahead of the finished count.
        self.recorder
            .drain(&mut self.window, &mut self.spare, close);
        let t0 = self.last_offset;
        let dt = offset.saturating_sub(t0);
        let dt_s = dt.as_secs_f64();
        let mut interval = Interval {
            index: self.intervals.len() as u64,
            start_us: micros(t0),
            duration_us: micros(dt),
            ..Interval::default()
        };
        for (i, (w, total)) in self.window.iter().zip(self.totals.iter_mut()).enumerate() {
            let launched = self.counters[i].launched.load(Ordering::Acquire);
            let dropped = self.counters[i].dropped.load(Ordering::Acquire);
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
            interval.scenarios.push(ScenarioInterval {
                name: self.info.names[i].clone(),
                counts,
                latency: interval_latency(&w.latency),
            });
            total.merge(w);
            let cumulative = Totals {
                scheduled: launched + dropped,
                ok: total.ok,
                failed: total.failed,
                dropped,
                interrupted: total.interrupted,
            };
            interval.in_flight += cumulative.scheduled - cumulative.finished();
            interval.cumulative.add(&cumulative);
        }
        interval.latency = interval_latency(&self.overall);
        if dt_s > 0.0 {
            let schedule = &self.info.schedule;
            interval.target_rps = (schedule.count_at(offset) - schedule.count_at(t0)) / dt_s;
            interval.achieved_rps = interval.started as f64 / dt_s;
        }
        self.last_offset = offset;
        self.intervals.push(interval.clone());
        interval
    }

    /// Closes the last interval and builds the summary. Iterations that never
    /// reported back (a task stuck in blocking code) are counted as interrupted.
    pub(crate) fn finish(
        mut self,
        end: Instant,
        scheduling: Duration,
        stop_reason: StopReason,
    ) -> Summary {
        let offset = end.saturating_duration_since(self.info.start);
        self.tick(offset, true);
        let last = self
            .intervals
            .last_mut()
            .expect("tick just pushed an interval");
        for (i, total) in self.totals.iter_mut().enumerate() {
            let (launched, _) = self.last[i];
            let missing = launched - (total.ok + total.failed + total.interrupted);
            total.interrupted += missing;
            last.counts.interrupted += missing;
            last.scenarios[i].counts.interrupted += missing;
            last.cumulative.interrupted += missing;
            last.in_flight -= missing;
        }

        let mut latency = new_histogram();
        let mut service_time = new_histogram();
        let mut schedule_lag = new_histogram();
        let mut errors = ErrorTable::default();
        let mut totals = Totals::default();
        let mut scenarios = Vec::with_capacity(self.totals.len());
        for (i, t) in self.totals.iter().enumerate() {
            let (launched, dropped) = self.last[i];
            let counts = Totals {
                scheduled: launched + dropped,
                ok: t.ok,
                failed: t.failed,
                dropped,
                interrupted: t.interrupted,
            };
            debug_assert!(counts.is_balanced(), "{counts:?}");
            totals.add(&counts);
            latency
                .add(&t.latency)
                .expect("histograms share their bounds");
            service_time
                .add(&t.service_time)
                .expect("histograms share their bounds");
            schedule_lag
                .add(&t.schedule_lag)
                .expect("histograms share their bounds");
            errors.merge(&t.errors);
            scenarios.push(ScenarioSummary {
                name: self.info.names[i].clone(),
                totals: counts,
                latency: Stats::from_histogram(&t.latency),
                service_time: Stats::from_histogram(&t.service_time),
                schedule_lag: Stats::from_histogram(&t.schedule_lag),
                errors: t.errors.to_counts(),
            });
        }
        let sched_s = scheduling.as_secs_f64();
        let (target_rps, achieved_rps) = if sched_s > 0.0 {
            let launched: u64 = self.last.iter().map(|(l, _)| l).sum();
            (
                self.info.schedule.count_at(scheduling) / sched_s,
                launched as f64 / sched_s,
            )
        } else {
            (0.0, 0.0)
        };
        Summary {
            schema_version: SCHEMA_VERSION,
            started_at_unix_ms: self.info.started_at_unix_ms,
            duration_us: micros(offset),
            stop_reason,
            plan: self.info.plan.clone(),
            limits: self.info.limits.clone(),
            target_rps,
            achieved_rps,
            totals,
            latency: Stats::from_histogram(&latency),
            service_time: Stats::from_histogram(&service_time),
            schedule_lag: Stats::from_histogram(&schedule_lag),
            scenarios,
            errors: errors.to_counts(),
            intervals: self.intervals,
        }
    }
}
