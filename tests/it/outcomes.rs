//! Every arrival ends as exactly one of ok, failed, dropped, interrupted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lot::executor::Executor;

use crate::server::TestServer;

/// A slow server and a small in-flight bound: arrivals beyond the bound are
/// dropped and counted, never queued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrivals_beyond_the_in_flight_bound_are_dropped() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/delay/300", server.url());
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(1))
        .max_in_flight(5)
        .terminal(false);
    let report = executor
        .run(move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?;
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    let t = s.totals;
    assert_eq!(t.scheduled, 100);
    assert!(t.dropped > 50, "{t:?}");
    assert!(t.is_balanced(), "{t:?}");
    assert_eq!(t.ok + t.failed, server.hits(), "{t:?}");
    assert_eq!(t.failed, 0, "{:?}", s.errors);
    assert_eq!(s.plan.loads[0].max_in_flight, Some(5));
}

/// The in-flight bound is one bound for the whole load, however many lanes
/// of the scheduler (one per worker thread) launch its arrivals.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_in_flight_bound_holds_across_the_scheduler_lanes() {
    let server = TestServer::start().await;
    let client = lot::http::Client::new(&server.url()).unwrap();
    let slow = client.get("/delay/100").build().unwrap();
    let running = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let mut executor = Executor::new();
    executor
        .add_stage(400, 400, Duration::from_secs(1))
        .max_in_flight(7)
        .terminal(false);
    let report = executor
        .run({
            let (running, peak) = (running.clone(), peak.clone());
            move || {
                let sent = slow.send();
                let (running, peak) = (running.clone(), peak.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let response = sent.await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    response?.error_for_status()?;
                    Ok(())
                }
            }
        })
        .await;
    let t = report.expect_summary().totals;
    assert_eq!(t.scheduled, 400);
    assert!(t.is_balanced(), "{t:?}");
    // 7 at a time for 100 ms each: about 70 of 400 in a second.
    assert!(t.dropped > 200, "{t:?}");
    assert_eq!((t.failed, t.interrupted), (0, 0), "{t:?}");
    assert_eq!(t.ok, server.hits_on("/delay/100"));
    let peak = peak.load(Ordering::SeqCst);
    assert!((4..=7).contains(&peak), "{peak} iterations ran at once");
}

/// Errors and panics are failures counted by kind, and the run goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_panics_are_counted_by_kind() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let base = server.url();
    let n = Arc::new(AtomicU64::new(0));
    let mut executor = Executor::new();
    executor
        .add_stage(200, 200, Duration::from_millis(1500))
        .terminal(false);
    let report = executor
        .run(move || {
            let i = n.fetch_add(1, Ordering::SeqCst);
            let client = client.clone();
            let base = base.clone();
            async move {
                match i % 3 {
                    0 => panic!("scenario bug {}", i % 2),
                    1 => {
                        let r = client.get(format!("{base}/status/503")).send().await?;
                        r.error_for_status()?;
                    }
                    _ => {
                        client.get(&base).send().await?.error_for_status()?;
                    }
                }
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.scheduled, 300);
    assert_eq!(s.totals.ok, 100);
    assert_eq!(s.totals.failed, 200);
    assert!(s.totals.is_balanced());
    assert_eq!(server.hits(), 200, "the panicking third sent nothing");
    let count = |kind: &str| {
        s.errors
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| e.count)
            .unwrap_or(0)
    };
    assert_eq!(
        count("panic: scenario bug 0") + count("panic: scenario bug 1"),
        100
    );
    let status = s
        .errors
        .iter()
        .find(|e| e.kind.contains("503"))
        .unwrap_or_else(|| panic!("a 503 kind in {:?}", s.errors));
    assert_eq!(status.count, 100);
    assert_eq!(s.errors.iter().map(|e| e.count).sum::<u64>(), 200);
    assert_eq!(s.scenarios[0].errors, s.errors);
}

/// A panic while the iteration's future is built (in `Scenario::run` itself)
/// fails that iteration only.
#[tokio::test]
async fn a_panic_building_the_iteration_fails_it_alone() {
    let n = Arc::new(AtomicU64::new(0));
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_millis(200))
        .terminal(false);
    let report = executor
        .run(move || {
            if n.fetch_add(1, Ordering::SeqCst) % 4 == 3 {
                panic!("bug in run()");
            }
            async { Ok(()) }
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.scheduled, 20);
    assert_eq!((s.totals.ok, s.totals.failed), (15, 5));
    assert_eq!(s.errors[0].kind, "panic: bug in run()");
}

