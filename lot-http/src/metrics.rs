//! A request's metrics, reported to the lot run it is part of (with the
//! `metrics` feature, which the `lot` facade turns on): its name, status,
//! reuse, bytes and phases, through `lot_core::context::record_http`.
//! Outside a run, and without the feature, nothing is recorded.

use std::time::{Duration, Instant};

use crate::conn::Timing;
use crate::error::Error;
use crate::message::Message;
use crate::response::Response;

/// One request being measured; it records itself when dropped, so a request
/// cancelled mid-way (its iteration timed out) is recorded too, as failed.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) struct Measure<'a> {
    message: &'a Message,
    /// Whether the request is recorded: its client's setting.
    record: bool,
    reused: bool,
    /// Over a new plain-HTTP connection that connected.
    plain: bool,
    connect: Duration,
    tls: Duration,
    timing: Timing,
    status: Option<u16>,
    /// The step the request started in, for a request recorded after its
    /// step stopped being polled (cancelled with its iteration).
    #[cfg(feature = "metrics")]
    step: Option<lot_core::context::StepRef>,
}

impl<'a> Measure<'a> {
    /// Starts measuring `message`'s request, to be recorded if `record`.
    pub(crate) fn start(message: &'a Message, record: bool) -> Measure<'a> {
        Measure {
            message,
            record,
            reused: false,
            plain: false,
            connect: Duration::ZERO,
            tls: Duration::ZERO,
            timing: Timing::default(),
            status: None,
            #[cfg(feature = "metrics")]
            step: lot_core::context::current_step(),
        }
    }

    /// The request goes on a kept-alive connection.
    pub(crate) fn reused(&mut self) {
        self.reused = true;
        self.plain = false;
    }

    /// The request goes on a new connection, whose TCP connect and TLS
    /// handshake took these. What an earlier attempt measured (on a reused
    /// connection that turned out closed) is forgotten.
    pub(crate) fn opened(&mut self, connect: Duration, tls: Duration) {
        self.reused = false;
        self.plain = false;
        (self.connect, self.tls) = (connect, tls);
        self.timing = Timing::default();
    }

    /// The connection just opened is plain HTTP, connected: no TLS was
    /// needed.
    pub(crate) fn plain(&mut self) {
        self.plain = true;
    }

    /// An exchange starts now: what the connection measures of it goes into
    /// [`timing`](Measure::timing). Its start is kept here at once, so a
    /// request cancelled mid-way records its time (though not its bytes).
    pub(crate) fn timing(&mut self) -> &mut Timing {
        self.timing = Timing {
            started: Some(Instant::now()),
            ..Timing::default()
        };
        &mut self.timing
    }

    /// How the request ended.
    pub(crate) fn finish(&mut self, result: &Result<Response, Error>) {
        self.status = result.as_ref().ok().map(Response::status);
    }
}

impl Drop for Measure<'_> {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        if self.record {
            let end = Instant::now();
            let t = &self.timing;
            let since = |a: Option<Instant>, b: Option<Instant>| match (a, b) {
                (Some(a), Some(b)) => b.saturating_duration_since(a),
                _ => Duration::ZERO,
            };
            let mut r = lot_core::context::HttpRequest::new(&self.message.name);
            r.status = self.status;
            r.reused = self.reused;
            r.plain = self.plain;
            r.bytes_sent = t.bytes_sent;
            r.bytes_received = t.bytes_received;
            r.connect = self.connect;
            r.tls = self.tls;
            r.send = since(t.started, t.sent);
            r.wait = since(t.sent, t.first_byte);
            r.receive = since(t.first_byte, Some(end));
            // Send, wait and receive, as k6's `http_req_duration`: zero for
            // a request that never got to send (its connection failed).
            r.duration = since(t.started, Some(end));
            r.step = self.step;
            lot_core::context::record_http(&r);
        }
    }
}
