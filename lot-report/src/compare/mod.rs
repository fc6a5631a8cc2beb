//! Comparing two runs: `lot-report compare base.json new.json`.
//!
//! [`compare`] matches the two runs' scenarios, and each scenario's steps,
//! by name (those only one run has are listed, [`Unmatched`]), and for the
//! run as a whole, every scenario and every step gives the counts, the
//! achieved rate, the error and drop rates, and min, p50, p90, p95, p99,
//! p99.9 and max of latency, service time and schedule lag (a step: its
//! duration): base, new, and the absolute and relative change. Every
//! statistic is read from the runs' histograms, not from the summary
//! fields. The full method, with its assumptions and the JSON schema, is in
//! `docs/compare.md`; in short:
//!
//! - **Quantiles.** For quantile `q` of `n` values, the distribution-free
//!   95 % interval is the pair of order statistics of ranks
//!   `n·q ∓ 1.96·√(n·q·(1−q))` (rounded outward), read from the histogram as
//!   the lowest value of the lower rank's bucket and the highest of the
//!   upper's: exact up to bucket resolution (0.1 %), and conservative.
//! - **Rates.** `error_rate` and `drop_rate` get a two-proportion z-test
//!   with the pooled proportion, at 95 % (`|z| > 1.96`).
//! - **Not independent samples.** Both tests treat every iteration as an
//!   independent draw, and within a run they are not: a slow minute (a
//!   garbage collection, a noisy neighbour) moves many values at once, so
//!   the intervals come out too narrow. The interval series guards
//!   against that: a change is significant only when, besides the test,
//!   the per-interval values (latency p50, p90 or p99, whichever is the
//!   nearest at or above the quantile: p50 for q ≤ 0.5, p90 for q ≤ 0.9,
//!   p99 above; the interval's error or drop rate) of each run have their
//!   median beyond the other run's interquartile range, on the side of
//!   the change ([`Guard::Agrees`]). The interval is then the unit of
//!   replication, as criterion's samples are. With fewer than 3 intervals
//!   with values in a run the guard is unavailable and nothing is
//!   significant. Service time and schedule lag have no interval series of
//!   their own and use latency's. The series are condensed as a document
//!   is read, exact up to 4,096 intervals and within 1 % past that
//!   ([`series`]).
//! - **Noise.** A quantile's change must also be more than 10 % of the
//!   base value, as criterion ignores changes within its noise threshold:
//!   two runs of one plan on one loaded machine differ by several percent
//!   throughout, which nothing within the runs can tell from a change.
//! - **Whole distributions.** A bimodal regression can keep p50 and p99
//!   still, so each distribution also gets the two-sample
//!   Kolmogorov–Smirnov distance `D = max |F_base(x) − F_new(x)|` over the
//!   bucket boundaries, and `D_tolerant`, the distance left when every
//!   value may move by 10 %; the distributions differ when `D_tolerant`
//!   exceeds both `1.358·√((n+m)/(n·m))` (α = 0.05) and 1 % of the values,
//!   and, the same guard, one of the interval series (latency p50, p90 or
//!   p99) agrees with the direction of that distance with medians more than
//!   10 % apart.
//! - **Rates per second** are shown without a test: in an open model they
//!   are the plan's.
//!
//! The runs must share a schema version; plans that differ (loads, stages,
//! mixes, the interval) are compared with a warning naming the difference
//! ([`Comparison::warnings`]). Merged results of a distributed run compare
//! as a single run does: they carry the same histograms.
//!
//! Gates ([`Gate`], `--fail-if`) put a bound on a change:
//!
//! ```text
//! gate      = metric [ "[" name "]" ] [ statistic ] operator delta [ "significant" ]
//! metric    = "latency" | "service_time" | "schedule_lag"   need a statistic
//!           | "error_rate" | "drop_rate" | "rps"
//! name      = a scenario, or else a step (of every scenario that has it)
//! statistic = "min" | "max" | "p" number                     p50, p95, p99.9, p999, ...
//! operator  = ">" | ">=" | "<" | "<="
//! delta     = ("+" | "-") number "%"                         relative to base
//!           | ("+" | "-") duration                           durations: +20ms
//!           | ("+" | "-") number "pp"                        rates: percentage points
//!           | ("+" | "-") number                             rps: per second
//! ```
//!
//! A gate fails when `change OPERATOR delta` holds (`latency p99 > +10%`
//! fails when p99 rose by more than 10 %), and with `significant` only when
//! the change is also significant (`rps`, `min` and `max` have no test,
//! so a `significant` gate on them never fails). A gate whose scope names nothing in one of the
//! runs is an error before anything is compared.

