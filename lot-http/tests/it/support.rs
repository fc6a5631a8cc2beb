//! Real servers on 127.0.0.1 for the tests, and what they saw.
//!
//! - [`HyperServer`]: a hyper 1.x HTTP/1.1 server, for normal behaviour. It
//!   records every request as hyper parsed it and counts accepted
//!   connections.
//! - [`RawServer`]: a plain tokio listener whose handler reads requests as
//!   bytes and writes hand-crafted response bytes, for edge cases. It records
//!   every request's exact bytes and counts accepted connections.

#![allow(dead_code)]

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Barrier;
use tokio::task::JoinHandle;

/// How long any one await of a test may take before it counts as a hang.
pub const LIMIT: Duration = Duration::from_secs(10);

/// How many requests `/barrier` holds until they are all in flight at once.
pub const WAVE: usize = 20;

/// The `user-agent` the client sends by default.
pub const USER_AGENT: &str = concat!("lot/", env!("CARGO_PKG_VERSION"));

/// Awaits `f`, failing the test (instead of hanging it) after [`LIMIT`].
pub async fn within<F: IntoFuture>(what: &str, f: F) -> F::Output {
    match tokio::time::timeout(LIMIT, f).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: no result within {LIMIT:?}"),
    }
}

/// A body of `len` bytes in a pattern that catches reordering and loss.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The size of `/big`'s body: 1 MiB.
pub const BIG: usize = 1 << 20;

/// A request as the hyper server parsed it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub version: hyper::Version,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
    /// The index of the connection it came on, in accept order from 0.
    pub conn: usize,
}

impl Seen {
    /// Every value of header `name`, as text.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }

    /// The one value of header `name`; fails if it is absent or repeated.
    pub fn one(&self, name: &str) -> String {
        let all = self.all(name);
        assert_eq!(all.len(), 1, "expected one `{name}` header in {self:?}");
        all.into_iter().next().unwrap_or_default()
    }
}

/// A hyper HTTP/1.1 server. Routes, matched on the end of the path so any
/// base path works:
///
/// - `…/status/{code}`: that status, body `status {code}`;
/// - `…/barrier`: waits until [`WAVE`] requests are in flight, then `200`;
/// - `…/big`: `200` with a [`BIG`]-byte [`pattern`] body;
/// - `…/binary`: `200` with a body that is not UTF-8;
/// - `…/login/{user}`: `200`, setting the cookies `session={user}` for
///   every path and `theme=dark` for `/app`; `…/logout`: `200`, deleting
///   `session`; `…/cookies/{from}-{to}`: `200`, setting the cookies
///   `c{i}={i}-{to}` for `i` from `from` to `to - 1`;
///   `…/login-then/{user}`: a `303` to `/whoami` that sets `session={user}`;
/// - `…/hop/{status}/{n}`: for `n` > 0, a redirect with `status` to the
///   relative `Location: {n - 1}`; for 0, `200` with the path as the body;
/// - `…/away`: a `302` to `http://elsewhere.invalid/`; `…/to/{path}`: a
///   `302` to this server's `http://ADDR/{path}`; `…/nowhere`: a `302`
///   without a `Location`;
/// - anything else: `200` with the request's path and query as the body.
///
/// Every response has the header `X-Served-By: hyper-test`.
pub struct HyperServer {
    pub addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl HyperServer {
    /// Starts the server on an ephemeral port, on the current runtime.
    pub async fn start() -> HyperServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let accepts = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let barrier = Arc::new(Barrier::new(WAVE));
        let task = tokio::spawn({
            let (accepts, seen) = (accepts.clone(), seen.clone());
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let conn = accepts.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.set_nodelay(true);
                    let (seen, barrier) = (seen.clone(), barrier.clone());
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            let (seen, barrier) = (seen.clone(), barrier.clone());
                            async move {
                                Ok::<_, Infallible>(handle(request, conn, &seen, &barrier).await)
                            }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            }
        });
        HyperServer {
            addr,
            accepts,
            seen,
            task,
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The connections accepted so far.
    pub fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }

