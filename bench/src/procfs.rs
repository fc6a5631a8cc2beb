//! Reading a process's CPU time and memory from `/proc` (Linux). Shared by
//! the benchmark programs and `cargo xtask bench` (which includes this file
//! by path, to stay free of dependencies).

use std::time::Duration;

/// CPU time (user + system) this process has used, from `/proc/self/stat`.
pub fn cpu_time() -> Option<Duration> {
    cpu_time_of("self")
}

/// CPU time (user + system, all threads) of process `pid` (`"self"` for this one).
pub fn cpu_time_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // The kernel reports clock ticks; USER_HZ is 100 on Linux.
    Some(Duration::from_millis((utime + stime) * 10))
}

/// A `kB` field of `/proc/PID/status`, such as `VmRSS` or `VmHWM` (peak RSS).
pub fn status_kb(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
