//! The target every HTTP run loads: `lot-bench-server`, plain or over TLS,
//! and its counts of the requests it served and the handshakes it made.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::measure::{describe, pinned};
use super::output::key_values;

/// The running server, killed when dropped.
pub(super) struct Server {
    child: Child,
    pub(super) url: String,
    /// Over TLS: its certificate, in PEM, and the program that reads its
    /// counts through `lot::http` (`lot-bench-gen get`).
    tls: Option<(PathBuf, PathBuf)>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the plain server at `bin` (on `core`, if given) and reads the
/// address it listens on; records the command line.
pub(super) fn start(bin: &Path, core: Option<usize>, log: &mut Vec<String>) -> Server {
    let (child, addr) = spawn(pinned(core, bin, &[]), log);
    Server {
        child,
        url: format!("http://{addr}/"),
        tls: None,
    }
}

/// Starts the server at `bin` over TLS, its certificate written to `cert`;
/// its counts are read with `gen_bin`.
pub(super) fn start_tls(
    bin: &Path,
    core: Option<usize>,
    cert: &Path,
    gen_bin: &Path,
    log: &mut Vec<String>,
) -> Server {
    let args = ["--tls".to_owned(), cert.display().to_string()];
    let (child, addr) = spawn(pinned(core, bin, &args), log);
    Server {
        child,
        url: format!("https://{addr}/"),
        tls: Some((cert.to_path_buf(), gen_bin.to_path_buf())),
    }
}

/// Runs `cmd` and reads the address it prints.
fn spawn(mut cmd: Command, log: &mut Vec<String>) -> (Child, String) {
    log.push(describe(&cmd));
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting lot-bench-server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut line)
        .expect("reading the server's address");
    let addr = line.trim().strip_prefix("listening ").unwrap_or("");
    (child, addr.to_owned())
}

impl Server {
    /// The server's count of requests served (`GET /count`), read over a
    /// connection of its own.
    pub(super) fn served(&self) -> Option<u64> {
        self.get("/count")?.parse().ok()
    }

    /// The TLS handshakes the server completed, full and resumed (`GET
    /// /handshakes`); `None` for the plain server.
    pub(super) fn handshakes(&self) -> Option<(u64, u64)> {
        self.tls.as_ref()?;
        let text = self.get("/handshakes")?.replace(' ', "\n");
        let kv = key_values(&text);
        Some((
            kv.get("full")?.parse().ok()?,
            kv.get("resumed")?.parse().ok()?,
        ))
    }

    /// The body of `GET path`: over TLS through `lot-bench-gen get`, else
    /// over a TCP connection.
    fn get(&self, path: &str) -> Option<String> {
        let origin = self.url.trim_end_matches('/');
        if let Some((cert, gen_bin)) = &self.tls {
            let out = Command::new(gen_bin)
                .args(["get", "--url", origin, "--path", path, "--ca"])
                .arg(cert)
                .output()
                .ok()?;
            let text = String::from_utf8_lossy(&out.stdout);
            return key_values(&text).get("body").cloned();
        }
        use std::io::{Read, Write};
        let addr = origin.strip_prefix("http://")?;
        let mut stream = std::net::TcpStream::connect(addr).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        Some(response.split("\r\n\r\n").nth(1)?.trim().to_owned())
    }
}
