struct Api;

impl Api {
    #[lot::scenario]
    async fn call(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

fn main() {}
