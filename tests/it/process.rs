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
    built(&["--example", name], &format!("examples/{name}"))
}

/// What `cargo build` makes of `target` (such as `--example quickstart`),
/// at `path` under this test binary's profile directory: built (or found up
/// to date) once per test run.
pub fn built(target: &[&str], path: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, found)) = built.iter().find(|(p, _)| p == path) {
        return found.clone();
    }
    let exe = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps")
        .to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet"]).args(target);
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    assert!(
        build.status().expect("running cargo build").success(),
        "building {}",
        target.join(" ")
    );
    let found = profile_dir.join(path);
    built.push((path.to_owned(), found.clone()));
    found
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

/// Three signals: the process exits at once (130), and what it leaves is
/// complete outputs or none, never a temporary file. The run writes its
/// outputs in order: the JSON file, then the HTML report to standard output,
/// which this test never reads from a pipe shrunk to one page, so the run is
/// stuck there, as behind a full disk, when the third signal comes; the
/// Markdown file after it is never written.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn three_signals_leave_complete_outputs_or_none() {
    let dir = std::env::temp_dir().join(format!("lot-three-signals-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("run.json");
    let md = dir.join("summary.md");
    let mut child = spawn(&[(
        "LOT_OUT",
        format!("json={},html=-,md={}", json.display(), md.display()),
    )]);
    let stdout = child.stdout.take().unwrap();
    nix::fcntl::fcntl(&stdout, nix::fcntl::FcntlArg::F_SETPIPE_SZ(4096)).unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut next_line = async || {
        tokio::time::timeout(Duration::from_secs(60), stderr.next_line())
            .await
            .expect("the example goes on within a minute")
            .unwrap()
            .unwrap_or_default()
    };
    let first = next_line().await;
    assert!(first.starts_with("lot: "), "{first}");
    // The outputs' temporary files exist from the start of the run.
    let temps = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect()
    };
    assert_eq!(temps(&dir).len(), 2, "{:?}", temps(&dir));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.id().unwrap().to_string();
    let signal = || {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    let mut seen = Vec::new();
    signal();
    // The run stops and prints its summary; then it blocks on stdout.
    while !seen.iter().any(|l: &String| l.starts_with("lot summary")) {
        seen.push(next_line().await);
    }
    signal();
    while !seen.iter().any(|l| l.starts_with("lot: cancelling")) {
        seen.push(next_line().await);
    }
    // The JSON file comes before standard output, which then blocks.
    for _ in 0..600 {
        if json.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        json.exists(),
        "the JSON file is written before stdout blocks"
    );
    signal();
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("the example exits at the third signal")
        .unwrap();
    while let Ok(Some(line)) = stderr.next_line().await {
        seen.push(line);
    }
    let seen = seen.join("\n");
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("lot: exiting"), "{seen}");
    assert_eq!(temps(&dir), Vec::<String>::new(), "{seen}");
    assert!(!md.exists(), "the Markdown output was never written");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
        .expect("the JSON output is complete");
    check_stopped_early(&doc);
    drop(stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The founding README's program (`examples/readme.rs`: `main` returns `()`
/// and drops the `Report`) exits with the run's status in each case: 0, a
/// failed threshold 99, an unknown output format 78, an output that cannot
/// be created 74. It targets https://localhost:8080, served by the example
/// itself unless something already listens there.
#[tokio::test]
async fn the_founding_program_exits_with_the_runs_status() {
    let dir = std::env::temp_dir().join(format!("lot-founding-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("run.json");
    let missing = dir.join("no-such-dir").join("run.json");
    // The environment, the exit status, and what stderr must say.
    type Case<'a> = (&'a [(&'a str, String)], i32, &'a str);
    let cases: [Case; 4] = [
        (&[("LOT_OUT", format!("json={}", json.display()))], 0, ""),
        (
            &[("LOT_THRESHOLDS", "ok == 0".to_owned())],
            99,
            "lot: exit status 99: a threshold failed",
        ),
        (
            &[("LOT_OUT", "jsn=x.json".to_owned())],
            78,
            "invalid output `jsn=x.json`: unknown output format `jsn`; expected one of: json, csv, html, md, text",
        ),
        (
            &[("LOT_OUT", format!("json={}", missing.display()))],
            74,
            "lot: exit status 74: an output cannot be written",
        ),
    ];
    // One after the other: each run serves localhost:8080 itself.
    for (envs, expected, says) in cases {
        let output = Command::new(example("readme"))
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .env("LOT_STAGES", "0:20:1s")
            .env("LOT_QUIET", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(60), output)
            .await
            .expect("the program ends within a minute")
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(expected), "{envs:?}\n{stderr}");
        assert!(stderr.contains(says), "{envs:?}\n{stderr}");
        if expected == 0 {
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap())
                .expect("the JSON output is complete");
            // Every request was answered: the target is really there.
            assert_eq!(doc["totals"]["scheduled"], 10, "{stderr}");
            assert_eq!(doc["totals"]["ok"], 10, "{stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `main` returning `anyhow::Result<Report>` (`examples/ci_gate.rs`): a
/// setup error returned with `?` exits with status 1 and the error, before
/// any load; a run whose thresholds hold exits 0.
#[tokio::test]
async fn a_setup_error_in_main_exits_1_before_any_load() {
    let run = |target: Option<&str>| {
        let mut command = Command::new(example("ci_gate"));
        command
            .args(["--stage", "0:20:1s", "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(target) = target {
            command.env("TARGET", target);
        }
        async move {
            tokio::time::timeout(Duration::from_secs(60), command.output())
                .await
                .expect("the example ends within a minute")
                .unwrap()
        }
    };
    let output = run(Some("localhost:8080")).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("TARGET `localhost:8080` is not an http:// or https:// URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("lot summary"), "no run happened: {stderr}");
    let output = run(None).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
