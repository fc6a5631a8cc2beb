//! A minimal HTTP/1.1 target: `200 ok` to every request, keep-alive, on one
//! thread. Prints `listening ADDR` and serves until killed.
//!
//! `GET /count` answers the number of requests served before it (not
//! counting itself or other `/count` requests), so a benchmark can check
//! that every request lot reports reached the server.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // One thread: a relaxed counter costs next to nothing.
    let served = Arc::new(AtomicU64::new(0));
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("listening {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let served = served.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<hyper::body::Incoming>| {
                    let body = if request.uri().path() == "/count" {
                        Bytes::from(served.load(Ordering::Relaxed).to_string())
                    } else {
                        served.fetch_add(1, Ordering::Relaxed);
                        Bytes::from_static(b"ok")
                    };
                    async move { Ok::<_, Infallible>(Response::new(Full::new(body))) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
