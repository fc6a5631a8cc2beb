//! What a request puts on the wire: request line, base path, default and
//! custom headers, bodies, and prebuilt requests sent many times.

use lot_http::Client;

use crate::support::{HyperServer, RawServer, USER_AGENT, within};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

#[tokio::test]
async fn get_round_trip_through_hyper() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("/api")).unwrap();

    let response = within("GET", client.get("/x?q=1").header("X-Trace", "abc").send())
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert!(response.is_success());
    assert_eq!(response.body(), b"/api/x?q=1");
    assert_eq!(response.text().unwrap(), "/api/x?q=1");
    // Header lookup ignores case; absent headers are `None`.
    assert_eq!(response.header("x-served-by"), Some("hyper-test"));
    assert_eq!(response.header("X-SERVED-BY"), Some("hyper-test"));
    assert_eq!(response.header("Content-Length"), Some("10"));
    assert_eq!(response.header("x-absent"), None);
    assert!(
        response
            .headers()
            .any(|(name, value)| name.eq_ignore_ascii_case("x-served-by") && value == b"hyper-test")
    );
    assert_eq!(response.into_body(), b"/api/x?q=1");

    let seen = server.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let request = &seen[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/api/x?q=1");
    assert_eq!(request.version, hyper::Version::HTTP_11);
    assert_eq!(
        request.one("host"),
        format!("127.0.0.1:{}", server.addr.port())
    );
    let user_agent = request.one("user-agent");
    assert!(user_agent.starts_with("lot/"), "{user_agent}");
    assert_eq!(user_agent, USER_AGENT);
    assert_eq!(request.one("x-trace"), "abc");
    // A GET without a body says nothing of a body.
    assert!(request.all("content-length").is_empty(), "{request:?}");
    assert!(request.all("transfer-encoding").is_empty(), "{request:?}");
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn request_paths_are_appended_to_the_base_path() {
    let server = HyperServer::start().await;
    let port = server.addr.port();
    for (base, path, target) in [
        (server.url(""), "/", "/"),
        (server.url("/"), "/a", "/a"),
        (server.url("/api"), "/", "/api/"),
        (server.url("/api/"), "/x", "/api/x"),
        (
            server.url("/api/v1"),
            "/items/7?full=1&x=%20",
            "/api/v1/items/7?full=1&x=%20",
        ),
        (format!("HTTP://127.0.0.1:{port}/up"), "/per", "/up/per"),
    ] {
        let client = Client::new(&base).unwrap();
        let response = within("GET", client.get(path).send()).await.unwrap();
        assert_eq!(response.text().unwrap(), target, "{base} + {path}");
    }
    let targets: Vec<String> = server.seen().into_iter().map(|s| s.target).collect();
    assert_eq!(
        targets,
        [
            "/",
            "/a",
            "/api/",
            "/api/x",
            "/api/v1/items/7?full=1&x=%20",
            "/up/per"
        ]
    );
}

#[tokio::test]
async fn bodies_and_their_lengths_arrive_exactly() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    let json = r#"{"sku": 42, "name": "caf\u00e9"}"#;
    let binary: Vec<u8> = (0..=255).collect();

    let posted = client
        .post("/orders", json)
        .header("Content-Type", "application/json")
        .send();
    assert_eq!(within("POST", posted).await.unwrap().status(), 200);
    let put = client.put("/blobs/1", binary.clone()).send();
    assert_eq!(within("PUT", put).await.unwrap().status(), 200);
    let empty_post = client.post("/empty", Vec::new()).send();
    assert_eq!(
        within("empty POST", empty_post).await.unwrap().status(),
        200
    );
    let empty_put = client.put("/empty", "").send();
    assert_eq!(within("empty PUT", empty_put).await.unwrap().status(), 200);
    let patch = client.request("PATCH", "/patch").send();
    assert_eq!(within("PATCH", patch).await.unwrap().status(), 200);
    let delete = client.delete("/orders/1").send();
    assert_eq!(within("DELETE", delete).await.unwrap().status(), 200);
    let get_with_body = client.get("/search").body("q=1").send();
    assert_eq!(
        within("GET with body", get_with_body)
            .await
            .unwrap()
            .status(),
        200
    );

    let seen = server.seen();
    let summary: Vec<(&str, &str, Vec<String>, &[u8])> = seen
        .iter()
        .map(|s| {
            (
                s.method.as_str(),
                s.target.as_str(),
                s.all("content-length"),
                s.body.as_slice(),
            )
        })
        .collect();
    let n = |n: usize| vec![n.to_string()];
    assert_eq!(
        summary,
        [
            ("POST", "/orders", n(json.len()), json.as_bytes()),
            ("PUT", "/blobs/1", n(256), binary.as_slice()),
            ("POST", "/empty", n(0), b"".as_slice()),
            ("PUT", "/empty", n(0), b"".as_slice()),
            // PATCH has body semantics: an empty body is said to be empty.
            ("PATCH", "/patch", n(0), b"".as_slice()),
            // DELETE has none: no length at all.
            ("DELETE", "/orders/1", vec![], b"".as_slice()),
            ("GET", "/search", n(3), b"q=1".as_slice()),
        ]
    );
    assert_eq!(seen[0].one("content-type"), "application/json");
    assert!(seen.iter().all(|s| s.all("transfer-encoding").is_empty()));
}

