//! Run with: cargo run --release --example mixed_loads
//!
//! Several loads in one run: an arrival-rate API load split 70/25/5 across
//! three scenarios, and, from 2 s in, a population of users who log in once
//! (per-user state) and then browse with think time. One report.

#[path = "support/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use lot::load::{Load, Think, UserScenario};
use lot::report::Report;
use lot::scenario::named;

/// A user who logs in once and keeps its session for every iteration.
struct Shopper {
    client: reqwest::Client,
    base: Arc<str>,
}

struct Session {
    user: u64,
    pages: u64,
}

impl UserScenario for Shopper {
    type State = Session;

    async fn start(&self, user: u64) -> anyhow::Result<Session> {
        let login = self.client.get(format!("{}/login", self.base));
        lot::step("login", async { login.send().await?.error_for_status() }).await?;
        Ok(Session { user, pages: 0 })
    }

    async fn run(&self, session: &mut Session) -> anyhow::Result<()> {
        session.pages += 1;
        let page = format!(
            "{}/browse?user={}&page={}",
            self.base, session.user, session.pages
        );
        let request = self.client.get(page);
        lot::step("browse", async { request.send().await?.error_for_status() }).await?;
        Ok(())
    }

    fn name(&self) -> &str {
        "shopper"
    }
}

#[tokio::main]
async fn main() -> Report {
    let server = server::TestServer::start().await;
    let base: Arc<str> = server.url().into();
    let client = reqwest::Client::new();
    let get = |path: &'static str| {
        let client = client.clone();
        let url = format!("{base}{path}");
        move || {
            let request = client.get(&url);
            async move {
                request.send().await?.error_for_status()?;
                Ok(())
            }
        }
    };

    let s = Duration::from_secs;
    let mut executor = lot::Executor::from_args();
    executor
        .load(
            Load::arrival_rate()
                .stage(0, 200, s(3))
                .stage(200, 200, s(5))
                .weighted(70, named("browse", get("/browse")))
                .weighted(25, named("search", get("/search")))
                .weighted(5, named("checkout", get("/checkout"))),
        )
        .load(
            Load::users()
                .stage(0, 10, s(2))
                .stage(10, 10, s(3))
                .stage(10, 0, s(1))
                .think_time(Think::uniform(
                    Duration::from_millis(100),
                    Duration::from_millis(300),
                ))
                .user_scenario(Shopper {
                    client: client.clone(),
                    base: base.clone(),
                })
                .start_after(s(2)),
        );
    let report = executor.run_loads().await;
    eprintln!(
        "the server received /browse {} (incl. shoppers), /search {}, /checkout {}, /login {}",
        server.hits_on("/browse"),
        server.hits_on("/search"),
        server.hits_on("/checkout"),
        server.hits_on("/login")
    );
    report
}
