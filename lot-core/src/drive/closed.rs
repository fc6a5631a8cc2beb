//! The closed model: a population of users, each looping over its scenario.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;

use lot_report::Segment;

use crate::drive::mix::Mix;
use crate::record::context::{Failure, Guarded, Iteration, catch_iteration_panic, iterate};
use crate::record::recorder::{Outcome, panic_message};
use crate::record::shared::{Counters, Shared};
use crate::scenario::{Scenario, UserScenario};
use crate::schedule::Schedule;
use crate::stop::{Stop, StopLevel, deadline};

/// Think time between a user's iterations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Think {
    /// No pause: the next iteration starts when the last one ends.
    None,
    /// The same pause every time.
    Fixed(Duration),
    /// A pause drawn uniformly from `[min, max]`, from a per-user
    /// deterministic sequence.
    Uniform(Duration, Duration),
}

impl Think {
    /// A fixed pause.
    pub fn fixed(pause: Duration) -> Think {
        Think::Fixed(pause)
    }

    /// A pause drawn uniformly from `[min, max]`.
    pub fn uniform(min: Duration, max: Duration) -> Think {
        Think::Uniform(min, max)
    }
}

/// A user scenario, type-erased: it spawns a whole user.
pub(crate) trait ClosedMember: Send + Sync {
    fn name(&self) -> &str;
    fn spawn_user(self: Arc<Self>, user: User) -> AbortHandle;
}

pub(crate) struct Stateless<S>(pub(crate) S);

impl<S: Scenario + Send + Sync + 'static> UserScenario for Stateless<S> {
    type State = ();

    async fn start(&self, _user: u64) -> anyhow::Result<()> {
        Ok(())
    }

    fn run<'a>(&'a self, _: &'a mut ()) -> impl Future<Output = anyhow::Result<()>> + Send + 'a {
        self.0.run()
    }

    fn name(&self) -> &str {
        self.0.name()
    }
}

pub(crate) struct ClosedScenario<U>(pub(crate) U);

impl<U: UserScenario> ClosedMember for ClosedScenario<U> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn spawn_user(self: Arc<Self>, user: User) -> AbortHandle {
        tokio::spawn(async move { user.run(&self.0).await }).abort_handle()
    }
}

/// How often the user count is brought in line with the stages.
const ADJUST_EVERY: Duration = Duration::from_millis(10);

/// Asks one user to stop at its next iteration boundary.
#[derive(Default)]
pub(crate) struct UserStop {
    requested: AtomicBool,
    notify: Notify,
}

impl UserStop {
    fn request(&self) {
        self.requested.store(true, Ordering::Release);
        self.notify.notify_one();
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::Acquire)
    }
}

/// One running user: what its task needs.
pub(crate) struct User {
    index: u64,
    shared: Arc<Shared>,
    scenario: usize,
    stop: Arc<UserStop>,
    think: Think,
    pacing: Option<Duration>,
}

/// Counts a user out of its scenario's active users when its task ends.
struct Leaving<'a>(&'a Counters);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.users.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A small deterministic generator (xorshift64*) for think times, seeded per user.
struct Rng(u64);

