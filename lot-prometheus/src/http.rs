//! The exporter's HTTP client: one POST at a time to one receiver, over a
//! kept-alive HTTP/1.1 connection (hyper's), in TLS (rustls, the system's
//! root certificates) for an `https` receiver.
//!
//! A general client (reqwest) costs a live run more than a megabyte of
//! memory for what the exporter does not use: a pool, redirects, proxies,
//! and a TLS configuration built even for a plain `http://` receiver. This
//! one holds a connection and, for `https` only, a rustls configuration.
//! A request that fails or is abandoned (its timeout) ends its
//! connection at once (its task aborted: a receiver that stopped reading
//! would hold a graceful close, and the batch in its buffer, for ever);
//! the next one connects again.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Bytes};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The most of a response's body kept: enough for a receiver's
/// explanation of a refusal. A longer body is not read to its end, and its
/// connection is not kept.
const MAX_BODY: usize = 4096;

/// How long the body of an answer other than 2xx (the receiver's reason)
/// is waited for; a 2xx's body is read only as far as it has come.
const REASON_WAIT: Duration = Duration::from_secs(1);

/// A response: its status and the start of its body.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Where requests go and the connection they go over.
pub(crate) struct Client {
    /// The host to connect to (an IPv6 address without its brackets).
    host: String,
    port: u16,
    /// The `Host` header: the URL's authority.
    authority: String,
    /// For an `https` receiver: the connector and the name its
    /// certificate must hold.
    tls: Option<(TlsConnector, ServerName<'static>)>,
    /// The kept-alive connection, if one is open and idle.
    kept: Option<Conn>,
}

/// An HTTP/1.1 connection: its sender, and its task, aborted when this is
/// dropped.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    task: tokio::task::AbortHandle,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Client {
    /// A client for `origin` (`http://authority` or `https://authority`, as
    /// [`Endpoint`](crate::config::Endpoint) checked it); with `insecure`,
    /// an `https` receiver's certificate is not verified.
    pub(crate) fn new(origin: &str, insecure: bool) -> Result<Client, String> {
        let (scheme, authority) = origin
            .split_once("://")
            .ok_or_else(|| format!("`{origin}` has no scheme"))?;
        let https = scheme == "https";
        let (host, port) = split_authority(authority, if https { 443 } else { 80 })?;
        let tls = if https {
            let name = ServerName::try_from(host.clone())
                .map_err(|_| format!("`{host}` is not a valid TLS server name"))?;
            Some((TlsConnector::from(Arc::new(tls_config(insecure)?)), name))
        } else {
            None
        };
        Ok(Client {
            host,
            port,
            authority: authority.to_owned(),
            tls,
            kept: None,
        })
    }

    /// POSTs `body` to `target` (a path and query) with `headers`, over the
    /// kept connection or a new one. An error is one clause, naming no URL.
    /// Dropped before it ends (a timeout), it leaves no connection behind.
    pub(crate) async fn post(
        &mut self,
        target: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Response, String> {
        let kept = match self.kept.take() {
            Some(mut conn) => conn.sender.ready().await.is_ok().then_some(conn),
            None => None,
        };
        let (mut conn, reused) = match kept {
            Some(conn) => (conn, true),
            None => (self.connect().await?, false),
        };
        let mut request =
            hyper::Request::post(target).header(hyper::header::HOST, self.authority.as_str());
        // A `User-Agent` among the target's headers replaces lot's.
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
        {
            request = request.header(hyper::header::USER_AGENT, USER_AGENT);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| format!("the request could not be built: {e}"))?;
        let failed = |e: &hyper::Error| format!("sending the request failed: {}", chain(e));
        let response = match conn.sender.try_send_request(request).await {
            Ok(response) => response,
            Err(mut e) => match e.take_message() {
                // The receiver closed the kept connection before the request
                // went out (an idle timeout): once more on a new one, as
                // hyper's pooled clients do.
                Some(request) if reused => {
                    conn = self.connect().await?;
                    conn.sender
                        .send_request(request)
                        .await
                        .map_err(|e| failed(&e))?
                }
                _ => return Err(failed(e.error())),
            },
        };
        let status = response.status().as_u16();
        // The status is the answer: a 2xx whose body trickles, never ends
        // or breaks off is still an accepted batch, and a refusal whose
        // reason does is still a refusal.
        let wait = if (200..300).contains(&status) {
            Duration::ZERO
        } else {
            REASON_WAIT
        };
        let (body, whole) = read_body(response.into_body(), wait).await;
        if whole {
            self.kept = Some(conn);
        }
        Ok(Response { status, body })
    }

    /// A new connection: TCP, then TLS for an `https` receiver, then
    /// HTTP/1.1.
    async fn connect(&self) -> Result<Conn, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| format!("connecting failed: {e}"))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => handshake(tcp).await,
            Some((connector, name)) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| format!("the TLS handshake failed: {e}"))?;
                handshake(tls).await
            }
        }
    }
}

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("lot/", env!("CARGO_PKG_VERSION"));

