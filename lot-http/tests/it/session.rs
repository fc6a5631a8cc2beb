//! Sessions: cookie jars (per client, per session clone) and redirects,
//! both off by default, against the hyper server's session routes.

use lot_http::{Client, ErrorKind, MAX_COOKIES};

use crate::support::{HyperServer, within};

/// Sends `GET path` with `client` and returns its status and body.
async fn get(client: &Client, path: &str) -> (u16, String) {
    let response = within(path, client.get(path).send()).await.unwrap();
    (response.status(), response.text().unwrap().to_owned())
}

/// The `cookie` headers the server saw on its `i`-th request.
fn cookies_of(server: &HyperServer, i: usize) -> Vec<String> {
    server.seen()[i].all("cookie")
}

#[tokio::test]
async fn without_a_jar_cookies_are_neither_kept_nor_sent() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    get(&client, "/login/alice").await;
    get(&client, "/whoami").await;
    assert_eq!(cookies_of(&server, 1), Vec::<String>::new());
    assert_eq!(client.cookie("session", "/"), None);
}

#[tokio::test]
async fn a_jar_sends_back_what_the_target_set_by_path_until_it_is_deleted() {
    let server = HyperServer::start().await;
    let client = Client::builder(&server.url(""))
        .cookies(true)
        .build()
        .unwrap();
    get(&client, "/login/alice").await;
    get(&client, "/whoami").await;
    get(&client, "/app/page").await;
    assert_eq!(cookies_of(&server, 0), Vec::<String>::new());
    assert_eq!(cookies_of(&server, 1), ["session=alice"]);
    let app = cookies_of(&server, 2);
    assert_eq!(app.len(), 1, "one cookie header: {app:?}");
    let mut pairs: Vec<&str> = app[0].split("; ").collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["session=alice", "theme=dark"]);
    assert_eq!(client.cookie("session", "/").as_deref(), Some("alice"));
    assert_eq!(client.cookie("theme", "/"), None);
    assert_eq!(client.cookie("theme", "/app/x").as_deref(), Some("dark"));

    // Clones share the jar.
    let clone = client.clone();
    get(&clone, "/whoami").await;
    assert_eq!(cookies_of(&server, 3), ["session=alice"]);

    // `Max-Age=0` deletes; `clear_cookies` empties.
    get(&client, "/logout").await;
    get(&client, "/whoami").await;
    assert_eq!(cookies_of(&server, 5), Vec::<String>::new());
    get(&client, "/app/login/bob").await;
    client.clear_cookies();
    get(&client, "/app/page").await;
    assert_eq!(cookies_of(&server, 7), Vec::<String>::new());
}

#[tokio::test]
async fn each_session_has_a_jar_of_its_own_over_one_pool() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("/api")).unwrap();
    let (alice, bob) = (client.session(), client.session());
    get(&alice, "/login/alice").await;
    get(&bob, "/login/bob").await;
    get(&alice, "/whoami").await;
    get(&bob, "/whoami").await;
    get(&client, "/whoami").await;
    assert_eq!(cookies_of(&server, 2), ["session=alice"]);
    assert_eq!(cookies_of(&server, 3), ["session=bob"]);
    assert_eq!(cookies_of(&server, 4), Vec::<String>::new());
    // Paths are as requests take them, after the base URL's `/api`.
    assert_eq!(alice.cookie("session", "/whoami").as_deref(), Some("alice"));
    // A built request keeps the jar of the clone it was built from.
    let request = alice.get("/whoami").build().unwrap();
    within("built", request.send()).await.unwrap();
    assert_eq!(cookies_of(&server, 5), ["session=alice"]);
    assert_eq!(server.accepts(), 1, "the sessions share the pool");
}

#[tokio::test]
async fn a_jar_holds_at_most_its_bound() {
    let server = HyperServer::start().await;
    let client = Client::builder(&server.url(""))
        .cookies(true)
        .build()
        .unwrap();
    get(&client, "/cookies/0-50").await;
    get(&client, "/cookies/50-100").await;
    get(&client, "/whoami").await;
    let sent = cookies_of(&server, 2);
    assert_eq!(sent[0].split("; ").count(), MAX_COOKIES, "{sent:?}");
    assert_eq!(client.cookie("c63", "/").as_deref(), Some("63-100"));
    assert_eq!(client.cookie("c64", "/"), None);
    // A full jar ignores new cookies, and still replaces the ones it holds.
    get(&client, "/login/carol").await;
    assert_eq!(client.cookie("session", "/"), None);
    get(&client, "/cookies/0-1").await;
    assert_eq!(client.cookie("c0", "/").as_deref(), Some("0-1"));
}

