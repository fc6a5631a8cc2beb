//! HTTP requests' records: per scenario, one entry per (step, request
//! name), with counts, status codes, bytes and the phase histograms.
//!
//! Bounded: a scenario keeps at most [`MAX_REQUEST_ENTRIES`] entries per
//! shard (then requests go to the entry of no step named `other`), and an
//! entry at most [`MAX_STATUS_CODES`] distinct codes (then they are counted
//! as other codes). An entry's histograms are allocated when first
//! recorded into (a request on a reused connection records no connect or
//! TLS time here, one on a new plain connection no TLS time: they are
//! counted, and the summary adds their zeros), each about 190 KB, so an
//! entry costs up to about 1.1 MB per copy of the records (one per worker
//! thread, three in the collector).

use std::time::Duration;

use hdrhistogram::Histogram;
use lot_report::stats::new_histogram;

use crate::record::hist::{reset_unless_empty, take_if_empty};

/// The most (step, request name) entries a scenario keeps.
pub const MAX_REQUEST_ENTRIES: usize = 16;

/// The most distinct status codes an entry keeps (the results' bound);
/// other codes are counted together.
pub use lot_report::MAX_STATUS_CODES;

/// The step id of a request made outside any step.
pub(crate) const NO_STEP: u32 = u32::MAX;

/// The phases, in the order of [`HttpShard::phases`].
pub(crate) const PHASES: usize = 6;

/// What one request measured, in the recorder's terms.
pub(crate) struct Exchange {
    pub(crate) status: Option<u16>,
    pub(crate) reused: bool,
    /// Over a new plain-HTTP connection, connected.
    pub(crate) plain: bool,
    pub(crate) bytes_sent: u64,
    pub(crate) bytes_received: u64,
    /// connect, tls, send, wait, receive, duration.
    pub(crate) phases: [Duration; PHASES],
}

/// One entry's records.
#[derive(Debug, Default)]
pub(crate) struct HttpShard {
    pub(crate) count: u64,
    pub(crate) failed: u64,
    pub(crate) reused: u64,
    /// Requests over a new plain-HTTP connection (no TLS needed).
    pub(crate) plain: u64,
    pub(crate) bytes_sent: u64,
    pub(crate) bytes_received: u64,
    /// `(code, count)`, in order of first sight.
    pub(crate) status: Vec<(u16, u64)>,
    pub(crate) status_other: u64,
    /// connect, tls, send, wait, receive, duration; `None` until recorded into.
    pub(crate) phases: [Option<Box<Histogram<u64>>>; PHASES],
}

impl HttpShard {
    fn record(&mut self, e: &Exchange) {
        self.count = self.count.saturating_add(1);
        self.bytes_sent = self.bytes_sent.saturating_add(e.bytes_sent);
        self.bytes_received = self.bytes_received.saturating_add(e.bytes_received);
        if e.reused {
            self.reused = self.reused.saturating_add(1);
        }
        if e.plain {
            self.plain = self.plain.saturating_add(1);
        }
        match e.status {
            Some(code) => self.add_status(code, 1),
            None => self.failed = self.failed.saturating_add(1),
        }
        for (i, d) in e.phases.iter().enumerate() {
            // A phase that did not happen (connect and TLS on a reused
            // connection, TLS on plain HTTP, the response's phases of a
            // failed request) is not recorded into its histogram, except the
            // whole duration.
            let skipped = match i {
                // Not on a reused connection, nor when none was opened
                // (cancelled while waiting for one; no TLS on plain HTTP).
                0 | 1 => e.reused || d.is_zero(),
                // The whole duration of a failed request too, unless it
                // never got to send (its connection failed).
                5 => d.is_zero() && e.status.is_none(),
                _ => e.status.is_none(),
            };
            if skipped {
                continue;
            }
            let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
            self.phases[i]
                .get_or_insert_with(|| Box::new(new_histogram()))
                .saturating_record(us);
        }
    }

    fn add_status(&mut self, code: u16, n: u64) {
        if let Some((_, c)) = self.status.iter_mut().find(|(k, _)| *k == code) {
            *c = c.saturating_add(n);
        } else if self.status.len() < MAX_STATUS_CODES {
            self.status.push((code, n));
        } else {
            self.status_other = self.status_other.saturating_add(n);
        }
    }

