//! Run with: cargo run --release --features prometheus --example prometheus
//!
//! Prometheus remote write: a 10 s load (a ramp to 100/s, then 100/s)
//! against an HTTP server it starts on 127.0.0.1, with every interval
//! pushed by `lot::prometheus::RemoteWrite` (protobuf, snappy, native
//! histograms) under the test id `example`. It pushes to `PROMETHEUS_URL`,
//! such as `http://127.0.0.1:9090/api/v1/write` of a Prometheus started
//! with `--web.enable-remote-write-receiver
//! --enable-feature=native-histograms`; without it, to the local server
//! itself, which accepts and counts the batches, so the example runs
//! anywhere. It prints what was delivered. docs/prometheus.md says what is
//! sent and how to read it in PromQL and Grafana.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use lot::executor::Executor;
use lot::http::{Client, ResponseFutureExt};
use lot::prometheus::RemoteWrite;
use lot::report::Report;

#[tokio::main]
async fn main() -> anyhow::Result<Report> {
    let server = server::TestServer::start().await;
    let url = std::env::var("PROMETHEUS_URL")
        .unwrap_or_else(|_| format!("{}/api/v1/write", server.url()));
    // A bad URL or setting is an error here, before any load is sent.
    let output = RemoteWrite::new(&url)?.testid("example")?;
    // Without its query, which may hold a key.
    let shown = output.url().to_owned();
    let delivery = output.delivery();
    let home = Client::new(&server.url())?.get("/").build()?;

    let mut executor = Executor::from_args();
    executor
        .add_stage(0, 100, Duration::from_secs(5))
        .add_stage(100, 100, Duration::from_secs(5))
        .reporter(output);
    let report = executor
        .run(move || {
            let sent = home.send().error_for_status();
            async move {
                lot::step("home", sent).await?;
                Ok(())
            }
        })
        .await;

    eprintln!(
        "remote write to {}: {} batches ({} samples) delivered, {} not",
        shown,
        delivery.sent_batches(),
        delivery.sent_samples(),
        delivery.unsent_batches(),
    );
    if std::env::var_os("PROMETHEUS_URL").is_none() {
        eprintln!(
            "the local receiver took {} of them",
            server.hits_on("/api/v1/write")
        );
    }
    Ok(report)
}
