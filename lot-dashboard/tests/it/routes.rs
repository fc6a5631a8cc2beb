//! The routes, fed a real run's results through the reporter's methods,
//! and a reader that never reads.

use std::time::{Duration, Instant};

use lot::executor::Executor;
use lot::report::{Reporter, Start, Summary};
use lot_dashboard::Dashboard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::server::TestServer;

#[lot::scenario]
async fn visit(client: reqwest::Client, base: std::sync::Arc<str>) -> anyhow::Result<()> {
    lot::step("home", async {
        client
            .get(format!("{base}/"))
            .send()
            .await?
            .error_for_status()
    })
    .await?;
    Ok(())
}

async fn a_run() -> Summary {
    let server = TestServer::start().await;
    let mut executor = Executor::new();
    executor
        .add_stage(50, 50, Duration::from_millis(1500))
        .interval(Duration::from_millis(250))
        .terminal(false);
    let report = executor
        .run(visit(reqwest::Client::new(), server.url().into()))
        .await;
    report.expect_summary().clone()
}

fn start_of(s: &Summary) -> Start {
    Start {
        started_at_unix_ms: s.started_at_unix_ms,
        plan: s.plan.clone(),
        limits: s.limits.clone(),
        scenarios: s.scenarios.iter().map(|sc| sc.name.clone()).collect(),
        segment: s.segment,
    }
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("the dashboard answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_live_page_its_events_and_then_the_report() {
    let summary = a_run().await;
    let mut dashboard = Dashboard::bind("127.0.0.1:0").unwrap();
    let url = dashboard.url();
    dashboard.start(&start_of(&summary)).await.unwrap();

    let (status, page) = get(&url).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"en\" data-live=\"/events\">"));
    assert_eq!(page.matches("<script").count(), 3);
    let (status, body) = get(&format!("{url}report.html")).await;
    assert_eq!(
        (status, body.as_str()),
        (
            503,
            "the run has not ended: the report is served once it has\n"
        )
    );
    assert_eq!(get(&format!("{url}nothing")).await.0, 404);
    // On loopback it answers to the loopback's names only (no DNS
    // rebinding): another name for 127.0.0.1 gets 421.
    let port = dashboard.local_addr().port();
    for (host, status) in [
        (format!("localhost:{port}"), "200"),
        (format!("rebound.example:{port}"), "421"),
        (format!("127.0.0.1:{}", port.wrapping_add(1)), "421"),
        ("127.0.0.1".to_owned(), "421"),
    ] {
        let mut raw = TcpStream::connect(dashboard.local_addr()).await.unwrap();
        let head = format!("GET / HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n");
        raw.write_all(head.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        raw.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{host}: {answer:.80}"
        );
    }

    // An event stream opened now: everything so far, then each interval.
    let mut events = reqwest::get(format!("{url}events")).await.unwrap();
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let first = String::from_utf8(events.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(
        first.starts_with("retry: 1000\n\nevent: data\ndata: {"),
        "{first}"
    );
    for i in &summary.intervals {
        dashboard.interval(i).await.unwrap();
    }
    let mut seen = String::new();
    while seen.matches("event: interval\n").count() < summary.intervals.len() {
        let chunk = events.chunk().await.unwrap().expect("more events");
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let last = seen.rsplit("event: interval\ndata: ").next().unwrap();
    let last: serde_json::Value = serde_json::from_str(last.trim_end()).unwrap();
    let cumulative = &summary.intervals.last().unwrap().cumulative;
    assert_eq!(last["now"]["totals"]["ok"], cumulative.ok);
    assert_eq!(last["seq"], summary.intervals.len() as u64 - 1);

    // The end: the report, on the stream and at /report.html, and the
    // stream ends (summary waited for it).
    let report = lot::report::html::render(&summary);
    let ended = Instant::now();
    dashboard.summary(&summary).await.unwrap();
    assert!(
        ended.elapsed() < Duration::from_secs(2),
        "the open page took it"
    );
    let mut rest = String::new();
    while let Some(chunk) = events.chunk().await.unwrap() {
        rest.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let data = rest
        .strip_prefix("event: summary\ndata: ")
        .unwrap_or_else(|| panic!("not the summary: {}", &rest[..80.min(rest.len())]));
    let data: serde_json::Value = serde_json::from_str(data.trim_end()).unwrap();
    assert_eq!(data["report"], report);
    assert_eq!(
        get(&format!("{url}report.html")).await,
        (200, report.clone())
    );
    assert_eq!(get(&url).await, (200, report));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_never_reads_costs_the_run_nothing() {
    let summary = a_run().await;
    let mut dashboard = Dashboard::bind("127.0.0.1:0").unwrap();
    dashboard.start(&start_of(&summary)).await.unwrap();
    let mut stalled = TcpStream::connect(dashboard.local_addr()).await.unwrap();
    let head = format!(
        "GET /events HTTP/1.1\r\nhost: {}\r\n\r\n",
        dashboard.local_addr()
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Tens of megabytes of intervals while it reads nothing (more than the
    // kernel's socket buffers hold): each taken at once.
    const N: u64 = 20_000;
    let took = Instant::now();
    for k in 0..N {
        let mut i = summary.intervals[0].clone();
        i.index = k;
        i.start_us = k * i.duration_us;
        dashboard.interval(&i).await.unwrap();
    }
    assert!(
        took.elapsed() < Duration::from_secs(20),
        "{:?}",
        took.elapsed()
    );
    // When it reads again, it has skipped to the latest data.
    let mut text = Vec::new();
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(30);
    let last = format!("\"seq\":{}", N - 1);
    while !String::from_utf8_lossy(&text[text.len().saturating_sub(1 << 20)..]).contains(&last)
        && Instant::now() < deadline
    {
        let n = tokio::time::timeout(Duration::from_secs(5), stalled.read(&mut buf))
            .await
            .expect("the stream goes on")
            .unwrap();
        assert!(n > 0, "the stream ended early");
        text.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains(&last), "caught up");
    let intervals = text.matches("event: interval\n").count() as u64;
    assert!(
        intervals < N,
        "it skipped what it could not take ({intervals} of {N} intervals)"
    );
    assert!(
        text.matches("event: data\n").count() >= 2,
        "and took all so far instead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_opened_after_the_run_gets_everything_and_the_report() {
    let summary = a_run().await;
    let mut dashboard = Dashboard::bind("127.0.0.1:0").unwrap();
    let url = dashboard.url();
    dashboard.start(&start_of(&summary)).await.unwrap();
    // Nobody watches: the intervals are kept, not sent, and the end does
    // not wait for a page.
    for i in &summary.intervals {
        dashboard.interval(i).await.unwrap();
    }
    let ended = Instant::now();
    dashboard.summary(&summary).await.unwrap();
    assert!(
        ended.elapsed() < Duration::from_secs(1),
        "{:?}",
        ended.elapsed()
    );

    // A page that comes now still gets the whole run, then the report.
    let report = lot::report::html::render(&summary);
    let events = reqwest::get(format!("{url}events")).await.unwrap();
    let text = tokio::time::timeout(Duration::from_secs(10), events.text())
        .await
        .expect("the stream ends with the report")
        .unwrap();
    let (data, rest) = text
        .strip_prefix("retry: 1000\n\nevent: data\ndata: ")
        .and_then(|t| t.split_once("\n\n"))
        .unwrap_or_else(|| panic!("not the data first: {:.80}", text));
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    let cumulative = &summary.intervals.last().unwrap().cumulative;
    assert_eq!(data["now"]["totals"]["ok"], cumulative.ok);
    let last: serde_json::Value = serde_json::from_str(
        rest.strip_prefix("event: summary\ndata: ")
            .expect("then the summary")
            .trim_end(),
    )
    .unwrap();
    assert_eq!(last["report"], report);
    assert_eq!(
        get(&format!("{url}report.html")).await,
        (200, report.clone())
    );
    assert_eq!(get(&url).await, (200, report));
}

/// Passes each notice's text on.
struct Notices(tokio::sync::mpsc::UnboundedSender<String>);

#[lot::report::async_trait]
impl Reporter for Notices {
    async fn notice(&mut self, notice: &lot::report::Notice) -> Result<(), lot::report::BoxError> {
        let _ = self.0.send(notice.text.clone());
        Ok(())
    }
}

/// `Executor::dashboard` and `--dashboard` (the flag of `LOT_DASHBOARD`)
/// serve the page while the run goes on, at the URL the run tells, and
/// stop with the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_told_to_serve_the_dashboard_serves_it_at_the_url_it_tells() {
    for by_flag in [false, true] {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut executor = Executor::new();
        executor
            .add_stage(20, 20, Duration::from_secs(2))
            .terminal(false)
            .handle_signals(false)
            .reporter(Notices(tx));
        if by_flag {
            executor.args(["--dashboard".to_owned(), "127.0.0.1:0".to_owned()]);
        } else {
            executor.dashboard("127.0.0.1:0");
        }
        let visit = tokio::spawn(async move {
            let url = loop {
                let text = rx.recv().await.expect("the run tells the dashboard's URL");
                if let Some(url) = text.strip_prefix("dashboard: ") {
                    break url.to_owned();
                }
            };
            let (status, page) = get(&url).await;
            let mut events = reqwest::get(format!("{url}events")).await.unwrap();
            let first = events.chunk().await.unwrap().unwrap();
            (
                url,
                status,
                page,
                String::from_utf8(first.to_vec()).unwrap(),
            )
        });
        let report = executor.run(|| async { Ok(()) }).await;
        assert_eq!(report.expect_summary().totals.ok, 40);
        let (url, status, page, first) = visit.await.unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("data-live=\"/events\""), "{by_flag}");
        assert!(first.starts_with("retry: 1000\n\nevent: data\n"), "{first}");
        // The server ends with the run (its task is aborted as the run
        // ends: a moment's grace for that to take).
        let deadline = Instant::now() + Duration::from_secs(2);
        while reqwest::get(&url).await.is_ok() {
            assert!(Instant::now() < deadline, "{url} still answers");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
