//! What an interval carries for live reporters beyond the results
//! document, never serialized, and filled only when a reporter asks:
//!
//! - [`ScenarioInterval::histograms`](crate::ScenarioInterval::histograms),
//!   the interval's own histograms, for exporters that stream
//!   distributions rather than percentiles (Prometheus native histograms),
//!   when [`Reporter::wants_histograms`](crate::Reporter::wants_histograms);
//! - [`Interval::snapshot`](crate::Interval::snapshot), the run so far as
//!   a [`Summary`](crate::Summary) (without its interval series), every
//!   threshold evaluated on it in its `thresholds`, for a page that shows
//!   them live and an exporter that sends checks, error kinds and custom
//!   metrics as they go, when
//!   [`Reporter::wants_snapshot`](crate::Reporter::wants_snapshot). The
//!   collector builds it once per interval, however many reporters ask.
//!   Its `hdr` fields are in the V2 encoding, not deflated
//!   ([`HdrEncoding::Plain`](crate::HdrEncoding::Plain)): every reader of
//!   them takes it, and the run does not compress every histogram it has
//!   at every interval only to be read back.

use std::fmt;

use hdrhistogram::Histogram;

/// The histograms of one scenario over one interval, in microseconds: of
/// the iterations (ok or failed) and the steps that ended in it.
///
/// Each is sized to the values it holds: it has lot's precision and lowest
/// value, and its values, buckets and percentiles are those of lot's own
/// histogram, but its counts end at its highest value rather than at the
/// hour every lot histogram can hold ([`high`](Histogram::high) tells
/// where), so a copy costs a few KiB rather than 184 KiB. It grows when
/// larger values are added to it, and adds into any lot histogram.
#[derive(Clone, PartialEq)]
pub struct IntervalHistograms {
    /// Latency (from each iteration's intended start).
    pub latency: Histogram<u64>,
    /// Service time (from each iteration's actual start).
    pub service_time: Histogram<u64>,
    /// Schedule lag (actual start minus intended start).
    pub schedule_lag: Histogram<u64>,
    /// Each step's latency, in the order of the interval's
    /// [`steps`](crate::ScenarioInterval::steps).
    pub steps: Vec<Histogram<u64>>,
}

impl fmt::Debug for IntervalHistograms {
    // The buckets are thousands of counters: their totals say enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntervalHistograms")
            .field("latency", &self.latency.len())
            .field("service_time", &self.service_time.len())
            .field("schedule_lag", &self.schedule_lag.len())
            .field("steps", &self.steps.len())
            .finish()
    }
}
