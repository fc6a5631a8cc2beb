//! One group of a comparison (the run, a scenario or a step): its counts,
//! rates and distributions in both runs, with the statistics of
//! [`stats`](super::stats) applied.

use hdrhistogram::Histogram;

use super::model::{
    CompareError, CountChange, Distribution, Group, Ks, QuantileChange, RateChange,
};
use super::series::{RunSeries, Series};
use super::stats::{self, Guard};
use crate::model::{ScenarioSummary, StepSummary, Summary, Totals};
use crate::stats::Stats;

/// One run's side of a comparison.
#[derive(Clone, Copy)]
pub(super) struct Run<'a> {
    pub summary: &'a Summary,
    pub series: &'a RunSeries,
    pub label: &'a str,
}

/// What a group is: the run, a scenario (by index), or a step of one.
#[derive(Clone, Copy)]
pub(super) enum Scope {
    Run,
    Scenario(usize),
    Step(usize, usize),
}

/// The statistics every distribution shows; gates may add others.
pub(super) const QUANTILES: [(&str, f64); 5] = [
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
    ("p99.9", 0.999),
];

/// One run's view of a group.
struct View<'a> {
    run: Run<'a>,
    scope: Scope,
}

impl<'a> View<'a> {
    fn scenario(&self) -> Option<&'a ScenarioSummary> {
        match self.scope {
            Scope::Run => None,
            Scope::Scenario(i) | Scope::Step(i, _) => self.run.summary.scenarios.get(i),
        }
    }

    fn step(&self) -> Option<&'a StepSummary> {
        match self.scope {
            Scope::Step(i, j) => self.run.summary.scenarios.get(i)?.steps.get(j),
            _ => None,
        }
    }

    fn path(&self) -> String {
        match self.scope {
            Scope::Run => String::new(),
            Scope::Scenario(i) => format!("scenarios[{i}]."),
            Scope::Step(i, j) => format!("scenarios[{i}].steps[{j}]."),
        }
    }

    /// Totals; a step has ok and failed only.
    fn totals(&self) -> Totals {
        if let Some(step) = self.step() {
            return Totals {
                ok: step.ok,
                failed: step.failed,
                ..Totals::default()
            };
        }
        self.scenario()
            .map_or(self.run.summary.totals, |s| s.totals)
    }

    fn distributions(&self) -> Vec<(&'static str, &'a Stats)> {
        if let Some(step) = self.step() {
            return vec![("latency", &step.latency)];
        }
        let s = self.run.summary;
        let (l, st, sl) = match self.scenario() {
            Some(sc) => (&sc.latency, &sc.service_time, &sc.schedule_lag),
            None => (&s.latency, &s.service_time, &s.schedule_lag),
        };
        vec![("latency", l), ("service_time", st), ("schedule_lag", sl)]
    }

    /// Iterations launched per second of scheduling (a step: executions).
    fn rps(&self) -> f64 {
        let s = self.run.summary;
        if matches!(self.scope, Scope::Run) {
            return s.achieved_rps;
        }
        let us = if s.scheduling_us > 0 {
            s.scheduling_us
        } else {
            s.duration_us
        };
        let t = self.totals();
        let launched = match self.scope {
            Scope::Step(..) => t.ok.saturating_add(t.failed),
            _ => t.scheduled.saturating_sub(t.dropped),
        };
        if us == 0 {
            0.0
        } else {
            launched as f64 / (us as f64 / 1e6)
        }
    }

    /// The per-interval series: latency p50, p90, p99, error rate, drop
    /// rate; empty where no interval had a row of the group.
    fn series(&self) -> [Series; 5] {
        let name = self.scenario().map(|s| s.name.as_str());
        let step = self.step().map(|s| s.name.as_str());
        self.run
            .series
            .group(name, step)
            .cloned()
            .unwrap_or_default()
            .values
    }
}

/// The series index of quantile `q`: p50 for q ≤ 0.5, p90 for q ≤ 0.9,
/// else p99.
fn series_of(q: f64) -> usize {
    if q <= 0.5 {
        0
    } else if q <= 0.9 {
        1
    } else {
        2
    }
}

fn relative(base: f64, new: f64) -> Option<f64> {
    (base != 0.0).then(|| (new - base) / base)
}

/// Whether a relative change (or a change from 0) is past the noise threshold.
fn past_noise(base: f64, new: f64) -> bool {
    relative(base, new).map_or(new != 0.0, |r| r.abs() > stats::NOISE)
}

fn decode(view: &View<'_>, metric: &str, st: &Stats) -> Result<Histogram<u64>, CompareError> {
    st.histogram().map_err(|e| {
        CompareError::new(format!(
            "`{}`: {}{metric}.hdr: {e}",
            view.run.label,
            view.path()
        ))
    })
}

