//! Load models: users (closed model), weighted mixes and concurrent loads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lot::executor::Executor;
use lot::load::{Load, Think, UserScenario};
use lot::scenario::named;

use crate::server::TestServer;

fn get(
    client: &reqwest::Client,
    url: String,
) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<()>> + Send>>
+ Send
+ Sync
+ 'static {
    let client = client.clone();
    move || {
        let request = client.get(&url);
        Box::pin(async move {
            request.send().await?.error_for_status()?;
            Ok(())
        })
    }
}

/// With U users, no think time and a server that takes D per request, the
/// throughput is about U / D.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_without_think_time_reach_users_over_delay() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let mut executor = Executor::new();
    executor.terminal(false).load(
        Load::users()
            .stage(10, 10, Duration::from_secs(2))
            .scenario(named(
                "slow",
                get(&client, format!("{}/delay/50", server.url())),
            )),
    );
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    let done = s.totals.ok;
    // 10 users / 50 ms = 200/s for 2 s = 400; each user can do at most 41.
    assert!(done <= 410, "{done}");
    assert!(done >= 240, "{done}: far below 10 users / 50 ms");
    assert_eq!(server.hits(), s.totals.scheduled);
    assert!(s.totals.is_balanced());
    assert_eq!(s.totals.dropped, 0, "the closed model never drops");
    assert_eq!(s.plan.loads[0].model, lot::report::LoadModel::Users);
}

/// Per-user state: built once per user, handed to each of its iterations.
struct LoggedIn {
    starts: Arc<AtomicU64>,
    log: Arc<Mutex<Vec<(u64, Instant)>>>,
}

impl UserScenario for LoggedIn {
    type State = (u64, u64);

    async fn start(&self, user: u64) -> anyhow::Result<(u64, u64)> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        Ok((user, 0))
    }

    async fn run(&self, state: &mut (u64, u64)) -> anyhow::Result<()> {
        state.1 += 1;
        let due = lot::iteration().expect("in an iteration").intended_start();
        self.log.lock().unwrap().push((state.0, due));
        lot::counter("per-user iterations").add(1);
        Ok(())
    }
}

/// Pacing: each user starts an iteration every 200 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing_sets_each_users_cadence_and_state_lives_per_user() {
    let starts = Arc::new(AtomicU64::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new();
    executor.terminal(false).load(
        Load::users()
            .stage(3, 3, Duration::from_millis(1100))
            .pacing(Duration::from_millis(200))
            .user_scenario(LoggedIn {
                starts: starts.clone(),
                log: log.clone(),
            }),
    );
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    assert_eq!(starts.load(Ordering::SeqCst), 3, "one state per user");
    let log = log.lock().unwrap();
    for user in 0..3 {
        let due: Vec<Instant> = log
            .iter()
            .filter(|(u, _)| *u == user)
            .map(|(_, t)| *t)
            .collect();
        // Due at 0, 200, ..., 1000 ms (each one period after the previous
        // one started, which may be a little late on a loaded machine).
        assert!((4..=6).contains(&due.len()), "user {user}: {}", due.len());
        for pair in due.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap >= Duration::from_millis(199) && gap <= Duration::from_millis(500),
                "user {user}: {gap:?} between due instants"
            );
        }
    }
    assert_eq!(s.totals.ok, log.len() as u64);
    assert_eq!(s.metrics.counters[0].value, log.len() as u64);
}

/// Ramp-up and ramp-down of users; think time; every iteration accounted for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_ramp_up_and_down_with_think_time() {
    let starts = Arc::new(AtomicU64::new(0));
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new();
    executor.terminal(false).load(
        Load::users()
            .stage(0, 4, Duration::from_millis(800))
            .stage(4, 4, Duration::from_millis(400))
            .stage(4, 0, Duration::from_millis(800))
            .think_time(Think::uniform(
                Duration::from_millis(20),
                Duration::from_millis(60),
            ))
            .user_scenario(LoggedIn {
                starts: starts.clone(),
                log: log.clone(),
            }),
    );
    let started = Instant::now();
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    assert_eq!(
        starts.load(Ordering::SeqCst),
        4,
        "users 0..4 started once each"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        s.totals.interrupted, 0,
        "ramp-down stops users between iterations"
    );
    assert!(s.totals.ok > 20, "{}", s.totals.ok);
    assert!(s.totals.is_balanced());
    assert_eq!(s.plan.loads[0].think_us, Some([20_000, 60_000]));
}

