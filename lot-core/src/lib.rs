//! The engine of [lot](https://docs.rs/lot): scenarios, the stage math, the
//! exact arrival-rate executor and the per-thread recorders.
//!
//! Most users depend on the `lot` facade, which re-exports this crate's
//! public modules. Results are built in the types of [`lot_report`].

#![warn(missing_docs)]

mod closed;
mod collector;
pub mod context;
pub mod error;
pub mod executor;
pub mod load;
mod names;
mod open;
mod pacer;
mod recorder;
pub mod report;
pub mod scenario;
pub mod schedule;
pub mod settings;
mod slots;

pub use error::Error;
pub use executor::Executor;
pub use load::{Load, Think, UserScenario};
pub use recorder::{MAX_ERROR_KIND_LEN, MAX_ERROR_KINDS, OTHER_KIND};
pub use report::Report;
pub use scenario::Scenario;
