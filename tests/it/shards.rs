//! A distributed run: shard processes against one server, merged.

use std::time::Duration;

use lot::report::Summary;

use crate::process::example;

#[tokio::test]
async fn four_shards_add_up_to_one_run_and_merge_losslessly() {
    let dir = std::env::temp_dir().join(format!("lot-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let output = tokio::process::Command::new(example("shards"))
        .arg("4")
        .env("LOT_SHARDS_DIR", &dir)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), output)
        .await
        .expect("the shards finish")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let received: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("server_received="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no server count in {stdout}"));

    let read = |name: &str| -> Summary {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let merged = read("total.json");
    let shards: Vec<Summary> = (0..4).map(|i| read(&format!("shard-{i}.json"))).collect();

    // The plan: 0 -> 400/s over 2 s, then 400/s for 2 s: 400 + 800 arrivals.
    assert_eq!(merged.plan.iterations, 1200);
    assert_eq!(
        received, 1200,
        "the server got exactly the single-process plan"
    );
    assert_eq!(merged.totals.scheduled, 1200);
    assert_eq!(merged.totals.ok, received);
    assert_eq!(merged.merged_segments, [0, 1, 2, 3]);
    // Every shard ran its own quarter, striped: 300 each.
    for (i, s) in shards.iter().enumerate() {
        assert_eq!(s.segment.map(|g| (g.index, g.count)), Some((i as u64, 4)));
        assert_eq!(s.totals.scheduled, 300, "shard {i}");
    }
    // Merged percentiles are those of one histogram of every sample.
    let mut combined = shards[0].latency.histogram().unwrap();
    for s in &shards[1..] {
        combined.add(s.latency.histogram().unwrap()).unwrap();
    }
    assert_eq!(combined.len(), 1200);
    assert_eq!(merged.latency.p50_us, combined.value_at_quantile(0.5));
    assert_eq!(merged.latency.p99_us, combined.value_at_quantile(0.99));
    assert_eq!(merged.latency.max_us, combined.max());
    // Thresholds are evaluated again on the whole.
    assert_eq!(merged.thresholds.len(), 1);
    assert!(merged.thresholds[0].passed);
    // The series line up: every merged interval adds up its shards'.
    let merged_ok: u64 = merged.intervals.iter().map(|i| i.counts.ok).sum();
    assert_eq!(merged_ok, 1200);
    let _ = std::fs::remove_dir_all(&dir);
}
