//! The third section: saturation. The closed-loop maxima of the peers, then
//! lot's highest sustained open-model rate.
//!
//! Find the highest sustained rate: halve from a quarter above the peers'
//! maximum until lot sustains it, then bisect between sustained and not.
//! A rate is sustained if one of two attempts drops under 1 % with a
//! schedule-lag p99 under 5 ms and no failure: a 50 ms stall of the virtual
//! machine alone drops 1 % of a 5 s run at 64 in flight, and wrk, too, is
//! counted at the better of its two runs.
//!
//! Two searches. Over 64 connections (`max_connections(64)`), with up to
//! 1024 iterations in flight: like `wrk2 -c64`, an arrival that finds every
//! connection busy waits for one, its wait counted in its latency, and only
//! a backlog past 1024 drops. That is the peers' setting (64 connections),
//! and the one compared with them. Then with 64 iterations in flight, each
//! on a connection of its own: an arrival that finds 64 running is dropped,
//! so a stall of the machine drops.
//!
//! Over 64 connections a rate a little above what the machine sustains can
//! pass: its backlog grows, but drops stay under 1 % of the step while it
//! is under 1024 plus 1 % of the arrivals. That overstates the rate by at
//! most (1024 + 1 % of a step's arrivals) / the step's length: about 1.2 %
//! at 100,000/s for 5 s.

use std::path::Path;

use super::measure::{mb, measure, pinned};
use super::output::{key_values, num, peer_rps};
use super::plan::Plan;
use super::report::Row;
use super::server::Server;
use super::setup::Setup;

/// The bounds of one saturation search of lot.
struct Limits {
    name: &'static str,
    max_in_flight: u64,
    /// `lot::http`'s bound on open connections, if any.
    max_connections: Option<u64>,
}

/// The two searches, in order.
const SEARCHES: [Limits; 2] = [
    Limits {
        name: "64 connections",
        max_in_flight: 1024,
        max_connections: Some(64),
    },
    Limits {
        name: "64 in flight",
        max_in_flight: 64,
        max_connections: None,
    },
];

/// The highest rate a search found lot to sustain, and how.
struct Sustained {
    rate: f64,
    peak_rss_kb: u64,
    latency_p99_us: f64,
}

/// A peer's closed-loop maximum.
struct Peer {
    name: &'static str,
    max: f64,
    peak_rss_kb: u64,
}

/// The peers' maxima, wrk's first.
#[derive(Default)]
struct Peers {
    list: Vec<Peer>,
    /// Each of wrk's runs, before and after lot's searches.
    wrk_runs: Vec<f64>,
}

impl Peers {
    /// Counts a run of wrk: its maximum is the better of its runs.
    fn wrk_ran(&mut self, rps: f64, peak_rss_kb: u64) {
        self.wrk_runs.push(rps);
        match self.list.iter_mut().find(|p| p.name == "wrk") {
            Some(wrk) => {
                wrk.max = wrk.max.max(rps);
                wrk.peak_rss_kb = wrk.peak_rss_kb.max(peak_rss_kb);
            }
            None => self.list.push(Peer {
                name: "wrk",
                max: rps,
                peak_rss_kb,
            }),
        }
    }

    /// The highest of the peers' maxima, or NaN if none was measured.
    fn reference(&self) -> f64 {
        self.list
            .iter()
            .map(|p| p.max)
            .filter(|v| v.is_finite())
            .fold(f64::NAN, f64::max)
    }
}

/// A row per search.
pub(super) fn rows(plan: &Plan, setup: &Setup, server: &Server, log: &mut Vec<String>) -> Vec<Row> {
    let mut peers = Peers::default();
    // wrk runs before lot's search and again after it; lot is compared
    // with the higher of the two.
    if let Some(wrk) = &setup.wrk {
        let (rps, rss) = run_wrk(plan, setup, server, wrk, log);
        peers.wrk_ran(rps, rss);
    }
    if let Some(oha) = &setup.oha {
        peers.list.push(run_oha(plan, setup, server, oha, log));
    }
    let reference = peers.reference();
    let found: Vec<Option<Sustained>> = SEARCHES
        .iter()
        .map(|limits| {
            let search = Search {
                plan,
                setup,
                server,
                limits,
            };
            search.run(reference, log)
        })
        .collect();
    if let Some(wrk) = &setup.wrk {
        let (rps, rss) = run_wrk(plan, setup, server, wrk, log);
        peers.wrk_ran(rps, rss);
    }
    SEARCHES
        .iter()
        .zip(&found)
        .map(|(limits, best)| row(limits, best.as_ref(), &peers))
        .collect()
}

/// `wrk -t1 -c64`: its requests per second and peak RSS.
fn run_wrk(
    plan: &Plan,
    setup: &Setup,
    server: &Server,
    wrk: &Path,
    log: &mut Vec<String>,
) -> (f64, u64) {
    eprintln!("saturation: wrk -t1 -c64 for {} s...", plan.closed_secs);
    let args = vec![
        "-t1".into(),
        "-c64".into(),
        format!("-d{}s", plan.closed_secs),
        server.url.clone(),
    ];
    let run = measure(pinned(setup.gen_core, wrk, &args), log);
    (peer_rps(&run.stdout), run.usage.peak_rss_kb)
}

