//! A lean HTTP/1.1 client for load tests, re-exported as `lot::http`.
//!
//! A load generator should spend its CPU on the load, not on itself. This
//! client does one thing: send HTTP/1.1 requests over keep-alive
//! connections to one target, `http://` or `https://`, and read the
//! responses whole.
//!
//! - **A request is built once.** [`RequestBuilder::build`] renders the
//!   request line, headers and body into bytes; every
//!   [`send`](Request::send) writes those bytes as they are.
//! - **The request drives its own socket.** There is no connection task and
//!   no channel between the request and its connection: an exchange costs a
//!   write, a read and the runtime's readiness wake-up.
//! - **Idle connections are kept per thread**, each list behind its own
//!   lock, which the runtime's worker threads usually do not share. They
//!   follow the load: a thread keeps at most
//!   [`ClientBuilder::max_idle_per_thread`] of them (default 1024), and a
//!   connection idle for [`ClientBuilder::idle_timeout`] (default 30 s) is
//!   closed.
//! - **Connections can be bounded**, like `wrk -c`:
//!   [`ClientBuilder::max_connections`] makes requests beyond the bound wait
//!   for a connection rather than open one.
//!
//! `cargo xtask bench` measures its cost per request against reqwest and
//! oha; the latest figures are in `docs/bench-latest.md`.
//!
//! # Bounded, whatever the target sends
//!
//! A target under test may misbehave, and a generator with thousands of
//! requests in flight must survive it:
//!
//! - **Bodies have a limit**, 16 MiB by default ([`DEFAULT_MAX_BODY`]; set
//!   per client with [`ClientBuilder::max_body`], per request with
//!   [`RequestBuilder::max_body`]). A body over it fails its request with
//!   an error of kind [`ErrorKind::TooLarge`] and its connection is
//!   closed; a declared `Content-Length` over it fails before the body is
//!   read, and memory is reserved as bytes arrive, never from a declared
//!   length alone.
//! - **Bodies can be discarded**: [`ClientBuilder::discard_bodies`] and
//!   [`RequestBuilder::discard_body`] count a body's bytes
//!   ([`Response::body_len`]) without keeping them, so a connection holds
//!   no more than its read buffer.
//! - **Heads have a limit**: a response head over 64 KiB fails with an error
//!   of kind [`ErrorKind::TooLarge`], more than 64 headers with one of kind
//!   [`ErrorKind::Protocol`].
//! - **Reads yield**: once its reads and writes without waiting add up to
//!   64 KiB (a system call counting 1 KiB on top of its bytes), a request
//!   lets the runtime run other tasks (lot polls iterations outside
//!   tokio's cooperative budget), so a target streaming as fast as it can
//!   cannot starve the iteration's timeout or the other iterations.
//!
//! A connection's own memory is then its read buffer (1 KiB, growing to 16
//! KiB for a body that streams and to 64 KiB for a long head) and, unless
//! discarded, its response's head and body, within the limits.
//!
//! The bounds hold over TLS as over plain TCP: the same buffer, the same
//! limits, the same budget, counting each call into the TLS stream.
//!
//! # HTTPS
//!
//! With the `tls` feature (on by default), `https://` targets are spoken
//! to over TLS 1.2 or 1.3 with [rustls] (through tokio-rustls, with the
//! aws-lc-rs crypto provider, or the one the program installed as
//! rustls' default):
//!
//! - **Certificates are checked by default**: against the system's root
//!   certificates (loaded once per process when the first `https` client
//!   is built: on Linux the bundle OpenSSL reads, honouring
//!   `SSL_CERT_FILE` and `SSL_CERT_DIR`), plus any given to
//!   [`ClientBuilder::add_root_certificate`], for the URL's host: its name,
//!   or for an IP address its IP (no SNI is sent then).
//!   [`ClientBuilder::danger_accept_invalid_certs`] accepts any certificate
//!   (still checking the handshake's signatures), for self-signed test
//!   targets.
//! - **Client certificates** (mutual TLS): [`ClientBuilder::identity`].
//! - **ALPN offers `http/1.1` only**, so a target that also speaks HTTP/2
//!   answers in HTTP/1.1.
//! - **Sessions resume**: a client's connections share one rustls
//!   configuration and its in-memory session cache, so a connection opened
//!   again (after the target closed one, or beyond the idle bound) resumes
//!   an earlier session rather than paying a full handshake.
//! - **Failures are of kind [`ErrorKind::Tls`]**, one short clause that
//!   names the cause (`tls: certificate expired`, `tls: unknown issuer`,
//!   `tls: certificate not valid for name "localhost"`, `tls: handshake
//!   failed: alert handshake_failure`): the whole text a run counts it
//!   under, with rustls' own error in its `Debug` text only.
//!
//! ```no_run
//! # #[cfg(feature = "tls")]
//! # fn main() -> Result<(), lot_http::Error> {
//! // A staging target whose certificate a private CA signed.
//! let ca = std::fs::read("ca.pem").expect("the CA's certificate");
//! let client = lot_http::Client::builder("https://localhost:8443")
//!     .add_root_certificate(&ca)
//!     .build()?;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "tls"))]
//! # fn main() {}
//! ```
//!
//! A new connection is a TCP connect, then a TLS handshake; a kept-alive
//! connection pays neither. On top of its read buffer, a TLS connection
//! holds rustls' state (about 1 KiB, boxed, and a 4 KiB buffer when idle,
//! growing to a TLS record, about 17 KiB, while it reads), and each
//! exchange pays its encryption.
//!
//! [rustls]: https://docs.rs/rustls
//!
//! # Features
//!
//! | Feature | Default | What it adds |
//! |---------|---------|--------------|
//! | `tls`   | on      | `https://` targets: rustls, tokio-rustls and rustls-native-certs; [`ClientBuilder::add_root_certificate`], [`danger_accept_invalid_certs`](ClientBuilder::danger_accept_invalid_certs) and [`identity`](ClientBuilder::identity). Without it, an `https://` URL is an error of [`Client::new`] that names the feature, and no TLS crate is built. |
//! | `cookies` | on      | Cookie jars: [`ClientBuilder::cookies`], [`Client::session`], [`Client::cookie`], through cookie_store. Redirects need no feature. |
//! | `metrics` | off (on through `lot`) | Every request's metrics recorded into the lot run it is part of, under its iteration's scenario and step: its name ([`RequestBuilder::name`], else its method and path without the query), status, whether its connection was reused, the bytes it moved, and its phases (connect, tls, send, wait, receive, duration), through `lot-core`. Five clock reads per request; nothing is recorded outside a run. |
//!
//! # Sessions
//!
//! Off unless asked for, so that a request without them is sent as it was
//! built:
//!
//! - **Cookies.** [`Client::session`] is a clone over the same pool with a
//!   cookie jar of its own: a user's session, kept in a users load's
//!   per-user state. [`ClientBuilder::cookies`] gives one jar to a client
//!   and every clone of it. A jar keeps what responses set and sends it
//!   back by RFC 6265's rules, within [`MAX_COOKIES`] cookies of
//!   [`MAX_COOKIE_LEN`] bytes.
//! - **Redirects.** [`ClientBuilder::redirects`] (or
//!   [`RequestBuilder::redirects`]) follows up to that many redirects on the
//!   target's origin, each hop an exchange recorded under the first
//!   request's name; one to another origin fails with an error of kind
//!   [`ErrorKind::Redirect`].
//!
//! ```no_run
//! # #[cfg(feature = "cookies")]
//! # async fn run() -> Result<(), lot_http::Error> {
//! let client = lot_http::Client::builder("http://127.0.0.1:8080")
//!     .redirects(5)
//!     .build()?;
//! let user = client.session();
//! // The login's cookie goes with the redirect it answers with, and with
//! // every later request of this session.
//! user.post("/login", "name=ada").send().await?.error_for_status()?;
//! let account = user.get("/account").send().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # What it leaves out
//!
//! HTTP/2, compression and proxies. It has no timeout
//! of its own: the
//! executor's iteration [`timeout`] bounds every exchange, and a request
//! cancelled mid-way closes its connection rather than returning it (one
//! cancelled while it waits for a connection under a bound gives back any
//! connection handed to it).
//!
//! [`timeout`]: https://docs.rs/lot/latest/lot/executor/struct.Executor.html#method.timeout
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> Result<(), lot_http::Error> {
//! let client = lot_http::Client::new("http://127.0.0.1:8080")?;
//! // Built once, sent at every iteration.
//! let health = client.get("/health").build()?;
//! let response = health.send().await?.error_for_status()?;
//! assert_eq!(response.status(), 200);
//!
//! let created = client
//!     .post("/orders", r#"{"sku": 42}"#)
//!     .header("content-type", "application/json")
//!     .send()
//!     .await?;
//! println!("{} {}", created.status(), created.text()?);
//! # Ok(())
//! # }
//! ```

// The crate's docs link the TLS and cookie settings, which a build without
// the `tls` or `cookies` feature leaves out.
#![cfg_attr(
    not(all(feature = "tls", feature = "cookies")),
    allow(rustdoc::broken_intra_doc_links)
)]

mod client;
mod conn;
mod error;
mod message;
mod metrics;
mod pool;
mod request;
mod response;
mod session;
#[cfg(feature = "tls")]
mod tls;
mod url;

pub use crate::client::{
    Client, ClientBuilder, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_IDLE_PER_THREAD,
};
pub use crate::error::{Error, ErrorKind};
pub use crate::request::{Request, RequestBuilder};
pub use crate::response::{ErrorForStatus, Response, ResponseFutureExt};
#[cfg(feature = "cookies")]
pub use crate::session::{MAX_COOKIE_LEN, MAX_COOKIES};
