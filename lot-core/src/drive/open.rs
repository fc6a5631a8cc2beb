//! The open model: arrivals at the exact instants of the schedule.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use lot_report::Segment;

use crate::drive::mix::Mix;
use crate::drive::pacer::Pacer;
use crate::drive::slots::{Boxed, Slots};
use crate::record::context::{Iteration, catch_iteration_panic, iterate};
use crate::record::shared::Shared;
use crate::scenario::Scenario;
use crate::schedule::Schedule;
use crate::stop::{Stop, StopLevel, deadline};

/// One scenario of a load, type-erased so that a mix can hold scenarios of
/// different types without boxing any iteration.
pub(crate) trait OpenMember: Send + Sync {
    fn name(&self) -> &str;
    /// An empty set of this scenario's running iterations, for one lane of
    /// the scheduler to launch into and poll.
    fn iterations(self: Arc<Self>) -> Box<dyn Iterations>;
}

/// The running iterations of one scenario in one lane of the open model's
/// scheduler (see [`RateLoad`]). The lane's task polls them itself: an
/// iteration is not a task of its own.
pub(crate) trait Iterations: Send {
    /// Builds the iteration's future and adds it, to be polled first at
    /// the next [`poll`](Iterations::poll). False when building panicked (the
    /// iteration is then already recorded as failed).
    fn launch(&mut self, iteration: Iteration) -> bool;
    /// Polls the iterations added or woken since the last poll, and says
    /// how many finished. Each finished iteration has recorded its outcome
    /// and is dropped.
    fn poll(&mut self, cx: &mut Context<'_>) -> u64;
    /// The iterations running.
    fn len(&self) -> usize;
}

pub(crate) struct OpenScenario<S>(pub(crate) S);

impl<S: Scenario + Send + Sync + 'static> OpenMember for OpenScenario<S> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn iterations(self: Arc<Self>) -> Box<dyn Iterations> {
        Box::new(IterationSet {
            // Boxed: `Scenario::run`'s future type names the borrow of the
            // scenario it was built from (though it outlives it), so the
            // iterations of one scenario have no single type to be kept by.
            build: move |iteration: Iteration| -> Option<Boxed> {
                // Building the future runs user code too: a panic there
                // fails this iteration only.
                match catch_iteration_panic(|| self.0.run()) {
                    // Unconstrained: the lane polls many iterations in one
                    // poll of its task, and yields on its own (see
                    // `Slots::poll`); tokio's per-task budget would
                    // otherwise hold back the I/O of all but the first
                    // iterations polled.
                    Ok(future) => Some(Box::pin(tokio::task::unconstrained(iterate(
                        future, iteration,
                    )))),
                    Err(payload) => {
                        iteration.fail_to_start(&*payload);
                        None
                    }
                }
            },
            set: Slots::new(),
        })
    }
}

/// The running iterations of one scenario, built by `build`.
struct IterationSet<B> {
    build: B,
    set: Slots,
}

