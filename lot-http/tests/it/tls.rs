//! HTTPS: certificates checked (roots, dates, names), accepted on request,
//! client certificates, session resumption, keep-alive, retries and the
//! bounds of hostile targets, all over real TLS on 127.0.0.1.

use std::error::Error as _;
use std::time::{Duration, Instant};

use lot_http::{Client, DEFAULT_MAX_BODY, Error, ErrorKind};
use tokio_rustls::rustls::HandshakeKind;

use crate::hostile::{assert_exact, endless_bodies_at_once};
use crate::hostile_target::{Mode, Target, peak_rss_mib};
use crate::support::tls::{Handshake, Identity, Pki, TlsFront, server_config};
use crate::support::{BIG, HyperServer, RawServer, pattern, within};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// A hyper server behind a TLS front presenting `identity`.
async fn hyper_behind(identity: &Identity) -> (HyperServer, TlsFront) {
    let server = HyperServer::start().await;
    let front = TlsFront::start(server.addr, server_config(identity, None));
    (server, front)
}

/// A client of `url` trusting the test CA.
fn trusting(pki: &Pki, url: &str) -> Client {
    Client::builder(url)
        .add_root_certificate(pki.ca_pem.as_bytes())
        .build()
        .unwrap()
}

/// What a handshake of a client of this crate looks like from the server:
/// ALPN `http/1.1`, SNI as given.
fn handshake(kind: HandshakeKind, sni: Option<&str>, client_cert: bool) -> Handshake {
    Handshake {
        kind: Some(kind),
        sni: sni.map(str::to_owned),
        alpn: Some(b"http/1.1".to_vec()),
        client_cert,
    }
}

#[tokio::test]
async fn a_certificate_signed_by_an_added_root_is_verified() {
    let pki = Pki::new();
    let (server, front) = hyper_behind(&pki.leaf).await;

    // By name: SNI carries it, and ALPN agrees on http/1.1 although the
    // server prefers h2.
    let client = trusting(&pki, &front.url("localhost", "/api"));
    let request = client.get("/hello").build().unwrap();
    let response = within("GET over TLS", request.send()).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().unwrap(), "/api/hello");
    assert_eq!(response.header("x-served-by"), Some("hyper-test"));

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let port = front.addr.port();
    assert_eq!(seen[0].one("host"), format!("localhost:{port}"));
    assert_eq!(seen[0].target, "/api/hello");
    // The server received the request's bytes exactly, and nothing else.
    assert_eq!(front.received(), request.as_bytes().len() as u64);

    // By IP address: no SNI, checked against the certificate's IP address.
    let by_ip = trusting(&pki, &front.url("127.0.0.1", ""));
    let posted = within("POST over TLS", by_ip.post("/ip", "body").send())
        .await
        .unwrap();
    assert_eq!(posted.text().unwrap(), "/ip");
    assert_eq!(server.seen()[1].body, b"body");

    assert_eq!(
        front.handshakes(),
        [
            handshake(HandshakeKind::Full, Some("localhost"), false),
            handshake(HandshakeKind::Full, None, false),
        ]
    );
    assert!(front.failures().is_empty());
}

#[tokio::test]
async fn certificates_are_checked_by_default() {
    let pki = Pki::new();

    // No root for the CA: the system's roots do not know it.
    let (server, front) = hyper_behind(&pki.leaf).await;
    let client = Client::new(&front.url("localhost", "")).unwrap();
    let e = within("untrusted", client.get("/").send())
        .await
        .unwrap_err();
    assert_exact(&e, ErrorKind::Tls, "tls: unknown issuer");
    // The clause is the whole text; rustls' error is in the Debug text.
    assert!(e.source().is_none(), "{e:?}");
    assert!(format!("{e:?}").contains("UnknownIssuer"), "{e:?}");
    assert_eq!(client.idle_connections(), 0);

    // Self-signed, with the test CA trusted: still unknown.
    let (_, self_signed) = hyper_behind(&pki.self_signed).await;
    let e = within(
        "self-signed",
        trusting(&pki, &self_signed.url("localhost", ""))
            .get("/")
            .send(),
    )
    .await
    .unwrap_err();
    assert_exact(&e, ErrorKind::Tls, "tls: unknown issuer");

    let (_, expired) = hyper_behind(&pki.expired).await;
    let e = within(
        "expired",
        trusting(&pki, &expired.url("localhost", ""))
            .get("/")
            .send(),
    )
    .await
    .unwrap_err();
    assert_exact(&e, ErrorKind::Tls, "tls: certificate expired");

    let (_, other) = hyper_behind(&pki.other_name).await;
    for host in ["localhost", "127.0.0.1"] {
        let e = within(
            "another name",
            trusting(&pki, &other.url(host, "")).get("/").send(),
        )
        .await
        .unwrap_err();
        assert_exact(
            &e,
            ErrorKind::Tls,
            &format!("tls: certificate not valid for name \"{host}\""),
        );
    }

    // No request reached a server, and each refusal closed its connection
    // during the handshake.
    assert!(server.seen().is_empty());
    assert_eq!(front.wait_failures(1).len(), 1);
    assert!(front.handshakes().is_empty());
}

