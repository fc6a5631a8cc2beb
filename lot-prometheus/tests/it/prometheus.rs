//! A real Prometheus on a free port of 127.0.0.1, with the remote-write
//! receiver and native histograms on and a temporary TSDB, for one test;
//! over plain HTTP, or HTTPS with a self-signed certificate.
//!
//! When `prometheus` is not installed the test fails under CI (`CI` set, as
//! `.ci/run` runs) and is skipped visibly elsewhere.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::{Child, Command};

/// A running Prometheus; killed, and its TSDB removed, when dropped.
pub struct Prometheus {
    child: Child,
    dir: PathBuf,
    pub port: u16,
    /// `http` or `https`.
    scheme: &'static str,
    http: reqwest::Client,
}

/// The `prometheus` binary: `LOT_TEST_PROMETHEUS`, or on `PATH`.
fn binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LOT_TEST_PROMETHEUS") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("prometheus"))
            .find(|p| p.is_file())
    })
}

/// A free port of 127.0.0.1: bound, then released for Prometheus to take.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("binding 127.0.0.1:0")
}

impl Prometheus {
    /// Starts Prometheus and waits until it is ready; `None` (the test then
    /// returns) when it is not installed and this is not CI.
    pub async fn start(test: &str) -> Option<Prometheus> {
        Prometheus::start_with(test, false).await
    }

    /// Starts Prometheus serving HTTPS only, with a self-signed certificate
    /// for 127.0.0.1 (which its queries here accept).
    pub async fn start_tls(test: &str) -> Option<Prometheus> {
        Prometheus::start_with(test, true).await
    }

    async fn start_with(test: &str, tls: bool) -> Option<Prometheus> {
        let Some(bin) = binary() else {
            crate::require::missing(
                "prometheus",
                &format!("{test}: apt-get install prometheus, or set LOT_TEST_PROMETHEUS"),
            );
            return None;
        };
        let dir = std::env::temp_dir().join(format!("lot-prom-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
        let web = dir.join("web.yml");
        if tls {
            let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
            std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
            std::fs::write(dir.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
            std::fs::write(
                &web,
                "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n",
            )
            .unwrap();
        } else {
            std::fs::write(&web, "").unwrap();
        }
        let scheme = if tls { "https" } else { "http" };
        let http = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&bin)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg(format!("--web.config.file={}", web.display()))
                .arg("--web.enable-remote-write-receiver")
                .arg("--enable-feature=native-histograms")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(dir.join("log")).unwrap())
                .kill_on_drop(true)
                .spawn()
                .expect("starting prometheus");
            let ready = format!("{scheme}://127.0.0.1:{port}/-/ready");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken after all: try another
                }
                if let Ok(r) = http.get(&ready).send().await {
                    if r.status().is_success() {
                        return Some(Prometheus {
                            child,
                            dir,
                            port,
                            scheme,
                            http: http.clone(),
                        });
                    }
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = child.kill().await;
        }
        panic!(
            "prometheus did not become ready: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
    }

    /// The remote-write URL.
    pub fn write_url(&self) -> String {
        format!("{}://127.0.0.1:{}/api/v1/write", self.scheme, self.port)
    }

    /// Stops Prometheus at once, as a crash would.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// An instant query at `time` (Unix seconds): the result vector.
    pub async fn query(&self, promql: &str, time: f64) -> Vec<Value> {
        let url = format!(
            "{}://127.0.0.1:{}/api/v1/query?query={}&time={time:.3}",
            self.scheme,
            self.port,
            encode(promql)
        );
        let response = self.http.get(url).send().await.unwrap();
        let text = response.text().await.unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], "success", "{promql}: {text}");
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// The one value `promql` yields at `time`.
    pub async fn scalar(&self, promql: &str, time: f64) -> f64 {
        let result = self.query(promql, time).await;
        assert_eq!(result.len(), 1, "{promql}: {result:?}\nlog: {}", self.log());
        result[0]["value"][1].as_str().unwrap().parse().unwrap()
    }

    /// Prometheus's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

/// Percent-encodes everything but letters and digits.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
