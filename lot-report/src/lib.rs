//! The results of [lot](https://docs.rs/lot) load tests, and what turns them
//! into screens and files.
//!
//! This crate knows nothing of executors. It is the schema of a run's results
//! ([`Start`], [`Interval`], [`Summary`]), the [`Reporter`] trait that consumes
//! them, and the outputs built on it: the [`TerminalReporter`], and the
//! [`FileReporter`] that writes a [`Format`]: JSON, CSV ([`csv`]), HTML
//! ([`html`]), Markdown ([`markdown`]) or text. Every format reads the same
//! `Summary`; none recomputes what the model holds. Pass/fail criteria are
//! [`threshold`]s, evaluated on the `Summary` ([`threshold::evaluate_all`]);
//! durations, in thresholds as in lot's settings, follow one grammar
//! ([`duration`]). Tools that only read results (re-rendering a report,
//! merging shards with [`merge`], comparing two runs with [`compare`])
//! depend on this crate alone; the `lot-report` binary does each for saved
//! JSON results:
//!
//! ```text
//! lot-report render --format html|csv|md|text|json [-o OUT] run.json
//! lot-report merge [--allow-partial] [-o OUT] shard-*.json
//! lot-report compare [--format text|md|json|html] [-o OUT] [--fail-if GATE]... base.json new.json
//! ```
//!
//! # The JSON results document
//!
//! `LOT_OUT=json=PATH` writes one [`Summary`] per run. Durations are integer
//! microseconds in fields ending in `_us`; rates are per second.
//!
//! | field | meaning |
//! |---|---|
//! | `schema_version` | [`SCHEMA_VERSION`]; incompatible changes bump it |
//! | `started_at_unix_ms` | wall-clock start, ms since the Unix epoch |
//! | `duration_us` | start to end, graceful stop included |
//! | `stop_reason` | `completed`, `signal`, or `threshold` (an abort-on-fail threshold failed) |
//! | `plan` | `loads[]`, `iterations` (arrivals the arrival-rate loads start), `duration_us` |
//! | `plan.loads[]` | [`LoadPlan`]: `model` (`arrival_rate` or `users`), `start_us`, `stages[]` (`from`, `to`: rate per second or users; `duration_us`), `scenarios[]` (`name`, `weight`), and as they apply `iterations`, `max_in_flight`, `think_us` (`[min, max]`), `pacing_us` |
//! | `limits` | `timeout_us`, `graceful_stop_us`, `interval_us` |
//! | `target_rps`, `achieved_rps` | arrivals due / launched per second of scheduling |
//! | `totals` | `scheduled`, `ok`, `failed`, `dropped`, `interrupted`; `scheduled` is the sum of the other four |
//! | `latency`, `service_time`, `schedule_lag` | [`Stats`]: `count`, `min_us`, `mean_us`, `p50_us`, `p90_us`, `p95_us`, `p99_us`, `p999_us`, `max_us`, `hdr` |
//! | `scenarios[]` | `name`, `totals`, `latency`, `service_time`, `schedule_lag`, `errors`, `steps[]`, `checks[]`, `requests[]` |
//! | `scenarios[].steps[]` | [`StepSummary`]: `name`, `ok`, `failed`, `latency` ([`Stats`]), `errors` |
//! | `scenarios[].checks[]` | [`CheckSummary`]: `name`, `passed`, `failed`, `pass_rate` (0 to 1) |
//! | `scenarios[].requests[]` | [`RequestSummary`], one per (step, request name) of `lot::http` (absent when none): `name`, `step` (absent outside steps), `count` (ended), `failed` (no whole response), `reused` (kept-alive connection), `bytes_sent`, `bytes_received`, `status[]` (`code`, `count`; most frequent first, at most [`MAX_STATUS_CODES`]), `status_other`, and the phases as [`Stats`]: `connect`, `tls`, `send`, `wait`, `receive`, `duration`; `count == failed + Σ status[].count + status_other` (see [`requests`]) |
//! | `metrics` | `counters[]` (`name`, `value`), `gauges[]` (`name`, `value`: the last set), `timings[]` (`name`, `stats`: [`Stats`] in µs), `histograms[]` (`name`, `stats`: [`ValueStats`], unitless) |
//! | `errors[]` | `kind`, `count`, most frequent first |
//! | `thresholds[]` | [`ThresholdResult`]: `expression`, `passed`, `value` (base units: µs, a fraction, or a number), `measured` (for people), `abort` |
//! | `aborted_by` | [`Abort`]: the abort-on-fail threshold that stopped the run, `expression`, `at_us` (when), `value` and `measured` (what it measured then) (absent otherwise) |
//! | `scheduling_us` | how long arrivals were scheduled (to the end of the last load, or the stop) |
//! | `segment` | for one shard of a distributed run: `index`, `count` (absent otherwise) |
//! | `merged` | for merged results: `count` (shards in the run) and `shards` (those merged in) (absent otherwise) |
//! | `intervals[]` | [`Interval`], at most [`MAX_INTERVALS`], folded in time past that (see [`intervals`]): `index`, `start_us`, `duration_us`, `target_rps`, `achieved_rps`, `started`, `counts`, `cumulative`, `in_flight`, `latency` (`count`, `p50_us`, `p90_us`, `p99_us`, `max_us`), `scenarios[]` (`name`, `counts`, `latency`, `steps[]`: `name`, `ok`, `failed`, `latency`; `http`) |
//! | `intervals[].scenarios[].http` | [`HttpInterval`], the scenario's requests that ended in the interval (absent when none): `requests`, `failed`, `bytes_sent`, `bytes_received`, `status_1xx` … `status_5xx` |
//!
//! `latency` is measured from each iteration's *intended* start, so time an
//! iteration spent waiting for a late generator counts against the target, as
//! in wrk2. `hdr` is base64 of the HdrHistogram V2 deflate encoding of the
//! microsecond histogram (see [`stats`]; readers take V2 undeflated too,
//! [`HdrEncoding`]). A request's phases follow k6's
//! `http_req_*` metrics: `connect` and `tls` zero where they were not
//! needed (a reused connection; TLS over plain HTTP), `wait` to the first
//! byte of the response, and `duration` the whole
//! request, send to last byte.
//!
//! # Writing reporters
//!
//! Implement [`Reporter`]; every method has a no-op default. A reporter is
//! told of the run's start, every interval, the summary, and the
//! [`Notice`]s lot has for the person running the test (a signal, a panic,
//! a failed reporter, a threshold that stopped the run). Combine reporters
//! with [`Fanout`], and switch one off with `Option<R>`. See the trait's
//! docs.

