//! Shared code of the benchmark programs.

pub mod procfs;
