//! The executor: runs scenarios under their loads and measures them.
//!
//! ```no_run
//! use std::time::Duration;
//! use lot_core::executor::Executor;
//!
//! # async fn demo() {
//! let mut executor = Executor::new();
//! executor.add_stage(0, 100, Duration::from_secs(10)); // ramp 0 -> 100/s
//! executor.add_stage(100, 100, Duration::from_secs(10)); // hold
//! let report = executor.run(|| async { Ok(()) }).await;
//! assert_eq!(report.expect_summary().totals.scheduled, 1500);
//! # }
//! ```
//!
//! # How a run goes
//!
//! 1. Configuration is checked, environment variables read and outputs opened;
//!    any problem is an [`Error`] before a single arrival. [`Executor::run`]
//!    runs one scenario at the executor's own stages (an arrival-rate load);
//!    [`Executor::load`] adds [`Load`]s (arrival rates or users, weighted mixes,
//!    start offsets) that [`Executor::run_loads`] runs together.
//! 2. The scheduler walks the [`Schedule`] in order (each of its lanes, see
//!    step 3, walks all of it and launches its share).
//!    It sleeps until the next arrival is due and then launches, as one batch,
//!    every arrival whose instant has passed. Its timer (a `timerfd` on Linux,
//!    else tokio's 1 ms timer) decides when a batch is launched, never how
//!    many arrivals start or which instant each is measured from: each
//!    iteration keeps its exact intended instant.
//! 3. Each arrival becomes one iteration, unless [`max_in_flight`](Executor::max_in_flight)
//!    iterations of its load are already running: then it is *dropped* and
//!    counted, never queued. The scheduler runs in lanes, one task per worker
//!    thread; a lane launches every n-th arrival and polls the iterations it
//!    launched itself, so an iteration is a future, not a task of its own.
//!    (Users run their iterations in their own task, one at a time; see
//!    [`crate::load`].)
//! 4. An iteration ends ok, or failed (an error, a panic, or the
//!    [`timeout`](Executor::timeout)), and is recorded into its thread's shard.
//! 5. After the last arrival, running iterations get the
//!    [`graceful_stop`](Executor::graceful_stop) period to finish; those still
//!    running then are cancelled and counted as *interrupted*.
//! 6. On Ctrl-C or SIGTERM, scheduling stops at once and step 5 follows; a
//!    second signal skips the rest of the graceful period. The summary is
//!    printed and every output written either way.
//!
//! 7. Thresholds are evaluated on the results; the [`Report`] exits with 99
//!    if one failed. One marked `abort` is also checked after every interval
//!    and stops the run (as a signal would) when it fails.
//!
//! # Environment and command line
//!
//! The `LOT_*` environment variables (`LOT_OUT`, `LOT_QUIET`, `LOT_STAGES`,
//! `LOT_THRESHOLDS`, `LOT_MAX_IN_FLIGHT`, `LOT_TIMEOUT`) are read when any
//! run starts and override the code; a binary that opts in with
//! [`Executor::from_args`] also takes the matching flags, which override
//! both. See [`crate::settings`].

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lot_report::{
    Fanout, Interval, Limits, LoadModel, LoadPlan, OutputSpec, Plan, Progress, Reporter, Segment,
    StagePlan, Start, StopReason, Summary, TerminalReporter, Threshold, WeightedScenario,
};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use crate::closed::UsersLoad;
use crate::collector::{Collector, Counters, RunInfo, Target};
use crate::context::{Shared, install_panic_hook};
use crate::error::Error;
use crate::load::{Load, Model, Think};
use crate::open::RateLoad;
use crate::recorder::Recorder;
use crate::report::Report;
use crate::scenario::Scenario;
use crate::schedule::{Schedule, Stage};
use crate::settings::{HELP, Overrides};

/// Default bound on iterations in flight, per arrival-rate load.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 10_000;
/// Default per-iteration timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default graceful stop period.
pub const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(30);
/// Default reporting interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// A number usable as an arrival rate in iterations per second (or a number
/// of users): any integer or float type, so `add_stage(0, 100, d)` and
/// `add_stage(0.5, 2.5, d)` both work.
pub trait Rate: Copy {
    /// The rate as `f64`.
    fn per_second(self) -> f64;
}

macro_rules! rate_impls {
    ($($t:ty),*) => {$(
        impl Rate for $t {
            fn per_second(self) -> f64 {
                self as f64
            }
        }
    )*};
}
rate_impls!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

/// Runs scenarios under their loads and measures them.
///
/// See the [module docs](self) for how a run goes.
pub struct Executor {
    stages: Vec<Stage>,
    loads: Vec<Load>,
    max_in_flight: usize,
    timeout: Duration,
    graceful_stop: Duration,
    interval: Duration,
    quiet: Option<bool>,
    terminal: bool,
    outputs: Vec<String>,
    reporters: Vec<Box<dyn Reporter>>,
    handle_signals: bool,
    thresholds: Vec<String>,
    args: Option<Result<Overrides, Error>>,
}

