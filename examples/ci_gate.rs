//! Run with: cargo run --release --example ci_gate
//!
//! A load test as a CI gate: thresholds decide the exit status (0 when all
//! hold, 99 when one fails, 78 for invalid configuration), and the standard
//! flags let CI change the plan and the gates without recompiling:
//!
//! ```text
//! cargo run --release --example ci_gate -- --stage 0:300:5s --threshold 'latency p99 < 1ms'
//! cargo run --release --example ci_gate -- --help
//! ```
//!
//! One request in fifty fails on purpose, so `error_rate < 1%` would fail.
//!
//! `main` returns `anyhow::Result<Report>`, the pattern for setup that can
//! fail: a `?` before the run (here on the target's URL: try
//! `TARGET=localhost:8080`, which lacks its scheme) exits with status 1 and
//! the error, before any load; once the run has happened, the `Report`'s own
//! status (0, 74, 78, 99) is the process's.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use lot::executor::Executor;
use lot::report::Report;

#[lot::scenario(name = "api")]
async fn api(client: reqwest::Client, base: std::sync::Arc<str>) -> anyhow::Result<()> {
    let index = lot::iteration().map_or(0, |it| it.index());
    let path = if index % 50 == 49 {
        "/status/503"
    } else {
        "/delay/1"
    };
    let response = client.get(format!("{base}{path}")).send().await?;
    lot::check("status is 2xx", response.status().is_success());
    response.error_for_status()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<Report> {
    let server = server::TestServer::start().await;
    // Your own service's URL, checked before any load is sent.
    let target = std::env::var("TARGET").unwrap_or_else(|_| server.url());
    let base = reqwest::Url::parse(&target)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| anyhow::anyhow!("TARGET `{target}` is not an http:// or https:// URL"))?;
    let mut executor = Executor::from_args();
    executor
        .add_stage(0, 100, Duration::from_secs(2))
        .add_stage(100, 100, Duration::from_secs(3))
        .threshold("latency p99 < 250ms")
        .threshold("error_rate < 5%")
        .threshold("checks >= 95%")
        .threshold("dropped == 0")
        // Stop early, rather than keep loading a broken service.
        .threshold("error_rate < 20% abort after 1s");
    let base = base.as_str().trim_end_matches('/');
    Ok(executor.run(api(reqwest::Client::new(), base.into())).await)
}
