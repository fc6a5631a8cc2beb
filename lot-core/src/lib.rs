//! The engine of [lot](https://docs.rs/lot): scenarios, the stage math, the
//! exact arrival-rate executor and the per-thread recorders.
//!
//! Most users depend on the `lot` facade, which re-exports this crate's
//! public modules. Results are built in the types of [`lot_report`].

#![warn(missing_docs)]

// The modules follow the run's pipeline; each imports only from those
// below it in this list (ARCHITECTURE.md has the map).
mod drive;
pub mod error;
pub mod executor;
mod plan;
mod record;
pub mod report;
mod run;
pub mod scenario;
pub mod schedule;
mod stop;

pub use plan::{load, settings};
pub use record::context;

pub use error::Error;
pub use executor::Executor;
pub use load::{Load, Think, UserScenario};
pub use record::recorder::{MAX_ERROR_KIND_LEN, MAX_ERROR_KINDS, OTHER_KIND};
pub use report::Report;
pub use scenario::Scenario;
