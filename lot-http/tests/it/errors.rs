//! Errors: their kind, their text, and that a bad request sends nothing.

use lot_http::{Client, Error, ErrorKind};

use crate::support::{HyperServer, RawServer, within};

fn assert_error(e: &Error, kind: ErrorKind, needle: &str) {
    assert_eq!(e.kind(), kind, "{e:?}");
    let text = e.to_string();
    assert!(text.contains(needle), "`{text}` should contain `{needle}`");
}

#[test]
fn invalid_base_urls() {
    for (url, needle) in [
        (
            "ftp://127.0.0.1/",
            "the scheme must be http or https, not `ftp`",
        ),
        ("127.0.0.1:8080", "expected http://host[:port][/path]"),
        ("http://", "the host is missing"),
        ("http:///path", "the host is missing"),
        ("http://:8080", "the host is missing"),
        ("http://127.0.0.1:99999", "not `99999`"),
        ("http://127.0.0.1:0", "not `0`"),
        ("http://127.0.0.1:port/", "not `port`"),
        ("http://127.0.0.1:-1/", "not `-1`"),
        ("http://user:pw@127.0.0.1/", "user information"),
        ("http://127.0.0.1/api?x=1", "no query"),
        ("http://127.0.0.1/a b", "percent-encode"),
    ] {
        let e = Client::new(url).unwrap_err();
        assert_error(&e, ErrorKind::Url, needle);
        // The text names the URL.
        assert!(e.to_string().contains(url), "{e} should name {url}");
        assert_eq!(e.status(), None);
    }
}

#[test]
#[cfg(not(feature = "tls"))]
fn https_without_the_tls_feature_names_the_feature() {
    let e = Client::new("https://127.0.0.1:8443/").unwrap_err();
    assert_error(&e, ErrorKind::Url, "https needs lot-http's `tls` feature");
}

#[test]
#[cfg(feature = "tls")]
fn https_urls_are_accepted_with_the_tls_feature() {
    // Resolved and configured, not connected: no server is needed.
    let client = Client::new("https://127.0.0.1:8443/api").unwrap();
    assert!(format!("{client:?}").contains("tls: true"), "{client:?}");
    assert!(Client::new("https://[::1]").is_ok());
}

