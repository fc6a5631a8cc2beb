//! lot's HDR histograms as Prometheus native histograms.
//!
//! A native histogram of schema `s` has buckets whose bounds are the powers
//! of `2^(2^-s)`: bucket `i` holds the values in `(2^((i-1)/2^s), 2^(i/2^s)]`
//! and the zero bucket the zeros. Each bucket of lot's HDR histogram (3
//! significant digits) goes, with its count, into the native bucket holding
//! its highest equivalent value: the value HDR's percentiles report, so a
//! percentile lot reports and the native bucket `histogram_quantile` finds
//! for the same quantile are the same bucket. The estimate lies inside that
//! bucket, as lot's percentile does: they differ by at most the bucket's
//! width, a fraction [`relative_error`] of its lower bound (2.2% at schema
//! 5, 0.27% at schema 8).
//!
//! Buckets are kept sparse (a map of the non-empty ones), so a histogram
//! costs memory for the buckets it fills, at most `32 × 2^s` over lot's range
//! of 1 µs to 1 h.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

use crate::proto::{self, BucketSpan};

/// The coarsest and finest schemas a native histogram may have whose
/// buckets are no wider than a power of two (Prometheus accepts -4 to 8).
pub(crate) const SCHEMAS: std::ops::RangeInclusive<i8> = 0..=8;

/// Prometheus's default width of the zero bucket, `2^-128`.
const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// The most a quantile from a native histogram of `schema` differs from
/// lot's own percentile of the same data, relative to it: the width of a
/// bucket over its lower bound, `2^(2^-schema) - 1` (0.0219 for schema 5,
/// 0.0027 for schema 8).
pub fn relative_error(schema: i8) -> f64 {
    2f64.powf(2f64.powi(-i32::from(schema))) - 1.0
}

/// A native histogram being filled: counts per bucket of one schema.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Native {
    schema: i8,
    buckets: BTreeMap<i32, u64>,
    zero: u64,
    count: u64,
    sum: f64,
}

impl Native {
    /// An empty histogram of `schema` (in [`SCHEMAS`]).
    pub(crate) fn new(schema: i8) -> Native {
        debug_assert!(SCHEMAS.contains(&schema));
        Native {
            schema,
            buckets: BTreeMap::new(),
            zero: 0,
            count: 0,
            sum: 0.0,
        }
    }

    /// The native histogram of `hdr`'s values divided by `unit` (1e6 turns
    /// lot's microseconds into seconds; 1 keeps plain values).
    pub(crate) fn of(schema: i8, hdr: &Histogram<u64>, unit: f64) -> Native {
        let mut native = Native::new(schema);
        native.add(hdr, unit);
        native
    }

    /// Adds `hdr`'s values divided by `unit`.
    pub(crate) fn add(&mut self, hdr: &Histogram<u64>, unit: f64) {
        if hdr.is_empty() {
            return;
        }
        for v in hdr.iter_recorded() {
            let n = v.count_since_last_iteration();
            let value = v.value_iterated_to() as f64 / unit;
            if value <= ZERO_THRESHOLD {
                self.zero += n;
            } else {
                *self.buckets.entry(index(value, self.schema)).or_default() += n;
            }
        }
        self.count += hdr.len();
        self.sum += hdr.mean() * hdr.len() as f64 / unit;
    }

    /// The remote-write message, at `timestamp` (Unix milliseconds).
    pub(crate) fn message(&self, timestamp: i64) -> proto::Histogram {
        let mut spans: Vec<BucketSpan> = Vec::new();
        let mut deltas = Vec::with_capacity(self.buckets.len());
        let (mut next, mut previous) = (None::<i32>, 0i64);
        for (&i, &n) in &self.buckets {
            match (next, spans.last_mut()) {
                (Some(expected), Some(span)) if expected == i => span.length += 1,
                _ => spans.push(BucketSpan {
                    offset: next.map_or(i, |end| i - end),
                    length: 1,
                }),
            }
            next = Some(i + 1);
            let n = i64::try_from(n).unwrap_or(i64::MAX);
            deltas.push(n - previous);
            previous = n;
        }
        proto::Histogram {
            count: self.count,
            sum: self.sum,
            schema: i32::from(self.schema),
            zero_threshold: ZERO_THRESHOLD,
            zero_count: self.zero,
            positive_spans: spans,
            positive_deltas: deltas,
            timestamp,
        }
    }
}

/// The bucket of schema `schema` holding `value` (> 0): the `i` with
/// `2^((i-1)/2^s) < value <= 2^(i/2^s)`.
fn index(value: f64, schema: i8) -> i32 {
    let per_octave = f64::from(1u32 << schema);
    let bound = |i: i32| (f64::from(i) / per_octave).exp2();
    let mut i = (value.log2() * per_octave).ceil() as i32;
    // log2 may round across a bound; settle on the exact bucket.
    while bound(i - 1) >= value {
        i -= 1;
    }
    while bound(i) < value {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_indices_follow_prometheus_bounds() {
        // Schema 0: (0.5, 1] is bucket 0, (1, 2] bucket 1, (0.25, 0.5] bucket -1.
        assert_eq!(index(1.0, 0), 0);
        assert_eq!(index(1.5, 0), 1);
        assert_eq!(index(2.0, 0), 1);
        assert_eq!(index(0.3, 0), -1);
        // Schema 3: 8 buckets per octave.
        assert_eq!(index(2.0, 3), 8);
        assert_eq!(index(2.0001, 3), 9);
        for schema in SCHEMAS {
            for value in [1e-6, 0.001234, 0.5, 1.0, 3.0, 3600.0] {
                let i = index(value, schema);
                let per = f64::from(1u32 << schema);
                assert!((f64::from(i - 1) / per).exp2() < value);
                assert!(value <= (f64::from(i) / per).exp2());
            }
        }
    }

    #[test]
    fn the_relative_error_is_a_bucket_width() {
        assert!((relative_error(5) - 0.021_897).abs() < 1e-6);
        assert!((relative_error(8) - 0.002_711).abs() < 1e-6);
        assert_eq!(relative_error(0), 1.0);
    }

    #[test]
    fn spans_and_deltas() {
        let mut h = lot_report::stats::new_histogram();
        // Schema 0 in seconds: 1 µs .. (values chosen in buckets -19, -18, -9).
        for (us, n) in [(2u64, 3u64), (3, 1), (4, 1), (2000, 5)] {
            h.record_n(us, n).unwrap();
        }
        h.record(0).unwrap();
        let m = Native::of(0, &h, 1e6).message(7);
        assert_eq!(m.count, 11);
        assert_eq!(m.zero_count, 1);
        // 2e-6 and 3e-6 are in (2^-19, 2^-18] (1.9e-6 to 3.8e-6): bucket -18;
        // 4e-6 in (2^-18, 2^-17]: -17; 2e-3 in (2^-9, 2^-8]: -8, 8 past -16.
        assert_eq!(
            m.positive_spans,
            [
                BucketSpan {
                    offset: -18,
                    length: 2
                },
                BucketSpan {
                    offset: 8,
                    length: 1
                }
            ]
        );
        assert_eq!(m.positive_deltas, [4, -3, 4]);
        assert_eq!(m.timestamp, 7);
        assert!((m.sum - (6.0 + 3.0 + 4.0 + 10_000.0) / 1e6).abs() < 1e-6);
    }
}
