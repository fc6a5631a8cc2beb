//! `lot::http` over TLS inside runs: a handshake that fails is a failed
//! iteration of one clause, and what succeeds is recorded with its TLS
//! phase and the bytes the server read and wrote.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lot::executor::Executor;
use tokio::io::AsyncWriteExt;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// An HTTPS target on 127.0.0.1 with a self-signed certificate for
/// `localhost`, answering every request `200 ok` over kept-alive
/// connections, counting the handshakes it completed and the plaintext
/// bytes it read and wrote.
struct TlsTarget {
    url: String,
    cert_pem: String,
    handshakes: Arc<AtomicU64>,
    read: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
}

impl TlsTarget {
    async fn start() -> TlsTarget {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts: [Arc<AtomicU64>; 3] = Default::default();
        let [handshakes, read, written] = counts.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let [handshakes, read, written] = counts.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    handshakes.fetch_add(1, Ordering::SeqCst);
                    let mut pending = Vec::new();
                    while crate::requests::next_head(&mut tls, &mut pending, &read).await {
                        if tls.write_all(OK).await.is_err() {
                            return;
                        }
                        written.fetch_add(OK.len() as u64, Ordering::SeqCst);
                    }
                });
            }
        });
        TlsTarget {
            url: format!("https://localhost:{port}"),
            cert_pem: cert.cert.pem(),
            handshakes,
            read,
            written,
        }
    }
}

async fn run(client: lot::http::Client) -> lot::report::Summary {
    let request = client.get("/").build().unwrap();
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_secs(1))
        .terminal(false);
    let report = executor
        .run(move || {
            let sent = request.send();
            async move {
                sent.await?.error_for_status()?;
                Ok(())
            }
        })
        .await;
    report.expect_summary().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_each_iteration_in_one_clause() {
    let target = TlsTarget::start().await;
    let s = run(lot::http::Client::new(&target.url).unwrap()).await;
    assert_eq!((s.totals.ok, s.totals.failed), (0, 20));
    let kinds: Vec<(&str, u64)> = s.scenarios[0]
        .errors
        .iter()
        .map(|e| (e.kind.as_str(), e.count))
        .collect();
    assert_eq!(kinds, [("tls: unknown issuer", 20)]);
    assert_eq!(target.handshakes.load(Ordering::SeqCst), 0);
    let requests = &s.scenarios[0].requests;
    assert_eq!((requests[0].count, requests[0].failed), (20, 20));
    // Each failed handshake took its time, recorded as such: none of them
    // counts as a zero (as a plain connection's would).
    assert_eq!(requests[0].tls.count, 20, "{:?}", requests[0].tls);
    assert!(requests[0].tls.min_us > 0, "{:?}", requests[0].tls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_target_is_measured_with_its_handshakes_and_bytes() {
    let target = TlsTarget::start().await;
    let client = lot::http::Client::builder(&target.url)
        .add_root_certificate(target.cert_pem.as_bytes())
        .build()
        .unwrap();
    let s = run(client).await;
    assert_eq!(s.totals.ok, 20, "{:?}", s.scenarios[0].errors);
    let r = &s.scenarios[0].requests[0];
    assert_eq!((r.count, r.failed, r.status_code(200)), (20, 0, 20));
    // A handshake per connection opened, none on a reused one (zero).
    let opened = target.handshakes.load(Ordering::SeqCst);
    assert!(opened >= 1);
    assert_eq!(r.count - r.reused, opened, "{r:?}");
    assert_eq!(r.tls.count, 20);
    assert!(r.tls.max_us > 0, "{:?}", r.tls);
    // The bytes are HTTP's, as the server read and wrote them.
    assert_eq!(r.bytes_sent, target.read.load(Ordering::SeqCst));
    assert_eq!(r.bytes_received, target.written.load(Ordering::SeqCst));
}
