//! End-to-end tests: real runs against a real HTTP server on 127.0.0.1.

#[path = "../../examples/support/server.rs"]
mod server;

mod browser;
mod compare;
mod context;
mod hostile;
mod http;
mod loads;
mod notices;
mod outcomes;
mod outputs;
mod plan;
mod process;
mod requests;
mod require;
mod settings;
mod shards;
mod thresholds;
#[cfg(feature = "tls")]
mod tls;