    fn merge(&mut self, other: &HttpShard) {
        self.count = self.count.saturating_add(other.count);
        self.failed = self.failed.saturating_add(other.failed);
        self.reused = self.reused.saturating_add(other.reused);
        self.plain = self.plain.saturating_add(other.plain);
        self.bytes_sent = self.bytes_sent.saturating_add(other.bytes_sent);
        self.bytes_received = self.bytes_received.saturating_add(other.bytes_received);
        for &(code, n) in &other.status {
            self.add_status(code, n);
        }
        self.status_other = self.status_other.saturating_add(other.status_other);
        for (acc, h) in self.phases.iter_mut().zip(&other.phases) {
            if let Some(h) = h {
                acc.get_or_insert_with(|| Box::new(new_histogram()))
                    .add(&**h)
                    .expect("histograms share their bounds");
            }
        }
    }

    fn reset(&mut self) {
        self.count = 0;
        self.failed = 0;
        self.reused = 0;
        self.plain = 0;
        self.bytes_sent = 0;
        self.bytes_received = 0;
        self.status.clear();
        self.status_other = 0;
        for h in self.phases.iter_mut().flatten() {
            reset_unless_empty(h);
        }
    }
}

/// One scenario's entries, found by a linear search: there are few.
#[derive(Debug, Default)]
pub(crate) struct HttpTable {
    /// `(step id or NO_STEP, name id, records)`.
    pub(crate) entries: Vec<(u32, u32, HttpShard)>,
}

impl HttpTable {
    /// The entry of `(step, name)`, created on first use; past the bound,
    /// the entry of no step named `other` (name id 0).
    fn entry(&mut self, step: u32, name: u32) -> &mut HttpShard {
        let key = match self.entries.iter().position(|e| (e.0, e.1) == (step, name)) {
            Some(i) => i,
            None if self.entries.len() < MAX_REQUEST_ENTRIES - 1
                || (step, name) == (NO_STEP, 0) =>
            {
                self.entries.push((step, name, HttpShard::default()));
                self.entries.len() - 1
            }
            None => return self.entry(NO_STEP, 0),
        };
        &mut self.entries[key].2
    }

    /// Records `exchange` under `(step, name)`.
    pub(crate) fn record(&mut self, step: u32, name: u32, exchange: &Exchange) {
        self.entry(step, name).record(exchange);
    }

    /// Adds everything `other` recorded to this one.
    pub(crate) fn merge(&mut self, other: &HttpTable) {
        for (step, name, shard) in &other.entries {
            self.entry(*step, *name).merge(shard);
        }
    }

    /// Before merging `taken` in: swaps in each of its phase histograms
    /// where this table's is empty (see `hist::take_if_empty`). An
    /// entry this table lacks gets its histograms here, so that `taken`
    /// keeps one of each and records into it again without allocating.
    pub(crate) fn take_if_empty(&mut self, taken: &mut HttpTable) {
        for (step, name, shard) in &mut taken.entries {
            let acc = self.entry(*step, *name);
            for (acc, h) in acc.phases.iter_mut().zip(shard.phases.iter_mut()) {
                if let Some(h) = h.as_deref_mut() {
                    take_if_empty(acc.get_or_insert_with(|| Box::new(new_histogram())), h);
                }
            }
        }
    }

