//! Run with: cargo run --release --features dashboard --example dashboard
//!
//! The live web dashboard: starts an HTTP server on 127.0.0.1 and runs a
//! 20 s load against it (a ramp to 150/s and back, two scenarios, one with
//! steps, one failing now and then) with the dashboard on 127.0.0.1:5665
//! (`Executor::dashboard`), or on `LOT_DASHBOARD`'s address, which
//! replaces it. Open the URL lot prints: the counters
//! and charts update every second; when the run ends the page shows the
//! final results and offers the HTML report to save. The dashboard has no
//! authentication: keep it on loopback unless everyone who can reach the
//! machine may see the results.

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use lot::executor::Executor;
use lot::load::Load;
use lot::report::Report;
use lot::scenario::named;

/// A visit: the home page, then a slower API call.
#[lot::scenario(name = "visit")]
async fn visit(client: reqwest::Client, base: Arc<str>) -> anyhow::Result<()> {
    lot::step("home page", async {
        client.get(&*base).send().await?.error_for_status()
    })
    .await?;
    lot::step("api", async {
        client
            .get(format!("{base}/delay/20"))
            .send()
            .await?
            .error_for_status()
    })
    .await?;
    Ok(())
}

/// A search that fails one time in ten.
#[lot::scenario(name = "search")]
async fn search(client: reqwest::Client, base: Arc<str>) -> anyhow::Result<()> {
    let index = lot::iteration().map_or(0, |it| it.index());
    let code = if index % 10 == 0 { 503 } else { 200 };
    client
        .get(format!("{base}/status/{code}"))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<Report> {
    let server = server::TestServer::start().await;

    let client = reqwest::Client::new();
    let base: Arc<str> = server.url().into();
    let s = Duration::from_secs;
    let mut executor = Executor::from_args();
    executor
        .load(
            Load::arrival_rate()
                .stage(0, 150, s(5))
                .stage(150, 150, s(10))
                .stage(150, 0, s(5))
                .weighted(3, named("visit", visit(client.clone(), base.clone())))
                .weighted(1, named("search", search(client, base))),
        )
        .dashboard("127.0.0.1:5665");
    let report = executor.run_loads().await;
    Ok(report)
}
