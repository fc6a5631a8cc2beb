//! The remote-write 1.0 messages (`prometheus/prompb`: `remote.proto` and
//! `types.proto`), the fields lot sends, with prost's derive: no build
//! script. A request body is the protobuf encoding, compressed with snappy's
//! block format (not its framed format), as the protocol specifies.
//!
//! The `oneof` count fields of `Histogram` are declared as their integer
//! member alone: a `oneof` member is encoded as the plain field, so the
//! bytes are the same.

use prost::Message as _;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub(crate) timeseries: Vec<TimeSeries>,
}

/// `prometheus.TimeSeries`: labels sorted by name, then samples or
/// histograms in timestamp order.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TimeSeries {
    #[prost(message, repeated, tag = "1")]
    pub(crate) labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub(crate) samples: Vec<Sample>,
    #[prost(message, repeated, tag = "4")]
    pub(crate) histograms: Vec<Histogram>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, prost::Message)]
pub(crate) struct Label {
    #[prost(string, tag = "1")]
    pub(crate) name: String,
    #[prost(string, tag = "2")]
    pub(crate) value: String,
}

/// `prometheus.Sample`: a value at a Unix time in milliseconds.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Sample {
    #[prost(double, tag = "1")]
    pub(crate) value: f64,
    #[prost(int64, tag = "2")]
    pub(crate) timestamp: i64,
}

/// `prometheus.Histogram`, an integer native histogram: buckets of
/// `schema`, as spans of consecutive bucket indices and the deltas of
/// their counts (the first absolute, each next one from the one before).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Histogram {
    /// `count_int` of the `count` oneof.
    #[prost(uint64, tag = "1")]
    pub(crate) count: u64,
    #[prost(double, tag = "3")]
    pub(crate) sum: f64,
    #[prost(sint32, tag = "4")]
    pub(crate) schema: i32,
    #[prost(double, tag = "5")]
    pub(crate) zero_threshold: f64,
    /// `zero_count_int` of the `zero_count` oneof.
    #[prost(uint64, tag = "6")]
    pub(crate) zero_count: u64,
    #[prost(message, repeated, tag = "11")]
    pub(crate) positive_spans: Vec<BucketSpan>,
    #[prost(sint64, repeated, tag = "12")]
    pub(crate) positive_deltas: Vec<i64>,
    #[prost(int64, tag = "15")]
    pub(crate) timestamp: i64,
}

/// `prometheus.BucketSpan`: `length` consecutive buckets, starting
/// `offset` after the previous span's end (the first span: at index
/// `offset`).
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub(crate) struct BucketSpan {
    #[prost(sint32, tag = "1")]
    pub(crate) offset: i32,
    #[prost(uint32, tag = "2")]
    pub(crate) length: u32,
}

impl WriteRequest {
    /// The request's body: protobuf, then snappy's block format.
    pub(crate) fn body(&self) -> Vec<u8> {
        let bytes = self.encode_to_vec();
        snap::raw::Encoder::new()
            .compress_vec(&bytes)
            .expect("snappy compresses any input shorter than 4 GiB, and a batch is far shorter")
    }

    /// Samples and histograms in the request.
    pub(crate) fn points(&self) -> u64 {
        self.timeseries
            .iter()
            .map(|t| (t.samples.len() + t.histograms.len()) as u64)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_decompresses_and_decodes_to_the_request() {
        let request = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "__name__".into(),
                    value: "up".into(),
                }],
                samples: vec![Sample {
                    value: 1.0,
                    timestamp: 1_700_000_000_000,
                }],
                histograms: vec![],
            }],
        };
        let body = request.body();
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        assert_eq!(WriteRequest::decode(raw.as_slice()).unwrap(), request);
        assert_eq!(request.points(), 1);
    }
}
