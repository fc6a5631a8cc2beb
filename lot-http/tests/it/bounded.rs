//! `ClientBuilder::max_connections`: requests beyond the bound wait for a
//! connection, and every way a connection or a waiter ends frees its place.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lot_http::{Client, ErrorKind};
use tokio::sync::Semaphore;

use crate::support::{RawServer, within};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const OK_CLOSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

/// How many connections the server had open at once, at most.
#[derive(Clone, Default)]
struct Concurrency {
    open: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Concurrency {
    fn opened(&self) {
        let now = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn closed(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

/// A server that answers each request with `response` after `delay`,
/// closing the connection after the first answer if `once`, and counts its
/// open connections.
async fn slow_server(
    response: &'static [u8],
    delay: Duration,
    once: bool,
) -> (RawServer, Concurrency) {
    let concurrency = Concurrency::default();
    let server = RawServer::start({
        let concurrency = concurrency.clone();
        move |mut conn| {
            let concurrency = concurrency.clone();
            async move {
                concurrency.opened();
                while conn.read_request().await.is_some() {
                    tokio::time::sleep(delay).await;
                    if once {
                        // Over before the client can read the answer, and
                        // so before it can open another in its place.
                        concurrency.closed();
                        conn.write(response).await;
                        return;
                    }
                    conn.write(response).await;
                }
                // The client closed its end.
                concurrency.closed();
            }
        }
    })
    .await;
    (server, concurrency)
}

/// Sends `n` GETs at once from spawned tasks and checks every answer.
async fn burst(client: &Client, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let request = client.get(&format!("/r{i}")).build().unwrap();
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 200);
                assert_eq!(response.body(), b"ok");
            })
        })
        .collect();
    for task in tasks {
        within("a GET of the burst", task).await.unwrap();
    }
}

/// A server that holds each answer until the test lets it go with `gate`.
async fn gated_server(gate: Arc<Semaphore>) -> RawServer {
    RawServer::start(move |mut conn| {
        let gate = gate.clone();
        async move {
            while conn.read_request().await.is_some() {
                gate.acquire().await.unwrap().forget();
                conn.write(OK).await;
            }
        }
    })
    .await
}

/// Polls `future` once, so that it takes its place in the queue.
async fn poll_once<F: Future + Unpin>(future: &mut F) {
    std::future::poll_fn(|cx| {
        assert!(std::pin::Pin::new(&mut *future).poll(cx).is_pending());
        std::task::Poll::Ready(())
    })
    .await;
}

