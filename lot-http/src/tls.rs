//! TLS for `https` targets: the client's rustls configuration, built once
//! per client, the handshake, and rustls' errors told in a short clause.
//!
//! A client holds one `Arc<ClientConfig>`, so every connection it opens
//! shares rustls' in-memory session cache: a reopened connection resumes
//! the session the target handed out on an earlier one.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, InvalidMessage,
    OtherError, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::{Error, ErrorKind};

/// A TLS connection, boxed: rustls' state for one connection is over a
/// kilobyte, and a connection of the pool holds this or a plain socket.
pub(crate) type TlsStream = Box<tokio_rustls::client::TlsStream<TcpStream>>;

/// What a [`ClientBuilder`](crate::ClientBuilder) holds for TLS, checked
/// when the client is built.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    /// PEM texts given to `add_root_certificate`, as given.
    pub(crate) roots: Vec<Vec<u8>>,
    pub(crate) accept_invalid_certs: bool,
    /// A client certificate chain and its key, both PEM.
    pub(crate) identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("Tls")
            .field("added_roots", &self.roots.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("identity", &self.identity.is_some())
            .finish()
    }
}

/// The TLS side of a client for an `https` target: its configuration and
/// the name its certificate must hold.
pub(crate) struct Connector {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl Settings {
    /// Checks every PEM given (for an `http` target too: a mistake is one
    /// whatever the scheme), then, for an `https` target (`host` given),
    /// builds its connector.
    pub(crate) fn connector(&self, host: Option<&str>) -> Result<Option<Connector>, Error> {
        let mut added = Vec::new();
        for pem in &self.roots {
            added.extend(certificates(pem, "add_root_certificate")?);
        }
        let identity = match &self.identity {
            Some((chain, key)) => Some((certificates(chain, "identity")?, private_key(key)?)),
            None => None,
        };
        let Some(host) = host else {
            return Ok(None);
        };
        // An IP address is checked against the certificate's IP addresses,
        // and sent no SNI (rustls sends SNI for DNS names only).
        let name = ServerName::try_from(host.to_owned()).map_err(|_| {
            Error::new(
                ErrorKind::Url,
                format!("the host `{host}` is not a name a TLS certificate can hold"),
            )
        })?;
        // A provider the program installed as its default (FIPS, say) is
        // used; otherwise aws-lc-rs, rustls' default. Never the process-wide
        // default picked from crate features, which panics when it is
        // ambiguous.
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let algorithms = provider.signature_verification_algorithms;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| {
                Error::io(
                    ErrorKind::Config,
                    "the installed rustls crypto provider supports neither TLS 1.2 nor 1.3",
                    io::Error::other(e),
                )
            })?;
        let builder = if self.accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(SignaturesOnly {
                    algorithms,
                    accept: true,
                }))
        } else {
            let mut roots = native_roots().clone();
            for (i, cert) in added.into_iter().enumerate() {
                roots.add(cert).map_err(|e| {
                    Error::io(
                        ErrorKind::Config,
                        format!(
                            "add_root_certificate: certificate {} is not a valid X.509 certificate",
                            i + 1
                        ),
                        io::Error::other(e),
                    )
                })?;
            }
            if roots.is_empty() {
                // rustls' verifier refuses to be built without roots; every
                // handshake then fails, saying why.
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(SignaturesOnly {
                        algorithms,
                        accept: false,
                    }))
            } else {
                let verifier =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| {
                            Error::io(
                                ErrorKind::Config,
                                "the root certificates cannot be used",
                                io::Error::other(e),
                            )
                        })?;
                builder.with_webpki_verifier(verifier)
            }
        };
        let mut config = match identity {
            Some((chain, key)) => builder.with_client_auth_cert(chain, key).map_err(|e| {
                Error::io(
                    ErrorKind::Config,
                    "identity: the key does not fit the certificate, or cannot be used",
                    io::Error::other(e),
                )
            })?,
            None => builder.with_no_client_auth(),
        };
        // HTTP/1.1 is all this client speaks; rustls' default session cache
        // (256 sessions in memory) is kept.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Some(Connector {
            connector: TlsConnector::from(Arc::new(config)),
            name,
        }))
    }
}

