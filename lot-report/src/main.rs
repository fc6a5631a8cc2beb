//! `lot-report`: work with saved lot results without re-running the test.
//!
//! ```text
//! lot-report render --format html -o report.html run.json
//! lot-report merge -o total.json shard-*.json
//! lot-report compare --fail-if "latency p99 > +10%" base.json new.json
//! ```

use std::process::ExitCode;

use lot_report::{Destination, Format, Sink, Summary};

const HELP: &str = "\
lot-report: work with saved lot results

USAGE:
    lot-report render [--format FORMAT] [-o OUT] [--max-input-bytes N] RESULTS.json
    lot-report merge [--allow-partial] [--format FORMAT] [-o OUT] [--max-input-bytes N] SHARD.json...
    lot-report compare [--format FORMAT] [-o OUT] [--fail-if GATE]... [--max-input-bytes N] BASE.json NEW.json

COMMANDS:
    render    re-render a JSON results document
    merge     merge the results of a distributed run's shards (LOT_SEGMENT=I/N)
              into one: counts add up, percentiles come from the merged
              histograms, thresholds are evaluated again on the whole
    compare   compare two runs, scenario by scenario and step by step: the
              change of every count, rate and percentile, whether it is
              significant, and the --fail-if gates (see docs/compare.md)

OPTIONS:
    -f, --format FORMAT   json, csv, html, md or text (default: from OUT's
                          extension, else text for render and compare, json
                          for merge; compare writes json, html, md or text)
    -o, --output OUT      file to write, replaced atomically; - for standard
                          output (the default)
        --allow-partial   merge even when shards are missing (they are named)
        --fail-if GATE    compare: fail (exit 99) when the change passes GATE,
                          such as \"latency p99 > +10%\", \"error_rate > +0.5pp\"
                          or \"latency[checkout] p95 > +20ms significant\"
        --max-input-bytes N
                          refuse input files larger than N bytes (default
                          1073741824, 1 GiB)
    -h, --help            print this message

EXIT STATUS:
    0 on success, 2 for a usage error, 1 when an input cannot be read (it
    is missing, too large, not JSON, truncated, or a histogram in it is
    corrupt), the shards cannot be merged or the output written, 99 when a
    threshold fails on the merged results or a gate fails on the
    comparison (the output is written first). A gate that does not parse is
    a usage error; one whose scope names nothing in a run, or results of
    different schema versions, exit 1. Every error is one line on
    standard error naming the file.
";

/// A failure, with the exit status it maps to.
struct Failure {
    status: u8,
    message: String,
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        status: 2,
        message: format!("{}\n\n{HELP}", message.into()),
    }
}

fn failed(message: impl Into<String>) -> Failure {
    Failure {
        status: 1,
        message: one_line(&message.into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("lot-report: {}", f.message);
            ExitCode::from(f.status)
        }
    }
}

fn run(args: &[String]) -> Result<(), Failure> {
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            Ok(())
        }
        Some("render") => render(&args[1..], false),
        Some("merge") => render(&args[1..], true),
        Some("compare") => compare(&args[1..]),
        Some(other) => Err(usage(format!(
            "unknown command `{other}`; expected: render, merge, compare"
        ))),
    }
}

fn read(path: &str, max_bytes: u64) -> Result<Summary, Failure> {
    lot_report::read::read_summary(path, max_bytes).map_err(read_failed)
}

fn read_failed(e: lot_report::read::ReadError) -> Failure {
    if e.is_too_large() {
        failed(format!("{e} (raise it with --max-input-bytes)"))
    } else {
        failed(e.to_string())
    }
}

/// The longest error line written; a message quoting hostile input (a
/// huge unknown variant name, say) is cut in the middle.
const MAX_MESSAGE: usize = 2000;

/// `message` as one line of bounded length: control characters (a newline
/// in a file name or in a quoted value) are escaped.
/// Where `-o` sends the output: standard output without it or for `-`.
fn destination(output: Option<&str>) -> Destination {
    match output {
        None | Some("-") => Destination::Stdout,
        Some(path) => Destination::File(path.into()),
    }
}

/// The extension of a file destination, which names the format when
/// `--format` does not.
fn extension(destination: &Destination) -> Option<&str> {
    match destination {
        Destination::File(path) => path.extension().and_then(|e| e.to_str()),
        Destination::Stdout => None,
    }
}

fn one_line(message: &str) -> String {
    let mut escaped = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    let chars: Vec<char> = escaped.chars().collect();
    if chars.len() <= MAX_MESSAGE {
        return escaped;
    }
    let head: String = chars[..MAX_MESSAGE / 2].iter().collect();
    let tail: String = chars[chars.len() - MAX_MESSAGE / 4..].iter().collect();
    format!("{head} … {tail}")
}

