//! Configuration errors, reported before any load is sent.

use std::fmt;

use lot_report::{OutputError, ThresholdError};

use crate::schedule::PlanError;

/// An invalid configuration: the plan, a setting, an environment variable or
/// an output. Its message names the bad value and what was expected.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
}

/// What a message-only error is about, for its `is_*` predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Plan,
    Threshold,
    Distributed,
}

#[derive(Debug)]
enum Kind {
    Plan(PlanError),
    Load {
        index: usize,
        source: PlanError,
    },
    Output(OutputError, Option<&'static str>),
    Threshold(ThresholdError, Option<&'static str>),
    Env {
        var: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A configuration problem said in full, and what it is about.
    Message(Class, String),
    Flag {
        flag: String,
        value: String,
        expected: String,
    },
    Setting {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl Error {
    pub(crate) fn plan(e: PlanError) -> Error {
        Error {
            kind: Kind::Plan(e),
        }
    }

    /// The plan of load `index` (of `count`) is invalid.
    pub(crate) fn load(index: usize, count: usize, e: PlanError) -> Error {
        if count == 1 {
            return Error::plan(e);
        }
        Error {
            kind: Kind::Load { index, source: e },
        }
    }

    pub(crate) fn output(e: OutputError) -> Error {
        Error {
            kind: Kind::Output(e, None),
        }
    }

    /// An output given by `origin` (a variable or a flag) is invalid.
    pub(crate) fn output_from(origin: &'static str) -> impl Fn(OutputError) -> Error {
        move |e| Error {
            kind: Kind::Output(e, Some(origin)),
        }
    }

    pub(crate) fn threshold(origin: Option<&'static str>) -> impl Fn(ThresholdError) -> Error {
        move |e| Error {
            kind: Kind::Threshold(e, origin),
        }
    }

    pub(crate) fn env(var: &'static str, value: &str, expected: &'static str) -> Error {
        Error {
            kind: Kind::Env {
                var,
                value: value.to_owned(),
                expected,
            },
        }
    }

    /// A problem with the plan (stages, loads), said in full.
    pub(crate) fn plan_message(text: impl Into<String>) -> Error {
        Error {
            kind: Kind::Message(Class::Plan, text.into()),
        }
    }

    /// A problem with a threshold, said in full.
    pub(crate) fn threshold_message(text: impl Into<String>) -> Error {
        Error {
            kind: Kind::Message(Class::Threshold, text.into()),
        }
    }

    /// A problem with a distributed run's settings (its segment, its start
    /// time), said in full.
    pub(crate) fn distributed(text: impl Into<String>) -> Error {
        Error {
            kind: Kind::Message(Class::Distributed, text.into()),
        }
    }

    pub(crate) fn flag(flag: &str, value: &str, expected: impl Into<String>) -> Error {
        Error {
            kind: Kind::Flag {
                flag: flag.to_owned(),
                value: value.to_owned(),
                expected: expected.into(),
            },
        }
    }

    pub(crate) fn setting(
        name: &'static str,
        value: impl fmt::Debug,
        expected: &'static str,
    ) -> Error {
        Error {
            kind: Kind::Setting {
                name,
                value: format!("{value:?}"),
                expected,
            },
        }
    }

    /// Whether the stage plan is invalid (no stages, a bad rate).
    pub fn is_plan(&self) -> bool {
        matches!(
            self.kind,
            Kind::Plan(_) | Kind::Load { .. } | Kind::Message(Class::Plan, _)
        )
    }

    /// Whether an output is malformed or cannot be written.
    pub fn is_output(&self) -> bool {
        matches!(self.kind, Kind::Output(..))
    }

    /// Whether an output's destination cannot be written (a directory that
    /// does not exist, no permission), as opposed to a malformed entry. The
    /// run's exit status is then 74, not 78.
    pub fn is_unwritable_output(&self) -> bool {
        matches!(&self.kind, Kind::Output(e, _) if e.is_io())
    }

    /// Whether a threshold expression is invalid.
    pub fn is_threshold(&self) -> bool {
        matches!(
            self.kind,
            Kind::Threshold(..) | Kind::Message(Class::Threshold, _)
        )
    }

    /// Whether the settings of a distributed run are invalid: a segment
    /// without a start time, a start time too far in the past or future.
    pub fn is_distributed(&self) -> bool {
        matches!(self.kind, Kind::Message(Class::Distributed, _))
    }

    /// Whether an environment variable holds an invalid value.
    pub fn is_env(&self) -> bool {
        matches!(self.kind, Kind::Env { .. })
    }

    /// Whether a command-line flag is unknown or has an invalid value.
    pub fn is_flag(&self) -> bool {
        matches!(self.kind, Kind::Flag { .. })
    }

    /// Whether an executor setting (bound, timeout, interval) is invalid.
    pub fn is_setting(&self) -> bool {
        matches!(self.kind, Kind::Setting { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Plan(e) => write!(f, "invalid plan: {e}"),
            Kind::Load { index, source } => write!(f, "invalid plan of load {index}: {source}"),
            Kind::Output(e, None) => e.fmt(f),
            Kind::Output(e, Some(origin)) => write!(f, "{origin}: {e}"),
            Kind::Threshold(e, None) => e.fmt(f),
            Kind::Threshold(e, Some(origin)) => write!(f, "{origin}: {e}"),
            Kind::Env {
                var,
                value,
                expected,
            } => write!(f, "invalid {var}=`{value}`: expected {expected}"),
            Kind::Message(_, text) => f.write_str(text),
            Kind::Flag {
                flag,
                value,
                expected,
            } => write!(f, "invalid {flag} `{value}`: expected {expected}"),
            Kind::Setting {
                name,
                value,
                expected,
            } => write!(f, "invalid {name} {value}: expected {expected}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            Kind::Plan(e) | Kind::Load { source: e, .. } => Some(e),
            Kind::Output(e, _) => Some(e),
            Kind::Threshold(e, _) => Some(e),
            _ => None,
        }
    }
}