/// The certificates of the PEM text `pem`, at least one; `what` names the
/// setting it was given to, for the error.
fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::io(
                ErrorKind::Config,
                format!("{what}: invalid PEM"),
                io::Error::new(io::ErrorKind::InvalidData, e),
            )
        })?;
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            format!("{what}: no certificate in the PEM; expected -----BEGIN CERTIFICATE-----"),
        ));
    }
    Ok(certs)
}

/// The private key of the PEM text `pem`.
fn private_key(pem: &[u8]) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => Error::new(
            ErrorKind::Config,
            "identity: no private key in the key PEM; expected -----BEGIN PRIVATE KEY----- \
             (PKCS #8), RSA PRIVATE KEY or EC PRIVATE KEY",
        ),
        e => Error::io(
            ErrorKind::Config,
            "identity: invalid key PEM",
            io::Error::new(io::ErrorKind::InvalidData, e),
        ),
    })
}

/// The system's root certificates, loaded once per process (reading them
/// takes milliseconds): on Linux the files OpenSSL would read
/// (`SSL_CERT_FILE`, `SSL_CERT_DIR` or the distribution's bundle), on macOS
/// and Windows the system's store. Certificates that do not parse are left
/// out, as a browser would.
fn native_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots
    })
}

impl Connector {
    /// The TLS handshake over `tcp`, a connection just opened to the
    /// target. The second step of opening a connection, after the TCP
    /// connect.
    pub(crate) async fn handshake(&self, tcp: TcpStream) -> Result<TlsStream, Error> {
        // Boxed, as the stream is: the handshake's state would otherwise sit
        // in the future of every request of every client, plain ones too.
        let handshake = Box::pin(self.connector.connect(self.name.clone(), tcp));
        match handshake.await {
            Ok(stream) => Ok(Box::new(stream)),
            Err(e) => Err(match from_io(e) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    Error::tls("tls: the connection closed during the handshake", e)
                }
                Err(e) => Error::tls("tls: the connection failed during the handshake", e),
            }),
        }
    }
}

/// Reads into `buf` what the TLS stream has decrypted, decrypting more of
/// what the socket holds, up to `buf`'s room: `Pending` once the socket has
/// no whole record, `Ok(0)` at the stream's end, whether the target sent a
/// `close_notify` or closed the socket without one, as many servers do (the
/// end is then taken as a plain connection's is).
pub(crate) fn poll_read(
    stream: &mut TlsStream,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    match Pin::new(&mut **stream).poll_read(cx, &mut buf) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().len())),
        Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => Poll::Ready(Ok(0)),
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
    }
}

/// Writes some of `data` (not empty): rustls takes the bytes into its
/// records and writes what the socket takes; `Pending` once neither can.
/// What rustls holds goes out with [`poll_flush`].
pub(crate) fn poll_write(
    stream: &mut TlsStream,
    cx: &mut Context<'_>,
    data: &[u8],
) -> Poll<io::Result<usize>> {
    match Pin::new(&mut **stream).poll_write(cx, data) {
        Poll::Ready(Ok(0)) => Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
        written => written,
    }
}

/// Writes the records rustls still holds.
pub(crate) fn poll_flush(stream: &mut TlsStream, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    Pin::new(&mut **stream).poll_flush(cx)
}

/// Whether nothing came on an idle connection. It is polled without a
/// waker to wake: `Pending` says nothing came, while its end (a
/// `close_notify` or the socket's), an error or bytes say the connection is
/// done. Records that carry no data (the session tickets a TLS 1.3 target
/// sends after the handshake) are taken in on the way.
pub(crate) fn is_idle(stream: &mut TlsStream) -> bool {
    let mut probe = [0u8; 1];
    let mut cx = Context::from_waker(Waker::noop());
    let mut buf = ReadBuf::new(&mut probe);
    Pin::new(&mut **stream)
        .poll_read(&mut cx, &mut buf)
        .is_pending()
}

