//! The HTTP requests of a run, as `lot::http` records them: per scenario,
//! one [`RequestSummary`] for each (step, request name), and per interval
//! the [`HttpInterval`] counts. k6's `http_req_*` metrics are the model:
//! the same phases, the same reading of a reused connection.
//!
//! # Counts
//!
//! Every request that ended is counted once in `count`: as `failed` when it
//! ended without a whole response (connect, TLS, I/O or protocol errors, a
//! response too large, a timeout or a cancelled iteration), otherwise under
//! its response's status code, in `status` or, past the table's bound of
//! [`MAX_STATUS_CODES`] distinct codes, in `status_other`. Hence
//!
//! ```text
//! count == failed + Σ status[].count + status_other
//! ```
//!
//! in every request summary ([`RequestSummary::is_balanced`]; reading a
//! document checks it). `reused` counts requests sent on a kept-alive
//! connection, failed ones included, so `reused <= count`. Each phase's
//! histogram holds at most `count` values. Connect and TLS, as k6's
//! `http_req_connecting` and `http_req_tls_handshaking`, hold one for every
//! request that got a connection: zero where it needed none (a reused
//! connection; TLS on a new plain-HTTP one, as the client tells), so
//! `http_connect p50` of a kept-alive run is 0. A handshake that never
//! finished (refused, cancelled) adds no value, not a zero. The response's
//! phases hold none for a failed request.
//!
//! An interval's counts ([`HttpInterval`]) are those of the requests that
//! ended in it, by status class; a code outside 100 to 599 is in no class,
//! so `failed + status_1xx + ... + status_5xx <= requests`. The classes of a
//! summary's codes come from its table ([`RequestSummary::status_class`]):
//! codes counted in `status_other` are in no class there.
//!
//! Rates are per second of a length the caller gives: an interval's
//! `duration_us`, or the run's ([`per_second`]).

use serde::{Deserialize, Serialize};

use crate::stats::Stats;
use crate::units::fmt_bytes;

/// The columns of a table of requests, one per cell of
/// [`RequestSummary::cells`].
pub(crate) const COLUMNS: [&str; 8] = [
    "step", "request", "requests", "failed", "reused", "sent", "received", "status",
];

/// The most distinct status codes a [`RequestSummary`] lists; responses with
/// other codes are counted in `status_other`.
pub const MAX_STATUS_CODES: usize = 64;

/// How many responses had one status code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCount {
    /// The status code, such as 200.
    pub code: u16,
    /// Responses with it.
    pub count: u64,
}

/// The requests made through `lot::http` in a scenario under one name and
/// in one step (see the [module docs](self) for how they are counted).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// The request's name: the one given (`.name("GET /items/{id}")`), or
    /// `METHOD /path` without the query.
    pub name: String,
    /// The step (`lot::step`) the requests were made inside, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Requests that ended, with a response or failed.
    #[serde(default)]
    pub count: u64,
    /// Requests that ended without a whole response.
    #[serde(default)]
    pub failed: u64,
    /// Requests sent on a kept-alive connection.
    #[serde(default)]
    pub reused: u64,
    /// Bytes written to the connection: request heads and bodies.
    #[serde(default)]
    pub bytes_sent: u64,
    /// Bytes read from the connection: response heads and bodies as
    /// received (chunk framing included).
    #[serde(default)]
    pub bytes_received: u64,
    /// Responses by exact status code, most frequent first, at most
    /// [`MAX_STATUS_CODES`] codes.
    #[serde(default)]
    pub status: Vec<StatusCount>,
    /// Responses whose code did not fit in `status`.
    #[serde(default)]
    pub status_other: u64,
    /// Time to open the TCP connection; zero on a reused connection.
    #[serde(default)]
    pub connect: Stats,
    /// Time of the TLS handshake; zero on a reused connection and on a new
    /// plain-HTTP one. A handshake that never finished has no value.
    #[serde(default)]
    pub tls: Stats,
    /// Time to write the request.
    #[serde(default)]
    pub send: Stats,
    /// Time from the request written to the first byte of the response
    /// (time to first byte).
    #[serde(default)]
    pub wait: Stats,
    /// Time from the first byte of the response to its last.
    #[serde(default)]
    pub receive: Stats,
    /// The whole request: send, wait and receive, as k6's
    /// `http_req_duration` (connecting is not included).
    #[serde(default)]
    pub duration: Stats,
}

