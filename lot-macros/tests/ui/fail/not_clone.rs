struct Client;

#[lot::scenario]
async fn call(client: Client) -> anyhow::Result<()> {
    let _ = client;
    Ok(())
}

fn main() {}
