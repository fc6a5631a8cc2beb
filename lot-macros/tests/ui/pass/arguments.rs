use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lot::scenario::Scenario;

#[lot::scenario]
async fn one(counter: Arc<AtomicU64>) -> anyhow::Result<()> {
    counter.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

// Several arguments, spelled as full paths, with `mut` and a pattern.
#[lot::scenario]
async fn several(
    counter: ::std::sync::Arc<::std::sync::atomic::AtomicU64>,
    mut label: std::string::String,
    (a, b): (u64, u64),
) -> Result<u64, std::io::Error> {
    label.push('!');
    assert_eq!(label, "hits!");
    counter.fetch_add(a + b, Ordering::SeqCst);
    Ok(a + b)
}

// Borrows are rejected, but `'static` references and the higher-ranked
// lifetimes of closures and fn pointers are not borrows.
#[lot::scenario]
async fn not_borrowed(
    label: Option<&'static str>,
    map: Arc<dyn Fn(&str) -> String + Send + Sync>,
    first: Arc<dyn for<'a> Fn(&'a str) -> &'a str + Send + Sync>,
    callback: fn(&str),
) -> anyhow::Result<()> {
    let _ = (label, map, first, callback);
    Ok(())
}

#[tokio::main]
async fn main() {
    let counter = Arc::new(AtomicU64::new(0));
    assert_eq!(one(counter.clone()).name(), "one");
    let mut executor = lot::Executor::new();
    executor
        .add_stage(1000, 1000, Duration::from_millis(10))
        .terminal(false);
    executor.run(one(counter.clone())).await;
    assert_eq!(counter.load(Ordering::SeqCst), 10);

    let scenario = several(counter.clone(), "hits".to_owned(), (2, 3));
    let mut executor = lot::Executor::new();
    executor
        .add_stage(1000, 1000, Duration::from_millis(10))
        .terminal(false);
    let report = executor.run(scenario).await;
    assert_eq!(report.expect_summary().totals.ok, 10);
    assert_eq!(counter.load(Ordering::SeqCst), 60);

    let scenario = not_borrowed(
        Some("label"),
        Arc::new(str::to_uppercase),
        Arc::new(|s| s),
        |_| {},
    );
    assert_eq!(scenario.name(), "not_borrowed");
}
