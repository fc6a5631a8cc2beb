//! The collector's timer: an interval every period, and after each the
//! abort-on-fail thresholds and the notice of an iteration's first panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lot_report::{Abort, Notice, StopReason, Summary, Threshold, threshold};
use tokio::sync::{mpsc, watch};

use crate::record::context::take_first_panic;
use crate::run::collector::Collector;
use crate::run::reporters::{Event, Notices};
use crate::stop::{Stop, StopLevel, deadline};

/// The abort-on-fail thresholds, checked after every interval.
pub(crate) struct Aborts {
    thresholds: Vec<Threshold>,
    /// Every threshold, evaluated on the snapshot sent with each interval.
    all: Vec<Threshold>,
    /// Whether a reporter wants the run so far with each interval.
    snapshots: bool,
    stop: watch::Sender<Stop>,
    notices: Notices,
    tripped: Option<Abort>,
}

impl Aborts {
    /// The abort-on-fail ones of `thresholds`, stopping the run through
    /// `stop`; and, if `snapshots` (a reporter wants the run so far with
    /// each interval), all of them, evaluated on it.
    pub(crate) fn new(
        thresholds: &[Threshold],
        snapshots: bool,
        stop: watch::Sender<Stop>,
        notices: Notices,
    ) -> Aborts {
        Aborts {
            all: thresholds.to_vec(),
            snapshots,
            thresholds: thresholds
                .iter()
                .filter(|t| t.abort_after().is_some())
                .cloned()
                .collect(),
            stop,
            notices,
            tripped: None,
        }
    }

    /// Stops the run if an abort-on-fail threshold, due by `elapsed`, fails
    /// on what has been measured so far. One that cannot be measured yet
    /// (nothing recorded) does not stop the run.
    fn check(&mut self, collector: &Collector, elapsed: Duration, snapshot: Option<&Summary>) {
        let due: Vec<&Threshold> = self
            .thresholds
            .iter()
            .filter(|t| t.abort_after().is_some_and(|delay| elapsed >= delay))
            .collect();
        if due.is_empty() || self.stop.borrow().level != StopLevel::None {
            return;
        }
        let taken;
        let snapshot = match snapshot {
            Some(s) => s,
            None => {
                taken = collector.snapshot(elapsed);
                &taken
            }
        };
        for threshold in due {
            let result = threshold.evaluate(snapshot);
            if !result.passed && result.value.is_some() {
                let stopped = self.stop.send_if_modified(|stop| {
                    if stop.level != StopLevel::None {
                        return false;
                    }
                    *stop = Stop {
                        level: StopLevel::Graceful,
                        reason: StopReason::Threshold,
                    };
                    true
                });
                if stopped {
                    self.notices.send(Notice::warning(format!(
                        "threshold `{}` failed (measured {}): stopping the run",
                        result.expression, result.measured
                    )));
                    self.tripped = Some(Abort {
                        expression: result.expression,
                        at_us: u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                        value: result.value,
                        measured: result.measured,
                    });
                }
                return;
            }
        }
    }
}

/// Ticks `collector` every `every` from `start`, sending each interval to
/// the reporters and checking `aborts` after it, until `stop` turns true.
pub(crate) async fn collect_every(
    mut collector: Collector,
    start: Instant,
    every: Duration,
    events: mpsc::UnboundedSender<Event>,
    mut stop: watch::Receiver<bool>,
    mut aborts: Aborts,
) -> (Collector, Option<Abort>) {
    let mut next = deadline(start, every);
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => return (collector, aborts.tripped),
            _ = tokio::time::sleep_until(next.into()) => {}
        }
        let elapsed = next - start;
        let mut interval = collector.tick(elapsed, false);
        // The run so far, once, for the reporters that show it live and for
        // the abort-on-fail thresholds.
        let snapshot = aborts.snapshots.then(|| {
            let mut s = collector.snapshot(elapsed);
            s.thresholds = threshold::evaluate_all(&aborts.all, &s);
            Arc::new(s)
        });
        interval.snapshot = snapshot.clone();
        let _ = events.send(Event::Interval(Box::new(interval)));
        aborts.check(&collector, elapsed, snapshot.as_deref());
        if let Some(text) = take_first_panic(collector.shared()) {
            aborts.notices.send(Notice::warning(text));
        }
        next = deadline(next, every);
        // After a stall, skip the ticks that are already past instead of bursting.
        let now = Instant::now();
        while deadline(next, every) <= now {
            next = deadline(next, every);
        }
    }
}
