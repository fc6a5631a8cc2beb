//! A lean HTTP/1.1 client for load tests, re-exported as `lot::http`.
//!
//! A load generator should spend its CPU on the load, not on itself. This
//! client does one thing: send HTTP/1.1 requests over keep-alive
//! connections to one target and read the responses whole.
//!
//! - **A request is built once.** [`RequestBuilder::build`] renders the
//!   request line, headers and body into bytes; every
//!   [`send`](Request::send) writes those bytes as they are.
//! - **The request drives its own socket.** There is no connection task and
//!   no channel between the request and its connection: an exchange costs a
//!   write, a read and the runtime's readiness wake-up.
//! - **Idle connections are kept per thread**, each list behind its own
//!   lock, which the runtime's worker threads usually do not share.
//! - **Connections can be bounded**, like `wrk -c`:
//!   [`ClientBuilder::max_connections`] makes requests beyond the bound wait
//!   for a connection rather than open one.
//!
//! Measured with `cargo xtask bench` on 2 cores, one request at 5,000/s costs
//! about 25 µs of CPU with this client, against 42 µs with reqwest and 42 µs
//! with `oha` (most of what remains is the kernel's loopback TCP).
//!
//! What it leaves out: TLS (use reqwest for `https`), HTTP/2, redirects,
//! cookies, compression and proxies. It has no timeout of its own: the
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

mod conn;
mod error;
mod pool;
mod request;
mod response;
mod url;

use std::sync::Arc;

pub use crate::error::{Error, ErrorKind};
pub use crate::request::{Request, RequestBuilder};
pub use crate::response::Response;

use crate::conn::Conn;
use crate::pool::{Checkout, Pool};

/// A client for one target, with its pool of keep-alive connections.
///
/// Cloning it is cheap and clones share the pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    base: url::Base,
    pool: Pool,
}

impl Client {
    /// A client for the target at `base_url`: `http://host[:port][/path]`,
    /// with no bound on its open connections: a request that finds no idle
    /// connection opens one. [`Client::builder`] sets a bound.
    ///
    /// The host is resolved here, once, with the system's resolver, which
    /// blocks: create clients while setting up, before the load, and a
    /// mistake in the URL is an error before any load is sent. A request's
    /// path is appended to the base URL's path.
    ///
    /// # Errors
    ///
    /// An error of kind [`ErrorKind::Url`], naming the URL and what was
    /// expected, if the URL is not `http://` with a host, has a query,
    /// user information or an invalid port, or if its host does not resolve.
    pub fn new(base_url: &str) -> Result<Client, Error> {
        Client::builder(base_url).build()
    }

    /// A builder for a client of the target at `base_url` with settings
    /// beyond the URL; see [`Client::new`] for the URL.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            max_connections: None,
        }
    }

    /// A `GET` request for `path`, which starts with `/` and may hold a query.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request("GET", path)
    }

    /// A `POST` request for `path` with `body`.
    pub fn post(&self, path: &str, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.request("POST", path).body(body)
    }

    /// A `PUT` request for `path` with `body`.
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.request("PUT", path).body(body)
    }

    /// A `DELETE` request for `path`.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request("DELETE", path)
    }

    /// A `HEAD` request for `path`.
    pub fn head(&self, path: &str) -> RequestBuilder {
        self.request("HEAD", path)
    }

    /// A request with any `method` (a token such as `PATCH` or `OPTIONS`).
    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, path)
    }

    /// The idle keep-alive connections in the pool.
    pub fn idle_connections(&self) -> usize {
        self.inner.pool.idle()
    }

    /// The connections open (or being opened) under the bound set by
    /// [`ClientBuilder::max_connections`]; `None` without a bound, since
    /// the client then counts only its idle connections.
    pub fn open_connections(&self) -> Option<usize> {
        self.inner.pool.open()
    }

    /// Sends `request` on an idle connection or a new one, and reads the
    /// response. A request that meets a reused connection closed by the
    /// target before it answered is retried once on a new connection, if
    /// its method is idempotent.
    async fn exchange(&self, request: &Request) -> Result<Response, Error> {
        // Connections the target closed (or wrote to) while they were idle
        // are dropped by the pool; one that is closed while the request is
        // on its way is the case the retry is for.
        let slot = match self.inner.pool.checkout().await {
            Checkout::Idle(mut conn) => match conn.exchange(request).await {
                Ok((response, reusable)) => {
                    if reusable {
                        self.inner.pool.put(conn);
                    }
                    return Ok(response);
                }
                // The retry opens its connection in the failed one's slot.
                Err(e) if e.is_unanswered() && request.idempotent => conn.take_slot(),
                Err(e) => return Err(e),
            },
            Checkout::Open(slot) => slot,
        };
        let mut conn = Conn::connect(&self.inner.base.addrs, slot).await?;
        let (response, reusable) = conn.exchange(request).await?;
        if reusable {
            self.inner.pool.put(conn);
        }
        Ok(response)
    }
}

/// Settings of a [`Client`] beyond its URL: `Client::builder(url)`, then
/// the settings, then [`build`](ClientBuilder::build).
///
/// ```no_run
/// # fn main() -> Result<(), lot_http::Error> {
/// // Like `wrk -c 64`: requests share at most 64 connections, and one that
/// // finds all 64 busy waits for one, its wait counted in its latency.
/// let client = lot_http::Client::builder("http://127.0.0.1:8080")
///     .max_connections(64)
///     .build()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    base_url: String,
    max_connections: Option<usize>,
}

impl ClientBuilder {
    /// Bounds the connections the client keeps open (idle or busy) to `max`.
    ///
    /// A request that finds every connection busy waits for one, first come
    /// first served, and is handed the first that another request finishes
    /// with (or leave to open a new one when one closes). Under lot the
    /// wait is part of the iteration, so it counts in the iteration's
    /// latency and its timeout: an open-model load over a fixed set of
    /// connections, as `wrk2 -c` runs it. Without a bound (the default)
    /// every request in flight has a connection of its own.
    ///
    /// What a bound costs: a request reads one shared counter (whether any
    /// request waits) before it takes an idle connection from its thread's
    /// list, and putting the connection back reads it again. Opening or
    /// closing a connection, a request that finds its thread's list empty,
    /// and waiting take the client's lock.
    pub fn max_connections(mut self, max: usize) -> ClientBuilder {
        self.max_connections = Some(max);
        self
    }

    /// The client, with its host resolved (see [`Client::new`]).
    ///
    /// # Errors
    ///
    /// What [`Client::new`] gives for a bad URL, and an error of kind
    /// [`ErrorKind::Config`] if `max_connections` is 0.
    pub fn build(self) -> Result<Client, Error> {
        if self.max_connections == Some(0) {
            return Err(Error::new(
                ErrorKind::Config,
                "max_connections must be at least 1, not 0",
            ));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                base: url::parse(&self.base_url)?,
                pool: Pool::new(self.max_connections),
            }),
        })
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("authority", &self.inner.base.authority)
            .field("path", &self.inner.base.path)
            .field("addrs", &self.inner.base.addrs)
            .finish_non_exhaustive()
    }
}