impl Default for Executor {
    fn default() -> Executor {
        Executor::new()
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("stages", &self.stages)
            .field("loads", &self.loads)
            .field("max_in_flight", &self.max_in_flight)
            .field("timeout", &self.timeout)
            .field("graceful_stop", &self.graceful_stop)
            .field("interval", &self.interval)
            .field("outputs", &self.outputs)
            .field("reporters", &self.reporters.len())
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// An executor with no stages, terminal output and the default limits.
    pub fn new() -> Executor {
        Executor {
            stages: Vec::new(),
            loads: Vec::new(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            timeout: DEFAULT_TIMEOUT,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
            interval: DEFAULT_INTERVAL,
            quiet: None,
            terminal: true,
            outputs: Vec::new(),
            reporters: Vec::new(),
            handle_signals: true,
            thresholds: Vec::new(),
            args: None,
        }
    }

    /// An executor that also takes the standard command-line flags of the
    /// process (`--stage`, `--out`, `--threshold`, `--quiet`,
    /// `--max-in-flight`, `--timeout`; see [`crate::settings`]). They override
    /// the environment, which overrides the code. `--help` prints the flags
    /// and exits; an invalid flag is reported by `run` as a configuration
    /// error (exit status 78) before any load is sent.
    pub fn from_args() -> Executor {
        let mut executor = Executor::new();
        executor.args(std::env::args().skip(1));
        executor
    }

    /// Takes command-line flags from `args` (without the program name), as
    /// [`from_args`](Executor::from_args) does from the process's.
    pub fn args<I, S>(&mut self, args: I) -> &mut Executor
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        match Overrides::from_args(args) {
            Ok(Some(overrides)) => self.args = Some(Ok(overrides)),
            Ok(None) => {
                print!("{HELP}");
                std::process::exit(0);
            }
            Err(e) => self.args = Some(Err(e)),
        }
        self
    }

    /// Adds an open-model stage to the plan [`run`](Executor::run) uses: the
    /// arrival rate (iterations started per second) moves linearly from
    /// `from` to `to` over `duration`.
    ///
    /// Rates may be any number type; negative, NaN or infinite rates are
    /// reported by [`run`](Executor::run) before any load is sent. A
    /// zero-length stage is allowed and starts nothing.
    pub fn add_stage(
        &mut self,
        from: impl Rate,
        to: impl Rate,
        duration: Duration,
    ) -> &mut Executor {
        self.stages
            .push(Stage::new(from.per_second(), to.per_second(), duration));
        self
    }

    /// Adds a [`Load`] to run alongside the others: an arrival rate or a
    /// population of users, over one scenario or a weighted mix.
    pub fn load(&mut self, load: Load) -> &mut Executor {
        self.loads.push(load);
        self
    }

    /// Bounds the iterations running at once in each arrival-rate load that
    /// sets no bound of its own (default [`DEFAULT_MAX_IN_FLIGHT`]). An
    /// arrival that finds the bound reached is dropped and counted.
    pub fn max_in_flight(&mut self, max: usize) -> &mut Executor {
        self.max_in_flight = max;
        self
    }

    /// Fails an iteration that runs longer than `timeout` with kind `timeout`
    /// (default [`DEFAULT_TIMEOUT`]). `Duration::MAX` means no timeout.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Executor {
        self.timeout = timeout;
        self
    }

    /// How long running iterations may go on after a load's last arrival
    /// (or its users are told to stop) before they are cancelled and counted
    /// as interrupted (default [`DEFAULT_GRACEFUL_STOP`]).
    pub fn graceful_stop(&mut self, period: Duration) -> &mut Executor {
        self.graceful_stop = period;
        self
    }

    /// Length of a reporting interval (default [`DEFAULT_INTERVAL`], at least 1 ms).
    pub fn interval(&mut self, interval: Duration) -> &mut Executor {
        self.interval = interval;
        self
    }

    /// Turns live progress off (`true`) or on; `LOT_QUIET` overrides it.
    pub fn quiet(&mut self, quiet: bool) -> &mut Executor {
        self.quiet = Some(quiet);
        self
    }

    /// Turns the terminal reporter (progress and summary on stderr) off or on.
    pub fn terminal(&mut self, enabled: bool) -> &mut Executor {
        self.terminal = enabled;
        self
    }

    /// Adds an output in `LOT_OUT` syntax, such as `json=results.json`.
    /// Checked when the run starts; `LOT_OUT`, when set, replaces these.
    pub fn output(&mut self, spec: impl Into<String>) -> &mut Executor {
        self.outputs.push(spec.into());
        self
    }

    /// Adds a reporter that receives the start, every interval and the summary.
    pub fn reporter(&mut self, reporter: impl Reporter + 'static) -> &mut Executor {
        self.reporters.push(Box::new(reporter));
        self
    }

