//! The client's one error type.

use std::fmt;
use std::io;

/// What went wrong, in broad strokes; [`Error`]'s text has the details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The base URL given to [`Client::new`](crate::Client::new) is not one
    /// the client can use, or its host does not resolve.
    Url,
    /// A request was malformed: its method, path, a header or its body.
    Request,
    /// No connection to the target could be made.
    Connect,
    /// The connection failed or closed while the request was sent or its
    /// response read.
    Io,
    /// The target's response is not valid HTTP/1.1 the client can read.
    Protocol,
    /// The response's status is a client or server error (4xx or 5xx), from
    /// [`Response::error_for_status`](crate::Response::error_for_status).
    Status,
    /// A setting of [`ClientBuilder`](crate::ClientBuilder) is out of range
    /// or cannot be used: a PEM given for TLS that holds no certificate or
    /// key, say.
    Config,
    /// The response is larger than the client accepts: its head is over
    /// 64 KiB, or its body over the limit set with
    /// [`ClientBuilder::max_body`](crate::ClientBuilder::max_body) or
    /// [`RequestBuilder::max_body`](crate::RequestBuilder::max_body). The
    /// connection is closed: the rest of the response is never read.
    TooLarge,
    /// TLS failed with an `https` target: its certificate was refused
    /// (`tls: certificate expired`, `tls: unknown issuer`), the handshake
    /// failed (`tls: handshake failed: alert handshake_failure`, `tls: no
    /// client certificate (the target requires one)`), or the TLS layer
    /// failed during an exchange. Where that one clause names the cause, it
    /// is the whole text lot counts: rustls' own error is in the `Debug`
    /// text, not returned as [`source`](std::error::Error::source). The
    /// catch-all clauses (`tls: handshake failed`, `tls: invalid
    /// certificate`) keep rustls' error as their source, and an I/O failure
    /// beneath the handshake (`tls: the connection failed during the
    /// handshake`) is its source, as for [`Io`](ErrorKind::Io).
    Tls,
    /// A redirect could not be followed: it leads to another origin
    /// (`redirect: to another origin (not followed)`), or there were more
    /// than the request allows (`redirect: more than 5 redirects`); see
    /// [`ClientBuilder::redirects`](crate::ClientBuilder::redirects).
    Redirect,
}

/// An error of [`lot::http`](crate).
///
/// The text of an exchange's error (connect, I/O, protocol, size, status) is
/// short and holds no per-request values (no URL, path or id), since lot
/// counts a failed iteration under its error's text: `HTTP status 503`,
/// `response body over the 16 MiB limit`. An error of a URL or a request
/// names the offending value, so build requests before the load
/// ([`RequestBuilder::build`](crate::RequestBuilder::build)) to meet such
/// errors before any load is sent.
///
/// As in hyper, `Display` prints this error's own message only; the
/// operating system's error beneath it, if any, is its
/// [`source`](std::error::Error::source). lot records a failure as the
/// whole chain, `connect to 127.0.0.1:8080: Connection refused (os error
/// 111)`, so printing the cause here too would repeat it.
pub struct Error {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    /// Whether the connection was lost before any byte of a response came
    /// back (see `is_unanswered`).
    unanswered: bool,
    source: Option<io::Error>,
    /// Whether `message` says all of `source` in lot's words (rustls'
    /// error under a TLS clause): the source is then shown by `Debug` but
    /// not returned by `source()`, so a run counts the error under its one
    /// clause.
    described: bool,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            status: None,
            unanswered: false,
            source: None,
            described: false,
        }
    }

    /// An error on a connection that closed (or failed, with `source`)
    /// before any byte of the response arrived.
    pub(crate) fn unanswered(source: Option<io::Error>) -> Error {
        Error {
            unanswered: true,
            source,
            ..Error::new(ErrorKind::Io, UNANSWERED)
        }
    }

    pub(crate) fn io(kind: ErrorKind, message: impl Into<String>, source: io::Error) -> Error {
        Error {
            source: Some(source),
            ..Error::new(kind, message)
        }
    }

    /// An error of kind [`ErrorKind::Tls`] for the I/O error beneath the
    /// handshake: `message` names the step, `source` the cause.
    #[cfg(feature = "tls")]
    pub(crate) fn tls(message: impl Into<String>, source: io::Error) -> Error {
        Error::io(ErrorKind::Tls, message, source)
    }

    /// An error of kind [`ErrorKind::Tls`] for rustls' error `source`, which
    /// `message` says whole, in one clause.
    #[cfg(feature = "tls")]
    pub(crate) fn tls_described(message: impl Into<String>, source: io::Error) -> Error {
        Error {
            described: true,
            ..Error::tls(message, source)
        }
    }

    pub(crate) fn status_error(status: u16) -> Error {
        Error {
            status: Some(status),
            ..Error::new(ErrorKind::Status, format!("HTTP status {status}"))
        }
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The response's status, for an error from
    /// [`Response::error_for_status`](crate::Response::error_for_status).
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Whether the connection was lost before any byte of a response came
    /// back, which is when a request on a reused connection is retried.
    pub(crate) fn is_unanswered(&self) -> bool {
        self.unanswered
    }
}

/// The text of an error on a connection that closed before any byte of the
/// response arrived.
const UNANSWERED: &str = "connection closed before the response began";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The source is not printed: see the type's documentation.
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(status) = self.status {
            d.field("status", &status);
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        if self.described {
            return None;
        }
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `bytes` in the largest binary unit that divides it: `16 MiB`, `64 KiB`,
/// `1000 bytes`.
pub(crate) fn bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    match n {
        0 => "0 bytes".to_owned(),
        n if n % GIB == 0 => format!("{} GiB", n / GIB),
        n if n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n % KIB == 0 => format!("{} KiB", n / KIB),
        1 => "1 byte".to_owned(),
        n => format!("{n} bytes"),
    }
}
