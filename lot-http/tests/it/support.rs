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
    seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        target: target.clone(),
        version: parts.version,
        headers: parts.headers,
        body,
        conn,
    });
    let path = parts.uri.path();
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
