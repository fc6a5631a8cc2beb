//! The Markdown output: a compact summary fit for a CI job summary
//! (for example `LOT_OUT=md=$GITHUB_STEP_SUMMARY`).

use std::fmt::Write as _;

use crate::html;
use crate::model::Summary;
use crate::requests::{COLUMNS, PHASES, per_second};
use crate::stats::Stats;
use crate::units::{fmt_bytes, fmt_us};

/// Text from the run made safe inside a Markdown table cell: Markdown
/// punctuation is escaped, line breaks become spaces, and HTML special
/// characters become entities (as [`html::escape`] does).
pub fn escape(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => plain.push(' '),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' => {
                plain.push('\\');
                plain.push(c);
            }
            c => plain.push(c),
        }
    }
    html::escape(&plain)
}

fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        "–".to_owned()
    } else {
        format!("{:.2}%", n as f64 * 100.0 / of as f64)
    }
}

fn stats_row(out: &mut String, label: &str, st: &Stats) {
    let _ = writeln!(out, "| {label} | {} |", st.columns().join(" | "));
}

/// Renders `summary` as Markdown.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let t = &s.totals;
    let names: Vec<String> = s.scenarios.iter().map(|sc| escape(&sc.name)).collect();
    let reason = s.stop_reason.describe();
    let _ = writeln!(out, "## lot: {}\n", names.join(", "));
    out.push_str("| | |\n|---|---|\n");
    let _ = writeln!(
        out,
        "| run | {reason} in {} (plan {}), started {} |",
        fmt_us(s.duration_us),
        fmt_us(s.plan.duration_us),
        crate::units::fmt_unix_ms(s.started_at_unix_ms)
    );
    let shards = s.describe_shards();
    if !shards.is_empty() {
        let _ = writeln!(out, "| distributed run | {shards} |");
    }
    let _ = writeln!(
        out,
        "| scheduled | {} ({}) |",
        t.scheduled,
        s.scheduled_breakdown()
    );
    let _ = writeln!(
        out,
        "| arrival rate | {:.2}/s achieved, {:.2}/s target |",
        s.achieved_rps, s.target_rps
    );
    for (label, n) in [
        ("ok", t.ok),
        ("failed", t.failed),
        ("dropped", t.dropped),
        ("interrupted", t.interrupted),
    ] {
        let _ = writeln!(out, "| {label} | {n} ({}) |", percent(n, t.scheduled));
    }

    let http = s.http_totals();
    if !http.is_empty() {
        let _ = writeln!(
            out,
            "| http requests | {} ({:.2}/s), failed {} ({}), reused {:.2}%, sent {}, received {} |",
            http.requests,
            per_second(http.requests, s.duration_us),
            http.failed,
            percent(http.failed, http.requests),
            http.reused_rate() * 100.0,
            fmt_bytes(http.bytes_sent as f64),
            fmt_bytes(http.bytes_received as f64),
        );
    }
    thresholds(&mut out, s);

    out.push_str("\n### Latency\n\n| | min | mean | p50 | p90 | p95 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|---|---|\n");
    stats_row(&mut out, "latency", &s.latency);
    stats_row(&mut out, "service time", &s.service_time);
    stats_row(&mut out, "schedule lag", &s.schedule_lag);

    out.push_str("\n### Scenarios\n\n| scenario | scheduled | ok | failed | dropped | interrupted | p50 | p99 |\n|---|---|---|---|---|---|---|---|\n");
    for (sc, name) in s.scenarios.iter().zip(&names) {
        let c = &sc.totals;
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            c.scheduled,
            c.ok,
            c.failed,
            c.dropped,
            c.interrupted,
            fmt_us(sc.latency.p50_us),
            fmt_us(sc.latency.p99_us)
        );
    }

    if s.scenarios.iter().any(|sc| !sc.steps.is_empty()) {
        out.push_str("\n### Steps\n\n| scenario | step | ok | failed | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|---|\n");
        for (sc, name) in s.scenarios.iter().zip(&names) {
            for st in &sc.steps {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} | {} | {} | {} | {} | {} |",
                    escape(&st.name),
                    st.ok,
                    st.failed,
                    fmt_us(st.latency.p50_us),
                    fmt_us(st.latency.p90_us),
                    fmt_us(st.latency.p99_us),
                    fmt_us(st.latency.max_us)
                );
            }
        }
    }

    if s.scenarios.iter().any(|sc| !sc.checks.is_empty()) {
        out.push_str("\n### Checks\n\n| scenario | check | pass rate | passed | failed |\n|---|---|---|---|---|\n");
        for (sc, name) in s.scenarios.iter().zip(&names) {
            for c in &sc.checks {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {:.2}% | {} | {} |",
                    escape(&c.name),
                    c.pass_rate * 100.0,
                    c.passed,
                    c.failed
                );
            }
        }
    }

    requests(&mut out, s, &names);

    if !s.errors.is_empty() {
        out.push_str("\n### Errors\n\n| count | kind |\n|---|---|\n");
        for e in &s.errors {
            let _ = writeln!(out, "| {} | {} |", e.count, escape(&e.kind));
        }
    }

    let m = &s.metrics;
    if !m.is_empty() {
        out.push_str("\n### Metrics\n\n| metric | kind | value |\n|---|---|---|\n");
        for (name, kind, value) in m.rows() {
            let _ = writeln!(out, "| {} | {kind} | {} |", escape(name), escape(&value));
        }
    }
    out
}

