//! The open-model executor: exact arrival-rate scheduling of a [`Scenario`].
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
//!    any problem is an [`Error`] before a single arrival.
//! 2. The scheduler walks the [`Schedule`] in order.
//!    It sleeps until the next arrival is due and then launches, as one batch,
//!    every arrival whose instant has passed. tokio's timer (1 ms) decides when a
//!    batch is launched, never how many arrivals start or which instant each is
//!    measured from: each iteration keeps its exact intended instant.
//! 3. Each arrival becomes one task, unless [`max_in_flight`](Executor::max_in_flight)
//!    iterations are already running: then it is *dropped* and counted, never queued.
//! 4. An iteration ends ok, or failed (an error, a panic, or the
//!    [`timeout`](Executor::timeout)), and is recorded into its thread's shard.
//! 5. After the last arrival, running iterations get the
//!    [`graceful_stop`](Executor::graceful_stop) period to finish; those still
//!    running then are cancelled and counted as *interrupted*.
//! 6. On Ctrl-C or SIGTERM, scheduling stops at once and step 5 follows; a
//!    second signal skips the rest of the graceful period. The summary is
//!    printed and every output written either way.
//!
//! # Environment
//!
//! Read when the run starts; each overrides what the code configured.
//!
//! | variable | effect |
//! |---|---|
//! | `LOT_OUT` | comma-separated `FORMAT=PATH` outputs (`json`; `-` is stdout); replaces [`Executor::output`] |
//! | `LOT_QUIET` | `1`/`true`: no live progress (the summary still prints); `0`/`false`: progress on |

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lot_report::{
    Fanout, Interval, Limits, OutputSpec, Plan, Progress, Reporter, StagePlan, Start, StopReason,
    Summary, TerminalReporter,
};
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

use crate::collector::{Collector, Counters, RunInfo};
use crate::context::{Iteration, Shared, catch_iteration_panic, install_panic_hook, iterate};
use crate::error::Error;
use crate::recorder::Recorder;
use crate::report::Report;
use crate::scenario::Scenario;
use crate::schedule::{Schedule, Stage};

/// Default bound on iterations in flight.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 10_000;
/// Default per-iteration timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default graceful stop period.
pub const DEFAULT_GRACEFUL_STOP: Duration = Duration::from_secs(30);
/// Default reporting interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// A number usable as an arrival rate in iterations per second: any integer
/// or float type, so `add_stage(0, 100, d)` and `add_stage(0.5, 2.5, d)` both work.
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

