//! The encoder, and a bounded decoder, of the HdrHistogram V2 encodings
//! the `hdr` fields carry: V2 deflate in results documents, V2 itself in
//! the live snapshot ([`HdrEncoding`](crate::HdrEncoding)).
//!
//! hdrhistogram's own `Deserializer` trusts its input: it allocates the
//! payload length the header declares (up to 4 GiB, zero-filled) and a counts
//! array for whatever range the header declares, before it reads a byte of
//! counts. A results file comes from anywhere, so this module checks the
//! encoding before anything is allocated from it:
//!
//! ```text
//! V2 deflate: u32 cookie 0x1c849314, u32 length of the zlib stream, then
//! the zlib stream of the V2 encoding;
//! V2:
//!   u32 cookie 0x1c849313, u32 payload length (bytes of counts),
//!   u32 normalizing index offset, u32 significant digits,
//!   u64 lowest discernible value, u64 highest trackable value,
//!   f64 integer-to-double conversion ratio,
//!   payload: the counts array, each a zigzag LEB128 varint of at most 9
//!   bytes, a negative value -n standing for n zero counts
//! ```
//!
//! (all big-endian). The range and precision must be exactly those of the
//! histogram lot writes for the field, which fixes the length of its counts
//! array, so a payload longer than 9 bytes per count is refused; the counts
//! (inflated from the zlib stream, for V2 deflate) are read through a reader
//! that stops one byte past the declared length. The counts are then walked once more here, in full, so the indices
//! stay inside the array and the total fits a `u64` (hdrhistogram saturates
//! it, and negates zero runs without a check) before hdrhistogram builds the
//! histogram from the now-trusted bytes. Memory is a few hundred KiB per
//! histogram, whatever the input declares.

use std::fmt;
use std::io::{Read, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer as _, V2Serializer};

/// A `hdr` field that does not hold a histogram, or not the one its
/// statistics describe. Its text says what is wrong with the encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(String);

