//! A receiver that dies mid-run, or never answers: the run ends on time,
//! and what was not delivered is counted and told.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lot::executor::Executor;
use lot::report::{BoxError, Notice, Reporter, async_trait};
use lot_prometheus::RemoteWrite;

use crate::prometheus::Prometheus;

/// Keeps the notices the run tells.
struct Listen(Arc<Mutex<Vec<String>>>);

#[async_trait]
impl Reporter for Listen {
    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        self.0.lock().unwrap().push(notice.text.clone());
        Ok(())
    }
}

/// Runs `seconds` at 50/s with `output`; returns the run's scheduled count,
/// how long `run` took, and the notices.
async fn run(output: RemoteWrite, seconds: u64) -> (u64, Duration, Vec<String>) {
    let notices = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new();
    executor
        .add_stage(50, 50, Duration::from_secs(seconds))
        .interval(Duration::from_millis(250))
        .terminal(false)
        .handle_signals(false)
        .reporter(output)
        .reporter(Listen(notices.clone()));
    let began = Instant::now();
    let report = executor
        .run(|| async {
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok(())
        })
        .await;
    let took = began.elapsed();
    let scheduled = report.expect_summary().totals.scheduled;
    let notices = notices.lock().unwrap().clone();
    (scheduled, took, notices)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_killed_mid_run_delays_nothing_and_the_unsent_are_reported() {
    let Some(mut prometheus) = Prometheus::start("dead").await else {
        return;
    };
    let url = prometheus.write_url();
    let output = RemoteWrite::new(&url)
        .unwrap()
        .request_timeout(Duration::from_millis(500))
        .flush_timeout(Duration::from_secs(2))
        .attempts(2);
    let delivery = output.delivery();
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        prometheus.kill().await;
        prometheus
    });
    let (scheduled, took, notices) = run(output, 4).await;
    let _prometheus = killer.await.unwrap();
    assert_eq!(scheduled, 200, "the whole plan ran");
    // 4 s of load, at most 2 s of flush, and slack for a loaded machine.
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert!(delivery.sent_batches() > 0, "{delivery:?}");
    assert!(delivery.unsent_batches() > 0, "{delivery:?}");
    let told = notices
        .iter()
        .find(|n| n.contains("were not delivered"))
        .unwrap_or_else(|| panic!("no notice of the unsent batches: {notices:?}"));
    let expected = format!(
        "of {} batches",
        delivery.unsent_batches() + delivery.sent_batches()
    );
    assert!(told.contains(&expected), "{told}");
    assert!(told.contains(&url), "{told}");
    assert!(
        told.starts_with(&format!("reporter prometheus ({url}) failed")),
        "{told}"
    );
}

type Held = Arc<Mutex<Vec<std::net::TcpStream>>>;

/// A receiver that accepts connections and never answers them; it holds
/// them, open, to be looked at.
fn silent_receiver() -> (std::net::SocketAddr, Held) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Held::default();
    let holding = held.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            holding.lock().unwrap().push(stream);
        }
    });
    (addr, held)
}

/// A receiver that never answers: the run is not delayed, every batch is
/// counted unsent, and each abandoned request's connection is closed
/// rather than left open (one per attempt would grow without bound).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_delays_nothing() {
    let (addr, held) = silent_receiver();
    let output = RemoteWrite::new(&format!("http://{addr}/api/v1/write"))
        .unwrap()
        .request_timeout(Duration::from_millis(300))
        .flush_timeout(Duration::from_secs(1))
        .max_queue(4, 1 << 20);
    let delivery = output.delivery();
    let (scheduled, took, notices) = run(output, 2).await;
    assert_eq!(scheduled, 100);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(delivery.sent_batches(), 0);
    // The start, 8 intervals and the final batch: every one is counted.
    assert!(delivery.unsent_batches() >= 10, "{delivery:?}");
    assert!(
        notices.iter().any(|n| n.contains("were not delivered")),
        "{notices:?}"
    );
    // Every connection the exporter opened is closed by now (a moment's
    // grace for the last, abandoned as the flush ran out).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let held = std::mem::take(&mut *held.lock().unwrap());
    assert!(!held.is_empty());
    let open: Vec<_> = held
        .into_iter()
        .filter(|stream| {
            use std::io::Read as _;
            stream.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 4096];
            loop {
                match (&*stream).read(&mut byte) {
                    Ok(0) => return false,
                    Ok(_) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
                    Err(_) => return false,
                }
            }
        })
        .collect();
    assert!(open.is_empty(), "{} connections left open", open.len());
}

/// With the default settings, a receiver that never answers holds the end
/// of the run for at most the documented flush timeout (10 s), not the 4
/// attempts of 5 s each a batch may take.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_silent_receiver_holds_the_end_for_the_flush_timeout_at_most() {
    let (addr, _held) = silent_receiver();
    let output = RemoteWrite::new(&format!("http://{addr}/api/v1/write")).unwrap();
    let delivery = output.delivery();
    let (scheduled, took, notices) = run(output, 2).await;
    assert_eq!(scheduled, 100);
    // 2 s of load, the flush timeout, and slack for a loaded machine.
    let bound = Duration::from_secs(2) + lot_prometheus::DEFAULT_FLUSH_TIMEOUT;
    assert!(took < bound + Duration::from_secs(3), "{took:?}");
    assert_eq!(delivery.sent_batches(), 0);
    assert!(delivery.unsent_batches() > 0, "{delivery:?}");
    assert!(
        notices.iter().any(|n| n.contains("were not delivered")),
        "{notices:?}"
    );
}

/// A receiver that closes every connection after one answer, as one whose
/// idle timeout is shorter than the interval does: every batch is
/// delivered at the first attempt, each over a connection of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_closes_each_connection_gets_every_batch() {
    fn accept(_head: &str) -> String {
        "HTTP/1.1 204 No Content\r\n\r\n".to_owned()
    }
    let (origin, received) = crate::receiver::start(accept, true).await;
    let output = RemoteWrite::new(&format!("{origin}/api/v1/write"))
        .unwrap()
        .attempts(1)
        .flush_timeout(Duration::from_secs(2));
    let delivery = output.delivery();
    let (scheduled, _, notices) = run(output, 2).await;
    assert_eq!(scheduled, 100);
    assert_eq!(delivery.unsent_batches(), 0, "{delivery:?} {notices:?}");
    assert_eq!(delivery.last_error(), None);
    let requests = received.heads().len();
    assert_eq!(requests as u64, delivery.sent_batches());
    assert!(requests >= 5, "{requests}");
    assert_eq!(received.connections(), requests);
}
