//! The second section: HTTP at a fixed rate, lot (with lot::http, with
//! lot::http recording no metrics, with lot::http and the live reporters
//! (remote write to the server, which discards it, and the dashboard), and
//! with reqwest for reference) against oha -q. Its runs in rounds, a
//! [`Comparison`], serve the HTTPS section too.

use std::path::Path;

use super::measure::{measure, pinned, us_per};
use super::output::oha_requests;
use super::plan::Plan;
use super::report::Row;
use super::rounds::{Rounds, Sample};
use super::server::Server;
use super::setup::Setup;

/// lot-bench-gen's clients and oha at one rate against one server, in
/// rounds.
pub(super) struct Comparison<'a> {
    /// What the progress lines call the runs: `HTTP`, `HTTPS`.
    pub(super) what: &'static str,
    pub(super) server: &'a Server,
    pub(super) rate: u64,
    /// lot-bench-gen's clients, in the order they run: `http`,
    /// `http-bare` (lot::http without its metrics), `http-live` (lot::http
    /// with the exporter and the dashboard), `http-64` (lot::http over at
    /// most 64 connections, as oha's), `reqwest`. oha is compared with the
    /// first.
    pub(super) clients: &'static [&'static str],
    /// lot-bench-gen's flags beyond the URL, the rate and the length.
    pub(super) gen_flags: Vec<String>,
    /// oha's flags beyond them.
    pub(super) oha_flags: Vec<String>,
}

/// The section's one row.
pub(super) fn row(plan: &Plan, setup: &Setup, server: &Server, log: &mut Vec<String>) -> Row {
    let comparison = Comparison {
        what: "HTTP",
        server,
        rate: plan.fixed_rate,
        clients: &["http", "http-bare", "http-live", "reqwest"],
        gen_flags: Vec::new(),
        oha_flags: Vec::new(),
    };
    let rounds = comparison.run(plan, setup, log);
    let (lot, bare) = (rounds.cpu("http"), rounds.cpu("http-bare"));
    let mut values = vec![
        ("lot achieved/s", rounds.achieved("http")),
        ("lot CPU/request", rounds.cpu_text("http")),
        ("lot peak RSS", rounds.rss("http")),
        (
            "lot without metrics CPU/request",
            rounds.cpu_text("http-bare"),
        ),
        (
            "metrics cost",
            format!("{:+.1}%", (lot / bare - 1.0) * 100.0),
        ),
    ];
    values.extend(rounds.live_columns(
        "http",
        "http-live",
        "lot with exporter + dashboard CPU/request",
        1,
    ));
    values.extend([
        ("lot+reqwest CPU/request", rounds.cpu_text("reqwest")),
        ("lot+reqwest peak RSS", rounds.rss("reqwest")),
    ]);
    values.extend(rounds.oha_columns("oha CPU/request", "CPU ratio lot/oha"));
    values.push(("server count = ok + failed", rounds.reached(None)));
    Row {
        section: "HTTP fixed rate",
        name: format!("{}/s", plan.fixed_rate),
        values,
    }
}

impl Comparison<'_> {
    /// Rounds of each client and oha, one after the other, so a drift of
    /// the machine's speed over the minutes touches each alike; the ratio
    /// reported is the median of the rounds' ratios.
    pub(super) fn run(&self, plan: &Plan, setup: &Setup, log: &mut Vec<String>) -> Rounds {
        Rounds::run(
            plan.fixed_rounds,
            self.clients,
            setup.oha.is_some(),
            |client| match (client, &setup.oha) {
                (Some(client), _) => self.lot(plan, setup, client, log),
                (None, Some(oha_bin)) => self.oha(plan, setup, oha_bin, log),
                (None, None) => unreachable!("oha runs only if it is installed"),
            },
        )
    }

    /// lot-bench-gen with `client`, and what the server counted meanwhile.
    fn lot(&self, plan: &Plan, setup: &Setup, client: &str, log: &mut Vec<String>) -> Sample {
        eprintln!(
            "{} at {}/s for {} s: lot with {client}...",
            self.what, self.rate, plan.fixed_secs
        );
        let (mode, metrics, connections) = match client {
            "http-bare" => ("http", "off", None),
            "http-live" => ("http", "on", None),
            "http-64" => ("http", "on", Some("64")),
            other => (other, "on", None),
        };
        let mut args: Vec<String> = vec![
            mode.into(),
            "--url".into(),
            self.server.url.clone(),
            "--rate".into(),
            self.rate.to_string(),
            "--duration".into(),
            plan.fixed_secs.to_string(),
            "--threads".into(),
            "1".into(),
        ];
        if mode == "http" {
            args.extend(["--metrics".into(), metrics.into()]);
        }
        if let Some(max) = connections {
            args.extend(["--max-connections".into(), max.into()]);
        }
        if client == "http-live" {
            args.extend(live_flags(self.server));
        }
        args.extend(self.gen_flags.iter().cloned());
        let (before, shakes) = (self.server.served(), self.server.handshakes());
        let run = measure(pinned(setup.gen_core, &setup.gen_bin, &args), log);
        let reached = match (before, self.server.served()) {
            (Some(before), Some(after)) => after.saturating_sub(before) as f64,
            _ => f64::NAN,
        };
        Sample::of_gen(&run, reached, self.handshakes_since(shakes))
    }

    /// `oha -q` at the same rate, over 64 connections.
    fn oha(&self, plan: &Plan, setup: &Setup, oha: &Path, log: &mut Vec<String>) -> Sample {
        eprintln!(
            "{} at {}/s for {} s: oha -q {}...",
            self.what,
            self.rate,
            plan.fixed_secs,
            self.oha_flags.join(" ")
        );
        let mut args = vec![
            "--no-tui".into(),
            "-z".into(),
            format!("{}s", plan.fixed_secs),
            "-q".into(),
            self.rate.to_string(),
            "-c".into(),
            "64".into(),
        ];
        args.extend(self.oha_flags.iter().cloned());
        args.push(self.server.url.clone());
        let shakes = self.server.handshakes();
        let run = measure(pinned(setup.gen_core, oha, &args), log);
        let done = oha_requests(&run.stdout);
        Sample {
            achieved: done / plan.fixed_secs as f64,
            cpu_per: us_per(run.usage.cpu, done),
            peak_rss_kb: run.usage.peak_rss_kb,
            peak_anon_kb: run.usage.peak_anon_kb,
            finished: f64::NAN,
            failed: f64::NAN,
            reached: f64::NAN,
            handshakes: self.handshakes_since(shakes),
            kv: Default::default(),
        }
    }

    /// The handshakes the server completed since it counted `before`.
    fn handshakes_since(&self, before: Option<(u64, u64)>) -> Option<(u64, u64)> {
        let ((full0, resumed0), (full, resumed)) = (before?, self.server.handshakes()?);
        Some((full.saturating_sub(full0), resumed.saturating_sub(resumed0)))
    }
}

/// lot-bench-gen's flags for the exporter and the dashboard: remote write
/// to `server`, which reads and discards it (and does not count it).
pub(super) fn live_flags(server: &Server) -> [String; 2] {
    ["--live".into(), format!("{}api/v1/write", server.url)]
}