/// Runs a scenario at the arrival rates of its stages and measures it.
///
/// See the [module docs](self) for how a run goes.
pub struct Executor {
    stages: Vec<Stage>,
    max_in_flight: usize,
    timeout: Duration,
    graceful_stop: Duration,
    interval: Duration,
    quiet: Option<bool>,
    terminal: bool,
    outputs: Vec<String>,
    reporters: Vec<Box<dyn Reporter>>,
    handle_signals: bool,
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
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            timeout: DEFAULT_TIMEOUT,
            graceful_stop: DEFAULT_GRACEFUL_STOP,
            interval: DEFAULT_INTERVAL,
            quiet: None,
            terminal: true,
            outputs: Vec::new(),
            reporters: Vec::new(),
            handle_signals: true,
        }
    }

    /// Adds an open-model stage: the arrival rate (iterations started per
    /// second) moves linearly from `from` to `to` over `duration`.
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

    /// Bounds the iterations running at once (default [`DEFAULT_MAX_IN_FLIGHT`]).
    /// An arrival that finds the bound reached is dropped and counted.
    pub fn max_in_flight(&mut self, max: usize) -> &mut Executor {
        self.max_in_flight = max;
        self
    }

    /// Fails an iteration that runs longer than `timeout` with kind `timeout`
    /// (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(&mut self, timeout: Duration) -> &mut Executor {
        self.timeout = timeout;
        self
    }

    /// How long running iterations may go on after the last arrival before
    /// they are cancelled and counted as interrupted (default [`DEFAULT_GRACEFUL_STOP`]).
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

    /// Whether Ctrl-C and SIGTERM stop the run gracefully (default `true`).
    /// Once installed, the handlers stay for the life of the process.
    pub fn handle_signals(&mut self, enabled: bool) -> &mut Executor {
        self.handle_signals = enabled;
        self
    }

    /// Runs `scenario` through every stage and returns the [`Report`].
    ///
    /// An invalid configuration is printed on stderr and returned in the
    /// report (exit status 78) before any load is sent.
    pub async fn run<S>(self, scenario: S) -> Report
    where
        S: Scenario + Send + Sync + 'static,
    {
        match self.try_run(scenario).await {
            Ok(report) => report,
            Err(e) => {
                eprintln!("lot: {e}");
                Report::invalid(e)
            }
        }
    }

    /// Like [`run`](Executor::run), but returns a configuration error as `Err`
    /// instead of printing it.
    pub async fn try_run<S>(self, scenario: S) -> Result<Report, Error>
    where
        S: Scenario + Send + Sync + 'static,
    {
        let env = EnvConfig::read(|var| std::env::var(var).ok())?;
        let prepared = self.prepare(env, scenario.name())?;
        Ok(prepared.execute(scenario).await)
    }

    fn prepare(self, env: EnvConfig, name: &str) -> Result<Prepared, Error> {
        let schedule = Schedule::new(&self.stages).map_err(Error::plan)?;
        if self.max_in_flight == 0 {
            return Err(Error::setting("max_in_flight", 0, "at least 1"));
        }
        if self.timeout.is_zero() {
            return Err(Error::setting("timeout", self.timeout, "a duration > 0"));
        }
        if self.interval < Duration::from_millis(1) {
            return Err(Error::setting("interval", self.interval, "at least 1ms"));
        }
        let specs = match env.out {
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
            let quiet = env.quiet.or(self.quiet).unwrap_or(false);
            let progress = if quiet {
                Progress::Off
            } else {
                Progress::detect()
            };
            reporters.push(TerminalReporter::new(progress));
        }
        for spec in &specs {
            reporters.push_boxed(spec.open().map_err(Error::output)?);
        }
        for r in self.reporters {
            reporters.push_boxed(r);
        }
        let plan = Plan {
            stages: self
                .stages
                .iter()
                .map(|s| StagePlan {
                    from_rps: s.from,
                    to_rps: s.to,
                    duration_us: micros(s.duration),
                })
                .collect(),
            iterations: schedule.len(),
            duration_us: micros(schedule.duration()),
        };
        let limits = Limits {
            max_in_flight: self.max_in_flight as u64,
            timeout_us: micros(self.timeout),
            graceful_stop_us: micros(self.graceful_stop),
            interval_us: micros(self.interval),
        };
        Ok(Prepared {
            name: name.to_owned(),
            schedule,
            plan,
            limits,
            max_in_flight: self.max_in_flight as u64,
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

/// Settings read from the environment.
#[derive(Debug, Default)]
struct EnvConfig {
    out: Option<Vec<OutputSpec>>,
    quiet: Option<bool>,
}

impl EnvConfig {
    fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<EnvConfig, Error> {
        let out = lookup("LOT_OUT")
            .map(|v| OutputSpec::parse_list(&v).map_err(Error::output))
            .transpose()?;
        let quiet = match lookup("LOT_QUIET").as_deref().map(str::trim) {
            None | Some("") => None,
            Some("1" | "true" | "yes") => Some(true),
            Some("0" | "false" | "no") => Some(false),
            Some(other) => {
                return Err(Error::env(
                    "LOT_QUIET",
                    other,
                    "1, true, yes, 0, false or no",
                ));
            }
        };
        Ok(EnvConfig { out, quiet })
    }
}

/// How far a stop request has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum StopLevel {
    Running,
    /// Stop scheduling; let running iterations finish within the graceful period.
    Graceful,
    /// Cancel running iterations now.
    Immediate,
}

enum Event {
    Start(Box<Start>),
    Interval(Box<Interval>),
    Summary(Box<Summary>),
}

struct Prepared {
    name: String,
    schedule: Schedule,
    plan: Plan,
    limits: Limits,
    max_in_flight: u64,
    timeout: Duration,
    graceful_stop: Duration,
    interval: Duration,
    reporters: Fanout,
    handle_signals: bool,
}

impl Prepared {
    async fn execute<S>(self, scenario: S) -> Report
    where
        S: Scenario + Send + Sync + 'static,
    {
        install_panic_hook();
        let shared = Arc::new(Shared {
            recorder: Recorder::new(1),
            counters: vec![Counters::default()].into_boxed_slice(),
            names: vec![Arc::from(self.name.as_str())].into_boxed_slice(),
            timeout: self.timeout,
        });
        // Everything spawned below is cancelled if this future is dropped
        // (a caller's timeout around `run`), so nothing outlives the run.
        let mut tasks = TaskGuard::default();

        let (events, events_rx) = mpsc::unbounded_channel();
        let reporter_task = tokio::spawn(drive_reporters(self.reporters, events_rx));
        tasks.0.push(reporter_task.abort_handle());
        let (stop_tx, stop_rx) = watch::channel(StopLevel::Running);
        if self.handle_signals {
            tasks
                .0
                .push(listen_for_signals(stop_tx.clone()).abort_handle());
        }

        let started_at_unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let names = vec![self.name.clone()];
        let _ = events.send(Event::Start(Box::new(Start {
            started_at_unix_ms,
            plan: self.plan.clone(),
            limits: self.limits.clone(),
            scenarios: names.clone(),
        })));

        let start = Instant::now();
        let info = Arc::new(RunInfo {
            names,
            schedule: self.schedule.clone(),
            plan: self.plan,
            limits: self.limits,
            started_at_unix_ms,
            start,
        });
        let collector = Collector::new(info, shared.clone());
        let (collector_stop, collector_stop_rx) = watch::channel(false);
        let collector_task = tokio::spawn(collect_every(
            collector,
            start,
            self.interval,
            events.clone(),
            collector_stop_rx,
        ));
        tasks.0.push(collector_task.abort_handle());

        // The scheduler runs as a task of the runtime, so that the iterations it
        // spawns go to a worker's own queue rather than through the runtime's
        // shared injection queue.
        let launcher = Launcher {
            shared: shared.clone(),
            scenario: 0,
            max_in_flight: self.max_in_flight,
            handles: Vec::new(),
            compact_at: 1024,
        };
        let driver = tokio::spawn(drive(
            scenario,
            self.schedule.clone(),
            start,
            launcher,
            stop_rx,
            self.graceful_stop,
        ));
        tasks.0.push(driver.abort_handle());
        let (stop_reason, scheduling) = join(driver).await;

        let _ = collector_stop.send(true);
        let collector = join(collector_task).await;
        let summary = collector.finish(Instant::now(), scheduling, stop_reason);
        let _ = events.send(Event::Summary(Box::new(summary.clone())));
        drop(events);
        let failed = reporter_task.await.unwrap_or_else(|e| {
            eprintln!("lot: the reporters' task failed: {e}");
            vec!["reporters".to_owned()]
        });
        drop(tasks);
        drop(stop_tx);
        Report::completed(summary, failed)
    }
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
        for task in &self.0 {
            task.abort();
        }
    }
}

/// `from + d`, or a point a century away when that does not fit: a
/// `Duration::MAX` setting means "never".
fn deadline(from: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    from.checked_add(d)
        .or_else(|| from.checked_add(CENTURY))
        .unwrap_or(from)
}

/// Schedules every arrival, then runs the graceful stop. Returns why the
/// scheduling stopped and how long it ran.
async fn drive<S: Scenario>(
    scenario: S,
    schedule: Schedule,
    start: Instant,
    mut launcher: Launcher,
    mut stop: watch::Receiver<StopLevel>,
    graceful_stop: Duration,
) -> (StopReason, Duration) {
    let stop_reason =
        schedule_arrivals(&schedule, &scenario, start, &mut launcher, &mut stop).await;
    let scheduling = start.elapsed().min(schedule.duration());
    let shared = launcher.shared.clone();
    let in_flight = || shared.counters[0].in_flight.load(Ordering::Acquire);

    // Graceful stop: wait for running iterations, then cancel the rest.
    let graceful_end = deadline(Instant::now(), graceful_stop);
    while in_flight() > 0 {
        if Instant::now() >= graceful_end || *stop.borrow() == StopLevel::Immediate {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(2)) => {}
            _ = stop.changed() => {}
        }
    }
    launcher.abort_all();
    // Cancelled tasks record themselves as interrupted when dropped; give
    // them a moment. Any that cannot be dropped (blocking code) are counted
    // as interrupted by the collector.
    let cancel_end = Instant::now() + Duration::from_secs(1);
    while in_flight() > 0 && Instant::now() < cancel_end {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    (stop_reason, scheduling)
}

/// Launches arrivals as tasks, enforcing the in-flight bound.
struct Launcher {
    shared: Arc<Shared>,
    scenario: usize,
    max_in_flight: u64,
    /// Handles of launched tasks, so the graceful stop can cancel them;
    /// finished ones are swept out as it grows, keeping it near the in-flight count.
    handles: Vec<AbortHandle>,
    compact_at: usize,
}

impl Launcher {
    fn launch<S: Scenario>(&mut self, scenario: &S, index: u64, intended: Instant) {
        let counters = &self.shared.counters[self.scenario];
        // Only the scheduler raises `in_flight`, so this check cannot be raced past the bound.
        if counters.in_flight.load(Ordering::Acquire) >= self.max_in_flight {
            counters.dropped.fetch_add(1, Ordering::Release);
            return;
        }
        counters.in_flight.fetch_add(1, Ordering::AcqRel);
        counters.launched.fetch_add(1, Ordering::Release);
        let iteration = Iteration::new(self.shared.clone(), self.scenario, index, intended);
        // Building the future runs user code too: a panic there fails this
        // iteration only.
        let future = match catch_iteration_panic(|| scenario.run()) {
            Ok(future) => future,
            Err(payload) => return iteration.fail_to_start(&*payload),
        };
        let task = tokio::spawn(iterate(future, iteration));
        if self.handles.len() >= self.compact_at {
            self.handles.retain(|h| !h.is_finished());
            self.compact_at = (self.handles.len() * 2).max(1024);
        }
        self.handles.push(task.abort_handle());
    }

    fn abort_all(&mut self) {
        for h in self.handles.drain(..) {
            h.abort();
        }
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        // Only non-empty when the run itself was cancelled mid-way.
        self.abort_all();
    }
}

/// Walks the schedule, launching each arrival when due. Returns why it stopped.
async fn schedule_arrivals<S: Scenario>(
    schedule: &Schedule,
    scenario: &S,
    start: Instant,
    launcher: &mut Launcher,
    stop: &mut watch::Receiver<StopLevel>,
) -> StopReason {
    /// Launches per batch before the scheduler yields to the runtime.
    const BATCH: u32 = 4096;
    let mut arrivals = schedule.arrivals();
    let mut next = arrivals.next().map(|offset| (0u64, offset));
    while let Some((_, offset)) = next {
        if *stop.borrow() != StopLevel::Running {
            return StopReason::Signal;
        }
        let due = deadline(start, offset);
        let now = Instant::now();
        if due > now {
            tokio::select! {
                biased;
                _ = stop.changed() => {}
                _ = tokio::time::sleep_until(due.into()) => {}
            }
            continue;
        }
        // Launch every arrival already due, each with its own exact instant.
        let mut launched = 0;
        while let Some((index, offset)) = next {
            let intended = deadline(start, offset);
            if intended > now || launched == BATCH {
                break;
            }
            launcher.launch(scenario, index, intended);
            next = arrivals.next().map(|offset| (index + 1, offset));
            launched += 1;
        }
        if launched == BATCH {
            tokio::task::yield_now().await;
        }
    }
    // Trailing zero-rate stages are part of the plan: wait them out.
    let end = deadline(start, schedule.duration());
    while Instant::now() < end {
        if *stop.borrow() != StopLevel::Running {
            return StopReason::Signal;
        }
        tokio::select! {
            biased;
            _ = stop.changed() => {}
            _ = tokio::time::sleep_until(end.into()) => {}
        }
    }
    StopReason::Completed
}

async fn collect_every(
    mut collector: Collector,
    start: Instant,
    every: Duration,
    events: mpsc::UnboundedSender<Event>,
    mut stop: watch::Receiver<bool>,
) -> Collector {
    let mut next = deadline(start, every);
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => return collector,
            _ = tokio::time::sleep_until(next.into()) => {}
        }
        let interval = collector.tick(next - start, false);
        let _ = events.send(Event::Interval(Box::new(interval)));
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
    reporters.failed()
}

