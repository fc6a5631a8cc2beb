//! Delivery: a bounded queue of encoded batches, drained in order by one
//! task that posts each to the receiver with retries, and the counts of what
//! was sent and what was not.
//!
//! The reporter only pushes onto the queue, which never blocks: when the
//! queue is full (in batches or in bytes) its oldest batch is dropped and
//! counted, so a slow or dead receiver costs the run neither time nor
//! memory beyond the bound. Batches go one at a time, in order, since
//! Prometheus refuses a sample older than one it already holds for a
//! series.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::body::Bytes;
use tokio::sync::Notify;

use crate::config::{Endpoint, Secret};
use crate::http::Client;

/// What a run's remote write delivered, so far or in the end.
///
/// A handle: clones share the counts. Take one with
/// [`RemoteWrite::delivery`](crate::RemoteWrite::delivery) before handing
/// the reporter to the executor, and read it after the run.
#[derive(Clone, Default)]
pub struct Delivery(Arc<Counts>);

#[derive(Default)]
struct Counts {
    sent_batches: AtomicU64,
    sent_samples: AtomicU64,
    unsent_batches: AtomicU64,
    unsent_samples: AtomicU64,
    retries: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Delivery {
    /// Batches the receiver accepted.
    pub fn sent_batches(&self) -> u64 {
        self.0.sent_batches.load(Ordering::Relaxed)
    }

    /// Samples and histograms in the batches the receiver accepted.
    pub fn sent_samples(&self) -> u64 {
        self.0.sent_samples.load(Ordering::Relaxed)
    }

    /// Batches given up on: dropped from a full queue, refused by the
    /// receiver, failed on every attempt, or still unsent when the flush at
    /// the end of the run ran out of time.
    pub fn unsent_batches(&self) -> u64 {
        self.0.unsent_batches.load(Ordering::Relaxed)
    }

    /// Samples and histograms in the batches given up on.
    pub fn unsent_samples(&self) -> u64 {
        self.0.unsent_samples.load(Ordering::Relaxed)
    }

    /// Attempts that failed and were tried again.
    pub fn retries(&self) -> u64 {
        self.0.retries.load(Ordering::Relaxed)
    }

    /// The last failure, in words (credentials and header values removed).
    pub fn last_error(&self) -> Option<String> {
        self.0
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn sent(&self, batch: &Payload) {
        self.0.sent_batches.fetch_add(1, Ordering::Relaxed);
        self.0
            .sent_samples
            .fetch_add(batch.points, Ordering::Relaxed);
    }

    pub(crate) fn unsent(&self, batches: u64, points: u64) {
        self.0.unsent_batches.fetch_add(batches, Ordering::Relaxed);
        self.0.unsent_samples.fetch_add(points, Ordering::Relaxed);
    }

    fn failed(&self, error: String) {
        *self
            .0
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(error);
    }
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("sent_batches", &self.sent_batches())
            .field("sent_samples", &self.sent_samples())
            .field("unsent_batches", &self.unsent_batches())
            .field("unsent_samples", &self.unsent_samples())
            .field("retries", &self.retries())
            .field("last_error", &self.last_error())
            .finish()
    }
}

/// One encoded write request.
pub(crate) struct Payload {
    pub(crate) body: Bytes,
    /// Samples and histograms in it.
    pub(crate) points: u64,
}

/// The bounds of the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) batches: usize,
    pub(crate) bytes: usize,
}

#[derive(Default)]
struct State {
    batches: VecDeque<Payload>,
    bytes: usize,
    /// The points of the batch being sent, if one is.
    sending: Option<u64>,
    /// No more batches will come: the sender ends once the queue is empty.
    closed: bool,
}

/// The queue between the reporter and the sender.
pub(crate) struct Queue {
    state: Mutex<State>,
    ready: Notify,
    bounds: Bounds,
    delivery: Delivery,
}