#[tokio::test]
async fn invalid_certificates_are_accepted_when_asked() {
    let pki = Pki::new();
    for identity in [&pki.self_signed, &pki.expired, &pki.other_name] {
        let (server, front) = hyper_behind(identity).await;
        let client = Client::builder(&front.url("localhost", ""))
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        for _ in 0..2 {
            let response = within("GET", client.get("/accepted").send()).await.unwrap();
            assert_eq!(response.text().unwrap(), "/accepted");
        }
        assert_eq!(server.seen().len(), 2);
        assert_eq!(front.accepted(), 1);
    }
}

#[tokio::test]
async fn a_target_that_requires_a_client_certificate() {
    let pki = Pki::new();
    let server = HyperServer::start().await;
    let front = TlsFront::start(server.addr, server_config(&pki.leaf, Some(&pki.client_ca)));

    let anonymous = trusting(&pki, &front.url("localhost", ""));
    let e = within("no identity", anonymous.get("/").send())
        .await
        .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::Tls,
        "tls: no client certificate (the target requires one)",
    );

    // A certificate from a CA the server does not trust.
    let stranger = Client::builder(&front.url("localhost", ""))
        .add_root_certificate(pki.ca_pem.as_bytes())
        .identity(
            pki.stranger.chain_pem.as_bytes(),
            pki.stranger.key_pem.as_bytes(),
        )
        .build()
        .unwrap();
    let e = within("unknown identity", stranger.get("/").send())
        .await
        .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::Tls,
        "tls: handshake failed: alert unknown_ca",
    );
    assert_eq!(front.wait_failures(2).len(), 2, "{:?}", front.failures());
    assert!(server.seen().is_empty());

    let client = Client::builder(&front.url("localhost", ""))
        .add_root_certificate(pki.ca_pem.as_bytes())
        .identity(
            pki.client.chain_pem.as_bytes(),
            pki.client.key_pem.as_bytes(),
        )
        .build()
        .unwrap();
    let get = client.get("/mutual").build().unwrap();
    let post = client.post("/mutual", pattern(5000)).build().unwrap();
    within("GET with identity", get.send()).await.unwrap();
    let response = within("POST with identity", post.send()).await.unwrap();
    assert_eq!(response.text().unwrap(), "/mutual");

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].body, pattern(5000));
    assert_eq!(
        front.received(),
        (get.as_bytes().len() + post.as_bytes().len()) as u64
    );
    assert_eq!(
        front.handshakes(),
        [handshake(HandshakeKind::Full, Some("localhost"), true)]
    );
}

#[tokio::test]
async fn a_reopened_connection_resumes_the_session() {
    let pki = Pki::new();
    let (server, front) = hyper_behind(&pki.leaf).await;
    // No idle connection is kept: every request opens its own.
    let client = Client::builder(&front.url("localhost", ""))
        .add_root_certificate(pki.ca_pem.as_bytes())
        .max_idle_per_thread(0)
        .build()
        .unwrap();
    for i in 0..3 {
        let path = format!("/again/{i}");
        let response = within("GET", client.get(&path).send()).await.unwrap();
        assert_eq!(response.text().unwrap(), path);
    }
    assert_eq!(server.seen().len(), 3);
    let kinds: Vec<_> = front.handshakes().into_iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [
            Some(HandshakeKind::Full),
            Some(HandshakeKind::Resumed),
            Some(HandshakeKind::Resumed),
        ]
    );

    // Clones share the client's sessions; another client has its own.
    within("clone", client.clone().get("/").send())
        .await
        .unwrap();
    within(
        "another client",
        trusting(&pki, &front.url("localhost", "")).get("/").send(),
    )
    .await
    .unwrap();
    let kinds: Vec<_> = front.handshakes().into_iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds[3..],
        [Some(HandshakeKind::Resumed), Some(HandshakeKind::Full)]
    );
}

