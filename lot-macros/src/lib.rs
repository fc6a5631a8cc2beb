//! The `#[lot::scenario]` attribute macro. Use it through the `lot` crate,
//! which re-exports it and provides the runtime paths the generated code uses.

#![warn(missing_docs)]

use proc_macro::TokenStream;

mod scenario;

/// Turns an `async fn` into a lot scenario.
///
/// ```
/// use std::sync::Arc;
///
/// /// No arguments: the fn's name is the scenario itself.
/// #[lot::scenario]
/// async fn health() -> anyhow::Result<()> {
///     Ok(())
/// }
///
/// /// With arguments: calling the fn builds the scenario; every iteration
/// /// gets its own clone of each argument.
/// #[lot::scenario(name = "checkout")]
/// async fn checkout(base: Arc<str>, attempts: u32) -> anyhow::Result<()> {
///     let cart = lot::step("add to cart", async { Ok::<_, anyhow::Error>(vec![1]) }).await?;
///     lot::check("cart is not empty", !cart.is_empty());
///     lot::counter("items added").add(cart.len() as u64);
///     Ok(())
/// }
///
/// # async fn demo() {
/// let mut executor = lot::Executor::new();
/// executor.add_stage(10, 10, std::time::Duration::from_secs(1));
/// executor.run(health).await;
/// # let mut executor = lot::Executor::new();
/// # executor.add_stage(10, 10, std::time::Duration::from_secs(1));
/// executor.run(checkout("http://127.0.0.1:8080".into(), 3)).await;
/// # }
/// ```
///
/// The fn becomes a type of the same name implementing
/// `lot::scenario::Scenario`: a unit struct when it takes no arguments, and
/// otherwise a struct holding the arguments plus a constructor fn of the same
/// name. Its visibility is kept.
///
/// - A scenario without arguments is a unit struct *value*: pass `health`
///   itself, not `health()`, to `Executor::run`. Like any unit struct, it
///   turns a `let health = ...` elsewhere in its scope into a pattern that
///   matches it, not a new variable.
/// - The generated type takes the fn's name in the type namespace as well as
///   in the value namespace, so a module, type or trait of the same name in
///   the same scope conflicts with it. Rename one of them; a renamed fn can
///   keep the name its results are reported under with `name = "..."`.
/// - Inside the body the fn's name is still the fn, as it would be without
///   the macro: a local variable may take it.
///
/// Attributes that describe the scenario as an item (doc comments, `cfg`,
/// `deprecated`, `must_use`) go on the generated type and constructor. Lint
/// levels (`allow`, `warn`, `deny`, `forbid`) go there and on the fn that
/// runs the body, as they would cover both the fn and its body. Every other
/// attribute (`#[expect(...)]`, `#[inline]`, `#[tracing::instrument]`, ...)
/// goes on the fn that runs the body, where it has its usual effect. The
/// parts of a `cfg_attr` are sorted the same way.
///
/// The fn must be a safe `async fn` with the Rust ABI, without `self` or
/// generic parameters, returning a `Result` whose error converts into
/// `anyhow::Error` (the `Ok` value is discarded). Arguments must be owned,
/// with no borrow anywhere in their type (`'static` references are fine), and
/// `Clone + Send + Sync + 'static`, since every iteration clones them and the
/// executor shares the scenario between threads: share large or non-`Clone`
/// state through an `Arc`, and state that changes through a `Mutex` or an
/// atomic.
///
/// Options:
///
/// | key | effect |
/// |---|---|
/// | `name = "..."` | the name results are reported under (default: the fn's name) |
/// | `crate = "path"` | where to find lot, when it is renamed in `Cargo.toml` (default `::lot`) |
#[proc_macro_attribute]
pub fn scenario(attr: TokenStream, item: TokenStream) -> TokenStream {
    scenario::expand(attr.into(), item.into()).into()
}
