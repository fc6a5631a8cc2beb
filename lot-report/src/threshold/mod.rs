//! Thresholds: pass/fail criteria evaluated on a run's results, k6-style.
//!
//! # Grammar
//!
//! ```text
//! threshold  = metric [ "[" name "]" ] [ statistic | status ] operator value [ abort ]
//! metric     = "latency" | "service_time" | "schedule_lag"     durations; need a statistic
//!            | "error_rate" | "drop_rate" | "checks"             fractions
//!            | "rps"                                             achieved iterations per second
//!            | "scheduled" | "ok" | "failed" | "dropped" | "interrupted"   counts
//!            | "http_connect" | "http_tls" | "http_send"         request phases (lot::http):
//!            | "http_wait" | "http_receive" | "http_duration"      durations; need a statistic
//!            | "http_status"                                     responses; needs a status
//!            | "http_failed" | "http_reused"                     fractions of the requests
//!            | "http_requests" | "http_bytes_sent" | "http_bytes_received"   counts
//! name       = any text without "]": a scenario, step, check or request name
//! statistic  = "min" | "mean" | "avg" | "max" | "p" number       p50, p95, p99, p99.9, p999, ...
//! status     = digit "xx" | code                                 a class, 1xx to 5xx, or a code, 100 to 999
//! operator   = "<" | "<=" | ">" | ">=" | "==" | "!="
//! value      = duration                                          for durations
//!            | number [ "%" ]                                    for fractions (bare number: 0 to 1)
//!            | number [ "%" ]                                    for http_status: a count, or with % a fraction of the requests
//!            | number                                            for rps and counts
//! duration   = number unit                                       unit: ns, us, µs, ms, s, m, h
//! abort      = "abort" [ "after" duration ]                      stop the run when it fails
//! ```
//!
//! Durations are read by [`duration::parse`](crate::duration::parse), as
//! settings are: a number without a unit is an error (`latency p99 < 250`
//! fails with ``invalid duration `250`: expected a number and a unit (ns,
//! us, ms, s, m, h), such as 250ms``), never taken for milliseconds.
//!
//! | metric | measures | scope `[name]` |
//! |---|---|---|
//! | `latency`, `service_time`, `schedule_lag` | the statistic of the duration, over every scenario | a scenario, or else a step (its duration, over every scenario that has a step of that name) |
//! | `error_rate` | `failed / (ok + failed)` | a scenario, or else a step (over every scenario) |
//! | `drop_rate` | `dropped / scheduled` | a scenario |
//! | `checks` | passed / evaluated, over every check | a scenario (all its checks), or else a check (in every scenario) |
//! | `rps` | iterations launched per second of scheduling | a scenario |
//! | `scheduled` … `interrupted` | the outcome count | a scenario |
//! | `http_connect`, `http_tls`, `http_send`, `http_wait`, `http_receive`, `http_duration` | the statistic of the request phase (see [`requests`](crate::requests)), over every request | a scenario (its requests), or else a step (the requests made inside it, in every scenario), or else a request name (in every scenario and step) |
//! | `http_status` | responses of the class (`5xx`) or with the code (`404`): a count, or with `%` a fraction of the requests (failed ones included) | as above |
//! | `http_failed` | `failed / requests`: requests that ended without a whole response (unlike k6's `http_req_failed`, a 4xx or 5xx is a response, counted by `http_status`: gate on `http_status 5xx < 1%`) | as above |
//! | `http_reused` | requests sent on a kept-alive connection over requests | as above |
//! | `http_requests`, `http_bytes_sent`, `http_bytes_received` | requests ended, bytes sent, bytes received | as above |
//!
//! These are accepted as written: `latency p99 < 250ms`,
//! `latency[checkout] p95 < 300ms`, `error_rate < 1%`, `dropped == 0`,
//! `service_time p50 <= 20ms`, `checks >= 99.5%`, `rps >= 95`,
//! `error_rate < 5% abort after 10s`, `http_wait[checkout] p99 < 100ms`
//! (over the requests made inside step `checkout`), `http_status 5xx == 0`,
//! `http_status[GET /items/{id}] 404 < 10`, `http_status 5xx < 1%`,
//! `http_reused >= 99%`, `http_failed < 1%`.
//!
//! A threshold whose scope names nothing in the results fails, saying so:
//! a gate that cannot measure must not pass. So does a threshold on HTTP
//! requests when none was recorded (in its scope), and an `http_status`
//! threshold when some of the responses in its scope had codes past a
//! request's table of [`MAX_STATUS_CODES`](crate::MAX_STATUS_CODES), whose
//! class is not known. Like every threshold that cannot be measured, they
//! fail at the end but never stop a run early.

mod evaluate;
mod expr;
mod parse;

/// Re-exported from the [results schema](crate::model), where it lives.
pub use crate::model::ThresholdResult;
pub use evaluate::evaluate_all;
pub use expr::{Metric, Operator, Statistic, Status, Threshold, ThresholdError, Unit};
pub(crate) use parse::percentile;