#[tokio::test]
async fn keep_alive_carries_requests_over_one_handshake() {
    let pki = Pki::new();
    let (server, front) = hyper_behind(&pki.leaf).await;
    let client = trusting(&pki, &front.url("localhost", ""));
    for i in 0..20 {
        let path = format!("/seq/{i}");
        let response = within("GET", client.get(&path).send()).await.unwrap();
        assert_eq!(response.text().unwrap(), path);
        assert_eq!(client.idle_connections(), 1);
    }
    // A large body, kept and then discarded, on the same connection.
    let big = within("/big", client.get("/big").send()).await.unwrap();
    assert_eq!(big.body(), pattern(BIG));
    let discarded = within(
        "/big discarded",
        client.get("/big").discard_body(true).send(),
    )
    .await
    .unwrap();
    assert_eq!(
        (discarded.body_len(), discarded.body()),
        (BIG as u64, &b""[..])
    );

    assert_eq!(front.accepted(), 1);
    assert_eq!(front.handshakes().len(), 1);
    assert_eq!(server.accepts(), 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 22);
    assert!(seen.iter().all(|s| s.conn == 0), "{seen:?}");
}

/// A server whose connection 0 answers once and closes, whose connection 1
/// answers once, then reads a request and closes without answering, and
/// whose later connections answer everything.
async fn closing_server() -> RawServer {
    RawServer::start(|mut conn| async move {
        match conn.index {
            0 => {
                if conn.read_request().await.is_some() {
                    conn.write(OK).await;
                }
            }
            1 => {
                if conn.read_request().await.is_some() {
                    conn.write(OK).await;
                }
                conn.read_request().await;
            }
            _ => {
                while conn.read_request().await.is_some() {
                    conn.write(OK).await;
                }
            }
        }
    })
    .await
}

/// Whether the target ends its connections with a `close_notify` or by
/// closing the socket without one, its close is a close: an idle
/// connection it closed is dropped before use, and an idempotent request on
/// a reused connection it closed before answering is retried once.
#[tokio::test]
async fn a_connection_the_target_closed_is_dropped_or_retried() {
    let pki = Pki::new();
    for close_notify in [true, false] {
        let server = closing_server().await;
        let config = server_config(&pki.leaf, None);
        let front = if close_notify {
            TlsFront::start(server.addr, config)
        } else {
            TlsFront::start_abrupt(server.addr, config)
        };
        let client = trusting(&pki, &front.url("localhost", ""));

        within("first", client.get("/one").send()).await.unwrap();
        assert_eq!(client.idle_connections(), 1);
        // The target's close reaches the idle connection, which the pool
        // then drops before use: even a request that is not idempotent
        // (and so would not be retried) goes out once, on a new one.
        tokio::time::sleep(Duration::from_millis(200)).await;
        within("second", client.post("/two", "2").send())
            .await
            .unwrap();
        // The next request goes out on connection 1, which closes instead
        // of answering: it is retried once on a new connection.
        within("third, retried", client.get("/three").send())
            .await
            .unwrap();
        assert_eq!(
            server.received(),
            [
                (0, "GET /one HTTP/1.1".to_owned()),
                (1, "POST /two HTTP/1.1".to_owned()),
                (1, "GET /three HTTP/1.1".to_owned()),
                (2, "GET /three HTTP/1.1".to_owned()),
            ],
            "close_notify: {close_notify}"
        );
        assert_eq!(front.accepted(), 3);
        // Connection 2 was opened by resuming the session.
        assert_eq!(front.handshakes()[2].kind, Some(HandshakeKind::Resumed));

        // A request that is not idempotent is not retried.
        let server = closing_server().await;
        let config = server_config(&pki.leaf, None);
        let front = if close_notify {
            TlsFront::start(server.addr, config)
        } else {
            TlsFront::start_abrupt(server.addr, config)
        };
        let client = Client::builder(&front.url("localhost", ""))
            .add_root_certificate(pki.ca_pem.as_bytes())
            .build()
            .unwrap();
        // Connection 0 closes after one answer; connection 1 carries /a,
        // then closes on /b.
        within("opening", client.post("/0", "x").send())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        within("first", client.post("/a", "x").send())
            .await
            .unwrap();
        let e = within(
            "POST on a closing connection",
            client.post("/b", "x").send(),
        )
        .await
        .unwrap_err();
        assert_exact(
            &e,
            ErrorKind::Io,
            "connection closed before the response began",
        );
        assert_eq!(server.accepts(), 2);
    }
}

