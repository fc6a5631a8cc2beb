//! The page's HTTP requests: a table per scenario, each request with its
//! counts, its exact status codes, and its phases as a small table.

use std::fmt::Write as _;

use crate::html::markup::{TEXT, escape, table_head_classes};
use crate::model::Summary;
use crate::requests::{COLUMNS, PHASES, RequestSummary};
use crate::units::fmt_us;

/// A table of each scenario's requests, for the scenarios that made any.
pub(super) fn requests_tables(out: &mut String, s: &Summary, names: &[String]) {
    for (sc, name) in s.scenarios.iter().zip(names) {
        if sc.requests.is_empty() {
            continue;
        }
        let _ = write!(out, "<h2>HTTP requests: {name}</h2>");
        let mut head = COLUMNS.to_vec();
        head.push("phases");
        table_head_classes(out, &head, &CELL_CLASSES);
        for r in &sc.requests {
            out.push_str("<tr class=\"request\">");
            for (cell, class) in r.cells().iter().zip(CELL_CLASSES) {
                let _ = write!(out, "<td{class}>{}</td>", escape(cell));
            }
            out.push_str("<td>");
            phases_table(out, r);
            out.push_str("</td></tr>");
        }
        out.push_str("</tbody></table>");
    }
}

/// The class attribute of each of [`COLUMNS`]' cells: text cells align
/// left, the status cell is styled as well.
const CELL_CLASSES: [&str; 8] = [TEXT, TEXT, "", "", "", "", "", " class=\"text status\""];

/// A request's phases, a row each, with their p50, p90, p99 and max (a
/// phase with no value, such as the response's phases of requests that
/// all failed, shows –).
fn phases_table(out: &mut String, r: &RequestSummary) {
    out.push_str("<table class=\"phases\"><thead><tr><th></th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead><tbody>");
    for (phase, st) in PHASES.iter().zip(r.phases()) {
        let _ = write!(out, "<tr><td>{phase}</td>");
        for v in [st.p50_us, st.p90_us, st.p99_us, st.max_us] {
            if st.count == 0 {
                out.push_str("<td>–</td>");
            } else {
                let _ = write!(out, "<td>{}</td>", fmt_us(v));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}