    /// Adds a threshold, such as `latency p99 < 250ms` or `error_rate < 1%`
    /// (grammar: [`lot_report::threshold`]). Checked when the run starts;
    /// evaluated at the end, printed with the measured value in the summary
    /// and every output, and a failed one makes the [`Report`] exit with 99.
    /// An expression ending in `abort` (or `abort after 10s`) also stops the
    /// run as soon as it fails.
    pub fn threshold(&mut self, expression: impl Into<String>) -> &mut Executor {
        self.thresholds.push(expression.into());
        self
    }

    /// Whether Ctrl-C and SIGTERM stop the run gracefully (default `true`).
    /// Once installed, the handlers stay for the life of the process.
    pub fn handle_signals(&mut self, enabled: bool) -> &mut Executor {
        self.handle_signals = enabled;
        self
    }

    /// Runs `scenario` through the executor's stages (alongside any loads
    /// added with [`load`](Executor::load)) and returns the [`Report`].
    ///
    /// An invalid configuration is printed on stderr and returned in the
    /// report (exit status 78) before any load is sent.
    pub async fn run<S>(self, scenario: S) -> Report
    where
        S: Scenario + Send + Sync + 'static,
    {
        self.with_scenario(scenario).run_loads().await
    }

    /// Like [`run`](Executor::run), but returns a configuration error as `Err`
    /// instead of printing it.
    pub async fn try_run<S>(self, scenario: S) -> Result<Report, Error>
    where
        S: Scenario + Send + Sync + 'static,
    {
        self.with_scenario(scenario).try_run_loads().await
    }

    /// Turns the executor's own stages and `scenario` into the first load.
    fn with_scenario<S>(mut self, scenario: S) -> Executor
    where
        S: Scenario + Send + Sync + 'static,
    {
        let mut load = Load::arrival_rate().scenario(scenario);
        load.stages = std::mem::take(&mut self.stages);
        self.loads.insert(0, load);
        self
    }

    /// Runs every load added with [`load`](Executor::load), at the same time,
    /// into one [`Report`]. Configuration errors are handled as by
    /// [`run`](Executor::run).
    pub async fn run_loads(self) -> Report {
        match self.try_run_loads().await {
            Ok(report) => report,
            Err(e) => {
                eprintln!("lot: {e}");
                Report::invalid(e)
            }
        }
    }

    /// Like [`run_loads`](Executor::run_loads), but returns a configuration
    /// error as `Err`.
    pub async fn try_run_loads(mut self) -> Result<Report, Error> {
        let env = Overrides::from_env(|var| std::env::var(var).ok())?;
        let cli = self.args.take().transpose()?.unwrap_or_default();
        let prepared = self.prepare(env.then(cli))?;
        Ok(prepared.execute().await)
    }

