//! lot-dashboard's tests: its routes against a real run's results, and a
//! real headless Chromium against a live run.

#[path = "../../../examples/support/server.rs"]
mod server;

mod live;
// The facade's: what a test does when its real component is missing.
#[path = "../../../tests/it/require.rs"]
mod require;
mod routes;
mod webdriver;