mod gate;
mod group;
pub mod html;
pub mod json;
pub mod markdown;
mod model;
mod rows;
pub mod series;
pub mod stats;
pub mod text;

pub use gate::{Delta, Gate, GateError, GateMetric};
pub use model::{
    COMPARE_SCHEMA_VERSION, CompareError, Comparison, CountChange, Distribution, GateResult, Group,
    Ks, QuantileChange, RateChange, RunLabel, Side, Unmatched,
};
pub use stats::Guard;

use group::{Run, Scope, compare_group};

use std::path::Path;

use crate::model::{LoadPlan, Summary};
use crate::read::ReadError;
use crate::threshold::Statistic;
use series::RunSeries;

/// A run as `compare` reads it: its document without its intervals, and
/// what comparing uses of them ([`RunSeries`]), so that a long run is
/// compared in memory that follows its scenarios and steps, not its length.
#[derive(Clone, Debug)]
pub struct Condensed {
    summary: Summary,
    series: RunSeries,
}

impl Condensed {
    /// Condenses a document's intervals, and drops them.
    pub fn new(mut summary: Summary) -> Condensed {
        let series = RunSeries::of(&summary);
        summary.intervals = Vec::new();
        Condensed { summary, series }
    }

    /// Reads the results document at `path`, with the bounds and checks of
    /// [`read_summary`](crate::read::read_summary), condensing its intervals
    /// as they are read ([`read_summary_with`](crate::read::read_summary_with)).
    pub fn read(path: impl AsRef<Path>, max_bytes: u64) -> Result<Condensed, ReadError> {
        let (summary, series) =
            crate::read::read_summary_with(path, max_bytes, RunSeries::default())?;
        Ok(Condensed { summary, series })
    }

    /// The document, without its intervals.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// What was kept of the intervals.
    pub fn series(&self) -> &RunSeries {
        &self.series
    }
}

/// Compares `new` with `base` (each named by its `label`, the file it came
/// from) and evaluates `gates` on the change.
///
/// An error when the documents have different schema versions, when a
/// gate's scope names no scenario or step of either run, or when a
/// histogram does not decode (see [`read`](crate::read), which checks them
/// as it reads).
pub fn compare(
    (base_label, base): (&str, &Summary),
    (new_label, new): (&str, &Summary),
    gates: &[Gate],
) -> Result<Comparison, CompareError> {
    let (bs, ns) = (RunSeries::of(base), RunSeries::of(new));
    compare_runs(
        Run {
            summary: base,
            series: &bs,
            label: base_label,
        },
        Run {
            summary: new,
            series: &ns,
            label: new_label,
        },
        gates,
    )
}

/// [`compare`] of two runs read by [`Condensed::read`].
pub fn compare_condensed(
    (base_label, base): (&str, &Condensed),
    (new_label, new): (&str, &Condensed),
    gates: &[Gate],
) -> Result<Comparison, CompareError> {
    compare_runs(
        Run {
            summary: &base.summary,
            series: &base.series,
            label: base_label,
        },
        Run {
            summary: &new.summary,
            series: &new.series,
            label: new_label,
        },
        gates,
    )
}

