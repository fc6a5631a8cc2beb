//! Run with: cargo run --release --example custom_reporter
//!
//! A reporter of your own: push every interval to a metrics system. Here the
//! "metrics system" is a UDP listener on 127.0.0.1 that receives InfluxDB line
//! protocol, as Telegraf's socket listener or StatsD-style agents would.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use lot::executor::Executor;
use lot::report::{BoxError, Interval, Report, Reporter, Summary, async_trait};
use tokio::net::UdpSocket;

/// Sends one line per scenario and interval to a UDP metrics endpoint.
struct LineProtocol {
    socket: UdpSocket,
    started_at_ms: u64,
}

#[async_trait]
impl Reporter for LineProtocol {
    fn name(&self) -> String {
        "line protocol over UDP".to_owned()
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        let at_ns = (self.started_at_ms * 1_000 + interval.start_us + interval.duration_us) * 1_000;
        for s in &interval.scenarios {
            let line = format!(
                "lot,scenario={} rps={:.2},ok={}i,failed={}i,dropped={}i,p50_us={}i,p99_us={}i {at_ns}",
                s.name.replace([' ', ',', '='], "_"),
                interval.achieved_rps,
                s.counts.ok,
                s.counts.failed,
                s.counts.dropped,
                s.latency.p50_us,
                s.latency.p99_us,
            );
            self.socket.send(line.as_bytes()).await?;
        }
        Ok(())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        let line = format!(
            "lot_run ok={}i,failed={}i,p99_us={}i",
            summary.totals.ok, summary.totals.failed, summary.latency.p99_us
        );
        self.socket.send(line.as_bytes()).await?;
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<Report> {
    let target = server::TestServer::start().await;

    // The metrics system: count and show what it receives.
    let metrics = UdpSocket::bind("127.0.0.1:0").await?;
    let metrics_addr = metrics.local_addr()?;
    let received = tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        let mut lines = 0;
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_secs(2), metrics.recv(&mut buf)).await
        {
            lines += 1;
            println!("metrics <- {}", String::from_utf8_lossy(&buf[..n]));
        }
        lines
    });

    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    socket.connect(metrics_addr).await?;
    let started_at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as u64;

    let client = reqwest::Client::new();
    let url = target.url();
    let mut executor = Executor::new();
    executor
        .add_stage(50, 50, Duration::from_secs(5))
        .reporter(LineProtocol {
            socket,
            started_at_ms,
        });
    let report = executor
        .run(move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?;
                Ok(())
            }
        })
        .await;
    eprintln!("the metrics system received {} lines", received.await?);
    Ok(report)
}
