//! Per-thread recording of iteration outcomes.
//!
//! Each thread that finishes iterations of a run records into a shard of its
//! own: a mutex that only that thread and, once per interval, the collector
//! ever take, so it is never contended on the hot path. A thread finds its
//! shard through a thread-local list keyed by run id (one comparison; the
//! shard is created and registered once per thread per run). Nothing here
//! allocates per iteration: histograms are preallocated, and an error kind is
//! formatted into a fixed buffer and allocated only the first time that kind
//! is seen, up to [`MAX_ERROR_KINDS`] kinds per table.

use std::any::Any;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Instant;

use crate::record::hist::{reset_unless_empty, take_if_empty};
use crate::record::http::{Exchange, HttpTable};
use hdrhistogram::Histogram;
use lot_report::ErrorCount;
use lot_report::stats::{new_histogram, new_value_histogram};

/// Distinct error kinds kept per table; the rest are counted as `other`.
pub const MAX_ERROR_KINDS: usize = 100;

/// Longest error kind kept, in bytes; longer texts are truncated with `…`.
pub const MAX_ERROR_KIND_LEN: usize = 200;

/// The kind under which failures beyond [`MAX_ERROR_KINDS`] are counted.
pub const OTHER_KIND: &str = "other";

/// How one iteration ended.
pub(crate) enum Outcome<'a> {
    Ok,
    Error(&'a anyhow::Error),
    Panic(&'a (dyn Any + Send)),
    Timeout,
    Interrupted,
}

/// A bounded table of error kinds and their counts.
#[derive(Debug, Default)]
pub(crate) struct ErrorTable {
    kinds: Vec<(Box<str>, u64)>,
    other: u64,
}

impl ErrorTable {
    pub(crate) fn add(&mut self, kind: &str, count: u64) {
        if let Some((_, n)) = self.kinds.iter_mut().find(|(k, _)| &**k == kind) {
            *n = n.saturating_add(count);
        } else if kind == OTHER_KIND {
            self.other = self.other.saturating_add(count);
        } else if self.kinds.len() < MAX_ERROR_KINDS {
            self.kinds.push((kind.into(), count));
        } else if let Some(unused) = self.kinds.iter_mut().find(|(_, n)| *n == 0) {
            // A kind kept from an earlier interval but not seen in this one.
            *unused = (kind.into(), count);
        } else {
            self.other = self.other.saturating_add(count);
        }
    }

    pub(crate) fn merge(&mut self, other: &ErrorTable) {
        for (kind, n) in &other.kinds {
            self.add(kind, *n);
        }
        self.other = self.other.saturating_add(other.other);
    }

    /// Zeroes the counts, keeping the kinds' text so that a kind seen again
    /// is not allocated again.
    pub(crate) fn clear(&mut self) {
        for (_, n) in &mut self.kinds {
            *n = 0;
        }
        self.other = 0;
    }

    /// The kinds, most frequent first (ties by kind), `other` last.
    pub(crate) fn to_counts(&self) -> Vec<ErrorCount> {
        let mut out: Vec<ErrorCount> = self
            .kinds
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| ErrorCount {
                kind: k.to_string(),
                count: *n,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
        if self.other > 0 {
            out.push(ErrorCount {
                kind: OTHER_KIND.to_owned(),
                count: self.other,
            });
        }
        out
    }
}

/// A fixed buffer that keeps the first `N` bytes written to it (by default
/// [`MAX_ERROR_KIND_LEN`]), cut at a character boundary with `…`.
struct KindBuf<const N: usize = MAX_ERROR_KIND_LEN> {
    buf: [u8; N],
    len: usize,
    truncated: bool,
}

/// How much of an error's text is read before it is made a kind: enough for
/// a long chain whose URLs are then shortened.
const RAW_KIND_LEN: usize = 1024;

impl<const N: usize> KindBuf<N> {
    fn new() -> KindBuf<N> {
        KindBuf {
            buf: [0; N],
            len: 0,
            truncated: false,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).expect("only whole characters are copied in")
    }
}

impl KindBuf {
    /// The kind an error's text is counted under: `text` with every URL cut
    /// to its scheme and authority (`http://host:port`, so ids in paths and
    /// queries do not make kinds of their own), and every `: `-separated
    /// clause that repeats an earlier one left out (an error that prints its
    /// cause and also returns it as its `source()` would otherwise say it
    /// twice). It takes no allocation: the text is formatted into buffers
    /// on the stack.
    fn of(text: fmt::Arguments<'_>) -> KindBuf {
        let mut raw = KindBuf::<RAW_KIND_LEN>::new();
        let _ = fmt::write(&mut raw, text);
        let mut short = KindBuf::<RAW_KIND_LEN>::new();
        let _ = write_without_url_paths(&mut short, raw.as_str());
        let mut kind = KindBuf::new();
        let _ = write_without_repeated_clauses(&mut kind, short.as_str());
        if raw.truncated && !kind.truncated && !kind.as_str().ends_with('…') {
            let _ = kind.write_plain("…");
        }
        kind
    }
}

/// Writes `text` with each URL's path, query and fragment left out.
fn write_without_url_paths(out: &mut impl fmt::Write, mut text: &str) -> fmt::Result {
    let is_scheme = |c: char| c.is_ascii_alphanumeric() || "+-.".contains(c);
    while let Some(at) = text.find("://") {
        // Scheme characters are ASCII, so the scheme starts one byte after
        // the last character before `://` that is not one.
        let scheme = text[..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_scheme(c))
            .last()
            .map_or(at, |(i, _)| i);
        let rest = &text[at + 3..];
        if scheme == at {
            // `://` with no scheme before it is not a URL.
            out.write_str(&text[..at + 3])?;
            text = rest;
            continue;
        }
        // `[` and `]` belong to an IPv6 host, so they do not end a URL.
        let end = rest
            .find(|c: char| c.is_whitespace() || "()<>{}\"'`,".contains(c))
            .unwrap_or(rest.len());
        // A URL followed by `: cause` keeps its colon for the separator.
        let url = rest[..end].trim_end_matches([':', '.', ';']);
        let host_end = if url.starts_with('[') {
            url.find(']').map_or(url.len(), |i| i + 1)
        } else {
            0
        };
        let authority = url[host_end..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| host_end + i);
        out.write_str(&text[..at + 3])?;
        out.write_str(&url[..authority])?;
        text = &rest[url.len()..];
    }
    out.write_str(text)
}

/// Writes the `: `-separated clauses of `text`, leaving out every run of
/// clauses that repeats the run just before it (`a: b: b` and `a: b: c: b:
/// c` are written `a: b` and `a: b: c`); repeats further apart are kept, as
/// in `left: 0: right: 0`.
fn write_without_repeated_clauses(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    // Enough clauses for any real chain; past them, clauses are written as
    // they come.
    const KEPT: usize = 32;
    let mut kept: [&str; KEPT] = [""; KEPT];
    let mut n = 0;
    let mut clauses = text.split(": ");
    for clause in clauses.by_ref() {
        kept[n] = clause;
        n += 1;
        // A repeat is found as soon as its last clause arrives.
        if let Some(k) = (1..=n / 2).find(|&k| kept[n - k..n] == kept[n - 2 * k..n - k]) {
            n -= k;
        }
        if n == KEPT {
            break;
        }
    }
    for (i, clause) in kept[..n].iter().copied().chain(clauses).enumerate() {
        if i > 0 {
            out.write_str(": ")?;
        }
        out.write_str(clause)?;
    }
    Ok(())
}

impl<const N: usize> fmt::Write for KindBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Text from the target may hold terminal escape sequences: control
        // characters become spaces (line breaks, tabs) or U+FFFD.
        if s.contains(char::is_control) {
            for c in s.chars() {
                let c = match c {
                    '\n' | '\r' | '\t' => ' ',
                    c if c.is_control() => '\u{fffd}',
                    c => c,
                };
                self.write_plain(c.encode_utf8(&mut [0; 4]))?;
            }
            return Ok(());
        }
        self.write_plain(s)
    }
}

