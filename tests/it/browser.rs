//! The HTML report in a real, headless Chromium: its script draws every
//! chart's series, from a file, with no network.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use crate::outputs::{HOSTILE, run_with_all_outputs};

/// The first Chromium or Chrome on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|candidate| candidate.is_file())
}

/// The DOM of the page in the file `page` once its script has run (five
/// seconds of the page's time), in a 1280 × 2400 window of headless
/// `browser` with the profile `profile`.
pub async fn dump_dom(browser: &Path, profile: &Path, page: &Path) -> String {
    let out = chromium(
        browser,
        profile,
        &[
            "--window-size=1280,2400".to_owned(),
            "--virtual-time-budget=5000".to_owned(),
            "--dump-dom".to_owned(),
            format!("file://{}", page.display()),
        ],
    )
    .await;
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs headless `browser` with a profile of its own and `args`, within
/// two minutes.
pub async fn chromium(browser: &Path, profile: &Path, args: &[String]) -> std::process::Output {
    let run = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("chromium finishes within two minutes")
        .expect("chromium starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_report_renders_its_charts_in_a_real_browser() {
    let Some(browser) = find_chromium() else {
        crate::require::missing("chromium", "apt-get install chromium; .ci/run installs it");
        return;
    };
    let run = run_with_all_outputs("browser").await;
    let page = format!("file://{}", run.path("report.html").display());
    let dom = dump_dom(&browser, &run.path("profile-dom"), &run.path("report.html")).await;
    let head = &dom[..dom.len().min(400)];
    // The run's charts (rate, outcomes, latency, in flight, spectrum) and
    // its step's two; each with every series drawn, as the page's script
    // found them once uPlot had drawn.
    let charts = charts_drawn(&dom);
    assert!(charts.len() >= 7, "{charts:?} in {head}");
    for (id, series, drawn) in &charts {
        assert!(
            *series >= 1 && drawn == series,
            "{id}: {drawn} of {series} drawn"
        );
    }
    for id in [
        "chart-rate",
        "chart-outcomes",
        "chart-latency",
        "chart-concurrency",
        "chart-distribution",
        "chart-s0-step0-latency",
        "chart-s0-step0-outcomes",
    ] {
        assert!(charts.iter().any(|c| c.0 == id), "{id} in {charts:?}");
    }
    // What a new user saw wrong in the report before, each checked on the
    // page as drawn: the target drawn over achieved, no users series on a
    // run without users, ticks 1, 2 or 5 times a power of ten apart (no
    // 37.5 ms), and the odd last chart of a group across the whole width.
    let fig = |id: &str| -> &str {
        dom.split("<figure ")
            .find(|f| f.contains(&format!("id=\"{id}\"")))
            .and_then(|f| f.split('>').next())
            .unwrap_or_else(|| panic!("no {id} in {head}"))
    };
    let attr = |id: &str, name: &str| -> String {
        let tag = fig(id);
        let at = tag
            .find(&format!(" {name}=\""))
            .unwrap_or_else(|| panic!("{id} has no {name}: {tag}"));
        tag[at + name.len() + 3..]
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(attr("chart-rate", "data-labels"), "achieved,target");
    assert_eq!(attr("chart-concurrency", "data-labels"), "in flight");
    for (id, _, _) in &charts {
        let step: f64 = attr(id, "data-y-step").parse().unwrap();
        let mantissa = step / 10f64.powf(step.log10().floor());
        assert!(
            [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6),
            "{id}: ticks {step} apart"
        );
    }
    let width = |id: &str| attr(id, "data-width").parse::<f64>().unwrap();
    assert!(
        width("chart-distribution") > 1.8 * width("chart-rate"),
        "the run's fifth chart, alone on its row, spans it: {} vs {}",
        width("chart-distribution"),
        width("chart-rate")
    );
    let n = charts.len();
    assert!(
        dom.contains(&format!("data-charts=\"{n}\" data-charts-drawn=\"{n}\"")),
        "{head}"
    );
    // Nothing was requested beyond the file itself.
    assert!(dom.contains("data-resources=\"0\""), "{head}");
    // What the target sent is text in the page, not markup: the only scripts
    // are the report's own (its data, uPlot, its drawing).
    assert_eq!(dom.matches("<script").count(), 3);
    let as_text = HOSTILE
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(dom.contains(&as_text), "the error kind is shown as text");
    assert!(
        dom.contains("hostile &lt;b&gt;\"scenario\"&lt;/b&gt;"),
        "the scenario's name is a heading's text"
    );

    let shot = run.path("report.png");
    let output = chromium(
        &browser,
        &run.path("profile-shot"),
        &[
            "--window-size=1280,2400".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--screenshot={}", shot.display()),
            page,
        ],
    )
    .await;
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a blank page would be tiny: {} bytes",
        png.len()
    );
    // Kept as a test artifact, for a person to look at.
    let artifact = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    std::fs::copy(&shot, &artifact).expect("copying the screenshot under target/");
    let _ = std::fs::remove_dir_all(&run.dir);
}

/// Each chart of a dumped DOM: its id, its series, and how many of them the
/// page's script found drawn.
fn charts_drawn(dom: &str) -> Vec<(String, usize, usize)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_owned())
    };
    dom.split("<figure ")
        .skip(1)
        .filter_map(|rest| {
            let tag = rest.split('>').next()?;
            let id = attr(tag, "id")?;
            let series = attr(tag, "data-series")?.parse().ok()?;
            let drawn = attr(tag, "data-series-drawn")?.parse().ok()?;
            Some((id, series, drawn))
        })
        .collect()
}

/// A run of `lot::http` requests draws its HTTP charts: responses per
/// second by status class, and bytes per second, from the interval series.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_http_requests_draws_its_status_and_bytes_charts() {
    let Some(browser) = find_chromium() else {
        crate::require::missing("chromium", "apt-get install chromium; .ci/run installs it");
        return;
    };
    let server = crate::server::TestServer::start().await;
    let dir = std::env::temp_dir().join(format!("lot-browser-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let html = dir.join("report.html");
    let client = lot::http::Client::new(&server.url()).unwrap();
    let (ok, unavailable) = (
        client.get("/").build().unwrap(),
        client.get("/status/503").build().unwrap(),
    );
    let mut executor = lot::executor::Executor::new();
    executor
        .add_stage(40, 40, Duration::from_secs(2))
        .interval(Duration::from_millis(500))
        .terminal(false)
        .output(format!("html={}", html.display()));
    let report = executor
        .run(move || {
            let (ok, unavailable) = (ok.send(), unavailable.send());
            async move {
                ok.await?;
                unavailable.await?;
                Ok(())
            }
        })
        .await;
    assert_eq!(report.expect_summary().totals.ok, 80);
    let dom = dump_dom(&browser, &dir.join("profile"), &html).await;
    let charts = charts_drawn(&dom);
    for id in ["chart-http-status", "chart-http-bytes"] {
        let (_, series, drawn) = charts
            .iter()
            .find(|c| c.0 == id)
            .unwrap_or_else(|| panic!("{id} in {charts:?}"));
        assert!(*series >= 2 && drawn == series, "{id}: {drawn} of {series}");
    }
    let tag = dom
        .split("<figure ")
        .find(|f| f.contains("id=\"chart-http-status\""))
        .and_then(|f| f.split('>').next())
        .unwrap();
    assert!(tag.contains("data-labels=\"2xx,3xx,4xx,5xx\""), "{tag}");
    let _ = std::fs::remove_dir_all(&dir);
}
