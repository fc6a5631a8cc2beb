//! [`RemoteWrite`], its settings and its [`Reporter`] implementation.

use std::sync::Arc;
use std::time::Duration;

use lot_report::{BoxError, Interval, Reporter, Start, Summary, async_trait};
use tokio::task::JoinHandle;

use crate::config::{self, Auth, Endpoint, Secret, vars};
use crate::error::Error;
use crate::native::SCHEMAS;
use crate::proto::WriteRequest;
use crate::send::{self, Bounds, Delivery, Payload, Queue, Target};
use crate::series::Series;

/// The default schema of the native histograms: 32 buckets per power of
/// two, for a relative error of at most 2.2%.
pub const DEFAULT_SCHEMA: i8 = 5;

/// The default bound on queued batches: two minutes of one-second
/// intervals.
pub const DEFAULT_MAX_QUEUE: usize = 120;

/// The default bound on the bytes of queued batches (compressed).
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 32 << 20;

/// The default time one attempt to send a batch may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The default time the end of the run waits for the queue to drain.
pub const DEFAULT_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// The default number of attempts per batch.
pub const DEFAULT_ATTEMPTS: u32 = 4;

/// A [`Reporter`] that pushes a run's series to a Prometheus remote-write
/// receiver (Prometheus, Mimir, Thanos, VictoriaMetrics, Grafana Cloud):
/// counters and gauges every interval, and the whole run's totals, checks,
/// error kinds, custom metrics and native histograms with the summary. See
/// the crate docs for the series, the labels and the delivery policy.
///
/// Its `Debug` shows no secret.
pub struct RemoteWrite {
    endpoint: Endpoint,
    auth: Option<Auth>,
    headers: Vec<(String, Secret)>,
    labels: Vec<(String, String)>,
    testid: Option<String>,
    schema: i8,
    insecure: bool,
    bounds: Bounds,
    request_timeout: Duration,
    flush_timeout: Duration,
    attempts: u32,
    delivery: Delivery,
    running: Option<Running>,
}

/// What exists once the run has started.
struct Running {
    series: Series,
    queue: Arc<Queue>,
    sender: JoinHandle<()>,
}

impl std::fmt::Debug for RemoteWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auth = match &self.auth {
            None => "none".to_owned(),
            Some(Auth::Basic { username, .. }) => format!("basic ({username}, password ***)"),
            Some(Auth::Bearer(_)) => "bearer token ***".to_owned(),
        };
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RemoteWrite")
            .field("url", &self.endpoint.shown)
            .field("auth", &auth)
            .field("headers", &headers)
            .field("labels", &self.labels)
            .field("testid", &self.testid)
            .field("schema", &self.schema)
            .field("insecure_skip_tls_verify", &self.insecure)
            .field("max_queue", &self.bounds.batches)
            .field("max_queue_bytes", &self.bounds.bytes)
            .field("request_timeout", &self.request_timeout)
            .field("flush_timeout", &self.flush_timeout)
            .field("attempts", &self.attempts)
            .field("delivery", &self.delivery)
            .finish()
    }
}

impl RemoteWrite {
    /// A remote write to `url`, such as
    /// `http://127.0.0.1:9090/api/v1/write`: `http` or `https`, a host, an
    /// optional port, path and query. The URL is checked here; the host is
    /// resolved when the run starts. An error names the URL (without its
    /// query) and what was expected.
    pub fn new(url: &str) -> Result<RemoteWrite, Error> {
        Ok(RemoteWrite {
            endpoint: Endpoint::parse(url)?,
            auth: None,
            headers: Vec::new(),
            labels: Vec::new(),
            testid: None,
            schema: DEFAULT_SCHEMA,
            insecure: false,
            bounds: Bounds {
                batches: DEFAULT_MAX_QUEUE,
                bytes: DEFAULT_MAX_QUEUE_BYTES,
            },
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            flush_timeout: DEFAULT_FLUSH_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            delivery: Delivery::default(),
            running: None,
        })
    }

