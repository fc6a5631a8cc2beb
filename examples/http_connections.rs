//! Run with: cargo run --release --example http_connections
//!
//! An open-model load over a fixed set of connections, as `wrk2 -c 8`
//! runs one: 1,000 arrivals per second for 5 s (5,000 iterations) through a
//! `lot::http` client bounded to 8 connections, against a server on
//! 127.0.0.1 that takes 5 ms to answer. 8 connections carry at most about
//! 1,600 requests a second at that speed, so arrivals that come together
//! find them all busy and wait for one: the wait is part of their latency
//! (measured from each arrival's intended start), not hidden. Prints the
//! summary, then how many connections and requests the server saw.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use lot::executor::Executor;
use lot::http::Client;
use lot::report::Report;

#[tokio::main]
async fn main() -> Result<Report, lot::http::Error> {
    let server = server::TestServer::start().await;

    // A bound of 0 would be an error here, before any load is sent.
    let client = Client::builder(&server.url()).max_connections(8).build()?;
    let slow = client.get("/delay/5").build()?;

    let mut executor = Executor::from_args();
    executor.add_stage(1000, 1000, Duration::from_secs(5));
    let report = executor
        .run(move || {
            let sent = slow.send();
            async move {
                sent.await?.error_for_status()?;
                Ok(())
            }
        })
        .await;

    if let Some(summary) = report.summary() {
        eprintln!(
            "the server accepted {} connections and received {} requests for {} iterations \
             (latency p99 {} µs, waits for a connection included)",
            server.connections(),
            server.hits(),
            summary.totals.scheduled,
            summary.latency.p99_us,
        );
    }
    Ok(report)
}
