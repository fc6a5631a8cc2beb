//! The HTML output: one self-contained page with the run's headline, charts
//! and tables.
//!
//! Charts are inline SVG drawn here, so the page needs no network and no
//! script to show them; a few lines of inline script only mark, once the
//! page has laid out, how many chart series were drawn with a visible size
//! (`data-charts-rendered` on the root element). Every string that comes from
//! the run (names, error text, which may come from the target) is escaped.

use std::fmt::Write as _;

use crate::model::{Interval, Summary};
use crate::stats::Stats;
use crate::units::fmt_us;

/// `text` with the five HTML special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How a chart's y values are labelled.
#[derive(Clone, Copy)]
enum Unit {
    PerSecond,
    Micros,
    Count,
}

impl Unit {
    fn label(self, v: f64) -> String {
        match self {
            Unit::PerSecond => format!("{}/s", short(v)),
            Unit::Micros => fmt_us(v.round() as u64),
            Unit::Count => short(v),
        }
    }
}

fn short(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if v == v.trunc() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

struct Series {
    name: &'static str,
    points: Vec<(f64, f64)>,
}

/// How the x axis is labelled.
enum XAxis {
    /// Seconds since the start of the run.
    Seconds,
    /// Percentiles on a log scale: x = log10(1 / (1 - q)).
    Percentile,
}

struct Chart<'a> {
    id: &'a str,
    title: &'a str,
    unit: Unit,
    x_axis: XAxis,
    series: Vec<Series>,
}

const W: f64 = 760.0;
const H: f64 = 280.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 40.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|&m| m >= v)
        .unwrap_or(10.0 * p)
}

impl Chart<'_> {
    fn render(&self, out: &mut String) {
        let points = self.series.iter().map(|s| s.points.len()).sum::<usize>();
        let _ = write!(
            out,
            "<figure class=\"chart\"><figcaption>{}</figcaption>",
            escape(self.title)
        );
        let _ = write!(
            out,
            "<svg id=\"{}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" data-points=\"{points}\">",
            self.id,
            escape(self.title)
        );
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let x_min = all().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let x_max = all().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        if points == 0 || !x_min.is_finite() {
            out.push_str("<text x=\"380\" y=\"140\" class=\"empty\">no data</text></svg></figure>");
            return;
        }
        let (x_min, x_max) = match self.x_axis {
            XAxis::Seconds => (0.0, x_max.max(x_min + 1e-9)),
            XAxis::Percentile => (0.0, x_max.max(1.0).ceil()),
        };
        let mut y_max = nice_max(all().map(|p| p.1).fold(0.0, f64::max));
        if let Unit::Count = self.unit {
            // Whole numbers on every grid line.
            y_max = (y_max / 4.0).ceil() * 4.0;
        }
        let sx = |x: f64| LEFT + (x - x_min) / (x_max - x_min) * (W - LEFT - RIGHT);
        let sy = |y: f64| H - BOTTOM - y / y_max * (H - TOP - BOTTOM);

        // Grid and y labels.
        for i in 0..=4 {
            let y = y_max * f64::from(i) / 4.0;
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y1:.1}\" y2=\"{y1:.1}\"/><text class=\"ylabel\" x=\"{}\" y=\"{:.1}\">{}</text>",
                W - RIGHT,
                LEFT - 6.0,
                sy(y) + 4.0,
                escape(&self.unit.label(y)),
                y1 = sy(y),
            );
        }
        // X labels.
        match self.x_axis {
            XAxis::Seconds => {
                let step = nice_max((x_max - x_min) / 6.0);
                let mut x = x_min;
                while x <= x_max + step * 1e-9 {
                    let _ = write!(
                        out,
                        "<text class=\"xlabel\" x=\"{:.1}\" y=\"{}\">{}</text>",
                        sx(x),
                        H - BOTTOM + 18.0,
                        seconds(x)
                    );
                    x += step;
                }
            }
            XAxis::Percentile => {
                let mut decade = 0.0;
                while decade <= x_max {
                    let label = match decade as u32 {
                        0 => "0%".to_owned(),
                        n => format!("{}%", 100.0 - 100.0 / 10f64.powi(n as i32)),
                    };
                    let _ = write!(
                        out,
                        "<line class=\"grid\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{}\"/><text class=\"xlabel\" x=\"{x:.1}\" y=\"{}\">{label}</text>",
                        H - BOTTOM,
                        H - BOTTOM + 18.0,
                        x = sx(decade),
                    );
                    decade += 1.0;
                }
            }
        }
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>",
            W - RIGHT,
            y = sy(0.0)
        );
        for (i, s) in self.series.iter().enumerate() {
            let mut pts = String::with_capacity(s.points.len() * 14);
            for &(x, y) in &s.points {
                let _ = write!(pts, "{:.1},{:.1} ", sx(x), sy(y));
            }
            let _ = write!(
                out,
                "<polyline class=\"series s{i}\" data-series=\"{}\" data-points=\"{}\" points=\"{}\"/>",
                s.name,
                s.points.len(),
                pts.trim_end()
            );
        }
        out.push_str("</svg><div class=\"legend\">");
        for (i, s) in self.series.iter().enumerate() {
            let _ = write!(
                out,
                "<span><i class=\"swatch s{i}\"></i>{}</span>",
                escape(s.name)
            );
        }
        out.push_str("</div></figure>");
    }
}

