//! Output destinations: the `LOT_OUT` syntax and atomic file writes.
//!
//! `LOT_OUT` is a comma-separated list of `FORMAT=PATH`, with `FORMAT` one of
//! `json`, `csv`, `html`, `md`, `text`. `PATH` is a file, or `-` for standard
//! output. A comma starts a new entry only where a `NAME=` follows it
//! ([`entries`]), so a comma inside a path or a URL's query
//! (`prometheus=http://h/w?extra_label=a,b`) stays in its entry; write one
//! that is followed by `NAME=` as `%2C` in a URL. Files are written atomically: into a temporary
//! file beside the destination, then renamed over it, so a reader never sees a
//! half-written report. The temporary file is created when the output is
//! opened, before any load is sent, so an unwritable path is reported first.
//!
//! Every temporary file is removed on every way out: when it is renamed
//! into place, when its [`Sink`] is dropped, and when the process is ended
//! early through [`exit_removing_temp_files`] (a run's third signal). A
//! destination is therefore either complete or untouched, and no
//! `.NAME.PID.N.tmp` file is left behind.

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use crate::model::Summary;
use crate::reporter::{BoxError, Reporter};

/// The outputs of `LOT_OUT` that stream a run to a service rather than
/// write a file: `prometheus=URL` (Prometheus remote write), which lot
/// opens with its `prometheus` feature. [`OutputSpec::parse`] lists them
/// among the formats it expects, and does not parse them.
pub const STREAMS: &[&str] = &["prometheus"];

/// A results format that can be written to a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The JSON results document (a serialized [`Summary`]).
    Json,
    /// The interval time series as CSV (see [`crate::csv`]).
    Csv,
    /// A self-contained HTML report with charts (see [`crate::html`]).
    Html,
    /// A Markdown summary for CI job summaries (see [`crate::markdown`]).
    Md,
    /// The terminal summary as plain text.
    Text,
}

impl Format {
    /// Every format, in the order error messages list them.
    pub const ALL: &'static [Format] = &[
        Format::Json,
        Format::Csv,
        Format::Html,
        Format::Md,
        Format::Text,
    ];

    /// The name used in `LOT_OUT` and on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Md => "md",
            Format::Text => "text",
        }
    }

    /// The format named `name`, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Writes `summary` in this format to `out`, the same bytes as
    /// [`render`](Format::render). The JSON document is written as it is
    /// serialized, never held whole: a long run's document can be hundreds
    /// of megabytes.
    pub fn write(self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Format::Json => crate::json::write_json(summary, out),
            other => out.write_all(other.render(summary).as_bytes()),
        }
    }

    /// Renders `summary` in this format.
    pub fn render(self, summary: &Summary) -> String {
        match self {
            Format::Json => crate::json::to_json(summary),
            Format::Csv => crate::csv::render(summary),
            Format::Html => crate::html::render(summary),
            Format::Md => crate::markdown::render(summary),
            Format::Text => crate::terminal::render_summary(summary),
        }
    }
}

/// Where an output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`).
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Stdout => f.write_str("-"),
            Destination::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One `FORMAT=PATH` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    /// The format to write.
    pub format: Format,
    /// Where to write it.
    pub destination: Destination,
}

/// `url` as messages show it, without what may be secret: user information
/// becomes `***@` (`https://***@host/path`), a query `?***` and a fragment
/// `#***`. The user information is taken to end at the URL's last `@`,
/// since a password may hold `/`, `?` or `#`: a `@` in a path or query
/// hides more than it needs to, never less.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (&url[..scheme.len() + 3], rest),
        None => ("", url),
    };
    let (user, rest) = match rest.rfind('@') {
        Some(at) => ("***@", &rest[at + 1..]),
        None => ("", rest),
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let (head, after) = rest.split_at(end);
    let mut shown = format!("{scheme}{user}{head}");
    if after.starts_with('?') {
        shown.push_str("?***");
    }
    if after.contains('#') {
        shown.push_str("#***");
    }
    shown
}

/// The entries of a `LOT_OUT` list, trimmed, empty ones (a trailing comma)
/// left out. A comma separates two entries only where what follows it is a
/// name of letters and `=` (`json=`, `prometheus =`), so commas inside a
/// path or a URL's query stay in their entry.
pub fn entries(list: &str) -> Vec<&str> {
    let starts_entry = |rest: &str| {
        let rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        let name = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        rest.is_empty() || (name > 0 && rest[name..].trim_start().starts_with('='))
    };
    let mut out = Vec::new();
    let mut start = 0;
    for (at, _) in list.match_indices(',') {
        if starts_entry(&list[at + 1..]) {
            out.push(list[start..at].trim());
            start = at + 1;
        }
    }
    out.push(list[start..].trim());
    out.retain(|entry| !entry.is_empty());
    out
}

