//! Load models: open (arrival rate) and closed (virtual users), weighted
//! mixes of scenarios, and several loads running together.
//!
//! A [`Load`] is one stream of work: either an **arrival rate** (iterations
//! *started* per second follow the stages, whatever the target's latency:
//! the open model) or a population of **users** (the number of users follows
//! the stages; each user loops over its scenario, optionally with think time
//! or pacing: the closed model). Its arrivals or users are split across one
//! or more scenarios by weight, deterministically: after any `n` arrivals
//! (or users), each scenario has been given `n · weight / total` of them to
//! within one. An [`Executor`](crate::Executor) runs any number of loads at
//! the same time, each from its own start offset, into one report.
//!
//! ```no_run
//! use std::time::Duration;
//! use lot_core::load::{Load, Think};
//! # use lot_core::Executor;
//! # async fn demo() {
//! let s = Duration::from_secs;
//! let browse = || async { Ok(()) };
//! let search = || async { Ok(()) };
//! let api = Load::arrival_rate()
//!     .stage(0, 100, s(10))
//!     .stage(100, 100, s(50))
//!     .weighted(70, lot_core::scenario::named("browse", browse))
//!     .weighted(30, lot_core::scenario::named("search", search));
//! let background = Load::users()
//!     .stage(0, 20, s(10))
//!     .stage(20, 20, s(50))
//!     .think_time(Think::uniform(Duration::from_millis(500), Duration::from_millis(1500)))
//!     .scenario(lot_core::scenario::named("background", || async { Ok(()) }))
//!     .start_after(s(5));
//! let mut executor = Executor::new();
//! executor.load(api).load(background);
//! let report = executor.run_loads().await;
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;
use std::task::Context;
use std::time::Duration;

use tokio::task::AbortHandle;

use crate::context::{Iteration, catch_iteration_panic, iterate};
use crate::executor::Rate;
use crate::scenario::Scenario;
use crate::schedule::Stage;
use crate::slots::{Boxed, Slots};

/// A scenario whose iterations share per-user state, for the closed model.
///
/// Each user calls [`start`](UserScenario::start) once, when it starts, and
/// then hands its state to every one of its iterations, for example a client
/// that logged in once. `start`'s time is part of no iteration, but its
/// steps, checks and metrics are recorded under the scenario. A failed
/// `start` counts as a failed iteration (kind prefixed `user start: `) and is
/// retried after the think time (or at the next pacing instant). Users are
/// numbered from 0 in the order they start; a user started again after a
/// ramp-down gets a new number.
///
/// Any [`Scenario`] is also usable as a user scenario, with no state.
pub trait UserScenario: Send + Sync + 'static {
    /// What a user keeps between its iterations.
    type State: Send + 'static;

    /// Builds the state of user `user` (numbered from 0 within its load).
    fn start(&self, user: u64) -> impl Future<Output = anyhow::Result<Self::State>> + Send;

    /// One iteration, with the user's state.
    fn run<'a>(
        &'a self,
        state: &'a mut Self::State,
    ) -> impl Future<Output = anyhow::Result<()>> + Send + 'a;

    /// The name results are reported under.
    fn name(&self) -> &str {
        let full = std::any::type_name::<Self>();
        full.split('<')
            .next()
            .unwrap_or(full)
            .rsplit("::")
            .next()
            .unwrap_or(full)
    }
}

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

/// Which model a load follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Iterations started per second follow the stages (open model).
    ArrivalRate,
    /// Running users follow the stages (closed model).
    Users,
}

/// One scenario of a load, type-erased so that a mix can hold scenarios of
/// different types without boxing any iteration.
pub(crate) trait OpenMember: Send + Sync {
    fn name(&self) -> &str;
    /// An empty set of this scenario's running iterations, for one lane of
    /// the scheduler to launch into and poll.
    fn running(self: Arc<Self>) -> Box<dyn Running>;
}