/// A failure of rustls, from the `io::Error` tokio-rustls carries it in, as
/// an error of kind [`ErrorKind::Tls`]; any other error is given back.
pub(crate) fn from_io(e: io::Error) -> Result<Error, io::Error> {
    if !e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return Err(e);
    }
    let kind = e.kind();
    let Some(Ok(error)) = e
        .into_inner()
        .map(|inner| inner.downcast::<rustls::Error>())
    else {
        unreachable!("the error holds a rustls::Error, checked just above")
    };
    let error = without_times(*error);
    let clause = describe(&error);
    let source = io::Error::new(kind, error);
    // The catch-all clauses say little: their cause stays the source, so a
    // run's error kind keeps rustls' words after them.
    Ok(if CATCH_ALL.contains(&clause.as_str()) {
        Error::tls(clause, source)
    } else {
        Error::tls_described(clause, source)
    })
}

/// The clauses of [`describe`] that do not say the cause.
const HANDSHAKE_FAILED: &str = "tls: handshake failed";
const INVALID_CERTIFICATE: &str = "tls: invalid certificate";
const CATCH_ALL: [&str; 2] = [HANDSHAKE_FAILED, INVALID_CERTIFICATE];

/// `error` without the instants some certificate errors carry, which would
/// make the error's `Debug` text differ from one handshake to the next.
fn without_times(error: rustls::Error) -> rustls::Error {
    use rustls::Error::InvalidCertificate;
    match error {
        InvalidCertificate(CertificateError::ExpiredContext { .. }) => {
            InvalidCertificate(CertificateError::Expired)
        }
        InvalidCertificate(CertificateError::NotValidYetContext { .. }) => {
            InvalidCertificate(CertificateError::NotValidYet)
        }
        InvalidCertificate(CertificateError::ExpiredRevocationListContext { .. }) => {
            InvalidCertificate(CertificateError::ExpiredRevocationList)
        }
        error => error,
    }
}

/// The one clause that tells `error`, without rustls' own text (the
/// error's `Debug` shows it).
fn describe(error: &rustls::Error) -> String {
    use rustls::Error as E;
    match error {
        E::InvalidCertificate(e) => certificate(e),
        E::AlertReceived(AlertDescription::CertificateRequired) => {
            "tls: no client certificate (the target requires one)".to_owned()
        }
        E::AlertReceived(alert) => format!("tls: handshake failed: alert {}", alert_name(*alert)),
        E::NoCertificatesPresented => "tls: the target presented no certificate".to_owned(),
        E::InvalidMessage(InvalidMessage::InvalidContentType) => {
            "tls: the target's answer is not TLS".to_owned()
        }
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            "tls: invalid message from the target".to_owned()
        }
        E::InappropriateHandshakeMessage { .. } | E::PeerMisbehaved(_) => {
            "tls: handshake failed: the target broke the protocol".to_owned()
        }
        E::PeerIncompatible(_) => {
            "tls: handshake failed: no protocol version or cipher suite in common".to_owned()
        }
        E::NoApplicationProtocol => {
            "tls: handshake failed: the target does not speak http/1.1".to_owned()
        }
        E::DecryptError => "tls: a record from the target failed to decrypt".to_owned(),
        E::PeerSentOversizedRecord => "tls: the target sent an oversized record".to_owned(),
        _ => HANDSHAKE_FAILED.to_owned(),
    }
}

/// The clause of a refused certificate.
fn certificate(error: &CertificateError) -> String {
    use CertificateError as C;
    let text = match error {
        C::Expired | C::ExpiredContext { .. } => "tls: certificate expired",
        C::NotValidYet | C::NotValidYetContext { .. } => "tls: certificate not valid yet",
        C::UnknownIssuer => "tls: unknown issuer",
        C::Other(OtherError(e)) if e.is::<NoRoots>() => {
            "tls: unknown issuer (no root certificates: none in the system's store, none added)"
        }
        C::NotValidForNameContext { expected, .. } => {
            return format!(
                "tls: certificate not valid for name {:?}",
                expected.to_str()
            );
        }
        C::NotValidForName => "tls: certificate not valid for the target's name",
        C::Revoked => "tls: certificate revoked",
        C::BadSignature => "tls: bad certificate signature",
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "tls: certificate not valid for a TLS server"
        }
        C::BadEncoding => "tls: invalid certificate encoding",
        C::UnhandledCriticalExtension => "tls: certificate has an unknown critical extension",
        _ => INVALID_CERTIFICATE,
    };
    text.to_owned()
}