#[tokio::test]
async fn invalid_requests_send_nothing() {
    let server =
        RawServer::replying(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".as_slice()).await;
    let client = Client::new(&server.url("")).unwrap();

    let cases = [
        (client.request("GE T", "/"), "invalid method `GE T`"),
        (client.request("", "/"), "invalid method ``"),
        (client.request("GET\r\n", "/"), "invalid method"),
        (client.get("no-slash"), "expected it to start with `/`"),
        (client.get(""), "expected it to start with `/`"),
        (client.get("/a b"), "percent-encode"),
        (client.get("/caf\u{e9}"), "percent-encode"),
        (client.get("/x\r\nHost: evil"), "percent-encode"),
        (
            client.get("/").header("bad name", "v"),
            "invalid header name `bad name`",
        ),
        (client.get("/").header("", "v"), "invalid header name"),
        (client.get("/").header("x:y", "v"), "invalid header name"),
        (
            client.get("/").header("X-A", "v\r\nX-Injected: 1"),
            "invalid value `v\\r\\nX-Injected: 1` for header `X-A`",
        ),
        (
            client.get("/").header("X-A", "v\nb"),
            "for header `X-A`: it contains '\\n'",
        ),
        (
            client.get("/").header("X-A", "v\0"),
            "for header `X-A`: it contains '\\0'",
        ),
        (
            client.get("/").header("X-A", "v\x7f"),
            "for header `X-A`: it contains '\\u{7f}'",
        ),
        (
            client.get("/").header("X-A", "v\x0b"),
            "for header `X-A`: it contains '\\u{b}'",
        ),
        (client.get("/a#frag"), "a fragment is not sent"),
        (
            client.post("/", "abc").header("Content-Length", "3"),
            "set by the client",
        ),
        (
            client
                .post("/", "abc")
                .header("transfer-encoding", "chunked"),
            "set by the client",
        ),
        // The first mistake is the one reported, however the chain goes on.
        (
            client
                .get("/")
                .header("bad name", "v")
                .header("x-ok", "1")
                .body("b"),
            "invalid header name `bad name`",
        ),
    ];
    for (builder, needle) in cases {
        let e = within("an invalid request", builder.send())
            .await
            .unwrap_err();
        assert_error(&e, ErrorKind::Request, needle);
    }
    let e = client.get("/").header("X-A", "\r").build().unwrap_err();
    assert_error(&e, ErrorKind::Request, "for header `X-A`");
    // A tab is part of a value.
    client.get("/").header("X-A", "a\tb").build().unwrap();

    assert_eq!(server.accepts(), 0);
    assert_eq!(client.idle_connections(), 0);
    // A valid request afterwards is the one and only thing the server sees.
    within("GET", client.get("/valid").send()).await.unwrap();
    assert_eq!(server.accepts(), 1);
    assert_eq!(server.lines(), ["GET /valid HTTP/1.1"]);
}

#[tokio::test]
async fn connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(&format!("http://{addr}")).unwrap();
    for _ in 0..2 {
        let e = within("GET", client.get("/").send()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
        // The text is the error's own; the OS error is only its source, so
        // that a chain printed whole does not repeat it.
        assert_eq!(e.to_string(), format!("connect to {addr}"));
        let source = std::error::Error::source(&e).expect("the OS error is the source");
        assert!(
            source.to_string().to_lowercase().contains("refused"),
            "{source}"
        );
    }
    assert_eq!(client.idle_connections(), 0);
}

#[tokio::test]
async fn error_for_status() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();

    let response = within("GET", client.get("/status/503").send())
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert!(!response.is_success());
    assert_eq!(response.text().unwrap(), "status 503");
    let e = response.error_for_status().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Status);
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.to_string(), "HTTP status 503");

    let e = within("GET", client.get("/status/404").send())
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Status, Some(404)));
    assert_eq!(e.to_string(), "HTTP status 404");

    for code in [200, 302, 399] {
        let response = within("GET", client.get(&format!("/status/{code}")).send())
            .await
            .unwrap();
        let response = response.error_for_status().unwrap();
        assert_eq!(response.status(), code);
        assert_eq!(response.text().unwrap(), format!("status {code}"));
    }
    // Status errors are responses: the connection stays in use.
    assert_eq!(server.accepts(), 1);
    assert_eq!(server.seen().len(), 5);
}

#[tokio::test]
async fn text_of_a_body_that_is_not_utf8() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("GET", client.get("/binary").send()).await.unwrap();
    assert_eq!(response.body(), [0xff, 0xfe, 0x00, 0x80]);
    assert_error(
        &response.text().unwrap_err(),
        ErrorKind::Protocol,
        "not UTF-8",
    );
    assert_eq!(server.seen().len(), 1);
}

/// Sends a GET to a raw server answering `response` (and keeping the
/// connection open), and returns the error, having checked that the request
/// reached the server and the connection was not kept.
async fn error_for(response: impl Into<Vec<u8>>) -> Error {
    let server = RawServer::replying(response).await;
    let client = Client::new(&server.url("")).unwrap();
    let e = within("GET", client.get("/bad").send()).await.unwrap_err();
    assert_eq!(server.lines(), ["GET /bad HTTP/1.1"]);
    assert_eq!(
        client.idle_connections(),
        0,
        "a connection in an unknown state is dropped"
    );
    e
}

#[tokio::test]
async fn malformed_response_heads() {
    for (response, needle) in [
        (
            b"HTTP/1.1 2x0 OK\r\n\r\n".as_slice(),
            "invalid response head",
        ),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "invalid response head"),
        (
            b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
            "invalid response head",
        ),
        (b"HTTP/2 200 OK\r\n\r\n", "invalid response head"),
    ] {
        let e = error_for(response).await;
        assert_error(&e, ErrorKind::Protocol, needle);
    }
}

#[tokio::test]
async fn header_count_limit() {
    let head_with = |n: usize| {
        let mut r = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..n - 1 {
            r.extend_from_slice(format!("X-H{i}: {i}\r\n").as_bytes());
        }
        r.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
        r
    };
    // 64 headers are fine.
    let server = RawServer::replying(head_with(64)).await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("GET", client.get("/").send()).await.unwrap();
    assert_eq!(response.headers().count(), 64);
    assert_eq!(response.header("x-h62"), Some("62"));
    assert_eq!(response.text().unwrap(), "ok");
    assert_eq!(server.requests().len(), 1);

    let e = error_for(head_with(65)).await;
    assert_error(&e, ErrorKind::Protocol, "more than 64 headers");
}

