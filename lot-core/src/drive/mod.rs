//! Driving the loads: arrival-rate lanes (the open model) and users (the
//! closed model), the slots a lane polls its iterations from, the mix that
//! shares arrivals among scenarios, and the timer a lane sleeps on.

pub(crate) mod closed;
pub(crate) mod mix;
pub(crate) mod open;
mod pacer;
mod slots;