/// An x-axis label in seconds: `0s`, `2.5s`, `90s`, `12m`.
fn seconds(x: f64) -> String {
    if x >= 600.0 {
        format!("{:.0}m", x / 60.0)
    } else if x >= 10.0 || x == x.trunc() {
        format!("{x:.0}s")
    } else {
        format!("{x:.1}s")
    }
}

/// Points of the percentile spectrum of a histogram: x = log10(1/(1-q)).
fn spectrum(stats: &Stats) -> Vec<(f64, f64)> {
    let Ok(h) = stats.histogram() else {
        return Vec::new();
    };
    if h.is_empty() {
        return Vec::new();
    }
    const X_CAP: f64 = 6.0;
    h.iter_quantiles(5)
        .map(|v| {
            let q = v.quantile_iterated_to();
            let x = if q >= 1.0 {
                X_CAP
            } else {
                (1.0 / (1.0 - q)).log10().min(X_CAP)
            };
            (x, v.value_iterated_to() as f64)
        })
        .collect()
}

const STYLE: &str = "
:root{--fg:#1d2430;--muted:#5b6575;--line:#d9dee7;--bg:#fff;--panel:#f6f8fb;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.sub{color:var(--muted);margin:0 0 16px}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}
.card.bad b{color:var(--bad)}.card.good b{color:var(--ok)}.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
figure.chart{margin:0;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px}figcaption{font-weight:600;margin-bottom:4px}
svg{width:100%;height:auto;display:block}.grid{stroke:var(--line);stroke-width:1}.axis{stroke:#8a94a6;stroke-width:1}
.ylabel{font-size:11px;fill:var(--muted);text-anchor:end}.xlabel{font-size:11px;fill:var(--muted);text-anchor:middle}.empty{fill:var(--muted);text-anchor:middle}
polyline.series{fill:none;stroke-width:2;stroke-linejoin:round}.s0{stroke:#0969da;background:#0969da}.s1{stroke:#e16f24;background:#e16f24}
.s2{stroke:#cf222e;background:#cf222e}.s3{stroke:#8250df;background:#8250df}.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin-top:4px}
.swatch{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.text{text-align:left}td.text{white-space:normal;word-break:break-word}th{color:var(--muted);font-weight:600;background:var(--panel)}
footer{color:var(--muted);font-size:12px;margin-top:32px}tr.fail td{color:var(--bad)}
";

const SCRIPT: &str = "
window.addEventListener('load',function(){var n=0;document.querySelectorAll('svg polyline.series').forEach(function(p){var b=p.getBBox();if(p.points.length>0&&(b.width>0||b.height>0)){n++;p.setAttribute('data-rendered','true');}});document.documentElement.setAttribute('data-charts-rendered',String(n));});
";

fn table_head(out: &mut String, columns: &[&str]) {
    out.push_str("<table><thead><tr>");
    for c in columns {
        let _ = write!(out, "<th>{c}</th>");
    }
    out.push_str("</tr></thead><tbody>");
}

fn stats_cells(out: &mut String, st: &Stats) {
    for v in st.columns() {
        let _ = write!(out, "<td>{v}</td>");
    }
}

fn card(out: &mut String, class: &str, value: &str, label: &str) {
    let _ = write!(
        out,
        "<div class=\"card {class}\"><b>{value}</b><span>{label}</span></div>"
    );
}

/// Renders `summary` as a self-contained HTML page.
pub fn render(s: &Summary) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let names: Vec<String> = s.scenarios.iter().map(|sc| escape(&sc.name)).collect();
    head(&mut out, s, &names);
    headline(&mut out, s);
    thresholds(&mut out, s);
    out.push_str("<h2>Over time</h2><section class=\"charts\">");
    for chart in &charts(s) {
        chart.render(&mut out);
    }
    out.push_str("</section>");
    latency_table(&mut out, s);
    scenarios_table(&mut out, s, &names);
    steps_table(&mut out, s, &names);
    checks_table(&mut out, s, &names);
    errors_table(&mut out, s);
    metrics_table(&mut out, s);
    plan_and_footer(&mut out, s);
    out
}

/// The document's head, the title and the line under it.
fn head(out: &mut String, s: &Summary, names: &[String]) {
    let title = format!("lot: {}", names.join(", "));
    let reason = s.stop_reason.describe();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title}</title><style>{STYLE}</style></head><body><main>"
    );
    let _ = write!(
        out,
        "<h1>{title}</h1><p class=\"sub\">{reason} in {} (plan {}), started {}{}</p>",
        fmt_us(s.duration_us),
        fmt_us(s.plan.duration_us),
        crate::units::fmt_unix_ms(s.started_at_unix_ms),
        match s.describe_shards() {
            d if d.is_empty() => d,
            d => format!("; {}", escape(&d)),
        }
    );
}

/// The cards of the headline numbers.
fn headline(out: &mut String, s: &Summary) {
    let t = &s.totals;
    out.push_str("<section class=\"cards\" id=\"headline\">");
    card(
        out,
        "",
        &t.scheduled.to_string(),
        &format!("scheduled ({})", s.scheduled_breakdown()),
    );
    card(out, "good", &t.ok.to_string(), "ok");
    for (label, n) in [
        ("failed", t.failed),
        ("dropped", t.dropped),
        ("interrupted", t.interrupted),
    ] {
        card(out, if n > 0 { "bad" } else { "" }, &n.to_string(), label);
    }
    card(
        out,
        "",
        &format!("{:.2}/s", s.achieved_rps),
        &format!("arrival rate achieved (target {:.2}/s)", s.target_rps),
    );
    let unlisted = s.abort_unlisted();
    if !s.thresholds.is_empty() || unlisted.is_some() {
        let passed = s.thresholds.iter().filter(|t| t.passed).count();
        let all = s.thresholds.len() + usize::from(unlisted.is_some());
        card(
            out,
            if passed == all { "good" } else { "bad" },
            &format!("{passed}/{all}"),
            if passed == all {
                "thresholds passed"
            } else {
                "thresholds passed: FAILED"
            },
        );
    }
    card(out, "", &fmt_us(s.latency.p50_us), "latency p50");
    card(out, "", &fmt_us(s.latency.p99_us), "latency p99");
    out.push_str("</section>");
}

/// The x of an interval's point: the end of the interval, in seconds. In
/// floating point: counts and durations read from a file can be anything.
fn secs(i: &Interval) -> f64 {
    (i.start_us as f64 + i.duration_us as f64) / 1e6
}

/// The charts of the page, in order.
fn charts(s: &Summary) -> [Chart<'static>; 5] {
    [
        rate_chart(s),
        latency_chart(s),
        failures_chart(s),
        concurrency_chart(s),
        distribution_chart(s),
    ]
}

fn rate_chart(s: &Summary) -> Chart<'static> {
    // A rate over a sliver of an interval (the run's last one is often a few
    // milliseconds) swings wildly; the rate chart leaves such slivers out,
    // the CSV keeps them.
    let whole = |i: &&Interval| i.duration_us.saturating_mul(2) >= s.limits.interval_us;
    Chart {
        id: "chart-rate",
        title: "Arrival rate: target and achieved",
        unit: Unit::PerSecond,
        x_axis: XAxis::Seconds,
        series: vec![
            Series {
                name: "target",
                points: s
                    .intervals
                    .iter()
                    .filter(whole)
                    .map(|i| (secs(i), i.target_rps))
                    .collect(),
            },
            Series {
                name: "achieved",
                points: s
                    .intervals
                    .iter()
                    .filter(whole)
                    .map(|i| (secs(i), i.achieved_rps))
                    .collect(),
            },
        ],
    }
}

fn latency_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-latency",
        title: "Latency percentiles per interval",
        unit: Unit::Micros,
        x_axis: XAxis::Seconds,
        series: [("p50", 0), ("p90", 1), ("p99", 2), ("max", 3)]
            .into_iter()
            .map(|(name, k)| Series {
                name,
                points: s
                    .intervals
                    .iter()
                    .filter(|i| i.latency.count > 0)
                    .map(|i| {
                        let l = &i.latency;
                        let v = [l.p50_us, l.p90_us, l.p99_us, l.max_us][k];
                        (secs(i), v as f64)
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn failures_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-errors",
        title: "Failures, drops and interruptions per interval",
        unit: Unit::Count,
        x_axis: XAxis::Seconds,
        series: vec![
            Series {
                name: "failed",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.counts.failed as f64))
                    .collect(),
            },
            Series {
                name: "dropped",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.counts.dropped as f64))
                    .collect(),
            },
            Series {
                name: "interrupted",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.counts.interrupted as f64))
                    .collect(),
            },
        ],
    }
}