/// The phases of a request in order, by name, as every output and
/// threshold names them.
pub const PHASES: [&str; 6] = ["connect", "tls", "send", "wait", "receive", "duration"];

impl RequestSummary {
    /// Responses with a code of `class` (1 for 1xx, ... 5 for 5xx) in
    /// `status`; 0 for another class. `status_other` is in no class.
    pub fn status_class(&self, class: u8) -> u64 {
        if !(1..=5).contains(&class) {
            return 0;
        }
        self.status
            .iter()
            .filter(|s| s.code / 100 == u16::from(class))
            .fold(0, |n, s| n.saturating_add(s.count))
    }

    /// Responses with exactly `code`, as `status` lists them.
    pub fn status_code(&self, code: u16) -> u64 {
        self.status
            .iter()
            .filter(|s| s.code == code)
            .fold(0, |n, s| n.saturating_add(s.count))
    }

    /// Requests that ended with a response (`count - failed`, 0 when the
    /// counts do not balance).
    pub fn responses(&self) -> u64 {
        self.count.saturating_sub(self.failed)
    }

    /// `reused / count`, from 0 to 1 (0 when no request ended).
    pub fn reused_rate(&self) -> f64 {
        fraction(self.reused, self.count)
    }

    /// `failed / count`, from 0 to 1 (0 when no request ended).
    pub fn failed_rate(&self) -> f64 {
        fraction(self.failed, self.count)
    }

    /// The phases' statistics, in the order of [`PHASES`].
    pub fn phases(&self) -> [&Stats; 6] {
        [
            &self.connect,
            &self.tls,
            &self.send,
            &self.wait,
            &self.receive,
            &self.duration,
        ]
    }

    /// Whether `count == failed + Σ status[].count + status_other`, with no
    /// sum past `u64::MAX`.
    pub fn is_balanced(&self) -> bool {
        self.status
            .iter()
            .map(|s| s.count)
            .chain([self.status_other])
            .try_fold(self.failed, u64::checked_add)
            == Some(self.count)
    }

    /// Sets `status` and `status_other` from counts by code, in any order:
    /// a code given more than once is summed (saturating), the table is
    /// ordered most frequent first (then by code), and the responses of the
    /// codes past [`MAX_STATUS_CODES`] are added to `status_other`.
    pub fn set_status(&mut self, counts: impl IntoIterator<Item = (u16, u64)>) {
        let mut table: Vec<StatusCount> = Vec::new();
        for (code, count) in counts {
            match table.iter_mut().find(|s| s.code == code) {
                Some(s) => s.count = s.count.saturating_add(count),
                None => table.push(StatusCount { code, count }),
            }
        }
        let cut = order_and_bound(&mut table);
        self.status_other = cut
            .iter()
            .fold(self.status_other, |n, s| n.saturating_add(s.count));
        self.status = table;
    }

    /// The status table in words, most frequent first: `200 ×950, 404 ×30,
    /// other ×2` (empty when no response came).
    pub fn describe_status(&self) -> String {
        let mut parts: Vec<String> = self
            .status
            .iter()
            .map(|s| format!("{} ×{}", s.code, s.count))
            .collect();
        if self.status_other > 0 {
            parts.push(format!("other ×{}", self.status_other));
        }
        parts.join(", ")
    }

    /// The entry's cells under [`COLUMNS`], unescaped: what every table of
    /// requests shows of it.
    pub(crate) fn cells(&self) -> [String; 8] {
        [
            self.step.clone().unwrap_or_default(),
            self.name.clone(),
            self.count.to_string(),
            self.failed.to_string(),
            format!("{:.2}%", self.reused_rate() * 100.0),
            fmt_bytes(self.bytes_sent as f64),
            fmt_bytes(self.bytes_received as f64),
            self.describe_status(),
        ]
    }

