//! `lot-report`: work with saved lot results without re-running the test.
//!
//! ```text
//! lot-report render --format html -o report.html run.json
//! ```

use std::process::ExitCode;

use lot_report::{Destination, Format, Sink, Summary};

const HELP: &str = "\
lot-report: work with saved lot results

USAGE:
    lot-report render [--format FORMAT] [-o OUT] RESULTS.json

COMMANDS:
    render    re-render a JSON results document

OPTIONS:
    -f, --format FORMAT   json, csv, html, md or text (default: from OUT's
                          extension, else text)
    -o, --output OUT      file to write, replaced atomically; - for standard
                          output (the default)
    -h, --help            print this message

EXIT STATUS:
    0 on success, 2 for a usage error, 1 when the input cannot be read or
    the output written.
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
        message: message.into(),
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
        Some("render") => render(&args[1..]),
        Some(other) => Err(usage(format!(
            "unknown command `{other}`; expected: render"
        ))),
    }
}

fn render(args: &[String]) -> Result<(), Failure> {
    let mut format = None;
    let mut output = None;
    let mut input = None;
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
            "-h" | "--help" => {
                print!("{HELP}");
                return Ok(());
            }
            flag if flag.starts_with('-') && flag != "-" => {
                return Err(usage(format!("unknown option `{flag}`")));
            }
            path => {
                if input.replace(path.to_owned()).is_some() {
                    return Err(usage("give exactly one results file"));
                }
            }
        }
    }
    let input = input.ok_or_else(|| usage("missing the results file to render"))?;
    let destination = match output.as_deref() {
        None | Some("-") => Destination::Stdout,
        Some(path) => Destination::File(path.into()),
    };
    let format = format.unwrap_or_else(|| match &destination {
        Destination::File(path) => path
            .extension()
            .and_then(|e| e.to_str())
            .and_then(|e| Format::from_name(if e == "htm" { "html" } else { e }))
            .unwrap_or(Format::Text),
        Destination::Stdout => Format::Text,
    });

    let text = std::fs::read_to_string(&input)
        .map_err(|e| failed(format!("cannot read `{input}`: {e}")))?;
    let summary: Summary = serde_json::from_str(&text)
        .map_err(|e| failed(format!("`{input}` is not a lot JSON results document: {e}")))?;
    if summary.schema_version != lot_report::SCHEMA_VERSION {
        return Err(failed(format!(
            "`{input}` has schema version {}; this lot-report reads version {}",
            summary.schema_version,
            lot_report::SCHEMA_VERSION
        )));
    }
    let mut sink = Sink::open(&destination).map_err(|e| failed(e.to_string()))?;
    sink.commit(format.render(&summary).as_bytes())
        .map_err(|e| failed(format!("cannot write `{destination}`: {e}")))
}
