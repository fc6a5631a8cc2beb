//! Requests: started by a `Client`, built once into their wire bytes, sent
//! as often as needed.

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::message::{self, Message};
use crate::response::Response;
use crate::url;

// The methods that start a request are here, next to the builder they
// return, so that the client's own module needs nothing of requests.
impl Client {
    /// A `GET` request for `path`, which starts with `/` and may hold a query.
    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request("GET", path)
    }

    /// A `POST` request for `path` with `body`.
    pub fn post(&self, path: &str, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.request("POST", path).body(body)
    }

    /// A `PUT` request for `path` with `body`.
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.request("PUT", path).body(body)
    }

    /// A `DELETE` request for `path`.
    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request("DELETE", path)
    }

    /// A `HEAD` request for `path`.
    pub fn head(&self, path: &str) -> RequestBuilder {
        self.request("HEAD", path)
    }

    /// A request with any `method` (a token such as `PATCH` or `OPTIONS`).
    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, path)
    }
}

/// A request being built: add headers and a body, then [`send`] it or
/// [`build`] it into a [`Request`] to send many times.
///
/// A mistake (a header name that is not a token, a path with a space) is
/// kept and returned by [`send`] or [`build`], so the builder chains.
///
/// [`send`]: RequestBuilder::send
/// [`build`]: RequestBuilder::build
#[derive(Debug)]
#[must_use = "a request builder does nothing until it is sent or built"]
pub struct RequestBuilder {
    client: Client,
    method: String,
    path: String,
    headers: Vec<u8>,
    has_host: bool,
    has_user_agent: bool,
    close: bool,
    body: Vec<u8>,
    max_body: Option<u64>,
    discard: Option<bool>,
    redirects: Option<u8>,
    name: Option<String>,
    error: Option<Error>,
}

