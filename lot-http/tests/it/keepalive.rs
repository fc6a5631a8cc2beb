//! Keep-alive: requests share connections, sequentially, concurrently and
//! from a multi-threaded runtime.

use lot_http::Client;

use crate::support::{HyperServer, RawServer, WAVE, within};

#[tokio::test]
async fn sequential_requests_share_one_connection() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();
    assert_eq!(client.idle_connections(), 0);

    for i in 0..50 {
        let path = format!("/seq/{i}");
        let response = within("GET", client.get(&path).send()).await.unwrap();
        assert_eq!(response.text().unwrap(), path);
        assert_eq!(client.idle_connections(), 1);
    }
    // Clones share the pool.
    let clone = client.clone();
    within("clone's GET", clone.get("/clone").send())
        .await
        .unwrap();
    let posted = clone.post("/clone", "body").send();
    within("clone's POST", posted).await.unwrap();

    assert_eq!(server.accepts(), 1);
    assert_eq!(client.idle_connections(), 1);
    assert_eq!(clone.idle_connections(), 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 52);
    assert!(seen.iter().all(|s| s.conn == 0), "{seen:?}");
}

#[tokio::test]
async fn concurrent_requests_open_at_most_one_connection_each_then_reuse_them() {
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("")).unwrap();

    for wave in 0..2 {
        // `/barrier` answers only once WAVE requests are in flight together,
        // so every wave needs WAVE connections at the same time.
        let tasks: Vec<_> = (0..WAVE)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let path = format!("/w{wave}/{i}/barrier");
                    let response = client.get(&path).send().await.unwrap();
                    assert_eq!(response.text().unwrap(), path);
                })
            })
            .collect();
        for task in tasks {
            within("a concurrent GET", task).await.unwrap();
        }
        // The first wave opened WAVE connections; the second reused them.
        assert_eq!(server.accepts(), WAVE, "after wave {wave}");
        assert_eq!(client.idle_connections(), WAVE, "after wave {wave}");
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 2 * WAVE);
    let mut conns: Vec<usize> = seen[WAVE..].iter().map(|s| s.conn).collect();
    conns.sort_unstable();
    assert_eq!(
        conns,
        (0..WAVE).collect::<Vec<_>>(),
        "the second wave used each connection once"
    );
}

#[tokio::test]
async fn a_request_asking_to_close_does_not_keep_its_connection() {
    let server =
        RawServer::replying(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".as_slice()).await;
    let client = Client::new(&server.url("")).unwrap();

    let closing = client
        .get("/bye")
        .header("Connection", "keep-alive, Close")
        .send();
    assert_eq!(within("GET", closing).await.unwrap().body(), b"ok");
    assert_eq!(client.idle_connections(), 0);
    within("GET", client.get("/next").send()).await.unwrap();
    within("GET", client.get("/again").send()).await.unwrap();

    assert_eq!(server.accepts(), 2);
    let lines: Vec<(usize, String)> = server.received();
    assert_eq!(
        lines,
        [
            (0, "GET /bye HTTP/1.1".to_owned()),
            (1, "GET /next HTTP/1.1".to_owned()),
            (1, "GET /again HTTP/1.1".to_owned()),
        ]
    );
    assert_eq!(client.idle_connections(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_on_a_multi_thread_runtime() {
    const TASKS: usize = 100;
    const EACH: usize = 10;
    let server = HyperServer::start().await;
    let client = Client::new(&server.url("/mt")).unwrap();
    let prebuilt = client.post("/prebuilt", "p").build().unwrap();

    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (client, prebuilt) = (client.clone(), prebuilt.clone());
            tokio::spawn(async move {
                for i in 0..EACH {
                    if i % 5 == 4 {
                        let response = prebuilt.send().await.unwrap();
                        assert_eq!(response.text().unwrap(), "/mt/prebuilt");
                    } else {
                        // Each response must be the answer to its own request.
                        let path = format!("/t{t}/r{i}");
                        let response = client.get(&path).send().await.unwrap();
                        assert_eq!(response.text().unwrap(), format!("/mt{path}"));
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        within("a task's requests", task).await.unwrap();
    }

    let seen = server.seen();
    assert_eq!(seen.len(), TASKS * EACH);
    assert_eq!(
        seen.iter().filter(|s| s.method == "POST").count(),
        TASKS * 2
    );
    assert!(
        seen.iter()
            .filter(|s| s.method == "POST")
            .all(|s| s.body == b"p")
    );
    let mut gets: Vec<&str> = seen
        .iter()
        .filter(|s| s.method == "GET")
        .map(|s| s.target.as_str())
        .collect();
    gets.sort_unstable();
    gets.dedup();
    assert_eq!(gets.len(), TASKS * EACH * 4 / 5, "each GET arrived once");
    // Connections were reused, and every one went back to the pool.
    let accepts = server.accepts();
    assert!(
        (1..=TASKS * EACH / 2).contains(&accepts),
        "{accepts} connections"
    );
    assert_eq!(client.idle_connections(), accepts);
}
