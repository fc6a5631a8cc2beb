//! The value a run returns: [`Report`].

use std::process::{ExitCode, Termination};

use lot_report::Summary;

use crate::error::Error;

/// Exit status of a run in which a threshold failed (as k6's).
pub const EXIT_THRESHOLDS_FAILED: u8 = 99;

/// Exit status of a run whose configuration was invalid (sysexits' `EX_CONFIG`).
pub const EXIT_INVALID_CONFIG: u8 = 78;

/// Exit status of a run that completed but could not write one of its
/// outputs (sysexits' `EX_IOERR`).
pub const EXIT_OUTPUT_FAILED: u8 = 74;

/// The outcome of [`Executor::run`](crate::executor::Executor::run): the run's
/// [`Summary`], or the configuration error that kept it from starting.
///
/// `Report` implements [`Termination`], so `main` can return it:
///
/// | exit status | meaning |
/// |---|---|
/// | 0 | the run completed, every threshold held and every output was written |
/// | 74 ([`EXIT_OUTPUT_FAILED`]) | an output could not be written (thresholds held) |
/// | 78 ([`EXIT_INVALID_CONFIG`]) | invalid configuration; no load was sent |
/// | 99 ([`EXIT_THRESHOLDS_FAILED`]) | a threshold failed (not for one shard of a distributed run: `lot-report merge` gates on the whole) |
#[derive(Debug)]
pub struct Report {
    outcome: Result<Summary, Error>,
    failed_outputs: Vec<String>,
}

impl Report {
    pub(crate) fn completed(summary: Summary, failed_outputs: Vec<String>) -> Report {
        Report {
            outcome: Ok(summary),
            failed_outputs,
        }
    }

    pub(crate) fn invalid(error: Error) -> Report {
        Report {
            outcome: Err(error),
            failed_outputs: Vec::new(),
        }
    }

    /// The results, unless the configuration was invalid.
    pub fn summary(&self) -> Option<&Summary> {
        self.outcome.as_ref().ok()
    }

    /// The results; panics with the configuration error if there are none.
    #[track_caller]
    pub fn expect_summary(&self) -> &Summary {
        match &self.outcome {
            Ok(s) => s,
            Err(e) => panic!("the run did not start: {e}"),
        }
    }

    /// The configuration error that kept the run from starting.
    pub fn error(&self) -> Option<&Error> {
        self.outcome.as_ref().err()
    }

    /// Names of the outputs or reporters that failed during the run.
    pub fn failed_outputs(&self) -> &[String] {
        &self.failed_outputs
    }

    /// The exit status this report stands for (see the table above).
    pub fn exit_status(&self) -> u8 {
        match &self.outcome {
            Err(_) => EXIT_INVALID_CONFIG,
            // A shard's thresholds are measured on its share only: they are
            // reported, and `lot-report merge` gates on the whole run.
            Ok(s) if !s.thresholds_passed() && s.segment.is_none() => EXIT_THRESHOLDS_FAILED,
            Ok(_) if !self.failed_outputs.is_empty() => EXIT_OUTPUT_FAILED,
            Ok(_) => 0,
        }
    }
}

impl Termination for Report {
    fn report(self) -> ExitCode {
        ExitCode::from(self.exit_status())
    }
}
