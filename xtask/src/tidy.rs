//! `cargo xtask tidy`: checks of the workspace's shape that the compiler
//! does not make, as rust-analyzer's tidy tests do.
//!
//! For every crate of the workspace (each member's `src/` and the root
//! package's, a library, a binary and each of `src/bin/` being crates of
//! their own):
//!
//! - **No import cycle between files.** A file depends on another when it
//!   names an item of it: in a `use` (nested groups included) or inline
//!   (`crate::a::f()`), through `crate::`, `super::`, `self::` or a child
//!   module's name. A path goes to the longest module prefix that is a file
//!   of the crate; an item that module imports (`pub use a::Item;` in the
//!   crate root, or any `use` a child can see) goes on to the module it
//!   comes from. An item defined in a parent (the crate root, a `mod.rs`)
//!   is a dependency on the parent's file like any other, so a child that
//!   uses it while the parent uses the child makes a cycle. A glob import
//!   (`pub use a::*;`) is not followed: what a path reaches through one
//!   counts as the importing module's. Each cycle is reported as its files,
//!   with the path behind each step of one cycle through them.
//! - **No function over 150 lines**, from its `fn` line to its closing
//!   brace.
//! - **No file over 800 lines**, not counting its `#[cfg(test)]` items.
//!
//! `#[cfg(test)]` items (the `mod tests` blocks, test-only fields and
//! imports) are left out of every check; tests in `tests/` are outside
//! `src/`. Comments, doc links included, are not dependencies.
//!
//! It reads the sources with a scanner rather than a parser, since xtask
//! has no dependencies: comments and the contents of string and character
//! literals are blanked first (lifetimes kept), so that what remains is code
//! whose braces can be matched and whose paths can be read from its tokens.
//! Macros are read as written, not expanded.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod cycles;
mod length;
mod scan;
mod tree;

use self::tree::Tree;

pub fn run(args: &[String]) -> ExitCode {
    if let Some(a) = args.first() {
        eprintln!("unknown option `{a}`; cargo xtask tidy takes none");
        return ExitCode::from(2);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is in the workspace");
    let findings = match check_workspace(root) {
        Ok(findings) => findings,
        Err(e) => {
            eprintln!("tidy: {e}");
            return ExitCode::FAILURE;
        }
    };
    for problem in &findings.problems {
        println!("{problem}");
    }
    match findings.problems.len() {
        0 => {
            println!("tidy: {} crates, no problems", findings.crates);
            ExitCode::SUCCESS
        }
        n => {
            let s = if n == 1 { "" } else { "s" };
            println!("tidy: {n} problem{s} in {} crates", findings.crates);
            ExitCode::FAILURE
        }
    }
}

/// What the checks found.
#[derive(Debug, Default)]
struct Findings {
    /// The crates checked.
    crates: usize,
    /// Each problem's text, crate by crate.
    problems: Vec<String>,
}

/// Checks every crate of the workspace at `root`.
fn check_workspace(root: &Path) -> Result<Findings, String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read {}: {e}", root.join("Cargo.toml").display()))?;
    let mut dirs = vec![root.to_path_buf()];
    dirs.extend(members(&manifest).iter().map(|m| root.join(m)));
    let read = |path: &Path| std::fs::read_to_string(path).ok();
    let mut findings = Findings::default();
    // A file included in two crates (`#[path]`) is measured once.
    let mut measured = BTreeSet::new();
    for dir in dirs {
        let src = dir.join("src");
        for crate_root in crate_roots(&src) {
            let tree = Tree::load(&crate_root, &read)?;
            findings.crates += 1;
            let name = |file: &Path| shown(file, &src);
            findings.problems.extend(
                cycles::cycles(&tree)
                    .iter()
                    .map(|cycle| cycle.describe(&shown(&src, root), &tree, &name)),
            );
            for source in &tree.sources {
                if measured.insert(source.file.clone()) {
                    findings
                        .problems
                        .extend(length::problems(source, &shown(&source.file, root)));
                }
            }
        }
    }
    Ok(findings)
}

/// `path` relative to `base`, or whole if it is not under it.
fn shown(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// The workspace's `members`, from its manifest.
fn members(manifest: &str) -> Vec<String> {
    let text: String = manifest
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let at = text
        .lines()
        .scan(0, |offset, line| {
            let at = *offset;
            *offset += line.len() + 1;
            Some((at, line))
        })
        .find(|(_, line)| line.trim_start().starts_with("members"))
        .map(|(at, _)| at);
    let Some(list) = at
        .and_then(|at| text[at..].split_once('['))
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
    else {
        return Vec::new();
    };
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The crates whose roots are in `src`: `lib.rs`, `main.rs`, and each
/// program of `src/bin/`.
fn crate_roots(src: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .filter(|p| p.is_file())
        .collect();
    let mut bins: Vec<PathBuf> = std::fs::read_dir(src.join("bin"))
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter_map(|p| {
            if p.is_dir() {
                Some(p.join("main.rs")).filter(|m| m.is_file())
            } else {
                p.extension().is_some_and(|e| e == "rs").then_some(p)
            }
        })
        .collect();
    bins.sort();
    roots.extend(bins);
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_a_manifest() {
        let manifest = "[workspace]\n\
            default-members = [\".\", \"z\"]\n\
            members = [\n    \"a\", # the first\n    \"b/c\",\n]\n\
            [workspace.package]\nversion = \"1\"\n";
        assert_eq!(members(manifest), ["a", "b/c"]);
    }

    #[test]
    fn workspace_is_tidy() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is in the workspace");
        let findings = check_workspace(root).expect("the workspace's sources are readable");
        assert!(
            findings.problems.is_empty(),
            "cargo xtask tidy:\n{}",
            findings.problems.join("\n")
        );
    }
}
