//! A whole response: status, headers and body.

use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::{Error, ErrorKind};

/// The most response headers accepted.
pub(crate) const MAX_HEADERS: usize = 64;

/// A response, read whole: its status, headers and body (unless the body
/// was discarded: see [`ClientBuilder::discard_bodies`](crate::ClientBuilder::discard_bodies)).
pub struct Response {
    pub(crate) status: u16,
    /// The response head as received (status line and header lines), then
    /// the body: one allocation per response.
    pub(crate) data: Vec<u8>,
    /// Where the body starts in `data`.
    pub(crate) head_len: usize,
    /// The body's length as received (after removing any chunked coding),
    /// kept or not.
    pub(crate) body_len: u64,
    /// Whether the body was counted and dropped rather than kept.
    pub(crate) discarded: bool,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The response itself if its status is below 400, otherwise an error of
    /// kind [`ErrorKind::Status`] whose text is `HTTP status N`.
    pub fn error_for_status(self) -> Result<Response, Error> {
        if self.status >= 400 {
            Err(Error::status_error(self.status))
        } else {
            Ok(self)
        }
    }

    /// The value of the first header named `name` (in any case), if it is
    /// present and UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }

    /// Every header in order received: name and raw value.
    ///
    /// Headers are found again in the head when asked for, which keeps a
    /// response that nobody asks about to one allocation.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut []);
        // The head parsed when it was read; it parses the same again.
        let _ = httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut parsed,
            &self.data[..self.head_len],
            &mut headers,
        );
        parsed
            .headers
            .iter()
            .map(|h| (h.name, h.value))
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The body, with any chunked transfer coding removed; empty if it was
    /// discarded ([`is_discarded`](Response::is_discarded)).
    pub fn body(&self) -> &[u8] {
        &self.data[self.head_len..]
    }

    /// The body's length in bytes, with any chunked transfer coding
    /// removed, whether it was kept or discarded.
    pub fn body_len(&self) -> u64 {
        self.body_len
    }

    /// Whether the body was counted and dropped as it arrived rather than
    /// kept, as [`ClientBuilder::discard_bodies`](crate::ClientBuilder::discard_bodies)
    /// and [`RequestBuilder::discard_body`](crate::RequestBuilder::discard_body)
    /// ask. [`body`](Response::body) is then empty and
    /// [`body_len`](Response::body_len) tells how long it was.
    pub fn is_discarded(&self) -> bool {
        self.discarded
    }

    /// The body as text, or an error if it is not UTF-8 (an empty text if
    /// the body was discarded).
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(self.body())
            .map_err(|_| Error::new(ErrorKind::Protocol, "the response body is not UTF-8"))
    }

    /// Takes the body.
    pub fn into_body(mut self) -> Vec<u8> {
        self.data.drain(..self.head_len);
        self.data
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field(
                "headers",
                &self
                    .headers()
                    .map(|(n, v)| (n, String::from_utf8_lossy(v)))
                    .collect::<Vec<_>>(),
            )
            .field("body_len", &self.body_len)
            .field("discarded", &self.discarded)
            .finish()
    }
}

/// [`error_for_status`](ResponseFutureExt::error_for_status) on the future
/// of a request, before it is awaited.
///
/// `lot::step("list items", request.send().error_for_status())` records the
/// step as failed when the response's status is 4xx or 5xx: the status is
/// checked inside the step. Checking it after awaiting the step
/// (`lot::step(..).await?.error_for_status()?`) fails the iteration but
/// records the step as ok.
pub trait ResponseFutureExt: Future<Output = Result<Response, Error>> + Sized {
    /// This future, failing with an error of kind [`ErrorKind::Status`]
    /// (`HTTP status N`) when the response's status is 400 or more, as
    /// [`Response::error_for_status`] does.
    fn error_for_status(self) -> ErrorForStatus<Self> {
        ErrorForStatus { inner: self }
    }
}

impl<F: Future<Output = Result<Response, Error>>> ResponseFutureExt for F {}

pin_project_lite::pin_project! {
    /// The future of [`ResponseFutureExt::error_for_status`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless awaited"]
    pub struct ErrorForStatus<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future<Output = Result<Response, Error>>> Future for ErrorForStatus<F> {
    type Output = Result<Response, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project()
            .inner
            .poll(cx)
            .map(|result| result.and_then(Response::error_for_status))
    }
}