/// Up to [`MAX_BODY`] of `incoming`, what comes within `wait` (polled
/// once however short), and whether that was all of it.
async fn read_body(mut incoming: hyper::body::Incoming, wait: Duration) -> (Vec<u8>, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut body = Vec::new();
    let mut whole = incoming.is_end_stream();
    while !whole && body.len() < MAX_BODY {
        match tokio::time::timeout_at(deadline, incoming.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    body.extend_from_slice(&data);
                }
            }
            Ok(None) => whole = true,
            // Broken off, or not come in time: what came is kept, and the
            // connection is not.
            Ok(Some(Err(_))) | Err(_) => break,
        }
    }
    body.truncate(MAX_BODY);
    (body, whole)
}

async fn handshake<S>(io: S) -> Result<Conn, String>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("starting HTTP/1.1 failed: {}", chain(&e)))?;
    // Ends when the receiver closes the connection, or is aborted with its
    // `Conn`; a failure shows in the request that meets it.
    let task = tokio::spawn(async move {
        let _ = connection.await;
    })
    .abort_handle();
    Ok(Conn { sender, task })
}

/// `e`'s text and its causes', each once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// `authority`'s host (without an IPv6 address's brackets) and port, or
/// `default` without one.
fn split_authority(authority: &str, default: u16) -> Result<(String, u16), String> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("`{authority}` lacks a closing `]`"))?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        None | Some("") => default,
        Some(p) => p
            .parse()
            .map_err(|_| format!("the port `{p}` is not a number from 0 to 65535"))?,
    };
    Ok((host.to_owned(), port))
}

/// The TLS configuration of an `https` receiver: the system's roots, or no
/// verification with `insecure`; ALPN `http/1.1`.
fn tls_config(insecure: bool) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS could not be set up: {e}"))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        // Certificates the system holds that do not parse are skipped, as
        // browsers skip them.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A verifier that accepts any certificate
/// ([`insecure_skip_tls_verify`](crate::RemoteWrite::insecure_skip_tls_verify)),
/// still checking the handshake's signatures, as rustls' own does.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt as _;

    /// A receiver that accepts and never reads: a request abandoned at its
    /// timeout leaves nothing sending to it (its connection's task is
    /// aborted, not left flushing a body the socket cannot take).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_request_ends_its_connection() {
        const LEN: usize = 32 << 20;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = tokio::spawn(async move { listener.accept().await.unwrap().0 });
        let mut client = Client::new(&format!("http://{addr}"), false).unwrap();
        let body = Bytes::from(vec![b'x'; LEN]);
        let sent = tokio::time::timeout(
            Duration::from_millis(300),
            client.post("/api/v1/write", &[], body),
        )
        .await;
        assert!(sent.is_err(), "nothing is read, so nothing is answered");
        let mut stream = accepted.await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // What reached the receiver, read now: the connection ends short
        // of the body, rather than taking it all once there is room.
        let mut got = 0;
        let mut buf = vec![0; 1 << 16];
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(n @ 1..) = stream.read(&mut buf).await {
                got += n;
            }
        })
        .await;
        assert!(ended.is_ok(), "the connection stayed open");
        assert!(got < LEN, "{got} bytes: the body went on after the timeout");
    }

    /// Answers each connection's first request with `answer`, then holds
    /// it open without a word more, or closes it with `close`.
    async fn answering(answer: &'static str, close: bool) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((mut stream, _)) = listener.accept().await {
                use tokio::io::AsyncWriteExt as _;
                let mut buf = vec![0; 1 << 16];
                let mut head = Vec::new();
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(n @ 1..) => head.extend_from_slice(&buf[..n]),
                        _ => break,
                    }
                }
                let _ = stream.write_all(answer.as_bytes()).await;
                if !close {
                    held.push(stream);
                }
            }
        });
        format!("http://{addr}")
    }

    /// The status is the answer: a 2xx whose body never comes to its end
    /// is an accepted batch, at once, and a refusal whose reason breaks
    /// off is a refusal with what came of it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_status_decides_whatever_the_body_does() {
        let started = std::time::Instant::now();
        let origin = answering("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nab", false).await;
        let mut client = Client::new(&origin, false).unwrap();
        let answer = client
            .post("/w", &[], Bytes::from_static(b"x"))
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        assert!(
            client.kept.is_none(),
            "a connection with a body half read is not kept"
        );
        assert!(started.elapsed() < REASON_WAIT, "{:?}", started.elapsed());

        let origin = answering(
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 100\r\n\r\nout of order",
            true,
        )
        .await;
        let mut client = Client::new(&origin, false).unwrap();
        let answer = client
            .post("/w", &[], Bytes::from_static(b"x"))
            .await
            .unwrap();
        assert_eq!(answer.status, 400);
        assert_eq!(answer.body, b"out of order");

        // A whole answer keeps its connection for the next request.
        let origin = answering("HTTP/1.1 204 No Content\r\n\r\n", false).await;
        let mut client = Client::new(&origin, false).unwrap();
        let answer = client
            .post("/w", &[], Bytes::from_static(b"x"))
            .await
            .unwrap();
        assert_eq!(answer.status, 204);
        assert!(client.kept.is_some());
    }

    #[test]
    fn authorities_split_into_host_and_port() {
        let split = |a: &str| split_authority(a, 80).unwrap();
        assert_eq!(split("h"), ("h".to_owned(), 80));
        assert_eq!(split("h:9090"), ("h".to_owned(), 9090));
        assert_eq!(split("[::1]:9"), ("::1".to_owned(), 9));
        assert_eq!(split("[::1]"), ("::1".to_owned(), 80));
        assert!(split_authority("h:x", 80).is_err());
    }
}