    fn prepare(mut self, overrides: Overrides) -> Result<Prepared, Error> {
        if let Some(stages) = overrides.stages {
            let loads = self.loads.len();
            match self.loads.first_mut() {
                Some(load) if loads == 1 => load.stages = stages,
                _ => {
                    return Err(Error::message(format!(
                        "--stage (or LOT_STAGES) replaces the stages of a run's only load, but this run has {loads} loads; change their stages in the code"
                    )));
                }
            }
        }
        let segment = overrides.segment;
        let start_at_ms = overrides.start_at_ms;
        if segment.is_some_and(|s| s.count > 1) && start_at_ms.is_none() {
            return Err(Error::message(
                "LOT_SEGMENT (or --segment) needs LOT_START_AT (or --start-at): every shard of a run starts at the same instant, so that together they are one test",
            ));
        }
        if let Some(at) = start_at_ms {
            let now = unix_ms_now();
            let late_ms = now.saturating_sub(at);
            if late_ms > MAX_START_DELAY.as_millis() as u64 {
                return Err(Error::message(format!(
                    "LOT_START_AT (or --start-at) is {:.1}s in the past; a shard may start at most {}s after it (set a start time a little in the future for every shard)",
                    late_ms as f64 / 1000.0,
                    MAX_START_DELAY.as_secs()
                )));
            }
            if at.saturating_sub(now) > MAX_START_WAIT.as_millis() as u64 {
                return Err(Error::message(format!(
                    "LOT_START_AT (or --start-at) is {:.0}s in the future; expected a start within {} hours (Unix seconds, not milliseconds)",
                    at.saturating_sub(now) as f64 / 1000.0,
                    MAX_START_WAIT.as_secs() / 3600
                )));
            }
        }
        let overrides_max = overrides.max_in_flight;
        if let Some(max) = overrides.max_in_flight {
            self.max_in_flight = max;
            for load in self
                .loads
                .iter_mut()
                .filter(|l| l.model == Model::ArrivalRate)
            {
                load.max_in_flight = Some(max);
            }
        }
        if let Some(timeout) = overrides.timeout {
            self.timeout = timeout;
        }
        let thresholds_from = overrides.thresholds_from;
        if let Some(thresholds) = overrides.thresholds {
            self.thresholds = thresholds;
        }
        if !self.stages.is_empty() {
            return Err(Error::setting(
                "stages",
                self.stages.len(),
                "no executor stages without a scenario: use run(scenario) for them, or give each Load its own stages",
            ));
        }
        if self.loads.is_empty() {
            return Err(Error::plan(crate::schedule::PlanError::NoStages));
        }
        if self.max_in_flight == 0 {
            return Err(Error::setting("max_in_flight", 0, "at least 1"));
        }
        if self.timeout.is_zero() {
            return Err(Error::setting("timeout", self.timeout, "a duration > 0"));
        }
        if self.interval < Duration::from_millis(1) {
            return Err(Error::setting("interval", self.interval, "at least 1ms"));
        }
        let thresholds = self
            .thresholds
            .iter()
            .map(|t| Threshold::parse(t).map_err(Error::threshold(thresholds_from)))
            .collect::<Result<Vec<_>, _>>()?;

        let mut names: Vec<String> = Vec::new();
        let mut targets = Vec::new();
        let mut runs = Vec::new();
        let mut plans = Vec::new();
        let load_count = self.loads.len();
        for (l, load) in self.loads.into_iter().enumerate() {
            let schedule =
                Schedule::new(&load.stages).map_err(|e| Error::load(l, load_count, e))?;
            let scenario_count = load.open.len() + load.closed.len();
            if scenario_count == 0 {
                return Err(Error::setting(
                    "load",
                    l,
                    "at least one scenario in every load: add one with .scenario(...)",
                ));
            }
            if load.model == Model::Users {
                if let Some((i, st)) = load
                    .stages
                    .iter()
                    .enumerate()
                    .find(|(_, st)| st.from.fract() != 0.0 || st.to.fract() != 0.0)
                {
                    return Err(Error::message(format!(
                        "load {l} (users): stage {i} goes from {} to {} users; expected whole numbers of users",
                        st.from, st.to
                    )));
                }
            }
            let misplaced = match load.model {
                Model::ArrivalRate if !load.closed.is_empty() => Some("a user scenario"),
                Model::ArrivalRate if load.think != Think::None => Some("think_time"),
                Model::ArrivalRate if load.pacing.is_some() => Some("pacing"),
                Model::ArrivalRate if load.graceful_ramp_down.is_some() => {
                    Some("graceful_ramp_down")
                }
                Model::Users if load.max_in_flight.is_some() && overrides_max.is_none() => {
                    Some("max_in_flight")
                }
                _ => None,
            };
            if let Some(what) = misplaced {
                let (kind, other) = match load.model {
                    Model::ArrivalRate => ("an arrival-rate", "Load::users()"),
                    Model::Users => ("a users", "Load::arrival_rate()"),
                };
                return Err(Error::message(format!(
                    "load {l} is {kind} load, where {what} does not apply; it belongs to a {other} load"
                )));
            }
            let weights: Vec<u64> = match load.model {
                Model::ArrivalRate => load.open.iter().map(|(w, _)| *w).collect(),
                Model::Users => load.closed.iter().map(|(w, _)| *w).collect(),
            };
            if let Some(&w) = weights.iter().find(|&&w| w == 0) {
                return Err(Error::setting("weight", w, "a weight of at least 1"));
            }
            let member_names: Vec<String> = match load.model {
                Model::ArrivalRate => load.open.iter().map(|(_, m)| m.name().to_owned()).collect(),
                Model::Users => load
                    .closed
                    .iter()
                    .map(|(_, m)| m.name().to_owned())
                    .collect(),
            };
            let first = names.len();
            for name in &member_names {
                if names.contains(name) {
                    return Err(Error::setting(
                        "scenario name",
                        name,
                        "distinct scenario names: give each its own with lot::scenario::named",
                    ));
                }
                names.push(name.clone());
            }
            let total: u64 = weights.iter().sum();
            let max_in_flight = load.max_in_flight.unwrap_or(self.max_in_flight);
            if max_in_flight == 0 {
                return Err(Error::setting("max_in_flight", 0, "at least 1"));
            }
            let schedule = Arc::new(schedule);
            let is_rate = load.model == Model::ArrivalRate;
            let shards = segment.map_or(1.0, |s| s.count as f64);
            for &w in &weights {
                targets.push(if is_rate {
                    Target::Rate {
                        schedule: schedule.clone(),
                        start_after: load.start_after,
                        share: w as f64 / total as f64 / shards,
                    }
                } else {
                    Target::None
                });
            }
            plans.push(LoadPlan {
                model: if is_rate {
                    LoadModel::ArrivalRate
                } else {
                    LoadModel::Users
                },
                start_us: micros(load.start_after),
                stages: load
                    .stages
                    .iter()
                    .map(|s| StagePlan {
                        from: s.from,
                        to: s.to,
                        duration_us: micros(s.duration),
                    })
                    .collect(),
                scenarios: member_names
                    .iter()
                    .zip(&weights)
                    .map(|(name, &weight)| WeightedScenario {
                        name: name.clone(),
                        weight,
                    })
                    .collect(),
                iterations: is_rate.then(|| schedule.len()),
                max_in_flight: is_rate.then_some(max_in_flight as u64),
                think_us: match (is_rate, load.think) {
                    (true, _) | (false, Think::None) => None,
                    (false, Think::Fixed(d)) => Some([micros(d), micros(d)]),
                    (false, Think::Uniform(a, b)) => Some([micros(a.min(b)), micros(a.max(b))]),
                },
                pacing_us: if is_rate {
                    None
                } else {
                    load.pacing.map(micros)
                },
            });
            runs.push(LoadRun {
                model: load.model,
                first,
                open: load.open.into_iter().map(|(_, m)| m).collect(),
                closed: load.closed.into_iter().map(|(_, m)| m).collect(),
                weights,
                schedule,
                start_after: load.start_after,
                max_in_flight: max_in_flight as u64,
                think: load.think,
                pacing: load.pacing,
                graceful_ramp_down: load.graceful_ramp_down.unwrap_or(self.graceful_stop),
            });
        }

        // A scope that can only name a scenario is checked now; one that may
        // name a step or a check is only known once the run has made them.
        for t in &thresholds {
            let Some(scope) = t.scope() else { continue };
            if names.iter().any(|n| n == scope) {
                continue;
            }
            if t.scope_is_scenario_only() {
                return Err(Error::message(format!(
                    "invalid threshold `{}`: no scenario named `{scope}`; the scenarios are: {}",
                    t.expression(),
                    names.join(", ")
                )));
            }
            eprintln!(
                "lot: threshold `{}`: no scenario is named `{scope}`, so it must name a step or a check",
                t.expression()
            );
        }

        let specs = match overrides.outputs {
            Some(specs) => specs,
            None => {
                let mut specs = Vec::new();
                for s in &self.outputs {
                    specs.extend(OutputSpec::parse_list(s).map_err(Error::output)?);
                }
                specs
            }
        };
        let mut reporters = Fanout::new();
        if self.terminal {
            let quiet = overrides.quiet.or(self.quiet).unwrap_or(false);
            let progress = if quiet {
                Progress::Off
            } else {
                Progress::detect()
            };
            reporters.push(TerminalReporter::new(progress));
        }
        for spec in &specs {
            reporters.push_output(spec.open().map_err(Error::output)?);
        }
        for r in self.reporters {
            reporters.push_boxed(r);
        }
        let plan = Plan {
            iterations: plans.iter().filter_map(|p| p.iterations).sum(),
            duration_us: runs
                .iter()
                .map(|r| micros(r.start_after).saturating_add(micros(r.schedule.duration())))
                .max()
                .unwrap_or(0),
            loads: plans,
        };
        let limits = Limits {
            timeout_us: micros(self.timeout),
            graceful_stop_us: micros(self.graceful_stop),
            interval_us: micros(self.interval),
        };
        Ok(Prepared {
            segment,
            start_at_ms,
            thresholds,
            names,
            targets,
            runs,
            plan,
            limits,
            timeout: self.timeout,
            graceful_stop: self.graceful_stop,
            interval: self.interval,
            reporters,
            handle_signals: self.handle_signals,
        })
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// How far a stop request has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StopLevel {
    Running,
    /// Stop scheduling; let running iterations finish within the graceful period.
    Graceful,
    /// Cancel running iterations now.
    Immediate,
}

/// A stop request and why it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stop {
    pub(crate) level: StopLevel,
    pub(crate) reason: StopReason,
}