/// An iteration that hangs fails with kind `timeout`.
#[tokio::test]
async fn hanging_iterations_time_out() {
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_millis(500))
        .timeout(Duration::from_millis(100))
        .terminal(false);
    let report = executor
        .run(|| async {
            std::future::pending::<()>().await;
            Ok(())
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.scheduled, 10);
    assert_eq!(s.totals.failed, 10);
    assert_eq!(s.errors.len(), 1);
    assert_eq!(
        (s.errors[0].kind.as_str(), s.errors[0].count),
        ("timeout", 10)
    );
    // Timed-out iterations are measured too, at about the timeout.
    assert!(
        s.service_time.min_us >= 100_000,
        "{}",
        s.service_time.min_us
    );
}

/// The timeout counts from an iteration's first poll, as its start does:
/// iterations queued behind one that blocks the runtime's only thread are
/// late (schedule lag), not timed out.
#[tokio::test]
async fn the_timeout_counts_from_the_first_poll() {
    let mut executor = Executor::new();
    executor
        .add_stage(10_000, 10_000, Duration::from_millis(50))
        .timeout(Duration::from_millis(300))
        .terminal(false);
    let report = executor
        .run(|| async {
            if lot::iteration().map_or(0, |it| it.index()) == 0 {
                // Blocks the thread: the rest of its batch waits to run.
                std::thread::sleep(Duration::from_millis(600));
            } else {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Ok(())
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.scheduled, 500);
    assert_eq!((s.totals.ok, s.totals.failed), (500, 0), "{:?}", s.errors);
    assert!(
        s.schedule_lag.max_us >= 600_000,
        "{}",
        s.schedule_lag.max_us
    );
}

/// Iterations still running when the graceful stop ends are interrupted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_stop_interrupts_what_is_left() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/delay/60000", server.url());
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_millis(500))
        .graceful_stop(Duration::from_millis(300))
        .terminal(false);
    let started = std::time::Instant::now();
    let report = executor
        .run(move || {
            let request = client.get(&url);
            async move {
                request.send().await?;
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.scheduled, 10);
    assert_eq!(s.totals.interrupted, 10, "{:?}", s.totals);
    assert!(s.totals.is_balanced());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(s.intervals.last().unwrap().in_flight, 0);
}

/// Panics on drop: state an iteration holds whose drop is buggy.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("bug in drop");
    }
}

/// A panic while an iteration's future is dropped (after its timeout, or
/// when the graceful stop cancels it) fails or interrupts that iteration
/// only; the run goes on and ends with every arrival accounted for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_dropping_an_iteration_fails_that_iteration_only() {
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_millis(500))
        .timeout(Duration::from_millis(200))
        .graceful_stop(Duration::from_millis(50))
        .terminal(false);
    let report = executor
        .run(|| async {
            let index = lot::iteration().map_or(0, |it| it.index());
            if index == 5 || index == 49 {
                // Times out (5), or is still running when the graceful stop
                // ends (49, the last arrival), and panics as it is dropped.
                let _guard = PanicsOnDrop;
                std::future::pending::<()>().await;
            }
            Ok(())
        })
        .await;
    let s = report.expect_summary();
    let t = s.totals;
    assert_eq!(t.scheduled, 50);
    assert!(t.is_balanced(), "{t:?}");
    assert_eq!(
        (t.ok, t.failed, t.interrupted),
        (48, 1, 1),
        "{t:?} {:?}",
        s.errors
    );
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(s.errors[0].kind, "panic: bug in drop");
}

/// Dropping the `run` future stops every part of the run, whatever point it
/// had reached: no iteration starts afterwards. (A lane that another worker
/// thread is polling at that moment is cancelled when that poll ends, so the
/// count is taken once the cancellations have landed.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_run_stops_its_iterations() {
    for attempt in 0..10 {
        let started = Arc::new(AtomicU64::new(0));
        let mut executor = Executor::new();
        executor
            .add_stage(200, 200, Duration::from_millis(300))
            .terminal(false)
            .handle_signals(false);
        let run = executor.run({
            let started = started.clone();
            move || {
                started.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            }
        });
        // Polled once (which starts the run's tasks), then dropped.
        let _ = tokio::time::timeout(Duration::ZERO, run).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let at_drop = started.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            started.load(Ordering::SeqCst),
            at_drop,
            "attempt {attempt}: iterations started after the run was dropped"
        );
    }
}
