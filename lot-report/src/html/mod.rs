//! The HTML output: one self-contained page with the run's headline, charts
//! and tables.
//!
//! Charts are inline SVG drawn here, so the page needs no network and no
//! script to show them; a few lines of inline script only mark, once the
//! page has laid out, how many chart series were drawn with a visible size
//! (`data-charts-rendered` on the root element). Every string that comes from
//! the run (names, error text, which may come from the target) is escaped.

use std::fmt::Write as _;

use crate::model::Summary;
use crate::requests::per_second;
use crate::units::{fmt_bytes, fmt_us};

mod chart;
mod markup;
mod requests;

use chart::charts;
pub use markup::escape;
use markup::{card, stats_cells, table_head};
use requests::requests_tables;

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
tr.request>td{vertical-align:top}td.status{min-width:120px}table.phases{width:auto;font-size:12px;margin:0 0 0 auto}table.phases td,table.phases th{padding:1px 6px;border-bottom:none}
";

const SCRIPT: &str = "
window.addEventListener('load',function(){var n=0;document.querySelectorAll('svg polyline.series').forEach(function(p){var b=p.getBBox();if(p.points.length>0&&(b.width>0||b.height>0)){n++;p.setAttribute('data-rendered','true');}});document.documentElement.setAttribute('data-charts-rendered',String(n));});
";

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
    requests_tables(&mut out, s, &names);
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
    let (failed, all) = s.threshold_counts();
    if all > 0 {
        let passed = all - failed;
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
    let http = s.http_totals();
    if !http.is_empty() {
        card(
            out,
            "",
            &http.requests.to_string(),
            &format!(
                "HTTP requests ({:.2}/s, {:.2}% reused)",
                per_second(http.requests, s.duration_us),
                http.reused_rate() * 100.0
            ),
        );
        card(
            out,
            if http.failed > 0 { "bad" } else { "" },
            &http.failed.to_string(),
            "HTTP requests failed",
        );
        card(
            out,
            "",
            &fmt_bytes(http.bytes_received as f64),
            &format!(
                "received ({}/s; sent {})",
                fmt_bytes(per_second(http.bytes_received, s.duration_us)),
                fmt_bytes(http.bytes_sent as f64)
            ),
        );
    }
    out.push_str("</section>");
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