    /// Zeroes every count, keeping the entries and their allocations.
    pub(crate) fn reset(&mut self) {
        for (_, _, shard) in &mut self.entries {
            shard.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: Option<u16>, reused: bool) -> Exchange {
        Exchange {
            status,
            reused,
            plain: false,
            bytes_sent: 100,
            bytes_received: 1000,
            phases: [
                Duration::from_micros(300),
                Duration::from_micros(900),
                Duration::from_micros(10),
                Duration::from_millis(5),
                Duration::from_micros(50),
                Duration::from_millis(7),
            ],
        }
    }

    #[test]
    fn counts_statuses_bytes_and_phases() {
        let mut t = HttpTable::default();
        t.record(NO_STEP, 3, &exchange(Some(200), false));
        t.record(NO_STEP, 3, &exchange(Some(200), true));
        t.record(NO_STEP, 3, &exchange(Some(503), true));
        t.record(NO_STEP, 3, &exchange(None, false));
        let s = &t.entries[0].2;
        assert_eq!((s.count, s.failed, s.reused), (4, 1, 2));
        assert_eq!((s.bytes_sent, s.bytes_received), (400, 4000));
        assert_eq!(s.status, [(200, 2), (503, 1)]);
        let len = |i: usize| s.phases[i].as_ref().map_or(0, |h| h.len());
        // connect and TLS only on new connections; the response's phases
        // only with a response; the whole duration always.
        assert_eq!(
            [len(0), len(1), len(2), len(3), len(4), len(5)],
            [2, 2, 3, 3, 3, 4]
        );
    }

    #[test]
    fn entries_and_codes_are_bounded() {
        let mut t = HttpTable::default();
        for name in 1..=40 {
            t.record(7, name, &exchange(Some(200), true));
        }
        assert_eq!(t.entries.len(), MAX_REQUEST_ENTRIES);
        let other = t
            .entries
            .iter()
            .find(|e| (e.0, e.1) == (NO_STEP, 0))
            .unwrap();
        assert_eq!(other.2.count, 40 - (MAX_REQUEST_ENTRIES as u64 - 1));
        let mut t = HttpTable::default();
        for code in 100..300 {
            t.record(NO_STEP, 1, &exchange(Some(code), true));
        }
        let s = &t.entries[0].2;
        assert_eq!(s.status.len(), MAX_STATUS_CODES);
        assert_eq!(s.status_other, 200 - MAX_STATUS_CODES as u64);
    }

    /// An entry's step and name, its counts (requests, failed, reused,
    /// plain, bytes sent and received, other codes), its status codes,
    /// and each phase's count, min, max and median (`None` where it has no
    /// histogram).
    type Contents = (u32, u32, [u64; 7], Vec<(u16, u64)>, Vec<Option<[u64; 4]>>);

    /// What a table records, entry by entry.
    fn contents(t: &HttpTable) -> Vec<Contents> {
        t.entries
            .iter()
            .map(|(step, name, s)| {
                let phases = s.phases.iter().map(|h| {
                    h.as_deref()
                        .map(|h| [h.len(), h.min(), h.max(), h.value_at_quantile(0.5)])
                });
                let counts = [
                    s.count,
                    s.failed,
                    s.reused,
                    s.plain,
                    s.bytes_sent,
                    s.bytes_received,
                    s.status_other,
                ];
                (*step, *name, counts, s.status.clone(), phases.collect())
            })
            .collect()
    }

    /// Taking histograms by swap before the merge adds up to what merging
    /// alone does, into an empty table and into a filled one, past the
    /// entries' bound too; the table taken from keeps a histogram for each
    /// phase it had, empty, to record into again.
    #[test]
    fn taking_by_swap_adds_up_as_merging_does() {
        let filled = || {
            let mut t = HttpTable::default();
            for name in 1..=20 {
                t.record(NO_STEP, name, &exchange(Some(200), name % 3 == 0));
                t.record(4, name % 5, &exchange(None, true));
            }
            t
        };
        let (mut merged, mut swapped) = (HttpTable::default(), HttpTable::default());
        // Both windows full of other entries: what is taken then goes, many
        // entries to one, to the window's `other` entry, whose histograms
        // are empty at first.
        let mut others = HttpTable::default();
        for name in 100..100 + MAX_REQUEST_ENTRIES as u32 - 1 {
            others.record(9, name, &exchange(Some(201), false));
        }
        merged.merge(&others);
        swapped.merge(&others);
        for _round in 0..3 {
            let (mut a, mut b) = (filled(), filled());
            merged.merge(&a);
            a.reset();
            swapped.take_if_empty(&mut b);
            swapped.merge(&b);
            b.reset();
            assert_eq!(contents(&swapped), contents(&merged));
            assert_eq!(contents(&b), contents(&a));
            for (_, _, s) in &b.entries {
                assert!(s.phases.iter().flatten().all(|h| h.is_empty()));
            }
        }
        assert_eq!(merged.entries.len(), MAX_REQUEST_ENTRIES);
        let other = &merged.entries.last().unwrap().2;
        assert_eq!((other.count, other.failed), (3 * 40, 3 * 20));
    }

    #[test]
    fn merges_add_up() {
        let mut a = HttpTable::default();
        let mut b = HttpTable::default();
        a.record(NO_STEP, 1, &exchange(Some(200), false));
        b.record(NO_STEP, 1, &exchange(Some(404), true));
        b.record(2, 1, &exchange(Some(200), true));
        a.merge(&b);
        assert_eq!(a.entries.len(), 2);
        let s = &a.entries[0].2;
        assert_eq!((s.count, s.reused), (2, 1));
        assert_eq!(s.status, [(200, 1), (404, 1)]);
        assert_eq!(s.phases[5].as_ref().unwrap().len(), 2);
        a.reset();
        assert_eq!(a.entries[0].2.count, 0);
    }
}