    /// [`new`](RemoteWrite::new), then the settings of the process's
    /// environment (named as k6's `K6_PROMETHEUS_RW_*`):
    ///
    /// | variable | setting |
    /// |---|---|
    /// | `LOT_PROMETHEUS_USERNAME`, `LOT_PROMETHEUS_PASSWORD` | [`basic_auth`](RemoteWrite::basic_auth) |
    /// | `LOT_PROMETHEUS_BEARER_TOKEN` | [`bearer_token`](RemoteWrite::bearer_token) |
    /// | `LOT_PROMETHEUS_HEADERS` | [`header`](RemoteWrite::header)s, `NAME:VALUE,NAME:VALUE` |
    /// | `LOT_PROMETHEUS_HEADERS_<NAME>` | one header, `NAME` with `_` as `-` (`..._X_SCOPE_ORGID` is `X-Scope-OrgID`'s) |
    /// | `LOT_PROMETHEUS_TESTID` | [`testid`](RemoteWrite::testid) |
    /// | `LOT_PROMETHEUS_LABELS` | [`label`](RemoteWrite::label)s, `NAME=VALUE,NAME=VALUE` |
    /// | `LOT_PROMETHEUS_SCHEMA` | [`schema`](RemoteWrite::schema), 0 to 8 |
    /// | `LOT_PROMETHEUS_INSECURE_SKIP_TLS_VERIFY` | [`insecure_skip_tls_verify`](RemoteWrite::insecure_skip_tls_verify), `true` or `false` |
    ///
    /// Empty variables are ignored. An error names the variable and what
    /// was expected, never a secret's value.
    pub fn from_env(url: &str) -> Result<RemoteWrite, Error> {
        RemoteWrite::new(url)?.with_vars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// Applies the variables of [`from_env`](RemoteWrite::from_env) from
    /// `vars`, the environment or a test's own.
    fn with_vars(
        mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<RemoteWrite, Error> {
        let mut vars: Vec<(String, String)> = vars
            .into_iter()
            .filter(|(k, v)| k.starts_with("LOT_PROMETHEUS_") && !v.is_empty())
            .collect();
        vars.sort();
        let get = |name: &str| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let user = get(vars::USERNAME);
        let password = get(vars::PASSWORD);
        let token = get(vars::BEARER_TOKEN);
        if (user.is_some() || password.is_some()) && token.is_some() {
            return Err(Error::config(format!(
                "both basic auth ({}) and a bearer token ({}) are set; set one",
                vars::USERNAME,
                vars::BEARER_TOKEN
            )));
        }
        match (user, password) {
            (Some(u), p) => self = self.basic_auth(u, p.unwrap_or(""))?,
            (None, Some(_)) => {
                return Err(Error::config(format!(
                    "{} is set without {}",
                    vars::PASSWORD,
                    vars::USERNAME
                )));
            }
            (None, None) => {}
        }
        if let Some(t) = token {
            self = self.bearer_token(t)?;
        }
        if let Some(list) = get(vars::HEADERS) {
            for (name, value) in config::pairs(vars::HEADERS, list, ':')? {
                self = self.header(&name, &value)?;
            }
        }
        for (k, v) in &vars {
            if let Some(name) = k.strip_prefix(vars::HEADERS_PREFIX) {
                self = self.header(&name.replace('_', "-"), v)?;
            }
        }
        if let Some(id) = get(vars::TESTID) {
            self = self.testid(id)?;
        }
        if let Some(list) = get(vars::LABELS) {
            for (name, value) in config::pairs(vars::LABELS, list, '=')? {
                self = self.label(&name, &value)?;
            }
        }
        if let Some(s) = get(vars::SCHEMA) {
            let schema = s.trim().parse::<i8>().map_err(|_| {
                Error::config(format!(
                    "invalid {} `{}`: expected a whole number from 0 to 8",
                    vars::SCHEMA,
                    s.escape_debug()
                ))
            })?;
            self = self.schema(schema)?;
        }
        if let Some(b) = get(vars::INSECURE) {
            self = self.insecure_skip_tls_verify(config::boolean(vars::INSECURE, b)?);
        }
        Ok(self)
    }

    /// Authenticates with HTTP basic auth (replacing a bearer token). The
    /// username may not contain `:`.
    pub fn basic_auth(mut self, username: &str, password: &str) -> Result<RemoteWrite, Error> {
        if username.contains(':') {
            return Err(Error::config(
                "the basic-auth username contains `:`, which basic auth cannot carry".to_owned(),
            ));
        }
        config::check_secret(username, "the basic-auth username")?;
        config::check_secret(password, "the basic-auth password")?;
        self.auth = Some(Auth::Basic {
            username: username.to_owned(),
            password: Secret::new(password),
        });
        Ok(self)
    }

    /// Authenticates with `Authorization: Bearer TOKEN` (replacing basic auth).
    pub fn bearer_token(mut self, token: &str) -> Result<RemoteWrite, Error> {
        config::check_secret(token, "the bearer token")?;
        self.auth = Some(Auth::Bearer(Secret::new(token)));
        Ok(self)
    }

    /// Sends a header with every request, such as Mimir's `X-Scope-OrgID`.
    /// Its value is treated as a secret. The headers of the protocol
    /// (`Content-Type`, `Content-Encoding`, ...) cannot be set; an
    /// `Authorization` header is replaced by basic auth or a bearer token
    /// when one is set; a `User-Agent` replaces lot's (`lot/VERSION`).
    pub fn header(mut self, name: &str, value: &str) -> Result<RemoteWrite, Error> {
        config::check_header(name, value)?;
        self.headers
            .push((name.to_owned(), Secret::new(value.trim())));
        Ok(self)
    }

    /// Adds a label to every series, such as `env="staging"`. Names follow
    /// Prometheus's rules and may not be one of the labels lot sets.
    pub fn label(mut self, name: &str, value: &str) -> Result<RemoteWrite, Error> {
        config::check_label(name, value)?;
        self.labels.retain(|(n, _)| n != name);
        self.labels.push((name.to_owned(), value.to_owned()));
        Ok(self)
    }

    /// The `testid` label's value. Without one it is the run's start
    /// instant in UTC with milliseconds, `2026-05-04T10:20:30.456Z`: unique
    /// per run, and shared by the shards of a distributed run, which start
    /// at one instant.
    pub fn testid(mut self, id: &str) -> Result<RemoteWrite, Error> {
        if id.trim().is_empty() {
            return Err(Error::config(
                "the test id is empty; expected some text, such as checkout-2026-05-04".to_owned(),
            ));
        }
        self.testid = Some(id.trim().to_owned());
        Ok(self)
    }

    /// The schema of the native histograms, 0 to 8 (default
    /// [`DEFAULT_SCHEMA`]): `2^schema` buckets per power of two, for a
    /// relative error of at most [`relative_error`](crate::relative_error)
    /// (2.2% at 5, 0.27% at 8). Finer schemas send more buckets.
    pub fn schema(mut self, schema: i8) -> Result<RemoteWrite, Error> {
        if !SCHEMAS.contains(&schema) {
            return Err(Error::config(format!(
                "invalid native-histogram schema {schema}: expected 0 to 8"
            )));
        }
        self.schema = schema;
        Ok(self)
    }

    /// Accepts any certificate from an `https` receiver (default `false`):
    /// for a receiver with a self-signed certificate, never across a
    /// network you do not trust.
    pub fn insecure_skip_tls_verify(mut self, insecure: bool) -> RemoteWrite {
        self.insecure = insecure;
        self
    }

    /// Bounds the queue to `batches` batches (default
    /// [`DEFAULT_MAX_QUEUE`], at least 1) and `bytes` compressed bytes
    /// (default [`DEFAULT_MAX_QUEUE_BYTES`]); beyond them the oldest
    /// batches are dropped and counted as unsent.
    pub fn max_queue(mut self, batches: usize, bytes: usize) -> RemoteWrite {
        self.bounds = Bounds {
            batches: batches.max(1),
            bytes,
        };
        self
    }

    /// The time one attempt may take (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub fn request_timeout(mut self, timeout: Duration) -> RemoteWrite {
        self.request_timeout = timeout;
        self
    }

    /// How long the end of the run waits for the queue to drain (default
    /// [`DEFAULT_FLUSH_TIMEOUT`]); what is left then is counted as unsent.
    /// Keep it well under the minute lot gives all its reporters to finish.
    pub fn flush_timeout(mut self, timeout: Duration) -> RemoteWrite {
        self.flush_timeout = timeout;
        self
    }

    /// Attempts per batch before it is given up on (default
    /// [`DEFAULT_ATTEMPTS`], at least 1), with a backoff of 250 ms doubling
    /// to 4 s between them, on a failed connection, a timeout, 429 or 5xx.
    pub fn attempts(mut self, attempts: u32) -> RemoteWrite {
        self.attempts = attempts.max(1);
        self
    }

    /// A handle on what was delivered, to read during or after the run.
    pub fn delivery(&self) -> Delivery {
        self.delivery.clone()
    }

    /// The receiver's URL without its query.
    pub fn url(&self) -> &str {
        &self.endpoint.shown
    }

    fn target(&self) -> Target {
        let mut headers: Vec<(String, Secret)> = Vec::new();
        // The query may hold a key, whole or a value of it (as sent, and
        // percent-decoded, as a receiver may echo it); the path alone is no
        // secret.
        let mut secrets: Vec<String> = match self.endpoint.target.expose().split_once('?') {
            Some((_, query)) if !query.is_empty() => std::iter::once(query)
                .chain(query.split('&'))
                .chain(
                    query
                        .split('&')
                        .filter_map(|pair| Some(pair.split_once('=')?.1)),
                )
                .flat_map(|part| [part.to_owned(), percent_decode(part)])
                .collect(),
            _ => Vec::new(),
        };
        if let Some(auth) = &self.auth {
            headers.push(("authorization".to_owned(), auth.header()));
            secrets.extend(auth.secrets());
        }
        for (name, value) in &self.headers {
            if self.auth.is_some() && name.eq_ignore_ascii_case("authorization") {
                continue;
            }
            headers.push((name.clone(), value.clone()));
            secrets.extend(config::value_secrets(value.expose()));
        }
        // Scrubbed longest first, so a secret that holds another is
        // replaced whole; equal ones side by side, so each is kept once.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Target {
            endpoint: self.endpoint.clone(),
            headers,
            secrets,
            insecure: self.insecure,
            timeout: self.request_timeout,
            attempts: self.attempts,
        }
    }

