//! Reading a results document from a file, as `render` and `merge` do.
//!
//! A results file is input from anywhere, so reading it is bounded and
//! checked, and every error names the file:
//!
//! - A file larger than a limit ([`MAX_INPUT_BYTES`] unless told otherwise)
//!   is refused by its size before it is read; a stream with no size (a pipe)
//!   is refused once it has given more than the limit.
//! - The document is parsed as it is read, never held as text, so memory is
//!   that of the parsed [`Summary`] alone: less than the file's size for
//!   what lot writes (a 30 MB document peaked at 18.7 MB), a few times its
//!   size at most for a crafted one, since no list of bare numbers is
//!   longer than the shard bound ([`MAX_SHARDS`](crate::model::MAX_SHARDS)).
//! - JSON errors give the line and column; a truncated file is named as such.
//! - Every `hdr` histogram is checked ([`check`]): its encoding, its bounds,
//!   and that it holds the `count` its statistics give.
//! - The counts of HTTP requests add up (see [`requests`](crate::requests)):
//!   a request summary's `count` is its failed requests and responses, an
//!   interval's requests are at least its failed ones and responses by class.
//!
//! The limit: a run of 24 hours with 1 s intervals and 100 scenarios writes
//! about 4 GiB of pretty-printed JSON (about 50 KB per interval), 9 GiB with
//! two steps per scenario; a 1 hour run with 10 scenarios about 20 MB. The
//! default of 1 GiB takes a day of 10 scenarios; a larger limit is the
//! reader's explicit choice.
//! - The intervals' rows must name the run's scenarios and steps: a row
//!   per scenario and step at most, so what merge carries from interval to
//!   interval stays in proportion to the run; and they give at most
//!   [`MAX_ROW_NAMES`] names.
//! - [`read_summary_with`] hands the intervals to a sink one at a time
//!   instead of keeping them, with the same checks: `compare` reads so, and
//!   keeps of a long run only what it compares (see
//!   [`compare::series`](crate::compare::series)).

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::model::{Interval, SCHEMA_VERSION, Summary};
use crate::requests::{MAX_STATUS_CODES, PHASES, RequestSummary};
use crate::stats::DecodeError;

/// The default limit on the size of a results file: 1 GiB.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Why a results file could not be read. Its text names the file.
#[derive(Debug)]
pub struct ReadError {
    path: PathBuf,
    kind: Kind,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Io,
    TooLarge,
    Json,
    SchemaVersion,
    Field,
}

impl ReadError {
    fn new(path: &Path, kind: Kind, message: String) -> ReadError {
        ReadError {
            path: path.to_owned(),
            kind,
            message,
        }
    }

    /// The file that could not be read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file could not be opened or read.
    pub fn is_io(&self) -> bool {
        self.kind == Kind::Io
    }

    /// Whether the file is larger than the limit.
    pub fn is_too_large(&self) -> bool {
        self.kind == Kind::TooLarge
    }

    /// Whether the file is not JSON, is truncated, or is not a results
    /// document.
    pub fn is_json(&self) -> bool {
        self.kind == Kind::Json
    }

    /// Whether the document has another schema version.
    pub fn is_schema_version(&self) -> bool {
        self.kind == Kind::SchemaVersion
    }

    /// Whether a field of the document does not hold what it should (a
    /// corrupt histogram).
    pub fn is_invalid_field(&self) -> bool {
        self.kind == Kind::Field
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

/// A field of a document that does not hold what it should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    field: String,
    error: DecodeError,
}

impl FieldError {
    /// The field, as a path into the document: `scenarios[0].latency.hdr`.
    pub fn field(&self) -> &str {
        &self.field
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.error)
    }
}

impl std::error::Error for FieldError {}

/// `n` bytes for people: `512 bytes`, `3.2 MiB`, `1.0 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    match UNITS.iter().find(|(_, size)| n >= *size) {
        Some((unit, size)) => format!("{n} bytes ({:.1} {unit})", n as f64 / *size as f64),
        None => format!("{n} bytes"),
    }
}

