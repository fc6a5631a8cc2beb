//! The second section: HTTP at a fixed rate, lot (with lot::http, with
//! lot::http recording no metrics, and with reqwest for reference) against
//! oha -q. Its runs in rounds, a [`Comparison`], serve the HTTPS section
//! too.

use std::path::Path;

use super::measure::{mb, measure, pinned, us_per};
use super::output::{key_values, num, oha_requests};
use super::plan::Plan;
use super::report::Row;
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
    /// `http-bare` (lot::http without its metrics), `http-64` (lot::http
    /// over at most 64 connections, as oha's), `reqwest`. oha is compared
    /// with the first.
    pub(super) clients: &'static [&'static str],
    /// lot-bench-gen's flags beyond the URL, the rate and the length.
    pub(super) gen_flags: Vec<String>,
    /// oha's flags beyond them.
    pub(super) oha_flags: Vec<String>,
}

/// One run at the fixed rate.
struct Sample {
    achieved: f64,
    /// CPU time per request, in microseconds.
    cpu_per: f64,
    peak_rss_kb: u64,
    /// lot's ok + failed and its failed alone (NaN for oha, which does not
    /// let its last requests finish), and the requests the server counted
    /// meanwhile. A request that failed before it was sent (its connection
    /// or handshake) is not counted by the server.
    finished: f64,
    failed: f64,
    reached: f64,
    /// The TLS handshakes the server completed during the run: full and
    /// resumed.
    handshakes: Option<(u64, u64)>,
}

/// Each tool's runs, round after round.
pub(super) struct Rounds {
    /// Each client's runs, in the comparison's order.
    lot: Vec<(&'static str, Vec<Sample>)>,
    oha: Vec<Sample>,
}

/// The section's one row.
pub(super) fn row(plan: &Plan, setup: &Setup, server: &Server, log: &mut Vec<String>) -> Row {
    let comparison = Comparison {
        what: "HTTP",
        server,
        rate: plan.fixed_rate,
        clients: &["http", "http-bare", "reqwest"],
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
        ("lot+reqwest CPU/request", rounds.cpu_text("reqwest")),
        ("lot+reqwest peak RSS", rounds.rss("reqwest")),
    ];
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
        let mut rounds = Rounds {
            lot: self.clients.iter().map(|&c| (c, Vec::new())).collect(),
            oha: Vec::new(),
        };
        for _ in 0..plan.fixed_rounds {
            for (client, runs) in &mut rounds.lot {
                runs.push(self.lot(plan, setup, client, log));
            }
            if let Some(oha_bin) = &setup.oha {
                rounds.oha.push(self.oha(plan, setup, oha_bin, log));
            }
        }
        rounds
    }

    /// lot-bench-gen with `client`, and what the server counted meanwhile.
    fn lot(&self, plan: &Plan, setup: &Setup, client: &str, log: &mut Vec<String>) -> Sample {
        eprintln!(
            "{} at {}/s for {} s: lot with {client}...",
            self.what, self.rate, plan.fixed_secs
        );
        let (mode, metrics, connections) = match client {
            "http-bare" => ("http", "off", None),
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
        args.extend(self.gen_flags.iter().cloned());
        let (before, shakes) = (self.server.served(), self.server.handshakes());
        let run = measure(pinned(setup.gen_core, &setup.gen_bin, &args), log);
        let kv = key_values(&run.stdout);
        Sample {
            achieved: num(&kv, "achieved_rps"),
            cpu_per: us_per(run.usage.cpu, num(&kv, "ok")),
            peak_rss_kb: run.usage.peak_rss_kb,
            finished: num(&kv, "ok") + num(&kv, "failed"),
            failed: num(&kv, "failed"),
            reached: match (before, self.server.served()) {
                (Some(before), Some(after)) => after.saturating_sub(before) as f64,
                _ => f64::NAN,
            },
            handshakes: self.handshakes_since(shakes),
        }
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
            finished: f64::NAN,
            failed: f64::NAN,
            reached: f64::NAN,
            handshakes: self.handshakes_since(shakes),
        }
    }

    /// The handshakes the server completed since it counted `before`.
    fn handshakes_since(&self, before: Option<(u64, u64)>) -> Option<(u64, u64)> {
        let ((full0, resumed0), (full, resumed)) = (before?, self.server.handshakes()?);
        Some((full.saturating_sub(full0), resumed.saturating_sub(resumed0)))
    }
}

