//! Reading what the measured programs print: lot-bench-gen's `key=value`
//! lines, and wrk's and oha's text output.

use std::collections::BTreeMap;

/// The `key=value` lines of `text`.
pub(super) fn key_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The number under `key`, or NaN if it is missing or not a number.
pub(super) fn num(kv: &BTreeMap<String, String>, key: &str) -> f64 {
    kv.get(key).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}

/// The comma-separated numbers under `key` (empty if it is missing).
pub(super) fn series(kv: &BTreeMap<String, String>, key: &str) -> Vec<f64> {
    kv.get(key)
        .map(|s| s.split(',').filter_map(|v| v.parse().ok()).collect())
        .unwrap_or_default()
}

/// Requests per second from wrk's or oha's text output.
pub(super) fn peer_rps(output: &str) -> f64 {
    output
        .lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("Requests/sec:")
                .map(|v| v.split_whitespace().next().unwrap_or("").parse().ok())
        })
        .flatten()
        .unwrap_or(f64::NAN)
}

/// Successful requests in oha's text output (its "Status code distribution").
pub(super) fn oha_requests(output: &str) -> f64 {
    output
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix('[')?;
            let (code, count) = rest.split_once(']')?;
            code.starts_with('2').then(|| {
                count
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse::<f64>().ok())
            })?
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gen_output() {
        let kv = key_values("ok=12\n achieved_rps = 5.5\nrss_kb_series=1,2,x,3\nnoise\n");
        assert_eq!(num(&kv, "ok"), 12.0);
        assert_eq!(num(&kv, "achieved_rps"), 5.5);
        assert!(num(&kv, "failed").is_nan());
        assert_eq!(series(&kv, "rss_kb_series"), [1.0, 2.0, 3.0]);
        assert!(series(&kv, "idle_series").is_empty());
    }

    #[test]
    fn peer_output() {
        let wrk = "Running 10s test\n  Requests/sec:  41234.56\nTransfer/sec: 3MB\n";
        assert_eq!(peer_rps(wrk), 41234.56);
        assert!(peer_rps("nothing").is_nan());
        let oha = "Status code distribution:\n  [200] 1000 responses\n  [204] 5 responses\n  [503] 7 responses\n";
        assert_eq!(oha_requests(oha), 1005.0);
    }
}
