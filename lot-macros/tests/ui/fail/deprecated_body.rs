// A deprecated scenario does not warn about its own generated code, but its
// body still warns about the deprecated items it uses.
#![deny(deprecated)]

#[deprecated]
fn old_api() {}

#[lot::scenario]
#[deprecated]
async fn old() -> anyhow::Result<()> {
    old_api();
    Ok(())
}

fn main() {
    #[allow(deprecated)]
    let _ = old;
}