impl Queue {
    pub(crate) fn new(bounds: Bounds, delivery: Delivery) -> Queue {
        Queue {
            state: Mutex::new(State::default()),
            ready: Notify::new(),
            bounds,
            delivery,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a batch, dropping the oldest ones (counted) to stay within the
    /// bounds. Never waits.
    pub(crate) fn push(&self, payload: Payload) {
        let mut state = self.lock();
        state.bytes += payload.body.len();
        state.batches.push_back(payload);
        while state.batches.len() > self.bounds.batches
            || (state.bytes > self.bounds.bytes && state.batches.len() > 1)
        {
            let Some(old) = state.batches.pop_front() else {
                break;
            };
            state.bytes -= old.body.len();
            self.delivery.unsent(1, old.points);
        }
        drop(state);
        self.ready.notify_one();
    }

    /// No more batches: the sender stops when the queue is empty.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_one();
    }

    /// Counts whatever is still queued or being sent as unsent, and empties
    /// the queue: the end of a flush that ran out of time.
    pub(crate) fn abandon(&self) {
        let mut state = self.lock();
        let (mut batches, mut points) = (0, 0);
        for p in state.batches.drain(..) {
            batches += 1;
            points += p.points;
        }
        if let Some(p) = state.sending.take() {
            batches += 1;
            points += p;
        }
        state.bytes = 0;
        drop(state);
        self.delivery.unsent(batches, points);
    }

    /// The next batch, marked as being sent; `None` once closed and empty.
    async fn next(&self) -> Option<Payload> {
        loop {
            let notified = self.ready.notified();
            {
                let mut state = self.lock();
                if let Some(p) = state.batches.pop_front() {
                    state.bytes -= p.body.len();
                    state.sending = Some(p.points);
                    return Some(p);
                }
                if state.closed {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// The batch being sent is done with (sent or counted).
    fn done(&self) {
        self.lock().sending = None;
    }
}

/// Where and how to send.
pub(crate) struct Target {
    pub(crate) endpoint: Endpoint,
    /// Headers, `Authorization` included, in order.
    pub(crate) headers: Vec<(String, Secret)>,
    /// Every secret, longest first, to scrub from error texts.
    pub(crate) secrets: Vec<String>,
    pub(crate) insecure: bool,
    pub(crate) timeout: Duration,
    pub(crate) attempts: u32,
}

impl Target {
    /// `text` with every secret replaced by `***`, in the order of
    /// `secrets` (the longest first). Secrets of fewer than 3 bytes are
    /// left: replacing them would blank out common text.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in self.secrets.iter().filter(|s| s.len() >= 3) {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }
}

/// How an attempt failed.
enum Failure {
    /// Worth another attempt: no connection, a timeout, 429 or 5xx.
    Retry(String),
    /// The receiver refused the batch (another 4xx): another attempt
    /// would be refused too.
    Refused(String),
}

/// The wait before attempt `n + 1` (`n` from 1): 250 ms, doubling, at most 4 s.
fn backoff(n: u32) -> Duration {
    Duration::from_millis(250u64 << n.saturating_sub(1).min(4))
}

/// Sends the queue's batches until it is closed and empty.
pub(crate) async fn run(queue: Arc<Queue>, target: Target) {
    let mut client = match Client::new(&target.endpoint.origin, target.insecure) {
        Ok(c) => Some(c),
        Err(e) => {
            queue.delivery.failed(target.scrub(&e));
            None
        }
    };
    let headers = headers(&target);
    while let Some(payload) = queue.next().await {
        let mut attempt = 1;
        let delivered = loop {
            let Some(client) = &mut client else {
                break false;
            };
            match attempt_once(client, &headers, &payload, &target).await {
                Ok(()) => break true,
                Err(Failure::Refused(e)) => {
                    queue.delivery.failed(target.scrub(&e));
                    break false;
                }
                Err(Failure::Retry(e)) => {
                    queue.delivery.failed(target.scrub(&e));
                    if attempt >= target.attempts {
                        break false;
                    }
                    queue.delivery.0.retries.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
            }
        };
        if delivered {
            queue.delivery.sent(&payload);
        } else {
            queue.delivery.unsent(1, payload.points);
        }
        queue.done();
        if client.is_none() {
            // No request can be made: wait before the next batch rather
            // than spin through the queue.
            tokio::time::sleep(backoff(target.attempts)).await;
        }
    }
}

/// Every request's headers: remote write's, then the target's own
/// (`Authorization` among them).
fn headers(target: &Target) -> Vec<(&str, &str)> {
    let mut headers = vec![
        ("content-encoding", "snappy"),
        ("content-type", "application/x-protobuf"),
        ("x-prometheus-remote-write-version", "0.1.0"),
    ];
    headers.extend(
        target
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.expose())),
    );
    headers
}

async fn attempt_once(
    client: &mut Client,
    headers: &[(&str, &str)],
    payload: &Payload,
    target: &Target,
) -> Result<(), Failure> {
    let body = payload.body.clone();
    let sent = client.post(target.endpoint.target.expose(), headers, body);
    let response = match tokio::time::timeout(target.timeout, sent).await {
        Err(_) => {
            return Err(Failure::Retry(format!(
                "no answer within {:?}",
                target.timeout
            )));
        }
        Ok(Err(e)) => return Err(Failure::Retry(e)),
        Ok(Ok(r)) => r,
    };
    let status = response.status;
    if (200..300).contains(&status) {
        return Ok(());
    }
    // At most a few hundred bytes of the receiver's explanation.
    let text = String::from_utf8_lossy(&response.body[..response.body.len().min(300)]);
    let message = format!("the receiver answered {status}: {}", text.trim());
    if status == 429 || status >= 500 {
        Err(Failure::Retry(message))
    } else {
        Err(Failure::Refused(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(bytes: usize) -> Payload {
        Payload {
            body: Bytes::from(vec![0; bytes]),
            points: 10,
        }
    }

    #[test]
    fn a_full_queue_drops_its_oldest_batches_and_counts_them() {
        let delivery = Delivery::default();
        let queue = Queue::new(
            Bounds {
                batches: 3,
                bytes: 1000,
            },
            delivery.clone(),
        );
        for _ in 0..5 {
            queue.push(payload(100));
        }
        assert_eq!(
            (delivery.unsent_batches(), delivery.unsent_samples()),
            (2, 20)
        );
        queue.push(payload(900));
        // Over 1000 bytes: the older batches go until it fits.
        assert_eq!(queue.lock().batches.len(), 2);
        assert_eq!(delivery.unsent_batches(), 4);
        queue.abandon();
        assert_eq!(delivery.unsent_batches(), 6);
        assert_eq!(queue.lock().bytes, 0);
    }

    #[test]
    fn backoff_doubles_to_four_seconds() {
        let waits: Vec<u64> = (1..=7).map(|n| backoff(n).as_millis() as u64).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 4000, 4000]);
    }

    #[test]
    fn secrets_are_scrubbed() {
        let target = Target {
            endpoint: Endpoint::parse("http://h/x").unwrap(),
            headers: vec![],
            secrets: vec!["key=s3cret".into(), "s3cret".into(), "ab".into()],
            insecure: false,
            timeout: Duration::from_secs(1),
            attempts: 1,
        };
        assert_eq!(target.scrub("bad token s3cret!"), "bad token ***!");
        // In their order (the longest first, as `RemoteWrite` sorts them),
        // so a secret holding another goes whole; a secret too short to be
        // told from text is left.
        assert_eq!(target.scrub("key=s3cret, ab"), "***, ab");
    }
}
