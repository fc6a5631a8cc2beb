//! The results schema: what a run produces, in the types every output reads.
//!
//! All durations are integer microseconds and their field names end in `_us`.
//! Rates are iterations per second as `f64`. The JSON document of a run is a
//! [`Summary`] serialized with serde; its `schema_version` is [`SCHEMA_VERSION`].

use serde::{Deserialize, Serialize};

use crate::requests::{HttpInterval, HttpTotals, RequestSummary};
use crate::stats::{Stats, ValueStats};
use crate::units::fmt_us;

/// Version of the JSON results document. Bumped on every incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The outcome counts of a run, a scenario or an interval.
///
/// Every scheduled arrival ends as exactly one of `ok`, `failed`, `dropped`
/// or `interrupted`, so in a finished run
/// `scheduled == ok + failed + dropped + interrupted` (see [`Totals::is_balanced`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Arrivals that came due: launched or dropped.
    pub scheduled: u64,
    /// Iterations that returned `Ok(())` within the timeout.
    pub ok: u64,
    /// Iterations that returned an error, panicked or timed out.
    pub failed: u64,
    /// Arrivals not launched because the in-flight bound was reached.
    pub dropped: u64,
    /// Iterations cancelled when the graceful stop period ran out.
    pub interrupted: u64,
}

impl Totals {
    /// Arrivals that have reached one of the four final outcomes (at most
    /// `u64::MAX`: counts read from a file may add up past it).
    pub fn finished(&self) -> u64 {
        self.ok
            .saturating_add(self.failed)
            .saturating_add(self.dropped)
            .saturating_add(self.interrupted)
    }

    /// Whether `scheduled == ok + failed + dropped + interrupted`.
    pub fn is_balanced(&self) -> bool {
        [self.failed, self.dropped, self.interrupted]
            .into_iter()
            .try_fold(self.ok, u64::checked_add)
            == Some(self.scheduled)
    }

    /// Adds another set of counts to this one, each saturating at
    /// `u64::MAX`. A run's own counts cannot come near it; for counts read
    /// from files, use [`Totals::checked_add`].
    pub fn add(&mut self, other: &Totals) {
        self.scheduled = self.scheduled.saturating_add(other.scheduled);
        self.ok = self.ok.saturating_add(other.ok);
        self.failed = self.failed.saturating_add(other.failed);
        self.dropped = self.dropped.saturating_add(other.dropped);
        self.interrupted = self.interrupted.saturating_add(other.interrupted);
    }

    /// The sum of two sets of counts, or the name of the first count
    /// (`scheduled`, `ok`, `failed`, `dropped`, `interrupted`) whose sum
    /// would overflow `u64`.
    pub fn checked_add(&self, other: &Totals) -> Result<Totals, &'static str> {
        let sum = |name, a: u64, b: u64| a.checked_add(b).ok_or(name);
        Ok(Totals {
            scheduled: sum("scheduled", self.scheduled, other.scheduled)?,
            ok: sum("ok", self.ok, other.ok)?,
            failed: sum("failed", self.failed, other.failed)?,
            dropped: sum("dropped", self.dropped, other.dropped)?,
            interrupted: sum("interrupted", self.interrupted, other.interrupted)?,
        })
    }
}

/// One stage of a load: its level (arrival rate per second, or users) moves
/// linearly from `from` to `to` over `duration_us`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StagePlan {
    /// Level at the start of the stage.
    pub from: f64,
    /// Level at the end of the stage.
    pub to: f64,
    /// Length of the stage in microseconds.
    pub duration_us: u64,
}

/// The model a load follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadModel {
    /// Open model: stages are arrival rates, iterations started per second.
    ArrivalRate,
    /// Closed model: stages are numbers of concurrent users.
    Users,
}

/// A scenario of a load and its share of the load's arrivals or users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedScenario {
    /// Scenario name.
    pub name: String,
    /// Its weight; it gets `weight / total` of the load.
    pub weight: u64,
}

/// One load of a run, as configured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadPlan {
    /// Open or closed model.
    pub model: LoadModel,
    /// When the load starts, microseconds after the run starts.
    pub start_us: u64,
    /// The stages, in order.
    pub stages: Vec<StagePlan>,
    /// The scenarios the load is split across.
    pub scenarios: Vec<WeightedScenario>,
    /// Arrivals the load starts if it runs to the end (arrival rate only;
    /// the floor of the integral of its rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    /// Bound on its iterations in flight (arrival rate only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u64>,
    /// Think time between a user's iterations, `[min, max]` microseconds
    /// (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think_us: Option<[u64; 2]>,
    /// Iteration cadence of each user (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pacing_us: Option<u64>,
}

