//! A live web dashboard for [lot](https://docs.rs/lot) runs.
//!
//! [`Dashboard`] is a [`Reporter`](lot_report::Reporter) that serves, while
//! the run goes on, the same page as lot's HTML report
//! ([`lot_report::html`]) in live mode: the headline counters, the charts
//! of the run, of each scenario and of each step, updated every interval
//! without reloading, over server-sent events. When the run ends the page
//! switches to the final results (the thresholds, the tables, the latency
//! spectrum) and offers the self-contained HTML report to save; it keeps
//! them after the process has exited.
//!
//! ```no_run
//! # async fn run() -> Result<(), lot_dashboard::Error> {
//! let dashboard = lot_dashboard::Dashboard::bind("127.0.0.1:5665")?;
//! println!("dashboard: {}", dashboard.url());
//! // executor.reporter(dashboard); executor.run(scenario).await;
//! # Ok(())
//! # }
//! ```
//!
//! # Routes
//!
//! | route | what |
//! |---|---|
//! | `/` | the page; once the run has ended, the report itself |
//! | `/events` | server-sent events: `data` (all chart data so far, first and whenever a page fell behind), `interval` (each new point), `summary` (`{"report": HTML}` at the end) |
//! | `/report.html` | the self-contained report, the same as lot's `html` output, once the run has ended (503 before) |
//!
//! # Security
//!
//! The dashboard has **no authentication** and no TLS. It listens where it
//! is told: give a loopback address (`127.0.0.1:PORT`, `localhost:PORT` or
//! a port alone) unless everyone who can reach the machine may read the
//! run's results, names and error texts. On a loopback address it answers
//! only requests whose `Host` is `localhost`, `127.0.0.1` or `[::1]` with
//! its port (others get `421 Misdirected Request`), so that a page from
//! elsewhere cannot read it by pointing a name of its own at 127.0.0.1
//! (DNS rebinding).
//!
//! # Cost and memory
//!
//! It runs on the reporters' task and a server task of its own, never on
//! the path that launches or measures iterations. Its memory is bounded:
//! the chart data holds at most [`MAX_POINTS`](lot_report::html::MAX_POINTS)
//! points per series (a longer run keeps every second interval, then every
//! fourth...), the event channel the last 8 events, each page's stream at
//! most one event, and it serves at most 64 connections. A page that cannot
//! keep up never slows the run: it skips to the latest data. With no page
//! open, an interval is added to the chart data and sent nowhere, and the
//! report is rendered only when a page first asks for it. At the end,
//! [`Reporter::summary`](lot_report::Reporter::summary) waits up to
//! [`FINAL_DELIVERY`] for open pages to take the report; the server stops
//! when the dashboard is dropped, as the run ends.

#![warn(missing_docs)]

mod dashboard;
mod error;
mod server;
mod state;

pub use dashboard::{Dashboard, FINAL_DELIVERY};
pub use error::Error;
