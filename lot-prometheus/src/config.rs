//! The settings of a remote write: the receiver's URL, credentials, extra
//! headers and labels, each checked when it is set, and their environment
//! variables. Secrets are kept in [`Secret`], whose `Debug` hides them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{CONTROLS, utf8_percent_encode};

use crate::error::Error;

/// A value never shown: its `Debug` is `"***"`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

/// The receiver: `http[s]://host[:port][/path][?query]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `scheme://authority`, what the HTTP client connects to.
    pub(crate) origin: String,
    /// The path and query each request is sent to; the query may hold a
    /// key, so it is a secret.
    pub(crate) target: Secret,
    /// The URL without its query, for names and error texts.
    pub(crate) shown: String,
}

const EXPECTED_URL: &str = "expected http://host[:port]/path or https://host[:port]/path, such as http://127.0.0.1:9090/api/v1/write";

impl Endpoint {
    pub(crate) fn parse(url: &str) -> Result<Endpoint, Error> {
        // What is shown of the URL in errors: nothing of a query or of user
        // information, which may hold secrets.
        let shown = shown_url(url);
        let invalid = |why: &str| Error::url(format!("invalid remote-write URL `{shown}`: {why}"));
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(invalid(EXPECTED_URL));
        };
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(invalid(&format!(
                "the scheme must be http or https, not `{}`",
                scheme.escape_debug()
            )));
        }
        let (authority, target) = match rest.find(['/', '?', '#']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        // Anywhere in the URL: a password may hold `/`, `?` or `#`, which
        // would otherwise make part of it read as the port or the path.
        if rest.contains('@') {
            return Err(invalid(
                "credentials in the URL are not supported (a `@` in its path or query is written %40); set LOT_PROMETHEUS_USERNAME and LOT_PROMETHEUS_PASSWORD (or `basic_auth`) instead",
            ));
        }
        if authority.is_empty() {
            return Err(invalid(&format!("the host is missing; {EXPECTED_URL}")));
        }
        check_authority(authority).map_err(|why| invalid(&why))?;
        if target.contains('#') {
            return Err(invalid("a fragment is never sent; remove it"));
        }
        if target
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(invalid(
                "it contains a space or a control character; percent-encode it",
            ));
        }
        let target = match target {
            "" => "/".to_owned(),
            t if t.starts_with('?') => format!("/{t}"),
            t => t.to_owned(),
        };
        // Non-ASCII letters are sent percent-encoded (UTF-8), as browsers
        // and curl send them (the controls the set also holds were refused
        // above).
        let target = utf8_percent_encode(&target, CONTROLS).to_string();
        // What a request line can carry, checked now rather than at every
        // request; the error shows nothing of the target (its query may
        // hold a key).
        if hyper::http::uri::PathAndQuery::try_from(target.as_str()).is_err() {
            return Err(invalid(
                "its path or query holds a character a request cannot carry (such as `\"`, `<`, `>` or `{`); percent-encode it",
            ));
        }
        Ok(Endpoint {
            origin: format!("{}://{authority}", scheme.to_ascii_lowercase()),
            target: Secret::new(target),
            shown,
        })
    }
}

/// `url` without its query, fragment or user information (as
/// [`redact_url`](lot_report::output::redact_url) hides them), for names
/// and error texts.
fn shown_url(url: &str) -> String {
    let redacted = lot_report::output::redact_url(url);
    let end = redacted.find(['?', '#']).unwrap_or(redacted.len());
    redacted[..end].escape_debug().to_string()
}

fn check_authority(authority: &str) -> Result<(), String> {
    let port = if let Some(rest) = authority.strip_prefix('[') {
        let Some((_, after)) = rest.split_once(']') else {
            return Err("an IPv6 address lacks its closing `]`".to_owned());
        };
        after.strip_prefix(':')
    } else {
        authority.rsplit_once(':').map(|(_, p)| p)
    };
    match port {
        Some(p) if p.parse::<u16>().is_err() => Err(format!(
            "the port `{}` is not a number from 0 to 65535",
            p.escape_debug()
        )),
        _ => Ok(()),
    }
}

/// How requests authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `Authorization: Basic ...`.
    Basic { username: String, password: Secret },
    /// `Authorization: Bearer ...`.
    Bearer(Secret),
}

