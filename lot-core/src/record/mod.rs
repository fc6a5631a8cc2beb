//! Recording: what an iteration does (its outcome, steps, checks and
//! metrics) into the shard of the thread it runs on, without a global lock,
//! a channel send or an allocation.

pub mod context;
pub(crate) mod hist;
pub(crate) mod http;
pub(crate) mod names;
pub(crate) mod recorder;
pub(crate) mod shared;
