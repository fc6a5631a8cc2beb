//! A real headless Chromium against a live run's dashboard: the counters
//! change between intervals and match the run's; at the end the page has
//! the report, which renders the same charts from a file with no network.
//! Screenshots of both are kept under `target/tmp/lot-dashboard/`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lot::executor::Executor;
use lot_dashboard::Dashboard;
use serde_json::Value;

use crate::server::TestServer;
use crate::webdriver::{Browser, find};

#[lot::scenario(name = "browse </script><script>alert(1)</script>")]
async fn browse(
    client: reqwest::Client,
    base: std::sync::Arc<str>,
    home: lot::http::Request,
    requests: std::sync::Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let index = lot::iteration().map_or(0, |it| it.index());
    // One request through lot::http, whose series the page charts too,
    // once the page has had intervals without any.
    if requests.load(Ordering::Relaxed) {
        home.send().await?;
    }
    let code = if index % 5 == 0 { 500 } else { 200 };
    lot::step("page", async {
        client
            .get(format!("{base}/delay/2"))
            .send()
            .await?
            .error_for_status()
    })
    .await?;
    let status = client
        .get(format!("{base}/status/{code}"))
        .send()
        .await?
        .status();
    anyhow::ensure!(status.is_success(), "status {status}");
    Ok(())
}

/// The headline's numbers as the page shows them.
const HEADLINE: &str = "var h = document.getElementById('headline');
    var card = h.querySelector('.card b');
    if (!card || +h.dataset.seq < 0) return null;
    return { seq: +h.dataset.seq, scheduled: +h.dataset.scheduled, ok: +h.dataset.ok,
      failed: +h.dataset.failed, shown: card.textContent };";

