//! A run's results as remote-write series: what each interval and the
//! summary become, with the cumulative counts Prometheus counters need.
//!
//! lot's intervals carry the counts of the interval alone; Prometheus
//! counters are totals since the start, so this module keeps the running
//! totals per scenario, step and HTTP status class (bounded by lot's bounds
//! on names). The summary's batch sets every counter to the document's own
//! totals, and carries what intervals do not: checks, error kinds, custom
//! metrics and the HTTP requests' histograms. The duration histograms go
//! out every interval, the run's so far, from the intervals' histograms.

use std::collections::BTreeMap;

use lot_report::{
    HttpInterval, Interval, LoadModel, ScenarioSummary, Start, Stats, Summary, Totals,
};

use crate::native::Native;
use crate::proto::{Label, Sample, TimeSeries, WriteRequest};

/// Every metric this crate emits, by name.
///
/// Counters end in `_total`, native histograms in `_seconds` (durations)
/// or are unitless (`lot_custom_histogram`); the others are gauges. The
/// crate docs list each one's labels.
pub const METRIC_NAMES: [&str; 22] = [
    ITERATIONS_SCHEDULED,
    ITERATIONS_STARTED,
    ITERATIONS,
    STEPS,
    CHECKS,
    ERRORS,
    HTTP_REQUESTS,
    HTTP_SENT,
    HTTP_RECEIVED,
    CUSTOM_COUNTER,
    TARGET_RATE,
    ACHIEVED_RATE,
    IN_FLIGHT,
    USERS,
    CUSTOM_GAUGE,
    LATENCY,
    SERVICE_TIME,
    SCHEDULE_LAG,
    STEP_DURATION,
    HTTP_DURATION,
    CUSTOM_TIMING,
    CUSTOM_HISTOGRAM,
];

const ITERATIONS_SCHEDULED: &str = "lot_iterations_scheduled_total";
const ITERATIONS_STARTED: &str = "lot_iterations_started_total";
const ITERATIONS: &str = "lot_iterations_total";
const STEPS: &str = "lot_steps_total";
const CHECKS: &str = "lot_checks_total";
const ERRORS: &str = "lot_errors_total";
const HTTP_REQUESTS: &str = "lot_http_requests_total";
const HTTP_SENT: &str = "lot_http_sent_bytes_total";
const HTTP_RECEIVED: &str = "lot_http_received_bytes_total";
const CUSTOM_COUNTER: &str = "lot_custom_counter_total";
const TARGET_RATE: &str = "lot_target_rate";
const ACHIEVED_RATE: &str = "lot_achieved_rate";
const IN_FLIGHT: &str = "lot_in_flight";
const USERS: &str = "lot_users";
const CUSTOM_GAUGE: &str = "lot_custom_gauge";
const LATENCY: &str = "lot_latency_seconds";
const SERVICE_TIME: &str = "lot_service_time_seconds";
const SCHEDULE_LAG: &str = "lot_schedule_lag_seconds";
const STEP_DURATION: &str = "lot_step_duration_seconds";
const HTTP_DURATION: &str = "lot_http_request_duration_seconds";
const CUSTOM_TIMING: &str = "lot_custom_timing_seconds";
const CUSTOM_HISTOGRAM: &str = "lot_custom_histogram";

/// The most error kinds sent per scenario (lot's own table holds 100).
const MAX_ERROR_KINDS: usize = 100;

/// Microseconds per second: lot's durations are microseconds, Prometheus's
/// seconds.
const US: f64 = 1e6;

/// The running totals of one scenario.
#[derive(Default)]
struct Running {
    counts: Totals,
    started: u64,
    /// Per step: (ok, failed).
    steps: BTreeMap<String, (u64, u64)>,
    http: HttpInterval,
    /// The gauges of the last interval: target rate, achieved rate, in
    /// flight, users.
    gauges: [f64; 4],
    /// Which of its loads' models run it: an arrival-rate load (which has a
    /// target rate), a users load (which has users). Only those gauges are
    /// sent, so a panel of users stays empty for a run without any.
    arrivals: bool,
    users: bool,
    /// The run's latency, service time and schedule lag so far, from the
    /// intervals' histograms; `None` until an interval brings them.
    durations: Option<[Native; 3]>,
    /// Each step's latency so far.
    step_durations: BTreeMap<String, Native>,
}

