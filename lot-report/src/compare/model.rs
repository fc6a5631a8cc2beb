//! What a comparison of two runs holds: the types every output of
//! `lot-report compare` reads, serialized as its JSON document.

use std::fmt;

use serde::Serialize;

use super::stats::Guard;

/// Version of the comparison's JSON document. Bumped on every incompatible
/// change.
pub const COMPARE_SCHEMA_VERSION: u32 = 1;

/// Two runs compared: base first, then new.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// [`COMPARE_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The run compared against.
    pub base: RunLabel,
    /// The run compared.
    pub new: RunLabel,
    /// Differences of plan that make the comparison less meaningful, in words.
    pub warnings: Vec<String>,
    /// The run as a whole, then each scenario both runs have, each followed
    /// by the steps both have.
    pub groups: Vec<Group>,
    /// Scenarios and steps only one run has.
    pub unmatched: Vec<Unmatched>,
    /// The `--fail-if` gates, evaluated.
    pub gates: Vec<GateResult>,
}

impl Comparison {
    /// Whether every gate passed.
    pub fn gates_passed(&self) -> bool {
        self.gates.iter().all(|g| g.passed)
    }
}

/// Which run a results document is.
#[derive(Clone, Debug, Serialize)]
pub struct RunLabel {
    /// The file's name, as given.
    pub label: String,
    /// Wall-clock start, ms since the Unix epoch.
    pub started_at_unix_ms: u64,
    /// Start to end.
    pub duration_us: u64,
    /// Arrivals scheduled.
    pub scheduled: u64,
    /// `shard I of N` or `merged from N shards`, when it is either.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub shards: String,
}

/// The comparison of the run, a scenario or a step.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    /// The scenario; absent for the run as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The step of the scenario, for a step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Outcome counts.
    pub counts: Vec<CountChange>,
    /// `rps`, `error_rate`, `drop_rate` (steps: `rps`, `error_rate`).
    pub rates: Vec<RateChange>,
    /// `latency`, `service_time`, `schedule_lag` (steps: `latency`, their duration).
    pub distributions: Vec<Distribution>,
}

impl Group {
    /// `all scenarios`, `scenario checkout`, `step checkout / pay`.
    pub fn title(&self) -> String {
        match (&self.scenario, &self.step) {
            (None, _) => "all scenarios".to_owned(),
            (Some(s), None) => format!("scenario {s}"),
            (Some(s), Some(step)) => format!("step {s} / {step}"),
        }
    }
}

/// A count in both runs.
#[derive(Clone, Debug, Serialize)]
pub struct CountChange {
    /// `scheduled`, `ok`, `failed`, `dropped`, `interrupted`.
    pub name: &'static str,
    /// In the base run.
    pub base: u64,
    /// In the new run.
    pub new: u64,
}

/// A rate in both runs, and whether its change is significant.
#[derive(Clone, Debug, Serialize)]
pub struct RateChange {
    /// `rps` (per second), `error_rate`, `drop_rate` (fractions).
    pub name: &'static str,
    /// In the base run.
    pub base: f64,
    /// In the new run.
    pub new: f64,
    /// `new − base`.
    pub delta: f64,
    /// `(new − base) / base`; absent when `base` is 0.
    pub relative: Option<f64>,
    /// The two-proportion z statistic (absent for `rps`).
    pub z: Option<f64>,
    /// What the per-interval series say.
    pub guard: Guard,
    /// Whether the change is significant (see the module docs).
    pub significant: bool,
}

/// A duration distribution in both runs.
#[derive(Clone, Debug, Serialize)]
pub struct Distribution {
    /// `latency`, `service_time`, `schedule_lag`.
    pub metric: &'static str,
    /// Values in the base run's histogram.
    pub base_count: u64,
    /// Values in the new run's histogram.
    pub new_count: u64,
    /// min, p50, p90, p95, p99, p99.9, max, and any other percentile a gate asks for.
    pub quantiles: Vec<QuantileChange>,
    /// The whole-distribution comparison.
    pub ks: Ks,
}

/// A statistic of a distribution in both runs, in microseconds.
#[derive(Clone, Debug, Serialize)]
pub struct QuantileChange {
    /// `min`, `p50`, `p99.9`, `max`, ...
    pub name: String,
    /// The quantile, 0 to 1 (absent for min and max).
    pub q: Option<f64>,
    /// In the base run, from its histogram.
    pub base_us: u64,
    /// In the new run, from its histogram.
    pub new_us: u64,
    /// `new − base`.
    pub delta_us: i64,
    /// `(new − base) / base`; absent when `base` is 0.
    pub relative: Option<f64>,
    /// The base run's 95 % confidence interval (absent for min and max).
    pub base_ci_us: Option<[u64; 2]>,
    /// The new run's 95 % confidence interval.
    pub new_ci_us: Option<[u64; 2]>,
    /// What the per-interval series say.
    pub guard: Guard,
    /// Whether the change is significant (see the module docs).
    pub significant: bool,
}

/// The two-sample Kolmogorov–Smirnov comparison of two histograms.
#[derive(Clone, Debug, Serialize)]
pub struct Ks {
    /// `max |F_base(x) − F_new(x)|` over the buckets' boundaries.
    pub d: f64,
    /// The same, forgiving a relative shift of up to 10 %.
    pub d_tolerant: f64,
    /// `1.358·√((n+m)/(n·m))`, the critical value at α = 0.05.
    pub critical: f64,
    /// Whether an interval series (latency p50, p90 or p99) moved the way
    /// the distance points, past the noise threshold (see the module docs).
    pub moved: bool,
    /// Whether the distributions differ: `d_tolerant` past the critical
    /// value and 1 %, and `moved`.
    pub significant: bool,
}

/// A scenario or step only one run has.
#[derive(Clone, Debug, Serialize)]
pub struct Unmatched {
    /// The scenario.
    pub scenario: String,
    /// The step, for a step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The run that has it.
    pub only_in: Side,
}

/// One of the two runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The base run.
    Base,
    /// The new run.
    New,
}

/// A `--fail-if` gate, evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct GateResult {
    /// The expression as written.
    pub expression: String,
    /// Whether the change stayed within the gate.
    pub passed: bool,
    /// What was measured, for people: the change in every group the gate applies to.
    pub measured: String,
}

/// Why two runs could not be compared. Its text names the file or gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareError {
    message: String,
}

impl CompareError {
    pub(super) fn new(message: String) -> CompareError {
        CompareError { message }
    }
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompareError {}
