//! The [`Reporter`] trait, the [`Notice`]s it receives, and its composition.

use std::collections::VecDeque;

use async_trait::async_trait;

use crate::model::{Interval, Start, Summary};

/// The error a reporter returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Something lot tells the person running the test while the run goes on:
/// a signal received, waiting for the start time, the first panic in an
/// iteration, a reporter that failed, a threshold that stopped the run.
///
/// Notices are for people, in one or a few sentences; what a run measures
/// is in the results ([`Interval`], [`Summary`]), never only in a notice.
/// The [`TerminalReporter`](crate::TerminalReporter) prints them; a
/// reporter of one's own may capture or forward them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// How much it matters.
    pub level: NoticeLevel,
    /// What happened, in words, without a `lot: ` prefix (the terminal adds
    /// its own).
    pub text: String,
}

impl Notice {
    /// An [`Info`](NoticeLevel::Info) notice.
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            level: NoticeLevel::Info,
            text: text.into(),
        }
    }

    /// A [`Warning`](NoticeLevel::Warning) notice.
    pub fn warning(text: impl Into<String>) -> Notice {
        Notice {
            level: NoticeLevel::Warning,
            text: text.into(),
        }
    }
}

/// How much a [`Notice`] matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoticeLevel {
    /// What the run is doing (waiting for its start time, stopping on a
    /// signal): shown unless progress is off.
    Info,
    /// Something went wrong or will change the results (a panic, a failed
    /// reporter, a threshold that stopped the run): always shown.
    Warning,
}

/// A consumer of a run's results: a screen, a file, a metrics system.
///
/// Every method has a no-op default, so a reporter implements only what it
/// needs. The executor drives reporters on a task of their own, never on the
/// path that launches or measures iterations: a slow reporter delays only
/// itself. lot drives its reporters through a [`Fanout`]; what becomes of
/// one that fails (returns an error or panics) is in [`Fanout`]'s docs.
///
/// ```
/// use lot_report::{BoxError, Interval, Reporter};
///
/// struct PrintRate;
///
/// #[async_trait::async_trait]
/// impl Reporter for PrintRate {
///     async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
///         println!("{:.1} it/s", interval.achieved_rps);
///         Ok(())
///     }
/// }
/// ```
#[async_trait]
pub trait Reporter: Send {
    /// A short name for messages about this reporter, such as `json (run.json)`.
    /// By default, the type's name without module paths
    /// ([`short_type_name`](crate::short_type_name)): `Wrapper<Rate>`.
    fn name(&self) -> String {
        crate::type_name::short_type_name(std::any::type_name::<Self>())
    }

    /// Whether this reporter wants each interval's histograms
    /// ([`ScenarioInterval::histograms`](crate::ScenarioInterval::histograms)),
    /// asked once, before the run starts; default `false`. They cost the
    /// collector a copy of each scenario's and step's histograms every
    /// interval, so only a reporter that streams distributions (a
    /// Prometheus exporter) should say yes.
    fn wants_histograms(&self) -> bool {
        false
    }

    /// Whether this reporter wants the run so far at each interval
    /// ([`Interval::snapshot`], with every threshold evaluated on it), asked
    /// once, before the run starts; default `false`. It costs the collector
    /// a summary of the whole run every interval, so only a reporter that
    /// shows or streams it live (the dashboard, the Prometheus exporter)
    /// should say yes.
    fn wants_snapshot(&self) -> bool {
        false
    }

    /// Called once, before the first arrival.
    async fn start(&mut self, _start: &Start) -> Result<(), BoxError> {
        Ok(())
    }

    /// Called at the end of every interval while the run goes on.
    async fn interval(&mut self, _interval: &Interval) -> Result<(), BoxError> {
        Ok(())
    }

    /// Called once with the results of the whole run.
    async fn summary(&mut self, _summary: &Summary) -> Result<(), BoxError> {
        Ok(())
    }

    /// Called with each [`Notice`] for the person running the test, at any
    /// point of the run, in the order they happen.
    async fn notice(&mut self, _notice: &Notice) -> Result<(), BoxError> {
        Ok(())
    }
}

#[async_trait]
impl<R: Reporter + ?Sized> Reporter for Box<R> {
    fn name(&self) -> String {
        (**self).name()
    }
    fn wants_histograms(&self) -> bool {
        (**self).wants_histograms()
    }
    fn wants_snapshot(&self) -> bool {
        (**self).wants_snapshot()
    }
    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        (**self).start(start).await
    }
    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        (**self).interval(interval).await
    }
    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        (**self).summary(summary).await
    }
    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        (**self).notice(notice).await
    }
}

/// `None` reports nothing: a reporter that can be switched off.
#[async_trait]
impl<R: Reporter> Reporter for Option<R> {
    fn name(&self) -> String {
        self.as_ref().map_or_else(|| "none".to_owned(), R::name)
    }
    fn wants_histograms(&self) -> bool {
        self.as_ref().is_some_and(R::wants_histograms)
    }
    fn wants_snapshot(&self) -> bool {
        self.as_ref().is_some_and(R::wants_snapshot)
    }
    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        match self {
            Some(r) => r.start(start).await,
            None => Ok(()),
        }
    }
    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        match self {
            Some(r) => r.interval(interval).await,
            None => Ok(()),
        }
    }
    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        match self {
            Some(r) => r.summary(summary).await,
            None => Ok(()),
        }
    }
    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        match self {
            Some(r) => r.notice(notice).await,
            None => Ok(()),
        }
    }
}

