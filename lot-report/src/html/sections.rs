//! The parts of the page rendered here, as HTML, from a [`Summary`]: the
//! line under the title, the headline cards, the thresholds and the tables.
//! Every string that comes from the run (names, error text, which may come
//! from the target) is escaped.

use std::fmt::Write as _;

use crate::html::markup::{card, escape, stats_cells, table_head};
use crate::html::requests::requests_tables;
use crate::model::Summary;
use crate::requests::per_second;
use crate::units::{fmt_bytes, fmt_us};

/// The HTML of the page's sections that are not charts, each a fragment
/// placed in its own element of the page ([`page`](crate::html::page)).
///
/// A live page starts with them empty and, when the run ends, takes them
/// from the final report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sections {
    /// The line under the title: how the run ended, its length, its start.
    pub subtitle: String,
    /// The headline numbers, as cards.
    pub headline: String,
    /// The thresholds' table (empty without thresholds).
    pub thresholds: String,
    /// The tables after the charts: latency, scenarios, steps, checks, HTTP
    /// requests, errors, metrics, the plan, and the footer.
    pub tables: String,
}

impl Sections {
    /// The sections of a finished run's report.
    pub fn from_summary(s: &Summary) -> Sections {
        let names: Vec<String> = s.scenarios.iter().map(|sc| escape(&sc.name)).collect();
        let mut headline = String::new();
        headline_cards(&mut headline, s);
        let mut thresholds = String::new();
        thresholds_table(&mut thresholds, s);
        let mut tables = String::with_capacity(32 * 1024);
        latency_table(&mut tables, s);
        scenarios_table(&mut tables, s, &names);
        steps_table(&mut tables, s, &names);
        checks_table(&mut tables, s, &names);
        requests_tables(&mut tables, s, &names);
        errors_table(&mut tables, s);
        metrics_table(&mut tables, s);
        plan_and_footer(&mut tables, s);
        Sections {
            subtitle: subtitle(s),
            headline,
            thresholds,
            tables,
        }
    }
}

/// How the run ended, how long it took, and when it started.
fn subtitle(s: &Summary) -> String {
    format!(
        "{} in {} (plan {}), started {}{}",
        s.stop_reason.describe(),
        fmt_us(s.duration_us),
        fmt_us(s.plan.duration_us),
        crate::units::fmt_unix_ms(s.started_at_unix_ms),
        match s.describe_shards() {
            d if d.is_empty() => d,
            d => format!("; {}", escape(&d)),
        }
    )
}

/// The cards of the headline numbers.
fn headline_cards(out: &mut String, s: &Summary) {
    let t = &s.totals;
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
}

/// The thresholds' table, with the abort that stopped the run.
fn thresholds_table(out: &mut String, s: &Summary) {
    let unlisted = s.abort_unlisted();
    if !s.thresholds.is_empty() || unlisted.is_some() {
        out.push_str("<h2>Thresholds</h2>");
        table_head(out, &["result", "threshold", "measured"], 2);
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
        1,
    );
    for (label, st) in [
        ("latency", &s.latency),
        ("service time", &s.service_time),
        ("schedule lag", &s.schedule_lag),
    ] {
        let _ = write!(out, "<tr><td class=\"text\">{label}</td>");
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
        1,
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
            2,
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
        table_head(
            out,
            &["scenario", "check", "pass rate", "passed", "failed"],
            2,
        );
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
        table_head(out, &["kind", "count"], 1);
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
        table_head(out, &["metric", "kind", "value"], 2);
        for (name, kind, value) in m.rows() {
            let _ = write!(
                out,
                "<tr><td class=\"text\">{}</td><td class=\"text\">{kind}</td><td>{}</td></tr>",
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
    table_head(out, &["load", "plan"], 2);
    for (i, load) in s.plan.loads.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"text\">{i}</td><td class=\"text\">{}</td></tr>",
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
    let _ = write!(
        out,
        "<footer>Results schema version {}. Latency is measured from each iteration's intended start.</footer>",
        s.schema_version
    );
}