impl DecodeError {
    pub(crate) fn new(message: String) -> DecodeError {
        DecodeError(message)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// How a `hdr` field encodes its histogram. Both are HdrHistogram's own
/// encodings, and every reader of `hdr` fields ([`Stats::histogram`](crate::Stats::histogram),
/// merging, comparing, thresholds) takes either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HdrEncoding {
    /// The V2 deflate encoding: what results documents carry.
    #[default]
    Deflate,
    /// The V2 encoding, not deflated: a few times longer, but written
    /// without a compressor's time and its few hundred KiB of state. The
    /// run so far that live reporters receive every interval
    /// ([`Interval::snapshot`](crate::Interval::snapshot)) is encoded so.
    Plain,
}

/// The outer cookie of the V2 deflate encoding.
const V2_DEFLATE_COOKIE: u32 = 0x1c84_9314;
/// The cookie of the (inflated) V2 encoding.
const V2_COOKIE: u32 = 0x1c84_9313;
/// Bytes of the V2 header, cookie included.
const V2_HEADER: usize = 40;
/// Where the V2 header holds the highest trackable value.
const HIGH_AT: usize = 24;
/// Longest varint of the counts encoding.
const MAX_VARINT: usize = 9;

fn invalid(reason: impl Into<String>) -> DecodeError {
    DecodeError::new(format!("not a histogram: {}", reason.into()))
}

/// The most bytes zlib can make of `n` bytes: zlib's own `compressBound`.
fn zlib_bound(n: usize) -> usize {
    n + (n >> 12) + (n >> 14) + (n >> 25) + 13
}

/// What a histogram of lot's is: the bounds of the histogram every `hdr` of
/// a kind encodes, and the length of its counts array.
pub(crate) struct Bounds {
    low: u64,
    high: u64,
    digits: u8,
    counts_len: usize,
}

impl Bounds {
    /// The bounds of `like`, an empty histogram.
    pub(crate) fn of(like: &Histogram<u64>) -> Bounds {
        Bounds {
            low: like.low(),
            high: like.high(),
            digits: like.sigfig(),
            counts_len: like.distinct_values(),
        }
    }
}

/// Encodes `histogram` as a `hdr` field of `bounds`' kind: base64 of the
/// V2 deflate encoding, the bytes hdrhistogram's `V2DeflateSerializer`
/// writes, or of the V2 encoding (`V2Serializer`'s) for
/// [`HdrEncoding::Plain`]. A histogram sized otherwise, with `bounds`' lowest value and
/// precision and no more counts (the run's accumulators start small and
/// grow with what they are given, up to the top of the largest value's
/// bucket), is written as one of `bounds`: V2's counts depend on the
/// lowest value and the precision alone, so the encodings differ only in
/// the header's highest trackable value, written as `bounds`'.
pub(crate) fn encode(histogram: &Histogram<u64>, bounds: &Bounds, encoding: HdrEncoding) -> String {
    let mut v2 = Vec::new();
    V2Serializer::new()
        .serialize(histogram, &mut v2)
        .expect("serializing into a Vec cannot fail for a histogram of u64 counts");
    // Sized otherwise than lot's but with its counts' layout: trimmed
    // below the hour, or grown by `add` to the top of a value's bucket
    // just past it (the counts of lot's own histogram reach that far).
    let resized = histogram.low() == bounds.low
        && histogram.sigfig() == bounds.digits
        && histogram.high() != bounds.high
        && histogram.distinct_values() <= bounds.counts_len;
    if resized {
        v2[HIGH_AT..HIGH_AT + 8].copy_from_slice(&bounds.high.to_be_bytes());
    }
    if encoding == HdrEncoding::Plain {
        return STANDARD.encode(&v2);
    }
    let mut out = Vec::with_capacity(8 + v2.len() / 2);
    out.extend_from_slice(&V2_DEFLATE_COOKIE.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    let mut zlib = ZlibEncoder::new(out, Compression::default());
    let mut out = zlib
        .write_all(&v2)
        .and_then(|()| zlib.finish())
        .expect("compressing into a Vec cannot fail");
    let compressed = u32::try_from(out.len() - 8).expect("a histogram's encoding fits in 4 GiB");
    out[4..8].copy_from_slice(&compressed.to_be_bytes());
    STANDARD.encode(&out)
}

/// Decodes `hdr` (base64 of the V2 deflate or the V2 encoding) into a histogram with
/// the given bounds, refusing any other bounds and any encoding that does not
/// add up. An empty `hdr` is an empty histogram.
pub(crate) fn decode(hdr: &str, bounds: &Bounds) -> Result<Histogram<u64>, DecodeError> {
    let Some((v2, _)) = inflate(hdr, bounds)? else {
        return Histogram::new_with_bounds(bounds.low, bounds.high, bounds.digits)
            .map_err(|e| invalid(format!("{e:?}")));
    };
    Deserializer::new()
        .deserialize(&mut v2.as_slice())
        .map_err(|e| invalid(e.to_string()))
}

/// Checks `hdr` as [`decode`] does, without building the histogram, and
/// returns how many values it holds.
pub(crate) fn count(hdr: &str, bounds: &Bounds) -> Result<u64, DecodeError> {
    Ok(inflate(hdr, bounds)?.map_or(0, |(_, total)| total))
}

/// The checked V2 encoding (header and counts) `hdr` holds, and its total
/// count; `None` for an empty `hdr`.
fn inflate(hdr: &str, bounds: &Bounds) -> Result<Option<(Vec<u8>, u64)>, DecodeError> {
    if hdr.is_empty() {
        return Ok(None);
    }
    let counts_len = bounds.counts_len;
    let max_payload = counts_len * MAX_VARINT;
    // The longer of the two encodings: zlib's worst case is longer than
    // the V2 it holds.
    let max_encoded = 8 + zlib_bound(V2_HEADER + max_payload);
    // Refuse an oversized field before decoding it: base64 takes 4
    // characters for every 3 bytes.
    let max_chars = max_encoded.div_ceil(3) * 4;
    if hdr.len() > max_chars {
        return Err(invalid(format!(
            "{} characters of base64; a lot histogram takes at most {max_chars}",
            hdr.len()
        )));
    }
    let bytes = STANDARD
        .decode(hdr.as_bytes())
        .map_err(|e| invalid(format!("not valid base64: {e}")))?;
    let Some(cookie) = be_u32(&bytes, 0) else {
        return Err(invalid(format!(
            "{} bytes, too few for an HdrHistogram V2 encoding",
            bytes.len()
        )));
    };
    let v2 = match cookie {
        V2_DEFLATE_COOKIE => {
            let Some(compressed_len) = be_u32(&bytes, 4) else {
                return Err(invalid(format!(
                    "{} bytes, too few for the HdrHistogram V2 deflate encoding",
                    bytes.len()
                )));
            };
            let compressed = &bytes[8..];
            if compressed_len as usize != compressed.len() {
                return Err(invalid(format!(
                    "it declares {compressed_len} compressed bytes but holds {}",
                    compressed.len()
                )));
            }
            read_v2(ZlibDecoder::new(compressed), bounds, "its zlib stream")?
        }
        V2_COOKIE => read_v2(bytes.as_slice(), bounds, "it")?,
        _ => {
            return Err(invalid(format!(
                "the cookie is {cookie:#010x}; expected {V2_DEFLATE_COOKIE:#010x} (HdrHistogram V2 deflate) or {V2_COOKIE:#010x} (V2)"
            )));
        }
    };
    let total = check_counts(&v2[V2_HEADER..], bounds.counts_len)?;
    Ok(Some((v2, total)))
}

/// Reads a V2 encoding (header and counts) from `source`, `what` in its
/// errors: its header must be `bounds'`, and its counts exactly as long as
/// the header declares and no longer than a histogram of `bounds` takes.
/// At most one byte past the declared length is read.
fn read_v2(mut source: impl Read, bounds: &Bounds, what: &str) -> Result<Vec<u8>, DecodeError> {
    let max_payload = bounds.counts_len * MAX_VARINT;
    let mut v2 = vec![0u8; V2_HEADER];
    source.read_exact(&mut v2).map_err(|e| {
        invalid(format!(
            "{what} does not hold a V2 header ({V2_HEADER} bytes): {e}"
        ))
    })?;
    let field = |at: usize| be_u32(&v2, at).unwrap_or_default();
    let wide = |at: usize| be_u64(&v2, at).unwrap_or_default();
    let (inner, payload_len, offset, digits) = (field(0), field(4), field(8), field(12));
    let (low, high, ratio) = (wide(16), wide(HIGH_AT), f64::from_bits(wide(32)));
    if inner != V2_COOKIE {
        return Err(invalid(format!(
            "the inner cookie is {inner:#010x}; expected {V2_COOKIE:#010x} (HdrHistogram V2)"
        )));
    }
    if (low, high, digits) != (bounds.low, bounds.high, u32::from(bounds.digits)) {
        return Err(invalid(format!(
            "it tracks {low} to {high} at {digits} significant digits; lot writes {} to {} at {}",
            bounds.low, bounds.high, bounds.digits
        )));
    }
    if offset != 0 || ratio != 1.0 {
        return Err(invalid(format!(
            "it has a normalizing offset of {offset} and a conversion ratio of {ratio}; lot writes 0 and 1"
        )));
    }
    let payload_len = payload_len as usize;
    if payload_len > max_payload {
        return Err(invalid(format!(
            "it declares {payload_len} bytes of counts; a histogram of its range takes at most {max_payload}"
        )));
    }
    // One byte more than declared, to tell an exact payload from a longer one.
    v2.reserve_exact(payload_len + 1);
    source
        .take(payload_len as u64 + 1)
        .read_to_end(&mut v2)
        .map_err(|e| invalid(format!("{what} is corrupt: {e}")))?;
    let payload = &v2[V2_HEADER..];
    if payload.len() != payload_len {
        return Err(invalid(if payload.len() > payload_len {
            format!("its counts run past the {payload_len} bytes it declares")
        } else {
            format!(
                "its counts end after {} of the {payload_len} bytes it declares",
                payload.len()
            )
        }));
    }
    Ok(v2)
}

/// Walks the counts array: every count inside the `len` counts of the
/// range, every zero run ending inside it, the total within `u64`.
fn check_counts(mut payload: &[u8], len: usize) -> Result<u64, DecodeError> {
    let mut index: u64 = 0;
    let mut total: u64 = 0;
    let len = len as u64;
    while !payload.is_empty() {
        let (zigzag, used) = varint(payload)
            .ok_or_else(|| invalid(format!("its count at index {index} is cut short")))?;
        payload = &payload[used..];
        let value = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        if value < 0 {
            let run = value.unsigned_abs();
            if run > len - index {
                return Err(invalid(format!(
                    "a run of {run} zero counts from index {index} goes past its {len} counts"
                )));
            }
            index += run;
        } else {
            if index >= len {
                return Err(invalid(format!("it has more than its {len} counts")));
            }
            total = total
                .checked_add(value as u64)
                .ok_or_else(|| invalid("its counts add up past u64::MAX"))?;
            index += 1;
        }
    }
    Ok(total)
}

/// A LEB128 varint of at most 9 bytes (the 9th keeps all 8 bits), as
/// HdrHistogram writes it, and how many bytes it took.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().take(MAX_VARINT).enumerate() {
        if i == MAX_VARINT - 1 {
            return Some((value | (u64::from(b) << 56), MAX_VARINT));
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use hdrhistogram::serialization::V2DeflateSerializer;

    use super::*;
    use crate::stats::{HIGHEST_TRACKABLE_US, SIGNIFICANT_DIGITS, new_histogram};

    /// The V2 header lot writes for durations, declaring `payload_len`.
    fn header(payload_len: u32) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(V2_COOKIE.to_be_bytes());
        v.extend(payload_len.to_be_bytes());
        v.extend(0u32.to_be_bytes());
        v.extend(u32::from(SIGNIFICANT_DIGITS).to_be_bytes());
        v.extend(1u64.to_be_bytes());
        v.extend(HIGHEST_TRACKABLE_US.to_be_bytes());
        v.extend(1.0f64.to_bits().to_be_bytes());
        v
    }

    fn zigzag(v: i64) -> Vec<u8> {
        let mut n = ((v << 1) ^ (v >> 63)) as u64;
        let mut out = Vec::new();
        for _ in 0..8 {
            if n < 0x80 {
                out.push(n as u8);
                return out;
            }
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out
    }

    /// base64 of the deflate encoding of `v2` (header and payload).
    fn wrap(v2: &[u8]) -> String {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(v2).unwrap();
        let compressed = z.finish().unwrap();
        let mut bytes = Vec::new();
        bytes.extend(V2_DEFLATE_COOKIE.to_be_bytes());
        bytes.extend((compressed.len() as u32).to_be_bytes());
        bytes.extend(compressed);
        STANDARD.encode(bytes)
    }

    /// A V2 encoding whose header declares exactly the given counts.
    fn counts(values: &[i64]) -> String {
        let payload: Vec<u8> = values.iter().flat_map(|&v| zigzag(v)).collect();
        let mut v2 = header(payload.len() as u32);
        v2.extend(payload);
        wrap(&v2)
    }

    fn us() -> Bounds {
        Bounds::of(&new_histogram())
    }

    fn check(hdr: &str, want: &str) {
        let err = decode(hdr, &us()).expect_err(want).to_string();
        assert_eq!(err, want);
        assert_eq!(count(hdr, &us()).unwrap_err().to_string(), want);
    }

    #[test]
    fn decodes_what_lot_writes_and_hand_made_counts() {
        let mut h = new_histogram();
        h.record_n(1234, 10).unwrap();
        h.record(3_000_000).unwrap();
        let stats = crate::Stats::from_histogram(&h);
        assert_eq!(decode(&stats.hdr, &us()).unwrap(), h);
        assert_eq!(count(&stats.hdr, &us()), Ok(11));
        let made = decode(&counts(&[0, 5, -3, 7]), &us()).unwrap();
        assert_eq!(made.len(), 12);
        assert_eq!(made.count_at(1), 5);
        assert_eq!(made.count_at(5), 7);
        assert_eq!(count(&counts(&[0, 5, -3, 7]), &us()), Ok(12));
        let empty = decode("", &us()).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.high(), HIGHEST_TRACKABLE_US);
        assert_eq!(count("", &us()), Ok(0));
    }

    #[test]
    fn the_v2_encoding_is_written_plain_and_read_with_the_same_checks() {
        let mut h = new_histogram();
        h.record_n(1234, 10).unwrap();
        h.record(3_000_000).unwrap();
        let plain = encode(&h, &us(), HdrEncoding::Plain);
        let deflated = encode(&h, &us(), HdrEncoding::Deflate);
        assert_ne!(plain, deflated);
        let bytes = STANDARD.decode(&plain).unwrap();
        assert_eq!(be_u32(&bytes, 0), Some(V2_COOKIE));
        for hdr in [&plain, &deflated] {
            assert_eq!(decode(hdr, &us()).unwrap(), h);
            assert_eq!(count(hdr, &us()), Ok(11));
        }
        // A trimmed histogram is written as one of the full range, as in V2 deflate.
        let mut trimmed = Histogram::new_with_bounds(1, 2, SIGNIFICANT_DIGITS).unwrap();
        trimmed.auto(true);
        trimmed.record_n(1234, 10).unwrap();
        trimmed.record(3_000_000).unwrap();
        assert_eq!(
            decode(&encode(&trimmed, &us(), HdrEncoding::Plain), &us()).unwrap(),
            h
        );

        let plain = |v2: &[u8]| STANDARD.encode(v2);
        let mut other = header(0);
        other[12..16].copy_from_slice(&5u32.to_be_bytes());
        check(
            &plain(&other),
            "not a histogram: it tracks 1 to 3600000000 at 5 significant digits; lot writes 1 to 3600000000 at 3",
        );
        check(
            &plain(&header(1 << 31)),
            &format!(
                "not a histogram: it declares 2147483648 bytes of counts; a histogram of its range takes at most {}",
                us().counts_len * 9
            ),
        );
        check(
            &plain(&header(0)[..30]),
            "not a histogram: it does not hold a V2 header (40 bytes): failed to fill whole buffer",
        );
        let mut long = header(4);
        long.extend([2, 2, 2, 2, 2]);
        check(
            &plain(&long),
            "not a histogram: its counts run past the 4 bytes it declares",
        );
        let mut short = header(10);
        short.extend([2, 2]);
        check(
            &plain(&short),
            "not a histogram: its counts end after 2 of the 10 bytes it declares",
        );
        let mut past = header(zigzag(-(us().counts_len as i64)).len() as u32 + 1);
        past.extend(zigzag(-(us().counts_len as i64)));
        past.push(2);
        check(
            &plain(&past),
            &format!(
                "not a histogram: it has more than its {} counts",
                us().counts_len
            ),
        );
    }

    #[test]
    fn refuses_what_does_not_add_up() {
        let len = us().counts_len;
        check(
            "!!!!",
            "not a histogram: not valid base64: Invalid symbol 33, offset 0.",
        );
        check(
            "AAAA",
            "not a histogram: 3 bytes, too few for an HdrHistogram V2 encoding",
        );
        check(
            &STANDARD.encode(&V2_DEFLATE_COOKIE.to_be_bytes()[..]),
            "not a histogram: 4 bytes, too few for the HdrHistogram V2 deflate encoding",
        );
        check(
            &STANDARD.encode([0u8; 12]),
            "not a histogram: the cookie is 0x00000000; expected 0x1c849314 (HdrHistogram V2 deflate) or 0x1c849313 (V2)",
        );
        let mut bytes = V2_DEFLATE_COOKIE.to_be_bytes().to_vec();
        bytes.extend(100u32.to_be_bytes());
        bytes.extend([1, 2, 3]);
        check(
            &STANDARD.encode(&bytes),
            "not a histogram: it declares 100 compressed bytes but holds 3",
        );
        let mut bytes = V2_DEFLATE_COOKIE.to_be_bytes().to_vec();
        bytes.extend(3u32.to_be_bytes());
        bytes.extend([1, 2, 3]);
        check(
            &STANDARD.encode(&bytes),
            "not a histogram: its zlib stream does not hold a V2 header (40 bytes): corrupt deflate stream",
        );
        let mut other = header(0);
        other[12..16].copy_from_slice(&5u32.to_be_bytes());
        other[24..32].copy_from_slice(&u64::MAX.to_be_bytes());
        check(
            &wrap(&other),
            "not a histogram: it tracks 1 to 18446744073709551615 at 5 significant digits; lot writes 1 to 3600000000 at 3",
        );
        let mut wrong = header(0);
        wrong[0] = 0;
        check(
            &wrap(&wrong),
            "not a histogram: the inner cookie is 0x00849313; expected 0x1c849313 (HdrHistogram V2)",
        );
        // The decompression bomb: a header declaring 2 GiB of counts is
        // refused before anything is inflated or allocated from it.
        check(
            &wrap(&header(1 << 31)),
            &format!(
                "not a histogram: it declares 2147483648 bytes of counts; a histogram of its range takes at most {}",
                len * 9
            ),
        );
        // A stream inflating to far more than it declares stops one byte past.
        let mut long = header(4);
        long.extend(vec![0u8; 1 << 20]);
        check(
            &wrap(&long),
            "not a histogram: its counts run past the 4 bytes it declares",
        );
        let mut short = header(10);
        short.extend([2, 2]);
        check(
            &wrap(&short),
            "not a histogram: its counts end after 2 of the 10 bytes it declares",
        );
        check(
            &counts(&[1, -(len as i64)]),
            &format!(
                "not a histogram: a run of {len} zero counts from index 1 goes past its {len} counts"
            ),
        );
        check(
            &counts(&[1, i64::MIN]),
            &format!(
                "not a histogram: a run of 9223372036854775808 zero counts from index 1 goes past its {len} counts"
            ),
        );
        check(
            &counts(&[-(len as i64), 1]),
            &format!("not a histogram: it has more than its {len} counts"),
        );
        check(
            &counts(&[i64::MAX, i64::MAX, 2]),
            "not a histogram: its counts add up past u64::MAX",
        );
        let mut cut = header(1);
        cut.push(0x80);
        check(
            &wrap(&cut),
            "not a histogram: its count at index 0 is cut short",
        );
        let oversized = "A".repeat(1 << 20);
        check(
            &oversized,
            &format!(
                "not a histogram: 1048576 characters of base64; a lot histogram takes at most {}",
                (8 + zlib_bound(40 + len * 9)).div_ceil(3) * 4
            ),
        );
    }

    #[test]
    fn encoding_is_hdrhistograms_and_a_trimmed_histogram_reads_as_lots() {
        let bounds = us();
        let mut full = new_histogram();
        let mut trimmed = Histogram::new_with_bounds(1, 2, SIGNIFICANT_DIGITS).unwrap();
        trimmed.auto(true);
        for v in [1, 7, 999, 1_000, 65_537, 12_345_678] {
            full.record_n(v, v % 5 + 1).unwrap();
            trimmed.record_n(v, v % 5 + 1).unwrap();
        }
        // The same bytes as hdrhistogram's own serializer.
        let mut theirs = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&full, &mut theirs)
            .unwrap();
        assert_eq!(
            encode(&full, &bounds, HdrEncoding::Deflate),
            STANDARD.encode(&theirs)
        );
        let mut theirs = Vec::new();
        V2Serializer::new().serialize(&full, &mut theirs).unwrap();
        assert_eq!(
            encode(&full, &bounds, HdrEncoding::Plain),
            STANDARD.encode(&theirs)
        );
        assert_eq!(
            encode(&trimmed, &bounds, HdrEncoding::Plain),
            STANDARD.encode(&theirs)
        );
        // A trimmed histogram of the same values: the same encoding, which
        // decodes into one of lot's bounds.
        assert!(trimmed.high() < HIGHEST_TRACKABLE_US);
        assert_eq!(
            encode(&trimmed, &bounds, HdrEncoding::Deflate),
            encode(&full, &bounds, HdrEncoding::Deflate)
        );
        let back = decode(&encode(&trimmed, &bounds, HdrEncoding::Deflate), &bounds).unwrap();
        assert_eq!(back.high(), HIGHEST_TRACKABLE_US);
        assert_eq!(back, full);
        // And an empty one.
        let empty = Histogram::new_with_bounds(1, 2, SIGNIFICANT_DIGITS).unwrap();
        assert_eq!(
            encode(&empty, &bounds, HdrEncoding::Deflate),
            encode(&new_histogram(), &bounds, HdrEncoding::Deflate)
        );
    }

    /// Values of an hour and more (lot's histograms keep what their counts
    /// reach, a little past the hour) grow a trimmed histogram past lot's
    /// highest value: it still encodes as lot's, and decodes.
    #[test]
    fn a_trimmed_histogram_grown_past_the_hour_reads_as_lots() {
        let bounds = us();
        for value in [3_599_000_000, HIGHEST_TRACKABLE_US, 4_000_000_000, u64::MAX] {
            let mut full = new_histogram();
            full.saturating_record(value);
            full.record(10).unwrap();
            let mut trimmed = Histogram::new_with_bounds(1, 2, SIGNIFICANT_DIGITS).unwrap();
            trimmed.auto(true);
            trimmed.add(&full).unwrap();
            assert_eq!(
                encode(&trimmed, &bounds, HdrEncoding::Deflate),
                encode(&full, &bounds, HdrEncoding::Deflate),
                "{value}"
            );
            let back = decode(&encode(&trimmed, &bounds, HdrEncoding::Deflate), &bounds).unwrap();
            assert_eq!(back, full, "{value}");
        }
    }
}