impl LoadPlan {
    /// The load in one line, such as
    /// `arrival rate 0→100/s over 10.00s; browse ×70, search ×30`.
    pub fn describe(&self) -> String {
        let unit = match self.model {
            LoadModel::ArrivalRate => "/s",
            LoadModel::Users => " users",
        };
        let stages: Vec<String> = self
            .stages
            .iter()
            .map(|st| {
                let d = fmt_us(st.duration_us);
                if st.from == st.to {
                    format!("{}{unit} for {d}", st.from)
                } else {
                    format!("{}→{}{unit} over {d}", st.from, st.to)
                }
            })
            .collect();
        let scenarios: Vec<String> = self
            .scenarios
            .iter()
            .map(|s| {
                if self.scenarios.len() == 1 {
                    s.name.clone()
                } else {
                    format!("{} ×{}", s.name, s.weight)
                }
            })
            .collect();
        let model = match self.model {
            LoadModel::ArrivalRate => "arrival rate",
            LoadModel::Users => "users",
        };
        let mut text = format!("{model} {}; {}", stages.join(", "), scenarios.join(", "));
        if self.start_us > 0 {
            text.push_str(&format!("; from {}", fmt_us(self.start_us)));
        }
        if let Some(n) = self.max_in_flight {
            text.push_str(&format!("; at most {n} in flight"));
        }
        if let Some([lo, hi]) = self.think_us {
            let lo = fmt_us(lo);
            if self.think_us.is_some_and(|[a, b]| a == b) {
                text.push_str(&format!("; think {lo}"));
            } else {
                text.push_str(&format!("; think {lo} to {}", fmt_us(hi)));
            }
        }
        if let Some(p) = self.pacing_us {
            text.push_str(&format!("; pacing {}", fmt_us(p)));
        }
        text
    }
}

/// The plan of a run: its loads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The loads, run at the same time, each from its own start.
    pub loads: Vec<LoadPlan>,
    /// Arrivals the arrival-rate loads start if they run to the end.
    pub iterations: u64,
    /// Time from the start of the run to the end of the last load's stages.
    pub duration_us: u64,
}

/// The limits a run was started with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Per-iteration timeout; an iteration that takes longer fails with kind `timeout`.
    pub timeout_us: u64,
    /// How long in-flight iterations may run on after the last arrival.
    pub graceful_stop_us: u64,
    /// Length of one reporting interval.
    pub interval_us: u64,
}

/// Which share of a distributed run a process ran: shard `index` of `count`
/// (`LOT_SEGMENT=index/count`). Arrival `k` of every arrival-rate load, and
/// user slot `k` of every users load, belongs to shard `k mod count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// This shard, from 0.
    pub index: u64,
    /// How many shards share the run.
    pub count: u64,
}

/// Which shards merged results hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merged {
    /// How many shards the run had.
    pub count: u64,
    /// The shards merged in: all of `0..count`, unless merged with
    /// `--allow-partial`. A document listing more than [`MAX_SHARDS`] is
    /// refused as it is read (a crafted list of small numbers would
    /// otherwise take several times its text's size in memory).
    #[serde(deserialize_with = "bounded_shards")]
    pub shards: Vec<u64>,
}

/// The most shards a results document lists in `merged.shards`.
pub const MAX_SHARDS: usize = 65_536;

fn bounded_shards<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    struct Shards;
    impl<'de> serde::de::Visitor<'de> for Shards {
        type Value = Vec<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_SHARDS} shard indices")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u64>, A::Error> {
            let mut shards = Vec::new();
            while let Some(index) = seq.next_element()? {
                if shards.len() == MAX_SHARDS {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX_SHARDS} shards in merged.shards"
                    )));
                }
                shards.push(index);
            }
            Ok(shards)
        }
    }
    d.deserialize_seq(Shards)
}

