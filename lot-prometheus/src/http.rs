//! The exporter's HTTP client: one POST at a time to one receiver, over a
//! kept-alive HTTP/1.1 connection (hyper's), in TLS (rustls, the system's
//! root certificates) for an `https` receiver.
//!
//! A general client (reqwest) costs a live run more than a megabyte of
//! memory for what the exporter does not use: a pool, redirects, proxies,
//! and a TLS configuration built even for a plain `http://` receiver. This
//! one holds a connection and, for `https` only, a rustls configuration.
//! A request that fails or is abandoned (its timeout) drops its
//! connection: the next one connects again.

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The most of a response's body read: enough for a receiver's
/// explanation of a refusal. A longer body is not read to its end, and its
/// connection is not kept.
const MAX_BODY: usize = 4096;

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
    sender: Option<SendRequest<Full<Bytes>>>,
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
            sender: None,
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
        let kept = match self.sender.take() {
            Some(mut s) => s.ready().await.is_ok().then_some(s),
            None => None,
        };
        let (mut sender, reused) = match kept {
            Some(s) => (s, true),
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
        let response = match sender.try_send_request(request).await {
            Ok(response) => response,
            Err(mut e) => match e.take_message() {
                // The receiver closed the kept connection before the request
                // went out (an idle timeout): once more on a new one, as
                // hyper's pooled clients do.
                Some(request) if reused => {
                    sender = self.connect().await?;
                    sender.send_request(request).await.map_err(|e| failed(&e))?
                }
                _ => return Err(failed(e.error())),
            },
        };
        let status = response.status().as_u16();
        let mut incoming = response.into_body();
        let mut body = Vec::new();
        let mut whole = false;
        while body.len() < MAX_BODY {
            match incoming.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        body.extend_from_slice(&data);
                    }
                }
                Some(Err(e)) => return Err(format!("reading the answer failed: {}", chain(&e))),
                None => {
                    whole = true;
                    break;
                }
            }
        }
        if whole {
            self.sender = Some(sender);
        }
        body.truncate(MAX_BODY);
        Ok(Response { status, body })
    }

    /// A new connection: TCP, then TLS for an `https` receiver, then
    /// HTTP/1.1, whose connection task runs until its sender is dropped.
    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
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

async fn handshake<S>(io: S) -> Result<SendRequest<Full<Bytes>>, String>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (sender, connection) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("starting HTTP/1.1 failed: {}", chain(&e)))?;
    // Ends when the sender is dropped or the receiver closes the connection;
    // a failure shows in the request that meets it.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
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
