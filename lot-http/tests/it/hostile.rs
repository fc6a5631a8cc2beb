//! Hostile targets: every request ends in a short, clear error (or is
//! bounded by its caller's timeout) with bounded memory; body limits,
//! discarded bodies, the idle bound and timeout; and reads that yield so a
//! timer always fires.

use std::error::Error as _;
use std::time::{Duration, Instant};

use lot_http::{Client, DEFAULT_MAX_BODY, Error, ErrorKind};

use crate::hostile_target::{Mode, Target, peak_rss_mib};
use crate::support::{BIG, HyperServer, RawServer, within};

/// How long the tests let a request to a target that never answers run.
const PATIENCE: Duration = Duration::from_millis(1500);

/// Checks that `e` has `kind` and exactly `text`, and that the text does
/// not repeat its source's (a chain printed whole would say it twice).
pub(crate) fn assert_exact(e: &Error, kind: ErrorKind, text: &str) {
    assert_eq!(e.kind(), kind, "{e:?}");
    assert_eq!(e.to_string(), text, "{e:?}");
    if let Some(source) = e.source() {
        assert!(
            !text.contains(&source.to_string()),
            "`{text}` repeats its source `{source}`"
        );
    }
}

/// A request to `target` that must fail on its own, with its error.
async fn fails(target: &Target) -> Error {
    let client = Client::new(&target.url()).unwrap();
    let e = within("a request to a hostile target", client.get("/").send())
        .await
        .unwrap_err();
    assert_eq!(
        client.idle_connections(),
        0,
        "a failed connection is closed"
    );
    drop(client);
    e
}

/// A request to `target` that never ends on its own: the caller's timeout
/// ends it, and its connection is closed.
async fn times_out(target: &Target) {
    let client = Client::new(&target.url()).unwrap();
    let started = Instant::now();
    let outcome = tokio::time::timeout(PATIENCE, client.get("/").send()).await;
    assert!(outcome.is_err(), "{outcome:?}");
    assert!(started.elapsed() < PATIENCE * 2, "{:?}", started.elapsed());
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_fails_as_unanswered_without_a_retry() {
    let target = Target::start(Mode::Reset);
    let e = fails(&target).await;
    assert_exact(
        &e,
        ErrorKind::Io,
        "connection closed before the response began",
    );
    // A new connection's failure is not retried.
    assert_eq!(target.accepted(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_or_dripping_target_is_bounded_by_the_callers_timeout() {
    times_out(&Target::start(Mode::Hang)).await;
    times_out(&Target::start(Mode::Drip)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_is_an_invalid_head() {
    let target = Target::start(Mode::Garbage);
    let e = fails(&target).await;
    assert_exact(
        &e,
        ErrorKind::Protocol,
        "invalid response head: invalid HTTP version",
    );
    assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_bodies_and_heads_fail_at_their_limits() {
    for mode in [Mode::EndlessChunked, Mode::EndlessUntilClose] {
        let target = Target::start(mode);
        let e = fails(&target).await;
        assert_exact(
            &e,
            ErrorKind::TooLarge,
            "response body over the 16 MiB limit",
        );
        assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1, "{mode:?}");
        // It read no more than the limit and what the socket's buffers
        // held: the target could not write much beyond it.
        let written = target.written();
        assert!(
            written < DEFAULT_MAX_BODY + (32 << 20),
            "{mode:?}: {written}"
        );
    }

    // A declared length over the limit fails before the body is read.
    let target = Target::start(Mode::HugeLength);
    let e = fails(&target).await;
    assert_exact(
        &e,
        ErrorKind::TooLarge,
        "response body over the 16 MiB limit",
    );
    assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1);

    // A head that never ends, or never comes after interim responses.
    for mode in [Mode::EndlessHead, Mode::EndlessInterim] {
        let target = Target::start(mode);
        let e = fails(&target).await;
        assert_exact(
            &e,
            ErrorKind::TooLarge,
            "response head over the 64 KiB limit",
        );
        assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1, "{mode:?}");
    }

    let target = Target::start(Mode::EndlessTrailers);
    let e = fails(&target).await;
    assert_exact(
        &e,
        ErrorKind::TooLarge,
        "response trailers over the 64 KiB limit",
    );
    assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1);

    let peak = peak_rss_mib();
    assert!(peak < 256, "peak RSS {peak} MiB");
}

/// Many requests at once to targets that stream without end keep memory
/// within the limits: 32 bodies of at most 16 MiB, not 32 × 10 GB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_endless_bodies_keep_memory_bounded() {
    let target = Target::start(Mode::EndlessChunked);
    let client = Client::builder(&target.url()).max_body(4 << 20);
    endless_bodies_at_once(client, &target).await;
}

/// 32 requests at once through a client of `builder` with a 4 MiB body
/// limit, to `target` streaming endless bodies (directly or behind a TLS
/// front): each fails at the limit, the target sees all 32 connections end,
/// and memory stays bounded.
pub(crate) async fn endless_bodies_at_once(builder: lot_http::ClientBuilder, target: &Target) {
    let request = builder.build().unwrap().get("/").build().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        tasks.spawn(request.send());
    }
    while let Some(outcome) = within("32 endless bodies", tasks.join_next()).await {
        let e = outcome.unwrap().unwrap_err();
        assert_exact(
            &e,
            ErrorKind::TooLarge,
            "response body over the 4 MiB limit",
        );
    }
    assert_eq!(target.wait_ended(32, Duration::from_secs(10)), 32);
    let peak = peak_rss_mib();
    assert!(peak < 256, "peak RSS {peak} MiB");
}

/// A body of 30 bytes in three chunks, or delimited by the close.
fn bodies() -> [Vec<u8>; 3] {
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\na\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n012345678901234567890123456789".to_vec(),
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n012345678901234567890123456789".to_vec(),
    ]
}