/// Sent to reporters once, before the first arrival.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    /// Wall-clock start of the run, milliseconds since the Unix epoch.
    pub started_at_unix_ms: u64,
    /// The arrival plan.
    pub plan: Plan,
    /// The limits in force.
    pub limits: Limits,
    /// Names of the scenarios, in the order used by every per-scenario list.
    pub scenarios: Vec<String>,
    /// The share of a distributed run this process runs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
}

/// Latency percentiles of one interval, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalLatency {
    /// Iterations that completed (ok or failed) in the interval.
    pub count: u64,
    /// Median latency.
    pub p50_us: u64,
    /// 90th percentile latency.
    pub p90_us: u64,
    /// 99th percentile latency.
    pub p99_us: u64,
    /// Largest latency.
    pub max_us: u64,
}

/// What happened to one scenario during one interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInterval {
    /// Scenario name.
    pub name: String,
    /// Outcome counts of this interval alone. `scheduled` counts the arrivals
    /// that came due in the interval; the others count outcomes reached in it.
    pub counts: Totals,
    /// Latency of the iterations that completed in the interval.
    pub latency: IntervalLatency,
    /// Arrival rate the scenario's plan asked for over this interval.
    #[serde(default)]
    pub target_rps: f64,
    /// Iterations of the scenario launched in the interval.
    #[serde(default)]
    pub started: u64,
    /// Iterations of the scenario running at the end of the interval.
    #[serde(default)]
    pub in_flight: u64,
    /// Users of the scenario running at the end of the interval (closed model).
    #[serde(default)]
    pub users: u64,
    /// The scenario's steps that ended in the interval.
    #[serde(default)]
    pub steps: Vec<StepInterval>,
    /// Its HTTP requests that ended in the interval (absent when none did).
    #[serde(default, skip_serializing_if = "HttpInterval::is_empty")]
    pub http: HttpInterval,
    /// Its histograms, if a reporter asked (see [`live`](crate::live)).
    #[serde(skip)]
    pub histograms: Option<std::sync::Arc<crate::live::IntervalHistograms>>,
}

/// What happened to one step during one interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepInterval {
    /// Step name.
    pub name: String,
    /// Executions of the step that succeeded in the interval.
    pub ok: u64,
    /// Executions of the step that failed in the interval.
    pub failed: u64,
    /// Duration of the step's executions that ended in the interval.
    pub latency: IntervalLatency,
}

/// One point of the time series, emitted every interval while a run goes on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Position in the series, from 0 (a live interval's is its tick's).
    pub index: u64,
    /// Start of the interval, microseconds since the run started.
    pub start_us: u64,
    /// Length: one tick (a run's last may be shorter), or [folded](crate::intervals) ticks.
    pub duration_us: u64,
    /// Arrival rate the plan asked for over this interval.
    pub target_rps: f64,
    /// Arrivals of the arrival-rate loads launched per second over this interval.
    pub achieved_rps: f64,
    /// Iterations launched in the interval.
    pub started: u64,
    /// Outcome counts of this interval alone (see [`ScenarioInterval::counts`]).
    pub counts: Totals,
    /// Cumulative counts from the start of the run to the end of the interval.
    pub cumulative: Totals,
    /// Iterations running at the end of the interval.
    ///
    /// `cumulative.scheduled == cumulative.finished() + in_flight` holds.
    pub in_flight: u64,
    /// Users running at the end of the interval (closed-model loads).
    #[serde(default)]
    pub users: u64,
    /// Latency of the iterations that completed in the interval.
    pub latency: IntervalLatency,
    /// The same per scenario.
    pub scenarios: Vec<ScenarioInterval>,
    /// The run so far, if a reporter asked (see [`live`](crate::live)).
    #[serde(skip)]
    pub snapshot: Option<std::sync::Arc<Summary>>,
}

impl Interval {
    /// The HTTP requests that ended in the interval, over every scenario
    /// (each count saturating at `u64::MAX`).
    pub fn http(&self) -> HttpInterval {
        let mut total = HttpInterval::default();
        for s in &self.scenarios {
            total.add(&s.http);
        }
        total
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every arrival of the plan came due.
    Completed,
    /// A signal (Ctrl-C, SIGTERM) stopped the scheduling early.
    Signal,
    /// A threshold marked abort-on-fail failed and stopped the run early.
    Threshold,
}

impl StopReason {
    /// How the run ended, in words: `completed`, `stopped by signal`, ...
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::Completed => "completed",
            StopReason::Signal => "stopped by signal",
            StopReason::Threshold => "stopped by a failed threshold",
        }
    }
}

