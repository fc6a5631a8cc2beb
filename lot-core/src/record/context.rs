//! The run context: what an iteration can record besides its own outcome.
//!
//! Inside an iteration (the future a [`Scenario`](crate::Scenario) returns,
//! run by an executor) these functions record into the run:
//!
//! - [`step`] times a named part of the iteration, with its own latency
//!   histogram, ok/failed counts and error kinds, reported under the scenario;
//! - [`check`] counts whether a condition held, without failing the iteration;
//! - [`counter`], [`gauge`], [`timing`] and [`histogram`] are custom metrics;
//! - [`iteration`] tells which iteration this is and when it was meant to start.
//!
//! **Outside a run they are harmless no-ops**: `step` still runs its future
//! and returns its result, `check` still returns its condition, metrics
//! record nothing and `iteration()` returns `None`. The context is a tokio
//! task-local set while the iteration's future is polled, so work the
//! iteration `tokio::spawn`s records nothing; await sub-futures in the
//! iteration (for example with `futures::join!`) to have them counted.
//!
//! Names are interned (see the `names` module docs in the source). Each thread
//! remembers the names it has used by the address and length of their text,
//! so a literal name, or a name kept in a buffer that is reused, costs no
//! hashing of its text and no shared lock after its first use on a thread. A
//! name built anew each time (`format!`) usually sits at a new address, so
//! each new address goes to the shared table: a lock and a hash of the text.
//! Build such a name once and reuse it (or keep the handle:
//! `let c = counter(&name);`).
//!
//! At most 1024 distinct names are kept per process, `other` included and
//! shared by steps, checks and metrics; the rest are recorded as `other`. The
//! table is process-wide and only grows: names used by earlier runs in the
//! same process still count, and leave fewer for later runs. A name that is
//! literally `other` is merged with that overflow bucket, so avoid it.
//!
//! ```
//! # async fn fetch() -> anyhow::Result<String> { Ok("<title>".into()) }
//! # async fn demo() -> anyhow::Result<()> {
//! let body = lot_core::context::step("load page", fetch()).await?;
//! lot_core::context::check("page has a title", body.contains("<title>"));
//! lot_core::context::counter("pages").add(1);
//! # Ok(())
//! # }
//! ```

use std::cell::Cell;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::record::http::{Exchange, NO_STEP};
pub use crate::record::http::{MAX_REQUEST_ENTRIES, MAX_STATUS_CODES};
use crate::record::names::{intern, intern_request};
use crate::record::recorder::Outcome;
use crate::record::shared::Shared;

/// The task-local state of one iteration. It also accounts for the
/// iteration: it records exactly one outcome, as interrupted when it is
/// dropped before the iteration finished (a cancelled iteration).
pub(crate) struct Iteration {
    shared: Arc<Shared>,
    scenario: usize,
    index: u64,
    intended: Instant,
    finished: Cell<bool>,
    /// Whether this value accounts for an iteration (records its outcome and
    /// holds its in-flight count), or only carries the context.
    accounts: bool,
}

impl Iteration {
    pub(crate) fn new(shared: Arc<Shared>, scenario: usize, index: u64, intended: Instant) -> Self {
        Iteration {
            shared,
            scenario,
            index,
            intended,
            finished: Cell::new(false),
            accounts: true,
        }
    }

    /// A context that accounts for no iteration: for user code that runs
    /// outside an iteration but whose steps and metrics should be recorded
    /// under `scenario` (a user's state hook).
    pub(crate) fn detached(shared: Arc<Shared>, scenario: usize, at: Instant) -> Iteration {
        Iteration {
            shared,
            scenario,
            index: 0,
            intended: at,
            finished: Cell::new(true),
            accounts: false,
        }
    }

    /// Runs `future` with this context as the current one while it is polled.
    pub(crate) async fn scope<F: Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// Records a panic raised while the iteration's future was being built.
    pub(crate) fn fail_to_start(self, payload: &(dyn std::any::Any + Send)) {
        self.finish(Instant::now(), Outcome::Panic(payload));
        // The panic hook could not tell which run the panic was of (no
        // iteration was in scope yet); this thread's last one is it.
        if let Some(text) = BUILD_PANIC.with(|p| p.borrow_mut().take()) {
            keep_first_panic(&self.shared, text);
        }
    }