/// The state of a run's series.
pub(crate) struct Series {
    /// `testid`, `shard` and the extra labels, on every series.
    common: Vec<Label>,
    testid: Option<String>,
    schema: i8,
    started_at_ms: i64,
    scenarios: BTreeMap<String, Running>,
    /// Where the last interval sent ended (µs into the run), if one was.
    /// The summary's intervals are told apart by where they end, not by
    /// their index: a long run's summary keeps its ticks folded (see
    /// `lot_report::intervals`), each folded interval ending where its last
    /// tick did.
    sent_until_us: Option<u64>,
    /// The timestamp of the last batch, which the next one must pass.
    last_ts: i64,
}

/// Where `interval` ends, µs into the run.
fn end(interval: &Interval) -> u64 {
    interval.start_us.saturating_add(interval.duration_us)
}

/// One batch's series, all at one timestamp.
struct Batch<'a> {
    common: &'a [Label],
    ts: i64,
    series: Vec<TimeSeries>,
}

impl Batch<'_> {
    fn labels(&self, name: &str, labels: &[(&str, &str)]) -> Vec<Label> {
        let mut all: Vec<Label> = self.common.to_vec();
        all.push(Label {
            name: "__name__".into(),
            value: name.into(),
        });
        all.extend(labels.iter().map(|(n, v)| Label {
            name: (*n).into(),
            value: (*v).into(),
        }));
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    fn value(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let labels = self.labels(name, labels);
        self.series.push(TimeSeries {
            labels,
            samples: vec![Sample {
                value,
                timestamp: self.ts,
            }],
            histograms: Vec::new(),
        });
    }

    fn histogram(&mut self, name: &str, labels: &[(&str, &str)], native: &Native) {
        let labels = self.labels(name, labels);
        self.series.push(TimeSeries {
            labels,
            samples: Vec::new(),
            histograms: vec![native.message(self.ts)],
        });
    }

    fn done(self) -> WriteRequest {
        WriteRequest {
            timeseries: self.series,
        }
    }
}

impl Series {
    /// Series with these extra labels, the test id if one was set, and
    /// native histograms of `schema`.
    pub(crate) fn new(labels: &[(String, String)], testid: Option<String>, schema: i8) -> Series {
        let common = labels
            .iter()
            .map(|(name, value)| Label {
                name: name.clone(),
                value: value.clone(),
            })
            .collect();
        Series {
            common,
            testid,
            schema,
            started_at_ms: 0,
            scenarios: BTreeMap::new(),
            sent_until_us: None,
            last_ts: i64::MIN,
        }
    }

    /// The test id: the one set, or else the run's start instant in UTC
    /// with milliseconds (`2026-05-04T10:20:30.456Z`), which every shard of
    /// a distributed run shares, since they start at one instant.
    pub(crate) fn testid(&self) -> Option<&str> {
        self.testid.as_deref()
    }

    /// The batch of the run's start: every scenario's counters at 0, so
    /// that `increase` and `rate` count the first interval too.
    pub(crate) fn start(&mut self, start: &Start) -> WriteRequest {
        self.started_at_ms = i64::try_from(start.started_at_unix_ms).unwrap_or(i64::MAX);
        let testid = self
            .testid
            .get_or_insert_with(|| default_testid(start.started_at_unix_ms))
            .clone();
        self.common.push(Label {
            name: "testid".into(),
            value: testid,
        });
        if let Some(segment) = start.segment {
            self.common.push(Label {
                name: "shard".into(),
                value: segment.index.to_string(),
            });
        }
        for name in &start.scenarios {
            self.scenarios.entry(name.clone()).or_default();
        }
        for load in &start.plan.loads {
            for weighted in &load.scenarios {
                if let Some(running) = self.scenarios.get_mut(&weighted.name) {
                    match load.model {
                        LoadModel::ArrivalRate => running.arrivals = true,
                        LoadModel::Users => running.users = true,
                    }
                }
            }
        }
        let mut batch = self.batch(0);
        for name in &start.scenarios {
            iteration_counters(&mut batch, name, &Totals::default(), 0);
        }
        batch.done()
    }

