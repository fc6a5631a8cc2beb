//! Prometheus remote write for [lot](https://docs.rs/lot) runs.
//!
//! [`RemoteWrite`] is a [`lot_report::Reporter`] that pushes a run's series
//! to any Prometheus remote-write 1.0 receiver (Prometheus with
//! `--web.enable-remote-write-receiver`, Mimir, Thanos Receive,
//! VictoriaMetrics, Grafana Cloud): at the end of every interval, counters
//! and gauges, checks, error kinds and custom metrics, and native
//! histograms of latency, service time and schedule lag, each the run's so
//! far; with the summary, the whole run's. `LOT_OUT=prometheus=URL` (or `--out prometheus=URL`) adds
//! it to any run, with the settings of the environment
//! ([`RemoteWrite::from_env`]); in code:
//!
//! ```no_run
//! # fn main() -> Result<(), lot_prometheus::Error> {
//! let output = lot_prometheus::RemoteWrite::new("http://127.0.0.1:9090/api/v1/write")?
//!     .testid("checkout-nightly")?
//!     .label("env", "staging")?;
//! // executor.reporter(output);
//! # Ok(()) }
//! ```
//!
//! # Series
//!
//! Every series has the label `testid` (set with [`RemoteWrite::testid`] or
//! `LOT_PROMETHEUS_TESTID`; by default the run's start instant,
//! `2026-05-04T10:20:30.456Z`, unique per run and the same on every shard
//! of a distributed run), `shard` (`0`, `1`, ...) in one shard of a
//! distributed run (`LOT_SEGMENT`), and the extra labels
//! ([`RemoteWrite::label`]). Sum over `shard` (`sum without (shard)`) and
//! the shards add up to the whole run, histograms included.
//!
//! | metric | type | labels | from |
//! |---|---|---|---|
//! | `lot_iterations_scheduled_total` | counter | `scenario` | every interval |
//! | `lot_iterations_started_total` | counter | `scenario` | every interval |
//! | `lot_iterations_total` | counter | `scenario`, `outcome` (`ok`, `failed`, `dropped`, `interrupted`) | every interval |
//! | `lot_steps_total` | counter | `scenario`, `step`, `outcome` (`ok`, `failed`) | every interval |
//! | `lot_http_requests_total` | counter | `scenario`, `status` (`1xx` … `5xx`, `failed`: no whole response, `other`) | every interval |
//! | `lot_http_sent_bytes_total`, `lot_http_received_bytes_total` | counter | `scenario` | every interval |
//! | `lot_target_rate` | gauge | `scenario` | every interval, for a scenario of an arrival-rate load: arrivals per second the plan asked for |
//! | `lot_achieved_rate` | gauge | `scenario` | every interval: iterations launched per second |
//! | `lot_in_flight` | gauge | `scenario` | every interval: at its end |
//! | `lot_users` | gauge | `scenario` | every interval, for a scenario of a users load: at its end |
//! | `lot_checks_total` | counter | `scenario`, `check`, `result` (`passed`, `failed`) | every interval |
//! | `lot_errors_total` | counter | `scenario`, `kind` (lot's bounded kinds, at most 100) | every interval |
//! | `lot_custom_counter_total`, `lot_custom_gauge` | counter, gauge | `metric` | every interval |
//! | `lot_latency_seconds`, `lot_service_time_seconds`, `lot_schedule_lag_seconds` | native histogram | `scenario` | every interval: the run so far |
//! | `lot_step_duration_seconds` | native histogram | `scenario`, `step` | every interval: the run so far |
//! | `lot_http_request_duration_seconds` | native histogram | `scenario`, `request`, `step` (when in one) | the summary |
//! | `lot_custom_timing_seconds`, `lot_custom_histogram` | native histogram | `metric` | every interval: the run so far |
//!
//! [`METRIC_NAMES`] lists them. Counters are totals since the start of the
//! run (lot's intervals count each interval alone; this crate keeps the
//! running sums); the summary's batch sets each to the JSON document's own
//! total, so `lot_iterations_total` at the end of the run equals the
//! document's `totals` exactly. A first batch at the start sets the
//! iteration counters to 0, so `increase` and `rate` count the first
//! interval. Samples are stamped with the end of their interval on the
//! run's clock (`started_at_unix_ms` plus the interval's end), so shards'
//! samples line up.
//!
//! The latency, service time, schedule lag and step histograms are
//! cumulative, as Prometheus histograms are: every interval adds its own
//! histograms (which the reporter asks lot for, through
//! [`Reporter::wants_histograms`](lot_report::Reporter::wants_histograms))
//! to the run's so far, so `histogram_quantile(0.99, sum by (scenario)
//! (rate(lot_latency_seconds[1m])))` is the last minute's p99, and the
//! final batch holds the summary's own, for the whole run. Checks, error
//! kinds and custom metrics come from the run so far that lot sends with
//! each interval to the reporters that ask
//! ([`Reporter::wants_snapshot`](lot_report::Reporter::wants_snapshot)).
//! The HTTP request histograms are in the summary alone.
//!
//! # Native histograms
//!
//! Each bucket of lot's HDR histograms (1 µs to 1 h, 3 significant digits)
//! goes into the native bucket of schema 5 (by default; 0 to 8 with
//! [`RemoteWrite::schema`] or `LOT_PROMETHEUS_SCHEMA`) that holds its
//! highest equivalent value, the value lot's own percentiles report. A
//! native bucket of schema `s` spans a factor of `2^(2^-s)`, so a quantile
//! from `histogram_quantile` and lot's percentile of the same data lie in
//! the same bucket and differ by at most [`relative_error`]`(s)` of it:
//! 2.19% at schema 5, 1.09% at 6, 0.54% at 7, 0.27% at 8. A histogram sends
//! only its non-empty buckets: a latency spread over two decades fills
//! about 210 at schema 5. Receivers must accept native histograms
//! (Prometheus: `--enable-feature=native-histograms`).
//!
//! # Delivery
//!
//! The reporter runs on lot's reporters' task, never on the path that
//! launches iterations, and even there it only encodes a batch (protobuf,
//! snappy) and puts it on a queue, which never waits. One task sends the
//! queue's batches in order (Prometheus refuses a sample older than the
//! last of its series), each with up to [`DEFAULT_ATTEMPTS`] attempts of at
//! most [`DEFAULT_REQUEST_TIMEOUT`], retrying a failed connection, a
//! timeout, 429 or 5xx after 250 ms, doubling to 4 s; a batch the
//! receiver refuses (another 4xx) is not retried. Batches go over one
//! kept-alive HTTP/1.1 connection; one that fails or runs out of time is
//! closed at once, and the next attempt opens another, so a receiver that
//! hangs or stops reading holds no connection of lot's. The status decides:
//! a 2xx is accepted whatever its body does, and of another answer's body
//! (the receiver's reason) at most 4 KiB is read, for at most 1 s. The
//! queue holds at most
//! [`DEFAULT_MAX_QUEUE`] batches and [`DEFAULT_MAX_QUEUE_BYTES`]
//! ([`RemoteWrite::max_queue`]); beyond that its oldest batches are
//! dropped, so memory stays bounded whatever the receiver does. At the
//! summary the last interval and the summary's batch are queued and the
//! queue is given [`DEFAULT_FLUSH_TIMEOUT`] ([`RemoteWrite::flush_timeout`])
//! to drain; what is left is abandoned. Every batch not delivered is
//! counted ([`Delivery`]), and if any was, `summary` returns an error
//! saying how many batches and samples, which lot shows as the reporter's
//! failure: `N of M batches (S of T samples) of test id X were not
//! delivered to URL (last error: ...)`.
//!
//! # Credentials
//!
//! Basic auth ([`RemoteWrite::basic_auth`], `LOT_PROMETHEUS_USERNAME` and
//! `LOT_PROMETHEUS_PASSWORD`), a bearer token ([`RemoteWrite::bearer_token`],
//! `LOT_PROMETHEUS_BEARER_TOKEN`) and extra headers
//! ([`RemoteWrite::header`], `LOT_PROMETHEUS_HEADERS=NAME:VALUE,...` or
//! `LOT_PROMETHEUS_HEADERS_<NAME>=VALUE`, as k6's `K6_PROMETHEUS_RW_*`),
//! over `http` or `https` (rustls, the system's roots). Passwords, tokens,
//! header values and the URL's query are secrets: no `Debug`, error text,
//! reporter name or series shows them, and a receiver's error text is
//! scrubbed of them before it is kept.

#![warn(missing_docs)]

mod config;
mod error;
mod http;
mod native;
mod proto;
mod reporter;
mod send;
mod series;

pub use error::Error;
pub use native::relative_error;
pub use reporter::{
    DEFAULT_ATTEMPTS, DEFAULT_FLUSH_TIMEOUT, DEFAULT_MAX_QUEUE, DEFAULT_MAX_QUEUE_BYTES,
    DEFAULT_REQUEST_TIMEOUT, DEFAULT_SCHEMA, RemoteWrite,
};
pub use send::Delivery;
pub use series::METRIC_NAMES;
