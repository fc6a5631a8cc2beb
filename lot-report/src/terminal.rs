//! The terminal output: live progress while running, a summary at the end.
//!
//! Everything goes to standard error, so standard output stays free for
//! `LOT_OUT=json=-`. On a terminal the live line is redrawn in place every
//! interval; elsewhere (CI logs) a plain progress line is printed every 5 s.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::model::{Interval, Start, Summary};
use crate::reporter::{BoxError, Reporter};
use crate::stats::Stats;

/// How progress is shown while a run goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// One line redrawn in place (a terminal).
    Live,
    /// A plain line every few seconds (logs).
    Plain,
    /// No progress; the summary still prints (`LOT_QUIET=1`).
    Off,
}

impl Progress {
    /// `Live` when standard error is a terminal, `Plain` otherwise.
    pub fn detect() -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::Live
        } else {
            Progress::Plain
        }
    }
}

/// How often a plain progress line is printed.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Progress and summary on standard error.
#[derive(Debug)]
pub struct TerminalReporter {
    progress: Progress,
    plan_us: u64,
    last_plain: Option<Instant>,
    line_drawn: bool,
}

impl TerminalReporter {
    /// A terminal reporter showing progress as `progress` says.
    pub fn new(progress: Progress) -> TerminalReporter {
        TerminalReporter {
            progress,
            plan_us: 0,
            last_plain: None,
            line_drawn: false,
        }
    }

    fn write(&mut self, text: &str) -> Result<(), BoxError> {
        let mut err = std::io::stderr().lock();
        err.write_all(text.as_bytes())?;
        err.flush()?;
        Ok(())
    }
}

impl Default for TerminalReporter {
    fn default() -> TerminalReporter {
        TerminalReporter::new(Progress::detect())
    }
}

#[async_trait]
impl Reporter for TerminalReporter {
    fn name(&self) -> String {
        "terminal".to_owned()
    }

    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        self.plan_us = start.plan.duration_us;
        let mut text = format!(
            "lot: {} starting ({} iterations planned at arrival rates, {} in all)\n",
            start.scenarios.join(", "),
            start.plan.iterations,
            fmt_us(start.plan.duration_us),
        );
        for load in &start.plan.loads {
            let _ = writeln!(text, "  {}", load.describe());
        }
        self.write(&text)
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        let line = progress_line(interval, self.plan_us);
        match self.progress {
            Progress::Off => Ok(()),
            Progress::Live => {
                self.line_drawn = true;
                self.write(&format!("\r\x1b[2K{line}"))
            }
            Progress::Plain => {
                let now = Instant::now();
                let due = self
                    .last_plain
                    .is_none_or(|last| now.duration_since(last) >= PLAIN_EVERY);
                if !due {
                    return Ok(());
                }
                self.last_plain = Some(now);
                self.write(&format!("{line}\n"))
            }
        }
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        let mut text = String::new();
        if self.line_drawn {
            text.push_str("\r\x1b[2K");
        }
        text.push_str(&render_summary(summary));
        self.write(&text)
    }
}

/// The one-line progress report of an interval.
pub fn progress_line(interval: &Interval, plan_us: u64) -> String {
    let elapsed = interval.start_us + interval.duration_us;
    let c = &interval.cumulative;
    format!(
        "{}/{}  target {:.1}/s  achieved {:.1}/s  in flight {}  ok {}  failed {}  dropped {}  p50 {}  p99 {}",
        fmt_us(elapsed),
        fmt_us(plan_us),
        interval.target_rps,
        interval.achieved_rps,
        interval.in_flight,
        c.ok,
        c.failed,
        c.dropped,
        fmt_us(interval.latency.p50_us),
        fmt_us(interval.latency.p99_us),
    )
}