/// Waits until the server has received the first request, which then holds
/// the one connection.
async fn first_received(server: &RawServer) {
    within("the first request", async {
        while server.received().is_empty() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_bound_wait_and_share_the_connections() {
    let (server, concurrency) = slow_server(OK, Duration::from_millis(5), false).await;
    let client = Client::builder(&server.url(""))
        .max_connections(3)
        .build()
        .unwrap();
    assert_eq!(client.open_connections(), Some(0));

    burst(&client, 30).await;

    // Three connections carried all thirty requests, ten each on average.
    assert_eq!(server.accepts(), 3);
    assert_eq!(concurrency.peak(), 3);
    let received = server.received();
    assert_eq!(received.len(), 30);
    let mut paths: Vec<String> = received.iter().map(|(_, line)| line.clone()).collect();
    paths.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("GET /r{i} HTTP/1.1")).collect();
    expected.sort();
    assert_eq!(paths, expected);
    assert!(received.iter().all(|(conn, _)| *conn < 3), "{received:?}");
    assert_eq!(client.open_connections(), Some(3));
    assert_eq!(client.idle_connections(), 3);

    // A second burst reuses them.
    burst(&client, 30).await;
    assert_eq!(server.accepts(), 3);
    assert_eq!(server.received().len(), 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_closes_hands_its_place_to_a_waiting_request() {
    // Every answer closes its connection, so every request needs a new
    // one, opened in the place of the last.
    let (server, concurrency) = slow_server(OK_CLOSE, Duration::from_millis(2), true).await;
    let client = Client::builder(&server.url(""))
        .max_connections(2)
        .build()
        .unwrap();

    burst(&client, 20).await;

    assert_eq!(server.accepts(), 20);
    assert_eq!(server.received().len(), 20);
    assert!(concurrency.peak() <= 2, "peak {}", concurrency.peak());
    assert_eq!(client.open_connections(), Some(0));
    assert_eq!(client.idle_connections(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_the_target_closed_while_idle_is_replaced_within_the_bound() {
    // The target answers without saying it closes, then closes: the
    // client keeps the connection, and finds it closed (on its next use,
    // or by a retry on a new connection).
    let (server, concurrency) = slow_server(OK, Duration::ZERO, true).await;
    let client = Client::builder(&server.url(""))
        .max_connections(2)
        .build()
        .unwrap();

    for round in 0..10 {
        burst(&client, 4).await;
        assert_eq!(server.received().len(), 4 * (round + 1));
    }
    assert_eq!(server.accepts(), 40);
    assert!(concurrency.peak() <= 2, "peak {}", concurrency.peak());
    assert!(client.open_connections().unwrap() <= 2);
}

#[tokio::test]
async fn a_waiting_request_that_is_cancelled_leaves_nothing_behind() {
    let gate = Arc::new(Semaphore::new(0));
    let server = gated_server(gate.clone()).await;
    let client = Client::builder(&server.url(""))
        .max_connections(1)
        .build()
        .unwrap();

    let first = tokio::spawn(client.get("/first").send());
    first_received(&server).await;
    // The second waits for it, and gives up.
    let waited =
        tokio::time::timeout(Duration::from_millis(50), client.get("/second").send()).await;
    assert!(
        waited.is_err(),
        "the second request could not have had a connection"
    );

    gate.add_permits(1);
    let first = within("the first GET", first).await.unwrap().unwrap();
    assert_eq!(first.body(), b"ok");

    // The connection is free again, for the next request at once.
    gate.add_permits(1);
    let third = within("the third GET", client.get("/third").send())
        .await
        .unwrap();
    assert_eq!(third.body(), b"ok");
    assert_eq!(server.accepts(), 1);
    assert_eq!(
        server.received(),
        vec![
            (0, "GET /first HTTP/1.1".to_owned()),
            (0, "GET /third HTTP/1.1".to_owned())
        ]
    );
    assert_eq!(client.open_connections(), Some(1));
}

#[tokio::test]
async fn a_request_cancelled_on_its_connection_frees_its_place() {
    let gate = Arc::new(Semaphore::new(0));
    let server = gated_server(gate.clone()).await;
    let client = Client::builder(&server.url(""))
        .max_connections(1)
        .build()
        .unwrap();

    // Cancelled while the server holds its answer: its connection closes.
    let cancelled =
        tokio::time::timeout(Duration::from_millis(50), client.get("/cancelled").send()).await;
    assert!(cancelled.is_err());
    assert_eq!(client.open_connections(), Some(0));

    gate.add_permits(2);
    let next = within("the next GET", client.get("/next").send())
        .await
        .unwrap();
    assert_eq!(next.body(), b"ok");
    assert_eq!(server.accepts(), 2);
    assert_eq!(
        server.received(),
        vec![
            (0, "GET /cancelled HTTP/1.1".to_owned()),
            (1, "GET /next HTTP/1.1".to_owned())
        ]
    );
    assert_eq!(client.open_connections(), Some(1));
}

#[tokio::test]
async fn a_failed_connect_frees_its_place() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(&format!("http://{addr}"))
        .max_connections(1)
        .build()
        .unwrap();

    for _ in 0..3 {
        let error = within("a GET to a closed port", client.get("/").send())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Connect, "{error}");
    }
    assert_eq!(client.open_connections(), Some(0));
}

#[test]
fn a_bound_of_zero_is_an_error_that_names_it() {
    let error = Client::builder("http://127.0.0.1:8080")
        .max_connections(0)
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert_eq!(
        error.to_string(),
        "max_connections must be at least 1, not 0"
    );
    // Without a bound the client counts no open connections.
    let unbounded = Client::new("http://127.0.0.1:8080").unwrap();
    assert_eq!(unbounded.open_connections(), None);
}

#[tokio::test]
async fn waiting_requests_are_served_in_the_order_they_came() {
    let gate = Arc::new(Semaphore::new(0));
    let server = gated_server(gate.clone()).await;
    let client = Client::builder(&server.url(""))
        .max_connections(1)
        .build()
        .unwrap();

    let first = tokio::spawn(client.get("/first").send());
    first_received(&server).await;
    // Five more queue, in this order, behind the first.
    let mut queued = Vec::new();
    for i in 0..5 {
        let mut request = Box::pin(client.get(&format!("/w{i}")).send());
        poll_once(&mut request).await;
        queued.push(request);
    }
    let tasks: Vec<_> = queued.into_iter().map(tokio::spawn).collect();
    gate.add_permits(6);
    within("the first GET", first).await.unwrap().unwrap();
    for task in tasks {
        within("a queued GET", task).await.unwrap().unwrap();
    }
    let lines: Vec<String> = server
        .received()
        .into_iter()
        .map(|(_, line)| line)
        .collect();
    let expected: Vec<String> = std::iter::once("GET /first HTTP/1.1".to_owned())
        .chain((0..5).map(|i| format!("GET /w{i} HTTP/1.1")))
        .collect();
    assert_eq!(lines, expected);
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn a_connection_handed_to_a_request_that_gave_up_goes_back_to_the_pool() {
    let gate = Arc::new(Semaphore::new(0));
    let server = gated_server(gate.clone()).await;
    let client = Client::builder(&server.url(""))
        .max_connections(1)
        .build()
        .unwrap();

    let first = tokio::spawn(client.get("/first").send());
    first_received(&server).await;
    let mut waiting = Box::pin(client.get("/gave-up").send());
    poll_once(&mut waiting).await;
    // The first request's connection is handed to the waiting one, which
    // is dropped before it runs again.
    gate.add_permits(1);
    within("the first GET", first).await.unwrap().unwrap();
    drop(waiting);
    assert_eq!(client.idle_connections(), 1);

    gate.add_permits(1);
    within("the next GET", client.get("/next").send())
        .await
        .unwrap();
    assert_eq!(server.accepts(), 1, "the connection was kept, not closed");
    assert_eq!(
        server.received(),
        vec![
            (0, "GET /first HTTP/1.1".to_owned()),
            (0, "GET /next HTTP/1.1".to_owned())
        ]
    );
}
