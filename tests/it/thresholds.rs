//! Thresholds that gate CI, and the command-line flags that override the code.

use std::process::Stdio;
use std::time::Duration;

use lot::executor::Executor;
use lot::report::{EXIT_THRESHOLDS_FAILED, StopReason, Summary};
use tokio::process::Command;

use crate::process::quickstart;
use crate::server::TestServer;

/// Every fourth request gets a 500.
fn flaky(
    server: &TestServer,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>
+ Send
+ Sync
+ 'static {
    let client = reqwest::Client::new();
    let base = server.url();
    move || {
        let client = client.clone();
        let base = base.clone();
        Box::pin(async move {
            let i = lot::iteration().map_or(0, |it| it.index());
            let code = if i % 4 == 0 { 500 } else { 200 };
            let response = client.get(format!("{base}/status/{code}")).send().await?;
            lot::check("status is 200", response.status().is_success());
            response.error_for_status()?;
            Ok(())
        })
    }
}

fn result<'a>(summary: &'a Summary, expression: &str) -> &'a lot::report::ThresholdResult {
    summary
        .thresholds
        .iter()
        .find(|t| t.expression == expression)
        .unwrap_or_else(|| panic!("no result for {expression}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thresholds_are_evaluated_reported_and_gate_the_exit_status() {
    let server = TestServer::start().await;
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(1))
        .terminal(false)
        .threshold("error_rate < 1%")
        .threshold("error_rate < 30%")
        .threshold("latency p99 < 10s")
        .threshold("latency[default] p50 <= 10s")
        .threshold("latency[nope] p99 < 1s")
        .threshold("checks >= 99.5%")
        .threshold("checks[status is 200] >= 70%")
        .threshold("dropped == 0")
        .threshold("rps >= 95");
    let report = executor.run(flaky(&server)).await;
    let s = report.expect_summary();
    assert_eq!(s.totals.failed, 25);
    assert_eq!(report.exit_status(), EXIT_THRESHOLDS_FAILED);

    let failing = result(s, "error_rate < 1%");
    assert!(!failing.passed);
    assert_eq!(failing.value, Some(0.25));
    assert_eq!(failing.measured, "25.000%");
    assert!(result(s, "error_rate < 30%").passed);
    assert!(result(s, "latency p99 < 10s").passed);
    assert!(result(s, "latency[default] p50 <= 10s").passed);
    let nope = result(s, "latency[nope] p99 < 1s");
    assert!(!nope.passed);
    assert_eq!(
        nope.measured,
        "no scenario or step named `nope` in the results"
    );
    assert!(!result(s, "checks >= 99.5%").passed);
    assert!(result(s, "checks[status is 200] >= 70%").passed);
    assert!(result(s, "dropped == 0").passed);
    let rps = result(s, "rps >= 95");
    assert!(rps.passed, "{rps:?}");

    // Every output shows them.
    let text = lot::report::Format::Text.render(s);
    assert!(text.contains("thresholds: 3 of 9 FAILED"), "{text}");
    assert!(text.contains("FAIL error_rate < 1%"), "{text}");
    let md = lot::report::Format::Md.render(s);
    assert!(
        md.contains("| **FAIL** | error\\_rate &lt; 1% | 25.000% |"),
        "{md}"
    );
    let html = lot::report::Format::Html.render(s);
    assert!(html.contains("thresholds passed: FAILED"));
    assert!(
        html.contains("<td class=\"text\">error_rate &lt; 1%</td><td>25.000%</td>"),
        "thresholds table"
    );
}

#[tokio::test]
async fn an_invalid_threshold_is_reported_before_any_load() {
    let server = TestServer::start().await;
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(1))
        .terminal(false)
        .threshold("latency p99 =< 250ms");
    let err = executor.try_run(flaky(&server)).await.unwrap_err();
    assert!(err.is_threshold());
    assert!(err.to_string().contains("expected an operator"), "{err}");
    assert!(
        err.to_string().contains("\n              ^"),
        "a caret under the operator: {err}"
    );
    assert_eq!(server.hits(), 0);
}

/// A failing abort-on-fail threshold stops the run early, with the same
/// accounting as any other stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_on_fail_stops_the_run_early() {
    let server = TestServer::start().await;
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(20))
        .interval(Duration::from_millis(200))
        .terminal(false)
        .threshold("error_rate < 10% abort after 500ms");
    let started = std::time::Instant::now();
    let report = executor.run(flaky(&server)).await;
    let s = report.expect_summary();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.stop_reason, StopReason::Threshold);
    assert!(s.totals.scheduled < 2000);
    assert!(
        s.totals.scheduled >= 40,
        "not before the 500 ms delay: {}",
        s.totals.scheduled
    );
    assert!(s.totals.is_balanced());
    assert_eq!(server.hits(), s.totals.ok + s.totals.failed);
    assert!(!s.thresholds[0].passed);
    assert_eq!(report.exit_status(), EXIT_THRESHOLDS_FAILED);
}