impl Stop {
    const RUNNING: Stop = Stop {
        level: StopLevel::Running,
        reason: StopReason::Completed,
    };
}

enum Event {
    Start(Box<Start>),
    Interval(Box<Interval>),
    Summary(Box<Summary>),
}

/// One load, validated, ready to run.
struct LoadRun {
    model: Model,
    /// Index of its first scenario in the run's scenario list.
    first: usize,
    open: Vec<Arc<dyn crate::load::OpenMember>>,
    closed: Vec<Arc<dyn crate::load::ClosedMember>>,
    weights: Vec<u64>,
    schedule: Arc<Schedule>,
    start_after: Duration,
    max_in_flight: u64,
    think: Think,
    pacing: Option<Duration>,
    graceful_ramp_down: Duration,
}

struct Prepared {
    segment: Option<Segment>,
    start_at_ms: Option<u64>,
    thresholds: Vec<Threshold>,
    names: Vec<String>,
    targets: Vec<Target>,
    runs: Vec<LoadRun>,
    plan: Plan,
    limits: Limits,
    timeout: Duration,
    graceful_stop: Duration,
    interval: Duration,
    reporters: Fanout,
    handle_signals: bool,
}

impl Prepared {
    async fn execute(self) -> Report {
        install_panic_hook();
        let n = self.names.len();
        let shared = Arc::new(Shared {
            recorder: Recorder::new(n),
            counters: (0..n).map(|_| Counters::default()).collect(),
            names: self.names.iter().map(|s| Arc::from(s.as_str())).collect(),
            timeout: self.timeout,
        });
        // Everything spawned below is cancelled if this future is dropped
        // (a caller's timeout around `run`), so nothing outlives the run.
        let mut tasks = TaskGuard::default();

        let (events, events_rx) = mpsc::unbounded_channel();
        let reporter_task = tokio::spawn(drive_reporters(self.reporters, events_rx));
        tasks.0.push(reporter_task.abort_handle());
        let (stop_tx, stop_rx) = watch::channel(Stop::RUNNING);
        if self.handle_signals {
            tasks
                .0
                .push(listen_for_signals(stop_tx.clone()).abort_handle());
        }

        // Every shard of a distributed run starts at the same wall-clock
        // instant, so that their arrival instants interleave exactly.
        let mut waiting = stop_rx.clone();
        let (start, started_at_unix_ms) = match self.start_at_ms {
            Some(at) => {
                let now = unix_ms_now();
                if at > now {
                    eprintln!(
                        "lot: waiting {:.1}s for the start time",
                        (at - now) as f64 / 1000.0
                    );
                }
                // Sleep in short steps, re-reading the wall clock (which may be
                // stepped meanwhile), until the start instant.
                loop {
                    let now = unix_ms_now();
                    if now >= at || waiting.borrow().level != StopLevel::Running {
                        break;
                    }
                    let step = Duration::from_millis((at - now).min(500));
                    tokio::select! {
                        _ = tokio::time::sleep(step) => {}
                        _ = waiting.changed() => {}
                    }
                }
                // Anchor to the start instant itself, not to when this process
                // woke up, so every shard's arrivals share one time origin.
                let late = SystemTime::now()
                    .duration_since(UNIX_EPOCH + Duration::from_millis(at))
                    .unwrap_or_default();
                let now = Instant::now();
                (now.checked_sub(late).unwrap_or(now), at)
            }
            None => (Instant::now(), unix_ms_now()),
        };
        let _ = events.send(Event::Start(Box::new(Start {
            started_at_unix_ms,
            plan: self.plan.clone(),
            limits: self.limits.clone(),
            scenarios: self.names.clone(),
            segment: self.segment,
        })));

        let info = Arc::new(RunInfo {
            names: self.names,
            targets: self.targets,
            plan: self.plan,
            limits: self.limits,
            started_at_unix_ms,
            start,
        });
        let collector = Collector::new(info, shared.clone());
        let (collector_stop, collector_stop_rx) = watch::channel(false);
        let aborts: Vec<Threshold> = self
            .thresholds
            .iter()
            .filter(|t| t.abort_after().is_some())
            .cloned()
            .collect();
        let collector_task = tokio::spawn(collect_every(
            collector,
            start,
            self.interval,
            events.clone(),
            collector_stop_rx,
            Aborts {
                thresholds: aborts,
                stop: stop_tx.clone(),
                tripped: None,
            },
        ));
        tasks.0.push(collector_task.abort_handle());

        // Each load's scheduler runs in tasks of the runtime (an arrival-rate
        // load's lanes, a users load's controller), so that what they spawn
        // goes to a worker's own queue rather than through the runtime's
        // shared injection queue.
        let mut drivers = Vec::with_capacity(self.runs.len());
        for run in self.runs {
            let stop = stop_rx.clone();
            let driver = match run.model {
                Model::ArrivalRate => {
                    let load = Arc::new(RateLoad {
                        shared: shared.clone(),
                        members: numbered(run.first, run.open),
                        weights: run.weights,
                        schedule: (*run.schedule).clone(),
                        start_after: run.start_after,
                        max_in_flight: run.max_in_flight,
                        graceful_stop: self.graceful_stop,
                        segment: self.segment,
                        running: AtomicU64::new(0),
                    });
                    let lanes = RateLoad::lanes();
                    // Lanes 1.. are tasks of their own; lane 0 is this
                    // driver, which joins them.
                    let others: Vec<_> = (1..lanes)
                        .map(|lane| {
                            tokio::spawn(load.clone().drive(lane, lanes, start, stop.clone()))
                        })
                        .collect();
                    // Aborted with the run's other tasks if the run is
                    // dropped, even before the driver first runs.
                    tasks.0.extend(others.iter().map(|t| t.abort_handle()));
                    tokio::spawn(async move {
                        let mut end = load.drive(0, lanes, start, stop).await;
                        for lane in others {
                            end = end.max(match lane.await {
                                Ok(end) => end,
                                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                                // Cancelled: the run is being dropped, and
                                // this driver with it.
                                Err(_) => Instant::now(),
                            });
                        }
                        end
                    })
                }
                Model::Users => {
                    let load = UsersLoad {
                        shared: shared.clone(),
                        members: numbered(run.first, run.closed),
                        weights: run.weights,
                        schedule: (*run.schedule).clone(),
                        start_after: run.start_after,
                        think: run.think,
                        pacing: run.pacing,
                        graceful_ramp_down: run.graceful_ramp_down,
                        graceful_stop: self.graceful_stop,
                        segment: self.segment,
                    };
                    tokio::spawn(load.drive(start, stop))
                }
            };
            tasks.0.push(driver.abort_handle());
            drivers.push(driver);
        }
        let mut scheduling_end = start;
        for driver in drivers {
            scheduling_end = scheduling_end.max(join(driver).await);
        }
        let stop_reason = stop_rx.borrow().reason;

        let _ = collector_stop.send(true);
        let (collector, tripped) = join(collector_task).await;
        let mut summary = collector.finish(Instant::now(), scheduling_end - start, stop_reason);
        summary.segment = self.segment;
        summary.thresholds = self
            .thresholds
            .iter()
            .map(|t| {
                let mut result = t.evaluate(&summary);
                // The threshold that stopped the run failed, whatever the
                // iterations still running when it did brought it back to.
                if let Some((expression, measured, at)) = &tripped {
                    if *expression == result.expression {
                        result.passed = false;
                        result.measured = format!(
                            "{measured} at {:.1}s, when it stopped the run ({} at the end)",
                            at.as_secs_f64(),
                            result.measured
                        );
                    }
                }
                result
            })
            .collect();
        let _ = events.send(Event::Summary(Box::new(summary.clone())));
        drop(events);
        // A reporter that hangs must not hold the run (and the process) forever.
        let failed = match tokio::time::timeout(REPORTERS_FINISH, reporter_task).await {
            Ok(Ok(failed)) => failed,
            Ok(Err(e)) => {
                eprintln!("lot: the reporters' task failed: {e}");
                vec!["reporters".to_owned()]
            }
            Err(_) => {
                eprintln!(
                    "lot: the reporters did not finish within {}s of the end of the run; giving up on them",
                    REPORTERS_FINISH.as_secs()
                );
                vec!["reporters (timed out)".to_owned()]
            }
        };
        drop(tasks);
        drop(stop_tx);
        Report::completed(summary, failed)
    }
}

