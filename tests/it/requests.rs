//! HTTP requests recorded through `lot::context::record_http` reach the
//! results per scenario, step and request name.

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
    assert_eq!((items.name.as_str(), items.step.as_deref()), ("GET /items/{id}", None));
    assert_eq!((items.count, items.failed, items.reused), (40, 0, 20));
    assert_eq!((items.bytes_sent, items.bytes_received), (40 * 120, 40 * 1_000));
    let codes: Vec<(u16, u64)> = items.status.iter().map(|c| (c.code, c.count)).collect();
    assert_eq!(codes, [(200, 20), (503, 20)]);
    // Connect and TLS only on the new connections.
    assert_eq!(items.connect.count, 20);
    assert_eq!(items.tls.count, 20);
    assert_eq!(items.wait.count, 40);
    assert!((4_990..=5_010).contains(&items.wait.p50_us), "{:?}", items.wait);
    assert!((7_990..=8_010).contains(&items.duration.p99_us), "{:?}", items.duration);

    let pay = &requests[1];
    assert_eq!((pay.name.as_str(), pay.step.as_deref()), ("POST /pay", Some("pay")));
    assert_eq!((pay.count, pay.failed, pay.reused), (20, 5, 20));
    assert_eq!(pay.connect.count, 0);
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
