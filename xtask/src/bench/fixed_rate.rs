//! The second section: HTTP at a fixed rate, lot (with lot::http, with
//! lot::http recording no metrics, and with reqwest for reference) against
//! oha -q.

use std::path::Path;

use super::measure::{measure, pinned, us_per};
use super::output::{key_values, num, oha_requests};
use super::plan::Plan;
use super::report::Row;
use super::server::Server;
use super::setup::Setup;

/// One run at the fixed rate.
struct Sample {
    achieved: f64,
    /// CPU time per request, in microseconds.
    cpu_per: f64,
    peak_rss_kb: u64,
}

/// Each tool's runs, round after round.
#[derive(Default)]
struct Rounds {
    lot: Vec<Sample>,
    /// lot::http with its per-request metrics off.
    bare: Vec<Sample>,
    reqwest: Vec<Sample>,
    oha: Vec<Sample>,
}

/// The section's one row.
pub(super) fn row(plan: &Plan, setup: &Setup, server: &Server, log: &mut Vec<String>) -> Row {
    // Rounds of lot, lot with reqwest and oha, one after the other, so a
    // drift of the machine's speed over the minutes touches each alike; the
    // ratio reported is the median of the rounds' ratios.
    let mut rounds = Rounds::default();
    for _ in 0..plan.fixed_rounds {
        rounds.lot.push(lot(plan, setup, server, "http", log));
        rounds.bare.push(lot(plan, setup, server, "http-bare", log));
        rounds
            .reqwest
            .push(lot(plan, setup, server, "reqwest", log));
        if let Some(oha_bin) = &setup.oha {
            rounds.oha.push(oha(plan, setup, server, oha_bin, log));
        }
    }
    Row {
        section: "HTTP fixed rate",
        name: format!("{}/s", plan.fixed_rate),
        values: values(&rounds),
    }
}

/// lot-bench-gen with `client` (`http`, `http-bare`: lot::http without
/// its metrics, or `reqwest`).
fn lot(plan: &Plan, setup: &Setup, server: &Server, client: &str, log: &mut Vec<String>) -> Sample {
    eprintln!(
        "HTTP at {}/s for {} s: lot with {client}...",
        plan.fixed_rate, plan.fixed_secs
    );
    let (mode, metrics) = match client {
        "http-bare" => ("http", "off"),
        other => (other, "on"),
    };
    let mut args: Vec<String> = vec![
        mode.into(),
        "--url".into(),
        server.url.clone(),
        "--rate".into(),
        plan.fixed_rate.to_string(),
        "--duration".into(),
        plan.fixed_secs.to_string(),
        "--threads".into(),
        "1".into(),
    ];
    if mode == "http" {
        args.extend(["--metrics".into(), metrics.into()]);
    }
    let run = measure(pinned(setup.gen_core, &setup.gen_bin, &args), log);
    let kv = key_values(&run.stdout);
    Sample {
        achieved: num(&kv, "achieved_rps"),
        cpu_per: us_per(run.usage.cpu, num(&kv, "ok")),
        peak_rss_kb: run.usage.peak_rss_kb,
    }
}

/// `oha -q` at the same rate, over 64 connections.
fn oha(plan: &Plan, setup: &Setup, server: &Server, oha: &Path, log: &mut Vec<String>) -> Sample {
    eprintln!(
        "HTTP at {}/s for {} s: oha -q...",
        plan.fixed_rate, plan.fixed_secs
    );
    let args = vec![
        "--no-tui".into(),
        "-z".into(),
        format!("{}s", plan.fixed_secs),
        "-q".into(),
        plan.fixed_rate.to_string(),
        "-c".into(),
        "64".into(),
        server.url.clone(),
    ];
    let run = measure(pinned(setup.gen_core, oha, &args), log);
    let done = oha_requests(&run.stdout);
    Sample {
        achieved: done / plan.fixed_secs as f64,
        cpu_per: us_per(run.usage.cpu, done),
        peak_rss_kb: run.usage.peak_rss_kb,
    }
}

/// The row's columns: medians of the rounds, the highest peak RSS, and the
/// CPU ratios to oha if it ran.
fn values(rounds: &Rounds) -> Vec<(&'static str, String)> {
    let achieved = |runs: &[Sample]| median(runs.iter().map(|r| r.achieved).collect());
    let cpu = |runs: &[Sample]| median(runs.iter().map(|r| r.cpu_per).collect());
    let rss =
        |runs: &[Sample]| runs.iter().map(|r| r.peak_rss_kb).max().unwrap_or(0) as f64 / 1024.0;
    let mut values = vec![
        ("lot achieved/s", format!("{:.0}", achieved(&rounds.lot))),
        ("lot CPU/request", format!("{:.1}µs", cpu(&rounds.lot))),
        ("lot peak RSS", format!("{:.1}MB", rss(&rounds.lot))),
        (
            "lot without metrics CPU/request",
            format!("{:.1}µs", cpu(&rounds.bare)),
        ),
        (
            "metrics cost",
            format!(
                "{:+.1}%",
                (cpu(&rounds.lot) / cpu(&rounds.bare) - 1.0) * 100.0
            ),
        ),
        (
            "lot+reqwest CPU/request",
            format!("{:.1}µs", cpu(&rounds.reqwest)),
        ),
        (
            "lot+reqwest peak RSS",
            format!("{:.1}MB", rss(&rounds.reqwest)),
        ),
    ];
    if rounds.oha.is_empty() {
        return values;
    }
    let ratios: Vec<f64> = rounds
        .lot
        .iter()
        .zip(&rounds.oha)
        .map(|(lot, oha)| lot.cpu_per / oha.cpu_per)
        .collect();
    values.extend([
        ("oha achieved/s", format!("{:.0}", achieved(&rounds.oha))),
        ("oha CPU/request", format!("{:.1}µs", cpu(&rounds.oha))),
        ("oha peak RSS", format!("{:.1}MB", rss(&rounds.oha))),
        (
            "CPU ratio lot/oha",
            format!("{:.2}", median(ratios.clone())),
        ),
        (
            "ratio per round",
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]);
    values
}

/// The median of `values` (the mean of the middle two for an even count),
/// or NaN for none.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn medians() {
        assert!(median(vec![]).is_nan());
        assert_eq!(median(vec![3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