    /// A label for people: the name, after its step's when it has one:
    /// `checkout › POST /cart`.
    pub fn label(&self) -> String {
        match &self.step {
            Some(step) => format!("{step} › {}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Orders `table` most frequent first (then by code) and cuts it to
/// [`MAX_STATUS_CODES`] entries, returning those cut off.
pub(crate) fn order_and_bound(table: &mut Vec<StatusCount>) -> Vec<StatusCount> {
    table.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    table.split_off(table.len().min(MAX_STATUS_CODES))
}

fn fraction(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        // In floating point: counts read from a file may be anything.
        n as f64 / of as f64
    }
}

/// `count` per second over `duration_us` (0 when the duration is 0).
pub fn per_second(count: u64, duration_us: u64) -> f64 {
    if duration_us == 0 {
        0.0
    } else {
        count as f64 * 1e6 / duration_us as f64
    }
}

/// The HTTP requests of one scenario that ended in one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpInterval {
    /// Requests that ended in the interval, with a response or failed.
    pub requests: u64,
    /// Those that ended without a whole response.
    pub failed: u64,
    /// Bytes written by the requests that ended in the interval.
    pub bytes_sent: u64,
    /// Bytes read by the requests that ended in the interval.
    pub bytes_received: u64,
    /// Responses with a 1xx code.
    pub status_1xx: u64,
    /// Responses with a 2xx code.
    pub status_2xx: u64,
    /// Responses with a 3xx code.
    pub status_3xx: u64,
    /// Responses with a 4xx code.
    pub status_4xx: u64,
    /// Responses with a 5xx code.
    pub status_5xx: u64,
}

impl HttpInterval {
    /// Whether no request ended in the interval (and the counts are all 0).
    pub fn is_empty(&self) -> bool {
        *self == HttpInterval::default()
    }

    /// Responses of `class` (1 for 1xx, ... 5 for 5xx); 0 for another class.
    pub fn status_class(&self, class: u8) -> u64 {
        match class {
            1 => self.status_1xx,
            2 => self.status_2xx,
            3 => self.status_3xx,
            4 => self.status_4xx,
            5 => self.status_5xx,
            _ => 0,
        }
    }

    /// The counts as `(name, value)`, in the order of the fields: the CSV's
    /// columns, and the fields [`HttpInterval::checked_add`] names.
    pub fn fields(&self) -> [(&'static str, u64); 9] {
        [
            ("requests", self.requests),
            ("failed", self.failed),
            ("bytes_sent", self.bytes_sent),
            ("bytes_received", self.bytes_received),
            ("status_1xx", self.status_1xx),
            ("status_2xx", self.status_2xx),
            ("status_3xx", self.status_3xx),
            ("status_4xx", self.status_4xx),
            ("status_5xx", self.status_5xx),
        ]
    }

    /// Adds another interval's counts to these, each saturating at
    /// `u64::MAX`; for counts read from files, use
    /// [`HttpInterval::checked_add`].
    pub fn add(&mut self, other: &HttpInterval) {
        self.requests = self.requests.saturating_add(other.requests);
        self.failed = self.failed.saturating_add(other.failed);
        self.bytes_sent = self.bytes_sent.saturating_add(other.bytes_sent);
        self.bytes_received = self.bytes_received.saturating_add(other.bytes_received);
        self.status_1xx = self.status_1xx.saturating_add(other.status_1xx);
        self.status_2xx = self.status_2xx.saturating_add(other.status_2xx);
        self.status_3xx = self.status_3xx.saturating_add(other.status_3xx);
        self.status_4xx = self.status_4xx.saturating_add(other.status_4xx);
        self.status_5xx = self.status_5xx.saturating_add(other.status_5xx);
    }

    /// The sum of two intervals' counts, or the name of the first count
    /// (as [`HttpInterval::fields`] names them) whose sum would overflow.
    pub fn checked_add(&self, other: &HttpInterval) -> Result<HttpInterval, &'static str> {
        let sum = |name, a: u64, b: u64| a.checked_add(b).ok_or(name);
        Ok(HttpInterval {
            requests: sum("requests", self.requests, other.requests)?,
            failed: sum("failed", self.failed, other.failed)?,
            bytes_sent: sum("bytes_sent", self.bytes_sent, other.bytes_sent)?,
            bytes_received: sum("bytes_received", self.bytes_received, other.bytes_received)?,
            status_1xx: sum("status_1xx", self.status_1xx, other.status_1xx)?,
            status_2xx: sum("status_2xx", self.status_2xx, other.status_2xx)?,
            status_3xx: sum("status_3xx", self.status_3xx, other.status_3xx)?,
            status_4xx: sum("status_4xx", self.status_4xx, other.status_4xx)?,
            status_5xx: sum("status_5xx", self.status_5xx, other.status_5xx)?,
        })
    }

    /// Whether `failed + status_1xx + ... + status_5xx <= requests`, with no
    /// sum past `u64::MAX`.
    pub fn is_consistent(&self) -> bool {
        (1..=5)
            .map(|c| self.status_class(c))
            .try_fold(self.failed, u64::checked_add)
            .is_some_and(|n| n <= self.requests)
    }

    /// Requests ended per second of an interval of `duration_us`.
    pub fn requests_per_second(&self, duration_us: u64) -> f64 {
        per_second(self.requests, duration_us)
    }

    /// Bytes sent per second of an interval of `duration_us`.
    pub fn bytes_sent_per_second(&self, duration_us: u64) -> f64 {
        per_second(self.bytes_sent, duration_us)
    }

    /// Bytes received per second of an interval of `duration_us`.
    pub fn bytes_received_per_second(&self, duration_us: u64) -> f64 {
        per_second(self.bytes_received, duration_us)
    }
}

/// The counts of several [`RequestSummary`]s together: a scenario's
/// ([`ScenarioSummary::http_totals`](crate::ScenarioSummary::http_totals))
/// or a run's ([`Summary::http_totals`](crate::Summary::http_totals)).
/// Counts saturate at `u64::MAX`; these are for display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpTotals {
    /// Requests that ended.
    pub requests: u64,
    /// Requests that ended without a whole response.
    pub failed: u64,
    /// Requests sent on a kept-alive connection.
    pub reused: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Responses by class, 1xx to 5xx.
    pub status: [u64; 5],
    /// Responses in no class: codes past a table's bound, or outside 100 to
    /// 599.
    pub status_other: u64,
}

impl HttpTotals {
    /// The totals of `requests`.
    pub fn of<'a>(requests: impl IntoIterator<Item = &'a RequestSummary>) -> HttpTotals {
        let mut t = HttpTotals::default();
        for r in requests {
            t.requests = t.requests.saturating_add(r.count);
            t.failed = t.failed.saturating_add(r.failed);
            t.reused = t.reused.saturating_add(r.reused);
            t.bytes_sent = t.bytes_sent.saturating_add(r.bytes_sent);
            t.bytes_received = t.bytes_received.saturating_add(r.bytes_received);
            let mut classified = 0u64;
            for (class, n) in (1..=5u8).zip(&mut t.status) {
                let c = r.status_class(class);
                classified = classified.saturating_add(c);
                *n = n.saturating_add(c);
            }
            let listed = r.status.iter().fold(0u64, |n, s| n.saturating_add(s.count));
            t.status_other = t
                .status_other
                .saturating_add(listed.saturating_sub(classified))
                .saturating_add(r.status_other);
        }
        t
    }

