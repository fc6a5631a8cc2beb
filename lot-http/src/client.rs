//! The client: its settings, its pool, and the exchange of one request.
//!
//! The methods that start a request (`Client::get`, `Client::post`, ...)
//! are in `request.rs`, next to the builder they return.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::conn::{Conn, Message};
use crate::error::{Error, ErrorKind};
use crate::metrics::Measure;
use crate::pool::{Checkout, Pool, Pooled};
use crate::response::Response;
#[cfg(feature = "tls")]
use crate::tls;
use crate::url;

/// A client for one target, with its pool of keep-alive connections.
///
/// Cloning it is cheap and clones share the pool.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base: url::Base,
    /// The TLS side of an `https` client: its one rustls configuration,
    /// whose session cache every connection shares.
    #[cfg(feature = "tls")]
    tls: Option<tls::Connector>,
    pool: Pool,
    /// The default of each request's body limit.
    pub(crate) max_body: u64,
    /// The default of each request's discard mode.
    pub(crate) discard: bool,
    /// Whether requests are recorded into the run (the `metrics` feature).
    pub(crate) record: bool,
}

/// The largest response body a client accepts unless told otherwise:
/// 16 MiB. See [`ClientBuilder::max_body`].
pub const DEFAULT_MAX_BODY: u64 = 16 * 1024 * 1024;

/// The idle connections a client keeps per thread unless told otherwise:
/// 1024. See [`ClientBuilder::max_idle_per_thread`].
pub const DEFAULT_MAX_IDLE_PER_THREAD: usize = 1024;

/// How long a connection stays idle in the pool unless told otherwise:
/// 30 s. See [`ClientBuilder::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

impl Client {
    /// A client for the target at `base_url`: `http://host[:port][/path]`,
    /// or `https://host[:port][/path]` with the `tls` feature (on by
    /// default), with no bound on its open connections: a request that
    /// finds no idle connection opens one. [`Client::builder`] sets a bound,
    /// and the TLS settings.
    ///
    /// The host is resolved here, once, with the system's resolver, which
    /// blocks: create clients while setting up, before the load, and a
    /// mistake in the URL is an error before any load is sent. A request's
    /// path is appended to the base URL's path. For `https`, the system's
    /// root certificates are loaded here too (once per process), and the
    /// target's certificate is checked against them at every handshake.
    ///
    /// # Errors
    ///
    /// An error of kind [`ErrorKind::Url`], naming the URL and what was
    /// expected, if the URL is not `http://` or `https://` with a host, has
    /// a query, user information or an invalid port, or if its host does
    /// not resolve; for `https` without the `tls` feature, one that names
    /// the feature.
    pub fn new(base_url: &str) -> Result<Client, Error> {
        Client::builder(base_url).build()
    }

