//! One keep-alive connection: write a request, read its response.
//!
//! The request's future drives the socket itself. There is no connection
//! task and no channel between the request and the connection (hyper's
//! client has both): one exchange costs a write, a read and the runtime's
//! readiness wake-up.
//!
//! A connection is a [`Stream`]: a plain socket, read and written with
//! `try_read` and `try_write` as the runtime reports it ready, or (with the
//! `tls` feature) a TLS stream, boxed, read and written through tokio's
//! `AsyncRead` and `AsyncWrite`. A plain read or write costs a match on the
//! stream's variant and the system call: no box, no dynamic call. Both
//! count towards the same yield budget ([`YIELD_AFTER`]) and fill the same
//! buffer, so every bound below holds over TLS as it does over plain TCP.

use std::io;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::task::Poll;
use std::time::Instant;

use tokio::io::Interest;
use tokio::net::TcpStream;

use crate::error::{Error, ErrorKind, bytes};
use crate::message::Message;
use crate::response::{MAX_HEADERS, Response};
#[cfg(feature = "tls")]
use crate::tls::{self, TlsStream};

/// The read buffer's first size; it doubles as a response needs. Small,
/// since a pool keeps a buffer per connection and most response heads (and
/// many whole responses) fit in 1 KiB.
const INITIAL_BUFFER: usize = 1024;
/// The size a read buffer may grow to while it reads a body that arrives
/// faster than it is read, and the largest it keeps between exchanges (one
/// that grew beyond it for a long head shrinks back when the connection
/// is kept). This, with [`MAX_HEAD`], bounds a connection's own memory
/// whatever the target sends.
const BODY_BUFFER: usize = 16 * 1024;
/// The largest response head (status line and headers) accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// The longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 4096;
/// How much reading or writing a connection does before it lets the runtime
/// run something else. Each read or write counts its bytes plus
/// [`IO_COST`] towards one budget shared by reads and writes, so a yield
/// comes once the bytes moved plus 1 KiB per system call reach 64 KiB: after
/// 64 KiB in a few calls, or after 64 calls that moved nothing much. Without it a target that streams as fast as it can keeps every
/// read succeeding, the request's future never returns `Pending`, and
/// nothing else on its thread runs: not the timer of the iteration's
/// timeout, not the other iterations. lot polls iterations under
/// `tokio::task::unconstrained`, so tokio's own cooperative budget does not
/// step in.
const YIELD_AFTER: usize = 64 * 1024;
/// What one read or write counts towards [`YIELD_AFTER`] beyond its bytes.
const IO_COST: usize = 1024;
/// A body's first allocation when its length is declared: at most this
/// much is reserved before the bytes arrive, so a `Content-Length` the
/// target does not honour costs nothing. It then grows as bytes arrive.
const INITIAL_BODY: u64 = 16 * 1024;

/// A connection's byte stream.
enum Stream {
    Plain(TcpStream),
    /// Boxed (see [`TlsStream`]), so that a plain connection stays small.
    #[cfg(feature = "tls")]
    Tls(TlsStream),
}

pub(crate) struct Conn {
    stream: Stream,
    /// Read buffer: `buf[pos..filled]` is received and not yet consumed.
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
    /// Whether the last read took less than it had room for, which means
    /// it emptied the socket's receive queue.
    drained: bool,
    /// Reading and writing done since the future last returned `Pending`
    /// (see [`YIELD_AFTER`]).
    unyielded: usize,
    /// What the current exchange measures, when it is measured: the
    /// request's own record (see `metrics.rs`), so that a cancelled exchange
    /// leaves what it got to.
    timing: Timing,
}

/// When an exchange's request went out and its answer came in, and how
/// many bytes it moved: what a request's metrics are made of.
#[derive(Clone, Copy, Debug, Default)]
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) struct Timing {
    pub(crate) started: Option<Instant>,
    /// The request written whole.
    pub(crate) sent: Option<Instant>,
    /// The first byte of the response read.
    pub(crate) first_byte: Option<Instant>,
    pub(crate) bytes_sent: u64,
    pub(crate) bytes_received: u64,
}

