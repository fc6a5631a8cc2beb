//! Every output format from one real run, including hostile text from the target.

use std::path::PathBuf;
use std::time::Duration;

use lot::executor::Executor;
use lot::report::Summary;

use crate::server::TestServer;

/// Text a target could send back, fed through an error message and a step name.
pub const HOSTILE: &str = "<script>alert(\"pwned\")</script> 'quoted' & more";

/// Fails every third iteration with [`HOSTILE`] text; steps and a check so
/// every table of the reports has rows.
#[lot::scenario(name = "hostile <b>\"scenario\"</b>")]
async fn hostile(client: reqwest::Client, base: std::sync::Arc<str>) -> anyhow::Result<()> {
    let index = lot::iteration().map_or(0, |it| it.index());
    let code = if index % 3 == 0 { 500 } else { 200 };
    let response = lot::step("=HYPERLINK(\"http://evil\")", async {
        client.get(format!("{base}/status/{code}")).send().await
    })
    .await?;
    lot::check("status, \"ok\"", response.status().is_success());
    if !response.status().is_success() {
        anyhow::bail!("{HOSTILE} (status {})", response.status().as_u16());
    }
    Ok(())
}

pub struct Outputs {
    pub dir: PathBuf,
    pub summary: Summary,
}

impl Outputs {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}"))
    }
}

/// Runs [`hostile`] for 2.5 s at 40/s with every file output.
pub async fn run_with_all_outputs(tag: &str) -> Outputs {
    let server = TestServer::start().await;
    let dir = std::env::temp_dir().join(format!("lot-outputs-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = |f: &str, name: &str| format!("{f}={}", dir.join(name).display());
    let mut executor = Executor::new();
    executor
        .add_stage(40, 40, Duration::from_millis(2500))
        .interval(Duration::from_millis(500))
        .terminal(false)
        .output(
            [
                out("csv", "run.csv"),
                out("html", "report.html"),
                out("md", "summary.md"),
                out("json", "run.json"),
            ]
            .join(","),
        );
    let report = executor
        .run(hostile(reqwest::Client::new(), server.url().into()))
        .await;
    assert_eq!(report.exit_status(), 0, "{:?}", report.failed_outputs());
    let summary = report.expect_summary().clone();
    assert_eq!(summary.totals.scheduled, 100);
    assert_eq!(server.hits(), 100);
    Outputs { dir, summary }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_is_written_and_escapes_what_the_target_sent() {
    let run = run_with_all_outputs("formats").await;
    let s = &run.summary;
    assert_eq!(s.totals.failed, 34, "arrival indexes 0, 3, ..., 99");

    let parsed: Summary = serde_json::from_str(&run.read("run.json")).unwrap();
    assert_eq!(&parsed, s);

    // CSV: the documented header, one row per interval and scope, numbers
    // that add up to the summary, and neutralised, quoted names.
    let csv = run.read("run.csv");
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(lines.next(), Some(lot::report::csv::HEADER));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        s.intervals.len() * 3,
        "total, scenario and step rows"
    );
    let ok_in_total_rows: u64 = rows
        .iter()
        .filter(|r| r.split(',').nth(3) == Some("total"))
        .map(|r| r.split(',').nth(8).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(ok_in_total_rows, s.totals.ok);
    assert!(
        csv.contains("\"hostile <b>\"\"scenario\"\"</b>\",\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{csv}"
    );
    assert!(!csv.contains(",=HYPERLINK"));

    // Markdown: tables, with markup from the run shown as text.
    let md = run.read("summary.md");
    assert!(md.contains("| scheduled | 100 (100 planned) |"), "{md}");
    assert!(
        md.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;"),
        "{md}"
    );
    assert!(!md.contains("<script>"));
    assert!(md.contains("### Checks"));

    // HTML: the only scripts are the report's own (its data, uPlot, its
    // drawing); the target's text is escaped, in the tables as HTML and in
    // the chart data as JSON that cannot close its element.
    let html = run.read("report.html");
    assert_eq!(html.matches("<script").count(), 3, "only the report's own");
    assert_eq!(html.matches("</script>").count(), 3, "no name closes one");
    assert!(html.contains(
        "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &#39;quoted&#39; &amp; more"
    ));
    assert!(html.contains("hostile &lt;b&gt;&quot;scenario&quot;&lt;/b&gt;"));
    assert!(
        html.contains(r#""name":"hostile \u003cb\u003e\"scenario\"\u003c/b\u003e""#),
        "the scenario's name in the chart data"
    );
    assert!(html.contains(r#""name":"=HYPERLINK(\"http://evil\")""#));
    let data = html
        .split("<script type=\"application/json\" id=\"lot-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the chart data");
    let data: serde_json::Value = serde_json::from_str(data).expect("the chart data is JSON");
    assert_eq!(data["now"]["totals"]["ok"], s.totals.ok);
    assert_eq!(
        data["scenarios"][0]["steps"].as_array().map(Vec::len),
        Some(1)
    );
    let points = data["t"].as_array().map_or(0, Vec::len);
    let skipped = data["skipped"].as_u64().unwrap_or(0) as usize;
    assert_eq!(points + skipped, s.intervals.len());
    // The table headers align with their columns: text left, numbers right.
    assert!(html.contains("<th class=\"text\">scenario</th><th>scheduled</th>"));
    for remote in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !html.contains(remote),
            "nothing is loaded from the network: {remote}"
        );
    }
    let _ = std::fs::remove_dir_all(&run.dir);
}
