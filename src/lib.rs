//! lot: load testing for Rust on tokio.
//!
//! Write a scenario as Rust code, describe the load in stages, run it as an
//! ordinary binary, and get live progress, a summary, a machine-readable
//! results document and an exit status.
//!
//! lot is exact where load generators are usually approximate:
//!
//! - **Exact arrival rates.** Stage `add_stage(from, to, duration)` is an
//!   open-model stage: the rate of iterations *started* per second moves
//!   linearly from `from` to `to`. Arrival instants come from the closed form
//!   of the plan's integral, so a plan starts exactly the iterations it
//!   promises, whatever the target's latency (see [`schedule`]).
//! - **Honest latency.** Every iteration is timed from its *intended* start,
//!   so a stalled target cannot hide behind a stalled generator (coordinated
//!   omission). `latency`, `service_time` and `schedule_lag` are all reported.
//! - **Flat memory.** HDR histograms, bounded error tables and a bounded
//!   number of iterations in flight: nothing grows with the request count.
//! - **Nothing silently lost.** Every arrival ends as ok, failed, dropped or
//!   interrupted, and `scheduled = ok + failed + dropped + interrupted`.
//!
//! # Example
//!
//! ```no_run
//! use std::future::Future;
//! use std::time::Duration;
//! use lot::executor::Executor;
//! use lot::scenario::Scenario;
//!
//! struct Health {
//!     client: reqwest::Client,
//! }
//!
//! impl Scenario for Health {
//!     fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static {
//!         let request = self.client.get("http://127.0.0.1:8080/health");
//!         async move {
//!             request.send().await?.error_for_status()?;
//!             Ok(())
//!         }
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> lot::report::Report {
//!     let mut executor = Executor::new();
//!     executor.add_stage(0, 100, Duration::from_secs(10)); // ramp up
//!     executor.add_stage(100, 100, Duration::from_secs(50)); // hold
//!     executor.run(Health { client: reqwest::Client::new() }).await
//! }
//! ```
//!
//! # Writing scenarios
//!
//! The easy way is an `async fn` with [`macro@scenario`]:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! #[lot::scenario(name = "checkout")]
//! async fn checkout(client: reqwest::Client, base: Arc<str>) -> anyhow::Result<()> {
//!     let cart = lot::step("add to cart", async {
//!         client.post(format!("{base}/cart")).send().await?.error_for_status()?.text().await
//!     })
//!     .await?;
//!     lot::check("cart is not empty", !cart.is_empty());
//!     lot::counter("items added").add(1);
//!     Ok(())
//! }
//!
//! # async fn demo() {
//! let mut executor = lot::Executor::new();
//! executor.add_stage(10, 10, std::time::Duration::from_secs(60));
//! executor.run(checkout(reqwest::Client::new(), "http://127.0.0.1:8080".into())).await;
//! # }
//! ```
//!
//! Or implement [`Scenario`] by hand: it builds one iteration's future per
//! arrival. Return `Err` to count the iteration as failed (its display text is
//! the failure kind); panics are caught and counted as `panic: <message>`.
//! Clone what the future needs (clients are cheap to clone) so it is
//! `'static`. A closure `|| async { ... }` is a scenario too.
//!
//! Inside an iteration, [`step`] times a named part of it, [`check`] counts a
//! condition without failing the iteration, [`counter`], [`gauge`], [`timing`]
//! and [`histogram`] are custom metrics, and [`iteration`] tells which
//! iteration is running. See [`context`].
//!
//! # HTTP
//!
//! Any async client works in a scenario. For HTTP/1.1 targets, [`http`] is
//! lot's own lean client: a request is built once and its future drives a
//! pooled keep-alive connection directly, with less CPU per request than
//! reqwest (`cargo xtask bench` measures both; the figures are in
//! docs/bench-latest.md).
//!
//! # Configuration
//!
//! In code, on the [`Executor`]: stages or [`Load`]s, `max_in_flight`,
//! `timeout`, `graceful_stop`, `interval`, outputs, thresholds and
//! reporters. From the environment, for any lot binary, and from the
//! command line of one that opts in with [`Executor::from_args`]: the
//! settings of [`settings::SETTINGS`] (`LOT_OUT`, `LOT_THRESHOLDS`, ...),
//! which override the code. Invalid configuration is reported before any load is
//! sent, and exits with status 78 whether `main` returns the [`Report`] or
//! drops it unread (see [`Report`] for every exit status).
//!
//! # Writing reporters
//!
//! Implement [`report::Reporter`] (every method has a no-op default) and add
//! it with [`Executor::reporter`]. The JSON
//! results document is described in [`report`].

#![warn(missing_docs)]

/// The executor: stages, limits, outputs, and running a scenario.
pub mod executor {
    pub use lot_core::executor::*;
}

/// Load models: arrival rates and users, weighted mixes, concurrent loads.
pub mod load {
    pub use lot_core::load::*;
}

/// Settings that override the code: the `LOT_*` environment variables and the
/// standard command-line flags.
pub mod settings {
    pub use lot_core::settings::*;
}

/// The [`Scenario`] trait.
pub mod scenario {
    pub use lot_core::scenario::*;
}

/// Stage math: exact arrival instants of a rate plan.
pub mod schedule {
    pub use lot_core::schedule::*;
}

/// Results: the [`Report`] a run returns, the results model
/// ([`Summary`](report::Summary), [`Interval`](report::Interval)), the
/// [`Reporter`](report::Reporter) trait and the outputs. The JSON results
/// document is described in the `lot-report` crate's documentation.
pub mod report {
    pub use lot_core::report::*;
    pub use lot_report::*;
}

/// A lean HTTP/1.1 keep-alive client for scenarios (the `lot-http` crate;
/// feature `http`, on by default).
///
/// Build a request once and send it at every iteration: the request's
/// future drives its own pooled connection, with no connection task or
/// channel in between, so the generator's CPU goes to the load.
///
/// ```no_run
/// # async fn demo() -> anyhow::Result<()> {
/// let client = lot::http::Client::new("http://127.0.0.1:8080")?;
/// let health = client.get("/health").build()?;
/// let mut executor = lot::Executor::new();
/// executor.add_stage(1000, 1000, std::time::Duration::from_secs(30));
/// executor
///     .run(move || {
///         let sent = health.send();
///         async move {
///             sent.await?.error_for_status()?;
///             Ok(())
///         }
///     })
///     .await;
/// # Ok(())
/// # }
/// ```
///
/// It speaks HTTP/1.1 to one target, plain or over TLS, and records each
/// request's phases, status and bytes into the run (its `metrics` feature,
/// which `http` turns on), with optional cookie jars and redirects; no
/// HTTP/2. See [`http::Client`].
#[cfg(feature = "http")]
pub mod http {
    pub use lot_http::*;
}

/// Prometheus remote write: every interval's series pushed to a receiver
/// (Prometheus, Mimir, Thanos, VictoriaMetrics), latency as native
/// histograms (the `lot-prometheus` crate; feature `prometheus`, off by
/// default). `LOT_OUT=prometheus=URL` adds it to any run; in code, add a
/// [`prometheus::RemoteWrite`] with [`Executor::reporter`]. See
/// `docs/prometheus.md`.
#[cfg(feature = "prometheus")]
pub mod prometheus {
    pub use lot_prometheus::*;
}

/// The live web dashboard: a page served during the run, updated every
/// interval, that ends as the HTML report (the `lot-dashboard` crate;
/// feature `dashboard`, off by default). `LOT_DASHBOARD=127.0.0.1:5665`
/// adds it to any run; in code, add a [`dashboard::Dashboard`] with
/// [`Executor::reporter`].
#[cfg(feature = "dashboard")]
pub mod dashboard {
    pub use lot_dashboard::*;
}

/// The run context of an iteration: steps, checks, custom metrics and
/// iteration info. Its functions are re-exported at the crate root.
pub mod context {
    pub use lot_core::context::*;
}

pub use lot_core::context::{
    Counter, Gauge, Histogram, IterationInfo, Timing, check, counter, gauge, histogram, iteration,
    step, timing,
};
pub use lot_core::{Error, Executor, Load, Report, Scenario, Think, UserScenario};

#[doc(inline)]
pub use lot_macros::scenario;

mod private;

/// Paths the code generated by `#[lot::scenario]` uses. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::private::{
        IntoIterationResult, ScenarioArgument, ScenarioError, clone_argument, iteration_result,
    };
    pub use anyhow;
    pub use lot_core::scenario::Scenario;
}
