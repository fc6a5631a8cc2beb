//! Integration tests of lot-http: every test drives a real server on
//! 127.0.0.1 (hyper, or a raw tokio listener writing hand-crafted bytes,
//! behind a TLS server for `https`) and checks what that server received.

mod support;

mod bounded;
mod errors;
mod framing;
mod hostile;
mod hostile_target;
mod keepalive;
mod requests;
mod retry;
#[cfg(feature = "cookies")]
mod session;
#[cfg(feature = "tls")]
mod tls;
