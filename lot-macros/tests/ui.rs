//! Compiler-output tests of `#[lot::scenario]`.
//!
//! The `pass` cases compile on any toolchain. The `fail` cases compare
//! rustc's exact diagnostics with the `.stderr` files beside them, which are
//! rustc 1.95's output ([`WRITTEN_FOR`]): they run on that toolchain (which
//! CI uses, and where a mismatch fails), and on any other are skipped with a
//! note on the terminal, since another compiler words and places its
//! diagnostics differently. After a toolchain change, review and regenerate
//! them with `TRYBUILD=overwrite cargo test -p lot-macros` and change
//! [`WRITTEN_FOR`].

use std::io::Write;

/// The rustc release whose diagnostics the `.stderr` files hold.
const WRITTEN_FOR: &str = "1.95";

/// The `major.minor` of the rustc cargo builds with, such as `1.95`.
fn rustc_release() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    // `rustc 1.95.0 (59807616e 2026-04-14)`
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    Some(format!("{}.{}", parts.next()?, parts.next()?))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"))
}

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    let release = rustc_release();
    if release.as_deref() == Some(WRITTEN_FOR) {
        t.compile_fail("tests/ui/fail/*.rs");
        return;
    }
    let found = release.unwrap_or_else(|| "an unknown rustc".to_owned());
    assert!(
        !in_ci(),
        "CI runs the macro's diagnostics tests on rustc {WRITTEN_FOR}, not {found}"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED the compile_fail cases of lot-macros/tests/ui: their expected output is rustc {WRITTEN_FOR}'s, this is rustc {found}"
    );
}
