//! The plan is executed exactly, and measured honestly.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lot::executor::Executor;
use lot::report::{StopReason, Summary};
use serde_json::Value;

use crate::server::TestServer;

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lot-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The founding README's plan, scaled down: 0 -> 200/s over 2 s, 200/s for
/// 1 s, 200 -> 0 over 2 s, which is 200 + 200 + 200 = 600 arrivals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaled_readme_plan_sends_exactly_the_planned_requests() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = server.url();
    let json = temp_path("readme-plan.json");

    let mut executor = Executor::new();
    executor
        .add_stage(0, 200, Duration::from_secs(2))
        .add_stage(200, 200, Duration::from_secs(1))
        .add_stage(200, 0, Duration::from_secs(2))
        .quiet(true)
        .output(format!("json={}", json.display()));
    let report = executor
        .run(move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?.bytes().await?;
                Ok(())
            }
        })
        .await;
    assert_eq!(report.exit_status(), 0);
    let summary = report.expect_summary();

    assert_eq!(summary.plan.iterations, 600);
    assert_eq!(server.hits(), 600, "the server received exactly the plan");
    let t = summary.totals;
    assert_eq!(
        (t.scheduled, t.ok, t.failed, t.dropped, t.interrupted),
        (600, 600, 0, 0, 0)
    );
    assert_eq!(summary.stop_reason, StopReason::Completed);
    assert_eq!(summary.latency.count, 600);
    assert_eq!(summary.scenarios.len(), 1);
    assert_eq!(summary.scenarios[0].name, "default");
    assert_eq!(summary.scenarios[0].totals, t);
    // Loose bounds that hold on a loaded machine: the plan lasts 5 s.
    assert!(summary.duration_us >= 5_000_000, "{}", summary.duration_us);
    assert!(summary.duration_us < 20_000_000, "{}", summary.duration_us);
    assert!(
        (summary.target_rps - 120.0).abs() < 1.0,
        "{}",
        summary.target_rps
    );
    // Latency is measured from the intended instant, so it is never below the
    // service time.
    assert!(summary.latency.max_us >= summary.service_time.max_us);
    assert!(summary.latency.p50_us >= summary.service_time.p50_us);

    check_intervals(summary);
    check_json(&json, summary);
}

fn check_intervals(summary: &Summary) {
    assert!(summary.intervals.len() >= 5, "{}", summary.intervals.len());
    let mut sum = lot::report::Totals::default();
    for (i, interval) in summary.intervals.iter().enumerate() {
        assert_eq!(interval.index, i as u64);
        sum.add(&interval.counts);
        assert_eq!(interval.cumulative, sum, "interval {i}");
        assert_eq!(
            interval.cumulative.scheduled,
            interval.cumulative.finished() + interval.in_flight,
            "interval {i}"
        );
    }
    assert_eq!(sum, summary.totals, "the intervals add up to the totals");
    let last = summary.intervals.last().unwrap();
    assert_eq!(last.in_flight, 0);
    // The hold stage (2 s to 3 s) asks for 200/s.
    let hold = &summary.intervals[2];
    assert!(
        (hold.target_rps - 200.0).abs() < 1e-6,
        "{}",
        hold.target_rps
    );
}

fn check_json(path: &std::path::Path, summary: &Summary) {
    let text = std::fs::read_to_string(path).expect("the JSON output was written");
    let doc: Value = serde_json::from_str(&text).expect("the JSON output parses");
    assert_eq!(doc["schema_version"], 1);
    for field in ["scheduled", "ok", "failed", "dropped", "interrupted"] {
        assert!(doc["totals"][field].is_u64(), "totals.{field}");
    }
    assert_eq!(doc["totals"]["ok"], 600);
    let scenario = &doc["scenarios"][0];
    assert_eq!(scenario["name"], "default");
    for metric in ["latency", "service_time", "schedule_lag"] {
        for field in [
            "count", "min_us", "mean_us", "p50_us", "p90_us", "p95_us", "p99_us", "p999_us",
            "max_us",
        ] {
            assert!(scenario[metric][field].is_u64(), "{metric}.{field}");
        }
        assert!(scenario[metric]["hdr"].as_str().unwrap().len() > 10);
    }
    assert!(doc["intervals"].as_array().unwrap().len() >= 5);
    assert!(doc["errors"].as_array().unwrap().is_empty());
    // The document is the summary, and its histograms decode to its percentiles.
    let parsed: Summary = serde_json::from_str(&text).unwrap();
    assert_eq!(&parsed, summary);
    let h = parsed.latency.histogram().unwrap();
    assert_eq!(h.len(), 600);
    assert_eq!(h.value_at_quantile(0.99), parsed.latency.p99_us);
}

