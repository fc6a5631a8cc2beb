//! Project automation for lot. Run `cargo xtask --help`.

use std::process::ExitCode;

mod bench;
mod tidy;

const HELP: &str = "\
cargo xtask: project automation for lot

USAGE:
    cargo xtask <TASK>

TASKS:
    bench     measure lot against wrk and oha on this machine, then soak lot::http at
              20,000/s for 120 s (memory, idle connections, server count = ok + failed);
              the no-op at 500,000/s and HTTP at 5,000/s also run with the exporter
              and the dashboard on; then lot-report compare of an hour's, a day's and
              an unfolded day's documents; --quick: under 3 minutes, without the soak
              and the unfolded day; --soak: only the soak; --https: only the HTTPS
              section; --compare: only compare; results in target/bench/<unix time>/
    ci        run what CI runs: fmt check, clippy -D warnings, doc -D warnings, tests
    tidy      check the sources' shape: no import cycle between a crate's files, no
              function over 150 lines, no file over 800 lines (tests aside)
    help      print this message
";

fn main() -> ExitCode {
    let task = std::env::args().nth(1);
    match task.as_deref() {
        None | Some("help" | "--help" | "-h") => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Some("ci") => ci(),
        Some("bench") => {
            let rest: Vec<String> = std::env::args().skip(2).collect();
            bench::run(&rest)
        }
        Some("tidy") => {
            let rest: Vec<String> = std::env::args().skip(2).collect();
            tidy::run(&rest)
        }
        Some(other) => {
            eprintln!("unknown task `{other}`; expected one of: bench, ci, tidy, help\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

/// A cargo invocation: its arguments and extra environment variables.
type Step = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// The checks CI runs, in order; the first failure stops the rest.
fn ci() -> ExitCode {
    let steps: &[Step] = &[
        (&["fmt", "--all", "--", "--check"], &[]),
        (
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
            &[],
        ),
        (
            &["doc", "--workspace", "--no-deps"],
            &[("RUSTDOCFLAGS", "-D warnings")],
        ),
        (&["test", "--workspace"], &[]),
    ];
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for (args, envs) in steps {
        eprintln!("$ cargo {}", args.join(" "));
        let status = std::process::Command::new(&cargo)
            .args(*args)
            .envs(envs.iter().copied())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("cargo {} failed: {s}", args.join(" "));
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("cannot run cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
