//! A hostile HTTP target on 127.0.0.1, for the tests of lot-http and of lot
//! (whose integration tests include this file by path).
//!
//! It runs on a thread and a runtime of its own, so that a client that
//! never yields cannot starve it, and a target that streams as fast as it
//! can is as fast as the machine lets it be. It counts the connections it
//! accepted and those it saw end (the client closed or reset them).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What the target does with each connection, once it has read a request
/// head from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Answers `200` with a 2-byte body, keeping the connection alive,
    /// after the given delay (for tests that need requests in flight at
    /// once).
    Ok(Duration),
    /// Resets the connection (`SO_LINGER` 0, then close).
    Reset,
    /// Never answers, and keeps the connection open until the client
    /// closes it.
    Hang,
    /// Answers with bytes that are not HTTP, and keeps the connection open.
    Garbage,
    /// Answers `200` with a chunked body that never ends, as fast as it can.
    EndlessChunked,
    /// Answers `200` with `Content-Length: 10000000000` and streams body
    /// bytes as fast as it can.
    HugeLength,
    /// Answers with a response head whose one header never ends, as fast
    /// as it can.
    EndlessHead,
    /// Answers a response head one byte every 200 ms, forever.
    Drip,
    /// Answers `200` with a body delimited by the connection's close that
    /// never ends, as fast as it can.
    EndlessUntilClose,
    /// Answers `200` with a chunked body of one-byte chunks that never
    /// ends, as fast as it can: the client parses slower than it arrives.
    TinyChunks,
    /// Answers `200` with an empty chunked body whose trailers never end,
    /// as fast as it can.
    EndlessTrailers,
    /// Answers `100 Continue` over and over, as fast as it can, and never
    /// a final response.
    EndlessInterim,
}

/// The bytes that [`Mode::Garbage`] writes: the start of a TLS handshake.
pub const GARBAGE: &[u8] = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03not http at all\r\n\r\n";

/// A running hostile target; dropping it stops it and closes its
/// connections.
pub struct Target {
    pub addr: SocketAddr,
    counts: Arc<Counts>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Counts {
    accepted: AtomicUsize,
    ended: AtomicUsize,
    requests: AtomicUsize,
    written: AtomicU64,
}

impl Target {
    /// Starts a target in `mode` on an ephemeral port of 127.0.0.1.
    pub fn start(mode: Mode) -> Target {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the listener's address");
        let counts = Arc::new(Counts::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn({
            let counts = counts.clone();
            move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the target's runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("a tokio listener");
                    let accept = async {
                        loop {
                            let Ok((stream, _)) = listener.accept().await else {
                                continue;
                            };
                            counts.accepted.fetch_add(1, Ordering::SeqCst);
                            let _ = stream.set_nodelay(true);
                            let counts = counts.clone();
                            tokio::spawn(async move {
                                serve(stream, mode, &counts).await;
                                counts.ended.fetch_add(1, Ordering::SeqCst);
                            });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime drops the connections' tasks, which
                // closes their sockets.
            }
        });
        Target {
            addr,
            counts,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.counts.accepted.load(Ordering::SeqCst)
    }

    /// The connections that ended so far: the client closed or reset them,
    /// or (in [`Mode::Reset`]) the target did.
    pub fn ended(&self) -> usize {
        self.counts.ended.load(Ordering::SeqCst)
    }

    /// The request heads read so far.
    pub fn requests(&self) -> usize {
        self.counts.requests.load(Ordering::SeqCst)
    }

    /// The bytes written so far, on all connections.
    pub fn written(&self) -> u64 {
        self.counts.written.load(Ordering::SeqCst)
    }

    /// Waits up to `limit` until [`ended`](Target::ended) reaches `n`, and
    /// returns it.
    pub fn wait_ended(&self, n: usize, limit: Duration) -> usize {
        let deadline = std::time::Instant::now() + limit;
        while self.ended() < n && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.ended()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request head; false if the client closed first.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            buf.drain(..i + 4);
            return true;
        }
        let mut chunk = [0; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Writes `bytes` and counts them; false once the client is gone.
async fn write(stream: &mut TcpStream, bytes: &[u8], counts: &Counts) -> bool {
    match stream.write_all(bytes).await {
        Ok(()) => {
            counts
                .written
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            true
        }
        Err(_) => false,
    }
}

/// Writes `head` once, then `repeat` until the client is gone.
async fn stream_forever(stream: &mut TcpStream, head: &[u8], repeat: &[u8], counts: &Counts) {
    if !write(stream, head, counts).await {
        return;
    }
    while write(stream, repeat, counts).await {}
}

/// Reads and drops what the client sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) {
    let mut chunk = [0; 4096];
    while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
}

async fn serve(mut stream: TcpStream, mode: Mode, counts: &Counts) {
    let mut buf = Vec::new();
    if !read_head(&mut stream, &mut buf).await {
        return;
    }
    counts.requests.fetch_add(1, Ordering::SeqCst);
    let chunk = {
        let mut chunk = b"4000\r\n".to_vec();
        chunk.resize(chunk.len() + 0x4000, b'x');
        chunk.extend_from_slice(b"\r\n");
        chunk
    };
    let block = vec![b'x'; 16 * 1024];
    match mode {
        Mode::Ok(delay) => loop {
            tokio::time::sleep(delay).await;
            if !write(
                &mut stream,
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                counts,
            )
            .await
                || !read_head(&mut stream, &mut buf).await
            {
                return;
            }
            counts.requests.fetch_add(1, Ordering::SeqCst);
        },
        Mode::Reset => {
            // Closing with unread bytes or a zero linger sends RST rather
            // than FIN: the client sees "connection reset by peer".
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Mode::Hang => until_closed(&mut stream).await,
        Mode::Garbage => {
            if write(&mut stream, GARBAGE, counts).await {
                until_closed(&mut stream).await;
            }
        }
        Mode::EndlessChunked => {
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            stream_forever(&mut stream, head, &chunk, counts).await;
        }
        Mode::HugeLength => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n";
            stream_forever(&mut stream, head, &block, counts).await;
        }
        Mode::EndlessHead => {
            let head = b"HTTP/1.1 200 OK\r\nX-Endless: ";
            stream_forever(&mut stream, head, &block, counts).await;
        }
        Mode::EndlessUntilClose => {
            let head = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
            stream_forever(&mut stream, head, &block, counts).await;
        }
        Mode::EndlessTrailers => {
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
            let trailers = b"x-trailer: again\r\n".repeat(4096);
            stream_forever(&mut stream, head, &trailers, counts).await;
        }
        Mode::EndlessInterim => {
            let interim = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(4096);
            stream_forever(&mut stream, b"", &interim, counts).await;
        }
        Mode::TinyChunks => {
            // One byte per chunk costs the client far more than the target:
            // its socket always holds bytes, and every read succeeds.
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            let tiny = b"1\r\nx\r\n".repeat(64 * 1024);
            stream_forever(&mut stream, head, &tiny, counts).await;
        }
        Mode::Drip => {
            let head = b"HTTP/1.1 200 OK\r\nX-Drip: ";
            for byte in head.iter().chain(std::iter::repeat(&b'x')) {
                if !write(&mut stream, std::slice::from_ref(byte), counts).await {
                    return;
                }
                // The client's close shows as a read of 0 while waiting.
                let mut probe = [0; 64];
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    read = stream.read(&mut probe) => {
                        if matches!(read, Ok(0) | Err(_)) {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// The test process's peak resident memory in MiB, from `/proc/self/status`.
pub fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
