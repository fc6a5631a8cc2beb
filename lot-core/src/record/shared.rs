//! The state a run shares between its drivers, its iterations and its
//! collector: the per-thread recorders, the scheduler's counters, the
//! scenarios' names and the iteration timeout.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::record::recorder::Recorder;

/// What every iteration of a run shares.
pub(crate) struct Shared {
    pub(crate) recorder: Recorder,
    pub(crate) counters: Box<[Counters]>,
    pub(crate) names: Box<[Arc<str>]>,
    pub(crate) timeout: Duration,
    /// The run's first panic inside an iteration, described, until the
    /// collector tells it (see `context::install_panic_hook`).
    pub(crate) first_panic: Mutex<Option<String>>,
    /// Whether an iteration of the run has panicked.
    pub(crate) panicked: AtomicBool,
}

impl Shared {
    /// The state of a run of the scenarios `names`, with `timeout` per
    /// iteration.
    pub(crate) fn new(names: &[String], timeout: Duration) -> Shared {
        let n = names.len();
        Shared {
            recorder: Recorder::new(n),
            counters: (0..n).map(|_| Counters::default()).collect(),
            names: names.iter().map(|s| Arc::from(s.as_str())).collect(),
            timeout,
            first_panic: Mutex::new(None),
            panicked: AtomicBool::new(false),
        }
    }
}

/// The scheduler's counters for one scenario.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Arrivals launched.
    pub(crate) launched: AtomicU64,
    /// Arrivals dropped at the in-flight bound.
    pub(crate) dropped: AtomicU64,
    /// Iterations launched and not yet finished. (The in-flight bound is a
    /// load's, checked against its own count across its scenarios.)
    pub(crate) in_flight: AtomicU64,
    /// Users running (closed model).
    pub(crate) users: AtomicU64,
}
