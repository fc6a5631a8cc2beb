//! `cargo xtask bench`: lot against wrk and oha on this machine, side by side.
//!
//! Every comparison runs in the same invocation against the same target (a
//! one-thread hyper server, `lot-bench-server`), so a noisy machine still
//! gives stable ratios. With two or more cores the generator is pinned to
//! core 0 and the server to core 1 (`taskset`). CPU time and peak RSS of every
//! tool are read the same way, from `/proc/PID` while it runs. The
//! fixed-rate comparison runs in rounds (three, one with `--quick`) of lot,
//! lot with reqwest and oha, and reports the median of the rounds' ratios;
//! wrk's closed-loop maximum is taken before lot's search and again after
//! it, and lot is compared with the higher; a rate lot fails to sustain is
//! tried once more.
//!
//! The soak (the last section; alone with `--soak`) runs `lot::http` at
//! 20,000/s for 120 s and records its resident memory and idle connections
//! every second: memory must not grow after the first 20 s (target: under
//! 5 %), idle connections must follow the load rather than its peaks, and
//! the server's count of requests must equal lot's ok + failed.
//!
//! The sections run in this order, each in its module: `noop`, then
//! against the server `fixed_rate`, `saturation` and `soak`; `report`
//! writes what they found.

use std::process::ExitCode;

mod fixed_rate;
mod measure;
mod noop;
mod output;
mod plan;
mod report;
mod saturation;
mod server;
mod setup;
mod soak;

// Shared with the benchmark programs, which use all of it.
#[allow(dead_code)]
#[path = "../../../bench/src/procfs.rs"]
mod procfs;

use self::plan::Plan;
use self::setup::Setup;

pub fn run(args: &[String]) -> ExitCode {
    let plan = match Plan::from_args(args) {
        Ok(plan) => plan,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let Some(setup) = Setup::prepare() else {
        return ExitCode::FAILURE;
    };
    let mut log = Vec::new();
    let mut rows = Vec::new();
    if !plan.soak_only {
        rows.extend(noop::rows(&plan, &setup, &mut log));
    }
    let server = server::start(&setup.server_bin, setup.server_core, &mut log);
    if !plan.soak_only {
        rows.push(fixed_rate::row(&plan, &setup, &server, &mut log));
        rows.extend(saturation::rows(&plan, &setup, &server, &mut log));
    }
    if let Some(secs) = plan.soak_secs {
        rows.push(soak::row(&setup, &server, secs, &mut log));
    }
    drop(server);
    report::write(
        &setup.target,
        &plan,
        &rows,
        &setup.notes,
        &log,
        &setup.tools(),
    )
}