/// How the body of a response is delimited.
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

/// Where a body's bytes go: appended to the response's data, or counted
/// and dropped, within the request's limit.
struct Sink<'a> {
    data: &'a mut Vec<u8>,
    /// Body bytes received so far.
    len: u64,
    /// The most body bytes accepted.
    max: u64,
    /// The most `data` may ever hold: the head and the largest body that
    /// can still arrive. Allocation never goes beyond it.
    cap: usize,
    discard: bool,
}

impl Sink<'_> {
    fn push(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.len += bytes.len() as u64;
        if self.len > self.max {
            return Err(too_large(self.max));
        }
        if self.discard {
            return Ok(());
        }
        let needed = self.data.len() + bytes.len();
        if needed > self.data.capacity() {
            // Doubling as `Vec` does, but never beyond what the limit (or
            // the declared length) lets arrive.
            let target = (self.data.capacity() * 2).min(self.cap).max(needed);
            self.data.reserve_exact(target - self.data.len());
        }
        self.data.extend_from_slice(bytes);
        Ok(())
    }
}

/// The error of a body over `max` bytes.
pub(crate) fn too_large(max: u64) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("response body over the {} limit", bytes(max)),
    )
}

/// The error of a failed read or write: a failure of the TLS layer (an
/// alert, a record that does not decrypt) is one of kind
/// [`ErrorKind::Tls`]; any other is what `otherwise` makes of it.
fn failed(e: io::Error, otherwise: impl FnOnce(io::Error) -> Error) -> Error {
    #[cfg(feature = "tls")]
    let e = match tls::from_io(e) {
        Ok(tls) => return tls,
        Err(e) => e,
    };
    otherwise(e)
}

impl Conn {
    /// A plain connection over `stream`.
    pub(crate) fn plain(stream: TcpStream) -> Conn {
        Conn::new(Stream::Plain(stream))
    }

    /// A TLS connection over `stream`, its handshake done.
    #[cfg(feature = "tls")]
    pub(crate) fn tls(stream: TlsStream) -> Conn {
        Conn::new(Stream::Tls(stream))
    }

    fn new(stream: Stream) -> Conn {
        Conn {
            stream,
            buf: vec![0; INITIAL_BUFFER],
            pos: 0,
            filled: 0,
            drained: false,
            unyielded: 0,
            timing: Timing::default(),
        }
    }

    /// Sends `request` and reads its response. The flag says whether the
    /// connection may carry another request.
    pub(crate) async fn exchange(
        &mut self,
        request: &Message,
        timing: &mut Timing,
    ) -> Result<(Response, bool), Error> {
        self.timing = Timing {
            started: Some(Instant::now()),
            ..Timing::default()
        };
        let result = self.exchange_timed(request).await;
        *timing = self.timing;
        result
    }

