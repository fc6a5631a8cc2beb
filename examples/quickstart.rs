//! Run with: cargo run --release --example quickstart
//!
//! A real load test in about 15 seconds: starts an HTTP server on 127.0.0.1,
//! ramps the arrival rate 0 -> 200/s over 5 s, holds 200/s for 5 s, ramps
//! down over 5 s (exactly 2000 requests), and prints the summary.
//! `LOT_OUT=json=run.json` also writes the results document.

#[path = "support/server.rs"]
mod server;

use std::future::Future;
use std::time::Duration;

use lot::executor::Executor;
use lot::report::Report;
use lot::scenario::Scenario;

struct GetRoot {
    client: reqwest::Client,
    url: String,
}

impl Scenario for GetRoot {
    fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static {
        let request = self.client.get(&self.url);
        async move {
            request.send().await?.error_for_status()?.bytes().await?;
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> Report {
    let server = server::TestServer::start().await;
    let scenario = GetRoot {
        client: reqwest::Client::new(),
        url: server.url(),
    };

    let mut executor = Executor::new();
    executor.add_stage(0, 200, Duration::from_secs(5));
    executor.add_stage(200, 200, Duration::from_secs(5));
    executor.add_stage(200, 0, Duration::from_secs(5));
    let report = executor.run(scenario).await;

    if let Some(summary) = report.summary() {
        eprintln!(
            "server received {} requests; lot scheduled {}",
            server.hits(),
            summary.totals.scheduled
        );
    }
    report
}
