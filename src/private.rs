//! Support traits and functions for the code `#[lot::scenario]` generates.
//! Their diagnostics are what a user sees when a scenario fn has the wrong
//! shape.

/// What a scenario fn may return: any `Result` whose error converts into
/// `anyhow::Error`.
#[diagnostic::on_unimplemented(
    message = "a scenario must return a `Result`, not `{Self}`",
    label = "expected a `Result` whose error converts into `anyhow::Error`",
    note = "for example: `-> anyhow::Result<()>` or `-> Result<(), std::io::Error>`"
)]
pub trait IntoIterationResult {
    /// The iteration's outcome.
    fn into_iteration_result(self) -> anyhow::Result<()>;
}

impl<T, E: Into<anyhow::Error>> IntoIterationResult for Result<T, E> {
    fn into_iteration_result(self) -> anyhow::Result<()> {
        self.map(drop).map_err(Into::into)
    }
}

/// What a scenario fn's argument must be: cloned into every iteration's
/// `'static`, `Send` future, and shared between the executor's threads.
#[diagnostic::on_unimplemented(
    message = "scenario argument `{Self}` must be `Clone + Send + Sync + 'static`",
    label = "each iteration gets its own clone of this argument",
    note = "the scenario is shared between the executor's threads, and every iteration clones its arguments",
    note = "derive or implement `Clone`; share a value that is not `Clone` through `std::sync::Arc`, and state that changes through a `Mutex` or an atomic"
)]
pub trait ScenarioArgument: Clone + Send + Sync + 'static {}

impl<T: Clone + Send + Sync + 'static> ScenarioArgument for T {}

/// The copy of a scenario argument one iteration gets. Generated code names
/// the argument's type explicitly, so that a type which is not a
/// `ScenarioArgument` is reported at that type.
pub fn clone_argument<T: ScenarioArgument>(value: &T) -> T {
    value.clone()
}
