//! `lot-report compare` on real runs of one plan against the in-process
//! server, run side by side: the same target twice, the target 5 ms slower, and the target
//! with a 5 % slow path that leaves p50 where it was. The comparison's HTML
//! is opened in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use lot::executor::Executor;
use serde_json::Value;

use crate::browser::{chromium, dump_dom, find_chromium};
use crate::outputs::run_with_all_outputs;
use crate::server::TestServer;

/// Each iteration's step `checkout` waits `20 + extra_ms` ms on the server,
/// and one iteration in `slow_every` (0: none) 200 ms more. The 20 ms keep
/// the timer's and a loaded machine's jitter to a few percent of the
/// latency's body; its tail is another matter (while the tests beside this
/// one build and run programs, the base run's p99 has reached 68 ms), so the
/// slow path is far beyond it.
#[lot::scenario(name = "shop")]
async fn shop(
    client: reqwest::Client,
    base: Arc<str>,
    extra_ms: u64,
    slow_every: u64,
) -> anyhow::Result<()> {
    let index = lot::iteration().expect("inside an iteration").index();
    let slow = if slow_every > 0 && index % slow_every == slow_every / 2 {
        200
    } else {
        0
    };
    let ms = 20 + extra_ms + slow;
    lot::step("checkout", async {
        client
            .get(format!("{base}/delay/{ms}"))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await
    })
    .await?;
    Ok(())
}

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lot-it-compare-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One run of the plan (100/s for 24 s, 2400 arrivals, enough for the
/// distance to see a 5 % slow path), its results in `name`.
async fn run(server: &TestServer, name: &str, extra_ms: u64, slow_every: u64) -> PathBuf {
    let json = dir().join(name);
    let mut executor = Executor::new();
    executor
        .add_stage(100, 100, Duration::from_secs(24))
        .terminal(false)
        .output(format!("json={}", json.display()));
    let client = reqwest::Client::new();
    let report = executor
        .run(shop(client, server.url().into(), extra_ms, slow_every))
        .await;
    assert_eq!(report.exit_status(), 0, "{name}");
    json
}

/// The `lot-report` binary, built once into this test's target directory.
fn lot_report_bin() -> PathBuf {
    crate::process::built(&["-p", "lot-report", "--bin", "lot-report"], "lot-report")
}

fn compare(base: &Path, new: &Path, args: &[&str]) -> Output {
    Command::new(lot_report_bin())
        .arg("compare")
        .args(args)
        .arg(base)
        .arg(new)
        .output()
        .expect("running lot-report")
}

/// The comparison as JSON, and the exit status with `gates`.
fn compared(base: &Path, new: &Path, gates: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec!["--format", "json"];
    for g in gates {
        args.extend(["--fail-if", g]);
    }
    let out = compare(base, new, &args);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (json, out.status.code())
}

/// The step's latency statistic `name` of a comparison.
fn step_quantile<'a>(c: &'a Value, name: &str) -> &'a Value {
    let step = c["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["step"] == "checkout")
        .expect("the step is compared");
    step["distributions"][0]["quantiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == name)
        .unwrap()
}

fn step_ks(c: &Value) -> &Value {
    let step = c["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["step"] == "checkout")
        .unwrap();
    &step["distributions"][0]["ks"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_sees_a_slower_target_and_a_slow_path_but_not_a_second_run() {
    let server = TestServer::start().await;
    // The four runs at the same time, so that they share the machine's
    // state: one after the other, a test running beside them in this
    // binary slows one run and not the next, and compare rightly reports
    // that as a change.
    let (base, again, slower, bimodal) = tokio::join!(
        run(&server, "base.json", 0, 0),
        run(&server, "again.json", 0, 0),
        run(&server, "slower.json", 5, 0),
        run(&server, "bimodal.json", 0, 20),
    );

    // The same plan against the same target: nothing significant in the
    // step's latency, and gates with generous margins pass.
    let generous = [
        "latency[checkout] p50 > +50%",
        "latency[checkout] p99 > +100% significant",
        "error_rate > +1pp",
    ];
    let (c, status) = compared(&base, &again, &generous);
    assert_eq!(status, Some(0), "{:#}", c["gates"]);
    for name in ["p50", "p90", "p95", "p99"] {
        let q = step_quantile(&c, name);
        assert_eq!(q["significant"], false, "{name}: {q:#}");
    }
    assert_eq!(step_ks(&c)["significant"], false, "{:#}", step_ks(&c));

    // 5 ms slower: the percentiles moved, significantly, and the gates fail.
    let (c, status) = compared(
        &base,
        &slower,
        &[
            "latency[checkout] p50 > +2ms significant",
            "latency p99 > +10%",
        ],
    );
    assert_eq!(status, Some(99), "{:#}", c["gates"]);
    // The tail of a loaded machine (this binary's other tests run beside
    // this one) is noise enough to hide 5 ms at p95 and beyond: the body
    // of the distribution is where it shows, and must.
    for name in ["p50", "p90"] {
        let q = step_quantile(&c, name);
        assert_eq!(q["significant"], true, "{name}: {q:#}");
        assert!(q["delta_us"].as_i64().unwrap() > 3000, "{name}: {q:#}");
    }
    assert_eq!(step_ks(&c)["significant"], true);

    // A 5 % slow path: p50 stays, the tail and the distribution move.
    let (c, status) = compared(
        &base,
        &bimodal,
        &["latency[checkout] p99 > +20ms significant"],
    );
    assert_eq!(status, Some(99), "{:#}", c["gates"]);
    let p50 = step_quantile(&c, "p50");
    assert_eq!(p50["significant"], false, "{p50:#}");
    assert_eq!(step_quantile(&c, "p99")["significant"], true);
    let ks = step_ks(&c);
    assert_eq!(ks["significant"], true, "{ks:#}");

    html_in_a_browser(&base, &bimodal).await;
    let _ = std::fs::remove_dir_all(dir());
}

/// `lot-report compare`'s page in a real browser: a run compared with the
/// same run as a long one keeps it (its ticks repeated past
/// `MAX_INTERVALS`, so folded into windows of two), which the page joins
/// on one time axis, each at its own intervals' ends. Every chart is
/// drawn, and nothing is loaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folded_run_is_compared_in_a_real_browser() {
    use lot::report::compare::{self, Condensed};
    use lot::report::{IntervalSeries, MAX_INTERVALS, Summary};

    let Some(browser) = find_chromium() else {
        crate::require::missing("chromium", "apt-get install chromium; .ci/run installs it");
        return;
    };
    let run = run_with_all_outputs("browser-compare").await;
    let base: Summary = serde_json::from_str(&run.read("run.json")).unwrap();
    let tick_us = base.limits.interval_us;
    let (_, ticks) = base.intervals.split_last().expect("intervals");
    let mut series = IntervalSeries::new(tick_us);
    for k in 0..MAX_INTERVALS as u64 + 100 {
        let mut i = ticks[k as usize % ticks.len()].clone();
        (i.index, i.start_us, i.duration_us) = (k, k * tick_us, tick_us);
        series.push(i);
    }
    let mut long = base.clone();
    long.intervals = series.finish(None);
    assert!(long.intervals.len() < MAX_INTERVALS, "folded");
    let (b, n) = (Condensed::new(base), Condensed::new(long));
    let c = compare::compare_condensed(("run.json", &b), ("long.json", &n), &[]).unwrap();
    let page = run.path("compare.html");
    std::fs::write(&page, compare::html::render(&c, &b, &n)).unwrap();
    let dom = dump_dom(&browser, &run.path("profile-compare"), &page).await;
    let head = &dom[..dom.len().min(400)];
    // Two charts (spectrum, over time) for the run, its scenario and its
    // step.
    assert!(
        dom.contains("data-charts=\"6\" data-charts-drawn=\"6\""),
        "{head}"
    );
    assert!(dom.contains("data-resources=\"0\""), "{head}");
    // Kept as a test artifact, for a person to look at.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-report.png");
    chromium(
        &browser,
        &run.path("profile-compare-shot"),
        &[
            "--window-size=1280,2400".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--screenshot={}", shot.display()),
            format!("file://{}", page.display()),
        ],
    )
    .await;
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let _ = std::fs::remove_dir_all(&run.dir);
}

/// The comparison's page in headless Chromium, from a file, with no
/// network: both charts of every group drawn, nothing fetched.
async fn html_in_a_browser(base: &Path, new: &Path) {
    let Some(browser) = find_chromium() else {
        crate::require::missing("chromium", "apt-get install chromium; .ci/run installs it");
        return;
    };
    let page = dir().join("compare.html");
    let out = compare(base, new, &["-o", page.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let dom = dump_dom(&browser, &dir().join("profile"), &page).await;
    // The run, the scenario and its step: two charts each.
    assert!(
        dom.contains("data-charts=\"6\" data-charts-drawn=\"6\""),
        "{}",
        &dom[..dom.len().min(400)]
    );
    assert!(dom.contains("latency percentile spectrum"));
    assert!(dom.contains("data-resources=\"0\""), "nothing fetched");
    assert_eq!(dom.matches("<script").count(), 3);
}