#[tokio::test]
async fn custom_headers_arrive_in_order_and_trimmed() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    let response = client
        .get("/h")
        .header("X-Multi", "a")
        .header("x-multi", "b")
        .header("X-Padded", "  padded value \t")
        .header("Authorization", "Bearer t0k3n")
        .header("x-empty", "")
        .send();
    within("GET", response).await.unwrap();

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].all("x-multi"), ["a", "b"]);
    assert_eq!(seen[0].one("x-padded"), "padded value");
    assert_eq!(seen[0].one("authorization"), "Bearer t0k3n");
    assert_eq!(seen[0].one("x-empty"), "");
}

#[tokio::test]
async fn host_and_user_agent_overrides_replace_the_defaults() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    let request = client
        .get("/")
        .header("Host", "example.test:8443")
        .header("User-Agent", "custom/1")
        .build()
        .unwrap();
    within("GET", request.send()).await.unwrap();

    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    // `one` fails if a header came twice.
    assert_eq!(seen[0].one("host"), "example.test:8443");
    assert_eq!(seen[0].one("user-agent"), "custom/1");
    let wire = String::from_utf8(request.as_bytes().to_vec()).unwrap();
    assert_eq!(
        wire.to_ascii_lowercase().matches("host:").count(),
        1,
        "{wire}"
    );
    assert!(!wire.contains("lot/"), "{wire}");
}

#[tokio::test]
async fn a_prebuilt_request_is_sent_many_times() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("/v2")).unwrap();
    let request = client.get("/ping").header("x-n", "1").build().unwrap();

    for _ in 0..10 {
        let response = within("GET", request.send()).await.unwrap();
        assert_eq!(response.text().unwrap(), "/v2/ping");
    }
    // Its future owns what it needs: it can be spawned, and so can a clone's.
    let spawned = tokio::spawn(request.send());
    let cloned = tokio::spawn(request.clone().send());
    for handle in [spawned, cloned] {
        let response = within("spawned GET", handle).await.unwrap().unwrap();
        assert_eq!(response.text().unwrap(), "/v2/ping");
    }

    let seen = server.seen();
    assert_eq!(seen.len(), 12);
    assert!(
        seen.iter()
            .all(|s| s.method == "GET" && s.target == "/v2/ping" && s.one("x-n") == "1"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn as_bytes_is_exactly_what_the_server_receives() {
    let server = RawServer::replying(OK).await;
    let port = server.addr.port();
    let client = Client::new(&server.url("/base")).unwrap();

    let get = client
        .get("/items?id=7")
        .header("X-A", "1")
        .build()
        .unwrap();
    let expected_get = format!(
        "GET /base/items?id=7 HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nuser-agent: {USER_AGENT}\r\nX-A: 1\r\n\r\n"
    );
    assert_eq!(String::from_utf8_lossy(get.as_bytes()), expected_get);

    let post = client
        .post("/orders", "a=1&b=2")
        .header("content-type", "application/x-www-form-urlencoded")
        .build()
        .unwrap();
    let expected_post = format!(
        "POST /base/orders HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nuser-agent: {USER_AGENT}\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: 7\r\n\r\na=1&b=2"
    );
    assert_eq!(String::from_utf8_lossy(post.as_bytes()), expected_post);

    for request in [&get, &post, &get, &post, &get] {
        let response = within("send", request.send()).await.unwrap();
        assert_eq!(response.body(), b"ok");
    }
    let received = server.requests();
    assert_eq!(received.len(), 5);
    for (i, r) in received.iter().enumerate() {
        let expected = if i % 2 == 0 {
            &expected_get
        } else {
            &expected_post
        };
        assert_eq!(String::from_utf8_lossy(&r.bytes), *expected, "request {i}");
        assert_eq!(r.conn, 0, "all on the one keep-alive connection");
    }
}
