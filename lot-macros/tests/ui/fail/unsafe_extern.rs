#[lot::scenario]
async unsafe fn unsafe_fn() -> anyhow::Result<()> {
    Ok(())
}

#[lot::scenario]
async extern "C" fn extern_c() -> anyhow::Result<()> {
    Ok(())
}

fn main() {}
