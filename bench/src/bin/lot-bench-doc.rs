//! lot-bench-doc: writes a results document of a given size, for the
//! compare section of `cargo xtask bench`.
//!
//! ```text
//! lot-bench-doc TEMPLATE OUT --intervals N --scenarios S --steps K --seed X [--shift-us D] [--unfolded]
//! ```
//!
//! The document is TEMPLATE (a document lot wrote) with S scenarios of K
//! steps each, a run of N ticks of 1 s, and latencies of 2 to 3 ms (plus
//! D), deterministic for X: each scenario's histograms hold 20,000 values,
//! and each tick's rows per-interval percentiles drawn around them. The
//! ticks are kept as a run keeps them (`lot::report::IntervalSeries`: an
//! hour whole, a day folded into about 2,700 intervals of 32 s) and the document
//! written as lot writes it. With `--unfolded` every tick is an interval
//! of the document, as no run of over `MAX_INTERVALS` ticks writes it,
//! written one at a time so that a day of them takes little memory. It
//! prints the number of intervals written.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{Context, bail};
use lot::report::{
    Interval, IntervalLatency, IntervalSeries, ScenarioInterval, Stats, StepInterval, Summary,
    Totals, WeightedScenario,
};

struct Args {
    template: String,
    out: String,
    intervals: u64,
    scenarios: usize,
    steps: usize,
    seed: u64,
    shift_us: u64,
    unfolded: bool,
}

fn parse() -> anyhow::Result<Args> {
    let mut positional = Vec::new();
    let mut args = Args {
        template: String::new(),
        out: String::new(),
        intervals: 3600,
        scenarios: 100,
        steps: 1,
        seed: 1,
        shift_us: 0,
        unfolded: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| -> anyhow::Result<u64> {
            let v = it.next().with_context(|| format!("{name} needs a value"))?;
            v.parse()
                .with_context(|| format!("{name}: `{v}` is not a whole number"))
        };
        match a.as_str() {
            "--intervals" => args.intervals = value("--intervals")?,
            "--scenarios" => args.scenarios = value("--scenarios")? as usize,
            "--steps" => args.steps = value("--steps")? as usize,
            "--seed" => args.seed = value("--seed")?,
            "--shift-us" => args.shift_us = value("--shift-us")?,
            "--unfolded" => args.unfolded = true,
            other if other.starts_with("--") => bail!("unknown option `{other}`"),
            _ => positional.push(a),
        }
    }
    let [template, out] = <[String; 2]>::try_from(positional)
        .map_err(|_| anyhow::anyhow!("usage: lot-bench-doc TEMPLATE OUT [options]"))?;
    (args.template, args.out) = (template, out);
    Ok(args)
}

/// A small deterministic generator (PCG's multiplier).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A latency of 2 to 3 ms, plus `shift`.
    fn latency(&mut self, shift: u64) -> u64 {
        2000 + self.next() % 1000 + shift
    }
}

fn stats(rng: &mut Rng, shift: u64, divide: u64) -> Stats {
    let mut h = lot::report::stats::new_histogram();
    for _ in 0..20_000 {
        h.saturating_record(rng.latency(shift) / divide);
    }
    Stats::from_histogram(&h)
}

fn interval_latency(rng: &mut Rng, count: u64, shift: u64, divide: u64) -> IntervalLatency {
    let p50 = (2500 + rng.next() % 40 + shift) / divide;
    IntervalLatency {
        count,
        p50_us: p50,
        p90_us: p50 + (400 + rng.next() % 40) / divide,
        p99_us: p50 + (490 + rng.next() % 10) / divide,
        max_us: p50 + 500 / divide,
    }
}

