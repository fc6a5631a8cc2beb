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
//! [`Load::arrival_rate`] and [`Load::users`] return builders of their own,
//! [`ArrivalRate`] and [`Users`], each with only the settings of its model
//! (a users load has think time and pacing, an arrival-rate load an
//! in-flight bound), so a setting that does not apply does not compile.
//! Either becomes a [`Load`] where [`Executor::load`](crate::Executor::load)
//! takes it.
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

use std::sync::Arc;
use std::time::Duration;

use crate::drive::closed::{ClosedMember, ClosedScenario, Stateless};
use crate::drive::open::{OpenMember, OpenScenario};
use crate::scenario::Scenario;
use crate::schedule::{Rate, Stage};

pub use crate::drive::closed::Think;
pub use crate::scenario::UserScenario;

/// One stream of work, of either model: what
/// [`Executor::load`](crate::Executor::load) takes. Built with
/// [`Load::arrival_rate`] or [`Load::users`]; see the [module docs](self).
pub struct Load {
    pub(crate) stages: Vec<Stage>,
    pub(crate) start_after: Duration,
    pub(crate) model: Model,
}

/// A load's model, with the settings only it has.
pub(crate) enum Model {
    ArrivalRate {
        members: Vec<(u64, Arc<dyn OpenMember>)>,
        max_in_flight: Option<usize>,
    },
    Users {
        members: Vec<(u64, Arc<dyn ClosedMember>)>,
        think: Think,
        pacing: Option<Duration>,
        graceful_ramp_down: Option<Duration>,
    },
}

impl Model {
    /// The mix's weights and scenario names, in order.
    pub(crate) fn scenarios(&self) -> Vec<(u64, &str)> {
        match self {
            Model::ArrivalRate { members, .. } => {
                members.iter().map(|(w, m)| (*w, m.name())).collect()
            }
            Model::Users { members, .. } => members.iter().map(|(w, m)| (*w, m.name())).collect(),
        }
    }
}

impl std::fmt::Debug for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let model = match self.model {
            Model::ArrivalRate { .. } => "arrival rate",
            Model::Users { .. } => "users",
        };
        f.debug_struct("Load")
            .field("model", &model)
            .field("stages", &self.stages)
            .field("scenarios", &self.model.scenarios())
            .field("start_after", &self.start_after)
            .finish_non_exhaustive()
    }
}

impl Load {
    /// An open-model load: stages are arrival rates, iterations per second.
    pub fn arrival_rate() -> ArrivalRate {
        ArrivalRate {
            stages: Vec::new(),
            start_after: Duration::ZERO,
            members: Vec::new(),
            max_in_flight: None,
        }
    }

    /// A closed-model load: stages are numbers of concurrent users.
    pub fn users() -> Users {
        Users {
            stages: Vec::new(),
            start_after: Duration::ZERO,
            members: Vec::new(),
            think: Think::None,
            pacing: None,
            graceful_ramp_down: None,
        }
    }
}

/// An arrival-rate load being built: iterations *started* per second follow
/// its stages, whatever the target's latency (the open model). From
/// [`Load::arrival_rate`].
pub struct ArrivalRate {
    stages: Vec<Stage>,
    start_after: Duration,
    members: Vec<(u64, Arc<dyn OpenMember>)>,
    max_in_flight: Option<usize>,
}

impl ArrivalRate {
    /// Adds a stage: the arrival rate moves linearly from `from` to `to`
    /// iterations per second over `duration`.
    pub fn stage(mut self, from: impl Rate, to: impl Rate, duration: Duration) -> ArrivalRate {
        self.stages
            .push(Stage::new(from.per_second(), to.per_second(), duration));
        self
    }

