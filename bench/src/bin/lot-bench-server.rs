//! A minimal HTTP/1.1 target: `200 ok` to every request, keep-alive, on one
//! thread. Prints `listening ADDR` and serves until killed.
//!
//! ```text
//! lot-bench-server [--tls CERT_OUT_PATH]
//! ```
//!
//! With `--tls`, the same service is served over TLS (rustls with the
//! aws-lc-rs provider, ALPN `http/1.1`), with a self-signed certificate
//! for `localhost` and `127.0.0.1` made at start and written, in PEM, to
//! `CERT_OUT_PATH` before the address is printed, so clients can trust it.
//!
//! `GET /count` answers the number of requests served before it (not
//! counting itself or other `/count` or `/handshakes` requests), so a
//! benchmark can check that every request lot reports reached the server.
//! Over TLS, `GET /handshakes` answers `full=N resumed=M`: the handshakes
//! completed so far, and how many of them resumed an earlier session.
//! `POST /api/v1/write` (a Prometheus remote write, from `lot-bench-gen
//! --live`) is read to its end, discarded and not counted either.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{HandshakeKind, ServerConfig};

/// What the server counts. One thread: relaxed counters cost next to
/// nothing.
#[derive(Default)]
struct Counts {
    served: AtomicU64,
    full: AtomicU64,
    resumed: AtomicU64,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let tls = match (args.next().as_deref(), args.next()) {
        (None, _) => None,
        (Some("--tls"), Some(path)) => Some(tls_config(&path)?),
        _ => anyhow::bail!("usage: lot-bench-server [--tls CERT_OUT_PATH]"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let counts = Arc::new(Counts::default());
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("listening {}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let counts = counts.clone();
            let Some(acceptor) = tls.clone() else {
                tokio::spawn(serve(stream, counts));
                continue;
            };
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let counter = match stream.get_ref().1.handshake_kind() {
                    Some(HandshakeKind::Resumed) => &counts.resumed,
                    _ => &counts.full,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                serve(stream, counts).await;
            });
        }
    })
}

/// Serves one connection's requests until it closes.
async fn serve<S>(stream: S, counts: Arc<Counts>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
        let mut write = None;
        let body = match request.uri().path() {
            "/api/v1/write" => {
                write = Some(request.into_body());
                Bytes::from_static(b"ok")
            }
            "/count" => Bytes::from(counts.served.load(Ordering::Relaxed).to_string()),
            "/handshakes" => Bytes::from(format!(
                "full={} resumed={}",
                counts.full.load(Ordering::Relaxed),
                counts.resumed.load(Ordering::Relaxed)
            )),
            _ => {
                counts.served.fetch_add(1, Ordering::Relaxed);
                Bytes::from_static(b"ok")
            }
        };
        async move {
            if let Some(write) = write {
                // A body left unread would close the connection.
                let _ = write.collect().await;
            }
            Ok::<_, Infallible>(Response::new(Full::new(body)))
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// A TLS acceptor presenting a new self-signed certificate for `localhost`
/// and `127.0.0.1`, written in PEM to `cert_path`.
fn tls_config(cert_path: &str) -> anyhow::Result<TlsAcceptor> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names)?;
    std::fs::write(cert_path, certified.cert.pem())
        .with_context(|| format!("writing the certificate to {cert_path}"))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