/// A distinct failure kind and how often it happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCount {
    /// The failure kind: the error's display text (truncated), `timeout`,
    /// `panic: <message>`, or `other` for kinds beyond the table's bound.
    pub kind: String,
    /// Number of iterations that failed with it.
    pub count: u64,
}

/// Results of one scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSummary {
    /// Scenario name.
    pub name: String,
    /// Outcome counts.
    pub totals: Totals,
    /// End minus intended start: what a user of the target would have seen.
    pub latency: Stats,
    /// End minus actual start: the target's own time.
    pub service_time: Stats,
    /// Actual start minus intended start: how late the generator was.
    pub schedule_lag: Stats,
    /// Failure kinds, most frequent first.
    pub errors: Vec<ErrorCount>,
    /// Named steps inside the scenario's iterations, in order of first use.
    #[serde(default)]
    pub steps: Vec<StepSummary>,
    /// Checks made in the scenario's iterations, in order of first use.
    #[serde(default)]
    pub checks: Vec<CheckSummary>,
    /// HTTP requests made through `lot::http` in the scenario's iterations,
    /// one entry per (step, request name) (absent from the document when
    /// none were made).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestSummary>,
}

impl ScenarioSummary {
    /// The counts of the scenario's HTTP requests together.
    pub fn http_totals(&self) -> HttpTotals {
        HttpTotals::of(&self.requests)
    }
}

/// Results of one named step (`lot::step`) of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepSummary {
    /// Step name.
    pub name: String,
    /// Executions that returned `Ok`.
    pub ok: u64,
    /// Executions that returned `Err`, or panicked or timed out inside the step.
    pub failed: u64,
    /// Time from the start to the end of each execution.
    pub latency: Stats,
    /// Failure kinds, most frequent first.
    pub errors: Vec<ErrorCount>,
}

/// Results of one check (`lot::check`) of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckSummary {
    /// Check name.
    pub name: String,
    /// Times the condition held.
    pub passed: u64,
    /// Times it did not.
    pub failed: u64,
    /// `passed / (passed + failed)`, from 0 to 1 (0 when never checked).
    pub pass_rate: f64,
}

impl CheckSummary {
    /// A check summary with its pass rate computed.
    pub fn new(name: String, passed: u64, failed: u64) -> CheckSummary {
        // In floating point: merged counts may add up past u64::MAX.
        let total = passed as f64 + failed as f64;
        CheckSummary {
            name,
            passed,
            failed,
            pass_rate: if total == 0.0 {
                0.0
            } else {
                passed as f64 / total
            },
        }
    }
}

/// The final value of a custom counter (`lot::counter`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterValue {
    /// Metric name.
    pub name: String,
    /// Sum of everything added.
    pub value: u64,
}

/// The last value set on a custom gauge (`lot::gauge`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GaugeValue {
    /// Metric name.
    pub name: String,
    /// The value set last.
    pub value: f64,
}

/// A custom histogram of durations (`lot::timing`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingSummary {
    /// Metric name.
    pub name: String,
    /// The recorded durations, in microseconds.
    pub stats: Stats,
}

/// A custom histogram of plain values (`lot::histogram`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistogramSummary {
    /// Metric name.
    pub name: String,
    /// The recorded values.
    pub stats: ValueStats,
}

/// Custom metrics of a run, each in order of first use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Counters.
    pub counters: Vec<CounterValue>,
    /// Gauges.
    pub gauges: Vec<GaugeValue>,
    /// Histograms of durations.
    pub timings: Vec<TimingSummary>,
    /// Histograms of plain values.
    pub histograms: Vec<HistogramSummary>,
}

