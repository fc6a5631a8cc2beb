//! The terminal output: live progress while running, a summary at the end.
//!
//! Everything goes to standard error, so standard output stays free for
//! `LOT_OUT=json=-`. On a terminal the live line is redrawn in place every
//! interval, cut to the terminal's width (a line that wrapped would leave a
//! stale row at every redraw); elsewhere (CI logs) a plain progress line is
//! printed every 5 s. The summary fits 80 columns: its tables are laid out
//! for them, and longer lines (long names, error texts) are wrapped.
//! [`Notice`]s are lines of their own starting `lot: `, wrapped the same
//! way; the live line is erased before them and drawn again after them.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::model::{Interval, ScenarioSummary, Start, Summary};
use crate::reporter::{BoxError, Notice, NoticeLevel, Reporter};
use crate::requests::per_second;
use crate::stats::Stats;
use crate::units::fmt_bytes;
/// Re-exported from [`units`](crate::units), where every output takes them from.
pub use crate::units::{fmt_unix_ms, fmt_us};

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

/// The width the summary fits, and the live line's when the terminal's own
/// cannot be read.
pub const WIDTH: usize = 80;

/// Progress and summary on standard error.
#[derive(Debug)]
pub struct TerminalReporter {
    progress: Progress,
    plan_us: u64,
    last_plain: Option<Instant>,
    /// The live line as last drawn, while it is on the screen.
    live_line: Option<String>,
}