impl RequestBuilder {
    fn new(client: Client, method: &str, path: &str) -> RequestBuilder {
        let mut builder = RequestBuilder {
            client,
            method: method.to_owned(),
            path: String::new(),
            headers: Vec::new(),
            has_host: false,
            has_user_agent: false,
            close: false,
            body: Vec::new(),
            max_body: None,
            discard: None,
            redirects: None,
            name: None,
            error: None,
        };
        if method.is_empty() || !method.bytes().all(is_token) {
            builder.fail(format!(
                "invalid method `{}`: expected a token such as GET or POST",
                method.escape_debug()
            ));
        }
        if !path.starts_with('/') {
            builder.fail(format!(
                "invalid path `{}`: expected it to start with `/`",
                path.escape_debug()
            ));
        } else if let Some(c) = path.chars().find(|c| !url::is_path_char(*c)) {
            builder.fail(format!(
                "invalid path `{}`: it contains {c:?}; {}",
                path.escape_debug(),
                if c == '#' {
                    "a fragment is not sent, remove it"
                } else {
                    "percent-encode it"
                }
            ));
        }
        builder.path = format!("{}{path}", builder.client.inner.base.path);
        builder
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::new(ErrorKind::Request, message));
        }
    }

    /// Adds a header. `Host` replaces the one taken from the base URL;
    /// `Content-Length` and `Transfer-Encoding` are refused, since the
    /// client sets the length from the body.
    pub fn header(mut self, name: &str, value: &str) -> RequestBuilder {
        if name.is_empty() || !name.bytes().all(is_token) {
            self.fail(format!(
                "invalid header name `{}`: expected a token (letters, digits and !#$%&'*+-.^_`|~)",
                name.escape_debug()
            ));
            return self;
        }
        // Field values are visible text, spaces and tabs (RFC 9110 5.5).
        if let Some(b) = value.bytes().find(|&b| b.is_ascii_control() && b != b'\t') {
            self.fail(format!(
                "invalid value `{}` for header `{name}`: it contains {:?}",
                value.escape_debug(),
                b as char
            ));
            return self;
        }
        if name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
        {
            self.fail(format!(
                "header `{name}` is set by the client from the body; remove it"
            ));
            return self;
        }
        self.has_host |= name.eq_ignore_ascii_case("host");
        self.has_user_agent |= name.eq_ignore_ascii_case("user-agent");
        if name.eq_ignore_ascii_case("connection")
            && value
                .split(',')
                .any(|v| v.trim().eq_ignore_ascii_case("close"))
        {
            self.close = true;
        }
        self.headers.extend_from_slice(name.as_bytes());
        self.headers.extend_from_slice(b": ");
        self.headers.extend_from_slice(value.trim().as_bytes());
        self.headers.extend_from_slice(b"\r\n");
        self
    }

    /// Sets the body, sent with its `Content-Length`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.body = body.into();
        self
    }

    /// Accepts a response body of at most `bytes` for this request, instead
    /// of the client's limit ([`ClientBuilder::max_body`]). A larger body
    /// fails the request with an error of kind [`ErrorKind::TooLarge`].
    ///
    /// [`ClientBuilder::max_body`]: crate::ClientBuilder::max_body
    pub fn max_body(mut self, bytes: u64) -> RequestBuilder {
        self.max_body = Some(bytes);
        self
    }

    /// Whether this request's response body is counted and dropped as it
    /// arrives rather than kept, instead of the client's setting
    /// ([`ClientBuilder::discard_bodies`]). The body limit still applies.
    ///
    /// [`ClientBuilder::discard_bodies`]: crate::ClientBuilder::discard_bodies
    pub fn discard_body(mut self, discard: bool) -> RequestBuilder {
        self.discard = Some(discard);
        self
    }

    /// Follows at most `max` redirects for this request, instead of the
    /// client's setting ([`ClientBuilder::redirects`], which tells how);
    /// `0` returns a redirect as it came.
    ///
    /// [`ClientBuilder::redirects`]: crate::ClientBuilder::redirects
    pub fn redirects(mut self, max: u8) -> RequestBuilder {
        self.redirects = Some(max);
        self
    }

    /// The name the request's metrics are recorded under in a lot run
    /// (k6's `name` tag), such as `GET /items/{id}`: requests whose paths
    /// differ (an id in the path) then share one entry of the results.
    /// Without one, it is the method and the path without its query.
    pub fn name(mut self, name: impl Into<String>) -> RequestBuilder {
        self.name = Some(name.into());
        self
    }

    /// Builds the request's wire bytes once, for sending many times with
    /// [`Request::send`] at no cost beyond the exchange itself.
    pub fn build(self) -> Result<Request, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let inner = &self.client.inner;
        let (max_body, discard) = (
            self.max_body.unwrap_or(inner.max_body),
            self.discard.unwrap_or(inner.discard),
        );
        let base = &inner.base;
        let mut wire = Vec::with_capacity(
            self.method.len() + self.path.len() + self.headers.len() + self.body.len() + 96,
        );
        for part in [
            self.method.as_bytes(),
            b" ",
            self.path.as_bytes(),
            b" HTTP/1.1\r\n",
        ] {
            wire.extend_from_slice(part);
        }
        let line_len = wire.len();
        if !self.has_host {
            for part in [b"host: ".as_slice(), base.authority.as_bytes(), b"\r\n"] {
                wire.extend_from_slice(part);
            }
        }
        if !self.has_user_agent {
            wire.extend_from_slice(
                concat!("user-agent: lot/", env!("CARGO_PKG_VERSION"), "\r\n").as_bytes(),
            );
        }
        wire.extend_from_slice(&self.headers);
        let has_body_semantics = matches!(self.method.as_str(), "POST" | "PUT" | "PATCH");
        if !self.body.is_empty() || has_body_semantics {
            wire.extend_from_slice(format!("content-length: {}\r\n", self.body.len()).as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        let head_len = wire.len();
        wire.extend_from_slice(&self.body);
        Ok(Request {
            message: Message {
                wire: wire.into(),
                line_len,
                head_len,
                head: self.method == "HEAD",
                idempotent: message::is_idempotent(&self.method),
                close: self.close,
                max_body,
                discard,
                redirects: self.redirects.unwrap_or(inner.redirects),
                name: self
                    .name
                    .unwrap_or_else(|| {
                        let path = self.path.split('?').next().unwrap_or_default();
                        format!("{} {path}", self.method)
                    })
                    .into(),
            },
            client: self.client,
        })
    }

    /// Builds and sends the request, and reads its whole response.
    pub async fn send(self) -> Result<Response, Error> {
        self.build()?.send().await
    }
}

/// A request ready to send: its wire bytes are built, so sending it again
/// costs only the exchange. Cloning it is cheap.
#[derive(Clone, Debug)]
pub struct Request {
    client: Client,
    message: Message,
}

impl Request {
    /// Sends the request on a pooled keep-alive connection (or a new one)
    /// and reads its whole response.
    ///
    /// A request whose reused connection turns out to have been closed by
    /// the target before answering is retried once on a new connection if
    /// its method is idempotent. The future owns what it needs, so it can be
    /// returned from a scenario as it is.
    pub fn send(&self) -> impl Future<Output = Result<Response, Error>> + Send + use<> {
        let request = self.clone();
        async move { request.client.exchange(&request.message).await }
    }

    /// The request as sent: request line, headers and body.
    pub fn as_bytes(&self) -> &[u8] {
        &self.message.wire
    }
}

/// `tchar` of RFC 9110: the characters of methods and header names.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}