#[tokio::test]
async fn response_head_size_limit() {
    let mut response = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    response.resize(response.len() + 70 * 1024, b'a');
    response.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    let e = error_for(response).await;
    assert_eq!(e.kind(), ErrorKind::TooLarge, "{e:?}");
    assert_eq!(e.to_string(), "response head over the 64 KiB limit");
}

#[tokio::test]
async fn content_length_problems() {
    let e = error_for(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok".as_slice(),
    )
    .await;
    assert_error(&e, ErrorKind::Protocol, "conflicting Content-Length");
    let e = error_for(b"HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok".as_slice()).await;
    assert_error(&e, ErrorKind::Protocol, "Content-Length is not a number");
    let e = error_for(b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok".as_slice()).await;
    assert_error(&e, ErrorKind::Protocol, "Content-Length is not a number");

    // The same length twice is not a conflict.
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok".as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("GET", client.get("/").send()).await.unwrap();
    assert_eq!(response.text().unwrap(), "ok");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn content_length_with_a_sign_is_invalid() {
    // RFC 9110 §8.6: Content-Length = 1*DIGIT. `u64::from_str` accepts a
    // leading `+`; the client must not, and frames no body by it.
    let e = error_for(b"HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok".as_slice()).await;
    assert_error(&e, ErrorKind::Protocol, "Content-Length is not a number");
}

#[tokio::test]
async fn chunked_body_problems() {
    for (chunks, needle) in [
        (b"zz\r\nhello\r\n0\r\n\r\n".as_slice(), "invalid chunk size"),
        (b"\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"+5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"-5\r\nhello\r\n0\r\n\r\n", "invalid chunk size"),
        (b"10000000000000000\r\nx\r\n0\r\n\r\n", "invalid chunk size"),
        (b"5\r\nhelloXX\r\n0\r\n\r\n", "does not end with CRLF"),
    ] {
        let mut response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        response.extend_from_slice(chunks);
        let e = error_for(response).await;
        assert_error(&e, ErrorKind::Protocol, needle);
    }
    let mut long_line = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;".to_vec();
    long_line.resize(long_line.len() + 8192, b'e');
    let e = error_for(long_line).await;
    assert_error(&e, ErrorKind::Protocol, "exceeds 4096 bytes");
}

#[tokio::test]
async fn switching_protocols_is_refused() {
    let e = error_for(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            .as_slice(),
    )
    .await;
    assert_error(&e, ErrorKind::Protocol, "switched protocols (101)");
}

/// Sends a GET to a raw server that writes `parts` and closes, and returns
/// the error.
async fn error_when_closed_after(parts: &'static [&'static [u8]]) -> Error {
    let server = RawServer::start(move |mut conn| async move {
        if conn.read_request().await.is_some() {
            conn.write_in_parts(parts).await;
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let e = within("GET", client.get("/cut").send()).await.unwrap_err();
    assert_eq!(server.lines(), ["GET /cut HTTP/1.1"]);
    assert_eq!(
        server.accepts(),
        1,
        "a request that was answered is not retried"
    );
    assert_eq!(client.idle_connections(), 0);
    e
}

#[tokio::test]
async fn connection_closed_mid_response() {
    let e = error_when_closed_after(&[
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
        b"0123456789",
    ])
    .await;
    assert_error(
        &e,
        ErrorKind::Io,
        "connection closed in the middle of the response body",
    );

    let e = error_when_closed_after(&[
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
    ])
    .await;
    assert_error(
        &e,
        ErrorKind::Io,
        "connection closed in the middle of the response body",
    );

    let e = error_when_closed_after(&[b"HTTP/1.1 200 OK\r\nContent-Le"]).await;
    assert_error(
        &e,
        ErrorKind::Io,
        "connection closed in the middle of the response head",
    );

    // Closed before any byte of an answer, on a new connection: no retry.
    let e = error_when_closed_after(&[]).await;
    assert_error(
        &e,
        ErrorKind::Io,
        "connection closed before the response began",
    );
}
