//! The first section: the scheduler with a no-op scenario, on every core.

use super::measure::{mb, measure, pinned, us_per};
use super::output::{key_values, num};
use super::plan::Plan;
use super::report::Row;
use super::setup::Setup;

/// A row per rate of the plan.
pub(super) fn rows(plan: &Plan, setup: &Setup, log: &mut Vec<String>) -> Vec<Row> {
    plan.noop_rates
        .iter()
        .map(|&rate| at(rate, plan, setup, log))
        .collect()
}

/// lot-bench-gen's no-op scenario at `rate`.
fn at(rate: u64, plan: &Plan, setup: &Setup, log: &mut Vec<String>) -> Row {
    eprintln!("no-op scenario at {rate}/s for {} s...", plan.noop_secs);
    let args = vec![
        "noop".into(),
        "--rate".into(),
        rate.to_string(),
        "--duration".into(),
        plan.noop_secs.to_string(),
        "--threads".into(),
        setup.cores.to_string(),
    ];
    let run = measure(pinned(None, &setup.gen_bin, &args), log);
    let kv = key_values(&run.stdout);
    let ok = num(&kv, "ok");
    Row {
        section: "no-op scheduler",
        name: format!("{rate}/s"),
        values: vec![
            ("achieved/s", format!("{:.0}", num(&kv, "achieved_rps"))),
            (
                "worst second off target",
                format!("{:.2}%", num(&kv, "worst_second_deviation_pct")),
            ),
            ("lag p50", format!("{:.0}µs", num(&kv, "lag_p50_us"))),
            ("lag p99", format!("{:.0}µs", num(&kv, "lag_p99_us"))),
            (
                "CPU/iteration",
                format!("{:.2}µs", us_per(run.usage.cpu, ok)),
            ),
            ("peak RSS", mb(run.usage.peak_rss_kb)),
        ],
    }
}
