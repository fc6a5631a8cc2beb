//! lot-prometheus's integration tests: real runs pushed to a real
//! Prometheus, a receiver that dies, secrets, and the Grafana dashboard.

mod dashboard;
mod dead;
mod prometheus;
mod push;
mod secrets;