impl<B> Iterations for IterationSet<B>
where
    B: Fn(Iteration) -> Option<Boxed> + Send,
{
    fn launch(&mut self, iteration: Iteration) -> bool {
        match (self.build)(iteration) {
            Some(future) => {
                self.set.push(future);
                true
            }
            None => false,
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> u64 {
        self.set.poll(cx)
    }

    fn len(&self) -> usize {
        self.set.len()
    }
}

/// The shortest time between two wake-ups of a lane of the scheduler
/// launching `rate` arrivals per second (its share of the load's rate) under
/// `max_in_flight` (its share of the bound): long enough that a wake-up
/// launches a batch of arrivals, which spreads its cost thin, but between
/// 50 µs and 1 ms.
///
/// The batch aimed at is 128 arrivals, or an eighth of `max_in_flight` if
/// that is less (the 50 µs floor allows more above 20,000 × that many
/// arrivals a second): a batch bigger than the in-flight bound would be
/// dropped in part even when the target keeps up, since it arrives at once.
/// Both ends were chosen by measuring with `lot-bench-gen` (`cargo xtask
/// bench`): at high no-op rates, batches of 128 cut the schedule lag several
/// times over a fixed 1 ms gap at less CPU per iteration; at low rates the
/// 1 ms gap costs no more than tokio's own timer; and over HTTP under a
/// tight in-flight bound, smaller batches cut the share of arrivals dropped
/// at the bound by an order of magnitude.
fn wake_gap(rate: f64, max_in_flight: u64) -> Duration {
    let per_wake = (max_in_flight / 8).clamp(1, 128) as f64;
    let seconds = if rate > 0.0 {
        (per_wake / rate).clamp(50e-6, 1e-3)
    } else {
        1e-3
    };
    Duration::from_secs_f64(seconds)
}

/// What an arrival-rate load needs to run.
///
/// Its scheduler runs in lanes, one task per worker thread of the runtime
/// (see [`RateLoad::lanes`]). Each lane walks the whole schedule and
/// launches every `lanes`-th arrival of it, from its own place; it polls the
/// iterations it launched itself, from a set of slots per scenario of the
/// mix (`slots.rs`), rather than spawning a task per iteration: an iteration costs
/// the allocation of its future and nothing of the runtime's task
/// machinery (a task's header, its place in the runtime's task list, its
/// join handle, and the copies of its future into and out of the task).
/// The lanes share the in-flight bound through one counter.
pub(crate) struct RateLoad {
    pub(crate) shared: Arc<Shared>,
    /// `(scenario index, member)` per member of the mix.
    pub(crate) members: Vec<(usize, Arc<dyn OpenMember>)>,
    pub(crate) weights: Vec<u64>,
    pub(crate) schedule: Schedule,
    pub(crate) start_after: Duration,
    pub(crate) max_in_flight: u64,
    pub(crate) graceful_stop: Duration,
    /// For one shard of a distributed run: it launches arrival `k` only if
    /// `k mod count == index`.
    pub(crate) segment: Option<Segment>,
    /// Iterations running across all lanes, against `max_in_flight`.
    pub(crate) in_flight: AtomicU64,
}

impl RateLoad {
    /// The lanes of a load on the current runtime: one per worker thread.
    pub(crate) fn lanes() -> u64 {
        tokio::runtime::Handle::try_current()
            .map_or(1, |h| h.metrics().num_workers() as u64)
            .max(1)
    }

    /// The mix this load (or shard) draws from. A shard takes a contiguous
    /// block of the whole run's weighted sequence (the blocks of shards
    /// `0..index` come before it): together the shards draw it exactly once,
    /// so the per-scenario totals are the single process's, and each
    /// shard's own split is as even as a single process's.
    fn shard_mix(&self) -> Mix {
        let mut mix = Mix::new(&self.weights);
        if let Some(s) = self.segment.filter(|_| self.members.len() > 1) {
            let before: u64 = (0..s.index)
                .map(|j| crate::schedule::slots_owned(self.schedule.len(), j, s.count))
                .sum();
            for _ in 0..before {
                mix.next();
            }
        }
        mix
    }

    fn owns(&self, k: u64) -> bool {
        self.segment
            .is_none_or(|s| crate::schedule::owned_by(k, s.index, s.count))
    }

    /// Runs lane `lane` of `lanes`: launches its arrivals of the schedule
    /// (or until a stop), then runs the graceful stop for its iterations.
    /// Returns when the scheduling ended.
    pub(crate) async fn drive(
        self: Arc<Self>,
        lane: u64,
        lanes: u64,
        start: Instant,
        mut stop: watch::Receiver<Stop>,
    ) -> Instant {
        let begin = deadline(start, self.start_after);
        let mut launcher = Launcher {
            load: &self,
            sets: self
                .members
                .iter()
                .map(|(_, member)| member.clone().iterations())
                .collect(),
        };
        let stopped_at = launcher
            .schedule_arrivals(lane, lanes, begin, &mut stop)
            .await;

        // Graceful stop: wait for running iterations; the rest are dropped
        // with the launcher, and record themselves as interrupted.
        let graceful_end = deadline(Instant::now(), self.graceful_stop);
        while launcher.len() > 0 {
            if Instant::now() >= graceful_end || stop.borrow().level == StopLevel::Immediate {
                break;
            }
            let wait = async {
                tokio::select! {
                    _ = tokio::time::sleep_until(graceful_end.into()) => {}
                    _ = stop.changed() => {}
                }
            };
            launcher.alongside(wait, true).await;
        }
        stopped_at
    }
}

/// One lane's launching: the in-flight bound, and its running iterations.
struct Launcher<'a> {
    load: &'a RateLoad,
    /// Per member of the mix.
    sets: Vec<Box<dyn Iterations>>,
}

impl Launcher<'_> {
    fn launch(&mut self, member: usize, index: u64, intended: Instant) {
        let scenario = self.load.members[member].0;
        let counters = &self.load.shared.counters[scenario];
        // A place under the bound, taken only if there is one: another lane
        // never sees a count raised past the bound.
        let taken =
            self.load
                .in_flight
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |running| {
                    (running < self.load.max_in_flight).then_some(running + 1)
                });
        if taken.is_err() {
            counters.dropped.fetch_add(1, Ordering::Release);
            return;
        }
        counters.in_flight.fetch_add(1, Ordering::AcqRel);
        counters.launched.fetch_add(1, Ordering::Release);
        let iteration = Iteration::new(self.load.shared.clone(), scenario, index, intended);
        if !self.sets[member].launch(iteration) {
            // Building it failed, and it is recorded: it never ran.
            self.load.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The lane's iterations running.
    fn len(&self) -> usize {
        self.sets.iter().map(|s| s.len()).sum()
    }

    /// Polls the lane's running iterations.
    fn poll_sets(&mut self, cx: &mut Context<'_>) {
        for set in &mut self.sets {
            let finished = set.poll(cx);
            if finished > 0 {
                self.load.in_flight.fetch_sub(finished, Ordering::AcqRel);
            }
        }
    }

    /// Awaits `future` while the lane's iterations run; with `until_idle`,
    /// only until none runs.
    async fn alongside(&mut self, future: impl Future<Output = ()>, until_idle: bool) {
        let mut future = pin!(future);
        std::future::poll_fn(|cx| {
            self.poll_sets(cx);
            if until_idle && self.len() == 0 {
                return Poll::Ready(());
            }
            future.as_mut().poll(cx)
        })
        .await
    }

    /// Walks the schedule from `begin`, launching each of this lane's
    /// arrivals when due. Returns when the scheduling ended: the plan's
    /// end, or the stop.
    async fn schedule_arrivals(
        &mut self,
        lane: u64,
        lanes: u64,
        begin: Instant,
        stop: &mut watch::Receiver<Stop>,
    ) -> Instant {
        /// Launches per batch before the scheduler yields to the runtime.
        const BATCH: u32 = 4096;
        let load = self.load;
        let schedule = &load.schedule;
        let pacer = Pacer::start();
        let mut last_wake = Instant::now();
        // This lane's arrivals: every `lanes`-th of the ones this shard owns,
        // each with the member of the mix it draws (the lanes draw the whole
        // sequence, so together they draw it exactly once).
        let mut mix = load.shard_mix();
        let mut owned = 0u64;
        let mut arrivals = schedule
            .arrivals()
            .enumerate()
            .filter_map(|(k, offset)| {
                let k = k as u64;
                if !load.owns(k) {
                    return None;
                }
                let member = mix.next();
                owned += 1;
                ((owned - 1) % lanes == lane).then_some((k, offset, member))
            })
            .peekable();
        while let Some(&(_, offset, _)) = arrivals.peek() {
            if stop.borrow().level != StopLevel::None {
                return Instant::now();
            }
            let due = deadline(begin, offset);
            let now = Instant::now();
            if due > now {
                // Sparse arrivals wake the scheduler at their own instants;
                // dense ones are launched in batches (see `wake_gap`), since
                // every wake-up costs a worker's park and unpark (tens of
                // microseconds on a virtual machine).
                let gap = wake_gap(
                    schedule.level_at(offset) / lanes as f64,
                    load.max_in_flight / lanes,
                );
                let wake = due.max(last_wake + gap);
                match &pacer {
                    Some(pacer) => {
                        self.alongside(
                            async {
                                tokio::select! {
                                    biased;
                                    _ = stop.changed() => {}
                                    _ = pacer.sleep_until(wake) => {}
                                }
                            },
                            false,
                        )
                        .await
                    }
                    None => {
                        self.alongside(
                            async {
                                tokio::select! {
                                    biased;
                                    _ = stop.changed() => {}
                                    _ = tokio::time::sleep_until(due.into()) => {}
                                }
                            },
                            false,
                        )
                        .await
                    }
                }
                last_wake = Instant::now();
                continue;
            }
            // Launch every arrival already due, each with its own exact instant.
            let mut launched = 0;
            while let Some(&(index, offset, member)) = arrivals.peek() {
                let intended = deadline(begin, offset);
                if intended > now || launched == BATCH {
                    break;
                }
                self.launch(member, index, intended);
                arrivals.next();
                launched += 1;
            }
            if launched == BATCH {
                self.alongside(tokio::task::yield_now(), false).await;
            }
        }
        // Trailing zero-rate stages are part of the plan: wait them out.
        let end = deadline(begin, schedule.duration());
        while Instant::now() < end {
            if stop.borrow().level != StopLevel::None {
                return Instant::now();
            }
            self.alongside(
                async {
                    tokio::select! {
                        biased;
                        _ = stop.changed() => {}
                        _ = tokio::time::sleep_until(end.into()) => {}
                    }
                },
                false,
            )
            .await;
        }
        end
    }
}

impl Drop for Launcher<'_> {
    fn drop(&mut self) {
        // The iterations still running are dropped with their sets (each
        // records itself as interrupted): they no longer count against the
        // bound.
        let left = self.len() as u64;
        self.load.in_flight.fetch_sub(left, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::wake_gap;
    use std::time::Duration;

    #[test]
    fn wake_gap_batches_within_the_in_flight_bound() {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        // 128 arrivals a wake-up under a loose bound.
        assert!((us(wake_gap(500_000.0, 10_000)) - 256.0).abs() < 1e-6);
        // An eighth of a tight bound: 8 of 64 in flight.
        assert!((us(wake_gap(80_000.0, 64)) - 100.0).abs() < 1e-6);
        // Clamped to 50 µs .. 1 ms, and 1 ms while the rate is zero.
        assert_eq!(wake_gap(1e6, 8), Duration::from_micros(50));
        assert_eq!(wake_gap(100.0, 10_000), Duration::from_millis(1));
        assert_eq!(wake_gap(0.0, 10_000), Duration::from_millis(1));
    }
}
