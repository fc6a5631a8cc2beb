//! lot-prometheus's integration tests: real runs pushed to a real
//! Prometheus, a receiver that dies, secrets, an `https` receiver, and the Grafana dashboard.

// The facade's: what a test does when its real component is missing.
#[path = "../../../tests/it/require.rs"]
mod require;

mod dashboard;
mod dead;
mod prometheus;
mod push;
mod receiver;
mod secrets;
mod tls;