/// `render` (one input) or `merge` (several) into one output.
fn render(args: &[String], merging: bool) -> Result<(), Failure> {
    let mut format = None;
    let mut output = None;
    let mut inputs: Vec<String> = Vec::new();
    let mut allow_partial = false;
    let mut max_bytes = lot_report::read::MAX_INPUT_BYTES;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| usage(format!("`{flag}` needs a value")))
        };
        match arg.as_str() {
            "-f" | "--format" => {
                let name = value(arg)?;
                let valid: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format = Some(Format::from_name(&name).ok_or_else(|| {
                    usage(format!(
                        "unknown format `{name}`; expected one of: {}",
                        valid.join(", ")
                    ))
                })?);
            }
            "-o" | "--output" => output = Some(value(arg)?),
            "--max-input-bytes" => {
                let text = value(arg)?;
                max_bytes = text.parse().map_err(|_| {
                    usage(format!(
                        "`--max-input-bytes` takes a number of bytes, not `{text}`"
                    ))
                })?;
            }
            "--allow-partial" if merging => allow_partial = true,
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(());
            }
            flag if flag.starts_with('-') && flag != "-" => {
                return Err(usage(format!("unknown option `{flag}`")));
            }
            path => inputs.push(path.to_owned()),
        }
    }
    if inputs.is_empty() {
        return Err(usage(if merging {
            "missing the shard results to merge"
        } else {
            "missing the results file to render"
        }));
    }
    if !merging && inputs.len() > 1 {
        return Err(usage(
            "give exactly one results file to render (merge combines several)",
        ));
    }
    let destination = destination(output.as_deref());
    let format = format.unwrap_or_else(|| {
        extension(&destination)
            .and_then(|e| Format::from_name(if e == "htm" { "html" } else { e }))
            .unwrap_or(if merging { Format::Json } else { Format::Text })
    });

    let summary = if merging {
        let shards = inputs
            .iter()
            .map(|path| Ok((path.clone(), read(path, max_bytes)?)))
            .collect::<Result<Vec<_>, Failure>>()?;
        lot_report::merge::merge(&shards, allow_partial).map_err(|e| failed(e.to_string()))?
    } else {
        read(&inputs[0], max_bytes)?
    };
    let mut sink = Sink::open(&destination).map_err(|e| failed(e.to_string()))?;
    sink.commit_with(|out| format.write(&summary, out))
        .map_err(|e| failed(format!("cannot write `{destination}`: {e}")))?;
    if merging && !summary.thresholds_passed() {
        return Err(Failure {
            status: 99,
            message: "a threshold failed on the merged results".to_owned(),
        });
    }
    Ok(())
}

/// `compare BASE NEW`: the comparison in one output, then the gates.
fn compare(args: &[String]) -> Result<(), Failure> {
    use lot_report::compare::{self, Gate};
    let mut format = None;
    let mut output = None;
    let mut inputs: Vec<String> = Vec::new();
    let mut gates = Vec::new();
    let mut max_bytes = lot_report::read::MAX_INPUT_BYTES;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| usage(format!("`{flag}` needs a value")))
        };
        match arg.as_str() {
            "-f" | "--format" => {
                let name = value(arg)?;
                format = Some(CompareFormat::from_name(&name).ok_or_else(|| {
                    usage(format!(
                        "unknown format `{name}`; expected one of: text, md, json, html"
                    ))
                })?);
            }
            "-o" | "--output" => output = Some(value(arg)?),
            "--fail-if" => {
                let text = value(arg)?;
                gates.push(Gate::parse(&text).map_err(|e| usage(one_line(&e.to_string())))?);
            }
            "--max-input-bytes" => {
                let text = value(arg)?;
                max_bytes = text.parse().map_err(|_| {
                    usage(format!(
                        "`--max-input-bytes` takes a number of bytes, not `{text}`"
                    ))
                })?;
            }
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(());
            }
            flag if flag.starts_with('-') && flag != "-" => {
                return Err(usage(format!("unknown option `{flag}`")));
            }
            path => inputs.push(path.to_owned()),
        }
    }
    let [base_path, new_path] = inputs.as_slice() else {
        return Err(usage(
            "give two results files to compare: BASE.json NEW.json",
        ));
    };
    let destination = destination(output.as_deref());
    let format = format.unwrap_or_else(|| {
        extension(&destination)
            .and_then(CompareFormat::from_name)
            .unwrap_or(CompareFormat::Text)
    });
    // Reading is most of the work; the two files are read side by side.
    let (base, new) = std::thread::scope(|scope| {
        let read = |path: &str| compare::Condensed::read(path, max_bytes).map_err(read_failed);
        let base = scope.spawn(move || read(base_path));
        let new = read(new_path);
        (base.join(), new)
    });
    let base = base.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    let new = new?;
    let comparison = compare::compare_condensed((base_path, &base), (new_path, &new), &gates)
        .map_err(|e| failed(e.to_string()))?;
    let text = match format {
        CompareFormat::Text => compare::text::render(&comparison),
        CompareFormat::Md => compare::markdown::render(&comparison),
        CompareFormat::Json => compare::json::render(&comparison),
        CompareFormat::Html => compare::html::render(&comparison, &base, &new),
    };
    drop((base, new));
    for w in &comparison.warnings {
        eprintln!("lot-report: warning: {}", one_line(w));
    }
    let mut sink = Sink::open(&destination).map_err(|e| failed(e.to_string()))?;
    sink.commit(text.as_bytes())
        .map_err(|e| failed(format!("cannot write `{destination}`: {e}")))?;
    if !comparison.gates_passed() {
        let failed: Vec<&str> = comparison
            .gates
            .iter()
            .filter(|g| !g.passed)
            .map(|g| g.expression.as_str())
            .collect();
        return Err(Failure {
            status: 99,
            message: one_line(&format!("a gate failed: {}", failed.join("; "))),
        });
    }
    Ok(())
}

/// What `compare` writes.
#[derive(Clone, Copy)]
enum CompareFormat {
    Text,
    Md,
    Json,
    Html,
}

impl CompareFormat {
    fn from_name(name: &str) -> Option<CompareFormat> {
        Some(match name {
            "text" | "txt" => CompareFormat::Text,
            "md" | "markdown" => CompareFormat::Md,
            "json" => CompareFormat::Json,
            "html" | "htm" => CompareFormat::Html,
            _ => return None,
        })
    }
}