/// Compares one group of the two runs; `extra` are percentiles (0 to 100)
/// that gates ask for beyond the usual ones.
pub(super) fn compare_group(
    base: Run<'_>,
    new: Run<'_>,
    scopes: (Scope, Scope),
    extra: &[f64],
) -> Result<Group, CompareError> {
    let b = View {
        run: base,
        scope: scopes.0,
    };
    let n = View {
        run: new,
        scope: scopes.1,
    };
    let (bt, nt) = (b.totals(), n.totals());
    let is_step = matches!(scopes.0, Scope::Step(..));
    let mut counts = Vec::new();
    let names: &[&'static str] = if is_step {
        &["ok", "failed"]
    } else {
        &["scheduled", "ok", "failed", "dropped", "interrupted"]
    };
    for &name in names {
        let get = |t: &Totals| match name {
            "scheduled" => t.scheduled,
            "ok" => t.ok,
            "failed" => t.failed,
            "dropped" => t.dropped,
            _ => t.interrupted,
        };
        counts.push(CountChange {
            name,
            base: get(&bt),
            new: get(&nt),
        });
    }
    let (mut bs, mut ns) = (b.series(), n.series());
    let mut rates = vec![{
        let (x, y) = (b.rps(), n.rps());
        RateChange {
            name: "rps",
            base: x,
            new: y,
            delta: y - x,
            relative: relative(x, y),
            z: None,
            guard: Guard::Unavailable,
            significant: false,
        }
    }];
    let done = |t: &Totals| t.ok.saturating_add(t.failed);
    rates.push(proportion(
        "error_rate",
        (bt.failed, done(&bt)),
        (nt.failed, done(&nt)),
        (&mut bs[3], &mut ns[3]),
    ));
    if !is_step {
        rates.push(proportion(
            "drop_rate",
            (bt.dropped, bt.scheduled),
            (nt.dropped, nt.scheduled),
            (&mut bs[4], &mut ns[4]),
        ));
    }
    let mut distributions = Vec::new();
    for ((metric, bst), (_, nst)) in b.distributions().into_iter().zip(n.distributions()) {
        let hb = decode(&b, metric, bst)?;
        let hn = decode(&n, metric, nst)?;
        distributions.push(distribution(metric, &hb, &hn, &mut bs, &mut ns, extra));
    }
    Ok(Group {
        scenario: b.scenario().map(|s| s.name.clone()),
        step: b.step().map(|s| s.name.clone()),
        counts,
        rates,
        distributions,
    })
}

/// A proportion `x of n` in both runs, with its z-test and guard.
fn proportion(
    name: &'static str,
    (bx, bn): (u64, u64),
    (nx, nn): (u64, u64),
    (bs, ns): (&mut Series, &mut Series),
) -> RateChange {
    let rate = |x: u64, n: u64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
    let (base, new) = (rate(bx, bn), rate(nx, nn));
    let z = stats::two_proportion_z(bx, bn, nx, nn);
    let delta = new - base;
    let guard = if delta == 0.0 {
        Guard::Disagrees
    } else {
        stats::guard(bs, ns, delta)
    };
    RateChange {
        name,
        base,
        new,
        delta,
        relative: relative(base, new),
        z: Some(z),
        guard,
        significant: z.abs() > stats::Z_95 && guard == Guard::Agrees,
    }
}

/// The statistics of one distribution in both runs.
fn distribution(
    metric: &'static str,
    hb: &Histogram<u64>,
    hn: &Histogram<u64>,
    bs: &mut [Series; 5],
    ns: &mut [Series; 5],
    extra: &[f64],
) -> Distribution {
    let mut quantiles = Vec::new();
    let bounds = |h: &Histogram<u64>, v: u64| if h.is_empty() { 0 } else { v };
    let extreme = |name: &str, b: u64, n: u64| QuantileChange {
        name: name.to_owned(),
        q: None,
        base_us: b,
        new_us: n,
        delta_us: (n as i128 - b as i128).clamp(i64::MIN as i128, i64::MAX as i128) as i64,
        relative: relative(b as f64, n as f64),
        base_ci_us: None,
        new_ci_us: None,
        guard: Guard::Unavailable,
        significant: false,
    };
    quantiles.push(extreme("min", bounds(hb, hb.min()), bounds(hn, hn.min())));
    let mut wanted: Vec<(String, f64)> = QUANTILES
        .iter()
        .map(|(n, q)| ((*n).to_owned(), *q))
        .collect();
    for &p in extra {
        let q = p / 100.0;
        if !wanted.iter().any(|(_, w)| (w - q).abs() < 1e-12) {
            wanted.push((format!("p{p}"), q));
        }
    }
    wanted.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (name, q) in wanted {
        let (bv, bl, bh) = stats::quantile_interval(hb, q);
        let (nv, nl, nh) = stats::quantile_interval(hn, q);
        let mut c = extreme(&name, bv, nv);
        c.q = Some(q);
        c.base_ci_us = Some([bl, bh]);
        c.new_ci_us = Some([nl, nh]);
        let apart = bh < nl || nh < bl;
        let s = series_of(q);
        c.guard = if nv == bv {
            Guard::Disagrees
        } else {
            stats::guard(&mut bs[s], &mut ns[s], nv as f64 - bv as f64)
        };
        c.significant = apart && past_noise(bv as f64, nv as f64) && c.guard == Guard::Agrees;
        quantiles.push(c);
    }
    quantiles.push(extreme("max", hb.max(), hn.max()));
    let (d, d_tolerant, direction) = stats::ks_distances(hb, hn, stats::KS_TOLERANCE);
    let critical = stats::ks_critical(hb.len(), hn.len());
    // Any of the interval series (p50, p90, p99) moving that way, past the
    // noise threshold, as a slow path shows in the intervals' tail.
    let moved = direction != 0.0 && (0..3).any(|s| stats::moved(&mut bs[s], &mut ns[s], direction));
    Distribution {
        metric,
        base_count: hb.len(),
        new_count: hn.len(),
        quantiles,
        ks: Ks {
            d,
            d_tolerant,
            critical: if critical.is_finite() { critical } else { 1.0 },
            moved,
            significant: d_tolerant > critical && d_tolerant > stats::KS_MIN_D && moved,
        },
    }
}