impl Auth {
    /// The `Authorization` header's value.
    pub(crate) fn header(&self) -> Secret {
        match self {
            Auth::Basic { username, password } => Secret::new(format!(
                "Basic {}",
                STANDARD.encode(format!("{username}:{}", password.expose()))
            )),
            Auth::Bearer(token) => Secret::new(format!("Bearer {}", token.expose())),
        }
    }

    /// The secret parts, to scrub from any text a receiver sends back:
    /// the header's value and its token ([`value_secrets`]: the base64 of
    /// `user:password`, the bearer token), and a basic password alone.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets = value_secrets(self.header().expose());
        if let Auth::Basic { password, .. } = self {
            secrets.push(password.expose().to_owned());
        }
        secrets
    }
}

/// The secret parts of a header's value: the value, and its last word on
/// its own (the token of `Bearer TOKEN`), which a receiver may echo alone.
pub(crate) fn value_secrets(value: &str) -> Vec<String> {
    let mut secrets = vec![value.to_owned()];
    if let Some((_, word)) = value.trim().rsplit_once(' ') {
        secrets.push(word.to_owned());
    }
    secrets
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Headers the remote-write protocol sets itself.
const RESERVED_HEADERS: [&str; 6] = [
    "content-type",
    "content-encoding",
    "content-length",
    "transfer-encoding",
    "x-prometheus-remote-write-version",
    "host",
];

/// Checks an extra header; the error names the header, never its value.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), Error> {
    if name.is_empty() || !name.bytes().all(is_token) {
        return Err(Error::config(format!(
            "invalid header name `{}`: expected a token (letters, digits and !#$%&'*+-.^_`|~)",
            name.escape_debug()
        )));
    }
    if RESERVED_HEADERS
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
    {
        return Err(Error::config(format!(
            "header `{name}` is set by the remote-write protocol itself; remove it"
        )));
    }
    check_secret(value, &format!("the value of header `{name}`"))
}

/// Checks that a secret can go into a header: visible text, spaces and tabs.
/// The error says which secret, never what it is.
pub(crate) fn check_secret(value: &str, what: &str) -> Result<(), Error> {
    if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err(Error::config(format!(
            "{what} contains a control character (such as a newline); it must be one line of text"
        )));
    }
    Ok(())
}

/// The labels lot sets on its series, which extra labels may not use.
pub(crate) const OWN_LABELS: [&str; 12] = [
    "testid", "shard", "scenario", "step", "outcome", "check", "result", "kind", "metric",
    "status", "request", "le",
];

/// Checks a label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not reserved (`__*`),
/// and not one of the labels this crate sets.
pub(crate) fn check_label(name: &str, value: &str) -> Result<(), Error> {
    let valid = name
        .bytes()
        .enumerate()
        .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    if name.is_empty() || !valid || name.starts_with("__") {
        return Err(Error::config(format!(
            "invalid label name `{}`: expected letters, digits and `_`, not starting with a digit or `__`",
            name.escape_debug()
        )));
    }
    if OWN_LABELS.contains(&name) {
        return Err(Error::config(format!(
            "label `{name}` is set by lot itself; choose another name (the test id is set with `testid`)"
        )));
    }
    if value.is_empty() {
        return Err(Error::config(format!(
            "label `{name}` has an empty value, which Prometheus treats as no label"
        )));
    }
    Ok(())
}

/// The environment variables [`RemoteWrite::from_env`](crate::RemoteWrite::from_env) reads.
pub(crate) mod vars {
    pub(crate) const USERNAME: &str = "LOT_PROMETHEUS_USERNAME";
    pub(crate) const PASSWORD: &str = "LOT_PROMETHEUS_PASSWORD";
    pub(crate) const BEARER_TOKEN: &str = "LOT_PROMETHEUS_BEARER_TOKEN";
    pub(crate) const HEADERS: &str = "LOT_PROMETHEUS_HEADERS";
    pub(crate) const HEADERS_PREFIX: &str = "LOT_PROMETHEUS_HEADERS_";
    pub(crate) const TESTID: &str = "LOT_PROMETHEUS_TESTID";
    pub(crate) const LABELS: &str = "LOT_PROMETHEUS_LABELS";
    pub(crate) const SCHEMA: &str = "LOT_PROMETHEUS_SCHEMA";
    pub(crate) const INSECURE: &str = "LOT_PROMETHEUS_INSECURE_SKIP_TLS_VERIFY";
}