impl TerminalReporter {
    /// A terminal reporter showing progress as `progress` says.
    pub fn new(progress: Progress) -> TerminalReporter {
        TerminalReporter {
            progress,
            plan_us: 0,
            last_plain: None,
            live_line: None,
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
        self.write(&wrap(&text, WIDTH))
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        let line = progress_line(interval, self.plan_us);
        match self.progress {
            Progress::Off => Ok(()),
            Progress::Live => {
                // One column is left free: a line as wide as the terminal
                // makes some terminals wrap the cursor to the next row.
                let width = terminal_size::terminal_size_of(std::io::stderr())
                    .map_or(WIDTH, |(w, _)| usize::from(w.0))
                    .saturating_sub(1);
                let line = progress_line_within(interval, self.plan_us, width);
                let text = format!("{ERASE_LINE}{line}");
                self.live_line = Some(line);
                self.write(&text)
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
        if self.live_line.take().is_some() {
            text.push_str(ERASE_LINE);
        }
        text.push_str(&render_summary(summary));
        self.write(&text)
    }

    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        match self.render_notice(notice) {
            Some(text) => self.write(&text),
            None => Ok(()),
        }
    }
}

/// Moves the cursor to the start of the row and clears the row.
const ERASE_LINE: &str = "\r\x1b[2K";

impl TerminalReporter {
    /// What [`notice`](Reporter::notice) writes for `notice`, if anything:
    /// its own lines, starting `lot: ` and wrapped at [`WIDTH`], with the
    /// live line erased before them and drawn again after them, so that no
    /// stale row is left. An [`Info`](NoticeLevel::Info) notice is left out
    /// when progress is off; a warning never is.
    fn render_notice(&self, notice: &Notice) -> Option<String> {
        if notice.level == NoticeLevel::Info && self.progress == Progress::Off {
            return None;
        }
        let mut text = String::new();
        if self.live_line.is_some() {
            text.push_str(ERASE_LINE);
        }
        text.push_str(&wrap(&format!("lot: {}\n", notice.text.trim_end()), WIDTH));
        if let Some(line) = &self.live_line {
            text.push_str(line);
        }
        Some(text)
    }
}

/// The one-line progress report of an interval, with every field.
pub fn progress_line(interval: &Interval, plan_us: u64) -> String {
    progress_line_within(interval, plan_us, usize::MAX)
}

/// The one-line progress report of an interval in at most `width`
/// characters: the fields that fit, the least telling left out first (the
/// interval's HTTP requests per second and error statuses, when requests
/// were recorded; then latency p50, iterations in flight, dropped, latency
/// p99, and the rate's target). The elapsed time always stays.
pub fn progress_line_within(interval: &Interval, plan_us: u64, width: usize) -> String {
    let elapsed = interval.start_us + interval.duration_us;
    let c = &interval.cumulative;
    // In the order shown, each with its rank: the lower, the longer it stays.
    let mut fields = vec![
        (0, format!("{}/{}", fmt_us(elapsed), fmt_us(plan_us))),
        (1, format!("{:.1}/s", interval.achieved_rps)),
        (5, format!("of {:.1}/s", interval.target_rps)),
        (2, format!("ok {}", c.ok)),
        (3, format!("failed {}", c.failed)),
        (6, format!("dropped {}", c.dropped)),
        (7, format!("in flight {}", interval.in_flight)),
        (8, format!("p50 {}", fmt_us(interval.latency.p50_us))),
        (4, format!("p99 {}", fmt_us(interval.latency.p99_us))),
    ];
    let http = interval.http();
    if http.requests > 0 {
        let per_second = per_second(http.requests, interval.duration_us);
        fields.push((9, format!("http {per_second:.0}/s")));
        if http.status_4xx + http.status_5xx > 0 {
            let (e4, e5) = (http.status_4xx, http.status_5xx);
            fields.push((10, format!("4xx {e4} 5xx {e5}")));
        }
    }
    let line = |kept: usize| {
        let mut line = String::new();
        for (rank, field) in &fields {
            if *rank < kept {
                if !line.is_empty() {
                    // The target belongs to the rate before it.
                    line.push_str(if field.starts_with("of ") { " " } else { "  " });
                }
                line.push_str(field);
            }
        }
        line
    };
    (1..=fields.len())
        .rev()
        .map(line)
        .find(|l| l.chars().count() <= width)
        .unwrap_or_else(|| line(1))
}

/// The end-of-run summary as text: counts, rates, latency table, errors,
/// within [`WIDTH`] columns.
pub fn render_summary(s: &Summary) -> String {
    wrap(&summary_lines(s), WIDTH)
}

fn summary_lines(s: &Summary) -> String {
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
        "  scheduled    {:>10}   {}",
        t.scheduled,
        s.scheduled_breakdown(),
    );
    let _ = writeln!(
        out,
        "  arrival rate {:>10}   target {:.2}/s, achieved {:.2}/s",
        "", s.target_rps, s.achieved_rps
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
    scenario_lines(&mut out, s);
    let m = &s.metrics;
    if !m.is_empty() {
        out.push_str("\n  metrics\n");
        for (name, kind, value) in m.rows() {
            let _ = writeln!(out, "    {name:<28} {kind:<10} {value}");
        }
    }
    threshold_lines(&mut out, s);
    if !s.errors.is_empty() {
        out.push_str("\n  errors\n");
        for e in &s.errors {
            // A long kind continues under its own first character.
            let row = format!("  {:>10}  {}", e.count, e.kind);
            out.push_str(&wrap_line(&row, WIDTH, 14));
            out.push('\n');
        }
    }
    if let Some(line) = all_failed(s) {
        let _ = writeln!(out, "\n{line}");
    }
    out
}

/// Each scenario's own tables (when there are several), steps, checks and
/// HTTP requests.
fn scenario_lines(out: &mut String, s: &Summary) {
    for sc in &s.scenarios {
        if s.scenarios.len() > 1 {
            let st = &sc.totals;
            let _ = writeln!(
                out,
                "\n  scenario {}: scheduled {}, ok {}, failed {}, dropped {}, interrupted {}",
                sc.name, st.scheduled, st.ok, st.failed, st.dropped, st.interrupted
            );
            stats_table(out, "  ", &sc.latency, &sc.service_time, &sc.schedule_lag);
        }
        if !sc.steps.is_empty() {
            let _ = writeln!(
                out,
                "\n  steps of {:<21}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
                sc.name, "ok", "failed", "p50", "p90", "p99", "max"
            );
            for st in &sc.steps {
                let _ = writeln!(
                    out,
                    "    {:<28}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
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
        http_lines(out, sc, s.duration_us);
    }
}

/// A scenario's HTTP requests: their counts together, with rates over the
/// run's `duration_us`, then each request's count and wait and duration
/// percentiles.
fn http_lines(out: &mut String, sc: &ScenarioSummary, duration_us: u64) {
    if sc.requests.is_empty() {
        return;
    }
    let t = sc.http_totals();
    let _ = writeln!(
        out,
        "\n  http requests of {}: {} ({:.2}/s), failed {} ({}), reused {:.2}%",
        sc.name,
        t.requests,
        per_second(t.requests, duration_us),
        t.failed,
        percent(t.failed, t.requests),
        t.reused_rate() * 100.0
    );
    let _ = writeln!(
        out,
        "    sent {} ({}/s), received {} ({}/s)",
        fmt_bytes(t.bytes_sent as f64),
        fmt_bytes(per_second(t.bytes_sent, duration_us)),
        fmt_bytes(t.bytes_received as f64),
        fmt_bytes(per_second(t.bytes_received, duration_us)),
    );
    let mut classes: Vec<String> = (1..=5)
        .filter(|&c| c > 1 || t.status_class(c) > 0)
        .map(|c| format!("{c}xx {}", t.status_class(c)))
        .collect();
    if t.status_other > 0 {
        classes.push(format!("other {}", t.status_other));
    }
    let _ = writeln!(out, "    status {}", classes.join(", "));
    // 4 + 28 + 6 × 8 = 80 columns.
    let _ = writeln!(
        out,
        "    {:<28}{:>16}{:>16}{:>16}",
        "", "", "wait", "duration"
    );
    let _ = writeln!(
        out,
        "    {:<28}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
        "request", "count", "failed", "p50", "p99", "p50", "p99"
    );
    for r in &sc.requests {
        let label = r.label();
        // A long name gets a line of its own, so the numbers stay in their
        // columns.
        let name = if label.chars().count() > 27 {
            let _ = writeln!(out, "    {label}");
            String::new()
        } else {
            label
        };
        let _ = writeln!(
            out,
            "    {name:<28}{:>8}{:>8}{:>8}{:>8}{:>8}{:>8}",
            r.count,
            r.failed,
            fmt_us(r.wait.p50_us),
            fmt_us(r.wait.p99_us),
            fmt_us(r.duration.p50_us),
            fmt_us(r.duration.p99_us),
        );
    }
}

/// The thresholds, with the abort that stopped the run.
fn threshold_lines(out: &mut String, s: &Summary) {
    let (failed, all) = s.threshold_counts();
    if all > 0 {
        let unlisted = s.abort_unlisted();
        let _ = writeln!(
            out,
            "\n  thresholds: {}",
            if failed == 0 {
                "all passed".to_owned()
            } else {
                format!("{failed} of {all} FAILED")
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
            if let Some(abort) = s.abort_of(&t.expression) {
                let _ = writeln!(out, "         {}", abort.describe());
            }
        }
        if let Some(abort) = unlisted {
            let _ = writeln!(
                out,
                "    FAIL {:<36} {}",
                abort.expression,
                abort.describe()
            );
        }
    }
}

/// The one line that says a run failed every iteration it finished, with
/// the error it failed with most often, as the last thing a user reads: a
/// program that cannot reach its target otherwise looks much like one that
/// ran.
fn all_failed(s: &Summary) -> Option<String> {
    let t = &s.totals;
    if t.failed == 0 || t.ok > 0 {
        return None;
    }
    let top = s.errors.iter().max_by_key(|e| e.count)?;
    Some(if s.errors.len() == 1 {
        format!("lot: every iteration failed: {}", top.kind)
    } else {
        format!(
            "lot: every iteration failed; most often ({} of {}): {}",
            top.count, t.failed, top.kind
        )
    })
}

/// `text` with every line longer than `width` characters broken at spaces,
/// each continuation indented four columns past its line's own indent.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let indent = body.len() - body.trim_start().len() + 4;
        out.push_str(&wrap_line(body, width, indent));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// `line` broken at spaces into rows of at most `width` characters, the
/// rows after the first indented by `indent` spaces.
fn wrap_line(line: &str, width: usize, indent: usize) -> String {
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let mut out = String::new();
    let mut rest = line;
    let mut first = true;
    while !rest.is_empty() {
        let room = if first {
            width
        } else {
            width.saturating_sub(indent).max(1)
        };
        let piece = if rest.chars().count() <= room {
            rest
        } else {
            // Break at the last space that fits, or mid-word when a word
            // alone is longer than the room.
            let fit = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
            // On the first row, not within the part that later rows' indent
            // stands for (a count, a label).
            let least = if first { indent.min(fit) } else { 0 };
            match rest[..fit].rfind(' ').filter(|&i| i > least) {
                Some(space) => &rest[..space],
                None => &rest[..fit],
            }
        };
        if !first {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(piece.trim_end());
        rest = rest[piece.len()..].trim_start();
        first = false;
    }
    out
}

fn stats_table(out: &mut String, indent: &str, latency: &Stats, service: &Stats, lag: &Stats) {
    // 2 + 12 + 8 × 8 = 78 columns, 80 with a scenario's indent.
    let _ = write!(out, "{indent}  {:<12}", "");
    for h in crate::stats::STATS_COLUMNS {
        let _ = write!(out, "{h:>8}");
    }
    out.push('\n');
    for (label, st) in [
        ("latency", latency),
        ("service time", service),
        ("schedule lag", lag),
    ] {
        let _ = write!(out, "{indent}  {label:<12}");
        for v in st.columns() {
            let _ = write!(out, "{v:>8}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn quickstart() -> Summary {
        serde_json::from_str(include_str!("../tests/it/data/quickstart.json"))
            .expect("the quickstart fixture is a results document")
    }

    #[track_caller]
    fn check_fits(text: &str, width: usize) {
        for line in text.lines() {
            assert!(
                line.chars().count() <= width,
                "{} columns: {line:?}",
                line.chars().count()
            );
        }
    }

    #[test]
    fn the_summary_fits_80_columns() {
        let mut s = quickstart();
        // Long error texts, a shard's description and a failed threshold.
        s.errors = vec![
            crate::ErrorCount {
                kind: "connection closed before the response began: connection reset by peer (os error 104) while the target was still reading the request body".into(),
                count: 12_345_678,
            },
            crate::ErrorCount {
                kind: "x".repeat(200),
                count: 1,
            },
        ];
        s.totals.failed = 12_345_679;
        s.segment = Some(crate::Segment {
            index: 3,
            count: 16,
        });
        let text = render_summary(&s);
        check_fits(&text, WIDTH);
        // Wrapping loses nothing: the words are all there, in order.
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().concat();
        assert_eq!(words(&text), words(&summary_lines(&s)));
        assert!(
            text.contains("\n              peer (os error 104) while the target was still reading the\n              request body\n"),
            "{text}"
        );
    }

    #[test]
    fn a_run_that_failed_every_iteration_says_so_last() {
        let mut s = quickstart();
        s.totals.failed = s.totals.ok;
        s.totals.ok = 0;
        s.errors = vec![crate::ErrorCount {
            kind: "builder error: invalid URL, scheme is not http".into(),
            count: s.totals.failed,
        }];
        let text = render_summary(&s);
        assert_eq!(
            text.lines().last(),
            Some("lot: every iteration failed: builder error: invalid URL, scheme is not http")
        );
        s.errors.push(crate::ErrorCount {
            kind: "timeout".into(),
            count: 1,
        });
        s.errors[0].count -= 1;
        let text = render_summary(&s);
        let tail: Vec<&str> = text.lines().rev().take(2).collect();
        assert_eq!(
            tail,
            [
                "    URL, scheme is not http",
                "lot: every iteration failed; most often (1999 of 2000): builder error: invalid",
            ]
        );
        // A run with any success says nothing of the kind.
        let ok = render_summary(&quickstart());
        assert!(!ok.contains("every iteration failed"), "{ok}");
    }

    #[test]
    fn the_live_line_fits_the_terminal() {
        let s = quickstart();
        let mut interval = s.intervals[s.intervals.len() / 2].clone();
        interval.cumulative.ok = 123_456_789;
        interval.cumulative.failed = 1_234_567;
        interval.cumulative.dropped = 12_345;
        interval.in_flight = 10_000;
        let full = progress_line(&interval, s.plan.duration_us);
        assert!(full.contains("in flight 10000"), "{full}");
        assert!(full.contains("p50 "), "{full}");
        let mut previous = full.chars().count();
        for width in [200, 100, 79, 60, 40, 20, 0] {
            let line = progress_line_within(&interval, s.plan.duration_us, width);
            let n = line.chars().count();
            assert!(
                n <= width.max(line.find(' ').unwrap_or(n)),
                "{width}: {line}"
            );
            assert!(n <= previous, "{width}: {line}");
            previous = n;
            // The elapsed time comes first, whatever the width.
            assert!(line.starts_with(&full[..full.find(' ').unwrap()]), "{line}");
        }
        let at_79 = progress_line_within(&interval, s.plan.duration_us, 79);
        assert!(at_79.contains("ok 123456789  failed 1234567"), "{at_79}");
        assert!(!at_79.contains("p50"), "{at_79}");
    }

    #[test]
    fn the_live_line_shows_http_requests_when_there_are_any_and_drops_them_first() {
        let s = quickstart();
        let mut interval = s.intervals[s.intervals.len() / 2].clone();
        let plain = progress_line(&interval, s.plan.duration_us);
        assert!(!plain.contains("http"), "{plain}");
        interval.duration_us = 1_000_000;
        let http = &mut interval.scenarios[0].http;
        (
            http.requests,
            http.status_2xx,
            http.status_4xx,
            http.status_5xx,
        ) = (4_998, 4_990, 5, 3);
        let full = progress_line(&interval, s.plan.duration_us);
        assert!(full.ends_with("  http 4998/s  4xx 5 5xx 3"), "{full}");
        let narrower = progress_line_within(&interval, s.plan.duration_us, full.len() - 1);
        assert!(narrower.ends_with("  http 4998/s"), "{narrower}");
        assert!(narrower.contains("p50 "), "{narrower}");
        interval.scenarios[0].http.status_4xx = 0;
        interval.scenarios[0].http.status_5xx = 0;
        let healthy = progress_line(&interval, s.plan.duration_us);
        assert!(healthy.ends_with("  http 4998/s"), "{healthy}");
    }

    #[test]
    fn a_notice_is_its_own_lines_and_leaves_no_stale_row() {
        let info = Notice::info("waiting 2.00s for LOT_START_AT");
        let long = Notice::warning(format!(
            "reporter json (run.json) failed (further failures are only counted): {}",
            "no space left on device (os error 28) ".repeat(2)
        ));
        let plain = TerminalReporter::new(Progress::Plain);
        assert_eq!(
            plain.render_notice(&info).as_deref(),
            Some("lot: waiting 2.00s for LOT_START_AT\n")
        );
        assert_eq!(
            plain.render_notice(&long).as_deref(),
            Some(
                "lot: reporter json (run.json) failed (further failures are only counted): no\n    space left on device (os error 28) no space left on device (os error 28)\n"
            )
        );
        // On a terminal, the live line is erased first and drawn again after.
        let mut live = TerminalReporter::new(Progress::Live);
        live.live_line = Some("1.00s/15.0s  133.3/s".to_owned());
        assert_eq!(
            live.render_notice(&info).as_deref(),
            Some("\r\x1b[2Klot: waiting 2.00s for LOT_START_AT\n1.00s/15.0s  133.3/s")
        );
        // Quiet: warnings only.
        let quiet = TerminalReporter::new(Progress::Off);
        assert_eq!(quiet.render_notice(&info), None);
        assert_eq!(
            quiet
                .render_notice(&Notice::warning("a panic\n"))
                .as_deref(),
            Some("lot: a panic\n")
        );
    }
}