/// The running iterations of one scenario in one lane of the open model's
/// scheduler (see `open.rs`). The lane's task polls them itself: an
/// iteration is not a task of its own.
pub(crate) trait Running: Send {
    /// Builds the iteration's future and adds it, to be polled first at
    /// the next [`poll`](Running::poll). False when building panicked (the
    /// iteration is then already recorded as failed).
    fn launch(&mut self, iteration: Iteration) -> bool;
    /// Polls the iterations added or woken since the last poll, and says
    /// how many finished. Each finished iteration has recorded its outcome
    /// and is dropped.
    fn poll(&mut self, cx: &mut Context<'_>) -> u64;
    /// The iterations running.
    fn len(&self) -> usize;
}

struct OpenScenario<S>(S);

impl<S: Scenario + Send + Sync + 'static> OpenMember for OpenScenario<S> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn running(self: Arc<Self>) -> Box<dyn Running> {
        Box::new(RunningSet {
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
struct RunningSet<B> {
    build: B,
    set: Slots,
}

impl<B> Running for RunningSet<B>
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

/// A user scenario, type-erased: it spawns a whole user.
pub(crate) trait ClosedMember: Send + Sync {
    fn name(&self) -> &str;
    fn spawn_user(self: Arc<Self>, user: crate::closed::User) -> AbortHandle;
}

struct Stateless<S>(S);

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

struct ClosedScenario<U>(U);

impl<U: UserScenario> ClosedMember for ClosedScenario<U> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn spawn_user(self: Arc<Self>, user: crate::closed::User) -> AbortHandle {
        tokio::spawn(async move { user.run(&self.0).await }).abort_handle()
    }
}

/// One stream of work: a model, its stages, its scenarios by weight, and
/// when it starts. See the [module docs](self).
pub struct Load {
    pub(crate) model: Model,
    pub(crate) stages: Vec<Stage>,
    pub(crate) open: Vec<(u64, Arc<dyn OpenMember>)>,
    pub(crate) closed: Vec<(u64, Arc<dyn ClosedMember>)>,
    pub(crate) start_after: Duration,
    pub(crate) max_in_flight: Option<usize>,
    pub(crate) think: Think,
    pub(crate) pacing: Option<Duration>,
    pub(crate) graceful_ramp_down: Option<Duration>,
}

impl std::fmt::Debug for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<(u64, &str)> = self
            .open
            .iter()
            .map(|(w, m)| (*w, m.name()))
            .chain(self.closed.iter().map(|(w, m)| (*w, m.name())))
            .collect();
        f.debug_struct("Load")
            .field("model", &self.model)
            .field("stages", &self.stages)
            .field("scenarios", &names)
            .field("start_after", &self.start_after)
            .finish_non_exhaustive()
    }
}

impl Load {
    fn new(model: Model) -> Load {
        Load {
            model,
            stages: Vec::new(),
            open: Vec::new(),
            closed: Vec::new(),
            start_after: Duration::ZERO,
            max_in_flight: None,
            think: Think::None,
            pacing: None,
            graceful_ramp_down: None,
        }
    }

    /// An open-model load: stages are arrival rates, iterations per second.
    pub fn arrival_rate() -> Load {
        Load::new(Model::ArrivalRate)
    }

    /// A closed-model load: stages are numbers of concurrent users.
    pub fn users() -> Load {
        Load::new(Model::Users)
    }

    /// Adds a stage: the rate (or the number of users) moves linearly from
    /// `from` to `to` over `duration`. Users are started while the count
    /// rises; as it falls, the highest-numbered users stop at the end of their
    /// current iteration.
    pub fn stage(mut self, from: impl Rate, to: impl Rate, duration: Duration) -> Load {
        self.stages
            .push(Stage::new(from.per_second(), to.per_second(), duration));
        self
    }

    /// Adds a scenario with weight 1.
    pub fn scenario<S: Scenario + Send + Sync + 'static>(self, scenario: S) -> Load {
        self.weighted(1, scenario)
    }

    /// Adds a scenario with `weight`: it gets `weight / total` of the load's
    /// arrivals (or users).
    pub fn weighted<S: Scenario + Send + Sync + 'static>(
        mut self,
        weight: u64,
        scenario: S,
    ) -> Load {
        match self.model {
            Model::ArrivalRate => self.open.push((weight, Arc::new(OpenScenario(scenario)))),
            Model::Users => self
                .closed
                .push((weight, Arc::new(ClosedScenario(Stateless(scenario))))),
        }
        self
    }

    /// Adds a scenario with per-user state (closed model only) with weight 1.
    pub fn user_scenario<U: UserScenario>(self, scenario: U) -> Load {
        self.weighted_user_scenario(1, scenario)
    }

    /// Adds a scenario with per-user state (closed model only) with `weight`.
    pub fn weighted_user_scenario<U: UserScenario>(mut self, weight: u64, scenario: U) -> Load {
        self.closed
            .push((weight, Arc::new(ClosedScenario(scenario))));
        self
    }

    /// Starts the load `offset` after the run starts.
    pub fn start_after(mut self, offset: Duration) -> Load {
        self.start_after = offset;
        self
    }

    /// Bounds this load's iterations in flight (arrival-rate loads only; an
    /// arrival-rate load without one uses the executor's bound). A users
    /// load has one iteration in flight per user.
    pub fn max_in_flight(mut self, max: usize) -> Load {
        self.max_in_flight = Some(max);
        self
    }

    /// Think time between a user's iterations (closed model).
    pub fn think_time(mut self, think: Think) -> Load {
        self.think = think;
        self
    }

    /// Starts each user's iterations on a fixed cadence (closed model): an
    /// iteration is due one `period` after the user's previous one started.
    /// If the previous one ran longer than `period`, the next starts as soon
    /// as it ends and its latency is measured from its due instant (so a slow
    /// target cannot hide behind a late user); the cadence then resumes from
    /// that start, never in a burst of catch-up iterations. Replaces the
    /// think time.
    pub fn pacing(mut self, period: Duration) -> Load {
        self.pacing = Some(period);
        self
    }

    /// How long a user asked to stop during a ramp-down may finish its
    /// current iteration before it is interrupted (default: the executor's
    /// graceful stop).
    pub fn graceful_ramp_down(mut self, period: Duration) -> Load {
        self.graceful_ramp_down = Some(period);
        self
    }
}

