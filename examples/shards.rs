//! Run with: cargo run --release --example shards -- 4
//!
//! A distributed run on one machine: N processes (default 4) each run shard
//! I of N of the same plan (`LOT_SEGMENT=I/N`), all starting at the same
//! wall-clock instant (`LOT_START_AT`), against one HTTP server on
//! 127.0.0.1. Their JSON results are merged as `lot-report merge` would:
//! the counts add up to the single-process plan and the percentiles come
//! from the merged histograms. On Kubernetes the same binary runs as an
//! Indexed Job (see deploy/kubernetes/).
//!
//! Results go to `target/shards/` (or `LOT_SHARDS_DIR`); the last line
//! printed is `server_received=N`.

#[path = "support/server.rs"]
mod server;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lot::executor::Executor;
use lot::report::Summary;

/// Set for the shard processes: the URL of the parent's server.
const TARGET: &str = "LOT_SHARDS_TARGET";

/// One shard: the plan, steered by the LOT_* variables the parent sets.
async fn shard(url: String) -> lot::report::Report {
    let client = reqwest::Client::new();
    let mut executor = Executor::from_args();
    executor
        .add_stage(0, 400, Duration::from_secs(2))
        .add_stage(400, 400, Duration::from_secs(2))
        .threshold("error_rate < 1%");
    executor
        .run(move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?;
                Ok(())
            }
        })
        .await
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    if let Ok(url) = std::env::var(TARGET) {
        let report = shard(url).await;
        return Ok(ExitCode::from(report.exit_status()));
    }
    let n: u64 = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .map_err(|_| anyhow::anyhow!("expected a shard count, not `{arg}`"))?,
        None => 4,
    };
    anyhow::ensure!(n >= 1, "expected at least one shard");
    let dir = std::env::var_os("LOT_SHARDS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/shards"));
    std::fs::create_dir_all(&dir)?;
    let server = server::TestServer::start().await;
    let start_at = SystemTime::now().duration_since(UNIX_EPOCH)? + Duration::from_secs(2);
    eprintln!(
        "starting {n} shards at {:.3} against {}",
        start_at.as_secs_f64(),
        server.url()
    );

    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for i in 0..n {
        let out = dir.join(format!("shard-{i}.json"));
        let child = tokio::process::Command::new(&exe)
            .env(TARGET, server.url())
            .env("LOT_SEGMENT", format!("{i}/{n}"))
            .env("LOT_START_AT", format!("{:.3}", start_at.as_secs_f64()))
            .env("LOT_OUT", format!("json={}", out.display()))
            .env("LOT_QUIET", "1")
            .env_remove("LOT_STAGES")
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        children.push((out, child));
    }
    let mut shards = Vec::new();
    for (out, mut child) in children {
        let status = child.wait().await?;
        anyhow::ensure!(status.success(), "shard {} failed: {status}", out.display());
        let summary: Summary = serde_json::from_str(&std::fs::read_to_string(&out)?)?;
        shards.push((out.display().to_string(), summary));
    }
    let merged = lot::report::merge::merge(&shards, false)?;
    let total = dir.join("total.json");
    std::fs::write(&total, lot::report::json::to_json(&merged))?;

    let t = merged.totals;
    eprintln!(
        "merged {} shards into {}: scheduled {} of {} planned, ok {}, failed {}, dropped {}; latency p50 {}µs, p99 {}µs; thresholds {}",
        merged.merged.as_ref().map_or(0, |m| m.shards.len()),
        total.display(),
        t.scheduled,
        merged.plan.iterations,
        t.ok,
        t.failed,
        t.dropped,
        merged.latency.p50_us,
        merged.latency.p99_us,
        if merged.thresholds_passed() {
            "passed"
        } else {
            "FAILED"
        },
    );
    println!("server_received={}", server.hits());
    Ok(if merged.thresholds_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(99)
    })
}
