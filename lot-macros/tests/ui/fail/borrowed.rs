// A borrow is rejected wherever it is nested in an argument's type.
#[lot::scenario]
async fn borrowed(
    pair: (&str, u32),
    maybe: Option<&str>,
    cow: std::borrow::Cow<'_, str>,
    fine: Option<&'static str>,
) -> anyhow::Result<()> {
    let _ = (pair, maybe, cow, fine);
    Ok(())
}

fn main() {}
