//! The HTML output: one self-contained page with the run's headline, charts
//! and tables, which the live dashboard (lot-dashboard) serves too.
//!
//! The page is HTML and CSS, the charting library [uPlot] (MIT, vendored in
//! lot-report's `assets/` with its licence, included in the page), and a
//! small script of lot's that draws every chart from one JSON object
//! embedded in the page, [`ChartData`]. It loads nothing from the network,
//! so a saved report opens from a file, offline. The tables (thresholds,
//! latency, scenarios, steps, checks, HTTP requests, errors, metrics, the
//! plan) are HTML rendered here ([`Sections`]), readable without the
//! script. Every string that comes from the run (names, error text, which
//! may come from the target) is escaped: as HTML in the tables, and in the
//! JSON with `<`, `>` and `&` as `\u` escapes, so no name can close the
//! `<script>` element it is in.
//!
//! # The chart data
//!
//! [`ChartData::to_json`] is an object of columns, one value per point; a
//! point is one interval (intervals shorter than half the period, usually a
//! run's last, are left out and counted in `skipped`):
//!
//! | field | meaning |
//! |---|---|
//! | `title` | `lot: ` and the scenarios' names |
//! | `interval_s`, `plan_s` | the reporting period, the plan's length, in seconds |
//! | `seq` | index of the last interval taken in (-1 before the first) |
//! | `stride` | intervals per point: 1, doubled each time the series reach [`MAX_POINTS`] |
//! | `skipped` | slivers left out |
//! | `users` | whether any interval had users (a closed-model load) |
//! | `final` | whether this is a finished run's data |
//! | `t` | the end of each point's interval, seconds since the start |
//! | `total` | the run's series: `target`, `achieved` (arrival rates), `ok`, `failed`, `dropped`, `interrupted` (per second), `in_flight`, `users` (at the interval's end), `p50`, `p90`, `p99`, `max` (latency in µs, `null` where nothing completed) |
//! | `http` | the run's `lot::http` requests per second (absent while there were none; once there are, 0 at the points before the first): `s1xx` … `s5xx` (responses by status class), `failed` (ended without one), `sent`, `received` (bytes) |
//! | `scenarios[]` | `name`, `series` (as `total`), `steps[]`: `name`, `ok`, `failed` (per second), `p50`, `p90`, `p99`, `max` |
//! | `spectrum` | a finished run's percentile spectrum: `x` (log10(1 / (1 − q))), `latency`, `service_time` (µs) |
//! | `now` | the headline at the last interval: `elapsed_s`, `totals` (cumulative), `in_flight`, `users`, `achieved_rps`, `target_rps`, `p50_us`, `p99_us` |
//!
//! A live page ([`page`] with `live` set) opens an `EventSource` on that
//! URL and takes three events: `data` (a whole [`ChartData`], which
//! replaces what it has), `interval` (a [`ChartData::tail`] of the new
//! points, appended to the page's columns by `seq`), and `summary`
//! (`{"report": HTML}`, the finished run's report, whose sections and data
//! replace the live ones and which the page offers to save).
//!
//! After the script has drawn, every chart's `figure` carries
//! `data-series` and `data-series-drawn` (its series with at least one
//! value), and the root element `data-charts` and `data-charts-drawn`.
//!
//! [uPlot]: https://github.com/leeoniya/uPlot

use std::fmt::Write as _;

use crate::model::Summary;

mod data;
mod markup;
mod requests;
mod sections;

pub use data::{ChartData, MAX_POINTS};
pub use markup::escape;
pub use sections::Sections;

/// uPlot's script and style sheet, vendored (see `assets/README.md`).
const UPLOT_JS: &str = include_str!("../../assets/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../assets/uPlot.min.css");
/// The page's own style sheet and script.
const STYLE: &str = include_str!("../../assets/report.css");
const SCRIPT: &str = include_str!("../../assets/report.js");

/// Renders `summary` as a self-contained HTML page.
pub fn render(s: &Summary) -> String {
    page(
        &ChartData::from_summary(s),
        &Sections::from_summary(s),
        None,
    )
}

/// The page: `sections` as they are, the charts drawn from `data`.
///
/// With `live` set to the URL of a server-sent events stream (such as
/// `/events`), the page shows that it is live, updates its headline and
/// charts from the stream, and ends as the report (see the module docs).
pub fn page(data: &ChartData, sections: &Sections, live: Option<&str>) -> String {
    let json = data.to_json();
    let mut out = String::with_capacity(
        UPLOT_JS.len() + STYLE.len() + SCRIPT.len() + json.len() + sections.tables.len() + 8192,
    );
    let title = escape(data.title());
    let live_attr = live.map_or_else(String::new, |url| format!(" data-live=\"{}\"", escape(url)));
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"{live_attr}><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title}</title><style>{UPLOT_CSS}\n{STYLE}</style></head><body><main>"
    );
    let _ = write!(
        out,
        "<h1>{title}</h1><p class=\"sub\" id=\"sub\">{}</p>",
        sections.subtitle
    );
    if live.is_some() {
        out.push_str("<p class=\"live\" id=\"live\"><i class=\"dot\"></i><b id=\"live-state\">connecting</b><a id=\"save\" hidden download=\"lot-report.html\">Save report</a></p>");
    }
    let _ = write!(
        out,
        "<section class=\"cards\" id=\"headline\">{}</section><div id=\"thresholds\">{}</div>",
        sections.headline, sections.thresholds
    );
    out.push_str("<h2>Over time</h2><noscript><p class=\"sub\">The charts need JavaScript; the tables do not.</p></noscript><div id=\"charts\"></div>");
    let _ = write!(out, "<div id=\"tables\">{}</div></main>", sections.tables);
    let _ = writeln!(
        out,
        "<script type=\"application/json\" id=\"lot-data\">{json}</script><script>{UPLOT_JS}</script><script>{SCRIPT}</script></body></html>"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Limits, Plan, Start};

    const HOSTILE: &str = "</script><script>alert(1)</script><!--";

    #[test]
    fn the_assets_cannot_end_their_script_element() {
        for (name, text) in [("uPlot", UPLOT_JS), ("report.js", SCRIPT)] {
            assert!(!text.to_ascii_lowercase().contains("</script"), "{name}");
            assert!(!text.contains("<!--"), "{name}");
        }
    }

    #[test]
    fn a_hostile_name_stays_inside_the_data() {
        let start = Start {
            started_at_unix_ms: 0,
            plan: Plan {
                loads: Vec::new(),
                iterations: 0,
                duration_us: 1_000_000,
            },
            limits: Limits {
                timeout_us: 1,
                graceful_stop_us: 1,
                interval_us: 1_000_000,
            },
            scenarios: vec![HOSTILE.to_owned()],
            segment: None,
        };
        let html = page(
            &ChartData::from_start(&start),
            &Sections::default(),
            Some("/events\"><script>"),
        );
        assert_eq!(html.matches("<script").count(), 3);
        assert_eq!(html.matches("</script>").count(), 3);
        assert!(!html.contains("<!--"));
        assert!(html.contains("data-live=\"/events&quot;&gt;&lt;script&gt;\""));
        assert!(html.contains(
            "<title>lot: &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--</title>"
        ));
    }
}
