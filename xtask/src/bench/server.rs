//! The target every HTTP run loads: `lot-bench-server`, and its count of
//! the requests it served.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use super::measure::{describe, pinned};

/// The running server, killed when dropped.
pub(super) struct Server {
    child: Child,
    pub(super) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server at `bin` (on `core`, if given) and reads the address
/// it listens on; records the command line.
pub(super) fn start(bin: &Path, core: Option<usize>, log: &mut Vec<String>) -> Server {
    let mut cmd = pinned(core, bin, &[]);
    log.push(describe(&cmd));
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting lot-bench-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("reading the server's address");
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or("")
        .to_owned();
    Server {
        child,
        url: format!("http://{addr}/"),
    }
}

/// The server's count of requests served (`GET /count`), read over a
/// connection of its own.
pub(super) fn served(url: &str) -> Option<u64> {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://")?.trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET /count HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split("\r\n\r\n").nth(1)?.trim().parse().ok()
}