#[tokio::test]
async fn the_body_limit_holds_exactly_for_every_framing() {
    for response in bodies() {
        let server = RawServer::replying_once(response).await;
        let at = |max: u64| {
            Client::builder(&server.url(""))
                .max_body(max)
                .build()
                .unwrap()
        };
        let ok = within("at the limit", at(30).get("/").send())
            .await
            .unwrap();
        assert_eq!(ok.body(), b"012345678901234567890123456789");
        assert_eq!(ok.body_len(), 30);
        let e = within("over the limit", at(29).get("/").send())
            .await
            .unwrap_err();
        assert_exact(
            &e,
            ErrorKind::TooLarge,
            "response body over the 29 bytes limit",
        );
        let e = within("a zero limit", at(0).get("/").send())
            .await
            .unwrap_err();
        assert_exact(
            &e,
            ErrorKind::TooLarge,
            "response body over the 0 bytes limit",
        );
    }
}

#[tokio::test]
async fn a_request_overrides_the_clients_body_limit() {
    let server = HyperServer::start().await;
    let small = Client::builder(&server.url(""))
        .max_body(1024)
        .build()
        .unwrap();
    let e = within("/big", small.get("/big").send()).await.unwrap_err();
    assert_exact(
        &e,
        ErrorKind::TooLarge,
        "response body over the 1 KiB limit",
    );
    // Failing at the declared length, it closed the connection.
    assert_eq!(small.idle_connections(), 0);
    let big = within(
        "/big, raised",
        small.get("/big").max_body(BIG as u64).send(),
    )
    .await
    .unwrap();
    assert_eq!(big.body().len(), BIG);
    assert_eq!(small.idle_connections(), 1);

    // The default takes 1 MiB; a request may lower it.
    let default = Client::new(&server.url("")).unwrap();
    within("/big", default.get("/big").send()).await.unwrap();
    let e = within(
        "/big, lowered",
        default.get("/big").max_body(512 << 10).send(),
    )
    .await
    .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::TooLarge,
        "response body over the 512 KiB limit",
    );
    assert_eq!(server.accepts(), 3);
}

#[tokio::test]
async fn discarded_bodies_are_counted_exactly_and_the_connection_is_kept() {
    let server = HyperServer::start().await;
    let client = Client::builder(&server.url(""))
        .discard_bodies(true)
        .build()
        .unwrap();
    for _ in 0..3 {
        let response = within("/big", client.get("/big").send()).await.unwrap();
        assert!(response.is_discarded());
        assert_eq!(response.body_len(), BIG as u64);
        assert!(response.body().is_empty());
        assert_eq!(response.header("x-served-by"), Some("hyper-test"));
    }
    // A request may keep its body on a discarding client.
    let kept = within("/big kept", client.get("/big").discard_body(false).send())
        .await
        .unwrap();
    assert!(!kept.is_discarded());
    assert_eq!(kept.body(), crate::support::pattern(BIG));
    assert_eq!(server.accepts(), 1, "one connection carried all four");

    // And discard its body on a keeping one, in every framing.
    for response in bodies() {
        let server = RawServer::replying_once(response).await;
        let client = Client::new(&server.url("")).unwrap();
        let response = within("discarded", client.get("/").discard_body(true).send())
            .await
            .unwrap();
        assert_eq!((response.body_len(), response.body()), (30, &b""[..]));
    }
}

/// A body far larger than the limit's default, counted without being kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_endless_body_is_bounded_by_its_limit_not_by_memory() {
    let target = Target::start(Mode::EndlessChunked);
    let client = Client::builder(&target.url())
        .discard_bodies(true)
        .max_body(256 << 20)
        .build()
        .unwrap();
    let e = within("256 MiB discarded", client.get("/").send())
        .await
        .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::TooLarge,
        "response body over the 256 MiB limit",
    );
    assert!(target.written() >= 256 << 20);
    let peak = peak_rss_mib();
    assert!(peak < 256, "peak RSS {peak} MiB");
}

