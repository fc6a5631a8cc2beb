//! Support traits and functions for the code `#[lot::scenario]` generates.
//! Their diagnostics are what a user sees when a scenario fn has the wrong
//! shape.

/// What a scenario fn may return: a `Result`, whose error type
/// [`iteration_result`] then checks.
#[diagnostic::on_unimplemented(
    message = "a scenario must return a `Result`, not `{Self}`",
    label = "expected a `Result` whose error converts into `anyhow::Error`",
    note = "for example: `-> anyhow::Result<()>` or `-> Result<(), std::io::Error>`"
)]
pub trait IntoIterationResult {
    /// The error of the `Result`.
    type Error;

    /// The `Result` with its `Ok` value discarded.
    fn into_iteration_result(self) -> Result<(), Self::Error>;
}

impl<T, E> IntoIterationResult for Result<T, E> {
    type Error = E;

    fn into_iteration_result(self) -> Result<(), E> {
        self.map(drop)
    }
}

/// What the error of a scenario fn's `Result` must be: convertible into
/// `anyhow::Error`.
#[diagnostic::on_unimplemented(
    message = "a scenario's error type must convert into `anyhow::Error`, and `{Self}` does not",
    label = "expected a `Result` whose error converts into `anyhow::Error`",
    note = "errors that implement `std::error::Error + Send + Sync + 'static` convert; for a message, return `anyhow::Result` and use `anyhow::bail!` or `anyhow::anyhow!`"
)]
pub trait ScenarioError: Into<anyhow::Error> {}

impl<E: Into<anyhow::Error>> ScenarioError for E {}

/// The outcome of one iteration. The error type is checked here, as a bound
/// of its own rather than on [`IntoIterationResult`]'s impl, so that an
/// error type that does not convert is reported as such instead of as a
/// missing `std::error::Error` impl.
pub fn iteration_result<E: ScenarioError>(result: Result<(), E>) -> anyhow::Result<()> {
    result.map_err(Into::into)
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
