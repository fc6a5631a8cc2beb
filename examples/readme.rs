//! Run with: cargo run --release --example readme
//!
//! The program of lot's founding README, unchanged but for the `new`
//! constructor it leaves to the reader. It sends 2000 requests over 30 s to
//! `https://localhost:8080`.
//!
//! `new` builds a reqwest client that accepts self-signed certificates, as a
//! test target's usually is, and, when nothing listens on localhost:8080,
//! starts such a target there (`support/https.rs`), so the program runs as it
//! is. Point it at your own service by starting that first.
//!
//! `main` returns `()` and drops the `Report`: a failed threshold
//! (`LOT_THRESHOLDS`), an invalid configuration or an output that cannot be
//! written still set the exit status (99, 78, 74), since an unread failed
//! `Report` ends the process with its status when it is dropped.

#[path = "support/https.rs"]
mod https;

use anyhow::Result;
use lot::executor::Executor;
use lot::scenario::Scenario;
use std::future::Future;
use std::time::Duration;

struct CallLocalhost {
    client: reqwest::Client,
}

impl Scenario for CallLocalhost {
    fn run(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        let client = self.client.clone();
        async move {
            let response = client.get("https://localhost:8080").send().await?;
            response.error_for_status()?.bytes().await?;
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() {
    let mut executor = Executor::new();
    executor.add_stage(0, 100, Duration::from_secs(10)); // ramp 0 -> 100 rps over 10 s
    executor.add_stage(100, 100, Duration::from_secs(10)); // hold 100 rps
    executor.add_stage(100, 0, Duration::from_secs(10)); // ramp down
    executor.run(CallLocalhost::new()).await;
}

impl CallLocalhost {
    fn new() -> Self {
        match https::serve_unless_taken() {
            Ok(true) => eprintln!("readme: serving https://localhost:8080 (self-signed)"),
            Ok(false) => eprintln!("readme: loading what already listens on localhost:8080"),
            Err(e) => eprintln!("readme: cannot serve https://localhost:8080: {e}"),
        }
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .expect("a client with default settings and no certificate checks builds");
        CallLocalhost { client }
    }
}
