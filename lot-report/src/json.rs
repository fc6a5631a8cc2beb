//! The JSON output: the [`Summary`] document, written once at the end.

use async_trait::async_trait;

use crate::model::Summary;
use crate::output::Sink;
use crate::reporter::{BoxError, Reporter};

/// Writes the run's [`Summary`] as one pretty-printed JSON document.
#[derive(Debug)]
pub struct JsonReporter {
    sink: Sink,
}

impl JsonReporter {
    /// A reporter writing to an opened [`Sink`].
    pub fn new(sink: Sink) -> JsonReporter {
        JsonReporter { sink }
    }
}

/// Serializes a summary as the JSON results document.
pub fn to_json(summary: &Summary) -> String {
    let mut text =
        serde_json::to_string_pretty(summary).expect("a Summary holds only serializable data");
    text.push('\n');
    text
}

#[async_trait]
impl Reporter for JsonReporter {
    fn name(&self) -> String {
        format!("json ({})", self.sink.destination())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        self.sink.commit(to_json(summary).as_bytes())?;
        Ok(())
    }
}
