//! The run's stop signal, which every driver and the run itself watch.

use std::time::{Duration, Instant};

use lot_report::StopReason;

/// How far a stop request has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StopLevel {
    /// No stop asked for: the run goes on.
    None,
    /// Stop scheduling; let running iterations finish within the graceful period.
    Graceful,
    /// Cancel running iterations now.
    Immediate,
}

/// A stop request and why it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stop {
    pub(crate) level: StopLevel,
    pub(crate) reason: StopReason,
}

impl Stop {
    /// No stop asked for yet.
    pub(crate) const NONE: Stop = Stop {
        level: StopLevel::None,
        reason: StopReason::Completed,
    };
}

/// `from + d`, or a point a century away when that does not fit: a
/// `Duration::MAX` setting means "never".
pub(crate) fn deadline(from: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    from.checked_add(d)
        .or_else(|| from.checked_add(CENTURY))
        .unwrap_or(from)
}