impl<const N: usize> KindBuf<N> {
    fn write_plain(&mut self, s: &str) -> fmt::Result {
        if self.truncated {
            return Ok(());
        }
        // Reserve room for the ellipsis so a truncated kind is visibly cut.
        let room = N.saturating_sub(self.len + '…'.len_utf8());
        if s.len() <= room {
            self.buf[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
            self.len += s.len();
            return Ok(());
        }
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.buf[self.len..self.len + cut].copy_from_slice(&s.as_bytes()[..cut]);
        self.len += cut;
        let dots = '…'.encode_utf8(&mut [0; 4]).len();
        self.buf[self.len..self.len + dots].copy_from_slice("…".as_bytes());
        self.len += dots;
        self.truncated = true;
        Ok(())
    }
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "non-string payload"
    }
}

/// One step's records.
#[derive(Debug)]
pub(crate) struct StepShard {
    pub(crate) ok: u64,
    pub(crate) failed: u64,
    pub(crate) latency: Histogram<u64>,
    pub(crate) errors: ErrorTable,
}

impl StepShard {
    fn new() -> StepShard {
        StepShard {
            ok: 0,
            failed: 0,
            latency: new_histogram(),
            errors: ErrorTable::default(),
        }
    }

    fn merge(&mut self, other: &StepShard) {
        self.ok = self.ok.saturating_add(other.ok);
        self.failed = self.failed.saturating_add(other.failed);
        self.latency
            .add(&other.latency)
            .expect("histograms share their bounds");
        self.errors.merge(&other.errors);
    }

