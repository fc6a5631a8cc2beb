//! A small HTTPS target on `localhost:8080` with a self-signed certificate,
//! for the founding README's program (`examples/readme.rs`), which targets
//! `https://localhost:8080`.
//!
//! Every request is answered `200 ok` over HTTP/1.1. The certificate is
//! made when the server starts (rcgen), for `localhost`, `127.0.0.1` and
//! `::1`; a client trusts it only with certificate checks turned off
//! (reqwest's `tls_danger_accept_invalid_certs(true)`), as test targets with
//! self-signed certificates need.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// Where the founding README's program sends its requests.
pub const PORT: u16 = 8080;

/// Starts the HTTPS target on `localhost:8080` on the current runtime, unless
/// something already listens there, which is then left to answer. Returns
/// whether this process serves the port.
pub fn serve_unless_taken() -> io::Result<bool> {
    // `localhost` resolves to 127.0.0.1 and often ::1 as well; serve both so
    // a client that tries ::1 first is answered there.
    let v4 = match std::net::TcpListener::bind(("127.0.0.1", PORT)) {
        Ok(listener) => listener,
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => return Ok(false),
        Err(e) => return Err(e),
    };
    let v6 = std::net::TcpListener::bind(("::1", PORT)).ok();
    let acceptor = acceptor()?;
    for listener in std::iter::once(v4).chain(v6) {
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        tokio::spawn(serve(listener, acceptor.clone()));
    }
    Ok(true)
}

fn acceptor() -> io::Result<TlsAcceptor> {
    let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    let certified = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(ok))
                .await;
        });
    }
}

async fn ok(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"ok"))))
}
