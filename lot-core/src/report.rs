//! The value a run returns: [`Report`].

use std::process::{ExitCode, Termination};
use std::sync::atomic::{AtomicBool, Ordering};

use lot_report::Summary;

use crate::error::Error;

/// Exit status of a run in which a threshold failed (as k6's).
pub const EXIT_THRESHOLDS_FAILED: u8 = 99;

/// Exit status of a run whose configuration was invalid (sysexits' `EX_CONFIG`).
pub const EXIT_INVALID_CONFIG: u8 = 78;

/// Exit status of a run that could not write one of its outputs
/// (sysexits' `EX_IOERR`): at the end, or when the output's file could not
/// be created as the run started.
pub const EXIT_OUTPUT_FAILED: u8 = 74;

/// The outcome of [`Executor::run`](crate::executor::Executor::run): the run's
/// [`Summary`], or the configuration error that kept it from starting.
///
/// | exit status | meaning |
/// |---|---|
/// | 0 | the run completed, every threshold held and every output was written |
/// | 74 ([`EXIT_OUTPUT_FAILED`]) | an output could not be written (thresholds held), or its file could not be created when the run started (no load was sent) |
/// | 78 ([`EXIT_INVALID_CONFIG`]) | invalid configuration; no load was sent |
/// | 99 ([`EXIT_THRESHOLDS_FAILED`]) | a threshold failed (not for one shard of a distributed run: `lot-report merge` gates on the whole) |
///
/// The status reaches the process whichever way `main` is written:
///
/// - **`main` returns the `Report`** (`Report` implements [`Termination`]),
///   or `anyhow::Result<Report>`, where a setup error returned with `?`
///   before the run exits with status 1, as any Rust `main` that returns an
///   error does.
/// - **The `Report` is dropped unread**, as in `executor.run(scenario).await;`
///   in a `main` that returns `()`: if its status is not 0, dropping it ends
///   the process with that status, after one line on stderr saying why. Every
///   output has been written by then (or given up on, if the reporters
///   overran their time at the end of the run; each output is complete or
///   not written). So a failed threshold fails the CI job whatever the
///   program looks like, as k6's exit status 99 does. In a test, that ends
///   the whole test binary: a test of a run that may fail reads its report.
/// - **The `Report` is read**: once any of its accessors has been called
///   ([`summary`](Report::summary), [`exit_status`](Report::exit_status), ...),
///   the program has taken charge of the outcome, and dropping the report
///   does nothing. Tests that inspect a failed run keep running.
pub struct Report {
    outcome: Result<Summary, Error>,
    failed_outputs: Vec<String>,
    /// Whether the outcome has been looked at; an unread failed report ends
    /// the process when dropped.
    read: AtomicBool,
}

impl Report {
    pub(crate) fn completed(summary: Summary, failed_outputs: Vec<String>) -> Report {
        Report {
            outcome: Ok(summary),
            failed_outputs,
            read: AtomicBool::new(false),
        }
    }

    pub(crate) fn invalid(error: Error) -> Report {
        Report {
            outcome: Err(error),
            failed_outputs: Vec::new(),
            read: AtomicBool::new(false),
        }
    }

    /// The outcome, marked as read.
    fn outcome(&self) -> &Result<Summary, Error> {
        self.read.store(true, Ordering::Relaxed);
        &self.outcome
    }

    /// The results, unless the configuration was invalid.
    pub fn summary(&self) -> Option<&Summary> {
        self.outcome().as_ref().ok()
    }

    /// The results; panics with the configuration error if there are none.
    #[track_caller]
    pub fn expect_summary(&self) -> &Summary {
        match self.outcome() {
            Ok(s) => s,
            Err(e) => panic!("the run did not start: {e}"),
        }
    }

    /// The configuration error that kept the run from starting.
    pub fn error(&self) -> Option<&Error> {
        self.outcome().as_ref().err()
    }

    /// Names of the outputs or reporters that failed during the run.
    pub fn failed_outputs(&self) -> &[String] {
        self.read.store(true, Ordering::Relaxed);
        &self.failed_outputs
    }

    /// The exit status this report stands for (see the table above).
    pub fn exit_status(&self) -> u8 {
        self.read.store(true, Ordering::Relaxed);
        self.status().0
    }

    /// The exit status and, when it is not 0, why.
    fn status(&self) -> (u8, &'static str) {
        match &self.outcome {
            Err(e) if e.is_unwritable_output() => {
                (EXIT_OUTPUT_FAILED, "an output cannot be written")
            }
            Err(_) => (EXIT_INVALID_CONFIG, "invalid configuration"),
            // A shard's thresholds are measured on its share only: they are
            // reported, and `lot-report merge` gates on the whole run.
            Ok(s) if !s.thresholds_passed() && s.segment.is_none() => {
                (EXIT_THRESHOLDS_FAILED, "a threshold failed")
            }
            Ok(_) if !self.failed_outputs.is_empty() => {
                (EXIT_OUTPUT_FAILED, "an output could not be written")
            }
            Ok(_) => (0, ""),
        }
    }
}

impl Termination for Report {
    fn report(self) -> ExitCode {
        ExitCode::from(self.exit_status())
    }
}

impl Drop for Report {
    /// Ends the process with the report's exit status if nobody read it and
    /// the run failed: see the [type docs](Report).
    fn drop(&mut self) {
        // While a panic unwinds, the panic decides the outcome.
        if self.read.load(Ordering::Relaxed) || std::thread::panicking() {
            return;
        }
        let (status, why) = self.status();
        if status != 0 {
            eprintln!("lot: exit status {status}: {why}");
            lot_report::output::exit_removing_temp_files(i32::from(status));
        }
    }
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Report")
            .field("outcome", &self.outcome)
            .field("failed_outputs", &self.failed_outputs)
            .finish_non_exhaustive()
    }
}