    /// Records a failure that happened outside the iteration's own future
    /// (a user's state hook), timed from `start`.
    pub(crate) fn fail(self, start: Instant, outcome: Outcome<'_>) {
        let panicked = matches!(outcome, Outcome::Panic(_));
        self.finish(start, outcome);
        if panicked {
            // As in `fail_to_start`: a panic outside the iteration's scope.
            if let Some(text) = BUILD_PANIC.with(|p| p.borrow_mut().take()) {
                keep_first_panic(&self.shared, text);
            }
        }
    }

    fn finish(&self, start: Instant, outcome: Outcome<'_>) {
        let end = Instant::now();
        self.shared
            .recorder
            .record(self.scenario, outcome, self.intended, start, end);
        self.finished.set(true);
    }
}

impl Drop for Iteration {
    fn drop(&mut self) {
        if !self.accounts {
            return;
        }
        if !self.finished.get() {
            let now = Instant::now();
            self.shared.recorder.record(
                self.scenario,
                Outcome::Interrupted,
                self.intended,
                now,
                now,
            );
        }
        self.shared.counters[self.scenario]
            .in_flight
            .fetch_sub(1, Ordering::AcqRel);
    }
}

tokio::task_local! {
    static CURRENT: Iteration;
}

/// Why user code did not return.
pub(crate) enum Failure {
    Panic(Box<dyn std::any::Any + Send>),
    Timeout,
}

impl Failure {
    pub(crate) fn outcome(&self) -> Outcome<'_> {
        match self {
            Failure::Panic(payload) => Outcome::Panic(&**payload),
            Failure::Timeout => Outcome::Timeout,
        }
    }
}

pin_project! {
    /// User code under a timeout, with a panic caught. The timeout counts
    /// from the first poll, like the iteration's start: time an iteration
    /// spends queued in the runtime before it runs is schedule lag, not
    /// part of its time to run.
    pub(crate) struct Guarded<F> {
        #[pin]
        inner: CatchPanic<F>,
        #[pin]
        deadline: Option<tokio::time::Sleep>,
        timeout: Duration,
        polled: bool,
    }
}

impl<F: Future> Guarded<F> {
    pub(crate) fn new(timeout: Duration, future: F) -> Self {
        Guarded {
            inner: CatchPanic { inner: future },
            deadline: None,
            timeout,
            polled: false,
        }
    }
}

impl<F: Future> Future for Guarded<F> {
    type Output = Result<F::Output, Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if !*this.polled {
            *this.polled = true;
            // A timeout beyond the clock's range (`Duration::MAX`) is none.
            if let Some(at) = tokio::time::Instant::now().checked_add(*this.timeout) {
                this.deadline.set(Some(tokio::time::sleep_until(at)));
            }
        }
        if let Poll::Ready(output) = this.inner.poll(cx) {
            return Poll::Ready(output.map_err(Failure::Panic));
        }
        match this.deadline.as_pin_mut() {
            Some(deadline) => deadline.poll(cx).map(|()| Err(Failure::Timeout)),
            None => Poll::Pending,
        }
    }
}

pin_project! {
    /// One iteration: its future, guarded, timed from its first poll, with
    /// its outcome recorded when it ends, after the future is dropped (so
    /// anything its drop records, such as a cancelled step, comes first).
    ///
    /// A hand-written future rather than an `async` block: an `async` block
    /// that moves a captured future into an `.await` stores it twice, which
    /// doubles what is allocated and copied for every iteration (and for a
    /// user's task, in the closed model).
    struct Iterate<F> {
        #[pin]
        guarded: Option<Guarded<F>>,
        start: Option<Instant>,
    }
}

impl<F: Future<Output = anyhow::Result<()>>> Future for Iterate<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let start = *this.start.get_or_insert_with(Instant::now);
        let Some(guarded) = this.guarded.as_mut().as_pin_mut() else {
            // Polled again after it ended: nothing more to do.
            return Poll::Ready(());
        };
        let mut result = std::task::ready!(guarded.poll(cx));
        // Dropping the user's future runs user code too (after a timeout,
        // all of its unfinished state): a panic there fails the iteration.
        if let Err(payload) = catch_iteration_panic(|| this.guarded.set(None)) {
            result = Err(Failure::Panic(payload));
        }
        CURRENT.with(|it| match &result {
            Ok(Ok(())) => it.finish(start, Outcome::Ok),
            Ok(Err(e)) => it.finish(start, Outcome::Error(e)),
            Err(failure) => it.finish(start, failure.outcome()),
        });
        Poll::Ready(())
    }
}

