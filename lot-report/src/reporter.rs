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
/// A member that fails is reported once on stderr and skipped from then on;
/// the others keep receiving events. [`Fanout`] itself never fails.
#[derive(Default)]
pub struct Fanout {
    members: Vec<Member>,
}

struct Member {
    reporter: Box<dyn Reporter>,
    failed: bool,
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
            failed: false,
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

    /// Names of the members that have failed so far.
    pub fn failed(&self) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| m.failed)
            .map(|m| m.reporter.name())
            .collect()
    }

    fn note(member: &mut Member, result: Result<(), BoxError>) {
        if let Err(e) = result {
            member.failed = true;
            eprintln!(
                "lot: reporter {} failed and receives nothing more: {e}",
                member.reporter.name()
            );
        }
    }
}

#[async_trait]
impl Reporter for Fanout {
    fn name(&self) -> String {
        let names: Vec<String> = self.members.iter().map(|m| m.reporter.name()).collect();
        format!("fanout [{}]", names.join(", "))
    }

    async fn start(&mut self, start: &Start) -> Result<(), BoxError> {
        for m in self.members.iter_mut().filter(|m| !m.failed) {
            let r = m.reporter.start(start).await;
            Fanout::note(m, r);
        }
        Ok(())
    }

    async fn interval(&mut self, interval: &Interval) -> Result<(), BoxError> {
        for m in self.members.iter_mut().filter(|m| !m.failed) {
            let r = m.reporter.interval(interval).await;
            Fanout::note(m, r);
        }
        Ok(())
    }

    async fn summary(&mut self, summary: &Summary) -> Result<(), BoxError> {
        for m in self.members.iter_mut().filter(|m| !m.failed) {
            let r = m.reporter.summary(summary).await;
            Fanout::note(m, r);
        }
        Ok(())
    }
}