/// How long the reporters may take to handle the summary.
const REPORTERS_FINISH: Duration = Duration::from_secs(60);

/// A load's members, each with its scenario's index in the run (the load's
/// first is `first`).
fn numbered<M>(first: usize, members: Vec<M>) -> Vec<(usize, M)> {
    members
        .into_iter()
        .enumerate()
        .map(|(i, m)| (first + i, m))
        .collect()
}

/// Awaits a task of the run; a panic in it (a bug in lot) is re-raised here.
async fn join<T>(task: tokio::task::JoinHandle<T>) -> T {
    match task.await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a task of the run was cancelled while the run was still going on: {e}"),
    }
}

/// Aborts the run's tasks when dropped.
#[derive(Default)]
struct TaskGuard(Vec<AbortHandle>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        // Newest first: a load's driver goes before the lanes it waits for,
        // so no driver sees its lane cancelled while it still runs.
        for task in self.0.iter().rev() {
            task.abort();
        }
    }
}

/// How late after `LOT_START_AT` a shard may still start (anchored to that
/// instant, launching the arrivals it missed at once, with their lag).
const MAX_START_DELAY: Duration = Duration::from_secs(5);

/// How far ahead `LOT_START_AT` may be: a day.
const MAX_START_WAIT: Duration = Duration::from_secs(24 * 3600);