/// Each chart's id and series drawn, once every chart has drawn.
const CHARTS: &str = "var r = document.documentElement;
    if (!(+r.dataset.charts > 0) || r.dataset.charts !== r.dataset.chartsDrawn) return null;
    return Array.from(document.querySelectorAll('#charts figure.chart'))
      .map(function (f) { return f.id + ':' + f.dataset.seriesDrawn; });";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_page_follows_the_run_and_ends_as_the_report() {
    let (Some(chromium), Some(driver)) = (
        find(&["chromium", "chromium-browser", "google-chrome"]),
        find(&["chromedriver"]),
    ) else {
        crate::require::missing(
            "chromium or chromedriver",
            "apt-get install chromium chromium-driver",
        );
        return;
    };
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lot-dashboard");
    std::fs::create_dir_all(&artifacts).unwrap();
    let dir = std::env::temp_dir().join(format!("lot-dashboard-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let html_output = dir.join("output.html");

    let server = TestServer::start().await;
    let dashboard = Dashboard::bind("127.0.0.1:0").unwrap();
    let url = dashboard.url();
    let browser = Browser::start(&driver, &chromium, &dir.join("profile")).await;
    let mut executor = Executor::new();
    executor
        .add_stage(30, 30, Duration::from_secs(8))
        .interval(Duration::from_secs(1))
        .terminal(false)
        .threshold("error_rate < 50%")
        .threshold("latency p99 < 1m")
        .output(format!("html={}", html_output.display()))
        .reporter(dashboard);
    let target = server.url();
    let home = lot::http::Client::new(&target)
        .unwrap()
        .get("/")
        .build()
        .unwrap();
    let requests = Arc::new(AtomicBool::new(false));
    let start_requests = requests.clone();
    let run = tokio::spawn(async move {
        let report = executor
            .run(browse(
                reqwest::Client::new(),
                target.into(),
                home,
                requests,
            ))
            .await;
        report.expect_summary().clone()
    });

    browser.goto(&url).await;
    let long = Duration::from_secs(20);
    let first = browser.wait("a first interval", long, HEADLINE).await;
    let later = format!(
        "var v = (function () {{ {HEADLINE} }})(); return v && v.seq > {} ? v : null;",
        first["seq"]
    );
    let second = browser.wait("a later interval", long, &later).await;
    browser.wait("the live charts", long, CHARTS).await;
    start_requests.store(true, Ordering::Relaxed);
    // lot::http's chart gains its points as the intervals come; before the
    // first request it counts none (0), as the saved report does, not
    // nothing (a gap).
    let points = |more_than: &Value| {
        format!(
            "var f = document.getElementById('chart-http-status'); \
             return f && +f.dataset.points > {more_than} ? +f.dataset.points : null;"
        )
    };
    let had = browser
        .wait("the live HTTP chart", long, &points(&Value::from(0)))
        .await;
    browser
        .wait("the HTTP chart's next point", long, &points(&had))
        .await;
    let gaps = browser
        .eval("return document.getElementById('chart-http-status').dataset.gaps")
        .await;
    assert_eq!(gaps, "0");
    // The thresholds, on the run so far, before it ends.
    let thresholds = browser
        .wait(
            "the live thresholds",
            long,
            "var t = document.getElementById('thresholds'); \
             return t && t.dataset.passed ? [t.dataset.passed, t.dataset.failed, \
             t.querySelectorAll('tr.threshold').length] : null",
        )
        .await;
    assert_eq!(thresholds, serde_json::json!(["2", "0", 2]));
    browser.screenshot(&artifacts.join("live.png")).await;
    let live_state = browser
        .eval("return document.getElementById('live-state').textContent")
        .await;
    assert_eq!(live_state, "live");

    let summary = run.await.expect("the run ends");
    // The counters changed, and are the run's at those intervals.
    assert!(
        second["scheduled"].as_u64() > first["scheduled"].as_u64(),
        "{first} {second}"
    );
    for seen in [&first, &second] {
        let i = &summary.intervals[seen["seq"].as_u64().unwrap() as usize].cumulative;
        assert_eq!(
            (
                seen["scheduled"].as_u64(),
                seen["ok"].as_u64(),
                seen["failed"].as_u64()
            ),
            (Some(i.scheduled), Some(i.ok), Some(i.failed)),
            "{seen}"
        );
        assert_eq!(seen["shown"], i.scheduled.to_string());
    }

    // The end: the final results, and the report, the same as lot's output.
    browser
        .wait(
            "the final results",
            long,
            "return document.documentElement.dataset.final === 'true'",
        )
        .await;
    let final_charts = browser.wait("the final charts", long, CHARTS).await;
    let report = browser.eval("return window.lotReport").await;
    let report = report.as_str().expect("the page kept the report");
    assert_eq!(report, std::fs::read_to_string(&html_output).unwrap());
    let headline = browser
        .eval(HEADLINE.replace("+h.dataset.seq < 0", "false").as_str())
        .await;
    assert_eq!(headline["scheduled"], summary.totals.scheduled);
    assert_eq!(headline["ok"], summary.totals.ok);
    let save = browser
        .eval("var a = document.getElementById('save'); return [a.hidden, a.href.slice(0, 5)]")
        .await;
    assert_eq!(save, serde_json::json!([false, "blob:"]));

    // Saved, it renders the same charts from a file, asking nothing of any
    // network (the dashboard is gone with the run anyway).
    let saved = artifacts.join("report.html");
    std::fs::write(&saved, report).unwrap();
    browser.goto(&format!("file://{}", saved.display())).await;
    let file_charts = browser
        .wait("the saved report's charts", long, CHARTS)
        .await;
    assert_eq!(file_charts, final_charts);
    let ids: Vec<&str> = file_charts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for id in [
        "chart-rate:2",
        "chart-outcomes:2",
        "chart-latency:4",
        "chart-distribution:2",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert!(
        ids.iter().any(|c| c.starts_with("chart-s0-step0-latency")),
        "{ids:?}"
    );
    let requests = browser
        .eval("return performance.getEntriesByType('resource').length")
        .await;
    assert_eq!(requests, 0);
    let title = browser.eval("return document.title").await;
    assert_eq!(title, "lot: browse </script><script>alert(1)</script>");
    browser.screenshot(&artifacts.join("report.png")).await;
    browser.quit().await;
    let _ = std::fs::remove_dir_all(&dir);
}
