//! Real runs pushed to a real Prometheus, read back through its HTTP API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lot::executor::Executor;
use lot::report::Summary;
use lot_prometheus::{DEFAULT_SCHEMA, RemoteWrite, relative_error};

use crate::prometheus::Prometheus;

/// A scenario with a spread of latencies (1 to 20 ms), a step, a check, a
/// custom counter, and one iteration in ten failing.
fn scenario()
-> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>
+ Send
+ Sync
+ 'static {
    let n = Arc::new(AtomicU64::new(0));
    move || {
        let k = n.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let ms = 1 + (k * 7919) % 20;
            lot::step("work", async {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, anyhow::Error>(())
            })
            .await?;
            lot::check("even", k % 2 == 0);
            lot::counter("hits").increment();
            anyhow::ensure!(k % 10 != 3, "boom");
            Ok(())
        })
    }
}

/// The instant just after the run's end, in Unix seconds: where the final
/// batch's samples are.
pub(crate) fn after(s: &Summary) -> f64 {
    s.started_at_unix_ms as f64 / 1e3 + s.duration_us as f64 / 1e6 + 1.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_equal_the_json_totals_and_the_p99_agrees_within_the_bucket_error() {
    let Some(prometheus) = Prometheus::start("push").await else {
        return;
    };
    let output = RemoteWrite::new(&prometheus.write_url())
        .unwrap()
        .testid("push")
        .unwrap();
    let delivery = output.delivery();
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(3))
        .interval(Duration::from_millis(500))
        .terminal(false)
        .handle_signals(false)
        .reporter(output);
    let report = executor
        .run(lot::scenario::named("checkout", scenario()))
        .await;
    let s = report.expect_summary();
    assert_eq!(
        delivery.unsent_batches(),
        0,
        "{delivery:?}\n{}",
        prometheus.log()
    );
    // The start, five intervals and the final batch (which holds the sixth),
    // less a tick or two a stalled machine may skip.
    assert!(delivery.sent_batches() >= 5, "{delivery:?}");
    let t = after(s);
    let q = |promql: String| {
        let p = &prometheus;
        async move { p.scalar(&promql, t).await }
    };
    let totals = &s.scenarios[0].totals;
    assert_eq!(totals.scheduled, 300);
    assert!(totals.failed > 0);
    let sel = r#"testid="push",scenario="checkout""#;
    assert_eq!(
        q(format!("lot_iterations_scheduled_total{{{sel}}}")).await,
        totals.scheduled as f64
    );
    for (outcome, n) in [
        ("ok", totals.ok),
        ("failed", totals.failed),
        ("dropped", totals.dropped),
        ("interrupted", totals.interrupted),
    ] {
        let got = q(format!(
            r#"lot_iterations_total{{{sel},outcome="{outcome}"}}"#
        ))
        .await;
        assert_eq!(got, n as f64, "{outcome}");
    }
    let step = &s.scenarios[0].steps[0];
    let got = q(format!(
        r#"lot_steps_total{{{sel},step="work",outcome="ok"}}"#
    ))
    .await;
    assert_eq!(got, step.ok as f64);
    let check = &s.scenarios[0].checks[0];
    let got = q(format!(
        r#"lot_checks_total{{{sel},check="even",result="passed"}}"#
    ))
    .await;
    assert_eq!(got, check.passed as f64);
    let errors: u64 = s.scenarios[0].errors.iter().map(|e| e.count).sum();
    assert_eq!(
        q(format!("sum(lot_errors_total{{{sel}}})")).await,
        errors as f64
    );
    assert_eq!(
        q(r#"lot_custom_counter_total{testid="push",metric="hits"}"#.to_owned()).await,
        s.metrics.counters[0].value as f64
    );
    // The series was pushed every interval, not only at the end.
    let points = q(format!(
        "count_over_time(lot_iterations_scheduled_total{{{sel}}}[10m])"
    ))
    .await;
    assert!(points >= 5.0, "{points}");

    // Native histograms: the count is exact, the p99 within a bucket.
    let latency = &s.scenarios[0].latency;
    let count = q(format!("histogram_count(lot_latency_seconds{{{sel}}})")).await;
    assert_eq!(count, latency.count as f64);
    let error = relative_error(DEFAULT_SCHEMA);
    for (stat, quantile, lot) in [
        ("latency", 0.99, latency.p99_us),
        ("latency", 0.5, latency.p50_us),
        ("service_time", 0.99, s.scenarios[0].service_time.p99_us),
    ] {
        let got = q(format!(
            "histogram_quantile({quantile}, lot_{stat}_seconds{{{sel}}})"
        ))
        .await;
        let want = lot as f64 / 1e6;
        assert!(
            (got - want).abs() <= want * error + 1e-9,
            "{stat} p{quantile}: prometheus {got}, lot {want}, allowed {error}"
        );
    }
    // Checks and custom metrics came every interval too.
    let points = q(format!(
        r#"count_over_time(lot_checks_total{{{sel},check="even",result="passed"}}[10m])"#
    ))
    .await;
    assert!(points >= 4.0, "{points}");
    // ... and the histograms: partway through, the run's native
    // histogram already held part of the latencies.
    let midway = s.started_at_unix_ms as f64 / 1e3 + 1.6;
    let partial = prometheus
        .scalar(
            &format!("histogram_count(lot_latency_seconds{{{sel}}})"),
            midway,
        )
        .await;
    assert!(
        partial > 0.0 && partial < latency.count as f64,
        "{partial} of {}",
        latency.count
    );
    let step_p99 = q(format!(
        r#"histogram_quantile(0.99, lot_step_duration_seconds{{{sel},step="work"}})"#
    ))
    .await;
    let want = step.latency.p99_us as f64 / 1e6;
    assert!(
        (step_p99 - want).abs() <= want * error + 1e-9,
        "{step_p99} {want}"
    );

    // Every query of the Grafana dashboard runs on what was pushed, with
    // its variables as Grafana fills them, and finds the run: all but
    // lot::http's series and the users, which this run (no requests, an
    // arrival-rate load) has none of.
    for panel_query in crate::dashboard::panel_queries() {
        let promql = panel_query
            .replace("$testid", "push")
            .replace("$scenario", ".*")
            .replace("$__rate_interval", "1m")
            .replace("$__range", "10m");
        let found = prometheus.query(&promql, t).await;
        let none_expected = promql.contains("lot_http_") || promql.contains("lot_users");
        assert_eq!(found.is_empty(), none_expected, "{promql}: {found:?}");
    }
}

/// One shard of `two_shard_processes_add_up_in_promql`, run as a process of
/// its own: `LOT_SEGMENT` and `LOT_START_AT` say which and when, and
/// `LOT_TEST_WRITE_URL` and `LOT_TEST_JSON` where to push and to write its
/// results. It prints how many batches it could not deliver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of two_shard_processes_add_up_in_promql"]
async fn a_shard_pushing_its_share() {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    let output = RemoteWrite::new(&var("LOT_TEST_WRITE_URL")).unwrap();
    let delivery = output.delivery();
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(2))
        .terminal(false)
        .handle_signals(false)
        .output(format!("json={}", var("LOT_TEST_JSON")))
        .reporter(output);
    let report = executor
        .run(lot::scenario::named("checkout", scenario()))
        .await;
    assert!(report.summary().unwrap().segment.is_some());
    println!("unsent_batches={}", delivery.unsent_batches());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shard_processes_add_up_in_promql() {
    let Some(prometheus) = Prometheus::start("shards").await else {
        return;
    };
    let start_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3;
    let dir = std::env::temp_dir().join(format!("lot-prom-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let shard = |index: u32| {
        let json = dir.join(format!("shard-{index}.json"));
        let child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "push::a_shard_pushing_its_share",
                "--nocapture",
            ])
            .env("LOT_SEGMENT", format!("{index}/2"))
            .env("LOT_START_AT", start_at.to_string())
            .env("LOT_TEST_WRITE_URL", prometheus.write_url())
            .env("LOT_TEST_JSON", &json)
            .kill_on_drop(true)
            .output();
        async move {
            let out = tokio::time::timeout(Duration::from_secs(60), child)
                .await
                .expect("the shard ends")
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                out.status.success(),
                "shard {index}: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let unsent: u64 = text
                .lines()
                .find_map(|l| l.strip_prefix("unsent_batches="))
                .unwrap_or_else(|| panic!("shard {index} said what it sent: {text}"))
                .trim()
                .parse()
                .unwrap();
            let summary = lot::report::read::read_summary(&json, 1 << 30).unwrap();
            (summary, unsent)
        }
    };
    let ((s0, u0), (s1, u1)) = tokio::join!(shard(0), shard(1));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!((u0, u1), (0, 0));
    assert_eq!(s0.started_at_unix_ms, s1.started_at_unix_ms);
    let t = after(&s0).max(after(&s1));
    // One test id, the default, shared by the shards' processes; a shard
    // label each.
    let ids = prometheus
        .query("group by (testid) (lot_iterations_scheduled_total)", t)
        .await;
    assert_eq!(ids.len(), 1, "{ids:?}");
    let shards = prometheus
        .query("group by (shard) (lot_iterations_scheduled_total)", t)
        .await;
    assert_eq!(shards.len(), 2, "{shards:?}");
    let scheduled = prometheus
        .scalar("sum(lot_iterations_scheduled_total)", t)
        .await;
    assert_eq!(scheduled, 200.0);
    assert_eq!(
        s0.totals.scheduled + s1.totals.scheduled,
        200,
        "the shards split the plan"
    );
    let ok = prometheus
        .scalar(
            r#"sum without (shard) (lot_iterations_total{outcome="ok"})"#,
            t,
        )
        .await;
    assert_eq!(ok, (s0.totals.ok + s1.totals.ok) as f64);
    let count = prometheus
        .scalar("histogram_count(sum(lot_latency_seconds))", t)
        .await;
    assert_eq!(count, (s0.latency.count + s1.latency.count) as f64);
}

/// `LOT_OUT`'s `prometheus=URL`, given in code as `output` is (the same
/// path as the variable and `--out`), opens the exporter: the receiver
/// gets the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_entry_of_prometheus_pushes_the_run() {
    let Some(prometheus) = Prometheus::start("entry").await else {
        return;
    };
    let mut executor = Executor::new();
    executor
        .add_stage(50, 50, Duration::from_secs(1))
        .terminal(false)
        .handle_signals(false)
        .output(format!("prometheus={}", prometheus.write_url()));
    let report = executor.run(|| async { Ok(()) }).await;
    let s = report.expect_summary();
    assert_eq!(report.exit_status(), 0);
    let got = prometheus
        .scalar("sum(lot_iterations_scheduled_total)", after(s))
        .await;
    assert_eq!(got, s.totals.scheduled as f64, "{}", prometheus.log());
}