fn concurrency_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-concurrency",
        title: "Iterations in flight and users",
        unit: Unit::Count,
        x_axis: XAxis::Seconds,
        series: vec![
            Series {
                name: "in flight",
                points: s
                    .intervals
                    .iter()
                    .map(|i| (secs(i), i.in_flight as f64))
                    .collect(),
            },
            Series {
                name: "users",
                points: if s.intervals.iter().any(|i| i.users > 0) {
                    s.intervals
                        .iter()
                        .map(|i| (secs(i), i.users as f64))
                        .collect()
                } else {
                    Vec::new()
                },
            },
        ],
    }
}

fn distribution_chart(s: &Summary) -> Chart<'static> {
    Chart {
        id: "chart-distribution",
        title: "Latency distribution (percentile spectrum)",
        unit: Unit::Micros,
        x_axis: XAxis::Percentile,
        series: vec![
            Series {
                name: "latency",
                points: spectrum(&s.latency),
            },
            Series {
                name: "service time",
                points: spectrum(&s.service_time),
            },
        ],
    }
}

/// The thresholds' table, with the abort that stopped the run.
fn thresholds(out: &mut String, s: &Summary) {
    let unlisted = s.abort_unlisted();
    if !s.thresholds.is_empty() || unlisted.is_some() {
        out.push_str("<h2>Thresholds</h2>");
        table_head(out, &["result", "threshold", "measured"]);
        for t in &s.thresholds {
            let abort = s.abort_of(&t.expression).map_or_else(String::new, |a| {
                format!("<br><span class=\"abort\">{}</span>", escape(&a.describe()))
            });
            let _ = write!(
                out,
                "<tr class=\"threshold {}\"><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}{abort}</td></tr>",
                if t.passed { "pass" } else { "fail" },
                if t.passed { "pass" } else { "<b>FAIL</b>" },
                escape(&t.expression),
                escape(&t.measured)
            );
        }
        if let Some(a) = unlisted {
            let _ = write!(
                out,
                "<tr class=\"threshold fail\"><td class=\"text\"><b>FAIL</b></td><td class=\"text\">{}</td><td><span class=\"abort\">{}</span></td></tr>",
                escape(&a.expression),
                escape(&a.describe())
            );
        }
        out.push_str("</tbody></table>");
    }
}