    fn push(&self, running: &Running, request: &WriteRequest) {
        if request.timeseries.is_empty() {
            return;
        }
        running.queue.push(Payload {
            body: request.body().into(),
            points: request.points(),
        });
    }
}

/// `text` as a form decodes it: each `%XX` the byte it stands for, `+` a
/// space, invalid UTF-8 replaced.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[async_trait]
impl Reporter for RemoteWrite {
    fn name(&self) -> String {
        format!("prometheus ({})", self.endpoint.shown)
    }

    /// Yes: every interval's histograms become the run's native
    /// histograms so far.
    fn wants_histograms(&self) -> bool {
        true
    }

    /// Yes: the checks, error kinds and custom metrics of the run so far go
    /// out with every interval.
    fn wants_snapshot(&self) -> bool {
        true
    }

    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        let mut series = Series::new(&self.labels, self.testid.clone(), self.schema);
        let first = series.start(start);
        let queue = Arc::new(Queue::new(self.bounds, self.delivery.clone()));
        let sender = tokio::spawn(send::run(queue.clone(), self.target()));
        let running = Running {
            series,
            queue,
            sender,
        };
        self.push(&running, &first);
        self.running = Some(running);
        Ok(())
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        if let Some(mut running) = self.running.take() {
            let request = running.series.interval(interval);
            self.push(&running, &request);
            self.running = Some(running);
        }
        Ok(())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        let Some(mut running) = self.running.take() else {
            return Ok(());
        };
        for request in running.series.summary(summary) {
            self.push(&running, &request);
        }
        running.queue.close();
        if tokio::time::timeout(self.flush_timeout, &mut running.sender)
            .await
            .is_err()
        {
            running.sender.abort();
            let _ = (&mut running.sender).await;
        }
        running.queue.abandon();
        let d = &self.delivery;
        if d.unsent_batches() == 0 {
            return Ok(());
        }
        let testid = running.series.testid().unwrap_or_default();
        Err(Box::new(Error::unsent(format!(
            "{} of {} batches ({} of {} samples) of test id `{testid}` were not delivered to {}{}",
            d.unsent_batches(),
            d.unsent_batches() + d.sent_batches(),
            d.unsent_samples(),
            d.unsent_samples() + d.sent_samples(),
            self.endpoint.shown,
            d.last_error()
                .map_or_else(String::new, |e| format!(" (last error: {e})")),
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn bare_parts_of_secrets_are_scrubbed_too() {
        let rw = RemoteWrite::new("https://h/w?key=a%2Fs3cret&x=1")
            .unwrap()
            .header("Authorization", "Bearer t0ken-s3cret")
            .unwrap();
        let target = rw.target();
        for echoed in [
            "t0ken-s3cret",
            "Bearer t0ken-s3cret",
            "a%2Fs3cret",
            "a/s3cret",
            "key=a%2Fs3cret",
        ] {
            let text = target.scrub(&format!("refused: {echoed}"));
            assert!(!text.contains("s3cret"), "{echoed}: {text}");
        }
        // The whole pair goes, not its value within it.
        assert_eq!(target.scrub("refused: key=a%2Fs3cret"), "refused: ***");
        assert_eq!(percent_decode("a%2fb+c%zz%4"), "a/b c%zz%4");
    }

    #[test]
    fn the_environment_sets_credentials_headers_and_labels_without_showing_secrets() {
        let rw = RemoteWrite::new("https://mimir.example/api/v1/push?key=k3y")
            .unwrap()
            .with_vars(vars(&[
                ("LOT_PROMETHEUS_USERNAME", "alice"),
                ("LOT_PROMETHEUS_PASSWORD", "pa55word"),
                ("LOT_PROMETHEUS_HEADERS", "X-Api-Key:hdr-s3cret"),
                ("LOT_PROMETHEUS_HEADERS_X_SCOPE_ORGID", "tenant-s3cret"),
                ("LOT_PROMETHEUS_TESTID", "nightly"),
                ("LOT_PROMETHEUS_LABELS", "env=staging"),
                ("LOT_PROMETHEUS_SCHEMA", "8"),
                ("OTHER", "x"),
            ]))
            .unwrap();
        let debug = format!("{rw:?}");
        for secret in ["pa55word", "hdr-s3cret", "tenant-s3cret", "k3y"] {
            assert!(!debug.contains(secret), "{debug}");
            assert!(!rw.name().contains(secret));
        }
        assert!(
            debug.contains("X-SCOPE-ORGID") && debug.contains("alice"),
            "{debug}"
        );
        assert_eq!(rw.schema, 8);
        assert_eq!(rw.testid.as_deref(), Some("nightly"));
        let target = rw.target();
        let names: Vec<&str> = target.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["authorization", "X-Api-Key", "X-SCOPE-ORGID"]);
        assert_eq!(target.headers[0].1.expose(), "Basic YWxpY2U6cGE1NXdvcmQ=");
    }

    #[test]
    fn environment_errors_name_the_variable_not_the_secret() {
        let err = |list: &[(&str, &str)]| {
            RemoteWrite::new("http://h/w")
                .unwrap()
                .with_vars(vars(list))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[
                ("LOT_PROMETHEUS_BEARER_TOKEN", "t0ken"),
                ("LOT_PROMETHEUS_USERNAME", "u")
            ]),
            "both basic auth (LOT_PROMETHEUS_USERNAME) and a bearer token (LOT_PROMETHEUS_BEARER_TOKEN) are set; set one"
        );
        assert_eq!(
            err(&[("LOT_PROMETHEUS_PASSWORD", "pa55word")]),
            "LOT_PROMETHEUS_PASSWORD is set without LOT_PROMETHEUS_USERNAME"
        );
        assert_eq!(
            err(&[("LOT_PROMETHEUS_BEARER_TOKEN", "t0ken\r\nx")]),
            "the bearer token contains a control character (such as a newline); it must be one line of text"
        );
        assert_eq!(
            err(&[("LOT_PROMETHEUS_SCHEMA", "9")]),
            "invalid native-histogram schema 9: expected 0 to 8"
        );
        assert_eq!(
            err(&[("LOT_PROMETHEUS_LABELS", "scenario=x")]),
            "label `scenario` is set by lot itself; choose another name (the test id is set with `testid`)"
        );
    }
}