/// The end-of-run summary as text: counts, rates, latency table, errors.
pub fn render_summary(s: &Summary) -> String {
    let mut out = String::new();
    let reason = s.stop_reason.describe();
    let t = &s.totals;
    let _ = writeln!(
        out,
        "\nlot summary: {reason} in {} (plan {}), started {}{}",
        fmt_us(s.duration_us),
        fmt_us(s.plan.duration_us),
        fmt_unix_ms(s.started_at_unix_ms),
        match s.describe_shards() {
            d if d.is_empty() => d,
            d => format!("; {d}"),
        }
    );
    let _ = writeln!(
        out,
        "  scheduled    {:>10}   {}; arrival rate target {:.2}/s, achieved {:.2}/s",
        t.scheduled,
        s.scheduled_breakdown(),
        s.target_rps,
        s.achieved_rps
    );
    for (label, n) in [
        ("ok", t.ok),
        ("failed", t.failed),
        ("dropped", t.dropped),
        ("interrupted", t.interrupted),
    ] {
        let _ = writeln!(out, "  {label:<12} {n:>10}   {}", percent(n, t.scheduled));
    }
    out.push('\n');
    stats_table(&mut out, "", &s.latency, &s.service_time, &s.schedule_lag);
    for sc in &s.scenarios {
        if s.scenarios.len() > 1 {
            let st = &sc.totals;
            let _ = writeln!(
                out,
                "\n  scenario {}: scheduled {}, ok {}, failed {}, dropped {}, interrupted {}",
                sc.name, st.scheduled, st.ok, st.failed, st.dropped, st.interrupted
            );
            stats_table(
                &mut out,
                "  ",
                &sc.latency,
                &sc.service_time,
                &sc.schedule_lag,
            );
        }
        if !sc.steps.is_empty() {
            let _ = writeln!(
                out,
                "\n  steps of {:<22}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}",
                sc.name, "ok", "failed", "p50", "p90", "p99", "max"
            );
            for st in &sc.steps {
                let _ = writeln!(
                    out,
                    "    {:<28}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}",
                    st.name,
                    st.ok,
                    st.failed,
                    fmt_us(st.latency.p50_us),
                    fmt_us(st.latency.p90_us),
                    fmt_us(st.latency.p99_us),
                    fmt_us(st.latency.max_us),
                );
                // A step's failures are shown even when the scenario handled
                // them (and the iteration succeeded).
                for e in st.errors.iter().take(3) {
                    let _ = writeln!(out, "      {:>8}  {}", e.count, e.kind);
                }
                if st.errors.len() > 3 {
                    let _ = writeln!(
                        out,
                        "      (+{} more kinds in the JSON output)",
                        st.errors.len() - 3
                    );
                }
            }
        }
        if !sc.checks.is_empty() {
            let _ = writeln!(out, "\n  checks of {}", sc.name);
            for c in &sc.checks {
                let _ = writeln!(
                    out,
                    "    {:<28}{:>8.2}%   {} passed, {} failed",
                    c.name,
                    c.pass_rate * 100.0,
                    c.passed,
                    c.failed
                );
            }
        }
    }
    let m = &s.metrics;
    if !m.is_empty() {
        out.push_str("\n  metrics\n");
        for (name, kind, value) in m.rows() {
            let _ = writeln!(out, "    {name:<28} {kind:<10} {value}");
        }
    }
    if !s.thresholds.is_empty() {
        let failed = s.thresholds.iter().filter(|t| !t.passed).count();
        let _ = writeln!(
            out,
            "\n  thresholds: {}",
            if failed == 0 {
                "all passed".to_owned()
            } else {
                format!("{failed} of {} FAILED", s.thresholds.len())
            }
        );
        for t in &s.thresholds {
            let _ = writeln!(
                out,
                "    {} {:<36} measured {}",
                if t.passed { "pass" } else { "FAIL" },
                t.expression,
                t.measured
            );
        }
    }
    if !s.errors.is_empty() {
        out.push_str("\n  errors\n");
        for e in &s.errors {
            let _ = writeln!(out, "  {:>10}  {}", e.count, e.kind);
        }
    }
    out
}

fn stats_table(out: &mut String, indent: &str, latency: &Stats, service: &Stats, lag: &Stats) {
    let _ = write!(out, "{indent}  {:<14}", "");
    for h in crate::stats::STATS_COLUMNS {
        let _ = write!(out, "{h:>9}");
    }
    out.push('\n');
    for (label, st) in [
        ("latency", latency),
        ("service time", service),
        ("schedule lag", lag),
    ] {
        let _ = write!(out, "{indent}  {label:<14}");
        for v in st.columns() {
            let _ = write!(out, "{v:>9}");
        }
        out.push('\n');
    }
}

fn percent(n: u64, of: u64) -> String {
    if of == 0 {
        String::new()
    } else {
        format!("{:.2}%", n as f64 * 100.0 / of as f64)
    }
}

/// Formats milliseconds since the Unix epoch as `2026-11-26 05:52:08 UTC`.
pub fn fmt_unix_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Formats microseconds for people: `850µs`, `12.3ms`, `4.50s`, `2m05s`.
pub fn fmt_us(us: u64) -> String {
    match us {
        0..1_000 => format!("{us}µs"),
        1_000..10_000 => format!("{:.2}ms", us as f64 / 1e3),
        10_000..1_000_000 => format!("{:.1}ms", us as f64 / 1e3),
        1_000_000..60_000_000 => format!("{:.2}s", us as f64 / 1e6),
        _ => {
            let s = us / 1_000_000;
            format!("{}m{:02}s", s / 60, s % 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_wall_clock() {
        assert_eq!(fmt_unix_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(fmt_unix_ms(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(fmt_unix_ms(1_795_672_311_426), "2026-11-26 05:51:51 UTC");
    }

    #[test]
    fn formats_durations() {
        for (us, want) in [
            (0, "0µs"),
            (999, "999µs"),
            (1_234, "1.23ms"),
            (12_345, "12.3ms"),
            (4_500_000, "4.50s"),
            (125_000_000, "2m05s"),
        ] {
            assert_eq!(fmt_us(us), want);
        }
    }
}
