//! HTTP requests recorded through `lot::context::record_http` reach the
//! results per scenario, step and request name.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lot::context::{HttpRequest, record_http};
use lot::executor::Executor;

fn request(name: &str, status: Option<u16>, reused: bool) -> HttpRequest<'_> {
    let mut r = HttpRequest::new(name);
    r.status = status;
    r.reused = reused;
    r.bytes_sent = 120;
    r.bytes_received = 1_000;
    r.connect = Duration::from_micros(400);
    r.tls = Duration::from_micros(900);
    r.send = Duration::from_micros(20);
    r.wait = Duration::from_millis(5);
    r.receive = Duration::from_millis(2);
    r.duration = Duration::from_millis(8);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_counted_by_step_and_name() {
    let mut executor = Executor::new();
    executor
        .add_stage(40, 40, Duration::from_millis(500))
        .terminal(false);
    let report = executor
        .run(|| async {
            let index = lot::iteration().map_or(0, |it| it.index());
            // Outside any step: a 200 on a new connection, then a reused 503.
            record_http(&request("GET /items/{id}", Some(200), false));
            record_http(&request("GET /items/{id}", Some(503), true));
            lot::step("pay", async {
                let status = if index % 4 == 0 { None } else { Some(201) };
                record_http(&request("POST /pay", status, true));
                Ok::<_, anyhow::Error>(())
            })
            .await?;
            Ok(())
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.ok, 20);
    let requests = &s.scenarios[0].requests;
    assert_eq!(requests.len(), 2, "{requests:?}");

    let items = &requests[0];
    assert_eq!(
        (items.name.as_str(), items.step.as_deref()),
        ("GET /items/{id}", None)
    );
    assert_eq!((items.count, items.failed, items.reused), (40, 0, 20));
    assert_eq!(
        (items.bytes_sent, items.bytes_received),
        (40 * 120, 40 * 1_000)
    );
    let codes: Vec<(u16, u64)> = items.status.iter().map(|c| (c.code, c.count)).collect();
    assert_eq!(codes, [(200, 20), (503, 20)]);
    // Connect and TLS on every request, zero on the reused connections.
    assert_eq!((items.connect.count, items.tls.count), (40, 40));
    assert_eq!((items.connect.p50_us, items.connect.max_us), (0, 400));
    assert_eq!((items.tls.min_us, items.tls.max_us), (0, 900));
    assert_eq!(items.wait.count, 40);
    assert!(
        (4_990..=5_010).contains(&items.wait.p50_us),
        "{:?}",
        items.wait
    );
    assert!(
        (7_990..=8_010).contains(&items.duration.p99_us),
        "{:?}",
        items.duration
    );

    let pay = &requests[1];
    assert_eq!(
        (pay.name.as_str(), pay.step.as_deref()),
        ("POST /pay", Some("pay"))
    );
    assert_eq!((pay.count, pay.failed, pay.reused), (20, 5, 20));
    assert_eq!((pay.connect.count, pay.connect.max_us), (20, 0));
    // The response's phases only for the requests that had a response.
    assert_eq!(pay.wait.count, 15);
    assert_eq!(pay.duration.count, 20);

    // The interval series carries the per-second counts, and adds up.
    let http: Vec<_> = s.intervals.iter().map(|i| &i.scenarios[0].http).collect();
    assert_eq!(http.iter().map(|h| h.requests).sum::<u64>(), 60);
    assert_eq!(http.iter().map(|h| h.failed).sum::<u64>(), 5);
    assert_eq!(http.iter().map(|h| h.status_5xx).sum::<u64>(), 20);
    assert_eq!(http.iter().map(|h| h.status_2xx).sum::<u64>(), 35);
    assert_eq!(http.iter().map(|h| h.bytes_sent).sum::<u64>(), 60 * 120);
}

/// A raw keep-alive target that waits `head` before the head of each
/// response and `body` between the head and the body, alternates 200 and
/// 503, and counts the bytes it read and wrote.
struct SlowTarget {
    addr: std::net::SocketAddr,
    read: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
    served: Arc<AtomicU64>,
}

/// Reads from `socket` into `pending` until it holds a whole request head
/// (a request without a body), counting the bytes read into `read`, and
/// takes the head out; false once the connection has ended.
pub async fn next_head<S: tokio::io::AsyncRead + Unpin>(
    socket: &mut S,
    pending: &mut Vec<u8>,
    read: &AtomicU64,
) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    loop {
        if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            pending.drain(..at + 4);
            return true;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => {
                read.fetch_add(n as u64, Ordering::SeqCst);
                pending.extend_from_slice(&buf[..n]);
            }
        }
    }
}

