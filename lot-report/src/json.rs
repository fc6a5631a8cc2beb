//! The JSON output: the [`Summary`] document.

use crate::model::Summary;

/// Writes a summary as the JSON results document, pretty-printed, as
/// [`to_json`] makes it, without holding it whole.
pub fn write_json(summary: &Summary, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, summary).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// Serializes a summary as the JSON results document, pretty-printed
/// ([`write_json`] into a string).
pub fn to_json(summary: &Summary) -> String {
    let mut text = Vec::new();
    write_json(summary, &mut text).expect("a Summary holds only serializable data");
    String::from_utf8(text).expect("serde_json writes UTF-8")
}
