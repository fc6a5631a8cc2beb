//! [`Error`]: an address the dashboard cannot listen on.

use std::fmt;

/// Why [`Dashboard::bind`](crate::Dashboard::bind) failed: the address is
/// not one, or it cannot be listened on (in use, not this machine's, not
/// allowed).
#[derive(Debug)]
pub struct Error {
    address: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Invalid,
    Bind(std::io::Error),
}

impl Error {
    pub(crate) fn invalid(address: &str) -> Error {
        Error {
            address: address.to_owned(),
            kind: Kind::Invalid,
        }
    }

    pub(crate) fn bind(address: &str, error: std::io::Error) -> Error {
        Error {
            address: address.to_owned(),
            kind: Kind::Bind(error),
        }
    }

    /// Whether the address was not an address at all.
    pub fn is_invalid_address(&self) -> bool {
        matches!(self.kind, Kind::Invalid)
    }

    /// Whether the address could not be listened on.
    pub fn is_bind(&self) -> bool {
        matches!(self.kind, Kind::Bind(_))
    }

    /// The address, as it was given.
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Invalid => write!(
                f,
                "invalid dashboard address `{}`; expected IP:PORT (such as 127.0.0.1:5665), localhost:PORT, or a port",
                self.address
            ),
            Kind::Bind(e) => write!(
                f,
                "cannot listen on `{}` for the dashboard: {e}",
                self.address
            ),
        }
    }
}

impl std::error::Error for Error {}