/// An abort-on-fail threshold that tripped fails, even if iterations still
/// running when it did bring its value back under the limit by the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_threshold_that_aborted_the_run_fails_it() {
    let mut executor = Executor::new();
    executor
        .add_stage(1000, 1000, Duration::from_secs(10))
        .interval(Duration::from_millis(100))
        .terminal(false)
        .threshold("error_rate < 10% abort");
    let report = executor
        .run(|| async {
            let index = lot::iteration().map_or(0, |it| it.index());
            if index < 5 {
                anyhow::bail!("early failure");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(())
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.stop_reason, StopReason::Threshold);
    let t = &s.thresholds[0];
    assert!(!t.passed, "{t:?}");
    let abort = s.aborted_by.as_ref().expect("the abort is in the results");
    assert_eq!(abort.expression, t.expression);
    assert!(abort.value.is_some_and(|v| v >= 0.1), "{abort:?}");
    assert!(abort.at_us > 0 && abort.at_us <= s.duration_us, "{abort:?}");
    assert_eq!(report.exit_status(), EXIT_THRESHOLDS_FAILED);
}

/// A step name used in several scenarios is measured over all of them; a
/// scope that can only be a scenario is checked before the run.
#[tokio::test]
async fn scopes_resolve_across_scenarios_and_are_checked_early() {
    use lot::load::Load;
    use lot::scenario::named;
    let login = |pause: u64| {
        move || async move {
            lot::step("login", async {
                tokio::time::sleep(Duration::from_millis(pause)).await;
                Ok::<(), anyhow::Error>(())
            })
            .await
        }
    };
    let mut executor = Executor::new();
    executor
        .terminal(false)
        .load(
            Load::arrival_rate()
                .stage(20, 20, Duration::from_millis(500))
                .scenario(named("fast", login(0)))
                .scenario(named("slow", login(150))),
        )
        .threshold("latency[login] max < 100ms");
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    assert!(
        !s.thresholds[0].passed,
        "the slow scenario's login counts: {:?}",
        s.thresholds[0]
    );

    let mut executor = Executor::new();
    executor
        .terminal(false)
        .add_stage(20, 20, Duration::from_millis(500))
        .threshold("dropped[nope] == 0");
    let err = executor.try_run(|| async { Ok(()) }).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid threshold `dropped[nope] == 0`: no scenario named `nope`; the scenarios are: default"
    );
}

async fn quickstart_with(args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let output = Command::new(quickstart())
        .args(args)
        .envs(envs.iter().copied())
        .env("LOT_QUIET", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("the example exits")
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn command_line_flags_replace_the_plan_and_gate_the_exit_status() {
    // --stage replaces the code's 15 s plan: 50 iterations, two requests each.
    let (code, stdout, stderr) = quickstart_with(
        &[
            "--stage",
            "50:50:1s",
            "--out",
            "json=-",
            "--threshold",
            "error_rate < 1%",
        ],
        &[],
    )
    .await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("the server received 100 requests for 50 iterations"),
        "{stderr}"
    );
    let summary: Summary = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary.plan.iterations, 50);
    assert_eq!(summary.thresholds.len(), 1);
    assert!(summary.thresholds[0].passed);

    // A threshold that cannot hold: exit 99.
    let (code, _, stderr) = quickstart_with(
        &["--stage", "20:20:1s", "--threshold", "latency p99 < 1us"],
        &[],
    )
    .await;
    assert_eq!(code, Some(99), "{stderr}");
    assert!(stderr.contains("FAIL latency p99 < 1us"), "{stderr}");

    // The command line wins over the environment, which wins over the code.
    let (code, _, stderr) =
        quickstart_with(&["--stage=10:10:1s"], &[("LOT_STAGES", "30:30:1s")]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("for 10 iterations"), "{stderr}");
    let (code, _, stderr) = quickstart_with(&[], &[("LOT_STAGES", "30:30:1s")]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("for 30 iterations"), "{stderr}");
}

#[tokio::test]
async fn bad_flags_exit_78_naming_the_value_and_help_lists_the_flags() {
    let (code, _, stderr) = quickstart_with(&["--stage", "0:abc:1s"], &[]).await;
    assert_eq!(code, Some(78), "{stderr}");
    assert!(
        stderr.contains("invalid --stage `0:abc:1s`: expected FROM:TO:DURATION"),
        "{stderr}"
    );
    assert!(!stderr.contains("lot summary"), "nothing ran");

    let (code, _, stderr) = quickstart_with(&["--threshold", "latency < 1s"], &[]).await;
    assert_eq!(code, Some(78), "{stderr}");
    assert!(
        stderr.contains("--threshold: invalid threshold `latency < 1s`"),
        "{stderr}"
    );
    assert!(stderr.contains("needs a statistic"), "{stderr}");

    let (code, stdout, _) = quickstart_with(&["--help"], &[]).await;
    assert_eq!(code, Some(0));
    for flag in [
        "--stage",
        "--out",
        "--threshold",
        "--quiet",
        "--max-in-flight",
        "--timeout",
    ] {
        assert!(stdout.contains(flag), "{flag} in {stdout}");
    }
}

