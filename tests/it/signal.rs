//! A signal mid-run stops scheduling, and every output is still written.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The quickstart example, built by `cargo test` next to this test binary.
fn quickstart() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let path = profile_dir.join("examples").join("quickstart");
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--example", "quickstart"])
            .status()
            .expect("running cargo build");
        assert!(status.success());
    }
    path
}

#[tokio::test]
async fn sigint_mid_run_exits_cleanly_with_complete_results() {
    let json = std::env::temp_dir().join(format!("lot-signal-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&json);
    let mut child = Command::new(quickstart())
        .env("LOT_OUT", format!("json={}", json.display()))
        .env("LOT_QUIET", "1")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the quickstart example");

    // Wait until the run has started, then let it send for a while.
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), stderr.next_line())
        .await
        .expect("the example starts within a minute")
        .unwrap()
        .unwrap_or_default();
    assert!(first.starts_with("lot: "), "{first}");
    let rest = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Ok(Some(line)) = stderr.next_line().await {
            lines.push(line);
        }
        lines
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());

    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the example exits after SIGINT")
        .unwrap();
    let lines = rest.await.unwrap().join("\n");
    assert!(status.success(), "{status:?}\n{lines}");
    assert!(lines.contains("lot summary: stopped by signal"), "{lines}");

    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .expect("the JSON output is complete");
    assert_eq!(doc["stop_reason"], "signal");
    let t = &doc["totals"];
    let n = |f: &str| t[f].as_u64().unwrap();
    assert!(n("scheduled") > 0);
    assert!(n("scheduled") < 2000, "stopped early: {t}");
    assert_eq!(
        n("scheduled"),
        n("ok") + n("failed") + n("dropped") + n("interrupted")
    );
    let _ = std::fs::remove_file(&json);
}
