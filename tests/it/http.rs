//! `lot::http` under lot: what the server received matches what lot reports.

use std::sync::Arc;
use std::time::Duration;

use lot::executor::Executor;
use lot::http::Client;

use crate::server::TestServer;

/// Every iteration's requests reach the server, over a handful of kept-alive
/// connections; a 503 fails the iteration with kind `HTTP status 503`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_reaches_the_server_and_statuses_fail_by_kind() {
    let server = TestServer::start().await;
    let client = Client::new(&server.url()).unwrap();
    let home = client.get("/").build().unwrap();
    let order = client
        .post("/orders", "sku=42")
        .header("content-type", "application/x-www-form-urlencoded")
        .build()
        .unwrap();
    let unavailable = client.get("/status/503").build().unwrap();
    let requests = Arc::new((home, order, unavailable));
    let mut executor = Executor::new();
    executor
        .add_stage(400, 400, Duration::from_millis(1500))
        .terminal(false);
    let report = executor
        .run(move || {
            let requests = requests.clone();
            async move {
                let (home, order, unavailable) = &*requests;
                let index = lot::iteration().map_or(0, |it| it.index());
                let page = lot::step("home", home.send()).await?;
                lot::check("home says ok", page.text()? == "ok");
                if index % 4 == 0 {
                    order.send().await?.error_for_status()?;
                }
                if index % 50 == 0 {
                    unavailable.send().await?.error_for_status()?;
                }
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    let t = s.totals;
    assert_eq!(t.scheduled, 600);
    assert!(t.is_balanced(), "{t:?}");
    assert_eq!((t.ok, t.failed, t.dropped), (588, 12, 0), "{:?}", s.errors);
    assert_eq!(server.hits_on("/"), 600);
    assert_eq!(server.hits_on("/orders"), 150);
    assert_eq!(server.hits_on("/status/503"), 12);
    assert_eq!(server.hits(), 762);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(
        (s.errors[0].kind.as_str(), s.errors[0].count),
        ("HTTP status 503", 12)
    );
    // Kept alive: far fewer connections than requests stay idle in the pool.
    let idle = client.idle_connections();
    assert!((1..=64).contains(&idle), "{idle} idle connections");
}

/// An iteration that times out drops its connection mid-exchange and fails
/// with kind `timeout`; the iterations after it still succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_request_fails_and_the_next_ones_succeed() {
    let server = TestServer::start().await;
    let client = Client::new(&server.url()).unwrap();
    let slow = client.get("/delay/1000").build().unwrap();
    let fast = client.get("/").build().unwrap();
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_secs(1))
        .timeout(Duration::from_millis(200))
        .terminal(false);
    let report = executor
        .run(move || {
            let (slow, fast) = (slow.clone(), fast.clone());
            async move {
                let index = lot::iteration().map_or(0, |it| it.index());
                let request = if index % 2 == 0 { slow } else { fast };
                request.send().await?.error_for_status()?;
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    let t = s.totals;
    assert_eq!(t.scheduled, 20);
    assert_eq!((t.ok, t.failed), (10, 10), "{:?}", s.errors);
    assert_eq!(s.errors[0].kind, "timeout");
    assert_eq!(server.hits_on("/"), 10);
}

/// With `max_connections`, an open-model load runs over that many kept-alive
/// connections: iterations that find them all busy wait for one (the wait
/// counted in their latency) instead of opening more, and none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_client_runs_the_whole_load_over_its_connections() {
    let server = TestServer::start().await;
    let client = Client::builder(&server.url())
        .max_connections(4)
        .build()
        .unwrap();
    // Each answer takes 2 ms: 300 arrivals a second need about 0.6
    // connections on average, and bursts need more than 4.
    let slow = client.get("/delay/2").build().unwrap();
    let mut executor = Executor::new();
    executor
        .add_stage(300, 300, Duration::from_secs(1))
        .terminal(false);
    let report = executor
        .run(move || {
            let sent = slow.send();
            async move {
                sent.await?.error_for_status()?;
                Ok(())
            }
        })
        .await;
    let t = report.expect_summary().totals;
    assert_eq!((t.scheduled, t.ok, t.failed, t.dropped), (300, 300, 0, 0));
    assert_eq!(server.hits_on("/delay/2"), 300);
    let connections = server.connections();
    assert!((1..=4).contains(&connections), "{connections} connections");
    assert_eq!(client.open_connections(), Some(connections as usize));
}
