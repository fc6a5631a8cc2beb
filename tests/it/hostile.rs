//! `lot::http` under lot against hostile targets: every iteration fails
//! with a short kind that does not repeat itself, the run ends on time and
//! memory stays bounded.

use std::time::{Duration, Instant};

use lot::executor::Executor;
use lot::http::Client;

#[path = "../../lot-http/tests/it/hostile_target.rs"]
mod hostile_target;

use hostile_target::{Mode, Target, peak_rss_mib};

const RATE: u64 = 20;
const LENGTH: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(1);
const GRACEFUL_STOP: Duration = Duration::from_secs(2);
/// What a loaded 2-core machine may add to a run's length.
const TOLERANCE: Duration = Duration::from_secs(3);

/// The text of a failure to read a reset connection.
const RESET: &str =
    "connection closed before the response began: Connection reset by peer (os error 104)";

/// The plan every run here has: 20/s for 1 s, each iteration bounded by
/// the timeout, quietly.
fn executor() -> Executor {
    let mut executor = Executor::new();
    executor
        .add_stage(RATE, RATE, LENGTH)
        .timeout(TIMEOUT)
        .graceful_stop(GRACEFUL_STOP)
        .quiet(true)
        .terminal(false);
    executor
}

/// Runs 20/s for 1 s of GET requests against a target in `mode`, and
/// checks that every iteration failed with one of `kinds`, that the run
/// ended on time, and that memory stayed bounded. The client's body limit
/// is 1 MiB: a debug build reads 16 MiB (the default, which lot-http's own
/// tests cover) too slowly to fail by it, rather than by the timeout, on a
/// loaded machine, and iterations in flight each hold up to the limit.
async fn run_against(mode: Mode, kinds: &[&str]) {
    let target = Target::start(mode);
    let client = Client::builder(&target.url())
        .max_body(1024 * 1024)
        .build()
        .unwrap();
    let request = client.get("/").build().unwrap();
    let executor = executor();
    let started = Instant::now();
    let report = executor
        .run(move || {
            let sent = request.send();
            async move {
                sent.await?.error_for_status()?;
                Ok(())
            }
        })
        .await;
    let took = started.elapsed();
    let s = report.expect_summary();
    let t = s.totals;
    assert_eq!(t.scheduled, RATE, "{mode:?}: {t:?}");
    assert_eq!(
        (t.ok, t.failed),
        (0, RATE),
        "{mode:?}: {t:?} {:?}",
        s.errors
    );
    for error in &s.errors {
        assert!(
            kinds.contains(&error.kind.as_str()),
            "{mode:?}: unexpected kind `{}` ({} times); expected one of {kinds:?}",
            error.kind,
            error.count
        );
        // No clause said twice, as `message: cause: cause` would.
        let clauses: Vec<&str> = error.kind.split(": ").collect();
        for (i, clause) in clauses.iter().enumerate() {
            assert!(
                !clauses[i + 1..].contains(clause),
                "{mode:?}: `{}` repeats `{clause}`",
                error.kind
            );
        }
    }
    assert_eq!(
        s.errors.iter().map(|e| e.count).sum::<u64>(),
        RATE,
        "{mode:?}: {:?}",
        s.errors
    );
    assert!(
        took < LENGTH + TIMEOUT + GRACEFUL_STOP + TOLERANCE,
        "{mode:?}: the run took {took:?}"
    );
    assert_eq!(client.idle_connections(), 0, "{mode:?}");
    let peak = peak_rss_mib();
    assert!(peak < 256, "{mode:?}: peak RSS {peak} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_resets_fails_every_iteration() {
    run_against(
        Mode::Reset,
        &[RESET, "connection closed before the response began"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_times_every_iteration_out() {
    run_against(Mode::Hang, &["timeout"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_drips_times_every_iteration_out() {
    run_against(Mode::Drip, &["timeout"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_answers_garbage_fails_every_iteration() {
    run_against(
        Mode::Garbage,
        &["invalid response head: invalid HTTP version"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_bodies_fail_every_iteration_at_the_limit() {
    for mode in [
        Mode::EndlessChunked,
        Mode::EndlessUntilClose,
        Mode::HugeLength,
    ] {
        run_against(mode, &["response body over the 1 MiB limit"]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_head_fails_every_iteration_at_the_limit() {
    // A head that never ends, or never comes after interim responses.
    for mode in [Mode::EndlessHead, Mode::EndlessInterim] {
        run_against(mode, &["response head over the 64 KiB limit"]).await;
    }
    run_against(
        Mode::EndlessTrailers,
        &["response trailers over the 64 KiB limit"],
    )
    .await;
}

/// Against a target that streams a body as fast as it can and the limit
/// lifted, the iteration timeout still ends every iteration on time.
///
/// The graceful stop is long here, so that iterations whose timeout never
/// fired would run on until it ends (and be interrupted), far past the
/// bound on the run's length; timeouts that fire late on a loaded machine
/// (every iteration parses one-byte chunks as fast as it can) still count
/// as timeouts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streaming_target_does_not_outlast_the_timeout() {
    const LATE: Duration = Duration::from_secs(6);
    const LONG_STOP: Duration = Duration::from_secs(20);
    let target = Target::start(Mode::TinyChunks);
    let client = Client::builder(&target.url())
        .discard_bodies(true)
        .max_body(u64::MAX)
        .build()
        .unwrap();
    let request = client.get("/").build().unwrap();
    let mut executor = executor();
    executor.graceful_stop(LONG_STOP);
    let started = Instant::now();
    let report = executor
        .run(move || {
            let sent = request.send();
            async move {
                sent.await?;
                Ok(())
            }
        })
        .await;
    let took = started.elapsed();
    let s = report.expect_summary();
    assert_eq!((s.totals.ok, s.totals.failed), (0, RATE), "{:?}", s.totals);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(
        (s.errors[0].kind.as_str(), s.errors[0].count),
        ("timeout", RATE)
    );
    assert!(took < LENGTH + TIMEOUT + LATE, "the run took {took:?}");
    // Every timed-out request closed its connection.
    assert_eq!(
        target.wait_ended(RATE as usize, Duration::from_secs(10)),
        RATE as usize
    );
}
