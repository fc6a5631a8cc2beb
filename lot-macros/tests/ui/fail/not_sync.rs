// The executor shares the scenario between threads, so its arguments must be
// `Sync`.
#[lot::scenario]
async fn count(hits: std::cell::Cell<u32>) -> anyhow::Result<()> {
    hits.set(hits.get() + 1);
    Ok(())
}

fn main() {}