    /// The requests received so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for HyperServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    request: hyper::Request<Incoming>,
    conn: usize,
    seen: &Mutex<Vec<Seen>>,
    barrier: &Barrier,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(e) => format!("<error reading the body: {e}>").into_bytes(),
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |p| p.as_str().to_owned());
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        target: target.clone(),
        version: parts.version,
        headers: parts.headers,
        body,
        conn,
    });
    let path = parts.uri.path();
    if let Some(response) = session_route(path, &host) {
        return response;
    }
    let (status, body) = if let Some((_, code)) = path.rsplit_once("/status/") {
        (
            code.parse().unwrap_or(500),
            format!("status {code}").into_bytes(),
        )
    } else if path.ends_with("/barrier") {
        barrier.wait().await;
        (200, target.into_bytes())
    } else if path.ends_with("/big") {
        (200, pattern(BIG))
    } else if path.ends_with("/binary") {
        (200, vec![0xff, 0xfe, 0x00, 0x80])
    } else {
        (200, target.into_bytes())
    };
    hyper::Response::builder()
        .status(status)
        .header("X-Served-By", "hyper-test")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}

/// The routes of sessions (cookies and redirects), if `path` is one.
fn session_route(path: &str, host: &str) -> Option<hyper::Response<Full<Bytes>>> {
    let builder = hyper::Response::builder().header("X-Served-By", "hyper-test");
    let builder = if let Some((_, user)) = path.rsplit_once("/login/") {
        builder
            .header("set-cookie", format!("session={user}; Path=/"))
            .header("set-cookie", "theme=dark; Path=/app")
    } else if path.ends_with("/logout") {
        builder.header("set-cookie", "session=; Path=/; Max-Age=0")
    } else if let Some((_, range)) = path.rsplit_once("/cookies/") {
        let (from, to) = range.split_once('-')?;
        (from.parse().ok()?..to.parse().ok()?).fold(builder, |b, i: usize| {
            b.header("set-cookie", format!("c{i}={i}-{to}; Path=/"))
        })
    } else if let Some((_, user)) = path.rsplit_once("/login-then/") {
        builder
            .status(303)
            .header("set-cookie", format!("session={user}; Path=/"))
            .header("location", "/whoami")
    } else if let Some((_, hop)) = path.rsplit_once("/hop/") {
        let (status, n) = hop.split_once('/')?;
        let n: u32 = n.parse().ok()?;
        if n == 0 {
            return None;
        }
        builder
            .status(status.parse::<u16>().ok()?)
            .header("location", (n - 1).to_string())
    } else if path.ends_with("/away") {
        builder
            .status(302)
            .header("location", "http://elsewhere.invalid/")
    } else if let Some((_, to)) = path.rsplit_once("/to/") {
        builder
            .status(302)
            .header("location", format!("http://{host}/{to}"))
    } else if path.ends_with("/nowhere") {
        builder.status(302)
    } else {
        return None;
    };
    Some(
        builder
            .body(Full::new(Bytes::from(path.to_owned())))
            .expect("a valid response"),
    )
}

/// A request as the raw server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    /// The index of the connection it came on, in accept order from 0.
    pub conn: usize,
    /// Its exact bytes: head and body.
    pub bytes: Vec<u8>,
}

impl RawRequest {
    /// The request line, e.g. `GET /x HTTP/1.1`.
    pub fn line(&self) -> String {
        let text = String::from_utf8_lossy(&self.bytes);
        text.split("\r\n").next().unwrap_or_default().to_owned()
    }
}