impl Metrics {
    /// Every metric as `(name, kind, value)` for display, value in words:
    /// `12`, `3.5 (last set)`, `p50 1.20ms, p99 4.00ms, max 9.00ms (100 values)`.
    pub fn rows(&self) -> Vec<(&str, &'static str, String)> {
        let mut rows: Vec<(&str, &'static str, String)> = Vec::new();
        for c in &self.counters {
            rows.push((&c.name, "counter", c.value.to_string()));
        }
        for g in &self.gauges {
            rows.push((&g.name, "gauge", format!("{} (last set)", g.value)));
        }
        for t in &self.timings {
            let st = &t.stats;
            rows.push((
                &t.name,
                "timing",
                format!(
                    "p50 {}, p99 {}, max {} ({} values)",
                    fmt_us(st.p50_us),
                    fmt_us(st.p99_us),
                    fmt_us(st.max_us),
                    st.count
                ),
            ));
        }
        for h in &self.histograms {
            let st = &h.stats;
            rows.push((
                &h.name,
                "histogram",
                format!(
                    "p50 {}, p99 {}, max {} ({} values)",
                    st.p50, st.p99, st.max, st.count
                ),
            ));
        }
        rows
    }

    /// Whether no custom metric was recorded.
    pub fn is_empty(&self) -> bool {
        self.counters.is_empty()
            && self.gauges.is_empty()
            && self.timings.is_empty()
            && self.histograms.is_empty()
    }
}

/// The outcome of one threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// The expression as written.
    pub expression: String,
    /// Whether it held.
    pub passed: bool,
    /// The measured value in base units (µs, a fraction, or a number), when
    /// there was one.
    pub value: Option<f64>,
    /// The measured value for people, or why nothing could be measured.
    pub measured: String,
    /// Whether the threshold aborts the run when it fails.
    #[serde(default)]
    pub abort: bool,
}

/// The abort-on-fail threshold that stopped a run early, with what it
/// measured when it did: the run's results ([`Summary::thresholds`]) hold
/// what it measured at the end, which the iterations still running when it
/// stopped the run may have brought back within bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Abort {
    /// The threshold's expression, as in [`ThresholdResult::expression`].
    pub expression: String,
    /// When it stopped the run, microseconds after the start.
    pub at_us: u64,
    /// What it measured then, in base units (µs, a fraction, or a number),
    /// as in [`ThresholdResult::value`].
    pub value: Option<f64>,
    /// What it measured then, for people, as in [`ThresholdResult::measured`].
    pub measured: String,
}

impl Abort {
    /// What it did, in words: `stopped the run at 12.30s (measured 4.200%
    /// then)`. Every output shows it so.
    pub fn describe(&self) -> String {
        format!(
            "stopped the run at {} (measured {} then)",
            fmt_us(self.at_us),
            self.measured
        )
    }
}

impl Summary {
    /// The counts of every scenario's HTTP requests together.
    pub fn http_totals(&self) -> HttpTotals {
        HttpTotals::of(self.scenarios.iter().flat_map(|s| &s.requests))
    }

    /// Iterations run by closed-model (users) scenarios, which no plan counts
    /// in advance.
    pub fn user_iterations(&self) -> u64 {
        let users: Vec<&str> = self
            .plan
            .loads
            .iter()
            .filter(|l| l.model == LoadModel::Users)
            .flat_map(|l| l.scenarios.iter().map(|s| s.name.as_str()))
            .collect();
        self.scenarios
            .iter()
            .filter(|s| users.contains(&s.name.as_str()))
            .map(|s| s.totals.scheduled)
            .sum()
    }

    /// "2000 planned" or, with users loads, "2000 planned at arrival rates,
    /// 316 by users": what `totals.scheduled` is made of. For one shard of
    /// a distributed run, the plan is the whole run's.
    pub fn scheduled_breakdown(&self) -> String {
        let planned = match self.segment {
            Some(s) => format!(
                "{} planned for the whole run, of which this is shard {} of {}",
                self.plan.iterations, s.index, s.count
            ),
            None => format!("{} planned", self.plan.iterations),
        };
        match self.user_iterations() {
            0 => planned,
            users => format!("{planned} at arrival rates, {users} by users"),
        }
    }

    /// "", "shard 1 of 4", "merged from 4 shards" or "merged from shards
    /// 0, 2 of 4 (PARTIAL)": what part of a distributed run these results are.
    pub fn describe_shards(&self) -> String {
        match (&self.segment, &self.merged) {
            (Some(s), _) => format!("shard {} of {}", s.index, s.count),
            (None, Some(m)) if m.shards.len() as u64 == m.count => {
                format!("merged from {} shards", m.count)
            }
            (None, Some(m)) => format!(
                "merged from shards {} of {} (PARTIAL)",
                m.shards
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                m.count
            ),
            (None, None) => String::new(),
        }
    }