/// Counts the bytes read through it, in a count that stays readable once
/// the reader is handed on.
struct Counted<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Reads the results document at `path`, refusing a file of more than
/// `max_bytes` bytes, and checks it: its schema version, and every
/// histogram ([`check`]).
pub fn read_summary(path: impl AsRef<Path>, max_bytes: u64) -> Result<Summary, ReadError> {
    let path = path.as_ref();
    let summary = read_document(path, max_bytes)?;
    check(&summary).map_err(|e| field_error(path, e))?;
    Ok(summary)
}

fn field_error(path: &Path, e: FieldError) -> ReadError {
    ReadError::new(path, Kind::Field, format!("`{}`: {e}", path.display()))
}

/// Reads the results document at `path` as [`read_summary`] does, but hands
/// its intervals to `sink` one at a time as they are parsed instead of
/// keeping them: the [`Summary`] returned has no intervals, and memory is
/// that of the rest of the document and of what `sink` keeps. The
/// intervals' rows are checked all the same (see [`check`]), with at most
/// [`MAX_ROW_NAMES`] names among them.
pub fn read_summary_with<S: IntervalSink>(
    path: impl AsRef<Path>,
    max_bytes: u64,
    sink: S,
) -> Result<(Summary, S), ReadError> {
    let path = path.as_ref();
    let installed = Installed::new(Box::new(sink));
    let read = read_document(path, max_bytes);
    let (shape, sink) = installed.take();
    let summary = read?;
    check_fields(&summary).map_err(|e| field_error(path, e))?;
    shape.check(&summary).map_err(|e| field_error(path, e))?;
    let sink: Box<dyn std::any::Any> = sink;
    let sink = sink
        .downcast::<S>()
        .unwrap_or_else(|_| unreachable!("the sink installed is the one taken back"));
    Ok((summary, *sink))
}

/// Takes a document's intervals one at a time as [`read_summary_with`]
/// reads them.
pub trait IntervalSink: std::any::Any {
    /// Takes the next interval, whose rows have been gathered for the
    /// checks (and are within [`MAX_ROW_NAMES`] names) but not yet checked
    /// against the run's scenarios.
    fn interval(&mut self, interval: &Interval);
}

/// What reads a document's intervals on this thread, when they are not kept.
struct Sinking {
    shape: RowShape,
    sink: Box<dyn IntervalSink>,
}

thread_local! {
    static SINKING: std::cell::RefCell<Option<Sinking>> = const { std::cell::RefCell::new(None) };
}

/// A [`Sinking`] installed on this thread for one reading, and removed
/// when dropped, on every path.
struct Installed;

impl Installed {
    fn new(sink: Box<dyn IntervalSink>) -> Installed {
        SINKING.with(|s| {
            *s.borrow_mut() = Some(Sinking {
                shape: RowShape::default(),
                sink,
            })
        });
        Installed
    }

    fn take(self) -> (RowShape, Box<dyn IntervalSink>) {
        let sinking = SINKING.with(|s| s.borrow_mut().take());
        let sinking = sinking.unwrap_or_else(|| unreachable!("installed until taken"));
        (sinking.shape, sinking.sink)
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        SINKING.with(|s| s.borrow_mut().take());
    }
}

/// Deserializes [`Summary::intervals`]: into the list, or, while
/// [`read_summary_with`] reads on this thread, into its sink one interval
/// at a time, leaving the list empty.
pub(crate) fn intervals<'de, D>(deserializer: D) -> Result<Vec<Interval>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Intervals;
    impl<'de> serde::de::Visitor<'de> for Intervals {
        type Value = Vec<Interval>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of intervals")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let sinking = SINKING.with(|s| s.borrow().is_some());
            let mut kept = Vec::new();
            while let Some(interval) = seq.next_element::<Interval>()? {
                if !sinking {
                    kept.push(interval);
                    continue;
                }
                SINKING.with(|s| {
                    let mut s = s.borrow_mut();
                    let s = s
                        .as_mut()
                        .unwrap_or_else(|| unreachable!("installed while reading"));
                    s.shape.add(&interval).map_err(serde::de::Error::custom)?;
                    s.sink.interval(&interval);
                    Ok::<(), A::Error>(())
                })?;
            }
            Ok(kept)
        }
    }
    deserializer.deserialize_seq(Intervals)
}