/// Runs one iteration's future in its context, with the timeout and the
/// panic catch, and records its outcome.
pub(crate) fn iterate<F>(future: F, iteration: Iteration) -> impl Future<Output = ()>
where
    F: Future<Output = anyhow::Result<()>>,
{
    let timeout = iteration.shared.timeout;
    CURRENT.scope(
        iteration,
        Iterate {
            guarded: Some(Guarded::new(timeout, future)),
            start: None,
        },
    )
}

fn with_current(f: impl FnOnce(&Iteration)) {
    let _ = CURRENT.try_with(f);
}

/// Which iteration is running: see [`iteration`].
#[derive(Clone, Debug)]
pub struct IterationInfo {
    scenario: Arc<str>,
    index: u64,
    intended_start: Instant,
}

impl IterationInfo {
    /// Name of the scenario the iteration belongs to.
    pub fn scenario(&self) -> &str {
        &self.scenario
    }

    /// The iteration's arrival index in its plan, from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The instant the plan meant the iteration to start; its latency is
    /// measured from here.
    pub fn intended_start(&self) -> Instant {
        self.intended_start
    }
}

/// The running iteration, or `None` outside one.
pub fn iteration() -> Option<IterationInfo> {
    CURRENT
        .try_with(|it| IterationInfo {
            scenario: it.shared.names[it.scenario].clone(),
            index: it.index,
            intended_start: it.intended,
        })
        .ok()
}

/// Runs `future` as the named step `name` of the current iteration: its
/// duration, success or failure (with the error's text as the kind) are
/// recorded under the scenario. The result is returned unchanged, so `?`
/// still fails the iteration.
///
/// A step that is cancelled (the iteration timed out or was interrupted) or
/// that panics is recorded as failed, with kind `cancelled` or `panic`.
pub async fn step<F, T, E>(name: &str, future: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    E: Display,
{
    let id = intern(name);
    let mut guard = StepGuard {
        id,
        start: Instant::now(),
        done: false,
    };
    let result = InStep { id, inner: future }.await;
    guard.done = true;
    let error = result.as_ref().err().map(|e| e as &dyn Display);
    guard.record(error);
    result
}

std::thread_local! {
    /// The step whose future is being polled on this thread, if any: what
    /// [`record_http`] files a request under.
    static CURRENT_STEP: Cell<u32> = const { Cell::new(NO_STEP) };
}

pin_project! {
    /// A step's future, polled with the step marked as current.
    struct InStep<F> {
        id: u32,
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for InStep<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let outer = CURRENT_STEP.with(|step| step.replace(*this.id));
        // Restored however the poll ends: a panic unwinds through here to
        // the iteration's catch, on a thread that goes on running others.
        struct Restore(u32);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT_STEP.with(|step| step.set(self.0));
            }
        }
        let _restore = Restore(outer);
        this.inner.poll(cx)
    }
}

struct StepGuard {
    id: u32,
    start: Instant,
    done: bool,
}

impl StepGuard {
    fn record(&self, error: Option<&dyn Display>) {
        let duration = self.start.elapsed();
        with_current(|it| {
            it.shared
                .recorder
                .record_step(it.scenario, self.id, error, duration)
        });
    }
}

impl Drop for StepGuard {
    fn drop(&mut self) {
        if !self.done {
            let kind = if std::thread::panicking() {
                "panic"
            } else {
                "cancelled"
            };
            self.record(Some(&kind));
        }
    }
}