/// 1000 arrivals split 70/25/5: exactly 700, 250 and 50, as the server saw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighted_mix_splits_arrivals_exactly() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let base = server.url();
    let mut executor = Executor::new();
    executor.terminal(false).load(
        Load::arrival_rate()
            .stage(500, 500, Duration::from_secs(2))
            .weighted(70, named("browse", get(&client, format!("{base}/browse"))))
            .weighted(25, named("search", get(&client, format!("{base}/search"))))
            .weighted(
                5,
                named("checkout", get(&client, format!("{base}/checkout"))),
            ),
    );
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    assert_eq!(s.totals.scheduled, 1000);
    let per_scenario: Vec<(&str, u64)> = s
        .scenarios
        .iter()
        .map(|sc| (sc.name.as_str(), sc.totals.ok))
        .collect();
    assert_eq!(
        per_scenario,
        [("browse", 700), ("search", 250), ("checkout", 50)]
    );
    assert_eq!(server.hits_on("/browse"), 700);
    assert_eq!(server.hits_on("/search"), 250);
    assert_eq!(server.hits_on("/checkout"), 50);
    // Each scenario's target is its share of the load's rate.
    let hold = s
        .intervals
        .iter()
        .find(|i| i.duration_us == 1_000_000)
        .unwrap();
    let targets: Vec<f64> = hold.scenarios.iter().map(|sc| sc.target_rps).collect();
    assert!(
        (targets[0] - 350.0).abs() < 1e-6 && (targets[2] - 25.0).abs() < 1e-6,
        "{targets:?}"
    );
}

/// An arrival-rate API load and a background user population, the latter
/// starting later, in one report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_loads_with_a_start_offset_share_one_report() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let base = server.url();
    let first_background = Arc::new(Mutex::new(None::<Instant>));
    let seen = first_background.clone();
    let background_client = client.clone();
    let background_url = format!("{base}/background");
    let mut executor = Executor::new();
    executor
        .terminal(false)
        .load(
            Load::arrival_rate()
                .stage(100, 100, Duration::from_secs(1))
                .scenario(named("api", get(&client, format!("{base}/api")))),
        )
        .load(
            Load::users()
                .stage(2, 2, Duration::from_millis(500))
                .think_time(Think::fixed(Duration::from_millis(50)))
                .start_after(Duration::from_millis(500))
                .scenario(named("background", move || {
                    seen.lock().unwrap().get_or_insert_with(Instant::now);
                    let request = background_client.get(&background_url);
                    async move {
                        request.send().await?.error_for_status()?;
                        Ok(())
                    }
                })),
        );
    let started = Instant::now();
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    assert_eq!(s.scenarios.len(), 2);
    assert_eq!(s.scenarios[0].totals.ok, 100);
    assert_eq!(server.hits_on("/api"), 100);
    assert_eq!(server.hits_on("/background"), s.scenarios[1].totals.ok);
    assert!(s.scenarios[1].totals.ok >= 2);
    let first = first_background
        .lock()
        .unwrap()
        .expect("background users ran");
    assert!(
        first - started >= Duration::from_millis(490),
        "{:?}",
        first - started
    );
    assert_eq!(s.plan.loads[1].start_us, 500_000);
    assert_eq!(
        s.totals.scheduled,
        s.scenarios
            .iter()
            .map(|sc| sc.totals.scheduled)
            .sum::<u64>()
    );
}