/// Deterministic weighted assignment: after any `n` picks, member `i` has
/// been picked `n · wᵢ / W` times to within `1 − 1/(2(k−1))` for `k`
/// members, so within one. This is Tijdeman's solution of the "chairman
/// assignment problem": pick, among the members at least `1/(2(k−1))`
/// behind their quota, the one whose next pick is due soonest. (Smooth
/// weighted round-robin, the usual choice, can fall more than one behind
/// with four or more members.) Exact integer arithmetic; ties go to the
/// lower index.
#[derive(Clone, Debug)]
pub(crate) struct Mix {
    weights: Vec<i128>,
    total: i128,
    counts: Vec<i128>,
    picks: i128,
}

impl Mix {
    pub(crate) fn new(weights: &[u64]) -> Mix {
        Mix {
            weights: weights.iter().map(|&w| i128::from(w)).collect(),
            total: weights.iter().map(|&w| i128::from(w)).sum(),
            counts: vec![0; weights.len()],
            picks: 0,
        }
    }

    /// The member the next arrival (or user) goes to.
    pub(crate) fn next(&mut self) -> usize {
        let k = self.weights.len();
        if k == 1 {
            return 0;
        }
        self.picks += 1;
        let n = self.picks;
        let m = 2 * (k as i128 - 1);
        // Member i is eligible when n·wᵢ/W − cᵢ ≥ 1/m; its next pick is due
        // at step ((cᵢ + 1)·m − 1)·W / (m·wᵢ): compare (cᵢ + 1)·m − 1 over wᵢ.
        let mut best: Option<usize> = None;
        for i in 0..k {
            let (w, c) = (self.weights[i], self.counts[i]);
            if w == 0 || (n * w - c * self.total) * m < self.total {
                continue;
            }
            let due = |j: usize| (self.counts[j] + 1) * m - 1;
            best = match best {
                Some(b) if due(b) * w <= due(i) * self.weights[b] => Some(b),
                _ => Some(i),
            };
        }
        // The theorem guarantees an eligible member; keep a defined answer anyway.
        let pick = best.unwrap_or_else(|| {
            (0..k)
                .max_by_key(|&i| {
                    (
                        n * self.weights[i] - self.counts[i] * self.total,
                        std::cmp::Reverse(i),
                    )
                })
                .unwrap_or(0)
        });
        self.counts[pick] += 1;
        pick
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seventy_twenty_five_five() {
        let mut mix = Mix::new(&[70, 25, 5]);
        let mut counts = [0u64; 3];
        for _ in 0..1000 {
            counts[mix.next()] += 1;
        }
        assert_eq!(counts, [700, 250, 50]);
    }

    #[test]
    fn four_uneven_members_stay_within_one() {
        // Smooth weighted round-robin falls 1.04 behind here after 90 picks.
        let weights = [20u64, 72, 1, 72];
        let total: u64 = weights.iter().sum();
        let mut mix = Mix::new(&weights);
        let mut counts = [0u64; 4];
        for n in 1..=2000u64 {
            counts[mix.next()] += 1;
            for (i, &w) in weights.iter().enumerate() {
                let ideal = n as f64 * w as f64 / total as f64;
                assert!(
                    (counts[i] as f64 - ideal).abs() < 1.0,
                    "after {n}: {counts:?}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn every_prefix_is_within_one(weights in prop::collection::vec(1u64..100, 1..6), n in 1usize..1000) {
            let total: u64 = weights.iter().sum();
            let mut mix = Mix::new(&weights);
            let mut counts = vec![0u64; weights.len()];
            for k in 1..=n {
                counts[mix.next()] += 1;
                for (i, &w) in weights.iter().enumerate() {
                    let ideal = k as f64 * w as f64 / total as f64;
                    prop_assert!((counts[i] as f64 - ideal).abs() <= 1.0, "after {} picks member {} has {} of {}", k, i, counts[i], ideal);
                }
            }
        }
    }
}