    async fn exchange_timed(&mut self, request: &Message) -> Result<(Response, bool), Error> {
        let mut written = 0;
        let sent = self.write_all(&request.wire, &mut written).await;
        self.timing.bytes_sent = written as u64;
        if let Err(e) = sent {
            // Failing before a byte went out is how a connection the target
            // closed while idle shows itself: the request was not seen.
            return Err(failed(e, |e| {
                if written == 0 {
                    Error::unanswered(Some(e))
                } else {
                    Error::io(
                        ErrorKind::Io,
                        "the connection failed while the request was being sent",
                        e,
                    )
                }
            }));
        }
        self.timing.sent = Some(Instant::now());
        let (mut response, framing, close) = self.read_head(request).await?;
        let head_len = response.head_len;
        let mut sink = Sink {
            data: &mut response.data,
            len: 0,
            max: request.max_body,
            cap: head_len.saturating_add(usize::try_from(request.max_body).unwrap_or(usize::MAX)),
            discard: request.discard,
        };
        let reusable = match framing {
            Framing::Empty => true,
            Framing::Length(n) => {
                // Checked in `parse_head`: `n` is within the limit.
                sink.cap = head_len.saturating_add(usize::try_from(n).unwrap_or(usize::MAX));
                self.read_exact_into(n, &mut sink).await?;
                true
            }
            Framing::Chunked => {
                self.read_chunked(&mut sink).await?;
                true
            }
            Framing::UntilClose => {
                self.read_to_close(&mut sink).await?;
                false
            }
        };
        response.body_len = sink.len;
        // Anything after the response is not an answer to any request: the
        // connection's state is unknown, so it is not reused.
        let reusable = reusable && !close && !request.close && self.pos == self.filled;
        if reusable {
            self.pos = 0;
            self.filled = 0;
            if self.buf.len() > BODY_BUFFER {
                // Grown for a long head: an idle connection keeps no more
                // than a body's buffer.
                self.buf = vec![0; BODY_BUFFER];
            }
            if let (Stream::Plain(stream), true) = (&self.stream, self.drained) {
                // The response was read whole without meeting `WouldBlock`,
                // so the runtime still marks the socket readable, and the
                // next exchange would spend a read on `EAGAIN`. The last
                // read was short: it emptied the socket's receive queue, as
                // an `EAGAIN` would show. So the mark is cleared as that
                // read would have cleared it. A close stays marked (the
                // runtime never clears that); after a full read, bytes may
                // still wait, and the mark stays for `is_reusable` to read.
                // (A TLS stream reads on until `WouldBlock` or a full
                // buffer, so it has no such mark to clear.)
                let _ = stream.try_io(Interest::READABLE, || {
                    Err::<(), _>(io::ErrorKind::WouldBlock.into())
                });
            }
        }
        Ok((response, reusable))
    }

    /// Whether an idle connection may carry a request: nothing arrived
    /// while it sat in the pool, neither its end (the target closed it) nor
    /// bytes that answer no request (a `408` before closing). A connection
    /// nothing happened to usually costs no system call, since its read
    /// readiness was cleared when it was put back.
    pub(crate) fn is_reusable(&mut self) -> bool {
        let mut probe = [0u8; 1];
        match &mut self.stream {
            Stream::Plain(stream) => matches!(
                stream.try_read(&mut probe),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock
            ),
            #[cfg(feature = "tls")]
            Stream::Tls(stream) => tls::is_idle(stream),
        }
    }

