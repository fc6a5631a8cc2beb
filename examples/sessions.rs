//! Run with: cargo run --release --example sessions
//!
//! Sessions with `lot::http`: a users load of 20 users for 8 s, each with a
//! cookie jar of its own (`Client::session`), kept in its state. A user logs
//! in once: a `POST /login/{user}` that sets the cookie `session={user}` and
//! redirects (303) to `/account`, followed by the client. Then it reads
//! `/account`, which the server refuses (401) without the cookie, every
//! 100 ms. Prints the summary (the login's two exchanges are recorded under
//! its name, `login`), then what the server received.

#[path = "support/server.rs"]
mod server;

use std::time::Duration;

use lot::http::{Client, ResponseFutureExt};
use lot::load::{Load, Think, UserScenario};
use lot::report::Report;

/// A member: logs in once, then reads its account with its session.
struct Member {
    client: Client,
}

impl UserScenario for Member {
    /// The user's session: a clone of the client, over the same pool,
    /// with a cookie jar of its own.
    type State = Client;

    async fn start(&self, user: u64) -> anyhow::Result<Client> {
        let session = self.client.session();
        let login = session
            .post(&format!("/login/{user}"), "")
            .name("login")
            .redirects(1)
            .send()
            .error_for_status();
        lot::step("login", login).await?;
        Ok(session)
    }

    async fn run(&self, session: &mut Client) -> anyhow::Result<()> {
        let account = session.get("/account").send().error_for_status();
        lot::step("account", account).await?;
        Ok(())
    }

    fn name(&self) -> &str {
        "member"
    }
}

#[tokio::main]
async fn main() -> Result<Report, lot::http::Error> {
    let server = server::TestServer::start().await;
    let client = Client::new(&server.url())?;

    let s = Duration::from_secs;
    let mut executor = lot::Executor::from_args();
    executor.load(
        Load::users()
            .stage(0, 20, s(2))
            .stage(20, 20, s(6))
            .think_time(Think::fixed(Duration::from_millis(100)))
            .user_scenario(Member { client }),
    );
    let report = executor.run_loads().await;
    let logins: u64 = (0..20)
        .map(|u| server.hits_on(&format!("/login/{u}")))
        .sum();
    eprintln!(
        "the server received {logins} logins and {} account reads over {} connections",
        server.hits_on("/account"),
        server.connections()
    );
    Ok(report)
}
