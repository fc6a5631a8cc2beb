//! Ctrl-C and SIGTERM: the run's stop requests from outside.

use lot_report::{Notice, StopReason};
use tokio::sync::watch;

use crate::run::reporters::Notices;
use crate::stop::{Stop, StopLevel};

/// Listens for Ctrl-C and SIGTERM: the first stops scheduling, the second
/// cancels running iterations, a third exits the process at once (status 130,
/// removing the temporary files of outputs not yet written).
/// The handlers are registered before this returns, so no early signal is missed.
pub(crate) fn listen(stop: watch::Sender<Stop>, notices: Notices) -> tokio::task::JoinHandle<()> {
    #[cfg(unix)]
    let mut signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    tokio::spawn(async move {
        let levels = [
            (
                StopLevel::Graceful,
                "stopping: no new iterations; running ones get the graceful stop period (signal again to cancel them)",
            ),
            (
                StopLevel::Immediate,
                "cancelling running iterations (signal again to exit at once)",
            ),
        ];
        for (level, message) in levels {
            next_signal(&mut signals).await;
            notices.send(Notice::warning(message));
            let _ = stop.send(Stop {
                level,
                reason: StopReason::Signal,
            });
        }
        next_signal(&mut signals).await;
        // Said here, not through the reporters: the process ends now, before
        // their task would run again.
        eprintln!("\nlot: exiting");
        // Outputs not yet written are left as they were: their temporary
        // files go, complete ones stay.
        lot_report::output::exit_removing_temp_files(130);
    })
}

#[cfg(unix)]
type Signals = (
    Option<tokio::signal::unix::Signal>,
    Option<tokio::signal::unix::Signal>,
);

#[cfg(unix)]
async fn next_signal(signals: &mut Signals) {
    async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    let (interrupt, terminate) = signals;
    tokio::select! {
        _ = recv(interrupt) => {}
        _ = recv(terminate) => {}
    }
}

#[cfg(not(unix))]
type Signals = ();

#[cfg(not(unix))]
async fn next_signal(_: &mut Signals) {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
