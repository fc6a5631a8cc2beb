//! The HTTPS section (alone with `--https`): the server over TLS (its
//! self-signed certificate trusted by lot and reqwest, not checked by
//! oha's `--insecure`), and two comparisons in rounds, as the HTTP
//! fixed-rate section's:
//!
//! - at the fixed rate over keep-alive: lot with lot::http over 64
//!   connections (oha's `-c 64`) and with connections opened as needed
//!   (as the HTTP section's), lot with reqwest, and `oha -q`; lot's CPU
//!   per request over 64 connections must be at most [`CPU_TARGET`] ×
//!   oha's, its peak RSS at most [`RSS_TARGET_MB`]. The server's count of
//!   handshakes shows what each tool's start cost: at 5,000/s, a client
//!   that opens a connection for every request finding none idle opens
//!   hundreds while the first handshakes complete;
//! - new TLS connections at [`Plan::new_tls_rate`]: every request sends
//!   `Connection: close`, so each opens and handshakes a connection of its
//!   own; lot against `oha --disable-keepalive`, CPU per connection. The
//!   share of handshakes that resumed a session (the server's count) is
//!   shown for each, since a resumed handshake skips the certificate.
//!
//! Both rows check that the server counted each of lot's requests.

use super::fixed_rate::Comparison;
use super::measure::mb;
use super::plan::Plan;
use super::report::Row;
use super::rounds::Rounds;
use super::server;
use super::setup::Setup;

/// The most lot's CPU per request over keep-alive may be, as a multiple
/// of oha's.
const CPU_TARGET: f64 = 0.6;
/// The most lot's peak RSS over keep-alive may be, in MB.
const RSS_TARGET_MB: f64 = 64.0;

/// The section's two rows: keep-alive, then new connections.
pub(super) fn rows(plan: &Plan, setup: &Setup, log: &mut Vec<String>) -> Vec<Row> {
    let cert = setup.target.join("bench").join("lot-bench-server-cert.pem");
    if let Err(e) = std::fs::create_dir_all(cert.parent().expect("the file is in a directory")) {
        eprintln!("cannot create the directory of {}: {e}", cert.display());
        return Vec::new();
    }
    let server = server::start_tls(
        &setup.server_bin,
        setup.server_core,
        &cert,
        &setup.gen_bin,
        log,
    );
    let ca = cert.display().to_string();
    let keep_alive = Comparison {
        what: "HTTPS",
        server: &server,
        rate: plan.fixed_rate,
        clients: &["http-64", "http", "reqwest"],
        gen_flags: vec!["--ca".into(), ca.clone()],
        oha_flags: vec!["--insecure".into()],
    }
    .run(plan, setup, log);
    let new_connections = Comparison {
        what: "new TLS connections",
        server: &server,
        rate: plan.new_tls_rate,
        clients: &["http"],
        gen_flags: vec!["--ca".into(), ca, "--keep-alive".into(), "off".into()],
        oha_flags: vec!["--insecure".into(), "--disable-keepalive".into()],
    }
    .run(plan, setup, log);
    let mut rows = tool_rows(
        "HTTPS fixed rate (keep-alive)",
        &format!("{}/s", plan.fixed_rate),
        &keep_alive,
        KEEP_ALIVE_TOOLS,
    );
    if let Some(first) = rows.first_mut() {
        first.values.push(("targets", targets(&keep_alive)));
    }
    for row in rows.iter_mut().skip(1) {
        row.values.push(("targets", "–".to_owned()));
    }
    rows.extend(tool_rows(
        "new TLS connections (a request each)",
        &format!("{}/s, Connection: close", plan.new_tls_rate),
        &new_connections,
        &[("http", "lot"), ("oha", "oha --disable-keepalive")],
    ));
    rows
}

/// The keep-alive runs: each client of lot-bench-gen (or oha) and its
/// name in the results. The first is the one the targets are for.
const KEEP_ALIVE_TOOLS: &[(&str, &str)] = &[
    ("http-64", "lot, 64 connections"),
    ("http", "lot, connections as needed"),
    ("reqwest", "lot+reqwest"),
    ("oha", "oha -c 64"),
];

/// A row per tool that ran, named `run: tool`, with its CPU ratio to oha
/// and, for lot, whether the server counted each of its requests.
fn tool_rows(
    section: &'static str,
    run: &str,
    rounds: &Rounds,
    tools: &[(&str, &str)],
) -> Vec<Row> {
    let ran_oha = rounds.ratio(None).is_some();
    tools
        .iter()
        .filter(|(who, _)| *who != "oha" || ran_oha)
        .map(|&(who, name)| {
            let lot = who != "oha";
            let ratio = rounds.ratio(Some(who)).filter(|_| lot);
            Row {
                section,
                name: format!("{run}: {name}"),
                values: vec![
                    ("achieved/s", rounds.achieved(who)),
                    ("CPU/request", rounds.cpu_text(who)),
                    ("peak RSS", rounds.rss(who)),
                    ("TLS handshakes", rounds.handshakes(who)),
                    (
                        "CPU ratio to oha (per round)",
                        ratio.map_or("–".to_owned(), |r| {
                            format!("{r:.2} ({})", rounds.per_round(Some(who)))
                        }),
                    ),
                    (
                        "server count = ok + failed",
                        if lot {
                            rounds.reached(Some(who))
                        } else {
                            "–".to_owned()
                        },
                    ),
                ],
            }
        })
        .collect()
}

/// Whether lot met the targets: its CPU ratio to oha over 64 connections,
/// and the peak RSS of each of its keep-alive runs.
fn targets(rounds: &Rounds) -> String {
    let rss = |who: &str| {
        let kb = rounds.rss_kb(who);
        format!("{} ({})", met(kb as f64 / 1024.0 <= RSS_TARGET_MB), mb(kb))
    };
    let rss = format!(
        "RSS ≤ 64MB: {} over 64 connections, {} with connections as needed",
        rss("http-64"),
        rss("http")
    );
    match rounds.ratio(None) {
        Some(ratio) => format!(
            "CPU ≤ 0.6× oha: {} ({ratio:.2}); {rss}",
            met(ratio <= CPU_TARGET)
        ),
        None => rss,
    }
}

fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "missed" }
}
