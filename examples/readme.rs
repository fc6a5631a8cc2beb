//! Run with: cargo run --release --example readme
//!
//! The program of lot's founding README, unchanged but for the `new`
//! constructor it leaves to the reader. It sends 2000 requests over 30 s to
//! `https://localhost:8080`; with nothing listening there (and no TLS in the
//! examples' client) every iteration fails, and is counted as failed.

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
        CallLocalhost {
            client: reqwest::Client::new(),
        }
    }
}
