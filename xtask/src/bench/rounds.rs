//! Runs in rounds: every client (and oha, if it runs) once per round, one
//! after the other, so a drift of the machine's speed over the minutes
//! touches each alike; a ratio reported is the median of the rounds'
//! ratios. The no-op, HTTP and HTTPS sections measure this way.

use std::collections::BTreeMap;

use super::measure::{Run, mb, us_per};
use super::output::{key_values, num};

/// One run.
pub(super) struct Sample {
    pub(super) achieved: f64,
    /// CPU time per iteration or request, in microseconds.
    pub(super) cpu_per: f64,
    pub(super) peak_rss_kb: u64,
    /// The most anonymous memory sampled (see `Usage::peak_anon_kb`).
    pub(super) peak_anon_kb: u64,
    /// lot's ok + failed and its failed alone (NaN for oha, which does not
    /// let its last requests finish), and the requests the server counted
    /// meanwhile (NaN if none was asked). A request that failed before it
    /// was sent (its connection or handshake) is not counted by the server.
    pub(super) finished: f64,
    pub(super) failed: f64,
    pub(super) reached: f64,
    /// The TLS handshakes the server completed during the run: full and
    /// resumed.
    pub(super) handshakes: Option<(u64, u64)>,
    /// lot-bench-gen's `key=value` lines (none for oha).
    pub(super) kv: BTreeMap<String, String>,
}

impl Sample {
    /// A run of lot-bench-gen, with the requests the server counted and
    /// the handshakes it made meanwhile.
    pub(super) fn of_gen(run: &Run, reached: f64, handshakes: Option<(u64, u64)>) -> Sample {
        let kv = key_values(&run.stdout);
        Sample {
            achieved: num(&kv, "achieved_rps"),
            cpu_per: us_per(run.usage.cpu, num(&kv, "ok")),
            peak_rss_kb: run.usage.peak_rss_kb,
            peak_anon_kb: run.usage.peak_anon_kb,
            finished: num(&kv, "ok") + num(&kv, "failed"),
            failed: num(&kv, "failed"),
            reached,
            handshakes,
            kv,
        }
    }
}