fn latency_table(out: &mut String, s: &Summary) {
    out.push_str("<h2>Latency</h2>");
    table_head(
        out,
        &[
            "", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max",
        ],
    );
    for (label, st) in [
        ("latency", &s.latency),
        ("service time", &s.service_time),
        ("schedule lag", &s.schedule_lag),
    ] {
        let _ = write!(out, "<tr><td>{label}</td>");
        stats_cells(out, st);
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn scenarios_table(out: &mut String, s: &Summary, names: &[String]) {
    out.push_str("<h2>Scenarios</h2>");
    table_head(
        out,
        &[
            "scenario",
            "scheduled",
            "ok",
            "failed",
            "dropped",
            "interrupted",
            "min",
            "mean",
            "p50",
            "p90",
            "p95",
            "p99",
            "p99.9",
            "max",
        ],
    );
    for (sc, name) in s.scenarios.iter().zip(names) {
        let c = &sc.totals;
        let _ = write!(
            out,
            "<tr><td class=\"text\">{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            c.scheduled, c.ok, c.failed, c.dropped, c.interrupted
        );
        stats_cells(out, &sc.latency);
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

fn steps_table(out: &mut String, s: &Summary, names: &[String]) {
    if s.scenarios.iter().any(|sc| !sc.steps.is_empty()) {
        out.push_str("<h2>Steps</h2>");
        table_head(
            out,
            &[
                "scenario", "step", "ok", "failed", "min", "mean", "p50", "p90", "p95", "p99",
                "p99.9", "max",
            ],
        );
        for (sc, name) in s.scenarios.iter().zip(names) {
            for st in &sc.steps {
                let _ = write!(
                    out,
                    "<tr><td class=\"text\">{name}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td>",
                    escape(&st.name),
                    st.ok,
                    st.failed
                );
                stats_cells(out, &st.latency);
                out.push_str("</tr>");
            }
        }
        out.push_str("</tbody></table>");
    }
}

fn checks_table(out: &mut String, s: &Summary, names: &[String]) {
    if s.scenarios.iter().any(|sc| !sc.checks.is_empty()) {
        out.push_str("<h2>Checks</h2>");
        table_head(out, &["scenario", "check", "pass rate", "passed", "failed"]);
        for (sc, name) in s.scenarios.iter().zip(names) {
            for c in &sc.checks {
                let _ = write!(
                    out,
                    "<tr><td class=\"text\">{name}</td><td class=\"text\">{}</td><td>{:.2}%</td><td>{}</td><td>{}</td></tr>",
                    escape(&c.name),
                    c.pass_rate * 100.0,
                    c.passed,
                    c.failed
                );
            }
        }
        out.push_str("</tbody></table>");
    }
}

fn errors_table(out: &mut String, s: &Summary) {
    out.push_str("<h2>Errors</h2>");
    if s.errors.is_empty() {
        out.push_str("<p class=\"sub\">No failures.</p>");
    } else {
        table_head(out, &["kind", "count"]);
        for e in &s.errors {
            let _ = write!(
                out,
                "<tr><td class=\"text error-kind\">{}</td><td>{}</td></tr>",
                escape(&e.kind),
                e.count
            );
        }
        out.push_str("</tbody></table>");
    }
}

fn metrics_table(out: &mut String, s: &Summary) {
    let m = &s.metrics;
    if !m.is_empty() {
        out.push_str("<h2>Metrics</h2>");
        table_head(out, &["metric", "kind", "value"]);
        for (name, kind, value) in m.rows() {
            let _ = write!(
                out,
                "<tr><td class=\"text\">{}</td><td>{kind}</td><td>{}</td></tr>",
                escape(name),
                escape(&value)
            );
        }
        out.push_str("</tbody></table>");
    }
}

/// The plan, the limits and the footer that ends the page.
fn plan_and_footer(out: &mut String, s: &Summary) {
    out.push_str("<h2>Plan</h2>");
    table_head(out, &["load", "plan"]);
    for (i, load) in s.plan.loads.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td>{i}</td><td class=\"text\">{}</td></tr>",
            escape(&load.describe())
        );
    }
    out.push_str("</tbody></table>");
    let l = &s.limits;
    let _ = write!(
        out,
        "<p class=\"sub\">Timeout {}; graceful stop {}; interval {}.</p>",
        fmt_us(l.timeout_us),
        fmt_us(l.graceful_stop_us),
        fmt_us(l.interval_us)
    );
    let _ = writeln!(
        out,
        "<footer>Results schema version {}. Latency is measured from each iteration's intended start.</footer></main><script>{SCRIPT}</script></body></html>",
        s.schema_version
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert(\"x\" + 'y')</script> & more"),
            "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; more"
        );
    }

    #[test]
    fn nice_axis_bounds() {
        for (v, want) in [
            (0.0, 1.0),
            (0.7, 0.8),
            (1.0, 1.0),
            (1.2, 1.5),
            (3.0, 3.0),
            (7.0, 8.0),
            (201.0, 250.0),
            (420.0, 500.0),
        ] {
            assert_eq!(nice_max(v), want, "{v}");
        }
    }
}
