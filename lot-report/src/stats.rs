//! Latency statistics and their lossless, portable encoding.
//!
//! Every duration distribution is an HDR histogram of microseconds (1 µs to
//! 1 hour, 3 significant digits; larger values are clamped to the highest
//! trackable value). [`Stats`] carries the usual percentiles for reading, and the
//! histogram itself in `hdr`: base64 of the standard HdrHistogram V2 deflate
//! encoding, which the Java, C, Go and Python HdrHistogram libraries decode too
//! (or, in the live snapshot, of the V2 encoding itself: [`HdrEncoding`]).
//! Merging results merges these histograms, so percentiles survive merging.

use std::sync::OnceLock;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::hdr::{Bounds, encode};
/// Re-exported from the encoder and decoder of `hdr` fields, which
/// report and take them.
pub use crate::hdr::{DecodeError, HdrEncoding};

/// Highest value a histogram tracks, in microseconds (one hour).
pub const HIGHEST_TRACKABLE_US: u64 = 3_600_000_000;

/// Significant decimal digits kept by every histogram.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// Highest plain value a custom value histogram tracks (2^40, about 10^12).
pub const HIGHEST_TRACKABLE_VALUE: u64 = 1 << 40;

/// A new, empty histogram with the bounds every lot duration histogram uses.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_TRACKABLE_US, SIGNIFICANT_DIGITS)
        .expect("constant bounds are valid: 1 <= low, high >= 2 * low, 3 significant digits")
}

/// A new, empty histogram for custom plain values (1 to [`HIGHEST_TRACKABLE_VALUE`]).
pub fn new_value_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_TRACKABLE_VALUE, SIGNIFICANT_DIGITS)
        .expect("constant bounds are valid: 1 <= low, high >= 2 * low, 3 significant digits")
}

/// The bounds of every duration histogram.
fn duration_bounds() -> &'static Bounds {
    static BOUNDS: OnceLock<Bounds> = OnceLock::new();
    BOUNDS.get_or_init(|| Bounds::of(&new_histogram()))
}

/// The bounds of every custom value histogram.
fn value_bounds() -> &'static Bounds {
    static BOUNDS: OnceLock<Bounds> = OnceLock::new();
    BOUNDS.get_or_init(|| Bounds::of(&new_value_histogram()))
}

/// Refuses a histogram of `held` values described as one of `count`.
fn agrees(held: u64, count: u64) -> Result<(), DecodeError> {
    if held == count {
        Ok(())
    } else {
        Err(DecodeError::new(format!(
            "holds {held} values but `count` is {count}"
        )))
    }
}

/// Decodes `hdr` into a histogram with the given bounds and checks that it
/// holds the `count` values its statistics say.
fn decode(hdr: &str, bounds: &Bounds, count: u64) -> Result<Histogram<u64>, DecodeError> {
    let h = crate::hdr::decode(hdr, bounds)?;
    agrees(h.len(), count)?;
    Ok(h)
}

/// Count, min, mean, p50, p90, p95, p99, p99.9 and max of a histogram (zeros when empty).
fn summarize(h: &Histogram<u64>) -> [u64; 9] {
    if h.is_empty() {
        return [0; 9];
    }
    [
        h.len(),
        h.min(),
        h.mean().round() as u64,
        h.value_at_quantile(0.50),
        h.value_at_quantile(0.90),
        h.value_at_quantile(0.95),
        h.value_at_quantile(0.99),
        h.value_at_quantile(0.999),
        h.max(),
    ]
}

/// Summary statistics of one duration distribution, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Number of recorded values.
    pub count: u64,
    /// Smallest value.
    pub min_us: u64,
    /// Arithmetic mean, rounded to the nearest microsecond.
    pub mean_us: u64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 95th percentile.
    pub p95_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Largest value.
    pub max_us: u64,
    /// The histogram: base64 of the HdrHistogram V2 deflate encoding (V2
    /// in the live snapshot: [`HdrEncoding`]).
    pub hdr: String,
}

impl Stats {
    /// Computes the statistics of `histogram` and encodes it.
    ///
    /// `histogram` has the bounds of [`new_histogram`], or its lowest value
    /// and precision sized to what it holds (grown as values come, up to
    /// the top of its largest value's bucket): `hdr` is then what the same
    /// values in a histogram of [`new_histogram`] encode to.
    pub fn from_histogram(histogram: &Histogram<u64>) -> Stats {
        Stats::encoded(histogram, HdrEncoding::Deflate)
    }

    /// [`Stats::from_histogram`], with `hdr` in `encoding`.
    pub fn encoded(histogram: &Histogram<u64>, encoding: HdrEncoding) -> Stats {
        let [
            count,
            min_us,
            mean_us,
            p50_us,
            p90_us,
            p95_us,
            p99_us,
            p999_us,
            max_us,
        ] = summarize(histogram);
        Stats {
            count,
            min_us,
            mean_us,
            p50_us,
            p90_us,
            p95_us,
            p99_us,
            p999_us,
            max_us,
            hdr: encode(histogram, duration_bounds(), encoding),
        }
    }

    /// Decodes the histogram carried in `hdr`: an error unless it is the
    /// V2 deflate (or V2) encoding of a histogram with the bounds of
    /// [`new_histogram`] holding `count` values. Decoding allocates a few
    /// hundred KiB at most, whatever `hdr` declares. An empty `hdr` is an
    /// empty histogram.
    pub fn histogram(&self) -> Result<Histogram<u64>, DecodeError> {
        decode(&self.hdr, duration_bounds(), self.count)
    }

