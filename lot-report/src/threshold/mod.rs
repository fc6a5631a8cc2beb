//! Thresholds: pass/fail criteria evaluated on a run's results, k6-style.
//!
//! # Grammar
//!
//! ```text
//! threshold  = metric [ "[" name "]" ] [ statistic ] operator value [ abort ]
//! metric     = "latency" | "service_time" | "schedule_lag"     durations; need a statistic
//!            | "error_rate" | "drop_rate" | "checks"             fractions
//!            | "rps"                                             achieved iterations per second
//!            | "scheduled" | "ok" | "failed" | "dropped" | "interrupted"   counts
//! name       = any text without "]": a scenario, step or check name
//! statistic  = "min" | "mean" | "avg" | "max" | "p" number       p50, p95, p99, p99.9, p999, ...
//! operator   = "<" | "<=" | ">" | ">=" | "==" | "!="
//! value      = duration                                          for durations
//!            | number [ "%" ]                                    for fractions (bare number: 0 to 1)
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
//!
//! These are accepted as written: `latency p99 < 250ms`,
//! `latency[checkout] p95 < 300ms`, `error_rate < 1%`, `dropped == 0`,
//! `service_time p50 <= 20ms`, `checks >= 99.5%`, `rps >= 95`,
//! `error_rate < 5% abort after 10s`.
//!
//! A threshold whose scope names nothing in the results fails, saying so:
//! a gate that cannot measure must not pass.

mod evaluate;
mod expr;
mod parse;

/// Re-exported from the [results schema](crate::model), where it lives.
pub use crate::model::ThresholdResult;
pub use evaluate::evaluate_all;
pub use expr::{Metric, Operator, Statistic, Threshold, ThresholdError};
