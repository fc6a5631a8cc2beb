//! The Grafana dashboard parses and reads only series this crate emits
//! (`push.rs` runs its queries against a real Prometheus).

use serde_json::Value;

fn exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("expr" | "query" | "definition", Value::String(s)) => out.push(s.clone()),
                    _ => exprs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

#[test]
fn every_metric_the_dashboard_queries_is_one_lot_emits() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/grafana/lot.json");
    let text = std::fs::read_to_string(path).unwrap();
    let dashboard: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    assert!(dashboard["title"].is_string());
    assert!(!dashboard["panels"].as_array().unwrap().is_empty());
    let mut found = Vec::new();
    exprs(&dashboard, &mut found);
    assert!(found.len() >= 8, "{found:?}");
    let mut used = std::collections::BTreeSet::new();
    for expr in &found {
        let bytes = expr.as_bytes();
        let mut i = 0;
        while let Some(at) = expr[i..].find("lot_") {
            let start = i + at;
            let boundary = start == 0
                || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
            let end = expr[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(expr.len(), |e| start + e);
            if boundary {
                let name = &expr[start..end];
                assert!(
                    lot_prometheus::METRIC_NAMES.contains(&name),
                    "the dashboard queries `{name}`, which lot does not emit: {expr}"
                );
                used.insert(name.to_owned());
            }
            i = end;
        }
    }
    for needed in [
        "lot_target_rate",
        "lot_iterations_total",
        "lot_latency_seconds",
        "lot_step_duration_seconds",
    ] {
        assert!(
            used.contains(needed),
            "the dashboard does not show {needed}"
        );
    }
}

/// The PromQL of every panel of the dashboard, in panel order.
pub(crate) fn panel_queries() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/grafana/lot.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        exprs(&panel["targets"], &mut out);
    }
    assert!(out.len() >= 8, "{out:?}");
    out
}