fn compare_runs(b: Run<'_>, n: Run<'_>, gates: &[Gate]) -> Result<Comparison, CompareError> {
    let (base_label, base, new_label, new) = (b.label, b.summary, n.label, n.summary);
    if base.schema_version != new.schema_version {
        return Err(CompareError::new(format!(
            "cannot compare schema version {} (`{base_label}`) with schema version {} (`{new_label}`)",
            base.schema_version, new.schema_version
        )));
    }
    for gate in gates {
        if let Some(scope) = gate.scope() {
            for (label, s) in [(base_label, base), (new_label, new)] {
                let named = s
                    .scenarios
                    .iter()
                    .any(|sc| sc.name == scope || sc.steps.iter().any(|st| st.name == scope));
                if !named {
                    return Err(CompareError::new(format!(
                        "gate `{}`: `{scope}` names no scenario or step of `{label}`",
                        gate.expression()
                    )));
                }
            }
        }
    }
    let extra = |scenario: Option<&str>, step: Option<&str>| -> Vec<f64> {
        gates
            .iter()
            .filter(|g| applies(g, scenario, step))
            .filter_map(|g| match g.statistic() {
                Some(Statistic::Percentile(p)) => Some(p),
                _ => None,
            })
            .collect()
    };
    let mut groups = vec![compare_group(
        b,
        n,
        (Scope::Run, Scope::Run),
        &extra(None, None),
    )?];
    let mut unmatched = Vec::new();
    for (i, sb) in base.scenarios.iter().enumerate() {
        let Some(j) = new.scenarios.iter().position(|s| s.name == sb.name) else {
            unmatched.push(Unmatched {
                scenario: sb.name.clone(),
                step: None,
                only_in: Side::Base,
            });
            continue;
        };
        let name = Some(sb.name.as_str());
        let scopes = (Scope::Scenario(i), Scope::Scenario(j));
        groups.push(compare_group(b, n, scopes, &extra(name, None))?);
        let sn = &new.scenarios[j];
        for (k, step) in sb.steps.iter().enumerate() {
            let Some(l) = sn.steps.iter().position(|s| s.name == step.name) else {
                unmatched.push(Unmatched {
                    scenario: sb.name.clone(),
                    step: Some(step.name.clone()),
                    only_in: Side::Base,
                });
                continue;
            };
            let scopes = (Scope::Step(i, k), Scope::Step(j, l));
            groups.push(compare_group(b, n, scopes, &extra(name, Some(&step.name)))?);
        }
        for step in sn
            .steps
            .iter()
            .filter(|s| !sb.steps.iter().any(|b| b.name == s.name))
        {
            unmatched.push(Unmatched {
                scenario: sn.name.clone(),
                step: Some(step.name.clone()),
                only_in: Side::New,
            });
        }
    }
    for sn in new
        .scenarios
        .iter()
        .filter(|s| !base.scenarios.iter().any(|b| b.name == s.name))
    {
        unmatched.push(Unmatched {
            scenario: sn.name.clone(),
            step: None,
            only_in: Side::New,
        });
    }
    let gates = gates.iter().map(|g| evaluate(g, &groups)).collect();
    Ok(Comparison {
        schema_version: COMPARE_SCHEMA_VERSION,
        base: label(base_label, base),
        new: label(new_label, new),
        warnings: plan_differences(base, new),
        groups,
        unmatched,
        gates,
    })
}

fn label(label: &str, s: &Summary) -> RunLabel {
    RunLabel {
        label: label.to_owned(),
        started_at_unix_ms: s.started_at_unix_ms,
        duration_us: s.duration_us,
        scheduled: s.totals.scheduled,
        shards: s.describe_shards(),
    }
}

/// Whether `gate` applies to the group of `scenario` and `step`: a gate
/// without a scope to the run, one whose scope is a scenario of the run to
/// that scenario, and otherwise to the steps of that name.
fn applies(gate: &Gate, scenario: Option<&str>, step: Option<&str>) -> bool {
    match (gate.scope(), scenario, step) {
        (None, None, _) => true,
        (Some(scope), Some(s), None) => scope == s,
        (Some(scope), Some(_), Some(st)) => scope == st,
        _ => false,
    }
}

/// Evaluates a gate on the groups it applies to: a scenario named by its
/// scope takes precedence over steps of the same name.
fn evaluate(gate: &Gate, groups: &[Group]) -> GateResult {
    let scenario_scope = gate.scope().is_some_and(|s| {
        groups
            .iter()
            .any(|g| g.step.is_none() && g.scenario.as_deref() == Some(s))
    });
    let mut passed = true;
    let mut measured = Vec::new();
    for g in groups {
        let hit = applies(gate, g.scenario.as_deref(), g.step.as_deref())
            && !(scenario_scope && g.step.is_some());
        if !hit {
            continue;
        }
        let Some((change, significant, text)) = measure(gate, g) else {
            continue;
        };
        if gate.fails(change, significant) {
            passed = false;
        }
        let sig = if significant { ", significant" } else { "" };
        measured.push(if gate.scope().is_some() && g.step.is_some() {
            format!("{}: {text}{sig}", g.title())
        } else {
            format!("{text}{sig}")
        });
    }
    if measured.is_empty() {
        // Matched in both runs, yet nothing measured: a gate that cannot
        // measure must not pass.
        passed = false;
        measured.push("nothing to measure".to_owned());
    }
    GateResult {
        expression: gate.expression().to_owned(),
        passed,
        measured: measured.join("; "),
    }
}

