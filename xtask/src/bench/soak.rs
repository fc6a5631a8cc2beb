//! The last section (alone with `--soak`): `lot::http` at [`SOAK_RATE`]
//! for two minutes, its memory and idle connections sampled every second.

use std::collections::BTreeMap;

use super::measure::{Run, mb, measure, pinned};
use super::output::{key_values, num, series};
use super::report::Row;
use super::server::Server;
use super::setup::Setup;

/// The soak's arrival rate.
const SOAK_RATE: u64 = 20_000;
/// The second of the soak from which its memory must stay flat: what it
/// holds by then is the steady state (histograms, buffers, connections).
const SOAK_SETTLED: usize = 20;

/// The soak's one row: `secs` at [`SOAK_RATE`].
pub(super) fn row(setup: &Setup, server: &Server, secs: u64, log: &mut Vec<String>) -> Row {
    eprintln!("soak: lot::http at {SOAK_RATE}/s for {secs} s...");
    let before = server.served();
    let args = vec![
        "http".into(),
        "--url".into(),
        server.url.clone(),
        "--rate".into(),
        SOAK_RATE.to_string(),
        "--duration".into(),
        secs.to_string(),
        "--threads".into(),
        "1".into(),
    ];
    let run = measure(pinned(setup.gen_core, &setup.gen_bin, &args), log);
    let after = server.served();
    let reached = match (before, after) {
        (Some(before), Some(after)) => (after - before) as f64,
        _ => f64::NAN,
    };
    let soak = Soak::of(&run, reached);
    soak.print();
    soak.row(secs)
}

/// What the soak's run printed, and what the server counted.
struct Soak {
    kv: BTreeMap<String, String>,
    /// Resident memory every second, in kB.
    rss: Vec<f64>,
    /// Idle connections every second.
    idle: Vec<f64>,
    /// Growth of the resident memory from [`SOAK_SETTLED`] to the end, in %.
    growth: f64,
    ok: f64,
    failed: f64,
    /// The requests the server saw during the soak.
    reached: f64,
    idle_max: f64,
    /// The most idle connections from [`SOAK_SETTLED`] on.
    idle_settled_max: f64,
    peak_rss_kb: u64,
}

impl Soak {
    fn of(run: &Run, reached: f64) -> Soak {
        let kv = key_values(&run.stdout);
        let rss = series(&kv, "rss_kb_series");
        let idle = series(&kv, "idle_series");
        let growth = match (rss.get(SOAK_SETTLED), rss.last()) {
            (Some(&settled), Some(&last)) if settled > 0.0 => (last - settled) / settled * 100.0,
            _ => f64::NAN,
        };
        let idle_max = idle.iter().copied().fold(f64::NAN, f64::max);
        let idle_after = idle.get(SOAK_SETTLED..).unwrap_or_default();
        let idle_settled_max = idle_after.iter().copied().fold(f64::NAN, f64::max);
        Soak {
            ok: num(&kv, "ok"),
            failed: num(&kv, "failed"),
            kv,
            rss,
            idle,
            growth,
            reached,
            idle_max,
            idle_settled_max,
            peak_rss_kb: run.usage.peak_rss_kb,
        }
    }

    /// A sample of the resident memory (in kB) in MB, or `–` if missing.
    fn rss_mb(v: Option<&f64>) -> String {
        v.map_or("–".into(), |v| format!("{:.1}MB", v / 1024.0))
    }

    fn idle_at_end(&self) -> String {
        self.idle.last().map_or("–".into(), |v| format!("{v:.0}"))
    }

    /// The soak's findings on one line of the progress output.
    fn print(&self) {
        eprintln!(
            "soak: RSS {} at {SOAK_SETTLED} s, {} at the end ({:+.1} %); idle connections \
             max {:.0}, max after {SOAK_SETTLED} s {:.0}, at the end {}; \
             server saw {:.0}, lot ok + failed {:.0}",
            Soak::rss_mb(self.rss.get(SOAK_SETTLED)),
            Soak::rss_mb(self.rss.last()),
            self.growth,
            self.idle_max,
            self.idle_settled_max,
            self.idle_at_end(),
            self.reached,
            self.ok + self.failed,
        );
    }

    fn row(&self, secs: u64) -> Row {
        let (ok, failed, reached) = (self.ok, self.failed, self.reached);
        Row {
            section: "soak",
            name: format!("lot::http at {SOAK_RATE}/s for {secs} s"),
            values: vec![
                (
                    "achieved/s",
                    format!("{:.0}", num(&self.kv, "achieved_rps")),
                ),
                ("failed", format!("{failed:.0}")),
                ("dropped", format!("{:.0}", num(&self.kv, "dropped"))),
                (
                    "server count = ok + failed",
                    if reached == ok + failed {
                        format!("yes ({reached:.0})")
                    } else {
                        format!("NO: server {reached:.0}, lot {:.0}", ok + failed)
                    },
                ),
                ("RSS at 20 s", Soak::rss_mb(self.rss.get(SOAK_SETTLED))),
                ("RSS at end", Soak::rss_mb(self.rss.last())),
                (
                    "growth after 20 s (target < 5%)",
                    if self.growth.is_finite() {
                        format!("{:+.1}%", self.growth)
                    } else {
                        "–".to_owned()
                    },
                ),
                ("idle connections max", format!("{:.0}", self.idle_max)),
                (
                    "idle max after 20 s",
                    format!("{:.0}", self.idle_settled_max),
                ),
                ("idle at end", self.idle_at_end()),
                ("peak RSS", mb(self.peak_rss_kb)),
            ],
        }
    }
}