fn unix_ms_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `from + d`, or a point a century away when that does not fit: a
/// `Duration::MAX` setting means "never".
pub(crate) fn deadline(from: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    from.checked_add(d)
        .or_else(|| from.checked_add(CENTURY))
        .unwrap_or(from)
}

/// The abort-on-fail thresholds, checked after every interval.
struct Aborts {
    thresholds: Vec<Threshold>,
    stop: watch::Sender<Stop>,
    /// The one that stopped the run, with what it measured then.
    tripped: Option<(String, String, Duration)>,
}

impl Aborts {
    /// Stops the run if an abort-on-fail threshold, due by `elapsed`, fails
    /// on what has been measured so far. One that cannot be measured yet
    /// (nothing recorded) does not stop the run.
    fn check(&mut self, collector: &Collector, elapsed: Duration) {
        let due: Vec<&Threshold> = self
            .thresholds
            .iter()
            .filter(|t| t.abort_after().is_some_and(|delay| elapsed >= delay))
            .collect();
        if due.is_empty() || self.stop.borrow().level != StopLevel::Running {
            return;
        }
        let snapshot = collector.snapshot(elapsed);
        for threshold in due {
            let result = threshold.evaluate(&snapshot);
            if !result.passed && result.value.is_some() {
                let stopped = self.stop.send_if_modified(|stop| {
                    if stop.level != StopLevel::Running {
                        return false;
                    }
                    *stop = Stop {
                        level: StopLevel::Graceful,
                        reason: StopReason::Threshold,
                    };
                    true
                });
                if stopped {
                    eprintln!(
                        "\nlot: threshold `{}` failed (measured {}): stopping the run",
                        result.expression, result.measured
                    );
                    self.tripped = Some((result.expression, result.measured, elapsed));
                }
                return;
            }
        }
    }
}

