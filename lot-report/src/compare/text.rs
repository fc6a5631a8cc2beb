//! The comparison as text for a terminal, within 80 columns.

use std::fmt::Write as _;

use super::model::Comparison;
use super::rows::{LEGEND, describe, gates_tally, rows, unmatched};

/// The longest name shown before it is cut (with `…`), so the lines stay
/// within 80 columns.
const NAME: usize = 60;

fn cut(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let mut s: String = name.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// Renders the comparison as text.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "base  {}", cut(&c.base.label, NAME + 10));
    let _ = writeln!(out, "      {}", describe(&c.base));
    let _ = writeln!(out, "new   {}", cut(&c.new.label, NAME + 10));
    let _ = writeln!(out, "      {}", describe(&c.new));
    for w in &c.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    for g in &c.groups {
        let _ = writeln!(
            out,
            "\n{:<16}{:>12} {:>12} {:>12} {:>9}",
            cut(&g.title(), NAME),
            "base",
            "new",
            "change",
            ""
        );
        trim_end(&mut out);
        for r in rows(g) {
            let label = if r.nested {
                format!("  {}", r.label)
            } else {
                r.label
            };
            let _ = writeln!(
                out,
                "{:<16}{:>12} {:>12} {:>12} {:>9} {}",
                label, r.base, r.new, r.change, r.relative, r.mark
            );
            trim_end(&mut out);
        }
    }
    let lines = unmatched(c);
    if !lines.is_empty() {
        out.push('\n');
        for l in lines {
            let _ = writeln!(out, "{}", cut(&l, 78));
        }
    }
    if !c.gates.is_empty() {
        let _ = writeln!(out, "\ngates: {}", gates_tally(c));
        for g in &c.gates {
            let _ = writeln!(
                out,
                "  {} {}",
                if g.passed { "PASS" } else { "FAIL" },
                g.expression
            );
            let _ = writeln!(out, "       {}", g.measured);
        }
    }
    let _ = writeln!(out, "\n{LEGEND}");
    out
}

/// Drops the trailing spaces of the last line, keeping its newline.
fn trim_end(out: &mut String) {
    let body = out.trim_end_matches('\n').trim_end().len();
    out.truncate(body);
    out.push('\n');
}