/// `oha -c 64`, closed loop.
fn run_oha(plan: &Plan, setup: &Setup, server: &Server, oha: &Path, log: &mut Vec<String>) -> Peer {
    eprintln!("saturation: oha -c 64 for {} s...", plan.closed_secs);
    let args = vec![
        "--no-tui".into(),
        "-z".into(),
        format!("{}s", plan.closed_secs),
        "-c".into(),
        "64".into(),
        server.url.clone(),
    ];
    let run = measure(pinned(setup.gen_core, oha, &args), log);
    Peer {
        name: "oha",
        max: peer_rps(&run.stdout),
        peak_rss_kb: run.usage.peak_rss_kb,
    }
}

/// One search of lot's highest sustained rate under `limits`.
struct Search<'a> {
    plan: &'a Plan,
    setup: &'a Setup,
    server: &'a Server,
    limits: &'a Limits,
}

impl Search<'_> {
    /// The highest rate found sustained, searching from a quarter above
    /// `reference` (the peers' maximum), so that it can find lot faster
    /// than them.
    fn run(&self, reference: f64, log: &mut Vec<String>) -> Option<Sustained> {
        let mut hi = if reference.is_finite() {
            reference * 1.25
        } else {
            100_000.0
        };
        let mut best: Option<Sustained> = None;
        let mut steps = 0;
        while best.is_none() && steps < self.plan.search_steps + 3 && hi >= 500.0 {
            steps += 1;
            let rate = hi / 2.0;
            match self.sustains(rate, log) {
                Some(found) => best = Some(found),
                None => hi = rate,
            }
        }
        for _ in 0..self.plan.search_steps {
            let Some(lo) = &best else { break };
            let rate = (lo.rate + hi) / 2.0;
            match self.sustains(rate, log) {
                Some(found) => best = Some(found),
                None => hi = rate,
            }
        }
        best
    }

    /// What lot did at `rate` if one of two attempts sustained it.
    fn sustains(&self, rate: f64, log: &mut Vec<String>) -> Option<Sustained> {
        (1..=2).find_map(|attempt| self.attempt(rate, attempt, log))
    }

    /// One run of lot at `rate`, printing its verdict.
    fn attempt(&self, rate: f64, attempt: u32, log: &mut Vec<String>) -> Option<Sustained> {
        eprint!(
            "saturation: lot at {rate:.0}/s, {} (attempt {attempt})... ",
            self.limits.name
        );
        let mut args = vec![
            "http".into(),
            "--url".into(),
            self.server.url.clone(),
            "--rate".into(),
            format!("{rate:.0}"),
            "--duration".into(),
            self.plan.search_secs.to_string(),
            "--threads".into(),
            "1".into(),
            "--max-in-flight".into(),
            self.limits.max_in_flight.to_string(),
        ];
        if let Some(max) = self.limits.max_connections {
            args.extend(["--max-connections".into(), max.to_string()]);
        }
        let run = measure(pinned(self.setup.gen_core, &self.setup.gen_bin, &args), log);
        let kv = key_values(&run.stdout);
        let drop_rate = num(&kv, "dropped") / num(&kv, "scheduled");
        let lag_p99 = num(&kv, "lag_p99_us");
        let latency_p99 = num(&kv, "latency_p99_us");
        let ok = drop_rate < 0.01 && lag_p99 < 5_000.0 && num(&kv, "failed") == 0.0;
        eprintln!(
            "{:.2} % dropped, lag p99 {lag_p99:.0} µs, latency p99 {latency_p99:.0} µs: {}",
            drop_rate * 100.0,
            if ok { "sustained" } else { "not sustained" }
        );
        ok.then_some(Sustained {
            rate,
            peak_rss_kb: run.usage.peak_rss_kb,
            latency_p99_us: latency_p99,
        })
    }
}

/// The row of the search under `limits`, with every peer's columns.
fn row(limits: &Limits, best: Option<&Sustained>, peers: &Peers) -> Row {
    let mut values = vec![(
        "lot sustained/s",
        best.map_or("below the search range".to_owned(), |b| {
            format!("{:.0}", b.rate)
        }),
    )];
    // The same columns whether or not the search found a rate.
    values.push((
        "lot latency p99",
        best.map_or("-".to_owned(), |b| {
            format!("{:.1}ms", b.latency_p99_us / 1000.0)
        }),
    ));
    values.push((
        "lot peak RSS",
        best.map_or("-".to_owned(), |b| mb(b.peak_rss_kb)),
    ));
    let rate = best.map_or(f64::NAN, |b| b.rate);
    for peer in &peers.list {
        values.extend(peer_columns(peer, rate, &peers.wrk_runs));
    }
    Row {
        section: "HTTP saturation",
        name: format!("lot: {}", limits.name),
        values,
    }
}

/// A peer's columns: its maximum (and wrk's runs), lot's `rate` over it,
/// its peak RSS.
fn peer_columns(peer: &Peer, rate: f64, wrk_runs: &[f64]) -> Vec<(&'static str, String)> {
    let wrk = peer.name == "wrk";
    let label = |for_wrk: &'static str, for_oha: &'static str| if wrk { for_wrk } else { for_oha };
    let mut columns = vec![(label("wrk max/s", "oha max/s"), format!("{:.0}", peer.max))];
    if wrk {
        columns.push((
            "wrk runs (before, after)",
            wrk_runs
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    columns.push((
        label("ratio lot/wrk", "ratio lot/oha"),
        fmt_ratio(rate, peer.max),
    ));
    columns.push((label("wrk peak RSS", "oha peak RSS"), mb(peer.peak_rss_kb)));
    columns
}

fn fmt_ratio(lot: f64, peer: f64) -> String {
    if lot.is_finite() && peer.is_finite() && peer > 0.0 {
        format!("{:.2}", lot / peer)
    } else {
        "–".to_owned()
    }
}
