//! The load generator `cargo xtask bench` measures: lot at a fixed arrival
//! rate, with a no-op scenario, an HTTP GET through `lot::http` (the client
//! the README recommends) or the same GET through reqwest. Prints
//! `key=value` lines of results. `get` sends one GET through `lot::http`
//! and prints its body as `body=...` (the server's counts, over TLS too).
//!
//! ```text
//! lot-bench-gen noop --rate 100000 --duration 5 [--threads 2] [--live URL]
//! lot-bench-gen http --url http://127.0.0.1:PORT/ --rate 5000 --duration 10 [--threads 1] [--max-in-flight 64] [--max-connections 64] [--metrics off] [--live URL]
//! lot-bench-gen reqwest --url http://127.0.0.1:PORT/ --rate 5000 --duration 10 [--threads 1]
//! lot-bench-gen get --url https://127.0.0.1:PORT --path /count --ca CERT.pem
//! ```
//!
//! `--live URL` (any mode but `get`) watches the run as a user would: a
//! `lot::prometheus::RemoteWrite` to `URL` (`lot-bench-server` takes
//! `POST /api/v1/write` and discards it) and a `lot::dashboard::Dashboard`
//! on a free port of 127.0.0.1, both as reporters; it prints the batches
//! the receiver accepted (`live_sent_batches`) and those given up on
//! (`live_unsent_batches`).
//!
//! For an `https` URL, `--ca CERT.pem` trusts the certificate (or CA) in
//! that file besides the system's roots; `--keep-alive off` sends
//! `Connection: close` with every request, so each one opens (and, over
//! TLS, handshakes) a connection of its own.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lot::report::{BoxError, Interval, Reporter};
use lot_bench::procfs::{cpu_time, status_kb};

/// Samples this process's resident memory, and `lot::http`'s idle
/// connections if it is used, at every interval.
struct Sampler {
    rss: Arc<Mutex<Vec<u64>>>,
    idle: Arc<Mutex<Vec<usize>>>,
    client: Option<lot::http::Client>,
}

#[async_trait::async_trait]
impl Reporter for Sampler {
    async fn interval(&mut self, _: &Interval) -> Result<(), BoxError> {
        if let Some(kb) = status_kb("self", "VmRSS") {
            self.rss.lock().expect("no panics while sampling").push(kb);
        }
        if let Some(client) = &self.client {
            let idle = client.idle_connections();
            self.idle
                .lock()
                .expect("no panics while sampling")
                .push(idle);
        }
        Ok(())
    }
}

struct Args {
    mode: String,
    url: String,
    rate: f64,
    duration: f64,
    threads: usize,
    max_in_flight: usize,
    /// `lot::http`'s bound on open connections, if any.
    max_connections: Option<usize>,
    /// Whether `lot::http` records each request into the run.
    metrics: bool,
    /// The request's path, after the URL's.
    path: String,
    /// A PEM file of certificates to trust for `https`.
    ca: Option<Vec<u8>>,
    /// Whether a connection is reused (or `Connection: close` is sent).
    keep_alive: bool,
    /// The remote-write URL of `--live`, which adds the exporter and the
    /// dashboard.
    live: Option<String>,
}

/// `on` or `off` for `flag`.
fn on_off(flag: &str, value: &str) -> anyhow::Result<bool> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => anyhow::bail!("{flag} takes on or off, not `{value}`"),
    }
}

fn parse() -> anyhow::Result<Args> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    anyhow::ensure!(
        ["noop", "http", "reqwest", "get"].contains(&mode.as_str()),
        "mode must be noop, http, reqwest or get, not `{mode}`"
    );
    let mut parsed = Args {
        mode,
        url: String::new(),
        rate: 1000.0,
        duration: 5.0,
        threads: 2,
        max_in_flight: 10_000,
        max_connections: None,
        metrics: true,
        path: "/".to_owned(),
        ca: None,
        keep_alive: true,
        live: None,
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--url" => parsed.url = value,
            "--rate" => parsed.rate = value.parse()?,
            "--duration" => parsed.duration = value.parse()?,
            "--threads" => parsed.threads = value.parse()?,
            "--max-in-flight" => parsed.max_in_flight = value.parse()?,
            "--max-connections" => parsed.max_connections = Some(value.parse()?),
            "--metrics" => parsed.metrics = on_off(&flag, &value)?,
            "--keep-alive" => parsed.keep_alive = on_off(&flag, &value)?,
            "--path" => parsed.path = value,
            "--live" => parsed.live = Some(value),
            "--ca" => {
                let pem = std::fs::read(&value)
                    .map_err(|e| anyhow::anyhow!("reading --ca {value}: {e}"))?;
                parsed.ca = Some(pem);
            }
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    Ok(parsed)
}

/// The `lot::http` client `args` ask for.
fn lot_client(args: &Args) -> anyhow::Result<lot::http::Client> {
    let url = args.url.trim_end_matches('/');
    let mut client = lot::http::Client::builder(url).record_metrics(args.metrics);
    if let Some(max) = args.max_connections {
        client = client.max_connections(max);
    }
    if let Some(pem) = &args.ca {
        client = client.add_root_certificate(pem);
    }
    Ok(client.build()?)
}