/// What one HTTP request measured, for [`record_http`]: the client's
/// report of it. `lot::http` makes and records these itself; another client
/// (or a protocol of one's own) can record its requests the same way.
///
/// Phases follow k6's `http_req_*`: `connect` includes resolving the name
/// where that happens at connect time, and `connect` and `tls` are zero (and
/// not recorded) on a reused connection.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct HttpRequest<'a> {
    /// The request's name: `GET /items/{id}` when the user named it so,
    /// else its method and path, without the query. Requests of one name
    /// share one entry of the results.
    pub name: &'a str,
    /// The response's status code, or `None` when the request ended
    /// without a response (a refused connection, a TLS failure, a reset, a
    /// response over its limits, a cancellation).
    pub status: Option<u16>,
    /// Whether it went over a kept-alive connection.
    pub reused: bool,
    /// Whether it went over a new plain-HTTP connection, connected: one
    /// that needed no TLS handshake (its `tls` counts as zero, as a reused
    /// connection's does).
    pub plain: bool,
    /// Bytes written: the request's head and body.
    pub bytes_sent: u64,
    /// Bytes read: the response's head and body, as received.
    pub bytes_received: u64,
    /// Opening the TCP connection.
    pub connect: Duration,
    /// The TLS handshake.
    pub tls: Duration,
    /// Writing the request.
    pub send: Duration,
    /// From the request written to the first byte of the response's head.
    pub wait: Duration,
    /// From the first byte of the head to the end of the body.
    pub receive: Duration,
    /// The request itself: send, wait and receive together, as k6's
    /// `http_req_duration` (connecting, and waiting for a connection, are
    /// not included).
    pub duration: Duration,
    /// The step it was sent in ([`current_step`] when it started), for a
    /// request recorded after its step stopped being polled (one cancelled
    /// with its iteration); `None`: the step being polled when it is
    /// recorded, if any.
    pub step: Option<StepRef>,
}

/// A step of the running iteration, as [`current_step`] names it: what a
/// client keeps from a request's start to file it under its step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepRef(u32);

/// The step (`lot::step`) whose future is being polled on this thread, if
/// any.
pub fn current_step() -> Option<StepRef> {
    let id = CURRENT_STEP.with(Cell::get);
    (id != NO_STEP).then_some(StepRef(id))
}

impl<'a> HttpRequest<'a> {
    /// A request named `name`, with nothing measured yet.
    pub fn new(name: &'a str) -> HttpRequest<'a> {
        HttpRequest {
            name,
            ..HttpRequest::default()
        }
    }
}

/// Records one HTTP request under the current iteration's scenario and its
/// step ([`HttpRequest::step`], else the step being polled, if any); a
/// no-op outside an iteration. Requests are grouped by step and name, at
/// most [`MAX_REQUEST_ENTRIES`] groups a scenario (then under `other`), each
/// with at most [`MAX_STATUS_CODES`] distinct status codes. Request names
/// have a table of their own, bounded like step names (1024 a process, then
/// `other`), and are looked up as step names are: a name kept at one
/// address (a built request's) stays on the thread, one made anew for each
/// request takes the shared table's lock.
pub fn record_http(request: &HttpRequest<'_>) {
    with_current(|it| {
        let name = intern_request(request.name);
        let step = match request.step {
            Some(StepRef(id)) => id,
            None => CURRENT_STEP.with(Cell::get),
        };
        let exchange = Exchange {
            status: request.status,
            reused: request.reused,
            plain: request.plain,
            bytes_sent: request.bytes_sent,
            bytes_received: request.bytes_received,
            phases: [
                request.connect,
                request.tls,
                request.send,
                request.wait,
                request.receive,
                request.duration,
            ],
        };
        it.shared
            .recorder
            .record_http(it.scenario, step, name, &exchange);
    });
}

/// Counts whether `condition` held under the check `name` of the current
/// iteration, without failing it, and returns `condition`.
pub fn check(name: &str, condition: bool) -> bool {
    let id = intern(name);
    with_current(|it| it.shared.recorder.record_check(it.scenario, id, condition));
    condition
}

/// A custom counter: a sum reported at the end of the run. Cheap to copy and
/// to keep; get one with [`counter`].
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    id: u32,
}

/// The counter named `name`.
pub fn counter(name: &str) -> Counter {
    Counter { id: intern(name) }
}

impl Counter {
    /// Adds `n` (inside an iteration; a no-op elsewhere).
    pub fn add(&self, n: u64) {
        with_current(|it| it.shared.recorder.add_counter(self.id, n));
    }

    /// Adds 1.
    pub fn increment(&self) {
        self.add(1);
    }
}

/// A custom gauge: a level whose last value set is reported.
#[derive(Clone, Copy, Debug)]
pub struct Gauge {
    id: u32,
}

/// The gauge named `name`.
pub fn gauge(name: &str) -> Gauge {
    Gauge { id: intern(name) }
}

impl Gauge {
    /// Sets the gauge (inside an iteration; a no-op elsewhere).
    pub fn set(&self, value: f64) {
        with_current(|it| it.shared.recorder.set_gauge(self.id, value));
    }
}