    /// A batch for `offset_us` into the run, later than the last one.
    fn batch(&mut self, offset_us: u64) -> Batch<'_> {
        let ts = self
            .started_at_ms
            .saturating_add(i64::try_from(offset_us / 1000).unwrap_or(i64::MAX))
            .max(self.last_ts.saturating_add(1));
        self.last_ts = ts;
        Batch {
            common: &self.common,
            ts,
            series: Vec::new(),
        }
    }

    /// Adds an interval's counts to the running totals.
    fn accumulate(&mut self, interval: &Interval) {
        self.sent_until_us = Some(end(interval));
        let seconds = interval.duration_us as f64 / US;
        for s in &interval.scenarios {
            let running = self.scenarios.entry(s.name.clone()).or_default();
            running.counts.add(&s.counts);
            running.started = running.started.saturating_add(s.started);
            for step in &s.steps {
                let (ok, failed) = running.steps.entry(step.name.clone()).or_default();
                *ok = ok.saturating_add(step.ok);
                *failed = failed.saturating_add(step.failed);
            }
            running.http.add(&s.http);
            if let Some(h) = &s.histograms {
                let schema = self.schema;
                let durations = running
                    .durations
                    .get_or_insert_with(|| [0; 3].map(|_| Native::new(schema)));
                for (native, hdr) in
                    durations
                        .iter_mut()
                        .zip([&h.latency, &h.service_time, &h.schedule_lag])
                {
                    native.add(hdr, US);
                }
                for (step, hdr) in s.steps.iter().zip(&h.steps) {
                    running
                        .step_durations
                        .entry(step.name.clone())
                        .or_insert_with(|| Native::new(schema))
                        .add(hdr, US);
                }
            }
            let achieved = if seconds > 0.0 {
                s.started as f64 / seconds
            } else {
                0.0
            };
            running.gauges = [s.target_rps, achieved, s.in_flight as f64, s.users as f64];
        }
    }

    /// The batch of one interval: counters and gauges.
    pub(crate) fn interval(&mut self, interval: &Interval) -> WriteRequest {
        self.accumulate(interval);
        let scenarios = std::mem::take(&mut self.scenarios);
        let schema = self.schema;
        let mut batch = self.batch(interval.start_us.saturating_add(interval.duration_us));
        for (name, running) in &scenarios {
            iteration_counters(&mut batch, name, &running.counts, running.started);
            for (step, (ok, failed)) in &running.steps {
                step_counters(&mut batch, name, step, *ok, *failed);
            }
            running_series(&mut batch, name, running);
            running_durations(&mut batch, name, running);
        }
        // What the run so far has beyond the interval's counts.
        if let Some(so_far) = &interval.snapshot {
            for s in &so_far.scenarios {
                checks_and_errors(&mut batch, s);
            }
            metrics(&mut batch, so_far, schema);
        }
        let request = batch.done();
        self.scenarios = scenarios;
        request
    }

    /// The batches that end the run: any interval not yet sent before the
    /// last, then the final batch, at the end of the run, which holds the
    /// last interval's gauges and HTTP counts, the document's totals, and
    /// what only the summary has (checks, errors, custom metrics, the
    /// native histograms of the whole run).
    pub(crate) fn summary(&mut self, summary: &Summary) -> Vec<WriteRequest> {
        let mut requests = Vec::new();
        // The last interval is the run's last tick, which only the summary
        // carries (however short: its counts include the iterations the
        // run stopped waiting for).
        if let Some((last, earlier)) = summary.intervals.split_last() {
            let sent = self.sent_until_us;
            let unsent = earlier
                .iter()
                .filter(|i| sent.is_none_or(|sent| end(i) > sent));
            for interval in unsent {
                requests.push(self.interval(interval));
            }
            self.accumulate(last);
        }
        let end = summary
            .intervals
            .last()
            .map_or(0, end)
            .max(summary.duration_us);
        let scenarios = std::mem::take(&mut self.scenarios);
        let schema = self.schema;
        let mut batch = self.batch(end);
        for s in &summary.scenarios {
            let started = s.totals.scheduled.saturating_sub(s.totals.dropped);
            iteration_counters(&mut batch, &s.name, &s.totals, started);
            if let Some(running) = scenarios.get(&s.name) {
                running_series(&mut batch, &s.name, running);
            }
            scenario_summary(&mut batch, s, schema);
        }
        metrics(&mut batch, summary, schema);
        requests.push(batch.done());
        self.scenarios = scenarios;
        requests
    }
}