/// An alert's name as the TLS RFCs write it: `handshake_failure`,
/// `unknown_ca`.
fn alert_name(alert: AlertDescription) -> String {
    let debug = format!("{alert:?}");
    let mut name = String::with_capacity(debug.len() + 4);
    let mut previous_lower = false;
    for c in debug.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            name.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// The cause of an `UnknownIssuer`-like refusal when the client has no root
/// certificate at all.
#[derive(Debug)]
struct NoRoots;

impl fmt::Display for NoRoots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no root certificates to verify the target's certificate with")
    }
}

impl std::error::Error for NoRoots {}

/// A verifier that checks the handshake's signatures (the target holds the
/// key of the certificate it presents) but not the certificate: it accepts
/// any (`danger_accept_invalid_certs`), or refuses any (no roots).
#[derive(Debug)]
struct SignaturesOnly {
    algorithms: WebPkiSupportedAlgorithms,
    accept: bool,
}

impl ServerCertVerifier for SignaturesOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.accept {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(NoRoots)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_are_named_as_the_rfcs_name_them() {
        for (alert, name) in [
            (AlertDescription::HandshakeFailure, "handshake_failure"),
            (AlertDescription::UnknownCA, "unknown_ca"),
            (AlertDescription::BadCertificate, "bad_certificate"),
            (AlertDescription::ProtocolVersion, "protocol_version"),
        ] {
            assert_eq!(alert_name(alert), name);
        }
    }

    #[test]
    fn certificate_errors_read_as_one_clause_without_times() {
        let expired = rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(2_000)),
            not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_000)),
        });
        let e = from_io(io::Error::new(io::ErrorKind::InvalidData, expired)).unwrap();
        assert_eq!(e.kind(), ErrorKind::Tls);
        assert_eq!(e.to_string(), "tls: certificate expired");
        assert!(std::error::Error::source(&e).is_none(), "{e:?}");
        let debug = format!("{e:?}");
        assert!(
            debug.contains("Expired") && !debug.contains("2000"),
            "{debug}"
        );

        let name = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("localhost").unwrap(),
            presented: vec!["DnsName(\"other.test\")".to_owned()],
        });
        let e = from_io(io::Error::new(io::ErrorKind::InvalidData, name)).unwrap();
        assert_eq!(
            e.to_string(),
            "tls: certificate not valid for name \"localhost\""
        );

        // A cause the catch-all clause does not say stays the source, so a
        // run's error kind keeps it.
        let general = rustls::Error::General("an odd failure".to_owned());
        let e = from_io(io::Error::new(io::ErrorKind::InvalidData, general)).unwrap();
        assert_eq!(e.to_string(), "tls: handshake failed");
        let source = std::error::Error::source(&e)
            .expect("the cause")
            .to_string();
        assert!(source.contains("an odd failure"), "{source}");

        // Anything but a rustls error is given back as it is.
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            from_io(reset).unwrap_err().kind(),
            io::ErrorKind::ConnectionReset
        );
    }

    #[test]
    fn bad_pems_fail_at_build_naming_the_setting() {
        let check = |settings: Settings, expected: &str| {
            let e = settings.connector(Some("localhost")).err().unwrap();
            assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
            assert_eq!(e.to_string(), expected);
        };
        check(
            Settings {
                roots: vec![b"not a pem".to_vec()],
                ..Settings::default()
            },
            "add_root_certificate: no certificate in the PEM; expected -----BEGIN CERTIFICATE-----",
        );
        check(
            Settings {
                roots: vec![
                    b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
                ],
                ..Settings::default()
            },
            "add_root_certificate: invalid PEM",
        );
        check(
            Settings {
                roots: vec![
                    b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
                ],
                ..Settings::default()
            },
            "add_root_certificate: certificate 1 is not a valid X.509 certificate",
        );
        check(
            Settings {
                identity: Some((Vec::new(), Vec::new())),
                ..Settings::default()
            },
            "identity: no certificate in the PEM; expected -----BEGIN CERTIFICATE-----",
        );
    }
}