/// Each tool's runs, round after round.
pub(super) struct Rounds {
    /// Each client's runs, in the order they ran.
    lot: Vec<(&'static str, Vec<Sample>)>,
    oha: Vec<Sample>,
}

/// The columns [`Rounds::live_columns`] adds beside the CPU time.
const LIVE_LABELS: [&str; 5] = [
    "exporter + dashboard peak RSS",
    "CPU ratio live/off (per round)",
    "RSS ratio live/off",
    "of which anonymous off, live",
    "remote writes accepted",
];

impl Rounds {
    /// `rounds` rounds of `sample` with each of `clients` and then, if
    /// `oha`, with `None` for oha.
    pub(super) fn run(
        rounds: u32,
        clients: &[&'static str],
        oha: bool,
        mut sample: impl FnMut(Option<&'static str>) -> Sample,
    ) -> Rounds {
        let mut all = Rounds {
            lot: clients.iter().map(|&c| (c, Vec::new())).collect(),
            oha: Vec::new(),
        };
        for _ in 0..rounds {
            for (client, runs) in &mut all.lot {
                runs.push(sample(Some(client)));
            }
            if oha {
                all.oha.push(sample(None));
            }
        }
        all
    }

    /// The runs of `who`: one of the clients, or `oha`.
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

    /// The median of the rounds' values of lot-bench-gen's `key`.
    pub(super) fn median_of(&self, who: &str, key: &str) -> f64 {
        median(self.runs(who).iter().map(|r| num(&r.kv, key)).collect())
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

    /// The highest anonymous memory sampled in the rounds, in kB.
    fn anon_kb(&self, who: &str) -> u64 {
        self.runs(who)
            .iter()
            .map(|r| r.peak_anon_kb)
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
        let ratios = self.ratios(self.client(who), "oha");
        (!ratios.is_empty()).then(|| median(ratios))
    }

    /// `who`, or lot's first client if `None`.
    fn client<'a>(&'a self, who: Option<&'a str>) -> &'a str {
        who.unwrap_or_else(|| self.lot.first().map_or("", |(client, _)| *client))
    }

    /// Each round's CPU per request of `who` over `over`'s.
    fn ratios(&self, who: &str, over: &str) -> Vec<f64> {
        self.runs(who)
            .iter()
            .zip(self.runs(over))
            .map(|(a, b)| a.cpu_per / b.cpu_per)
            .collect()
    }

    /// Each round's ratio of [`Rounds::ratio`]: `0.61 0.70 0.63`.
    pub(super) fn per_round(&self, who: Option<&str>) -> String {
        joined(&self.ratios(self.client(who), "oha"))
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

    /// The runs of `live` (with the exporter and the dashboard) beside
    /// those of `off`: its CPU time (under `cpu_label`, with `digits`
    /// decimals) and peak RSS, the median of the rounds' CPU ratios to
    /// `off` and each round's, the ratio of the peak RSS, and the remote
    /// writes the receiver accepted; `–` in each if `live` did not run.
    pub(super) fn live_columns(
        &self,
        off: &str,
        live: &str,
        cpu_label: &'static str,
        digits: usize,
    ) -> Vec<(&'static str, String)> {
        let runs = self.runs(live);
        if runs.is_empty() {
            let labels = std::iter::once(cpu_label).chain(LIVE_LABELS);
            return labels.map(|label| (label, "–".to_owned())).collect();
        }
        let ratios = self.ratios(live, off);
        let (kb, kb_off) = (self.rss_kb(live), self.rss_kb(off));
        let (anon, anon_off) = (self.anon_kb(live), self.anon_kb(off));
        let sum = |key| runs.iter().map(|r| num(&r.kv, key)).sum::<f64>();
        let values = [
            format!("{:.digits$}µs", self.cpu(live)),
            mb(kb),
            format!("{:.2} ({})", median(ratios.clone()), joined(&ratios)),
            format!(
                "{:.2} ({:+.1}MB)",
                kb as f64 / kb_off as f64,
                (kb as f64 - kb_off as f64) / 1024.0
            ),
            format!(
                "{}, {} ({:+.1}MB)",
                mb(anon_off),
                mb(anon),
                (anon as f64 - anon_off as f64) / 1024.0
            ),
            format!(
                "{:.0} per run, {:.0} given up",
                sum("live_sent_batches") / runs.len() as f64,
                sum("live_unsent_batches")
            ),
        ];
        std::iter::once(cpu_label)
            .chain(LIVE_LABELS)
            .zip(values)
            .collect()
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

/// Ratios with two decimals, spaced: `0.61 0.70 0.63`.
fn joined(ratios: &[f64]) -> String {
    ratios
        .iter()
        .map(|r| format!("{r:.2}"))
        .collect::<Vec<_>>()
        .join(" ")
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
    use super::*;

    #[test]
    fn medians() {
        assert!(median(vec![]).is_nan());
        assert_eq!(median(vec![3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    fn sample(cpu_per: f64, peak_rss_kb: u64, sent: u32) -> Sample {
        let run = Run {
            stdout: format!("ok=1\nlive_sent_batches={sent}\nlive_unsent_batches=0\n"),
            usage: Default::default(),
        };
        Sample {
            cpu_per,
            peak_rss_kb,
            peak_anon_kb: peak_rss_kb / 2,
            ..Sample::of_gen(&run, f64::NAN, None)
        }
    }

    #[test]
    fn live_beside_off() {
        let mut runs = vec![
            sample(1.0, 1024, 0),
            sample(1.1, 2048, 5),
            sample(2.0, 1024, 0),
            sample(2.0, 2048, 3),
        ]
        .into_iter();
        let rounds = Rounds::run(2, &["off", "live", "none"], false, |c| match c {
            Some("none") => sample(1.0, 1, 0),
            _ => runs.next().unwrap(),
        });
        let values: Vec<String> = rounds
            .live_columns("off", "live", "CPU", 2)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(
            values,
            [
                "1.55µs",
                "2.0MB",
                "1.05 (1.10 1.00)",
                "2.00 (+1.0MB)",
                "0.5MB, 1.0MB (+0.5MB)",
                "4 per run, 0 given up"
            ]
        );
        let none = rounds.live_columns("off", "absent", "CPU", 2);
        assert_eq!(none.len(), 6);
        assert!(none.iter().all(|(_, v)| v == "–"));
    }
}
