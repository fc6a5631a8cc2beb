//! The comparison as its JSON document (schema in `docs/compare.md`).

use super::model::Comparison;

/// Renders the comparison as pretty-printed JSON, with a final newline.
pub fn render(c: &Comparison) -> String {
    let mut text = serde_json::to_string_pretty(c).expect(
        "a comparison serializes: its maps have string keys and its floats are finite or null",
    );
    text.push('\n');
    text
}
