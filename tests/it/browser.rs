//! The HTML report in a real, headless Chromium: it lays out and draws every
//! chart series, from a file, with no network.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

use crate::outputs::{HOSTILE, run_with_all_outputs};

fn find_chromium() -> Option<PathBuf> {
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

async fn chromium(browser: &Path, profile: &Path, args: &[String]) -> std::process::Output {
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
    let html = run.read("report.html");
    let series_with_data = html.matches("<polyline class=\"series").count()
        - html.matches("data-points=\"0\" points=\"\"").count();
    assert!(series_with_data >= 8, "{series_with_data}");

    let dom = chromium(
        &browser,
        &run.path("profile-dom"),
        &[
            "--virtual-time-budget=5000".to_owned(),
            "--dump-dom".to_owned(),
            page.clone(),
        ],
    )
    .await;
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The page's own script measured every drawn series after layout.
    assert!(
        dom.contains(&format!("data-charts-rendered=\"{series_with_data}\"")),
        "expected {series_with_data} rendered series in:\n{}",
        &dom[..dom.len().min(600)]
    );
    assert_eq!(
        dom.matches("data-rendered=\"true\"").count(),
        series_with_data
    );
    // What the target sent is text in the page, not markup: the only script is
    // the report's own.
    assert_eq!(dom.matches("<script").count(), 1);
    let as_text = HOSTILE
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(dom.contains(&as_text), "the error kind is shown as text");

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
    let _ = std::fs::remove_dir_all(&run.dir);
}