/// A body delimited by the connection's close ends at the close, whether
/// the target sends a `close_notify` or just closes its socket.
#[tokio::test]
async fn a_close_delimited_body_ends_at_the_close() {
    let pki = Pki::new();
    for close_notify in [true, false] {
        let server = RawServer::replying_once(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end".as_slice(),
        )
        .await;
        let config = server_config(&pki.leaf, None);
        let front = if close_notify {
            TlsFront::start(server.addr, config)
        } else {
            TlsFront::start_abrupt(server.addr, config)
        };
        let client = trusting(&pki, &front.url("localhost", ""));
        let response = within("a close-delimited body", client.get("/").send())
            .await
            .unwrap();
        assert_eq!(
            response.body(),
            b"until the end",
            "close_notify: {close_notify}"
        );
        assert_eq!(client.idle_connections(), 0);
    }
}

#[tokio::test]
async fn a_plain_http_target_is_not_tls() {
    let server = HyperServer::start().await;
    let client = Client::new(&format!("https://{}", server.addr)).unwrap();
    let e = within("TLS to plain HTTP", client.get("/").send())
        .await
        .unwrap_err();
    assert_exact(&e, ErrorKind::Tls, "tls: the target's answer is not TLS");
    assert!(server.seen().is_empty());
}

/// A hostile target behind a TLS front, and a client trusting it.
fn hostile(pki: &Pki, mode: Mode) -> (Target, TlsFront, String) {
    let target = Target::start(mode);
    let front = TlsFront::start(target.addr, server_config(&pki.leaf, None));
    let url = front.url("localhost", "");
    (target, front, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_bodies_and_heads_over_tls_fail_at_their_limits() {
    let pki = Pki::new();
    for (mode, text) in [
        (Mode::EndlessChunked, "response body over the 16 MiB limit"),
        (
            Mode::EndlessUntilClose,
            "response body over the 16 MiB limit",
        ),
        (Mode::HugeLength, "response body over the 16 MiB limit"),
        (Mode::EndlessHead, "response head over the 64 KiB limit"),
    ] {
        let (target, front, url) = hostile(&pki, mode);
        let client = trusting(&pki, &url);
        let e = within("a hostile target over TLS", client.get("/").send())
            .await
            .unwrap_err();
        assert_exact(&e, ErrorKind::TooLarge, text);
        assert_eq!(client.idle_connections(), 0, "{mode:?}");
        drop(client);
        assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1, "{mode:?}");
        // The client read no more than the limit and what the buffers on
        // the way held.
        assert!(front.sent() < DEFAULT_MAX_BODY + (32 << 20), "{mode:?}");
        assert!(target.written() < DEFAULT_MAX_BODY + (64 << 20), "{mode:?}");
    }
    let peak = peak_rss_mib();
    assert!(peak < 256, "peak RSS {peak} MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_endless_body_over_tls_is_bounded_by_its_limit() {
    let pki = Pki::new();
    let (_target, front, url) = hostile(&pki, Mode::EndlessChunked);
    let client = Client::builder(&url)
        .add_root_certificate(pki.ca_pem.as_bytes())
        .discard_bodies(true)
        .max_body(64 << 20)
        .build()
        .unwrap();
    let e = within("64 MiB discarded", client.get("/").send())
        .await
        .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::TooLarge,
        "response body over the 64 MiB limit",
    );
    assert!(front.sent() >= 64 << 20);
    let peak = peak_rss_mib();
    assert!(peak < 256, "peak RSS {peak} MiB");
}

/// A request to a TLS target that streams a body of one-byte chunks
/// without end, as fast as it can, under a 2 s timeout; returns how long
/// the timeout took.
async fn timed_out_against_a_tls_stream() -> Duration {
    let pki = Pki::new();
    // One byte per chunk costs the client far more than the server: its
    // socket always holds a record, and every read succeeds.
    let front = TlsFront::streaming(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"1\r\nx\r\n".repeat(64 * 1024),
        server_config(&pki.leaf, None),
    );
    let url = front.url("localhost", "");
    let client = Client::builder(&url)
        .add_root_certificate(pki.ca_pem.as_bytes())
        .discard_bodies(true)
        .max_body(u64::MAX)
        .build()
        .unwrap();
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(2), client.get("/").send()).await;
    let elapsed = started.elapsed();
    assert!(outcome.is_err(), "{outcome:?}");
    assert!(front.sent() > 0);
    elapsed
}

/// Runs [`timed_out_against_a_tls_stream`] on a runtime of its own thread,
/// unconstrained as lot polls its iterations, so that a client that never
/// yields fails the test instead of hanging it.
fn on_its_own_thread(mut runtime: tokio::runtime::Builder) {
    let (done, elapsed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = runtime.enable_all().build().unwrap();
        let took = runtime.block_on(tokio::task::unconstrained(timed_out_against_a_tls_stream()));
        let _ = done.send(took);
    });
    // Generous for a loaded machine; a timer starved by the request would
    // never fire at all.
    match elapsed.recv_timeout(Duration::from_secs(30)) {
        Ok(took) => assert!(took < Duration::from_secs(6), "{took:?}"),
        Err(_) => panic!("a 2 s timeout had not fired after 30 s"),
    }
}

