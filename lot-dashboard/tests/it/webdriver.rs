//! Just enough WebDriver (W3C, plain HTTP and JSON) to drive a headless
//! Chromium through Debian's chromedriver.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// A program on `PATH` under one of `names`.
pub fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A chromedriver process and one browser session; both end when dropped.
pub struct Browser {
    _driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    /// Starts chromedriver and a headless `chromium` with its own profile.
    pub async fn start(driver: &Path, chromium: &Path, profile: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // A process group of its own, which the browser it starts joins, so
        // that dropping the `Browser` (a failed test too) ends both.
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = http.get(format!("{base}/status")).send().await;
            if let Ok(r) = ready {
                let text = r.text().await.unwrap_or_default();
                let status: Value = serde_json::from_str(&text).unwrap_or_default();
                if status["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--window-size=1280,2400", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let mut browser = Browser {
            _driver: child,
            base,
            session: String::new(),
            http,
        };
        let created = browser.call("POST", "/session", caps).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string()),
        };
        let response = tokio::time::timeout(Duration::from_secs(60), request.send())
            .await
            .expect("chromedriver answers within a minute")
            .expect("chromedriver answers");
        let text = response.text().await.expect("an answer from chromedriver");
        let value: Value = serde_json::from_str(&text).expect("JSON from chromedriver");
        assert!(
            value["value"]["error"].is_null(),
            "{method} {path}: {value}"
        );
        value["value"].clone()
    }

    fn session(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    /// Opens `url` (and waits for it to load).
    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.session("/url"), json!({ "url": url }))
            .await;
    }

    /// The value of `script`, a function body run in the page.
    pub async fn eval(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.session("/execute/sync"),
            json!({ "script": script, "args": [] }),
        )
        .await
    }

    /// Runs `script` until it returns something other than `null` or
    /// `false`, or panics with `what` after `timeout`.
    pub async fn wait(&self, what: &str, timeout: Duration, script: &str) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(script).await;
            if !value.is_null() && value != false {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a screenshot of the window as a PNG at `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self
            .call("GET", &self.session("/screenshot"), Value::Null)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("base64"))
            .expect("a PNG in base64");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        std::fs::write(path, png).expect("writing the screenshot");
    }

    /// Ends the session (and the browser).
    pub async fn quit(self) {
        let _ = self.call("DELETE", &self.session(""), Value::Null).await;
    }
}

impl Drop for Browser {
    /// Ends chromedriver's process group: the browser too, even when a
    /// failed test never got to [`quit`](Browser::quit).
    fn drop(&mut self) {
        if let Some(id) = self._driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{id}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}
