//! The markup every section of the page is written with: escaping, and
//! tables and cards.

use std::fmt::Write as _;

use crate::stats::Stats;

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

/// Opens a table with a header row whose first `text` columns hold text
/// (aligned left, as their cells are); the others hold numbers (aligned
/// right).
pub(super) fn table_head(out: &mut String, columns: &[&str], text: usize) {
    let classes: Vec<&str> = (0..columns.len())
        .map(|i| if i < text { TEXT } else { "" })
        .collect();
    table_head_classes(out, columns, &classes);
}

/// The class attribute of a text cell or header, aligned left.
pub(super) const TEXT: &str = " class=\"text\"";

/// Opens a table with a header row, each column's header with the class
/// attribute its cells have (`classes[i]`, such as [`TEXT`], or empty).
pub(super) fn table_head_classes(out: &mut String, columns: &[&str], classes: &[&str]) {
    out.push_str("<table><thead><tr>");
    for (i, c) in columns.iter().enumerate() {
        let class = classes.get(i).copied().unwrap_or("");
        let _ = write!(out, "<th{class}>{c}</th>");
    }
    out.push_str("</tr></thead><tbody>");
}

pub(super) fn stats_cells(out: &mut String, st: &Stats) {
    for v in st.columns() {
        let _ = write!(out, "<td>{v}</td>");
    }
}

pub(super) fn card(out: &mut String, class: &str, value: &str, label: &str) {
    let _ = write!(
        out,
        "<div class=\"card {class}\"><b>{value}</b><span>{label}</span></div>"
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
}
