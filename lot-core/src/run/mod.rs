//! The run: a [`Prepared`] plan driven on the caller's runtime, from the
//! start instant to the [`Report`].
//!
//! It spawns the reporters' task, the signal listener, the collector's
//! timer and each load's driver, waits for a distributed run's start
//! instant, joins the drivers, then builds the summary, evaluates the
//! thresholds and hands the summary to the reporters. Every task it spawns
//! is aborted if the run's future is dropped.

pub(crate) mod collector;
mod interval;
pub(crate) mod reporters;
mod signals;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lot_report::threshold::evaluate_all;
use lot_report::{Notice, Segment, Start};
use tokio::sync::{mpsc, watch};
use tokio::task::{AbortHandle, JoinHandle};

use crate::drive::closed::UsersLoad;
use crate::drive::open::RateLoad;
use crate::plan::{LoadRun, ModelRun, Prepared, unix_ms_now};
use crate::record::context::{install_panic_hook, take_first_panic};
use crate::record::shared::Shared;
use crate::report::Report;
use crate::stop::{Stop, StopLevel};
use collector::{Collector, RunInfo, Target};
use interval::{Aborts, collect_every};
use reporters::{Event, Notices};

/// How long the reporters may take to handle the summary.
const REPORTERS_FINISH: Duration = Duration::from_secs(60);

/// Runs `prepared` to its end (or its stop) and reports it.
pub(crate) async fn execute(prepared: Prepared) -> Report {
    install_panic_hook();
    let shared = Arc::new(Shared::new(&prepared.names, prepared.timeout));
    // Everything spawned below is cancelled if this future is dropped
    // (a caller's timeout around `run`), so nothing outlives the run.
    let mut tasks = TaskGuard::default();

    let (events, events_rx) = mpsc::unbounded_channel();
    let notices = Notices::new(events.clone(), prepared.terminal);
    let histograms = prepared.reporters.wants_histograms();
    let snapshots = prepared.reporters.wants_snapshot();
    let reporter_task = tokio::spawn(reporters::drive(prepared.reporters, events_rx));
    tasks.0.push(reporter_task.abort_handle());
    for warning in &prepared.warnings {
        notices.send(Notice::warning(warning.clone()));
    }
    for info in &prepared.infos {
        notices.send(Notice::info(info.clone()));
    }
    let (stop_tx, stop_rx) = watch::channel(Stop::NONE);
    if prepared.handle_signals {
        let listener = signals::listen(stop_tx.clone(), notices.clone());
        tasks.0.push(listener.abort_handle());
    }

    let (start, started_at_unix_ms) =
        wait_for_start(prepared.start_at_ms, stop_rx.clone(), &notices).await;
    let _ = events.send(Event::Start(Box::new(Start {
        started_at_unix_ms,
        plan: prepared.plan.clone(),
        limits: prepared.limits.clone(),
        scenarios: prepared.names.clone(),
        segment: prepared.segment,
    })));

    let info = Arc::new(RunInfo {
        targets: targets(&prepared.loads, prepared.segment),
        names: prepared.names,
        plan: prepared.plan,
        limits: prepared.limits,
        started_at_unix_ms,
        start,
        histograms,
    });
    let collector = Collector::new(info, shared.clone());
    let (collector_stop, collector_stop_rx) = watch::channel(false);
    let aborts = Aborts::new(
        &prepared.thresholds,
        snapshots,
        stop_tx.clone(),
        notices.clone(),
    );
    let collector_task = tokio::spawn(collect_every(
        collector,
        start,
        prepared.interval,
        events.clone(),
        collector_stop_rx,
        aborts,
    ));
    tasks.0.push(collector_task.abort_handle());

    let drivers: Vec<_> = prepared
        .loads
        .into_iter()
        .map(|load| {
            let context = DriverContext {
                shared: &shared,
                graceful_stop: prepared.graceful_stop,
                segment: prepared.segment,
                start,
                stop: &stop_rx,
            };
            spawn_driver(load, context, &mut tasks)
        })
        .collect();
    let mut scheduling_end = start;
    for driver in drivers {
        scheduling_end = scheduling_end.max(join(driver).await);
    }
    let stop_reason = stop_rx.borrow().reason;

    let _ = collector_stop.send(true);
    let (collector, tripped) = join(collector_task).await;
    if let Some(text) = take_first_panic(&shared) {
        notices.send(Notice::warning(text));
    }
    let mut summary = collector.finish(Instant::now(), scheduling_end - start, stop_reason);
    summary.segment = prepared.segment;
    // The threshold that stopped the run failed, whatever the iterations
    // still running when it did brought it back to.
    summary.aborted_by = tripped;
    summary.thresholds = evaluate_all(&prepared.thresholds, &summary);
    notices.summary(summary.clone());
    drop(events);
    let failed = finish_reporters(reporter_task).await;
    drop(tasks);
    drop(stop_tx);
    Report::completed(summary, failed)
}

