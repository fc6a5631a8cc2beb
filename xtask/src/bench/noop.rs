//! The first section: the scheduler with a no-op scenario, on every core.
//! At [`Plan::live_noop_rate`] it runs in rounds beside the same run with
//! the live reporters (remote write to the server, and the dashboard).

use super::fixed_rate::live_flags;
use super::measure::{measure, pinned};
use super::plan::Plan;
use super::report::Row;
use super::rounds::{Rounds, Sample};
use super::server::Server;
use super::setup::Setup;

/// A row per rate of the plan.
pub(super) fn rows(plan: &Plan, setup: &Setup, server: &Server, log: &mut Vec<String>) -> Vec<Row> {
    plan.noop_rates
        .iter()
        .map(|&rate| at(rate, plan, setup, server, log))
        .collect()
}

/// lot-bench-gen's no-op scenario at `rate`: once, or at the live rate in
/// rounds, each without and then with the live reporters.
fn at(rate: u64, plan: &Plan, setup: &Setup, server: &Server, log: &mut Vec<String>) -> Row {
    let live = rate == plan.live_noop_rate;
    let (rounds, clients): (_, &[_]) = if live {
        (plan.fixed_rounds, &["noop", "noop-live"])
    } else {
        (1, &["noop"])
    };
    let rounds = Rounds::run(rounds, clients, false, |client| {
        let live = client == Some("noop-live");
        let with = if live {
            " with exporter + dashboard"
        } else {
            ""
        };
        eprintln!(
            "no-op scenario at {rate}/s for {} s{with}...",
            plan.noop_secs
        );
        let mut args = vec![
            "noop".into(),
            "--rate".into(),
            rate.to_string(),
            "--duration".into(),
            plan.noop_secs.to_string(),
            "--threads".into(),
            setup.cores.to_string(),
        ];
        if live {
            args.extend(live_flags(server));
        }
        let run = measure(pinned(None, &setup.gen_bin, &args), log);
        Sample::of_gen(&run, f64::NAN, None)
    });
    let mut values = vec![
        ("achieved/s", rounds.achieved("noop")),
        (
            "worst second off target",
            format!(
                "{:.2}%",
                rounds.median_of("noop", "worst_second_deviation_pct")
            ),
        ),
        (
            "lag p50",
            format!("{:.0}µs", rounds.median_of("noop", "lag_p50_us")),
        ),
        (
            "lag p99",
            format!("{:.0}µs", rounds.median_of("noop", "lag_p99_us")),
        ),
        ("CPU/iteration", format!("{:.2}µs", rounds.cpu("noop"))),
        ("peak RSS", rounds.rss("noop")),
    ];
    values.extend(rounds.live_columns(
        "noop",
        "noop-live",
        "with exporter + dashboard CPU/iteration",
        2,
    ));
    Row {
        section: "no-op scheduler",
        name: format!("{rate}/s"),
        values,
    }
}