    /// Whether every threshold held (true when there are none) and none
    /// stopped the run.
    pub fn thresholds_passed(&self) -> bool {
        self.aborted_by.is_none() && self.thresholds.iter().all(|t| t.passed)
    }

    /// The [`Abort`] of the threshold written `expression`, if that is the
    /// one that stopped the run.
    pub fn abort_of(&self, expression: &str) -> Option<&Abort> {
        self.aborted_by
            .as_ref()
            .filter(|a| a.expression == expression)
    }

    /// The [`Abort`] of a threshold that stopped the run but is not among
    /// [`Summary::thresholds`] (a document put together by hand): outputs
    /// show it on a row of its own.
    pub(crate) fn abort_unlisted(&self) -> Option<&Abort> {
        self.aborted_by
            .as_ref()
            .filter(|a| !self.thresholds.iter().any(|t| t.expression == a.expression))
    }

    /// How many thresholds failed, of how many: the listed ones and an
    /// unlisted one that stopped the run (which failed). `(0, 0)` without
    /// thresholds.
    pub(crate) fn threshold_counts(&self) -> (usize, usize) {
        let unlisted = usize::from(self.abort_unlisted().is_some());
        let failed = self.thresholds.iter().filter(|t| !t.passed).count() + unlisted;
        (failed, self.thresholds.len() + unlisted)
    }
}

/// The results of a whole run: what `LOT_OUT=json=PATH` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// [`SCHEMA_VERSION`] of the document.
    pub schema_version: u32,
    /// Wall-clock start of the run, milliseconds since the Unix epoch.
    pub started_at_unix_ms: u64,
    /// Time from the start to the end of the run, graceful stop included.
    pub duration_us: u64,
    /// Why the run ended.
    pub stop_reason: StopReason,
    /// The arrival plan.
    pub plan: Plan,
    /// The limits in force.
    pub limits: Limits,
    /// Arrivals of the arrival-rate loads that came due per second of
    /// scheduling time.
    pub target_rps: f64,
    /// Iterations of the arrival-rate loads launched per second of scheduling
    /// time (users' iterations are not counted here: they have no target).
    pub achieved_rps: f64,
    /// Outcome counts of the whole run.
    pub totals: Totals,
    /// Latency over every scenario.
    pub latency: Stats,
    /// Service time over every scenario.
    pub service_time: Stats,
    /// Schedule lag over every scenario.
    pub schedule_lag: Stats,
    /// Per-scenario results.
    pub scenarios: Vec<ScenarioSummary>,
    /// Failure kinds over every scenario, most frequent first.
    pub errors: Vec<ErrorCount>,
    /// Custom metrics.
    #[serde(default)]
    pub metrics: Metrics,
    /// The thresholds and whether each held.
    #[serde(default)]
    pub thresholds: Vec<ThresholdResult>,
    /// The abort-on-fail threshold that stopped the run early, if one did
    /// (then `stop_reason` is [`StopReason::Threshold`]). Absent in
    /// documents written before it existed, which read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted_by: Option<Abort>,
    /// How long arrivals were scheduled: from the start to the end of the
    /// last load's stages, or to the stop.
    #[serde(default)]
    pub scheduling_us: u64,
    /// The share of a distributed run these results cover, for one shard's
    /// results; `None` for a whole run or merged results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
    /// For merged results, which shards they hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merged>,
    /// The interval time series.
    #[serde(deserialize_with = "crate::read::intervals")]
    pub intervals: Vec<Interval>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_arithmetic_never_overflows() {
        let max = Totals {
            scheduled: u64::MAX,
            ok: u64::MAX,
            failed: 1,
            dropped: 0,
            interrupted: 0,
        };
        assert_eq!(max.finished(), u64::MAX);
        assert!(!max.is_balanced());
        let one = Totals {
            scheduled: 1,
            ok: 1,
            ..Totals::default()
        };
        assert_eq!(max.checked_add(&one), Err("scheduled"));
        assert_eq!(
            Totals {
                scheduled: 0,
                ..max
            }
            .checked_add(&one),
            Err("ok")
        );
        assert_eq!(one.checked_add(&one).map(|t| t.ok), Ok(2));
        let mut saturated = max;
        saturated.add(&one);
        assert_eq!(saturated.ok, u64::MAX);
        assert_eq!(
            CheckSummary::new("c".into(), u64::MAX, u64::MAX).pass_rate,
            0.5
        );
    }
}