/// Opens, bounds, parses and version-checks the document at `path`.
fn read_document(path: &Path, max_bytes: u64) -> Result<Summary, ReadError> {
    let shown = path.display();
    let io_error =
        |e: io::Error| ReadError::new(path, Kind::Io, format!("cannot read `{shown}`: {e}"));
    let too_large = |size: String| {
        ReadError::new(
            path,
            Kind::TooLarge,
            format!(
                "`{shown}` is {size}, over the limit of {} for a results file",
                bytes(max_bytes)
            ),
        )
    };
    let file = File::open(path).map_err(io_error)?;
    let metadata = file.metadata().map_err(io_error)?;
    if metadata.is_dir() {
        return Err(io_error(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        )));
    }
    if metadata.is_file() && metadata.len() > max_bytes {
        return Err(too_large(bytes(metadata.len())));
    }
    // One byte past the limit tells a stream at the limit from a longer one
    // (a pipe has no size to check first, and a file may grow).
    // The buffer outermost, and handed over whole: the parser takes a byte
    // at a time, which std serves straight from a `BufReader`'s buffer.
    let read = std::rc::Rc::new(std::cell::Cell::new(0));
    let reader = BufReader::with_capacity(
        1 << 16,
        Counted {
            inner: file.take(max_bytes.saturating_add(1)),
            read: read.clone(),
        },
    );
    let parsed = serde_json::from_reader::<_, Summary>(reader);
    if read.get() > max_bytes {
        return Err(too_large(format!("more than {}", bytes(max_bytes))));
    }
    let summary = parsed.map_err(|e| {
        if e.is_io() {
            return io_error(e.into());
        }
        let what = if e.is_eof() {
            "is truncated"
        } else {
            "is not a lot JSON results document"
        };
        ReadError::new(path, Kind::Json, format!("`{shown}` {what}: {e}"))
    })?;
    if summary.schema_version != SCHEMA_VERSION {
        return Err(ReadError::new(
            path,
            Kind::SchemaVersion,
            format!(
                "`{shown}` has schema version {}; this lot-report reads version {SCHEMA_VERSION}",
                summary.schema_version
            ),
        ));
    }
    Ok(summary)
}

/// Checks one request summary: its histograms, each holding at most
/// `count` values, and its counts (see [`requests`](crate::requests)):
/// `reused <= count`, `count == failed + Σ status[].count + status_other`,
/// and a status table of distinct codes within its bound.
fn check_request(at: &str, r: &RequestSummary) -> Result<(), FieldError> {
    let wrong = |what: &str, message: String| FieldError {
        field: format!("{at}.{what}"),
        error: DecodeError::new(message),
    };
    for (name, stats) in PHASES.iter().zip(r.phases()) {
        stats.check().map_err(|error| FieldError {
            field: format!("{at}.{name}.hdr"),
            error,
        })?;
        if stats.count > r.count {
            return Err(wrong(
                &format!("{name}.count"),
                format!("{} values for {} requests (`count`)", stats.count, r.count),
            ));
        }
    }
    if r.reused > r.count {
        return Err(wrong(
            "reused",
            format!("{} reused of {} requests (`count`)", r.reused, r.count),
        ));
    }
    if r.status.len() > MAX_STATUS_CODES {
        return Err(wrong(
            "status",
            format!(
                "{} codes; at most {MAX_STATUS_CODES} are listed, the rest counted in `status_other`",
                r.status.len()
            ),
        ));
    }
    let mut codes: Vec<u16> = r.status.iter().map(|s| s.code).collect();
    codes.sort_unstable();
    if let Some(w) = codes.windows(2).find(|w| w[0] == w[1]) {
        return Err(wrong("status", format!("code {} listed twice", w[0])));
    }
    if !r.is_balanced() {
        return Err(wrong(
            "count",
            format!(
                "{} requests, but `failed`, `status` and `status_other` add up to {}",
                r.count,
                r.status.iter().map(|s| s.count as u128).sum::<u128>()
                    + r.failed as u128
                    + r.status_other as u128
            ),
        ));
    }
    Ok(())
}