#[tokio::test]
async fn redirects_are_returned_as_they_came_by_default() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    let response = within("hop", client.get("/hop/302/2").send())
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.header("location"), Some("1"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit_on_one_connection() {
    let server = HyperServer::start().await;
    let client = Client::builder(&server.url("/base"))
        .redirects(3)
        .build()
        .unwrap();
    for status in [301, 302, 303, 307, 308] {
        let (code, body) = get(&client, &format!("/hop/{status}/3")).await;
        assert_eq!(
            (code, body.as_str()),
            (200, format!("/base/hop/{status}/0").as_str())
        );
    }
    let targets: Vec<String> = server.seen().iter().map(|s| s.target.clone()).collect();
    assert_eq!(targets.len(), 20, "{targets:?}");
    assert_eq!(
        targets[..4],
        [
            "/base/hop/301/3",
            "/base/hop/301/2",
            "/base/hop/301/1",
            "/base/hop/301/0"
        ]
    );
    assert_eq!(server.accepts(), 1);

    // One more than the limit fails, after the limit's hops.
    let error = within("over", client.get("/hop/302/4").send())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect);
    assert_eq!(error.to_string(), "redirect: more than 3 redirects");
    assert_eq!(server.seen().len(), 24);

    // A request's own limit wins over the client's.
    let none = client.get("/hop/302/1").redirects(0).send();
    assert_eq!(within("none", none).await.unwrap().status(), 302);
}

#[tokio::test]
async fn a_post_keeps_its_body_through_307_and_becomes_a_get_through_303() {
    let server = HyperServer::start().await;
    let client = Client::builder(&server.url(""))
        .redirects(1)
        .build()
        .unwrap();
    let kept = client
        .post("/hop/307/1", "order")
        .header("content-type", "text/plain")
        .send();
    assert_eq!(within("307", kept).await.unwrap().status(), 200);
    let dropped = client
        .post("/hop/303/1", "order")
        .header("content-type", "text/plain")
        .header("x-trace", "7")
        .send();
    assert_eq!(within("303", dropped).await.unwrap().status(), 200);
    let seen = server.seen();
    let summary: Vec<(&str, &[u8])> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.body.as_slice()))
        .collect();
    assert_eq!(
        summary,
        [
            ("POST", b"order".as_slice()),
            ("POST", b"order"),
            ("POST", b"order"),
            ("GET", b"")
        ]
    );
    assert_eq!(seen[1].one("content-type"), "text/plain");
    assert!(seen[3].all("content-type").is_empty());
    assert!(seen[3].all("content-length").is_empty());
    assert_eq!(seen[3].one("x-trace"), "7");
}

#[tokio::test]
async fn a_redirect_elsewhere_fails_and_one_without_location_is_returned() {
    let server = HyperServer::start().await;
    let client = Client::builder(&server.url(""))
        .redirects(5)
        .build()
        .unwrap();
    let error = within("away", client.get("/away").send())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect);
    assert_eq!(
        error.to_string(),
        "redirect: to another origin (not followed)"
    );
    // An absolute `Location` on the same origin is followed.
    let (code, body) = get(&client, "/to/landed").await;
    assert_eq!((code, body.as_str()), (200, "/landed"));
    let response = within("nowhere", client.get("/nowhere").send())
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
}

#[tokio::test]
async fn cookies_set_by_a_redirect_go_with_its_next_hop() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    let user = client.session();
    let response = user.post("/login-then/dave", "").redirects(1).send();
    let response = within("login", response).await.unwrap();
    assert_eq!(
        (response.status(), response.text().unwrap()),
        (200, "/whoami")
    );
    let seen = server.seen();
    assert_eq!(
        (seen[1].method.as_str(), seen[1].target.as_str()),
        ("GET", "/whoami")
    );
    assert_eq!(seen[1].all("cookie"), ["session=dave"]);
}