fn iteration_counters(batch: &mut Batch<'_>, scenario: &str, t: &Totals, started: u64) {
    let s = ("scenario", scenario);
    batch.value(ITERATIONS_SCHEDULED, &[s], t.scheduled as f64);
    batch.value(ITERATIONS_STARTED, &[s], started as f64);
    for (outcome, n) in [
        ("ok", t.ok),
        ("failed", t.failed),
        ("dropped", t.dropped),
        ("interrupted", t.interrupted),
    ] {
        batch.value(ITERATIONS, &[s, ("outcome", outcome)], n as f64);
    }
}

fn step_counters(batch: &mut Batch<'_>, scenario: &str, step: &str, ok: u64, failed: u64) {
    for (outcome, n) in [("ok", ok), ("failed", failed)] {
        batch.value(
            STEPS,
            &[("scenario", scenario), ("step", step), ("outcome", outcome)],
            n as f64,
        );
    }
}

/// The gauges and HTTP counters, which come from the intervals alone.
fn running_series(batch: &mut Batch<'_>, scenario: &str, running: &Running) {
    let s = ("scenario", scenario);
    let [target, achieved, in_flight, users] = running.gauges;
    if running.arrivals {
        batch.value(TARGET_RATE, &[s], target);
    }
    batch.value(ACHIEVED_RATE, &[s], achieved);
    batch.value(IN_FLIGHT, &[s], in_flight);
    if running.users {
        batch.value(USERS, &[s], users);
    }
    let h = &running.http;
    if h.is_empty() {
        return;
    }
    let classes = [
        ("1xx", h.status_1xx),
        ("2xx", h.status_2xx),
        ("3xx", h.status_3xx),
        ("4xx", h.status_4xx),
        ("5xx", h.status_5xx),
        ("failed", h.failed),
    ];
    let known = classes.iter().fold(0u64, |a, (_, n)| a.saturating_add(*n));
    let other = h.requests.saturating_sub(known);
    for (status, n) in classes.into_iter().chain([("other", other)]) {
        batch.value(HTTP_REQUESTS, &[s, ("status", status)], n as f64);
    }
    batch.value(HTTP_SENT, &[s], h.bytes_sent as f64);
    batch.value(HTTP_RECEIVED, &[s], h.bytes_received as f64);
}

/// The native histograms of the intervals so far: the run's latency,
/// service time and schedule lag, and each step's latency, cumulative as
/// Prometheus histograms are (the final batch sends the summary's, which
/// equal them with the last interval added).
fn running_durations(batch: &mut Batch<'_>, scenario: &str, running: &Running) {
    let s = ("scenario", scenario);
    if let Some(durations) = &running.durations {
        for (name, native) in [LATENCY, SERVICE_TIME, SCHEDULE_LAG].iter().zip(durations) {
            batch.histogram(name, &[s], native);
        }
    }
    for (step, native) in &running.step_durations {
        batch.histogram(STEP_DURATION, &[s, ("step", step)], native);
    }
}

/// A duration histogram of the summary as a native histogram, or nothing if
/// it does not decode (a document built by hand).
fn duration(batch: &mut Batch<'_>, name: &str, labels: &[(&str, &str)], stats: &Stats, schema: i8) {
    if let Ok(h) = stats.histogram() {
        batch.histogram(name, labels, &Native::of(schema, &h, US));
    }
}

/// What the summary has of a scenario beyond its iteration counts.
fn scenario_summary(batch: &mut Batch<'_>, s: &ScenarioSummary, schema: i8) {
    let scenario = ("scenario", s.name.as_str());
    duration(batch, LATENCY, &[scenario], &s.latency, schema);
    duration(batch, SERVICE_TIME, &[scenario], &s.service_time, schema);
    duration(batch, SCHEDULE_LAG, &[scenario], &s.schedule_lag, schema);
    for step in &s.steps {
        step_counters(batch, &s.name, &step.name, step.ok, step.failed);
        let labels = [scenario, ("step", step.name.as_str())];
        duration(batch, STEP_DURATION, &labels, &step.latency, schema);
    }
    checks_and_errors(batch, s);
    for r in &s.requests {
        let mut labels = vec![scenario, ("request", r.name.as_str())];
        if let Some(step) = &r.step {
            labels.push(("step", step));
        }
        duration(batch, HTTP_DURATION, &labels, &r.duration, schema);
    }
}

