//! What a test does when a real component it drives is not on the machine:
//! under CI (`CI` set, as CI services and `.ci/run` set it) it fails, since a
//! test that cannot run must not pass; elsewhere it is skipped with a reason
//! written straight to the terminal, past the test harness's capture of
//! passing tests' output, so the skip is seen.

use std::io::Write;

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

/// Fails the test under CI; otherwise says, visibly, that it is skipped
/// because `component` is missing, and how to install it.
#[track_caller]
pub fn missing(component: &str, install: &str) {
    assert!(
        !in_ci(),
        "{component} is missing, and CI must run this test ({install})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {}: {component} is missing ({install})",
        std::thread::current().name().unwrap_or("a test"),
    );
}