    fn reset(&mut self) {
        self.ok = 0;
        self.failed = 0;
        reset_unless_empty(&mut self.latency);
        self.errors.clear();
    }
}

/// The slot for name `id` in a table indexed by name id, created on first use.
fn slot<T>(table: &mut Vec<Option<T>>, id: u32, new: impl FnOnce() -> T) -> &mut T {
    let i = id as usize;
    if table.len() <= i {
        table.resize_with(i + 1, || None);
    }
    table[i].get_or_insert_with(new)
}

/// Merges `other` into `acc`, slot by slot.
fn merge_slots<T>(
    acc: &mut Vec<Option<T>>,
    other: &[Option<T>],
    new: impl Fn() -> T,
    merge: impl Fn(&mut T, &T),
) {
    for (id, item) in other.iter().enumerate() {
        if let Some(item) = item {
            merge(slot(acc, id as u32, &new), item);
        }
    }
}

/// Everything one thread recorded for one scenario since the last collection.
#[derive(Debug)]
pub(crate) struct ScenarioShard {
    pub(crate) ok: u64,
    pub(crate) failed: u64,
    pub(crate) interrupted: u64,
    pub(crate) latency: Histogram<u64>,
    pub(crate) service_time: Histogram<u64>,
    pub(crate) schedule_lag: Histogram<u64>,
    pub(crate) errors: ErrorTable,
    /// Steps, indexed by name id.
    pub(crate) steps: Vec<Option<Box<StepShard>>>,
    /// Checks as (passed, failed), indexed by name id.
    pub(crate) checks: Vec<Option<(u64, u64)>>,
    /// HTTP requests, by step and request name.
    pub(crate) http: HttpTable,
}

impl ScenarioShard {
    pub(crate) fn new() -> ScenarioShard {
        ScenarioShard {
            ok: 0,
            failed: 0,
            interrupted: 0,
            latency: new_histogram(),
            service_time: new_histogram(),
            schedule_lag: new_histogram(),
            errors: ErrorTable::default(),
            steps: Vec::new(),
            checks: Vec::new(),
            http: HttpTable::default(),
        }
    }

    /// Adds everything `other` recorded to this one.
    pub(crate) fn merge(&mut self, other: &ScenarioShard) {
        self.ok += other.ok;
        self.failed += other.failed;
        self.interrupted += other.interrupted;
        for (acc, h) in [
            (&mut self.latency, &other.latency),
            (&mut self.service_time, &other.service_time),
            (&mut self.schedule_lag, &other.schedule_lag),
        ] {
            acc.add(h).expect("histograms share their bounds");
        }
        self.errors.merge(&other.errors);
        merge_slots(
            &mut self.steps,
            &other.steps,
            || Box::new(StepShard::new()),
            |a, b| a.merge(b),
        );
        merge_slots(
            &mut self.checks,
            &other.checks,
            || (0, 0),
            |a, b| {
                a.0 = a.0.saturating_add(b.0);
                a.1 = a.1.saturating_add(b.1);
            },
        );
        self.http.merge(&other.http);
    }

    /// Adds everything `taken` recorded to this one and zeroes `taken`, as
    /// `merge` then `reset` would, but taking `taken`'s histograms by swap
    /// where this one's are empty (as they are in the collector's freshly
    /// reset window): the collector's cost per interval follows what was
    /// recorded, not how many steps and requests the shard has ever seen.
    pub(crate) fn absorb(&mut self, taken: &mut ScenarioShard) {
        for (acc, h) in [
            (&mut self.latency, &mut taken.latency),
            (&mut self.service_time, &mut taken.service_time),
            (&mut self.schedule_lag, &mut taken.schedule_lag),
        ] {
            take_if_empty(acc, h);
        }
        // `merge` makes the same slots (and `HttpTable::merge` the same
        // entries) for what `taken` has.
        for (id, step) in taken.steps.iter_mut().enumerate() {
            if let Some(step) = step {
                let acc = slot(&mut self.steps, id as u32, || Box::new(StepShard::new()));
                take_if_empty(&mut acc.latency, &mut step.latency);
            }
        }
        self.http.take_if_empty(&mut taken.http);
        // What was swapped is empty in `taken` now: adding it is skipped,
        // and so is its reset.
        self.merge(taken);
        taken.reset();
    }