    /// A builder for a client of the target at `base_url` with settings
    /// beyond the URL; see [`Client::new`] for the URL.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            max_connections: None,
            max_body: DEFAULT_MAX_BODY,
            discard: false,
            record: true,
            max_idle_per_thread: DEFAULT_MAX_IDLE_PER_THREAD,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            #[cfg(feature = "tls")]
            tls: tls::Settings::default(),
        }
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
    pub(crate) async fn exchange(&self, request: &Message) -> Result<Response, Error> {
        let mut measure = Measure::start(request, self.inner.record);
        let result = self.exchange_measured(request, &mut measure).await;
        measure.finish(&result);
        result
    }

    async fn exchange_measured(
        &self,
        request: &Message,
        measure: &mut Measure<'_>,
    ) -> Result<Response, Error> {
        // Connections the target closed (or wrote to) while they were idle
        // are dropped by the pool; one that is closed while the request is
        // on its way is the case the retry is for.
        let slot = match self.inner.pool.checkout().await {
            Checkout::Idle(mut conn) => {
                measure.reused();
                let exchanged = conn.conn.exchange(request, measure.timing()).await;
                match exchanged {
                    Ok((response, reusable)) => {
                        if reusable {
                            self.inner.pool.put(conn);
                        }
                        return Ok(response);
                    }
                    // The retry opens its connection in the failed one's slot.
                    Err(e) if e.is_unanswered() && request.idempotent => conn.take_slot(),
                    Err(e) => return Err(e),
                }
            }
            Checkout::Open(slot) => slot,
        };
        let mut conn = Pooled::new(self.open(measure).await?, slot);
        let (response, reusable) = conn.conn.exchange(request, measure.timing()).await?;
        if reusable {
            self.inner.pool.put(conn);
        }
        Ok(response)
    }

    /// Opens a connection to the target, in two steps awaited one after
    /// the other, each timed into `measure`: the TCP connect, then, for
    /// `https`, the TLS handshake.
    async fn open(&self, measure: &mut Measure<'_>) -> Result<Conn, Error> {
        let start = Instant::now();
        let tcp = Conn::connect_tcp(&self.inner.base.addrs).await;
        let connected = Instant::now();
        measure.opened(connected - start, Duration::ZERO);
        let tcp = tcp?;
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.inner.tls {
            let handshake = tls.handshake(tcp).await;
            measure.opened(connected - start, connected.elapsed());
            return Ok(Conn::tls(handshake?));
        }
        Ok(Conn::plain(tcp))
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
    max_body: u64,
    discard: bool,
    record: bool,
    max_idle_per_thread: usize,
    idle_timeout: Duration,
    #[cfg(feature = "tls")]
    tls: tls::Settings,
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

    /// Accepts response bodies of at most `bytes` (default
    /// [`DEFAULT_MAX_BODY`], 16 MiB); [`RequestBuilder::max_body`] sets it
    /// for one request.
    ///
    /// A response over the limit fails its request with an error of kind
    /// [`ErrorKind::TooLarge`] whose text is `response body over the 16 MiB
    /// limit`, and its connection is closed rather than read to the end. A
    /// declared `Content-Length` over the limit fails at once, before a byte
    /// of the body is read; a chunked or close-delimited body fails as soon
    /// as it passes the limit. Memory is reserved as the body arrives, never
    /// from the declared length alone, and never beyond the limit.
    ///
    /// Why 16 MiB: a load test's responses are API payloads and pages,
    /// rarely above a few MiB, and a limit is what keeps a generator with
    /// thousands of requests in flight alive against a target that answers
    /// with an endless body. hyper and reqwest set no limit (the caller
    /// bounds what it collects), curl none unless `--max-filesize` is
    /// given, and k6 buffers whole bodies unless `discardResponseBodies` is
    /// set; lot::http reads bodies whole, so it needs one. For large
    /// downloads, raise it, or count the bytes without keeping them with
    /// [`discard_bodies`](ClientBuilder::discard_bodies).
    ///
    /// [`RequestBuilder::max_body`]: crate::RequestBuilder::max_body
    pub fn max_body(mut self, bytes: u64) -> ClientBuilder {
        self.max_body = bytes;
        self
    }

    /// Counts response bodies and drops them as they arrive rather than
    /// keep them (default: kept); [`RequestBuilder::discard_body`] sets it
    /// for one request. A [`Response`] then holds its status and headers,
    /// [`Response::body_len`] tells the body's length, and
    /// [`Response::body`] is empty. A connection's memory stays within its
    /// read buffer (16 KiB while it reads a body, up to 64 KiB after a long
    /// head) and the response's head, whatever the body's size.
    /// The limit of [`max_body`](ClientBuilder::max_body) still applies:
    /// raise it for downloads larger than 16 MiB.
    ///
    /// [`RequestBuilder::discard_body`]: crate::RequestBuilder::discard_body
    pub fn discard_bodies(mut self, discard: bool) -> ClientBuilder {
        self.discard = discard;
        self
    }

    /// Whether the client's requests are recorded into the lot run they
    /// are part of (default `true`; only with the `metrics` feature, which
    /// the `lot` facade turns on): see the crate docs' feature table. Off,
    /// nothing is recorded (a connection still reads the clock three times
    /// an exchange); `cargo xtask bench` compares the two to measure what
    /// recording costs.
    pub fn record_metrics(mut self, record: bool) -> ClientBuilder {
        self.record = record;
        self
    }

    /// Keeps at most `max` idle connections per thread (default
    /// [`DEFAULT_MAX_IDLE_PER_THREAD`], 1024); a connection put back beyond
    /// it is closed. `0` keeps none: every request opens a connection.
    ///
    /// The bound is on memory (an idle connection holds a socket and a read
    /// buffer of 1 to 16 KiB), not on the pool's everyday size, which the
    /// [`idle_timeout`](ClientBuilder::idle_timeout) makes follow the load.
    /// Keep it above the requests one thread has in flight at once:
    /// connections closed for want of room are opened again by the next
    /// requests, and each close leaves a port in `TIME_WAIT` for a minute.
    pub fn max_idle_per_thread(mut self, max: usize) -> ClientBuilder {
        self.max_idle_per_thread = max;
        self
    }

    /// Closes connections idle for longer than `timeout` (default
    /// [`DEFAULT_IDLE_TIMEOUT`], 30 s).
    ///
    /// Expired connections are closed when a request or a put-back touches
    /// the pool, on any thread, within a quarter of the timeout (at most a
    /// second) after they expire; a client nothing touches keeps its idle
    /// connections until its next request or until it is dropped.
    ///
    /// Why 30 s: shorter than hyper-util's and Go's 90 s, so that when a
    /// stage's load falls the connections its peak opened close within half
    /// a minute; long enough that a steady load, even a slow one, reuses
    /// its connections rather than reopening them.
    pub fn idle_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.idle_timeout = timeout;
        self
    }

    /// Trusts the certificates of `pem` (one or more `-----BEGIN
    /// CERTIFICATE-----` blocks) as roots, besides the system's (default:
    /// the system's roots only). Call it again to add more.
    ///
    /// This is how a target whose certificate a private CA signed (a
    /// staging environment, a test server) is verified: give the CA's
    /// certificate, and the target's certificate is checked as any other,
    /// its name and dates included. A PEM that holds no certificate, or one
    /// that does not parse, fails [`build`](ClientBuilder::build) with an
    /// error of kind [`ErrorKind::Config`].
    #[cfg(feature = "tls")]
    pub fn add_root_certificate(mut self, pem: &[u8]) -> ClientBuilder {
        self.tls.roots.push(pem.to_vec());
        self
    }

    /// Accepts any certificate the target presents, expired, self-signed
    /// or for another name (default: `false`, certificates are checked).
    ///
    /// For test targets with self-signed certificates only: with it, the
    /// client cannot tell the target from anyone in between. The handshake's
    /// signatures are still checked (the target must hold the key of the
    /// certificate it presents), as reqwest's
    /// `danger_accept_invalid_certs` does. To verify a test target instead,
    /// give its certificate (or its CA's) to
    /// [`add_root_certificate`](ClientBuilder::add_root_certificate).
    #[cfg(feature = "tls")]
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> ClientBuilder {
        self.tls.accept_invalid_certs = accept;
        self
    }

    /// Presents a client certificate to targets that ask for one (mutual
    /// TLS; default: none). `cert_chain_pem` holds the client's certificate
    /// first, then any intermediates; `key_pem` its private key (PKCS #8,
    /// PKCS #1 or SEC1 PEM).
    ///
    /// A PEM without a certificate or a key, or a key that does not fit the
    /// certificate, fails [`build`](ClientBuilder::build) with an error of
    /// kind [`ErrorKind::Config`]. Without an identity, a target that
    /// requires one refuses the handshake: an error of kind
    /// [`ErrorKind::Tls`], `tls: no client certificate (the target requires
    /// one)`.
    #[cfg(feature = "tls")]
    pub fn identity(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> ClientBuilder {
        self.tls.identity = Some((cert_chain_pem.to_vec(), key_pem.to_vec()));
        self
    }

    /// The client, with its host resolved (see [`Client::new`]).
    ///
    /// # Errors
    ///
    /// What [`Client::new`] gives for a bad URL, and an error of kind
    /// [`ErrorKind::Config`] if `max_connections` is 0 or a PEM given for
    /// TLS cannot be used (checked for an `http` URL too).
    pub fn build(self) -> Result<Client, Error> {
        if self.max_connections == Some(0) {
            return Err(Error::new(
                ErrorKind::Config,
                "max_connections must be at least 1, not 0",
            ));
        }
        let base = url::parse(&self.base_url)?;
        #[cfg(feature = "tls")]
        let tls = self.tls.connector(base.tls.then_some(base.host.as_str()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                #[cfg(feature = "tls")]
                tls,
                pool: Pool::new(
                    self.max_connections,
                    self.max_idle_per_thread,
                    self.idle_timeout,
                ),
                max_body: self.max_body,
                discard: self.discard,
                record: self.record,
            }),
        })
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("tls", &self.inner.base.tls)
            .field("authority", &self.inner.base.authority)
            .field("path", &self.inner.base.path)
            .field("addrs", &self.inner.base.addrs)
            .finish_non_exhaustive()
    }
}
