//! The collector's timer: an interval every period, and after each the
//! abort-on-fail thresholds and the notice of an iteration's first panic.

use std::time::{Duration, Instant};

use lot_report::{Abort, Notice, StopReason, Threshold};
use tokio::sync::{mpsc, watch};

use crate::record::context::take_first_panic;
use crate::run::collector::Collector;
use crate::run::reporters::{Event, Notices};
use crate::stop::{Stop, StopLevel, deadline};

/// The abort-on-fail thresholds, checked after every interval.
pub(crate) struct Aborts {
    thresholds: Vec<Threshold>,
    stop: watch::Sender<Stop>,
    notices: Notices,
    tripped: Option<Abort>,
}

impl Aborts {
    /// The abort-on-fail ones of `thresholds`, stopping the run through `stop`.
    pub(crate) fn new(
        thresholds: &[Threshold],
        stop: watch::Sender<Stop>,
        notices: Notices,
    ) -> Aborts {
        Aborts {
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
    fn check(&mut self, collector: &Collector, elapsed: Duration) {
        let due: Vec<&Threshold> = self
            .thresholds
            .iter()
            .filter(|t| t.abort_after().is_some_and(|delay| elapsed >= delay))
            .collect();
        if due.is_empty() || self.stop.borrow().level != StopLevel::None {
            return;
        }
        let snapshot = collector.snapshot(elapsed);
        for threshold in due {
            let result = threshold.evaluate(&snapshot);
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
        let interval = collector.tick(elapsed, false);
        let _ = events.send(Event::Interval(Box::new(interval)));
        aborts.check(&collector, elapsed);
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