    /// Zeroes every count, keeping the allocations for reuse.
    pub(crate) fn reset(&mut self) {
        self.ok = 0;
        self.failed = 0;
        self.interrupted = 0;
        reset_unless_empty(&mut self.latency);
        reset_unless_empty(&mut self.service_time);
        reset_unless_empty(&mut self.schedule_lag);
        self.errors.clear();
        for step in self.steps.iter_mut().flatten() {
            step.reset();
        }
        for check in self.checks.iter_mut().flatten() {
            *check = (0, 0);
        }
        self.http.reset();
    }
}

/// Custom metrics one thread recorded since the last collection, indexed by name id.
#[derive(Debug, Default)]
pub(crate) struct MetricsShard {
    pub(crate) counters: Vec<Option<u64>>,
    /// The last value set, and when.
    pub(crate) gauges: Vec<Option<(Instant, f64)>>,
    pub(crate) timings: Vec<Option<Histogram<u64>>>,
    pub(crate) histograms: Vec<Option<Histogram<u64>>>,
}

impl MetricsShard {
    pub(crate) fn merge(&mut self, other: &MetricsShard) {
        merge_slots(
            &mut self.counters,
            &other.counters,
            || 0,
            |a, b| *a = a.saturating_add(*b),
        );
        for (id, set) in other.gauges.iter().enumerate() {
            if let Some(b) = set {
                if self.gauges.len() <= id {
                    self.gauges.resize_with(id + 1, || None);
                }
                // The later of two settings wins.
                match &self.gauges[id] {
                    Some(a) if a.0 > b.0 => {}
                    _ => self.gauges[id] = Some(*b),
                }
            }
        }
        let add = |a: &mut Histogram<u64>, b: &Histogram<u64>| {
            a.add(b).expect("histograms share their bounds");
        };
        merge_slots(&mut self.timings, &other.timings, new_histogram, add);
        merge_slots(
            &mut self.histograms,
            &other.histograms,
            new_value_histogram,
            add,
        );
    }

    /// Zeroes the counters and histograms, keeping allocations. Gauges keep
    /// their last value: a gauge is a level, not a per-interval amount.
    pub(crate) fn reset(&mut self) {
        for c in self.counters.iter_mut().flatten() {
            *c = 0;
        }
        for h in self
            .timings
            .iter_mut()
            .chain(self.histograms.iter_mut())
            .flatten()
        {
            reset_unless_empty(h);
        }
    }
}

#[derive(Debug)]
struct ShardData {
    closed: bool,
    scenarios: Vec<ScenarioShard>,
    metrics: MetricsShard,
}

