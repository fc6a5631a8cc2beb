//! The dashboard's HTTP server: `/` (the page), `/events` (server-sent
//! events) and `/report.html` (the final report).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http_body_util::{Either, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use lot_report::html::{Sections, page};
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinSet;

use crate::state::{Event, Shared};

/// The most connections served at once; more are closed as they come.
pub(crate) const MAX_CONNECTIONS: usize = 64;

type Reply = Response<Either<Full<Bytes>, Events>>;

/// Accepts connections until the task is aborted, which ends every
/// connection with it (they are tasks of its own set).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    let local = listener.local_addr().ok();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors, say: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                if connections.len() >= MAX_CONNECTIONS {
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let reply = match local {
                            Some(local) if !host_allowed(&req, local) => text(
                                StatusCode::MISDIRECTED_REQUEST,
                                "this dashboard answers to localhost or its loopback address only\n",
                            ),
                            _ => handle(&req, &shared),
                        };
                        async move { Ok::<_, Infallible>(reply) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Whether `req` may be answered: on a loopback address, only a request
/// whose `Host` names the loopback (`localhost`, `127.0.0.1`, `[::1]`) and
/// the dashboard's port, so that a web page a browser loaded from elsewhere
/// cannot read the dashboard by pointing its own name at 127.0.0.1 (DNS
/// rebinding). On another address, which the user chose to expose, any.
fn host_allowed(req: &Request<Incoming>, local: std::net::SocketAddr) -> bool {
    if !local.ip().is_loopback() {
        return true;
    }
    let Some(host) = req.headers().get("host").and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let port = local.port().to_string();
    let (name, given) = match host.rsplit_once(':') {
        Some((name, given)) if !name.ends_with(':') => (name, given),
        _ => return false,
    };
    given == port
        && matches!(
            name.to_ascii_lowercase().as_str(),
            "localhost" | "127.0.0.1" | "[::1]"
        )
}

fn handle(req: &Request<Incoming>, shared: &Arc<Shared>) -> Reply {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
    }
    match req.uri().path() {
        "/" => {
            let html = match shared.report() {
                Some(report) => report.to_string(),
                None => page(&shared.lock().data, &Sections::default(), Some("/events")),
            };
            html_reply(html)
        }
        "/report.html" => match shared.report() {
            Some(report) => html_reply(report.to_string()),
            None => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "the run has not ended: the report is served once it has\n",
            ),
        },
        "/events" => Response::builder()
            .header(CONTENT_TYPE, "text/event-stream")
            .header(CACHE_CONTROL, "no-store")
            .body(Either::Right(Events::new(shared.clone())))
            .expect("a valid response"),
        _ => text(StatusCode::NOT_FOUND, "not found: try / or /report.html\n"),
    }
}

fn html_reply(html: String) -> Reply {
    Response::builder()
        .header(CONTENT_TYPE, "text/html; charset=utf-8")
        .header(CACHE_CONTROL, "no-store")
        .body(Either::Left(Full::new(Bytes::from(html))))
        .expect("a valid response")
}

fn text(status: StatusCode, body: &'static str) -> Reply {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Either::Left(Full::new(Bytes::from_static(body.as_bytes()))))
        .expect("a valid response")
}

/// One page's stream of events: everything so far first, then each
/// interval, and the report at the end. A page that falls more than
/// [`EVENTS_KEPT`](crate::state::EVENTS_KEPT) events behind gets everything
/// so far again instead of what it missed, so a slow browser costs the run
/// nothing and holds at most one event's bytes of its own.
pub(crate) struct Events {
    shared: Arc<Shared>,
    next: Option<Next>,
}

/// The stream's next event, which gives the stream back with it.
type Next = Pin<Box<dyn Future<Output = (Stream, Option<Bytes>)> + Send>>;

struct Stream {
    rx: tokio::sync::broadcast::Receiver<Event>,
    shared: Arc<Shared>,
    started: bool,
    done: bool,
}

impl Events {
    fn new(shared: Arc<Shared>) -> Events {
        // Subscribed before the snapshot is taken, so nothing falls between
        // them (the page drops what it has twice, by interval index).
        let stream = Stream {
            rx: shared.subscribe(),
            shared: shared.clone(),
            started: false,
            done: false,
        };
        shared.stream_opened();
        Events {
            shared,
            next: Some(Box::pin(stream.next())),
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.shared.stream_closed();
    }
}

impl Stream {
    async fn next(mut self) -> (Stream, Option<Bytes>) {
        if self.done {
            return (self, None);
        }
        if !self.started {
            self.started = true;
            let mut first = b"retry: 1000\n\n".to_vec();
            first.extend_from_slice(&self.shared.snapshot().bytes);
            if let Some(summary) = self.shared.summary() {
                first.extend_from_slice(&summary.bytes);
                self.done = true;
            }
            return (self, Some(Bytes::from(first)));
        }
        let bytes = match self.rx.recv().await {
            Ok(event) => {
                self.done = event.last;
                event.bytes
            }
            Err(RecvError::Lagged(_)) => self.shared.snapshot().bytes,
            Err(RecvError::Closed) => return (self, None),
        };
        (self, Some(bytes))
    }
}

impl Body for Events {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let Some(next) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        let (stream, bytes) = ready!(next.as_mut().poll(cx));
        match bytes {
            Some(bytes) => {
                self.next = Some(Box::pin(stream.next()));
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            None => {
                self.next = None;
                Poll::Ready(None)
            }
        }
    }
}
