//! The [`Reporter`] trait and its composition.

use async_trait::async_trait;

use crate::model::{Interval, Start, Summary};

/// The error a reporter returns.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A consumer of a run's results: a screen, a file, a metrics system.
///
/// Every method has a no-op default, so a reporter implements only what it
/// needs. The executor drives reporters on a task of their own, never on the
/// path that launches or measures iterations: a slow reporter delays only
/// itself. A reporter that returns an error is reported once on stderr and
/// receives nothing more; the run and the other reporters go on.
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
    fn name(&self) -> String {
        let full = std::any::type_name::<Self>();
        full.rsplit("::").next().unwrap_or(full).to_owned()
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
}

#[async_trait]
impl<R: Reporter + ?Sized> Reporter for Box<R> {
    fn name(&self) -> String {
        (**self).name()
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
}

/// `None` reports nothing: a reporter that can be switched off.
#[async_trait]
impl<R: Reporter> Reporter for Option<R> {
    fn name(&self) -> String {
        self.as_ref().map_or_else(|| "none".to_owned(), R::name)
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
}

/// Several reporters fed the same events, in order.
///
/// A member that fails (returns an error or panics) is reported on stderr the
/// first time, and still receives the next events, so a metrics pusher
/// survives a dropped packet; the others are never affected. [`Fanout`]
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

    fn note(member: &mut Member, result: Result<(), BoxError>) {
        if let Err(e) = result {
            member.failures += 1;
            if member.failures == 1 {
                eprintln!(
                    "lot: reporter {} failed (further failures are only counted): {e}",
                    member.reporter.name()
                );
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

    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        for m in &mut self.members {
            let r = guarded(m.reporter.start(start)).await;
            Fanout::note(m, r);
        }
        Ok(())
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        for m in &mut self.members {
            let r = guarded(m.reporter.interval(interval)).await;
            Fanout::note(m, r);
        }
        Ok(())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        for m in &mut self.members {
            let r = guarded(m.reporter.summary(summary)).await;
            Fanout::note(m, r);
        }
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
}