/// A custom histogram of durations, reported in microseconds like latency.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    id: u32,
}

/// The duration histogram named `name`.
pub fn timing(name: &str) -> Timing {
    Timing { id: intern(name) }
}

impl Timing {
    /// Records a duration (inside an iteration; a no-op elsewhere).
    pub fn record(&self, duration: Duration) {
        with_current(|it| it.shared.recorder.record_timing(self.id, duration));
    }
}

/// A custom histogram of plain values (sizes, counts), 1 to 2^40.
#[derive(Clone, Copy, Debug)]
pub struct Histogram {
    id: u32,
}

/// The value histogram named `name`.
pub fn histogram(name: &str) -> Histogram {
    Histogram { id: intern(name) }
}

impl Histogram {
    /// Records a value (inside an iteration; a no-op elsewhere).
    pub fn record(&self, value: u64) {
        with_current(|it| it.shared.recorder.record_value(self.id, value));
    }
}

std::thread_local! {
    /// Set while a scenario future is being polled, so the panic hook can
    /// keep caught iteration panics from flooding stderr.
    static IN_ITERATION: Cell<bool> = const { Cell::new(false) };
}

std::thread_local! {
    /// The last panic on this thread while building an iteration's future,
    /// described, for the launch that caught it to give to its run.
    static BUILD_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Keeps `text` as `shared`'s run's first panic, unless it has one.
fn keep_first_panic(shared: &Shared, text: String) {
    if !shared.panicked.swap(true, Ordering::Relaxed) {
        if let Ok(mut first) = shared.first_panic.lock() {
            *first = Some(text);
        }
    }
}

/// Wraps the process's panic hook once: a panic outside iterations goes to
/// the previous hook; the first one inside an iteration of a run is kept,
/// with its location, for that run to tell through its reporters
/// ([`take_first_panic`]); later ones are only counted with their
/// iterations.
pub(crate) fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_iteration = IN_ITERATION.try_with(|f| f.get()).unwrap_or(false);
            if !in_iteration {
                return previous(info);
            }
            let message = crate::record::recorder::panic_message(info.payload());
            let text = match info.location() {
                Some(at) => format!("an iteration panicked at {at}: {message}"),
                None => format!("an iteration panicked: {message}"),
            };
            // The iteration's own run when it is in scope (the panic came
            // from polling or dropping its future); else the launch that
            // catches it gives it to its run (see `fail_to_start`).
            if CURRENT
                .try_with(|it| keep_first_panic(&it.shared, text.clone()))
                .is_err()
            {
                let _ = BUILD_PANIC.try_with(|p| *p.borrow_mut() = Some(text));
            }
        }));
    });
}

/// The first panic inside an iteration of the run of `shared`, described
/// with its location, if one happened since the last call: told once.
pub(crate) fn take_first_panic(shared: &Shared) -> Option<String> {
    let text = shared.first_panic.lock().ok()?.take()?;
    Some(format!(
        "{text} (caught, and counted with its iteration: as a failure, or as interrupted if it was being cancelled; further panics in iterations are only counted)"
    ))
}

/// Runs `f` (user code building an iteration), catching a panic as the
/// iteration panic hook expects.
pub(crate) fn catch_iteration_panic<T>(
    f: impl FnOnce() -> T,
) -> Result<T, Box<dyn std::any::Any + Send>> {
    let outer = IN_ITERATION.with(|flag| flag.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_ITERATION.with(|flag| flag.set(outer));
    result
}

pin_project! {
    /// Polls a future, turning a panic into an `Err` with its payload.
    struct CatchPanic<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, Box<dyn std::any::Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        match catch_iteration_panic(|| inner.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outside_a_run_everything_is_a_harmless_no_op() {
        assert!(iteration().is_none());
        assert!(check("outside", true));
        assert!(!check("outside", false));
        let r: Result<u8, String> = step("outside", async { Ok(7) }).await;
        assert_eq!(r, Ok(7));
        let r: Result<u8, String> = step("outside", async { Err("no".into()) }).await;
        assert_eq!(r, Err("no".to_owned()));
        counter("outside").add(1);
        gauge("outside").set(1.0);
        timing("outside").record(Duration::from_millis(1));
        histogram("outside").record(1);
    }
}
