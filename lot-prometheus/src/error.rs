//! The crate's one error type.

use std::fmt;

/// What went wrong: a setting that is not valid (a URL, a header, an
/// environment variable), or batches that could not be delivered by the end
/// of the run.
///
/// Its text names the setting and what was expected, and never holds a
/// secret: passwords, tokens and header values are left out of every error,
/// and a URL is shown without its query (where some receivers take a key).
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: Kind,
    message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Url,
    Config,
    Unsent,
}

impl Error {
    pub(crate) fn url(message: String) -> Error {
        Error {
            kind: Kind::Url,
            message,
        }
    }

    pub(crate) fn config(message: String) -> Error {
        Error {
            kind: Kind::Config,
            message,
        }
    }

    pub(crate) fn unsent(message: String) -> Error {
        Error {
            kind: Kind::Unsent,
            message,
        }
    }

    /// Whether the receiver's URL is not valid.
    pub fn is_url(&self) -> bool {
        self.kind == Kind::Url
    }

    /// Whether another setting (credentials, headers, labels, the test id,
    /// the schema, an environment variable) is not valid.
    pub fn is_config(&self) -> bool {
        self.kind == Kind::Config
    }

    /// Whether this tells of batches that were not delivered by the end of
    /// the run (returned by the reporter's `summary`).
    pub fn is_unsent(&self) -> bool {
        self.kind == Kind::Unsent
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl std::error::Error for Error {}
