//! What a run tells the person running it reaches the reporters as notices,
//! where a reporter of one's own can capture them, and nothing of it is
//! printed by the library when the terminal reporter is off.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lot::executor::Executor;
use lot::report::{BoxError, Notice, NoticeLevel, Reporter};

/// Keeps every notice it is told.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Notice>>>);

#[lot::report::async_trait]
impl Reporter for Capture {
    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        self.0.lock().unwrap().push(notice.clone());
        Ok(())
    }
}

impl Capture {
    fn texts(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|n| n.text.clone())
            .collect()
    }
}

fn executor(capture: &Capture) -> Executor {
    let mut executor = Executor::new();
    executor
        .terminal(false)
        .handle_signals(false)
        .interval(Duration::from_millis(100))
        .reporter(capture.clone());
    executor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_panic_of_a_run_is_one_notice_with_its_location() {
    let capture = Capture::default();
    let mut executor = executor(&capture);
    executor.add_stage(20, 20, Duration::from_secs(1));
    let report = executor
        .run(|| async {
            let index = lot::iteration().map_or(0, |it| it.index());
            if index % 2 == 0 {
                panic!("iteration {index} gave up");
            }
            Ok(())
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.failed, 10, "{:?}", s.totals);
    let notices = capture.0.lock().unwrap().clone();
    let panics: Vec<&Notice> = notices
        .iter()
        .filter(|n| n.text.contains("panicked"))
        .collect();
    assert_eq!(panics.len(), 1, "{notices:?}");
    assert_eq!(panics[0].level, NoticeLevel::Warning);
    assert!(
        panics[0]
            .text
            .starts_with("an iteration panicked at tests/it/notices.rs:"),
        "{}",
        panics[0].text
    );
    assert!(panics[0].text.contains("gave up"), "{}", panics[0].text);
    assert!(
        panics[0]
            .text
            .contains("further panics in iterations are only counted"),
        "{}",
        panics[0].text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abort_and_an_unknown_scope_are_told_as_notices() {
    let capture = Capture::default();
    let mut executor = executor(&capture);
    executor
        .add_stage(20, 20, Duration::from_secs(5))
        .threshold("error_rate < 10% abort")
        .threshold("latency[a step] p99 < 1s");
    let report = executor
        .run(|| async { anyhow::bail!("always down") })
        .await;
    let s = report.expect_summary();
    assert!(s.duration_us < 4_000_000, "the abort stopped the run early");
    let texts = capture.texts();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.starts_with("threshold `error_rate < 10% abort` failed (measured"))
            .filter(|t| t.ends_with("): stopping the run"))
            .count(),
        1,
        "{texts:?}"
    );
    assert!(
        texts.contains(
            &"threshold `latency[a step] p99 < 1s`: no scenario is named `a step`; its scope may name a scenario or a step, which the run makes as it goes"
                .to_owned()
        ),
        "{texts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_while_building_an_iteration_is_told_to_its_own_run() {
    let capture = Capture::default();
    let mut executor = executor(&capture);
    executor.add_stage(20, 20, Duration::from_millis(500));
    let built = std::sync::atomic::AtomicU64::new(0);
    let report = executor
        .run(move || {
            if built.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 2 == 0 {
                panic!("no future for this one");
            }
            async { Ok(()) }
        })
        .await;
    let s = report.expect_summary();
    assert_eq!(s.totals.failed, 5, "{:?}", s.totals);
    let texts = capture.texts();
    let panics: Vec<&String> = texts.iter().filter(|t| t.contains("panicked")).collect();
    assert_eq!(panics.len(), 1, "{texts:?}");
    assert!(
        panics[0].contains("no future for this one"),
        "{}",
        panics[0]
    );
}
