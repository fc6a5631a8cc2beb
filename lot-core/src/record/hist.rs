//! Helpers for the records' histograms, all of lot's bounds
//! ([`new_histogram`](lot_report::stats::new_histogram)), shared by the
//! shards of iterations and of HTTP requests.

use hdrhistogram::Histogram;

/// Zeroes `h`, unless it holds nothing: a reset writes every count (about
/// 190 KB for lot's bounds) whatever it holds, and most of a shard's
/// histograms hold nothing at most collections (the steps, requests and
/// threads that had no iteration in the interval).
pub(crate) fn reset_unless_empty(h: &mut Histogram<u64>) {
    if !h.is_empty() {
        h.reset();
    }
}

/// Where `acc` holds nothing and `taken` something, swaps them: `acc` then
/// holds what `taken` did, and `taken` nothing, at no cost, where adding
/// would copy every count and the reset after write them all again. Both
/// have the same bounds (lot's).
pub(crate) fn take_if_empty(acc: &mut Histogram<u64>, taken: &mut Histogram<u64>) {
    if acc.is_empty() && !taken.is_empty() {
        debug_assert!(
            (acc.low(), acc.high(), acc.sigfig()) == (taken.low(), taken.high(), taken.sigfig()),
            "only histograms of the same bounds trade places"
        );
        std::mem::swap(acc, taken);
    }
}