/// A server on a plain tokio listener; each accepted connection is handed
/// to the handler as a [`RawConn`] on a task of its own.
pub struct RawServer {
    pub addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Starts the server on an ephemeral port, on the current runtime.
    pub async fn start<F, Fut>(handler: F) -> RawServer
    where
        F: Fn(RawConn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let accepts = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let (accepts, requests) = (accepts.clone(), requests.clone());
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let conn = RawConn {
                        index: accepts.fetch_add(1, Ordering::SeqCst),
                        stream,
                        buf: Vec::new(),
                        requests: requests.clone(),
                    };
                    tokio::spawn(handler(conn));
                }
            }
        });
        RawServer {
            addr,
            accepts,
            requests,
            task,
        }
    }

    /// A server that answers every request on every connection with
    /// `response`, and keeps each connection open until the client closes it.
    pub async fn replying(response: impl Into<Vec<u8>>) -> RawServer {
        let response: Arc<[u8]> = response.into().into();
        RawServer::start(move |mut conn| {
            let response = response.clone();
            async move {
                while conn.read_request().await.is_some() {
                    conn.write(&response).await;
                }
            }
        })
        .await
    }

    /// A server that answers the first request on each connection with
    /// `response`, then closes the connection.
    pub async fn replying_once(response: impl Into<Vec<u8>>) -> RawServer {
        let response: Arc<[u8]> = response.into().into();
        RawServer::start(move |mut conn| {
            let response = response.clone();
            async move {
                if conn.read_request().await.is_some() {
                    conn.write(&response).await;
                }
            }
        })
        .await
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The connections accepted so far.
    pub fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }

    /// The request lines received so far, in order.
    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(RawRequest::line).collect()
    }

    /// The request lines received so far, in order, each with the number
    /// of the connection it came on.
    pub fn received(&self) -> Vec<(usize, String)> {
        self.requests().iter().map(|r| (r.conn, r.line())).collect()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One accepted connection of a [`RawServer`]. Dropping it closes it.
pub struct RawConn {
    /// Its index, in accept order from 0.
    pub index: usize,
    stream: TcpStream,
    buf: Vec<u8>,
    requests: Arc<Mutex<Vec<RawRequest>>>,
}

impl RawConn {
    /// Reads one request (its head, then as many body bytes as its
    /// `Content-Length` says) and records it. `None` once the client closed
    /// the connection (or reset it) before a whole request.
    pub async fn read_request(&mut self) -> Option<Vec<u8>> {
        let head_len = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if !self.read_more().await {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_len]).into_owned();
        let body_len = head
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| {
                v.trim().parse::<usize>().expect("a numeric length")
            });
        while self.buf.len() < head_len + body_len {
            if !self.read_more().await {
                return None;
            }
        }
        let request: Vec<u8> = self.buf.drain(..head_len + body_len).collect();
        self.requests.lock().unwrap().push(RawRequest {
            conn: self.index,
            bytes: request.clone(),
        });
        Some(request)
    }

    async fn read_more(&mut self) -> bool {
        let mut chunk = [0; 16 * 1024];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Writes `bytes`, ignoring a client that went away.
    pub async fn write(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes).await;
        let _ = self.stream.flush().await;
    }

    /// Writes each part in its own write, 5 ms apart, so the client reads
    /// the response in pieces split at these points.
    pub async fn write_in_parts(&mut self, parts: &[&[u8]]) {
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            self.write(part).await;
        }
    }

    /// Waits until the client closes the connection, discarding what it
    /// sends meanwhile. True if it closed within [`LIMIT`].
    pub async fn wait_closed(&mut self) -> bool {
        let closed = async {
            let mut chunk = [0; 4096];
            loop {
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(LIMIT, closed).await.is_ok()
    }
}

/// TLS for the tests of `https`: certificates made by rcgen as a test
/// starts, and [`TlsFront`](tls::TlsFront), a TLS server that hands each
/// connection's bytes to one of the plain servers above.
#[cfg(feature = "tls")]
pub mod tls {
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::oneshot;
    use tokio_rustls::TlsAcceptor;
    use tokio_rustls::rustls::crypto::{CryptoProvider, aws_lc_rs};
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::server::WebPkiClientVerifier;
    use tokio_rustls::rustls::{HandshakeKind, RootCertStore, ServerConfig};

    /// A certificate chain and its key, as a server or a client presents
    /// them.
    pub struct Identity {
        pub chain: Vec<CertificateDer<'static>>,
        key_der: Vec<u8>,
        /// The chain and the key in PEM, as `ClientBuilder::identity` takes
        /// them.
        pub chain_pem: String,
        pub key_pem: String,
    }

    impl Identity {
        fn key(&self) -> PrivateKeyDer<'static> {
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
        }
    }

    /// Every certificate the TLS tests use, made anew for each test.
    pub struct Pki {
        /// The CA that signs the servers' certificates, in PEM.
        pub ca_pem: String,
        /// Valid now, for `localhost` and `127.0.0.1`, signed by the CA.
        pub leaf: Identity,
        /// The same names, expired since 2020.
        pub expired: Identity,
        /// Valid now, for `other.test` only.
        pub other_name: Identity,
        /// Self-signed, for `localhost` and `127.0.0.1`.
        pub self_signed: Identity,
        /// The CA that signs client certificates, in DER, for a server that
        /// requires them.
        pub client_ca: CertificateDer<'static>,
        /// A client certificate signed by the client CA.
        pub client: Identity,
        /// A client certificate signed by the servers' CA, which a server
        /// requiring the client CA refuses.
        pub stranger: Identity,
    }

    fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        CertifiedIssuer::self_signed(params, KeyPair::generate().expect("a key"))
            .expect("a CA certificate")
    }

    fn leaf(
        names: &[&str],
        purpose: ExtendedKeyUsagePurpose,
        issuer: Option<&CertifiedIssuer<'static, KeyPair>>,
        expired: bool,
    ) -> Identity {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("leaf parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "lot-http test");
        params.extended_key_usages = vec![purpose];
        if expired {
            params.not_before = rcgen::date_time_ymd(2019, 1, 1);
            params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        }
        let key = KeyPair::generate().expect("a key");
        let cert = match issuer {
            Some(issuer) => params.signed_by(&key, issuer),
            None => params.self_signed(&key),
        }
        .expect("a leaf certificate");
        Identity {
            chain: vec![cert.der().clone()],
            key_der: key.serialize_der(),
            chain_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    impl Pki {
        pub fn new() -> Pki {
            use ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
            let ca = new_ca("lot-http test CA");
            let client_ca = new_ca("lot-http test client CA");
            let names = ["localhost", "127.0.0.1"];
            Pki {
                ca_pem: ca.pem(),
                leaf: leaf(&names, ServerAuth, Some(&ca), false),
                expired: leaf(&names, ServerAuth, Some(&ca), true),
                other_name: leaf(&["other.test"], ServerAuth, Some(&ca), false),
                self_signed: leaf(&names, ServerAuth, None, false),
                client_ca: client_ca.der().clone(),
                client: leaf(&["client.test"], ClientAuth, Some(&client_ca), false),
                stranger: leaf(&["client.test"], ClientAuth, Some(&ca), false),
            }
        }
    }

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(aws_lc_rs::default_provider())
    }

    /// A server configuration presenting `identity`, requiring a client
    /// certificate signed by `client_ca` if given. It offers `h2` before
    /// `http/1.1`, so a client that offered both would be answered `h2`.
    pub fn server_config(
        identity: &Identity,
        client_ca: Option<&CertificateDer<'static>>,
    ) -> Arc<ServerConfig> {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .expect("TLS 1.2 and 1.3");
        let builder = match client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca.clone()).expect("the client CA");
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                        .build()
                        .expect("a client verifier");
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(identity.chain.clone(), identity.key())
            .expect("the server's certificate and key");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }

    /// One handshake a [`TlsFront`] completed.
    #[derive(Clone, Debug, PartialEq)]
    pub struct Handshake {
        pub kind: Option<HandshakeKind>,
        /// The name the client sent (SNI), if any.
        pub sni: Option<String>,
        /// The protocol agreed by ALPN, if any.
        pub alpn: Option<Vec<u8>>,
        /// Whether the client presented a certificate.
        pub client_cert: bool,
    }

    #[derive(Default)]
    struct Counts {
        accepted: AtomicUsize,
        failed: AtomicUsize,
        /// Bytes the clients sent, decrypted.
        received: AtomicU64,
        /// Bytes sent to the clients, before encryption.
        sent: AtomicU64,
        handshakes: Mutex<Vec<Handshake>>,
        /// rustls' text of each failed handshake.
        failures: Mutex<Vec<String>>,
    }

    /// A TLS server on 127.0.0.1 in front of a plain one: each connection it
    /// accepts, once its handshake is done, is piped to a new connection to
    /// the backend, both ways, until either side closes. The backend's end
    /// closes the client's with a `close_notify`, or (started with
    /// [`start_abrupt`](TlsFront::start_abrupt)) by closing the socket
    /// without one, as many servers do.
    ///
    /// It runs on a thread and a runtime of its own, as the hostile target
    /// does, so that a client that never yields cannot starve it.
    pub struct TlsFront {
        pub addr: SocketAddr,
        counts: Arc<Counts>,
        stop: Option<oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl TlsFront {
        /// Starts a front for the plain server at `backend`, with `config`.
        pub fn start(backend: SocketAddr, config: Arc<ServerConfig>) -> TlsFront {
            let close_notify = true;
            TlsFront::serving(Backend::Server(backend, close_notify), config)
        }

        /// As [`start`](TlsFront::start), but when the backend closes a
        /// connection the front closes the client's socket at once, without
        /// a `close_notify`.
        pub fn start_abrupt(backend: SocketAddr, config: Arc<ServerConfig>) -> TlsFront {
            let close_notify = false;
            TlsFront::serving(Backend::Server(backend, close_notify), config)
        }

        /// Starts a TLS server with `config` that reads a request head on
        /// each connection, then writes `head` once and `repeat` over and
        /// over, as fast as it can, until the client is gone. It writes the
        /// bytes itself, without a plain server behind it, so that it
        /// streams faster than a client can read.
        pub fn streaming(head: &[u8], repeat: Vec<u8>, config: Arc<ServerConfig>) -> TlsFront {
            TlsFront::serving(
                Backend::Endless {
                    head: head.into(),
                    repeat: repeat.into(),
                },
                config,
            )
        }

        fn serving(backend: Backend, config: Arc<ServerConfig>) -> TlsFront {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
            listener
                .set_nonblocking(true)
                .expect("a non-blocking listener");
            let addr = listener.local_addr().expect("the listener's address");
            let counts = Arc::new(Counts::default());
            let (stop, stopped) = oneshot::channel::<()>();
            let acceptor = TlsAcceptor::from(config);
            let thread = std::thread::spawn({
                let counts = counts.clone();
                move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("the front's runtime");
                    runtime.block_on(async move {
                        let listener = TcpListener::from_std(listener).expect("a tokio listener");
                        let accept = async {
                            loop {
                                let Ok((stream, _)) = listener.accept().await else {
                                    continue;
                                };
                                counts.accepted.fetch_add(1, Ordering::SeqCst);
                                let _ = stream.set_nodelay(true);
                                let (acceptor, counts) = (acceptor.clone(), counts.clone());
                                tokio::spawn(serve(stream, acceptor, backend.clone(), counts));
                            }
                        };
                        tokio::select! {
                            _ = accept => {}
                            _ = stopped => {}
                        }
                    });
                }
            });
            TlsFront {
                addr,
                counts,
                stop: Some(stop),
                thread: Some(thread),
            }
        }

        /// `https://HOST:PORT` followed by `path`, with `host` as given
        /// (`localhost` or `127.0.0.1`).
        pub fn url(&self, host: &str, path: &str) -> String {
            format!("https://{host}:{}{path}", self.addr.port())
        }

        /// The TCP connections accepted so far.
        pub fn accepted(&self) -> usize {
            self.counts.accepted.load(Ordering::SeqCst)
        }

        /// The handshakes completed so far, in order.
        pub fn handshakes(&self) -> Vec<Handshake> {
            self.counts.handshakes.lock().unwrap().clone()
        }

        /// The handshakes that failed so far, each as rustls' text.
        pub fn failures(&self) -> Vec<String> {
            self.counts.failures.lock().unwrap().clone()
        }

        /// Waits up to [`LIMIT`](super::LIMIT) for `n` failed handshakes,
        /// and returns them (a failure is counted once the server side has
        /// seen it, which may come just after the client's).
        pub fn wait_failures(&self, n: usize) -> Vec<String> {
            let deadline = std::time::Instant::now() + super::LIMIT;
            while self.counts.failed.load(Ordering::SeqCst) < n
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            self.failures()
        }

        /// The bytes the clients sent so far, decrypted.
        pub fn received(&self) -> u64 {
            self.counts.received.load(Ordering::SeqCst)
        }

        /// The bytes sent to the clients so far, before encryption.
        pub fn sent(&self) -> u64 {
            self.counts.sent.load(Ordering::SeqCst)
        }
    }

    impl Drop for TlsFront {
        fn drop(&mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    /// What a front does with a connection once its handshake is done.
    #[derive(Clone)]
    enum Backend {
        /// The plain server's address, and whether the backend's close is
        /// passed on with a `close_notify`.
        Server(SocketAddr, bool),
        Endless {
            head: Arc<[u8]>,
            repeat: Arc<[u8]>,
        },
    }

    async fn serve(
        stream: TcpStream,
        acceptor: TlsAcceptor,
        backend: Backend,
        counts: Arc<Counts>,
    ) {
        let tls = match acceptor.accept(stream).await {
            Ok(tls) => tls,
            Err(e) => {
                counts.failures.lock().unwrap().push(e.to_string());
                counts.failed.fetch_add(1, Ordering::SeqCst);
                return;
            }
        };
        let session = tls.get_ref().1;
        counts.handshakes.lock().unwrap().push(Handshake {
            kind: session.handshake_kind(),
            sni: session.server_name().map(str::to_owned),
            alpn: session.alpn_protocol().map(<[u8]>::to_vec),
            client_cert: session.peer_certificates().is_some_and(|c| !c.is_empty()),
        });
        let (backend, close_notify) = match backend {
            Backend::Server(addr, close_notify) => (addr, close_notify),
            Backend::Endless { head, repeat } => {
                return stream_forever(tls, &head, &repeat, &counts).await;
            }
        };
        let Ok(backend) = TcpStream::connect(backend).await else {
            return;
        };
        let _ = backend.set_nodelay(true);
        let (mut from_client, mut to_client) = tokio::io::split(tls);
        let (mut from_backend, mut to_backend) = backend.into_split();
        let up = async {
            let mut buf = vec![0; 16 * 1024];
            loop {
                match from_client.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        counts.received.fetch_add(n as u64, Ordering::SeqCst);
                        if to_backend.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = to_backend.shutdown().await;
        };
        let down = async {
            let mut buf = vec![0; 16 * 1024];
            loop {
                match from_backend.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if to_client.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                        counts.sent.fetch_add(n as u64, Ordering::SeqCst);
                    }
                }
            }
            // The backend closed: a `close_notify`, then the socket's end.
            if close_notify {
                let _ = to_client.shutdown().await;
            }
        };
        if close_notify {
            tokio::join!(up, down);
        } else {
            // The client's socket is dropped as soon as the backend closes.
            tokio::select! {
                _ = up => {}
                _ = down => {}
            }
        }
    }

    /// Reads a request head from `tls`, then writes `head` and `repeat`
    /// until the client is gone.
    async fn stream_forever(
        mut tls: tokio_rustls::server::TlsStream<TcpStream>,
        head: &[u8],
        repeat: &[u8],
        counts: &Counts,
    ) {
        let mut request = Vec::new();
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let mut chunk = [0; 4096];
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    counts.received.fetch_add(n as u64, Ordering::SeqCst);
                    request.extend_from_slice(&chunk[..n]);
                }
            }
        }
        let mut part = head;
        while tls.write_all(part).await.is_ok() {
            counts.sent.fetch_add(part.len() as u64, Ordering::SeqCst);
            part = repeat;
        }
    }
}