    /// Writes all of `data`, counting what went out in `written`.
    async fn write_all(&mut self, mut data: &[u8], written: &mut usize) -> io::Result<()> {
        // `poll_fn` over the socket's readiness rather than its `writable()`
        // future: the future of every exchange stays a few hundred bytes
        // smaller, and it is copied whole when it is boxed or spawned.
        std::future::poll_fn(|cx| {
            while !data.is_empty() {
                if self.unyielded >= YIELD_AFTER {
                    // See `YIELD_AFTER`: polled again as soon as the runtime
                    // has run what else is ready.
                    self.unyielded = 0;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                let wrote = match &mut self.stream {
                    Stream::Plain(stream) => match stream.try_write(data) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            match stream.poll_write_ready(cx) {
                                Poll::Pending => {
                                    self.unyielded = 0;
                                    return Poll::Pending;
                                }
                                Poll::Ready(ready) => {
                                    ready?;
                                    continue;
                                }
                            }
                        }
                        wrote => wrote,
                    },
                    #[cfg(feature = "tls")]
                    Stream::Tls(stream) => match tls::poll_write(stream, cx, data) {
                        Poll::Pending => {
                            self.unyielded = 0;
                            return Poll::Pending;
                        }
                        Poll::Ready(wrote) => wrote,
                    },
                };
                match wrote {
                    Ok(n) => {
                        data = &data[n..];
                        *written += n;
                        self.unyielded += n + IO_COST;
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            // The records rustls still holds go out before the response is
            // awaited.
            #[cfg(feature = "tls")]
            if let Stream::Tls(stream) = &mut self.stream {
                if tls::poll_flush(stream, cx)?.is_pending() {
                    self.unyielded = 0;
                    return Poll::Pending;
                }
            }
            Poll::Ready(Ok(()))
        })
        .await
    }

    /// Reads more into the buffer, compacting or growing it when full.
    /// Returns the number of bytes read: 0 at the end of the stream.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.filled {
            // Everything read is consumed: read from the start again.
            self.pos = 0;
            self.filled = 0;
        }
        if self.filled == self.buf.len() {
            if self.pos > 0 {
                self.buf.copy_within(self.pos..self.filled, 0);
                self.filled -= self.pos;
                self.pos = 0;
            }
            if self.filled == self.buf.len() {
                // Only a head or a line grows the buffer this way, and both
                // are bounded (`MAX_HEAD`, `MAX_LINE`) before it doubles
                // past `MAX_HEAD`.
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        // As in `write_all`: readiness is polled, not awaited as a future.
        std::future::poll_fn(|cx| {
            loop {
                if self.unyielded >= YIELD_AFTER {
                    // See `YIELD_AFTER`.
                    self.unyielded = 0;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                let space = self.buf.len() - self.filled;
                let read = match &mut self.stream {
                    Stream::Plain(stream) => match stream.try_read(&mut self.buf[self.filled..]) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            match stream.poll_read_ready(cx) {
                                Poll::Pending => {
                                    self.unyielded = 0;
                                    return Poll::Pending;
                                }
                                Poll::Ready(ready) => {
                                    ready?;
                                    continue;
                                }
                            }
                        }
                        read => read,
                    },
                    // One call decrypts what the socket holds, up to the
                    // buffer's room: its bytes and one call count towards
                    // the budget, as a plain read's do.
                    #[cfg(feature = "tls")]
                    Stream::Tls(stream) => {
                        match tls::poll_read(stream, cx, &mut self.buf[self.filled..]) {
                            Poll::Pending => {
                                self.unyielded = 0;
                                return Poll::Pending;
                            }
                            Poll::Ready(read) => read,
                        }
                    }
                };
                match read {
                    Ok(n) => {
                        self.filled += n;
                        self.timing.bytes_received += n as u64;
                        if n > 0 && self.timing.first_byte.is_none() {
                            self.timing.first_byte = Some(Instant::now());
                        }
                        self.drained = n < space;
                        self.unyielded += n + IO_COST;
                        return Poll::Ready(Ok(n));
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        })
        .await
    }

    /// Before a body is read further: if the last read filled the buffer,
    /// the body arrives faster than the buffer takes it, so the buffer
    /// doubles, up to `BODY_BUFFER`, for fewer and larger reads. Only a
    /// consumed buffer grows, so nothing is copied.
    fn grow_for_body(&mut self) {
        if self.pos == self.filled && !self.drained && self.buf.len() < BODY_BUFFER {
            self.pos = 0;
            self.filled = 0;
            self.buf.resize(self.buf.len() * 2, 0);
        }
    }

    /// Reads more of the body (`what` names the part for the error).
    async fn more(&mut self, what: &str) -> Result<(), Error> {
        self.grow_for_body();
        match self.fill().await {
            Ok(0) => Err(Error::new(
                ErrorKind::Io,
                format!("connection closed in the middle of the response {what}"),
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(failed(e, |e| {
                Error::io(ErrorKind::Io, format!("reading the response {what}"), e)
            })),
        }
    }

    /// Reads the response head, skipping interim (1xx) responses.
    async fn read_head(&mut self, request: &Message) -> Result<(Response, Framing, bool), Error> {
        let mut answered = self.filled > self.pos;
        // Interim responses count towards the head's limit, so a target
        // that sends `100 Continue` without end fails like an endless head.
        let mut interim = 0;
        loop {
            if let Some(head) = self.parse_head(request, &mut interim)? {
                return Ok(head);
            }
            match self.fill().await {
                Ok(0) if !answered => return Err(Error::unanswered(None)),
                Ok(0) => {
                    return Err(Error::new(
                        ErrorKind::Io,
                        "connection closed in the middle of the response head",
                    ));
                }
                Ok(_) => answered = true,
                Err(e) => {
                    return Err(failed(e, |e| {
                        if answered {
                            Error::io(ErrorKind::Io, "reading the response head", e)
                        } else {
                            Error::unanswered(Some(e))
                        }
                    }));
                }
            }
        }
    }

    /// Parses a final response head from the buffer, consuming any interim
    /// (1xx) responses before it, or returns `None` if more must be read.
    ///
    /// Synchronous on purpose: httparse's header array (2 KiB) then lives on
    /// the stack, not in every request's future, which is copied whole when
    /// the iteration is boxed or spawned.
    fn parse_head(
        &mut self,
        request: &Message,
        interim: &mut usize,
    ) -> Result<Option<(Response, Framing, bool)>, Error> {
        loop {
            let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
            let mut parsed = httparse::Response::new(&mut []);
            let window = &self.buf[self.pos..self.filled];
            let n = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
                &mut parsed,
                window,
                &mut headers,
            ) {
                Ok(httparse::Status::Complete(n)) => n,
                Ok(httparse::Status::Partial) if *interim + window.len() >= MAX_HEAD => {
                    return Err(head_too_large());
                }
                Ok(httparse::Status::Partial) => return Ok(None),
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(Error::new(
                        ErrorKind::Protocol,
                        format!("the response has more than {MAX_HEADERS} headers"),
                    ));
                }
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::Protocol,
                        format!("invalid response head: {e}"),
                    ));
                }
            };
            let status = parsed.code.unwrap_or(0);
            if status == 101 {
                return Err(Error::new(
                    ErrorKind::Protocol,
                    "the target switched protocols (101), which lot::http does not speak",
                ));
            }
            if (100..200).contains(&status) {
                *interim += n;
                if *interim >= MAX_HEAD {
                    return Err(head_too_large());
                }
                self.pos += n;
                continue;
            }
            let (mut saw_close, mut saw_keep_alive) = (false, false);
            let mut chunked = None;
            let mut length: Option<u64> = None;
            for h in parsed.headers.iter() {
                let value = || std::str::from_utf8(h.value).unwrap_or("");
                if h.name.eq_ignore_ascii_case("connection") {
                    for token in value().split(',').map(str::trim) {
                        saw_close |= token.eq_ignore_ascii_case("close");
                        saw_keep_alive |= token.eq_ignore_ascii_case("keep-alive");
                    }
                } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                    let last = value().rsplit(',').next().unwrap_or("").trim();
                    chunked = Some(last.eq_ignore_ascii_case("chunked"));
                } else if h.name.eq_ignore_ascii_case("content-length") {
                    let digits = value().trim();
                    // Digits only (RFC 9110 8.6): `parse` would take a `+`.
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(Error::new(
                            ErrorKind::Protocol,
                            "the response's Content-Length is not a number",
                        ));
                    }
                    // Only digits, so a failed parse is a length past
                    // `u64`: over any limit.
                    let n = digits
                        .parse::<u64>()
                        .map_err(|_| too_large(request.max_body))?;
                    if length.is_some_and(|l| l != n) {
                        return Err(Error::new(
                            ErrorKind::Protocol,
                            "the response has conflicting Content-Length headers",
                        ));
                    }
                    length = Some(n);
                }
            }
            // HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 keeps
            // alive unless asked to close.
            let http10 = parsed.version == Some(0);
            // A transfer coding with a length, or on HTTP/1.0, leaves the
            // framing in doubt (RFC 9112 6.1): the connection is not reused.
            let close = saw_close
                || (http10 && !saw_keep_alive)
                || (chunked.is_some() && (length.is_some() || http10));
            let framing = if request.head || status == 204 || status == 304 {
                Framing::Empty
            } else {
                match (chunked, length) {
                    (Some(true), _) => Framing::Chunked,
                    (Some(false), _) => Framing::UntilClose,
                    (None, Some(n)) => Framing::Length(n),
                    (None, None) => Framing::UntilClose,
                }
            };
            // A declared length over the limit fails before a byte of the
            // body is read (the connection is then closed).
            let body_hint = match framing {
                Framing::Length(len) if len > request.max_body => {
                    return Err(too_large(request.max_body));
                }
                Framing::Length(_) if request.discard => 0,
                // Head and body in one allocation when the body is small;
                // a larger one grows as it arrives (see `Sink::push`).
                Framing::Length(len) => len.min(INITIAL_BODY) as usize,
                _ => 0,
            };
            let mut data = Vec::with_capacity(n + body_hint);
            data.extend_from_slice(&window[..n]);
            let response = Response {
                status,
                data,
                head_len: n,
                body_len: 0,
                discarded: request.discard,
            };
            self.pos += n;
            return Ok(Some((response, framing, close)));
        }
    }

    async fn read_exact_into(&mut self, mut n: u64, body: &mut Sink<'_>) -> Result<(), Error> {
        loop {
            let available = (self.filled - self.pos) as u64;
            let take = available.min(n) as usize;
            body.push(&self.buf[self.pos..self.pos + take])?;
            self.pos += take;
            n -= take as u64;
            if n == 0 {
                return Ok(());
            }
            self.more("body").await?;
        }
    }

    /// Reads a line (a chunk size or a trailer) and returns
    /// its range in the buffer, valid until the next read.
    async fn line(&mut self) -> Result<Range<usize>, Error> {
        loop {
            let window = &self.buf[self.pos..self.filled];
            // LF ends a line, after an optional CR (RFC 9112 2.2).
            // However the bytes arrive, a line over `MAX_LINE` (its CR and
            // LF aside) fails, and one within it passes.
            let too_long = || {
                Error::new(
                    ErrorKind::Protocol,
                    format!("a chunked body line exceeds {MAX_LINE} bytes"),
                )
            };
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                let end = if i > 0 && window[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                if end > MAX_LINE {
                    return Err(too_long());
                }
                let range = self.pos..self.pos + end;
                self.pos += i + 1;
                return Ok(range);
            }
            if window.len() > MAX_LINE + 1 {
                return Err(too_long());
            }
            self.more("body").await?;
        }
    }

    async fn read_chunked(&mut self, body: &mut Sink<'_>) -> Result<(), Error> {
        loop {
            let line = self.line().await?;
            let text = std::str::from_utf8(&self.buf[line]).unwrap_or("");
            let digits = text.split(';').next().unwrap_or("").trim();
            let size = u64::from_str_radix(digits, 16)
                .ok()
                .filter(|_| !digits.is_empty() && !digits.starts_with('+'))
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Protocol,
                        "invalid chunk size in the response body",
                    )
                })?;
            if size == 0 {
                // Trailers, up to the empty line, within the head's limit
                // in all: a target that sends trailers without end fails.
                let mut trailers = 0;
                loop {
                    let line = self.line().await?;
                    if line.is_empty() {
                        return Ok(());
                    }
                    trailers += line.len() + 2;
                    if trailers > MAX_HEAD {
                        return Err(Error::new(
                            ErrorKind::TooLarge,
                            format!(
                                "response trailers over the {} limit",
                                bytes(MAX_HEAD as u64)
                            ),
                        ));
                    }
                }
            }
            // A chunk that would take the body over the limit fails before
            // it is read.
            if body.len.saturating_add(size) > body.max {
                return Err(too_large(body.max));
            }
            self.read_exact_into(size, body).await?;
            if !self.line().await?.is_empty() {
                return Err(Error::new(
                    ErrorKind::Protocol,
                    "a chunk of the response body does not end with CRLF",
                ));
            }
        }
    }

    async fn read_to_close(&mut self, body: &mut Sink<'_>) -> Result<(), Error> {
        loop {
            body.push(&self.buf[self.pos..self.filled])?;
            self.pos = self.filled;
            self.grow_for_body();
            match self.fill().await {
                // The end of the stream is this body's end.
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => {
                    return Err(failed(e, |e| {
                        Error::io(ErrorKind::Io, "reading the response body", e)
                    }));
                }
            }
        }
    }
}

/// The error of a response head, interim responses included, over
/// [`MAX_HEAD`].
fn head_too_large() -> Error {
    Error::new(
        ErrorKind::TooLarge,
        format!("response head over the {} limit", bytes(MAX_HEAD as u64)),
    )
}
