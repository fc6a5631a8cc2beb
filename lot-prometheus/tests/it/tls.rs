//! An `https` receiver: a real Prometheus serving TLS with a self-signed
//! certificate gets the run when verification is skipped, and nothing
//! otherwise, the refusal counted and its reason told.

use std::time::Duration;

use lot::executor::Executor;
use lot::report::Summary;
use lot_prometheus::RemoteWrite;

use crate::prometheus::Prometheus;
use crate::push::after;

/// Runs 1 s at 40/s with `output`.
async fn run(output: RemoteWrite) -> Summary {
    let mut executor = Executor::new();
    executor
        .add_stage(40, 40, Duration::from_secs(1))
        .interval(Duration::from_millis(250))
        .terminal(false)
        .handle_signals(false)
        .reporter(output);
    let report = executor.run(|| async { Ok(()) }).await;
    report.expect_summary().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_receiver_gets_the_run_only_when_told_to_trust_it() {
    let Some(prometheus) = Prometheus::start_tls("tls").await else {
        return;
    };
    let url = prometheus.write_url();
    assert!(url.starts_with("https://"), "{url}");

    // Its certificate is not one the system trusts: every batch is refused
    // at the handshake, and none reaches the receiver.
    let strict = RemoteWrite::new(&url)
        .unwrap()
        .request_timeout(Duration::from_secs(2))
        .flush_timeout(Duration::from_secs(3))
        .attempts(1);
    let delivery = strict.delivery();
    let s = run(strict).await;
    assert_eq!(s.totals.ok, 40);
    assert_eq!(delivery.sent_batches(), 0, "{delivery:?}");
    assert!(delivery.unsent_batches() > 0, "{delivery:?}");
    let last = delivery.last_error().unwrap_or_default();
    assert!(
        last.contains("TLS handshake") && last.contains("certificate"),
        "{last}"
    );
    assert!(
        prometheus
            .query("lot_iterations_scheduled_total", after(&s))
            .await
            .is_empty(),
        "{}",
        prometheus.log()
    );

    // Told to skip verification, the same receiver gets every batch.
    let trusting = RemoteWrite::new(&url)
        .unwrap()
        .insecure_skip_tls_verify(true)
        .flush_timeout(Duration::from_secs(5));
    let delivery = trusting.delivery();
    let s = run(trusting).await;
    assert_eq!(delivery.unsent_batches(), 0, "{delivery:?}");
    assert!(delivery.sent_batches() > 0, "{delivery:?}");
    assert_eq!(delivery.last_error(), None);
    let got = prometheus
        .scalar("sum(lot_iterations_scheduled_total)", after(&s))
        .await;
    assert_eq!(got, s.totals.scheduled as f64, "{}", prometheus.log());
}