impl OutputSpec {
    /// Parses a comma-separated `FORMAT=PATH` list such as `json=run.json,json=-`
    /// (split by [`entries`]).
    ///
    /// Empty entries (a trailing comma) are ignored.
    pub fn parse_list(list: &str) -> Result<Vec<OutputSpec>, OutputError> {
        entries(list).into_iter().map(OutputSpec::parse).collect()
    }

    /// Parses one `FORMAT=PATH` entry.
    pub fn parse(entry: &str) -> Result<OutputSpec, OutputError> {
        let Some((format, path)) = entry.split_once('=') else {
            return Err(OutputError::syntax(
                entry,
                "expected FORMAT=PATH, for example json=results.json",
            ));
        };
        let format = format.trim();
        let path = path.trim();
        let Some(format) = Format::from_name(format) else {
            let files = Format::ALL.iter().map(|f| f.name());
            let valid: Vec<&str> = files.chain(STREAMS.iter().copied()).collect();
            return Err(OutputError::syntax(
                entry,
                &format!(
                    "unknown output format `{format}`; expected one of: {}",
                    valid.join(", ")
                ),
            ));
        };
        if path.is_empty() {
            return Err(OutputError::syntax(
                entry,
                "the path is empty; give a file path or `-` for standard output",
            ));
        }
        let destination = if path == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(path))
        };
        Ok(OutputSpec {
            format,
            destination,
        })
    }

    /// Opens the destination (creating the temporary file of a file
    /// destination) and returns the reporter that writes this output.
    pub fn open(&self) -> Result<Box<dyn Reporter>, OutputError> {
        let sink = Sink::open(&self.destination)?;
        Ok(Box::new(FileReporter::new(self.format, sink)))
    }
}

/// A bad `LOT_OUT` entry, or a destination that cannot be written.
#[derive(Debug)]
pub struct OutputError {
    entry: String,
    message: String,
    source: Option<io::Error>,
    destination: bool,
}

impl OutputError {
    /// A malformed output entry: `entry` as given (with no secret in it),
    /// and what is wrong with it. Outputs defined outside this crate (lot's
    /// streams) use it too.
    pub fn invalid(entry: &str, message: &str) -> OutputError {
        OutputError::syntax(entry, message)
    }

    /// An output whose destination cannot be opened (an address that
    /// cannot be bound, say): [`is_io`](OutputError::is_io) is `true`.
    pub fn unavailable(entry: &str, message: &str, source: Option<io::Error>) -> OutputError {
        OutputError {
            source,
            destination: true,
            ..OutputError::syntax(entry, message)
        }
    }

    fn syntax(entry: &str, message: &str) -> OutputError {
        OutputError {
            entry: entry.to_owned(),
            message: message.to_owned(),
            source: None,
            destination: false,
        }
    }

