use std::time::Duration;

use lot::scenario::Scenario;

/// Checks that the service is up.
#[lot::scenario]
async fn health() -> anyhow::Result<()> {
    Ok(())
}

#[tokio::main]
async fn main() {
    assert_eq!(health.name(), "health");
    let mut executor = lot::Executor::new();
    executor
        .add_stage(1000, 1000, Duration::from_millis(10))
        .terminal(false);
    let report = executor.run(health).await;
    assert_eq!(report.expect_summary().totals.ok, 10);
    assert_eq!(report.expect_summary().scenarios[0].name, "health");
}