/// `NAME:VALUE,NAME:VALUE` (headers, as k6's
/// `K6_PROMETHEUS_RW_HTTP_HEADERS`) or `NAME=VALUE,...` (labels), split at
/// the first `separator` of each entry. The error names the variable and
/// the entry's position, never its text.
pub(crate) fn pairs(
    var: &str,
    text: &str,
    separator: char,
) -> Result<Vec<(String, String)>, Error> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .enumerate()
        .map(|(i, entry)| {
            entry
                .split_once(separator)
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .ok_or_else(|| {
                    Error::config(format!(
                        "invalid {var}: entry {} has no `{separator}`; expected NAME{separator}VALUE[,NAME{separator}VALUE...]",
                        i + 1
                    ))
                })
        })
        .collect()
}

/// A boolean environment variable: `true`/`1` or `false`/`0`.
pub(crate) fn boolean(var: &str, text: &str) -> Result<bool, Error> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" | "" => Ok(false),
        other => Err(Error::config(format!(
            "invalid {var} `{}`: expected true or false",
            other.escape_debug()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, expected: Result<(&str, &str), &str>) {
        let got = Endpoint::parse(url)
            .map(|e| (e.origin, e.target.expose().to_owned()))
            .map_err(|e| e.to_string());
        let expected = expected
            .map(|(o, t)| (o.to_owned(), t.to_owned()))
            .map_err(str::to_owned);
        assert_eq!(got, expected, "{url}");
    }

    #[test]
    fn urls() {
        check(
            "http://127.0.0.1:9090/api/v1/write",
            Ok(("http://127.0.0.1:9090", "/api/v1/write")),
        );
        check(
            "HTTPS://mimir.example/api/v1/push?key=1",
            Ok(("https://mimir.example", "/api/v1/push?key=1")),
        );
        check("http://[::1]:9090", Ok(("http://[::1]:9090", "/")));
        check(
            "http://h/api/v1/write?key=\"s3cret\"",
            Err(
                "invalid remote-write URL `http://h/api/v1/write`: its path or query holds a character a request cannot carry (such as `\"`, `<`, `>` or `{`); percent-encode it",
            ),
        );
        check(
            "http://h/wr\u{ee}te?\u{e9}",
            Ok(("http://h", "/wr%C3%AEte?%C3%A9")),
        );
        check(
            "127.0.0.1:9090/api/v1/write",
            Err(
                "invalid remote-write URL `127.0.0.1:9090/api/v1/write`: expected http://host[:port]/path or https://host[:port]/path, such as http://127.0.0.1:9090/api/v1/write",
            ),
        );
        check(
            "ftp://h/x",
            Err(
                "invalid remote-write URL `ftp://h/x`: the scheme must be http or https, not `ftp`",
            ),
        );
        check(
            "http://h:99999/x?token=s3cret",
            Err(
                "invalid remote-write URL `http://h:99999/x`: the port `99999` is not a number from 0 to 65535",
            ),
        );
        check(
            "https://user:s3cret@h/x",
            Err(
                "invalid remote-write URL `https://***@h/x`: credentials in the URL are not supported (a `@` in its path or query is written %40); set LOT_PROMETHEUS_USERNAME and LOT_PROMETHEUS_PASSWORD (or `basic_auth`) instead",
            ),
        );
    }

    #[test]
    fn pairs_and_headers() {
        assert_eq!(
            pairs(vars::HEADERS, "X-Scope-OrgID: t1 , X-A:b:c", ':').unwrap(),
            [
                ("X-Scope-OrgID".into(), "t1".into()),
                ("X-A".into(), "b:c".into())
            ]
        );
        assert_eq!(
            pairs(vars::HEADERS, "a:1,s3cret", ':')
                .unwrap_err()
                .to_string(),
            "invalid LOT_PROMETHEUS_HEADERS: entry 2 has no `:`; expected NAME:VALUE[,NAME:VALUE...]"
        );
        assert_eq!(
            check_header("X-Key", "s3cret\n").unwrap_err().to_string(),
            "the value of header `X-Key` contains a control character (such as a newline); it must be one line of text"
        );
        assert!(check_header("Content-Encoding", "gzip").is_err());
        assert!(check_label("env", "staging").is_ok());
        assert!(check_label("testid", "x").is_err());
        assert!(check_label("9x", "x").is_err());
        assert_eq!(format!("{:?}", Secret::new("s3cret")), "\"***\"");
    }
}