/// A scenario's checks and error kinds so far.
fn checks_and_errors(batch: &mut Batch<'_>, s: &ScenarioSummary) {
    let scenario = ("scenario", s.name.as_str());
    for check in &s.checks {
        for (result, n) in [("passed", check.passed), ("failed", check.failed)] {
            batch.value(
                CHECKS,
                &[scenario, ("check", &check.name), ("result", result)],
                n as f64,
            );
        }
    }
    for e in s.errors.iter().take(MAX_ERROR_KINDS) {
        batch.value(ERRORS, &[scenario, ("kind", &e.kind)], e.count as f64);
    }
}

/// The custom metrics (`lot::counter`, `gauge`, `timing`, `histogram`).
fn metrics(batch: &mut Batch<'_>, summary: &Summary, schema: i8) {
    let m = &summary.metrics;
    for c in &m.counters {
        batch.value(CUSTOM_COUNTER, &[("metric", &c.name)], c.value as f64);
    }
    for g in &m.gauges {
        batch.value(CUSTOM_GAUGE, &[("metric", &g.name)], g.value);
    }
    for t in &m.timings {
        duration(
            batch,
            CUSTOM_TIMING,
            &[("metric", &t.name)],
            &t.stats,
            schema,
        );
    }
    for h in &m.histograms {
        if let Ok(hdr) = h.stats.histogram() {
            let native = Native::of(schema, &hdr, 1.0);
            batch.histogram(CUSTOM_HISTOGRAM, &[("metric", &h.name)], &native);
        }
    }
}

