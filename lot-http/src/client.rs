//! The client: its settings, its pool, and the exchange of one request.
//!
//! The methods that start a request (`Client::get`, `Client::post`, ...)
//! are in `request.rs`, next to the builder they return.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::conn::Conn;
use crate::error::{Error, ErrorKind};
use crate::message::Message;
use crate::metrics::Measure;
use crate::pool::{Checkout, Pool, Pooled};
use crate::response::Response;
use crate::session;
#[cfg(feature = "cookies")]
use crate::session::Jar;
#[cfg(feature = "tls")]
use crate::tls;
use crate::url;

/// A client for one target, with its pool of keep-alive connections.
///
/// Cloning it is cheap and clones share the pool, and the cookie jar if
/// the client has one ([`ClientBuilder::cookies`]); [`Client::session`]
/// makes a clone with a jar of its own.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    /// The cookie jar this clone sends from and stores into, if any.
    #[cfg(feature = "cookies")]
    pub(crate) jar: Option<Arc<Jar>>,
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
    /// The default of each request's redirect limit.
    pub(crate) redirects: u8,
    /// The base URL's origin, which redirects are resolved against and
    /// cookies matched to.
    origin: ::url::Url,
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
    /// mistake in the URL is an error before any load is sent. A connection
    /// tries the addresses in the resolver's order, but the one that
    /// accepted last first (so `localhost` resolving to `::1` before
    /// `127.0.0.1` costs a target on IPv4 alone one refused attempt, not
    /// one per connection). A request's
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
            redirects: 0,
            #[cfg(feature = "cookies")]
            cookies: false,
            #[cfg(feature = "tls")]
            tls: tls::Settings::default(),
        }
    }

    /// A clone of the client with an empty cookie jar of its own: it shares
    /// the pool and the settings, and its requests send and keep the
    /// cookies of its jar only (see [`ClientBuilder::cookies`]).
    ///
    /// This is a user's session: a [`UserScenario`]'s state can own one,
    /// so that each user of a users load logs in with cookies of its own.
    /// Requests built from the session ([`Client::get`] and the others on
    /// it) use its jar; a [`Request`](crate::Request) built from another
    /// clone uses that clone's.
    ///
    /// [`UserScenario`]: https://docs.rs/lot/latest/lot/trait.UserScenario.html
    #[cfg(feature = "cookies")]
    pub fn session(&self) -> Client {
        Client {
            inner: self.inner.clone(),
            jar: Some(Arc::default()),
        }
    }

    /// The value of the cookie named `name` that this clone's jar would
    /// send with a request for `path` (a path as requests take it, after
    /// the base URL's path), if it has a jar and such a cookie.
    #[cfg(feature = "cookies")]
    pub fn cookie(&self, name: &str, path: &str) -> Option<String> {
        let url = self.url(&format!("{}{path}", self.inner.base.path)).ok()?;
        self.jar.as_ref()?.get(name, &url)
    }

    /// Empties this clone's cookie jar (and so that of the clones sharing
    /// it), as a user logging out would; without a jar, does nothing.
    #[cfg(feature = "cookies")]
    pub fn clear_cookies(&self) {
        if let Some(jar) = &self.jar {
            jar.clear();
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
        #[cfg(feature = "cookies")]
        let session = self.jar.is_some() || request.redirects > 0;
        #[cfg(not(feature = "cookies"))]
        let session = request.redirects > 0;
        if session {
            // Boxed, so that the future of a request without cookies or
            // redirects stays the size of one exchange.
            return Box::pin(self.exchange_session(request)).await;
        }
        self.exchange_once(request).await
    }

    /// Sends `request` with the jar's cookies, if this clone has a jar, and
    /// follows up to the request's redirects: one exchange per hop, each
    /// recorded as a request of its own under the first one's name. Returns
    /// the last response.
    async fn exchange_session(&self, request: &Message) -> Result<Response, Error> {
        let mut hop = request.clone();
        let mut followed = 0;
        loop {
            let url = self.url(hop.target())?;
            #[cfg(feature = "cookies")]
            let sent = match self.jar.as_ref().and_then(|jar| jar.header(&url)) {
                Some(cookies) => hop.with_header("cookie", &cookies),
                None => hop.clone(),
            };
            #[cfg(not(feature = "cookies"))]
            let sent = hop.clone();
            let response = self.exchange_once(&sent).await?;
            #[cfg(feature = "cookies")]
            if let Some(jar) = &self.jar {
                jar.store(&response, &url);
            }
            let Some(target) = session::redirect(&response, &url) else {
                return Ok(response);
            };
            let target = target?;
            if followed == request.redirects {
                return Err(Error::new(
                    ErrorKind::Redirect,
                    format!("redirect: more than {followed} redirects"),
                ));
            }
            followed += 1;
            hop = hop.redirected(response.status(), &target);
        }
    }

    /// The URL of `target` (a path and query) on the client's origin.
    pub(crate) fn url(&self, target: &str) -> Result<::url::Url, Error> {
        self.inner.origin.join(target).map_err(|e| {
            Error::new(
                ErrorKind::Request,
                format!("invalid path `{}`: {e}", target.escape_debug()),
            )
        })
    }

    /// Sends `request` once, as it is: one exchange, measured.
    pub(crate) async fn exchange_once(&self, request: &Message) -> Result<Response, Error> {
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
        let tcp = self.inner.base.addrs.connect().await;
        let connected = Instant::now();
        measure.opened(connected - start, Duration::ZERO);
        let tcp = tcp?;
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.inner.tls {
            let handshake = tls.handshake(tcp).await;
            measure.opened(connected - start, connected.elapsed());
            return Ok(Conn::tls(handshake?));
        }
        measure.plain();
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
    redirects: u8,
    #[cfg(feature = "cookies")]
    cookies: bool,
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

    /// Gives the client a cookie jar (default: none), shared by its clones:
    /// the cookies its responses set (`Set-Cookie`) are kept and sent
    /// back (`Cookie`) with its later requests whose path they match, as a
    /// browser or k6's per-user jar does, by the rules of RFC 6265 (path,
    /// expiry, `Secure`, `Max-Age=0` to delete).
    ///
    /// For a jar per user rather than one for the whole load, give each
    /// user its own [`Client::session`] (which needs no jar here).
    ///
    /// A jar holds at most [`MAX_COOKIES`](crate::MAX_COOKIES) (64)
    /// cookies of at most [`MAX_COOKIE_LEN`](crate::MAX_COOKIE_LEN) (4 KiB)
    /// each; beyond that, new cookies are ignored, so a target cannot grow
    /// a jar without bound. A request of a client with a jar costs a lock
    /// of the jar before and after its exchange, and its bytes are built
    /// again when it carries cookies; a client without one (the default)
    /// sends its built bytes as they are.
    #[cfg(feature = "cookies")]
    pub fn cookies(mut self, enabled: bool) -> ClientBuilder {
        self.cookies = enabled;
        self
    }

    /// Follows at most `max` redirects (default 0: a redirect is returned
    /// as it came, as a response with its 3xx status);
    /// [`RequestBuilder::redirects`] sets it for one request.
    ///
    /// A 301, 302, 303, 307 or 308 with a `Location` on the client's
    /// origin (same scheme, host and port) is followed with a new exchange:
    /// 307 and 308 repeat the method and body; 303, and 301 or 302 after a
    /// `POST`, become a `GET` without the body, as browsers, curl and
    /// reqwest do. The other headers are sent again, with the jar's cookies
    /// for the new path if the client has a jar. Each hop is recorded as a
    /// request of its own, under the first one's name, and the last
    /// response is returned.
    ///
    /// A redirect to another origin, which this client (bound to one
    /// target) cannot follow, fails the request with an error of kind
    /// [`ErrorKind::Redirect`], `redirect: to another origin (not
    /// followed)`; one more redirect than `max` with `redirect: more than N
    /// redirects`. A 3xx without a `Location` is returned as it is.
    ///
    /// [`RequestBuilder::redirects`]: crate::RequestBuilder::redirects
    pub fn redirects(mut self, max: u8) -> ClientBuilder {
        self.redirects = max;
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
        let scheme = if base.tls { "https" } else { "http" };
        let origin =
            ::url::Url::parse(&format!("{scheme}://{}/", base.authority)).map_err(|e| {
                Error::new(
                    ErrorKind::Url,
                    format!("invalid base URL `{}`: {e}", self.base_url.escape_debug()),
                )
            })?;
        #[cfg(feature = "tls")]
        let tls = self.tls.connector(base.tls.then_some(base.host.as_str()))?;
        Ok(Client {
            #[cfg(feature = "cookies")]
            jar: self.cookies.then(Arc::default),
            inner: Arc::new(Inner {
                redirects: self.redirects,
                origin,
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
