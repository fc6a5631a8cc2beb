//! A hand-written remote-write receiver on 127.0.0.1:0 for the tests that
//! need one to misbehave: it reads each request whole, keeps its head, and
//! answers what `answer` makes of the head; with `close`, it closes each
//! connection after its first answer, as a receiver's idle timeout does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a test reads back from the receiver.
#[derive(Clone, Default)]
pub struct Received {
    /// The heads of the requests read whole, in order.
    pub heads: Arc<Mutex<Vec<String>>>,
    /// Connections accepted.
    pub connections: Arc<AtomicUsize>,
}

impl Received {
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Starts the receiver; returns its `http://ADDR` origin and what it gets.
pub async fn start(answer: fn(&str) -> String, close: bool) -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let kept = received.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            kept.connections.fetch_add(1, Ordering::SeqCst);
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buf = vec![0; 1 << 16];
                let mut len = 0;
                loop {
                    let Ok(n) = stream.read(&mut buf[len..]).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    len += n;
                    let text = String::from_utf8_lossy(&buf[..len]).to_string();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let head = text[..end].to_owned();
                    let body_len: usize = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while len < end + 4 + body_len {
                        let Ok(n) = stream.read(&mut buf[len..]).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        len += n;
                    }
                    kept.heads.lock().unwrap().push(head.clone());
                    let _ = stream.write_all(answer(&head).as_bytes()).await;
                    if close {
                        return;
                    }
                    buf.copy_within(end + 4 + body_len..len, 0);
                    len -= end + 4 + body_len;
                }
            });
        }
    });
    (format!("http://{addr}"), received)
}
