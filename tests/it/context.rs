//! `#[lot::scenario]` with steps, checks and custom metrics, end to end.

use std::sync::Arc;
use std::time::Duration;

use lot::executor::Executor;
use lot::report::Summary;

use crate::server::TestServer;

/// Every fourth payment is refused by the server.
#[lot::scenario(name = "checkout")]
async fn checkout(client: reqwest::Client, base: Arc<str>) -> anyhow::Result<()> {
    let it = lot::iteration().expect("inside an iteration");
    assert_eq!(it.scenario(), "checkout");
    assert!(it.intended_start() <= std::time::Instant::now());
    let cart = lot::step("add to cart", async {
        client
            .get(format!("{base}/cart"))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await
    })
    .await?;
    lot::check("cart is not empty", !cart.is_empty());
    let code = if it.index() % 4 == 0 { 503 } else { 200 };
    let paid = lot::step("pay", async {
        client.get(format!("{base}/status/{code}")).send().await
    })
    .await?;
    lot::check("payment accepted", paid.status().is_success());
    lot::counter("payments").add(1);
    lot::gauge("last index").set(it.index() as f64);
    lot::histogram("iteration index").record(it.index());
    lot::timing("think").record(Duration::from_millis(5));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_and_checks_match_what_the_server_served() {
    let server = TestServer::start().await;
    let json = std::env::temp_dir().join(format!("lot-context-{}.json", std::process::id()));
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(1))
        .terminal(false)
        .output(format!("json={}", json.display()));
    let report = executor
        .run(checkout(reqwest::Client::new(), server.url().into()))
        .await;
    let summary = report.expect_summary();

    let carts = server.hits_on("/cart");
    let refused = server.hits_on("/status/503");
    let accepted = server.hits_on("/status/200");
    assert_eq!(carts, 100);
    assert_eq!(refused, 25, "arrival indexes 0, 4, 8, ... are refused");
    assert_eq!(accepted, 75);
    assert_eq!(summary.totals.ok, 100);

    check_summary(summary, carts, accepted, refused);
    let parsed: Summary = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    check_summary(&parsed, carts, accepted, refused);
    let _ = std::fs::remove_file(&json);
}

fn check_summary(summary: &Summary, carts: u64, accepted: u64, refused: u64) {
    let scenario = &summary.scenarios[0];
    assert_eq!(scenario.name, "checkout");
    let steps: Vec<(&str, u64, u64)> = scenario
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.ok, s.failed))
        .collect();
    assert_eq!(
        steps,
        [("add to cart", carts, 0), ("pay", accepted + refused, 0)]
    );
    for step in &scenario.steps {
        assert_eq!(step.latency.count, step.ok + step.failed);
        assert!(step.latency.max_us <= scenario.latency.max_us);
    }
    let checks: Vec<(&str, u64, u64)> = scenario
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.passed, c.failed))
        .collect();
    assert_eq!(
        checks,
        [
            ("cart is not empty", carts, 0),
            ("payment accepted", accepted, refused)
        ]
    );
    assert_eq!(scenario.checks[1].pass_rate, 0.75);

    let m = &summary.metrics;
    assert_eq!(m.counters.len(), 1);
    assert_eq!(
        (m.counters[0].name.as_str(), m.counters[0].value),
        ("payments", 100)
    );
    assert_eq!(m.gauges[0].name, "last index");
    assert!((0.0..100.0).contains(&m.gauges[0].value));
    assert_eq!(m.histograms[0].stats.count, 100);
    assert_eq!(m.histograms[0].stats.max, 99);
    assert_eq!(m.timings[0].stats.count, 100);
    // HDR histograms keep 3 significant digits.
    assert!((4995..=5005).contains(&m.timings[0].stats.p50_us));

    // The interval series carries the steps too, and adds up.
    let pay_ok: u64 = summary
        .intervals
        .iter()
        .flat_map(|i| &i.scenarios[0].steps)
        .filter(|s| s.name == "pay")
        .map(|s| s.ok)
        .sum();
    assert_eq!(pay_ok, accepted + refused);
}

/// A failing step records its error kind, and `?` fails the iteration too.
#[lot::scenario]
async fn failing_step(client: reqwest::Client, base: Arc<str>) -> anyhow::Result<()> {
    lot::step("missing page", async {
        client
            .get(format!("{base}/status/404"))
            .send()
            .await?
            .error_for_status()
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn failed_steps_are_counted_with_their_kind() {
    let server = TestServer::start().await;
    let mut executor = Executor::new();
    executor
        .add_stage(50, 50, Duration::from_millis(400))
        .terminal(false);
    let report = executor
        .run(failing_step(reqwest::Client::new(), server.url().into()))
        .await;
    let s = report.expect_summary();
    assert_eq!(server.hits_on("/status/404"), 20);
    let step = &s.scenarios[0].steps[0];
    assert_eq!((step.ok, step.failed), (0, 20));
    assert_eq!(step.errors.len(), 1);
    assert!(step.errors[0].kind.contains("404"), "{:?}", step.errors);
    assert_eq!(s.totals.failed, 20);
    assert_eq!(s.scenarios[0].name, "failing_step");
    // The terminal summary shows the step's failure kinds under it.
    let text = lot::report::Format::Text.render(s);
    let step_row = text.find("missing page").expect("the step's row");
    let kind_row = text[step_row..]
        .find("404")
        .expect("its error kind below it");
    assert!(
        text[step_row..step_row + kind_row].contains("      20  "),
        "{text}"
    );
}

/// A step cut short by the iteration timeout is recorded as cancelled.
#[tokio::test]
async fn a_step_cut_short_by_the_timeout_is_cancelled() {
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_millis(250))
        .timeout(Duration::from_millis(50))
        .terminal(false);
    let report = executor
        .run(|| async {
            lot::step("forever", async {
                std::future::pending::<()>().await;
                Ok::<(), anyhow::Error>(())
            })
            .await
        })
        .await;
    let s = report.expect_summary();
    let step = &s.scenarios[0].steps[0];
    assert_eq!((step.ok, step.failed), (0, 5));
    assert_eq!(step.errors[0].kind, "cancelled");
    assert_eq!(s.errors[0].kind, "timeout");
}

/// `error_for_status` on a `lot::http` request's future fails the step that
/// wraps it when the target answers 503, and counts the 200s as ok.
#[tokio::test]
async fn the_status_combinator_fails_a_step_on_503() {
    use lot::http::ResponseFutureExt;

    let server = TestServer::start().await;
    let client = lot::http::Client::new(&server.url()).unwrap();
    let down = client.get("/status/503").build().unwrap();
    let up = client.get("/status/200").build().unwrap();
    let calls = std::sync::atomic::AtomicU64::new(0);
    let mut executor = Executor::new();
    executor
        .add_stage(40, 40, Duration::from_millis(500))
        .terminal(false);
    let report = executor
        .run(move || {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let sent = if n % 2 == 0 { down.send() } else { up.send() };
            async move {
                lot::step("call", sent.error_for_status()).await?;
                Ok(())
            }
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(server.hits_on("/status/503"), 10);
    assert_eq!(server.hits_on("/status/200"), 10);
    let step = &s.scenarios[0].steps[0];
    assert_eq!((step.ok, step.failed), (10, 10));
    assert_eq!(step.errors.len(), 1);
    assert_eq!(step.errors[0].kind, "HTTP status 503");
    assert_eq!((s.totals.ok, s.totals.failed), (10, 10));
}
