//! Connections the server closed while they sat idle in the pool, and
//! requests cancelled mid-way.

use std::time::Duration;

use lot_http::{Client, ErrorKind};
use tokio::sync::mpsc;

use crate::support::{RawServer, within};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// A server that answers one request per connection and then closes it,
/// without saying `Connection: close`, so the client pools it. It reports
/// each close on the channel.
async fn one_per_connection() -> (RawServer, mpsc::UnboundedReceiver<usize>) {
    let (closed_tx, closed_rx) = mpsc::unbounded_channel();
    let server = RawServer::start(move |mut conn| {
        let closed_tx = closed_tx.clone();
        async move {
            if conn.read_request().await.is_some() {
                conn.write(OK).await;
            }
            let index = conn.index;
            drop(conn);
            let _ = closed_tx.send(index);
        }
    })
    .await;
    (server, closed_rx)
}

/// Waits until the server closed connection `index`, and a little more for
/// its FIN to reach the client's socket.
async fn wait_closed(closed: &mut mpsc::UnboundedReceiver<usize>, index: usize) {
    assert_eq!(
        within("the server's close", closed.recv()).await,
        Some(index)
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[tokio::test]
async fn connections_closed_while_idle_are_dropped_before_use() {
    let (server, mut closed) = one_per_connection().await;
    let client = Client::new(&server.url("")).unwrap();

    let first = within("GET", client.get("/one").send()).await.unwrap();
    assert_eq!(first.body(), b"ok");
    assert_eq!(
        client.idle_connections(),
        1,
        "no `Connection: close`: pooled"
    );
    wait_closed(&mut closed, 0).await;

    // Whatever the method, the closed connection is noticed before the
    // request is written, and the request goes out once, on a new one.
    let get = within("GET", client.get("/two").send()).await.unwrap();
    assert_eq!(get.body(), b"ok");
    wait_closed(&mut closed, 1).await;
    let post = within("POST", client.post("/three", "p").send())
        .await
        .unwrap();
    assert_eq!(post.body(), b"ok");
    wait_closed(&mut closed, 2).await;
    let patch = within("PATCH", client.request("PATCH", "/four").body("{}").send())
        .await
        .unwrap();
    assert_eq!(patch.body(), b"ok");
    assert_eq!(server.accepts(), 4);

    let received: Vec<(usize, String)> = server.received();
    assert_eq!(
        received,
        [
            (0, "GET /one HTTP/1.1".to_owned()),
            (1, "GET /two HTTP/1.1".to_owned()),
            (2, "POST /three HTTP/1.1".to_owned()),
            (3, "PATCH /four HTTP/1.1".to_owned()),
        ]
    );
}

/// A server whose first connection answers one request, then reads the next
/// one and closes without answering it (as a server does when its
/// keep-alive timeout races the request). Later connections answer all.
async fn closes_on_the_second_request() -> RawServer {
    RawServer::start(|mut conn| async move {
        let mut n = 0;
        while conn.read_request().await.is_some() {
            n += 1;
            if conn.index == 0 && n == 2 {
                return;
            }
            conn.write(OK).await;
        }
    })
    .await
}

#[tokio::test]
async fn an_unanswered_idempotent_request_is_retried_once_on_a_new_connection() {
    for method in ["GET", "PUT", "DELETE"] {
        let server = closes_on_the_second_request().await;
        let client = Client::new(&server.url("")).unwrap();
        within("first", client.get("/one").send()).await.unwrap();
        let second = within(method, client.request(method, "/two").send())
            .await
            .unwrap_or_else(|e| panic!("{method} is retried: {e}"));
        assert_eq!(second.body(), b"ok");
        assert_eq!(server.accepts(), 2);
        let received: Vec<(usize, String)> = server.received();
        let two = format!("{method} /two HTTP/1.1");
        assert_eq!(
            received,
            [
                (0, "GET /one HTTP/1.1".to_owned()),
                (0, two.clone()),
                (1, two)
            ]
        );
    }
}

#[tokio::test]
async fn an_unanswered_post_or_patch_is_not_retried() {
    for method in ["POST", "PATCH"] {
        let server = closes_on_the_second_request().await;
        let client = Client::new(&server.url("")).unwrap();
        within("first", client.get("/one").send()).await.unwrap();
        let e = within(method, client.request(method, "/orders").body("{}").send())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
        assert!(
            e.to_string()
                .contains("connection closed before the response began"),
            "{e}"
        );
        assert_eq!(server.accepts(), 1, "{method} is never sent twice");
        assert_eq!(
            server.lines(),
            [
                "GET /one HTTP/1.1".to_owned(),
                format!("{method} /orders HTTP/1.1")
            ]
        );
        // The client recovers: the next request opens a new connection.
        within("GET", client.get("/three").send()).await.unwrap();
        assert_eq!(server.accepts(), 2);
    }
}

#[tokio::test]
async fn a_response_sent_to_an_idle_connection_is_not_the_answer() {
    // Some servers answer an idle keep-alive connection's timeout with an
    // unsolicited `408` before closing it. That response answers no request.
    let (closed_tx, mut closed) = mpsc::unbounded_channel();
    let server = RawServer::start(move |mut conn| {
        let closed_tx = closed_tx.clone();
        async move {
            if conn.read_request().await.is_some() {
                conn.write(OK).await;
                if conn.index == 0 {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    conn.write(b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                        .await;
                }
            }
            let index = conn.index;
            drop(conn);
            let _ = closed_tx.send(index);
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    within("GET", client.get("/one").send()).await.unwrap();
    assert_eq!(client.idle_connections(), 1);
    wait_closed(&mut closed, 0).await;

    let second = within("GET", client.get("/two").send()).await.unwrap();
    assert_eq!(second.status(), 200, "the 408 was sent before `/two`");
    assert_eq!(server.accepts(), 2);
    assert_eq!(server.lines(), ["GET /one HTTP/1.1", "GET /two HTTP/1.1"]);
}

#[tokio::test]
async fn a_cancelled_request_closes_its_connection() {
    let (gone_tx, mut gone) = mpsc::unbounded_channel();
    let server = RawServer::start(move |mut conn| {
        let gone_tx = gone_tx.clone();
        async move {
            if conn.index == 0 {
                // Half a response, then wait for the client to give up.
                if conn.read_request().await.is_some() {
                    conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
                        .await;
                    let _ = gone_tx.send(conn.wait_closed().await);
                }
            } else {
                while conn.read_request().await.is_some() {
                    conn.write(OK).await;
                }
            }
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();

    let cancelled =
        tokio::time::timeout(Duration::from_millis(300), client.get("/slow").send()).await;
    assert!(
        cancelled.is_err(),
        "the response never completes: {cancelled:?}"
    );
    assert_eq!(
        client.idle_connections(),
        0,
        "a cancelled request's connection is not pooled"
    );
    assert_eq!(
        within("the client's close", gone.recv()).await,
        Some(true),
        "dropping the request closed its connection"
    );

    let next = within("GET", client.get("/next").send()).await.unwrap();
    assert_eq!(next.body(), b"ok");
    assert_eq!(server.accepts(), 2);
    assert_eq!(client.idle_connections(), 1);
    let received: Vec<(usize, String)> = server.received();
    assert_eq!(
        received,
        [
            (0, "GET /slow HTTP/1.1".to_owned()),
            (1, "GET /next HTTP/1.1".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_cancelled_prebuilt_request_can_be_sent_again() {
    let server = RawServer::start(|mut conn| async move {
        let mut n = 0;
        while conn.read_request().await.is_some() {
            n += 1;
            if conn.index == 0 && n == 2 {
                // Never answer the second request on the first connection.
                conn.wait_closed().await;
                return;
            }
            conn.write(OK).await;
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let request = client.get("/again").build().unwrap();
    within("GET", request.send()).await.unwrap();
    assert_eq!(client.idle_connections(), 1);
    let cancelled = tokio::time::timeout(Duration::from_millis(200), request.send()).await;
    assert!(cancelled.is_err());
    assert_eq!(client.idle_connections(), 0);
    for _ in 0..3 {
        assert_eq!(within("GET", request.send()).await.unwrap().body(), b"ok");
    }
    assert_eq!(server.accepts(), 2);
    let conns: Vec<usize> = server.requests().iter().map(|r| r.conn).collect();
    assert_eq!(conns, [0, 0, 1, 1, 1]);
}