/// Checks that no (step, name) is listed twice in a scenario's requests.
fn check_distinct_requests(i: usize, requests: &[RequestSummary]) -> Result<(), FieldError> {
    let mut seen = std::collections::HashSet::new();
    for (j, r) in requests.iter().enumerate() {
        if !seen.insert((r.step.as_deref(), r.name.as_str())) {
            return Err(FieldError {
                field: format!("scenarios[{i}].requests[{j}]"),
                error: DecodeError::new(format!(
                    "{} listed twice",
                    match &r.step {
                        Some(step) => format!("request {:?} of step {step:?}", r.name),
                        None => format!("request {:?}", r.name),
                    }
                )),
            });
        }
    }
    Ok(())
}

/// Checks every histogram of a document: each `hdr` must be the encoding
/// lot writes and hold the `count` beside it; and the counts of HTTP
/// requests, which must add up as the [`requests`](crate::requests) docs
/// say. The first field that does not is named by its path in the document. The work follows the length of the
/// `hdr` fields; no histogram is built.
pub fn check(summary: &Summary) -> Result<(), FieldError> {
    check_fields(summary)?;
    let mut rows = RowShape::default();
    for interval in &summary.intervals {
        rows.add(interval)?;
    }
    rows.check(summary)
}

/// [`check`] but for the intervals' rows.
fn check_fields(summary: &Summary) -> Result<(), FieldError> {
    let field = |path: String, result: Result<(), DecodeError>| {
        result.map_err(|error| FieldError {
            field: format!("{path}.hdr"),
            error,
        })
    };
    for (name, stats) in [
        ("latency", &summary.latency),
        ("service_time", &summary.service_time),
        ("schedule_lag", &summary.schedule_lag),
    ] {
        field(name.to_owned(), stats.check())?;
    }
    for (i, scenario) in summary.scenarios.iter().enumerate() {
        for (name, stats) in [
            ("latency", &scenario.latency),
            ("service_time", &scenario.service_time),
            ("schedule_lag", &scenario.schedule_lag),
        ] {
            field(format!("scenarios[{i}].{name}"), stats.check())?;
        }
        for (j, step) in scenario.steps.iter().enumerate() {
            field(
                format!("scenarios[{i}].steps[{j}].latency"),
                step.latency.check(),
            )?;
        }
        for (j, request) in scenario.requests.iter().enumerate() {
            check_request(&format!("scenarios[{i}].requests[{j}]"), request)?;
        }
        check_distinct_requests(i, &scenario.requests)?;
    }
    for (i, timing) in summary.metrics.timings.iter().enumerate() {
        field(format!("metrics.timings[{i}].stats"), timing.stats.check())?;
    }
    for (i, histogram) in summary.metrics.histograms.iter().enumerate() {
        field(
            format!("metrics.histograms[{i}].stats"),
            histogram.stats.check(),
        )?;
    }
    Ok(())
}

/// The most distinct names the rows of a document's intervals may give,
/// scenarios and steps together: 10,000.
///
/// The rows are checked against the run's scenarios once the document is
/// read, and a reader that condenses the intervals as they come
/// ([`read_summary_with`]) keeps something per name until then, so the
/// names are bounded as they are read.
pub const MAX_ROW_NAMES: usize = 10_000;

/// Where a name was first seen in the intervals' rows, and the most rows
/// of steps a row of that scenario had.
struct RowName {
    first: (usize, usize),
    most_steps: (usize, usize, usize),
    steps: std::collections::HashSet<String>,
}