/// Listens for Ctrl-C and SIGTERM: the first stops scheduling, the second
/// cancels running iterations, a third exits the process at once (status 130).
/// The handlers are registered before this returns, so no early signal is missed.
fn listen_for_signals(stop: watch::Sender<StopLevel>) -> tokio::task::JoinHandle<()> {
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
            let _ = stop.send(level);
        }
        next_signal(&mut signals).await;
        eprintln!("\nlot: exiting");
        std::process::exit(130);
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

    fn env(pairs: &[(&str, &str)]) -> Result<EnvConfig, Error> {
        EnvConfig::read(|var| {
            pairs
                .iter()
                .find(|(k, _)| *k == var)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn reads_the_environment() {
        let e = env(&[("LOT_QUIET", "1"), ("LOT_OUT", "json=-")]).unwrap();
        assert_eq!(e.quiet, Some(true));
        assert_eq!(e.out.unwrap().len(), 1);
        assert_eq!(env(&[]).unwrap().quiet, None);
        let bad = env(&[("LOT_QUIET", "loud")]).unwrap_err();
        assert!(bad.is_env());
        assert_eq!(
            bad.to_string(),
            "invalid LOT_QUIET=`loud`: expected 1, true, yes, 0, false or no"
        );
        let bad = env(&[("LOT_OUT", "xml=a.xml")]).unwrap_err();
        assert!(bad.is_output());
        assert!(
            bad.to_string().contains("unknown output format `xml`"),
            "{bad}"
        );
    }

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
            e.prepare(EnvConfig::default(), "s")
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
                .prepare(EnvConfig::default(), "s")
                .err()
                .map(|e| e.to_string()),
            Some("invalid plan: the plan has no stages; add at least one with add_stage(from_rps, to_rps, duration)".to_owned())
        );
    }
}