/// Several reporters fed the same events, in order.
///
/// A member that fails (returns an error or panics) still receives the next
/// events, so a metrics pusher survives a dropped packet; the others are
/// never affected. The first time a member fails, the others receive a
/// [`Warning`](NoticeLevel::Warning) notice, `reporter NAME failed (further
/// failures are only counted): ERROR`, which the terminal prints; later
/// failures are only counted ([`failed`](Fanout::failed)). [`Fanout`]
/// itself never fails.
#[derive(Default)]
pub struct Fanout {
    members: Vec<Member>,
}

struct Member {
    reporter: Box<dyn Reporter>,
    failures: u64,
    /// Whether it writes one of the run's outputs (`LOT_OUT`), whose failure
    /// changes the exit status.
    output: bool,
}

impl Fanout {
    /// An empty fan-out.
    pub fn new() -> Fanout {
        Fanout::default()
    }

    /// Adds a reporter.
    pub fn push(&mut self, reporter: impl Reporter + 'static) {
        self.push_boxed(Box::new(reporter));
    }

    /// Adds a boxed reporter.
    pub fn push_boxed(&mut self, reporter: Box<dyn Reporter>) {
        self.members.push(Member {
            reporter,
            failures: 0,
            output: false,
        });
    }

    /// Adds a reporter that writes one of the run's outputs: see
    /// [`failed_outputs`](Fanout::failed_outputs).
    pub fn push_output(&mut self, reporter: Box<dyn Reporter>) {
        self.members.push(Member {
            reporter,
            failures: 0,
            output: true,
        });
    }

    /// Whether any of its reporters wants each interval's histograms
    /// ([`Reporter::wants_histograms`]).
    pub fn wants_histograms(&self) -> bool {
        self.members.iter().any(|m| m.reporter.wants_histograms())
    }

    /// Whether any of its reporters wants the run so far at each interval
    /// ([`Reporter::wants_snapshot`]).
    pub fn wants_snapshot(&self) -> bool {
        self.members.iter().any(|m| m.reporter.wants_snapshot())
    }

    /// Number of reporters.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no reporters.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Names of the members that have failed so far, with how often.
    pub fn failed(&self) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| m.failures > 0)
            .map(|m| format!("{} ({} failures)", m.reporter.name(), m.failures))
            .collect()
    }

    /// Names of the outputs (added with [`push_output`](Fanout::push_output))
    /// that have failed so far.
    pub fn failed_outputs(&self) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| m.output && m.failures > 0)
            .map(|m| m.reporter.name())
            .collect()
    }

    /// Counts a failure of member `i`; on its first, the notice the other
    /// members are sent about it.
    fn note(&mut self, i: usize, result: Result<(), BoxError>) -> Option<Notice> {
        let member = &mut self.members[i];
        let e = result.err()?;
        member.failures += 1;
        (member.failures == 1).then(|| {
            Notice::warning(format!(
                "reporter {} failed (further failures are only counted): {e}",
                member.reporter.name()
            ))
        })
    }

    /// Notes the outcome of member `i`'s event and sends the notices that
    /// follow from it: a member failing for the first time is told to the
    /// others, and so on if telling one fails it in turn. Each member fails
    /// for the first time once, so this ends.
    async fn settle(&mut self, i: usize, result: Result<(), BoxError>) {
        if let Some(notice) = self.note(i, result) {
            self.tell(Some(i), notice).await;
        }
    }

    /// Sends `notice` to every member but the one it is about, then the
    /// notices of the members that failed on it, in order.
    async fn tell(&mut self, about: Option<usize>, notice: Notice) {
        let mut pending = VecDeque::from([(about, notice)]);
        while let Some((about, notice)) = pending.pop_front() {
            for j in 0..self.members.len() {
                if Some(j) == about {
                    continue;
                }
                let r = guarded(self.members[j].reporter.notice(&notice)).await;
                if let Some(next) = self.note(j, r) {
                    pending.push_back((Some(j), next));
                }
            }
        }
    }
}

/// Awaits one member's event, turning a panic in it into an error so that
/// one faulty reporter cannot silence the others.
async fn guarded(
    mut event: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), BoxError>> + Send + '_>,
    >,
) -> Result<(), BoxError> {
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| event.as_mut().poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string payload".to_owned());
                std::task::Poll::Ready(Err(format!("panicked: {message}").into()))
            }
        }
    })
    .await
}