/// What the checks of the intervals' rows need, gathered one interval at
/// a time (so that the intervals need not be held) and checked against the
/// run's scenarios at the end ([`RowShape::check`]): the interval with the
/// most rows, each scenario name's first row and its most rows of steps,
/// and the first row whose HTTP counts do not add up.
#[derive(Default)]
pub(crate) struct RowShape {
    intervals: usize,
    most_rows: (usize, usize),
    names: Vec<(String, RowName)>,
    index: std::collections::HashMap<String, usize>,
    distinct: usize,
    http: Option<(usize, usize)>,
}

impl RowShape {
    /// Takes the next interval's rows; an error when they bring the
    /// distinct names past [`MAX_ROW_NAMES`].
    pub(crate) fn add(&mut self, interval: &Interval) -> Result<(), FieldError> {
        let i = self.intervals;
        self.intervals += 1;
        if interval.scenarios.len() > self.most_rows.0 {
            self.most_rows = (interval.scenarios.len(), i);
        }
        for (j, row) in interval.scenarios.iter().enumerate() {
            let at = match self.index.get(row.name.as_str()) {
                Some(&at) => at,
                None => {
                    self.count_name(i, j)?;
                    self.index.insert(row.name.clone(), self.names.len());
                    self.names.push((
                        row.name.clone(),
                        RowName {
                            first: (i, j),
                            most_steps: (0, i, j),
                            steps: Default::default(),
                        },
                    ));
                    self.names.len() - 1
                }
            };
            if row.steps.len() > self.names[at].1.most_steps.0 {
                self.names[at].1.most_steps = (row.steps.len(), i, j);
            }
            for step in &row.steps {
                if !self.names[at].1.steps.contains(step.name.as_str()) {
                    self.count_name(i, j)?;
                    self.names[at].1.steps.insert(step.name.clone());
                }
            }
            if self.http.is_none() && !row.http.is_consistent() {
                self.http = Some((i, j));
            }
        }
        Ok(())
    }

    fn count_name(&mut self, i: usize, j: usize) -> Result<(), FieldError> {
        self.distinct += 1;
        if self.distinct > MAX_ROW_NAMES {
            return Err(FieldError {
                field: format!("intervals[{i}].scenarios[{j}]"),
                error: DecodeError::new(format!(
                    "more than {MAX_ROW_NAMES} scenario and step names in the intervals' rows"
                )),
            });
        }
        Ok(())
    }

    /// Checks what was gathered against the run's scenarios: an interval
    /// has a row per scenario at most, each row names one of the run's
    /// scenarios and has a row per step of it at most, so nothing built per
    /// interval and per row (merge carries rows forward) outgrows the run;
    /// and every row's HTTP counts add up.
    pub(crate) fn check(&self, summary: &Summary) -> Result<(), FieldError> {
        let shape = |path: String, message: String| FieldError {
            field: path,
            error: DecodeError::new(message),
        };
        let (rows, i) = self.most_rows;
        if rows > summary.scenarios.len() {
            return Err(shape(
                format!("intervals[{i}].scenarios"),
                format!(
                    "{rows} rows for a run of {} scenarios",
                    summary.scenarios.len()
                ),
            ));
        }
        let steps_of: std::collections::HashMap<&str, usize> = summary
            .scenarios
            .iter()
            .map(|s| (s.name.as_str(), s.steps.len()))
            .collect();
        for (name, seen) in &self.names {
            let Some(&scenario_steps) = steps_of.get(name.as_str()) else {
                let (i, j) = seen.first;
                return Err(shape(
                    format!("intervals[{i}].scenarios[{j}].name"),
                    "not one of the run's scenarios".to_owned(),
                ));
            };
            let (steps, i, j) = seen.most_steps;
            if steps > scenario_steps {
                return Err(shape(
                    format!("intervals[{i}].scenarios[{j}].steps"),
                    format!("{steps} rows for a scenario of {scenario_steps} steps"),
                ));
            }
        }
        if let Some((i, j)) = self.http {
            return Err(shape(
                format!("intervals[{i}].scenarios[{j}].http"),
                "`failed` and the status classes add up to more than `requests`".to_owned(),
            ));
        }
        Ok(())
    }
}
