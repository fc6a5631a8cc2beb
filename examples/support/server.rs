//! A small HTTP/1.1 target server for the examples and tests, on 127.0.0.1.
//!
//! Routes: `/delay/{ms}` answers after `ms` milliseconds, `/status/{code}`
//! answers with that status, `/login/{user}` sets the cookie
//! `session={user}` and redirects (303) to `/account`, which answers `401`
//! to a request without a `session` cookie; anything else answers `200 ok`
//! at once. Every
//! request is counted, in total and per path, and every accepted
//! connection, so a test can compare what the server received with what lot
//! reports.

#![allow(dead_code)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A running target server; it stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Counts {
    total: AtomicU64,
    connections: AtomicU64,
    per_path: Mutex<HashMap<String, u64>>,
}

impl TestServer {
    /// Starts a server on an ephemeral port of 127.0.0.1, on the current runtime.
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("a bound socket has an address");
        let counts = Arc::new(Counts::default());
        let counter = counts.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                counter.connections.fetch_add(1, Ordering::SeqCst);
                let counter = counter.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, counter.clone()));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        TestServer { addr, counts, task }
    }

    /// The base URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far.
    pub fn hits(&self) -> u64 {
        self.counts.total.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.counts.connections.load(Ordering::SeqCst)
    }

    /// Requests received so far for exactly `path`.
    pub fn hits_on(&self, path: &str) -> u64 {
        let per_path = self
            .counts
            .per_path
            .lock()
            .expect("no panics while counting");
        per_path.get(path).copied().unwrap_or(0)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    req: Request<Incoming>,
    counts: Arc<Counts>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path();
    *counts
        .per_path
        .lock()
        .expect("no panics while counting")
        .entry(path.to_owned())
        .or_default() += 1;
    counts.total.fetch_add(1, Ordering::SeqCst);
    let mut status = StatusCode::OK;
    if let Some(user) = path.strip_prefix("/login/") {
        let response = Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header("location", "/account")
            .header("set-cookie", format!("session={user}; Path=/; HttpOnly"))
            .body(Full::new(Bytes::new()))
            .expect("a valid response");
        return Ok(response);
    } else if path == "/account" {
        let cookies = req.headers().get_all("cookie");
        if !cookies
            .iter()
            .any(|c| c.as_bytes().starts_with(b"session="))
        {
            status = StatusCode::UNAUTHORIZED;
        }
    } else if let Some(ms) = path
        .strip_prefix("/delay/")
        .and_then(|s| s.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    } else if let Some(code) = path
        .strip_prefix("/status/")
        .and_then(|s| s.parse::<u16>().ok())
        .and_then(|c| StatusCode::from_u16(c).ok())
    {
        status = code;
    }
    let mut response = Response::new(Full::new(Bytes::from_static(b"ok")));
    *response.status_mut() = status;
    Ok(response)
}