#[test]
fn a_tls_stream_does_not_starve_the_timer_on_a_current_thread_runtime() {
    on_its_own_thread(tokio::runtime::Builder::new_current_thread());
}

#[test]
fn a_tls_stream_does_not_starve_the_timer_on_a_multi_thread_runtime() {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.worker_threads(2);
    on_its_own_thread(runtime);
}

#[test]
fn bad_pems_fail_at_build() {
    let pki = Pki::new();
    let e = Client::builder("https://localhost:8443")
        .add_root_certificate(b"not a certificate")
        .build()
        .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::Config,
        "add_root_certificate: no certificate in the PEM; expected -----BEGIN CERTIFICATE-----",
    );
    // Checked for an http target too.
    let e = Client::builder("http://127.0.0.1:8080")
        .identity(pki.client.chain_pem.as_bytes(), b"")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(
        e.to_string()
            .starts_with("identity: no private key in the key PEM"),
        "{e}"
    );
    // A key that is not the certificate's.
    let e = Client::builder("https://localhost:8443")
        .identity(
            pki.client.chain_pem.as_bytes(),
            pki.stranger.key_pem.as_bytes(),
        )
        .build()
        .unwrap_err();
    assert_exact(
        &e,
        ErrorKind::Config,
        "identity: the key does not fit the certificate, or cannot be used",
    );
    // Several certificates in one PEM are all taken.
    let both = format!("{}{}", pki.ca_pem, pki.self_signed.chain_pem);
    Client::builder("https://localhost:8443")
        .add_root_certificate(both.as_bytes())
        .build()
        .unwrap();
}

/// A request over TLS to a hostile target that must fail on its own.
async fn fails_over_tls(pki: &Pki, url: &str) -> Error {
    let client = trusting(pki, url);
    let e = within("a hostile target over TLS", client.get("/").send())
        .await
        .unwrap_err();
    assert_eq!(
        client.idle_connections(),
        0,
        "a failed connection is closed"
    );
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_and_garbage_over_tls_fail_in_one_clause() {
    let pki = Pki::new();
    // The target resets; the front closes the client's connection, with
    // or without a close_notify.
    for abrupt in [false, true] {
        let target = Target::start(Mode::Reset);
        let config = server_config(&pki.leaf, None);
        let front = if abrupt {
            TlsFront::start_abrupt(target.addr, config)
        } else {
            TlsFront::start(target.addr, config)
        };
        let e = fails_over_tls(&pki, &front.url("localhost", "")).await;
        assert_exact(
            &e,
            ErrorKind::Io,
            "connection closed before the response began",
        );
        assert_eq!(
            target.accepted(),
            1,
            "a new connection's failure is not retried"
        );
    }
    let (target, _front, url) = hostile(&pki, Mode::Garbage);
    let e = fails_over_tls(&pki, &url).await;
    assert_exact(
        &e,
        ErrorKind::Protocol,
        "invalid response head: invalid HTTP version",
    );
    assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_or_dripping_target_over_tls_is_bounded_by_the_callers_timeout() {
    const PATIENCE: Duration = Duration::from_millis(1500);
    let pki = Pki::new();
    for mode in [Mode::Hang, Mode::Drip] {
        let (target, _front, url) = hostile(&pki, mode);
        let client = trusting(&pki, &url);
        let started = Instant::now();
        let outcome = tokio::time::timeout(PATIENCE, client.get("/").send()).await;
        assert!(outcome.is_err(), "{mode:?}: {outcome:?}");
        assert!(started.elapsed() < PATIENCE * 2, "{:?}", started.elapsed());
        assert_eq!(client.idle_connections(), 0, "{mode:?}");
        drop(client);
        assert_eq!(target.wait_ended(1, Duration::from_secs(10)), 1, "{mode:?}");
    }
}

/// Many requests at once over TLS to a target that streams without end
/// keep memory within the limits: 32 bodies of at most 4 MiB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_endless_bodies_over_tls_keep_memory_bounded() {
    let pki = Pki::new();
    let (target, _front, url) = hostile(&pki, Mode::EndlessChunked);
    let client = Client::builder(&url)
        .add_root_certificate(pki.ca_pem.as_bytes())
        .max_body(4 << 20);
    endless_bodies_at_once(client, &target).await;
}
