//! The reporters' side of a run: what the run tells them, on a task of
//! their own, off the path that launches and measures iterations.

use lot_report::{Fanout, Interval, Notice, Reporter, Start, Summary};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;

/// What the run sends its reporters, in order.
pub(crate) enum Event {
    Start(Box<Start>),
    Interval(Box<Interval>),
    Notice(Notice),
    Summary(Box<Summary>),
}

/// Where the parts of a run send what they have to tell the person running
/// it: the reporters' task, so that a run without a terminal reporter (or
/// with a reporter of its own) decides what is shown.
///
/// Once the summary has gone to the reporters they may be busy writing the
/// outputs for as long as a destination blocks, and they take no more
/// events: a notice then (a second or third signal) is printed on stderr
/// directly, if the run has a terminal, so that it is seen at once.
#[derive(Clone)]
pub(crate) struct Notices {
    events: mpsc::UnboundedSender<Event>,
    /// Set when the summary has been sent; held while a notice is sent,
    /// so that none lands after the summary.
    summarised: Arc<Mutex<bool>>,
    /// Whether the run has a terminal reporter.
    terminal: bool,
}

impl Notices {
    /// Notices into `events`, for a run with or without a terminal.
    pub(crate) fn new(events: mpsc::UnboundedSender<Event>, terminal: bool) -> Notices {
        Notices {
            events,
            summarised: Arc::new(Mutex::new(false)),
            terminal,
        }
    }

    /// Tells the reporters `notice`, or stderr once the summary is out.
    pub(crate) fn send(&self, notice: Notice) {
        let summarised = self
            .summarised
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !*summarised {
            let _ = self.events.send(Event::Notice(notice));
        } else if self.terminal {
            eprintln!("\nlot: {}", notice.text);
        }
    }

    /// Sends the summary, the reporters' last event.
    pub(crate) fn summary(&self, summary: Summary) {
        let mut summarised = self
            .summarised
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *summarised = true;
        let _ = self.events.send(Event::Summary(Box::new(summary)));
    }
}

/// Feeds `events` to `reporters` up to the summary, the last event (or
/// until every sender is gone); returns the outputs that failed. Notices
/// sent after the summary (a signal listener outliving the run) go nowhere.
pub(crate) async fn drive(
    mut reporters: Fanout,
    mut events: mpsc::UnboundedReceiver<Event>,
) -> Vec<String> {
    while let Some(event) = events.recv().await {
        // Fanout isolates failing members and never returns an error itself.
        let _ = match event {
            Event::Start(s) => reporters.start(&s).await,
            Event::Interval(i) => reporters.interval(&i).await,
            Event::Notice(n) => reporters.notice(&n).await,
            Event::Summary(s) => {
                let _ = reporters.summary(&s).await;
                break;
            }
        };
    }
    // Only the outputs' failures change the exit status; other reporters'
    // were told as notices.
    reporters.failed_outputs()
}