/// The reqwest client `args` ask for.
fn reqwest_client(args: &Args) -> anyhow::Result<reqwest::Client> {
    let mut client = reqwest::Client::builder();
    if let Some(pem) = &args.ca {
        client = client.add_root_certificate(reqwest::Certificate::from_pem(pem)?);
    }
    Ok(client.build()?)
}

/// The value of the `Connection` header `args` ask for, if any.
fn connection(args: &Args) -> Option<&'static str> {
    (!args.keep_alive).then_some("close")
}

/// `get`: one GET through `lot::http`, its body printed.
fn get(args: &Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = lot_client(args)?;
    let response = runtime.block_on(client.get(&args.path).send())?;
    println!("body={}", response.error_for_status()?.text()?.trim());
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = parse()?;
    if args.mode == "get" {
        return get(&args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()?;
    let rss = Arc::new(Mutex::new(Vec::new()));
    let idle = Arc::new(Mutex::new(Vec::new()));
    // The request is built (and the URL checked) before any load is sent.
    let lean = match args.mode.as_str() {
        "http" => {
            let client = lot_client(&args)?;
            let mut request = client.get(&args.path);
            if let Some(value) = connection(&args) {
                request = request.header("connection", value);
            }
            Some((request.build()?, client))
        }
        _ => None,
    };
    let heavy = match args.mode.as_str() {
        "reqwest" => Some(reqwest_client(&args)?),
        _ => None,
    };
    // Kept to report the pool's size at the end.
    let client = lean.as_ref().map(|(_, client)| client.clone());
    // Made before the runtime runs anything, so a bad URL or a busy port
    // stops the run before any load is sent.
    let live = match &args.live {
        Some(url) => Some((
            lot::prometheus::RemoteWrite::new(url)?,
            lot::dashboard::Dashboard::bind("127.0.0.1:0")?,
        )),
        None => None,
    };
    let delivery = live.as_ref().map(|(write, _)| write.delivery());
    let report = runtime.block_on(async {
        let mut executor = lot::Executor::new();
        executor
            .add_stage(args.rate, args.rate, Duration::from_secs_f64(args.duration))
            .max_in_flight(args.max_in_flight)
            .timeout(Duration::from_secs(10))
            .graceful_stop(Duration::from_secs(5))
            .terminal(false)
            .handle_signals(false)
            .reporter(Sampler {
                rss: rss.clone(),
                idle: idle.clone(),
                client: client.clone(),
            });
        if let Some((write, dashboard)) = live {
            executor.reporter(write).reporter(dashboard);
        }
        if let Some((request, _)) = lean {
            executor
                .run(move || {
                    let sent = request.send();
                    async move {
                        sent.await?.error_for_status()?;
                        Ok(())
                    }
                })
                .await
        } else if let Some(client) = heavy {
            let url = format!("{}{}", args.url.trim_end_matches('/'), args.path);
            let close = connection(&args);
            executor
                .run(move || {
                    let mut request = client.get(&url);
                    if let Some(value) = close {
                        request = request.header("connection", value);
                    }
                    async move {
                        request.send().await?.error_for_status()?.bytes().await?;
                        Ok(())
                    }
                })
                .await
        } else {
            executor.run(|| async { Ok(()) }).await
        }
    });
    let cpu = cpu_time().unwrap_or_default();
    let s = report.expect_summary();
    // Worst per-second deviation of the achieved rate from the target, over
    // the intervals after the first (including any that a stall stretched
    // beyond one second), leaving out only the run's closing sliver.
    let worst = s
        .intervals
        .iter()
        .skip(1)
        .filter(|i| i.duration_us >= 500_000 && i.target_rps > 0.0)
        .map(|i| (i.achieved_rps - i.target_rps).abs() / i.target_rps * 100.0)
        .fold(0.0, f64::max);
    let rss = rss.lock().expect("no panics while sampling");
    let t = s.totals;
    println!("scheduled={}", t.scheduled);
    println!("ok={}", t.ok);
    println!("failed={}", t.failed);
    println!("dropped={}", t.dropped);
    println!("interrupted={}", t.interrupted);
    println!("achieved_rps={:.1}", s.achieved_rps);
    println!("worst_second_deviation_pct={worst:.3}");
    println!("lag_p50_us={}", s.schedule_lag.p50_us);
    println!("lag_p99_us={}", s.schedule_lag.p99_us);
    println!("latency_p50_us={}", s.latency.p50_us);
    println!("latency_p99_us={}", s.latency.p99_us);
    println!("cpu_us={}", cpu.as_micros());
    println!("peak_rss_kb={}", status_kb("self", "VmHWM").unwrap_or(0));
    println!(
        "rss_kb_series={}",
        rss.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
    );
    if let Some(client) = client {
        println!("idle_connections={}", client.idle_connections());
        let idle = idle.lock().expect("no panics while sampling");
        println!(
            "idle_series={}",
            idle.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(",")
        );
    }
    if let Some(delivery) = delivery {
        println!("live_sent_batches={}", delivery.sent_batches());
        println!("live_unsent_batches={}", delivery.unsent_batches());
        if let Some(error) = delivery.last_error() {
            println!("live_last_error={}", error.replace('\n', " "));
        }
    }
    if let Some(kind) = s.errors.first() {
        println!("first_error={}", kind.kind.replace('\n', " "));
    }
    Ok(())
}