/// The change a gate measures in a group: the value compared with its
/// delta, whether it is significant, and the change for people.
fn measure(gate: &Gate, g: &Group) -> Option<(f64, bool, String)> {
    use crate::units::fmt_us;
    let rel = |r: Option<f64>, base: f64, new: f64| {
        r.unwrap_or(if new == base {
            0.0
        } else {
            f64::INFINITY.copysign(new - base)
        })
    };
    if gate.metric().is_duration() {
        let d = g
            .distributions
            .iter()
            .find(|d| d.metric == gate.metric().name())?;
        let name = match gate.statistic()? {
            Statistic::Min => "min".to_owned(),
            Statistic::Max => "max".to_owned(),
            Statistic::Mean => return None,
            Statistic::Percentile(p) => {
                let q = p / 100.0;
                d.quantiles
                    .iter()
                    .find(|c| c.q.is_some_and(|x| (x - q).abs() < 1e-12))?
                    .name
                    .clone()
            }
        };
        let c = d.quantiles.iter().find(|c| c.name == name)?;
        let change = match gate.delta() {
            Delta::Relative(_) => rel(c.relative, c.base_us as f64, c.new_us as f64),
            _ => c.delta_us as f64,
        };
        let text = format!(
            "{} {} {} → {} ({})",
            d.metric,
            c.name,
            fmt_us(c.base_us),
            fmt_us(c.new_us),
            fmt_change(c.relative)
        );
        return Some((change, c.significant, text));
    }
    let r = g.rates.iter().find(|r| r.name == gate.metric().name())?;
    let change = match gate.delta() {
        Delta::Relative(_) => rel(r.relative, r.base, r.new),
        _ => r.delta,
    };
    let text = if r.name == "rps" {
        format!(
            "rps {:.1} → {:.1} ({})",
            r.base,
            r.new,
            fmt_change(r.relative)
        )
    } else {
        format!(
            "{} {:.3}% → {:.3}% ({:+.3}pp)",
            r.name,
            r.base * 100.0,
            r.new * 100.0,
            r.delta * 100.0
        )
    };
    Some((change, r.significant, text))
}

/// A relative change for people: `+12.3%`, `-0.5%`, or `new` from zero.
pub(crate) fn fmt_change(relative: Option<f64>) -> String {
    match relative {
        Some(r) if r.is_finite() => format!("{:+.1}%", r * 100.0),
        _ => "new".to_owned(),
    }
}

/// How the plans differ, one line each; empty when they match.
fn plan_differences(base: &Summary, new: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let (bl, nl) = (&base.plan.loads, &new.plan.loads);
    if bl.len() != nl.len() {
        out.push(format!(
            "the plans differ: base has {} loads, new has {}",
            bl.len(),
            nl.len()
        ));
    }
    for (i, (b, n)) in bl.iter().zip(nl).enumerate() {
        let what = |a: &LoadPlan, b: &LoadPlan| {
            if a.stages != b.stages || a.model != b.model || a.start_us != b.start_us {
                "stages"
            } else if a.scenarios != b.scenarios {
                "mix"
            } else {
                "limits"
            }
        };
        if b != n {
            out.push(format!(
                "the plans differ in load {}'s {}: base `{}`, new `{}`",
                i + 1,
                what(b, n),
                b.describe(),
                n.describe()
            ));
        }
    }
    if base.limits.interval_us != new.limits.interval_us {
        out.push(format!(
            "the reporting intervals differ: base {}, new {}",
            crate::units::fmt_us(base.limits.interval_us),
            crate::units::fmt_us(new.limits.interval_us)
        ));
    }
    if base.segment.is_some() != new.segment.is_some() {
        let shard = |s: &Summary| {
            if s.segment.is_some() {
                s.describe_shards()
            } else {
                "a whole run".to_owned()
            }
        };
        out.push(format!("base is {}, new is {}", shard(base), shard(new)));
    }
    out
}