#[tokio::test]
async fn load_configuration_errors_are_clear() {
    let check = |executor: Executor, want: &'static str| async move {
        let err = executor.try_run_loads().await.unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
    };
    let ok = || async { Ok(()) };

    let mut e = Executor::new();
    e.load(Load::users().stage(1, 1, Duration::from_secs(1)));
    check(e, "at least one scenario in every load").await;

    let mut e = Executor::new();
    e.load(
        Load::arrival_rate()
            .stage(1, 1, Duration::from_secs(1))
            .scenario(ok),
    )
    .load(
        Load::arrival_rate()
            .stage(1, 1, Duration::from_secs(1))
            .scenario(ok),
    );
    check(e, "distinct scenario names").await;

    let mut e = Executor::new();
    e.load(
        Load::arrival_rate()
            .stage(1, 1, Duration::from_secs(1))
            .weighted(0, ok),
    );
    check(e, "a weight of at least 1").await;

    let mut e = Executor::new();
    e.load(
        Load::arrival_rate()
            .stage(1, 1, Duration::from_secs(1))
            .scenario(named("a", ok)),
    )
    .load(
        Load::users()
            .stage(-1, 1, Duration::from_secs(1))
            .scenario(named("b", ok)),
    );
    check(
        e,
        "invalid plan of load 1: stage 0: `from` rate -1 is invalid",
    )
    .await;

    check(Executor::new(), "the plan has no stages").await;

    let mut e = Executor::new();
    e.load(
        Load::users()
            .stage(0, 2.5, Duration::from_secs(1))
            .scenario(ok),
    );
    check(
        e,
        "load 0 (users): stage 0 goes from 0 to 2.5 users; expected whole numbers of users",
    )
    .await;
}

struct FlakyLogin;

impl UserScenario for FlakyLogin {
    type State = ();

    async fn start(&self, user: u64) -> anyhow::Result<()> {
        if user == 1 {
            anyhow::bail!("bad password");
        }
        Ok(())
    }

    async fn run(&self, _: &mut ()) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A user whose state cannot be built fails an iteration each time it tries.
#[tokio::test]
async fn a_failing_user_start_is_counted_and_retried() {
    let mut executor = Executor::new();
    executor.terminal(false).load(
        Load::users()
            .stage(2, 2, Duration::from_millis(500))
            .think_time(Think::fixed(Duration::from_millis(100)))
            .user_scenario(FlakyLogin),
    );
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    assert_eq!(s.scenarios[0].name, "FlakyLogin");
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].kind, "user start: bad password");
    assert!(
        (3..=7).contains(&s.errors[0].count),
        "{}",
        s.errors[0].count
    );
    assert!(s.totals.ok >= 3, "{}", s.totals.ok);
    assert_eq!(s.totals.failed, s.errors[0].count);
}

struct Numbered(Arc<Mutex<Vec<u64>>>);

impl UserScenario for Numbered {
    type State = ();

    async fn start(&self, user: u64) -> anyhow::Result<()> {
        self.0.lock().unwrap().push(user);
        Ok(())
    }

    async fn run(&self, _: &mut ()) -> anyhow::Result<()> {
        // Long enough that a user asked to stop is still finishing when the
        // count rises again.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    }
}

/// A user started again after a ramp-down gets a new number, even while the
/// one it replaces is still finishing its iteration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_gets_its_own_number() {
    let ids = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new();
    executor
        .terminal(false)
        .interval(Duration::from_millis(100))
        .load(
            Load::users()
                .stage(2, 2, Duration::from_millis(200))
                .stage(1, 1, Duration::from_millis(100))
                .stage(2, 2, Duration::from_millis(300))
                .user_scenario(Numbered(ids.clone())),
        );
    let report = executor.run_loads().await;
    let s = report.expect_summary();
    let mut ids = ids.lock().unwrap().clone();
    assert_eq!(ids.len(), 3, "users 0 and 1, then a new one: {ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids, [0, 1, 2]);
    assert!(s.totals.is_balanced());
    assert!(s.intervals.iter().any(|i| i.users > 0));
}
