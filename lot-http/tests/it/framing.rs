//! How response bodies are delimited, and whether the connection is reused
//! after each kind: hand-crafted bytes from a raw server.

use lot_http::Client;

use crate::support::{BIG, HyperServer, RawServer, pattern, within};

/// Sends GETs to `/0`, `/1`, … and returns the bodies.
async fn get_bodies(client: &Client, n: usize) -> Vec<Vec<u8>> {
    let mut bodies = Vec::new();
    for i in 0..n {
        let response = within("GET", client.get(&format!("/{i}")).send())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        bodies.push(response.into_body());
    }
    bodies
}

#[tokio::test]
async fn content_length_body_and_reuse() {
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello".as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(get_bodies(&client, 3).await, [b"hello"; 3]);
    assert_eq!(server.accepts(), 1);
    assert_eq!(server.requests().len(), 3);
    assert_eq!(client.idle_connections(), 1);
}

#[tokio::test]
async fn zero_content_length_and_reuse() {
    let server =
        RawServer::replying(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".as_slice()).await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(get_bodies(&client, 3).await, [b""; 3]);
    assert_eq!(server.accepts(), 1);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn chunked_body_with_extensions_and_trailers() {
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n\
          5;name=value\r\nhello\r\n\
          7 ; quoted=\"a;b\"\r\n, world\r\n\
          A\r\n0123456789\r\n\
          0;last\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"
            .as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("GET", client.get("/").send()).await.unwrap();
    assert_eq!(response.text().unwrap(), "hello, world0123456789");
    assert_eq!(response.header("x-a"), Some("b"));
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    // The trailers were consumed: the connection is reused cleanly.
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(get_bodies(&client, 2).await, [b"hello, world0123456789"; 2]);
    assert_eq!(server.accepts(), 1);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn uppercase_hex_and_empty_trailers_chunked() {
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, Chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
            .as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(
        get_bodies(&client, 2).await,
        [b"abcdefghijklmnopqrstuvwxyz"; 2]
    );
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn response_split_across_many_writes() {
    // Split inside the status line, a header name, a CRLF pair, a chunk
    // size, a chunk's data, a chunk's closing CRLF and the trailers.
    const PARTS: &[&[u8]] = &[
        b"HTTP/1.1 2",
        b"00 OK\r\nTransfer-En",
        b"coding: chunked\r",
        b"\n\r",
        b"\n1",
        b"0\r\n0123456",
        b"789abcdef\r",
        b"\n3;e",
        b"xt\r\nxyz\r\n0\r",
        b"\nTrailer: x\r\n",
        b"\r\n",
    ];
    let server = RawServer::start(|mut conn| async move {
        while conn.read_request().await.is_some() {
            if conn.index == 0 {
                conn.write_in_parts(PARTS).await;
            } else {
                conn.write_in_parts(&[
                    b"HTTP/1.1 200 OK\r\nContent-Le",
                    b"ngth: 4\r\n\r\nab",
                    b"cd",
                ])
                .await;
            }
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(get_bodies(&client, 2).await, [b"0123456789abcdefxyz"; 2]);
    assert_eq!(server.accepts(), 1);
    assert_eq!(client.idle_connections(), 1);

    // A Content-Length response in pieces too, on a second client.
    let other = Client::new(&server.url("")).unwrap();
    assert_eq!(get_bodies(&other, 2).await, [b"abcd"; 2]);
    assert_eq!(server.accepts(), 2);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn close_delimited_body_is_read_to_the_end_and_not_reused() {
    let server = RawServer::start(|mut conn| async move {
        if conn.read_request().await.is_some() {
            conn.write_in_parts(&[
                b"HTTP/1.1 200 OK\r\nX-Kind: close-delimited\r\n\r\nfirst ",
                b"second",
            ])
            .await;
        }
        // Dropping the connection closes it: the end of the body.
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("GET", client.get("/").send()).await.unwrap();
    assert_eq!(response.text().unwrap(), "first second");
    assert_eq!(response.header("x-kind"), Some("close-delimited"));
    assert_eq!(client.idle_connections(), 0);

    assert_eq!(get_bodies(&client, 1).await, [b"first second"]);
    assert_eq!(server.accepts(), 2);
    assert_eq!(client.idle_connections(), 0);
}

#[tokio::test]
async fn head_response_has_no_body_and_the_connection_is_reused() {
    let server = RawServer::start(|mut conn| async move {
        while let Some(request) = conn.read_request().await {
            if request.starts_with(b"HEAD ") {
                // The length of the body a GET would have, and no body.
                conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
                    .await;
            } else {
                conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                    .await;
            }
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let head = within("HEAD", client.head("/h").send()).await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.header("content-length"), Some("1234"));
    assert!(head.body().is_empty());
    assert_eq!(client.idle_connections(), 1);

    // Had the client waited for 1234 bytes, this would hang; had it
    // misread, this would be garbage.
    assert_eq!(get_bodies(&client, 1).await, [b"hello"]);
    let head = within("HEAD", client.head("/h").send()).await.unwrap();
    assert!(head.body().is_empty());
    assert_eq!(
        server.lines(),
        ["HEAD /h HTTP/1.1", "GET /0 HTTP/1.1", "HEAD /h HTTP/1.1"]
    );
    assert_eq!(server.accepts(), 1);
    // A HEAD request carries no length.
    assert!(!String::from_utf8_lossy(&server.requests()[0].bytes).contains("content-length"));
}

#[tokio::test]
async fn no_content_and_not_modified_have_no_body() {
    let server = RawServer::start(|mut conn| async move {
        let mut n = 0;
        while conn.read_request().await.is_some() {
            n += 1;
            match n {
                1 => {
                    conn.write(b"HTTP/1.1 204 No Content\r\nX-N: 1\r\n\r\n")
                        .await
                }
                // A length, and still no body.
                2 => {
                    conn.write(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
                        .await
                }
                _ => {
                    conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
                        .await
                }
            }
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let no_content = within("GET", client.get("/a").send()).await.unwrap();
    assert_eq!(no_content.status(), 204);
    assert_eq!(no_content.header("x-n"), Some("1"));
    assert!(no_content.body().is_empty());
    assert_eq!(client.idle_connections(), 1);
    let not_modified = within("GET", client.get("/b").send()).await.unwrap();
    assert_eq!(not_modified.status(), 304);
    assert!(not_modified.body().is_empty());
    let next = within("GET", client.get("/c").send()).await.unwrap();
    assert_eq!(next.text().unwrap(), "next");
    assert_eq!(server.accepts(), 1);
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn interim_responses_are_skipped() {
    let server = RawServer::start(|mut conn| async move {
        while conn.read_request().await.is_some() {
            conn.write_in_parts(&[
                b"HTTP/1.1 100 Continue\r\n\r\n",
                b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\n",
                b"Content-Length: 7\r\nLocation: /orders/1\r\n\r\ncreated",
            ])
            .await;
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    for _ in 0..2 {
        let request = client
            .post("/orders", "{}")
            .header("Expect", "100-continue")
            .send();
        let response = within("POST", request).await.unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.text().unwrap(), "created");
        assert_eq!(response.header("location"), Some("/orders/1"));
        // Headers of the interim responses are not the final response's.
        assert_eq!(response.header("link"), None);
    }
    assert_eq!(server.accepts(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.bytes.ends_with(b"\r\n\r\n{}")));
}

#[tokio::test]
async fn http_1_0_response_closes_unless_kept_alive() {
    // The server keeps the connection open: only the version says "close".
    let plain =
        RawServer::replying(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".as_slice()).await;
    let client = Client::new(&plain.url("")).unwrap();
    assert_eq!(get_bodies(&client, 2).await, [b"ok"; 2]);
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(plain.accepts(), 2);

    let kept = RawServer::replying(
        b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok".as_slice(),
    )
    .await;
    let client = Client::new(&kept.url("")).unwrap();
    assert_eq!(get_bodies(&client, 2).await, [b"ok"; 2]);
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(kept.accepts(), 1);
}

#[tokio::test]
async fn connection_close_response_is_not_reused() {
    // The server keeps the connection open: only the header says "close".
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    for i in 1..=3 {
        assert_eq!(get_bodies(&client, 1).await, [b"ok"]);
        assert_eq!(client.idle_connections(), 0);
        assert_eq!(server.accepts(), i);
    }
    let conns: Vec<usize> = server.requests().iter().map(|r| r.conn).collect();
    assert_eq!(conns, [0, 1, 2]);
}

#[tokio::test]
async fn bytes_after_the_response_make_the_connection_unusable() {
    let server =
        RawServer::replying(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA".as_slice())
            .await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(get_bodies(&client, 2).await, [b"ok"; 2]);
    assert_eq!(client.idle_connections(), 0);
    assert_eq!(server.accepts(), 2);
}

#[tokio::test]
async fn large_content_length_bodies_both_ways() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();

    let response = within("GET /big", client.get("/big").send()).await.unwrap();
    assert_eq!(
        response.header("content-length"),
        Some(BIG.to_string().as_str())
    );
    assert!(response.body() == pattern(BIG), "the 1 MiB body differs");

    let upload = pattern(BIG + 7);
    let response = within("POST 1 MiB", client.post("/upload", upload.clone()).send())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].one("content-length"), upload.len().to_string());
    assert!(seen[1].body == upload, "the uploaded body differs");
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn large_chunked_body() {
    let body = pattern(BIG);
    // Chunks of many sizes, written in several writes.
    let mut wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let mut rest = body.as_slice();
    let mut size = 1;
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(size.min(rest.len()));
        wire.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
        rest = after;
        size = size * 3 % 65_521 + 1;
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    let server = RawServer::start(move |mut conn| {
        let wire = wire.clone();
        async move {
            while conn.read_request().await.is_some() {
                let parts: Vec<&[u8]> = wire.chunks(100_003).collect();
                conn.write_in_parts(&parts).await;
            }
        }
    })
    .await;
    let client = Client::new(&server.url("")).unwrap();
    for _ in 0..2 {
        let response = within("GET", client.get("/chunked").send()).await.unwrap();
        assert_eq!(response.body().len(), BIG);
        assert!(response.body() == body, "the chunked 1 MiB body differs");
    }
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn response_headers_are_available_raw_and_in_order() {
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Bin: \xff\xfe\r\nContent-Length: 0\r\n\r\n"
            .as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("GET", client.get("/").send()).await.unwrap();
    let cookies: Vec<&[u8]> = response
        .headers()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value)
        .collect();
    assert_eq!(cookies, [b"a=1".as_slice(), b"b=2"]);
    // The first of repeated headers; a value that is not UTF-8 is only raw.
    assert_eq!(response.header("SET-COOKIE"), Some("a=1"));
    assert_eq!(response.header("x-bin"), None);
    assert!(
        response
            .headers()
            .any(|(n, v)| n == "X-Bin" && v == b"\xff\xfe")
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn chunk_lines_may_end_in_a_bare_lf() {
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nhi\n3;x=y\r\n!!!\r\n0\n\n"
            .as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(get_bodies(&client, 2).await, [b"hi!!!"; 2]);
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn a_transfer_coding_with_a_length_or_on_http_1_0_is_not_reused() {
    for response in [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
            .as_slice(),
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
            .as_slice(),
    ] {
        let server = RawServer::replying(response).await;
        let client = Client::new(&server.url("")).unwrap();
        assert_eq!(get_bodies(&client, 2).await, [b"hi"; 2]);
        assert_eq!(server.accepts(), 2, "{}", String::from_utf8_lossy(response));
        assert_eq!(client.idle_connections(), 0);
    }
}

/// A response that fills the read buffer exactly, followed in the same write
/// by bytes that answer no request: the connection must not be reused, or
/// the next request would take those bytes as its answer.
#[tokio::test]
async fn bytes_after_a_response_that_fills_the_buffer_are_not_an_answer() {
    // The client reads into 1 KiB at first and doubles the buffer as it
    // needs: make the head and body end exactly where a read may end.
    for size in [1024, 2048, 4096] {
        let head =
            |len: usize| format!("HTTP/1.1 200 OK\r\nX-Tag: one\r\nContent-Length: {len}\r\n\r\n");
        let body_len = size - head(size - 100).len();
        let mut first = head(body_len).into_bytes();
        first.extend(std::iter::repeat_n(b'a', body_len));
        assert_eq!(first.len(), size);
        first.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nX-Tag: stray\r\nContent-Length: 5\r\n\r\nSTRAY",
        );
        let server = RawServer::start(move |mut conn| {
            let first = first.clone();
            async move {
                let mut n = 0;
                while conn.read_request().await.is_some() {
                    n += 1;
                    if n == 1 && conn.index == 0 {
                        conn.write(&first).await;
                    } else {
                        conn.write(
                            b"HTTP/1.1 200 OK\r\nX-Tag: fresh\r\nContent-Length: 2\r\n\r\nok",
                        )
                        .await;
                    }
                }
            }
        })
        .await;
        let client = Client::new(&server.url("")).unwrap();
        let one = within("GET", client.get("/one").send()).await.unwrap();
        assert_eq!(one.header("x-tag"), Some("one"));
        assert_eq!(one.body().len(), body_len);
        // Give the stray bytes time to arrive if they came separately.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let two = within("GET", client.get("/two").send()).await.unwrap();
        assert_eq!(two.header("x-tag"), Some("fresh"), "at {size} bytes");
        assert_eq!(two.text().unwrap(), "ok");
        assert_eq!(server.accepts(), 2, "at {size} bytes");
    }
}

/// A chunk line of exactly 4096 bytes passes and one of 4097 fails, however
/// the target splits its writes: in one piece, before the line's CR, or
/// between its CR and LF.
#[tokio::test]
async fn chunk_line_limit_holds_however_the_bytes_arrive() {
    for (len, ok) in [(4096, true), (4097, false)] {
        // `1;xxxx…`: a chunk size with an extension filling the line.
        let line = format!("1;{}", "x".repeat(len - 2));
        let wire = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{line}\r\na\r\n0\r\n\r\n"
        )
        .into_bytes();
        let head = wire.len() - line.len() - "\r\na\r\n0\r\n\r\n".len();
        let cr = head + line.len();
        for split in [wire.len(), cr, cr + 1, head + 4000] {
            let wire = wire.clone();
            let server = RawServer::start(move |mut conn| {
                let wire = wire.clone();
                async move {
                    if conn.read_request().await.is_some() {
                        let (a, b) = wire.split_at(split);
                        conn.write_in_parts(&[a, b]).await;
                    }
                }
            })
            .await;
            let client = Client::new(&server.url("")).unwrap();
            let got = within("GET", client.get("/").send()).await;
            match (ok, got) {
                (true, Ok(response)) => assert_eq!(response.body(), b"a"),
                (false, Err(e)) => assert_eq!(
                    e.to_string(),
                    "a chunked body line exceeds 4096 bytes",
                    "{len} split at {split}"
                ),
                (_, got) => panic!("a line of {len} split at {split}: {got:?}"),
            }
        }
    }
}

/// A `Content-Length` past what a `u64` holds is over any body limit.
#[tokio::test]
async fn a_length_past_u64_is_too_large() {
    let server = RawServer::replying(
        b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n".as_slice(),
    )
    .await;
    let client = Client::new(&server.url("")).unwrap();
    let e = within("GET", client.get("/").send()).await.unwrap_err();
    assert_eq!(e.kind(), lot_http::ErrorKind::TooLarge);
    assert_eq!(e.to_string(), "response body over the 16 MiB limit");
}