    /// Checks `hdr` as [`Stats::histogram`] does, without building the
    /// histogram: the cost follows the length of `hdr` alone.
    pub fn check(&self) -> Result<(), DecodeError> {
        agrees(crate::hdr::count(&self.hdr, duration_bounds())?, self.count)
    }

    /// Min, mean, p50, p90, p95, p99, p99.9 and max, formatted for people:
    /// the columns of every latency table.
    pub fn columns(&self) -> [String; 8] {
        [
            self.min_us,
            self.mean_us,
            self.p50_us,
            self.p90_us,
            self.p95_us,
            self.p99_us,
            self.p999_us,
            self.max_us,
        ]
        .map(crate::units::fmt_us)
    }
}

/// The headers of [`Stats::columns`].
pub const STATS_COLUMNS: [&str; 8] = ["min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"];

/// Summary statistics of a custom histogram of plain (unitless) values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueStats {
    /// Number of recorded values.
    pub count: u64,
    /// Smallest value.
    pub min: u64,
    /// Arithmetic mean, rounded.
    pub mean: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 95th percentile.
    pub p95: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest value.
    pub max: u64,
    /// The histogram: base64 of the HdrHistogram V2 deflate encoding (V2
    /// in the live snapshot: [`HdrEncoding`]).
    pub hdr: String,
}

impl ValueStats {
    /// Computes the statistics of `histogram` and encodes it, as
    /// [`Stats::from_histogram`] does, with the bounds of
    /// [`new_value_histogram`].
    pub fn from_histogram(histogram: &Histogram<u64>) -> ValueStats {
        ValueStats::encoded(histogram, HdrEncoding::Deflate)
    }

    /// [`ValueStats::from_histogram`], with `hdr` in `encoding`.
    pub fn encoded(histogram: &Histogram<u64>, encoding: HdrEncoding) -> ValueStats {
        let [count, min, mean, p50, p90, p95, p99, p999, max] = summarize(histogram);
        ValueStats {
            count,
            min,
            mean,
            p50,
            p90,
            p95,
            p99,
            p999,
            max,
            hdr: encode(histogram, value_bounds(), encoding),
        }
    }

    /// Decodes the histogram carried in `hdr`, as [`Stats::histogram`] does,
    /// with the bounds of [`new_value_histogram`].
    pub fn histogram(&self) -> Result<Histogram<u64>, DecodeError> {
        decode(&self.hdr, value_bounds(), self.count)
    }

    /// Checks `hdr` as [`ValueStats::histogram`] does, without building the
    /// histogram.
    pub fn check(&self) -> Result<(), DecodeError> {
        agrees(crate::hdr::count(&self.hdr, value_bounds())?, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_histogram_has_zero_stats_and_decodes() {
        let stats = Stats::from_histogram(&new_histogram());
        assert_eq!(stats.count, 0);
        assert_eq!(stats.max_us, 0);
        assert_eq!(stats.histogram().unwrap().len(), 0);
    }

    #[test]
    fn stats_round_trip_through_hdr() {
        let mut h = new_histogram();
        for v in 1..=1000u64 {
            h.record(v).unwrap();
        }
        let stats = Stats::from_histogram(&h);
        assert_eq!(stats.count, 1000);
        assert_eq!(stats.min_us, 1);
        assert_eq!(stats.max_us, 1000);
        assert_eq!(stats.p50_us, 500);
        assert_eq!(stats.p99_us, 990);
        assert_eq!(stats.mean_us, 501);
        let decoded = stats.histogram().unwrap();
        assert_eq!(decoded, h);
        assert_eq!(Stats::from_histogram(&decoded), stats);
    }

    #[test]
    fn garbage_hdr_is_an_error() {
        let stats = Stats {
            hdr: "not base64!".into(),
            ..Stats::default()
        };
        assert!(
            stats
                .histogram()
                .unwrap_err()
                .to_string()
                .contains("base64")
        );
    }

    #[test]
    fn a_histogram_must_hold_its_count() {
        let mut h = new_histogram();
        h.record_n(10, 3).unwrap();
        let mut stats = Stats::from_histogram(&h);
        stats.count = 4;
        assert_eq!(
            stats.histogram().unwrap_err().to_string(),
            "holds 3 values but `count` is 4"
        );
        assert_eq!(stats.check(), stats.histogram().map(drop));
        // Durations and plain values have different bounds.
        let values = ValueStats {
            hdr: Stats::from_histogram(&h).hdr,
            count: 3,
            ..ValueStats::default()
        };
        assert_eq!(
            values.histogram().unwrap_err().to_string(),
            "not a histogram: it tracks 1 to 3600000000 at 3 significant digits; lot writes 1 to 1099511627776 at 3"
        );
        assert_eq!(values.check(), values.histogram().map(drop));
        assert!(Stats::default().histogram().unwrap().is_empty());
    }

    #[test]
    fn values_beyond_the_range_saturate() {
        let mut h = new_histogram();
        h.saturating_record(u64::MAX);
        assert_eq!(h.len(), 1);
        assert!(h.max() >= HIGHEST_TRACKABLE_US);
    }
}
