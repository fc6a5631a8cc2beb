//! Run with: cargo run --release --example quickstart
//!
//! A real load test in about 15 seconds: starts an HTTP server on 127.0.0.1,
//! ramps the arrival rate 0 -> 200/s over 5 s, holds 200/s for 5 s and ramps
//! down over 5 s: exactly 2000 iterations of a two-step scenario with a check,
//! so 4000 requests. Prints live progress and the summary;
//! `LOT_OUT=json=run.json` also writes the results document.
//!
//! It takes lot's standard flags: `-- --help` lists them, and for example
//! `-- --stage 0:500:10s --threshold 'latency p99 < 50ms' --out html=report.html`
//! changes the plan, gates on latency and writes an HTML report.

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use lot::executor::Executor;
use lot::report::Report;

/// One visit: the home page, then a slower API call.
#[lot::scenario(name = "visit")]
async fn visit(client: reqwest::Client, base: Arc<str>) -> anyhow::Result<()> {
    let page = lot::step("home page", async {
        client
            .get(&*base)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await
    })
    .await?;
    lot::check("home page says ok", page == "ok");
    lot::step("api", async {
        client
            .get(format!("{base}/delay/2"))
            .send()
            .await?
            .error_for_status()
    })
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Report {
    let server = server::TestServer::start().await;

    let mut executor = Executor::from_args();
    executor.add_stage(0, 200, Duration::from_secs(5));
    executor.add_stage(200, 200, Duration::from_secs(5));
    executor.add_stage(200, 0, Duration::from_secs(5));
    let report = executor
        .run(visit(reqwest::Client::new(), server.url().into()))
        .await;

    if let Some(summary) = report.summary() {
        eprintln!(
            "the server received {} requests for {} iterations",
            server.hits(),
            summary.totals.scheduled
        );
    }
    report
}