impl SlowTarget {
    async fn start(head: Duration, body: Duration) -> SlowTarget {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (read, written, served): (Arc<AtomicU64>, Arc<AtomicU64>, Arc<AtomicU64>) =
            (Arc::default(), Arc::default(), Arc::default());
        let counts = (Arc::clone(&read), Arc::clone(&written), Arc::clone(&served));
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (read, written, served): (Arc<AtomicU64>, Arc<AtomicU64>, Arc<AtomicU64>) =
                    (counts.0.clone(), counts.1.clone(), counts.2.clone());
                tokio::spawn(async move {
                    let mut pending = Vec::new();
                    while next_head(&mut socket, &mut pending, &read).await {
                        let n = served.fetch_add(1, Ordering::SeqCst);
                        let status = if n % 2 == 0 {
                            "200 OK"
                        } else {
                            "503 Service Unavailable"
                        };
                        tokio::time::sleep(head).await;
                        let head = format!("HTTP/1.1 {status}\r\ncontent-length: 10\r\n\r\n");
                        if socket.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(body).await;
                        if socket.write_all(b"0123456789").await.is_err() {
                            return;
                        }
                        written.fetch_add(head.len() as u64 + 10, Ordering::SeqCst);
                    }
                });
            }
        });
        SlowTarget {
            addr,
            read,
            written,
            served,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lot_http_records_its_phases_statuses_and_bytes() {
    use lot::http::ResponseFutureExt;

    let target = SlowTarget::start(Duration::from_millis(30), Duration::from_millis(300)).await;
    let client = lot::http::Client::new(&format!("http://{}", target.addr)).unwrap();
    let item = client.get("/items/7?full=1").build().unwrap();
    let named = client
        .get("/items/8")
        .name("GET /items/{id}")
        .build()
        .unwrap();
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_secs(1))
        .threshold("http_status 5xx == 0")
        .threshold("http_wait[named] p99 < 10s")
        .threshold("http_reused[GET /items/{id}] >= 25%")
        .terminal(false);
    let report = executor
        .run(move || {
            let (item, named) = (item.send(), named.send());
            async move {
                let _ = item.await?;
                lot::step("named", named.error_for_status()).await.ok();
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.ok, 20, "{:?}", s.scenarios[0].errors);
    assert_eq!(target.served.load(Ordering::SeqCst), 40);
    let requests = &s.scenarios[0].requests;
    assert_eq!(requests.len(), 2, "{requests:?}");
    let item = requests.iter().find(|r| r.step.is_none()).unwrap();
    let named = requests.iter().find(|r| r.step.is_some()).unwrap();
    // The default name drops the query; a given one groups the requests.
    assert_eq!(item.name, "GET /items/7");
    assert_eq!(named.name, "GET /items/{id}");
    assert_eq!(named.step.as_deref(), Some("named"));
    for r in [item, named] {
        assert_eq!((r.count, r.failed), (20, 0), "{r:?}");
        // Every request waits 30 ms for the head and 300 ms for the body:
        // the wait ends before the body's delay, which is nearly all the
        // receive's (bounds generous for a loaded machine, whose late
        // wake-up on the head shortens the receive, but apart, so a time
        // filed in the wrong phase fails).
        assert!(
            r.wait.p50_us >= 29_000 && r.wait.p50_us < 300_000,
            "{:?}",
            r.wait
        );
        assert!(
            r.receive.p50_us >= 250_000 && r.receive.p50_us < 1_000_000,
            "{:?}",
            r.receive
        );
        assert!(r.duration.min_us >= 329_000, "{:?}", r.duration);
        assert_eq!(r.wait.count, 20);
    }
    // What the server served, by status and in bytes.
    let status = |code: u16| requests.iter().map(|r| r.status_code(code)).sum::<u64>();
    assert_eq!(status(200) + status(503), 40);
    assert_eq!(status(200), 20);
    let sent: u64 = requests.iter().map(|r| r.bytes_sent).sum();
    let received: u64 = requests.iter().map(|r| r.bytes_received).sum();
    assert_eq!(sent, target.read.load(Ordering::SeqCst));
    assert_eq!(received, target.written.load(Ordering::SeqCst));
    // Every request records a connect time, zero on a reused connection
    // (as k6's), and a TLS time, zero over plain HTTP.
    let reused: u64 = requests.iter().map(|r| r.reused).sum();
    assert!(reused < 40, "the first requests opened connections");
    for r in requests {
        assert_eq!((r.connect.count, r.tls.count), (20, 20), "{r:?}");
        assert_eq!(r.tls.max_us, 0, "{r:?}");
    }
    assert!(
        requests.iter().any(|r| r.connect.max_us > 0),
        "{requests:?}"
    );
    // Thresholds read them: half the responses were 503s.
    let passed: Vec<bool> = s.thresholds.iter().map(|t| t.passed).collect();
    assert_eq!(passed, [false, true, true], "{:?}", s.thresholds);
    assert_eq!(report.exit_status(), lot::report::EXIT_THRESHOLDS_FAILED);
}

/// `examples/sessions.rs`, run as it is: a users load whose users each
/// log in through a redirect with a cookie jar of their own, then read a
/// page the server refuses without the cookie. No read is refused, each
/// login's two exchanges are recorded under its name, and every exchange
/// recorded reached the server.
#[tokio::test]
async fn each_user_keeps_its_session_and_redirect_hops_are_recorded_under_one_name() {
    let json = std::env::temp_dir().join(format!("lot-sessions-{}.json", std::process::id()));
    let output = tokio::process::Command::new(crate::process::example("sessions"))
        .env("LOT_OUT", format!("json={}", json.display()))
        .env("LOT_QUIET", "1")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("the example ends within a minute")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let s: lot::report::Summary =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    // Every account read carried its user's cookie: none was refused.
    assert_eq!(s.totals.failed, 0, "{stderr}");
    let requests = &s.scenarios[0].requests;
    let login = requests.iter().find(|r| r.name == "login").expect("login");
    // Each login is two exchanges: the 303, and the account it leads to.
    assert_eq!(
        (login.count, login.status_code(303), login.status_code(200)),
        (40, 20, 20),
        "{requests:?}"
    );
    let reads = requests
        .iter()
        .find(|r| r.name == "GET /account")
        .expect("account reads");
    assert_eq!(reads.status_code(200), reads.count);
    let served = format!(
        "the server received 20 logins and {} account reads",
        reads.count + 20
    );
    assert!(stderr.contains(&served), "expected `{served}` in {stderr}");
}