impl Rounds {
    /// The runs of `who`: one of the comparison's clients, or `oha`.
    fn runs(&self, who: &str) -> &[Sample] {
        if who == "oha" {
            return &self.oha;
        }
        self.lot
            .iter()
            .find(|(client, _)| *client == who)
            .map_or(&[], |(_, runs)| runs)
    }

    /// The median of the rounds' achieved rates.
    pub(super) fn achieved(&self, who: &str) -> String {
        let rates = self.runs(who).iter().map(|r| r.achieved).collect();
        format!("{:.0}", median(rates))
    }

    /// The median of the rounds' CPU time per request, in microseconds.
    pub(super) fn cpu(&self, who: &str) -> f64 {
        median(self.runs(who).iter().map(|r| r.cpu_per).collect())
    }

    /// [`Rounds::cpu`] as text: `12.3µs`.
    pub(super) fn cpu_text(&self, who: &str) -> String {
        format!("{:.1}µs", self.cpu(who))
    }

    /// The highest peak RSS of the rounds, in kB.
    pub(super) fn rss_kb(&self, who: &str) -> u64 {
        self.runs(who)
            .iter()
            .map(|r| r.peak_rss_kb)
            .max()
            .unwrap_or(0)
    }

    /// [`Rounds::rss_kb`] as text: `12.3MB`.
    pub(super) fn rss(&self, who: &str) -> String {
        mb(self.rss_kb(who))
    }

    /// The median of the rounds' CPU ratios of `who` (lot's first client
    /// if `None`) to oha, or `None` if oha did not run.
    pub(super) fn ratio(&self, who: Option<&str>) -> Option<f64> {
        let ratios = self.ratios(who);
        (!ratios.is_empty()).then(|| median(ratios))
    }

    /// Each round's CPU per request of `who` (lot's first client if
    /// `None`) over oha's.
    fn ratios(&self, who: Option<&str>) -> Vec<f64> {
        let first = self.lot.first().map_or("", |(client, _)| *client);
        self.runs(who.unwrap_or(first))
            .iter()
            .zip(&self.oha)
            .map(|(lot, oha)| lot.cpu_per / oha.cpu_per)
            .collect()
    }

    /// Each round's ratio of [`Rounds::ratio`]: `0.61 0.70 0.63`.
    pub(super) fn per_round(&self, who: Option<&str>) -> String {
        self.ratios(who)
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// oha's columns and the CPU ratios of lot's first client, under the
    /// labels given, or none if oha did not run.
    pub(super) fn oha_columns(
        &self,
        cpu_label: &'static str,
        ratio_label: &'static str,
    ) -> Vec<(&'static str, String)> {
        let Some(ratio) = self.ratio(None) else {
            return Vec::new();
        };
        vec![
            ("oha achieved/s", self.achieved("oha")),
            (cpu_label, self.cpu_text("oha")),
            ("oha peak RSS", self.rss("oha")),
            (ratio_label, format!("{ratio:.2}")),
            ("ratio per round", self.per_round(None)),
        ]
    }

    /// Whether the server counted, in every run of lot (with the client
    /// `who`, or any), lot's ok + failed: `yes (N runs)`, or the runs that
    /// differ.
    pub(super) fn reached(&self, who: Option<&str>) -> String {
        let runs: Vec<(&str, &Sample)> = self
            .lot
            .iter()
            .filter(|(client, _)| who.is_none_or(|who| who == *client))
            .flat_map(|(client, runs)| runs.iter().map(move |r| (*client, r)))
            .collect();
        let differ: Vec<String> = runs
            .iter()
            .filter(|(_, r)| r.reached != r.finished)
            .map(|(client, r)| {
                format!(
                    "{client}: server {:.0}, lot {:.0} ({:.0} failed)",
                    r.reached, r.finished, r.failed
                )
            })
            .collect();
        if differ.is_empty() {
            let n = runs.len();
            format!("yes ({n} run{})", if n == 1 { "" } else { "s" })
        } else {
            format!("NO: {}", differ.join("; "))
        }
    }

    /// The TLS handshakes the server made in `who`'s runs: `64 per run,
    /// 2% resumed`.
    pub(super) fn handshakes(&self, who: &str) -> String {
        let runs: Vec<(u64, u64)> = self.runs(who).iter().filter_map(|r| r.handshakes).collect();
        let (full, resumed) = runs
            .iter()
            .fold((0, 0), |(f, r), (full, resumed)| (f + full, r + resumed));
        let all = full + resumed;
        if all == 0 {
            return "–".to_owned();
        }
        format!(
            "{:.0} per run, {:.0}% resumed",
            all as f64 / runs.len() as f64,
            resumed as f64 * 100.0 / all as f64
        )
    }
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
