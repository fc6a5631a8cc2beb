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
//! 2. The scheduler walks the [`Schedule`](crate::schedule::Schedule) in order (each of its lanes, see
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
//! The `LOT_*` environment variables are read when any run starts and
//! override the code; a binary that opts in with [`Executor::from_args`]
//! also takes the matching flags, which override both. They are listed in
//! [`SETTINGS`](crate::settings::SETTINGS).

use std::time::Duration;

use lot_report::Reporter;

use crate::error::Error;
use crate::plan::load::Load;
use crate::plan::settings::{Overrides, help};
use crate::plan::{Config, prepare};
use crate::report::Report;
use crate::run::execute;
use crate::scenario::Scenario;
use crate::schedule::Stage;

pub use crate::plan::{
    DEFAULT_GRACEFUL_STOP, DEFAULT_INTERVAL, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT,
};
pub use crate::schedule::Rate;

/// Runs scenarios under their loads and measures them.
///
/// See the [module docs](self) for how a run goes.
pub struct Executor {
    config: Config,
    /// The command line's overrides, when the program takes them.
    args: Option<Result<Overrides, Error>>,
}

impl Default for Executor {
    fn default() -> Executor {
        Executor::new()
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.config;
        f.debug_struct("Executor")
            .field("stages", &c.stages)
            .field("loads", &c.loads)
            .field("max_in_flight", &c.max_in_flight)
            .field("timeout", &c.timeout)
            .field("graceful_stop", &c.graceful_stop)
            .field("interval", &c.interval)
            .field("outputs", &c.outputs)
            .field("reporters", &c.reporters.len())
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// An executor with no stages, terminal output and the default limits.
    pub fn new() -> Executor {
        Executor {
            config: Config::default(),
            args: None,
        }
    }

    /// An executor that also takes the standard command-line flags of the
    /// process (those of [`SETTINGS`](crate::settings::SETTINGS)). They
    /// override the environment, which overrides the code. `--help` prints the flags
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
                print!("{}", help());
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
        self.config
            .stages
            .push(Stage::new(from.per_second(), to.per_second(), duration));
        self
    }

    /// Adds a [`Load`] to run alongside the others: an arrival rate or a
    /// population of users, over one scenario or a weighted mix.
    pub fn load(&mut self, load: impl Into<Load>) -> &mut Executor {
        self.config.loads.push(load.into());
        self
    }

    /// Bounds the iterations running at once in each arrival-rate load that
    /// sets no bound of its own (default [`DEFAULT_MAX_IN_FLIGHT`]). An
    /// arrival that finds the bound reached is dropped and counted.
    pub fn max_in_flight(&mut self, max: usize) -> &mut Executor {
        self.config.max_in_flight = max;
        self
    }

    /// Fails an iteration that runs longer than `timeout` with kind `timeout`
    /// (default [`DEFAULT_TIMEOUT`]). `Duration::MAX` means no timeout.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Executor {
        self.config.timeout = timeout;
        self
    }

    /// How long running iterations may go on after a load's last arrival
    /// (or its users are told to stop) before they are cancelled and counted
    /// as interrupted (default [`DEFAULT_GRACEFUL_STOP`]).
    pub fn graceful_stop(&mut self, period: Duration) -> &mut Executor {
        self.config.graceful_stop = period;
        self
    }

    /// Length of a reporting interval (default [`DEFAULT_INTERVAL`], at least 1 ms).
    pub fn interval(&mut self, interval: Duration) -> &mut Executor {
        self.config.interval = interval;
        self
    }

    /// Turns live progress off (`true`) or on; `LOT_QUIET` overrides it.
    pub fn quiet(&mut self, quiet: bool) -> &mut Executor {
        self.config.quiet = Some(quiet);
        self
    }

    /// Turns the terminal reporter (progress and summary on stderr) off or on.
    pub fn terminal(&mut self, enabled: bool) -> &mut Executor {
        self.config.terminal = enabled;
        self
    }

    /// Adds an output in `LOT_OUT` syntax, such as `json=results.json`.
    /// Checked when the run starts; `LOT_OUT`, when set, replaces these.
    pub fn output(&mut self, spec: impl Into<String>) -> &mut Executor {
        self.config.outputs.push(spec.into());
        self
    }

    /// Serves the live web dashboard on `addr` during the run (`IP:PORT`,
    /// such as `127.0.0.1:5665`, `localhost:PORT` or a port alone, on
    /// 127.0.0.1), with lot's `dashboard` feature; `LOT_DASHBOARD`, when
    /// set, replaces it. The address is bound when the run starts, before
    /// any load: a busy one is an error (exit status 74), and without the
    /// feature the run is refused with an error that names it. The
    /// dashboard has no authentication: keep it on loopback.
    pub fn dashboard(&mut self, addr: impl Into<String>) -> &mut Executor {
        self.config.dashboard = Some(addr.into());
        self
    }

    /// Adds a reporter that receives the start, every interval and the summary.
    pub fn reporter(&mut self, reporter: impl Reporter + 'static) -> &mut Executor {
        self.config.reporters.push(Box::new(reporter));
        self
    }

    /// Adds a threshold, such as `latency p99 < 250ms` or `error_rate < 1%`
    /// (grammar: [`lot_report::threshold`]). Checked when the run starts;
    /// evaluated at the end, printed with the measured value in the summary
    /// and every output, and a failed one makes the [`Report`] exit with 99.
    /// An expression ending in `abort` (or `abort after 10s`) also stops the
    /// run as soon as it fails.
    pub fn threshold(&mut self, expression: impl Into<String>) -> &mut Executor {
        self.config.thresholds.push(expression.into());
        self
    }

    /// Whether Ctrl-C and SIGTERM stop the run gracefully (default `true`).
    /// Once installed, the handlers stay for the life of the process.
    pub fn handle_signals(&mut self, enabled: bool) -> &mut Executor {
        self.config.handle_signals = enabled;
        self
    }

    /// Runs `scenario` through the executor's stages (alongside any loads
    /// added with [`load`](Executor::load)) and returns the [`Report`].
    ///
    /// An invalid configuration is printed on stderr and returned in the
    /// report (exit status 78) before any load is sent.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with I/O and time enabled (`#[tokio::main]`
    /// and `#[tokio::test]` enable both): the scheduler's timer and the
    /// signal handlers are registered with its I/O driver.
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
        let mut load: Load = Load::arrival_rate().scenario(scenario).into();
        load.stages = std::mem::take(&mut self.config.stages);
        self.config.loads.insert(0, load);
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
        let prepared = prepare(self.config, env.then(cli))?;
        Ok(execute(prepared).await)
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
        assert_eq!(e.config.stages[1], Stage::new(0.5, 2.5, Duration::ZERO));
        assert_eq!(e.config.stages[2].from, 7.0);
    }
}