#[async_trait]
impl Reporter for Fanout {
    fn name(&self) -> String {
        let names: Vec<String> = self.members.iter().map(|m| m.reporter.name()).collect();
        format!("fanout [{}]", names.join(", "))
    }
    fn wants_histograms(&self) -> bool {
        Fanout::wants_histograms(self)
    }
    fn wants_snapshot(&self) -> bool {
        Fanout::wants_snapshot(self)
    }

    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        for i in 0..self.members.len() {
            let r = guarded(self.members[i].reporter.start(start)).await;
            self.settle(i, r).await;
        }
        Ok(())
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        for i in 0..self.members.len() {
            let r = guarded(self.members[i].reporter.interval(interval)).await;
            self.settle(i, r).await;
        }
        Ok(())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        for i in 0..self.members.len() {
            let r = guarded(self.members[i].reporter.summary(summary)).await;
            self.settle(i, r).await;
        }
        Ok(())
    }

    async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
        self.tell(None, notice.clone()).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Record(Arc<Mutex<Vec<&'static str>>>);

    #[async_trait]
    impl Reporter for Record {
        async fn start(&mut self, _: &Start) -> Result<(), BoxError> {
            self.0.lock().unwrap().push("start");
            Ok(())
        }
        async fn interval(&mut self, _: &Interval) -> Result<(), BoxError> {
            self.0.lock().unwrap().push("interval");
            Ok(())
        }
    }

    /// Keeps the notices it receives.
    struct Listen(Arc<Mutex<Vec<Notice>>>);

    #[async_trait]
    impl Reporter for Listen {
        async fn notice(&mut self, notice: &Notice) -> Result<(), BoxError> {
            self.0.lock().unwrap().push(notice.clone());
            Ok(())
        }
    }

    /// Fails on every notice, and on nothing else.
    struct Deaf;

    #[async_trait]
    impl Reporter for Deaf {
        async fn notice(&mut self, _: &Notice) -> Result<(), BoxError> {
            Err("cannot listen".into())
        }
    }

    struct Faulty {
        panic: bool,
    }

    #[async_trait]
    impl Reporter for Faulty {
        async fn start(&mut self, _: &Start) -> Result<(), BoxError> {
            if self.panic {
                panic!("reporter bug");
            }
            Err("disk full".into())
        }
        async fn interval(&mut self, _: &Interval) -> Result<(), BoxError> {
            Err("still failing".into())
        }
    }

    fn start() -> Start {
        Start {
            started_at_unix_ms: 0,
            plan: crate::Plan {
                loads: vec![],
                iterations: 0,
                duration_us: 0,
            },
            limits: crate::Limits {
                timeout_us: 1,
                graceful_stop_us: 1,
                interval_us: 1,
            },
            scenarios: vec![],
            segment: None,
        }
    }

    #[tokio::test]
    async fn a_failing_or_panicking_member_does_not_stop_the_others() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut fanout = Fanout::new();
        fanout.push(Faulty { panic: true });
        fanout.push(Faulty { panic: false });
        fanout.push(Record(seen.clone()));
        fanout.push(None::<Record>);
        fanout.start(&start()).await.unwrap();
        fanout.interval(&Interval::default()).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), ["start", "interval"]);
        assert_eq!(
            fanout.failed(),
            ["Faulty (2 failures)", "Faulty (2 failures)"]
        );
        assert!(
            fanout.failed_outputs().is_empty(),
            "none of them is an output"
        );
    }

    #[tokio::test]
    async fn a_members_first_failure_is_told_to_the_others_once() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let mut fanout = Fanout::new();
        fanout.push(Faulty { panic: false });
        fanout.push(Listen(heard.clone()));
        fanout.push(Deaf);
        fanout.start(&start()).await.unwrap();
        fanout.interval(&Interval::default()).await.unwrap();
        fanout.interval(&Interval::default()).await.unwrap();
        fanout
            .notice(&Notice::info("waiting for the start time"))
            .await
            .unwrap();
        let failed = |name: &str, error: &str| {
            Notice::warning(format!(
                "reporter {name} failed (further failures are only counted): {error}"
            ))
        };
        // Faulty's first failure reaches the others, Deaf failing on that
        // notice reaches the others in turn (Faulty too), and then the
        // notice sent to all arrives; later failures are only counted.
        assert_eq!(
            *heard.lock().unwrap(),
            [
                failed("Faulty", "disk full"),
                failed("Deaf", "cannot listen"),
                Notice::info("waiting for the start time"),
            ]
        );
        assert_eq!(
            fanout.failed(),
            ["Faulty (3 failures)", "Deaf (2 failures)"]
        );
    }

    #[tokio::test]
    async fn box_and_option_forward_notices() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let mut boxed: Box<dyn Reporter> = Box::new(Some(Listen(heard.clone())));
        boxed.notice(&Notice::warning("first panic")).await.unwrap();
        None::<Listen>
            .notice(&Notice::warning("lost"))
            .await
            .unwrap();
        assert_eq!(*heard.lock().unwrap(), [Notice::warning("first panic")]);
    }

    #[test]
    fn the_default_name_is_the_short_type_name() {
        struct Wrap<R>(#[allow(dead_code)] R);
        impl<R: Send> Reporter for Wrap<R> {}
        assert_eq!(Wrap(Deaf).name(), "Wrap<Deaf>");
        assert_eq!(Wrap(Some(Deaf)).name(), "Wrap<Option<Deaf>>");
        assert_eq!(Some(Deaf).name(), "Deaf");
    }
}