/// Every shard of a distributed run starts at the same wall-clock instant
/// (`start_at_ms`), so that their arrival instants interleave exactly; a run
/// without one starts now. Returns the start as an `Instant` and in Unix
/// milliseconds. A stop request ends the wait early.
async fn wait_for_start(
    start_at_ms: Option<u64>,
    mut stop: watch::Receiver<Stop>,
    notices: &Notices,
) -> (Instant, u64) {
    let Some(at) = start_at_ms else {
        return (Instant::now(), unix_ms_now());
    };
    let now = unix_ms_now();
    if at > now {
        notices.send(Notice::info(format!(
            "waiting {:.1}s for the start time",
            (at - now) as f64 / 1000.0
        )));
    }
    // Sleep in short steps, re-reading the wall clock (which may be
    // stepped meanwhile), until the start instant.
    loop {
        let now = unix_ms_now();
        if now >= at || stop.borrow().level != StopLevel::None {
            break;
        }
        let step = Duration::from_millis((at - now).min(500));
        tokio::select! {
            _ = tokio::time::sleep(step) => {}
            _ = stop.changed() => {}
        }
    }
    // Anchor to the start instant itself, not to when this process woke
    // up, so every shard's arrivals share one time origin.
    let late = SystemTime::now()
        .duration_since(UNIX_EPOCH + Duration::from_millis(at))
        .unwrap_or_default();
    let now = Instant::now();
    (now.checked_sub(late).unwrap_or(now), at)
}

/// The rate each scenario's plan asks for, in the order of their indices.
fn targets(loads: &[LoadRun], segment: Option<Segment>) -> Vec<Target> {
    let shards = segment.map_or(1.0, |s| s.count as f64);
    let mut targets = Vec::new();
    for load in loads {
        let total: u64 = load.weights.iter().sum();
        for &w in &load.weights {
            targets.push(match load.model {
                ModelRun::ArrivalRate { .. } => Target::Rate {
                    schedule: load.schedule.clone(),
                    start_after: load.start_after,
                    share: w as f64 / total as f64 / shards,
                },
                ModelRun::Users { .. } => Target::None,
            });
        }
    }
    targets
}

/// What every load's driver shares.
struct DriverContext<'a> {
    shared: &'a Arc<Shared>,
    graceful_stop: Duration,
    segment: Option<Segment>,
    start: Instant,
    stop: &'a watch::Receiver<Stop>,
}

/// Spawns `load`'s driver (an arrival-rate load's lanes, a users load's
/// controller), which returns when its scheduling ended. Drivers are tasks
/// of the runtime, so that what they spawn goes to a worker's own queue
/// rather than through the runtime's shared injection queue.
fn spawn_driver(
    load: LoadRun,
    context: DriverContext<'_>,
    tasks: &mut TaskGuard,
) -> JoinHandle<Instant> {
    let DriverContext {
        shared,
        graceful_stop,
        segment,
        start,
        stop,
    } = context;
    let driver = match load.model {
        ModelRun::ArrivalRate {
            members,
            max_in_flight,
        } => {
            let load = Arc::new(RateLoad {
                shared: shared.clone(),
                members: numbered(load.first, members),
                weights: load.weights,
                schedule: (*load.schedule).clone(),
                start_after: load.start_after,
                max_in_flight,
                graceful_stop,
                segment,
                in_flight: AtomicU64::new(0),
            });
            let lanes = RateLoad::lanes();
            // Lanes 1.. are tasks of their own; lane 0 is this driver,
            // which joins them.
            let others: Vec<_> = (1..lanes)
                .map(|lane| tokio::spawn(load.clone().drive(lane, lanes, start, stop.clone())))
                .collect();
            // Aborted with the run's other tasks if the run is dropped,
            // even before the driver first runs.
            tasks.0.extend(others.iter().map(|t| t.abort_handle()));
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut end = load.drive(0, lanes, start, stop).await;
                for lane in others {
                    end = end.max(match lane.await {
                        Ok(end) => end,
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        // Cancelled: the run is being dropped, and this
                        // driver with it.
                        Err(_) => Instant::now(),
                    });
                }
                end
            })
        }
        ModelRun::Users {
            members,
            think,
            pacing,
            graceful_ramp_down,
        } => {
            let load = UsersLoad {
                shared: shared.clone(),
                members: numbered(load.first, members),
                weights: load.weights,
                schedule: (*load.schedule).clone(),
                start_after: load.start_after,
                think,
                pacing,
                graceful_ramp_down,
                graceful_stop,
                segment,
            };
            tokio::spawn(load.drive(start, stop.clone()))
        }
    };
    tasks.0.push(driver.abort_handle());
    driver
}

/// Waits for the reporters to handle the summary, within
/// [`REPORTERS_FINISH`] (a reporter that hangs must not hold the run, and
/// the process, forever); returns the outputs that failed.
async fn finish_reporters(task: JoinHandle<Vec<String>>) -> Vec<String> {
    match tokio::time::timeout(REPORTERS_FINISH, task).await {
        Ok(Ok(failed)) => failed,
        Ok(Err(e)) => {
            eprintln!("lot: the reporters' task failed: {e}");
            vec!["reporters".to_owned()]
        }
        Err(_) => {
            eprintln!(
                "lot: the reporters did not finish within {}s of the end of the run; giving up on them",
                REPORTERS_FINISH.as_secs()
            );
            vec!["reporters (timed out)".to_owned()]
        }
    }
}

/// A load's members, each with its scenario's index in the run (the load's
/// first is `first`).
fn numbered<M>(first: usize, members: Vec<M>) -> Vec<(usize, M)> {
    members
        .into_iter()
        .enumerate()
        .map(|(i, m)| (first + i, m))
        .collect()
}

/// Awaits a task of the run; a panic in it (a bug in lot) is re-raised here.
async fn join<T>(task: JoinHandle<T>) -> T {
    match task.await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a task of the run was cancelled while the run was still going on: {e}"),
    }
}

/// Aborts the run's tasks when dropped.
#[derive(Default)]
struct TaskGuard(Vec<AbortHandle>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        // Newest first: a load's driver goes before the lanes it waits for,
        // so no driver sees its lane cancelled while it still runs.
        for task in self.0.iter().rev() {
            task.abort();
        }
    }
}
