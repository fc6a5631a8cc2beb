//! What the dashboard's server shares with the reporter: the chart data so
//! far, the run's results once it has ended (and their report, rendered
//! when first asked for), and the channel of events.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::body::Bytes;
use lot_report::Summary;
use lot_report::html::ChartData;
use tokio::sync::broadcast;

/// How many events the channel keeps for a page that has not taken them
/// yet. A page further behind skips to the latest state (a `data` event).
pub(crate) const EVENTS_KEPT: usize = 8;

/// One server-sent event, ready to write.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    /// Whether it is the last one (the final report).
    pub(crate) last: bool,
    pub(crate) bytes: Bytes,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) data: ChartData,
    /// The finished run's results, once the run has ended.
    pub(crate) ended: Option<Arc<Summary>>,
    /// Their report, once a page or the last event has asked for it: a run
    /// that ends with no page open renders nothing.
    report: Option<Arc<str>>,
}

pub(crate) struct Shared {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Event>,
    /// Event streams open now.
    streams: AtomicUsize,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        Shared {
            inner: Mutex::new(Inner::default()),
            events: broadcast::channel(EVENTS_KEPT).0,
            streams: AtomicUsize::new(0),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves data that is still whole
        // (each update is one push), so a poisoned lock is used as it is.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends an event to every open stream; none open is not an error.
    pub(crate) fn send(&self, event: Event) {
        let _ = self.events.send(event);
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    pub(crate) fn stream_opened(&self) {
        self.streams.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn stream_closed(&self) {
        self.streams.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn open_streams(&self) -> usize {
        self.streams.load(Ordering::SeqCst)
    }

    /// The `data` event: everything so far, which replaces what a page has.
    pub(crate) fn snapshot(&self) -> Event {
        let json = self.lock().data.to_json();
        event("data", &json, false)
    }

    /// The finished run's report, if it has ended: rendered on the first
    /// call, outside the lock (a long run's report takes a while, and the
    /// other requests need the lock meanwhile).
    pub(crate) fn report(&self) -> Option<Arc<str>> {
        let summary = {
            let inner = self.lock();
            if let Some(report) = &inner.report {
                return Some(report.clone());
            }
            inner.ended.clone()?
        };
        let rendered: Arc<str> = lot_report::html::render(&summary).into();
        Some(self.lock().report.get_or_insert(rendered).clone())
    }

    /// The `summary` event, if the run has ended.
    pub(crate) fn summary(&self) -> Option<Event> {
        let report = self.report()?;
        Some(summary_event(&report))
    }
}

/// A server-sent event of one data line (JSON has no raw line breaks).
pub(crate) fn event(name: &str, json: &str, last: bool) -> Event {
    Event {
        last,
        bytes: Bytes::from(format!("event: {name}\ndata: {json}\n\n")),
    }
}

/// The `summary` event: `{"report": HTML}`.
pub(crate) fn summary_event(report: &str) -> Event {
    let json = serde_json::json!({ "report": report }).to_string();
    event("summary", &json, true)
}