    /// Whether no request ended.
    pub fn is_empty(&self) -> bool {
        self.requests == 0
    }

    /// Responses of `class` (1 for 1xx, ... 5 for 5xx); 0 for another class.
    pub fn status_class(&self, class: u8) -> u64 {
        match class {
            1..=5 => self.status[usize::from(class - 1)],
            _ => 0,
        }
    }

    /// `reused / requests`, from 0 to 1 (0 when no request ended).
    pub fn reused_rate(&self) -> f64 {
        fraction(self.reused, self.requests)
    }

    /// `failed / requests`, from 0 to 1 (0 when no request ended).
    pub fn failed_rate(&self) -> f64 {
        fraction(self.failed, self.requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: &[(u16, u64)], failed: u64, other: u64) -> RequestSummary {
        let responses: u64 = status.iter().map(|s| s.1).sum();
        RequestSummary {
            name: "GET /".into(),
            count: responses + failed + other,
            failed,
            reused: 1,
            status: status
                .iter()
                .map(|&(code, count)| StatusCount { code, count })
                .collect(),
            status_other: other,
            ..RequestSummary::default()
        }
    }

    #[test]
    fn classes_sum_exact_codes() {
        let r = request(&[(200, 7), (204, 1), (404, 2), (503, 3), (999, 4)], 1, 5);
        assert!(r.is_balanced());
        let classes: Vec<u64> = (0..=6).map(|c| r.status_class(c)).collect();
        assert_eq!(classes, [0, 0, 8, 0, 2, 3, 0]);
        assert_eq!(r.status_code(404), 2);
        assert_eq!(r.status_code(405), 0);
        assert_eq!(
            r.describe_status(),
            "200 ×7, 204 ×1, 404 ×2, 503 ×3, 999 ×4, other ×5"
        );
        assert_eq!(RequestSummary::default().describe_status(), "");
        assert_eq!(r.responses(), 22);
        assert_eq!(r.reused_rate(), 1.0 / 23.0);
        assert_eq!(r.failed_rate(), 1.0 / 23.0);
        let t = HttpTotals::of([&r, &r]);
        assert_eq!(t.requests, 46);
        assert_eq!(t.status, [0, 16, 0, 4, 6]);
        // 999 is in no class, nor are the codes past the table.
        assert_eq!(t.status_other, 18);
        assert_eq!(t.status_class(2), 16);
        assert_eq!(t.status_class(6), 0);
        let mut unbalanced = r.clone();
        unbalanced.count += 1;
        assert!(!unbalanced.is_balanced());
        unbalanced.status_other = u64::MAX;
        assert!(!unbalanced.is_balanced());
        assert_eq!(RequestSummary::default().reused_rate(), 0.0);
    }

    #[test]
    fn a_status_table_is_ordered_and_bounded() {
        let mut r = RequestSummary::default();
        r.set_status([(503, 2), (200, 5), (404, 2), (200, 1)]);
        assert_eq!(
            r.status,
            [(200, 6), (404, 2), (503, 2)].map(|(code, count)| StatusCount { code, count })
        );
        assert_eq!(r.status_other, 0);
        // 100 distinct codes, code k seen k - 99 times: the 64 most frequent
        // are kept.
        r.status_other = 1;
        r.set_status((100..200).map(|code| (code, u64::from(code) - 99)));
        assert_eq!(r.status.len(), MAX_STATUS_CODES);
        assert_eq!(
            r.status[0],
            StatusCount {
                code: 199,
                count: 100
            }
        );
        assert_eq!(
            r.status[63],
            StatusCount {
                code: 136,
                count: 37
            }
        );
        assert_eq!(r.status_other, 1 + (1..=36).sum::<u64>());
    }

    #[test]
    fn interval_counts_add_and_check() {
        let a = HttpInterval {
            requests: 10,
            failed: 1,
            bytes_sent: 100,
            bytes_received: 1000,
            status_2xx: 8,
            status_5xx: 1,
            ..HttpInterval::default()
        };
        assert!(a.is_consistent());
        assert!(!a.is_empty());
        assert!(HttpInterval::default().is_empty());
        let mut sum = a;
        sum.add(&a);
        assert_eq!(a.checked_add(&a), Ok(sum));
        assert_eq!(sum.status_class(2), 16);
        assert_eq!(sum.requests_per_second(2_000_000), 10.0);
        assert_eq!(sum.bytes_received_per_second(0), 0.0);
        let max = HttpInterval {
            bytes_sent: u64::MAX,
            ..HttpInterval::default()
        };
        assert_eq!(a.checked_add(&max), Err("bytes_sent"));
        let over = HttpInterval {
            status_4xx: 10,
            ..a
        };
        assert!(!over.is_consistent());
        assert_eq!(a.fields()[3], ("bytes_received", 1000));
    }
}
