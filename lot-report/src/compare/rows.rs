//! The cells of a comparison's tables, formatted once for the text and
//! Markdown outputs.

use super::fmt_change;
use super::model::{Comparison, Group, Side};
use crate::units::fmt_us;

/// One row of a group's table.
pub(super) struct Row {
    /// Indented under a distribution's heading.
    pub nested: bool,
    pub label: String,
    pub base: String,
    pub new: String,
    pub change: String,
    pub relative: String,
    /// `*` when significant.
    pub mark: &'static str,
}

impl Row {
    fn new(label: impl Into<String>, cells: [String; 4], significant: bool) -> Row {
        let [base, new, change, relative] = cells;
        Row {
            nested: false,
            label: label.into(),
            base,
            new,
            change,
            relative,
            mark: if significant { "*" } else { "" },
        }
    }
}

/// A signed duration: `+1.20ms`, `-300µs`, `+0µs`.
pub(super) fn signed_us(delta: i64) -> String {
    let sign = if delta < 0 { '-' } else { '+' };
    format!("{sign}{}", fmt_us(delta.unsigned_abs()))
}

/// The rows of a group: counts, rates, then each distribution's heading,
/// statistics and distance.
pub(super) fn rows(g: &Group) -> Vec<Row> {
    let mut out = Vec::new();
    for c in &g.counts {
        let delta = i128::from(c.new) - i128::from(c.base);
        let rel = (c.base != 0).then(|| delta as f64 / c.base as f64);
        out.push(Row::new(
            c.name,
            [
                c.base.to_string(),
                c.new.to_string(),
                format!("{delta:+}"),
                if delta == 0 {
                    "+0.0%".to_owned()
                } else {
                    fmt_change(rel)
                },
            ],
            false,
        ));
    }
    for r in &g.rates {
        let cells = if r.name == "rps" {
            [
                format!("{:.1}/s", r.base),
                format!("{:.1}/s", r.new),
                format!("{:+.1}/s", r.delta),
                fmt_change(r.relative),
            ]
        } else {
            [
                format!("{:.3}%", r.base * 100.0),
                format!("{:.3}%", r.new * 100.0),
                format!("{:+.3}pp", r.delta * 100.0),
                if r.delta == 0.0 {
                    "+0.0%".to_owned()
                } else {
                    fmt_change(r.relative)
                },
            ]
        };
        out.push(Row::new(r.name, cells, r.significant));
    }
    for d in &g.distributions {
        out.push(Row::new(
            d.metric,
            [
                format!("n={}", d.base_count),
                format!("n={}", d.new_count),
                String::new(),
                String::new(),
            ],
            false,
        ));
        for q in &d.quantiles {
            let rel = if q.delta_us == 0 {
                "+0.0%".to_owned()
            } else {
                fmt_change(q.relative)
            };
            let mut row = Row::new(
                q.name.clone(),
                [
                    fmt_us(q.base_us),
                    fmt_us(q.new_us),
                    signed_us(q.delta_us),
                    rel,
                ],
                q.significant,
            );
            row.nested = true;
            out.push(row);
        }
        let mut row = Row::new(
            "KS D",
            [
                format!("{:.3}", d.ks.d),
                format!("±10% {:.3}", d.ks.d_tolerant),
                format!("crit {:.3}", d.ks.critical),
                if d.ks.significant { "differs" } else { "same" }.to_owned(),
            ],
            d.ks.significant,
        );
        row.nested = true;
        out.push(row);
    }
    out
}

/// How the gates came out: `3 passed`, or `1 of 3 FAILED`.
pub(super) fn gates_tally(c: &Comparison) -> String {
    let failed = c.gates.iter().filter(|g| !g.passed).count();
    if failed == 0 {
        format!("{} passed", c.gates.len())
    } else {
        format!("{failed} of {} FAILED", c.gates.len())
    }
}

/// The scenarios and steps only one run has, in words, one per line.
pub(super) fn unmatched(c: &Comparison) -> Vec<String> {
    c.unmatched
        .iter()
        .map(|u| {
            let side = match u.only_in {
                Side::Base => "base",
                Side::New => "new",
            };
            match &u.step {
                None => format!("scenario {} only in {side}", u.scenario),
                Some(step) => format!("step {} / {step} only in {side}", u.scenario),
            }
        })
        .collect()
}

/// The run's description: `base.json: 2026-…, 30.00s, 2000 scheduled`.
pub(super) fn describe(run: &super::RunLabel) -> String {
    let mut text = format!(
        "{}, {}, {} scheduled",
        crate::units::fmt_unix_ms(run.started_at_unix_ms),
        fmt_us(run.duration_us),
        run.scheduled
    );
    if !run.shards.is_empty() {
        text.push_str(&format!(", {}", run.shards));
    }
    text
}

/// What `*` means, for the outputs' legends.
pub(super) const LEGEND: &str = "* significant: the 95% intervals are apart, past 10% noise,\n  and the runs' interval series agree (see docs/compare.md)";
