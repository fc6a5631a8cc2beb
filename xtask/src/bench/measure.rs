//! Running a command line to completion while its CPU time and peak memory
//! are read from `/proc/PID`, and recording it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::procfs;

/// What a measured process used.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Usage {
    pub(super) cpu: Duration,
    pub(super) peak_rss_kb: u64,
    /// The most anonymous memory (`RssAnon`: heap, stacks; not the
    /// program's code and data pages) seen at a sample: a peak between two
    /// samples can be missed.
    pub(super) peak_anon_kb: u64,
    wall: Duration,
}

impl Usage {
    /// The time from the start to the end of the process.
    pub(super) fn wall(&self) -> Duration {
        self.wall
    }
}

/// One command line, run to completion while its usage is sampled.
pub(super) struct Run {
    /// Its standard output, then its standard error.
    pub(super) stdout: String,
    pub(super) usage: Usage,
}

/// `program args`, on `core` if one is given (through `taskset`).
pub(super) fn pinned(core: Option<usize>, program: &Path, args: &[String]) -> Command {
    match core {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(core.to_string()).arg(program).args(args);
            c
        }
        None => {
            let mut c = Command::new(program);
            c.args(args);
            c
        }
    }
}

/// The command line as a shell would take it.
pub(super) fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.contains(' ') {
            let _ = write!(text, " '{a}'");
        } else {
            let _ = write!(text, " {a}");
        }
    }
    text
}

/// Runs `cmd`, sampling `/proc/PID` every 20 ms, and records the command line.
pub(super) fn measure(mut cmd: Command, log: &mut Vec<String>) -> Run {
    log.push(describe(&cmd));
    let started = Instant::now();
    let mut child = match cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start `{}`: {e}", describe(&cmd));
            return Run {
                stdout: String::new(),
                usage: Usage::default(),
            };
        }
    };
    let pid = child.id().to_string();
    let out = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || std::io::read_to_string(out).unwrap_or_default());
    let err = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || std::io::read_to_string(err).unwrap_or_default());
    let mut usage = Usage::default();
    let status = loop {
        // `taskset` execs the tool, so the pid is the tool's own.
        if let Some(cpu) = procfs::cpu_time_of(&pid) {
            usage.cpu = cpu;
        }
        if let Some(kb) = procfs::status_kb(&pid, "VmHWM") {
            usage.peak_rss_kb = kb;
        }
        if let Some(kb) = procfs::status_kb(&pid, "RssAnon") {
            usage.peak_anon_kb = usage.peak_anon_kb.max(kb);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break child.wait().expect("waiting for a benchmark child"),
        }
    };
    usage.wall = started.elapsed();
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        eprintln!(
            "`{}` failed ({status}):\n{stderr}",
            log.last().map_or("", String::as_str)
        );
    }
    Run {
        stdout: format!("{stdout}{stderr}"),
        usage,
    }
}

/// CPU time per unit of `n` (iterations, requests) in microseconds, or NaN
/// for none.
pub(super) fn us_per(cpu: Duration, n: f64) -> f64 {
    if n > 0.0 {
        cpu.as_secs_f64() * 1e6 / n
    } else {
        f64::NAN
    }
}

/// Kilobytes as megabytes with one decimal: `12.3MB`.
pub(super) fn mb(kb: u64) -> String {
    format!("{:.1}MB", kb as f64 / 1024.0)
}