    /// Adds a scenario with weight 1.
    pub fn scenario<S: Scenario + Send + Sync + 'static>(self, scenario: S) -> ArrivalRate {
        self.weighted(1, scenario)
    }

    /// Adds a scenario with `weight`: it gets `weight / total` of the load's
    /// arrivals.
    pub fn weighted<S: Scenario + Send + Sync + 'static>(
        mut self,
        weight: u64,
        scenario: S,
    ) -> ArrivalRate {
        self.members
            .push((weight, Arc::new(OpenScenario(scenario))));
        self
    }

    /// Starts the load `offset` after the run starts.
    pub fn start_after(mut self, offset: Duration) -> ArrivalRate {
        self.start_after = offset;
        self
    }

    /// Bounds this load's iterations in flight; without one, the load uses
    /// the executor's [`max_in_flight`](crate::Executor::max_in_flight). An
    /// arrival that finds the bound reached is dropped and counted.
    pub fn max_in_flight(mut self, max: usize) -> ArrivalRate {
        self.max_in_flight = Some(max);
        self
    }
}

impl From<ArrivalRate> for Load {
    fn from(load: ArrivalRate) -> Load {
        Load {
            stages: load.stages,
            start_after: load.start_after,
            model: Model::ArrivalRate {
                members: load.members,
                max_in_flight: load.max_in_flight,
            },
        }
    }
}

/// A users load being built: the number of users follows its stages, and
/// each user loops over its scenario, with think time or pacing between
/// iterations (the closed model). A user has one iteration in flight. From
/// [`Load::users`].
pub struct Users {
    stages: Vec<Stage>,
    start_after: Duration,
    members: Vec<(u64, Arc<dyn ClosedMember>)>,
    think: Think,
    pacing: Option<Duration>,
    graceful_ramp_down: Option<Duration>,
}

impl Users {
    /// Adds a stage: the number of users moves linearly from `from` to `to`
    /// over `duration` (whole numbers at both ends). Users are started while
    /// the count rises; as it falls, the highest-numbered users stop at the
    /// end of their current iteration.
    pub fn stage(mut self, from: impl Rate, to: impl Rate, duration: Duration) -> Users {
        self.stages
            .push(Stage::new(from.per_second(), to.per_second(), duration));
        self
    }

    /// Adds a scenario, without per-user state, with weight 1.
    pub fn scenario<S: Scenario + Send + Sync + 'static>(self, scenario: S) -> Users {
        self.weighted(1, scenario)
    }

    /// Adds a scenario, without per-user state, with `weight`: it gets
    /// `weight / total` of the load's users.
    pub fn weighted<S: Scenario + Send + Sync + 'static>(self, weight: u64, scenario: S) -> Users {
        self.weighted_user_scenario(weight, Stateless(scenario))
    }

    /// Adds a scenario with per-user state with weight 1.
    pub fn user_scenario<U: UserScenario>(self, scenario: U) -> Users {
        self.weighted_user_scenario(1, scenario)
    }

    /// Adds a scenario with per-user state with `weight`.
    pub fn weighted_user_scenario<U: UserScenario>(mut self, weight: u64, scenario: U) -> Users {
        self.members
            .push((weight, Arc::new(ClosedScenario(scenario))));
        self
    }

    /// Starts the load `offset` after the run starts.
    pub fn start_after(mut self, offset: Duration) -> Users {
        self.start_after = offset;
        self
    }

    /// Think time between a user's iterations (default none).
    pub fn think_time(mut self, think: Think) -> Users {
        self.think = think;
        self
    }

    /// Starts each user's iterations on a fixed cadence: an iteration is due
    /// one `period` after the user's previous one started. If the previous
    /// one ran longer than `period`, the next starts as soon as it ends and
    /// its latency is measured from its due instant (so a slow target cannot
    /// hide behind a late user); the cadence then resumes from that start,
    /// never in a burst of catch-up iterations. Replaces the think time.
    pub fn pacing(mut self, period: Duration) -> Users {
        self.pacing = Some(period);
        self
    }

    /// How long a user asked to stop during a ramp-down may finish its
    /// current iteration before it is interrupted (default: the executor's
    /// graceful stop).
    pub fn graceful_ramp_down(mut self, period: Duration) -> Users {
        self.graceful_ramp_down = Some(period);
        self
    }
}

impl From<Users> for Load {
    fn from(load: Users) -> Load {
        Load {
            stages: load.stages,
            start_after: load.start_after,
            model: Model::Users {
                members: load.members,
                think: load.think,
                pacing: load.pacing,
                graceful_ramp_down: load.graceful_ramp_down,
            },
        }
    }
}