    /// Whether the destination cannot be written (as opposed to a malformed entry).
    pub fn is_io(&self) -> bool {
        self.destination
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid output `{}`: {}", self.entry, self.message)?;
        if let Some(e) = &self.source {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// A destination opened for one complete write.
///
/// A file sink holds an open temporary file beside its destination;
/// [`Sink::commit`] writes the bytes, syncs and renames it into place.
/// Dropping an uncommitted sink removes the temporary file.
#[derive(Debug)]
pub struct Sink {
    destination: Destination,
    temp: Option<(PathBuf, File)>,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The temporary files of every open file sink in the process. A sink
/// registers its file when it creates it and takes it out, under this lock,
/// when it renames or removes it, so [`exit_removing_temp_files`] cannot
/// race a rename: each file is either renamed or removed, never both or
/// neither.
static TEMP_FILES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temp_files() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the lock is held cannot leave the list half-changed
    // (each change is one push or one swap_remove), so a poisoned lock is
    // still usable.
    TEMP_FILES.lock().unwrap_or_else(PoisonError::into_inner)
}

fn forget_temp_file(files: &mut Vec<PathBuf>, path: &Path) {
    if let Some(i) = files.iter().position(|p| p == path) {
        files.swap_remove(i);
    }
}

/// Ends the process at once with `code`, after removing the temporary file
/// of every output not yet written.
///
/// Outputs already renamed into place stay complete; the others are left as
/// they were before the run. The lock on the list of temporary files is held
/// until the process ends, so no output is renamed into place while, or
/// after, the others are removed.
pub fn exit_removing_temp_files(code: i32) -> ! {
    let files = temp_files();
    for path in files.iter() {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(code)
}

impl Sink {
    /// Opens `destination`.
    pub fn open(destination: &Destination) -> Result<Sink, OutputError> {
        let temp = match destination {
            Destination::Stdout => None,
            Destination::File(path) => {
                let unusable = |message: &str| OutputError {
                    entry: path.display().to_string(),
                    message: message.to_owned(),
                    source: None,
                    destination: true,
                };
                if path
                    .as_os_str()
                    .to_string_lossy()
                    .ends_with(std::path::MAIN_SEPARATOR)
                {
                    return Err(unusable("the path names a directory; expected a file path"));
                }
                if path.is_dir() {
                    return Err(unusable("the path is a directory; expected a file path"));
                }
                let temp_path = temp_path_for(path);
                let mut files = temp_files();
                let file = File::create(&temp_path).map_err(|e| OutputError {
                    entry: path.display().to_string(),
                    message: format!("cannot create a file in `{}`", parent_of(path).display()),
                    source: Some(e),
                    destination: true,
                })?;
                files.push(temp_path.clone());
                Some((temp_path, file))
            }
        };
        Ok(Sink {
            destination: destination.clone(),
            temp,
        })
    }

    /// The destination this sink writes.
    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    /// Writes `bytes` as the whole content of the destination.
    pub fn commit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.commit_with(|out| out.write_all(bytes))
    }

    /// Writes the whole content of the destination with `write`, through a
    /// buffer; a file is then synced and renamed into place, as with
    /// [`commit`](Sink::commit). If `write` fails, the destination is
    /// untouched.
    pub fn commit_with(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        let path = match &self.destination {
            Destination::Stdout => {
                let mut out = io::BufWriter::new(io::stdout().lock());
                write(&mut out)?;
                return out.flush();
            }
            Destination::File(path) => path.clone(),
        };
        // The temporary file stays the sink's while `write` runs, so that if
        // it panics, dropping the sink still removes the file.
        let Some((_, file)) = self.temp.as_mut() else {
            return Err(io::Error::other(format!(
                "output `{}` was already written",
                path.display()
            )));
        };
        let written = {
            let mut out = io::BufWriter::new(&*file);
            write(&mut out).and_then(|()| out.flush())
        }
        .and_then(|()| file.sync_all());
        let (temp_path, file) = self
            .temp
            .take()
            .expect("the temporary file was just written");
        drop(file);
        let written = {
            let mut files = temp_files();
            let renamed = written.and_then(|()| std::fs::rename(&temp_path, &path));
            if renamed.is_err() {
                let _ = std::fs::remove_file(&temp_path);
            }
            forget_temp_file(&mut files, &temp_path);
            renamed
        };
        if written.is_ok() {
            // Make the rename itself durable (best effort: not every
            // platform can sync a directory).
            if let Ok(dir) = File::open(parent_of(&path)) {
                let _ = dir.sync_all();
            }
        }
        written
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some((temp_path, _)) = self.temp.take() {
            let mut files = temp_files();
            let _ = std::fs::remove_file(&temp_path);
            forget_temp_file(&mut files, &temp_path);
        }
    }
}

/// Writes the run's [`Summary`] in one [`Format`] to a [`Sink`], once, at the
/// end of the run: the reporter behind every `LOT_OUT` entry.
#[derive(Debug)]
pub struct FileReporter {
    format: Format,
    sink: Sink,
}

impl FileReporter {
    /// A reporter writing `format` to an opened sink.
    pub fn new(format: Format, sink: Sink) -> FileReporter {
        FileReporter { format, sink }
    }
}

#[async_trait]
impl Reporter for FileReporter {
    fn name(&self) -> String {
        format!("{} ({})", self.format.name(), self.sink.destination())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        let format = self.format;
        self.sink.commit_with(|out| format.write(summary, out))?;
        Ok(())
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    parent_of(path).join(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(list: &str, expected: Result<Vec<(Format, &str)>, &str>) {
        let got = OutputSpec::parse_list(list);
        match expected {
            Ok(want) => {
                let got = got.unwrap();
                let got: Vec<(Format, String)> = got
                    .into_iter()
                    .map(|s| (s.format, s.destination.to_string()))
                    .collect();
                let want: Vec<(Format, String)> =
                    want.into_iter().map(|(f, p)| (f, p.to_owned())).collect();
                assert_eq!(got, want, "{list}");
            }
            Err(message) => assert_eq!(got.unwrap_err().to_string(), message, "{list}"),
        }
    }

    #[test]
    fn the_secrets_of_a_url_are_hidden() {
        for (url, shown) in [
            (
                "https://ada:s3cret@mimir.example/api/v1/push",
                "https://***@mimir.example/api/v1/push",
            ),
            ("http://host:9090/x", "http://host:9090/x"),
            ("https://t0ken@h", "https://***@h"),
            ("https://h/w?key=s3cret&x=1", "https://h/w?***"),
            ("https://h?key=s3cret", "https://h?***"),
            ("https://h/w#s3cret", "https://h/w#***"),
            ("https://a:b@h/w?k=s3cret#f", "https://***@h/w?***#***"),
            // A password holding `/`, `?`, `#` or `@` is hidden whole.
            ("https://u:pa/ss@h/w", "https://***@h/w"),
            ("https://u:se?cret@h", "https://***@h"),
            ("https://u:se#cret@h/w?k=v", "https://***@h/w?***"),
            ("http://a@b@c/", "http://***@c/"),
            ("http://[::1]:9090/w", "http://[::1]:9090/w"),
            ("h:1/w?s3cret", "h:1/w?***"),
            ("", ""),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn commas_split_entries_only_before_a_name() {
        for (list, want) in [
            ("json=a.json,csv=b.csv", vec!["json=a.json", "csv=b.csv"]),
            (" json = a.json , md=- ,", vec!["json = a.json", "md=-"]),
            (
                "prometheus=http://h/w?extra_label=a,b,json=-",
                vec!["prometheus=http://h/w?extra_label=a,b", "json=-"],
            ),
            ("json=run,1.json", vec!["json=run,1.json"]),
            ("json=x.json,,", vec!["json=x.json"]),
            ("json=a,,csv=b", vec!["json=a", "csv=b"]),
            ("jsn=x.json", vec!["jsn=x.json"]),
            ("", vec![]),
        ] {
            assert_eq!(entries(list), want, "{list}");
        }
    }

    #[test]
    fn parses_lot_out() {
        check("json=run.json", Ok(vec![(Format::Json, "run.json")]));
        check(
            " json = a.json , json=- ,",
            Ok(vec![(Format::Json, "a.json"), (Format::Json, "-")]),
        );
        check("", Ok(vec![]));
        check(
            "jsn=run.json",
            Err(
                "invalid output `jsn=run.json`: unknown output format `jsn`; expected one of: json, csv, html, md, text, prometheus",
            ),
        );
        check(
            "run.json",
            Err("invalid output `run.json`: expected FORMAT=PATH, for example json=results.json"),
        );
        check(
            "json=",
            Err(
                "invalid output `json=`: the path is empty; give a file path or `-` for standard output",
            ),
        );
    }

    #[test]
    fn unwritable_destination_fails_at_open() {
        let spec = OutputSpec::parse("json=/nonexistent-dir-for-lot/run.json").unwrap();
        let err = spec
            .open()
            .err()
            .expect("a missing directory cannot be opened");
        assert!(err.is_io());
        let message = err.to_string();
        assert!(
            message.contains("/nonexistent-dir-for-lot/run.json"),
            "{message}"
        );
    }

    #[test]
    fn a_directory_is_not_a_destination() {
        let dir = std::env::temp_dir();
        let err = OutputSpec::parse(&format!("json={}", dir.display()))
            .unwrap()
            .open()
            .err()
            .expect("a directory cannot be written as a file");
        assert!(err.is_io());
        assert!(err.to_string().contains("is a directory"), "{err}");
        let err = OutputSpec::parse("json=results/")
            .unwrap()
            .open()
            .err()
            .expect("a trailing separator names a directory");
        assert!(err.to_string().contains("names a directory"), "{err}");
    }

    #[test]
    fn sink_commits_atomically_and_cleans_up() {
        let dir = std::env::temp_dir().join(format!("lot-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.json");
        let mut sink = Sink::open(&Destination::File(path.clone())).unwrap();
        assert!(!path.exists(), "nothing is visible before commit");
        sink.commit(b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        drop(Sink::open(&Destination::File(dir.join("never.json"))).unwrap());
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "only the committed file remains");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
