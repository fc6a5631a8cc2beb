#[lot::scenario]
fn health() -> anyhow::Result<()> {
    Ok(())
}

fn main() {}
