//! The outputs of `LOT_OUT` (files, through lot-report, and the
//! `prometheus=URL` stream) and the live dashboard of `LOT_DASHBOARD`:
//! parsed with the settings, opened before any load is sent.
//!
//! The stream and the dashboard are crates of their own (lot-prometheus,
//! lot-dashboard), built only with lot's `prometheus` and `dashboard`
//! features; without them, asking for either is a configuration error
//! that names the feature.

use lot_report::output::{STREAMS, redact_url};
use lot_report::{OutputError, OutputSpec, Reporter};

/// One output entry.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Output {
    /// A results file (or standard output) in one of lot-report's formats.
    File(OutputSpec),
    /// Prometheus remote write to `url`; `entry` is the entry as shown in
    /// messages, with any password in the URL hidden.
    Prometheus { entry: String, url: String },
}

impl Output {
    /// Parses a comma-separated `LOT_OUT` list: lot-report's formats, and
    /// `prometheus=URL`.
    pub(crate) fn parse_list(list: &str) -> Result<Vec<Output>, OutputError> {
        let mut outputs: Vec<Output> = Vec::new();
        for entry in lot_report::output::entries(list) {
            let parsed = Output::parse(entry).map_err(|e| {
                // Right after a remote-write URL's query, `NAME=value` may
                // be the rest of that query, cut at its comma: a key, which
                // the error must not show.
                let after_query = matches!(
                    outputs.last(),
                    Some(Output::Prometheus { url, .. }) if url.contains('?')
                );
                match entry.split_once('=') {
                    Some((name, _)) if after_query => OutputError::invalid(
                        &format!("{}=…", name.trim()),
                        "not an output; if it belongs to the prometheus URL's query before it, write its comma as %2C",
                    ),
                    _ => e,
                }
            })?;
            outputs.push(parsed);
        }
        Ok(outputs)
    }

    fn parse(entry: &str) -> Result<Output, OutputError> {
        match entry.split_once('=') {
            Some((format, url)) if format.trim() == STREAMS[0] => {
                let url = url.trim();
                let shown = format!("{}={}", STREAMS[0], redact_url(url));
                if !cfg!(feature = "prometheus") {
                    return Err(OutputError::invalid(
                        &shown,
                        "the prometheus output needs lot's `prometheus` feature, which this build leaves out",
                    ));
                }
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(OutputError::invalid(
                        &shown,
                        "expected prometheus=URL with an http:// or https:// URL, such as prometheus=http://127.0.0.1:9090/api/v1/write",
                    ));
                }
                Ok(Output::Prometheus {
                    entry: shown,
                    url: url.to_owned(),
                })
            }
            _ => OutputSpec::parse(entry).map(Output::File),
        }
    }

    /// Opens the output: a file's temporary file is created, a stream's
    /// settings (its credentials, from the environment) are read.
    pub(crate) fn open(&self) -> Result<(Box<dyn Reporter>, bool), OutputError> {
        match self {
            Output::File(spec) => Ok((spec.open()?, true)),
            Output::Prometheus { entry, url } => open_prometheus(entry, url).map(|r| (r, false)),
        }
    }
}

#[cfg(feature = "prometheus")]
fn open_prometheus(entry: &str, url: &str) -> Result<Box<dyn Reporter>, OutputError> {
    match lot_prometheus::RemoteWrite::from_env(url) {
        Ok(remote_write) => Ok(Box::new(remote_write)),
        Err(e) => Err(OutputError::invalid(entry, &e.to_string())),
    }
}

#[cfg(not(feature = "prometheus"))]
fn open_prometheus(entry: &str, _url: &str) -> Result<Box<dyn Reporter>, OutputError> {
    // `parse` refuses the entry first; this keeps `open` total.
    Err(OutputError::invalid(
        entry,
        "the prometheus output needs lot's `prometheus` feature",
    ))
}

/// The live dashboard on `addr`, bound now, with its page's URL: a busy
/// address stops the run before it starts (exit status 74, as an
/// unwritable output), a malformed one too (78).
#[cfg(feature = "dashboard")]
pub(crate) fn open_dashboard(addr: &str) -> Result<(Box<dyn Reporter>, String), OutputError> {
    let entry = format!("dashboard {addr}");
    match lot_dashboard::Dashboard::bind(addr) {
        Ok(dashboard) => {
            let url = dashboard.url();
            Ok((Box::new(dashboard), url))
        }
        Err(e) if e.is_bind() => Err(OutputError::unavailable(&entry, &e.to_string(), None)),
        Err(e) => Err(OutputError::invalid(&entry, &e.to_string())),
    }
}

/// Without the `dashboard` feature: the error that names it.
#[cfg(not(feature = "dashboard"))]
pub(crate) fn open_dashboard(addr: &str) -> Result<(Box<dyn Reporter>, String), OutputError> {
    Err(OutputError::invalid(
        &format!("dashboard {addr}"),
        "the live dashboard needs lot's `dashboard` feature, which this build leaves out",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_entries_are_parsed_beside_files() {
        let parsed =
            Output::parse_list("json=run.json, prometheus=http://127.0.0.1:9090/api/v1/write");
        if cfg!(feature = "prometheus") {
            let parsed = parsed.unwrap();
            assert_eq!(parsed.len(), 2);
            assert!(
                matches!(&parsed[1], Output::Prometheus { url, .. } if url == "http://127.0.0.1:9090/api/v1/write")
            );
            let e = Output::parse_list("prometheus=127.0.0.1:9090")
                .unwrap_err()
                .to_string();
            assert!(e.contains("an http:// or https:// URL"), "{e}");
        } else {
            let e = parsed.unwrap_err().to_string();
            assert!(e.contains("needs lot's `prometheus` feature"), "{e}");
        }
        // A comma in a URL's query stays in it.
        #[cfg(feature = "prometheus")]
        {
            let parsed =
                Output::parse_list("prometheus=http://h:9090/w?extra_label=a,b, json=-").unwrap();
            assert!(
                matches!(&parsed[0], Output::Prometheus { url, .. } if url == "http://h:9090/w?extra_label=a,b"),
                "{parsed:?}"
            );
            assert_eq!(parsed.len(), 2);
        }
        // Nor is the rest of a query cut at a comma followed by `NAME=`.
        #[cfg(feature = "prometheus")]
        {
            let e = Output::parse_list("prometheus=http://h/w?a=1,key=s3cret")
                .unwrap_err()
                .to_string();
            assert!(!e.contains("s3cret"), "{e}");
            assert!(e.contains("`key=…`") && e.contains("%2C"), "{e}");
        }
        // A password or query in the URL is never shown.
        let e = Output::parse_list("prometheus=ftp://u:hunter2@h/w?key=s3cret").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(!e.to_string().contains("s3cret"), "{e}");
        assert!(e.to_string().contains("ftp://***@h/w?***"), "{e}");
    }

    #[test]
    fn the_dashboard_binds_or_names_its_feature() {
        let opened = open_dashboard("127.0.0.1:0").map(|(_, url)| url);
        #[cfg(feature = "dashboard")]
        {
            let url = opened.unwrap_or_else(|e| panic!("{e}"));
            assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        }
        #[cfg(not(feature = "dashboard"))]
        assert_eq!(
            opened.unwrap_err().to_string(),
            "invalid output `dashboard 127.0.0.1:0`: the live dashboard needs lot's `dashboard` feature, which this build leaves out"
        );
    }

    #[test]
    fn an_unknown_format_lists_the_streams_too() {
        let e = Output::parse_list("jsn=x.json").unwrap_err().to_string();
        assert!(e.contains("json, csv, html, md, text, prometheus"), "{e}");
    }
}
