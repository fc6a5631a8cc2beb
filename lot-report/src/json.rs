//! The JSON output: the [`Summary`] document.

use crate::model::Summary;

/// Serializes a summary as the JSON results document, pretty-printed.
pub fn to_json(summary: &Summary) -> String {
    let mut text =
        serde_json::to_string_pretty(summary).expect("a Summary holds only serializable data");
    text.push('\n');
    text
}