/// Each scenario's HTTP requests: their counts and exact status codes, then
/// their phases' p50 and p99.
fn requests(out: &mut String, s: &Summary, names: &[String]) {
    let cell = |st: &Stats| {
        if st.count == 0 {
            "–".to_owned()
        } else {
            format!("{} / {}", fmt_us(st.p50_us), fmt_us(st.p99_us))
        }
    };
    for (sc, name) in s.scenarios.iter().zip(names) {
        if sc.requests.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n### HTTP requests: {name}\n\n| {} |\n|{}",
            COLUMNS.join(" | "),
            "---|".repeat(COLUMNS.len())
        );
        for r in &sc.requests {
            for cell in r.cells() {
                let _ = write!(out, "| {} ", escape(&cell));
            }
            out.push_str("|\n");
        }
        out.push_str("\n| step | request (p50 / p99) |");
        for phase in PHASES {
            let _ = write!(out, " {phase} |");
        }
        out.push_str("\n|---|---|---|---|---|---|---|---|\n");
        for r in &sc.requests {
            let _ = write!(
                out,
                "| {} | {} |",
                escape(r.step.as_deref().unwrap_or("")),
                escape(&r.name)
            );
            for st in r.phases() {
                let _ = write!(out, " {} |", cell(st));
            }
            out.push('\n');
        }
    }
}

/// The thresholds' line of the run's table and their own table, with the
/// abort that stopped the run.
fn thresholds(out: &mut String, s: &Summary) {
    let (failed, all) = s.threshold_counts();
    if all > 0 {
        let unlisted = s.abort_unlisted();
        let _ = writeln!(
            out,
            "| thresholds | {} |",
            if failed == 0 {
                format!("all {all} passed")
            } else {
                format!("**{failed} of {all} failed**")
            }
        );
        out.push_str("\n### Thresholds\n\n| result | threshold | measured |\n|---|---|---|\n");
        for t in &s.thresholds {
            let measured = match s.abort_of(&t.expression) {
                Some(abort) => format!("{}; {}", t.measured, abort.describe()),
                None => t.measured.clone(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                if t.passed { "pass" } else { "**FAIL**" },
                escape(&t.expression),
                escape(&measured)
            );
        }
        if let Some(abort) = unlisted {
            let _ = writeln!(
                out,
                "| **FAIL** | {} | {} |",
                escape(&abort.expression),
                escape(&abort.describe())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_cells() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(
            escape("<script>alert(\"x\")</script>"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(escape("**bold** [link]"), "\\*\\*bold\\*\\* \\[link\\]");
    }
}