#[derive(Debug)]
struct Shard {
    data: Mutex<ShardData>,
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, ShardData> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

thread_local! {
    static LOCAL_SHARDS: RefCell<Vec<(u64, Weak<Shard>)>> = const { RefCell::new(Vec::new()) };
}

static NEXT_RUN_ID: AtomicU64 = AtomicU64::new(1);

fn micros(from: Instant, to: Instant) -> u64 {
    u64::try_from(to.saturating_duration_since(from).as_micros()).unwrap_or(u64::MAX)
}

/// The recorder of one run: the registry of its per-thread shards.
#[derive(Debug)]
pub(crate) struct Recorder {
    id: u64,
    scenarios: usize,
    shards: Mutex<Vec<Arc<Shard>>>,
    /// Set, under the `shards` lock, when the final collection begins: shards
    /// registered from then on start closed.
    closed: AtomicBool,
}

impl Recorder {
    pub(crate) fn new(scenarios: usize) -> Recorder {
        Recorder {
            id: NEXT_RUN_ID.fetch_add(1, Ordering::Relaxed),
            scenarios,
            shards: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    fn register(&self) -> Arc<Shard> {
        let scenarios = (0..self.scenarios).map(|_| ScenarioShard::new()).collect();
        let mut shards = self.shards.lock().unwrap_or_else(PoisonError::into_inner);
        let shard = Arc::new(Shard {
            data: Mutex::new(ShardData {
                closed: self.closed.load(Ordering::Relaxed),
                scenarios,
                metrics: MetricsShard::default(),
            }),
        });
        shards.push(shard.clone());
        shard
    }

    fn local_shard(&self) -> Arc<Shard> {
        let found = LOCAL_SHARDS.try_with(|local| {
            let mut local = local.borrow_mut();
            if let Some(shard) = local
                .iter()
                .find(|(id, _)| *id == self.id)
                .and_then(|(_, w)| w.upgrade())
            {
                return shard;
            }
            // Forget shards of finished runs while we are here.
            local.retain(|(_, w)| w.strong_count() > 0);
            let shard = self.register();
            local.push((self.id, Arc::downgrade(&shard)));
            shard
        });
        // During thread teardown the thread-local is gone: use a shard of its own.
        found.unwrap_or_else(|_| self.register())
    }

    /// Records one iteration's end. Returns `false` (recording nothing) once
    /// the run is closed.
    pub(crate) fn record(
        &self,
        scenario: usize,
        outcome: Outcome<'_>,
        intended: Instant,
        start: Instant,
        end: Instant,
    ) -> bool {
        let mut kind = KindBuf::new();
        let failed = match outcome {
            Outcome::Ok | Outcome::Interrupted => false,
            Outcome::Error(e) => {
                kind = KindBuf::of(format_args!("{e:#}"));
                true
            }
            Outcome::Panic(payload) => {
                let _ = write!(kind, "panic: {}", panic_message(payload));
                true
            }
            Outcome::Timeout => {
                let _ = kind.write_str("timeout");
                true
            }
        };
        let interrupted = matches!(outcome, Outcome::Interrupted);
        let shard = self.local_shard();
        let mut data = shard.lock();
        if data.closed {
            return false;
        }
        let s = &mut data.scenarios[scenario];
        if interrupted {
            s.interrupted += 1;
            return true;
        }
        if failed {
            s.failed += 1;
            s.errors.add(kind.as_str(), 1);
        } else {
            s.ok += 1;
        }
        s.latency.saturating_record(micros(intended, end));
        s.service_time.saturating_record(micros(start, end));
        s.schedule_lag.saturating_record(micros(intended, start));
        true
    }

    /// Runs `f` on this thread's shard, unless the run is closed.
    fn with_shard(&self, f: impl FnOnce(&mut ShardData)) {
        let shard = self.local_shard();
        let mut data = shard.lock();
        if !data.closed {
            f(&mut data);
        }
    }

    /// Records one execution of step `id` of `scenario`.
    pub(crate) fn record_step(
        &self,
        scenario: usize,
        id: u32,
        error: Option<&dyn fmt::Display>,
        duration: std::time::Duration,
    ) {
        let kind = match error {
            Some(e) => KindBuf::of(format_args!("{e:#}")),
            None => KindBuf::new(),
        };
        self.with_shard(|data| {
            let step = slot(&mut data.scenarios[scenario].steps, id, || {
                Box::new(StepShard::new())
            });
            if error.is_some() {
                step.failed = step.failed.saturating_add(1);
                step.errors.add(kind.as_str(), 1);
            } else {
                step.ok = step.ok.saturating_add(1);
            }
            let us = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
            step.latency.saturating_record(us);
        });
    }

    /// Records one HTTP request of `scenario`, made inside step `step` (or
    /// [`NO_STEP`](crate::record::http::NO_STEP)) under request name `name`.
    pub(crate) fn record_http(&self, scenario: usize, step: u32, name: u32, exchange: &Exchange) {
        self.with_shard(|data| data.scenarios[scenario].http.record(step, name, exchange));
    }

    /// Records one evaluation of check `id` of `scenario`.
    pub(crate) fn record_check(&self, scenario: usize, id: u32, passed: bool) {
        self.with_shard(|data| {
            let check = slot(&mut data.scenarios[scenario].checks, id, || (0, 0));
            if passed {
                check.0 = check.0.saturating_add(1);
            } else {
                check.1 = check.1.saturating_add(1);
            }
        });
    }

    /// Adds `n` to counter `id`, saturating at `u64::MAX`: `n` is the
    /// user's, and neither this nor the collector's merge may panic or wrap.
    pub(crate) fn add_counter(&self, id: u32, n: u64) {
        self.with_shard(|data| {
            let counter = slot(&mut data.metrics.counters, id, || 0);
            *counter = counter.saturating_add(n);
        });
    }

    /// Sets gauge `id`.
    pub(crate) fn set_gauge(&self, id: u32, value: f64) {
        let now = Instant::now();
        self.with_shard(|data| *slot(&mut data.metrics.gauges, id, || (now, value)) = (now, value));
    }

    /// Records a duration into timing `id`.
    pub(crate) fn record_timing(&self, id: u32, duration: std::time::Duration) {
        let us = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.with_shard(|data| {
            slot(&mut data.metrics.timings, id, new_histogram).saturating_record(us)
        });
    }

    /// Records a plain value into histogram `id`.
    pub(crate) fn record_value(&self, id: u32, value: u64) {
        self.with_shard(|data| {
            slot(&mut data.metrics.histograms, id, new_value_histogram).saturating_record(value)
        });
    }

    /// Moves everything recorded so far into `into` (one entry per scenario,
    /// reset by the caller), merging the shards. With `close`, later records
    /// are refused.
    pub(crate) fn drain(&self, into: &mut Drained, spare: &mut Drained, close: bool) {
        let shards: Vec<Arc<Shard>> = {
            let shards = self.shards.lock().unwrap_or_else(PoisonError::into_inner);
            if close {
                self.closed.store(true, Ordering::Relaxed);
            }
            shards.clone()
        };
        while spare.scenarios.len() < self.scenarios {
            spare.scenarios.push(ScenarioShard::new());
        }
        for shard in shards {
            {
                // Swap the filled recorders out for empty ones: the lock is held
                // only for the swap, never for the merge.
                let mut data = shard.lock();
                data.closed |= close;
                for (slot, fresh) in data.scenarios.iter_mut().zip(spare.scenarios.iter_mut()) {
                    std::mem::swap(slot, fresh);
                }
                std::mem::swap(&mut data.metrics, &mut spare.metrics);
            }
            for (acc, taken) in into.scenarios.iter_mut().zip(spare.scenarios.iter_mut()) {
                acc.absorb(taken);
            }
            into.metrics.merge(&spare.metrics);
            spare.metrics.reset();
        }
    }
}

/// Records drained from every shard: per scenario, and the custom metrics.
#[derive(Debug, Default)]
pub(crate) struct Drained {
    pub(crate) scenarios: Vec<ScenarioShard>,
    pub(crate) metrics: MetricsShard,
}

impl Drained {
    pub(crate) fn new(scenarios: usize) -> Drained {
        Drained {
            scenarios: (0..scenarios).map(|_| ScenarioShard::new()).collect(),
            metrics: MetricsShard::default(),
        }
    }

    pub(crate) fn reset(&mut self) {
        for s in &mut self.scenarios {
            s.reset();
        }
        self.metrics.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table_is_bounded() {
        let mut t = ErrorTable::default();
        for i in 0..150 {
            t.add(&format!("e{i}"), 1);
        }
        t.add("e0", 4);
        let counts = t.to_counts();
        assert_eq!(counts.len(), MAX_ERROR_KINDS + 1);
        assert_eq!(counts[0].kind, "e0");
        assert_eq!(counts[0].count, 5);
        assert_eq!(counts.last().unwrap().kind, OTHER_KIND);
        assert_eq!(counts.last().unwrap().count, 50);
        assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 154);
        // After a clear, kinds are reused, and kinds unused since give way to new ones.
        t.clear();
        assert!(t.to_counts().is_empty());
        t.add("e1", 1);
        t.add("brand new", 2);
        let counts = t.to_counts();
        assert_eq!(counts[0].kind, "brand new");
        assert_eq!(counts[1].kind, "e1");
        assert_eq!(counts.len(), 2);
    }

    #[test]
    fn control_characters_do_not_reach_the_terminal() {
        let mut k = KindBuf::<MAX_ERROR_KIND_LEN>::new();
        write!(k, "bad\x1b[31mred\x07\nnext").unwrap();
        assert_eq!(k.as_str(), "bad\u{fffd}[31mred\u{fffd} next");
    }

    #[track_caller]
    fn check_kind(error: anyhow::Error, expected: &str) {
        assert_eq!(KindBuf::of(format_args!("{error:#}")).as_str(), expected);
    }

    #[test]
    fn kinds_say_each_cause_once() {
        let reset = || std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        // An error whose text names its cause and that also returns it.
        check_kind(
            anyhow::Error::new(reset()).context(format!(
                "connection closed before the response began: {}",
                reset()
            )),
            "connection closed before the response began: connection reset",
        );
        check_kind(anyhow::anyhow!("b").context("a: b").context("a"), "a: b");
        check_kind(anyhow::anyhow!("timeout"), "timeout");
        check_kind(anyhow::anyhow!("b: c").context("a: b: c"), "a: b: c");
        // Repeats that are not next to each other are the text's own.
        check_kind(anyhow::anyhow!("left: 0: right: 0"), "left: 0: right: 0");
        check_kind(anyhow::anyhow!("x: x"), "x");
    }

    #[test]
    fn long_chains_are_cut_once() {
        // Over 200 bytes, in many clauses: each write after the cut is
        // dropped, and the kind ends in one ellipsis.
        let e = anyhow::anyhow!("refused")
            .context(format!("body was {}", "x".repeat(300)))
            .context("sending");
        let kind = KindBuf::of(format_args!("{e:#}"));
        assert!(kind.as_str().len() <= MAX_ERROR_KIND_LEN);
        assert!(kind.as_str().starts_with("sending: body was xxx"));
        assert_eq!(kind.as_str().matches('…').count(), 1, "{}", kind.as_str());
        let e = anyhow::anyhow!("{}", "y".repeat(2000)).context("a");
        let kind = KindBuf::of(format_args!("{e:#}"));
        assert_eq!(kind.as_str().matches('…').count(), 1, "{}", kind.as_str());
    }

    #[test]
    fn kinds_keep_only_the_origin_of_urls() {
        let check = |text: &str, expected: &str| check_kind(anyhow::anyhow!("{text}"), expected);
        check(
            "error sending request for url (http://127.0.0.1:8080/items/42?x=1)",
            "error sending request for url (http://127.0.0.1:8080)",
        );
        check(
            "HTTP status client error (404 Not Found) for url (https://api.example/users/7#top)",
            "HTTP status client error (404 Not Found) for url (https://api.example)",
        );
        check(
            "GET https://h:1/a/b: connection refused",
            "GET https://h:1: connection refused",
        );
        check("no url here: just text", "no url here: just text");
        check(
            "GET http://[::1]:8080/items/42: refused",
            "GET http://[::1]:8080: refused",
        );
        check("é://x/y", "é://x/y");
        check("éhttp://x/y", "éhttp://x");
        check("(://x/y)", "(://x/y)");
        check("odd ://x/y and http://", "odd ://x/y and http://");
        // A long path is cut before the kind's length is.
        let long = format!("fetch http://h/{}: refused", "x".repeat(500));
        check(&long, "fetch http://h: refused");
    }

    #[test]
    fn kinds_are_truncated_at_a_char_boundary() {
        let mut k = KindBuf::<MAX_ERROR_KIND_LEN>::new();
        let long = "é".repeat(300);
        write!(k, "{long}").unwrap();
        assert!(k.as_str().len() <= MAX_ERROR_KIND_LEN);
        assert!(k.as_str().ends_with('…'));
        let mut short = KindBuf::<MAX_ERROR_KIND_LEN>::new();
        write!(short, "connection refused").unwrap();
        assert_eq!(short.as_str(), "connection refused");
        let cut = KindBuf::of(format_args!("{}", "é".repeat(600)));
        assert!(cut.as_str().len() <= MAX_ERROR_KIND_LEN);
        assert!(cut.as_str().ends_with('…'));
    }

    #[test]
    fn records_across_threads_and_drains_once() {
        let recorder = Arc::new(Recorder::new(1));
        let t0 = Instant::now();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let r = recorder.clone();
                std::thread::spawn(move || {
                    let err = anyhow::anyhow!("boom");
                    for _ in 0..100 {
                        let now = Instant::now();
                        assert!(r.record(0, Outcome::Ok, t0, now, now));
                    }
                    let now = Instant::now();
                    r.record(0, Outcome::Error(&err), t0, now, now);
                    r.record(0, Outcome::Interrupted, t0, now, now);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut acc = Drained::new(1);
        let mut spare = Drained::default();
        recorder.drain(&mut acc, &mut spare, true);
        let acc = &acc.scenarios;
        assert_eq!((acc[0].ok, acc[0].failed, acc[0].interrupted), (400, 4, 4));
        assert_eq!(acc[0].latency.len(), 404);
        assert_eq!(acc[0].errors.to_counts()[0].count, 4);
        let now = Instant::now();
        assert!(!recorder.record(0, Outcome::Ok, t0, now, now), "closed");
    }

    /// `absorb` leaves what `merge` then `reset` do: the sums in the one,
    /// nothing in the other, whose histograms stay allocated.
    #[test]
    fn absorbing_is_merging_then_resetting() {
        let filled = |k: u64| {
            let mut s = ScenarioShard::new();
            s.ok = 3 * k;
            for us in [k, 40 * k, 900 * k] {
                s.latency.record(us).unwrap();
                s.service_time.record(us / 2 + 1).unwrap();
                slot(&mut s.steps, 2, || Box::new(StepShard::new()))
                    .latency
                    .record(us + 5)
                    .unwrap();
            }
            slot(&mut s.steps, 4, || Box::new(StepShard::new())).ok = k;
            s
        };
        let view = |s: &ScenarioShard| {
            let h = |h: &Histogram<u64>| [h.len(), h.min(), h.max(), h.value_at_quantile(0.5)];
            let steps: Vec<_> = s
                .steps
                .iter()
                .map(|st| st.as_ref().map(|st| (st.ok, h(&st.latency))))
                .collect();
            (
                s.ok,
                h(&s.latency),
                h(&s.service_time),
                h(&s.schedule_lag),
                steps,
            )
        };
        let (mut merged, mut absorbed) = (ScenarioShard::new(), ScenarioShard::new());
        for k in 1..=3 {
            let (mut a, mut b) = (filled(k), filled(k));
            merged.merge(&a);
            a.reset();
            absorbed.absorb(&mut b);
            assert_eq!(view(&absorbed), view(&merged));
            assert_eq!(view(&b), view(&a));
            assert!(b.latency.is_empty() && b.steps[2].as_ref().unwrap().latency.is_empty());
        }
        assert_eq!(absorbed.latency.len(), 9);
    }

    /// The collector's window over two intervals, each drained from
    /// several threads' shards (the second round's threads new, the first
    /// round's shards left empty): each window holds its interval alone,
    /// and the totals both.
    #[test]
    fn drains_interval_after_interval_across_threads() {
        let recorder = Arc::new(Recorder::new(1));
        let record = |threads: usize, each: usize| {
            let t0 = Instant::now();
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let r = recorder.clone();
                    std::thread::spawn(move || {
                        for _ in 0..each {
                            let now = Instant::now();
                            assert!(r.record(0, Outcome::Ok, t0, now, now));
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        };
        let (mut window, mut spare) = (Drained::new(1), Drained::default());
        let mut totals = ScenarioShard::new();
        for (threads, each) in [(3, 50), (2, 7)] {
            record(threads, each);
            window.reset();
            recorder.drain(&mut window, &mut spare, false);
            let w = &window.scenarios[0];
            let n = (threads * each) as u64;
            assert_eq!(w.ok, n);
            for h in [&w.latency, &w.service_time, &w.schedule_lag] {
                assert_eq!(h.len(), n);
            }
            totals.merge(w);
        }
        assert_eq!((totals.ok, totals.latency.len()), (164, 164));
        for s in &spare.scenarios {
            assert!(s.latency.is_empty() && s.ok == 0, "the spare is left empty");
        }
    }

    #[test]
    fn counters_saturate_when_added_and_merged() {
        let recorder = Recorder::new(1);
        for _ in 0..3 {
            recorder.add_counter(7, u64::MAX / 2);
        }
        let mut acc = Drained::new(1);
        let mut spare = Drained::default();
        recorder.drain(&mut acc, &mut spare, false);
        assert_eq!(acc.metrics.counters[7], Some(u64::MAX));
        // Merging saturates too: three intervals of u64::MAX / 2 each.
        let mut total = MetricsShard::default();
        for _ in 0..3 {
            let mut interval = MetricsShard::default();
            *slot(&mut interval.counters, 7, || 0) = u64::MAX / 2;
            total.merge(&interval);
        }
        assert_eq!(total.counters[7], Some(u64::MAX));
    }

    #[test]
    fn error_and_check_counts_saturate() {
        let mut t = ErrorTable::default();
        for _ in 0..3 {
            t.add("boom", u64::MAX / 2);
            t.add(OTHER_KIND, u64::MAX / 2);
        }
        let mut merged = ErrorTable::default();
        merged.merge(&t);
        merged.merge(&t);
        for table in [&t, &merged] {
            let counts = table.to_counts();
            assert_eq!(counts[0].count, u64::MAX);
            assert_eq!(counts[1].kind, OTHER_KIND);
            assert_eq!(counts[1].count, u64::MAX);
        }
        let mut a = ScenarioShard::new();
        let mut b = ScenarioShard::new();
        *slot(&mut b.checks, 3, || (0, 0)) = (u64::MAX / 2, u64::MAX / 2);
        let step = slot(&mut b.steps, 2, || Box::new(StepShard::new()));
        step.ok = u64::MAX / 2;
        step.failed = u64::MAX / 2;
        for _ in 0..3 {
            a.merge(&b);
        }
        assert_eq!(a.checks[3], Some((u64::MAX, u64::MAX)));
        let step = a.steps[2].as_ref().unwrap();
        assert_eq!((step.ok, step.failed), (u64::MAX, u64::MAX));
    }
}
