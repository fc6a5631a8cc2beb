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
    assert_eq!(
        merged.merged.as_ref().map(|m| (m.count, m.shards.clone())),
        Some((4, vec![0, 1, 2, 3]))
    );
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

/// Two shards of one run in this process, with a weighted mix: the totals
/// per scenario are the single-process split, and each shard's own split is
/// just as even.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighted_mix_splits_exactly_across_shards() {
    use lot::executor::Executor;
    use lot::load::Load;
    use lot::scenario::named;

    let server = crate::server::TestServer::start().await;
    let client = reqwest::Client::new();
    let start_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        + Duration::from_millis(500);
    let get = |path: &str| {
        let client = client.clone();
        let url = format!("{}{path}", server.url());
        move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?;
                Ok(())
            }
        }
    };
    let run_shard = |i: u64| {
        let mut executor = Executor::new();
        executor
            .args([
                "--segment".to_owned(),
                format!("{i}/2"),
                "--start-at".to_owned(),
                format!("{:.3}", start_at.as_secs_f64()),
            ])
            .terminal(false)
            .handle_signals(false)
            .load(
                Load::arrival_rate()
                    .stage(500, 500, Duration::from_secs(2))
                    .weighted(7, named("browse", get("/browse")))
                    .weighted(3, named("buy", get("/buy"))),
            );
        executor.run_loads()
    };
    let (a, b) = tokio::join!(run_shard(0), run_shard(1));
    let (a, b) = (a.expect_summary().clone(), b.expect_summary().clone());
    assert_eq!(server.hits_on("/browse"), 700);
    assert_eq!(server.hits_on("/buy"), 300);
    for shard in [&a, &b] {
        let browse = shard.scenarios[0].totals.scheduled;
        let buy = shard.scenarios[1].totals.scheduled;
        assert_eq!(browse + buy, 500);
        assert!(
            browse.abs_diff(350) <= 1 && buy.abs_diff(150) <= 1,
            "{browse} / {buy}"
        );
    }
    let merged =
        lot::report::merge::merge(&[("a".to_owned(), a), ("b".to_owned(), b)], false).unwrap();
    assert_eq!(merged.scenarios[0].totals.ok, 700);
    assert_eq!(merged.scenarios[1].totals.ok, 300);
}

/// The Kubernetes manifest agrees with itself and with lot: as many shards
/// as completions, all running at once, thresholds that parse.
#[test]
fn the_kubernetes_manifest_is_consistent() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/kubernetes/loadtest-job.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let field = |key: &str| -> String {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .map(|v| {
                v.split('#')
                    .next()
                    .unwrap()
                    .trim()
                    .trim_matches('"')
                    .to_owned()
            })
            .unwrap_or_else(|| panic!("{key} in the manifest"))
    };
    let env_value = |name: &str| -> String {
        let at = text
            .find(&format!("- name: {name}"))
            .unwrap_or_else(|| panic!("{name} in the manifest"));
        let rest = &text[at..];
        let line = rest.lines().nth(1).unwrap().trim();
        let value = line.strip_prefix("value:").unwrap();
        value
            .split(" #")
            .next()
            .unwrap()
            .trim()
            .trim_matches('"')
            .to_owned()
    };
    assert_eq!(field("completionMode:"), "Indexed");
    let shards = field("completions:");
    assert_eq!(field("parallelism:"), shards);
    assert_eq!(env_value("LOT_SEGMENT_COUNT"), shards);
    assert_eq!(env_value("LOT_START_AT"), "__START_AT__");
    for t in env_value("LOT_THRESHOLDS").split(';') {
        lot::report::Threshold::parse(t.trim()).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(env_value("LOT_OUT").contains("$(JOB_COMPLETION_INDEX)"));
    // JOB_COMPLETION_INDEX is defined before LOT_OUT refers to it.
    assert!(
        text.find("- name: JOB_COMPLETION_INDEX").unwrap() < text.find("- name: LOT_OUT").unwrap()
    );
}
