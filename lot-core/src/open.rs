//! The open model: arrivals at the exact instants of the schedule.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::context::{Iteration, Shared};
use crate::executor::{Stop, StopLevel, deadline};
use lot_report::Segment;

use crate::load::{Mix, OpenMember};
use crate::pacer::Pacer;
use crate::schedule::Schedule;

/// The shortest time between two wake-ups of the scheduler at `rate`
/// arrivals per second: long enough that a wake-up launches a batch of
/// arrivals, which spreads its cost thin, but between 50 µs and 1 ms.
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
}

impl RateLoad {
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

    fn in_flight(&self) -> u64 {
        self.members
            .iter()
            .map(|(i, _)| self.shared.counters[*i].in_flight.load(Ordering::Acquire))
            .sum()
    }

    /// Launches every arrival of the schedule (or until a stop), then runs
    /// the graceful stop. Returns when the scheduling ended.
    pub(crate) async fn drive(self, start: Instant, mut stop: watch::Receiver<Stop>) -> Instant {
        let begin = deadline(start, self.start_after);
        let mut launcher = Launcher {
            load: &self,
            mix: self.shard_mix(),
            handles: Vec::new(),
            compact_at: 1024,
        };
        let stopped_at = launcher.schedule_arrivals(begin, &mut stop).await;

        // Graceful stop: wait for running iterations, then cancel the rest.
        let graceful_end = deadline(Instant::now(), self.graceful_stop);
        while self.in_flight() > 0 {
            if Instant::now() >= graceful_end || stop.borrow().level == StopLevel::Immediate {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(2)) => {}
                _ = stop.changed() => {}
            }
        }
        launcher.abort_all();
        // Cancelled tasks record themselves as interrupted when dropped; give
        // them a moment. Any that cannot be dropped (blocking code) are counted
        // as interrupted by the collector.
        let cancel_end = Instant::now() + Duration::from_secs(1);
        while self.in_flight() > 0 && Instant::now() < cancel_end {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        stopped_at
    }
}

/// Launches arrivals as tasks, enforcing the in-flight bound.
struct Launcher<'a> {
    load: &'a RateLoad,
    mix: Mix,
    /// Handles of launched tasks, so the graceful stop can cancel them;
    /// finished ones are swept out as it grows, keeping it near the in-flight count.
    handles: Vec<AbortHandle>,
    compact_at: usize,
}

impl Launcher<'_> {
    fn launch(&mut self, index: u64, intended: Instant) {
        let (scenario, member) = &self.load.members[self.mix.next()];
        let counters = &self.load.shared.counters[*scenario];
        // Only this scheduler raises the load's in-flight counts, so the bound
        // cannot be raced past.
        if self.load.in_flight() >= self.load.max_in_flight {
            counters.dropped.fetch_add(1, Ordering::Release);
            return;
        }
        counters.in_flight.fetch_add(1, Ordering::AcqRel);
        counters.launched.fetch_add(1, Ordering::Release);
        let iteration = Iteration::new(self.load.shared.clone(), *scenario, index, intended);
        if let Some(task) = member.launch(iteration) {
            if self.handles.len() >= self.compact_at {
                self.handles.retain(|h| !h.is_finished());
                self.compact_at = (self.handles.len() * 2).max(1024);
            }
            self.handles.push(task);
        }
    }

    fn abort_all(&mut self) {
        for h in self.handles.drain(..) {
            h.abort();
        }
    }

    /// Walks the schedule from `begin`, launching each arrival when due.
    /// Returns when the scheduling ended: the plan's end, or the stop.
    async fn schedule_arrivals(
        &mut self,
        begin: Instant,
        stop: &mut watch::Receiver<Stop>,
    ) -> Instant {
        /// Launches per batch before the scheduler yields to the runtime.
        const BATCH: u32 = 4096;
        let schedule = &self.load.schedule;
        let pacer = Pacer::start();
        let mut last_wake = Instant::now();
        let mut arrivals = schedule.arrivals();
        let mut next = arrivals.next().map(|offset| (0u64, offset));
        while let Some((index, offset)) = next {
            // Another shard's arrival.
            if !self.load.owns(index) {
                next = arrivals.next().map(|offset| (index + 1, offset));
                continue;
            }
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
                let gap = wake_gap(schedule.level_at(offset), self.load.max_in_flight);
                let wake = due.max(last_wake + gap);
                match &pacer {
                    Some(pacer) => tokio::select! {
                        biased;
                        _ = stop.changed() => {}
                        _ = pacer.sleep_until(wake) => {}
                    },
                    None => tokio::select! {
                        biased;
                        _ = stop.changed() => {}
                        _ = tokio::time::sleep_until(due.into()) => {}
                    },
                }
                last_wake = Instant::now();
                continue;
            }
            // Launch every arrival already due, each with its own exact instant.
            let mut launched = 0;
            while let Some((index, offset)) = next {
                let intended = deadline(begin, offset);
                if intended > now || launched == BATCH {
                    break;
                }
                if self.load.owns(index) {
                    self.launch(index, intended);
                }
                next = arrivals.next().map(|offset| (index + 1, offset));
                launched += 1;
            }
            if launched == BATCH {
                tokio::task::yield_now().await;
            }
        }
        // Trailing zero-rate stages are part of the plan: wait them out.
        let end = deadline(begin, schedule.duration());
        while Instant::now() < end {
            if stop.borrow().level != StopLevel::Running {
                return Instant::now();
            }
            tokio::select! {
                biased;
                _ = stop.changed() => {}
                _ = tokio::time::sleep_until(end.into()) => {}
            }
        }
        end
    }
}

impl Drop for Launcher<'_> {
    fn drop(&mut self) {
        // Only non-empty when the run itself was cancelled mid-way.
        self.abort_all();
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
