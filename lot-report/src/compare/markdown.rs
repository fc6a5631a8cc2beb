//! The comparison as GitHub-flavoured Markdown, for a pull-request comment
//! or `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write as _;

use super::model::Comparison;
use super::rows::{LEGEND, describe, gates_tally, rows, unmatched};

/// `text` safe in a table cell: Markdown's and HTML's special characters
/// escaped, a newline as a space.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Renders the comparison as Markdown.
pub fn render(c: &Comparison) -> String {
    let mut out = String::from("## lot: comparison\n\n");
    let _ = writeln!(
        out,
        "- base: `{}`: {}",
        cell(&c.base.label),
        describe(&c.base)
    );
    let _ = writeln!(out, "- new: `{}`: {}", cell(&c.new.label), describe(&c.new));
    for w in &c.warnings {
        let _ = writeln!(out, "- **warning**: {}", cell(w));
    }
    if !c.gates.is_empty() {
        let _ = writeln!(
            out,
            "\n### Gates: {}\n\n| | gate | measured |\n|---|---|---|",
            gates_tally(c)
        );
        for g in &c.gates {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                if g.passed { "PASS" } else { "**FAIL**" },
                cell(&g.expression),
                cell(&g.measured)
            );
        }
    }
    for g in &c.groups {
        let _ = writeln!(
            out,
            "\n### {}\n\n| | base | new | change | % | |\n|---|--:|--:|--:|--:|---|",
            cell(&g.title())
        );
        for r in rows(g) {
            let label = if r.nested {
                format!("&nbsp;&nbsp;{}", cell(&r.label))
            } else {
                format!("**{}**", cell(&r.label))
            };
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} | {} |",
                cell(&r.base),
                cell(&r.new),
                cell(&r.change),
                cell(&r.relative),
                if r.mark.is_empty() { "" } else { "**\\***" }
            );
        }
    }
    let lines = unmatched(c);
    if !lines.is_empty() {
        out.push('\n');
        for l in lines {
            let _ = writeln!(out, "- {}", cell(&l));
        }
    }
    let _ = writeln!(out, "\n{}", cell(LEGEND));
    out
}
