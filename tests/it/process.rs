//! The quickstart example as a child process: signals, stdout output, bad
//! configuration and exit statuses, as a user's shell sees them.

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// The quickstart example, built next to this test binary.
pub fn quickstart() -> PathBuf {
    example("quickstart")
}

/// An example, built next to this test binary. It is built (or found up to
/// date) once per test run, so a filtered `cargo test`, which builds no
/// examples, still runs the current code.
pub fn example(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, path)) = built.iter().find(|(n, _)| n == name) {
        return path.clone();
    }
    let exe = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps")
        .to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet", "--example", name]);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    assert!(
        build.status().expect("running cargo build").success(),
        "building the {name} example"
    );
    let path = profile_dir.join("examples").join(name);
    built.push((name.to_owned(), path.clone()));
    path
}

fn spawn(envs: &[(&str, String)]) -> Child {
    Command::new(quickstart())
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .env("LOT_QUIET", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the quickstart example")
}

/// Waits for the run to start, lets it send for a while, sends `signal`, and
/// returns what the process printed once it exited.
async fn interrupt(mut child: Child, signal: &str) -> (Output, String) {
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
        lines.join("\n")
    });
    let mut stdout = child.stdout.take().unwrap();
    let out = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf).await;
        buf
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the example exits after the signal")
        .unwrap();
    let output = Output {
        status,
        stdout: out.await.unwrap(),
        stderr: Vec::new(),
    };
    (output, rest.await.unwrap())
}

fn check_stopped_early(doc: &Value) {
    assert_eq!(doc["stop_reason"], "signal");
    let t = &doc["totals"];
    let n = |f: &str| t[f].as_u64().unwrap();
    assert!(n("scheduled") > 0);
    assert!(n("scheduled") < 2000, "stopped early: {t}");
    assert_eq!(
        n("scheduled"),
        n("ok") + n("failed") + n("dropped") + n("interrupted")
    );
    let intervals = doc["intervals"].as_array().unwrap();
    let summed: u64 = intervals
        .iter()
        .map(|i| i["counts"]["scheduled"].as_u64().unwrap())
        .sum();
    assert_eq!(summed, n("scheduled"));
}

#[tokio::test]
async fn sigint_mid_run_exits_cleanly_with_complete_results() {
    let json = std::env::temp_dir().join(format!("lot-sigint-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&json);
    let child = spawn(&[("LOT_OUT", format!("json={}", json.display()))]);
    let (output, stderr) = interrupt(child, "-INT").await;
    assert!(output.status.success(), "{:?}\n{stderr}", output.status);
    assert!(
        stderr.contains("lot summary: stopped by signal"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .expect("the JSON output is complete");
    check_stopped_early(&doc);
    let _ = std::fs::remove_file(&json);
}

#[tokio::test]
async fn sigterm_mid_run_writes_json_to_stdout() {
    let child = spawn(&[("LOT_OUT", "json=-".to_owned())]);
    let (output, stderr) = interrupt(child, "-TERM").await;
    assert!(output.status.success(), "{:?}\n{stderr}", output.status);
    let doc: Value =
        serde_json::from_slice(&output.stdout).expect("stdout holds exactly the JSON document");
    check_stopped_early(&doc);
}

#[tokio::test]
async fn malformed_lot_out_exits_78_before_any_load() {
    let child = spawn(&[("LOT_OUT", "xml=run.xml".to_owned())]);
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the example exits at once")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains(
            "invalid output `xml=run.xml`: unknown output format `xml`; expected one of: json, csv, html, md, text"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("lot summary"), "no run happened: {stderr}");
    assert!(output.stdout.is_empty());
}