/// Fractional rates: 0.5/s for 4 s starts 2 iterations, at 2 s and 4 s.
#[tokio::test]
async fn fractional_rates_start_the_floor_of_the_integral() {
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    let mut executor = Executor::new();
    executor
        .add_stage(0.5, 0.5, Duration::from_secs(4))
        .add_stage(0.7, 0.7, Duration::ZERO)
        .terminal(false);
    let report = executor
        .run(move || {
            c.fetch_add(1, Ordering::SeqCst);
            async { Ok(()) }
        })
        .await;
    let summary = report.expect_summary();
    assert_eq!(summary.plan.iterations, 2);
    assert_eq!(summary.totals.ok, 2);
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // The second arrival is due at the very end of the plan, 4 s in.
    assert!(summary.duration_us >= 4_000_000);
}

/// `Duration::MAX` means "never": it is accepted and does not overflow.
#[tokio::test]
async fn unbounded_durations_are_accepted() {
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_millis(200))
        .timeout(Duration::MAX)
        .graceful_stop(Duration::MAX)
        .interval(Duration::MAX)
        .terminal(false);
    let report = executor.run(|| async { Ok(()) }).await;
    let s = report.expect_summary();
    assert_eq!(s.totals.ok, 20);
    assert_eq!(s.intervals.len(), 1, "only the closing interval");
}

/// Dropping the run future (a caller's timeout around `run`) stops the load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_the_run_stops_the_load() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = server.url();
    let mut executor = Executor::new();
    executor
        .add_stage(200, 200, Duration::from_secs(30))
        .terminal(false)
        .handle_signals(false);
    let run = executor.run(move || {
        let request = client.get(&url);
        async move {
            request.send().await?;
            Ok(())
        }
    });
    assert!(
        tokio::time::timeout(Duration::from_millis(500), run)
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_cancel = server.hits();
    assert!(after_cancel > 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server.hits(),
        after_cancel,
        "no request after the run was dropped"
    );
}

#[tokio::test]
async fn invalid_configuration_sends_no_load() {
    let server = TestServer::start().await;
    let url = server.url();
    let client = reqwest::Client::new();
    let scenario = move || {
        let request = client.get(&url);
        async move {
            request.send().await?;
            Ok(())
        }
    };

    let mut executor = Executor::new();
    executor
        .add_stage(10, 10, Duration::from_secs(1))
        .terminal(false)
        .output("json=/nonexistent-lot-dir/run.json");
    let err = executor.try_run(scenario.clone()).await.unwrap_err();
    assert!(err.is_output());
    assert!(
        err.to_string().contains("/nonexistent-lot-dir/run.json"),
        "{err}"
    );

    let mut executor = Executor::new();
    executor
        .add_stage(f64::NAN, 10, Duration::from_secs(1))
        .terminal(false);
    let report = executor.run(scenario.clone()).await;
    assert_eq!(report.exit_status(), lot::report::EXIT_INVALID_CONFIG);
    assert!(report.error().unwrap().is_plan());
    assert!(report.summary().is_none());

    let mut executor = Executor::new();
    executor.terminal(false).output("csv=run.csv");
    let err = executor.try_run(scenario.clone()).await.unwrap_err();
    assert!(err.is_plan(), "the plan is checked first: {err}");

    let mut executor = Executor::new();
    executor
        .add_stage(10, 10, Duration::from_secs(1))
        .terminal(false)
        .output(format!("json={}", std::env::temp_dir().display()));
    let err = executor.try_run(scenario.clone()).await.unwrap_err();
    assert!(err.is_output());
    assert!(err.to_string().contains("is a directory"), "{err}");

    let mut executor = Executor::new();
    executor
        .add_stage(1e300, 1e300, Duration::from_secs(1))
        .terminal(false);
    let err = executor.try_run(scenario).await.unwrap_err();
    assert!(err.is_plan());
    assert!(err.to_string().contains("expected at most 2^53"), "{err}");

    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.hits(), 0, "nothing was sent");
}