/// A reporter that shows thresholds live (as the dashboard does) gets every
/// threshold evaluated on the run so far at each interval; a run whose
/// reporters do not ask evaluates none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_that_asks_gets_the_thresholds_at_each_interval() {
    use std::sync::{Arc, Mutex};

    use lot::report::{BoxError, Interval, Reporter, ThresholdResult};

    struct Live(bool, Arc<Mutex<Vec<Vec<ThresholdResult>>>>);

    #[lot::report::async_trait]
    impl Reporter for Live {
        fn wants_snapshot(&self) -> bool {
            self.0
        }
        async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
            let thresholds = interval.snapshot.as_ref().map(|s| s.thresholds.clone());
            self.1.lock().unwrap().push(thresholds.unwrap_or_default());
            Ok(())
        }
    }

    let run = |asks: bool| async move {
        let seen = Arc::default();
        let mut executor = Executor::new();
        executor
            .add_stage(100, 100, Duration::from_millis(1200))
            .interval(Duration::from_millis(200))
            .terminal(false)
            .threshold("failed == 0")
            .threshold("ok > 60")
            .reporter(Live(asks, Arc::clone(&seen)));
        let report = executor.run(|| async { Ok(()) }).await;
        assert_eq!(report.exit_status(), 0);
        seen.lock().unwrap().clone()
    };
    let asked = run(true).await;
    assert!(asked.len() >= 3, "{asked:?}");
    assert!(
        asked.iter().all(|t| t.len() == 2 && t[0].passed),
        "{asked:?}"
    );
    // The count grows: not yet over 60 at the first interval, over at the last.
    assert!(!asked[0][1].passed, "{asked:?}");
    assert!(asked[asked.len() - 1][1].passed, "{asked:?}");
    let unasked = run(false).await;
    assert!(
        !unasked.is_empty() && unasked.iter().all(Vec::is_empty),
        "{unasked:?}"
    );
}

/// The run so far that live reporters get carries its histograms in the V2
/// encoding, not deflated; they decode to the counts so far, and a
/// threshold that merges histograms (a step's latency, over every scenario
/// with that step) reads them. The results document's are V2 deflate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_so_far_carries_its_histograms_undeflated() {
    use std::sync::{Arc, Mutex};

    use base64::Engine as _;
    use lot::report::{BoxError, Interval, Reporter, Stats};

    /// The first four bytes of a `hdr` field.
    fn cookie(stats: &Stats) -> u32 {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&stats.hdr)
            .expect("base64");
        u32::from_be_bytes(bytes[..4].try_into().expect("a cookie"))
    }

    type Seen = Arc<Mutex<Vec<Arc<Summary>>>>;
    struct Live(Seen);

    #[lot::report::async_trait]
    impl Reporter for Live {
        fn wants_snapshot(&self) -> bool {
            true
        }
        async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
            self.0.lock().unwrap().extend(interval.snapshot.clone());
            Ok(())
        }
    }

    let seen: Seen = Arc::default();
    let mut executor = Executor::new();
    executor
        .add_stage(200, 200, Duration::from_millis(1200))
        .interval(Duration::from_millis(200))
        .terminal(false)
        .threshold("latency[work] p99 < 10s")
        .reporter(Live(Arc::clone(&seen)));
    let report = executor
        .run(|| async { lot::step("work", async { Ok::<_, anyhow::Error>(()) }).await })
        .await;
    assert_eq!(report.exit_status(), 0);
    let seen = seen.lock().unwrap().clone();
    let busy: Vec<_> = seen.iter().filter(|s| s.latency.count > 0).collect();
    assert!(busy.len() >= 3, "{} snapshots with iterations", busy.len());
    for so_far in busy {
        let scenario = &so_far.scenarios[0];
        let step = &scenario.steps[0];
        for stats in [&so_far.latency, &scenario.latency, &step.latency] {
            assert_eq!(cookie(stats), 0x1c84_9313, "V2");
            assert_eq!(stats.histogram().expect("decodes").len(), stats.count);
        }
        assert_eq!(step.latency.count, step.ok);
        let t = &so_far.thresholds[0];
        assert!(t.passed, "{t:?}");
        assert!(!t.measured.is_empty(), "{t:?}");
    }
    let summary = report.summary().expect("a summary");
    let step = &summary.scenarios[0].steps[0];
    assert_eq!(cookie(&step.latency), 0x1c84_9314, "V2 deflate");
    assert_eq!(step.latency.histogram().unwrap().len(), step.ok);
    assert!(step.ok >= 200, "{}", step.ok);
}