/// `2026-05-04T10:20:30.456Z` for a start at that instant.
fn default_testid(started_at_unix_ms: u64) -> String {
    // `fmt_unix_ms` gives `2026-05-04 10:20:30 UTC`.
    let text = lot_report::units::fmt_unix_ms(started_at_unix_ms);
    let (date, rest) = text.split_once(' ').unwrap_or((&text, ""));
    let time = rest.trim_end_matches(" UTC");
    format!("{date}T{time}.{:03}Z", started_at_unix_ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lot_report::{ScenarioInterval, StepInterval};

    fn start() -> Start {
        Start {
            started_at_unix_ms: 1_700_000_000_123,
            plan: lot_report::Plan {
                loads: vec![],
                iterations: 0,
                duration_us: 0,
            },
            limits: lot_report::Limits {
                timeout_us: 1,
                graceful_stop_us: 1,
                interval_us: 1_000_000,
            },
            scenarios: vec!["a".into()],
            segment: Some(lot_report::Segment { index: 1, count: 2 }),
        }
    }

    fn value(request: &WriteRequest, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        request
            .timeseries
            .iter()
            .find(|t| {
                t.labels
                    .iter()
                    .any(|l| l.name == "__name__" && l.value == name)
                    && labels
                        .iter()
                        .all(|(n, v)| t.labels.iter().any(|l| l.name == *n && l.value == *v))
            })
            .and_then(|t| t.samples.first())
            .map(|s| s.value)
    }

    #[test]
    fn counters_are_totals_since_the_start_and_labels_are_sorted() {
        let mut series = Series::new(&[("env".into(), "ci".into())], None, 5);
        let first = series.start(&start());
        assert_eq!(series.testid(), Some("2023-11-14T22:13:20.123Z"));
        assert_eq!(
            value(&first, ITERATIONS_SCHEDULED, &[("scenario", "a")]),
            Some(0.0)
        );
        let interval = |index: u64, ok: u64| Interval {
            index,
            start_us: index * 1_000_000,
            duration_us: 1_000_000,
            scenarios: vec![ScenarioInterval {
                name: "a".into(),
                counts: Totals {
                    scheduled: ok,
                    ok,
                    ..Totals::default()
                },
                started: ok,
                target_rps: 10.0,
                steps: vec![StepInterval {
                    name: "login".into(),
                    ok,
                    ..StepInterval::default()
                }],
                ..ScenarioInterval::default()
            }],
            ..Interval::default()
        };
        series.interval(&interval(0, 3));
        let second = series.interval(&interval(1, 4));
        let ok = [("scenario", "a"), ("outcome", "ok"), ("shard", "1")];
        assert_eq!(value(&second, ITERATIONS, &ok), Some(7.0));
        assert_eq!(
            value(&second, ACHIEVED_RATE, &[("scenario", "a")]),
            Some(4.0)
        );
        assert_eq!(
            value(&second, STEPS, &[("step", "login"), ("outcome", "ok")]),
            Some(7.0)
        );
        let t = &second.timeseries[0];
        assert_eq!(t.samples[0].timestamp, 1_700_000_002_123);
        let names: Vec<&str> = t.labels.iter().map(|l| l.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert!(names.contains(&"env") && names.contains(&"testid"));
    }

    /// A users load's scenario has users and no target rate; an
    /// arrival-rate load's the other way round.
    #[test]
    fn each_scenario_has_the_gauges_of_its_load_model() {
        let load = |model, name: &str| lot_report::LoadPlan {
            model,
            start_us: 0,
            stages: vec![],
            scenarios: vec![lot_report::WeightedScenario {
                name: name.into(),
                weight: 1,
            }],
            iterations: None,
            max_in_flight: None,
            think_us: None,
            pacing_us: None,
        };
        let mut start = start();
        start.scenarios = vec!["open".into(), "closed".into()];
        start.plan.loads = vec![
            load(LoadModel::ArrivalRate, "open"),
            load(LoadModel::Users, "closed"),
        ];
        let mut series = Series::new(&[], None, 5);
        series.start(&start);
        let gauges = |name: &str, users: u64| ScenarioInterval {
            name: name.into(),
            target_rps: 10.0,
            users,
            ..ScenarioInterval::default()
        };
        let batch = series.interval(&Interval {
            index: 0,
            start_us: 0,
            duration_us: 1_000_000,
            scenarios: vec![gauges("open", 0), gauges("closed", 3)],
            ..Interval::default()
        });
        let open = [("scenario", "open")];
        let closed = [("scenario", "closed")];
        assert_eq!(value(&batch, TARGET_RATE, &open), Some(10.0));
        assert_eq!(value(&batch, USERS, &open), None);
        assert_eq!(value(&batch, USERS, &closed), Some(3.0));
        assert_eq!(value(&batch, TARGET_RATE, &closed), None);
        for s in [&open, &closed] {
            assert_eq!(value(&batch, ACHIEVED_RATE, s), Some(0.0));
            assert_eq!(value(&batch, IN_FLIGHT, s), Some(0.0));
        }
    }

    /// A long run's summary keeps its ticks folded; the final batch adds
    /// only the last tick, which no live interval carried, to what the
    /// live intervals sent.
    #[test]
    fn a_folded_summary_adds_only_its_last_tick() {
        let mut summary: Summary = serde_json::from_str(include_str!(
            "../../lot-report/tests/it/data/quickstart.json"
        ))
        .expect("the fixture is a document");
        let name = summary.scenarios[0].name.clone();
        let tick = |index: u64| Interval {
            index,
            start_us: index * 1_000_000,
            duration_us: 1_000_000,
            scenarios: vec![ScenarioInterval {
                name: name.clone(),
                http: lot_report::HttpInterval {
                    requests: 2,
                    status_2xx: 2,
                    ..lot_report::HttpInterval::default()
                },
                ..ScenarioInterval::default()
            }],
            ..Interval::default()
        };
        let ticks = lot_report::MAX_INTERVALS as u64 + 100;
        let mut series = Series::new(&[], None, 5);
        series.start(&start());
        let mut kept = lot_report::IntervalSeries::new(1_000_000);
        for k in 0..ticks - 1 {
            series.interval(&tick(k));
            kept.push(tick(k));
        }
        summary.intervals = kept.finish(Some(tick(ticks - 1)));
        assert!(summary.intervals.len() < ticks as usize, "folded");
        let batches = series.summary(&summary);
        assert_eq!(batches.len(), 1, "nothing before the last was unsent");
        let ok = [("scenario", name.as_str()), ("status", "2xx")];
        assert_eq!(
            value(&batches[0], HTTP_REQUESTS, &ok),
            Some(2.0 * ticks as f64)
        );
    }
}