/// Requests `n` at once from this thread to `client`.
async fn wave(client: &Client, n: usize) {
    let request = client.get("/").build().unwrap();
    let sent: Vec<_> = (0..n).map(|_| request.send()).collect();
    let mut set = tokio::task::JoinSet::new();
    for s in sent {
        set.spawn(s);
    }
    while let Some(outcome) = within("a wave", set.join_next()).await {
        outcome.unwrap().unwrap();
    }
}

#[tokio::test]
async fn connections_beyond_the_idle_bound_are_closed() {
    // Each answer takes 100 ms, so 20 requests at once need 20 connections.
    let target = Target::start(Mode::Ok(Duration::from_millis(100)));
    let client = Client::builder(&target.url())
        .max_idle_per_thread(3)
        .build()
        .unwrap();
    wave(&client, 20).await;
    // A current-thread runtime: one thread, one list.
    assert_eq!(client.idle_connections(), 3);
    assert_eq!(target.accepted(), 20);
    assert_eq!(target.wait_ended(17, Duration::from_secs(10)), 17);
    // The three kept carry the next requests.
    wave(&client, 3).await;
    assert_eq!(target.accepted(), 20);
    assert_eq!(target.requests(), 23);

    let none = Client::builder(&target.url())
        .max_idle_per_thread(0)
        .build()
        .unwrap();
    wave(&none, 2).await;
    assert_eq!(none.idle_connections(), 0);
}

#[tokio::test]
async fn connections_idle_past_the_timeout_are_closed() {
    let target = Target::start(Mode::Ok(Duration::ZERO));
    let client = Client::builder(&target.url())
        .idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    wave(&client, 1).await;
    wave(&client, 1).await;
    assert_eq!((target.accepted(), client.idle_connections()), (1, 1));
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Expired: closed when the next request looks, which opens another.
    wave(&client, 1).await;
    assert_eq!(target.accepted(), 2);
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1);
}

/// When the load leaves a thread, its idle connections are closed by the
/// requests of other threads.
#[tokio::test]
async fn idle_connections_of_a_quiet_thread_expire_through_other_threads() {
    let target = Target::start(Mode::Ok(Duration::from_millis(50)));
    let client = Client::builder(&target.url())
        .idle_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // Another thread opens 8 connections, leaves them idle and goes quiet.
    std::thread::spawn({
        let client = client.clone();
        move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(wave(&client, 8));
        }
    })
    .join()
    .unwrap();
    assert_eq!((target.accepted(), client.idle_connections()), (8, 8));
    // This thread keeps sending, one request at a time, past the timeout.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1000) {
        wave(&client, 1).await;
    }
    assert_eq!(client.idle_connections(), 1);
    // Threads are spread over the pool's lists by number, so this thread
    // may share the quiet one's list and reuse one of its connections.
    let accepted = target.accepted();
    assert!((8..=9).contains(&accepted), "{accepted}");
    assert_eq!(
        target.wait_ended(accepted - 1, Duration::from_secs(10)),
        accepted - 1
    );
}

/// A request to a target that streams a body without end, as fast as it
/// can, under a 2 s timeout; returns how long the timeout took.
async fn timed_out_against_a_stream() -> Duration {
    let target = Target::start(Mode::TinyChunks);
    let client = Client::builder(&target.url())
        .discard_bodies(true)
        .max_body(u64::MAX)
        .build()
        .unwrap();
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(2), client.get("/").send()).await;
    assert!(outcome.is_err(), "{outcome:?}");
    let elapsed = started.elapsed();
    assert!(target.written() > 0);
    elapsed
}

/// Runs [`timed_out_against_a_stream`] on a runtime of its own thread, so
/// that a client that never yields fails the test instead of hanging it.
fn on_its_own_thread(runtime: tokio::runtime::Builder, unconstrained: bool) {
    let mut runtime = runtime;
    let (done, elapsed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = runtime.enable_all().build().unwrap();
        let took = if unconstrained {
            runtime.block_on(tokio::task::unconstrained(timed_out_against_a_stream()))
        } else {
            runtime.block_on(timed_out_against_a_stream())
        };
        let _ = done.send(took);
    });
    // Generous for a loaded machine; a timer starved by the request would
    // never fire at all.
    match elapsed.recv_timeout(Duration::from_secs(20)) {
        Ok(took) => assert!(took < Duration::from_secs(4), "{took:?}"),
        Err(_) => panic!("a 2 s timeout had not fired after 20 s"),
    }
}

#[test]
fn a_stream_does_not_starve_the_timer_on_a_current_thread_runtime() {
    on_its_own_thread(tokio::runtime::Builder::new_current_thread(), false);
}

#[test]
fn a_stream_does_not_starve_the_timer_when_unconstrained() {
    // As lot polls its iterations: tokio's cooperative budget is off.
    on_its_own_thread(tokio::runtime::Builder::new_current_thread(), true);
}

#[test]
fn a_stream_does_not_starve_the_timer_on_a_multi_thread_runtime() {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.worker_threads(2);
    on_its_own_thread(runtime, true);
}
