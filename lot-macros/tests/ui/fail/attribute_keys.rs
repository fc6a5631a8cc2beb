#[lot::scenario(nmae = "x")]
async fn misspelled() -> anyhow::Result<()> {
    Ok(())
}

#[lot::scenario(name = "a", name = "b")]
async fn duplicated() -> anyhow::Result<()> {
    Ok(())
}

#[lot::scenario(name)]
async fn no_value() -> anyhow::Result<()> {
    Ok(())
}

fn main() {}
