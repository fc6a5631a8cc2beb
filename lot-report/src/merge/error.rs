//! Why shards could not be merged, in messages that name the files.

use std::fmt;

/// Why shards could not be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeError(String);

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

pub(super) fn refuse(message: impl Into<String>) -> MergeError {
    MergeError(message.into())
}

/// The files, for a message: `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
pub(super) fn files(labels: &[&str]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
    match quoted.split_last() {
        None => "the shards".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

pub(super) fn overflow(labels: &[&str], field: &str) -> MergeError {
    refuse(format!(
        "cannot merge {}: {field} overflows u64",
        files(labels)
    ))
}