impl Rng {
    fn new(user: u64) -> Rng {
        Rng(user.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl User {
    fn begin(&self, intended: Instant) -> Iteration {
        let counters = &self.shared.counters[self.scenario];
        counters.in_flight.fetch_add(1, Ordering::AcqRel);
        let index = counters.launched.fetch_add(1, Ordering::AcqRel);
        Iteration::new(self.shared.clone(), self.scenario, index, intended)
    }

    /// Sleeps until `until`; `false` if the user was asked to stop meanwhile.
    async fn pause_until(&self, until: Instant) -> bool {
        if self.stop.requested() {
            return false;
        }
        tokio::select! {
            _ = self.stop.notify.notified() => !self.stop.requested(),
            _ = tokio::time::sleep_until(until.into()) => !self.stop.requested(),
        }
    }

    pub(crate) async fn run<U: UserScenario>(self, scenario: &U) {
        let counters = &self.shared.counters[self.scenario];
        counters.users.fetch_add(1, Ordering::AcqRel);
        let _leaving = Leaving(counters);
        let mut rng = Rng::new(self.index);
        let mut state: Option<U::State> = None;
        let mut next_due = Instant::now();
        let timeout = self.shared.timeout;
        while !self.stop.requested() {
            if self.pacing.is_some() && !self.pause_until(next_due).await {
                break;
            }
            // The state hook runs once, before the user's first iteration. Its
            // time belongs to no iteration; its steps and metrics are recorded.
            let state = match &mut state {
                Some(state) => state,
                slot => {
                    let at = Instant::now();
                    let context = Iteration::detached(self.shared.clone(), self.scenario, at);
                    let built = context.scope(Guarded::new(timeout, scenario.start(self.index)));
                    match built.await {
                        Ok(Ok(built)) => slot.insert(built),
                        Ok(Err(e)) => {
                            self.fail_start(at, &e.context("user start"));
                            if !self.after_iteration(at, &mut next_due, &mut rng).await {
                                break;
                            }
                            continue;
                        }
                        Err(failure) => {
                            let e = match failure {
                                Failure::Timeout => anyhow::anyhow!("user start: timeout"),
                                Failure::Panic(payload) => anyhow::anyhow!(
                                    "user start: panic: {}",
                                    panic_message(&*payload)
                                ),
                            };
                            self.fail_start(at, &e);
                            if !self.after_iteration(at, &mut next_due, &mut rng).await {
                                break;
                            }
                            continue;
                        }
                    }
                }
            };
            // With pacing, the iteration was due at `next_due` (earlier than
            // now if the last one ran long: that lateness is its lag);
            // without, it is due when the user is ready.
            let start = Instant::now();
            let intended = if self.pacing.is_some() {
                next_due.min(start)
            } else {
                start
            };
            let iteration = self.begin(intended);
            match catch_iteration_panic(|| scenario.run(state)) {
                Ok(future) => iterate(future, iteration).await,
                Err(payload) => iteration.fail_to_start(&*payload),
            }
            if !self.after_iteration(start, &mut next_due, &mut rng).await {
                break;
            }
        }
    }

    /// Records a failed state hook as a failed iteration.
    fn fail_start(&self, at: Instant, error: &anyhow::Error) {
        self.begin(at).fail(at, Outcome::Error(error));
    }

    /// After an iteration that started at `start`: with pacing, the next is
    /// due one period after this one started (so an iteration that overran
    /// is followed at once, and the cadence resumes from there, never in a
    /// burst); without, the think time passes. `false` if the user was asked
    /// to stop meanwhile.
    async fn after_iteration(&self, start: Instant, next_due: &mut Instant, rng: &mut Rng) -> bool {
        match self.pacing {
            Some(period) => {
                *next_due = deadline(start, period);
                !self.stop.requested()
            }
            None => self.think(rng).await,
        }
    }

    /// The think time after an iteration; `false` if asked to stop meanwhile.
    async fn think(&self, rng: &mut Rng) -> bool {
        let pause = match self.think {
            Think::None => return !self.stop.requested(),
            Think::Fixed(d) => d,
            Think::Uniform(min, max) => {
                let (lo, hi) = if min <= max { (min, max) } else { (max, min) };
                lo + (hi - lo).mul_f64(rng.next_f64())
            }
        };
        self.pause_until(deadline(Instant::now(), pause)).await
    }
}

/// A user started and not yet finished: its stop request and its task.
struct UserTask {
    stop: Arc<UserStop>,
    task: AbortHandle,
}

/// Forgets users that have finished, and interrupts those past their deadline.
fn reap(stopping: &mut Vec<(UserTask, Instant)>, now: Instant) {
    stopping.retain(|(user, until)| {
        if user.task.is_finished() {
            return false;
        }
        if now >= *until {
            user.task.abort();
            return false;
        }
        true
    });
}

/// What a users load needs to run.
pub(crate) struct UsersLoad {
    pub(crate) shared: Arc<Shared>,
    /// `(scenario index, member)` per member of the mix.
    pub(crate) members: Vec<(usize, Arc<dyn ClosedMember>)>,
    pub(crate) weights: Vec<u64>,
    pub(crate) schedule: Schedule,
    pub(crate) start_after: Duration,
    pub(crate) think: Think,
    pub(crate) pacing: Option<Duration>,
    pub(crate) graceful_ramp_down: Duration,
    pub(crate) graceful_stop: Duration,
    /// For one shard of a distributed run: it runs user slot `k` only if
    /// `k mod count == index`.
    pub(crate) segment: Option<Segment>,
}

impl UsersLoad {
    fn spawn(&self, id: u64, member: usize) -> UserTask {
        let (scenario, member) = &self.members[member];
        let stop = Arc::new(UserStop::default());
        let user = User {
            index: id,
            shared: self.shared.clone(),
            scenario: *scenario,
            stop: stop.clone(),
            think: self.think,
            pacing: self.pacing,
        };
        let task = member.clone().spawn_user(user);
        UserTask { stop, task }
    }

    /// Runs the load to the end of its stages (or a stop), then stops every
    /// user within the graceful stop. Returns when its scheduling ended.
    pub(crate) async fn drive(self, start: Instant, mut stop: watch::Receiver<Stop>) -> Instant {
        let begin = deadline(start, self.start_after);
        let end = deadline(begin, self.schedule.duration());
        let mut mix = Mix::new(&self.weights);
        // Slot `i` keeps its scenario for the whole run; every user started in
        // it gets a fresh id, so a user still finishing after a ramp-down never
        // shares its id (and think-time sequence) with its replacement. A
        // shard draws its own mix over its own slots, so its users are split
        // as evenly as one process's (and the shards' totals to within one
        // per shard).
        let mut assignment: Vec<usize> = Vec::new();
        let mut next_id = 0u64;
        let mut active: Vec<UserTask> = Vec::new();
        let mut stopping: Vec<(UserTask, Instant)> = Vec::new();
        let stopped_at = loop {
            if stop.borrow().level != StopLevel::None {
                break Instant::now();
            }
            let now = Instant::now();
            if now >= end {
                break end;
            }
            if now < begin {
                tokio::select! {
                    biased;
                    _ = stop.changed() => {}
                    _ = tokio::time::sleep_until(begin.into()) => {}
                }
                continue;
            }
            let level = self.schedule.level_at(now - begin).max(0.0);
            let (shard, shards) = self
                .segment
                .map_or((0, 1), |s| (s.index as usize, s.count as usize));
            // Slots `shard`, `shard + shards`, ... below the level are this shard's.
            let target = crate::schedule::slots_owned(
                crate::schedule::whole(level) as u64,
                shard as u64,
                shards as u64,
            ) as usize;
            while active.len() < target {
                let slot = active.len();
                while assignment.len() <= slot {
                    assignment.push(mix.next());
                }
                // Ids are unique across shards too: shard s numbers its users
                // s, s + shards, s + 2·shards, ...
                active.push(self.spawn(next_id * shards as u64 + shard as u64, assignment[slot]));
                next_id += 1;
            }
            while active.len() > target {
                let user = active.pop().expect("more users than the target");
                user.stop.request();
                stopping.push((user, deadline(now, self.graceful_ramp_down)));
            }
            reap(&mut stopping, now);
            let tick = deadline(now, ADJUST_EVERY).min(end);
            tokio::select! {
                biased;
                _ = stop.changed() => {}
                _ = tokio::time::sleep_until(tick.into()) => {}
            }
        };

        // Stop: every user finishes its iteration within the graceful stop
        // (users already ramping down keep their own deadline).
        let graceful_end = deadline(Instant::now(), self.graceful_stop);
        stopping.extend(active.drain(..).map(|user| {
            user.stop.request();
            (user, graceful_end)
        }));
        loop {
            reap(&mut stopping, Instant::now());
            if stopping.is_empty() {
                break;
            }
            if stop.borrow().level == StopLevel::Immediate {
                for (user, _) in stopping.drain(..) {
                    user.task.abort();
                }
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(2)) => {}
                _ = stop.changed() => {}
            }
        }
        stopped_at
    }
}