/// A run of more ticks than the series holds keeps at most
/// `MAX_INTERVALS` of them, folded, while every tick still reaches the
/// reporters: 4 ms ticks for 24 s, about 6,000 of them (a debug build's
/// tick takes about 1 ms of CPU, so faster ticks would take a core from the
/// tests beside this one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_run_keeps_a_bounded_interval_series() {
    use std::sync::Mutex;

    use lot::report::{BoxError, Interval, MAX_INTERVALS, Reporter, Totals};

    struct Ticks(Arc<Mutex<Vec<Totals>>>);

    #[lot::report::async_trait]
    impl Reporter for Ticks {
        async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
            self.0.lock().unwrap().push(interval.counts);
            Ok(())
        }
    }

    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = server.url();
    let json = temp_path("long-run.json");
    let ticks = Arc::default();
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(24))
        .interval(Duration::from_millis(4))
        .terminal(false)
        .output(format!("json={}", json.display()))
        .reporter(Ticks(Arc::clone(&ticks)));
    let report = executor
        .run(move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?.bytes().await?;
                Ok(())
            }
        })
        .await;
    assert_eq!(report.exit_status(), 0);
    let s = report.expect_summary();
    assert_eq!(s.totals.ok, 2400, "{:?}", s.totals);
    assert_eq!(server.hits(), 2400);

    let live = ticks.lock().unwrap().clone();
    assert!(live.len() > MAX_INTERVALS, "{} ticks", live.len());
    let n = s.intervals.len();
    assert!(
        n <= MAX_INTERVALS && n > MAX_INTERVALS / 4,
        "{n} of {} ticks",
        live.len()
    );
    // The series tiles the run, adds up to it, and its gauges hold. Its
    // ticks (fewer than twice the bound) were folded once, in windows of
    // two ticks, 8 ms, from the start: a tick a stall lengthened moved no
    // later interval off them.
    for (i, pair) in s.intervals.windows(2).enumerate() {
        assert_eq!(
            pair[1].start_us,
            pair[0].start_us + pair[0].duration_us,
            "interval {i}"
        );
        assert_eq!(pair[0].start_us % 8_000, 0, "interval {i}");
    }
    assert!(
        s.intervals[0].duration_us >= 2_000,
        "the first interval is folded"
    );
    let mut sum = Totals::default();
    for (i, interval) in s.intervals.iter().enumerate() {
        assert_eq!(interval.index, i as u64);
        sum.add(&interval.counts);
        assert_eq!(interval.cumulative, sum, "interval {i}");
        assert_eq!(
            interval.cumulative.scheduled,
            interval.cumulative.finished() + interval.in_flight,
            "interval {i}"
        );
    }
    assert_eq!(sum, s.totals, "the intervals add up to the totals");
    // What the reporters saw adds up to the same totals, with the last tick.
    let mut seen = Totals::default();
    for counts in &live {
        seen.add(counts);
    }
    seen.add(&s.intervals[n - 1].counts);
    assert_eq!(seen, s.totals);
    // The document holds the same series and reads back as sound.
    let doc = lot::report::read::read_summary(&json, lot::report::read::MAX_INPUT_BYTES).unwrap();
    lot::report::read::check(&doc).unwrap();
    assert_eq!(doc.intervals, s.intervals);
}
