//! Credentials reach the receiver and nothing else: not `Debug`, not an
//! error's text, not a notice, not the run's written results, not even an
//! error body that echoes them back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lot::executor::Executor;
use lot::report::{BoxError, Notice, Reporter, async_trait};
use lot_prometheus::RemoteWrite;

use crate::receiver;

const PASSWORD: &str = "pw-SECRET-1";
const HEADER: &str = "hdr-SECRET-2";
const QUERY: &str = "key=q-SECRET-3";

fn assert_clean(what: &str, text: &str) {
    for secret in ["SECRET", "YWxpY2U6cHctU0VDUkVULTE="] {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

struct Listen(Arc<Mutex<Vec<String>>>);

#[async_trait]
impl Reporter for Listen {
    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        self.0.lock().unwrap().push(notice.text.clone());
        Ok(())
    }
}

/// A receiver that refuses every request with 401 and a body echoing the
/// request's head, credentials included; it keeps the heads it received.
async fn echoing_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    fn echo(head: &str) -> String {
        format!(
            "HTTP/1.1 401 Unauthorized\r\ncontent-length: {}\r\n\r\n{head}",
            head.len()
        )
    }
    let (origin, received) = receiver::start(echo, false).await;
    (format!("{origin}/api/v1/write?{QUERY}"), received.heads)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_reach_the_receiver_and_are_shown_nowhere() {
    let (url, heads) = echoing_receiver().await;
    let output = RemoteWrite::new(&url)
        .unwrap()
        .basic_auth("alice", PASSWORD)
        .unwrap()
        .header("X-Api-Key", HEADER)
        .unwrap()
        .flush_timeout(Duration::from_secs(2));
    assert_clean("Debug", &format!("{output:?}"));
    assert_clean("name", &output.name());
    let delivery = output.delivery();
    let dir = std::env::temp_dir().join(format!("lot-prom-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("run.json");
    let notices = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_secs(1))
        .terminal(false)
        .handle_signals(false)
        .output(format!("json={}", json.display()))
        .reporter(output)
        .reporter(Listen(notices.clone()));
    let report = executor.run(|| async { Ok(()) }).await;
    assert_eq!(report.expect_summary().totals.ok, 20);
    assert_clean("the report", &format!("{report:?}"));
    assert_clean("the JSON results", &std::fs::read_to_string(&json).unwrap());
    let notices = notices.lock().unwrap().clone();
    assert!(
        notices.iter().any(|n| n.contains("were not delivered")),
        "{notices:?}"
    );
    for n in &notices {
        assert_clean("a notice", n);
    }
    let last = delivery.last_error().unwrap();
    assert!(last.contains("401"), "{last}");
    assert_clean("the last error", &last);
    assert_clean("Delivery's Debug", &format!("{delivery:?}"));
    // The receiver did get them: basic auth, the header, the query.
    let heads = heads.lock().unwrap().clone();
    assert!(!heads.is_empty());
    let head = heads[0].to_ascii_lowercase();
    assert!(
        head.contains("authorization: basic ywxpy2u6chctu0vdukvulte="),
        "{head}"
    );
    assert!(head.contains(&format!("x-api-key: {}", HEADER.to_ascii_lowercase())));
    assert!(head.contains(&QUERY.to_ascii_lowercase()));
    assert!(head.contains("content-encoding: snappy"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every request names lot as its `User-Agent`, unless a header given
/// names another, which then replaces it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_agent_header_replaces_lots() {
    for (given, want) in [
        (
            None,
            format!("user-agent: lot/{}", env!("CARGO_PKG_VERSION")),
        ),
        (Some("probe/7"), "user-agent: probe/7".to_owned()),
    ] {
        let (url, heads) = echoing_receiver().await;
        let mut output = RemoteWrite::new(&url)
            .unwrap()
            .attempts(1)
            .flush_timeout(Duration::from_secs(2));
        if let Some(agent) = given {
            output = output.header("User-Agent", agent).unwrap();
        }
        let mut executor = Executor::new();
        executor
            .add_stage(10, 10, Duration::from_millis(500))
            .terminal(false)
            .handle_signals(false)
            .reporter(output);
        executor.run(|| async { Ok(()) }).await;
        let heads = heads.lock().unwrap().clone();
        assert!(!heads.is_empty());
        for head in &heads {
            let agents: Vec<String> = head
                .lines()
                .map(str::to_ascii_lowercase)
                .filter(|l| l.starts_with("user-agent:"))
                .collect();
            assert_eq!(agents, std::slice::from_ref(&want), "{head}");
        }
    }
}

#[test]
fn setting_errors_show_no_secret() {
    let errors = [
        RemoteWrite::new("https://alice:pw-SECRET@mimir.example/api/v1/push").unwrap_err(),
        RemoteWrite::new("http://h:99999/x?key=q-SECRET").unwrap_err(),
        // Passwords holding `/`, `?` or `#`: nothing of them reads as the
        // port or the path.
        RemoteWrite::new("https://alice:pw/SECRET@h/x").unwrap_err(),
        RemoteWrite::new("https://alice:SECRET?x@h/x").unwrap_err(),
        RemoteWrite::new("https://alice:SE#CRET@h:1/x").unwrap_err(),
        RemoteWrite::new("http://h/x")
            .unwrap()
            .header("X-Api-Key", "hdr-SECRET\n")
            .unwrap_err(),
        RemoteWrite::new("http://h/x")
            .unwrap()
            .bearer_token("tok-SECRET\r\n")
            .unwrap_err(),
        RemoteWrite::new("http://h/x")
            .unwrap()
            .basic_auth("alice", "pw-SECRET\u{7f}")
            .unwrap_err(),
    ];
    for e in &errors {
        assert_clean("an error", &e.to_string());
        assert_clean("an error's Debug", &format!("{e:?}"));
        assert!(e.is_url() || e.is_config(), "{e}");
    }
    assert_eq!(
        errors[0].to_string(),
        "invalid remote-write URL `https://***@mimir.example/api/v1/push`: credentials in the URL are not supported (a `@` in its path or query is written %40); set LOT_PROMETHEUS_USERNAME and LOT_PROMETHEUS_PASSWORD (or `basic_auth`) instead"
    );
    let token = RemoteWrite::new("https://h/x")
        .unwrap()
        .bearer_token("tok-SECRET")
        .unwrap();
    assert_clean("Debug", &format!("{token:?}"));
}

const TOKEN: &str = "tok-SECRET-4";

/// The outputs a run configured from the environment writes, each named by
/// its format.
const FORMATS: [&str; 5] = ["json", "html", "md", "text", "csv"];

/// Run by `secrets_from_the_environment_are_shown_nowhere` as a process of
/// its own, whose environment (`LOT_OUT`, `LOT_PROMETHEUS_*`) sets
/// everything: the remote write, its credentials and every file output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of secrets_from_the_environment_are_shown_nowhere"]
async fn a_run_configured_by_its_environment() {
    let mut executor = Executor::new();
    executor
        .add_stage(20, 20, Duration::from_secs(1))
        .handle_signals(false);
    let report = executor.run(|| async { Ok(()) }).await;
    assert_eq!(report.expect_summary().totals.ok, 20);
    println!("failed outputs: {:?}", report.failed_outputs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_from_the_environment_are_shown_nowhere() {
    let (url, heads) = echoing_receiver().await;
    let dir = std::env::temp_dir().join(format!("lot-prom-env-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut outputs: Vec<String> = FORMATS
        .iter()
        .map(|f| format!("{f}={}", dir.join(format!("run.{f}")).display()))
        .collect();
    outputs.push(format!("prometheus={url}"));
    let child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "secrets::a_run_configured_by_its_environment",
            "--nocapture",
        ])
        .env("LOT_OUT", outputs.join(","))
        .env("LOT_PROMETHEUS_BEARER_TOKEN", TOKEN)
        .env("LOT_PROMETHEUS_HEADERS", format!("X-Api-Key:{HEADER}"))
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), child)
        .await
        .expect("the child run ends")
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
    // The terminal showed the run and what was not delivered, no secret.
    assert!(text.contains("not delivered"), "{text}");
    assert_clean("the terminal", &text);
    for format in FORMATS {
        let written = std::fs::read_to_string(dir.join(format!("run.{format}"))).unwrap();
        assert!(!written.is_empty(), "{format}");
        assert_clean(format, &written);
    }
    // The receiver did get them: the token, the header, the query.
    let heads = heads.lock().unwrap().clone();
    assert!(!heads.is_empty());
    let head = heads[0].to_ascii_lowercase();
    assert!(
        head.contains(&format!(
            "authorization: bearer {}",
            TOKEN.to_ascii_lowercase()
        )),
        "{head}"
    );
    assert!(head.contains(&format!("x-api-key: {}", HEADER.to_ascii_lowercase())));
    assert!(head.contains(&QUERY.to_ascii_lowercase()));
    let _ = std::fs::remove_dir_all(&dir);
}
