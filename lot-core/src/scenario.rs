//! What a load test runs: the [`Scenario`] trait.

use std::future::Future;

/// One iteration of user behaviour, started once per arrival.
///
/// `run` is called on the scheduler for every arrival and must return quickly:
/// it builds the iteration's future (typically cloning a client), which the
/// scheduler's lane that launched it polls (in the open model; a user's task
/// in the closed model). Like any async code, the future must not block its
/// thread: that holds up its lane's other iterations. The future is timed
/// from the arrival's *intended* instant, so queueing anywhere, in lot or in
/// the target, shows up in the latency.
///
/// An `Err` counts the iteration as failed, with the error's display text as its
/// kind; a panic is caught and counted as `panic: <message>`; either way the
/// run goes on.
///
/// ```
/// use std::future::Future;
/// use lot_core::scenario::Scenario;
///
/// struct Ping {
///     counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
/// }
///
/// impl Scenario for Ping {
///     fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static {
///         let counter = self.counter.clone();
///         async move {
///             counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///             Ok(())
///         }
///     }
/// }
/// ```
///
/// A closure returning a future is a scenario too:
/// `executor.run(|| async { Ok(()) })`.
pub trait Scenario {
    /// Builds the future of one iteration.
    fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static;

    /// The name results are reported under. Defaults to the type's name
    /// without its path (`CallLocalhost`), or `default` for a closure.
    fn name(&self) -> &str {
        type_short_name(std::any::type_name::<Self>())
    }
}

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
/// Any [`Scenario`] is also usable as a user scenario, with no state: add
/// it to a [`Load::users`](crate::load::Load::users) load with `scenario`.
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
        type_short_name(std::any::type_name::<Self>())
    }
}

impl<F, Fut> Scenario for F
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static {
        self()
    }
}

/// A scenario reported under a name of its caller's choosing; see [`named`].
#[derive(Clone, Debug)]
pub struct Named<S> {
    name: String,
    scenario: S,
}

/// Reports `scenario` under `name` instead of its default name.
///
/// ```
/// use lot_core::scenario::{Scenario, named};
/// let s = named("health", || async { Ok(()) });
/// assert_eq!(s.name(), "health");
/// ```
pub fn named<S: Scenario>(name: impl Into<String>, scenario: S) -> Named<S> {
    Named {
        name: name.into(),
        scenario,
    }
}

impl<S: Scenario> Scenario for Named<S> {
    fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static {
        self.scenario.run()
    }

    fn name(&self) -> &str {
        &self.name
    }
}

fn type_short_name(full: &'static str) -> &'static str {
    if full.contains("{{closure}}") {
        return "default";
    }
    let without_generics = full.split('<').next().unwrap_or(full);
    without_generics
        .rsplit("::")
        .next()
        .unwrap_or(without_generics)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct CallLocalhost;

    impl Scenario for CallLocalhost {
        #[allow(clippy::manual_async_fn)]
        fn run(&self) -> impl Future<Output = anyhow::Result<()>> + Send + 'static {
            async { Ok(()) }
        }
    }

    #[test]
    fn default_names() {
        assert_eq!(CallLocalhost.name(), "CallLocalhost");
        assert_eq!((|| async { Ok(()) }).name(), "default");
        assert_eq!(type_short_name("a::b::Thing<c::D>"), "Thing");
        assert_eq!(named("x", CallLocalhost).name(), "x");
    }
}
