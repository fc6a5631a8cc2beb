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
//! The HTTPS section (alone with `--https`) runs the server over TLS with
//! a self-signed certificate, and makes two comparisons in rounds, as the
//! fixed-rate one's: at 5,000/s over keep-alive, lot over 64 connections
//! (and with connections opened as needed), lot with reqwest and `oha -q
//! -c 64 --insecure` (targets: lot's CPU per request ≤ 0.6 × oha's, peak
//! RSS ≤ 64 MB); and new TLS connections at 1,000/s, every request with
//! `Connection: close`, lot against `oha --disable-keepalive`. The
//! server's count of handshakes, full and resumed, is shown for each tool.
//! Every fixed-rate row checks that the server counted each of lot's
//! requests (ok + failed).
//!
//! The soak (the last section; alone with `--soak`) runs `lot::http` at
//! 20,000/s for 120 s and records its resident memory and idle connections
//! every second: memory must not grow after the first 20 s (target: under
//! 5 %), idle connections must follow the load rather than its peaks, and
//! the server's count of requests must equal lot's ok + failed.
//!
//! With the exporter and the dashboard on (`lot-bench-gen --live`: remote
//! write to the server, which reads and discards it without counting it,
//! and the dashboard on a free port), the no-op at 500,000/s and HTTP at
//! 5,000/s run again in the same rounds as without; their rows show the
//! CPU time and peak RSS with them, the ratios live/off, and the
//! anonymous memory of each (`RssAnon`, sampled every 20 ms): the peak RSS
//! also counts the pages of the program's code the reporters run, which
//! the kernel maps ahead of use (fault-around, up to 64 KiB at a time).
//!
//! The compare section (alone with `--compare`) times `lot-report compare`
//! of two generated documents of 100 scenarios with a step each, of an
//! hour and a day of 1 s ticks kept as a run keeps them (target for the
//! day: under 2 s and 256 MB), and, without `--quick`, of a day of 86,400
//! 1 s intervals, whose documents take 15 GB of the target directory while
//! it runs.
//!
//! The sections run in this order, each in its module: `noop`, then
//! against the server `fixed_rate`, `https` (against its own server, over
//! TLS), `saturation` and `soak`, then `compare`; `report` writes what they
//! found.

use std::process::ExitCode;

mod compare;
mod fixed_rate;
mod https;
mod measure;
mod noop;
mod output;
mod plan;
mod report;
mod rounds;
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
    // The no-op's live runs send their remote writes to the server.
    let server = server::start(&setup.server_bin, setup.server_core, &mut log);
    if plan.runs("noop") {
        rows.extend(noop::rows(&plan, &setup, &server, &mut log));
    }
    if plan.runs("fixed_rate") {
        rows.push(fixed_rate::row(&plan, &setup, &server, &mut log));
    }
    if plan.runs("https") {
        rows.extend(https::rows(&plan, &setup, &mut log));
    }
    if plan.runs("saturation") {
        rows.extend(saturation::rows(&plan, &setup, &server, &mut log));
    }
    if let Some(secs) = plan.soak_secs {
        rows.push(soak::row(&setup, &server, secs, &mut log));
    }
    drop(server);
    if plan.runs("compare") {
        rows.extend(compare::rows(&plan, &setup, &mut log));
    }
    report::write(
        &setup.target,
        &plan,
        &rows,
        &setup.notes,
        &log,
        &setup.tools(),
    )
}