#![warn(missing_docs)]

pub mod compare;
pub mod csv;
pub mod duration;
mod hdr;
pub mod html;
pub mod intervals;
pub mod json;
pub mod live;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod output;
pub mod read;
pub mod reporter;
pub mod requests;
pub mod stats;
pub mod terminal;
pub mod threshold;
mod type_name;
pub mod units;

pub use intervals::{IntervalSeries, MAX_INTERVALS};
pub use live::IntervalHistograms;
pub use model::{
    Abort, CheckSummary, CounterValue, ErrorCount, GaugeValue, HistogramSummary, Interval,
    IntervalLatency, Limits, LoadModel, LoadPlan, Merged, Metrics, Plan, SCHEMA_VERSION,
    ScenarioInterval, ScenarioSummary, Segment, StagePlan, Start, StepInterval, StepSummary,
    StopReason, Summary, ThresholdResult, TimingSummary, Totals, WeightedScenario,
};
pub use output::{Destination, FileReporter, Format, OutputError, OutputSpec, Sink};
pub use reporter::{BoxError, Fanout, Notice, NoticeLevel, Reporter};
pub use requests::{HttpInterval, HttpTotals, MAX_STATUS_CODES, RequestSummary, StatusCount};
pub use stats::{HdrEncoding, Stats, ValueStats};
pub use terminal::{Progress, TerminalReporter};
pub use threshold::{Threshold, ThresholdError};
pub use type_name::short_type_name;

/// Re-exported so reporters can be written without naming the dependency.
pub use async_trait::async_trait;
