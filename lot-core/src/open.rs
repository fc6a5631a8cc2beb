//! The open model: arrivals at the exact instants of the schedule.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::context::{Iteration, Shared};
use crate::executor::{Stop, StopLevel, deadline};
use lot_report::Segment;

use crate::load::{Mix, OpenMember, Running};
use crate::pacer::Pacer;
use crate::schedule::Schedule;

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
/// Measured with `lot-bench-gen` on 2 cores: at 500,000/s no-op arrivals,
/// batches of 128 (256 µs) give a schedule-lag p99 of 0.6 ms at 1.1 µs of
/// CPU per iteration, against 2 ms at 1 ms; at 10,000/s the 1 ms gap keeps
/// the CPU of tokio's own timer. Over HTTP at 80,000/s with 64 in flight,
/// batches of 8 instead of 80 took the dropped share from 23 % to 1.6 %.
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
    pub(crate) running: AtomicU64,
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
            running: self
                .members
                .iter()
                .map(|(_, member)| member.clone().running())
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
    running: Vec<Box<dyn Running>>,
}

impl Launcher<'_> {
    fn launch(&mut self, member: usize, index: u64, intended: Instant) {
        let scenario = self.load.members[member].0;
        let counters = &self.load.shared.counters[scenario];
        // A place under the bound, taken only if there is one: another lane
        // never sees a count raised past the bound.
        let taken =
            self.load
                .running
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
        if !self.running[member].launch(iteration) {
            // Building it failed, and it is recorded: it never ran.
            self.load.running.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The lane's iterations running.
    fn len(&self) -> usize {
        self.running.iter().map(|r| r.len()).sum()
    }

    /// Polls the lane's running iterations.
    fn poll_running(&mut self, cx: &mut Context<'_>) {
        for running in &mut self.running {
            let finished = running.poll(cx);
            if finished > 0 {
                self.load.running.fetch_sub(finished, Ordering::AcqRel);
            }
        }
    }

    /// Awaits `future` while the lane's iterations run; with `until_idle`,
    /// only until none runs.
    async fn alongside(&mut self, future: impl Future<Output = ()>, until_idle: bool) {
        let mut future = pin!(future);
        std::future::poll_fn(|cx| {
            self.poll_running(cx);
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
            if stop.borrow().level != StopLevel::Running {
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
            if stop.borrow().level != StopLevel::Running {
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
        self.load.running.fetch_sub(left, Ordering::AcqRel);
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