fn main() -> anyhow::Result<()> {
    let a = parse()?;
    let text = std::fs::read_to_string(&a.template)
        .with_context(|| format!("cannot read `{}`", a.template))?;
    let mut s: Summary = serde_json::from_str(&text).context("the template")?;
    let mut rng = Rng(a.seed);
    let per_interval = 100u64;
    let per_scenario = Totals {
        scheduled: per_interval * a.intervals,
        ok: per_interval * a.intervals,
        ..Totals::default()
    };
    let names: Vec<String> = (0..a.scenarios)
        .map(|i| format!("scenario-{i:03}"))
        .collect();
    let step_names: Vec<String> = (0..a.steps).map(|j| format!("step-{j}")).collect();
    let template = s.scenarios[0].clone();
    let step = template.steps[0].clone();
    s.scenarios = names
        .iter()
        .map(|name| {
            let mut sc = template.clone();
            sc.name = name.clone();
            sc.totals = per_scenario;
            sc.latency = stats(&mut rng, a.shift_us, 1);
            sc.service_time = sc.latency.clone();
            sc.schedule_lag = stats(&mut rng, 0, 20);
            sc.checks.clear();
            sc.steps = step_names
                .iter()
                .map(|n| {
                    let mut st = step.clone();
                    st.name = n.clone();
                    (st.ok, st.failed) = (per_scenario.ok, 0);
                    st.latency = stats(&mut rng, a.shift_us, 2);
                    st
                })
                .collect();
            sc
        })
        .collect();
    let duration_us = a.intervals * 1_000_000;
    let rate = (per_interval * a.scenarios as u64) as f64;
    let load = &mut s.plan.loads[0];
    load.stages.truncate(1);
    (load.stages[0].from, load.stages[0].to) = (rate, rate);
    load.stages[0].duration_us = duration_us;
    load.scenarios = names
        .iter()
        .map(|name| WeightedScenario {
            name: name.clone(),
            weight: 1,
        })
        .collect();
    load.iterations = Some(per_interval * a.scenarios as u64 * a.intervals);
    s.plan.iterations = per_interval * a.scenarios as u64 * a.intervals;
    (s.plan.duration_us, s.duration_us, s.scheduling_us) = (duration_us, duration_us, duration_us);
    s.totals = Totals {
        scheduled: s.plan.iterations,
        ok: s.plan.iterations,
        ..Totals::default()
    };
    (s.target_rps, s.achieved_rps) = (rate, rate);
    s.latency = stats(&mut rng, a.shift_us, 1);
    (s.service_time, s.schedule_lag) = (s.latency.clone(), stats(&mut rng, 0, 20));
    s.intervals = Vec::new();

    let mut cumulative = Totals::default();
    let mut tick = |k: u64| -> Interval {
        let counts = Totals {
            scheduled: per_interval * a.scenarios as u64,
            ok: per_interval * a.scenarios as u64,
            ..Totals::default()
        };
        cumulative.add(&counts);
        let row_counts = Totals {
            scheduled: per_interval,
            ok: per_interval,
            ..Totals::default()
        };
        Interval {
            index: k,
            start_us: k * 1_000_000,
            duration_us: 1_000_000,
            target_rps: rate,
            achieved_rps: rate,
            started: counts.scheduled,
            counts,
            cumulative,
            in_flight: 0,
            users: 0,
            latency: interval_latency(&mut rng, counts.ok, a.shift_us, 1),
            scenarios: names
                .iter()
                .map(|name| ScenarioInterval {
                    name: name.clone(),
                    counts: row_counts,
                    latency: interval_latency(&mut rng, per_interval, a.shift_us, 1),
                    target_rps: per_interval as f64,
                    started: per_interval,
                    steps: step_names
                        .iter()
                        .map(|n| StepInterval {
                            name: n.clone(),
                            ok: per_interval,
                            failed: 0,
                            latency: interval_latency(&mut rng, per_interval, a.shift_us, 2),
                        })
                        .collect(),
                    ..ScenarioInterval::default()
                })
                .collect(),
            snapshot: None,
        }
    };
    let file = File::create(&a.out).with_context(|| format!("cannot create `{}`", a.out))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    if !a.unfolded {
        let mut series = IntervalSeries::new(1_000_000);
        for k in 0..a.intervals.saturating_sub(1) {
            series.push(tick(k));
        }
        let last = a.intervals.checked_sub(1).map(&mut tick);
        s.intervals = series.finish(last);
        out.write_all(lot::report::json::to_json(&s).as_bytes())?;
        out.flush()?;
        println!("{}", s.intervals.len());
        return Ok(());
    }

    // Every tick an interval, written one at a time.
    let head = lot::report::json::to_json(&s);
    let Some(head) = head.trim_end().strip_suffix("\"intervals\": []\n}") else {
        bail!("the document does not end with its intervals");
    };
    write!(out, "{head}\"intervals\": [")?;
    for k in 0..a.intervals {
        let text = serde_json::to_string_pretty(&tick(k))?.replace('\n', "\n    ");
        let sep = if k == 0 { "\n    " } else { ",\n    " };
        write!(out, "{sep}{text}")?;
    }
    writeln!(out, "\n  ]\n}}")?;
    out.flush()?;
    println!("{}", a.intervals);
    Ok(())
}
