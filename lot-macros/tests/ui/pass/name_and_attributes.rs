mod scenarios {
    /// The checkout flow, documented.
    #[lot::scenario(name = "checkout")]
    #[allow(clippy::unused_async)]
    pub async fn checkout(base: std::sync::Arc<str>) -> anyhow::Result<()> {
        anyhow::ensure!(!base.is_empty(), "no base URL");
        Ok(())
    }

    #[lot::scenario(name = "home page",)]
    pub(crate) async fn home() -> anyhow::Result<()> {
        Ok(())
    }
}

use lot::scenario::Scenario;

fn main() {
    let s = scenarios::checkout("http://127.0.0.1".into());
    assert_eq!(s.name(), "checkout");
    assert_eq!(scenarios::home.name(), "home page");
}
