//! Compiler-output tests of `#[lot::scenario]`.
//!
//! The expected `.stderr` files are rustc 1.95's output; after a toolchain
//! change, review and regenerate them with `TRYBUILD=overwrite cargo test -p lot-macros`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