async fn collect_every(
    mut collector: Collector,
    start: Instant,
    every: Duration,
    events: mpsc::UnboundedSender<Event>,
    mut stop: watch::Receiver<bool>,
    mut aborts: Aborts,
) -> (Collector, Option<(String, String, Duration)>) {
    let mut next = deadline(start, every);
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => return (collector, aborts.tripped),
            _ = tokio::time::sleep_until(next.into()) => {}
        }
        let elapsed = next - start;
        let interval = collector.tick(elapsed, false);
        let _ = events.send(Event::Interval(Box::new(interval)));
        aborts.check(&collector, elapsed);
        next = deadline(next, every);
        // After a stall, skip the ticks that are already past instead of bursting.
        let now = Instant::now();
        while deadline(next, every) <= now {
            next = deadline(next, every);
        }
    }
}

async fn drive_reporters(
    mut reporters: Fanout,
    mut events: mpsc::UnboundedReceiver<Event>,
) -> Vec<String> {
    while let Some(event) = events.recv().await {
        // Fanout isolates failing members and never returns an error itself.
        let _ = match event {
            Event::Start(s) => reporters.start(&s).await,
            Event::Interval(i) => reporters.interval(&i).await,
            Event::Summary(s) => reporters.summary(&s).await,
        };
    }
    // Only the outputs' failures change the exit status; other reporters'
    // were reported on stderr.
    reporters.failed_outputs()
}

/// Listens for Ctrl-C and SIGTERM: the first stops scheduling, the second
/// cancels running iterations, a third exits the process at once (status 130,
/// removing the temporary files of outputs not yet written).
/// The handlers are registered before this returns, so no early signal is missed.
fn listen_for_signals(stop: watch::Sender<Stop>) -> tokio::task::JoinHandle<()> {
    #[cfg(unix)]
    let mut signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    tokio::spawn(async move {
        let levels = [
            (
                StopLevel::Graceful,
                "lot: stopping: no new iterations; running ones get the graceful stop period (signal again to cancel them)",
            ),
            (
                StopLevel::Immediate,
                "lot: cancelling running iterations (signal again to exit at once)",
            ),
        ];
        for (level, message) in levels {
            next_signal(&mut signals).await;
            eprintln!("\n{message}");
            let _ = stop.send(Stop {
                level,
                reason: StopReason::Signal,
            });
        }
        next_signal(&mut signals).await;
        eprintln!("\nlot: exiting");
        // Outputs not yet written are left as they were: their temporary
        // files go, complete ones stay.
        lot_report::output::exit_removing_temp_files(130);
    })
}

#[cfg(unix)]
type Signals = (
    Option<tokio::signal::unix::Signal>,
    Option<tokio::signal::unix::Signal>,
);

#[cfg(unix)]
async fn next_signal(signals: &mut Signals) {
    async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    let (interrupt, terminate) = signals;
    tokio::select! {
        _ = recv(interrupt) => {}
        _ = recv(terminate) => {}
    }
}

#[cfg(not(unix))]
type Signals = ();

#[cfg(not(unix))]
async fn next_signal(_: &mut Signals) {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_accept_any_number() {
        let mut e = Executor::new();
        e.add_stage(0, 100, Duration::from_secs(1))
            .add_stage(0.5, 2.5f32, Duration::ZERO)
            .add_stage(7u64, 3usize, Duration::ZERO);
        assert_eq!(e.stages[1], Stage::new(0.5, 2.5, Duration::ZERO));
        assert_eq!(e.stages[2].from, 7.0);
    }

    #[test]
    fn invalid_settings_are_errors() {
        let prepare = |f: fn(&mut Executor)| {
            let mut e = Executor::new();
            e.add_stage(1, 1, Duration::from_secs(1));
            f(&mut e);
            e.with_scenario(|| async { Ok(()) })
                .prepare(Overrides::default())
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(prepare(|_| {}), None);
        assert_eq!(
            prepare(|e| {
                e.max_in_flight(0);
            }),
            Some("invalid max_in_flight 0: expected at least 1".to_owned())
        );
        assert_eq!(
            prepare(|e| {
                e.timeout(Duration::ZERO);
            }),
            Some("invalid timeout 0ns: expected a duration > 0".to_owned())
        );
        assert_eq!(
            prepare(|e| {
                e.add_stage(-3, 1, Duration::from_secs(1));
            }),
            Some("invalid plan: stage 1: `from` rate -3 is invalid; expected a finite number of iterations per second >= 0".to_owned())
        );
        assert_eq!(
            Executor::new()
                .with_scenario(|| async { Ok(()) })
                .prepare(Overrides::default())
                .err()
                .map(|e| e.to_string()),
            Some("invalid plan: the plan has no stages; add at least one with add_stage(from_rps, to_rps, duration)".to_owned())
        );
    }
}
