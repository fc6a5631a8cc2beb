//! Run with: cargo run --release --example http_client
//!
//! lot's own HTTP/1.1 client, `lot::http`, under a 10 s load of 2,000
//! arrivals per second (20,000 iterations) against an HTTP server it starts
//! on 127.0.0.1. Requests are built once, before the load, and sent at every
//! iteration over pooled keep-alive connections. One iteration in ten also
//! posts a body; one in a hundred asks for a 503 and fails with kind
//! `HTTP status 503`. Prints the summary, then what the server received.

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use lot::executor::Executor;
use lot::http::{Client, Request, ResponseFutureExt};
use lot::report::Report;

/// The requests of one iteration, built once.
struct Requests {
    home: Request,
    order: Request,
    unavailable: Request,
}

#[tokio::main]
async fn main() -> Result<Report, lot::http::Error> {
    let server = server::TestServer::start().await;

    // A bad URL or header is an error here, before any load is sent.
    let client = Client::new(&server.url())?;
    let requests = Arc::new(Requests {
        home: client.get("/").build()?,
        order: client
            .post("/orders", r#"{"sku": 42, "quantity": 1}"#)
            .header("content-type", "application/json")
            .build()?,
        unavailable: client.get("/status/503").build()?,
    });

    let mut executor = Executor::from_args();
    executor.add_stage(2000, 2000, Duration::from_secs(10));
    let report = executor
        .run(move || {
            let requests = requests.clone();
            async move {
                let index = lot::iteration().map_or(0, |it| it.index());
                // `error_for_status` on the request's future, inside the
                // step: a 4xx or 5xx fails the step itself, not only the
                // iteration after it.
                let page = lot::step("home", requests.home.send().error_for_status()).await?;
                lot::check("home says ok", page.body() == b"ok");
                if index % 10 == 0 {
                    lot::step("order", requests.order.send().error_for_status()).await?;
                }
                if index % 100 == 0 {
                    requests.unavailable.send().error_for_status().await?;
                }
                Ok(())
            }
        })
        .await;

    if let Some(summary) = report.summary() {
        eprintln!(
            "the server received {} requests ({} for /, {} for /orders, {} for /status/503) for {} iterations",
            server.hits(),
            server.hits_on("/"),
            server.hits_on("/orders"),
            server.hits_on("/status/503"),
            summary.totals.scheduled
        );
    }
    Ok(report)
}
