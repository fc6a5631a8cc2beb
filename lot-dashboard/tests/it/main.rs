//! lot-dashboard's tests: its routes against a real run's results, and a
//! real headless Chromium against a live run.

#[path = "../../../examples/support/server.rs"]
mod server;

mod live;
mod require;
mod routes;
mod webdriver;
